"""The upload page (officers and grantees)."""

from __future__ import annotations

import streamlit as st

from dashboard import auth
from dashboard.i18n import t

auth.require("upload")
st.title(t("page.upload"))
