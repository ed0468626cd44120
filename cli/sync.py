"""``campaigns sync``: load the Google Sheets the sources file lists, each as a batch.

The Google client libraries take a tenth of a second to import: ``etl.sheets`` is imported when
the command runs, so that ``campaigns --help`` stays quick."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import click
from rich.table import Table

from cli.common import busy, err, language, out, say
from etl import sources
from etl.load import UsageError
from etl.messages import Message
from etl.warehouse import Warehouse


@click.command()
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
    from etl import sheets  # the Google client libraries: see above

    wh: Warehouse = ctx.obj
    try:
        chosen = _chosen_sources(config, names)
        info = sources.service_account_info()
        status = (
            err.status("syncing", spinner="dots") if sys.stderr.isatty() and not as_json else None
        )
        try:
            if status:
                status.start()
            with busy():
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


def _chosen_sources(config: Path | None, names: tuple[str, ...]) -> list[sources.Source]:
    """The sources of the sources file, only those named when names are given."""
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
    return chosen


def _print_sync(results: list) -> None:
    colours = {"loaded": "green", "unchanged": "yellow"}
    lang = language()
    table = Table()
    for col in ("source", "status", "rows_loaded", "batch", "message"):
        table.add_column(say(f"cli.sync.{col}"), overflow="fold")
    for r in results:
        colour = colours.get(r.status, "red")
        table.add_row(
            r.name,
            f"[{colour}]{r.status}[/{colour}]",
            str(r.rows_loaded),
            "" if r.batch_id is None else str(r.batch_id),
            r.message.render(lang) if isinstance(r.message, Message) else r.message,
        )
    out.print(table)
    for r in results:
        if r.status == "rejected" and r.errors:
            _print_errors(r)
    for r in results:
        if r.warnings:
            out.print(f"{r.name}: " + say("cli.warnings", count=len(r.warnings)))
            for w in r.warnings[:10]:
                out.print(f"  {w.line(lang)}")
            if len(r.warnings) > 10:
                out.print("  " + say("cli.more_warnings", count=len(r.warnings) - 10))
    bad = [r for r in results if not r.ok]
    if bad:
        out.print(
            "[red]" + say("cli.sync.not_loaded", count=len(bad), total=len(results)) + "[/red]"
        )


def _print_errors(r) -> None:
    """The first errors of a source that was rejected."""
    lang = language()
    title = f"{r.name}: " + say("cli.errors", count=r.errors_total)
    issues = Table(title=title, title_justify="left")
    for col in ("row", "column", "value", "fix"):
        issues.add_column(say(f"cli.col.{col}"), overflow="fold")
    for i in r.errors[:20]:
        issues.add_row(
            "" if i.row is None else str(i.row),
            i.column or "",
            "" if i.value is None else str(i.value),
            i.text(lang),
        )
    out.print(issues)
    if r.errors_total > 20:
        out.print("  " + say("cli.more_errors", count=r.errors_total - 20))


COMMANDS = (sync,)
