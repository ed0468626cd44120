"""The dashboard's single entrypoint: page set-up, the warehouse, and navigation.

``make run`` starts it as ``streamlit run dashboard/app.py`` with ``CAMPAIGNS_WAREHOUSE`` set.
Pages live in ``dashboard/views`` and read the warehouse resolved here from
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

PAGES_DIR = Path(__file__).parent / "views"

st.set_page_config(page_title=t("app.title"), page_icon=":bar_chart:", layout="wide")


@st.cache_resource(show_spinner=False)
def _migrate(path: str) -> None:
    """Bring the schema up to date once per server process (a running load does it too)."""
    with contextlib.suppress(WarehouseBusy):
        Warehouse(Path(path)).migrate(wait_seconds=2)


warehouse = Warehouse.at()
st.session_state["warehouse"] = warehouse

# (file, catalogue key of the title, icon); the first is the default page.
PAGES: tuple[tuple[str, str, str], ...] = (
    ("portfolio", "page.portfolio", ":material/dashboard:"),
    ("campaign", "page.campaign", ":material/campaign:"),
    ("content", "page.content", ":material/article:"),
    ("budget", "page.budget", ":material/euro:"),
    ("feedback", "page.feedback", ":material/forum:"),
    ("loads", "page.loads", ":material/upload_file:"),
)

page = st.navigation(
    [
        st.Page(PAGES_DIR / f"{name}.py", title=t(title), icon=icon, url_path=name)
        for name, title, icon in PAGES
    ]
)
language_picker()

if not warehouse.exists():
    st.title(t("app.title"))
    st.warning(t("app.no_warehouse", path=warehouse.path, env_var=ENV_VAR))
    st.stop()

_migrate(str(warehouse.path))
page.run()
