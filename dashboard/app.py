"""The dashboard's single entrypoint: page set-up, the warehouse, and navigation.

``make run`` starts it as ``streamlit run dashboard/app.py`` with ``CAMPAIGNS_WAREHOUSE`` set.
Pages live in ``dashboard/pages`` and read the warehouse resolved here from
``st.session_state["warehouse"]``. Imports go through the installed ``dashboard`` and ``etl``
packages, so the app does not depend on the working directory.
"""

from __future__ import annotations

import contextlib
from pathlib import Path

import streamlit as st

from etl.warehouse import ENV_VAR, Warehouse, WarehouseBusy

PAGES_DIR = Path(__file__).parent / "pages"

st.set_page_config(page_title="Campaign dashboard", page_icon=":bar_chart:", layout="wide")


@st.cache_resource(show_spinner=False)
def _migrate(path: str) -> None:
    """Bring the schema up to date once per server process (a running load does it too)."""
    with contextlib.suppress(WarehouseBusy):
        Warehouse(Path(path)).migrate(wait_seconds=2)


warehouse = Warehouse.at()
st.session_state["warehouse"] = warehouse

page = st.navigation(
    [
        st.Page(PAGES_DIR / "portfolio.py", title="Portfolio", icon=":material/dashboard:"),
        st.Page(PAGES_DIR / "loads.py", title="Loads", icon=":material/upload_file:"),
    ]
)

if not warehouse.exists():
    st.title("Campaign dashboard")
    st.warning(
        f"No warehouse at `{warehouse.path}`.\n\n"
        "To look around with the demo programme, run `campaigns demo` (or `make run`, which "
        "builds the demo warehouse before starting the dashboard). To use another warehouse, set "
        f"`{ENV_VAR}` to its path, or run `campaigns --warehouse PATH demo`."
    )
    st.stop()

_migrate(str(warehouse.path))
page.run()
