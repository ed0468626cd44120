"""E-mail through SMTP: the server's settings, and a connection that sends messages one by one.

Settings come from the ``[smtp]`` table of ``.streamlit/secrets.toml`` (``host``, ``port``,
``username``, ``password``, ``from``, ``starttls``, ``ssl``, ``timeout``) and from the
environment (``CAMPAIGNS_SMTP_HOST``, ``CAMPAIGNS_SMTP_PORT``, ``CAMPAIGNS_SMTP_USERNAME``,
``CAMPAIGNS_SMTP_PASSWORD``, ``CAMPAIGNS_SMTP_FROM``, ``CAMPAIGNS_SMTP_STARTTLS``,
``CAMPAIGNS_SMTP_SSL``, ``CAMPAIGNS_SMTP_TIMEOUT``), which wins field by field. The password
is never printed: it is left out of the settings' ``repr`` and of every message raised here.
"""

from __future__ import annotations

import contextlib
import os
import smtplib
import ssl
import tomllib
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from email.message import EmailMessage
from pathlib import Path

from etl.alerts.config import SECRETS

# Each setting's environment variable.
ENV_VARS = {
    "host": "CAMPAIGNS_SMTP_HOST",
    "port": "CAMPAIGNS_SMTP_PORT",
    "username": "CAMPAIGNS_SMTP_USERNAME",
    "password": "CAMPAIGNS_SMTP_PASSWORD",
    "from": "CAMPAIGNS_SMTP_FROM",
    "starttls": "CAMPAIGNS_SMTP_STARTTLS",
    "ssl": "CAMPAIGNS_SMTP_SSL",
    "timeout": "CAMPAIGNS_SMTP_TIMEOUT",
}
_TRUE = {"1", "true", "yes", "on"}


class MailError(RuntimeError):
    """The SMTP settings are missing or wrong, or the server refused; the message says which
    (never the password)."""


@dataclass(frozen=True)
class SmtpSettings:
    host: str
    sender: str
    port: int = 587
    username: str | None = None
    password: str | None = field(default=None, repr=False)
    starttls: bool = True
    ssl: bool = False
    timeout: float = 30.0


def _flag(value: object) -> bool:
    return value is True or str(value).strip().lower() in _TRUE


def smtp_settings(secrets: Path = SECRETS) -> SmtpSettings:
    """The SMTP server to send through (see the module's text); ``MailError`` when no host or
    sender is set."""
    table: dict = {}
    if secrets.is_file():
        try:
            with secrets.open("rb") as fh:
                table = dict(tomllib.load(fh).get("smtp") or {})
        except tomllib.TOMLDecodeError as exc:
            raise MailError(f"{secrets} is not valid TOML: {exc}") from None
    for name, env_var in ENV_VARS.items():
        value = os.environ.get(env_var)
        if value:
            table[name] = value
    host, sender = table.get("host"), table.get("from")
    if not host or not sender:
        raise MailError(
            "no SMTP server set: give host and from in the [smtp] table of "
            f"{secrets} or {ENV_VARS['host']} and {ENV_VARS['from']} (docs/deployment.md)"
        )
    use_ssl = _flag(table.get("ssl", False))
    try:
        port = int(table.get("port") or (465 if use_ssl else 587))
        timeout = float(table.get("timeout") or 30)
    except ValueError:
        raise MailError("the SMTP port and timeout must be numbers") from None
    return SmtpSettings(
        host=str(host),
        sender=str(sender),
        port=port,
        username=str(table["username"]) if table.get("username") else None,
        password=str(table["password"]) if table.get("password") else None,
        starttls=not use_ssl and _flag(table.get("starttls", True)),
        ssl=use_ssl,
        timeout=timeout,
    )


@contextlib.contextmanager
def connection(settings: SmtpSettings) -> Iterator[Callable[[EmailMessage], None]]:
    """A connection to the server (TLS and sign-in as the settings say), as a function sending
    one message; a message without ``From`` gets the settings' sender. Problems come as
    ``MailError``."""
    where = f"{settings.host}:{settings.port}"
    try:
        if settings.ssl:
            server: smtplib.SMTP = smtplib.SMTP_SSL(
                settings.host, settings.port, timeout=settings.timeout,
                context=ssl.create_default_context(),
            )  # fmt: skip
        else:
            server = smtplib.SMTP(settings.host, settings.port, timeout=settings.timeout)
        try:
            server.ehlo()
            if settings.starttls:
                server.starttls(context=ssl.create_default_context())
                server.ehlo()
            if settings.username:
                server.login(settings.username, settings.password or "")

            def send_one(message: EmailMessage) -> None:
                if "From" not in message:
                    message["From"] = settings.sender
                server.send_message(message)

            yield send_one
            server.quit()
        finally:
            server.close()  # after a refusal, without waiting for the server to say goodbye
    except smtplib.SMTPAuthenticationError:
        raise MailError(f"the SMTP server {where} refused the username or password") from None
    except (smtplib.SMTPException, OSError) as exc:
        raise MailError(f"sending through {where} failed: {type(exc).__name__}: {exc}") from None
