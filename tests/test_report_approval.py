"""The donor report on the reporting cycle, on a real warehouse: two campaigns with figures in
April, May and June 2026, some of their periods approved (``etl.reporting``). By default the
report counts approved periods only and names the others; ``approved_only=False``
(``campaigns export --include-unapproved``, the Reports page's checkbox unticked) counts every
figure and names the periods not approved. The grantees' narratives are in the workbook and the
PDF, in the language they were written in."""

from __future__ import annotations

import datetime as dt
import io
import json
import zipfile
from pathlib import Path

import openpyxl
import pandas as pd
import pypdf
import pytest
from click.testing import CliRunner
from conftest import METRICS_HEADER, write

from dashboard import metrics
from dashboard.report import Request, build, export, submit
from dashboard.report.behind import data_files
from dashboard.report.config import load_config
from dashboard.report.model import Approval, PeriodState, Report
from dashboard.report.package import render_package
from dashboard.report.pdf import render_pdf
from dashboard.report.xlsx import render_xlsx
from etl.accounts import User
from etl.load import load_file
from etl.reporting import take_step
from etl.warehouse import Warehouse

pytestmark = pytest.mark.usefixtures("fresh_cache")

OFFICER = User("olga", "Olga", "officer")
ADR = User("adr", "Almaty Digital Rights", "grantee", organisation="ADR")  # runs PDP-01
SMK = User("smk", "Shymkent Media Club", "grantee", organisation="SMK")  # runs FOE-02
START, END = dt.date(2026, 4, 1), dt.date(2026, 6, 30)
TODAY = dt.date(2026, 7, 20)

# (day, impressions, likes, followers) of each campaign's one channel, as loaded; its one-day
# reach is half its impressions.
CHANNEL = {
    "PDP-01": (
        "instagram",
        [
            ("2026-04-10", 1000, 50, 2000),
            ("2026-04-20", 1500, 60, 2100),
            ("2026-05-12", 3000, 90, 2300),
            ("2026-06-05", 2500, 80, 2600),
        ],
    ),
    "FOE-02": (
        "tiktok",
        [
            ("2026-04-15", 700, 21, 500),
            ("2026-05-15", 900, 30, 560),
            ("2026-06-15", 1100, 44, 640),
        ],
    ),
}
# PDP-01's posts: (post id, day of its figures, impressions); dated by their first day.
POSTS = [("P-APR", "2026-04-12", 300), ("P-MAY", "2026-05-20", 450)]
# PDP-01's costs: (day, amount in KZT); the programme's rate for month m is 600 + m + 0.5.
SPEND = [("2026-04-08", 100000), ("2026-05-08", 200000), ("2026-06-08", 300000)]
APPROVED = {"PDP-01": {"04", "06"}, "FOE-02": {"04"}}
NOT_APPROVED = (
    PeriodState("FOE-02", "2026-05", "returned"),
    PeriodState("FOE-02", "2026-06", "not_submitted"),
    PeriodState("PDP-01", "2026-05", "submitted"),
)
APRIL = {
    "achievements": "Reached 2,500 people with the data-rights videos",
    "challenges": "Instagram reach fell after the algorithm change",
    "success_story": "A school in Almaty used our video in class",
}
MAY = {"achievements": "Провели два вебинара о защите персональных данных"}
JUNE = {"success_story": "Біздің бейнені Шымкенттегі мектеп сабақта қолданды"}
RETURNED = {"challenges": "Two events postponed to the autumn"}


def _rate(day: str) -> float:
    return 600 + int(day[5:7]) + 0.5


def _approved(campaign: str, day: str) -> bool:
    return day[5:7] in APPROVED[campaign]


@pytest.fixture(autouse=True)
def cycle_from_each_start(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The programme's reporting file, its cycle running from each campaign's start."""
    shipped = Path(__file__).parents[1] / "dashboard" / "report" / "reporting.toml"
    text = "".join(
        line for line in shipped.read_text(encoding="utf-8").splitlines(keepends=True)
        if not line.startswith("first_period")
    )  # fmt: skip
    path = write(tmp_path / "reporting.toml", text)
    monkeypatch.setenv("CAMPAIGNS_REPORTING", str(path))
    return path


@pytest.fixture
def cycle(programme: Warehouse, tmp_path: Path) -> Warehouse:
    """The programme with its figures loaded, then PDP-01's April and June and FOE-02's April
    approved, PDP-01's May submitted, FOE-02's May returned and its June never submitted."""
    for campaign, (platform, days) in CHANNEL.items():
        rows = [
            f"{d},{platform},,,{imp},{imp // 2},,{likes},,,,,{fol}" for d, imp, likes, fol in days
        ]
        if campaign == "PDP-01":
            rows += [
                f"{d},{platform},{post},https://instagram.com/p/{post},{imp},,,,,,,,"
                for post, d, imp in POSTS
            ]
        path = write(tmp_path / f"{campaign}.csv", METRICS_HEADER + "\n" + "\n".join(rows) + "\n")
        assert load_file(programme, path, campaign=campaign).status == "loaded"
    costs = "".join(f"{d},1.1,{a},KZT,Coordinator,R-{i}\n" for i, (d, a) in enumerate(SPEND))
    path = write(
        tmp_path / "spend.csv", "date,budget_line,amount,currency,description,reference\n" + costs
    )
    assert load_file(programme, path, campaign="PDP-01").status == "loaded"

    def step(action: str, campaign: str, period: str, who: User, **kw: object) -> None:
        take_step(programme, action, campaign, period, who, **kw)

    step("submit", "PDP-01", "2026-04", ADR, narrative=APRIL)
    step("approve", "PDP-01", "2026-04", OFFICER)
    step("submit", "PDP-01", "2026-05", ADR, narrative=MAY)
    step("submit", "PDP-01", "2026-06", ADR, narrative=JUNE)
    step("approve", "PDP-01", "2026-06", OFFICER)
    step("submit", "FOE-02", "2026-04", SMK)
    step("approve", "FOE-02", "2026-04", OFFICER)
    step("submit", "FOE-02", "2026-05", SMK, narrative=RETURNED)
    step("return", "FOE-02", "2026-05", OFFICER, comment="Attach the attendance sheets")
    return programme


def _expected(approved_only: bool) -> dict[str, dict[str, float]]:
    """Each campaign's figures worked out from the rows loaded (the approved months only when
    ``approved_only``)."""
    out = {}
    for campaign, (_, days) in CHANNEL.items():
        kept = [r for r in days if not approved_only or _approved(campaign, r[0])]
        impressions = sum(r[1] for r in kept)
        likes = sum(r[2] for r in kept)
        spend = [
            a / _rate(d)
            for d, a in SPEND
            if campaign == "PDP-01" and (not approved_only or _approved(campaign, d))
        ]
        out[campaign] = {
            "impressions": impressions,
            "engagements": likes,
            "engagement_rate": likes / impressions,
            "followers_end": kept[-1][3],
            "followers_gained": kept[-1][3] - kept[0][3],
            "spent_period_eur": sum(spend) if spend else None,
            # posts published in the period (approved ones): none is no figure
            "content_items": sum(
                1
                for _, d, _ in POSTS
                if campaign == "PDP-01" and (not approved_only or _approved(campaign, d))
            )
            or None,
        }
    return out


def _peak_reach(report: Report) -> dict[str, float]:
    frame = report.tables["reach"].frame
    day = frame[frame["window"] == "day"]
    return dict(zip(day["campaign"], day["reach_day_peak"], strict=True))


def _expected_peaks(approved_only: bool) -> dict[str, float]:
    return {
        campaign: max(
            imp // 2 for d, imp, _, _ in days if not approved_only or _approved(campaign, d)
        )
        for campaign, (_, days) in CHANNEL.items()
    }


def _campaigns(report: Report) -> dict[str, dict]:
    frame = report.tables["campaigns"].frame
    return {r["campaign"]: r for r in frame.to_dict("records")}


def _check(report: Report, expected: dict[str, dict[str, float]]) -> None:
    got = _campaigns(report)
    assert set(got) == set(expected)
    for campaign, figures in expected.items():
        for column, value in figures.items():
            if value is None:
                assert pd.isna(got[campaign][column]), (campaign, column)
            else:
                assert got[campaign][column] == pytest.approx(value, abs=0.02), (campaign, column)


def test_the_report_counts_approved_periods_only_by_default(cycle: Warehouse) -> None:
    report = build(cycle, Request(START, END), load_config(), today=TODAY)
    _check(report, _expected(approved_only=True))
    # Reach is never added up: the peak one-day reach of the approved days.
    assert _peak_reach(report) == _expected_peaks(approved_only=True)
    # The rate is the ratio of the approved sums, not an average of monthly rates.
    rate = _campaigns(report)["PDP-01"]["engagement_rate"]
    assert rate == pytest.approx((50 + 60 + 80) / (1000 + 1500 + 2500))
    assert report.meta.approval == Approval(True, NOT_APPROVED)
    # Programme indicator OP1 (impressions) in the period: the approved months of both.
    logframe = report.tables["logframe"].frame.set_index("indicator_code")
    assert logframe.at["OP1", "value_period"] == pytest.approx(1000 + 1500 + 2500 + 700)


def test_including_figures_not_approved_is_the_report_of_every_figure(cycle: Warehouse) -> None:
    report = build(cycle, Request(START, END, approved_only=False), load_config(), today=TODAY)
    _check(report, _expected(approved_only=False))
    assert _peak_reach(report) == _expected_peaks(approved_only=False)
    assert report.meta.approval == Approval(False, NOT_APPROVED)
    # The same figures as the metrics layer gives without the approved-only rule.
    sel = metrics.Selection(start=START, end=END, campaigns=("FOE-02", "PDP-01"))
    plain = metrics.query(cycle, ["impressions", "engagement_rate"], sel, "total", ("campaign",))
    got = _campaigns(report)
    for row in plain.itertuples(index=False):
        assert got[row.campaign]["impressions"] == row.impressions
        assert got[row.campaign]["engagement_rate"] == pytest.approx(row.engagement_rate)


def test_the_approved_only_selection_by_month(cycle: Warehouse) -> None:
    sel = metrics.Selection(start=START, end=END, approved_only=True)
    by_month = metrics.query(cycle, ["impressions"], sel, "month", ("campaign",))
    got = {(r.campaign, r.period.strftime("%m")): r.impressions for r in by_month.itertuples()}
    expected: dict[tuple[str, str], float] = {}
    for campaign, (_, days) in CHANNEL.items():
        for day, impressions, _, _ in days:
            if _approved(campaign, day):
                key = (campaign, day[5:7])
                expected[key] = expected.get(key, 0) + impressions
    assert got == expected
    # Budget lines are not dated: the rule leaves them as they are.
    budget = metrics.totals(cycle, ["budget_eur"], metrics.Selection(campaigns=("PDP-01",)))
    approved = metrics.totals(
        cycle, ["budget_eur"], metrics.Selection(campaigns=("PDP-01",), approved_only=True)
    )
    assert approved == budget and budget["budget_eur"]


def _sheet_rows(book: openpyxl.Workbook, name: str) -> list[tuple]:
    return [r for r in book[name].iter_rows(values_only=True) if any(v is not None for v in r)]


def _table(rows: list[tuple], first: str) -> list[dict]:
    """The rows under the header row whose first cell is ``first``."""
    at = next(i for i, r in enumerate(rows) if r[0] == first)
    header = rows[at]
    out = []
    for r in rows[at + 1 :]:
        if r[0] is None or not isinstance(r[0], str) or len(r) < 2 or r[1] is None:
            break
        out.append(dict(zip(header, r, strict=False)))
    return out


def test_the_workbook_pdf_and_package_say_what_is_left_out(cycle: Warehouse) -> None:
    report = build(cycle, Request(START, END), load_config(), today=TODAY)
    book = openpyxl.load_workbook(io.BytesIO(render_xlsx(report)))
    assert book.sheetnames[-3:] == ["Approval", "Narratives", "Definitions"]
    statement = (
        "Figures of periods not yet approved are left out: FOE-02 2026-05 (returned), "
        "FOE-02 2026-06 (not submitted), PDP-01 2026-05 (submitted)."
    )
    cover = dict(r[:2] for r in book["Cover"].iter_rows(values_only=True) if r[0])
    assert cover["Approval of the figures"] == statement
    approval = _sheet_rows(book, "Approval")
    assert [(r["Campaign"], r["Period"], r["State"]) for r in _table(approval, "Campaign")] == [
        ("FOE-02", "2026-05", "returned"),
        ("FOE-02", "2026-06", "not_submitted"),
        ("PDP-01", "2026-05", "submitted"),
    ]
    assert any(statement in str(r[0]) for r in approval)

    # Narratives of approved periods only, as written.
    narratives = _table(_sheet_rows(book, "Narratives"), "Campaign")
    assert [(r["Campaign"], r["Period"]) for r in narratives] == [
        ("PDP-01", "2026-04"),
        ("PDP-01", "2026-06"),
    ]
    assert narratives[0]["Achievements"] == APRIL["achievements"]
    assert narratives[0]["Success story"] == APRIL["success_story"]
    assert narratives[1]["Success story"] == JUNE["success_story"]
    assert narratives[1]["Challenges"] is None

    text = "\n".join(
        p.extract_text() for p in pypdf.PdfReader(io.BytesIO(render_pdf(report))).pages
    )
    flat = " ".join(text.split())
    assert "Figures of periods not yet approved are left out" in flat
    assert APRIL["challenges"] in flat and JUNE["success_story"] in flat
    assert MAY["achievements"] not in flat

    files = zipfile.ZipFile(
        io.BytesIO(render_package(report, rows_behind=data_files(cycle, report)))
    )
    assert statement in files.read("README.txt").decode("utf-8")
    assert "report/narratives.csv" in files.namelist()
    assert "report/approval.csv" in files.namelist()
    # The rows behind the figures are those of approved periods too.
    channel = pd.read_csv(io.BytesIO(files.read("data/channel_daily.csv")), encoding="utf-8-sig")
    assert sorted(zip(channel["campaign_code"], channel["day"], strict=True)) == sorted(
        (campaign, d)
        for campaign, (_, days) in CHANNEL.items()
        for d, *_ in days
        if _approved(campaign, d)
    )


def test_with_figures_not_approved_the_files_name_them_and_every_narrative(
    cycle: Warehouse,
) -> None:
    report = build(cycle, Request(START, END, approved_only=False), load_config(), today=TODAY)
    book = openpyxl.load_workbook(io.BytesIO(render_xlsx(report)))
    cover = dict(r[:2] for r in book["Cover"].iter_rows(values_only=True) if r[0])
    assert cover["Approval of the figures"] == (
        "Includes figures not yet approved: FOE-02 2026-05 (returned), "
        "FOE-02 2026-06 (not submitted), PDP-01 2026-05 (submitted)."
    )
    narratives = _table(_sheet_rows(book, "Narratives"), "Campaign")
    assert [(r["Campaign"], r["Period"], r["State"]) for r in narratives] == [
        ("FOE-02", "2026-05", "returned"),
        ("PDP-01", "2026-04", "approved"),
        ("PDP-01", "2026-05", "submitted"),
        ("PDP-01", "2026-06", "approved"),
    ]
    assert narratives[2]["Achievements"] == MAY["achievements"]
    flat = " ".join(
        "\n".join(
            p.extract_text() for p in pypdf.PdfReader(io.BytesIO(render_pdf(report))).pages
        ).split()
    )
    assert "Includes figures not yet approved" in flat and MAY["achievements"] in flat


@pytest.mark.parametrize(
    ("lang", "sheets", "left_out", "submitted"),
    [
        ("ru", ("Утверждение", "Описательные отчёты"),
         "Данные ещё не утверждённых периодов не учтены", "представлен"),
        ("kk", ("Бекіту", "Баяндамалар"),
         "Әлі бекітілмеген кезеңдердің деректері есепке алынбады", "ұсынылды"),
    ],
)  # fmt: skip
def test_the_approval_and_narratives_in_russian_and_kazakh(
    cycle: Warehouse, lang: str, sheets: tuple[str, str], left_out: str, submitted: str
) -> None:
    report = build(cycle, Request(START, END), load_config(), today=TODAY, lang=lang)
    book = openpyxl.load_workbook(io.BytesIO(render_xlsx(report)))
    assert set(sheets) <= set(book.sheetnames)
    approval = _sheet_rows(book, sheets[0])
    text = " ".join(str(v) for r in approval for v in r if v is not None)
    assert left_out in text and f"PDP-01 2026-05 ({submitted})" in text
    narratives = " ".join(str(v) for r in _sheet_rows(book, sheets[1]) for v in r if v)
    assert JUNE["success_story"] in narratives and APRIL["achievements"] in narratives


def test_a_report_frozen_before_the_cycle_reads_back_and_a_new_one_keeps_its_approval(
    cycle: Warehouse,
) -> None:
    frozen = (Path(__file__).parent / "frozen_report.json").read_text("utf-8")
    old = Report.from_json(frozen)
    assert old.meta.approval is None and "narratives" not in old.tables
    assert old.to_json() == frozen
    assert "Approval" not in openpyxl.load_workbook(io.BytesIO(render_xlsx(old))).sheetnames

    report_id, made = submit(
        cycle, Request(START, END), load_config(), title="Interim 1", submitted_by="olga",
        today=TODAY,
    )  # fmt: skip
    from dashboard.report import freeze

    stored = freeze.stored(cycle, report_id)
    assert stored is not None
    assert stored.report.meta.approval == Approval(True, NOT_APPROVED)
    assert json.loads(stored.report.to_json())["meta"]["approval"]["not_approved"][0] == {
        "campaign": "FOE-02",
        "period": "2026-05",
        "state": "returned",
    }
    assert stored.report.tables["narratives"].frame.equals(made.report.tables["narratives"].frame)
    # Produced again with the same request, the figures are the same: nothing changed.
    again = export(cycle, Request(START, END), load_config(), formats=("xlsx",), today=TODAY)
    assert again.compared_with is not None and again.changes is not None
    assert again.changes.empty


def test_campaigns_export_counts_approved_periods_unless_asked(
    cycle: Warehouse, tmp_path: Path
) -> None:
    from cli import cli

    base = ["--warehouse", str(cycle.path), "export", "--from", str(START), "--to", str(END),
            "--format", "xlsx", "-c", "PDP-01"]  # fmt: skip
    for flag, impressions, said in (
        ([], 1000 + 1500 + 2500, "Figures of periods not yet approved are left out: "),
        (
            ["--include-unapproved"],
            1000 + 1500 + 3000 + 2500,
            "Includes figures not yet approved: ",
        ),
    ):
        out = tmp_path / ("all" if flag else "approved")
        result = CliRunner().invoke(cli, [*base, *flag, "-o", str(out)])
        assert result.exit_code == 0, result.output
        assert f"{said}PDP-01 2026-05 (submitted)." in result.output
        (path,) = out.glob("*.xlsx")
        rows = _table(_sheet_rows(openpyxl.load_workbook(path), "Campaigns"), "Campaign")
        assert rows[0]["Impressions"] == impressions


def test_the_reports_page_has_only_approved_periods_ticked(monkeypatch, cycle: Warehouse) -> None:
    import conftest

    at = conftest.open_page(monkeypatch, cycle, "reports", user="officer")
    box = at.checkbox(key="reports_approved_only")
    assert box.value is True and box.label == "Only approved periods"
    at.date_input(key="reports_from").set_value(START)
    at.date_input(key="reports_to").set_value(END)
    at.run()
    at.button(key="reports_produce").click()
    at.run()
    assert not at.exception, at.exception
    infos = [str(m.value) for m in at.info]
    left_out = [m for m in infos if m.startswith("Figures of periods not yet approved")]
    assert len(left_out) == 1 and "PDP-01 2026-05 (submitted)" in left_out[0]
    produced = next(iter(at.session_state["_reports_produced"].values()))[1]
    assert produced.report.meta.approval.approved_only

    at.checkbox(key="reports_approved_only").uncheck()
    at.run()
    at.button(key="reports_produce").click()
    at.run()
    assert not at.exception, at.exception
    infos = [str(m.value) for m in at.info]
    assert any(m.startswith("Includes figures not yet approved") for m in infos)

    at.session_state["lang"] = "ru"
    at.run()
    assert at.checkbox(key="reports_approved_only").label == "Только утверждённые периоды"


def test_figures_before_the_cycle_starts_count_as_loaded(
    cycle: Warehouse, cycle_from_each_start: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """With the cycle starting in June, April and May owe no approval: every April and May
    figure counts, and of June only the approved PDP-01's (FOE-02's June is not submitted)."""
    text = cycle_from_each_start.read_text(encoding="utf-8")
    june = write(
        cycle_from_each_start.with_name("june.toml"),
        text.replace("[cycle]\n", '[cycle]\nfirst_period = "2026-06"\n'),
    )
    monkeypatch.setenv("CAMPAIGNS_REPORTING", str(june))
    report = build(cycle, Request(START, END), load_config(), today=TODAY)
    foe_before_june = [r for r in CHANNEL["FOE-02"][1] if r[0] < "2026-06"]
    impressions = {
        "PDP-01": sum(r[1] for r in CHANNEL["PDP-01"][1]),
        "FOE-02": sum(r[1] for r in foe_before_june),
    }
    got = _campaigns(report)
    assert {c: got[c]["impressions"] for c in impressions} == impressions
    assert report.meta.approval == Approval(
        True, (PeriodState("FOE-02", "2026-06", "not_submitted"),)
    )
