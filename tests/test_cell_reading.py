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
    quick = _read(con, n.typed_sql(ftype, "v", "."), cells)
    full = _read(con, n.value_sql(ftype, n.clean("v"), "."), cells)
    assert quick == full
    # every value stored as written is read as itself
    assert _read(con, n.typed_sql(ftype, "v", "."), list(n.QUICK_CHOICES[ftype])) == list(
        n.QUICK_CHOICES[ftype]
    )
