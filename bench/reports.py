"""Export benchmark: the donor's report of the whole scale programme for 12 months.

In a child process (fresh caches, as the first export after a load; the code imported first,
as in a running dashboard), on the scale warehouse
(``bench.scale.scale_warehouse``: 200 campaigns, about 300,000 posts), for 2025-01-01 to
2025-12-31:

* **figures**: ``dashboard.report.build`` (every table through the metrics layer), with the
  shipped logframe and the scale programme's implementation period;
* **workbook**, **data package**, **PDF**: each renderer on those figures;
* **raw SQL** (the baseline): the distinct statements the figures sent (recorded by
  ``dashboard.reader.recording``), run once each on one read-only DuckDB connection, results
  fetched into pandas;
* **raw COPY** (the package's baseline): DuckDB writing the period's channel days and posts to
  CSV with ``COPY``, the bulk of the package.

Target: the whole export (figures and the three files) under 10 s. ``python -m bench.reports``
prints the table; ``--record`` writes it to ``docs/benchmarks.md``. A missed target is printed,
never turned into a failing exit code.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import duckdb
import pandas as pd

from bench.document import markdown_table, write_block
from bench.raw_sql import distinct_statements, raw_sql_pass
from bench.scale import scale_warehouse
from etl.warehouse import Warehouse

START, END = dt.date(2025, 1, 1), dt.date(2025, 12, 31)
TARGET_SECONDS = 10.0


def _child(path: Path) -> dict[str, float | int]:
    """Time one export in this process; the figures as a dict."""
    # Imported here, in the child only and once Streamlit is quiet: ``dashboard.data`` sets up
    # Streamlit's caches, which logs a warning outside a server, and the parent process (``make
    # bench``) has no use for the report's code.
    from streamlit import logger

    logger.set_log_level("error")
    from dashboard import data
    from dashboard.report import Request, build, render
    from dashboard.report.config import DEFAULT_PATH, load_config

    wh = Warehouse(path)
    # The shipped logframe, with the scale programme's implementation period, so cumulative
    # values and statuses are computed as for a real programme.
    first, last = data.read(wh, "SELECT min(start_date), max(end_date) FROM campaigns").iloc[0]
    text = DEFAULT_PATH.read_text("utf-8")
    text = text.replace("start = 2026-03-01", f"start = {pd.Timestamp(first).date()}", 1)
    text = text.replace("end = 2027-03-31", f"end = {pd.Timestamp(last).date()}", 1)
    with tempfile.NamedTemporaryFile("w", suffix=".toml", delete=False) as fh:
        fh.write(text)
    config = load_config(fh.name)  # the report reads its [cycle] from the same file: kept
    # Code is imported first, as in a running dashboard (the pages benchmark does the same):
    # importing matplotlib and reportlab costs about a second once per process.
    import dashboard.report.package
    import dashboard.report.pdf
    import dashboard.report.xlsx  # noqa: F401

    out: dict[str, float | int] = {}
    with data.recording() as recorded:
        t0 = time.perf_counter()
        report = build(wh, Request(START, END), config)
        out["figures"] = time.perf_counter() - t0
    sizes = {}
    for fmt in ("xlsx", "package", "pdf"):
        t0 = time.perf_counter()
        content = render(wh, report, fmt)
        out[fmt] = time.perf_counter() - t0
        sizes[fmt] = len(content)
    out["total"] = out["figures"] + out["xlsx"] + out["package"] + out["pdf"]
    statements = distinct_statements(recorded)
    out["raw_sql"], _ = raw_sql_pass(wh, statements)
    out["statements"] = len(statements)
    out["campaigns"] = len(report.meta["campaigns"])
    out["costs"] = len(report.tables["costs"].frame)
    Path(fh.name).unlink()
    with tempfile.TemporaryDirectory() as tmp:
        con = duckdb.connect(str(wh.read_path), read_only=True)
        t0 = time.perf_counter()
        for name, sql in (
            ("channel", "SELECT * FROM channel_daily WHERE day BETWEEN $s AND $e"),
            ("content", "SELECT * FROM content_items WHERE published_at::DATE BETWEEN $s AND $e"),
        ):
            target = str(Path(tmp) / f"{name}.csv").replace("'", "''")
            con.execute(f"COPY ({sql}) TO '{target}' (HEADER)", {"s": START, "e": END})
        out["raw_copy"] = time.perf_counter() - t0
        con.close()
    out.update({f"{k}_bytes": v for k, v in sizes.items()})
    return out


def measure(wh_path: Path) -> tuple[dict, float]:
    """The child's figures and its peak memory (MiB)."""
    cmd = [sys.executable, "-m", "bench.reports", "--child", str(wh_path)]
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    _, status, usage = os.wait4(proc.pid, 0)
    output, errors = proc.stdout.read(), proc.stderr.read()
    if os.waitstatus_to_exitcode(status) != 0:
        raise RuntimeError(f"export benchmark failed: {errors[-3000:]}")
    return json.loads(output.strip().splitlines()[-1]), usage.ru_maxrss / 1024


def report_lines(fig: dict, peak: float) -> list[str]:
    rows = [
        ["figures (`dashboard.report.build`)", f"{fig['figures']:.2f} s",
         f"{fig['figures'] / fig['raw_sql']:.2f} × raw SQL ({fig['raw_sql']:.2f} s, "
         f"{fig['statements']} statements)"],
        ["workbook (XLSX)", f"{fig['xlsx']:.2f} s", f"{fig['xlsx_bytes'] / 1048576:.1f} MiB"],
        ["data package (ZIP of CSV)", f"{fig['package']:.2f} s",
         f"{fig['package'] / fig['raw_copy']:.2f} × DuckDB `COPY` of the channel days and posts "
         f"({fig['raw_copy']:.2f} s); {fig['package_bytes'] / 1048576:.1f} MiB"],
        ["PDF summary", f"{fig['pdf']:.2f} s", f"{fig['pdf_bytes'] / 1048576:.2f} MiB"],
        ["**whole export**", f"**{fig['total']:.2f} s**",
         f"target < {TARGET_SECONDS:.0f} s: {'met' if fig['total'] < TARGET_SECONDS else 'MISSED'}"
         f"; peak memory {peak:.0f} MiB"],
    ]  # fmt: skip
    return markdown_table(["step", "time", "against"], rows)


def run(*, record: bool) -> None:
    wh = scale_warehouse()
    fig, peak = measure(wh.path)
    lines = report_lines(fig, peak)
    print(
        f"export of {fig['campaigns']} campaigns, {START} to {END} "
        f"({fig['costs']:,} costs in the period):"
    )
    print("\n".join(lines))
    if fig["total"] >= TARGET_SECONDS:
        print(f"MISSED: the whole export took {fig['total']:.2f} s (target < {TARGET_SECONDS} s)")
    if record:
        block = [
            f"Measured {dt.date.today().isoformat()}: the whole scale programme "
            f"({fig['campaigns']} campaigns) for {START} to {END}, in a fresh process.",
            "",
            *lines,
        ]
        write_block("export", block)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--child", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--record", action="store_true", help="write docs/benchmarks.md")
    args = parser.parse_args(argv)
    if args.child:
        print(json.dumps(_child(args.child)))
        return
    run(record=args.record)


if __name__ == "__main__":
    main()
