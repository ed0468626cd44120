"""Reading a CSV file's bytes as text, then as rows: its encoding (UTF-8 with or without BOM,
UTF-16, Windows-1251), its delimiter (``,`` ``;`` tab, and Excel's ``sep=`` hint), lines wrapped
whole in quotes, title lines above the header and records too wide or too long.

Files up to ``FAST_PATH_BYTES`` are parsed here; for larger ones only the first 64 KB are, and
DuckDB reads the rest (``large_csv``).
"""

from __future__ import annotations

import codecs
import csv
import io
import itertools
import re
from collections.abc import Iterator
from pathlib import Path

import duckdb

from etl.headers import find_header_row
from etl.messages import message
from etl.reading.large_csv import duckdb_csv
from etl.reading.refusals import (
    FileRejected,
    Limits,
    limits,
    too_long_cell,
    too_long_line,
    too_many_cells,
    too_wide,
)
from etl.reading.table import RawTable, preamble, rows_to_table


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
                message("reading.wrong_encoding", name=name, encoding=encoding)
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
    return message("reading.not_a_table", name=name)


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
    delimiter, skip_first = _delimiter(text[:65536].splitlines(), name)
    detected = {
        "format": "csv",
        "encoding": encoding,
        "delimiter": _DELIM_NAMES.get(delimiter, delimiter),
    }

    lim = limits()
    head_rows = _head_rows(text, delimiter, name, lim, head_only=head_only)
    start = 1 if skip_first else 0
    if len(head_rows) <= start or all(not any(c.strip() for c in r) for r in head_rows[start:]):
        raise FileRejected(message("reading.empty_file", name=name))
    header_index = start + find_header_row(head_rows[start:], kinds)
    title_lines = preamble(head_rows[start:header_index])
    if head_only:
        return _large_file(
            con,
            source_path,
            text,
            head_rows,
            header_index,
            encoding=encoding,
            delimiter=delimiter,
            detected=detected,
            title_lines=title_lines,
            table=table,
            name=name,
            lim=lim,
        )
    width = max(len(head_rows[header_index]), 1)
    rows = _all_rows(text, delimiter, width, name, lim)
    raw = rows_to_table(con, rows, header_index, table, name)
    raw.detected = {**detected, **raw.detected}
    raw.preamble = title_lines
    return raw


def _delimiter(lines_head: list[str], name: str) -> tuple[str, bool]:
    """The file's delimiter, and whether its first line is Excel's ``sep=`` hint naming it."""
    if lines_head and _SEP_LINE.match(lines_head[0]):
        delimiter = _SEP_LINE.match(lines_head[0]).group(1)
        if delimiter.isalnum() or delimiter in "\"' \r\n":
            raise FileRejected(
                message(
                    "reading.bad_separator",
                    name=name,
                    line=lines_head[0].strip(),
                    separator=repr(delimiter),
                )
            )
        return delimiter, True
    return sniff_delimiter(lines_head[:60]), False


def _head_rows(
    text: str, delimiter: str, name: str, lim: Limits, *, head_only: bool
) -> list[list[str]]:
    """The records of the first 64K characters, each checked against the limits: the first
    rows tell an absurd shape at once, before the whole file is parsed."""
    head_rows = list(_csv_records(text[:65536], delimiter, name, lim))
    for index, row in enumerate(head_rows):
        if len(row) > lim.columns and not head_only and len(text) > 65536:
            # The row may go on past the first 64K characters: count all of its cells.
            row = next(itertools.islice(_csv_records(text, delimiter, name, lim), index, None))
        _check_record(row, index + 1, name, lim, cut=head_only and index == len(head_rows) - 1)
    return head_rows


def _large_file(
    con: duckdb.DuckDBPyConnection,
    source_path: Path,
    text: str,
    head_rows: list[list[str]],
    header_index: int,
    *,
    encoding: str,
    delimiter: str,
    detected: dict,
    title_lines: list[str],
    table: str,
    name: str,
    lim: Limits,
) -> RawTable:
    """A large file read by DuckDB, its first rows (``head_rows``) read here."""
    header = head_rows[header_index]
    width = max(len(header), 1)
    # Rows estimated from the first 64 KB: clearly too many cells are refused unparsed.
    size = source_path.stat().st_size
    rows_guess = len(head_rows) * size / max(len(text.encode(encoding)), 1)
    if rows_guess * width > 2 * lim.cells:
        raise FileRejected(too_many_cells(name, lim))
    source = duckdb_csv(
        con, source_path, encoding, delimiter, header_index, len(header), table, name, lim
    )
    detected["reader"] = "duckdb"
    # The last line of the head may be cut short: leave it out of the sample.
    head = head_rows[header_index + 1 : -1]
    return RawTable(
        source, header, header_index + 1, None, detected, head=head, preamble=title_lines
    )


def _all_rows(text: str, delimiter: str, width: int, name: str, lim: Limits) -> list[list[str]]:
    """Every record of the file, each checked, their cells counted against the limit."""
    rows = []
    cells = 0
    for number, row in enumerate(_csv_records(text, delimiter, name, lim), start=1):
        _check_record(row, number, name, lim)
        cells += max(len(row), width)  # each row becomes at least a header's width of cells
        if cells > lim.cells:
            raise FileRejected(too_many_cells(name, lim))
        rows.append(row)
    return rows


def _check_record(row: list[str], number: int, name: str, lim: Limits, *, cut=False) -> None:
    """Refuse a record with more cells than a file may have columns, or too long a line.
    ``cut``: the record is the last of a file's first 64 KB, perhaps cut short."""
    if len(row) > lim.columns:
        where = message("reading.where_row", row=number)
        raise FileRejected(too_wide(name, where, len(row), lim, at_least=cut))
    if len(row) + sum(map(len, row)) - 1 > lim.line_chars:
        raise FileRejected(too_long_line(name, number, lim))


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


_DELIM_NAMES = {",": "comma", ";": "semicolon", "\t": "tab"}


def _csv_records(text: str, delimiter: str, name: str, lim: Limits) -> Iterator[list[str]]:
    """The records of CSV text, a file that breaks the csv module's rules becoming a refusal."""
    csv.field_size_limit(lim.field_chars)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    try:
        yield from reader
    except csv.Error as exc:
        if "field limit" in str(exc):
            raise FileRejected(too_long_cell(name, reader.line_num, lim)) from None
        raise FileRejected(
            message("reading.not_csv_near", name=name, line=reader.line_num, error=str(exc))
        ) from None
