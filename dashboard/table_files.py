"""A table as a file that leaves the system: CSV and XLSX bytes, every text cell under the one
formula rule (``etl.cells``).

Text cells that a spreadsheet would read as a formula (starting with ``=``, ``+``, ``-``,
``@``, a tab or a carriage return) are written with a leading apostrophe, so a post title or a
comment can never run as a formula when a file is opened in Excel or LibreOffice; lists are
written as their items joined by commas. The builders are pure and import no Streamlit: the
pages' downloads (``dashboard.components``), the donor report's data package and the command
line write their tables with them.
"""

from __future__ import annotations

import io
from typing import Any

import pandas as pd

from etl.cells import FORMULA_START, is_list, neutral

CSV_MIME = "text/csv"
XLSX_MIME = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def neutralise(value: Any) -> Any:
    """A text value a spreadsheet would take for a formula, with a leading apostrophe; a list
    as its items joined by commas; anything else unchanged (``etl.cells.neutral``). Numbers stay
    numbers (``-5`` is a number, not text)."""
    return neutral(value)


def neutral_frame(df: pd.DataFrame) -> pd.DataFrame:
    """A copy of ``df`` with every text cell and column name under the formula rule."""
    out = df.copy()
    for col in out.columns:
        s = out[col]
        if s.dtype == object:
            if any(map(_changed, s)):
                out[col] = s.map(neutral)
        elif pd.api.types.is_string_dtype(s) and s.str[:1].isin(FORMULA_START).any():
            out[col] = s.map(neutral)
    out.columns = [str(neutral(str(c))) for c in out.columns]
    return out


def _changed(value: Any) -> bool:
    """Whether :func:`neutral` may change ``value`` (text starting as a formula does, a list):
    a column with none is left as it is."""
    if isinstance(value, str):
        return value.startswith(FORMULA_START)
    return value is not None and is_list(value)


def csv_bytes(df: pd.DataFrame) -> bytes:
    """The frame as UTF-8 CSV with a byte-order mark, so Excel opens Cyrillic text correctly."""
    return neutral_frame(df).to_csv(index=False).encode("utf-8-sig")


def xlsx_bytes(df: pd.DataFrame, sheet: str = "data") -> bytes:
    """The frame as one XLSX sheet: header frozen, columns sized to their content, dates as
    dates. Time zones are dropped (Excel has none); lists become comma-separated text."""
    out = neutral_frame(df)
    for col in out.columns:
        s = out[col]
        if isinstance(s.dtype, pd.DatetimeTZDtype):
            out[col] = s.dt.tz_localize(None)
    buf = io.BytesIO()
    sheet = (sheet or "data")[:31]
    with pd.ExcelWriter(
        buf,
        engine="xlsxwriter",
        datetime_format="yyyy-mm-dd hh:mm",
        date_format="yyyy-mm-dd",
        engine_kwargs={"options": {"strings_to_formulas": False, "strings_to_urls": False}},
    ) as writer:
        out.to_excel(writer, sheet_name=sheet, index=False)
        ws = writer.sheets[sheet]
        ws.freeze_panes(1, 0)
        for i, col in enumerate(out.columns):
            sample = out[col].head(200).astype(str).str.len()
            width = max([len(str(col)), *(sample.tolist() or [0])])
            ws.set_column(i, i, min(60, max(8, width + 2)))
    return buf.getvalue()
