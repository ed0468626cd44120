"""Who may use the dashboard: accounts, roles, passwords, sessions and login throttling.

Accounts live in a small SQLite file beside the warehouse (``<warehouse stem>.accounts.sqlite``,
or ``CAMPAIGNS_ACCOUNTS``), apart from the data so that copying or exporting the warehouse never
carries password hashes, and so that signing in never writes the warehouse. SQLite lets the
``campaigns users`` commands change accounts while the dashboard is running.

Roles:

* **officer**: every campaign; manages campaigns, sources and loads; may undo any load.
* **grantee**: bound to one organisation; sees, uploads to and exports only its campaigns, and
  may undo its own uploads.
* **viewer**: read-only, every campaign or the campaigns listed on the account; may export.

Passwords are stored only as argon2id hashes. A session is a random token whose SHA-256 is
stored; it ends after ``CAMPAIGNS_SESSION_IDLE_MINUTES`` without use or
``CAMPAIGNS_SESSION_HOURS`` after sign-in, whichever comes first.

Failed sign-ins slow an attacker down without locking the owner out. They are counted in a row
(each within ``FAILURE_WINDOW`` of the next, and the last within it of now), per account and per
client address. After ``ACCOUNT_FREE_FAILURES`` on one account, the next attempt on it must wait
``FIRST_DELAY`` seconds after the last failure, doubled by each further failure up to
``ACCOUNT_MAX_DELAY``; after ``CLIENT_FREE_FAILURES`` from one client (on any accounts) the same
holds for that client, up to ``CLIENT_MAX_DELAY``. An attempt during a wait is refused with the
seconds left (:class:`SignInWait`) before the password is looked at, and is not counted; once the
wait is over, the right password signs in (and clears the account's failures). The client is the
connection's address, or, behind a proxy named in ``CAMPAIGNS_TRUSTED_PROXIES``, the address the
header ``CAMPAIGNS_TRUSTED_PROXY_HEADER`` gives (:func:`client_address`).
"""

from __future__ import annotations

import contextlib
import functools
import hashlib
import ipaddress
import json
import math
import os
import re
import secrets
import sqlite3
import time
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from argon2 import PasswordHasher, profiles
from argon2.exceptions import InvalidHashError, VerificationError

from etl.warehouse import Warehouse

ENV_VAR = "CAMPAIGNS_ACCOUNTS"
ROLES = ("officer", "grantee", "viewer")
# The languages a person may be written to in (alert e-mails): the dashboard's.
LANGUAGES = ("en", "ru", "kk")
MIN_PASSWORD_LENGTH = 10
# Sign-in throttling (see the module's text); times in seconds.
ACCOUNT_FREE_FAILURES = 5
CLIENT_FREE_FAILURES = 20
FIRST_DELAY = 2
ACCOUNT_MAX_DELAY = 5 * 60
CLIENT_MAX_DELAY = 15 * 60
FAILURE_WINDOW = 15 * 60
FAILURE_RETENTION = 24 * 3600  # failed attempts (and their addresses) are kept this long
PROXY_HEADER_ENV = "CAMPAIGNS_TRUSTED_PROXY_HEADER"
PROXIES_ENV = "CAMPAIGNS_TRUSTED_PROXIES"
DEFAULT_PROXIES = "127.0.0.1,::1"
DEFAULT_IDLE_MINUTES = 60
DEFAULT_SESSION_HOURS = 12

# An address to write to: no spaces or line breaks (which would end an e-mail's header).
_EMAIL = re.compile(r"[^\s@]+@[^\s@]+")
_USERNAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._@+-]{1,63}$")
# How costly a password's hash is to work out: one of argon2-cffi's argon2id profiles, named by
# CAMPAIGNS_PASSWORD_HASHING (docs/configuration.md). A stored hash made with other parameters is
# made again with these at the account's next sign-in.
PASSWORD_HASHING_ENV = "CAMPAIGNS_PASSWORD_HASHING"
PASSWORD_HASHINGS = {
    "rfc9106-low-memory": profiles.RFC_9106_LOW_MEMORY,  # 64 MiB, 3 passes
    "rfc9106-high-memory": profiles.RFC_9106_HIGH_MEMORY,  # 2 GiB, 1 pass
    "cheapest-for-tests": profiles.CHEAPEST,  # no protection: test suites only
}
DEFAULT_PASSWORD_HASHING = "rfc9106-low-memory"

_SCHEMA = """
CREATE TABLE IF NOT EXISTS account (
    username      TEXT PRIMARY KEY COLLATE NOCASE,
    name          TEXT NOT NULL,
    role          TEXT NOT NULL CHECK (role IN ('officer', 'grantee', 'viewer')),
    organisation  TEXT,
    campaigns     TEXT,             -- JSON list of campaign codes a viewer may see; NULL = all
    email         TEXT COLLATE NOCASE,
    password_hash TEXT,             -- argon2id; NULL for accounts that sign in through OIDC only
    created_at    REAL NOT NULL,
    updated_at    REAL NOT NULL,
    language      TEXT              -- en, ru or kk: the language e-mails are written in
);
CREATE TABLE IF NOT EXISTS session (
    token_hash  TEXT PRIMARY KEY,
    username    TEXT NOT NULL COLLATE NOCASE,
    created_at  REAL NOT NULL,
    last_seen   REAL NOT NULL
);
CREATE TABLE IF NOT EXISTS login_failure (
    username TEXT NOT NULL COLLATE NOCASE,
    client   TEXT NOT NULL,
    at       REAL NOT NULL
);
CREATE INDEX IF NOT EXISTS login_failure_at ON login_failure (at);
CREATE INDEX IF NOT EXISTS login_failure_username ON login_failure (username, at);
CREATE INDEX IF NOT EXISTS login_failure_client ON login_failure (client, at);
"""


# Stores whose tables this process has made sure of.
_READY: set[Path] = set()


class AccountError(ValueError):
    """The account cannot be created or changed as asked; the message says what to do."""


class LoginRefused(Exception):
    """Sign-in refused; the message is safe to show (it never says which part was wrong)."""


class SignInWait(LoginRefused):
    """Sign-in refused before the password was checked: too many sign-ins failed lately for the
    account or the client; ``seconds`` is the wait left, after which an attempt is checked."""

    def __init__(self, seconds: int) -> None:
        self.seconds = seconds
        unit = "second" if seconds == 1 else "seconds"
        super().__init__(f"too many failed sign-ins; wait {seconds} {unit}, then try again")


def _clock() -> float:
    """Now, in seconds since the epoch (tests replace it)."""
    return time.time()


def failure_delay(failures: int, free: int, most: float) -> float:
    """Seconds an attempt must wait after the last of ``failures`` failed attempts in a row:
    none for the first ``free``, then ``FIRST_DELAY`` doubled by each further failure, at most
    ``most``."""
    if failures < free:
        return 0.0
    return float(min(FIRST_DELAY * 2 ** min(failures - free, 32), most))


def _in_a_row(times: Sequence[float], now: float) -> int:
    """How many of the failures at ``times`` (newest first) are in a row: the newest within
    ``FAILURE_WINDOW`` of now, each within it of the next."""
    count, later = 0, now
    for at in times:
        if later - at > FAILURE_WINDOW:
            break
        count, later = count + 1, at
    return count


def _address(text: str | None) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    """The IP address in ``text`` ("203.0.113.7", "203.0.113.7:5301", "[2001:db8::1]:443"),
    or ``None``."""
    if not text:
        return None
    text = text.strip().strip('"')
    if text.startswith("[") and "]" in text:
        text = text[1 : text.index("]")]
    elif text.count(":") == 1:
        text = text.split(":", 1)[0]
    try:
        address = ipaddress.ip_address(text)
    except ValueError:
        return None
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped:
        return address.ipv4_mapped
    return address


def trusted_proxy_header() -> str | None:
    """The header ``CAMPAIGNS_TRUSTED_PROXY_HEADER`` names (such as ``X-Forwarded-For`` or
    ``X-Real-IP``), or ``None``: then no header is believed."""
    name = os.environ.get(PROXY_HEADER_ENV, "").strip()
    return name or None


def trusted_proxies() -> list[ipaddress.IPv4Network | ipaddress.IPv6Network]:
    """The proxies whose header is believed: ``CAMPAIGNS_TRUSTED_PROXIES``, addresses or networks
    separated by commas (``127.0.0.1,::1`` when unset)."""
    value = os.environ.get(PROXIES_ENV) or DEFAULT_PROXIES
    networks = []
    for item in value.split(","):
        if not item.strip():
            continue
        try:
            networks.append(ipaddress.ip_network(item.strip(), strict=False))
        except ValueError:
            raise AccountError(
                f"{PROXIES_ENV}: '{item.strip()}' is not an IP address or network"
            ) from None
    return networks


def from_trusted_proxy(peer: str | None) -> bool:
    """Whether a connection from ``peer`` (``None``: from this machine) comes from a trusted
    proxy, with ``CAMPAIGNS_TRUSTED_PROXY_HEADER`` set."""
    if trusted_proxy_header() is None:
        return False
    proxies = trusted_proxies()
    candidates = (
        [ipaddress.ip_address("127.0.0.1"), ipaddress.ip_address("::1")]
        if peer is None
        else [_address(peer)]
    )
    return any(
        a is not None and any(a.version == n.version and a in n for n in proxies)
        for a in candidates
    )


def _client_key(address: ipaddress.IPv4Address | ipaddress.IPv6Address) -> str:
    """An IPv4 address as it is; an IPv6 address by its /64 network, which one subscriber
    usually holds whole (so a flood cannot spread over its addresses)."""
    if isinstance(address, ipaddress.IPv6Address) and not address.is_loopback:
        return str(ipaddress.ip_network(f"{address}/64", strict=False))
    return str(address)


def client_address(
    peer: str | None, headers: Mapping[str, str | Sequence[str]] | None = None
) -> str:
    """The client a sign-in is counted against: the connection's address ``peer``, unless the
    connection comes from a trusted proxy (:func:`from_trusted_proxy`). Then the configured
    header says: for ``X-Forwarded-For``, its right-most address that is not a trusted proxy
    (the left part is whatever the client sent); for any other header (``X-Real-IP``), its one
    address. Headers are never believed otherwise: anyone can send them.

    "" (no client to count) for a connection from this machine (``peer`` ``None``, as Streamlit
    gives it, or a loopback address) that no trusted header names: that address is a local
    proxy's, shared by everyone behind it, or the one person at this machine's keyboard."""
    own = _address(peer)
    fallback = (
        ""
        if peer is None or (own is not None and own.is_loopback)
        else (_client_key(own) if own is not None else peer)
    )
    name = trusted_proxy_header()
    if name is None or not from_trusted_proxy(peer):
        return fallback
    values: list[str] = []
    for key, value in (headers or {}).items():
        if key.lower() == name.lower():
            values += [value] if isinstance(value, str) else list(value)
    if not values:
        return fallback
    if name.lower() == "x-forwarded-for":
        hops = [hop for value in values for hop in value.split(",") if hop.strip()]
        proxies = trusted_proxies()
        for hop in reversed(hops):
            address = _address(hop)
            if address is None:
                return fallback  # a hop the proxy did not write: trust nothing left of it
            if not any(address.version == n.version and address in n for n in proxies):
                return _client_key(address)
        return fallback
    address = _address(values[-1])
    return _client_key(address) if address is not None else fallback


@dataclass(frozen=True)
class User:
    """A signed-in person and what their role lets them do."""

    username: str
    name: str
    role: str
    organisation: str | None = None
    campaigns: tuple[str, ...] | None = None
    email: str | None = None
    language: str | None = None

    @property
    def can_upload(self) -> bool:
        return self.role in ("officer", "grantee")

    @property
    def can_manage(self) -> bool:
        return self.role == "officer"

    def can_undo(self, loaded_by: str | None) -> bool:
        """Officers undo any load; grantees their own uploads; viewers none."""
        if self.role == "officer":
            return True
        return (
            self.role == "grantee"
            and loaded_by is not None
            and loaded_by.casefold() == self.username.casefold()
        )


def _minutes(env: str, default: float) -> float:
    value = os.environ.get(env)
    if not value:
        return default
    try:
        number = float(value)
    except ValueError:
        raise AccountError(f"{env}={value!r} is not a number") from None
    if number <= 0:
        raise AccountError(f"{env} must be above 0, not {value}")
    return number


def idle_seconds() -> float:
    return _minutes("CAMPAIGNS_SESSION_IDLE_MINUTES", DEFAULT_IDLE_MINUTES) * 60


def lifetime_seconds() -> float:
    return _minutes("CAMPAIGNS_SESSION_HOURS", DEFAULT_SESSION_HOURS) * 3600


def check_settings() -> None:
    """``AccountError`` for a setting of sign-in the dashboard cannot work with: a trusted proxy
    that is not an address (when a proxy's header is believed) or a password hashing it does not
    know. The dashboard's server calls it at its start."""
    if trusted_proxy_header():
        trusted_proxies()
    password_hasher()


def password_hasher() -> PasswordHasher:
    """The argon2id hasher ``CAMPAIGNS_PASSWORD_HASHING`` names (``rfc9106-low-memory`` when
    unset); ``AccountError`` for a name it does not know."""
    return _hashing(_password_hashing())[0]


def _password_hashing() -> str:
    name = os.environ.get(PASSWORD_HASHING_ENV, "").strip() or DEFAULT_PASSWORD_HASHING
    if name not in PASSWORD_HASHINGS:
        raise AccountError(
            f"{PASSWORD_HASHING_ENV}={name!r} is not one of: " + ", ".join(PASSWORD_HASHINGS)
        )
    return name


@functools.cache
def _hashing(name: str) -> tuple[PasswordHasher, str]:
    """The hasher of a profile, and the hash verified against when the username is unknown (so
    that a wrong name takes as long as a wrong password and the timing does not tell which
    accounts exist); worked out once per process."""
    hasher = PasswordHasher.from_parameters(PASSWORD_HASHINGS[name])
    return hasher, hasher.hash("not a password of any account")


def check_password(password: str, username: str = "") -> None:
    """Raise ``AccountError`` for a password too weak to keep."""
    if len(password) < MIN_PASSWORD_LENGTH:
        raise AccountError(
            f"the password has {len(password)} characters; use at least {MIN_PASSWORD_LENGTH}"
        )
    if username and password.casefold() == username.casefold():
        raise AccountError("the password must not be the username")


def _token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


class Accounts:
    """The account store of one dashboard."""

    def __init__(self, path: Path) -> None:
        self.path = Path(path)

    @classmethod
    def for_warehouse(cls, warehouse: Warehouse) -> Accounts:
        """The store ``CAMPAIGNS_ACCOUNTS`` names, else the one beside ``warehouse``."""
        env = os.environ.get(ENV_VAR)
        if env:
            return cls(Path(env))
        return cls(warehouse.path.with_name(warehouse.path.stem + ".accounts.sqlite"))

    @contextlib.contextmanager
    def _db(self, *, write: bool = True) -> Iterator[sqlite3.Connection]:
        """A connection in one transaction; ``write=False`` takes no write lock, so the
        look-up every dashboard rerun makes never waits for another session's."""
        if self.path not in _READY or not self.path.exists():
            self._create()
        con = sqlite3.connect(self.path, timeout=10, isolation_level=None)
        try:
            con.execute("PRAGMA busy_timeout = 10000")
            con.execute("BEGIN IMMEDIATE" if write else "BEGIN")
            try:
                yield con
            except BaseException:
                con.execute("ROLLBACK")
                raise
            con.execute("COMMIT")
        finally:
            con.close()

    def _create(self) -> None:
        """Create the store and its tables if missing, once per process and path."""
        self.path.parent.mkdir(parents=True, exist_ok=True)
        new = not self.path.exists()
        con = sqlite3.connect(self.path, timeout=10, isolation_level=None)
        try:
            if new:
                # Hashes of passwords and sessions: readable by the owner only.
                with contextlib.suppress(OSError):
                    os.chmod(self.path, 0o600)
            con.executescript(_SCHEMA)
            columns = {row[1] for row in con.execute("PRAGMA table_info(account)")}
            if "language" not in columns:  # a store made before accounts had a language
                con.execute("ALTER TABLE account ADD COLUMN language TEXT")
        finally:
            con.close()
        _READY.add(self.path)

    # Accounts ---------------------------------------------------------------------------

    def add(
        self,
        username: str,
        role: str,
        *,
        name: str | None = None,
        organisation: str | None = None,
        campaigns: tuple[str, ...] | list[str] | None = None,
        email: str | None = None,
        password: str | None = None,
        language: str | None = None,
    ) -> User:
        """Create an account. A grantee needs an organisation; only a viewer takes campaigns.
        Without a password the account can only sign in through OIDC, by its e-mail.
        ``language`` (en, ru, kk) is the one the alert e-mails are written in."""
        if not _USERNAME.match(username):
            raise AccountError(
                f"username '{username}' is not allowed; use 2 to 64 letters, digits and . _ @ + -"
                ", starting with a letter or digit"
            )
        if role not in ROLES:
            raise AccountError(f"unknown role '{role}'; use one of: {', '.join(ROLES)}")
        if role == "grantee" and not organisation:
            raise AccountError("a grantee belongs to one organisation: give --organisation CODE")
        if role != "grantee" and organisation:
            raise AccountError("only a grantee is bound to an organisation; leave it out")
        if role != "viewer" and campaigns:
            raise AccountError(
                "only a viewer is limited to listed campaigns; officers see all, grantees "
                "their organisation's"
            )
        if password is None and not email:
            raise AccountError(
                "give a password, or an e-mail address for sign-in through the OIDC provider"
            )
        if password is not None:
            check_password(password, username)
        _check_contact(email, language)
        now = time.time()
        with self._db() as con:
            if con.execute("SELECT 1 FROM account WHERE username = ?", [username]).fetchone():
                raise AccountError(
                    f"there is already an account '{username}'; `campaigns users set-password` "
                    "changes its password, `campaigns users remove` removes it"
                )
            if email and con.execute("SELECT 1 FROM account WHERE email = ?", [email]).fetchone():
                raise AccountError(f"another account already has the e-mail {email}")
            con.execute(
                "INSERT INTO account (username, name, role, organisation, campaigns, email, "
                "password_hash, created_at, updated_at, language) "
                "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                [
                    username,
                    name or username,
                    role,
                    organisation,
                    json.dumps(sorted(set(campaigns))) if campaigns else None,
                    email,
                    password_hasher().hash(password) if password is not None else None,
                    now,
                    now,
                    language,
                ],
            )
        return self.get(username)  # type: ignore[return-value]

    def update(
        self,
        username: str,
        *,
        name: str | None = None,
        email: str | None = None,
        language: str | None = None,
    ) -> User:
        """Change an account's name, e-mail or language (those given; "" clears the e-mail
        or the language)."""
        _check_contact(email or None, language or None)
        if name is not None and not name.strip():
            raise AccountError("the name cannot be empty")
        changes = {"name": name, "email": email, "language": language}
        with self._db() as con:
            if not con.execute("SELECT 1 FROM account WHERE username = ?", [username]).fetchone():
                raise AccountError(f"there is no account '{username}'")
            if (
                email
                and con.execute(
                    "SELECT 1 FROM account WHERE email = ? AND username <> ?", [email, username]
                ).fetchone()
            ):
                raise AccountError(f"another account already has the e-mail {email}")
            for column, value in changes.items():
                if value is not None:
                    con.execute(
                        f"UPDATE account SET {column} = ?, updated_at = ? WHERE username = ?",
                        [value or None, time.time(), username],
                    )
        return self.get(username)  # type: ignore[return-value]

    def remove(self, username: str) -> None:
        """Delete an account and end its sessions."""
        with self._db() as con:
            if con.execute("DELETE FROM account WHERE username = ?", [username]).rowcount == 0:
                raise AccountError(f"there is no account '{username}'")
            con.execute("DELETE FROM session WHERE username = ?", [username])

    def set_password(self, username: str, password: str) -> None:
        """Replace an account's password and end its sessions."""
        check_password(password, username)
        with self._db() as con:
            changed = con.execute(
                "UPDATE account SET password_hash = ?, updated_at = ? WHERE username = ?",
                [password_hasher().hash(password), time.time(), username],
            ).rowcount
            if not changed:
                raise AccountError(f"there is no account '{username}'")
            con.execute("DELETE FROM session WHERE username = ?", [username])
            con.execute("DELETE FROM login_failure WHERE username = ?", [username])

    def users(self) -> list[User]:
        with self._db(write=False) as con:
            rows = con.execute(
                "SELECT username, name, role, organisation, campaigns, email, language "
                "FROM account "
                "ORDER BY role, username"
            ).fetchall()
        return [_user(row) for row in rows]

    def get(self, username: str) -> User | None:
        with self._db(write=False) as con:
            row = con.execute(
                "SELECT username, name, role, organisation, campaigns, email, language "
                "FROM account "
                "WHERE username = ?",
                [username],
            ).fetchone()
        return _user(row) if row else None

    def by_email(self, email: str | None) -> User | None:
        """The account an OIDC provider's verified e-mail maps to, if any."""
        if not email:
            return None
        with self._db(write=False) as con:
            row = con.execute(
                "SELECT username, name, role, organisation, campaigns, email, language "
                "FROM account "
                "WHERE email = ? OR username = ? ORDER BY email = ? DESC LIMIT 1",
                [email, email, email],
            ).fetchone()
        return _user(row) if row else None

    # Signing in ---------------------------------------------------------------------------

    def authenticate(self, username: str, password: str, *, client: str = "") -> User:
        """The account if the password is right; else ``LoginRefused``. ``SignInWait`` comes,
        before the password is looked at, while too many attempts failed lately for this account
        or this client (:func:`client_address`; "" counts no client)."""
        hasher, dummy = _hashing(_password_hashing())
        now = _clock()
        with self._db() as con:
            con.execute("DELETE FROM login_failure WHERE at < ?", [now - FAILURE_RETENTION])
            wait = self._wait(con, "username", username, ACCOUNT_FREE_FAILURES,
                              ACCOUNT_MAX_DELAY, now)  # fmt: skip
            if client:
                wait = max(wait, self._wait(con, "client", client, CLIENT_FREE_FAILURES,
                                            CLIENT_MAX_DELAY, now))  # fmt: skip
            if wait > 0:
                raise SignInWait(max(1, math.ceil(wait)))
            # Counted as failed until the password proves right, in the same transaction as the
            # check: attempts sent together cannot all pass before any of them is counted.
            con.execute("INSERT INTO login_failure VALUES (?, ?, ?)", [username, client, now])
            row = con.execute(
                "SELECT username, name, role, organisation, campaigns, email, language, "
                "password_hash FROM account WHERE username = ?",
                [username],
            ).fetchone()
        stored = row[7] if row else None
        ok = False
        try:
            ok = hasher.verify(stored or dummy, password) and stored is not None
        except (VerificationError, InvalidHashError):
            ok = False
        if not ok:
            raise LoginRefused("wrong username or password")
        with self._db() as con:
            # this attempt and the account's earlier failures
            con.execute("DELETE FROM login_failure WHERE username = ?", [username])
            if hasher.check_needs_rehash(stored):
                con.execute(
                    "UPDATE account SET password_hash = ? WHERE username = ?",
                    [hasher.hash(password), row[0]],
                )
        return _user(row[:7])

    @staticmethod
    def _wait(
        con: sqlite3.Connection, column: str, value: str, free: int, most: float, now: float
    ) -> float:
        """Seconds an attempt for this account or client must still wait (0: none)."""
        times = [
            at
            for (at,) in con.execute(
                f"SELECT at FROM login_failure WHERE {column} = ? ORDER BY at DESC LIMIT ?",
                [value, free + 40],
            )
        ]
        delay = failure_delay(_in_a_row(times, now), free, most)
        return times[0] + delay - now if delay else 0.0

    def start_session(self, username: str) -> str:
        """A new session token for the account (kept by the browser; only its hash is stored)."""
        token = secrets.token_urlsafe(32)
        now = time.time()
        with self._db() as con:
            con.execute(
                "DELETE FROM session WHERE last_seen < ? OR created_at < ?",
                [now - idle_seconds(), now - lifetime_seconds()],
            )
            con.execute(
                "INSERT INTO session VALUES (?, ?, ?, ?)", [_token_hash(token), username, now, now]
            )
        return token

    def session_user(self, token: str | None) -> User | None:
        """The account of a live session, marking it used; ``None`` once it has expired, was
        ended, or its account is gone."""
        if not token:
            return None
        now = time.time()
        key = _token_hash(token)
        with self._db(write=False) as con:
            row = con.execute(
                "SELECT a.username, a.name, a.role, a.organisation, a.campaigns, a.email, "
                "a.language, s.created_at, s.last_seen FROM session s JOIN account a "
                "ON a.username = s.username WHERE s.token_hash = ?",
                [key],
            ).fetchone()
        if row is None:
            return None
        if row[8] < now - idle_seconds() or row[7] < now - lifetime_seconds():
            self.end_session(token)
            return None
        if now - row[8] > 30:  # written at most twice a minute, not on every rerun
            with self._db() as con:
                con.execute("UPDATE session SET last_seen = ? WHERE token_hash = ?", [now, key])
        return _user(row[:7])

    def end_session(self, token: str | None) -> None:
        if token:
            with self._db() as con:
                con.execute("DELETE FROM session WHERE token_hash = ?", [_token_hash(token)])


def _check_contact(email: str | None, language: str | None) -> None:
    if email and not _EMAIL.fullmatch(email):
        raise AccountError(f"'{email}' is not an e-mail address")
    if language and language not in LANGUAGES:
        raise AccountError(f"unknown language '{language}'; use one of: {', '.join(LANGUAGES)}")


def _user(row) -> User:
    campaigns = tuple(json.loads(row[4])) if row[4] else None
    return User(row[0], row[1], row[2], row[3], campaigns, row[5], row[6])
