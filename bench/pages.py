"""Page benchmark: every dashboard page on the scale programme, cold and warm, beside its raw SQL.

For each page ``dashboard/app.py`` lists in ``PAGES`` (the Campaign page with ``?campaign=`` set
to the first campaign), in a child process:

* **cold**: one script run of the real app (``streamlit.testing`` ``AppTest``, a fresh one,
  signed in as a programme officer, who reads every campaign) as the first after a load is
  published (:func:`new_version`: cached results and the app's
  connection to the warehouse start anew), the median of ``BENCH_COLD`` (3) such runs; every
  page has been run once before, so code is imported and compiled and the warehouse file is in
  the operating system's cache;
* **warm**: the median of ``BENCH_WARM`` (9) further runs of the last cold run's ``AppTest``,
  the rerun a reader triggers by changing a widget that does not change the data;
* **raw SQL**: the statements the page sent on its first cold run (recorded by
  ``dashboard.reader.recording``), each distinct one run once, in order, on one read-only DuckDB
  connection to the same file in the same process, results fetched into pandas as the app does;
  a pass after each cold run, the median counts.

Targets (``bench.page_targets``): cold within ``1.5 x raw + 0.3 s``, no page's raw SQL above
twice the Campaign page's, warm under 0.1 s, and peak memory of the app process under 500 MiB.
The app process is a real ``streamlit run`` server on the scale warehouse, whose peak resident
set (``VmHWM``) is read after headless Chromium has opened every page in English, Russian and
Kazakh; without Chromium or Playwright, the peak of the child process above stands in.

``python -m bench.pages`` builds (or re-uses) ``data/scale.duckdb`` and prints the table;
``--warehouse PATH`` runs it on another warehouse, ``--record`` writes the figures to
``docs/benchmarks.md`` (``make bench`` does), ``--profile PAGE`` prints where a page's cold and
warm runs spend their time. Missed targets are printed, never turned into a failing exit code.

This module runs the benchmark and offers the names of its parts: ``bench.page_timing`` (the
child process: AppTest runs, profiling), ``bench.raw_sql`` (the baseline), ``bench.page_server``
(the server driven by Chromium), ``bench.page_targets`` (targets and verdicts),
``bench.page_report`` (the printed table and the block of ``docs/benchmarks.md``) and
``bench.scale`` (the scale warehouse).
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
from collections.abc import Sequence
from pathlib import Path

from bench.child import run_child
from bench.document import DOC, markdown_table, replace_block
from bench.page_report import HEADER, SHORT_HEADER, print_report, record, table_rows
from bench.page_server import server_memory, streamlit_server
from bench.page_targets import (
    COLD_ALLOWANCE,
    COLD_FACTOR,
    COLD_RUNS,
    LANGUAGES,
    MEMORY_TARGET,
    WARM_RUNS,
    WARM_TARGET,
    Memory,
    PageTiming,
    cold_limit,
    cold_ok,
    cold_ratio,
    missed_targets,
    warm_ok,
)
from bench.page_timing import (
    APP,
    BENCH_USER,
    app_pages,
    bench_password,
    new_version,
    profile_page,
    time_pages,
)
from bench.raw_sql import distinct_statements, raw_sql_pass, time_raw_sql
from bench.scale import SCALE_PATH, first_campaign, scale_summary, scale_warehouse
from dashboard.local_server import CHROMIUM, CHROMIUM_ARGS, SERVER
from etl.warehouse import Warehouse

__all__ = [
    "APP",
    "BENCH_USER",
    "CHROMIUM",
    "CHROMIUM_ARGS",
    "COLD_ALLOWANCE",
    "COLD_FACTOR",
    "COLD_RUNS",
    "DOC",
    "HEADER",
    "LANGUAGES",
    "MEMORY_TARGET",
    "SCALE_PATH",
    "SERVER",
    "SHORT_HEADER",
    "WARM_RUNS",
    "WARM_TARGET",
    "Memory",
    "PageTiming",
    "app_pages",
    "bench_password",
    "cold_limit",
    "cold_ok",
    "cold_ratio",
    "distinct_statements",
    "first_campaign",
    "main",
    "markdown_table",
    "missed_targets",
    "new_version",
    "print_report",
    "profile_page",
    "raw_sql_pass",
    "record",
    "replace_block",
    "run",
    "scale_summary",
    "scale_warehouse",
    "server_memory",
    "streamlit_server",
    "table_rows",
    "time_pages",
    "time_raw_sql",
    "warm_ok",
]

ROOT = Path(__file__).resolve().parents[1]


def _timing_child(wh: Warehouse, pages: Sequence[str], campaign: str) -> tuple[list, float]:
    """Run the timings in a child process (``bench.page_timing``): its figures and its peak
    resident memory (MiB)."""
    with tempfile.TemporaryDirectory(prefix="campaigns-bench-pages-") as tmp:
        out = Path(tmp) / "timings.json"
        cmd = [sys.executable, "-m", "bench.page_timing", "--warehouse", str(wh.path)]
        cmd += ["--campaign", campaign, "--out", str(out), "--pages", *pages]
        done = run_child(cmd, cwd=ROOT)
        if done.code != 0:
            raise RuntimeError(f"the page timings failed:\n{done.stderr[-3000:]}")
        rows = json.loads(out.read_text(encoding="utf-8"))
    timings = [PageTiming(**{**r, "slowest": [tuple(s) for s in r["slowest"]]}) for r in rows]
    return timings, done.peak_mib


def run(
    wh: Warehouse | None = None, pages: Sequence[str] | None = None, *, write: bool = False
) -> list[str]:
    """Measure every page, print the report (and record it); the missed targets."""
    wh = wh or scale_warehouse()
    pages = list(pages or app_pages())
    campaign = first_campaign(wh)
    summary = scale_summary(wh)
    load = os.getloadavg()[0]
    print(f"dashboard pages on {wh.path}: {summary}; load average {load:.1f}")
    timings, child_rss = _timing_child(wh, pages, campaign)
    seen = server_memory(wh, pages, campaign)
    memory = Memory(
        server=max(m for _, m in seen) if seen else None,
        timing_process=child_rss,
        server_pages=seen or [],
    )
    for address, mib in memory.server_pages:
        print(f"  server's peak memory once {address} is drawn: {mib:.0f} MiB")
    missed = missed_targets(timings, memory)
    print_report(timings, memory, missed)
    if write:
        record(timings, memory, missed, summary, campaign, load)
    return missed


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(
        prog="python -m bench.pages",
        description="Time every dashboard page cold and warm beside its raw SQL. "
        "Example: python -m bench.pages --record",
    )
    parser.add_argument("--warehouse", type=Path, help="a built warehouse (default: the scale one)")
    parser.add_argument("--pages", nargs="+", help="only these pages (default: app.py's PAGES)")
    parser.add_argument("--record", action="store_true", help="write docs/benchmarks.md")
    parser.add_argument("--rebuild", action="store_true", help="build the scale warehouse anew")
    parser.add_argument("--profile", metavar="PAGE", help="profile one page's cold and warm run")
    parser.add_argument("--top", type=int, default=40, help="lines of profile to print")
    parser.add_argument("--campaign", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)

    if args.warehouse:
        wh = Warehouse(args.warehouse)
        if not wh.read_path.exists():
            parser.error(f"no built warehouse at {wh.path}: run `campaigns demo` or leave it out")
    else:
        wh = scale_warehouse(rebuild=args.rebuild)
    pages = args.pages or app_pages()
    campaign = args.campaign or first_campaign(wh)
    if args.profile:
        profile_page(wh, args.profile, campaign, args.top)
    else:
        run(wh, pages, write=args.record)


if __name__ == "__main__":
    main()
