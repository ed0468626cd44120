"""What the dashboard reads that is not a measure: the filters' choices, campaign profiles,
load history; and :func:`read`, the one cached reader every query goes through (the metrics
layer, ``dashboard.metrics``, runs its SQL through it too).

Filters come as a ``dashboard.filters.Selection`` (period, campaigns, platforms, regions,
thematic areas; ``None`` means all): campaigns, regions and thematic areas pick campaigns, and
so does the period (campaigns running at some time in it), as in the metrics layer.

Results are cached with ``st.cache_data`` under the warehouse's path, ``Warehouse.version()``
and the reader's :class:`Scope`, so a newly published load invalidates them on the next rerun
and one user's results are never another's.

**Isolation.** Every query runs within the signed-in user's scope (set by ``dashboard.auth``
before any page runs). For a grantee or a viewer limited to some campaigns, the query runs in a
catalog whose views and ``core`` tables are filtered copies of the warehouse's: rows of other
campaigns, their organisations and their load batches are not there to be read, whatever the
SQL, the URL or the widgets ask for. Inside the app, a query without a scope is refused.
Queries run on one read-only connection per published copy (``Warehouse.published``), each on
its own cursor; a load writes the main file and publishes a new copy under a new name, so an
open connection never holds it up.
"""

from __future__ import annotations

import functools
import hashlib
import tempfile
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

import duckdb
import pandas as pd
import streamlit as st
from streamlit.runtime.scriptrunner import get_script_run_ctx

from etl.warehouse import Warehouse

if TYPE_CHECKING:
    from dashboard.filters import Selection


@dataclass(frozen=True)
class Scope:
    """The campaigns a reader may see: an organisation's (a grantee), the listed ones (a
    viewer limited to some), or both conditions at once. ``ALL`` (``None``) sees everything."""

    organisation: str | None = None
    campaigns: tuple[str, ...] | None = None

    def condition(self) -> str:
        """SQL on ``warehouse.main.campaigns`` picking the scope's campaigns."""
        parts = []
        if self.organisation is not None:
            parts.append(f"organisation_code = {_literal(self.organisation)}")
        if self.campaigns is not None:
            codes = ", ".join(_literal(c) for c in self.campaigns) or "NULL"
            parts.append(f"code IN ({codes})")
        return " AND ".join(parts) or "FALSE"


ALL: Scope | None = None
_SCOPE_KEY = "_data_scope"
_NO_SCOPE = object()
# The scope of reads made outside a running page (the CLI, benchmarks, tests of the measures).
_outside_scope: ContextVar[Scope | None] = ContextVar("scope", default=ALL)


def _literal(text: str) -> str:
    return "'" + str(text).replace("'", "''") + "'"


def set_scope(scope: Scope | None) -> None:
    """Bind this session's reads to ``scope`` (``ALL`` for everything); ``dashboard.auth``
    calls it on every run once the user is known."""
    st.session_state[_SCOPE_KEY] = scope


def clear_scope() -> None:
    st.session_state.pop(_SCOPE_KEY, None)


@contextmanager
def scoped(scope: Scope | None) -> Iterator[None]:
    """Read within ``scope`` outside a running page (benchmarks, tests)."""
    token = _outside_scope.set(scope)
    try:
        yield
    finally:
        _outside_scope.reset(token)


def current_scope() -> Scope | None:
    """The scope of reads now: the session's in a running page (refusing when none was set,
    so that nothing is read before sign-in), else the one :func:`scoped` set."""
    if get_script_run_ctx() is not None:
        scope = st.session_state.get(_SCOPE_KEY, _NO_SCOPE)
        if scope is _NO_SCOPE:
            raise PermissionError("no one is signed in: nothing may be read")
        return scope  # type: ignore[return-value]
    return _outside_scope.get()


# Arguments are tuples of plain values (text, numbers, dates, frozen dataclasses): their repr
# is the key, one string to hash instead of a walk over every element (a selection of 200
# campaigns costs a few milliseconds per call otherwise).
_KEY_BY_REPR = {tuple: repr}


@st.cache_data(show_spinner=False, max_entries=256, hash_funcs=_KEY_BY_REPR)
def _fetch(
    path: str, version: int, scope: Scope | None, sql: str, params: tuple = ()
) -> pd.DataFrame:
    """Run one query on the published copy within ``scope``; ``version`` is only there to key
    the cache.

    ``params`` is a tuple of positional values, or of ``(name, value)`` pairs for ``$name``
    parameters (tuples inside become lists); either way hashable, so it can key the cache.
    """
    with _scoped_cursor(path, version, scope) as cursor:
        return cursor.execute(sql, bind(params)).df()


@contextmanager
def _scoped_cursor(
    path: str, version: float, scope: Scope | None
) -> Iterator[duckdb.DuckDBPyConnection]:
    """A cursor on the published copy's shared connection, using ``scope``'s catalog."""
    con = _connection(path, version)
    catalog = _CATALOG if scope is None else _scope_catalog(con, scope)
    cursor = con.cursor()
    try:
        cursor.execute(f"USE {catalog}")
        yield cursor
    finally:
        cursor.close()


# Relations readable by every user: the InforEuro rates are public.
_PUBLIC = {("main", "exchange_rates"), ("core", "fx_rate")}
_CAMPAIGN_TABLES = {("main", "campaigns"), ("core", "campaign")}
_ORGANISATION_TABLES = {("main", "organisations"), ("core", "organisation")}
_scope_lock = threading.Lock()


def _scope_catalog(con: duckdb.DuckDBPyConnection, scope: Scope) -> str:
    """The in-memory catalog holding ``scope``'s view of the attached warehouse, made on
    first use: every view of ``main`` and table of ``core`` under the same name, keeping only
    the rows of the scope's campaigns (a relation with no rule for that keeps none)."""
    name = "scope_" + hashlib.sha256(repr(scope).encode()).hexdigest()[:16]
    with _scope_lock:
        if con.execute(
            "SELECT 1 FROM duckdb_databases() WHERE database_name = ?", [name]
        ).fetchone():
            return name
        relations = con.execute(
            "SELECT schema_name, table_name, list(column_name) FROM duckdb_columns() "
            "WHERE database_name = ? AND schema_name IN ('main', 'core') GROUP BY ALL",
            [_CATALOG],
        ).fetchall()
        allowed = f"SELECT code FROM {_CATALOG}.main.campaigns WHERE {scope.condition()}"
        batches = f"SELECT batch_id FROM {_CATALOG}.core.batch WHERE campaign_code IN ({allowed})"
        statements = [
            f"ATTACH ':memory:' AS {name}",
            f"CREATE SCHEMA {name}.core",
        ]
        for schema, table, columns in relations:
            key = (schema, table)
            if key in _PUBLIC:
                where = "TRUE"
            elif key in _CAMPAIGN_TABLES:
                where = f"code IN ({allowed})"
            elif key in _ORGANISATION_TABLES:
                where = (
                    f"code IN (SELECT organisation_code FROM {_CATALOG}.main.campaigns "
                    f"WHERE code IN ({allowed}))"
                )
            elif "campaign_codes" in columns:
                # Submitted reports: those about the scope's campaigns only.
                where = (
                    f"len(campaign_codes) > 0 AND list_has_all((SELECT list(code) FROM "
                    f"({allowed})), campaign_codes)"
                )
            elif "campaign_code" in columns:
                where = f"campaign_code IN ({allowed})"
            elif "batch_id" in columns:
                where = f"batch_id IN ({batches})"
            else:
                where = "FALSE"
            statements.append(
                f'CREATE VIEW {name}.{schema}."{table}" AS '
                f'SELECT * FROM {_CATALOG}.{schema}."{table}" WHERE {where}'
            )
        try:
            for statement in statements:
                con.execute(statement)
        except BaseException:
            con.execute(f"DETACH DATABASE IF EXISTS {name}")
            raise
    return name


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
    return _fetch(str(wh.path), wh.version(), current_scope(), sql, params)


def columns_of(wh: Warehouse, sql: str, params: dict | None = None) -> list[tuple[str, str]]:
    """The (name, DuckDB type) of each column ``sql`` gives, read within the current scope."""
    described = read(wh, f"DESCRIBE {sql}", params or {})
    return list(zip(described["column_name"], described["column_type"], strict=True))


def copy_csv(wh: Warehouse, sql: str, params: dict | None, target: Path) -> None:
    """Write the rows of ``sql`` to ``target`` as CSV (header, comma, UTF-8) with DuckDB's
    ``COPY``, within the current reader's scope like :func:`read`, for results too large to
    pass through pandas. Not cached: it writes a file."""
    path = str(target).replace("'", "''")
    with _scoped_cursor(str(wh.path), wh.version(), current_scope()) as cursor:
        cursor.execute(f"COPY ({sql}) TO '{path}' (FORMAT csv, HEADER)", params or {})


F = TypeVar("F", bound=Callable[..., Any])
_DERIVED: dict[str, Callable[..., Any]] = {}


@st.cache_data(show_spinner=False, max_entries=256, hash_funcs=_KEY_BY_REPR)
def _derive(
    name: str, path: str, version: int, scope: Scope | None, args: tuple, kwargs: tuple
) -> Any:
    """Run the derived function registered as ``name``; ``version`` and ``scope`` (which the
    reads inside use) key the cache."""
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
        return _derive(
            name, str(wh.path), wh.version(), current_scope(), args, tuple(sorted(kwargs.items()))
        )

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


def allowed_campaigns(wh: Warehouse) -> tuple[str, ...]:
    """The codes of the campaigns the current reader may see."""
    return tuple(read(wh, "SELECT code FROM campaigns ORDER BY code")["code"])


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
