-- Feedback from forms: the scale of each rated question, and the respondent's contacts, which
-- are stored only when a form mapping asks for them. `erasure` logs every `campaigns forget`
-- without the identifier it was given.

ALTER TABLE core.feedback_response ADD COLUMN rating_scale INTEGER;
ALTER TABLE core.feedback_response ADD COLUMN usefulness_scale INTEGER;
ALTER TABLE core.feedback_response ADD COLUMN respondent_name VARCHAR;
ALTER TABLE core.feedback_response ADD COLUMN respondent_email VARCHAR;
ALTER TABLE core.feedback_response ADD COLUMN respondent_phone VARCHAR;

CREATE SEQUENCE core.erasure_id_seq START 1;
CREATE TABLE core.erasure (
    erasure_id    BIGINT PRIMARY KEY,
    erased_at     TIMESTAMP NOT NULL,
    erased_by     VARCHAR,
    campaign_code VARCHAR,
    identifier_kind VARCHAR NOT NULL,   -- email, phone or name (the value itself is not kept)
    responses_removed BIGINT NOT NULL,
    rejected_rows_removed BIGINT NOT NULL,
    files_removed BIGINT NOT NULL
);

-- Ratings on the form's own scale: `rating_scale` is 5 unless the form used 1 to 10.
CREATE OR REPLACE VIEW feedback AS
SELECT campaign_code, event_code, submitted_at, rating, coalesce(rating_scale, 5) AS rating_scale,
       usefulness, coalesce(usefulness_scale, 5) AS usefulness_scale, would_recommend, comment,
       sex, age_group, region, language, batch_id
FROM core.feedback_response WHERE superseded_by IS NULL;

CREATE VIEW erasures AS
SELECT erasure_id, erased_at, erased_by, campaign_code, identifier_kind, responses_removed,
       rejected_rows_removed, files_removed
FROM core.erasure;
