"""The Reports page in AppTest on the demo programme, signed in as each role: the report it
produces and the files its buttons serve, a grantee's report holding its own campaign only,
submitting (officers only) with the stored files served back unchanged, and the comparison of a
report produced again after a load with the submitted one. Stored files are checked against
``core.report`` read with plain DuckDB; submitting works on a copy of the demo warehouse."""

from __future__ import annotations

import datetime as dt
import io
from pathlib import Path

import conftest
import duckdb
import openpyxl
import pytest
from conftest import copy_warehouse, sql, write
from streamlit.runtime.memory_media_file_storage import MemoryMediaFileStorage

from etl.load import load_file
from etl.warehouse import Warehouse

pytestmark = pytest.mark.usefixtures("fresh_cache")

START, END = dt.date(2026, 3, 1), dt.date(2026, 11, 30)
FORMATS = ("xlsx", "package", "pdf")


@pytest.fixture
def served(monkeypatch) -> dict[str, bytes]:
    """URL -> bytes of every file the app hands to Streamlit's media store (what a download
    button serves); AppTest keeps the store only for the length of a run."""
    files: dict[str, bytes] = {}
    original = MemoryMediaFileStorage.load_and_get_id

    def keep(self, path_or_data, mimetype, kind, filename=None):
        file_id = original(self, path_or_data, mimetype, kind, filename)
        files[self.get_url(file_id)] = self.get_file(file_id).content
        return file_id

    monkeypatch.setattr(MemoryMediaFileStorage, "load_and_get_id", keep)
    return files


@pytest.fixture
def demo_copy(demo_warehouse: Warehouse, tmp_path: Path) -> Warehouse:
    return copy_warehouse(demo_warehouse, tmp_path / "wh" / "warehouse.duckdb")


def open_page(monkeypatch, wh: Warehouse, user: str = "officer"):
    return conftest.open_page(monkeypatch, wh, "reports", user=user)


def run(at):
    at.run()
    assert not at.exception, at.exception
    return at


def produce(at, start: dt.date = START, end: dt.date = END, approved_only: bool = False):
    """Produce the report of ``start``..``end``; these tests compare figures with every row
    loaded, so by default they include figures of periods not approved."""
    at.date_input(key="reports_from").set_value(start)
    at.date_input(key="reports_to").set_value(end)
    at.checkbox(key="reports_approved_only").set_value(approved_only)
    run(at)
    at.button(key="reports_produce").click()
    return run(at)


def button(at, key: str):
    """The download button drawn with ``key``."""
    found = [b for b in at.get("download_button") if b.proto.id.endswith(f"-{key}")]
    assert len(found) == 1, [b.proto.id for b in at.get("download_button")]
    return found[0]


def download(at, served: dict[str, bytes], key: str) -> bytes:
    return served[button(at, key).proto.url]


def workbook(content: bytes) -> openpyxl.Workbook:
    return openpyxl.load_workbook(io.BytesIO(content))


def cells(book: openpyxl.Workbook) -> str:
    return "\n".join(
        str(value)
        for sheet in book.worksheets
        for row in sheet.iter_rows(values_only=True)
        for value in row
        if value is not None
    )


def messages(at, kind: str) -> list[str]:
    return [str(e.value) for e in getattr(at, kind)]


def test_an_officer_produces_the_programme_report(monkeypatch, demo_warehouse, served):
    at = produce(open_page(monkeypatch, demo_warehouse))
    text = "\n".join(messages(at, "markdown"))
    assert "Whole programme" in text
    assert "1 Mar 2026 – 30 Nov 2026" in text
    campaigns = sql(demo_warehouse, "SELECT count(*) FROM campaigns")[0][0]
    assert f"**Campaigns:** {campaigns} (" in text

    xlsx = button(at, "reports_file_xlsx")
    assert xlsx.proto.label == "Workbook (XLSX)"
    assert xlsx.proto.url.endswith(".xlsx")
    book = workbook(download(at, served, "reports_file_xlsx"))
    assert "Logframe" in book.sheetnames
    assert download(at, served, "reports_file_package")[:2] == b"PK"
    assert download(at, served, "reports_file_pdf")[:5] == b"%PDF-"
    # the previews are the report's own tables
    logframe = conftest.downloads(at, "reports_logframe")
    on_sheet = {v for row in book["Logframe"].iter_rows(values_only=True) for v in row}
    assert set(logframe["indicator_code"]) <= on_sheet
    financial = conftest.downloads(at, "reports_financial")
    booked = sql(
        demo_warehouse,
        "SELECT sum(amount) FROM spend WHERE currency = 'KZT' AND spend_date BETWEEN ? AND ?",
        [START, END],
    )[0][0]
    total = financial[financial["row_type"] == "total"]["spent_period_kzt"].iloc[0]
    assert total == pytest.approx(float(booked))
    assert not any("Compared with" in m for m in messages(at, "info"))  # nothing submitted

    # a rerun (another widget) keeps the report without building it again
    produced = at.session_state["_reports_produced"]
    at.date_input(key="reports_to").set_value(END)
    run(at)
    assert at.session_state["_reports_produced"] is produced
    assert button(at, "reports_file_xlsx").proto.url == xlsx.proto.url


def test_a_grantee_reports_on_its_own_campaign_only(monkeypatch, demo_warehouse, served):
    at = open_page(monkeypatch, demo_warehouse, "grantee-ADR")
    what = at.radio(key="reports_what")
    assert what.options == ["All my campaigns", "One campaign"]  # no organisation to choose
    what.set_value("campaign")
    run(at)
    assert at.selectbox(key="reports_campaign").options[0].startswith("PDP-01 · ")
    assert len(at.selectbox(key="reports_campaign").options) == 1
    at.radio(key="reports_what").set_value("all")
    at = produce(run(at))
    assert not at.error, messages(at, "error")

    book = workbook(download(at, served, "reports_file_xlsx"))
    codes = {code for (code,) in sql(demo_warehouse, "SELECT code FROM campaigns")}
    listed = {row[0] for row in book["Campaigns"].iter_rows(values_only=True) if row[0] in codes}
    assert listed == {"PDP-01"}
    others = sql(
        demo_warehouse,
        "SELECT code, organisation_code, organisation_name FROM campaigns "
        "WHERE organisation_code <> 'ADR'",
    )
    text = cells(book)
    assert "ERK" not in text and "FOE-02" not in text
    assert [o for row in others for o in row if o in text] == []
    assert button(at, "reports_file_pdf").proto.url.endswith(".pdf")
    # grantees see the report but never the submit control
    assert not [w for w in at.text_input if w.key == "reports_submit_title"]


def test_a_viewer_has_no_submit_control(monkeypatch, demo_warehouse, served):
    at = produce(open_page(monkeypatch, demo_warehouse, "viewer"))
    assert workbook(download(at, served, "reports_file_xlsx")).sheetnames[0] == "Cover"
    assert not [w for w in at.text_input if w.key == "reports_submit_title"]
    assert not [b for b in at.button if b.key == "reports_submit"]
    assert not [c for c in at.checkbox if c.key == "reports_submit_sure"]
    assert "Mark as submitted" not in "\n".join(messages(at, "subheader"))


def test_a_quick_pick_sets_the_period(monkeypatch, demo_warehouse):
    at = open_page(monkeypatch, demo_warehouse)
    quick = at.selectbox(key="reports_quick")
    assert quick.options[0].startswith("Q1 2026 · 1 Mar 2026 – 31 Mar 2026")  # cut to the start
    quick.set_value("2026-Q2")
    run(at)
    assert at.date_input(key="reports_from").value == dt.date(2026, 4, 1)
    assert at.date_input(key="reports_to").value == dt.date(2026, 6, 30)


def test_a_period_ending_before_it_starts_is_an_error_not_a_traceback(monkeypatch, demo_warehouse):
    at = open_page(monkeypatch, demo_warehouse)
    at.date_input(key="reports_from").set_value(END)
    at.date_input(key="reports_to").set_value(START)
    run(at)
    assert any("swap the dates" in m for m in messages(at, "error"))
    assert not [b for b in at.button if b.key == "reports_produce"]


def test_submit_keep_the_files_and_compare_after_a_load(monkeypatch, demo_copy, served, tmp_path):
    wh = demo_copy
    at = produce(open_page(monkeypatch, wh))
    submit = at.button(key="reports_submit")
    assert submit.disabled  # a title and the confirmation first
    at.text_input(key="reports_submit_title").input("Interim report 1")
    at.checkbox(key="reports_submit_sure").check()
    run(at)
    at.button(key="reports_submit").click()
    run(at)
    stored = duckdb.connect(str(wh.path), read_only=True)
    try:
        rows = stored.execute(
            "SELECT report_id, title, submitted_by, period_start, period_end, xlsx, package, pdf "
            "FROM core.report"
        ).fetchall()
    finally:
        stored.close()
    assert len(rows) == 1
    report_id, title, who, first, last, *files = rows[0]
    assert (title, who, first, last) == ("Interim report 1", "officer", START, END)
    assert f"Stored as submitted report #{report_id}: Interim report 1." in messages(at, "success")
    assert at.text_input(key="reports_submit_title").value == ""  # the form is emptied

    listed = conftest.downloads(at, "reports_submitted")
    assert list(listed["report_id"]) == [report_id]
    assert list(listed["title"]) == ["Interim report 1"]
    assert at.selectbox(key="reports_stored").value == report_id
    for fmt, content in zip(FORMATS, files, strict=True):
        assert download(at, served, f"reports_stored_file_{fmt}") == bytes(content), fmt

    # one more cost of PDP-01 in the period changes the financial report
    spend = write(
        tmp_path / "spend.csv",
        "date,budget_line,amount,currency,description,reference\n"
        "2026-11-20,5.2,250000,KZT,Promoted posts,PDP-01/2026/EXTRA\n",
    )
    loaded = load_file(wh, spend, campaign="PDP-01")
    assert loaded.status == "loaded", loaded.errors
    run(at)
    assert any("produce it again" in m for m in messages(at, "warning"))
    at.button(key="reports_produce").click()
    run(at)
    compared = [m for m in messages(at, "info") if m.startswith("Compared with")]
    assert len(compared) == 1
    assert f"submitted report #{report_id} (Interim report 1, " in compared[0]
    changes = conftest.downloads(at, "reports_changes")
    assert f"{len(changes)} figures changed" in compared[0]
    spent = changes[(changes["table"] == "Financial report")
                    & (changes["column"] == "spent_period_kzt")]  # fmt: skip
    assert not spent.empty  # heading 5, its line, the subtotal and the total
    assert list(spent["change"]) == pytest.approx([250000] * len(spent))

    # the stored files are still the submitted ones, and "compare with now" finds the change
    for fmt, content in zip(FORMATS, files, strict=True):
        assert download(at, served, f"reports_stored_file_{fmt}") == bytes(content), fmt
    at.button(key="reports_compare").click()
    run(at)
    again = conftest.downloads(at, "reports_compare_changes")
    assert set(again["column"]) >= {"spent_period_kzt"}
    assert any(f"of submitted report #{report_id} are different now" in m
               for m in messages(at, "info"))  # fmt: skip

    # a grantee does not see a submitted report holding other organisations' campaigns
    adr = open_page(monkeypatch, wh, "grantee-ADR")
    assert "No report has been submitted yet." in messages(adr, "info")
    assert not [s for s in adr.selectbox if s.key == "reports_stored"]
