"""The donor's reports: a workbook, a CSV data package and a PDF summary for a reporting
period, from the same metrics layer as the dashboard, and submitted reports kept frozen.

:func:`export` builds a report (``build.build``), compares it with the latest submitted report
of the same request (``freeze.latest_for``, ``freeze.changes``) and renders the files asked for.
:func:`submit` does the same and stores the figures and files as a submitted report. The
dashboard's Reports page and ``campaigns export`` / ``campaigns report`` both call these.

The renderers (``xlsx``, ``pdf``, ``package``) read no warehouse: they draw the report they are
given; the data package's rows behind the figures come from ``behind``.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, replace

import pandas as pd

from dashboard.report import freeze
from dashboard.report.behind import data_files
from dashboard.report.build import build
from dashboard.report.collector import report_objects_only
from dashboard.report.config import ReportingConfig, load_config
from dashboard.report.model import Comparison, Report, ReportError, Request, Submission
from dashboard.report.package import render_package
from dashboard.report.xlsx import render_xlsx
from etl.warehouse import Warehouse

__all__ = [
    "EXTENSIONS",
    "FORMATS",
    "MEDIA_TYPES",
    "Export",
    "ReportError",
    "Request",
    "build",
    "export",
    "file_name",
    "render",
    "render_files",
    "submit",
]

FORMATS = freeze.FORMATS
EXTENSIONS = {"xlsx": "xlsx", "package": "zip", "pdf": "pdf"}
MEDIA_TYPES = {
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "package": "application/zip",
    "pdf": "application/pdf",
}


@dataclass
class Export:
    report: Report
    changes: pd.DataFrame | None
    compared_with: freeze.Submitted | None
    files: dict[str, bytes]


@report_objects_only()
def render(wh: Warehouse, report: Report, fmt: str, changes: pd.DataFrame | None = None) -> bytes:
    """One file of the report. The data package also has the rows behind the report, read
    from ``wh`` (``behind.data_files``) as the package is written."""
    if fmt == "xlsx":
        return render_xlsx(report, changes)
    if fmt == "package":
        return render_package(report, changes, data_files(wh, report))
    if fmt == "pdf":
        # Imported when a PDF is asked for: matplotlib and reportlab take about a third of a
        # second to import, which listing or downloading submitted reports need not pay.
        from dashboard.report.pdf import render_pdf

        return render_pdf(report, changes)
    raise ValueError(f"unknown format '{fmt}'; use one of: {', '.join(FORMATS)}")


@report_objects_only()
def render_files(
    wh: Warehouse,
    report: Report,
    formats: Sequence[str] = FORMATS,
    changes: pd.DataFrame | None = None,
    *,
    package: tuple[Report, pd.DataFrame | None] | None = None,
) -> dict[str, bytes]:
    """``formats`` of ``report``, in that order; the data package of ``package`` (a report and
    its changes) when given. The package is mostly DuckDB writing rows and zlib compressing
    them, both outside Python's lock, so it is made in a thread of its own while the workbook
    and the PDF are drawn in this one. Its rows are read within the caller's scope."""
    package_report, package_changes = package or (report, changes)
    with ThreadPoolExecutor(1, thread_name_prefix="report-files") as pool:
        pending = None
        if "package" in formats:
            rows = data_files(wh, package_report)  # prepared here, in the caller's scope
            pending = pool.submit(render_package, package_report, package_changes, rows)
        files = {fmt: render(wh, report, fmt, changes) for fmt in formats if fmt != "package"}
        if pending is not None:
            files["package"] = pending.result()
    return {fmt: files[fmt] for fmt in formats}


def export(
    wh: Warehouse,
    request: Request,
    config: ReportingConfig | None = None,
    *,
    formats: Sequence[str] = FORMATS,
    today: dt.date | None = None,
    lang: str = "en",
) -> Export:
    """Build the report for ``request`` (within the current reader's scope) and render
    ``formats`` in ``lang`` (en, ru or kk; the data package is in English whatever the
    language), with the changes since the latest submitted report of the same request."""
    config = config or load_config()
    report = build(wh, request, config, today=today, lang=lang)
    previous = freeze.latest_for(wh, report)
    changed = _compared(report, previous)
    package = None
    if "package" in formats:
        # The data package is for machines and the EU's archive: English in any case.
        english = report
        if report.meta.lang != "en":
            when = report.meta.produced_at
            english = build(wh, request, config, today=today, produced_at=when)
        package = (english, _compared(english, previous))
    files = render_files(wh, report, formats, changed, package=package)
    return Export(report, changed, previous, files)


def _compared(report: Report, previous: freeze.Submitted | None) -> pd.DataFrame | None:
    """The changes of ``report`` since ``previous`` (None without one), noted in its meta."""
    if previous is None:
        return None
    changed = freeze.changes(previous.report, report)
    compared = Comparison(previous.report_id, previous.title, previous.submitted_at, len(changed))
    report.meta = replace(report.meta, compared_with=compared)
    return changed


def submit(
    wh: Warehouse,
    request: Request,
    config: ReportingConfig | None = None,
    *,
    title: str,
    submitted_by: str,
    today: dt.date | None = None,
    now: dt.datetime | None = None,
) -> tuple[int, Export]:
    """Produce the report and every file, marked as submitted, and store them frozen."""
    config = config or load_config()
    now = (now or dt.datetime.now(dt.UTC)).replace(microsecond=0)
    if not title.strip():
        raise ValueError(freeze.NEED_TITLE)
    report = build(wh, request, config, today=today, produced_at=now)
    report.meta = replace(report.meta, submitted=Submission(title.strip(), submitted_by, now))
    files = render_files(wh, report)
    report_id = freeze.submit(
        wh, report, files, title=title, submitted_by=submitted_by, submitted_at=now
    )
    return report_id, Export(report, None, None, files)


def file_name(report: Report, fmt: str) -> str:
    """``report_<scope>_<start>_<end>.<ext>``, e.g. ``report_PDP-01_2026-03-01_2026-11-30.pdf``;
    a report in Russian or Kazakh ends in its language (``..._2026-11-30_ru.pdf``)."""
    m = report.meta
    if m.requested_campaigns:
        what = "-".join(m.requested_campaigns)
    elif m.requested_organisation:
        what = m.requested_organisation
    elif m.whole_programme:
        what = "programme"
    else:
        what = "-".join(m.campaigns) if len(m.campaigns) <= 3 else "campaigns"
    what = re.sub(r"[^A-Za-z0-9._-]+", "_", what)
    start, end = m.period_start.isoformat(), m.period_end.isoformat()
    language = f"_{m.lang}" if m.lang != "en" and fmt != "package" else ""
    return f"report_{what}_{start}_{end}{language}.{EXTENSIONS[fmt]}"
