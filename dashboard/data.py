"""What the dashboard reads: every query the pages run, as small pandas DataFrames.

Each function takes a ``Warehouse`` plus filters and returns a DataFrame; all SQL lives here, and
pages only lay the results out. Filters come as a ``dashboard.filters.Selection`` (period,
campaigns, platforms, regions, thematic areas; ``None`` means all): campaigns, regions and
thematic areas pick campaigns, and so does the period (campaigns running in it); the period also
bounds channel days and spend dates, and platforms bound channel figures only (spend and budgets
are not split by platform). Budgets are whole campaign budgets whatever the period.

Results are cached with ``st.cache_data`` under the warehouse's path and ``Warehouse.version()``,
so a newly published load invalidates them on the next rerun.
A connection is opened for one query and closed at once (``Warehouse.reader``): nothing is held
across reruns, and the ETL can always publish.

Metric rules (see the domain notes): impressions and engagements are added up; rates are a ratio
of sums; one-day reach is never summed.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

import pandas as pd
import streamlit as st

from etl.warehouse import Warehouse

if TYPE_CHECKING:
    from dashboard.filters import Selection

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
    """Run one query on the published copy; ``version`` is only there to key the cache.

    ``params`` is a tuple of positional values, or of ``(name, value)`` pairs for ``$name``
    parameters (tuples inside become lists); either way hashable, so it can key the cache.
    """
    if params and all(isinstance(p, tuple) and len(p) == 2 for p in params):
        values: Any = {name: list(v) if isinstance(v, tuple) else v for name, v in params}
    else:
        values = list(params)
    with Warehouse(Path(path)).reader() as con:
        return con.execute(sql, values).df()


def read(wh: Warehouse, sql: str, params: tuple | dict = ()) -> pd.DataFrame:
    """Run SQL on the published copy, cached until the next load is published. ``params`` are
    positional values (a tuple) or named ``$name`` values (a dict; lists are fine)."""
    if isinstance(params, dict):
        params = tuple(
            sorted((k, tuple(v) if isinstance(v, list) else v) for k, v in params.items())
        )
    return _fetch(str(wh.path), wh.version(), sql, params)


def _conditions(sel: Selection | None) -> tuple[str, str, str, dict[str, Any]]:
    """SQL conditions on ``campaigns c``, on ``channel_daily`` and on ``spend``, and their
    named parameters, for a selection (``TRUE`` where it does not limit)."""
    campaign, channel, spend = ["TRUE"], ["TRUE"], ["TRUE"]
    params: dict[str, Any] = {}
    if sel is None:
        return "TRUE", "TRUE", "TRUE", params
    if sel.campaigns:
        campaign.append("list_contains($campaigns, c.code)")
        params["campaigns"] = tuple(sel.campaigns)
    if sel.themes:
        campaign.append("list_contains($themes, c.thematic_area)")
        params["themes"] = tuple(sel.themes)
    if sel.regions:
        campaign.append("list_has_any(c.regions, $regions)")
        params["regions"] = tuple(sel.regions)
    if sel.platforms:
        channel.append("list_contains($platforms, platform)")
        params["platforms"] = tuple(sel.platforms)
    if sel.start:
        campaign.append("c.end_date >= $start")
        channel.append("day >= $start")
        spend.append("spend_date >= $start")
        params["start"] = sel.start
    if sel.end:
        campaign.append("c.start_date <= $end")
        channel.append("day <= $end")
        spend.append("spend_date <= $end")
        params["end"] = sel.end
    return " AND ".join(campaign), " AND ".join(channel), " AND ".join(spend), params


_CAMPAIGN_TABLE = f"""
WITH chosen AS (SELECT c.code FROM campaigns c WHERE {{campaign_where}}),
latest_rate AS (
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
    FROM spend WHERE campaign_code IN (SELECT code FROM chosen) AND {{spend_where}}
    GROUP BY campaign_code
),
channel AS (
    SELECT campaign_code,
           sum(impressions) AS impressions,
           sum({_ENGAGEMENTS}) AS engagements,
           sum({_ENGAGEMENTS}) FILTER (WHERE impressions IS NOT NULL) AS engagements_rated,
           max(day) AS last_data_day
    FROM channel_daily WHERE campaign_code IN (SELECT code FROM chosen) AND {{channel_where}}
    GROUP BY campaign_code
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
WHERE c.code IN (SELECT code FROM chosen)
ORDER BY c.code
"""


def campaign_table(wh: Warehouse, sel: Selection | None = None) -> pd.DataFrame:
    """One row per campaign in the selection: who, what, when, budget, spend and channel totals.

    ``budget`` is the sum of the budget lines in their own currency (``budget_currency``; left
    empty when a campaign mixes currencies). ``budget_eur`` converts each line at the latest rate
    loaded for its currency (``budget_rate_month``): an estimate, not the contract's rule.
    ``spend_eur`` sums ``spend.amount_eur`` (booked month's rate); ``spend_lines_without_rate``
    counts lines that could not be converted and are therefore missing from it.
    ``engagement_rate`` is engagements / impressions over the days that report impressions.
    Spend and channel figures are those of the selection's period (and platforms).
    """
    return read(wh, *_filled(_CAMPAIGN_TABLE, sel))


def _filled(template: str, sel: Selection | None) -> tuple[str, dict[str, Any]]:
    campaign_where, channel_where, spend_where, params = _conditions(sel)
    sql = template.format(
        campaign_where=campaign_where, channel_where=channel_where, spend_where=spend_where
    )
    return sql, params


_PORTFOLIO_TOTALS = f"""
WITH chosen AS (SELECT c.code FROM campaigns c WHERE {{campaign_where}}),
ch AS (
    SELECT sum(impressions) AS impressions,
           sum({_ENGAGEMENTS}) AS engagements,
           sum({_ENGAGEMENTS}) FILTER (WHERE impressions IS NOT NULL) AS engagements_rated
    FROM channel_daily
    WHERE campaign_code IN (SELECT code FROM chosen) AND {{channel_where}}
)
SELECT (SELECT count(*) FROM chosen) AS campaigns,
       coalesce(ch.impressions, 0) AS impressions,
       coalesce(ch.engagements, 0) AS engagements,
       ch.engagements_rated / nullif(ch.impressions, 0) AS engagement_rate,
       (SELECT coalesce(sum(amount_eur), 0) FROM spend
        WHERE campaign_code IN (SELECT code FROM chosen) AND {{spend_where}}) AS spend_eur
FROM ch
"""


def portfolio_totals(wh: Warehouse, sel: Selection | None = None) -> dict:
    """The headline figures over the selection: additive sums and a ratio of sums.

    Keys: campaigns, impressions, engagements, engagement_rate (None without impressions),
    spend_eur.
    """
    row = read(wh, *_filled(_PORTFOLIO_TOTALS, sel)).iloc[0]
    rate = row["engagement_rate"]
    return {
        "campaigns": int(row["campaigns"]),
        "impressions": float(row["impressions"]),
        "engagements": float(row["engagements"]),
        "engagement_rate": None if pd.isna(rate) else float(rate),
        "spend_eur": float(row["spend_eur"]),
    }


_FILTER_OPTIONS = """
SELECT (SELECT min(start_date) FROM campaigns) AS first_day,
       (SELECT max(end_date) FROM campaigns) AS last_day,
       (SELECT list(DISTINCT platform ORDER BY platform)
        FROM (SELECT platform FROM channels UNION ALL
              SELECT DISTINCT platform FROM channel_daily)) AS platforms,
       (SELECT list(DISTINCT region ORDER BY region)
        FROM (SELECT unnest(regions) AS region FROM campaigns)
        WHERE trim(region) <> '') AS regions,
       (SELECT list(DISTINCT thematic_area ORDER BY thematic_area) FROM campaigns
        WHERE trim(thematic_area) <> '') AS themes
"""


def filter_options(wh: Warehouse) -> dict[str, Any]:
    """What the filters offer: ``first_day``/``last_day`` (the campaigns' earliest start and
    latest end, ``None`` without campaigns) and the lists ``platforms`` (of channels and of
    daily channel figures), ``regions`` and ``themes`` (thematic areas) of the campaigns."""
    row = read(wh, _FILTER_OPTIONS).iloc[0]

    def day(value: Any) -> Any:
        return None if pd.isna(value) else pd.Timestamp(value).date()

    def values(value: Any) -> list[str]:
        return [] if value is None or not hasattr(value, "__len__") else [str(v) for v in value]

    return {
        "first_day": day(row["first_day"]),
        "last_day": day(row["last_day"]),
        "platforms": values(row["platforms"]),
        "regions": values(row["regions"]),
        "themes": values(row["themes"]),
    }


def campaign_names(wh: Warehouse) -> dict[str, str]:
    """Campaign code -> name, in code order."""
    df = read(wh, "SELECT code, name FROM campaigns ORDER BY code")
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
    return read(wh, sql, (campaign,))


def recent_loads(wh: Warehouse, limit: int = 50) -> pd.DataFrame:
    """The latest load batches, newest first."""
    sql = """
        SELECT batch_id, started_at, loaded_by, source_name, kind, platform, campaign_code,
               rows_read, rows_loaded, rows_rejected, status
        FROM loads ORDER BY batch_id DESC LIMIT ?
    """
    return read(wh, sql, (int(limit),))
