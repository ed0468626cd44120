"""Measures of social media: channel activity in the period (``channel`` rows) and the posts
published in it (``content`` rows)."""

from __future__ import annotations

from dashboard.metrics.definition import Measure

_NO_PEOPLE = "Never present as people reached, and never add it up over days or platforms."

SOCIAL: tuple[Measure, ...] = (
    Measure(
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
    Measure(
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
    Measure(
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
    Measure(
        id="likes",
        label="Likes",
        unit="count",
        aggregation="additive",
        source="channel",
        formula="sum(likes)",
        definition="Likes or reactions on the selected channels in the period.",
    ),
    Measure(
        id="comments",
        label="Comments",
        unit="count",
        aggregation="additive",
        source="channel",
        formula="sum(comments)",
        definition="Comments on the selected channels in the period.",
    ),
    Measure(
        id="shares",
        label="Shares",
        unit="count",
        aggregation="additive",
        source="channel",
        formula="sum(shares)",
        definition="Shares, reposts or forwards on the selected channels in the period.",
    ),
    Measure(
        id="saves",
        label="Saves",
        unit="count",
        aggregation="additive",
        source="channel",
        formula="sum(saves)",
        definition="Saves or bookmarks on the selected channels in the period (not reported by "
        "every platform).",
    ),
    Measure(
        id="clicks",
        label="Link clicks",
        unit="count",
        aggregation="additive",
        source="channel",
        formula="sum(clicks)",
        definition="Clicks on links in campaign content on the selected channels in the period.",
    ),
    Measure(
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
    Measure(
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
    Measure(
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
    Measure(
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
    Measure(
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
    Measure(
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
    Measure(
        id="clicks_on_impressions",
        label="Link clicks on channel-days that report impressions",
        unit="count",
        aggregation="additive",
        source="channel",
        formula="sum(clicks) FILTER (WHERE impressions IS NOT NULL)",
        definition="The numerator of the click-through rate.",
        component=True,
    ),
    Measure(
        id="impressions_with_clicks",
        label="Impressions on channel-days that report link clicks",
        unit="count",
        aggregation="additive",
        source="channel",
        formula="sum(impressions) FILTER (WHERE clicks IS NOT NULL)",
        definition="The denominator of the click-through rate.",
        component=True,
    ),
    Measure(
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
    Measure(
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
    Measure(
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
    Measure(
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
    Measure(
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
    Measure(
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
    Measure(
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
    Measure(
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
    Measure(
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
    Measure(
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
    Measure(
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
    Measure(
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
    Measure(
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
)
