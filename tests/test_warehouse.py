"""The warehouse file: migrations, the published read copy, and writers taking turns."""

from __future__ import annotations

import contextlib
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


def _scratch(wh: Warehouse) -> tuple[int, int]:
    with wh.reader() as reader:
        return reader.execute("SELECT count(*), coalesce(sum(x), 0) FROM core.scratch").fetchone()


def _file_stamp(wh: Warehouse) -> tuple:
    stat = wh.path.stat()
    return (stat.st_size, stat.st_mtime_ns, wh.path.read_bytes()[: 3 * 4096])


def test_a_small_write_publishes_its_log_and_leaves_the_copy(programme):
    """A small load copies its own log beside the read copy: the copy readers have open and
    the warehouse file stay as they are, and a reader sees every commit."""
    with programme.writer() as con:
        con.execute("CREATE TABLE core.scratch (x BIGINT)")
    copy = programme.read_path.stat().st_ino
    file = _file_stamp(programme)
    versions = set()
    # Attached, as the dashboard opens it (DuckDB answers a second connect to the same path in
    # one process with the database already open).
    before = duckdb.connect()
    before.execute(f"ATTACH '{programme.read_path}' AS wh (READ_ONLY)")
    with contextlib.closing(before):
        for i in range(1, 4):
            with programme.writer() as con:
                con.execute("INSERT INTO core.scratch VALUES (?)", [i * 10])
            assert programme.read_path.stat().st_ino == copy
            assert _file_stamp(programme) == file
            assert programme.read_log_path.read_bytes() == programme.log_path.read_bytes()
            versions.add(programme.version())
            assert _scratch(programme) == (i, sum(k * 10 for k in range(1, i + 1)))
        # The reader opened before the writes keeps what it opened.
        assert before.execute("SELECT count(*) FROM wh.core.scratch").fetchone() == (0,)
    assert len(versions) == 3


def test_rows_written_into_the_file_publish_the_file(programme):
    """DuckDB writes a large insert's rows into the file itself, and its log only points at
    them: the log alone would not read on the copy, so the file is copied."""
    with programme.writer() as con:
        con.execute("CREATE TABLE core.scratch (x BIGINT, label VARCHAR)")
    copy = programme.read_path.stat().st_ino
    file = _file_stamp(programme)
    n = 300_000
    with programme.writer() as con:
        con.execute(
            "INSERT INTO core.scratch SELECT (i * 7919) % 1000003, 'post-' || i FROM range(?) t(i)",
            [n],
        )
    assert _file_stamp(programme) != file  # the rows went into the file
    assert programme.read_path.stat().st_ino != copy
    assert not programme.read_log_path.exists() and not programme.log_path.exists()
    assert _scratch(programme) == (n, sum((i * 7919) % 1000003 for i in range(n)))
    # and the next small write is published as its log again
    copy = programme.read_path.stat().st_ino
    with programme.writer() as con:
        con.execute("INSERT INTO core.scratch VALUES (1, 'one more')")
    assert programme.read_path.stat().st_ino == copy and programme.read_log_path.exists()
    assert _scratch(programme) == (n + 1, sum((i * 7919) % 1000003 for i in range(n)) + 1)


def test_a_log_above_its_limit_is_folded_into_the_file(programme, monkeypatch):
    with programme.writer() as con:
        con.execute("CREATE TABLE core.scratch (x BIGINT)")
    monkeypatch.setenv("CAMPAIGNS_PUBLISH_LOG_KB", "0.1")  # about a hundred bytes
    copy = programme.read_path.stat().st_ino
    with programme.writer() as con:
        con.execute("INSERT INTO core.scratch VALUES (5)")
    assert programme.read_path.stat().st_ino != copy
    assert not programme.read_log_path.exists() and not programme.log_path.exists()
    assert _scratch(programme) == (1, 5)


def test_a_long_block_folds_its_log_once_past_the_limit_and_publishes_at_its_end(
    programme, monkeypatch
):
    """The demo's seventy loads, a sync of many sheets: inside :func:`publishing_once` a log
    past its limit is folded into the file by the writer that passed it (every later writer
    would replay it on opening), and readers still see nothing until the block ends."""
    from etl.warehouse import publishing_once

    with programme.writer() as con:
        con.execute("CREATE TABLE core.scratch (x BIGINT, label VARCHAR)")
    limit_kb = 8
    monkeypatch.setenv("CAMPAIGNS_PUBLISH_LOG_KB", str(limit_kb))
    before = programme.version()
    sizes = []
    with publishing_once():
        for i in range(1, 31):
            with programme.writer() as con:
                con.execute(
                    "INSERT INTO core.scratch SELECT ?, repeat('x', 40) || i FROM range(20) t(i)",
                    [i],
                )
            sizes.append(programme.log_path.stat().st_size if programme.log_path.exists() else 0)
            assert programme.version() == before
            assert _scratch(programme) == (0, 0)
    # Each write logs about a KiB: the log was folded when it passed the limit, and again.
    assert all(size <= limit_kb * 1024 for size in sizes), sizes
    assert sizes.count(0) >= 2, sizes
    assert programme.version() != before
    assert not programme.read_log_path.exists()
    assert _scratch(programme) == (600, sum(range(1, 31)) * 20)


def test_a_file_another_program_changed_is_published_whole(programme):
    """An analyst's DuckDB writing the file directly: the copy's log would no longer fit the
    file, so the next publish copies the file."""
    with programme.writer() as con:
        con.execute("CREATE TABLE core.scratch (x BIGINT)")
    outside = duckdb.connect(str(programme.path))  # DuckDB's defaults: folds its log on closing
    outside.execute("INSERT INTO core.scratch VALUES (1)")
    outside.close()
    copy = programme.read_path.stat().st_ino
    with programme.writer() as con:
        con.execute("INSERT INTO core.scratch VALUES (2)")
    assert programme.read_path.stat().st_ino != copy
    assert _scratch(programme) == (2, 3)


def test_a_reader_meeting_a_new_copy_with_the_old_log_opens_again(programme):
    """The moment between a new copy's rename and its old log's removal: DuckDB refuses the
    pair, and the reader opens again once the log is gone."""
    with programme.writer() as con:
        con.execute("CREATE TABLE core.scratch (x BIGINT)")
    with programme.writer() as con:
        con.execute("INSERT INTO core.scratch VALUES (1)")
    old_log = programme.read_log_path.read_bytes()
    with programme.writer() as con:  # a large write: the file is copied, its log removed
        con.execute("INSERT INTO core.scratch SELECT (i * 7919) % 1000003 FROM range(300000) t(i)")
    assert not programme.read_log_path.exists()
    programme.read_log_path.write_bytes(old_log)
    with pytest.raises(duckdb.Error, match="WAL"):
        duckdb.connect(str(programme.read_path), read_only=True)
    threading.Timer(0.2, programme.read_log_path.unlink).start()
    assert _scratch(programme) == (300_001, 1 + sum((i * 7919) % 1000003 for i in range(300_000)))


def test_a_copy_published_while_it_was_opened_is_opened_again(programme):
    with programme.writer() as con:
        con.execute("CREATE TABLE core.scratch (x BIGINT)")
    closed = []

    def open_then_a_load_lands(path: str) -> duckdb.DuckDBPyConnection:
        con = duckdb.connect(path, read_only=True)
        if not closed:
            with programme.writer() as writer:
                writer.execute("INSERT INTO core.scratch VALUES (9)")
        return con

    def close(con: duckdb.DuckDBPyConnection) -> None:
        closed.append(con.execute("SELECT count(*) FROM core.scratch").fetchone())
        con.close()

    con = programme.open_published(open_then_a_load_lands, close)
    try:
        assert closed == [(0,)]
        assert con.execute("SELECT sum(x) FROM core.scratch").fetchone() == (9,)
    finally:
        con.close()


def test_a_small_load_and_its_undo_publish_their_log(programme, tmp_path):
    """Through the loader: a load of two spend rows and its undo each copy their log, not
    the warehouse, and readers see the rows and then their absence."""
    from etl import batches
    from etl.load import load_file

    programme.publish()  # as after a large load: the read copy made from the file
    copy = programme.read_path.stat().st_ino
    spend = tmp_path / "spend.csv"
    spend.write_text(
        "date,budget_line,amount,currency,description,reference\n"
        "2026-03-10,5.2,603500,KZT,Boosted posts,INV-1\n"
        "2026-04-15,5.1,1209000,KZT,Explainer video,INV-2\n",
        encoding="utf-8",
    )

    def spent() -> tuple:
        with programme.reader() as reader:
            return reader.execute(
                "SELECT count(*), sum(amount) FROM spend WHERE campaign_code = 'PDP-01'"
            ).fetchone()

    before = spent()
    result = load_file(programme, spend, campaign="PDP-01")
    assert result.status == "loaded", result.errors
    assert programme.read_path.stat().st_ino == copy and programme.read_log_path.exists()
    assert spent() == (before[0] + 2, (before[1] or 0) + 603500 + 1209000)
    batches.undo(programme, result.batch_id, undone_by="test")
    assert programme.read_path.stat().st_ino == copy
    assert spent() == before


def test_a_reader_opened_after_a_publish_sees_it_while_an_earlier_one_is_open(programme):
    """Two pieces of work in one process (two sessions of the dashboard, say): the second
    opens the copy as now published, not the database the first still has open."""
    with programme.writer() as con:
        con.execute("CREATE TABLE core.scratch (x BIGINT)")
    with programme.reader() as first:
        with programme.writer() as con:
            con.execute("INSERT INTO core.scratch VALUES (4)")
        with programme.reader() as second:
            assert second.execute("SELECT sum(x) FROM core.scratch").fetchone() == (4,)
        assert first.execute("SELECT count(*) FROM core.scratch").fetchone() == (0,)
