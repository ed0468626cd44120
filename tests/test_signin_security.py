"""Signing in against attackers: failed sign-ins slow an account and a client down but never
lock the owner out; the client is the connection's address unless a configured, trusted proxy
says otherwise; the session cookie is set by the server as HttpOnly; ``make run`` listens on
this machine only.

Times come from a test clock (``etl.accounts._clock``). The same in a real browser, against the
real server: tests/test_browser.py."""

from __future__ import annotations

import asyncio
import json
import shutil
import subprocess
from pathlib import Path

import pytest
from argon2 import PasswordHasher
from conftest import account, open_page, sign_in

import etl.accounts
from dashboard import session_cookie
from etl.accounts import (
    ACCOUNT_FREE_FAILURES,
    CLIENT_FREE_FAILURES,
    FAILURE_WINDOW,
    PROXIES_ENV,
    PROXY_HEADER_ENV,
    AccountError,
    Accounts,
    LoginRefused,
    SignInWait,
    client_address,
)
from etl.warehouse import Warehouse

ROOT = Path(__file__).resolve().parents[1]
PASSWORD = "correct horse battery"
WRONG = "not the password"


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch) -> list[float]:
    """The accounts' clock, which a test moves on by hand."""
    now = [1_900_000_000.0]
    monkeypatch.setattr(etl.accounts, "_clock", lambda: now[0])
    return now


@pytest.fixture
def accounts(programme: Warehouse) -> Accounts:
    store = Accounts.for_warehouse(programme)
    store.add("dana", "officer", password=PASSWORD)
    return store


class CountingHasher:
    """Counts the passwords argon2's hasher checks, from when it is made (it wraps the
    library's ``PasswordHasher.verify``)."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        self.checked = 0
        verify = PasswordHasher.verify

        def counting(hasher: PasswordHasher, stored: str, password: str) -> bool:
            self.checked += 1
            return verify(hasher, stored, password)

        monkeypatch.setattr(PasswordHasher, "verify", counting)


def fail(accounts: Accounts, username: str = "dana", client: str = "", times: int = 1) -> None:
    for _ in range(times):
        with pytest.raises(LoginRefused, match="wrong username or password"):
            accounts.authenticate(username, WRONG, client=client)


def waits(accounts: Accounts, username: str = "dana", client: str = "") -> int:
    """The seconds the next attempt is told to wait (0 when it is checked)."""
    try:
        accounts.authenticate(username, WRONG, client=client)
    except SignInWait as refused:
        return refused.seconds
    except LoginRefused:
        return 0
    raise AssertionError("a wrong password signed in")


def failures(accounts: Accounts) -> int:
    import sqlite3

    con = sqlite3.connect(accounts.path)
    try:
        return con.execute("SELECT count(*) FROM login_failure").fetchone()[0]
    finally:
        con.close()


# --- the account ---------------------------------------------------------------------------------


def test_five_wrong_passwords_slow_the_account_and_the_owner_gets_in_after_the_wait(
    accounts: Accounts, clock: list[float], monkeypatch: pytest.MonkeyPatch
) -> None:
    fail(accounts, client="203.0.113.7", times=ACCOUNT_FREE_FAILURES)
    hasher = CountingHasher(monkeypatch)
    # During the wait every attempt is refused before the password is looked at, right or
    # wrong, from any address, and is not counted: it does not lengthen the wait.
    for password, client in [(PASSWORD, "198.51.100.4"), (WRONG, "203.0.113.7"), (PASSWORD, "")]:
        with pytest.raises(SignInWait, match="wait 2 seconds") as refused:
            accounts.authenticate("dana", password, client=client)
        assert refused.value.seconds == 2
    clock[0] += 1
    with pytest.raises(SignInWait, match="wait 1 second,"):
        accounts.authenticate("dana", PASSWORD)
    assert hasher.checked == 0
    assert failures(accounts) == ACCOUNT_FREE_FAILURES
    # once the wait is over, the right password signs in, and the account starts afresh
    clock[0] += 1
    assert accounts.authenticate("dana", PASSWORD, client="198.51.100.4").username == "dana"
    assert hasher.checked == 1
    assert failures(accounts) == 0
    fail(accounts, times=ACCOUNT_FREE_FAILURES)  # five free attempts again


def test_each_further_failure_doubles_the_wait_up_to_five_minutes(
    accounts: Accounts, clock: list[float]
) -> None:
    fail(accounts, times=ACCOUNT_FREE_FAILURES)
    seen = []
    for _ in range(10):
        seen.append(waits(accounts))
        clock[0] += seen[-1]
        fail(accounts)  # the attacker's next guess, as soon as it is allowed
    assert seen == [2, 4, 8, 16, 32, 64, 128, 256, 300, 300]
    # an attacker at the limit still cannot keep the owner out: after the wait, the owner's turn
    clock[0] += 299
    assert waits(accounts) == 1
    clock[0] += 1
    assert accounts.authenticate("dana", PASSWORD).username == "dana"


def test_failures_are_forgotten_after_a_quiet_quarter_hour(
    accounts: Accounts, clock: list[float]
) -> None:
    fail(accounts, times=ACCOUNT_FREE_FAILURES)
    assert waits(accounts) == 2
    clock[0] += FAILURE_WINDOW + 1
    fail(accounts, times=ACCOUNT_FREE_FAILURES)  # checked at once, five times
    assert waits(accounts) == 2


def test_unknown_usernames_are_slowed_alike(accounts: Accounts, clock: list[float]) -> None:
    """So the waits do not tell which usernames exist."""
    fail(accounts, "nobody", times=ACCOUNT_FREE_FAILURES)
    fail(accounts, "dana", times=ACCOUNT_FREE_FAILURES)
    assert waits(accounts, "nobody") == waits(accounts, "dana") == 2


# --- the client ----------------------------------------------------------------------------------


def test_a_flood_from_one_client_slows_that_client_but_not_another(
    accounts: Accounts, clock: list[float]
) -> None:
    flood, other = "203.0.113.7", "198.51.100.4"
    # one guess at each of many usernames: no single account is slowed
    for i in range(CLIENT_FREE_FAILURES):
        fail(accounts, f"guess{i}", client=flood)
    # the flooding address waits, whatever account it tries, the right password included ...
    with pytest.raises(SignInWait) as refused:
        accounts.authenticate("dana", PASSWORD, client=flood)
    assert refused.value.seconds == 2
    # ... another address signs in at once
    assert accounts.authenticate("dana", PASSWORD, client=other).username == "dana"
    assert waits(accounts, "guess99", client=other) == 0
    # each further failure from the flooding address doubles its wait, up to 15 minutes
    seen = []
    for i in range(12):
        seen.append(waits(accounts, "dana", client=flood))
        clock[0] += seen[-1]
        fail(accounts, f"more{i}", client=flood)
    assert seen == [2, 4, 8, 16, 32, 64, 128, 256, 512, 900, 900, 900]
    # and someone honest behind that address still gets in after the wait
    clock[0] += 900
    assert accounts.authenticate("dana", PASSWORD, client=flood).username == "dana"


def test_the_sign_in_form_shows_the_wait_translated_and_lets_the_owner_in_after_it(
    monkeypatch: pytest.MonkeyPatch, warehouse: Warehouse, clock: list[float]
) -> None:
    password = account(warehouse, "officer")
    at = open_page(monkeypatch, warehouse, user=None, lang="ru")
    for _ in range(ACCOUNT_FREE_FAILURES):
        sign_in(at, "officer", WRONG)
        assert [e.value for e in at.error] == ["Неверное имя пользователя или пароль."]
    sign_in(at, "officer", password)
    assert [e.value for e in at.error] == [
        "Слишком много неудачных попыток входа. Подождите 2 секунды и войдите снова."
    ]
    # the message stands in the sign-in form, under its button
    form = at.get("form")[0]
    assert [e.value for e in form.get("error")] == [at.error[0].value]
    clock[0] += 2
    sign_in(at, "officer", password)
    assert not at.error and [b for b in at.button if b.key == "auth_sign_out"]


def test_the_form_counts_sign_ins_against_the_client(
    monkeypatch: pytest.MonkeyPatch, warehouse: Warehouse, clock: list[float]
) -> None:
    """The form passes the client's address (:func:`dashboard.auth.client`, below) to the limits:
    after a flood from it, even the right password waits; a long wait is said in minutes."""
    import dashboard.auth

    flood = "203.0.113.7"
    monkeypatch.setattr(dashboard.auth, "client", lambda: flood)
    password = account(warehouse, "officer")
    accounts = Accounts.for_warehouse(warehouse)
    for i in range(CLIENT_FREE_FAILURES):
        fail(accounts, f"guess{i}", client=flood)
    for i in range(7):  # each as soon as allowed: the wait is then 2 s doubled 7 times, 256 s
        clock[0] += waits(accounts, "dana", client=flood)
        fail(accounts, f"more{i}", client=flood)
    at = open_page(monkeypatch, warehouse, user=None, lang="kk")
    sign_in(at, "officer", password)
    assert [e.value for e in at.error] == [
        "Сәтсіз кіру әрекеттері тым көп. 5 минут күтіп, қайта кіріңіз."
    ]
    clock[0] += 256
    sign_in(at, "officer", password)
    assert not at.error and [b for b in at.button if b.key == "auth_sign_out"]


class Headers:
    """``st.context.headers`` of a WebSocket handshake: names in any case, lines repeated."""

    def __init__(self, lines: list[tuple[str, str]]) -> None:
        self.lines = lines

    def get_all(self, name: str) -> list[str]:
        return [v for k, v in self.lines if k.lower() == name.lower()]

    def get(self, name: str) -> str | None:
        found = self.get_all(name)
        return found[-1] if found else None


class Context:
    """``st.context`` as Streamlit gives it to the script: ``ip_address`` is the connection's,
    ``None`` from this machine."""

    def __init__(self, ip_address: str | None, lines: list[tuple[str, str]]) -> None:
        self.ip_address, self.headers = ip_address, Headers(lines)


@pytest.mark.parametrize(
    ("env", "ip_address", "lines", "expected"),
    [
        # directly: the connection, whatever the headers say
        ({}, "203.0.113.7", [("X-Forwarded-For", "198.51.100.1")], "203.0.113.7"),
        ({}, None, [("X-Forwarded-For", "198.51.100.1")], ""),
        # behind the proxy on this machine, configured: its header, lines joined
        (
            {PROXY_HEADER_ENV: "X-Forwarded-For"},
            None,
            [("x-forwarded-for", "198.51.100.1"), ("X-Forwarded-For", "203.0.113.7")],
            "203.0.113.7",
        ),
        ({PROXY_HEADER_ENV: "X-Real-IP"}, None, [("X-Real-IP", "203.0.113.9")], "203.0.113.9"),
        # configured, but the connection is not from the proxy
        (
            {PROXY_HEADER_ENV: "X-Forwarded-For"},
            "198.51.100.20",
            [("X-Forwarded-For", "203.0.113.7")],
            "198.51.100.20",
        ),
    ],
)
def test_the_app_takes_the_client_from_the_connection_or_the_trusted_header(
    monkeypatch: pytest.MonkeyPatch,
    env: dict[str, str],
    ip_address: str | None,
    lines: list[tuple[str, str]],
    expected: str,
) -> None:
    import streamlit

    import dashboard.auth

    for name in (PROXY_HEADER_ENV, PROXIES_ENV):
        monkeypatch.delenv(name, raising=False)
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    monkeypatch.setattr(streamlit, "context", Context(ip_address, lines))
    assert dashboard.auth.client() == expected


# --- which address is the client's ---------------------------------------------------------------

SPOOFED = {"X-Forwarded-For": ["198.51.100.1"], "X-Real-IP": ["198.51.100.2"]}


def test_directly_the_client_is_the_connection_and_headers_are_ignored(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.delenv(PROXY_HEADER_ENV, raising=False)
    monkeypatch.delenv(PROXIES_ENV, raising=False)
    assert client_address("203.0.113.7", SPOOFED) == "203.0.113.7"
    # this machine (Streamlit gives no address for it): a local proxy or the one person at the
    # keyboard, not counted as a client (the account's own count still holds)
    assert client_address(None, SPOOFED) == ""
    assert client_address("127.0.0.1", SPOOFED) == ""
    assert client_address("::ffff:203.0.113.7") == "203.0.113.7"
    # an IPv6 client is its /64, which one subscriber holds whole
    assert client_address("2001:db8:1:2::10") == client_address("2001:db8:1:2:ffff::1")
    assert client_address("2001:db8:1:2::10") == "2001:db8:1:2::/64"
    assert client_address("2001:db8:1:3::10") != client_address("2001:db8:1:2::10")
    # listing proxies without naming a header believes nothing either
    monkeypatch.setenv(PROXIES_ENV, "127.0.0.1,::1")
    assert client_address(None, SPOOFED) == ""


def test_behind_a_proxy_its_header_is_believed_only_from_the_proxy(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv(PROXY_HEADER_ENV, "X-Forwarded-For")
    monkeypatch.delenv(PROXIES_ENV, raising=False)  # 127.0.0.1 and ::1
    # The proxy appends the address it saw; whatever the client wrote is to the left of it.
    assert client_address(None, {"x-forwarded-for": ["198.51.100.1, 203.0.113.7"]}) == (
        "203.0.113.7"
    )
    assert client_address("::1", {"X-Forwarded-For": "203.0.113.7"}) == "203.0.113.7"
    assert client_address(None, {"X-Forwarded-For": ["198.51.100.1", "203.0.113.7"]}) == (
        "203.0.113.7"
    )
    # a connection from anywhere else: the header is not believed
    assert client_address("203.0.113.50", {"X-Forwarded-For": "198.51.100.1"}) == "203.0.113.50"
    # a request from the proxy without the header, or with a last hop it did not write
    assert client_address(None, {}) == ""
    assert client_address(None, {"X-Forwarded-For": "203.0.113.7, unknown"}) == ""
    # proxies in a row, one of them given as a network
    monkeypatch.setenv(PROXIES_ENV, "127.0.0.1, ::1, 10.0.0.0/8")
    hops = {"X-Forwarded-For": "198.51.100.1, 203.0.113.7, 10.0.0.5"}
    assert client_address("10.1.2.3", hops) == "203.0.113.7"
    # a proxy that sends one address
    monkeypatch.setenv(PROXY_HEADER_ENV, "X-Real-IP")
    assert client_address("10.1.2.3", {"X-Real-IP": "203.0.113.9"}) == "203.0.113.9"
    assert client_address("203.0.113.50", {"X-Real-IP": "203.0.113.9"}) == "203.0.113.50"
    # a setting that is not an address is said, not guessed at
    monkeypatch.setenv(PROXIES_ENV, "127.0.0.1, proxy.example.org")
    with pytest.raises(AccountError, match="CAMPAIGNS_TRUSTED_PROXIES: 'proxy.example.org'"):
        client_address(None, {"X-Real-IP": "203.0.113.9"})


# --- the cookie route ----------------------------------------------------------------------------


def post(
    path: str,
    body: object = None,
    headers: dict[str, str] | None = None,
    *,
    scheme: str = "http",
    client: str = "127.0.0.1",
) -> tuple[int, list[str]]:
    """POST to the cookie routes as the server would pass the request on: the status and the
    Set-Cookie headers of the answer."""
    from starlette.applications import Starlette

    app = Starlette(routes=session_cookie.routes())
    data = b"" if body is None else json.dumps(body).encode()
    sent: list[dict] = []

    async def receive() -> dict:
        return {"type": "http.request", "body": data, "more_body": False}

    async def send(message: dict) -> None:
        sent.append(message)

    scope = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": "POST",
        "scheme": scheme,
        "path": path,
        "raw_path": path.encode(),
        "query_string": b"",
        "root_path": "",
        "headers": [(k.lower().encode(), v.encode()) for k, v in (headers or {}).items()],
        "client": (client, 50123),
        "server": ("127.0.0.1", 8501),
    }
    asyncio.run(app(scope, receive, send))
    start = sent[0]
    cookies = [v.decode() for k, v in start["headers"] if k == b"set-cookie"]
    return start["status"], cookies


def test_the_server_sets_the_session_cookie_httponly_for_a_one_time_code(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.delenv(session_cookie.SECURE_ENV, raising=False)
    monkeypatch.delenv(PROXY_HEADER_ENV, raising=False)
    token = "a-session-token-of-the-test"
    script = session_cookie.keep_script(token)
    assert token not in script  # the page gets a code, never the token
    code = json.loads(json.loads(script.split("body: ", 1)[1].split("});", 1)[0]))["code"]

    status, cookies = post(session_cookie.PATH, {"code": code})
    assert status == 204
    (cookie,) = cookies
    parts = [p.strip() for p in cookie.split(";")]
    assert parts[0] == f"campaigns_session={token}"
    assert {"HttpOnly", "Path=/", "SameSite=strict", "Max-Age=43200"} <= set(parts)
    assert "Secure" not in parts
    # a code works once, and only a code the server gave
    assert post(session_cookie.PATH, {"code": code}) == (403, [])
    assert post(session_cookie.PATH, {"code": "made-up"}) == (403, [])
    assert post(session_cookie.PATH, "not json")[0] == 403
    # another site cannot make the browser post it
    code = session_cookie.issue_code(token)
    assert post(session_cookie.PATH, {"code": code}, {"Sec-Fetch-Site": "cross-site"})[0] == 403
    # nor can a code be used after a minute
    monkeypatch.setattr(session_cookie, "CODE_SECONDS", -1)
    assert post(session_cookie.PATH, {"code": session_cookie.issue_code(token)})[0] == 403


@pytest.mark.parametrize(
    ("env", "scheme", "client", "headers", "secure"),
    [
        ({}, "https", "127.0.0.1", {}, True),
        ({"CAMPAIGNS_COOKIE_SECURE": "1"}, "http", "127.0.0.1", {}, True),
        # the TLS proxy's word is taken only as a configured, trusted proxy's
        ({}, "http", "127.0.0.1", {"X-Forwarded-Proto": "https"}, False),
        (
            {PROXY_HEADER_ENV: "X-Forwarded-For"},
            "http",
            "127.0.0.1",
            {"X-Forwarded-Proto": "https"},
            True,
        ),
        (
            {PROXY_HEADER_ENV: "X-Forwarded-For"},
            "http",
            "203.0.113.7",
            {"X-Forwarded-Proto": "https"},
            False,
        ),
    ],
)
def test_the_cookie_is_secure_over_https(
    monkeypatch: pytest.MonkeyPatch,
    env: dict[str, str],
    scheme: str,
    client: str,
    headers: dict[str, str],
    secure: bool,
) -> None:
    for name in (session_cookie.SECURE_ENV, PROXY_HEADER_ENV, PROXIES_ENV):
        monkeypatch.delenv(name, raising=False)
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    code = session_cookie.issue_code("token")
    status, (cookie,) = post(
        session_cookie.PATH, {"code": code}, headers, scheme=scheme, client=client
    )
    assert status == 204
    assert ("Secure" in [p.strip() for p in cookie.split(";")]) is secure


def test_signing_out_ends_the_cookies_session_and_expires_it(
    monkeypatch: pytest.MonkeyPatch, programme: Warehouse
) -> None:
    monkeypatch.setenv("CAMPAIGNS_WAREHOUSE", str(programme.path))
    store = Accounts.for_warehouse(programme)
    store.add("dana", "officer", password=PASSWORD)
    token = store.start_session("dana")
    assert "/end" in session_cookie.forget_script()
    status, (cookie,) = post(
        session_cookie.PATH + "/end", headers={"Cookie": f"campaigns_session={token}"}
    )
    assert status == 204
    parts = [p.strip() for p in cookie.split(";")]
    assert parts[0] in ('campaigns_session=""', "campaigns_session=")
    assert {"HttpOnly", "Path=/", "Max-Age=0"} <= set(parts)
    assert store.session_user(token) is None


# --- make run ------------------------------------------------------------------------------------


@pytest.mark.skipif(shutil.which("make") is None, reason="make is not installed")
def test_make_run_listens_on_this_machine_unless_told_otherwise() -> None:
    def command(*args: str) -> str:
        out = subprocess.run(
            ["make", "-n", "run", *args], cwd=ROOT, capture_output=True, text=True, check=True
        ).stdout.replace("\\\n", " ")
        (line,) = [ln for ln in out.splitlines() if "streamlit run" in ln]
        return " ".join(line.split())

    line = command()
    assert "streamlit run dashboard/server.py" in line
    assert "--server.address 127.0.0.1" in line
    assert "--server.address 0.0.0.0" in command("ADDRESS=0.0.0.0")


@pytest.mark.parametrize(
    ("setting", "said"),
    [
        (
            {"CAMPAIGNS_PASSWORD_HASHING": "fast"},
            "CAMPAIGNS_PASSWORD_HASHING='fast' is not one of: rfc9106-low-memory, ",
        ),
        (
            {PROXY_HEADER_ENV: "X-Real-IP", PROXIES_ENV: "10.0.0.0/8,gateway"},
            f"{PROXIES_ENV}: 'gateway' is not an IP address or network",
        ),
    ],
)
def test_the_server_does_not_start_on_a_setting_it_cannot_use_and_says_which(
    programme: Warehouse, setting: dict[str, str], said: str
) -> None:
    import os
    import sys

    from dashboard.local_server import free_port

    env = {**os.environ, "CAMPAIGNS_WAREHOUSE": str(programme.path), **setting}
    run = subprocess.run(
        [sys.executable, "-m", "streamlit", "run", str(ROOT / "dashboard" / "server.py"),
         "--server.port", str(free_port()), "--server.address", "127.0.0.1",
         "--server.headless", "true", "--browser.gatherUsageStats", "false"],
        env=env, capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    output = run.stdout + run.stderr
    assert run.returncode == 1, output
    assert f"the dashboard cannot start: {said}" in output
    assert "Traceback" not in output and str(ROOT) not in output
