"""The donor report's words and values in the report's language (English, Russian or Kazakh).

Every heading, column title, label and note of the workbook and the PDF is a catalogue key
``donor.*`` (``dashboard/locales/languages``); the English catalogue holds the texts the report
has always had, so an English report is the same bytes it was. The report's tables keep the
programme's data as the warehouse has it (codes, statuses, English names), so reports in
different languages compare figure by figure; :func:`shown_frame` gives a table's rows as a
report in another language shows them: the set-up's translations of campaign names, thematic
areas and indicators (``Report.translations``), statuses, levels and budget headings in the
language. Numbers and dates are written per language through ``dashboard.i18n``.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import pandas as pd

from dashboard.i18n import catalogue, fmt_date, fmt_number, t
from dashboard.report.model import COLUMNS, Report, label

LANGUAGES = ("en", "ru", "kk")
DEFAULT = "en"

# The columns whose values have words of their own in each language (``donor.value.*``).
VALUE_COLUMNS = (
    "status",
    "level",
    "section",
    "row_type",
    "cap_status",
    "dimension",
    "group",
    "check",
    "age_group",
    "source_of_verification",
    "note",
    "state",
)
# The columns a report in Russian or Kazakh shows in the set-up's translation.
TRANSLATED_COLUMNS = ("campaign_name", "thematic_area", "indicator", "result")


def check_language(lang: str | None) -> str:
    """``lang`` when the report can be written in it (English when None)."""
    lang = lang or DEFAULT
    if lang not in LANGUAGES:
        raise ValueError(f"unknown report language '{lang}'; use one of: {', '.join(LANGUAGES)}")
    return lang


def word(key: str, lang: str, **params: Any) -> str:
    """The report's text ``donor.<key>`` in ``lang``, with ``params`` filled in."""
    return t(f"donor.{key}", lang=lang, **params)


def _has(key: str, lang: str) -> bool:
    return f"donor.{key}" in catalogue(lang)


def column_label(column: str, lang: str) -> str:
    """A column's heading in the files."""
    if lang != DEFAULT and _has(f"col.{column}", lang):
        return word(f"col.{column}", lang)
    return label(column)


def column_meaning(column: str, lang: str) -> str:
    """What a column means (the Definitions sheet)."""
    if lang != DEFAULT and _has(f"def.{column}", lang):
        return word(f"def.{column}", lang)
    return COLUMNS.get(column, ("text", ""))[1]


def unit_text(unit: str, lang: str) -> str:
    """A column's unit (text, number, EUR, share, ...) as the Definitions sheet names it."""
    if lang != DEFAULT and _has(f"unit.{unit}", lang):
        return word(f"unit.{unit}", lang)
    return unit


def heading_name(heading: Any, lang: str, english: Any = None) -> Any:
    """An EU budget heading's name (Annex III) in ``lang``; ``english`` is the name the table
    has (the total row has no heading number)."""
    if lang == DEFAULT:
        return english
    if heading is None or heading is pd.NA or (isinstance(heading, float) and heading != heading):
        return word("heading.total", lang) if english else english
    key = f"heading.{int(heading)}"
    return word(key, lang) if _has(key, lang) else english


def value_text(column: str, value: Any, lang: str) -> Any:
    """A table's value as a report in ``lang`` shows it (the value itself in English)."""
    if lang == DEFAULT or not isinstance(value, str):
        return value
    if column == "rate_basis" and value.startswith("latest: "):
        return f"{word('value.rate_basis.latest', lang)}: {value.removeprefix('latest: ')}"
    if column == "note" and value.startswith("nothing loaded for ") and value.endswith(" yet"):
        what = value.removeprefix("nothing loaded for ").removesuffix(" yet")
        return word("note.nothing_loaded", lang, what=column_label(what, lang))
    key = f"value.{column}.{value}"
    return word(key, lang) if _has(key, lang) else value


def shown_frame(report: Report, frame: pd.DataFrame) -> pd.DataFrame:
    """``frame`` (one of the report's tables) with its texts in the report's language:
    translated programme data, statuses, levels, groups, budget headings. English: as it is."""
    lang = report.meta.lang
    if lang == DEFAULT:
        return frame
    out = frame.copy()
    for column, names in report.translations.items():
        if column in out and names:
            out[column] = out[column].map(
                lambda v, n=names: n.get(v, v) if isinstance(v, str) else v
            )
    for column in (*VALUE_COLUMNS, "rate_basis"):
        if column in out:
            out[column] = out[column].map(lambda v, c=column: value_text(c, v, lang))
    if "heading_name" in out:
        headings = out["heading"] if "heading" in out else pd.Series([None] * len(out))
        out["heading_name"] = [
            heading_name(h, lang, name)
            for h, name in zip(headings.tolist(), out["heading_name"].tolist(), strict=True)
        ]
    return out


# --- dates and numbers ------------------------------------------------------------------------


def day(value: dt.date | None, lang: str) -> str:
    """A day: ISO in English (as the report has always written it), else the language's form."""
    if value is None:
        return ""
    return value.isoformat() if lang == DEFAULT else fmt_date(value, lang=lang)


def period(start: dt.date, end: dt.date, lang: str) -> str:
    """``2026-03-01 to 2026-11-30`` in English, ``01.03.2026 — 30.11.2026`` in Russian."""
    return word("period", lang, start=day(start, lang), end=day(end, lang))


def moment(value: Any, lang: str) -> str:
    """A production or load time to the minute (UTC when the value has a time zone)."""
    if value is None or (not isinstance(value, str) and pd.isna(value)):
        return ""
    stamp = pd.Timestamp(value)
    utc = stamp.tzinfo is not None
    if utc:
        stamp = stamp.tz_convert("UTC").tz_localize(None)
    if lang == DEFAULT:
        text = stamp.strftime("%Y-%m-%d %H:%M")
    else:
        text = f"{fmt_date(stamp.date(), lang=lang)} {stamp.strftime('%H:%M')}"
    return text + (" UTC" if utc else "")


def amount(value: float, lang: str) -> str:
    """A whole amount with the language's thousands separator (``60,000``, ``60 000``)."""
    return f"{value:,.0f}" if lang == DEFAULT else fmt_number(value, 0, lang=lang)
