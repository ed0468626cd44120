"""Mutated files: whatever the bytes, ``load_file`` answers with a load or a refusal.

Five valid files (our metrics template, a TikTok export, a UTF-16 Meta insights series, a
feedback workbook and the programme set-up workbook) are mutated the ways files get damaged on
their way: cut short, bytes flipped, inserted, deleted or repeated, text re-encoded, workbook
parts left out or damaged inside a valid zip, sheet XML with tags dropped, absurd cell
references, entity declarations. For each, ``load_file`` returns a ``LoadResult`` (loaded or
rejected) and raises nothing but our own ``UsageError``; a rejected file leaves the warehouse's
facts as they were; and no message holds a traceback or a path of the server.

``make test`` runs 150 examples in all, derandomized (the same ones on every run).
``make fuzz`` runs the same properties on many more, chosen afresh (``CAMPAIGNS_FUZZ_EXAMPLES``,
the total over the five files).
"""

from __future__ import annotations

import codecs
import datetime as dt
import functools
import io
import os
import re
import tempfile
import zipfile
from pathlib import Path

import pytest
from conftest import METRICS_HEADER, write_programme
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from test_robustness import (
    LAUGHS,
    check_outcome,
    fact_counts,
    feedback_workbook,
    fresh_copy,
    open_file,
)

from etl.load import LoadResult, UsageError, load_file
from etl.warehouse import Warehouse

AS_OF = dt.date(2026, 4, 10)
LONG_RUN = bool(os.environ.get("CAMPAIGNS_FUZZ_EXAMPLES"))
EXAMPLES = int(os.environ.get("CAMPAIGNS_FUZZ_EXAMPLES") or 150)


# --- the valid files mutated -------------------------------------------------------------------


def metrics_csv() -> bytes:
    rows = [
        f"2026-03-{d:02d},instagram,p{d},https://instagram.com/p/{d},{1000 + d},{600 + d},,"
        f"{40 + d},{d},,,,{5000 + d}"
        for d in range(2, 12)
    ]
    return ("\n".join([METRICS_HEADER, *rows]) + "\n").encode()


def tiktok_overview() -> bytes:
    rows = [f"March {d},{100 * d},{d},{10 * d},{d},{d // 2}" for d in range(2, 12)]
    return ("Date,Video Views,Profile Views,Likes,Comments,Shares\n" + "\n".join(rows)).encode()


def meta_reach() -> bytes:
    """UTF-16 LE with its BOM, Excel's ``sep=`` line and a title line, as Meta writes it."""
    text = 'sep=,\r\n"Facebook reach"\r\n"Date","Primary"\r\n' + "".join(
        f'"2026-03-{d:02d}T00:00:00","{1000 + d}"\r\n' for d in range(2, 12)
    )
    return codecs.BOM_UTF16_LE + text.encode("utf-16-le")


def programme_workbook() -> bytes:
    with tempfile.TemporaryDirectory() as tmp:
        return write_programme(Path(tmp) / "programme.xlsx").read_bytes()


SEEDS = {
    "metrics.csv": metrics_csv,
    "Overview.csv": tiktok_overview,
    "Reach.csv": meta_reach,
    # Rows enough that openpyxl does not read the whole sheet when it opens the workbook.
    "feedback.xlsx": lambda: feedback_workbook(400),
    "programme.xlsx": programme_workbook,
}


@functools.cache
def seed_bytes(seed: str) -> bytes:
    """The valid file ``seed``, built once (not a fixture: a failing example then shows only
    the mutations, not the seeds' bytes)."""
    return SEEDS[seed]()


@pytest.fixture(scope="module")
def template_counts(programme_template: Warehouse) -> dict[str, int]:
    con = open_file(programme_template)
    try:
        return fact_counts(con)
    finally:
        con.close()


# --- mutations ---------------------------------------------------------------------------------

position = st.integers(0, 1 << 20)
INSERTS = [
    b'"',
    b"\n",
    b"\r\n",
    b"\x00",
    b",",
    b";",
    b"\t",
    b"\xff\xfe",
    b"\xef\xbb\xbf",
    b"PK\x03\x04",
    b"<",
    b"&",
    b"=SUM(A1:A9)",
    b"sep=;\n",
    b"," * 600,
    b"x" * 70_000,
    b"y" * 140_000,  # a cell beyond the csv module's own field limit
]
byte_ops = st.one_of(
    st.tuples(st.just("truncate"), position),
    st.tuples(st.just("flip"), position, st.integers(1, 255)),
    st.tuples(
        st.just("insert"), position, st.sampled_from(INSERTS) | st.binary(min_size=1, max_size=16)
    ),
    st.tuples(st.just("delete"), position, st.integers(1, 64)),
    st.tuples(st.just("repeat"), position, st.integers(1, 200), st.integers(2, 50)),
)
ENCODINGS = ["utf-8", "utf-8-sig", "utf-16", "utf-16-le", "utf-16-be", "cp1251", "latin-1"]
text_ops = st.tuples(st.just("reencode"), st.sampled_from(ENCODINGS))

XML_CHANGES = [
    "drop tag",
    "cell reference",
    "dimension",
    "value",
    "type",
    "repeat row",
    "entities",
    "external entity",
]
CELL_REFERENCES = ["XFD1048576", "A0", "A1048577", "ZZZZ1", "", "A99999999999", "B1", "1A"]
VALUES = ["", "1e309", "-1", "99999999", "NaN", "abc", "<", "&amp;", "&bogus;", "45000.5"]
TYPES = ["s", "n", "b", "e", "str", "inlineStr", "d", "zz"]
# Each zip mutation picks a part by position, among the worksheets or among all parts.
part = st.tuples(st.sampled_from(["worksheet", "any"]), position)
zip_ops = st.one_of(
    st.tuples(st.just("drop part"), part),
    st.tuples(st.just("damage part"), part, st.lists(byte_ops, min_size=1, max_size=3)),
    st.tuples(st.just("xml"), part, st.sampled_from(XML_CHANGES), position, position),
    # Worksheets written uncompressed: a later byte flip lands in their XML, which then fails
    # its checksum only once read to the end (openpyxl reads rows lazily).
    st.tuples(st.just("store worksheets"), part),
)


def mutations(seed: str) -> st.SearchStrategy[list[tuple]]:
    ops = byte_ops | zip_ops if seed.endswith(".xlsx") else byte_ops | text_ops
    return st.lists(ops, min_size=1, max_size=4)


def apply(data: bytes, ops: list[tuple]) -> bytes:
    for op in ops:
        data = apply_one(data, op)
    return data


def apply_one(data: bytes, op: tuple) -> bytes:
    what, *args = op
    at = args[0] % (len(data) + 1) if args and isinstance(args[0], int) else 0
    if what == "truncate":
        return data[:at]
    if what == "flip":
        return data[:at] + bytes([data[at] ^ args[1]]) + data[at + 1 :] if at < len(data) else data
    if what == "insert":
        return data[:at] + args[1] + data[at:]
    if what == "delete":
        return data[:at] + data[at + args[1] :]
    if what == "repeat":
        return data[:at] + data[at : at + args[1]] * args[2] + data[at:]
    if what == "reencode":
        return reencode(data, args[0])
    return change_parts(data, op)


def reencode(data: bytes, encoding: str) -> bytes:
    """The text as read (UTF-16 when it starts with a BOM, else UTF-8), written in another
    encoding, characters it lacks replaced."""
    source = "utf-16" if data[:2] in (codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE) else "utf-8-sig"
    return data.decode(source, errors="replace").encode(encoding, errors="replace")


def change_parts(data: bytes, op: tuple) -> bytes:
    """A zip mutation: the archive stays a valid zip (when it was one), its parts changed."""
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as z:
            parts = [(i.filename, z.read(i)) for i in z.infolist()]
    except Exception:  # already damaged by an earlier mutation: leave it so
        return data
    if not parts:
        return data
    what, (among, at), *args = op
    sheets = [i for i, (n, _) in enumerate(parts) if n.startswith("xl/worksheets/")]
    xml = [i for i, (n, _) in enumerate(parts) if n.endswith((".xml", ".rels"))]
    pool = sheets if among == "worksheet" and sheets else xml if what == "xml" and xml else None
    index = pool[at % len(pool)] if pool else at % len(parts)
    name, part = parts[index]
    if what == "drop part":
        del parts[index]
    elif what == "damage part":
        parts[index] = (name, apply(part, args[0]))
    elif what == "xml":
        parts[index] = (name, change_xml(part, *args))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as z:
        for name, part in parts:
            stored = what == "store worksheets" and name.startswith("xl/worksheets/")
            z.writestr(name, part, compress_type=zipfile.ZIP_STORED if stored else None)
    return out.getvalue()


def change_xml(part: bytes, change: str, k: int, j: int) -> bytes:
    def nth(pattern: bytes, replace) -> bytes:
        found = list(re.finditer(pattern, part))
        if not found:
            return part
        m = found[k % len(found)]
        return part[: m.start()] + replace(m) + part[m.end() :]

    if change == "drop tag":
        return nth(rb"<[^>]+>", lambda m: b"")
    if change == "cell reference":
        ref = CELL_REFERENCES[j % len(CELL_REFERENCES)].encode()
        return nth(rb' r="[A-Z]*\d*"', lambda m: b' r="' + ref + b'"')
    if change == "dimension":
        return nth(rb'<dimension ref="[^"]*"', lambda m: b'<dimension ref="A1:XFD1048576"')
    if change == "value":
        value = VALUES[j % len(VALUES)].encode()
        return nth(rb"<v>[^<]*</v>|<t>[^<]*</t>", lambda m: m.group()[:3] + value + m.group()[-4:])
    if change == "type":
        kind = TYPES[j % len(TYPES)].encode()
        return nth(rb' t="\w+"', lambda m: b' t="' + kind + b'"')
    if change == "repeat row":
        return nth(rb"<row [^>]*>.*?</row>", lambda m: m.group() * (2 + j % 40))
    if change == "entities":
        body = nth(rb"<v>[^<]*</v>|<t>[^<]*</t>", lambda m: m.group()[:3] + b"&j;" + m.group()[3:])
        return LAUGHS + body
    return b'<!DOCTYPE x [<!ENTITY e SYSTEM "file:///etc/passwd">]>' + nth(
        rb"<t>[^<]*</t>", lambda m: b"<t>&e;</t>"
    )


# --- the properties ------------------------------------------------------------------------------

FUZZ = settings(
    max_examples=max(1, EXAMPLES // len(SEEDS)),
    deadline=None,
    derandomize=not LONG_RUN,
    database=None if not LONG_RUN else settings.default.database,
    print_blob=True,
    suppress_health_check=[
        HealthCheck.function_scoped_fixture,
        HealthCheck.too_slow,
        HealthCheck.data_too_large,
    ],
)


def load(wh: Warehouse, name: str, data: bytes) -> LoadResult | None:
    path = wh.path.parent / name
    path.write_bytes(data)
    try:
        result = load_file(wh, path, campaign="PDP-01", as_of=AS_OF)
    except UsageError:
        return None
    assert isinstance(result, LoadResult)
    return result


def check_messages(result: LoadResult, server_dir: Path) -> None:
    """No traceback, no exception's repr, no path of the server in what the user reads."""
    messages = [result.message, *(i.message for i in result.errors + result.warnings)]
    for message in messages:
        assert "Traceback" not in message and 'File "' not in message, message
        assert str(server_dir) not in message, message
        assert "/tmp/" not in message and "site-packages" not in message, message


@pytest.mark.parametrize("seed", SEEDS)
def test_seeds_load(programme_template: Warehouse, seed: str) -> None:
    """Unmutated, each seed loads: the mutations start from a file that works."""
    with fresh_copy(programme_template) as wh:
        result = load(wh, seed, seed_bytes(seed))
        assert result is not None and result.status == "loaded", result and result.errors[:3]


@pytest.mark.parametrize("seed", SEEDS)
@FUZZ
@given(data=st.data())
def test_mutated_files_load_or_are_refused(
    programme_template: Warehouse,
    template_counts: dict[str, int],
    seed: str,
    data: st.DataObject,
) -> None:
    ops = data.draw(mutations(seed), label="mutations")
    mutated = apply(seed_bytes(seed), ops)
    with fresh_copy(programme_template) as wh:
        result = load(wh, seed, mutated)
        if result is None:
            return
        check_messages(result, wh.path.parent.parent)
        con = open_file(wh)
        try:
            check_outcome(con, result, template_counts)
        finally:
            con.close()
