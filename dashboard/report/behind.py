"""The rows behind a report's figures, for its data package: the campaigns, daily channel
figures, content items, participants, feedback ratings, KPI targets and exchange rates of the
report's period and campaigns, each written as CSV by DuckDB within the reader's scope.

The package writer (``dashboard.report.package``) reads no warehouse: :func:`data_files`
gives it these files one at a time, as it writes them, so a large programme's rows are never
all in memory at once. Text a spreadsheet would take for a formula starts with an apostrophe
(``etl.cells.neutral_sql``, the rule of every file that leaves the system); whole numbers lose
their ``.0``; lists are joined with ``; ``. Feedback rows carry the rating, scale, language and
day only: comments and the time of day stay out of a file that leaves the programme.
"""

from __future__ import annotations

import tempfile
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

from dashboard import metrics, reader
from dashboard.report.model import Report
from dashboard.report.package import DataFile
from etl.cells import neutral_sql
from etl.warehouse import Warehouse

# DuckDB types -> Frictionless field types.
DUCKDB_TYPES = {
    "BOOLEAN": "boolean",
    "DATE": "date",
    "TIMESTAMP": "datetime",
    "TIMESTAMP WITH TIME ZONE": "datetime",
    "DOUBLE": "number",
    "FLOAT": "number",
    "BIGINT": "integer",
    "INTEGER": "integer",
    "SMALLINT": "integer",
    "HUGEINT": "integer",
}


@dataclass(frozen=True)
class DataQuery:
    """One file of rows behind the report: where it goes in the package, what it holds, its
    key columns, the query that gives its rows and the columns they are sorted by (the
    outermost ``ORDER BY`` of the file's query: DuckDB keeps no order of a subquery)."""

    path: str
    description: str
    keys: tuple[str, ...] = ()
    sql: str = ""
    params: dict = field(default_factory=dict)
    order: tuple[str, ...] = ()


def data_queries(report: Report) -> list[DataQuery]:
    """The files of rows behind ``report``: its campaigns, the daily channel figures, content
    items, participants and feedback of its period, KPI targets and exchange rates. Each
    file's rows are in the order of its key (then of every other column, for rows that share
    a key), the same every time."""
    m = report.meta
    codes = list(m.campaigns)
    approved = m.approval is not None and m.approval.approved_only
    period = metrics.Selection(
        start=m.period_start, end=m.period_end, campaigns=tuple(codes), approved_only=approved
    )
    settings = metrics.Settings(fx_rule=m.fx_rule)
    out = [
        DataQuery(
            "data/campaigns.csv",
            "The campaigns of the report, as registered.",
            ("code",),
            sql="SELECT code, name, organisation_code, thematic_area, regions, languages, "
            "start_date, end_date, status FROM campaigns WHERE list_contains($c, code)",
            params={"c": codes},
            order=("code",),
        )
    ]
    for source, name, columns, sort in (
        ("channel", "channel_daily", "*", ("campaign_code", "platform", "day")),
        ("content", "content_items", "*",
         ("campaign_code", "platform", "published_on", "post_id")),
        ("participants", "participants", "*",
         ("event_date", "campaign_code", "event_code", "region", "sex", "age_group",
          "participants")),
        # Ratings only: comments and the time of day stay out of a file that leaves us.
        ("feedback", "feedback", "* EXCLUDE (comment, submitted_at)",
         ("submitted_on", "campaign_code", "event_code", "language", "rating_scale", "rating")),
    ):  # fmt: skip
        sql, params = metrics.selected_rows(source, period, settings)
        out.append(
            DataQuery(
                f"data/{name}.csv",
                metrics.SOURCES[source].description,
                sql=f"SELECT {columns} FROM ({sql})",
                params=params,
                order=sort,
            )
        )
    out.append(
        DataQuery(
            "data/kpi_targets.csv",
            "Each campaign's KPI targets, as registered.",
            ("campaign_code", "indicator_code"),
            sql="SELECT campaign_code, indicator_code, indicator, level, metric, unit, "
            "direction, baseline, baseline_year, target, cumulative FROM kpi_targets "
            "WHERE list_contains($c, campaign_code)",
            params={"c": codes},
            order=("campaign_code", "indicator_code"),
        )
    )
    out.append(
        DataQuery(
            "data/exchange_rates.csv",
            "The InforEuro monthly rates loaded.",
            ("month", "currency"),
            sql="SELECT month, currency, units_per_eur FROM exchange_rates",
            order=("currency", "month"),
        )
    )
    return out


def data_files(wh: Warehouse, report: Report) -> Iterator[DataFile]:
    """The files of :func:`data_queries`, within the scope of the reader calling this
    function (their statements are prepared here, in the caller's thread; the files may be
    asked for from another). Asked for the first file, it starts DuckDB writing them all, one
    after another in a thread of its own, so the package compresses a file while DuckDB writes
    the next; a file is removed once the next one is asked for."""
    queries = data_queries(report)
    statements = [_statement(wh, q) for q in queries]
    return _written(wh, queries, statements, reader.current_scope())


def _written(
    wh: Warehouse,
    queries: list[DataQuery],
    statements: list[tuple[str, list[tuple[str, str]]]],
    scope: reader.Scope | None,
) -> Iterator[DataFile]:
    def write(q: DataQuery, sql: str, target: Path) -> Path:
        # The scope is the caller's, given explicitly: a thread starts with none of its own.
        with reader.scoped(scope):
            reader.copy_csv(wh, sql, q.params, target)
        return target

    with (
        tempfile.TemporaryDirectory(prefix="report-package-") as tmp,
        ThreadPoolExecutor(1, thread_name_prefix="report-package") as pool,
    ):
        pending = [
            pool.submit(write, q, sql, Path(tmp) / q.path.replace("/", "_"))
            for q, (sql, _) in zip(queries, statements, strict=True)
        ]
        try:
            for q, (_, types), future in zip(queries, statements, pending, strict=True):
                target = future.result()
                yield DataFile(q.path, q.description, q.keys, target, tuple(types))
                target.unlink(missing_ok=True)
        finally:
            for future in pending:
                future.cancel()


def _statement(wh: Warehouse, q: DataQuery) -> tuple[str, list[tuple[str, str]]]:
    """The query writing the CSV of ``q.sql``, in the order of ``q.order``, and its fields:
    text a spreadsheet would take for a formula gets a leading apostrophe, whole numbers lose
    their ``.0``, lists are joined with ``; ``."""
    columns = reader.columns_of(wh, q.sql, q.params)
    select, types = [], []
    for name, kind in columns:
        col = _quoted(name)
        if kind == "VARCHAR":
            expr = neutral_sql(col)
        elif kind == "DOUBLE":
            expr = (
                f"CASE WHEN {col} = trunc({col}) AND abs({col}) < 1e15 "
                f"THEN {col}::BIGINT::VARCHAR ELSE {col}::VARCHAR END"
            )
        elif kind.endswith("[]"):
            expr = neutral_sql(f"array_to_string({col}, '; ')")
        else:
            expr = col
        if kind.startswith("DECIMAL"):
            kind = "DOUBLE"
        select.append(f"{expr} AS {col}")
        types.append((name, DUCKDB_TYPES.get(kind, "string")))
    # Sorted by the rows' own values (``r.``), not by the text written for them.
    order = ", ".join(f"r.{_quoted(c)}" for c in q.order)
    sql = f"SELECT {', '.join(select)} FROM ({q.sql}) AS r"
    return sql + (f" ORDER BY {order}" if order else ""), types


def _quoted(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'
