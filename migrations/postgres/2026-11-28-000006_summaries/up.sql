-- Summaries the dashboards read instead of scanning every answer. Derived
-- data: hyoka keeps them up to date in the transaction of every change that
-- moves a figure (an upload, an analysis run, a decision, a workflow move, a
-- target level), and `hyoka admin rebuild-summaries` recomputes them whole.

-- One row per company and fiscal year with at least one current sheet
-- (several departments' sheets are merged item by item: the weakest wins).
CREATE TABLE company_year_summaries (
    company_id      BIGINT NOT NULL REFERENCES companies (id),
    fiscal_year     INTEGER NOT NULL CHECK (fiscal_year BETWEEN 2000 AND 2100),
    submission_id   BIGINT NOT NULL REFERENCES submissions (id),
    sheets          INTEGER NOT NULL,
    status          TEXT NOT NULL,
    revision        INTEGER NOT NULL,
    uploaded_at     TIMESTAMP NOT NULL,
    target_level    SMALLINT NOT NULL,
    risk            SMALLINT,
    -- self, suggested, reviewed × Lv1, Lv2, Lv3, target, overall: 15
    -- comma-separated basis points (0–10000), empty when no item is rated
    rates           TEXT NOT NULL,
    flags_total     INTEGER NOT NULL,
    flags_open      INTEGER NOT NULL,
    flags_confirmed INTEGER NOT NULL,
    flags_dismissed INTEGER NOT NULL,
    item_codes      TEXT NOT NULL,
    updated_at      TIMESTAMP NOT NULL,
    PRIMARY KEY (company_id, fiscal_year)
);
CREATE INDEX company_year_summaries_year ON company_year_summaries (fiscal_year, risk);

-- Group figures per fiscal year as sums and counts, adjusted by the
-- difference each company-year summary change makes (metric names in
-- crates/model/src/db/summaries.rs).
CREATE TABLE year_totals (
    fiscal_year INTEGER NOT NULL,
    metric      TEXT NOT NULL,
    total       BIGINT NOT NULL,
    n           BIGINT NOT NULL,
    PRIMARY KEY (fiscal_year, metric)
);

-- Companies in the group, in all and per registered target level
-- ('companies', 'companies:lv1', …), kept by company creation and level
-- changes: the overview's page count without counting the companies table.
CREATE TABLE group_counts (
    name  TEXT PRIMARY KEY NOT NULL,
    value BIGINT NOT NULL
);
INSERT INTO group_counts (name, value) VALUES
    ('companies', (SELECT COUNT(*) FROM companies)),
    ('companies:lv1', (SELECT COUNT(*) FROM companies WHERE target_level = 1)),
    ('companies:lv2', (SELECT COUNT(*) FROM companies WHERE target_level = 2)),
    ('companies:lv3', (SELECT COUNT(*) FROM companies WHERE target_level = 3));

-- The flag list and the exports filter flags by these, and page through a
-- year's flags sheet by sheet (submission id order) without sorting them all.
CREATE INDEX flags_rule ON flags (rule);
CREATE INDEX flags_severity ON flags (severity);
CREATE INDEX flags_item ON flags (item_number);
CREATE INDEX submissions_year_id ON submissions (fiscal_year, id);
