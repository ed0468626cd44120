-- The channel rows (`post_id = ''`), picked as `post_id <= ''`: the same rows, as a post id is
-- never missing and no text sorts before the empty one. DuckDB estimates an equality from the
-- column's count of distinct values, which for post ids (a few million, with the channel rows
-- a third of all the rows) puts the channel days at about a hundred rows; a query joining them
-- to the campaigns (each campaign's figures within its own dates, for its KPIs and alerts) then
-- built its hash table on millions of days instead of on the campaigns, four times slower on
-- the scale programme and more as the programme grows. A range is estimated from the column's
-- least and greatest values instead.

CREATE OR REPLACE VIEW channel_daily AS
SELECT campaign_code, platform, metric_date AS day, impressions, reach AS reach_day, views,
       likes, comments, shares, saves, clicks, followers, batch_id
FROM core.metric_observation
WHERE superseded_by IS NULL AND post_id <= '' AND time_window = 'day';
