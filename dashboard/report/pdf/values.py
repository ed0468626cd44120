"""Values as the PDF summary writes them: counts with thousands separators, whole euros,
shares as percentages, a logframe value in its indicator's unit, moments to the minute, and a
dash for anything missing. In Russian and Kazakh (:func:`language`) numbers group thousands
with a no-break space and take the decimal comma, and dates read ``31.12.2026``."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any

import pandas as pd

from dashboard.i18n import fmt_date, fmt_number, fmt_percent
from dashboard.report import words

DASH = "–"

_LANG: ContextVar[str] = ContextVar("report_pdf_language", default="en")


@contextmanager
def language(lang: str) -> Iterator[None]:
    """Write the values (and :func:`w` the texts) of the PDF drawn inside in ``lang``."""
    token = _LANG.set(lang)
    try:
        yield
    finally:
        _LANG.reset(token)


def lang() -> str:
    """The language the PDF being drawn is written in."""
    return _LANG.get()


def w(key: str, **params: Any) -> str:
    """The report's text ``donor.<key>`` in the PDF's language."""
    return words.word(key, lang(), **params)


def missing(value: Any) -> bool:
    """None, NA, NaN, NaT or blank text."""
    if value is None or value is pd.NA or value is pd.NaT:
        return True
    if isinstance(value, str):
        return value.strip() == ""
    try:
        return bool(pd.isna(value))
    except (TypeError, ValueError):
        return False


def text(value: Any) -> str:
    """Any value as text: dates as ``YYYY-MM-DD``, whole floats without ``.0``."""
    if missing(value):
        return DASH
    if lang() != "en" and isinstance(value, dt.date | pd.Timestamp):
        return fmt_date(value, lang=lang())
    if isinstance(value, dt.datetime | pd.Timestamp):
        return value.strftime("%Y-%m-%d")
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def count(value: Any, *, sign: bool = False) -> str:
    """A count or amount with thousands separators; decimals only where the value has them;
    ``sign``: always with its sign (a change)."""
    if missing(value):
        return DASH
    value = float(value)
    plus = "+" if sign else ""
    if lang() != "en":
        whole = abs(value - round(value)) < 1e-9
        written = fmt_number(value, 0 if whole else 2, lang=lang())
        return f"+{written}" if sign and value > 0 else written
    if abs(value - round(value)) < 1e-9:
        return f"{round(value):{plus},}"
    return f"{value:{plus},.2f}"


def eur(value: Any) -> str:
    """EUR in a summary: whole euros."""
    if missing(value):
        return DASH
    return f"{float(value):,.0f}" if lang() == "en" else fmt_number(float(value), 0, lang=lang())


def share(value: Any) -> str:
    """A fraction as a percentage with one decimal."""
    if missing(value):
        return DASH
    if lang() != "en":
        return fmt_percent(float(value), 1, lang=lang())
    return f"{float(value) * 100:,.1f}%"


def in_unit(value: Any, unit: Any) -> str:
    """A logframe value in its indicator's unit: percentages are on a 0-100 scale."""
    if missing(value):
        return DASH
    if str(unit).strip() == "%":
        if lang() != "en":
            return fmt_percent(float(value) / 100, 1, lang=lang())
        return f"{float(value):,.1f}%"
    return count(value)


def timestamp(value: Any) -> pd.Timestamp | None:
    """A moment as a timestamp (in UTC when it has a time zone), None when missing."""
    if missing(value):
        return None
    try:
        ts = pd.Timestamp(value)
    except (TypeError, ValueError):
        return None
    if ts.tzinfo is not None:
        ts = ts.tz_convert("UTC")
    return ts


def moment(value: Any) -> str:
    """A production or load time to the minute (UTC when the value says so)."""
    ts = timestamp(value)
    if ts is None:
        return DASH if missing(value) else str(value)
    if lang() != "en":
        return words.moment(ts, lang())
    return ts.strftime("%Y-%m-%d %H:%M") + (" UTC" if ts.tzinfo is not None else "")


def column_sum(frame: pd.DataFrame, column: str) -> float | None:
    """A column added up; None when it is absent or holds no number."""
    if column not in frame:
        return None
    total = pd.to_numeric(frame[column], errors="coerce").sum(min_count=1)
    return None if pd.isna(total) else float(total)
