"""Portfolio: headline figures over the filtered campaigns, then one row per campaign."""

from __future__ import annotations

import streamlit as st

from dashboard import data
from dashboard.filters import sidebar_filters
from dashboard.i18n import column_date_format, fmt_month, fmt_number, fmt_percent, t

wh = st.session_state["warehouse"]

selection = sidebar_filters(wh)
st.title(t("page.portfolio"))

campaigns = data.campaign_table(wh, selection)
if campaigns.empty:
    if selection.is_default():
        st.info(t("portfolio.no_campaigns"))
    else:
        st.info(t("portfolio.no_match"))
    st.stop()

totals = data.portfolio_totals(wh, selection)
tiles = st.columns(5)
tiles[0].metric(t("measure.campaigns"), fmt_number(totals["campaigns"]))
tiles[1].metric(t("measure.impressions"), fmt_number(totals["impressions"]))
tiles[2].metric(t("measure.engagements"), fmt_number(totals["engagements"]))
tiles[3].metric(
    t("measure.engagement_rate"),
    fmt_percent(totals["engagement_rate"], 2),
    help=t("portfolio.rate_help"),
)
tiles[4].metric(t("measure.spend_eur"), fmt_number(totals["spend_eur"]))

rate_months = campaigns["budget_rate_month"].dropna()
rate_month = fmt_month(rate_months.max()) if not rate_months.empty else t("portfolio.none_loaded")
date_format = column_date_format()
st.dataframe(
    campaigns.drop(columns=["budget_rate_month", "spend_lines_without_rate"]),
    hide_index=True,
    column_config={
        "code": st.column_config.TextColumn(t("portfolio.col.code")),
        "name": st.column_config.TextColumn(t("portfolio.col.name")),
        "organisation": st.column_config.TextColumn(t("portfolio.col.organisation")),
        "thematic_area": st.column_config.TextColumn(t("portfolio.col.thematic_area")),
        "start": st.column_config.DateColumn(t("portfolio.col.start"), format=date_format),
        "end": st.column_config.DateColumn(t("portfolio.col.end"), format=date_format),
        "budget": st.column_config.NumberColumn(t("portfolio.col.budget"), format="localized"),
        "budget_currency": st.column_config.TextColumn(t("portfolio.col.budget_currency")),
        "budget_eur": st.column_config.NumberColumn(t("portfolio.col.budget_eur"), format="euro"),
        "spend_eur": st.column_config.NumberColumn(t("portfolio.col.spend_eur"), format="euro"),
        "impressions": st.column_config.NumberColumn(
            t("portfolio.col.impressions"), format="localized"
        ),
        "engagements": st.column_config.NumberColumn(
            t("portfolio.col.engagements"), format="localized"
        ),
        "engagement_rate": st.column_config.NumberColumn(
            t("portfolio.col.engagement_rate"), format="percent"
        ),
        "last_data_day": st.column_config.DateColumn(
            t("portfolio.col.last_data_day"), format=date_format
        ),
    },
)
st.caption(t("portfolio.caption", rate_month=rate_month))
if not selection.is_default():
    st.caption(t("portfolio.scope"))

unconverted = int(campaigns["spend_lines_without_rate"].sum())
if unconverted:
    st.warning(t("portfolio.unconverted", count=unconverted))
