-- The reporting cycle: each campaign's reporting periods as submitted, approved, returned or
-- reopened, and every step kept with who took it and when.
--
-- `core.reporting_period` holds one row per campaign and period that has had a step: its state
-- now, the narrative of its last submission, and who approved it (an approved period is
-- locked: loads, corrections and undos that would change its figures are refused).
-- `core.reporting_event` is the audit trail: one row per step, never changed.

CREATE TABLE core.reporting_period (
    campaign_code VARCHAR NOT NULL,
    period        VARCHAR NOT NULL,          -- YYYY-MM: the period's first month
    period_start  DATE NOT NULL,
    period_end    DATE NOT NULL,
    state         VARCHAR NOT NULL,          -- submitted, approved, returned, reopened
    narrative     JSON,                      -- achievements, challenges, success_story
    comment       VARCHAR,                   -- the officer's comment (returned) or reason (reopened)
    changed_by    VARCHAR NOT NULL,
    changed_at    TIMESTAMP NOT NULL,
    approved_by   VARCHAR,
    approved_at   TIMESTAMP
);

CREATE TABLE core.reporting_event (
    campaign_code VARCHAR NOT NULL,
    period        VARCHAR NOT NULL,
    action        VARCHAR NOT NULL,          -- submit, approve, return, reopen
    state_before  VARCHAR,                   -- NULL: never submitted before
    state_after   VARCHAR NOT NULL,
    username      VARCHAR NOT NULL,
    role          VARCHAR NOT NULL,
    taken_at      TIMESTAMP NOT NULL,
    comment       VARCHAR,
    narrative     JSON
);

CREATE VIEW reporting_periods AS
SELECT campaign_code, period, period_start, period_end, state, narrative, comment, changed_by,
       changed_at, approved_by, approved_at
FROM core.reporting_period;

CREATE VIEW reporting_history AS
SELECT campaign_code, period, action, state_before, state_after, username, role, taken_at, comment,
       narrative
FROM core.reporting_event;
