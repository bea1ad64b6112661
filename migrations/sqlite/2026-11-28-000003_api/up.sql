-- The REST API: API tokens, failed-login counters shared by every process,
-- yearly collections (提出依頼) and flag releases to subsidiaries.
-- Keep in step with ../../postgres/2026-11-28-000003_api.

-- Only the SHA-256 of a token is stored; the token itself is shown once.
CREATE TABLE api_tokens (
    id         INTEGER PRIMARY KEY NOT NULL,
    user_id    BIGINT NOT NULL REFERENCES users (id),
    name       TEXT NOT NULL,
    token_hash TEXT NOT NULL UNIQUE CHECK (length(token_hash) = 64),
    prefix     TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL,
    expires_at TIMESTAMP NOT NULL,
    revoked_at TIMESTAMP
);
CREATE INDEX api_tokens_user ON api_tokens (user_id);

-- Failed logins per (normalised) login name, so several `hyoka serve`
-- processes share one count.
CREATE TABLE login_attempts (
    login_key       TEXT PRIMARY KEY NOT NULL,
    failures        INTEGER NOT NULL CHECK (failures >= 0),
    first_failed_at TIMESTAMP NOT NULL,
    locked_until    TIMESTAMP
);

-- 提出依頼: one per fiscal year.
CREATE TABLE collections (
    id          INTEGER PRIMARY KEY NOT NULL,
    fiscal_year INTEGER NOT NULL UNIQUE CHECK (fiscal_year BETWEEN 2000 AND 2100),
    title       TEXT NOT NULL,
    deadline    DATE NOT NULL,
    message     TEXT,
    created_by  BIGINT REFERENCES users (id),
    created_at  TIMESTAMP NOT NULL
);

-- Which companies must submit, each with its target level that year.
CREATE TABLE collection_companies (
    collection_id BIGINT NOT NULL REFERENCES collections (id),
    company_id    BIGINT NOT NULL REFERENCES companies (id),
    target_level  SMALLINT NOT NULL CHECK (target_level BETWEEN 1 AND 3),
    PRIMARY KEY (collection_id, company_id)
);
CREATE INDEX collection_companies_company ON collection_companies (company_id);

-- A reviewer showed a submission's flags to its subsidiary.
CREATE TABLE flag_releases (
    submission_id BIGINT PRIMARY KEY NOT NULL REFERENCES submissions (id),
    released_by   BIGINT REFERENCES users (id),
    released_at   TIMESTAMP NOT NULL
);
