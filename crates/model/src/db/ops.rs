//! Operations: the schema version a server checks at start, online backups
//! of SQLite, the checks a copy must pass, and what `hyoka admin doctor`
//! reports (migration `2026-12-04-000015_ops`).
//!
//! The schema version is one row of `schema_version`: `version` (the schema
//! the database holds) and `oldest_reader` (the oldest binary that may still
//! run against it). [`migrate`](super::migrate) refuses, before touching
//! anything, a database whose `oldest_reader` is above this binary's
//! [`SCHEMA_VERSION`]; after migrating it raises the row to this binary's
//! figures (never lowers them). An expand migration raises `version` only,
//! so the previous release keeps running beside the new one during a rolling
//! upgrade; a contract migration, a release later, raises `oldest_reader`
//! too ([`OLDEST_READER`]).

use std::io::Read;
use std::path::{Path, PathBuf};

use diesel::connection::SimpleConnection;
use diesel::prelude::*;
use diesel::sql_types::{BigInt, Integer, Nullable, Text, Timestamp};
use sha2::{Digest, Sha256};

use super::conn::percent_decode;
use super::{DbConn, DbError, DbUrl};

/// The schema version this binary writes (raise it with every migration
/// that changes what a binary may rely on).
pub const SCHEMA_VERSION: i32 = 2;

/// The oldest binary schema version that may run against the schema this
/// binary leaves behind: equal to [`SCHEMA_VERSION`] only after a contract
/// migration (a column dropped or renamed, a new NOT NULL without default).
pub const OLDEST_READER: i32 = 1;

/// The `schema_version` row.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SchemaVersion {
    /// The schema the database holds.
    pub version: i32,
    /// The oldest binary schema version that may run against it.
    pub oldest_reader: i32,
}

#[derive(QueryableByName)]
struct VersionRow {
    #[diesel(sql_type = Integer)]
    version: i32,
    #[diesel(sql_type = Integer)]
    oldest_reader: i32,
}

#[derive(QueryableByName)]
struct CountRow {
    #[diesel(sql_type = BigInt)]
    n: i64,
}

/// Whether a table of this name exists (in the current schema on
/// PostgreSQL).
pub fn table_exists(conn: &mut DbConn, name: &str) -> Result<bool, DbError> {
    let q = match conn {
        DbConn::Sqlite(_) => "SELECT COUNT(*) AS n FROM sqlite_schema WHERE type = 'table' AND name = ?",
        DbConn::Pg(_) => {
            "SELECT COUNT(*) AS n FROM information_schema.tables WHERE table_schema = current_schema() \
             AND table_name = $1"
        }
    };
    let rows: Vec<CountRow> = diesel::sql_query(q).bind::<Text, _>(name).load(conn)?;
    Ok(rows.first().is_some_and(|r| r.n > 0))
}

/// The database's schema version; `None` before the migration that keeps it.
pub fn schema_version(conn: &mut DbConn) -> Result<Option<SchemaVersion>, DbError> {
    if !table_exists(conn, "schema_version")? {
        return Ok(None);
    }
    let rows: Vec<VersionRow> =
        diesel::sql_query("SELECT version, oldest_reader FROM schema_version WHERE id = 1").load(conn)?;
    Ok(rows.first().map(|r| SchemaVersion { version: r.version, oldest_reader: r.oldest_reader }))
}

/// Refuses a database this binary is too old for, with a message in English
/// and Japanese. Called by [`migrate`](super::migrate) under its lock,
/// before any migration runs; also by the restore before it copies anything.
pub fn refuse_newer(conn: &mut DbConn) -> Result<(), DbError> {
    let Some(v) = schema_version(conn)? else { return Ok(()) };
    if v.oldest_reader > SCHEMA_VERSION {
        return Err(DbError::Migration(format!(
            "the database holds schema version {} (readable from version {}), newer than this hyoka knows \
             (schema version {SCHEMA_VERSION}); run the newer release, or restore a backup taken before the \
             upgrade. Nothing was changed / データベースのスキーマはバージョン {} (バージョン {} 以降で利用可) で、\
             この hyoka (スキーマ バージョン {SCHEMA_VERSION}) より新しいため起動できません。新しいリリースを使うか、\
             アップグレード前のバックアップを復元してください。何も変更していません",
            v.version, v.oldest_reader, v.version, v.oldest_reader
        )));
    }
    if v.version > SCHEMA_VERSION {
        tracing::warn!(
            database = v.version,
            binary = SCHEMA_VERSION,
            "the database was expanded by a newer hyoka; this one still runs against it (rolling upgrade)"
        );
    }
    Ok(())
}

/// Raises the `schema_version` row to this binary's figures (never lowers
/// them). Called by [`migrate`](super::migrate) after the migrations.
pub fn record_schema_version(conn: &mut DbConn) -> Result<(), DbError> {
    if !table_exists(conn, "schema_version")? {
        return Ok(());
    }
    let q = match conn {
        DbConn::Sqlite(_) => {
            "UPDATE schema_version SET version = MAX(version, ?), oldest_reader = MAX(oldest_reader, ?), \
             updated_at = CURRENT_TIMESTAMP WHERE id = 1 AND (version < ? OR oldest_reader < ?)"
        }
        DbConn::Pg(_) => {
            "UPDATE schema_version SET version = GREATEST(version, $1), oldest_reader = GREATEST(oldest_reader, $2), \
             updated_at = CURRENT_TIMESTAMP AT TIME ZONE 'UTC' WHERE id = 1 AND (version < $3 OR oldest_reader < $4)"
        }
    };
    diesel::sql_query(q)
        .bind::<Integer, _>(SCHEMA_VERSION)
        .bind::<Integer, _>(OLDEST_READER)
        .bind::<Integer, _>(SCHEMA_VERSION)
        .bind::<Integer, _>(OLDEST_READER)
        .execute(conn)?;
    Ok(())
}

/// Sets the `schema_version` row as a newer release would (tests simulate
/// an upgrade with it; operators never need it).
pub fn set_schema_version(conn: &mut DbConn, v: SchemaVersion) -> Result<(), DbError> {
    let q = match conn {
        DbConn::Sqlite(_) => "UPDATE schema_version SET version = ?, oldest_reader = ? WHERE id = 1",
        DbConn::Pg(_) => "UPDATE schema_version SET version = $1, oldest_reader = $2 WHERE id = 1",
    };
    diesel::sql_query(q).bind::<Integer, _>(v.version).bind::<Integer, _>(v.oldest_reader).execute(conn)?;
    Ok(())
}

/// Whether the database holds anything a person made: a company, a user or
/// a sheet (a migrated, empty database does not; its catalogs are seeded).
pub fn holds_data(conn: &mut DbConn) -> Result<bool, DbError> {
    for table in ["companies", "users", "submissions"] {
        if !table_exists(conn, table)? {
            continue;
        }
        let rows: Vec<CountRow> =
            diesel::sql_query(format!("SELECT COUNT(*) AS n FROM (SELECT 1 FROM {table} LIMIT 1) t")).load(conn)?;
        if rows.first().is_some_and(|r| r.n > 0) {
            return Ok(true);
        }
    }
    Ok(false)
}

/// Every check a database (or a copy of one) must pass: the engine's
/// integrity check, foreign keys, complete sheets, one current revision, the
/// audit log's hash chain ([`integrity::check`](super::integrity::check)),
/// and the dashboards' summaries against a fresh computation
/// ([`summaries::verify`](super::summaries::verify)). Empty when sound.
pub fn check_all(conn: &mut DbConn) -> Result<Vec<String>, DbError> {
    let mut problems = super::integrity::check(conn)?;
    problems.extend(super::summaries::verify(conn)?.into_iter().map(|p| format!("summary: {p}")));
    Ok(problems)
}

/// An online, consistent copy of a SQLite database into a new file with
/// `VACUUM INTO` (one read transaction: writers go on meanwhile, and every
/// write committed before it began is in the copy). The file must not exist.
pub fn backup_sqlite(conn: &mut DbConn, to: &Path) -> Result<(), DbError> {
    let DbConn::Sqlite(c) = conn else {
        return Err(DbError::Config("VACUUM INTO is SQLite's; PostgreSQL is copied with pg_dump".into()));
    };
    if to.exists() {
        return Err(DbError::Invalid(format!(
            "{} exists; name a new file / {} は既にあります。新しいファイル名を指定してください",
            to.display(),
            to.display()
        )));
    }
    let path =
        to.to_str().ok_or_else(|| DbError::Config(format!("backup path {} is not valid UTF-8", to.display())))?;
    c.batch_execute(&format!("VACUUM INTO '{}'", path.replace('\'', "''")))?;
    Ok(())
}

/// Opens a SQLite file read-only, without changing a byte of it (no WAL
/// switch, no pragmas that write): for checking a backup.
pub fn open_sqlite_read_only(path: &Path) -> Result<DbConn, DbError> {
    if !path.is_file() {
        return Err(DbError::Connect(format!(
            "{} is not a file / {} はファイルではありません",
            path.display(),
            path.display()
        )));
    }
    let abs = std::fs::canonicalize(path).map_err(|e| DbError::Connect(format!("{}: {e}", path.display())))?;
    let text = abs.to_str().ok_or_else(|| DbError::Config(format!("{} is not valid UTF-8", abs.display())))?;
    let escaped = text.replace('%', "%25").replace('?', "%3f").replace('#', "%23");
    let conn = diesel::SqliteConnection::establish(&format!("file:{escaped}?mode=ro"))
        .map_err(|e| DbError::Connect(format!("{}: {e}", path.display())))?;
    let mut conn = DbConn::Sqlite(conn);
    conn.batch_execute("PRAGMA busy_timeout = 10000;")?;
    Ok(conn)
}

/// The SHA-256 (hex) and the size of a file.
pub fn sha256_file(path: &Path) -> std::io::Result<(String, u64)> {
    let mut file = std::fs::File::open(path)?;
    let mut hasher = Sha256::new();
    let mut buf = vec![0u8; 1 << 16];
    let mut bytes = 0u64;
    loop {
        let n = file.read(&mut buf)?;
        if n == 0 {
            break;
        }
        hasher.update(&buf[..n]);
        bytes += n as u64;
    }
    Ok((hex::encode(hasher.finalize()), bytes))
}

/// A backup `hyoka admin backup` took, as recorded in the database it copied.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Backup {
    /// When (UTC).
    pub taken_at: chrono::NaiveDateTime,
    /// The file written.
    pub file: String,
    /// Its SHA-256.
    pub sha256: String,
    /// Its size.
    pub bytes: i64,
}

#[derive(QueryableByName)]
struct BackupRow {
    #[diesel(sql_type = Timestamp)]
    taken_at: chrono::NaiveDateTime,
    #[diesel(sql_type = Text)]
    file: String,
    #[diesel(sql_type = Text)]
    sha256: String,
    #[diesel(sql_type = BigInt)]
    bytes: i64,
}

/// Records a backup in the database it copied (for `doctor`).
pub fn record_backup(conn: &mut DbConn, file: &str, sha256: &str, bytes: u64) -> Result<(), DbError> {
    let q = match conn {
        DbConn::Sqlite(_) => "INSERT INTO backups (taken_at, file, sha256, bytes) VALUES (?, ?, ?, ?)",
        DbConn::Pg(_) => "INSERT INTO backups (taken_at, file, sha256, bytes) VALUES ($1, $2, $3, $4)",
    };
    let file: String = file.chars().take(1000).collect();
    diesel::sql_query(q)
        .bind::<Timestamp, _>(crate::time::now().naive_utc())
        .bind::<Text, _>(file)
        .bind::<Text, _>(sha256)
        .bind::<BigInt, _>(i64::try_from(bytes).unwrap_or(i64::MAX))
        .execute(conn)?;
    Ok(())
}

/// The last backup recorded, if any.
pub fn last_backup(conn: &mut DbConn) -> Result<Option<Backup>, DbError> {
    if !table_exists(conn, "backups")? {
        return Ok(None);
    }
    let rows: Vec<BackupRow> =
        diesel::sql_query("SELECT taken_at, file, sha256, bytes FROM backups ORDER BY id DESC LIMIT 1").load(conn)?;
    Ok(rows.into_iter().next().map(|r| Backup { taken_at: r.taken_at, file: r.file, sha256: r.sha256, bytes: r.bytes }))
}

#[derive(QueryableByName)]
struct SizeRow {
    #[diesel(sql_type = Nullable<BigInt>)]
    n: Option<i64>,
}

/// The size of the data in bytes: the SQLite file with its WAL, or
/// PostgreSQL's `pg_database_size`.
pub fn data_size(conn: &mut DbConn, url: &DbUrl) -> Result<u64, DbError> {
    match url {
        DbUrl::Sqlite(path) => {
            let mut total = 0;
            for suffix in ["", "-wal"] {
                let mut p = path.as_os_str().to_owned();
                p.push(suffix);
                total += std::fs::metadata(PathBuf::from(p)).map(|m| m.len()).unwrap_or(0);
            }
            Ok(total)
        }
        DbUrl::Postgres(_) => {
            let rows: Vec<SizeRow> =
                diesel::sql_query("SELECT pg_database_size(current_database())::BIGINT AS n").load(conn)?;
            Ok(rows.first().and_then(|r| r.n).map_or(0, |n| u64::try_from(n).unwrap_or(0)))
        }
    }
}

/// Creates a scratch database on the PostgreSQL server (for checking a
/// dump). `name` must be a plain identifier (letters, digits, `_`).
pub fn create_database(conn: &mut DbConn, name: &str) -> Result<(), DbError> {
    plain_identifier(name)?;
    conn.batch_execute(&format!("CREATE DATABASE {name}"))?;
    Ok(())
}

/// Drops a scratch database made by [`create_database`], cutting its
/// connections.
pub fn drop_database(conn: &mut DbConn, name: &str) -> Result<(), DbError> {
    plain_identifier(name)?;
    conn.batch_execute(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"))?;
    Ok(())
}

fn plain_identifier(name: &str) -> Result<(), DbError> {
    if name.is_empty() || !name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_') {
        return Err(DbError::Invalid(format!("{name:?} is not a plain database name")));
    }
    Ok(())
}

/// A PostgreSQL URL split for the command-line tools: the URL without its
/// password (for the argument list, which other users of the machine can
/// read) and the password (percent-decoded, for `PGPASSWORD`).
pub fn split_password(url: &str) -> (String, Option<String>) {
    let Some(start) = url.find("://").map(|i| i + 3) else { return (url.to_owned(), None) };
    let end = url[start..].find(['?', '/']).map_or(url.len(), |i| start + i);
    let authority = &url[start..end];
    let Some(at) = authority.rfind('@') else { return (url.to_owned(), None) };
    let userinfo = &authority[..at];
    let Some(colon) = userinfo.find(':') else { return (url.to_owned(), None) };
    let password = percent_decode(&userinfo[colon + 1..]);
    let without = format!("{}{}{}", &url[..start + colon], &authority[at..], &url[end..]);
    (without, Some(password))
}

/// The same server with another database name in the URL's path.
pub fn with_database(url: &str, name: &str) -> String {
    let after_scheme = url.find("://").map_or(0, |i| i + 3);
    let (base, query) = match url.find('?') {
        Some(q) => (&url[..q], &url[q..]),
        None => (url, ""),
    };
    let host_end = base[after_scheme..].find('/').map_or(base.len(), |i| after_scheme + i);
    format!("{}/{name}{query}", &base[..host_end])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn passwords_are_split_off_for_the_tools() {
        assert_eq!(
            split_password("postgres://app:s%40cret@db:5432/hyoka?sslmode=require"),
            ("postgres://app@db:5432/hyoka?sslmode=require".to_owned(), Some("s@cret".to_owned()))
        );
        assert_eq!(split_password("postgres://app@db/hyoka"), ("postgres://app@db/hyoka".to_owned(), None));
        assert_eq!(split_password("postgres://db/hyoka"), ("postgres://db/hyoka".to_owned(), None));
        assert_eq!(with_database("postgres://u@h:5432/a?x=1", "b"), "postgres://u@h:5432/b?x=1");
        assert_eq!(with_database("postgres://u@h:5432/postgres", "x"), "postgres://u@h:5432/x");
        assert_eq!(with_database("postgres://u@h", "x"), "postgres://u@h/x");
        assert_eq!(with_database("postgres://u@h/db?sslmode=disable", "x"), "postgres://u@h/x?sslmode=disable");
    }
}
