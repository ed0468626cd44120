"""Alerts for people: who receives which alert, an alert's text in a language, and the daily
e-mail digest.

:func:`evaluate` runs every enabled rule (``dashboard.metrics.alerts``) over the programme and
records the result in the warehouse (``etl.alerts.state``: new, changed, closed); :func:`send`
then writes one digest per person with an e-mail address (plain text and HTML, in the person's
language, with links to the dashboard), listing each alert of theirs they have not been sent in
its current state, and sends it through SMTP (``etl.alerts.mail``). A person gets at most one
digest a day: a second run the same day sends nothing to anyone who already had theirs.

Who receives what (:func:`alerts_for`): the rule's ``recipients`` name the roles told;
officers are told about every campaign and the programme, grantees about their organisation's
campaigns, viewers about every campaign or the campaigns listed on their account. No Streamlit
here: the command line and the app use it alike.
"""

from __future__ import annotations

import datetime as dt
import html
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from email.message import EmailMessage
from email.utils import formatdate, make_msgid, parseaddr
from urllib.parse import urlencode

from dashboard import reader
from dashboard.i18n import catalogue, current_language, fmt_date, fmt_figure, t
from dashboard.metrics.alerts import current_alerts
from etl.accounts import User
from etl.alerts import Alert, state
from etl.alerts.config import AlertsConfig
from etl.alerts.mail import SmtpSettings, connection
from etl.warehouse import Warehouse

DEFAULT_LANGUAGE = "en"


def language_of(user: User) -> str:
    return user.language or DEFAULT_LANGUAGE


def alerts_for(user: User, alerts: Iterable[Alert], config: AlertsConfig) -> list[Alert]:
    """The alerts ``user`` is told about: of rules whose recipients include the user's role,
    about campaigns the user may see (and, for officers, about the programme as a whole)."""
    mine = []
    for a in alerts:
        if not config.rule(a.rule).tells(user.role):
            continue
        if user.role == "officer":
            mine.append(a)
        elif a.campaign is None:
            continue
        elif user.role == "grantee":
            if user.organisation and a.organisation == user.organisation:
                mine.append(a)
        elif user.campaigns is None or a.campaign in user.campaigns:
            mine.append(a)
    return mine


def _kind(kind: str, lang: str) -> str:
    key = f"upload.kinds.{kind}"
    return t(key, lang=lang) if key in catalogue(lang) else kind


# How an alert's parameters are written in its text: a figure kind (dashboard.i18n.FIGURES),
# "date", or "kind" (a kind of data); others as they are.
PARAM_KINDS = {
    "achievement": "round_share",
    "elapsed": "round_share",
    "execution": "round_share",
    "spend_eur": "money",
    "budget_eur": "money",
    "days": "count",
    "last_date": "date",
    "day": "date",
    "kind": "kind",
    "kinds": "kinds",
    "due": "date",
}
# Parameters a rule's text names differently from the figure it holds.
PARAM_NAMES = {"spend_eur": "spend", "budget_eur": "budget"}


def _param(name: str, value: object, lang: str) -> object:
    how = PARAM_KINDS.get(name)
    if how == "date":
        return fmt_date(value, lang=lang) if value else ""
    if how == "kind":
        return _kind(str(value or ""), lang)
    if how == "kinds":
        return ", ".join(_kind(str(k), lang) for k in value or [])
    if how is not None:
        return fmt_figure(value, how, lang=lang)
    return "" if value is None else value


def alert_text(a: Alert, lang: str | None = None) -> str:
    """What the alert says, in ``lang``: the campaign, what is wrong and the figures, from the
    catalogue's ``alerts.text.<rule>`` with the alert's parameters written by kind."""
    lang = lang or current_language()
    p = dict(a.params)
    words = {PARAM_NAMES.get(k, k): _param(k, v, lang) for k, v in p.items()}
    words["campaign"] = a.campaign or t("alerts.text.programme", lang=lang)
    key = f"alerts.text.{a.rule}"
    if a.rule == "kpi_behind":
        words.setdefault("indicator", a.subject)
        words.setdefault("indicator_name", "")
    elif a.rule == "budget_line_over":
        words.setdefault("line", a.subject)
    elif a.rule == "no_figures":
        key = (
            "alerts.text.no_figures" if p.get("last_date") else "alerts.text.no_figures_since_start"
        )
        words["count"] = p.get("days", 0)
        words["last"] = words.pop("last_date", "")
    elif a.rule == "report_overdue":
        words.setdefault("period", a.subject)
    elif a.rule == "load_rejected":
        words["file"] = p.get("file") or t("alerts.text.no_file", lang=lang)
        words.setdefault("batch", a.subject)
    if key in catalogue(lang):
        return t(key, lang=lang, **words)
    return f"{words['campaign']}: {t(f'alerts.name.{a.rule}', lang=lang)}"


@reader.derived
def alert_texts(wh: Warehouse, as_of: dt.date, config: AlertsConfig, lang: str) -> dict[str, str]:
    """What each alert the rules find at ``as_of`` says in ``lang``, by its key: worked out once
    per published load and language, as the Alerts page lists every alert on each rerun."""
    return {a.key: alert_text(a, lang) for a in current_alerts(wh, as_of, config)}


def alert_link(a: Alert, user: User, config: AlertsConfig) -> str:
    """Where in the dashboard the alert is seen: the campaign's page, or for a rejected load
    the Loads page (officers) or the Upload page (grantees), in the user's language."""
    lang = language_of(user)
    if a.rule == "load_rejected":
        page, params = ("loads" if user.role == "officer" else "upload"), {}
    elif a.campaign:
        page, params = "campaign", {"campaign": a.campaign}
    else:
        page, params = "", {}
    return f"{config.base_url}/{page}?{urlencode({**params, 'lang': lang})}"


# --- evaluating and recording ---------------------------------------------------------------


def evaluate(
    wh: Warehouse, as_of: dt.date, config: AlertsConfig, now: dt.datetime | None = None
) -> tuple[list[Alert], state.SyncResult]:
    """Every alert at ``as_of`` over the whole programme, recorded in the warehouse (opened,
    changed, closed) at ``now``. Call it with the reader's scope on everything (the command
    line's): the alerts it does not find close."""
    found = current_alerts(wh, as_of, config)
    return found, state.sync(wh, found, now or dt.datetime.now())


# --- the digest -------------------------------------------------------------------------------


@dataclass(frozen=True)
class Digest:
    """One person's digest of a day: the alerts new to them, and those of them that were
    sent before in another state (``changed``)."""

    user: User
    day: dt.date
    alerts: tuple[Alert, ...]
    changed: frozenset[str] = field(default_factory=frozenset)


def _lines(digest: Digest, config: AlertsConfig) -> list[tuple[str, str]]:
    lang = language_of(digest.user)
    out = []
    for a in digest.alerts:
        text = alert_text(a, lang)
        if a.key in digest.changed:
            text = f"{text} {t('alerts.mail.changed', lang=lang)}"
        out.append((text, alert_link(a, digest.user, config)))
    return out


def message(digest: Digest, config: AlertsConfig, sender: str) -> EmailMessage:
    """The digest as an e-mail to the person, in their language: plain text with an HTML
    alternative, each alert with its link."""
    user, lang = digest.user, language_of(digest.user)
    lines = _lines(digest, config)
    home = f"{config.base_url}/?{urlencode({'lang': lang})}"
    greeting = t("alerts.mail.greeting", lang=lang, name=user.name)
    intro = t("alerts.mail.intro", lang=lang)
    link = t("alerts.mail.link", lang=lang, url=home)
    footer = t("alerts.mail.footer", lang=lang)
    plain = [greeting, "", intro, ""]
    for text, url in lines:
        plain += [f"- {text}", f"  {url}", ""]
    plain += [link, "", "-- ", footer]
    items = "".join(
        f'<li>{html.escape(text)}<br><a href="{html.escape(url)}">{html.escape(url)}</a></li>'
        for text, url in lines
    )
    body = (
        f"<p>{html.escape(greeting)}</p><p>{html.escape(intro)}</p><ul>{items}</ul>"
        f'<p><a href="{html.escape(home)}">{html.escape(link)}</a></p>'
        f"<p><small>{html.escape(footer)}</small></p>"
    )
    msg = EmailMessage()
    msg["Subject"] = t(
        "alerts.mail.subject", lang=lang, count=len(lines), date=fmt_date(digest.day, lang=lang)
    )
    msg["From"] = sender
    msg["To"] = user.email or ""
    msg["Date"] = formatdate(localtime=True)
    msg["Message-ID"] = make_msgid(domain=parseaddr(sender)[1].rpartition("@")[2] or None)
    msg.set_content("\n".join(plain))
    msg.add_alternative(f'<!doctype html><html lang="{lang}"><body>{body}</body></html>',
                        subtype="html")  # fmt: skip
    msg["Content-Language"] = lang  # after the body: setting it clears Content- headers
    return msg


@dataclass(frozen=True)
class Outcome:
    """What the day's sending did for one person: ``sent`` (with the number of alerts), or why
    not: ``no e-mail``, ``already sent today``, ``nothing new``."""

    username: str
    status: str
    alerts: int = 0
    email: str | None = None


def digests(
    wh: Warehouse, alerts: Sequence[Alert], people: Sequence[User], config: AlertsConfig,
    day: dt.date,
) -> tuple[list[Digest], list[Outcome]]:  # fmt: skip
    """The digests of ``day`` still to send, and why the others are not sent."""
    todo, skipped = [], []
    for user in people:
        mine = alerts_for(user, alerts, config)
        if not mine:
            continue
        if not user.email:
            skipped.append(Outcome(user.username, "no e-mail", len(mine)))
            continue
        if state.digest_sent(wh, user.username, day):
            skipped.append(Outcome(user.username, "already sent today", 0, user.email))
            continue
        sent = state.delivered(wh, user.username)
        new = [a for a in mine if (a.key, a.fingerprint) not in sent]
        if not new:
            skipped.append(Outcome(user.username, "nothing new", 0, user.email))
            continue
        before = {key for key, _ in sent}
        changed = frozenset(a.key for a in new if a.key in before)
        todo.append(Digest(user, day, tuple(new), changed))
    return todo, skipped


def send(
    wh: Warehouse,
    alerts: Sequence[Alert],
    people: Sequence[User],
    config: AlertsConfig,
    smtp: SmtpSettings | Callable[[], SmtpSettings],
    day: dt.date,
    now: dt.datetime | None = None,
) -> list[Outcome]:
    """Send the digests of ``day`` (see the module's text); each one sent is recorded at
    once, so a run that fails half-way sends the rest, and only the rest, when run again.
    ``smtp`` may be a function giving the settings, asked only when there is mail to send."""
    todo, outcomes = digests(wh, alerts, people, config, day)
    if todo:
        settings = smtp() if callable(smtp) else smtp
        try:
            with connection(settings) as send_one:
                for digest in todo:
                    send_one(message(digest, config, settings.sender))
                    state.record_delivery(wh, digest.user.username, digest.alerts, day,
                                          now or dt.datetime.now())  # fmt: skip
                    outcomes.append(
                        Outcome(digest.user.username, "sent", len(digest.alerts), digest.user.email)
                    )
        finally:
            wh.publish()  # what was recorded
    return sorted(outcomes, key=lambda o: o.username)
