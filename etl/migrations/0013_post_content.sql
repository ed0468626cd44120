-- Each current post with its figures to date, as the metrics layer's `content` source reads
-- it: the post as listed (`content_items`) beside its row of `core.post_figures`, with the day
-- it counts as published by. Kept by the loads (`etl.derived`) so that a page reads one table
-- instead of joining every post to its figures (the join took most of the Portfolio's and the
-- Content page's time on ten times the scale programme).

CREATE MACRO core.post_content_of(items) AS TABLE
SELECT ci.campaign_code, ci.platform, ci.post_id, ci.format, ci.language, ci.title, ci.url,
       coalesce(ci.published_at::DATE, f.first_day) AS published_on,
       ci.published_at IS NULL AS published_on_estimated,
       f.basis, f.figures_as_of, f.impressions, f.views, f.engagements, f.likes, f.comments,
       f.shares, f.saves, f.clicks, f.engagements_rated, f.impressions_rated, f.reach_lifetime,
       f.reach_day_peak
FROM query_table(items) ci
LEFT JOIN core.post_figures f
  ON f.campaign_code = ci.campaign_code AND f.platform = ci.platform AND f.post_id = ci.post_id
WHERE ci.superseded_by IS NULL;

CREATE TABLE core.post_content AS
SELECT * FROM core.post_content_of('core.content_item') ORDER BY campaign_code, platform, post_id;
