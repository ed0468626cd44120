"""The dashboard's single entrypoint: page set-up, the warehouse, and navigation.

``make run`` starts it as ``streamlit run dashboard/app.py`` with ``CAMPAIGNS_WAREHOUSE`` set.
Pages live in ``dashboard/views`` and read the warehouse resolved here from
``st.session_state["warehouse"]``. Imports go through the installed ``dashboard`` and ``etl``
packages, so the app does not depend on the working directory.

Before any page runs, ``dashboard.auth`` finds the signed-in user and binds every read to the
user's campaigns; without a user only the sign-in form is shown, whatever page the URL names
(the URL is kept, so the page opens once signed in). Each role gets its own pages: officers all,
grantees the dashboard, the upload and the reporting pages, viewers the dashboard.

The language picker is drawn here, on every page, before navigation, so page titles and every
label come out of ``dashboard.i18n``'s catalogue in the chosen language; ``?lang=`` keeps the
choice in the URL. Pages with filters draw them with ``dashboard.filters.sidebar_filters``.

A page that raises shows a short message with an incident id (``incident.page``), never a
traceback or a path: the server log has the id with the traceback (``etl.isolate``). Anything
raised outside a page shows Streamlit's generic message (``client.showErrorDetails = "none"``
in ``.streamlit/config.toml``). Once per server process, upload folders left by an earlier
server (``campaigns-upload-*`` older than an hour) are removed.
"""

from __future__ import annotations

import contextlib
from pathlib import Path

import streamlit as st

from dashboard import alert_notice, auth
from dashboard.i18n import language_picker, t
from etl import isolate
from etl.accounts import ROLES
from etl.warehouse import Warehouse, WarehouseBusy

PAGES_DIR = Path(__file__).parent / "views"

st.set_page_config(page_title=t("app.title"), page_icon=":bar_chart:", layout="wide")


@st.cache_resource(show_spinner=False)
def _migrate(path: str) -> None:
    """Bring the schema up to date once per server process (a running load does it too). A
    busy warehouse raises, which Streamlit does not cache: the next run tries again."""
    Warehouse(Path(path)).migrate(wait_seconds=2)


@st.cache_resource(show_spinner=False)
def _sweep_uploads() -> None:
    """Once per server process: remove upload folders a killed server left behind."""
    isolate.sweep()


_sweep_uploads()
warehouse = Warehouse.at()
st.session_state["warehouse"] = warehouse

# (file, catalogue key of the title, icon, roles that see it); the first is the default page.
PAGES: tuple[tuple[str, str, str, frozenset[str]], ...] = (
    ("portfolio", "page.portfolio", ":material/dashboard:", frozenset(ROLES)),
    ("campaign", "page.campaign", ":material/campaign:", frozenset(ROLES)),
    ("content", "page.content", ":material/article:", frozenset(ROLES)),
    ("budget", "page.budget", ":material/euro:", frozenset(ROLES)),
    ("feedback", "page.feedback", ":material/forum:", frozenset(ROLES)),
    ("reports", "page.reports", ":material/summarize:", frozenset(ROLES)),
    ("upload", "page.upload", ":material/upload:", frozenset({"officer", "grantee"})),
    ("reporting", "page.reporting", ":material/fact_check:", frozenset({"officer", "grantee"})),
    ("programme", "page.programme", ":material/settings:", frozenset({"officer"})),
    ("loads", "page.loads", ":material/upload_file:", frozenset({"officer"})),
    ("alerts", "page.alerts", ":material/notifications:", frozenset({"officer"})),
)

if not warehouse.exists():
    language_picker()
    st.title(t("app.title"))
    st.warning(t("app.no_warehouse"))
    st.stop()

user = auth.signed_in_user(warehouse)
page = st.navigation(
    [
        st.Page(PAGES_DIR / f"{name}.py", title=t(title), icon=icon, url_path=name)
        for name, title, icon, roles in PAGES
        # Signed out, every page is known (nothing runs) so that a link keeps its page.
        if user is None or user.role in roles
    ],
    position="sidebar" if user is not None else "hidden",
)
language_picker()

if user is None:
    auth.login_page(warehouse)
    st.stop()
auth.account_menu(warehouse, user)

with contextlib.suppress(WarehouseBusy):
    _migrate(str(warehouse.path))
try:
    alert_notice.show(warehouse, user)
    page.run()
except Exception as exc:  # st.stop() and reruns are no Exception: they go through
    incident = isolate.log_incident(f"page '{page.url_path}' failed for {user.username}", exc)
    st.error(t("incident.page", id=incident), icon=":material/error:")
