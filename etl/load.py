"""Loading one file into the warehouse: all of it, none of it, or (on request) its valid rows.

``load_file`` is what the CLI and the upload page call. A load is one *batch*: the bytes are
kept, every row written carries the batch id, and the batch records what was detected, what was
loaded, and every error and warning. The same bytes again are a no-op that names the earlier
batch; a corrected file replaces the values it restates (see ``facts``).
"""

from __future__ import annotations

import contextvars
import datetime as dt
import decimal
import difflib
import getpass
import hashlib
import json
import os
import shutil
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from pathlib import Path

from etl import facts, forms, platform_exports, reading, recognise, spend
from etl.headers import detect_kind, match, sheet_kind
from etl.kinds import FILE_KINDS, KIND_NAMES, PERSONAL_FIELDS, PROGRAMME_SHEETS
from etl.normalise import DATE_ORDERS
from etl.stage import Context, Staged, spec_of, stage
from etl.warehouse import Warehouse

DEFAULT_MAX_MB = 200
MAX_ERRORS_REPORTED = 1000

# The fields whose first and last dates make a file's period (``detected["period"]``), by the
# kind of table staged: (field giving the first day, field giving the last day).
PERIOD_FIELDS = {
    "metrics": ("date", "date"),
    "spend": ("date", "date"),
    "participants": ("event_date", "event_date"),
    "feedback": ("submitted_at", "submitted_at"),
    "fx": ("month", "month"),
    "campaigns": ("start_date", "end_date"),
}


class UsageError(ValueError):
    """The command was asked something it cannot do (exit code 2)."""


@dataclass
class Issue:
    row: int | None
    column: str | None
    value: str | None
    message: str
    severity: str = "error"

    def __str__(self) -> str:
        where = f"row {self.row}" if self.row is not None else "file"
        col = f", column '{self.column}'" if self.column else ""
        return f"{where}{col}: {self.message}"


@dataclass
class LoadResult:
    """What happened to one file; ``to_dict`` is the ``--json`` output."""

    status: str  # loaded, already_loaded, rejected, dry_run
    file: str
    kind: str | None = None
    kind_detected: bool = False
    platform: str | None = None
    campaign: str | None = None
    batch_id: int | None = None
    previous_batch_id: int | None = None
    checksum: str | None = None
    rows_read: int = 0
    rows_loaded: int = 0
    rows_rejected: int = 0
    rows_replaced: int = 0
    rows_blank: int = 0
    rows_skipped: int = 0  # rows without any figure, left out with a warning
    records_written: int = 0
    would_load: bool | None = None
    errors: list[Issue] = field(default_factory=list)
    warnings: list[Issue] = field(default_factory=list)
    errors_total: int = 0
    warnings_total: int = 0
    detected: dict = field(default_factory=dict)
    message: str = ""
    # With ``preview_rows``: the first rows as parsed, each a dict of ``row`` (the row number a
    # spreadsheet shows), ``sheet`` (set-up workbooks only), the typed value of every field the
    # file has a column for, and ``errors`` (what is wrong with the row, or None).
    preview: list[dict] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return self.status in ("loaded", "already_loaded") or (
            self.status == "dry_run" and bool(self.would_load)
        )

    def to_dict(self) -> dict:
        d = asdict(self)
        d["errors"] = [asdict(i) for i in self.errors]
        d["warnings"] = [asdict(i) for i in self.warnings]
        return d


def max_bytes() -> int:
    return int(float(os.environ.get("CAMPAIGNS_MAX_UPLOAD_MB", DEFAULT_MAX_MB)) * 1024 * 1024)


def load_file(
    warehouse: Warehouse,
    path: Path,
    *,
    campaign: str | None = None,
    kind: str | None = None,
    dry_run: bool = False,
    skip_invalid: bool = False,
    source: str = "file",
    source_name: str | None = None,
    loaded_by: str | None = None,
    progress: Callable[[str], None] | None = None,
    as_of: dt.date | None = None,
    date_order: str | None = None,
    mapping: forms.Mapping | None = None,
    preview_rows: int = 0,
) -> LoadResult:
    """Check ``path`` and load it into ``warehouse`` as one batch.

    ``mapping`` says which question of a form's responses is which feedback field; the batch's
    checksum then covers the file and the mapping, so a corrected mapping loads again.
    ``preview_rows`` asks for the file's first rows as parsed in ``LoadResult.preview`` (rows
    with errors included), as the upload page shows them before anything is written.
    ``date_order`` ("dmy" or "mdy") says how to read slashed dates (03/04/2026) in a column
    where none of them tells (see ``stage``).
    """
    if date_order is not None and date_order not in DATE_ORDERS:
        raise UsageError(f"unknown date order '{date_order}'; use one of: {', '.join(DATE_ORDERS)}")
    token = _DATE_ORDER.set(date_order)
    try:
        return _load_file(
            warehouse,
            path,
            campaign=campaign,
            kind=kind,
            dry_run=dry_run,
            skip_invalid=skip_invalid,
            source=source,
            source_name=source_name,
            loaded_by=loaded_by,
            progress=progress,
            as_of=as_of,
            mapping=mapping,
            preview_rows=preview_rows,
        )
    finally:
        _DATE_ORDER.reset(token)


# The --date-order of the load under way, read where the checks' context is made.
_DATE_ORDER: contextvars.ContextVar[str | None] = contextvars.ContextVar("date_order", default=None)


def _load_file(
    warehouse: Warehouse,
    path: Path,
    *,
    campaign,
    kind,
    dry_run,
    skip_invalid,
    source,
    source_name,
    loaded_by,
    progress,
    as_of,
    mapping,
    preview_rows,
) -> LoadResult:
    path = Path(path)
    name = source_name or path.name
    step = progress or (lambda _msg: None)
    if kind is not None and kind not in KIND_NAMES:
        raise UsageError(f"unknown kind '{kind}'; use one of: {', '.join(KIND_NAMES)}")
    if mapping is not None and kind not in (None, "feedback"):
        raise UsageError(
            "a form mapping is for feedback responses; leave out --kind or use feedback"
        )
    if not path.is_file():
        raise UsageError(f"no such file: {path}")
    result = LoadResult("rejected", name, kind=kind, campaign=campaign)
    size = path.stat().st_size
    step("reading")
    data: bytes | reading.Scan | None
    if size > max_bytes():
        # Not read, not kept: only its checksum, so that the refusal is in the load log.
        with path.open("rb") as fh:
            result.checksum = hashlib.file_digest(fh, "sha256").hexdigest()
        data = None
    elif size <= reading.FAST_PATH_BYTES:
        data = path.read_bytes()
        result.checksum = hashlib.sha256(data).hexdigest()
    else:
        # Large files are not held in memory: one pass hashes them and checks their text.
        data = reading.scan(path)
        result.checksum = data.checksum
    if mapping is not None:
        result.checksum = hashlib.sha256(
            f"{result.checksum}:{mapping.checksum}".encode()
        ).hexdigest()
    user = loaded_by or os.environ.get("CAMPAIGNS_USER") or getpass.getuser()

    with warehouse.writer(publish=not dry_run) as con:
        if not dry_run:
            previous = _already_loaded(con, result.checksum, campaign)
            if previous is not None:
                result.status = "already_loaded"
                result.previous_batch_id = result.batch_id = previous[0]
                result.kind = previous[1]
                result.rows_loaded = previous[2] or 0
                result.message = (
                    f"{name} was already loaded as batch {previous[0]} on "
                    f"{previous[3]:%Y-%m-%d %H:%M}; nothing changed"
                )
                return result
        started = dt.datetime.now()
        try:
            # Checking only fills temporary tables of this connection: it needs no transaction,
            # and outside one DuckDB numbers a new table's rows in file order (see reading).
            staged = _check(
                con,
                data,
                path,
                result,
                name=name,
                kind=kind,
                campaign=campaign,
                step=step,
                as_of=as_of or dt.date.today(),
                mapping=mapping,
            )
            _describe_rows(con, staged, result, preview_rows)
            con.execute("BEGIN TRANSACTION")
            try:
                _write(
                    con,
                    warehouse,
                    path,
                    result,
                    staged,
                    stored=data is not None,
                    started=started,
                    kind=kind,
                    campaign=campaign,
                    dry_run=dry_run,
                    skip_invalid=skip_invalid,
                    source=source,
                    user=user,
                    step=step,
                )
            except BaseException:
                con.execute("ROLLBACK")
                raise
            con.execute("ROLLBACK" if dry_run else "COMMIT")
        finally:
            reading.remove_temporary_files()
    return result


def _already_loaded(con, checksum: str, campaign: str | None):
    return con.execute(
        "SELECT batch_id, kind, rows_loaded, finished_at FROM core.batch WHERE checksum = ? "
        "AND status = 'loaded' AND coalesce(campaign_code, '') = coalesce(?, '') "
        "ORDER BY batch_id DESC LIMIT 1",
        [checksum, campaign],
    ).fetchone()


def _check(
    con, data, path: Path, result: LoadResult, *, name, kind, campaign, step, as_of, mapping
):
    """Read and type the file into temporary tables; file-level problems become errors."""
    if data is None:
        size = path.stat().st_size
        result.errors.append(
            Issue(
                None,
                None,
                _size(size),
                f"{name} is {_size(size)}, above the {_size(max_bytes())} limit; split it by "
                "month or platform and load the parts",
            )
        )
        return {}
    try:
        step("checking")
        return _read_and_stage(
            con,
            data,
            path,
            result,
            name=name,
            kind=kind,
            campaign=campaign,
            as_of=as_of,
            mapping=mapping,
        )
    except reading.FileRejected as exc:
        result.errors.append(Issue(None, None, None, str(exc)))
        return {}
    except reading.SettingError as exc:  # a limit (reading.LIMIT_SETTINGS) set to no number
        raise UsageError(str(exc)) from None
    except reading.VALUE_OUT_OF_RANGE:  # a value no check's SQL could cast: refused, not raised
        result.errors.append(Issue(None, None, None, reading.out_of_range(name)))
        return {}


def _describe_rows(con, staged: dict[str, Staged], result: LoadResult, limit: int) -> None:
    """The file's period in ``result.detected`` and, when ``limit`` asks, its first ``limit``
    rows (per sheet) as parsed in ``result.preview``. Runs before invalid rows are set aside,
    so both count every row read."""
    firsts, lasts = [], []
    for s in staged.values():
        fields = PERIOD_FIELDS.get(s.kind)
        if fields is None or fields[0] not in s.header.columns:
            continue
        # Compared as dates, returned as ISO text (a date beyond Python's range stays text too).
        first, last = con.execute(
            f'SELECT CAST(min(CAST("{fields[0]}" AS DATE)) AS VARCHAR), '
            f'CAST(max(CAST("{fields[1]}" AS DATE)) AS VARCHAR) FROM {s.table}'
        ).fetchone()
        if first is not None:
            firsts.append(first)
            lasts.append(last if last is not None else first)
    if firsts:
        result.detected["period"] = {"first": min(firsts), "last": max(lasts)}
    if limit <= 0:
        return
    for s in staged.values():
        fields = [f for f in spec_of(s.kind).fields if f.name in s.header.columns]
        names = [f.name for f in fields]
        columns = "".join(f', "{name}"' for name in names)
        rows = con.execute(
            f"SELECT row_number{columns} FROM {s.table} ORDER BY row_number LIMIT ?", [limit]
        ).fetchall()
        errors = dict(
            con.execute(
                f"SELECT row_number, string_agg(coalesce(column_name || ': ', '') || message, "
                f"'; ' ORDER BY column_name) FROM {s.issues_table} WHERE severity = 'error' "
                f"AND row_number <= ? GROUP BY row_number",
                [rows[-1][0] if rows else 0],
            ).fetchall()
        )
        for row in rows:
            item: dict = {"row": row[0]}
            if s.sheet:
                item["sheet"] = s.sheet
            for f, value in zip(fields, row[1:], strict=True):
                item[f.name] = _plain(value, f.type)
            item["errors"] = errors.get(row[0])
            result.preview.append(item)


def _plain(value, ftype: str = ""):
    """A typed cell as JSON holds it: dates as ISO text, decimals as numbers, counts whole."""
    if ftype == "count" and isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, dt.date | dt.datetime):
        return value.isoformat()
    if isinstance(value, decimal.Decimal):
        return int(value) if value == value.to_integral_value() else float(value)
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    return value


def _write(
    con,
    warehouse: Warehouse,
    path: Path,
    result: LoadResult,
    staged: dict[str, Staged],
    *,
    stored,
    started,
    kind,
    campaign,
    dry_run,
    skip_invalid,
    source,
    user,
    step,
) -> None:
    """Everything between BEGIN and COMMIT: the batch, its facts and its issues."""
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
    _collect_issues(con, result, staged)
    rows_with_errors = _rows_with_errors(con, staged)
    file_errors = [i for i in result.errors if i.row is None]
    result.rows_rejected = rows_with_errors
    loadable = not file_errors and (rows_with_errors == 0 or skip_invalid)
    if loadable and staged and result.rows_read - rows_with_errors - result.rows_skipped <= 0:
        empty = Issue(
            None, None, None, "the file has no rows to load; fill in rows under the header"
        )
        result.errors.insert(0, empty)
        result._py_issues.append(empty)
        result.errors_total += 1
        loadable = False
    result.would_load = loadable

    if loadable:
        step("writing")
        for s in staged.values():
            if rows_with_errors:
                con.execute(
                    f"DELETE FROM {s.table}_cells WHERE row_number IN (SELECT row_number FROM "
                    f"{s.issues_table} WHERE severity = 'error')"
                )
        if result.kind == "programme":
            loaded, replaced = facts.write_programme(
                con, {k: s.table for k, s in staged.items()}, batch_id
            )
            result.rows_loaded = sum(
                con.execute(f"SELECT count(*) FROM {s.table}").fetchone()[0]
                for s in staged.values()
            )
        else:
            s = next(iter(staged.values()))
            loaded, replaced = facts.WRITERS[result.kind](con, s.table, campaign, batch_id)
            result.rows_loaded = con.execute(f"SELECT count(*) FROM {s.table}").fetchone()[0]
        result.records_written, result.rows_replaced = loaded, replaced
        result.status = "dry_run" if dry_run else "loaded"
    else:
        result.status = "dry_run" if dry_run else "rejected"
        result.rows_loaded = 0
    result.message = _summary(result)
    if dry_run:
        return

    # What is kept of the file, if anything (see _store_file); then the kept files past the
    # retention period (CAMPAIGNS_KEEP_FILES_DAYS) go.
    from etl.batches import prune_kept_files

    kept = _store_file(con, warehouse, path, result, staged) if stored else None
    prune_kept_files(con, warehouse, spare=[kept])
    con.execute(
        "UPDATE core.batch SET kind = ?, platform = ?, status = ?, stored_file = ?, "
        "rows_read = ?, rows_loaded = ?, rows_rejected = ?, rows_replaced = ?, rows_blank = ?, "
        "detected = ?, message = ?, finished_at = ? "
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
            dt.datetime.now(),
            batch_id,
        ],
    )
    _record_issues(con, batch_id, result, staged)


def _read_and_stage(
    con, data, path: Path, result: LoadResult, *, name, kind, campaign, as_of, mapping
):
    """Read the file and type its rows. ``data`` is its bytes, or a ``Scan`` of a large file."""
    large = isinstance(data, reading.Scan)
    fmt = reading.sniff_format(data.head if large else data)
    if large and (fmt != "csv" or not data.utf8 or data.blank_lines):
        data, large = path.read_bytes(), False
    if fmt == "json":
        raise reading.FileRejected(reading.json_message(data if not large else data.head, name))
    if fmt == "xls":
        raise reading.FileRejected(
            f"{name}: old Excel 97-2003 (.xls) files are not read; open it in Excel and save as "
            "Excel Workbook (.xlsx) or CSV UTF-8"
        )
    if fmt == "xlsx":
        book = reading.read_workbook(data, name)
        result.detected = {"format": "xlsx"}
        programme_sheets = {
            s: sheet_kind(s) for s in book.sheets if sheet_kind(s) not in (None, "help")
        }
        if kind == "programme" or (kind is None and programme_sheets):
            return _stage_programme(con, book, result, name=name)
        first = next(iter(book.sheets))
        result.detected["sheet"] = first
        formulas = [f for f in book.formula_errors if f[0] == first]
        raw = reading.read_sheet(
            con, book.sheets[first], name=name, table="raw_0", kinds=(kind,) if kind else None
        )
    else:
        formulas = []
        if large:
            text, encoding = reading.decode(data.head, name, partial=True)
        else:
            text, encoding = reading.decode(data, name)
        raw = reading.read_csv_text(
            con,
            text,
            name=name,
            encoding=encoding,
            table="raw_0",
            kinds=(kind,) if kind else None,
            source_path=path,
            head_only=large,
        )
    result.detected = {**result.detected, **raw.detected, "header_row": raw.header_row}
    if kind == "programme":
        raise reading.FileRejected(
            f"{name}: the programme set-up is a workbook (.xlsx) with the sheets organisations, "
            "campaigns, budget, targets and channels; start from data/templates/programme.en.xlsx"
        )
    if mapping is not None:
        return _stage_form(con, raw, mapping, result, name=name, campaign=campaign)
    if kind in (None, "feedback") and forms.looks_like_form(raw.header):
        fb = match("feedback", raw.header)
        named = [f for f in fb.columns if f != "submitted_at"]
        if fb.unknown and len(fb.unknown) >= len(named):
            # A form's responses without a mapping (most questions are not our field names):
            # propose one from the questions and answers.
            result.kind = "feedback"
            rows = _raw_rows(con, raw)
            proposal = forms.propose(raw.header, rows, events=forms.campaign_events(con, campaign))
            if not proposal.ok:
                result.detected["questions"] = proposal.questions
                result.detected["proposal"] = proposal.describe()
                raise reading.FileRejected(
                    f"{name}: these are form responses, and no question reads as a rating, "
                    "usefulness, recommendation or comment; say which question is which field "
                    "in a mapping file and load with --mapping FILE (docs/feedback.md shows "
                    "one), or on the Upload page. The questions are: "
                    + "; ".join(proposal.questions)
                )
            return _stage_form(
                con,
                raw,
                proposal.mapping,
                result,
                name=name,
                campaign=campaign,
                proposal=proposal,
                rows=rows,
            )
    if kind in (None, "metrics"):
        profile = platform_exports.detect(raw.header, name=name)
        if profile is not None:
            return _stage_export(
                con, raw, profile, result, name=name, campaign=campaign, as_of=as_of
            )
    if kind is None:
        kind, scores = detect_kind(raw.header)
        breakdown = platform_exports.breakdown(raw.header)
        if breakdown is not None and (kind is None or match(kind, raw.header).missing):
            raise reading.FileRejected(
                f"{name}: this is {breakdown.label}, not figures per day or per post; "
                "audience breakdowns are not loaded. Upload the platform's overview or "
                "content export, or our metrics template (data/templates/metrics.en.csv)"
            )
        if kind is None or match(kind, raw.header).missing:
            _refuse_other_exports(raw.header, name)
        if kind is None:
            raise reading.FileRejected(_unknown_kind_message(raw.header, name))
        result.kind_detected = True
    elif kind == "metrics" and match(kind, raw.header).missing:
        _refuse_other_exports(raw.header, name)
    result.kind = kind
    spec = FILE_KINDS[kind]
    ctx = Context(date_order=_DATE_ORDER.get())
    if spec.needs_campaign:
        ctx = _campaign_context(con, campaign, name)
    hm = match(kind, raw.header)
    if kind == "feedback":
        _leave_out_personal(hm, raw.header, result)
    if kind == "spend":  # amounts with currency marks, lines with descriptions, no references
        s, raw = spend.stage_spend(con, raw, hm, ctx, name=name)
    else:
        s = stage(con, raw, hm, ctx, name=name, suffix="_0")
    _formula_issues(con, s, raw, formulas)
    return _staged_file(con, s, raw, result, kind)


def _refuse_other_exports(header: list[str], name: str) -> None:
    """A file that resembles a platform export, or is one whose figures we do not store, is
    refused as that export, never against our template's columns."""
    refusal = recognise.near_miss(header, name) or recognise.unstored_export(header, name)
    if refusal:
        raise reading.FileRejected(refusal)


def _unknown_kind_message(header: list[str], name: str) -> str:
    """Why a header names no kind of file: what it has, and what the closest kind lacks."""
    shown = ", ".join(h for h in header if h)[:200]
    matches = {k: match(k, header) for k in FILE_KINDS}
    best = max(matches, key=lambda k: len(matches[k].columns))
    found, spec = matches[best], FILE_KINDS[best]
    text = f"{name}: cannot tell what kind of file this is from its header ({shown})"
    if not found.columns:
        return f"{text}. Use one of our templates in data/templates/, or give the kind (--kind)"
    lacks = []
    if found.missing:
        lacks.append(f"the columns {', '.join(found.missing)}")
    if spec.evidence and not any(f in found.columns for f in spec.evidence):
        lacks.append(f"at least one of {', '.join(spec.evidence)}")
    return (
        f"{text}; it has {', '.join(header[i] for i in found.columns.values())} of a {best} "
        f"file, which also needs {' and '.join(lacks) or 'more of its columns'}. Use our "
        f"{best} template (data/templates/{best}.en.csv), or give the kind (--kind)"
    )


def _staged_file(con, s: Staged, raw: reading.RawTable, result: LoadResult, kind: str):
    """Record what staging found about a one-table file."""
    result.detected["decimal_mark"] = "comma" if s.decimal == "," else "point"
    if s.date_orders:
        result.detected["date_order"] = s.date_orders
    result.detected["columns"] = {f: raw.header[i] for f, i in s.header.columns.items()}
    result.rows_blank = s.rows_blank
    result.rows_skipped = s.rows_skipped
    result.rows_read = s.rows_total - s.rows_blank
    result.errors.extend(Issue(**_issue_args(i)) for i in s.file_errors)
    result.warnings.extend(Issue(**_issue_args(i)) for i in s.file_warnings)
    if kind == "metrics" and not s.file_errors:
        platforms = [
            p
            for (p,) in con.execute(
                f"SELECT DISTINCT platform FROM {s.table} WHERE platform IS NOT NULL ORDER BY 1"
            ).fetchall()
        ]
        result.platform = ", ".join(platforms) or None
    return {kind: s} if not s.file_errors else {}


def _leave_out_personal(hm, header: list[str], result: LoadResult) -> None:
    """Contacts in a feedback file are not stored: only a form mapping can ask for them."""
    for fname in PERSONAL_FIELDS:
        hm.columns.pop(fname, None)
    personal = [(i, c) for i, c in hm.unknown if forms.is_personal(c)]
    hm.unknown = [(i, c) for i, c in hm.unknown if not forms.is_personal(c)]
    if personal:
        result.warnings.append(
            Issue(
                None,
                None,
                None,
                "personal data not stored: " + ", ".join(c for _, c in personal),
                "warning",
            )
        )


def _stage_form(
    con,
    raw: reading.RawTable,
    mapping: forms.Mapping,
    result: LoadResult,
    *,
    name,
    campaign,
    proposal: forms.Proposal | None = None,
    rows: list | None = None,
):
    """Form responses rewritten into feedback fields through ``mapping`` (given, saved with
    the campaign, or ``proposal``'s), then staged."""
    try:
        rw = forms.rewrite(
            mapping,
            raw.header,
            rows if rows is not None else _raw_rows(con, raw),
            name,
            events=forms.campaign_events(con, campaign),
            date_order=_DATE_ORDER.get(),
        )
    except forms.MappingError as exc:
        raise reading.FileRejected(str(exc)) from None
    result.kind, result.kind_detected = "feedback", proposal is not None
    why = proposal.choices if proposal is not None else {}
    result.detected["mapping"] = {
        "source": mapping.source,
        "checksum": mapping.checksum,
        "text": mapping.text,
        "origin": mapping.origin,
        "proposed": proposal is not None,
        "saved_id": mapping.saved_id,
        "fields": {
            f: {"questions": qs, "why": why[f].why if f in why else ""}
            for f, qs in rw.fields.items()
        },
        "questions": forms.form_questions(raw.header),
        "dates_assumed": rw.dates_assumed,
    }
    if proposal is not None:
        # The proposal is a function of the file's bytes: the checksum stays the file's, so the
        # same file again is "already loaded".
        result.detected["notes"] = [*proposal.lines(), *proposal.notes]
        told = [
            "the form's questions were matched to fields by their words and answers: "
            + proposal.summary()
            + ". Check them (the notes say why each was chosen); where one is wrong, choose "
            "the questions on the Upload page and save them for the campaign, or load with "
            "--mapping FILE",
            *proposal.warnings,
        ]
        rw.warnings[:0] = [(None, "", None, message) for message in told]
    return _stage_rewritten(con, raw, rw, result, name=name, campaign=campaign)


def _stage_export(
    con,
    raw: reading.RawTable,
    profile: platform_exports.Profile,
    result: LoadResult,
    *,
    name: str,
    campaign: str | None,
    as_of: dt.date,
):
    """A platform's own export, rewritten into our metrics fields and staged."""
    refusal = recognise.export_without_figures(profile, raw.header, name)
    if refusal:
        raise reading.FileRejected(refusal)
    try:
        rw = platform_exports.rewrite(
            profile,
            raw.header,
            _raw_rows(con, raw),
            as_of=as_of,
            preamble=raw.preamble,
            name=name,
        )
    except ValueError as exc:
        raise reading.FileRejected(str(exc)) from None
    result.kind, result.kind_detected = "metrics", True
    result.detected["export"] = profile.label
    if profile.grain == "post":
        result.detected["as_of"] = as_of.isoformat()
    if rw.notes:
        result.detected["notes"] = rw.notes
    return _stage_rewritten(con, raw, rw, result, name=name, campaign=campaign)


def _raw_rows(con, raw: reading.RawTable) -> list[tuple[int, list[str | None]]]:
    """The file's data rows as (row number, cells), for rewriting in Python; blank lines are
    no rows."""
    rows = con.execute(f"SELECT * FROM {raw.table} ORDER BY row_number").fetchall()
    return [(r[0], list(r[1:])) for r in rows if any(c is not None for c in r[1:])]


def _stage_rewritten(con, raw: reading.RawTable, rw, result: LoadResult, *, name, campaign):
    """Stage rows rewritten into one of our kinds (``rw.match.kind``), with their warnings."""
    for row, column, value, message in rw.warnings:
        result.warnings.append(Issue(row, column or None, value, message, "warning"))
    table = reading.numbered_table(con, f"raw_{rw.match.kind}", rw.header, rw.rows, raw)
    ctx = _campaign_context(con, campaign, name)
    s = stage(con, table, rw.match, ctx, name=name, suffix="_0")
    s.file_source, s.file_header = raw.table, raw.header
    return _staged_file(con, s, table, result, rw.match.kind)


def _stage_programme(con, book: reading.Workbook, result: LoadResult, *, name: str):
    result.kind = "programme"
    staged: dict[str, Staged] = {}
    for index, (sheet, rows) in enumerate(book.sheets.items()):
        table_kind = sheet_kind(sheet)
        if table_kind == "help":
            continue
        if table_kind is None:
            result.warnings.append(
                Issue(
                    None,
                    sheet,
                    None,
                    f"sheet '{sheet}' is not part of the set-up workbook and was ignored",
                )
            )
            continue
        if not rows:
            continue
        raw = reading.read_sheet(
            con, rows, name=f"{name} [{sheet}]", table=f"raw_{index}", kinds=(table_kind,)
        )
        hm = match(table_kind, raw.header)
        s = stage(
            con, raw, hm, Context(date_order=_DATE_ORDER.get()), name=name, suffix=f"_{index}"
        )
        s.sheet = sheet
        _formula_issues(con, s, raw, [f for f in book.formula_errors if f[0] == sheet])
        result.rows_read += s.rows_total - s.rows_blank
        result.rows_blank += s.rows_blank
        for i in s.file_errors:
            result.errors.append(Issue(**_issue_args(i, sheet)))
        for i in s.file_warnings:
            result.warnings.append(Issue(**_issue_args(i, sheet)))
        if not s.file_errors:
            staged[table_kind] = s
    if "campaigns" not in staged and not any(k in staged for k in PROGRAMME_SHEETS):
        raise reading.FileRejected(
            f"{name}: no sheet of the set-up workbook was found; name the sheets organisations, "
            "campaigns, budget, targets and channels (see data/templates/programme.en.xlsx)"
        )
    _cross_sheet_checks(con, staged)
    result.detected["sheets"] = {s.sheet: k for k, s in staged.items()}
    return staged


def _cross_sheet_checks(con, staged: dict[str, Staged]) -> None:
    """References between sheets: to rows in the file or already in the warehouse."""

    def known(table_kind: str, column: str, current_view: str, current_col: str) -> str:
        parts = [f"SELECT {current_col} AS code FROM {current_view}"]
        if table_kind in staged:
            parts.append(f"SELECT {column} FROM {staged[table_kind].table}")
        return " UNION ".join(parts)

    if "campaigns" in staged:
        s = staged["campaigns"]
        col = s.header_col("organisation")
        con.execute(
            f"INSERT INTO {s.issues_table} SELECT row_number, {_q(col)}, organisation, "
            f"'organisation ' || organisation || ' is not in the organisations sheet nor in the "
            f"warehouse; add it to the organisations sheet', 'error' FROM {s.table} "
            f"WHERE organisation IS NOT NULL AND organisation NOT IN "
            f"({known('organisations', 'code', 'organisations', 'code')})"
        )
    for table_kind in ("budget_lines", "kpi_targets", "channels"):
        if table_kind not in staged:
            continue
        s = staged[table_kind]
        col = s.header_col("campaign")
        con.execute(
            f"INSERT INTO {s.issues_table} SELECT row_number, {_q(col)}, campaign, "
            f"'campaign ' || campaign || ' is not in the campaigns sheet nor in the warehouse; "
            f"add it to the campaigns sheet', 'error' FROM {s.table} "
            f"WHERE campaign IS NOT NULL AND campaign NOT IN "
            f"({known('campaigns', 'code', 'campaigns', 'code')})"
        )


def _formula_issues(con, s: Staged, raw: reading.RawTable, formulas: list) -> None:
    """A formula without a saved result in a column we read is an error on its row."""
    if s.file_errors:
        return
    used = set(s.header.columns.values())
    for _sheet, row, col, formula in formulas:
        if row <= raw.header_row or col not in used:
            continue
        con.execute(
            f"INSERT INTO {s.issues_table} VALUES (?, ?, ?, ?, 'error')",
            [
                row,
                raw.header[col],
                formula,
                f"the cell holds a formula ({formula}) with no saved result; open the file in "
                "Excel and save it, or replace the formula by its value (Paste Special > Values)",
            ],
        )


def _campaign_context(con, campaign: str | None, name: str) -> Context:
    if not campaign:
        raise reading.FileRejected(
            f"{name}: say which campaign the file is for (--campaign CODE); "
            "`campaigns list` shows the codes"
        )
    row = con.execute(
        "SELECT start_date, end_date FROM campaigns WHERE code = ?", [campaign]
    ).fetchone()
    if row is None:
        codes = [c for (c,) in con.execute("SELECT code FROM campaigns ORDER BY code").fetchall()]
        close = difflib.get_close_matches(campaign, codes, n=1, cutoff=0.6)
        if not close:
            close = [c for c in codes if c.casefold() == campaign.casefold()]
        hint = f"did you mean '{close[0]}'? " if close else ""
        listed = ", ".join(codes) if codes else "none yet: load the programme set-up first"
        raise reading.FileRejected(
            f"campaign '{campaign}' does not exist; {hint}known campaigns: {listed}"
        )
    return Context(campaign, row[0], row[1], _DATE_ORDER.get())


def _issue_args(i: dict, sheet: str | None = None) -> dict:
    column = i["column"]
    if sheet:
        column = f"{sheet}: {column}" if column else sheet
    return {
        "row": i["row"],
        "column": column,
        "value": i["value"],
        "message": i["message"],
        "severity": i["severity"],
    }


def _issue_union(staged: dict[str, Staged]) -> str | None:
    parts = []
    for s in staged.values():
        prefix = f"'{s.sheet}: ' || " if getattr(s, "sheet", None) else ""
        parts.append(
            f"SELECT row_number, {prefix}column_name AS column_name, value, message, severity "
            f"FROM {s.issues_table}"
        )
    return " UNION ALL ".join(parts) if parts else None


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
                f"SELECT row_number, column_name, value, message, severity FROM ({union}) "
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
            f"INSERT INTO core.batch_issue SELECT ?, severity, row_number, column_name, value, "
            f"message FROM ({union})",
            [batch_id],
        )
    for i in getattr(result, "_py_issues", []):
        con.execute(
            "INSERT INTO core.batch_issue VALUES (?, ?, ?, ?, ?, ?)",
            [batch_id, i.severity, i.row, i.column, i.value, i.message],
        )
    if not result.rows_rejected:
        return
    for s in staged.values():
        pairs = ", ".join(f"{_q(h)}, {expr}" for h, expr in _cells_kept(s))
        source = s.cells_source[0]
        con.execute(
            f"INSERT INTO core.rejected_row SELECT ?, row_number, json_object({pairs})::VARCHAR "
            f"FROM {source} WHERE row_number IN (SELECT row_number FROM {s.issues_table} "
            f"WHERE severity = 'error')",
            [batch_id],
        )


def _cells_kept(s: Staged) -> list[tuple[str, str]]:
    """(header, SQL) of the cells kept from a row as received, under the file's own headers:
    feedback loses its contacts and has its text masked."""
    from etl.privacy import mask_sql

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


def _store_masked(con, warehouse: Warehouse, staged: dict[str, Staged], checksum: str) -> str:
    """Keep a file as its rows as read, under its own headers: columns headed as names or
    contacts left out, e-mails, phone numbers and IINs masked (``etl.privacy``), every cell
    written as text a spreadsheet will not run (``etl.cells``). A one-table file is kept as
    CSV, a set-up workbook as a workbook of the sheets read."""
    import csv
    import io

    from etl.cells import neutral
    from etl.privacy import mask_sql

    tables = []
    for s in staged.values():
        cells = _cells_kept(s)
        if s.kind != "feedback":  # feedback's cells are chosen and masked already
            cells = [(h, mask_sql(expr)) for h, expr in cells if not forms.is_personal(h)]
        rows = con.execute(
            f"SELECT {', '.join(expr for _, expr in cells) or 'NULL'} FROM {s.cells_source[0]} "
            "ORDER BY row_number"
        ).fetchall()
        header = [h for h, _ in cells]
        tables.append((s.sheet or s.kind, header, [[neutral(v) for v in r] for r in rows]))
    if len(tables) == 1:
        _, header, rows = tables[0]
        out = io.StringIO()
        writer = csv.writer(out, lineterminator="\n")
        writer.writerow([neutral(h) for h in header])
        writer.writerows(rows)
        text = out.getvalue()
        return _keep(
            warehouse,
            f"{checksum[:2]}/{checksum}.masked.csv",
            lambda tmp: tmp.write_text(text, encoding="utf-8"),
        )

    def write_workbook(tmp: Path) -> None:
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


def _q(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def _store_file(
    con, warehouse: Warehouse, path: Path, result: LoadResult, staged: dict[str, Staged]
) -> str | None:
    """Keep what may be kept of a file beside the warehouse, named by its checksum; returns
    its name in the file store, or None when nothing is kept (docs/data-management.md):

    - nothing when ``CAMPAIGNS_KEEP_FILES_DAYS`` is 0, nor of a refused file none of whose
      rows were read as a known kind (its kind unknown, or a file-level error);
    - a masked copy of its rows as read (:func:`_store_masked`) of feedback and participants
      (files about people), of a refused file, and of any file that holds an e-mail address,
      a phone number or an IIN anywhere (``etl.privacy.holds_personal_data``);
    - else the bytes as received: metrics, spend, exchange rates and the set-up, screened.
    """
    from etl.batches import keep_days
    from etl.privacy import holds_personal_data

    if keep_days() == 0:
        return None
    checksum = result.checksum
    if (
        result.status != "loaded"
        or result.kind in ("feedback", "participants")
        or holds_personal_data(path)
    ):
        return _store_masked(con, warehouse, staged, checksum) if staged else None
    return _keep(warehouse, f"{checksum[:2]}/{checksum}", lambda tmp: shutil.copyfile(path, tmp))


def _keep(warehouse: Warehouse, relative: str, write: Callable[[Path], object]) -> str:
    """Write a kept file once, atomically, at ``relative`` in the file store."""
    target = warehouse.files_dir / relative
    if not target.exists():
        target.parent.mkdir(parents=True, exist_ok=True)
        tmp = target.with_name(f".{target.name}.{os.getpid()}.tmp")
        write(tmp)
        os.replace(tmp, target)
    return relative


def _size(count: int) -> str:
    """A file size as people read it: 200 MB, 1.5 MB, 512 KB, 1048 bytes."""
    if count >= 1024 * 1024:
        return f"{count / 1048576:.3g} MB"
    if count >= 10 * 1024:
        return f"{count / 1024:.3g} KB"
    return f"{count} bytes"


def _n(count: int, noun: str) -> str:
    return f"{count} {noun}" + ("" if count == 1 else "s")


def _summary(r: LoadResult) -> str:
    what = f"{r.kind or 'unknown kind'}" + (f" ({r.platform})" if r.platform else "")
    if r.status == "loaded":
        text = f"loaded {r.rows_loaded} of {r.rows_read} rows of {what}"
        if r.rows_replaced:
            text += f", replacing {_n(r.rows_replaced, 'earlier row')}"
        if r.rows_rejected:
            text += f"; {_n(r.rows_rejected, 'invalid row')} kept aside for correction"
        if r.rows_skipped:
            text += f"; {_n(r.rows_skipped, 'row')} without figures skipped"
        return text
    if r.status == "dry_run":
        if r.would_load:
            loadable = r.rows_read - r.rows_rejected - r.rows_skipped
            return (
                f"would load {loadable} of {r.rows_read} rows of {what}"
                + (f", replacing {_n(r.rows_replaced, 'earlier row')}" if r.rows_replaced else "")
                + (
                    f"; {_n(r.rows_skipped, 'row')} without figures skipped"
                    if r.rows_skipped
                    else ""
                )
            )
        return f"would reject the file: {_n(r.errors_total, 'error')}"
    return f"rejected {what}: {_n(r.errors_total, 'error')}, nothing loaded"
