"""The alert rules: each a function of the warehouse, a day and the rule's settings, returning
the :class:`etl.alerts.Alert` it finds, computed from the metrics layer's own figures (KPI pace
from :func:`kpi_progress`, spend from :func:`spend_pace` and the budget and spend measures,
figures' freshness from :func:`data_freshness`) and the load log. Reads go through the scoped
reader, so a grantee's evaluation sees only their organisation's campaigns.

:data:`RULES` is the registry: ``@rule("name")`` adds one, and its settings come from the
``[rules.name]`` table of the alerts file (``etl/alerts/alerts.toml``), its texts from the
catalogue keys ``alerts.name.<name>`` and ``alerts.text.<name>`` (its parameters, and
``campaign``, fill the text). ``report_overdue`` reads what each campaign owes per reporting
period from :func:`dashboard.metrics.reporting.owed`.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Callable
from typing import NamedTuple

import pandas as pd

from dashboard import reader
from dashboard.metrics.builder import query, run_sql
from dashboard.metrics.selection import Selection, Settings
from dashboard.metrics.status import data_freshness, spend_pace
from dashboard.metrics.targets import BEHIND, OVERSPENDING, as_date, kpi_progress
from etl.alerts import Alert
from etl.alerts.config import AlertsConfig, RuleConfig
from etl.warehouse import Warehouse

RuleFunction = Callable[[Warehouse, dt.date, RuleConfig], list[Alert]]
RULES: dict[str, RuleFunction] = {}


def rule(name: str) -> Callable[[RuleFunction], RuleFunction]:
    """Register a rule under ``name`` (its settings: ``[rules.<name>]`` of the alerts file)."""

    def register(func: RuleFunction) -> RuleFunction:
        if name in RULES:
            raise ValueError(f"two alert rules named '{name}'")
        RULES[name] = func
        return func

    return register


@reader.derived
def current_alerts(wh: Warehouse, as_of: dt.date, config: AlertsConfig) -> list[Alert]:
    """Every alert the enabled rules find at ``as_of``, within the reader's scope, in rule
    order then by campaign and subject; kept until the next load is published, so the list
    and the sign-in notice do not work them out again on every rerun."""
    found: list[Alert] = []
    for name, func in RULES.items():
        settings = config.rule(name)
        if settings.enabled:
            found += sorted(func(wh, as_of, settings), key=lambda a: (a.campaign or "", a.subject))
    return found


def step_of(value: float, step: float) -> int:
    """Which step of width ``step`` ``value`` falls in (0.6 in steps of 0.25: 2), the band a
    fingerprint holds so that a small move does not make an alert news again. Fingerprints hold
    figures (a share achieved or spent), never a pace, which moves as days pass: time alone
    does not make an alert news."""
    if step <= 0:
        return 0
    return math.floor(round(value / step, 9))


class _Campaign(NamedTuple):
    organisation: str
    start: dt.date
    end: dt.date


def _campaigns(wh: Warehouse) -> dict[str, _Campaign]:
    """The campaigns with their organisation and period, by code (a dict: a rule looks one up
    per alert, which on a frame's index costs a hundred times as much)."""
    frame = run_sql(
        wh, "SELECT code, organisation_code, start_date, end_date FROM campaigns ORDER BY code"
    )
    return {
        code: _Campaign(org, as_date(start), as_date(end))
        for code, org, start, end in zip(
            frame["code"].tolist(),
            frame["organisation_code"].tolist(),
            frame["start_date"].tolist(),
            frame["end_date"].tolist(),
            strict=True,
        )
    }


def _number(value: object) -> float | None:
    return None if value is None or pd.isna(value) else float(value)


@rule("kpi_behind")
def kpi_behind(wh: Warehouse, as_of: dt.date, settings: RuleConfig) -> list[Alert]:
    """A KPI whose pace (achievement over the elapsed share) is below 1 - band; its
    fingerprint holds the step of the share achieved."""
    orgs = _campaigns(wh)
    kpis = kpi_progress(wh, as_of, (), Settings(band=settings.value("band", 0.15)))
    step = settings.value("achievement_step", 0.1)
    return [
        Alert(
            "kpi_behind",
            k.campaign,
            str(k.indicator_code),
            f"behind:{step_of(k.achievement, step)}",
            orgs[k.campaign].organisation,
            {
                "indicator": str(k.indicator_code),
                "indicator_name": str(k.indicator),
                "achievement": _number(k.achievement),
                "elapsed": _number(k.elapsed),
                "pace": _number(k.pace),
            },
        )
        for k in kpis.itertuples(index=False)
        if k.status == BEHIND
    ]


@rule("spend_ahead")
def spend_ahead(wh: Warehouse, as_of: dt.date, settings: RuleConfig) -> list[Alert]:
    """A campaign whose share of the budget spent is ahead of the elapsed share by more than
    the band."""
    orgs = _campaigns(wh)
    pace = spend_pace(wh, as_of, (), Settings(band=settings.value("band", 0.15)))
    step = settings.value("execution_step", 0.1)
    return [
        Alert(
            "spend_ahead",
            s.campaign,
            "",
            f"ahead:{step_of(s.execution, step)}",
            orgs[s.campaign].organisation,
            {
                "execution": _number(s.execution),
                "elapsed": _number(s.elapsed),
                "spend_eur": _number(s.spend_eur),
                "budget_eur": _number(s.budget_eur),
            },
        )
        for s in pace.itertuples(index=False)
        if s.status == OVERSPENDING
    ]


@rule("budget_line_over")
def budget_line_over(wh: Warehouse, as_of: dt.date, settings: RuleConfig) -> list[Alert]:
    """A budget line whose spend (EUR, booked up to ``as_of``) is above its budget by more
    than the tolerance."""
    orgs = _campaigns(wh)
    if not orgs:
        return []
    sel = Selection(campaigns=tuple(orgs), end=as_of, campaigns_in_period=False)
    money = query(wh, ["budget_eur", "spend_eur"], sel, "total", ("campaign", "budget_line"))
    tolerance = settings.value("tolerance", 0.0)
    step = settings.value("execution_step", 0.1)
    found = []
    for m in money.itertuples(index=False):
        budget, spend = _number(m.budget_eur), _number(m.spend_eur)
        if pd.isna(m.budget_line) or not budget or spend is None:
            continue
        execution = spend / budget
        if execution > 1 + tolerance:
            found.append(
                Alert(
                    "budget_line_over",
                    m.campaign,
                    str(m.budget_line),
                    f"over:{step_of(execution, step)}",
                    orgs[m.campaign].organisation,
                    {
                        "line": str(m.budget_line),
                        "budget_eur": budget,
                        "spend_eur": spend,
                        "execution": execution,
                    },
                )
            )
    return found


@rule("no_figures")
def no_figures(wh: Warehouse, as_of: dt.date, settings: RuleConfig) -> list[Alert]:
    """A running campaign (started, not yet ended) without social-media figures for ``days``
    days: since its last day with figures, or since its start."""
    orgs = _campaigns(wh)
    days = int(settings.value("days", 14))
    fresh = data_freshness(wh, as_of, (), Settings(stale_days=days))
    found = []
    for f in fresh.itertuples(index=False):
        campaign = orgs[f.campaign]
        running = campaign.start <= as_of <= campaign.end
        if not (running and f.no_recent_data):
            continue
        last = (
            None
            if f.last_metric_date is None or pd.isna(f.last_metric_date)
            else f.last_metric_date
        )
        found.append(
            Alert(
                "no_figures",
                f.campaign,
                "",
                f"last:{last.isoformat() if last else 'none'}",
                campaign.organisation,
                {"days": int(f.days_without_data), "last_date": last.isoformat() if last else None},
            )
        )
    return found


_REJECTED = """
    SELECT r.batch_id, r.kind, r.campaign_code, r.source_name, r.loaded_by,
           CAST(r.started_at AS DATE) AS day
    FROM loads r
    WHERE r.status = 'rejected' AND r.started_at >= $since AND r.started_at < $until
      AND NOT EXISTS (
          SELECT 1 FROM loads l
          WHERE l.status = 'loaded' AND l.batch_id > r.batch_id AND l.kind = r.kind
            AND l.campaign_code IS NOT DISTINCT FROM r.campaign_code)
    ORDER BY r.batch_id
"""


@rule("load_rejected")
def load_rejected(wh: Warehouse, as_of: dt.date, settings: RuleConfig) -> list[Alert]:
    """A load rejected in the ``days`` days up to ``as_of``, with no later load of the same
    kind for the same campaign loaded since. A programme-wide load (set-up, rates) belongs to
    no campaign and goes to officers only."""
    orgs = _campaigns(wh)
    days = int(settings.value("days", 7))
    since = dt.datetime.combine(as_of - dt.timedelta(days=max(days - 1, 0)), dt.time())
    until = dt.datetime.combine(as_of + dt.timedelta(days=1), dt.time())
    rows = run_sql(wh, _REJECTED, {"since": since, "until": until})
    found = []
    for r in rows.itertuples(index=False):
        campaign = None if pd.isna(r.campaign_code) else str(r.campaign_code)
        found.append(
            Alert(
                "load_rejected",
                campaign,
                str(r.batch_id),
                "rejected",
                orgs[campaign].organisation if campaign in orgs else None,
                {
                    "batch": int(r.batch_id),
                    "file": None if pd.isna(r.source_name) else str(r.source_name),
                    "kind": str(r.kind),
                    "day": as_date(r.day).isoformat(),
                },
            )
        )
    return found


@rule("report_overdue")
def report_overdue(wh: Warehouse, as_of: dt.date, settings: RuleConfig) -> list[Alert]:
    """A reporting period past its due day with kinds of file owed and not received
    (``missing`` in :func:`owed`), unless the period is approved: one alert per campaign and
    period (subject: the period), news again when what is missing changes."""
    from dashboard.metrics.reporting import MISSING, owed

    table = owed(wh, as_of)
    found = []
    missing = table[(table["state"] == MISSING) & (table["submission"] != "approved")]
    for (campaign, period), rows in missing.groupby(["campaign", "period"], sort=True):
        kinds = list(rows["kind"])
        found.append(
            Alert(
                "report_overdue",
                str(campaign),
                str(period),
                "missing:" + ",".join(kinds),
                str(rows["organisation"].iloc[0]),
                {
                    "period": str(period),
                    "due": as_date(rows["due"].iloc[0]).isoformat(),
                    "kinds": kinds,
                },
            )  # fmt: skip
        )
    return found


def alert_states(wh: Warehouse) -> pd.DataFrame:
    """The alerts kept in the warehouse (every evaluation by ``campaigns alerts``), within the
    reader's scope: alert_key, rule, campaign_code, subject, fingerprint, opened_at,
    changed_at, seen_at, closed_at; the open ones first, newest first."""
    return run_sql(
        wh,
        "SELECT alert_key, rule, campaign_code, subject, fingerprint, opened_at, changed_at, "
        "seen_at, closed_at FROM alerts ORDER BY closed_at IS NOT NULL, changed_at DESC",
    )
