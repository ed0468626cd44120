"""The reporting cycle in a real browser (headless Debian Chromium driven by Playwright) on the
demo programme, as its people use it: the grantee submits a period with a narrative, the officer
returns it with a comment, the grantee reads the comment and submits again, the officer
approves; a file whose rows fall in the approved period is then refused on the Upload page with
the lock named, and the warehouse is left as it was. A Streamlit server runs on a demo
warehouse of the module's own."""

from __future__ import annotations

import calendar
import datetime as dt
import json
from collections.abc import Iterator

import pytest
from browsing import (
    demo_warehouse,
    grid_headers,
    grid_with,
    no_errors,
    serve,
    settle,
    sign_in,
    skip_without_chromium,
    sql,
)
from conftest import METRICS_HEADER

from etl.reporting import history, load_settings, state
from etl.warehouse import Warehouse

# With the other browser tests on one worker: one Chromium at a time.
pytestmark = pytest.mark.xdist_group("browser")
skip_without_chromium()

CAMPAIGN = "PDP-01"  # the demo grantee "adr"'s campaign


@pytest.fixture(scope="module")
def warehouse(tmp_path_factory, demo_template: Warehouse) -> Warehouse:
    return demo_warehouse(demo_template, tmp_path_factory, "browser-reporting")


@pytest.fixture(scope="module")
def app_url(warehouse: Warehouse) -> Iterator[str]:
    yield from serve(warehouse)


def _open_period(wh: Warehouse) -> tuple[str, dt.date]:
    """The latest period of the reporting cycle, up to the demo's last figures, in which PDP-01
    has telegram figures and no step was taken yet: its name and a day of it with figures."""
    settings = load_settings()
    (last,) = sql(wh, "SELECT max(day) FROM channel_daily WHERE campaign_code = ?", [CAMPAIGN])[0]
    taken = {p for (p,) in sql(wh, "SELECT period FROM reporting_periods WHERE campaign_code = ?",
                                [CAMPAIGN])}  # fmt: skip
    month = last.replace(day=1)
    for _ in range(24):
        key = f"{month:%Y-%m}"
        end = month.replace(day=calendar.monthrange(month.year, month.month)[1])
        days = sql(
            wh,
            "SELECT max(day) FROM channel_daily WHERE campaign_code = ? AND platform = 'telegram' "
            "AND day BETWEEN ? AND ?",
            [CAMPAIGN, month, end],
        )[0][0]
        if key not in taken and days is not None and settings.in_cycle(key):
            return key, days
        month = (month - dt.timedelta(days=1)).replace(day=1)
    raise AssertionError("the demo has no period of PDP-01 left to submit")


def _figures(wh: Warehouse) -> list[tuple]:
    """The load log's length, the metric rows kept and PDP-01's impressions."""
    return sql(
        wh,
        "SELECT (SELECT count(*) FROM core.batch), "
        "(SELECT count(*) FROM core.metric_observation), "
        "(SELECT sum(impressions) FROM channel_daily WHERE campaign_code = ?)",
        [CAMPAIGN],
    )


def _text(page, text: str, timeout: int = 60_000) -> None:
    page.get_by_text(text, exact=False).first.wait_for(timeout=timeout)


def _type(page, label: str, text: str) -> None:
    """Fill a text area and apply it (Ctrl+Enter), as a person does before pressing a button."""
    box = page.get_by_label(label, exact=True)
    box.fill(text)
    box.press("Control+Enter")
    settle(page)


def test_a_period_goes_through_submit_return_resubmit_approve_and_locks_its_figures(
    browser, app_url, warehouse, tmp_path
) -> None:
    period, day = _open_period(warehouse)
    link = f"{app_url}/reporting?campaign={CAMPAIGN}&period={period}"
    grantee = browser.new_context(viewport={"width": 1440, "height": 900}).new_page()
    officer = browser.new_context(viewport={"width": 1440, "height": 900}).new_page()

    # The grantee submits the period with a narrative.
    sign_in(grantee, "adr", link)
    _text(grantee, "What you still owe")
    no_errors(grantee)
    grantee.get_by_label("Achievements", exact=True).fill("Три эфира на радио")
    grantee.get_by_label("Success story", exact=True).fill("Бір оқырман хат жазды")
    grantee.get_by_role("button", name="Submit the period", exact=True).click()
    _text(grantee, f"{CAMPAIGN} {period} is submitted")
    settle(grantee)
    no_errors(grantee)
    now = state(warehouse, CAMPAIGN, period)
    assert now["state"] == "submitted"
    assert json.loads(now["narrative"]) == {
        "achievements": "Три эфира на радио",
        "success_story": "Бір оқырман хат жазды",
    }

    # The officer reads it and returns it with a comment.
    sign_in(officer, "officer", link)
    _text(officer, "Три эфира на радио")
    no_errors(officer)
    _type(officer, "Comment for the grantee (needed to return the period)", "Add the spend")
    officer.get_by_role("button", name="Return to the grantee").click()
    _text(officer, f"{CAMPAIGN} {period} is returned to the grantee")
    settle(officer)
    assert state(warehouse, CAMPAIGN, period)["state"] == "returned"

    # The grantee sees the comment and submits again.
    grantee.goto(link)
    settle(grantee)
    _text(grantee, "The officer returned this period: Add the spend")
    grantee.get_by_role("button", name="Submit the period again").click()
    _text(grantee, f"{CAMPAIGN} {period} is submitted")
    settle(grantee)
    assert state(warehouse, CAMPAIGN, period)["state"] == "submitted"

    # The officer approves: the period is locked.
    officer.goto(link)
    settle(officer)
    officer.get_by_role("button", name="Approve").click()
    _text(officer, f"{CAMPAIGN} {period} is approved and locked")
    settle(officer)
    no_errors(officer)
    now = state(warehouse, CAMPAIGN, period)
    assert (now["state"], now["approved_by"]) == ("approved", "officer")
    assert [(h["action"], h["username"]) for h in history(warehouse, CAMPAIGN, period)] == [
        ("submit", "adr"),
        ("return", "officer"),
        ("submit", "adr"),
        ("approve", "officer"),
    ]

    # A file restating a day of the approved period is refused on the Upload page, the lock
    # named; nothing is written.
    before = _figures(warehouse)
    restated = tmp_path / "telegram-restated.csv"
    restated.write_text(f"{METRICS_HEADER}\n{day.isoformat()},telegram,,,999999,,,52,,,,,\n")
    grantee.goto(f"{app_url}/upload?campaign={CAMPAIGN}")
    _text(grantee, f"Uploads of {CAMPAIGN}", timeout=90_000)
    settle(grantee)
    grantee.locator('[data-testid="stFileUploaderDropzoneInput"]').set_input_files(str(restated))
    _text(grantee, f"{CAMPAIGN} {period} is approved and locked (approved by officer")
    settle(grantee)
    no_errors(grantee)
    assert grantee.get_by_role("button", name="Load this file").is_disabled()
    assert _figures(warehouse) == before
    grantee.context.close()
    officer.context.close()


def test_a_click_on_a_cell_of_the_grid_opens_that_period(browser, app_url, warehouse) -> None:
    """The demo's FOE-02 October was returned with a comment: clicking its cell shows it. The
    grid is a canvas: campaign (90 px, pinned), organisation (220 px), then one 200-px column
    per period, latest first; rows by organisation name, 35 px each under the header."""
    from etl.demo.cycle import STORIES

    (returned,) = [s for s in STORIES if s.state == "returned"]
    rows = [c for (c,) in sql(
        warehouse,
        "SELECT c.code FROM campaigns c JOIN organisations o ON o.code = c.organisation_code "
        "ORDER BY o.name, c.code",
    )]  # fmt: skip
    periods = sorted({p for (p,) in sql(warehouse, "SELECT period FROM reporting_periods")})
    page = browser.new_context(viewport={"width": 1440, "height": 900}).new_page()
    try:
        sign_in(page, "officer", f"{app_url}/reporting")
        _text(page, "Periods by campaign")
        settle(page)
        shown = grid_with(page, returned.period)
        columns = grid_headers(shown)
        column = columns.index(returned.period)  # the periods after campaign and organisation
        assert columns[:2] == ["Campaign", "Organisation"] and returned.period in periods
        shown.scroll_into_view_if_needed()
        box = shown.bounding_box()
        assert box is not None
        x = box["x"] + 90 + 220 + 200 * (column - 2) + 100
        y = box["y"] + 35 + 17 + 35 * rows.index(returned.campaign)
        page.mouse.click(x, y)
        settle(page)
        _text(page, returned.comment[:40])
        no_errors(page)
        period_box = page.get_by_role("combobox", name="Period", exact=True)
        campaign_box = page.get_by_role(
            "combobox", name="Campaign", exact=True
        ).last  # not the filter
        assert (campaign_box.input_value(), period_box.input_value()) == (
            returned.campaign, returned.period,
        )  # fmt: skip
    finally:
        page.context.close()
