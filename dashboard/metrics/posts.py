"""The posts of a selection, one row each with its figures: listed, filtered, ranked, and the
best of each format, language and platform, all in DuckDB.

A post's row is the metrics layer's ``content`` source (``dashboard.metrics``): posts published
in the period, dated, counted and given their figures to date exactly as the ``content_items``
and ``post_*`` measures count them, so a list and the totals above it always agree. Here only
what the measures cannot say is added: which posts, in which order.

Ranking by engagement rate puts the posts with at least :data:`MIN_IMPRESSIONS_FOR_RATE`
impressions first (a post seen 40 times with 4 likes has a 10% rate that says little), and only
those can be the best of a group. Ties are broken by publication day (newest first), then by
campaign, platform and post id, so the order never changes between runs.
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from dashboard import metrics, reader
from etl.warehouse import Warehouse

# What posts can be ranked by; each is a column of the list.
RANK_MEASURES: tuple[str, ...] = ("impressions", "views", "engagements", "engagement_rate")
# The measure of the metrics layer that totals each ranking figure over posts.
TOTAL_OF: dict[str, str] = {
    "impressions": "post_impressions",
    "views": "post_views",
    "engagements": "post_engagements",
    "engagement_rate": "post_engagement_rate",
}
# Posts the list shows at most, best first by the chosen figure; the download has them all. A
# screen of rows is what a reader scans; more only slows the page (in Russian and Kazakh each
# row's figures are written on the server).
LIST_ROWS = 250
MIN_IMPRESSIONS_FOR_RATE = 1000
# The breakdowns of the best performers, as the metrics layer names them.
GROUPS: tuple[str, ...] = ("format", "language", "platform")
# A post without a format or a language is listed under this value.
NOT_GIVEN = ""

# The columns of a post, in the order a list shows them.
COLUMNS: tuple[str, ...] = (
    "campaign_code", "platform", "published_on", "format", "language", "title", "url",
    "impressions", "reach_lifetime", "reach_day_peak", "views", "engagements",
    "engagement_rate", "likes", "comments", "shares", "saves", "clicks", "basis",
    "figures_as_of", "published_on_estimated", "post_id", "impressions_rated",
)  # fmt: skip


@dataclass(frozen=True)
class PostFilter:
    """The page's own filters on the list: formats and languages (empty: all; ``NOT_GIVEN``
    picks posts without one) and words to find in the title (case ignored)."""

    formats: tuple[str, ...] = ()
    languages: tuple[str, ...] = ()
    search: str = ""


def _order(rank: str, params: dict[str, object]) -> str:
    """The ORDER BY of a ranking (adding the parameters it needs to ``params``)."""
    if rank not in RANK_MEASURES:
        raise ValueError(f"unknown ranking '{rank}'; use one of: {', '.join(RANK_MEASURES)}")
    first = f"{rank} DESC NULLS LAST"
    if rank == "engagement_rate":
        params["min_imp"] = MIN_IMPRESSIONS_FOR_RATE
        first = "impressions_rated >= $min_imp DESC NULLS LAST, engagement_rate DESC NULLS LAST"
    return f"{first}, published_on DESC NULLS LAST, campaign_code, platform, post_id"


def _posts(selection: metrics.Selection, post_filter: PostFilter) -> tuple[str, dict[str, object]]:
    """The posts of the selection that pass the filter, with their engagement rate."""
    rows, params = metrics.selected_rows("content", selection)
    where = ["TRUE"]
    if post_filter.formats:
        where.append("list_contains($post_formats, coalesce(format, ''))")
        params["post_formats"] = list(post_filter.formats)
    if post_filter.languages:
        where.append("list_contains($post_languages, coalesce(language, ''))")
        params["post_languages"] = list(post_filter.languages)
    words = post_filter.search.strip().lower()
    if words:
        where.append("strpos(lower(coalesce(title, '')), $post_search) > 0")
        params["post_search"] = words
    sql = f"""
        SELECT *, CASE WHEN impressions_rated > 0
                       THEN engagements_rated::DOUBLE / impressions_rated END AS engagement_rate
        FROM ({rows}) WHERE {" AND ".join(where)}
    """
    return sql, params


def top_posts(
    wh: Warehouse,
    selection: metrics.Selection,
    rank: str = "impressions",
    limit: int = 1000,
    post_filter: PostFilter = PostFilter(),
) -> pd.DataFrame:
    """The first ``limit`` posts of the selection by ``rank``, with :data:`COLUMNS` and
    ``matching``: how many posts pass the filter in all (the same on every row)."""
    sql, params = _posts(selection, post_filter)
    params["limit"] = int(limit)
    cols = ", ".join(COLUMNS)
    # The count apart from the list: a window over every post would keep all their columns
    # before the first ``limit`` are picked (twice the time on the scale programme).
    return metrics.run_sql(
        wh,
        f"SELECT {cols}, (SELECT count(*) FROM ({sql})) AS matching FROM ({sql}) "
        f"ORDER BY {_order(rank, params)} LIMIT $limit",
        params,
    )


def all_posts(
    wh: Warehouse,
    selection: metrics.Selection,
    rank: str = "impressions",
    post_filter: PostFilter = PostFilter(),
) -> pd.DataFrame:
    """Every post of the selection that passes the filter, by ``rank``, with :data:`COLUMNS`."""
    sql, params = _posts(selection, post_filter)
    return metrics.run_sql(
        wh, f"SELECT {', '.join(COLUMNS)} FROM ({sql}) ORDER BY {_order(rank, params)}", params
    )


def best_of_groups(
    wh: Warehouse, selection: metrics.Selection, rank: str = "impressions"
) -> pd.DataFrame:
    """The best post by ``rank`` of each format, language and platform of the selection.

    One row per group: ``dimension`` (format, language or platform), ``group`` (its value,
    :data:`NOT_GIVEN` for posts without one), then the post's :data:`COLUMNS`. The best is the
    first post of the group in the order of :func:`top_posts`; ranked by engagement rate, a
    group whose posts all have fewer than :data:`MIN_IMPRESSIONS_FOR_RATE` impressions has no
    best post. One pass over the posts finds the three breakdowns' best at once.
    """
    sql, params = _posts(selection, PostFilter())
    _order(rank, params)  # checks the ranking, binds its parameters
    keep = "impressions_rated >= $min_imp" if rank == "engagement_rate" else f"{rank} IS NOT NULL"
    # The order of top_posts as one key to take the smallest of: figure descending, newest
    # first, then campaign, platform and post id.
    key = (
        f"struct_pack(k1 := -({rank})::DOUBLE, "
        "k2 := -coalesce(date_diff('day', DATE '1970-01-01', published_on), -1000000), "
        "k3 := campaign_code, k4 := platform, k5 := post_id)"
    )
    post = "struct_pack(" + ", ".join(f"{c} := {c}" for c in COLUMNS) + ")"
    found = metrics.run_sql(
        wh,
        f"""
        SELECT dimension, "group", unnest(best) FROM (
            SELECT CASE WHEN grouping(g_format) = 0 THEN 'format'
                        WHEN grouping(g_language) = 0 THEN 'language'
                        ELSE 'platform' END AS dimension,
                   coalesce(g_format, g_language, platform) AS "group",
                   arg_min({post}, {key}) AS best
            FROM (SELECT *, coalesce(format, '') AS g_format,
                         coalesce(language, '') AS g_language
                  FROM ({sql}) WHERE {keep})
            GROUP BY GROUPING SETS ((g_format), (g_language), (platform))
        ) ORDER BY dimension, "group"
        """,
        params,
    )
    return found[["dimension", "group", *COLUMNS]]


@reader.derived
def groups(
    wh: Warehouse, selection: metrics.Selection, dimension: str, rank: str = "impressions"
) -> pd.DataFrame:
    """Each group of ``dimension`` (format, language or platform) over the selection's posts:
    the number of posts, their impressions, views and engagements to date and their engagement
    rate (a ratio of sums), from the metrics layer, with the group's best post by ``rank``
    (``best_title``, ``best_url``, ``best_campaign``, ``best_platform``, ``best_value``).
    Groups are in order of the ranking figure, best first."""
    if dimension not in GROUPS:
        raise ValueError(f"unknown group '{dimension}'; use one of: {', '.join(GROUPS)}")
    wanted = ["content_items", *TOTAL_OF.values()]
    totals = metrics.query(wh, wanted, selection, "total", (dimension,))
    totals = totals.rename(columns={dimension: "group"})
    totals["group"] = totals["group"].fillna(NOT_GIVEN).astype(str)
    best = best_of_groups(wh, selection, rank)
    best = best[best["dimension"] == dimension]
    best = pd.DataFrame(
        {
            "group": best["group"],
            "best_title": best["title"].fillna(best["post_id"]),
            "best_url": best["url"],
            "best_campaign": best["campaign_code"],
            "best_platform": best["platform"],
            "best_value": best[rank],
        }
    )
    out = totals.merge(best, on="group", how="left")
    return out.sort_values(
        [TOTAL_OF[rank], "content_items", "group"], ascending=[False, False, True]
    ).reset_index(drop=True)


def groups_by_platform(
    wh: Warehouse, selection: metrics.Selection, dimension: str, rank: str = "impressions"
) -> pd.DataFrame:
    """The ranking figure's total (the metrics layer's, :data:`TOTAL_OF`) and the number of
    posts per group of ``dimension`` (format or language) and platform: columns ``group``,
    ``platform``, ``content_items`` and the measure's id."""
    if dimension not in GROUPS or dimension == "platform":
        raise ValueError(
            f"posts by platform are broken down by format or language, not {dimension}"
        )
    out = metrics.query(
        wh, ["content_items", TOTAL_OF[rank]], selection, "total", (dimension, "platform")
    )
    out = out.rename(columns={dimension: "group"})
    out["group"] = out["group"].fillna(NOT_GIVEN).astype(str)
    return out
