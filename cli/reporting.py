"""``campaigns reporting``: what each campaign owes per period and its state, and the steps of
the reporting cycle (submit, approve, return, reopen) with their audit trail.

The metrics layer (pandas) is imported when ``status`` runs, so that ``campaigns --help``
stays quick."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import click
from rich.table import Table

from cli.common import UserError, busy, language, out
from etl.messages import Message
from etl.reporting import (
    NARRATIVE_PARTS,
    Actor,
    ReportingRefused,
    history,
    load_settings,
    take_step,
)
from etl.warehouse import Warehouse

_PERIOD_HELP = "The period as YYYY-MM (its first month)."


def _said(exc: Exception) -> str:
    said = exc.args[0] if exc.args else str(exc)
    return said.render(language()) if isinstance(said, Message) else str(said)


def _actor(wh: Warehouse, username: str) -> Actor:
    from etl.accounts import Accounts

    user = Accounts.for_warehouse(wh).get(username)
    if user is None:
        raise UserError(f"there is no account '{username}'; `campaigns users list` lists them")
    return Actor(user.username, user.role, user.organisation)


def _value(value: object) -> object:
    """A cell of the owed table as JSON takes it: no NaT or NaN, times as datetimes."""
    import pandas as pd

    if isinstance(value, list | str) or value is None:
        return value
    if pd.isna(value):
        return None
    return value.to_pydatetime() if isinstance(value, pd.Timestamp) else value


def _need_warehouse(wh: Warehouse) -> None:
    if not wh.exists():
        raise UserError(f"no warehouse at {wh.path}: run `campaigns init` or `campaigns demo`")


def _narrative(path: Path | None) -> dict | None:
    """A narrative file: TOML or JSON with the parts achievements, challenges, success_story,
    or plain text (taken as the achievements)."""
    if path is None:
        return None
    text = path.read_text(encoding="utf-8")
    if path.suffix.lower() == ".json":
        return json.loads(text)
    if path.suffix.lower() == ".toml":
        import tomllib

        return tomllib.loads(text)
    return {"achievements": text}


def _step(
    wh: Warehouse,
    action: str,
    campaign: str,
    period: str,
    user: str,
    *,
    comment: str | None = None,
    narrative: dict | None = None,
    as_json: bool = False,
) -> None:
    _need_warehouse(wh)
    actor = _actor(wh, user)
    try:
        with busy():
            row = take_step(
                wh, action, campaign, period, actor, comment=comment, narrative=narrative
            )
    except ReportingRefused as exc:
        raise UserError(_said(exc)) from None
    if as_json:
        click.echo(json.dumps(row, ensure_ascii=False, indent=2, default=str))
    else:
        out.print(f"{campaign} {period}: {row['state']} ({actor.username})")


@click.group()
def reporting() -> None:
    """The reporting cycle: what each campaign owes per period, and its submission state.

    Example: campaigns reporting status --campaign PDP-01
    """


@reporting.command()
@click.option("--campaign", help="Only this campaign.")
@click.option("--period", help=_PERIOD_HELP)
@click.option(
    "--as-of",
    type=click.DateTime(formats=["%Y-%m-%d"]),
    help="The day to judge what is due at (default today).",
)
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@click.pass_obj
def status(
    wh: Warehouse,
    campaign: str | None,
    period: str | None,
    as_of: dt.datetime | None,
    as_json: bool,
) -> None:
    """Each campaign's periods and kinds owed: received, late, missing or not yet due, and the
    period's submission state.

    Example: campaigns reporting status --period 2026-04 --json
    """
    from dashboard.metrics.reporting import owed  # on use: see the module docstring

    _need_warehouse(wh)
    day = as_of.date() if as_of else dt.date.today()
    try:
        table = owed(wh, day, campaign=campaign, period=period, settings=load_settings())
    except ReportingRefused as exc:
        raise UserError(_said(exc)) from None
    rows = [{k: _value(v) for k, v in r.items()} for r in table.to_dict("records")]
    if as_json:
        click.echo(
            json.dumps({"as_of": day.isoformat(), "owed": rows}, ensure_ascii=False, indent=2,
                       default=str)
        )  # fmt: skip
        return
    if not rows:
        out.print("nothing owed")
        return
    grid = Table()
    for col in ("campaign", "period", "due", "kind", "state", "received", "batches", "submission"):
        grid.add_column(col)
    for r in rows:
        grid.add_row(
            r["campaign"], r["period"], r["due"].isoformat(), r["kind"], r["state"],
            f"{r['received_at']:%Y-%m-%d}" if r["received_at"] else "",
            ", ".join(map(str, r["batches"])), r["submission"] or "",
        )  # fmt: skip
    out.print(grid)


@reporting.command()
@click.argument("campaign")
@click.argument("period")
@click.option(
    "--narrative-file",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help=f"The narrative: TOML or JSON with {', '.join(NARRATIVE_PARTS)}, or plain text.",
)
@click.option("--user", "user", required=True, help="The account submitting.")
@click.option("--json", "as_json", is_flag=True, help="Print the period's state as JSON.")
@click.pass_obj
def submit(
    wh: Warehouse,
    campaign: str,
    period: str,
    narrative_file: Path | None,
    user: str,
    as_json: bool,
) -> None:
    """Submit a campaign's period (its grantee or an officer).

    Example: campaigns reporting submit PDP-01 2026-04 --narrative-file april.toml --user adr
    """
    _step(
        wh, "submit", campaign, period, user, narrative=_narrative(narrative_file),
        as_json=as_json,
    )  # fmt: skip


@reporting.command()
@click.argument("campaign")
@click.argument("period")
@click.option("--user", "user", required=True, help="The officer approving.")
@click.option("--json", "as_json", is_flag=True, help="Print the period's state as JSON.")
@click.pass_obj
def approve(wh: Warehouse, campaign: str, period: str, user: str, as_json: bool) -> None:
    """Approve a submitted period (an officer); it is then locked.

    Example: campaigns reporting approve PDP-01 2026-04 --user officer
    """
    _step(wh, "approve", campaign, period, user, as_json=as_json)


@reporting.command(name="return")
@click.argument("campaign")
@click.argument("period")
@click.option("--comment", required=True, help="What the grantee should change.")
@click.option("--user", "user", required=True, help="The officer returning it.")
@click.option("--json", "as_json", is_flag=True, help="Print the period's state as JSON.")
@click.pass_obj
def return_(
    wh: Warehouse, campaign: str, period: str, comment: str, user: str, as_json: bool
) -> None:
    """Return a submitted period to its grantee with a comment (an officer).

    Example: campaigns reporting return PDP-01 2026-04 --comment "Spend is missing" --user officer
    """
    _step(wh, "return", campaign, period, user, comment=comment, as_json=as_json)


@reporting.command()
@click.argument("campaign")
@click.argument("period")
@click.option("--reason", required=True, help="Why the approved period is reopened.")
@click.option("--user", "user", required=True, help="The officer reopening it.")
@click.option("--json", "as_json", is_flag=True, help="Print the period's state as JSON.")
@click.pass_obj
def reopen(
    wh: Warehouse, campaign: str, period: str, reason: str, user: str, as_json: bool
) -> None:
    """Reopen an approved period (an officer), which unlocks it.

    Example: campaigns reporting reopen PDP-01 2026-04 --reason "Late invoice" --user officer
    """
    _step(wh, "reopen", campaign, period, user, comment=reason, as_json=as_json)


@reporting.command(name="history")
@click.option("--campaign", help="Only this campaign.")
@click.option("--period", help=_PERIOD_HELP)
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@click.pass_obj
def history_(wh: Warehouse, campaign: str | None, period: str | None, as_json: bool) -> None:
    """Every step taken (who, when, what, the comment or reason), oldest first.

    Example: campaigns reporting history --campaign PDP-01
    """
    _need_warehouse(wh)
    steps = history(wh, campaign, period)
    if as_json:
        for s in steps:
            s["narrative"] = json.loads(s["narrative"]) if s["narrative"] else None
        click.echo(json.dumps(steps, ensure_ascii=False, indent=2, default=str))
        return
    if not steps:
        out.print("no step taken yet")
        return
    grid = Table()
    for col in ("when", "campaign", "period", "step", "from", "to", "who", "comment"):
        grid.add_column(col)
    for s in steps:
        grid.add_row(
            f"{s['taken_at']:%Y-%m-%d %H:%M}", s["campaign_code"], s["period"], s["action"],
            s["state_before"] or "", s["state_after"], f"{s['username']} ({s['role']})",
            s["comment"] or "",
        )  # fmt: skip
    out.print(grid)


COMMANDS = (reporting,)
