"""Tables that fit a 1440×900 screen, in a real browser (Debian Chromium driven by Playwright)
on the demo programme, in Russian and Kazakh: the key columns of the Portfolio, the Campaign
page's KPI table and the Reports page's logframe preview are on screen without scrolling
sideways, and stay there (pinned) when the figures are scrolled; the toolbar has no "Deploy".

The table is drawn on a canvas; its accessible table underneath holds a header cell for each
column the grid has on screen, which is what these tests read.
"""

from __future__ import annotations

from collections.abc import Iterator

import browsing
import pytest
from browsing import SCREEN, demo_warehouse, serve, sign_in, skip_without_chromium

from dashboard.i18n import t
from etl.warehouse import Warehouse

pytestmark = pytest.mark.xdist_group("browser")

skip_without_chromium()


@pytest.fixture(scope="module")
def app_url(tmp_path_factory, demo_template: Warehouse) -> Iterator[str]:
    yield from serve(demo_warehouse(demo_template, tmp_path_factory, "layout"))


@pytest.fixture(scope="module")
def page(app_url, browser):
    """A 1440×900 tab signed in as the demo officer."""
    tab = browser.new_context(viewport=SCREEN).new_page()
    sign_in(tab, "officer", app_url)
    yield tab


def settle(page) -> None:
    browsing.settle(page, pause_ms=500)


def headers(grid) -> list[str]:
    """The column titles the grid has on screen."""
    return browsing.grid_headers(grid)


def scroll_right(grid) -> None:
    """Scroll the grid as far right as it goes."""
    grid.evaluate(
        "g => { const s = g.querySelector('.dvn-scroller');"
        " s.scrollLeft = s.scrollWidth; s.dispatchEvent(new Event('scroll')); }"
    )
    grid.page.wait_for_timeout(600)


def wider_than_screen(grid) -> bool:
    return grid.evaluate(
        "g => { const s = g.querySelector('.dvn-scroller'); return s.scrollWidth > s.clientWidth; }"
    )


def assert_kept(grid, key: list[str], last: str) -> None:
    """The key columns are on screen at first and still there once the table is scrolled to its
    last column."""
    assert set(key) <= set(headers(grid)), (key, headers(grid))
    assert wider_than_screen(grid), "the table fits without scrolling: nothing to check"
    scroll_right(grid)
    shown = headers(grid)
    assert last in shown, shown  # it did scroll
    assert set(key) <= set(shown), (key, shown)


@pytest.mark.parametrize("lang", ["ru", "kk"])
def test_portfolio_keeps_code_status_and_reasons(page, app_url, lang: str) -> None:
    page.goto(f"{app_url}/?lang={lang}")
    settle(page)
    key = [t(f"portfolio.col.{c}", lang=lang) for c in ("code", "status", "reasons")]
    grid = browsing.grid_with(page, key[0])
    assert_kept(grid, key, t("portfolio.col.last_data_day", lang=lang))


@pytest.mark.parametrize("lang", ["ru", "kk"])
def test_the_kpi_table_keeps_indicator_and_status(page, app_url, lang: str) -> None:
    page.goto(f"{app_url}/campaign?campaign=ATI-05&lang={lang}")
    settle(page)
    browsing.open_tab(page, t("screens.campaign_tab.kpis", lang=lang))
    key = [t(f"campaign.col.{c}", lang=lang) for c in ("indicator", "status")]
    grid = browsing.grid_with(page, key[0])
    # the whole table fits at 1440 px; when it does not, the two stay pinned
    assert set(key) <= set(headers(grid))
    assert t("campaign.col.pace", lang=lang) in headers(grid)


@pytest.mark.parametrize("lang", ["ru", "kk"])
def test_the_logframe_preview_shows_its_figures(page, app_url, lang: str) -> None:
    page.goto(f"{app_url}/reports?lang={lang}")
    settle(page)
    page.get_by_role("button", name=t("reports.produce", lang=lang)).click()
    settle(page)
    code = t("reports.col.indicator_code", lang=lang)
    grid = browsing.grid_with(page, t("reports.col.indicator", lang=lang))
    figures = [t(f"reports.col.{c}", lang=lang)
               for c in ("indicator_code", "indicator", "target", "value_period",
                         "value_cumulative", "achievement")]  # fmt: skip
    assert set(figures) <= set(headers(grid)), headers(grid)
    assert_kept(
        grid, [code, t("reports.col.indicator", lang=lang)], t("reports.col.note", lang=lang)
    )
    # counts without decimals: OP1 (impressions) as a whole number
    text = grid.locator("table").text_content() or ""
    assert ",00" not in text


def test_the_toolbar_has_no_deploy_button(page, app_url) -> None:
    page.goto(app_url)
    settle(page)
    assert page.locator('[data-testid="stAppDeployButton"]').count() == 0
    assert page.get_by_role("button", name="Deploy").count() == 0
    page.locator('[data-testid="stMainMenu"]').click()
    menu = page.locator('[data-testid="stMainMenuList"]').inner_text()
    assert "Clear cache" not in menu and "Rerun" not in menu
    page.keyboard.press("Escape")
