"""The PDF summary's building blocks: paragraphs of plain text, tables whose columns fit their
cells, bar charts drawn in the PDF itself, the EU emblem, and the page template (every
page's footer: the funding statement, "page N of M", the report's scope and period).

The same report gives the same bytes: reportlab runs in invariant mode and the PDF's dates are
the report's production time.
"""

from __future__ import annotations

import io
import math
from collections.abc import Callable, Iterable, Sequence
from typing import Any
from xml.sax.saxutils import escape

from reportlab.lib import colors
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import Flowable, Paragraph, SimpleDocTemplate, Table, TableStyle

from dashboard.report.model import ReportMeta
from dashboard.report.pdf.styles import (
    BANNER,
    BODY,
    BOTTOM_MARGIN,
    CELL,
    CELL_BOLD,
    CELL_BOLD_RIGHT,
    CELL_RIGHT,
    CHART_COLOURS,
    EU_BLUE,
    EU_YELLOW,
    FONT,
    FONT_BOLD,
    GRID,
    HEAD,
    HEAD_RIGHT,
    HEAD_SMALL,
    HEAD_SMALL_RIGHT,
    HEADER_FILL,
    MARGIN,
    MUTED,
    NOTE,
    PADDING,
    PAGE_WIDTH,
    TOTAL_FILL,
    WIDTH,
)
from dashboard.report.pdf.values import lang, missing, text, timestamp, w
from dashboard.report.words import period

FUNDED_BY_EU = "Funded by the European Union"


# --- text -------------------------------------------------------------------------------------


def para(value: Any, style: ParagraphStyle = BODY) -> Paragraph:
    """A paragraph of plain text (user data included): escaped for reportlab's markup."""
    return Paragraph(escape(text(value) if not isinstance(value, str) else value), style)


def notes(lines: Iterable[str]) -> list[Flowable]:
    return [para(n, NOTE) for n in lines if n]


def nothing(what: str) -> Paragraph:
    """ "No ... in the period." (``what``: indicators, campaigns, platforms, budget,
    subgrants or participants)."""
    return para(w("pdf.none", what=w(f"pdf.none_what.{what}")), BODY)


# --- tables -----------------------------------------------------------------------------------


def measure(value: str, font: str = FONT) -> float:
    """The width of ``value`` in a table cell, in points."""
    return pdfmetrics.stringWidth(value, font, CELL.fontSize)


def _head_styles() -> tuple[ParagraphStyle, ParagraphStyle]:
    """The column titles' styles (left, right) in the PDF's language."""
    return (HEAD, HEAD_RIGHT) if lang() == "en" else (HEAD_SMALL, HEAD_SMALL_RIGHT)


def _measure_head(value: str) -> float:
    """The width of a column title's ``value``, in points."""
    style = _head_styles()[0]
    return pdfmetrics.stringWidth(value, style.fontName, style.fontSize)


def fit_widths(
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
    least = [max((_measure_head(w) for w in h.split()), default=0) + pad for h in header]
    most = [_measure_head(h) + pad for h in header]
    for row in rows:
        if isinstance(row, str):
            continue
        for i, value in enumerate(row):
            if i in right:
                width = measure(value) + pad
                least[i] = max(least[i], width)
                most[i] = max(most[i], width)
            else:
                longest = max((measure(w) for w in value.split()), default=0)
                least[i] = max(least[i], min(longest + pad, total * 0.3))
                most[i] = max(most[i], measure(value) + pad)
    room = total - sum(least)
    if room <= 0:
        return [w * total / sum(least) for w in least]
    wants = [max(0.0, most[i] - least[i]) for i in range(ncols)]
    wanted = sum(wants)
    if wanted >= room:
        return [least[i] + wants[i] * room / wanted for i in range(ncols)]
    return [least[i] + wants[i] for i in range(ncols)]


GRID_STYLE: list[tuple] = [
    ("GRID", (0, 0), (-1, -1), 0.4, GRID),
    ("BACKGROUND", (0, 0), (-1, 0), HEADER_FILL),
    ("VALIGN", (0, 0), (-1, -1), "TOP"),
    ("LEFTPADDING", (0, 0), (-1, -1), PADDING),
    ("RIGHTPADDING", (0, 0), (-1, -1), PADDING),
    ("TOPPADDING", (0, 0), (-1, -1), 2),
    ("BOTTOMPADDING", (0, 0), (-1, -1), 2),
]


# (aligned right, bold) -> the style of a body cell.
_CELL_STYLES = {
    (False, False): CELL,
    (False, True): CELL_BOLD,
    (True, False): CELL_RIGHT,
    (True, True): CELL_BOLD_RIGHT,
}


def _cell_style(right: bool, strong: bool, colour: colors.Color | None) -> ParagraphStyle:
    st = _CELL_STYLES[right, strong]
    if colour is not None:
        st = ParagraphStyle(f"{st.name}_c", parent=st, textColor=colour)
    return st


def grid(
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
    points (by default from the contents, see :func:`fit_widths`, adding up to ``total``)."""
    right = set(right)
    bold = set(bold_rows)
    row_colours = row_colours or {}
    columns = list(widths) if widths is not None else fit_widths(header, rows, right, total)
    head, head_right = _head_styles()
    ncols = len(header)
    data: list[list[Any]] = [
        [Paragraph(escape(h), head_right if i in right else head) for i, h in enumerate(header)]
    ]
    style = list(GRID_STYLE)
    for n, row in enumerate(rows):
        r = n + 1
        if isinstance(row, str):
            data.append([Paragraph(escape(row), CELL_BOLD)] + [""] * (ncols - 1))
            style += [("SPAN", (0, r), (-1, r)), ("BACKGROUND", (0, r), (-1, r), TOTAL_FILL)]
            continue
        strong = n in bold
        colour = row_colours.get(n)
        data.append(
            [
                Paragraph(escape(value), _cell_style(i in right, strong, colour))
                for i, value in enumerate(row)
            ]
        )
        if strong:
            style.append(("BACKGROUND", (0, r), (-1, r), TOTAL_FILL))
    table = Table(data, colWidths=columns, repeatRows=1, hAlign="LEFT")
    table.setStyle(TableStyle(style))
    return table


def boxed(rows: list[list[Any]], col_widths: Sequence[float], style: list[tuple]) -> Table:
    """A plain layout table (no header) of flowables with ``style``."""
    table = Table(rows, colWidths=list(col_widths), hAlign="LEFT")
    table.setStyle(TableStyle(style))
    return table


# --- pictures ---------------------------------------------------------------------------------


class Emblem(Flowable):
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
            self._star(cx + ring * math.cos(angle), cy + ring * math.sin(angle), outer)
        banner = Paragraph(escape(self.statement), BANNER)
        _, ph = banner.wrap(self.width - w - 6 * mm, h)
        banner.drawOn(c, w + 5 * mm, (h - ph) / 2)

    def _star(self, sx: float, sy: float, outer: float) -> None:
        c = self.canv
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


def _thousands(x: float) -> str:
    return f"{x:,.0f}" if lang() == "en" else f"{x:,.0f}".replace(",", "\u00a0")


def _ticks(low: float, high: float) -> list[float]:
    """Round steps from at most ``low`` to at least ``high`` (``low`` <= 0 <= ``high``), 0
    among them: 1, 2, 2.5 or 5 times a power of ten, about five of them, and never below 1 (the
    scale's numbers are whole: counts and euros)."""
    if high - low <= 0:
        return [0.0, 1.0]
    rough = max((high - low) / 5, 1.0)  # a step is never below 1
    power = 10 ** math.floor(math.log10(rough))
    step = next(m * power for m in (1, 2, 2.5, 5, 10) if m * power >= rough)
    # Rounded first, so that a value on a step (3.0000000001 steps) takes no step more.
    first, last = math.floor(round(low / step, 6)), math.ceil(round(high / step, 6))
    first, last = min(first, -1 if low < 0 else 0), max(last, 1 if high > 0 or first == 0 else 0)
    return [i * step for i in range(first, last + 1)]


def _fitted(value: str, font: str, size: float, width: float) -> str:
    """``value`` cut to ``width`` points, with an ellipsis when cut."""
    if pdfmetrics.stringWidth(value, font, size) <= width:
        return value
    while value and pdfmetrics.stringWidth(value + "…", font, size) > width:
        value = value[:-1]
    return value.rstrip() + "…"


class BarChart(Flowable):
    """A horizontal grouped bar chart drawn in the PDF itself (vector, its text set in the
    report's font): one bar per label and series, grouped by label, top to bottom, from a zero
    line (a negative value to its left); a legend above, a scale below. A missing value draws
    no bar and says "not reported"."""

    SIZE = 7.5
    LEGEND = 12.0  # the legend's row
    SCALE = 24.0  # the scale's numbers and its title

    def __init__(
        self,
        labels: Sequence[str],
        series: Sequence[tuple[str, Sequence[float | None]]],
        *,
        width: float,
        height: float,
        xlabel: str,
    ) -> None:
        super().__init__()
        self.labels, self.series, self.xlabel = list(labels), list(series), xlabel
        self.width, self.height = width, height
        self.not_reported = w("pdf.not_reported")

    def wrap(self, available_width: float, available_height: float) -> tuple[float, float]:
        return self.width, self.height

    def draw(self) -> None:
        c = self.canv
        values = [float(v) for _, vs in self.series for v in vs if not missing(v)]
        ticks = _ticks(min([0.0, *values]), max([0.0, *values]))
        longest = max((pdfmetrics.stringWidth(t, FONT, self.SIZE) for t in self.labels), default=0)
        left = min(longest, 0.4 * self.width) + 6
        # Room at the right for the last number of the scale, centred on its tick.
        right = self.width - pdfmetrics.stringWidth(_thousands(ticks[-1]), FONT, self.SIZE) / 2
        bottom, top = self.SCALE, self.height - self.LEGEND
        scale = (right - left) / (ticks[-1] - ticks[0])
        zero = left - ticks[0] * scale
        fills = [
            colors.HexColor(CHART_COLOURS[j % len(CHART_COLOURS)]) for j in range(len(self.series))
        ]
        c.saveState()
        c.setFont(FONT, self.SIZE)
        for tick in ticks:  # the grid and the scale's numbers
            x = zero + tick * scale
            c.setStrokeColor(colors.HexColor("#DDDDDD"))
            c.setLineWidth(0.6)
            c.line(x, bottom, x, top)
            c.setFillColor(colors.black)
            c.drawCentredString(x, bottom - self.SIZE - 3, _thousands(tick))
        c.drawCentredString((left + right) / 2, 2, self.xlabel)
        group = (top - bottom) / max(len(self.labels), 1)
        bar = 0.8 * group / max(len(self.series), 1)
        for i, name in enumerate(self.labels):
            middle = top - (i + 0.5) * group
            c.setFillColor(colors.black)
            shown = _fitted(name, FONT, self.SIZE, left - 6)
            c.drawRightString(left - 4, middle - self.SIZE / 3, shown)
            for j, (_, vs) in enumerate(self.series):
                y = middle + 0.4 * group - bar * (j + 1)
                v = vs[i]
                if missing(v):
                    c.setFillColor(MUTED)
                    c.setFont(FONT, 6)
                    c.drawString(zero + 2, y + bar / 2 - 2, self.not_reported)
                    c.setFont(FONT, self.SIZE)
                    continue
                c.setFillColor(fills[j])
                c.rect(zero, y + 0.04 * bar, float(v) * scale, 0.92 * bar, stroke=0, fill=1)
        c.setStrokeColor(colors.black)
        c.setLineWidth(0.8)
        c.line(zero, bottom, zero, top)
        c.line(left, bottom, right, bottom)
        x = left
        for j, (name, _) in enumerate(self.series):  # the legend, above the bars
            c.setFillColor(fills[j])
            c.rect(x, self.height - 8, 10, 6, stroke=0, fill=1)
            c.setFillColor(colors.black)
            c.drawString(x + 13, self.height - 8, name)
            x += 13 + pdfmetrics.stringWidth(name, FONT, self.SIZE) + 12
        c.restoreState()


def chart(
    labels: Sequence[str],
    series: Sequence[tuple[str, Sequence[float | None]]],
    *,
    height_mm: float,
    xlabel: str,
) -> Flowable:
    """A horizontal grouped bar chart (:class:`BarChart`) the width of the page's text."""
    return BarChart(labels, series, width=WIDTH, height=height_mm * mm, xlabel=xlabel)


# --- the document -----------------------------------------------------------------------------


def _pdf_date(meta: ReportMeta) -> Callable[..., str]:
    """The PDF's creation and modification date: the report's production time (UTC)."""
    ts = timestamp(meta.produced_at)
    stamp = "D:20000101000000+00'00'" if ts is None else ts.strftime("D:%Y%m%d%H%M%S+00'00'")
    return lambda *_parts: stamp


def _canvas_maker(meta: ReportMeta) -> Callable[..., Canvas]:
    statement = meta.funding_statement or FUNDED_BY_EU
    where = f"{text(meta.scope)} · {period(meta.period_start, meta.period_end, meta.lang)}"
    page = w("pdf.page", number="{number}", total="{total}")
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
            self.drawRightString(
                PAGE_WIDTH - MARGIN,
                y,
                page.replace("{number}", str(number)).replace("{total}", str(total)),
            )
            line = where
            while len(line) > 4 and pdfmetrics.stringWidth(line, FONT, 7) > WIDTH:
                line = line[:-5] + "…"
            self.setFont(FONT, 7)
            self.drawString(MARGIN, y - 4 * mm, line)
            self.restoreState()

    return FooterCanvas


def write_document(meta: ReportMeta, story: list[Flowable]) -> bytes:
    """The PDF of ``story`` on A4 pages with the report's footer and properties."""
    buf = io.BytesIO()
    doc = SimpleDocTemplate(
        buf,
        pagesize=A4,
        leftMargin=MARGIN,
        rightMargin=MARGIN,
        topMargin=MARGIN,
        bottomMargin=BOTTOM_MARGIN,
        title=f"{text(meta.programme)}: {text(meta.scope)}",
        subject=w("pdf.subject", period=period(meta.period_start, meta.period_end, meta.lang)),
        author=text(meta.organisation_name),
        creator="campaign-dashboard",
        lang=meta.lang,
        invariant=1,
        initialFontName=FONT,
    )
    doc.build(story, canvasmaker=_canvas_maker(meta))
    return buf.getvalue()
