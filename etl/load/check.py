"""Checking one file without writing anything: read it (CSV or XLSX), tell what it is (one of
our kinds, a platform's own export, a form's responses, the set-up workbook) and stage its rows
in temporary tables. What cannot be loaded at all is refused with a ``FileRejected`` that says
what to do instead."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import duckdb

from etl import forms, platform_exports, reading, recognise, spend
from etl.headers import detect_kind, match, sheet_kind
from etl.kinds import FILE_KINDS, PERSONAL_FIELDS
from etl.load.context import DATE_ORDER, campaign_context
from etl.load.findings import formula_issues, staged_file
from etl.load.programme_workbook import stage_programme
from etl.load.result import Issue, LoadResult
from etl.load.rewritten import raw_rows, stage_export, stage_form
from etl.messages import message
from etl.stage import Context, Staged, stage


def read_and_stage(
    con: duckdb.DuckDBPyConnection,
    data: bytes | reading.Scan,
    path: Path,
    result: LoadResult,
    *,
    name: str,
    kind: str | None,
    campaign: str | None,
    as_of: dt.date,
    mapping: forms.Mapping | None,
) -> dict[str, Staged]:
    """Read the file and type its rows. ``data`` is its bytes, or a ``Scan`` of a large file."""
    large = isinstance(data, reading.Scan)
    fmt = reading.sniff_format(data.head if large else data)
    if large and (fmt != "csv" or not data.utf8 or data.blank_lines):
        data, large = path.read_bytes(), False
    if fmt == "json":
        raise reading.FileRejected(reading.json_message(data if not large else data.head, name))
    if fmt == "xls":
        raise reading.FileRejected(message("load.old_excel", name=name))
    if fmt == "xlsx":
        book = reading.read_workbook(data, name)
        result.detected = {"format": "xlsx"}
        programme_sheets = {
            s: sheet_kind(s) for s in book.sheets if sheet_kind(s) not in (None, "help")
        }
        if kind == "programme" or (kind is None and programme_sheets):
            return stage_programme(con, book, result, name=name)
        first = next(iter(book.sheets))
        result.detected["sheet"] = first
        formulas = [f for f in book.formula_errors if f[0] == first]
        raw = reading.read_sheet(
            con, book.sheets[first], name=name, table="raw_0", kinds=(kind,) if kind else None
        )
    else:
        formulas = []
        raw = _read_csv(con, data, path, name=name, kind=kind, large=large)
    result.detected = {**result.detected, **raw.detected, "header_row": raw.header_row}
    if kind == "programme":
        raise reading.FileRejected(message("load.programme_not_workbook", name=name))
    return _stage_table(
        con,
        raw,
        formulas,
        result,
        name=name,
        kind=kind,
        campaign=campaign,
        as_of=as_of,
        mapping=mapping,
    )


def _read_csv(
    con: duckdb.DuckDBPyConnection,
    data: bytes | reading.Scan,
    path: Path,
    *,
    name: str,
    kind: str | None,
    large: bool,
) -> reading.RawTable:
    """A CSV file's rows as ``raw_0``; of a large file only the first bytes are decoded here."""
    if large:
        text, encoding = reading.decode(data.head, name, partial=True)
    else:
        text, encoding = reading.decode(data, name)
    return reading.read_csv_text(
        con,
        text,
        name=name,
        encoding=encoding,
        table="raw_0",
        kinds=(kind,) if kind else None,
        source_path=path,
        head_only=large,
    )


def _stage_table(
    con: duckdb.DuckDBPyConnection,
    raw: reading.RawTable,
    formulas: list,
    result: LoadResult,
    *,
    name: str,
    kind: str | None,
    campaign: str | None,
    as_of: dt.date,
    mapping: forms.Mapping | None,
) -> dict[str, Staged]:
    """A one-table file staged by what it is: form responses, a platform's own export, or
    one of our kinds (given, or told by its header)."""
    if mapping is not None:
        return stage_form(con, raw, mapping, result, name=name, campaign=campaign)
    if kind in (None, "feedback") and forms.looks_like_form(raw.header):
        staged = _stage_unmapped_form(con, raw, result, name=name, campaign=campaign)
        if staged is not None:
            return staged
    if kind in (None, "metrics"):
        profile = platform_exports.detect(raw.header, name=name)
        if profile is not None:
            return stage_export(
                con, raw, profile, result, name=name, campaign=campaign, as_of=as_of
            )
    kind = _kind_of(raw.header, result, kind, name)
    result.kind = kind
    return _stage_kind(con, raw, formulas, result, kind, name=name, campaign=campaign)


def _stage_unmapped_form(
    con: duckdb.DuckDBPyConnection,
    raw: reading.RawTable,
    result: LoadResult,
    *,
    name: str,
    campaign: str | None,
) -> dict[str, Staged] | None:
    """A form's responses without a mapping (most questions are not our field names), staged
    through a mapping proposed from the questions and answers; None when the file's columns
    are mostly our field names."""
    fb = match("feedback", raw.header)
    named = [f for f in fb.columns if f != "submitted_at"]
    if not (fb.unknown and len(fb.unknown) >= len(named)):
        return None
    result.kind = "feedback"
    rows = raw_rows(con, raw)
    proposal = forms.propose(raw.header, rows, events=forms.campaign_events(con, campaign))
    if not proposal.ok:
        result.detected["questions"] = proposal.questions
        result.detected["proposal"] = proposal.describe()
        raise reading.FileRejected(
            message("load.form_unmapped", name=name, questions="; ".join(proposal.questions))
        )
    return stage_form(
        con,
        raw,
        proposal.mapping,
        result,
        name=name,
        campaign=campaign,
        proposal=proposal,
        rows=rows,
    )


def _kind_of(header: list[str], result: LoadResult, kind: str | None, name: str) -> str:
    """The kind given, or the one the header tells; a file that is another platform export,
    or an audience breakdown, or of no kind, is refused as that."""
    if kind is None:
        kind, scores = detect_kind(header)
        breakdown = platform_exports.breakdown(header)
        if breakdown is not None and (kind is None or match(kind, header).missing):
            raise reading.FileRejected(
                message("load.audience_breakdown", name=name, export=breakdown.name)
            )
        if kind is None or match(kind, header).missing:
            _refuse_other_exports(header, name)
        if kind is None:
            raise reading.FileRejected(_unknown_kind_message(header, name))
        result.kind_detected = True
    elif kind == "metrics" and match(kind, header).missing:
        _refuse_other_exports(header, name)
    return kind


def _stage_kind(
    con: duckdb.DuckDBPyConnection,
    raw: reading.RawTable,
    formulas: list,
    result: LoadResult,
    kind: str,
    *,
    name: str,
    campaign: str | None,
) -> dict[str, Staged]:
    """A file in one of our kinds, staged (spend through ``spend``, which reads amounts with
    currency marks and lines with descriptions, and makes references)."""
    spec = FILE_KINDS[kind]
    ctx = Context(date_order=DATE_ORDER.get())
    if spec.needs_campaign:
        ctx = campaign_context(con, campaign, name)
    hm = match(kind, raw.header)
    if kind == "feedback":
        _leave_out_personal(hm, raw.header, result)
    if kind == "spend":  # amounts with currency marks, lines with descriptions, no references
        s, raw = spend.stage_spend(con, raw, hm, ctx, name=name)
    else:
        s = stage(con, raw, hm, ctx, name=name, suffix="_0")
    formula_issues(con, s, raw, formulas)
    return staged_file(con, s, raw, result, kind)


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
    if not found.columns:
        return message("load.unknown_kind", name=name, header=shown)
    columns = ", ".join(found.missing)
    one_of = ""
    if spec.evidence and not any(f in found.columns for f in spec.evidence):
        one_of = ", ".join(spec.evidence)
    if columns and one_of:
        needs = message("load.needs_columns_and_one_of", columns=columns, fields=one_of)
    elif columns:
        needs = message("load.needs_columns", columns=columns)
    elif one_of:
        needs = message("load.needs_one_of", fields=one_of)
    else:
        needs = message("load.needs_more")
    return message(
        "load.unknown_kind_near",
        name=name,
        header=shown,
        has=", ".join(header[i] for i in found.columns.values()),
        kind=best,
        needs=needs,
        template=best,
    )


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
                message("load.personal_not_stored", columns=", ".join(c for _, c in personal)),
                "warning",
            )
        )
