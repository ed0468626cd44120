"""The Feedback page's tables of campaigns and events: each one's responses, ratings and
participants, with the rating scales its ratings were given on (``5``, ``5, 10``).

Worked out once per published load, selection and language (``reader.derived``), so a rerun of
the page (a filter of its comments, a tab) only draws them.
"""

from __future__ import annotations

import pandas as pd

from dashboard import reader
from dashboard.i18n import fmt_figure
from dashboard.metrics import lookups
from dashboard.metrics.builder import query
from dashboard.metrics.selection import Selection
from etl.warehouse import Warehouse

CAMPAIGN_MEASURES = (
    "feedback_responses",
    "rated_responses",
    "average_rating",
    "positive_feedback_share",
    "events_held",
    "participants",
)
# The campaign table's counts: of none, 0.
CAMPAIGN_COUNTS = ("feedback_responses", "rated_responses", "events_held", "participants")
EVENT_MEASURES = (
    "events_held",
    "participants",
    "feedback_responses",
    "average_rating",
    "positive_feedback_share",
)


def _scale_texts(wh: Warehouse, sel: Selection, keys: tuple[str, ...], lang: str) -> dict:
    """Each group's rating scales with a rated response, smallest first, as text: ``keys`` ->
    ``"5, 10"`` (a key of one column is its value, of several a tuple)."""
    scales = query(wh, ["rated_responses"], sel, "total", (*keys, "rating_scale"))
    scales = scales[scales["rated_responses"] > 0].dropna(subset=["rating_scale"])
    scales = scales.sort_values([*keys, "rating_scale"])
    written = {v: fmt_figure(v, "count", lang=lang) for v in scales["rating_scale"].unique()}
    out: dict = {}
    for row in scales[[*keys, "rating_scale"]].itertuples(index=False):
        key = row[0] if len(keys) == 1 else tuple(row[: len(keys)])
        text = written[row[-1]]
        if text not in out.setdefault(key, []):
            out[key].append(text)
    return {key: ", ".join(texts) for key, texts in out.items()}


@reader.derived
def campaign_table(wh: Warehouse, sel: Selection, lang: str) -> pd.DataFrame:
    """One row per campaign of ``sel`` with feedback or events: ``campaign``, the
    :data:`CAMPAIGN_MEASURES` (the :data:`CAMPAIGN_COUNTS` of none as 0) and ``scale``."""
    out = query(wh, list(CAMPAIGN_MEASURES), sel, "total", ("campaign",))
    out["scale"] = out["campaign"].map(_scale_texts(wh, sel, ("campaign",), lang))
    counts = list(CAMPAIGN_COUNTS)
    out[counts] = out[counts].fillna(0)
    return out


@reader.derived
def event_table(wh: Warehouse, sel: Selection, lang: str) -> pd.DataFrame:
    """One row per event of ``sel``'s campaigns, by day (undated last), campaign and event:
    ``campaign``, ``event``, the :data:`EVENT_MEASURES` (participants and responses of none
    as 0), ``scale`` and the event's ``event_name`` (its code when unnamed), ``event_date`` and
    ``event_type``."""
    out = query(wh, list(EVENT_MEASURES), sel, "total", ("campaign", "event"))
    out = out.merge(lookups.event_info(wh, sel.campaigns), on=["campaign", "event"], how="left")
    scales = _scale_texts(wh, sel, ("campaign", "event"), lang)
    out["scale"] = [scales.get(key) for key in zip(out["campaign"], out["event"], strict=True)]
    out[["participants", "feedback_responses"]] = out[
        ["participants", "feedback_responses"]
    ].fillna(0)
    out["event_name"] = out["event_name"].fillna(out["event"])
    return out.sort_values(["event_date", "campaign", "event"], na_position="last")
