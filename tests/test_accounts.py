"""Accounts: ``campaigns users``, password hashing, sign-in throttling and sessions, on a real
account store beside a temporary warehouse."""

from __future__ import annotations

import json
import sqlite3
import time

import pytest

from etl.accounts import (
    ACCOUNT_FREE_FAILURES,
    FAILURE_WINDOW,
    PASSWORD_HASHING_ENV,
    AccountError,
    Accounts,
    LoginRefused,
    SignInWait,
    User,
)
from etl.warehouse import Warehouse

PASSWORD = "correct horse battery"


def store(wh: Warehouse) -> Accounts:
    return Accounts.for_warehouse(wh)


def rows(accounts: Accounts, sql: str, params: list | None = None) -> list[tuple]:
    con = sqlite3.connect(accounts.path)
    try:
        return con.execute(sql, params or []).fetchall()
    finally:
        con.close()


def test_users_add_list_set_password_remove(invoke, programme: Warehouse) -> None:
    code, output, _ = invoke(
        "users", "add", "amina", "--role", "grantee", "--organisation", "ADR",
        "--name", "Amina S.", "--password-stdin",
        input=PASSWORD + "\n",
    )  # fmt: skip
    assert code == 0, output
    assert "added grantee amina of ADR" in output

    code, output, listed = invoke("users", "list", "--json")
    assert code == 0
    assert listed == [
        {
            "username": "amina",
            "name": "Amina S.",
            "role": "grantee",
            "organisation": "ADR",
            "campaigns": None,
            "email": None,
            "language": None,
        }
    ]
    accounts = store(programme)
    assert accounts.authenticate("amina", PASSWORD).organisation == "ADR"

    code, output, _ = invoke(
        "users", "set-password", "amina", "--password-stdin", input="a new long password\n"
    )
    assert code == 0, output
    with pytest.raises(LoginRefused):
        accounts.authenticate("amina", PASSWORD)
    assert accounts.authenticate("amina", "a new long password").username == "amina"

    code, output, _ = invoke("users", "remove", "amina")
    assert code == 0 and "removed amina" in output
    assert accounts.users() == []
    code, output, _ = invoke("users", "remove", "amina")
    assert code == 1 and "no account 'amina'" in output


def test_passwords_are_stored_only_as_argon2_hashes(invoke, programme: Warehouse) -> None:
    invoke("users", "add", "dana", "--role", "officer", "--password-stdin", input=PASSWORD + "\n")
    accounts = store(programme)
    (stored,) = rows(accounts, "SELECT password_hash FROM account")[0]
    assert stored.startswith("$argon2id$")
    assert PASSWORD.encode() not in accounts.path.read_bytes()
    code, output, _ = invoke("users", "list")
    assert "argon2" not in output and PASSWORD not in output
    # only the owner may read the store
    assert accounts.path.stat().st_mode & 0o077 == 0


def parameters(stored: str) -> str:
    """The cost written in an argon2 hash: ``m=<KiB>,t=<passes>,p=<lanes>``."""
    kind, version, cost, _salt, _hash = stored.split("$")[1:]
    assert (kind, version) == ("argon2id", "v=19")
    return cost


def test_passwords_are_hashed_at_the_cost_rfc_9106_recommends_unless_set_otherwise(
    invoke, programme: Warehouse, monkeypatch: pytest.MonkeyPatch
) -> None:
    # RFC 9106, section 4: argon2id with 64 MiB, 3 passes and 4 lanes where memory is scarce
    # (the default), 2 GiB with 1 pass otherwise
    monkeypatch.delenv(PASSWORD_HASHING_ENV)
    invoke("users", "add", "dana", "--role", "officer", "--password-stdin", input=PASSWORD + "\n")
    ((stored,),) = rows(store(programme), "SELECT password_hash FROM account")
    assert parameters(stored) == "m=65536,t=3,p=4"
    assert store(programme).authenticate("dana", PASSWORD).username == "dana"

    from etl.accounts import password_hasher

    monkeypatch.setenv(PASSWORD_HASHING_ENV, "rfc9106-high-memory")
    hasher = password_hasher()
    assert (hasher.memory_cost, hasher.time_cost, hasher.parallelism) == (2 * 1024 * 1024, 1, 4)


def test_a_hash_of_another_cost_is_made_again_when_its_owner_next_signs_in(
    programme: Warehouse, monkeypatch: pytest.MonkeyPatch
) -> None:
    accounts = store(programme)
    accounts.add("dana", "officer", password=PASSWORD)  # at the suite's lowest cost
    ((cheap,),) = rows(accounts, "SELECT password_hash FROM account")
    assert parameters(cheap) == "m=8,t=1,p=1"
    # the programme raises the cost: a wrong password changes nothing, the right one is checked
    # against the old hash and stored again at the new cost
    monkeypatch.setenv(PASSWORD_HASHING_ENV, "rfc9106-low-memory")
    with pytest.raises(LoginRefused):
        accounts.authenticate("dana", "not the password")
    assert rows(accounts, "SELECT password_hash FROM account") == [(cheap,)]
    assert accounts.authenticate("dana", PASSWORD).username == "dana"
    ((stored,),) = rows(accounts, "SELECT password_hash FROM account")
    assert parameters(stored) == "m=65536,t=3,p=4"
    assert accounts.authenticate("dana", PASSWORD).username == "dana"


def test_a_password_hashing_it_does_not_know_is_refused_by_name(
    invoke, programme: Warehouse, monkeypatch: pytest.MonkeyPatch
) -> None:
    from etl.accounts import check_settings

    monkeypatch.setenv(PASSWORD_HASHING_ENV, "fast")
    said = "CAMPAIGNS_PASSWORD_HASHING='fast' is not one of: rfc9106-low-memory, "
    code, output, _ = invoke(
        "users", "add", "dana", "--role", "officer", "--password-stdin", input=PASSWORD + "\n"
    )
    assert code == 1 and said in output, output
    assert store(programme).users() == []
    # the dashboard's server does not start
    with pytest.raises(AccountError, match=said):
        check_settings()


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--role", "grantee"], "give --organisation CODE"),
        (["--role", "grantee", "--organisation", "XYZ"], "organisation 'XYZ' has no campaigns"),
        (["--role", "viewer", "-c", "NOPE-9"], "unknown campaign NOPE-9"),
        (["--role", "officer", "--organisation", "ADR"], "only a grantee is bound"),
        (["--role", "grantee", "--organisation", "ADR", "-c", "PDP-01"], "only a viewer"),
    ],
)
def test_users_add_refuses_what_would_not_work(
    invoke, programme: Warehouse, args: list[str], message: str
) -> None:
    code, output, _ = invoke("users", "add", "someone", *args, "--password-stdin", input=PASSWORD)
    assert code == 1
    assert message in output
    assert store(programme).users() == []


def test_weak_passwords_and_duplicates_are_refused(invoke, programme: Warehouse) -> None:
    code, output, _ = invoke("users", "add", "dana", "--role", "officer", "--password-stdin",
                          input="short\n")  # fmt: skip
    assert code == 1 and "use at least 10" in output
    code, output, _ = invoke("users", "add", "dana-long", "--role", "officer", "--password-stdin",
                          input="dana-long\n")  # fmt: skip
    assert code == 1 and "use at least 10" in output or "must not be the username" in output
    assert invoke("users", "add", "dana", "--role", "officer", "--password-stdin",
               input=PASSWORD)[0] == 0  # fmt: skip
    code, output, _ = invoke("users", "add", "DANA", "--role", "viewer", "--password-stdin",
                          input=PASSWORD)  # fmt: skip
    assert code == 1 and "already an account" in output


def test_a_viewer_can_be_limited_to_campaigns(invoke, programme: Warehouse) -> None:
    code, output, _ = invoke(
        "users", "add", "eu-desk", "--role", "viewer", "-c", "PDP-01", "--password-stdin",
        input=PASSWORD,
    )  # fmt: skip
    assert code == 0, output
    user = store(programme).get("eu-desk")
    assert user == User("eu-desk", "eu-desk", "viewer", None, ("PDP-01",), None)
    assert not user.can_upload and not user.can_manage and not user.can_undo("eu-desk")


def test_roles_decide_upload_manage_and_undo() -> None:
    officer = User("o", "O", "officer")
    grantee = User("g", "G", "grantee", organisation="ADR")
    viewer = User("v", "V", "viewer")
    assert officer.can_upload and officer.can_manage and officer.can_undo("someone else")
    assert grantee.can_upload and not grantee.can_manage
    assert grantee.can_undo("G") and not grantee.can_undo("someone else")
    assert not grantee.can_undo(None)
    assert not viewer.can_upload and not viewer.can_manage and not viewer.can_undo("v")


def test_sign_in_is_slowed_after_repeated_failures_never_locked(programme: Warehouse) -> None:
    """(The waits themselves, with a test clock: tests/test_signin_security.py.)"""
    accounts = store(programme)
    accounts.add("dana", "officer", password=PASSWORD)
    for _ in range(ACCOUNT_FREE_FAILURES):
        with pytest.raises(LoginRefused, match="wrong username or password"):
            accounts.authenticate("dana", "not the password", client="10.0.0.7")
    # right away, even the right password waits, and the refusal says how long: 2 seconds
    # after the last failure, 1 when a busy machine took over a second since
    with pytest.raises(SignInWait, match=r"wait (2 seconds|1 second)\b") as refused:
        accounts.authenticate("dana", PASSWORD, client="10.0.0.8")
    assert refused.value.seconds in (1, 2)
    # once the failures are older than the wait, the right password signs in
    con = sqlite3.connect(accounts.path)
    con.execute("UPDATE login_failure SET at = at - 3")
    con.commit()
    con.close()
    assert accounts.authenticate("dana", PASSWORD, client="10.0.0.8").username == "dana"
    assert rows(accounts, "SELECT count(*) FROM login_failure") == [(0,)]
    # failures older than the window no longer count at all
    for _ in range(ACCOUNT_FREE_FAILURES):
        with pytest.raises(LoginRefused, match="wrong username or password"):
            accounts.authenticate("dana", "not the password")
    con = sqlite3.connect(accounts.path)
    con.execute("UPDATE login_failure SET at = at - ?", [FAILURE_WINDOW + 1])
    con.commit()
    con.close()
    with pytest.raises(LoginRefused, match="wrong username or password"):
        accounts.authenticate("dana", "not the password")


def test_unknown_usernames_and_oidc_only_accounts_cannot_sign_in(programme: Warehouse) -> None:
    accounts = store(programme)
    accounts.add("oidc-only", "viewer", email="desk@eeas.europa.eu")
    with pytest.raises(LoginRefused, match="wrong username or password"):
        accounts.authenticate("oidc-only", "")
    with pytest.raises(LoginRefused, match="wrong username or password"):
        accounts.authenticate("nobody", PASSWORD)
    assert accounts.by_email("DESK@eeas.europa.eu").username == "oidc-only"
    assert accounts.by_email("other@eeas.europa.eu") is None


def test_sessions_end_when_idle_too_long_or_too_old(
    programme: Warehouse, monkeypatch: pytest.MonkeyPatch
) -> None:
    accounts = store(programme)
    accounts.add("dana", "officer", password=PASSWORD)
    token = accounts.start_session("dana")
    assert accounts.session_user(token).username == "dana"
    assert token not in json.dumps(rows(accounts, "SELECT * FROM session"))

    monkeypatch.setenv("CAMPAIGNS_SESSION_IDLE_MINUTES", "5")
    con = sqlite3.connect(accounts.path)
    con.execute("UPDATE session SET last_seen = ?", [time.time() - 6 * 60])
    con.commit()
    con.close()
    assert accounts.session_user(token) is None
    assert rows(accounts, "SELECT count(*) FROM session") == [(0,)]

    monkeypatch.setenv("CAMPAIGNS_SESSION_HOURS", "1")
    token = accounts.start_session("dana")
    con = sqlite3.connect(accounts.path)
    con.execute("UPDATE session SET created_at = ?", [time.time() - 3601])
    con.commit()
    con.close()
    assert accounts.session_user(token) is None


def test_removing_an_account_or_its_password_ends_its_sessions(programme: Warehouse) -> None:
    accounts = store(programme)
    accounts.add("dana", "officer", password=PASSWORD)
    token = accounts.start_session("dana")
    accounts.set_password("dana", "another long password")
    assert accounts.session_user(token) is None
    token = accounts.start_session("dana")
    accounts.remove("dana")
    assert accounts.session_user(token) is None
    assert accounts.session_user("made-up-token") is None


def test_the_store_can_live_elsewhere(
    programme: Warehouse, tmp_path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("CAMPAIGNS_ACCOUNTS", str(tmp_path / "secure" / "accounts.sqlite"))
    accounts = store(programme)
    accounts.add("dana", "officer", password=PASSWORD)
    assert (tmp_path / "secure" / "accounts.sqlite").exists()
    assert not programme.path.with_name(programme.path.stem + ".accounts.sqlite").exists()


def test_the_demo_has_an_account_for_each_role(demo_warehouse: Warehouse) -> None:
    from etl.demo import DEMO_ACCOUNTS, demo_password

    accounts = store(demo_warehouse)
    roles = {}
    for username, role, organisation, _name, language in DEMO_ACCOUNTS:
        user = accounts.authenticate(username, demo_password(username))
        assert (user.role, user.organisation) == (role, organisation)
        # an address that receives no mail, and the language of its alert digests
        assert (user.email, user.language) == (f"{username}@demo.example", language)
        roles.setdefault(role, []).append(username)
    assert set(roles) == {"officer", "grantee", "viewer"}
    assert len(roles["grantee"]) >= 2


def test_an_accounts_e_mail_and_language_for_the_alert_digests(
    invoke, programme: Warehouse
) -> None:
    code, output, _ = invoke(
        "users", "add", "bolat", "--role", "grantee", "--organisation", "ADR",
        "--email", "bolat@example.org", "--language", "kk", "--password-stdin",
        input=PASSWORD + "\n",
    )  # fmt: skip
    assert code == 0, output
    _, _, listed = invoke("users", "list", "--json")
    assert (listed[0]["email"], listed[0]["language"]) == ("bolat@example.org", "kk")
    code, output, _ = invoke("users", "set", "bolat", "--language", "ru", "--name", "Bolat K.")
    assert code == 0 and "language ru" in output
    user = store(programme).get("bolat")
    assert (user.name, user.email, user.language) == ("Bolat K.", "bolat@example.org", "ru")
    code, output, _ = invoke("users", "set", "bolat", "--email", "")
    assert code == 0 and store(programme).get("bolat").email is None
    code, output, _ = invoke("users", "add", "x1", "--role", "officer", "--language", "de")
    assert code == 2 and "'de' is not one of" in output
    code, output, _ = invoke("users", "set", "nobody", "--language", "en")
    assert code == 1 and "there is no account 'nobody'" in output
    code, output, _ = invoke("users", "set", "bolat")
    assert code == 1 and "nothing to change" in output
    code, output, _ = invoke("users", "set", "bolat", "--name", " ")
    assert code == 1 and "the name cannot be empty" in output
    code, output, _ = invoke("users", "set", "bolat", "--email", "bolat@ex ample.org\nBcc: x@y")
    assert code == 1 and "is not an e-mail address" in output


def test_a_store_made_before_accounts_had_a_language_gets_the_column(tmp_path) -> None:
    path = tmp_path / "old.accounts.sqlite"
    con = sqlite3.connect(path)
    con.executescript(
        "CREATE TABLE account (username TEXT PRIMARY KEY COLLATE NOCASE, name TEXT NOT NULL,"
        " role TEXT NOT NULL, organisation TEXT, campaigns TEXT, email TEXT COLLATE NOCASE,"
        " password_hash TEXT, created_at REAL NOT NULL, updated_at REAL NOT NULL);"
        "INSERT INTO account VALUES ('dana', 'Dana', 'officer', NULL, NULL, 'd@example.org',"
        " NULL, 0, 0);"
    )
    con.commit()
    con.close()
    accounts = Accounts(path)
    assert accounts.get("dana") == User("dana", "Dana", "officer", email="d@example.org")
    assert accounts.update("dana", language="kk").language == "kk"
    accounts.add("erlan", "officer", email="e@example.org", language="ru")
    assert [(u.username, u.language) for u in accounts.users()] == [("dana", "kk"), ("erlan", "ru")]
