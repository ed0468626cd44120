"""The report's Logframe table: the programme's indicators (from the reporting file) with their
values in the period and to date, achievement and status, then each campaign's KPI targets as
the Campaign page shows them, all through the metrics layer (``metrics.progress``): an indicator
that adds up over time is on track, behind or ahead of its pace, a level or a rate has met its
target or not."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, replace
from typing import Any

import pandas as pd

from dashboard import metrics
from dashboard.report.config import Indicator, ReportingConfig
from dashboard.report.model import Request, Table
from dashboard.report.words import day, word
from etl.warehouse import Warehouse

NOT_MEASURED = "not measured by the dashboard"
PROGRAMME_TARGET = "programme target: see the programme-wide report"

LOGFRAME_COLUMNS = [
    "section", "level", "result", "indicator_code", "indicator", "unit", "baseline",
    "baseline_year", "target", "value_period", "value_cumulative", "achievement", "status",
    "source_of_verification", "disaggregation", "campaign", "measure", "note",
]  # fmt: skip

KPI_SOURCES = {
    "impressions": "Platform analytics exports",
    "views": "Platform analytics exports",
    "engagements": "Platform analytics exports",
    "followers": "Platform analytics exports (follower counts)",
    "follower_growth": "Platform analytics exports (follower counts)",
    "content_items": "Platform analytics exports (posts)",
    "events_held": "Event lists uploaded by the grantee",
    "participants": "Attendance sheets uploaded by the grantee",
    "feedback_responses": "Participant feedback forms",
    "positive_feedback_share": "Participant feedback forms",
    "spend_eur": "Cost ledger uploaded by the grantee",
}
DEFAULT_KPI_SOURCE = "Campaign data loaded into the programme's warehouse"


@dataclass(frozen=True)
class LogframeInputs:
    """What the logframe is computed for: the request, its campaigns (code and name), the
    status date, whether the report covers part of the programme, and the period's figures by
    each breakdown (``build._splits``)."""

    request: Request
    campaigns: pd.DataFrame
    as_of: dt.date
    partial: bool
    splits: dict[str, pd.DataFrame]

    @property
    def codes(self) -> tuple[str, ...]:
        return tuple(self.campaigns["code"])


def logframe_table(
    wh: Warehouse, config: ReportingConfig, inputs: LogframeInputs, lang: str = "en"
) -> Table:
    """The Logframe table (see the module docs)."""
    rows = _programme_rows(wh, config, inputs)
    rows += _campaign_kpi_rows(wh, config.settings, inputs)
    return Table(
        "logframe",
        word("table.logframe.title", lang),
        word("table.logframe.description", lang),
        _frame(rows),
        keys=("section", "indicator_code"),
        notes=_notes(config, inputs, lang),
    )


# --- the programme's indicators ---------------------------------------------------------------


def _programme_rows(
    wh: Warehouse, config: ReportingConfig, inputs: LogframeInputs
) -> list[dict[str, Any]]:
    settings, prog, request = config.settings, config.programme, inputs.request
    approved = request.approved_only
    period = metrics.Selection(
        start=request.start, end=request.end, campaigns=inputs.codes, approved_only=approved
    )
    cumulative = metrics.Selection(
        start=prog.start, end=request.end, campaigns=inputs.codes, approved_only=approved
    )
    needed = sorted({i.measure for i in config.indicators if i.measure})
    in_period = metrics.query(wh, needed, period, "total", (), settings) if needed else None
    so_far = metrics.query(wh, needed, cumulative, "total", (), settings) if needed else None
    elapsed = metrics.elapsed_share(prog.start, prog.end, inputs.as_of)
    rows = []
    for ind in config.indicators:
        rec = _indicator_row(ind, inputs.partial)
        if not ind.measure:
            rec["status"] = metrics.NO_SOURCE
            rec["note"] = NOT_MEASURED
        else:
            rec["value_period"] = metrics.on_indicator_scale(
                _value(in_period, ind.measure), ind.measure, ind.unit
            )
            rec["value_cumulative"] = metrics.on_indicator_scale(
                _value(so_far, ind.measure), ind.measure, ind.unit
            )
            rec["disaggregation"] = split_text(ind, inputs.splits)
            rec.update(_indicator_status(ind, rec["value_cumulative"], config, inputs, elapsed))
        rows.append(rec)
    return rows


def _indicator_row(ind: Indicator, partial: bool) -> dict[str, Any]:
    """A programme indicator's row as the reporting file gives it, before its values."""
    return {
        "section": "programme",
        "level": ind.level,
        "result": ind.result,
        "indicator_code": ind.code,
        "indicator": ind.indicator,
        "unit": ind.unit,
        "baseline": ind.baseline,
        "baseline_year": ind.baseline_year,
        "target": None if partial else ind.target,
        "value_period": None,
        "value_cumulative": None,
        "achievement": None,
        "status": None,
        "source_of_verification": ind.source,
        "disaggregation": ", ".join(ind.disaggregation),
        "campaign": None,
        "measure": ind.measure,
        "note": "",
    }


def _indicator_status(
    ind: Indicator,
    cumulative: float | None,
    config: ReportingConfig,
    inputs: LogframeInputs,
    elapsed: float,
) -> dict[str, Any]:
    """Achievement, status and note of a measured indicator: compared with its target in a
    whole-programme report only."""
    if inputs.partial:
        return {"note": PROGRAMME_TARGET}
    prog = config.programme
    where = metrics.progress(
        cumulative,
        ind.baseline,
        ind.target,
        ind.direction,
        ind.cumulative,
        elapsed=elapsed,
        started=inputs.as_of >= prog.start,
        what=metrics.MEASURES[ind.measure].label.lower(),
        band=config.settings.band,
    )
    return {"achievement": where.achievement, "status": where.status, "note": where.note}


def _value(frame: pd.DataFrame | None, column: str) -> float | None:
    if frame is None or frame.empty or column not in frame:
        return None
    value = frame[column].iloc[0]
    return None if pd.isna(value) else float(value)


def split_text(ind: Indicator, splits: dict[str, pd.DataFrame]) -> str:
    """The period's value split by each disaggregation, as text (``sex: female 120; male
    95``), from the period's figures by each breakdown."""
    if not ind.measure:
        return ", ".join(ind.disaggregation)
    parts = []
    for dim in ind.disaggregation:
        df = splits[dim].dropna(subset=[ind.measure]).sort_values(dim)
        if df.empty:
            continue
        values = "; ".join(
            f"{group} {_number_text(metrics.on_indicator_scale(value, ind.measure, ind.unit))}"
            for group, value in zip(df[dim], df[ind.measure], strict=True)
        )
        parts.append(f"{dim.replace('_', ' ')}: {values}")
    return " | ".join(parts)


def _number_text(value: float | None) -> str:
    if value is None:
        return ""
    if float(value).is_integer():
        return f"{int(value):,}"
    return f"{value:,.2f}"


# --- each campaign's KPI targets --------------------------------------------------------------


def _campaign_kpi_rows(
    wh: Warehouse, settings: metrics.Settings, inputs: LogframeInputs
) -> list[dict[str, Any]]:
    """Each campaign's own KPI targets, as the Campaign page shows them at the status date."""
    kpis = metrics.kpi_progress(
        wh, inputs.as_of, inputs.codes, settings, approved_only=inputs.request.approved_only
    )
    if not len(kpis):
        return []
    by_campaign = _kpi_values_in_period(wh, settings, inputs, kpis)
    names = dict(zip(inputs.campaigns["code"], inputs.campaigns["name"], strict=True))
    rows = []
    for k in kpis.itertuples(index=False):
        value = None
        if isinstance(k.measure, str) and k.campaign in by_campaign.index:
            raw = by_campaign.at[k.campaign, k.measure]
            value = metrics.on_indicator_scale(raw, k.measure, k.unit)
        rows.append(_kpi_row(k, names.get(k.campaign, ""), value))
    return rows


def _kpi_values_in_period(
    wh: Warehouse, settings: metrics.Settings, inputs: LogframeInputs, kpis: pd.DataFrame
) -> pd.DataFrame:
    """The KPIs' measures in the period, within each campaign's own dates, by campaign."""
    measures = sorted({m for m in kpis["measure"] if isinstance(m, str)})
    if not measures:
        return pd.DataFrame()
    request = inputs.request
    period = metrics.Selection(
        start=request.start,
        end=request.end,
        campaigns=inputs.codes,
        approved_only=request.approved_only,
    )
    within = replace(period, within_campaign_period=True)
    by_campaign = metrics.query(wh, measures, within, "total", ("campaign",), settings)
    return by_campaign.set_index("campaign")


def _kpi_row(k: Any, name: str, value: float | None) -> dict[str, Any]:
    return {
        "section": "campaign",
        "level": k.level,
        "result": f"{k.campaign}: {name}",
        "indicator_code": f"{k.campaign}/{k.indicator_code}",
        "indicator": k.indicator,
        "unit": k.unit,
        "baseline": k.baseline,
        "baseline_year": k.baseline_year,
        "target": k.target,
        "value_period": value,
        "value_cumulative": k.actual,
        "achievement": k.achievement,
        "status": k.status,
        "source_of_verification": KPI_SOURCES.get(k.measure, DEFAULT_KPI_SOURCE),
        "disaggregation": "",
        "campaign": k.campaign,
        "measure": k.measure,
        "note": k.note,
    }


# --- the table --------------------------------------------------------------------------------


def _frame(rows: list[dict[str, Any]]) -> pd.DataFrame:
    frame = pd.DataFrame.from_records(rows, columns=LOGFRAME_COLUMNS)
    for col in ("baseline", "target", "value_period", "value_cumulative", "achievement"):
        frame[col] = pd.to_numeric(frame[col], errors="coerce").astype("float64")
    frame["baseline_year"] = pd.to_numeric(frame["baseline_year"], errors="coerce").astype("Int64")
    return frame


def _notes(config: ReportingConfig, inputs: LogframeInputs, lang: str = "en") -> tuple[str, ...]:
    prog = config.programme
    notes = [
        word(
            "note.logframe_status",
            lang,
            as_of=day(inputs.as_of, lang),
            start=day(prog.start, lang),
            end=day(prog.end, lang),
        ),
        word("note.logframe_cumulative", lang),
    ]
    if inputs.partial:
        notes.append(word("note.logframe_partial", lang))
    return tuple(notes)
