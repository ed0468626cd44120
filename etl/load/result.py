"""What a load reports: ``LoadResult`` (the ``--json`` output), its ``Issue`` records, the
one-line summary, and ``UsageError`` for a request the loader cannot carry out."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field


class UsageError(ValueError):
    """The command was asked something it cannot do (exit code 2)."""


@dataclass
class Issue:
    """An error or a warning: the row (None: the file), the column as headed, the value."""

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


def issue_args(i: dict, sheet: str | None = None) -> dict:
    """``Issue`` arguments of an issue dict of staging, its column named with its sheet."""
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


def summary(r: LoadResult) -> str:
    """The one line that says what the load did, or would do."""
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


def _n(count: int, noun: str) -> str:
    return f"{count} {noun}" + ("" if count == 1 else "s")
