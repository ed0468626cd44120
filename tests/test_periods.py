"""The period a page compares and the one before it (``dashboard.metrics.periods``), and the
change of a measure between them, against figures summed here from the warehouse file."""

from __future__ import annotations

import datetime as dt

import pytest
from conftest import sql

from dashboard import metrics
from dashboard.metrics import Selection
from etl.warehouse import Warehouse

TODAY = dt.date(2026, 6, 30)


def test_the_period_before_has_as_many_days_and_ends_the_day_before() -> None:
    assert metrics.previous_period((dt.date(2026, 3, 1), dt.date(2026, 3, 31))) == (
        dt.date(2026, 1, 29),
        dt.date(2026, 2, 28),
    )
    assert metrics.previous_period((dt.date(2026, 3, 1), dt.date(2026, 3, 1))) == (
        dt.date(2026, 2, 28),
        dt.date(2026, 2, 28),
    )


def test_the_selected_period_is_compared_up_to_the_status_date() -> None:
    sel = Selection(start=dt.date(2026, 6, 1), end=dt.date(2026, 12, 31))
    current, before, own = metrics.compared_periods(sel, TODAY)
    assert own
    assert current == (dt.date(2026, 6, 1), TODAY)
    assert before == (dt.date(2026, 5, 2), dt.date(2026, 5, 31))


def test_without_a_period_the_last_28_days_are_compared() -> None:
    current, before, own = metrics.compared_periods(Selection(), TODAY)
    assert not own
    assert current == (dt.date(2026, 6, 3), TODAY)
    assert before == (dt.date(2026, 5, 6), dt.date(2026, 6, 2))


def test_changes_are_relative_for_counts_and_differences_for_rates(
    demo_warehouse: Warehouse,
) -> None:
    wh = demo_warehouse
    (first,) = sql(wh, "SELECT min(day) FROM channel_daily WHERE campaign_code = 'FOE-02'")[0]
    start = first + dt.timedelta(days=30)
    sel = Selection(campaigns=("FOE-02",), start=start, end=start + dt.timedelta(days=9))
    comparison = metrics.period_comparison(wh, ["impressions", "engagement_rate"], sel, start)

    def impressions(a: dt.date, b: dt.date) -> float:
        return sql(
            wh,
            "SELECT sum(impressions) FROM channel_daily "
            "WHERE campaign_code = 'FOE-02' AND day BETWEEN ? AND ?",
            [a, b],
        )[0][0]

    # the status date is the period's first day: one day against the day before
    day_before = start - dt.timedelta(days=1)
    now, before = impressions(start, start), impressions(day_before, day_before)
    assert comparison.period == (start, start)
    assert comparison.change("impressions") == pytest.approx(now / before - 1)
    rates = comparison.now["engagement_rate"], comparison.before["engagement_rate"]
    assert comparison.change("engagement_rate") == pytest.approx(rates[0] - rates[1])


def test_no_change_without_figures_in_the_earlier_period(demo_warehouse: Warehouse) -> None:
    (first,) = sql(
        demo_warehouse, "SELECT min(day) FROM channel_daily WHERE campaign_code = 'FOE-02'"
    )[0]
    sel = Selection(campaigns=("FOE-02",), start=first, end=first + dt.timedelta(days=6))
    comparison = metrics.period_comparison(
        demo_warehouse, ["impressions"], sel, first + dt.timedelta(days=6)
    )
    assert comparison.now["impressions"]
    assert comparison.before["impressions"] is None
    assert comparison.change("impressions") is None
