"""``campaigns export`` and ``campaigns report``: the donor's report for a reporting period, and
the reports submitted to the donor.

The report builder and the dashboard's reader bring pandas, DuckDB, plotly and reportlab with
them, most of a second to import: they are imported inside the commands when these run, so that
``campaigns --help`` and the other commands stay quick."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click
from rich.table import Table

from cli.common import UserError, busy, out
from cli.users import accounts_for
from etl.warehouse import Warehouse

if TYPE_CHECKING:
    from dashboard.report import Request
    from dashboard.report.config import ReportingConfig

_FORMAT_CHOICES = ("xlsx", "package", "pdf", "all")


def _day(value: dt.date | dt.datetime) -> dt.date:
    return value.date() if isinstance(value, dt.datetime) else value


def _report_request(
    start: dt.date,
    end: dt.date,
    campaigns: tuple[str, ...],
    organisation: str | None,
    include_unapproved: bool = False,
) -> Request:
    from dashboard.report import ReportError, Request  # on use: see the module docstring

    try:
        return Request(
            _day(start),
            _day(end),
            tuple(campaigns),
            organisation,
            approved_only=not include_unapproved,
        )
    except ReportError as exc:
        raise UserError(str(exc)) from None


def _reader_scope(wh: Warehouse, username: str | None) -> Any:
    """The scope of the account ``username`` (everything without one)."""
    if not username:
        return None
    from dashboard.reader import scope_of  # on use: see the module docstring

    user = accounts_for(wh).get(username)
    if user is None:
        raise UserError(f"no account '{username}'; `campaigns users list` shows them")
    return scope_of(user)


def _migrated(wh: Warehouse) -> Warehouse:
    """The warehouse, its schema brought up to date (submitted reports need migration 4)."""
    if not wh.exists():
        raise UserError(f"no warehouse at {wh.path}; run `campaigns demo` or load data first")
    with busy():
        wh.migrate()
    return wh


def _reporting_config(path: Path | None) -> ReportingConfig:
    from dashboard.report.config import ConfigError, load_config  # on use: see the docstring

    try:
        return load_config(path)
    except ConfigError as exc:
        raise UserError(str(exc)) from None


def _write_files(files: dict[str, bytes], report: Any, output: Path | None) -> list[Path]:
    from dashboard.report import file_name  # on use: see the module docstring

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
    click.option("--include-unapproved", is_flag=True,
                 help="Count figures of reporting periods not approved yet too (the report "
                 "names them). Default: approved periods only."),
]  # fmt: skip


def _with_selection(func: Callable) -> Callable:
    for option in reversed(_selection_options):
        func = option(func)
    return func


@click.command("export")
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
@click.option(
    "--lang",
    type=click.Choice(["en", "ru", "kk"]),
    default="en",
    show_default=True,
    help="Language of the workbook and the PDF (the data package stays in English).",
)
@click.pass_obj
def export_report(
    wh: Warehouse,
    start: dt.datetime,
    end: dt.datetime,
    campaigns: tuple[str, ...],
    organisation: str | None,
    config_path: Path | None,
    fmt: str,
    output: Path | None,
    include_unapproved: bool,
    username: str | None,
    lang: str,
) -> None:
    """Export the donor's report for a reporting period: workbook, CSV data package, PDF.

    The figures are the dashboard's (one metrics layer). When a report of the same period and
    campaigns was submitted, the export lists what changed since.

    Example: campaigns export --from 2026-03-01 --to 2026-11-30 -c PDP-01 --format xlsx

    The figures count only reporting periods their campaign has approved; the files name the
    periods left out. --include-unapproved counts every figure loaded and names the periods
    not approved yet.

    With --lang ru or --lang kk the workbook and the PDF are in Russian or Kazakh: headings,
    notes, numbers and dates, and the campaign names, thematic areas and indicators the
    programme set-up translates.
    """
    from dashboard import reader  # on use: see the module docstring
    from dashboard.report import FORMATS, ReportError, export
    from dashboard.report.approval import statement

    _migrated(wh)
    request = _report_request(start, end, campaigns, organisation, include_unapproved)
    config = _reporting_config(config_path)
    formats = FORMATS if fmt == "all" else (fmt,)
    with reader.scoped(_reader_scope(wh, username)):
        try:
            result = export(wh, request, config, formats=formats, lang=lang)
        except ReportError as exc:
            raise UserError(str(exc)) from None
    for path in _write_files(result.files, result.report, output):
        out.print(f"wrote {path}")
    approval = statement(result.report.meta, "en")
    if approval:
        out.print(approval)
    if result.compared_with is not None:
        c = result.compared_with
        out.print(
            f"compared with submitted report #{c.report_id} ({c.title}): "
            f"{len(result.changes)} figure(s) changed"
        )


@click.group()
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
@click.pass_obj
def report_submit(
    wh: Warehouse,
    start: dt.datetime,
    end: dt.datetime,
    campaigns: tuple[str, ...],
    organisation: str | None,
    config_path: Path | None,
    include_unapproved: bool,
    title: str,
    username: str,
) -> None:
    """Produce the report and keep its figures and files frozen as submitted."""
    from dashboard.report import ReportError, submit  # on use: see the module docstring

    user = accounts_for(wh).get(username)
    if user is None or user.role != "officer":
        raise UserError(
            f"'{username}' is not an officer's account: only officers mark reports as submitted"
        )
    _migrated(wh)
    request = _report_request(start, end, campaigns, organisation, include_unapproved)
    config = _reporting_config(config_path)
    try:
        with busy():
            report_id, _ = submit(wh, request, config, title=title, submitted_by=username)
    except (ReportError, ValueError) as exc:
        raise UserError(str(exc)) from None
    out.print(f"submitted report #{report_id}: {title}")


@report.command("list")
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@click.pass_obj
def report_list(wh: Warehouse, as_json: bool) -> None:
    """The submitted reports, newest first."""
    from dashboard.report import freeze  # on use: see the module docstring

    df = freeze.submitted(_migrated(wh))
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


def _day_text(value: object) -> str:
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
@click.pass_obj
def report_download(wh: Warehouse, report_id: int, fmt: str, output: Path | None) -> None:
    """Write a submitted report's files exactly as they were submitted."""
    from dashboard.report import freeze  # on use: see the module docstring

    found = freeze.stored(_migrated(wh), report_id)
    if found is None:
        raise UserError(f"no submitted report #{report_id}; `campaigns report list` shows them")
    files = found.files if fmt == "all" else {fmt: found.files[fmt]}
    for path in _write_files(files, found.report, output):
        out.print(f"wrote {path}")


@report.command("check")
@click.option("--config", "config_path", type=click.Path(dir_okay=False, path_type=Path))
def report_check(config_path: Path | None) -> None:
    """Check the reporting file (programme settings and logframe indicators)."""
    config = _reporting_config(config_path)
    out.print(f"{config.path}: {len(config.indicators)} indicators, fine")


COMMANDS = (export_report, report)
