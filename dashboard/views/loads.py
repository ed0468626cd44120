"""Loads: the latest load batches, and a campaign's daily impressions by platform."""

from __future__ import annotations

import streamlit as st

from dashboard import charts, data
from dashboard.i18n import column_datetime_format, localize_figure, t

wh = st.session_state["warehouse"]

st.title(t("page.loads"))

LIMIT = 50
loads = data.recent_loads(wh, limit=LIMIT)
if loads.empty:
    st.info(t("loads.nothing_loaded"))
else:
    st.dataframe(
        loads,
        hide_index=True,
        column_config={
            "batch_id": st.column_config.NumberColumn(t("loads.col.batch"), format="%d"),
            "started_at": st.column_config.DatetimeColumn(
                t("loads.col.when"), format=column_datetime_format()
            ),
            "loaded_by": st.column_config.TextColumn(t("loads.col.who")),
            "source_name": st.column_config.TextColumn(t("loads.col.file")),
            "kind": st.column_config.TextColumn(t("loads.col.kind")),
            "platform": st.column_config.TextColumn(t("loads.col.platform")),
            "campaign_code": st.column_config.TextColumn(t("loads.col.campaign")),
            "rows_read": st.column_config.NumberColumn(t("loads.col.rows_read"), format="%d"),
            "rows_loaded": st.column_config.NumberColumn(t("loads.col.loaded"), format="%d"),
            "rows_rejected": st.column_config.NumberColumn(t("loads.col.rejected"), format="%d"),
            "status": st.column_config.TextColumn(t("loads.col.status")),
        },
    )
    st.caption(t("loads.latest", limit=LIMIT))

st.subheader(t("loads.daily_title"))
names = data.campaign_names(wh)
if not names:
    st.info(t("loads.no_campaigns"))
    st.stop()

campaign = st.selectbox(
    t("loads.campaign"),
    list(names),
    key="campaign",
    format_func=lambda code: f"{code} · {names[code]}",
)
series = data.daily_series(wh, campaign, "impressions")
if series.empty:
    st.info(t("loads.no_daily", campaign=campaign))
else:
    title = f"{campaign} · {names[campaign]}"
    figure = charts.daily_by_platform(series, t("measure.impressions"), title)
    figure.update_layout(legend_title_text=t("chart.platform"))
    figure.update_xaxes(title_text=t("chart.day"))
    st.plotly_chart(localize_figure(figure))
st.caption(t("loads.reach_note"))
