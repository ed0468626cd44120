"""The dashboard in a real browser: headless Debian Chromium driven by Playwright.

A Streamlit server runs on the demo warehouse on a free local port for the module; each test
opens pages the way a person does and checks what they see. Debian's Chromium drives them
(``apt-get install chromium``, which ``make test`` runs when it can): no browser is ever
downloaded. Without it the module is skipped, except where ``CAMPAIGNS_REQUIRE_BROWSER`` is set
(``.ci/run`` sets it): there a missing Chromium fails every test.
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

import duckdb
import pytest
from click.testing import CliRunner

from etl.cli import cli
from etl.warehouse import Warehouse

# One worker runs them all, so the demo warehouse and the server are made once.
pytestmark = pytest.mark.xdist_group("browser")

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

MISSING = "Debian's chromium is not installed (apt-get install chromium)"
if not CHROMIUM.exists() and not os.environ.get("CAMPAIGNS_REQUIRE_BROWSER"):
    pytest.skip(f"browser tests skipped: {MISSING}", allow_module_level=True)


@pytest.fixture(autouse=True, scope="module")
def _require_chromium() -> None:
    """Fail every test of the module, with the install hint, when ``CAMPAIGNS_REQUIRE_BROWSER``
    is set and Chromium is missing."""
    if not CHROMIUM.exists():
        pytest.fail(f"CAMPAIGNS_REQUIRE_BROWSER is set but {MISSING}", pytrace=False)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def warehouse(tmp_path_factory) -> Warehouse:
    wh = Warehouse(tmp_path_factory.mktemp("browser") / "warehouse.duckdb")
    result = CliRunner().invoke(cli, ["--warehouse", str(wh.path), "demo"])
    assert result.exit_code == 0, result.output
    return wh


def sql(wh: Warehouse, text: str, params: list | None = None) -> list[tuple]:
    con = duckdb.connect(str(wh.read_path), read_only=True)
    try:
        return con.execute(text, params or []).fetchall()
    finally:
        con.close()


@pytest.fixture(scope="module")
def app_url(warehouse: Warehouse) -> Iterator[str]:
    assert CHROMIUM.exists(), "browser tests need Debian's chromium: apt-get install chromium"
    wh = warehouse
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


def sign_in(page, username: str = "officer", url: str | None = None) -> None:
    """Open ``url`` (or stay where the page is) and sign in as a demo account there."""
    from etl.demo_build import demo_password

    if url is not None:
        page.goto(url)
    page.get_by_role("textbox", name="Username").fill(username)
    page.get_by_role("textbox", name="Password").fill(demo_password(username))
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_selector('[data-testid="stSidebarNav"]', timeout=30_000)
    settle(page)


@pytest.fixture(scope="module")
def officer_session(browser, app_url) -> dict:
    """The browser state (the session cookie) of the demo officer, signed in once through the
    form."""
    context = browser.new_context()
    try:
        sign_in(context.new_page(), "officer", app_url)
        return context.storage_state()
    finally:
        context.close()


@pytest.fixture
def page(browser, officer_session):
    """A browser tab signed in as the demo officer: it carries the session cookie, which keeps
    it signed in at every address of the app."""
    context = browser.new_context(accept_downloads=True, storage_state=officer_session)
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
    # an officer's pages: the five of the dashboard, Reports, Upload, Programme and Loads
    assert len(hrefs) == 9, hrefs
    addresses = [href if href.startswith("http") else f"{app_url}{href}" for href in hrefs]
    # each page in Russian too, and a campaign's own page opened from its link
    addresses += [f"{a}?lang=ru" for a in addresses]
    addresses.append(f"{app_url}/campaign?campaign=FOE-02&lang=kk")
    for address in addresses:
        page.goto(address)
        settle(page)
        no_errors(page)
        assert page.locator("h1").first.inner_text(), address


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


# --- the flows a programme officer goes through ------------------------------------------------


def tile(page, label: str) -> str:
    """The value of the headline tile with this label."""
    label_box = page.locator('[data-testid="stMetricLabel"]').get_by_text(label, exact=True)
    box = page.locator('[data-testid="stMetric"]').filter(has=label_box)
    return box.locator('[data-testid="stMetricValue"]').inner_text()


def grid_row_click(page, row: int) -> None:
    """Tick the selection box of a row of the first table (0 = first data row). The grid is a
    canvas: the box sits in the first column, one row height (35 px) per row under the header."""
    grid = page.locator('[data-testid="stDataFrame"]').first
    grid.scroll_into_view_if_needed()
    box = grid.bounding_box()
    assert box is not None
    page.mouse.click(box["x"] + 18, box["y"] + 35 + 17 + 35 * row)


def test_open_a_campaign_from_the_portfolio(page, app_url) -> None:
    page.goto(app_url)
    settle(page)
    codes = ["ATI-05", "CEN-04", "DSEC-03", "FOE-02", "PDP-01"]  # the table is in code order
    grid_row_click(page, codes.index("DSEC-03"))
    page.wait_for_url("**/campaign?*", timeout=30_000)
    settle(page)
    assert "campaign=DSEC-03" in page.url
    assert page.locator("h1").first.inner_text().startswith("Campaign")
    assert "DSEC-03" in page.locator('[data-testid="stMain"]').inner_text()
    no_errors(page)


def date_field(page, label: str):
    return page.locator('[data-testid="stDateInput"]').filter(has_text=label)


def test_a_period_change_reopens_from_the_copied_address(page, browser, app_url) -> None:
    page.goto(app_url)
    settle(page)
    whole = tile(page, "Impressions")
    # The date field is a row of spin buttons (year, month, day): type over month and day, then
    # leave the field, which is when the app takes the new date.
    date_field(page, "From").locator('[data-type="month"]').click()
    page.keyboard.type("06")
    page.keyboard.type("01")
    page.locator("h1").first.click()
    page.wait_for_url("**from=2026-06-01*", timeout=30_000)
    settle(page)
    june_on = tile(page, "Impressions")
    assert june_on != whole

    copied = page.url
    other = browser.new_context().new_page()  # a colleague opening the link: a new session
    try:
        other.goto(copied)
        settle(other)
        sign_in(other, "viewer")  # signing in opens the page the link named
        assert other.url == copied
        assert tile(other, "Impressions") == june_on
        shown = date_field(other, "From").locator('input[type="date"]').get_attribute("value")
        assert shown == "2026-06-01"
        no_errors(other)
    finally:
        other.context.close()

    # the period follows the reader to another page
    page.locator('[data-testid="stSidebarNav"] a').filter(has_text="Budget").click()
    page.wait_for_url("**/budget?*from=2026-06-01*", timeout=30_000)
    settle(page)
    shown = date_field(page, "From").locator('input[type="date"]').get_attribute("value")
    assert shown == "2026-06-01"
    no_errors(page)


def download(page, key: str, tmp_path: Path) -> Path:
    """Click the download button drawn under the key ``key`` and save what it sends."""
    with page.expect_download(timeout=30_000) as event:
        page.locator(f".st-key-{key} button").first.click()
    path = tmp_path / event.value.suggested_filename
    event.value.save_as(path)
    return path


def test_download_the_campaign_table(page, app_url, warehouse, tmp_path) -> None:
    import csv

    import openpyxl

    expected = dict(
        sql(
            warehouse,
            "SELECT campaign_code, sum(impressions) FROM channel_daily GROUP BY 1 ORDER BY 1",
        )
    )
    page.goto(app_url)
    settle(page)
    path = download(page, "portfolio_campaigns_csv", tmp_path)
    assert path.name == "portfolio-campaigns.csv"
    with path.open(encoding="utf-8-sig", newline="") as f:
        rows = list(csv.DictReader(f))
    assert {r["campaign"]: float(r["impressions"]) for r in rows} == expected

    path = download(page, "portfolio_campaigns_xlsx", tmp_path)
    assert path.name == "portfolio-campaigns.xlsx"
    sheet = openpyxl.load_workbook(path).active
    header = [c.value for c in sheet[1]]
    values = sheet.iter_rows(min_row=2, values_only=True)
    shown = {row[header.index("campaign")]: row[header.index("impressions")] for row in values}
    assert shown == expected
    no_errors(page)


# --- a grantee sends a file ----------------------------------------------------------------------


def number(text: str) -> int:
    return int(text.replace(",", ""))


def main_text(page) -> str:
    return page.locator('[data-testid="stMain"]').inner_text()


def test_a_grantee_fixes_a_bad_row_uploads_and_only_it_sees_the_figures(
    browser, app_url, warehouse, tmp_path
) -> None:
    from conftest import METRICS_HEADER

    # Two days after the demo's last figures, on a channel PDP-01 has: new rows, not restated.
    rows = ["2026-11-25,telegram,,,4100,,,52,,,,,", "2026-11-26,telegram,,,3900,,,35,,,,,"]
    bad = tmp_path / "bad" / "telegram-november.csv"
    bad.parent.mkdir()
    bad.write_text(f"{METRICS_HEADER}\n{rows[0]}\n{rows[1].replace('3900', 'lots')}\n")
    fixed = tmp_path / "telegram-november.csv"
    fixed.write_text(f"{METRICS_HEADER}\n{rows[0]}\n{rows[1]}\n")

    other = browser.new_context().new_page()
    adr = browser.new_context(accept_downloads=True).new_page()
    try:
        sign_in(other, "erk", f"{app_url}/")
        erk_before = tile(other, "Impressions")
        sign_in(adr, "adr", f"{app_url}/campaign?campaign=PDP-01")
        before = number(tile(adr, "Impressions"))

        adr.goto(f"{app_url}/upload")
        adr.get_by_text("Uploads of PDP-01").wait_for(timeout=30_000)
        settle(adr)
        assert "Uploads of PDP-01" in main_text(adr)  # its one campaign, chosen already
        uploader = adr.locator('[data-testid="stFileUploaderDropzoneInput"]')
        uploader.set_input_files(str(bad))
        adr.get_by_text("Errors (1)").wait_for(timeout=60_000)
        settle(adr)
        # the error names the row as a spreadsheet shows it, the column and the value
        tables = adr.locator('[data-testid="stDataFrame"] table')
        issues = tables.filter(has_text="What to fix")
        issues.locator("td").first.wait_for(state="attached", timeout=30_000)
        cells = [c.strip() for c in issues.locator("td").all_text_contents()]
        assert "3" in cells and "impressions" in cells and "lots" in cells, cells
        assert adr.get_by_role("button", name="Load this file").is_disabled()
        assert sql(warehouse, "SELECT count(*) FROM loads WHERE loaded_by = 'adr'") == [(0,)]

        # the grantee fixes the file and sends it again, in place of the bad one
        adr.get_by_role("button", name="Remove telegram-november.csv").click()
        settle(adr)
        uploader.set_input_files(str(fixed))
        adr.get_by_text("No errors or warnings").wait_for(timeout=60_000)
        settle(adr)
        adr.get_by_role("button", name="Load this file").click()
        adr.get_by_text("2 of 2 rows loaded").wait_for(timeout=60_000)
        no_errors(adr)
        loaded = sql(
            warehouse,
            "SELECT campaign_code, source_name, rows_loaded, status FROM loads "
            "WHERE loaded_by = 'adr'",
        )
        assert loaded == [("PDP-01", "telegram-november.csv", 2, "loaded")]

        adr.goto(f"{app_url}/campaign?campaign=PDP-01")
        settle(adr)
        assert number(tile(adr, "Impressions")) == before + 4100 + 3900
        no_errors(adr)

        # another organisation's grantee sees neither the figures nor the upload
        other.goto(f"{app_url}/")
        settle(other)
        assert tile(other, "Impressions") == erk_before
        other.goto(f"{app_url}/upload")
        other.get_by_text("Uploads of FOE-02").wait_for(timeout=30_000)
        settle(other)
        assert "telegram-november.csv" not in main_text(other)
        assert "PDP-01" not in main_text(other)
        no_errors(other)
    finally:
        other.context.close()
        adr.context.close()


# --- the donor's report --------------------------------------------------------------------------


def test_an_officer_downloads_the_donor_workbook(page, app_url, tmp_path) -> None:
    import openpyxl

    page.goto(f"{app_url}/reports")
    settle(page)
    page.get_by_role("button", name="Produce report").click()
    page.locator(".st-key-reports_file_xlsx button").wait_for(timeout=60_000)
    settle(page)
    path = download(page, "reports_file_xlsx", tmp_path)
    assert path.name.startswith("report_programme_") and path.suffix == ".xlsx"
    cover = openpyxl.load_workbook(path)["Cover"]
    assert "Funded by the European Union" in {
        value for row in cover.iter_rows(values_only=True) for value in row
    }
    no_errors(page)
