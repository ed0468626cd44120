"""Budget: the selected campaigns' budget against their spend, programme-wide.

Budgets are whole-campaign budgets; spend is what was booked in the selected period. Figures
are in euros from the metrics layer (each cost at the InforEuro rate of its booking month, the
budget at the latest rate loaded, or both at the average of the campaign's months when
``metrics.Settings.fx_rule`` says so), or in tenge exactly as booked: euro amounts are never
turned back into tenge.

The page shows headline tiles, budget against spend by EU budget heading (Annex III) and by line
within each heading, each campaign's spend pace (``metrics.spend_pace``) with a link to its
page, and spend by month. Statuses and elapsed time are computed at ``components.as_of`` (today,
or the end of the selected period when it ends earlier). The figures come worked out from
``metrics.spending`` (once per published load); the page adds labels, icons and links.
"""

from __future__ import annotations

from dataclasses import replace

import pandas as pd
import streamlit as st

from dashboard import components, metrics
from dashboard.charts import budget as charts
from dashboard.charts import campaign_colours
from dashboard.components import plain, plain_code
from dashboard.filters import sidebar_filters
from dashboard.i18n import (
    catalogue,
    current_language,
    fmt_date,
    fmt_figure,
    fmt_month,
    t,
)
from dashboard.metrics import lookups, spending

CURRENCY_KEY = "budget_currency"
CURRENCIES = ("EUR", "KZT")
FLAG_ICONS = {
    charts.OVER_BUDGET: "🔴",
    charts.NOT_BUDGETED: "🔴",
    charts.SPENDING_AHEAD: "🟠",
    charts.SPENDING_BEHIND: "🟠",
    charts.ON_PLAN: "🟢",
}
STATUS_ICONS = {
    metrics.OVERSPENDING: "🟠",
    metrics.UNDERSPENDING: "🟠",
    metrics.ON_PLAN: "🟢",
    metrics.NOT_STARTED: "⚪",
    metrics.NO_DATA: "⚪",
}

wh = st.session_state["warehouse"]
selection = sidebar_filters(wh)
st.title(t("page.budget"))
settings = metrics.DEFAULT_SETTINGS

profiles = lookups.campaign_profiles(wh, selection, current_language())
if profiles.empty:
    components.empty(
        t("budget.empty.no_match") if not selection.is_default() else t("budget.empty.no_campaigns")
    )
    st.stop()

codes = tuple(profiles["code"])
names = dict(zip(profiles["code"], profiles["name"], strict=True))
sel = replace(selection, campaigns=codes)
day = components.as_of(selection)

lines_info = lookups.budget_line_info(wh, codes)
if lines_info.empty:
    components.empty(t("budget.empty.no_budget"))
    st.stop()

currency = st.radio(
    t("budget.currency"),
    options=list(CURRENCIES),
    format_func=lambda c: t(f"budget.currency_option.{c}"),
    key=CURRENCY_KEY,
    horizontal=True,
    help=t("budget.currency_help"),
)
in_eur = currency == "EUR"
number_format = ",.0f"


def money(value: float | None) -> str:
    return fmt_figure(value, "money", currency=currency)


figures = spending.budget_figures(wh, sel, day, currency, settings)
budget_total, spent_total = figures.budget_total, figures.spent_total
missing_rates = figures.missing_rates

# --- headline tiles -------------------------------------------------------------------------

components.as_of_caption(day)
tiles = st.columns(6 if missing_rates else 5)
tiles[0].metric(
    t("budget.tile.budget", currency=currency), money(budget_total), help=t("budget.help.budget")
)
tiles[1].metric(
    t("budget.tile.spent", currency=currency), money(spent_total), help=t("budget.help.spent")
)
tiles[2].metric(
    t("budget.tile.execution"),
    fmt_figure(figures.execution, "share"),
    delta=t(f"budget.flag.{figures.flag}") if figures.flag else None,
    delta_color="off",
    delta_arrow="off",
    help=t("budget.help.execution", band=fmt_figure(settings.band, "round_share")),
)
tiles[3].metric(
    t("budget.tile.elapsed"), fmt_figure(figures.elapsed, "share"), help=t("budget.help.elapsed")
)
tiles[4].metric(
    t("budget.tile.remaining", currency=currency),
    money(budget_total - figures.spent_to_date if budget_total is not None else None),
    help=t("budget.help.remaining", date=fmt_date(day)),
)
if missing_rates:
    tiles[5].metric(
        t("budget.tile.no_rate"),
        fmt_figure(missing_rates, "count"),
        help=t("budget.help.no_rate"),
    )
if selection.platforms:
    st.caption(t("budget.platform_scope"))

# Which rates the euro figures use, and what is missing.
others = lookups.foreign_currencies(wh, codes)


def _campaign_list(values) -> str:
    return ", ".join(plain_code(v) for v in values)


def _rates_caption() -> None:
    """Which rates the euro figures use: the months of the rates the costs were converted at
    and the rate the budget was, or the campaign-average rule."""
    if settings.fx_rule != "booking_month":
        st.caption(t("budget.rates.campaign_average"))
        return
    rates = lookups.conversion_rates(wh, codes, sel.start, sel.end)
    spend_text = "; ".join(
        t(
            "budget.rates.months",
            currency=plain(r.currency),
            first=fmt_month(r.first),
            last=fmt_month(r.last),
        )
        for r in rates[rates["kind"] == "spend"].itertuples()
    ) or t("budget.rates.none")
    budget_text = "; ".join(
        t(
            "budget.rates.latest",
            currency=plain(r.currency),
            month=fmt_month(r.last),
            rate=fmt_figure(r.rate, "exchange_rate"),
        )
        for r in rates[rates["kind"] == "budget"].itertuples()
    ) or t("budget.rates.none")
    st.caption(t("budget.rates.booking_month", spend=spend_text, budget=budget_text))


def _unconverted_warning() -> None:
    """The costs without a euro amount, by currency and the months whose rate is missing."""
    unconverted = lookups.unconverted_spend(wh, codes, sel.start, sel.end, settings.fx_rule)
    months = "; ".join(
        f"{plain(r.currency)}: " + ", ".join(fmt_month(pd.Timestamp(m)) for m in r.months)
        for r in unconverted.itertuples()
    )
    st.warning(t("budget.unconverted", count=missing_rates, months=months))


if in_eur:
    _rates_caption()
    if missing_rates:
        _unconverted_warning()
    booked_eur = others[others["currency"] == "EUR"]
    if len(booked_eur):
        st.caption(
            t("budget.booked_in_eur", campaigns=_campaign_list(booked_eur["campaigns"].iloc[0]))
        )
elif len(others):
    st.info(
        t(
            "budget.not_in_kzt",
            lines="; ".join(
                f"{plain(r.currency)}: {_campaign_list(r.campaigns)}" for r in others.itertuples()
            ),
        ),
        icon=":material/currency_exchange:",
    )

if budget_total is None and not spent_total:
    components.empty(t("budget.empty.no_rates") if in_eur else t("budget.empty.no_kzt"))
    st.stop()


# --- by EU budget heading -------------------------------------------------------------------

lang = current_language()
db_names = dict(
    zip(lines_info["heading"].astype(int), lines_info["heading_name"].fillna(""), strict=False)
)


def heading_name(heading: int) -> str:
    key = f"budget.heading.{heading}"
    if key in catalogue(lang) or key in catalogue("en"):
        return t(key)
    return db_names.get(heading) or t("budget.heading.other", heading=heading)


def heading_label(heading: int) -> str:
    if heading == charts.UNMATCHED:
        return t("budget.heading.0")
    if heading == -1:
        return t("budget.total")
    return f"{heading} {heading_name(heading)}"


def flag_label(code: str) -> str:
    return f"{FLAG_ICONS[code]} {t(f'budget.flag.{code}')}" if code else ""


annex = figures.annex  # each call has its own copy (``reader.derived``)
annex["label"] = [
    t("budget.heading.7") if k == "subtotal" else heading_label(h)
    for h, k in zip(annex["heading"], annex["kind"], strict=True)
]
annex["flag_label"] = [flag_label(f) for f in annex["flag"]]

st.subheader(t("budget.section.headings"))


def _money_column(key: str) -> dict:
    return components.figure_column(t(key, currency=currency), "money", currency=currency)


heading_columns = {
    "label": st.column_config.TextColumn(t("budget.col.heading")),
    "flag_label": st.column_config.TextColumn(t("budget.col.flag"), width="medium"),
    "budget": _money_column("budget.col.budget"),
    "spent": _money_column("budget.col.spent"),
    "variance": _money_column("budget.col.variance"),
    "execution": components.figure_column(t("budget.col.execution"), "share"),
    "elapsed": components.figure_column(t("budget.col.elapsed"), "share"),
}
components.table(
    annex[list(heading_columns)],
    key="budget_headings",
    name=f"budget-by-heading-{currency.lower()}",
    definition_text=t("budget.def.headings", band=fmt_figure(settings.band, "round_share")),
    download=annex[
        ["heading", "kind", "label", "budget", "spent", "variance", "execution", "elapsed", "flag"]
    ].assign(currency=currency),
    column_config=heading_columns,
)
bars = annex[annex["kind"] == "heading"]
components.chart(
    components.figure(
        charts.heading_bars,
        bars,
        title=t("budget.chart.headings", currency=currency),
        budget_label=t("budget.col.budget", currency=currency),
        spent_label=t("budget.col.spent", currency=currency),
        execution_label=t("budget.col.execution"),
        axis_title=currency,
        number_format=number_format,
    ),
    bars[["heading", "label", "budget", "spent", "execution"]].assign(currency=currency),
    key="budget_headings_chart",
    name=f"budget-vs-spent-by-heading-{currency.lower()}",
    definition_text=t("budget.def.headings_chart"),
)

# Lines within each heading.
st.markdown(f"**{t('budget.section.lines')}**")
by_line = figures.lines
by_line["heading_label"] = [heading_label(h) for h in by_line["heading"]]
by_line["flag_label"] = [flag_label(f) for f in by_line["flag"]]
line_columns = {
    "heading_label": st.column_config.TextColumn(t("budget.col.heading")),
    "budget_line": st.column_config.TextColumn(t("budget.col.line")),
    "flag_label": st.column_config.TextColumn(t("budget.col.flag"), width="medium"),
    "budget": _money_column("budget.col.budget"),
    "spent": _money_column("budget.col.spent"),
    "variance": _money_column("budget.col.variance"),
    "execution": components.figure_column(t("budget.col.execution"), "share"),
    "campaigns": components.figure_column(t("budget.col.campaigns"), "count"),
    "description": st.column_config.TextColumn(t("budget.col.description"), width="large"),
}
components.table(
    by_line[list(line_columns)],
    key="budget_lines",
    name=f"budget-by-line-{currency.lower()}",
    definition_text=t("budget.def.lines"),
    download=by_line[
        [
            "heading",
            "budget_line",
            "description",
            "campaigns",
            "budget",
            "spent",
            "variance",
            "execution",
            "flag",
        ]
    ].assign(currency=currency),  # fmt: skip
    column_config=line_columns,
)

# --- by campaign ----------------------------------------------------------------------------

st.subheader(t("budget.section.campaigns"))
campaigns = figures.campaigns
campaigns["name"] = campaigns["campaign"].map(names)
campaigns["link"] = components.page_urls("campaign", "campaign", campaigns["campaign"])
campaigns["status_label"] = [
    f"{STATUS_ICONS.get(s, '')} {t('budget.status.' + s.replace(' ', '_'))}"
    for s in campaigns["status"]
]
campaign_columns = {
    "link": st.column_config.LinkColumn(
        t("budget.col.code"), display_text=r"campaign=([^&]+)", help=t("budget.open_help")
    ),
    "name": st.column_config.TextColumn(t("budget.col.campaign"), width="medium"),
    "status_label": st.column_config.TextColumn(t("budget.col.status")),
    "over_budget": st.column_config.CheckboxColumn(t("budget.col.over_budget")),
    "execution": components.figure_column(t("budget.col.execution_to_date"), "share"),
    "elapsed": components.figure_column(t("budget.col.elapsed_to_date"), "share"),
    "pace": components.figure_column(t("budget.col.pace"), "share"),
    "budget": _money_column("budget.col.budget"),
    "spent_period": _money_column("budget.col.spent"),
    "spent_to_date": _money_column("budget.col.spent_to_date"),
}
components.as_of_caption(day)
components.table(
    campaigns[list(campaign_columns)],
    key="budget_campaigns",
    name=f"budget-by-campaign-{currency.lower()}",
    definition_text=t(
        "budget.def.campaigns" if in_eur else "budget.def.campaigns_kzt",
        band=fmt_figure(settings.band, "round_share"),
    ),
    download=campaigns[
        [
            "campaign",
            "name",
            "start_date",
            "end_date",
            "budget",
            "spent_period",
            "spent_to_date",
            "budget_eur",
            "spend_eur",
            "spend_lines_without_rate",
            "execution",
            "elapsed",
            "pace",
            "status",
            "over_budget",
        ]
    ].assign(currency=currency),  # fmt: skip
    column_config=campaign_columns,
)
colours = campaign_colours(lookups.campaign_names(wh))
components.chart(
    components.figure(
        charts.pace_bullets,
        campaigns,
        title=t("budget.chart.pace"),
        execution_label=t("budget.col.execution_to_date"),
        elapsed_label=t("budget.col.elapsed_to_date"),
        band_label=t("budget.chart.band", band=fmt_figure(settings.band, "round_share")),
        axis_title=t("budget.chart.share"),
        colours=colours,
        band=settings.band,
    ),
    campaigns[["campaign", "name", "budget_eur", "spend_eur", "execution", "elapsed", "status"]],
    key="budget_pace_chart",
    name="budget-execution-vs-elapsed",
    definition_text=t("budget.def.pace", band=fmt_figure(settings.band, "round_share")),
)

# --- by month -------------------------------------------------------------------------------

st.subheader(t("budget.section.months"))
monthly = figures.monthly
if monthly.empty:
    components.empty(
        t("budget.empty.no_spend", code=plain_code(codes[0]) if len(codes) == 1 else "CODE")
    )
else:
    labels = {int(h): heading_label(int(h)) for h in monthly["heading"].unique()}
    components.chart(
        components.figure(
            charts.monthly_spend,
            monthly,
            title=t("budget.chart.months", currency=currency),
            heading_labels=labels,
            axis_title=t("budget.chart.month_axis", currency=currency),
            cumulative_label=t("budget.chart.cumulative"),
            cumulative_axis_title=t("budget.chart.cumulative_axis", currency=currency),
            month_title=t("budget.chart.month"),
            number_format=number_format,
            month_labels=fmt_month,
        ),
        monthly[["month", "heading", "spent"]].assign(currency=currency),
        key="budget_months_chart",
        name=f"spend-by-month-{currency.lower()}",
        definition_text=t("budget.def.months"),
    )
