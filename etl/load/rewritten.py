"""Files rewritten into our fields before they are staged: a platform's own export (into
metrics) and a form's responses (into feedback, through a mapping given, saved or proposed)."""

from __future__ import annotations

import datetime as dt

import duckdb

from etl import forms, platform_exports, reading, recognise
from etl.load.context import DATE_ORDER, campaign_context
from etl.load.findings import staged_file
from etl.load.result import Issue, LoadResult
from etl.messages import message
from etl.stage import Staged, stage


def stage_form(
    con: duckdb.DuckDBPyConnection,
    raw: reading.RawTable,
    mapping: forms.Mapping,
    result: LoadResult,
    *,
    name: str,
    campaign: str | None,
    proposal: forms.Proposal | None = None,
    rows: list | None = None,
) -> dict[str, Staged]:
    """Form responses rewritten into feedback fields through ``mapping`` (given, saved with
    the campaign, or ``proposal``'s), then staged."""
    try:
        rw = forms.rewrite(
            mapping,
            raw.header,
            rows if rows is not None else raw_rows(con, raw),
            name,
            events=forms.campaign_events(con, campaign),
            date_order=DATE_ORDER.get(),
        )
    except forms.MappingError as exc:
        raise reading.FileRejected(exc.args[0] if exc.args else str(exc)) from None
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
            f: {
                "questions": qs,
                "why": why[f].why if f in why else "",
                "reasons": [r.as_dict() for r in why[f].reasons] if f in why else [],
            }
            for f, qs in rw.fields.items()
        },
        "questions": forms.form_questions(raw.header),
        "dates_assumed": rw.dates_assumed,
    }
    if proposal is not None:
        # The proposal is a function of the file's bytes: the checksum stays the file's, so the
        # same file again is "already loaded".
        result.detected["notes"] = [*proposal.lines(), *proposal.notes]
        told = [message("forms.proposed", fields=proposal.summary()), *proposal.warnings]
        rw.warnings[:0] = [(None, "", None, text) for text in told]
    return _stage_rewritten(con, raw, rw, result, name=name, campaign=campaign)


def stage_export(
    con: duckdb.DuckDBPyConnection,
    raw: reading.RawTable,
    profile: platform_exports.Profile,
    result: LoadResult,
    *,
    name: str,
    campaign: str | None,
    as_of: dt.date,
) -> dict[str, Staged]:
    """A platform's own export, rewritten into our metrics fields and staged."""
    refusal = recognise.export_without_figures(profile, raw.header, name)
    if refusal:
        raise reading.FileRejected(refusal)
    try:
        rw = platform_exports.rewrite(
            profile,
            raw.header,
            raw_rows(con, raw),
            as_of=as_of,
            preamble=raw.preamble,
            name=name,
        )
    except ValueError as exc:
        raise reading.FileRejected(exc.args[0] if exc.args else str(exc)) from None
    result.kind, result.kind_detected = "metrics", True
    result.detected["export"] = profile.label
    result.detected["export_name"] = profile.name  # its label in other languages (etl.messages)
    if profile.grain == "post":
        result.detected["as_of"] = as_of.isoformat()
    if rw.notes:
        result.detected["notes"] = rw.notes
    return _stage_rewritten(con, raw, rw, result, name=name, campaign=campaign)


def raw_rows(
    con: duckdb.DuckDBPyConnection, raw: reading.RawTable
) -> list[tuple[int, list[str | None]]]:
    """The file's data rows as (row number, cells), for rewriting in Python; blank lines are
    no rows."""
    rows = con.execute(f"SELECT * FROM {raw.table} ORDER BY row_number").fetchall()
    return [(r[0], list(r[1:])) for r in rows if any(c is not None for c in r[1:])]


def _stage_rewritten(
    con: duckdb.DuckDBPyConnection,
    raw: reading.RawTable,
    rw,
    result: LoadResult,
    *,
    name: str,
    campaign: str | None,
) -> dict[str, Staged]:
    """Stage rows rewritten into one of our kinds (``rw.match.kind``), with their warnings."""
    for row, column, value, text in rw.warnings:
        result.warnings.append(Issue(row, column or None, value, text, "warning"))
    table = reading.numbered_table(con, f"raw_{rw.match.kind}", rw.header, rw.rows, raw)
    ctx = campaign_context(con, campaign, name)
    s = stage(con, table, rw.match, ctx, name=name, suffix="_0")
    s.file_source, s.file_header = raw.table, raw.header
    return staged_file(con, s, table, result, rw.match.kind)
