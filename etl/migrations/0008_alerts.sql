-- Alerts: what the alert rules found, and who was told.
--
-- One row per alert key (rule, campaign, subject). `fingerprint` holds the values that make the
-- alert true (the status and the rounded figure band, say): when it changes, the alert is news
-- again and is sent again. An alert no rule finds any more is closed (`closed_at`); found again,
-- it reopens. `params` are the values its text is written from, as JSON.

CREATE TABLE core.alert (
    alert_key     VARCHAR PRIMARY KEY,
    rule          VARCHAR NOT NULL,
    campaign_code VARCHAR,                 -- NULL: about the programme (a set-up load, say)
    subject       VARCHAR NOT NULL,        -- the KPI, budget line or batch; '' for the campaign
    fingerprint   VARCHAR NOT NULL,
    params        JSON NOT NULL,
    opened_at     TIMESTAMP NOT NULL,
    changed_at    TIMESTAMP NOT NULL,      -- when the fingerprint last changed (or it opened)
    seen_at       TIMESTAMP NOT NULL,      -- the last evaluation that found it
    closed_at     TIMESTAMP
);

-- Each alert (in one state, its fingerprint) sent to a person, and the day of the digest.
CREATE TABLE core.alert_delivery (
    alert_key   VARCHAR NOT NULL,
    fingerprint VARCHAR NOT NULL,
    recipient   VARCHAR NOT NULL,          -- the account's username
    digest_day  DATE NOT NULL,
    sent_at     TIMESTAMP NOT NULL
);

CREATE VIEW alerts AS
SELECT alert_key, rule, campaign_code, subject, fingerprint, params, opened_at, changed_at,
       seen_at, closed_at
FROM core.alert;
