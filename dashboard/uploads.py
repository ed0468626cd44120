"""What the upload page does, apart from drawing: which kinds a user may send, the templates,
receiving a file, checking it (a dry run with a preview), loading it, and the campaign's upload
history with each batch's kept file, rejected rows and undo.

A received file stays in memory (the uploader's own bytes) between the page's runs. Its check,
its load and the form-mapping preview each run in a worker process within limits of memory and
time (``etl.isolate``): the bytes are written, under a generated name, to a temporary folder
that lives only as long as that work and is removed however it ends. The name the user gave the
file is only ever a label (``source_name``), never part of a path. A worker that needs more than
an upload may use, or fails, raises one of :data:`STOPPED`; :func:`stopped_text` says so to the
user, with the incident id under which the server log has the details. Everything the page shows
is read through :func:`dashboard.data.read`, so within the user's campaigns; a batch's kept
bytes are read only for a batch that read returned. Writes (load, undo, saving a form mapping)
check the user's permission again right before writing, whatever the page drew.

A form's responses (feedback) are checked and loaded through the mapping saved with the
campaign when its questions are all in the file, else through the one the loader proposes; the
page shows it as a form (:func:`form_setup`) whose choice is previewed (:func:`form_preview`)
and saved with the campaign (:func:`save_form_mapping`).
"""

from __future__ import annotations

import csv
import hashlib
import io
import tempfile
import threading
import tomllib
from collections import OrderedDict
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import duckdb
import pandas as pd

from dashboard import data
from dashboard.i18n import (
    DEFAULT_LANGUAGE,
    LANGUAGES,
    catalogue,
    current_language,
    fmt_number,
    literal,
    t,
)
from dashboard.issue_text import issue_text, summary_text
from dashboard.metrics import lookups
from etl import batches, forms, isolate, load, reading, templates
from etl.accounts import User
from etl.isolate import OverLimit, WorkerFailed
from etl.kinds import FILE_KINDS, aliases
from etl.warehouse import Warehouse, WarehouseBusy

CAMPAIGN_KINDS = tuple(k for k, spec in FILE_KINDS.items() if spec.needs_campaign)
OFFICER_KINDS = (*CAMPAIGN_KINDS, *(k for k in FILE_KINDS if k not in CAMPAIGN_KINDS), "programme")
PREVIEW_ROWS = 20
CSV_MIME = "text/csv"
XLSX_MIME = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


class UploadRefused(PermissionError):
    """The user may not send this kind of file for this campaign, or undo this batch."""


class TooLarge(ValueError):
    """A received file is above the size limit."""

    def __init__(self, name: str, size: int, limit: int) -> None:
        super().__init__(name, size, limit)
        self.name, self.size, self.limit = name, size, limit


def upload_kinds(user: User) -> tuple[str, ...]:
    """What ``user`` may send: grantees their campaigns' data, officers also exchange rates
    and the programme set-up; nothing for viewers."""
    if user.can_manage:
        return OFFICER_KINDS
    if user.can_upload:
        return CAMPAIGN_KINDS
    return ()


def needs_campaign(kind: str) -> bool:
    return kind in CAMPAIGN_KINDS


def check_permission(wh: Warehouse, user: User, campaign: str | None, kind: str) -> None:
    """Raise :class:`UploadRefused` unless ``user`` may send ``kind`` (for ``campaign``)."""
    if not user.can_upload or kind not in upload_kinds(user):
        raise UploadRefused(f"{user.username} may not send {kind} files")
    if needs_campaign(kind) and campaign not in lookups.allowed_campaigns(wh):
        raise UploadRefused(f"{user.username} may not send files for campaign {campaign}")


# --- templates -----------------------------------------------------------------------------------


def template_files(kind: str, lang: str) -> list[tuple[str, bytes, str]]:
    """The blank templates of ``kind`` with ``lang`` headers as (file name, bytes, MIME type):
    CSV and XLSX, or only the workbook for the programme set-up."""
    with tempfile.TemporaryDirectory(prefix="campaigns-template-") as folder:
        out: list[tuple[str, bytes, str]] = []
        if kind == "programme":
            path = Path(folder) / f"programme.{lang}.xlsx"
            templates.write_programme_xlsx(path, lang)
            return [(path.name, path.read_bytes(), XLSX_MIME)]
        csv_path = Path(folder) / f"{kind}.{lang}.csv"
        templates.write_csv(csv_path, kind, lang)
        out.append((csv_path.name, csv_path.read_bytes(), CSV_MIME))
        xlsx_path = Path(folder) / f"{kind}.{lang}.xlsx"
        templates.write_xlsx(xlsx_path, kind, lang)
        out.append((xlsx_path.name, xlsx_path.read_bytes(), XLSX_MIME))
        return out


# --- the file picker ------------------------------------------------------------------------------

_DROPZONE = '[data-testid="stFileUploaderDropzone"]'
# Where Streamlit writes its own texts in the picker (its DOM as of Streamlit 1.67): the button,
# the limit and types under it, and what shows while files are dragged over it.
PICKER_TEXTS = {
    "button": f'{_DROPZONE} [data-testid="stBaseButton-secondary"] '
    '[data-testid="stMarkdownContainer"] p',
    "limit": '[data-testid="stFileUploaderDropzoneInstructions"] span',
    "drop": f"{_DROPZONE} > div:not([data-testid]):not(:has([data-testid])) > div",
}


def _css_string(text: str) -> str:
    """``text`` as a CSS string: quotes and backslashes escaped, line ends as spaces."""
    escaped = text.replace("\\", "\\\\").replace('"', '\\"').replace("<", "\\3c ")
    return '"' + " ".join(escaped.split()) + '"'


def picker_style(*, button: str, limit: str, drop: str) -> str:
    """A style element that shows the file picker's texts as given in place of Streamlit's
    English ones (the English stays in the page, at size 0, so nothing moves)."""
    texts = {"button": button, "limit": limit, "drop": drop}
    rules = [
        f"{selector} {{ font-size: 0; }} "
        f"{selector}::after {{ content: {_css_string(texts[name])}; font-size: 0.875rem; }}"
        for name, selector in PICKER_TEXTS.items()
    ]
    return "<style>\n" + "\n".join(rules) + "\n</style>"


# --- receiving, checking and loading -------------------------------------------------------------


@dataclass(frozen=True, eq=False)
class Received:
    """An uploaded file held for checking: ``name`` is the user's label, ``content`` its bytes
    (the uploader's own, not a copy). Nothing is on disk between checks."""

    name: str
    content: bytes = field(repr=False)
    size: int
    checksum: str

    def discard(self) -> None:
        """Done with the file. It was only ever on disk for the length of a check or load, so
        there is nothing to remove; kept so that the page says when it lets a file go."""


def receive(name: str, content: bytes) -> Received:
    """Hold ``content`` for checking; refuse it with :class:`TooLarge` when above
    ``etl.load.max_bytes()``."""
    limit = load.max_bytes()
    if len(content) > limit:
        raise TooLarge(name, len(content), limit)
    return Received(name, content, len(content), hashlib.sha256(content).hexdigest())


def size_text(count: int, lang: str | None = None) -> str:
    """A size as people read it in the page's language (or ``lang``): 200 MB, 1.5 MB,
    512 KB, 1048 bytes in English; 200 МБ, 1,5 МБ, 512 КБ, 1 048 байт in Russian."""
    lang = lang if lang in LANGUAGES else current_language()
    if lang == DEFAULT_LANGUAGE:
        return load._size(count)
    if count >= 1024 * 1024:
        key, value = "upload.size.mb", float(f"{count / 1048576:.3g}")
    elif count >= 10 * 1024:
        key, value = "upload.size.kb", float(f"{count / 1024:.3g}")
    else:
        return t("upload.size.bytes", lang=lang, count=count)
    decimals = 0 if value.is_integer() else len(repr(value).split(".")[1])
    return t(key, lang=lang, n=fmt_number(value, decimals, lang=lang))


# What a worker that was stopped raises: over the limits, failed (an incident), or the
# warehouse stayed busy. Nothing was written in any of these cases.
STOPPED = (OverLimit, WorkerFailed, WarehouseBusy)


def stopped_text(name: str, exc: BaseException) -> str:
    """What to tell the user when the worker checking or loading ``name`` was stopped."""
    shown = literal(name)
    if isinstance(exc, OverLimit) and exc.what == "memory":
        limit = size_text(exc.limits.memory_bytes)
        return t("over_limit.memory", name=shown, limit=limit, id=exc.incident)
    if isinstance(exc, OverLimit):
        return t("over_limit.time", name=shown, seconds=f"{exc.limits.seconds:g}", id=exc.incident)
    if isinstance(exc, WarehouseBusy):
        return t("over_limit.busy")
    return t("incident.upload", name=shown, id=getattr(exc, "incident", "?"))


def run_load(
    wh: Warehouse,
    content: bytes,
    name: str,
    *,
    kind: str | None,
    campaign: str | None = None,
    dry_run: bool,
    source: str = "upload",
    loaded_by: str | None = None,
    skip_invalid: bool = False,
    preview_rows: int = 0,
    progress: Callable[[str], None] | None = None,
) -> load.LoadResult:
    """Check (``dry_run``) or load the file ``content`` as ``etl.load.load_file`` does, in a
    worker process within the upload limits (``etl.isolate``); ``name`` is its label. Raises
    one of :data:`STOPPED` when the worker was stopped. The pages call this; the CLI loads in
    its own process."""
    saved = _saved_mappings(wh, campaign) if kind == "feedback" and campaign else []
    return isolate.run(
        isolate.load_upload,
        content=content,
        warehouse=wh,
        writes=not dry_run,
        progress=progress,
        what=f"{'check' if dry_run else 'load'} of an upload ({load._size(len(content))}, "
        f"{kind or 'kind to detect'}" + (f", by {loaded_by})" if loaded_by else ")"),
        name=name,
        kind=kind,
        campaign=campaign,
        dry_run=dry_run,
        source=source,
        loaded_by=loaded_by,
        skip_invalid=skip_invalid,
        preview_rows=preview_rows,
        saved=saved,
    )


def check(wh: Warehouse, received: Received, *, campaign: str | None, kind: str) -> load.LoadResult:
    """A dry run of the file with its first rows as parsed: nothing is written. A form's
    responses are read through the mapping saved with the campaign when its questions are all
    in the file. Raises one of :data:`STOPPED` when the worker was stopped."""
    return run_load(
        wh,
        received.content,
        received.name,
        kind=kind,
        campaign=campaign if needs_campaign(kind) else None,
        dry_run=True,
        preview_rows=PREVIEW_ROWS,
    )


def load_received(
    wh: Warehouse,
    user: User,
    received: Received,
    *,
    campaign: str | None,
    kind: str,
    skip_invalid: bool,
    progress: Callable[[str], None] | None = None,
) -> load.LoadResult:
    """Load the file as ``user``, after checking again that they may. Raises one of
    :data:`STOPPED` when the worker was stopped (nothing is written then)."""
    check_permission(wh, user, campaign, kind)
    return run_load(
        wh,
        received.content,
        received.name,
        kind=kind,
        campaign=campaign if needs_campaign(kind) else None,
        dry_run=False,
        loaded_by=user.username,
        skip_invalid=skip_invalid,
        progress=progress,
    )


def earlier_load(wh: Warehouse, result: load.LoadResult, campaign: str | None) -> dict | None:
    """The loaded batch that already holds these exact bytes (for this campaign), if any."""
    if not result.checksum:
        return None
    df = data.read(
        wh,
        "SELECT batch_id, finished_at, loaded_by FROM loads WHERE checksum = ? "
        "AND status = 'loaded' AND coalesce(campaign_code, '') = coalesce(?, '') "
        "ORDER BY batch_id DESC LIMIT 1",
        (result.checksum, campaign),
    )
    return None if df.empty else df.iloc[0].to_dict()


def detected_rows(result: load.LoadResult) -> list[tuple[str, str]]:
    """What the check found, as (what, value) pairs; the keys are catalogue names."""
    d = result.detected
    rows: list[tuple[str, str]] = [("kind", result.kind or "")]
    if d.get("export"):
        rows.append(("export", str(d["export"])))
    if result.platform:
        rows.append(("platform", result.platform))
    for key in ("format", "sheet", "encoding", "delimiter", "decimal_mark", "header_row"):
        if d.get(key) is not None:
            rows.append((key, str(d[key])))
    period = d.get("period")
    if period:
        rows.append(("period", f"{period['first']} – {period['last']}"))
    if d.get("sheets"):
        rows.append(("sheets", ", ".join(f"{s} → {k}" for s, k in d["sheets"].items())))
    return rows


def mapping_frame(result: load.LoadResult) -> pd.DataFrame:
    """The column mapping: the file's header → our field."""
    columns = result.detected.get("columns") or {}
    return pd.DataFrame(
        [(header, field) for field, header in columns.items()], columns=["header", "field"]
    )


def row_messages(result: load.LoadResult, lang: str | None = None) -> dict[int, str]:
    """What is wrong with each row that has errors, in ``lang``: "column: what to fix" for
    each of its errors, joined by "; "."""
    found: dict[int, list[str]] = {}
    for issue in result.errors:
        if issue.row is None:
            continue
        text = issue_text(issue, lang)
        found.setdefault(int(issue.row), []).append(
            f"{issue.column}: {text}" if issue.column else text
        )
    return {row: "; ".join(texts) for row, texts in found.items()}


def preview_frame(result: load.LoadResult, lang: str | None = None) -> pd.DataFrame:
    """The rows as parsed, one per file row, the rows with errors first (then in file order),
    with what is wrong with each in ``lang``."""
    frame = pd.DataFrame(result.preview)
    if frame.empty:
        return frame
    messages = row_messages(result, lang)
    frame["errors"] = [messages.get(int(r)) for r in frame["row"]]
    bad = frame["errors"].notna()
    return pd.concat([frame[bad], frame[~bad]], ignore_index=True)


def cell_text(value: object, lang: str | None = None) -> str:
    """A parsed cell as the preview writes it: numbers in the language's way (whole ones
    without decimals), "—" for nothing."""
    if isinstance(value, list | tuple):
        return ", ".join(cell_text(v, lang) for v in value) or MISSING
    if is_empty(value):
        return MISSING
    if isinstance(value, bool):
        return str(value).lower()
    if isinstance(value, int):
        return fmt_number(value, lang=lang)
    if isinstance(value, float):
        if value.is_integer():
            return fmt_number(value, lang=lang)
        decimals = min(4, len(repr(value).split(".")[-1].rstrip("0")))
        return fmt_number(value, decimals, lang=lang)
    return str(value)


def preview_text(frame: pd.DataFrame, lang: str | None = None) -> pd.DataFrame:
    """:func:`preview_frame` as text for a table: every cell but the row number written by
    :func:`cell_text` (a table shows an empty cell as "None", whatever its style says)."""
    shown = frame.copy()
    for column in shown.columns:
        if column != "row":
            shown[column] = [cell_text(v, lang) for v in frame[column]]
    return shown


def field_label(kind: str | None, name: str, lang: str | None = None) -> str:
    """A field of ``kind`` as our templates head it in the page's language (or ``lang``):
    ``impressions`` is "показы" in Russian; the field's own name when there is none."""
    lang = lang if lang in LANGUAGES else current_language()
    try:
        return aliases(kind, name)[lang][0] if kind else name
    except (KeyError, IndexError, ValueError):
        return name


def bad_cells(result: load.LoadResult) -> set[tuple[int, str]]:
    """The (row, field) cells of the preview holding an error; a column is named by the file's
    header in an issue and by our field in the preview."""
    fields = {header: fname for fname, header in (result.detected.get("columns") or {}).items()}
    cells = set()
    for issue in result.errors:
        if issue.row is not None and issue.column:
            cells.add((int(issue.row), fields.get(issue.column, issue.column)))
    return cells


def issues_frame(result: load.LoadResult, lang: str | None = None) -> pd.DataFrame:
    """Errors, then warnings: row, column, value and what to fix (in ``lang``)."""
    rows = [
        (i.severity, i.row, i.column, i.value, issue_text(i, lang))
        for i in [*result.errors, *result.warnings]
    ]
    return pd.DataFrame(rows, columns=["severity", "row", "column", "value", "message"])


@dataclass(frozen=True)
class Verdict:
    """What a check found, counted as a person reads it: rows ready to load, rows with errors
    and how many errors they hold, errors of the file as a whole, and warnings."""

    ready: int
    bad_rows: int
    row_errors: int
    file_errors: int
    warnings: int

    @property
    def loadable(self) -> bool:
        return self.file_errors == 0 and self.bad_rows == 0 and self.ready > 0


def verdict(result: load.LoadResult) -> Verdict:
    """The counts of a check's verdict (see :class:`Verdict`)."""
    file_errors = sum(1 for i in result.errors if i.row is None)
    row_errors = max(0, result.errors_total - file_errors)
    bad_rows = result.rows_rejected or len({i.row for i in result.errors if i.row is not None})
    ready = max(0, result.rows_read - bad_rows - result.rows_skipped - result.rows_blank)
    if file_errors:
        ready = 0
    return Verdict(ready, bad_rows, row_errors, file_errors, result.warnings_total)


def verdict_text(v: Verdict, lang: str | None = None) -> str:
    """The verdict in a sentence: "5 rows ready, 1 row with 2 errors", in ``lang``."""
    if v.file_errors:  # nothing can be loaded: the rows do not count
        return t("upload.verdict.file_errors", lang=lang, count=v.file_errors)
    parts = [t("upload.verdict.ready", lang=lang, count=v.ready)]
    if v.ready and not v.bad_rows and not v.warnings:
        return t("upload.verdict.clean", lang=lang, ready=parts[0])
    if v.bad_rows:
        parts.append(
            t(
                "upload.verdict.bad_rows",
                lang=lang,
                rows=t("upload.verdict.rows", lang=lang, count=v.bad_rows),
                errors=t("upload.verdict.errors", lang=lang, count=v.row_errors),
            )
        )
    if v.warnings:
        parts.append(t("upload.verdict.warnings", lang=lang, count=v.warnings))
    return t("upload.verdict.join", lang=lang).join(parts)


def label(prefix: str, value: object) -> str:
    """``value`` as the catalogue names it under ``prefix`` (a kind, a status), else as it
    is; "—" for nothing."""
    if is_empty(value):
        return MISSING
    key = f"{prefix}.{value}"
    return t(key) if key in catalogue("en") else str(value)


MISSING = "—"  # an absent value in a table, in every language


def history_frame(loads: pd.DataFrame, statuses: str = "loads.status") -> pd.DataFrame:
    """A load log as a table shows it: kinds and statuses (the labels under ``statuses``) in
    the page's language, "—" for an empty text cell."""
    shown = loads.copy()
    if "kind" in shown:
        shown["kind"] = shown["kind"].map(lambda k: label("upload.kinds", k))
    if "status" in shown:
        shown["status"] = shown["status"].map(lambda s: label(statuses, s))
    if "source" in shown:
        shown["source"] = shown["source"].map(lambda s: label("loads.source", s))
    for column in ("platform", "source_name", "loaded_by", "undone_by", "campaign_code"):
        if column in shown:
            shown[column] = shown[column].map(lambda v: MISSING if is_empty(v) else str(v))
    # What a reader looks for first on the left, where a narrow screen shows it.
    first = [c for c in HISTORY_FIRST if c in shown.columns]
    return shown[[*first, *[c for c in shown.columns if c not in first]]]


HISTORY_FIRST = ("batch_id", "started_at", "status", "source_name", "kind", "campaign_code")


def is_empty(value: object) -> bool:
    """None, NaN, NaT or an empty text."""
    if value is None or isinstance(value, str):
        return not value
    try:
        return bool(pd.isna(value))
    except (TypeError, ValueError):  # a list or an array: a value
        return False


# --- fixing rows on the page ---------------------------------------------------------------------

FIX_ROWS = 500  # the most rows with errors the page offers to fix at once
ROW_COLUMN = "\u2060row"  # the editor's own columns, named so that no file header is the same
ERRORS_COLUMN = "\u2060errors"


@dataclass(frozen=True)
class FileTable:
    """A file's header and its data rows (row number as a spreadsheet shows it, text cells), as
    the loader reads them."""

    header: tuple[str, ...]
    rows: tuple[tuple[int, tuple[str | None, ...]], ...]


def file_table(received: Received, kind: str | None) -> FileTable | None:
    """The rows of ``received`` as the loader reads them, read in a worker process within the
    upload limits; None when the file cannot be fixed on the page (too large to read whole, a
    workbook of several sheets, a header cell empty or twice) or the worker was stopped."""
    if received.size > reading.FAST_PATH_BYTES or kind == "programme":
        return None
    try:
        header, rows = isolate.run(
            forms.read_responses,
            content=received.content,
            what=f"reading an upload's rows to fix ({load._size(received.size)})",
            name=received.name,
            kind=kind,
        )
    except STOPPED:
        return None
    names = [str(h or "").strip() for h in header]
    if not all(names) or len(set(names)) != len(names):
        return None
    return FileTable(tuple(names), tuple((int(n), tuple(cells)) for n, cells in rows))


def fixable(result: load.LoadResult, table: FileTable | None) -> bool:
    """Whether the rows with errors of ``result`` can be fixed in ``table``: a single table, and
    every row and column an error names is in it."""
    if table is None or result.detected.get("sheets"):
        return False
    numbers = {n for n, _ in table.rows}
    for issue in result.errors:
        if issue.row is None:
            return False
        if int(issue.row) not in numbers:
            return False
        if issue.column and issue.column not in table.header:
            return False
    return bool(result.errors)


def fix_frame(
    result: load.LoadResult, table: FileTable, lang: str | None = None, limit: int = FIX_ROWS
) -> pd.DataFrame:
    """The rows with errors as the file holds them, for editing: the row number, what to fix,
    then one text column per header of the file."""
    messages = row_messages(result, lang)
    records = []
    for number, cells in table.rows:
        if number not in messages:
            continue
        record = {ROW_COLUMN: number, ERRORS_COLUMN: messages[number]}
        for name, cell in zip(table.header, _padded(cells, len(table.header)), strict=True):
            record[name] = cell if cell is not None else ""
        records.append(record)
        if len(records) >= limit:
            break
    return pd.DataFrame(records, columns=[ROW_COLUMN, ERRORS_COLUMN, *table.header])


def _padded(cells: Sequence[str | None], width: int) -> list[str | None]:
    return [*cells[:width], *[None] * (width - len(cells))]


def corrected_name(name: str) -> str:
    """The name of a corrected copy: "march.xlsx" -> "march (corrected).csv"."""
    stem = Path(name).stem
    suffix = " (corrected)"
    return f"{stem if stem.endswith(suffix) else stem + suffix}.csv"


def corrected(
    received: Received,
    table: FileTable,
    edited: pd.DataFrame,
    *,
    delimiter: str | None = None,
) -> Received:
    """A corrected copy of ``received``: a CSV file (UTF-8, the file's own delimiter when it was
    a CSV, else a comma) with the file's header and every row, those in ``edited`` (rows of
    :func:`fix_frame`, changed by the user) as edited. It is received as any upload is."""
    sep = {"comma": ",", "semicolon": ";", "tab": "\t"}.get(delimiter or "", ",")
    changes: dict[int, dict[str, str]] = {}
    for record in edited.to_dict("records"):
        number = record.get(ROW_COLUMN)
        if number is None or is_empty(number):
            continue
        changes[int(number)] = {
            h: "" if is_empty(record.get(h)) else str(record.get(h)) for h in table.header
        }
    out = io.StringIO()
    writer = csv.writer(out, delimiter=sep, lineterminator="\r\n")
    writer.writerow(table.header)
    for number, cells in table.rows:
        if number in changes:
            writer.writerow([changes[number][h] for h in table.header])
        else:
            writer.writerow(["" if c is None else c for c in _padded(cells, len(table.header))])
    return receive(corrected_name(received.name), out.getvalue().encode("utf-8"))


# --- form responses ------------------------------------------------------------------------------

FORM_FIELDS = forms.PROPOSED  # the fields the page offers a select for
NOT_ASKED = ""  # the select's value for a field the form does not ask


def _saved_mappings(wh: Warehouse, campaign: str) -> list[forms.SavedMapping]:
    """The form mappings saved with ``campaign``, newest first, read within the user's
    campaigns; the worker picks the one whose questions are all in the file."""
    try:
        df = data.read(
            wh,
            "SELECT mapping_id, campaign_code, mapping, saved_by, saved_at FROM core.form_mapping "
            "WHERE campaign_code = ? ORDER BY mapping_id DESC",
            (campaign,),
        )
    except duckdb.CatalogException:  # a warehouse not yet written since the table came
        return []
    return [
        forms.SavedMapping(
            int(r.mapping_id),
            r.campaign_code,
            r.mapping,
            r.saved_by if isinstance(r.saved_by, str) else None,
            pd.Timestamp(r.saved_at).to_pydatetime(),
        )
        for r in df.itertuples()
    ]


@dataclass
class FormSetup:
    """What the page's form starts from: the proposal, the saved mapping, or nothing."""

    questions: list[str]  # the form's questions that may be chosen (no contacts)
    chosen: dict[str, list[str]] = field(default_factory=dict)  # field -> its question(s)
    why: dict[str, str] = field(default_factory=dict)
    scales: dict[str, int] = field(default_factory=dict)
    event: str | None = None
    language: str | None = None
    date_order: str | None = None
    dates_assumed: bool = False
    origin: str = "none"  # proposed, saved, file or none
    saved_id: int | None = None


def form_setup(result: load.LoadResult) -> FormSetup | None:
    """The form's questions and the mapping the check used, when the file is a form's
    responses; None for any other file."""
    d = result.detected
    # The mapping the check used, or what could be proposed for a form it refused.
    mapping = d.get("mapping") or d.get("proposal")
    questions = d.get("questions") or (mapping or {}).get("questions")
    if result.kind != "feedback" or not questions:
        return None
    setup = FormSetup([q for q in questions if not forms.is_personal(q)])
    if mapping is None:
        return setup
    try:
        m = forms.mapping_from(tomllib.loads(mapping["text"]), text=mapping["text"])
    except (tomllib.TOMLDecodeError, forms.MappingError):
        return setup
    for fname, item in (mapping.get("fields") or {}).items():
        if fname in FORM_FIELDS:
            setup.chosen[fname] = [q for q in item["questions"] if q in setup.questions]
            reasons = item.get("reasons") or []
            setup.why[fname] = "; ".join(issue_text(r) for r in reasons) or item.get("why") or ""
    setup.scales = dict(m.scales)
    setup.event, setup.language, setup.date_order = m.event, m.language, m.date_order
    setup.dates_assumed = bool(mapping.get("dates_assumed"))
    setup.origin = (mapping.get("origin") or "file") if "mapping" in d else "none"
    setup.saved_id = mapping.get("saved_id")
    return setup


def saved_by(wh: Warehouse, mapping_id: int) -> tuple[str, object] | None:
    """Who saved a form mapping, and when."""
    df = data.read(
        wh,
        "SELECT saved_by, saved_at FROM core.form_mapping WHERE mapping_id = ?",
        (int(mapping_id),),
    )
    if df.empty:
        return None
    by = df["saved_by"].iloc[0]
    return (by if isinstance(by, str) else "?"), df["saved_at"].iloc[0]


def form_mapping_text(
    questions: dict[str, Sequence[str]],
    *,
    scales: dict[str, int],
    event: str | None,
    language: str | None,
    date_order: str | None,
    campaign: str,
) -> str:
    """The mapping the page's form says, as TOML (what is saved with the campaign)."""
    return forms.mapping_text(
        {f: [q for q in qs if q] for f, qs in questions.items() if any(qs)},
        scales=scales,
        event=event or None,
        language=language or None,
        date_order=date_order or None,
        title=f"The feedback form of {campaign}, chosen on the Upload page",
    )


def form_preview(
    wh: Warehouse, received: Received, text: str, *, campaign: str | None, rows: int = 5
) -> pd.DataFrame:
    """The first ``rows`` responses as the mapping ``text`` reads them: one column per field
    it gives, the comment masked. Empty when the mapping takes no question of the file, or
    when the worker reading it was stopped (the check, within the same limits, says why)."""
    events = campaign_events(wh, campaign)
    try:
        records = _form_rows(received, text, events, rows)
    except STOPPED:
        return pd.DataFrame()
    if not records:
        return pd.DataFrame()
    names = [f.name for f in FILE_KINDS["feedback"].fields]
    return pd.DataFrame(list(records), columns=[n for n in names if n in records[0]])


# The previews read lately, by (file checksum, name, mapping, events, rows): the page reruns on
# every change of the form, and the same choice again costs no worker.
_PREVIEWS: OrderedDict[tuple, tuple[dict, ...] | None] = OrderedDict()
_PREVIEWS_LOCK = threading.Lock()
_PREVIEWS_KEPT = 64


def _form_rows(
    received: Received, text: str, events: dict[str, str], rows: int
) -> tuple[dict, ...] | None:
    key = (received.checksum, received.name, text, tuple(events.items()), rows)
    with _PREVIEWS_LOCK:
        if key in _PREVIEWS:
            _PREVIEWS.move_to_end(key)
            return _PREVIEWS[key]
    records = isolate.run(
        isolate.form_rows,
        content=received.content,
        what="form-mapping preview of an upload",
        name=received.name,
        text=text,
        events=events,
        fields=[f.name for f in FILE_KINDS["feedback"].fields],
        rows=rows,
    )
    found = None if records is None else tuple(records)
    with _PREVIEWS_LOCK:
        _PREVIEWS[key] = found
        while len(_PREVIEWS) > _PREVIEWS_KEPT:
            _PREVIEWS.popitem(last=False)
    return found


def campaign_events(wh: Warehouse, campaign: str | None) -> dict[str, str]:
    """The campaign's events, code -> name."""
    if not campaign:
        return {}
    df = data.read(
        wh,
        "SELECT event_code, coalesce(name, event_code) AS name FROM events "
        "WHERE campaign_code = ? ORDER BY event_code",
        (campaign,),
    )
    return dict(zip(df["event_code"], df["name"], strict=True))


def save_form_mapping(wh: Warehouse, user: User, campaign: str, text: str) -> int:
    """Save ``text`` as the form mapping of ``campaign`` as ``user``, after checking that they
    may send its feedback; returns the saved mapping's id. Raises :class:`UploadRefused`, or
    ``forms.MappingError`` when the text is no mapping."""
    check_permission(wh, user, campaign, "feedback")
    return forms.save_mapping(wh, campaign, text, user.username)


# --- history -------------------------------------------------------------------------------------


def history(wh: Warehouse, campaign: str | None, limit: int = 200) -> pd.DataFrame:
    """The campaign's loads, newest first (loads without a campaign when ``campaign`` is None)."""
    return data.read(
        wh,
        "SELECT batch_id, started_at, loaded_by, source_name, kind, platform, rows_read, "
        "rows_loaded, rows_rejected, rows_replaced, status, message, undone_by, undone_at "
        "FROM loads WHERE coalesce(campaign_code, '') = coalesce(?, '') "
        "ORDER BY batch_id DESC LIMIT ?",
        (campaign, int(limit)),
    )


def batch_summary(wh: Warehouse, batch_id: int, lang: str | None = None) -> str:
    """A batch's one-line summary in ``lang`` (the page's language when None), made from the
    figures stored with it; "" for a batch the user may not see."""
    df = data.read(
        wh,
        "SELECT status, message, message_code, message_params, rows_read, rows_loaded, "
        "rows_rejected, rows_replaced FROM loads WHERE batch_id = ?",
        (int(batch_id),),
    )
    if df.empty:
        return ""
    record = {k: (None if is_empty(v) else v) for k, v in df.iloc[0].to_dict().items()}
    return summary_text(record, lang)


def _batch(wh: Warehouse, batch_id: int) -> dict | None:
    df = data.read(
        wh,
        "SELECT batch_id, status, loaded_by, campaign_code, kind, source_name, stored_file "
        "FROM core.batch WHERE batch_id = ?",
        (int(batch_id),),
    )
    return None if df.empty else df.iloc[0].to_dict()


def original_file(wh: Warehouse, batch_id: int) -> tuple[str, Path] | None:
    """The kept copy of a batch the user may see, as (download name, path): the file as
    received, or for feedback the masked CSV kept instead. None when there is none."""
    batch = _batch(wh, batch_id)
    if batch is None or not isinstance(batch["stored_file"], str):
        return None
    path = batches.stored_path(wh, batch["stored_file"])
    if path is None:
        return None
    source_name = batch["source_name"] if isinstance(batch["source_name"], str) else None
    return batches.download_name(source_name, batch["stored_file"], batch_id), path


def _batch_errors(wh: Warehouse, batch_id: int) -> pd.DataFrame:
    """The errors of a batch with the code and params they were made from (both empty for
    errors stored before codes were kept)."""
    return data.read(
        wh,
        "SELECT severity, row_number, column_name, value, message, code, params "
        "FROM load_issues WHERE batch_id = ? AND severity = 'error' "
        "ORDER BY row_number NULLS FIRST, column_name",
        (batch_id,),
    )


def rejected_rows(
    wh: Warehouse,
    batch_id: int,
    *,
    row_label: str = "row",
    errors_label: str = "errors",
    lang: str | None = None,
) -> bytes | None:
    """The batch's rows that were not loaded with their errors (in ``lang``, the page's
    language when None), as CSV; None when the batch had no errors (or is not the user's to
    see)."""
    if _batch(wh, batch_id) is None:
        return None
    kept = data.read(
        wh,
        "SELECT row_number, cells FROM core.rejected_row WHERE batch_id = ? ORDER BY row_number",
        (int(batch_id),),
    )
    issues = _batch_errors(wh, int(batch_id))
    if kept.empty and issues.empty:
        return None
    records = issues.astype(object).where(issues.notna(), None).to_dict("records")
    for record in records:  # each error in the page's language
        record["message"] = issue_text(record, lang)
    return batches.rejected_rows_csv(
        kept.itertuples(index=False, name=None),
        records,
        row_label=row_label,
        errors_label=errors_label,
    )


def undo(wh: Warehouse, user: User, batch_id: int) -> dict:
    """Undo a batch as ``user``, after checking that the batch is theirs to see and undo."""
    batch = _batch(wh, batch_id)
    if batch is None:
        raise UploadRefused(f"there is no batch {batch_id} for {user.username}")
    loaded_by = batch["loaded_by"] if isinstance(batch["loaded_by"], str) else None
    if not user.can_undo(loaded_by):
        raise UploadRefused(f"{user.username} may not undo batch {batch_id}")
    return batches.undo(wh, int(batch_id), undone_by=user.username)
