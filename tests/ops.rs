//! Operations, end to end with the `hyoka` binary (docs/operations.md), on
//! SQLite and PostgreSQL:
//!
//! - a backup under concurrent uploads: the uploads keep succeeding, the
//!   copy passes every check, and restored into an empty database it holds
//!   every upload answered 201 before the copy began;
//! - a restore over a database that holds data is refused (and `--force`
//!   replaces it);
//! - an older binary refuses a newer schema, and runs against an expanded one;
//! - a graceful stop with an upload in flight: it finishes (201), a new one
//!   gets 503 `shutting_down`, `/readyz` 503, exit 0;
//! - `X-Forwarded-For` and `-Proto` ignored from an untrusted peer and
//!   honoured from a trusted proxy (login counters, request log, cookie);
//! - `doctor` on a healthy database;
//! - PostgreSQL only: a rolling restart of one of two replicas while the
//!   other keeps answering.

mod common;

#[allow(dead_code, reason = "shared with tests/api.rs; this file uses a part")]
#[path = "api/client.rs"]
mod client;
#[allow(dead_code, reason = "shared with tests/api.rs; this file uses a part")]
#[path = "api/fixtures.rs"]
mod fixtures;

use std::collections::BTreeSet;
use std::io::{Read, Write};
use std::net::TcpStream;
use std::path::Path;
use std::process::Output;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use client::{Api, request};
use common::{hyoka, wait_for, workdir};
use fixtures::{company, ok, sheet_json, token, user, user_with_password};
use hyoka_model::both_backends;
use hyoka_model::db::ops::{self, SchemaVersion};
use hyoka_model::db::testing::TestDb;
use hyoka_model::db::users::Account;
use hyoka_model::db::{DbConn, companies, integrity};
use hyoka_model::domain::Level;

const YEAR: i32 = 2025;

fn admin_token(conn: &mut DbConn) -> String {
    let admin = user(conn, "ops-admin", Account::Admin);
    token(conn, admin.id)
}

fn upload(api: Api, token: &str, code: &str) -> client::Resp {
    let sheet = sheet_json(code, &format!("株式会社{code}"), YEAR, |_, _| {});
    request(api.addr, "POST", "/api/v1/submissions/json", Some(token), Some("application/json"), &sheet)
}

fn run(db_url: &str, dir: &Path, args: &[&str]) -> Output {
    hyoka(db_url, dir).args(args).output().unwrap_or_else(|e| panic!("{e}"))
}

fn text(out: &Output) -> String {
    format!("{}\n{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr))
}

/// A second, empty database of the same backend (`None`: PostgreSQL skipped).
fn empty_like(db: &TestDb) -> Option<TestDb> {
    match db.url.backend() {
        hyoka_model::db::Backend::Sqlite => Some(TestDb::sqlite_empty()),
        hyoka_model::db::Backend::Postgres => TestDb::postgres_empty(),
    }
}

fn backup_file(db: &TestDb, dir: &Path) -> std::path::PathBuf {
    match db.url.backend() {
        hyoka_model::db::Backend::Sqlite => dir.join("backup.db"),
        hyoka_model::db::Backend::Postgres => dir.join("backup.dump"),
    }
}

fn codes_with_sheets(conn: &mut DbConn) -> BTreeSet<String> {
    use diesel::prelude::*;
    use hyoka_model::db::schema::{companies as c, submissions as s};
    let codes: Vec<String> =
        ok(s::table.inner_join(c::table).select(c::code).distinct().load::<String>(conn).map_err(|e| e.to_string()));
    codes.into_iter().collect()
}

fn backup_under_concurrent_uploads_holds_every_answered_upload(db: &TestDb) {
    let dir = workdir();
    let companies_n = 40;
    let tok = {
        let mut conn = db.conn();
        for i in 0..companies_n {
            company(&mut conn, &format!("OPS-{i:03}"), &format!("株式会社OPS-{i:03}"), Level::Lv1);
        }
        admin_token(&mut conn)
    };
    let server = client::serve(&db.url_string(), dir.path(), &[]);
    let api = server.api;
    let answered: Arc<Mutex<Vec<String>>> = Arc::default();
    let stop = Arc::new(AtomicBool::new(false));
    let uploader = {
        let (answered, stop, tok) = (Arc::clone(&answered), Arc::clone(&stop), tok.clone());
        std::thread::spawn(move || {
            let mut statuses = Vec::new();
            for i in 0..companies_n {
                if stop.load(Ordering::SeqCst) {
                    break;
                }
                let code = format!("OPS-{i:03}");
                let r = upload(api, &tok, &code);
                statuses.push((code.clone(), r.status, r.body.chars().take(300).collect::<String>()));
                if r.status == 201 {
                    answered.lock().unwrap_or_else(std::sync::PoisonError::into_inner).push(code);
                }
            }
            statuses
        })
    };
    // Some uploads answered, then the copy begins while the others go on.
    let deadline = Instant::now() + Duration::from_secs(120);
    while answered.lock().unwrap_or_else(std::sync::PoisonError::into_inner).len() < 3 {
        assert!(Instant::now() < deadline, "no upload answered");
        std::thread::sleep(Duration::from_millis(20));
    }
    let before: BTreeSet<String> =
        answered.lock().unwrap_or_else(std::sync::PoisonError::into_inner).iter().cloned().collect();
    let file = backup_file(db, dir.path());
    let out = run(&db.url_string(), dir.path(), &["admin", "backup", "--to", &file.display().to_string()]);
    let after_copy = answered.lock().unwrap_or_else(std::sync::PoisonError::into_inner).len();
    assert!(out.status.success(), "{}", text(&out));
    let printed = text(&out);
    assert!(printed.contains("checks on the copy passed"), "{printed}");
    let (sha, _) = ok(ops::sha256_file(&file));
    assert!(printed.contains(&format!("sha256: {sha}")), "{printed}");
    let sums = ok(std::fs::read_to_string(format!("{}.sha256", file.display())));
    assert!(sums.starts_with(&sha), "{sums}");
    // The uploads kept succeeding, during the copy and after it.
    let statuses = uploader.join().unwrap_or_else(|_| panic!("uploader panicked"));
    stop.store(true, Ordering::SeqCst);
    for (code, status, body) in &statuses {
        assert_eq!(*status, 201, "{code}: {body}");
    }
    assert_eq!(statuses.len(), companies_n, "every upload was sent");
    assert!(after_copy >= before.len());
    assert!(before.len() < companies_n, "the copy began while uploads were still coming");
    // The backup is recorded for doctor.
    let mut conn = db.conn();
    let last = ok(ops::last_backup(&mut conn)).unwrap_or_else(|| panic!("no backup recorded"));
    assert_eq!(last.sha256, sha);
    drop(conn);
    drop(server);
    // Restored into an empty database: every upload answered before the copy began.
    let Some(target) = empty_like(db) else { return };
    let out = run(&target.url_string(), dir.path(), &["admin", "restore", "--from", &file.display().to_string()]);
    assert!(out.status.success(), "{}", text(&out));
    assert!(text(&out).contains("checks passed"), "{}", text(&out));
    let mut restored = target.conn();
    let held = codes_with_sheets(&mut restored);
    let missing: Vec<&String> = before.difference(&held).collect();
    assert!(missing.is_empty(), "answered before the copy began but not in it: {missing:?}");
    assert!(ok(integrity::check(&mut restored)).is_empty());
    assert!(ok(hyoka_model::db::summaries::verify(&mut restored)).is_empty());
    assert!(ok(ops::check_all(&mut restored)).is_empty());
    // doctor on the restored database: healthy.
    let out = run(&target.url_string(), dir.path(), &["admin", "doctor"]);
    assert!(out.status.success(), "{}", text(&out));
    assert!(text(&out).contains("healthy"), "{}", text(&out));
}

fn a_restore_over_data_is_refused_unless_forced(db: &TestDb) {
    let dir = workdir();
    {
        let mut conn = db.conn();
        company(&mut conn, "SRC-1", "株式会社元", Level::Lv1);
    }
    let file = backup_file(db, dir.path());
    let out = run(&db.url_string(), dir.path(), &["admin", "backup", "--to", &file.display().to_string()]);
    assert!(out.status.success(), "{}", text(&out));
    // The same file again: refused, the first one kept.
    let again = run(&db.url_string(), dir.path(), &["admin", "backup", "--to", &file.display().to_string()]);
    assert!(!again.status.success() && text(&again).contains("exists"), "{}", text(&again));
    let Some(target) = TestDb::new(db.url.backend()) else { return };
    {
        let mut conn = target.conn();
        company(&mut conn, "DST-1", "株式会社先", Level::Lv1);
    }
    let from = file.display().to_string();
    let out = run(&target.url_string(), dir.path(), &["admin", "restore", "--from", &from]);
    assert_eq!(out.status.code(), Some(1), "{}", text(&out));
    let said = text(&out);
    assert!(said.contains("holds data") && said.contains("データがある") && said.contains("--force"), "{said}");
    let mut conn = target.conn();
    assert!(ok(companies::by_code(&mut conn, "DST-1")).is_some(), "nothing changed");
    assert!(ok(companies::by_code(&mut conn, "SRC-1")).is_none(), "nothing restored");
    drop(conn);
    let out = run(&target.url_string(), dir.path(), &["admin", "restore", "--from", &from, "--force"]);
    assert!(out.status.success(), "{}", text(&out));
    let mut conn = target.conn();
    assert!(ok(companies::by_code(&mut conn, "SRC-1")).is_some(), "restored");
    assert!(ok(companies::by_code(&mut conn, "DST-1")).is_none(), "replaced");
    assert!(ok(ops::check_all(&mut conn)).is_empty());
    // Not a backup at all: refused, nothing changed.
    let junk = dir.path().join("junk.bin");
    ok(std::fs::write(&junk, b"not a backup"));
    let out = run(&target.url_string(), dir.path(), &["admin", "restore", "--from", &junk.display().to_string()]);
    assert!(!out.status.success(), "{}", text(&out));
    assert!(ok(companies::by_code(&mut conn, "SRC-1")).is_some());
}

fn an_older_binary_refuses_a_newer_schema(db: &TestDb) {
    let dir = workdir();
    let mut conn = db.conn();
    let v = ok(ops::schema_version(&mut conn)).unwrap_or_else(|| panic!("no schema_version row"));
    assert_eq!(v, SchemaVersion { version: ops::SCHEMA_VERSION, oldest_reader: ops::OLDEST_READER });
    // A newer release expanded the schema: this binary still runs against it.
    let expanded = SchemaVersion { version: ops::SCHEMA_VERSION + 1, oldest_reader: ops::SCHEMA_VERSION };
    ok(ops::set_schema_version(&mut conn, expanded));
    let mut cmd = hyoka(&db.url_string(), dir.path());
    cmd.args(["serve", "--bind", "127.0.0.1:0"]);
    let mut server = common::start(cmd, Duration::from_secs(60));
    assert_eq!(server.get("/readyz").0, 200);
    assert!(server.terminate(Duration::from_secs(10)).is_some_and(|s| s.success()));
    assert_eq!(ok(ops::schema_version(&mut conn)), Some(expanded), "never lowered");
    // A release later it contracted: this binary refuses, changing nothing.
    let contracted = SchemaVersion { version: ops::SCHEMA_VERSION + 2, oldest_reader: ops::SCHEMA_VERSION + 2 };
    ok(ops::set_schema_version(&mut conn, contracted));
    for args in [&["serve", "--bind", "127.0.0.1:0"][..], &["migrate"][..]] {
        let mut child = hyoka(&db.url_string(), dir.path())
            .args(args)
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped())
            .spawn()
            .unwrap_or_else(|e| panic!("{e}"));
        let status = wait_for(&mut child, Duration::from_secs(60));
        let mut err = String::new();
        if let Some(mut e) = child.stderr.take() {
            let _ = e.read_to_string(&mut err);
        }
        assert!(status.is_some_and(|s| !s.success()), "{args:?} must refuse: {status:?} {err}");
        assert!(err.contains("newer than this hyoka") && err.contains("より新しい"), "{err}");
    }
    assert_eq!(ok(ops::schema_version(&mut conn)), Some(contracted));
    // doctor says so.
    let out = run(&db.url_string(), dir.path(), &["admin", "doctor"]);
    assert_eq!(out.status.code(), Some(1), "{}", text(&out));
    assert!(text(&out).contains("newer than this hyoka"), "{}", text(&out));
}

fn a_graceful_stop_finishes_the_upload_in_flight(db: &TestDb) {
    let dir = workdir();
    let (tok, sheet) = {
        let mut conn = db.conn();
        company(&mut conn, "GS-1", "株式会社停止", Level::Lv1);
        company(&mut conn, "GS-2", "株式会社後発", Level::Lv1);
        (admin_token(&mut conn), sheet_json("GS-1", "株式会社停止", YEAR, |_, _| {}))
    };
    let mut server = client::serve(&db.url_string(), dir.path(), &[("HYOKA_SERVER_SHUTDOWN_TIMEOUT_SECS", "9")]);
    let api = server.api;
    // The upload in flight: its body half sent.
    let mut slow = TcpStream::connect(api.addr).unwrap_or_else(|e| panic!("{e}"));
    slow.set_read_timeout(Some(Duration::from_secs(30))).unwrap_or_else(|e| panic!("{e}"));
    let head = format!(
        "POST /api/v1/submissions/json HTTP/1.1\r\nHost: t\r\nAuthorization: Bearer {tok}\r\n\
         Content-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
        sheet.len()
    );
    let half = sheet.len() / 2;
    ok(slow.write_all(head.as_bytes()));
    ok(slow.write_all(&sheet[..half]));
    std::thread::sleep(Duration::from_millis(300));
    common::signal(&server.running.child, "TERM");
    std::thread::sleep(Duration::from_millis(300));
    // Draining: not ready, and a new upload is refused in both languages.
    let (status, body) = server.running.get("/readyz");
    assert_eq!(status, 503, "{body}");
    let r = upload(api, &tok, "GS-2");
    assert_eq!(r.status, 503, "{}", r.body);
    assert_eq!(r.json()["error"], "shutting_down");
    let message = r.json()["message"].as_str().unwrap_or_default().to_owned();
    assert!(message.contains("stopping") && message.contains("停止処理中"), "{message}");
    assert!(r.header("retry-after").is_some(), "{}", r.headers);
    // The upload in flight finishes and is answered 201.
    ok(slow.write_all(&sheet[half..]));
    let mut answer = Vec::new();
    let _ = slow.read_to_end(&mut answer);
    let answer = String::from_utf8_lossy(&answer).into_owned();
    assert!(answer.starts_with("HTTP/1.1 201"), "{answer}");
    let exit = wait_for(&mut server.running.child, Duration::from_secs(10));
    assert!(exit.is_some_and(|s| s.success()), "{exit:?}");
    let mut conn = db.conn();
    let held = codes_with_sheets(&mut conn);
    assert!(held.contains("GS-1") && !held.contains("GS-2"), "{held:?}");
    assert!(ok(integrity::check(&mut conn)).is_empty());
}

fn failed_login(api: Api, forwarded_for: &str, proto: &str) -> String {
    let body = br#"{"login":"proxied","password":"wrong-password-1"}"#;
    let mut s = TcpStream::connect(api.addr).unwrap_or_else(|e| panic!("{e}"));
    s.set_read_timeout(Some(Duration::from_secs(20))).unwrap_or_else(|e| panic!("{e}"));
    let head = format!(
        "POST /api/v1/login HTTP/1.1\r\nHost: t\r\nContent-Type: application/json\r\nContent-Length: {}\r\n\
         X-Forwarded-For: {forwarded_for}\r\nX-Forwarded-Proto: {proto}\r\nConnection: close\r\n\r\n",
        body.len()
    );
    ok(s.write_all(head.as_bytes()));
    ok(s.write_all(body));
    let mut answer = String::new();
    let _ = s.read_to_string(&mut answer);
    answer
}

fn login_page_cookie(api: Api, proto: &str) -> String {
    let mut s = TcpStream::connect(api.addr).unwrap_or_else(|e| panic!("{e}"));
    s.set_read_timeout(Some(Duration::from_secs(20))).unwrap_or_else(|e| panic!("{e}"));
    let head = format!(
        "GET /ui/login HTTP/1.1\r\nHost: t\r\nX-Forwarded-For: 203.0.113.9\r\nX-Forwarded-Proto: {proto}\r\n\
         Connection: close\r\n\r\n"
    );
    ok(s.write_all(head.as_bytes()));
    let mut answer = String::new();
    let _ = s.read_to_string(&mut answer);
    answer.lines().find(|l| l.to_ascii_lowercase().starts_with("set-cookie:")).unwrap_or_default().to_owned()
}

fn login_keys(conn: &mut DbConn) -> Vec<String> {
    use diesel::prelude::*;
    use hyoka_model::db::schema::login_attempts as la;
    ok(la::table.select(la::login_key).order(la::login_key).load::<String>(conn).map_err(|e| e.to_string()))
}

fn forwarded_headers_count_only_from_a_trusted_proxy(db: &TestDb) {
    let dir = workdir();
    {
        let mut conn = db.conn();
        user_with_password(&mut conn, "proxied", Account::Reviewer, "right-password-1");
    }
    // No trusted proxy (the default): the headers are ignored.
    let server = client::serve(&db.url_string(), dir.path(), &[]);
    let answer = failed_login(server.api, "203.0.113.9", "https");
    assert!(answer.starts_with("HTTP/1.1 401"), "{answer}");
    let mut conn = db.conn();
    let keys = login_keys(&mut conn);
    assert!(keys.iter().any(|k| k == "address 127.0.0.1"), "{keys:?}");
    assert!(!keys.iter().any(|k| k.contains("203.0.113.9")), "a forged X-Forwarded-For was believed: {keys:?}");
    let cookie = login_page_cookie(server.api, "http");
    assert!(cookie.contains("__Host-hyoka_login") && cookie.contains("Secure"), "the setting decides: {cookie}");
    std::thread::sleep(Duration::from_millis(200));
    let log = ok(std::fs::read_to_string(&server.log));
    assert!(log.contains("127.0.0.1 POST /api/v1/login"), "{log}");
    assert!(!log.contains("203.0.113.9"), "{log}");
    drop(server);
    // 127.0.0.1 trusted: the client is the forwarded address, the cookie follows the scheme.
    let env = [("HYOKA_SERVER_TRUSTED_PROXIES", "127.0.0.1/32")];
    let server = client::serve(&db.url_string(), dir.path(), &env);
    let answer = failed_login(server.api, "198.51.100.1, 203.0.113.9", "https");
    assert!(answer.starts_with("HTTP/1.1 401"), "{answer}");
    let keys = login_keys(&mut conn);
    assert!(keys.iter().any(|k| k == "address 203.0.113.9"), "{keys:?}");
    assert!(!keys.iter().any(|k| k.contains("198.51.100.1")), "only the right-most untrusted hop: {keys:?}");
    let cookie = login_page_cookie(server.api, "http");
    assert!(cookie.contains("hyoka_login=") && !cookie.contains("Secure") && !cookie.contains("__Host-"), "{cookie}");
    let cookie = login_page_cookie(server.api, "https");
    assert!(cookie.contains("__Host-hyoka_login") && cookie.contains("Secure"), "{cookie}");
    std::thread::sleep(Duration::from_millis(200));
    let log = ok(std::fs::read_to_string(&server.log));
    assert!(log.contains("203.0.113.9 POST /api/v1/login"), "{log}");
}

both_backends!(
    backup_under_concurrent_uploads_holds_every_answered_upload,
    a_restore_over_data_is_refused_unless_forced,
    an_older_binary_refuses_a_newer_schema,
    a_graceful_stop_finishes_the_upload_in_flight,
    forwarded_headers_count_only_from_a_trusted_proxy,
);

/// Two replicas on one PostgreSQL database: one is stopped and started again
/// (as in an upgrade, against a schema a newer release expanded) while the
/// other answers every request. PostgreSQL only; skipped visibly without it.
#[test]
fn rolling_restart_of_one_replica_while_the_other_answers() {
    let Some(db) = TestDb::postgres() else { return };
    let dir = workdir();
    let (tok, company_id) = {
        let mut conn = db.conn();
        let c = company(&mut conn, "RU-1", "株式会社更新", Level::Lv1);
        (admin_token(&mut conn), c.id)
    };
    let mut a = client::serve(&db.url_string(), dir.path(), &[]);
    let b = client::serve(&db.url_string(), dir.path(), &[]);
    let stop = Arc::new(AtomicBool::new(false));
    let poller = {
        let (stop, tok, api) = (Arc::clone(&stop), tok.clone(), b.api);
        std::thread::spawn(move || {
            let mut answers = Vec::new();
            while !stop.load(Ordering::SeqCst) {
                answers.push(api.get("/api/v1/companies", Some(&tok)).status);
                answers.push(api.get("/readyz", None).status);
                std::thread::sleep(Duration::from_millis(20));
            }
            answers
        })
    };
    // The upgrade: A stops gracefully, a newer release expands the schema, A starts again.
    assert!(a.running.terminate(Duration::from_secs(10)).is_some_and(|s| s.success()));
    {
        let mut conn = db.conn();
        let expanded = SchemaVersion { version: ops::SCHEMA_VERSION + 1, oldest_reader: ops::OLDEST_READER };
        ok(ops::set_schema_version(&mut conn, expanded));
    }
    std::thread::sleep(Duration::from_millis(300));
    a = client::serve(&db.url_string(), dir.path(), &[]);
    assert_eq!(a.api.get("/readyz", None).status, 200);
    upload(a.api, &tok, "RU-1").expect(201);
    std::thread::sleep(Duration::from_millis(300));
    stop.store(true, Ordering::SeqCst);
    let answers = poller.join().unwrap_or_else(|_| panic!("poller panicked"));
    assert!(answers.len() >= 10, "{answers:?}");
    assert!(answers.iter().all(|s| *s == 200), "B failed while A restarted: {answers:?}");
    // B sees what A stored.
    let page = b.api.get("/api/v1/submissions?fiscal_year=2025", Some(&tok)).expect(200).json();
    assert_eq!(page["total"], 1, "{page}");
    assert_eq!(page["items"][0]["company_id"], company_id, "{page}");
}
