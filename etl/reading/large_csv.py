"""DuckDB's own reader for large CSV files, which are not held in memory.

The file is parsed straight into a temporary table whose rowid is the record number; a file in
another encoding than UTF-8 is transcoded to a temporary copy first (``remove_temporary_files``
deletes the copies once a load is done). DuckDB's messages name the file's path: a file it
cannot parse is refused in our words instead.
"""

from __future__ import annotations

import re
import tempfile
from pathlib import Path

import duckdb

from etl.messages import message
from etl.reading.refusals import FileRejected, Limits, limits, too_long_line, too_many_cells


def duckdb_csv(
    con: duckdb.DuckDBPyConnection,
    path: Path,
    encoding: str,
    delimiter: str,
    header_index: int,
    width: int,
    table: str,
    name: str = "",
    lim: Limits | None = None,
) -> str:
    """A query over a large CSV parsed by DuckDB into ``table``, giving its data rows.

    Row numbers follow the file's record order. DuckDB reads UTF-8 only, so other encodings
    are transcoded to a temporary file first (removed when the connection's work is done).
    What DuckDB cannot parse is refused in our words: its own messages name the file's path.
    """
    lim = lim or limits()
    name = name or path.name
    src = path
    if encoding not in ("utf-8", "utf-8-sig"):
        fd, tmp_name = tempfile.mkstemp(suffix=".csv")
        src = Path(tmp_name)
        _TRANSCODED.append(src)
        try:
            with (
                open(path, encoding=encoding, newline="") as fin,
                open(fd, "w", encoding="utf-8", newline="") as fout,
            ):
                while chunk := fin.read(1 << 20):
                    fout.write(chunk)
        except UnicodeError:
            raise FileRejected(
                message("reading.wrong_encoding", name=name, encoding=encoding)
            ) from None
    columns = {f"c{i}": "VARCHAR" for i in range(max(width, 1))}
    escaped = str(src).replace("'", "''")
    delim = delimiter.replace("'", "''")
    reader = (
        f"read_csv('{escaped}', header = false, delim = '{delim}', quote = '\"', "
        f"escape = '\"', columns = {columns!r}, null_padding = true, strict_mode = false, "
        f"auto_detect = false, max_line_size = {lim.line_chars})"
    )
    # A new table keeps the records in file order, so its rowid is the record number: cheaper
    # than numbering them with a window over the reader, which runs on one thread. (Inside an
    # open transaction new rows get provisional rowids: the caller reads outside one.)
    try:
        con.execute(f"CREATE OR REPLACE TEMP TABLE {table} AS SELECT * FROM {reader}")
    except duckdb.OutOfMemoryException:
        raise  # not the file's fault: the upload's memory limit says so
    except duckdb.Error as exc:
        raise FileRejected(_duckdb_refusal(name, str(exc), lim)) from None
    (rows,) = con.execute(f"SELECT count(*) FROM {table}").fetchone()
    if rows * max(width, 1) > lim.cells:
        raise FileRejected(too_many_cells(name, lim))
    return f"(SELECT rowid + 1 AS row_number, * FROM {table} WHERE rowid + 1 > {header_index + 1})"


_TRANSCODED: list[Path] = []


def _duckdb_refusal(name: str, error: str, lim: Limits) -> str:
    """Why DuckDB could not read a CSV file, without its message (which names the path)."""
    line = re.search(r"Line: (\d+)", error)
    if "maximum line size" in error.casefold():
        return too_long_line(name, int(line.group(1)) if line else None, lim)
    if line:
        return message("reading.not_csv_line", name=name, line=int(line.group(1)))
    return message("reading.not_csv", name=name)


def remove_temporary_files() -> None:
    """Delete transcoded copies made for DuckDB's reader."""
    while _TRANSCODED:
        _TRANSCODED.pop().unlink(missing_ok=True)
