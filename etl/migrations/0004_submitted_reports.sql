-- Reports submitted to the donor, frozen: the figures as JSON and every file exactly as it was
-- produced on submission, so a submitted report downloads unchanged after later loads.

CREATE SEQUENCE core.report_id_seq START 1;

CREATE TABLE core.report (
    report_id BIGINT NOT NULL PRIMARY KEY,
    title VARCHAR NOT NULL,
    request_key VARCHAR NOT NULL,
    period_start DATE NOT NULL, period_end DATE NOT NULL,
    scope VARCHAR NOT NULL,
    campaign_codes VARCHAR[] NOT NULL,
    submitted_by VARCHAR NOT NULL, submitted_at TIMESTAMP NOT NULL,
    data_as_of TIMESTAMP,
    figures JSON NOT NULL,
    xlsx BLOB, package BLOB, pdf BLOB
);

CREATE VIEW submitted_reports AS
SELECT report_id, title, request_key, period_start, period_end, scope, campaign_codes,
       submitted_by, submitted_at, data_as_of
FROM core.report;
