"""The session cookie, written by the server so that no script in the page can read it.

A sign-in happens in the Streamlit script, over the page's WebSocket, where no HTTP response can
set a cookie. So the script hands the page a one-time code (:func:`keep_script`): random, good for
``CODE_SECONDS``, kept only in this process's memory. The page posts it to the route
``/_campaigns/session``, which answers with the cookie::

    Set-Cookie: campaigns_session=<token>; HttpOnly; Max-Age=<session hours>; Path=/;
                SameSite=strict[; Secure]

``HttpOnly`` keeps it from ``document.cookie``; the browser still sends it with the WebSocket
that opens the page, where ``dashboard.auth`` reads it (``st.context.cookies``). ``Secure`` is
added when the request came over HTTPS (the scheme, or ``X-Forwarded-Proto`` from a trusted
proxy) or when ``CAMPAIGNS_COOKIE_SECURE`` is set. Signing out posts to
``/_campaigns/session/end``, which ends the session the cookie names and expires the cookie.

The routes are mounted by ``dashboard/server.py`` (``st.App``), which ``make run`` starts; a bare
``streamlit run dashboard/app.py`` has no such route: signing in then lasts for the tab only.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import secrets
import threading
import time

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route
from streamlit import config

from etl.accounts import (
    Accounts,
    from_trusted_proxy,
    lifetime_seconds,
)
from etl.warehouse import Warehouse

log = logging.getLogger(__name__)

COOKIE = "campaigns_session"
PATH = "/_campaigns/session"
CODE_SECONDS = 60
SECURE_ENV = "CAMPAIGNS_COOKIE_SECURE"

# sha256(code) -> (session token, expiry); only this process reads it.
_codes: dict[str, tuple[str, float]] = {}
_lock = threading.Lock()
_mounted = False


def route_path(end: bool = False) -> str:
    """The route's path, under Streamlit's ``server.baseUrlPath`` when one is set."""
    base = str(config.get_option("server.baseUrlPath") or "").strip("/")
    return (f"/{base}" if base else "") + PATH + ("/end" if end else "")


def mounted() -> bool:
    """Whether this server has the routes (started through ``dashboard/server.py``)."""
    return _mounted


def _hash(code: str) -> str:
    return hashlib.sha256(code.encode()).hexdigest()


def issue_code(token: str) -> str:
    """A one-time code the page exchanges for the cookie holding ``token``."""
    code = secrets.token_urlsafe(32)
    now = time.monotonic()
    with _lock:
        for key in [k for k, (_, expiry) in _codes.items() if expiry < now]:
            del _codes[key]
        _codes[_hash(code)] = (token, now + CODE_SECONDS)
    return code


def _redeem(code: str) -> str | None:
    with _lock:
        entry = _codes.pop(_hash(code), None)
    if entry is None or entry[1] < time.monotonic():
        return None
    return entry[0]


def _js(value: object) -> str:
    """``value`` as a JavaScript literal that cannot close the script element."""
    return json.dumps(value).replace("<", "\\u003c")


def _post_script(path: str, body: dict[str, str]) -> str:
    return (
        f"<script>fetch({_js(path)}, {{method: 'POST', credentials: 'same-origin', "
        f"cache: 'no-store', headers: {{'Content-Type': 'application/json'}}, "
        f"body: {_js(json.dumps(body))}}});</script>"
    )


def keep_script(token: str) -> str:
    """The page script that has the server set the cookie for ``token``."""
    if not _mounted:
        _warn_unmounted()
    return _post_script(route_path(), {"code": issue_code(token)})


def forget_script() -> str:
    """The page script that has the server end the cookie's session and expire it."""
    return _post_script(route_path(end=True), {})


_warned = False


def _warn_unmounted() -> None:
    global _warned
    if not _warned:
        _warned = True
        log.warning(
            "the session cookie route is not mounted: start the dashboard with `streamlit run "
            "dashboard/server.py` (as `make run` does) so that a sign-in lasts beyond the tab"
        )


def _secure(request: Request) -> bool:
    if os.environ.get(SECURE_ENV, "").strip().lower() in ("1", "true", "yes", "on"):
        return True
    if request.url.scheme == "https":
        return True
    peer = request.client.host if request.client else None
    forwarded = request.headers.get("x-forwarded-proto", "").split(",")[-1].strip().lower()
    return forwarded == "https" and from_trusted_proxy(peer)


def _cross_site(request: Request) -> bool:
    """A request another site made the browser send (browsers say so in ``Sec-Fetch-Site``)."""
    return request.headers.get("sec-fetch-site", "same-origin") not in ("same-origin", "none")


def _no_store(response: Response) -> Response:
    response.headers["Cache-Control"] = "no-store"
    return response


async def _keep(request: Request) -> Response:
    if _cross_site(request):
        return _no_store(Response(status_code=403))
    body = await request.body()
    try:
        code = json.loads(body)["code"] if len(body) < 1024 else None
    except (ValueError, KeyError, TypeError):
        code = None
    token = _redeem(code) if isinstance(code, str) else None
    if token is None:
        return _no_store(Response(status_code=403))
    response = _no_store(Response(status_code=204))
    response.set_cookie(
        COOKIE,
        token,
        max_age=int(lifetime_seconds()),
        path="/",
        secure=_secure(request),
        httponly=True,
        samesite="strict",
    )
    return response


def _end_session(token: str) -> None:
    Accounts.for_warehouse(Warehouse.at()).end_session(token)


async def _forget(request: Request) -> Response:
    if _cross_site(request):
        return _no_store(Response(status_code=403))
    token = request.cookies.get(COOKIE)
    if token:
        await run_in_threadpool(_end_session, token)
    response = _no_store(Response(status_code=204))
    response.delete_cookie(
        COOKIE, path="/", secure=_secure(request), httponly=True, samesite="strict"
    )
    return response


def routes() -> list[Route]:
    """The routes ``dashboard/server.py`` mounts beside Streamlit's."""
    global _mounted
    _mounted = True
    return [
        Route(route_path(), _keep, methods=["POST"]),
        Route(route_path(end=True), _forget, methods=["POST"]),
    ]
