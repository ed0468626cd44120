"""Submitted reports: frozen figures and files, and what changed since.

When an officer marks a report as submitted, its figures (the report as JSON) and every file
produced for it (workbook, data package, PDF) are stored in ``core.report``. Downloading a
submitted report later gives those bytes back unchanged, whatever was loaded or corrected
since. A new export of the same request (same period and the same campaigns or organisation)
is compared with the latest submitted one: :func:`changes` lists every figure that differs.
"""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass

import pandas as pd

from dashboard import reader
from dashboard.report.model import Report
from etl.warehouse import Warehouse

FORMATS = ("xlsx", "package", "pdf")
CHANGE_COLUMNS = ["table", "row", "column", "submitted", "current", "change"]
ADDED, REMOVED = "(row added)", "(row removed)"


NEED_TITLE = "give the report a title, e.g. 'Interim report 1 (March-November 2026)'"


@dataclass(frozen=True)
class Submitted:
    report_id: int
    title: str
    submitted_by: str
    submitted_at: dt.datetime
    report: Report
    files: dict[str, bytes]


def request_key(report: Report) -> str:
    """What a report was asked for: its period and the campaigns or organisation it names (or
    the campaigns it holds, for a reader limited to some). Reports with the same key are the
    same report produced at different times."""
    m = report.meta
    if m.requested_campaigns:
        what = "campaigns=" + ",".join(sorted(m.requested_campaigns))
    elif m.requested_organisation:
        what = "organisation=" + m.requested_organisation
    elif m.whole_programme:
        what = "programme"
    else:
        what = "campaigns=" + ",".join(sorted(m.campaigns))
    return f"{m.period_start.isoformat()}..{m.period_end.isoformat()}|{what}"


def submit(
    wh: Warehouse,
    report: Report,
    files: dict[str, bytes],
    *,
    title: str,
    submitted_by: str,
    submitted_at: dt.datetime,
) -> int:
    """Store a submitted report and its files; returns its number. ``report.meta`` should
    already carry ``submitted`` (the files were produced with it)."""
    title = title.strip()
    if not title:
        raise ValueError(NEED_TITLE)
    unknown = set(files) - set(FORMATS)
    if unknown:
        raise ValueError(f"unknown file kinds {sorted(unknown)}; use {', '.join(FORMATS)}")
    m = report.meta
    with wh.writer() as con:
        con.execute("BEGIN")
        report_id = con.execute("SELECT nextval('core.report_id_seq')").fetchone()[0]
        con.execute(
            "INSERT INTO core.report (report_id, title, request_key, period_start, period_end, "
            "scope, campaign_codes, submitted_by, submitted_at, data_as_of, figures, xlsx, "
            "package, pdf) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            [
                report_id,
                title,
                request_key(report),
                m.period_start,
                m.period_end,
                m.scope,
                list(m.campaigns),
                submitted_by,
                submitted_at.replace(tzinfo=None),
                m.data_as_of_text,
                report.to_json(),
                files.get("xlsx"),
                files.get("package"),
                files.get("pdf"),
            ],
        )
        con.execute("COMMIT")
    return int(report_id)


def submitted(wh: Warehouse) -> pd.DataFrame:
    """The submitted reports the reader may see, newest first (no files)."""
    return reader.read(
        wh,
        "SELECT report_id, title, scope, period_start, period_end, campaign_codes, "
        "submitted_by, submitted_at, data_as_of, request_key FROM submitted_reports "
        "ORDER BY submitted_at DESC, report_id DESC",
    )


def stored(wh: Warehouse, report_id: int, *, files: bool = True) -> Submitted | None:
    """A submitted report, with its files unless ``files`` is False (to compare figures, the
    files' bytes need not be read), if the reader may see it."""
    blobs = ", ".join(FORMATS) if files else ", ".join(f"NULL AS {f}" for f in FORMATS)
    df = reader.read(
        wh,
        f"SELECT report_id, title, submitted_by, submitted_at, figures, {blobs} "
        "FROM core.report WHERE report_id = ?",
        (int(report_id),),
    )
    if df.empty:
        return None
    row = df.iloc[0]
    kept = {f: bytes(row[f]) for f in FORMATS if not _missing(row[f])}
    return Submitted(
        int(row["report_id"]),
        row["title"],
        row["submitted_by"],
        pd.Timestamp(row["submitted_at"]).to_pydatetime(),
        Report.from_json(row["figures"]),
        kept,
    )


def latest_for(wh: Warehouse, report: Report) -> Submitted | None:
    """The latest submitted report of the same request as ``report``, if any (its figures;
    no files)."""
    df = reader.read(
        wh,
        "SELECT report_id FROM submitted_reports WHERE request_key = ? "
        "ORDER BY submitted_at DESC, report_id DESC LIMIT 1",
        (request_key(report),),
    )
    return None if df.empty else stored(wh, int(df["report_id"].iloc[0]), files=False)


def _missing(value: object) -> bool:
    try:
        return bool(pd.isna(value))
    except (TypeError, ValueError):
        return False


def _same(a: object, b: object) -> bool:
    if _missing(a) and _missing(b):
        return True
    if _missing(a) or _missing(b):
        return False
    if isinstance(a, int | float) and isinstance(b, int | float):
        return math.isclose(float(a), float(b), rel_tol=1e-9, abs_tol=1e-6)
    return str(a) == str(b)


def _text(value: object) -> str | None:
    if _missing(value):
        return None
    if isinstance(value, float):
        value = round(value, 6)  # 29534.86, not 29534.859999999997
        return str(int(value)) if value.is_integer() else f"{value:.15g}"
    return str(value)


def changes(before: Report, after: Report) -> pd.DataFrame:
    """Every figure of ``after`` that differs from ``before``: one row per (table, row,
    column), with both values as text and, for numbers, the change. Rows are named by their
    table's key columns; a row in only one report is listed once as added or removed."""
    out: list[dict] = []
    for name, new in after.tables.items():
        old = before.tables.get(name)
        if old is None or not new.keys:
            continue
        keys = list(new.keys)
        old_rows = {_key(r, keys): r for r in old.frame.to_dict("records")}
        new_rows = {_key(r, keys): r for r in new.frame.to_dict("records")}
        for key, row in new_rows.items():
            previous = old_rows.get(key)
            if previous is None:
                out.append(_change(new.title, key, ADDED, None, None))
                continue
            for col in new.frame.columns:
                if col in keys or col not in previous:
                    continue
                a, b = previous[col], row[col]
                if not _same(a, b):
                    out.append(_change(new.title, key, col, a, b))
        for key in old_rows.keys() - new_rows.keys():
            out.append(_change(new.title, key, REMOVED, None, None))
    return pd.DataFrame.from_records(out, columns=CHANGE_COLUMNS)


def _key(row: dict, keys: list[str]) -> str:
    return " / ".join(_text(row.get(k)) or "–" for k in keys)


def _change(table: str, row: str, column: str, a: object, b: object) -> dict:
    number = (
        isinstance(a, int | float)
        and isinstance(b, int | float)
        and not _missing(a)
        and not _missing(b)
    )
    return {
        "table": table,
        "row": row,
        "column": column,
        "submitted": _text(a),
        "current": _text(b),
        "change": round(float(b) - float(a), 6) if number else None,
    }
