"""``campaigns users``: who may sign in to the dashboard, and with which role."""

from __future__ import annotations

import contextlib
import json
import sys
from collections.abc import Iterator
from dataclasses import asdict

import click
from rich.table import Table

from cli.common import UserError, out
from etl import batches as batch_log
from etl.accounts import AccountError, Accounts, User, check_password
from etl.warehouse import Warehouse


def accounts_for(wh: Warehouse) -> Accounts:
    """The account store of the warehouse ``wh``."""
    return Accounts.for_warehouse(wh)


@contextlib.contextmanager
def account_refusals() -> Iterator[None]:
    """What the account store refuses (an AccountError) becomes a user error."""
    try:
        yield
    except AccountError as exc:
        raise UserError(str(exc)) from None


@click.group()
def users() -> None:
    """Manage who may sign in to the dashboard, and with which role.

    Example: campaigns users add amina --role grantee --organisation ADR
    """


def _new_password(password_stdin: bool, username: str) -> str:
    if password_stdin:
        password = sys.stdin.readline().rstrip("\r\n")
    else:
        password = click.prompt(
            f"Password for {username}", hide_input=True, confirmation_prompt=True, err=True
        )
    with account_refusals():
        check_password(password, username)
    return password


def _check_scope(wh: Warehouse, organisation: str | None, campaigns: tuple[str, ...]) -> None:
    """The organisation and campaigns named must exist in the warehouse."""
    if not (organisation or campaigns):
        return
    if not wh.exists():
        raise UserError(
            f"no warehouse at {wh.path}: load the programme set-up first, so that the "
            "organisation and campaigns exist"
        )
    known = batch_log.campaigns(wh)
    orgs = {r["organisation_code"] for r in known}
    codes = {r["code"] for r in known}
    if organisation and organisation not in orgs:
        raise UserError(
            f"organisation '{organisation}' has no campaigns in the warehouse; known "
            f"organisations: {', '.join(sorted(orgs)) or 'none'}"
        )
    unknown = [c for c in campaigns if c not in codes]
    if unknown:
        raise UserError(f"unknown campaign {', '.join(unknown)}; `campaigns list` shows the codes")


@users.command("add")
@click.argument("username")
@click.option(
    "--role", type=click.Choice(["officer", "grantee", "viewer"]), required=True, help="Role."
)
@click.option("--name", help="Full name shown in the dashboard (default: the username).")
@click.option("--organisation", metavar="CODE", help="A grantee's organisation code.")
@click.option(
    "--campaign",
    "-c",
    "campaign_codes",
    metavar="CODE",
    multiple=True,
    help="A viewer's campaign (repeat; none = every campaign).",
)
@click.option(
    "--email", help="E-mail: alert digests go there, and the OIDC provider signs in with it."
)
@click.option(
    "--language",
    type=click.Choice(["en", "ru", "kk"]),
    help="Language of the alert e-mails (default: English).",
)
@click.option(
    "--password-stdin", is_flag=True, help="Read the password from standard input, not a prompt."
)
@click.option(
    "--no-password", is_flag=True, help="No password: the account signs in through OIDC only."
)
@click.pass_obj
def users_add(
    wh: Warehouse,
    username: str,
    role: str,
    name: str | None,
    organisation: str | None,
    campaign_codes: tuple[str, ...],
    email: str | None,
    language: str | None,
    password_stdin: bool,
    no_password: bool,
) -> None:
    """Create an account; asks for its password twice unless told otherwise.

    Example: campaigns users add amina --role grantee --organisation ADR --name "Amina S."
    """
    _check_scope(wh, organisation, campaign_codes)
    password = None if no_password else _new_password(password_stdin, username)
    with account_refusals():
        user = accounts_for(wh).add(
            username,
            role,
            name=name,
            organisation=organisation,
            campaigns=campaign_codes or None,
            email=email,
            password=password,
            language=language,
        )
    out.print(f"added {user.role} {user.username}" + _scope_text(user))


def _scope_text(user: User) -> str:
    if user.organisation:
        return f" of {user.organisation}"
    if user.campaigns:
        return f" of {', '.join(user.campaigns)}"
    return ""


@users.command("remove")
@click.argument("username")
@click.pass_obj
def users_remove(wh: Warehouse, username: str) -> None:
    """Delete an account; its open sessions end at once.

    Example: campaigns users remove amina
    """
    with account_refusals():
        accounts_for(wh).remove(username)
    out.print(f"removed {username}")


@users.command("list")
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@click.pass_obj
def users_list(wh: Warehouse, as_json: bool) -> None:
    """List the accounts with their roles (never their passwords).

    Example: campaigns users list
    """
    accounts = accounts_for(wh).users()
    if as_json:
        click.echo(json.dumps([asdict(u) for u in accounts], ensure_ascii=False, indent=2))
        return
    if not accounts:
        out.print("no accounts yet: add one with `campaigns users add NAME --role officer`")
        return
    table = Table()
    for col in ("username", "name", "role", "organisation / campaigns", "e-mail", "language"):
        table.add_column(col)
    for u in accounts:
        scope = u.organisation or (", ".join(u.campaigns) if u.campaigns else "all")
        table.add_row(u.username, u.name, u.role, scope, u.email or "", u.language or "")
    out.print(table)


@users.command("set")
@click.argument("username")
@click.option("--name", help="Full name shown in the dashboard.")
@click.option("--email", help='E-mail for alert digests and OIDC sign-in ("" removes it).')
@click.option(
    "--language",
    type=click.Choice(["en", "ru", "kk", ""]),
    help='Language of the alert e-mails ("" for the default, English).',
)
@click.pass_obj
def users_set(
    wh: Warehouse, username: str, name: str | None, email: str | None, language: str | None
) -> None:
    """Change an account's name, e-mail or language.

    Example: campaigns users set amina --email amina@example.org --language kk
    """
    if name is None and email is None and language is None:
        raise UserError("nothing to change: give --name, --email or --language")
    with account_refusals():
        user = accounts_for(wh).update(username, name=name, email=email, language=language)
    out.print(
        f"{user.username}: {user.name}, e-mail {user.email or 'none'}, "
        f"language {user.language or 'en (default)'}"
    )


@users.command("set-password")
@click.argument("username")
@click.option(
    "--password-stdin", is_flag=True, help="Read the password from standard input, not a prompt."
)
@click.pass_obj
def users_set_password(wh: Warehouse, username: str, password_stdin: bool) -> None:
    """Replace an account's password; its open sessions end.

    Example: campaigns users set-password amina
    """
    accounts = accounts_for(wh)
    if accounts.get(username) is None:
        raise UserError(f"there is no account '{username}'; `campaigns users list` lists them")
    password = _new_password(password_stdin, username)
    with account_refusals():
        accounts.set_password(username, password)
    out.print(f"password of {username} changed; its sessions have ended")


COMMANDS = (users,)
