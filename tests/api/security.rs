//! Issue 17, security and limits: hardening headers, turns for uploads (503 with
//! `Retry-After`), a capped problem list, no database password in the
//! output of `hyoka migrate`.

use std::io::Write;
use std::net::TcpStream;

use hyoka_model::both_backends;
use hyoka_model::db::testing::TestDb;
use hyoka_model::db::users::Account;
use hyoka_model::domain::Level;
use serde_json::json;

use crate::client;
use crate::common::workdir;
use crate::fixtures::{company, token, user};

fn every_answer_carries_the_hardening_headers(db: &TestDb) {
    let dir = workdir();
    let mut conn = db.conn();
    let admin = user(&mut conn, "adm", Account::Admin);
    let admin = token(&mut conn, admin.id);
    let server = client::serve(&db.url_string(), dir.path(), &[]);
    let api = server.api;
    let me = api.get("/api/v1/me", Some(&admin)).expect(200);
    let missing = api.get("/api/v1/nothing-here", Some(&admin)).expect(404);
    let unauthorised = api.get("/api/v1/me", None).expect(401);
    let login = api.post("/api/v1/login", None, &json!({"login": "adm", "password": "x"})).expect(401);
    for r in [&me, &missing, &unauthorised, &login] {
        assert_eq!(r.header("x-content-type-options").as_deref(), Some("nosniff"), "{}", r.headers);
        assert_eq!(r.header("cache-control").as_deref(), Some("no-store"), "{}", r.headers);
        let csp = r.header("content-security-policy").unwrap_or_default();
        assert!(csp.contains("default-src 'none'") && csp.contains("frame-ancestors 'none'"), "{}", r.headers);
    }
    let health = api.get("/healthz", None).expect(200);
    assert_eq!(health.header("x-content-type-options").as_deref(), Some("nosniff"));
    // The Swagger page does not keep the token in localStorage.
    let init = api.get("/api/docs/swagger-initializer.js", None).expect(200);
    assert!(init.body.contains("\"persistAuthorization\": false"), "{}", init.body);
}

fn an_upload_beyond_the_turns_is_503_with_retry_after(db: &TestDb) {
    let dir = workdir();
    let mut conn = db.conn();
    let c = company(&mut conn, "S-1", "株式会社順番", Level::Lv1);
    let sub = user(&mut conn, "sub-s1", Account::Subsidiary(c.id));
    let sub = token(&mut conn, sub.id);
    let env = [("HYOKA_API_MAX_CONCURRENT_UPLOADS", "1"), ("HYOKA_API_UPLOAD_QUEUE_SECS", "1")];
    let server = client::serve(&db.url_string(), dir.path(), &env);
    // A slow upload takes the only turn: its body never ends.
    let mut slow = TcpStream::connect(server.api.addr).unwrap_or_else(|e| panic!("{e}"));
    let head = format!(
        "POST /api/v1/submissions/json HTTP/1.1\r\nHost: t\r\nAuthorization: Bearer {sub}\r\n\
         Content-Type: application/json\r\nContent-Length: 100000\r\n\r\n{{\"answers\": ["
    );
    slow.write_all(head.as_bytes()).unwrap_or_else(|e| panic!("{e}"));
    std::thread::sleep(std::time::Duration::from_millis(500));
    let r = server.api.upload(Some(&sub), "s.json", b"{}", &[]).expect(503);
    assert_eq!(r.json()["error"], "busy");
    assert_eq!(r.header("retry-after").as_deref(), Some("1"), "{}", r.headers);
    let message = r.json()["message"].as_str().unwrap_or_default().to_owned();
    assert!(message.contains("try again") && message.contains("やり直して"), "{message}");
    drop(slow);
    // The turn comes back: the next upload is read (and refused on its merits).
    std::thread::sleep(std::time::Duration::from_millis(500));
    server.api.upload(Some(&sub), "s.json", b"{}", &[]).expect(422);
}

fn a_slow_body_is_timed_out_and_gives_its_turn_back(db: &TestDb) {
    use std::io::Read;
    let dir = workdir();
    let mut conn = db.conn();
    let c = company(&mut conn, "B-1", "株式会社遅延", Level::Lv1);
    let sub = user(&mut conn, "sub-b1", Account::Subsidiary(c.id));
    let sub = token(&mut conn, sub.id);
    let env = [("HYOKA_API_MAX_CONCURRENT_UPLOADS", "1"), ("HYOKA_API_BODY_TIMEOUT_SECS", "1")];
    let server = client::serve(&db.url_string(), dir.path(), &env);
    let mut slow = TcpStream::connect(server.api.addr).unwrap_or_else(|e| panic!("{e}"));
    slow.set_read_timeout(Some(std::time::Duration::from_secs(20))).unwrap_or_else(|e| panic!("{e}"));
    let head = format!(
        "POST /api/v1/submissions/json HTTP/1.1\r\nHost: t\r\nAuthorization: Bearer {sub}\r\n\
         Content-Type: application/json\r\nContent-Length: 100000\r\n\r\n{{\"answers\": ["
    );
    slow.write_all(head.as_bytes()).unwrap_or_else(|e| panic!("{e}"));
    let started = std::time::Instant::now();
    let mut answer = vec![0u8; 4096];
    let n = slow.read(&mut answer).unwrap_or(0);
    let answer = String::from_utf8_lossy(&answer[..n]).into_owned();
    assert!(answer.starts_with("HTTP/1.1 408"), "{answer}");
    assert!(answer.contains("body_timeout"), "{answer}");
    assert!(started.elapsed() < std::time::Duration::from_secs(10));
    // The turn is free again.
    server.api.upload(Some(&sub), "s.json", b"{}", &[]).expect(422);
    // Every other body has the same deadline: a JSON login, a form of the web UI.
    for (path, content_type, start) in [
        ("/api/v1/login", "application/json", "{\"login\": \"sub-b1\", "),
        ("/ui/login", "application/x-www-form-urlencoded", "login=sub-b1&"),
    ] {
        let mut slow = TcpStream::connect(server.api.addr).unwrap_or_else(|e| panic!("{e}"));
        slow.set_read_timeout(Some(std::time::Duration::from_secs(20))).unwrap_or_else(|e| panic!("{e}"));
        let head = format!(
            "POST {path} HTTP/1.1\r\nHost: t\r\nContent-Type: {content_type}\r\nContent-Length: 1000\r\n\r\n{start}"
        );
        slow.write_all(head.as_bytes()).unwrap_or_else(|e| panic!("{e}"));
        let started = std::time::Instant::now();
        let mut answer = Vec::new();
        let _ = slow.read_to_end(&mut answer);
        let answer = String::from_utf8_lossy(&answer).into_owned();
        assert!(started.elapsed() < std::time::Duration::from_secs(10), "{path}: still open");
        assert!(answer.starts_with("HTTP/1.1 4"), "{path}: {answer}");
        if path.starts_with("/api/") {
            assert!(answer.starts_with("HTTP/1.1 408") && answer.contains("body_timeout"), "{answer}");
        }
    }
}

fn a_refusal_lists_the_first_200_problems_and_counts_all(db: &TestDb) {
    let dir = workdir();
    let mut conn = db.conn();
    let c = company(&mut conn, "P-1", "株式会社問題", Level::Lv1);
    let sub = user(&mut conn, "sub-p1", Account::Subsidiary(c.id));
    let sub = token(&mut conn, sub.id);
    let server = client::serve(&db.url_string(), dir.path(), &[]);
    let answers: Vec<_> = (0..900).map(|_| json!({"item": 1, "evaluation": "bad"})).collect();
    let sheet = json!({"company": {"code": "P-1"}, "fiscal_year": 2025, "answers": answers});
    let r = server.api.upload(Some(&sub), "s.json", sheet.to_string().as_bytes(), &[]).expect(422);
    let body = r.json();
    let listed = body["problems"].as_array().map_or(0, Vec::len);
    let total = body["problems_total"].as_u64().unwrap_or(0);
    assert_eq!(listed, 200, "{}", r.body.len());
    assert!(total > 900, "{total}");
    let counted: u64 = body["problem_counts"].as_object().map_or(0, |m| m.values().filter_map(|v| v.as_u64()).sum());
    assert_eq!(counted, total);
    assert!(r.body.len() < 200_000, "{} bytes", r.body.len());
}

fn unknown_query_parameters_are_refused_everywhere(db: &TestDb) {
    let dir = workdir();
    let mut conn = db.conn();
    let admin = user(&mut conn, "adm", Account::Admin);
    let admin = token(&mut conn, admin.id);
    let server = client::serve(&db.url_string(), dir.path(), &[]);
    let api = server.api;
    for path in [
        "/api/v1/submissions?compnay_id=2",
        "/api/v1/companies?nmae=x",
        "/api/v1/collections?year=2025",
        "/api/v1/audit?entity_idd=1",
        "/api/v1/users?rol=admin",
        "/api/v1/tokens?al=true",
        "/api/v1/me?x=1",
        "/api/v1/companies/1?expand=all",
    ] {
        let r = api.get(path, Some(&admin)).expect(400);
        assert_eq!(r.json()["error"], "invalid_query", "{path}");
        let message = r.json()["message"].as_str().unwrap_or_default().to_owned();
        assert!(message.contains("unknown query parameter") && message.contains("ありません"), "{message}");
    }
    api.get("/api/v1/companies?page=1&per_page=10", Some(&admin)).expect(200);
    api.get("/api/v1/tokens?all=true", Some(&admin)).expect(200);
}

fn users_patch_refuses_what_it_cannot_do_and_keeps_an_admin(db: &TestDb) {
    let dir = workdir();
    let mut conn = db.conn();
    let a = company(&mut conn, "U-1", "株式会社甲", Level::Lv1);
    let b = company(&mut conn, "U-2", "株式会社乙", Level::Lv1);
    let admin = user(&mut conn, "adm", Account::Admin);
    let admin_token = token(&mut conn, admin.id);
    let sub = user(&mut conn, "sub-u", Account::Subsidiary(a.id));
    let rev = user(&mut conn, "rev-u", Account::Reviewer);
    let server = client::serve(&db.url_string(), dir.path(), &[]);
    let api = server.api;
    // company_id alone moves a subsidiary user, and is refused for others.
    let r = api.send("PATCH", &format!("/api/v1/users/{}", sub.id), Some(&admin_token), &json!({"company_id": b.id}));
    assert_eq!(r.expect(200).json()["company_id"], b.id);
    let r = api.send("PATCH", &format!("/api/v1/users/{}", rev.id), Some(&admin_token), &json!({"company_id": b.id}));
    let message = r.expect(422).json()["message"].as_str().unwrap_or_default().to_owned();
    assert!(message.contains("company_id") && message.contains("子会社"), "{message}");
    // The last active admin can neither be disabled nor demoted.
    for change in [json!({"disabled": true}), json!({"role": "reviewer"})] {
        let r = api.send("PATCH", &format!("/api/v1/users/{}", admin.id), Some(&admin_token), &change);
        let message = r.expect(409).json()["message"].as_str().unwrap_or_default().to_owned();
        assert!(message.contains("no active admin") && message.contains("管理者"), "{message}");
    }
    api.get("/api/v1/me", Some(&admin_token)).expect(200);
}

fn a_form_with_two_file_fields_is_refused(db: &TestDb) {
    let dir = workdir();
    let mut conn = db.conn();
    let c = company(&mut conn, "T-1", "株式会社二重", Level::Lv1);
    let sub = user(&mut conn, "sub-t", Account::Subsidiary(c.id));
    let sub = token(&mut conn, sub.id);
    let server = client::serve(&db.url_string(), dir.path(), &[]);
    let boundary = "hyoka-two-files";
    let mut body = Vec::new();
    for name in ["a.json", "b.json"] {
        body.extend_from_slice(
            format!(
                "--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"{name}\"\r\n\
                 Content-Type: application/json\r\n\r\n{{}}\r\n"
            )
            .as_bytes(),
        );
    }
    body.extend_from_slice(format!("--{boundary}--\r\n").as_bytes());
    let ct = format!("multipart/form-data; boundary={boundary}");
    let r = client::request(server.api.addr, "POST", "/api/v1/submissions", Some(&sub), Some(&ct), &body);
    let r = r.expect(400);
    assert_eq!(r.json()["error"], "invalid_multipart");
    assert!(r.json()["message"].as_str().is_some_and(|m| m.contains("two `file` fields")), "{}", r.body);
}

fn company_codes_and_names_are_unique_after_folding(db: &TestDb) {
    let dir = workdir();
    let mut conn = db.conn();
    let admin = user(&mut conn, "adm", Account::Admin);
    let admin = token(&mut conn, admin.id);
    let server = client::serve(&db.url_string(), dir.path(), &[]);
    let api = server.api;
    let new = |code: &str, name: &str| json!({"code": code, "name": name, "target_level": 1, "impact_tier": 2});
    api.post("/api/v1/companies", Some(&admin), &new("DEMO-001", "株式会社デモ")).expect(201);
    for (code, name) in
        [("ＤＥＭＯ－００１", "株式会社別名"), ("demo-001", "株式会社別名"), ("DEMO-002", "株式会社 デモ")]
    {
        let r = api.post("/api/v1/companies", Some(&admin), &new(code, name)).expect(422);
        let message = r.json()["message"].as_str().unwrap_or_default().to_owned();
        assert!(message.contains("already registered") && message.contains("登録済み"), "{code} {name}: {message}");
    }
    // A name that only shares a key stays possible (an upload naming it is ambiguous).
    api.post("/api/v1/companies", Some(&admin), &new("DEMO-003", "デモ(株)")).expect(201);
    let found = hyoka_model::db::companies::by_code(&mut conn, "ｄｅｍｏ－００１").ok().flatten().map(|c| c.code);
    assert_eq!(found.as_deref(), Some("DEMO-001"));
}

/// Typed text has a length and no control characters; an uploaded file keeps
/// its base name only.
fn typed_text_is_bounded_and_file_names_are_base_names(db: &TestDb) {
    let dir = workdir();
    let mut conn = db.conn();
    let admin = user(&mut conn, "adm", Account::Admin);
    let admin = token(&mut conn, admin.id);
    let c = company(&mut conn, "L-1", "株式会社長文", Level::Lv1);
    let sub = user(&mut conn, "sub-l", Account::Subsidiary(c.id));
    let sub = token(&mut conn, sub.id);
    let reviewer = user(&mut conn, "rev-l", Account::Reviewer);
    let reviewer = token(&mut conn, reviewer.id);
    let flagged = crate::fixtures::submission(&mut conn, c.id, 2024);
    let flag = crate::fixtures::ok(hyoka_model::db::flags::of_submission(&mut conn, flagged.id))[0].id;
    let server = client::serve(&db.url_string(), dir.path(), &[]);
    let api = server.api;
    let refused = |r: client::Resp, ja: &str| {
        let r = r.expect(422);
        let m = r.json()["message"].as_str().unwrap_or_default().to_owned();
        assert!(m.contains(ja), "{m}");
    };
    let company = |name: &str| json!({"code": "L-2", "name": name, "target_level": 1, "impact_tier": 2});
    refused(
        api.post("/api/v1/companies", Some(&admin), &company(&"長".repeat(10_000))),
        "会社名が長すぎます（10000文字、上限200文字）",
    );
    refused(api.post("/api/v1/companies", Some(&admin), &company("株式会社\u{0}零")), "制御文字 U+0000");
    refused(api.post("/api/v1/companies", Some(&admin), &company("株式会社\n改行")), "制御文字 U+000A");
    let new_user =
        json!({"login": "long", "display_name": "名".repeat(101), "role": "auditor", "password": "a-long-password"});
    refused(api.post("/api/v1/users", Some(&admin), &new_user), "表示名が長すぎます");
    let decision = json!({"decision": "dismissed", "comment": "理".repeat(4001)});
    refused(api.post(&format!("/api/v1/flags/{flag}/decision"), Some(&reviewer), &decision), "コメントが長すぎます");
    // A multi-line comment keeps its line breaks; a NUL in it is refused.
    let decision = json!({"decision": "dismissed", "comment": "確認済み\u{0}"});
    refused(api.post(&format!("/api/v1/flags/{flag}/decision"), Some(&reviewer), &decision), "制御文字 U+0000");
    let decision = json!({"decision": "dismissed", "comment": "一行目\n二行目"});
    let r = api.post(&format!("/api/v1/flags/{flag}/decision"), Some(&reviewer), &decision).expect(201);
    assert_eq!(r.json()["comment"], "一行目\n二行目");
    assert_eq!(hyoka_model::db::submissions::count(&mut conn).ok(), Some(1));
    let name = format!("../../{}<script>.json", "a".repeat(10_000));
    let sheet = crate::fixtures::sheet_json("L-1", "株式会社長文", 2025, |_, _| {});
    let r = api.upload(Some(&sub), &name, &sheet, &[]).expect(201);
    let id = r.json()["submission"]["id"].as_i64().unwrap_or_default();
    let stored = crate::fixtures::ok(hyoka_model::db::submissions::get(&mut conn, id)).source_filename;
    assert!(!stored.contains('/') && !stored.contains(".."), "{stored}");
    assert_eq!(stored.chars().count(), hyoka_model::limits::FILE_NAME_MAX_CHARS);
    assert!(stored.starts_with("aaaa"), "{stored}");
}

/// A password holding `/` was printed by `hyoka migrate`.
#[test]
fn migrate_never_prints_a_password_holding_a_slash() {
    let dir = workdir();
    for url in ["postgres://hyoka:pw/secret@127.0.0.1/hyoka", "postgres://hyoka:p@ssw0rd@127.0.0.1:1/hyoka"] {
        let out = crate::common::hyoka(url, dir.path()).arg("migrate").output().unwrap_or_else(|e| panic!("{e}"));
        let text = format!("{}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr));
        assert!(!out.status.success(), "{text}");
        assert!(!text.contains("secret") && !text.contains("ssw0rd"), "{text}");
    }
}

both_backends!(
    every_answer_carries_the_hardening_headers,
    unknown_query_parameters_are_refused_everywhere,
    an_upload_beyond_the_turns_is_503_with_retry_after,
    a_slow_body_is_timed_out_and_gives_its_turn_back,
    a_refusal_lists_the_first_200_problems_and_counts_all,
    users_patch_refuses_what_it_cannot_do_and_keeps_an_admin,
    a_form_with_two_file_fields_is_refused,
    company_codes_and_names_are_unique_after_folding,
    typed_text_is_bounded_and_file_names_are_base_names
);
