-- METI SCS readiness kept on the summary row (docs/scs.md): the ★3
-- criteria met on the estimated basis with the built-in mapping, so the
-- group view pages companies by readiness with an index instead of
-- reading every summary of the year. NULL on rows kept before this
-- migration: the start-up check rebuilds them (the year's totals gain the
-- criteria missed, scs_missed:<id>, in the same rebuild).
-- Keep in step with ../../sqlite/2026-12-06-000017_scs.
ALTER TABLE company_year_summaries ADD COLUMN scs3_met SMALLINT;
CREATE INDEX company_year_summaries_scs3 ON company_year_summaries (fiscal_year, scs3_met);
