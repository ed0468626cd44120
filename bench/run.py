"""Benchmarks: our loader against a raw DuckDB read of the same file, every dashboard page
against its raw SQL (``bench.pages``) and the donor's report export (``bench.reports``), each
measured in one run.

The loader: ``make bench`` generates two 1,000,000-row files, a metrics file in the English
template format (13 columns) and a participants file in the narrow English template (8
columns), then for each times (wall clock) and measures the peak memory (max RSS) of three
child processes on it:

* baseline: ``CREATE TABLE t AS SELECT * FROM read_csv(file)`` into a new DuckDB file;
* floor: the least a load must do (``FLOOR_SQL``), DuckDB's typed read of the file inserted,
  its rows numbered, into the warehouse's table of the file's kind in one transaction;
* ours: ``campaigns load FILE --campaign BENCH-01`` into a warehouse holding the benchmark
  programme (parsing, validation, idempotence check, audit, publishing the read copy).

Each is run three times (``BENCH_REPEAT``) alternately, each load into a fresh copy of the
warehouse; the fastest run of each counts, and peak memory is the highest seen. It prints the
ratio of the two for each file and writes the figures to ``docs/benchmarks.md``.

The pages: see ``bench.pages``; the donor's report: see ``bench.reports``; hostile uploads
against the real server: see ``bench.hostile``; their figures go to the same file.
``BENCH_ONLY=load``, ``pages``, ``export`` or ``hostile`` runs one of the four. Missed targets
are printed; the exit code stays 0.
"""

from __future__ import annotations

import datetime as dt
import os
import platform
import random
import shutil
import sys
import tempfile
import time
from pathlib import Path

import duckdb
import openpyxl

from bench.child import run_child
from bench.document import write_block

ROWS = int(os.environ.get("BENCH_ROWS", "1000000"))
REPEAT = int(os.environ.get("BENCH_REPEAT", "3"))
HEADER = (
    "date,platform,post_id,post_url,impressions,reach,views,likes,comments,shares,saves,clicks,"
    "followers"
)
PLATFORMS = ("instagram", "telegram", "facebook", "youtube", "tiktok", "vk", "x")


def write_metrics(path: Path, rows: int, seed: int = 1) -> None:
    """Daily post rows spread over 2025-2026 for seven platforms; counts are plausible."""
    rnd = random.Random(seed)
    start = dt.date(2025, 1, 1)
    days = [(start + dt.timedelta(days=i)).isoformat() for i in range(730)]
    with path.open("w", encoding="utf-8", newline="") as fh:
        fh.write(HEADER + "\n")
        lines = []
        for i in range(rows):
            day = days[i % 730]
            plat = PLATFORMS[(i // 730) % 7]
            post = f"p{i // 5110:06d}"
            imp = rnd.randrange(100, 50000)
            reach = imp * 7 // 10
            views = imp // 2
            likes = imp // 40
            lines.append(
                f"{day},{plat},{post},https://example.org/{plat}/{post},{imp},{reach},{views},"
                f"{likes},{likes // 10},{likes // 20},{likes // 30},{likes // 15},\n"
            )
            if len(lines) == 50000:
                fh.writelines(lines)
                lines.clear()
        fh.writelines(lines)


PARTICIPANTS_HEADER = (
    "event_code,event_name,event_date,event_type,region,sex,age_group,participants"
)
REGIONS = ("Almaty", "Astana", "Shymkent", "Karaganda", "Aktobe")
SEXES = ("female", "male")
AGE_GROUPS = ("under 18", "18-24", "25-34", "35-44", "45-54", "55-64", "65+")
EVENT_TYPES = ("training", "workshop", "screening", "discussion", "online")


def write_participants(path: Path, rows: int, seed: int = 2) -> None:
    """Events over 2025-2026, each counted by region, sex and age group (70 rows an event)."""
    rnd = random.Random(seed)
    start = dt.date(2025, 1, 1)
    groups = [(r, s, a) for r in REGIONS for s in SEXES for a in AGE_GROUPS]
    with path.open("w", encoding="utf-8", newline="") as fh:
        fh.write(PARTICIPANTS_HEADER + "\n")
        lines = []
        for i in range(rows):
            event, (region, sex, age) = divmod(i, len(groups))[0], groups[i % len(groups)]
            day = (start + dt.timedelta(days=event % 730)).isoformat()
            kind = EVENT_TYPES[event % len(EVENT_TYPES)]
            lines.append(
                f"EV{event:06d},Event {event} ({kind}),{day},{kind},{region},{sex},{age},"
                f"{rnd.randrange(0, 40)}\n"
            )
            if len(lines) == 50000:
                fh.writelines(lines)
                lines.clear()
        fh.writelines(lines)


def write_programme(path: Path) -> None:
    wb = openpyxl.Workbook()
    wb.remove(wb.active)
    sheets = {
        "organisations": [["code", "name", "city"], ["BEN", "Benchmark NGO", "Almaty"]],
        "campaigns": [
            ["code", "name", "organisation", "thematic_area", "start_date", "end_date"],
            [
                "BENCH-01",
                "Benchmark campaign",
                "BEN",
                "access to information",
                "2025-01-01",
                "2026-12-31",
            ],
        ],
    }
    for name, rows in sheets.items():
        ws = wb.create_sheet(name)
        for row in rows:
            ws.append(row)
    wb.save(path)


def measure(cmd: list[str]) -> tuple[float, float, str]:
    """Wall seconds and peak RSS (MiB) of one child process."""
    done = run_child(cmd)
    out = done.stdout + done.stderr
    if done.code != 0:
        raise RuntimeError(f"{cmd} failed ({done.code}): {out[-2000:]}")
    return done.seconds, done.peak_mib, out


def main() -> None:
    only = os.environ.get("BENCH_ONLY", "")
    kinds = ("load", "pages", "export", "publish", "hostile", "growth")
    if only not in ("", *kinds):
        sys.exit(f"BENCH_ONLY={only!r}: use {', '.join(kinds)}, or leave it unset for all")
    growth = int(os.environ.get("BENCH_GROWTH") or (10 if only == "growth" else 0))
    # Each benchmark's module is imported when it runs, not before: the peak memory of a child
    # process as Linux reports it (``ru_maxrss``) counts this process's size when the child
    # started, so the load benchmark must not carry the dashboard's modules.
    if only in ("", "load"):
        load_benchmark()
    if only in ("", "pages"):
        from bench import pages

        pages.run(write=True)
    if only in ("", "export"):
        from bench import reports

        reports.run(record=True)
    if only in ("", "publish"):
        publish_benchmark()
    if only in ("", "hostile"):
        from bench import hostile

        hostile.run(record=True)
    if growth > 1 and only in ("", "growth"):
        from bench import growth as growing

        growing.run(growth, record=True)


def publish_benchmark() -> None:
    """A 20-row load into the demo programme and into the scale programme (``bench.publish``)."""
    from bench import publish
    from bench.scale import scale_warehouse
    from etl.demo import build_demo
    from etl.warehouse import Warehouse

    with tempfile.TemporaryDirectory(prefix="campaigns-bench-demo-") as tmp:
        demo = Warehouse(Path(tmp) / "demo.duckdb")
        build_demo(demo)
        measured = [("demo programme", publish.measure(demo))]
    measured.append(("scale programme", publish.measure(scale_warehouse())))
    lines = [
        f"Measured {dt.date.today().isoformat()} on {platform.machine()}, {os.cpu_count()} "
        f"cores; fastest of {publish.REPEAT} loads (each undone) per warehouse.",
        "",
        *publish.table_rows(measured),
    ]
    print("\n".join(lines))
    write_block("publish", lines)


# The least a load must do, on the same file into the same warehouse: DuckDB reads it with the
# types it detects and its rows, numbered, go into the warehouse's table of that kind in one
# transaction. No checks, no checksum, no audit, no kept tables, no published copy.
FLOOR_SQL = {
    "metrics": (
        "INSERT INTO core.metric_observation SELECT 'BENCH-01', platform, post_id, \"date\", "
        '\'day\', impressions, reach, "views", likes, "comments", shares, saves, clicks, '
        "followers, 1, NULL, row_number() OVER () FROM read_csv(?)"
    ),
    "participants": (
        "INSERT INTO core.participant_count SELECT 'BENCH-01', event_code, region, sex, "
        "age_group, participants, 1, NULL, row_number() OVER () FROM read_csv(?)"
    ),
}
# The files of the load benchmark: (name in the figures, generator, the floor's SQL).
LOAD_FILES = (
    ("metrics file (13 columns)", write_metrics, FLOOR_SQL["metrics"]),
    ("participants file (8 columns)", write_participants, FLOOR_SQL["participants"]),
)


def load_benchmark() -> None:
    campaigns = [sys.executable, "-m", "cli"]
    with tempfile.TemporaryDirectory(prefix="campaigns-bench-") as tmp:
        tmp = Path(tmp)
        programme = tmp / "programme.xlsx"
        write_programme(programme)
        template = tmp / "template" / "wh.duckdb"
        measure([*campaigns, "--warehouse", str(template), "load", str(programme)])
        tables = []
        for number, (title, write, floor) in enumerate(LOAD_FILES):
            csv = tmp / f"file{number}.csv"
            t0 = time.perf_counter()
            write(csv, ROWS)
            print(
                f"{title}: generated {ROWS:,} rows ({csv.stat().st_size / 1048576:.0f} MiB) "
                f"in {time.perf_counter() - t0:.1f} s"
            )
            work = tmp / f"file{number}"
            tables.append(_measure_load(campaigns, work, csv, template, title, floor))
            csv.unlink()
    _record(tables, ROWS)


def _measure_load(
    campaigns: list[str], work: Path, csv: Path, template: Path, title: str, floor_sql: str
) -> tuple[str, list[str], str]:
    """The raw read, the floor (``FLOOR_SQL``) and our load of ``csv``, alternately: the
    table's rows for the document and what was written."""
    raw_sql = (
        "import duckdb,sys; c=duckdb.connect(sys.argv[1]); "
        "c.execute('CREATE TABLE t AS SELECT * FROM read_csv(?)', [sys.argv[2]]); c.close()"
    )
    floor_py = (
        "import duckdb,sys; c=duckdb.connect(sys.argv[1]); c.execute('BEGIN'); "
        "c.execute(sys.argv[3], [sys.argv[2]]); c.execute('COMMIT'); c.close()"
    )
    work.mkdir()
    base, floor, ours = [], [], []
    for run in range(REPEAT):
        raw_db = work / f"raw{run}.duckdb"
        base.append(measure([sys.executable, "-c", raw_sql, str(raw_db), str(csv)]))
        raw_db.unlink()
        least = work / f"floor{run}" / "wh.duckdb"
        shutil.copytree(template.parent, least.parent)
        floor.append(measure([sys.executable, "-c", floor_py, str(least), str(csv), floor_sql]))
        shutil.rmtree(least.parent)
        wh = work / f"run{run}" / "wh.duckdb"
        shutil.copytree(template.parent, wh.parent)
        load = [*campaigns, "--warehouse", str(wh), "load", str(csv), "--campaign", "BENCH-01"]
        ours.append(measure([*load, "--json"]))
    again_wall, _, _ = measure(load)
    con = duckdb.connect(str(wh), read_only=True)
    written = con.execute(
        "SELECT (SELECT count(*) FROM metric_values), (SELECT count(*) FROM participants)"
    ).fetchone()
    con.close()
    base_wall, base_rss = min(w for w, _, _ in base), max(r for _, r, _ in base)
    floor_wall, floor_rss = min(w for w, _, _ in floor), max(r for _, r, _ in floor)
    ours_wall, ours_rss = min(w for w, _, _ in ours), max(r for _, r, _ in ours)
    print("baseline runs: " + ", ".join(f"{w:.2f} s" for w, _, _ in base))
    print("floor runs:    " + ", ".join(f"{w:.2f} s" for w, _, _ in floor))
    print("load runs:     " + ", ".join(f"{w:.2f} s" for w, _, _ in ours))
    ratio = ours_wall / base_wall
    lines = [
        f"| raw DuckDB `read_csv` into a table (baseline) | {base_wall:.2f} s | "
        f"{base_rss:.0f} MiB | 1.00 |",
        f"| the least a load must do: typed `read_csv`, rows numbered into the warehouse's "
        f"table in one transaction (floor) | {floor_wall:.2f} s | {floor_rss:.0f} MiB | "
        f"{floor_wall / base_wall:.2f} |",
        f"| `campaigns load` (parse, validate, idempotence, audit, publish) | {ours_wall:.2f} s |"
        f" {ours_rss:.0f} MiB | {ratio:.2f} ({ours_wall / floor_wall:.2f} × the floor) |",
        f"| `campaigns load` of the same bytes again (no-op) | {again_wall:.2f} s | | "
        f"{again_wall / base_wall:.2f} |",
    ]
    what = (
        f"{written[0]:,} metric values written"
        if written[0]
        else f"{written[1]:,} participant counts written"
    )
    print(f"{title}: {ROWS:,} rows; {what}")
    print("\n".join(lines))
    print(
        f"{title}: ratio ours/raw {ratio:.2f} (target <= 1.5, goal 1.2; the floor "
        f"{floor_wall / base_wall:.2f}); peak memory {ours_rss:.0f} MiB (target < 600)"
    )
    return title, lines, what


def _record(tables: list[tuple[str, list[str], str]], rows: int) -> None:
    block = [
        f"Measured {dt.date.today().isoformat()} on {platform.machine()}, "
        f"{os.cpu_count()} cores, Python {platform.python_version()}, "
        f"DuckDB {duckdb.__version__}; {rows:,} rows a file; fastest of {REPEAT} runs each.",
    ]
    for title, lines, what in tables:
        block += [
            "",
            f"The {title}, {what}:",
            "",
            "| step | wall time | peak memory | ratio to baseline |",
            "|---|---|---|---|",
            *lines,
        ]
    write_block("load", block)


if __name__ == "__main__":
    main()
