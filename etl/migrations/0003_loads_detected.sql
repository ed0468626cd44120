-- The load log shows what each load detected: format, encoding, delimiter, decimal mark,
-- header row, the column mapping and the period of its rows, as JSON.

CREATE OR REPLACE VIEW loads AS
SELECT batch_id, started_at, finished_at, status, kind, platform, campaign_code, source,
       source_name, loaded_by, checksum, rows_read, rows_loaded, rows_rejected, rows_replaced,
       rows_blank, message, undone_at, undone_by, detected
FROM core.batch;
