-- Group analysis runs (hyoka analyze): one versioned run per framework and
-- fiscal year; the flags a run raised are linked to it. Earlier runs, their
-- flags and the decisions on them are kept.

CREATE TABLE analysis_runs (
    id               INTEGER PRIMARY KEY NOT NULL,
    framework_id     TEXT NOT NULL REFERENCES frameworks (id),
    fiscal_year      INTEGER NOT NULL CHECK (fiscal_year BETWEEN 2000 AND 2100),
    detector_version TEXT NOT NULL,
    config_hash      TEXT NOT NULL,
    sheets           INTEGER NOT NULL,
    findings         INTEGER NOT NULL,
    started_at       TIMESTAMP NOT NULL,
    finished_at      TIMESTAMP NOT NULL
);
CREATE INDEX analysis_runs_year ON analysis_runs (framework_id, fiscal_year);

-- A flag raised by a run; is_new when its submission had already been reviewed.
CREATE TABLE analysis_flags (
    flag_id BIGINT PRIMARY KEY NOT NULL REFERENCES flags (id),
    run_id  BIGINT NOT NULL REFERENCES analysis_runs (id),
    is_new  BOOLEAN NOT NULL
);
CREATE INDEX analysis_flags_run ON analysis_flags (run_id);
