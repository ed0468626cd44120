"""The dashboard in a real browser: headless Debian Chromium driven by Playwright.

A Streamlit server runs on the demo warehouse on a free local port for the module; each test
opens pages the way a person does and checks what they see. Debian's Chromium is required
(``apt-get install chromium``; ``.ci/run`` installs it): no browser is ever downloaded.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner

from etl.cli import cli
from etl.warehouse import Warehouse

CHROMIUM = Path("/usr/bin/chromium")
ROOT = Path(__file__).resolve().parents[1]
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def app_url(tmp_path_factory) -> Iterator[str]:
    assert CHROMIUM.exists(), "browser tests need Debian's chromium: apt-get install chromium"
    wh = Warehouse(tmp_path_factory.mktemp("browser") / "warehouse.duckdb")
    result = CliRunner().invoke(cli, ["--warehouse", str(wh.path), "demo"])
    assert result.exit_code == 0, result.output
    port = _free_port()
    env = {**os.environ, "CAMPAIGNS_WAREHOUSE": str(wh.path)}
    server = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "streamlit",
            "run",
            str(ROOT / "dashboard" / "app.py"),
            "--server.port",
            str(port),
            "--server.address",
            "127.0.0.1",
            "--server.headless",
            "true",
            "--browser.gatherUsageStats",
            "false",
        ],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2) as r:
                    if r.read() == b"ok":
                        break
            except OSError:
                pass
            if server.poll() is not None or time.monotonic() > deadline:
                raise AssertionError(f"the dashboard did not start:\n{server.stdout.read()}")
            time.sleep(0.3)
        yield url
    finally:
        server.terminate()
        try:
            server.wait(timeout=10)
        except subprocess.TimeoutExpired:
            server.kill()


@pytest.fixture(scope="module")
def browser():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS)
        yield b
        b.close()


@pytest.fixture
def page(browser):
    context = browser.new_context(accept_downloads=True)
    pg = context.new_page()
    yield pg
    context.close()


def settle(page) -> None:
    """Wait until the app has drawn and finished its script run."""
    page.wait_for_selector('[data-testid="stApp"]', timeout=30_000)
    page.wait_for_selector('[data-testid="stMain"]', timeout=30_000)
    page.wait_for_function(
        "() => !document.querySelector('[data-testid=\"stStatusWidget\"]')", timeout=30_000
    )
    page.wait_for_timeout(300)


def no_errors(page) -> None:
    errors = page.locator('[data-testid="stException"]')
    assert errors.count() == 0, errors.first.inner_text()


def test_the_portfolio_lists_every_demo_campaign(page, app_url) -> None:
    page.goto(app_url)
    settle(page)
    no_errors(page)
    # The grid draws on a canvas; its data is also in the accessible table markup under it.
    table = page.locator('[data-testid="stDataFrame"] table').first
    table.locator("td").first.wait_for(state="attached", timeout=30_000)
    text = table.text_content() or ""
    for code in ("PDP-01", "FOE-02", "DSEC-03", "CEN-04", "ATI-05"):
        assert code in text, code


def test_every_page_opens_without_an_error(page, app_url) -> None:
    page.goto(app_url)
    settle(page)
    links = page.locator('[data-testid="stSidebarNav"] a')
    hrefs = [links.nth(i).get_attribute("href") for i in range(links.count())]
    assert len(hrefs) >= 2, hrefs
    for href in hrefs:
        page.goto(href if href.startswith("http") else f"{app_url}{href}")
        settle(page)
        no_errors(page)


def test_a_page_reopens_from_its_address(page, app_url) -> None:
    page.goto(app_url)
    settle(page)
    page.locator('[data-testid="stSidebarNav"] a').nth(1).click()
    settle(page)
    address, heading = page.url, page.locator("h1").first.inner_text()
    page.goto(address)
    settle(page)
    assert page.url == address
    assert page.locator("h1").first.inner_text() == heading
    no_errors(page)
