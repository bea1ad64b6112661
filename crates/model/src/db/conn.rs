//! Connections: the backend is chosen from the `DATABASE_URL` scheme, never by
//! trying each; SQLite connections get their pragmas on acquire; migrations
//! run under a lock so several processes may start at once.

use std::fmt;
use std::path::{Path, PathBuf};
use std::time::Duration;

use diesel::connection::{AnsiTransactionManager, SimpleConnection, TransactionManager};
use diesel::prelude::*;
use diesel::r2d2::{self, ManageConnection};
use diesel_migrations::{EmbeddedMigrations, MigrationHarness, embed_migrations};

use super::DbError;

#[allow(missing_docs, reason = "diesel's MultiConnection derive generates undocumented items")]
mod multi {
    use diesel::{PgConnection, SqliteConnection};

    /// A connection to either backend. Queries are written once against this
    /// enum; the few dialect-specific statements match on it.
    #[derive(diesel::MultiConnection)]
    pub enum DbConn {
        /// PostgreSQL.
        Pg(PgConnection),
        /// SQLite (bundled).
        Sqlite(SqliteConnection),
    }
}
pub use multi::DbConn;

/// The backend type of [`DbConn`], for boxed queries shared by functions.
pub(crate) type Db = <DbConn as Connection>::Backend;

impl DbConn {
    /// Which backend this is.
    pub fn backend(&self) -> Backend {
        match self {
            DbConn::Pg(_) => Backend::Postgres,
            DbConn::Sqlite(_) => Backend::Sqlite,
        }
    }
}

/// The two supported backends.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    /// PostgreSQL, for several `hyoka serve` processes.
    Postgres,
    /// The embedded default.
    Sqlite,
}

/// A parsed `DATABASE_URL`. Its `Display` redacts any password.
#[derive(Clone, PartialEq, Eq)]
pub enum DbUrl {
    /// `postgres://…` or `postgresql://…`, kept verbatim for libpq.
    Postgres(String),
    /// `sqlite://PATH`: everything after `sqlite://` is a file path, relative
    /// to the working directory (`sqlite:///abs/path` is absolute).
    Sqlite(PathBuf),
}

impl DbUrl {
    /// The default database: `sqlite://data/hyoka.db`.
    pub const DEFAULT: &'static str = "sqlite://data/hyoka.db";

    /// Parses a database URL.
    pub fn parse(url: &str) -> Result<DbUrl, DbError> {
        let url = url.trim();
        if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            return Ok(DbUrl::Postgres(url.to_owned()));
        }
        if let Some(path) = url.strip_prefix("sqlite://") {
            if path.is_empty() {
                return Err(DbError::Config(
                    "DATABASE_URL `sqlite://` names no file; write e.g. sqlite://data/hyoka.db".into(),
                ));
            }
            return Ok(DbUrl::Sqlite(PathBuf::from(path)));
        }
        Err(DbError::Config(format!(
            "DATABASE_URL `{}` has an unknown scheme; use postgres://USER@HOST/DB or sqlite://PATH (default {})",
            redact(url),
            DbUrl::DEFAULT
        )))
    }

    /// The backend this URL selects.
    pub fn backend(&self) -> Backend {
        match self {
            DbUrl::Postgres(_) => Backend::Postgres,
            DbUrl::Sqlite(_) => Backend::Sqlite,
        }
    }

    /// Opens one connection, with the real error when it fails.
    pub fn connect(&self) -> Result<DbConn, DbError> {
        match self {
            DbUrl::Postgres(url) => PgConnection::establish(url)
                .map(DbConn::Pg)
                .map_err(|e| DbError::Connect(format!("{self}: {}", redact_in(&e.to_string(), url)))),
            DbUrl::Sqlite(path) => {
                if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
                    std::fs::create_dir_all(dir).map_err(|e| {
                        DbError::Connect(format!("cannot create folder {} for the database: {e}", dir.display()))
                    })?;
                }
                let path_str = path
                    .to_str()
                    .ok_or_else(|| DbError::Config(format!("database path {} is not valid UTF-8", path.display())))?;
                let mut conn =
                    SqliteConnection::establish(path_str).map_err(|e| DbError::Connect(format!("{self}: {e}")))?;
                // busy_timeout before WAL: the other order can fail with "database is locked".
                conn.batch_execute(&format!("PRAGMA busy_timeout = {SQLITE_BUSY_TIMEOUT_MS};"))
                    .map_err(|e| DbError::Connect(format!("{self}: {e}")))?;
                // Switching a brand-new file to WAL needs the file to itself and
                // does not wait on busy_timeout: retry while another process is
                // creating the same database.
                let mut attempts = 0;
                loop {
                    match conn.batch_execute("PRAGMA journal_mode = WAL;") {
                        Ok(()) => break,
                        Err(e) if attempts < 100 && e.to_string().contains("locked") => {
                            attempts += 1;
                            std::thread::sleep(Duration::from_millis(50));
                        }
                        Err(e) => return Err(DbError::Connect(format!("{self}: {e}"))),
                    }
                }
                // Reads through a memory map (no copy per page read) and a
                // 16 MiB page cache per connection: the dashboards and the flag
                // list page through indexes of a large file.
                conn.batch_execute(
                    "PRAGMA synchronous = NORMAL; PRAGMA foreign_keys = ON; \
                     PRAGMA mmap_size = 1073741824; PRAGMA cache_size = -16384;",
                )
                .map_err(|e| DbError::Connect(format!("{self}: {e}")))?;
                Ok(DbConn::Sqlite(conn))
            }
        }
    }
}

impl fmt::Display for DbUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            DbUrl::Postgres(url) => f.write_str(&redact(url)),
            DbUrl::Sqlite(path) => write!(f, "sqlite://{}", path.display()),
        }
    }
}

impl fmt::Debug for DbUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "DbUrl({self})")
    }
}

/// Replaces whatever could be a password in a database URL with `***`,
/// reading the URL as libpq does and erring on the side of hiding:
///
/// - the user information is everything before the **last** `@` of the
///   part before `?` (libpq stops at the first `/` or `@`, so a password
///   holding an unencoded `/` or `@` makes libpq read a different URL; the
///   text up to the last `@` is hidden all the same): the part after its
///   first `:` is hidden, and all of it when it holds a `/`, which no
///   user name can;
/// - every `password` parameter (its name percent-decoded, any case) is
///   hidden;
/// - a text without `scheme://` shows only `***`, and a scheme of other
///   characters than letters, digits, `+`, `-`, `.` is hidden too.
pub fn redact(url: &str) -> String {
    let Some(scheme_end) = url.find("://") else { return "***".to_owned() };
    let scheme = &url[..scheme_end];
    if scheme.is_empty() || !scheme.chars().all(|c| c.is_ascii_alphanumeric() || matches!(c, '+' | '-' | '.')) {
        return "***".to_owned();
    }
    let rest = &url[scheme_end + 3..];
    let (before_query, query) = match rest.find('?') {
        Some(q) => (&rest[..q], Some(&rest[q + 1..])),
        None => (rest, None),
    };
    let mut out = format!("{scheme}://");
    match before_query.rfind('@') {
        Some(at) => {
            let userinfo = &before_query[..at];
            if userinfo.contains('/') {
                out.push_str("***");
            } else if let Some(colon) = userinfo.find(':') {
                out.push_str(&userinfo[..colon]);
                out.push_str(":***");
            } else {
                out.push_str(userinfo);
            }
            out.push_str(&before_query[at..]);
        }
        None => out.push_str(before_query),
    }
    if let Some(query) = query {
        out.push('?');
        let params: Vec<String> = query
            .split('&')
            .map(|param| {
                let (key, _) = param.split_once('=').unwrap_or((param, ""));
                if percent_decode(key).trim().eq_ignore_ascii_case("password") {
                    format!("{key}=***")
                } else {
                    param.to_owned()
                }
            })
            .collect();
        out.push_str(&params.join("&"));
    }
    out
}

/// `%41` → `A`; anything malformed stays as it is.
pub(crate) fn percent_decode(s: &str) -> String {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%'
            && let Some(b) = s.get(i + 1..i + 3).and_then(|h| u8::from_str_radix(h, 16).ok())
        {
            out.push(b);
            i += 3;
            continue;
        }
        out.push(bytes[i]);
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// Removes every occurrence of the URL's password from a message (libpq may
/// echo parts of the connection string, e.g. the "port" it read out of a
/// password holding a `/`).
fn redact_in(message: &str, url: &str) -> String {
    let redacted = redact(url);
    let mut msg = message.replace(url, &redacted);
    for secret in secrets_of(url) {
        msg = msg.replace(&secret, "***");
        for part in secret.split(['/', '@', ':']).filter(|p| p.len() >= 3) {
            msg = msg.replace(part, "***");
        }
    }
    msg
}

/// The texts of a URL that could be its password: the user information
/// after its first `:` (up to the last `@`), raw and percent-decoded, and
/// every `password` parameter's value.
fn secrets_of(url: &str) -> Vec<String> {
    let mut out = Vec::new();
    let Some(start) = url.find("://") else {
        out.push(url.to_owned());
        return out;
    };
    let rest = &url[start + 3..];
    let (before_query, query) = match rest.find('?') {
        Some(q) => (&rest[..q], Some(&rest[q + 1..])),
        None => (rest, None),
    };
    if let Some(at) = before_query.rfind('@') {
        let userinfo = &before_query[..at];
        let pw = userinfo.find(':').map_or(userinfo, |c| &userinfo[c + 1..]);
        out.push(pw.to_owned());
        out.push(percent_decode(pw));
    }
    for param in query.into_iter().flat_map(|q| q.split('&')) {
        if let Some((key, value)) = param.split_once('=')
            && percent_decode(key).trim().eq_ignore_ascii_case("password")
        {
            out.push(value.to_owned());
            out.push(percent_decode(value));
        }
    }
    out.retain(|s| s.len() >= 3);
    out
}

/// The r2d2 connection manager.
#[derive(Debug, Clone)]
pub struct DbManager {
    url: DbUrl,
}

impl ManageConnection for DbManager {
    type Connection = DbConn;
    type Error = DbError;

    fn connect(&self) -> Result<DbConn, DbError> {
        self.url.connect()
    }

    /// Only for a connection that sat idle in the pool (r2d2 does not call
    /// it on checkout: `test_on_check_out(false)` in [`pool`]).
    fn is_valid(&self, conn: &mut DbConn) -> Result<(), DbError> {
        conn.batch_execute("SELECT 1").map_err(DbError::from)
    }

    /// Asked as a connection goes back to the pool: one that was in use
    /// while its thread panicked, or whose transaction state diesel gave up
    /// on, is dropped (the pool opens a fresh one when it needs one). On
    /// PostgreSQL that includes a connection the server closed: libpq then
    /// reports an unknown transaction status after the failed statement,
    /// which diesel records as a broken transaction manager.
    fn has_broken(&self, conn: &mut DbConn) -> bool {
        std::thread::panicking() || r2d2::R2D2Connection::is_broken(conn)
    }
}

/// A pool of connections. Blocking: call it from `web::block` or a blocking
/// thread, never directly on the async runtime.
pub type Pool = r2d2::Pool<DbManager>;
/// A connection checked out of the [`Pool`].
pub type PooledConn = r2d2::PooledConnection<DbManager>;

/// Builds a pool of at most `max_size` connections. Fails when the first
/// connection cannot be made, with the backend's own message.
pub fn pool(url: &DbUrl, max_size: u32) -> Result<Pool, DbError> {
    // Make one connection first so a wrong URL is reported as itself, not as
    // r2d2's "timed out waiting for connection".
    drop(url.connect()?);
    // No `SELECT 1` on every checkout (a round trip per request on
    // PostgreSQL): a broken connection is found by the statement that met it
    // and dropped on its return (`has_broken`), and connections idle for a
    // while are retired by r2d2's idle timeout.
    r2d2::Pool::builder()
        .max_size(max_size.max(1))
        .test_on_check_out(false)
        .idle_timeout(Some(Duration::from_secs(300)))
        .connection_timeout(Duration::from_secs(15))
        .build(DbManager { url: url.clone() })
        .map_err(|e| DbError::Connect(format!("{url}: {e}")))
}

/// How long a SQLite statement waits for another writer before it fails
/// with "database is locked" (answered 503 with `Retry-After`).
const SQLITE_BUSY_TIMEOUT_MS: u32 = 10_000;

pub(crate) const SQLITE_MIGRATIONS: EmbeddedMigrations = embed_migrations!("../../migrations/sqlite");
pub(crate) const PG_MIGRATIONS: EmbeddedMigrations = embed_migrations!("../../migrations/postgres");

/// Refreshes the query planner's statistics after a batch of writes
/// (without them the planner may walk a common flag severity's index and
/// sort a whole year instead of following the year's sheets). SQLite:
/// `ANALYZE` (sampled) when the tables were never analysed, else `PRAGMA
/// optimize`, which re-analyses only tables that changed a lot. PostgreSQL:
/// `VACUUM (ANALYZE)` of the tables the dashboards and lists read, whose
/// summaries and totals are rewritten at every change (autovacuum gets there
/// too, but only minutes after a bulk load).
pub fn optimize(conn: &mut DbConn) -> Result<(), DbError> {
    if let DbConn::Pg(pg) = conn {
        pg.batch_execute(
            "VACUUM (ANALYZE) year_totals, company_year_summaries, companies, submissions, flags, reviews, \
             submission_risk",
        )?;
    }
    if let DbConn::Sqlite(s) = conn {
        #[derive(diesel::QueryableByName)]
        struct N {
            #[diesel(sql_type = diesel::sql_types::BigInt)]
            n: i64,
        }
        let analysed: Vec<N> =
            diesel::sql_query("SELECT COUNT(*) AS n FROM sqlite_schema WHERE type = 'table' AND name = 'sqlite_stat1'")
                .load(s)?;
        let never = analysed.first().is_none_or(|r| r.n == 0);
        s.batch_execute("PRAGMA analysis_limit = 1000;")?;
        s.batch_execute(if never { "ANALYZE;" } else { "PRAGMA optimize;" })?;
        // The lists' tables in full: a sample of 1,000 index rows put the
        // undecided flags (nearly all of them) at 340 per decision, and the
        // planner then walked every undecided flag by the decision index
        // instead of the year's sheets (300 ms instead of 3 ms at 10,000
        // companies). A full pass over these tables takes about 0.1 s per
        // 150,000 flags; the answers stay sampled.
        s.batch_execute(&format!("PRAGMA analysis_limit = 0; {SQLITE_FULL_ANALYZE} PRAGMA analysis_limit = 1000;"))?;
    }
    Ok(())
}

/// Whether a bulk load that has written `written` sheets should
/// [`optimize`] now: at 64, 256, 1,024, 4,096 … sheets (each time the
/// tables have grown fourfold), so the total work stays a fraction of the
/// load's. Without it, PostgreSQL keeps the plans it chose for the load's
/// prepared statements while the tables were empty — a sequential scan of
/// `flags` per sheet, read again for every sheet as the table grows — until
/// an `ANALYZE` invalidates them, which autovacuum may do only minutes
/// later, or never where it is off.
pub fn optimize_due(written: u64) -> bool {
    written >= 64 && written.is_power_of_two() && written.trailing_zeros().is_multiple_of(2)
}

/// The SQLite tables whose statistics are taken in full (see [`optimize`];
/// the migration that added the flag list's indexes takes `flags` and
/// `submissions` in full too).
const SQLITE_FULL_ANALYZE: &str =
    "ANALYZE flags; ANALYZE submissions; ANALYZE company_year_summaries; ANALYZE companies; ANALYZE reviews;";

/// After the migrations: recomputes the folded logins and company codes, and builds the
/// dashboards' summaries when sheets lack them (a database from before
/// summaries existed, or one whose summaries were dropped).
fn summarise_missing(conn: &mut DbConn) -> Result<(), DbError> {
    let refolded = super::users::refold_logins(conn)? + super::companies::refold_codes(conn)?;
    if refolded > 0 {
        tracing::info!(refolded, "folded logins and company codes recomputed");
    }
    let backfilled = super::detection::backfill_weights(conn)?;
    if backfilled > 0 {
        tracing::info!(backfilled, "risk weights kept for the residual risk");
    }
    let missing = super::summaries::missing(conn)?
        + super::summaries::without_residual(conn)?
        + super::summaries::without_scs(conn)?;
    if missing > 0 {
        let n = super::summaries::rebuild_all(conn)?;
        tracing::info!(missing, rebuilt = n, "dashboard summaries rebuilt");
    }
    Ok(())
}

/// An arbitrary key for the PostgreSQL advisory lock held while migrating.
const MIGRATION_LOCK_KEY: i64 = 0x6879_6f6b_6131; // "hyoka1"

/// Runs the pending migrations and seeds the built-in catalogs. Safe to call
/// from several processes at once: PostgreSQL serialises on an advisory lock,
/// SQLite on a lock file beside the database. Returns the versions applied.
pub fn migrate(url: &DbUrl) -> Result<Vec<String>, DbError> {
    // On SQLite, take the lock before even opening the file, so a second
    // process never races the first one creating it.
    let _sqlite_lock = match url {
        DbUrl::Sqlite(path) => Some(lock_file(path)?),
        DbUrl::Postgres(_) => None,
    };
    let mut conn = url.connect()?;
    let applied = match (&mut conn, url) {
        (DbConn::Pg(pg), _) => {
            pg.batch_execute(&format!("SELECT pg_advisory_lock({MIGRATION_LOCK_KEY})"))?;
            let result = super::ops::refuse_newer(&mut conn).and_then(|()| check_before_folded_keys(&mut conn));
            let DbConn::Pg(pg) = &mut conn else { unreachable!("matched as PostgreSQL") };
            let result = result.and_then(|()| {
                pg.run_pending_migrations(PG_MIGRATIONS)
                    .map(|v| v.iter().map(ToString::to_string).collect::<Vec<_>>())
                    .map_err(|e| DbError::Migration(e.to_string()))
            });
            let result = result.and_then(|v| super::seed_builtin(&mut conn).map(|()| v));
            let result = result.and_then(|v| summarise_missing(&mut conn).map(|()| v));
            let result = result.and_then(|v| super::ops::record_schema_version(&mut conn).map(|()| v));
            if let DbConn::Pg(pg) = &mut conn {
                pg.batch_execute(&format!("SELECT pg_advisory_unlock({MIGRATION_LOCK_KEY})"))?;
            }
            result?
        }
        (DbConn::Sqlite(_), DbUrl::Sqlite(_)) => {
            super::ops::refuse_newer(&mut conn)?;
            check_before_folded_keys(&mut conn)?;
            let DbConn::Sqlite(sqlite) = &mut conn else { unreachable!("matched as SQLite") };
            let v = sqlite
                .run_pending_migrations(SQLITE_MIGRATIONS)
                .map(|v| v.iter().map(ToString::to_string).collect::<Vec<_>>())
                .map_err(|e| DbError::Migration(e.to_string()))?;
            super::seed_builtin(&mut conn)?;
            summarise_missing(&mut conn)?;
            super::ops::record_schema_version(&mut conn)?;
            v
        }
        (DbConn::Sqlite(_), DbUrl::Postgres(_)) => {
            return Err(DbError::Config("backend and URL disagree".into()));
        }
    };
    Ok(applied)
}

/// The migration that makes logins and company codes unique after folding.
const FOLDED_KEYS_MIGRATION: &str = "20261201000007";

/// The migrations not yet run on this database (their versions), for
/// `hyoka admin doctor`.
pub fn pending_migrations(conn: &mut DbConn) -> Result<Vec<String>, DbError> {
    match conn {
        DbConn::Pg(pg) => {
            pg.pending_migrations(PG_MIGRATIONS).map(|m| m.iter().map(|m| m.name().version().to_string()).collect())
        }
        DbConn::Sqlite(s) => {
            s.pending_migrations(SQLITE_MIGRATIONS).map(|m| m.iter().map(|m| m.name().version().to_string()).collect())
        }
    }
    .map_err(|e| DbError::Migration(e.to_string()))
}

/// Whether a migration of this version (digits of its folder's date and
/// number) is still to run.
fn pending(conn: &mut DbConn, version: &str) -> Result<bool, DbError> {
    let digits = |v: String| v.chars().filter(char::is_ascii_digit).collect::<String>();
    let names = pending_migrations(conn)?;
    Ok(names.into_iter().map(digits).any(|v| v == version))
}

/// Before the migration that makes logins and company codes unique after
/// NFKC and case folding: refuses, naming them, rows that would collide
/// (`DEMO-ADMIN` beside `demo-admin`, `ＤＥＭＯ－００１` beside `DEMO-001`),
/// instead of letting the migration fail on a unique index. Nothing is
/// migrated until they are renamed.
fn check_before_folded_keys(conn: &mut DbConn) -> Result<(), DbError> {
    use super::schema::{companies, users};
    if !pending(conn, FOLDED_KEYS_MIGRATION)? || pending(conn, "20261128000001")? {
        return Ok(());
    }
    let logins: Vec<String> = users::table.select(users::login).order(users::id).load(conn)?;
    let codes: Vec<String> = companies::table.select(companies::code).order(companies::id).load(conn)?;
    let mut problems = Vec::new();
    for (what, what_ja, values, fold) in [
        ("logins", "ログイン名", logins, super::users::fold_login as fn(&str) -> String),
        ("company codes", "会社コード", codes, super::companies::fold_code as fn(&str) -> String),
    ] {
        let mut by_key: std::collections::BTreeMap<String, Vec<String>> = std::collections::BTreeMap::new();
        for v in values {
            by_key.entry(fold(&v)).or_default().push(v);
        }
        for same in by_key.into_values().filter(|v| v.len() > 1) {
            let list = same.join(", ");
            problems.push(format!(
                "{what} {list} are the same after case and width folding / {what_ja} {list} は大文字・小文字と全角・半角を区別しないと同じです"
            ));
        }
    }
    if problems.is_empty() {
        return Ok(());
    }
    Err(DbError::Migration(format!(
        "rename all but one of each before upgrading; nothing was migrated / \
         アップグレードの前に、それぞれ1つを残して名前を変えてください。何も移行していません:\n{}",
        problems.join("\n")
    )))
}

/// Reverts every migration (tests only check that down undoes up).
pub fn revert_all(conn: &mut DbConn) -> Result<usize, DbError> {
    revert_last(conn, usize::MAX)
}

/// Reverts the `n` newest applied migrations (fewer when fewer are
/// applied): a database as an older release left it, with its data, for
/// tests of an upgrade's backfill.
pub fn revert_last(conn: &mut DbConn, n: usize) -> Result<usize, DbError> {
    let mut done = 0;
    while done < n {
        let applied = match conn {
            DbConn::Pg(pg) => pg.applied_migrations(),
            DbConn::Sqlite(s) => s.applied_migrations(),
        }
        .map_err(|e| DbError::Migration(e.to_string()))?;
        if applied.is_empty() {
            break;
        }
        match conn {
            DbConn::Pg(pg) => pg.revert_last_migration(PG_MIGRATIONS).map(drop),
            DbConn::Sqlite(s) => s.revert_last_migration(SQLITE_MIGRATIONS).map(drop),
        }
        .map_err(|e| DbError::Migration(e.to_string()))?;
        done += 1;
    }
    Ok(done)
}

/// An exclusive lock on `<db>.lock`, released on drop.
fn lock_file(db: &Path) -> Result<std::fs::File, DbError> {
    let mut lock_path = db.as_os_str().to_owned();
    lock_path.push(".migrate-lock");
    if let Some(dir) = db.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir).map_err(|e| DbError::Connect(format!("cannot create {}: {e}", dir.display())))?;
    }
    let file = std::fs::OpenOptions::new()
        .create(true)
        .truncate(false)
        .write(true)
        .open(&lock_path)
        .map_err(|e| DbError::Connect(format!("cannot open {}: {e}", Path::new(&lock_path).display())))?;
    file.lock().map_err(|e| DbError::Connect(format!("cannot lock {}: {e}", Path::new(&lock_path).display())))?;
    Ok(file)
}

/// How long a readiness check waits for SQLite's write lock.
const READY_WRITE_WAIT_MS: u32 = 1000;

/// Whether the database takes writes now: on SQLite, the write lock within
/// a second (`BEGIN IMMEDIATE`, then rolled back; another process holding
/// the file's lock makes this fail); on PostgreSQL, a read-write
/// transaction (refused on a standby in recovery). For `/readyz`.
pub fn check_writable(conn: &mut DbConn) -> Result<(), DbError> {
    match conn {
        DbConn::Sqlite(c) => {
            c.batch_execute(&format!("PRAGMA busy_timeout = {READY_WRITE_WAIT_MS};"))?;
            let tried = c.batch_execute("BEGIN IMMEDIATE; ROLLBACK;");
            let restored = c.batch_execute(&format!("PRAGMA busy_timeout = {SQLITE_BUSY_TIMEOUT_MS};"));
            tried?;
            restored?;
        }
        DbConn::Pg(c) => c.batch_execute("BEGIN READ WRITE; ROLLBACK;")?,
    }
    Ok(())
}

/// How long [`try_write`] waits for a lock on PostgreSQL.
const TRY_WRITE_LOCK_WAIT: &str = "SET LOCAL lock_timeout = '100ms'";

/// Runs `f` in a write transaction that gives up at once when another writer
/// holds the database (SQLite: no `busy_timeout`; PostgreSQL: a short
/// `lock_timeout`): for a write a read makes in passing (a kept count),
/// which must never make the read wait for a long write.
pub(crate) fn try_write<T>(conn: &mut DbConn, f: impl FnOnce(&mut DbConn) -> Result<T, DbError>) -> Result<T, DbError> {
    type Tm = <DbConn as Connection>::TransactionManager;
    if !matches!(Tm::transaction_manager_status_mut(conn).transaction_depth(), Ok(None)) {
        // Inside the caller's transaction its settings and locks are not ours to change.
        return Err(DbError::Conflict("a passing write inside a transaction is skipped".into()));
    }
    match conn {
        DbConn::Sqlite(c) => {
            c.batch_execute("PRAGMA busy_timeout = 0;")?;
            let done = write_tx(conn, f);
            let restored = conn.batch_execute(&format!("PRAGMA busy_timeout = {SQLITE_BUSY_TIMEOUT_MS};"));
            let value = done?;
            restored?;
            Ok(value)
        }
        DbConn::Pg(_) => write_tx(conn, |conn| {
            conn.batch_execute(TRY_WRITE_LOCK_WAIT)?;
            f(conn)
        }),
    }
}

/// Runs `f` in a write transaction. On SQLite the transaction starts with
/// `BEGIN IMMEDIATE`, so two writers queue on `busy_timeout` instead of one
/// failing with "database is locked" when it upgrades a read; on PostgreSQL it
/// is a plain transaction. Rolls back when `f` fails.
pub fn write_tx<T, E>(conn: &mut DbConn, f: impl FnOnce(&mut DbConn) -> Result<T, E>) -> Result<T, E>
where
    E: From<diesel::result::Error>,
{
    match conn {
        DbConn::Sqlite(c) => AnsiTransactionManager::begin_transaction_sql(c, "BEGIN IMMEDIATE")?,
        DbConn::Pg(c) => AnsiTransactionManager::begin_transaction(c)?,
    }
    type Tm = <DbConn as Connection>::TransactionManager;
    match f(conn) {
        Ok(value) => match Tm::commit_transaction(conn) {
            Ok(()) => Ok(value),
            Err(e) => {
                // The commit failed (e.g. a deferred constraint): make sure the
                // transaction is closed before reporting it.
                let _ = Tm::rollback_transaction(conn);
                Err(e.into())
            }
        },
        Err(e) => {
            Tm::rollback_transaction(conn)?;
            Err(e)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_bulk_load_refreshes_statistics_each_time_it_grows_fourfold() {
        let due: Vec<u64> = (0..=20_000).filter(|&n| optimize_due(n)).collect();
        assert_eq!(due, [64, 256, 1_024, 4_096, 16_384]);
    }

    #[test]
    fn urls_pick_their_backend_by_scheme() {
        assert_eq!(DbUrl::parse("sqlite://data/hyoka.db").ok(), Some(DbUrl::Sqlite("data/hyoka.db".into())));
        assert_eq!(DbUrl::parse("sqlite:///var/lib/h.db").ok(), Some(DbUrl::Sqlite("/var/lib/h.db".into())));
        assert!(matches!(DbUrl::parse("postgres://u@h/db"), Ok(DbUrl::Postgres(_))));
        assert!(matches!(DbUrl::parse("postgresql://u@h/db"), Ok(DbUrl::Postgres(_))));
        let err = DbUrl::parse("mysql://root:hunter2@h/db").err().map(|e| e.to_string()).unwrap_or_default();
        assert!(err.contains("unknown scheme"), "{err}");
        assert!(!err.contains("hunter2"), "{err}");
        assert!(DbUrl::parse("sqlite://").is_err());
    }

    #[test]
    fn passwords_never_show() {
        assert_eq!(redact("postgres://app:s3cr%40t@db:5432/hyoka"), "postgres://app:***@db:5432/hyoka");
        assert_eq!(redact("postgres://app@db/hyoka"), "postgres://app@db/hyoka");
        assert_eq!(
            redact("postgres://db/hyoka?user=a&password=xyz&sslmode=require"),
            "postgres://db/hyoka?user=a&password=***&sslmode=require"
        );
        let url = DbUrl::parse("postgres://app:topsecret@db/hyoka").ok();
        assert_eq!(
            url.map(|u| format!("{u} {u:?}")),
            Some("postgres://app:***@db/hyoka DbUrl(postgres://app:***@db/hyoka)".into())
        );
        assert_eq!(
            redact_in("could not connect with topsecret", "postgres://app:topsecret@db/x"),
            "could not connect with ***"
        );
    }

    /// Issue 17: a password holding `/` or an unencoded `@` was printed.
    #[test]
    fn passwords_holding_slashes_or_at_signs_never_show() {
        for (url, shown) in [
            ("postgres://hyoka:pw/secret@127.0.0.1/hyoka", "postgres://***@127.0.0.1/hyoka"),
            ("postgres://hyoka:p@ss@127.0.0.1/hyoka", "postgres://hyoka:***@127.0.0.1/hyoka"),
            ("postgres://hyoka:s3cret@h1:5432,h2:5433/db", "postgres://hyoka:***@h1:5432,h2:5433/db"),
            ("postgres://h/db?Pass%77ord=topsecret", "postgres://h/db?Pass%77ord=***"),
            ("postgres:/hyoka:topsecret@h/db", "***"),
            ("post gres://hyoka:topsecret@h/db", "***"),
        ] {
            assert_eq!(redact(url), shown, "{url}");
        }
        let err = DbUrl::parse("postgre:/hyoka:topsecret@h/db").err().map(|e| e.to_string()).unwrap_or_default();
        assert!(!err.contains("topsecret") && !err.contains("topsec"), "{err}");
        // libpq reads `pw` as the port of host `hyoka` and may say so.
        assert_eq!(
            redact_in(
                "invalid port number: \"pw/secret@127.0.0.1\" secret",
                "postgres://hyoka:pw/secret@127.0.0.1/hyoka"
            ),
            "invalid port number: \"***@127.0.0.1\" ***"
        );
    }
}

/// One `id` column of a raw query's rows.
#[derive(QueryableByName)]
pub(crate) struct IdRow {
    #[diesel(sql_type = diesel::sql_types::BigInt)]
    pub(crate) id: i64,
}

/// Claims one row of a queue table for `worker` (analysis jobs, mails):
/// `update(lock)` is an `UPDATE … WHERE id = (SELECT … LIMIT 1{lock})
/// RETURNING id` written with `$1` = the worker and `$2…` = `times`; on
/// PostgreSQL `lock` is ` FOR UPDATE SKIP LOCKED`, so concurrent claimers
/// pass over a row another is taking, and SQLite's write transaction
/// already lets one writer in at a time. Call it inside [`write_tx`].
pub(crate) fn claim_one(
    conn: &mut DbConn,
    update: impl Fn(&str) -> String,
    worker: &str,
    times: &[chrono::NaiveDateTime],
) -> Result<Option<i64>, DbError> {
    use diesel::sql_types::{Text, Timestamp};
    let rows: Vec<IdRow> = match conn {
        DbConn::Pg(c) => {
            let mut q = diesel::sql_query(update(" FOR UPDATE SKIP LOCKED")).into_boxed().bind::<Text, _>(worker);
            for t in times {
                q = q.bind::<Timestamp, _>(*t);
            }
            q.load(c)?
        }
        DbConn::Sqlite(c) => {
            let mut q = diesel::sql_query(update("").replace('$', "?")).into_boxed().bind::<Text, _>(worker);
            for t in times {
                q = q.bind::<Timestamp, _>(*t);
            }
            q.load(c)?
        }
    };
    Ok(rows.first().map(|r| r.id))
}
