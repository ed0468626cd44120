"""The Campaign page, driven through AppTest on the demo programme, and its chart builders.

Expected figures come from plain SQL on the warehouse file (``channel_daily``, ``spend``,
``budget_lines`` with ``exchange_rates``, ``kpi_targets``), never through the dashboard's code.
"""

from __future__ import annotations

import datetime as dt
import re

import pandas as pd
import pytest
from conftest import open_page, open_tab, sql, tiles

from dashboard.charts import PLATFORM_COLOURS
from dashboard.charts import campaign as charts
from etl.warehouse import Warehouse

NBSP = "\u00a0"
CODE = "ATI-05"

ENG = (
    "CASE WHEN coalesce(likes, comments, shares, saves) IS NULL THEN NULL "
    "ELSE coalesce(likes, 0) + coalesce(comments, 0) + coalesce(shares, 0) "
    "+ coalesce(saves, 0) END"
)


pytestmark = pytest.mark.usefixtures("fresh_cache")


def one(wh: Warehouse, query: str, params: list | None = None):
    return sql(wh, query, params)[0][0]


def number(text: str) -> float:
    """A tile's English number: '€1,234.50' -> 1234.5, '+726' -> 726."""
    return float(re.sub(r"[^\d.\-]", "", text))


def channel_totals(wh: Warehouse, code: str, start: dt.date | None = None) -> dict[str, float]:
    where = "campaign_code = ?" + (" AND day >= ?" if start else "")
    params = [code, start] if start else [code]
    row = sql(
        wh,
        f"""
        SELECT sum(impressions), sum(views), sum(eng),
               sum(eng) FILTER (WHERE impressions IS NOT NULL),
               sum(impressions) FILTER (WHERE eng IS NOT NULL)
        FROM (SELECT *, {ENG} AS eng FROM channel_daily WHERE {where})
        """,
        params,
    )[0]
    return {
        "impressions": row[0],
        "views": row[1],
        "engagements": row[2],
        "engagement_rate": row[3] / row[4],
    }


def spend_eur(wh: Warehouse, code: str, start: dt.date | None = None) -> float:
    """Each cost at the rate of the month it was booked (EUR costs as they are)."""
    where = "s.campaign_code = ?" + (" AND s.spend_date >= ?" if start else "")
    params = [code, start] if start else [code]
    return one(
        wh,
        f"""
        SELECT sum(CASE WHEN s.currency = 'EUR' THEN s.amount::DOUBLE
                        ELSE round(s.amount::DOUBLE / x.units_per_eur, 2) END)
        FROM spend s LEFT JOIN exchange_rates x
          ON x.currency = s.currency AND x.month = date_trunc('month', s.spend_date)
        WHERE {where}
        """,
        params,
    )


def budget_eur(wh: Warehouse, code: str) -> float:
    """Each budget line at the latest rate loaded for its currency."""
    return one(
        wh,
        """
        SELECT sum(CASE WHEN b.currency = 'EUR' THEN b.amount::DOUBLE
                        ELSE b.amount::DOUBLE / x.units_per_eur END)
        FROM budget_lines b
        LEFT JOIN (SELECT currency, arg_max(units_per_eur, month) AS units_per_eur
                   FROM exchange_rates GROUP BY currency) x ON x.currency = b.currency
        WHERE b.campaign_code = ?
        """,
        [code],
    )


# --- the page on the demo programme -----------------------------------------------------------


def test_headline_tiles_and_kpis_equal_sql(demo_warehouse: Warehouse, monkeypatch) -> None:
    wh = demo_warehouse
    at = open_page(monkeypatch, wh, "campaign", campaign=CODE)

    assert at.title[0].value == "Campaign"
    assert at.selectbox(key="campaign_pick").value == CODE
    assert at.query_params["campaign"] == CODE
    got = tiles(at)
    want = channel_totals(wh, CODE)
    assert number(got["Impressions"]) == want["impressions"]
    assert number(got["Views"]) == want["views"]
    assert number(got["Engagements"]) == want["engagements"]
    assert got["Engagement rate"] == f"{want['engagement_rate']:.2%}"
    followers = one(
        wh,
        "SELECT sum(level) FROM (SELECT arg_max(followers, day) AS level FROM channel_daily "
        "WHERE campaign_code = ? AND followers IS NOT NULL GROUP BY platform)",
        [CODE],
    )
    assert number(got["Followers (level)"]) == followers
    posts = one(wh, "SELECT count(*) FROM content_items WHERE campaign_code = ?", [CODE])
    assert number(got["Content items published"]) == posts
    spend, budget = spend_eur(wh, CODE), budget_eur(wh, CODE)
    assert number(got["Spend EUR"]) == round(spend)
    assert number(got["Budget EUR"]) == round(budget)
    assert number(got["Cost per 1,000 impressions"]) == round(spend / want["impressions"] * 1000, 2)
    spend_tile = next(m for m in at.metric if m.label == "Spend EUR")
    assert spend_tile.delta == f"{spend / budget:.1%} of the budget"

    # OP1 counts impressions since the start, against its life-of-project target, at today
    start, end, target = sql(
        wh,
        "SELECT c.start_date, c.end_date, t.target FROM kpi_targets t "
        "JOIN campaigns c ON c.code = t.campaign_code "
        "WHERE t.campaign_code = ? AND t.indicator_code = 'OP1' AND t.cumulative",
        [CODE],
    )[0]
    today = dt.date.today()
    open_tab(at, "kpis")
    actual = one(
        wh,
        "SELECT sum(impressions) FROM channel_daily WHERE campaign_code = ? "
        "AND day BETWEEN ? AND ? AND day <= ?",
        [CODE, start, end, today],
    )
    elapsed = min(1.0, max(0.0, ((today - start).days + 1) / ((end - start).days + 1)))
    pace = actual / target / elapsed
    status = "behind" if pace < 0.85 else "ahead" if pace > 1.15 else "on track"
    kpis = at.session_state["_downloads"]["campaign_kpis"].set_index("indicator_code")
    assert kpis.loc["OP1", "actual"] == actual
    assert kpis.loc["OP1", "achievement"] == pytest.approx(actual / target)
    assert kpis.loc["OP1", "status"] == status
    shown = next(df.value for df in at.dataframe if "indicator" in df.value.columns)
    row = shown[shown["indicator"].str.startswith("OP1 ")].iloc[0]
    assert row["status"] == f"{charts.status_icon(status)} {status}"

    # the overview's tiles are all the first tab draws; each other tab draws its sections,
    # with their downloads
    assert "campaign_series" not in at.session_state["_downloads"]
    for tab in ("reach", "content", "budget", "feedback", "data"):
        open_tab(at, tab)
    downloads = at.session_state["_downloads"]
    for key in ("campaign_series", "campaign_mix", "campaign_reach", "campaign_top",
                "campaign_budget_lines", "campaign_burnup", "campaign_comments",
                "campaign_loads"):  # fmt: skip
        assert key in downloads, key
    top = downloads["campaign_top"]
    best = sql(
        wh,
        "SELECT post_id, sum(impressions) FROM post_daily WHERE campaign_code = ? "
        "GROUP BY post_id ORDER BY 2 DESC, 1 LIMIT 10",
        [CODE],
    )
    assert list(top["post_id"]) == [p for p, _ in best]
    assert list(top["impressions"]) == [v for _, v in best]
    assert top["url"].str.startswith("https://").all()
    lines = downloads["campaign_budget_lines"].set_index("budget_line")
    assert lines["spend_eur"].sum() == pytest.approx(spend)
    assert lines["budget_eur"].sum() == pytest.approx(budget)
    comments = downloads["campaign_comments"]
    latest = sql(
        wh,
        "SELECT comment FROM feedback WHERE campaign_code = ? AND trim(comment) <> '' "
        "ORDER BY submitted_at DESC LIMIT 5",
        [CODE],
    )
    assert list(comments["comment"]) == [c for (c,) in latest]

    # in Russian: the same figures, Russian labels and number formats, the language in the link;
    # the open tab stays open
    open_tab(at, "kpis")
    at.selectbox(key="lang").set_value("ru").run()
    assert not at.exception
    assert at.query_params["lang"] == "ru"
    assert at.title[0].value == "Кампания"
    assert any(s.value == "Целевые показатели и темп" for s in at.subheader)
    open_tab(at, "overview", lang="ru")
    got = tiles(at)
    assert got["Показы"] == f"{int(want['impressions']):,}".replace(",", NBSP)
    rate = f"{want['engagement_rate'] * 100:.2f}".replace(".", ",")
    assert got["Уровень вовлечённости"] == f"{rate}{NBSP}%"
    assert got["Расходы, EUR"] == f"{round(spend):,}".replace(",", NBSP) + f"{NBSP}€"


def test_the_period_changes_the_figures(demo_warehouse: Warehouse, monkeypatch) -> None:
    wh = demo_warehouse
    first = one(wh, "SELECT min(day) FROM channel_daily WHERE campaign_code = ?", [CODE])
    start = first + dt.timedelta(days=60)
    at = open_page(monkeypatch, wh, "campaign", campaign=CODE, **{"from": start.isoformat()})

    got = tiles(at)
    want = channel_totals(wh, CODE, start)
    assert number(got["Impressions"]) == want["impressions"]
    assert number(got["Impressions"]) < channel_totals(wh, CODE)["impressions"]
    assert got["Engagement rate"] == f"{want['engagement_rate']:.2%}"
    assert number(got["Spend EUR"]) == round(spend_eur(wh, CODE, start))
    assert number(got["Budget EUR"]) == round(budget_eur(wh, CODE))  # budgets are not dated

    later = start + dt.timedelta(days=45)
    at.date_input(key="filter_from").set_value(later).run()
    assert not at.exception
    assert number(tiles(at)["Impressions"]) == channel_totals(wh, CODE, later)["impressions"]
    assert at.query_params["from"] == later.isoformat()
    assert at.query_params["campaign"] == CODE

    # a platform filter narrows channel figures; spend is not split by platform
    at.multiselect(key="filter_platforms").set_value(["facebook"]).run()
    assert not at.exception
    facebook = one(
        wh,
        "SELECT sum(impressions) FROM channel_daily WHERE campaign_code = ? "
        "AND platform = 'facebook' AND day >= ?",
        [CODE, later],
    )
    assert number(tiles(at)["Impressions"]) == facebook
    assert tiles(at)["Cost per 1,000 impressions"] == "—"
    open_tab(at, "reach")
    series = at.session_state["_downloads"]["campaign_series"]
    assert set(series["platform"]) == {"facebook"}


def test_an_unknown_code_warns_and_falls_back(demo_warehouse: Warehouse, monkeypatch) -> None:
    at = open_page(monkeypatch, demo_warehouse, "campaign", campaign="NOPE-99")

    assert any("NOPE-99" in w.value.replace("\\", "") for w in at.warning)  # escaped Markdown
    first = one(demo_warehouse, "SELECT min(code) FROM campaigns")
    assert at.selectbox(key="campaign_pick").value == first
    assert at.query_params["campaign"] == first

    # picking a campaign writes it to the link and the figures follow; the measure and grain
    # pickers redraw the series, the ranking picker the top posts
    at.selectbox(key="campaign_pick").set_value("PDP-01").run()
    assert not at.exception
    assert at.query_params["campaign"] == "PDP-01"
    assert not any("NOPE-99" in w.value for w in at.warning)
    impressions = channel_totals(demo_warehouse, "PDP-01")["impressions"]
    assert number(tiles(at)["Impressions"]) == impressions
    open_tab(at, "reach")
    at.segmented_control(key="campaign_measure").set_value("followers")
    at.segmented_control(key="campaign_grain").set_value("month")
    at.run()
    assert not at.exception
    # the ranking picker is in another tab; the series' choices stay when it is left and opened
    open_tab(at, "content")
    at.segmented_control(key="campaign_top_measure").set_value("engagement_rate").run()
    assert not at.exception
    open_tab(at, "reach")
    assert at.segmented_control(key="campaign_measure").value == "followers"
    assert at.segmented_control(key="campaign_grain").value == "month"
    series = at.session_state["_downloads"]["campaign_series"]
    assert list(series.columns) == ["period", "platform", "followers"]
    assert (pd.to_datetime(series["period"]).dt.day == 1).all()
    last = series[series["period"] == series["period"].max()]["followers"].sum()
    assert last == one(
        demo_warehouse,
        "SELECT sum(level) FROM (SELECT arg_max(followers, day) AS level FROM channel_daily "
        "WHERE campaign_code = 'PDP-01' AND followers IS NOT NULL GROUP BY platform)",
    )
    open_tab(at, "content")
    assert at.segmented_control(key="campaign_top_measure").value == "engagement_rate"
    rates = at.session_state["_downloads"]["campaign_top"]["engagement_rate"]
    assert list(rates) == sorted(rates, reverse=True)


def test_a_campaign_without_figures_says_what_to_load(
    programme_template: Warehouse, monkeypatch
) -> None:
    at = open_page(monkeypatch, programme_template, "campaign", campaign="PDP-01")

    infos = " ".join(i.value for i in at.info)
    for tab in ("kpis", "reach", "budget", "feedback"):
        infos += " ".join(i.value for i in open_tab(at, tab).info)
    assert "No social-media figures for PDP-01" in infos
    assert "No spend booked for PDP-01" in infos
    assert "No feedback for PDP-01" in infos
    assert "Upload page" in infos and "`campaigns" not in infos
    assert tiles(open_tab(at, "overview"))["Impressions"] == "—"
    kpis = at.session_state["_downloads"]["campaign_kpis"]
    assert list(kpis["status"]) == ["no data"]


# --- chart builders ---------------------------------------------------------------------------


def test_burn_forecast_is_the_daily_rate_so_far_times_all_days() -> None:
    start, end = dt.date(2026, 1, 1), dt.date(2026, 4, 10)  # 100 days
    assert charts.burn_forecast(1000.0, start, end, dt.date(2026, 1, 10)) == 10_000.0
    assert charts.burn_forecast(500.0, start, end, dt.date(2026, 2, 19)) == 1000.0  # day 50
    assert charts.burn_forecast(800.0, start, end, dt.date(2026, 6, 1)) == 800.0  # over
    assert charts.burn_forecast(0.0, start, end, dt.date(2025, 12, 31)) is None


def test_burn_up_draws_spend_plan_and_a_dashed_forecast() -> None:
    start, end, as_of = dt.date(2026, 1, 1), dt.date(2026, 4, 10), dt.date(2026, 1, 10)
    daily = pd.DataFrame(
        {
            "period": pd.to_datetime(["2025-12-20", "2026-01-03", "2026-01-10", "2026-02-01"]),
            "spend_eur": [100.0, 300.0, 600.0, 5000.0],
        }
    )
    cumulative = charts.cumulative_spend(daily, start, as_of)
    assert len(cumulative) == 10
    assert cumulative["cumulative_eur"].tolist()[:3] == [100.0, 100.0, 400.0]
    assert cumulative["cumulative_eur"].iloc[-1] == 1000.0  # February is after as_of
    labels = {k: k for k in ("spend", "plan", "forecast", "budget", "x", "y")}
    fig = charts.burn_up(cumulative, 8000.0, start, end, as_of, labels)
    traces = {t.name: t for t in fig.data}
    assert list(traces) == ["plan", "spend", "forecast"]
    assert list(traces["plan"].y) == [0.0, 8000.0]
    assert traces["forecast"].line.dash == "dash"
    assert list(traces["forecast"].y) == [1000.0, 10_000.0]
    assert traces["spend"].line.shape == "hv"
    assert fig.layout.shapes[0].y0 == 8000.0  # the budget line


def test_series_by_platform_keeps_platform_colours_and_order() -> None:
    df = pd.DataFrame(
        {
            "period": pd.to_datetime(["2026-03-02", "2026-03-09"] * 3),
            "platform": ["telegram", "telegram", "instagram", "instagram", "x", "x"],
            "impressions": [None, None, 10.0, 20.0, 5.0, 7.0],
        }
    )
    fig = charts.series_by_platform(df, "impressions", {"y": "Imp", "x": "Week", "legend": "P"})
    assert [t.name for t in fig.data] == ["Instagram", "Telegram", "X"]
    assert [t.line.color for t in fig.data] == [
        PLATFORM_COLOURS["instagram"],
        PLATFORM_COLOURS["telegram"],
        PLATFORM_COLOURS["x"],
    ]
    assert list(fig.data[0].y) == [10.0, 20.0]
    assert len(fig.data[1].y) == 0  # no impressions reported: no made-up zeros
    assert fig.layout.yaxis.title.text == "Imp"
    assert "%{y:,.0f}" in fig.data[0].hovertemplate


def test_platform_shares_and_mix() -> None:
    df = pd.DataFrame(
        {
            "platform": ["telegram", "facebook", "instagram"],
            "impressions": [None, 300.0, 100.0],
            "views": [50.0, 25.0, 25.0],
        }
    )
    measures = {"impressions": "Impressions", "views": "Views"}
    shares = charts.platform_shares(df, measures)
    imp = shares[shares["measure"] == "impressions"].set_index("platform")["share"]
    assert imp.to_dict() == {"instagram": 0.25, "facebook": 0.75}
    views = shares[shares["measure"] == "views"].set_index("platform")["share"]
    assert views.to_dict() == {"instagram": 0.25, "telegram": 0.5, "facebook": 0.25}
    fig = charts.platform_mix(shares, measures, "Share")
    assert [t.name for t in fig.data] == ["Instagram", "Telegram", "Facebook"]
    assert fig.data[1].marker.color == PLATFORM_COLOURS["telegram"]
    assert list(fig.data[2].x) == [75.0, 25.0]  # drawn as percentages
    assert fig.layout.barmode == "stack"


KPI_LABELS = {
    "axis": "X",
    "actual": "Actual",
    "target": "Target",
    "baseline": "Baseline",
    "expected": "Expected by now",
    "pace": "Pace",
    "status_title": "Status",
    "statuses": {"behind": "behind", "met": "met", "no data": "no data"},
}


def test_kpi_chart_has_a_legend_a_baseline_and_pace_only_for_counts() -> None:
    kpis = pd.DataFrame(
        {
            "indicator_code": ["OP1", "OC1", "OP3"],
            "indicator": ["Impressions", "Share of satisfied participants", "Participants"],
            "status": ["behind", "met", "no data"],
            "cumulative": [True, False, True],
            "pace": [0.5, None, None],
            "unit": ["#", "%", "#"],
            "baseline": [None, 60.0, None],
            "target": [1_000_000.0, 80.0, 500.0],
            "actual": [300_000.0, 91.0, None],
            "expected": [600_000.0, None, None],
        }
    )
    fig = charts.kpi_bullets(charts.kpi_bullet_rows(kpis), KPI_LABELS)
    names = [trace.name for trace in fig.data]
    # a legend entry for every colour: each status shown, the target, baseline and expected tick
    assert names == ["behind", "met", "Target", "Baseline", "Expected by now"]
    assert fig.layout.showlegend is True
    behind, met, target, baseline, expected = fig.data
    assert behind.marker.color == charts.STATUS_COLOURS["behind"]
    assert met.marker.color == charts.STATUS_COLOURS["met"]
    assert list(behind.x) == [30.0] and list(met.x) == [pytest.approx(91 / 80 * 100)]
    assert set(target.x) == {100.0} and set(target.y) == {"OP1", "OC1"}  # no bar without data
    assert list(baseline.y) == ["OC1"] and list(baseline.x) == [pytest.approx(75.0)]
    # what a count should have reached by now: only for the count, never for the rate
    assert list(expected.y) == ["OP1"] and list(expected.x) == [pytest.approx(60.0)]
    # the hover: the KPI's figures in its own unit; pace and what is expected only for the count
    assert "Pace" not in met.hovertemplate and "Expected by now" not in met.hovertemplate
    assert list(met.customdata[0])[1:4] == ["91.0%", "80.0%", "60.0%"]
    assert met.customdata[0][6] == "met" and "Status: %{customdata[6]}" in met.hovertemplate
    assert "Pace: %{customdata[5]}" in behind.hovertemplate
    assert list(behind.customdata[0])[1:6] == ["300,000", "1,000,000", "—", "600,000", "50.0%"]


def test_budget_lines_chart() -> None:
    df = pd.DataFrame(
        {"line": ["1.1 Staff", "5.2 Ads"], "budget_eur": [1000.0, 500.0], "spend_eur": [400.0, 0.0]}
    )
    fig = charts.budget_lines(df, {"budget": "Budget", "spend": "Spend", "axis": "EUR"})
    assert [t.name for t in fig.data] == ["Budget", "Spend"]
    assert list(fig.data[1].x) == [0.0, 400.0]
    assert list(fig.data[1].y) == ["5.2 Ads", "1.1 Staff"]
