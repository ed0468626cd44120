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
from dashboard.report.pdf.values import column_sum, count, eur, missing, moment, share, text, w
from dashboard.report.words import period


def cover(report: Report) -> list[Flowable]:
    meta = report.meta
    return [
        Emblem(meta.funding_statement or FUNDED_BY_EU),
        Spacer(1, 8 * mm),
        para(w("pdf.title"), TITLE),
        para(text(meta.programme), SUBTITLE),
        _details(meta),
        Spacer(1, 5 * mm),
        _disclaimer(meta),
        Spacer(1, 6 * mm),
        para(w("pdf.key_figures"), H1),
        grid(
            [w("pdf.figure"), w("pdf.value"), w("pdf.what")],
            [list(r) for r in key_figures(report)],
            right={1},
        ),
        para(w("pdf.reach_note"), NOTE),
    ]


def _details(meta: ReportMeta) -> Table:
    """What the report covers, when it was produced and, when it applies, its submission or
    the submitted report it is compared with."""
    details = [
        (w("pdf.programme"), text(meta.programme)),
        (w("pdf.contract"), text(meta.contract)),
        (w("pdf.scope"), text(meta.scope)),
        (w("pdf.period"), period(meta.period_start, meta.period_end, meta.lang)),
        (w("pdf.organisation"), text(meta.organisation_name)),
        (w("pdf.produced"), moment(meta.produced_at)),
        (w("pdf.data_as_of"), moment(meta.data_as_of)),
    ]
    submitted = meta.submitted
    if submitted is not None:
        details.append(
            (
                w("pdf.submitted"),
                w(
                    "pdf.submitted_text",
                    title=text(submitted.title),
                    at=submitted.at_text,
                    by=text(submitted.by),
                ),
            )
        )
    if meta.compared_with is not None:
        details.append((w("pdf.compared"), compared_text(meta.compared_with)))
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
    return w(
        "pdf.compared_text",
        id=text(compared.report_id),
        title=text(compared.title),
        at=compared.submitted_at_text,
        changes=count(compared.changes),
    )


def key_figures(report: Report) -> list[tuple[str, str, str]]:
    """(figure, value, what it counts) for the cover, from the report's tables."""
    camps = report.tables["campaigns"].frame
    budget = column_sum(camps, "budget_eur")
    spent_to_date = column_sum(camps, "spent_cumulative_eur")

    def row(key: str, value: str) -> tuple[str, str, str]:
        return (w(f"pdf.kf.{key}"), value, w(f"pdf.kf.{key}_what"))

    rows = [
        row("campaigns", count(len(camps))),
        row("content_items", count(column_sum(camps, "content_items"))),
        row("impressions", count(column_sum(camps, "impressions"))),
        row("views", count(column_sum(camps, "views"))),
        row("engagements", count(column_sum(camps, "engagements"))),
    ]
    rows += _engagement_rate(report)
    rows += [
        row("events", count(column_sum(camps, "events"))),
        row("participants", count(column_sum(camps, "participants"))),
        row("spent", eur(column_sum(camps, "spent_period_eur"))),
        row("budget", eur(budget)),
        row(
            "execution",
            share(spent_to_date / budget if budget and spent_to_date is not None else None),
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
            w("pdf.kf.engagement_rate"),
            share(value),
            w("pdf.kf.engagement_rate_what", code=row["indicator_code"]),
        )
    ]
