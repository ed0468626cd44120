"""What a report covers, as a typed record (``dashboard.report.model.ReportMeta``): reports
frozen in the warehouse as JSON by earlier versions read back, to the same JSON and the same
files; the meta is read by key in its JSON form too.

``frozen_report.json`` is a submitted report's figures as ``core.report`` keeps them (one
campaign, two rows a table), written while the meta was a dictionary of strings; the texts
below are what its workbook and PDF said then.
"""

from __future__ import annotations

import datetime as dt
import io
import json
import zipfile
from dataclasses import replace
from pathlib import Path

import openpyxl
import pypdf
import pytest

from dashboard.report import file_name, freeze
from dashboard.report.model import Comparison, Report, ReportMeta, Submission
from dashboard.report.package import render_package
from dashboard.report.pdf import render_pdf
from dashboard.report.xlsx import render_xlsx

FROZEN = (Path(__file__).parent / "frozen_report.json").read_text("utf-8")
SCOPE = "Campaign PDP-01: My Data, My Right (Менің деректерім — менің құқығым)"
ORGANISATION = 'Public Foundation "Almaty Digital Rights Centre"'

COVER_THEN = [
    ("Contract", "NDICI-GEO-2025/000-000"),
    ("Report", SCOPE),
    ("Reporting period", "2026-06-01 to 2026-10-31"),
    ("Organisation", ORGANISATION),
    ("Campaigns", "PDP-01"),
    ("Date produced", "2026-11-29 10:30 UTC"),
    ("Data as of (last load)", "2026-12-04 18:11"),
    ("Status date", "2026-10-31"),
    (
        "Conversion to EUR",
        "InforEuro: the rate of the month each cost was booked (budgets: the latest rate)",
    ),
    ("Implementation period", "2026-03-01 to 2027-03-31"),
    ("Submitted", "Interim =1, on 2026-11-29 10:30+00:00 by officer"),
]
PDF_COVER_THEN = [
    "Reporting period\n2026-06-01 to 2026-10-31",
    "Produced\n2026-11-29 10:30 UTC",
    "Data as of\n2026-12-04 18:11",
    "Submitted\nInterim =1 (2026-11-29 10:30+00:00, by officer)",
]
PDF_INFO_THEN = {
    "/Author": ORGANISATION,
    "/CreationDate": "D:20261129103000+00'00'",
    "/ModDate": "D:20261129103000+00'00'",
    "/Subject": "Report summary, 2026-06-01 to 2026-10-31",
    "/Title": f"Digital rights and freedom of expression in Kazakhstan: {SCOPE}",
}


@pytest.fixture()
def frozen() -> Report:
    return Report.from_json(FROZEN)


def test_a_frozen_report_reads_back_typed(frozen: Report) -> None:
    m = frozen.meta
    assert isinstance(m, ReportMeta)
    assert (m.period_start, m.period_end) == (dt.date(2026, 6, 1), dt.date(2026, 10, 31))
    assert m.status_date == dt.date(2026, 10, 31)
    assert (m.programme_start, m.programme_end) == (dt.date(2026, 3, 1), dt.date(2027, 3, 31))
    assert m.produced_at == dt.datetime(2026, 11, 29, 10, 30, tzinfo=dt.UTC)
    assert m.data_as_of == dt.datetime(2026, 12, 4, 18, 11, 50, 481220)
    assert m.campaigns == ("PDP-01",) and m.requested_campaigns == ("PDP-01",)
    assert m.requested_organisation is None and not m.whole_programme
    assert m.submitted == Submission(
        "Interim =1", "officer", dt.datetime(2026, 11, 29, 10, 30, tzinfo=dt.UTC)
    )
    assert m.compared_with is None
    assert m.subgrant_cap_eur == 60000.0
    assert m.period_text == "2026-06-01 to 2026-10-31"


def test_a_frozen_report_writes_the_same_json(frozen: Report) -> None:
    assert frozen.to_json() == FROZEN
    assert freeze.request_key(frozen) == "2026-06-01..2026-10-31|campaigns=PDP-01"
    assert file_name(frozen, "pdf") == "report_PDP-01_2026-06-01_2026-10-31.pdf"


def test_a_frozen_report_renders_as_it_did(frozen: Report) -> None:
    workbook = render_xlsx(frozen)
    cover = openpyxl.load_workbook(io.BytesIO(workbook))["Cover"]
    rows = list(cover.iter_rows(min_row=5, max_row=15, max_col=2, values_only=True))
    assert rows == COVER_THEN

    pdf = render_pdf(frozen)
    reader = pypdf.PdfReader(io.BytesIO(pdf))
    first = reader.pages[0].extract_text()
    for text in PDF_COVER_THEN:
        assert text in first
    info = dict(reader.metadata)
    assert {k: info[k] for k in PDF_INFO_THEN} == PDF_INFO_THEN

    package = zipfile.ZipFile(io.BytesIO(render_package(frozen)))
    descriptor = json.loads(package.read("datapackage.json"))
    assert descriptor["created"] == "2026-11-29T10:30:00+00:00"
    assert descriptor["version"] == "2026-12-04 18:11:50.481220"
    readme = package.read("README.txt").decode("utf-8")
    assert f"{SCOPE}, reporting period 2026-06-01 to 2026-10-31" in readme
    assert "Produced 2026-11-29T10:30:00+00:00; data as of 2026-12-04 18:11:50.481220." in readme

    # Read back once more, the files are the same bytes.
    again = Report.from_json(frozen.to_json())
    assert render_xlsx(again) == workbook
    assert render_pdf(again) == pdf


def test_the_meta_read_by_key_is_its_json_form(frozen: Report) -> None:
    m = frozen.meta
    assert m["period_start"] == "2026-06-01"
    assert m["campaigns"] == ["PDP-01"]
    assert m["produced_at"] == "2026-11-29T10:30:00+00:00"
    submitted = {"title": "Interim =1", "by": "officer", "at": "2026-11-29 10:30+00:00"}
    assert m.get("submitted") == submitted
    assert m.get("compared_with") is None and "compared_with" not in m
    assert dict(m) == json.loads(FROZEN)["meta"]


def test_a_comparison_is_written_to_the_minute(frozen: Report) -> None:
    compared = Comparison(7, "Interim report 1", dt.datetime(2026, 12, 1, 10, 0, 42), 3)
    meta = replace(frozen.meta, compared_with=compared)
    assert meta["compared_with"] == {
        "report_id": 7,
        "title": "Interim report 1",
        "submitted_at": "2026-12-01 10:00",
        "changes": 3,
    }
    text = Report(meta, frozen.tables).to_json()
    assert Report.from_json(text).meta.compared_with == replace(
        compared, submitted_at=dt.datetime(2026, 12, 1, 10, 0)
    )
