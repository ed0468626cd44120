"""Writing a checked file as one batch, in one transaction: the batch's row, its facts (see
``facts``), its errors and warnings, the rows set aside as received, and what is kept of it."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable
from pathlib import Path

import duckdb

from etl import batches, derived, facts, reporting
from etl.load.keep import cells_kept, store_file
from etl.load.result import SUMMARY_CODE, Issue, LoadResult, summary, summary_fields
from etl.messages import message
from etl.normalise import q
from etl.privacy import Screening
from etl.stage import Staged
from etl.warehouse import Warehouse

MAX_ERRORS_REPORTED = 1000


def write_batch(
    con: duckdb.DuckDBPyConnection,
    warehouse: Warehouse,
    path: Path,
    result: LoadResult,
    staged: dict[str, Staged],
    *,
    stored: bool,
    started: dt.datetime,
    kind: str | None,
    campaign: str | None,
    dry_run: bool,
    skip_invalid: bool,
    source: str,
    user: str,
    step: Callable[[str], None],
    screening: Screening | None = None,
) -> None:
    """Write the checked file as one batch in one transaction, rolled back on a dry run or
    when anything fails. ``screening`` is the file's screen for personal data, when one was
    started early (``keep.store_file``)."""
    con.execute("BEGIN TRANSACTION")
    try:
        batch_id = _open_batch(
            con,
            path,
            result,
            started=started,
            kind=kind,
            campaign=campaign,
            source=source,
            user=user,
            dry_run=dry_run,
        )
        if _loadable(con, result, staged, skip_invalid=skip_invalid):
            step("writing")
            _write_facts(con, result, staged, campaign=campaign, batch_id=batch_id)
            result.status = "dry_run" if dry_run else "loaded"
            if _locked(con, result, batch_id):
                result.status = "dry_run" if dry_run else "rejected"
            else:
                derived.refresh_batch(con, batch_id)
        else:
            result.status = "dry_run" if dry_run else "rejected"
            result.rows_loaded = 0
        result.message = summary(result)
        if not dry_run:
            # What is kept of the file, if anything (see keep.store_file); then the kept files
            # past the retention period (CAMPAIGNS_KEEP_FILES_DAYS) go.
            kept = (
                store_file(con, warehouse, path, result, staged, screening=screening)
                if stored
                else None
            )
            batches.prune_kept_files(con, warehouse, spare=[kept])
            _close_batch(con, result, kept, batch_id)
            _record_issues(con, batch_id, result, staged)
    except BaseException:
        con.execute("ROLLBACK")
        raise
    con.execute("ROLLBACK" if dry_run else "COMMIT")


def _open_batch(
    con: duckdb.DuckDBPyConnection,
    path: Path,
    result: LoadResult,
    *,
    started: dt.datetime,
    kind: str | None,
    campaign: str | None,
    source: str,
    user: str,
    dry_run: bool,
) -> int:
    """Insert the batch's row (refused until it is closed); returns its id."""
    batch_id = con.execute("SELECT nextval('core.batch_id_seq')").fetchone()[0]
    result.batch_id = None if dry_run else batch_id
    con.execute(
        "INSERT INTO core.batch (batch_id, kind, campaign_code, source, source_name, loaded_by,"
        " checksum, file_bytes, started_at, status) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, 'rejected')",
        [
            batch_id,
            kind or "unknown",
            campaign,
            source,
            result.file,
            user,
            result.checksum,
            path.stat().st_size,
            started,
        ],
    )
    return batch_id


def _loadable(
    con: duckdb.DuckDBPyConnection,
    result: LoadResult,
    staged: dict[str, Staged],
    *,
    skip_invalid: bool,
) -> bool:
    """Gather the issues, count the rows with errors, and decide whether the file loads:
    no file error, no row error (or ``skip_invalid``), and a row left to load."""
    _collect_issues(con, result, staged)
    rows_with_errors = _rows_with_errors(con, staged)
    file_errors = [i for i in result.errors if i.row is None]
    result.rows_rejected = rows_with_errors
    loadable = not file_errors and (rows_with_errors == 0 or skip_invalid)
    if loadable and staged and result.rows_read - rows_with_errors - result.rows_skipped <= 0:
        empty = Issue(None, None, None, message("load.no_rows"))
        result.errors.insert(0, empty)
        result._py_issues.append(empty)
        result.errors_total += 1
        loadable = False
    result.would_load = loadable
    return loadable


def _write_facts(
    con: duckdb.DuckDBPyConnection,
    result: LoadResult,
    staged: dict[str, Staged],
    *,
    campaign: str | None,
    batch_id: int,
) -> None:
    """Set the rows with errors aside, then write the facts of the staged tables."""
    for s in staged.values():
        if result.rows_rejected:
            con.execute(
                f"DELETE FROM {s.table}_cells WHERE row_number IN (SELECT row_number FROM "
                f"{s.issues_table} WHERE severity = 'error')"
            )
    if result.kind == "programme":
        loaded, replaced = facts.write_programme(
            con, {k: s.table for k, s in staged.items()}, batch_id
        )
        result.rows_loaded = sum(
            con.execute(f"SELECT count(*) FROM {s.table}").fetchone()[0] for s in staged.values()
        )
    else:
        s = next(iter(staged.values()))
        loaded, replaced = facts.WRITERS[result.kind](con, s.table, campaign, batch_id)
        result.rows_loaded = con.execute(f"SELECT count(*) FROM {s.table}").fetchone()[0]
    result.records_written, result.rows_replaced = loaded, replaced


def _locked(con: duckdb.DuckDBPyConnection, result: LoadResult, batch_id: int) -> bool:
    """Whether the batch changes figures of an approved (locked) reporting period of its
    campaign (``etl.reporting.check_locks``). If so it is refused whole: what it wrote is taken
    back in this transaction, and its error names the lock."""
    try:
        reporting.check_locks(con, batch_id)
    except reporting.PeriodLocked as exc:
        facts.undo(con, batch_id)
        locked = Issue(None, None, None, exc.args[0])
        result.errors.insert(0, locked)
        result._py_issues.append(locked)
        result.errors_total += 1
        result.rows_loaded = result.records_written = result.rows_replaced = 0
        result.would_load = False
        return True
    return False


def _close_batch(
    con: duckdb.DuckDBPyConnection, result: LoadResult, kept: str | None, batch_id: int
) -> None:
    """Record in the batch's row what the load did."""
    con.execute(
        "UPDATE core.batch SET kind = ?, platform = ?, status = ?, stored_file = ?, "
        "rows_read = ?, rows_loaded = ?, rows_rejected = ?, rows_replaced = ?, rows_blank = ?, "
        "detected = ?, message = ?, message_code = ?, message_params = ?, finished_at = ? "
        "WHERE batch_id = ?",
        [
            result.kind or "unknown",
            result.platform,
            result.status,
            kept,
            result.rows_read,
            result.rows_loaded,
            result.rows_rejected,
            result.rows_replaced,
            result.rows_blank,
            json.dumps(result.detected, ensure_ascii=False, default=str),
            result.message,
            SUMMARY_CODE,
            json.dumps(summary_fields(result), default=str),
            dt.datetime.now(),
            batch_id,
        ],
    )


def _collect_issues(con, result: LoadResult, staged: dict[str, Staged]) -> None:
    """Merge the row issues found in SQL with those found while reading the file."""
    py_errors, py_warnings = list(result.errors), list(result.warnings)
    result.errors_total, result.warnings_total = len(py_errors), len(py_warnings)
    union = _issue_union(staged)
    if union:
        for severity, count in con.execute(
            f"SELECT severity, count(*) FROM ({union}) GROUP BY 1"
        ).fetchall():
            if severity == "error":
                result.errors_total += count
            else:
                result.warnings_total += count
        for severity, target in (("error", result.errors), ("warning", result.warnings)):
            rows = con.execute(
                f"SELECT row_number, column_name, value, message, severity, code, params "
                f"FROM ({union}) "
                f"WHERE severity = ? ORDER BY row_number, column_name LIMIT ?",
                [severity, MAX_ERRORS_REPORTED],
            ).fetchall()
            target.extend(Issue(*row) for row in rows)
    result.errors.sort(key=lambda i: (i.row is not None, i.row or 0))
    result.warnings.sort(key=lambda i: (i.row is not None, i.row or 0))
    result._py_issues = py_errors + py_warnings


def _rows_with_errors(con, staged: dict[str, Staged]) -> int:
    total = 0
    for s in staged.values():
        total += con.execute(
            f"SELECT count(DISTINCT row_number) FROM {s.issues_table} WHERE severity = 'error'"
        ).fetchone()[0]
    return total


def _record_issues(con, batch_id: int, result: LoadResult, staged: dict[str, Staged]) -> None:
    union = _issue_union(staged)
    if union:
        con.execute(
            f"INSERT INTO core.batch_issue (batch_id, severity, row_number, column_name, value, "
            f"message, code, params) SELECT ?, severity, row_number, column_name, value, "
            f"message, code, params FROM ({union})",
            [batch_id],
        )
    for i in getattr(result, "_py_issues", []):
        con.execute(
            "INSERT INTO core.batch_issue (batch_id, severity, row_number, column_name, value, "
            "message, code, params) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            [
                batch_id,
                i.severity,
                i.row,
                i.column,
                i.value,
                i.message,
                i.code,
                json.dumps(i.params, ensure_ascii=False, default=str) if i.code else None,
            ],
        )
    if not result.rows_rejected:
        return
    for s in staged.values():
        pairs = ", ".join(f"{q(h)}, {expr}" for h, expr in cells_kept(s))
        source = s.cells_source[0]
        con.execute(
            f"INSERT INTO core.rejected_row SELECT ?, row_number, json_object({pairs})::VARCHAR "
            f"FROM {source} WHERE row_number IN (SELECT row_number FROM {s.issues_table} "
            f"WHERE severity = 'error')",
            [batch_id],
        )


def _issue_union(staged: dict[str, Staged]) -> str | None:
    parts = []
    for s in staged.values():
        prefix = f"'{s.sheet}: ' || " if getattr(s, "sheet", None) else ""
        parts.append(
            f"SELECT row_number, {prefix}column_name AS column_name, value, message, severity, "
            f"code, params FROM {s.issues_table}"
        )
    return " UNION ALL ".join(parts) if parts else None
