"""A donor report's figures: the tables every export format (workbook, data package, PDF) is
made from, computed through the dashboard's metrics layer for one reporting period, into a
``dashboard.report.model.Report``.

:func:`build` reads what the report covers (its campaigns, the last load) and fills the meta,
then asks each section for its tables: ``logframe``, ``results`` (campaigns, platforms,
reach), ``finance`` (financial report, budget lines, costs, sub-grants) and ``participants``
(participants, totals check, age by sex, events), and ``approval`` (the campaign-periods not
approved, in the meta, and the grantees' narratives).

By default (``Request.approved_only``) every figure counts only rows dated in reporting periods
their campaign has approved (``metrics.Selection.approved_only``); the meta lists the
campaign-periods in the report's range that are not, left out (or, with ``approved_only``
off, included).

Reads go through ``dashboard.reader.read``, so a report holds only what its reader may see: a
grantee's report, from the Reports page or from ``campaigns export --user``, has only that
organisation's campaigns.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import replace
from typing import Any

import pandas as pd

from dashboard import metrics, reader
from dashboard.metrics.lookups import in_language
from dashboard.report.approval import approval, narratives_table
from dashboard.report.collector import report_objects_only
from dashboard.report.config import ReportingConfig
from dashboard.report.finance import (
    budget_lines_table,
    costs_table,
    financial_table,
    money_by_campaign,
    subgrants_table,
)
from dashboard.report.logframe import LogframeInputs, logframe_table
from dashboard.report.model import Report, ReportError, ReportMeta, Request
from dashboard.report.participants import PARTICIPANT_BREAKDOWNS, participant_tables
from dashboard.report.results import (
    CAMPAIGN_MEASURES,
    PLATFORM_MEASURES,
    campaigns_table,
    platforms_table,
    reach_table,
)
from dashboard.report.words import check_language, word
from etl.warehouse import Warehouse


@report_objects_only()
def build(
    wh: Warehouse,
    request: Request,
    config: ReportingConfig,
    *,
    today: dt.date | None = None,
    produced_at: dt.datetime | None = None,
    lang: str = "en",
) -> Report:
    """The report for ``request``, read within the current scope (see module docs), its
    files in ``lang`` (en, ru or kk): headings, notes and the programme's data in the set-up's
    translations (``Report.translations``); the figures are the same in every language."""
    lang = check_language(lang)
    today = today or dt.date.today()
    settings = config.settings
    campaigns = _campaigns(wh, request)
    if campaigns.empty:
        raise ReportError(_no_campaigns(request))
    codes = tuple(campaigns["code"])
    as_of = min(today, request.end)
    approved = request.approved_only
    period = metrics.Selection(
        start=request.start, end=request.end, campaigns=codes, approved_only=approved
    )
    # From each campaign's first day to the end of the period: spend to date, as spend pace
    # and the Budget page count it.
    to_end = metrics.Selection(
        end=request.end, campaigns=codes, campaigns_in_period=False, approved_only=approved
    )
    partial = bool(request.campaigns or request.organisation or reader.current_scope() is not None)
    produced_at = produced_at or dt.datetime.now(dt.UTC).replace(microsecond=0)

    translations = _translations(wh, codes, lang)
    meta = _meta(wh, request, config, campaigns, as_of, partial, produced_at, lang, translations)
    cycle = config.cycle
    meta = replace(
        meta,
        approval=approval(wh, campaigns, request.start, request.end, as_of, cycle, approved),
    )
    report = Report(meta, translations=translations)
    add = report.tables.__setitem__
    splits = _splits(wh, config, period, settings)
    inputs = LogframeInputs(request, campaigns, as_of, partial, splits)
    add("logframe", logframe_table(wh, config, inputs, lang))
    money = money_by_campaign(wh, campaigns, request.end, settings, approved_only=approved)
    add("campaigns", campaigns_table(campaigns, splits["campaign"], money, lang))
    add("platforms", platforms_table(splits["platform"], lang))
    add("reach", reach_table(wh, period, lang))
    add("financial", financial_table(wh, period, to_end, settings, lang))
    add("budget_lines", budget_lines_table(wh, period, settings, lang))
    add("costs", costs_table(wh, period, settings, lang))
    add("subgrants", subgrants_table(money, config.programme.subgrant_cap_eur, lang))
    for table in participant_tables(wh, period, codes, splits, lang):
        add(table.name, table)
    add("narratives", narratives_table(wh, codes, request.start, request.end, approved, lang))
    return report


def _translations(wh: Warehouse, codes: tuple[str, ...], lang: str) -> dict[str, dict[str, str]]:
    """The set-up's translations into ``lang`` of the campaigns' names and thematic areas and
    of their indicators, by report column: original text -> translation (none in English)."""
    if lang == "en":
        return {}
    camps = metrics.run_sql(
        wh,
        f"SELECT code, name, {in_language('name', lang)} AS name_shown, thematic_area, "
        f"{in_language('thematic_area', lang)} AS area_shown FROM campaigns "
        "WHERE list_contains($c, code) ORDER BY code",
        {"c": list(codes)},
    )
    kpis = metrics.run_sql(
        wh,
        f"SELECT indicator, {in_language('indicator', lang)} AS shown FROM kpi_targets "
        "WHERE list_contains($c, campaign_code) ORDER BY campaign_code, indicator_code",
        {"c": list(codes)},
    )

    def changed(pairs: list[tuple[object, object]]) -> dict[str, str]:
        return {str(a): str(b) for a, b in pairs if isinstance(a, str) and a != b}

    rows = list(camps.itertuples(index=False))
    found = {
        "campaign_name": changed([(r.name, r.name_shown) for r in rows]),
        "thematic_area": changed([(r.thematic_area, r.area_shown) for r in rows]),
        "indicator": changed(list(zip(kpis["indicator"], kpis["shown"], strict=True))),
        "result": changed([(f"{r.code}: {r.name}", f"{r.code}: {r.name_shown}") for r in rows]),
    }
    return {column: names for column, names in found.items() if names}


def _meta(
    wh: Warehouse,
    request: Request,
    config: ReportingConfig,
    campaigns: pd.DataFrame,
    as_of: dt.date,
    partial: bool,
    produced_at: dt.datetime,
    lang: str = "en",
    translations: dict[str, dict[str, str]] | None = None,
) -> ReportMeta:
    """What the report covers, for whom and when it was produced."""
    names = (translations or {}).get("campaign_name", {})
    prog = config.programme
    organisations = campaigns.drop_duplicates("organisation")
    if len(organisations) == 1:
        org_code = organisations["organisation"].iloc[0]
        org_name = organisations["organisation_name"].iloc[0] or org_code
    else:
        org_code, org_name = None, None
    return ReportMeta(
        programme=prog.name,
        contract=prog.contract,
        period_start=request.start,
        period_end=request.end,
        campaigns=tuple(campaigns["code"]),
        requested_campaigns=request.campaigns,
        requested_organisation=request.organisation,
        scope=_scope_label(request, campaigns, partial, lang, names),
        organisation=org_code,
        organisation_name=org_name or prog.implementing_partner,
        produced_at=produced_at,
        data_as_of=_last_load(wh),
        status_date=as_of,
        fx_rule=config.settings.fx_rule,
        funding_statement=prog.funding_statement,
        disclaimer=prog.disclaimer_for(org_name),
        subgrant_cap_eur=prog.subgrant_cap_eur,
        programme_start=prog.start,
        programme_end=prog.end,
        whole_programme=not partial,
        lang=lang,
    )


def _last_load(wh: Warehouse) -> dt.datetime | None:
    """When the last successful load finished (None before any)."""
    loads = metrics.run_sql(
        wh, "SELECT max(finished_at) AS last FROM loads WHERE status = 'loaded'"
    )
    last = loads["last"].iloc[0] if len(loads) else None
    return None if last is None or pd.isna(last) else pd.Timestamp(last).to_pydatetime()


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


def _scope_label(
    request: Request,
    campaigns: pd.DataFrame,
    partial: bool,
    lang: str = "en",
    names: dict[str, str] | None = None,
) -> str:
    codes = ", ".join(campaigns["code"])
    if request.campaigns and len(campaigns) == 1:
        row = campaigns.iloc[0]
        name = (names or {}).get(row["name"], row["name"])
        return word("scope.campaign", lang, code=row["code"], name=name)
    if request.campaigns:
        return word("scope.campaigns", lang, codes=codes)
    orgs = campaigns.drop_duplicates("organisation")
    if request.organisation or (partial and len(orgs) == 1):
        row = orgs.iloc[0]
        return word(
            "scope.organisation", lang, code=row["organisation"], name=row["organisation_name"]
        )
    if partial:
        return word("scope.campaigns", lang, codes=codes)
    return word("scope.programme", lang)


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
