-- The same definition of each post's figures to date as migration 0010's, given the facts to
-- read by name instead of a list of posts: `core.post_figures_of('core.metric_observation')`
-- gives every post's; a load or an undo passes a view of the observations of the posts it
-- touched (`etl.derived`), which DuckDB reads with a join instead of testing every observation
-- against a list (about four times faster on a warehouse of 37 million observations).

DROP MACRO TABLE core.post_figures_of;

CREATE MACRO core.post_figures_of(observations) AS TABLE
WITH facts AS (
    SELECT campaign_code, platform, post_id, metric_date, time_window, impressions, reach, views,
           likes, comments, shares, saves, clicks,
           CASE WHEN coalesce(likes, comments, shares, saves) IS NULL THEN NULL
                ELSE coalesce(likes, 0) + coalesce(comments, 0) + coalesce(shares, 0)
                     + coalesce(saves, 0) END AS eng
    FROM query_table(observations)
    WHERE superseded_by IS NULL AND post_id <> '' AND time_window IN ('day', 'lifetime')
),
daily AS (
    SELECT campaign_code, platform, post_id, min(metric_date) AS first_day,
           max(metric_date) AS last_day,
           sum(impressions) AS impressions, sum(views) AS views, sum(eng) AS engagements,
           sum(likes) AS likes, sum(comments) AS comments, sum(shares) AS shares,
           sum(saves) AS saves, sum(clicks) AS clicks,
           sum(eng) FILTER (WHERE impressions IS NOT NULL) AS engagements_rated,
           sum(impressions) FILTER (WHERE eng IS NOT NULL) AS impressions_rated,
           max(reach) AS reach_day_peak
    FROM facts WHERE time_window = 'day'
    GROUP BY campaign_code, platform, post_id
),
lifetime AS (
    SELECT campaign_code, platform, post_id, min(metric_date) AS first_seen,
           max(metric_date) AS last_seen,
           arg_max(impressions, metric_date) AS impressions, arg_max(reach, metric_date) AS reach,
           arg_max(views, metric_date) AS views, arg_max(eng, metric_date) AS engagements,
           arg_max(likes, metric_date) AS likes, arg_max(comments, metric_date) AS comments,
           arg_max(shares, metric_date) AS shares, arg_max(saves, metric_date) AS saves,
           arg_max(clicks, metric_date) AS clicks
    FROM facts WHERE time_window = 'lifetime'
    GROUP BY campaign_code, platform, post_id
)
SELECT coalesce(d.campaign_code, l.campaign_code) AS campaign_code,
       coalesce(d.platform, l.platform) AS platform,
       coalesce(d.post_id, l.post_id) AS post_id,
       coalesce(d.first_day, l.first_seen) AS first_day,
       CASE WHEN d.post_id IS NOT NULL THEN 'daily' ELSE 'lifetime' END AS basis,
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
FROM daily d
FULL OUTER JOIN lifetime l
  ON l.campaign_code = d.campaign_code AND l.platform = d.platform AND l.post_id = d.post_id;
