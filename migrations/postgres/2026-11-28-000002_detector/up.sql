-- The detector's configuration (word lists, thresholds), tunable without a
-- rebuild, and each submission's risk score.

CREATE TABLE detector_configs (
    id          TEXT PRIMARY KEY NOT NULL,
    config_toml TEXT NOT NULL,
    updated_at  TIMESTAMP NOT NULL
);

CREATE TABLE submission_risk (
    submission_id    BIGINT PRIMARY KEY NOT NULL REFERENCES submissions (id),
    score            SMALLINT NOT NULL CHECK (score BETWEEN 0 AND 100),
    top_reasons_json TEXT NOT NULL,
    detector_version TEXT NOT NULL,
    config_hash      TEXT NOT NULL,
    computed_at      TIMESTAMP NOT NULL
);
CREATE INDEX submission_risk_score ON submission_risk (score);
