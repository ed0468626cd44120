"""Measures of people: events held, participants and feedback responses and ratings."""

from __future__ import annotations

from dashboard.metrics.definition import Measure

PEOPLE: tuple[Measure, ...] = (
    Measure(
        id="events_held",
        label="Events held",
        unit="count",
        aggregation="additive",
        source="events",
        formula="count(*)",
        definition="Events (trainings, workshops, screenings, discussions, webinars) that took "
        "place in the period.",
    ),
    Measure(
        id="participants",
        label="Participants",
        unit="count",
        aggregation="additive",
        source="participants",
        formula="sum(participants)",
        definition="People taking part in the events held in the period; a person at two "
        "events counts twice.",
        never="Never read as unique people.",
    ),
    Measure(
        id="feedback_responses",
        label="Feedback responses",
        unit="count",
        aggregation="additive",
        source="feedback",
        formula="count(*)",
        definition="Feedback responses submitted in the period.",
    ),
    Measure(
        id="positive_responses",
        label="Responses rating the event 4 or 5 out of 5",
        unit="count",
        aggregation="additive",
        source="feedback",
        formula="count(*) FILTER (WHERE positive)",
        definition="Responses whose rating is at least 80% of its scale (4 or 5 of 5, 8 to 10 "
        "of 10).",
        component=True,
    ),
    Measure(
        id="rated_responses",
        label="Responses with a rating",
        unit="count",
        aggregation="additive",
        source="feedback",
        formula="count(rating)",
        definition="Feedback responses that give a rating.",
        component=True,
    ),
    Measure(
        id="rating_sum",
        label="Ratings added up (one scale only)",
        unit="rating",
        aggregation="additive",
        source="feedback",
        formula="CASE WHEN count(DISTINCT rating_scale) FILTER (WHERE rating IS NOT NULL) = 1 "
        "THEN sum(rating) END",
        definition="The numerator of the average rating: the ratings of the responses added "
        "up; empty when the selection mixes forms rated 1 to 5 and 1 to 10, so ask for it by "
        "rating scale.",
        component=True,
    ),
    Measure(
        id="average_rating",
        label="Average rating (on its scale)",
        unit="rating",
        aggregation="ratio_of_sums",
        numerator="rating_sum",
        denominator="rated_responses",
        definition="The average rating of the responses that give one, on the form's scale "
        "(1 to 5, or 1 to 10): ratings added up divided by the responses with a rating. Empty "
        "when the selection mixes the two scales; ask for it by rating scale then.",
        never="Never average ratings on 5- and 10-point scales together; never average the "
        "averages of events or campaigns.",
    ),
    Measure(
        id="positive_feedback_share",
        label="Share of positive ratings (of responses with a rating)",
        unit="percent",
        aggregation="ratio_of_sums",
        numerator="positive_responses",
        denominator="rated_responses",
        definition="The share of responses with a rating that rate the event 4 or 5 out of 5 "
        "(or 8 to 10 out of 10).",
        never="Never average the shares of events or campaigns.",
    ),
)
