-- Each post's figures to date, derived from the facts once per load instead of by every page.
--
-- `core.post_figures_of(keys)` is the one definition of a post's figures from the current facts
-- (`core.metric_observation`): for the posts in `keys` (a list of {campaign_code, platform,
-- post_id}; NULL: every post), a post with daily figures counts them all, added up; a post known
-- only from lifetime snapshots counts its latest snapshot. The two are never added together.
-- Reach is kept as reported: the latest lifetime reach and the peak one-day reach, never added
-- up. Engagements are likes + comments + shares + saves, the parts not reported counted as none,
-- and empty when none of the four is reported.
--
-- `core.post_figures` holds its rows: one per post with daily figures or a lifetime snapshot.
-- Loads and undos refresh the rows of the posts they wrote or restored, in their own
-- transaction (`etl.derived`), so the table always equals the definition over the current facts.

CREATE MACRO core.post_figures_of(keys) AS TABLE
WITH facts AS (
    SELECT campaign_code, platform, post_id, metric_date, time_window, impressions, reach, views,
           likes, comments, shares, saves, clicks,
           CASE WHEN coalesce(likes, comments, shares, saves) IS NULL THEN NULL
                ELSE coalesce(likes, 0) + coalesce(comments, 0) + coalesce(shares, 0)
                     + coalesce(saves, 0) END AS eng
    FROM core.metric_observation
    WHERE superseded_by IS NULL AND post_id <> '' AND time_window IN ('day', 'lifetime')
      AND (keys IS NULL
           OR (campaign_code, platform, post_id) IN (
               SELECT (k.campaign_code, k.platform, k.post_id) FROM (SELECT unnest(keys) AS k)))
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

CREATE TABLE core.post_figures (
    campaign_code     VARCHAR NOT NULL,
    platform          VARCHAR NOT NULL,
    post_id           VARCHAR NOT NULL,
    first_day         DATE,              -- its first day with daily figures, else first snapshot
    basis             VARCHAR NOT NULL,  -- daily, lifetime
    figures_as_of     DATE,
    impressions       DOUBLE,
    views             DOUBLE,
    engagements       DOUBLE,
    likes             DOUBLE,
    comments          DOUBLE,
    shares            DOUBLE,
    saves             DOUBLE,
    clicks            DOUBLE,
    engagements_rated DOUBLE,            -- engagements where impressions were reported too
    impressions_rated DOUBLE,            -- impressions where engagements were reported too
    reach_lifetime    DOUBLE,            -- the latest lifetime snapshot's reach
    reach_day_peak    DOUBLE             -- the largest one-day reach of its daily figures
);

INSERT INTO core.post_figures SELECT * FROM core.post_figures_of(NULL);

-- Each post's figures to date (see `core.post_figures_of`), one row per post.
CREATE VIEW post_figures AS
SELECT campaign_code, platform, post_id, first_day, basis, figures_as_of, impressions, views,
       engagements, likes, comments, shares, saves, clicks, engagements_rated, impressions_rated,
       reach_lifetime, reach_day_peak
FROM core.post_figures;
