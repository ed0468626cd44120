"""Targets and pace: the share of a period elapsed, a KPI's achievement and pace against it,
and :func:`kpi_progress`, every KPI target of the campaigns at a date.

Pace belongs to indicators that accumulate over time (``cumulative``: impressions, participants,
posts counted since the start): by now they should have reached the elapsed share of their
target, and they are on track within a band (+-15% by default) of it, else behind or ahead. An
indicator that does not accumulate (a level or a rate: followers, a satisfaction share of 91
against a target of 80) has no pace: it has met its target or not.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

import pandas as pd

from dashboard import reader
from dashboard.metrics.builder import Params, query, run_sql
from dashboard.metrics.measures import INDICATOR_MEASURES, MEASURES, UNMAPPED_INDICATORS
from dashboard.metrics.selection import DEFAULT_SETTINGS, Selection, Settings
from etl.warehouse import Warehouse

ON_TRACK, BEHIND, AHEAD = "on track", "behind", "ahead"
NOT_STARTED, NO_DATA, NO_SOURCE, NO_BASELINE = (
    "not started",
    "no data",
    "no data source",
    "no baseline",
)
OVERSPENDING, UNDERSPENDING, ON_PLAN = "overspending", "underspending", "on plan"
AT_RISK = "at risk"
MET, NOT_MET = "met", "not met"


def as_date(value: object) -> date:
    """A date from what DuckDB and pandas give back for a DATE (Timestamp, datetime, date)."""
    return value if type(value) is date else pd.Timestamp(value).date()


def elapsed_share(start: date, end: date, as_of: date) -> float:
    """The share of the period from ``start`` to ``end`` (both days included) that has passed
    by the end of ``as_of``: 0 before the start, 1 from the end date on."""
    start, end, as_of = as_date(start), as_date(end), as_date(as_of)
    total = (end - start).days + 1
    if total <= 0:
        raise ValueError(f"the period ends ({end}) before it starts ({start})")
    done = (as_of - start).days + 1
    return min(1.0, max(0.0, done / total))


def achievement(
    actual: float | None,
    baseline: float | None,
    target: float,
    direction: str = "increase",
    cumulative: bool = False,
) -> float | None:
    """The share of the target achieved (1.0 = 100%), or None when it cannot be computed.

    * increase, cumulative: actual / target (the count since the start against the
      life-of-project target);
    * increase, not cumulative (a level or a %): (actual - baseline) / (target - baseline);
    * decrease: (baseline - actual) / (baseline - target).
    """
    if actual is None or pd.isna(actual):
        return None
    if direction == "decrease":
        if baseline is None or pd.isna(baseline) or baseline == target:
            return None
        return (baseline - actual) / (baseline - target)
    if cumulative:
        return None if target == 0 else actual / target
    base = 0.0 if baseline is None or pd.isna(baseline) else baseline
    if target == base:
        return None
    return (actual - base) / (target - base)


def pace_status(pace: float | None, band: float = 0.15) -> str | None:
    """``on track`` within ``1 +- band`` of the elapsed share, else ``behind`` or ``ahead``."""
    if pace is None or pd.isna(pace):
        return None
    if pace < 1 - band:
        return BEHIND
    if pace > 1 + band:
        return AHEAD
    return ON_TRACK


def on_indicator_scale(value: float | None, measure_id: str, unit: str) -> float | None:
    """A measure's value on its indicator's scale: a percentage measure (a share, 0.25) as
    the 0-100 figure a ``%`` indicator is written in (25.0); anything else unchanged."""
    if value is None or pd.isna(value):
        return None
    if MEASURES[measure_id].unit == "percent" and str(unit).strip() == "%":
        return value * 100
    return value


def target_met(actual: float, target: float, direction: str = "increase") -> bool:
    """Whether a level or a rate has reached its target: at or above it, or at or below it for
    an indicator meant to decrease."""
    return actual <= target if direction == "decrease" else actual >= target


def expected_by_now(target: float, elapsed: float, cumulative: bool) -> float | None:
    """What a cumulative indicator should have reached by now, on its own scale (the elapsed
    share of its target); None for a level or a rate, which has no pace."""
    return target * elapsed if cumulative else None


@dataclass(frozen=True)
class Progress:
    """Where an indicator stands at a date: see :func:`progress`."""

    achievement: float | None
    pace: float | None
    status: str
    note: str = ""


def progress(
    actual: float | None,
    baseline: float | None,
    target: float,
    direction: str,
    cumulative: bool,
    *,
    elapsed: float,
    started: bool,
    what: str,
    band: float = DEFAULT_SETTINGS.band,
) -> Progress:
    """An indicator's achievement, pace and status (the rules of ``docs/metrics.md``): not
    started, no data (``what`` names the figure missing); a level or a rate (not
    ``cumulative``) has met its target or not, with no pace; a cumulative indicator has no
    baseline (a decrease without one), else is on track, behind or ahead by its pace
    (achievement / ``elapsed`` share of its period)."""
    if not started:
        return Progress(None, None, NOT_STARTED)
    if actual is None:
        return Progress(None, None, NO_DATA, f"nothing loaded for {what} yet")
    ach = achievement(actual, baseline, target, direction, cumulative)
    if not cumulative:
        return Progress(ach, None, MET if target_met(actual, target, direction) else NOT_MET)
    if ach is None:
        return Progress(
            None, None, NO_BASELINE, "the target equals the baseline, or a decrease has no baseline"
        )
    pace = ach / elapsed
    return Progress(ach, pace, pace_status(pace, band))


def _targets(wh: Warehouse, campaigns: Sequence[str]) -> pd.DataFrame:
    """The KPI targets of the campaigns (all when empty), with each campaign's period."""
    p = Params()
    where = f"WHERE list_contains({p('c', tuple(campaigns))}, t.campaign_code)" if campaigns else ""
    return run_sql(
        wh,
        "SELECT t.campaign_code AS campaign, t.indicator_code, t.indicator, t.level, t.metric, "
        "t.unit, t.direction, t.baseline, t.baseline_year, t.target, t.cumulative, "
        "c.start_date, c.end_date "
        f"FROM kpi_targets t JOIN campaigns c ON c.code = t.campaign_code {where} "
        "ORDER BY t.campaign_code, t.indicator_code",
        p.values,
    )


def _actuals(
    wh: Warehouse,
    targets: pd.DataFrame,
    needed: list[str],
    as_of: date,
    settings: Settings,
    approved_only: bool = False,
) -> dict[tuple[str, str], float]:
    """(campaign, measure) -> the measure over the campaign's own period up to ``as_of``, for
    the measures the targets need (none reported: left out)."""
    actuals: dict[tuple[str, str], float] = {}
    if not needed or targets.empty:
        return actuals
    sel = Selection(
        campaigns=tuple(sorted(set(targets["campaign"]))),
        end=as_of,
        within_campaign_period=True,
        campaigns_in_period=False,
        approved_only=approved_only,
    )
    df = query(wh, needed, sel, "total", ("campaign",), settings)
    for row in df.itertuples(index=False):
        for mid in needed:
            value = getattr(row, mid)
            if not pd.isna(value):
                actuals[(row.campaign, mid)] = float(value)
    return actuals


def _target_record(
    t: Any, measure_id: str | None, actual: float | None, as_of: date, settings: Settings
) -> dict[str, Any]:
    """One row of :func:`kpi_progress`: the target ``t`` with its progress at ``as_of``."""
    rec = {
        "campaign": t.campaign,
        "indicator_code": t.indicator_code,
        "indicator": t.indicator,
        "level": t.level,
        "metric": t.metric,
        "measure": measure_id,
        "unit": t.unit,
        "direction": t.direction,
        "baseline": None if pd.isna(t.baseline) else float(t.baseline),
        "baseline_year": None if pd.isna(t.baseline_year) else int(t.baseline_year),
        "target": float(t.target),
        "cumulative": bool(t.cumulative),
        "actual": None,
        "achievement": None,
        "elapsed": elapsed_share(t.start_date, t.end_date, as_of),
        "expected": None,
        "pace": None,
        "status": None,
        "note": "",
    }
    metric = t.metric.strip().lower() if isinstance(t.metric, str) else ""
    if not measure_id:
        rec["status"] = NO_SOURCE
        rec["note"] = UNMAPPED_INDICATORS.get(
            metric, f"no measure computes '{t.metric}'" if metric else "no metric named"
        )
        return rec
    actual = on_indicator_scale(actual, measure_id, t.unit)
    rec["actual"] = actual
    where = progress(
        actual,
        rec["baseline"],
        rec["target"],
        t.direction,
        rec["cumulative"],
        elapsed=rec["elapsed"],
        started=as_of >= as_date(t.start_date),
        what=MEASURES[measure_id].label.lower(),
        band=settings.band,
    )
    rec.update(achievement=where.achievement, pace=where.pace, status=where.status, note=where.note)
    if where.pace is not None:
        rec["expected"] = expected_by_now(rec["target"], rec["elapsed"], rec["cumulative"])
    return rec


KPI_COLUMNS = (
    "campaign", "indicator_code", "indicator", "level", "metric", "measure", "unit",
    "direction", "baseline", "baseline_year", "target", "cumulative", "actual", "achievement",
    "elapsed", "expected", "pace", "status", "note",
)  # fmt: skip


@reader.derived
def kpi_progress(
    wh: Warehouse,
    as_of: date,
    campaigns: Sequence[str] = (),
    settings: Settings = DEFAULT_SETTINGS,
    *,
    approved_only: bool = False,
) -> pd.DataFrame:
    """Every KPI target of the campaigns (all when empty) against its actual at ``as_of``
    (counting only figures of approved reporting periods when ``approved_only``, see
    ``Selection.approved_only``).

    Columns: campaign, indicator_code, indicator, level, metric, measure, unit, direction,
    baseline, baseline_year, target, cumulative, actual, achievement, elapsed, expected, pace,
    status, note. The actual is the mapped measure over the campaign's period up to ``as_of`` (a
    level at ``as_of`` for followers; percentages on the target's 0-100 scale). ``expected``
    (what it should have reached by now) and ``pace`` are for cumulative indicators only.
    ``status`` (see :func:`progress`) is one of on track, behind, ahead (cumulative
    indicators), met, not met (levels and rates), not started, no data (nothing loaded yet), no
    data source (the indicator maps to no measure) or no baseline (a decreasing cumulative
    indicator without one).
    """
    targets = _targets(wh, campaigns)
    mapped: list[str | None] = [
        INDICATOR_MEASURES.get(m.strip().lower()) if isinstance(m, str) else None
        for m in targets["metric"]
    ]
    needed = sorted({m for m in mapped if m})
    actuals = _actuals(wh, targets, needed, as_of, settings, approved_only)
    records = [
        _target_record(t, mid, actuals.get((t.campaign, mid)) if mid else None, as_of, settings)
        for t, mid in zip(targets.itertuples(index=False), mapped, strict=True)
    ]
    return pd.DataFrame.from_records(records, columns=list(KPI_COLUMNS))
