"""Alerts (officers): what the alert rules find today in every campaign, with when each alert
opened and when its cause last changed (as the daily ``campaigns alerts`` run recorded), and the
alerts closed lately. Everything is read through the metrics layer
(``dashboard.metrics.alerts``)."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from dashboard import auth, components
from dashboard.alerts import alert_texts
from dashboard.i18n import current_language, literal, t
from dashboard.metrics import alerts as rules
from etl.alerts.config import ConfigError, load_config

auth.require("manage")
wh = st.session_state["warehouse"]

st.title(t("page.alerts"))
st.caption(t("alerts.page.intro"))
day = components.as_of()
components.as_of_caption(day)

try:
    config = load_config()
except ConfigError as exc:
    st.error(literal(str(exc)))
    st.stop()

found = rules.current_alerts(wh, day, config)
kept = rules.alert_states(wh)

names = {name: t(f"alerts.name.{name}") for name in rules.RULES}
present = [name for name in names if any(a.rule == name for a in found)]
chosen = st.multiselect(
    t("alerts.page.rules"), present, default=present, format_func=names.get, key="alerts_rules"
)

st.subheader(t("alerts.page.open"))
shown = [a for a in found if a.rule in chosen]
if not shown:
    components.empty(t("alerts.page.none"))
else:
    texts = alert_texts(wh, day, config, current_language())
    keys = kept["alert_key"].tolist()
    opened = dict(zip(keys, kept["opened_at"].tolist(), strict=True))
    changed = dict(zip(keys, kept["changed_at"].tolist(), strict=True))
    table = pd.DataFrame(
        {
            "rule": [names[a.rule] for a in shown],
            "campaign": [a.campaign or t("alerts.text.programme") for a in shown],
            "subject": [a.subject for a in shown],
            "alert": [texts[a.key] for a in shown],
            "opened": [opened.get(a.key) for a in shown],
            "changed": [changed.get(a.key) for a in shown],
        }
    )
    components.table(
        table,
        key="alerts_open",
        name="alerts",
        definition_text=t("alerts.page.definition"),
        column_config={
            "rule": t("alerts.col.rule"),
            "campaign": t("alerts.col.campaign"),
            "subject": t("alerts.col.subject"),
            "alert": st.column_config.TextColumn(t("alerts.col.alert"), width="large"),
            "opened": components.date_column(t("alerts.col.opened")),
            "changed": components.date_column(t("alerts.col.changed")),
        },
    )
    if kept.empty:
        st.caption(t("alerts.page.not_evaluated"))

st.subheader(t("alerts.page.closed"))
closed = kept[kept["closed_at"].notna()].head(50) if not kept.empty else kept
if closed.empty:
    components.empty(t("alerts.page.none_closed"))
else:
    components.table(
        pd.DataFrame(
            {
                "rule": [names.get(r, r) for r in closed["rule"]],
                "campaign": closed["campaign_code"].fillna(t("alerts.text.programme")),
                "subject": closed["subject"],
                "opened": closed["opened_at"],
                "closed": closed["closed_at"],
            }
        ),
        key="alerts_closed",
        name="alerts_closed",
        definition_text=t("alerts.page.closed"),
        column_config={
            "rule": t("alerts.col.rule"),
            "campaign": t("alerts.col.campaign"),
            "subject": t("alerts.col.subject"),
            "opened": components.date_column(t("alerts.col.opened")),
            "closed": components.date_column(t("alerts.col.closed")),
        },
    )
