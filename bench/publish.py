"""What a small load costs as the warehouse grows: a 20-row file loaded into a warehouse, then
undone, each timed whole (``load_file``, ``batches.undo``: checking, writing, committing and
publishing the read copy), with what each published (the log of its commits, or the whole
file), beside a copy of the whole file (what publishing costs when the file itself changed)
and the size of the warehouse.

The load and its undo leave the warehouse's figures as they were (the load log keeps the two
batches). ``python -m bench.publish PATH...`` measures the warehouses given.
"""

from __future__ import annotations

import datetime as dt
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

import duckdb

from etl import batches
from etl.load import load_file
from etl.warehouse import Warehouse, clone_or_copy

ROWS = 20
HEADER = "date,platform,post_id,post_url,impressions,reach,views,likes,comments,shares,saves"
REPEAT = 3


@dataclass(frozen=True)
class PublishTiming:
    warehouse_mib: float
    load_s: float
    undo_s: float
    published: str  # what the loads and undos published: "the log", "the file" or both
    log_kib: float  # the largest log a load or an undo published
    publish_s: float  # a copy of the whole file
    how: str  # "clone" or "copy"


def small_file(path: Path, start: dt.date) -> Path:
    """``ROWS`` daily rows of one new post from ``start``."""
    lines = [HEADER]
    for i in range(ROWS):
        day = (start + dt.timedelta(days=i)).isoformat()
        lines.append(
            f"{day},instagram,bench-publish,https://example.org/p/bench-publish,"
            f"{1000 + i},{700 + i},{500 + i},{20 + i},{i},{i // 2},{i // 3}"
        )
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def _campaign(wh: Warehouse) -> tuple[str, dt.date]:
    con = duckdb.connect(str(wh.read_path), read_only=True)
    try:
        code, start = con.execute(
            "SELECT code, start_date FROM campaigns ORDER BY code LIMIT 1"
        ).fetchone()
    finally:
        con.close()
    return code, start


def _published(wh: Warehouse, copy_before: int) -> tuple[str, float]:
    """What the write just done published: its log (KiB) or the whole file."""
    if wh.read_path.stat().st_ino != copy_before or not wh.read_log_path.exists():
        return "the file", 0.0
    return "the log", wh.read_log_path.stat().st_size / 1024


def measure(wh: Warehouse, repeat: int = REPEAT) -> PublishTiming:
    """The fastest of ``repeat`` small loads (each undone) into ``wh``, after a publish of
    the whole file (as after a large load), so that each publishes what a small load does."""
    campaign, start = _campaign(wh)
    wh.publish()
    loads, undos, publishes, published, logs = [], [], [], set(), [0.0]
    how = ""
    with tempfile.TemporaryDirectory(prefix="campaigns-bench-publish-") as tmp:
        csv = small_file(Path(tmp) / "small.csv", start + dt.timedelta(days=30))
        for _ in range(repeat):
            copy = wh.read_path.stat().st_ino
            t0 = time.perf_counter()
            result = load_file(wh, csv, campaign=campaign, kind="metrics", loaded_by="bench")
            loads.append(time.perf_counter() - t0)
            if result.status != "loaded" or result.batch_id is None:
                raise RuntimeError(f"the small load into {wh.path} was not loaded: {result}")
            what, kib = _published(wh, copy)
            published.add(what)
            logs.append(kib)
            copy = wh.read_path.stat().st_ino
            t0 = time.perf_counter()
            batches.undo(wh, result.batch_id, undone_by="bench")
            undos.append(time.perf_counter() - t0)
            what, kib = _published(wh, copy)
            published.add(what)
            logs.append(kib)
            # beside the warehouse, on its filesystem, as publishing the file makes it
            target = wh.path.with_name(f".{wh.path.stem}.bench-copy.duckdb")
            t0 = time.perf_counter()
            how = clone_or_copy(wh.path, target)
            publishes.append(time.perf_counter() - t0)
            target.unlink()
    return PublishTiming(
        warehouse_mib=wh.path.stat().st_size / 1048576,
        load_s=min(loads),
        undo_s=min(undos),
        published=" or ".join(sorted(published)),
        log_kib=max(logs),
        publish_s=min(publishes),
        how=how,
    )


def table_rows(measured: list[tuple[str, PublishTiming]]) -> list[str]:
    """The markdown rows of the figures: one per warehouse."""
    rows = [
        "| warehouse | size | 20-row load | its undo | what each published | "
        "copying the whole file |",
        "|---|---|---|---|---|---|",
    ]
    for name, m in measured:
        what = m.published
        if "the log" in what:
            what += f" (up to {m.log_kib:,.0f} KiB)"
        rows.append(
            f"| {name} | {m.warehouse_mib:,.0f} MiB | {m.load_s:.2f} s | {m.undo_s:.2f} s | "
            f"{what} | {m.publish_s:.2f} s ({m.how}) |"
        )
    return rows


def main() -> None:
    measured = [(p, measure(Warehouse(Path(p)))) for p in sys.argv[1:]]
    print("\n".join(table_rows(measured)))


if __name__ == "__main__":
    main()
