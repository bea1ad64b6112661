-- The residual risk: the detector's risk formula over the flags still
-- standing after review (undecided and confirmed; dismissed ones drop out).
-- The weights the detector used are kept with its risk, so the residual is
-- computed with the same ones (filled in for older rows after migrating,
-- from the configuration in force); each sheet's residual is kept beside
-- its risk by the summary refresh, for the exports. The company-year's residual is kept on
-- its summary beside the risk (the summaries table now has 17 columns:
-- diesel's 32-column tables).
-- Keep in step with ../../postgres/2026-12-03-000012_residual.
ALTER TABLE submission_risk ADD COLUMN weights_json TEXT NOT NULL DEFAULT '';
ALTER TABLE submission_risk ADD COLUMN residual SMALLINT;
ALTER TABLE company_year_summaries ADD COLUMN residual SMALLINT;
