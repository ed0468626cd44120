"""Typing and checking the rows of one file (or workbook sheet) before anything is written.

``stage`` turns a raw text table into a typed staging table and an issues table, both temporary
tables on the caller's connection. Every issue names the row (as a spreadsheet shows it), the
column (as headed in the file), the value and what to do. Nothing here writes to the warehouse.
"""

from __future__ import annotations

import re

import duckdb

from etl import normalise as n
from etl.headers import HeaderMatch, accepted_words
from etl.kinds import METRIC_FIELDS, NET_CHANGE_FIELDS, Kind
from etl.messages import message as loader_message
from etl.messages.sql import issue_sql
from etl.reading import RawTable
from etl.stage.date_orders import date_orders
from etl.stage.kind_checks import Check, kind_checks
from etl.stage.records import Context, Staged, issue, spec_of

NUMERIC_TYPES = ("count", "amount", "number", "rating")


_COMMA_DECIMAL = re.compile(
    r"-?[0-9 \u00a0\u202f]*[0-9],[0-9]{1,2}|-?[0-9]+,[0-9]{4,}|-?[0-9]{1,3}(\.[0-9]{3})+,[0-9]+"
)


_POINT_DECIMAL = re.compile(
    r"-?[0-9]+\.[0-9]{1,2}|-?[0-9]+\.[0-9]{4,}|-?[0-9]{1,3}(,[0-9]{3})+\.[0-9]+"
)


def detect_decimal(rows: list[list[str | None]], cols: list[int]) -> str:
    """',' when the file's numbers use a decimal comma, else '.'.

    Decided on the first rows: ``1,5`` and ``1 234,56`` vote comma, ``1.5`` and ``1,234.56``
    vote point; ``1,234`` alone is a thousands separator.
    """
    comma = point = 0
    for row in rows[:5000]:
        for i in cols:
            v = row[i] if i < len(row) else None
            if not v:
                continue
            v = v.strip()
            if _COMMA_DECIMAL.fullmatch(v):
                comma += 1
            elif _POINT_DECIMAL.fullmatch(v):
                point += 1
    return "," if comma > point else "."


def stage(
    con: duckdb.DuckDBPyConnection,
    raw: RawTable,
    match: HeaderMatch,
    ctx: Context,
    *,
    name: str,
    suffix: str = "",
) -> Staged:
    """Type every mapped column of ``raw`` and collect the issues of every row."""
    spec = spec_of(match.kind)
    table, issues = f"staged{suffix}", f"issues{suffix}"
    staged = Staged(
        match.kind, table, issues, match, ".", raw_source=raw.table, raw_header=raw.header
    )
    _header_issues(staged, raw, match)
    if staged.file_errors:
        return staged

    numeric = [i for f, i in match.columns.items() if spec.field(f).type in NUMERIC_TYPES]
    staged.decimal = detect_decimal(raw.head, numeric)
    orders = date_orders(con, raw, match, spec, ctx, staged)
    _typed_table(con, raw, match, spec, staged, orders)
    skipped = _set_aside_rows_without_figures(con, table, match)

    checks = file_checks(table, raw.header, match, ctx)
    if skipped:
        staged.rows_skipped = skipped
        checks.append((None, _skipped_rows(table, raw.header, match)))
    _issues_table(con, issues, _finding(con, table, checks))
    return staged


def _header_issues(staged: Staged, raw: RawTable, match: HeaderMatch) -> None:
    """The file's issues as a whole: required columns missing and a metrics file without
    figures (errors), columns ignored and what the reading found (warnings)."""
    header = raw.header
    for field_name in match.missing:
        words = ", ".join(f"'{w}'" for w in accepted_words(match.kind, field_name))
        staged.file_errors.append(
            issue(
                None,
                field_name,
                None,
                loader_message("stage.column_missing", field=field_name, words=words),
            )
        )
    if match.kind == "metrics" and not any(f in match.columns for f in METRIC_FIELDS):
        staged.file_errors.append(
            issue(
                None,
                None,
                None,
                loader_message("stage.no_figure_columns", fields=", ".join(METRIC_FIELDS)),
            )
        )
    for _index, cell in match.unknown:
        staged.file_warnings.append(
            issue(
                raw.header_row,
                cell,
                None,
                loader_message("stage.column_unknown", column=cell, kind=match.kind),
                "warning",
            )
        )
    for _index, cell, fname in match.duplicates:
        first = header[match.columns[fname]]
        staged.file_warnings.append(
            issue(
                raw.header_row,
                cell,
                None,
                loader_message("stage.column_duplicate", column=cell, first=first, field=fname),
                "warning",
            )
        )
    for row, col, value, message in raw.file_issues:
        staged.file_warnings.append(issue(row, col, value, message, "warning"))


def _typed_table(
    con: duckdb.DuckDBPyConnection,
    raw: RawTable,
    match: HeaderMatch,
    spec: Kind,
    staged: Staged,
    orders: dict[str, str],
) -> None:
    """Create ``<table>_cells`` (the typed rows, blank ones deleted) and the view ``<table>``
    over it, which adds each field's cell as shown in messages; count the rows."""
    table = staged.table
    width = len(raw.header)
    # Each field gets its typed value: a quick reading first, the full cleaning only for cells
    # the quick one cannot read. The cell as written is kept only where it may be needed for a
    # message (the value could not be read, or looks wrong): copying every cell of a large file
    # would cost more than reading it. The kept cells of a row are one list, NULL for the rows
    # (nearly all) that keep none: a column of its own per field would cost a large file tens
    # of megabytes of NULLs. Fields the file does not have are NULL in the view only.
    typed_cols, keeps, view_typed, view_kept, shown_cols = [], [], [], [], []
    step1: list[str] = []  # the quick readings and the cleaned cells (``normalise.typed_layers``)
    step2: list[str] = []
    for f in spec.fields:
        name = f'"{f.name}"'
        if f.name in match.columns:
            cell = f"c{match.columns[f.name]}"
            order = orders.get(f.name, "dmy")
            first, second, typed = n.typed_layers(
                f.type, cell, staged.decimal, order, f"_t{len(keeps)}"
            )
            step1.extend(first)
            step2.extend(second)
            typed_cols.append(f"{typed} AS {name}")
            keeps.append((n.keep_sql(f.type, cell, name), cell))
            view_typed.append(name)
            view_kept.append(f'_kept[{len(keeps)}] AS "{f.name}__kept"')
            shown_cols.append(
                f'coalesce(_kept[{len(keeps)}], {n.as_text(f.type, name)}) AS "{f.name}__raw"'
            )
        else:
            view_typed.append(f"NULL AS {name}")
            view_kept.append(f'NULL::VARCHAR AS "{f.name}__kept"')
            shown_cols.append(f'NULL::VARCHAR AS "{f.name}__raw"')
    if keeps:
        any_kept = " OR ".join(f"({cond})" for cond, _ in keeps)
        listed = ", ".join(f"CASE WHEN {cond} THEN {cell} END" for cond, cell in keeps)
        kept = f"CASE WHEN {any_kept} THEN [{listed}] END"
    else:
        kept = "NULL::VARCHAR[]"
    cells = ", ".join(f"c{i}" for i in range(width))
    # A row is blank when none of its cells holds anything, that is when the coalesce of its
    # cells is NULL: one coalesce costs far less than a test of each cell.
    blank = f"coalesce({cells}) IS NULL" if width else "true"
    names = "".join(f'"{f.name}", ' for f in spec.fields if f.name in match.columns)
    con.execute(
        f"""
        CREATE OR REPLACE TEMP TABLE {table}_cells AS
        SELECT row_number, {names}{kept} AS _kept, ({blank}) AS _blank
        FROM (SELECT row_number, {cells}{"".join(", " + c for c in typed_cols)}
              FROM (SELECT row_number, {cells}{"".join(", " + c for c in step2)}
                    FROM (SELECT row_number, {cells}{"".join(", " + c for c in step1)}
                          FROM {raw.table})))
        """
    )
    con.execute(
        f"CREATE OR REPLACE TEMP VIEW {table} AS SELECT row_number, {', '.join(view_typed)}, "
        f"{', '.join(view_kept)}, {', '.join(shown_cols)} FROM {table}_cells"
    )
    staged.rows_total = con.execute(f"SELECT count(*) FROM {table}_cells").fetchone()[0]
    staged.rows_blank = con.execute(f"DELETE FROM {table}_cells WHERE _blank").fetchone()[0]


def file_checks(table: str, header: list[str], match: HeaderMatch, ctx: Context) -> list[Check]:
    """Every check of the rows of a file staged as ``table``: each field's own, then those its
    kind adds."""
    checks = _field_checks(table, header, match, spec_of(match.kind))
    checks.extend(kind_checks(match.kind, table, header, match, ctx))
    return checks


def _field_checks(table: str, header: list[str], match: HeaderMatch, spec: Kind) -> list[Check]:
    """Each field's own checks: a value that cannot be read as its type, or out of its range,
    and a required field left empty."""
    checks: list[Check] = []
    for f in spec.fields:
        if f.name not in match.columns:
            continue
        col = header[match.columns[f.name]]
        raw_col, typed, kept = f'"{f.name}__raw"', f'"{f.name}"', f'"{f.name}__kept"'
        # A day's net change in metrics, a refund in spend: stored below zero as reported.
        signed = (match.kind == "metrics" and f.name in NET_CHANGE_FIELDS) or (
            match.kind == "spend" and f.name == "amount"
        )
        problem = n.problem_sql(f.type, "v", typed, col, signed=signed)
        if problem != "NULL":
            suspect = n.suspect_sql(f.type, kept, typed, signed=signed)
            checks.append(
                (
                    f"bool_or({suspect})",
                    f"SELECT row_number, {n.q(col)} AS column_name, {raw_col} AS value, "
                    f"p.message, p.severity, p.code, p.params FROM (SELECT row_number, "
                    f"{raw_col}, {problem} AS p FROM (SELECT row_number, {raw_col}, {typed}, "
                    f"{n.clean(raw_col)} AS v FROM {table} WHERE {suspect})) "
                    "WHERE p IS NOT NULL",
                )
            )
        if f.required:
            # the field's description is a label (``field_help``: kind.field), in English as
            # kinds.py has it
            empty = issue_sql(
                "stage.required_empty",
                column=n.q(col),
                field_help=n.q(f"{match.kind}.{f.name}"),
                shown={"field_help": n.q(f.help.rstrip("."))},
            )
            # with no value read, the cell as shown is the one kept, if any
            missing = f"{typed} IS NULL AND ({kept} IS NULL OR {n.clean(kept)} IS NULL)"
            checks.append(
                (
                    f"bool_or({missing})",
                    f"SELECT row_number, {n.q(col)}, {raw_col}, {empty} FROM {table} "
                    f"WHERE {missing}",
                )
            )
    return checks


def _finding(con: duckdb.DuckDBPyConnection, table: str, checks: list[Check]) -> list[str]:
    """The SQL of the checks that find a row of ``table``: one pass over the rows asks every
    check that can tell (its aggregate), so a clean file's issues are one statement for DuckDB
    to plan with next to nothing in it, not a query a check. A check that cannot tell runs."""
    asked = [found for found, _ in checks if found is not None]
    answers = iter(
        con.execute(
            "SELECT " + ", ".join(f"coalesce({found}, false)" for found in asked) + f" FROM {table}"
        ).fetchone()
        if asked
        else ()
    )
    return [sql for found, sql in checks if found is None or next(answers)]


def _skipped_rows(table: str, header: list[str], match: HeaderMatch) -> str:
    """The SQL of the warning on each row set aside for having no figures."""
    figures = ", ".join(header[match.columns[f]] for f in METRIC_FIELDS if f in match.columns)
    note = issue_sql("stage.row_no_figures", "warning", columns=n.q(figures))
    return f"SELECT row_number, NULL, NULL, {note} FROM {table}_nofigures"


def _issues_table(con: duckdb.DuckDBPyConnection, issues: str, parts: list[str]) -> None:
    """Create the table ``issues`` of every row's issues, from the checks' queries."""
    union = (
        " UNION ALL ".join(parts)
        if parts
        else (
            "SELECT NULL::BIGINT, NULL::VARCHAR, NULL::VARCHAR, NULL::VARCHAR, NULL::VARCHAR, "
            "NULL::VARCHAR, NULL::VARCHAR WHERE false"
        )
    )
    con.execute(
        f"""
        CREATE OR REPLACE TEMP TABLE {issues} AS
        SELECT row_number::BIGINT AS row_number, column_name::VARCHAR AS column_name,
               value::VARCHAR AS value, message::VARCHAR AS message,
               severity::VARCHAR AS severity, code::VARCHAR AS code, params::VARCHAR AS params
        FROM ({union}) AS u(row_number, column_name, value, message, severity, code, params)
        """
    )


def _set_aside_rows_without_figures(con, table: str, match: HeaderMatch) -> int:
    """Take out of a metrics file the rows whose every figure is empty or a missing-value mark
    (a post listed before its figures exist, a day the platform left blank): they are skipped
    with a warning, not refused. Returns how many."""
    present = [f for f in METRIC_FIELDS if f in match.columns]
    if match.kind != "metrics" or not present:
        return 0
    empty = " AND ".join(
        f'"{f}" IS NULL AND ("{f}__kept" IS NULL OR {n.clean(_quoted(f + "__kept"))} IS NULL)'
        for f in present
    )
    con.execute(
        f"CREATE OR REPLACE TEMP TABLE {table}_nofigures AS "
        f"SELECT row_number FROM {table} WHERE {empty}"
    )
    return con.execute(
        f"DELETE FROM {table}_cells WHERE row_number IN (SELECT row_number FROM {table}_nofigures)"
    ).fetchone()[0]


def _quoted(name: str) -> str:
    return f'"{name}"'
