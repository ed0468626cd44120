"""Typing and checking the rows of one file (or workbook sheet) before anything is written.

``stage`` turns a raw text table into a typed staging table and an issues table, both temporary
tables on the caller's connection. Every issue names the row (as a spreadsheet shows it), the
column (as headed in the file), the value and what to do. Nothing here writes to the warehouse.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

import duckdb

from etl import normalise as n
from etl.headers import HeaderMatch, accepted_words
from etl.kinds import FILE_KINDS, METRIC_FIELDS, NET_CHANGE_FIELDS, PROGRAMME_SHEETS, Kind
from etl.reading import RawTable

NUMERIC_TYPES = ("count", "amount", "number", "rating")


@dataclass
class Staged:
    """A typed table ``table`` (row_number, then one column per field) and its issues."""

    kind: str
    table: str
    issues_table: str
    header: HeaderMatch
    decimal: str
    rows_blank: int = 0
    rows_skipped: int = 0  # rows of a metrics file without any figure, left out with a warning
    date_orders: dict[str, str] = field(default_factory=dict)  # column -> "dmy" / "mdy"
    file_errors: list[dict] = field(default_factory=list)  # issues about the file as a whole
    file_warnings: list[dict] = field(default_factory=list)
    raw_source: str = ""  # the file's cells as read (a table, or a query over the file)
    rows_total: int = 0
    raw_header: list[str] = field(default_factory=list)
    sheet: str | None = None
    # The file's own cells, when the staged rows were rewritten from them (a platform export,
    # form responses): rows set aside are kept as the file had them.
    file_source: str = ""
    file_header: list[str] = field(default_factory=list)

    @property
    def cells_source(self) -> tuple[str, list[str]]:
        """Where the file's cells are, and their headers."""
        if self.file_source:
            return self.file_source, self.file_header
        return self.raw_source, self.raw_header

    def header_col(self, field_name: str) -> str:
        """The file's own header of a field."""
        index = self.header.columns.get(field_name)
        return self.raw_header[index] if index is not None else field_name


@dataclass(frozen=True)
class Context:
    """What the checks need to know about the warehouse, and what the user said."""

    campaign: str | None = None
    start: object = None  # campaign start date
    end: object = None
    # The order of day and month in slashed dates when no date of a column tells ("dmy",
    # "mdy"), as given with --date-order; None: day first, with a warning.
    date_order: str | None = None


def spec_of(kind: str) -> Kind:
    return FILE_KINDS.get(kind) or PROGRAMME_SHEETS[kind]


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
    header = raw.header

    for field_name in match.missing:
        words = ", ".join(f"'{w}'" for w in accepted_words(match.kind, field_name))
        staged.file_errors.append(
            _issue(
                None,
                field_name,
                None,
                f"required column '{field_name}' is missing; name a column with one of: {words}",
            )
        )
    if match.kind == "metrics" and not any(f in match.columns for f in METRIC_FIELDS):
        staged.file_errors.append(
            _issue(
                None,
                None,
                None,
                "the file has no figure columns; a metrics file needs at least one of "
                + ", ".join(METRIC_FIELDS)
                + " (see data/templates/metrics.en.csv)",
            )
        )
    for _index, cell in match.unknown:
        staged.file_warnings.append(
            _issue(
                raw.header_row,
                cell,
                None,
                f"column '{cell}' is not a known {match.kind} column and was ignored",
                "warning",
            )
        )
    for _index, cell, fname in match.duplicates:
        first = header[match.columns[fname]]
        staged.file_warnings.append(
            _issue(
                raw.header_row,
                cell,
                None,
                f"column '{cell}' means the same as column '{first}' ({fname}); the first one "
                "was used and this one ignored",
                "warning",
            )
        )
    for row, col, value, message in raw.file_issues:
        staged.file_warnings.append(_issue(row, col, value, message, "warning"))
    if staged.file_errors:
        return staged

    numeric = [i for f, i in match.columns.items() if spec.field(f).type in NUMERIC_TYPES]
    staged.decimal = detect_decimal(raw.head, numeric)

    orders = _date_orders(con, raw, match, spec, ctx, staged)
    width = len(header)
    # Each field keeps the cell as written (column c<i>, shown in messages) and its typed
    # value: the quick reading first, the full cleaning only for cells the quick one cannot read.
    # Each field gets its typed value: a quick reading first, the full cleaning only for cells
    # the quick one cannot read. The cell as written is kept only where it may be needed for a
    # message (the value could not be read, or looks wrong): copying every cell of a large file
    # would cost more than reading it.
    typed_cols, kept_cols, shown_cols = [], [], []
    for f in spec.fields:
        name = f'"{f.name}"'
        if f.name in match.columns:
            cell = f"c{match.columns[f.name]}"
            order = orders.get(f.name, "dmy")
            typed_cols.append(f"{n.typed_sql(f.type, cell, staged.decimal, order)} AS {name}")
            kept_cols.append(
                f'CASE WHEN {n.keep_sql(f.type, cell, name)} THEN {cell} END AS "{f.name}__kept"'
            )
            shown_cols.append(
                f'coalesce("{f.name}__kept", {n.as_text(f.type, name)}) AS "{f.name}__raw"'
            )
        else:
            typed_cols.append(f"NULL AS {name}")
            kept_cols.append(f'NULL::VARCHAR AS "{f.name}__kept"')
            shown_cols.append(f'NULL::VARCHAR AS "{f.name}__raw"')
    cells = ", ".join(f"c{i}" for i in range(width))
    blank = " AND ".join(f"c{i} IS NULL" for i in range(width)) or "true"
    names = ", ".join(f'"{f.name}"' for f in spec.fields)
    con.execute(
        f"""
        CREATE OR REPLACE TEMP TABLE {table}_cells AS
        SELECT row_number, {names}, {", ".join(kept_cols)}, ({blank}) AS _blank
        FROM (SELECT row_number, {cells}, {", ".join(typed_cols)} FROM {raw.table})
        """
    )
    con.execute(
        f"CREATE OR REPLACE TEMP VIEW {table} AS SELECT * EXCLUDE (_blank), "
        f"{', '.join(shown_cols)} FROM {table}_cells"
    )
    staged.rows_total = con.execute(f"SELECT count(*) FROM {table}_cells").fetchone()[0]
    staged.rows_blank = con.execute(f"DELETE FROM {table}_cells WHERE _blank").fetchone()[0]
    skipped = _set_aside_rows_without_figures(con, table, match)

    parts = []
    for f in spec.fields:
        if f.name not in match.columns:
            continue
        col = header[match.columns[f.name]]
        raw_col, typed = f'"{f.name}__raw"', f'"{f.name}"'
        # A day's net change in metrics, a refund in spend: stored below zero as reported.
        signed = (match.kind == "metrics" and f.name in NET_CHANGE_FIELDS) or (
            match.kind == "spend" and f.name == "amount"
        )
        problem = n.problem_sql(f.type, "v", typed, col, signed=signed)
        if problem != "NULL":
            parts.append(
                f"SELECT row_number, {n.q(col)} AS column_name, {raw_col} AS value, "
                f"message, 'error' AS severity FROM (SELECT row_number, {raw_col}, "
                f"{problem} AS message FROM (SELECT row_number, {raw_col}, {typed}, "
                f"{n.clean(raw_col)} AS v FROM {table} "
                f"WHERE {n.suspect_sql(f.type, raw_col, typed, signed=signed)})) "
                "WHERE message IS NOT NULL"
            )
        if f.required:
            empty_message = f"{col} is empty; fill it in ({f.help.rstrip('.')})"
            parts.append(
                f"SELECT row_number, {n.q(col)}, {raw_col}, {n.q(empty_message)}, 'error' "
                f"FROM {table} WHERE {typed} IS NULL AND ({raw_col} IS NULL OR "
                f"{n.clean(raw_col)} IS NULL)"
            )
    parts.extend(_kind_checks(match.kind, table, header, match, ctx))
    if skipped:
        staged.rows_skipped = skipped
        figures = ", ".join(header[match.columns[f]] for f in METRIC_FIELDS if f in match.columns)
        note = f"the row has no figures ({figures} are all empty), so it was skipped"
        parts.append(
            f"SELECT row_number, NULL, NULL, {n.q(note)}, 'warning' FROM {table}_nofigures"
        )
    union = (
        " UNION ALL ".join(parts)
        if parts
        else (
            "SELECT NULL::BIGINT, NULL::VARCHAR, NULL::VARCHAR, NULL::VARCHAR, NULL::VARCHAR "
            "WHERE false"
        )
    )
    con.execute(
        f"""
        CREATE OR REPLACE TEMP TABLE {issues} AS
        SELECT row_number::BIGINT AS row_number, column_name::VARCHAR AS column_name,
               value::VARCHAR AS value, message::VARCHAR AS message,
               severity::VARCHAR AS severity
        FROM ({union}) AS u(row_number, column_name, value, message, severity)
        """
    )
    return staged


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
        f"SELECT row_number FROM {table}_cells WHERE {empty}"
    )
    return con.execute(
        f"DELETE FROM {table}_cells WHERE row_number IN (SELECT row_number FROM {table}_nofigures)"
    ).fetchone()[0]


_SLASHED = r"^\s*([0-9]{1,2})/([0-9]{1,2})/[0-9]{2,4}"


def _date_orders(con, raw: RawTable, match: HeaderMatch, spec: Kind, ctx: Context, staged) -> dict:
    """Day first or month first, per date column, decided from all of the column's values.

    ``13/01/2026`` proves a column day first, ``1/13/2026`` month first; every other slashed date
    of the column is then read the same way (``1/5/2026`` is 5 January in the second). When no
    value tells, the user's ``--date-order`` decides, else day first, and a warning says so.
    """
    orders = {}
    for f in spec.fields:
        if f.type not in ("date", "datetime") or f.name not in match.columns:
            continue
        cell = f"c{match.columns[f.name]}"
        day_first, month_first, unsure, example = con.execute(
            f"""
            SELECT count(*) FILTER (WHERE a > 12 AND b <= 12),
                   count(*) FILTER (WHERE b > 12 AND a <= 12),
                   count(*) FILTER (WHERE a <= 12 AND b <= 12 AND a <> b),
                   min(v) FILTER (WHERE a <= 12 AND b <= 12 AND a <> b)
            FROM (SELECT v, TRY_CAST(regexp_extract(v, '{_SLASHED}', 1) AS INTEGER) AS a,
                         TRY_CAST(regexp_extract(v, '{_SLASHED}', 2) AS INTEGER) AS b
                  FROM (SELECT {cell} AS v FROM {raw.table} WHERE contains({cell}, '/')))
            """
        ).fetchone()
        column = raw.header[match.columns[f.name]]
        if month_first > day_first:
            orders[f.name] = "mdy"
        elif day_first:
            orders[f.name] = "dmy"
        elif unsure:
            orders[f.name] = ctx.date_order or "dmy"
            if ctx.date_order is None:
                staged.file_warnings.append(
                    _issue(
                        None,
                        column,
                        example,
                        f"every date in column '{column}' (such as {example}) reads as well day "
                        "first as month first; they were read day first (31/12/2026). If the file "
                        "writes the month first, load it again with --date-order mdy",
                        "warning",
                    )
                )
        if f.name in orders:
            staged.date_orders[column] = orders[f.name]
    return orders


def _quoted(name: str) -> str:
    return f'"{name}"'


def _issue(row, column, value, message, severity="error") -> dict:
    return {"row": row, "column": column, "value": value, "message": message, "severity": severity}


def _col(match: HeaderMatch, header: list[str], field_name: str) -> str:
    index = match.columns.get(field_name)
    return header[index] if index is not None else field_name


def _duplicates(table: str, keys: tuple[str, ...], column: str, what: str) -> str:
    key_sql = ", ".join(f'"{k}"' for k in keys)
    present = " AND ".join(f'"{k}" IS NOT NULL' for k in keys)
    return (
        f"SELECT row_number, {n.q(column)}, NULL, 'same {what} as row ' || first_row || "
        f"'; keep one of the two rows', 'error' FROM (SELECT row_number, "
        f"min(row_number) OVER (PARTITION BY {key_sql}) AS first_row FROM {table} "
        f"WHERE {present}) WHERE row_number > first_row"
    )


def _outside_period(
    table: str, field_name: str, column: str, ctx: Context, where: str = "true"
) -> list[str]:
    if ctx.start is None or ctx.end is None:
        return []
    return [
        f'SELECT row_number, {n.q(column)}, "{field_name}__raw", '
        f"'date outside the campaign period {ctx.start} to {ctx.end}; check the date or the "
        f"campaign', 'warning' FROM {table} WHERE CAST(\"{field_name}\" AS DATE) NOT BETWEEN "
        f"DATE '{ctx.start}' AND DATE '{ctx.end}' AND {where}"
    ]


def _kind_checks(
    kind: str, table: str, header: list[str], match: HeaderMatch, ctx: Context
) -> list[str]:
    col = lambda f: _col(match, header, f)  # noqa: E731
    checks: list[str] = []
    if kind == "metrics":
        post = "coalesce(post_id, '')"
        checks.append(
            f"SELECT row_number, {n.q(col('date'))}, NULL, 'same date, platform and post as row '"
            f" || first_row || '; keep one of the two rows', 'error' FROM (SELECT row_number, "
            f"min(row_number) OVER (PARTITION BY date, platform, {post}, "
            f"coalesce(lower(time_window), 'day')) AS first_row "
            f"FROM {table} WHERE date IS NOT NULL AND platform IS NOT NULL) "
            f"WHERE row_number > first_row"
        )
        checks.append(
            f"SELECT row_number, {n.q(col('reach'))}, reach__raw, 'reach ' || "
            f"{n.as_text('count', 'reach')} || ' is above impressions ' || "
            f"{n.as_text('count', 'impressions')} || "
            f"'; reach counts unique people among the impressions, so it cannot be higher: "
            f"check the two columns are not swapped', 'error' FROM {table} "
            f"WHERE reach > impressions"
        )
        lifetime = "lower(coalesce(time_window, 'day')) = 'lifetime'"
        for f in (f for f in NET_CHANGE_FIELDS if f in match.columns):
            checks.append(
                f"SELECT row_number, {n.q(col(f))}, {f}__raw, CASE WHEN {lifetime} THEN "
                f"'a post''s total so far cannot be below zero, got ''' || {f}__raw || '''; "
                f"check the sign' ELSE 'a net change below zero ({f} withdrawn or removed "
                f"that day), stored as reported' END, CASE WHEN {lifetime} THEN 'error' "
                f"ELSE 'warning' END FROM {table} WHERE \"{f}\" < 0"
            )
        if "followers" in match.columns:
            checks.append(
                f"SELECT row_number, {n.q(col('followers'))}, followers__raw, 'followers are "
                f"counted for the whole channel; on a post row (post_id filled in) the value was "
                f"ignored: put it on the channel row of that day', 'warning' FROM {table} "
                f"WHERE coalesce(post_id, '') <> '' AND followers IS NOT NULL"
            )
        # A post's lifetime totals are as of the export date, which may follow the campaign.
        checks.extend(
            _outside_period(
                table, "date", col("date"), ctx, "coalesce(lower(time_window), 'day') = 'day'"
            )
        )
        if "time_window" in match.columns:
            checks.append(
                f"SELECT row_number, {n.q(col('time_window'))}, time_window__raw, 'the window is "
                f"day (figures for that day) or lifetime (a post''s totals so far); write one of "
                f"the two', 'error' FROM {table} WHERE time_window IS NOT NULL AND "
                f"lower(time_window) NOT IN ('day', 'lifetime')"
            )
    elif kind == "spend":
        checks.append(_duplicates(table, ("reference",), col("reference"), "reference"))
        checks.append(
            f"SELECT s.row_number, {n.q(col('budget_line'))}, s.budget_line__raw, "
            f"'budget line ' || s.budget_line || ' is not in the budget of this campaign; use "
            f"one of: ' || coalesce((SELECT string_agg(line_code, ', ' ORDER BY line_code) "
            f"FROM budget_lines WHERE campaign_code = {n.q(ctx.campaign or '')}), "
            f"'(no budget loaded: load the programme set-up first)'), 'error' "
            f"FROM {table} s WHERE s.budget_line IS NOT NULL AND s.budget_line NOT IN "
            f"(SELECT line_code FROM budget_lines WHERE campaign_code = "
            f"{n.q(ctx.campaign or '')})"
        )
        checks.append(
            f"SELECT s.row_number, {n.q(col('currency'))}, s.currency__raw, 'no exchange rate "
            f"for ' || s.currency || ' in ' || strftime(s.date, '%Y-%m') || '; the amount is "
            f"kept but has no EUR value until that month''s rate is loaded (kind fx)', "
            f"'warning' FROM {table} s WHERE s.currency <> 'EUR' AND s.date IS NOT NULL AND "
            f"NOT EXISTS (SELECT 1 FROM exchange_rates r WHERE r.currency = s.currency AND "
            f"r.month = date_trunc('month', s.date))"
        )
        checks.append(
            f"SELECT row_number, {n.q(col('amount'))}, amount__raw, 'the amount is zero; "
            f"delete the row or write the amount paid', 'error' FROM {table} WHERE amount = 0"
        )
        # A refund or a reversal is a negative cost: it is kept, and nets off the line's spend.
        checks.append(
            f"SELECT row_number, {n.q(col('amount'))}, amount__raw, 'a negative amount is "
            f"booked as a refund or reversal and reduces the spend on line ' || "
            f"coalesce(budget_line, budget_line__raw, '(no line)') || '; if it is a cost, "
            f"write it without the minus sign or brackets', 'warning' FROM {table} "
            f"WHERE amount < 0"
        )
        checks.extend(_outside_period(table, "date", col("date"), ctx))
        # Costs without document numbers (references made by ``etl.spend``) that an earlier
        # file loaded for this file's period and this file no longer lists are replaced by it.
        from etl.spend import AUTO_PREFIX

        auto = f"starts_with(reference, {n.q(AUTO_PREFIX)})"
        checks.append(
            f"SELECT NULL, {n.q(col('reference'))}, NULL, CAST(k AS VARCHAR) || CASE WHEN k = 1 "
            f"THEN ' cost without a document number loaded earlier ' ELSE ' costs without a "
            f"document number loaded earlier ' END || CASE WHEN lo = hi THEN 'on ' || "
            f"CAST(lo AS VARCHAR) ELSE 'between ' || CAST(lo AS VARCHAR) || ' and ' || "
            f"CAST(hi AS VARCHAR) END || CASE WHEN k = 1 THEN ' is' ELSE ' are' END || ' not in "
            f"this file as loaded (changed or left out); loading the file replaces ' || CASE "
            f"WHEN k = 1 THEN 'it' ELSE 'them' END || ', since a file without document numbers "
            f"restates its period whole: send every cost of the period, not only new ones', "
            f"'warning' FROM (SELECT count(*) AS k, min(p.spend_date) AS lo, "
            f"max(p.spend_date) AS hi FROM spend p, (SELECT min(date) AS first, max(date) AS "
            f"last FROM {table} WHERE {auto}) f WHERE p.campaign_code = "
            f"{n.q(ctx.campaign or '')} AND starts_with(p.reference, {n.q(AUTO_PREFIX)}) AND "
            f"p.spend_date BETWEEN f.first AND f.last AND p.reference NOT IN (SELECT reference "
            f"FROM {table} WHERE reference IS NOT NULL)) WHERE k > 0"
        )
    elif kind == "participants":
        checks.append(
            _duplicates(
                table,
                ("event_code", "region", "sex", "age_group"),
                col("event_code"),
                "event, region, sex and age group",
            )
        )
        checks.append(
            f"SELECT row_number, {n.q(col('event_date'))}, event_date__raw, 'event ' || "
            f"event_code || ' has another date in row ' || first_row || '; one event has one "
            f"date', 'error' FROM (SELECT row_number, event_code, event_date, event_date__raw, "
            f"first_value(event_date) OVER w AS first_date, first_value(row_number) OVER w AS "
            f"first_row FROM {table} WHERE event_code IS NOT NULL AND event_date IS NOT NULL "
            f"WINDOW w AS (PARTITION BY event_code ORDER BY row_number)) "
            f"WHERE event_date <> first_date"
        )
        checks.extend(_outside_period(table, "event_date", col("event_date"), ctx))
    elif kind == "feedback":
        checks.extend(_outside_period(table, "submitted_at", col("submitted_at"), ctx))
        for rated in ("rating", "usefulness"):
            scale = f"{rated}_scale"
            if rated not in match.columns:
                continue
            checks.append(
                f"SELECT row_number, {n.q(col(rated))}, {rated}__raw, '{rated} ' || "
                f"CAST({rated} AS INTEGER) || ' is above the top of the scale (' || "
                f"CAST(coalesce({scale}, 5) AS INTEGER) || '); ratings run from 1 to ' || "
                f"CAST(coalesce({scale}, 5) AS INTEGER) || ': for a 1-10 question give "
                f"{scale} = 10', 'error' FROM {table} WHERE {rated} > coalesce({scale}, 5)"
            )
            if scale in match.columns:
                checks.append(
                    f"SELECT row_number, {n.q(col(scale))}, {scale}__raw, 'the scale is 5 or "
                    f"10', 'error' FROM {table} WHERE {scale} NOT IN (5, 10)"
                )
    elif kind == "fx":
        checks.append(_duplicates(table, ("month", "currency"), col("month"), "month and currency"))
        checks.append(
            f"SELECT row_number, {n.q(col('units_per_eur'))}, units_per_eur__raw, 'a rate must "
            f"be above zero, got ''' || units_per_eur__raw || '''', 'error' FROM {table} "
            f"WHERE units_per_eur <= 0"
        )
    elif kind in PROGRAMME_SHEETS:
        spec = PROGRAMME_SHEETS[kind]
        checks.append(
            _duplicates(
                table,
                spec.row_key,
                col(spec.row_key[-1]),
                " and ".join(spec.row_key).replace("_", " "),
            )
        )
        if kind == "campaigns":
            checks.append(
                f"SELECT row_number, {n.q(col('end_date'))}, end_date__raw, 'the campaign ends "
                f"before it starts; check the start and end dates', 'error' FROM {table} "
                f"WHERE end_date < start_date"
            )
        if kind == "budget_lines":
            checks.append(
                f"SELECT row_number, {n.q(col('line'))}, line__raw, 'line ' || line || ' does "
                f"not start with its heading number ' || heading || '; number lines inside a "
                f"heading as ' || heading || '.1, ' || heading || '.2, ...', 'warning' "
                f"FROM {table} WHERE heading IS NOT NULL AND line IS NOT NULL AND "
                f"split_part(line, '.', 1) <> CAST(heading AS VARCHAR)"
            )
    return checks
