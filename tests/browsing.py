"""What the browser tests share: Debian's Chromium (skipped without it, unless
``CAMPAIGNS_REQUIRE_BROWSER`` is set, as ``.ci/run`` does), a demo warehouse and the dashboard
server on it for a module (the ``browser`` fixture is in conftest), and the steps every test
takes: wait for a run to finish, sign in as a demo account, check no error was drawn."""

from __future__ import annotations

import os
from collections.abc import Iterator

import duckdb
import pytest
from conftest import copy_warehouse, dashboard_server

from dashboard.local_server import CHROMIUM, ROOT
from dashboard.session_cookie import COOKIE
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


def demo_warehouse(template: Warehouse, tmp_path_factory, name: str) -> Warehouse:
    """A copy of the demo programme (``demo_template``) in a folder of its own."""
    require_chromium()
    folder = tmp_path_factory.mktemp(name)
    return copy_warehouse(template, folder / "wh" / "warehouse.duckdb", accounts=True)


def serve(wh: Warehouse, env: dict[str, str] | None = None) -> Iterator[str]:
    """The dashboard (``dashboard/server.py``, as ``make run`` starts it) on ``wh``."""
    extra = {"CAMPAIGNS_WAREHOUSE": str(wh.path), **(env or {})}
    with dashboard_server(ROOT / "dashboard" / "server.py", extra) as url:
        yield url


# The app has finished a script run and shows no run in progress. Streamlit marks the app's
# root with its script's state: ``initial`` until the first run of a page load has begun, then
# ``running`` and ``notRunning``.
_IDLE = (
    "() => { const app = document.querySelector('[data-testid=\"stApp\"]');"
    " return !!app && app.getAttribute('data-test-script-state') === 'notRunning'"
    " && !document.querySelector('[data-testid=\"stStatusWidget\"]'); }"
)


def settle(page, pause_ms: int = 300) -> None:
    """Wait until the app has drawn and finished its script run: after the pause, again, for
    a run the last action asked for that began only during it."""
    page.wait_for_selector('[data-testid="stApp"]', timeout=30_000)
    page.wait_for_selector('[data-testid="stMain"]', timeout=30_000)
    page.wait_for_function(_IDLE, timeout=60_000)
    page.wait_for_timeout(pause_ms)
    page.wait_for_function(_IDLE, timeout=60_000)


def sign_in(page, username: str, url: str | None = None) -> None:
    """Open ``url`` (or stay where the page is) and sign in as a demo account there."""
    from etl.demo import demo_password

    if url is not None:
        page.goto(url)
    page.get_by_role("textbox", name="Username").fill(username)
    page.get_by_role("textbox", name="Password").fill(demo_password(username))
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_selector('[data-testid="stSidebarNav"]', timeout=30_000)
    # the sign-in heading stays on screen until the run after the click draws the page
    page.get_by_role("textbox", name="Username").wait_for(state="detached", timeout=60_000)
    settle(page)
    # The page trades a one-time code for the session cookie in the background; a test that
    # opens another address before it has the cookie would meet the sign-in form again.
    for _ in range(120):
        if any(c["name"] == COOKIE for c in page.context.cookies()):
            return
        page.wait_for_timeout(250)
    raise AssertionError("signed in, but the browser never received the session cookie")


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


def grid_headers(grid, timeout_ms: int = 60_000) -> list[str]:
    """The column titles a grid has on screen, from the accessible table Streamlit's grid keeps
    under its canvas. The grid draws that table a moment after its canvas, and again after each
    resize or scroll, so wait until it holds titles."""
    titles: list[str] = []
    for _ in range(max(1, timeout_ms // 250)):
        titles = [c.strip() for c in grid.locator("table th").all_text_contents()]
        if any(titles):
            return titles
        grid.page.wait_for_timeout(250)
    raise AssertionError(f"the grid drew no column titles within {timeout_ms} ms")


def grid_with(page, title: str, timeout_ms: int = 60_000):
    """The first visible grid on the page with a column titled ``title``, waiting for it to be
    drawn (a page still running, a tab still opening)."""
    seen: list[list[str]] = []
    for _ in range(max(1, timeout_ms // 250)):
        grids = page.locator('[data-testid="stDataFrame"]')
        seen = []
        for i in range(grids.count()):
            grid = grids.nth(i)
            if grid.is_visible():
                seen.append([c.strip() for c in grid.locator("table th").all_text_contents()])
                if title in seen[-1]:
                    return grid
        page.wait_for_timeout(250)
    raise AssertionError(f"no table with a column {title!r} within {timeout_ms} ms: {seen}")


def open_tab(page, name: str, timeout_ms: int = 60_000) -> None:
    """Click the tab ``name`` until it is the selected one: a click that lands while the page
    is still running can be lost."""
    from playwright.sync_api import expect

    tab = page.get_by_role("tab", name=name)
    for _ in range(max(1, timeout_ms // 1000)):
        tab.click()
        try:
            expect(tab).to_have_attribute("aria-selected", "true", timeout=1_000)
        except AssertionError:  # not selected yet: click again
            continue
        settle(page)
        return
    raise AssertionError(f"the tab {name!r} did not open within {timeout_ms} ms")
