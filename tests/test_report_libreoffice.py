"""The donor workbook opens in LibreOffice: converted to PDF by ``libreoffice --headless``, it
prints the logframe and the EU funding statement.

LibreOffice Calc comes from Debian (``apt-get install --no-install-recommends libreoffice-calc``,
which ``make test`` runs when it can). Skipped when it is not installed, except where
``CAMPAIGNS_REQUIRE_LIBREOFFICE`` is set (``.ci/run`` sets it): there a missing LibreOffice fails
the test.
"""

from __future__ import annotations

import datetime as dt
import io
import os
import shutil
import subprocess
import time
from pathlib import Path

import pypdf
import pytest

from dashboard.report.build import build
from dashboard.report.config import load_config
from dashboard.report.model import Request
from dashboard.report.xlsx import render_xlsx
from etl.warehouse import Warehouse

TIMEOUT = 180
MISSING = "LibreOffice is not installed (apt-get install --no-install-recommends libreoffice-calc)"


@pytest.fixture(scope="session")
def libreoffice() -> str:
    """The LibreOffice binary; asked for before the demo warehouse, so a skip costs nothing."""
    binary = shutil.which("libreoffice") or shutil.which("soffice")
    if binary:
        return binary
    if os.environ.get("CAMPAIGNS_REQUIRE_LIBREOFFICE"):
        pytest.fail(f"CAMPAIGNS_REQUIRE_LIBREOFFICE is set but {MISSING}", pytrace=False)
    pytest.skip(f"LibreOffice workbook test skipped: {MISSING}")


@pytest.mark.xdist_group("libreoffice")
def test_workbook_converts_to_pdf_in_libreoffice(
    libreoffice: str, demo_warehouse: Warehouse, tmp_path: Path
) -> None:
    config = load_config()
    report = build(
        demo_warehouse,
        Request(dt.date(2026, 3, 1), dt.date(2026, 11, 30), approved_only=False),
        config,
        today=dt.date(2026, 11, 30),
        produced_at=dt.datetime(2026, 11, 30, 9, 30, tzinfo=dt.UTC),
    )
    workbook = tmp_path / "report.xlsx"
    workbook.write_bytes(render_xlsx(report))
    out = tmp_path / "out"
    out.mkdir()
    profile = tmp_path / "profile"  # a fresh user profile: nothing in ~/.config, runs in parallel
    command = [
        libreoffice,
        f"-env:UserInstallation={profile.as_uri()}",
        "--headless",
        "--norestore",
        "--convert-to",
        "pdf",
        "--outdir",
        str(out),
        str(workbook),
    ]
    started = time.monotonic()
    done = subprocess.run(command, capture_output=True, text=True, timeout=TIMEOUT, check=False)
    took = time.monotonic() - started
    pdf = out / "report.pdf"
    assert done.returncode == 0 and pdf.exists(), (done.returncode, done.stdout, done.stderr)
    print(f"LibreOffice converted the workbook in {took:.1f} s")

    data = pdf.read_bytes()
    assert data.startswith(b"%PDF")
    reader = pypdf.PdfReader(io.BytesIO(data))
    assert len(reader.pages) >= 1
    text = "\n".join(page.extract_text() for page in reader.pages)
    assert "Funded by the European Union" in text
    codes = [indicator.code for indicator in config.indicators]
    assert codes
    for code in codes:
        assert code in text, code
