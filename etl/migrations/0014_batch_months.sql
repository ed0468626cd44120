-- The months each load's metric rows are dated in, per campaign, which the reporting cycle reads
-- to tell which periods a load reported on (`dashboard.metrics.reporting`): one row per batch,
-- campaign and month instead of every metric row of every load, restated ones included (a
-- row a later load replaced still shows that its load reported on that month). A load or an
-- undo refreshes the rows it touched (`etl.derived`).

CREATE MACRO core.batch_months_of(observations) AS TABLE
SELECT DISTINCT batch_id, campaign_code, date_trunc('month', metric_date)::DATE AS month
FROM query_table(observations);

CREATE TABLE core.batch_month (
    batch_id      BIGINT NOT NULL,
    campaign_code VARCHAR NOT NULL,
    month         DATE NOT NULL      -- its first day
);

INSERT INTO core.batch_month
SELECT * FROM core.batch_months_of('core.metric_observation')
ORDER BY batch_id, campaign_code, month;
