-- Each stored error and warning keeps the code and parameters it was made from (see
-- etl/messages), so that a page can write it in the reader's language; rows stored before
-- have neither and are shown by their English message.
ALTER TABLE core.batch_issue ADD COLUMN code VARCHAR;
ALTER TABLE core.batch_issue ADD COLUMN params VARCHAR;  -- JSON object: name -> value

CREATE OR REPLACE VIEW load_issues AS
SELECT batch_id, severity, row_number, column_name, value, message, code, params
FROM core.batch_issue;
