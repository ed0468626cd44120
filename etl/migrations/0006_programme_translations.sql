-- Programme data in Russian and Kazakh: the set-up workbook's optional columns for a campaign's
-- name and thematic area and an indicator's name in each language. A page in that language
-- shows the translation when there is one, else the original.

ALTER TABLE core.campaign ADD COLUMN name_ru VARCHAR;
ALTER TABLE core.campaign ADD COLUMN name_kk VARCHAR;
ALTER TABLE core.campaign ADD COLUMN thematic_area_ru VARCHAR;
ALTER TABLE core.campaign ADD COLUMN thematic_area_kk VARCHAR;
ALTER TABLE core.kpi_target ADD COLUMN indicator_ru VARCHAR;
ALTER TABLE core.kpi_target ADD COLUMN indicator_kk VARCHAR;

CREATE OR REPLACE VIEW campaigns AS
SELECT c.code, c.name, c.organisation_code, o.name AS organisation_name, c.thematic_area,
       c.regions, c.languages, c.start_date, c.end_date, c.status, c.description, c.batch_id,
       c.name_ru, c.name_kk, c.thematic_area_ru, c.thematic_area_kk
FROM core.campaign c
LEFT JOIN core.organisation o ON o.code = c.organisation_code AND o.superseded_by IS NULL
WHERE c.superseded_by IS NULL;

CREATE OR REPLACE VIEW kpi_targets AS
SELECT campaign_code, indicator_code, indicator, level, metric, unit, direction, baseline,
       baseline_year, target, cumulative, batch_id, indicator_ru, indicator_kk
FROM core.kpi_target WHERE superseded_by IS NULL;
