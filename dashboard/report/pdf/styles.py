"""How the PDF summary looks: its fonts, colours, page geometry and paragraph styles.

Text uses the DejaVu Sans fonts shipped with matplotlib (its files only: matplotlib itself is
not imported), so Cyrillic campaign names print whatever fonts the system has.
"""

from __future__ import annotations

import importlib.util
from pathlib import Path
from typing import Any

from reportlab.lib import colors
from reportlab.lib.enums import TA_RIGHT
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont

FONT = "DejaVuSans"
FONT_BOLD = "DejaVuSans-Bold"
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
BOTTOM_MARGIN = 22 * mm
WIDTH = PAGE_WIDTH - 2 * MARGIN
PADDING = 3  # points left and right of a table cell's text


def _font_path(name: str) -> Path:
    """A font file of matplotlib's data (``matplotlib.get_data_path()``), found without
    importing matplotlib (a tenth of a second)."""
    spec = importlib.util.find_spec("matplotlib")
    if spec is None or not spec.submodule_search_locations:
        raise RuntimeError("the PDF's fonts come with matplotlib: pip install matplotlib")
    package = Path(next(iter(spec.submodule_search_locations)))
    return package / "mpl-data" / "fonts" / "ttf" / f"{name}.ttf"


def register_fonts() -> None:
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
# Column titles in Russian and Kazakh, whose words are longer: a point smaller, so that a title
# wraps between words rather than inside one.
HEAD_SMALL = _style("head_small", 6.3, bold=True, leading=7.8)
HEAD_SMALL_RIGHT = _style("head_small_right", 6.3, bold=True, leading=7.8, alignment=TA_RIGHT)
BANNER = _style("banner", 16, bold=True, leading=19, textColor=EU_BLUE)
