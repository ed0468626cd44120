"""The warehouse file: where it is, who may write it, and how readers see it.

DuckDB lets one process write a database file, and a process that holds the file open, even
read-only, stops any other process from writing it. The dashboard stays open all day while
loads arrive from uploads and from scheduled syncs, so readers and writers never share a file:

* Writers take an exclusive lock on ``<warehouse>.lock`` (waiting their turn, never failing
  because another load runs), open ``<warehouse>`` read-write, commit, close, and then publish a
  copy as ``<warehouse stem>.read.duckdb`` by an atomic rename.
* Readers open that published copy read-only, for one query at a time. A rename never disturbs a
  reader that has the previous copy open, and a reader never holds the file a writer needs.

Migrations run whenever a writer opens the file, so the published copy always has the current
schema.

Publishing costs what copying the file costs, so it happens only when it must: not when the
writer committed nothing (the file is unchanged), and once at the end of a run of writes in
:func:`publishing_once` (a sync of many sheets, the demo). Where the filesystem shares blocks
between files (XFS with reflinks, Btrfs), the copy is a clone: it takes no time and no disk
whatever the size of the warehouse. On ext4 it is a real copy (docs/deployment.md).
"""

from __future__ import annotations

import contextlib
import contextvars
import fcntl
import logging
import os
import shutil
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

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
    def lock_path(self) -> Path:
        return self.path.with_name(self.path.name + ".lock")

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
    ) -> Iterator[duckdb.DuckDBPyConnection]:
        """A read-write connection, held alone; the read copy is republished on exit.

        Waits up to ``wait_seconds`` for another writer to finish. The caller commits or rolls
        back its own transactions; whatever is committed when the block ends is published.
        """
        self.path.parent.mkdir(parents=True, exist_ok=True)
        with _exclusive_lock(self.lock_path, wait_seconds, on_wait):
            before = _stamp(self.path)
            con = _connect_with_retry(self.path, read_only=False, wait_seconds=wait_seconds)
            try:
                _hold_write_memory(con)
                if migrations.apply(con):
                    publish = True
                yield con
            finally:
                # Fold the write-ahead log into the file, so the published copy is complete.
                with contextlib.suppress(duckdb.Error):
                    con.execute("CHECKPOINT")
                con.close()
            changed = _stamp(self.path) != before
            if not self.read_path.exists():
                self._publish()
            elif publish and changed:
                deferred = _DEFERRED.get()
                if deferred is not None:
                    deferred.add(self.path)
                else:
                    self._publish()

    def migrate(self, *, wait_seconds: float = 600.0) -> list[int]:
        """Create the file if needed and apply pending migrations; the versions applied."""
        with self.writer(wait_seconds=wait_seconds, publish=False) as con:
            return migrations.applied(con)

    def published(self) -> Path:
        """The published copy's path, publishing it first if it never was. A later publish
        replaces the file under a new name, so a connection keeps reading the copy it opened
        and never holds up a writer."""
        if not self.read_path.exists():
            if not self.path.exists():
                raise FileNotFoundError(
                    f"no warehouse at {self.path}: run `campaigns init` or `campaigns demo`"
                )
            with self.writer():
                pass
        return self.read_path

    @contextmanager
    def reader(self) -> Iterator[duckdb.DuckDBPyConnection]:
        """A read-only connection to the published copy; open it for one piece of work."""
        con = duckdb.connect(str(self.published()), read_only=True)
        try:
            yield con
        finally:
            con.close()

    def version(self) -> tuple[int, int]:
        """Changes whenever a new copy is published: use it to key caches. Each copy is a new
        file, so its inode number tells two copies published within one clock tick apart."""
        try:
            stat = self.read_path.stat()
        except FileNotFoundError:
            return (0, 0)
        return (stat.st_mtime_ns, stat.st_ino)

    def publish(self) -> None:
        """Publish the read copy now, taking the writers' lock."""
        with _exclusive_lock(self.lock_path, 600.0, None):
            self._publish()

    def _publish(self) -> None:
        # Writers take turns, so a copy left half-made is from a writer that was killed.
        for stale in self.read_path.parent.glob(f".{self.read_path.name}.*.tmp"):
            stale.unlink(missing_ok=True)
        tmp = self.read_path.with_name(f".{self.read_path.name}.{os.getpid()}.tmp")
        clone_or_copy(self.path, tmp)
        os.replace(tmp, self.read_path)


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
    while True:
        try:
            return duckdb.connect(str(path), read_only=read_only, config=config)
        except duckdb.IOException as exc:
            if "lock" not in str(exc).lower() or time.monotonic() > deadline:
                raise WarehouseBusy(
                    f"{path} is held open by another program ({exc}); close it and try again"
                ) from exc
            time.sleep(delay)
            delay = min(delay * 2, 1.0)
