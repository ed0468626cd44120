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

This module reads no warehouse: the report's tables come with the report, the rows behind them
as files DuckDB wrote (``dashboard.report.behind``).
"""

from __future__ import annotations

import io
import itertools
import json
import shutil
import zipfile
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd
from isal import isal_zlib

from dashboard.report.approval import approval_table, statement
from dashboard.report.model import COLUMNS, Report, label
from dashboard.table_files import csv_bytes
from etl.cells import is_list, neutral

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

BOM = b"\xef\xbb\xbf"
# Files are deflated by ISA-L (``isal``) at its level 1: the same deflate format any unzip
# reads, made about four times faster than zlib's fastest level and a little smaller (a
# programme's year: 50 MiB of CSV to 11.9 MiB in 0.08 s, zlib 12.9 MiB in 0.31 s;
# docs/benchmarks.md "Donor report export").
COMPRESS_LEVEL = 1
CHUNK = 1 << 20

TYPES = {
    "text": "string",
    "date": "date",
    "datetime": "datetime",
    "boolean": "boolean",
    "integer": "integer",
}


def render_package(
    report: Report,
    changes: pd.DataFrame | None = None,
    rows_behind: Iterable[DataFile] = (),
) -> bytes:
    """The zip of the report's tables and ``rows_behind`` them (``behind.data_files``), see the
    module docs."""
    tables = [
        _TableFile(f"report/{t.name}.csv", t.description, t.frame, t.keys)
        for t in report.tables.values()
    ]
    approval = approval_table(report.meta)
    if approval is not None:
        tables.append(
            _TableFile("report/approval.csv", approval.description, approval.frame, approval.keys)
        )
    if changes is not None:
        tables.append(
            _TableFile(
                "report/changes.csv",
                "Every figure that differs from the submitted report it is compared with.",
                changes,
            )
        )
    # Asked for its first file, ``rows_behind`` starts DuckDB writing the rest in a thread of
    # its own (``behind.data_files``), while the report's tables are written here.
    behind = iter(rows_behind)
    first = next(behind, None)
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
        contents = _Contents(zf, _zip_time(report))
        for t in tables:
            frame = _for_csv(t.frame)
            fields = [(c, _field_type(t.frame[c], _describe(c)[0])) for c in t.frame.columns]
            contents.add(t.path, t.description, t.keys, csv_bytes(frame), fields, len(t.frame))
        for f in itertools.chain(() if first is None else (first,), behind):
            contents.add(f.path, f.description, f.keys, f.file, list(f.fields))
        contents.write("data_dictionary.csv", csv_bytes(pd.DataFrame(contents.dictionary)))
        contents.write("datapackage.json", _descriptor(report, contents.resources))
        contents.write("README.txt", _readme(report, contents.listed).encode("utf-8"))
    return buf.getvalue()


@dataclass(frozen=True)
class DataFile:
    """One file of rows behind the report, already written (``behind.data_files``): the CSV
    file DuckDB wrote (UTF-8 without a byte-order mark: the package adds one) and its
    (column, Frictionless type) fields."""

    path: str
    description: str
    keys: tuple[str, ...]
    file: Path
    fields: tuple[tuple[str, str], ...]


@dataclass
class _TableFile:
    """One of the report's tables as a CSV of the package."""

    path: str
    description: str
    frame: pd.DataFrame
    keys: tuple[str, ...] = ()


@dataclass
class _Contents:
    """The zip being written and what the descriptor, the data dictionary and the README say
    of each file in it."""

    zf: zipfile.ZipFile
    stamp: tuple[int, int, int, int, int, int]
    resources: list[dict] = field(default_factory=list)
    dictionary: list[dict] = field(default_factory=list)
    listed: list[tuple[str, int | None, str]] = field(default_factory=list)

    def write(self, path: str, data: bytes | Path) -> None:
        _write(self.zf, path, data, self.stamp)

    def add(
        self,
        path: str,
        description: str,
        keys: tuple[str, ...],
        content: bytes | Path,
        types: list[tuple[str, str]],
        rows: int | None = None,
    ) -> None:
        """Write one CSV (its bytes, or a file of it without the byte-order mark) and describe
        it: its resource, its columns in the dictionary."""
        self.write(path, content)
        fields = []
        for column, kind in types:
            unit, meaning = _describe(column)
            fields.append(
                {"name": column, "title": label(column), "type": kind,
                 "description": meaning, **({"unit": unit} if unit in _UNITS else {})}
            )  # fmt: skip
            self.dictionary.append(
                {"file": path, "column": column, "heading": label(column), "type": kind,
                 "unit": unit if unit in _UNITS else "", "description": meaning}
            )  # fmt: skip
        schema: dict = {"fields": fields}
        if keys:
            schema["primaryKey"] = list(keys)
        resource = {
            "name": path.removesuffix(".csv").replace("/", "-").replace("_", "-"),
            "path": path,
            "format": "csv",
            "mediatype": "text/csv",
            "encoding": "utf-8",
            "description": description,
            "schema": schema,
        }
        if rows is not None:
            resource["rows"] = rows
        self.resources.append(resource)
        self.listed.append((path, rows, description))


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
    """``frame`` as the package writes it: lists joined with ``; ``, whole numbers without
    ``.0``, days without a time; only the columns that change are replaced."""
    out = frame.copy(deep=False)
    for col in out.columns:
        s = out[col]
        if s.dtype == object and any(not isinstance(v, str) and is_list(v) for v in s):
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


def _zip_time(report: Report) -> tuple[int, int, int, int, int, int]:
    stamp = pd.Timestamp(report.meta.produced_at)
    return (stamp.year, stamp.month, stamp.day, stamp.hour, stamp.minute, stamp.second)


def _write(zf: zipfile.ZipFile, path: str, data: bytes | Path, stamp: tuple) -> None:
    """``data`` into the zip as ``path``; a file (a CSV DuckDB wrote) is read in chunks, after
    the byte-order mark."""
    info = zipfile.ZipInfo(path, date_time=stamp)
    info.compress_type = zipfile.ZIP_DEFLATED
    info.external_attr = 0o644 << 16
    # With the size known beforehand, as ``writestr`` does (zip64 when needed).
    info.file_size = len(data) if isinstance(data, bytes) else len(BOM) + data.stat().st_size
    info._compresslevel = COMPRESS_LEVEL  # what ``writestr(compresslevel=)`` sets
    with zf.open(info, "w") as dest:
        # zipfile checksums what is written and deflates it with its compressor: ISA-L's
        # raw deflate instead of zlib's (a writer without one keeps zlib's, same format).
        if hasattr(dest, "_compressor"):
            dest._compressor = isal_zlib.compressobj(
                COMPRESS_LEVEL, isal_zlib.DEFLATED, -isal_zlib.MAX_WBITS
            )
        if isinstance(data, bytes):
            dest.write(data)
            return
        dest.write(BOM)
        with data.open("rb") as source:
            shutil.copyfileobj(source, dest, CHUNK)


def _descriptor(report: Report, resources: list[dict]) -> bytes:
    m = report.meta
    descriptor = {
        "profile": "tabular-data-package",
        "name": f"report-{m.period_start.isoformat()}-{m.period_end.isoformat()}",
        "title": f"{m.programme}: {m.scope}, {m.period_text}",
        "description": f"{m.funding_statement}. {m.disclaimer}",
        "created": m.produced_at_text,
        "version": m.data_as_of_text or "",
        "resources": resources,
    }
    return json.dumps(descriptor, ensure_ascii=False, indent=2).encode("utf-8")


def _readme(report: Report, listed: list[tuple[str, int | None, str]]) -> str:
    m = report.meta
    lines = [
        m.funding_statement,
        "",
        m.programme,
        f"{m.scope}, reporting period {m.period_text}",
        f"Produced {m.produced_at_text}; data as of {m.data_as_of_text or 'no load yet'}.",
        "",
        "Files (each column is described in data_dictionary.csv and datapackage.json):",
    ]
    for path, rows, description in listed:
        count = f" ({rows} rows)" if rows is not None else ""
        lines.append(f"  {path}{count}: {description}")
    approval = statement(m, "en")
    if approval is not None:
        lines += ["", approval]
    lines += [
        "",
        "CSV files are UTF-8 with a byte-order mark, comma-separated, dates YYYY-MM-DD.",
        "Reach is never added up over days, platforms or campaigns; rates are ratios of sums.",
        "",
        m.disclaimer,
        "",
    ]
    return "\n".join(lines)
