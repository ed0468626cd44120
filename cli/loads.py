"""``campaigns init``, ``load``, ``list``, ``batches``, ``undo`` and ``forget``: the warehouse,
the files loaded into it, and taking data back out."""

from __future__ import annotations

import datetime as dt
import json
import sys
from pathlib import Path

import click
from rich.markup import escape
from rich.table import Table

from cli.common import UserError, busy, err, language, out, say
from etl import batches as batch_log
from etl import erasure, forms
from etl.kinds import KIND_NAMES
from etl.load import LoadResult, UsageError, load_file
from etl.load.result import summary_message
from etl.messages import Message
from etl.warehouse import Warehouse, WarehouseBusy


@click.command()
@click.pass_obj
def init(wh: Warehouse) -> None:
    """Create the warehouse or bring its schema up to date.

    Example: campaigns --warehouse data/warehouse.duckdb init
    """
    with busy():
        versions = wh.migrate()
    out.print(
        f"warehouse {wh.path} is at schema version {max(versions)} "
        f"({len(versions)} migrations applied)"
    )


@click.command()
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
        try:
            form = forms.load_mapping(mapping)
        except forms.MappingError as exc:
            raise click.BadParameter(str(exc), param_hint="--mapping") from None
    wh: Warehouse = ctx.obj
    if form is None and campaign:  # a form's responses: the mapping saved with the campaign
        form = forms.saved_mapping(wh, campaign, file, kind=kind)
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
    lang = language()
    colour = {"loaded": "green", "already_loaded": "yellow", "dry_run": "cyan"}.get(r.status, "red")
    head = summary_message(r, lang) if r.message else r.status
    if r.batch_id and r.status in ("loaded", "rejected"):
        head = say("cli.batch_head", batch=r.batch_id, text=head)
    out.print(f"[{colour}]{escape(head)}[/{colour}]")
    if r.kind:
        _print_detected(r)
    if r.rows_blank:
        out.print("  " + say("cli.blank_rows", count=r.rows_blank))
    for title, issues, total in (
        ("errors", r.errors, r.errors_total),
        ("warnings", r.warnings, r.warnings_total),
    ):
        if not issues:
            continue
        table = Table(
            title=say(f"cli.{title}", count=total), title_justify="left", show_lines=False
        )
        for col in ("row", "column", "value", "fix"):
            table.add_column(say(f"cli.col.{col}"), overflow="fold")
        for i in issues[:50]:
            table.add_row(  # messages name mapping sections ([form]): not markup
                "" if i.row is None else str(i.row),
                escape(i.column or ""),
                "" if i.value is None else escape(str(i.value)),
                escape(i.text(lang)),
            )
        out.print(table)
        if total > 50:
            out.print("  " + say(f"cli.more_{title}", count=total - 50))


def _print_detected(r: LoadResult) -> None:
    """What was found out about the file: its kind, format, export and notes."""
    det = r.detected
    kind = say(
        "cli.detected.kind_detected" if r.kind_detected else "cli.detected.kind", kind=r.kind
    )
    bits = [kind]
    for key in ("format", "encoding", "delimiter", "decimal_mark", "sheet", "header_row"):
        if key in det:
            bits.append(say(f"cli.detected.{key}", value=det[key]))
    out.print("  " + ", ".join(bits))
    if "export" in det:
        line = "  " + say("cli.detected.export", export=det.get("export_name", det["export"]))
        if "as_of" in det:
            line += say("cli.detected.as_of", day=det["as_of"])
        out.print(line)
    for note in det.get("notes", []):  # notes stay in English (see etl.messages)
        out.print("  " + say("cli.detected.note", note=escape(note)))


@click.command("list")
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@click.pass_obj
def list_(wh: Warehouse, as_json: bool) -> None:
    """List the campaigns.

    Example: campaigns list --json
    """
    rows = batch_log.campaigns(wh)
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


_BATCH_COLUMNS = (
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
)


@click.command()
@click.option("--campaign", "-c", metavar="CODE", help="Only this campaign's loads.")
@click.option("--limit", default=50, show_default=True, help="Newest N loads.")
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@click.pass_obj
def batches(wh: Warehouse, campaign: str | None, limit: int, as_json: bool) -> None:
    """List loads: when, who, file, checksum, rows read, loaded, rejected, status.

    Example: campaigns batches --campaign PDP-01
    """
    rows = batch_log.batches(wh, campaign=campaign, limit=limit)
    if as_json:
        click.echo(json.dumps(rows, ensure_ascii=False, indent=2, default=str))
        return
    table = Table()
    for col in _BATCH_COLUMNS:
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


@click.command()
@click.argument("batch", type=int)
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@click.pass_obj
def undo(wh: Warehouse, batch: int, as_json: bool) -> None:
    """Revert one batch exactly, restoring any values it had replaced.

    Example: campaigns undo 12
    """
    try:
        with busy():
            summary = batch_log.undo(wh, batch)
    except batch_log.UndoRefused as exc:
        said = exc.args[0] if exc.args else str(exc)
        raise UserError(
            said.render(language()) if isinstance(said, Message) else str(said)
        ) from None
    if as_json:
        click.echo(json.dumps(summary, ensure_ascii=False, indent=2, default=str))
    else:
        out.print(
            f"[green]batch {batch} undone[/green]: {summary['rows_removed']} rows removed,"
            f" {summary['rows_restored']} earlier rows restored"
        )


@click.command()
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
@click.pass_obj
def forget(
    wh: Warehouse,
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
    if older_than is not None:
        if email or phone or name or campaign:
            raise click.UsageError(
                "--older-than removes kept files by age; give it without --email, --phone, "
                "--name or --campaign"
            )
        _forget_old_files(wh, older_than, as_json)
        return
    try:
        with busy():
            summary = erasure.forget(wh, email=email, phone=phone, name=name, campaign=campaign)
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


def _forget_old_files(wh: Warehouse, older_than: int, as_json: bool) -> None:
    """``forget --older-than DAYS``: remove the kept files of loads older than that."""
    with busy():
        summary = batch_log.prune(wh, older_than)
    if as_json:
        click.echo(json.dumps(summary, ensure_ascii=False, indent=2))
    else:
        out.print(
            f"[green]kept files older than {older_than} days removed[/green]: "
            f"{summary['files_removed']} files, {summary['batches']} loads now say so"
        )


COMMANDS = (init, load, list_, batches, undo, forget)
