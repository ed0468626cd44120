"""The scoped reader: SQL run on the warehouse's published copy within the reader's
:class:`Scope`, its results cached until the next load is published. Every query of the
dashboard, the metrics layer and the reports goes through :func:`read`.

**Isolation.** Every query runs within the current scope. For a grantee or a viewer limited to
some campaigns, the query runs in a catalog whose views and ``core`` tables are filtered copies
of the warehouse's: rows of other campaigns, their organisations and their load batches are not
there to be read, whatever the SQL asks for. The one read beyond a scope is
:func:`programme_medians`, which gives back the median campaign's figures of the whole
programme and nothing else (no row, no code, and nothing below three campaigns), so that a
grantee sees its campaign beside the programme's. Outside a running page the scope is the one
:func:`scoped` sets (everything by default: the CLI, benchmarks, tests of the measures).
Queries run on one read-only connection per published copy (``Warehouse.published``), each on
its own cursor; a load writes the main file and publishes a new copy under a new name, so an
open connection never holds it up.

**Caching.** Results are cached in this process's memory under the warehouse's path,
``Warehouse.version()`` and the scope, so a newly published load invalidates them and one
reader's results are never another's; every session of the server shares them. A result is
known by the ``repr`` of its arguments, one string, which costs a fraction of what Streamlit's
data cache spends hashing them argument by argument (a warm rerun reads a few dozen cached
results). This module imports no Streamlit: ``dashboard.data`` binds the reads of a running page
to the signed-in user's scope (:func:`use_page_scope`).
"""

from __future__ import annotations

import functools
import hashlib
import pickle
import tempfile
import threading
from collections import OrderedDict
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

import duckdb
import numpy as np
import pandas as pd

from etl.warehouse import Warehouse

if TYPE_CHECKING:
    from etl.accounts import User

F = TypeVar("F", bound=Callable[..., Any])


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


def scope_of(user: User) -> Scope | None:
    """The campaigns ``user`` reads: all for officers and unrestricted viewers, an
    organisation's for grantees, the listed ones for restricted viewers."""
    if user.role == "officer":
        return ALL
    if user.role == "grantee":
        return Scope(organisation=user.organisation or "")
    if user.campaigns is None:
        return ALL
    return Scope(campaigns=user.campaigns)


def _literal(text: str) -> str:
    return "'" + str(text).replace("'", "''") + "'"


# --- the scope of reads ---------------------------------------------------------------------------

# The scope of reads made outside a running page (the CLI, benchmarks, tests of the measures).
_outside_scope: ContextVar[Scope | None] = ContextVar("scope", default=ALL)


def _never_in_page() -> bool:
    return False


def _no_page_scope() -> Scope | None:
    raise PermissionError("no page is running")


_in_page: Callable[[], bool] = _never_in_page
_page_scope: Callable[[], Scope | None] = _no_page_scope


def use_page_scope(in_page: Callable[[], bool], page_scope: Callable[[], Scope | None]) -> None:
    """Read within ``page_scope()`` whenever ``in_page()`` says a page is running (the signed-in
    user's scope; it raises ``PermissionError`` when no one is signed in), else within the scope
    :func:`scoped` set."""
    global _in_page, _page_scope
    _in_page, _page_scope = in_page, page_scope


@contextmanager
def scoped(scope: Scope | None) -> Iterator[None]:
    """Read within ``scope`` outside a running page (benchmarks, tests, the CLI)."""
    token = _outside_scope.set(scope)
    try:
        yield
    finally:
        _outside_scope.reset(token)


def current_scope() -> Scope | None:
    """The scope of reads now: the page's in a running page (see :func:`use_page_scope`), else
    the one :func:`scoped` set."""
    if _in_page():
        return _page_scope()
    return _outside_scope.get()


# --- caches ---------------------------------------------------------------------------------------


class _MemoryCache:
    """A function's results kept in this process, at most ``max_entries`` (the least recently
    used go first), keyed by the ``repr`` of its arguments (plain values, tuples and frozen
    dataclasses). With ``copy``, each call gets its own copy of the result, as Streamlit's
    data cache gives (a caller may change a DataFrame it got)."""

    def __init__(self, func: Callable[..., Any], max_entries: int, *, copy: bool) -> None:
        self._func = func
        self._max = max_entries
        self._copy = copy
        self._entries: OrderedDict[str, Any] = OrderedDict()
        self._lock = threading.Lock()
        functools.update_wrapper(self, func)

    def __call__(self, *args: Any) -> Any:
        key = repr(args)
        if not self._copy:
            with self._lock:  # a resource is made once, then shared
                if key not in self._entries:
                    self._keep(key, self._func(*args))
                self._entries.move_to_end(key)
                return self._entries[key]
        with self._lock:
            stored = self._entries.get(key)
            if stored is not None:
                self._entries.move_to_end(key)
        if stored is None:
            stored = pickle.dumps(self._func(*args), protocol=pickle.HIGHEST_PROTOCOL)
            with self._lock:
                self._keep(key, stored)
        return pickle.loads(stored)

    def _keep(self, key: str, stored: Any) -> None:
        self._entries[key] = stored
        self._entries.move_to_end(key)
        while len(self._entries) > self._max:
            self._entries.popitem(last=False)

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()


def clear_cache(*, connections: bool = False) -> None:
    """Forget every kept result, and with ``connections`` the connections to published copies."""
    _cached_fetch.clear()
    _cached_derive.clear()
    if connections:
        _cached_connection.clear()


# --- running a query ------------------------------------------------------------------------------


def _fetch(
    path: str, version: tuple[int, ...], scope: Scope | None, sql: str, params: tuple = ()
) -> pd.DataFrame:
    """Run one query on the published copy within ``scope``; ``version`` is only there to key
    the cache.

    ``params`` is a tuple of positional values, or of ``(name, value)`` pairs for ``$name``
    parameters (tuples inside become lists); either way hashable, so it can key the cache.
    """
    with _scoped_cursor(path, version, scope) as cursor:
        return _lists_as_lists(cursor.execute(sql, bind(params)).df())


def _lists_as_lists(df: pd.DataFrame) -> pd.DataFrame:
    """``df`` with each cell of a list column of text or numbers (a DuckDB ``LIST``, which
    pandas gets as a NumPy array) made a Python list of the same items. A kept result is
    stored pickled and read back on every rerun: a column of small arrays costs ten times what
    a column of lists does both ways (a programme's campaigns with their regions and
    languages: 35 ms against 2 ms)."""
    for column, dtype in df.dtypes.items():
        if not (isinstance(dtype, np.dtype) and dtype.kind == "O"):
            continue  # text columns are pandas' own string type
        values = df[column]
        if any(isinstance(v, np.ndarray) for v in values):
            df[column] = values.map(_as_list)
    return df


def _as_list(value: Any) -> Any:
    """A list of text or numbers as a Python list of the same values; anything else as it is
    (dates stay NumPy's, as DuckDB gave them)."""
    if not isinstance(value, np.ndarray):
        return value
    if value.dtype == object:
        return list(value)
    return value.tolist() if value.dtype.kind in "biuf" else value


@contextmanager
def _scoped_cursor(
    path: str, version: tuple[int, ...], scope: Scope | None
) -> Iterator[duckdb.DuckDBPyConnection]:
    """A cursor on the published copy's shared connection, using ``scope``'s catalog."""
    con = _cached_connection(path, version)
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
        statements = [f"ATTACH ':memory:' AS {name}", f"CREATE SCHEMA {name}.core"]
        for schema, table, columns in relations:
            where = _row_rule((schema, table), columns, allowed)
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


def _row_rule(key: tuple[str, str], columns: list[str], allowed: str) -> str:
    """The condition keeping the rows of relation ``key`` (schema, table) that a scope whose
    campaigns ``allowed`` selects may read."""
    if key in _PUBLIC:
        return "TRUE"
    if key in _CAMPAIGN_TABLES:
        return f"code IN ({allowed})"
    if key in _ORGANISATION_TABLES:
        return (
            f"code IN (SELECT organisation_code FROM {_CATALOG}.main.campaigns "
            f"WHERE code IN ({allowed}))"
        )
    if "campaign_codes" in columns:
        # Submitted reports: those about the scope's campaigns only.
        return (
            f"len(campaign_codes) > 0 AND list_has_all((SELECT list(code) FROM "
            f"({allowed})), campaign_codes)"
        )
    if "campaign_code" in columns:
        return f"campaign_code IN ({allowed})"
    if "batch_id" in columns:
        batches = f"SELECT batch_id FROM {_CATALOG}.core.batch WHERE campaign_code IN ({allowed})"
        return f"batch_id IN ({batches})"
    return "FALSE"


# DuckDB's memory for the file's blocks and the queries' work, per published copy the server
# reads; a query needing more spills to a folder of the system's temporary directory.
READER_MEMORY = "512MB"
SPILL_DIR = Path(tempfile.gettempdir()) / "campaign-dashboard-duckdb"
_CATALOG = "warehouse"


def _connection(path: str, version: tuple[int, ...]) -> duckdb.DuckDBPyConnection:
    """One connection per published copy of the warehouse, shared by every session: opening
    one costs more than most of the dashboard's queries. Each query runs on its own cursor, so
    sessions in different threads never share one. The copy is attached read-only to an
    in-memory database rather than opened by path, which DuckDB would answer with the
    connection already open on the path, reading the copy a newer publish has replaced."""
    con = duckdb.connect()
    con.execute(f"SET memory_limit = '{READER_MEMORY}'")
    con.execute("SET temp_directory = ?", [str(SPILL_DIR)])
    Warehouse(Path(path)).attach_published(con, _CATALOG)
    return con


def bind(params: tuple) -> Any:
    """The values DuckDB takes for ``params`` as :func:`read` passes them on: a dict for
    ``(name, value)`` pairs (tuples inside become lists), else a list."""
    if params and all(isinstance(p, tuple) and len(p) == 2 for p in params):
        return {name: list(v) if isinstance(v, tuple) else v for name, v in params}
    return list(params)


_recorded: list[tuple[str, tuple]] | None = None


@contextmanager
def recording() -> Iterator[list[tuple[str, tuple]]]:
    """While active, every ``(sql, params)`` passed to :func:`read` (cached or not) is appended
    to the list it yields, ``params`` as the cache gets them (run them with :func:`bind`):
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
    return _cached_fetch(str(wh.path), wh.version(), current_scope(), sql, params)


# A programme median is shown only when at least this many campaigns have a value: with fewer,
# a campaign's own figure and the median would give away another campaign's.
MIN_CAMPAIGNS_FOR_MEDIAN = 3


def programme_medians(
    wh: Warehouse, per_campaign_sql: str, params: dict, columns: list[str] | tuple[str, ...]
) -> dict[str, float | None]:
    """The median over the whole programme of each of ``columns`` of ``per_campaign_sql`` (one
    row per campaign, with a ``campaign`` column), whatever the current scope: the one read a
    grantee or a restricted viewer makes beyond their own campaigns, and what it gives back is
    the medians alone, never a row, a code or a name. A column that fewer than
    :data:`MIN_CAMPAIGNS_FOR_MEDIAN` campaigns have a value for gives None. Cached like
    :func:`read`, under the whole programme's scope (the result is the same for every reader)."""
    if not columns:
        return {}
    for name in columns:
        if not name.isidentifier():
            raise ValueError(f"not a column name: {name!r}")
    parts = ", ".join(
        f'median("{c}") FILTER (WHERE isfinite("{c}"::DOUBLE)) AS "m_{c}", '
        f'count(DISTINCT campaign) FILTER (WHERE isfinite("{c}"::DOUBLE)) AS "n_{c}"'
        for c in columns
    )
    sql = f"SELECT {parts} FROM ({per_campaign_sql}) per_campaign"
    key = tuple(sorted((k, tuple(v) if isinstance(v, list) else v) for k, v in params.items()))
    if _recorded is not None:
        _recorded.append((sql, key))
    row = _cached_fetch(str(wh.path), wh.version(), ALL, sql, key).iloc[0]
    out: dict[str, float | None] = {}
    for c in columns:
        enough = int(row[f"n_{c}"]) >= MIN_CAMPAIGNS_FOR_MEDIAN
        value = row[f"m_{c}"]
        out[c] = float(value) if enough and not pd.isna(value) else None
    return out


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


# --- tables derived from several queries ----------------------------------------------------------

_DERIVED: dict[str, Callable[..., Any]] = {}


def _derive(
    name: str, path: str, version: tuple[int, ...], scope: Scope | None, args: tuple, kwargs: tuple
) -> Any:
    """Run the derived function registered as ``name``; ``version`` and ``scope`` (which the
    reads inside use) key the cache."""
    return _DERIVED[name](Warehouse(Path(path)), *args, **dict(kwargs))


def derived(func: F) -> F:
    """Cache what ``func(wh, *args)`` computes from the warehouse (statuses, paces, tables put
    together in Python from several queries) like a query: per warehouse path, published
    version and scope, so a rerun does not redo the work and a new load does. The arguments
    must be plain values (dates, tuples, frozen dataclasses). The queries inside run only when
    the result is not cached, so :func:`recording` sees them on a cold run."""
    name = f"{func.__module__}.{func.__qualname__}"
    _DERIVED[name] = func

    @functools.wraps(func)
    def cached(wh: Warehouse, *args: Any, **kwargs: Any) -> Any:
        return _cached_derive(
            name, str(wh.path), wh.version(), current_scope(), args, tuple(sorted(kwargs.items()))
        )

    return cached  # type: ignore[return-value]


# Results: a copy for each caller, at most 256; connections: shared, at most 2 published copies.
_cached_fetch = _MemoryCache(_fetch, 256, copy=True)
_cached_derive = _MemoryCache(_derive, 256, copy=True)
_cached_connection = _MemoryCache(_connection, 2, copy=False)
