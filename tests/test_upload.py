"""What the upload page asks of the loader: the preview of a dry run (detected settings, period,
rows as parsed with their errors), the rejected rows of a batch as a CSV to fix and send again,
and the kept copy of a batch's file. Real warehouses, checked with plain SQL and file bytes."""

from __future__ import annotations

import csv
import io
import json
import os
from pathlib import Path

import duckdb
from conftest import METRICS_HEADER, write, write_programme

from etl.batches import download_name, rejected_rows_csv, stored_path
from etl.load import load_file

# Russian headers, semicolons and decimal commas, as Excel saves a CSV on a Russian Windows.
RU_METRICS = (
    "дата;платформа;показы;охват;лайки\r\n"
    "02.03.2026;instagram;1 500;900;12,0\r\n"
    "03.03.2026;telegram;-1;;4\r\n"
    "05.03.2026;instagram;2 000;1 800;\r\n"
)


def rows_of(wh, sql: str, params: list | None = None) -> list[tuple]:
    con = duckdb.connect(str(wh.path), read_only=True)
    try:
        return con.execute(sql, params or []).fetchall()
    finally:
        con.close()


def parse_csv(data: bytes) -> list[list[str]]:
    assert data.startswith(b"\xef\xbb\xbf")
    return list(csv.reader(io.StringIO(data.decode("utf-8-sig"), newline="")))


def test_dry_run_preview_shows_the_rows_as_parsed_with_their_errors(programme, tmp_path):
    path = write(tmp_path / "ru.csv", RU_METRICS, "cp1251")
    batches = rows_of(programme, "SELECT count(*) FROM core.batch")
    result = load_file(programme, path, campaign="PDP-01", dry_run=True, preview_rows=10)

    assert result.status == "dry_run" and result.kind == "metrics"
    assert result.detected["encoding"] == "windows-1251"
    assert result.detected["delimiter"] == "semicolon"
    assert result.detected["decimal_mark"] == "comma"
    assert result.detected["header_row"] == 1
    assert result.detected["columns"] == {
        "date": "дата",
        "platform": "платформа",
        "impressions": "показы",
        "reach": "охват",
        "likes": "лайки",
    }
    assert result.detected["period"] == {"first": "2026-03-02", "last": "2026-03-05"}
    assert result.platform == "instagram, telegram"
    assert [r["row"] for r in result.preview] == [2, 3, 4]
    assert result.preview[0] == {
        "row": 2,
        "date": "2026-03-02",
        "platform": "instagram",
        "impressions": 1500,
        "reach": 900,
        "likes": 12,
        "errors": None,
    }
    bad = result.preview[1]
    assert bad["impressions"] == -1 and bad["errors"].startswith("показы: ")
    assert "negative" in bad["errors"]
    assert result.preview[2]["likes"] is None and result.preview[2]["errors"] is None
    # The preview travels with the JSON output, and a dry run writes nothing.
    assert json.loads(json.dumps(result.to_dict()))["preview"] == result.preview
    assert rows_of(programme, "SELECT count(*) FROM core.batch") == batches


def test_preview_is_limited_and_off_by_default(programme, tmp_path):
    rows = "".join(f"2026-03-{d:02d},instagram,,,{100 + d},,,,,,,,\n" for d in range(1, 21))
    path = write(tmp_path / "m.csv", METRICS_HEADER + "\n" + rows)
    assert load_file(programme, path, campaign="PDP-01", dry_run=True).preview == []
    result = load_file(programme, path, campaign="PDP-01", dry_run=True, preview_rows=5)
    assert [r["row"] for r in result.preview] == [2, 3, 4, 5, 6]
    assert [r["impressions"] for r in result.preview] == [101, 102, 103, 104, 105]
    assert result.detected["period"] == {"first": "2026-03-01", "last": "2026-03-20"}


def test_the_period_is_kept_with_the_batch(programme, tmp_path):
    path = write(
        tmp_path / "spend.csv",
        "date,budget_line,amount,currency,reference\n"
        "2026-05-04,5.1,150000,KZT,INV-2\n2026-04-10,5.2,90000,KZT,INV-1\n",
    )
    result = load_file(programme, path, campaign="PDP-01")
    assert result.status == "loaded", result.errors
    ((text,),) = rows_of(
        programme, "SELECT detected FROM core.batch WHERE batch_id = ?", [result.batch_id]
    )
    assert json.loads(text)["period"] == {"first": "2026-04-10", "last": "2026-05-04"}
    # the load log shows it too
    ((first, last, encoding),) = rows_of(
        programme,
        "SELECT detected->>'$.period.first', detected->>'$.period.last', "
        "detected->>'$.encoding' FROM loads WHERE batch_id = ?",
        [result.batch_id],
    )
    assert (first, last, encoding) == ("2026-04-10", "2026-05-04", "utf-8")


def test_programme_preview_names_the_sheet_of_each_row(warehouse, tmp_path):
    result = load_file(
        warehouse, write_programme(tmp_path / "p.xlsx"), dry_run=True, preview_rows=1
    )
    assert result.kind == "programme"
    by_sheet = {r["sheet"]: r for r in result.preview}
    assert set(by_sheet) == {"organisations", "campaigns", "budget", "targets", "channels"}
    assert by_sheet["campaigns"]["code"] == "PDP-01"
    assert by_sheet["campaigns"]["regions"] == ["Almaty", "Astana"]
    assert by_sheet["budget"]["amount"] == 6000000
    # The programme runs from the first campaign's start to the last one's end.
    assert result.detected["period"] == {"first": "2026-03-01", "last": "2027-01-31"}


def test_rejected_rows_of_a_partial_load_can_be_fixed_and_sent_again(programme, tmp_path):
    path = write(tmp_path / "ru.csv", RU_METRICS, "cp1251")
    result = load_file(programme, path, campaign="PDP-01", skip_invalid=True)
    assert (result.status, result.rows_loaded, result.rows_rejected) == ("loaded", 2, 1)
    kept = rows_of(
        programme,
        "SELECT row_number, cells FROM core.rejected_row WHERE batch_id = ?",
        [result.batch_id],
    )
    issues = rows_of(
        programme,
        "SELECT severity, row_number, column_name, value, message FROM load_issues "
        "WHERE batch_id = ?",
        [result.batch_id],
    )
    names = ("severity", "row_number", "column_name", "value", "message")
    data = rejected_rows_csv(kept, [dict(zip(names, i, strict=True)) for i in issues])
    table = parse_csv(data)
    assert table[0] == ["row", "дата", "платформа", "показы", "охват", "лайки", "errors"]
    assert table[1][:6] == ["3", "03.03.2026", "telegram", "-1", "", "4"]
    assert table[1][6].startswith("показы ('-1'): ") and "negative" in table[1][6]
    assert len(table) == 2

    # The grantee corrects the figure and sends the file back as it is.
    table[1][3] = "150"
    fixed = io.StringIO()
    csv.writer(fixed).writerows(table)
    again = write(tmp_path / "fixed.csv", fixed.getvalue())
    resent = load_file(programme, again, campaign="PDP-01")
    assert resent.status == "loaded" and resent.rows_loaded == 1, resent.errors
    assert rows_of(
        programme,
        "SELECT impressions FROM channel_daily WHERE campaign_code = 'PDP-01' "
        "AND platform = 'telegram' AND day = DATE '2026-03-03'",
    ) == [(150,)]


def test_rejected_rows_of_a_rejected_file_include_its_file_errors(programme, tmp_path):
    path = write(tmp_path / "m.csv", "platform,impressions\ninstagram,=1+1\n")
    result = load_file(programme, path, campaign="PDP-01", kind="metrics")
    assert result.status == "rejected"
    names = ("severity", "row_number", "column_name", "value", "message")
    issues = [
        dict(zip(names, row, strict=True))
        for row in rows_of(
            programme,
            "SELECT severity, row_number, column_name, value, message FROM load_issues "
            "WHERE batch_id = ?",
            [result.batch_id],
        )
    ]
    assert any(i["row_number"] is None for i in issues), "a missing column is a file error"
    table = parse_csv(
        rejected_rows_csv([(2, '{"platform": "instagram", "impressions": "=1+1"}')], issues)
    )
    assert table[0] == ["row", "platform", "impressions", "errors"]
    assert table[1][0] == "" and "required column 'date' is missing" in table[1][3]
    # A cell a spreadsheet would run as a formula is written as text; a negative number is not.
    assert table[2] == ["2", "instagram", "'=1+1", ""]
    negative = parse_csv(rejected_rows_csv([(4, '{"likes": "-5"}')], []))
    assert negative[1] == ["4", "-5", ""]


def test_the_kept_file_resolves_inside_the_file_store_only(programme, tmp_path):
    path = write(tmp_path / "m.csv", METRICS_HEADER + "\n2026-03-02,instagram,,,10,5,,,,,,,\n")
    result = load_file(programme, path, campaign="PDP-01", source_name="../../März.csv")
    ((stored, name),) = rows_of(
        programme,
        "SELECT stored_file, source_name FROM core.batch WHERE batch_id = ?",
        [result.batch_id],
    )
    kept = stored_path(programme, stored)
    assert kept is not None and kept.read_bytes() == path.read_bytes()
    assert download_name(name, stored, result.batch_id) == "März.csv"

    outside = tmp_path / "secret.txt"
    outside.write_text("not yours")
    link_name = f"ab/{'a' * 64}"
    (programme.files_dir / "ab").mkdir(exist_ok=True)
    os.symlink(outside, programme.files_dir / link_name)
    for bad in (link_name, "../secret.txt", str(outside), f"{stored}/..", "", None):
        assert stored_path(programme, bad) is None, bad
    assert stored_path(programme, f"cd/{'c' * 64}") is None  # no such file


def test_download_names_are_labels_never_paths():
    masked = f"ab/{'a' * 64}.masked.csv"
    plain = f"ab/{'a' * 64}"
    assert download_name("C:\\Users\\me\\answers.xlsx", masked, 7) == "answers.masked.csv"
    assert download_name("/etc/passwd", plain, 7) == "passwd"
    assert download_name("..", plain, 7) == "batch-7"
    assert download_name("a\x00b\n.csv", plain, 7) == "ab.csv"
    assert download_name(None, plain, 3) == "batch-3"


def test_streamlit_accepts_files_up_to_the_loaders_limit():
    import tomllib

    from etl.load import DEFAULT_MAX_MB

    config = Path(__file__).resolve().parents[1] / ".streamlit" / "config.toml"
    with config.open("rb") as fh:
        assert tomllib.load(fh)["server"]["maxUploadSize"] == DEFAULT_MAX_MB


# --- fixing the rows with errors on the page --------------------------------------------------


def test_rows_fixed_on_the_page_make_a_corrected_file_that_checks_and_loads(programme):
    """The Russian Excel CSV with a negative count in row 3: the page reads its rows as the
    loader does, the user corrects the cell, and the corrected copy (UTF-8, the file's own
    semicolons and headers) goes through the same check and load as an upload."""
    from dashboard import data, uploads
    from etl.accounts import Accounts
    from etl.demo import demo_password

    received = uploads.receive("март.csv", RU_METRICS.encode("cp1251"))
    result = uploads.check(programme, received, campaign="PDP-01", kind="metrics")
    assert [(i.row, i.column, i.value) for i in result.errors] == [(3, "показы", "-1")]

    table = uploads.file_table(received, "metrics")
    assert table is not None and table.header == ("дата", "платформа", "показы", "охват", "лайки")
    assert uploads.fixable(result, table)
    frame = uploads.fix_frame(result, table)
    assert list(frame[uploads.ROW_COLUMN]) == [3]
    assert frame.loc[0, "показы"] == "-1" and frame.loc[0, "платформа"] == "telegram"
    assert frame.loc[0, uploads.ERRORS_COLUMN].startswith("показы: ")

    edited = frame.copy()
    edited.loc[0, "показы"] = "1 200"
    fixed = uploads.corrected(received, table, edited, delimiter=result.detected["delimiter"])
    assert fixed.name == "март (corrected).csv"
    lines = fixed.content.decode("utf-8").splitlines()
    assert lines == [
        "дата;платформа;показы;охват;лайки",
        "02.03.2026;instagram;1 500;900;12,0",
        "03.03.2026;telegram;1 200;;4",
        "05.03.2026;instagram;2 000;1 800;",
    ]

    again = uploads.check(programme, fixed, campaign="PDP-01", kind="metrics")
    assert again.errors == [] and again.would_load
    assert uploads.verdict(again) == uploads.Verdict(3, 0, 0, 0, again.warnings_total)

    password = demo_password("grantee-ADR")
    accounts = Accounts.for_warehouse(programme)
    accounts.add("grantee-ADR", "grantee", organisation="ADR", password=password)
    grantee = accounts.get("grantee-ADR")
    with data.scoped(data.Scope(organisation="ADR")):
        loaded = uploads.load_received(
            programme, grantee, fixed, campaign="PDP-01", kind="metrics", skip_invalid=False
        )
    assert loaded.status == "loaded" and loaded.rows_loaded == 3
    assert rows_of(
        programme,
        "SELECT source_name, rows_loaded, rows_rejected FROM core.batch WHERE batch_id = ?",
        [loaded.batch_id],
    ) == [("март (corrected).csv", 3, 0)]
    assert rows_of(
        programme,
        "SELECT impressions FROM channel_daily WHERE campaign_code = 'PDP-01' "
        "AND platform = 'telegram' AND day = DATE '2026-03-03'",
    ) == [(1200,)]


def test_a_workbooks_rows_are_fixed_into_a_csv_with_its_headers(programme, tmp_path):
    import openpyxl

    from dashboard import uploads

    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(["date", "platform", "impressions", "likes"])
    sheet.append(["2026-03-02", "instagram", 1500, 12])
    sheet.append(["2026-03-03", "instagram", "lots", 4])
    path = tmp_path / "march.xlsx"
    book.save(path)

    received = uploads.receive("march.xlsx", path.read_bytes())
    result = uploads.check(programme, received, campaign="PDP-01", kind="metrics")
    assert [(i.row, i.column) for i in result.errors] == [(3, "impressions")]
    table = uploads.file_table(received, "metrics")
    assert uploads.fixable(result, table)
    edited = uploads.fix_frame(result, table)
    edited.loc[0, "impressions"] = "1700"
    fixed = uploads.corrected(received, table, edited, delimiter=result.detected.get("delimiter"))
    assert fixed.name == "march (corrected).csv"
    rows = list(csv.reader(io.StringIO(fixed.content.decode("utf-8"))))
    assert rows[0] == ["date", "platform", "impressions", "likes"]
    assert rows[2][1:] == ["instagram", "1700", "4"]
    again = uploads.check(programme, fixed, campaign="PDP-01", kind="metrics")
    assert again.errors == [] and again.rows_read == 2
    # Corrected again, the name says it once.
    assert uploads.corrected_name(fixed.name) == "march (corrected).csv"


def test_rows_that_cannot_be_fixed_on_the_page(programme):
    from dashboard import uploads

    # A header cell given twice: the grid could not tell the columns apart.
    twice = "date,platform,impressions,impressions\n2026-03-02,instagram,5,x\n"
    received = uploads.receive("twice.csv", twice.encode())
    assert uploads.file_table(received, "metrics") is None
    # An error of the file as a whole (no platform column) has no row to fix.
    whole = uploads.receive("whole.csv", b"date,impressions\n2026-03-02,-5\n")
    result = uploads.check(programme, whole, campaign="PDP-01", kind="metrics")
    assert any(i.row is None for i in result.errors)
    assert not uploads.fixable(result, uploads.file_table(whole, "metrics"))
