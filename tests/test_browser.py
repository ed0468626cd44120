"""The dashboard in a real browser: headless Debian Chromium driven by Playwright.

A Streamlit server runs on the demo warehouse on a free local port for the module; each test
opens pages the way a person does and checks what they see. Debian's Chromium drives them
(``apt-get install chromium``, which ``make test`` runs when it can): no browser is ever
downloaded. Without it the module is skipped, except where ``CAMPAIGNS_REQUIRE_BROWSER`` is set
(``.ci/run`` sets it): there a missing Chromium fails every test.
"""

from __future__ import annotations

import socket
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from browsing import demo_warehouse, no_errors, serve, settle, sign_in, skip_without_chromium, sql
from conftest import dashboard_server

from etl.warehouse import Warehouse

# One worker runs them all, so the demo warehouse and the server are made once.
pytestmark = pytest.mark.xdist_group("browser")

ROOT = Path(__file__).resolve().parents[1]
skip_without_chromium()


@pytest.fixture(scope="module")
def warehouse(tmp_path_factory, demo_template: Warehouse) -> Warehouse:
    return demo_warehouse(demo_template, tmp_path_factory, "browser")


@pytest.fixture(scope="module")
def app_url(warehouse: Warehouse) -> Iterator[str]:
    yield from serve(warehouse)


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
    # an officer's pages: the five of the dashboard, Reports, Upload, Reporting, Programme,
    # Loads and Alerts
    assert [h.rsplit("/", 1)[-1] for h in hrefs] == [
        "", "campaign", "content", "budget", "feedback", "reports", "upload", "reporting",
        "programme", "loads", "alerts",
    ]  # fmt: skip
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
    from playwright.sync_api import expect

    assert "campaign=DSEC-03" in page.url
    assert page.locator("h1").first.inner_text().startswith("Campaign")
    # the page draws its heading first, then the campaign's own parts
    expect(page.locator('[data-testid="stMain"]')).to_contain_text("DSEC-03", timeout=30_000)
    no_errors(page)


def date_field(page, label: str):
    return page.locator('[data-testid="stDateInput"]').filter(has_text=label)


def test_a_period_change_reopens_from_the_copied_address(page, browser, app_url) -> None:
    page.goto(app_url)
    settle(page)
    whole = tile(page, "Impressions in the period")
    # The date field is a row of spin buttons (year, month, day): type over month and day, then
    # leave the field, which is when the app takes the new date.
    date_field(page, "From").locator('[data-type="month"]').click()
    page.keyboard.type("06")
    page.keyboard.type("01")
    page.locator("h1").first.click()
    page.wait_for_url("**from=2026-06-01*", timeout=30_000)
    settle(page)
    june_on = tile(page, "Impressions in the period")
    assert june_on != whole

    copied = page.url
    other = browser.new_context().new_page()  # a colleague opening the link: a new session
    try:
        other.goto(copied)
        settle(other)
        sign_in(other, "viewer")  # signing in opens the page the link named
        assert other.url == copied
        assert tile(other, "Impressions in the period") == june_on
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
        erk_before = tile(other, "Impressions in the period")
        sign_in(adr, "adr", f"{app_url}/campaign?campaign=PDP-01")
        before = number(tile(adr, "Impressions"))

        adr.goto(f"{app_url}/upload")
        adr.get_by_text("Uploads of PDP-01").wait_for(timeout=30_000)
        settle(adr)
        assert "Uploads of PDP-01" in main_text(adr)  # its one campaign, chosen already
        uploader = adr.locator('[data-testid="stFileUploaderDropzoneInput"]')
        uploader.set_input_files(str(bad))
        adr.get_by_text("1 row ready, 1 row with 1 error").wait_for(timeout=60_000)
        settle(adr)
        # the row to fix: its row as a spreadsheet shows it, the column and the value
        tables = adr.locator('[data-testid="stDataFrame"] table')
        issues = tables.filter(has_text="What to fix")
        issues.locator("td").first.wait_for(state="attached", timeout=30_000)
        cells = [c.strip() for c in issues.locator("td").all_text_contents()]
        assert "3" in cells and "lots" in cells, cells
        assert any(c.startswith("impressions: ") for c in cells), cells
        assert adr.get_by_role("button", name="Load this file").is_disabled()
        assert sql(
            warehouse, "SELECT count(*) FROM loads WHERE loaded_by = 'adr' AND kind = 'metrics'"
        ) == [(0,)]

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
            "WHERE loaded_by = 'adr' AND kind = 'metrics'",
        )
        assert loaded == [("PDP-01", "telegram-november.csv", 2, "loaded")]

        adr.goto(f"{app_url}/campaign?campaign=PDP-01")
        settle(adr)
        assert number(tile(adr, "Impressions")) == before + 4100 + 3900
        no_errors(adr)

        # another organisation's grantee sees neither the figures nor the upload
        other.goto(f"{app_url}/")
        settle(other)
        assert tile(other, "Impressions in the period") == erk_before
        other.goto(f"{app_url}/upload")
        other.get_by_text("Uploads of FOE-02").wait_for(timeout=30_000)
        settle(other)
        assert "telegram-november.csv" not in main_text(other)
        assert "PDP-01" not in main_text(other)
        no_errors(other)
    finally:
        other.context.close()
        adr.context.close()


# --- a grantee sends a form's responses ----------------------------------------------------------

FORM_QUESTIONS = [
    "Отметка времени",
    "Оцените семинар в целом (1-5)",
    "Насколько полезной была информация?",
    "Порекомендуете ли вы семинар друзьям?",
    "Ваши предложения",
    "Пол",
    "Возраст",
    "Город",
    "Адрес электронной почты",
]
# As a Sheet in the ru locale writes them: dotted response times, worded answers, and contacts.
FORM_RESPONSES = [
    [
        "20.10.2026 17:58:32",
        "5",
        "Очень полезно",
        "Да",
        "Больше практики, пишите на aigerim@example.kz",
        "Женский",
        "25-34",
        "Алматы",
        "aigerim@example.kz",
    ],
    [
        "20.10.2026 18:04:10",
        "4",
        "Полезно",
        "Да",
        "",
        "Мужской",
        "18-24",
        "Астана",
        "bolat@example.kz",
    ],
    [
        "21.10.2026 9:05:00",
        "2",
        "Мало полезно",
        "Нет",
        "Слишком долго",
        "Женский",
        "35-44",
        "Шымкент",
        "dana@example.kz",
    ],
    [
        "21.10.2026 10:41:07",
        "3",
        "Полезно",
        "Не знаю",
        "",
        "Мужской",
        "45-54",
        "Караганда",
        "erlan@example.kz",
    ],
]


def open_select(page, label: str):
    """Open the list of the select labelled ``label`` and return its options. The list closes
    when the page scrolls: the select is brought to the middle of the view, where its list has
    room, and opened once that scroll is over (two frames later)."""
    box = page.get_by_role("combobox", name=label, exact=True)
    box.evaluate("e => e.scrollIntoView({block: 'center', behavior: 'instant'})")
    page.evaluate("() => new Promise(r => requestAnimationFrame(() => requestAnimationFrame(r)))")
    box.press("ArrowDown")
    options = page.get_by_role("listbox").get_by_role("option")
    options.first.wait_for(timeout=30_000)
    return options


def choose(page, label: str, option: str) -> None:
    """Pick ``option`` in the select labelled ``label`` and wait for the rerun."""
    from playwright.sync_api import expect

    open_select(page, label)
    page.get_by_role("listbox").get_by_role("option", name=option, exact=True).click()
    expect(page.get_by_role("combobox", name=label, exact=True)).to_have_value(option)
    settle(page)


def test_a_grantee_maps_a_forms_responses_saves_the_mapping_and_loads_them(
    browser, app_url, warehouse, tmp_path
) -> None:
    import csv
    import datetime as dt
    import json
    import tomllib

    from etl.reporting import Actor, take_step

    event = "PDP-01-E06"  # the workshop of 20 October, whose feedback the grantee sends again
    # October is approved in the demo, which locks its feedback: the officer reopens it first.
    take_step(warehouse, "reopen", "PDP-01", "2026-10", Actor("officer", "officer"),
              comment="Late feedback forms of the October workshop")  # fmt: skip
    path = tmp_path / "Отзывы о семинаре (Ответы).csv"
    with path.open("w", encoding="utf-8", newline="") as f:
        writer = csv.writer(f, lineterminator="\r\n")
        writer.writerow(FORM_QUESTIONS)
        writer.writerows(FORM_RESPONSES)
    col = {question: i for i, question in enumerate(FORM_QUESTIONS)}
    usefulness = {"Очень полезно": 5, "Полезно": 4, "Мало полезно": 2}
    recommend = {"Да": True, "Нет": False, "Не знаю": None}
    sexes = {"Женский": "female", "Мужской": "male"}
    expected = [
        (
            dt.datetime.strptime(r[col["Отметка времени"]], "%d.%m.%Y %H:%M:%S"),
            int(r[col["Оцените семинар в целом (1-5)"]]),
            5,
            usefulness[r[col["Насколько полезной была информация?"]]],
            5,
            recommend[r[col["Порекомендуете ли вы семинар друзьям?"]]],
            None,  # the grantee chooses not to keep the comments
            sexes[r[col["Пол"]]],
            r[col["Возраст"]],
            r[col["Город"]],
            "ru",
        )
        for r in FORM_RESPONSES
    ]
    ((others_before,),) = sql(
        warehouse,
        "SELECT count(*) FROM feedback WHERE campaign_code = 'PDP-01' AND event_code <> ?",
        [event],
    )
    ((replaced,),) = sql(
        warehouse,
        "SELECT count(*) FROM feedback WHERE campaign_code = 'PDP-01' AND event_code = ?",
        [event],
    )
    assert replaced > 0  # the demo's responses of the event, which the file restates

    adr = browser.new_context().new_page()
    try:
        sign_in(adr, "adr", f"{app_url}/upload")
        adr.get_by_text("Uploads of PDP-01").wait_for(timeout=30_000)
        settle(adr)
        choose(adr, "What are you sending?", "Feedback responses")
        adr.locator('[data-testid="stFileUploaderDropzoneInput"]').set_input_files(str(path))
        adr.get_by_text("Form questions").wait_for(timeout=60_000)
        settle(adr)
        no_errors(adr)
        assert "Proposed from the questions' words and their answers" in main_text(adr)

        # The proposal: one select per field, each on its question; the time is found alone.
        proposed = {
            "Overall rating": "Оцените семинар в целом (1-5)",
            "Usefulness": "Насколько полезной была информация?",
            "Would recommend": "Порекомендуете ли вы семинар друзьям?",
            "Comment (e-mails and phones are masked)": "Ваши предложения",
            "Sex": "Пол",
            "Age group": "Возраст",
            "Region or city": "Город",
            "Event, when a question asks it": "— not asked —",
        }
        for label, question in proposed.items():
            select = adr.get_by_role("combobox", name=label, exact=True)
            assert select.input_value() == question, label
        scales = adr.get_by_role("combobox", name="Scale", exact=True)
        assert [scales.nth(i).input_value() for i in range(scales.count())] == ["1–5", "1–5"]
        event_select = adr.get_by_role("combobox", name="Event the responses are about")
        assert event_select.input_value() == "— no event —"

        # The e-mail question is no option; the grantee keeps no comments.
        comment = "Comment (e-mails and phones are masked)"
        offered = open_select(adr, comment).all_inner_texts()
        assert offered == ["— not asked —", *FORM_QUESTIONS[1:-1]], offered
        adr.keyboard.press("Escape")
        choose(adr, comment, "— not asked —")
        # The responses are about the workshop: the campaign's events are offered by name.
        names = dict(
            sql(warehouse, "SELECT event_code, name FROM events WHERE campaign_code = 'PDP-01'")
        )
        choose(adr, "Event the responses are about", f"{event} · {names[event]}")
        no_errors(adr)

        adr.get_by_role("button", name="Save for this campaign").click()
        adr.get_by_text("Saved. The file was checked again with this choice.").wait_for(
            timeout=60_000
        )
        settle(adr)
        assert "Saved with the campaign by adr on" in main_text(adr)
        # the page reads the file again with the saved choice, which it now starts from
        assert adr.get_by_role("combobox", name=comment).input_value() == "— not asked —"
        assert event_select.input_value() == f"{event} · {names[event]}"
        ((mapping_id, campaign, saved_by, text),) = sql(
            warehouse, "SELECT mapping_id, campaign_code, saved_by, mapping FROM core.form_mapping"
        )
        assert (campaign, saved_by) == ("PDP-01", "adr")
        saved = tomllib.loads(text)
        assert saved["questions"] == {
            "rating": "Оцените семинар в целом (1-5)",
            "usefulness": "Насколько полезной была информация?",
            "would_recommend": "Порекомендуете ли вы семинар друзьям?",
            "sex": "Пол",
            "age_group": "Возраст",
            "region": "Город",
        }, text
        assert saved["scales"] == {"rating": 5, "usefulness": 5}, text
        assert (saved["form"]["event"], saved["form"]["language"]) == (event, "ru"), text
        assert "Адрес электронной почты" not in text and "keep" not in saved

        adr.get_by_role("button", name="Load this file").click()
        n = len(FORM_RESPONSES)
        adr.get_by_text(f"{n} of {n} rows loaded, {replaced} earlier rows replaced").wait_for(
            timeout=60_000
        )
        no_errors(adr)
    finally:
        adr.context.close()

    ((batch_id, rows_loaded, status, detected),) = sql(
        warehouse,
        "SELECT batch_id, rows_loaded, status, detected FROM loads "
        "WHERE loaded_by = 'adr' AND kind = 'feedback'",
    )
    assert (rows_loaded, status) == (n, "loaded")
    assert json.loads(detected)["mapping"]["origin"] == "saved"
    assert json.loads(detected)["mapping"]["saved_id"] == mapping_id
    stored = sql(
        warehouse,
        "SELECT submitted_at, rating, rating_scale, usefulness, usefulness_scale, "
        "would_recommend, comment, sex, age_group, region, language FROM feedback "
        "WHERE campaign_code = 'PDP-01' AND event_code = ? ORDER BY submitted_at",
        [event],
    )
    assert stored == expected
    # the campaign's other events keep their responses; this one holds only the file's
    assert sql(
        warehouse,
        "SELECT count(*), count(*) FILTER (WHERE batch_id = ?) FROM feedback "
        "WHERE campaign_code = 'PDP-01'",
        [batch_id],
    ) == [(others_before + n, n)]
    # no e-mail address anywhere in the feedback, nor a contact kept with these responses
    email = r"[^\s@]+@[^\s@]+\.[A-Za-z]{2,}"
    assert sql(
        warehouse,
        "SELECT count(*) FROM feedback f WHERE regexp_matches(CAST(f AS VARCHAR), ?)",
        [email],
    ) == [(0,)]
    assert sql(
        warehouse,
        "SELECT count(*) FROM core.feedback_response r WHERE batch_id = ? "
        "AND (respondent_email IS NOT NULL OR regexp_matches(CAST(r AS VARCHAR), ?))",
        [batch_id, email],
    ) == [(0,)]


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


# --- signing in: the session cookie, and whose address sign-ins count against ------------------


def session_cookie(context, present: bool = True) -> dict | None:
    """The browser's session cookie once it is there (or, ``present=False``, once it is gone):
    the server sets and clears it in answer to a request the page sends after the rerun."""
    deadline = time.monotonic() + 30
    while True:
        found = [c for c in context.cookies() if c["name"] == "campaigns_session"]
        if bool(found) == present or time.monotonic() > deadline:
            return found[0] if found else None
        time.sleep(0.1)


def signed_in(page) -> bool:
    """Whether the page opened signed in (its navigation) rather than on the sign-in form."""
    nav = page.locator('[data-testid="stSidebarNav"]')
    form = page.get_by_role("textbox", name="Username")
    nav.or_(form).first.wait_for(timeout=30_000)
    settle(page)
    return nav.count() == 1 and form.count() == 0


def test_the_session_cookie_is_httponly_survives_a_reload_and_goes_at_sign_out(
    browser, app_url, warehouse
) -> None:
    from etl.accounts import Accounts

    accounts = Accounts.for_warehouse(warehouse)
    context = browser.new_context()
    try:
        page = context.new_page()
        sign_in(page, "viewer", app_url)
        cookie = session_cookie(context)
        assert cookie is not None, "the server set no session cookie"
        assert cookie["httpOnly"] is True
        assert (cookie["sameSite"], cookie["path"], cookie["secure"]) == ("Strict", "/", False)
        token = cookie["value"]
        assert accounts.session_user(token).username == "viewer"
        # no script in the page can read it, and the page never held it
        readable = page.evaluate("document.cookie")
        assert "campaigns_session" not in readable and token not in readable
        assert token not in page.content()

        # a reload, and a page opened in a new tab, stay signed in
        page.reload()
        assert signed_in(page)
        other = context.new_page()
        other.goto(f"{app_url}/budget")
        assert signed_in(other)
        other.close()

        # signing out ends the session and takes the cookie away
        page.get_by_role("button", name="Sign out").click()
        page.get_by_role("textbox", name="Username").wait_for(timeout=30_000)
        assert session_cookie(context, present=False) is None
        assert accounts.session_user(token) is None
        page.reload()
        page.get_by_role("textbox", name="Username").wait_for(timeout=30_000)
        settle(page)
        assert page.locator('[data-testid="stSidebarNav"]').count() == 0
        no_errors(page)
    finally:
        context.close()


class HeaderProxy:
    """A reverse proxy in front of the dashboard, on a free local port, that adds one header line
    to the request opening each connection (the page's WebSocket has a connection of its own):
    as nginx adds ``X-Forwarded-For``. Chromium itself sends no extra header on a WebSocket."""

    def __init__(self, url: str, header: str) -> None:
        self.target = ("127.0.0.1", int(url.rsplit(":", 1)[1]))
        self.header = header.encode()
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.url = f"http://127.0.0.1:{self.listener.getsockname()[1]}"
        self._thread(self._accept)

    @staticmethod
    def _thread(target, *args) -> None:
        import threading

        threading.Thread(target=target, args=args, daemon=True).start()

    def _accept(self) -> None:
        while True:
            try:
                client, _ = self.listener.accept()
            except OSError:
                return
            self._thread(self._serve, client)

    def _serve(self, client: socket.socket) -> None:
        upstream = socket.create_connection(self.target)
        head = b""
        while b"\r\n\r\n" not in head:
            chunk = client.recv(65536)
            if not chunk:
                client.close()
                upstream.close()
                return
            head += chunk
        request_line, rest = head.split(b"\r\n", 1)
        upstream.sendall(request_line + b"\r\n" + self.header + b"\r\n" + rest)
        self._thread(self._pump, upstream, client)
        self._pump(client, upstream)

    @staticmethod
    def _pump(source: socket.socket, target: socket.socket) -> None:
        try:
            while data := source.recv(65536):
                target.sendall(data)
        except OSError:
            pass
        finally:
            from contextlib import suppress

            for s in (source, target):
                with suppress(OSError):
                    s.shutdown(socket.SHUT_RDWR)

    def close(self) -> None:
        self.listener.close()


@pytest.fixture(scope="module")
def proxied_url(warehouse: Warehouse) -> Iterator[str]:
    """Another server of the dashboard on the same warehouse, configured to stand behind a
    reverse proxy on this machine that writes ``X-Forwarded-For``."""
    env = {
        "CAMPAIGNS_TRUSTED_PROXY_HEADER": "X-Forwarded-For",
        "CAMPAIGNS_TRUSTED_PROXIES": "127.0.0.1,::1",
    }
    env["CAMPAIGNS_WAREHOUSE"] = str(warehouse.path)
    with dashboard_server(ROOT / "dashboard" / "server.py", env) as url:
        yield url


FLOODED = "203.0.113.7"  # an address that has just failed many sign-ins


def attempt_sign_in(browser, url: str, username: str = "viewer") -> str:
    """Sign in at ``url`` in a new browser: "in", or the message the sign-in form shows."""
    from etl.demo import demo_password

    context = browser.new_context()
    try:
        page = context.new_page()
        page.goto(url)
        page.get_by_role("textbox", name="Username").fill(username)
        page.get_by_role("textbox", name="Password").fill(demo_password(username))
        page.get_by_role("button", name="Sign in").click()
        nav = page.locator('[data-testid="stSidebarNav"]')
        said = page.locator('[data-testid="stForm"] [data-testid="stAlert"]')
        nav.or_(said).first.wait_for(timeout=30_000)
        return "in" if nav.count() else said.first.inner_text()
    finally:
        context.close()


def test_sign_in_limits_believe_a_proxys_header_only_when_configured(
    browser, app_url, proxied_url, warehouse
) -> None:
    import sqlite3

    from etl.accounts import Accounts

    con = sqlite3.connect(Accounts.for_warehouse(warehouse).path)
    now = time.time()
    con.executemany(
        "INSERT INTO login_failure VALUES (?, ?, ?)",
        [(f"guess{i}", FLOODED, now - 25 + i) for i in range(25)],
    )
    con.commit()
    con.close()

    # Without the setting, the header is anyone's to write: it is ignored (uvicorn's own
    # X-Forwarded-For handling included), and the sign-in counts against the connection.
    spoofed = HeaderProxy(app_url, f"X-Forwarded-For: {FLOODED}")
    try:
        assert attempt_sign_in(browser, spoofed.url) == "in"
    finally:
        spoofed.close()

    # Behind a trusted proxy, its header names the client: the flooded address waits (the
    # right password too), another address, or one the client wrote itself to the left of the
    # address the proxy added, does not.
    proxies = {
        name: HeaderProxy(proxied_url, f"X-Forwarded-For: {hops}")
        for name, hops in [
            ("flooded", f"198.51.100.1, {FLOODED}"),
            ("other", f"{FLOODED}, 198.51.100.8"),
        ]
    }
    try:
        said = attempt_sign_in(browser, proxies["flooded"].url)
        assert said.startswith("Too many failed sign-ins. Wait "), said
        assert attempt_sign_in(browser, proxies["other"].url) == "in"
        assert attempt_sign_in(browser, proxied_url) == "in"  # this machine, without a header
    finally:
        for proxy in proxies.values():
            proxy.close()
