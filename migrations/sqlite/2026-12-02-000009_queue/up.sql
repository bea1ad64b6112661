-- The review queue's order kept on the summary: risk × business-impact
-- weight (6 − the company's impact tier), so the queue reads its first page
-- through an index instead of sorting every sheet of the year on each
-- request. Kept by the summary refresh and by a change of impact tier.
-- `updated_at` was written and never read: dropped (a table of more than 16
-- columns needs diesel's slower-building 32-column feature).
-- Keep in step with ../../postgres/2026-12-02-000009_queue.
ALTER TABLE company_year_summaries ADD COLUMN priority INTEGER NOT NULL DEFAULT 0;
UPDATE company_year_summaries
   SET priority = COALESCE(risk, 0) * (6 - (SELECT impact_tier FROM companies WHERE companies.id = company_year_summaries.company_id));
CREATE INDEX company_year_summaries_queue ON company_year_summaries (fiscal_year, priority);
CREATE INDEX company_year_summaries_status ON company_year_summaries (fiscal_year, status);
ALTER TABLE company_year_summaries DROP COLUMN updated_at;
