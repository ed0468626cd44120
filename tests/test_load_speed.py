"""The loader's quick paths give what the slow ones give: the masked copy of a file written row
by row in SQL equals what ``csv.writer`` writes of the same cells, duplicates found by grouping
name the same first rows, and a large file (read by DuckDB, hashed while its text is checked,
screened for personal data while it loads) loads as the same bytes read in Python do."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import duckdb
from conftest import METRICS_HEADER, copy_warehouse, write

from etl import reading
from etl.cells import neutral
from etl.load import load_file
from etl.privacy import mask
from etl.warehouse import Warehouse

PARTICIPANTS_HEADER = (
    "event_code,event_name,event_date,event_type,region,sex,age_group,participants"
)


def _rows(wh: Warehouse, sql: str, params: list | None = None) -> list[tuple]:
    con = duckdb.connect(str(wh.path), read_only=True)
    try:
        return con.execute(sql, params or []).fetchall()
    finally:
        con.close()


def _kept_text(wh: Warehouse, batch_id: int) -> str:
    (name,) = _rows(wh, "SELECT stored_file FROM core.batch WHERE batch_id = ?", [batch_id])[0]
    assert name.endswith(".masked.csv")
    return (wh.files_dir / name).read_bytes().decode("utf-8")


def _expected_masked(text: str) -> str:
    """The masked copy worked out here: the file's rows as the csv module reads them, blank
    cells as none, each cell masked and made safe, written by ``csv.writer``."""
    records = list(csv.reader(io.StringIO(text, newline="")))
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow([neutral(h) for h in records[0]])
    for record in records[1:]:
        cells = [c if c.strip() else None for c in record]
        writer.writerow([neutral(mask(c)) for c in cells])
    return out.getvalue()


# Cells that need quoting, formulas, negative numbers, contacts, text in other scripts.
ODD_NAMES = [
    "Workshop",
    "Workshop, day 1",
    'The "Open data" school',
    "two\nlines",
    '=HYPERLINK("http://x")',
    "+cmd|' /C calc'!A0",
    "-1 500,5",
    "@home",
    "write to aigerim@example.kz",
    "call +7 701 123 45 67 now",
    "IIN 900101300123",
    "Семинар «Медиаграмотность»",
    "",
    "   ",
    "'quoted",
    "carriage\rreturn",
    "\t=tab first",
    "unit\x1f=separator",
    'café, "the" one',
]


def test_the_masked_copy_is_what_csv_writer_writes_of_the_masked_cells(programme, tmp_path):
    lines = [PARTICIPANTS_HEADER]
    for i, name in enumerate(ODD_NAMES):
        quoted = '"' + name.replace('"', '""') + '"'
        lines.append(f"EV{i},{quoted},2026-03-10,workshop,Almaty,female,18-24,{i + 1}")
    text = "\n".join(lines) + "\n"
    path = write(tmp_path / "participants.csv", text)
    result = load_file(programme, path, campaign="PDP-01")
    assert result.status == "loaded", result.errors
    assert _kept_text(programme, result.batch_id) == _expected_masked(text)


def test_the_masked_copy_of_a_large_file_is_what_csv_writer_writes(programme, tmp_path):
    """A file read by DuckDB: most rows plain (written as read), odd cells among them in
    its names (masked, made safe and quoted cell by cell). Over two of DuckDB's row groups
    (122,880 rows), which it reads and writes in parallel: the lines keep the file's order."""
    # What DuckDB's reader reads as the csv module does (it keeps a cell of spaces as written).
    names = [n for n in ODD_NAMES if n.isprintable() and (n.strip() or not n)]
    lines = [PARTICIPANTS_HEADER]
    i = size = 0
    while size < reading.FAST_PATH_BYTES + 100_000 or i < 300_000:
        odd = names[i % len(names)] if i % 7 == 0 else f"Event {i}"
        quoted = '"' + odd.replace('"', '""') + '"'
        lines.append(f"EV{i},{quoted},2026-03-10,workshop,Almaty,female,18-24,{i % 40 + 1}")
        size += len(lines[-1]) + 1
        i += 1
    text = "\n".join(lines) + "\n"
    path = write(tmp_path / "participants.csv", text)
    result = load_file(programme, path, campaign="PDP-01", skip_invalid=True)
    assert result.status == "loaded", result.errors[:3]
    assert result.detected.get("reader") == "duckdb"
    assert _kept_text(programme, result.batch_id) == _expected_masked(text)


def test_duplicates_name_the_first_row_with_the_same_keys(programme, tmp_path):
    rows = [
        "2026-03-04,instagram,p1,,100,50,,,,,,,",
        "2026-03-04,telegram,p1,,100,50,,,,,,,",
        "2026-03-04,Instagram,p1,,100,50,,,,,,,",  # row 4: the same as row 2
        "2026-03-05,instagram,p1,,100,50,,,,,,,",
        "2026-03-04,instagram,,,100,50,,,,,,,",  # a channel row: another key
        "04.03.2026,instagram,p1,,100,50,,,,,,,",  # row 7: the same day as row 2
        "2026-03-05,instagram,p1,,100,50,,,,,,,",  # row 8: the same as row 5
    ]
    path = write(tmp_path / "m.csv", METRICS_HEADER + "\n" + "\n".join(rows) + "\n")
    result = load_file(programme, path, campaign="PDP-01")
    duplicates = sorted(
        (i.row, i.params["first_row"])
        for i in result.errors
        if i.code == "stage.duplicate_post_row"
    )
    assert duplicates == [(4, 2), (7, 2), (8, 5)]


def test_a_large_file_loads_as_the_same_rows_read_in_python(programme, tmp_path):
    """The same rows, with numbers and dates in several forms and cells that do not read, load
    the same through DuckDB's reader (a large file) as through the Python reader (the same file
    ending in a blank line, which DuckDB would skip): the same figures, row numbers and
    messages."""
    forms = [
        ("2026-03-04", "1 234", "12"),
        ("04.03.2026", "1234", "12.0"),
        ("2026-03-05", "1,234", "1.5"),  # a fraction of a count: an error
        ("05.03.2026", "12k", "3"),  # 12k: an error suggesting 12000
        ("2026-03-06", "n/a", "4"),
        ("2026-03-40", "10", "5"),  # no such day: an error
        ("46086", "7", "7"),  # an Excel serial date
        ("2026-03-07", "-5", "2"),  # a count below zero: an error
        ("2026-03-08", "12%", "1"),
    ]
    lines = [METRICS_HEADER]
    for i in range(200_000):
        day, impressions, likes = forms[i % len(forms)]
        lines.append(
            f'{day},instagram,p{i},https://example.org/p/{i},"{impressions}",,,"{likes}",,,,,'
        )
    text = "\n".join(lines) + "\n"
    big = write(tmp_path / "big.csv", text)
    assert big.stat().st_size > reading.FAST_PATH_BYTES
    blank_end = write(tmp_path / "blank_end.csv", text + "\n")
    other = copy_warehouse(programme, tmp_path / "other" / "warehouse.duckdb")

    large = load_file(programme, big, campaign="PDP-01", skip_invalid=True)
    small = load_file(other, blank_end, campaign="PDP-01", skip_invalid=True)

    assert large.detected.get("reader") == "duckdb"
    assert small.detected.get("reader") != "duckdb"
    assert (large.status, small.status) == ("loaded", "loaded"), (
        large.errors[:2],
        small.errors[:2],
    )
    for field in ("rows_read", "rows_loaded", "rows_rejected", "errors_total", "warnings_total"):
        assert getattr(large, field) == getattr(small, field), field
    assert [(i.row, i.column, i.value, i.code, i.params) for i in large.errors] == [
        (i.row, i.column, i.value, i.code, i.params) for i in small.errors
    ]
    figures = (
        "SELECT source_row, metric_date, impressions, likes FROM core.metric_observation "
        "ORDER BY source_row"
    )
    assert _rows(programme, figures) == _rows(other, figures)
    assert len(_rows(programme, figures)) == large.rows_loaded > 0


def test_a_large_file_sent_again_is_recognised_by_its_checksum(programme, tmp_path):
    lines = [METRICS_HEADER]
    lines += [f"2026-03-04,instagram,p{i},,{i + 1},,,,,,,," for i in range(250_000)]
    big = write(tmp_path / "big.csv", "\n".join(lines) + "\n")
    assert big.stat().st_size > reading.FAST_PATH_BYTES
    first = load_file(programme, big, campaign="PDP-01")
    assert first.status == "loaded", first.errors
    again = load_file(programme, Path(big), campaign="PDP-01")
    assert again.status == "already_loaded"
    assert again.previous_batch_id == first.batch_id
