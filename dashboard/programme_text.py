"""Programme words a page shows in its language: a campaign's status (planned, active,
completed, suspended) as the set-up records it."""

from __future__ import annotations

from dashboard.i18n import t
from etl.kinds import CAMPAIGN_STATUSES


def status_label(status: object, lang: str | None = None) -> str:
    """A campaign's status in ``lang`` (the page's language by default); a status the
    programme does not know is shown as it is."""
    text = "" if status is None else str(status).strip()
    if text.lower() in CAMPAIGN_STATUSES:
        return t(f"programme_data.status.{text.lower()}", lang=lang)
    return text
