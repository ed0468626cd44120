"""The PDF summary's cover: the EU emblem and funding statement, what the report covers and
when it was produced, the disclaimer, and the key figures from the report's tables."""

from __future__ import annotations

from reportlab.lib.units import mm
from reportlab.platypus import Flowable, Spacer, Table

from dashboard.report.model import Comparison, Report, ReportMeta
from dashboard.report.pdf.layout import FUNDED_BY_EU, Emblem, boxed, grid, para
from dashboard.report.pdf.styles import (
    CELL,
    CELL_BOLD,
    DISCLAIMER,
    EU_BLUE,
    GRID,
    H1,
    NOTE,
    SUBTITLE,
    TITLE,
    WIDTH,
)
from dashboard.report.pdf.values import column_sum, count, eur, missing, moment, share, text


def cover(report: Report) -> list[Flowable]:
    meta = report.meta
    return [
        Emblem(meta.funding_statement or FUNDED_BY_EU),
        Spacer(1, 8 * mm),
        para("Report summary", TITLE),
        para(text(meta.programme), SUBTITLE),
        _details(meta),
        Spacer(1, 5 * mm),
        _disclaimer(meta),
        Spacer(1, 6 * mm),
        para("Key figures", H1),
        grid(
            ["Figure", "Value", "What it counts"],
            [list(r) for r in key_figures(report)],
            right={1},
        ),
        para(
            "Reach counts unique people per platform and window and is never added up; it is "
            "not among the key figures. Sums over campaigns count activity once per campaign.",
            NOTE,
        ),
    ]


def _details(meta: ReportMeta) -> Table:
    """What the report covers, when it was produced and, when it applies, its submission or
    the submitted report it is compared with."""
    details = [
        ("Programme", text(meta.programme)),
        ("Contract", text(meta.contract)),
        ("Report scope", text(meta.scope)),
        ("Reporting period", meta.period_text),
        ("Organisation", text(meta.organisation_name)),
        ("Produced", moment(meta.produced_at)),
        ("Data as of", moment(meta.data_as_of)),
    ]
    submitted = meta.submitted
    if submitted is not None:
        details.append(
            (
                "Submitted",
                f"{text(submitted.title)} ({submitted.at_text}, by {text(submitted.by)})",
            )
        )
    if meta.compared_with is not None:
        details.append(("Compared with", compared_text(meta.compared_with)))
    return boxed(
        [[para(k, CELL_BOLD), para(v, CELL)] for k, v in details],
        [0.22 * WIDTH, 0.78 * WIDTH],
        [
            ("VALIGN", (0, 0), (-1, -1), "TOP"),
            ("LINEBELOW", (0, 0), (-1, -1), 0.3, GRID),
            ("LEFTPADDING", (0, 0), (-1, -1), 2),
            ("TOPPADDING", (0, 0), (-1, -1), 3),
            ("BOTTOMPADDING", (0, 0), (-1, -1), 3),
        ],
    )


def _disclaimer(meta: ReportMeta) -> Table:
    return boxed(
        [[para(meta.disclaimer or "", DISCLAIMER)]],
        [WIDTH],
        [
            ("BOX", (0, 0), (-1, -1), 0.6, EU_BLUE),
            ("LEFTPADDING", (0, 0), (-1, -1), 6),
            ("RIGHTPADDING", (0, 0), (-1, -1), 6),
            ("TOPPADDING", (0, 0), (-1, -1), 5),
            ("BOTTOMPADDING", (0, 0), (-1, -1), 5),
        ],
    )


def compared_text(compared: Comparison) -> str:
    return (
        f"submitted report #{text(compared.report_id)}: "
        f"{text(compared.title)} ({compared.submitted_at_text}); "
        f"{count(compared.changes)} figure(s) changed since"
    )


def key_figures(report: Report) -> list[tuple[str, str, str]]:
    """(figure, value, what it counts) for the cover, from the report's tables."""
    camps = report.tables["campaigns"].frame
    budget = column_sum(camps, "budget_eur")
    spent_to_date = column_sum(camps, "spent_cumulative_eur")
    rows = [
        ("Campaigns", count(len(camps)), "Campaigns running in the period"),
        (
            "Content items",
            count(column_sum(camps, "content_items")),
            "Posts and videos published in the period",
        ),
        (
            "Impressions",
            count(column_sum(camps, "impressions")),
            "Activity in the period, where platforms report impressions",
        ),
        ("Views", count(column_sum(camps, "views")), "Activity in the period"),
        (
            "Engagements",
            count(column_sum(camps, "engagements")),
            "Likes, comments, shares and saves in the period",
        ),
    ]
    rows += _engagement_rate(report)
    rows += [
        ("Events", count(column_sum(camps, "events")), "Events held in the period"),
        (
            "Participants",
            count(column_sum(camps, "participants")),
            "Participants of the events held in the period",
        ),
        (
            "Spent in the period (EUR)",
            eur(column_sum(camps, "spent_period_eur")),
            "Costs booked in the period",
        ),
        ("Budget (EUR)", eur(budget), "The campaigns' whole budgets"),
        (
            "Execution",
            share(spent_to_date / budget if budget and spent_to_date is not None else None),
            "Spend from the campaigns' start to the end of the period / budget",
        ),
    ]
    return rows


def _engagement_rate(report: Report) -> list[tuple[str, str, str]]:
    """The programme's engagement rate, when its logframe has one."""
    logframe = report.tables["logframe"].frame
    rate = logframe[
        (logframe["section"] == "programme") & (logframe["measure"] == "engagement_rate")
    ]
    if not len(rate):
        return []
    row = rate.iloc[0]
    value = row["value_period"]
    if not missing(value) and str(row["unit"]).strip() == "%":
        value = float(value) / 100
    return [
        (
            "Engagement rate",
            share(value),
            f"Engagements / impressions over the channel-days reporting both "
            f"(logframe {row['indicator_code']})",
        )
    ]
