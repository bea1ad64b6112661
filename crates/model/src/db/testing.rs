//! Fresh databases for tests: every test owns its data, so tests run in
//! parallel.
//!
//! - [`TestDb::sqlite`]: a new file in a new temporary folder, removed on drop;
//! - [`TestDb::postgres`]: a new database on the server named by
//!   `HYOKA_TEST_POSTGRES` (default `postgres://postgres@127.0.0.1:5432/postgres`),
//!   dropped on drop. When the server cannot be reached the test is skipped
//!   with a notice on the terminal, except under `CI=true`, where a missing
//!   PostgreSQL fails the test.
//!
//! [`both_backends!`](crate::both_backends) turns one test function into a
//! SQLite and a PostgreSQL test.

use std::io::Write;
use std::path::PathBuf;
use std::sync::atomic::{AtomicU32, Ordering};

use diesel::connection::SimpleConnection;
use diesel::{Connection, PgConnection};

use super::{DbConn, DbUrl};

/// Where the PostgreSQL test server is, unless `HYOKA_TEST_POSTGRES` says.
pub const DEFAULT_TEST_POSTGRES: &str = "postgres://postgres@127.0.0.1:5432/postgres";

static COUNTER: AtomicU32 = AtomicU32::new(0);

fn unique_suffix() -> String {
    let n = COUNTER.fetch_add(1, Ordering::Relaxed);
    let nanos =
        std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map(|d| d.subsec_nanos()).unwrap_or(0);
    format!("{}_{n}_{nanos}", std::process::id())
}

enum Owned {
    Dir(PathBuf),
    PgDatabase { admin_url: String, name: String },
}

/// A database made for one test and removed after it.
pub struct TestDb {
    /// Its URL.
    pub url: DbUrl,
    owned: Owned,
}

impl TestDb {
    /// A fresh, migrated SQLite database in its own temporary folder.
    pub fn sqlite() -> TestDb {
        let db = TestDb::sqlite_empty();
        db.migrate();
        db
    }

    /// A temporary folder for a SQLite database that does not exist yet.
    pub fn sqlite_empty() -> TestDb {
        let dir = std::env::temp_dir().join(format!("hyoka-test-{}", unique_suffix()));
        let url = DbUrl::Sqlite(dir.join("test.db"));
        TestDb { url, owned: Owned::Dir(dir) }
    }

    /// A fresh, migrated PostgreSQL database, or `None` (with a notice) when
    /// no server answers and `CI` is not `true`.
    ///
    /// # Panics
    /// Under `CI=true` when the server cannot be reached.
    pub fn postgres() -> Option<TestDb> {
        let db = TestDb::postgres_empty()?;
        db.migrate();
        Some(db)
    }

    /// Like [`TestDb::postgres`], but the new database is left empty (not
    /// migrated).
    ///
    /// # Panics
    /// Under `CI=true` when the server cannot be reached.
    pub fn postgres_empty() -> Option<TestDb> {
        let admin_url = std::env::var("HYOKA_TEST_POSTGRES").unwrap_or_else(|_| DEFAULT_TEST_POSTGRES.to_owned());
        let mut admin = match PgConnection::establish(&admin_url) {
            Ok(c) => c,
            Err(e) => {
                let msg = format!("PostgreSQL at {} cannot be reached ({e})", super::conn::redact(&admin_url));
                if std::env::var("CI").is_ok_and(|v| v == "true") {
                    panic!("{msg}: under CI=true the PostgreSQL tests must run");
                }
                // Written straight to stderr so the test harness does not hide it.
                let _ = writeln!(std::io::stderr(), "SKIPPED (PostgreSQL test): {msg}");
                return None;
            }
        };
        let name = format!("hyoka_test_{}", unique_suffix());
        if let Err(e) = admin.batch_execute(&format!("CREATE DATABASE {name}")) {
            panic!("cannot create test database {name}: {e}");
        }
        let url = DbUrl::Postgres(super::ops::with_database(&admin_url, &name));
        Some(TestDb { url, owned: Owned::PgDatabase { admin_url, name } })
    }

    /// A fresh database of the given backend (see [`TestDb::postgres`]).
    pub fn new(backend: super::Backend) -> Option<TestDb> {
        match backend {
            super::Backend::Sqlite => Some(TestDb::sqlite()),
            super::Backend::Postgres => TestDb::postgres(),
        }
    }

    fn migrate(&self) {
        if let Err(e) = super::migrate(&self.url) {
            panic!("migrating {}: {e}", self.url);
        }
    }

    /// Runs the migrations older than `version` (the digits of a migration
    /// folder's date and number, `20261201000007`), leaving that one and the
    /// newer pending: a database as an older release left it.
    ///
    /// # Panics
    /// When a migration fails.
    pub fn migrate_before(&self, version: &str) {
        use diesel_migrations::MigrationHarness;
        let mut conn = self.conn();
        let digits = |v: String| v.chars().filter(char::is_ascii_digit).collect::<String>();
        loop {
            let step = match &mut conn {
                DbConn::Pg(pg) => {
                    let next = pg.pending_migrations(super::conn::PG_MIGRATIONS).unwrap_or_else(|e| panic!("{e}"));
                    match next.first() {
                        Some(m) if digits(m.name().version().to_string()).as_str() < version => {
                            pg.run_migration(&**m).map(|_| true)
                        }
                        _ => Ok(false),
                    }
                }
                DbConn::Sqlite(s) => {
                    let next = s.pending_migrations(super::conn::SQLITE_MIGRATIONS).unwrap_or_else(|e| panic!("{e}"));
                    match next.first() {
                        Some(m) if digits(m.name().version().to_string()).as_str() < version => {
                            s.run_migration(&**m).map(|_| true)
                        }
                        _ => Ok(false),
                    }
                }
            };
            match step {
                Ok(true) => {}
                Ok(false) => break,
                Err(e) => panic!("migrating {}: {e}", self.url),
            }
        }
    }

    /// A new connection to it.
    ///
    /// # Panics
    /// When it cannot connect.
    pub fn conn(&self) -> DbConn {
        match self.url.connect() {
            Ok(c) => c,
            Err(e) => panic!("connecting to {}: {e}", self.url),
        }
    }

    /// The URL as a `DATABASE_URL` string.
    pub fn url_string(&self) -> String {
        match &self.url {
            DbUrl::Postgres(u) => u.clone(),
            DbUrl::Sqlite(p) => format!("sqlite://{}", p.display()),
        }
    }
}

impl Drop for TestDb {
    fn drop(&mut self) {
        match &self.owned {
            Owned::Dir(dir) => {
                let _ = std::fs::remove_dir_all(dir);
            }
            Owned::PgDatabase { admin_url, name } => {
                if let Ok(mut admin) = PgConnection::establish(admin_url) {
                    let _ = admin.batch_execute(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"));
                }
            }
        }
    }
}

/// Runs one test function `fn(&TestDb)` against SQLite and PostgreSQL:
/// `both_backends!(stores_a_company, ...)` makes `sqlite::stores_a_company`
/// and `postgres::stores_a_company`.
#[macro_export]
macro_rules! both_backends {
    ($($name:ident),* $(,)?) => {
        mod sqlite {
            $(
                #[test]
                fn $name() {
                    let db = $crate::db::testing::TestDb::sqlite();
                    super::$name(&db);
                }
            )*
        }
        mod postgres {
            $(
                #[test]
                fn $name() {
                    if let Some(db) = $crate::db::testing::TestDb::postgres() {
                        super::$name(&db);
                    }
                }
            )*
        }
    };
}

/// The shipped risk weights (`config/detector.toml`'s `[risk]`), for tests
/// that record a risk by hand.
pub const SHIPPED_RISK_WEIGHTS: crate::risk::RiskWeights = crate::risk::RiskWeights::SHIPPED;

/// A company for a test: target level Lv2, impact tier 2, not a demo one.
pub fn company(conn: &mut DbConn, code: &str, name: &str) -> super::companies::Company {
    let new = super::companies::NewCompany {
        code: code.into(),
        name: name.into(),
        industry: None,
        target_level: crate::domain::Level::Lv2,
        impact_tier: crate::domain::ImpactTier::new(2).unwrap_or_else(|e| panic!("{e}")),
        is_demo: false,
    };
    super::writes::create_company(conn, crate::workflow::Actor::System, &new).unwrap_or_else(|e| panic!("{e}"))
}

/// A risk recorded by a test, as if by the shipped detector configuration.
pub fn computed_by_test() -> super::detection::ComputedBy<'static> {
    super::detection::ComputedBy { detector_version: "test", config_hash: "test", weights: &SHIPPED_RISK_WEIGHTS }
}
