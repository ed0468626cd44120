"""Checking and loading an uploaded file in a worker process, within limits of memory and time.

The dashboard never reads an uploaded file in its own process: a few megabytes of hostile CSV
(100,000 columns, one field of millions of characters, a zip bomb named ``.xlsx``) can take
gigabytes and minutes in the loader, and the server serves every reader from that process. So
the upload page's check (a dry run with a preview) and load, the form-mapping preview and the
Programme page's set-up import each run :func:`run`, which

* writes the bytes to a fresh folder ``campaigns-upload-*`` under the system's temporary folder
  (under a generated name; the user's name for the file is only a label) and removes it when
  the work ends, however it ends; the worker's own temporary files go in the same folder;
* starts the worker as a fresh Python interpreter (``python -c``, as multiprocessing's "spawn"
  does, never a fork of the threaded server), given nothing but two pipes: no thread, DuckDB
  connection or open file of the server crosses into it. Multiprocessing itself is not used:
  its spawn and forkserver children import the parent's ``__main__`` again, which under
  ``streamlit run`` is the streamlit command;
* limits the worker's memory, once it has imported the loader (``PRELOAD``), with
  ``RLIMIT_DATA`` (its heap and private writable mappings) to ``CAMPAIGNS_UPLOAD_MEMORY_MB``
  (1024, plus ``STACK_ALLOWANCE`` for its threads' stacks), of which DuckDB is told it may
  take 40 % (``DUCKDB_SHARE``: beyond it DuckDB writes to temporary files in the folder) on
  one thread,
  lowers its priority (``nice`` 10) and has it killed should the thread that started it die;
* kills it (SIGKILL) when it has run ``CAMPAIGNS_UPLOAD_SECONDS`` (120) of wall-clock time. The
  clock starts once the warehouse is free: time spent waiting for another load (a scheduled
  sync, another upload) is not the file's, and waiting longer than ``WAIT_SECONDS`` is reported
  as :class:`~etl.warehouse.WarehouseBusy`;
* returns the job's result (a :class:`~etl.load.LoadResult` pickles as it is), or raises
  :class:`OverLimit` (memory or time) or :class:`WorkerFailed` (any other error, logged with its
  traceback under an incident id).

Why ``RLIMIT_DATA`` rather than ``RLIMIT_AS``: the address space counts what is only reserved
(thread stacks, malloc arenas, OpenBLAS buffers). A check of a two-line CSV reserves over 2 GiB
of address space while using 160 MiB, and under a 1 GiB ``RLIMIT_AS`` numpy cannot even be
imported. ``RLIMIT_DATA`` counts the memory the worker can actually fill.

A worker killed or over its limit writes nothing: a check only ever rolls back, and a load's
transaction is committed in one statement at its end, so a worker stopped before it commits
leaves no batch and no row behind (DuckDB discards the uncommitted work when the file is next
opened). The one trace can be the copy of the file kept under its checksum, written just before
the commit: no batch names it, the same bytes loaded again reuse it, and retention removes it.
The writer lock is a ``flock`` on the worker's own descriptor, which the kernel releases with
the process, so the next load goes ahead. Should a load be killed between its commit and
publishing the read copy, the copy is published again at once.

At most ``CAMPAIGNS_UPLOAD_WORKERS`` (2) workers run at once in a server, so uploads never use
more than that many times the memory limit; the others wait their turn. The ``campaigns`` CLI
does not use any of this: an officer's command loads in its own process, without limits.
"""

from __future__ import annotations

import contextlib
import ctypes
import fcntl
import importlib
import logging
import os
import pickle
import resource
import secrets
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
import traceback
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any, TypeVar

import duckdb

# The jobs an upload runs in a worker, passed to ``run`` as ``isolate.load_upload`` and so on.
from etl.upload_jobs import form_rows as form_rows
from etl.upload_jobs import load_upload as load_upload
from etl.upload_jobs import open_files as open_files
from etl.upload_jobs import republish
from etl.warehouse import Warehouse, WarehouseBusy, limit_duckdb, positive_setting

T = TypeVar("T")

MEMORY_ENV = "CAMPAIGNS_UPLOAD_MEMORY_MB"
SECONDS_ENV = "CAMPAIGNS_UPLOAD_SECONDS"
WORKERS_ENV = "CAMPAIGNS_UPLOAD_WORKERS"
DEFAULT_MEMORY_MB = 1024
DEFAULT_SECONDS = 120
DEFAULT_WORKERS = 2
# How long a worker may wait for a free slot and for the warehouse (as long as a load waits
# for another writer) before the upload is refused as busy.
WAIT_SECONDS = 600.0
PREFIX = "campaigns-upload-"
STALE_SECONDS = 3600.0  # a folder of ours older than this belongs to no running work
LOG_LINE_CHARS = 1000  # a traceback line longer than this (a quoted file line) is cut
NICENESS = 10
# The most the server takes back from a worker: a check's result is its summary, the first
# 1,000 issues and 20 rows, far less; a result near this would cost the server the memory the
# worker spared it.
MAX_RESULT_BYTES = 64 * 1024 * 1024
# Exit codes the worker uses when it cannot even say what happened.
EXIT_MEMORY = 86
# Each thread's stack (8 MiB; DuckDB runs a thread per core) counts as data though it is
# hardly touched: the limit leaves room for them on top of what the work may fill.
STACK_ALLOWANCE = 8 * 1024 * 1024 * ((os.cpu_count() or 1) + 8)
# The worker's environment on top of the server's: Arrow's default memory pool reserves a GiB
# of address space up front, and BLAS threads are no use to a loader.
WORKER_ENV = {
    "ARROW_DEFAULT_MEMORY_POOL": "system",
    "OPENBLAS_NUM_THREADS": "1",
    "OMP_NUM_THREADS": "1",
    "MALLOC_ARENA_MAX": "2",
}

log = logging.getLogger("campaigns.incidents")


# --- limits and outcomes -------------------------------------------------------------------------


@dataclass(frozen=True)
class Limits:
    """What one worker may use: memory in MiB and wall-clock seconds."""

    memory_mb: float = DEFAULT_MEMORY_MB
    seconds: float = DEFAULT_SECONDS

    @classmethod
    def from_env(cls) -> Limits:
        """The limits set by ``CAMPAIGNS_UPLOAD_MEMORY_MB`` and ``CAMPAIGNS_UPLOAD_SECONDS``."""
        return cls(
            memory_mb=positive_setting(MEMORY_ENV, DEFAULT_MEMORY_MB, log),
            seconds=positive_setting(SECONDS_ENV, DEFAULT_SECONDS, log),
        )

    @property
    def memory_bytes(self) -> int:
        return int(self.memory_mb * 1024 * 1024)


class OverLimit(Exception):
    """The worker needed more memory or time than an upload may use and was stopped; nothing
    was written. ``what`` is ``"memory"`` or ``"time"``; ``incident`` names the log line."""

    def __init__(self, what: str, limits: Limits, incident: str) -> None:
        super().__init__(f"the worker needed more {what} than an upload may use ({limits})")
        self.what, self.limits, self.incident = what, limits, incident


class WorkerFailed(RuntimeError):
    """The worker raised an unexpected error or died; its traceback is in the server log under
    ``incident``. Nothing was written."""

    def __init__(self, incident: str) -> None:
        super().__init__(f"the upload worker failed (incident {incident})")
        self.incident = incident


# --- incidents -----------------------------------------------------------------------------------


def new_incident() -> str:
    """A short id for one incident (8 hex digits), shown to the user and written to the log."""
    return secrets.token_hex(4)


def _logger() -> logging.Logger:
    # Streamlit configures its own loggers only: without a handler of ours, the root logger's
    # last resort would print the message without a time.
    if not log.handlers:
        handler = logging.StreamHandler()
        handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
        log.addHandler(handler)
        log.setLevel(logging.INFO)
    return log


def trimmed(text: str) -> str:
    """``text`` with every line longer than ``LOG_LINE_CHARS`` cut: an error message may quote
    a line of the file, and a hostile file's line can be megabytes long."""
    return "\n".join(
        line if len(line) <= LOG_LINE_CHARS else f"{line[:LOG_LINE_CHARS]}… ({len(line)} chars)"
        for line in text.splitlines()
    )


def traceback_text(exc: BaseException) -> str:
    return trimmed("".join(traceback.format_exception(exc)))


def log_incident(what: str, exc: BaseException | None = None, *, details: str = "") -> str:
    """Log an unexpected error with its traceback under a new incident id (or the one ``exc``
    already carries, from a worker) and return the id."""
    incident = getattr(exc, "incident", None) or new_incident()
    body = details or (traceback_text(exc) if exc is not None else "")
    _logger().error("incident %s: %s\n%s", incident, what, body)
    return incident


# --- temporary folders ---------------------------------------------------------------------------


def sweep(root: str | Path | None = None, *, older_than: float = STALE_SECONDS) -> list[Path]:
    """Remove this user's ``campaigns-upload-*`` folders older than ``older_than`` seconds under
    ``root`` (the system's temporary folder): what a server that was killed mid-upload left.
    Returns the folders removed."""
    root = Path(root or tempfile.gettempdir())
    now = time.time()
    removed = []
    with contextlib.suppress(OSError):
        for folder in root.glob(f"{PREFIX}*"):
            try:
                info = folder.lstat()
            except OSError:
                continue
            if (
                folder.is_dir()
                and not folder.is_symlink()
                and info.st_uid == os.getuid()
                and now - info.st_mtime > older_than
            ):
                shutil.rmtree(folder, ignore_errors=True)
                removed.append(folder)
    if removed:
        _logger().info("removed %d stale upload folder(s) under %s", len(removed), root)
    return removed


# --- running a job -------------------------------------------------------------------------------

_slots_lock = threading.Lock()
_slots: threading.BoundedSemaphore | None = None


def _slot() -> threading.BoundedSemaphore:
    global _slots
    with _slots_lock:
        if _slots is None:
            _slots = threading.BoundedSemaphore(
                int(positive_setting(WORKERS_ENV, DEFAULT_WORKERS, log))
            )
        return _slots


def run(
    job: Callable[..., T],
    *,
    content: bytes | memoryview | None = None,
    warehouse: Warehouse | None = None,
    writes: bool = False,
    progress: Callable[[str], None] | None = None,
    limits: Limits | None = None,
    what: str = "upload",
    **kwargs: Any,
) -> T:
    """``job(**kwargs)`` in a worker process within ``limits`` (from the environment when None).

    ``content``, when given, is written to a fresh temporary folder and passed as ``path``;
    the folder is removed when this returns or raises. ``warehouse`` is passed on as
    ``warehouse``, and makes the worker wait until no other process writes it before its time
    starts; ``writes`` says the job may
    commit (so a worker killed late has the read copy published again). ``progress``, when
    given, is passed to the job as its ``progress`` and called here, in the caller's thread,
    with each step it reports. ``what`` names the work in the log.

    Raises :class:`OverLimit`, :class:`WorkerFailed` or ``WarehouseBusy``; an exception raised
    by ``progress`` (Streamlit stopping the script) kills the worker and goes through.
    """
    limits = limits or Limits.from_env()
    slot = _slot()
    if not slot.acquire(timeout=WAIT_SECONDS):
        raise WarehouseBusy(f"every upload worker stayed busy for {WAIT_SECONDS:.0f} s")
    try:
        return _in_folder(job, kwargs, content, warehouse, writes, progress, limits, what)
    finally:
        slot.release()


def _in_folder(job, kwargs, content, warehouse, writes, progress, limits, what):
    if warehouse is not None:
        kwargs["warehouse"] = warehouse
    with tempfile.TemporaryDirectory(prefix=PREFIX, ignore_cleanup_errors=True) as folder:
        if content is not None:
            path = Path(folder) / f"{uuid.uuid4().hex}.upload"
            path.write_bytes(content)
            kwargs["path"] = path
        return _supervise(job, kwargs, Path(folder), warehouse, writes, progress, limits, what)


def _supervise(
    job: Callable[..., T],
    kwargs: dict,
    folder: Path,
    warehouse: Warehouse | None,
    writes: bool,
    progress: Callable[[str], None] | None,
    limits: Limits,
    what: str,
) -> T:
    lock_path = str(warehouse.lock_path) if warehouse is not None else None
    started = time.monotonic()
    proc, to_child, from_child = _start_worker()
    receiver = Connection(from_child, writable=False)
    talk = _Conversation()
    interrupted = True  # until the conversation ends normally
    try:
        with Connection(to_child, readable=False) as sender, contextlib.suppress(OSError):
            sender.send((job, kwargs, limits, str(folder), lock_path, progress is not None))
        _listen(proc, receiver, talk, progress, limits, started)
        interrupted = False
    finally:
        said = talk.outcome[0] if talk.outcome is not None else None
        _end_worker(proc, kill=interrupted or said != "result")
        receiver.close()
        seconds = time.monotonic() - started
        if writes and warehouse is not None and talk.ready_at is not None and said != "result":
            _publish_again(warehouse, limits)
    return _result(talk, proc.returncode, limits, what, seconds)


def _start_worker() -> tuple[subprocess.Popen, int, int]:
    """A fresh interpreter running ``WORKER_MAIN``, and our ends of the two pipes to it (to
    the worker, from the worker)."""
    from_parent, to_child = os.pipe()
    from_child, to_parent = os.pipe()
    try:
        # A fresh interpreter: nothing of the server (threads, DuckDB connections, open files)
        # crosses but the two pipes; what it writes to stderr goes to the server's log.
        proc = subprocess.Popen(
            [sys.executable, "-c", WORKER_MAIN, str(from_parent), str(to_parent)],
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,  # DuckDB's progress bars; errors go to stderr, the log
            env={**os.environ, **WORKER_ENV},
            pass_fds=(from_parent, to_parent),
            close_fds=True,
            start_new_session=True,  # the terminal's Ctrl-C is the server's, not the worker's
        )
    except BaseException:
        for fd in (to_child, from_child):
            os.close(fd)
        raise
    finally:
        os.close(from_parent)
        os.close(to_parent)
    return proc, to_child, from_child


@dataclass
class _Conversation:
    """What the worker said: its outcome, when it was ready (its time starts then), and why
    we stopped it, if we did."""

    outcome: tuple | None = None
    ready_at: float | None = None
    stopped: str | None = None  # "time" or "busy" when we killed the worker


def _listen(
    proc: subprocess.Popen,
    receiver: Connection,
    talk: _Conversation,
    progress: Callable[[str], None] | None,
    limits: Limits,
    started: float,
) -> None:
    """Take the worker's messages until its outcome, its end, or its deadline: ``WAIT_SECONDS``
    until it is ready, then ``limits.seconds``. Progress goes to ``progress`` as it comes."""
    while talk.outcome is None:
        now = time.monotonic()
        deadline = (
            talk.ready_at + limits.seconds if talk.ready_at is not None else started + WAIT_SECONDS
        )
        if now >= deadline:
            talk.stopped = "time" if talk.ready_at is not None else "busy"
            return
        if receiver.poll(min(deadline - now, 0.25)):
            try:
                raw = receiver.recv_bytes(MAX_RESULT_BYTES)
            except EOFError:
                return  # it ended without a word: see its exit code
            except OSError as exc:  # a result too big to take into the server
                talk.outcome = ("memory", f"the worker's answer was too big ({exc})")
                return
            try:
                message = pickle.loads(raw)
            except Exception as exc:  # a result that does not unpickle here
                talk.outcome = ("error", "unpickling", traceback_text(exc))
                return
            del raw
            if message[0] == "ready":
                talk.ready_at = time.monotonic()
            elif message[0] == "progress":
                if progress is not None:
                    progress(message[1])
            else:
                talk.outcome = message
        elif proc.poll() is not None and not receiver.poll(0):
            return


def _end_worker(proc: subprocess.Popen, *, kill: bool) -> None:
    """Kill the worker if it still runs and ``kill``, and wait for it to end."""
    if proc.poll() is None and kill:
        proc.kill()
    try:
        proc.wait(timeout=30)
    except subprocess.TimeoutExpired:  # it finished talking but would not end
        proc.kill()
        proc.wait()


def _result(talk: _Conversation, exitcode: int, limits: Limits, what: str, seconds: float) -> Any:
    """The job's result, or the exception saying how the worker ended (logged as an incident)."""
    outcome = talk.outcome
    if outcome is not None and outcome[0] == "result":
        return outcome[1]
    if outcome is not None and outcome[0] == "busy":
        raise WarehouseBusy(outcome[1])
    if outcome is not None and outcome[0] == "memory":
        incident = new_incident()
        _logger().warning(
            "incident %s: %s stopped: over the memory limit of %g MiB after %.1f s\n%s",
            incident, what, limits.memory_mb, seconds, outcome[1],
        )  # fmt: skip
        raise OverLimit("memory", limits, incident)
    if outcome is not None:  # ("error", exception type, traceback)
        incident = log_incident(f"{what} failed in its worker ({outcome[1]})", details=outcome[2])
        raise WorkerFailed(incident)
    if talk.stopped == "busy":
        raise WarehouseBusy(f"the warehouse stayed busy for {WAIT_SECONDS:.0f} s")
    incident = new_incident()
    if talk.stopped == "time" or exitcode == -signal.SIGXCPU:
        _logger().warning(
            "incident %s: %s stopped: over the time limit of %g s (killed after %.1f s)",
            incident, what, limits.seconds, seconds,
        )  # fmt: skip
        raise OverLimit("time", limits, incident)
    if exitcode in (EXIT_MEMORY, -signal.SIGKILL):  # out of memory (or the kernel's OOM killer)
        _logger().warning(
            "incident %s: %s stopped: out of memory (exit code %s) after %.1f s",
            incident, what, exitcode, seconds,
        )  # fmt: skip
        raise OverLimit("memory", limits, incident)
    _logger().error(
        "incident %s: %s: the worker ended with exit code %s and no word", incident, what, exitcode
    )
    raise WorkerFailed(incident)


def _publish_again(warehouse: Warehouse, limits: Limits) -> None:
    """After a load was stopped: publish the read copy from whatever is committed (nothing, or
    the whole load if it had committed), in a worker of its own (the stopped load's slot)."""
    try:
        _in_folder(
            republish, {"warehouse": warehouse}, None, warehouse, False, None, limits,
            "publishing the read copy again",
        )  # fmt: skip
    except (OverLimit, WorkerFailed, WarehouseBusy) as exc:
        _logger().warning("could not publish %s again after a stopped load: %s", warehouse, exc)


# --- in the worker -------------------------------------------------------------------------------


WORKER_MAIN = "from etl.isolate import worker_main; worker_main()"


# What the worker imports before its memory is limited, so that the limit is the work's: the
# loader and the libraries it imports on first use (a library that cannot map its code fails in
# ways that do not say "memory").
PRELOAD = ("etl.load", "etl.forms", "numpy", "pandas", "pyarrow", "openpyxl")
RESERVE_BYTES = 8 * 1024 * 1024  # let go on an error, so that saying what happened needs nothing
DUCKDB_SHARE = 0.4  # of the worker's memory limit, for DuckDB's own work (see ``_settle``)


def worker_main() -> None:
    """The worker process's entry (``python -c WORKER_MAIN IN OUT``): read the job from the
    descriptor ``IN``, run it, and say how it went on ``OUT``."""
    conn = Connection(int(sys.argv[2]), readable=False)
    reserve: bytearray | None = None
    try:
        with Connection(int(sys.argv[1]), writable=False) as incoming:
            job, kwargs, limits, folder, lock_path, wants_progress = incoming.recv()
        for name in PRELOAD:
            with contextlib.suppress(ImportError):
                importlib.import_module(name)
        reserve = bytearray(RESERVE_BYTES)
        _settle(limits, folder)
        if lock_path is not None:
            _wait_until_free(Path(lock_path))
        conn.send(("ready",))
        if wants_progress:
            kwargs["progress"] = lambda step: conn.send(("progress", step))
        result = job(**kwargs)
        conn.send(("result", result))
    except BaseException as exc:  # everything goes to the parent, which decides what it was
        del reserve
        _report(conn, exc)
    finally:
        with contextlib.suppress(OSError):
            conn.close()


def _settle(limits: Limits, folder: str) -> None:
    tmp = Path(folder) / "tmp"
    tmp.mkdir(exist_ok=True)
    tempfile.tempdir = str(tmp)  # the loader's own temporary files go with the upload
    os.environ["TMPDIR"] = str(tmp)
    _die_with_parent()
    os.nice(NICENESS)  # readers of the dashboard come first
    memory = limits.memory_bytes + STACK_ALLOWANCE
    resource.setrlimit(resource.RLIMIT_DATA, (memory, memory))
    # DuckDB's share of it: the rest is Python's (the imported modules, the rows read in
    # Python, pandas frames of the preview) and what DuckDB allocates beyond its own count.
    # DuckDB keeps to it by writing to temporary files; on one thread its buffers stay small
    # (a million-row check ran over the limit at half of it on two threads in three runs of
    # four, not on one thread in two).
    limit_duckdb(int(limits.memory_bytes * DUCKDB_SHARE), tmp, threads=1)
    # A backstop should the parent never kill it: CPU seconds for every core, plus the wait.
    cpu = int(limits.seconds * max(os.cpu_count() or 1, 1) + WAIT_SECONDS)
    with contextlib.suppress(ValueError, OSError):
        resource.setrlimit(resource.RLIMIT_CPU, (cpu, cpu + 5))


def _die_with_parent() -> None:
    """Linux: SIGKILL when the fork server ends (it ends with the dashboard)."""
    with contextlib.suppress(OSError, AttributeError):
        libc = ctypes.CDLL(None, use_errno=True)
        pr_set_pdeathsig = 1
        libc.prctl(pr_set_pdeathsig, signal.SIGKILL, 0, 0, 0)
        if os.getppid() == 1:
            os._exit(1)


def _wait_until_free(lock_path: Path) -> None:
    """Return once no process holds the warehouse's writer lock (at most ``WAIT_SECONDS``;
    the parent stops waiting then). The lock is let go at once: the loader takes it itself."""
    lock_path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(lock_path, os.O_RDWR | os.O_CREAT, 0o644)
    try:
        while True:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                time.sleep(0.1)
                continue
            fcntl.flock(fd, fcntl.LOCK_UN)
            return
    finally:
        os.close(fd)


def _out_of_memory(exc: BaseException) -> bool:
    """``exc``, or an error it was raised from or while handling, is running out of memory."""
    seen: set[int] = set()
    current: BaseException | None = exc
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        if isinstance(current, (MemoryError, duckdb.OutOfMemoryException)):
            return True
        current = current.__cause__ or current.__context__
    return False


def _report(conn, exc: BaseException) -> None:
    try:
        if _out_of_memory(exc):
            conn.send(("memory", traceback_text(exc)))
        elif isinstance(exc, WarehouseBusy):
            conn.send(("busy", str(exc)))
        else:
            conn.send(("error", type(exc).__name__, traceback_text(exc)))
    except MemoryError:
        sys.exit(EXIT_MEMORY)
    except Exception:  # the pipe is gone: the parent has given up on us
        sys.exit(1)
