"""The load log: listing campaigns and batches, undoing a batch, and what a batch kept for the
people who sent it: the file as received (or its masked copy) and its rejected rows with their
errors, and how long kept files stay (``CAMPAIGNS_KEEP_FILES_DAYS``, :func:`prune_kept_files`)."""

from __future__ import annotations

import csv
import datetime as dt
import getpass
import io
import json
import os
import re
from collections.abc import Iterable, Mapping
from pathlib import Path, PurePath

from etl import derived, facts, reporting
from etl.cells import neutral_text
from etl.load.result import UsageError
from etl.messages import message
from etl.warehouse import Warehouse

# What a kept file is called in the file store: its checksum, in a folder named by the first two
# characters; a file kept masked (feedback, participants, a refused file, a file holding
# contacts) is a CSV of its rows as read, or a workbook of its sheets.
_STORED_NAME = re.compile(r"[0-9a-f]{2}/[0-9a-f]{64}(\.masked\.(csv|xlsx))?")
KEEP_DAYS_VAR = "CAMPAIGNS_KEEP_FILES_DAYS"
DEFAULT_KEEP_DAYS = 365


class UndoRefused(ValueError):
    """The batch cannot be undone; the message says why and what to do."""


def _records(con, sql: str, params: list | None = None) -> list[dict]:
    cur = con.execute(sql, params or [])
    names = [d[0] for d in cur.description]
    return [dict(zip(names, row, strict=True)) for row in cur.fetchall()]


def campaigns(warehouse: Warehouse) -> list[dict]:
    """Every current campaign with its organisation, period and status."""
    with warehouse.reader() as con:
        return _records(
            con,
            "SELECT code, name, organisation_code, coalesce(organisation_name, "
            "organisation_code) AS organisation, thematic_area, regions, languages, start_date, "
            "end_date, status FROM campaigns ORDER BY code",
        )


def batches(warehouse: Warehouse, *, campaign: str | None = None, limit: int = 50) -> list[dict]:
    """The newest loads first."""
    with warehouse.reader() as con:
        return _records(
            con,
            "SELECT batch_id, started_at, finished_at, status, kind, platform, campaign_code, "
            "source, source_name, loaded_by, checksum, rows_read, rows_loaded, rows_rejected, "
            "rows_replaced, rows_blank, message, undone_at, undone_by FROM loads "
            "WHERE ? IS NULL OR campaign_code = ? ORDER BY batch_id DESC LIMIT ?",
            [campaign, campaign, limit],
        )


def issues(warehouse: Warehouse, batch_id: int) -> list[dict]:
    """Errors and warnings recorded for one batch, by row."""
    with warehouse.reader() as con:
        return _records(
            con,
            "SELECT severity, row_number, column_name, value, message FROM load_issues "
            "WHERE batch_id = ? ORDER BY row_number NULLS FIRST, column_name",
            [batch_id],
        )


def undo(warehouse: Warehouse, batch_id: int, *, undone_by: str | None = None) -> dict:
    """Revert one loaded batch exactly, in one transaction."""
    who = undone_by or os.environ.get("CAMPAIGNS_USER") or getpass.getuser()
    with warehouse.writer() as con:
        row = con.execute(
            "SELECT status, source_name FROM core.batch WHERE batch_id = ?", [batch_id]
        ).fetchone()
        if row is None:
            raise UndoRefused(message("undo.no_batch", batch=batch_id))
        if row[0] != "loaded":
            raise UndoRefused(
                message("undo.not_loaded", batch=batch_id, file=row[1], status=row[0])
            )
        blocking = facts.dependants(con, batch_id)
        if blocking:
            listed = ", ".join(f"{code} (batch {b})" for code, b in blocking)
            raise UndoRefused(message("undo.used_later", batch=batch_id, campaigns=listed))
        con.execute("BEGIN TRANSACTION")
        try:
            # A row removed or restored in an approved period of its campaign: refused.
            try:
                reporting.check_locks(con, batch_id)
            except reporting.PeriodLocked as exc:
                raise UndoRefused(exc.args[0]) from None
            restored = sum(
                con.execute(
                    f"SELECT count(*) FROM core.{t} WHERE superseded_by = ?", [batch_id]
                ).fetchone()[0]
                for t in facts.TABLES
            )
            derived.note_batch(con, batch_id)
            removed = facts.undo(con, batch_id)
            derived.refresh_noted(con)
            con.execute(
                "UPDATE core.batch SET status = 'undone', undone_at = "
                "current_timestamp::TIMESTAMP, undone_by = ? WHERE batch_id = ?",
                [who, batch_id],
            )
            con.execute("COMMIT")
        except BaseException:
            con.execute("ROLLBACK")
            raise
    return {
        "batch_id": batch_id,
        "status": "undone",
        "rows_removed": removed,
        "rows_restored": restored,
    }


def stored_path(warehouse: Warehouse, stored_file: str | None) -> Path | None:
    """The kept copy named ``stored_file`` (as ``core.batch.stored_file`` holds it) inside the
    warehouse's file store, or None when there is none, the name is not a kept file's name,
    or it would resolve outside the store."""
    if not stored_file or not _STORED_NAME.fullmatch(stored_file):
        return None
    root = warehouse.files_dir.resolve()
    path = (root / stored_file).resolve()
    if not path.is_relative_to(root) or not path.is_file():
        return None
    return path


def download_name(source_name: str | None, stored_file: str, batch_id: int) -> str:
    """The name a kept file is offered under: the name it was sent with (its last part only,
    without control characters), or ``batch-<id>``; a masked copy says so."""
    text = re.sub(r"[\x00-\x1f\x7f]", "", str(source_name or "")).replace("\\", "/")
    name = PurePath(text).name.strip()
    if not name.strip("."):
        name = f"batch-{batch_id}"
    for suffix in (".masked.csv", ".masked.xlsx"):
        if stored_file.endswith(suffix):
            return f"{PurePath(name).stem or name}{suffix}"
    return name


def _cell(value: object) -> str:
    """A cell as written to a CSV a spreadsheet may open (``etl.cells.neutral``): text that
    would run as a formula gets a leading apostrophe; negative numbers (``-5``, ``-1 500,5``)
    are left as they are."""
    return neutral_text(value)


# --- how long kept files stay ----------------------------------------------------------------


def keep_days() -> int:
    """Days a kept file stays after the last load that kept it (``CAMPAIGNS_KEEP_FILES_DAYS``,
    default 365); 0 keeps none."""
    raw = os.environ.get(KEEP_DAYS_VAR, "").strip()
    if not raw:
        return DEFAULT_KEEP_DAYS
    try:
        days = int(raw)
    except ValueError:
        days = -1
    if days < 0:
        raise UsageError(
            f"{KEEP_DAYS_VAR} is '{raw}'; give a whole number of days (0 keeps no file)"
        )
    return days


def kept_files(warehouse: Warehouse) -> list[Path]:
    """Every kept file in the warehouse's file store (by its name, whatever the load log
    says)."""
    root = warehouse.files_dir
    if not root.is_dir():
        return []
    return sorted(
        p
        for p in root.glob("*/*")
        if p.is_file() and _STORED_NAME.fullmatch(p.relative_to(root).as_posix())
    )


def prune_kept_files(
    con,
    warehouse: Warehouse,
    *,
    days: int | None = None,
    spare: Iterable[str | None] = (),
    now: dt.datetime | None = None,
) -> dict:
    """Remove the kept files older than ``days`` (default :func:`keep_days`), on ``con`` inside
    the caller's transaction: a file goes when every batch that kept it started before the
    cut-off (a file no batch names, when it was last written before it). The batches keep their
    checksum and say the file was removed by retention. ``spare`` names files to leave (the
    file the load under way just kept). The files are deleted before the caller commits: a
    failure after that leaves batches naming a file that is gone, which reads as none kept.
    """
    days = keep_days() if days is None else days
    now = now or dt.datetime.now()
    cutoff = now - dt.timedelta(days=days)
    spared = {s for s in spare if s}
    rows = con.execute(
        "SELECT stored_file, max(started_at) FROM core.batch WHERE stored_file IS NOT NULL "
        "GROUP BY stored_file"
    ).fetchall()
    named = {name: last for name, last in rows}
    old = sorted(n for n, last in named.items() if last < cutoff and n not in spared)
    note = f"; kept file removed by retention on {now:%Y-%m-%d} (kept {days} days)"
    batches_changed = 0
    for name in old:
        batches_changed += con.execute(
            "UPDATE core.batch SET stored_file = NULL, message = coalesce(message, '') || ? "
            "WHERE stored_file = ?",
            [note, name],
        ).fetchone()[0]
    removed = 0
    root = warehouse.files_dir
    for name in old:
        path = stored_path(warehouse, name)
        if path is not None:
            path.unlink(missing_ok=True)
            removed += 1
    for path in kept_files(warehouse):
        name = path.relative_to(root).as_posix()
        if name in named or name in spared:
            continue
        if dt.datetime.fromtimestamp(path.stat().st_mtime) < cutoff:
            path.unlink(missing_ok=True)
            removed += 1
    return {"days": days, "files_removed": removed, "batches": batches_changed}


def prune(warehouse: Warehouse, days: int | None = None) -> dict:
    """:func:`prune_kept_files` in a transaction of its own (``campaigns forget
    --older-than``)."""
    if days is not None and days < 0:
        raise ValueError("the age of kept files to remove is a number of days, 0 or more")
    with warehouse.writer() as con:
        con.execute("BEGIN TRANSACTION")
        try:
            summary = prune_kept_files(con, warehouse, days=days)
            con.execute("COMMIT")
        except BaseException:
            con.execute("ROLLBACK")
            raise
    return summary


def _what_to_fix(issue: Mapping) -> str:
    column = issue.get("column_name")
    value = issue.get("value")
    where = f"{column}" if column else ""
    if value is not None and value != "":
        where += f" ({value!r})" if where else repr(value)
    return f"{where}: {issue['message']}" if where else str(issue["message"])


def rejected_rows_csv(
    rejected: Iterable[tuple[int, str]],
    issues: Iterable[Mapping],
    *,
    row_label: str = "row",
    errors_label: str = "errors",
) -> bytes:
    """A batch's rows that were not loaded, with their errors, as CSV (UTF-8 with BOM).

    ``rejected`` is ``(row_number, cells)`` from ``core.rejected_row`` (cells: JSON, header ->
    value as received); ``issues`` are the batch's ``load_issues`` rows (dicts with
    ``severity``, ``row_number``, ``column_name``, ``value``, ``message``). Each line is the
    row number in the file, the row's cells under the file's own headers in the file's order,
    and what to fix. Errors about the file as a whole come first, without a row number, and so
    does a row that has errors but no kept cells. The two extra columns are not columns of any
    kind of file, so the corrected rows can be sent again as they are.
    """
    header: list[str] = []
    cells: dict[int, dict] = {}
    for row_number, text in rejected:
        values = json.loads(text) if text else {}
        cells[int(row_number)] = values
        header.extend(h for h in values if h not in header)
    errors: dict[int | None, list[str]] = {}
    for issue in issues:
        if issue.get("severity", "error") != "error":
            continue
        row = issue.get("row_number")
        row = None if row is None or row != row else int(row)  # NaN from a frame is no row
        errors.setdefault(row, []).append(_what_to_fix(issue))
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow([_cell(h) for h in (row_label, *header, errors_label)])
    for text in errors.get(None, []):
        writer.writerow(["", *([""] * len(header)), _cell(text)])
    for row in sorted({*cells, *(r for r in errors if r is not None)}):
        values = cells.get(row, {})
        writer.writerow(
            [
                row,
                *(_cell(values.get(h)) for h in header),
                _cell("; ".join(errors.get(row, []))),
            ]
        )
    return out.getvalue().encode("utf-8-sig")
