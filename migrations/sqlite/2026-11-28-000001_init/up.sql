-- hyoka schema, SQLite flavour. Keep in step with ../../postgres (same tables,
-- columns, constraints); crates/model/src/db/schema.rs describes both.

CREATE TABLE frameworks (
    id            TEXT PRIMARY KEY NOT NULL,
    name          TEXT NOT NULL,
    version       TEXT NOT NULL,
    item_count    INTEGER NOT NULL CHECK (item_count > 0),
    catalog_hash  TEXT NOT NULL,
    updated_at    TIMESTAMP NOT NULL
);

CREATE TABLE items (
    framework_id     TEXT NOT NULL REFERENCES frameworks (id),
    number           INTEGER NOT NULL CHECK (number BETWEEN 1 AND 999),
    level            SMALLINT CHECK (level BETWEEN 1 AND 3),
    category         TEXT,
    responsible_area TEXT,
    subject_ja       TEXT NOT NULL,
    subject_en       TEXT NOT NULL,
    condition_text   TEXT,
    criteria_text    TEXT,
    parts_json       TEXT NOT NULL DEFAULT '[]',
    tags_json        TEXT NOT NULL DEFAULT '[]',
    depends_on_json  TEXT NOT NULL DEFAULT '[]',
    PRIMARY KEY (framework_id, number)
);

CREATE TABLE companies (
    id           INTEGER PRIMARY KEY NOT NULL,
    code         TEXT NOT NULL UNIQUE,
    name         TEXT NOT NULL,
    name_key     TEXT NOT NULL,
    industry     TEXT,
    target_level SMALLINT NOT NULL CHECK (target_level BETWEEN 1 AND 3),
    impact_tier  SMALLINT NOT NULL DEFAULT 3 CHECK (impact_tier BETWEEN 1 AND 5),
    is_demo      BOOLEAN NOT NULL DEFAULT FALSE,
    created_at   TIMESTAMP NOT NULL
);
CREATE INDEX companies_name_key ON companies (name_key);

CREATE TABLE company_years (
    company_id  BIGINT NOT NULL REFERENCES companies (id),
    fiscal_year INTEGER NOT NULL CHECK (fiscal_year BETWEEN 2000 AND 2100),
    employees   INTEGER CHECK (employees >= 0),
    it_staff    INTEGER CHECK (it_staff >= 0),
    PRIMARY KEY (company_id, fiscal_year)
);

CREATE TABLE departments (
    id         INTEGER PRIMARY KEY NOT NULL,
    company_id BIGINT NOT NULL REFERENCES companies (id),
    name       TEXT NOT NULL,
    UNIQUE (company_id, name)
);

CREATE TABLE users (
    id            INTEGER PRIMARY KEY NOT NULL,
    login         TEXT NOT NULL UNIQUE,
    display_name  TEXT NOT NULL,
    role          TEXT NOT NULL CHECK (role IN ('admin', 'reviewer', 'subsidiary', 'auditor')),
    company_id    BIGINT REFERENCES companies (id),
    password_hash TEXT,
    disabled      BOOLEAN NOT NULL DEFAULT FALSE,
    created_at    TIMESTAMP NOT NULL,
    -- a subsidiary user belongs to exactly one company; nobody else does
    CHECK ((role = 'subsidiary') = (company_id IS NOT NULL))
);

CREATE TABLE submissions (
    id              INTEGER PRIMARY KEY NOT NULL,
    company_id      BIGINT NOT NULL REFERENCES companies (id),
    fiscal_year     INTEGER NOT NULL CHECK (fiscal_year BETWEEN 2000 AND 2100),
    department_id   BIGINT REFERENCES departments (id),
    framework_id    TEXT NOT NULL REFERENCES frameworks (id),
    revision        INTEGER NOT NULL CHECK (revision >= 1),
    source_filename TEXT NOT NULL,
    source_sha256   TEXT NOT NULL CHECK (length(source_sha256) = 64),
    uploaded_by     BIGINT REFERENCES users (id),
    uploaded_at     TIMESTAMP NOT NULL,
    status          TEXT NOT NULL CHECK (status IN ('submitted', 'in_review', 'returned', 'accepted', 'superseded')),
    is_current      BOOLEAN NOT NULL,
    answered_on     DATE,
    respondent      TEXT
);
-- revisions are numbered per (company, year, department); "no department" is 0
CREATE UNIQUE INDEX submissions_revision ON submissions (company_id, fiscal_year, COALESCE(department_id, 0), revision);
-- exactly one current revision per (company, year, department)
CREATE UNIQUE INDEX submissions_current ON submissions (company_id, fiscal_year, COALESCE(department_id, 0)) WHERE is_current;
CREATE INDEX submissions_year ON submissions (fiscal_year, status);

CREATE TABLE answers (
    submission_id    BIGINT NOT NULL REFERENCES submissions (id),
    item_number      INTEGER NOT NULL CHECK (item_number BETWEEN 1 AND 999),
    level            SMALLINT NOT NULL CHECK (level BETWEEN 1 AND 3),
    evaluation       TEXT NOT NULL CHECK (evaluation IN ('2', '1', '0', 'na', 'unanswered')),
    evidence         TEXT NOT NULL,
    responsible_area TEXT,
    source_cell      TEXT,
    PRIMARY KEY (submission_id, item_number)
);
-- a submitted answer is never changed: corrections come as a new revision
CREATE TRIGGER answers_immutable_update BEFORE UPDATE ON answers
BEGIN SELECT RAISE(ABORT, 'answers are immutable: upload a new revision'); END;
CREATE TRIGGER answers_immutable_delete BEFORE DELETE ON answers
BEGIN SELECT RAISE(ABORT, 'answers are immutable: upload a new revision'); END;

CREATE TABLE submission_transitions (
    id            INTEGER PRIMARY KEY NOT NULL,
    submission_id BIGINT NOT NULL REFERENCES submissions (id),
    action        TEXT NOT NULL,
    from_status   TEXT NOT NULL,
    to_status     TEXT NOT NULL,
    actor_id      BIGINT REFERENCES users (id),
    message       TEXT,
    at            TIMESTAMP NOT NULL
);
CREATE INDEX submission_transitions_submission ON submission_transitions (submission_id);

CREATE TABLE flags (
    id               INTEGER PRIMARY KEY NOT NULL,
    submission_id    BIGINT NOT NULL REFERENCES submissions (id),
    item_number      INTEGER CHECK (item_number BETWEEN 1 AND 999),
    rule             TEXT NOT NULL,
    severity         TEXT NOT NULL CHECK (severity IN ('info', 'low', 'medium', 'high')),
    claimed          TEXT NOT NULL CHECK (claimed IN ('2', '1', '0', 'na', 'unanswered')),
    suggested        SMALLINT CHECK (suggested BETWEEN 0 AND 2),
    reason_ja        TEXT NOT NULL,
    reason_en        TEXT NOT NULL,
    detector_version TEXT NOT NULL,
    config_hash      TEXT NOT NULL,
    created_at       TIMESTAMP NOT NULL
);
CREATE INDEX flags_submission ON flags (submission_id, item_number);

CREATE TABLE reviews (
    id             INTEGER PRIMARY KEY NOT NULL,
    flag_id        BIGINT NOT NULL REFERENCES flags (id),
    decision       TEXT NOT NULL CHECK (decision IN ('confirmed', 'dismissed')),
    reviewed_score SMALLINT CHECK (reviewed_score BETWEEN 0 AND 2),
    comment        TEXT NOT NULL,
    reviewer_id    BIGINT REFERENCES users (id),
    decided_at     TIMESTAMP NOT NULL,
    carried_from   BIGINT REFERENCES reviews (id),
    CHECK ((decision = 'confirmed') = (reviewed_score IS NOT NULL))
);
CREATE INDEX reviews_flag ON reviews (flag_id);

CREATE TABLE replies (
    id         INTEGER PRIMARY KEY NOT NULL,
    flag_id    BIGINT NOT NULL REFERENCES flags (id),
    author_id  BIGINT REFERENCES users (id),
    body       TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL
);
CREATE INDEX replies_flag ON replies (flag_id);

CREATE TABLE audit_events (
    id          INTEGER PRIMARY KEY NOT NULL,
    occurred_at TIMESTAMP NOT NULL,
    actor_id    BIGINT REFERENCES users (id),
    actor       TEXT NOT NULL,
    action      TEXT NOT NULL,
    entity      TEXT NOT NULL,
    entity_id   TEXT,
    before_json TEXT,
    after_json  TEXT,
    prev_hash   TEXT NOT NULL UNIQUE,
    hash        TEXT NOT NULL UNIQUE
);
-- append-only
CREATE TRIGGER audit_events_immutable_update BEFORE UPDATE ON audit_events
BEGIN SELECT RAISE(ABORT, 'audit events are append-only'); END;
CREATE TRIGGER audit_events_immutable_delete BEFORE DELETE ON audit_events
BEGIN SELECT RAISE(ABORT, 'audit events are append-only'); END;
