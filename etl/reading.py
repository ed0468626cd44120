"""Reading a file as people save it into a table of text cells, row numbers kept.

Handles the encodings (UTF-8 with or without BOM, UTF-16, Windows-1251), the delimiters
(``,`` ``;`` tab, and Excel's ``sep=`` hint), title lines above the header, ragged rows and XLSX
workbooks. The result is a DuckDB table ``raw_<n>`` with a ``row_number`` column (the row as a
spreadsheet shows it, header row included in the count) and one VARCHAR column per header cell.
Values are not interpreted here: that is ``normalise``'s job.
"""

from __future__ import annotations

import codecs
import csv
import datetime as dt
import hashlib
import io
import itertools
import json
import math
import os
import re
import tempfile
import zipfile
import zlib
from collections.abc import Iterator
from dataclasses import dataclass, field, fields
from pathlib import Path

import duckdb

from etl.headers import find_header_row

# Files above this size skip the Python CSV reader and are parsed by DuckDB itself.
FAST_PATH_BYTES = 8 * 1024 * 1024

# What DuckDB raises when a value of the file does not fit the type a step of the loader casts
# it to (a number with digits typed twice, beyond a 64-bit integer): the load refuses the file.
VALUE_OUT_OF_RANGE = (duckdb.ConversionException, duckdb.OutOfRangeException)


class FileRejected(ValueError):
    """The file as a whole cannot be read; the message says why and what to do."""


class SettingError(ValueError):
    """A limit setting (``LIMIT_SETTINGS``) is not a number of at least 1."""


# --- limits: absurd shapes are refused before they cost time and memory ------------------------


@dataclass(frozen=True)
class Limits:
    """How big a file may be in each direction; each is set by an environment variable."""

    columns: int = 500  # cells in any row of a CSV file or a sheet
    field_chars: int = 1_000_000  # characters in one cell
    line_chars: int = 2_000_000  # characters in one row of a CSV file (bytes for DuckDB's reader)
    cells: int = 30_000_000  # rows x columns of a file or a sheet
    xlsx_uncompressed_mb: float = 200.0  # a workbook's parts once unpacked, added up
    xlsx_ratio: float = 200.0  # unpacked size over packed size, of a part or the whole
    xlsx_sheets: int = 100  # worksheets in a workbook


LIMIT_SETTINGS = {
    "columns": "CAMPAIGNS_MAX_COLUMNS",
    "field_chars": "CAMPAIGNS_MAX_FIELD_CHARS",
    "line_chars": "CAMPAIGNS_MAX_LINE_CHARS",
    "cells": "CAMPAIGNS_MAX_CELLS",
    "xlsx_uncompressed_mb": "CAMPAIGNS_XLSX_MAX_UNCOMPRESSED_MB",
    "xlsx_ratio": "CAMPAIGNS_XLSX_MAX_RATIO",
    "xlsx_sheets": "CAMPAIGNS_XLSX_MAX_SHEETS",
}

# Parts of a workbook (entries of its zip directory): an Excel workbook has a few dozen, a few
# hundred with many images or comments.
MAX_WORKBOOK_PARTS = 10_000
# Excel's last row: a sheet that says it goes further is damaged.
EXCEL_ROWS = 1_048_576
_MB = 1024 * 1024


def limits() -> Limits:
    """The limits in force: the defaults, or the ``CAMPAIGNS_*`` variables that are set."""
    values: dict[str, float | int] = {}
    for f in fields(Limits):
        variable = LIMIT_SETTINGS[f.name]
        raw = os.environ.get(variable, "").strip()
        if not raw:
            continue
        try:
            value = float(raw.replace("_", ""))
        except ValueError:
            value = math.nan
        if not (math.isfinite(value) and value >= 1):
            raise SettingError(f"{variable} must be a number of at least 1, not '{raw}'")
        values[f.name] = value if f.type == "float" else int(value)
    return Limits(**values)


def out_of_range(name: str) -> str:
    """Why a file with a value DuckDB could not cast (``VALUE_OUT_OF_RANGE``) is refused."""
    return (
        f"{name}: a number in the file is too large to be a figure (a whole number goes up to "
        "9,223,372,036,854,775,807); check the figures for digits typed twice or cells run "
        "together, and load it again"
    )


def _mb(count: float) -> str:
    return f"{count / _MB:,.3g} MB" if count < 1000 * _MB else f"{count / _MB:,.0f} MB"


def _too_wide(name: str, where: str, count: int, lim: Limits, *, at_least: bool = False) -> str:
    return (
        f"{name}: {where} has {'at least ' if at_least else ''}{count:,} columns, more than the "
        f"{lim.columns:,} a file may have; check that it is a table of figures with one header "
        "row, and save it again with only the columns to load"
    )


def _too_many_cells(name: str, lim: Limits, what: str = "the file") -> str:
    return (
        f"{name}: {what} has more than {lim.cells:,} cells (rows x columns); split it by month "
        "or platform and load the parts, or delete the empty rows and columns around the data"
    )


def _too_long_cell(name: str, line: int, lim: Limits) -> str:
    return (
        f"{name}: a cell near line {line:,} is longer than {lim.field_chars:,} characters; "
        'a stray double quote (") makes the rest of a file one cell: check the quotes on that '
        "line, or shorten the cell, and save the file again"
    )


def _too_long_line(name: str, row: int | None, lim: Limits) -> str:
    where = f"row {row:,}" if row else "a row"
    return (
        f"{name}: {where} is longer than {lim.line_chars:,} characters; check the quotes "
        "and the line breaks there (a whole table on one line is no table), and save the file "
        "again as CSV UTF-8"
    )


def _csv_records(text: str, delimiter: str, name: str, lim: Limits) -> Iterator[list[str]]:
    """The records of CSV text, a file that breaks the csv module's rules becoming a refusal."""
    csv.field_size_limit(lim.field_chars)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    try:
        yield from reader
    except csv.Error as exc:
        if "field limit" in str(exc):
            raise FileRejected(_too_long_cell(name, reader.line_num, lim)) from None
        raise FileRejected(
            f"{name}: the file cannot be read as CSV near line {reader.line_num:,} ({exc}); "
            "save it again as CSV UTF-8"
        ) from None


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
        try:
            counts = [len(r) for r in csv.reader(sample, delimiter=delim)]
        except csv.Error:  # a cell longer than the field limit: not this delimiter's doing
            continue
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

    lim = limits()
    head_rows = list(_csv_records(text[:65536], delimiter, name, lim))
    # The first rows tell an absurd shape at once, before the whole file is parsed.
    for index, row in enumerate(head_rows):
        if len(row) > lim.columns and not head_only and len(text) > 65536:
            # The row may go on past the first 64K characters: count all of its cells.
            row = next(itertools.islice(_csv_records(text, delimiter, name, lim), index, None))
        _check_record(row, index + 1, name, lim, cut=head_only and index == len(head_rows) - 1)
    start = 1 if skip_first else 0
    if len(head_rows) <= start or all(not any(c.strip() for c in r) for r in head_rows[start:]):
        raise FileRejected(f"{name}: the file is empty; it needs a header row and data rows")
    header_index = start + find_header_row(head_rows[start:], kinds)
    header = head_rows[header_index]
    width = max(len(header), 1)

    preamble = _preamble(head_rows[start:header_index])
    if head_only:
        # Rows estimated from the first 64 KB: clearly too many cells are refused unparsed.
        size = source_path.stat().st_size
        rows_guess = len(head_rows) * size / max(len(text.encode(encoding)), 1)
        if rows_guess * width > 2 * lim.cells:
            raise FileRejected(_too_many_cells(name, lim))
        source = _duckdb_csv(
            con, source_path, encoding, delimiter, header_index, len(header), table, name, lim
        )
        detected["reader"] = "duckdb"
        # The last line of the head may be cut short: leave it out of the sample.
        head = head_rows[header_index + 1 : -1]
        return RawTable(
            source, header, header_index + 1, None, detected, head=head, preamble=preamble
        )
    rows = []
    cells = 0
    for number, row in enumerate(_csv_records(text, delimiter, name, lim), start=1):
        _check_record(row, number, name, lim)
        cells += max(len(row), width)  # each row becomes at least a header's width of cells
        if cells > lim.cells:
            raise FileRejected(_too_many_cells(name, lim))
        rows.append(row)
    raw = _rows_to_table(con, rows, header_index, table, name)
    raw.detected = {**detected, **raw.detected}
    raw.preamble = preamble
    return raw


def _check_record(row: list[str], number: int, name: str, lim: Limits, *, cut=False) -> None:
    """Refuse a record with more cells than a file may have columns, or too long a line.
    ``cut``: the record is the last of a file's first 64 KB, perhaps cut short."""
    if len(row) > lim.columns:
        raise FileRejected(_too_wide(name, f"row {number:,}", len(row), lim, at_least=cut))
    if len(row) + sum(map(len, row)) - 1 > lim.line_chars:
        raise FileRejected(_too_long_line(name, number, lim))


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
    name: str = "",
    lim: Limits | None = None,
) -> str:
    """A query over a large CSV parsed by DuckDB into ``table``, giving its data rows.

    Row numbers follow the file's record order. DuckDB reads UTF-8 only, so other encodings
    are transcoded to a temporary file first (removed when the connection's work is done).
    What DuckDB cannot parse is refused in our words: its own messages name the file's path.
    """
    lim = lim or limits()
    name = name or path.name
    src = path
    if encoding not in ("utf-8", "utf-8-sig"):
        fd, tmp_name = tempfile.mkstemp(suffix=".csv")
        src = Path(tmp_name)
        _TRANSCODED.append(src)
        try:
            with (
                open(path, encoding=encoding, newline="") as fin,
                open(fd, "w", encoding="utf-8", newline="") as fout,
            ):
                while chunk := fin.read(1 << 20):
                    fout.write(chunk)
        except UnicodeError:
            raise FileRejected(
                f"{name}: the file says it is {encoding} but is not; save it again as CSV UTF-8"
            ) from None
    columns = {f"c{i}": "VARCHAR" for i in range(max(width, 1))}
    escaped = str(src).replace("'", "''")
    delim = delimiter.replace("'", "''")
    reader = (
        f"read_csv('{escaped}', header = false, delim = '{delim}', quote = '\"', "
        f"escape = '\"', columns = {columns!r}, null_padding = true, strict_mode = false, "
        f"auto_detect = false, max_line_size = {lim.line_chars})"
    )
    # A new table keeps the records in file order, so its rowid is the record number: cheaper
    # than numbering them with a window over the reader, which runs on one thread. (Inside an
    # open transaction new rows get provisional rowids: the caller reads outside one.)
    try:
        con.execute(f"CREATE OR REPLACE TEMP TABLE {table} AS SELECT * FROM {reader}")
    except duckdb.OutOfMemoryException:
        raise  # not the file's fault: the upload's memory limit says so
    except duckdb.Error as exc:
        raise FileRejected(_duckdb_refusal(name, str(exc), lim)) from None
    (rows,) = con.execute(f"SELECT count(*) FROM {table}").fetchone()
    if rows * max(width, 1) > lim.cells:
        raise FileRejected(_too_many_cells(name, lim))
    return f"(SELECT rowid + 1 AS row_number, * FROM {table} WHERE rowid + 1 > {header_index + 1})"


_TRANSCODED: list[Path] = []


def _duckdb_refusal(name: str, error: str, lim: Limits) -> str:
    """Why DuckDB could not read a CSV file, without its message (which names the path)."""
    line = re.search(r"Line: (\d+)", error)
    if "maximum line size" in error.casefold():
        return _too_long_line(name, int(line.group(1)) if line else None, lim)
    near = f" near line {int(line.group(1)):,}" if line else ""
    return (
        f"{name}: the file cannot be read as CSV{near}; check the quotes and the line breaks "
        "there, and save it again as CSV UTF-8"
    )


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
    """Every sheet of an XLSX file as rows of text cells (cached formula results).

    The zip directory is checked first (sheets, parts, sizes), then every part is unpacked once
    (checksums, no XML entity declarations); only then does openpyxl read the sheets. Whatever
    goes wrong on the way, in openpyxl's lazy reading of the rows too, is a ``FileRejected``.
    """
    lim = limits()
    formulas = _inspect_workbook(data, name, lim)
    try:
        sheets = _read_sheets(data, name, lim, data_only=True)
        found = _read_sheets(data, name, lim, data_only=False, formulas=True) if formulas else {}
    except (FileRejected, MemoryError):
        raise
    except Exception as exc:  # openpyxl and the XML parser raise many kinds for a damaged file
        raise FileRejected(_damaged_workbook(name, exc)) from None
    if not sheets:
        raise FileRejected(
            f"{name}: the workbook has no sheet that can be read (its sheets are missing or "
            "damaged); save it again from Excel as .xlsx, or as CSV UTF-8"
        )
    formula_errors = []
    for (title, r_index, c_index), formula in found.items():
        rows = sheets.get(title, [])
        row = rows[r_index - 1] if r_index <= len(rows) else []
        if (row[c_index] if c_index < len(row) else None) is None:
            formula_errors.append((title, r_index, c_index, formula))
    return Workbook(sheets, formula_errors)


def _again(name: str, what: str) -> str:
    return f"{name}: {what}; save it again from Excel as .xlsx, or as CSV UTF-8, and upload that"


def _inspect_workbook(data: bytes, name: str, lim: Limits) -> bool:
    """Check an XLSX file's zip directory against the limits, then unpack each part once to
    check it: returns whether a sheet holds formulas."""
    parts = _zip_entries(data)
    if parts is not None and parts > MAX_WORKBOOK_PARTS:
        raise FileRejected(
            _again(name, f"the workbook has {parts:,} parts, far more than an Excel workbook")
        )
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
    except (zipfile.BadZipFile, zipfile.LargeZipFile, ValueError, OSError, EOFError):
        raise FileRejected(
            _again(name, "the workbook is damaged or cut short (its table of contents is missing)")
        ) from None
    with archive:
        infos = archive.infolist()
        if not any(i.filename.startswith("xl/") for i in infos):
            raise FileRejected(
                f"{name}: cannot open the workbook: the file is a zip archive without an Excel "
                "workbook in it; upload the .xlsx file itself, or save it again from Excel as "
                ".xlsx or as CSV UTF-8"
            )
        sheets = {i.filename for i in infos if _SHEET_PART.fullmatch(i.filename)}
        if len(sheets) > lim.xlsx_sheets:
            raise FileRejected(
                f"{name}: the workbook has {len(sheets):,} sheets, more than the "
                f"{lim.xlsx_sheets:,} a workbook may have; copy the sheets to load into a "
                "workbook of their own and load that"
            )
        unpacked = sum(i.file_size for i in infos)
        packed = sum(i.compress_size for i in infos)
        if unpacked > lim.xlsx_uncompressed_mb * _MB:
            raise FileRejected(
                f"{name}: the workbook unpacks to {_mb(unpacked)}, above the "
                f"{_mb(lim.xlsx_uncompressed_mb * _MB)} limit; split it by month or platform "
                "and load the parts, or save the sheet as CSV UTF-8"
            )
        for size, small in [(i.file_size, i.compress_size) for i in infos] + [(unpacked, packed)]:
            if size > _MB and size > lim.xlsx_ratio * max(small, 1):
                raise FileRejected(
                    _again(
                        name,
                        f"the workbook holds a part that unpacks to {size / max(small, 1):,.0f} "
                        f"times its compressed size, far beyond the {lim.xlsx_ratio:,.0f} times "
                        "Excel's files come to: it is not loaded",
                    )
                )
        formulas = False
        try:
            for info in infos:
                if info.is_dir():
                    continue
                xml = info.filename.endswith((".xml", ".rels", ".vml"))
                sheet = info.filename in sheets
                tail = b""
                with archive.open(info) as fh:
                    while chunk := fh.read(1 << 20):
                        window = tail + chunk
                        if xml and (b"<!DOCTYPE" in window or b"<!ENTITY" in window):
                            raise FileRejected(_again(name, _ENTITIES))
                        formulas = formulas or (sheet and b"<f" in window)
                        tail = chunk[-16:]
        except (FileRejected, MemoryError):
            raise
        except Exception as exc:
            raise FileRejected(_damaged_workbook(name, exc)) from None
    return formulas


_SHEET_PART = re.compile(r"xl/worksheets/[^/]+\.xml")


def _zip_entries(data: bytes) -> int | None:
    """The number of entries a zip file's end record announces (None when there is none)."""
    end = data.rfind(b"PK\x05\x06", max(0, len(data) - 65557))
    if end < 0 or end + 22 > len(data):
        return None
    count = int.from_bytes(data[end + 10 : end + 12], "little")
    if count != 0xFFFF:
        return count
    # Zip64: the locator just before the end record points at the zip64 end record.
    locator = end - 20
    if locator < 0 or data[locator : locator + 4] != b"PK\x06\x07":
        return None
    at = int.from_bytes(data[locator + 8 : locator + 16], "little")
    if data[at : at + 4] != b"PK\x06\x06" or at + 40 > len(data):
        return None
    return int.from_bytes(data[at + 32 : at + 40], "little")


_ENTITIES = (
    "the workbook declares XML entities (a <!DOCTYPE>), which Excel never writes and which "
    "can hide an attack: it is not read"
)


def _damaged_workbook(name: str, exc: BaseException) -> str:
    """What a failure while unpacking or parsing a workbook means, in the user's words: the
    first failure of a known kind along the chain (openpyxl wraps the parser's in a
    ValueError of its own)."""
    chain: list[BaseException] = []
    while exc is not None and exc not in chain and len(chain) < 10:
        chain.append(exc)
        exc = exc.__cause__ or exc.__context__
    for failure in chain:
        what = _workbook_failure(failure)
        if what:
            return _again(name, what)
    # What is left (a cell reference, a number or a type openpyxl cannot read, a part
    # pointing at another that is not there) is the content of a part broken by the damage.
    return _again(
        name, "cannot open the workbook: it is damaged (a part does not follow the .xlsx format)"
    )


def _workbook_failure(exc: BaseException) -> str | None:
    import xml.etree.ElementTree as ET
    from xml.parsers.expat import ExpatError

    from defusedxml import DefusedXmlException

    if isinstance(exc, DefusedXmlException):
        return _ENTITIES
    if isinstance(exc, zipfile.BadZipFile) and "CRC" in str(exc):
        return "the workbook is damaged (a part failed its checksum)"
    if isinstance(exc, zipfile.BadZipFile | zlib.error | EOFError):
        return "the workbook is damaged (its compressed data cannot be unpacked)"
    if isinstance(exc, NotImplementedError | RuntimeError) and (
        "encrypt" in str(exc) or "compression" in str(exc)
    ):
        return (
            "the workbook is encrypted or packed in a way Excel does not use; remove the "
            "password in Excel first"
        )
    if isinstance(exc, ET.ParseError | ExpatError | SyntaxError):
        return "the workbook is damaged (one of its parts is not well-formed XML)"
    if isinstance(exc, KeyError):
        return "the workbook is damaged (a part it lists is missing)"
    return None


def _read_sheets(
    data: bytes, name: str, lim: Limits, *, data_only: bool, formulas: bool = False
) -> dict:
    """Each worksheet's rows of text cells (trailing empty rows and cells left out); or, with
    ``formulas``, the formulas found: (sheet, row, column index) -> formula."""
    import openpyxl

    wb = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=data_only)
    try:
        sheets: dict[str, list[list[str | None]]] = {}
        found: dict[tuple[str, int, int], str] = {}
        for ws in wb.worksheets:
            if formulas:
                for r_index, row in _sheet_rows(ws, name, lim):
                    for c_index, v in enumerate(row):
                        if isinstance(v, str) and v.startswith("="):
                            found[(ws.title, r_index, c_index)] = v
            else:
                sheets[ws.title] = _sheet_cells(ws, name, lim)
    finally:
        wb.close()
    return found if formulas else sheets


def _sheet_rows(ws, name: str, lim: Limits) -> Iterator[tuple[int, tuple]]:
    """(row number, values) of a read-only sheet, as far as its cells go (its dimension can
    claim any size), refusing a sheet beyond Excel's rows or the cell limit."""
    ws.reset_dimensions()  # rows as wide as their cells, not padded to a claimed dimension
    cells = 0
    for r_index, row in enumerate(ws.iter_rows(values_only=True), start=1):
        if r_index > EXCEL_ROWS:
            raise FileRejected(
                _again(name, f"sheet '{ws.title}' goes past row {EXCEL_ROWS:,}, Excel's last")
            )
        cells += max(len(row), 1)
        if cells > lim.cells:
            raise FileRejected(_too_many_cells(name, lim, f"sheet '{ws.title}'"))
        yield r_index, row


def _sheet_cells(ws, name: str, lim: Limits) -> list[list[str | None]]:
    """A sheet's rows of text cells, all as wide as its widest row with a value."""
    rows: list[list[str | None]] = []
    for r_index, row in _sheet_rows(ws, name, lim):
        cells = [_cell_text(v) for v in row]
        end = len(cells)
        while end and cells[end - 1] is None:
            end -= 1
        if end > lim.columns:
            where = f"row {r_index:,} of sheet '{ws.title}'"
            raise FileRejected(_too_wide(name, where, end, lim))
        del cells[end:]
        if any(c is not None and len(c) > lim.field_chars for c in cells):
            raise FileRejected(
                f"{name}: a cell in row {r_index:,} of sheet '{ws.title}' is longer than "
                f"{lim.field_chars:,} characters; shorten it and save the workbook again"
            )
        rows.append(cells)
    while rows and not rows[-1]:
        rows.pop()
    width = max((len(r) for r in rows), default=0)
    if len(rows) * width > lim.cells:
        raise FileRejected(_too_many_cells(name, lim, f"sheet '{ws.title}'"))
    return [r + [None] * (width - len(r)) for r in rows]


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
