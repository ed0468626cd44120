-- Each channel's daily figures added up by calendar month, which the metrics layer reads for
-- sums over whole months instead of every day's row (a programme-wide total reads about thirty
-- times fewer rows). The days of a month are grouped further by which figures they report, so a
-- sum taken only over the days that report another figure (engagements on the days with
-- impressions, for an engagement rate) comes out of the monthly rows exactly as out of the
-- daily ones. A load or an undo refreshes the months it touched (`etl.derived`).

CREATE MACRO core.channel_months_of(observations) AS TABLE
WITH days AS (
    SELECT campaign_code, platform, metric_date, impressions, reach, views, likes, comments,
           shares, saves, clicks,
           CASE WHEN coalesce(likes, comments, shares, saves) IS NULL THEN NULL
                ELSE coalesce(likes, 0) + coalesce(comments, 0) + coalesce(shares, 0)
                     + coalesce(saves, 0) END AS engagements
    FROM query_table(observations)
    WHERE superseded_by IS NULL AND post_id = '' AND time_window = 'day'
)
SELECT campaign_code, platform, date_trunc('month', metric_date)::DATE AS month,
       count(*) AS days, sum(impressions) AS impressions, sum(reach) AS reach_day,
       sum(views) AS views, sum(likes) AS likes, sum(comments) AS comments,
       sum(shares) AS shares, sum(saves) AS saves, sum(clicks) AS clicks,
       sum(engagements) AS engagements
FROM days
GROUP BY campaign_code, platform, date_trunc('month', metric_date),
         impressions IS NULL, reach IS NULL, views IS NULL, likes IS NULL, comments IS NULL,
         shares IS NULL, saves IS NULL, clicks IS NULL;

CREATE TABLE core.channel_month (
    campaign_code VARCHAR NOT NULL,
    platform      VARCHAR NOT NULL,
    month         DATE NOT NULL,     -- its first day
    days          BIGINT NOT NULL,   -- the days added up in this row
    impressions   DOUBLE,            -- each figure empty when none of the row's days report it
    reach_day     DOUBLE,            -- one-day reach added up: only ever a denominator
    views         DOUBLE,
    likes         DOUBLE,
    comments      DOUBLE,
    shares        DOUBLE,
    saves         DOUBLE,
    clicks        DOUBLE,
    engagements   DOUBLE
);

INSERT INTO core.channel_month
SELECT * FROM core.channel_months_of('core.metric_observation')
ORDER BY campaign_code, platform, month;
