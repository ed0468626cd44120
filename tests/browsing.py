"""What the browser tests share: Debian's Chromium (skipped without it, unless
``CAMPAIGNS_REQUIRE_BROWSER`` is set, as ``.ci/run`` does), a demo warehouse and the dashboard
server on it for a module (the ``browser`` fixture is in conftest), and the steps every test
takes: wait for a run to finish, sign in as a demo account, check no error was drawn."""

from __future__ import annotations

import os
from collections.abc import Iterator

import duckdb
import pytest
from click.testing import CliRunner
from conftest import dashboard_server

from cli import cli
from dashboard.local_server import CHROMIUM, ROOT
from etl.warehouse import Warehouse

MISSING = "Debian's chromium is not installed (apt-get install chromium)"
REQUIRED = bool(os.environ.get("CAMPAIGNS_REQUIRE_BROWSER"))
SCREEN = {"width": 1440, "height": 900}


def skip_without_chromium() -> None:
    """Skip the calling module when Chromium is missing and not required."""
    if not CHROMIUM.exists() and not REQUIRED:
        pytest.skip(f"browser tests skipped: {MISSING}", allow_module_level=True)


def require_chromium() -> None:
    """Fail, with the install hint, when Chromium is required but missing."""
    if not CHROMIUM.exists():
        pytest.fail(f"CAMPAIGNS_REQUIRE_BROWSER is set but {MISSING}", pytrace=False)


def demo_warehouse(tmp_path_factory, name: str) -> Warehouse:
    """The demo programme built by ``campaigns demo`` in a folder of its own."""
    require_chromium()
    wh = Warehouse(tmp_path_factory.mktemp(name) / "warehouse.duckdb")
    result = CliRunner().invoke(cli, ["--warehouse", str(wh.path), "demo"])
    assert result.exit_code == 0, result.output
    return wh


def serve(wh: Warehouse, env: dict[str, str] | None = None) -> Iterator[str]:
    """The dashboard (``dashboard/server.py``, as ``make run`` starts it) on ``wh``."""
    extra = {"CAMPAIGNS_WAREHOUSE": str(wh.path), **(env or {})}
    with dashboard_server(ROOT / "dashboard" / "server.py", extra) as url:
        yield url


def settle(page, pause_ms: int = 300) -> None:
    """Wait until the app has drawn and finished its script run."""
    page.wait_for_selector('[data-testid="stApp"]', timeout=30_000)
    page.wait_for_selector('[data-testid="stMain"]', timeout=30_000)
    page.wait_for_function(
        "() => !document.querySelector('[data-testid=\"stStatusWidget\"]')", timeout=60_000
    )
    page.wait_for_timeout(pause_ms)


def sign_in(page, username: str, url: str | None = None) -> None:
    """Open ``url`` (or stay where the page is) and sign in as a demo account there."""
    from etl.demo import demo_password

    if url is not None:
        page.goto(url)
    page.get_by_role("textbox", name="Username").fill(username)
    page.get_by_role("textbox", name="Password").fill(demo_password(username))
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_selector('[data-testid="stSidebarNav"]', timeout=30_000)
    settle(page)


def no_errors(page) -> None:
    """The page drew no exception."""
    errors = page.locator('[data-testid="stException"]')
    assert errors.count() == 0, errors.first.inner_text()


def sql(wh: Warehouse, text: str, params: list | None = None) -> list[tuple]:
    """A query on the warehouse's read copy, as the pages read it."""
    con = duckdb.connect(str(wh.read_path), read_only=True)
    try:
        return con.execute(text, params or []).fetchall()
    finally:
        con.close()
