"""Table files (``dashboard.table_files``) are written without Streamlit: the command line and
the donor report import them without starting any of it."""

from __future__ import annotations

import subprocess
import sys

import pandas as pd

from dashboard import components, table_files


def test_table_files_import_without_streamlit() -> None:
    code = (
        "import sys, dashboard.table_files; "
        "print(sorted(m for m in sys.modules if m.split('.')[0] == 'streamlit'))"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=120
    )
    assert done.stdout.strip() == "[]"


def test_the_pages_write_downloads_with_the_same_functions() -> None:
    assert components.csv_bytes is table_files.csv_bytes
    assert components.xlsx_bytes is table_files.xlsx_bytes
    assert components.neutralise is table_files.neutralise
    frame = pd.DataFrame({"=title": ["=HYPERLINK(1)", "-5", "ok"], "n": [1, -2, 3]})
    text = table_files.csv_bytes(frame).decode("utf-8-sig")
    assert text.splitlines() == ["'=title,n", "'=HYPERLINK(1),1", "-5,-2", "ok,3"]
