"""A period against the one before it of the same length: which two periods a page compares
(:func:`compared_periods`), the measures over both (:func:`period_comparison`) and the change of
one measure between them (:meth:`Comparison.change`).

The period compared is the selection's own when it has a start (up to its end or the status
date, whichever comes first); without one it is the last :data:`RECENT_DAYS` days to the
status date. The period before it has the same number of days and ends the day before it
starts. Both are counted with the selection's other filters, campaigns kept whatever their
dates (a campaign that had not started yet simply has nothing in the earlier period).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import date, timedelta

from dashboard.metrics.builder import totals
from dashboard.metrics.measures import measure
from dashboard.metrics.selection import DEFAULT_SETTINGS, Selection, Settings
from etl.warehouse import Warehouse

RECENT_DAYS = 28  # the period compared when the selection has no start

Period = tuple[date, date]


def previous_period(period: Period) -> Period:
    """The period of the same number of days that ends the day before ``period`` starts."""
    start, end = period
    days = (end - start).days + 1
    return start - timedelta(days=days), start - timedelta(days=1)


def compared_periods(selection: Selection, as_of: date) -> tuple[Period, Period, bool]:
    """The period compared, the one before it, and whether the first is the selection's own
    (else the last :data:`RECENT_DAYS` days to ``as_of``)."""
    if selection.start is not None:
        end = min(selection.end or as_of, as_of)
        current = (selection.start, max(end, selection.start))
        return current, previous_period(current), True
    current = (as_of - timedelta(days=RECENT_DAYS - 1), as_of)
    return current, previous_period(current), False


@dataclass(frozen=True)
class Comparison:
    """The measures over a period (``now``) and over the one before it (``before``)."""

    period: Period
    previous: Period
    from_selection: bool  # the period is the selection's (else the last RECENT_DAYS days)
    now: dict[str, float | None]
    before: dict[str, float | None]

    def change(self, measure_id: str) -> float | None:
        """How the measure moved from the earlier period to this one: for a rate (a ratio of
        two sums, ``engagement_rate``) the difference of the two rates; for anything else the
        relative change (0.12: 12% more). None when either is missing, or the earlier one is
        zero for a relative change."""
        now, before = self.now.get(measure_id), self.before.get(measure_id)
        if now is None or before is None:
            return None
        if is_rate(measure_id):
            return now - before
        if before == 0:
            return None
        return now / before - 1


def is_rate(measure_id: str) -> bool:
    """Whether the measure is a rate whose change is a difference (in percentage points)."""
    return measure(measure_id).unit == "percent"


def period_comparison(
    wh: Warehouse,
    measure_ids: Sequence[str],
    selection: Selection,
    as_of: date,
    settings: Settings = DEFAULT_SETTINGS,
) -> Comparison:
    """The measures over the compared period and the one before it (see
    :func:`compared_periods`), with the selection's other filters."""
    current, previous, own = compared_periods(selection, as_of)

    def over(period: Period) -> dict[str, float | None]:
        sel = replace(selection, start=period[0], end=period[1], campaigns_in_period=False)
        return totals(wh, list(measure_ids), sel, settings)

    return Comparison(current, previous, own, over(current), over(previous))
