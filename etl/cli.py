"""The ``campaigns`` command: thin verbs over the same functions the dashboard calls."""

from __future__ import annotations

import datetime as dt
import json
import sys
from pathlib import Path

import click
from rich.console import Console
from rich.markup import escape
from rich.table import Table

from etl import batches as batch_log
from etl.kinds import KIND_NAMES
from etl.load import LoadResult, UsageError, load_file
from etl.warehouse import ENV_VAR, Warehouse, WarehouseBusy

out = Console(highlight=False, soft_wrap=True, width=None if sys.stdout.isatty() else 200)
err = Console(
    stderr=True, highlight=False, soft_wrap=True, width=None if sys.stderr.isatty() else 200
)


class UserError(click.ClickException):
    """A problem the user can fix: message, exit code 1, no traceback."""

    exit_code = 1

    def show(self, file=None) -> None:  # noqa: ARG002 - click's signature
        err.print(f"[red]Error:[/red] {self.format_message()}")


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.option(
    "--warehouse",
    type=click.Path(dir_okay=False, path_type=Path),
    envvar=ENV_VAR,
    default="data/warehouse.duckdb",
    show_default=True,
    help=f"DuckDB warehouse file (or set {ENV_VAR}).",
)
@click.pass_context
def cli(ctx: click.Context, warehouse: Path) -> None:
    """Load campaign data into the programme's warehouse and inspect the loads.

    Example: campaigns load metrics.csv --campaign PDP-01
    """
    ctx.obj = Warehouse(warehouse)


def _wh(ctx: click.Context) -> Warehouse:
    return ctx.obj


@cli.command()
@click.pass_context
def init(ctx: click.Context) -> None:
    """Create the warehouse or bring its schema up to date.

    Example: campaigns --warehouse data/warehouse.duckdb init
    """
    wh = _wh(ctx)
    with _busy():
        versions = wh.migrate()
    out.print(
        f"warehouse {wh.path} is at schema version {max(versions)} "
        f"({len(versions)} migrations applied)"
    )


@cli.command()
@click.argument("file", type=click.Path(path_type=Path))
@click.option("--campaign", "-c", metavar="CODE", help="Campaign the file belongs to.")
@click.option(
    "--kind",
    "-k",
    type=click.Choice(KIND_NAMES),
    help="What the file holds; detected from its header when left out.",
)
@click.option("--dry-run", is_flag=True, help="Check the file and report; change nothing.")
@click.option(
    "--skip-invalid",
    is_flag=True,
    help="Load the valid rows; keep the invalid ones with their errors.",
)
@click.option(
    "--as-of",
    type=click.DateTime(formats=["%Y-%m-%d"]),
    help="Export date of a platform's per-post file (its totals so far); default today.",
)
@click.option(
    "--date-order",
    type=click.Choice(["dmy", "mdy"]),
    help="How to read slashed dates (03/04/2026) when no date of the column tells: dmy "
    "(day first, the default) or mdy (month first).",
)
@click.option(
    "--mapping",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Form mapping (TOML): which question of a form's responses is which field. Without "
    "it, the campaign's saved mapping is used, else one is proposed.",
)
@click.option("--json", "as_json", is_flag=True, help="Print the batch summary as JSON.")
@click.pass_context
def load(
    ctx: click.Context,
    file: Path,
    campaign: str | None,
    kind: str | None,
    dry_run: bool,
    skip_invalid: bool,
    as_of: dt.datetime | None,
    date_order: str | None,
    mapping: Path | None,
    as_json: bool,
) -> None:
    """Check a file and load it as one batch: all of it or none of it.

    Example: campaigns load data/templates/metrics.en.csv --campaign PDP-01 --dry-run
    """
    if not file.is_file():
        raise click.BadParameter(f"no such file: {file}", param_hint="FILE")
    form = None
    if mapping is not None:
        from etl import forms

        try:
            form = forms.load_mapping(mapping)
        except forms.MappingError as exc:
            raise click.BadParameter(str(exc), param_hint="--mapping") from None
    wh = _wh(ctx)
    if form is None and campaign:  # a form's responses: the mapping saved with the campaign
        from etl.forms import saved_mapping

        form = saved_mapping(wh, campaign, file, kind=kind)
    status = err.status("reading", spinner="dots") if sys.stderr.isatty() and not as_json else None
    try:
        if status:
            status.start()
        result = load_file(
            wh,
            file,
            campaign=campaign,
            kind=kind,
            dry_run=dry_run,
            skip_invalid=skip_invalid,
            progress=(lambda s: status.update(s)) if status else None,
            as_of=as_of.date() if as_of else None,
            date_order=date_order,
            mapping=form,
        )
    except UsageError as exc:
        raise click.UsageError(str(exc)) from None
    except WarehouseBusy as exc:
        raise UserError(str(exc)) from None
    finally:
        if status:
            status.stop()
    if as_json:
        click.echo(json.dumps(result.to_dict(), ensure_ascii=False, indent=2, default=str))
    else:
        _print_result(result)
    ctx.exit(0 if result.ok else 1)


def _print_result(r: LoadResult) -> None:
    colour = {"loaded": "green", "already_loaded": "yellow", "dry_run": "cyan"}.get(r.status, "red")
    head = r.message or r.status
    if r.batch_id and r.status in ("loaded", "rejected"):
        head = f"batch {r.batch_id}: {head}"
    out.print(f"[{colour}]{head}[/{colour}]")
    if r.kind:
        det = r.detected
        bits = [f"kind {r.kind}" + (" (detected)" if r.kind_detected else "")]
        for key in ("format", "encoding", "delimiter", "decimal_mark", "sheet", "header_row"):
            if key in det:
                bits.append(f"{key.replace('_', ' ')} {det[key]}")
        out.print("  " + ", ".join(bits))
        if "export" in det:
            line = f"  recognised: {det['export']}"
            if "as_of" in det:
                line += f"; post totals as of {det['as_of']} (--as-of to change)"
            out.print(line)
        for note in det.get("notes", []):
            out.print(f"  note: {escape(note)}")
    if r.rows_blank:
        out.print(f"  {r.rows_blank} empty rows skipped")
    for title, issues, total in (
        ("errors", r.errors, r.errors_total),
        ("warnings", r.warnings, r.warnings_total),
    ):
        if not issues:
            continue
        noun = title if total != 1 else title.removesuffix("s")
        table = Table(title=f"{total} {noun}", title_justify="left", show_lines=False)
        for col in ("row", "column", "value", "what to fix"):
            table.add_column(col, overflow="fold")
        for i in issues[:50]:
            table.add_row(  # messages name mapping sections ([form]): not markup
                "" if i.row is None else str(i.row),
                escape(i.column or ""),
                "" if i.value is None else escape(str(i.value)),
                escape(i.message),
            )
        out.print(table)
        if total > 50:
            out.print(f"  ... and {total - 50} more {title} (use --json for the full list)")


@cli.command("list")
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@click.pass_context
def list_(ctx: click.Context, as_json: bool) -> None:
    """List the campaigns.

    Example: campaigns list --json
    """
    rows = batch_log.campaigns(_wh(ctx))
    if as_json:
        click.echo(json.dumps(rows, ensure_ascii=False, indent=2, default=str))
        return
    if not rows:
        out.print("no campaigns yet: load the programme set-up (campaigns load programme.xlsx)")
        return
    table = Table()
    for col in ("code", "name", "organisation", "thematic area", "start", "end", "status"):
        table.add_column(col)
    for r in rows:
        table.add_row(
            r["code"],
            r["name"],
            r["organisation"],
            r["thematic_area"],
            str(r["start_date"]),
            str(r["end_date"]),
            r["status"],
        )
    out.print(table)


@cli.command()
@click.option("--campaign", "-c", metavar="CODE", help="Only this campaign's loads.")
@click.option("--limit", default=50, show_default=True, help="Newest N loads.")
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@click.pass_context
def batches(ctx: click.Context, campaign: str | None, limit: int, as_json: bool) -> None:
    """List loads: when, who, file, checksum, rows read, loaded, rejected, status.

    Example: campaigns batches --campaign PDP-01
    """
    rows = batch_log.batches(_wh(ctx), campaign=campaign, limit=limit)
    if as_json:
        click.echo(json.dumps(rows, ensure_ascii=False, indent=2, default=str))
        return
    table = Table()
    for col in (
        "batch",
        "when",
        "who",
        "kind",
        "campaign",
        "file",
        "checksum",
        "read",
        "loaded",
        "rejected",
        "status",
    ):
        table.add_column(col, overflow="fold")
    for r in rows:
        table.add_row(
            str(r["batch_id"]),
            f"{r['started_at']:%Y-%m-%d %H:%M}",
            r["loaded_by"] or r["source"],
            r["kind"],
            r["campaign_code"] or "",
            r["source_name"] or "",
            (r["checksum"] or "")[:12],
            str(r["rows_read"] or 0),
            str(r["rows_loaded"] or 0),
            str(r["rows_rejected"] or 0),
            r["status"],
        )
    out.print(table)


@cli.command()
@click.argument("batch", type=int)
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@click.pass_context
def undo(ctx: click.Context, batch: int, as_json: bool) -> None:
    """Revert one batch exactly, restoring any values it had replaced.

    Example: campaigns undo 12
    """
    try:
        with _busy():
            summary = batch_log.undo(_wh(ctx), batch)
    except batch_log.UndoRefused as exc:
        raise UserError(str(exc)) from None
    if as_json:
        click.echo(json.dumps(summary, ensure_ascii=False, indent=2, default=str))
    else:
        out.print(
            f"[green]batch {batch} undone[/green]: {summary['rows_removed']} rows removed,"
            f" {summary['rows_restored']} earlier rows restored"
        )


@cli.command()
@click.option("--email", metavar="ADDRESS", help="The respondent's e-mail address.")
@click.option("--phone", metavar="NUMBER", help="The respondent's phone number, in any form.")
@click.option("--name", metavar="NAME", help="The respondent's name as they gave it.")
@click.option("--campaign", "-c", metavar="CODE", help="Only this campaign's feedback.")
@click.option(
    "--older-than",
    type=click.IntRange(min=0),
    metavar="DAYS",
    help="Instead of a respondent: remove the kept files of loads older than DAYS days (0: "
    "every kept file); loads apply CAMPAIGNS_KEEP_FILES_DAYS themselves.",
)
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@click.pass_context
def forget(
    ctx: click.Context,
    email: str | None,
    phone: str | None,
    name: str | None,
    campaign: str | None,
    older_than: int | None,
    as_json: bool,
) -> None:
    """Remove a respondent's data on their request: responses, rows kept for correction, kept
    files that hold them (originals and masked copies) and their mentions in the load log's
    errors. The erasure is logged without the identifier. With --older-than, remove kept files
    by age instead.

    Example: campaigns forget --email aigerim@example.kz
    """
    from etl import privacy

    if older_than is not None:
        if email or phone or name or campaign:
            raise click.UsageError(
                "--older-than removes kept files by age; give it without --email, --phone, "
                "--name or --campaign"
            )
        with _busy():
            summary = batch_log.prune(_wh(ctx), older_than)
        if as_json:
            click.echo(json.dumps(summary, ensure_ascii=False, indent=2))
        else:
            out.print(
                f"[green]kept files older than {older_than} days removed[/green]: "
                f"{summary['files_removed']} files, {summary['batches']} loads now say so"
            )
        return
    try:
        with _busy():
            summary = privacy.forget(
                _wh(ctx), email=email, phone=phone, name=name, campaign=campaign
            )
    except ValueError as exc:
        raise click.UsageError(str(exc)) from None
    if as_json:
        click.echo(json.dumps(summary, ensure_ascii=False, indent=2))
    else:
        out.print(
            f"[green]forgotten[/green]: {summary['responses_removed']} responses removed, "
            f"{summary['comments_redacted']} comments with the name blacked out, "
            f"{summary['rejected_rows_removed']} rows kept for correction removed, "
            f"{summary['files_removed']} kept files removed"
        )


@cli.command()
@click.option("--force", is_flag=True, help="Rebuild even if the warehouse exists.")
@click.pass_context
def demo(ctx: click.Context, force: bool) -> None:
    """Build the demo programme: five campaigns, loaded through the ordinary loaders.

    Example: campaigns --warehouse /tmp/demo.duckdb demo
    """
    from etl.demo_build import build_demo

    wh = _wh(ctx)
    if wh.exists() and not force:
        raise UserError(f"{wh.path} already exists; use --force to replace it with the demo")
    with _busy():
        results = build_demo(wh, replace=force, progress=lambda m: err.print(m))
    bad = [r for r in results if not r.ok]
    for r in results:
        out.print(f"  {r.file:<28} {r.kind:<13} {r.campaign or '':<8} {r.message}")
    if bad:
        raise UserError(f"{len(bad)} demo files did not load")
    out.print(f"[green]demo programme ready in {wh.path}[/green]")
    from etl.demo_build import DEMO_ACCOUNTS, demo_password

    out.print("demo accounts (username / password):")
    for username, role, organisation, _name in DEMO_ACCOUNTS:
        scope = f" of {organisation}" if organisation else ""
        out.print(f"  {username:<8} {demo_password(username):<18} {role}{scope}")


@cli.command()
@click.option(
    "--out",
    "out_dir",
    type=click.Path(file_okay=False, path_type=Path),
    default=Path("data/templates"),
    show_default=True,
    help="Folder to write into.",
)
def templates(out_dir: Path) -> None:
    """Write the blank upload templates (CSV and XLSX, English, Russian and Kazakh headers).

    Example: campaigns templates --out ~/templates
    """
    from etl.templates import write_templates

    paths = write_templates(out_dir)
    out.print(f"{len(paths)} templates written to {out_dir}")


@cli.command()
@click.option(
    "--source",
    "-s",
    "names",
    multiple=True,
    metavar="NAME",
    help="Only this source (repeat for more); every source when left out.",
)
@click.option(
    "--config",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Sources file (or set CAMPAIGNS_SOURCES); default sources.toml.",
)
@click.option("--json", "as_json", is_flag=True, help="Print one summary per source as JSON.")
@click.pass_context
def sync(ctx: click.Context, names: tuple[str, ...], config: Path | None, as_json: bool) -> None:
    """Read the Google Sheets listed in the sources file and load each one as a batch.

    An unchanged sheet changes nothing; a sheet that cannot be read is reported and the others
    are still loaded. Exit code 0 when every source loaded or was unchanged, 1 otherwise.

    Example: campaigns sync --source pdp-metrics
    """
    from etl import sheets, sources

    try:
        path = sources.sources_path(config)
        chosen = sources.load_sources(path)
        if names:
            known = {s.name for s in chosen}
            unknown = [n for n in names if n not in known]
            if unknown:
                raise sources.ConfigError(
                    f"{path} has no source {', '.join(repr(n) for n in unknown)}; it has "
                    + ", ".join(repr(s.name) for s in chosen)
                )
            chosen = [s for s in chosen if s.name in names]
        info = sources.service_account_info()
        wh = _wh(ctx)
        status = (
            err.status("syncing", spinner="dots") if sys.stderr.isatty() and not as_json else None
        )
        try:
            if status:
                status.start()
            with _busy():
                results = sheets.sync(
                    wh, chosen, info, progress=(lambda m: status.update(m)) if status else None
                )
        finally:
            if status:
                status.stop()
    except (sources.ConfigError, UsageError) as exc:
        raise click.UsageError(str(exc)) from None
    if as_json:
        click.echo(
            json.dumps([r.to_dict() for r in results], ensure_ascii=False, indent=2, default=str)
        )
    else:
        _print_sync(results)
    ctx.exit(0 if all(r.ok for r in results) else 1)


def _print_sync(results: list) -> None:
    colours = {"loaded": "green", "unchanged": "yellow"}
    table = Table()
    for col in ("source", "status", "rows loaded", "batch", "message"):
        table.add_column(col, overflow="fold")
    for r in results:
        colour = colours.get(r.status, "red")
        table.add_row(
            r.name,
            f"[{colour}]{r.status}[/{colour}]",
            str(r.rows_loaded),
            "" if r.batch_id is None else str(r.batch_id),
            r.message,
        )
    out.print(table)
    for r in results:
        if r.status != "rejected" or not r.errors:
            continue
        issues = Table(title=f"{r.name}: {r.errors_total} errors", title_justify="left")
        for col in ("row", "column", "value", "what to fix"):
            issues.add_column(col, overflow="fold")
        for i in r.errors[:20]:
            issues.add_row(
                "" if i.row is None else str(i.row),
                i.column or "",
                "" if i.value is None else str(i.value),
                i.message,
            )
        out.print(issues)
        if r.errors_total > 20:
            out.print(f"  ... and {r.errors_total - 20} more errors (use --json for the list)")
    for r in results:
        if r.warnings:
            out.print(f"{r.name}: {len(r.warnings)} warnings")
            for w in r.warnings[:10]:
                out.print(f"  {w}")
            if len(r.warnings) > 10:
                out.print(f"  ... and {len(r.warnings) - 10} more (use --json for the list)")
    bad = [r for r in results if not r.ok]
    if bad:
        out.print(f"[red]{len(bad)} of {len(results)} sources not loaded[/red]")


@cli.group()
def users() -> None:
    """Manage who may sign in to the dashboard, and with which role.

    Example: campaigns users add amina --role grantee --organisation ADR
    """


def _accounts(ctx: click.Context):
    from etl.accounts import Accounts

    return Accounts.for_warehouse(_wh(ctx))


def _new_password(password_stdin: bool, username: str) -> str:
    from etl.accounts import AccountError, check_password

    if password_stdin:
        password = sys.stdin.readline().rstrip("\r\n")
    else:
        password = click.prompt(
            f"Password for {username}", hide_input=True, confirmation_prompt=True, err=True
        )
    try:
        check_password(password, username)
    except AccountError as exc:
        raise UserError(str(exc)) from None
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
@click.option("--email", help="E-mail the OIDC provider signs this person in with.")
@click.option(
    "--password-stdin", is_flag=True, help="Read the password from standard input, not a prompt."
)
@click.option(
    "--no-password", is_flag=True, help="No password: the account signs in through OIDC only."
)
@click.pass_context
def users_add(
    ctx: click.Context,
    username: str,
    role: str,
    name: str | None,
    organisation: str | None,
    campaign_codes: tuple[str, ...],
    email: str | None,
    password_stdin: bool,
    no_password: bool,
) -> None:
    """Create an account; asks for its password twice unless told otherwise.

    Example: campaigns users add amina --role grantee --organisation ADR --name "Amina S."
    """
    from etl.accounts import AccountError

    _check_scope(_wh(ctx), organisation, campaign_codes)
    password = None if no_password else _new_password(password_stdin, username)
    try:
        user = _accounts(ctx).add(
            username,
            role,
            name=name,
            organisation=organisation,
            campaigns=campaign_codes or None,
            email=email,
            password=password,
        )
    except AccountError as exc:
        raise UserError(str(exc)) from None
    out.print(f"added {user.role} {user.username}" + _scope_text(user))


def _scope_text(user) -> str:
    if user.organisation:
        return f" of {user.organisation}"
    if user.campaigns:
        return f" of {', '.join(user.campaigns)}"
    return ""


@users.command("remove")
@click.argument("username")
@click.pass_context
def users_remove(ctx: click.Context, username: str) -> None:
    """Delete an account; its open sessions end at once.

    Example: campaigns users remove amina
    """
    from etl.accounts import AccountError

    try:
        _accounts(ctx).remove(username)
    except AccountError as exc:
        raise UserError(str(exc)) from None
    out.print(f"removed {username}")


@users.command("list")
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@click.pass_context
def users_list(ctx: click.Context, as_json: bool) -> None:
    """List the accounts with their roles (never their passwords).

    Example: campaigns users list
    """
    from dataclasses import asdict

    accounts = _accounts(ctx).users()
    if as_json:
        click.echo(json.dumps([asdict(u) for u in accounts], ensure_ascii=False, indent=2))
        return
    if not accounts:
        out.print("no accounts yet: add one with `campaigns users add NAME --role officer`")
        return
    table = Table()
    for col in ("username", "name", "role", "organisation / campaigns", "e-mail"):
        table.add_column(col)
    for u in accounts:
        scope = u.organisation or (", ".join(u.campaigns) if u.campaigns else "all")
        table.add_row(u.username, u.name, u.role, scope, u.email or "")
    out.print(table)


@users.command("set-password")
@click.argument("username")
@click.option(
    "--password-stdin", is_flag=True, help="Read the password from standard input, not a prompt."
)
@click.pass_context
def users_set_password(ctx: click.Context, username: str, password_stdin: bool) -> None:
    """Replace an account's password; its open sessions end.

    Example: campaigns users set-password amina
    """
    from etl.accounts import AccountError

    accounts = _accounts(ctx)
    if accounts.get(username) is None:
        raise UserError(f"there is no account '{username}'; `campaigns users list` lists them")
    password = _new_password(password_stdin, username)
    try:
        accounts.set_password(username, password)
    except AccountError as exc:
        raise UserError(str(exc)) from None
    out.print(f"password of {username} changed; its sessions have ended")


@cli.command("export-setup")
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
@click.option(
    "--language",
    "-l",
    type=click.Choice(["en", "ru", "kk"]),
    default="en",
    show_default=True,
    help="Language of the sheet names and column headers.",
)
@click.pass_context
def export_setup(ctx: click.Context, file: Path, language: str) -> None:
    """Write the programme set-up as a workbook to edit and load back with `campaigns load`.

    The workbook has the template's sheets (organisations, campaigns, budget, targets,
    channels) with every current row. Loading it unedited changes nothing; a campaign edited
    in it is restated whole.

    Example: campaigns export-setup setup.xlsx --language ru
    """
    from etl.programme import export_setup as write_export

    wh = _wh(ctx)
    if not wh.exists():
        raise UserError(f"no warehouse at {wh.path}; load the programme set-up first")
    counts = write_export(wh, file, language)
    listed = ", ".join(f"{n} {kind.replace('_', ' ')}" for kind, n in counts.items())
    out.print(f"wrote {file}: {listed}")


# --- donor reports ----------------------------------------------------------------------------

_FORMAT_CHOICES = ("xlsx", "package", "pdf", "all")


def _quiet_streamlit() -> None:
    """The report code runs outside a Streamlit server; keep its start-up warnings quiet."""
    import streamlit.logger

    streamlit.logger.set_log_level("error")


def _day(value: dt.date | dt.datetime) -> dt.date:
    return value.date() if isinstance(value, dt.datetime) else value


def _report_request(start: dt.date, end: dt.date, campaigns: tuple[str, ...], organisation):
    from dashboard.report import ReportError, Request

    try:
        return Request(_day(start), _day(end), tuple(campaigns), organisation)
    except ReportError as exc:
        raise UserError(str(exc)) from None


def _reader_scope(ctx: click.Context, username: str | None):
    """The scope of the account ``username`` (everything without one)."""
    if not username:
        return None
    from dashboard.auth import scope_of

    user = _accounts(ctx).get(username)
    if user is None:
        raise UserError(f"no account '{username}'; `campaigns users list` shows them")
    return scope_of(user)


def _report_warehouse(ctx: click.Context) -> Warehouse:
    """The warehouse, its schema brought up to date (submitted reports need migration 4)."""
    wh = _wh(ctx)
    if not wh.exists():
        raise UserError(f"no warehouse at {wh.path}; run `campaigns demo` or load data first")
    with _busy():
        wh.migrate()
    return wh


def _reporting_config(path: Path | None):
    from dashboard.report.config import ConfigError, load_config

    try:
        return load_config(path)
    except ConfigError as exc:
        raise UserError(str(exc)) from None


def _write_files(files: dict[str, bytes], report, output: Path | None) -> list[Path]:
    from dashboard.report import file_name

    written = []
    for fmt, content in files.items():
        if output is not None and len(files) == 1 and output.suffix:
            target = output
        else:
            target = (output or Path(".")) / file_name(report, fmt)
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(content)
        written.append(target)
    return written


_selection_options = [
    click.option("--from", "start", type=click.DateTime(["%Y-%m-%d"]), required=True,
                 help="First day of the reporting period (YYYY-MM-DD)."),
    click.option("--to", "end", type=click.DateTime(["%Y-%m-%d"]), required=True,
                 help="Last day of the reporting period (YYYY-MM-DD)."),
    click.option("--campaign", "-c", "campaigns", multiple=True, metavar="CODE",
                 help="Only this campaign (repeat for several). Default: the whole programme."),
    click.option("--organisation", metavar="CODE", help="Only this grantee's campaigns."),
    click.option("--config", "config_path", type=click.Path(dir_okay=False, path_type=Path),
                 help="Reporting file (default: CAMPAIGNS_REPORTING, else the shipped one)."),
]  # fmt: skip


def _with_selection(func):
    for option in reversed(_selection_options):
        func = option(func)
    return func


@cli.command("export")
@_with_selection
@click.option(
    "--format",
    "fmt",
    type=click.Choice(_FORMAT_CHOICES),
    default="all",
    show_default=True,
    help="xlsx workbook, package (CSV zip) or pdf summary.",
)
@click.option(
    "--output",
    "-o",
    type=click.Path(path_type=Path),
    help="Folder for the files, or a file name when one format is asked for.",
)
@click.option(
    "--user",
    "username",
    metavar="USERNAME",
    help="Export as this account sees the data (a grantee: its campaigns only).",
)
@click.pass_context
def export_report(
    ctx: click.Context,
    start: dt.datetime,
    end: dt.datetime,
    campaigns: tuple[str, ...],
    organisation: str | None,
    config_path: Path | None,
    fmt: str,
    output: Path | None,
    username: str | None,
) -> None:
    """Export the donor's report for a reporting period: workbook, CSV data package, PDF.

    The figures are the dashboard's (one metrics layer). When a report of the same period and
    campaigns was submitted, the export lists what changed since.

    Example: campaigns export --from 2026-03-01 --to 2026-11-30 -c PDP-01 --format xlsx
    """
    _quiet_streamlit()
    from dashboard import data
    from dashboard.report import FORMATS, ReportError, export

    wh = _report_warehouse(ctx)
    request = _report_request(start, end, campaigns, organisation)
    config = _reporting_config(config_path)
    formats = FORMATS if fmt == "all" else (fmt,)
    with data.scoped(_reader_scope(ctx, username)):
        try:
            result = export(wh, request, config, formats=formats)
        except ReportError as exc:
            raise UserError(str(exc)) from None
    for path in _write_files(result.files, result.report, output):
        out.print(f"wrote {path}")
    if result.compared_with is not None:
        c = result.compared_with
        out.print(
            f"compared with submitted report #{c.report_id} ({c.title}): "
            f"{len(result.changes)} figure(s) changed"
        )


@cli.group()
def report() -> None:
    """Submitted donor reports: mark a report as submitted, list them, download them again.

    Example: campaigns report submit --from 2026-03-01 --to 2026-11-30 --title "Interim 1"
    --by officer
    """


@report.command("submit")
@_with_selection
@click.option("--title", required=True, help="The report's title, e.g. 'Interim report 1'.")
@click.option(
    "--by",
    "username",
    required=True,
    metavar="USERNAME",
    help="The officer submitting it (an officer account).",
)
@click.pass_context
def report_submit(
    ctx: click.Context,
    start: dt.datetime,
    end: dt.datetime,
    campaigns: tuple[str, ...],
    organisation: str | None,
    config_path: Path | None,
    title: str,
    username: str,
) -> None:
    """Produce the report and keep its figures and files frozen as submitted."""
    _quiet_streamlit()
    from dashboard.report import ReportError, submit

    user = _accounts(ctx).get(username)
    if user is None or user.role != "officer":
        raise UserError(
            f"'{username}' is not an officer's account: only officers mark reports as submitted"
        )
    wh = _report_warehouse(ctx)
    request = _report_request(start, end, campaigns, organisation)
    config = _reporting_config(config_path)
    try:
        with _busy():
            report_id, _ = submit(wh, request, config, title=title, submitted_by=username)
    except (ReportError, ValueError) as exc:
        raise UserError(str(exc)) from None
    out.print(f"submitted report #{report_id}: {title}")


@report.command("list")
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@click.pass_context
def report_list(ctx: click.Context, as_json: bool) -> None:
    """The submitted reports, newest first."""
    _quiet_streamlit()
    from dashboard.report import freeze

    df = freeze.submitted(_report_warehouse(ctx))
    if as_json:
        out.print_json(df.to_json(orient="records", date_format="iso"))
        return
    table = Table("#", "title", "scope", "period", "submitted", "by")
    for r in df.itertuples():
        table.add_row(
            str(r.report_id),
            r.title,
            r.scope,
            f"{_day_text(r.period_start)} to {_day_text(r.period_end)}",
            str(r.submitted_at)[:16],
            r.submitted_by,
        )
    out.print(table if len(df) else "no report submitted yet")


def _day_text(value) -> str:
    return str(value)[:10]


@report.command("download")
@click.argument("report_id", type=int)
@click.option(
    "--format", "fmt", type=click.Choice(_FORMAT_CHOICES), default="all", show_default=True
)
@click.option(
    "--output",
    "-o",
    type=click.Path(path_type=Path),
    help="Folder for the files, or a file name when one format is asked for.",
)
@click.pass_context
def report_download(ctx: click.Context, report_id: int, fmt: str, output: Path | None) -> None:
    """Write a submitted report's files exactly as they were submitted."""
    _quiet_streamlit()
    from dashboard.report import freeze

    found = freeze.stored(_report_warehouse(ctx), report_id)
    if found is None:
        raise UserError(f"no submitted report #{report_id}; `campaigns report list` shows them")
    files = found.files if fmt == "all" else {fmt: found.files[fmt]}
    for path in _write_files(files, found.report, output):
        out.print(f"wrote {path}")


@report.command("check")
@click.option("--config", "config_path", type=click.Path(dir_okay=False, path_type=Path))
def report_check(config_path: Path | None) -> None:
    """Check the reporting file (programme settings and logframe indicators)."""
    _quiet_streamlit()
    config = _reporting_config(config_path)
    out.print(f"{config.path}: {len(config.indicators)} indicators, fine")


class _busy:
    """Turn 'another load is running' into a user error."""

    def __enter__(self):
        return self

    def __exit__(self, exc_type, exc, tb):
        if isinstance(exc, WarehouseBusy):
            raise UserError(str(exc)) from None
        return False


def main() -> None:
    cli(prog_name="campaigns")


if __name__ == "__main__":
    main()
