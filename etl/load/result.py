"""What a load reports: ``LoadResult`` (the ``--json`` output), its ``Issue`` records, the
one-line summary, and ``UsageError`` for a request the loader cannot carry out."""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import asdict, dataclass, field
from typing import Any

from etl.messages import DEFAULT_LANGUAGE, Labels, code_of, render
from etl.messages import render as _render


class UsageError(ValueError):
    """The command was asked something it cannot do (exit code 2)."""


@dataclass
class Issue:
    """An error or a warning: the row (None: the file), the column as headed, the value.

    ``message`` is the English text; ``code`` and ``params`` what it was made from (see
    ``etl.messages``), so that it can be written in another language. A ``Message`` given as
    ``message`` brings its code and params; ``params`` may come as JSON text (from SQL)."""

    row: int | None
    column: str | None
    value: str | None
    message: str
    severity: str = "error"
    code: str | None = None
    params: dict[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if isinstance(self.params, str):
            self.params = json.loads(self.params) if self.params else {}
        elif self.params is None:
            self.params = {}
        if self.code is None:
            self.code, found = code_of(self.message)
            self.params = found or self.params
        self.message = str(self.message)

    def text(self, lang: str = DEFAULT_LANGUAGE) -> str:
        """The message in ``lang`` (its English text when it has no code)."""
        if self.code is None or lang == DEFAULT_LANGUAGE:
            return self.message
        return render(self.code, self.params, lang)

    def line(self, lang: str = DEFAULT_LANGUAGE) -> str:
        """Where, then what: ``row 4, column 'reach': ...`` in ``lang``."""
        return where_text(self.row, self.column, self.text(lang), lang)

    def __str__(self) -> str:
        return self.line()


def where_text(row: int | None, column: str | None, text: str, lang: str) -> str:
    """An issue's text after where it is: the file or a row, and a column."""
    if row is None:
        where = render("issue.file_column" if column else "issue.file", {"column": column}, lang)
    else:
        code = "issue.row_column" if column else "issue.row"
        where = render(code, {"row": row, "column": column}, lang)
    return f"{where}: {text}"


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
    # The errors of the previewed rows one by one: ``row`` (and ``sheet``), ``column``, the
    # English ``message``, its ``code`` and ``params`` (see ``etl.messages``).
    preview_issues: list[dict] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return self.status in ("loaded", "already_loaded") or (
            self.status == "dry_run" and bool(self.would_load)
        )

    def to_dict(self) -> dict:
        """The ``--json`` output: issues with their English ``message``, ``code`` and
        ``params``; the summary's code and parameters too where it has them."""
        d = asdict(self)
        d["message"] = str(self.message)
        d["message_code"], d["message_params"] = code_of(self.message)
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
        "code": i.get("code"),
        "params": i.get("params") or {},
    }


# What a load's summary is made from (``summary_message``), as stored with its batch under the
# code ``SUMMARY_CODE``.
SUMMARY_CODE = "load_summary"
SUMMARY_FIELDS = (
    "status", "kind", "platform", "rows_read", "rows_loaded", "rows_rejected", "rows_replaced",
    "rows_skipped", "errors_total", "would_load",
)  # fmt: skip


def summary_fields(r: LoadResult) -> dict[str, Any]:
    """The fields of ``r`` its summary is made from."""
    return {name: getattr(r, name) for name in SUMMARY_FIELDS}


def summary(r: LoadResult) -> str:
    """The one line that says what the load did, or would do (in English; its code and
    parameters are ``summary_message(r)``)."""
    return str(summary_message(r))


def summary_message(r: Any, lang: str = DEFAULT_LANGUAGE, *, labels: Labels | None = None) -> str:
    """The summary of a load (a ``LoadResult`` or its dict) in ``lang``, from its fields;
    ``labels`` as for ``etl.messages.render`` (the kind's name)."""

    def render(code: str, params: dict[str, Any], lang: str) -> str:
        return _render(code, params, lang, labels=labels)

    def get(name: str, default: Any = None) -> Any:
        value = r.get(name, default) if isinstance(r, Mapping) else getattr(r, name, default)
        return None if value is None or value != value else value  # NaN of a pandas row

    kind = get("kind")
    params: dict[str, Any] = {
        "kind": kind or "unknown",
        "platform": get("platform") or "",
        "read": get("rows_read") or 0,
        "loaded": get("rows_loaded") or 0,
    }
    what = render("summary.what_platform" if params["platform"] else "summary.what", params, lang)
    parts: list[str] = []
    if get("message_code") == SUMMARY_CODE and get("message_params"):
        stored = get("message_params")
        fields = json.loads(stored) if isinstance(stored, str) else dict(stored)
        return summary_message(fields, lang, labels=labels)
    status = get("status")
    if status == "already_loaded":
        said = get("message") or ""
        code, found = code_of(said)
        if code is None and get("message_code"):
            code, found = get("message_code"), get("message_params") or {}
        return _render(code, found, lang, labels=labels) if code else str(said)
    replaced, rejected = get("rows_replaced") or 0, get("rows_rejected") or 0
    skipped, errors = get("rows_skipped") or 0, get("errors_total") or 0
    if status == "loaded":
        parts.append(render("summary.loaded", {**params, "what": what}, lang))
        if replaced:
            parts.append(render("summary.replacing", {"count": replaced}, lang))
        if rejected:
            parts.append(render("summary.kept_aside", {"count": rejected}, lang))
        if skipped:
            parts.append(render("summary.skipped", {"count": skipped}, lang))
    elif status == "dry_run" and get("would_load"):
        loadable = params["read"] - rejected - skipped
        parts.append(
            render("summary.would_load", {**params, "what": what, "loadable": loadable}, lang)
        )
        if replaced:
            parts.append(render("summary.replacing", {"count": replaced}, lang))
        if skipped:
            parts.append(render("summary.skipped", {"count": skipped}, lang))
    elif status == "dry_run":
        parts.append(render("summary.would_reject", {"count": errors}, lang))
    else:
        parts.append(render("summary.rejected", {"what": what, "count": errors}, lang))
    return "".join(parts)
