"""How the dashboard grows with the programme: every page's cold and warm time, the server's
memory and the cost of a small load, on the scale programme and on one ``factor`` times larger
(``make bench GROWTH=10``: 2,000 campaigns, about 13 M daily channel rows and 3 M posts).

Both warehouses are built by ``bench.scale`` (the larger in ``data/scale-10x.duckdb``, about a
minute, re-used like the first) and measured the same way as ``bench.pages`` and
``bench.publish`` measure them, one after the other in the same run.
"""

from __future__ import annotations

import datetime as dt
import os
import platform
from collections.abc import Sequence

from bench import pages, publish
from bench.document import markdown_table, write_block
from bench.page_targets import PageTiming
from bench.scale import first_campaign, scale_summary, scale_warehouse


def _ratio(big: float, small: float) -> str:
    return f"{big / small:.1f} ×" if small > 0 else "–"


def measure(factor: int, page_names: Sequence[str]) -> dict:
    wh = scale_warehouse(factor=factor)
    campaign = first_campaign(wh)
    print(f"growth, {factor} ×: {scale_summary(wh)}")
    timings, _ = pages._timing_child(wh, page_names, campaign)
    seen = pages.server_memory(wh, page_names, campaign)
    return {
        "summary": scale_summary(wh),
        "timings": {t.page: t for t in timings},
        "server": max(m for _, m in seen) if seen else None,
        "publish": publish.measure(wh),
    }


def report(factor: int, small: dict, big: dict) -> list[str]:
    """The figures of both sizes side by side, as Markdown lines."""
    header = (
        "page", "cold 1 ×", f"cold {factor} ×", "growth", "raw SQL 1 ×", f"raw SQL {factor} ×",
        "warm 1 ×", f"warm {factor} ×",
    )  # fmt: skip
    rows = []
    for name, one in small["timings"].items():
        many: PageTiming | None = big["timings"].get(name)
        if many is None:
            continue
        rows.append([
            name, f"{one.cold:.2f} s", f"{many.cold:.2f} s", _ratio(many.cold, one.cold),
            f"{one.raw:.2f} s", f"{many.raw:.2f} s", f"{one.warm:.3f} s", f"{many.warm:.3f} s",
        ])  # fmt: skip
    memory = [
        f"{m['server']:.0f} MiB" if m["server"] is not None else "not measured (no Chromium)"
        for m in (small, big)
    ]
    load = [
        ("1 ×", small["publish"]),
        (f"{factor} ×", big["publish"]),
    ]
    return [
        f"Measured {dt.date.today().isoformat()} on {platform.machine()}, {os.cpu_count()} "
        f"cores, Python {platform.python_version()}, load average {os.getloadavg()[0]:.1f} "
        f"after the run. 1 ×: {small['summary']}. {factor} ×: {big['summary']}. The Campaign "
        "page is opened on one campaign at both sizes.",
        "",
        *markdown_table(header, rows),
        "",
        f"Server's peak memory after every page in three languages: {memory[0]} at 1 ×, "
        f"{memory[1]} at {factor} ×.",
        "",
        *publish.table_rows(load),
    ]


def run(factor: int, *, record: bool = False, page_names: Sequence[str] | None = None) -> None:
    names = list(page_names or pages.app_pages())
    small = measure(1, names)
    big = measure(factor, names)
    lines = report(factor, small, big)
    print("\n".join(lines))
    if record:
        write_block("growth", lines)


def main() -> None:
    import argparse

    parser = argparse.ArgumentParser(prog="python -m bench.growth", description=__doc__)
    parser.add_argument("--factor", type=int, default=10)
    parser.add_argument("--record", action="store_true", help="write docs/benchmarks.md")
    parser.add_argument("--pages", nargs="+", help="only these pages")
    args = parser.parse_args()
    run(args.factor, record=args.record, page_names=args.pages)


if __name__ == "__main__":
    main()
