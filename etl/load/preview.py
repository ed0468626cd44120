"""What a checked file's rows say before anything is written: the period they cover
(``detected["period"]``) and, when asked, the first rows as parsed (``LoadResult.preview``)."""

from __future__ import annotations

import datetime as dt
import decimal
import json

import duckdb

from etl.load.result import LoadResult
from etl.stage import Staged, spec_of

# The fields whose first and last dates make a file's period (``detected["period"]``), by the
# kind of table staged: (field giving the first day, field giving the last day).
PERIOD_FIELDS = {
    "metrics": ("date", "date"),
    "spend": ("date", "date"),
    "participants": ("event_date", "event_date"),
    "feedback": ("submitted_at", "submitted_at"),
    "fx": ("month", "month"),
    "campaigns": ("start_date", "end_date"),
}


def describe_rows(
    con: duckdb.DuckDBPyConnection, staged: dict[str, Staged], result: LoadResult, limit: int
) -> None:
    """The file's period in ``result.detected`` and, when ``limit`` asks, its first ``limit``
    rows (per sheet) as parsed in ``result.preview``. Runs before invalid rows are set aside,
    so both count every row read."""
    firsts, lasts = [], []
    for s in staged.values():
        fields = PERIOD_FIELDS.get(s.kind)
        if fields is None or fields[0] not in s.header.columns:
            continue
        # Compared as dates, returned as ISO text (a date beyond Python's range stays text too).
        first, last = con.execute(
            f'SELECT CAST(min(CAST("{fields[0]}" AS DATE)) AS VARCHAR), '
            f'CAST(max(CAST("{fields[1]}" AS DATE)) AS VARCHAR) FROM {s.table}'
        ).fetchone()
        if first is not None:
            firsts.append(first)
            lasts.append(last if last is not None else first)
    if firsts:
        result.detected["period"] = {"first": min(firsts), "last": max(lasts)}
    if limit <= 0:
        return
    for s in staged.values():
        fields = [f for f in spec_of(s.kind).fields if f.name in s.header.columns]
        names = [f.name for f in fields]
        columns = "".join(f', "{name}"' for name in names)
        rows = con.execute(
            f"SELECT row_number{columns} FROM {s.table} ORDER BY row_number LIMIT ?", [limit]
        ).fetchall()
        errors, detail = {}, {}
        for number, text, found in con.execute(
            f"SELECT row_number, string_agg(coalesce(column_name || ': ', '') || message, "
            f"'; ' ORDER BY column_name), list({{'column': column_name, 'message': message, "
            f"'code': code, 'params': params}} ORDER BY column_name) FROM {s.issues_table} "
            f"WHERE severity = 'error' AND row_number <= ? GROUP BY row_number",
            [rows[-1][0] if rows else 0],
        ).fetchall():
            errors[number] = text
            detail[number] = [
                {"row": number, **i, "params": json.loads(i["params"]) if i["params"] else {}}
                for i in found
            ]
        for row in rows:
            item: dict = {"row": row[0]}
            if s.sheet:
                item["sheet"] = s.sheet
            for f, value in zip(fields, row[1:], strict=True):
                item[f.name] = _plain(value, f.type)
            item["errors"] = errors.get(row[0])
            # the same errors one by one, with their codes, for a page to write in its language
            for found in detail.get(row[0], []):
                result.preview_issues.append({**found, "sheet": s.sheet} if s.sheet else found)
            result.preview.append(item)


def _plain(value, ftype: str = ""):
    """A typed cell as JSON holds it: dates as ISO text, decimals as numbers, counts whole."""
    if ftype == "count" and isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, dt.date | dt.datetime):
        return value.isoformat()
    if isinstance(value, decimal.Decimal):
        return int(value) if value == value.to_integral_value() else float(value)
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    return value
