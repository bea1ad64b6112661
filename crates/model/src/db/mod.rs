//! Storage on SQLite (embedded default) or PostgreSQL (for several `hyoka
//! serve` processes), through one diesel `MultiConnection`.
//!
//! - [`conn`]: URLs, connections, the pool, migrations, write transactions;
//! - [`schema`]: the portable schema;
//! - one module per aggregate: [`catalog`], [`companies`], [`users`],
//!   [`submissions`], [`flags`], [`audit`];
//! - [`import`]: storing an uploaded sheet (company matching, department,
//!   revision, size facts) and importing official catalog wording;
//! - [`detection`]: the detector's stored configuration and risk scores;
//!   [`analysis`]: group analysis runs and the flags they raised; [`jobs`]:
//!   the queue of analysis runs every `hyoka serve` process claims from;
//! - for the API: [`tokens`] (API tokens, stored as hashes), [`logins`]
//!   (failed-login counters), [`collections`] (提出依頼 per fiscal year),
//!   [`review`] (flag releases, searches and the submission detail);
//! - [`writes`]: every write that moves a dashboard figure, each ending with
//!   one refresh of the [`summaries`];
//! - [`integrity`]: the checks a database must pass after any crash;
//! - [`ops`]: the schema version, online backups and what `hyoka admin doctor` reports.
//!
//! Functions take `&mut DbConn` and are blocking. Those that change data take
//! an [`Actor`](crate::workflow::Actor), write an audit event in the same
//! transaction, and run in a [`write_tx`] themselves unless
//! their name says they expect the caller's transaction (`*_in_tx`).

/// Runs the same statement on the concrete connection behind a [`DbConn`],
/// for what diesel's `MultiConnection` enum does not offer (batch inserts):
/// `on_each_backend!(conn, c => diesel::insert_into(t).values(rows).execute(c))`.
macro_rules! on_each_backend {
    ($conn:expr, $c:ident => $body:expr) => {
        match $conn {
            $crate::db::DbConn::Pg($c) => $body,
            $crate::db::DbConn::Sqlite($c) => $body,
        }
    };
}

pub mod analysis;
pub mod audit;
pub mod catalog;
pub mod collections;
pub mod companies;
pub mod conn;
pub mod counts;
pub mod dashboards;
pub mod detection;
pub mod export;
mod fixed_sql;
pub mod flags;
pub mod import;
pub mod integrity;
pub mod jobs;
pub mod logins;
pub mod mail;
pub mod ops;
pub mod review;
pub mod schema;
pub mod submissions;
pub mod summaries;
#[cfg(feature = "testing")]
pub mod testing;
pub mod tokens;
pub mod users;
pub mod writes;

pub use conn::{
    Backend, DbConn, DbUrl, Pool, PooledConn, check_writable, migrate, optimize, optimize_due, pending_migrations,
    pool, write_tx,
};
/// diesel's query error, for callers that run their own write transactions.
pub use diesel::result::{DatabaseErrorKind as QueryErrorKind, Error as QueryError};

use crate::error::ParseError;
use crate::workflow::WorkflowError;

/// The long lists (flags, flagged items) count their rows exactly up to
/// this many and then say "10,000+": past it a reviewer narrows the filter
/// rather than reads the figure, and counting a year's 100,000 flags on
/// every page was most of the page's time (docs/performance.md, issue 19).
pub const COUNT_CAP: i64 = 10_000;

/// Where a page of a long list starts: after so many rows (a page number),
/// or after a row's position (a keyset cursor, `after=`), which costs the
/// same on the last page as on the first.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Start<K> {
    /// Skip this many rows.
    Offset(i64),
    /// The rows after this position.
    After(K),
}

/// How many rows match a list's filter: exact up to [`COUNT_CAP`], else at
/// least that many.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
pub struct Total {
    /// The rows counted (at most [`COUNT_CAP`]).
    pub count: i64,
    /// More rows match than were counted.
    pub capped: bool,
}

impl Total {
    /// An exact count.
    pub fn exact(count: i64) -> Total {
        Total { count, capped: false }
    }

    /// From the rows a query read with `LIMIT COUNT_CAP + 1`.
    pub(crate) fn of_read(read: usize) -> Total {
        let read = i64::try_from(read).unwrap_or(i64::MAX);
        Total { count: read.min(COUNT_CAP), capped: read > COUNT_CAP }
    }
}

/// A storage error.
#[derive(Debug, thiserror::Error)]
pub enum DbError {
    /// The database URL or settings are wrong.
    #[error("database configuration: {0}")]
    Config(String),
    /// The database cannot be reached or opened.
    #[error("cannot connect to the database: {0}")]
    Connect(String),
    /// A migration failed.
    #[error("database migration failed: {0}")]
    Migration(String),
    /// A query failed.
    #[error("database error: {0}")]
    Query(#[from] diesel::result::Error),
    /// The thing asked for does not exist.
    #[error("{0} not found")]
    NotFound(String),
    /// A value breaks a rule (duplicate code, wrong answer count, …).
    #[error("{0}")]
    Invalid(String),
    /// The actor may not do this.
    #[error("forbidden: {0}")]
    Forbidden(String),
    /// Someone else changed the row first; reload and retry.
    #[error("conflict: {0}")]
    Conflict(String),
    /// The workflow refuses the move.
    #[error(transparent)]
    Workflow(#[from] WorkflowError),
    /// A stored value no longer parses (should never happen: constraints
    /// guard every column).
    #[error("corrupt stored value: {0}")]
    Corrupt(#[from] ParseError),
}

impl From<crate::limits::TextError> for DbError {
    fn from(e: crate::limits::TextError) -> Self {
        DbError::Invalid(e.to_string())
    }
}

impl DbError {
    /// Whether the database could not take the statement now because another
    /// writer holds it (SQLite's `database is locked` / `busy` after
    /// `busy_timeout`): worth retrying later, not a fault of the request.
    pub fn is_busy(&self) -> bool {
        match self {
            DbError::Query(diesel::result::Error::DatabaseError(_, info)) => {
                let m = info.message();
                m.contains("database is locked")
                    || m.contains("database table is locked")
                    || m.contains("database is busy")
            }
            _ => false,
        }
    }
}

impl From<diesel::r2d2::Error> for DbError {
    fn from(e: diesel::r2d2::Error) -> Self {
        DbError::Connect(e.to_string())
    }
}

/// Seeds what ships with hyoka: the built-in catalog and the detector
/// configuration. Called by [`migrate`].
pub fn seed_builtin(conn: &mut DbConn) -> Result<(), DbError> {
    catalog::seed_builtin(conn)?;
    detection::seed_builtin(conn)
}

/// Maps `NotFound` of a lookup by id to a message naming the thing.
pub(crate) fn found<T>(r: Result<T, diesel::result::Error>, what: impl FnOnce() -> String) -> Result<T, DbError> {
    match r {
        Ok(v) => Ok(v),
        Err(diesel::result::Error::NotFound) => Err(DbError::NotFound(what())),
        Err(e) => Err(e.into()),
    }
}
