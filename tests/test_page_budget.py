"""The Budget page, driven through Streamlit's AppTest on the demo programme, its figures checked
against plain SQL on the warehouse file, and its chart builders as pure functions."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

import pandas as pd
import pytest
from conftest import PROGRAMME, downloads, open_page, sql, tiles, write, write_programme

from dashboard.charts import budget as charts
from dashboard.charts import campaign_colours
from etl.load import load_file
from etl.warehouse import Warehouse

NBSP = "\u00a0"

# The latest loaded rate per currency converts the budget (metrics' booking-month rule).
BUDGET_EUR_SQL = """
SELECT b.campaign_code, b.heading, b.line_code,
       CASE WHEN b.currency = 'EUR' THEN b.amount::DOUBLE
            ELSE b.amount::DOUBLE / (SELECT units_per_eur FROM exchange_rates x
                                     WHERE x.currency = b.currency
                                     ORDER BY x.month DESC LIMIT 1) END AS eur
FROM budget_lines b
"""


pytestmark = pytest.mark.usefixtures("fresh_cache")


def amount(text: str) -> int:
    """The whole amount a tile shows, whatever the language's separators and currency sign."""
    return int(re.sub(r"\D", "", text))


def budget_eur(wh: Warehouse, codes: list[str]) -> float:
    return sql(
        wh,
        f"SELECT sum(eur) FROM ({BUDGET_EUR_SQL}) WHERE list_contains(?, campaign_code)",
        [codes],
    )[0][0]


def spend_eur(wh: Warehouse, codes: list[str], start=None, end=None) -> float:
    return sql(
        wh,
        "SELECT coalesce(sum(amount_eur), 0) FROM spend WHERE list_contains(?, campaign_code) "
        "AND spend_date >= coalesce(?::DATE, DATE '1900-01-01') "
        "AND spend_date <= coalesce(?::DATE, DATE '2999-12-31')",
        [codes, start, end],
    )[0][0]


def all_codes(wh: Warehouse) -> list[str]:
    return [r[0] for r in sql(wh, "SELECT code FROM campaigns ORDER BY code")]


# --- the page on the demo programme ----------------------------------------------------------


def test_tiles_tables_and_kzt_toggle_equal_sql(monkeypatch, demo_warehouse: Warehouse) -> None:
    wh = demo_warehouse
    codes = all_codes(wh)
    today = dt.date.today()
    at = open_page(monkeypatch, wh, "budget")
    shown = tiles(at)

    budget = budget_eur(wh, codes)
    spent = spend_eur(wh, codes)
    assert abs(amount(shown["Budget (EUR)"]) - budget) <= 1
    assert abs(amount(shown["Spent in period (EUR)"]) - spent) <= 1
    assert shown["Execution"] == f"{spent / budget:.1%}"
    remaining = budget - spend_eur(wh, codes, end=today)
    assert abs(amount(shown["Remaining (EUR)"]) - remaining) <= 1
    assert "Time elapsed (budget-weighted)" in shown
    assert "Spend lines without a rate" not in shown  # every demo cost has its month's rate
    assert any("InforEuro" in c.value and "1 EUR =" in c.value for c in at.caption)

    # By heading: SQL sums, then 7 = 1..6 and the total.
    headings = downloads(at, "budget_headings").set_index("heading")
    want_budget = dict(
        sql(wh, f"SELECT heading, sum(eur) FROM ({BUDGET_EUR_SQL}) GROUP BY heading")
    )
    want_spent = dict(sql(wh, "SELECT heading, sum(amount_eur) FROM spend GROUP BY heading"))
    for heading, value in want_budget.items():
        assert headings.loc[heading, "budget"] == pytest.approx(value)
        assert headings.loc[heading, "spent"] == pytest.approx(want_spent.get(heading, 0.0))
    direct = [h for h in want_budget if 1 <= h <= 6]
    assert headings.loc[7, "budget"] == pytest.approx(sum(want_budget[h] for h in direct))
    assert headings.loc[-1, "budget"] == pytest.approx(budget)
    assert headings.loc[-1, "spent"] == pytest.approx(spent)
    assert headings.loc[-1, "variance"] == pytest.approx(budget - spent)
    assert list(headings.index) == sorted(direct) + [
        7,
        *sorted(h for h in want_budget if h > 6),
        -1,
    ]

    # By line within heading.
    lines = downloads(at, "budget_lines").set_index(["heading", "budget_line"])
    for heading, line, value in sql(
        wh, f"SELECT heading, line_code, sum(eur) FROM ({BUDGET_EUR_SQL}) GROUP BY ALL"
    ):
        assert lines.loc[(heading, line), "budget"] == pytest.approx(value)
    over = lines[lines["spent"] > lines["budget"]]
    assert (over["flag"] == charts.OVER_BUDGET).all()

    # By campaign: one row each, linked to its page.
    campaigns = downloads(at, "budget_campaigns")
    assert sorted(campaigns["campaign"]) == codes
    table = next(d for d in at.dataframe if "link" in d.value.columns).value
    assert sorted(table["link"].str.extract(r"^campaign\?campaign=([^&]+)")[0]) == codes

    # KZT as booked.
    at.radio(key="budget_currency").set_value("KZT").run()
    assert not at.exception
    shown = tiles(at)
    kzt_budget = sql(wh, "SELECT sum(amount) FROM budget_lines WHERE currency = 'KZT'")[0][0]
    kzt_spent = sql(wh, "SELECT sum(amount) FROM spend WHERE currency = 'KZT'")[0][0]
    assert amount(shown["Budget (KZT)"]) == round(kzt_budget)
    assert amount(shown["Spent in period (KZT)"]) == round(kzt_spent)
    assert shown["Budget (KZT)"].startswith("KZT")
    headings = downloads(at, "budget_headings").set_index("heading")
    for heading, value in sql(
        wh, "SELECT heading, sum(amount) FROM spend WHERE currency = 'KZT' GROUP BY heading"
    ):
        assert headings.loc[heading, "spent"] == pytest.approx(float(value))
    assert set(downloads(at, "budget_months_chart")["currency"]) == {"KZT"}


def test_period_and_campaign_filters_and_russian(monkeypatch, demo_warehouse: Warehouse) -> None:
    wh = demo_warehouse
    first, last = sql(wh, "SELECT min(start_date), max(end_date) FROM campaigns")[0]
    start, end = first + dt.timedelta(days=90), first + dt.timedelta(days=180)
    at = open_page(monkeypatch, wh, "budget", **{"from": start.isoformat(), "to": end.isoformat()})
    codes = [
        r[0]
        for r in sql(
            wh, "SELECT code FROM campaigns WHERE end_date >= ? AND start_date <= ?", [start, end]
        )
    ]
    shown = tiles(at)
    spent = spend_eur(wh, codes, start, end)
    assert spent < spend_eur(wh, codes)
    assert abs(amount(shown["Spent in period (EUR)"]) - spent) <= 1
    assert abs(amount(shown["Budget (EUR)"]) - budget_eur(wh, codes)) <= 1
    as_of = min(dt.date.today(), end)
    remaining = budget_eur(wh, codes) - spend_eur(wh, codes, end=as_of)
    assert abs(amount(shown["Remaining (EUR)"]) - remaining) <= 1
    months = downloads(at, "budget_months_chart")
    assert pd.to_datetime(months["month"]).min() >= pd.Timestamp(start.replace(day=1))
    assert pd.to_datetime(months["month"]).max() <= pd.Timestamp(end)

    # One campaign, in Russian: its figures only, Russian labels and number formats.
    one = all_codes(wh)[0]
    at = open_page(monkeypatch, wh, "budget", c=one, lang="ru")
    shown = tiles(at)
    budget, spent = budget_eur(wh, [one]), spend_eur(wh, [one])
    value = shown["Бюджет (EUR)"]
    assert value.endswith(f"{NBSP}€") and NBSP in value[:-2]
    assert abs(amount(value) - budget) <= 1
    assert abs(amount(shown["Израсходовано за период (EUR)"]) - spent) <= 1
    assert shown["Исполнение"] == f"{spent / budget * 100:.1f}".replace(".", ",") + f"{NBSP}%"
    assert list(downloads(at, "budget_campaigns")["campaign"]) == [one]
    assert any(s.value == "По разделам бюджета ЕС" for s in at.subheader)
    labels = downloads(at, "budget_headings")["label"].tolist()
    assert "1 Персонал" in labels and "Итого" in labels


# --- empty states and rates on a small programme --------------------------------------------


def test_no_budget_lines_explains_the_set_up(
    monkeypatch, tmp_path: Path, warehouse: Warehouse
) -> None:
    sheets = dict(PROGRAMME)
    sheets["budget"] = PROGRAMME["budget"][:1]
    result = load_file(warehouse, write_programme(tmp_path / "programme.xlsx", sheets))
    assert result.status == "loaded", result.errors
    at = open_page(monkeypatch, warehouse, "budget")
    assert "Programme page" in at.info[0].value
    assert not at.metric


def test_no_spend_explains_how_to_load_it(monkeypatch, programme: Warehouse) -> None:
    at = open_page(monkeypatch, programme, "budget", c="PDP-01")
    assert amount(tiles(at)["Spent in period (EUR)"]) == 0
    assert any("costs of PDP-01" in i.value and "Upload page" in i.value for i in at.info)


def test_missing_rates_and_other_currencies(monkeypatch, tmp_path: Path, programme) -> None:
    spend = write(
        tmp_path / "spend.csv",
        "date,budget_line,amount,currency,description,reference\n"
        "2026-05-10,1.1,500000,KZT,Coordinator,INV-1\n"
        "2027-01-10,5.4,300000,KZT,Venue,INV-2\n"
        "2026-06-10,5.4,1000,EUR,Speaker fee,INV-3\n",
    )
    result = load_file(programme, spend, campaign="FOE-02")
    assert result.status == "loaded", result.errors
    at = open_page(monkeypatch, programme, "budget")
    assert tiles(at)["Spend lines without a rate"] == "1"
    assert "January 2027" in at.warning[0].value
    assert any("FOE-02" in c.value for c in at.caption)  # booked in euros, not converted

    at.radio(key="budget_currency").set_value("KZT").run()
    shown = tiles(at)
    assert amount(shown["Spent in period (KZT)"]) == 800000  # the EUR line is not in tenge
    assert any("EUR: FOE-02" in i.value for i in at.info)


# --- pure functions --------------------------------------------------------------------------


def test_period_elapsed_and_weights() -> None:
    start, end = dt.date(2026, 1, 1), dt.date(2026, 1, 10)
    assert charts.period_elapsed(start, end, None, dt.date(2026, 1, 5)) == pytest.approx(0.5)
    assert charts.period_elapsed(start, end, dt.date(2026, 1, 3), dt.date(2026, 1, 5)) == (
        pytest.approx(0.3)
    )
    assert charts.period_elapsed(start, end, dt.date(2026, 2, 1), dt.date(2026, 2, 5)) == 0.0
    assert charts.weighted_elapsed(pd.Series([3.0, 1.0]), pd.Series([0.2, 0.6])) == (
        pytest.approx(0.3)
    )
    assert charts.weighted_elapsed(pd.Series([0.0]), pd.Series([0.5])) is None


@pytest.mark.parametrize(
    ("budget", "spent", "elapsed", "want"),
    [
        (100.0, 101.0, 0.5, charts.OVER_BUDGET),
        (None, 5.0, 0.5, charts.NOT_BUDGETED),
        (100.0, 0.0, None, ""),
        (100.0, 60.0, 0.5, charts.SPENDING_AHEAD),  # pace 1.2 > 1.15
        (100.0, 40.0, 0.5, charts.SPENDING_BEHIND),  # pace 0.8 < 0.85
        (100.0, 55.0, 0.5, charts.ON_PLAN),
        (100.0, 55.0, None, ""),
    ],
)
def test_flags(budget, spent, elapsed, want) -> None:
    assert charts.flag(budget, spent, elapsed, 0.15) == want


def test_annex_rows_order_subtotal_and_total() -> None:
    by_heading = pd.DataFrame(
        {
            "heading": [5, 1, 8, charts.UNMATCHED],
            "budget": [200.0, 100.0, 21.0, None],
            "spent": [100.0, 120.0, 10.0, 7.0],
            "elapsed": [0.5, 0.5, 0.5, None],
        }
    )
    rows = charts.annex_rows(by_heading, band=0.15)
    assert list(rows["heading"]) == [1, 5, 7, 8, charts.UNMATCHED, -1]
    assert list(rows["kind"]) == ["heading", "heading", "subtotal", "heading", "heading", "total"]
    sub = rows.set_index("heading").loc[7]
    assert (sub["budget"], sub["spent"], sub["variance"]) == (300.0, 220.0, 80.0)
    total = rows.set_index("heading").loc[-1]
    assert (total["budget"], total["spent"]) == (321.0, 237.0)
    flags = dict(zip(rows["heading"], rows["flag"], strict=True))
    assert flags[1] == charts.OVER_BUDGET
    assert flags[5] == charts.ON_PLAN
    assert flags[charts.UNMATCHED] == charts.NOT_BUDGETED


def test_heading_bars() -> None:
    df = pd.DataFrame(
        {
            "label": ["1 Human resources", "3 Equipment"],
            "budget": [1000.0, 500.0],
            "spent": [400.0, 600.0],
            "execution": [0.4, 1.2],
        }
    )
    fig = charts.heading_bars(
        df,
        title="t",
        budget_label="Budget",
        spent_label="Spent",
        execution_label="Execution",
        axis_title="EUR",
    )
    budget, spent = fig.data
    assert list(budget.x) == [1000.0, 500.0] and list(spent.x) == [400.0, 600.0]
    assert list(spent.y) == ["1 Human resources", "3 Equipment"]
    assert list(spent.marker.color) == [charts.SPENT_COLOUR, charts.OVER_COLOUR]
    assert "%{x:,.0f}" in spent.hovertemplate and "%{customdata:,.1f}%" in spent.hovertemplate
    assert fig.layout.barmode == "group" and fig.layout.xaxis.title.text == "EUR"


def test_pace_bullets() -> None:
    df = pd.DataFrame(
        {
            "campaign": ["B-02", "A-01", "C-03"],
            "name": ["Bee", "Ay", "Sea"],
            "execution": [0.5, 0.9, None],
            "elapsed": [0.4, 0.5, 0.3],
        }
    )
    colours = campaign_colours(["A-01", "B-02", "C-03"])
    fig = charts.pace_bullets(
        df,
        title="t",
        execution_label="Spent",
        elapsed_label="Elapsed",
        band_label="On track",
        axis_title="Share",
        colours=colours,
        band=0.15,
    )
    band, bars, ticks = fig.data
    assert list(bars.y) == ["B-02", "A-01"]  # a campaign without a budget is left off
    assert list(bars.marker.color) == [colours["B-02"], colours["A-01"]]
    # shares drawn as percentages, so that the sign follows the language (40 % in Russian)
    assert list(band.base) == pytest.approx([34, 42.5])
    assert list(band.x) == pytest.approx([12, 15])
    assert list(ticks.x) == pytest.approx([40, 50])
    assert "%{x:,.1f}%" in bars.hovertemplate


def test_monthly_spend_stacks_headings_with_a_running_total() -> None:
    df = pd.DataFrame(
        {
            "month": ["2026-03-01", "2026-03-01", "2026-04-01", "2026-04-01"],
            "heading": [5, 1, 1, charts.UNMATCHED],
            "spent": [10.0, 20.0, 30.0, 5.0],
        }
    )
    fig = charts.monthly_spend(
        df,
        title="t",
        heading_labels={1: "1 HR", 5: "5 Other", charts.UNMATCHED: "Not in budget"},
        axis_title="EUR",
        cumulative_label="Running total",
        cumulative_axis_title="EUR",
        month_title="Month",
    )
    names = [trace.name for trace in fig.data]
    assert names == ["1 HR", "5 Other", "Not in budget", "Running total"]
    assert list(fig.data[0].y) == [20.0, 30.0]
    assert list(fig.data[1].y) == [10.0, 0.0]
    assert fig.data[0].marker.color == charts.heading_colour(1)
    assert list(fig.data[-1].y) == [30.0, 65.0]
    assert fig.data[-1].yaxis == "y2"
    assert fig.layout.barmode == "stack"


def test_monthly_spend_names_months_in_the_readers_language() -> None:
    from dashboard.i18n import fmt_month

    df = pd.DataFrame(
        {"month": ["2026-03-01", "2026-04-01"], "heading": [1, 1], "spent": [1.0, 2.0]}
    )
    fig = charts.monthly_spend(
        df,
        title="t",
        heading_labels={1: "1 Персонал"},
        axis_title="EUR",
        cumulative_label="Итог",
        cumulative_axis_title="EUR",
        month_title="Месяц",
        month_labels=lambda m: fmt_month(m, lang="ru"),
    )
    assert list(fig.data[0].x) == ["март 2026\u202fг.", "апрель 2026\u202fг."]
    assert fig.layout.xaxis.type == "category"
