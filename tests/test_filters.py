"""Filters in the URL: the compact query string both ways, bad links, and the sidebar in AppTest.

Expected figures are worked out by hand from the rows the fixture loads, never read back through
the dashboard's own queries.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from conftest import METRICS_HEADER, clear_caches, open_page, write
from hypothesis import given
from hypothesis import strategies as hs
from streamlit.testing.v1 import AppTest

from dashboard import metrics
from dashboard.filters import (
    Note,
    Options,
    Selection,
    _keep_within,
    decode,
    encode,
    from_widgets,
    join_list,
    period,
    split_list,
)
from etl.load import load_file
from etl.warehouse import Warehouse

APP = Path(__file__).resolve().parents[1] / "dashboard" / "app.py"

OPTIONS = Options(
    first_day=dt.date(2026, 3, 1),
    last_day=dt.date(2027, 1, 31),
    campaigns={"FOE-02": "Speak freely online", "PDP-01": "Your data, your rights"},
    platforms=("instagram", "telegram", "tiktok"),
    regions=("Almaty", "Astana", "Shymkent"),
    themes=("online freedom of expression", "personal-data protection"),
)


# --- pure: the query string --------------------------------------------------------------------


def test_the_default_selection_writes_nothing() -> None:
    assert encode(Selection()) == {}
    assert decode({}) == (Selection(), [])
    assert decode({}, OPTIONS) == (Selection(), [])


def test_the_filters_select_with_the_metrics_selection() -> None:
    """One selection: the metrics layer's, whose counting rules never reach the link."""
    assert Selection is metrics.Selection
    ruled = Selection(campaigns=("PDP-01",), within_campaign_period=True, campaigns_in_period=False)
    assert encode(ruled) == {"c": "PDP-01"}
    assert Selection().is_default() and not ruled.is_default()
    assert period(Selection(end=dt.date(2026, 5, 1)), OPTIONS) == (
        OPTIONS.first_day,
        dt.date(2026, 5, 1),
    )


def test_a_selection_in_compact_form() -> None:
    selection = Selection(
        start=dt.date(2026, 3, 15),
        end=dt.date(2026, 6, 30),
        campaigns=("PDP-01", "FOE-02"),
        platforms=("instagram",),
        themes=("personal-data protection",),
    )
    assert encode(selection, OPTIONS) == {
        "from": "2026-03-15",
        "to": "2026-06-30",
        "c": "PDP-01,FOE-02",
        "p": "instagram",
        "t": "personal-data protection",
    }
    assert decode(encode(selection, OPTIONS), OPTIONS) == (selection, [])


def test_the_programme_period_is_the_default_period() -> None:
    whole = Selection(start=OPTIONS.first_day, end=OPTIONS.last_day)
    assert encode(whole, OPTIONS) == {}
    assert decode({"from": "2026-03-01", "to": "2027-01-31"}, OPTIONS) == (Selection(), [])


def test_commas_inside_values_are_escaped() -> None:
    assert join_list(["a,b", "c\\d", "e"]) == "a\\,b,c\\\\d,e"
    assert split_list("a\\,b,c\\\\d,e") == ["a,b", "c\\d", "e"]
    assert split_list(" a , ,b,") == ["a", "b"]
    assert split_list("") == []
    assert split_list("trailing\\") == ["trailing"]


values = hs.lists(
    hs.text(alphabet=hs.characters(blacklist_categories=("Cs", "Cc")), min_size=1).map(str.strip),
    max_size=4,
).map(lambda xs: tuple(dict.fromkeys(x for x in xs if x)))
days = hs.dates(min_value=dt.date(2000, 1, 1), max_value=dt.date(2100, 12, 31))


@given(
    start=hs.none() | days,
    end=hs.none() | days,
    campaigns=values,
    platforms=values,
    regions=values,
    themes=values,
)
def test_round_trip_without_options(start, end, campaigns, platforms, regions, themes) -> None:
    if start and end and start > end:
        start, end = end, start
    selection = Selection(start, end, campaigns, platforms, regions, themes)
    assert decode(encode(selection)) == (selection, [])


@given(hs.dictionaries(hs.sampled_from(["from", "to", "c", "p", "r", "t", "x"]), hs.text()))
def test_any_link_decodes_without_raising(params: dict[str, str]) -> None:
    for options in (None, OPTIONS):
        selection, notes = decode(params, options)
        assert isinstance(selection, Selection)
        assert all(isinstance(n, Note) and n.text("ru") for n in notes)


def test_values_match_the_warehouse_regardless_of_case() -> None:
    selection, notes = decode({"c": "pdp-01,PDP-01", "p": "Instagram", "r": "ALMATY"}, OPTIONS)
    assert selection == Selection(
        campaigns=("PDP-01",), platforms=("instagram",), regions=("Almaty",)
    )
    assert notes == []


def test_repeated_parameters_add_up() -> None:
    selection, _ = decode({"c": ["PDP-01", "FOE-02"]}, OPTIONS)
    assert selection.campaigns == ("PDP-01", "FOE-02")


def test_unknown_values_are_dropped_with_a_note() -> None:
    selection, notes = decode({"c": "PDP-01,NOPE-9", "p": "myspace", "t": "x"}, OPTIONS)
    assert selection == Selection(campaigns=("PDP-01",))
    assert [n.key for n in notes] == ["filters.unknown"] * 3
    # as Markdown, the link's own values escaped so that they show as typed
    assert notes[0].text("en") == "Ignored in the link, not found under Campaigns: NOPE\\-9."
    assert notes[0].text("ru") == (
        "В ссылке пропущены значения, которых нет в фильтре «Кампании»: NOPE\\-9."
    )
    assert "Платформалар" in notes[1].text("kk") and "myspace" in notes[1].text("kk")


def test_bad_and_outside_dates_are_dropped_with_a_note() -> None:
    selection, notes = decode({"from": "31.03.2026", "to": "2030-01-01"}, OPTIONS)
    assert selection == Selection()
    assert [n.key for n in notes] == ["filters.bad_date", "filters.outside"]
    assert notes[0].text("en") == (
        "Ignored `from=31.03.2026` in the link: not a date (write it as YYYY-MM-DD)."
    )
    assert "2026-03-01 – 2027-01-31" in notes[1].text("en")

    # without options every well-formed date is taken
    assert decode({"to": "2030-01-01"})[0] == Selection(end=dt.date(2030, 1, 1))


def test_a_reversed_period_in_a_link_means_the_whole_period() -> None:
    selection, notes = decode({"from": "2026-06-01", "to": "2026-04-01", "c": "FOE-02"}, OPTIONS)
    assert selection == Selection(campaigns=("FOE-02",))
    assert [n.key for n in notes] == ["filters.reversed"]


def test_unrelated_parameters_are_left_alone() -> None:
    assert decode({"lang": "ru", "utm_source": "mail"}, OPTIONS) == (Selection(), [])


def test_widgets_set_after_each_other_are_put_in_order() -> None:
    state = {
        "filter_from": dt.date(2026, 7, 1),
        "filter_to": dt.date(2026, 5, 1),
        "filter_campaigns": ["PDP-01", "GONE-1"],
        "filter_platforms": [],
    }
    selection, notes = from_widgets(state, OPTIONS)
    assert selection == Selection(
        start=dt.date(2026, 5, 1), end=dt.date(2026, 7, 1), campaigns=("PDP-01",)
    )
    assert [n.key for n in notes] == ["filters.period_swapped"]


def test_widget_state_is_kept_within_the_warehouse_choices() -> None:
    # a load between two reruns shortened the programme or removed a campaign
    state = {
        "filter_from": dt.date(2025, 1, 1),
        "filter_to": dt.date(2030, 1, 1),
        "filter_campaigns": ["PDP-01", "GONE-1"],
        "filter_regions": ["Almaty"],
    }
    _keep_within(state, OPTIONS)
    assert state == {
        "filter_from": dt.date(2026, 3, 1),
        "filter_to": dt.date(2027, 1, 31),
        "filter_campaigns": ["PDP-01"],
        "filter_regions": ["Almaty"],
    }


# --- the sidebar on the portfolio page, through AppTest ---------------------------------------

# date, platform, post_id, post_url, impressions, reach, views, likes, comments, shares, saves,
# clicks, followers
PDP_ROWS = [
    "2026-03-02,instagram,,,1000,800,,50,5,3,2,10,1200",
    "2026-04-10,instagram,,,2000,900,,100,,,,,1210",
    "2026-03-02,telegram,,,700,,,,,7,,,300",
]
FOE_ROWS = [
    "2026-04-05,tiktok,,,5000,,,400,20,,,,900",
    "2026-06-01,tiktok,,,3000,,,100,,,,,950",
]
# KZT at the fixture's rates: March 603.5, April 604.5 per EUR -> 1,000 and 2,000 EUR.
SPEND_CSV = (
    "date,budget_line,amount,currency,description,reference\n"
    "2026-03-10,5.2,603500,KZT,Boosted posts,INV-1\n"
    "2026-04-15,5.1,1209000,KZT,Explainer video,INV-2\n"
)


@pytest.fixture(autouse=True)
def fresh_cache():
    clear_caches()
    yield
    clear_caches()


@pytest.fixture
def loaded(programme: Warehouse, tmp_path: Path) -> Warehouse:
    for campaign, rows in (("PDP-01", PDP_ROWS), ("FOE-02", FOE_ROWS)):
        csv = write(tmp_path / f"{campaign}.csv", METRICS_HEADER + "\n" + "\n".join(rows))
        assert load_file(programme, csv, campaign=campaign).status == "loaded"
    spend = write(tmp_path / "spend.csv", SPEND_CSV)
    assert load_file(programme, spend, campaign="PDP-01").status == "loaded"
    return programme


def open_app(monkeypatch, wh: Warehouse, **params: str) -> AppTest:
    return open_page(monkeypatch, wh, **params)


def tiles(at: AppTest) -> dict[str, str]:
    return {m.label: m.value for m in at.metric}


def campaign_table(at: AppTest):
    """The portfolio's campaign table indexed by the code its link opens."""
    table = at.dataframe[0].value
    return table.set_index(table["link"].str.extract(r"campaign=([^&]+)")[0].rename("code"))


def test_without_filters_the_whole_programme_shows(loaded: Warehouse, monkeypatch) -> None:
    at = open_app(monkeypatch, loaded)

    assert not at.exception
    assert at.date_input(key="filter_from").value == dt.date(2026, 3, 1)
    assert at.date_input(key="filter_to").value == dt.date(2027, 1, 31)
    assert at.multiselect(key="filter_campaigns").value == []
    assert at.multiselect(key="filter_platforms").options == ["Instagram", "Telegram", "TikTok"]
    assert at.multiselect(key="filter_regions").options == ["Almaty", "Astana", "Shymkent"]
    impressions = 1000 + 2000 + 700 + 5000 + 3000
    assert tiles(at)["Impressions in the period"] == f"{impressions:,}" == "11,700"
    assert tiles(at)["Campaigns"] == "2"
    assert at.query_params == {}
    assert not at.warning


def test_the_link_selects_the_filters(loaded: Warehouse, monkeypatch) -> None:
    at = open_app(monkeypatch, loaded, **{"from": "2026-04-01", "p": "instagram,tiktok"})

    assert not at.exception
    assert at.date_input(key="filter_from").value == dt.date(2026, 4, 1)
    assert at.multiselect(key="filter_platforms").value == ["instagram", "tiktok"]
    # from April: PDP-01 instagram 2,000 (100 engagements), FOE-02 tiktok 5,000 + 3,000 (520)
    shown = tiles(at)
    assert {k: shown[k] for k in ("Campaigns", "Impressions in the period", "Engagements")} == {
        "Campaigns": "2",
        "Impressions in the period": "10,000",
        "Engagements": "620",
    }
    assert shown["Engagement rate by impressions"] == "6.20%"
    assert shown["Spend (EUR)"] == "€2,000"  # April's line only; spend is not split by platform
    table = campaign_table(at)
    assert table.loc["PDP-01", "impressions"] == 2000
    assert table.loc["FOE-02", "impressions"] == 8000
    assert any("Platforms filter channel figures" in c.value for c in at.caption)


def test_campaign_region_and_theme_filters(loaded: Warehouse, monkeypatch) -> None:
    at = open_app(monkeypatch, loaded, r="Shymkent")
    assert list(campaign_table(at).index) == ["FOE-02"]
    assert tiles(at)["Impressions in the period"] == "8,000" and tiles(at)["Spend (EUR)"] == "€0"

    at = open_app(monkeypatch, loaded, t="personal-data protection", to="2026-03-31")
    assert list(campaign_table(at).index) == ["PDP-01"]
    # March: instagram 1,000 (60 engagements) and telegram 700 (7); March spend 1,000 EUR
    assert tiles(at)["Impressions in the period"] == "1,700"
    assert tiles(at)["Engagements"] == "67"
    assert tiles(at)["Spend (EUR)"] == "€1,000"


def test_a_bad_link_shows_a_note_and_the_rest_of_it(loaded: Warehouse, monkeypatch) -> None:
    at = open_app(monkeypatch, loaded, c="PDP-01,NOPE", to="soon")

    assert not at.exception
    notes = [w.value for w in at.warning]
    assert "Ignored in the link, not found under Campaigns: NOPE." in notes
    assert any("`to=soon`" in n for n in notes)
    assert at.multiselect(key="filter_campaigns").value == ["PDP-01"]
    assert at.query_params == {"c": "PDP-01"}  # the URL now says what is shown
    assert tiles(at)["Campaigns"] == "1"


def test_changing_a_widget_updates_the_link(loaded: Warehouse, monkeypatch) -> None:
    at = open_app(monkeypatch, loaded, c="PDP-01")

    at.multiselect(key="filter_campaigns").set_value(["FOE-02", "PDP-01"]).run()
    assert at.query_params == {"c": "FOE-02,PDP-01"}
    at.date_input(key="filter_to").set_value(dt.date(2026, 3, 31)).run()
    assert at.query_params == {"c": "FOE-02,PDP-01", "to": "2026-03-31"}
    # FOE-02 starts in April: only PDP-01's March
    assert tiles(at)["Impressions in the period"] == "1,700"
    at.multiselect(key="filter_platforms").set_value(["telegram"]).run()
    assert at.query_params["p"] == "telegram"
    assert tiles(at)["Impressions in the period"] == "700"

    # the start set after the end: the two are swapped, and the reader told
    at.date_input(key="filter_from").set_value(dt.date(2026, 5, 1)).run()
    assert not at.exception
    assert at.date_input(key="filter_from").value == dt.date(2026, 3, 31)
    assert at.date_input(key="filter_to").value == dt.date(2026, 5, 1)
    assert at.query_params["from"] == "2026-03-31" and at.query_params["to"] == "2026-05-01"
    assert any("swapped" in w.value for w in at.warning)

    at.button(key="filter_reset").click().run()
    assert at.query_params == {}
    assert at.multiselect(key="filter_campaigns").value == []
    assert tiles(at)["Impressions in the period"] == "11,700"


def test_a_cleared_url_is_restored_from_the_session(loaded: Warehouse, monkeypatch) -> None:
    # Streamlit clears query parameters when moving to another page and back
    at = open_app(monkeypatch, loaded, p="tiktok", lang="ru")
    at.query_params.clear()
    at.run()

    assert not at.exception
    assert at.multiselect(key="filter_platforms").value == ["tiktok"]
    assert at.query_params["p"] == "tiktok"
    assert tiles(at)["Показы за период"] == "8\u00a0000"


def test_the_filters_follow_the_reader_to_another_page(loaded: Warehouse, monkeypatch) -> None:
    at = open_app(monkeypatch, loaded, c="PDP-01", to="2026-03-31")
    at.switch_page("views/budget.py").run()

    assert not at.exception
    assert at.multiselect(key="filter_campaigns").value == ["PDP-01"]
    assert at.date_input(key="filter_to").value == dt.date(2026, 3, 31)
    assert at.query_params == {"c": "PDP-01", "to": "2026-03-31"}
    at.switch_page("views/portfolio.py").run()
    assert at.multiselect(key="filter_campaigns").value == ["PDP-01"]
    # PDP-01 in March: instagram 1,000, telegram 700
    assert tiles(at)["Impressions in the period"] == "1,700"


def test_no_match_says_so(loaded: Warehouse, monkeypatch) -> None:
    at = open_app(monkeypatch, loaded, c="FOE-02", to="2026-03-31")

    assert not at.exception
    assert "No campaign matches the filters" in at.info[0].value
