"""Peak memory of the app process: a real ``streamlit run`` server on the warehouse, as
``make run`` starts it, with headless Chromium opening every page in every language."""

from __future__ import annotations

import contextlib
import subprocess
from collections.abc import Iterator, Sequence
from pathlib import Path

from bench.page_targets import LANGUAGES
from bench.page_timing import BENCH_USER, app_pages, bench_password
from dashboard.local_server import CHROMIUM, CHROMIUM_ARGS, local_server
from etl.warehouse import ENV_VAR, Warehouse

try:  # a development extra: without it the timing process's peak stands in for the server's
    from playwright.sync_api import Error as PlaywrightError
    from playwright.sync_api import sync_playwright
except ImportError:
    PlaywrightError = sync_playwright = None


def _status_mib(pid: int, field_name: str) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith(field_name + ":"):
            return int(line.split()[1]) / 1024
    raise RuntimeError(f"no {field_name} for process {pid}")


@contextlib.contextmanager
def streamlit_server(
    wh: Warehouse, env: dict[str, str] | None = None, log: Path | None = None
) -> Iterator[tuple[str, subprocess.Popen]]:
    """``streamlit run dashboard/server.py`` on the warehouse, as ``make run`` starts it, on a
    free local port (``env`` added to the environment, its output in ``log`` when given); yields
    its address and process."""
    with local_server({ENV_VAR: str(wh.path), **(env or {})}, log) as (url, server):
        yield url, server


def _settle(page) -> None:
    """Wait until the page has drawn its title (or an error) and its script run has finished."""
    page.wait_for_selector(
        '[data-testid="stMain"] h1, [data-testid="stException"]', timeout=120_000
    )
    for _ in range(2):  # the running indicator can blink off between the app and the page
        page.wait_for_function(
            "() => !document.querySelector('[data-testid=\"stStatusWidget\"]')",
            timeout=120_000,
        )
        page.wait_for_timeout(500)


def _addresses(pages: Sequence[str], campaign: str) -> list[str]:
    """Every page's address in every language, the first page at the app's root."""
    out = []
    for lang in LANGUAGES:
        for page in pages:
            query = {"campaign": campaign} if page == "campaign" else {}
            if lang != "en":
                query["lang"] = lang
            path = "" if page == app_pages()[0] else page
            out.append(
                f"/{path}" + ("?" + "&".join(f"{k}={v}" for k, v in query.items()) if query else "")
            )
    return out


def server_memory(
    wh: Warehouse, pages: Sequence[str], campaign: str
) -> list[tuple[str, float]] | None:
    """Open every page in every language in headless Chromium against a fresh server, and
    return ``(address, the server's peak resident MiB once it is drawn)`` for each; ``None``
    when Chromium or Playwright is not there."""
    if not CHROMIUM.exists() or sync_playwright is None:
        return None
    seen = []
    with streamlit_server(wh) as (url, server), sync_playwright() as pw:
        browser = pw.chromium.launch(
            executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS
        )
        try:
            tab = browser.new_page()
            tab.goto(url)
            tab.get_by_role("textbox", name="Username").fill(BENCH_USER)
            tab.get_by_role("textbox", name="Password").fill(bench_password(wh))
            tab.get_by_role("button", name="Sign in").click()
            _settle(tab)
            for address in _addresses(pages, campaign):
                tab.goto(url + address)
                try:
                    _settle(tab)
                except PlaywrightError as exc:
                    print(f"  {address} did not finish drawing: {exc}".splitlines()[0])
                seen.append((address, _status_mib(server.pid, "VmHWM")))
        finally:
            browser.close()
    return seen
