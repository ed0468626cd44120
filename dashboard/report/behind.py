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
BOM = b"\xef\xbb\xbf"


@dataclass(frozen=True)
class DataQuery:
    """One file of rows behind the report: where it goes in the package, what it holds, its
    key columns and the query that gives its rows."""

    path: str
    description: str
    keys: tuple[str, ...] = ()
    sql: str = ""
    params: dict = field(default_factory=dict)


def data_queries(report: Report) -> list[DataQuery]:
    """The files of rows behind ``report``: its campaigns, the daily channel figures, content
    items, participants and feedback of its period, KPI targets and exchange rates."""
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
            "start_date, end_date, status FROM campaigns WHERE list_contains($c, code) "
            "ORDER BY code",
            params={"c": codes},
        )
    ]
    for source, name, columns, sort in (
        ("channel", "channel_daily", "*", "campaign_code, platform, day"),
        ("content", "content_items", "*", "campaign_code, platform, published_on, post_id"),
        ("participants", "participants", "*", "event_date, campaign_code, event_code"),
        # Ratings only: comments and the time of day stay out of a file that leaves us.
        ("feedback", "feedback", "* EXCLUDE (comment, submitted_at)",
         "submitted_on, campaign_code, event_code"),
    ):  # fmt: skip
        sql, params = metrics.selected_rows(source, period, settings)
        out.append(
            DataQuery(
                f"data/{name}.csv",
                metrics.SOURCES[source].description,
                sql=f"SELECT {columns} FROM ({sql}) ORDER BY {sort}",
                params=params,
            )
        )
    out.append(
        DataQuery(
            "data/kpi_targets.csv",
            "Each campaign's KPI targets, as registered.",
            ("campaign_code", "indicator_code"),
            sql="SELECT campaign_code, indicator_code, indicator, level, metric, unit, "
            "direction, baseline, baseline_year, target, cumulative FROM kpi_targets "
            "WHERE list_contains($c, campaign_code) ORDER BY campaign_code, indicator_code",
            params={"c": codes},
        )
    )
    out.append(
        DataQuery(
            "data/exchange_rates.csv",
            "The InforEuro monthly rates loaded.",
            ("month", "currency"),
            sql="SELECT month, currency, units_per_eur FROM exchange_rates "
            "ORDER BY currency, month",
        )
    )
    return out


def data_files(wh: Warehouse, report: Report) -> Iterator[DataFile]:
    """The files of :func:`data_queries`, each written by DuckDB when it is asked for."""
    with tempfile.TemporaryDirectory(prefix="report-package-") as tmp:
        for query in data_queries(report):
            content, types = _copied(wh, query, Path(tmp))
            yield DataFile(query.path, query.description, query.keys, content, tuple(types))


def _copied(wh: Warehouse, q: DataQuery, tmp: Path) -> tuple[bytes, list[tuple[str, str]]]:
    """The CSV of ``q.sql`` written by DuckDB: text a spreadsheet would take for a formula
    gets a leading apostrophe, whole numbers lose their ``.0``, lists are joined with ``; ``."""
    columns = reader.columns_of(wh, q.sql, q.params)
    select, types = [], []
    for name, kind in columns:
        col = '"' + name.replace('"', '""') + '"'
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
    target = tmp / q.path.replace("/", "_")
    reader.copy_csv(wh, f"SELECT {', '.join(select)} FROM ({q.sql})", q.params, target)
    return BOM + target.read_bytes(), types
