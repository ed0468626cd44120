"""The donor report's PDF summary, for the annex of the narrative report: a cover with the EU
funding statement, the disclaimer and the key figures, then the logframe, results by campaign
and platform, the financial report by heading, the sub-grants against the cap, participants
by sex, age group and region and, when the report is compared with a submitted one, the
figures that changed.

Tables are drawn with reportlab (platypus), charts with matplotlib (Agg, PNG in memory). Text
uses the DejaVu Sans fonts shipped with matplotlib, so Cyrillic campaign names print whatever
fonts the system has. The same report gives the same bytes: reportlab runs in invariant mode
and the PDF's dates are the report's production time.
"""

from __future__ import annotations

import datetime as dt
import io
import math
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path
from typing import Any
from xml.sax.saxutils import escape

import matplotlib
import pandas as pd
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.ticker import FuncFormatter
from reportlab.lib import colors
from reportlab.lib.enums import TA_RIGHT
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import (
    CondPageBreak,
    Flowable,
    Image,
    KeepTogether,
    PageBreak,
    Paragraph,
    SimpleDocTemplate,
    Spacer,
    Table,
    TableStyle,
)

from dashboard.report.build import HEADING_NAMES
from dashboard.report.model import Report, label

FONT = "DejaVuSans"
FONT_BOLD = "DejaVuSans-Bold"
DASH = "–"
EU_BLUE = colors.HexColor("#003399")
EU_YELLOW = colors.HexColor("#FFCC00")
HEADER_FILL = colors.HexColor("#DCE6F1")
TOTAL_FILL = colors.HexColor("#F2F2F2")
GRID = colors.HexColor("#B0B7C3")
MUTED = colors.HexColor("#555555")
OVER = colors.HexColor("#B00020")
CHART_COLOURS = ("#003399", "#7FA7D9")

PAGE_WIDTH, PAGE_HEIGHT = A4
MARGIN = 15 * mm
# Beyond this many campaigns the summary gives counts instead of a row per campaign (the
# workbook has them all): the annex stays a few pages whatever the programme's size.
MAX_CAMPAIGN_ROWS = 25
BOTTOM_MARGIN = 22 * mm
WIDTH = PAGE_WIDTH - 2 * MARGIN


# --- fonts and styles -----------------------------------------------------------------------


def _font_path(name: str) -> Path:
    return Path(matplotlib.get_data_path()) / "fonts" / "ttf" / f"{name}.ttf"


def _register_fonts() -> None:
    """DejaVu Sans (regular and bold) from matplotlib's own files, registered once."""
    registered = set(pdfmetrics.getRegisteredFontNames())
    for name in (FONT, FONT_BOLD):
        if name not in registered:
            pdfmetrics.registerFont(TTFont(name, str(_font_path(name))))
    pdfmetrics.registerFontFamily(
        FONT, normal=FONT, bold=FONT_BOLD, italic=FONT, boldItalic=FONT_BOLD
    )


def _style(name: str, size: float = 8, *, bold: bool = False, **kw: Any) -> ParagraphStyle:
    return ParagraphStyle(
        name,
        fontName=FONT_BOLD if bold else FONT,
        fontSize=size,
        leading=kw.pop("leading", size * 1.25),
        **kw,
    )


TITLE = _style("title", 17, bold=True, leading=21, spaceAfter=4, textColor=EU_BLUE)
SUBTITLE = _style("subtitle", 11.5, leading=15, spaceAfter=10)
H1 = _style("h1", 13, bold=True, leading=16, spaceBefore=2, spaceAfter=4, textColor=EU_BLUE)
H2 = _style("h2", 10.5, bold=True, leading=13, spaceBefore=8, spaceAfter=3, textColor=EU_BLUE)
BODY = _style("body", 8.5, leading=11, spaceAfter=4)
NOTE = _style("note", 7, leading=9, spaceAfter=2, textColor=MUTED)
DISCLAIMER = _style("disclaimer", 8.5, leading=11.5)
CELL = _style("cell", 7.2, leading=8.8)
CELL_RIGHT = _style("cell_right", 7.2, leading=8.8, alignment=TA_RIGHT)
CELL_BOLD = _style("cell_bold", 7.2, bold=True, leading=8.8)
CELL_BOLD_RIGHT = _style("cell_bold_right", 7.2, bold=True, leading=8.8, alignment=TA_RIGHT)
HEAD = _style("head", 7.2, bold=True, leading=8.8)
HEAD_RIGHT = _style("head_right", 7.2, bold=True, leading=8.8, alignment=TA_RIGHT)
BANNER = _style("banner", 16, bold=True, leading=19, textColor=EU_BLUE)


# --- formatting -----------------------------------------------------------------------------


def _missing(value: Any) -> bool:
    if value is None or value is pd.NA or value is pd.NaT:
        return True
    if isinstance(value, str):
        return value.strip() == ""
    try:
        return bool(pd.isna(value))
    except (TypeError, ValueError):
        return False


def _text(value: Any) -> str:
    if _missing(value):
        return DASH
    if isinstance(value, dt.datetime | pd.Timestamp):
        return value.strftime("%Y-%m-%d")
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def _count(value: Any, *, sign: bool = False) -> str:
    """A count or amount with thousands separators; decimals only where the value has them;
    ``sign``: always with its sign (a change)."""
    if _missing(value):
        return DASH
    value = float(value)
    plus = "+" if sign else ""
    if abs(value - round(value)) < 1e-9:
        return f"{round(value):{plus},}"
    return f"{value:{plus},.2f}"


def _eur(value: Any) -> str:
    """EUR in a summary: whole euros."""
    return DASH if _missing(value) else f"{float(value):,.0f}"


def _share(value: Any) -> str:
    """A fraction as a percentage with one decimal."""
    return DASH if _missing(value) else f"{float(value) * 100:,.1f}%"


def _in_unit(value: Any, unit: Any) -> str:
    """A logframe value in its indicator's unit: percentages are on a 0-100 scale."""
    if _missing(value):
        return DASH
    if str(unit).strip() == "%":
        return f"{float(value):,.1f}%"
    return _count(value)


def _timestamp(value: Any) -> pd.Timestamp | None:
    if _missing(value):
        return None
    try:
        ts = pd.Timestamp(value)
    except (TypeError, ValueError):
        return None
    if ts.tzinfo is not None:
        ts = ts.tz_convert("UTC")
    return ts


def _moment(value: Any) -> str:
    """A production or load time to the minute (UTC when the value says so)."""
    ts = _timestamp(value)
    if ts is None:
        return DASH if _missing(value) else str(value)
    return ts.strftime("%Y-%m-%d %H:%M") + (" UTC" if ts.tzinfo is not None else "")


def _period(meta: dict[str, Any]) -> str:
    return f"{_text(meta.get('period_start'))} to {_text(meta.get('period_end'))}"


def _column_sum(frame: pd.DataFrame, column: str) -> float | None:
    if column not in frame:
        return None
    total = pd.to_numeric(frame[column], errors="coerce").sum(min_count=1)
    return None if pd.isna(total) else float(total)


# --- building blocks ------------------------------------------------------------------------


def _para(text: Any, style: ParagraphStyle = BODY) -> Paragraph:
    """A paragraph of plain text (user data included): escaped for reportlab's markup."""
    return Paragraph(escape(_text(text) if not isinstance(text, str) else text), style)


PADDING = 3


def _widths(
    header: Sequence[str],
    rows: Iterable[Sequence[str] | str],
    right: Iterable[int] = (),
    total: float = WIDTH,
) -> list[float]:
    """Column widths (points) within ``total``: every column at least as wide as its longest
    word (numbers are never broken), then the room left shared out towards each column's
    longest line, so long text wraps and a table with little in it stays narrow."""
    right = set(right)
    ncols = len(header)
    pad = 2 * PADDING + 1
    least = [max((_measure(w, FONT_BOLD) for w in h.split()), default=0) + pad for h in header]
    most = [_measure(h, FONT_BOLD) + pad for h in header]
    for row in rows:
        if isinstance(row, str):
            continue
        for i, value in enumerate(row):
            if i in right:
                width = _measure(value) + pad
                least[i] = max(least[i], width)
                most[i] = max(most[i], width)
            else:
                words = value.split()
                longest = max((_measure(w) for w in words), default=0)
                least[i] = max(least[i], min(longest + pad, total * 0.3))
                most[i] = max(most[i], _measure(value) + pad)
    widths = list(least)
    room = total - sum(widths)
    if room <= 0:
        return [w * total / sum(widths) for w in widths]
    wants = [max(0.0, most[i] - least[i]) for i in range(ncols)]
    wanted = sum(wants)
    if wanted >= room:
        return [widths[i] + wants[i] * room / wanted for i in range(ncols)]
    return [widths[i] + wants[i] for i in range(ncols)]


def _measure(text: str, font: str = FONT) -> float:
    return pdfmetrics.stringWidth(text, font, CELL.fontSize)


def _grid(
    header: Sequence[str],
    rows: Sequence[Sequence[str] | str],
    *,
    right: Iterable[int] = (),
    bold_rows: Iterable[int] = (),
    row_colours: dict[int, colors.Color] | None = None,
    widths: Sequence[float] | None = None,
    total: float = WIDTH,
) -> Table:
    """A table of text cells, each wrapped in its column; ``rows`` may hold plain strings,
    which become a row spanning the table (a section heading). ``right``: the columns aligned
    right (numbers); ``bold_rows`` and ``row_colours`` index the body rows; ``widths`` in
    points (by default from the contents, see :func:`_widths`, adding up to ``total``)."""
    right = set(right)
    bold = set(bold_rows)
    row_colours = row_colours or {}
    widths = list(widths) if widths is not None else _widths(header, rows, right, total)
    ncols = len(header)
    data: list[list[Any]] = [
        [Paragraph(escape(h), HEAD_RIGHT if i in right else HEAD) for i, h in enumerate(header)]
    ]
    style: list[tuple] = [
        ("GRID", (0, 0), (-1, -1), 0.4, GRID),
        ("BACKGROUND", (0, 0), (-1, 0), HEADER_FILL),
        ("VALIGN", (0, 0), (-1, -1), "TOP"),
        ("LEFTPADDING", (0, 0), (-1, -1), PADDING),
        ("RIGHTPADDING", (0, 0), (-1, -1), PADDING),
        ("TOPPADDING", (0, 0), (-1, -1), 2),
        ("BOTTOMPADDING", (0, 0), (-1, -1), 2),
    ]
    for n, row in enumerate(rows):
        r = n + 1
        if isinstance(row, str):
            data.append([Paragraph(escape(row), CELL_BOLD)] + [""] * (ncols - 1))
            style += [("SPAN", (0, r), (-1, r)), ("BACKGROUND", (0, r), (-1, r), TOTAL_FILL)]
            continue
        strong = n in bold
        colour = row_colours.get(n)
        cells = []
        for i, value in enumerate(row):
            if i in right:
                st = CELL_BOLD_RIGHT if strong else CELL_RIGHT
            else:
                st = CELL_BOLD if strong else CELL
            if colour is not None:
                st = ParagraphStyle(f"{st.name}_c", parent=st, textColor=colour)
            cells.append(Paragraph(escape(value), st))
        data.append(cells)
        if strong:
            style.append(("BACKGROUND", (0, r), (-1, r), TOTAL_FILL))
    table = Table(data, colWidths=widths, repeatRows=1, hAlign="LEFT")
    table.setStyle(TableStyle(style))
    return table


def _notes(notes: Iterable[str]) -> list[Flowable]:
    return [_para(n, NOTE) for n in notes if n]


def _nothing(what: str) -> Paragraph:
    return _para(f"No {what} in the period.", BODY)


class _Emblem(Flowable):
    """The EU emblem (twelve gold stars on blue) beside the funding statement."""

    def __init__(self, statement: str, height: float = 16 * mm) -> None:
        super().__init__()
        self.statement = statement
        self.height = height
        self.width = WIDTH

    def wrap(self, avail_width: float, avail_height: float) -> tuple[float, float]:
        return self.width, self.height

    def draw(self) -> None:
        c = self.canv
        h = self.height
        w = h * 1.5
        c.setFillColor(EU_BLUE)
        c.rect(0, 0, w, h, stroke=0, fill=1)
        c.setFillColor(EU_YELLOW)
        cx, cy, ring, outer = w / 2, h / 2, h / 3, h / 18
        for k in range(12):
            angle = math.pi / 2 - k * math.pi / 6
            sx, sy = cx + ring * math.cos(angle), cy + ring * math.sin(angle)
            path = c.beginPath()
            for p in range(10):
                r = outer if p % 2 == 0 else outer * 0.382
                a = math.pi / 2 + p * math.pi / 5
                x, y = sx + r * math.cos(a), sy + r * math.sin(a)
                if p == 0:
                    path.moveTo(x, y)
                else:
                    path.lineTo(x, y)
            path.close()
            c.drawPath(path, stroke=0, fill=1)
        para = Paragraph(escape(self.statement), BANNER)
        _, ph = para.wrap(self.width - w - 6 * mm, h)
        para.drawOn(c, w + 5 * mm, (h - ph) / 2)


# --- charts ---------------------------------------------------------------------------------


def _thousands(x: float, _pos: int) -> str:
    return f"{x:,.0f}"


def _chart(
    labels: Sequence[str],
    series: Sequence[tuple[str, Sequence[float | None]]],
    *,
    height_mm: float,
    xlabel: str,
) -> Image:
    """A horizontal grouped bar chart as a PNG image; a missing value draws no bar and says
    "not reported"."""
    width_in = WIDTH / 72
    height_in = height_mm / 25.4
    with matplotlib.rc_context(
        {"font.family": "sans-serif", "font.sans-serif": ["DejaVu Sans"], "font.size": 7.5}
    ):
        fig = Figure(figsize=(width_in, height_in), dpi=200)
        FigureCanvasAgg(fig)
        ax = fig.add_subplot()
        n = len(series)
        bar = 0.8 / n
        positions = list(range(len(labels)))
        top = max(
            (float(v) for _, values in series for v in values if not _missing(v)), default=0.0
        )
        for i, (name, values) in enumerate(series):
            ys = [p - 0.4 + bar * (i + 0.5) for p in positions]
            xs = [0.0 if _missing(v) else float(v) for v in values]
            ax.barh(ys, xs, height=bar * 0.92, label=name, color=CHART_COLOURS[i % 2])
            for y, v in zip(ys, values, strict=True):
                if _missing(v):
                    ax.text(top * 0.01, y, "not reported", va="center", fontsize=6, color="#555")
        ax.set_yticks(positions, labels)
        ax.invert_yaxis()
        ax.xaxis.set_major_formatter(FuncFormatter(_thousands))
        ax.set_xlabel(xlabel)
        ax.grid(axis="x", color="#DDDDDD", linewidth=0.6)
        ax.set_axisbelow(True)
        for side in ("top", "right"):
            ax.spines[side].set_visible(False)
        ax.legend(loc="lower right", frameon=False)
        fig.tight_layout()
        buf = io.BytesIO()
        fig.savefig(buf, format="png", metadata={"Software": None}, facecolor="white")
    buf.seek(0)
    return Image(buf, width=WIDTH, height=height_mm * mm)


# --- sections -------------------------------------------------------------------------------


def _key_figures(report: Report) -> list[tuple[str, str, str]]:
    """(figure, value, what it counts) for the cover, from the report's tables."""
    camps = report.tables["campaigns"].frame
    logframe = report.tables["logframe"].frame
    budget = _column_sum(camps, "budget_eur")
    spent_to_date = _column_sum(camps, "spent_cumulative_eur")
    rows = [
        ("Campaigns", _count(len(camps)), "Campaigns running in the period"),
        (
            "Content items",
            _count(_column_sum(camps, "content_items")),
            "Posts and videos published in the period",
        ),
        (
            "Impressions",
            _count(_column_sum(camps, "impressions")),
            "Activity in the period, where platforms report impressions",
        ),
        ("Views", _count(_column_sum(camps, "views")), "Activity in the period"),
        (
            "Engagements",
            _count(_column_sum(camps, "engagements")),
            "Likes, comments, shares and saves in the period",
        ),
    ]
    rate = logframe[
        (logframe["section"] == "programme") & (logframe["measure"] == "engagement_rate")
    ]
    if len(rate):
        row = rate.iloc[0]
        value = row["value_period"]
        if not _missing(value) and str(row["unit"]).strip() == "%":
            value = float(value) / 100
        rows.append(
            (
                "Engagement rate",
                _share(value),
                f"Engagements / impressions over the channel-days reporting both "
                f"(logframe {row['indicator_code']})",
            )
        )
    rows += [
        ("Events", _count(_column_sum(camps, "events")), "Events held in the period"),
        (
            "Participants",
            _count(_column_sum(camps, "participants")),
            "Participants of the events held in the period",
        ),
        (
            "Spent in the period (EUR)",
            _eur(_column_sum(camps, "spent_period_eur")),
            "Costs booked in the period",
        ),
        ("Budget (EUR)", _eur(budget), "The campaigns' whole budgets"),
        (
            "Execution",
            _share(spent_to_date / budget if budget and spent_to_date is not None else None),
            "Spend from the campaigns' start to the end of the period / budget",
        ),
    ]
    return rows


def _compared(compared: dict[str, Any]) -> str:
    return (
        f"submitted report #{_text(compared.get('report_id'))}: "
        f"{_text(compared.get('title'))} ({_text(compared.get('submitted_at'))}); "
        f"{_count(compared.get('changes'))} figure(s) changed since"
    )


def _cover(report: Report) -> list[Flowable]:
    meta = report.meta
    statement = meta.get("funding_statement") or "Funded by the European Union"
    details = [
        ("Programme", _text(meta.get("programme"))),
        ("Contract", _text(meta.get("contract"))),
        ("Report scope", _text(meta.get("scope"))),
        ("Reporting period", _period(meta)),
        ("Organisation", _text(meta.get("organisation_name"))),
        ("Produced", _moment(meta.get("produced_at"))),
        ("Data as of", _moment(meta.get("data_as_of"))),
    ]
    submitted = meta.get("submitted")
    if isinstance(submitted, dict):
        details.append(
            (
                "Submitted",
                f"{_text(submitted.get('title'))} ({_text(submitted.get('at'))}, "
                f"by {_text(submitted.get('by'))})",
            )
        )
    compared = meta.get("compared_with")
    if isinstance(compared, dict):
        details.append(("Compared with", _compared(compared)))
    info = Table(
        [[_para(k, CELL_BOLD), _para(v, CELL)] for k, v in details],
        colWidths=[0.22 * WIDTH, 0.78 * WIDTH],
        hAlign="LEFT",
    )
    info.setStyle(
        TableStyle(
            [
                ("VALIGN", (0, 0), (-1, -1), "TOP"),
                ("LINEBELOW", (0, 0), (-1, -1), 0.3, GRID),
                ("LEFTPADDING", (0, 0), (-1, -1), 2),
                ("TOPPADDING", (0, 0), (-1, -1), 3),
                ("BOTTOMPADDING", (0, 0), (-1, -1), 3),
            ]
        )
    )
    disclaimer = Table(
        [[_para(meta.get("disclaimer") or "", DISCLAIMER)]], colWidths=[WIDTH], hAlign="LEFT"
    )
    disclaimer.setStyle(
        TableStyle(
            [
                ("BOX", (0, 0), (-1, -1), 0.6, EU_BLUE),
                ("LEFTPADDING", (0, 0), (-1, -1), 6),
                ("RIGHTPADDING", (0, 0), (-1, -1), 6),
                ("TOPPADDING", (0, 0), (-1, -1), 5),
                ("BOTTOMPADDING", (0, 0), (-1, -1), 5),
            ]
        )
    )
    return [
        _Emblem(statement),
        Spacer(1, 8 * mm),
        _para("Report summary", TITLE),
        _para(_text(meta.get("programme")), SUBTITLE),
        info,
        Spacer(1, 5 * mm),
        disclaimer,
        Spacer(1, 6 * mm),
        _para("Key figures", H1),
        _grid(
            ["Figure", "Value", "What it counts"],
            [list(r) for r in _key_figures(report)],
            right={1},
        ),
        _para(
            "Reach counts unique people per platform and window and is never added up; it is "
            "not among the key figures. Sums over campaigns count activity once per campaign.",
            NOTE,
        ),
    ]


LOGFRAME_HEADER = ["Code", "Indicator", "Unit", "Baseline", "Target", "Value in the period",
                   "Cumulative", "% of target", "Status"]  # fmt: skip


def _logframe(report: Report) -> list[Flowable]:
    """The programme's indicators, then each campaign's KPIs in a block of its own (kept on
    one page), all with the same columns."""
    table = report.tables["logframe"]
    frame = table.frame
    out: list[Flowable] = [_para(table.title, H1), _para(table.description, BODY)]
    if frame.empty:
        return [*out, _nothing("indicators")]
    many = frame["campaign"].nunique() > MAX_CAMPAIGN_ROWS
    blocks: dict[str, list[list[str]]] = {}
    for rec in frame.to_dict("records"):
        if many and rec.get("section") != "programme":
            continue
        heading = (
            "Programme indicators"
            if rec.get("section") == "programme"
            else f"Campaign KPIs: {_text(rec.get('result'))}"
        )
        unit = rec.get("unit")
        blocks.setdefault(heading, []).append(
            [
                _text(rec.get("indicator_code")),
                _text(rec.get("indicator")),
                _text(unit),
                _in_unit(rec.get("baseline"), unit),
                _in_unit(rec.get("target"), unit),
                _in_unit(rec.get("value_period"), unit),
                _in_unit(rec.get("value_cumulative"), unit),
                _share(rec.get("achievement")),
                _text(rec.get("status")),
            ]
        )
    right = {3, 4, 5, 6, 7}
    widths = _widths(LOGFRAME_HEADER, [r for rows in blocks.values() for r in rows], right)
    for heading, rows in blocks.items():
        grid = _grid(LOGFRAME_HEADER, [heading, *rows], right=right, widths=widths)
        out.append(KeepTogether([grid, Spacer(1, 3 * mm)]) if len(rows) < 12 else grid)
    if many:
        out += _kpi_summary(frame[frame["section"] == "campaign"])
    return [*out, *_notes(table.notes)]


def _kpi_summary(kpis: pd.DataFrame) -> list[Flowable]:
    """Campaign KPIs counted by status, for a programme too large for a row per KPI."""
    counts = kpis.groupby(kpis["status"].fillna("no data"), sort=True).agg(
        kpis=("indicator_code", "size"), campaigns=("campaign", "nunique")
    )
    rows = [[_text(status), _count(r.kpis), _count(r.campaigns)] for status, r in counts.iterrows()]
    return [
        _para("Campaign KPIs by status", H2),
        _para(
            f"{kpis['campaign'].nunique()} campaigns have {len(kpis)} KPIs; every one, with its "
            "values, is in the workbook's Logframe sheet.",
            BODY,
        ),
        _grid(["Status", "KPIs", "Campaigns"], rows, right={1, 2}),
    ]


def _results(report: Report) -> list[Flowable]:
    camps = report.tables["campaigns"]
    platforms = report.tables["platforms"]
    out: list[Flowable] = [_para("Results", H1), _para(camps.title, H2)]
    out.append(_para(camps.description, BODY))
    if camps.frame.empty:
        out.append(_nothing("campaigns"))
    elif len(camps.frame) > MAX_CAMPAIGN_ROWS:
        out.append(
            _para(
                f"{len(camps.frame)} campaigns: their results are in the workbook's Campaigns "
                "sheet and the data package; the programme's totals are on the cover.",
                BODY,
            )
        )
    else:
        rows = [
            [
                _text(r.get("campaign")),
                _text(r.get("campaign_name")),
                _text(r.get("organisation")),
                _count(r.get("impressions")),
                _count(r.get("views")),
                _count(r.get("engagements")),
                _count(r.get("participants")),
                _eur(r.get("spent_period_eur")),
                _eur(r.get("budget_eur")),
                _share(r.get("execution")),
            ]
            for r in camps.frame.to_dict("records")
        ]
        out.append(
            _grid(
                [
                    "Campaign",
                    "Name",
                    "Org.",
                    "Impressions",
                    "Views",
                    "Engagements",
                    "Participants",
                    "Spent in the period (EUR)",
                    "Budget (EUR)",
                    "Execution",
                ],
                rows,
                right=range(3, 10),
            )
        )
        out += _notes(camps.notes)

    out.append(_para(platforms.title, H2))
    out.append(_para(platforms.description, BODY))
    frame = platforms.frame
    if frame.empty:
        out.append(_nothing("platform figures"))
        return out
    rows = [
        [
            _text(r.get("platform")),
            _count(r.get("impressions")),
            _count(r.get("views")),
            _count(r.get("engagements")),
            _share(r.get("engagement_rate")),
            _count(r.get("reach_day_peak")),
        ]
        for r in frame.to_dict("records")
    ]
    out.append(
        _grid(
            [
                "Platform",
                "Impressions",
                "Views",
                "Engagements",
                "Engagement rate (by impressions)",
                "Peak one-day reach (one channel)",
            ],
            rows,
            right=range(1, 6),
        )
    )
    out.append(Spacer(1, 3 * mm))
    chart = _chart(
        [_text(p) for p in frame["platform"]],
        [
            ("Impressions", list(frame.get("impressions", [None] * len(frame)))),
            ("Views", list(frame.get("views", [None] * len(frame)))),
        ],
        height_mm=min(40 + 9 * len(frame), 110),
        xlabel="Impressions and views in the period",
    )
    out.append(
        KeepTogether(
            [
                _para("Impressions and views by platform", H2),
                chart,
                _para(
                    "A platform that does not report a metric has no bar for it (not reported).",
                    NOTE,
                ),
            ]
        )
    )
    return out


def _financial(report: Report) -> list[Flowable]:
    table = report.tables["financial"]
    frame = table.frame
    out: list[Flowable] = [_para(table.title, H1)]
    out.append(
        _para(
            "Budget against spend by EU budget heading (Annex III), in EUR; the lines of each "
            "heading are in the workbook.",
            BODY,
        )
    )
    summary = frame[frame["row_type"].isin(["heading", "subtotal", "total"])]
    if summary.empty:
        out.append(_nothing("budget or costs"))
    else:
        rows, bold = [], []
        for n, r in enumerate(summary.to_dict("records")):
            if r["row_type"] != "heading":
                bold.append(n)
            rows.append(
                [
                    _text(r.get("heading")) if r["row_type"] == "heading" else "",
                    _text(r.get("heading_name")),
                    _eur(r.get("budget_eur")),
                    _eur(r.get("spent_period_eur")),
                    _eur(r.get("spent_cumulative_eur")),
                    _share(r.get("execution")),
                    _eur(r.get("variance_eur")),
                ]
            )
        out.append(
            _grid(
                [
                    "Heading",
                    "Name",
                    *map(
                        label,
                        (
                            "budget_eur",
                            "spent_period_eur",
                            "spent_cumulative_eur",
                            "execution",
                            "variance_eur",
                        ),
                    ),
                ],  # fmt: skip
                rows,
                right=range(2, 7),
                bold_rows=bold,
            )
        )
        out += _notes(table.notes)
        headings = summary[summary["row_type"] == "heading"]
        if len(headings):
            labels = [
                f"{_text(h)} {_text(name) if not _missing(name) else HEADING_NAMES.get(h, '')}"
                for h, name in zip(headings["heading"], headings["heading_name"], strict=True)
            ]
            out.append(
                KeepTogether(
                    [
                        _para("Budget and cumulative spend by heading", H2),
                        _chart(
                            labels,
                            [
                                ("Budget", list(headings["budget_eur"])),
                                ("Spent, cumulative", list(headings["spent_cumulative_eur"])),
                            ],
                            height_mm=min(35 + 10 * len(headings), 110),
                            xlabel="EUR",
                        ),
                    ]
                )
            )
    out += _subgrants(report)
    return out


def _subgrants(report: Report) -> list[Flowable]:
    table = report.tables["subgrants"]
    frame = table.frame
    out: list[Flowable] = [CondPageBreak(50 * mm), _para(table.title, H2)]
    out.append(_para(table.description, BODY))
    if frame.empty:
        return [*out, _nothing("sub-grants")]
    if len(frame) > MAX_CAMPAIGN_ROWS:
        above = frame[frame["cap_status"] == "above the cap"]
        out.append(
            _para(
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
        if r.get("cap_status") == "above the cap":
            over[n] = OVER
        rows.append(
            [
                _text(r.get("organisation")),
                _text(r.get("organisation_name")),
                _text(r.get("campaigns")),
                _eur(r.get("budget_eur")),
                _eur(r.get("spent_cumulative_eur")),
                _eur(r.get("cap_eur")),
                _share(r.get("cap_share")),
                _eur(r.get("headroom_eur")),
                _text(r.get("cap_status")),
            ]
        )
    out.append(
        _grid(
            [
                "Org.",
                *map(
                    label,
                    (
                        "organisation_name",
                        "campaigns",
                        "budget_eur",
                        "spent_cumulative_eur",
                        "cap_eur",
                        "cap_share",
                        "headroom_eur",
                        "cap_status",
                    ),
                ),
            ],  # fmt: skip
            rows,
            right=range(3, 8),
            row_colours=over,
        )
    )
    return [*out, *_notes(table.notes)]


DIMENSIONS = (("sex", "By sex"), ("age_group", "By age group"), ("region", "By region"))


def _participants(report: Report) -> list[Flowable]:
    table = report.tables["participants"]
    frame = table.frame
    out: list[Flowable] = [_para(table.title, H1), _para(table.description, BODY)]
    if frame.empty:
        out.append(_nothing("participants"))
    else:
        blocks = []
        for dim, title in DIMENSIONS:
            part = frame[frame["dimension"] == dim]
            rows = [
                [_text(r.get("group")), _count(r.get("participants")), _share(r.get("share"))]
                for r in part.to_dict("records")
            ]
            inner = _grid(
                ["Group", "Participants", "Share"], rows, right={1, 2}, total=WIDTH / 3 - 4
            )
            blocks.append([_para(title, CELL_BOLD), inner])
        outer = Table(
            [[b[0] for b in blocks], [b[1] for b in blocks]],
            colWidths=[WIDTH / 3] * 3,
            hAlign="LEFT",
        )
        outer.setStyle(
            TableStyle(
                [
                    ("VALIGN", (0, 0), (-1, -1), "TOP"),
                    ("LEFTPADDING", (0, 0), (-1, -1), 0),
                    ("RIGHTPADDING", (0, 0), (-1, -1), 4),
                ]
            )
        )
        out.append(outer)
        out += _notes(table.notes)

    check = report.tables.get("participants_check")
    if check is not None:
        out.append(_para(check.title, H2))
        out.append(_para(check.description, BODY))
        rows, flagged = [], {}
        for n, r in enumerate(check.frame.to_dict("records")):
            if r.get("check") not in ("ok", None):
                flagged[n] = OVER
            rows.append(
                [
                    _text(r.get("dimension")).replace("_", " "),
                    _count(r.get("sum_of_parts")),
                    _count(r.get("total")),
                    _count(r.get("difference")),
                    _text(r.get("check")),
                ]
            )
        if rows:
            out.append(
                _grid(
                    ["Breakdown", "Sum of parts", "Total", "Difference", "Check"],
                    rows,
                    right={1, 2, 3},
                    row_colours=flagged,
                )
            )
        else:
            out.append(_nothing("participants"))

    cross = report.tables.get("participants_sex_age")
    if cross is not None and len(cross.frame):
        columns = list(cross.frame.columns)
        header = ["Age group" if c == "age_group" else _text(c).capitalize() for c in columns]
        rows = [
            [_text(v) if c == "age_group" else _count(v) for c, v in zip(columns, rec, strict=True)]
            for rec in cross.frame.itertuples(index=False)
        ]
        out.append(
            KeepTogether(
                [
                    _para(cross.title, H2),
                    _grid(
                        header,
                        rows,
                        right=range(1, len(columns)),
                    ),
                ]
            )
        )
    return out


def _changes(changes: pd.DataFrame, meta: dict[str, Any]) -> list[Flowable]:
    rows = [
        [
            _text(r.get("table")),
            _text(r.get("row")),
            _text(r.get("column")),
            _text(r.get("submitted")),
            _text(r.get("current")),
            _count(r.get("change"), sign=True),
        ]
        for r in changes.to_dict("records")
    ]
    which = "the report as submitted"
    compared = meta.get("compared_with")
    if isinstance(compared, dict):
        which = (
            f"submitted report #{_text(compared.get('report_id'))} ({_text(compared.get('title'))})"
        )
    return [
        _para("Changes since the submitted report", H1),
        _para(
            f"{len(rows)} figure(s) differ from {which}: the submitted value, the value now "
            "and, for numbers, the change.",
            BODY,
        ),
        _grid(
            ["Table", "Row", "Column", "Submitted", "Current", "Change"],
            rows,
            right={5},
        ),
    ]


# --- the document ---------------------------------------------------------------------------


def _pdf_date(meta: dict[str, Any]) -> Callable[..., str]:
    """The PDF's creation and modification date: the report's production time (UTC)."""
    ts = _timestamp(meta.get("produced_at"))
    text = "D:20000101000000+00'00'" if ts is None else ts.strftime("D:%Y%m%d%H%M%S+00'00'")
    return lambda *_parts: text


def _canvas_maker(meta: dict[str, Any]) -> Callable[..., Canvas]:
    statement = meta.get("funding_statement") or "Funded by the European Union"
    where = f"{_text(meta.get('scope'))} · {_period(meta)}"
    date = _pdf_date(meta)

    class FooterCanvas(Canvas):
        """Keeps every page until the end, then writes each with its footer: the funding
        statement, "page N of M" and the report's scope and period."""

        def __init__(self, *args: Any, **kwargs: Any) -> None:
            super().__init__(*args, **kwargs)
            self.setDateFormatter(date)
            self._pages: list[dict] = []

        def showPage(self) -> None:  # noqa: N802 (reportlab's name)
            self._pages.append(dict(self.__dict__))
            self._startPage()

        def save(self) -> None:
            total = len(self._pages)
            for number, state in enumerate(self._pages, 1):
                self.__dict__.update(state)
                self._footer(number, total)
                super().showPage()
            super().save()

        def _footer(self, number: int, total: int) -> None:
            self.saveState()
            y = 12 * mm
            self.setStrokeColor(GRID)
            self.setLineWidth(0.4)
            self.line(MARGIN, y + 4 * mm, PAGE_WIDTH - MARGIN, y + 4 * mm)
            self.setFillColor(EU_BLUE)
            self.setFont(FONT_BOLD, 7.5)
            self.drawString(MARGIN, y, statement)
            self.setFillColor(MUTED)
            self.setFont(FONT, 7.5)
            self.drawRightString(PAGE_WIDTH - MARGIN, y, f"page {number} of {total}")
            text = where
            while len(text) > 4 and pdfmetrics.stringWidth(text, FONT, 7) > WIDTH:
                text = text[:-5] + "…"
            self.setFont(FONT, 7)
            self.drawString(MARGIN, y - 4 * mm, text)
            self.restoreState()

    return FooterCanvas


def render_pdf(report: Report, changes: pd.DataFrame | None = None) -> bytes:
    """The PDF summary of ``report`` as bytes; ``changes`` (see ``freeze.changes``), when not
    empty, adds the figures that differ from the submitted report."""
    _register_fonts()
    meta = report.meta
    story: list[Flowable] = _cover(report)
    story += [PageBreak(), *_logframe(report)]
    story += [PageBreak(), *_results(report)]
    story += [PageBreak(), *_financial(report)]
    story += [PageBreak(), *_participants(report)]
    if changes is not None and len(changes):
        story += [PageBreak(), *_changes(changes, meta)]

    buf = io.BytesIO()
    doc = SimpleDocTemplate(
        buf,
        pagesize=A4,
        leftMargin=MARGIN,
        rightMargin=MARGIN,
        topMargin=MARGIN,
        bottomMargin=BOTTOM_MARGIN,
        title=f"{_text(meta.get('programme'))}: {_text(meta.get('scope'))}",
        subject=f"Report summary, {_period(meta)}",
        author=_text(meta.get("organisation_name")),
        creator="campaign-dashboard",
        lang="en",
        invariant=1,
        initialFontName=FONT,
    )
    doc.build(story, canvasmaker=_canvas_maker(meta))
    return buf.getvalue()
