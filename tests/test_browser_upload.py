"""The Upload page in a real browser (headless Debian Chromium driven by Playwright), as a
grantee uses it: the check's verdict first, the row with an error fixed in the page's grid,
checked again and loaded, without sending the file again; and the page in Russian and Kazakh,
the file picker included. A Streamlit server runs on a demo warehouse of the module's own."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from browsing import (
    demo_warehouse,
    grid_headers,
    no_errors,
    serve,
    settle,
    skip_without_chromium,
    sql,
)
from browsing import sign_in as sign_in_as
from conftest import METRICS_HEADER

from etl.demo import DATA_AS_OF
from etl.warehouse import Warehouse

# With the other browser tests on one worker: one Chromium at a time.
pytestmark = pytest.mark.xdist_group("browser")
skip_without_chromium()

# Two days after the demo's last figures, on a channel PDP-01 has: new rows, not restated.
GOOD = "2026-11-25,telegram,,,4100,,,52,,,,,"
FIXED = "2026-11-26,telegram,,,3900,,,35,,,,,"
BAD = FIXED.replace("3900", "-3900")  # a count cannot be negative
# The grantee's latest demo load of metrics, among the first rows of its uploads.
LATEST_METRICS = f"metrics_PDP-01_{DATA_AS_OF:%Y-%m}.csv"


@pytest.fixture(scope="module")
def warehouse(tmp_path_factory, demo_template: Warehouse) -> Warehouse:
    return demo_warehouse(demo_template, tmp_path_factory, "browser-upload")


@pytest.fixture(scope="module")
def app_url(warehouse: Warehouse) -> Iterator[str]:
    yield from serve(warehouse)


@pytest.fixture
def page(browser):
    context = browser.new_context(viewport={"width": 1440, "height": 900})
    yield context.new_page()
    context.close()


def sign_in(page, url: str, username: str = "adr") -> None:
    sign_in_as(page, username, url)


def grid_cells(grid) -> list[str]:
    """The cells of a grid, from the accessible table Streamlit keeps under its canvas."""
    table = grid.locator("table")
    table.locator("td").first.wait_for(state="attached", timeout=30_000)
    return [c.strip() for c in table.locator("td").all_text_contents()]


def send(page, path: Path) -> None:
    page.locator('[data-testid="stFileUploaderDropzoneInput"]').set_input_files(str(path))


def edit_cell(page, grid, right: int, text: str) -> None:
    """Type ``text`` into the first row's cell ``right`` columns right of the first column:
    the grid is a canvas, so its first cell is clicked and the keyboard does the rest."""
    editor = page.locator("#portal").locator("textarea, input").first
    for _ in range(5):
        grid.scroll_into_view_if_needed()
        box = grid.bounding_box()
        assert box is not None
        page.mouse.click(box["x"] + 20, box["y"] + 35 + 17)
        for _ in range(right):
            page.keyboard.press("ArrowRight")
        # Enter opens the cell's editor, drawn over the grid in the page's portal (typed keys
        # would be lost while it opens, and a click during a rerun is lost: try again).
        page.keyboard.press("Enter")
        try:
            editor.wait_for(state="visible", timeout=10_000)
            # a key lost to a busy page opens a cell to the left of it, read-only
            if editor.is_editable():
                break
        except Exception:  # noqa: BLE001 - not open: click the cell again
            pass
        page.keyboard.press("Escape")
        settle(page)
    else:
        raise AssertionError("the cell's editor did not open")
    editor.fill(text)
    page.keyboard.press("Enter")
    editor.wait_for(state="hidden", timeout=30_000)
    settle(page)


def test_a_grantee_fixes_the_bad_cell_in_the_page_checks_again_and_loads(
    page, app_url, warehouse, tmp_path
) -> None:
    bad = tmp_path / "telegram-november.csv"
    bad.write_text(f"{METRICS_HEADER}\n{GOOD}\n{BAD}\n")

    sign_in(page, f"{app_url}/upload")
    page.get_by_text("Uploads of PDP-01").wait_for(timeout=90_000)
    send(page, bad)
    verdict = page.get_by_text("1 row ready, 1 row with 1 error", exact=True)
    verdict.wait_for(timeout=60_000)
    settle(page)
    no_errors(page)

    # The verdict comes first, then the row to fix with what to fix beside it.
    fix = page.locator('[data-testid="stDataFrame"]').filter(has_text="What to fix").first
    assert verdict.bounding_box()["y"] < fix.bounding_box()["y"]
    headers = grid_headers(fix)
    assert headers[:3] == ["Row", "What to fix", "⚠ impressions"], headers
    cells = grid_cells(fix)
    assert cells[:1] == ["3"] and "-3900" in cells, cells
    assert any(c.startswith("impressions: ") and "-3900" in c for c in cells), cells
    assert page.get_by_role("button", name="Load this file").is_disabled()

    # The grantee types the right figure into the grid and checks the file again.
    edit_cell(page, fix, 2, "3900")
    page.get_by_role("button", name="Check again").click()
    page.get_by_text("2 rows ready: no errors or warnings", exact=False).wait_for(timeout=60_000)
    settle(page)
    assert (
        "telegram-november (corrected).csv" in page.locator('[data-testid="stMain"]').inner_text()
    )
    assert sql(warehouse, "SELECT count(*) FROM loads WHERE loaded_by = 'adr'") == [(0,)]

    page.get_by_role("button", name="Load this file").click()
    page.get_by_text("2 of 2 rows loaded").wait_for(timeout=60_000)
    settle(page)
    no_errors(page)
    ((batch_id, name, rows, status),) = sql(
        warehouse,
        "SELECT batch_id, source_name, rows_loaded, status FROM loads WHERE loaded_by = 'adr'",
    )
    assert (name, rows, status) == ("telegram-november (corrected).csv", 2, "loaded")
    assert sql(
        warehouse,
        "SELECT day::VARCHAR, impressions FROM channel_daily WHERE campaign_code = 'PDP-01' "
        "AND platform = 'telegram' AND batch_id = ? ORDER BY day",
        [batch_id],
    ) == [("2026-11-25", 4100), ("2026-11-26", 3900)]

    # The history and its picker show the new batch at once.
    history = page.locator('[data-testid="stDataFrame"]').filter(has_text="Rows read").first
    assert str(batch_id) in grid_cells(history)
    assert "telegram-november (corrected).csv" in grid_cells(history)
    picker = page.get_by_role("combobox", name="Upload", exact=True)
    assert picker.input_value() == f"#{batch_id} · telegram-november (corrected).csv · loaded"


# What the page says in Russian and Kazakh, written out here: the picker's texts, the verdict
# of the file with one bad row, the grid's first columns and the history's kind and status.
IN_LANGUAGE = {
    "ru": {
        "picker": ("Выбрать файлы", "До 200 МБ на файл · CSV, TXT, TSV, XLSX"),
        "verdict": "1 строка готова, 1 строка с 1 ошибкой",
        "columns": ["Строка", "Что исправить", "⚠ impressions"],
        "history": "Загрузки: PDP-01",
        "kind": "Показатели каналов и публикаций",
        "status": "загружен",
    },
    "kk": {
        "picker": ("Файлдарды таңдау", "Әр файл 200 МБ дейін · CSV, TXT, TSV, XLSX"),
        "verdict": "1 жол дайын, 1 жолда 1 қате бар",
        "columns": ["Жол", "Не түзету керек", "⚠ impressions"],
        "history": "Жүктемелер: PDP-01",
        "kind": "Арналар мен жарияланымдардың көрсеткіштері",
        "status": "жүктелді",
    },
}


def shown_text(locator) -> str:
    """What a text replaced by the page's style shows: its ``::after`` content, unquoted; the
    element's own text is there at size 0."""
    assert locator.evaluate("e => getComputedStyle(e).fontSize") == "0px"
    content = locator.evaluate("e => getComputedStyle(e, '::after').content")
    assert content.startswith('"') and content.endswith('"'), content
    return content[1:-1]


@pytest.mark.parametrize("lang", ["ru", "kk"])
def test_the_upload_page_in_russian_and_kazakh(page, app_url, warehouse, tmp_path, lang) -> None:
    from dashboard.issue_text import issue_text
    from etl.load import load_file

    said = IN_LANGUAGE[lang]
    bad = tmp_path / "telegram-november.csv"
    bad.write_text(f"{METRICS_HEADER}\n{GOOD}\n{BAD}\n")
    # The loader's own check of the file: the error the page must show, in the page's language.
    (issue,) = load_file(warehouse, bad, campaign="PDP-01", kind="metrics", dry_run=True).errors
    expected = f"{issue.column}: {issue_text(issue, lang)}"

    sign_in(page, f"{app_url}/upload")
    page.goto(f"{app_url}/upload?lang={lang}")
    page.get_by_text(said["history"]).wait_for(timeout=90_000)
    settle(page)
    no_errors(page)

    # The file picker: its button and its limit in the page's language.
    dropzone = page.locator('[data-testid="stFileUploaderDropzone"]')
    button = dropzone.locator('[data-testid="stBaseButton-secondary"] p')
    limit = page.locator('[data-testid="stFileUploaderDropzoneInstructions"] span')
    assert (shown_text(button), shown_text(limit)) == said["picker"]

    send(page, bad)
    verdict = page.get_by_text(said["verdict"], exact=True)
    verdict.wait_for(timeout=60_000)
    settle(page)
    no_errors(page)
    fix = page.locator('[data-testid="stDataFrame"]').filter(has_text=said["columns"][1]).first
    assert verdict.bounding_box()["y"] < fix.bounding_box()["y"]
    assert grid_headers(fix)[:3] == said["columns"]
    assert expected in grid_cells(fix)

    # The history names kinds and statuses in the language, and no cell says "None".
    history = page.locator('[data-testid="stDataFrame"]').filter(has_text=LATEST_METRICS).first
    cells = grid_cells(history)
    assert said["kind"] in cells and said["status"] in cells, cells
    assert "None" not in cells and "metrics" not in cells, cells
