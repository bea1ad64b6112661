-- E-mail when something needs a person (issue 16): each user's address and
-- language, and the outbox the mail worker of every `hyoka serve` process
-- claims from. A mail is queued in the transaction of the event that causes
-- it; its dedupe key (event and recipient) is unique, so an event queues a
-- mail to one person once, however often it is replayed. An expand
-- migration: the previous release keeps serving. Keep in step with
-- ../../postgres/2026-12-05-000016_mail.
ALTER TABLE users ADD COLUMN email TEXT;
ALTER TABLE users ADD COLUMN language TEXT NOT NULL DEFAULT 'ja' CHECK (language IN ('ja', 'en'));

CREATE TABLE mail_outbox (
    id           INTEGER PRIMARY KEY NOT NULL,
    dedupe_key   TEXT NOT NULL,
    event        TEXT NOT NULL,
    user_id      BIGINT REFERENCES users (id),
    to_address   TEXT NOT NULL,
    language     TEXT NOT NULL CHECK (language IN ('ja', 'en')),
    subject      TEXT NOT NULL,
    body         TEXT NOT NULL,
    state        TEXT NOT NULL CHECK (state IN ('queued', 'sending', 'sent', 'failed')),
    attempts     INTEGER NOT NULL DEFAULT 0 CHECK (attempts >= 0),
    created_at   TIMESTAMP NOT NULL,
    run_after    TIMESTAMP NOT NULL,
    claimed_by   TEXT,
    claimed_at   TIMESTAMP,
    sent_at      TIMESTAMP,
    error        TEXT,
    CHECK (state <> 'sending' OR (claimed_by IS NOT NULL AND claimed_at IS NOT NULL)),
    CHECK (state <> 'sent' OR sent_at IS NOT NULL)
);
CREATE UNIQUE INDEX mail_outbox_dedupe ON mail_outbox (dedupe_key);
CREATE INDEX mail_outbox_due ON mail_outbox (state, run_after);

-- The daily deadline sweep: the process that inserts a day's row runs that
-- day's sweep, in the same transaction (so it runs once a day, whichever
-- replica comes first, and a failed sweep leaves no row behind).
CREATE TABLE mail_sweeps (
    day        DATE PRIMARY KEY NOT NULL,
    swept_by   TEXT NOT NULL,
    swept_at   TIMESTAMP NOT NULL,
    queued     INTEGER NOT NULL
);
