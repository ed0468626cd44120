"""Calendar arithmetic of the demo: days, months, paydays and working days."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import date, timedelta

WORKING_DAYS = (0, 1, 2, 3, 4)


def days(start: date, end: date) -> Iterable[date]:
    """Every day from ``start`` to ``end``, both included."""
    for i in range((end - start).days + 1):
        yield start + timedelta(days=i)


def month_end(year: int, month: int) -> date:
    nxt = date(year + month // 12, month % 12 + 1, 1)
    return nxt - timedelta(days=1)


def last_weekday(year: int, month: int) -> date:
    """The month's last working day (payday)."""
    d = month_end(year, month)
    while d.weekday() >= 5:
        d -= timedelta(days=1)
    return d


def months(start: date, end: date) -> list[tuple[int, int]]:
    """The (year, month) pairs from ``start``'s month to ``end``'s, both included."""
    out, y, m = [], start.year, start.month
    while (y, m) <= (end.year, end.month):
        out.append((y, m))
        y, m = (y + 1, 1) if m == 12 else (y, m + 1)
    return out


def weekday_on_or_before(d: date, allowed: Sequence[int]) -> date:
    """The last day on or before ``d`` whose weekday is one of ``allowed`` (Monday is 0)."""
    while d.weekday() not in allowed:
        d -= timedelta(days=1)
    return d
