"""The PDF summary's bar charts (``dashboard.report.pdf.layout.BarChart``), drawn in the PDF
itself: read back from the page's drawing operations and text with pypdf."""

from __future__ import annotations

import io
import math

import pypdf
import pytest
from hypothesis import example, given
from hypothesis import strategies as st
from pypdf.generic import ContentStream
from reportlab.lib import colors
from reportlab.pdfgen.canvas import Canvas

from dashboard.report.pdf.layout import BarChart, _ticks
from dashboard.report.pdf.styles import CHART_COLOURS, register_fonts
from dashboard.report.pdf.values import language

LEGEND_BOX = (10.0, 6.0)


def _colour(rgb: tuple[float, ...]) -> str | None:
    """The chart colour ``rgb`` is (as the PDF writes it, rounded), if any."""
    for name in CHART_COLOURS:
        c = colors.HexColor(name)
        if all(abs(a - b) < 0.005 for a, b in zip(rgb, (c.red, c.green, c.blue), strict=True)):
            return name
    return None


def _drawn(chart: BarChart, lang: str = "en") -> tuple[dict[str, list[float]], str]:
    """The widths of the bars of each colour, top to bottom, and the text of a page holding
    ``chart`` alone."""
    register_fonts()
    buf = io.BytesIO()
    canvas = Canvas(buf, pagesize=(chart.width + 40, chart.height + 40))
    with language(lang):
        chart.wrapOn(canvas, chart.width, chart.height)
        chart.drawOn(canvas, 20, 20)
    canvas.save()
    page = pypdf.PdfReader(io.BytesIO(buf.getvalue())).pages[0]
    fill, bars = None, {c: [] for c in CHART_COLOURS}
    for operands, operator in ContentStream(page.get_contents(), page.pdf).operations:
        if operator == b"rg":
            fill = _colour(tuple(float(v) for v in operands))
        elif operator == b"re" and fill is not None:
            x, y, width, height = (float(v) for v in operands)
            if (abs(width), abs(height)) != LEGEND_BOX:
                bars[fill].append((-y, width))
    widths = {c: [width for _, width in sorted(found)] for c, found in bars.items()}
    return widths, page.extract_text()


def test_bars_are_in_proportion_to_their_values_and_a_missing_one_says_so() -> None:
    budget = [100_000.0, 250_000.0, None]
    spent = [-20_000.0, 125_000.0, 300_000.0]
    chart = BarChart(
        ["Staff", "Travel", "Other costs"],
        [("Budget", budget), ("Spent", spent)],
        width=400,
        height=150,
        xlabel="EUR",
    )
    widths, text = _drawn(chart)
    drawn = widths[CHART_COLOURS[0]] + widths[CHART_COLOURS[1]]
    values = [v for v in budget + spent if v is not None]
    assert len(drawn) == len(values)  # no bar for the missing budget
    scale = drawn[0] / values[0]
    assert scale > 0
    for width, value in zip(drawn, values, strict=True):
        assert width == pytest.approx(value * scale, rel=1e-3)  # a negative one to the left
    assert text.count("not reported") == 1
    for label in ("Staff", "Travel", "Other costs", "Budget", "Spent", "EUR", "300,000", "0"):
        assert label in text


def test_the_scale_is_written_as_the_reader_writes_numbers() -> None:
    chart = BarChart(["A"], [("Бюджет", [2_500_000.0])], width=300, height=80, xlabel="EUR")
    widths, text = _drawn(chart, "ru")
    assert widths[CHART_COLOURS[0]] and "Бюджет" in text
    assert "2\u00a0000\u00a0000" in text or "2 000 000" in text
    assert "2,000,000" not in text


def test_a_label_too_long_for_its_column_is_cut_with_an_ellipsis() -> None:
    long = "Other costs, services " * 10
    chart = BarChart([long], [("Budget", [1.0])], width=300, height=60, xlabel="EUR")
    _, text = _drawn(chart)
    assert "…" in text and long.strip() not in text


@example(0.0, 5e-324)  # a range too small for a logarithm: the scale is 0 to 1
@given(
    st.floats(min_value=-1e12, max_value=0, allow_nan=False),
    st.floats(min_value=0, max_value=1e12, allow_nan=False),
)
def test_the_scale_covers_the_values_in_round_steps(low: float, high: float) -> None:
    ticks = _ticks(low, high)
    steps = {round(b - a, 6) for a, b in zip(ticks, ticks[1:], strict=False)}
    assert len(steps) == 1
    step = steps.pop()
    assert step >= 1
    mantissa = step / 10 ** math.floor(math.log10(step))
    assert any(math.isclose(mantissa, m) for m in (1, 2, 2.5, 5))
    assert ticks[0] <= low and ticks[-1] >= high and 0 in ticks
    assert 2 <= len(ticks) <= 12
