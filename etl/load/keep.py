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
from etl.cells import FORMULA_START, neutral, neutral_sql
from etl.kinds import PERSONAL_FIELDS
from etl.load.result import LoadResult
from etl.privacy import Screening, holds_personal_data, mask_sql, none_in_sql
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
        only = next(iter(staged.values()))
        return _keep(
            warehouse,
            f"{checksum[:2]}/{checksum}.masked.csv",
            lambda tmp: _write_masked_csv(con, only, tmp),
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
    return (
        [(h, mask_sql(expr)) for h, expr in _unmasked_cells(s)]
        if s.kind != "feedback"
        else cells_kept(s)
    )


def _unmasked_cells(s: Staged) -> list[tuple[str, str]]:
    """(header, SQL) of the cells kept in a masked copy before ``mask_sql``: feedback's cells
    are chosen and masked already (``cells_kept``)."""
    cells = cells_kept(s)
    if s.kind != "feedback":
        cells = [(h, expr) for h, expr in cells if not forms.is_personal(h)]
    return cells


def _write_masked_csv(con: duckdb.DuckDBPyConnection, s: Staged, target: Path) -> None:
    """Write the masked copy of a one-table file to ``target`` as CSV, byte for byte as
    ``csv.writer`` (``lineterminator="\\n"``) writes its rows masked (``mask``) and made safe
    (``neutral``).

    Each row's line is put together in SQL and DuckDB writes the lines (``COPY``): no row comes
    into Python, and the copy is not held in memory. Most rows hold nothing to mask, no cell a
    spreadsheet would run and none that needs quoting, which two searches of the row's cells
    joined tell: their line is their cells as read. Only the other rows are masked, made safe
    (``mask_sql``, ``neutral_sql``) and quoted cell by cell (a CASE evaluates its branches only
    for the rows that take them)."""
    cells = _unmasked_cells(s)
    out = io.StringIO()
    csv.writer(out, lineterminator="\n").writerow([neutral(h) for h, _ in cells])
    if not cells:
        count = con.execute(f"SELECT count(*) FROM {s.cells_source[0]}").fetchone()[0]
        with target.open("w", encoding="utf-8", newline="") as fh:
            fh.write(out.getvalue())
            fh.writelines(['""\n'] * count)
        return
    exprs = [expr for _, expr in cells]
    alone = len(exprs) == 1
    by_cell = f"[{', '.join(exprs)}]"
    if s.kind != "feedback":  # feedback's cells are masked already (``cells_kept``)
        by_cell = f"list_transform({by_cell}, lambda x: {mask_sql('x')})"
    by_cell = f"list_transform({by_cell}, lambda x: {neutral_sql('x')})"
    by_cell = f"list_transform({by_cell}, lambda x: {_csv_field('x', alone=alone)})"
    by_cell = f"array_to_string({by_cell}, ',')"
    if s.kind == "feedback":
        line = by_cell
    else:
        joined = f"concat_ws(chr(31), {', '.join(exprs)})"
        starts = "".join(_CLASS_ESCAPES.get(c, c) for c in FORMULA_START)
        as_read = (
            f"{none_in_sql(exprs)} AND NOT regexp_matches({joined}, "
            f"'(^|\\x1f)[{starts}]|{_QUOTED_CHARS}')"
            + (f" AND coalesce({exprs[0]}, '') <> ''" if alone else "")
        )
        read_line = " || ',' || ".join(f"coalesce({expr}, '')" for expr in exprs)
        line = f"CASE WHEN {as_read} THEN {read_line} ELSE {by_cell} END"
    # The header line is the one column's name; the lines come in the rows' order, which is
    # the table's (DuckDB keeps the order of a scan without ORDER BY: preserve_insertion_order).
    header = out.getvalue()[:-1].replace('"', '""')
    con.execute(
        f'COPY (SELECT {line} AS "{header}" FROM {s.cells_source[0]}) '
        f"TO '{_sql_path(target)}' (FORMAT csv, HEADER true, QUOTE '', ESCAPE '', "
        "DELIMITER ',', NULLSTR '')"
    )


# Characters of ``FORMULA_START`` written in a regular expression's class.
_CLASS_ESCAPES = {"-": "\\-", "\t": "\\t", "\r": "\\r"}


def _quoted_by_csv_writer() -> str:
    """The characters that make ``csv.writer`` (``lineterminator="\\n"``) quote a field, as a
    regular expression's class: a comma, a quote, a line feed, and on some Python versions a
    carriage return."""
    out = io.StringIO()
    csv.writer(out, lineterminator="\n").writerow(["a\rb"])
    return '[,"\n\r]' if out.getvalue().startswith('"') else '[,"\n]'


_QUOTED_CHARS = _quoted_by_csv_writer()


def _csv_field(value: str, *, alone: bool) -> str:
    """The SQL of a field as ``csv.writer`` writes it: quoted (its quotes doubled) when it holds
    a character that needs it, or when it is the row's only field and empty; none is empty."""
    needs = f"coalesce(regexp_matches({value}, '{_QUOTED_CHARS}'), false)"
    if alone:
        needs = f"coalesce({value}, '') = '' OR {needs}"
    return (
        f"(CASE WHEN {needs} THEN '\"' || replace({value}, '\"', '\"\"') || '\"' "
        f"ELSE coalesce({value}, '') END)"
    )


def _sql_path(path: Path) -> str:
    return str(path).replace("'", "''")


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
