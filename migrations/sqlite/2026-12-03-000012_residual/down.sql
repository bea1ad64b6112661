ALTER TABLE company_year_summaries DROP COLUMN residual;
ALTER TABLE submission_risk DROP COLUMN residual;
ALTER TABLE submission_risk DROP COLUMN weights_json;
