"""The metrics layer: every measure against an independent computation, on the demo programme
and on small hand-made warehouses.

Expected values are computed here from the warehouse views with hand-written SQL or in Python,
never through ``dashboard.metrics``' own SQL builder.
"""

from __future__ import annotations

import copy
from collections import defaultdict
from datetime import date, timedelta

import duckdb
import pandas as pd
import pytest
from conftest import (
    METRICS_HEADER,
    PROGRAMME,
    _copy_warehouse,
    clear_caches,
    write,
    write_programme,
)

from dashboard import metrics as mx
from dashboard.status_text import reasons_text
from etl.demo import DATA_AS_OF
from etl.load import load_file
from etl.warehouse import Warehouse

# --------------------------------------------------------------------------------------------
# The demo programme
# --------------------------------------------------------------------------------------------


@pytest.fixture(scope="session")
def demo(tmp_path_factory, demo_template: Warehouse) -> Warehouse:
    folder = tmp_path_factory.mktemp("metrics-demo")
    return _copy_warehouse(demo_template, folder / "wh" / "warehouse.duckdb", accounts=True)


def fetch(wh: Warehouse, sql: str, params: list | None = None) -> list[tuple]:
    con = duckdb.connect(str(wh.read_path), read_only=True)
    try:
        return con.execute(sql, params or []).fetchall()
    finally:
        con.close()


def one(wh: Warehouse, sql: str, params: list | None = None):
    return fetch(wh, sql, params)[0][0]


ANY_ENGAGEMENT = (
    "(likes IS NOT NULL OR comments IS NOT NULL OR shares IS NOT NULL OR saves IS NOT NULL)"
)
ENG_SUM = (
    "sum(coalesce(likes, 0)) + sum(coalesce(comments, 0)) + sum(coalesce(shares, 0)) "
    "+ sum(coalesce(saves, 0))"
)

# Additive measures: one hand-written query over the views each.
DEMO_SQL = {
    "impressions": "SELECT sum(impressions) FROM channel_daily",
    "views": "SELECT sum(views) FROM channel_daily",
    "likes": "SELECT sum(likes) FROM channel_daily",
    "comments": "SELECT sum(comments) FROM channel_daily",
    "shares": "SELECT sum(shares) FROM channel_daily",
    "saves": "SELECT sum(saves) FROM channel_daily",
    "clicks": "SELECT sum(clicks) FROM channel_daily",
    "engagements": f"SELECT {ENG_SUM} FROM channel_daily",
    "engagements_on_impressions": f"SELECT {ENG_SUM} FROM channel_daily "
    "WHERE impressions IS NOT NULL",
    "impressions_with_engagements": "SELECT sum(impressions) FROM channel_daily "
    f"WHERE {ANY_ENGAGEMENT}",
    "engagements_on_reach": f"SELECT {ENG_SUM} FROM channel_daily WHERE reach_day IS NOT NULL",
    "reach_days": f"SELECT sum(reach_day) FROM channel_daily WHERE {ANY_ENGAGEMENT}",
    "clicks_on_impressions": "SELECT sum(clicks) FROM channel_daily WHERE impressions IS NOT NULL",
    "impressions_with_clicks": "SELECT sum(impressions) FROM channel_daily "
    "WHERE clicks IS NOT NULL",
    "content_items": "SELECT count(*) FROM content_items",
    # The demo's posts all have daily figures: a post's figures to date are their sum.
    "post_impressions": "SELECT sum(impressions) FROM post_daily "
    "SEMI JOIN content_items USING (campaign_code, platform, post_id)",
    "post_views": "SELECT sum(views) FROM post_daily "
    "SEMI JOIN content_items USING (campaign_code, platform, post_id)",
    "post_engagements": f"SELECT {ENG_SUM} FROM post_daily WHERE {ANY_ENGAGEMENT}",
    "post_engagements_on_impressions": f"SELECT {ENG_SUM} FROM post_daily "
    "WHERE impressions IS NOT NULL",
    "post_impressions_with_engagements": "SELECT sum(impressions) FROM post_daily "
    f"WHERE {ANY_ENGAGEMENT}",
    "spend_eur": "SELECT sum(amount_eur) FROM spend",
    "spend_lines_without_rate": "SELECT count(*) FROM spend WHERE amount_eur IS NULL",
    "spend_original": "SELECT sum(amount) FROM spend",
    "budget_eur": "SELECT sum(b.amount / (SELECT units_per_eur FROM exchange_rates x "
    "WHERE x.currency = b.currency ORDER BY month DESC LIMIT 1)) FROM budget_lines b",
    "budget_original": "SELECT sum(amount) FROM budget_lines",
    "events_held": "SELECT count(*) FROM events",
    "participants": "SELECT sum(participants) FROM participants",
    "feedback_responses": "SELECT count(*) FROM feedback",
    "positive_responses": "SELECT count(*) FROM feedback WHERE rating >= 4",
    "rated_responses": "SELECT count(*) FROM feedback WHERE rating IS NOT NULL",
    "rating_sum": "SELECT sum(rating) FROM feedback",  # every demo form rates 1 to 5
}


def _ratio(num, den, scale=1.0):
    return None if not den else num / den * scale


@pytest.fixture(scope="session")
def demo_expected(demo) -> dict[str, float]:
    exp = {k: float(one(demo, q)) for k, q in DEMO_SQL.items()}
    exp["engagement_rate"] = exp["engagements_on_impressions"] / exp["impressions_with_engagements"]
    exp["engagement_rate_reach"] = exp["engagements_on_reach"] / exp["reach_days"]
    exp["post_engagement_rate"] = (
        exp["post_engagements_on_impressions"] / exp["post_impressions_with_engagements"]
    )
    exp["click_through_rate"] = exp["clicks_on_impressions"] / exp["impressions_with_clicks"]
    exp["spend_execution"] = exp["spend_eur"] / exp["budget_eur"]
    exp["cost_per_mille"] = exp["spend_eur"] / exp["impressions"] * 1000
    exp["cost_per_engagement"] = exp["spend_eur"] / exp["engagements"]
    exp["positive_feedback_share"] = exp["positive_responses"] / exp["rated_responses"]
    exp["average_rating"] = exp["rating_sum"] / exp["rated_responses"]

    # Reach and followers in Python, from the rows.
    rows = fetch(
        demo, "SELECT campaign_code, platform, day, reach_day, followers FROM channel_daily"
    )
    reach = [r[3] for r in rows if r[3] is not None]
    exp["reach_day_peak"] = max(reach)
    exp["reach_day_average"] = sum(reach) / len(reach)
    per_day: dict[date, float] = defaultdict(float)
    for _, _, day, r, _ in rows:
        if r is not None:
            per_day[day] += r
    exp["reach_day_platform_sum"] = sum(per_day.values()) / len(per_day)
    series: dict[tuple[str, str], list[tuple[date, float]]] = defaultdict(list)
    for code, platform, day, _, f in rows:
        if f is not None:
            series[(code, platform)].append((day, f))
    exp["followers"] = sum(max(s)[1] for s in series.values())
    exp["follower_growth"] = sum(max(s)[1] - min(s)[1] for s in series.values())
    return exp


@pytest.fixture(scope="session")
def demo_totals(demo) -> dict[str, float | None]:
    return mx.totals(demo, list(mx.MEASURES))


def test_every_measure_has_an_independent_check(demo_expected):
    assert set(demo_expected) == set(mx.MEASURES)


@pytest.mark.parametrize("measure_id", list(mx.MEASURES))
def test_demo_total_equals_independent_computation(measure_id, demo_totals, demo_expected):
    expected = demo_expected[measure_id]
    if measure_id != "spend_lines_without_rate":  # every demo cost has its month's rate
        assert expected, f"the demo has no data for {measure_id}"
    assert demo_totals[measure_id] == pytest.approx(expected, rel=1e-9), measure_id


def test_demo_reach_is_never_the_sum_of_rows(demo_totals):
    # The one-day reach of all channel-days added up would be far larger than any reach measure.
    assert demo_totals["reach_days"] > 50 * demo_totals["reach_day_platform_sum"]
    assert demo_totals["reach_day_platform_sum"] < demo_totals["reach_days"]


def test_demo_filters_by_campaign_platform_and_period(demo):
    sel = mx.Selection(
        start=date(2026, 5, 1), end=date(2026, 5, 31), campaigns=("PDP-01",), platforms="instagram"
    )
    got = mx.totals(
        demo,
        ["impressions", "engagements", "followers", "follower_growth", "content_items",
         "spend_eur", "cost_per_mille"],
        sel,
    )  # fmt: skip
    where = (
        "campaign_code = 'PDP-01' AND platform = 'instagram' "
        "AND day BETWEEN DATE '2026-05-01' AND DATE '2026-05-31'"
    )
    assert got["impressions"] == one(
        demo, f"SELECT sum(impressions) FROM channel_daily WHERE {where}"
    )
    assert got["engagements"] == one(demo, f"SELECT {ENG_SUM} FROM channel_daily WHERE {where}")
    level = (
        "SELECT followers FROM channel_daily WHERE campaign_code = 'PDP-01' "
        "AND platform = 'instagram' AND day = ?"
    )
    end_level = one(demo, level, [date(2026, 5, 31)])
    assert got["followers"] == end_level
    assert got["follower_growth"] == end_level - one(demo, level, [date(2026, 4, 30)])
    assert got["content_items"] == one(
        demo,
        "SELECT count(*) FROM (SELECT post_id, min(day) AS first FROM post_daily "
        "WHERE campaign_code = 'PDP-01' AND platform = 'instagram' GROUP BY post_id) "
        "WHERE first BETWEEN DATE '2026-05-01' AND DATE '2026-05-31'",
    )
    # Spend is not recorded by platform: the platform filter does not apply to it, and a cost
    # per impression that would divide all spend by one platform's impressions is left empty.
    assert got["spend_eur"] == pytest.approx(
        one(
            demo,
            "SELECT sum(amount_eur) FROM spend WHERE campaign_code = 'PDP-01' "
            "AND spend_date BETWEEN DATE '2026-05-01' AND DATE '2026-05-31'",
        )
    )
    assert mx.ignored_filters("spend_eur", sel) == ["platforms (spend)"]
    assert got["cost_per_mille"] is None
    # Without the platform filter the cost per 1,000 impressions is there.
    both = mx.totals(
        demo, ["cost_per_mille", "spend_eur", "impressions"], mx.Selection(campaigns=("PDP-01",))
    )
    assert both["cost_per_mille"] == pytest.approx(both["spend_eur"] / both["impressions"] * 1000)


def test_any_selection_with_the_same_fields_is_accepted(demo):
    from types import SimpleNamespace

    other = SimpleNamespace(start=date(2026, 6, 1), end=None, campaigns=["CEN-04"], platforms=[])
    got = mx.totals(demo, ["impressions"], other)
    assert got["impressions"] == one(
        demo,
        "SELECT sum(impressions) FROM channel_daily WHERE campaign_code = 'CEN-04' "
        "AND day >= DATE '2026-06-01'",
    )


def test_demo_region_and_theme_select_campaigns(demo):
    by_region = mx.totals(demo, ["impressions"], mx.Selection(regions=("Semey",)))
    by_theme = mx.totals(demo, ["impressions"], mx.Selection(themes=("digital security",)))
    per_campaign = dict(
        fetch(demo, "SELECT campaign_code, sum(impressions) FROM channel_daily GROUP BY 1")
    )
    assert by_region["impressions"] == per_campaign["CEN-04"]
    assert by_theme["impressions"] == per_campaign["DSEC-03"]
    nothing = mx.totals(demo, ["impressions", "content_items"], mx.Selection(regions=("Mars",)))
    assert nothing["impressions"] is None and nothing["content_items"] == 0


def test_demo_breakdowns_add_up_and_stocks_do_not(demo, demo_totals):
    monthly = mx.query(
        demo, ["impressions", "followers", "follower_growth"], grain="month", by=["campaign"]
    )
    assert monthly["impressions"].sum() == demo_totals["impressions"]
    # Growth over the months telescopes to the growth over the whole period...
    assert monthly["follower_growth"].sum() == demo_totals["follower_growth"]
    # ...while follower levels are a stock: their sum over months is no follower count.
    assert monthly["followers"].sum() > 3 * demo_totals["followers"]
    last = monthly.sort_values("period").groupby("campaign")["followers"].last()
    assert last.sum() == demo_totals["followers"]
    # Month-end levels, from the rows.
    july = monthly[(monthly["period"] == "2026-07-01") & (monthly["campaign"] == "FOE-02")]
    assert july["followers"].item() == one(
        demo,
        "SELECT sum(followers) FROM channel_daily WHERE campaign_code = 'FOE-02' "
        "AND day = DATE '2026-07-31'",
    )
    weekly = mx.query(demo, ["impressions"], mx.Selection(campaigns=("ATI-05",)), "week")
    assert all(p.weekday() == 0 for p in weekly["period"])
    assert weekly["impressions"].sum() == one(
        demo, "SELECT sum(impressions) FROM channel_daily WHERE campaign_code = 'ATI-05'"
    )
    by_platform = mx.query(demo, ["impressions", "engagement_rate"], by=["platform"])
    assert by_platform["impressions"].sum() == demo_totals["impressions"]
    telegram = by_platform.set_index("platform").loc["telegram"]
    assert telegram.isna()["impressions"] and telegram.isna()["engagement_rate"]


def test_demo_kpis_and_pace(demo):
    kpis = mx.kpi_progress(demo, DATA_AS_OF).set_index(["campaign", "indicator_code"])
    ati = kpis.loc[("ATI-05", "OP1")]
    start, end = fetch(demo, "SELECT start_date, end_date FROM campaigns WHERE code = 'ATI-05'")[0]
    actual = one(
        demo,
        "SELECT sum(impressions) FROM channel_daily WHERE campaign_code = 'ATI-05' "
        "AND day BETWEEN ? AND ?",
        [start, DATA_AS_OF],
    )
    target = one(
        demo,
        "SELECT target FROM kpi_targets WHERE campaign_code = 'ATI-05' AND indicator_code = 'OP1'",
    )
    elapsed = ((DATA_AS_OF - start).days + 1) / ((end - start).days + 1)
    assert ati["actual"] == actual
    assert ati["achievement"] == pytest.approx(actual / target)
    assert ati["elapsed"] == pytest.approx(elapsed)
    assert ati["pace"] == pytest.approx(actual / target / elapsed)
    assert ati["status"] == "behind"
    assert kpis.loc[("ATI-05", "OP2"), "status"] == "behind"
    # Followers: a level against a baseline.
    op4 = kpis.loc[("ATI-05", "OP4")]
    level = one(
        demo,
        "SELECT sum(level) FROM (SELECT arg_max(followers, day) AS level FROM channel_daily "
        "WHERE campaign_code = 'ATI-05' AND day <= ? GROUP BY platform)",
        [DATA_AS_OF],
    )
    assert op4["actual"] == level
    assert op4["achievement"] == pytest.approx(
        (level - op4["baseline"]) / (op4["target"] - op4["baseline"])
    )
    # A percentage on the target's 0-100 scale, from the responses.
    pos, rated = fetch(
        demo,
        "SELECT count(*) FILTER (WHERE rating >= 4), count(rating) FROM feedback "
        "WHERE campaign_code = 'FOE-02'",
    )[0]
    oc1 = kpis.loc[("FOE-02", "OC1")]
    assert oc1["actual"] == pytest.approx(100 * pos / rated)
    # A share does not accumulate: it has met its target or not, and has no pace.
    assert oc1["status"] == ("met" if 100 * pos / rated >= oc1["target"] else "not met")
    assert pd.isna(oc1["pace"]) and pd.isna(oc1["expected"])
    # Followers are a level: the same.
    assert op4["status"] == ("met" if level >= op4["target"] else "not met")
    assert pd.isna(op4["pace"])
    # Cumulative counts keep their pace, and what they should have reached by now.
    assert ati["expected"] == pytest.approx(target * elapsed)
    on_track = kpis[kpis["status"] == "on track"]
    assert {"PDP-01", "CEN-04", "DSEC-03"} <= {c for c, _ in on_track.index}
    paced = kpis[kpis["cumulative"]]
    assert set(paced["status"]) <= {"on track", "behind", "ahead"}
    assert paced["pace"].notna().all()
    levels = kpis[~kpis["cumulative"]]
    assert len(levels) and set(levels["status"]) <= {"met", "not met"}
    assert levels["pace"].isna().all()


def test_demo_spend_pace_and_status(demo):
    spend = mx.spend_pace(demo, DATA_AS_OF).set_index("campaign")
    assert spend.loc["DSEC-03", "status"] == "overspending"
    assert list(spend.index[spend["status"] == "overspending"]) == ["DSEC-03"]
    dsec = spend.loc["DSEC-03"]
    spent = one(demo, "SELECT sum(amount_eur) FROM spend WHERE campaign_code = 'DSEC-03'")
    assert dsec["spend_eur"] == pytest.approx(spent)
    assert dsec["execution"] == pytest.approx(spent / dsec["budget_eur"])
    assert dsec["pace"] == pytest.approx(dsec["execution"] / dsec["elapsed"])
    assert dsec["pace"] > 1.15

    status = mx.campaign_status(demo, DATA_AS_OF).set_index("campaign")
    assert status.loc["ATI-05", "status"] == "behind"
    assert mx.Reason("kpi_behind", kpi="OP1") in status.loc["ATI-05", "reasons"]
    assert "OP1 behind pace" in reasons_text(status.loc["ATI-05", "reasons"], "en")
    assert status.loc["DSEC-03", "status"] == "at risk"
    assert status.loc["DSEC-03", "spend_status"] == "overspending"
    assert status.loc["PDP-01", "status"] == "on track"
    assert status.loc["CEN-04", "status"] == "on track"


def test_demo_no_data_for_fourteen_days(demo):
    fresh = mx.data_freshness(demo, DATA_AS_OF).set_index("campaign")
    assert set(fresh["last_metric_date"]) == {DATA_AS_OF}
    assert not fresh["no_recent_data"].any()
    assert fresh["last_load_at"].notna().all()
    later = mx.data_freshness(demo, DATA_AS_OF + timedelta(days=14))
    assert later["no_recent_data"].all() and set(later["days_without_data"]) == {14}
    assert not mx.data_freshness(demo, DATA_AS_OF + timedelta(days=13))["no_recent_data"].any()
    status = mx.campaign_status(demo, DATA_AS_OF + timedelta(days=20)).set_index("campaign")
    assert status.loc["PDP-01", "status"] == "at risk"
    assert mx.Reason("no_figures_for", days=20) in status.loc["PDP-01", "reasons"]
    assert "no figures for 20 days" in reasons_text(status.loc["PDP-01", "reasons"], "en")


# --------------------------------------------------------------------------------------------
# Hand-made warehouses
# --------------------------------------------------------------------------------------------

# PDP-01 runs 2026-03-01 to 2026-12-31. Channel rows (post_id empty):
# date, platform, post_id, post_url, impressions, reach, views, likes, comments, shares, saves,
# clicks, followers
ROWS = [
    # Instagram: day 1 rate 50/100 = 0.5, day 2 rate 9/900 = 0.01.
    "2026-03-02,instagram,,,100,80,,40,5,3,2,4,1000",
    "2026-03-03,instagram,,,900,700,,5,2,1,1,,1010",
    # Impressions but no engagement figures: not in the rate's denominator.
    "2026-03-04,instagram,,,1000,,,,,,,,",
    "2026-03-05,instagram,,,,,,,,,,,1030",
    # Telegram: views and engagements but no impressions: not in the rate's numerator.
    "2026-03-02,telegram,,,,300,500,20,,10,,,300",
    "2026-03-03,telegram,,,,200,600,12,,,,,",
    "2026-03-05,telegram,,,,,400,,,,,,310",
    # A post row: channel measures ignore it; it publishes one content item on 2026-03-03.
    "2026-03-03,instagram,p1,https://instagram.com/p/p1,600,500,,30,,,,,",
]
RATE = (50 + 9) / (100 + 900)

# KZT at the fixture's rates: March 603.5, April 604.5 per EUR; December 612.5.
SPEND_CSV = (
    "date,budget_line,amount,currency,description,reference\n"
    "2026-03-10,5.2,603500,KZT,Boosted posts,INV-1\n"
    "2026-04-15,5.1,1209000,KZT,Explainer video,INV-2\n"
)
PDP_BUDGET_KZT = 6_000_000 + 4_000_000 + 2_500_000
TARGET_HEADER = PROGRAMME["targets"][0]


def _target(code, metric, direction, baseline, target, cumulative="no", unit="#"):
    return ["PDP-01", code, f"Indicator {code}", "output", metric, unit, direction, baseline,
            "2025", target, cumulative]  # fmt: skip


@pytest.fixture(scope="session")
def small(tmp_path_factory, _programme_warehouse: Warehouse) -> Warehouse:
    """The two-campaign programme with PDP-01 metrics, spend and extra targets (read only)."""
    tmp_path = tmp_path_factory.mktemp("metrics-small")
    programme = _copy_warehouse(_programme_warehouse, tmp_path / "wh" / "warehouse.duckdb")
    sheets = copy.deepcopy(PROGRAMME)
    sheets["targets"] += [
        _target("CPM1", "cost_per_mille", "decrease", "2000", "1000"),
        _target("RCH1", "reach", "increase", "0", "50000"),
        _target("MM1", "media_mentions", "increase", "0", "20"),
        _target("FOL1", "followers", "increase", "1300", "1500"),
        _target("ER1", "engagement_rate", "increase", "2", "8", unit="%"),
    ]
    r = load_file(programme, write_programme(tmp_path / "programme2.xlsx", sheets))
    assert r.status == "loaded", r.errors
    metrics = write(tmp_path / "metrics.csv", METRICS_HEADER + "\n" + "\n".join(ROWS))
    r = load_file(programme, metrics, campaign="PDP-01")
    assert r.status == "loaded", r.errors
    r = load_file(programme, write(tmp_path / "spend.csv", SPEND_CSV), campaign="PDP-01")
    assert r.status == "loaded", r.errors
    return programme


def test_rates_are_ratios_of_sums(small):
    got = mx.totals(small, ["engagement_rate", "engagements", "impressions"])
    average_of_ratios = (0.5 + 0.01) / 2
    assert got["engagement_rate"] == pytest.approx(RATE)
    assert got["engagement_rate"] != pytest.approx(average_of_ratios)
    # Every engagement and impression is still counted in the additive totals.
    assert got["engagements"] == 50 + 9 + 30 + 12
    assert got["impressions"] == 2000
    daily = mx.query(small, ["engagement_rate"], grain="day", by=["platform"])
    ig = daily[daily["platform"] == "instagram"].set_index("period")["engagement_rate"]
    assert ig.loc["2026-03-02"] == 0.5 and ig.loc["2026-03-03"] == pytest.approx(0.01)
    # Rate by one-day reach: engagements / one-day reach on the channel-days reporting both.
    by_reach = mx.totals(small, ["engagement_rate_reach"])["engagement_rate_reach"]
    assert by_reach == pytest.approx((50 + 9 + 30 + 12) / (80 + 700 + 300 + 200))
    ctr = mx.totals(small, ["click_through_rate"])["click_through_rate"]
    assert ctr == pytest.approx(4 / 100)


def test_reach_is_never_summed(small):
    got = mx.totals(small, ["reach_day_peak", "reach_day_average", "reach_day_platform_sum"])
    assert got["reach_day_peak"] == 700
    assert got["reach_day_average"] == (80 + 700 + 300 + 200) / 4
    # Sum of platform reach per day (380 on the 2nd, 900 on the 3rd), averaged over the days:
    # what the label says, and not the 1,280 that adding every row would give.
    assert got["reach_day_platform_sum"] == (380 + 900) / 2
    label = mx.MEASURES["reach_day_platform_sum"].label
    assert "may double-count" in label and "average per day" in label
    daily = mx.query(small, ["reach_day_platform_sum"], grain="day").set_index("period")
    assert daily.loc["2026-03-02", "reach_day_platform_sum"] == 380
    assert daily.loc["2026-03-03", "reach_day_platform_sum"] == 900
    by_platform = mx.query(small, ["reach_day_platform_sum"], by=["platform"])
    assert dict(
        zip(by_platform["platform"], by_platform["reach_day_platform_sum"], strict=True)
    ) == {
        "instagram": (80 + 700) / 2,
        "telegram": (300 + 200) / 2,
    }
    for m in mx.MEASURES.values():
        if m.window and not m.component and m.aggregation != "ratio_of_sums":
            assert m.aggregation == "non_additive", m.id
    reported = mx.reach_by_window(small).set_index(["platform", "time_window"])
    assert reported.loc[("instagram", "day"), "reach_day_peak"] == 700
    assert reported.loc[("telegram", "day"), "reach_latest"] == 200


def test_followers_are_a_level_and_growth(small):
    got = mx.totals(small, ["followers", "follower_growth"])
    assert got["followers"] == 1030 + 310
    assert got["follower_growth"] == (1030 - 1000) + (310 - 300)
    # From the 3rd: growth counts from the last level before the period.
    later = mx.totals(small, ["followers", "follower_growth"], mx.Selection(start=date(2026, 3, 3)))
    assert later == {"followers": 1030 + 310, "follower_growth": (1030 - 1000) + (310 - 300)}
    # Up to the 3rd: levels at the end of the period.
    early = mx.totals(small, ["followers", "follower_growth"], mx.Selection(end=date(2026, 3, 3)))
    assert early == {"followers": 1010 + 300, "follower_growth": 10 + 0}
    daily = mx.query(small, ["followers", "follower_growth"], grain="day", by=["platform"])
    ig = daily[daily["platform"] == "instagram"].set_index("period")
    assert list(ig["followers"].dropna()) == [1000, 1010, 1030]
    assert list(ig["follower_growth"].dropna()) == [0, 10, 20]


def test_content_items_published_in_period(small):
    assert mx.totals(small, ["content_items"])["content_items"] == 1
    after = mx.totals(small, ["content_items"], mx.Selection(start=date(2026, 3, 4)))
    assert after["content_items"] == 0
    assert (
        mx.totals(small, ["content_items"], mx.Selection(platforms="telegram"))["content_items"]
        == 0
    )


def test_money_in_eur_at_the_booking_month_rate(small):
    got = mx.totals(
        small,
        ["spend_eur", "spend_original", "budget_eur", "budget_original", "spend_execution",
         "cost_per_mille", "cost_per_engagement"],
        mx.Selection(campaigns=("PDP-01",)),
    )  # fmt: skip
    spend = 603500 / 603.5 + 1209000 / 604.5
    budget = PDP_BUDGET_KZT / 612.5  # the latest rate loaded: December
    assert got["spend_eur"] == pytest.approx(spend)
    assert got["spend_original"] == 603500 + 1209000
    assert got["budget_eur"] == pytest.approx(budget)
    assert got["budget_original"] == PDP_BUDGET_KZT
    assert got["spend_execution"] == pytest.approx(spend / budget)
    assert got["cost_per_mille"] == pytest.approx(spend / 2000 * 1000)
    assert got["cost_per_engagement"] == pytest.approx(spend / (50 + 9 + 30 + 12))
    # The budget is not dated: execution over a period is that period's spend against the
    # budgets of the campaigns running in it (FOE-02 starts in April, so not by 31 March) ...
    march = mx.totals(small, ["spend_eur", "spend_execution"], mx.Selection(end=date(2026, 3, 31)))
    assert march["spend_eur"] == pytest.approx(1000)
    assert march["spend_execution"] == pytest.approx(1000 / budget)
    # ... unless every campaign is asked for, whatever its dates.
    every = mx.Selection(end=date(2026, 3, 31), campaigns_in_period=False)
    assert mx.totals(small, ["spend_execution"], every)["spend_execution"] == pytest.approx(
        1000 / (budget + 8_000_000 / 612.5)
    )
    by_currency = mx.query(small, ["spend_original", "spend_eur"], by=["currency", "heading"])
    assert list(by_currency["currency"]) == ["KZT"] and list(by_currency["heading"]) == [5]


def test_money_at_the_campaign_average_rate(small):
    rule = mx.Settings(fx_rule="campaign_average")
    got = mx.totals(small, ["spend_eur", "budget_eur"], mx.Selection(campaigns="PDP-01"), rule)
    average = sum(600 + m + 0.5 for m in range(3, 13)) / 10  # March to December
    assert got["spend_eur"] == pytest.approx(
        round(603500 / average, 2) + round(1209000 / average, 2)
    )
    assert got["budget_eur"] == pytest.approx(PDP_BUDGET_KZT / average)


def test_kpis_decreasing_unmapped_and_levels(small):
    as_of = date(2026, 4, 30)
    kpis = mx.kpi_progress(small, as_of, ["PDP-01"]).set_index("indicator_code")
    elapsed = 61 / 306  # March and April of March to December
    spend = 603500 / 603.5 + 1209000 / 604.5
    cpm = kpis.loc["CPM1"]
    assert cpm["actual"] == pytest.approx(spend / 2000 * 1000)
    assert cpm["achievement"] == pytest.approx((2000 - cpm["actual"]) / (2000 - 1000))
    assert cpm["elapsed"] == pytest.approx(elapsed)
    # a cost per mille is a rate meant to decrease: met when at or below its target, no pace
    assert pd.isna(cpm["pace"])
    assert cpm["status"] == ("met" if cpm["actual"] <= 1000 else "not met")
    for code in ("RCH1", "MM1"):
        assert kpis.loc[code, "status"] == "no data source"
        assert pd.isna(kpis.loc[code, "measure"]) and pd.isna(kpis.loc[code, "actual"])
    assert "cannot be added up" in kpis.loc["RCH1", "note"]
    fol = kpis.loc["FOL1"]
    assert fol["actual"] == 1030 + 310
    assert fol["achievement"] == pytest.approx((1340 - 1300) / (1500 - 1300))
    # A percentage indicator on the 0-100 scale.
    assert kpis.loc["ER1", "actual"] == pytest.approx(100 * RATE)
    assert kpis.loc["ER1", "achievement"] == pytest.approx((100 * RATE - 2) / (8 - 2))
    op1 = kpis.loc["OP1"]
    assert op1["actual"] == 2000 and op1["status"] == "behind"
    assert op1["achievement"] == pytest.approx(2000 / 2_000_000)
    before = mx.kpi_progress(small, date(2026, 2, 1), ["PDP-01"])
    assert set(before["status"]) == {"not started", "no data source"}


def test_no_recent_data_counts_from_the_last_figures_or_the_start(small):
    fresh = mx.data_freshness(small, date(2026, 3, 10)).set_index("campaign")
    assert fresh.loc["PDP-01", "last_metric_date"] == date(2026, 3, 5)
    assert fresh.loc["PDP-01", "days_without_data"] == 5
    # FOE-02 has not started: nothing is missing yet.
    assert fresh.loc["FOE-02", "last_metric_date"] is None
    assert not fresh["no_recent_data"].any()
    later = mx.data_freshness(small, date(2026, 4, 14)).set_index("campaign")
    assert later.loc["PDP-01", "no_recent_data"] and later.loc["PDP-01", "days_without_data"] == 40
    assert later.loc["FOE-02", "days_without_data"] == 14 and later.loc["FOE-02", "no_recent_data"]
    assert not mx.data_freshness(small, date(2026, 4, 13), ["FOE-02"])["no_recent_data"].any()
    status = mx.campaign_status(small, date(2026, 4, 14)).set_index("campaign")
    foe = reasons_text(status.loc["FOE-02", "reasons"], "en")
    assert "no figures loaded, 14 days after the start" in foe
    assert status.loc["PDP-01", "status"] == "behind"  # impressions far behind pace


def test_pure_pace_rules():
    assert mx.achievement(30, 50, 10, "decrease") == pytest.approx(0.5)
    assert mx.achievement(60, 50, 10, "decrease") == pytest.approx(-0.25)
    assert mx.achievement(30, None, 10, "decrease") is None
    assert mx.achievement(150, 100, 300, "increase", cumulative=True) == pytest.approx(0.5)
    assert mx.achievement(150, 100, 300, "increase", cumulative=False) == pytest.approx(0.25)
    assert mx.elapsed_share(date(2026, 1, 1), date(2026, 1, 10), date(2026, 1, 5)) == 0.5
    assert mx.elapsed_share(date(2026, 1, 1), date(2026, 1, 10), date(2025, 12, 1)) == 0
    assert mx.elapsed_share(date(2026, 1, 1), date(2026, 1, 10), date(2027, 1, 1)) == 1
    assert mx.pace_status(0.86) == "on track" and mx.pace_status(0.84) == "behind"
    assert mx.pace_status(1.16) == "ahead" and mx.pace_status(1.14) == "on track"
    assert mx.pace_status(0.9, band=0.05) == "behind"


def test_a_rate_is_met_or_not_and_only_counts_have_a_pace():
    # a satisfaction share of 91 against a target of 80 from a baseline of 60: met, not "pace"
    rate = mx.progress(91, 60, 80, "increase", False, elapsed=0.2, started=True, what="share")
    assert rate.status == "met" and rate.pace is None
    assert rate.achievement == pytest.approx((91 - 60) / (80 - 60))
    short = mx.progress(79.9, 60, 80, "increase", False, elapsed=1.0, started=True, what="x")
    assert short.status == "not met" and short.pace is None
    # a level without a baseline still has a verdict
    assert (
        mx.progress(5, None, 5, "increase", False, elapsed=0.5, started=True, what="x").status
        == "met"
    )
    # a cost meant to decrease: met at or below its target
    assert (
        mx.progress(9, 20, 10, "decrease", False, elapsed=0.1, started=True, what="x").status
        == "met"
    )
    assert (
        mx.progress(11, 20, 10, "decrease", False, elapsed=0.1, started=True, what="x").status
        == "not met"
    )
    # a count that accumulates: 300 of 1000 with half the period gone is 60% of the pace
    count = mx.progress(300, None, 1000, "increase", True, elapsed=0.5, started=True, what="x")
    assert count.pace == pytest.approx(0.6) and count.status == "behind"
    assert mx.expected_by_now(1000, 0.5, True) == 500 and mx.expected_by_now(80, 0.5, False) is None


def test_spend_pace_flags_under_and_overspending(small):
    # PDP-01 spent about 14.6% of its budget by the end of April (elapsed 61/306 = 19.9%):
    # underspending with the default band, on plan with a wide one.
    pace = mx.spend_pace(small, date(2026, 4, 30)).set_index("campaign")
    assert pace.loc["PDP-01", "status"] == "underspending"
    assert pace.loc["FOE-02", "spend_eur"] == 0 and pace.loc["FOE-02", "status"] == "underspending"
    wide = mx.spend_pace(small, date(2026, 4, 30), ["PDP-01"], mx.Settings(band=0.3))
    assert list(wide["status"]) == ["on plan"]
    early = mx.spend_pace(small, date(2026, 3, 10), ["PDP-01"]).iloc[0]
    assert early["status"] == "overspending" and not early["over_budget"]


def test_build_query_is_pure_and_refuses_what_it_cannot_compute():
    sql, params = mx.build_query(
        ["impressions", "engagement_rate"],
        mx.Selection(start=date(2026, 3, 1), campaigns=("PDP-01",)),
        "month",
        ["platform"],
    )
    assert "channel_daily" in sql and params["campaigns"] == ["PDP-01"]
    assert params["start"] == date(2026, 3, 1)
    with pytest.raises(ValueError, match="not recorded by platform"):
        mx.build_query(["cost_per_mille"], by=["platform"])
    with pytest.raises(ValueError, match="not dated"):
        mx.build_query(["budget_eur"], grain="month")
    with pytest.raises(ValueError, match="unknown measure"):
        mx.build_query(["people_reached"])
    assert mx.unavailable("impressions", "week", ["campaign", "platform"]) is None


def test_every_measure_is_fully_defined():
    for m in mx.MEASURE_LIST:
        assert m.label and m.definition.endswith("."), m.id
        assert m.unit in mx.UNITS and m.aggregation in mx.AGGREGATIONS, m.id
        if m.is_ratio:
            assert m.numerator in mx.MEASURES and m.denominator in mx.MEASURES, m.id
        elif m.aggregation != "stock_change":
            assert m.source in mx.SOURCES and m.formula, m.id
    for name, mid in mx.INDICATOR_MEASURES.items():
        assert mid in mx.MEASURES, name


def test_metrics_doc_is_current():
    text = mx.DOC_PATH.read_text(encoding="utf-8")
    assert mx.render_doc(text) == text, (
        "run `python -m dashboard.metrics` to update docs/metrics.md"
    )
    for m in mx.MEASURE_LIST:
        assert f"`{m.id}`" in text


def test_statuses_are_kept_until_a_load_is_published(programme: Warehouse, tmp_path) -> None:
    """A page rerun reuses a computed status; a newly published load recomputes it."""
    clear_caches()
    day = date(2026, 3, 20)
    before = mx.spend_pace(programme, day, ("PDP-01",))
    assert before.loc[0, "spend_eur"] == 0
    assert mx.spend_pace(programme, day, ("PDP-01",)).equals(before)  # from the cache

    r = load_file(programme, write(tmp_path / "spend.csv", SPEND_CSV), campaign="PDP-01")
    assert r.status == "loaded", r.errors
    after = mx.spend_pace(programme, day, ("PDP-01",))
    assert after.loc[0, "spend_eur"] == pytest.approx(603_500 / 603.5)  # March's line, in EUR
    status = mx.campaign_status(programme, day, ("PDP-01",)).set_index("campaign")
    assert status.loc["PDP-01", "spend_status"] == after.loc[0, "status"]
    clear_caches()
