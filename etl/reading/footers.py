"""Telling a file's data rows from what follows them: totals, notes and separator lines.

Totals are computed from the rows, so a file's own total row is not loaded: it and the notes
below the data become warnings, and separator lines drawn between the rows read as blank lines.
"""

from __future__ import annotations

import re

from etl.messages import message

# First cells of rows that sum up the rows above them rather than being data.
TOTAL_WORDS = frozenset(
    (
        "total",
        "totals",
        "grand total",
        "итого",
        "итог",
        "всего",
        "итоговое значение",
        "барлығы",
        "жиыны",
        "жиынтығы",
        "қорытынды",
        "жалпы мән",
    )
)
_SEPARATOR = re.compile(r"^[-=_*~#.+\s–—]{3,}$")
_FOOTER_TRIM = " \t\r\n\u00a0\ufeff:*"


def _text(cell: object) -> str:
    return "" if cell is None else str(cell).strip()


def _is_separator(row: list[str | None]) -> bool:
    """A line drawn with dashes or equals signs between parts of a file: every cell with text
    is drawn, and one at least. A data row is told from one by its first cell with text."""
    drawn = False
    for cell in row:
        text = _text(cell)
        if text:
            if not _SEPARATOR.match(text):
                return False
            drawn = True
    return drawn


def _footer_start(data: list[list[str | None]], width: int) -> int:
    """Index of the first row of the file's footer: the totals, notes and separator lines
    below the last data row (blank lines between them included)."""
    end = len(data)
    start = end
    for index in range(end - 1, -1, -1):
        row = data[index]
        cells = [(i, _text(c)) for i, c in enumerate(row) if _text(c)]
        if not cells or _is_separator(row):
            start = index
            continue
        first = cells[0][1].casefold().strip(_FOOTER_TRIM)
        total = first in TOTAL_WORDS
        note = (
            width > 1
            and len(cells) == 1
            and cells[0][0] == 0
            and any(ch.isalpha() for ch in cells[0][1])
        )
        if total or note:
            start = index
            continue
        break
    return start


def set_footer_aside(
    data: list[list[str | None]], width: int, first_row: int
) -> tuple[list[list[str | None]], list[tuple[int | None, str, str, str]]]:
    """The data rows above the footer (separator lines made blank), and a warning for each
    total or note of the footer. ``first_row`` is the row number of ``data[0]``."""
    issues: list[tuple[int | None, str, str, str]] = []
    footer = _footer_start(data, width)
    for offset in range(footer, len(data)):
        shown = ", ".join(_text(c) for c in data[offset] if _text(c))
        if shown and not _is_separator(data[offset]):
            issues.append(
                (
                    first_row + offset,
                    "",
                    shown[:200],
                    message("reading.footer_row"),
                )
            )
    # Separator lines between the data rows read as blank lines.
    return [[] if _is_separator(row) else row for row in data[:footer]], issues
