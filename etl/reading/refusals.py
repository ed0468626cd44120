"""Refusing a file: ``FileRejected``, the shape limits a file is held to, and the messages that
name them.

Absurd shapes (too many columns, cells or characters) are refused before they cost time and
memory; each limit is set by an environment variable (``LIMIT_SETTINGS``).
"""

from __future__ import annotations

import math
import os
from dataclasses import dataclass, fields

import duckdb

from etl.messages import Message, message

# What DuckDB raises when a value of the file does not fit the type a step of the loader casts
# it to (a number with digits typed twice, beyond a 64-bit integer): the load refuses the file.
VALUE_OUT_OF_RANGE = (duckdb.ConversionException, duckdb.OutOfRangeException)


class FileRejected(ValueError):
    """The file as a whole cannot be read; the message says why and what to do (a loader
    message, ``etl.messages.Message``, or plain text)."""

    @property
    def message(self) -> str:
        """The message as given (a ``Message`` keeps its code and parameters)."""
        first = self.args[0] if self.args else ""
        return first if isinstance(first, str) else str(self)


class SettingError(ValueError):
    """A limit setting (``LIMIT_SETTINGS``) is not a number of at least 1."""


@dataclass(frozen=True)
class Limits:
    """How big a file may be in each direction; each is set by an environment variable."""

    columns: int = 500  # cells in any row of a CSV file or a sheet
    field_chars: int = 1_000_000  # characters in one cell
    line_chars: int = 2_000_000  # characters in one row of a CSV file (bytes for DuckDB's reader)
    cells: int = 30_000_000  # rows x columns of a file or a sheet
    xlsx_uncompressed_mb: float = 200.0  # a workbook's parts once unpacked, added up
    xlsx_ratio: float = 200.0  # unpacked size over packed size, of a part or the whole
    xlsx_sheets: int = 100  # worksheets in a workbook


LIMIT_SETTINGS = {
    "columns": "CAMPAIGNS_MAX_COLUMNS",
    "field_chars": "CAMPAIGNS_MAX_FIELD_CHARS",
    "line_chars": "CAMPAIGNS_MAX_LINE_CHARS",
    "cells": "CAMPAIGNS_MAX_CELLS",
    "xlsx_uncompressed_mb": "CAMPAIGNS_XLSX_MAX_UNCOMPRESSED_MB",
    "xlsx_ratio": "CAMPAIGNS_XLSX_MAX_RATIO",
    "xlsx_sheets": "CAMPAIGNS_XLSX_MAX_SHEETS",
}


def limits() -> Limits:
    """The limits in force: the defaults, or the ``CAMPAIGNS_*`` variables that are set."""
    values: dict[str, float | int] = {}
    for f in fields(Limits):
        variable = LIMIT_SETTINGS[f.name]
        raw = os.environ.get(variable, "").strip()
        if not raw:
            continue
        try:
            value = float(raw.replace("_", ""))
        except ValueError:
            value = math.nan
        if not (math.isfinite(value) and value >= 1):
            raise SettingError(f"{variable} must be a number of at least 1, not '{raw}'")
        values[f.name] = value if f.type == "float" else int(value)
    return Limits(**values)


def out_of_range(name: str) -> str:
    """Why a file with a value DuckDB could not cast (``VALUE_OUT_OF_RANGE``) is refused."""
    return message("reading.out_of_range", name=name)


def too_wide(
    name: str, where: str | Message, count: int, lim: Limits, *, at_least: bool = False
) -> str:
    """Why a row with more cells than ``lim.columns`` is refused."""
    code = "reading.too_wide_at_least" if at_least else "reading.too_wide"
    return message(code, name=name, where=where, count=count, limit=lim.columns)


def too_many_cells(name: str, lim: Limits, sheet: str | None = None) -> str:
    """Why a file or a sheet with more than ``lim.cells`` cells is refused."""
    if sheet is not None:
        return message("reading.sheet_too_many_cells", name=name, sheet=sheet, limit=lim.cells)
    return message("reading.too_many_cells", name=name, limit=lim.cells)


def too_long_cell(name: str, line: int, lim: Limits) -> str:
    """Why a CSV cell longer than ``lim.field_chars`` is refused."""
    return message("reading.too_long_cell", name=name, line=line, limit=lim.field_chars)


def too_long_line(name: str, row: int | None, lim: Limits) -> str:
    """Why a CSV row longer than ``lim.line_chars`` is refused."""
    if row:
        return message("reading.too_long_row", name=name, row=row, limit=lim.line_chars)
    return message("reading.too_long_a_row", name=name, limit=lim.line_chars)
