"""The baseline of the page and export benchmarks: the statements the dashboard sent (recorded
by ``dashboard.reader.recording``), each distinct one run again on its own, directly in
DuckDB."""

from __future__ import annotations

import statistics
import time
from collections.abc import Sequence

import duckdb

from dashboard.reader import bind
from etl.warehouse import Warehouse


def distinct_statements(recorded: Sequence[tuple[str, tuple]]) -> list[tuple[str, tuple]]:
    """Each ``(sql, params)`` once, in first-sent order: a repeat within a run is served from
    the cache, so the page's own SQL runs once per distinct statement."""
    seen: dict[tuple[str, str], tuple[str, tuple]] = {}
    for sql, params in recorded:
        seen.setdefault((sql, repr(params)), (sql, params))
    return list(seen.values())


def raw_sql_pass(
    wh: Warehouse, statements: Sequence[tuple[str, tuple]]
) -> tuple[float, list[float]]:
    """One pass of ``statements`` directly in DuckDB: one read-only connection to the published
    file, each result fetched into pandas as the app does. Seconds in all (opening the
    connection included) and for each statement."""
    each = []
    t0 = time.perf_counter()
    con = duckdb.connect(str(wh.read_path), read_only=True)
    try:
        for sql, params in statements:
            t1 = time.perf_counter()
            con.execute(sql, bind(params)).df()
            each.append(time.perf_counter() - t1)
    finally:
        con.close()
    return time.perf_counter() - t0, each


def slowest_statements(
    statements: Sequence[tuple[str, tuple]], passes: Sequence[tuple[float, list[float]]]
) -> list[tuple[float, str]]:
    """The three slowest statements by their median over ``passes``, with their first words."""
    medians = [statistics.median(times) for times in zip(*(p[1] for p in passes), strict=True)]
    words = [" ".join(sql.split())[:90] for sql, _ in statements]
    return sorted(zip(medians, words, strict=True), reverse=True)[:3]


def time_raw_sql(
    wh: Warehouse, recorded: Sequence[tuple[str, tuple]], passes: int = 3
) -> tuple[float, list[tuple[float, str]]]:
    """Median seconds of ``passes`` passes of the distinct recorded statements, and the three
    slowest statements."""
    statements = distinct_statements(recorded)
    done = [raw_sql_pass(wh, statements) for _ in range(passes)]
    return statistics.median(d[0] for d in done), slowest_statements(statements, done)
