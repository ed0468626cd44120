"""Every measure, by id and in the order the documentation lists them, and the measure each KPI
indicator (``kpi_targets.metric``) is counted by."""

from __future__ import annotations

from dashboard.metrics.definition import Measure, catalogue
from dashboard.metrics.money import MONEY
from dashboard.metrics.people import PEOPLE
from dashboard.metrics.social import SOCIAL

MEASURE_LIST: tuple[Measure, ...] = (*SOCIAL, *MONEY, *PEOPLE)
MEASURES: dict[str, Measure] = catalogue(MEASURE_LIST)

# KPI targets name the figure that measures them in ``kpi_targets.metric``: the measure each
# name maps to. A name that is not here has no data source; the reasons below say why for the
# names we know we cannot compute.
INDICATOR_MEASURES: dict[str, str] = {
    "impressions": "impressions",
    "views": "views",
    "engagements": "engagements",
    "likes": "likes",
    "comments": "comments",
    "shares": "shares",
    "saves": "saves",
    "clicks": "clicks",
    "followers": "followers",
    "follower_growth": "follower_growth",
    "content_items": "content_items",
    "posts": "content_items",
    "engagement_rate": "engagement_rate",
    "click_through_rate": "click_through_rate",
    "cost_per_mille": "cost_per_mille",
    "cost_per_engagement": "cost_per_engagement",
    "spend_eur": "spend_eur",
    "events": "events_held",
    "participants": "participants",
    "feedback_responses": "feedback_responses",
    "positive_feedback_share": "positive_feedback_share",
}

UNMAPPED_INDICATORS: dict[str, str] = {
    "reach": "reach counts unique people within one day or one post; the warehouse has no "
    "unique-people figure for a campaign's whole period, and one-day reach cannot be added up",
    "people_reached": "see reach",
}


def measure(measure_id: str) -> Measure:
    """The measure ``measure_id``; ``ValueError`` naming the known ones when there is none."""
    try:
        return MEASURES[measure_id]
    except KeyError:
        raise ValueError(
            f"unknown measure '{measure_id}'; use one of: {', '.join(MEASURES)}"
        ) from None
