"""``campaigns alerts``: what the alert rules find today, recorded in the warehouse, and with
``--send`` the day's e-mail digests (one per person, in their language).

The dashboard's metrics and texts (pandas, Babel) are imported when the command runs, so that
``campaigns --help`` stays quick."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import click
from rich.table import Table

from cli.common import UserError, busy, out
from etl.warehouse import Warehouse


@click.command()
@click.option("--send", "send_mail", is_flag=True, help="Send the day's e-mail digests.")
@click.option(
    "--as-of",
    type=click.DateTime(formats=["%Y-%m-%d"]),
    help="The day to evaluate the rules at, and of the digest (default today).",
)
@click.option(
    "--config",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Alerts file laid over the defaults (or set CAMPAIGNS_ALERTS).",
)
@click.option("--json", "as_json", is_flag=True, help="Print the alerts (and digests) as JSON.")
@click.pass_obj
def alerts(
    wh: Warehouse, send_mail: bool, as_of: dt.datetime | None, config: Path | None, as_json: bool
) -> None:
    """List the alerts the rules find today (and record them: new, changed, closed).

    With --send, e-mail each person with an address one digest of the alerts they have not
    been sent in their current state; a second run the same day sends nothing new. Run it
    daily from cron or a systemd timer (docs/deployment.md).

    Example: campaigns alerts --send
    """
    from dashboard import alerts as alerting  # on use: see the module docstring
    from etl.accounts import Accounts
    from etl.alerts.config import ConfigError, load_config
    from etl.alerts.mail import MailError, smtp_settings

    if not wh.exists():
        raise UserError(f"no warehouse at {wh.path}: run `campaigns init` or `campaigns demo`")
    try:
        settings = load_config(config)
    except ConfigError as exc:
        raise UserError(str(exc)) from None
    day = as_of.date() if as_of else dt.date.today()
    with busy():
        found, changes = alerting.evaluate(wh, day, settings)
        outcomes = []
        if send_mail:
            people = Accounts.for_warehouse(wh).users()
            try:
                outcomes = alerting.send(wh, found, people, settings, smtp_settings, day)
            except MailError as exc:
                raise UserError(str(exc)) from None
    news = {**dict.fromkeys(changes.opened, "new"), **dict.fromkeys(changes.changed, "changed")}
    if as_json:
        click.echo(
            json.dumps(
                {
                    "as_of": day.isoformat(),
                    "alerts": [
                        {
                            "key": a.key,
                            "rule": a.rule,
                            "campaign": a.campaign,
                            "subject": a.subject,
                            "fingerprint": a.fingerprint,
                            "state": news.get(a.key, "open"),
                            "text": alerting.alert_text(a, "en"),
                        }
                        for a in found
                    ],
                    "closed": list(changes.closed),
                    "digests": [o.__dict__ for o in outcomes],
                },
                ensure_ascii=False,
                indent=2,
            )
        )
        return
    if not found:
        out.print(f"no alerts on {day.isoformat()}")
    else:
        table = Table()
        for col in ("rule", "campaign", "about", "state", "alert"):
            table.add_column(col)
        for a in found:
            table.add_row(
                a.rule, a.campaign or "", a.subject, news.get(a.key, "open"),
                alerting.alert_text(a, "en"),
            )  # fmt: skip
        out.print(table)
    if changes.closed:
        out.print(f"closed: {', '.join(changes.closed)}")
    for o in outcomes:
        if o.status == "sent":
            out.print(f"sent {o.username} <{o.email}> a digest of {o.alerts} alert(s)")
        elif o.status == "no e-mail":
            out.print(
                f"{o.username} has {o.alerts} alert(s) but no e-mail address "
                f"(`campaigns users set {o.username} --email ADDRESS`)"
            )
        else:
            out.print(f"{o.username}: {o.status}")
    if send_mail and not outcomes:
        out.print("no digest to send")


COMMANDS = (alerts,)
