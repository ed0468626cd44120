-- The programme, its campaigns and everything loaded about them.
--
-- Base tables live in schema `core`. Every fact row carries the load batch that wrote it
-- (`batch_id`), the batch that replaced it if a later file restated it (`superseded_by`), and the
-- row of the source file it came from (`source_row`). The views in `main` show the current rows
-- only and are what analysts and the dashboard read.

CREATE SCHEMA core;

CREATE SEQUENCE core.batch_id_seq START 1;

CREATE TABLE core.batch (
    batch_id      BIGINT PRIMARY KEY,
    kind          VARCHAR NOT NULL,
    platform      VARCHAR,
    campaign_code VARCHAR,
    source        VARCHAR NOT NULL,      -- file, sheet, demo
    source_name   VARCHAR,               -- file name as given by the user, or sheet name
    loaded_by     VARCHAR,
    checksum      VARCHAR,               -- sha256 of the bytes received
    stored_file   VARCHAR,               -- name of the kept copy inside the warehouse's file store
    file_bytes    BIGINT,
    started_at    TIMESTAMP NOT NULL,
    finished_at   TIMESTAMP,
    status        VARCHAR NOT NULL,      -- loaded, rejected, undone
    rows_read     BIGINT,
    rows_loaded   BIGINT,
    rows_rejected BIGINT,
    rows_replaced BIGINT,
    rows_blank    BIGINT,
    detected      VARCHAR,               -- JSON: encoding, delimiter, decimal mark, header mapping
    message       VARCHAR,
    undone_at     TIMESTAMP,
    undone_by     VARCHAR
);

CREATE TABLE core.batch_issue (
    batch_id    BIGINT NOT NULL,
    severity    VARCHAR NOT NULL,        -- error, warning
    row_number  BIGINT,                  -- row of the file as a spreadsheet shows it; NULL = file
    column_name VARCHAR,
    value       VARCHAR,
    message     VARCHAR NOT NULL
);

CREATE TABLE core.rejected_row (
    batch_id   BIGINT NOT NULL,
    row_number BIGINT NOT NULL,
    cells      VARCHAR NOT NULL          -- JSON object: header -> value as received
);

CREATE TABLE core.organisation (
    code VARCHAR NOT NULL, name VARCHAR NOT NULL, city VARCHAR,
    batch_id BIGINT NOT NULL, superseded_by BIGINT, source_row BIGINT
);

CREATE TABLE core.campaign (
    code VARCHAR NOT NULL, name VARCHAR NOT NULL, organisation_code VARCHAR NOT NULL,
    thematic_area VARCHAR, regions VARCHAR[], languages VARCHAR[],
    start_date DATE NOT NULL, end_date DATE NOT NULL, status VARCHAR NOT NULL,
    description VARCHAR,
    batch_id BIGINT NOT NULL, superseded_by BIGINT, source_row BIGINT
);

CREATE TABLE core.budget_line (
    campaign_code VARCHAR NOT NULL, heading INTEGER NOT NULL, line_code VARCHAR NOT NULL,
    description VARCHAR, amount DECIMAL(18, 2) NOT NULL, currency VARCHAR NOT NULL,
    batch_id BIGINT NOT NULL, superseded_by BIGINT, source_row BIGINT
);

CREATE TABLE core.kpi_target (
    campaign_code VARCHAR NOT NULL, indicator_code VARCHAR NOT NULL, indicator VARCHAR NOT NULL,
    level VARCHAR, metric VARCHAR, unit VARCHAR NOT NULL, direction VARCHAR NOT NULL,
    baseline DOUBLE, baseline_year INTEGER, target DOUBLE NOT NULL, cumulative BOOLEAN NOT NULL,
    batch_id BIGINT NOT NULL, superseded_by BIGINT, source_row BIGINT
);

CREATE TABLE core.channel (
    campaign_code VARCHAR NOT NULL, platform VARCHAR NOT NULL, account VARCHAR NOT NULL,
    url VARCHAR, language VARCHAR,
    batch_id BIGINT NOT NULL, superseded_by BIGINT, source_row BIGINT
);

CREATE TABLE core.content_item (
    campaign_code VARCHAR NOT NULL, platform VARCHAR NOT NULL, post_id VARCHAR NOT NULL,
    url VARCHAR, published_at TIMESTAMP, format VARCHAR, language VARCHAR, title VARCHAR,
    batch_id BIGINT NOT NULL, superseded_by BIGINT, source_row BIGINT
);

-- The figures of a channel (post_id = '') or of a post for a time window ending on metric_date.
-- time_window is 'day' for daily figures and 'lifetime' for a post's totals so far as of
-- metric_date; a reach figure reported for another window ('7d', '28d', 'period') is a row of
-- its own with that window. Reach is unique people within the window: never add it up across
-- rows. Followers are a level (a stock), not a flow.
CREATE TABLE core.metric_observation (
    campaign_code VARCHAR NOT NULL, platform VARCHAR NOT NULL, post_id VARCHAR NOT NULL,
    metric_date DATE NOT NULL, time_window VARCHAR NOT NULL,
    impressions DOUBLE, reach DOUBLE, views DOUBLE, likes DOUBLE, comments DOUBLE,
    shares DOUBLE, saves DOUBLE, clicks DOUBLE, followers DOUBLE,
    batch_id BIGINT NOT NULL, superseded_by BIGINT, source_row BIGINT
);

CREATE TABLE core.spend (
    campaign_code VARCHAR NOT NULL, spend_date DATE NOT NULL, budget_line VARCHAR NOT NULL,
    amount DECIMAL(18, 2) NOT NULL, currency VARCHAR NOT NULL, description VARCHAR,
    reference VARCHAR NOT NULL,
    batch_id BIGINT NOT NULL, superseded_by BIGINT, source_row BIGINT
);

CREATE TABLE core.fx_rate (
    month DATE NOT NULL, currency VARCHAR NOT NULL, units_per_eur DOUBLE NOT NULL,
    batch_id BIGINT NOT NULL, superseded_by BIGINT, source_row BIGINT
);

CREATE TABLE core.event (
    campaign_code VARCHAR NOT NULL, event_code VARCHAR NOT NULL, name VARCHAR,
    event_date DATE NOT NULL, event_type VARCHAR,
    batch_id BIGINT NOT NULL, superseded_by BIGINT, source_row BIGINT
);

CREATE TABLE core.participant_count (
    campaign_code VARCHAR NOT NULL, event_code VARCHAR NOT NULL, region VARCHAR NOT NULL,
    sex VARCHAR NOT NULL, age_group VARCHAR NOT NULL, participants INTEGER NOT NULL,
    batch_id BIGINT NOT NULL, superseded_by BIGINT, source_row BIGINT
);

CREATE TABLE core.feedback_response (
    campaign_code VARCHAR NOT NULL, event_code VARCHAR NOT NULL, submitted_at TIMESTAMP NOT NULL,
    rating INTEGER, usefulness INTEGER, would_recommend BOOLEAN, comment VARCHAR,
    sex VARCHAR, age_group VARCHAR, region VARCHAR, language VARCHAR,
    batch_id BIGINT NOT NULL, superseded_by BIGINT, source_row BIGINT
);

-- Readable views over the current rows.

CREATE VIEW organisations AS
SELECT code, name, city, batch_id FROM core.organisation WHERE superseded_by IS NULL;

CREATE VIEW campaigns AS
SELECT c.code, c.name, c.organisation_code, o.name AS organisation_name, c.thematic_area,
       c.regions, c.languages, c.start_date, c.end_date, c.status, c.description, c.batch_id
FROM core.campaign c
LEFT JOIN core.organisation o ON o.code = c.organisation_code AND o.superseded_by IS NULL
WHERE c.superseded_by IS NULL;

CREATE VIEW budget_lines AS
SELECT campaign_code, heading,
       CASE heading WHEN 1 THEN 'Human resources' WHEN 2 THEN 'Travel'
                    WHEN 3 THEN 'Equipment and supplies' WHEN 4 THEN 'Local office'
                    WHEN 5 THEN 'Other costs, services' WHEN 6 THEN 'Other'
                    WHEN 8 THEN 'Indirect costs' END AS heading_name,
       line_code, description, amount, currency, batch_id
FROM core.budget_line WHERE superseded_by IS NULL;

CREATE VIEW kpi_targets AS
SELECT campaign_code, indicator_code, indicator, level, metric, unit, direction, baseline,
       baseline_year, target, cumulative, batch_id
FROM core.kpi_target WHERE superseded_by IS NULL;

CREATE VIEW channels AS
SELECT campaign_code, platform, account, url, language, batch_id
FROM core.channel WHERE superseded_by IS NULL;

CREATE VIEW content_items AS
SELECT campaign_code, platform, post_id, url, published_at, format, language, title, batch_id
FROM core.content_item WHERE superseded_by IS NULL;

CREATE VIEW metric_observations AS
SELECT campaign_code, platform, post_id, metric_date, time_window, impressions, reach, views,
       likes, comments, shares, saves, clicks, followers, batch_id
FROM core.metric_observation WHERE superseded_by IS NULL;

-- One row per figure, for tools that want metrics long rather than wide.
CREATE VIEW metric_values AS
SELECT campaign_code, platform, post_id, metric_date, time_window, metric, value, batch_id
FROM (SELECT * EXCLUDE (superseded_by, source_row) FROM core.metric_observation
      WHERE superseded_by IS NULL)
UNPIVOT (value FOR metric IN (impressions, reach, views, likes, comments, shares, saves, clicks,
                              followers));

-- Daily figures of whole channels. reach_day is that day's unique reach: it must not be added
-- up across days, posts or platforms.
CREATE VIEW channel_daily AS
SELECT campaign_code, platform, metric_date AS day, impressions, reach AS reach_day, views,
       likes, comments, shares, saves, clicks, followers, batch_id
FROM core.metric_observation
WHERE superseded_by IS NULL AND post_id = '' AND time_window = 'day';

-- Daily figures of single posts.
CREATE VIEW post_daily AS
SELECT campaign_code, platform, post_id, metric_date AS day, impressions, reach AS reach_day,
       views, likes, comments, shares, saves, clicks, batch_id
FROM core.metric_observation
WHERE superseded_by IS NULL AND post_id <> '' AND time_window = 'day';

CREATE VIEW exchange_rates AS
SELECT month, currency, units_per_eur, batch_id FROM core.fx_rate WHERE superseded_by IS NULL;

-- Spend converted to EUR at the rate of the month the cost was booked (InforEuro).
CREATE VIEW spend AS
SELECT s.campaign_code, s.spend_date, s.budget_line, b.heading, s.amount, s.currency,
       s.description, s.reference,
       CASE WHEN s.currency = 'EUR' THEN 1.0 ELSE r.units_per_eur END AS rate_units_per_eur,
       date_trunc('month', s.spend_date)::DATE AS rate_month,
       CASE WHEN s.currency = 'EUR' THEN s.amount::DOUBLE
            ELSE round(s.amount::DOUBLE / r.units_per_eur, 2) END AS amount_eur,
       s.batch_id
FROM core.spend s
LEFT JOIN core.fx_rate r
  ON r.superseded_by IS NULL AND r.currency = s.currency
 AND r.month = date_trunc('month', s.spend_date)::DATE
LEFT JOIN core.budget_line b
  ON b.superseded_by IS NULL AND b.campaign_code = s.campaign_code
 AND b.line_code = s.budget_line
WHERE s.superseded_by IS NULL;

CREATE VIEW events AS
SELECT campaign_code, event_code, name, event_date, event_type, batch_id
FROM core.event WHERE superseded_by IS NULL;

CREATE VIEW participants AS
SELECT p.campaign_code, p.event_code, e.event_date, p.region, p.sex, p.age_group,
       p.participants, p.batch_id
FROM core.participant_count p
LEFT JOIN core.event e
  ON e.superseded_by IS NULL AND e.campaign_code = p.campaign_code
 AND e.event_code = p.event_code
WHERE p.superseded_by IS NULL;

CREATE VIEW feedback AS
SELECT campaign_code, event_code, submitted_at, rating, usefulness, would_recommend, comment,
       sex, age_group, region, language, batch_id
FROM core.feedback_response WHERE superseded_by IS NULL;

CREATE VIEW loads AS
SELECT batch_id, started_at, finished_at, status, kind, platform, campaign_code, source,
       source_name, loaded_by, checksum, rows_read, rows_loaded, rows_rejected, rows_replaced,
       rows_blank, message, undone_at, undone_by
FROM core.batch;

CREATE VIEW load_issues AS
SELECT batch_id, severity, row_number, column_name, value, message FROM core.batch_issue;
