"""Reading an XLSX workbook safely: every sheet as rows of text cells (cached formula results).

The zip directory is checked first (sheets, parts, sizes), then every part is unpacked once
(checksums, no XML entity declarations); only then does openpyxl read the sheets. Whatever goes
wrong on the way is a ``FileRejected`` that says, in the user's words, what is wrong.
"""

from __future__ import annotations

import datetime as dt
import io
import re
import xml.etree.ElementTree as ET
import zipfile
import zlib
from collections.abc import Iterator
from dataclasses import dataclass
from xml.parsers.expat import ExpatError

from defusedxml import DefusedXmlException

from etl.messages import message
from etl.reading.refusals import FileRejected, Limits, limits, too_many_cells, too_wide

# Parts of a workbook (entries of its zip directory): an Excel workbook has a few dozen, a few
# hundred with many images or comments.
MAX_WORKBOOK_PARTS = 10_000
# Excel's last row: a sheet that says it goes further is damaged.
EXCEL_ROWS = 1_048_576
_MB = 1024 * 1024


@dataclass
class Workbook:
    """An XLSX file: sheet name -> rows of cells as text."""

    sheets: dict[str, list[list[str | None]]]
    formula_errors: list[tuple[str, int, int, str]]  # sheet, row, column index, formula


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
        raise FileRejected(message("reading.no_readable_sheet", name=name))
    formula_errors = []
    for (title, r_index, c_index), formula in found.items():
        rows = sheets.get(title, [])
        row = rows[r_index - 1] if r_index <= len(rows) else []
        if (row[c_index] if c_index < len(row) else None) is None:
            formula_errors.append((title, r_index, c_index, formula))
    return Workbook(sheets, formula_errors)


def _again(name: str, what: str) -> str:
    """A workbook refused for ``what`` (a message), and what to do."""
    return message("reading.save_again", name=name, what=what)


def _inspect_workbook(data: bytes, name: str, lim: Limits) -> bool:
    """Check an XLSX file's zip directory against the limits, then unpack each part once to
    check it: returns whether a sheet holds formulas."""
    parts = _zip_entries(data)
    if parts is not None and parts > MAX_WORKBOOK_PARTS:
        raise FileRejected(_again(name, message("reading.workbook.many_parts", parts=parts)))
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
    except (zipfile.BadZipFile, zipfile.LargeZipFile, ValueError, OSError, EOFError):
        raise FileRejected(_again(name, message("reading.workbook.cut_short"))) from None
    with archive:
        infos = archive.infolist()
        if not any(i.filename.startswith("xl/") for i in infos):
            raise FileRejected(message("reading.zip_without_workbook", name=name))
        sheets = {i.filename for i in infos if _SHEET_PART.fullmatch(i.filename)}
        if len(sheets) > lim.xlsx_sheets:
            raise FileRejected(
                message(
                    "reading.too_many_sheets", name=name, count=len(sheets), limit=lim.xlsx_sheets
                )
            )
        unpacked = sum(i.file_size for i in infos)
        packed = sum(i.compress_size for i in infos)
        if unpacked > lim.xlsx_uncompressed_mb * _MB:
            raise FileRejected(
                message(
                    "reading.unpacks_too_big",
                    name=name,
                    size=_mb(unpacked),
                    limit=_mb(lim.xlsx_uncompressed_mb * _MB),
                )
            )
        for size, small in [(i.file_size, i.compress_size) for i in infos] + [(unpacked, packed)]:
            if size > _MB and size > lim.xlsx_ratio * max(small, 1):
                raise FileRejected(
                    _again(
                        name,
                        message(
                            "reading.workbook.ratio",
                            ratio=f"{size / max(small, 1):,.0f}",
                            limit=f"{lim.xlsx_ratio:,.0f}",
                        ),
                    )
                )
        return _scan_parts(archive, infos, sheets, name)


def _scan_parts(
    archive: zipfile.ZipFile, infos: list[zipfile.ZipInfo], sheets: set[str], name: str
) -> bool:
    """Unpack every part once (which checks its checksum), refusing XML entity declarations:
    returns whether a sheet holds formulas."""
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


_ENTITIES = message("reading.workbook.entities")


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
    return _again(name, message("reading.workbook.not_xlsx"))


def _workbook_failure(exc: BaseException) -> str | None:
    if isinstance(exc, DefusedXmlException):
        return _ENTITIES
    if isinstance(exc, zipfile.BadZipFile) and "CRC" in str(exc):
        return message("reading.workbook.checksum")
    if isinstance(exc, zipfile.BadZipFile | zlib.error | EOFError):
        return message("reading.workbook.unpack")
    if isinstance(exc, NotImplementedError | RuntimeError) and (
        "encrypt" in str(exc) or "compression" in str(exc)
    ):
        return message("reading.workbook.encrypted")
    if isinstance(exc, ET.ParseError | ExpatError | SyntaxError):
        return message("reading.workbook.xml")
    if isinstance(exc, KeyError):
        return message("reading.workbook.missing_part")
    return None


def _read_sheets(
    data: bytes, name: str, lim: Limits, *, data_only: bool, formulas: bool = False
) -> dict:
    """Each worksheet's rows of text cells (trailing empty rows and cells left out); or, with
    ``formulas``, the formulas found: (sheet, row, column index) -> formula."""
    # Imported here: openpyxl takes over 100 ms to import, and only workbooks need it.
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
                _again(
                    name, message("reading.workbook.past_last_row", sheet=ws.title, rows=EXCEL_ROWS)
                )
            )
        cells += max(len(row), 1)
        if cells > lim.cells:
            raise FileRejected(too_many_cells(name, lim, ws.title))
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
            where = message("reading.where_sheet_row", row=r_index, sheet=ws.title)
            raise FileRejected(too_wide(name, where, end, lim))
        del cells[end:]
        if any(c is not None and len(c) > lim.field_chars for c in cells):
            raise FileRejected(
                message(
                    "reading.sheet_cell_too_long",
                    name=name,
                    row=r_index,
                    sheet=ws.title,
                    limit=lim.field_chars,
                )
            )
        rows.append(cells)
    while rows and not rows[-1]:
        rows.pop()
    width = max((len(r) for r in rows), default=0)
    if len(rows) * width > lim.cells:
        raise FileRejected(too_many_cells(name, lim, ws.title))
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


def _mb(count: float) -> str:
    return f"{count / _MB:,.3g} MB" if count < 1000 * _MB else f"{count / _MB:,.0f} MB"
