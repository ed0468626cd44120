"""What the dashboard reads: every query the pages run, as small pandas DataFrames.

Each function takes a ``Warehouse`` plus filters and returns a DataFrame; all SQL lives here, and
pages only lay the results out. Results are cached with ``st.cache_data`` under the warehouse's
path and ``Warehouse.version()``, so a newly published load invalidates them on the next rerun.
A connection is opened for one query and closed at once (``Warehouse.reader``): nothing is held
across reruns, and the ETL can always publish.

Metric rules (see the domain notes): impressions and engagements are added up; rates are a ratio
of sums; one-day reach is never summed.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import streamlit as st

from etl.warehouse import Warehouse

# Daily channel measures a chart can show; the names are columns of the ``channel_daily`` view.
DAILY_METRICS: dict[str, str] = {
    "impressions": "Impressions",
    "views": "Views",
    "engagements": "Engagements (likes + comments + shares + saves)",
    "likes": "Likes",
    "comments": "Comments",
    "shares": "Shares",
    "saves": "Saves",
    "clicks": "Clicks",
    "reach_day": "Reach (one day, unique people that day)",
    "followers": "Followers (level at end of day)",
}

# One day's engagements on a channel: missing parts count as none, not as unknown.
_ENGAGEMENTS = (
    "coalesce(likes, 0) + coalesce(comments, 0) + coalesce(shares, 0) + coalesce(saves, 0)"
)


@st.cache_data(show_spinner=False, max_entries=256)
def _fetch(path: str, version: int, sql: str, params: tuple = ()) -> pd.DataFrame:
    """Run one query on the published copy; ``version`` is only there to key the cache."""
    with Warehouse(Path(path)).reader() as con:
        return con.execute(sql, list(params)).df()


def _read(wh: Warehouse, sql: str, params: tuple = ()) -> pd.DataFrame:
    return _fetch(str(wh.path), wh.version(), sql, params)


_CAMPAIGN_TABLE = f"""
WITH latest_rate AS (
    SELECT currency, max(month) AS month, arg_max(units_per_eur, month) AS units_per_eur
    FROM exchange_rates GROUP BY currency
),
budget AS (
    SELECT b.campaign_code,
           CASE WHEN count(DISTINCT b.currency) = 1 THEN sum(b.amount)::DOUBLE END AS budget,
           string_agg(DISTINCT b.currency, ', ' ORDER BY b.currency) AS budget_currency,
           CASE WHEN count(*) FILTER (WHERE b.currency <> 'EUR' AND r.units_per_eur IS NULL) = 0
                THEN round(sum(CASE WHEN b.currency = 'EUR' THEN b.amount::DOUBLE
                                    ELSE b.amount::DOUBLE / r.units_per_eur END), 2)
           END AS budget_eur,
           max(r.month) AS budget_rate_month
    FROM budget_lines b LEFT JOIN latest_rate r ON r.currency = b.currency
    GROUP BY b.campaign_code
),
spent AS (
    SELECT campaign_code,
           sum(amount_eur) AS spend_eur,
           count(*) FILTER (WHERE amount_eur IS NULL) AS spend_lines_without_rate
    FROM spend GROUP BY campaign_code
),
channel AS (
    SELECT campaign_code,
           sum(impressions) AS impressions,
           sum({_ENGAGEMENTS}) AS engagements,
           sum({_ENGAGEMENTS}) FILTER (WHERE impressions IS NOT NULL) AS engagements_rated,
           max(day) AS last_data_day
    FROM channel_daily GROUP BY campaign_code
)
SELECT c.code, c.name, c.organisation_name AS organisation, c.thematic_area,
       c.start_date AS start, c.end_date AS "end",
       b.budget, b.budget_currency, b.budget_eur, b.budget_rate_month,
       coalesce(s.spend_eur, 0) AS spend_eur,
       coalesce(s.spend_lines_without_rate, 0) AS spend_lines_without_rate,
       ch.impressions, ch.engagements,
       ch.engagements_rated / nullif(ch.impressions, 0) AS engagement_rate,
       ch.last_data_day
FROM campaigns c
LEFT JOIN budget b ON b.campaign_code = c.code
LEFT JOIN spent s ON s.campaign_code = c.code
LEFT JOIN channel ch ON ch.campaign_code = c.code
ORDER BY c.code
"""


def campaign_table(wh: Warehouse) -> pd.DataFrame:
    """One row per campaign: who, what, when, budget, spend and channel totals.

    ``budget`` is the sum of the budget lines in their own currency (``budget_currency``; left
    empty when a campaign mixes currencies). ``budget_eur`` converts each line at the latest rate
    loaded for its currency (``budget_rate_month``): an estimate, not the contract's rule.
    ``spend_eur`` sums ``spend.amount_eur`` (booked month's rate); ``spend_lines_without_rate``
    counts lines that could not be converted and are therefore missing from it.
    ``engagement_rate`` is engagements / impressions over the days that report impressions.
    """
    return _read(wh, _CAMPAIGN_TABLE)


_PORTFOLIO_TOTALS = f"""
WITH ch AS (
    SELECT sum(impressions) AS impressions,
           sum({_ENGAGEMENTS}) AS engagements,
           sum({_ENGAGEMENTS}) FILTER (WHERE impressions IS NOT NULL) AS engagements_rated
    FROM channel_daily WHERE campaign_code IN (SELECT code FROM campaigns)
)
SELECT (SELECT count(*) FROM campaigns) AS campaigns,
       coalesce(ch.impressions, 0) AS impressions,
       coalesce(ch.engagements, 0) AS engagements,
       ch.engagements_rated / nullif(ch.impressions, 0) AS engagement_rate,
       (SELECT coalesce(sum(amount_eur), 0) FROM spend
        WHERE campaign_code IN (SELECT code FROM campaigns)) AS spend_eur
FROM ch
"""


def portfolio_totals(wh: Warehouse) -> dict:
    """The headline figures over all campaigns: additive sums and a ratio of sums.

    Keys: campaigns, impressions, engagements, engagement_rate (None without impressions),
    spend_eur.
    """
    row = _read(wh, _PORTFOLIO_TOTALS).iloc[0]
    rate = row["engagement_rate"]
    return {
        "campaigns": int(row["campaigns"]),
        "impressions": float(row["impressions"]),
        "engagements": float(row["engagements"]),
        "engagement_rate": None if pd.isna(rate) else float(rate),
        "spend_eur": float(row["spend_eur"]),
    }


def campaign_names(wh: Warehouse) -> dict[str, str]:
    """Campaign code -> name, in code order."""
    df = _read(wh, "SELECT code, name FROM campaigns ORDER BY code")
    return dict(zip(df["code"], df["name"], strict=True))


def daily_series(wh: Warehouse, campaign: str, metric: str) -> pd.DataFrame:
    """Daily channel values of one campaign, one row per platform and day: day, platform, value.

    Days a platform did not report the metric are left out rather than shown as zero.
    """
    if metric not in DAILY_METRICS:
        raise ValueError(f"unknown metric '{metric}'; use one of: {', '.join(DAILY_METRICS)}")
    column = _ENGAGEMENTS if metric == "engagements" else metric
    sql = f"""
        SELECT day, platform, ({column})::DOUBLE AS value
        FROM channel_daily
        WHERE campaign_code = ? AND ({column}) IS NOT NULL
        ORDER BY platform, day
    """
    return _read(wh, sql, (campaign,))


def recent_loads(wh: Warehouse, limit: int = 50) -> pd.DataFrame:
    """The latest load batches, newest first."""
    sql = """
        SELECT batch_id, started_at, loaded_by, source_name, kind, platform, campaign_code,
               rows_read, rows_loaded, rows_rejected, status
        FROM loads ORDER BY batch_id DESC LIMIT ?
    """
    return _read(wh, sql, (int(limit),))
