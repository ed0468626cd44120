"""The dashboard's web server: Streamlit running ``dashboard/app.py``, plus the routes that set
and clear the HttpOnly session cookie (``dashboard.session_cookie``).

``make run`` starts it as ``streamlit run dashboard/server.py``; Streamlit finds the ``app``
below and serves it with its usual options (``--server.port``, ``--server.address``, ...).

Streamlit's web server, uvicorn, would on its own replace the address of any connection from this
machine with the last address of its ``X-Forwarded-For`` header (uvicorn's
``FORWARDED_ALLOW_IPS``), whoever wrote the header: behind a proxy that passes a client's own
header on, anyone could pick the address their sign-ins are counted against. The dashboard keeps
the connection's address and believes a proxy's header only as ``CAMPAIGNS_TRUSTED_PROXY_HEADER``
and ``CAMPAIGNS_TRUSTED_PROXIES`` say (``etl.accounts.client_address``), so uvicorn's rewriting is
turned off here: uvicorn imports this module before it wraps the app in that middleware.

The toolbar is the viewer's (``client.toolbarMode``): no "Deploy" button for anyone.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import streamlit as st
import uvicorn.config
from streamlit import config

from dashboard.session_cookie import routes
from etl.accounts import AccountError, check_settings


class KeepConnectionAddress:
    """Takes the place of uvicorn's ``ProxyHeadersMiddleware``: the request's client stays the
    address of the connection."""

    def __init__(self, app: Any, trusted_hosts: Any = None) -> None:
        self.app = app

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        await self.app(scope, receive, send)


uvicorn.config.ProxyHeadersMiddleware = KeepConnectionAddress  # type: ignore[misc,assignment]

# Readers get the viewer's toolbar (no "Deploy" button, no developer options), as
# .streamlit/config.toml says, also when the server is started from another folder.
if config.get_where_defined("client.toolbarMode") == config.ConfigOption.DEFAULT_DEFINITION:
    config.set_option("client.toolbarMode", "viewer")

try:
    check_settings()
except AccountError as exc:  # a setting it cannot work with: said in one line, not started
    sys.exit(f"the dashboard cannot start: {exc}")
app = st.App(Path(__file__).with_name("app.py"), routes=routes())
