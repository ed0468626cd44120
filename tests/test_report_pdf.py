"""The donor report's PDF summary (dashboard.report.pdf) on the demo programme: what it says,
checked against the warehouse with plain SQL, read back from the PDF with pypdf."""

from __future__ import annotations

import datetime as dt
import io
import re
from dataclasses import replace

import pandas as pd
import pypdf
import pytest
from conftest import sql

from dashboard.report import freeze
from dashboard.report.build import build
from dashboard.report.config import load_config
from dashboard.report.model import Comparison, Report, Request
from dashboard.report.pdf import render_pdf
from etl.warehouse import Warehouse

START, END = dt.date(2026, 3, 1), dt.date(2026, 11, 30)
PERIOD = "2026-03-01 to 2026-11-30"
PRODUCED = dt.datetime(2026, 11, 30, 9, 30, tzinfo=dt.UTC)


def _report(wh: Warehouse, campaigns: tuple[str, ...] = ()) -> Report:
    return build(
        wh,
        Request(START, END, campaigns=campaigns, approved_only=False),
        load_config(),
        today=END,
        produced_at=PRODUCED,
    )


def _copy(report: Report) -> Report:
    """An independent copy of a report (the way a submitted report is kept)."""
    return Report.from_json(report.to_json())


def _pages(pdf: bytes) -> list[str]:
    return [page.extract_text() for page in pypdf.PdfReader(io.BytesIO(pdf)).pages]


def _flat(text: str) -> str:
    """Text with every run of white space (line breaks of wrapped cells too) as one space."""
    return " ".join(text.split())


@pytest.fixture(scope="module")
def programme_report(demo_warehouse: Warehouse) -> Report:
    return _report(demo_warehouse)


@pytest.fixture(scope="module")
def programme_pdf(programme_report: Report) -> bytes:
    return render_pdf(programme_report)


@pytest.fixture(scope="module")
def campaign_report(demo_warehouse: Warehouse) -> Report:
    return _report(demo_warehouse, ("PDP-01",))


def _running(wh: Warehouse) -> list[str]:
    return [
        code
        for (code,) in sql(
            wh,
            "SELECT code FROM campaigns WHERE start_date <= ? AND end_date >= ? ORDER BY code",
            [END, START],
        )
    ]


def _impressions(wh: Warehouse, campaigns: list[str]) -> list[tuple[str, float | None]]:
    """Impressions by platform in the period, by plain SQL on the daily channel rows."""
    return sql(
        wh,
        "SELECT platform, sum(impressions) FROM channel_daily "
        "WHERE day BETWEEN ? AND ? AND list_contains(?, campaign_code) "
        "GROUP BY platform ORDER BY platform",
        [START, END, campaigns],
    )


def _impressions_text(value: float | None) -> str:
    return "–" if value is None else f"{value:,.0f}"


def test_whole_programme_pdf_says_what_the_warehouse_holds(
    demo_warehouse: Warehouse, programme_report: Report, programme_pdf: bytes
) -> None:
    assert programme_pdf.startswith(b"%PDF")
    pages = _pages(programme_pdf)
    assert len(pages) >= 3
    text = _flat("\n".join(pages))
    meta = programme_report.meta

    # The EU's visibility rules: the funding statement, on every page, and the disclaimer.
    assert meta["funding_statement"] == "Funded by the European Union"
    assert all("Funded by the European Union" in page for page in pages)
    assert _flat(meta["disclaimer"]) in text
    assert "Media Freedom Programme consortium" in meta["disclaimer"]
    # Every footer: page N of M and the scope with the period.
    for n, page in enumerate(pages, 1):
        assert f"page {n} of {len(pages)}" in page
        assert f"Whole programme · {PERIOD}" in _flat(page)
    assert f"Reporting period {PERIOD}" in text
    assert f"Contract {meta['contract']}" in text

    running = _running(demo_warehouse)
    assert len(running) == 5
    for code in running:
        assert code in text, code
    for indicator in load_config().indicators:
        assert re.search(rf"\b{re.escape(indicator.code)}\b", text), indicator.code

    rows = _impressions(demo_warehouse, running)
    assert len(rows) >= 5
    for platform, impressions in rows:
        assert f"{platform} {_impressions_text(impressions)} " in text, platform
    # A platform that reports no impressions shows a dash, not nan.
    assert any(impressions is None for _, impressions in rows)

    # A Cyrillic campaign name (the embedded font covers it) and the total budget in EUR.
    (name,) = sql(demo_warehouse, "SELECT name FROM campaigns WHERE code = 'ATI-05'")[0]
    assert re.search("[А-Яа-яҚқҰұӨөІі]", name)
    assert name in text
    financial = programme_report.tables["financial"].frame
    total = financial.loc[financial["row_type"] == "total", "budget_eur"].iloc[0]
    assert f"Total eligible costs {total:,.0f} " in text
    assert f"Budget (EUR) {total:,.0f} " in text  # the key figures agree with it

    assert not re.search(r"\b(nan|NaN|None|NaT)\b", text)
    assert "Changes since the submitted report" not in text


def test_campaign_pdf_covers_only_that_campaign(
    demo_warehouse: Warehouse, campaign_report: Report
) -> None:
    pdf = render_pdf(campaign_report)
    assert pdf.startswith(b"%PDF")
    pages = _pages(pdf)
    assert len(pages) >= 3
    text = _flat("\n".join(pages))
    (name,) = sql(demo_warehouse, "SELECT name FROM campaigns WHERE code = 'PDP-01'")[0]
    scope = f"Campaign PDP-01: {name}"
    assert campaign_report.meta["scope"] == scope
    assert f"Report scope {scope}" in text
    for page in pages:
        assert "Funded by the European Union" in page
    assert f"{scope} · {PERIOD}" in _flat(pages[-1])
    assert "PDP-01/OP1" in text
    for other in ("ATI-05", "CEN-04", "DSEC-03", "FOE-02"):
        assert other not in text
    for platform, impressions in _impressions(demo_warehouse, ["PDP-01"]):
        assert f"{platform} {_impressions_text(impressions)} " in text, platform
    assert not re.search(r"\b(nan|NaN|None|NaT)\b", text)


def test_same_report_gives_the_same_bytes(programme_report: Report, programme_pdf: bytes) -> None:
    assert render_pdf(programme_report) == programme_pdf
    # A submitted report is kept as JSON: read back, it prints the same PDF.
    assert render_pdf(_copy(programme_report)) == programme_pdf
    info = pypdf.PdfReader(io.BytesIO(programme_pdf)).metadata
    assert info["/CreationDate"].startswith("D:20261130093000")


def test_text_cells_are_printed_literally(programme_report: Report) -> None:
    report = _copy(programme_report)
    frame = report.tables["campaigns"].frame
    frame.loc[frame["campaign"] == "PDP-01", "campaign_name"] = "Data <b>& rights</b> <para>"
    report.meta = replace(report.meta, scope="Whole programme <i>")
    pdf = render_pdf(report)
    text = _flat("\n".join(_pages(pdf)))
    assert "Data <b>& rights</b> <para>" in text
    assert "Whole programme <i>" in text


def test_changes_since_the_submitted_report(programme_report: Report) -> None:
    submitted = _copy(programme_report)
    platforms = submitted.tables["platforms"].frame
    platforms.loc[platforms["platform"] == "facebook", "impressions"] = 900000.0
    changes = freeze.changes(submitted, programme_report)
    assert len(changes)

    current = _copy(programme_report)
    current.meta = replace(
        current.meta,
        compared_with=Comparison(
            7, "Interim report 1", dt.datetime(2026, 12, 1, 10, 0), len(changes)
        ),
    )
    pdf = render_pdf(current, changes)
    pages = _pages(pdf)
    text = _flat("\n".join(pages))
    assert "Compared with submitted report #7: Interim report 1 (2026-12-01 10:00); " in text
    assert "Changes since the submitted report" in _flat(pages[-1])
    for header in ("Table", "Row", "Column", "Submitted", "Current", "Change"):
        assert header in text
    row = changes[(changes["table"] == "By platform") & (changes["column"] == "impressions")]
    assert len(row) == 1
    change = row["change"].iloc[0]
    assert f"{change:+,.0f}" in text

    empty = render_pdf(programme_report, pd.DataFrame(columns=changes.columns))
    assert "Changes since the submitted report" not in _flat("\n".join(_pages(empty)))
