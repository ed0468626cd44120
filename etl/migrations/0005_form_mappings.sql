-- Form mappings saved with a campaign on the Upload page: which question of the campaign's
-- feedback form is which field, as the TOML a mapping file holds (docs/feedback.md). A later
-- file of the campaign whose questions are all in a saved mapping loads through the newest such
-- mapping. Saving again adds a row; earlier ones stay for the record.

CREATE SEQUENCE core.form_mapping_id_seq START 1;

CREATE TABLE core.form_mapping (
    mapping_id    BIGINT NOT NULL PRIMARY KEY,
    campaign_code VARCHAR NOT NULL,
    mapping       VARCHAR NOT NULL,   -- the mapping's TOML text
    saved_by      VARCHAR,
    saved_at      TIMESTAMP NOT NULL
);

CREATE VIEW form_mappings AS
SELECT mapping_id, campaign_code, mapping, saved_by, saved_at FROM core.form_mapping;
