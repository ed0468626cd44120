"""Each post's figures to date, kept by the loader in ``core.post_figures``: after loads, a
correcting file, a refused load and undos the table equals its one definition
(``core.post_figures_of``) computed over all the current facts, and the Content page's posts
(the metrics layer) carry the figures worked out here by hand from the files loaded.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import duckdb
import pandas as pd
import pytest
from conftest import sql, write

from dashboard import metrics
from dashboard.metrics import lookups, posts
from etl import batches
from etl.accounts import User
from etl.load import load_file
from etl.reporting import ReportingSettings, take_step
from etl.warehouse import Warehouse

pytestmark = pytest.mark.usefixtures("fresh_cache")

HEADER = (
    "date,platform,post_id,post_url,impressions,reach,views,likes,comments,shares,saves,clicks,"
    "followers,time_window,published_at,format,language,title"
)
KEY = ["campaign_code", "platform", "post_id"]

# PDP-01: a post with three days of figures (the last without engagements), a post known only
# from two lifetime snapshots and no publication time, a post with both, and a channel row.
FIRST = [
    "2026-03-10,instagram,p1,https://instagram.com/p/p1,1000,700,,50,5,3,2,4,,day,"
    "2026-03-10 09:00,reel,kk,Деректер",
    "2026-03-11,instagram,p1,https://instagram.com/p/p1,500,450,,10,1,0,1,2,,day,,,,",
    "2026-03-12,instagram,p1,https://instagram.com/p/p1,300,200,,,,,,,,day,,,,",
    "2026-03-15,telegram,t1,https://t.me/c/t1,,900,3000,40,2,6,,,,lifetime,,text,ru,О данных",
    "2026-03-25,telegram,t1,https://t.me/c/t1,,1500,5000,60,4,9,,,,lifetime,,text,ru,О данных",
    "2026-03-20,instagram,p3,https://instagram.com/p/p3,2000,1200,,100,,,,,,day,"
    "2026-03-20 12:00,image,ru,Оба",
    "2026-03-28,instagram,p3,https://instagram.com/p/p3,2500,1300,,120,,,,,,lifetime,,,,",
    "2026-03-10,instagram,,,5000,4000,,70,,,,,900,day,,,,",
]
# FOE-02, on both platforms.
SECOND = [
    "2026-04-05,instagram,f1,https://instagram.com/p/f1,700,,,30,,,,,,day,2026-04-05 08:00,,,",
    "2026-04-06,instagram,f1,https://instagram.com/p/f1,400,,,20,,,,,,day,,,,",
    "2026-04-10,telegram,f2,https://t.me/c/f2,,,900,15,,,,,,lifetime,,,,",
]
# PDP-01 corrected: a day of p1 restated (figures left empty keep theirs), a snapshot of t1
# restated and a later one added, and a new post.
CORRECTION = [
    "2026-03-11,instagram,p1,https://instagram.com/p/p1,650,,,,,,,,,day,,,,",
    "2026-03-25,telegram,t1,https://t.me/c/t1,,1500,5200,60,4,9,,,,lifetime,,,,",
    "2026-04-01,telegram,t1,https://t.me/c/t1,,1800,6000,70,5,10,,,,lifetime,,,,",
    "2026-03-21,instagram,p4,https://instagram.com/p/p4,100,,,5,,,,,,day,2026-03-21 10:00,,,",
]
# FOE-02 again, after the correction.
LAST = [
    "2026-04-07,instagram,f1,https://instagram.com/p/f1,200,,,10,,,,,,day,,,,",
    "2026-04-20,telegram,f2,https://t.me/c/f2,,,1500,25,,,,,,lifetime,,,,",
]
# PDP-01 in May, which is approved: refused whole after its rows were written.
REFUSED = [
    "2026-05-04,instagram,p1,https://instagram.com/p/p1,999,,,9,,,,,,day,,,,",
    "2026-05-04,telegram,t1,https://t.me/c/t1,,,7000,80,,,,,,lifetime,,,,",
]

# The figures a reader sees for some posts, worked out from the rows above.
P1 = {  # 1000 + 500 + 300 impressions; engagements of the first two days (60 + 12)
    "basis": "daily", "impressions": 1800.0, "engagements": 72.0, "likes": 60.0,
    "impressions_rated": 1500.0, "reach_day_peak": 700.0, "reach_lifetime": None,
    "published_on": dt.date(2026, 3, 10), "figures_as_of": dt.date(2026, 3, 12),
}  # fmt: skip
P1_CORRECTED = {**P1, "impressions": 1950.0, "impressions_rated": 1650.0}
T1 = {  # the latest snapshot; dated by the first, as it has no publication time
    "basis": "lifetime", "impressions": None, "views": 5000.0, "engagements": 73.0,
    "likes": 60.0, "reach_lifetime": 1500.0, "reach_day_peak": None,
    "impressions_rated": None, "published_on": dt.date(2026, 3, 15),
    "published_on_estimated": True, "figures_as_of": dt.date(2026, 3, 25),
}  # fmt: skip
T1_CORRECTED = {
    **T1, "views": 6000.0, "engagements": 85.0, "likes": 70.0, "reach_lifetime": 1800.0,
    "figures_as_of": dt.date(2026, 4, 1),
}  # fmt: skip
P3 = {  # its daily figures; the lifetime snapshot only gives its lifetime reach
    "basis": "daily", "impressions": 2000.0, "engagements": 100.0, "reach_lifetime": 1300.0,
    "reach_day_peak": 1200.0, "figures_as_of": dt.date(2026, 3, 20),
}  # fmt: skip


# Days the campaigns' freshness is checked on: before, inside and after the months loaded.
FRESHNESS_DAYS = [
    dt.date(2026, m, d) for m, d in ((3, 9), (3, 11), (3, 13), (3, 31), (4, 6), (4, 19), (5, 31))
]


def _last_days(wh: Warehouse, as_of: dt.date) -> dict[str, dt.date | None]:
    """Each campaign's latest day with figures up to ``as_of``, as the dashboard shows it."""
    fresh = metrics.data_freshness(wh, as_of)
    return dict(zip(fresh["campaign"], fresh["last_metric_date"], strict=True))


def _file(folder: Path, name: str, rows: list[str]) -> Path:
    return write(folder / name, HEADER + "\n" + "\n".join(rows) + "\n")


def _load(wh: Warehouse, folder: Path, name: str, rows: list[str], campaign: str) -> int:
    result = load_file(wh, _file(folder, name, rows), campaign=campaign)
    assert result.status == "loaded", result.errors
    return result.batch_id


def _frame(wh: Warehouse, text: str) -> pd.DataFrame:
    con = duckdb.connect(str(wh.read_path), read_only=True)
    try:
        return con.execute(f"SELECT * FROM ({text}) ORDER BY ALL").df()
    finally:
        con.close()


def _kept(wh: Warehouse) -> pd.DataFrame:
    return _frame(wh, "SELECT * FROM core.post_figures")


def _months_of(rows: list[str]) -> set[str]:
    """The months (``YYYY-MM``) a file's rows are dated in, read off the rows."""
    return {row[:7] for row in rows}


def _reported(wh: Warehouse) -> dict[int, set[str]]:
    """Each batch's months as kept (``core.batch_month``)."""
    out: dict[int, set[str]] = {}
    for batch, month in sql(wh, "SELECT batch_id, strftime(month, '%Y-%m') FROM core.batch_month"):
        out.setdefault(batch, set()).add(month)
    return out


def _assert_kept_as_defined(wh: Warehouse) -> pd.DataFrame:
    """The kept table, checked against the definition over every current fact (NULLs too),
    one row per post with figures."""
    kept = _kept(wh)
    defined = _frame(wh, "SELECT * FROM core.post_figures_of('core.metric_observation')")
    pd.testing.assert_frame_equal(kept, defined)
    # and each current post beside its figures, as the content source reads them
    pd.testing.assert_frame_equal(
        _frame(wh, "SELECT * FROM core.post_content"),
        _frame(wh, "SELECT * FROM core.post_content_of('core.content_item')"),
    )
    # and the months each load's rows are dated in
    pd.testing.assert_frame_equal(
        _frame(wh, "SELECT * FROM core.batch_month"),
        _frame(wh, "SELECT * FROM core.batch_months_of('core.metric_observation')"),
    )
    # and each campaign's latest day with figures, read off the kept months, as the facts give it
    for as_of in FRESHNESS_DAYS:
        shown = {c: day for c, day in _last_days(wh, as_of).items() if day is not None}
        assert shown == dict(
            sql(
                wh,
                "SELECT campaign_code, max(metric_date) FROM metric_observations "
                "WHERE metric_date <= ? GROUP BY ALL",
                [as_of],
            )
        ), as_of
    listed = sql(wh, "SELECT campaign_code, platform, post_id FROM content_items ORDER BY ALL")
    assert sql(wh, f"SELECT {', '.join(KEY)} FROM core.post_content ORDER BY ALL") == listed
    assert not kept.duplicated(KEY).any()
    with_figures = sql(
        wh,
        "SELECT DISTINCT campaign_code, platform, post_id FROM metric_observations "
        "WHERE post_id <> '' AND time_window IN ('day', 'lifetime') ORDER BY ALL",
    )
    assert list(kept[KEY].itertuples(index=False, name=None)) == with_figures
    # every post with figures is listed: the best posts to date read their figures beside it
    assert set(with_figures) <= set(listed)
    return kept


def _content(wh: Warehouse) -> dict[tuple[str, str, str], dict]:
    """The Content page's posts (every post, through the metrics layer) by key."""
    listed = posts.all_posts(wh, metrics.Selection())
    out = {}
    for row in listed.to_dict("records"):
        clean = {k: (None if not isinstance(v, str | list) and pd.isna(v) else v)
                 for k, v in row.items()}  # fmt: skip
        if isinstance(clean["published_on"], pd.Timestamp | dt.datetime):
            clean["published_on"] = clean["published_on"].date()
        if isinstance(clean["figures_as_of"], pd.Timestamp | dt.datetime):
            clean["figures_as_of"] = clean["figures_as_of"].date()
        out[row["campaign_code"], row["platform"], row["post_id"]] = clean
    return out


def _assert_shows(wh: Warehouse, want: dict[tuple[str, str, str], dict]) -> None:
    got = _content(wh)
    for key, figures in want.items():
        assert key in got, key
        shown = {k: got[key][k] for k in figures}
        assert shown == figures, key


def _approve(wh: Warehouse, campaign: str, period: str) -> None:
    officer = User("olga", "Olga", "officer")
    monthly = ReportingSettings(period_months=1, due_days=15)
    take_step(wh, "submit", campaign, period, officer, settings=monthly)
    take_step(wh, "approve", campaign, period, officer, settings=monthly)


def test_kept_figures_equal_the_definition_after_loads_corrections_refusals_and_undos(
    programme: Warehouse, tmp_path: Path
) -> None:
    wh = programme
    assert _kept(wh).empty

    first = _load(wh, tmp_path, "first.csv", FIRST, "PDP-01")
    kept = _assert_kept_as_defined(wh)
    assert len(kept) == 3  # p1, p3, t1: not the channel
    # the days of the first file: the 10th to the 12th, the 15th, 20th, 25th and 28th of March
    assert _last_days(wh, dt.date(2026, 3, 11))["PDP-01"] == dt.date(2026, 3, 11)
    assert _last_days(wh, dt.date(2026, 3, 14))["PDP-01"] == dt.date(2026, 3, 12)
    assert _last_days(wh, dt.date(2026, 6, 1))["PDP-01"] == dt.date(2026, 3, 28)
    assert _last_days(wh, dt.date(2026, 3, 9))["PDP-01"] is None
    _assert_shows(
        wh,
        {("PDP-01", "instagram", "p1"): P1, ("PDP-01", "telegram", "t1"): T1,
         ("PDP-01", "instagram", "p3"): P3},
    )  # fmt: skip

    second = _load(wh, tmp_path, "second.csv", SECOND, "FOE-02")
    _assert_kept_as_defined(wh)
    # the first campaign's rows were left as they were
    pd.testing.assert_frame_equal(
        _kept(wh).query("campaign_code == 'PDP-01'").reset_index(drop=True), kept
    )
    _assert_shows(
        wh,
        {("FOE-02", "instagram", "f1"): {"impressions": 1100.0, "engagements": 50.0},
         ("FOE-02", "telegram", "f2"): {"basis": "lifetime", "views": 900.0}},
    )  # fmt: skip

    correction = _load(wh, tmp_path, "correction.csv", CORRECTION, "PDP-01")
    _assert_kept_as_defined(wh)
    # each load still shows the months it reported on, the rows the correction replaced too
    assert _reported(wh) == {
        first: _months_of(FIRST),
        second: _months_of(SECOND),
        correction: _months_of(CORRECTION),
    }
    corrected = {
        ("PDP-01", "instagram", "p1"): P1_CORRECTED,
        ("PDP-01", "telegram", "t1"): T1_CORRECTED,
        ("PDP-01", "instagram", "p3"): P3,
        ("PDP-01", "instagram", "p4"): {"impressions": 100.0, "engagements": 5.0},
    }
    _assert_shows(wh, corrected)

    # A load refused because May is approved wrote its rows and took them back: nothing moved.
    _approve(wh, "PDP-01", "2026-05")
    before = _kept(wh)
    refused = load_file(wh, _file(tmp_path, "refused.csv", REFUSED), campaign="PDP-01")
    assert (refused.status, refused.rows_loaded) == ("rejected", 0)
    pd.testing.assert_frame_equal(_assert_kept_as_defined(wh), before)
    _assert_shows(wh, corrected)

    last = _load(wh, tmp_path, "last.csv", LAST, "FOE-02")
    _assert_kept_as_defined(wh)
    _assert_shows(
        wh,
        {("FOE-02", "instagram", "f1"): {"impressions": 1300.0, "engagements": 60.0},
         ("FOE-02", "telegram", "f2"): {"views": 1500.0, "engagements": 25.0}},
    )  # fmt: skip

    # Undo a batch in the middle: the later one's figures stay, the undone ones go.
    batches.undo(wh, second, undone_by="olga")
    _assert_kept_as_defined(wh)
    assert set(_reported(wh)) == {first, correction, last}
    # FOE-02's latest days are now those of the last file only (the 7th and the 20th of April)
    assert _last_days(wh, dt.date(2026, 4, 19))["FOE-02"] == dt.date(2026, 4, 7)
    assert _last_days(wh, dt.date(2026, 4, 6))["FOE-02"] is None
    _assert_shows(
        wh,
        {("FOE-02", "instagram", "f1"): {"impressions": 200.0, "engagements": 10.0,
                                          "figures_as_of": dt.date(2026, 4, 7)},
         ("FOE-02", "telegram", "f2"): {"views": 1500.0, "figures_as_of": dt.date(2026, 4, 20)}},
    )  # fmt: skip
    _assert_shows(wh, corrected)

    # Undo the last one: the second campaign has no figures left.
    batches.undo(wh, last, undone_by="olga")
    kept = _assert_kept_as_defined(wh)
    assert set(kept["campaign_code"]) == {"PDP-01"}
    assert _last_days(wh, dt.date(2026, 6, 1))["FOE-02"] is None
    # the correction's snapshot of the 1st of April is PDP-01's latest day
    assert _last_days(wh, dt.date(2026, 6, 1))["PDP-01"] == dt.date(2026, 4, 1)

    # Undo the correction: the first file's figures are back, exactly.
    batches.undo(wh, correction, undone_by="olga")
    kept = _assert_kept_as_defined(wh)
    assert len(kept) == 3
    _assert_shows(
        wh,
        {("PDP-01", "instagram", "p1"): P1, ("PDP-01", "telegram", "t1"): T1,
         ("PDP-01", "instagram", "p3"): P3},
    )  # fmt: skip

    batches.undo(wh, first, undone_by="olga")
    assert _assert_kept_as_defined(wh).empty


def test_the_migration_fills_the_table_from_the_facts_of_an_existing_warehouse(
    programme: Warehouse, tmp_path: Path
) -> None:
    wh = programme
    _load(wh, tmp_path, "first.csv", FIRST, "PDP-01")
    _load(wh, tmp_path, "second.csv", SECOND, "FOE-02")
    _load(wh, tmp_path, "correction.csv", CORRECTION, "PDP-01")
    kept = _kept(wh)
    # The warehouse as it was before the table existed.
    with wh.writer() as con:
        con.execute("DROP VIEW post_figures")
        con.execute("DROP TABLE core.post_figures")
        con.execute("DROP MACRO TABLE core.post_figures_of")
        con.execute("DROP TABLE core.channel_month")
        con.execute("DROP MACRO TABLE core.channel_months_of")
        con.execute("DROP TABLE core.post_content")
        con.execute("DROP MACRO TABLE core.post_content_of")
        con.execute("DROP TABLE core.batch_month")
        con.execute("DROP MACRO TABLE core.batch_months_of")
        con.execute("DELETE FROM schema_migration WHERE version >= 10")
    # The next writer applies the migrations, the first of which fills it.
    assert wh.migrate()[-7:] == [10, 11, 12, 13, 14, 15, 16]
    pd.testing.assert_frame_equal(_assert_kept_as_defined(wh), kept)
    _assert_shows(wh, {("PDP-01", "instagram", "p1"): P1_CORRECTED})


@pytest.mark.parametrize("measure", lookups.TOP_POST_MEASURES)
def test_a_campaigns_best_posts_to_date_equal_those_of_a_period_spanning_its_days(
    demo_warehouse: Warehouse, measure: str
) -> None:
    """Over the whole campaign the ranking reads the kept figures to date; over a period it adds
    up the period's days: a period from the first day to the last gives the same posts."""
    wh = demo_warehouse
    (first, last), codes = (
        sql(wh, "SELECT min(metric_date), max(metric_date) FROM metric_observations")[0],
        [c for (c,) in sql(wh, "SELECT DISTINCT campaign_code FROM post_figures ORDER BY 1")],
    )
    assert len(codes) >= 3
    for code in codes:
        for platforms in ((), ("instagram", "telegram")):
            whole = metrics.Selection(campaigns=(code,), platforms=platforms)
            spanning = metrics.Selection(
                campaigns=(code,), platforms=platforms, start=first, end=last
            )
            to_date = lookups.top_posts(wh, whole, code, measure, 10, 100)
            by_days = lookups.top_posts(wh, spanning, code, measure, 10, 100)
            assert len(to_date) > 0 or platforms, code
            pd.testing.assert_frame_equal(to_date, by_days, check_exact=False, rtol=1e-12)
