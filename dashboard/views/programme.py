"""The programme page (officers)."""

from __future__ import annotations

import streamlit as st

from dashboard import auth
from dashboard.i18n import t

auth.require("manage")
st.title(t("page.programme"))
