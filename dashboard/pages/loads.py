"""Loads: the latest load batches, and a campaign's daily impressions by platform."""

from __future__ import annotations

import streamlit as st

from dashboard import charts, data

wh = st.session_state["warehouse"]

st.title("Loads")

loads = data.recent_loads(wh, limit=50)
if loads.empty:
    st.info("Nothing loaded yet. Load a file with `campaigns load FILE`, or run `campaigns demo`.")
else:
    st.dataframe(
        loads,
        hide_index=True,
        column_config={
            "batch_id": st.column_config.NumberColumn("Batch", format="%d"),
            "started_at": st.column_config.DatetimeColumn("When", format="YYYY-MM-DD HH:mm"),
            "loaded_by": st.column_config.TextColumn("Who"),
            "source_name": st.column_config.TextColumn("File"),
            "kind": st.column_config.TextColumn("Kind"),
            "platform": st.column_config.TextColumn("Platform"),
            "campaign_code": st.column_config.TextColumn("Campaign"),
            "rows_read": st.column_config.NumberColumn("Rows read", format="%d"),
            "rows_loaded": st.column_config.NumberColumn("Loaded", format="%d"),
            "rows_rejected": st.column_config.NumberColumn("Rejected", format="%d"),
            "status": st.column_config.TextColumn("Status"),
        },
    )
    st.caption("The 50 latest batches, newest first.")

st.subheader("Daily impressions by platform")
names = data.campaign_names(wh)
if not names:
    st.info("No campaigns yet: load the programme set-up with `campaigns load programme.xlsx`.")
    st.stop()

campaign = st.selectbox(
    "Campaign", list(names), key="campaign", format_func=lambda code: f"{code} · {names[code]}"
)
series = data.daily_series(wh, campaign, "impressions")
if series.empty:
    st.info(f"No daily channel impressions loaded for {campaign} yet.")
else:
    title = f"{campaign} · {names[campaign]}"
    st.plotly_chart(charts.daily_by_platform(series, "Impressions", title))
st.caption(
    "Impressions are added up across days. Reach, where shown, is one day's unique people: it is "
    "not added up across days or platforms, because the same person is counted again each day."
)
