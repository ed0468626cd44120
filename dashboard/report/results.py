"""The report's results tables: each campaign's figures for the period (Campaigns), the figures
by platform (By platform) and reach as the platforms report it (Reach)."""

from __future__ import annotations

import pandas as pd

from dashboard import metrics
from dashboard.report.model import Table, date_column
from dashboard.report.words import word
from etl.warehouse import Warehouse

# Measure -> column of the Campaigns table.
CAMPAIGN_MEASURES = {
    "content_items": "content_items",
    "impressions": "impressions",
    "views": "views",
    "engagements": "engagements",
    "engagement_rate": "engagement_rate",
    "followers": "followers_end",
    "follower_growth": "followers_gained",
    "events_held": "events",
    "participants": "participants",
    "feedback_responses": "feedback_responses",
    "positive_feedback_share": "positive_feedback_share",
    "average_rating": "average_rating",
    "spend_eur": "spent_period_eur",
    "budget_eur": "budget_eur",
}
PLATFORM_MEASURES = ("content_items", "impressions", "views", "engagements", "engagement_rate",
                     "reach_day_peak")  # fmt: skip


def campaigns_table(
    campaigns: pd.DataFrame, by_campaign: pd.DataFrame, money: pd.DataFrame, lang: str = "en"
) -> Table:
    """Each campaign's results for the period (``by_campaign``: the period's figures by
    campaign), with its cumulative spend from ``money`` (``finance.money_by_campaign``)."""
    results = by_campaign[["campaign", *CAMPAIGN_MEASURES]].rename(columns=CAMPAIGN_MEASURES)
    so_far = money[["campaign", "spend_eur"]].rename(columns={"spend_eur": "spent_cumulative_eur"})
    frame = (
        campaigns.rename(columns={"code": "campaign", "name": "campaign_name"})
        .drop(columns=["status"])
        .merge(results, on="campaign", how="left")
        .merge(so_far, on="campaign", how="left")
    )
    frame["execution"] = frame["spent_cumulative_eur"] / frame["budget_eur"].where(
        frame["budget_eur"] > 0
    )
    for col in ("start_date", "end_date"):
        frame[col] = date_column(frame[col])
    return Table(
        "campaigns",
        word("table.campaigns.title", lang),
        word("table.campaigns.description", lang),
        frame,
        keys=("campaign",),
        notes=(word("note.campaigns", lang),),
    )


def platforms_table(by_platform: pd.DataFrame, lang: str = "en") -> Table:
    """The period's figures by platform (``by_platform``: by the platform breakdown)."""
    measures = list(PLATFORM_MEASURES)
    frame = by_platform[["platform", *measures]]
    frame = frame.dropna(subset=measures, how="all").sort_values("platform")
    return Table(
        "platforms",
        word("table.platforms.title", lang),
        word("table.platforms.description", lang),
        frame.reset_index(drop=True),
        keys=("platform",),
    )


def reach_table(wh: Warehouse, period: metrics.Selection, lang: str = "en") -> Table:
    """Reach per campaign, platform and window, never added up."""
    df = metrics.reach_by_window(wh, period)
    frame = df.rename(
        columns={
            "time_window": "window",
            "observations": "reach_days",
            "latest_date": "reach_latest_date",
        }
    )
    frame["reach_latest_date"] = date_column(frame["reach_latest_date"])
    return Table(
        "reach",
        word("table.reach.title", lang),
        word("table.reach.description", lang),
        frame[
            [
                "campaign",
                "platform",
                "window",
                "reach_days",
                "reach_day_average",
                "reach_day_peak",
                "reach_latest",
                "reach_latest_date",
            ]
        ],  # fmt: skip
        keys=("campaign", "platform", "window"),
    )
