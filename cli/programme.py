"""``campaigns demo``, ``templates`` and ``export-setup``: the programme's set-up, its blank
templates and the demo programme.

The demo builder and the set-up workbook need pandas (a third of a second to import), the
templates xlsxwriter (a few hundredths): each is imported by its command when it runs, so that
``campaigns --help`` stays quick."""

from __future__ import annotations

from pathlib import Path

import click

from cli.common import UserError, busy, err, out
from etl.warehouse import Warehouse


@click.command()
@click.option("--force", is_flag=True, help="Rebuild even if the warehouse exists.")
@click.pass_obj
def demo(wh: Warehouse, force: bool) -> None:
    """Build the demo programme: five campaigns, loaded through the ordinary loaders.

    Example: campaigns --warehouse /tmp/demo.duckdb demo
    """
    from cli.users import account_refusals
    from etl.accounts import password_hasher
    from etl.demo import DEMO_ACCOUNTS, build_demo, demo_password  # pandas: see above

    if wh.exists() and not force:
        raise UserError(f"{wh.path} already exists; use --force to replace it with the demo")
    with account_refusals():
        password_hasher()  # the demo accounts' passwords are hashed as the setting says
    with busy():
        results = build_demo(wh, replace=force, progress=lambda m: err.print(m))
    bad = [r for r in results if not r.ok]
    for r in results:
        out.print(f"  {r.file:<28} {r.kind:<13} {r.campaign or '':<8} {r.message}")
    if bad:
        raise UserError(f"{len(bad)} demo files did not load")
    out.print(f"[green]demo programme ready in {wh.path}[/green]")
    out.print("demo accounts (username / password):")
    for username, role, organisation, _name, _language in DEMO_ACCOUNTS:
        scope = f" of {organisation}" if organisation else ""
        out.print(f"  {username:<8} {demo_password(username):<18} {role}{scope}")


@click.command()
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
    from etl.templates import write_templates  # xlsxwriter: see above

    paths = write_templates(out_dir)
    out.print(f"{len(paths)} templates written to {out_dir}")


@click.command("export-setup")
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
@click.option(
    "--language",
    "-l",
    type=click.Choice(["en", "ru", "kk"]),
    default="en",
    show_default=True,
    help="Language of the sheet names and column headers.",
)
@click.pass_obj
def export_setup(wh: Warehouse, file: Path, language: str) -> None:
    """Write the programme set-up as a workbook to edit and load back with `campaigns load`.

    The workbook has the template's sheets (organisations, campaigns, budget, targets,
    channels) with every current row. Loading it unedited changes nothing; a campaign edited
    in it is restated whole.

    Example: campaigns export-setup setup.xlsx --language ru
    """
    from etl.programme import export_setup as write_export  # pandas: see above

    if not wh.exists():
        raise UserError(f"no warehouse at {wh.path}; load the programme set-up first")
    counts = write_export(wh, file, language)
    listed = ", ".join(f"{n} {kind.replace('_', ' ')}" for kind, n in counts.items())
    out.print(f"wrote {file}: {listed}")


COMMANDS = (demo, templates, export_setup)
