DROP INDEX company_year_summaries_scs3;
ALTER TABLE company_year_summaries DROP COLUMN scs3_met;
