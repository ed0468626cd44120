"""Reading a file as people save it into a table of text cells, row numbers kept.

Handles the encodings (UTF-8 with or without BOM, UTF-16, Windows-1251), the delimiters
(``,`` ``;`` tab, and Excel's ``sep=`` hint), title lines above the header, ragged rows and XLSX
workbooks. The result is a DuckDB table ``raw_<n>`` with a ``row_number`` column (the row as a
spreadsheet shows it, header row included in the count) and one VARCHAR column per header cell.
Values are not interpreted here: that is ``normalize``'s job.
"""

from __future__ import annotations

import codecs
import csv
import datetime as dt
import hashlib
import io
import json
import re
import tempfile
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

import duckdb

from etl.headers import find_header_row

# Files above this size skip the Python CSV reader and are parsed by DuckDB itself.
FAST_PATH_BYTES = 8 * 1024 * 1024


class FileRejected(ValueError):
    """The file as a whole cannot be read; the message says why and what to do."""


@dataclass
class RawTable:
    """A file's cells as DuckDB sees them: row_number and columns c0..cN, all text.

    ``table`` is something to select from: a temporary table, or for large files a query over
    the file itself, so that the cells are materialised only once, typed (see ``stage``).
    ``head`` holds the first data rows, for cheap looks at the data.
    """

    table: str
    header: list[str]
    header_row: int
    rows: int | None  # data rows, when known without a scan
    detected: dict = field(default_factory=dict)
    file_issues: list[tuple[int | None, str, str, str]] = field(default_factory=list)
    # (row, column, value, message) warnings about the reading itself
    head: list[list[str | None]] = field(default_factory=list)  # the first data rows
    preamble: list[str] = field(default_factory=list)  # title lines above the header


@dataclass
class Workbook:
    """An XLSX file: sheet name -> rows of cells as text."""

    sheets: dict[str, list[list[str | None]]]
    formula_errors: list[tuple[str, int, int, str]]  # sheet, row, column index, formula


@dataclass(frozen=True)
class Scan:
    """One pass over a large file: its checksum, first bytes, and what its text looks like."""

    checksum: str
    head: bytes
    utf8: bool
    blank_lines: bool


def scan(path: Path, head_bytes: int = 65536) -> Scan:
    """Hash a file and check it is UTF-8 without blank lines, reading it once in chunks."""
    digest = hashlib.sha256()
    decoder = codecs.getincrementaldecoder("utf-8")()
    utf8, blank, tail = True, False, b""
    head = b""
    with open(path, "rb") as fh:
        while chunk := fh.read(1 << 22):
            digest.update(chunk)
            if len(head) < head_bytes:
                head += chunk[: head_bytes - len(head)]
            if utf8:
                try:
                    decoder.decode(chunk)
                except UnicodeDecodeError:
                    utf8 = False
            if not blank:
                joined = tail + chunk
                blank = b"\n\n" in joined or b"\n\r\n" in joined
                tail = chunk[-2:]
    return Scan(digest.hexdigest(), head, utf8, blank)


def sniff_format(data: bytes) -> str:
    if data[:4] == b"PK\x03\x04":
        return "xlsx"
    if data[:8] == b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1":
        return "xls"
    if data.lstrip(b"\xef\xbb\xbf \t\r\n")[:1] in (b"{", b"["):
        return "json"
    return "csv"


def json_message(data: bytes, name: str) -> str:
    """Why a JSON file is not loaded, and what to upload instead."""
    try:
        doc = json.loads(data.decode("utf-8-sig"))
    except (UnicodeDecodeError, ValueError):
        doc = None
    if (
        isinstance(doc, dict)
        and isinstance(doc.get("messages"), list)
        and str(doc.get("type", "")).endswith("channel")
    ):
        return (
            f"{name}: this is a Telegram Desktop export of a channel: it has the posts but no "
            "view counts or subscriber numbers. Copy each post's views and the channel's "
            "subscribers from the channel statistics into our metrics template "
            "(data/templates/metrics.en.csv, platform telegram) and load that"
        )
    return (
        f"{name}: a JSON file is not read; upload the figures as CSV or XLSX, in our templates "
        "(data/templates/) or as the platform exported them"
    )


def decode(data: bytes, name: str, *, partial: bool = False) -> tuple[str, str]:
    """Text of a CSV file and the encoding it was in.

    With ``partial``, ``data`` is the start of a file: it is cut after its last full line.
    """
    if data.startswith(codecs.BOM_UTF8):
        encoding, body = "utf-8-sig", data
    elif data.startswith(codecs.BOM_UTF16_LE) or data.startswith(codecs.BOM_UTF16_BE):
        encoding, body = "utf-16", data
    elif _looks_utf16(data):
        encoding = "utf-16-le" if data[1:2] == b"\x00" else "utf-16-be"
        body = data
    else:
        encoding, body = "utf-8", data
    if partial:
        step = 2 if encoding.startswith("utf-16") else 1
        cut = body.rfind(
            b"\n\x00"
            if encoding == "utf-16-le"
            or (encoding == "utf-16" and body.startswith(codecs.BOM_UTF16_LE))
            else b"\n"
        )
        if cut > 0:
            body = body[: cut + step]
    try:
        text = body.decode(encoding)
    except UnicodeDecodeError:
        if encoding != "utf-8":
            raise FileRejected(
                f"{name}: the file says it is {encoding} but is not; save it again as CSV UTF-8"
            ) from None
        try:
            text, encoding = body.decode("cp1251"), "windows-1251"
        except UnicodeDecodeError:
            raise FileRejected(_not_a_table(name)) from None
    controls = sum(1 for ch in text[:65536] if ord(ch) < 32 and ch not in "\t\r\n")
    if "\x00" in text[:65536] or controls > max(3, len(text[:65536]) // 200):
        raise FileRejected(_not_a_table(name))
    return text, encoding


def _looks_utf16(data: bytes) -> bool:
    sample = data[:4096]
    if len(sample) < 4:
        return False
    zeros_odd = sample[1::2].count(0)
    zeros_even = sample[0::2].count(0)
    half = len(sample) // 2
    return max(zeros_odd, zeros_even) > 0.6 * half and min(zeros_odd, zeros_even) < 0.1 * half


def _not_a_table(name: str) -> str:
    return (
        f"{name}: this is not a text table or a spreadsheet; upload a CSV file or an XLSX "
        "workbook (in Excel: File > Save As > CSV UTF-8 or Excel Workbook)"
    )


_SEP_LINE = re.compile(r'^\ufeff?"?sep=(.)"?\s*$', re.IGNORECASE)


def sniff_delimiter(lines: list[str]) -> str:
    """The delimiter among ``,`` ``;`` and tab that splits the sample most consistently."""
    best, best_score = ",", -1.0
    sample = [ln for ln in lines if ln.strip()][:50]
    if not sample:
        return ","
    for delim in (",", ";", "\t"):
        counts = [len(r) for r in csv.reader(sample, delimiter=delim)]
        if not counts:
            continue
        widest = max(counts)
        if widest < 2:
            continue
        modal = max(set(counts), key=counts.count)
        consistency = counts.count(modal) / len(counts)
        score = consistency * 10 + min(modal, 60) / 60
        if score > best_score:
            best, best_score = delim, score
    return best


def read_csv_text(
    con: duckdb.DuckDBPyConnection,
    text: str,
    *,
    name: str,
    encoding: str,
    table: str,
    kinds: tuple[str, ...] | None = None,
    source_path: Path | None = None,
    head_only: bool = False,
) -> RawTable:
    """Split CSV text into rows and store them as ``table``.

    With ``head_only``, ``text`` is the start of a large file at ``source_path`` whose rows
    DuckDB parses itself (the file must have no blank lines: DuckDB skips them, and the row
    numbers would no longer match the file's).
    """
    if _wrapped_lines(text[:65536].splitlines()):
        if head_only and source_path is not None:
            text = source_path.read_text(encoding=encoding)
            head_only = False
        text = _unwrap_lines(text)
    lines_head = text[:65536].splitlines()
    delimiter = None
    skip_first = False
    if lines_head and _SEP_LINE.match(lines_head[0]):
        delimiter = _SEP_LINE.match(lines_head[0]).group(1)
        skip_first = True
        if delimiter.isalnum() or delimiter in "\"' \r\n":
            raise FileRejected(
                f"{name}: the first line '{lines_head[0].strip()}' names {delimiter!r} as the "
                "column separator, which cannot separate columns; save the file again as CSV "
                "UTF-8 with commas"
            )
    if delimiter is None:
        delimiter = sniff_delimiter(lines_head[:60])
    detected = {
        "format": "csv",
        "encoding": encoding,
        "delimiter": _DELIM_NAMES.get(delimiter, delimiter),
    }

    head_rows = list(csv.reader(io.StringIO(text[:65536], newline=""), delimiter=delimiter))
    start = 1 if skip_first else 0
    if len(head_rows) <= start or all(not any(c.strip() for c in r) for r in head_rows[start:]):
        raise FileRejected(f"{name}: the file is empty; it needs a header row and data rows")
    header_index = start + find_header_row(head_rows[start:], kinds)
    header = head_rows[header_index]

    preamble = _preamble(head_rows[start:header_index])
    if head_only:
        source = _duckdb_csv(
            con, source_path, encoding, delimiter, header_index, len(header), table
        )
        detected["reader"] = "duckdb"
        # The last line of the head may be cut short: leave it out of the sample.
        head = head_rows[header_index + 1 : -1]
        return RawTable(
            source, header, header_index + 1, None, detected, head=head, preamble=preamble
        )
    rows = list(csv.reader(io.StringIO(text, newline=""), delimiter=delimiter))
    raw = _rows_to_table(con, rows, header_index, table, name)
    raw.detected = {**detected, **raw.detected}
    raw.preamble = preamble
    return raw


def _wrapped_lines(lines: list[str]) -> bool:
    """Every line is one quoted cell holding what should be several: a whole line wrapped in
    quotes, as some exports and re-saves write them."""
    body = [ln for ln in lines if ln.strip()]
    if body and _SEP_LINE.match(body[0]):
        body = body[1:]
    if not body:
        return False
    for ln in body[:200]:
        ln = ln.strip().lstrip("\ufeff")
        if len(ln) < 2 or ln[0] != '"' or ln[-1] != '"' or '"' in ln[1:-1].replace('""', ""):
            return False
    return any(d in body[0] for d in (",", ";", "\t"))


def _unwrap_lines(text: str) -> str:
    out = []
    for ln in text.splitlines():
        stripped = ln.strip()
        bom = stripped.startswith("\ufeff")
        stripped = stripped.lstrip("\ufeff")
        if len(stripped) >= 2 and stripped[0] == '"' and stripped[-1] == '"':
            stripped = stripped[1:-1].replace('""', '"')
            out.append(("\ufeff" if bom else "") + stripped)
        else:
            out.append(ln)
    return "\n".join(out) + "\n"


def _preamble(rows: list[list[str | None]]) -> list[str]:
    return [" ".join(c.strip() for c in r if c and c.strip()) for r in rows if any(r)]


_DELIM_NAMES = {",": "comma", ";": "semicolon", "\t": "tab"}


def _duckdb_csv(
    con: duckdb.DuckDBPyConnection,
    path: Path,
    encoding: str,
    delimiter: str,
    header_index: int,
    width: int,
    table: str,
) -> str:
    """A query over a large CSV parsed by DuckDB into ``table``, giving its data rows.

    Row numbers follow the file's record order. DuckDB reads UTF-8 only, so other encodings
    are transcoded to a temporary file first (removed when the connection's work is done).
    """
    src = path
    if encoding not in ("utf-8", "utf-8-sig"):
        fd, tmp_name = tempfile.mkstemp(suffix=".csv")
        with (
            open(path, encoding=encoding, newline="") as fin,
            open(fd, "w", encoding="utf-8", newline="") as fout,
        ):
            while chunk := fin.read(1 << 20):
                fout.write(chunk)
        src = Path(tmp_name)
        _TRANSCODED.append(src)
    columns = {f"c{i}": "VARCHAR" for i in range(max(width, 1))}
    escaped = str(src).replace("'", "''")
    delim = delimiter.replace("'", "''")
    reader = (
        f"read_csv('{escaped}', header = false, delim = '{delim}', quote = '\"', "
        f"escape = '\"', columns = {columns!r}, null_padding = true, strict_mode = false, "
        f"auto_detect = false)"
    )
    # A new table keeps the records in file order, so its rowid is the record number: cheaper
    # than numbering them with a window over the reader, which runs on one thread. (Inside an
    # open transaction new rows get provisional rowids: the caller reads outside one.)
    con.execute(f"CREATE OR REPLACE TEMP TABLE {table} AS SELECT * FROM {reader}")
    return f"(SELECT rowid + 1 AS row_number, * FROM {table} WHERE rowid + 1 > {header_index + 1})"


_TRANSCODED: list[Path] = []


def remove_temporary_files() -> None:
    """Delete transcoded copies made for DuckDB's reader."""
    while _TRANSCODED:
        _TRANSCODED.pop().unlink(missing_ok=True)


# First cells of rows that sum up the rows above them rather than being data.
TOTAL_WORDS = frozenset(
    (
        "total",
        "totals",
        "grand total",
        "итого",
        "итог",
        "всего",
        "итоговое значение",
        "барлығы",
        "жиыны",
        "жиынтығы",
        "қорытынды",
        "жалпы мән",
    )
)
_SEPARATOR = re.compile(r"^[-=_*~#.+\s–—]{3,}$")
_FOOTER_TRIM = " \t\r\n\u00a0\ufeff:*"


def _text(cell: object) -> str:
    return "" if cell is None else str(cell).strip()


def _is_separator(row: list[str | None]) -> bool:
    """A line drawn with dashes or equals signs between parts of a file."""
    cells = [_text(c) for c in row if _text(c)]
    return bool(cells) and all(_SEPARATOR.match(c) for c in cells)


def _footer_start(data: list[list[str | None]], width: int) -> int:
    """Index of the first row of the file's footer: the totals, notes and separator lines
    below the last data row (blank lines between them included)."""
    end = len(data)
    start = end
    for index in range(end - 1, -1, -1):
        row = data[index]
        cells = [(i, _text(c)) for i, c in enumerate(row) if _text(c)]
        if not cells or _is_separator(row):
            start = index
            continue
        first = cells[0][1].casefold().strip(_FOOTER_TRIM)
        total = first in TOTAL_WORDS
        note = (
            width > 1
            and len(cells) == 1
            and cells[0][0] == 0
            and any(ch.isalpha() for ch in cells[0][1])
        )
        if total or note:
            start = index
            continue
        break
    return start


def _rows_to_table(
    con: duckdb.DuckDBPyConnection,
    rows: list[list[str | None]],
    header_index: int,
    table: str,
    name: str,
) -> RawTable:
    header = [("" if c is None else str(c)) for c in rows[header_index]]
    width = len(header)
    data = rows[header_index + 1 :]
    issues = []
    footer = _footer_start(data, width)
    for offset in range(footer, len(data)):
        shown = ", ".join(_text(c) for c in data[offset] if _text(c))
        if shown and not _is_separator(data[offset]):
            issues.append(
                (
                    header_index + 2 + offset,
                    "",
                    shown[:200],
                    "a total or a note below the data, not loaded: totals are computed from "
                    "the rows",
                )
            )
    # Separator lines between the data rows read as blank lines.
    data = [[] if _is_separator(row) else row for row in data[:footer]]
    columns: list[list[str | None]] = [[] for _ in range(width)]
    numbers = []
    for offset, row in enumerate(data):
        row_number = header_index + 2 + offset
        numbers.append(row_number)
        if len(row) > width:
            extra = [c for c in row[width:] if c is not None and str(c).strip()]
            if extra:
                issues.append(
                    (
                        row_number,
                        "",
                        ", ".join(map(str, extra))[:200],
                        f"row has {len(row)} cells but the header has {width}; the extra cells "
                        "were ignored: move them under a header or delete them",
                    )
                )
        for i in range(width):
            v = row[i] if i < len(row) else None
            if v is not None and not isinstance(v, str):
                v = str(v)
            columns[i].append(v if v is not None and v.strip() else None)
    _register(con, table, numbers, columns)
    return RawTable(
        table, header, header_index + 1, len(data), {"reader": "python"}, issues, head=data[:5000]
    )


def numbered_table(
    con: duckdb.DuckDBPyConnection,
    table: str,
    header: list[str],
    rows: list[tuple[int, list[str | None]]],
    like: RawTable,
) -> RawTable:
    """``rows`` (row number in the file, cells) stored as ``table``, described like ``like``."""
    width = len(header)
    columns: list[list[str | None]] = [[] for _ in range(width)]
    for _, cells in rows:
        for i in range(width):
            v = cells[i] if i < len(cells) else None
            columns[i].append(v if v is not None and str(v).strip() else None)
    _register(con, table, [n for n, _ in rows], columns)
    return RawTable(
        table,
        header,
        like.header_row,
        len(rows),
        dict(like.detected),
        list(like.file_issues),
        head=[cells for _, cells in rows[:5000]],
        preamble=like.preamble,
    )


def _register(con, table: str, numbers: list[int], columns: list[list[str | None]]) -> None:
    import pyarrow as pa  # only small files take this path; keep start-up quick

    arrays = {"row_number": pa.array(numbers, pa.int64())}
    for i, values in enumerate(columns):
        arrays[f"c{i}"] = pa.array([None if v is None else str(v) for v in values], pa.string())
    con.register("_rows", pa.table(arrays))
    try:
        con.execute(f"CREATE OR REPLACE TEMP TABLE {table} AS SELECT * FROM _rows")
    finally:
        con.unregister("_rows")


def read_workbook(data: bytes, name: str) -> Workbook:
    """Every sheet of an XLSX file as rows of text cells (cached formula results)."""
    import openpyxl

    try:
        wb = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises many kinds for a damaged file
        raise FileRejected(
            f"{name}: cannot open the workbook ({type(exc).__name__}); save it again from Excel "
            "as .xlsx, or as CSV UTF-8"
        ) from None
    formulas = _formula_cells(data) if _has_formulas(data) else {}
    sheets: dict[str, list[list[str | None]]] = {}
    formula_errors = []
    for ws in wb.worksheets:
        rows = []
        for r_index, row in enumerate(ws.iter_rows(values_only=True), start=1):
            cells = [_cell_text(v) for v in row]
            for c_index, v in enumerate(cells):
                f = formulas.get((ws.title, r_index, c_index))
                if f is not None and v is None:
                    formula_errors.append((ws.title, r_index, c_index, f))
            rows.append(cells)
        while rows and not any(c not in (None, "") for c in rows[-1]):
            rows.pop()
        if rows:
            width = max(
                (max((i + 1 for i, c in enumerate(r) if c not in (None, "")), default=0))
                for r in rows
            )
            rows = [r[:width] for r in rows]
        sheets[ws.title] = rows
    wb.close()
    return Workbook(sheets, formula_errors)


def _has_formulas(data: bytes) -> bool:
    with zipfile.ZipFile(io.BytesIO(data)) as z:
        for info in z.infolist():
            if info.filename.startswith("xl/worksheets/") and info.filename.endswith(".xml"):
                with z.open(info) as fh:
                    if b"<f" in fh.read():
                        return True
    return False


def _formula_cells(data: bytes) -> dict[tuple[str, int, int], str]:
    import openpyxl

    wb = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=False)
    found = {}
    for ws in wb.worksheets:
        for r_index, row in enumerate(ws.iter_rows(values_only=True), start=1):
            for c_index, v in enumerate(row):
                if isinstance(v, str) and v.startswith("="):
                    found[(ws.title, r_index, c_index)] = v
    wb.close()
    return found


def _cell_text(value: object) -> str | None:
    if value is None:
        return None
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, dt.datetime):
        if value.time() == dt.time(0, 0):
            return value.date().isoformat()
        return value.isoformat(sep=" ", timespec="seconds")
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, dt.time):
        return value.isoformat(timespec="seconds")
    if isinstance(value, float):
        if value.is_integer() and abs(value) < 1e15:
            return str(int(value))
        return repr(value)
    text = str(value)
    return text if text.strip() else None


def read_sheet(
    con: duckdb.DuckDBPyConnection,
    rows: list[list[str | None]],
    *,
    name: str,
    table: str,
    kinds: tuple[str, ...] | None = None,
) -> RawTable:
    """Store one sheet's rows as ``table``, its header found among the first rows."""
    if not rows or all(not any(c not in (None, "") for c in r) for r in rows):
        raise FileRejected(f"{name}: the sheet is empty; it needs a header row and data rows")
    header_index = find_header_row(rows, kinds)
    raw = _rows_to_table(con, rows, header_index, table, name)
    raw.preamble = _preamble(rows[:header_index])
    return raw
