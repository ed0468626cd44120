"""Text from links and data is shown as text, and no file that leaves the system runs a formula.

The first half checks ``dashboard.components.plain`` (every Markdown element that shows text from
a link or the data) in AppTest, by the elements' bodies, and in a real browser (no ``<a>`` to
evil.example, no ``<img>``). The second half builds a warehouse whose text fields hold formula
payloads (campaign name, regions, description, budget line, indicator, account, post title,
comment, event name, spend description) and walks every CSV and XLSX the system offers: the
donor's workbook and data package, every download button of every page, rejected rows, the kept
masked copies, the set-up export and the templates. No cell may start with ``=``, ``+``, ``-``,
``@``, a tab or a carriage return unless it is quoted (a leading apostrophe, or Excel's quote
prefix in the set-up workbook) or a negative number; numbers stay numbers.
"""

from __future__ import annotations

import contextlib
import csv
import datetime as dt
import io
import os
import re
import zipfile
from collections.abc import Iterator
from pathlib import Path

import duckdb
import openpyxl
import pytest
import xlsxwriter
from click.testing import CliRunner
from conftest import (
    FX,
    METRICS_HEADER,
    PROGRAMME,
    account,
    copy_warehouse,
    dashboard_server,
    every_tab,
    open_page,
)
from markdown_it import MarkdownIt

from cli import cli
from dashboard import components, i18n, uploads
from etl import programme as setup
from etl.load import load_file
from etl.templates import write_templates
from etl.warehouse import Warehouse

ROOT = Path(__file__).resolve().parents[1]
HYPER = '=HYPERLINK("https://evil.example","click")'
CMD = "+cmd|' /C calc'!A0"
MARKDOWN_NAME = (
    '[click](https://evil.example) **bold** <a href="https://evil.example/a">a</a> '
    "<img src=x onerror=alert(1)>"
)
LINK = "https://evil.example/login"

# --- text shown as text ----------------------------------------------------------------------

PAYLOADS = [
    LINK,
    "[click](https://evil.example)",
    "**bold** _it_ ~~gone~~ `code`",
    "<img src=x onerror=alert(1)>",
    "www.evil.example and https://www.evil.example",
    "write to aigerim@evil.example",
    ":red[red] :material/home: $x^2$ <https://evil.example/auto>",
    "![img](https://evil.example/i.png)",
    "&lt;b&gt;x&lt;/b&gt;",
    "# heading",
    "1. list\n\n- item\n> quote\n---",
    "a|b\n-|-\nc|d",
]
# What GitHub's autolink extension turns into a link in bare text (remark's
# mdast-util-gfm-autolink-literal): a protocol, "www.", an e-mail address.
AUTOLINKS = (
    re.compile(r"(?i)(https?|mailto|xmpp):"),
    re.compile(r"(?i)\bwww\."),
    re.compile(r"[-.\w+]+@[-\w]+(\.[-\w]+)+"),
)


def _markdown() -> MarkdownIt:
    """CommonMark with GitHub's tables and strikethrough (its autolinks: ``AUTOLINKS``)."""
    return MarkdownIt("commonmark").enable(["table", "strikethrough"])


def shown_text(markdown: str) -> str:
    """The text Markdown shows, backslash escapes resolved."""
    return re.sub(r"\\(.)", r"\1", markdown)


def renders_as_text(markdown: str) -> bool:
    """``markdown`` renders to one paragraph of text: no link, image, HTML, emphasis, code,
    heading, list or table, and nothing a GFM autolink would take."""
    html = _markdown().render(markdown)
    tags = set(re.findall(r"<([a-z0-9]+)", html))
    text = shown_text(markdown)
    return tags <= {"p"} and not any(p.search(text) for p in AUTOLINKS)


@pytest.mark.parametrize("payload", PAYLOADS)
def test_plain_shows_text_as_it_is(payload: str) -> None:
    escaped = components.plain(payload)
    assert renders_as_text(escaped), escaped
    shown = shown_text(escaped).replace(i18n.WORD_JOINER, "")
    assert shown == re.sub(r"[\x00-\x1f]+", " ", payload)  # line breaks become spaces
    # Inside a code span only a backtick counts.
    assert "`" not in components.plain("a`b", code=True)


@pytest.mark.parametrize(
    "code, kept",
    [("PDP-01", True), ("KZ.PD.01", True), ("www.evil.example", False), ("[x](y)", False)],
)
def test_a_code_is_kept_as_it_is_only_when_nothing_in_it_is_markdown(code, kept) -> None:
    """Codes sit in a sentence and inside a command in backticks in the same message."""
    text = components.plain_code(code)
    assert (text == code) is kept
    assert renders_as_text(
        f"No figures for {text}: `campaigns load --campaign {text}`".split(":")[0]
    )


def test_the_ignored_note_of_a_link_shows_a_url_as_text(monkeypatch, programme) -> None:
    at = open_page(monkeypatch, programme, "portfolio", c=LINK)
    notes = [w.body for w in at.sidebar.warning]
    (note,) = [n for n in notes if "evil" in n]
    assert renders_as_text(note.split(": ", 1)[1]), note
    assert "evil" in shown_text(note) and "example/login" in shown_text(note)


@pytest.fixture
def odd_names(programme: Warehouse) -> Warehouse:
    """The programme with a campaign whose name, description, organisation and regions hold
    Markdown, a URL and HTML."""
    con = duckdb.connect(str(programme.path))
    try:
        con.execute(
            "UPDATE core.campaign SET name = ?, description = ?, thematic_area = ?, "
            "regions = ['[r](https://evil.example/r)', 'Almaty'] WHERE code = 'PDP-01'",
            [MARKDOWN_NAME, f"see {LINK} or www.evil.example", "**area**"],
        )
        con.execute("UPDATE core.organisation SET name = ? WHERE code = 'ADR'", [LINK])
    finally:
        con.close()
    programme.publish()  # the read copy the dashboard reads
    return programme


def test_a_campaign_name_with_markdown_is_shown_as_text(monkeypatch, odd_names) -> None:
    at = open_page(monkeypatch, odd_names, "campaign", campaign="PDP-01")
    (header,) = [h.body for h in at.header if "PDP" in h.body]
    assert renders_as_text(header) and "**bold**" in shown_text(header)
    profile = "\n".join(m.body for m in at.markdown if "evil" in m.body)
    assert profile, [m.body for m in at.markdown]
    html = _markdown().render(profile)
    assert "<a" not in html and "<img" not in html and "**area**" in shown_text(profile)
    for line in profile.splitlines():
        assert not any(p.search(shown_text(line)) for p in AUTOLINKS), line


# --- in a real browser ----------------------------------------------------------------------

CHROMIUM = Path("/usr/bin/chromium")
needs_browser = pytest.mark.skipif(
    not CHROMIUM.exists() and not os.environ.get("CAMPAIGNS_REQUIRE_BROWSER"),
    reason="Debian's chromium is not installed (apt-get install chromium)",
)
LINKS_JS = (  # every link's target: HTML links and the charts' SVG ones
    "els => els.map(e => (e.getAttribute('href') || '') + ' ' + "
    "(e.getAttribute('xlink:href') || ''))"
)


@contextlib.contextmanager
def _chromium() -> Iterator[object]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(
            executable_path=str(CHROMIUM), headless=True, args=["--no-sandbox"]
        )
        try:
            yield browser.new_page()
        finally:
            browser.close()


def _settled(page) -> None:
    page.wait_for_selector('[data-testid="stMain"]', timeout=30_000)
    page.wait_for_function(
        "() => !document.querySelector('[data-testid=\"stStatusWidget\"]')", timeout=60_000
    )
    page.wait_for_timeout(1500)


@needs_browser
def test_no_link_from_text_in_a_real_browser(odd_names) -> None:
    from etl.demo import demo_password

    account(odd_names, "officer")
    env = {"CAMPAIGNS_WAREHOUSE": str(odd_names.path)}
    with dashboard_server(ROOT / "dashboard" / "server.py", env) as url, _chromium() as page:
        page.goto(url)
        page.get_by_role("textbox", name="Username").fill("officer")
        page.get_by_role("textbox", name="Password").fill(demo_password("officer"))
        page.get_by_role("button", name="Sign in").click()
        page.wait_for_selector('[data-testid="stSidebarNav"]', timeout=30_000)
        for _ in range(100):  # the session cookie comes right after the sign-in
            if any(c["name"] == "campaigns_session" for c in page.context.cookies()):
                break
            page.wait_for_timeout(100)
        for address in (f"{url}/?c={LINK}", f"{url}/campaign?campaign=PDP-01"):
            page.goto(address)
            _settled(page)
            body = page.locator('[data-testid="stApp"]').inner_text()
            assert "evil" in body, address  # the text is there, and no link to it
            links = page.eval_on_selector_all("a", LINKS_JS)
            assert not [h for h in links if "evil.example" in h], (address, links)
            assert page.locator('img[src="x"]').count() == 0
            bold = page.locator('[data-testid="stMarkdownContainer"] strong')
            assert bold.filter(has_text="bold").count() == 0
        assert "**bold**" in body


CHART_SCRIPT = """
import pandas as pd
import plotly.graph_objects as go
import streamlit as st

from dashboard import components

name = st.query_params["name"]
fig = go.Figure(
    go.Bar(x=[3, 2], y=[name, "<b>bold</b>"], orientation="h", name=name,
           customdata=[name, "x"], hovertemplate="%{customdata}<extra></extra>")
)
components.chart(fig, pd.DataFrame({"a": [1]}), key="c", name="c", definition_text="d")
"""


@needs_browser
def test_chart_labels_from_the_data_are_text_in_a_real_browser(tmp_path) -> None:
    """Plotly draws ``<a href>``, ``<b>`` and ``<br>`` in categories and legends as markup;
    a chart drawn through ``components.chart`` shows them as the text they are."""
    from urllib.parse import quote

    script = tmp_path / "chart.py"
    script.write_text(CHART_SCRIPT, encoding="utf-8")
    name = '<a href="https://evil.example/c">click</a>'
    with dashboard_server(script, {"PYTHONPATH": str(ROOT)}) as url, _chromium() as page:
        page.goto(f"{url}/?name={quote(name)}")
        page.wait_for_selector(".js-plotly-plot .ytick", timeout=30_000)
        _settled(page)
        links = page.eval_on_selector_all("a", LINKS_JS)
        assert not [h for h in links if "evil.example" in h], links
        ticks = page.eval_on_selector_all(
            ".js-plotly-plot .ytick text", "els => els.map(e => e.textContent)"
        )
        assert set(ticks) == {name, "<b>bold</b>"}
        legend = page.eval_on_selector_all(
            ".js-plotly-plot .legendtext", "els => els.map(e => e.textContent)"
        )
        assert legend in ([], [name])


# --- formulas in every file that leaves ------------------------------------------------------

FORMULA = tuple("=+-@\t\r")
NEGATIVE = re.compile(r"-[0-9][0-9 .,'\u00a0\u202f]*%?|-[.,][0-9]+%?")


def runs(text: str) -> bool:
    """A spreadsheet would run ``text`` as a formula (it is not a negative number)."""
    return text.startswith(FORMULA) and not NEGATIVE.fullmatch(text.strip(" "))


def csv_cells(data: bytes) -> list[str]:
    text = data.decode("utf-8-sig")
    return [cell for row in csv.reader(io.StringIO(text)) for cell in row]


CELLS = [HYPER, CMD, "@SUM(1)", "-2+3", "\t=1", "\r=1", "-", "-5", "-1 500,5", "-.5", "-5%",
         "+7 701 000", " =1", "Almaty", "", None]  # fmt: skip


def test_one_rule_in_python_and_in_duckdb() -> None:
    """``neutral`` (pandas and Python writers) and ``neutral_sql`` (DuckDB's COPY) agree."""
    from etl.cells import neutral, neutral_sql

    con = duckdb.connect()
    for value in CELLS:
        by_sql = con.execute(f"SELECT {neutral_sql('x')} FROM (SELECT ?::VARCHAR AS x)", [value])
        expected = neutral(value)
        assert by_sql.fetchone()[0] == expected, value
        assert expected is None or not runs(expected), value
    assert neutral(-5) == -5 and neutral(1.5) == 1.5  # numbers stay numbers
    assert neutral(["=1+1", "@SUM(1)", "Almaty"], sep="; ") == "'=1+1; @SUM(1); Almaty"


def check_csv(data: bytes, where: str) -> list[str]:
    cells = csv_cells(data)
    bad = [c for c in cells if runs(c)]
    assert not bad, f"{where}: {bad[:5]}"
    return cells


def check_xlsx(data: bytes, where: str) -> list[object]:
    """Every cell of every sheet: no formula, no formula-like text unless quoted."""
    book = openpyxl.load_workbook(io.BytesIO(data))
    values = []
    for ws in book.worksheets:
        for row in ws.iter_rows():
            for cell in row:
                assert cell.data_type != "f", f"{where}: formula in {ws.title}!{cell.coordinate}"
                if isinstance(cell.value, str) and runs(cell.value):
                    assert cell.quotePrefix, f"{where}: {ws.title}!{cell.coordinate} {cell.value!r}"
                values.append(cell.value)
    return values


def _setup_workbook(path: Path) -> Path:
    sheets = {k: [list(r) for r in v] for k, v in PROGRAMME.items()}
    sheets["organisations"][1][1] = "@SUM(1) Rights"
    campaign = sheets["campaigns"][1]
    campaign[1], campaign[3], campaign[4], campaign[9] = (
        HYPER,
        "-2+3 area",
        "=1+1, @SUM(1), Almaty",
        CMD,
    )
    sheets["budget"][1][3] = "=1+1 coordinator"
    sheets["targets"][1][2] = "@indicator"
    sheets["channels"][1][2] = "=acct"
    book = xlsxwriter.Workbook(str(path), {"strings_to_formulas": False})
    for name, rows in sheets.items():
        ws = book.add_worksheet(name)
        for r, row in enumerate(rows):
            for c, value in enumerate(row):
                ws.write_string(r, c, str(value))  # as text: a user typed them so
    book.close()
    return path


@pytest.fixture(scope="module")
def payloads(tmp_path_factory, _empty_warehouse) -> Warehouse:
    """A programme whose text fields hold formula payloads, with every kind of file loaded."""
    folder = tmp_path_factory.mktemp("payloads")
    wh = copy_warehouse(_empty_warehouse, folder / "wh" / "warehouse.duckdb")
    quoted = '"' + HYPER.replace('"', '""') + '"'
    files = {
        "fx.csv": FX,
        "m.csv": METRICS_HEADER
        + ",title,format,language\n"
        + f"2026-03-02,instagram,p1,https://instagram.com/p/1,1000,500,,10,2,1,0,3,,{quoted},"
        + "video,ru\n2026-03-03,instagram,,,,,,,,,,,1200,,,\n",
        "fb.csv": "submitted_at,event_code,rating,usefulness,would_recommend,comment,sex,age_group,"
        'region,language\n2026-03-10 10:00,EV1,5,4,yes,"=1+1 great, mail me a@b.kz",female,'
        "18-24,@Almaty,ru\n",
        "pa.csv": "event_code,event_name,event_date,event_type,region,sex,age_group,participants\n"
        "EV1,=1+1 workshop,2026-03-10,workshop,Almaty,female,18-24,12\n",
        "sp.csv": "date,budget_line,amount,currency,description,reference\n"
        "2026-03-05,5.2,-1000,KZT,=2+3 promoted,@ref\n2026-03-06,5.2,150000,KZT,+boost,R2\n",
        "bad.csv": METRICS_HEADER + ",title\n2026-03-04,instagram,p9,,=1+1,5,,,,,,,,-cmd\n",
    }
    assert load_file(wh, _setup_workbook(folder / "setup.xlsx")).status == "loaded"
    for name, text in files.items():
        path = folder / name
        path.write_text(text, encoding="utf-8")
        result = load_file(wh, path, campaign=None if name == "fx.csv" else "PDP-01")
        assert result.status == ("rejected" if name == "bad.csv" else "loaded"), result.errors
    return wh


def test_the_payloads_are_in_the_warehouse(payloads) -> None:
    con = duckdb.connect(str(payloads.read_path), read_only=True)
    try:
        assert con.execute(
            "SELECT name, regions FROM campaigns WHERE code = 'PDP-01'"
        ).fetchone() == (
            HYPER,
            ["=1+1", "@SUM(1)", "Almaty"],
        )
    finally:
        con.close()


def test_the_donor_report_files_neutralise_formulas(payloads, tmp_path) -> None:
    result = CliRunner().invoke(
        cli,
        ["--warehouse", str(payloads.path), "export", "--from", "2026-03-01", "--to",
         "2026-11-30", "--format", "all", "--output", str(tmp_path), "--include-unapproved"],
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    (workbook,) = tmp_path.glob("*.xlsx")
    values = check_xlsx(workbook.read_bytes(), "workbook")
    assert f"'{HYPER}" in values
    assert any(isinstance(v, int | float) and not isinstance(v, bool) for v in values)
    (package,) = tmp_path.glob("*.zip")
    texts = []
    with zipfile.ZipFile(package) as zf:
        for name in zf.namelist():
            if name.endswith(".csv"):
                cells = check_csv(zf.read(name), name)
                texts += cells
                if name == "data/campaigns.csv":
                    assert "'=1+1; @SUM(1); Almaty" in cells and f"'{HYPER}" in cells
                if name == "data/channel_daily.csv":  # numbers stay numbers
                    rows = list(csv.DictReader(io.StringIO(zf.read(name).decode("utf-8-sig"))))
                    assert rows and {r["followers"] for r in rows} >= {"1200"}
                    assert all(re.fullmatch(r"-?[0-9.]*", r["followers"]) for r in rows)
    assert "'-2+3 area" in texts  # the thematic area


PAGES = {
    "portfolio": {},
    "campaign": {"campaign": "PDP-01"},
    "budget": {},
    "content": {},
    "feedback": {},
    "loads": {},
    "alerts": {},
    "upload": {},
    "reports": {},
    "reporting": {},
}
# The Programme page's one download is the set-up workbook: see the set-up export's test.


def _page_downloads(at, page: str) -> dict:
    if page == "campaign":  # each tab draws its own sections
        every_tab(at)
    if page == "upload":  # the history of the campaign the files were loaded for
        at.selectbox(key="upload_campaign").set_value("PDP-01")
        at.run()
    if page == "reports":  # its tables and files come once a report is produced
        at.date_input(key="reports_from").set_value(dt.date(2026, 3, 1))
        at.date_input(key="reports_to").set_value(dt.date(2026, 11, 30))
        at.run()
        at.button(key="reports_produce").click()
        at.run()
        assert not at.exception, at.exception
    return at.session_state["_downloads"] if "_downloads" in at.session_state else {}  # noqa: SIM401


@pytest.mark.parametrize("page", sorted(PAGES))
def test_every_download_of_every_page_neutralises_formulas(
    monkeypatch, payloads, fresh_cache, page
) -> None:
    at = open_page(monkeypatch, payloads, page, **PAGES[page])
    frames = _page_downloads(at, page)
    assert frames, f"{page} offers no download"
    for key, frame in frames.items():
        check_csv(components.csv_bytes(frame), f"{page} {key} csv")
        data = components.xlsx_bytes(frame, key)
        check_xlsx(data, f"{page} {key} xlsx")
        # Numbers stay numbers: a numeric column is numeric cells in the workbook.
        sheet = openpyxl.load_workbook(io.BytesIO(data)).active
        for i, column in enumerate(frame.columns, start=1):
            if frame[column].dtype.kind not in "if":
                continue
            cells = [c.value for c in sheet[sheet.cell(1, i).column_letter][1:]]
            assert all(v is None or isinstance(v, int | float) for v in cells), (key, column)


def test_the_pages_offer_the_payloads_quoted(monkeypatch, payloads, fresh_cache) -> None:
    at = every_tab(open_page(monkeypatch, payloads, "campaign", campaign="PDP-01"))
    frames = at.session_state["_downloads"]
    texts = [c for f in frames.values() for c in csv_cells(components.csv_bytes(f))]
    assert "'=acct" in texts  # the channel's account
    assert any(c.startswith("'=HYPERLINK") for c in texts)  # the top post's title


def test_rejected_rows_and_kept_masked_copies_neutralise_formulas(payloads) -> None:
    con = duckdb.connect(str(payloads.read_path), read_only=True)
    try:
        kept = con.execute(
            "SELECT batch_id, kind, status, stored_file FROM core.batch ORDER BY batch_id"
        ).fetchall()
    finally:
        con.close()
    rejected = [b for b, _, status, _ in kept if status == "rejected"]
    (batch,) = rejected
    cells = check_csv(uploads.rejected_rows(payloads, batch), "rejected rows")
    assert "'=1+1" in cells and "'-cmd" in cells
    masked = [(kind, name) for _, kind, _, name in kept if name and ".masked." in name]
    assert {k for k, _ in masked} >= {"feedback", "participants", "metrics"}
    for kind, name in masked:
        data = (payloads.files_dir / name).read_bytes()
        cells = check_xlsx(data, name) if name.endswith(".xlsx") else check_csv(data, name)
        if kind == "feedback":
            assert "'=1+1 great, mail me [email]" in cells and "'@Almaty" in cells


def test_the_setup_export_quotes_formulas_and_loads_back_unchanged(payloads, tmp_path) -> None:
    path = tmp_path / "setup.xlsx"
    setup.export_setup(payloads, path, "en", created=dt.datetime(2026, 3, 1))
    values = check_xlsx(path.read_bytes(), "set-up export")
    assert HYPER in values and CMD in values  # values as they are, marked as text
    wh = copy_warehouse(payloads, tmp_path / "copy" / "warehouse.duckdb")
    result = load_file(wh, path, kind="programme")
    assert result.status == "loaded" and result.records_written == 0 and not result.rows_replaced


def test_the_templates_hold_no_formula(tmp_path) -> None:
    for path in write_templates(tmp_path):
        data = path.read_bytes()
        if path.suffix == ".csv":
            check_csv(data, path.name)
        else:
            check_xlsx(data, path.name)
