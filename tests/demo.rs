//! End to end: `hyoka demo` fills the database one submission per
//! transaction, survives SIGKILL at any moment, stops on SIGTERM while
//! generating, serves what it made, and never mixes into real data.

mod common;

use std::time::{Duration, Instant};

use common::{hyoka, start, wait_for, workdir};
use hyoka_model::both_backends;
use hyoka_model::db::testing::TestDb;
use hyoka_model::db::{DbConn, companies, integrity, submissions};
use hyoka_model::workflow::Actor;

/// 40 companies × 3 fiscal years.
const DEMO_SUBMISSIONS: i64 = 120;

fn count(conn: &mut DbConn) -> i64 {
    submissions::count(conn).unwrap_or_else(|e| panic!("{e}"))
}

fn sound(conn: &mut DbConn) {
    let problems = integrity::check(conn).unwrap_or_else(|e| panic!("{e}"));
    assert!(problems.is_empty(), "{problems:?}");
}

/// A small xorshift generator seeded from the clock; the seed is printed so
/// a failure can be replayed with HYOKA_TEST_SEED.
fn rng() -> impl FnMut(u64) -> u64 {
    let mut state = std::env::var("HYOKA_TEST_SEED").ok().and_then(|s| s.parse().ok()).unwrap_or_else(|| {
        std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map(|d| d.as_nanos() as u64).unwrap_or(1)
    }) | 1;
    eprintln!("kill moments seeded with HYOKA_TEST_SEED={state}");
    move |below| {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        state % below.max(1)
    }
}

fn killed_at_random_moments_leaves_whole_submissions_and_the_next_run_completes(db: &TestDb) {
    let dir = workdir();
    let mut conn = db.conn();
    let mut random = rng();
    let mut landed = 0;
    for attempt in 0..40 {
        if landed >= 4 {
            break;
        }
        let before = count(&mut conn);
        let target = before + 1 + random(12) as i64;
        let mut child = hyoka(&db.url_string(), dir.path())
            .args(["demo", "--no-serve"])
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .spawn()
            .unwrap_or_else(|e| panic!("{e}"));
        let deadline = Instant::now() + Duration::from_secs(60);
        // Poll until the run has stored `target` submissions, then kill it
        // without warning (SIGKILL), wherever it is.
        while Instant::now() < deadline && count(&mut conn) < target && child.try_wait().ok().flatten().is_none() {
            std::thread::sleep(Duration::from_micros(300));
        }
        let _ = child.kill();
        let _ = child.wait();
        let after = count(&mut conn);
        sound(&mut conn);
        if after > before && after < DEMO_SUBMISSIONS {
            landed += 1;
        } else if after == DEMO_SUBMISSIONS {
            // The run finished before the kill: start again on an empty group.
            eprintln!("attempt {attempt}: the run finished before the kill; starting over");
            drop(conn);
            reset(db);
            conn = db.conn();
        }
    }
    assert!(landed >= 4, "only {landed} kills landed mid-way");
    let out =
        hyoka(&db.url_string(), dir.path()).args(["demo", "--no-serve"]).output().unwrap_or_else(|e| panic!("{e}"));
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    assert_eq!(count(&mut conn), DEMO_SUBMISSIONS);
    sound(&mut conn);
    assert_eq!(companies::list(&mut conn).unwrap_or_else(|e| panic!("{e}")).len(), 40);
}

/// Empties a test database by migrating it down and up again.
fn reset(db: &TestDb) {
    let mut conn = db.conn();
    hyoka_model::db::conn::revert_all(&mut conn).unwrap_or_else(|e| panic!("{e}"));
    drop(conn);
    hyoka_model::db::migrate(&db.url).unwrap_or_else(|e| panic!("{e}"));
}

fn serves_the_demo_group_and_adds_nothing_twice(db: &TestDb) {
    let dir = workdir();
    let mut cmd = hyoka(&db.url_string(), dir.path());
    cmd.args(["demo", "--bind", "127.0.0.1:0"]);
    let mut server = start(cmd, Duration::from_secs(120));
    assert_eq!(server.get("/healthz").0, 200);
    assert_eq!(server.get("/readyz").0, 200);
    let mut conn = db.conn();
    assert_eq!(count(&mut conn), DEMO_SUBMISSIONS);
    sound(&mut conn);
    let exit = server.terminate(Duration::from_secs(10));
    assert!(exit.is_some_and(|s| s.success()), "{exit:?}");
    let out =
        hyoka(&db.url_string(), dir.path()).args(["demo", "--no-serve"]).output().unwrap_or_else(|e| panic!("{e}"));
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(stdout.contains("0 submissions added now, 120 were already there"), "{stdout}");
    assert_eq!(count(&mut conn), DEMO_SUBMISSIONS);
}

fn sigterm_while_generating_stops_within_ten_seconds(db: &TestDb) {
    let dir = workdir();
    let mut child = hyoka(&db.url_string(), dir.path())
        .args(["demo", "--bind", "127.0.0.1:0"])
        .stdout(std::process::Stdio::null())
        .spawn()
        .unwrap_or_else(|e| panic!("{e}"));
    let mut conn = db.conn();
    let deadline = Instant::now() + Duration::from_secs(60);
    while Instant::now() < deadline && count(&mut conn) < 3 {
        std::thread::sleep(Duration::from_micros(300));
    }
    common::signal(&child, "TERM");
    let t = Instant::now();
    let status = wait_for(&mut child, Duration::from_secs(10));
    let _ = child.kill();
    assert!(status.is_some_and(|s| s.success()), "{status:?} after {:?}", t.elapsed());
    sound(&mut conn);
}

fn refuses_a_database_with_real_companies(db: &TestDb) {
    let mut conn = db.conn();
    let real = companies::NewCompany {
        code: "REAL-1".into(),
        name: "株式会社本物".into(),
        industry: None,
        target_level: hyoka_model::domain::Level::Lv1,
        impact_tier: hyoka_model::domain::ImpactTier::new(3).unwrap_or_else(|e| panic!("{e}")),
        is_demo: false,
    };
    hyoka_model::db::writes::create_company(&mut conn, Actor::System, &real).unwrap_or_else(|e| panic!("{e}"));
    let dir = workdir();
    let out =
        hyoka(&db.url_string(), dir.path()).args(["demo", "--no-serve"]).output().unwrap_or_else(|e| panic!("{e}"));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success());
    assert!(stderr.contains("--allow-non-demo") && stderr.contains("デモ以外"), "{stderr}");
    assert_eq!(count(&mut conn), 0);
    let out = hyoka(&db.url_string(), dir.path())
        .args(["demo", "--no-serve", "--allow-non-demo"])
        .output()
        .unwrap_or_else(|e| panic!("{e}"));
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    assert_eq!(count(&mut conn), DEMO_SUBMISSIONS);
}

both_backends!(
    killed_at_random_moments_leaves_whole_submissions_and_the_next_run_completes,
    serves_the_demo_group_and_adds_nothing_twice,
    sigterm_while_generating_stops_within_ten_seconds,
    refuses_a_database_with_real_companies,
);

#[test]
fn the_readme_default_creates_its_sqlite_file_under_data() {
    let dir = workdir();
    let mut cmd = common::hyoka("sqlite://data/hyoka.db", dir.path());
    cmd.env_remove("DATABASE_URL").args(["demo", "--bind", "127.0.0.1:0"]);
    let mut server = start(cmd, Duration::from_secs(120));
    assert_eq!(server.get("/readyz").0, 200);
    assert!(dir.path().join("data/hyoka.db").is_file());
    let exit = server.terminate(Duration::from_secs(10));
    assert!(exit.is_some_and(|s| s.success()));
}
