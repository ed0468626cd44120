"""The report's money tables: the Financial report (budget against spend by EU budget heading
and line, Annex III), Budget lines, Costs and Sub-grants against the cap, in EUR by the
reporting file's conversion rule, through the metrics layer."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pandas as pd

from dashboard import metrics
from dashboard.report.model import Table, date_column
from dashboard.report.words import amount, word
from etl.kinds import DIRECT_HEADINGS, HEADING_NAMES, SUBTOTAL_HEADING, UNMATCHED_HEADING
from etl.warehouse import Warehouse

TOTAL_ROW = "Total eligible costs"
OVER_CAP = "above the cap"
WITHIN_CAP = "within the cap"

MONEY = ["budget_eur", "spent_period_eur", "spent_cumulative_eur"]
FINANCIAL_COLUMNS = ["row_type", "heading", "heading_name", "line_code", "description", *MONEY,
                     "execution", "variance_eur", "budget_kzt", "spent_period_kzt"]  # fmt: skip


def money_by_campaign(
    wh: Warehouse,
    campaigns: pd.DataFrame,
    end: dt.date,
    settings: metrics.Settings,
    *,
    approved_only: bool = False,
) -> pd.DataFrame:
    """Budget and spend to ``end`` (from each campaign's start; with ``approved_only``, the
    spend of approved periods only) of every campaign of the
    report's grantees, whatever its dates: the sub-grants count them all against the cap, and
    the Campaigns table takes its cumulative spend from them. Columns: campaign, organisation,
    organisation_name, budget_eur, spend_eur."""
    all_campaigns = metrics.run_sql(
        wh,
        "SELECT code AS campaign, organisation_code AS organisation, organisation_name "
        "FROM campaigns WHERE list_contains($o, organisation_code) ORDER BY code",
        {"o": sorted(set(campaigns["organisation"]))},
    )
    sel = metrics.Selection(
        end=end,
        campaigns=tuple(all_campaigns["campaign"]),
        campaigns_in_period=False,
        approved_only=approved_only,
    )
    money = metrics.query(wh, ["budget_eur", "spend_eur"], sel, "total", ("campaign",), settings)
    return all_campaigns.merge(money, on="campaign", how="left")


# --- the financial report ---------------------------------------------------------------------


def financial_table(
    wh: Warehouse,
    period: metrics.Selection,
    to_end: metrics.Selection,
    settings: metrics.Settings,
    lang: str = "en",
) -> Table:
    """Budget against spend by heading and line: each heading's lines under its total, the
    subtotal of direct costs, indirect costs, costs on lines not in the budget, the total."""
    lines = _lines(wh, period, to_end, settings)
    frame = _financial_frame(_heading_rows(lines))
    return Table(
        "financial",
        word("table.financial.title", lang),
        word("table.financial.description", lang),
        frame[FINANCIAL_COLUMNS],
        keys=("row_type", "heading", "line_code"),
        notes=(
            word("note.financial_fx", lang, rule=_fx_rule_text(settings, lang)),
            word("note.financial_cumulative", lang),
        ),
    )


def _lines(
    wh: Warehouse,
    period: metrics.Selection,
    to_end: metrics.Selection,
    settings: metrics.Settings,
) -> pd.DataFrame:
    """One row per heading and budget line: budget, spend in the period and to its end in
    EUR, and the amounts in tenge, with the line's description."""
    by = ("heading", "budget_line")
    in_period = metrics.query(wh, ["budget_eur", "spend_eur"], period, "total", by, settings)
    so_far = metrics.query(wh, ["spend_eur"], to_end, "total", by, settings)
    booked = metrics.query(
        wh, ["budget_original", "spend_original"], period, "total", (*by, "currency"), settings
    )
    kzt = booked[booked["currency"] == "KZT"].drop(columns="currency")
    keys = list(by)
    lines = (
        in_period.rename(columns={"spend_eur": "spent_period_eur"})
        .merge(so_far.rename(columns={"spend_eur": "spent_cumulative_eur"}), on=keys, how="outer")
        .merge(
            kzt.rename(
                columns={"budget_original": "budget_kzt", "spend_original": "spent_period_kzt"}
            ),
            on=keys,
            how="left",
        )
    )
    lines = lines.rename(columns={"budget_line": "line_code"})
    # Spend on lines of the period's campaigns made before the period has no row of its own
    # otherwise; lines with nothing at all are dropped.
    lines = lines[lines[MONEY].fillna(0).ne(0).any(axis=1) | lines["budget_kzt"].notna()]
    lines["heading"] = lines["heading"].fillna(UNMATCHED_HEADING).astype(int)
    descriptions = metrics.run_sql(
        wh,
        "SELECT line_code, mode(description) AS description FROM budget_lines "
        "WHERE list_contains($c, campaign_code) GROUP BY line_code",
        {"c": list(period.campaigns)},
    )
    return lines.merge(descriptions, on="line_code", how="left")


def _total_row(part: pd.DataFrame, heading: int | None, row_type: str, name: str) -> dict:
    rec = {"row_type": row_type, "heading": heading, "heading_name": name, "line_code": None,
           "description": None}  # fmt: skip
    for col in (*MONEY, "budget_kzt", "spent_period_kzt"):
        rec[col] = part[col].sum(min_count=1) if len(part) else None
    return rec


def _heading_block(lines: pd.DataFrame, heading: int) -> list[dict[str, Any]]:
    """A heading's total, then its lines; nothing for a heading without lines."""
    part = lines[lines["heading"] == heading].sort_values("line_code")
    if part.empty:
        return []
    name = HEADING_NAMES.get(heading, "")
    rows = [_total_row(part, heading, "heading", name)]
    rows += [{"row_type": "line", "heading_name": name, **rec} for rec in part.to_dict("records")]
    return rows


def _heading_rows(lines: pd.DataFrame) -> list[dict[str, Any]]:
    """The rows in the order of Annex III: direct costs 1-6, their subtotal, the other headings
    (indirect costs), costs on lines not in the budget, the total."""
    rows: list[dict[str, Any]] = []
    for heading in DIRECT_HEADINGS:
        rows += _heading_block(lines, heading)
    direct = lines[lines["heading"].isin(DIRECT_HEADINGS)]
    subtotal = HEADING_NAMES[SUBTOTAL_HEADING]
    rows.append(_total_row(direct, SUBTOTAL_HEADING, "subtotal", subtotal))
    for heading in sorted(set(lines["heading"]) - {*DIRECT_HEADINGS, UNMATCHED_HEADING}):
        rows += _heading_block(lines, heading)
    rows += _heading_block(lines, UNMATCHED_HEADING)
    rows.append(_total_row(lines, None, "total", TOTAL_ROW))
    return rows


def _financial_frame(rows: list[dict[str, Any]]) -> pd.DataFrame:
    frame = pd.DataFrame.from_records(rows)
    for col in (*MONEY, "budget_kzt", "spent_period_kzt"):
        frame[col] = pd.to_numeric(frame[col], errors="coerce").astype("float64")
    frame["heading"] = pd.to_numeric(frame["heading"], errors="coerce").astype("Int64")
    budget_eur = frame["budget_eur"]
    frame["execution"] = frame["spent_cumulative_eur"] / budget_eur.where(budget_eur > 0)
    frame["variance_eur"] = budget_eur.fillna(0) - frame["spent_cumulative_eur"].fillna(0)
    return frame


def _fx_rule_text(settings: metrics.Settings, lang: str = "en") -> str:
    if settings.fx_rule == "booking_month":
        return word("note.fx_booking_month", lang)
    return word("note.fx_campaign_average", lang)


# --- budget lines, costs, sub-grants ------------------------------------------------------------


def _rate_basis(month: str, settings: metrics.Settings, prefix: str = "") -> str:
    """SQL naming the rate an amount was converted at: ``EUR`` (no conversion), the month of
    the rate (``month``, SQL giving a date, after ``prefix``), or the campaign average; NULL
    without a rate."""
    basis = (
        f"'{prefix}' || strftime({month}, '%Y-%m')"
        if settings.fx_rule == "booking_month"
        else "'campaign average'"
    )
    return (
        "CASE WHEN currency = 'EUR' THEN 'EUR' WHEN rate_units_per_eur IS NULL THEN NULL "
        f"ELSE {basis} END"
    )


def budget_lines_table(
    wh: Warehouse, period: metrics.Selection, settings: metrics.Settings, lang: str = "en"
) -> Table:
    """Every budget line of the campaigns, as budgeted, with the rate of its EUR amount."""
    sql, params = metrics.selected_rows("budget", period, settings)
    # A budget under the booking-month rule is converted at the latest rate loaded.
    latest = "(SELECT max(month) FROM exchange_rates x WHERE x.currency = b.currency)"
    frame = metrics.run_sql(
        wh,
        "SELECT campaign_code AS campaign, heading, line_code, description, amount, currency, "
        f"rate_units_per_eur, {_rate_basis(latest, settings, 'latest: ')} AS rate_basis, "
        f"amount_eur AS budget_eur FROM ({sql}) b ORDER BY campaign_code, heading, line_code",
        params,
    )
    return Table(
        "budget_lines",
        word("table.budget_lines.title", lang),
        word("table.budget_lines.description", lang),
        frame,
        keys=("campaign", "line_code"),
    )


def costs_table(
    wh: Warehouse, period: metrics.Selection, settings: metrics.Settings, lang: str = "en"
) -> Table:
    """Every cost booked in the period, as booked, with the rate it was converted at."""
    sql, params = metrics.selected_rows("spend", period, settings)
    frame = metrics.run_sql(
        wh,
        "SELECT campaign_code AS campaign, spend_date, heading, line_code, description, "
        "reference, amount, currency, rate_units_per_eur, "
        f"{_rate_basis('spend_date', settings)} AS rate_basis, amount_eur "
        f"FROM ({sql}) ORDER BY spend_date, campaign_code, line_code, reference",
        params,
    )
    frame["spend_date"] = date_column(frame["spend_date"])
    frame["heading"] = frame["heading"].astype("Int64")
    missing = int(frame["amount_eur"].isna().sum())
    notes = []
    if missing:
        notes.append(word("note.costs_without_eur", lang, n=missing))
    return Table(
        "costs",
        word("table.costs.title", lang),
        word("table.costs.description", lang),
        frame,
        keys=("campaign", "spend_date", "line_code", "reference"),
        notes=tuple(notes),
    )


def subgrants_table(money: pd.DataFrame, cap: float, lang: str = "en") -> Table:
    """Each grantee's budget and cumulative spend (``money_by_campaign``) against the cap."""
    frame = (
        money.groupby(["organisation", "organisation_name"], as_index=False, dropna=False)
        .agg(
            campaigns=("campaign", lambda s: ", ".join(sorted(s))),
            budget_eur=("budget_eur", lambda s: s.sum(min_count=1)),
            spent_cumulative_eur=("spend_eur", lambda s: s.sum(min_count=1)),
        )
        .sort_values("organisation")
    )
    frame["cap_eur"] = cap
    frame["cap_share"] = frame["budget_eur"] / cap
    frame["headroom_eur"] = cap - frame["budget_eur"]
    frame["cap_status"] = [
        OVER_CAP if max(b or 0, s or 0) > cap else WITHIN_CAP
        for b, s in zip(
            frame["budget_eur"].fillna(0), frame["spent_cumulative_eur"].fillna(0), strict=True
        )
    ]
    return Table(
        "subgrants",
        word("table.subgrants.title", lang),
        word("table.subgrants.description", lang, cap=amount(cap, lang)),
        frame.reset_index(drop=True),
        keys=("organisation",),
    )
