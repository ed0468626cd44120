"""The load log: listing campaigns and batches, and undoing a batch."""

from __future__ import annotations

import getpass
import os

from etl import facts
from etl.warehouse import Warehouse


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
            raise UndoRefused(f"there is no batch {batch_id}; `campaigns batches` lists them")
        if row[0] != "loaded":
            raise UndoRefused(
                f"batch {batch_id} ({row[1]}) is {row[0]}; only a loaded batch can be undone"
            )
        blocking = facts.dependants(con, batch_id)
        if blocking:
            listed = ", ".join(f"{code} (batch {b})" for code, b in blocking)
            raise UndoRefused(
                f"undoing batch {batch_id} would remove campaigns that later loads use: "
                f"{listed}; undo those batches first"
            )
        con.execute("BEGIN TRANSACTION")
        try:
            restored = sum(
                con.execute(
                    f"SELECT count(*) FROM core.{t} WHERE superseded_by = ?", [batch_id]
                ).fetchone()[0]
                for t in facts.TABLES
            )
            removed = facts.undo(con, batch_id)
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
