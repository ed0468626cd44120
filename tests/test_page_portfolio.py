"""The Portfolio page on the demo programme: headline figures, statuses and comparison charts,
each checked against SQL written here on the warehouse file, never through the dashboard."""

from __future__ import annotations

import datetime as dt

import pandas as pd
import pyarrow as pa
import pytest
from conftest import open_page, sql, tiles

from dashboard.charts import campaign_colours
from dashboard.charts.portfolio import campaign_bars, pace_scatter
from etl.warehouse import Warehouse

pytestmark = pytest.mark.usefixtures("fresh_cache")


def expected(wh: Warehouse, start: dt.date | None = None, end: dt.date | None = None) -> dict:
    """The tiles' figures for the campaigns running in the period, from the base views."""
    start = start or dt.date(1900, 1, 1)
    end = end or dt.date(2999, 12, 31)
    running = "SELECT code FROM campaigns WHERE end_date >= $1 AND start_date <= $2"
    imp, eng, eng_rated, imp_rated = sql(
        wh,
        f"""
        SELECT sum(impressions),
               sum(coalesce(likes,0)+coalesce(comments,0)+coalesce(shares,0)+coalesce(saves,0))
                 FILTER (WHERE coalesce(likes, comments, shares, saves) IS NOT NULL),
               sum(coalesce(likes,0)+coalesce(comments,0)+coalesce(shares,0)+coalesce(saves,0))
                 FILTER (WHERE impressions IS NOT NULL
                         AND coalesce(likes, comments, shares, saves) IS NOT NULL),
               sum(impressions) FILTER (WHERE coalesce(likes, comments, shares, saves) IS NOT NULL)
        FROM channel_daily
        WHERE day BETWEEN $1 AND $2 AND campaign_code IN ({running})
        """,
        [start, end],
    )[0]
    (spend,) = sql(
        wh,
        f"SELECT sum(amount_eur) FROM spend WHERE spend_date BETWEEN $1 AND $2 "
        f"AND campaign_code IN ({running})",
        [start, end],
    )[0]
    (budget,) = sql(
        wh,
        f"""
        WITH latest AS (SELECT currency, arg_max(units_per_eur, month) AS rate
                        FROM exchange_rates GROUP BY currency)
        SELECT sum(CASE WHEN b.currency = 'EUR' THEN b.amount ELSE b.amount / l.rate END)
        FROM budget_lines b LEFT JOIN latest l USING (currency)
        WHERE b.campaign_code IN ({running})
        """,
        [start, end],
    )[0]
    (campaigns,) = sql(wh, f"SELECT count(*) FROM ({running})", [start, end])[0]
    return {
        "impressions": imp,
        "engagements": eng,
        "engagement_rate": eng_rated / imp_rated,
        "spend": spend,
        "budget": budget,
        "campaigns": campaigns,
    }


def test_headline_figures_equal_the_warehouse(demo_warehouse, monkeypatch) -> None:
    at = open_page(monkeypatch, demo_warehouse)
    exp = expected(demo_warehouse)

    shown = tiles(at)
    assert shown["Impressions in the period"] == f"{exp['impressions']:,.0f}"
    assert shown["Engagements"] == f"{exp['engagements']:,.0f}"
    assert shown["Engagement rate by impressions"] == f"{exp['engagement_rate']:.2%}"
    assert shown["Campaigns"] == str(exp["campaigns"])
    assert shown["Spend (EUR)"] == f"€{exp['spend']:,.0f}"
    assert shown["Budget (EUR)"] == f"€{exp['budget']:,.0f}"
    assert shown["Cost per 1,000 impressions (EUR)"] == (
        f"€{exp['spend'] / exp['impressions'] * 1000:,.2f}"
    )
    (posts,) = sql(demo_warehouse, "SELECT count(*) FROM content_items")[0]
    assert shown["Content items"] == f"{posts:,}"


def test_a_period_narrows_every_figure(demo_warehouse, monkeypatch) -> None:
    start, end = dt.date(2026, 6, 1), dt.date(2026, 6, 30)
    at = open_page(monkeypatch, demo_warehouse, **{"from": "2026-06-01", "to": "2026-06-30"})
    exp = expected(demo_warehouse, start, end)
    whole = expected(demo_warehouse)

    shown = tiles(at)
    assert shown["Impressions in the period"] == f"{exp['impressions']:,.0f}"
    assert exp["impressions"] < whole["impressions"]
    assert shown["Spend (EUR)"] == f"€{exp['spend']:,.0f}"
    assert shown["Engagement rate by impressions"] == f"{exp['engagement_rate']:.2%}"
    # the links to campaign pages keep the period
    assert all("from=2026-06-01" in link for link in at.dataframe[0].value["link"])


def test_a_campaign_filter_and_russian(demo_warehouse, monkeypatch) -> None:
    at = open_page(monkeypatch, demo_warehouse, c="PDP-01", lang="ru")
    (imp,) = sql(
        demo_warehouse, "SELECT sum(impressions) FROM channel_daily WHERE campaign_code='PDP-01'"
    )[0]

    shown = tiles(at)
    assert shown["Показы за период"] == f"{imp:,.0f}".replace(",", "\u00a0")
    assert shown["Кампании"] == "1"
    assert at.title[0].value == "Портфель"
    assert list(at.dataframe[0].value["link"].str.extract(r"campaign=([^&]+)")[0]) == ["PDP-01"]
    # the table writes its figures in Russian too, while its cells stay numbers
    styler = at.dataframe[0].proto.arrow_data.styler
    text = pa.ipc.open_stream(styler.display_values).read_pandas()
    assert text.loc[0, "impressions"] == shown["Показы за период"]
    assert at.dataframe[0].value.loc[0, "impressions"] == imp


def test_status_follows_spend_against_time(demo_warehouse, monkeypatch) -> None:
    """Every campaign's spending status, recomputed here: spend to date over the budget,
    against the share of the campaign's days passed, with the +-15% band."""
    at = open_page(monkeypatch, demo_warehouse)
    today = dt.date.today()
    download = at.session_state["_downloads"]["portfolio_campaigns"].set_index("campaign")
    rows = sql(
        demo_warehouse,
        """
        WITH latest AS (SELECT currency, arg_max(units_per_eur, month) AS rate
                        FROM exchange_rates GROUP BY currency)
        SELECT c.code, c.start_date, c.end_date,
               (SELECT sum(amount_eur) FROM spend s
                WHERE s.campaign_code = c.code AND s.spend_date <= $1),
               (SELECT sum(CASE WHEN b.currency='EUR' THEN b.amount ELSE b.amount / l.rate END)
                FROM budget_lines b LEFT JOIN latest l USING (currency)
                WHERE b.campaign_code = c.code)
        FROM campaigns c ORDER BY c.code
        """,
        [today],
    )
    spending_flagged = 0
    for code, start, end, spent, budget in rows:
        elapsed = min(1, max(0, ((today - start).days + 1) / ((end - start).days + 1)))
        execution = (spent or 0) / budget
        assert download.loc[code, "execution"] == pytest.approx(execution)
        assert download.loc[code, "elapsed"] == pytest.approx(elapsed)
        pace = execution / elapsed
        if pace > 1.15 or pace < 0.85:
            spending_flagged += 1
            assert download.loc[code, "status"] in {"at risk", "behind"}
            assert "spending" in download.loc[code, "reasons"]
        else:
            assert "spending" not in download.loc[code, "reasons"]
    assert spending_flagged  # the demo has a campaign spending out of step


# --- chart builders -------------------------------------------------------------------------

FRAME = pd.DataFrame(
    {
        "campaign": ["A-1", "B-2", "C-3"],
        "name": ["Alpha", "Beta", "Gamma"],
        "cost_per_mille": [12.5, None, 3.25],
        "execution": [0.5, 0.9, None],
        "elapsed": [0.5, 0.6, 0.4],
    }
)


def test_campaign_bars_sort_skip_missing_and_keep_colours() -> None:
    colours = campaign_colours(["A-1", "B-2", "C-3", "D-4"])
    fig = campaign_bars(
        FRAME, "cost_per_mille", title="CPM", axis_title="EUR", colours=colours, ascending=True
    )
    bar = fig.data[0]
    # plotly draws the first category at the bottom: the cheapest ends on top
    assert list(bar.y) == ["A-1", "C-3"] and list(bar.x) == [12.5, 3.25]
    assert list(bar.marker.color) == [colours["A-1"], colours["C-3"]]
    assert "%{x:,.2f}" in bar.hovertemplate and bar.hovertemplate.startswith("<b>")
    assert "€%{x:,.2f}" in bar.hovertemplate  # a cost per mille, written as the tiles write it
    assert len(set(colours.values())) == 4


def test_campaign_colours_do_not_depend_on_the_selection() -> None:
    every = campaign_colours(["B-2", "A-1", "C-3"])
    assert campaign_colours(["A-1", "B-2", "C-3"]) == every
    assert list(every) == ["A-1", "B-2", "C-3"]


def test_pace_scatter_plots_execution_against_elapsed_with_the_band() -> None:
    fig = pace_scatter(
        FRAME,
        title="Pace",
        x_title="Elapsed",
        y_title="Spent",
        plan_label="Plan",
        band_label="Band",
        colours=campaign_colours(FRAME["campaign"]),
        band=0.15,
    )
    band, plan, dots = fig.data
    assert list(dots.text) == ["A-1", "B-2"]  # C-3 has no execution
    # shares drawn as percentages, so that the sign follows the language (30 % in Russian)
    assert list(dots.x) == [50.0, 60.0] and list(dots.y) == [50.0, 90.0]
    assert list(plan.x) == [0, 100] and list(plan.y) == [0, 100]
    assert max(band.y) == pytest.approx(115) and band.fill == "toself"
