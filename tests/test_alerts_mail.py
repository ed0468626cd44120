"""The daily alert digests, sent to a real SMTP server the tests start on 127.0.0.1 (aiosmtpd):
one message per person, in their language, with their own alerts only; nothing more the same
day; an alert again only when its cause changed. Expected alerts come from
``tests/alert_facts.py``."""

from __future__ import annotations

import socket
from collections.abc import Iterator
from email import message_from_bytes, policy
from email.message import EmailMessage
from pathlib import Path

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword
from alert_facts import AS_OF, expected, load_facts
from conftest import write

from etl.accounts import Accounts
from etl.alerts.mail import ENV_VARS, MailError, smtp_settings
from etl.load import load_file
from etl.warehouse import Warehouse

SENDER = "Campaign dashboard <dashboard@example.org>"
USERNAME, PASSWORD = "mailer", "s3cret-smtp-Pa55"
PW = "a-long-password-1"  # the accounts' passwords


class Inbox:
    """What the server received: (envelope recipients, parsed message)."""

    def __init__(self) -> None:
        self.received: list[tuple[list[str], EmailMessage]] = []

    async def handle_DATA(self, server, session, envelope) -> str:  # noqa: N802 - aiosmtpd's name
        message = message_from_bytes(envelope.original_content, policy=policy.default)
        self.received.append((list(envelope.rcpt_tos), message))
        return "250 OK"

    def by_recipient(self) -> dict[str, EmailMessage]:
        out = {}
        for recipients, message in self.received:
            for r in recipients:
                assert r not in out, f"two messages to {r}"
                out[r] = message
        return out


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _authenticator(server, session, envelope, mechanism, auth_data) -> AuthResult:
    ok = isinstance(auth_data, LoginPassword) and (auth_data.login, auth_data.password) == (
        USERNAME.encode(),
        PASSWORD.encode(),
    )
    return AuthResult(success=ok, handled=False)


@pytest.fixture
def smtp(monkeypatch: pytest.MonkeyPatch) -> Iterator[tuple[Inbox, int]]:
    """A local SMTP server that wants a sign-in (without TLS, on this machine), and the
    settings that reach it in the environment."""
    inbox, port = Inbox(), _free_port()
    controller = Controller(
        inbox, hostname="127.0.0.1", port=port, authenticator=_authenticator,
        auth_require_tls=False,
    )  # fmt: skip
    controller.start()
    settings = {
        "CAMPAIGNS_SMTP_HOST": "127.0.0.1",
        "CAMPAIGNS_SMTP_PORT": str(port),
        "CAMPAIGNS_SMTP_FROM": SENDER,
        "CAMPAIGNS_SMTP_STARTTLS": "false",
        "CAMPAIGNS_SMTP_USERNAME": USERNAME,
        "CAMPAIGNS_SMTP_PASSWORD": PASSWORD,
    }
    for name, value in settings.items():
        monkeypatch.setenv(name, value)
    try:
        yield inbox, port
    finally:
        controller.stop()


@pytest.fixture
def people(programme: Warehouse, tmp_path: Path) -> Warehouse:
    """The programme with its alert-making figures, and people to tell."""
    load_facts(programme, tmp_path)
    accounts = _add_people(programme)
    accounts.add("nomail", "grantee", organisation="ADR", password=PW)
    accounts.add("donor", "viewer", email="donor@example.org", password=PW)
    return programme


def _add_people(wh: Warehouse) -> Accounts:
    """An officer (English), ADR's grantee (Russian) and SMK's (Kazakh), each with an address."""
    accounts = Accounts.for_warehouse(wh)
    accounts.add("olga", "officer", email="olga@example.org", password=PW)
    accounts.add("amina", "grantee", organisation="ADR", email="amina@example.org",
                 language="ru", password=PW)  # fmt: skip
    accounts.add("bolat", "grantee", organisation="SMK", email="bolat@example.org",
                 language="kk", password=PW)  # fmt: skip
    return accounts


def _plain(message: EmailMessage) -> str:
    return message.get_body(("plain",)).get_content()


def _items(message: EmailMessage) -> list[str]:
    return [line[2:] for line in _plain(message).splitlines() if line.startswith("- ")]


def test_one_digest_per_person_in_their_language_with_their_alerts(smtp, people, invoke) -> None:
    inbox, _ = smtp
    code, output, _ = invoke("alerts", "--send", "--as-of", AS_OF.isoformat())
    assert code == 0, output
    mail = inbox.by_recipient()
    assert set(mail) == {"olga@example.org", "amina@example.org", "bolat@example.org"}
    everything = expected(AS_OF)
    assert len(everything) == 5
    pdp = {k for k in everything if k[1] == "PDP-01"}
    foe = everything - pdp

    olga, amina, bolat = (
        mail["olga@example.org"],
        mail["amina@example.org"],
        mail["bolat@example.org"],
    )
    assert olga["Subject"] == "Campaign dashboard: 5 alerts, 1 Jul 2026"
    assert amina["Subject"] == "Панель кампаний: 3 оповещения, 01.07.2026"
    assert bolat["Subject"] == "Науқандар панелі: 2 хабарлама, 01.07.2026"
    assert [m["Content-Language"] for m in (olga, amina, bolat)] == ["en", "ru", "kk"]
    assert all(m["From"] == SENDER for m in (olga, amina, bolat))
    assert all(m["Message-ID"].endswith("@example.org>") for m in (olga, amina, bolat))
    assert len(_items(olga)) == 5 and len(_items(amina)) == len(pdp) and len(_items(bolat)) == 2
    assert all(item.startswith("PDP-01:") for item in _items(amina))
    assert all(item.startswith("FOE-02:") for item in _items(bolat))
    assert "FOE-02" not in amina.as_string() and "PDP-01" not in bolat.as_string()
    assert "Здравствуйте, amina!" in _plain(amina) and "Сәлеметсіз бе, bolat!" in _plain(bolat)
    assert "отстаёт от графика" in _plain(amina)  # PDP-01's impressions KPI
    assert any("перерасход по статье бюджета 5.1" in i for i in _items(amina))
    assert "http://127.0.0.1:8501/campaign?campaign=PDP-01&lang=ru" in _plain(amina)
    html = amina.get_body(("html",)).get_content()
    assert '<html lang="ru">' in html and html.count("<li>") == len(pdp)
    assert len(foe) == 2
    # the grantee without an address is named, with what to do; the donor is not told
    assert "nomail has 3 alert(s) but no e-mail address" in output
    assert "donor" not in output

    # A second run the same day sends nothing.
    code, output, _ = invoke("alerts", "--send", "--as-of", AS_OF.isoformat())
    assert code == 0 and len(inbox.received) == 3
    assert "olga: already sent today" in output


def test_an_alert_is_sent_again_only_when_its_cause_changes(
    smtp, people, invoke, tmp_path: Path
) -> None:
    inbox, _ = smtp
    assert invoke("alerts", "--send", "--as-of", "2026-07-01")[0] == 0
    assert len(inbox.received) == 3
    # The next day nothing has changed: no digest.
    code, output, _ = invoke("alerts", "--send", "--as-of", "2026-07-02")
    assert code == 0 and len(inbox.received) == 3, output
    assert "amina: nothing new" in output
    # More spent on PDP-01's line 5.1 (now 122% of its budget, from 114%): news for PDP-01's
    # grantee and the officer, not for FOE-02's.
    spend = write(tmp_path / "more.csv", "date,budget_line,amount,currency,description,reference\n"
                  "2026-06-20,5.1,300000,KZT,more,R-2\n")  # fmt: skip
    assert load_file(people, spend, campaign="PDP-01").status == "loaded"
    assert invoke("alerts", "--send", "--as-of", "2026-07-03")[0] == 0
    later = {r[0]: m for r, m in inbox.received[3:]}
    assert set(later) == {"olga@example.org", "amina@example.org"}
    (item,) = _items(later["amina@example.org"])
    assert item.startswith("PDP-01: перерасход по статье бюджета 5.1") and item.endswith(
        "(изменилось)"
    )
    assert "122" in item
    (item,) = _items(later["olga@example.org"])
    assert item.endswith("(changed)")
    assert later["amina@example.org"]["Subject"] == "Панель кампаний: 1 оповещение, 03.07.2026"


def test_the_smtp_password_is_never_shown(smtp, people, invoke, monkeypatch) -> None:
    inbox, port = smtp
    monkeypatch.setenv("CAMPAIGNS_SMTP_PASSWORD", "wrong-" + PASSWORD)
    code, output, _ = invoke("alerts", "--send", "--as-of", AS_OF.isoformat())
    assert code == 1
    assert f"the SMTP server 127.0.0.1:{port} refused the username or password" in output
    assert PASSWORD not in output and not inbox.received
    assert PASSWORD not in repr(smtp_settings())
    # Nothing was recorded as sent: with the right password, the digests go.
    monkeypatch.setenv("CAMPAIGNS_SMTP_PASSWORD", PASSWORD)
    assert invoke("alerts", "--send", "--as-of", AS_OF.isoformat())[0] == 0
    assert len(inbox.received) == 3


def test_without_an_smtp_server_the_command_says_what_to_set(people, invoke, monkeypatch) -> None:
    for name in ("CAMPAIGNS_SMTP_HOST", "CAMPAIGNS_SMTP_FROM"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.chdir(people.path.parent)  # no .streamlit/secrets.toml here
    code, output, _ = invoke("alerts", "--send", "--as-of", AS_OF.isoformat())
    assert code == 1 and "no SMTP server set" in output and "CAMPAIGNS_SMTP_HOST" in output
    code, output, data = invoke("alerts", "--as-of", AS_OF.isoformat(), "--json")
    assert code == 0
    assert {(a["rule"], a["campaign"], a["subject"]) for a in data["alerts"]} == expected(AS_OF)
    assert {a["state"] for a in data["alerts"]} == {"open"}  # recorded by the run above


def test_smtp_settings_from_the_secrets_file_and_the_environment(tmp_path, monkeypatch) -> None:
    for name in ENV_VARS.values():
        monkeypatch.delenv(name, raising=False)
    secrets = write(
        tmp_path / "secrets.toml",
        '[smtp]\nhost = "mail.example.org"\nport = 2525\nusername = "u"\npassword = "p-secret"\n'
        'from = "alerts@example.org"\nstarttls = true\n',
    )
    settings = smtp_settings(secrets)
    assert (settings.host, settings.port, settings.username, settings.sender) == (
        "mail.example.org", 2525, "u", "alerts@example.org",
    )  # fmt: skip
    assert settings.password == "p-secret" and settings.starttls and not settings.ssl
    assert "p-secret" not in repr(settings)
    monkeypatch.setenv("CAMPAIGNS_SMTP_PORT", "465")
    monkeypatch.setenv("CAMPAIGNS_SMTP_SSL", "1")
    settings = smtp_settings(secrets)
    assert settings.port == 465 and settings.ssl and not settings.starttls
    with pytest.raises(MailError, match="no SMTP server set"):
        smtp_settings(tmp_path / "none.toml")


def test_an_overdue_report_reaches_the_grantee_and_the_officer_until_it_is_submitted(
    smtp, programme: Warehouse, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, invoke
) -> None:
    """Spend is owed monthly from May, due the 15th after: on 1 July, PDP-01's May spend is
    overdue (nothing came); FOE-02's came. Once PDP-01 submits May saying there was nothing,
    the alert closes and no mail repeats it."""
    inbox, _ = smtp
    monkeypatch.setenv("CAMPAIGNS_REPORTING", str(write(
        tmp_path / "reporting.toml", '[cycle]\nkinds = ["spend"]\nfirst_period = "2026-05"\n'
    )))  # fmt: skip
    only_overdue = "".join(
        f"[rules.{r}]\nenabled = {'true' if r == 'report_overdue' else 'false'}\n"
        for r in ("kpi_behind", "spend_ahead", "budget_line_over", "no_figures",
                  "load_rejected", "report_overdue")
    )  # fmt: skip
    monkeypatch.setenv("CAMPAIGNS_ALERTS", str(write(tmp_path / "alerts.toml", only_overdue)))
    foe_may = write(
        tmp_path / "spend.csv",
        "date,budget_line,amount,currency,description,reference\n"
        "2026-05-12,5.4,150000.00,KZT,Hall for the May debate,FOE/2026/0007\n",
    )
    assert load_file(programme, foe_may, campaign="FOE-02").status == "loaded"
    _add_people(programme)

    code, output, _ = invoke("alerts", "--send", "--as-of", "2026-07-01")
    assert code == 0, output
    mail = inbox.by_recipient()
    assert set(mail) == {"olga@example.org", "amina@example.org"}  # FOE-02 owes nothing
    (olga_item,) = _items(mail["olga@example.org"])
    assert olga_item.startswith("PDP-01:") and "2026-05" in olga_item
    assert "due on" in olga_item and "15 Jun 2026" in olga_item
    (amina_item,) = _items(mail["amina@example.org"])
    assert amina_item.startswith("PDP-01: отчёты за 2026-05 нужно было сдать до 15.06.2026")

    # The grantee submits May: nothing of it was owed after all; the next day nothing is sent.
    code, output, _ = invoke("reporting", "submit", "PDP-01", "2026-05", "--user", "amina")
    assert code == 0, output
    inbox.received.clear()
    code, output, _ = invoke("alerts", "--send", "--as-of", "2026-07-02")
    assert code == 0, output
    assert inbox.received == []
