"""The donor's report: every exported figure computed again from the warehouse with plain SQL,
the same figures as the dashboard's pages, frozen submissions, scoping, formula injection and
the reporting file.

The workbook is read back with openpyxl, so what is checked is what a programme officer opens.
"""

from __future__ import annotations

import datetime as dt
import io
import json
import zipfile
from pathlib import Path

import openpyxl
import pandas as pd
import pytest
from conftest import account, copy_warehouse, downloads, open_page, open_tab, sql

from dashboard import data, metrics
from dashboard.report import Request, export, file_name, freeze, render, render_files, submit
from dashboard.report.build import build
from dashboard.report.config import ConfigError, load_config
from dashboard.report.model import ReportError, label
from etl.load import load_file
from etl.warehouse import Warehouse

START, END = dt.date(2026, 6, 1), dt.date(2026, 10, 31)
TODAY = dt.date(2026, 11, 29)
PROGRAMME_START, PROGRAMME_END = dt.date(2026, 3, 1), dt.date(2027, 3, 31)
ENG = (
    "CASE WHEN coalesce(likes, comments, shares, saves) IS NULL THEN NULL ELSE "
    "coalesce(likes, 0) + coalesce(comments, 0) + coalesce(shares, 0) + coalesce(saves, 0) END"
)
LATEST_RATE = (
    "(SELECT units_per_eur FROM exchange_rates x WHERE x.currency = b.currency "
    "ORDER BY month DESC LIMIT 1)"
)


# --- reading the workbook back ---------------------------------------------------------------


def sheet_table(wb: openpyxl.Workbook, sheet: str, title: str) -> pd.DataFrame:
    """The table titled ``title`` on ``sheet``: its header two rows under the title, its rows
    down to the first empty one; columns by their headings."""
    ws = wb[sheet]
    rows = list(ws.iter_rows(values_only=True))
    top = next(i for i, r in enumerate(rows) if r and r[0] == title)
    header = [h for h in rows[top + 2] if h is not None]
    body = []
    for r in rows[top + 3 :]:
        if r is None or all(v is None for v in r[: len(header)]):
            break
        body.append(list(r[: len(header)]))
    return pd.DataFrame(body, columns=header)


@pytest.fixture(scope="module")
def programme_export(demo_warehouse: Warehouse):
    result = export(
        demo_warehouse,
        Request(START, END, approved_only=False),
        load_config(),
        formats=("xlsx",),
        today=TODAY,
    )
    wb = openpyxl.load_workbook(io.BytesIO(result.files["xlsx"]))
    return result, wb


def per_campaign(wh: Warehouse, text: str, params: list | None = None) -> dict[str, float]:
    return {k: (None if v is None else float(v)) for k, v in sql(wh, text, params)}


def close(a, b, tol: float = 0.01) -> bool:
    if a is None or b is None or pd.isna(a) or pd.isna(b):
        return (a is None or pd.isna(a)) and (b is None or pd.isna(b))
    return abs(float(a) - float(b)) <= tol


# --- every figure against SQL ------------------------------------------------------------------


def test_campaigns_sheet_equals_sql(programme_export, demo_warehouse: Warehouse) -> None:
    wh = demo_warehouse
    _, wb = programme_export
    sheet = sheet_table(wb, "Campaigns", "Campaigns").set_index(label("campaign"))
    codes = [
        c
        for (c,) in sql(
            wh,
            "SELECT code FROM campaigns WHERE start_date <= ? AND end_date >= ? ORDER BY code",
            [END, START],
        )
    ]
    assert sorted(sheet.index) == codes
    p = [START, END]
    window = "day BETWEEN ? AND ?"
    impressions = per_campaign(
        wh,
        f"SELECT campaign_code, sum(impressions) FROM channel_daily WHERE {window} GROUP BY 1",
        p,
    )
    views = per_campaign(
        wh, f"SELECT campaign_code, sum(views) FROM channel_daily WHERE {window} GROUP BY 1", p
    )
    engagements = per_campaign(
        wh, f"SELECT campaign_code, sum({ENG}) FROM channel_daily WHERE {window} GROUP BY 1", p
    )
    rate = per_campaign(
        wh,
        f"SELECT campaign_code, sum({ENG}) FILTER (WHERE impressions IS NOT NULL) / "
        f"sum(impressions) FILTER (WHERE ({ENG}) IS NOT NULL) FROM channel_daily "
        f"WHERE {window} GROUP BY 1",
        p,
    )
    content = per_campaign(
        wh,
        "SELECT c.campaign_code, count(*) FROM content_items c LEFT JOIN ("
        "  SELECT campaign_code, platform, post_id, min(metric_date) AS first_day "
        "  FROM metric_observations WHERE post_id <> '' GROUP BY ALL) f USING "
        "  (campaign_code, platform, post_id) "
        "WHERE coalesce(c.published_at::DATE, f.first_day) BETWEEN ? AND ? GROUP BY 1",
        p,
    )
    # Followers: each channel's last level in the period, and its change from the last level
    # before the period (else its first in the period).
    channel_levels = sql(
        wh,
        "SELECT campaign_code, platform, "
        "arg_max(followers, day) FILTER (WHERE day BETWEEN ? AND ?) AS last_in, "
        "arg_max(followers, day) FILTER (WHERE day < ?) AS before, "
        "arg_min(followers, day) FILTER (WHERE day BETWEEN ? AND ?) AS first_in "
        "FROM channel_daily WHERE followers IS NOT NULL GROUP BY ALL",
        [START, END, START, START, END],
    )
    followers_end: dict[str, float] = {}
    gained: dict[str, float] = {}
    for code, _platform, last_in, before, first_in in channel_levels:
        if last_in is None:
            continue
        followers_end[code] = followers_end.get(code, 0) + last_in
        start_level = before if before is not None else first_in
        gained[code] = gained.get(code, 0) + last_in - start_level
    events = per_campaign(
        wh,
        "SELECT campaign_code, count(*) FROM events WHERE event_date BETWEEN ? AND ? GROUP BY 1",
        p,
    )
    participants = per_campaign(
        wh,
        "SELECT campaign_code, sum(participants) FROM participants "
        "WHERE event_date BETWEEN ? AND ? GROUP BY 1",
        p,
    )
    responses = per_campaign(
        wh,
        "SELECT campaign_code, count(*) FROM feedback "
        "WHERE submitted_at::DATE BETWEEN ? AND ? GROUP BY 1",
        p,
    )
    positive = per_campaign(
        wh,
        "SELECT f.campaign_code, count(*) FILTER (WHERE f.rating::DOUBLE / s.scale >= 0.8) "
        "/ count(f.rating) FROM feedback f JOIN (SELECT campaign_code, event_code, submitted_at, "
        "rating_scale AS scale FROM feedback) s USING (campaign_code, event_code, submitted_at) "
        "WHERE f.submitted_at::DATE BETWEEN ? AND ? GROUP BY 1",
        p,
    )
    spent = per_campaign(
        wh,
        "SELECT campaign_code, sum(amount_eur) FROM spend WHERE spend_date BETWEEN ? AND ? "
        "GROUP BY 1",
        p,
    )
    spent_to_end = per_campaign(
        wh,
        "SELECT campaign_code, sum(amount_eur) FROM spend WHERE spend_date <= ? GROUP BY 1",
        [END],
    )
    budget = per_campaign(
        wh,
        f"SELECT campaign_code, sum(amount::DOUBLE / {LATEST_RATE}) FROM budget_lines b GROUP BY 1",
    )
    for code in codes:
        row = sheet.loc[code]
        checks = {
            "impressions": impressions.get(code),
            "views": views.get(code),
            "engagements": engagements.get(code),
            "engagement_rate": rate.get(code),
            "content_items": content.get(code, 0),
            "followers_end": followers_end.get(code),
            "followers_gained": gained.get(code),
            "events": events.get(code, 0),
            "participants": participants.get(code),
            "feedback_responses": responses.get(code, 0),
            "positive_feedback_share": positive.get(code),
            "spent_period_eur": spent.get(code),
            "spent_cumulative_eur": spent_to_end.get(code),
            "budget_eur": budget.get(code),
        }
        for column, want in checks.items():
            tol = 1e-6 if column in ("engagement_rate", "positive_feedback_share") else 0.01
            assert close(row[label(column)], want, tol), (code, column, row[label(column)], want)
        assert close(row[label("execution")], spent_to_end[code] / budget[code], 1e-6)


def test_financial_sheet_equals_sql(programme_export, demo_warehouse: Warehouse) -> None:
    wh = demo_warehouse
    _, wb = programme_export
    fin = sheet_table(wb, "Financial report", "Financial report")
    fin = fin.rename(
        columns={
            label(c): c
            for c in (
                "row_type",
                "heading",
                "line_code",
                "budget_eur",
                "spent_period_eur",
                "spent_cumulative_eur",
                "execution",
                "variance_eur",
                "budget_kzt",
                "spent_period_kzt",
            )
        }
    )
    budget = dict(
        sql(
            wh,
            f"SELECT heading, sum(amount::DOUBLE / {LATEST_RATE}) FROM budget_lines b GROUP BY 1",
        )
    )
    budget_kzt = dict(
        sql(wh, "SELECT heading, sum(amount) FROM budget_lines WHERE currency = 'KZT' GROUP BY 1")
    )
    spent = dict(
        sql(
            wh,
            "SELECT heading, sum(amount_eur) FROM spend "
            "WHERE spend_date BETWEEN ? AND ? GROUP BY 1",
            [START, END],
        )
    )
    spent_kzt = dict(
        sql(
            wh,
            "SELECT heading, sum(amount) FROM spend WHERE currency = 'KZT' "
            "AND spend_date BETWEEN ? AND ? GROUP BY 1",
            [START, END],
        )
    )
    to_end = dict(
        sql(
            wh, "SELECT heading, sum(amount_eur) FROM spend WHERE spend_date <= ? GROUP BY 1", [END]
        )
    )
    headings = fin[fin["row_type"] == "heading"].set_index("heading")
    assert sorted(headings.index) == sorted(budget)
    for h, value in budget.items():
        row = headings.loc[h]
        assert close(row["budget_eur"], value)
        assert close(row["budget_kzt"], float(budget_kzt[h]))
        assert close(row["spent_period_eur"], spent.get(h))
        assert close(row["spent_period_kzt"], None if h not in spent_kzt else float(spent_kzt[h]))
        assert close(row["spent_cumulative_eur"], to_end.get(h))
        assert close(row["variance_eur"], value - (to_end.get(h) or 0))
        assert close(row["execution"], (to_end.get(h) or 0) / value, 1e-6)
    direct = [h for h in budget if 1 <= h <= 6]
    subtotal = fin[fin["row_type"] == "subtotal"].iloc[0]
    assert close(subtotal["budget_eur"], sum(budget[h] for h in direct))
    assert close(subtotal["spent_period_eur"], sum(spent.get(h, 0) for h in direct))
    total = fin[fin["row_type"] == "total"].iloc[0]
    assert close(total["budget_eur"], sum(budget.values()))
    assert close(total["spent_cumulative_eur"], sum(to_end.values()))
    # Line rows add up to their heading.
    lines = fin[fin["row_type"] == "line"]
    for h, part in lines.groupby("heading"):
        assert close(part["budget_eur"].sum(), headings.loc[h, "budget_eur"])
    # Order of the EU's financial report: 1-6, 7 subtotal, 8 indirect, total.
    order = [r for r in fin["row_type"] if r != "line"]
    assert order[-1] == "total" and order.index("subtotal") == len(direct)
    # Every converted cost with its month's rate.
    costs = sheet_table(wb, "Costs", "Costs")
    want = sql(
        wh,
        "SELECT count(*), sum(amount_eur) FROM spend WHERE spend_date BETWEEN ? AND ?",
        [START, END],
    )[0]
    assert len(costs) == want[0]
    assert close(costs[label("amount_eur")].sum(), want[1])
    rates = dict(
        ((m.strftime("%Y-%m"), c), r)
        for m, c, r in sql(wh, "SELECT month, currency, units_per_eur FROM exchange_rates")
    )
    for r in costs.itertuples(index=False):
        row = dict(zip(costs.columns, r, strict=True))
        if row[label("currency")] == "KZT":
            month = row[label("spend_date")].strftime("%Y-%m")
            assert row[label("rate_basis")] == month
            assert close(row[label("rate_units_per_eur")], rates[(month, "KZT")], 1e-9)
            assert close(row[label("amount_eur")], row[label("amount")] / rates[(month, "KZT")])


def test_subgrants_against_the_cap(programme_export, demo_warehouse: Warehouse) -> None:
    _, wb = programme_export
    sub = sheet_table(wb, "Financial report", "Sub-grants").set_index(label("organisation"))
    want = dict(
        sql(
            demo_warehouse,
            f"SELECT c.organisation_code, sum(b.amount::DOUBLE / "
            f"{LATEST_RATE}) FROM budget_lines b JOIN campaigns c "
            "ON c.code = b.campaign_code GROUP BY 1",
        )
    )
    assert sorted(sub.index) == sorted(want)
    for org, value in want.items():
        assert close(sub.loc[org, label("budget_eur")], value)
        assert sub.loc[org, label("cap_eur")] == 60000
        assert close(sub.loc[org, label("headroom_eur")], 60000 - value)
        assert sub.loc[org, label("cap_status")] == (
            "above the cap" if value > 60000 else "within the cap"
        )


def test_participants_disaggregated_and_checked(programme_export, demo_warehouse) -> None:
    _, wb = programme_export
    parts = sheet_table(wb, "Participants", "Participants")
    total = sql(
        demo_warehouse,
        "SELECT sum(participants) FROM participants WHERE event_date BETWEEN ? AND ?",
        [START, END],
    )[0][0]
    for dim in ("sex", "age_group", "region"):
        want = dict(
            sql(
                demo_warehouse,
                f"SELECT {dim}, sum(participants) FROM participants "
                "WHERE event_date BETWEEN ? AND ? GROUP BY 1",
                [START, END],
            )
        )
        got = parts[parts[label("dimension")] == dim].set_index(label("group"))
        assert {k: float(v) for k, v in want.items()} == {
            k: float(v) for k, v in got[label("participants")].items()
        }
        assert sum(want.values()) == total
    check = sheet_table(wb, "Participants", "Participant totals")
    assert list(check[label("check")]) == ["ok", "ok", "ok"]
    assert set(check[label("total")]) == {total}
    sex_age = sheet_table(wb, "Participants", "Participants by age group and sex")
    assert sex_age[label("total")].sum() == total
    events = sheet_table(wb, "Events", "Events")
    n_events = sql(
        demo_warehouse, "SELECT count(*) FROM events WHERE event_date BETWEEN ? AND ?", [START, END]
    )[0][0]
    assert len(events) == n_events


def test_logframe_values_and_status(programme_export, demo_warehouse: Warehouse) -> None:
    wh = demo_warehouse
    _, wb = programme_export
    lf = sheet_table(wb, "Logframe", "Logframe").set_index(label("indicator_code"))
    config = load_config()
    elapsed = ((END - PROGRAMME_START).days + 1) / ((PROGRAMME_END - PROGRAMME_START).days + 1)
    impressions = sql(
        wh,
        "SELECT sum(impressions) FILTER (WHERE day >= ?), sum(impressions) "
        "FROM channel_daily WHERE day BETWEEN ? AND ?",
        [START, PROGRAMME_START, END],
    )[0]
    events = sql(
        wh,
        "SELECT count(*) FILTER (WHERE event_date >= ?), count(*) FROM events "
        "WHERE event_date BETWEEN ? AND ?",
        [START, PROGRAMME_START, END],
    )[0]
    for code, (period, cumulative) in {"OP1": impressions, "OP3": events}.items():
        ind = next(i for i in config.indicators if i.code == code)
        row = lf.loc[code]
        assert close(row[label("value_period")], period)
        assert close(row[label("value_cumulative")], cumulative)
        assert row[label("target")] == ind.target
        achievement = cumulative / ind.target
        assert close(row[label("achievement")], achievement, 1e-9)
        pace = achievement / elapsed
        want = "behind" if pace < 0.85 else "ahead" if pace > 1.15 else "on track"
        assert row[label("status")] == want
    # Measured outside the dashboard: no value, said so.
    impact = lf.loc["IMP1"]
    assert pd.isna(impact[label("value_cumulative")])
    assert impact[label("status")] == "no data source"
    # A campaign KPI: impressions within the campaign's own period up to the status date.
    kpi = lf.loc["PDP-01/OP1"]
    start = sql(wh, "SELECT start_date FROM campaigns WHERE code = 'PDP-01'")[0][0]
    want_cum = sql(
        wh,
        "SELECT sum(impressions) FROM channel_daily WHERE campaign_code = "
        "'PDP-01' AND day BETWEEN ? AND ?",
        [start, END],
    )[0][0]
    want_period = sql(
        wh,
        "SELECT sum(impressions) FROM channel_daily WHERE campaign_code = "
        "'PDP-01' AND day BETWEEN ? AND ?",
        [START, END],
    )[0][0]
    assert close(kpi[label("value_cumulative")], want_cum)
    assert close(kpi[label("value_period")], want_period)
    target = sql(
        wh,
        "SELECT target FROM kpi_targets WHERE campaign_code = 'PDP-01' AND indicator_code = 'OP1'",
    )[0][0]
    assert close(kpi[label("achievement")], want_cum / target, 1e-9)


def test_reach_is_reported_never_added(programme_export, demo_warehouse: Warehouse) -> None:
    _, wb = programme_export
    reach = sheet_table(wb, "Reach", "Reach as reported")
    want = {
        (c, p): float(v)
        for c, p, v in sql(
            demo_warehouse,
            "SELECT campaign_code, platform, max(reach_day) "
            "FROM channel_daily WHERE day BETWEEN ? AND ? AND reach_day IS NOT "
            "NULL GROUP BY ALL",
            [START, END],
        )
    }
    day = reach[reach[label("window")] == "day"]
    got = {
        (r[0], r[1]): float(r[2])
        for r in day[[label("campaign"), label("platform"), label("reach_day_peak")]].itertuples(
            index=False
        )
    }
    assert got == want
    # No sum of reach anywhere in the campaigns sheet.
    campaigns = sheet_table(wb, "Campaigns", "Campaigns")
    assert not any("reach" in str(c).lower() for c in campaigns.columns)
    platforms = sheet_table(wb, "By platform", "By platform").set_index(label("platform"))
    by_platform = dict(
        sql(
            demo_warehouse,
            "SELECT platform, sum(impressions) FROM channel_daily "
            "WHERE day BETWEEN ? AND ? GROUP BY 1",
            [START, END],
        )
    )
    for platform, value in by_platform.items():
        assert close(platforms.loc[platform, label("impressions")], value)


def test_cover_and_charts(programme_export) -> None:
    result, wb = programme_export
    assert wb.sheetnames[:2] == ["Cover", "Logframe"]
    cover = {r[0]: r[1] for r in wb["Cover"].iter_rows(values_only=True) if r[0]}
    assert cover["Funded by the European Union"] is None  # the banner
    assert cover["Reporting period"] == f"{START} to {END}"
    assert cover["Report"] == "Whole programme"
    assert cover["Data as of (last load)"]
    texts = [c for r in wb["Cover"].iter_rows(values_only=True) for c in r if isinstance(c, str)]
    assert any(t.startswith("This publication was funded by the European Union") for t in texts)
    with zipfile.ZipFile(io.BytesIO(result.files["xlsx"])) as z:
        charts = [n for n in z.namelist() if n.startswith("xl/charts/chart")]
    assert len(charts) == 3


# --- the same figures as the dashboard's pages ------------------------------------------------


def test_export_equals_the_dashboard(monkeypatch, demo_warehouse: Warehouse, programme_export):
    _, wb = programme_export
    params = {"from": START.isoformat(), "to": END.isoformat()}
    at = open_page(monkeypatch, demo_warehouse, "portfolio", **params)
    shown = downloads(at, "portfolio_campaigns").set_index("campaign")
    sheet = sheet_table(wb, "Campaigns", "Campaigns").set_index(label("campaign"))
    assert sorted(shown.index) == sorted(sheet.index)
    for column, page_column in (
        ("impressions", "impressions"),
        ("views", "views"),
        ("engagements", "engagements"),
        ("engagement_rate", "engagement_rate"),
        ("content_items", "content_items"),
        ("spent_period_eur", "spend_eur"),
        ("budget_eur", "budget_eur"),
    ):
        for code in sheet.index:
            assert close(sheet.loc[code, label(column)], shown.loc[code, page_column], 1e-6), (
                code,
                column,
            )
    at = open_page(monkeypatch, demo_warehouse, "budget", **params)
    headings = downloads(at, "budget_headings").set_index("heading")
    fin = sheet_table(wb, "Financial report", "Financial report")
    for r in fin[fin[label("row_type")] == "heading"].itertuples(index=False):
        row = dict(zip(fin.columns, r, strict=True))
        h = row[label("heading")]
        assert close(row[label("budget_eur")], headings.loc[h, "budget"], 1e-6)
        assert close(row[label("spent_period_eur")], headings.loc[h, "spent"], 1e-6)


def test_campaign_kpis_equal_the_campaign_page(monkeypatch, demo_warehouse, programme_export):
    """The logframe's campaign rows are the Campaign page's KPIs at the same status date."""
    _, wb = programme_export
    lf = sheet_table(wb, "Logframe", "Logframe")
    params = {"from": START.isoformat(), "to": END.isoformat()}
    at = open_page(monkeypatch, demo_warehouse, "campaign", campaign="DSEC-03", **params)
    page = downloads(open_tab(at, "kpis"), "campaign_kpis").set_index("indicator_code")
    rows = lf[lf[label("indicator_code")].str.startswith("DSEC-03/")]
    assert len(rows) == len(page)
    for r in rows.to_dict("records"):
        code = r[label("indicator_code")].split("/", 1)[1]
        assert close(r[label("value_cumulative")], page.loc[code, "actual"], 1e-9), code
        assert close(r[label("achievement")], page.loc[code, "achievement"], 1e-9), code
        assert r[label("status")] == page.loc[code, "status"], code
    # a level or a rate (followers, a share of positive ratings) is met or not, in both places;
    # only the KPIs that add up over time have a pace
    levels = page[~page["cumulative"].astype(bool) & page["actual"].notna()]
    assert len(levels)
    assert set(levels["status"]) <= {"met", "not met"} and levels["pace"].isna().all()
    paced = page[page["cumulative"].astype(bool) & page["actual"].notna()]
    assert set(paced["status"]) <= {"on track", "behind", "ahead"}


# --- one campaign, grantees, viewers -------------------------------------------------------------


def _all_text(files: dict[str, bytes]) -> str:
    """Every string in the workbook's cells and every file of the package, as one text."""
    parts = []
    if "xlsx" in files:
        wb = openpyxl.load_workbook(io.BytesIO(files["xlsx"]))
        for ws in wb.worksheets:
            for row in ws.iter_rows(values_only=True):
                parts.extend(str(v) for v in row if v is not None)
    if "package" in files:
        with zipfile.ZipFile(io.BytesIO(files["package"])) as z:
            parts.extend(z.read(n).decode("utf-8-sig") for n in z.namelist())
    return "\n".join(parts)


def test_grantee_exports_only_its_campaigns(demo_warehouse: Warehouse) -> None:
    wh = demo_warehouse
    others = sql(
        wh,
        "SELECT c.code, c.name, o.name FROM campaigns c JOIN organisations o "
        "ON o.code = c.organisation_code WHERE c.organisation_code <> 'ADR'",
    )
    with data.scoped(data.Scope(organisation="ADR")):
        result = export(
            wh, Request(START, END, approved_only=False), formats=("xlsx", "package"), today=TODAY
        )
        with pytest.raises(ReportError, match="FOE-02"):
            build(
                wh,
                Request(START, END, campaigns=("FOE-02",), approved_only=False),
                load_config(),
                today=TODAY,
            )
    assert result.report.meta["campaigns"] == ["PDP-01"]
    assert result.report.meta["scope"].startswith("Organisation ADR")
    text = _all_text(result.files)
    assert "PDP-01" in text
    for code, name, org in others:
        for value in (code, name, org):
            assert value not in text, value
    # Programme targets are not compared for part of the programme.
    lf = result.report.tables["logframe"].frame
    programme_rows = lf[lf["section"] == "programme"]
    assert programme_rows["target"].isna().all()
    assert set(lf.loc[lf["section"] == "campaign", "campaign"]) == {"PDP-01"}


def test_files_made_together_are_the_files_made_one_by_one(demo_warehouse: Warehouse) -> None:
    """The export makes the package in a thread of its own beside the other files; the files,
    the order asked for and a grantee's scope are those of making each alone."""
    wh = demo_warehouse
    request = Request(START, END, approved_only=False)
    with data.scoped(data.Scope(organisation="ADR")):
        report = build(wh, request, load_config(), today=TODAY)
        files = render_files(wh, report, ("package", "xlsx"))
        alone = render(wh, report, "package")
    assert list(files) == ["package", "xlsx"]
    assert files["package"] == alone
    with zipfile.ZipFile(io.BytesIO(files["package"])) as zf:
        channel = pd.read_csv(zf.open("data/channel_daily.csv"), encoding="utf-8-sig")
    assert set(channel["campaign_code"]) == {"PDP-01"}
    book = openpyxl.load_workbook(io.BytesIO(files["xlsx"]), read_only=True)
    assert book.sheetnames


def test_one_campaign_report(demo_warehouse: Warehouse) -> None:
    result = export(
        demo_warehouse,
        Request(START, END, campaigns=("FOE-02",), approved_only=False),
        formats=("xlsx",),
        today=TODAY,
    )
    m = result.report.meta
    assert m["campaigns"] == ["FOE-02"] and m["scope"].startswith("Campaign FOE-02")
    assert "Erkin" in m["disclaimer"]  # the grantee's name, as the EU's visibility rules ask
    assert file_name(result.report, "xlsx") == f"report_FOE-02_{START}_{END}.xlsx"
    costs = result.report.tables["costs"].frame
    assert set(costs["campaign"]) == {"FOE-02"}


def test_cli_export_as_a_grantee(tmp_path: Path, demo_warehouse: Warehouse) -> None:
    from click.testing import CliRunner

    from cli import cli

    wh = copy_warehouse(demo_warehouse, tmp_path / "wh" / "warehouse.duckdb")
    account(wh, "grantee-ERK")
    runner = CliRunner()
    base = ["--warehouse", str(wh.path), "export", "--from", str(START), "--to", str(END)]
    res = runner.invoke(
        cli, [*base, "--user", "grantee-ERK", "--format", "package", "-o", str(tmp_path / "out")]
    )
    assert res.exit_code == 0, res.output
    written = tmp_path / "out" / f"report_FOE-02_{START}_{END}.zip"
    text = _all_text({"package": written.read_bytes()})
    assert "FOE-02" in text and "PDP-01" not in text
    res = runner.invoke(cli, [*base, "--user", "grantee-ERK", "-c", "PDP-01"])
    assert res.exit_code == 1
    res = runner.invoke(cli, [*base, "--user", "nobody"])
    assert res.exit_code == 1 and "no account 'nobody'" in res.output
    res = runner.invoke(
        cli, ["--warehouse", str(wh.path), "export", "--from", "2026-10-01", "--to", "2026-09-01"]
    )
    assert res.exit_code == 1 and "before it starts" in res.output


def test_participants_of_an_event_not_listed_are_never_dropped_silently(
    monkeypatch, tmp_path: Path, demo_warehouse: Warehouse, fresh_cache
) -> None:
    wh = copy_warehouse(demo_warehouse, tmp_path / "wh" / "warehouse.duckdb")
    # An event whose row was replaced without its participants' rows: they have no date now.
    with wh.writer() as con:
        con.execute(
            "UPDATE core.event SET superseded_by = batch_id WHERE campaign_code = 'PDP-01' "
            "AND event_code = 'PDP-01-E02' AND superseded_by IS NULL"
        )
    lost = sql(
        wh,
        "SELECT sum(participants) FROM core.participant_count WHERE campaign_code = "
        "'PDP-01' AND event_code = 'PDP-01-E02' AND superseded_by IS NULL",
    )[0][0]
    assert lost
    report = build(
        wh,
        Request(START, END, campaigns=("PDP-01",), approved_only=False),
        load_config(),
        today=TODAY,
    )
    notes = " ".join(report.tables["participants"].notes)
    assert f"PDP-01/PDP-01-E02 ({lost})" in notes
    at = open_page(monkeypatch, wh, "feedback", c="PDP-01")
    warning = " ".join(w.value for w in at.warning)
    assert "PDP-01/PDP-01-E02" in warning.replace("\\", "") and str(lost) in warning


# --- the data package -------------------------------------------------------------------------


def test_data_package(demo_warehouse: Warehouse) -> None:
    result = export(
        demo_warehouse, Request(START, END, approved_only=False), formats=("package",), today=TODAY
    )
    with zipfile.ZipFile(io.BytesIO(result.files["package"])) as z:
        # Every file deflated (by ISA-L) as any unzip reads it: zlib inflates each and its
        # checksum matches.
        assert z.testzip() is None
        assert {i.compress_type for i in z.infolist()} == {zipfile.ZIP_DEFLATED}
        assert all(i.compress_size < i.file_size for i in z.infolist() if i.file_size > 1000)
        names = set(z.namelist())
        descriptor = json.loads(z.read("datapackage.json"))
        dictionary = pd.read_csv(io.BytesIO(z.read("data_dictionary.csv")), encoding="utf-8-sig")
        channel = pd.read_csv(io.BytesIO(z.read("data/channel_daily.csv")), encoding="utf-8-sig")
        feedback = pd.read_csv(io.BytesIO(z.read("data/feedback.csv")), encoding="utf-8-sig")
        logframe = pd.read_csv(io.BytesIO(z.read("report/logframe.csv")), encoding="utf-8-sig")
    assert {
        "README.txt",
        "datapackage.json",
        "data_dictionary.csv",
        "report/financial.csv",
        "report/campaigns.csv",
        "report/participants.csv",
        "data/spend.csv",
    } - names == {"data/spend.csv"}
    assert {r["path"] for r in descriptor["resources"]} == names - {
        "README.txt",
        "datapackage.json",
        "data_dictionary.csv",
    }
    for resource in descriptor["resources"]:
        for f in resource["schema"]["fields"]:
            assert f["description"], (resource["path"], f["name"])
    assert len(dictionary) == sum(len(r["schema"]["fields"]) for r in descriptor["resources"])
    # The rows behind: the period's channel days, summing to the report's impressions.
    want = sql(
        demo_warehouse,
        "SELECT count(*), sum(impressions) FROM channel_daily WHERE day BETWEEN ? AND ?",
        [START, END],
    )[0]
    assert len(channel) == want[0] and channel["impressions"].sum() == want[1]
    # Personal data stays out: no comments, no time of day.
    assert "comment" not in feedback.columns and "submitted_at" not in feedback.columns
    assert set(logframe["indicator_code"]) >= {"OP1", "OP4", "IMP1"}
    # Each file of rows is in the order of its key, then of its other columns: the same rows,
    # the same file.
    for name, key in (
        ("campaigns", ["code"]),
        ("channel_daily", ["campaign_code", "platform", "day"]),
        ("content_items", ["campaign_code", "platform", "published_on", "post_id"]),
        ("participants", ["event_date", "campaign_code", "event_code", "region", "sex",
                          "age_group"]),
        ("feedback", ["submitted_on", "campaign_code", "event_code", "language"]),
        ("kpi_targets", ["campaign_code", "indicator_code"]),
        ("exchange_rates", ["currency", "month"]),
    ):  # fmt: skip
        with zipfile.ZipFile(io.BytesIO(result.files["package"])) as z:
            rows = pd.read_csv(
                io.BytesIO(z.read(f"data/{name}.csv")),
                encoding="utf-8-sig",
                dtype=str,
                keep_default_na=False,
            )
        keys = list(rows[key].itertuples(index=False, name=None))
        assert len(keys) > 1 and keys == sorted(keys), name


# --- freezing ---------------------------------------------------------------------------------


def _add_cost(wh: Warehouse, tmp_path: Path, amount: float, description: str = "Extra cost"):
    f = tmp_path / "extra-spend.csv"
    f.write_text(
        "date,budget_line,amount,currency,description,reference\n"
        f"2026-07-15,5.2,{amount},KZT,{description},PDP-01/2026/9999\n",
        encoding="utf-8",
    )
    result = load_file(wh, f, kind="spend", campaign="PDP-01")
    assert result.status == "loaded", result


def test_submitted_report_is_frozen_and_later_exports_show_changes(
    tmp_path: Path, demo_warehouse: Warehouse, fresh_cache
) -> None:
    wh = copy_warehouse(demo_warehouse, tmp_path / "wh" / "warehouse.duckdb")
    wh.migrate()
    request = Request(START, END, approved_only=False)
    report_id, first = submit(
        wh, request, title="Interim report 1", submitted_by="officer", today=TODAY
    )
    stored = freeze.stored(wh, report_id)
    assert stored.files == first.files and set(stored.files) == {"xlsx", "package", "pdf"}
    rows = sql(wh, "SELECT title, submitted_by, period_start, period_end, xlsx FROM core.report")
    assert rows[0][:4] == ("Interim report 1", "officer", START, END)
    assert bytes(rows[0][4]) == first.files["xlsx"]

    rate = sql(
        wh,
        "SELECT units_per_eur FROM exchange_rates WHERE month = '2026-07-01' AND currency = 'KZT'",
    )[0][0]
    _add_cost(wh, tmp_path, 100000.00)
    # The submitted report downloads unchanged after the new load.
    again = freeze.stored(wh, report_id)
    assert again.files == first.files
    assert again.report.to_json() == first.report.to_json()
    # A new export of the same request is compared with it.
    later = export(wh, request, formats=("xlsx",), today=TODAY)
    assert later.compared_with is not None and later.compared_with.report_id == report_id
    changes = later.changes.set_index(["table", "row", "column"])
    spent = changes.loc[("Campaigns", "PDP-01", "spent_period_eur")]
    assert spent["change"] == pytest.approx(round(100000 / rate, 2), abs=0.01)
    assert ("Costs", "PDP-01 / 2026-07-15 / 5.2 / PDP-01/2026/9999", "(row added)") in set(
        changes.index
    )
    # Nothing else about other campaigns changed.
    campaign_rows = later.changes[later.changes["table"] == "Campaigns"]
    assert set(campaign_rows["row"]) == {"PDP-01"}
    wb = openpyxl.load_workbook(io.BytesIO(later.files["xlsx"]))
    assert "Changes" in wb.sheetnames
    sheet = sheet_table(wb, "Changes", "Changes since the submitted report")
    assert len(sheet) == len(later.changes)
    cover = {r[0]: r[1] for r in wb["Cover"].iter_rows(values_only=True) if r[0]}
    assert f"#{report_id}" in cover["Compared with"]
    # Another period is another report: nothing to compare with.
    other = export(
        wh,
        Request(START, dt.date(2026, 9, 30), approved_only=False),
        formats=("xlsx",),
        today=TODAY,
    )
    assert other.compared_with is None and other.changes is None


def test_grantees_see_only_their_submitted_reports(tmp_path: Path, demo_warehouse, fresh_cache):
    wh = copy_warehouse(demo_warehouse, tmp_path / "wh" / "warehouse.duckdb")
    wh.migrate()
    config, now = load_config(), dt.datetime(2026, 11, 29, 10, 0)

    def submitted(request: Request, title: str) -> int:
        # The figures alone: which files are kept does not decide who may see them.
        report = build(wh, request, config, today=TODAY)
        return freeze.submit(wh, report, {}, title=title, submitted_by="officer", submitted_at=now)

    programme_id = submitted(Request(START, END, approved_only=False), "Programme")
    own_id = submitted(Request(START, END, campaigns=("PDP-01",), approved_only=False), "PDP-01")
    assert set(freeze.submitted(wh)["report_id"]) == {programme_id, own_id}
    with data.scoped(data.Scope(organisation="ADR")):
        assert list(freeze.submitted(wh)["report_id"]) == [own_id]
        assert freeze.stored(wh, programme_id) is None
    with data.scoped(data.Scope(organisation="ERK")):
        assert freeze.submitted(wh).empty


def test_cli_submit_list_download(tmp_path: Path, demo_warehouse: Warehouse) -> None:
    from click.testing import CliRunner
    from conftest import account

    from cli import cli

    wh = copy_warehouse(demo_warehouse, tmp_path / "wh" / "warehouse.duckdb")
    account(wh, "officer")
    account(wh, "grantee-ADR")
    runner = CliRunner()
    base = ["--warehouse", str(wh.path)]
    period = ["--from", str(START), "--to", str(END)]
    res = runner.invoke(
        cli, [*base, "report", "submit", *period, "--title", "Interim 1", "--by", "grantee-ADR"]
    )
    assert res.exit_code == 1 and "only officers" in res.output
    res = runner.invoke(
        cli, [*base, "report", "submit", *period, "--title", "Interim 1", "--by", "officer"]
    )
    assert res.exit_code == 0, res.output
    assert "submitted report #1" in res.output
    res = runner.invoke(cli, [*base, "report", "list", "--json"])
    listed = json.loads(res.output)
    assert [r["title"] for r in listed] == ["Interim 1"]
    out = tmp_path / "again"
    res = runner.invoke(cli, [*base, "report", "download", "1", "-o", str(out)])
    assert res.exit_code == 0, res.output
    stored = sql(wh, "SELECT xlsx, package, pdf FROM core.report WHERE report_id = 1")[0]
    for ext, blob in zip(("xlsx", "zip", "pdf"), stored, strict=True):
        assert (out / f"report_programme_{START}_{END}.{ext}").read_bytes() == bytes(blob)
    res = runner.invoke(cli, [*base, "report", "download", "7"])
    assert res.exit_code == 1 and "no submitted report #7" in res.output
    res = runner.invoke(
        cli, [*base, "export", *period, "--format", "xlsx", "-o", str(tmp_path / "now.xlsx")]
    )
    assert res.exit_code == 0 and "compared with submitted report #1" in res.output


# --- formula injection, reproducibility, the reporting file -------------------------------------


def test_formula_text_is_neutralised(tmp_path: Path, demo_warehouse, fresh_cache) -> None:
    wh = copy_warehouse(demo_warehouse, tmp_path / "wh" / "warehouse.duckdb")
    _add_cost(wh, tmp_path, 5000, '"=HYPERLINK(""http://x.example"",""click"")"')
    result = export(
        wh,
        Request(START, END, campaigns=("PDP-01",), approved_only=False),
        formats=("xlsx", "package"),
        today=TODAY,
    )
    wb = openpyxl.load_workbook(io.BytesIO(result.files["xlsx"]))
    costs = sheet_table(wb, "Costs", "Costs")
    cell = costs.loc[costs[label("reference")] == "PDP-01/2026/9999", label("description")].iloc[0]
    assert cell.startswith("'=HYPERLINK")
    for ws in wb.worksheets:
        for row in ws.iter_rows():
            for c in row:
                assert c.data_type != "f", (ws.title, c.coordinate, c.value)
    with zipfile.ZipFile(io.BytesIO(result.files["package"])) as z:
        text = z.read("report/costs.csv").decode("utf-8-sig")
    assert "'=HYPERLINK" in text and ",=HYPERLINK" not in text


def test_same_report_same_bytes_and_json_round_trip(demo_warehouse: Warehouse) -> None:
    now = dt.datetime(2026, 11, 29, 10, 0, tzinfo=dt.UTC)
    config = load_config()
    one = build(
        demo_warehouse,
        Request(START, END, approved_only=False),
        config,
        today=TODAY,
        produced_at=now,
    )
    two = build(
        demo_warehouse,
        Request(START, END, approved_only=False),
        config,
        today=TODAY,
        produced_at=now,
    )
    for fmt in ("xlsx", "package"):
        assert render(demo_warehouse, one, fmt) == render(demo_warehouse, two, fmt)
    back = type(one).from_json(one.to_json())
    assert back.to_json() == one.to_json()
    assert freeze.changes(one, back).empty
    for name, table in one.tables.items():
        assert list(back.tables[name].frame.columns) == list(table.frame.columns)


def test_changes_lists_each_differing_figure(demo_warehouse: Warehouse) -> None:
    config = load_config()
    before = build(demo_warehouse, Request(START, END, approved_only=False), config, today=TODAY)
    after = type(before).from_json(before.to_json())
    frame = after.tables["campaigns"].frame
    frame.loc[frame["campaign"] == "CEN-04", "impressions"] += 1000
    after.tables["events"].frame = after.tables["events"].frame.iloc[1:]
    out = freeze.changes(before, after)
    assert len(out) == 2
    imp = out[out["column"] == "impressions"].iloc[0]
    assert (imp["table"], imp["row"], imp["change"]) == ("Campaigns", "CEN-04", 1000)
    removed = out[out["column"] == freeze.REMOVED].iloc[0]
    assert removed["table"] == "Events"


@pytest.mark.parametrize(
    ("edit", "message"),
    [
        (('measure = "impressions"', 'measure = "reach"'), "`measure` = 'reach' is not a measure"),
        (('code = "OP2"', 'code = "OP1"'), "indicator code 'OP1' is used twice"),
        (('level = "output"', 'level = "activity"'), "`level` = 'activity'"),
        (("start = 2026-03-01", 'start = "March"'), "`start` = 'March' is not a date"),
        (
            ('disaggregation = ["sex", "age_group", "region"]', 'disaggregation = ["platform"]'),
            "cannot be split by platform",
        ),
    ],
)
def test_reporting_file_errors_name_what_to_fix(tmp_path: Path, edit, message) -> None:
    from dashboard.report.config import DEFAULT_PATH

    text = DEFAULT_PATH.read_text("utf-8")
    assert edit[0] in text
    path = tmp_path / "reporting.toml"
    path.write_text(text.replace(edit[0], edit[1], 1), "utf-8")
    with pytest.raises(ConfigError) as info:
        load_config(path)
    assert str(path) in str(info.value) and message in str(info.value)


def test_reporting_file_from_the_environment(tmp_path: Path, monkeypatch, demo_warehouse):
    from dashboard.report.config import DEFAULT_PATH

    path = tmp_path / "mine.toml"
    text = DEFAULT_PATH.read_text("utf-8").replace("target = 18000000", "target = 9000000")
    path.write_text(text, "utf-8")
    monkeypatch.setenv("CAMPAIGNS_REPORTING", str(path))
    report = build(
        demo_warehouse, Request(START, END, approved_only=False), load_config(), today=TODAY
    )
    lf = report.tables["logframe"].frame.set_index("indicator_code")
    assert lf.loc["OP1", "target"] == 9000000
    assert metrics.MEASURES[lf.loc["OP1", "measure"]].id == "impressions"


def test_a_programme_without_figures_yet_exports(programme: Warehouse, fresh_cache) -> None:
    """Only the set-up and rates loaded: every file is made, the tables are empty, not
    missing, and the logframe says there is no data yet."""
    result = export(
        programme,
        Request(dt.date(2026, 1, 1), dt.date(2026, 12, 31), approved_only=False),
        today=TODAY,
    )
    assert set(result.files) == {"xlsx", "package", "pdf"}
    wb = openpyxl.load_workbook(io.BytesIO(result.files["xlsx"]))
    assert sheet_table(wb, "Costs", "Costs").empty
    lf = result.report.tables["logframe"].frame.set_index("indicator_code")
    # Sums and ratios have nothing to add up yet; counts are 0, which is behind pace.
    assert lf.loc["OP1", "status"] == "no data" and pd.isna(lf.loc["OP1", "value_cumulative"])
    assert lf.loc["OP3", "value_cumulative"] == 0 and lf.loc["OP3", "status"] == "behind"
    assert result.files["pdf"].startswith(b"%PDF")
