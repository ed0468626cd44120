"""The ``campaigns`` command: thin verbs over the same functions the dashboard calls.

One module per group of commands: ``loads`` (init, load, list, batches, undo, forget),
``programme`` (demo, templates, export-setup), ``sync``, ``users``, ``reports`` (export,
report), ``alerts`` and ``reporting``. Each imports what a command of its group needs only when
that import is quick; the slow ones (pandas, the Google clients, the account store, the
dashboard's report builder) are imported by the commands that use them, so that
``campaigns --help`` stays quick."""

from __future__ import annotations

from pathlib import Path

import click

from cli import alerts, loads, programme, reporting, reports, sync, users
from cli.common import LANG_META
from etl.messages import DEFAULT_LANGUAGE, LANGUAGES
from etl.warehouse import ENV_VAR, Warehouse


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.option(
    "--warehouse",
    type=click.Path(dir_okay=False, path_type=Path),
    envvar=ENV_VAR,
    default="data/warehouse.duckdb",
    show_default=True,
    help=f"DuckDB warehouse file (or set {ENV_VAR}).",
)
@click.option(
    "--lang",
    type=click.Choice(LANGUAGES),
    envvar="CAMPAIGNS_LANG",
    default=DEFAULT_LANGUAGE,
    show_default=True,
    help="Language of the loader's messages and summaries (or set CAMPAIGNS_LANG); "
    "--json output keeps English messages with their code and params.",
)
@click.pass_context
def cli(ctx: click.Context, warehouse: Path, lang: str) -> None:
    """Load campaign data into the programme's warehouse and inspect the loads.

    Example: campaigns load metrics.csv --campaign PDP-01
    """
    ctx.obj = Warehouse(warehouse)
    ctx.meta[LANG_META] = lang


for _group in (loads, programme, sync, users, reports, alerts, reporting):
    for _command in _group.COMMANDS:
        cli.add_command(_command)


def main() -> None:
    """The console script ``campaigns``."""
    cli(prog_name="campaigns")
