"""The programme set-up workbook: each sheet staged as its kind (organisations, campaigns,
budget, targets, channels), then the references between sheets checked."""

from __future__ import annotations

import duckdb

from etl import reading
from etl.headers import match, sheet_kind
from etl.kinds import PROGRAMME_SHEETS
from etl.load.context import DATE_ORDER
from etl.load.findings import formula_issues
from etl.load.result import Issue, LoadResult, issue_args
from etl.messages import message
from etl.messages.sql import issue_sql
from etl.normalise import q
from etl.stage import Context, Staged, stage


def stage_programme(
    con: duckdb.DuckDBPyConnection, book: reading.Workbook, result: LoadResult, *, name: str
) -> dict[str, Staged]:
    """Stage every sheet of the set-up workbook; sheets with errors of their own are left out."""
    result.kind = "programme"
    staged: dict[str, Staged] = {}
    for index, (sheet, rows) in enumerate(book.sheets.items()):
        table_kind = sheet_kind(sheet)
        if table_kind == "help":
            continue
        if table_kind is None:
            result.warnings.append(
                Issue(
                    None,
                    sheet,
                    None,
                    message("programme.sheet_ignored", sheet=sheet),
                )
            )
            continue
        if not rows:
            continue
        raw = reading.read_sheet(
            con, rows, name=f"{name} [{sheet}]", table=f"raw_{index}", kinds=(table_kind,)
        )
        hm = match(table_kind, raw.header)
        s = stage(con, raw, hm, Context(date_order=DATE_ORDER.get()), name=name, suffix=f"_{index}")
        s.sheet = sheet
        formula_issues(con, s, raw, [f for f in book.formula_errors if f[0] == sheet])
        result.rows_read += s.rows_total - s.rows_blank
        result.rows_blank += s.rows_blank
        for i in s.file_errors:
            result.errors.append(Issue(**issue_args(i, sheet)))
        for i in s.file_warnings:
            result.warnings.append(Issue(**issue_args(i, sheet)))
        if not s.file_errors:
            staged[table_kind] = s
    if "campaigns" not in staged and not any(k in staged for k in PROGRAMME_SHEETS):
        raise reading.FileRejected(message("programme.no_sheets", name=name))
    _cross_sheet_checks(con, staged)
    result.detected["sheets"] = {s.sheet: k for k, s in staged.items()}
    return staged


def _cross_sheet_checks(con: duckdb.DuckDBPyConnection, staged: dict[str, Staged]) -> None:
    """References between sheets: to rows in the file or already in the warehouse."""

    def known(table_kind: str, column: str, current_view: str, current_col: str) -> str:
        parts = [f"SELECT {current_col} AS code FROM {current_view}"]
        if table_kind in staged:
            parts.append(f"SELECT {column} FROM {staged[table_kind].table}")
        return " UNION ".join(parts)

    if "campaigns" in staged:
        s = staged["campaigns"]
        col = s.header_col("organisation")
        con.execute(
            f"INSERT INTO {s.issues_table} SELECT row_number, {q(col)}, organisation, "
            f"{issue_sql('programme.unknown_organisation', organisation='organisation')} "
            f"FROM {s.table} "
            f"WHERE organisation IS NOT NULL AND organisation NOT IN "
            f"({known('organisations', 'code', 'organisations', 'code')})"
        )
    for table_kind in ("budget_lines", "kpi_targets", "channels"):
        if table_kind not in staged:
            continue
        s = staged[table_kind]
        col = s.header_col("campaign")
        con.execute(
            f"INSERT INTO {s.issues_table} SELECT row_number, {q(col)}, campaign, "
            f"{issue_sql('programme.unknown_campaign', campaign='campaign')} FROM {s.table} "
            f"WHERE campaign IS NOT NULL AND campaign NOT IN "
            f"({known('campaigns', 'code', 'campaigns', 'code')})"
        )
