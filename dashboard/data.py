"""The dashboard's Streamlit side of reading, and what the pages read that is not a measure.

Imported by the app, this module makes the scoped reader (``dashboard.reader``) cache with
Streamlit (``st.cache_data`` for results and derived tables, ``st.cache_resource`` for the
connections to each published copy) and read within the signed-in user's scope: ``dashboard.auth``
binds it to the session (:func:`set_scope`) before any page runs, and inside a running page a
query without a scope is refused. The reader's own names (:func:`read`, :func:`scoped`,
:class:`Scope`, :func:`derived`, ...) are available here too.

Then the filters' choices, campaign profiles and load history. Filters come as a
``dashboard.metrics.Selection`` (period, campaigns, platforms, regions, thematic areas; ``None``
means all): campaigns, regions and thematic areas pick campaigns, and so does the period
(campaigns running at some time in it), as in the metrics layer.
"""

from __future__ import annotations

from typing import Any

import pandas as pd
import streamlit as st
from streamlit.runtime.scriptrunner import get_script_run_ctx

from dashboard import reader
from dashboard.metrics import Selection, campaign_conditions
from dashboard.reader import (
    ALL,
    READER_MEMORY,
    SPILL_DIR,
    Scope,
    bind,
    columns_of,
    copy_csv,
    current_scope,
    derived,
    read,
    recording,
    scoped,
)
from etl.warehouse import Warehouse

_SCOPE_KEY = "_data_scope"
_NO_SCOPE = object()


def set_scope(scope: Scope | None) -> None:
    """Bind this session's reads to ``scope`` (``ALL`` for everything); ``dashboard.auth``
    calls it on every run once the user is known."""
    st.session_state[_SCOPE_KEY] = scope


def clear_scope() -> None:
    st.session_state.pop(_SCOPE_KEY, None)


def _in_page() -> bool:
    return get_script_run_ctx() is not None


def _session_scope() -> Scope | None:
    """The session's scope, refusing when none was set, so that nothing is read before
    sign-in."""
    scope = st.session_state.get(_SCOPE_KEY, _NO_SCOPE)
    if scope is _NO_SCOPE:
        raise PermissionError("no one is signed in: nothing may be read")
    return scope  # type: ignore[return-value]


# Arguments are tuples of plain values (text, numbers, dates, frozen dataclasses): their repr
# is the key, one string to hash instead of a walk over every element (a selection of 200
# campaigns costs a few milliseconds per call otherwise).
_KEY_BY_REPR = {tuple: repr}

reader.use_caches(
    results=st.cache_data(show_spinner=False, max_entries=256, hash_funcs=_KEY_BY_REPR),
    resources=st.cache_resource(show_spinner=False, max_entries=2),
)
reader.use_page_scope(_in_page, _session_scope)

__all__ = [
    "ALL",
    "READER_MEMORY",
    "SPILL_DIR",
    "Scope",
    "allowed_campaigns",
    "bind",
    "campaign_names",
    "campaign_profiles",
    "clear_scope",
    "columns_of",
    "copy_csv",
    "current_scope",
    "derived",
    "filter_options",
    "read",
    "recent_loads",
    "recording",
    "scoped",
    "set_scope",
]


def campaign_profiles(wh: Warehouse, sel: Selection | None = None) -> pd.DataFrame:
    """The campaigns a selection picks, one row each: code, name, organisation, thematic_area,
    regions, languages, start, end, status. Campaign codes, regions and thematic areas pick
    campaigns, and so does the period (campaigns running at some time in it)."""
    params: dict[str, Any] = {}
    campaign_where = campaign_conditions(sel or Selection(), params)
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
