"""Each channel's daily figures added up by month, kept by the loader in ``core.channel_month``:
after loads, a correcting file and undos the table equals its one definition
(``core.channel_months_of``) over all the current facts; the measures read from it give the
figures worked out here by hand from the files loaded, and on the demo programme the same
figures as when every day's row is read, whatever the period, grain, breakdown and filters.
"""

from __future__ import annotations

import datetime as dt
import math
from pathlib import Path

import duckdb
import pandas as pd
import pytest
from conftest import sql, write

from dashboard import metrics
from dashboard.metrics import builder, lookups
from etl import batches
from etl.load import load_file
from etl.warehouse import Warehouse

pytestmark = pytest.mark.usefixtures("fresh_cache")

HEADER = "date,platform,impressions,reach,views,likes,comments,shares,saves,clicks,followers"


def _day(n: int) -> dt.date:
    return dt.date(2026, 3, 1) + dt.timedelta(days=n)


def _instagram(n: int) -> dict[str, float | None]:
    """PDP-01's Instagram on day ``n`` from 1 March: every fifth day without engagements, every
    seventh without impressions, so its days report four different sets of figures."""
    return {
        "impressions": None if n % 7 == 3 else 1000.0 + 37 * n,
        "reach": 600.0 + n,
        "views": None,
        "likes": None if n % 5 == 1 else 40.0 + n % 9,
        "comments": None if n % 5 == 1 else float(n % 4),
        "shares": None,
        "saves": None,
        "clicks": 10.0 + n % 3,
        "followers": 5000.0 + 3 * n,
    }


def _telegram(n: int) -> dict[str, float | None]:
    """PDP-01's Telegram: views and reactions, no impressions."""
    return {
        "impressions": None,
        "reach": None,
        "views": 800.0 + 11 * n,
        "likes": 20.0 + n % 6,
        "comments": None,
        "shares": float(n % 2),
        "saves": None,
        "clicks": None,
        "followers": None,
    }


# PDP-01's channels from 1 March to 29 April 2026 (60 days).
DAYS = {("instagram", _day(n)): _instagram(n) for n in range(60)} | {
    ("telegram", _day(n)): _telegram(n) for n in range(60)
}
# Restated days (a figure left empty keeps the one loaded before).
CORRECTED = {
    ("instagram", _day(40)): {"impressions": 9999.0},
    ("telegram", _day(10)): {"views": 1.0},
}


def _csv(folder: Path, name: str, rows: dict) -> Path:
    lines = [HEADER]
    for (platform, day), figures in rows.items():
        cells = ["" if v is None else f"{v:g}" for v in figures.values()]
        lines.append(",".join([day.isoformat(), platform, *cells]))
    return write(folder / name, "\n".join(lines) + "\n")


def _load(wh: Warehouse, path: Path) -> int:
    result = load_file(wh, path, campaign="PDP-01")
    assert result.status == "loaded", result.errors
    return result.batch_id


def _frame(wh: Warehouse, text: str) -> pd.DataFrame:
    con = duckdb.connect(str(wh.read_path), read_only=True)
    try:
        return con.execute(f"SELECT * FROM ({text}) ORDER BY ALL").df()
    finally:
        con.close()


def _assert_kept_as_defined(wh: Warehouse) -> pd.DataFrame:
    kept = _frame(wh, "SELECT * FROM core.channel_month")
    defined = _frame(wh, "SELECT * FROM core.channel_months_of('core.metric_observation')")
    pd.testing.assert_frame_equal(kept, defined)
    return kept


def _by_hand(days: dict, start: dt.date, end: dt.date) -> dict[str, float]:
    """The measures over PDP-01's channel days in [start, end], from the rows as loaded."""
    picked = [f for (_, day), f in days.items() if start <= day <= end]

    def eng(f: dict) -> float | None:
        parts = [f[k] for k in ("likes", "comments", "shares", "saves")]
        return None if all(v is None for v in parts) else sum(v or 0 for v in parts)

    rated = [f for f in picked if f["impressions"] is not None and eng(f) is not None]
    return {
        "impressions": sum(f["impressions"] or 0 for f in picked),
        "views": sum(f["views"] or 0 for f in picked),
        "engagements": sum(eng(f) or 0 for f in picked),
        "engagement_rate": sum(eng(f) for f in rated) / sum(f["impressions"] for f in rated),
    }


def _measures(wh: Warehouse, start: dt.date, end: dt.date, months: bool) -> dict[str, float]:
    sel = metrics.Selection(start=start, end=end, campaigns=("PDP-01",))
    sql, params = builder.build_query(
        ["impressions", "views", "engagements", "engagement_rate"], sel, months=months
    )
    assert ("core.channel_month" in sql) == months
    return builder.run_sql(wh, sql, params).iloc[0].to_dict()


def _assert_close(got: dict[str, float], want: dict[str, float]) -> None:
    assert got.keys() == want.keys()
    for key, value in want.items():
        assert math.isclose(got[key], value, rel_tol=1e-12), (key, got[key], value)


# Periods of whole months, of parts of months, and across the months' edges.
PERIODS = [
    (dt.date(2026, 3, 1), dt.date(2026, 4, 30)),
    (dt.date(2026, 3, 1), dt.date(2026, 3, 31)),
    (dt.date(2026, 3, 10), dt.date(2026, 4, 20)),
    (dt.date(2026, 3, 31), dt.date(2026, 4, 1)),
    (dt.date(2026, 4, 1), dt.date(2026, 4, 29)),
    (dt.date(2026, 3, 5), dt.date(2026, 3, 6)),
]


def _offered_platforms(wh: Warehouse) -> list[str]:
    """The platforms the filters offer, checked against the channels and the daily rows."""
    offered = lookups.filter_options(wh)["platforms"]
    rows = sql(
        wh, "SELECT platform FROM channels UNION SELECT platform FROM channel_daily ORDER BY 1"
    )
    assert offered == [r[0] for r in rows]
    return offered


def test_kept_months_equal_the_definition_and_the_figures_by_hand(
    programme: Warehouse, tmp_path: Path
) -> None:
    wh = programme
    assert _assert_kept_as_defined(wh).empty
    registered = _offered_platforms(wh)

    first = _load(wh, _csv(tmp_path, "first.csv", DAYS))
    kept = _assert_kept_as_defined(wh)
    assert _offered_platforms(wh) == registered
    # two months of two channels; Instagram's days report three sets of figures in March and
    # four in April (1 April, day 31, has neither impressions nor engagements)
    assert set(kept["month"].dt.date) == {dt.date(2026, 3, 1), dt.date(2026, 4, 1)}
    assert len(kept.query("platform == 'telegram'")) == 2
    assert len(kept.query("platform == 'instagram'")) == 3 + 4
    assert kept["days"].sum() == 120
    for start, end in PERIODS:
        want = _by_hand(DAYS, start, end)
        _assert_close(_measures(wh, start, end, months=True), want)
        _assert_close(_measures(wh, start, end, months=False), want)

    restated = {key: DAYS[key] | figures for key, figures in CORRECTED.items()}
    correction = _load(wh, _csv(tmp_path, "correction.csv", restated))
    _assert_kept_as_defined(wh)
    for start, end in PERIODS:
        _assert_close(_measures(wh, start, end, months=True), _by_hand(DAYS | restated, start, end))

    batches.undo(wh, correction, undone_by="olga")
    pd.testing.assert_frame_equal(_assert_kept_as_defined(wh), kept)
    batches.undo(wh, first, undone_by="olga")
    assert _assert_kept_as_defined(wh).empty
    assert _offered_platforms(wh) == registered


def test_the_filters_offer_a_platform_of_daily_figures_without_a_channel(
    programme: Warehouse, tmp_path: Path
) -> None:
    registered = _offered_platforms(programme)
    assert "facebook" not in registered
    days = {("facebook", _day(n)): _telegram(n) for n in range(3)}
    batch = _load(programme, _csv(tmp_path, "facebook.csv", days))
    assert _offered_platforms(programme) == sorted([*registered, "facebook"])
    batches.undo(programme, batch, undone_by="olga")
    assert _offered_platforms(programme) == registered


# What the pages ask of the channels' figures, checked on the demo programme both ways.
CHANNEL_SUMS = [
    "impressions",
    "views",
    "engagements",
    "likes",
    "clicks",
    "engagement_rate",
    "click_through_rate",
]


def _selections(wh: Warehouse) -> list[metrics.Selection]:
    con = duckdb.connect(str(wh.read_path), read_only=True)
    try:
        codes, platforms, first, last = con.execute(
            "SELECT list(DISTINCT campaign_code ORDER BY campaign_code), "
            "list(DISTINCT platform ORDER BY platform), min(day), max(day) FROM channel_daily"
        ).fetchone()
    finally:
        con.close()
    middle = first + (last - first) / 2
    return [
        metrics.Selection(),
        metrics.Selection(campaigns=codes[:1]),
        metrics.Selection(campaigns=tuple(codes)),
        metrics.Selection(start=first + dt.timedelta(days=9), end=middle),
        metrics.Selection(start=middle.replace(day=1)),
        metrics.Selection(end=middle),
        metrics.Selection(start=first.replace(day=1), end=last, platforms=platforms[:2]),
        metrics.Selection(start=middle, end=middle),
        metrics.Selection(campaigns=codes[1:3], start=middle - dt.timedelta(days=40)),
    ]


@pytest.mark.parametrize(
    ("grain", "by"),
    [("total", ()), ("month", ()), ("total", ("campaign",)), ("month", ("platform",))],
)
def test_the_measures_from_months_equal_those_from_every_day(
    demo_warehouse: Warehouse, grain: str, by: tuple[str, ...]
) -> None:
    wh = demo_warehouse
    for sel in _selections(wh):
        sql, params = builder.build_query(CHANNEL_SUMS, sel, grain, by)
        assert "core.channel_month" in sql, sel
        from_months = builder.run_sql(wh, sql, params)
        sql, params = builder.build_query(CHANNEL_SUMS, sel, grain, by, months=False)
        assert "core.channel_month" not in sql
        from_days = builder.run_sql(wh, sql, params)
        assert len(from_days) > 0, sel
        pd.testing.assert_frame_equal(from_months, from_days, check_exact=False, rtol=1e-12)


def test_rules_that_look_at_each_day_read_every_day(demo_warehouse: Warehouse) -> None:
    """A campaign's own dates, approved periods, weeks and levels need each row's day."""
    rules = [
        (metrics.Selection(within_campaign_period=True), "total"),
        (metrics.Selection(approved_only=True), "total"),
        (metrics.Selection(), "week"),
        (metrics.Selection(), "day"),
    ]
    for sel, grain in rules:
        sql, _ = builder.build_query(["impressions"], sel, grain)
        assert "core.channel_month" not in sql, (sel, grain)
    sql, _ = builder.build_query(["followers", "reach_day_peak"], metrics.Selection())
    assert "core.channel_month" not in sql
