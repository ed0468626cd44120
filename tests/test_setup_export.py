"""The programme set-up exported as a workbook: the template's layout, and loading it back
changes nothing; an edited campaign is restated, the others are left as they are."""

from __future__ import annotations

import io
from pathlib import Path

import duckdb
import openpyxl
import pytest
from conftest import copy_warehouse

from etl.kinds import LANGUAGES
from etl.load import load_file
from etl.programme import export_setup, read_setup, setup_bytes
from etl.templates import PROGRAMME_ORDER, write_programme_xlsx
from etl.warehouse import Warehouse

SETUP_TABLES = ("organisation", "campaign", "budget_line", "kpi_target", "channel")


def core_rows(wh: Warehouse) -> dict[str, list[tuple]]:
    """Every row of the set-up tables, current and superseded, with their batch columns."""
    con = duckdb.connect(str(wh.path), read_only=True)
    try:
        return {
            t: con.execute(f"SELECT * FROM core.{t} ORDER BY ALL").fetchall() for t in SETUP_TABLES
        }
    finally:
        con.close()


def plain(wh: Warehouse, sql: str) -> list[tuple]:
    con = duckdb.connect(str(wh.path), read_only=True)
    try:
        return con.execute(sql).fetchall()
    finally:
        con.close()


@pytest.mark.parametrize("lang", LANGUAGES)
def test_loading_the_export_back_changes_nothing(programme, tmp_path: Path, lang: str):
    before = core_rows(programme)
    path = tmp_path / f"setup.{lang}.xlsx"
    counts = export_setup(programme, path, lang)
    assert counts == {
        "organisations": 2,
        "campaigns": 2,
        "budget_lines": 5,
        "kpi_targets": 2,
        "channels": 3,
    }
    result = load_file(programme, path, kind="programme")
    assert result.status == "loaded", result.errors
    assert result.errors == [] and result.warnings == []
    assert result.rows_read == sum(counts.values())
    assert (result.rows_replaced, result.records_written) == (0, 0)
    assert core_rows(programme) == before
    # The load is in the log all the same, with the workbook kept.
    assert plain(
        programme,
        f"SELECT kind, status, rows_replaced FROM loads WHERE batch_id = {result.batch_id}",
    ) == [("programme", "loaded", 0)]


def test_the_demo_programme_round_trips(demo_warehouse, tmp_path: Path):
    wh = copy_warehouse(demo_warehouse, tmp_path / "demo" / "warehouse.duckdb")
    before = core_rows(wh)
    path = tmp_path / "setup.kk.xlsx"
    export_setup(wh, path, "kk")
    result = load_file(wh, path, kind="programme")
    assert result.status == "loaded", result.errors
    assert (result.rows_replaced, result.records_written, result.errors) == (0, 0, [])
    assert core_rows(wh) == before
    # Every current row was in the workbook.
    current = sum(
        plain(wh, f"SELECT count(*) FROM core.{t} WHERE superseded_by IS NULL")[0][0]
        for t in SETUP_TABLES
    )
    assert result.rows_read == current


@pytest.mark.parametrize("lang", LANGUAGES)
def test_the_export_has_the_template_layout(programme, tmp_path: Path, lang: str):
    template = tmp_path / "template.xlsx"
    write_programme_xlsx(template, lang)
    blank = openpyxl.load_workbook(template, read_only=True)
    path = tmp_path / "setup.xlsx"
    export_setup(programme, path, lang)
    book = openpyxl.load_workbook(path, read_only=True)
    assert book.sheetnames == blank.sheetnames
    for name in blank.sheetnames:
        ours = list(book[name].iter_rows(values_only=True))
        theirs = list(blank[name].iter_rows(values_only=True))
        assert ours[0] == theirs[0], name
        if name == blank.sheetnames[-1]:  # the help sheet: identical
            assert ours == theirs
    budget = list(book[blank.sheetnames[2]].iter_rows(values_only=True))[1:]
    expected = plain(
        programme,
        "SELECT campaign_code, heading, line_code, description, amount, currency "
        "FROM budget_lines ORDER BY campaign_code, line_code",
    )
    assert sorted(budget) == [(c, h, line, d, float(a), cur) for c, h, line, d, a, cur in expected]


def test_an_edited_export_restates_only_the_edited_campaign(programme, tmp_path: Path):
    path = tmp_path / "setup.xlsx"
    export_setup(programme, path)
    book = openpyxl.load_workbook(path)
    sheet = book["budget"]
    rows = list(sheet.iter_rows(min_row=2))
    target = next(r for r in rows if (r[0].value, r[2].value) == ("PDP-01", "5.2"))
    target[4].value = 2750000
    book.save(path)
    lines_pdp = plain(programme, "SELECT count(*) FROM budget_lines WHERE campaign_code='PDP-01'")
    result = load_file(programme, path, kind="programme")
    assert result.status == "loaded", result.errors
    assert result.rows_replaced == lines_pdp[0][0]
    assert result.records_written == lines_pdp[0][0]
    assert plain(
        programme,
        "SELECT amount FROM budget_lines WHERE campaign_code = 'PDP-01' AND line_code = '5.2'",
    ) == [(2750000,)]
    # FOE-02 and every other sheet still hold the rows of the first load (batch 1).
    assert plain(
        programme,
        "SELECT DISTINCT batch_id FROM budget_lines WHERE campaign_code = 'FOE-02' UNION "
        "SELECT DISTINCT batch_id FROM campaigns UNION SELECT DISTINCT batch_id FROM channels",
    ) == [(1,)]


def test_written_frames_load_as_they_are_edited(programme):
    frames = read_setup(programme)
    frames["campaigns"].loc[0, "status"] = "suspended"
    data = setup_bytes(frames, "ru")
    book = openpyxl.load_workbook(io.BytesIO(data), read_only=True)
    assert book.sheetnames[: len(PROGRAMME_ORDER)] == [
        "организации",
        "кампании",
        "бюджет",
        "целевые показатели",
        "каналы",
    ]
    code = frames["campaigns"].loc[0, "code"]
    path = programme.path.parent / "edited.xlsx"
    path.write_bytes(data)
    result = load_file(programme, path, kind="programme")
    assert result.status == "loaded", result.errors
    assert (result.rows_replaced, result.records_written) == (1, 1)
    assert plain(programme, f"SELECT status FROM campaigns WHERE code = '{code}'") == [
        ("suspended",)
    ]


def test_two_exports_of_one_state_differ_only_in_their_date(programme, tmp_path: Path):
    import datetime as dt

    frames = read_setup(programme)
    when = dt.datetime(2026, 5, 1, 12, 0)
    assert setup_bytes(frames, created=when) == setup_bytes(frames, created=when)
    assert setup_bytes(frames, created=when) != setup_bytes(
        frames, created=when + dt.timedelta(seconds=1)
    )


def test_cli_export_setup(invoke, programme, tmp_path: Path):
    path = tmp_path / "setup.ru.xlsx"
    code, out, _ = invoke("export-setup", str(path), "--language", "ru")
    assert code == 0, out
    assert "2 campaigns" in out and "5 budget lines" in out
    assert openpyxl.load_workbook(path, read_only=True).sheetnames[1] == "кампании"
    before = core_rows(programme)
    code, out, summary = invoke("load", str(path), "--json")
    assert code == 0, out
    assert summary["rows_replaced"] == 0 and summary["records_written"] == 0
    assert core_rows(programme) == before


def test_cli_export_setup_refuses_an_unknown_language(invoke, tmp_path: Path):
    code, out, _ = invoke("export-setup", str(tmp_path / "x.xlsx"), "--language", "de")
    assert code == 2 and "de" in out
    assert not (tmp_path / "x.xlsx").exists()
