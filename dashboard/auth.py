"""Signing in, and what the signed-in user may see and do.

``dashboard.app`` calls :func:`signed_in_user` on every run before navigation. It finds the user
from, in order: this browser session; the session cookie a sign-in left (so a link opened in a
new tab stays signed in); or the identity Streamlit's OpenID Connect login (``st.login``) holds,
mapped to an account by e-mail. With a user, it binds every read of ``dashboard.data`` to the
user's campaigns (:func:`scope_of`); without one, nothing can be read and the app shows
:func:`login_page` only.

Accounts, roles, passwords, sessions and sign-in throttling are ``etl.accounts``'; the
``campaigns users`` commands manage them. A sign-in is counted against the account and against
the client's address (:func:`client`: the connection's, or a trusted proxy's header). The
session cookie is written and cleared by the server (``dashboard.session_cookie``) as
``HttpOnly``, so no script in the page can read the token. Nothing here writes a password, token
or secret anywhere but the account store (hashed) and that cookie.
"""

from __future__ import annotations

import hashlib
import logging

import streamlit as st

from dashboard import data, session_cookie
from dashboard.i18n import literal, t
from dashboard.reader import scope_of
from etl.accounts import (
    Accounts,
    LoginRefused,
    SignInWait,
    User,
    client_address,
    trusted_proxy_header,
)
from etl.warehouse import Warehouse

log = logging.getLogger(__name__)

COOKIE = session_cookie.COOKIE
_USER = "_auth_user"
_TOKEN = "_auth_token"
# "set" once the browser's cookie should hold this session's token, "clear" after sign-out (the
# cookie the page was opened with is then ignored); _COOKIE_SENT is the one last sent.
_COOKIE_WRITE = "_auth_cookie"
_COOKIE_SENT = "_auth_cookie_sent"


def oidc_configured() -> bool:
    """Whether ``.streamlit/secrets.toml`` has an ``[auth]`` section for ``st.login``."""
    try:
        return "auth" in st.secrets
    except Exception:  # no secrets file at all
        return False


def signed_in_user(wh: Warehouse) -> User | None:
    """The user of this session, or ``None``; binds :mod:`dashboard.data`'s reads to the user's
    campaigns (or to nothing)."""
    user = _find_user(wh)
    if user is None:
        st.session_state.pop(_USER, None)
        data.clear_scope()
        return None
    st.session_state[_USER] = user
    data.set_scope(scope_of(user))
    return user


def _find_user(wh: Warehouse) -> User | None:
    accounts = Accounts.for_warehouse(wh)
    token = st.session_state.get(_TOKEN)
    if token is None and st.session_state.get(_COOKIE_WRITE) != "clear":
        token = _cookie()
    if token:
        user = accounts.session_user(token)
        if user is not None:
            st.session_state[_TOKEN] = token
            return user
        if st.session_state.pop(_TOKEN, None):
            st.session_state["_auth_expired"] = True
        st.session_state[_COOKIE_WRITE] = "clear"
    if oidc_configured() and st.user.is_logged_in:
        return accounts.by_email(_verified_email())
    return None


def _cookie() -> str | None:
    try:
        value = st.context.cookies.get(COOKIE)
    except Exception:  # no browser context (a bare run)
        return None
    return value if isinstance(value, str) and value else None


def _verified_email() -> str | None:
    email = st.user.get("email")
    if st.user.get("email_verified") is False:
        return None
    return str(email) if email else None


def sign_in_id() -> str | None:
    """Which sign-in this session belongs to (a digest of its session token), the same in every
    tab and after a reload; None when signed in another way (single sign-on)."""
    token = st.session_state.get(_TOKEN)
    return hashlib.sha256(token.encode()).hexdigest()[:32] if isinstance(token, str) else None


def current_user() -> User:
    """The signed-in user; pages only run with one."""
    user = st.session_state.get(_USER)
    if user is None:
        raise PermissionError("no one is signed in")
    return user


def require(permission: str) -> User:
    """The signed-in user if their role allows ``permission`` ("upload" or "manage"); else the
    page says so and stops."""
    user = current_user()
    allowed = {"upload": user.can_upload, "manage": user.can_manage}[permission]
    if not allowed:
        st.error(t("auth.refused", role=role_label(user)))
        st.stop()
    return user


def role_label(user: User) -> str:
    if user.role == "grantee":
        return t("role.grantee", organisation=user.organisation)
    return t(f"role.{user.role}")


def login_page(wh: Warehouse) -> None:
    """The sign-in form (and the OIDC button when configured); signs the user in and reruns."""
    _write_cookie()
    st.title(t("auth.title"))
    if st.session_state.pop("_auth_expired", False):
        st.info(t("auth.expired"))
    accounts = Accounts.for_warehouse(wh)
    if oidc_configured():
        if st.user.is_logged_in:
            email = st.user.get("email") or ""
            key = "auth.unverified" if st.user.get("email_verified") is False else "auth.not_mapped"
            st.warning(t(key, email=email))
            if st.button(t("auth.sign_out"), key="auth_oidc_sign_out"):
                st.logout()
            return
        st.button(t("auth.oidc"), key="auth_oidc", on_click=st.login, type="primary")
        st.caption(t("auth.oidc_or"))
    else:
        st.caption(t("auth.intro"))
    if not accounts.users():
        st.warning(t("auth.no_accounts"))
        return
    with st.form("login", clear_on_submit=False, enter_to_submit=True):
        username = st.text_input(t("auth.username"), key="auth_username", autocomplete="username")
        password = st.text_input(
            t("auth.password"),
            type="password",
            key="auth_password",
            autocomplete="current-password",
        )
        submitted = st.form_submit_button(t("auth.submit"), type="primary", key="auth_submit")
        # Said in the form, under its button.
        if submitted:
            _sign_in(accounts, username, password)


def _sign_in(accounts: Accounts, username: str, password: str) -> None:
    if not username or not password:
        st.error(t("auth.missing"))
        return
    try:
        user = accounts.authenticate(username.strip(), password, client=client())
    except SignInWait as exc:
        if exc.seconds > 90:
            st.error(t("auth.wait_minutes", count=-(-exc.seconds // 60)))
        else:
            st.error(t("auth.wait_seconds", count=exc.seconds))
        return
    except LoginRefused:
        st.error(t("auth.wrong"))
        return
    st.session_state[_TOKEN] = accounts.start_session(user.username)
    st.session_state[_COOKIE_WRITE] = "set"
    st.session_state.pop(_COOKIE_SENT, None)
    st.session_state.pop("auth_password", None)
    st.rerun()


_proxy_warned = False


def client() -> str:
    """The address this session's sign-ins are counted against (``etl.accounts.client_address``):
    the WebSocket connection's, or, from a trusted proxy, the one its configured header gives."""
    global _proxy_warned
    try:
        peer = st.context.ip_address
        name = trusted_proxy_header()
        values = st.context.headers.get_all(name) if name else []
        forwarded = not name and any(
            isinstance(st.context.headers.get(h), str)
            for h in ("X-Forwarded-For", "X-Real-IP", "Forwarded")
        )
    except Exception:  # no browser context (a bare run)
        return ""
    peer = peer if isinstance(peer, str) else None  # None: from this machine
    headers = {name: [v for v in values if isinstance(v, str)]} if name else {}
    if forwarded and not _proxy_warned:
        _proxy_warned = True
        log.warning(
            "requests come through a proxy but CAMPAIGNS_TRUSTED_PROXY_HEADER is not set: its "
            "headers are ignored, so every client behind the proxy shares one sign-in limit "
            "(docs/deployment.md, Security)"
        )
    return client_address(peer, headers)


def account_menu(wh: Warehouse, user: User) -> None:
    """Who is signed in, and the sign-out button, in the sidebar."""
    _write_cookie()
    st.sidebar.caption(t("auth.signed_in_as", name=literal(user.name), role=role_label(user)))
    if st.sidebar.button(t("auth.sign_out"), key="auth_sign_out"):
        Accounts.for_warehouse(wh).end_session(st.session_state.pop(_TOKEN, None))
        st.session_state[_COOKIE_WRITE] = "clear"
        st.session_state.pop(_COOKIE_SENT, None)
        st.session_state.pop(_USER, None)
        data.clear_scope()
        if oidc_configured() and st.user.is_logged_in:
            st.logout()
        st.rerun()


def _write_cookie() -> None:
    """Keep the browser's session cookie in step with this session: the server sets it to the
    token after sign-in (so new tabs and reloads are signed in) and clears it after sign-out.
    The page only ever sees a one-time code, never the token."""
    action = st.session_state.get(_COOKIE_WRITE)
    if action not in ("set", "clear") or st.session_state.get(_COOKIE_SENT) == action:
        return
    if action == "set":
        token = st.session_state.get(_TOKEN)
        if not token:
            return
        script = session_cookie.keep_script(token)
    else:
        script = session_cookie.forget_script()
    st.session_state[_COOKIE_SENT] = action
    st.sidebar.html(script, unsafe_allow_javascript=True)
