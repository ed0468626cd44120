"""What a donor report says of the reporting cycle: which campaign-periods in its range are not
approved (so left out of its figures by default, or included and named), and the narratives the
grantees submitted with their periods.

A campaign's reporting periods (``etl.reporting``: their length from the ``[cycle]`` of the
reporting file) are those overlapping both the report's range and the campaign's dates, up to
the one the status date falls in. A period is approved when ``reporting_periods`` says so; any
other is ``submitted``, ``returned``, ``reopened`` or ``not_submitted``.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable, Sequence

import pandas as pd

from dashboard import metrics
from dashboard.report.model import Approval, PeriodState, ReportMeta, Table
from dashboard.report.words import day, word
from etl.reporting import NARRATIVE_PARTS, ReportingSettings, campaign_periods
from etl.warehouse import Warehouse

APPROVAL_COLUMNS = ["campaign", "period", "state"]
NARRATIVE_COLUMNS = ["campaign", "period", "state", *NARRATIVE_PARTS]


def _day(value: object) -> dt.date:
    return pd.Timestamp(value).date()


def _states(wh: Warehouse, codes: Sequence[str]) -> dict[tuple[str, str], str]:
    rows = metrics.run_sql(
        wh,
        "SELECT campaign_code, period, state FROM reporting_periods "
        "WHERE list_contains($c, campaign_code)",
        {"c": list(codes)},
    )
    return {(r.campaign_code, r.period): r.state for r in rows.itertuples(index=False)}


def approval(
    wh: Warehouse,
    campaigns: pd.DataFrame,
    start: dt.date,
    end: dt.date,
    as_of: dt.date,
    settings: ReportingSettings,
    approved_only: bool,
) -> Approval:
    """The campaign-periods of ``campaigns`` (columns ``code``, ``start_date``, ``end_date``)
    in ``start``..``end`` that have begun by ``as_of`` and are not approved, by campaign and
    period."""
    states = _states(wh, list(campaigns["code"]))
    out = []
    for c in campaigns.itertuples(index=False):
        first = max(_day(c.start_date), start)
        last = min(_day(c.end_date), end)
        if last < first:
            continue
        for period in campaign_periods(first, last, settings, as_of):
            state = states.get((c.code, period)) or "not_submitted"
            if state != "approved":
                out.append(PeriodState(c.code, period, state))
    return Approval(approved_only, tuple(out))


def narratives_table(
    wh: Warehouse,
    codes: Sequence[str],
    start: dt.date,
    end: dt.date,
    approved_only: bool,
    lang: str = "en",
) -> Table:
    """The narratives submitted with the campaigns' periods overlapping ``start``..``end`` (of
    approved periods only when ``approved_only``): achievements, challenges and success story
    as written, one row per campaign and period."""
    rows = metrics.run_sql(
        wh,
        "SELECT campaign_code AS campaign, period, state, narrative FROM reporting_periods "
        "WHERE list_contains($c, campaign_code) AND narrative IS NOT NULL "
        "AND period_start <= $end AND period_end >= $start "
        "AND (NOT $approved_only OR state = 'approved') ORDER BY campaign_code, period",
        {"c": list(codes), "start": start, "end": end, "approved_only": approved_only},
    )
    records = []
    for r in rows.itertuples(index=False):
        parts = r.narrative if isinstance(r.narrative, dict) else json.loads(r.narrative)
        records.append(
            {
                "campaign": r.campaign,
                "period": r.period,
                "state": r.state,
                **{k: parts.get(k) for k in NARRATIVE_PARTS},
            }
        )
    frame = pd.DataFrame.from_records(records, columns=NARRATIVE_COLUMNS).astype(object)
    frame = frame.where(frame.notna(), None)
    which = "approved" if approved_only else "all"
    return Table(
        "narratives",
        word("table.narratives.title", lang),
        word(f"table.narratives.description_{which}", lang),
        frame,
        keys=("campaign", "period"),
        notes=() if len(frame) else (word("narratives.none", lang),),
    )


def periods_text(
    periods: Sequence[PeriodState], lang: str = "en", code: Callable[[str], str] = str
) -> str:
    """``PDP-01 2026-10 (submitted), ...`` in ``lang``, each campaign code and period written
    by ``code`` (a page escapes them for Markdown)."""
    return ", ".join(
        f"{code(p.campaign)} {code(p.period)} ({state_word(p.state, lang)})" for p in periods
    )


def state_word(state: str, lang: str = "en") -> str:
    """A period's state as the report's files write it."""
    return word(f"value.state.{state}", lang)


def statement(
    meta: ReportMeta, lang: str | None = None, code: Callable[[str], str] = str
) -> str | None:
    """What the report counted of the reporting cycle, in ``lang`` (default: the report's
    language): "Figures of periods not yet approved are left out: ..." or "Includes figures
    not yet approved: ..."; None for a report made before the cycle. ``code`` writes each
    campaign code and period (see :func:`periods_text`)."""
    a = meta.approval
    if a is None:
        return None
    lang = lang or meta.lang
    if not a.not_approved:
        return word("approval.all_approved", lang)
    key = "approval.left_out" if a.approved_only else "approval.included"
    return word(key, lang, periods=periods_text(a.not_approved, lang, code))


def approval_table(meta: ReportMeta) -> Table | None:
    """The campaign-periods not approved, as a table for the files (None for a report made
    before the reporting cycle)."""
    a = meta.approval
    if a is None:
        return None
    frame = pd.DataFrame(
        [p.plain() for p in a.not_approved], columns=APPROVAL_COLUMNS, dtype=object
    )
    text = statement(meta) or ""
    return Table(
        "approval",
        word("table.approval.title", meta.lang),
        word("table.approval.description", meta.lang),
        frame,
        keys=("campaign", "period"),
        notes=(
            text,
            word("approval.status_date", meta.lang, date=day(meta.status_date, meta.lang)),
        ),
    )
