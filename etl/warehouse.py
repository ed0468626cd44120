"""The warehouse file: where it is, who may write it, and how readers see it.

DuckDB lets one process write a database file, and a process that holds the file open, even
read-only, stops any other process from writing it. The dashboard stays open all day while
loads arrive from uploads and from scheduled syncs, so readers and writers never share a file:

* Writers take an exclusive lock on ``<warehouse>.lock`` (waiting their turn, never failing
  because another load runs), open ``<warehouse>`` read-write, commit, close, and then publish
  what they committed to the read copy, ``<warehouse stem>.read.duckdb``.
* Readers open that read copy read-only, for one piece of work at a time, and never hold the
  file a writer needs.

Migrations run whenever a writer opens the file, so the published copy always has the current
schema.

A commit is written first to DuckDB's write-ahead log beside the file (``<warehouse>.wal``)
and only later folded into the file itself by a checkpoint. Writers do not checkpoint after
every write: the file stays as it was and the log grows. Publishing then copies what changed:

* **the log**, when the file is byte for byte the one the read copy was made from: the log is
  copied beside the read copy as ``<warehouse stem>.read.duckdb.wal`` (an atomic rename), and
  DuckDB replays it whenever the copy is opened. A small load costs a copy of its own log, not
  of the warehouse.
* **the file**, when it changed since (DuckDB writes a large load's rows straight into the
  file, and they cannot be read without it) or the log passed ``CAMPAIGNS_PUBLISH_LOG_KB``:
  the log is folded into the file (``CHECKPOINT``), the file copied as a new read copy
  renamed over the old one, and the old copy's log removed. Where the filesystem shares
  blocks between files (XFS with reflinks, Btrfs), that copy is a clone and costs no time or
  disk; on ext4 it is a real copy (docs/deployment.md).

``<warehouse>.published`` records which file the read copy was made from (its size, time stamp
and DuckDB's headers, and the copy's inode): any change to the file since, by this code or
another program, makes the next publish copy the file. Folding moves the file's time stamp a
second ahead, so a write after it always shows, whatever the clock's tick.

A reader opening the copy just as the file is copied could meet the new copy with the old log
(DuckDB refuses it: the log names the checkpoint it follows) or the old copy without its log;
:meth:`Warehouse.open_published` opens again when either happens. A reader with the copy open
keeps what it opened: the file it holds is never written, and the log was replayed on opening.

Nothing is published when the writer committed nothing, and writes inside
:func:`publishing_once` (a sync of many sheets, the demo) are published once at its end. A
log that passes its limit inside such a block is folded into the file by the writer that
passed it: the publish at the end copies the file anyway, and every writer until then would
replay the whole log on opening (the demo's seventy loads took a quarter longer).
"""

from __future__ import annotations

import contextlib
import contextvars
import fcntl
import hashlib
import json
import logging
import os
import shutil
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import TypeVar

import duckdb

from etl import migrations

DEFAULT_PATH = Path("data/warehouse.duckdb")
ENV_VAR = "CAMPAIGNS_WAREHOUSE"


class WarehouseBusy(RuntimeError):
    """Another process kept the warehouse for longer than we were willing to wait."""


def default_path() -> Path:
    """The warehouse path from ``CAMPAIGNS_WAREHOUSE``, else ``data/warehouse.duckdb``."""
    return Path(os.environ.get(ENV_VAR) or DEFAULT_PATH)


@dataclass(frozen=True)
class Warehouse:
    """One warehouse: the database file, its published read copy and its stored uploads."""

    path: Path

    @classmethod
    def at(cls, path: str | Path | None = None) -> Warehouse:
        return cls(Path(path) if path else default_path())

    @property
    def read_path(self) -> Path:
        return self.path.with_name(self.path.stem + ".read.duckdb")

    @property
    def log_path(self) -> Path:
        """DuckDB's write-ahead log of the file: the commits not yet folded into it."""
        return self.path.with_name(self.path.name + ".wal")

    @property
    def read_log_path(self) -> Path:
        """The log published beside the read copy; DuckDB replays it on opening the copy."""
        return self.read_path.with_name(self.read_path.name + ".wal")

    @property
    def lock_path(self) -> Path:
        return self.path.with_name(self.path.name + ".lock")

    @property
    def base_path(self) -> Path:
        """Which file the read copy was made from: see the module's notes."""
        return self.path.with_name(self.path.name + ".published")

    @property
    def files_dir(self) -> Path:
        """Where the original bytes of every loaded file are kept, named by checksum."""
        return self.path.with_name(self.path.stem + ".files")

    def exists(self) -> bool:
        return self.path.exists()

    @contextmanager
    def writer(
        self,
        *,
        wait_seconds: float = 600.0,
        on_wait: Callable[[], None] | None = None,
        publish: bool = True,
        fold: bool = False,
    ) -> Iterator[duckdb.DuckDBPyConnection]:
        """A read-write connection, held alone; what it committed is published on exit.

        Waits up to ``wait_seconds`` for another writer to finish. The caller commits or rolls
        back its own transactions; whatever is committed when the block ends is published.
        With ``fold``, the log is folded into the file and the file published whatever its
        size, at once: an erasure leaves no log holding the rows it removed.
        """
        self.path.parent.mkdir(parents=True, exist_ok=True)
        with _exclusive_lock(self.lock_path, wait_seconds, on_wait):
            before = (_stamp(self.path), _stamp(self.log_path))
            con = _connect_with_retry(self.path, read_only=False, wait_seconds=wait_seconds)
            try:
                _hold_write_memory(con)
                if migrations.apply(con):
                    publish = True
                yield con
            finally:
                changed = (_stamp(self.path), _stamp(self.log_path)) != before
                now = (
                    not self.read_path.exists()
                    or (fold and changed)
                    or (publish and changed and _DEFERRED.get() is None)
                )
                log = now and not fold and self.publishes_log()
                later = publish and changed and not now  # published when the block ends
                if (now and not log) or (later and self._log_past_limit()):
                    # The file is to be copied, now or when the deferred publish comes: fold
                    # the log into it while it is open (deferred, a log past the limit would
                    # otherwise be replayed by every writer until then).
                    with contextlib.suppress(duckdb.Error):
                        con.execute("CHECKPOINT")
                con.close()
            if now:
                self._publish(log=log)
            elif later:
                pending = _DEFERRED.get()
                assert pending is not None
                pending.add(self.path)

    def migrate(self, *, wait_seconds: float = 600.0) -> list[int]:
        """Create the file if needed and apply pending migrations; the versions applied."""
        with self.writer(wait_seconds=wait_seconds, publish=False) as con:
            return migrations.applied(con)

    def published(self) -> Path:
        """The read copy's path, publishing it first if it never was. A later publish replaces
        the file under a new name, so a connection keeps reading the copy it opened and never
        holds up a writer. Open it through :meth:`open_published` or :meth:`reader`."""
        if not self.read_path.exists():
            if not self.path.exists():
                raise FileNotFoundError(
                    f"no warehouse at {self.path}: run `campaigns init` or `campaigns demo`"
                )
            with self.writer():
                pass
        return self.read_path

    def open_published(self, open_: Callable[[str], _T], close: Callable[[_T], None]) -> _T:
        """``open_(path)`` of the read copy, opened again if a publish changed the copy while
        it was being opened: the new copy met with the old log (DuckDB refuses it) or the old
        copy met without its log (DuckDB would read it as it was before that log)."""
        for attempt in range(_OPEN_ATTEMPTS):
            version = self.version()
            try:
                opened = open_(str(self.published()))
            except duckdb.Error as exc:
                if "WAL" not in str(exc) or attempt == _OPEN_ATTEMPTS - 1:
                    raise
                time.sleep(0.02 * (attempt + 1))
                continue
            if self.version() == version or attempt == _OPEN_ATTEMPTS - 1:
                return opened
            close(opened)
        raise AssertionError("unreachable")

    def attach_published(self, con: duckdb.DuckDBPyConnection, catalog: str) -> None:
        """Attach the read copy read-only to ``con`` as ``catalog`` (through
        :meth:`open_published`). Attached rather than opened by path: DuckDB answers a second
        connect to a path this process has open with the database already open, which a
        publish since would have left behind."""

        def attach(copy: str) -> duckdb.DuckDBPyConnection:
            quoted = copy.replace("'", "''")
            return con.execute(f"ATTACH '{quoted}' AS {catalog} (READ_ONLY)")

        self.open_published(attach, lambda _: con.execute(f"DETACH {catalog}"))

    @contextmanager
    def reader(self) -> Iterator[duckdb.DuckDBPyConnection]:
        """A read-only connection to the published copy, attached as its default catalog;
        open it for one piece of work."""
        con = duckdb.connect()
        try:
            self.attach_published(con, _READ_CATALOG)
            con.execute(f"USE {_READ_CATALOG}")
            yield con
        finally:
            con.close()

    def version(self) -> tuple[int, ...]:
        """Changes whenever a load is published: use it to key caches. Each copy and each log
        published is stamped later than the ones before it."""
        try:
            copy = self.read_path.stat()
        except FileNotFoundError:
            return (0, 0, 0, 0)
        try:
            log = self.read_log_path.stat()
        except FileNotFoundError:
            return (copy.st_mtime_ns, copy.st_ino, 0, 0)
        return (copy.st_mtime_ns, copy.st_ino, log.st_mtime_ns, log.st_ino)

    def publish(self) -> None:
        """Publish the read copy now, taking the writers' lock."""
        with _exclusive_lock(self.lock_path, 600.0, None):
            self._publish(log=self.publishes_log())

    def publishes_log(self) -> bool:
        """Whether the next publish copies the log alone: the file is the one the read copy
        was made from, and the log is within ``CAMPAIGNS_PUBLISH_LOG_KB``."""
        try:
            recorded = json.loads(self.base_path.read_text(encoding="utf-8"))
            log_size = self.log_path.stat().st_size
            copy = self.read_path.stat()
        except (OSError, ValueError):
            return False
        return (
            recorded == {"file": _base_stamp(self.path), "copy": [copy.st_ino, copy.st_size]}
            and log_size <= _log_limit()
        )

    def _log_past_limit(self) -> bool:
        """Whether the log is larger than ``CAMPAIGNS_PUBLISH_LOG_KB``."""
        try:
            return self.log_path.stat().st_size > _log_limit()
        except OSError:
            return False

    def _stamp_newer(self, path: Path) -> None:
        """Give a file about to be published a time stamp later than the published ones', so
        :meth:`version` changes even when it reuses a freed inode within one clock tick."""
        latest = 0
        for published in (self.read_path, self.read_log_path):
            with contextlib.suppress(FileNotFoundError):
                latest = max(latest, published.stat().st_mtime_ns)
        stamp = max(time.time_ns(), latest + 1)
        os.utime(path, ns=(stamp, stamp))

    def _publish(self, *, log: bool) -> None:
        """Publish the log alone (``log``, as :meth:`publishes_log` told) or the whole file."""
        # Writers take turns, so a file left half-made is from a writer that was killed.
        for name in (self.read_path.name, self.base_path.name):
            for stale in self.path.parent.glob(f".{name}*.tmp"):
                stale.unlink(missing_ok=True)
        if log:
            tmp = _beside(self.read_log_path)
            shutil.copyfile(self.log_path, tmp)
            self._stamp_newer(tmp)
            os.replace(tmp, self.read_log_path)
            return
        if self.log_path.exists():
            con = _connect_with_retry(self.path, read_only=False, wait_seconds=600.0)
            try:
                con.execute("CHECKPOINT")
            finally:
                con.close()
        # A second ahead: a later write to the file changes its time stamp whatever the tick.
        stat = self.path.stat()
        ahead = max(stat.st_mtime_ns, time.time_ns()) + 1_000_000_000
        os.utime(self.path, ns=(stat.st_atime_ns, ahead))
        file = _base_stamp(self.path)
        tmp = _beside(self.read_path)
        clone_or_copy(self.path, tmp)
        self._stamp_newer(tmp)
        os.replace(tmp, self.read_path)
        self.read_log_path.unlink(missing_ok=True)
        copy = self.read_path.stat()
        record = _beside(self.base_path)
        record.write_text(
            json.dumps({"file": file, "copy": [copy.st_ino, copy.st_size]}), encoding="utf-8"
        )
        os.replace(record, self.base_path)


_T = TypeVar("_T")
_OPEN_ATTEMPTS = 20
_READ_CATALOG = "warehouse"

PUBLISH_LOG_ENV = "CAMPAIGNS_PUBLISH_LOG_KB"
# Every opening of the copy replays its log, about a millisecond a commit (a small load or an
# undo logs about 5 KiB, up to 25): half a MiB, about a hundred small writes, keeps that near a
# tenth of a second.
DEFAULT_PUBLISH_LOG_KB = 512


def _log_limit() -> int:
    """``CAMPAIGNS_PUBLISH_LOG_KB`` in bytes: the largest log published alone."""
    return int(positive_setting(PUBLISH_LOG_ENV, DEFAULT_PUBLISH_LOG_KB) * 1024)


# The warehouses written in a ``publishing_once`` block and not yet published.
_DEFERRED: contextvars.ContextVar[set[Path] | None] = contextvars.ContextVar(
    "campaigns_deferred_publish", default=None
)


@contextmanager
def publishing_once() -> Iterator[None]:
    """Writes in this block publish their warehouse once, when the block ends (even when it
    ends with an error: what was committed is published), instead of once each."""
    if _DEFERRED.get() is not None:  # already inside one: the outer block publishes
        yield
        return
    written: set[Path] = set()
    token = _DEFERRED.set(written)
    try:
        yield
    finally:
        _DEFERRED.reset(token)
        for path in sorted(written):
            Warehouse(path).publish()


def _beside(path: Path) -> Path:
    """Where a file about to replace ``path`` is made, to be renamed over it."""
    return path.with_name(f".{path.name}.{os.getpid()}.tmp")


def _base_stamp(path: Path) -> list:
    """The file as :meth:`Warehouse.publishes_log` compares it: size, time stamp and a digest
    of DuckDB's headers."""
    size, mtime, headers = _stamp(path) or (0, 0, b"")
    return [size, mtime, hashlib.sha256(headers).hexdigest()]


def _stamp(path: Path) -> tuple[int, int, bytes] | None:
    """What changes when a writer commits anything to ``path``: its size, its time stamp and
    DuckDB's headers (the first 12 KiB), which count every checkpoint that wrote to the file.
    The time stamp alone can miss a write within the filesystem's clock tick."""
    try:
        with path.open("rb") as fh:
            stat = os.fstat(fh.fileno())
            return (stat.st_size, stat.st_mtime_ns, fh.read(_HEADERS))
    except FileNotFoundError:
        return None


_HEADERS = 3 * 4096


# Linux's ioctl that makes a file share another's blocks (``cp --reflink``): FICLONE.
_FICLONE = 0x40049409


def clone_or_copy(source: Path, target: Path) -> str:
    """Make ``target`` a copy of ``source``: a clone sharing its blocks where the filesystem
    can (XFS, Btrfs: no time, no disk), else a copy. Says which it was."""
    with source.open("rb") as src, target.open("wb") as dst:
        try:
            fcntl.ioctl(dst.fileno(), _FICLONE, src.fileno())
            return "clone"
        except OSError:
            pass
    shutil.copyfile(source, target)
    return "copy"


@contextmanager
def _exclusive_lock(path: Path, wait_seconds: float, on_wait) -> Iterator[None]:
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
    try:
        deadline = time.monotonic() + wait_seconds
        told = False
        while True:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if not told and on_wait:
                    on_wait()
                    told = True
                if time.monotonic() > deadline:
                    raise WarehouseBusy(
                        f"another load kept {path.with_suffix('')} busy for {wait_seconds:.0f} s;"
                        " try again when it has finished"
                    ) from None
                time.sleep(0.05)
        yield
    finally:
        os.close(fd)


# The memory DuckDB may take for its work on the warehouse in this process; none set is
# DuckDB's own default (80 % of the machine's memory). A process whose memory is limited (an
# upload's worker, ``etl.isolate``) sets it below its limit, so that DuckDB writes what does
# not fit to temporary files instead of failing to allocate memory it cannot have.
_connection_config: dict[str, str] = {}


LOAD_MEMORY_ENV = "CAMPAIGNS_LOAD_MEMORY_MB"
DEFAULT_LOAD_MEMORY_MB = 512
MIN_LOAD_MEMORY_MB = 128  # below it DuckDB cannot hold the pages a load works on at once


def positive_setting(name: str, default: float, log: logging.Logger | None = None) -> float:
    """The number set in the environment variable ``name``, or ``default`` when it is not set,
    not a number or not above 0 (with a warning in ``log``)."""
    log = log or logging.getLogger("campaigns")
    raw = os.environ.get(name, "").strip()
    if not raw:
        return float(default)
    try:
        value = float(raw)
    except ValueError:
        log.warning("%s=%r is not a number; using %s", name, raw, default)
        return float(default)
    if value <= 0:
        log.warning("%s=%r is not above 0; using %s", name, raw, default)
        return float(default)
    return value


def _hold_write_memory(con: duckdb.DuckDBPyConnection) -> None:
    """Hold DuckDB to ``CAMPAIGNS_LOAD_MEMORY_MB`` (512) for a writer's work (a load, a sync,
    an undo): what does not fit goes to temporary files beside the warehouse, so a load's
    memory does not grow with its file. Left as it is where this process set DuckDB's limits
    itself (an upload's worker, :func:`limit_duckdb`). The setting is DuckDB's for the whole
    file while it is open; a writer holds the file alone and closes it when done."""
    if "memory_limit" in _connection_config:
        return
    mb = max(positive_setting(LOAD_MEMORY_ENV, DEFAULT_LOAD_MEMORY_MB), MIN_LOAD_MEMORY_MB)
    con.execute(f"SET memory_limit = '{int(mb)}MiB'")


def limit_duckdb(limit_bytes: int, spill_to: Path, threads: int | None = None) -> None:
    """DuckDB's limits for the warehouse connections this process opens from now on: its
    memory, the folder of the temporary files it writes beyond it, and its threads (None: one
    a core)."""
    _connection_config.update(
        memory_limit=f"{limit_bytes // 2**20}MiB", temp_directory=str(spill_to)
    )
    if threads is not None:
        _connection_config["threads"] = str(threads)


def _connect_with_retry(
    path: Path, *, read_only: bool, wait_seconds: float
) -> duckdb.DuckDBPyConnection:
    """Open the file, waiting while an outside process (say an analyst's DuckDB CLI) holds it."""
    deadline = time.monotonic() + wait_seconds
    delay = 0.05
    config = dict(_connection_config)
    if not read_only:
        # Commits stay in the log until a publish folds them in (see the module's notes).
        config["checkpoint_threshold"] = "1TB"
    while True:
        try:
            con = duckdb.connect(str(path), read_only=read_only, config=config)
            if not read_only:
                con.execute("PRAGMA disable_checkpoint_on_shutdown")
            return con
        except duckdb.IOException as exc:
            if "lock" not in str(exc).lower() or time.monotonic() > deadline:
                raise WarehouseBusy(
                    f"{path} is held open by another program ({exc}); close it and try again"
                ) from exc
            time.sleep(delay)
            delay = min(delay * 2, 1.0)
