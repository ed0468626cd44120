"""Where each campaign stands at a date: its spend against the elapsed share of its period
(:func:`spend_pace`), how recent its figures are (:func:`data_freshness`), and one overall
status with its reasons (:func:`campaign_status`).

Reasons are codes with parameters (:class:`Reason`), never sentences: ``dashboard.status_text``
writes them in the reader's language.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

import pandas as pd

from dashboard import reader
from dashboard.metrics.builder import Params, query, run_sql
from dashboard.metrics.selection import DEFAULT_SETTINGS, Selection, Settings
from dashboard.metrics.targets import (
    AHEAD,
    AT_RISK,
    BEHIND,
    NO_DATA,
    NOT_STARTED,
    ON_PLAN,
    ON_TRACK,
    OVERSPENDING,
    UNDERSPENDING,
    as_date,
    elapsed_share,
    kpi_progress,
    pace_status,
)
from etl.warehouse import Warehouse

# The codes of the reasons a campaign is behind or at risk.
KPI_BEHIND = "kpi_behind"
REASON_OVERSPENDING = "overspending"
REASON_UNDERSPENDING = "underspending"
OVER_BUDGET = "over_budget"
NO_FIGURES_SINCE_START = "no_figures_since_start"
NO_FIGURES_FOR = "no_figures_for"
REASON_CODES = (
    KPI_BEHIND,
    REASON_OVERSPENDING,
    REASON_UNDERSPENDING,
    OVER_BUDGET,
    NO_FIGURES_SINCE_START,
    NO_FIGURES_FOR,
)


@dataclass(frozen=True)
class Reason:
    """Why a campaign is behind or at risk: a code of :data:`REASON_CODES` and what it is
    about: ``kpi`` (the indicator behind pace, for ``kpi_behind``), ``execution`` (the share of
    the budget spent, for ``overspending`` and ``underspending``) or ``days`` (without figures,
    for ``no_figures_since_start`` and ``no_figures_for``)."""

    code: str
    kpi: str | None = None
    execution: float | None = None
    days: int | None = None

    def __post_init__(self) -> None:
        if self.code not in REASON_CODES:
            raise ValueError(f"unknown reason '{self.code}'; use one of: {REASON_CODES}")


def _campaigns(wh: Warehouse, campaigns: Sequence[str] = ()) -> pd.DataFrame:
    p = Params()
    where = f"WHERE list_contains({p('c', tuple(campaigns))}, code)" if campaigns else ""
    return run_sql(
        wh,
        f"SELECT code, name, start_date, end_date, status FROM campaigns {where} ORDER BY code",
        p.values,
    )


SPEND_PACE_COLUMNS = (
    "campaign", "start_date", "end_date", "budget_eur", "spend_eur",
    "spend_lines_without_rate", "execution", "elapsed", "pace", "status", "over_budget",
)  # fmt: skip


def _spend_record(c: Any, money: pd.DataFrame, as_of: date, settings: Settings) -> dict[str, Any]:
    """One row of :func:`spend_pace`: campaign ``c`` with its budget and spend (``money``, by
    campaign) against its elapsed period."""
    budget = spend = None
    missing = 0
    if c.code in money.index:
        row = money.loc[c.code]
        budget = None if pd.isna(row["budget_eur"]) else float(row["budget_eur"])
        spend = None if pd.isna(row["spend_eur"]) else float(row["spend_eur"])
        if not pd.isna(row["spend_lines_without_rate"]):
            missing = int(row["spend_lines_without_rate"])
    spend = spend or 0.0
    elapsed = elapsed_share(c.start_date, c.end_date, as_of)
    execution = spend / budget if budget else None
    pace = execution / elapsed if execution is not None and elapsed > 0 else None
    if as_of < as_date(c.start_date):
        status = NOT_STARTED
    elif execution is None:
        status = NO_DATA
    else:
        status = {BEHIND: UNDERSPENDING, AHEAD: OVERSPENDING, ON_TRACK: ON_PLAN}[
            pace_status(pace, settings.band)
        ]
    return {
        "campaign": c.code,
        "start_date": as_date(c.start_date),
        "end_date": as_date(c.end_date),
        "budget_eur": budget,
        "spend_eur": spend,
        "spend_lines_without_rate": missing,
        "execution": execution,
        "elapsed": elapsed,
        "pace": pace,
        "status": status,
        "over_budget": bool(execution is not None and execution > 1),
    }


@reader.derived
def spend_pace(
    wh: Warehouse,
    as_of: date,
    campaigns: Sequence[str] = (),
    settings: Settings = DEFAULT_SETTINGS,
) -> pd.DataFrame:
    """Spend against the elapsed share of each campaign's period, at ``as_of``.

    Columns: campaign, start_date, end_date, budget_eur, spend_eur, spend_lines_without_rate,
    execution (spend / budget), elapsed, pace (execution / elapsed), status (overspending,
    underspending, on plan, not started, no data: no budget), over_budget (spend above the
    budget). Spend counts every cost booked up to ``as_of``.
    """
    info = _campaigns(wh, campaigns)
    sel = Selection(campaigns=tuple(info["code"]), end=as_of, campaigns_in_period=False)
    money = query(
        wh,
        ["budget_eur", "spend_eur", "spend_lines_without_rate"],
        sel,
        "total",
        ("campaign",),
        settings,
    )
    money = money.set_index("campaign")
    records = [_spend_record(c, money, as_of, settings) for c in info.itertuples(index=False)]
    return pd.DataFrame.from_records(records, columns=list(SPEND_PACE_COLUMNS))


@reader.derived
def data_freshness(
    wh: Warehouse,
    as_of: date,
    campaigns: Sequence[str] = (),
    settings: Settings = DEFAULT_SETTINGS,
) -> pd.DataFrame:
    """The latest figures and loads of each campaign, and whether it has gone quiet.

    Columns: campaign, last_metric_date (the latest day with social-media figures, up to
    ``as_of``), days_without_data, last_load_at (the latest loaded batch for the campaign),
    no_recent_data. Days without data run from the last day with figures (or from the start
    date, when there are none) to ``as_of`` (or the end date, once the campaign is over);
    ``no_recent_data`` is set from ``stale_days`` (14) days on.
    """
    p = Params()
    listed = p("c", tuple(campaigns)) if campaigns else None
    where = f"WHERE list_contains({listed}, c.code)" if listed else ""
    of_listed = f"AND list_contains({listed}, campaign_code)" if listed else ""
    until = p("as_of", as_of)
    # The latest day up to ``as_of`` from the days each load's rows are dated on, kept by month
    # (``core.batch_month``): a campaign's page reads its own few rows, not every metric row.
    df = run_sql(
        wh,
        f"""
        WITH figures AS (
            SELECT campaign_code,
                   max(month + (CASE
                       WHEN month < date_trunc('month', {until}) THEN list_max(days)
                       ELSE list_max(list_filter(days, lambda d: d <= dayofmonth({until})))
                   END - 1)) AS last_metric_date
            FROM core.batch_month
            WHERE month <= {until} {of_listed}
            GROUP BY campaign_code
        ),
        loaded AS (
            SELECT campaign_code, max(finished_at) AS last_load_at FROM loads
            WHERE status = 'loaded' {of_listed}
            GROUP BY campaign_code
        )
        SELECT c.code AS campaign, c.start_date, c.end_date, f.last_metric_date, l.last_load_at
        FROM campaigns c
        LEFT JOIN figures f ON f.campaign_code = c.code
        LEFT JOIN loaded l ON l.campaign_code = c.code
        {where} ORDER BY c.code
        """,
        p.values,
    )
    last, days = [], []
    for row in df.itertuples(index=False):
        day = None if pd.isna(row.last_metric_date) else as_date(row.last_metric_date)
        since = day or as_date(row.start_date) - timedelta(days=1)
        last.append(day)
        days.append(max(0, (min(as_of, as_date(row.end_date)) - since).days))
    out = pd.DataFrame(
        {
            "campaign": df["campaign"],
            "last_metric_date": pd.Series(last, dtype=object),
            "days_without_data": pd.Series(days, dtype="int64"),
            "last_load_at": df["last_load_at"],
        }
    )
    out["no_recent_data"] = out["days_without_data"] >= settings.stale_days
    return out


def _reasons(
    behind: list[str], spend: Mapping[str, Any], fresh: Mapping[str, Any]
) -> tuple[Reason, ...]:
    """The reasons of one campaign's status: its KPIs behind pace, its spend off pace or over
    the budget, and its figures gone quiet (``spend``, ``fresh``: its rows of
    :func:`spend_pace` and :func:`data_freshness`)."""
    reasons = [Reason(KPI_BEHIND, kpi=indicator) for indicator in behind]
    if spend["status"] in (OVERSPENDING, UNDERSPENDING):
        code = REASON_OVERSPENDING if spend["status"] == OVERSPENDING else REASON_UNDERSPENDING
        reasons.append(Reason(code, execution=float(spend["execution"])))
    if spend["over_budget"]:
        reasons.append(Reason(OVER_BUDGET))
    if fresh["no_recent_data"]:
        days = int(fresh["days_without_data"])
        if fresh["last_metric_date"] is None or pd.isna(fresh["last_metric_date"]):
            reasons.append(Reason(NO_FIGURES_SINCE_START, days=days))
        else:
            reasons.append(Reason(NO_FIGURES_FOR, days=days))
    return tuple(reasons)


def _overall(behind: list[str], spend: Mapping[str, Any], stale: bool) -> str:
    """A campaign's status: behind, at risk, not started or on track."""
    if len(behind):
        return BEHIND
    if spend["status"] in (OVERSPENDING, UNDERSPENDING) or spend["over_budget"] or stale:
        return AT_RISK
    if spend["status"] == NOT_STARTED:
        return NOT_STARTED
    return ON_TRACK


STATUS_COLUMNS = (
    "campaign", "status", "kpis_behind", "kpis_assessed", "spend_status", "no_recent_data",
    "reasons",
)  # fmt: skip


@reader.derived
def campaign_status(
    wh: Warehouse,
    as_of: date,
    campaigns: Sequence[str] = (),
    settings: Settings = DEFAULT_SETTINGS,
) -> pd.DataFrame:
    """One status per campaign at ``as_of``, with the reasons.

    ``behind`` when any KPI with data is behind pace; else ``at risk`` when spend is over or
    under the elapsed share (beyond the band) or no figures arrived for ``stale_days`` days;
    else ``not started`` before the start date; else ``on track``. Columns: campaign, status,
    kpis_behind, kpis_assessed, spend_status, no_recent_data, reasons (a tuple of
    :class:`Reason`, empty when there is none; ``dashboard.status_text`` writes them).
    """
    kpis = kpi_progress(wh, as_of, campaigns, settings)
    spend = spend_pace(wh, as_of, campaigns, settings).set_index("campaign")
    fresh = data_freshness(wh, as_of, campaigns, settings).set_index("campaign").to_dict("index")
    assessed_kpis = kpis[kpis["status"].isin([ON_TRACK, BEHIND, AHEAD])]
    assessed_count = assessed_kpis.groupby("campaign").size().to_dict()
    behind_codes = (
        assessed_kpis[assessed_kpis["status"] == BEHIND]
        .groupby("campaign")["indicator_code"]
        .agg(list)
        .to_dict()
    )
    records = []
    for code, s in spend.to_dict("index").items():
        behind = behind_codes.get(code, [])
        stale = bool(fresh[code]["no_recent_data"])
        records.append(
            {
                "campaign": code,
                "status": _overall(behind, s, stale),
                "kpis_behind": len(behind),
                "kpis_assessed": assessed_count.get(code, 0),
                "spend_status": s["status"],
                "no_recent_data": stale,
                "reasons": _reasons(behind, s, fresh[code]),
            }
        )
    return pd.DataFrame.from_records(records, columns=list(STATUS_COLUMNS))
