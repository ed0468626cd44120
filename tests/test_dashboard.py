"""The dashboard, driven through Streamlit's AppTest on a real warehouse, and its chart builders.

Expected figures are worked out by hand from the rows each test writes, never read back through
the dashboard's own queries.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pandas as pd
import pytest
from conftest import METRICS_HEADER, clear_caches, open_page, write
from streamlit.testing.v1 import AppTest

from dashboard.charts import PLATFORM_COLOURS, daily_by_platform
from etl.load import load_file
from etl.warehouse import Warehouse

APP = Path(__file__).resolve().parents[1] / "dashboard" / "app.py"

# Channel rows of PDP-01 (post_id empty), plus one post row that channel totals must ignore.
# date, platform, post_id, post_url, impressions, reach, views, likes, comments, shares, saves,
# clicks, followers
METRICS_ROWS = [
    "2026-03-02,instagram,,,1000,800,,50,5,3,2,10,1200",
    "2026-03-03,instagram,,,1500,900,,60,6,4,1,12,1210",
    "2026-03-02,telegram,,,700,,,,,7,,,300",
    # views but no impressions: its engagements count, but not in the rate by impressions
    "2026-03-03,telegram,,,,,400,9,,1,,,305",
    "2026-03-02,instagram,p1,https://instagram.com/p/p1,600,500,,30,,,,,",
]
IMPRESSIONS = 1000 + 1500 + 700
ENGAGEMENTS = (50 + 5 + 3 + 2) + (60 + 6 + 4 + 1) + 7 + (9 + 1)
ENGAGEMENTS_WITH_IMPRESSIONS = (50 + 5 + 3 + 2) + (60 + 6 + 4 + 1) + 7

# KZT at the fixture's rates: March 603.5, April 604.5 per EUR.
SPEND_CSV = (
    "date,budget_line,amount,currency,description,reference\n"
    "2026-03-10,5.2,603500,KZT,Boosted posts,INV-1\n"
    "2026-04-15,5.1,1209000,KZT,Explainer video,INV-2\n"
)
SPEND_EUR = 603500 / 603.5 + 1209000 / 604.5
PDP_BUDGET_KZT = 6_000_000 + 4_000_000 + 2_500_000


@pytest.fixture(autouse=True)
def fresh_cache():
    clear_caches()
    yield
    clear_caches()


@pytest.fixture
def loaded(programme: Warehouse, tmp_path: Path) -> Warehouse:
    """The programme plus PDP-01 metrics and spend: four batches in all."""
    metrics = write(tmp_path / "metrics.csv", METRICS_HEADER + "\n" + "\n".join(METRICS_ROWS))
    result = load_file(programme, metrics, campaign="PDP-01")
    assert result.status == "loaded", result.errors
    result = load_file(programme, write(tmp_path / "spend.csv", SPEND_CSV), campaign="PDP-01")
    assert result.status == "loaded", result.errors
    return programme


def app_on(monkeypatch: pytest.MonkeyPatch, path: Path) -> AppTest:
    """The app on the warehouse at ``path``, signed in as an officer when it exists."""
    if Warehouse(path).exists():
        return open_page(monkeypatch, Warehouse(path))
    monkeypatch.setenv("CAMPAIGNS_WAREHOUSE", str(path))
    return AppTest.from_file(str(APP), default_timeout=30).run()


def metrics_by_label(at: AppTest) -> dict[str, str]:
    return {m.label: m.value for m in at.metric}


BUDGET_EUR = (PDP_BUDGET_KZT + 8_000_000) / 612.5  # both campaigns, latest rate: December


def test_portfolio_shows_headline_figures(loaded: Warehouse, monkeypatch) -> None:
    at = app_on(monkeypatch, loaded.path)

    assert not at.exception
    assert at.title[0].value == "Portfolio"
    tiles = metrics_by_label(at)
    assert tiles == {
        "Impressions in the period": "3,200",
        "Engagements": "148",
        "Engagement rate by impressions": "4.31%",
        "Content items": "1",
        "Campaigns": "2",
        "Spend (EUR)": "€3,000",
        "Budget (EUR)": "€33,469",
        "Cost per 1,000 impressions (EUR)": "€937.50",
    }
    assert IMPRESSIONS == 3200 and ENGAGEMENTS == 148 and round(SPEND_EUR, 2) == 3000
    assert f"{ENGAGEMENTS_WITH_IMPRESSIONS / IMPRESSIONS:.2%}" == "4.31%"
    assert round(BUDGET_EUR) == 33469 and f"{SPEND_EUR / IMPRESSIONS * 1000:.2f}" == "937.50"
    spend = next(m for m in at.metric if m.label == "Spend (EUR)")
    assert spend.delta == f"{SPEND_EUR / BUDGET_EUR:.1%} of budget"


@pytest.mark.parametrize(
    ("lang", "expected", "title"),
    [
        (
            "ru",
            {
                "Показы за период": "3\u00a0200",
                "Взаимодействия": "148",
                "Уровень вовлечённости по показам": "4,31\u00a0%",
                "Кампании": "2",
                "Расходы (EUR)": "3\u00a0000\u00a0€",
            },
            "Портфель",
        ),
        (
            "kk",
            {
                "Кезеңдегі көрсетілімдер": "3\u00a0200",
                "Өзара әрекеттер": "148",
                "Өзара әрекет деңгейі, көрсетілімдер бойынша": "4,31%",
                "Науқандар": "2",
                "Шығыстар (EUR)": "3\u00a0000\u00a0€",
            },
            "Портфель",
        ),
    ],
)
def test_portfolio_in_russian_and_kazakh(
    loaded: Warehouse, monkeypatch, lang: str, expected: dict[str, str], title: str
) -> None:
    at = open_page(monkeypatch, loaded, lang=lang)

    assert not at.exception
    assert at.title[0].value == title
    shown = metrics_by_label(at)
    assert {k: shown[k] for k in expected} == expected
    assert at.selectbox(key="lang").value == lang
    assert at.query_params["lang"] == lang
    # the same figures as in English, written the language's way
    table = at.dataframe[0].value
    pdp = table[table["link"].str.contains("campaign=PDP-01")].iloc[0]
    assert pdp["impressions"] == IMPRESSIONS
    assert f"lang={lang}" in pdp["link"]
    words = {"ru": "не среднее дневных показателей", "kk": "күндік көрсеткіштердің орташасы емес"}
    assert any(words[lang] in c.value for c in at.caption)

    at.switch_page("views/loads.py").run()
    assert not at.exception
    assert at.title[0].value == {"ru": "Загрузки", "kk": "Жүктеулер"}[lang]


def test_portfolio_campaign_table(loaded: Warehouse, monkeypatch) -> None:
    at = app_on(monkeypatch, loaded.path)

    table = at.dataframe[0].value
    assert list(table["link"]) == ["campaign?campaign=FOE-02", "campaign?campaign=PDP-01"]
    table = table.set_index(table["link"].str.extract(r"campaign=([^&]+)")[0])
    pdp = table.loc["PDP-01"]
    assert pdp["name"] == "Your data, your rights"
    assert pdp["organisation"] == "Almaty Digital Rights"
    assert pdp["thematic_area"] == "personal-data protection"
    assert pdp["impressions"] == IMPRESSIONS
    assert pdp["engagements"] == ENGAGEMENTS
    assert pdp["engagement_rate"] == pytest.approx(ENGAGEMENTS_WITH_IMPRESSIONS / IMPRESSIONS)
    assert pdp["spend_eur"] == pytest.approx(SPEND_EUR)
    assert pdp["budget_eur"] == pytest.approx(PDP_BUDGET_KZT / 612.5, abs=0.01)
    assert pdp["cost_per_mille"] == pytest.approx(SPEND_EUR / IMPRESSIONS * 1000)
    assert pd.Timestamp(pdp["last_metric_date"]).date() == dt.date(2026, 3, 3)
    foe = table.loc["FOE-02"]
    assert pd.isna(foe["impressions"]) and pd.isna(foe["engagement_rate"])
    assert pd.isna(foe["spend_eur"]) or foe["spend_eur"] == 0
    assert foe["budget_eur"] == pytest.approx(8_000_000 / 612.5, abs=0.01)
    # the download carries the raw status and the same figures
    download = at.session_state["_downloads"]["portfolio_campaigns"].set_index("campaign")
    assert download.loc["PDP-01", "impressions"] == IMPRESSIONS
    assert set(download["status"]) <= {"on track", "at risk", "behind", "not started"}


def test_loads_page_lists_batches(loaded: Warehouse, monkeypatch) -> None:
    """The Loads page lists every batch (its filters, issues and undo: test_page_loads.py)."""
    at = app_on(monkeypatch, loaded.path)
    at.switch_page("views/loads.py").run()

    assert not at.exception
    loads = at.dataframe[0].value
    assert list(loads["batch_id"]) == [4, 3, 2, 1]
    assert list(loads["source_name"]) == ["spend.csv", "metrics.csv", "fx.csv", "programme.xlsx"]
    assert list(loads["status"]) == ["loaded"] * 4
    metrics_batch = loads[loads["batch_id"] == 3].iloc[0]
    assert metrics_batch["campaign_code"] == "PDP-01"
    assert metrics_batch["rows_loaded"] == len(METRICS_ROWS)


def test_empty_warehouse_says_how_to_load(warehouse: Warehouse, monkeypatch) -> None:
    at = app_on(monkeypatch, warehouse.path)

    assert not at.exception
    assert "Programme page" in at.info[0].value  # where campaigns are added, not a command
    assert "`" not in at.info[0].value  # no command to type
    assert not at.metric

    at.switch_page("views/loads.py").run()
    assert not at.exception
    assert "Nothing loaded yet" in at.info[0].value


def test_missing_warehouse_says_how_to_build_one(tmp_path: Path, monkeypatch) -> None:
    at = app_on(monkeypatch, tmp_path / "nowhere" / "warehouse.duckdb")

    assert not at.exception
    warning = at.warning[0].value
    assert "docs/deployment.md" in warning and "programme officer" in warning
    assert "`" not in warning and "make " not in warning
    assert str(tmp_path) not in warning  # no server path shown to a web user
    assert not (tmp_path / "nowhere").exists()


def test_daily_by_platform_one_trace_per_platform_in_its_colour() -> None:
    df = pd.DataFrame(
        {
            "day": pd.to_datetime(["2026-03-02", "2026-03-01", "2026-03-01", "2026-03-02"]),
            "platform": ["telegram", "telegram", "instagram", "instagram"],
            "value": [70.0, 50.0, 1000.0, 1500.0],
        }
    )
    fig = daily_by_platform(df, "Impressions", "PDP-01")

    assert [t.name for t in fig.data] == ["Instagram", "Telegram"]
    assert fig.data[0].line.color == PLATFORM_COLOURS["instagram"]
    assert fig.data[1].line.color == PLATFORM_COLOURS["telegram"]
    assert list(fig.data[0].y) == [1000.0, 1500.0]
    assert list(fig.data[1].y) == [50.0, 70.0]  # sorted by day
    assert fig.layout.yaxis.title.text == "Impressions"
    assert fig.layout.title.text == "PDP-01"


def test_platform_colours_are_distinct() -> None:
    assert set(PLATFORM_COLOURS) == {
        "instagram",
        "telegram",
        "facebook",
        "youtube",
        "tiktok",
        "vk",
        "x",
    }
    assert len(set(PLATFORM_COLOURS.values())) == len(PLATFORM_COLOURS)


def test_the_page_stays_usable_while_a_load_runs_and_then_shows_it(
    programme: Warehouse, monkeypatch, tmp_path: Path
) -> None:
    """Another process holds the warehouse for writing (a load in progress): the page still
    runs on the published copy; once the load is published, a rerun shows its figures."""
    import subprocess
    import sys

    holder = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "import sys, time; from pathlib import Path; from etl.warehouse import Warehouse\n"
            "with Warehouse(Path(sys.argv[1])).writer():\n"
            "    print('holding', flush=True); sys.stdin.readline()\n",
            str(programme.path),
        ],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert holder.stdout.readline().strip() == "holding"
        at = app_on(monkeypatch, programme.path)
        assert not at.exception
        assert metrics_by_label(at)["Impressions in the period"] == "—"  # nothing loaded yet
    finally:
        holder.communicate("done\n", timeout=30)
    assert holder.returncode == 0

    metrics = write(tmp_path / "metrics.csv", METRICS_HEADER + "\n" + "\n".join(METRICS_ROWS))
    assert load_file(programme, metrics, campaign="PDP-01").status == "loaded"
    at.run()
    assert not at.exception
    assert metrics_by_label(at)["Impressions in the period"] == f"{IMPRESSIONS:,}"
