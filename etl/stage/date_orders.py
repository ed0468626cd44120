"""Day first or month first: the order of each date column's slashed dates (03/04/2026),
decided from all of the column's values."""

from __future__ import annotations

import duckdb

from etl.headers import HeaderMatch
from etl.kinds import Kind
from etl.messages import message
from etl.reading import RawTable
from etl.stage.records import Context, Staged, issue

_SLASHED = r"^\s*([0-9]{1,2})/([0-9]{1,2})/[0-9]{2,4}"


def date_orders(
    con: duckdb.DuckDBPyConnection,
    raw: RawTable,
    match: HeaderMatch,
    spec: Kind,
    ctx: Context,
    staged: Staged,
) -> dict[str, str]:
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
                    issue(
                        None,
                        column,
                        example,
                        message("stage.dates_either_way", column=column, example=example),
                        "warning",
                    )
                )
        if f.name in orders:
            staged.date_orders[column] = orders[f.name]
    return orders
