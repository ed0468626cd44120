"""Files above the size at which DuckDB's own CSV reader takes over from Python's (and which
span several of its row groups).

The two readers must agree: same rows, same row numbers in messages, same values loaded.
"""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest
from conftest import METRICS_HEADER

from etl import reading, warehouse
from etl.load import load_file
from etl.warehouse import Warehouse

START = dt.date(2026, 3, 1)


def big_metrics(path: Path, bad: dict[int, str]) -> tuple[dict[int, int], int]:
    """Post rows for PDP-01, with ``bad`` row number -> impressions cell written instead.

    Returns the impressions of every good row by its row number in the file (the header is
    row 1), and the number of data rows.
    """
    good: dict[int, int] = {}
    lines = [METRICS_HEADER]
    row = 1
    for post in range(1000):
        for day in range(300):
            row += 1
            imp = (post * 7919 + day * 104729) % 90000 + 100
            cell = f'"{bad[row]}"' if row in bad else str(imp)
            if row not in bad:
                good[row] = imp
            date = (START + dt.timedelta(days=day)).isoformat()
            # A quoted title-like URL with a comma keeps the quoting rules in play.
            lines.append(
                f'{date},instagram,p{post:04d},"https://example.org/p/{post},x",{cell},'
                f"{imp // 2},,{imp // 40},1,,,,"
            )
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return good, row - 1


@pytest.mark.parametrize("memory_mb", [None, "128"], ids=["duckdb-default", "held-to-128mib"])
def test_large_file_rows_are_numbered_and_loaded_like_small_ones(
    programme: Warehouse, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, memory_mb: str | None
) -> None:
    # Held to the least memory a load may have, DuckDB writes what does not fit to temporary
    # files: the load must come out the same.
    if memory_mb:
        monkeypatch.setenv(warehouse.LOAD_MEMORY_ENV, memory_mb)
    bad = {2: "lots", 150_001: "-5", 300_001: "1,2k"}
    path = tmp_path / "big.csv"
    good, rows = big_metrics(path, bad)
    assert path.stat().st_size > reading.FAST_PATH_BYTES

    result = load_file(programme, path, campaign="PDP-01", skip_invalid=True)

    assert result.detected["reader"] == "duckdb"
    assert result.status == "loaded", result.errors[:3]
    assert (result.rows_read, result.rows_loaded, result.rows_rejected) == (
        rows,
        rows - len(bad),
        len(bad),
    )
    assert {e.row for e in result.errors} == set(bad)
    assert {(e.row, e.value) for e in result.errors if e.column == "impressions"} == set(
        bad.items()
    )
    with programme.reader() as con:
        loaded = dict(
            con.execute(
                "SELECT source_row, impressions FROM core.metric_observation WHERE batch_id = ?",
                [result.batch_id],
            ).fetchall()
        )
        kept = con.execute(
            "SELECT row_number, cells FROM core.rejected_row WHERE batch_id = ? ORDER BY 1",
            [result.batch_id],
        ).fetchall()
    assert loaded == good
    assert [r for r, _ in kept] == sorted(bad)
    assert [json.loads(j)["impressions"] for _, j in kept] == [bad[r] for r in sorted(bad)]


def test_a_writer_holds_duckdb_to_the_load_memory_setting(
    programme: Warehouse, monkeypatch: pytest.MonkeyPatch
) -> None:
    def limit_set(env: str | None) -> str:
        if env is None:
            monkeypatch.delenv(warehouse.LOAD_MEMORY_ENV, raising=False)
        else:
            monkeypatch.setenv(warehouse.LOAD_MEMORY_ENV, env)
        with programme.writer(publish=False) as con:
            return con.execute("SELECT current_setting('memory_limit')").fetchone()[0]

    assert limit_set(None) == "512.0 MiB"
    assert limit_set("300") == "300.0 MiB"
    assert limit_set("64") == "128.0 MiB"  # the least a load can work in
    assert limit_set("lots") == "512.0 MiB"  # not a number: the default, with a warning
    # A process that set DuckDB's limits itself (an upload's worker) keeps them.
    monkeypatch.setitem(warehouse._connection_config, "memory_limit", "200MiB")
    assert limit_set("300") == "200.0 MiB"
