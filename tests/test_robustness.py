"""The loader under abuse: any bytes, mangled files, a killed load, loads and reads at once.

Whatever arrives, ``load_file`` answers ``loaded`` or ``rejected`` and never raises; a rejected
file leaves no trace in the fact tables; a load killed with SIGKILL leaves the warehouse exactly as
it was and releases its lock; and a reader running beside two writers always sees a whole state,
never a half-written one.
"""

from __future__ import annotations

import codecs
import csv
import datetime as dt
import fcntl
import io
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import zipfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import duckdb
import pytest
from conftest import METRICS_HEADER, core_counts, write
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from etl.kinds import METRIC_FIELDS, template_header
from etl.load import LoadResult, load_file
from etl.warehouse import Warehouse

REPO = Path(__file__).resolve().parent.parent
BOOKKEEPING = ("batch", "batch_issue", "rejected_row")
PROPERTY = settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)


@contextmanager
def fresh_copy(template: Warehouse) -> Iterator[Warehouse]:
    """A programme warehouse of its own for one hypothesis example."""
    with tempfile.TemporaryDirectory() as tmp:
        wh = Warehouse(Path(tmp) / "wh" / template.path.name)
        shutil.copytree(template.path.parent, wh.path.parent)
        yield wh


# --- looking into the warehouse file -----------------------------------------------------------


def table_counts(con: duckdb.DuckDBPyConnection) -> dict[str, int]:
    """Row count of every table in schema core, the load log included."""
    return core_counts(lambda sql: con.execute(sql).fetchall())


def fact_counts(con: duckdb.DuckDBPyConnection) -> dict[str, int]:
    return {t: n for t, n in table_counts(con).items() if t not in BOOKKEEPING}


def metric_table(con: duckdb.DuckDBPyConnection) -> str:
    """The core table of metric figures: long (metric_value) or wide (metric_observation)."""
    names = {
        t
        for (t,) in con.execute(
            "SELECT table_name FROM information_schema.tables WHERE table_schema = 'core'"
        ).fetchall()
    }
    return "metric_value" if "metric_value" in names else "metric_observation"


def batch_figures(con: duckdb.DuckDBPyConnection, batch_id: int) -> list[tuple[int, float]]:
    """(source_row, value) of every figure a batch wrote, in either table layout."""
    table = metric_table(con)
    if table == "metric_value":
        sql = "SELECT source_row, value FROM core.metric_value WHERE batch_id = ?"
    else:
        sql = (
            f"SELECT source_row, value FROM (SELECT * FROM core.metric_observation "
            f"WHERE batch_id = ?) UNPIVOT (value FOR metric IN ({', '.join(METRIC_FIELDS)}))"
        )
    return con.execute(sql, [batch_id]).fetchall()


def open_file(wh: Warehouse) -> duckdb.DuckDBPyConnection:
    return duckdb.connect(str(wh.path), read_only=True)


def check_outcome(
    con: duckdb.DuckDBPyConnection, result: LoadResult, before: dict[str, int]
) -> None:
    """The invariants of any load: a known status, and a rejected file leaves no trace."""
    assert result.status in ("loaded", "rejected"), result.status
    assert result.batch_id is not None
    (status,) = con.execute(
        "SELECT status FROM core.batch WHERE batch_id = ?", [result.batch_id]
    ).fetchone()
    assert status == result.status
    if result.status == "rejected":
        assert result.errors, "a rejected file must say why"
        assert fact_counts(con) == before
        assert batch_figures(con, result.batch_id) == []


@pytest.fixture(scope="module")
def template_counts(programme_template: Warehouse) -> dict[str, int]:
    con = open_file(programme_template)
    try:
        return fact_counts(con)
    finally:
        con.close()


# --- (a) any bytes -----------------------------------------------------------------------------

MAGIC = [
    b"",
    b"PK\x03\x04",
    b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1",
    codecs.BOM_UTF8,
    codecs.BOM_UTF16_LE,
    codecs.BOM_UTF16_BE,
    b"sep=;\n",
    (METRICS_HEADER + "\n").encode(),
    (METRICS_HEADER + "\n2026-03-02,instagram,,,").encode(),
]

any_bytes = st.one_of(
    st.binary(max_size=3000),
    st.builds(lambda m, b: m + b, st.sampled_from(MAGIC), st.binary(max_size=1500)),
    st.builds(
        lambda m, t, enc: m + t.encode(enc, errors="replace"),
        st.sampled_from(MAGIC),
        st.text(
            alphabet=st.sampled_from(list("0123456789-.,;\t\"' \r\nabcdefgiknmpstu\x00")),
            max_size=400,
        ),
        st.sampled_from(["utf-8", "utf-16-le", "cp1251"]),
    ),
)


@PROPERTY
@given(data=any_bytes)
@example(data=b"sep=;\r\n")  # Excel's delimiter hint and nothing else
@example(data=b"sep=|\r\ndate|platform|impressions\r\n2026-03-02|instagram|5\r\n")
def test_arbitrary_bytes_never_raise(
    programme_template: Warehouse, template_counts: dict[str, int], data: bytes
) -> None:
    with fresh_copy(programme_template) as wh:
        path = wh.path.parent / "upload.csv"
        path.write_bytes(data)
        result = load_file(wh, path, campaign="PDP-01")
        con = open_file(wh)
        try:
            check_outcome(con, result, template_counts)
        finally:
            con.close()


# --- (b) mangled metrics files -----------------------------------------------------------------

CAMPAIGN_DAYS = (dt.date(2026, 12, 31) - dt.date(2026, 3, 1)).days


@st.composite
def valid_rows(draw) -> list[list[str]]:
    days = draw(st.lists(st.integers(0, CAMPAIGN_DAYS), min_size=1, max_size=5, unique=True))
    rows = []
    for offset in days:
        impressions = draw(st.integers(0, 5_000_000))
        reach = draw(st.integers(0, impressions))
        likes = draw(st.one_of(st.none(), st.integers(0, 100_000)))
        followers = draw(st.one_of(st.none(), st.integers(0, 1_000_000)))
        day = dt.date(2026, 3, 1) + dt.timedelta(days=offset)
        rows.append(
            [day.isoformat(), "instagram", "", "", str(impressions), str(reach), ""]
            + ["" if likes is None else str(likes), "", "", "", ""]
            + ["" if followers is None else str(followers)]
        )
    return rows


mutation = st.one_of(
    st.tuples(st.just("drop"), st.integers(0, 10_000)),
    st.tuples(st.just("duplicate"), st.integers(0, 10_000)),
    st.tuples(st.just("quote"), st.integers(0, 10_000)),
    st.tuples(st.just("truncate"), st.integers(0, 10_000)),
    st.tuples(st.just("blank lines"), st.integers(0, 10_000)),
    st.tuples(st.just("semicolons"), st.just(0)),
)


def mutate(text: str, mutations: list[tuple[str, int]]) -> str:
    for what, at in mutations:
        i = at % (len(text) + 1)
        if what == "drop":
            text = text[:i] + text[i + 1 :]
        elif what == "duplicate":
            text = text[:i] + text[i : i + 1] + text[i:]
        elif what == "quote":
            text = text[:i] + '"' + text[i:]
        elif what == "truncate":
            text = text[:i]
        elif what == "blank lines":
            text = text[:i] + "\n\n" + text[i:]
        elif what == "semicolons":
            text = text.replace(",", ";")
    return text


ONE_ROW = [["2026-03-02", "instagram", "", "", "1500", "900", "", "80", "4", "", "", "", ""]]


@PROPERTY
@example(  # "platform" loses its p: date and comments also name feedback fields
    rows=ONE_ROW,
    russian=False,
    crlf=False,
    mutations=[("drop", METRICS_HEADER.index("platform"))],
    encoding="utf-8",
)
@example(  # two stray quotes fold every figure column of the header into one cell
    rows=ONE_ROW,
    russian=False,
    crlf=True,
    mutations=[
        ("quote", METRICS_HEADER.index("followers")),
        ("quote", METRICS_HEADER.index("post_url")),
    ],
    encoding="utf-8-sig",
)
@given(
    rows=valid_rows(),
    russian=st.booleans(),
    crlf=st.booleans(),
    mutations=st.lists(mutation, max_size=4),
    encoding=st.sampled_from(["utf-8", "utf-8-sig", "cp1251", "utf-16"]),
)
def test_mangled_metrics_files(
    programme_template: Warehouse,
    template_counts: dict[str, int],
    rows: list[list[str]],
    russian: bool,
    crlf: bool,
    mutations: list[tuple[str, int]],
    encoding: str,
) -> None:
    header = template_header("metrics", "ru") if russian else METRICS_HEADER.split(",")
    newline = "\r\n" if crlf else "\n"
    text = newline.join(",".join(r) for r in [header, *rows]) + newline
    text = mutate(text, mutations)
    with fresh_copy(programme_template) as wh:
        path = wh.path.parent / "mangled.csv"
        path.write_bytes(text.encode(encoding))
        result = load_file(wh, path, campaign="PDP-01")
        con = open_file(wh)
        try:
            check_outcome(con, result, template_counts)
            figures = batch_figures(con, result.batch_id)
        finally:
            con.close()
    if result.status != "loaded":
        return
    # A metrics file with a mangled header must not pass for another kind of file.
    assert result.kind == "metrics", (result.kind, result.detected.get("columns"))

    # Every figure written comes from a data row of the file, and that row holds the figure.
    records = list(
        csv.reader(
            io.StringIO(text, newline=""),
            delimiter={"comma": ",", "semicolon": ";", "tab": "\t"}[result.detected["delimiter"]],
        )
    )
    header_row = result.detected["header_row"]
    assert figures, "a loaded metrics file wrote no figures"
    for source_row, value in figures:
        assert header_row < source_row <= len(records), (source_row, len(records))
        cells = "".join(records[source_row - 1])
        assert value == int(value) and str(int(value)) in cells, (value, cells)


# --- big files for the process tests -------------------------------------------------------------

BIG_ROWS = 150_000


def post_rows_file(path: Path, rows: int) -> int:
    """Write a metrics file of post rows on the campaign's days; returns the figures it holds."""
    first = dt.date(2026, 3, 1)
    days = [(first + dt.timedelta(days=d)).isoformat() for d in range(CAMPAIGN_DAYS + 1)]
    figures = 0
    with path.open("w", encoding="utf-8", newline="") as fh:
        fh.write(METRICS_HEADER + "\n")
        for i in range(rows):
            likes = "" if i % 3 == 0 else str(i % 97)
            fh.write(f"{days[i % len(days)]},instagram,p{i},,{100 + i % 50},{50 + i % 30},,")
            fh.write(f"{likes},,,,,\n")
            figures += 2 + (likes != "")
    return figures


@pytest.fixture(scope="module")
def big_metrics(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, int]:
    """A metrics file big enough that loading it takes a few seconds, and its figure count."""
    path = tmp_path_factory.mktemp("big") / "instagram posts.csv"
    return path, post_rows_file(path, BIG_ROWS)


@pytest.fixture(scope="module")
def spend_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("spend") / "spend.csv"
    return write(
        path,
        "date,budget_line,amount,currency,description,reference\n"
        "2026-03-10,1.1,500000,KZT,Coordinator March,PAY-001\n"
        "2026-03-20,5.1,750000,KZT,Explainer video,INV-101\n"
        "2026-04-05,5.2,120000,KZT,Promoted posts,INV-102\n",
    )


def campaigns_command(wh: Warehouse, *args: str) -> list[str]:
    script = Path(sys.executable).parent / "campaigns"
    base = [str(script)] if script.exists() else [sys.executable, "-m", "cli"]
    return [*base, "--warehouse", str(wh.path), *args]


def start(wh: Warehouse, *args: str) -> subprocess.Popen:
    return subprocess.Popen(
        campaigns_command(wh, *args),
        cwd=REPO,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def lock_is_held(wh: Warehouse) -> bool:
    fd = os.open(wh.lock_path, os.O_RDWR | os.O_CREAT, 0o644)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        return True
    else:
        fcntl.flock(fd, fcntl.LOCK_UN)
        return False
    finally:
        os.close(fd)


def wait_for_lock(wh: Warehouse, proc: subprocess.Popen, timeout: float = 15.0) -> None:
    """Until ``proc`` holds the warehouse's write lock."""
    deadline = time.monotonic() + timeout
    while not lock_is_held(wh):
        assert proc.poll() is None, f"the load ended before taking the lock: {proc.stderr.read()}"
        assert time.monotonic() < deadline, "the load never took the warehouse lock"
        time.sleep(0.01)


# --- SIGKILL in the middle of a batch ----------------------------------------------------------


def test_sigkill_mid_batch_leaves_the_warehouse_as_it_was(
    programme: Warehouse, big_metrics: tuple[Path, int], tmp_path: Path
) -> None:
    path, figures = big_metrics

    # How long checking takes, measured on a copy of the same warehouse.
    calibration = Warehouse(tmp_path / "calibration" / "warehouse.duckdb")
    shutil.copytree(programme.path.parent, calibration.path.parent)
    started = time.monotonic()
    phases: dict[str, float] = {}
    full = load_file(
        calibration,
        path,
        campaign="PDP-01",
        progress=lambda step: phases.setdefault(step, time.monotonic() - started),
    )
    assert full.status == "loaded" and full.rows_loaded == BIG_ROWS
    checking = phases["writing"] - phases["checking"]
    shutil.rmtree(calibration.path.parent)

    with programme.writer(wait_seconds=5) as con:
        before = table_counts(con)
        max_batch = con.execute("SELECT max(batch_id) FROM core.batch").fetchone()[0]

    proc = start(programme, "load", str(path), "--campaign", "PDP-01", "--json")
    try:
        wait_for_lock(programme, proc)
        time.sleep(phases["checking"] + 0.4 * checking)
        assert proc.poll() is None, "the load finished before it could be killed"
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait(timeout=10)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
        proc.stdout.close()
        proc.stderr.close()
    assert proc.returncode == -signal.SIGKILL

    # The lock died with the process: a writer gets in at once, and finds nothing of the batch.
    with programme.writer(wait_seconds=5) as con:
        assert table_counts(con) == before
        assert con.execute("SELECT max(batch_id) FROM core.batch").fetchone()[0] == max_batch
    # The published copy says the same.
    with programme.reader() as con:
        assert table_counts(con) == before

    again = load_file(programme, path, campaign="PDP-01")
    assert again.status == "loaded", [str(e) for e in again.errors]
    assert again.rows_loaded == BIG_ROWS
    with programme.reader() as con:
        assert (
            con.execute(
                "SELECT count(*) FROM metric_values WHERE batch_id = ?", [again.batch_id]
            ).fetchone()[0]
            == figures
        )
        assert con.execute("SELECT count(*) FROM loads").fetchone()[0] == before["batch"] + 1


# --- a reader and two writers at once ------------------------------------------------------------


def read_count(wh: Warehouse) -> int:
    with wh.reader() as con:
        return con.execute("SELECT count(*) FROM metric_values").fetchone()[0]


def test_reader_and_two_writers_at_once(
    programme: Warehouse, big_metrics: tuple[Path, int], spend_file: Path, invoke
) -> None:
    path, figures = big_metrics
    before = read_count(programme)
    after = before + figures

    big = start(programme, "load", str(path), "--campaign", "PDP-01", "--json")
    small = None
    seen: dict[int, int] = {}
    try:
        wait_for_lock(programme, big)
        # A second writer arrives while the first holds the warehouse: it must wait its turn.
        small = start(programme, "load", str(spend_file), "--campaign", "PDP-01", "--json")
        deadline = time.monotonic() + 60
        while big.poll() is None or small.poll() is None:
            assert time.monotonic() < deadline, "the loads did not finish"
            n = read_count(programme)  # raises if the reader meets a lock
            seen[n] = seen.get(n, 0) + 1
        big_out, big_err = big.communicate()
        small_out, small_err = small.communicate()
    finally:
        for proc in (big, small):
            if proc is not None and proc.poll() is None:
                proc.kill()
                proc.communicate()
    assert big.returncode == 0, big_err
    assert small.returncode == 0, small_err
    assert "Traceback" not in big_err + small_err
    big_result, small_result = json.loads(big_out), json.loads(small_out)
    assert big_result["status"] == "loaded" and small_result["status"] == "loaded"

    # Every read saw a whole state: before the big load, or after it.
    assert set(seen) <= {before, after}, seen
    assert sum(seen.values()) >= 5, seen
    assert read_count(programme) == after

    code, output, listed = invoke("batches", "--json")
    assert code == 0, output
    by_id = {b["batch_id"]: b for b in listed}
    metrics_batch = by_id[big_result["batch_id"]]
    spend_batch = by_id[small_result["batch_id"]]
    assert (metrics_batch["status"], metrics_batch["kind"]) == ("loaded", "metrics")
    assert (spend_batch["status"], spend_batch["kind"]) == ("loaded", "spend")
    assert metrics_batch["rows_loaded"] == BIG_ROWS and spend_batch["rows_loaded"] == 3
    # The spend load waited for the metrics load to finish before it began.
    assert spend_batch["batch_id"] > metrics_batch["batch_id"]
    started = dt.datetime.fromisoformat(str(spend_batch["started_at"]))
    finished = dt.datetime.fromisoformat(str(metrics_batch["finished_at"]))
    assert started >= finished
    with programme.reader() as con:
        assert con.execute("SELECT reference, amount FROM spend ORDER BY reference").fetchall() == [
            ("INV-101", 750000),
            ("INV-102", 120000),
            ("PAY-001", 500000),
        ]


# --- the load log tells how long a load took ------------------------------------------------------


def test_batch_times_span_the_load(programme: Warehouse, tmp_path: Path) -> None:
    path = tmp_path / "posts.csv"
    post_rows_file(path, 30_000)
    started = time.monotonic()
    result = load_file(programme, path, campaign="PDP-01")
    took = time.monotonic() - started
    assert result.status == "loaded"
    with programme.reader() as con:
        start, finish = con.execute(
            "SELECT started_at, finished_at FROM loads WHERE batch_id = ?", [result.batch_id]
        ).fetchone()
    # DuckDB's current_timestamp is the start of the transaction: a finished_at taken inside
    # the load's transaction equals started_at whatever the load took.
    assert (finish - start).total_seconds() >= 0.3 * took, (start, finish, took)


# --- damaged files: a refusal that says what is wrong, never a traceback -------------------------
# Each class below ended in a Python traceback once; the fixtures are written here as bytes.


def refusal(wh: Warehouse, path: Path, **kwargs) -> str:
    """The one file-level error of a rejected load, which must name the file."""
    result = load_file(wh, path, campaign="PDP-01", **kwargs)
    assert result.status == "rejected", (result.status, result.errors[:3])
    file_errors = [e.message for e in result.errors if e.row is None]
    assert len(file_errors) == 1, file_errors
    (message,) = file_errors
    assert path.name in message, message
    assert "Traceback" not in message and str(path.parent) not in message, message
    return message


def feedback_workbook(rows: int = 30) -> bytes:
    """A small feedback workbook, written with openpyxl as a user's Excel would hold it."""
    import openpyxl

    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "responses"
    ws.append(["submitted_at", "rating", "usefulness", "comment"])
    for i in range(rows):
        ws.append([f"2026-03-{i % 28 + 1:02d}", 1 + i % 5, 1 + i % 5, "good seminar " * 5])
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def rezip(data: bytes, change, stored: tuple[str, ...] = ()) -> bytes:
    """The workbook's parts passed through ``change(name, bytes)``: bytes to write instead, or
    None to leave the part out. Parts named in ``stored`` are written uncompressed."""
    out = io.BytesIO()
    with (
        zipfile.ZipFile(io.BytesIO(data)) as zin,
        zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as zout,
    ):
        for info in zin.infolist():
            part = change(info.filename, zin.read(info))
            if part is not None:
                kind = zipfile.ZIP_STORED if info.filename in stored else zipfile.ZIP_DEFLATED
                zout.writestr(info.filename, part, compress_type=kind)
    return out.getvalue()


SHEET = "xl/worksheets/sheet1.xml"


def in_sheet(old: bytes, new: bytes):
    """A ``rezip`` change replacing ``old`` by ``new`` once in the first sheet."""
    return lambda name, part: part.replace(old, new, 1) if name == SHEET else part


def test_csv_field_above_pythons_field_limit_is_read(programme: Warehouse, tmp_path: Path) -> None:
    """A cell of 140,000 characters (above the csv module's 131,072) is a cell like another."""
    path = tmp_path / "long comment.csv"
    long = "x" * 140_000
    path.write_text(f'{METRICS_HEADER}\n2026-03-02,instagram,p1,"{long}",5,4,,,,,,,\n')
    result = load_file(programme, path, campaign="PDP-01")
    assert result.status == "loaded", result.errors[:3]


def test_csv_field_above_our_limit_is_refused(
    programme: Warehouse, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("CAMPAIGNS_MAX_FIELD_CHARS", "1000")
    path = tmp_path / "pasted.csv"
    path.write_text(f'{METRICS_HEADER}\n2026-03-02,instagram,p1,"{"y" * 2000}",5,4,,,,,,,\n')
    message = refusal(programme, path)
    assert "1,000 characters" in message and "CAMPAIGNS_MAX_FIELD_CHARS" not in message


def test_workbook_failing_its_checksum_is_refused(programme: Warehouse, tmp_path: Path) -> None:
    """One byte flipped inside a sheet: the part no longer matches its CRC-32."""
    # A sheet too big to be read whole when the workbook is opened, flipped near its end: the
    # damage shows only as the rows are read.
    data = rezip(feedback_workbook(3000), lambda _n, part: part, stored=(SHEET,))
    at = data.rindex(b"good seminar")
    data = data[:at] + b"f" + data[at + 1 :]
    path = tmp_path / "feedback.xlsx"
    path.write_bytes(data)
    message = refusal(programme, path)
    assert "damaged" in message and "checksum" in message and "save it again" in message


def test_workbook_without_its_sheet_is_refused(programme: Warehouse, tmp_path: Path) -> None:
    path = tmp_path / "feedback.xlsx"
    path.write_bytes(rezip(feedback_workbook(), lambda n, part: None if n == SHEET else part))
    message = refusal(programme, path)
    assert "no sheet" in message and "save it again" in message


def test_workbook_with_broken_sheet_xml_is_refused(programme: Warehouse, tmp_path: Path) -> None:
    path = tmp_path / "feedback.xlsx"
    path.write_bytes(rezip(feedback_workbook(), lambda n, p: p[:-200] if n == SHEET else p))
    message = refusal(programme, path)
    assert "damaged" in message and "save it again" in message


LAUGHS = (
    b'<!DOCTYPE worksheet [<!ENTITY a "lol"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">'
    + b"".join(
        b'<!ENTITY %c "%s">' % (ord("b") + i + 1, b"".join([b"&%c;" % (ord("b") + i)] * 10))
        for i in range(8)
    )
    + b"]>"
)


@pytest.mark.parametrize(
    ("prolog", "cell"),
    [
        (LAUGHS, b"&j;"),
        (b'<!DOCTYPE worksheet [<!ENTITY x SYSTEM "file:///etc/hostname">]>', b"&x;"),
    ],
    ids=["billion laughs", "external entity"],
)
def test_workbook_with_xml_entities_is_refused(
    programme: Warehouse, tmp_path: Path, prolog: bytes, cell: bytes
) -> None:
    def change(name: str, part: bytes) -> bytes:
        if name != SHEET:
            return part
        part = part.replace(b"<t>good seminar", b"<t>" + cell + b"good seminar", 1)
        return prolog + part

    path = tmp_path / "feedback.xlsx"
    path.write_bytes(rezip(feedback_workbook(), change))
    started = time.monotonic()
    message = refusal(programme, path)
    assert time.monotonic() - started < 5
    assert "entit" in message and "save it again" in message
    assert "lollol" not in message


def test_xml_entities_are_refused_by_the_parser_too(programme: Warehouse, tmp_path: Path) -> None:
    """The sheet renamed to a part whose name does not end in .xml, so that only openpyxl's XML
    parser sees its entities: openpyxl parses with defusedxml, which refuses them."""
    import openpyxl

    assert openpyxl.DEFUSEDXML

    def change(name: str, part: bytes) -> bytes | None:
        if name == SHEET:
            return LAUGHS + part.replace(b"<t>good seminar", b"<t>&j;good seminar", 1)
        return part.replace(b"worksheets/sheet1.xml", b"worksheets/sheet1.dat")

    renamed = rezip(feedback_workbook(), change)
    with zipfile.ZipFile(io.BytesIO(renamed)) as zin:
        parts = {i.filename: zin.read(i) for i in zin.infolist()}
    parts["xl/worksheets/sheet1.dat"] = parts.pop(SHEET)
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as z:
        for name, part in parts.items():
            z.writestr(name, part)
    path = tmp_path / "feedback.xlsx"
    path.write_bytes(out.getvalue())
    message = refusal(programme, path)
    assert "entit" in message and "save it again" in message


def test_a_figure_beyond_64_bits_is_an_error_on_its_row(
    programme: Warehouse, tmp_path: Path
) -> None:
    """Found by ``make fuzz``: a digit repeated 17 times made reach 6.7e19, above impressions;
    the check saying so could not write the number as a 64-bit integer, and raised."""
    path = tmp_path / "metrics.csv"
    path.write_text(
        f"{METRICS_HEADER}\n2026-03-02,instagram,p2,,1002,66666666666666666667,,,,,,,\n"
    )
    result = load_file(programme, path, campaign="PDP-01")
    assert result.status == "rejected"
    assert [(e.row, e.column) for e in result.errors] == [(2, "reach")]
    assert "above impressions 1002" in result.errors[0].message


# --- absurd shapes: refused early, at little cost ------------------------------------------------


def test_too_many_columns_is_refused(
    programme: Warehouse, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("CAMPAIGNS_MAX_COLUMNS", "20")
    path = tmp_path / "wide.csv"
    path.write_text(METRICS_HEADER + "".join(f",extra {i}" for i in range(10)) + "\n")
    message = refusal(programme, path)
    assert "23 columns" in message and "20" in message


def test_a_data_row_with_too_many_cells_is_refused(
    programme: Warehouse, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("CAMPAIGNS_MAX_COLUMNS", "20")
    # Far enough down that the first 64 KB, looked at first, do not reach it.
    rows = [f"2026-03-{d % 28 + 1:02d},instagram,p{d},,5,4,,,,,,," for d in range(3000)]
    rows.append("2026-03-25,instagram,p9,,5,4" + ",1" * 40)
    path = tmp_path / "ragged.csv"
    path.write_text("\n".join([METRICS_HEADER, *rows]) + "\n")
    assert path.stat().st_size > 65536
    message = refusal(programme, path)
    assert "row 3,002" in message and "46 columns" in message


def test_too_many_cells_is_refused(
    programme: Warehouse, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("CAMPAIGNS_MAX_CELLS", "1000")
    path = tmp_path / "posts.csv"
    post_rows_file(path, 100)
    message = refusal(programme, path)
    assert "1,000 cells" in message


def test_too_long_a_line_is_refused(
    programme: Warehouse, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("CAMPAIGNS_MAX_LINE_CHARS", "500")
    path = tmp_path / "posts.csv"
    title = "t" * 80
    cells = ",".join(f'"{title}"' for _ in range(8))
    path.write_text(f"{METRICS_HEADER}\n2026-03-02,instagram,p1,,5,4,,,,{cells}\n")
    message = refusal(programme, path)
    assert "row 2" in message and "500 characters" in message


def test_a_sheet_wider_than_the_limit_is_refused(
    programme: Warehouse, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("CAMPAIGNS_MAX_COLUMNS", "3")
    path = tmp_path / "feedback.xlsx"
    path.write_bytes(feedback_workbook())
    message = refusal(programme, path)
    assert "4 columns" in message and "responses" in message


def test_a_sheet_claiming_every_cell_of_excel_is_read_by_its_cells(
    programme: Warehouse, tmp_path: Path
) -> None:
    """A dimension of A1:XFD1048576 over a sheet of 6,000 rows costs what the sheet holds.
    (Rows padded to the dimension's 16,384 columns took 24 s and 860 MB to read.)"""
    path = tmp_path / "feedback.xlsx"
    claim = b'<dimension ref="A1:XFD1048576"'
    path.write_bytes(rezip(feedback_workbook(6000), in_sheet(b'<dimension ref="A1:D6001"', claim)))
    started = time.monotonic()
    result = load_file(programme, path, campaign="PDP-01")
    assert time.monotonic() - started < 10
    assert result.status == "loaded", result.errors[:3]
    assert result.rows_loaded == 6000


def test_workbook_with_too_many_sheets_is_refused(
    programme: Warehouse, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from conftest import write_programme

    monkeypatch.setenv("CAMPAIGNS_XLSX_MAX_SHEETS", "3")
    path = write_programme(tmp_path / "programme.xlsx")
    message = refusal(programme, path)
    assert "5 sheets" in message and "3" in message


@pytest.mark.parametrize("setting", ["ratio", "size"])
def test_zip_bomb_is_refused_from_the_zip_directory(
    programme: Warehouse, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, setting: str
) -> None:
    """A part that inflates far beyond its compressed size is refused before any is read."""
    if setting == "size":
        monkeypatch.setenv("CAMPAIGNS_XLSX_MAX_UNCOMPRESSED_MB", "1")
        monkeypatch.setenv("CAMPAIGNS_XLSX_MAX_RATIO", "100000")
    padding = b" " * 3_000_000
    data = rezip(feedback_workbook(), in_sheet(b"<sheetData>", padding + b"<sheetData>"))
    assert len(data) < 50_000
    path = tmp_path / "feedback.xlsx"
    path.write_bytes(data)
    message = refusal(programme, path)
    if setting == "ratio":
        assert "compress" in message
    else:
        assert "1 MB" in message


def test_a_limit_that_is_no_number_is_a_usage_error(
    programme: Warehouse, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from etl.load import UsageError

    monkeypatch.setenv("CAMPAIGNS_MAX_COLUMNS", "lots")
    path = tmp_path / "posts.csv"
    post_rows_file(path, 10)
    with pytest.raises(UsageError, match="CAMPAIGNS_MAX_COLUMNS must be a number"):
        load_file(programme, path, campaign="PDP-01")


# The peak is the process's own (VmHWM, which starts again at exec), not ru_maxrss, which Linux
# carries over from the forking test process across exec.
MEMORY_PROBE = """
import json, sys, time
from pathlib import Path
def peak_mib():
    for line in open("/proc/self/status"):
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    import resource
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
from etl.load import load_file
from etl.warehouse import Warehouse
started = time.monotonic()
result = load_file(Warehouse(Path(sys.argv[1])), Path(sys.argv[2]), campaign="PDP-01")
print(json.dumps({
    "status": result.status,
    "errors": [e.message for e in result.errors],
    "seconds": time.monotonic() - started,
    "peak_mib": peak_mib(),
}))
"""


def test_a_csv_of_100000_columns_is_refused_at_once_in_bounded_memory(
    programme: Warehouse, tmp_path: Path
) -> None:
    """400 KB, 100,000 columns: refused in a process of its own, whose peak memory and time are
    measured (generous bounds: it once took minutes and gigabytes)."""
    path = tmp_path / "wide.csv"
    header = ",".join(["date", "platform", "impressions", *["x"] * 99_997])
    row = ",".join(["2026-03-02", "instagram", "5", *["1"] * 99_997])
    path.write_text(f"{header}\n{row}\n")
    assert 390_000 < path.stat().st_size < 410_000
    proc = subprocess.run(
        [sys.executable, "-c", MEMORY_PROBE, str(programme.path), str(path)],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert proc.returncode == 0, proc.stderr[-2000:]
    outcome = json.loads(proc.stdout.strip().splitlines()[-1])
    assert outcome["status"] == "rejected"
    assert any("100,000 columns" in m for m in outcome["errors"]), outcome["errors"]
    assert outcome["seconds"] < 5, outcome
    assert outcome["peak_mib"] < 300, outcome
