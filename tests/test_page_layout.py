"""How the pages are laid out for the people reading them: the Campaign page in tabs with its
headline tiles' change against the previous period, a grantee's one-campaign Portfolio with the
programme's median, download buttons that say what they give, the stale-data warning's action
for each role, and no command line on any page for any role.

The real app runs in AppTest on the demo programme; expected figures come from SQL written here
on the warehouse file.
"""

from __future__ import annotations

import datetime as dt
import json
import re
import statistics

import pytest
from conftest import open_page, open_tab, sql
from test_access import own_and_others, shown

from dashboard import reader
from etl.warehouse import Warehouse

pytestmark = pytest.mark.usefixtures("fresh_cache")

CODE = "ATI-05"
ENG = (
    "CASE WHEN coalesce(likes, comments, shares, saves) IS NULL THEN NULL "
    "ELSE coalesce(likes, 0) + coalesce(comments, 0) + coalesce(shares, 0) "
    "+ coalesce(saves, 0) END"
)
# A command line as a web page must never show one.
COMMAND = re.compile(
    r"`campaigns\b|\bcampaigns (load|demo|users|sync|list|batches|undo|forget)\b"
    r"|\bmake (run|test|demo|install)\b|\$ |--campaign\b"
)


def channel_figures(wh: Warehouse, code: str, start: dt.date, end: dt.date) -> tuple:
    """Impressions and engagement rate of the campaign's channels between two days."""
    return sql(
        wh,
        f"""
        SELECT sum(impressions),
               sum(eng) FILTER (WHERE impressions IS NOT NULL)::DOUBLE
               / sum(impressions) FILTER (WHERE eng IS NOT NULL)
        FROM (SELECT *, {ENG} AS eng FROM channel_daily
              WHERE campaign_code = ? AND day BETWEEN ? AND ?)
        """,
        [code, start, end],
    )[0]


def metric(at, label: str):
    return next(m for m in at.metric if m.label == label)


# --- the Campaign page --------------------------------------------------------------------------


def test_the_campaign_page_is_in_tabs(demo_warehouse: Warehouse, monkeypatch) -> None:
    at = open_page(monkeypatch, demo_warehouse, "campaign", campaign=CODE)
    labels = [tab.label for tab in at.tabs]
    assert labels == [
        "Overview", "KPIs", "Reach & engagement", "Content", "Budget", "Feedback", "Data",
    ]  # fmt: skip
    # each section sits in its tab and runs only when its tab is open: the tiles in the
    # overview, the KPI table under KPIs
    overview, kpis = at.tabs[0], at.tabs[1]
    assert "Impressions" in [m.label for m in overview.metric]
    assert not any("indicator" in df.value.columns for df in at.dataframe)
    open_tab(at, "kpis")
    overview, kpis = at.tabs[0], at.tabs[1]
    assert any("indicator" in df.value.columns for df in kpis.dataframe)
    assert not overview.metric and not any(
        "indicator" in df.value.columns for df in overview.dataframe
    )

    # the KPIs tab stays open in another language
    at.selectbox(key="lang").set_value("kk").run()
    # the tables' column titles follow the language too, pinned where the reader needs them
    kpi_table = next(df for df in at.tabs[1].dataframe if "indicator" in df.value.columns)
    config = json.loads(kpi_table.proto.columns)
    assert config["status"]["label"] == "Мәртебе" and config["status"]["pinned"]
    assert config["indicator"]["label"] == "Индикатор" and config["indicator"]["pinned"]
    assert [tab.label for tab in at.tabs][:3] == [
        "Шолу", "Нысаналы көрсеткіштер", "Қамту және белсенділік",
    ]  # fmt: skip


def test_tiles_show_the_change_against_the_last_28_days_before(
    demo_warehouse: Warehouse, monkeypatch
) -> None:
    wh = demo_warehouse
    at = open_page(monkeypatch, wh, "campaign", campaign=CODE)
    today = dt.date.today()
    now = channel_figures(wh, CODE, today - dt.timedelta(days=27), today)
    before = channel_figures(wh, CODE, today - dt.timedelta(days=55), today - dt.timedelta(days=28))
    change = now[0] / before[0] - 1
    assert metric(at, "Impressions").delta == f"{change:+.1%}"
    points = (now[1] - before[1]) * 100
    assert metric(at, "Engagement rate").delta == f"{points:+.2f} pp"


def test_a_selected_period_is_compared_with_the_one_before_it(
    demo_warehouse: Warehouse, monkeypatch
) -> None:
    wh = demo_warehouse
    (first,) = sql(wh, "SELECT min(day) FROM channel_daily WHERE campaign_code = ?", [CODE])[0]
    start, end = first + dt.timedelta(days=40), first + dt.timedelta(days=69)  # 30 days
    at = open_page(
        monkeypatch,
        wh,
        "campaign",
        campaign=CODE,
        **{"from": start.isoformat(), "to": end.isoformat()},
    )
    now = channel_figures(wh, CODE, start, end)
    before = channel_figures(wh, CODE, start - dt.timedelta(days=30), start - dt.timedelta(days=1))
    assert metric(at, "Impressions").delta == f"{now[0] / before[0] - 1:+.1%}"

    at.selectbox(key="lang").set_value("ru").run()
    delta = metric(at, "Показы").delta
    assert delta == f"{now[0] / before[0] - 1:+.1%}".replace(".", ",").replace("%", "\u00a0%")


# --- stale figures: what each role can do ---------------------------------------------------------


def test_stale_figures_give_a_grantee_an_upload_button(
    demo_warehouse: Warehouse, monkeypatch
) -> None:
    # every demo campaign's figures stop a couple of weeks before today
    at = open_page(monkeypatch, demo_warehouse, "campaign", user="grantee-ADR")
    assert any("No figures for PDP-01" in w.value for w in at.warning)
    links = [p for p in at.page_link if p.proto.label == "Upload figures"]
    assert links, "a grantee gets a button to the Upload page"
    assert "campaign=PDP-01" in links[0].proto.query_string
    assert "upload" in links[0].proto.page


def test_stale_figures_tell_a_viewer_whom_to_ask(demo_warehouse: Warehouse, monkeypatch) -> None:
    at = open_page(monkeypatch, demo_warehouse, "campaign", user="viewer", campaign=CODE)
    assert any(f"No figures for {CODE}" in w.value for w in at.warning)
    assert not [p for p in at.page_link if p.proto.label == "Upload figures"]
    assert any("Ask the programme officer" in c.value for c in at.caption)


def test_the_upload_page_opens_on_the_campaign_of_the_link(
    demo_warehouse: Warehouse, monkeypatch
) -> None:
    at = open_page(monkeypatch, demo_warehouse, "upload", campaign="FOE-02")
    assert at.selectbox(key="upload_campaign").value == "FOE-02"
    # a code the user may not send for is ignored: the picker keeps its first choice
    at = open_page(monkeypatch, demo_warehouse, "upload", user="grantee-ADR", campaign="FOE-02")
    assert at.selectbox(key="upload_campaign").value == "PDP-01"


# --- a grantee's Portfolio ------------------------------------------------------------------------


def test_a_grantee_with_one_campaign_sees_it_beside_the_programme_median(
    demo_warehouse: Warehouse, monkeypatch
) -> None:
    wh = demo_warehouse
    at = open_page(monkeypatch, wh, "portfolio", user="grantee-ADR")
    (name,) = sql(wh, "SELECT name FROM campaigns WHERE code = 'PDP-01'")[0]
    assert at.main.header[0].value.replace("\\", "") == f"PDP-01 · {name}"
    # no comparison of the campaign with itself
    assert not at.get("plotly_chart")
    assert not at.dataframe
    _, others = own_and_others(wh, "ADR")
    others |= {c for (c,) in sql(wh, "SELECT code FROM campaigns WHERE code <> 'PDP-01'")}
    text = shown(at)
    assert sorted(o for o in others if o in text) == []

    per_campaign = [v for (v,) in sql(
        wh, "SELECT sum(impressions) FROM channel_daily GROUP BY campaign_code"
    )]  # fmt: skip
    median = statistics.median(per_campaign)
    (own,) = sql(wh, "SELECT sum(impressions) FROM channel_daily WHERE campaign_code = 'PDP-01'")[0]
    tile = metric(at, "Impressions in the period")
    assert tile.value == f"{own:,.0f}"
    assert tile.delta == f"programme median {median:,.0f}"
    assert [p.proto.label for p in at.page_link if "campaign" in p.proto.page] == [
        "Open the campaign page"
    ]
    # the figures and the medians can be downloaded, and name no other campaign either
    served = at.session_state["_downloads"]["portfolio_benchmark"].set_index("measure")
    assert served.loc["impressions", "value"] == own
    assert served.loc["impressions", "programme_median"] == median
    assert set(served["campaign"]) == {"PDP-01"}


def test_the_officer_keeps_the_comparison_of_every_campaign(
    demo_warehouse: Warehouse, monkeypatch
) -> None:
    at = open_page(monkeypatch, demo_warehouse, "portfolio")
    assert at.get("plotly_chart")
    assert len(at.dataframe[0].value) == 5


def test_programme_medians_need_three_campaigns_and_ignore_the_scope(
    demo_warehouse: Warehouse,
) -> None:
    wh = demo_warehouse
    two = "SELECT code AS campaign, 1.0 AS x FROM campaigns WHERE code IN ('PDP-01', 'FOE-02')"
    three = two.replace("'FOE-02'", "'FOE-02', 'ATI-05'")
    assert reader.programme_medians(wh, two, {}, ["x"]) == {"x": None}
    with reader.scoped(reader.Scope(organisation="ADR")):
        assert reader.programme_medians(wh, three, {}, ["x"]) == {"x": 1.0}
        # and the grantee's own reads still see only its campaign
        assert list(reader.read(wh, "SELECT code FROM campaigns")["code"]) == ["PDP-01"]
    with pytest.raises(ValueError):
        reader.programme_medians(wh, three, {}, ['x" FROM campaigns --'])


# --- downloads --------------------------------------------------------------------------------


def test_download_buttons_say_what_they_give(demo_warehouse: Warehouse, monkeypatch) -> None:
    at = open_page(monkeypatch, demo_warehouse, "portfolio")
    labels = {b.proto.label for b in at.get("download_button")}
    assert {"Download CSV", "Download Excel"} <= labels
    at.selectbox(key="lang").set_value("ru").run()
    labels = {b.proto.label for b in at.get("download_button")}
    assert {"Скачать CSV", "Скачать Excel"} <= labels


# --- no command lines ---------------------------------------------------------------------------

PAGES = {
    "officer": ("portfolio", "campaign", "content", "budget", "feedback", "reports", "upload",
                "reporting", "programme", "loads"),
    "grantee-ADR": ("portfolio", "campaign", "content", "budget", "feedback", "reports", "upload",
                    "reporting"),
    "viewer": ("portfolio", "campaign", "content", "budget", "feedback", "reports"),
}  # fmt: skip


def page_text(at) -> str:
    """What a page shows, with its page links and buttons."""
    extra = [p.proto.label for p in at.page_link] + [b.label for b in at.button]
    return shown(at, workbooks=False) + "\n" + "\n".join(extra)


@pytest.mark.parametrize("user", list(PAGES))
def test_no_page_shows_a_command_line(
    user: str, demo_warehouse: Warehouse, programme_template: Warehouse, monkeypatch
) -> None:
    """On the demo programme and on a programme without figures (the empty states), in
    English and Russian."""
    for wh in (demo_warehouse, programme_template):
        for page in PAGES[user]:
            for lang in ("en", "ru"):
                at = open_page(monkeypatch, wh, page, user=user, lang=lang)
                found = COMMAND.findall(page_text(at))
                assert not found, (user, page, lang, found)


def test_an_empty_warehouse_names_no_command(warehouse: Warehouse, monkeypatch) -> None:
    for page in PAGES["officer"]:
        at = open_page(monkeypatch, warehouse, page)
        assert not COMMAND.findall(page_text(at)), page


# --- the Programme editor -----------------------------------------------------------------------


def test_the_programme_editor_titles_its_columns_in_the_language(
    programme: Warehouse, monkeypatch
) -> None:
    at = open_page(monkeypatch, programme, "programme", lang="ru")
    editors = {e.proto.id.rsplit("-", 1)[-1]: json.loads(e.proto.columns) for e in at.data_editor}
    campaigns = next(v for k, v in editors.items() if "start_date" in v)
    assert campaigns["start_date"]["label"] == "Дата начала"
    assert campaigns["code"]["label"] == "Код"
    budget = next(v for v in editors.values() if "amount" in v)
    assert budget["amount"]["label"] == "Сумма"
    assert budget["amount"]["type_config"]["format"] == "localized"  # thousands separated
    assert budget["heading"]["type_config"]["format"] == "%d"


def test_the_programme_editor_checks_rows_as_they_are_edited(
    programme: Warehouse, monkeypatch
) -> None:
    from etl.programme import read_setup

    frames = read_setup(programme)
    campaigns, lines = frames["campaigns"], frames["budget_lines"]
    at = open_page(monkeypatch, programme, "programme")
    start = campaigns.loc[0, "start_date"]
    at.session_state["programme_edit_campaigns_0"] = {
        "edited_rows": {0: {"end_date": (start - dt.timedelta(days=1)).isoformat()}},
        "added_rows": [],
        "deleted_rows": [],
    }
    at.session_state["programme_edit_budget_lines_0"] = {
        "edited_rows": {1: {"amount": -5}, 2: {"campaign": "ZZZ-99"}},
        "added_rows": [],
        "deleted_rows": [],
    }
    at.run()
    assert not at.exception
    tables = [df.value for df in at.dataframe if "problem" in df.value.columns]
    found = {(r.column, r.row, r.problem) for tab in tables for r in tab.itertuples()}
    assert ("End date", 1, "the end comes before the start") in found
    assert ("Amount", 2, "below zero") in found
    assert ("Campaign", 3, "no such campaign in the campaigns table") in found
    assert at.button(key="programme_save").disabled
    assert len(lines) > 3  # the rows edited exist


def test_row_problems_name_every_kind_of_mistake() -> None:
    import pandas as pd

    from dashboard.programme_admin import codes_of, row_problems

    frames = {
        "organisations": pd.DataFrame({"code": ["ADR"], "name": ["A"], "city": [None]}),
        "campaigns": pd.DataFrame(
            {
                "code": ["PDP-01"],
                "name": ["P"],
                "organisation": ["ADR"],
                "thematic_area": ["x"],
                "regions": [None],
                "languages": [None],
                "start_date": [dt.date(2026, 1, 1)],
                "end_date": [dt.date(2026, 12, 31)],
                "status": ["active"],
                "description": [None],
            }
        ),  # fmt: skip
        "budget_lines": pd.DataFrame(
            {
                "campaign": ["PDP-01", "PDP-01", "PDP-01", "PDP-01", None],
                "heading": [1, 7, 2.5, 1, None],
                "line": ["1.1", "1.2", "1.3", "1.1", None],
                "description": ["a", "b", "c", "d", None],
                "amount": [10, 5, "ten", 1, None],
                "currency": ["KZT", "EUR", "EUR", "tenge", None],
            }
        ),  # fmt: skip
    }
    got = {
        (p.row, p.column, p.code)
        for p in row_problems("budget_lines", frames["budget_lines"], codes_of(frames))
    }
    assert got == {
        (2, "heading", "bad_heading"),
        (3, "heading", "not_whole"),
        (3, "amount", "not_number"),
        (4, "currency", "bad_currency"),
        (4, "line", "duplicate"),
    }  # the empty fifth row is not written, so not checked
    assert row_problems("campaigns", frames["campaigns"], codes_of(frames)) == []
    assert {p.code for p in row_problems("campaigns", frames["campaigns"], {})} == {
        "unknown_organisation"
    }


# --- the Reports page's previews ----------------------------------------------------------------


def test_the_logframe_preview_puts_its_figures_first_without_decimals_on_counts(
    demo_warehouse: Warehouse, monkeypatch
) -> None:
    at = open_page(monkeypatch, demo_warehouse, "reports", lang="ru")
    # figures of every period loaded, whichever demo periods are approved
    at.checkbox(key="reports_approved_only").uncheck().run()
    at.button(key="reports_produce").click().run()
    assert not at.exception
    preview = next(df for df in at.dataframe if "indicator_code" in df.value.columns)
    shown = preview.value
    assert list(shown.columns[:9]) == [
        "indicator_code", "indicator", "unit", "baseline", "target", "value_period",
        "value_cumulative", "achievement", "status",
    ]  # fmt: skip
    config = json.loads(preview.proto.columns)
    assert config["indicator_code"]["pinned"] and config["indicator"]["pinned"]
    raw = at.session_state["_downloads"]["reports_logframe"].set_index("indicator_code")
    row = shown.set_index("indicator_code").loc["OP1"]
    impressions = raw.loc["OP1", "value_period"]
    assert float(impressions).is_integer()
    assert row["value_period"] == f"{int(impressions):,}".replace(",", "\u00a0")
    rate = raw.loc["OC1", "value_period"]
    assert shown.set_index("indicator_code").loc["OC1", "value_period"] == (
        f"{rate:.2f}".replace(".", ",")
    )
