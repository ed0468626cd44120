"""Loads: the latest load batches, and a campaign's daily impressions by platform."""

from __future__ import annotations

import streamlit as st

from dashboard import charts, components, data, metrics
from dashboard.i18n import column_datetime_format, t

wh = st.session_state["warehouse"]

st.title(t("page.loads"))

LIMIT = 50
loads = data.recent_loads(wh, limit=LIMIT)
if loads.empty:
    components.empty(t("loads.nothing_loaded"))
else:
    components.table(
        loads,
        key="loads_batches",
        name="loads",
        definition_text=t("loads.latest", limit=LIMIT),
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

st.subheader(t("loads.daily_title"))
names = data.campaign_names(wh)
if not names:
    components.empty(t("loads.no_campaigns"))
    st.stop()

campaign = st.selectbox(
    t("loads.campaign"),
    list(names),
    key="campaign",
    format_func=lambda code: f"{code} · {names[code]}",
)
series = metrics.query(
    wh, ["impressions"], metrics.Selection(campaigns=(campaign,)), "day", ("platform",)
)
series = series[series["impressions"].notna()].rename(
    columns={"period": "day", "impressions": "value"}
)
if series.empty:
    components.empty(t("loads.no_daily", campaign=campaign))
else:
    title = f"{campaign} · {names[campaign]}"
    figure = charts.daily_by_platform(series, t("measure.impressions"), title)
    figure.update_layout(legend_title_text=t("chart.platform"))
    figure.update_xaxes(title_text=t("chart.day"))
    components.chart(
        figure,
        series,
        key="loads_daily",
        name=f"daily-impressions-{campaign}",
        definition_text=t("loads.reach_note"),
    )
