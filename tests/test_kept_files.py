"""What the warehouse keeps of the files it receives, how `campaigns forget` finds a person in
every kept file, and how long kept files stay (``CAMPAIGNS_KEEP_FILES_DAYS``).

A refused file of an unknown kind is not kept; feedback, participants, refused files and files
holding an e-mail address, a phone number or an IIN anywhere are kept only as a masked copy of
their rows; other files are kept as received. ``forget`` searches originals and masked copies,
CSV and workbooks cell by cell, and the rows and messages of the load log.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import os
from pathlib import Path

import duckdb
import openpyxl
import pytest
from click.testing import CliRunner
from conftest import METRICS_HEADER, PROGRAMME, write, write_programme

from cli import cli
from etl import batches
from etl.load import load_file
from etl.warehouse import Warehouse

EMAIL = "aigerim@example.kz"
PHONE_CELL = 87011234567  # as Excel keeps a phone number typed without spaces
# A survey tool's export: no kind of ours, so it is refused as an unknown kind.
SURVEY = (
    "Respondent,Contact e-mail,Which topic interested you most?\n"
    f"Aigerim,{EMAIL},privacy\n"
    "Bolat,bolat@example.kz,security\n"
)


def rows(wh: Warehouse, sql: str, params: list | None = None) -> list[tuple]:
    con = duckdb.connect(str(wh.path), read_only=True)
    try:
        return con.execute(sql, params or []).fetchall()
    finally:
        con.close()


def files_on_disk(wh: Warehouse) -> list[Path]:
    return sorted(p for p in wh.files_dir.rglob("*") if p.is_file())


def holding(wh: Warehouse, needle: str) -> list[Path]:
    """Kept files whose bytes, or whose workbook cells, hold ``needle``."""
    found = []
    for path in files_on_disk(wh):
        data = path.read_bytes()
        text = data.decode("utf-8", errors="replace").casefold()
        if data.startswith(b"PK"):
            book = openpyxl.load_workbook(io.BytesIO(data), read_only=True)
            text = " ".join(
                str(v) for ws in book.worksheets for r in ws.iter_rows(values_only=True) for v in r
            ).casefold()
            book.close()
        if needle.casefold() in text:
            found.append(path)
    return found


def stored(wh: Warehouse, batch_id: int) -> str | None:
    return rows(wh, "SELECT stored_file FROM core.batch WHERE batch_id = ?", [batch_id])[0][0]


def metrics_csv(path: Path, *lines: str, extra: str = "") -> Path:
    return write(path, METRICS_HEADER + extra + "\n" + "\n".join(lines) + "\n")


def metrics_xlsx(path: Path, title: object, *, notes: object = None) -> Path:
    book = openpyxl.Workbook()
    ws = book.active
    ws.append([*METRICS_HEADER.split(","), "title"])
    ws.append(["2026-03-04", "instagram", "x1", None, 100, 50, *([None] * 7), title])
    if notes is not None:
        book.create_sheet("notes").append(["contact", notes])
    book.save(path)
    return path


# --- what is kept ---------------------------------------------------------------------------


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_a_refused_survey_export_keeps_nothing_with_its_emails(programme, tmp_path, fmt):
    if fmt == "csv":
        path = write(tmp_path / "survey.csv", SURVEY)
    else:
        path = tmp_path / "survey.xlsx"
        book = openpyxl.Workbook()
        for line in csv.reader(io.StringIO(SURVEY)):
            book.active.append(line)
        book.save(path)
    result = load_file(programme, path)
    assert result.status == "rejected" and result.kind is None
    assert stored(programme, result.batch_id) is None
    assert holding(programme, EMAIL) == []
    assert holding(programme, "bolat@example") == []
    # The load log still has the attempt and its checksum.
    assert rows(
        programme, "SELECT checksum FROM core.batch WHERE batch_id = ?", [result.batch_id]
    ) == [(result.checksum,)]


def test_a_refused_file_of_a_known_kind_is_kept_masked(programme, tmp_path):
    path = metrics_csv(
        tmp_path / "m.csv",
        f"2026-03-02,instagram,p1,,lots,5,,,,,,,,write to {EMAIL}",
        '2026-03-03,instagram,p2,,10,5,,,,,,,,"=HYPERLINK(""https://evil.example"",""x"")"',
        extra=",title",
    )
    result = load_file(programme, path, campaign="PDP-01")
    assert result.status == "rejected" and result.rows_rejected == 1
    name = stored(programme, result.batch_id)
    assert name and name.endswith(".masked.csv")
    text = (programme.files_dir / name).read_text(encoding="utf-8")
    assert EMAIL not in text and "write to [email]" in text
    assert "'=HYPERLINK" in text  # the masked copy is a download: no formula runs from it
    assert holding(programme, EMAIL) == []


def test_a_loaded_file_is_kept_as_received_unless_it_holds_contacts(programme, tmp_path):
    clean = metrics_csv(tmp_path / "clean.csv", "2026-03-02,instagram,p1,,10,5,,,,,,,")
    result = load_file(programme, clean, campaign="PDP-01")
    assert result.status == "loaded"
    name = stored(programme, result.batch_id)
    assert (programme.files_dir / name).read_bytes() == clean.read_bytes()

    phone = metrics_csv(
        tmp_path / "phone.csv",
        "2026-03-03,instagram,p2,,10,5,,,,,,,,call +7 701 123 45 67",
        extra=",title",
    )
    result = load_file(programme, phone, campaign="PDP-01")
    assert result.status == "loaded"
    name = stored(programme, result.batch_id)
    assert name.endswith(".masked.csv")
    assert "call [phone]" in (programme.files_dir / name).read_text(encoding="utf-8")

    # An e-mail anywhere in a workbook, even on a sheet the loader does not read.
    book = metrics_xlsx(tmp_path / "notes.xlsx", "post", notes=EMAIL)
    result = load_file(programme, book, campaign="PDP-01")
    assert result.status == "loaded"
    assert stored(programme, result.batch_id).endswith(".masked.csv")
    assert holding(programme, EMAIL) == []
    assert holding(programme, "701 123 45 67") == []


def test_participants_are_kept_masked_without_contact_columns(programme, tmp_path):
    path = write(
        tmp_path / "participants.csv",
        "event_code,event_name,event_date,event_type,region,sex,age_group,participants,phone\n"
        "EV1,Workshop,2026-03-10,workshop,Almaty,female,18-24,12,+7 701 123 45 67\n",
    )
    result = load_file(programme, path, campaign="PDP-01")
    assert result.status == "loaded", result.errors
    name = stored(programme, result.batch_id)
    assert name.endswith(".masked.csv")
    text = (programme.files_dir / name).read_text(encoding="utf-8")
    assert "phone" not in text.splitlines()[0] and "701" not in text


def test_the_set_up_workbook_holding_contacts_is_kept_as_a_masked_workbook(programme, tmp_path):
    sheets = {k: [list(r) for r in v] for k, v in PROGRAMME.items()}
    sheets["campaigns"][1][-1] = f"Explainers; contact {EMAIL}"
    result = load_file(programme, write_programme(tmp_path / "setup.xlsx", sheets))
    assert result.status == "loaded", result.errors
    name = stored(programme, result.batch_id)
    assert name.endswith(".masked.xlsx")
    book = openpyxl.load_workbook(programme.files_dir / name, read_only=True)
    assert {"organisations", "campaigns", "budget", "targets", "channels"} <= set(book.sheetnames)
    book.close()
    assert holding(programme, EMAIL) == []
    assert batches.download_name("setup.xlsx", name, result.batch_id) == "setup.masked.xlsx"
    assert batches.stored_path(programme, name) == (programme.files_dir / name).resolve()


# --- forget -----------------------------------------------------------------------------------


def _as_kept_before_screening(wh: Warehouse, batch_id: int, source: Path) -> Path:
    """Put ``source``'s bytes where the load log names batch ``batch_id``'s kept file, as a
    version that kept every file as received left them."""
    target = wh.files_dir / stored(wh, batch_id)
    target.write_bytes(source.read_bytes())
    return target


def test_forget_finds_the_person_in_kept_workbooks_and_csv_files(programme, tmp_path):
    loaded = {}
    for n in range(3):
        path = metrics_csv(tmp_path / f"m{n}.csv", f"2026-03-0{n + 2},instagram,p{n},,10,5,,,,,,,")
        loaded[n] = load_file(programme, path, campaign="PDP-01").batch_id
    holding_xlsx = _as_kept_before_screening(
        programme, loaded[0], metrics_xlsx(tmp_path / "old.xlsx", f"Write to {EMAIL.upper()}")
    )
    holding_csv = _as_kept_before_screening(
        programme,
        loaded[1],
        write(tmp_path / "old.csv", f"date,title\n2026-03-03,write to {EMAIL}\n", "cp1251"),
    )
    untouched = programme.files_dir / stored(programme, loaded[2])
    # A row kept aside for correction and an error message quoting the address.
    bad = metrics_csv(tmp_path / "bad.csv", f"2026-03-09,instagram,p9,,{EMAIL},5,,,,,,,")
    rejected = load_file(programme, bad, campaign="PDP-01")
    assert rejected.status == "rejected"
    assert rows(programme, "SELECT count(*) FROM core.batch_issue WHERE value = ?", [EMAIL])

    result = CliRunner().invoke(
        cli, ["--warehouse", str(programme.path), "forget", "--email", EMAIL.upper(), "--json"]
    )
    assert result.exit_code == 0, result.output
    summary = json.loads(result.output)
    assert summary["files_removed"] == 2
    assert summary["rejected_rows_removed"] == 1
    assert summary["issues_blacked_out"] >= 1
    assert not holding_xlsx.exists() and not holding_csv.exists() and untouched.exists()
    assert holding(programme, EMAIL) == []
    for batch_id in (loaded[0], loaded[1]):
        name, message, checksum = rows(
            programme,
            "SELECT stored_file, message, checksum FROM core.batch WHERE batch_id = ?",
            [batch_id],
        )[0]
        assert name is None and checksum and "removed on a request to forget" in message
    everything = " ".join(
        str(v)
        for table in ("core.batch_issue", "core.rejected_row")
        for row in rows(programme, f"SELECT * FROM {table}")
        for v in row
    )
    assert EMAIL not in everything.casefold()
    assert rows(programme, "SELECT files_removed FROM erasures") == [(2,)]


def test_forget_finds_a_phone_number_in_a_workbook_cell(programme, tmp_path):
    path = metrics_csv(tmp_path / "m.csv", "2026-03-02,instagram,p1,,10,5,,,,,,,")
    batch_id = load_file(programme, path, campaign="PDP-01").batch_id
    kept = _as_kept_before_screening(
        programme, batch_id, metrics_xlsx(tmp_path / "old.xlsx", "post", notes=PHONE_CELL)
    )
    # Digits of other cells run together must not be taken for the number.
    other = metrics_csv(tmp_path / "n.csv", "2026-03-03,instagram,7011234,,567,5,,,,,,,")
    other_id = load_file(programme, other, campaign="PDP-01").batch_id
    summary = _forget(programme, "--phone", "+7 (701) 123-45-67")
    assert summary["files_removed"] == 1
    assert not kept.exists()
    assert stored(programme, other_id) is not None


def _forget(wh: Warehouse, *args: str) -> dict:
    result = CliRunner().invoke(cli, ["--warehouse", str(wh.path), "forget", *args, "--json"])
    assert result.exit_code == 0, result.output
    return json.loads(result.output)


# --- retention --------------------------------------------------------------------------------


def _age(wh: Warehouse, batch_id: int, days: int) -> None:
    con = duckdb.connect(str(wh.path))
    try:
        con.execute(
            "UPDATE core.batch SET started_at = started_at - to_days(?) WHERE batch_id = ?",
            [days, batch_id],
        )
    finally:
        con.close()


def test_retention_removes_old_kept_files_on_a_load_and_keeps_newer_ones(programme, tmp_path):
    old = metrics_csv(tmp_path / "old.csv", "2026-03-02,instagram,p1,,10,5,,,,,,,")
    new = metrics_csv(tmp_path / "new.csv", "2026-03-03,instagram,p2,,10,5,,,,,,,")
    old_id = load_file(programme, old, campaign="PDP-01").batch_id
    new_id = load_file(programme, new, campaign="PDP-01").batch_id
    old_file, new_file = (programme.files_dir / stored(programme, b) for b in (old_id, new_id))
    _age(programme, old_id, 400)
    _age(programme, new_id, 300)
    orphan = programme.files_dir / "ab" / ("ab" + "0" * 62)
    orphan.parent.mkdir(exist_ok=True)
    orphan.write_text("a kept file no batch names any more")
    long_ago = (dt.datetime.now() - dt.timedelta(days=500)).timestamp()
    os.utime(orphan, (long_ago, long_ago))

    later = metrics_csv(tmp_path / "later.csv", "2026-03-04,instagram,p3,,10,5,,,,,,,")
    later_id = load_file(programme, later, campaign="PDP-01").batch_id  # default: 365 days

    assert not old_file.exists() and not orphan.exists()
    assert new_file.exists() and (programme.files_dir / stored(programme, later_id)).exists()
    name, checksum, message = rows(
        programme,
        "SELECT stored_file, checksum, message FROM core.batch WHERE batch_id = ?",
        [old_id],
    )[0]
    assert name is None and checksum
    assert "kept file removed by retention" in message and "365 days" in message


def test_forget_older_than_removes_kept_files_by_age(programme, tmp_path):
    path = metrics_csv(tmp_path / "m.csv", "2026-03-02,instagram,p1,,10,5,,,,,,,")
    batch_id = load_file(programme, path, campaign="PDP-01").batch_id
    _age(programme, batch_id, 40)
    before = files_on_disk(programme)
    summary = _forget(programme, "--older-than", "30")
    assert summary["files_removed"] == 1
    assert stored(programme, batch_id) is None
    assert len(files_on_disk(programme)) == len(before) - 1

    summary = _forget(programme, "--older-than", "0")
    assert summary["files_removed"] == len(before) - 1
    assert files_on_disk(programme) == []
    assert rows(programme, "SELECT count(*) FROM core.batch WHERE stored_file IS NOT NULL") == [
        (0,)
    ]
    result = CliRunner().invoke(
        cli, ["--warehouse", str(programme.path), "forget", "--older-than", "5", "--email", EMAIL]
    )
    assert result.exit_code == 2 and "without --email" in result.output


def test_keeping_no_files_at_all(programme, tmp_path, monkeypatch):
    monkeypatch.setenv("CAMPAIGNS_KEEP_FILES_DAYS", "0")
    path = metrics_csv(tmp_path / "m.csv", "2026-03-02,instagram,p1,,10,5,,,,,,,")
    result = load_file(programme, path, campaign="PDP-01")
    assert result.status == "loaded"
    assert stored(programme, result.batch_id) is None
    assert files_on_disk(programme) == []  # the programme's own kept files went too

    monkeypatch.setenv("CAMPAIGNS_KEEP_FILES_DAYS", "a year")
    out = CliRunner().invoke(
        cli, ["--warehouse", str(programme.path), "load", str(path), "-c", "FOE-02"]
    )
    assert out.exit_code == 2 and "CAMPAIGNS_KEEP_FILES_DAYS" in out.output
