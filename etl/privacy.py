"""Personal data: masking it in free text before it is stored, finding it in kept files, and
forgetting a respondent on request.

Feedback comments can carry e-mail addresses, Kazakh phone numbers (``+7 701 123 45 67``,
``8 (701) 1234567``) and 12-digit IINs. They are replaced by ``[email]``, ``[phone]`` and
``[IIN]`` on the way into the warehouse; the same patterns serve SQL and Python. The same
patterns screen a file before its bytes are kept (:func:`holds_personal_data`): a file holding
any of them anywhere is kept only as a masked copy (``etl.load``).
"""

from __future__ import annotations

import codecs
import io
import re
import zipfile
from collections.abc import Iterable, Iterator
from pathlib import Path

EMAIL = r"[A-Za-z0-9._%+\-]+@[A-Za-z0-9.\-]+\.[A-Za-z]{2,}"
PHONE = r"(\+7|8)[\s\-]*\(?\s*[0-9]{3}\s*\)?[\s\-]*[0-9]{3}[\s\-]*[0-9]{2}[\s\-]*[0-9]{2}"
IIN = r"[0-9]{12}"

RULES: tuple[tuple[str, str], ...] = ((EMAIL, "[email]"), (PHONE, "[phone]"), (IIN, "[IIN]"))


def mask(text: str | None) -> str | None:
    """``text`` with e-mails, phone numbers and IINs replaced by placeholders."""
    if text is None:
        return None
    for pattern, placeholder in RULES:
        text = re.sub(rf"(?<![0-9A-Za-z]){pattern}(?![0-9A-Za-z])", placeholder, text)
    return text


def mask_sql(column: str) -> str:
    """The DuckDB expression masking ``column`` the way ``mask`` does."""
    expr = column
    for pattern, placeholder in RULES:
        # RE2 has no look-around: capture the boundary characters and put them back. A match
        # consumes the character after it, so a second pass catches back-to-back matches.
        for _ in range(2):
            expr = (
                f"regexp_replace({expr}, '(^|[^0-9A-Za-z]){pattern}([^0-9A-Za-z]|$)', "
                f"'\\1{placeholder}\\{3 if pattern == PHONE else 2}', 'g')"
            )
    return expr


def phone_digits(text: str) -> str:
    """The ten digits that identify a Kazakh number, whatever prefix it was written with."""
    digits = re.sub(r"[^0-9]", "", text)
    return digits[-10:]


# --- finding personal data in files ------------------------------------------------------------

# The three patterns for RE2 (pyarrow's regular expressions, linear in the text: a 200 MB file is
# screened in a fraction of a second), with the boundaries captured rather than looked around.
_ANY_RE2 = rf"(^|[^0-9A-Za-z])({EMAIL}|{PHONE}|{IIN})([^0-9A-Za-z]|$)"
_CHUNK = 1 << 22


def _found(pieces: Iterable[bytes]) -> bool:
    """Whether any of ``pieces`` (whole lines or cells each) holds an e-mail, phone or IIN."""
    batch: list[bytes] = []
    size = 0
    for piece in pieces:
        batch.append(piece)
        size += len(piece)
        if size >= _CHUNK:
            if _matches(batch):
                return True
            batch, size = [], 0
    return bool(batch) and _matches(batch)


def _matches(batch: list[bytes]) -> bool:
    import pyarrow as pa
    import pyarrow.compute as pc

    matched = pc.match_substring_regex(pa.array(batch, type=pa.binary()), _ANY_RE2)
    return bool(pc.any(matched).as_py())


def _text_chunks(path: Path) -> Iterator[bytes]:
    """The bytes of a file in pieces of about 4 MB cut after a line, so that no piece starts
    inside a word."""
    with Path(path).open("rb") as fh:
        carry = b""
        while chunk := fh.read(_CHUNK):
            chunk = carry + chunk
            cut = chunk.rfind(b"\n") + 1
            if cut == 0:
                carry = chunk
                continue
            carry = chunk[cut:]
            yield chunk[:cut]
        if carry:
            yield carry


def holds_personal_data(path: Path) -> bool:
    """Whether the file at ``path`` holds an e-mail address, a phone number or an IIN anywhere:
    in any cell of any sheet of a workbook, anywhere in the text of any other file."""
    path = Path(path)
    with path.open("rb") as fh:
        head = fh.read(4096)
    if head.startswith(b"PK\x03\x04"):
        try:
            return _found(text.encode("utf-8") for text in workbook_cells(path, strict=True))
        except Exception:  # not a workbook openpyxl can read: not screened, so not clean
            return True
    if _utf16(head):
        return _found(line.encode("utf-8") for line in text_lines(path))
    # Every other text keeps ASCII as ASCII (UTF-8, Windows-1251): its bytes are searched.
    return _found(_text_chunks(path))


def _utf16(head: bytes) -> bool:
    if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return True
    sample = head[:4096]
    half = len(sample) // 2
    return half > 2 and max(sample[1::2].count(0), sample[0::2].count(0)) > 0.6 * half


def workbook_cells(path: Path, *, strict: bool = False) -> Iterator[str]:
    """The text of every cell of every sheet of the workbook at ``path`` (numbers as written,
    without ``.0``); nothing when it cannot be opened, or ValueError with ``strict``."""
    import openpyxl

    with Path(path).open("rb") as fh:  # kept files have no extension for openpyxl to go by
        try:
            wb = openpyxl.load_workbook(fh, read_only=True, data_only=True)
        except Exception as exc:  # openpyxl raises many kinds for a damaged file
            if strict:
                raise ValueError(f"cannot open {path} as a workbook") from exc
            return
        try:
            for ws in wb.worksheets:
                for row in ws.iter_rows(values_only=True):
                    for value in row:
                        if value is None:
                            continue
                        if isinstance(value, float) and value.is_integer() and abs(value) < 1e15:
                            value = int(value)
                        yield str(value)
        finally:
            wb.close()


def text_lines(path: Path) -> Iterator[str]:
    """The lines of the text file at ``path``: UTF-8 (with or without a byte-order mark),
    UTF-16, else Windows-1251."""
    data = Path(path).read_bytes()
    if data.startswith(codecs.BOM_UTF8):
        text = data.decode("utf-8-sig", errors="replace")
    elif _utf16(data[:4096]):
        if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
            encoding = "utf-16"
        else:
            encoding = "utf-16-le" if data[1:2] == b"\x00" else "utf-16-be"
        text = data.decode(encoding, errors="replace")
    else:
        try:
            text = data.decode("utf-8")
        except UnicodeDecodeError:
            text = data.decode("cp1251", errors="replace")
    yield from io.StringIO(text)


def file_texts(path: Path) -> Iterator[str]:
    """The text of a kept file, piece by piece: a workbook's cells, another file's lines."""
    with Path(path).open("rb") as fh:
        head = fh.read(4)
    if head == b"PK\x03\x04" and zipfile.is_zipfile(path):
        yield from workbook_cells(path)
    else:
        yield from text_lines(path)


# Runs of digits as phone numbers are written: "+7 (701) 123-45-67", "87011234567".
_NUMBERISH = re.compile(r"\+?[0-9][0-9 ()\-.]{8,}[0-9]")


class Identifier:
    """What ``campaigns forget`` looks for: an e-mail address, a phone number or a name."""

    def __init__(self, kind: str, value: str) -> None:
        self.kind = kind
        self.value = phone_digits(value) if kind == "phone" else value.strip().casefold()

    def spans(self, text: str) -> list[tuple[int, int]]:
        """Where ``text`` mentions the identifier: (start, end) of each mention."""
        if not text:
            return []
        if self.kind == "phone":
            return [
                m.span()
                for m in _NUMBERISH.finditer(text)
                if len(digits := re.sub(r"[^0-9]", "", m.group())) in (10, 11, 12)
                and digits[-10:] == self.value
            ]
        folded = text.casefold()
        if len(folded) != len(text):  # a letter whose case changes its length: find it anyhow
            return [(0, len(text))] if self.value in folded else []
        found, start = [], folded.find(self.value)
        while start >= 0:
            found.append((start, start + len(self.value)))
            start = folded.find(self.value, start + len(self.value))
        return found

    def found_in(self, texts: Iterator[str] | list[str]) -> bool:
        return any(self.spans(t) for t in texts if t)

    def blacked_out(self, text: str | None) -> str | None:
        """``text`` with every mention replaced by ``[email]``, ``[phone]`` or ``[name]``."""
        if text is None:
            return None
        for start, end in reversed(self.spans(text)):
            text = f"{text[:start]}[{self.kind}]{text[end:]}"
        return text


def forget(
    warehouse,
    *,
    email: str | None = None,
    phone: str | None = None,
    name: str | None = None,
    campaign: str | None = None,
    user: str | None = None,
) -> dict:
    """Remove one respondent's data: their responses (every version), rows kept aside for
    correction that mention them, every kept file that holds them (originals and masked copies,
    CSV and workbooks, searched cell by cell) and, in the errors and warnings of the load log,
    the identifier itself (blacked out). A name is also blacked out where other responses'
    comments mention it. The erasure is logged without the identifier.
    """
    import datetime as dt
    import getpass
    import json
    import os

    from etl.batches import kept_files, stored_path

    given = [(k, v.strip()) for k, v in (("email", email), ("phone", phone), ("name", name)) if v]
    if len(given) != 1:
        raise ValueError(
            "give exactly one of --email, --phone or --name (or --older-than DAYS to remove "
            "kept files by age)"
        )
    kind, value = given[0]
    if kind == "phone" and len(phone_digits(value)) < 10:
        raise ValueError(
            f"'{value}' is not a phone number: write all ten digits, e.g. +7 701 123 45 67"
        )
    if kind == "name" and len(value) < 3:
        raise ValueError("a name to forget must have at least three letters")
    ident = Identifier(kind, value)
    scope = "TRUE" if campaign is None else "campaign_code = $campaign"
    params: dict = {"v": ident.value}
    if campaign is not None:
        params["campaign"] = campaign
    if kind == "phone":
        who = "right(regexp_replace(coalesce(respondent_phone, ''), '[^0-9]', '', 'g'), 10) = $v"
        # A first sieve in SQL; each candidate is then checked cell by cell in Python.
        mention = "regexp_replace({col}, '[^0-9]', '', 'g') LIKE '%' || $v || '%'"
    elif kind == "email":
        who = "lower(trim(respondent_email)) = $v"
        mention = "lower({col}) LIKE '%' || $v || '%'"
    else:
        who = "lower(trim(respondent_name)) = $v"
        mention = "lower({col}) LIKE '%' || $v || '%'"
    in_batch = (
        "TRUE"
        if campaign is None
        else "batch_id IN (SELECT batch_id FROM core.batch WHERE campaign_code = $campaign)"
    )
    with warehouse.writer() as con:
        con.execute("BEGIN TRANSACTION")
        try:
            batches = {
                b
                for (b,) in con.execute(
                    f"SELECT DISTINCT batch_id FROM core.feedback_response WHERE {scope} AND {who}",
                    params,
                ).fetchall()
            }
            removed = con.execute(
                f"DELETE FROM core.feedback_response WHERE {scope} AND {who}", params
            ).fetchone()[0]
            redacted = 0
            if kind == "name":
                redacted = con.execute(
                    f"UPDATE core.feedback_response SET comment = regexp_replace(comment, "
                    f"'(?i)' || regexp_escape($v), '[name]', 'g') WHERE {scope} AND "
                    f"lower(comment) LIKE '%' || $v || '%'",
                    params,
                ).fetchone()[0]

            # Rows kept aside for correction that mention them.
            rejected = 0
            for batch_id, row_number, cells in con.execute(
                f"SELECT batch_id, row_number, cells FROM core.rejected_row WHERE {in_batch} "
                f"AND {mention.format(col='cells')}",
                params,
            ).fetchall():
                values = json.loads(cells) if cells else {}
                texts = [str(v) for v in values.values() if v is not None] + list(values)
                if ident.found_in(texts):
                    rejected += con.execute(
                        "DELETE FROM core.rejected_row WHERE batch_id = ? AND row_number = ?",
                        [batch_id, row_number],
                    ).fetchone()[0]

            # The errors and warnings of the load log that quote them: blacked out.
            issues = 0
            for rowid, issue_value, message in con.execute(
                f"SELECT rowid, value, message FROM core.batch_issue WHERE {in_batch} AND "
                f"({mention.format(col='value')} OR "
                f"{mention.format(col='message')})",
                params,
            ).fetchall():
                new_value, new_message = ident.blacked_out(issue_value), ident.blacked_out(message)
                if (new_value, new_message) != (issue_value, message):
                    con.execute(
                        "UPDATE core.batch_issue SET value = ?, message = ? WHERE rowid = ?",
                        [new_value, new_message, rowid],
                    )
                    issues += 1

            # Every kept file that holds them (and those of the batches their responses came
            # from), whatever its kind: the file goes, and the batches that kept it say so.
            named: dict[str, set[int]] = {}
            for batch_id, stored in con.execute(
                f"SELECT batch_id, stored_file FROM core.batch WHERE stored_file IS NOT NULL "
                f"AND {in_batch}",
                params if campaign is not None else {},
            ).fetchall():
                named.setdefault(stored, set()).add(batch_id)
            candidates: dict[Path, str | None] = {}
            for stored in named:
                path = stored_path(warehouse, stored)
                if path is not None:
                    candidates[path] = stored
            if campaign is None:  # files no batch names any more are searched too
                for path in kept_files(warehouse):
                    candidates.setdefault(path.resolve(), None)
            doomed = [
                (path, stored)
                for path, stored in candidates.items()
                if (stored is not None and named[stored] & batches)
                or ident.found_in(file_texts(path))
            ]
            for _, stored in doomed:
                if stored is not None:
                    con.execute(
                        "UPDATE core.batch SET stored_file = NULL, message = coalesce(message, "
                        "'') || '; kept copy removed on a request to forget a respondent' "
                        "WHERE stored_file = ?",
                        [stored],
                    )
            con.execute(
                "INSERT INTO core.erasure VALUES (nextval('core.erasure_id_seq'), ?, ?, ?, ?, ?, "
                "?, ?)",
                [
                    dt.datetime.now(),
                    user or os.environ.get("CAMPAIGNS_USER") or getpass.getuser(),
                    campaign,
                    kind,
                    removed,
                    rejected,
                    len(doomed),
                ],
            )
            # The copies go before the commit: a failure after it must not leave them behind.
            files_removed = 0
            for path, _ in doomed:
                if path.exists():
                    path.unlink()
                    files_removed += 1
            con.execute("COMMIT")
        except BaseException:
            con.execute("ROLLBACK")
            raise
    return {
        "identifier": kind,
        "campaign": campaign,
        "responses_removed": removed,
        "comments_redacted": redacted,
        "rejected_rows_removed": rejected,
        "issues_blacked_out": issues,
        "files_removed": files_removed,
    }
