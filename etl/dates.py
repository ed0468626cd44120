"""Dates and times as platforms' exports and forms' responses write them, read as ISO text.

Months in words in English, Russian and Kazakh (full and short, ``MONTHS``), the worded forms of
each UI language (``Mar 5, 2026``, ``5 мар. 2026 г.``, ``2026 ж. 5 нау.``), US month-first
dates, days written without a year (given theirs from the export date) and clocks with a
``GMT+8`` offset (read in UTC).
"""

from __future__ import annotations

import datetime as dt
import re

MONTHS = {
    m: i + 1
    for i, names in enumerate(
        [
            ("jan", "january", "янв", "январь", "января", "қаң", "қаңтар"),
            ("feb", "february", "фев", "февр", "февраль", "февраля", "ақп", "ақпан"),
            ("mar", "march", "мар", "март", "марта", "нау", "наурыз"),
            ("apr", "april", "апр", "апрель", "апреля", "сәу", "сәуір"),
            ("may", "май", "мая", "мам", "мамыр"),
            ("jun", "june", "июн", "июнь", "июня", "мау", "маусым"),
            ("jul", "july", "июл", "июль", "июля", "шіл", "шілде"),
            ("aug", "august", "авг", "август", "августа", "там", "тамыз"),
            ("sep", "sept", "september", "сен", "сент", "сентябрь", "сентября", "қыр", "қыркүйек"),
            ("oct", "october", "окт", "октябрь", "октября", "қаз", "қазан"),
            ("nov", "november", "ноя", "нояб", "ноябрь", "ноября", "қар", "қараша"),
            ("dec", "december", "дек", "декабрь", "декабря", "жел", "желтоқсан"),
        ]
    )
    for m in names
}


_MONTH_DAY = re.compile(
    r"^\s*(?:[A-Za-zА-Яа-яӘәҒғҚқҢңӨөҰұҮүҺһІі]+,\s*)?([^\W\d_]+)\.?\s+(\d{1,2})\s*$"
)
_DAY_MONTH = re.compile(r"^\s*(\d{1,2})\s+([^\W\d_]+)\.?\s*$")
_WORDED = re.compile(
    r"^\s*(?:[^\W\d_]+,\s*)?([^\W\d_]+)\.?\s+(\d{1,2}),?\s+(\d{4})(?:[ ,T]+(.*))?$"
)
# "5 мар. 2026 г." / "5 марта 2026 г., 14:05" (Russian UI) and "2026 ж. 5 нау." (Kazakh UI).
_WORDED_DAY_FIRST = re.compile(
    r"^\s*(\d{1,2})\s+([^\W\d_]+)\.?\s+(\d{4})(?:\s*(?:г|ж)\.?)?(?:[ ,T]+(.*))?$"
)
_WORDED_YEAR_FIRST = re.compile(
    r"^\s*(\d{4})\s*(?:(?:г|ж)\.?)?\s+(\d{1,2})\s+([^\W\d_]+)\.?(?:[ ,T]+(.*))?$"
)
_US = re.compile(r"^\s*(\d{1,2})/(\d{1,2})/(\d{4})(?:[ ,T]+(.*))?$")
# A post's time without a year: "July 16", "Jul 16, 14:05" (English UI), "16 июля, 14:05"
# (Russian UI), "16 шілде 14:05" (Kazakh UI).
_MONTH_DAY_AT = re.compile(
    r"^\s*(?:[^\W\d_]+,\s*)?([^\W\d_]+)\.?\s+(\d{1,2})(?:,?\s+(?:at\s+|в\s+)?(\d.*))?$"
)
_DAY_MONTH_AT = re.compile(r"^\s*(\d{1,2})\s+([^\W\d_]+)\.?(?:,?\s+(?:at\s+|в\s+)?(\d.*))?$")


def column_days(cells: list[str | None], style: str, as_of: dt.date) -> list[str | None]:
    """ISO dates for a date column, or None where the cell is left for the usual reading.

    Days written without a year ("Aug 26", "16 июля", "16 шілде") take theirs from the export
    date, in every export (see ``_with_years``).
    """
    worded = [_date_text(c, style) if c else None for c in cells]
    if any(_month_day(c) for c in cells if c):
        years = _with_years([_month_day(c) if c else None for c in cells], as_of)
        return [y or w for y, w in zip(years, worded, strict=True)]
    return worded


def _month_day(cell: str) -> tuple[int, int] | None:
    m = _MONTH_DAY.match(cell)
    if m and m.group(1).casefold() in MONTHS:
        return MONTHS[m.group(1).casefold()], int(m.group(2))
    m = _DAY_MONTH.match(cell)
    if m and m.group(2).casefold() in MONTHS:
        return MONTHS[m.group(2).casefold()], int(m.group(1))
    return None


def _with_years(parts: list[tuple[int, int] | None], as_of: dt.date) -> list[str | None]:
    """Give dates without a year their year: the newest is at most the export date, and going
    back through the rows in time, a month that jumps forward means the year before.

    Whether the rows run oldest or newest first is read from the steps between them: in a daily
    series each step is a few days forward (oldest first) or back (newest first), and only the
    step over New Year looks the other way when compared by month and day.
    """
    known = [(i, p) for i, p in enumerate(parts) if p]
    if not known:
        return [None] * len(parts)
    forward = backward = 0
    for (_, a), (_, b) in zip(known, known[1:], strict=False):
        step = (_day_of_year(b) - _day_of_year(a)) % 366
        if step == 0:
            continue
        if step < 183:
            forward += 1
        else:
            backward += 1
    order = known if backward > forward else list(reversed(known))
    year = as_of.year if order[0][1] <= (as_of.month, as_of.day) else as_of.year - 1
    out: list[str | None] = [None] * len(parts)
    previous = None
    for i, (month, day) in order:
        if previous is not None and (month, day) > previous:
            year -= 1
        try:
            out[i] = dt.date(year, month, day).isoformat()
        except ValueError:
            out[i] = None
        previous = (month, day)
    return out


def _day_of_year(month_day: tuple[int, int]) -> int:
    month, day = month_day
    try:
        return dt.date(2000, month, day).timetuple().tm_yday  # a leap year: 29 Feb exists
    except ValueError:
        return 0


def _date_parts(cell: str, style: str) -> tuple[int, int, int, str] | None:
    """(year, month, day, rest of the cell) for the worded forms and, in "us" files, MM/DD/YYYY.

    Worded forms: "Mar 5, 2026" and "Tue, Aug 26, 2025" (English UI), "5 мар. 2026 г."
    (Russian UI), "2026 ж. 5 нау." (Kazakh UI).
    """
    m = _WORDED.match(cell)
    if m and m.group(1).casefold() in MONTHS:
        return int(m.group(3)), MONTHS[m.group(1).casefold()], int(m.group(2)), m.group(4) or ""
    m = _WORDED_DAY_FIRST.match(cell)
    if m and m.group(2).casefold() in MONTHS:
        return int(m.group(3)), MONTHS[m.group(2).casefold()], int(m.group(1)), m.group(4) or ""
    m = _WORDED_YEAR_FIRST.match(cell)
    if m and m.group(3).casefold() in MONTHS:
        return int(m.group(1)), MONTHS[m.group(3).casefold()], int(m.group(2)), m.group(4) or ""
    if style == "us":
        m = _US.match(cell)
        if m:
            return int(m.group(3)), int(m.group(1)), int(m.group(2)), m.group(4) or ""
    return None


def _date_text(cell: str, style: str) -> str | None:
    parts = _date_parts(cell, style)
    if parts is None:
        return None
    try:
        return dt.date(parts[0], parts[1], parts[2]).isoformat()
    except ValueError:
        return None


_CLOCK = re.compile(
    r"^\s*(\d{1,2}):(\d{2})(?::(\d{2}))?\s*([AaPp][Mm])?\s*(?:(?:GMT|UTC)\s*([+-]\d{1,2})(?::?(\d{2}))?)?\s*$"
)


def _year_less(cell: str, as_of: dt.date) -> tuple[int, int, int, str] | None:
    """(year, month, day, time) of a post's time written without a year: the most recent such
    day on or before the export date."""
    m = _MONTH_DAY_AT.match(cell)
    if m and m.group(1).casefold() in MONTHS:
        month, day, rest = MONTHS[m.group(1).casefold()], int(m.group(2)), m.group(3) or ""
    else:
        m = _DAY_MONTH_AT.match(cell)
        if not (m and m.group(2).casefold() in MONTHS):
            return None
        month, day, rest = MONTHS[m.group(2).casefold()], int(m.group(1)), m.group(3) or ""
    for year in range(as_of.year, as_of.year - 8, -1):  # 29 February comes back within 8 years
        try:
            if dt.date(year, month, day) <= as_of:
                return year, month, day, rest
        except ValueError:
            continue
    return None


def worded_moment(cell: str, style: str, as_of: dt.date | None = None) -> str | None:
    """ISO timestamp (in UTC when the cell names its offset) for the worded and US forms, and,
    given the export date, for a post's time written without a year."""
    parts = _date_parts(cell, style)
    if parts is None and as_of is not None:
        parts = _year_less(cell, as_of)
    if parts is None:
        return None
    return moment_at(*parts)


_FRACTION = re.compile(r"^(\d{1,2}:\d{2}:\d{2})[.,]\d+")
_ISO_OFFSET = re.compile(r"(\d)\s*([+-]\d{2}):?(\d{2})$")
_ZONE_ONLY = re.compile(r"\s*(?:GMT|UTC|Z)$", re.IGNORECASE)


def moment_at(year: int, month: int, day: int, rest: str) -> str | None:
    """ISO ``YYYY-MM-DD HH:MM:SS`` of a date and the clock after it (in UTC when the clock
    names its offset); None when it is no real moment."""
    rest = _FRACTION.sub(r"\1", rest.strip())
    rest = _ISO_OFFSET.sub(r"\1 GMT\2:\3", rest)
    rest = _ZONE_ONLY.sub("", rest).strip()
    try:
        moment = dt.datetime(year if year >= 100 else 2000 + year, month, day)
        if rest:
            c = _CLOCK.match(rest)
            if not c:
                return None
            hour, minute, second = int(c.group(1)), int(c.group(2)), int(c.group(3) or 0)
            if c.group(4):
                if not 1 <= hour <= 12:
                    return None
                hour = hour % 12 + (12 if c.group(4).lower() == "pm" else 0)
            moment = moment.replace(hour=hour, minute=minute, second=second)
            if c.group(5):
                sign = -1 if c.group(5).startswith("-") else 1
                moment -= sign * dt.timedelta(
                    hours=abs(int(c.group(5))), minutes=int(c.group(6) or 0)
                )
    except ValueError:
        return None
    return moment.isoformat(sep=" ")
