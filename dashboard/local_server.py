"""The dashboard as ``make run`` starts it, on a free port of this machine: ``streamlit run
dashboard/server.py`` (the app with its session-cookie route) for the browser tests, the page
benchmarks and the screenshots."""

from __future__ import annotations

import contextlib
import os
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SERVER = ROOT / "dashboard" / "server.py"
CHROMIUM = Path("/usr/bin/chromium")  # Debian's: the browser tests and screenshots drive it
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def free_port() -> int:
    """A TCP port free on this machine now."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextlib.contextmanager
def local_server(
    env: dict[str, str] | None = None, log: Path | None = None, script: Path = SERVER
) -> Iterator[tuple[str, subprocess.Popen]]:
    """Run ``script`` (``env`` added to this environment, its output in ``log`` when given) on a
    free local port until the block ends; yields its address, once it answers, and its process."""
    port = free_port()
    with contextlib.ExitStack() as stack:
        if log is None:  # a pipe left unread could fill and stop the server: a file instead
            log = Path(stack.enter_context(tempfile.TemporaryDirectory())) / "server.log"
        out = stack.enter_context(log.open("w", encoding="utf-8"))
        server = subprocess.Popen(
            [sys.executable, "-m", "streamlit", "run", str(script),
             "--server.port", str(port), "--server.address", "127.0.0.1",
             "--server.headless", "true", "--browser.gatherUsageStats", "false",
             "--server.fileWatcherType", "none"],
            cwd=ROOT,  # where .streamlit/config.toml is read from
            env={**os.environ, **(env or {})},
            stdout=out,
            stderr=subprocess.STDOUT,
        )  # fmt: skip
        url = f"http://127.0.0.1:{port}"
        try:
            _wait_until_healthy(url, server, log)
            yield url, server
        finally:
            server.terminate()
            try:
                server.wait(timeout=15)
            except subprocess.TimeoutExpired:
                server.kill()
                server.wait()


def _wait_until_healthy(url: str, server: subprocess.Popen, log: Path) -> None:
    """Wait (a minute at most) until the server at ``url`` answers its health check."""
    deadline = time.monotonic() + 60
    while True:
        with (
            contextlib.suppress(OSError),
            urllib.request.urlopen(f"{url}/_stcore/health", timeout=2) as r,
        ):
            if r.read() == b"ok":
                return
        if server.poll() is not None or time.monotonic() > deadline:
            server.kill()
            shown = log.read_text(encoding="utf-8")[-3000:]
            raise RuntimeError(f"the dashboard server did not start\n{shown}")
        time.sleep(0.3)
