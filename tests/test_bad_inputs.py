"""Bad files through the CLI: a clear answer, the right exit code, and nothing half-written.

Each test loads one kind of bad input with ``campaigns load ... --json`` and checks the exit
code, that the error names the row, column and value and says what to do where that applies,
that no fact table changed, and that a rejected batch was recorded in ``loads``. No output may
hold a traceback.
"""

from __future__ import annotations

import datetime as dt
import io
import random
import re
import zipfile
from collections.abc import Callable
from pathlib import Path

import openpyxl
import pytest
import xlsxwriter
from conftest import METRICS_HEADER, core_counts, write

HEADER = METRICS_HEADER.split(",")
Query = Callable[..., list[tuple]]


# --- helpers -----------------------------------------------------------------------------------

BOOKKEEPING = ("batch", "batch_issue", "rejected_row")


def fact_counts(query: Query) -> dict[str, int]:
    """Row count of every core table except the load log itself."""
    counts = {t: n for t, n in core_counts(query).items() if t not in BOOKKEEPING}
    assert len(counts) >= 10, counts
    return counts


def batch_ids(query: Query) -> list[int]:
    return [b for (b,) in query("SELECT batch_id FROM loads ORDER BY batch_id")]


@pytest.fixture
def load(invoke):
    """Run ``campaigns load FILE --campaign PDP-01 --json`` and check no traceback is shown."""

    def run(path: Path, *extra: str, campaign: str | None = "PDP-01"):
        args = ["load", str(path), "--json", *extra]
        if campaign:
            args += ["--campaign", campaign]
        code, output, data = invoke(*args)
        assert "Traceback" not in output
        return code, output, data

    return run


def assert_rejected(query: Query, before: dict[str, int], data: dict) -> None:
    """Nothing written, and the attempt is in the load log as a rejected batch."""
    assert data["status"] == "rejected"
    assert data["rows_loaded"] == 0
    assert fact_counts(query) == before
    assert data["batch_id"] is not None, "the rejected load was not recorded as a batch"
    assert query(
        "SELECT status, rows_loaded FROM loads WHERE batch_id = ?", [data["batch_id"]]
    ) == [("rejected", 0)]
    recorded = query(
        "SELECT message FROM load_issues WHERE batch_id = ? AND severity = 'error'",
        [data["batch_id"]],
    )
    assert {m for (m,) in recorded} == {e["message"] for e in data["errors"]}, (
        "the errors shown are not the errors recorded for the batch in load_issues"
    )


def file_error(data: dict) -> str:
    """The one error about the file as a whole."""
    assert data["errors_total"] == 1, data["errors"]
    (error,) = data["errors"]
    assert error["row"] is None and error["severity"] == "error"
    return error["message"]


def metrics_csv(path: Path, rows: list[str], header: str = METRICS_HEADER, sep=",") -> Path:
    return write(path, "\n".join([header.replace(",", sep), *rows]) + "\n")


# --- empty and unreadable files ------------------------------------------------------------------


def test_empty_file(load, query: Query, tmp_path: Path) -> None:
    before = fact_counts(query)
    path = tmp_path / "instagram.csv"
    path.write_bytes(b"")
    code, _, data = load(path)
    assert code == 1
    assert_rejected(query, before, data)
    message = file_error(data)
    assert "instagram.csv" in message and "empty" in message and "header row" in message


def test_header_only(load, query: Query, tmp_path: Path) -> None:
    before = fact_counts(query)
    code, _, data = load(metrics_csv(tmp_path / "m.csv", []))
    assert code == 1
    assert_rejected(query, before, data)
    assert data["kind"] == "metrics"
    assert "no rows" in file_error(data)


def test_header_and_blank_lines_only(load, query: Query, tmp_path: Path) -> None:
    before = fact_counts(query)
    code, _, data = load(metrics_csv(tmp_path / "m.csv", ["", ",,,,,,,,,,,,", "  ", ""]))
    assert code == 1
    assert_rejected(query, before, data)
    assert "no rows" in file_error(data)


def _random_bytes_with_nuls() -> bytes:
    rng = random.Random(20260302)
    data = bytearray(rng.randbytes(4096))
    data[::7] = bytes(len(data[::7]))
    return bytes(data)


def _zip_that_is_not_a_workbook() -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        z.writestr("readme.txt", "not a workbook")
    return buf.getvalue()


GARBAGE = {
    "random bytes with NULs": (_random_bytes_with_nuls(), "not a text table"),
    "PNG image": (
        b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x01\x00" + bytes(range(256)) * 4,
        "not a text table",
    ),
    "PDF": (b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<<>>\nstream\n\x00\x01\x02\x03" * 20, "not a"),
    "zip that is not a workbook": (_zip_that_is_not_a_workbook(), "cannot open the workbook"),
    "old Excel .xls": (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(504), "save as"),
}


@pytest.mark.parametrize(("content", "says"), GARBAGE.values(), ids=GARBAGE.keys())
def test_binary_garbage(load, query: Query, tmp_path: Path, content: bytes, says: str) -> None:
    before = fact_counts(query)
    path = tmp_path / "export.csv"
    path.write_bytes(content)
    code, output, data = load(path)
    assert code == 1
    assert_rejected(query, before, data)
    message = file_error(data)
    assert says in message
    assert "CSV" in message or "xlsx" in message  # says what to upload instead
    assert "\x00" not in output


def test_sep_line_only(load, query: Query, tmp_path: Path) -> None:
    """Excel's ``sep=`` hint with nothing under it is an empty file, not a crash."""
    before = fact_counts(query)
    path = tmp_path / "export.csv"
    path.write_bytes(b"sep=;\r\n")
    code, _, data = load(path)
    assert code == 1
    assert_rejected(query, before, data)
    assert "empty" in file_error(data)


def test_sep_line_naming_another_delimiter(load, query: Query, tmp_path: Path) -> None:
    """Excel honours ``sep=|``; the loader must read the file or say it cannot, not crash."""
    before = fact_counts(query)
    path = write(
        tmp_path / "export.csv",
        "sep=|\r\ndate|platform|impressions|reach|likes\r\n2026-03-02|instagram|1500|900|80\r\n",
    )
    code, _, data = load(path)
    if code == 0:
        assert query("SELECT impressions, reach_day, likes FROM channel_daily") == [(1500, 900, 80)]
    else:
        assert code == 1
        assert_rejected(query, before, data)
        assert "|" in file_error(data)


# --- columns that say another kind of file -------------------------------------------------


def test_metrics_file_with_no_figure_columns(load, query: Query, tmp_path: Path) -> None:
    """Rows with no figures are refused one by one; a file with no figure column at all too."""
    before = fact_counts(query)
    path = write(tmp_path / "m.csv", "date,platform,notes\n2026-03-02,instagram,quiet day\n")
    code, _, data = load(path)
    assert code == 1, f"loaded a metrics file without a single figure: {data['message']}"
    assert_rejected(query, before, data)
    assert any("impressions" in e["message"] for e in data["errors"])


def test_metrics_file_with_a_misspelt_column_is_not_loaded_as_feedback(
    load, query: Query, tmp_path: Path
) -> None:
    """``date`` and ``comments`` also name feedback fields: a typo in ``platform`` must not turn
    a metrics export into a feedback file with eleven columns ignored."""
    before = fact_counts(query)
    path = metrics_csv(
        tmp_path / "m.csv",
        ["2026-03-02,instagram,,,1500,900,,80,4,,,,"],
        header=METRICS_HEADER.replace("platform", "platfrom"),
    )
    code, _, data = load(path)
    assert (code, data["kind"]) != (0, "feedback"), data["message"]
    assert code == 1
    assert_rejected(query, before, data)
    assert any("platform" in e["message"] for e in data["errors"])


# --- workbooks -----------------------------------------------------------------------------------


def merged_title_workbook(path: Path, rows: list[list]) -> Path:
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "Instagram"
    ws["A1"] = "Instagram statistics: Your data, your rights (March 2026)"
    ws.merge_cells("A1:H1")
    ws.append(HEADER[:8])
    for row in rows:
        ws.append(row)
    wb.save(path)
    return path


def test_xlsx_merged_title_row_loads_with_excel_row_numbers(
    load, query: Query, tmp_path: Path
) -> None:
    path = merged_title_workbook(
        tmp_path / "merged.xlsx",
        [
            ["2026-03-02", "instagram", None, None, 1000, 900, None, 50],
            ["2026-03-03", "instagram", None, None, 1100, 950, None, 60],
        ],
    )
    code, _, data = load(path)
    assert code == 0, data["errors"]
    assert data["status"] == "loaded" and data["rows_loaded"] == 2
    assert data["detected"]["header_row"] == 2
    assert query("SELECT day, impressions, reach_day, likes FROM channel_daily ORDER BY day") == [
        (dt.date(2026, 3, 2), 1000, 900, 50),
        (dt.date(2026, 3, 3), 1100, 950, 60),
    ]
    table = query(
        "SELECT table_name FROM information_schema.tables WHERE table_schema = 'core' "
        "AND table_name IN ('metric_value', 'metric_observation')"
    )[0][0]
    rows = query(
        f"SELECT DISTINCT metric_date, source_row FROM core.{table} WHERE batch_id = ? ORDER BY 1",
        [data["batch_id"]],
    )
    # Row 1 is the merged title, row 2 the header: the data are rows 3 and 4, as in Excel.
    assert [r for _, r in rows] == [3, 4]


def test_xlsx_merged_title_row_errors_name_excel_rows(load, query: Query, tmp_path: Path) -> None:
    before = fact_counts(query)
    path = merged_title_workbook(
        tmp_path / "merged.xlsx",
        [
            ["2026-03-02", "instagram", None, None, 1000, 900, None, 50],
            ["2026-03-03", "instagram", None, None, 1100, "lots", None, 60],
        ],
    )
    code, _, data = load(path)
    assert code == 1
    assert_rejected(query, before, data)
    (error,) = data["errors"]
    assert (error["row"], error["column"], error["value"]) == (4, "reach", "lots")
    assert "write digits only" in error["message"]


def test_xlsx_formula_without_saved_result_is_rejected(load, query: Query, tmp_path: Path) -> None:
    """openpyxl writes formulas without cached results, as a script or some exporters do."""
    before = fact_counts(query)
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(HEADER[:8])
    ws.append(["2026-03-02", "instagram", None, None, 1000, 900, None, 50])
    ws.append(["2026-03-03", "instagram", None, None, "=E2*2", 900, None, 60])
    wb.save(tmp_path / "formulas.xlsx")
    code, _, data = load(tmp_path / "formulas.xlsx")
    assert data["errors"], "the formula cell was not reported"
    error = data["errors"][0]
    assert error["row"] == 3
    assert error["value"] == "=E2*2"
    # The cell is E3: the error names its column by number, letter or header.
    assert re.search(r"\bcolumn 5\b|\bE3?\b|impressions", error["column"]), error["column"]
    assert "save" in error["message"] and "Paste Special > Values" in error["message"]
    # The figure cannot be read, so the file must not load with the cell left empty.
    assert code == 1
    assert_rejected(query, before, data)


def test_xlsx_formula_with_saved_result_loads(load, query: Query, tmp_path: Path) -> None:
    """A workbook saved by Excel keeps each formula's last result: that value is loaded."""
    path = tmp_path / "cached.xlsx"
    wb = xlsxwriter.Workbook(str(path))
    ws = wb.add_worksheet("metrics")
    ws.write_row(0, 0, HEADER[:8])
    ws.write_row(1, 0, ["2026-03-02", "instagram", None, None, 1000, 900, None, 50])
    ws.write_row(2, 0, ["2026-03-03", "instagram"])
    ws.write_formula(2, 4, "=E2*2", None, 2000)
    ws.write_number(2, 5, 900)
    ws.write_formula(2, 6, "=E3/2", None, 1000)
    ws.write_formula(2, 7, "=SUM(H2,10)", None, 60)
    wb.close()
    code, _, data = load(path)
    assert code == 0, data["errors"]
    assert data["status"] == "loaded" and data["errors"] == []
    assert query(
        "SELECT day, impressions, reach_day, views, likes FROM channel_daily ORDER BY day"
    ) == [
        (dt.date(2026, 3, 2), 1000, 900, None, 50),
        (dt.date(2026, 3, 3), 2000, 900, 1000, 60),
    ]


# --- columns -------------------------------------------------------------------------------------


def test_unknown_columns_load_with_a_warning(load, query: Query, tmp_path: Path) -> None:
    path = write(
        tmp_path / "m.csv",
        "date,platform,impressions,mood,Engagement rate (%)\n2026-03-02,instagram,5000,ok,3.1\n",
    )
    code, _, data = load(path)
    assert code == 0
    assert data["status"] == "loaded" and data["errors"] == []
    warned = {w["column"]: w for w in data["warnings"]}
    assert set(warned) == {"mood", "Engagement rate (%)"}
    for column, w in warned.items():
        assert f"'{column}'" in w["message"] and "ignored" in w["message"]
        assert w["row"] == 1
        assert w["severity"] == "warning"
    assert query(
        "SELECT severity, column_name FROM load_issues WHERE batch_id = ? ORDER BY 2",
        [data["batch_id"]],
    ) == [("warning", "Engagement rate (%)"), ("warning", "mood")]
    assert query("SELECT impressions FROM channel_daily") == [(5000,)]


@pytest.mark.parametrize(
    ("kind", "text", "field", "words"),
    [
        ("metrics", "platform,impressions\ninstagram,5\n", "date", ["date", "дата", "күні"]),
        (
            "spend",
            "date,budget line,amount,currency\n2026-03-15,5.2,1000,KZT\n",
            "reference",
            ["reference", "invoice", "номер документа", "құжат нөмірі"],
        ),
    ],
)
def test_missing_required_column(
    load, query: Query, tmp_path: Path, kind: str, text: str, field: str, words: list[str]
) -> None:
    before = fact_counts(query)
    code, _, data = load(write(tmp_path / "f.csv", text), "--kind", kind)
    assert code == 1
    assert_rejected(query, before, data)
    (error,) = data["errors"]
    assert error["column"] == field
    assert f"'{field}' is missing" in error["message"]
    for word in words:
        assert f"'{word}'" in error["message"]


def test_missing_required_column_kind_not_given(load, query: Query, tmp_path: Path) -> None:
    before = fact_counts(query)
    code, _, data = load(write(tmp_path / "f.csv", "platform,impressions\ninstagram,5\n"))
    assert code == 1
    assert_rejected(query, before, data)
    message = file_error(data)
    assert "metrics" in message and "date" in message and "--kind" in message


# --- values --------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("written", "fix"),
    [
        ("1,2k", "write 1200"),
        ("1.2K", "write 1200"),
        ("15к", "write 15000"),
        ("2,5 млн", "write 2500000"),
        ("1,2 тыс.", "write 1200"),
        ("3 мың", "write 3000"),
        ("1200 views", "write digits only"),
    ],
)
def test_number_with_a_suffix(load, query: Query, tmp_path: Path, written: str, fix: str) -> None:
    before = fact_counts(query)
    path = metrics_csv(
        tmp_path / "m.csv",
        [
            "2026-03-02;instagram;;;1500;900;;80;;;;;",
            f"2026-03-03;instagram;;;{written};900;;80;;;;;",
        ],
        sep=";",
    )
    code, _, data = load(path)
    assert code == 1
    assert_rejected(query, before, data)
    (error,) = data["errors"]
    assert (error["row"], error["column"], error["value"]) == (3, "impressions", written)
    assert f"'{written}'" in error["message"] and fix in error["message"]
    assert data["rows_rejected"] == 1


def test_negative_counts(load, query: Query, tmp_path: Path) -> None:
    """Impressions and followers below zero are errors; likes below zero are a day's net change
    as platforms report it, a warning."""
    before = fact_counts(query)
    path = metrics_csv(
        tmp_path / "m.csv",
        ["2026-03-02,instagram,,,1500,900,,-5,,,,,", "2026-03-03,telegram,,,-1,,,,,,,,-200"],
    )
    code, _, data = load(path)
    assert code == 1
    assert_rejected(query, before, data)
    found = {(e["row"], e["column"], e["value"]) for e in data["errors"]}
    assert found == {(3, "impressions", "-1"), (3, "followers", "-200")}
    for e in data["errors"]:
        assert "cannot be negative" in e["message"] and "change from the day before" in e["message"]
    warned = {(w["row"], w["column"], w["value"]) for w in data["warnings"]}
    assert (2, "likes", "-5") in warned
    rejected = query(
        "SELECT row_number FROM core.rejected_row WHERE batch_id = ? ORDER BY 1",
        [data["batch_id"]],
    )
    assert rejected == [(3,)]


def big_for_the_limit(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("CAMPAIGNS_MAX_UPLOAD_MB", "0.001")  # 1048 bytes
    rows = [f"2026-03-{d:02d},instagram,,,{1000 + d},{900 + d},,,,,,," for d in range(1, 31)]
    path = metrics_csv(tmp_path / "m.csv", rows)
    assert path.stat().st_size > 1048
    return path


def test_file_above_the_size_limit(
    load, query: Query, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    before = fact_counts(query)
    code, _, data = load(big_for_the_limit(tmp_path, monkeypatch))
    assert code == 1
    assert data["status"] == "rejected" and fact_counts(query) == before
    message = file_error(data)
    assert "limit" in message and "split" in message
    # The limit must be stated as it is, not rounded to "0 MB".
    assert "0 MB limit" not in message, message
    assert any(s in message for s in ("0.001 MB", "1 KB", "1.0 KB", "1048 bytes", "1 kB"))


def test_file_above_the_size_limit_is_in_the_load_log(
    load, query: Query, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    before = fact_counts(query)
    code, _, data = load(big_for_the_limit(tmp_path, monkeypatch))
    assert code == 1
    assert_rejected(query, before, data)
    assert data["message"], "the summary line is empty"


def test_campaign_that_does_not_exist(load, query: Query, tmp_path: Path) -> None:
    before = fact_counts(query)
    path = metrics_csv(tmp_path / "m.csv", ["2026-03-02,instagram,,,1500,900,,80,,,,,"])
    code, _, data = load(path, campaign="PDP-1")
    assert code == 1
    assert_rejected(query, before, data)
    message = file_error(data)
    assert "'PDP-1' does not exist" in message and "did you mean 'PDP-01'" in message
    assert "FOE-02" in message


def test_no_campaign_given(load, query: Query, tmp_path: Path) -> None:
    before = fact_counts(query)
    path = metrics_csv(tmp_path / "m.csv", ["2026-03-02,instagram,,,1500,900,,80,,,,,"])
    code, _, data = load(path, campaign=None)
    assert code == 1
    assert_rejected(query, before, data)
    assert "--campaign" in file_error(data)


# --- usage errors: exit 2, nothing recorded -------------------------------------------------------


@pytest.mark.parametrize("as_json", [True, False], ids=["json", "text"])
def test_unknown_kind(invoke, query: Query, tmp_path: Path, as_json: bool) -> None:
    path = metrics_csv(tmp_path / "m.csv", ["2026-03-02,instagram,,,1500,900,,80,,,,,"])
    before, batches = fact_counts(query), batch_ids(query)
    args = ["load", str(path), "--campaign", "PDP-01", "--kind", "tweets"]
    code, output, _ = invoke(*args, *(["--json"] if as_json else []))
    assert code == 2
    assert "Traceback" not in output
    assert "'tweets'" in output and "metrics" in output and "spend" in output
    assert fact_counts(query) == before and batch_ids(query) == batches


@pytest.mark.parametrize("as_json", [True, False], ids=["json", "text"])
def test_file_that_does_not_exist(invoke, query: Query, tmp_path: Path, as_json: bool) -> None:
    before, batches = fact_counts(query), batch_ids(query)
    missing = tmp_path / "no such export.csv"
    args = ["load", str(missing), "--campaign", "PDP-01"]
    code, output, _ = invoke(*args, *(["--json"] if as_json else []))
    assert code == 2
    assert "Traceback" not in output
    assert "no such file" in output and "no such export.csv" in output
    assert fact_counts(query) == before and batch_ids(query) == batches


def test_text_output_of_a_rejected_file(invoke, tmp_path: Path) -> None:
    """Without --json the same errors are printed as a table, with no traceback."""
    path = metrics_csv(tmp_path / "m.csv", ["2026-03-02,instagram,,,1500,900,,5,,,,,x"])
    code, output, _ = invoke("load", str(path), "--campaign", "PDP-01")
    assert code == 1
    assert "Traceback" not in output
    assert "rejected" in output and "followers" in output and "'x'" in output
    assert "write digits only" in output
