"""Portfolio: headline figures over all campaigns, then one row per campaign."""

from __future__ import annotations

import streamlit as st

from dashboard import data

wh = st.session_state["warehouse"]

st.title("Portfolio")

campaigns = data.campaign_table(wh)
if campaigns.empty:
    st.info(
        "No campaigns yet. Load the programme set-up with `campaigns load programme.xlsx`, "
        "or run `campaigns demo` to look around with the demo programme."
    )
    st.stop()

totals = data.portfolio_totals(wh)
rate = totals["engagement_rate"]
tiles = st.columns(5)
tiles[0].metric("Campaigns", f"{totals['campaigns']:,}")
tiles[1].metric("Impressions", f"{totals['impressions']:,.0f}")
tiles[2].metric("Engagements", f"{totals['engagements']:,.0f}")
tiles[3].metric(
    "Engagement rate by impressions",
    "—" if rate is None else f"{rate:.2%}",
    help="Engagements divided by impressions, both summed over all campaigns and platforms, "
    "on the days that report impressions.",
)
tiles[4].metric("Spend (EUR)", f"{totals['spend_eur']:,.0f}")

rate_months = campaigns["budget_rate_month"].dropna()
rate_month = f"{rate_months.max():%b %Y}" if not rate_months.empty else "none loaded"
st.dataframe(
    campaigns.drop(columns=["budget_rate_month", "spend_lines_without_rate"]),
    hide_index=True,
    column_config={
        "code": st.column_config.TextColumn("Code"),
        "name": st.column_config.TextColumn("Campaign"),
        "organisation": st.column_config.TextColumn("Organisation"),
        "thematic_area": st.column_config.TextColumn("Thematic area"),
        "start": st.column_config.DateColumn("Start", format="YYYY-MM-DD"),
        "end": st.column_config.DateColumn("End", format="YYYY-MM-DD"),
        "budget": st.column_config.NumberColumn("Budget", format="localized"),
        "budget_currency": st.column_config.TextColumn("Currency"),
        "budget_eur": st.column_config.NumberColumn("Budget EUR (latest rate)", format="euro"),
        "spend_eur": st.column_config.NumberColumn("Spend EUR", format="euro"),
        "impressions": st.column_config.NumberColumn("Impressions", format="localized"),
        "engagements": st.column_config.NumberColumn("Engagements", format="localized"),
        "engagement_rate": st.column_config.NumberColumn(
            "Engagement rate by impressions", format="percent"
        ),
        "last_data_day": st.column_config.DateColumn("Last data day", format="YYYY-MM-DD"),
    },
)
st.caption(
    "**Budget**: sum of the campaign's budget lines in their own currency. "
    f"**Budget EUR (latest rate)**: each line converted at the latest rate loaded ({rate_month}); "
    "an estimate, the contract's conversion rule applies in financial reports. "
    "**Spend EUR**: spend lines converted at the rate of the month each was booked. "
    "**Impressions**: daily channel impressions added up over days and platforms. "
    "**Engagements**: likes + comments + shares + saves, added up the same way. "
    "**Engagement rate by impressions**: engagements divided by impressions, each summed first "
    "(not an average of daily rates), over the days that report impressions; channels that "
    "report only views (such as Telegram) are in neither. "
    "**Last data day**: the latest day with channel figures."
)

unconverted = int(campaigns["spend_lines_without_rate"].sum())
if unconverted:
    st.warning(
        f"{unconverted} spend line(s) have no exchange rate for their month and are left out of "
        "Spend EUR; load the missing InforEuro rates to include them."
    )
