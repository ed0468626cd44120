"""The page benchmark's report: its table printed in the terminal and its block of
``docs/benchmarks.md``."""

from __future__ import annotations

import datetime as dt
import os
import platform
from collections.abc import Sequence
from pathlib import Path

import duckdb
import streamlit
from rich.console import Console
from rich.table import Table

from bench.document import DOC, markdown_table, write_block
from bench.page_targets import (
    COLD_ALLOWANCE,
    COLD_FACTOR,
    COLD_RUNS,
    LANGUAGES,
    MEMORY_TARGET,
    WARM_RUNS,
    Memory,
    PageTiming,
    cold_limit,
    cold_ok,
    cold_ratio,
    warm_ok,
)

HEADER = [
    "page",
    f"cold s (median of {COLD_RUNS})",
    f"warm s (median of {WARM_RUNS})",
    "raw SQL s",
    f"cold limit s ({COLD_FACTOR:g} x raw + {COLD_ALLOWANCE})",
    "cold / limit",
    "reads / distinct statements",
    "cold target",
    "warm target",
]


SHORT_HEADER = ["page", "cold s", "warm s", "raw SQL s", "limit s", "cold/limit", "reads"]
SHORT_HEADER += ["cold", "warm"]


def table_rows(timings: Sequence[PageTiming]) -> list[list[str]]:
    """The report's rows: page, cold, warm, raw SQL, cold limit, ratio, reads, verdicts."""
    rows = []
    for p in timings:
        if p.error is not None:
            rows.append([p.page, "error", "", "", "", "", "", "fail", "fail"])
            continue
        rows.append(
            [
                p.page,
                f"{p.cold:.2f}",
                f"{p.warm:.3f}",
                f"{p.raw:.2f}",
                f"{cold_limit(p.raw):.2f}",
                f"{cold_ratio(p):.2f}",
                f"{p.reads} / {p.statements}",
                "pass" if cold_ok(p) else "fail",
                "pass" if warm_ok(p) else "fail",
            ]
        )
    return rows


def print_report(timings: Sequence[PageTiming], memory: Memory, missed: Sequence[str]) -> None:
    console = Console(width=max(Console().width, 120))
    table = Table(title="Dashboard pages on the scale programme")
    for name in SHORT_HEADER:
        table.add_column(name, justify="left" if name == "page" else "right")
    for row in table_rows(timings):
        table.add_row(
            *[
                f"[green]{c}[/]" if c == "pass" else f"[bold red]{c}[/]" if c == "fail" else c
                for c in row
            ]
        )
    console.print(table)
    console.print(
        f"cold: median of {COLD_RUNS} first runs after the cache is cleared; "
        f"warm: median of {WARM_RUNS} reruns; "
        f"limit: {COLD_FACTOR:g} x raw SQL + {COLD_ALLOWANCE} s; reads: statements the cold run "
        f"sent / distinct ones timed as raw SQL"
    )
    console.print("slowest statements of each page, run directly in DuckDB:")
    for p in timings:
        for seconds, sql in p.slowest:
            console.print(
                f"  {p.page:<10} {seconds:6.3f} s  {sql}", markup=False, highlight=False, crop=True
            )
    if memory.server is not None:
        console.print(
            f"peak memory of the streamlit server after every page in {', '.join(LANGUAGES)}: "
            f"{memory.server:.0f} MiB (target < {MEMORY_TARGET:.0f})"
        )
    console.print(f"peak memory of the timing process: {memory.timing_process:.0f} MiB")
    if missed:
        console.print("[bold red]Missed targets:[/]")
        for line in missed:
            console.print(f"  [red]- {line}[/]", highlight=False)
    else:
        console.print("[green]Every target met.[/]")


def record(
    timings: Sequence[PageTiming],
    memory: Memory,
    missed: Sequence[str],
    summary: str,
    campaign: str,
    load: float,
    doc: Path = DOC,
) -> None:
    lines = [
        f"Measured {dt.date.today().isoformat()} on {platform.machine()}, "
        f"{os.cpu_count()} cores, Python {platform.python_version()}, "
        f"DuckDB {duckdb.__version__}, Streamlit {streamlit.__version__}, load average "
        f"{load:.1f} before the run; {summary}; Campaign page opened on {campaign}.",
        "",
        *markdown_table(HEADER, table_rows(timings)),
        "",
    ]
    if memory.server is not None:
        lines.append(
            f"Peak memory of the `streamlit run` server after every page in English, Russian "
            f"and Kazakh: **{memory.server:.0f} MiB** (target < {MEMORY_TARGET:.0f} MiB); of the "
            f"process that timed the pages: {memory.timing_process:.0f} MiB."
        )
    else:
        lines.append(
            f"Peak memory of the process that timed the pages (no browser to drive a server): "
            f"**{memory.timing_process:.0f} MiB** (target < {MEMORY_TARGET:.0f} MiB)."
        )
    lines += ["", "Missed targets:" if missed else "Every target met."]
    lines += [f"- {line}" for line in missed]
    write_block("pages", lines, doc)
