"""The warehouse file: migrations, the published read copy, and writers taking turns."""

from __future__ import annotations

import shutil
import threading
import time
from pathlib import Path

import duckdb
import pytest
from click.testing import CliRunner

from cli import cli
from etl import migrations
from etl.warehouse import Warehouse, WarehouseBusy

SHIPPED = Path(migrations.__file__).parent


def tables(path: Path) -> list[tuple[str, str]]:
    con = duckdb.connect(str(path), read_only=True)
    try:
        return con.execute(
            "SELECT table_schema, table_name FROM information_schema.tables ORDER BY ALL"
        ).fetchall()
    finally:
        con.close()


def test_init_creates_and_rerunning_is_a_no_op(tmp_path):
    path = tmp_path / "new" / "warehouse.duckdb"
    runner = CliRunner()
    first = runner.invoke(cli, ["--warehouse", str(path), "init"])
    assert first.exit_code == 0, first.output
    shipped = [m.version for m in migrations.available()]
    assert f"schema version {max(shipped)}" in first.output
    con = duckdb.connect(str(path), read_only=True)
    applied = con.execute("SELECT version, applied_at FROM schema_migration").fetchall()
    con.close()
    before = tables(path)
    second = runner.invoke(cli, ["--warehouse", str(path), "init"])
    assert second.exit_code == 0
    con = duckdb.connect(str(path), read_only=True)
    assert con.execute("SELECT version, applied_at FROM schema_migration").fetchall() == applied
    con.close()
    assert tables(path) == before
    assert ("main", "campaigns") in before and ("core", "metric_observation") in before


def test_warehouse_path_from_environment(tmp_path, monkeypatch):
    path = tmp_path / "env" / "wh.duckdb"
    monkeypatch.setenv("CAMPAIGNS_WAREHOUSE", str(path))
    result = CliRunner().invoke(cli, ["init"])
    assert result.exit_code == 0, result.output
    assert path.exists() and Warehouse(path).read_path.exists()


def _with_extra(tmp_path: Path, name: str, sql: str) -> Path:
    folder = tmp_path / "migrations"
    folder.mkdir()
    for f in SHIPPED.glob("*.sql"):
        shutil.copy(f, folder / f.name)
    (folder / name).write_text(sql, encoding="utf-8")
    return folder


def _next() -> int:
    return max(m.version for m in migrations.available()) + 1


def test_failed_migration_leaves_the_file_as_it_was(warehouse, tmp_path):
    folder = _with_extra(
        tmp_path,
        f"{_next():04d}_broken.sql",
        "CREATE TABLE core.half_done (x INTEGER);\nALTER TABLE core.nowhere ADD COLUMN y INT;\n",
    )
    before = tables(warehouse.path)
    con = duckdb.connect(str(warehouse.path))
    applied = migrations.applied(con)
    with pytest.raises(RuntimeError, match=f"{_next():04d}_broken"):
        migrations.apply(con, folder)
    assert migrations.applied(con) == applied
    con.close()
    assert tables(warehouse.path) == before


def test_failed_first_migration_leaves_a_new_file_empty(tmp_path):
    folder = tmp_path / "m"
    folder.mkdir()
    (folder / "0001_broken.sql").write_text("CREATE TABLE a (x INT);\nSELECT * FROM nowhere;\n")
    path = tmp_path / "fresh.duckdb"
    con = duckdb.connect(str(path))
    with pytest.raises(RuntimeError):
        migrations.apply(con, folder)
    con.close()
    assert tables(path) == []


def test_a_new_migration_is_applied_once_in_order(warehouse, tmp_path):
    new = _next()
    folder = _with_extra(tmp_path, f"{new:04d}_extra.sql", "CREATE TABLE core.extra (x INTEGER);")
    con = duckdb.connect(str(warehouse.path))
    before = migrations.applied(con)
    assert [m.version for m in migrations.apply(con, folder)] == [new]
    assert migrations.apply(con, folder) == []
    assert migrations.applied(con) == [*before, new]
    con.close()


def test_readers_see_the_published_copy_and_never_hold_the_file(programme):
    with programme.reader() as reader:
        # A writer can work while a reader is open.
        with programme.writer() as con:
            con.execute("CREATE TABLE core.scratch AS SELECT 1 AS x")
        # The open reader keeps the copy it opened.
        assert reader.execute(
            "SELECT count(*) FROM information_schema.tables WHERE table_name = 'scratch'"
        ).fetchone() == (0,)
    with programme.reader() as reader:
        assert reader.execute("SELECT x FROM core.scratch").fetchone() == (1,)


def test_version_changes_when_a_load_is_published(programme):
    before = programme.version()
    with programme.writer() as con:
        con.execute("CREATE TABLE core.scratch AS SELECT 1 AS x")
    assert programme.version() != before
    # Two writes in quick succession, each published: the second copy is a new version too,
    # even within one tick of the filesystem's clock.
    versions = set()
    for i in range(5):
        with programme.writer() as con:
            con.execute("INSERT INTO core.scratch VALUES (?)", [i])
        versions.add(programme.version())
        with programme.reader() as reader:
            assert reader.execute("SELECT count(*) FROM core.scratch").fetchone() == (i + 2,)
    assert len(versions) == 5


def test_a_writer_that_changed_nothing_publishes_nothing(programme):
    """Publishing copies the whole file: a writer that only read, or rolled back, leaves the
    copy readers have open as it is."""
    before = (programme.version(), programme.read_path.stat().st_ino)
    with programme.writer() as con:
        con.execute("SELECT count(*) FROM campaigns").fetchall()
    with programme.writer() as con:
        con.execute("BEGIN TRANSACTION")
        con.execute("CREATE TABLE core.scratch AS SELECT 1 AS x")
        con.execute("ROLLBACK")
    assert (programme.version(), programme.read_path.stat().st_ino) == before


def test_writes_in_a_block_are_published_once_at_its_end(programme):
    """A sync of many sheets, or the demo: readers see the block's writes together."""
    from etl.warehouse import publishing_once

    before = programme.version()
    with publishing_once():
        for i in range(3):
            with programme.writer() as con:
                con.execute("CREATE OR REPLACE TABLE core.scratch AS SELECT ? AS x", [i])
            assert programme.version() == before
    assert programme.version() != before
    with programme.reader() as reader:
        assert reader.execute("SELECT x FROM core.scratch").fetchone() == (2,)


def test_a_block_that_fails_still_publishes_what_was_committed(programme):
    from etl.warehouse import publishing_once

    with pytest.raises(RuntimeError), publishing_once():
        with programme.writer() as con:
            con.execute("CREATE TABLE core.scratch AS SELECT 7 AS x")
        raise RuntimeError("the next sheet could not be read")
    with programme.reader() as reader:
        assert reader.execute("SELECT x FROM core.scratch").fetchone() == (7,)


def test_the_read_copy_holds_the_same_bytes(programme, tmp_path):
    from etl.warehouse import clone_or_copy

    how = clone_or_copy(programme.path, tmp_path / "copy.duckdb")
    assert how in ("clone", "copy")
    assert (tmp_path / "copy.duckdb").read_bytes() == programme.path.read_bytes()


def test_writers_wait_their_turn(programme):
    order = []

    def slow_writer():
        with programme.writer() as con:
            order.append("first in")
            time.sleep(0.5)
            con.execute("CREATE TABLE core.first AS SELECT 1 AS x")
            order.append("first out")

    t = threading.Thread(target=slow_writer)
    t.start()
    time.sleep(0.1)
    with programme.writer() as con:
        order.append("second in")
        assert con.execute("SELECT x FROM core.first").fetchone() == (1,)
    t.join()
    assert order == ["first in", "first out", "second in"]


def test_a_writer_gives_up_with_a_clear_message(programme):
    release = threading.Event()

    def holder():
        with programme.writer():
            release.wait(5)

    t = threading.Thread(target=holder)
    t.start()
    time.sleep(0.1)
    try:
        with pytest.raises(WarehouseBusy, match="try again"), programme.writer(wait_seconds=0.2):
            pass
    finally:
        release.set()
        t.join()
