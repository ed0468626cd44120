-- Each stored error and warning keeps the code and parameters it was made from (see
-- etl/messages), so that a page can write it in the reader's language; rows stored before
-- have neither and are shown by their English message.
ALTER TABLE core.batch_issue ADD COLUMN code VARCHAR;
ALTER TABLE core.batch_issue ADD COLUMN params VARCHAR;  -- JSON object: name -> value

-- A batch's one-line summary is made from its figures, some of which the batch's row does not
-- hold (rows skipped, errors): they are kept with it, so that a page writes the summary in its
-- language. message_code is 'load_summary' (the fields of etl.load.result.SUMMARY_FIELDS) or a
-- message code.
ALTER TABLE core.batch ADD COLUMN message_code VARCHAR;
ALTER TABLE core.batch ADD COLUMN message_params VARCHAR;  -- JSON object

CREATE OR REPLACE VIEW loads AS
SELECT batch_id, started_at, finished_at, status, kind, platform, campaign_code, source,
       source_name, loaded_by, checksum, rows_read, rows_loaded, rows_rejected, rows_replaced,
       rows_blank, message, undone_at, undone_by, detected, message_code, message_params
FROM core.batch;

CREATE OR REPLACE VIEW load_issues AS
SELECT batch_id, severity, row_number, column_name, value, message, code, params
FROM core.batch_issue;
