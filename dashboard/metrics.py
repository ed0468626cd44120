"""The dashboard's one metrics layer: every measure defined once, and the SQL built from it.

A measure is data (:class:`Measure` in :data:`MEASURES`): an id, a label, a unit, an
aggregation type, the formula (SQL over the columns of one :class:`Source`, or a ratio of two
other measures with the denominator named), the date it is counted by and a plain-language
definition. Pages and exports ask for measures by id over a :class:`Selection` (period,
campaigns, platforms, regions, thematic areas) at a grain (total, day, week, month) and by
campaign, platform, currency, budget heading or line; :func:`build_query` writes the SQL (a pure
function) and :func:`query` runs it in DuckDB through the cached reader, so whole tables never
reach pandas.

The rules the measures keep (see ``docs/metrics.md`` and the domain notes):

* impressions, views, engagements, clicks, spend and counts add up over days, platforms and
  campaigns;
* rates are ratios of sums over the selection (never an average of row rates), and each names
  its denominator;
* reach is never added up: one-day reach is shown as a peak, an average, or, labelled as such, a
  sum of platform reach that may double-count, averaged per day;
* followers are a stock: the level at the end of a period and the net growth over it;
* money is in EUR at the stored monthly rate (``spend.amount_eur``, the booking month's rate),
  or at the average rate of the campaign's months when :class:`Settings` says so; the amounts
  as booked stay available (``spend_original``, ``budget_original`` by currency).

Targets and pace (:func:`kpi_progress`, :func:`spend_pace`, :func:`data_freshness`,
:func:`campaign_status`) compare each KPI's achievement and each campaign's spend with the
elapsed share of its period, with an on-track band of +-15% by default.

``python -m dashboard.metrics`` rewrites the generated tables in ``docs/metrics.md``;
``--check`` fails when they are out of date.
"""

from __future__ import annotations

import sys
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path

import pandas as pd

from dashboard import data
from etl.warehouse import Warehouse

# --------------------------------------------------------------------------------------------
# Sources: the rows a measure is computed over
# --------------------------------------------------------------------------------------------

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


_CHANNEL = """
SELECT campaign_code, platform, day, impressions, reach_day, views, likes, comments, shares,
       saves, clicks, followers,
       CASE WHEN coalesce(likes, comments, shares, saves) IS NULL THEN NULL
            ELSE coalesce(likes, 0) + coalesce(comments, 0) + coalesce(shares, 0)
                 + coalesce(saves, 0) END AS engagements
FROM channel_daily
"""

# Engagements of one row of figures: likes + comments + shares + saves, the parts not reported
# counted as none, and empty when none of the four is reported.
_POST_ENGAGEMENTS = (
    "CASE WHEN coalesce(likes, comments, shares, saves) IS NULL THEN NULL "
    "ELSE coalesce(likes, 0) + coalesce(comments, 0) + coalesce(shares, 0) "
    "+ coalesce(saves, 0) END"
)

# One row per post with its figures to date. A post with daily figures (``post_daily``) counts
# them all, added up; a post known only from lifetime exports counts its latest snapshot. The
# two are never added together. Reach is kept as reported: the latest lifetime reach, and the
# peak one-day reach of the daily figures; neither is ever added up.
_CONTENT = f"""
WITH daily AS (
    SELECT campaign_code, platform, post_id, min(day) AS first_day, max(day) AS last_day,
           sum(impressions) AS impressions, sum(views) AS views, sum(eng) AS engagements,
           sum(likes) AS likes, sum(comments) AS comments, sum(shares) AS shares,
           sum(saves) AS saves, sum(clicks) AS clicks,
           sum(eng) FILTER (WHERE impressions IS NOT NULL) AS engagements_rated,
           sum(impressions) FILTER (WHERE eng IS NOT NULL) AS impressions_rated,
           max(reach_day) AS reach_day_peak
    FROM (SELECT *, {_POST_ENGAGEMENTS} AS eng FROM post_daily)
    GROUP BY ALL
),
lifetime AS (
    SELECT campaign_code, platform, post_id, min(metric_date) AS first_seen,
           max(metric_date) AS last_seen,
           arg_max(impressions, metric_date) AS impressions, arg_max(reach, metric_date) AS reach,
           arg_max(views, metric_date) AS views, arg_max(eng, metric_date) AS engagements,
           arg_max(likes, metric_date) AS likes, arg_max(comments, metric_date) AS comments,
           arg_max(shares, metric_date) AS shares, arg_max(saves, metric_date) AS saves,
           arg_max(clicks, metric_date) AS clicks
    FROM (SELECT *, {_POST_ENGAGEMENTS} AS eng FROM metric_observations
          WHERE post_id <> '' AND time_window = 'lifetime')
    GROUP BY ALL
)
SELECT ci.campaign_code, ci.platform, ci.post_id, ci.format, ci.language, ci.title, ci.url,
       coalesce(ci.published_at::DATE, d.first_day, l.first_seen) AS published_on,
       ci.published_at IS NULL AS published_on_estimated,
       CASE WHEN d.post_id IS NOT NULL THEN 'daily'
            WHEN l.post_id IS NOT NULL THEN 'lifetime' END AS basis,
       CASE WHEN d.post_id IS NOT NULL THEN d.last_day ELSE l.last_seen END AS figures_as_of,
       CASE WHEN d.post_id IS NOT NULL THEN d.impressions ELSE l.impressions END AS impressions,
       CASE WHEN d.post_id IS NOT NULL THEN d.views ELSE l.views END AS views,
       CASE WHEN d.post_id IS NOT NULL THEN d.engagements ELSE l.engagements END AS engagements,
       CASE WHEN d.post_id IS NOT NULL THEN d.likes ELSE l.likes END AS likes,
       CASE WHEN d.post_id IS NOT NULL THEN d.comments ELSE l.comments END AS comments,
       CASE WHEN d.post_id IS NOT NULL THEN d.shares ELSE l.shares END AS shares,
       CASE WHEN d.post_id IS NOT NULL THEN d.saves ELSE l.saves END AS saves,
       CASE WHEN d.post_id IS NOT NULL THEN d.clicks ELSE l.clicks END AS clicks,
       CASE WHEN d.post_id IS NOT NULL THEN d.engagements_rated
            WHEN l.impressions IS NOT NULL THEN l.engagements END AS engagements_rated,
       CASE WHEN d.post_id IS NOT NULL THEN d.impressions_rated
            WHEN l.engagements IS NOT NULL THEN l.impressions END AS impressions_rated,
       l.reach AS reach_lifetime, d.reach_day_peak
FROM content_items ci
LEFT JOIN daily d
  ON d.campaign_code = ci.campaign_code AND d.platform = ci.platform AND d.post_id = ci.post_id
LEFT JOIN lifetime l
  ON l.campaign_code = ci.campaign_code AND l.platform = ci.platform AND l.post_id = ci.post_id
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


def _relation(source: Source, fx_rule: str) -> str:
    if fx_rule == "campaign_average":
        if source.id == "spend":
            return _SPEND_AVERAGE
        if source.id == "budget":
            return _BUDGET_AVERAGE
    return source.relation


# --------------------------------------------------------------------------------------------
# Measures
# --------------------------------------------------------------------------------------------

AGGREGATIONS = {
    "additive": "added up over days, platforms and campaigns",
    "ratio_of_sums": "sum of the numerator over the selection divided by the sum of the "
    "denominator, never an average of row rates",
    "stock": "a level: the last value of each channel in the period, added up over channels",
    "stock_change": "the change of a level: each channel's last value in the period minus its "
    "last value before the period, added up over channels",
    "non_additive": "unique people within a window: never added up over days, posts or "
    "platforms; the rule used to combine rows is part of the name",
}

UNITS = {
    "count": "a number of things",
    "percent": "a ratio, stored as a fraction (0.05) and shown as a percentage (5%)",
    "EUR": "euros",
    "currency": "the currency as booked (KZT, EUR, USD): only meaningful by currency",
    "EUR per 1,000 impressions": "euros per thousand impressions",
    "EUR per engagement": "euros per engagement",
    "rating": "points on the form's rating scale (1 to 5, or 1 to 10)",
}


@dataclass(frozen=True)
class Measure:
    """One measure, defined once. Either ``formula`` over ``source``, or a ratio."""

    id: str
    label: str
    unit: str
    aggregation: str
    definition: str
    never: str = ""  # what the figure must never be used for
    source: str | None = None
    formula: str | None = None  # SQL aggregate over the source's rows
    # Two-step aggregates: ``inner`` per (keys and date) or per (keys and channel), then
    # ``formula`` over ``inner_value``.
    inner: str | None = None
    inner_by: str | None = None  # "date" or "channel"
    numerator: str | None = None
    denominator: str | None = None
    scale: float = 1.0
    window: str | None = None  # reach window the measure reads
    component: bool = False  # part of a ratio; not shown on its own

    @property
    def is_ratio(self) -> bool:
        return self.aggregation == "ratio_of_sums"

    def sources(self) -> tuple[str, ...]:
        if self.is_ratio:
            return tuple(
                dict.fromkeys(
                    MEASURES[self.numerator].sources() + MEASURES[self.denominator].sources()
                )
            )
        return (self.source,) if self.source else ()

    def formula_text(self) -> str:
        """The formula as the documentation shows it."""
        if self.is_ratio:
            text = f"{self.numerator} / {self.denominator}"
            return f"{text} * {self.scale:g}" if self.scale != 1 else text
        if self.aggregation == "stock_change":
            return (
                "per channel: arg_max(followers, day) in the period minus arg_max(followers, "
                "day) before it (else the first value in the period); sum over channels"
            )
        if self.inner:
            per = "day" if self.inner_by == "date" else "channel"
            then = self.formula.replace("inner_value", "v")
            return f"per {per}: v = {self.inner}; then {then}"
        return self.formula or ""


def _m(**kw) -> Measure:
    return Measure(**kw)


_NO_PEOPLE = "Never present as people reached, and never add it up over days or platforms."

MEASURE_LIST: tuple[Measure, ...] = (
    # --- social media: activity in the period (channel_daily) -----------------------------
    _m(
        id="impressions",
        label="Impressions",
        unit="count",
        aggregation="additive",
        source="channel",
        formula="sum(impressions)",
        definition="How many times campaign content was shown on the selected channels in the "
        "period (Telegram reports views instead and has no impressions).",
        never="Never read as people: one person who sees a post three times is three impressions.",
    ),
    _m(
        id="views",
        label="Views",
        unit="count",
        aggregation="additive",
        source="channel",
        formula="sum(views)",
        definition="How many times videos or posts were viewed on the selected channels in the "
        "period, as each platform counts a view.",
        never="Never add to impressions: on most platforms a view is also an impression.",
    ),
    _m(
        id="engagements",
        label="Engagements (likes + comments + shares + saves)",
        unit="count",
        aggregation="additive",
        source="channel",
        formula="sum(engagements)",
        definition="Likes, comments, shares and saves on the selected channels in the period; "
        "a part a platform does not report counts as none.",
        never="Never includes clicks; never compare platforms without noting which parts each "
        "reports (Telegram has no saves).",
    ),
    _m(
        id="likes",
        label="Likes",
        unit="count",
        aggregation="additive",
        source="channel",
        formula="sum(likes)",
        definition="Likes or reactions on the selected channels in the period.",
    ),
    _m(
        id="comments",
        label="Comments",
        unit="count",
        aggregation="additive",
        source="channel",
        formula="sum(comments)",
        definition="Comments on the selected channels in the period.",
    ),
    _m(
        id="shares",
        label="Shares",
        unit="count",
        aggregation="additive",
        source="channel",
        formula="sum(shares)",
        definition="Shares, reposts or forwards on the selected channels in the period.",
    ),
    _m(
        id="saves",
        label="Saves",
        unit="count",
        aggregation="additive",
        source="channel",
        formula="sum(saves)",
        definition="Saves or bookmarks on the selected channels in the period (not reported by "
        "every platform).",
    ),
    _m(
        id="clicks",
        label="Link clicks",
        unit="count",
        aggregation="additive",
        source="channel",
        formula="sum(clicks)",
        definition="Clicks on links in campaign content on the selected channels in the period.",
    ),
    _m(
        id="engagements_on_impressions",
        label="Engagements on channel-days that report impressions",
        unit="count",
        aggregation="additive",
        source="channel",
        formula="sum(engagements) FILTER (WHERE impressions IS NOT NULL)",
        definition="The numerator of the engagement rate: engagements counted only where the "
        "same channel and day also report impressions.",
        component=True,
    ),
    _m(
        id="impressions_with_engagements",
        label="Impressions on channel-days that report engagements",
        unit="count",
        aggregation="additive",
        source="channel",
        formula="sum(impressions) FILTER (WHERE engagements IS NOT NULL)",
        definition="The denominator of the engagement rate: impressions counted only where the "
        "same channel and day also report engagements.",
        component=True,
    ),
    _m(
        id="engagement_rate",
        label="Engagement rate (by impressions)",
        unit="percent",
        aggregation="ratio_of_sums",
        numerator="engagements_on_impressions",
        denominator="impressions_with_engagements",
        definition="Engagements per impression over the selection: all engagements divided by "
        "all impressions, on the channel-days that report both.",
        never="Never average the rates of days, posts or platforms; never compare with an "
        "engagement rate by reach.",
    ),
    _m(
        id="engagements_on_reach",
        label="Engagements on channel-days that report reach",
        unit="count",
        aggregation="additive",
        source="channel",
        formula="sum(engagements) FILTER (WHERE reach_day IS NOT NULL)",
        definition="The numerator of the engagement rate by reach: engagements counted only "
        "where the same channel and day also report one-day reach.",
        component=True,
    ),
    _m(
        id="reach_days",
        label="Reach-days (one-day reach added over channel-days; not people)",
        unit="count",
        aggregation="additive",
        source="channel",
        formula="sum(reach_day) FILTER (WHERE engagements IS NOT NULL)",
        window="day",
        definition="The denominator of the engagement rate by reach: each channel's one-day "
        "reach added over the days that also report engagements; a person reached on two days "
        "counts twice.",
        never=_NO_PEOPLE + " It exists only as a denominator.",
        component=True,
    ),
    _m(
        id="engagement_rate_reach",
        label="Engagement rate (by one-day reach)",
        unit="percent",
        aggregation="ratio_of_sums",
        numerator="engagements_on_reach",
        denominator="reach_days",
        window="day",
        definition="Engagements per person reached on the same day: engagements divided by "
        "one-day reach, both added over the channel-days that report both.",
        never="Never compare with the engagement rate by impressions; it is higher by design.",
    ),
    _m(
        id="clicks_on_impressions",
        label="Link clicks on channel-days that report impressions",
        unit="count",
        aggregation="additive",
        source="channel",
        formula="sum(clicks) FILTER (WHERE impressions IS NOT NULL)",
        definition="The numerator of the click-through rate.",
        component=True,
    ),
    _m(
        id="impressions_with_clicks",
        label="Impressions on channel-days that report link clicks",
        unit="count",
        aggregation="additive",
        source="channel",
        formula="sum(impressions) FILTER (WHERE clicks IS NOT NULL)",
        definition="The denominator of the click-through rate.",
        component=True,
    ),
    _m(
        id="click_through_rate",
        label="Click-through rate (by impressions)",
        unit="percent",
        aggregation="ratio_of_sums",
        numerator="clicks_on_impressions",
        denominator="impressions_with_clicks",
        definition="Link clicks per impression over the selection, on the channel-days that "
        "report both.",
        never="Never average the rates of days or platforms.",
    ),
    _m(
        id="reach_day_peak",
        label="Peak one-day reach of a channel (max, not added up)",
        unit="count",
        aggregation="non_additive",
        source="channel",
        formula="max(reach_day)",
        window="day",
        definition="The highest number of unique people one channel reached in one day within "
        "the selection.",
        never=_NO_PEOPLE,
    ),
    _m(
        id="reach_day_average",
        label="Average one-day reach of a channel (average per channel-day)",
        unit="count",
        aggregation="non_additive",
        source="channel",
        formula="avg(reach_day)",
        window="day",
        definition="How many unique people a channel reached on a typical day: one-day reach "
        "averaged over the channel-days that report it.",
        never=_NO_PEOPLE,
    ),
    _m(
        id="reach_day_platform_sum",
        label="Sum of platform one-day reach, may double-count (average per day)",
        unit="count",
        aggregation="non_additive",
        source="channel",
        inner="sum(reach_day)",
        inner_by="date",
        formula="avg(inner_value)",
        window="day",
        definition="Each day, the one-day reach of the selected channels added together (a "
        "person on two platforms counts twice), then averaged over the days: a daily figure, "
        "not the period's audience.",
        never=_NO_PEOPLE + " Show it only with its full label.",
    ),
    _m(
        id="followers",
        label="Followers (level at the end of the period)",
        unit="count",
        aggregation="stock",
        source="channel",
        inner="arg_max(followers, day) FILTER (WHERE followers IS NOT NULL)",
        inner_by="channel",
        formula="sum(inner_value)",
        definition="Followers of the selected channels on the last day of the period each "
        "channel reports, added up over channels (a person following two accounts counts "
        "twice).",
        never="Never add up over days or months; use follower growth for a change.",
    ),
    _m(
        id="follower_growth",
        label="Net follower growth",
        unit="count",
        aggregation="stock_change",
        source="channel",
        definition="How many followers the selected channels gained, net of those lost, during "
        "the period: the level at its end minus the level before it began.",
        never="Never read as new people reached; unfollows are already netted off.",
    ),
    # --- content: published in the period ------------------------------------------------
    _m(
        id="content_items",
        label="Content items published",
        unit="count",
        aggregation="additive",
        source="content",
        formula="count(*)",
        definition="Posts and videos published in the period on the selected channels (a post "
        "without a publication time counts on the first day it has figures).",
        never="Never read as activity: a post published earlier still collects views in the "
        "period.",
    ),
    _m(
        id="post_impressions",
        label="Impressions of the posts (to date)",
        unit="count",
        aggregation="additive",
        source="content",
        formula="sum(impressions)",
        definition="Impressions of the posts published in the period, each post counted to "
        "date: its daily figures added up, or its latest lifetime total when it is known only "
        "from lifetime exports (Telegram reports views instead).",
        never="Never add to channel impressions: a post's impressions are part of its "
        "channel's. Never read as activity in the period: a post keeps collecting impressions "
        "after it.",
    ),
    _m(
        id="post_views",
        label="Views of the posts (to date)",
        unit="count",
        aggregation="additive",
        source="content",
        formula="sum(views)",
        definition="Views of the posts published in the period, each post counted to date as "
        "for impressions, as each platform counts a view.",
        never="Never add to impressions: on most platforms a view is also an impression.",
    ),
    _m(
        id="post_engagements",
        label="Engagements with the posts (to date)",
        unit="count",
        aggregation="additive",
        source="content",
        formula="sum(engagements)",
        definition="Likes, comments, shares and saves of the posts published in the period, "
        "each post counted to date as for impressions; a part a platform does not report "
        "counts as none.",
        never="Never add to channel engagements: a post's engagements are part of its channel's.",
    ),
    _m(
        id="post_engagements_on_impressions",
        label="Engagements with posts, where the post's figures report impressions",
        unit="count",
        aggregation="additive",
        source="content",
        formula="sum(engagements_rated)",
        definition="The numerator of the posts' engagement rate: engagements counted only "
        "where the same figures (a post's day, or its lifetime snapshot) also report "
        "impressions.",
        component=True,
    ),
    _m(
        id="post_impressions_with_engagements",
        label="Impressions of posts, where the post's figures report engagements",
        unit="count",
        aggregation="additive",
        source="content",
        formula="sum(impressions_rated)",
        definition="The denominator of the posts' engagement rate: impressions counted only "
        "where the same figures also report engagements.",
        component=True,
    ),
    _m(
        id="post_engagement_rate",
        label="Engagement rate of the posts (by impressions)",
        unit="percent",
        aggregation="ratio_of_sums",
        numerator="post_engagements_on_impressions",
        denominator="post_impressions_with_engagements",
        definition="Engagements per impression over the posts published in the period, each "
        "counted to date: all their engagements divided by all their impressions, on the "
        "figures that report both.",
        never="Never average the rates of posts; never compare with an engagement rate by reach.",
    ),
    # --- money -----------------------------------------------------------------------------
    _m(
        id="spend_eur",
        label="Spend (EUR)",
        unit="EUR",
        aggregation="additive",
        source="spend",
        formula="sum(amount_eur)",
        definition="Costs booked in the period, in euros at the stored monthly rate (see "
        "Money); costs whose month has no rate yet are left out and counted separately.",
        never="Never split by platform: spend is booked by budget line, not by platform.",
    ),
    _m(
        id="spend_lines_without_rate",
        label="Spend lines without an exchange rate",
        unit="count",
        aggregation="additive",
        source="spend",
        formula="count(*) FILTER (WHERE amount_eur IS NULL)",
        definition="Costs booked in the period that could not be converted to euros because "
        "their month's rate is not loaded; they are missing from Spend (EUR).",
    ),
    _m(
        id="spend_original",
        label="Spend (currency as booked)",
        unit="currency",
        aggregation="additive",
        source="spend",
        formula="CASE WHEN count(DISTINCT currency) = 1 THEN sum(amount) END",
        definition="Costs booked in the period in the currency they were booked in; empty "
        "when the selection mixes currencies, so ask for it by currency.",
        never="Never add amounts of different currencies.",
    ),
    _m(
        id="budget_eur",
        label="Budget (EUR)",
        unit="EUR",
        aggregation="additive",
        source="budget",
        formula="sum(amount_eur)",
        definition="The budget of the selected campaigns for their whole period, in euros "
        "(see Money for the rate).",
        never="Never split by period or platform: a budget line covers the whole campaign.",
    ),
    _m(
        id="budget_original",
        label="Budget (currency of the lines)",
        unit="currency",
        aggregation="additive",
        source="budget",
        formula="CASE WHEN count(DISTINCT currency) = 1 THEN sum(amount) END",
        definition="The budget of the selected campaigns in the currency of its lines; empty "
        "when the lines mix currencies, so ask for it by currency.",
        never="Never add amounts of different currencies.",
    ),
    _m(
        id="spend_execution",
        label="Budget execution (spend / budget, EUR)",
        unit="percent",
        aggregation="ratio_of_sums",
        numerator="spend_eur",
        denominator="budget_eur",
        definition="The share of the budget spent: spend in euros divided by the budget in "
        "euros (the whole budget, whatever the period selected).",
        never="Never average over campaigns; compare with the elapsed share of the period, "
        "not with 100%.",
    ),
    _m(
        id="cost_per_mille",
        label="Cost per 1,000 impressions (EUR, all spend)",
        unit="EUR per 1,000 impressions",
        aggregation="ratio_of_sums",
        numerator="spend_eur",
        denominator="impressions",
        scale=1000.0,
        definition="What 1,000 impressions cost: all spend in euros (staff, events and ads, "
        "not only ads) divided by impressions, times 1,000.",
        never="Never compare with an ad platform's CPM, which counts only ad spend; never "
        "compute by platform.",
    ),
    _m(
        id="cost_per_engagement",
        label="Cost per engagement (EUR, all spend)",
        unit="EUR per engagement",
        aggregation="ratio_of_sums",
        numerator="spend_eur",
        denominator="engagements",
        definition="What one engagement cost: all spend in euros divided by engagements.",
        never="Never compute by platform; spend is not booked by platform.",
    ),
    # --- events and feedback ---------------------------------------------------------------
    _m(
        id="events_held",
        label="Events held",
        unit="count",
        aggregation="additive",
        source="events",
        formula="count(*)",
        definition="Events (trainings, workshops, screenings, discussions, webinars) that took "
        "place in the period.",
    ),
    _m(
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
    _m(
        id="feedback_responses",
        label="Feedback responses",
        unit="count",
        aggregation="additive",
        source="feedback",
        formula="count(*)",
        definition="Feedback responses submitted in the period.",
    ),
    _m(
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
    _m(
        id="rated_responses",
        label="Responses with a rating",
        unit="count",
        aggregation="additive",
        source="feedback",
        formula="count(rating)",
        definition="Feedback responses that give a rating.",
        component=True,
    ),
    _m(
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
    _m(
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
    _m(
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

MEASURES: dict[str, Measure] = {m.id: m for m in MEASURE_LIST}

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

# --------------------------------------------------------------------------------------------
# Selections and the SQL built for them
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Selection:
    """What to count: a period and campaign filters. Empty tuples mean all.

    ``regions`` and ``themes`` select campaigns (a campaign is in when it works in any of the
    regions). ``platforms`` applies to sources that have a platform (channels, content); spend,
    budget, events and feedback are not split by platform and ignore it. ``start``/``end``
    bound each source's date (budget lines are not dated), and pick campaigns too: only
    campaigns running at some time in the period count (as the dashboard's filters say), so a
    period's budget is the budget of the campaigns running in it. ``campaigns_in_period=False``
    keeps every campaign whatever its dates. ``within_campaign_period`` keeps only rows dated
    within each campaign's own start and end dates.
    """

    start: date | None = None
    end: date | None = None
    campaigns: tuple[str, ...] = ()
    platforms: tuple[str, ...] = ()
    regions: tuple[str, ...] = ()
    themes: tuple[str, ...] = ()
    within_campaign_period: bool = False
    campaigns_in_period: bool = True

    def __post_init__(self) -> None:
        for name in ("campaigns", "platforms", "regions", "themes"):
            value = getattr(self, name)
            if isinstance(value, str):
                object.__setattr__(self, name, (value,))
            else:
                object.__setattr__(self, name, tuple(value))


ALL = Selection()


def as_selection(value: object | None) -> Selection:
    """A :class:`Selection` from any object with the same fields (``dashboard.filters``'
    selection, say); None means everything."""
    if value is None:
        return ALL
    if isinstance(value, Selection):
        return value
    return Selection(
        start=getattr(value, "start", None),
        end=getattr(value, "end", None),
        campaigns=tuple(getattr(value, "campaigns", ()) or ()),
        platforms=tuple(getattr(value, "platforms", ()) or ()),
        regions=tuple(getattr(value, "regions", ()) or ()),
        themes=tuple(getattr(value, "themes", ()) or ()),
        within_campaign_period=bool(getattr(value, "within_campaign_period", False)),
        campaigns_in_period=bool(getattr(value, "campaigns_in_period", True)),
    )


@dataclass(frozen=True)
class Settings:
    """The rules of pace and money. ``band``: the on-track band around the elapsed share
    (0.15 = +-15%). ``stale_days``: days without figures that flag a campaign.
    ``fx_rule``: ``booking_month`` (each cost at its booking month's rate, the budget at the
    latest rate loaded) or ``campaign_average`` (costs and budget at the average of the monthly
    rates loaded for the campaign's months)."""

    band: float = 0.15
    stale_days: int = 14
    fx_rule: str = "booking_month"

    def __post_init__(self) -> None:
        if self.fx_rule not in FX_RULES:
            raise ValueError(f"unknown fx_rule '{self.fx_rule}'; use one of: {FX_RULES}")
        if not 0 <= self.band < 1:
            raise ValueError("band is a fraction between 0 and 1, e.g. 0.15")


DEFAULT_SETTINGS = Settings()


def measure(measure_id: str) -> Measure:
    try:
        return MEASURES[measure_id]
    except KeyError:
        raise ValueError(
            f"unknown measure '{measure_id}'; use one of: {', '.join(MEASURES)}"
        ) from None


def ignored_filters(measure_id: str, selection: Selection = ALL) -> list[str]:
    """The filters of ``selection`` that do not apply to the measure's rows."""
    selection = as_selection(selection)
    out = []
    for source_id in measure(measure_id).sources():
        src = SOURCES[source_id]
        if selection.platforms and "platform" not in src.dims:
            out.append(f"platforms ({source_id})")
        if (selection.start or selection.end) and src.date is None:
            out.append(f"period ({source_id})")
    return out


def unavailable(measure_id: str, grain: str = "total", by: Sequence[str] = ()) -> str | None:
    """Why the measure cannot be computed at this grain and breakdown, or None if it can."""
    m = measure(measure_id)
    if grain not in GRAINS:
        return f"unknown grain '{grain}'; use one of: {', '.join(GRAINS)}"
    for d in by:
        if d not in DIMENSIONS:
            return f"unknown breakdown '{d}'; use one of: {', '.join(DIMENSIONS)}"
    for source_id in m.sources():
        src = SOURCES[source_id]
        if grain != "total" and src.date is None:
            return f"{m.label}: {source_id} rows are not dated, so there is no {grain} series"
        for d in by:
            if d not in src.dims:
                return f"{m.label}: {source_id} rows are not recorded by {d}"
    return None


def _platform_filtered(m: Measure, selection: Selection) -> bool:
    """Whether a platform filter in the selection applies to the measure's rows."""
    return bool(selection.platforms) and all("platform" in SOURCES[s].dims for s in m.sources())


class _Params:
    """Named query parameters, each value bound once and referenced as ``$name``."""

    def __init__(self) -> None:
        self.values: dict[str, object] = {}

    def __call__(self, name: str, value: object) -> str:
        self.values[name] = list(value) if isinstance(value, tuple) else value
        return f"${name}"


def _bucket(grain: str, column: str) -> str:
    return column if grain == "day" else f"date_trunc('{grain}', {column})::DATE"


def _rows(
    source: Source,
    sel: Selection,
    grain: str,
    by: Sequence[str],
    p: _Params,
    fx_rule: str,
    *,
    before_start: bool = False,
) -> str:
    """The source's rows in the selection, with key columns ``k_period`` and ``k_<dim>``."""
    keys = []
    if grain != "total" and not before_start:
        keys.append(f"{_bucket(grain, 's.' + source.date)} AS k_period")
    keys += [f"s.{DIMENSIONS[d]} AS k_{d}" for d in by]
    where = ["TRUE"]
    if sel.campaigns:
        where.append(f"list_contains({p('campaigns', sel.campaigns)}, c.code)")
    if sel.themes:
        where.append(f"list_contains({p('themes', sel.themes)}, c.thematic_area)")
    if sel.regions:
        where.append(f"list_has_any(c.regions, {p('regions', sel.regions)})")
    if sel.platforms and "platform" in source.dims:
        where.append(f"list_contains({p('platforms', sel.platforms)}, s.platform)")
    if sel.campaigns_in_period and sel.start:
        where.append(f"c.end_date >= {p('start', sel.start)}")
    if sel.campaigns_in_period and sel.end:
        where.append(f"c.start_date <= {p('end', sel.end)}")
    if source.date:
        d = f"s.{source.date}"
        lower = _lower_bound(sel, p)
        if before_start:
            where.append(f"{d} < {lower}")
        else:
            if lower:
                where.append(f"{d} >= {lower}")
            if sel.end:
                where.append(f"{d} <= {p('end', sel.end)}")
            if sel.within_campaign_period:
                where.append(f"{d} <= c.end_date")
            if grain != "total":
                where.append(f"{d} IS NOT NULL")
    cols = ", ".join([*keys, "s.*"])
    return (
        f"SELECT {cols} FROM ({_relation(source, fx_rule).strip()}) s "
        f"JOIN campaigns c ON c.code = s.campaign_code WHERE {' AND '.join(where)}"
    )


def _lower_bound(sel: Selection, p: _Params) -> str | None:
    if sel.start and sel.within_campaign_period:
        return f"greatest({p('start', sel.start)}, c.start_date)"
    if sel.start:
        return p("start", sel.start)
    if sel.within_campaign_period:
        return "c.start_date"
    return None


def _key_columns(grain: str, by: Sequence[str]) -> list[str]:
    return (["k_period"] if grain != "total" else []) + [f"k_{d}" for d in by]


def _part(
    measures: list[Measure],
    sel: Selection,
    grain: str,
    by: Sequence[str],
    p: _Params,
    fx_rule: str,
) -> str:
    """One subquery giving the key columns and the measures (all of one source)."""
    src = SOURCES[measures[0].source]
    m = measures[0]
    if m.aggregation == "stock_change":
        return _growth(src, sel, grain, by, p, fx_rule, m.id)
    rows = _rows(src, sel, grain, by, p, fx_rule)
    keys = _key_columns(grain, by)
    if m.inner:
        extra = [src.date] if m.inner_by == "date" else ["campaign_code", "platform"]
        inner = ", ".join([*keys, *extra, f"{m.inner} AS inner_value"])
        outer = ", ".join([*keys, f'{m.formula} AS "{m.id}"'])
        return f"SELECT {outer} FROM (SELECT {inner} FROM ({rows}) GROUP BY ALL) GROUP BY ALL"
    cols = ", ".join([*keys, *(f'{x.formula} AS "{x.id}"' for x in measures)])
    return f"SELECT {cols} FROM ({rows}) GROUP BY ALL"


def _growth(
    src: Source,
    sel: Selection,
    grain: str,
    by: Sequence[str],
    p: _Params,
    fx_rule: str,
    measure_id: str,
) -> str:
    keys = _key_columns(grain, by)
    rows = _rows(src, sel, grain, by, p, fx_rule)
    levels = (
        f"SELECT {', '.join([*keys, 'campaign_code', 'platform'])}, "
        "arg_max(followers, day) AS end_level, arg_min(followers, day) AS first_level "
        f"FROM ({rows}) WHERE followers IS NOT NULL GROUP BY ALL"
    )
    if _lower_bound(sel, _Params()) is not None:
        before = _rows(src, sel, grain, (), p, fx_rule, before_start=True)
        opening = (
            "SELECT campaign_code, platform, arg_max(followers, day) AS level "
            f"FROM ({before}) WHERE followers IS NOT NULL GROUP BY ALL"
        )
    else:
        opening = (
            "SELECT NULL::VARCHAR AS campaign_code, NULL::VARCHAR AS platform, "
            "NULL::DOUBLE AS level WHERE FALSE"
        )
    previous = "o.level, l.first_level"
    if grain != "total":
        previous = (
            "lag(l.end_level) OVER (PARTITION BY l.campaign_code, l.platform "
            f"ORDER BY l.k_period), {previous}"
        )
    lkeys = [f"l.{k}" for k in keys]
    inner = (
        f"SELECT {', '.join([*lkeys, f'l.end_level - coalesce({previous}) AS growth'])} "
        f"FROM ({levels}) l LEFT JOIN ({opening}) o "
        "ON o.campaign_code = l.campaign_code AND o.platform = l.platform"
    )
    cols = ", ".join([*keys, f'sum(growth) AS "{measure_id}"'])
    return f"SELECT {cols} FROM ({inner}) GROUP BY ALL"


def build_query(
    measure_ids: Sequence[str],
    selection: Selection = ALL,
    grain: str = "total",
    by: Sequence[str] = (),
    settings: Settings = DEFAULT_SETTINGS,
) -> tuple[str, dict[str, object]]:
    """The SQL (and its named parameters) giving the measures over the selection.

    One row per period bucket (column ``period``: the day, the Monday of the week or the first
    of the month) and per value of each ``by`` dimension (columns named after the dimension:
    ``campaign`` holds the campaign code), then one column per measure id, in the order asked.
    With ``grain="total"`` and no ``by``, exactly one row. Raises ``ValueError`` for a measure
    that cannot be computed at that grain or breakdown (see :func:`unavailable`). A ratio whose
    numerator and denominator a platform filter treats differently (it applies to impressions
    but not to spend) is NULL rather than wrong.
    """
    if isinstance(measure_ids, str):
        measure_ids = [measure_ids]
    selection = as_selection(selection)
    by = list(by)
    if len(set(by)) != len(by):
        raise ValueError(f"breakdown repeats a dimension: {by}")
    wanted = [measure(i) for i in measure_ids]
    if not wanted:
        raise ValueError("no measures asked for")
    for m in wanted:
        reason = unavailable(m.id, grain, by)
        if reason:
            raise ValueError(reason)

    base: dict[str, Measure] = {}
    for m in wanted:
        for part in (m.numerator, m.denominator) if m.is_ratio else (m.id,):
            base[part] = MEASURES[part]

    # Measures of one source with plain aggregates share a subquery; two-step ones get theirs.
    groups: dict[str, list[Measure]] = {}
    for m in base.values():
        key = m.source if (not m.inner and m.aggregation != "stock_change") else m.id
        groups.setdefault(key, []).append(m)
    p = _Params()
    parts = [_part(ms, selection, grain, by, p, settings.fx_rule) for ms in groups.values()]
    keys = _key_columns(grain, by)

    if keys:
        ctes = [f"p{i} AS ({sql})" for i, sql in enumerate(parts)]
        union = " UNION ".join(f"SELECT {', '.join(keys)} FROM p{i}" for i in range(len(parts)))
        ctes.append(f"k AS ({union})")
        joins = " ".join(
            f"LEFT JOIN p{i} ON "
            + " AND ".join(f"p{i}.{c} IS NOT DISTINCT FROM k.{c}" for c in keys)
            for i in range(len(parts))
        )
        owner = {}
        for i, ms in enumerate(groups.values()):
            for m in ms:
                owner[m.id] = f'p{i}."{m.id}"'
        cols = [f"k.{c}" for c in keys] + [f'{ref} AS "{mid}"' for mid, ref in owner.items()]
        combined = f"WITH {', '.join(ctes)} SELECT {', '.join(cols)} FROM k {joins}"
    else:
        combined = "SELECT * FROM " + ", ".join(f"({sql}) p{i}" for i, sql in enumerate(parts))

    out = [f"{c} AS {c[2:]}" for c in keys]
    for m in wanted:
        if not m.is_ratio:
            out.append(f'"{m.id}"')
            continue
        num, den = MEASURES[m.numerator], MEASURES[m.denominator]
        if _platform_filtered(num, selection) != _platform_filtered(den, selection):
            out.append(f'NULL::DOUBLE AS "{m.id}"')
            continue
        scale = f" * {m.scale!r}" if m.scale != 1 else ""
        out.append(
            f'CASE WHEN "{den.id}" <> 0 THEN "{num.id}"::DOUBLE / "{den.id}"{scale} END AS "{m.id}"'
        )
    order = f" ORDER BY {', '.join(keys)}" if keys else ""
    sql = f"SELECT {', '.join(out)} FROM ({combined}) q{order}"
    return sql, p.values


# --------------------------------------------------------------------------------------------
# Running queries (cached per published copy of the warehouse)
# --------------------------------------------------------------------------------------------


def run_sql(wh: Warehouse, sql: str, params: dict[str, object] | None = None) -> pd.DataFrame:
    """Run SQL with named parameters through the dashboard's cache, keyed by the published copy."""
    return data.read(wh, sql, params or {})


def query(
    wh: Warehouse,
    measure_ids: Sequence[str],
    selection: Selection = ALL,
    grain: str = "total",
    by: Sequence[str] = (),
    settings: Settings = DEFAULT_SETTINGS,
) -> pd.DataFrame:
    """The measures over the selection as a DataFrame (see :func:`build_query`)."""
    sql, params = build_query(measure_ids, selection, grain, by, settings)
    return run_sql(wh, sql, params)


def selected_rows(
    source_id: str, selection: Selection = ALL, settings: Settings = DEFAULT_SETTINGS
) -> tuple[str, dict[str, object]]:
    """The SQL (and its named parameters) giving the rows of one source that the selection
    counts, with the source's columns: what the measures of that source aggregate, for lists
    and breakdowns the measures do not give (comments, say). Its parameters are named
    ``campaigns``, ``start``, ``end``, ``platforms``, ``regions`` and ``themes``."""
    if source_id not in SOURCES:
        raise ValueError(f"unknown source '{source_id}'; use one of: {', '.join(SOURCES)}")
    p = _Params()
    sql = _rows(SOURCES[source_id], as_selection(selection), "total", (), p, settings.fx_rule)
    return sql, p.values


def totals(
    wh: Warehouse,
    measure_ids: Sequence[str],
    selection: Selection = ALL,
    settings: Settings = DEFAULT_SETTINGS,
) -> dict[str, float | None]:
    """The measures over the whole selection: id -> value (None: nothing reported)."""
    row = query(wh, measure_ids, selection, "total", (), settings).iloc[0]
    return {k: (None if pd.isna(v) else float(v)) for k, v in row.items()}


def reach_by_window(wh: Warehouse, selection: Selection = ALL) -> pd.DataFrame:
    """Channel reach as reported, per campaign, platform and window, never added up.

    For the ``day`` window: the days reporting reach, the average and the peak one-day reach,
    and the latest one-day reach with its date. For any other window a channel reports (rows
    of ``metric_observations`` with an empty ``post_id``): the latest value and its date.
    """
    selection = as_selection(selection)
    p = _Params()
    src = Source(
        "reach",
        "SELECT campaign_code, platform, metric_date, time_window, reach "
        "FROM metric_observations WHERE post_id = '' AND reach IS NOT NULL",
        "metric_date",
        ("campaign", "platform"),
        "",
    )
    rows = _rows(src, selection, "total", (), p, "booking_month")
    sql = f"""
        SELECT campaign_code AS campaign, platform, time_window,
               count(*) AS observations,
               avg(reach) FILTER (WHERE time_window = 'day') AS reach_day_average,
               max(reach) FILTER (WHERE time_window = 'day') AS reach_day_peak,
               arg_max(reach, metric_date) AS reach_latest,
               max(metric_date) AS latest_date
        FROM ({rows}) GROUP BY ALL ORDER BY campaign, platform, time_window
    """
    return run_sql(wh, sql, p.values)


def undated_participants(wh: Warehouse, campaigns: Sequence[str]) -> pd.DataFrame:
    """Participants recorded for an event that is not in the event list: without the event's
    day they are in no period, so no period's figures count them. Columns: campaign,
    event_code, participants (one row per such event of the campaigns)."""
    return run_sql(
        wh,
        "SELECT campaign_code AS campaign, event_code, sum(participants) AS participants "
        "FROM participants WHERE event_date IS NULL AND list_contains($c, campaign_code) "
        "GROUP BY ALL ORDER BY ALL",
        {"c": list(campaigns)},
    )


# --------------------------------------------------------------------------------------------
# Targets and pace
# --------------------------------------------------------------------------------------------

ON_TRACK, BEHIND, AHEAD = "on track", "behind", "ahead"
NOT_STARTED, NO_DATA, NO_SOURCE, NO_BASELINE = (
    "not started",
    "no data",
    "no data source",
    "no baseline",
)
OVERSPENDING, UNDERSPENDING, ON_PLAN = "overspending", "underspending", "on plan"
AT_RISK = "at risk"


def _day(value) -> date:
    """A date from what DuckDB and pandas give back for a DATE (Timestamp, datetime, date)."""
    return value if type(value) is date else pd.Timestamp(value).date()


def elapsed_share(start: date, end: date, as_of: date) -> float:
    """The share of the period from ``start`` to ``end`` (both days included) that has passed
    by the end of ``as_of``: 0 before the start, 1 from the end date on."""
    start, end, as_of = _day(start), _day(end), _day(as_of)
    total = (end - start).days + 1
    if total <= 0:
        raise ValueError(f"the period ends ({end}) before it starts ({start})")
    done = (as_of - start).days + 1
    return min(1.0, max(0.0, done / total))


def achievement(
    actual: float | None,
    baseline: float | None,
    target: float,
    direction: str = "increase",
    cumulative: bool = False,
) -> float | None:
    """The share of the target achieved (1.0 = 100%), or None when it cannot be computed.

    * increase, cumulative: actual / target (the count since the start against the
      life-of-project target);
    * increase, not cumulative (a level or a %): (actual - baseline) / (target - baseline);
    * decrease: (baseline - actual) / (baseline - target).
    """
    if actual is None or pd.isna(actual):
        return None
    if direction == "decrease":
        if baseline is None or pd.isna(baseline) or baseline == target:
            return None
        return (baseline - actual) / (baseline - target)
    if cumulative:
        return None if target == 0 else actual / target
    base = 0.0 if baseline is None or pd.isna(baseline) else baseline
    if target == base:
        return None
    return (actual - base) / (target - base)


def pace_status(pace: float | None, band: float = 0.15) -> str | None:
    """``on track`` within ``1 +- band`` of the elapsed share, else ``behind`` or ``ahead``."""
    if pace is None or pd.isna(pace):
        return None
    if pace < 1 - band:
        return BEHIND
    if pace > 1 + band:
        return AHEAD
    return ON_TRACK


def on_indicator_scale(value: float | None, measure_id: str, unit: str) -> float | None:
    """A measure's value on its indicator's scale: a percentage measure (a share, 0.25) as
    the 0-100 figure a ``%`` indicator is written in (25.0); anything else unchanged."""
    if value is None or pd.isna(value):
        return None
    if MEASURES[measure_id].unit == "percent" and str(unit).strip() == "%":
        return value * 100
    return value


@dataclass(frozen=True)
class Progress:
    """Where an indicator stands at a date: see :func:`progress`."""

    achievement: float | None
    pace: float | None
    status: str
    note: str = ""


def progress(
    actual: float | None,
    baseline: float | None,
    target: float,
    direction: str,
    cumulative: bool,
    *,
    elapsed: float,
    started: bool,
    what: str,
    band: float = DEFAULT_SETTINGS.band,
) -> Progress:
    """An indicator's achievement, pace and status (the rules of ``docs/metrics.md``): not
    started, no data (``what`` names the figure missing), no baseline, else on track, behind
    or ahead by its pace (achievement / ``elapsed`` share of its period)."""
    if not started:
        return Progress(None, None, NOT_STARTED)
    if actual is None:
        return Progress(None, None, NO_DATA, f"nothing loaded for {what} yet")
    ach = achievement(actual, baseline, target, direction, cumulative)
    if ach is None:
        return Progress(
            None, None, NO_BASELINE, "the target equals the baseline, or a decrease has no baseline"
        )
    pace = ach / elapsed
    return Progress(ach, pace, pace_status(pace, band))


def _campaigns(wh: Warehouse, campaigns: Sequence[str] = ()) -> pd.DataFrame:
    p = _Params()
    where = f"WHERE list_contains({p('c', tuple(campaigns))}, code)" if campaigns else ""
    return run_sql(
        wh,
        f"SELECT code, name, start_date, end_date, status FROM campaigns {where} ORDER BY code",
        p.values,
    )


@data.derived
def kpi_progress(
    wh: Warehouse,
    as_of: date,
    campaigns: Sequence[str] = (),
    settings: Settings = DEFAULT_SETTINGS,
) -> pd.DataFrame:
    """Every KPI target of the campaigns (all when empty) against its actual at ``as_of``.

    Columns: campaign, indicator_code, indicator, level, metric, measure, unit, direction,
    baseline, baseline_year, target, cumulative, actual, achievement, elapsed, pace, status,
    note. The actual is the mapped measure over the campaign's period up to ``as_of`` (a level
    at ``as_of`` for followers; percentages on the target's 0-100 scale). ``status`` (see
    :func:`progress`) is one of on track, behind, ahead, not started, no data (nothing loaded
    yet), no data source (the indicator maps to no measure) or no baseline (a decreasing
    indicator without one).
    """
    p = _Params()
    where = f"WHERE list_contains({p('c', tuple(campaigns))}, t.campaign_code)" if campaigns else ""
    targets = run_sql(
        wh,
        "SELECT t.campaign_code AS campaign, t.indicator_code, t.indicator, t.level, t.metric, "
        "t.unit, t.direction, t.baseline, t.baseline_year, t.target, t.cumulative, "
        "c.start_date, c.end_date "
        f"FROM kpi_targets t JOIN campaigns c ON c.code = t.campaign_code {where} "
        "ORDER BY t.campaign_code, t.indicator_code",
        p.values,
    )
    mapped: list[str | None] = [
        INDICATOR_MEASURES.get(m.strip().lower()) if isinstance(m, str) else None
        for m in targets["metric"]
    ]
    needed = sorted({m for m in mapped if m})
    actuals: dict[tuple[str, str], float] = {}
    if needed and not targets.empty:
        sel = Selection(
            campaigns=tuple(sorted(set(targets["campaign"]))),
            end=as_of,
            within_campaign_period=True,
            campaigns_in_period=False,
        )
        df = query(wh, needed, sel, "total", ("campaign",), settings)
        for row in df.itertuples(index=False):
            for mid in needed:
                value = getattr(row, mid)
                if not pd.isna(value):
                    actuals[(row.campaign, mid)] = float(value)

    records = []
    for t, measure_id in zip(targets.itertuples(index=False), mapped, strict=True):
        rec = {
            "campaign": t.campaign,
            "indicator_code": t.indicator_code,
            "indicator": t.indicator,
            "level": t.level,
            "metric": t.metric,
            "measure": measure_id,
            "unit": t.unit,
            "direction": t.direction,
            "baseline": None if pd.isna(t.baseline) else float(t.baseline),
            "baseline_year": None if pd.isna(t.baseline_year) else int(t.baseline_year),
            "target": float(t.target),
            "cumulative": bool(t.cumulative),
            "actual": None,
            "achievement": None,
            "elapsed": elapsed_share(t.start_date, t.end_date, as_of),
            "pace": None,
            "status": None,
            "note": "",
        }
        metric = t.metric.strip().lower() if isinstance(t.metric, str) else ""
        if not measure_id:
            rec["status"] = NO_SOURCE
            rec["note"] = UNMAPPED_INDICATORS.get(
                metric, f"no measure computes '{t.metric}'" if metric else "no metric named"
            )
            records.append(rec)
            continue
        m = MEASURES[measure_id]
        actual = on_indicator_scale(actuals.get((t.campaign, measure_id)), measure_id, t.unit)
        rec["actual"] = actual
        where = progress(
            actual,
            rec["baseline"],
            rec["target"],
            t.direction,
            rec["cumulative"],
            elapsed=rec["elapsed"],
            started=as_of >= _day(t.start_date),
            what=m.label.lower(),
            band=settings.band,
        )
        rec.update(
            achievement=where.achievement, pace=where.pace, status=where.status, note=where.note
        )
        records.append(rec)
    columns = [
        "campaign", "indicator_code", "indicator", "level", "metric", "measure", "unit",
        "direction", "baseline", "baseline_year", "target", "cumulative", "actual", "achievement",
        "elapsed", "pace", "status", "note",
    ]  # fmt: skip
    return pd.DataFrame.from_records(records, columns=columns)


@data.derived
def spend_pace(
    wh: Warehouse,
    as_of: date,
    campaigns: Sequence[str] = (),
    settings: Settings = DEFAULT_SETTINGS,
) -> pd.DataFrame:
    """Spend against the elapsed share of each campaign's period, at ``as_of``.

    Columns: campaign, start_date, end_date, budget_eur, spend_eur, spend_lines_without_rate,
    execution (spend / budget), elapsed, pace (execution / elapsed), status (overspending,
    underspending, on plan, not started, no data: no budget), over_budget (spend above the
    budget). Spend counts every cost booked up to ``as_of``.
    """
    info = _campaigns(wh, campaigns)
    sel = Selection(campaigns=tuple(info["code"]), end=as_of, campaigns_in_period=False)
    money = query(
        wh,
        ["budget_eur", "spend_eur", "spend_lines_without_rate"],
        sel,
        "total",
        ("campaign",),
        settings,
    )
    money = money.set_index("campaign")
    records = []
    for c in info.itertuples(index=False):
        budget = spend = None
        missing = 0
        if c.code in money.index:
            row = money.loc[c.code]
            budget = None if pd.isna(row["budget_eur"]) else float(row["budget_eur"])
            spend = None if pd.isna(row["spend_eur"]) else float(row["spend_eur"])
            if not pd.isna(row["spend_lines_without_rate"]):
                missing = int(row["spend_lines_without_rate"])
        spend = spend or 0.0
        elapsed = elapsed_share(c.start_date, c.end_date, as_of)
        execution = spend / budget if budget else None
        pace = execution / elapsed if execution is not None and elapsed > 0 else None
        if as_of < _day(c.start_date):
            status = NOT_STARTED
        elif execution is None:
            status = NO_DATA
        else:
            status = {BEHIND: UNDERSPENDING, AHEAD: OVERSPENDING, ON_TRACK: ON_PLAN}[
                pace_status(pace, settings.band)
            ]
        records.append(
            {
                "campaign": c.code,
                "start_date": _day(c.start_date),
                "end_date": _day(c.end_date),
                "budget_eur": budget,
                "spend_eur": spend,
                "spend_lines_without_rate": missing,
                "execution": execution,
                "elapsed": elapsed,
                "pace": pace,
                "status": status,
                "over_budget": bool(execution is not None and execution > 1),
            }
        )
    return pd.DataFrame.from_records(
        records,
        columns=[
            "campaign", "start_date", "end_date", "budget_eur", "spend_eur",
            "spend_lines_without_rate", "execution", "elapsed", "pace", "status", "over_budget",
        ],
    )  # fmt: skip


@data.derived
def data_freshness(
    wh: Warehouse,
    as_of: date,
    campaigns: Sequence[str] = (),
    settings: Settings = DEFAULT_SETTINGS,
) -> pd.DataFrame:
    """The latest figures and loads of each campaign, and whether it has gone quiet.

    Columns: campaign, last_metric_date (the latest day with social-media figures, up to
    ``as_of``), days_without_data, last_load_at (the latest loaded batch for the campaign),
    no_recent_data. Days without data run from the last day with figures (or from the start
    date, when there are none) to ``as_of`` (or the end date, once the campaign is over);
    ``no_recent_data`` is set from ``stale_days`` (14) days on.
    """
    p = _Params()
    where = f"WHERE list_contains({p('c', tuple(campaigns))}, c.code)" if campaigns else ""
    df = run_sql(
        wh,
        f"""
        SELECT c.code AS campaign, c.start_date, c.end_date,
               (SELECT max(m.metric_date) FROM metric_observations m
                WHERE m.campaign_code = c.code AND m.metric_date <= {p("as_of", as_of)})
                   AS last_metric_date,
               (SELECT max(l.finished_at) FROM loads l
                WHERE l.campaign_code = c.code AND l.status = 'loaded') AS last_load_at
        FROM campaigns c {where} ORDER BY c.code
        """,
        p.values,
    )
    last, days = [], []
    for row in df.itertuples(index=False):
        day = None if pd.isna(row.last_metric_date) else _day(row.last_metric_date)
        since = day or _day(row.start_date) - timedelta(days=1)
        last.append(day)
        days.append(max(0, (min(as_of, _day(row.end_date)) - since).days))
    out = pd.DataFrame(
        {
            "campaign": df["campaign"],
            "last_metric_date": pd.Series(last, dtype=object),
            "days_without_data": pd.Series(days, dtype="int64"),
            "last_load_at": df["last_load_at"],
        }
    )
    out["no_recent_data"] = out["days_without_data"] >= settings.stale_days
    return out


@data.derived
def campaign_status(
    wh: Warehouse,
    as_of: date,
    campaigns: Sequence[str] = (),
    settings: Settings = DEFAULT_SETTINGS,
) -> pd.DataFrame:
    """One status per campaign at ``as_of``, with the reasons.

    ``behind`` when any KPI with data is behind pace; else ``at risk`` when spend is over or
    under the elapsed share (beyond the band) or no figures arrived for ``stale_days`` days;
    else ``not started`` before the start date; else ``on track``. Columns: campaign, status,
    kpis_behind, kpis_assessed, spend_status, no_recent_data, reasons.
    """
    kpis = kpi_progress(wh, as_of, campaigns, settings)
    spend = spend_pace(wh, as_of, campaigns, settings).set_index("campaign")
    fresh = data_freshness(wh, as_of, campaigns, settings).set_index("campaign").to_dict("index")
    assessed_kpis = kpis[kpis["status"].isin([ON_TRACK, BEHIND, AHEAD])]
    assessed_count = assessed_kpis.groupby("campaign").size().to_dict()
    behind_codes = (
        assessed_kpis[assessed_kpis["status"] == BEHIND]
        .groupby("campaign")["indicator_code"]
        .agg(list)
        .to_dict()
    )
    records = []
    for code, s in spend.to_dict("index").items():
        behind = behind_codes.get(code, [])
        f = fresh[code]
        stale = bool(f["no_recent_data"])
        reasons = [f"{indicator} behind pace" for indicator in behind]
        if s["status"] in (OVERSPENDING, UNDERSPENDING):
            reasons.append(s["status"])
        if s["over_budget"]:
            reasons.append("over budget")
        if stale:
            days = int(f["days_without_data"])
            if f["last_metric_date"] is None or pd.isna(f["last_metric_date"]):
                reasons.append(f"no figures loaded, {days} days after the start")
            else:
                reasons.append(f"no figures for {days} days")
        if len(behind):
            status = BEHIND
        elif s["status"] in (OVERSPENDING, UNDERSPENDING) or s["over_budget"] or stale:
            status = AT_RISK
        elif s["status"] == NOT_STARTED:
            status = NOT_STARTED
        else:
            status = ON_TRACK
        records.append(
            {
                "campaign": code,
                "status": status,
                "kpis_behind": len(behind),
                "kpis_assessed": assessed_count.get(code, 0),
                "spend_status": s["status"],
                "no_recent_data": stale,
                "reasons": "; ".join(reasons),
            }
        )
    return pd.DataFrame.from_records(
        records,
        columns=[
            "campaign", "status", "kpis_behind", "kpis_assessed", "spend_status",
            "no_recent_data", "reasons",
        ],
    )  # fmt: skip


# --------------------------------------------------------------------------------------------
# The generated part of docs/metrics.md
# --------------------------------------------------------------------------------------------

DOC_PATH = Path(__file__).resolve().parents[1] / "docs" / "metrics.md"
MARK_START = "<!-- generated by `python -m dashboard.metrics`: do not edit below -->"
MARK_END = "<!-- end of generated part -->"


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def render_tables() -> str:
    """The measure, source and indicator tables of ``docs/metrics.md``, from the definitions."""
    out = [
        "### Measure table",
        "",
        "| measure | label | unit | aggregation | formula | denominator |",
        "|---|---|---|---|---|---|",
    ]
    for m in MEASURE_LIST:
        den = f"`{m.denominator}`" if m.denominator else ""
        out.append(
            f"| `{m.id}` | {_cell(m.label)} | {m.unit} | {m.aggregation} | "
            f"`{_cell(m.formula_text())}` | {den} |"
        )
    out += ["", "### Measures in detail", ""]
    for m in MEASURE_LIST:
        out.append(f"#### `{m.id}`: {m.label}")
        out.append("")
        out.append(m.definition)
        out.append("")
        out.append(f"- **Unit:** {m.unit} ({UNITS[m.unit]})")
        out.append(f"- **Aggregation:** {m.aggregation} ({AGGREGATIONS[m.aggregation]})")
        if m.is_ratio:
            out.append(
                f"- **Formula:** `{m.formula_text()}`; denominator: `{m.denominator}` "
                f"({MEASURES[m.denominator].label.lower()})"
            )
        else:
            out.append(f"- **Formula:** `{m.formula_text()}`")
        sources = ", ".join(f"`{s}`" for s in m.sources())
        dated = ", ".join(
            f"`{SOURCES[s].date}`" if SOURCES[s].date else "not dated" for s in m.sources()
        )
        out.append(f"- **Rows:** {sources}; dated by {dated}")
        if m.window:
            out.append(f"- **Reach window:** {m.window}")
        if m.component:
            out.append("- **Role:** part of a ratio, not shown on its own")
        if m.never:
            out.append(f"- **Never:** {m.never}")
        out.append("")
    out += ["### Sources", "", "| source | rows | breakdowns |", "|---|---|---|"]
    for s in SOURCES.values():
        dims = ", ".join(s.dims)
        out.append(f"| `{s.id}` | {_cell(s.description)} | {dims} |")
    out += [
        "",
        "### KPI indicators",
        "",
        "`kpi_targets.metric` names the figure that measures an indicator:",
        "",
        "| metric | measure |",
        "|---|---|",
    ]
    for name, mid in INDICATOR_MEASURES.items():
        out.append(f"| `{name}` | `{mid}` ({MEASURES[mid].label}) |")
    for name, why in UNMAPPED_INDICATORS.items():
        out.append(f"| `{name}` | no data source: {_cell(why)} |")
    out.append("")
    out.append("Any other name: no data source.")
    return "\n".join(out)


def render_doc(text: str) -> str:
    """``text`` (the doc) with the part between the markers replaced by the tables."""
    head, sep, rest = text.partition(MARK_START)
    if not sep or MARK_END not in rest:
        raise ValueError(f"{DOC_PATH.name} lacks the markers {MARK_START!r} ... {MARK_END!r}")
    tail = rest.partition(MARK_END)[2]
    return f"{head}{MARK_START}\n\n{render_tables()}\n\n{MARK_END}{tail}"


def main(argv: Sequence[str] | None = None) -> int:
    args = list(sys.argv[1:] if argv is None else argv)
    current = DOC_PATH.read_text(encoding="utf-8")
    wanted = render_doc(current)
    if "--check" in args:
        if current != wanted:
            print(f"{DOC_PATH} is out of date: run `python -m dashboard.metrics`")
            return 1
        return 0
    if current != wanted:
        DOC_PATH.write_text(wanted, encoding="utf-8")
        print(f"updated {DOC_PATH}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())


__all__ = [
    "ALL",
    "DEFAULT_SETTINGS",
    "INDICATOR_MEASURES",
    "MEASURES",
    "MEASURE_LIST",
    "SOURCES",
    "Measure",
    "Selection",
    "Settings",
    "achievement",
    "as_selection",
    "build_query",
    "campaign_status",
    "data_freshness",
    "elapsed_share",
    "ignored_filters",
    "kpi_progress",
    "pace_status",
    "query",
    "reach_by_window",
    "run_sql",
    "selected_rows",
    "spend_pace",
    "totals",
    "unavailable",
]
