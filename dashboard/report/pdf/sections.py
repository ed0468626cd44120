"""The PDF summary's sections after the cover, one function each: the logframe, results by
campaign and platform, the financial report by heading with the sub-grants, participants, and
the reporting periods not approved with the grantees' narratives, and the figures changed since
the submitted report the report is compared with."""

from __future__ import annotations

import pandas as pd
from reportlab.lib.units import mm
from reportlab.platypus import CondPageBreak, Flowable, KeepTogether, Spacer

from dashboard.report.approval import approval_table, statement
from dashboard.report.model import Comparison, Report, Table
from dashboard.report.pdf.layout import boxed, chart, fit_widths, grid, notes, nothing, para
from dashboard.report.pdf.styles import BODY, CELL_BOLD, H1, H2, NOTE, OVER, WIDTH
from dashboard.report.pdf.values import count, eur, in_unit, lang, missing, share, text, w
from dashboard.report.words import column_label, heading_name, shown_frame, value_text
from etl.kinds import HEADING_NAMES
from etl.reporting import NARRATIVE_PARTS

# Beyond this many campaigns the summary gives counts instead of a row per campaign (the
# workbook has them all): the annex stays a few pages whatever the programme's size.
MAX_CAMPAIGN_ROWS = 25
ABOVE_CAP = "above the cap"

# --- logframe ---------------------------------------------------------------------------------

LOGFRAME_HEADER = ("code", "indicator", "unit", "baseline", "target", "value_period",
                   "cumulative", "achievement", "status")  # fmt: skip


def label(column: str) -> str:
    """A column's heading in the PDF's language."""
    return column_label(column, lang())


def _records(report: Report, frame: pd.DataFrame) -> list[tuple[dict, dict]]:
    """Each row as the report has it (for the rules) and as the PDF shows it."""
    shown = shown_frame(report, frame)
    return list(zip(frame.to_dict("records"), shown.to_dict("records"), strict=True))


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
    # A programme too large for a row per campaign KPI: its indicators only, then counts.
    listed = frame[frame["section"] == "programme"] if many else frame
    for rec, shown in _records(report, listed):
        heading = (
            w("pdf.lf.programme")
            if rec.get("section") == "programme"
            else w("pdf.lf.campaign", result=text(shown.get("result")))
        )
        blocks.setdefault(heading, []).append(_indicator_cells(shown))
    right = {3, 4, 5, 6, 7}
    header = [w(f"pdf.lf.{key}") for key in LOGFRAME_HEADER]
    widths = fit_widths(header, [r for rows in blocks.values() for r in rows], right)
    for heading, rows in blocks.items():
        block = grid(header, [heading, *rows], right=right, widths=widths)
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
    rows = [
        [text(value_text("status", status, lang())), count(r.kpis), count(r.campaigns)]
        for status, r in counts.iterrows()
    ]
    return [
        para(w("pdf.lf.by_status"), H2),
        para(w("pdf.lf.many", campaigns=kpis["campaign"].nunique(), kpis=len(kpis)), BODY),
        grid([w("pdf.lf.status"), w("pdf.lf.kpis"), w("pdf.lf.campaigns")], rows, right={1, 2}),
    ]


# --- results ----------------------------------------------------------------------------------


def _campaign_header() -> list[str]:
    return [
        w("pdf.res.campaign"),
        w("pdf.res.name"),
        w("pdf.res.org"),
        *map(label, ("impressions", "views", "engagements", "participants")),
        *map(label, ("spent_period_eur", "budget_eur", "execution")),
    ]


def _platform_header() -> list[str]:
    return [
        *map(label, ("platform", "impressions", "views", "engagements", "engagement_rate")),
        w("pdf.res.peak"),
    ]


def results(report: Report) -> list[Flowable]:
    """Results by campaign (counts only, for a large programme), then by platform."""
    return [para(w("pdf.results"), H1), *_campaigns(report)] + _platforms(
        report.tables["platforms"]
    )


def _campaigns(report: Report) -> list[Flowable]:
    camps = report.tables["campaigns"]
    out: list[Flowable] = [para(camps.title, H2), para(camps.description, BODY)]
    if camps.frame.empty:
        return [*out, nothing("campaigns")]
    if len(camps.frame) > MAX_CAMPAIGN_ROWS:
        return [*out, para(w("pdf.res.many", n=len(camps.frame)), BODY)]
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
        for r in shown_frame(report, camps.frame).to_dict("records")
    ]
    return [*out, grid(_campaign_header(), rows, right=range(3, 10)), *notes(camps.notes)]


def _platforms(platforms: Table) -> list[Flowable]:
    out: list[Flowable] = [para(platforms.title, H2), para(platforms.description, BODY)]
    frame = platforms.frame
    if frame.empty:
        return [*out, nothing("platforms")]
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
    out += [grid(_platform_header(), rows, right=range(1, 6)), Spacer(1, 3 * mm)]
    figure = chart(
        [text(p) for p in frame["platform"]],
        [
            (label("impressions"), list(frame.get("impressions", [None] * len(frame)))),
            (label("views"), list(frame.get("views", [None] * len(frame)))),
        ],
        height_mm=min(40 + 9 * len(frame), 110),
        xlabel=w("pdf.res.chart_x"),
    )
    caption = w("pdf.res.chart_caption")
    heading = para(w("pdf.res.chart_title"), H2)
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
    out.append(para(w("pdf.fin.description"), BODY))
    summary = frame[frame["row_type"].isin(["heading", "subtotal", "total"])]
    if summary.empty:
        out.append(nothing("budget"))
    else:
        out += [_headings_grid(report, summary), *notes(table.notes)]
        out += _headings_chart(summary[summary["row_type"] == "heading"])
    return out + subgrants(report)


def _headings_grid(report: Report, summary: pd.DataFrame) -> Flowable:
    rows, bold = [], []
    for n, (r, shown) in enumerate(_records(report, summary)):
        if r["row_type"] != "heading":
            bold.append(n)
        rows.append(
            [
                text(r.get("heading")) if r["row_type"] == "heading" else "",
                text(shown.get("heading_name")),
                eur(r.get("budget_eur")),
                eur(r.get("spent_period_eur")),
                eur(r.get("spent_cumulative_eur")),
                share(r.get("execution")),
                eur(r.get("variance_eur")),
            ]
        )
    header = [w("pdf.fin.heading"), w("pdf.fin.name"), *map(label, FINANCIAL_COLUMNS)]
    return grid(header, rows, right=range(2, 7), bold_rows=bold)


def _headings_chart(headings: pd.DataFrame) -> list[Flowable]:
    if not len(headings):
        return []
    labels = [
        f"{text(h)} "
        + text(heading_name(h, lang(), name if not missing(name) else HEADING_NAMES.get(h, "")))
        for h, name in zip(headings["heading"], headings["heading_name"], strict=True)
    ]
    figure = chart(
        labels,
        [
            (w("pdf.fin.budget"), list(headings["budget_eur"])),
            (w("pdf.fin.spent"), list(headings["spent_cumulative_eur"])),
        ],
        height_mm=min(35 + 10 * len(headings), 110),
        xlabel="EUR",
    )
    return [KeepTogether([para(w("pdf.fin.chart_title"), H2), figure])]


def subgrants(report: Report) -> list[Flowable]:
    """Each grantee against the cap; for a large programme, only those above it."""
    table = report.tables["subgrants"]
    frame = table.frame
    out: list[Flowable] = [CondPageBreak(50 * mm), para(table.title, H2)]
    out.append(para(table.description, BODY))
    if frame.empty:
        return [*out, nothing("subgrants")]
    if len(frame) > MAX_CAMPAIGN_ROWS:
        above = frame[frame["cap_status"] == ABOVE_CAP]
        out.append(
            para(
                w("pdf.sub.many", n=len(frame), above=len(above))
                + (w("pdf.sub.above") if len(above) else ""),
                BODY,
            )
        )
        if above.empty:
            return out
        frame = above
    rows, over = [], {}
    for n, (r, shown) in enumerate(_records(report, frame)):
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
                text(shown.get("cap_status")),
            ]
        )
    header = [w("pdf.sub.org"), *map(label, SUBGRANT_COLUMNS)]
    out.append(grid(header, rows, right=range(3, 8), row_colours=over))
    return [*out, *notes(table.notes)]


# --- participants -----------------------------------------------------------------------------

DIMENSIONS = ("sex", "age_group", "region")


def participants(report: Report) -> list[Flowable]:
    """Participants by sex, age group and region side by side, the totals check, and age
    group by sex."""
    table = report.tables["participants"]
    out: list[Flowable] = [para(table.title, H1), para(table.description, BODY)]
    if table.frame.empty:
        out.append(nothing("participants"))
    else:
        out += [_breakdowns(report, table.frame), *notes(table.notes)]
    check = report.tables.get("participants_check")
    if check is not None:
        out += _totals_check(report, check)
    cross = report.tables.get("participants_sex_age")
    if cross is not None and len(cross.frame):
        out.append(_sex_by_age(cross))
    return out


def _breakdowns(report: Report, frame: pd.DataFrame) -> Flowable:
    """A table per breakdown, three side by side."""
    blocks = []
    header = [w("pdf.part.group"), w("pdf.part.participants"), w("pdf.part.share")]
    for dim in DIMENSIONS:
        part = frame[frame["dimension"] == dim]
        rows = [
            [text(r.get("group")), count(r.get("participants")), share(r.get("share"))]
            for r in shown_frame(report, part).to_dict("records")
        ]
        inner = grid(header, rows, right={1, 2}, total=WIDTH / 3 - 4)
        blocks.append([para(w(f"pdf.part.{dim}"), CELL_BOLD), inner])
    return boxed(
        [[b[0] for b in blocks], [b[1] for b in blocks]],
        [WIDTH / 3] * 3,
        [
            ("VALIGN", (0, 0), (-1, -1), "TOP"),
            ("LEFTPADDING", (0, 0), (-1, -1), 0),
            ("RIGHTPADDING", (0, 0), (-1, -1), 4),
        ],
    )


def _totals_check(report: Report, check: Table) -> list[Flowable]:
    out: list[Flowable] = [para(check.title, H2), para(check.description, BODY)]
    rows, flagged = [], {}
    for n, (r, shown) in enumerate(_records(report, check.frame)):
        if r.get("check") not in ("ok", None):
            flagged[n] = OVER
        rows.append(
            [
                text(shown.get("dimension")).replace("_", " "),
                count(r.get("sum_of_parts")),
                count(r.get("total")),
                count(r.get("difference")),
                text(shown.get("check")),
            ]
        )
    if not rows:
        return [*out, nothing("participants")]
    keys = ("breakdown", "sum_of_parts", "total", "difference", "check")
    header = [w(f"pdf.part.{key}") for key in keys]
    return [*out, grid(header, rows, right={1, 2, 3}, row_colours=flagged)]


def _sex_by_age(cross: Table) -> Flowable:
    columns = list(cross.frame.columns)
    header = [
        w("pdf.part.age")
        if c == "age_group"
        else (text(c).capitalize() if lang() == "en" else label(c))
        for c in columns
    ]
    rows = [
        [text(v) if c == "age_group" else count(v) for c, v in zip(columns, rec, strict=True)]
        for rec in cross.frame.itertuples(index=False)
    ]
    return KeepTogether([para(cross.title, H2), grid(header, rows, right=range(1, len(columns)))])


# --- the reporting cycle: approval and narratives ---------------------------------------------


def cycle(report: Report) -> list[Flowable]:
    """What the report counted of the reporting cycle (the periods not approved, left out or
    included) and the grantees' narratives, as written; nothing for a report made before the
    cycle."""
    out: list[Flowable] = []
    approval = approval_table(report.meta)
    if approval is not None:
        out += [para(w("cover.approval"), H1), *notes([statement(report.meta) or ""])]
        if len(approval.frame):
            header = [label(c) for c in approval.frame.columns]
            rows = [
                [
                    text(r["campaign"]),
                    text(r["period"]),
                    text(value_text("state", r["state"], lang())),
                ]
                for r in approval.frame.to_dict("records")
            ]
            out.append(grid(header, rows))
        out += notes(approval.notes[1:])
    table = report.tables.get("narratives")
    if table is None:
        return out
    out += [Spacer(1, 4 * mm), para(table.title, H1), para(table.description, BODY)]
    out += notes(table.notes)
    for rec in table.frame.to_dict("records"):
        state = value_text("state", rec.get("state"), lang())
        block: list[Flowable] = [
            para(f"{text(rec.get('campaign'))} {text(rec.get('period'))} ({text(state)})", H2)
        ]
        for part in NARRATIVE_PARTS:
            if not missing(rec.get(part)):
                block += [para(label(part), CELL_BOLD), para(str(rec[part]), BODY)]
        out += [CondPageBreak(40 * mm), *block, Spacer(1, 2 * mm)]
    return out


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
    which = w("changes.which_plain")
    if compared is not None:
        which = w("changes.which", id=text(compared.report_id), title=text(compared.title))
    keys = ("table", "row", "column", "submitted", "current", "change")
    return [
        para(w("changes.title"), H1),
        para(w("changes.summary", n=len(rows), which=which), BODY),
        grid([w(f"pdf.chg.{key}") for key in keys], rows, right={5}),
    ]
