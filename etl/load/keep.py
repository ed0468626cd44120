"""What is kept of a loaded file beside the warehouse (docs/data-management.md): its bytes as
received, or a masked copy of its rows as read, named by its checksum in the file store."""

from __future__ import annotations

import csv
import io
import os
import shutil
from collections.abc import Callable
from pathlib import Path

import duckdb

from etl import batches, forms
from etl.cells import neutral, neutral_sql
from etl.kinds import PERSONAL_FIELDS
from etl.load.result import LoadResult
from etl.privacy import Screening, holds_personal_data, mask_sql
from etl.stage import Staged
from etl.warehouse import Warehouse


def store_file(
    con: duckdb.DuckDBPyConnection,
    warehouse: Warehouse,
    path: Path,
    result: LoadResult,
    staged: dict[str, Staged],
    *,
    screening: Screening | None = None,
) -> str | None:
    """Keep what may be kept of a file beside the warehouse, named by its checksum; returns
    its name in the file store, or None when nothing is kept (docs/data-management.md):

    - nothing when ``CAMPAIGNS_KEEP_FILES_DAYS`` is 0, nor of a refused file none of whose
      rows were read as a known kind (its kind unknown, or a file-level error);
    - a masked copy of its rows as read (:func:`_store_masked`) of feedback and participants
      (files about people), of a refused file, and of any file that holds an e-mail address,
      a phone number or an IIN anywhere (``etl.privacy.holds_personal_data``);
    - else the bytes as received: metrics, spend, exchange rates and the set-up, screened.

    ``screening``, when given, is the screen of ``path`` already under way.
    """
    if batches.keep_days() == 0:
        return None
    checksum = result.checksum
    if (
        result.status != "loaded"
        or result.kind in ("feedback", "participants")
        or (screening.result() if screening is not None else holds_personal_data(path))
    ):
        return _store_masked(con, warehouse, staged, checksum) if staged else None
    return _keep(warehouse, f"{checksum[:2]}/{checksum}", lambda tmp: shutil.copyfile(path, tmp))


def _store_masked(
    con: duckdb.DuckDBPyConnection, warehouse: Warehouse, staged: dict[str, Staged], checksum: str
) -> str:
    """Keep a file as its rows as read, under its own headers: columns headed as names or
    contacts left out, e-mails, phone numbers and IINs masked (``etl.privacy``), every cell
    written as text a spreadsheet will not run (``etl.cells``). A one-table file is kept as
    CSV, a set-up workbook as a workbook of the sheets read."""
    if len(staged) == 1:
        text = _masked_csv(con, next(iter(staged.values())))
        return _keep(
            warehouse,
            f"{checksum[:2]}/{checksum}.masked.csv",
            lambda tmp: tmp.write_text(text, encoding="utf-8"),
        )
    tables = []
    for s in staged.values():
        cells = _masked_cells(s)
        rows = con.execute(
            f"SELECT {', '.join(expr for _, expr in cells) or 'NULL'} FROM {s.cells_source[0]} "
            "ORDER BY row_number"
        ).fetchall()
        header = [h for h, _ in cells]
        tables.append((s.sheet or s.kind, header, [[neutral(v) for v in r] for r in rows]))

    def write_workbook(tmp: Path) -> None:
        # Imported here: xlsxwriter takes about 30 ms to import, and only set-up workbooks
        # kept masked need it.
        import xlsxwriter

        book = xlsxwriter.Workbook(
            str(tmp), {"strings_to_formulas": False, "strings_to_urls": False}
        )
        for name, header, rows in tables:
            sheet = book.add_worksheet(name[:31])
            for r, row in enumerate([[neutral(h) for h in header], *rows]):
                for c, value in enumerate(row):
                    if value is not None:
                        sheet.write_string(r, c, str(value))
        book.close()

    return _keep(warehouse, f"{checksum[:2]}/{checksum}.masked.xlsx", write_workbook)


def _masked_cells(s: Staged) -> list[tuple[str, str]]:
    """(header, SQL) of the cells kept in a masked copy: contacts left out, text masked."""
    cells = cells_kept(s)
    if s.kind != "feedback":  # feedback's cells are chosen and masked already
        cells = [(h, mask_sql(expr)) for h, expr in cells if not forms.is_personal(h)]
    return cells


def _masked_csv(con: duckdb.DuckDBPyConnection, s: Staged) -> str:
    """The masked copy of a one-table file as CSV text, as ``csv.writer`` writes it.

    Each row's line is put together in SQL, its cells made safe there (``neutral_sql``, the
    rule of ``neutral``): only a row with a cell that needs quoting (a comma, a quote, a line
    break), or a row of one empty cell, is written by ``csv.writer`` itself."""
    cells = _masked_cells(s)
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow([neutral(h) for h in [h for h, _ in cells]])
    if not cells:
        count = con.execute(f"SELECT count(*) FROM {s.cells_source[0]}").fetchone()[0]
        writer.writerows([[None]] * count)
        return out.getvalue()
    values = ", ".join(f"{neutral_sql(expr)} AS v{i}" for i, (_, expr) in enumerate(cells))
    line = " || ',' || ".join(f"coalesce(v{i}, '')" for i in range(len(cells)))
    fields = ", ".join(f"v{i}" for i in range(len(cells)))
    plain = (
        f"NOT regexp_matches(line, '[\"\\r\\n]') AND "
        f"length(line) - length(replace(line, ',', '')) = {len(cells) - 1}"
        + (" AND line <> ''" if len(cells) == 1 else "")
    )
    rows = con.execute(
        f"SELECT CASE WHEN {plain} THEN line END, CASE WHEN NOT ({plain}) THEN [{fields}] END "
        f"FROM (SELECT row_number, {line} AS line, {fields} FROM (SELECT row_number, {values} "
        f"FROM {s.cells_source[0]})) ORDER BY row_number"
    ).fetchall()
    for text, row in rows:
        if text is None:
            writer.writerow(row)
        else:
            out.write(text)
            out.write("\n")
    return out.getvalue()


def cells_kept(s: Staged) -> list[tuple[str, str]]:
    """(header, SQL) of the cells kept from a row as received, under the file's own headers:
    feedback loses its contacts and has its text masked."""
    kept = []
    seen: set[str] = set()
    for i, h in enumerate(s.cells_source[1]):
        header = h or f"column {i + 1}"
        # A header named twice keeps both cells: the second under "name (2)".
        base, n = header, 1
        while header in seen:
            n += 1
            header = f"{base} ({n})"
        seen.add(header)
        if s.kind != "feedback":
            kept.append((header, f"c{i}"))
        elif not (forms.is_personal(header) or header in PERSONAL_FIELDS):
            kept.append((header, mask_sql(f"c{i}")))
    return kept


def _keep(warehouse: Warehouse, relative: str, write: Callable[[Path], object]) -> str:
    """Write a kept file once, atomically, at ``relative`` in the file store."""
    target = warehouse.files_dir / relative
    if not target.exists():
        target.parent.mkdir(parents=True, exist_ok=True)
        tmp = target.with_name(f".{target.name}.{os.getpid()}.tmp")
        write(tmp)
        os.replace(tmp, target)
    return relative
