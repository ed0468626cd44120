"""What staging found about a file, recorded: in its ``LoadResult`` (columns, decimal mark,
date orders, counts, file issues, platforms) and as row errors for formulas without results."""

from __future__ import annotations

import json

import duckdb

from etl import reading
from etl.load.result import Issue, LoadResult, issue_args
from etl.messages import message
from etl.stage import Staged


def staged_file(
    con: duckdb.DuckDBPyConnection, s: Staged, raw: reading.RawTable, result: LoadResult, kind: str
) -> dict[str, Staged]:
    """Record what staging found about a one-table file: its staged table by kind, or
    nothing when the file has errors of its own."""
    result.detected["decimal_mark"] = "comma" if s.decimal == "," else "point"
    if s.date_orders:
        result.detected["date_order"] = s.date_orders
    result.detected["columns"] = {f: raw.header[i] for f, i in s.header.columns.items()}
    result.rows_blank = s.rows_blank
    result.rows_skipped = s.rows_skipped
    result.rows_read = s.rows_total - s.rows_blank
    result.errors.extend(Issue(**issue_args(i)) for i in s.file_errors)
    result.warnings.extend(Issue(**issue_args(i)) for i in s.file_warnings)
    if kind == "metrics" and not s.file_errors:
        platforms = [
            p
            for (p,) in con.execute(
                f"SELECT DISTINCT platform FROM {s.table} WHERE platform IS NOT NULL ORDER BY 1"
            ).fetchall()
        ]
        result.platform = ", ".join(platforms) or None
    return {kind: s} if not s.file_errors else {}


def formula_issues(
    con: duckdb.DuckDBPyConnection, s: Staged, raw: reading.RawTable, formulas: list
) -> None:
    """A formula without a saved result in a column we read is an error on its row."""
    if s.file_errors:
        return
    used = set(s.header.columns.values())
    for _sheet, row, col, formula in formulas:
        if row <= raw.header_row or col not in used:
            continue
        con.execute(
            f"INSERT INTO {s.issues_table} VALUES (?, ?, ?, ?, 'error', ?, ?)",
            [
                row,
                raw.header[col],
                formula,
                str(text := message("stage.formula_without_result", formula=formula)),
                text.code,
                json.dumps(text.params, ensure_ascii=False),
            ],
        )
