"""What the Programme page does, apart from drawing: the set-up workbook's sheets and columns
for the editors, the workbook written from the edited tables, its check and its load, and the
Google Sheets sources with their last sync and a sync.

A set-up workbook is checked (a dry-run programme load) and loaded as uploads are, in a worker
within the upload limits (``dashboard.uploads.run_load``), so a load is one batch in the load
log that can be undone. The page checks right before each write that the signed-in user may
still manage the programme; the functions here do what it asks once it has.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from dashboard import uploads
from dashboard.metrics import lookups
from etl import programme, sheets, sources
from etl.kinds import PROGRAMME_SHEETS
from etl.load import LoadResult
from etl.warehouse import Warehouse

ConfigError = sources.ConfigError
Source = sources.Source


# --- the registry ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Column:
    """One column of a set-up sheet as the editor shows it."""

    name: str
    header: str  # the template's header in the reader's language
    type: str  # the field's type (date, amount, number, count, heading, status, yes_no, text)
    required: bool
    help: str


def sheet_names(lang: str) -> dict[str, str]:
    """The name of each set-up sheet in a workbook of ``lang``, by table."""
    return programme.sheet_names(lang)


def columns(kind: str, lang: str) -> list[Column]:
    """The columns of the set-up sheet ``kind``, with their headers in ``lang``."""
    out = []
    for name, header in programme.headers(kind, lang).items():
        field = PROGRAMME_SHEETS[kind].field(name)
        out.append(Column(name, header, field.type, field.required, field.help))
    return out


def setup_workbook(frames: Mapping[str, pd.DataFrame], lang: str) -> bytes:
    """The set-up workbook of ``frames`` (one table per sheet) in ``lang``."""
    return programme.setup_bytes(frames, lang)


def load_setup(
    wh: Warehouse,
    content: bytes,
    name: str,
    *,
    dry_run: bool,
    loaded_by: str,
    source: str = "upload",
) -> LoadResult:
    """Check (``dry_run``) or load the set-up workbook ``content`` as a programme load, in a
    worker within the upload limits; ``name`` is its label, ``source`` says where it came from
    (``dashboard`` for the editors, ``upload`` for a sent file). Raises ``WarehouseBusy`` or
    one of ``uploads.STOPPED`` as :func:`dashboard.uploads.run_load` does."""
    return uploads.run_load(
        wh,
        content,
        name,
        kind="programme",
        dry_run=dry_run,
        source=source,
        loaded_by=loaded_by,
    )


def changes_anything(result: LoadResult) -> bool:
    """Whether a (dry-run) set-up load writes or replaces any record."""
    return bool(result.records_written or result.rows_replaced)


# --- Google Sheets sources ------------------------------------------------------------------


def sources_path() -> Path:
    """Where the Google Sheets sources are configured."""
    return sources.sources_path()


def configured_sources(path: Path) -> list[Source]:
    """The sources configured in ``path``; raises :class:`ConfigError` when it cannot be read."""
    return sources.load_sources(path)


def service_account() -> dict:
    """The service account the sheets are read as; raises :class:`ConfigError` without one."""
    return sources.service_account_info()


def sources_status(wh: Warehouse, configured: list[Source], detected: str) -> pd.DataFrame:
    """One row per configured source with its last sync (the newest batch loaded from it):
    :data:`SOURCE_COLUMNS`; ``detected`` stands for the kind of a source that leaves it to
    the loader."""
    log = lookups.sheet_loads(wh)
    rows = []
    for s in configured:
        mine = log[log["source_name"].fillna("").str.startswith(f"{s.name}: ")]
        last = mine.iloc[0] if not mine.empty else None
        rows.append(
            {
                "name": s.name,
                "kind": s.kind or detected,
                "campaign": s.campaign or "",
                "spreadsheet": s.spreadsheet,
                "worksheet": s.worksheet or "",
                "last_sync": None if last is None else last["started_at"],
                "status": "" if last is None else last["status"],
                "rows": None if last is None else last["rows_loaded"],
                "errors": None if last is None else last["errors"],
                "batch": None if last is None else last["batch_id"],
            }
        )
    return pd.DataFrame(rows)


def sync(
    wh: Warehouse,
    configured: list[Source],
    which: str | None,
    info: dict,
    progress: Callable[[str], None],
) -> list[dict]:
    """Read and load the source named ``which`` (None: every configured source), each in turn;
    one result per source as a dict (name, status, rows_loaded, batch_id, message, errors).
    Raises ``WarehouseBusy`` or :class:`ConfigError`."""
    chosen = [s for s in configured if which in (None, s.name)]
    return [r.to_dict() for r in sheets.sync(wh, chosen, info, progress=progress)]
