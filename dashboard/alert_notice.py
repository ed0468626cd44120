"""The alerts notice: on signing in, each person is shown their open alerts once per sign-in
(not again in another tab or after a reload), in a notice that stays until they close it (a
toast, so the page under it is left as it is).

The alerts are worked out as the page opens (``dashboard.metrics.alerts``, within the signed-in
user's scope, so a grantee sees only their organisation's campaigns), and kept to those the
alert settings tell the user's role about (``dashboard.alerts.alerts_for``).
"""

from __future__ import annotations

import datetime as dt
import logging

import streamlit as st

from dashboard import auth
from dashboard.alerts import alert_text, alerts_for
from dashboard.i18n import literal, t
from dashboard.metrics.alerts import current_alerts
from etl.accounts import User
from etl.alerts import Alert
from etl.alerts.config import ConfigError, load_config
from etl.warehouse import Warehouse

log = logging.getLogger(__name__)

SHOWN = "_alerts_notice_shown"  # the username the notice was shown to in this session
# The sign-ins (auth.sign_in_id) already shown the notice by this server process; forgotten
# past _REMEMBERED, when at worst a person sees the notice once more.
_shown_sign_ins: set[str] = set()
_REMEMBERED = 10_000
MOST = 5  # alerts listed in the notice; officers find every one on the Alerts page


def open_alerts(wh: Warehouse, user: User, day: dt.date | None = None) -> list[Alert]:
    """The user's open alerts today, as the notice lists them."""
    config = load_config()
    return alerts_for(user, current_alerts(wh, day or dt.date.today(), config), config)


def show(wh: Warehouse, user: User) -> None:
    """Show the notice if this session has not shown it to ``user`` yet and they have open
    alerts."""
    if st.session_state.get(SHOWN) == user.username:
        return
    st.session_state[SHOWN] = user.username
    sign_in = auth.sign_in_id()
    if sign_in is not None:
        if sign_in in _shown_sign_ins:
            return
        if len(_shown_sign_ins) >= _REMEMBERED:
            _shown_sign_ins.clear()
        _shown_sign_ins.add(sign_in)
    try:
        mine = open_alerts(wh, user)
    except ConfigError as exc:
        log.warning("alerts notice not shown: %s", exc)
        return
    except Exception:  # the page itself must still open
        log.exception("alerts notice not shown for %s", user.username)
        return
    if not mine:
        return
    lines = [f"- {literal(alert_text(a))}" for a in mine[:MOST]]
    if len(mine) > MOST:
        lines.append(t("alerts.notice.more", count=len(mine) - MOST))
    st.toast(
        f"**{t('alerts.notice.title', count=len(mine))}**\n\n" + "\n".join(lines),
        icon=":material/notifications:",
        duration="infinite",
    )
