-- The web UI's sessions: a row per signed-in browser, so every `hyoka serve`
-- replica shares them. Only the SHA-256 of the cookie's secret is stored.
-- `password_fp` is a fingerprint of the user's password hash when the session
-- began: setting a password ends the sessions made with the old one.
-- Keep in step with ../../postgres/2026-12-01-000008_web.
CREATE TABLE web_sessions (
    id           INTEGER PRIMARY KEY NOT NULL,
    user_id      BIGINT NOT NULL REFERENCES users (id),
    secret_hash  TEXT NOT NULL UNIQUE CHECK (length(secret_hash) = 64),
    csrf_token   TEXT NOT NULL CHECK (length(csrf_token) = 64),
    password_fp  TEXT NOT NULL,
    lang         TEXT CHECK (lang IN ('ja', 'en')),
    created_at   TIMESTAMP NOT NULL,
    last_seen_at TIMESTAMP NOT NULL,
    expires_at   TIMESTAMP NOT NULL,
    revoked_at   TIMESTAMP
);
CREATE INDEX web_sessions_user ON web_sessions (user_id);
