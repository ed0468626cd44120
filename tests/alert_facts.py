"""A programme with figures and costs that make alerts true, and what each rule must find in
it, worked out here from the figures loaded (not by the dashboard's code).

The conftest programme (PDP-01 of ADR, 1 Mar to 31 Dec 2026, impressions target 2,000,000;
FOE-02 of SMK, 1 Apr 2026 to 31 Jan 2027, target 1,000,000; 2026 KZT rates of 600 + month + 0.5
per euro) gets:

* PDP-01: 1,000 Instagram impressions a day from 1 Mar to 10 Jun (102 days), and 4,500,000 KZT
  booked on budget line 5.1 (budget 4,000,000) on 15 Apr;
* FOE-02: 10,000 TikTok impressions a day from 1 Apr to 28 Jun (89 days), and 6,000,000 KZT
  booked on line 1.1 (budget 5,000,000) on 10 May.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from conftest import METRICS_HEADER, write

from etl.load import load_file
from etl.warehouse import Warehouse

AS_OF = dt.date(2026, 7, 1)
PERIODS = {"PDP-01": (dt.date(2026, 3, 1), dt.date(2026, 12, 31)),
           "FOE-02": (dt.date(2026, 4, 1), dt.date(2027, 1, 31))}  # fmt: skip
BUDGETS_KZT = {"PDP-01": 6_000_000 + 4_000_000 + 2_500_000, "FOE-02": 5_000_000 + 3_000_000}
LINE_BUDGETS_KZT = {("PDP-01", "5.1"): 4_000_000, ("FOE-02", "1.1"): 5_000_000}
COSTS = {("PDP-01", "5.1"): (dt.date(2026, 4, 15), 4_500_000),
         ("FOE-02", "1.1"): (dt.date(2026, 5, 10), 6_000_000)}  # fmt: skip
FIGURES = {"PDP-01": ("instagram", dt.date(2026, 3, 1), dt.date(2026, 6, 10), 1_000),
           "FOE-02": ("tiktok", dt.date(2026, 4, 1), dt.date(2026, 6, 28), 10_000)}  # fmt: skip
TARGETS = {"PDP-01": 2_000_000, "FOE-02": 1_000_000}
ORGANISATIONS = {"PDP-01": "ADR", "FOE-02": "SMK"}


def rate(month: int) -> float:
    """KZT per euro of a 2026 month, as the conftest's rates file has it."""
    return 600 + month + 0.5


def _days(start: dt.date, end: dt.date) -> list[dt.date]:
    return [start + dt.timedelta(days=n) for n in range((end - start).days + 1)]


def load_facts(wh: Warehouse, folder: Path) -> None:
    for campaign, (platform, start, end, per_day) in FIGURES.items():
        rows = [f"{d},{platform},,,{per_day},,,,,,,," for d in _days(start, end)]
        path = write(folder / f"metrics_{campaign}.csv", METRICS_HEADER + "\n" + "\n".join(rows))
        assert load_file(wh, path, campaign=campaign).status == "loaded"
    for (campaign, line), (day, amount) in COSTS.items():
        path = write(
            folder / f"spend_{campaign}.csv",
            f"date,budget_line,amount,currency,description,reference\n"
            f"{day},{line},{amount},KZT,cost,R-{campaign}\n",
        )
        assert load_file(wh, path, campaign=campaign).status == "loaded"


def reject_a_load(wh: Warehouse, folder: Path, campaign: str = "FOE-02") -> int:
    """A metrics file for ``campaign`` the loader rejects (a platform misspelt); its batch."""
    path = write(folder / "bad.csv", METRICS_HEADER + "\n2026-06-01,tiktak,,,1000,,,,,,,,\n")
    result = load_file(wh, path, campaign=campaign)
    assert result.status == "rejected"
    return result.batch_id


def elapsed(campaign: str, day: dt.date) -> float:
    start, end = PERIODS[campaign]
    return min(1.0, max(0.0, ((day - start).days + 1) / ((end - start).days + 1)))


def impressions(campaign: str, day: dt.date) -> int:
    _, start, end, per_day = FIGURES[campaign]
    return per_day * len([d for d in _days(start, end) if d <= day])


def spend_eur(campaign: str, line: str | None = None) -> float:
    return sum(
        round(amount / rate(day.month), 2)
        for (c, ln), (day, amount) in COSTS.items()
        if c == campaign and line in (None, ln)
    )


def budget_eur(kzt: float) -> float:
    """A budget in euros: at the latest rate loaded (December's)."""
    return kzt / rate(12)


def expected(day: dt.date = AS_OF, band: float = 0.15, stale_days: int = 14) -> set[tuple]:
    """(rule, campaign, subject) of every alert the default rules must find at ``day``."""
    found = set()
    for campaign, (start, end) in PERIODS.items():
        passed = elapsed(campaign, day)
        if day >= start and impressions(campaign, day) / TARGETS[campaign] / passed < 1 - band:
            found.add(("kpi_behind", campaign, "OP1"))
        execution = spend_eur(campaign) / budget_eur(BUDGETS_KZT[campaign])
        if day >= start and execution / passed > 1 + band:
            found.add(("spend_ahead", campaign, ""))
        last = FIGURES[campaign][2]
        if start <= day <= end and (day - min(last, day)).days >= stale_days:
            found.add(("no_figures", campaign, ""))
    for (campaign, line), budget in LINE_BUDGETS_KZT.items():
        if spend_eur(campaign, line) > budget_eur(budget):
            found.add(("budget_line_over", campaign, line))
    return found
