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
separated, dates ISO; text a spreadsheet would take for a formula starts with an apostrophe.
Feedback rows carry the rating, scale, language and day only: comments and the time of day stay
out of a file that leaves the programme.
"""

from __future__ import annotations

import io
import json
import zipfile

import pandas as pd

from dashboard import metrics
from dashboard.components import csv_bytes
from dashboard.report.build import COLUMNS, Report, Table, label
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
    files: list[tuple[str, Table | pd.DataFrame, str, tuple[str, ...]]] = []
    for table in report.tables.values():
        files.append((f"report/{table.name}.csv", table.frame, table.description, table.keys))
    if changes is not None:
        files.append(
            (
                "report/changes.csv",
                changes,
                "Every figure that differs from the submitted report it is compared with.",
                (),
            )
        )
    for name, frame, description in _rows_behind(wh, report):
        files.append((f"data/{name}.csv", frame, description, ()))

    resources, dictionary = [], []
    buf = io.BytesIO()
    stamp = _zip_time(report)
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
        for path, frame, description, keys in files:
            _write(zf, path, csv_bytes(_for_csv(frame)), stamp)
            fields = []
            for column in frame.columns:
                unit, meaning = _describe(column)
                kind = _field_type(frame[column], unit)
                fields.append(
                    {"name": column, "title": label(column), "type": kind,
                     "description": meaning, **({"unit": unit} if unit in _UNITS else {})}
                )  # fmt: skip
                dictionary.append(
                    {"file": path, "column": column, "heading": label(column), "type": kind,
                     "unit": unit if unit in _UNITS else "", "description": meaning}
                )  # fmt: skip
            schema: dict = {"fields": fields}
            if keys:
                schema["primaryKey"] = list(keys)
            resources.append(
                {
                    "name": path.removesuffix(".csv").replace("/", "-").replace("_", "-"),
                    "path": path,
                    "format": "csv",
                    "mediatype": "text/csv",
                    "encoding": "utf-8",
                    "description": description,
                    "rows": len(frame),
                    "schema": schema,
                }
            )
        _write(zf, "data_dictionary.csv", csv_bytes(pd.DataFrame(dictionary)), stamp)
        _write(zf, "datapackage.json", _descriptor(report, resources), stamp)
        _write(zf, "README.txt", _readme(report, files).encode("utf-8"), stamp)
    return buf.getvalue()


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
        if s.dtype == object and s.map(lambda v: isinstance(v, list | tuple)).any():
            out[col] = s.map(lambda v: "; ".join(map(str, v)) if isinstance(v, list | tuple) else v)
        elif pd.api.types.is_float_dtype(s) and s.notna().any():
            values = s.dropna()
            if (values == values.round()).all() and values.abs().max() < 2**53:
                out[col] = s.astype("Int64")  # counts stored as DOUBLE: 54, not 54.0
        elif pd.api.types.is_datetime64_any_dtype(s):
            values = s.dropna()
            if len(values) and (values == values.dt.normalize()).all():
                out[col] = s.dt.strftime("%Y-%m-%d")
    return out


def _rows_behind(wh: Warehouse, report: Report) -> list[tuple[str, pd.DataFrame, str]]:
    m = report.meta
    codes = tuple(m["campaigns"])
    period = metrics.Selection(
        start=pd.Timestamp(m["period_start"]).date(),
        end=pd.Timestamp(m["period_end"]).date(),
        campaigns=codes,
    )
    settings = metrics.Settings(fx_rule=m["fx_rule"])
    out = []
    campaigns = metrics.run_sql(
        wh,
        "SELECT code, name, organisation_code, thematic_area, regions, languages, start_date, "
        "end_date, status FROM campaigns WHERE list_contains($c, code) ORDER BY code",
        {"c": list(codes)},
    )
    out.append(("campaigns", campaigns, "The campaigns of the report, as registered."))
    for source, name, sort, drop in (
        ("channel", "channel_daily", "campaign_code, platform, day", ()),
        ("content", "content_items", "campaign_code, platform, published_on, post_id", ()),
        ("participants", "participants", "event_date, campaign_code, event_code", ()),
        ("feedback", "feedback", "submitted_on, campaign_code, event_code", ("comment",)),
    ):
        sql, params = metrics.selected_rows(source, period, settings)
        frame = metrics.run_sql(wh, f"SELECT * FROM ({sql}) ORDER BY {sort}", params)
        if source == "feedback":
            frame = frame.drop(columns=["submitted_at"])
        frame = frame.drop(columns=list(drop))
        out.append((name, frame, metrics.SOURCES[source].description))
    kpis = metrics.run_sql(
        wh,
        "SELECT campaign_code, indicator_code, indicator, level, metric, unit, direction, "
        "baseline, baseline_year, target, cumulative FROM kpi_targets "
        "WHERE list_contains($c, campaign_code) ORDER BY campaign_code, indicator_code",
        {"c": list(codes)},
    )
    out.append(("kpi_targets", kpis, "Each campaign's KPI targets, as registered."))
    rates = metrics.run_sql(
        wh, "SELECT month, currency, units_per_eur FROM exchange_rates ORDER BY currency, month"
    )
    out.append(("exchange_rates", rates, "The InforEuro monthly rates loaded."))
    return out


def _zip_time(report: Report) -> tuple[int, int, int, int, int, int]:
    stamp = pd.Timestamp(report.meta["produced_at"])
    return (stamp.year, stamp.month, stamp.day, stamp.hour, stamp.minute, stamp.second)


def _write(zf: zipfile.ZipFile, path: str, data: bytes, stamp: tuple) -> None:
    info = zipfile.ZipInfo(path, date_time=stamp)
    info.compress_type = zipfile.ZIP_DEFLATED
    info.external_attr = 0o644 << 16
    zf.writestr(info, data)


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
    for path, frame, description, _keys in files:
        lines.append(f"  {path} ({len(frame)} rows): {description}")
    lines += [
        "",
        "CSV files are UTF-8 with a byte-order mark, comma-separated, dates YYYY-MM-DD.",
        "Reach is never added up over days, platforms or campaigns; rates are ratios of sums.",
        "",
        m["disclaimer"],
        "",
    ]
    return "\n".join(lines)
