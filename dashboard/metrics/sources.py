"""The rows measures are computed over: each :class:`Source` (its SQL relation, the column it
is dated by, the breakdowns it carries) and the :data:`DIMENSIONS` a query can break down by.
"""

from __future__ import annotations

from dataclasses import dataclass

GRAINS = ("total", "day", "week", "month")

# Dimension -> column of a source's rows.
DIMENSIONS: dict[str, str] = {
    "campaign": "campaign_code",
    "platform": "platform",
    "currency": "currency",
    "heading": "heading",
    "budget_line": "line_code",
    "format": "format",  # of a post: video, image, reel, text, ...
    "event": "event_code",
    # of a participant (participant counts): not the campaign regions the filters select by
    "sex": "sex",
    "age_group": "age_group",
    "region": "region",
    # of a feedback response
    "rating_scale": "rating_scale",
    "rating": "rating",
    "language": "language",
}

FX_RULES = ("booking_month", "campaign_average")


@dataclass(frozen=True)
class Source:
    """Rows of one kind, each belonging to a campaign; measures aggregate their columns."""

    id: str
    relation: str  # SQL giving the rows; every source has ``campaign_code``
    date: str | None  # the column a row is dated by (None: not dated, e.g. budget lines)
    dims: tuple[str, ...]  # dimensions the rows carry
    description: str
    # The kept table of its rows added up by month (``MONTH_COLUMNS``), if any (``etl.derived``).
    monthly: str | None = None


# Engagements of one row of figures (a channel's day, a post's day or lifetime snapshot): likes +
# comments + shares + saves, the parts not reported counted as none, and empty when none of the
# four is reported. Pages listing posts use it too, and it is the loader's
# (``core.post_figures_of``), so engagements are counted one way.
POST_ENGAGEMENTS = (
    "CASE WHEN coalesce(likes, comments, shares, saves) IS NULL THEN NULL "
    "ELSE coalesce(likes, 0) + coalesce(comments, 0) + coalesce(shares, 0) "
    "+ coalesce(saves, 0) END"
)

_CHANNEL = f"""
SELECT campaign_code, platform, day, impressions, reach_day, views, likes, comments, shares,
       saves, clicks, followers, {POST_ENGAGEMENTS} AS engagements
FROM channel_daily
"""

# One row per post with its figures to date, as the loads keep them in ``core.post_content`` (see
# ``etl.derived``; defined once, by ``core.post_content_of`` over ``post_figures``): a post with
# daily figures (``post_daily``) counts them all, added up; a post known only from lifetime
# exports counts its latest snapshot. The two are never added together. Reach is kept as
# reported: the latest lifetime reach, and the peak one-day reach of the daily figures; neither
# is ever added up. A post without figures yet has none (``basis`` empty).
_CONTENT = """
SELECT campaign_code, platform, post_id, format, language, title, url, published_on,
       published_on_estimated, basis, figures_as_of, impressions, views, engagements, likes,
       comments, shares, saves, clicks, engagements_rated, impressions_rated, reach_lifetime,
       reach_day_peak
FROM core.post_content
"""

_SPEND_BOOKING = """
SELECT campaign_code, spend_date, heading, budget_line AS line_code, amount::DOUBLE AS amount,
       currency, rate_units_per_eur, amount_eur, description, reference
FROM spend
"""

# The average of the monthly rates loaded for the months of each campaign's period.
_CAMPAIGN_AVERAGE_RATE = """
SELECT c.code AS campaign_code, x.currency, avg(x.units_per_eur) AS units_per_eur
FROM campaigns c
JOIN exchange_rates x
  ON x.month BETWEEN date_trunc('month', c.start_date) AND date_trunc('month', c.end_date)
GROUP BY ALL
"""

_SPEND_AVERAGE = f"""
SELECT s.campaign_code, s.spend_date, s.heading, s.budget_line AS line_code,
       s.amount::DOUBLE AS amount, s.currency,
       CASE WHEN s.currency = 'EUR' THEN 1.0 ELSE r.units_per_eur END AS rate_units_per_eur,
       CASE WHEN s.currency = 'EUR' THEN s.amount::DOUBLE
            ELSE round(s.amount::DOUBLE / r.units_per_eur, 2) END AS amount_eur,
       s.description, s.reference
FROM spend s
LEFT JOIN ({_CAMPAIGN_AVERAGE_RATE}) r
  ON r.campaign_code = s.campaign_code AND r.currency = s.currency
"""

_BUDGET_LATEST = """
SELECT b.campaign_code, b.heading, b.line_code, b.description, b.amount::DOUBLE AS amount,
       b.currency,
       CASE WHEN b.currency = 'EUR' THEN 1.0 ELSE r.units_per_eur END AS rate_units_per_eur,
       CASE WHEN b.currency = 'EUR' THEN b.amount::DOUBLE
            ELSE b.amount::DOUBLE / r.units_per_eur END AS amount_eur
FROM budget_lines b
LEFT JOIN (SELECT currency, arg_max(units_per_eur, month) AS units_per_eur
           FROM exchange_rates GROUP BY currency) r ON r.currency = b.currency
"""

_BUDGET_AVERAGE = f"""
SELECT b.campaign_code, b.heading, b.line_code, b.description, b.amount::DOUBLE AS amount,
       b.currency,
       CASE WHEN b.currency = 'EUR' THEN 1.0 ELSE r.units_per_eur END AS rate_units_per_eur,
       CASE WHEN b.currency = 'EUR' THEN b.amount::DOUBLE
            ELSE b.amount::DOUBLE / r.units_per_eur END AS amount_eur
FROM budget_lines b
LEFT JOIN ({_CAMPAIGN_AVERAGE_RATE}) r
  ON r.campaign_code = b.campaign_code AND r.currency = b.currency
"""

# A rating is positive from this share of its scale on: 4 or 5 of 5, 8 to 10 of 10.
POSITIVE_FROM = 0.8

_FEEDBACK = f"""
SELECT campaign_code, event_code, submitted_at, submitted_at::DATE AS submitted_on, rating,
       rating_scale, rating::DOUBLE / rating_scale >= {POSITIVE_FROM} AS positive, language,
       comment
FROM feedback
"""

# The columns of a channel's days that ``core.channel_month`` adds up by month (migration
# ``0012_channel_months``): each month's days are grouped by which of them they report, so a sum
# over the days reporting another column comes out of the monthly rows exactly.
MONTH_COLUMNS = (
    "impressions", "reach_day", "views", "likes", "comments", "shares", "saves", "clicks",
    "engagements",
)  # fmt: skip

SOURCES: dict[str, Source] = {
    s.id: s
    for s in (
        Source(
            "channel",
            _CHANNEL,
            "day",
            ("campaign", "platform"),
            "`channel_daily`: a campaign's channel on one platform, one day (activity on that "
            "day); `engagements` is likes + comments + shares + saves, the parts not reported "
            "counted as none, and empty when none of the four is reported.",
            monthly="core.channel_month",
        ),
        Source(
            "content",
            _CONTENT,
            "published_on",
            ("campaign", "platform", "format", "language"),
            "`content_items`: one post or video, dated by its publication day "
            "(`published_at`; when the file gave no publication time, the first day it has "
            "daily figures, or else its first lifetime snapshot), with its figures to date "
            "(`basis`): its daily figures added up (`daily`), or, for a post known only from "
            "lifetime exports, its latest snapshot (`lifetime`), as of `figures_as_of`; "
            "`reach_lifetime` and `reach_day_peak` are its reach as reported, never added up.",
        ),
        Source(
            "spend",
            _SPEND_BOOKING,
            "spend_date",
            ("campaign", "currency", "heading", "budget_line"),
            "`spend`: one booked cost, dated by its booking date, with `amount` and `currency` "
            "as booked, `amount_eur` converted by the EUR rule (see Money) at "
            "`rate_units_per_eur`, and the cost's `description` and `reference`.",
        ),
        Source(
            "budget",
            _BUDGET_LATEST,
            None,
            ("campaign", "currency", "heading", "budget_line"),
            "`budget_lines`: one line of a campaign's budget for its whole period (not dated), "
            "with its `description` and `amount_eur` converted by the EUR rule (see Money) at "
            "`rate_units_per_eur`.",
        ),
        Source(
            "events",
            "SELECT campaign_code, event_code, name, event_date, event_type FROM events",
            "event_date",
            ("campaign", "event"),
            "`events`: one event (`name`, `event_type`), dated by the day it took place.",
        ),
        Source(
            "participants",
            "SELECT campaign_code, event_code, event_date, region, sex, age_group, participants "
            "FROM participants",
            "event_date",
            ("campaign", "event", "sex", "age_group", "region"),
            "`participants`: a count of one event's participants of one region, sex and age "
            "group, dated by the event's day.",
        ),
        Source(
            "feedback",
            _FEEDBACK,
            "submitted_on",
            ("campaign", "event", "rating_scale", "rating", "language"),
            "`feedback`: one response, dated by the day it was submitted; `positive` is a "
            "rating of at least 80% of its scale (4 or 5 out of 5, 8 to 10 out of 10); "
            "`rating_scale` is the top of the form's scale (5 or 10); `comment` was masked on "
            "loading.",
        ),
    )
}


def relation(source: Source, fx_rule: str) -> str:
    """The SQL giving the source's rows, with money converted to EUR by ``fx_rule``."""
    if fx_rule == "campaign_average":
        if source.id == "spend":
            return _SPEND_AVERAGE
        if source.id == "budget":
            return _BUDGET_AVERAGE
    return source.relation
