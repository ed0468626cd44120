"""Content: under construction."""

from __future__ import annotations

import streamlit as st

from dashboard.filters import sidebar_filters
from dashboard.i18n import t

wh = st.session_state["warehouse"]
selection = sidebar_filters(wh)
st.title(t("page.content"))
