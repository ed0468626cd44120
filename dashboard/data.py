"""The dashboard's Streamlit side of reading.

Imported by the app, this module makes the scoped reader (``dashboard.reader``, which keeps
results and connections in the server's memory) read within the signed-in user's scope:
``dashboard.auth`` binds it to the session (:func:`set_scope`) before any page runs, and inside
a running page a query without a scope is refused. The reader's own names (:func:`read`,
:func:`scoped`, :class:`Scope`, :func:`derived`, ...) are available here too.

What the pages read besides the measures (the filters' choices, campaign profiles, load
history) is in ``dashboard.metrics.lookups``.
"""

from __future__ import annotations

import streamlit as st
from streamlit.runtime.scriptrunner import get_script_run_ctx

from dashboard import reader
from dashboard.reader import (
    ALL,
    READER_MEMORY,
    SPILL_DIR,
    Scope,
    bind,
    clear_cache,
    columns_of,
    copy_csv,
    current_scope,
    derived,
    read,
    recording,
    scoped,
)

_SCOPE_KEY = "_data_scope"
_NO_SCOPE = object()


def set_scope(scope: Scope | None) -> None:
    """Bind this session's reads to ``scope`` (``ALL`` for everything); ``dashboard.auth``
    calls it on every run once the user is known."""
    st.session_state[_SCOPE_KEY] = scope


def clear_scope() -> None:
    st.session_state.pop(_SCOPE_KEY, None)


def _in_page() -> bool:
    # Asked from threads of no page too (the report's writers), which are no cause to warn.
    return get_script_run_ctx(suppress_warning=True) is not None


def _session_scope() -> Scope | None:
    """The session's scope, refusing when none was set, so that nothing is read before
    sign-in."""
    scope = st.session_state.get(_SCOPE_KEY, _NO_SCOPE)
    if scope is _NO_SCOPE:
        raise PermissionError("no one is signed in: nothing may be read")
    return scope  # type: ignore[return-value]


reader.use_page_scope(_in_page, _session_scope)

__all__ = [
    "ALL",
    "READER_MEMORY",
    "SPILL_DIR",
    "Scope",
    "bind",
    "clear_cache",
    "clear_scope",
    "columns_of",
    "copy_csv",
    "current_scope",
    "derived",
    "read",
    "recording",
    "scoped",
    "set_scope",
]
