"""The programme set-up as a workbook: what ``campaigns export-setup`` writes and the
management page edits.

The set-up is the warehouse's current organisations, campaigns, budget lines, KPI targets and
channels. :func:`setup_frames` reads them as one table per sheet, columns named by the
canonical fields of ``etl.kinds.PROGRAMME_SHEETS`` in template order; :func:`write_setup`
writes such tables as a programme workbook in the layout of the blank template
(``etl.templates.write_programme_xlsx``: one sheet per table with the template's header in the
chosen language, then the help sheet). Loading that workbook back with
``load_file(kind="programme")`` restates every campaign exactly as it stands, which changes
nothing: no row is written or replaced (``facts.write_programme`` leaves alone what a file
restates unchanged).

Values are written as the loader reads them: codes, text and dates (ISO) as text cells, amounts
and numbers as numbers, lists (regions, languages) separated by commas, yes/no in the workbook's
language. Text a spreadsheet would take for a formula (``etl.cells.formula_like``: a campaign
named ``=HYPERLINK(...)``) carries Excel's quote prefix, the workbook's own mark of a text cell:
Excel and LibreOffice show it as text and keep it text when it is edited, and the value stays as
it is, so the workbook still loads back unchanged. Every export carries the time it was made in
its document properties, so two exports of different states are never the same bytes and a
re-sent workbook is never taken for one loaded before (the loader skips bytes it has loaded).
"""

from __future__ import annotations

import datetime as dt
import decimal
import io
import math
import numbers
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import IO, Any

import pandas as pd
import xlsxwriter

from etl.cells import formula_like, is_list
from etl.kinds import LANGUAGES
from etl.templates import (
    AUTHOR,
    PROGRAMME_ORDER,
    _write_data_sheet,
    _write_help_sheet,
    data_sheet_name,
    label,
    spec,
    template_fields,
    template_header,
)
from etl.warehouse import Warehouse

# The current set-up, one query per sheet, columns named by the sheet's fields in template
# order. Rows keep the order of the file that loaded them (campaign by campaign).
SETUP_SQL: dict[str, str] = {
    "organisations": (
        "SELECT code, name, city FROM core.organisation WHERE superseded_by IS NULL ORDER BY code"
    ),
    "campaigns": (
        "SELECT code, name, organisation_code AS organisation, thematic_area, "
        "array_to_string(regions, ', ') AS regions, "
        "array_to_string(languages, ', ') AS languages, start_date, end_date, status, "
        "description, name_ru, name_kk, thematic_area_ru, thematic_area_kk "
        "FROM core.campaign WHERE superseded_by IS NULL ORDER BY code"
    ),
    "budget_lines": (
        "SELECT campaign_code AS campaign, heading, line_code AS line, description, "
        "CAST(amount AS DOUBLE) AS amount, currency FROM core.budget_line "
        "WHERE superseded_by IS NULL ORDER BY campaign_code, batch_id, source_row"
    ),
    "kpi_targets": (
        "SELECT campaign_code AS campaign, indicator_code, indicator, level, metric, unit, "
        "direction, baseline, baseline_year, target, cumulative, indicator_ru, indicator_kk "
        "FROM core.kpi_target "
        "WHERE superseded_by IS NULL ORDER BY campaign_code, batch_id, source_row"
    ),
    "channels": (
        "SELECT campaign_code AS campaign, platform, account, url, language FROM core.channel "
        "WHERE superseded_by IS NULL ORDER BY campaign_code, batch_id, source_row"
    ),
}

NUMBER_TYPES = {"count", "amount", "number", "heading"}


def sheet_fields(kind: str) -> list[str]:
    """The field names of one set-up sheet, in template order."""
    return [f.name for f in template_fields(kind)]


def setup_frames(read: Callable[[str], pd.DataFrame]) -> dict[str, pd.DataFrame]:
    """The current set-up, one frame per sheet (``PROGRAMME_ORDER``), read with ``read(sql)``.

    ``read`` runs SQL on the warehouse: ``dashboard.data.read`` on a page (so a reader sees
    only their campaigns), a connection's ``execute(...).df()`` elsewhere. Dates come as
    ``datetime.date``, lists as comma-separated text, missing values as ``None``.
    """
    frames = {}
    for kind in PROGRAMME_ORDER:
        df = read(SETUP_SQL[kind]).copy()
        df = df[sheet_fields(kind)]
        for f in template_fields(kind):
            if f.type == "date":
                df[f.name] = [_date(v) for v in df[f.name]]
        frames[kind] = df.astype(object).where(df.notna(), None).reset_index(drop=True)
    return frames


def read_setup(warehouse: Warehouse) -> dict[str, pd.DataFrame]:
    """The warehouse's current set-up (every campaign), as :func:`setup_frames` gives it."""
    with warehouse.reader() as con:
        return setup_frames(lambda sql: con.execute(sql).df())


def write_setup(
    frames: Mapping[str, pd.DataFrame],
    target: Path | IO[bytes],
    lang: str = "en",
    *,
    created: dt.datetime | None = None,
) -> None:
    """Write the set-up ``frames`` (columns named by field) as a programme workbook in
    ``lang`` to ``target`` (a path or a binary file object).

    A sheet missing from ``frames`` is written with its header only; columns a frame lacks
    are left empty. ``created`` (default: now) goes into the document properties.
    """
    if lang not in LANGUAGES:
        raise ValueError(f"unknown language '{lang}'; use one of: {', '.join(LANGUAGES)}")
    workbook = xlsxwriter.Workbook(
        target if not isinstance(target, Path) else str(target),
        {"in_memory": True, "strings_to_formulas": False, "strings_to_urls": False},
    )
    workbook.set_properties(
        {
            "title": f"programme set-up ({lang})",
            "subject": "Programme set-up",
            "author": AUTHOR,
            "company": AUTHOR,
            "comments": "The programme set-up as exported from the warehouse; edit it and load "
            "it back with: campaigns load FILE.xlsx",
            "created": created or dt.datetime.now().replace(microsecond=0),
        }
    )
    quoted = workbook.add_format({"quote_prefix": True})
    for kind in PROGRAMME_ORDER:
        sheet = _write_data_sheet(workbook, kind, lang)
        df = frames.get(kind)
        if df is None:
            continue
        fields = template_fields(kind)
        for r, record in enumerate(df.to_dict("records"), start=1):
            for c, f in enumerate(fields):
                _write_cell(sheet, r, c, record.get(f.name), f.type, lang, quoted)
    _write_help_sheet(workbook, list(PROGRAMME_ORDER), lang)
    workbook.close()


def setup_bytes(
    frames: Mapping[str, pd.DataFrame], lang: str = "en", *, created: dt.datetime | None = None
) -> bytes:
    """The workbook :func:`write_setup` writes, as bytes."""
    buffer = io.BytesIO()
    write_setup(frames, buffer, lang, created=created)
    return buffer.getvalue()


def export_setup(
    warehouse: Warehouse, path: Path, lang: str = "en", *, created: dt.datetime | None = None
) -> dict[str, int]:
    """Write the warehouse's current set-up to ``path`` in ``lang``; returns rows per sheet."""
    frames = read_setup(warehouse)
    write_setup(frames, Path(path), lang, created=created)
    return {kind: len(df) for kind, df in frames.items()}


def sheet_names(lang: str) -> dict[str, str]:
    """The name of each set-up sheet in a workbook of ``lang``, by table."""
    return {kind: data_sheet_name(kind, lang) for kind in PROGRAMME_ORDER}


def headers(kind: str, lang: str) -> dict[str, str]:
    """Field name -> the template's column header in ``lang``, for one set-up sheet."""
    return dict(zip(sheet_fields(kind), template_header(kind, lang), strict=True))


def field_type(kind: str, field_name: str) -> str:
    """The type of a set-up field (``date``, ``amount``, ``list``, ...)."""
    return spec(kind).field(field_name).type


# --- cells -------------------------------------------------------------------------------------


def _missing(value: Any) -> bool:
    if value is None:
        return True
    if isinstance(value, float) and math.isnan(value):
        return True
    try:
        return bool(pd.isna(value)) if not isinstance(value, list | tuple) else False
    except (TypeError, ValueError):
        return False


def _date(value: Any) -> dt.date | None:
    if _missing(value):
        return None
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    if isinstance(value, pd.Timestamp):
        return value.date()
    return value  # text as typed in an editor: written as it is, for the loader to check


def _write_cell(
    sheet, row: int, col: int, value: Any, ftype: str, lang: str, quoted: Any = None
) -> None:
    """One cell as the loader reads it back: see the module's docstring. ``quoted`` is the
    quote-prefix format that text a spreadsheet would take for a formula is written with."""

    def text(value: str) -> None:
        sheet.write_string(row, col, value, quoted if formula_like(value) else None)

    if _missing(value):
        return
    if isinstance(value, str):
        if value.strip():
            text(value)
        return
    if ftype in ("yes_no", "bool") and isinstance(value, bool | numbers.Integral):
        sheet.write_string(row, col, label("yes" if value else "no", lang))
        return
    if ftype == "list" and is_list(value):
        text(", ".join(str(v) for v in value))
        return
    if ftype in ("date", "datetime", "month") or isinstance(value, dt.date):
        day = _date(value)
        text(day.isoformat() if isinstance(day, dt.date) else str(day))
        return
    if ftype in NUMBER_TYPES and isinstance(value, numbers.Real | decimal.Decimal):
        number = float(value)
        if number.is_integer() and abs(number) < 1e15:
            sheet.write_number(row, col, int(number))
        else:
            sheet.write_number(row, col, number)
        return
    text(str(value))
