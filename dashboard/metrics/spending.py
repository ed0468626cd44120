"""The Budget page's figures for a set of campaigns: their budgets and spend by campaign, EU
budget heading and line, in euros or as booked in tenge, each campaign's spend pace, the
headings in the financial report's order (``dashboard.charts.budget.annex_rows``) and the lines
within them, with their execution and flags.

Worked out once per published load, selection and day (``reader.derived``), so a rerun of the
page (a click on the currency, a table sorted) only draws them. The page adds what depends on
the reader's language: labels, icons and links.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import pandas as pd

from dashboard import reader
from dashboard.charts import budget as rules
from dashboard.metrics import lookups
from dashboard.metrics.builder import query
from dashboard.metrics.selection import Selection, Settings
from dashboard.metrics.status import spend_pace
from etl.warehouse import Warehouse

# Each breakdown below adds these up: money by campaign, heading and line.
DETAIL = ("campaign", "heading", "budget_line")


@dataclass
class BudgetFigures:
    """What the Budget page shows of its campaigns, in the currency asked for."""

    budget_total: float | None  # None: no budget in the currency
    spent_total: float  # booked in the period
    spent_to_date: float  # from each campaign's first day to the day of the figures
    elapsed: float | None  # the period's share of the campaigns' time, weighted by budget
    execution: float | None  # spent_total / budget_total
    flag: str  # the whole budget's flag (``annex_rows``' rules)
    missing_rates: int  # cost lines without a euro amount (euros only)
    annex: pd.DataFrame  # one row per heading, then the subtotal and total
    lines: pd.DataFrame  # one row per budget line, headings in order
    campaigns: pd.DataFrame  # each campaign's spend pace, budget and spend
    monthly: pd.DataFrame  # spend by month and heading


def _sum(values: pd.Series) -> float | None:
    total = values.sum(min_count=1) if len(values) else None
    return None if total is None or pd.isna(total) else float(total)


def _heading_column(df: pd.DataFrame) -> pd.DataFrame:
    df = df.copy()
    df["heading"] = df["heading"].fillna(rules.UNMATCHED).astype(int)
    return df


@reader.derived
def budget_figures(
    wh: Warehouse, sel: Selection, day: dt.date, currency: str, settings: Settings
) -> BudgetFigures:
    """The figures of ``sel``'s campaigns (its ``campaigns``, in that order) over its period,
    their statuses and spend to date at ``day``, in ``currency`` (``EUR``, or ``KZT`` as
    booked)."""
    codes = tuple(sel.campaigns)
    in_eur = currency == "EUR"

    def in_currency(measures: dict[str, str], s: Selection, grain: str, by: tuple) -> pd.DataFrame:
        """Measures by ``by``, in euros or as booked in tenge (KZT rows only), renamed as
        ``measures`` says (euro measure id -> column)."""
        if in_eur:
            return query(wh, list(measures), s, grain, by, settings).rename(columns=measures)
        booked = {
            m.replace("_eur", "_original"): c for m, c in measures.items() if m.endswith("_eur")
        }
        df = query(wh, list(booked), s, grain, ("currency", *by), settings)
        df = df[df["currency"] == "KZT"].drop(columns="currency")
        return df.rename(columns=booked).reset_index(drop=True)

    # Spend from each campaign's first day to ``day``, as spend pace counts it.
    to_date = Selection(campaigns=codes, end=day, campaigns_in_period=False)
    budget_detail = _heading_column(in_currency({"budget_eur": "budget"}, sel, "total", DETAIL))
    spend_detail = _heading_column(
        in_currency(
            {"spend_eur": "spent", "spend_lines_without_rate": "no_rate"}, sel, "total", DETAIL
        )
    )
    spent_so_far = in_currency({"spend_eur": "spent"}, to_date, "total", ("campaign",))
    spent_so_far = spent_so_far.set_index("campaign")["spent"]
    pace = spend_pace(wh, day, codes, settings)
    pace["elapsed_in_period"] = [
        rules.period_elapsed(r.start_date, r.end_date, sel.start, day) for r in pace.itertuples()
    ]

    budget_total = _sum(budget_detail["budget"])
    spent_total = _sum(spend_detail["spent"]) or 0.0
    campaign_budget = budget_detail.groupby("campaign")["budget"].sum(min_count=1)
    elapsed = rules.weighted_elapsed(
        campaign_budget, pace.set_index("campaign")["elapsed_in_period"]
    )

    # By heading, in the financial report's order.
    heading_budget = budget_detail.groupby("heading", as_index=False)["budget"].sum(min_count=1)
    heading_spent = spend_detail.groupby("heading", as_index=False)["spent"].sum(min_count=1)
    weights = (
        budget_detail.groupby(["campaign", "heading"], as_index=False)["budget"]
        .sum(min_count=1)
        .merge(pace[["campaign", "elapsed_in_period"]], on="campaign", how="left")
    )
    heading_elapsed = {
        h: rules.weighted_elapsed(part["budget"], part["elapsed_in_period"])
        for h, part in weights.groupby("heading")
    }
    by_heading = heading_budget.merge(heading_spent, on="heading", how="outer")
    by_heading["elapsed"] = by_heading["heading"].map(heading_elapsed)
    annex = rules.annex_rows(by_heading, band=settings.band)

    # Lines within each heading.
    line_keys = ["heading", "budget_line"]
    line_budget = budget_detail.groupby(line_keys, as_index=False)["budget"].sum(min_count=1)
    line_spent = spend_detail.groupby(line_keys, as_index=False)["spent"].sum(min_count=1)
    lines = line_budget.merge(line_spent, on=line_keys, how="outer")
    lines = rules.with_execution(lines, band=settings.band, check_pace=False)
    info = _heading_column(lookups.budget_line_info(wh, codes))
    lines = lines.merge(
        info[["heading", "budget_line", "description", "campaigns"]], on=line_keys, how="left"
    )
    lines["order"] = lines["heading"].replace(rules.UNMATCHED, 99)
    lines = lines.sort_values(["order", "budget_line"]).reset_index(drop=True)
    lines["campaigns"] = lines["campaigns"].astype("Int64")

    # Each campaign's pace, budget and spend.
    campaigns = pace.copy()
    campaigns["budget"] = campaigns["campaign"].map(campaign_budget)
    spent_period = spend_detail.groupby("campaign")["spent"].sum(min_count=1)
    campaigns["spent_period"] = campaigns["campaign"].map(spent_period).fillna(0.0)
    campaigns["spent_to_date"] = campaigns["campaign"].map(spent_so_far).fillna(0.0)

    monthly = in_currency({"spend_eur": "spent"}, sel, "month", ("heading",))
    monthly = _heading_column(monthly).rename(columns={"period": "month"})
    monthly = monthly[monthly["spent"].fillna(0) != 0]

    return BudgetFigures(
        budget_total=budget_total,
        spent_total=spent_total,
        spent_to_date=_sum(spent_so_far) or 0.0,
        elapsed=elapsed,
        execution=spent_total / budget_total if budget_total else None,
        flag=rules.flag(budget_total, spent_total, elapsed, settings.band),
        missing_rates=int(_sum(spend_detail["no_rate"]) or 0) if in_eur else 0,
        annex=annex,
        lines=lines,
        campaigns=campaigns,
        monthly=monthly,
    )


__all__ = ["DETAIL", "BudgetFigures", "budget_figures"]
