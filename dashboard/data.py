"""What the dashboard reads that is not a measure: the filters' choices, campaign profiles,
load history; and :func:`read`, the one cached reader every query goes through (the metrics
layer, ``dashboard.metrics``, runs its SQL through it too).

Filters come as a ``dashboard.filters.Selection`` (period, campaigns, platforms, regions,
thematic areas; ``None`` means all): campaigns, regions and thematic areas pick campaigns, and
so does the period (campaigns running at some time in it), as in the metrics layer.

Results are cached with ``st.cache_data`` under the warehouse's path and ``Warehouse.version()``,
so a newly published load invalidates them on the next rerun.
Queries run on one read-only connection per published copy (``Warehouse.published``), each on
its own cursor; a load writes the main file and publishes a new copy under a new name, so an
open connection never holds it up.
"""

from __future__ import annotations

import functools
import tempfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

import duckdb
import pandas as pd
import streamlit as st

from etl.warehouse import Warehouse

if TYPE_CHECKING:
    from dashboard.filters import Selection


# Arguments are tuples of plain values (text, numbers, dates, frozen dataclasses): their repr
# is the key, one string to hash instead of a walk over every element (a selection of 200
# campaigns costs a few milliseconds per call otherwise).
_KEY_BY_REPR = {tuple: repr}


@st.cache_data(show_spinner=False, max_entries=256, hash_funcs=_KEY_BY_REPR)
def _fetch(path: str, version: int, sql: str, params: tuple = ()) -> pd.DataFrame:
    """Run one query on the published copy; ``version`` is only there to key the cache.

    ``params`` is a tuple of positional values, or of ``(name, value)`` pairs for ``$name``
    parameters (tuples inside become lists); either way hashable, so it can key the cache.
    """
    cursor = _connection(path, version).cursor()
    try:
        cursor.execute(f"USE {_CATALOG}")
        return cursor.execute(sql, bind(params)).df()
    finally:
        cursor.close()


# DuckDB's memory for the file's blocks and the queries' work, per published copy the server
# reads; a query needing more spills to a folder of the system's temporary directory.
READER_MEMORY = "512MB"
SPILL_DIR = Path(tempfile.gettempdir()) / "campaign-dashboard-duckdb"
_CATALOG = "warehouse"


@st.cache_resource(show_spinner=False, max_entries=2)
def _connection(path: str, version: int) -> duckdb.DuckDBPyConnection:
    """One connection per published copy of the warehouse, shared by every session: opening
    one costs more than most of the dashboard's queries. Each query runs on its own cursor, so
    sessions in different threads never share one. The copy is attached read-only to an
    in-memory database rather than opened by path, which DuckDB would answer with the
    connection already open on the path, reading the copy a newer publish has replaced."""
    con = duckdb.connect()
    con.execute(f"SET memory_limit = '{READER_MEMORY}'")
    con.execute("SET temp_directory = ?", [str(SPILL_DIR)])
    copy = str(Warehouse(Path(path)).published()).replace("'", "''")
    con.execute(f"ATTACH '{copy}' AS {_CATALOG} (READ_ONLY)")
    return con


def bind(params: tuple) -> Any:
    """The values DuckDB takes for ``params`` as :func:`_fetch` gets them: a dict for
    ``(name, value)`` pairs (tuples inside become lists), else a list."""
    if params and all(isinstance(p, tuple) and len(p) == 2 for p in params):
        return {name: list(v) if isinstance(v, tuple) else v for name, v in params}
    return list(params)


_recorded: list[tuple[str, tuple]] | None = None


@contextmanager
def recording() -> Iterator[list[tuple[str, tuple]]]:
    """While active, every ``(sql, params)`` passed to :func:`read` (cached or not) is appended
    to the list it yields, ``params`` as :func:`_fetch` gets them (run them with :func:`bind`):
    ``make bench`` times a page's SQL on its own this way. Nothing is kept otherwise."""
    global _recorded
    previous, _recorded = _recorded, []
    try:
        yield _recorded
    finally:
        _recorded = previous


def read(wh: Warehouse, sql: str, params: tuple | dict = ()) -> pd.DataFrame:
    """Run SQL on the published copy, cached until the next load is published. ``params`` are
    positional values (a tuple) or named ``$name`` values (a dict; lists are fine)."""
    if isinstance(params, dict):
        params = tuple(
            sorted((k, tuple(v) if isinstance(v, list) else v) for k, v in params.items())
        )
    if _recorded is not None:
        _recorded.append((sql, params))
    return _fetch(str(wh.path), wh.version(), sql, params)


F = TypeVar("F", bound=Callable[..., Any])
_DERIVED: dict[str, Callable[..., Any]] = {}


@st.cache_data(show_spinner=False, max_entries=256, hash_funcs=_KEY_BY_REPR)
def _derive(name: str, path: str, version: int, args: tuple, kwargs: tuple) -> Any:
    """Run the derived function registered as ``name``; ``version`` keys the cache."""
    return _DERIVED[name](Warehouse(Path(path)), *args, **dict(kwargs))


def derived(func: F) -> F:
    """Cache what ``func(wh, *args)`` computes from the warehouse (statuses, paces, tables put
    together in Python from several queries) like a query: per warehouse path and published
    version, so a rerun does not redo the work and a new load does. The arguments must be
    hashable by ``st.cache_data`` (dates, tuples, frozen dataclasses). The queries inside run
    only when the result is not cached, so :func:`recording` sees them on a cold run."""
    name = f"{func.__module__}.{func.__qualname__}"
    _DERIVED[name] = func

    @functools.wraps(func)
    def cached(wh: Warehouse, *args: Any, **kwargs: Any) -> Any:
        return _derive(name, str(wh.path), wh.version(), args, tuple(sorted(kwargs.items())))

    return cached  # type: ignore[return-value]


def _campaign_conditions(sel: Selection | None) -> tuple[str, dict[str, Any]]:
    """The SQL condition on ``campaigns c`` that picks the selection's campaigns (``TRUE`` when
    it does not limit them), and its named parameters."""
    where = ["TRUE"]
    params: dict[str, Any] = {}
    if sel is None:
        return "TRUE", params
    if sel.campaigns:
        where.append("list_contains($campaigns, c.code)")
        params["campaigns"] = tuple(sel.campaigns)
    if sel.themes:
        where.append("list_contains($themes, c.thematic_area)")
        params["themes"] = tuple(sel.themes)
    if sel.regions:
        where.append("list_has_any(c.regions, $regions)")
        params["regions"] = tuple(sel.regions)
    if sel.start:
        where.append("c.end_date >= $start")
        params["start"] = sel.start
    if sel.end:
        where.append("c.start_date <= $end")
        params["end"] = sel.end
    return " AND ".join(where), params


def campaign_profiles(wh: Warehouse, sel: Selection | None = None) -> pd.DataFrame:
    """The campaigns a selection picks, one row each: code, name, organisation, thematic_area,
    regions, languages, start, end, status. Campaign codes, regions and thematic areas pick
    campaigns, and so does the period (campaigns running at some time in it)."""
    campaign_where, params = _campaign_conditions(sel)
    sql = f"""
        SELECT c.code, c.name, c.organisation_name AS organisation, c.thematic_area,
               c.regions, c.languages, c.start_date AS start, c.end_date AS "end", c.status
        FROM campaigns c WHERE {campaign_where} ORDER BY c.code
    """
    return read(wh, sql, params)


_FILTER_OPTIONS = """
SELECT (SELECT min(start_date) FROM campaigns) AS first_day,
       (SELECT max(end_date) FROM campaigns) AS last_day,
       (SELECT list(DISTINCT platform ORDER BY platform)
        FROM (SELECT platform FROM channels UNION ALL
              SELECT DISTINCT platform FROM channel_daily)) AS platforms,
       (SELECT list(DISTINCT region ORDER BY region)
        FROM (SELECT unnest(regions) AS region FROM campaigns)
        WHERE trim(region) <> '') AS regions,
       (SELECT list(DISTINCT thematic_area ORDER BY thematic_area) FROM campaigns
        WHERE trim(thematic_area) <> '') AS themes
"""


def filter_options(wh: Warehouse) -> dict[str, Any]:
    """What the filters offer: ``first_day``/``last_day`` (the campaigns' earliest start and
    latest end, ``None`` without campaigns) and the lists ``platforms`` (of channels and of
    daily channel figures), ``regions`` and ``themes`` (thematic areas) of the campaigns."""
    row = read(wh, _FILTER_OPTIONS).iloc[0]

    def day(value: Any) -> Any:
        return None if pd.isna(value) else pd.Timestamp(value).date()

    def values(value: Any) -> list[str]:
        return [] if value is None or not hasattr(value, "__len__") else [str(v) for v in value]

    return {
        "first_day": day(row["first_day"]),
        "last_day": day(row["last_day"]),
        "platforms": values(row["platforms"]),
        "regions": values(row["regions"]),
        "themes": values(row["themes"]),
    }


def campaign_names(wh: Warehouse) -> dict[str, str]:
    """Campaign code -> name, in code order."""
    df = read(wh, "SELECT code, name FROM campaigns ORDER BY code")
    return dict(zip(df["code"], df["name"], strict=True))


def recent_loads(wh: Warehouse, limit: int = 50) -> pd.DataFrame:
    """The latest load batches, newest first."""
    sql = """
        SELECT batch_id, started_at, loaded_by, source_name, kind, platform, campaign_code,
               rows_read, rows_loaded, rows_rejected, status
        FROM loads ORDER BY batch_id DESC LIMIT ?
    """
    return read(wh, sql, (int(limit),))
