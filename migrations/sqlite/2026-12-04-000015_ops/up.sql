-- Operations (issue 21): the schema version a server checks at start, and
-- the backups `hyoka admin backup` took (for `hyoka admin doctor`).
--
-- `version` is the schema this database holds; `oldest_reader` the oldest
-- binary schema version that may still run against it. An expand migration
-- (new tables, new nullable or defaulted columns) raises `version` only, so
-- the previous release keeps serving during a rolling upgrade; a contract
-- migration (a dropped or renamed column, a new NOT NULL without default),
-- shipped a release later, raises `oldest_reader` too. A binary whose own
-- version is below `oldest_reader` refuses to start (docs/operations.md).
-- The binary writes its own figures after migrating (never lowering them).
-- Keep in step with ../../postgres/2026-12-04-000015_ops.
CREATE TABLE schema_version (
    id            INTEGER PRIMARY KEY CHECK (id = 1),
    version       INTEGER NOT NULL CHECK (version >= 1),
    oldest_reader INTEGER NOT NULL CHECK (oldest_reader >= 1 AND oldest_reader <= version),
    updated_at    TIMESTAMP NOT NULL
);
INSERT INTO schema_version (id, version, oldest_reader, updated_at) VALUES (1, 1, 1, CURRENT_TIMESTAMP);

CREATE TABLE backups (
    id       INTEGER PRIMARY KEY AUTOINCREMENT,
    taken_at TIMESTAMP NOT NULL,
    file     TEXT NOT NULL,
    sha256   TEXT NOT NULL,
    bytes    BIGINT NOT NULL
);
