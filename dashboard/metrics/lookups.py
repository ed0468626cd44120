"""The page look-ups of the metrics layer: the rows a page shows beside its measures (a
campaign's profile, channels, budget lines and latest loads, its best posts in a period, the
load log, the rates behind the euro figures, ...), each one named query.

Every look-up runs through the dashboard's cached, scoped reader (``metrics.run_sql`` or
``reader.read``), so a reader sees only their campaigns and a rerun is served from the cache of
the published copy; none of them imports Streamlit or a page. What a page translates (labels,
notes, statuses) stays on the page; what is only arithmetic on the rows is done here.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

import pandas as pd

from dashboard import metrics, reader
from etl import programme
from etl.warehouse import Warehouse

# --- programme data in the page's language -----------------------------------------------

# The languages programme data may be translated into (the set-up workbook's ``*_ru``, ``*_kk``
# columns); English is the original.
TRANSLATED = ("ru", "kk")


def in_language(column: str, lang: str | None, table: str = "") -> str:
    """SQL for ``column`` in ``lang``: its translation where the set-up gives one, else the
    original (``name``, ``thematic_area``, ``indicator``); ``table`` qualifies the columns."""
    prefix = f"{table}." if table else ""
    if lang not in TRANSLATED:
        return f"{prefix}{column}"
    return f"coalesce(nullif(trim({prefix}{column}_{lang}), ''), {prefix}{column})"


# --- the campaigns a reader may see, and what the filters offer ---------------------------


def campaign_profiles(
    wh: Warehouse, sel: metrics.Selection | None = None, lang: str | None = None
) -> pd.DataFrame:
    """The campaigns a selection picks, one row each: code, name, organisation, thematic_area,
    regions, languages, start, end, status. Campaign codes, regions and thematic areas pick
    campaigns, and so does the period (campaigns running at some time in it). Names and
    thematic areas are in ``lang`` where the set-up translates them."""
    params: dict[str, Any] = {}
    campaign_where = metrics.campaign_conditions(sel or metrics.Selection(), params)
    sql = f"""
        SELECT c.code, {in_language("name", lang, "c")} AS name,
               c.organisation_name AS organisation,
               {in_language("thematic_area", lang, "c")} AS thematic_area,
               c.regions, c.languages, c.start_date AS start, c.end_date AS "end", c.status
        FROM campaigns c WHERE {campaign_where} ORDER BY c.code
    """
    return reader.read(wh, sql, params)


_FILTER_OPTIONS = """
SELECT (SELECT min(start_date) FROM campaigns) AS first_day,
       (SELECT max(end_date) FROM campaigns) AS last_day,
       (SELECT list(DISTINCT platform ORDER BY platform)
        FROM (SELECT platform FROM channels UNION ALL
              SELECT platform FROM core.channel_month)) AS platforms,
       (SELECT list(DISTINCT region ORDER BY region)
        FROM (SELECT unnest(regions) AS region FROM campaigns)
        WHERE trim(region) <> '') AS regions,
       (SELECT list(DISTINCT thematic_area ORDER BY thematic_area) FROM campaigns
        WHERE trim(thematic_area) <> '') AS themes
"""


def filter_options(wh: Warehouse, lang: str | None = None) -> dict[str, Any]:
    """What the filters offer: ``first_day``/``last_day`` (the campaigns' earliest start and
    latest end, ``None`` without campaigns) and the lists ``platforms`` (of channels and of
    daily channel figures, read from their months in ``core.channel_month``, which has the
    platforms of the days in a thirtieth of the rows), ``regions`` and ``themes`` (thematic
    areas) of the campaigns, with
    ``theme_names``: each thematic area in ``lang`` (the set-up's translation, else as it is).
    """
    row = reader.read(wh, _FILTER_OPTIONS).iloc[0]

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
        "theme_names": theme_names(wh, lang),
    }


def theme_names(wh: Warehouse, lang: str | None = None) -> dict[str, str]:
    """Thematic area -> the area in ``lang`` (as it is where the set-up has no translation)."""
    df = reader.read(
        wh,
        f"SELECT DISTINCT thematic_area AS area, {in_language('thematic_area', lang)} AS shown "
        "FROM campaigns WHERE trim(thematic_area) <> '' ORDER BY area",
    )
    return {str(a): str(s) for a, s in zip(df["area"], df["shown"], strict=True)}


def allowed_campaigns(wh: Warehouse) -> tuple[str, ...]:
    """The codes of the campaigns the current reader may see."""
    return tuple(reader.read(wh, "SELECT code FROM campaigns ORDER BY code")["code"])


def campaign_names(wh: Warehouse, lang: str | None = None) -> dict[str, str]:
    """Campaign code -> name (in ``lang`` where the set-up translates it), in code order."""
    df = reader.read(
        wh, f"SELECT code, {in_language('name', lang)} AS name FROM campaigns ORDER BY code"
    )
    return dict(zip(df["code"], df["name"], strict=True))


def recent_loads(wh: Warehouse, limit: int = 50) -> pd.DataFrame:
    """The latest load batches, newest first."""
    sql = """
        SELECT batch_id, started_at, loaded_by, source_name, kind, platform, campaign_code,
               rows_read, rows_loaded, rows_rejected, status
        FROM loads ORDER BY batch_id DESC LIMIT ?
    """
    return reader.read(wh, sql, (int(limit),))


# --- one campaign ---------------------------------------------------------------------------


def campaign_exists(wh: Warehouse, code: str) -> bool:
    """Whether a campaign with exactly this code is among the reader's campaigns."""
    found = metrics.run_sql(
        wh, "SELECT count(*) AS n FROM campaigns WHERE code = $code", {"code": code}
    )
    return bool(found["n"].iloc[0])


def campaign_profile(wh: Warehouse, code: str, lang: str | None = None) -> pd.Series:
    """The campaign's profile from the set-up: code, name, organisation_name, thematic_area,
    regions, languages, start_date, end_date, status and description (name and thematic area
    in ``lang`` where the set-up translates them)."""
    return metrics.run_sql(
        wh,
        f"SELECT code, {in_language('name', lang)} AS name, organisation_name, "
        f"{in_language('thematic_area', lang)} AS thematic_area, regions, languages, "
        "start_date, end_date, status, description FROM campaigns WHERE code = $code",
        {"code": code},
    ).iloc[0]


def indicator_names(wh: Warehouse, lang: str | None = None) -> dict[tuple[str, str], str]:
    """(campaign code, indicator code) -> the indicator as worded in ``lang`` (the set-up's
    translation, else as it is), for the reader's campaigns."""
    df = reader.read(
        wh,
        f"SELECT campaign_code, indicator_code, {in_language('indicator', lang)} AS indicator "
        "FROM kpi_targets ORDER BY campaign_code, indicator_code",
    )
    return {
        (str(r.campaign_code), str(r.indicator_code)): str(r.indicator)
        for r in df.itertuples(index=False)
    }


def campaign_channels(wh: Warehouse, code: str) -> pd.DataFrame:
    """The campaign's channels (platform, account, url, language), by platform and account."""
    return metrics.run_sql(
        wh,
        "SELECT platform, account, url, language FROM channels WHERE campaign_code = $code "
        "ORDER BY platform, account",
        {"code": code},
    )


def campaign_budget_lines(wh: Warehouse, code: str) -> pd.DataFrame:
    """The campaign's budget lines: budget_line, heading and description, one row per line."""
    return metrics.run_sql(
        wh,
        "SELECT line_code AS budget_line, any_value(heading) AS heading, "
        "any_value(description) AS description FROM budget_lines WHERE campaign_code = $code "
        "GROUP BY ALL",
        {"code": code},
    )


def campaign_budget(wh: Warehouse, selection: metrics.Selection, code: str) -> pd.DataFrame:
    """Budget against spend (EUR) of each of the campaign's budget lines in the selection:
    budget_line, heading, description, budget_eur, spend_eur (none booked counts as 0) and
    execution (spend over budget), by heading then line. Empty when the selection has neither a
    budget nor spend."""
    money = metrics.query(wh, ["budget_eur", "spend_eur"], selection, "total", ("budget_line",))
    lines = campaign_budget_lines(wh, code)
    if money.empty or (money["budget_eur"].isna().all() and money["spend_eur"].isna().all()):
        return pd.DataFrame()
    table = money.merge(lines, on="budget_line", how="left")
    table["spend_eur"] = table["spend_eur"].fillna(0.0)  # nothing booked yet
    table["heading"] = table["heading"].astype("Int64")
    table["execution"] = table["spend_eur"] / table["budget_eur"]
    return table.sort_values(["heading", "budget_line"], na_position="last")


def latest_loads(wh: Warehouse, code: str) -> pd.DataFrame:
    """The latest load of each kind and platform for the campaign, and of each programme-wide
    kind (set-up, exchange rates): kind, platform, source_name, finished_at, rows_loaded and
    programme_wide, newest first."""
    return metrics.run_sql(
        wh,
        """
    SELECT kind, coalesce(platform, '') AS platform, source_name, finished_at, rows_loaded,
           campaign_code IS NULL AS programme_wide
    FROM loads
    WHERE status = 'loaded' AND (campaign_code = $code OR campaign_code IS NULL)
    QUALIFY row_number() OVER (PARTITION BY kind, coalesce(platform, ''), campaign_code
                               ORDER BY finished_at DESC, batch_id DESC) = 1
    ORDER BY finished_at DESC
    """,
        {"code": code},
    )


# --- a campaign's best posts ----------------------------------------------------------------

TOP_POST_MEASURES: tuple[str, ...] = ("impressions", "views", "engagements", "engagement_rate")

_TOP_POST_ORDER = {
    "engagement_rate": "engagement_rate DESC NULLS LAST, imp_rated DESC",
    "impressions": "impressions DESC NULLS LAST",
    "views": "views DESC NULLS LAST",
    "engagements": "engagements DESC NULLS LAST",
}

_TOP_POST_SUMS = """
        sum(impressions) AS impressions, sum(views) AS views, sum(eng) AS engagements,
        sum(eng) FILTER (WHERE impressions IS NOT NULL) AS eng_rated,
        sum(impressions) FILTER (WHERE eng IS NOT NULL) AS imp_rated
    """


def _top_posts_sql(day_where: str, life_where: str, in_period: str, keep: str, order: str) -> str:
    """The ranking of a campaign's posts: daily figures added up over the period's days, or
    the latest lifetime snapshot of a post without daily figures (which posts have daily
    figures, and the day a post without a publication time is dated by, as ``post_figures``
    keeps them)."""
    eng = metrics.POST_ENGAGEMENTS
    return f"""
        WITH daily AS (
            SELECT platform, post_id, 'daily' AS basis, NULL::DATE AS as_of_date,
                   {_TOP_POST_SUMS}
            FROM (SELECT *, {eng} AS eng FROM post_daily WHERE {day_where})
            GROUP BY ALL
        ),
        has_daily AS (
            SELECT platform, post_id FROM post_figures
            WHERE campaign_code = $code AND basis = 'daily'
        ),
        snapshot AS (
            SELECT m.platform, m.post_id, m.metric_date, m.impressions, m.views, {eng} AS eng
            FROM metric_observations m
            WHERE {life_where}
              AND NOT EXISTS (SELECT 1 FROM has_daily h
                              WHERE h.platform = m.platform AND h.post_id = m.post_id)
            QUALIFY row_number() OVER (PARTITION BY m.platform, m.post_id
                                       ORDER BY m.metric_date DESC) = 1
        ),
        lifetime AS (
            SELECT s.platform, s.post_id, 'lifetime' AS basis, s.metric_date AS as_of_date,
                   s.impressions, s.views, s.eng AS engagements,
                   CASE WHEN s.impressions IS NOT NULL THEN s.eng END AS eng_rated,
                   CASE WHEN s.eng IS NOT NULL THEN s.impressions END AS imp_rated
            FROM snapshot s
        ),
        posts AS (
            SELECT f.*, ci.title, ci.format, ci.url,
                   coalesce(ci.published_at::DATE, pf.first_day) AS published_on
            FROM (SELECT * FROM daily UNION ALL BY NAME SELECT * FROM lifetime) f
            LEFT JOIN content_items ci
              ON ci.campaign_code = $code AND ci.platform = f.platform AND ci.post_id = f.post_id
            LEFT JOIN post_figures pf
              ON pf.campaign_code = $code AND pf.platform = f.platform AND pf.post_id = f.post_id
        )
        SELECT coalesce(nullif(trim(l.title), ''), l.post_id) AS title, l.platform, l.format,
               l.published_on, l.impressions, l.views, l.engagements,
               CASE WHEN l.imp_rated > 0 THEN l.eng_rated / l.imp_rated END AS engagement_rate,
               l.basis, l.as_of_date, l.url, l.post_id, l.imp_rated
        FROM posts l
        WHERE (l.basis = 'daily' OR ({in_period})) AND {keep}
        ORDER BY {order}, l.post_id
        LIMIT $n
    """


# The ranking over a campaign's whole time: each post's figures to date, which are the period's
# with the period left open (its daily figures added up, else its latest lifetime snapshot),
# read where the loads keep them beside the post's listing (``core.post_content``: every post
# with figures is listed, as a load lists the posts of its rows), one table of the campaign's
# own rows.
_TOP_POSTS_TO_DATE = """
    WITH posts AS (
        SELECT platform, post_id, basis,
               CASE WHEN basis = 'lifetime' THEN figures_as_of END AS as_of_date,
               impressions, views, engagements, engagements_rated AS eng_rated,
               impressions_rated AS imp_rated, title, format, url, published_on
        FROM core.post_content
        WHERE campaign_code = $code AND basis IS NOT NULL
    )
    SELECT coalesce(nullif(trim(l.title), ''), l.post_id) AS title, l.platform, l.format,
           l.published_on, l.impressions, l.views, l.engagements,
           CASE WHEN l.imp_rated > 0 THEN l.eng_rated / l.imp_rated END AS engagement_rate,
           l.basis, l.as_of_date, l.url, l.post_id, l.imp_rated
    FROM posts l
    WHERE {platforms} AND {keep}
    ORDER BY {order}, l.post_id
    LIMIT $n
"""


def top_posts(
    wh: Warehouse,
    selection: metrics.Selection,
    code: str,
    measure: str,
    limit: int,
    min_impressions: int,
) -> pd.DataFrame:
    """The campaign's best ``limit`` posts in the selection (its period and platforms) by
    ``measure`` (one of :data:`TOP_POST_MEASURES`), ranked in DuckDB.

    A post with daily figures counts its days in the period (activity in the period); a post
    with only lifetime snapshots counts its latest snapshot up to the period end, and only when
    it was published in the period. The two are never added together. Engagements are the
    metrics layer's (likes, comments, shares and saves); ranked by engagement rate, only posts
    with at least ``min_impressions`` rated impressions are listed.

    Columns: title, platform, format, published_on, impressions, views, engagements,
    engagement_rate, basis (daily or lifetime), as_of_date (of a lifetime snapshot), url,
    post_id, imp_rated.
    """
    params: dict[str, object] = {"code": code, "n": limit}
    day_where = ["campaign_code = $code"]
    life_where = ["m.campaign_code = $code", "m.post_id <> ''", "m.time_window = 'lifetime'"]
    in_period = ["TRUE"]
    if selection.platforms:
        params["platforms"] = list(selection.platforms)
        day_where.append("list_contains($platforms, platform)")
        life_where.append("list_contains($platforms, m.platform)")
    if selection.start:
        params["start"] = selection.start
        day_where.append("day >= $start")
        in_period.append("l.published_on >= $start")
    if selection.end:
        params["end"] = selection.end
        day_where.append("day <= $end")
        life_where.append("m.metric_date <= $end")
        in_period.append("l.published_on <= $end")
    keep = f"{measure} IS NOT NULL"
    if measure == "engagement_rate":
        keep = "imp_rated >= $min_imp"
        params["min_imp"] = min_impressions
    if not (selection.start or selection.end):
        # Over the whole campaign, each post's figures to date are the ones the loads keep.
        platforms = "list_contains($platforms, l.platform)" if selection.platforms else "TRUE"
        sql = _TOP_POSTS_TO_DATE.format(
            platforms=platforms, keep=keep, order=_TOP_POST_ORDER[measure]
        )
        return metrics.run_sql(wh, sql, params)
    sql = _top_posts_sql(
        " AND ".join(day_where),
        " AND ".join(life_where),
        " AND ".join(in_period),
        keep,
        _TOP_POST_ORDER[measure],
    )
    return metrics.run_sql(wh, sql, params)


# --- budget and exchange rates of several campaigns -----------------------------------------


def budget_line_info(wh: Warehouse, codes: Sequence[str]) -> pd.DataFrame:
    """The budget lines of the campaigns by heading and line: heading, heading_name,
    budget_line, description (the most frequent), campaigns (how many have the line) and
    currencies."""
    return metrics.run_sql(
        wh,
        "SELECT heading, any_value(heading_name) AS heading_name, line_code AS budget_line, "
        "mode(description) AS description, count(DISTINCT campaign_code) AS campaigns, "
        "list(DISTINCT currency ORDER BY currency) AS currencies "
        "FROM budget_lines WHERE list_contains($c, campaign_code) GROUP BY heading, line_code",
        {"c": list(codes)},
    )


def foreign_currencies(wh: Warehouse, codes: Sequence[str]) -> pd.DataFrame:
    """The currencies other than tenge that the campaigns' budgets or costs are in: currency
    and campaigns (their codes), by currency."""
    return metrics.run_sql(
        wh,
        "SELECT currency, list(DISTINCT campaign_code ORDER BY campaign_code) AS campaigns "
        "FROM (SELECT campaign_code, currency FROM budget_lines "
        "      UNION ALL SELECT campaign_code, currency FROM spend) "
        "WHERE list_contains($c, campaign_code) AND currency <> 'KZT' "
        "GROUP BY currency ORDER BY currency",
        {"c": list(codes)},
    )


def _spend_scope(
    codes: Sequence[str], start: dt.date | None, end: dt.date | None
) -> tuple[str, dict[str, object]]:
    """The conditions on ``spend_date`` for the period, and the parameters with the campaigns."""
    params: dict[str, object] = {"c": list(codes)}
    where = ""
    if start:
        where += " AND spend_date >= $start"
        params["start"] = start
    if end:
        where += " AND spend_date <= $end"
        params["end"] = end
    return where, params


def conversion_rates(
    wh: Warehouse, codes: Sequence[str], start: dt.date | None, end: dt.date | None
) -> pd.DataFrame:
    """The rates the euro figures use at the booking month's rate: for costs (kind ``spend``)
    the first and last month of the rates they were converted at in the period, for budgets
    (kind ``budget``) the latest month loaded and its rate, by kind and currency."""
    where, params = _spend_scope(codes, start, end)
    return metrics.run_sql(
        wh,
        "SELECT 'spend' AS kind, currency, min(rate_month) AS first, max(rate_month) AS last, "
        "NULL::DOUBLE AS rate FROM spend WHERE list_contains($c, campaign_code) "
        f"AND currency <> 'EUR' AND amount_eur IS NOT NULL {where} GROUP BY currency "
        "UNION ALL "
        "SELECT 'budget', x.currency, NULL, max(x.month), arg_max(x.units_per_eur, x.month) "
        "FROM exchange_rates x WHERE x.currency IN (SELECT currency FROM budget_lines "
        "WHERE list_contains($c, campaign_code) AND currency <> 'EUR') GROUP BY x.currency "
        "ORDER BY kind, currency",
        params,
    )


def unconverted_spend(
    wh: Warehouse,
    codes: Sequence[str],
    start: dt.date | None,
    end: dt.date | None,
    fx_rule: str,
) -> pd.DataFrame:
    """The costs in the period without a euro amount under ``fx_rule``: currency and the
    months (first days) whose rate is missing, by currency."""
    where, params = _spend_scope(codes, start, end)
    if fx_rule == "booking_month":
        sql = (
            "SELECT currency, list(DISTINCT rate_month ORDER BY rate_month) AS months FROM spend "
            f"WHERE list_contains($c, campaign_code) AND amount_eur IS NULL {where} "
            "GROUP BY currency ORDER BY currency"
        )
    else:
        sql = (
            "SELECT s.currency, list(DISTINCT date_trunc('month', s.spend_date)::DATE "
            "ORDER BY date_trunc('month', s.spend_date)::DATE) AS months "
            "FROM spend s JOIN campaigns c ON c.code = s.campaign_code "
            "WHERE list_contains($c, s.campaign_code) AND s.currency <> 'EUR' "
            f"{where.replace('spend_date', 's.spend_date')} AND NOT EXISTS ("
            "SELECT 1 FROM exchange_rates x WHERE x.currency = s.currency AND x.month BETWEEN "
            "date_trunc('month', c.start_date) AND date_trunc('month', c.end_date)) "
            "GROUP BY s.currency ORDER BY s.currency"
        )
    return metrics.run_sql(wh, sql, params)


# --- events, organisations ------------------------------------------------------------------


def event_info(wh: Warehouse, codes: Sequence[str]) -> pd.DataFrame:
    """The campaigns' events: campaign, event, event_name, event_date and event_type."""
    return metrics.run_sql(
        wh,
        "SELECT campaign_code AS campaign, event_code AS event, name AS event_name, event_date, "
        "event_type FROM events WHERE list_contains($c, campaign_code)",
        {"c": list(codes)},
    )


def organisations(wh: Warehouse) -> dict[str, str]:
    """The organisations of the reader's campaigns: code -> name (the code when unnamed), by
    code."""
    found = reader.read(
        wh,
        "SELECT DISTINCT organisation_code AS code, organisation_name AS name FROM campaigns "
        "WHERE organisation_code IS NOT NULL ORDER BY code",
    )
    return {str(r.code): str(r.name or r.code) for r in found.itertuples()}


# --- the load log ---------------------------------------------------------------------------


def load_log(wh: Warehouse) -> pd.DataFrame:
    """Every load batch, newest first, with its counts, message and undo (campaign_code is
    empty for the set-up workbook and exchange rates)."""
    return reader.read(
        wh,
        """
    SELECT batch_id, started_at, status, kind, platform, coalesce(campaign_code, '')
           AS campaign_code, source, source_name, loaded_by, rows_read, rows_loaded,
           rows_rejected, rows_replaced, message, undone_at, undone_by
    FROM loads ORDER BY batch_id DESC
    """,
    )


def batch_issues(wh: Warehouse, batch_id: int) -> pd.DataFrame:
    """The errors and warnings of one batch: severity, row, column, value and message (in
    English), with the code and params (JSON text) it was made from; both are empty for an
    issue stored before codes were kept, which ``dashboard.issue_text`` shows in English."""
    return reader.read(
        wh,
        'SELECT severity, row_number AS "row", column_name AS "column", value, message, code, '
        "params FROM load_issues WHERE batch_id = ? "
        "ORDER BY severity, row_number NULLS FIRST, column_name",
        (batch_id,),
    )


def batch_rejected_rows(wh: Warehouse, batch_id: int) -> pd.DataFrame:
    """The rows one batch rejected: row_number and cells (the row as JSON), in file order."""
    return reader.read(
        wh,
        "SELECT row_number, cells FROM core.rejected_row WHERE batch_id = ? ORDER BY row_number",
        (batch_id,),
    )


def sheet_loads(wh: Warehouse) -> pd.DataFrame:
    """The batches loaded from Google Sheets, newest first: batch_id, source_name, started_at,
    status, rows_loaded, rows_rejected, message and errors (how many)."""
    return reader.read(
        wh,
        """
            SELECT b.batch_id, b.source_name, b.started_at, b.status, b.rows_loaded,
                   b.rows_rejected, b.message,
                   (SELECT count(*) FROM load_issues i WHERE i.batch_id = b.batch_id
                    AND i.severity = 'error') AS errors
            FROM loads b WHERE b.source = 'sheet' ORDER BY b.batch_id DESC
            """,
    )


# --- the set-up -----------------------------------------------------------------------------


@reader.derived
def setup_frames(wh: Warehouse) -> dict[str, pd.DataFrame]:
    """The reader's set-up as the programme workbook's tables, one frame per sheet, put
    together once per published load."""
    return programme.setup_frames(lambda sql: reader.read(wh, sql))
