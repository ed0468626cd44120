"""Cells of the files that leave the system: one rule for every CSV and XLSX the project writes.

A spreadsheet runs a cell that starts with ``=``, ``+``, ``-`` or ``@`` as a formula (and a tab
or a carriage return before one of them is dropped on opening), so a campaign name, a post title
or a comment typed as ``=HYPERLINK(...)`` or ``+cmd|' /C calc'!A0`` would run on the reader's
machine. Such text is written with a leading apostrophe: Excel and LibreOffice show it as text.
Numbers stay numbers: numeric values are never touched, and neither is text that is only a
negative number (``-5``, ``-1 500,5``), which cannot call anything.

:func:`neutral` is the rule for a Python value; :func:`neutral_sql` is the same rule as a DuckDB
expression, for files DuckDB writes itself. Every writer of a downloaded or exported file calls
one of them: table downloads (``dashboard.table_files``), the donor's workbook and data package
(``dashboard.report``), rejected rows (``etl.batches``), masked copies of kept files
(``etl.load``) and the programme set-up export (``etl.programme``, which marks the same cells
with Excel's quote prefix instead, so that the workbook loads back unchanged).
"""

from __future__ import annotations

import re
from typing import Any

FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
# Text that is only a negative number, as people write them (thousands grouped by spaces,
# apostrophes or points, a decimal comma, a percent sign): it stays as it is.
_NEGATIVE = "-(?:[0-9][0-9 .,'\u00a0\u202f]*|[.,][0-9]+)%?"
_NEGATIVE_RE = re.compile(_NEGATIVE)


def formula_like(text: str) -> bool:
    """Whether a spreadsheet would take ``text`` for a formula (and it is not a number)."""
    return text.startswith(FORMULA_START) and not _NEGATIVE_RE.fullmatch(text.strip(" "))


def neutral(value: Any, *, sep: str = ", ") -> Any:
    """``value`` as a cell of a file that leaves the system: formula-like text with a leading
    apostrophe, a list as its items joined by ``sep`` (then the same rule), anything else (a
    number, a date, None) unchanged."""
    if is_list(value):
        value = sep.join("" if v is None else str(v) for v in value)
    if isinstance(value, str) and formula_like(value):
        return "'" + value
    return value


def is_list(value: Any) -> bool:
    """A list of values in one cell: a list, a tuple, or the array DuckDB gives for a list."""
    return isinstance(value, list | tuple) or getattr(value, "ndim", 0) == 1


def neutral_text(value: Any, *, sep: str = ", ") -> str:
    """:func:`neutral` as text: None is the empty string."""
    value = neutral(value, sep=sep)
    return "" if value is None else str(value)


def neutral_sql(expr: str) -> str:
    """The DuckDB expression of ``expr`` (a VARCHAR) under the rule of :func:`neutral`."""
    starts = ", ".join(_sql_text(c) for c in FORMULA_START)
    return (
        f"CASE WHEN list_contains([{starts}], left({expr}, 1)) AND NOT "
        f"regexp_full_match(trim({expr}), {_sql_text(_NEGATIVE)}) "
        f"THEN chr(39) || {expr} ELSE {expr} END"
    )


def _sql_text(text: str) -> str:
    """A SQL string literal; tab and carriage return spelt with chr() so the query stays text."""
    parts = []
    for piece in re.split(r"([\t\r])", text):
        if piece in ("\t", "\r"):
            parts.append(f"chr({ord(piece)})")
        elif piece:
            parts.append("'" + piece.replace("'", "''") + "'")
    return " || ".join(parts) or "''"
