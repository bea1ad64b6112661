ALTER TABLE company_year_summaries ADD COLUMN updated_at TIMESTAMP NOT NULL DEFAULT CURRENT_TIMESTAMP;
DROP INDEX company_year_summaries_status;
DROP INDEX company_year_summaries_queue;
ALTER TABLE company_year_summaries DROP COLUMN priority;
