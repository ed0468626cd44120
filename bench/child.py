"""A benchmark's child process, run to its end with its output kept in files."""

from __future__ import annotations

import os
import subprocess
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class Finished:
    """What a child process left: its exit code, wall time, peak memory and output."""

    code: int
    seconds: float
    peak_mib: float
    stdout: str
    stderr: str


def run_child(cmd: list[str], cwd: Path | None = None) -> Finished:
    """Run ``cmd`` to its end. Its output goes to files, not pipes: a pipe nobody reads until
    the child ends would stop the child once it holds more than the pipe does (64 KiB)."""
    with tempfile.TemporaryFile("w+") as out, tempfile.TemporaryFile("w+") as err:
        t0 = time.perf_counter()
        proc = subprocess.Popen(cmd, cwd=cwd, stdout=out, stderr=err, text=True)
        _, status, usage = os.wait4(proc.pid, 0)
        seconds = time.perf_counter() - t0
        out.seek(0)
        err.seek(0)
        return Finished(
            os.waitstatus_to_exitcode(status),
            seconds,
            usage.ru_maxrss / 1024,
            out.read(),
            err.read(),
        )
