"""How one cell is read: the quick reading of plain cells gives what the full cleaning gives,
and cleaning trims, and reads empty cells and missing-value marks as nothing."""

from __future__ import annotations

import random

import duckdb
import pytest

from etl import normalise as n
from etl.kinds import PLATFORM_ALIASES, SEX_ALIASES
from etl.normalise import AGE_ALIASES

SPACES = " \t\r\n\u00a0\u202f\u2009\ufeff"
ALIASES = {"platform": PLATFORM_ALIASES, "sex": SEX_ALIASES, "age_group": AGE_ALIASES}


def _read(con: duckdb.DuckDBPyConnection, expr: str, cells: list[str | None]) -> list:
    """``expr`` (over the column ``v``) of each cell, in order."""
    rows = con.execute(
        f"SELECT i, {expr} FROM (SELECT unnest(range(len(?::VARCHAR[]))) AS i, "
        f"unnest(?::VARCHAR[]) AS v) ORDER BY i",
        [cells, cells],
    ).fetchall()
    return [value for _, value in rows]


def _read_typed(
    con: duckdb.DuckDBPyConnection, ftype: str, cells: list[str | None], decimal: str = "."
) -> list:
    """Each cell read as the loader types it (``normalise.typed_layers``), in order."""
    first, second, typed = n.typed_layers(ftype, "v", decimal, "dmy", "t")
    rows = con.execute(
        f"SELECT i, {typed} FROM (SELECT i, v, {', '.join(second)} FROM "
        f"(SELECT i, v, {', '.join(first)} FROM (SELECT unnest(range(len(?::VARCHAR[]))) AS i, "
        f"unnest(?::VARCHAR[]) AS v))) ORDER BY i",
        [cells, cells],
    ).fetchall()
    return [value for _, value in rows]


def _expected_clean(cell: str | None) -> str | None:
    if cell is None:
        return None
    trimmed = cell.strip(SPACES)
    if trimmed == "" or trimmed.lower() in n.MISSING_MARKERS:
        return None
    return trimmed


def test_cleaning_trims_and_reads_blanks_and_markers_as_nothing() -> None:
    rng = random.Random(7)
    letters = list("abcXYZ019/-#.,é") + ["—", "–", "ж"]
    words = [*n.MISSING_MARKERS, *(m.upper() for m in n.MISSING_MARKERS), "undefinedx", "N/A"]
    cells: list[str | None] = [None, "", " ", "\u00a0", "-", " n/a ", "NULL\t", "x" * 40]
    for _ in range(3000):
        core = (
            rng.choice(words)
            if rng.random() < 0.4
            else "".join(rng.choice(letters) for _ in range(rng.randint(0, 12)))
        )
        left = "".join(rng.choice(SPACES) for _ in range(rng.choice((0, 0, 1, 2))))
        right = "".join(rng.choice(SPACES) for _ in range(rng.choice((0, 0, 1, 2))))
        cells.append(left + core + right)
    con = duckdb.connect()
    got = _read(con, n.clean("v"), cells)
    wrong = [(c, g) for c, g in zip(cells, got, strict=True) if g != _expected_clean(c)]
    assert wrong == []


@pytest.mark.parametrize("ftype", sorted(n.QUICK_CHOICES))
def test_the_quick_reading_of_a_choice_is_the_full_reading(ftype: str) -> None:
    words = [*ALIASES[ftype], *n.QUICK_CHOICES[ftype], "nonsense", "-", ""]
    cells: list[str | None] = [None]
    for w in words:
        cells += [w, w.upper(), w.title(), f" {w}", f"{w}\u00a0", f"\t{w.upper()} "]
    con = duckdb.connect()
    quick = _read_typed(con, ftype, cells)
    full = _read(con, n.value_sql(ftype, n.clean("v"), "."), cells)
    assert quick == full
    # every value stored as written is read as itself
    assert _read_typed(con, ftype, list(n.QUICK_CHOICES[ftype])) == list(n.QUICK_CHOICES[ftype])


NUMBERS = ["1234", "1 234", "1,234", "1.234", "1,5", "1.5", "-7", " 42 ", "1e3", "inf", "NaN",
           "n/a", "-", "", "12k", "3 000,25", "3,000.25", "0", "007", "1.234.567",
           "\u00a0900"]  # fmt: skip
DATES = ["2026-03-31", " 2026-03-31", "31.03.2026", "03/04/2026", "2026/03/31", "31 March 2026",
         "—", "2026-02-30", "20260331", "yesterday"]  # fmt: skip


@pytest.mark.parametrize(
    ("ftype", "decimal", "cells"),
    [
        ("count", ".", NUMBERS),
        ("count", ",", NUMBERS),
        ("amount", ",", NUMBERS),
        ("rating", ".", NUMBERS),
        ("date", ".", DATES),
        ("datetime", ".", [*DATES, "2026-03-31 10:15", "31.03.2026 10:15:00"]),
        ("text", ".", [" a ", "n/a", "", "b ", "=1+1"]),
        ("currency", ".", ["KZT", " eur", "тенге", "$", "??"]),
    ],
)
def test_the_loaders_reading_is_the_full_reading_where_the_quick_one_does_not_apply(
    ftype: str, decimal: str, cells: list[str]
) -> None:
    con = duckdb.connect()
    cells = [None, *cells]
    full = _read(con, n.value_sql(ftype, n.clean("v"), decimal), cells)
    quick = n.quick_sql(ftype, "v", decimal)
    if quick is not None:
        applies = _read(con, f"coalesce({quick[0]}, false)", cells)
        values = _read(con, quick[1], cells)
        full = [v if a else f for a, v, f in zip(applies, values, full, strict=True)]
    assert _read_typed(con, ftype, cells, decimal) == full
