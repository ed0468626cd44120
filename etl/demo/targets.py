"""The demo campaigns' logframe targets, set so that each campaign's figures keep its pace.

The indicators' wording comes from ``kpis.toml``; each target is what the campaign's figures so
far, at its KPI pace (``programme.toml``), would reach by its end, rounded as a logframe's are.
"""

from __future__ import annotations

import math
from random import Random
from typing import Any

from etl.demo.datafiles import read_toml
from etl.demo.participants import Event
from etl.demo.programme import Campaign, elapsed_share
from etl.demo.seeding import stream
from etl.demo.social import MetricTotals

_INDICATORS: dict[str, dict[str, Any]] = read_toml("kpis.toml")
_BASELINE_YEAR = 2025


def _nice(x: float) -> int:
    """``x`` rounded to two significant figures, as a target in a logframe would be."""
    if x <= 0:
        return 0
    step = 10 ** max(0, math.floor(math.log10(x)) - 1)
    return int(round(x / step) * step)


def _baselines_and_targets(
    rng: Random, c: Campaign, totals: MetricTotals, participants: int
) -> dict[str, tuple[int, int]]:
    """Each indicator's (baseline, target); every one is drawn, whichever the campaign reports."""
    elapsed = elapsed_share(c)
    growth = totals.followers_now - totals.followers_start
    follow_pace = c.kpi_pace * rng.uniform(0.95, 1.1)
    engagement_pace = rng.uniform(0.95, 1.05)
    participant_pace = rng.uniform(0.9, 1.05)
    feedback = _INDICATORS["OC1"]
    return {
        "OP1": (0, _nice(totals.impressions / (elapsed * c.kpi_pace))),
        "OP2": (0, _nice(totals.engagements / (elapsed * c.kpi_pace * engagement_pace))),
        "OP3": (0, _nice(participants / (elapsed * participant_pace))),
        "OP4": (
            totals.followers_start,
            totals.followers_start + _nice(max(growth, 1) / (elapsed * follow_pace)),
        ),
        "OC1": (rng.choice(feedback["baseline_choices"]), feedback["target"]),
    }


def kpi_rows(
    c: Campaign, totals: MetricTotals, events: list[Event], seed: int
) -> list[list[object]]:
    """The programme workbook's KPI target rows of the campaign's indicators."""
    rng = stream(seed, c.code, "kpi")
    figures = _baselines_and_targets(rng, c, totals, sum(e.total for e in events))
    out: list[list[object]] = []
    for code in c.kpis:
        ind = _INDICATORS[code]
        baseline, target = figures[code]
        out.append(
            [
                c.code,
                code,
                ind["indicator"],
                ind["level"],
                ind["metric"],
                ind["unit"],
                "increase",
                baseline,
                _BASELINE_YEAR,
                target,
                ind["cumulative"],
                ind.get("indicator_ru", ""),
                ind.get("indicator_kk", ""),
            ]
        )
    return out
