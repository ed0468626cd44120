"""A form's response times, in the forms' own formats, read as ISO timestamps.

Whether a column writes the day or the month first is decided from all its values (see
:func:`moments`).
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Sequence
from dataclasses import dataclass

from etl.dates import moment_at

_SERIAL = re.compile(r"^\d{5}(?:\.\d+)?$")
_YEAR_FIRST = re.compile(r"^(\d{4})[-/.](\d{1,2})[-/.](\d{1,2})(?:(?:[ T]+|,\s*)(.*))?$")
_DAY_OR_MONTH_FIRST = re.compile(r"^(\d{1,2})([./-])(\d{1,2})\2(\d{4}|\d{2})(?:(?:\s+|,\s*)(.*))?$")


def _serial(value: str) -> str | None:
    days = float(value)
    if not 20000 <= days < 80000:  # 1954 to 2119: a number in that range is a date
        return None
    moment = dt.datetime(1899, 12, 30) + dt.timedelta(seconds=round(days * 86400))
    return moment.isoformat(sep=" ")


@dataclass
class Moments:
    """A column of response times in ISO form (or as written where they are no moment)."""

    values: list[str | None]
    order: str | None = None  # dmy / mdy, for the values written D.M.YYYY or M/D/YYYY
    assumed: bool = False  # every such value read either way and no mapping said which
    mixed: tuple[tuple[int, str], tuple[int, str]] | None = None  # a day-first and a month-first


def moments(values: Sequence[tuple[int, str | None]], date_order: str | None = None) -> Moments:
    """Response times as ISO ``YYYY-MM-DD HH:MM:SS``, from (row, cell) pairs of one column.

    Read: ``2021/03/27 3:58:32 PM GMT+8`` (a form's own CSV, in UTC), ``2021-03-27 07:58:32``
    (Typeform), ``27.03.2021 15:58:32``, ``27/03/2021 15:58:32`` and ``3/27/2021 15:58:32``
    (the Sheet's locale), Excel serials (``44282.66``). Whether a column writes the day or the
    month first is decided from all its values: one with a first part above 12 proves day
    first, one with a second part above 12 proves month first. When every value reads either
    way, ``date_order`` ("dmy" or "mdy") says which, else the day comes first (and
    ``assumed`` says so if slashes left it open: dotted dates are day first by custom).
    """
    parsed: list[tuple[int, str, re.Match | None]] = []
    day_proof: tuple[int, str] | None = None
    month_proof: tuple[int, str] | None = None
    slashed = False
    for row, cell in values:
        text = "" if cell is None else str(cell).strip()
        m = _DAY_OR_MONTH_FIRST.match(text) if text else None
        parsed.append((row, text, m))
        if m:
            a, b = int(m.group(1)), int(m.group(3))
            if a > 12 >= b and day_proof is None:
                day_proof = (row, text)
            elif b > 12 >= a and month_proof is None:
                month_proof = (row, text)
            slashed = slashed or m.group(2) != "."
    if day_proof and not month_proof:
        order = "dmy"
    elif month_proof and not day_proof:
        order = "mdy"
    else:
        order = date_order or "dmy"
    assumed = not (day_proof or month_proof) and date_order is None and slashed
    out: list[str | None] = []
    for _row, text, m in parsed:
        if not text:
            out.append(None)
            continue
        iso = None
        if m:
            a, b, year = int(m.group(1)), int(m.group(3)), int(m.group(4))
            day_first = a > 12 or (b <= 12 and order == "dmy")
            day, month = (a, b) if day_first else (b, a)
            iso = moment_at(year, month, day, m.group(5) or "")
        elif _SERIAL.match(text):
            iso = _serial(text)
        else:
            y = _YEAR_FIRST.match(text)
            if y:
                iso = moment_at(int(y.group(1)), int(y.group(2)), int(y.group(3)), y.group(4) or "")
        out.append(iso or text)
    mixed = (day_proof, month_proof) if day_proof and month_proof else None
    has_dm = any(m for _, _, m in parsed)
    return Moments(out, order if has_dm else None, assumed, mixed)
