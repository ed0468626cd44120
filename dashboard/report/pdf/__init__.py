"""The donor report's PDF summary, for the annex of the narrative report: a cover with the EU
funding statement, the disclaimer and the key figures, then the logframe, results by campaign
and platform, the financial report by heading, the sub-grants against the cap, participants
by sex, age group and region, the reporting periods not approved and the grantees' narratives
and, when the report is compared with a submitted one, the
figures that changed.

Tables are drawn with reportlab (platypus), bar charts as vector drawings in the PDF itself:
``styles`` (fonts, colours, paragraph styles), ``values`` (how values are written),
``layout`` (tables, charts, the page template), ``cover`` and ``sections`` (one function per
section). The same report gives the same bytes: reportlab runs in invariant mode and the PDF's
dates are the report's production time.
"""

from __future__ import annotations

import pandas as pd
from reportlab.platypus import Flowable, PageBreak

from dashboard.report.model import Report
from dashboard.report.pdf.cover import cover
from dashboard.report.pdf.layout import write_document
from dashboard.report.pdf.sections import (
    MAX_CAMPAIGN_ROWS,
    changes_section,
    cycle,
    financial,
    logframe,
    participants,
    results,
)
from dashboard.report.pdf.styles import register_fonts
from dashboard.report.pdf.values import language

__all__ = ["MAX_CAMPAIGN_ROWS", "render_pdf"]


def render_pdf(report: Report, changes: pd.DataFrame | None = None) -> bytes:
    """The PDF summary of ``report`` as bytes; ``changes`` (see ``freeze.changes``), when not
    empty, adds the figures that differ from the submitted report."""
    register_fonts()
    with language(report.meta.lang):
        story: list[Flowable] = cover(report)
        story += [PageBreak(), *logframe(report)]
        story += [PageBreak(), *results(report)]
        story += [PageBreak(), *financial(report)]
        story += [PageBreak(), *participants(report)]
        on_cycle = cycle(report)
        if on_cycle:
            story += [PageBreak(), *on_cycle]
        if changes is not None and len(changes):
            story += [PageBreak(), *changes_section(changes, report.meta.compared_with)]
        return write_document(report.meta, story)
