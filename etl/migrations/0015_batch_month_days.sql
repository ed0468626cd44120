-- The days each load's metric rows are dated on, kept beside their month in `core.batch_month`,
-- so that a campaign's latest day with figures up to a date (its freshness,
-- `dashboard.metrics.status.data_freshness`) is read from the kept months instead of every
-- metric row. A restated row has the day of the row it restates (the day is part of what a
-- load restates), so the days of all loads, restated rows included, are the days of the
-- current figures.

CREATE OR REPLACE MACRO core.batch_months_of(observations) AS TABLE
SELECT batch_id, campaign_code, date_trunc('month', metric_date)::DATE AS month,
       list_sort(list(DISTINCT dayofmonth(metric_date)::UTINYINT)) AS days
FROM query_table(observations)
GROUP BY batch_id, campaign_code, date_trunc('month', metric_date)::DATE;

DROP TABLE core.batch_month;

CREATE TABLE core.batch_month (
    batch_id      BIGINT NOT NULL,
    campaign_code VARCHAR NOT NULL,
    month         DATE NOT NULL,       -- its first day
    days          UTINYINT[] NOT NULL  -- the days of the month with rows, in order (1 to 31)
);

INSERT INTO core.batch_month
SELECT * FROM core.batch_months_of('core.metric_observation')
ORDER BY batch_id, campaign_code, month;
