"""What the Programme page does, apart from drawing: the set-up workbook's sheets and columns
for the editors, the workbook written from the edited tables, its check and its load, and the
Google Sheets sources with their last sync and a sync.

The edited tables are checked row by row as they change (:func:`row_problems`: empty required
cells, numbers, dates and codes, an end before the start, duplicates, unknown campaigns and
organisations), so that the page can point at the row before anything is saved.

A set-up workbook is checked (a dry-run programme load) and loaded as uploads are, in a worker
within the upload limits (``dashboard.uploads.run_load``), so a load is one batch in the load
log that can be undone. The page checks right before each write that the signed-in user may
still manage the programme; the functions here do what it asks once it has.
"""

from __future__ import annotations

import datetime as dt
import math
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

import pandas as pd

from dashboard import reader, uploads
from dashboard.metrics import lookups
from etl import programme, sheets, sources
from etl.kinds import BUDGET_HEADINGS, CAMPAIGN_STATUSES, PLATFORMS, PROGRAMME_SHEETS
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


# --- checks as the tables are edited --------------------------------------------------------

NUMBER_TYPES = ("amount", "number", "count", "heading")
UNITS = ("#", "%")
DIRECTIONS = ("increase", "decrease")
_CURRENCY = re.compile(r"[A-Z]{3}")
# The sheets whose rows name a campaign, and the campaigns sheet whose rows name an organisation.
_REFERENCES = {
    "campaigns": ("organisation", "organisations"),
    "budget_lines": ("campaign", "campaigns"),
    "kpi_targets": ("campaign", "campaigns"),
    "channels": ("campaign", "campaigns"),
}
PROBLEM_COLUMNS = ["row", "column", "value", "problem"]
_R = TypeVar("_R")


@dataclass(frozen=True)
class Problem:
    """What is wrong with one cell of an edited set-up table: ``row`` counts from 1 as the
    editor shows the rows, ``column`` is the field, ``code`` says what is wrong (the page
    writes it out: ``required``, ``not_number``, ``negative``, ``not_whole``, ``not_date``,
    ``end_before_start``, ``bad_heading``, ``bad_currency``, ``bad_status``, ``bad_platform``,
    ``bad_unit``, ``bad_direction``, ``duplicate``, ``unknown_campaign``,
    ``unknown_organisation``)."""

    row: int
    column: str
    value: str
    code: str


def _empty(value: Any) -> bool:
    if value is None or (isinstance(value, str) and not value.strip()):
        return True
    try:
        return bool(pd.isna(value))
    except (TypeError, ValueError):
        return False


def _number(value: Any) -> float | None:
    if isinstance(value, bool):
        return None
    try:
        number = float(str(value).replace(" ", "").replace("\u00a0", "").replace(",", "."))
    except ValueError:
        return None
    return number if math.isfinite(number) else None


def _day(value: Any) -> dt.date | None:
    if value is pd.NaT:  # a date cleared in the editor: no day (NaT is a datetime)
        return None
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    if isinstance(value, pd.Timestamp):
        return value.date()
    try:
        return dt.date.fromisoformat(str(value).strip())
    except ValueError:
        return None


def _cell_problem(ftype: str, value: Any) -> str | None:
    """What is wrong with a filled cell of a field of type ``ftype``, or None."""
    if ftype in NUMBER_TYPES:
        number = _number(value)
        if number is None:
            return "not_number"
        if ftype in ("amount", "count") and number < 0:
            return "negative"
        if ftype in ("count", "heading") and not number.is_integer():
            return "not_whole"
        if ftype == "heading" and int(number) not in BUDGET_HEADINGS:
            return "bad_heading"
        return None
    if ftype == "date":
        return None if _day(value) is not None else "not_date"
    check = _TEXT_CHECKS.get(ftype)
    if check is None or check(str(value).strip()):
        return None
    return f"bad_{ftype}"


# What a filled cell of these types must be, given its text without surrounding spaces.
_TEXT_CHECKS: dict[str, Callable[[str], bool]] = {
    "currency": lambda text: bool(_CURRENCY.fullmatch(text.upper())),
    "status": lambda text: text.lower() in CAMPAIGN_STATUSES,
    "platform": lambda text: text.lower() in PLATFORMS,
    "unit": lambda text: text in UNITS,
    "direction": lambda text: text.lower() in DIRECTIONS,
}


def _shown(value: Any) -> str:
    if _empty(value):
        return ""
    if isinstance(value, dt.date):
        return value.isoformat()
    return str(value)


def row_problems(kind: str, frame: pd.DataFrame, known: Mapping[str, set[str]]) -> list[Problem]:
    """What is wrong with the rows of the edited set-up table ``kind``, cell by cell, before
    anything is saved: required cells left empty, numbers, dates and codes that cannot be read,
    an end before the start, a second row with the same key, and codes of campaigns or
    organisations that ``known`` (sheet -> its codes, as edited) does not have. The full check
    of the loader still runs on "Check" and "Save".

    Each column's distinct values are checked once (a set-up table repeats its statuses,
    currencies, platforms and campaigns in every row); the rows are then walked in order."""
    sheet = PROGRAMME_SHEETS[kind]
    n = len(frame)
    cells = {
        f.name: frame[f.name].tolist() if f.name in frame.columns else [None] * n
        for f in sheet.fields
    }
    empty = {name: _each(_empty, values) for name, values in cells.items()}
    filled = [i for i in range(n) if not all(empty[f.name][i] for f in sheet.fields)]
    found: dict[int, list[Problem]] = {}
    # Cells in the order of the fields, then the checks across a row, as a reader goes through it.
    for field in sheet.fields:
        values, gaps = cells[field.name], empty[field.name]
        codes = _each(lambda v, t=field.type: _cell_problem(t, v), values)
        for i in filled:
            if gaps[i]:
                if field.required:
                    found.setdefault(i, []).append(Problem(i + 1, field.name, "", "required"))
            elif codes[i]:
                found.setdefault(i, []).append(
                    Problem(i + 1, field.name, _shown(values[i]), codes[i])
                )
    if kind == "campaigns":
        starts = _each(_day, cells["start_date"])
        ends = _each(_day, cells["end_date"])
        for i in filled:
            if starts[i] and ends[i] and ends[i] < starts[i]:
                shown = _shown(cells["end_date"][i])
                found.setdefault(i, []).append(
                    Problem(i + 1, "end_date", shown, "end_before_start")
                )
    reference = _REFERENCES.get(kind)
    if reference:
        column, other = reference
        codes_known = known.get(other, set())
        code = "unknown_organisation" if other == "organisations" else "unknown_campaign"
        values, gaps = cells[column], empty[column]
        unknown = _each(lambda v: str(v).strip() not in codes_known, values)
        for i in filled:
            if not gaps[i] and unknown[i]:
                found.setdefault(i, []).append(Problem(i + 1, column, _shown(values[i]), code))
    folded = [_each(lambda v: _shown(v).strip().casefold(), cells[f]) for f in sheet.row_key]
    keys = list(zip(*folded, strict=True))
    last = sheet.row_key[-1]
    seen: set[tuple] = set()
    for i in filled:
        key = keys[i]
        if all(key):
            if key in seen:
                found.setdefault(i, []).append(
                    Problem(i + 1, last, _shown(cells[last][i]), "duplicate")
                )
            seen.add(key)
    return [problem for i in sorted(found) for problem in found[i]]


def _each(check: Callable[[Any], _R], values: list[Any]) -> list[_R]:
    """``check`` of each value, worked out once for each distinct value (by type and value:
    ``1``, ``1.0`` and ``True`` are checked apart)."""
    done: dict[tuple[type, Any], _R] = {}
    out = []
    for value in values:
        try:
            key = (type(value), value)
            result = done[key]
        except KeyError:
            result = done[key] = check(value)
        except TypeError:  # a value with no hash
            result = check(value)
        out.append(result)
    return out


def codes_of(frames: Mapping[str, pd.DataFrame]) -> dict[str, set[str]]:
    """The campaign and organisation codes of the edited tables (what the other sheets may
    name)."""
    out = {}
    for sheet in ("campaigns", "organisations"):
        frame = frames.get(sheet)
        out[sheet] = (
            set()
            if frame is None or "code" not in frame
            else {str(c).strip() for c in frame["code"] if not _empty(c)}
        )
    return out


@reader.derived
def setup_problems(wh: Warehouse) -> dict[str, list[Problem]]:
    """:func:`row_problems` of each set-up table as it stands, before any edit: what the page
    shows while nothing is edited, worked out once per published load."""
    tables = {kind: editable(kind, frame) for kind, frame in lookups.setup_frames(wh).items()}
    known = codes_of(tables)
    return {kind: row_problems(kind, frame, known) for kind, frame in tables.items()}


def editable(kind: str, frame: pd.DataFrame) -> pd.DataFrame:
    """The set-up table ``kind`` with its number columns as numbers, so that the editor edits
    them as numbers (and writes amounts with thousands separators)."""
    out = frame.copy()
    for field in PROGRAMME_SHEETS[kind].fields:
        if field.type in NUMBER_TYPES and field.name in out:
            out[field.name] = pd.to_numeric(out[field.name], errors="coerce")
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
