"""A file's rows stored as a DuckDB table of text cells, the row numbers a spreadsheet shows kept.

``RawTable`` describes such a table: ``raw_<n>`` has a ``row_number`` column (the row as a
spreadsheet shows it, header row included in the count) and one VARCHAR column ``c0..cN`` per
header cell. Rows read in Python are stored here; large CSV files are read by DuckDB itself
(``large_csv``).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import duckdb

from etl.headers import find_header_row
from etl.messages import message
from etl.reading.footers import set_footer_aside
from etl.reading.refusals import FileRejected


@dataclass
class RawTable:
    """A file's cells as DuckDB sees them: row_number and columns c0..cN, all text.

    ``table`` is something to select from: a temporary table, or for large files a query over
    the file itself, so that the cells are materialised only once, typed (see ``stage``).
    ``head`` holds the first data rows, for cheap looks at the data.
    """

    table: str
    header: list[str]
    header_row: int
    rows: int | None  # data rows, when known without a scan
    detected: dict = field(default_factory=dict)
    file_issues: list[tuple[int | None, str, str, str]] = field(default_factory=list)
    # (row, column, value, message) warnings about the reading itself
    head: list[list[str | None]] = field(default_factory=list)  # the first data rows
    preamble: list[str] = field(default_factory=list)  # title lines above the header


def preamble(rows: list[list[str | None]]) -> list[str]:
    """The title lines above a header, each as one line of text."""
    return [" ".join(c.strip() for c in r if c and c.strip()) for r in rows if any(r)]


def read_sheet(
    con: duckdb.DuckDBPyConnection,
    rows: list[list[str | None]],
    *,
    name: str,
    table: str,
    kinds: tuple[str, ...] | None = None,
) -> RawTable:
    """Store one sheet's rows as ``table``, its header found among the first rows."""
    if not rows or all(not any(c not in (None, "") for c in r) for r in rows):
        raise FileRejected(message("reading.empty_sheet", name=name))
    header_index = find_header_row(rows, kinds)
    raw = rows_to_table(con, rows, header_index, table, name)
    raw.preamble = preamble(rows[:header_index])
    return raw


def rows_to_table(
    con: duckdb.DuckDBPyConnection,
    rows: list[list[str | None]],
    header_index: int,
    table: str,
    name: str,
) -> RawTable:
    """``rows`` stored as ``table``: the row at ``header_index`` is the header, the footer is
    set aside, and cells beyond the header's width are left out with a warning."""
    header = [("" if c is None else str(c)) for c in rows[header_index]]
    width = len(header)
    data, issues = set_footer_aside(rows[header_index + 1 :], width, header_index + 2)
    columns: list[list[str | None]] = [[] for _ in range(width)]
    numbers = []
    for offset, row in enumerate(data):
        row_number = header_index + 2 + offset
        numbers.append(row_number)
        if len(row) > width:
            extra = [c for c in row[width:] if c is not None and str(c).strip()]
            if extra:
                issues.append(
                    (
                        row_number,
                        "",
                        ", ".join(map(str, extra))[:200],
                        f"row has {len(row)} cells but the header has {width}; the extra cells "
                        "were ignored: move them under a header or delete them",
                    )
                )
        for i in range(width):
            v = row[i] if i < len(row) else None
            if v is not None and not isinstance(v, str):
                v = str(v)
            columns[i].append(v if v is not None and v.strip() else None)
    _register(con, table, numbers, columns)
    return RawTable(
        table, header, header_index + 1, len(data), {"reader": "python"}, issues, head=data[:5000]
    )


def numbered_table(
    con: duckdb.DuckDBPyConnection,
    table: str,
    header: list[str],
    rows: list[tuple[int, list[str | None]]],
    like: RawTable,
) -> RawTable:
    """``rows`` (row number in the file, cells) stored as ``table``, described like ``like``."""
    width = len(header)
    columns: list[list[str | None]] = [[] for _ in range(width)]
    for _, cells in rows:
        for i in range(width):
            v = cells[i] if i < len(cells) else None
            columns[i].append(v if v is not None and str(v).strip() else None)
    _register(con, table, [n for n, _ in rows], columns)
    return RawTable(
        table,
        header,
        like.header_row,
        len(rows),
        dict(like.detected),
        list(like.file_issues),
        head=[cells for _, cells in rows[:5000]],
        preamble=like.preamble,
    )


def _register(con, table: str, numbers: list[int], columns: list[list[str | None]]) -> None:
    # Imported here: pyarrow takes about 150 ms to import, and only files read in Python
    # (the smaller ones) take this path.
    import pyarrow as pa

    arrays = {"row_number": pa.array(numbers, pa.int64())}
    for i, values in enumerate(columns):
        arrays[f"c{i}"] = pa.array([None if v is None else str(v) for v in values], pa.string())
    con.register("_rows", pa.table(arrays))
    try:
        con.execute(f"CREATE OR REPLACE TEMP TABLE {table} AS SELECT * FROM _rows")
    finally:
        con.unregister("_rows")
