"""The PDF summary's sections after the cover, one function each: the logframe, results by
campaign and platform, the financial report by heading with the sub-grants, participants, and
the figures changed since the submitted report the report is compared with."""

from __future__ import annotations

import pandas as pd
from reportlab.lib.units import mm
from reportlab.platypus import CondPageBreak, Flowable, KeepTogether, Spacer

from dashboard.report.model import Comparison, Report, Table, label
from dashboard.report.pdf.layout import boxed, chart, fit_widths, grid, notes, nothing, para
from dashboard.report.pdf.styles import BODY, CELL_BOLD, H1, H2, NOTE, OVER, WIDTH
from dashboard.report.pdf.values import count, eur, in_unit, missing, share, text
from etl.kinds import HEADING_NAMES

# Beyond this many campaigns the summary gives counts instead of a row per campaign (the
# workbook has them all): the annex stays a few pages whatever the programme's size.
MAX_CAMPAIGN_ROWS = 25
ABOVE_CAP = "above the cap"

# --- logframe ---------------------------------------------------------------------------------

LOGFRAME_HEADER = ["Code", "Indicator", "Unit", "Baseline", "Target", "Value in the period",
                   "Cumulative", "% of target", "Status"]  # fmt: skip


def logframe(report: Report) -> list[Flowable]:
    """The programme's indicators, then each campaign's KPIs in a block of its own (kept on
    one page), all with the same columns."""
    table = report.tables["logframe"]
    frame = table.frame
    out: list[Flowable] = [para(table.title, H1), para(table.description, BODY)]
    if frame.empty:
        return [*out, nothing("indicators")]
    many = frame["campaign"].nunique() > MAX_CAMPAIGN_ROWS
    blocks: dict[str, list[list[str]]] = {}
    for rec in frame.to_dict("records"):
        if many and rec.get("section") != "programme":
            continue
        heading = (
            "Programme indicators"
            if rec.get("section") == "programme"
            else f"Campaign KPIs: {text(rec.get('result'))}"
        )
        blocks.setdefault(heading, []).append(_indicator_cells(rec))
    right = {3, 4, 5, 6, 7}
    widths = fit_widths(LOGFRAME_HEADER, [r for rows in blocks.values() for r in rows], right)
    for heading, rows in blocks.items():
        block = grid(LOGFRAME_HEADER, [heading, *rows], right=right, widths=widths)
        out.append(KeepTogether([block, Spacer(1, 3 * mm)]) if len(rows) < 12 else block)
    if many:
        out += _kpi_summary(frame[frame["section"] == "campaign"])
    return [*out, *notes(table.notes)]


def _indicator_cells(rec: dict) -> list[str]:
    unit = rec.get("unit")
    return [
        text(rec.get("indicator_code")),
        text(rec.get("indicator")),
        text(unit),
        in_unit(rec.get("baseline"), unit),
        in_unit(rec.get("target"), unit),
        in_unit(rec.get("value_period"), unit),
        in_unit(rec.get("value_cumulative"), unit),
        share(rec.get("achievement")),
        text(rec.get("status")),
    ]


def _kpi_summary(kpis: pd.DataFrame) -> list[Flowable]:
    """Campaign KPIs counted by status, for a programme too large for a row per KPI."""
    counts = kpis.groupby(kpis["status"].fillna("no data"), sort=True).agg(
        kpis=("indicator_code", "size"), campaigns=("campaign", "nunique")
    )
    rows = [[text(status), count(r.kpis), count(r.campaigns)] for status, r in counts.iterrows()]
    return [
        para("Campaign KPIs by status", H2),
        para(
            f"{kpis['campaign'].nunique()} campaigns have {len(kpis)} KPIs; every one, with its "
            "values, is in the workbook's Logframe sheet.",
            BODY,
        ),
        grid(["Status", "KPIs", "Campaigns"], rows, right={1, 2}),
    ]


# --- results ----------------------------------------------------------------------------------

CAMPAIGN_HEADER = ["Campaign", "Name", "Org.", "Impressions", "Views", "Engagements",
                   "Participants", "Spent in the period (EUR)", "Budget (EUR)",
                   "Execution"]  # fmt: skip
PLATFORM_HEADER = ["Platform", "Impressions", "Views", "Engagements",
                   "Engagement rate (by impressions)",
                   "Peak one-day reach (one channel)"]  # fmt: skip


def results(report: Report) -> list[Flowable]:
    """Results by campaign (counts only, for a large programme), then by platform."""
    return [para("Results", H1), *_campaigns(report.tables["campaigns"])] + _platforms(
        report.tables["platforms"]
    )


def _campaigns(camps: Table) -> list[Flowable]:
    out: list[Flowable] = [para(camps.title, H2), para(camps.description, BODY)]
    if camps.frame.empty:
        return [*out, nothing("campaigns")]
    if len(camps.frame) > MAX_CAMPAIGN_ROWS:
        text_ = (
            f"{len(camps.frame)} campaigns: their results are in the workbook's Campaigns "
            "sheet and the data package; the programme's totals are on the cover."
        )
        return [*out, para(text_, BODY)]
    rows = [
        [
            text(r.get("campaign")),
            text(r.get("campaign_name")),
            text(r.get("organisation")),
            count(r.get("impressions")),
            count(r.get("views")),
            count(r.get("engagements")),
            count(r.get("participants")),
            eur(r.get("spent_period_eur")),
            eur(r.get("budget_eur")),
            share(r.get("execution")),
        ]
        for r in camps.frame.to_dict("records")
    ]
    return [*out, grid(CAMPAIGN_HEADER, rows, right=range(3, 10)), *notes(camps.notes)]


def _platforms(platforms: Table) -> list[Flowable]:
    out: list[Flowable] = [para(platforms.title, H2), para(platforms.description, BODY)]
    frame = platforms.frame
    if frame.empty:
        return [*out, nothing("platform figures")]
    rows = [
        [
            text(r.get("platform")),
            count(r.get("impressions")),
            count(r.get("views")),
            count(r.get("engagements")),
            share(r.get("engagement_rate")),
            count(r.get("reach_day_peak")),
        ]
        for r in frame.to_dict("records")
    ]
    out += [grid(PLATFORM_HEADER, rows, right=range(1, 6)), Spacer(1, 3 * mm)]
    figure = chart(
        [text(p) for p in frame["platform"]],
        [
            ("Impressions", list(frame.get("impressions", [None] * len(frame)))),
            ("Views", list(frame.get("views", [None] * len(frame)))),
        ],
        height_mm=min(40 + 9 * len(frame), 110),
        xlabel="Impressions and views in the period",
    )
    caption = "A platform that does not report a metric has no bar for it (not reported)."
    heading = para("Impressions and views by platform", H2)
    return [*out, KeepTogether([heading, figure, para(caption, NOTE)])]


# --- money ------------------------------------------------------------------------------------

FINANCIAL_COLUMNS = ("budget_eur", "spent_period_eur", "spent_cumulative_eur", "execution",
                     "variance_eur")  # fmt: skip
SUBGRANT_COLUMNS = ("organisation_name", "campaigns", "budget_eur", "spent_cumulative_eur",
                    "cap_eur", "cap_share", "headroom_eur", "cap_status")  # fmt: skip


def financial(report: Report) -> list[Flowable]:
    """Budget against spend by heading (the lines are in the workbook), a chart of each
    heading's budget and cumulative spend, then the sub-grants."""
    table = report.tables["financial"]
    frame = table.frame
    out: list[Flowable] = [para(table.title, H1)]
    out.append(
        para(
            "Budget against spend by EU budget heading (Annex III), in EUR; the lines of each "
            "heading are in the workbook.",
            BODY,
        )
    )
    summary = frame[frame["row_type"].isin(["heading", "subtotal", "total"])]
    if summary.empty:
        out.append(nothing("budget or costs"))
    else:
        out += [_headings_grid(summary), *notes(table.notes)]
        out += _headings_chart(summary[summary["row_type"] == "heading"])
    return out + subgrants(report)


def _headings_grid(summary: pd.DataFrame) -> Flowable:
    rows, bold = [], []
    for n, r in enumerate(summary.to_dict("records")):
        if r["row_type"] != "heading":
            bold.append(n)
        rows.append(
            [
                text(r.get("heading")) if r["row_type"] == "heading" else "",
                text(r.get("heading_name")),
                eur(r.get("budget_eur")),
                eur(r.get("spent_period_eur")),
                eur(r.get("spent_cumulative_eur")),
                share(r.get("execution")),
                eur(r.get("variance_eur")),
            ]
        )
    header = ["Heading", "Name", *map(label, FINANCIAL_COLUMNS)]
    return grid(header, rows, right=range(2, 7), bold_rows=bold)


def _headings_chart(headings: pd.DataFrame) -> list[Flowable]:
    if not len(headings):
        return []
    labels = [
        f"{text(h)} {text(name) if not missing(name) else HEADING_NAMES.get(h, '')}"
        for h, name in zip(headings["heading"], headings["heading_name"], strict=True)
    ]
    figure = chart(
        labels,
        [
            ("Budget", list(headings["budget_eur"])),
            ("Spent, cumulative", list(headings["spent_cumulative_eur"])),
        ],
        height_mm=min(35 + 10 * len(headings), 110),
        xlabel="EUR",
    )
    return [KeepTogether([para("Budget and cumulative spend by heading", H2), figure])]


def subgrants(report: Report) -> list[Flowable]:
    """Each grantee against the cap; for a large programme, only those above it."""
    table = report.tables["subgrants"]
    frame = table.frame
    out: list[Flowable] = [CondPageBreak(50 * mm), para(table.title, H2)]
    out.append(para(table.description, BODY))
    if frame.empty:
        return [*out, nothing("sub-grants")]
    if len(frame) > MAX_CAMPAIGN_ROWS:
        above = frame[frame["cap_status"] == ABOVE_CAP]
        out.append(
            para(
                f"{len(frame)} grantees, {len(above)} above the cap; every grantee is in the "
                "workbook's Financial report sheet."
                + (" The grantees above the cap:" if len(above) else ""),
                BODY,
            )
        )
        if above.empty:
            return out
        frame = above
    rows, over = [], {}
    for n, r in enumerate(frame.to_dict("records")):
        if r.get("cap_status") == ABOVE_CAP:
            over[n] = OVER
        rows.append(
            [
                text(r.get("organisation")),
                text(r.get("organisation_name")),
                text(r.get("campaigns")),
                eur(r.get("budget_eur")),
                eur(r.get("spent_cumulative_eur")),
                eur(r.get("cap_eur")),
                share(r.get("cap_share")),
                eur(r.get("headroom_eur")),
                text(r.get("cap_status")),
            ]
        )
    header = ["Org.", *map(label, SUBGRANT_COLUMNS)]
    out.append(grid(header, rows, right=range(3, 8), row_colours=over))
    return [*out, *notes(table.notes)]


# --- participants -----------------------------------------------------------------------------

DIMENSIONS = (("sex", "By sex"), ("age_group", "By age group"), ("region", "By region"))


def participants(report: Report) -> list[Flowable]:
    """Participants by sex, age group and region side by side, the totals check, and age
    group by sex."""
    table = report.tables["participants"]
    out: list[Flowable] = [para(table.title, H1), para(table.description, BODY)]
    if table.frame.empty:
        out.append(nothing("participants"))
    else:
        out += [_breakdowns(table.frame), *notes(table.notes)]
    check = report.tables.get("participants_check")
    if check is not None:
        out += _totals_check(check)
    cross = report.tables.get("participants_sex_age")
    if cross is not None and len(cross.frame):
        out.append(_sex_by_age(cross))
    return out


def _breakdowns(frame: pd.DataFrame) -> Flowable:
    """A table per breakdown, three side by side."""
    blocks = []
    for dim, title in DIMENSIONS:
        part = frame[frame["dimension"] == dim]
        rows = [
            [text(r.get("group")), count(r.get("participants")), share(r.get("share"))]
            for r in part.to_dict("records")
        ]
        inner = grid(["Group", "Participants", "Share"], rows, right={1, 2}, total=WIDTH / 3 - 4)
        blocks.append([para(title, CELL_BOLD), inner])
    return boxed(
        [[b[0] for b in blocks], [b[1] for b in blocks]],
        [WIDTH / 3] * 3,
        [
            ("VALIGN", (0, 0), (-1, -1), "TOP"),
            ("LEFTPADDING", (0, 0), (-1, -1), 0),
            ("RIGHTPADDING", (0, 0), (-1, -1), 4),
        ],
    )


def _totals_check(check: Table) -> list[Flowable]:
    out: list[Flowable] = [para(check.title, H2), para(check.description, BODY)]
    rows, flagged = [], {}
    for n, r in enumerate(check.frame.to_dict("records")):
        if r.get("check") not in ("ok", None):
            flagged[n] = OVER
        rows.append(
            [
                text(r.get("dimension")).replace("_", " "),
                count(r.get("sum_of_parts")),
                count(r.get("total")),
                count(r.get("difference")),
                text(r.get("check")),
            ]
        )
    if not rows:
        return [*out, nothing("participants")]
    header = ["Breakdown", "Sum of parts", "Total", "Difference", "Check"]
    return [*out, grid(header, rows, right={1, 2, 3}, row_colours=flagged)]


def _sex_by_age(cross: Table) -> Flowable:
    columns = list(cross.frame.columns)
    header = ["Age group" if c == "age_group" else text(c).capitalize() for c in columns]
    rows = [
        [text(v) if c == "age_group" else count(v) for c, v in zip(columns, rec, strict=True)]
        for rec in cross.frame.itertuples(index=False)
    ]
    return KeepTogether([para(cross.title, H2), grid(header, rows, right=range(1, len(columns)))])


# --- changes ----------------------------------------------------------------------------------


def changes_section(changes: pd.DataFrame, compared: Comparison | None) -> list[Flowable]:
    """Every figure that differs from the submitted report the report is compared with."""
    rows = [
        [
            text(r.get("table")),
            text(r.get("row")),
            text(r.get("column")),
            text(r.get("submitted")),
            text(r.get("current")),
            count(r.get("change"), sign=True),
        ]
        for r in changes.to_dict("records")
    ]
    which = "the report as submitted"
    if compared is not None:
        which = f"submitted report #{text(compared.report_id)} ({text(compared.title)})"
    return [
        para("Changes since the submitted report", H1),
        para(
            f"{len(rows)} figure(s) differ from {which}: the submitted value, the value now "
            "and, for numbers, the change.",
            BODY,
        ),
        grid(["Table", "Row", "Column", "Submitted", "Current", "Change"], rows, right={5}),
    ]
