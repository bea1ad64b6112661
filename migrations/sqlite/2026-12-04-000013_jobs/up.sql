-- Group-analysis jobs: a run of the group rules asked for by an upload, a
-- reviewer (manual) or recorded by `hyoka import`. Every `hyoka serve`
-- process claims due jobs through this table (never process memory), so two
-- replicas never run the same one; a claim whose heartbeat stops is taken
-- over, a failure is recorded and retried with backoff.

CREATE TABLE analysis_jobs (
    id           INTEGER PRIMARY KEY NOT NULL,
    framework_id TEXT NOT NULL REFERENCES frameworks (id),
    fiscal_year  INTEGER NOT NULL CHECK (fiscal_year BETWEEN 2000 AND 2100),
    kind         TEXT NOT NULL CHECK (kind IN ('import', 'upload', 'manual')),
    state        TEXT NOT NULL CHECK (state IN ('queued', 'running', 'done', 'failed')),
    attempts     INTEGER NOT NULL DEFAULT 0 CHECK (attempts >= 0),
    requested_by BIGINT REFERENCES users (id),
    created_at   TIMESTAMP NOT NULL,
    requested_at TIMESTAMP NOT NULL,
    run_after    TIMESTAMP NOT NULL,
    claimed_by   TEXT,
    claimed_at   TIMESTAMP,
    heartbeat_at TIMESTAMP,
    started_at   TIMESTAMP,
    finished_at  TIMESTAMP,
    error        TEXT,
    run_id       BIGINT REFERENCES analysis_runs (id),
    sheets       INTEGER,
    new_flags    INTEGER,
    CHECK (state <> 'running' OR (claimed_by IS NOT NULL AND heartbeat_at IS NOT NULL)),
    CHECK (state <> 'done' OR run_id IS NOT NULL)
);
-- Debounced: at most one queued run per framework and fiscal year; uploads
-- while it waits join it.
CREATE UNIQUE INDEX analysis_jobs_one_queued ON analysis_jobs (framework_id, fiscal_year) WHERE state = 'queued';
CREATE INDEX analysis_jobs_state ON analysis_jobs (state, run_after);
CREATE INDEX analysis_jobs_year ON analysis_jobs (fiscal_year, id);
