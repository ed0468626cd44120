"""A donor report's figures: the tables every export format (workbook, data package, PDF) is
made from, computed through the dashboard's metrics layer for one reporting period, into a
``dashboard.report.model.Report``.

Reads go through ``dashboard.data.read``, so a report holds only what its reader may see: a
grantee's report, from the Reports page or from ``campaigns export --user``, has only that
organisation's campaigns.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import replace
from typing import Any

import pandas as pd

from dashboard import data, metrics
from dashboard.charts.budget import DIRECT_HEADINGS, SUBTOTAL, UNMATCHED
from dashboard.report.config import Indicator, ReportingConfig
from dashboard.report.model import Report, ReportError, Request, Table
from etl.kinds import BUDGET_HEADINGS
from etl.warehouse import Warehouse

HEADING_NAMES = {
    **BUDGET_HEADINGS,
    SUBTOTAL: "Subtotal direct eligible costs (1-6)",
    UNMATCHED: "Costs on lines not in the budget",
}
TOTAL_ROW = "Total eligible costs"
OVER_CAP = "above the cap"
WITHIN_CAP = "within the cap"
NOT_MEASURED = "not measured by the dashboard"
PROGRAMME_TARGET = "programme target: see the programme-wide report"


# --- building -------------------------------------------------------------------------------


def build(
    wh: Warehouse,
    request: Request,
    config: ReportingConfig,
    *,
    today: dt.date | None = None,
    produced_at: dt.datetime | None = None,
) -> Report:
    """The report for ``request``, read within the current scope (see module docs)."""
    today = today or dt.date.today()
    settings = config.settings
    prog = config.programme
    campaigns = _campaigns(wh, request)
    if campaigns.empty:
        raise ReportError(_no_campaigns(request))
    codes = tuple(campaigns["code"])
    as_of = min(today, request.end)
    period = metrics.Selection(start=request.start, end=request.end, campaigns=codes)
    # From each campaign's first day to the end of the period: spend to date, as spend pace
    # and the Budget page count it.
    to_end = metrics.Selection(end=request.end, campaigns=codes, campaigns_in_period=False)
    partial = bool(request.campaigns or request.organisation or data.current_scope() is not None)

    organisations = campaigns.drop_duplicates("organisation")
    if len(organisations) == 1:
        org_code = organisations["organisation"].iloc[0]
        org_name = organisations["organisation_name"].iloc[0] or org_code
    else:
        org_code, org_name = None, None
    loads = metrics.run_sql(
        wh, "SELECT max(finished_at) AS last FROM loads WHERE status = 'loaded'"
    )
    last_load = loads["last"].iloc[0] if len(loads) else None
    produced_at = produced_at or dt.datetime.now(dt.UTC).replace(microsecond=0)

    meta: dict[str, Any] = {
        "programme": prog.name,
        "contract": prog.contract,
        "period_start": request.start.isoformat(),
        "period_end": request.end.isoformat(),
        "campaigns": list(codes),
        "requested_campaigns": list(request.campaigns),
        "requested_organisation": request.organisation,
        "scope": _scope_label(request, campaigns, partial),
        "organisation": org_code,
        "organisation_name": org_name or prog.implementing_partner,
        "produced_at": produced_at.isoformat(),
        "data_as_of": None if last_load is None or pd.isna(last_load) else str(last_load),
        "status_date": as_of.isoformat(),
        "fx_rule": settings.fx_rule,
        "funding_statement": prog.funding_statement,
        "disclaimer": prog.disclaimer_for(org_name),
        "subgrant_cap_eur": prog.subgrant_cap_eur,
        "programme_start": prog.start.isoformat(),
        "programme_end": prog.end.isoformat(),
        "whole_programme": not partial,
    }
    report = Report(meta)
    add = report.tables.__setitem__
    splits = _splits(wh, config, period, settings)
    add("logframe", _logframe(wh, config, request, campaigns, as_of, partial, splits))
    money = _money_by_campaign(wh, campaigns, request.end, settings)
    add("campaigns", _campaign_results(campaigns, splits["campaign"], money))
    add("platforms", _platforms(splits["platform"]))
    add("reach", _reach(wh, period))
    add("financial", _financial(wh, period, to_end, settings))
    add("budget_lines", _budget_lines(wh, period, settings))
    add("costs", _costs(wh, period, settings))
    add("subgrants", _subgrants(money, prog.subgrant_cap_eur))
    for table in _participants(wh, period, codes, splits):
        add(table.name, table)
    return report


def _no_campaigns(request: Request) -> str:
    what = (
        f"campaign {', '.join(request.campaigns)}"
        if request.campaigns
        else f"organisation {request.organisation}"
        if request.organisation
        else "the programme"
    )
    return (
        f"{what}: no campaign you may see runs between {request.start} and {request.end}; "
        "check the codes and the period"
    )


def _campaigns(wh: Warehouse, request: Request) -> pd.DataFrame:
    conditions = ["start_date <= $end", "end_date >= $start"]
    params: dict[str, Any] = {"start": request.start, "end": request.end}
    if request.campaigns:
        conditions.append("list_contains($codes, code)")
        params["codes"] = list(request.campaigns)
        known = metrics.run_sql(
            wh,
            "SELECT code FROM campaigns WHERE list_contains($codes, code)",
            {"codes": params["codes"]},
        )
        unknown = sorted(set(request.campaigns) - set(known["code"]))
        if unknown:
            raise ReportError(
                f"no campaign {', '.join(unknown)} that you may see; "
                "`campaigns list` shows the codes"
            )
    if request.organisation:
        conditions.append("organisation_code = $org")
        params["org"] = request.organisation
    return metrics.run_sql(
        wh,
        "SELECT code, name, organisation_code AS organisation, organisation_name, "
        "thematic_area, start_date, end_date, status FROM campaigns "
        f"WHERE {' AND '.join(conditions)} ORDER BY code",
        params,
    )


def _scope_label(request: Request, campaigns: pd.DataFrame, partial: bool) -> str:
    if request.campaigns and len(campaigns) == 1:
        row = campaigns.iloc[0]
        return f"Campaign {row['code']}: {row['name']}"
    if request.campaigns:
        return "Campaigns " + ", ".join(campaigns["code"])
    orgs = campaigns.drop_duplicates("organisation")
    if request.organisation or (partial and len(orgs) == 1):
        row = orgs.iloc[0]
        return f"Organisation {row['organisation']}: {row['organisation_name']}"
    if partial:
        return "Campaigns " + ", ".join(campaigns["code"])
    return "Whole programme"


def _dates(column: pd.Series) -> pd.Series:
    """Dates as ``datetime.date`` objects (None where missing), whatever DuckDB gave."""
    return column.map(lambda v: None if v is None or pd.isna(v) else pd.Timestamp(v).date())


def _value(frame: pd.DataFrame, column: str) -> float | None:
    if frame.empty or column not in frame:
        return None
    value = frame[column].iloc[0]
    return None if pd.isna(value) else float(value)


def _split_text(ind: Indicator, splits: dict[str, pd.DataFrame]) -> str:
    """The period's value split by each disaggregation, as text (``sex: female 120; male
    95``), from the period's figures by each breakdown (:func:`_splits`)."""
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


def _splits(
    wh: Warehouse,
    config: ReportingConfig,
    period: metrics.Selection,
    settings: metrics.Settings,
) -> dict[str, pd.DataFrame]:
    """The period's figures by each breakdown the report needs, one query per breakdown: the
    logframe's disaggregations, the Campaigns table (by campaign), the By platform table and
    the participants by sex, age group and region."""
    wanted: dict[str, set[str]] = {
        "campaign": set(CAMPAIGN_MEASURES),
        "platform": set(PLATFORM_MEASURES),
        **{dim: {"participants"} for dim in PARTICIPANT_BREAKDOWNS},
    }
    for ind in config.indicators:
        if ind.measure:
            for dim in ind.disaggregation:
                wanted.setdefault(dim, set()).add(ind.measure)
    return {
        dim: metrics.query(wh, sorted(measures), period, "total", (dim,), settings)
        for dim, measures in wanted.items()
    }


def _number_text(value: float | None) -> str:
    if value is None:
        return ""
    if float(value).is_integer():
        return f"{int(value):,}"
    return f"{value:,.2f}"


LOGFRAME_COLUMNS = [
    "section", "level", "result", "indicator_code", "indicator", "unit", "baseline",
    "baseline_year", "target", "value_period", "value_cumulative", "achievement", "status",
    "source_of_verification", "disaggregation", "campaign", "measure", "note",
]  # fmt: skip


def _logframe(
    wh: Warehouse,
    config: ReportingConfig,
    request: Request,
    campaigns: pd.DataFrame,
    as_of: dt.date,
    partial: bool,
    splits: dict[str, pd.DataFrame],
) -> Table:
    settings = config.settings
    prog = config.programme
    codes = tuple(campaigns["code"])
    period = metrics.Selection(start=request.start, end=request.end, campaigns=codes)
    cumulative = metrics.Selection(start=prog.start, end=request.end, campaigns=codes)
    needed = sorted({i.measure for i in config.indicators if i.measure})
    in_period = metrics.query(wh, needed, period, "total", (), settings) if needed else None
    so_far = metrics.query(wh, needed, cumulative, "total", (), settings) if needed else None
    elapsed = metrics.elapsed_share(prog.start, prog.end, as_of)
    rows = []
    for ind in config.indicators:
        rec = {
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
        if not ind.measure:
            rec["status"] = metrics.NO_SOURCE
            rec["note"] = NOT_MEASURED
            rows.append(rec)
            continue
        rec["value_period"] = metrics.on_indicator_scale(
            _value(in_period, ind.measure), ind.measure, ind.unit
        )
        rec["value_cumulative"] = metrics.on_indicator_scale(
            _value(so_far, ind.measure), ind.measure, ind.unit
        )
        rec["disaggregation"] = _split_text(ind, splits)
        if partial:
            rec["note"] = PROGRAMME_TARGET
        else:
            where = metrics.progress(
                rec["value_cumulative"],
                ind.baseline,
                ind.target,
                ind.direction,
                ind.cumulative,
                elapsed=elapsed,
                started=as_of >= prog.start,
                what=metrics.MEASURES[ind.measure].label.lower(),
                band=settings.band,
            )
            rec.update(achievement=where.achievement, status=where.status, note=where.note)
        rows.append(rec)

    # Each campaign's own KPI targets, as the Campaign page shows them at the status date.
    kpis = metrics.kpi_progress(wh, as_of, codes, settings)
    if len(kpis):
        measures = sorted({m for m in kpis["measure"] if isinstance(m, str)})
        within = replace(period, within_campaign_period=True)
        by_campaign = (
            metrics.query(wh, measures, within, "total", ("campaign",), settings).set_index(
                "campaign"
            )
            if measures
            else pd.DataFrame()
        )
        names = dict(zip(campaigns["code"], campaigns["name"], strict=True))
        for k in kpis.itertuples(index=False):
            value = None
            if isinstance(k.measure, str) and k.campaign in by_campaign.index:
                raw = by_campaign.at[k.campaign, k.measure]
                value = metrics.on_indicator_scale(raw, k.measure, k.unit)
            rows.append(
                {
                    "section": "campaign",
                    "level": k.level,
                    "result": f"{k.campaign}: {names.get(k.campaign, '')}",
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
                    "source_of_verification": _KPI_SOURCES.get(
                        k.measure, "Campaign data loaded into the programme's warehouse"
                    ),
                    "disaggregation": "",
                    "campaign": k.campaign,
                    "measure": k.measure,
                    "note": k.note,
                }
            )
    frame = pd.DataFrame.from_records(rows, columns=LOGFRAME_COLUMNS)
    for col in ("baseline", "target", "value_period", "value_cumulative", "achievement"):
        frame[col] = pd.to_numeric(frame[col], errors="coerce").astype("float64")
    frame["baseline_year"] = pd.to_numeric(frame["baseline_year"], errors="coerce").astype("Int64")
    notes = [
        f"Status at {as_of.isoformat()}: achievement against the elapsed share of the "
        f"implementation period ({prog.start.isoformat()} to {prog.end.isoformat()} for the "
        "programme; each campaign's own dates for its KPIs), on track within +-15%.",
        "Cumulative values count from the start of the programme (campaign KPIs: of the "
        "campaign) to the end of the reporting period.",
    ]
    if partial:
        notes.append(
            "Programme targets apply to the whole programme; this report covers part of it, so "
            "they are not compared here."
        )
    return Table(
        "logframe",
        "Logframe",
        "One row per indicator: the programme's logframe (from the reporting file), then each "
        "campaign's KPI targets.",
        frame,
        keys=("section", "indicator_code"),
        notes=tuple(notes),
    )


_KPI_SOURCES = {
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

CAMPAIGN_MEASURES = {
    "content_items": "content_items",
    "impressions": "impressions",
    "views": "views",
    "engagements": "engagements",
    "engagement_rate": "engagement_rate",
    "followers": "followers_end",
    "follower_growth": "followers_gained",
    "events_held": "events",
    "participants": "participants",
    "feedback_responses": "feedback_responses",
    "positive_feedback_share": "positive_feedback_share",
    "average_rating": "average_rating",
    "spend_eur": "spent_period_eur",
    "budget_eur": "budget_eur",
}
PARTICIPANT_BREAKDOWNS = ("sex", "age_group", "region")
PLATFORM_MEASURES = ("content_items", "impressions", "views", "engagements", "engagement_rate",
                     "reach_day_peak")  # fmt: skip


def _money_by_campaign(
    wh: Warehouse, campaigns: pd.DataFrame, end: dt.date, settings: metrics.Settings
) -> pd.DataFrame:
    """Budget and spend to ``end`` (from each campaign's start) of every campaign of the
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
        end=end, campaigns=tuple(all_campaigns["campaign"]), campaigns_in_period=False
    )
    money = metrics.query(wh, ["budget_eur", "spend_eur"], sel, "total", ("campaign",), settings)
    return all_campaigns.merge(money, on="campaign", how="left")


def _campaign_results(
    campaigns: pd.DataFrame, by_campaign: pd.DataFrame, money: pd.DataFrame
) -> Table:
    results = by_campaign[["campaign", *CAMPAIGN_MEASURES]].rename(columns=CAMPAIGN_MEASURES)
    so_far = money[["campaign", "spend_eur"]].rename(columns={"spend_eur": "spent_cumulative_eur"})
    frame = (
        campaigns.rename(columns={"code": "campaign", "name": "campaign_name"})
        .drop(columns=["status"])
        .merge(results, on="campaign", how="left")
        .merge(so_far, on="campaign", how="left")
    )
    frame["execution"] = frame["spent_cumulative_eur"] / frame["budget_eur"].where(
        frame["budget_eur"] > 0
    )
    for col in ("start_date", "end_date"):
        frame[col] = _dates(frame[col])
    return Table(
        "campaigns",
        "Campaigns",
        "Each campaign's results for the period. Reach is in its own table: it counts unique "
        "people per platform and window and is never added up.",
        frame,
        keys=("campaign",),
        notes=(
            "Impressions, views and engagements are activity on the days of the period; "
            "content items are the posts published in it.",
        ),
    )


def _platforms(by_platform: pd.DataFrame) -> Table:
    measures = list(PLATFORM_MEASURES)
    frame = by_platform[["platform", *measures]]
    frame = frame.dropna(subset=measures, how="all").sort_values("platform")
    return Table(
        "platforms",
        "By platform",
        "Content published, impressions, views and engagements by platform in the period, with "
        "the highest one-day reach of a single channel (a peak, not a sum).",
        frame.reset_index(drop=True),
        keys=("platform",),
    )


def _reach(wh: Warehouse, period: metrics.Selection) -> Table:
    df = metrics.reach_by_window(wh, period)
    frame = df.rename(
        columns={
            "time_window": "window",
            "observations": "reach_days",
            "latest_date": "reach_latest_date",
        }
    )
    frame["reach_latest_date"] = _dates(frame["reach_latest_date"])
    return Table(
        "reach",
        "Reach as reported",
        "Reach per campaign, platform and window, as the platforms report it. Reach counts "
        "unique people within its window: it is never added up over days, platforms or "
        "campaigns, and no total of people reached is given.",
        frame[
            [
                "campaign",
                "platform",
                "window",
                "reach_days",
                "reach_day_average",
                "reach_day_peak",
                "reach_latest",
                "reach_latest_date",
            ]
        ],  # fmt: skip
        keys=("campaign", "platform", "window"),
    )


def _financial(
    wh: Warehouse,
    period: metrics.Selection,
    to_end: metrics.Selection,
    settings: metrics.Settings,
) -> Table:
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
    money = ["budget_eur", "spent_period_eur", "spent_cumulative_eur"]
    lines = lines[lines[money].fillna(0).ne(0).any(axis=1) | lines["budget_kzt"].notna()]
    lines["heading"] = lines["heading"].fillna(UNMATCHED).astype(int)
    descriptions = metrics.run_sql(
        wh,
        "SELECT line_code, mode(description) AS description FROM budget_lines "
        "WHERE list_contains($c, campaign_code) GROUP BY line_code",
        {"c": list(period.campaigns)},
    )
    lines = lines.merge(descriptions, on="line_code", how="left")
    rows: list[dict] = []

    def total_row(part: pd.DataFrame, heading: int | None, row_type: str, name: str) -> dict:
        rec = {"row_type": row_type, "heading": heading, "heading_name": name, "line_code": None,
               "description": None}  # fmt: skip
        for col in (*money, "budget_kzt", "spent_period_kzt"):
            rec[col] = part[col].sum(min_count=1) if len(part) else None
        return rec

    def heading_block(heading: int) -> None:
        part = lines[lines["heading"] == heading].sort_values("line_code")
        if part.empty:
            return
        rows.append(total_row(part, heading, "heading", HEADING_NAMES.get(heading, "")))
        for rec in part.to_dict("records"):
            rows.append({"row_type": "line", "heading_name": HEADING_NAMES.get(heading, ""), **rec})

    for heading in DIRECT_HEADINGS:
        heading_block(heading)
    direct = lines[lines["heading"].isin(DIRECT_HEADINGS)]
    rows.append(total_row(direct, SUBTOTAL, "subtotal", HEADING_NAMES[SUBTOTAL]))
    for heading in sorted(set(lines["heading"]) - {*DIRECT_HEADINGS, UNMATCHED}):
        heading_block(heading)
    heading_block(UNMATCHED)
    rows.append(total_row(lines, None, "total", TOTAL_ROW))
    columns = ["row_type", "heading", "heading_name", "line_code", "description", *money,
               "execution", "variance_eur", "budget_kzt", "spent_period_kzt"]  # fmt: skip
    frame = pd.DataFrame.from_records(rows)
    for col in (*money, "budget_kzt", "spent_period_kzt"):
        frame[col] = pd.to_numeric(frame[col], errors="coerce").astype("float64")
    frame["heading"] = pd.to_numeric(frame["heading"], errors="coerce").astype("Int64")
    budget_eur = frame["budget_eur"]
    frame["execution"] = frame["spent_cumulative_eur"] / budget_eur.where(budget_eur > 0)
    frame["variance_eur"] = budget_eur.fillna(0) - frame["spent_cumulative_eur"].fillna(0)
    rule = (
        "each cost at the InforEuro rate of the month it was booked; budgets at the latest "
        "rate loaded"
        if settings.fx_rule == "booking_month"
        else "costs and budgets at the average InforEuro rate of each campaign's months"
    )
    return Table(
        "financial",
        "Financial report",
        "Budget against spend by EU budget heading (Annex III) and line, in EUR, with the "
        "amounts budgeted and booked in tenge.",
        frame[columns],
        keys=("row_type", "heading", "line_code"),
        notes=(
            f"Conversion to EUR: {rule}. The rate of every converted cost is in the Costs "
            "table, and of every budget line in the Budget lines table.",
            "Cumulative spend counts every cost from the campaigns' start to the end of the "
            "period; execution and variance compare it with the whole budget.",
        ),
    )


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


def _budget_lines(wh: Warehouse, period: metrics.Selection, settings: metrics.Settings) -> Table:
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
        "Budget lines",
        "Every budget line of the campaigns, as budgeted, with the rate its EUR amount uses.",
        frame,
        keys=("campaign", "line_code"),
    )


def _costs(wh: Warehouse, period: metrics.Selection, settings: metrics.Settings) -> Table:
    sql, params = metrics.selected_rows("spend", period, settings)
    frame = metrics.run_sql(
        wh,
        "SELECT campaign_code AS campaign, spend_date, heading, line_code, description, "
        "reference, amount, currency, rate_units_per_eur, "
        f"{_rate_basis('spend_date', settings)} AS rate_basis, amount_eur "
        f"FROM ({sql}) ORDER BY spend_date, campaign_code, line_code, reference",
        params,
    )
    frame["spend_date"] = _dates(frame["spend_date"])
    frame["heading"] = frame["heading"].astype("Int64")
    missing = int(frame["amount_eur"].isna().sum())
    notes = []
    if missing:
        notes.append(
            f"{missing} cost(s) have no EUR amount: no InforEuro rate of their month is loaded "
            "yet. Load those months' rates (the fx template: `campaigns load FILE --kind fx`) "
            "and export again."
        )
    return Table(
        "costs",
        "Costs",
        "Every cost booked in the period, as booked, with the rate it was converted at.",
        frame,
        keys=("campaign", "spend_date", "line_code", "reference"),
        notes=tuple(notes),
    )


def _subgrants(money: pd.DataFrame, cap: float) -> Table:
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
        "Sub-grants",
        f"Financial support to each grantee (all its campaigns) against the cap of EUR "
        f"{cap:,.0f} per third party.",
        frame.reset_index(drop=True),
        keys=("organisation",),
    )


def _participants(
    wh: Warehouse,
    period: metrics.Selection,
    codes: tuple[str, ...],
    splits: dict[str, pd.DataFrame],
) -> list[Table]:
    total = metrics.totals(wh, ["participants", "events_held"], period)
    rows, checks = [], []
    for dim in PARTICIPANT_BREAKDOWNS:
        df = splits[dim].dropna(subset=["participants"]).sort_values(dim)
        parts = float(df["participants"].sum()) if len(df) else 0.0
        whole = total["participants"] or 0.0
        for r in df.itertuples(index=False):
            value = float(r.participants)
            rows.append(
                {
                    "dimension": dim,
                    "group": getattr(r, dim),
                    "participants": value,
                    "share": value / whole if whole else None,
                }
            )
        checks.append(
            {
                "dimension": dim,
                "sum_of_parts": parts,
                "total": whole,
                "difference": parts - whole,
                "check": "ok" if abs(parts - whole) < 1e-9 else "differs",
            }
        )
    by_group = pd.DataFrame.from_records(
        rows, columns=["dimension", "group", "participants", "share"]
    )
    check = pd.DataFrame.from_records(
        checks, columns=["dimension", "sum_of_parts", "total", "difference", "check"]
    )
    cross = metrics.query(wh, ["participants"], period, "total", ("age_group", "sex"))
    sex_age = (
        cross.pivot_table(
            index="age_group", columns="sex", values="participants", aggfunc="sum", fill_value=0
        )
        .reset_index()
        .rename_axis(columns=None)
        if len(cross)
        else pd.DataFrame({"age_group": []})
    )
    if len(sex_age):
        sex_age["total"] = sex_age.drop(columns="age_group").sum(axis=1)
    events_sql, params = metrics.selected_rows("events", period)
    events = metrics.run_sql(
        wh,
        "SELECT e.campaign_code AS campaign, e.event_code, e.name AS event_name, e.event_date, "
        "e.event_type, (SELECT sum(p.participants) FROM participants p "
        "WHERE p.campaign_code = e.campaign_code AND p.event_code = e.event_code) "
        "AS participants "
        f"FROM ({events_sql}) e ORDER BY e.event_date, e.campaign_code, e.event_code",
        params,
    )
    events["event_date"] = _dates(events["event_date"])
    orphans = metrics.undated_participants(wh, codes)
    notes = [
        f"Events held in the period: {int(total['events_held'] or 0)}; participants: "
        f"{int(total['participants'] or 0)}.",
    ]
    if len(orphans):
        listed = ", ".join(
            f"{r.campaign}/{r.event_code} ({int(r.participants)})" for r in orphans.itertuples()
        )
        notes.append(
            f"Participants recorded for events that are not in the event list, so without a "
            f"date and in no period: {listed}. Load these events' participants file again (it "
            "gives each event's date) to count them."
        )
    return [
        Table(
            "participants",
            "Participants",
            "Participants of the events held in the period by sex, age group and region.",
            by_group,
            keys=("dimension", "group"),
            notes=tuple(notes),
        ),
        Table(
            "participants_check",
            "Participant totals",
            "Each breakdown's parts added up, against the total counted once.",
            check,
            keys=("dimension",),
        ),
        Table(
            "participants_sex_age",
            "Participants by age group and sex",
            "Participants of the period by age group (rows) and sex (columns).",
            sex_age,
            keys=("age_group",),
        ),
        Table(
            "events",
            "Events",
            "Every event held in the period, with its participants.",
            events,
            keys=("campaign", "event_code"),
        ),
    ]
