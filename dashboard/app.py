"""The dashboard's single entrypoint: page set-up, the warehouse, and navigation.

``make run`` starts it as ``streamlit run dashboard/app.py`` with ``CAMPAIGNS_WAREHOUSE`` set.
Pages live in ``dashboard/pages`` and read the warehouse resolved here from
``st.session_state["warehouse"]``. Imports go through the installed ``dashboard`` and ``etl``
packages, so the app does not depend on the working directory.

The language picker is drawn here, on every page, before navigation, so page titles and every
label come out of ``dashboard.i18n``'s catalogue in the chosen language; ``?lang=`` keeps the
choice in the URL. Pages with filters draw them with ``dashboard.filters.sidebar_filters``.
"""

from __future__ import annotations

import contextlib
from pathlib import Path

import streamlit as st

from dashboard.i18n import language_picker, t
from etl.warehouse import ENV_VAR, Warehouse, WarehouseBusy

PAGES_DIR = Path(__file__).parent / "pages"

st.set_page_config(page_title=t("app.title"), page_icon=":bar_chart:", layout="wide")


@st.cache_resource(show_spinner=False)
def _migrate(path: str) -> None:
    """Bring the schema up to date once per server process (a running load does it too)."""
    with contextlib.suppress(WarehouseBusy):
        Warehouse(Path(path)).migrate(wait_seconds=2)


warehouse = Warehouse.at()
st.session_state["warehouse"] = warehouse

page = st.navigation(
    [
        st.Page(
            PAGES_DIR / "portfolio.py",
            title=t("page.portfolio"),
            icon=":material/dashboard:",
            url_path="portfolio",
        ),
        st.Page(
            PAGES_DIR / "loads.py",
            title=t("page.loads"),
            icon=":material/upload_file:",
            url_path="loads",
        ),
    ]
)
language_picker()

if not warehouse.exists():
    st.title(t("app.title"))
    st.warning(t("app.no_warehouse", path=warehouse.path, env_var=ENV_VAR))
    st.stop()

_migrate(str(warehouse.path))
page.run()
