//! End to end: `hyoka serve` and `hyoka migrate` on SQLite and PostgreSQL.

mod common;

use std::time::{Duration, Instant};

use common::{hyoka, start, wait_for, workdir};
use hyoka_model::both_backends;
use hyoka_model::db::testing::TestDb;

fn serves_health_and_readiness_and_stops_on_sigterm(db: &TestDb) {
    let dir = workdir();
    let mut cmd = hyoka(&db.url_string(), dir.path());
    cmd.args(["serve", "--bind", "127.0.0.1:0"]);
    let mut server = start(cmd, Duration::from_secs(60));
    assert_eq!(server.get("/healthz").0, 200);
    let (status, body) = server.get("/readyz");
    assert_eq!((status, body.as_str()), (200, r#"{"status":"ready"}"#));
    let t = Instant::now();
    let exit = server.terminate(Duration::from_secs(10));
    assert!(exit.is_some_and(|s| s.success()), "exit {exit:?} after {:?}", t.elapsed());
}

fn two_migrations_at_once_on_a_fresh_database_both_succeed(db: &TestDb) {
    let dir = workdir();
    let children: Vec<_> = (0..2)
        .map(|_| {
            let mut cmd = hyoka(&db.url_string(), dir.path());
            cmd.arg("migrate");
            cmd.spawn().unwrap_or_else(|e| panic!("{e}"))
        })
        .collect();
    for mut child in children {
        let status = wait_for(&mut child, Duration::from_secs(60));
        assert!(status.is_some_and(|s| s.success()), "{status:?}");
    }
    let mut conn = db.conn();
    assert!(hyoka_model::db::integrity::check(&mut conn).unwrap_or_else(|e| panic!("{e}")).is_empty());
    let catalog = hyoka_model::db::catalog::load(&mut conn, "jama-japia-2.3").unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(catalog.items.len(), 153);
}

mod sqlite_fresh {
    #[test]
    fn two_migrations_at_once_on_a_fresh_database_both_succeed() {
        super::two_migrations_at_once_on_a_fresh_database_both_succeed(&super::TestDb::sqlite_empty());
    }
}

mod postgres_fresh {
    #[test]
    fn two_migrations_at_once_on_a_fresh_database_both_succeed() {
        if let Some(db) = super::TestDb::postgres_empty() {
            super::two_migrations_at_once_on_a_fresh_database_both_succeed(&db);
        }
    }
}

both_backends!(serves_health_and_readiness_and_stops_on_sigterm);

#[test]
fn readiness_fails_when_postgres_goes_away_while_health_stays_up() {
    let Some(db) = TestDb::postgres() else { return };
    let dir = workdir();
    let mut cmd = hyoka(&db.url_string(), dir.path());
    cmd.args(["serve", "--bind", "127.0.0.1:0"]);
    let server = start(cmd, Duration::from_secs(60));
    assert_eq!(server.get("/readyz").0, 200);
    drop(db); // DROP DATABASE … WITH (FORCE) cuts every connection
    let (status, body) = server.get("/readyz");
    assert_eq!(status, 503, "{body}");
    assert!(body.contains(r#""error":"not_ready""#), "{body}");
    assert_eq!(server.get("/healthz").0, 200);
}

#[test]
fn a_wrong_database_url_is_explained_without_its_password() {
    let dir = workdir();
    for (url, code, want) in [
        ("mysql://root:hunter2@127.0.0.1/x", 2, "unknown scheme"),
        ("postgres://app:hunter2@127.0.0.1:1/x", 1, "postgres://app:***@127.0.0.1:1/x"),
    ] {
        let out = hyoka(url, dir.path()).arg("migrate").output().unwrap_or_else(|e| panic!("{e}"));
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(code), "{stderr}");
        assert!(stderr.contains(want), "{stderr}");
        assert!(!stderr.contains("hunter2"), "password leaked: {stderr}");
    }
}

#[test]
fn a_bad_setting_stops_before_anything_runs() {
    let dir = workdir();
    let out = hyoka("sqlite://data/x.db", dir.path())
        .env("HYOKA_SERVER_BIND", "localhost")
        .arg("serve")
        .output()
        .unwrap_or_else(|e| panic!("{e}"));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(stderr.contains("HYOKA_SERVER_BIND") && stderr.contains("設定エラー"), "{stderr}");
    assert!(!dir.path().join("data").exists(), "nothing is created on a configuration error");
}
