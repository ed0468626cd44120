"""The report's CSV data package: a zip of the report's tables and the rows behind them for the
period, described by a data dictionary.

Layout of the zip::

    README.txt             what the package covers, the funding statement and disclaimer
    datapackage.json       Frictionless Data Package descriptor: every file, field, type and
                           meaning (https://specs.frictionlessdata.io/data-package/)
    data_dictionary.csv    the same descriptions as one table
    report/<table>.csv     the tables of the workbook (logframe, campaigns, financial, ...)
    data/<table>.csv       the rows the figures are computed from, for the period and campaigns

CSV files are UTF-8 with a byte-order mark (Excel opens Cyrillic text correctly), comma
separated, dates ISO; text a spreadsheet would take for a formula starts with an apostrophe
(``etl.cells``: every cell, lists included, whether pandas or DuckDB writes the file).
Feedback rows carry the rating, scale, language and day only: comments and the time of day stay
out of a file that leaves the programme.
"""

from __future__ import annotations

import io
import json
import tempfile
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from dashboard import data, metrics
from dashboard.components import csv_bytes
from dashboard.report.model import COLUMNS, Report, label
from etl.cells import is_list, neutral, neutral_sql
from etl.warehouse import Warehouse

# Columns of the rows behind the report: (unit, description).
DATA_COLUMNS: dict[str, tuple[str, str]] = {
    "campaign_code": ("text", "Campaign code."),
    "code": ("text", "Campaign code."),
    "name": ("text", "Campaign name."),
    "organisation_code": ("text", "Grantee organisation's code."),
    "regions": ("text", "Regions the campaign works in."),
    "languages": ("text", "Languages of the campaign."),
    "status": ("text", "The campaign's status as registered."),
    "day": ("date", "The day of the figures (activity on that day)."),
    "reach_day": ("number", "Unique people reached that day; never add it up over days."),
    "likes": ("number", "Likes (reactions)."),
    "comments": ("number", "Comments."),
    "shares": ("number", "Shares, reposts, retweets."),
    "saves": ("number", "Saves, bookmarks."),
    "clicks": ("number", "Link clicks."),
    "followers": ("number", "Followers at the end of the day (a level)."),
    "post_id": ("text", "The platform's id of the post or video."),
    "format": ("text", "Video, image, reel, text, ..."),
    "language": ("text", "Language."),
    "title": ("text", "Title or first words of the post."),
    "url": ("text", "Address of the post."),
    "published_on": ("date", "The day the post was published."),
    "published_on_estimated": (
        "boolean",
        "true when the file gave no publication time and the first day with figures stands in.",
    ),
    "basis": ("text", "daily: its daily figures added up; lifetime: its latest lifetime total."),
    "figures_as_of": ("date", "The day the post's figures run to."),
    "engagements_rated": ("number", "Engagements on days that also report impressions."),
    "impressions_rated": ("number", "Impressions on days that also report engagements."),
    "reach_lifetime": ("number", "The post's lifetime reach as last reported; never added up."),
    "region": ("text", "Region of the participants."),
    "sex": ("text", "Sex of the participants."),
    "submitted_on": ("date", "The day the response was submitted."),
    "rating": ("number", "The rating given."),
    "rating_scale": ("number", "The top of the form's scale (5 or 10)."),
    "positive": ("boolean", "Rating of at least 80% of the scale (4-5 of 5, 8-10 of 10)."),
    "month": ("date", "The month of the rate (its first day)."),
    "units_per_eur": ("rate", "InforEuro: units of the currency per EUR in the month."),
    "metric": ("text", "The figure that measures the KPI."),
    "direction": ("text", "increase or decrease."),
    "cumulative": ("boolean", "true when the KPI's values add up over the campaign."),
}

TYPES = {
    "text": "string",
    "date": "date",
    "datetime": "datetime",
    "boolean": "boolean",
    "integer": "integer",
}


def render_package(wh: Warehouse, report: Report, changes: pd.DataFrame | None = None) -> bytes:
    """The zip of the report's tables and the rows behind them (see the module docs)."""
    files: list[_File] = [
        _File(f"report/{t.name}.csv", t.description, t.keys, frame=t.frame)
        for t in report.tables.values()
    ]
    if changes is not None:
        files.append(
            _File(
                "report/changes.csv",
                "Every figure that differs from the submitted report it is compared with.",
                frame=changes,
            )
        )
    files += _rows_behind(report)

    resources, dictionary = [], []
    buf = io.BytesIO()
    stamp = _zip_time(report)
    with (
        tempfile.TemporaryDirectory(prefix="report-package-") as tmp,
        zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf,
    ):
        for f in files:
            if f.frame is not None:
                content = csv_bytes(_for_csv(f.frame))
                types = [(c, _field_type(f.frame[c], _describe(c)[0])) for c in f.frame.columns]
            else:
                content, types = _copied(wh, f, Path(tmp))
            _write(zf, f.path, content, stamp)
            fields = []
            for column, kind in types:
                unit, meaning = _describe(column)
                fields.append(
                    {"name": column, "title": label(column), "type": kind,
                     "description": meaning, **({"unit": unit} if unit in _UNITS else {})}
                )  # fmt: skip
                dictionary.append(
                    {"file": f.path, "column": column, "heading": label(column), "type": kind,
                     "unit": unit if unit in _UNITS else "", "description": meaning}
                )  # fmt: skip
            schema: dict = {"fields": fields}
            if f.keys:
                schema["primaryKey"] = list(f.keys)
            resource = {
                "name": f.path.removesuffix(".csv").replace("/", "-").replace("_", "-"),
                "path": f.path,
                "format": "csv",
                "mediatype": "text/csv",
                "encoding": "utf-8",
                "description": f.description,
                "schema": schema,
            }
            if f.frame is not None:
                resource["rows"] = len(f.frame)
            resources.append(resource)
        _write(zf, "data_dictionary.csv", csv_bytes(pd.DataFrame(dictionary)), stamp)
        _write(zf, "datapackage.json", _descriptor(report, resources), stamp)
        _write(zf, "README.txt", _readme(report, files).encode("utf-8"), stamp)
    return buf.getvalue()


@dataclass
class _File:
    """One CSV of the package: a report table (``frame``) or rows behind it (``sql``)."""

    path: str
    description: str
    keys: tuple[str, ...] = ()
    frame: pd.DataFrame | None = None
    sql: str = ""
    params: dict = field(default_factory=dict)


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


def _copied(wh: Warehouse, f: _File, tmp: Path) -> tuple[bytes, list[tuple[str, str]]]:
    """The CSV of ``f.sql`` written by DuckDB: text a spreadsheet would take for a formula
    gets a leading apostrophe, whole numbers lose their ``.0``, lists are joined with ``; ``."""
    columns = data.columns_of(wh, f.sql, f.params)
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
    target = tmp / f.path.replace("/", "_")
    data.copy_csv(wh, f"SELECT {', '.join(select)} FROM ({f.sql})", f.params, target)
    return BOM + target.read_bytes(), types


_UNITS = ("EUR", "KZT", "rate", "share", "percent")


def _describe(column: str) -> tuple[str, str]:
    return COLUMNS.get(column) or DATA_COLUMNS.get(column) or ("text", "")


def _field_type(column: pd.Series, unit: str) -> str:
    if pd.api.types.is_bool_dtype(column):
        return "boolean"
    if pd.api.types.is_integer_dtype(column):
        return "integer"
    if pd.api.types.is_datetime64_any_dtype(column):
        values = column.dropna()
        return "date" if (values == values.dt.normalize()).all() else "datetime"
    if pd.api.types.is_numeric_dtype(column):
        return "number"
    return TYPES.get(unit, "string") if unit in ("date", "boolean") else "string"


def _for_csv(frame: pd.DataFrame) -> pd.DataFrame:
    out = frame.copy()
    for col in out.columns:
        s = out[col]
        if s.dtype == object and s.map(is_list).any():
            out[col] = s.map(lambda v: neutral(v, sep="; "))
        elif pd.api.types.is_float_dtype(s) and s.notna().any():
            values = s.dropna()
            if (values == values.round()).all() and values.abs().max() < 2**53:
                out[col] = s.astype("Int64")  # counts stored as DOUBLE: 54, not 54.0
        elif pd.api.types.is_datetime64_any_dtype(s):
            values = s.dropna()
            if len(values) and (values == values.dt.normalize()).all():
                out[col] = s.dt.strftime("%Y-%m-%d")
    return out


def _rows_behind(report: Report) -> list[_File]:
    m = report.meta
    codes = list(m["campaigns"])
    period = metrics.Selection(
        start=pd.Timestamp(m["period_start"]).date(),
        end=pd.Timestamp(m["period_end"]).date(),
        campaigns=tuple(codes),
    )
    settings = metrics.Settings(fx_rule=m["fx_rule"])
    out = [
        _File(
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
            _File(
                f"data/{name}.csv",
                metrics.SOURCES[source].description,
                sql=f"SELECT {columns} FROM ({sql}) ORDER BY {sort}",
                params=params,
            )
        )
    out.append(
        _File(
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
        _File(
            "data/exchange_rates.csv",
            "The InforEuro monthly rates loaded.",
            ("month", "currency"),
            sql="SELECT month, currency, units_per_eur FROM exchange_rates "
            "ORDER BY currency, month",
        )
    )
    return out


def _zip_time(report: Report) -> tuple[int, int, int, int, int, int]:
    stamp = pd.Timestamp(report.meta["produced_at"])
    return (stamp.year, stamp.month, stamp.day, stamp.hour, stamp.minute, stamp.second)


def _write(zf: zipfile.ZipFile, path: str, data: bytes, stamp: tuple) -> None:
    info = zipfile.ZipInfo(path, date_time=stamp)
    info.compress_type = zipfile.ZIP_DEFLATED
    info.external_attr = 0o644 << 16
    # The fastest deflate: CSV still shrinks about fivefold, in a quarter of the time.
    zf.writestr(info, data, compresslevel=1)


def _descriptor(report: Report, resources: list[dict]) -> bytes:
    m = report.meta
    descriptor = {
        "profile": "tabular-data-package",
        "name": f"report-{m['period_start']}-{m['period_end']}",
        "title": f"{m['programme']}: {m['scope']}, {m['period_start']} to {m['period_end']}",
        "description": f"{m['funding_statement']}. {m['disclaimer']}",
        "created": m["produced_at"],
        "version": m["data_as_of"] or "",
        "resources": resources,
    }
    return json.dumps(descriptor, ensure_ascii=False, indent=2).encode("utf-8")


def _readme(report: Report, files: list) -> str:
    m = report.meta
    lines = [
        m["funding_statement"],
        "",
        m["programme"],
        f"{m['scope']}, reporting period {m['period_start']} to {m['period_end']}",
        f"Produced {m['produced_at']}; data as of {m.get('data_as_of') or 'no load yet'}.",
        "",
        "Files (each column is described in data_dictionary.csv and datapackage.json):",
    ]
    for f in files:
        rows = f" ({len(f.frame)} rows)" if f.frame is not None else ""
        lines.append(f"  {f.path}{rows}: {f.description}")
    lines += [
        "",
        "CSV files are UTF-8 with a byte-order mark, comma-separated, dates YYYY-MM-DD.",
        "Reach is never added up over days, platforms or campaigns; rates are ratios of sums.",
        "",
        m["disclaimer"],
        "",
    ]
    return "\n".join(lines)
