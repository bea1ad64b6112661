//! The web UI over HTTP, on SQLite and PostgreSQL: every route × every role,
//! the headers on every answer, CSRF, sign-in and sessions, uploads that
//! store nothing when refused, the review workflow, and an XSS corpus shown
//! as text in both languages.

use std::collections::BTreeMap;
use std::fmt::Display;

use actix_web::http::{Method, StatusCode};
use actix_web::test::{self, TestRequest};
use hyoka_api::AppState;
use hyoka_model::catalog::Catalog;
use hyoka_model::db::companies::Company;
use hyoka_model::db::flags::NewFlag;
use hyoka_model::db::submissions::{NewSubmission, Submission};
use hyoka_model::db::testing::TestDb;
use hyoka_model::db::testing::company;
use hyoka_model::db::users::{self, Account, NewUser, User};
use hyoka_model::db::{DbConn, Pool};
use hyoka_model::domain::{Evaluation, FiscalYear, FlagTarget, ItemNumber, Level, Points, Severity};
use hyoka_model::sheet::Answer;
use hyoka_model::workflow::Actor;
#[path = "support/web.rs"]
mod web;

use web::*;

#[track_caller]
fn ok<T, E: Display>(r: Result<T, E>) -> T {
    r.unwrap_or_else(|e| panic!("{e}"))
}

/// The XSS corpus: each must come out as text.
const CORPUS: &[&str] = &[
    "<script>alert(1)</script>",
    "\"><img src=x onerror=alert(1)>",
    "' hx-get=/ui/queue x='",
    "{{7*7}}",
    "=HYPERLINK(\"http://x\")",
    "\u{202E}gnp.exe",
];

const GOOD: &str = "「情報セキュリティ規則」を2021年4月に制定し、全従業員に年1回教育を実施済み";

struct World {
    pool: Pool,
    a: Company,
    sub: Submission,
    flags: Vec<i64>,
    users: BTreeMap<&'static str, User>,
}

fn user(conn: &mut DbConn, login: &str, account: Account, password: Option<&str>) -> User {
    let hash = password.map(|p| ok(hyoka_model::credentials::hash_password(&hyoka_model::credentials::Secret::new(p))));
    let new =
        NewUser { login: login.into(), display_name: format!("{login} {}", CORPUS[1]), account, password_hash: hash };
    ok(users::create(conn, Actor::System, &new))
}

fn levels() -> BTreeMap<u16, u8> {
    let catalog = ok(Catalog::builtin());
    catalog.items.iter().map(|i| (i.number.get(), i.level.map_or(1, Level::number))).collect()
}

fn flag(item: u16, severity: Severity, reason: &str) -> NewFlag {
    NewFlag {
        target: FlagTarget::Item(ok(ItemNumber::new(item))),
        rule: "not_done".into(),
        severity,
        claimed: Evaluation::DONE,
        suggested: Some(Points::Zero),
        reason_ja: format!("根拠に未実施の記述 {reason}"),
        reason_en: format!("the evidence says not done {reason}"),
        detector_version: "test".into(),
        config_hash: "test".into(),
    }
}

fn world(db: &TestDb) -> World {
    let pool = ok(hyoka_model::db::pool(&db.url, 4));
    let mut conn = ok(pool.get());
    let a = company(&mut conn, "A01", &format!("株式会社A {}", CORPUS[0]));
    let b = company(&mut conn, "B01", "株式会社B");
    let long = "長".repeat(10_000);
    let answers: Vec<Answer> = levels()
        .into_iter()
        .map(|(item, level)| Answer {
            item: ok(ItemNumber::new(item)),
            level: ok(Level::try_from(level)),
            evaluation: Evaluation::DONE,
            evidence: match item {
                1..=6 => format!("{GOOD} {}", CORPUS[usize::from(item) - 1]),
                7 => long.clone(),
                _ => GOOD.to_owned(),
            },
            responsible_area: None,
            source_cell: None,
        })
        .collect();
    let new = NewSubmission {
        company_id: a.id,
        fiscal_year: ok(FiscalYear::new(2025)),
        department_id: None,
        framework_id: ok(Catalog::builtin()).framework.id,
        source_filename: format!("sheet{}.xlsx", CORPUS[1]),
        source_sha256: "ab".repeat(32),
        answered_on: None,
        respondent: None,
        answers,
    };
    let sub = ok(hyoka_model::db::writes::store_submission(&mut conn, Actor::System, &new)).submission().clone();
    let flags = ok(hyoka_model::db::writes::insert_flags(
        &mut conn,
        sub.id,
        &[flag(1, Severity::High, CORPUS[0]), flag(2, Severity::Medium, CORPUS[3]), flag(3, Severity::Low, "")],
    ))
    .into_iter()
    .map(|f| f.id)
    .collect();
    let mut users = BTreeMap::new();
    users.insert("admin", user(&mut conn, "admin", Account::Admin, None));
    users.insert("reviewer", user(&mut conn, "reviewer", Account::Reviewer, None));
    users.insert("subsidiary", user(&mut conn, "sub-a", Account::Subsidiary(a.id), None));
    users.insert("other", user(&mut conn, "sub-b", Account::Subsidiary(b.id), None));
    users.insert("auditor", user(&mut conn, "auditor", Account::Auditor, None));
    drop(conn);
    World { pool, a, sub, flags, users }
}

fn sign_in(w: &World, role: &str) -> Browser {
    session_of(&w.pool, w.users.get(role))
}

fn state(w: &World) -> AppState {
    AppState::new(w.pool.clone(), hyoka_api::Settings::default())
}

macro_rules! app {
    ($w:expr) => {
        test::init_service(hyoka_api::app(state(&$w)).configure(hyoka_web::configure(settings()))).await
    };
}

/// A POST, its fields and the status expected per role.
type PostCase = (String, Vec<(&'static str, &'static str)>, [u16; 6]);

const ROLES: &[&str] = &["admin", "reviewer", "subsidiary", "other", "auditor", "anonymous"];

fn every_route_by_every_role(db: &TestDb) {
    let w = world(db);
    rt(async {
        let app = app!(w);
        let s = w.sub.id;
        let sheet = format!("/ui/submissions/{s}");
        // (path, expected per role in ROLES order)
        let gets: Vec<(String, [u16; 6])> = vec![
            ("/".into(), [303, 303, 303, 303, 303, 303]),
            ("/ui".into(), [303, 303, 303, 303, 303, 303]),
            ("/ui/".into(), [303, 303, 303, 303, 303, 303]),
            ("/ui/login".into(), [303, 303, 303, 303, 303, 200]),
            ("/ui/home".into(), [403, 403, 200, 200, 403, 303]),
            ("/ui/upload".into(), [200, 200, 200, 200, 403, 303]),
            ("/ui/check".into(), [200, 200, 200, 200, 403, 303]),
            ("/ui/queue".into(), [200, 200, 403, 403, 200, 303]),
            ("/ui/account/password".into(), [200, 200, 200, 200, 200, 303]),
            (sheet.clone(), [200, 200, 200, 404, 200, 303]),
            (format!("{sheet}/feedback.xlsx"), [200, 200, 200, 404, 200, 303]),
            (format!("{sheet}/compare"), [200, 200, 200, 404, 200, 303]),
            (format!("{sheet}/compare?against=previous_year"), [200, 200, 200, 404, 200, 303]),
            ("/ui/submissions/999999".into(), [404, 404, 404, 404, 404, 303]),
            ("/ui/no/such/page".into(), [404, 404, 404, 404, 404, 404]),
        ];
        for (path, expected) in &gets {
            for (role, want) in ROLES.iter().zip(expected) {
                let b = sign_in(&w, role);
                let a = call(&app, &b, TestRequest::get().uri(path)).await;
                assert_eq!(a.status.as_u16(), *want, "GET {path} as {role}: {}", a.body);
                if path.starts_with("/ui") {
                    assert_headers(&a, &format!("GET {path} as {role}"));
                }
                if a.status != StatusCode::SEE_OTHER && path.starts_with("/ui") && !path.ends_with(".xlsx") {
                    let ct = a.headers.get("content-type").and_then(|v| v.to_str().ok()).unwrap_or("");
                    assert!(ct.starts_with("text/html"), "GET {path} as {role}: {ct}");
                }
            }
        }
        // Actions: who may (the server refuses what the page does not show).
        let f = w.flags[2];
        let posts: Vec<PostCase> = vec![
            (
                format!("/ui/flags/{f}/decision"),
                vec![("decision", "dismissed"), ("comment", "x")],
                [303, 303, 403, 403, 403, 303],
            ),
            (format!("/ui/submissions/{s}/release"), vec![], [303, 303, 403, 403, 403, 303]),
            (format!("/ui/submissions/{s}/start-review"), vec![], [303, 409, 403, 403, 403, 303]),
            (format!("/ui/flags/{}/reply", w.flags[0]), vec![("body", "ok")], [403, 403, 303, 404, 403, 303]),
            (format!("/ui/submissions/{s}/accept"), vec![], [422, 422, 403, 403, 403, 303]),
            (
                format!("/ui/submissions/{s}/return"),
                vec![("message", "直してください")],
                [303, 409, 403, 403, 403, 303],
            ),
        ];
        for (path, fields, expected) in &posts {
            for (role, want) in ROLES.iter().zip(expected) {
                let b = sign_in(&w, role);
                let mut pairs = fields.clone();
                pairs.push(("csrf_token", &b.csrf));
                let a = call(&app, &b, post(path, &pairs)).await;
                assert_eq!(a.status.as_u16(), *want, "POST {path} as {role}: {}", a.body);
                assert_headers(&a, &format!("POST {path} as {role}"));
            }
        }
        // The API never accepts the cookie.
        let b = sign_in(&w, "admin");
        let a = call(&app, &b, TestRequest::get().uri("/api/v1/submissions")).await;
        assert_eq!(a.status, StatusCode::UNAUTHORIZED);
        // The JSON fallback and the API's documentation are unchanged.
        let a = call(&app, &Browser::default(), TestRequest::get().uri("/no/such/path")).await;
        assert_eq!(a.status, StatusCode::NOT_FOUND);
        assert!(a.body.starts_with('{'), "{}", a.body);
        // …with the API's own CSP (allowing nothing), not the UI's.
        let csp = a.headers.get("content-security-policy").and_then(|v| v.to_str().ok()).unwrap_or_default();
        assert_eq!(csp, "default-src 'none'; frame-ancestors 'none'");
        let a = call(&app, &Browser::default(), TestRequest::get().uri("/api/docs/")).await;
        assert_eq!(a.status, StatusCode::OK);
        let _ = &w.a;
    });
}

fn csrf_is_required(db: &TestDb) {
    let w = world(db);
    rt(async {
        let app = app!(w);
        let b = sign_in(&w, "reviewer");
        let other = sign_in(&w, "admin");
        let path = format!("/ui/flags/{}/decision", w.flags[0]);
        let d = [("decision", "dismissed"), ("comment", "x")];
        let with = |t: &str| {
            let mut p = d.to_vec();
            p.push(("csrf_token", t));
            p.into_iter().map(|(k, v)| (k, v.to_owned())).collect::<Vec<_>>()
        };
        let cases: Vec<(&str, TestRequest)> = vec![
            ("missing", post(&path, &d)),
            ("wrong", post(&path, &with(&"0".repeat(64)).iter().map(|(k, v)| (*k, v.as_str())).collect::<Vec<_>>())),
            (
                "another session's",
                post(&path, &with(&other.csrf).iter().map(|(k, v)| (*k, v.as_str())).collect::<Vec<_>>()),
            ),
            (
                "cross-site",
                post(&path, &with(&b.csrf).iter().map(|(k, v)| (*k, v.as_str())).collect::<Vec<_>>())
                    .insert_header(("sec-fetch-site", "cross-site")),
            ),
            (
                "foreign origin",
                post(&path, &with(&b.csrf).iter().map(|(k, v)| (*k, v.as_str())).collect::<Vec<_>>())
                    .insert_header(("origin", "http://evil.example")),
            ),
        ];
        for (what, req) in cases {
            let a = call(&app, &b, req).await;
            assert_eq!(a.status, StatusCode::FORBIDDEN, "{what}");
            assert!(
                a.body.contains("<html") && a.body.contains("この操作は受け付けられませんでした"),
                "{what}: {}",
                a.body
            );
            assert_headers(&a, what);
        }
        // Nothing was decided.
        let mut conn = ok(w.pool.get());
        assert!(ok(hyoka_model::db::flags::reviews_of(&mut conn, w.flags[0])).is_empty());
        drop(conn);
        // The header works as the field does.
        let a = call(
            &app,
            &b,
            post(&path, &d)
                .insert_header(("x-csrf-token", b.csrf.clone()))
                .insert_header(("sec-fetch-site", "same-origin")),
        )
        .await;
        assert_eq!(a.status, StatusCode::SEE_OTHER, "{}", a.body);
    });
}

fn token_of(body: &str) -> String {
    let at = body.find("name=\"csrf_token\" value=\"").map(|i| i + 25).unwrap_or(0);
    body[at..].chars().take_while(|c| c.is_ascii_hexdigit()).collect()
}

fn cookie_of(a: &Reply, name: &str) -> Option<String> {
    a.headers
        .get_all("set-cookie")
        .filter_map(|v| v.to_str().ok())
        .find(|v| v.starts_with(&format!("{name}=")))
        .map(|v| v.split(';').next().unwrap_or("").to_owned())
}

fn sign_in_and_sessions(db: &TestDb) {
    let w = world(db);
    let mut conn = ok(w.pool.get());
    let u = user(&mut conn, "person", Account::Reviewer, Some("correct horse battery"));
    drop(conn);
    rt(async {
        let app = app!(w);
        let anon = Browser::default();
        let page = call(&app, &anon, TestRequest::get().uri("/ui/login")).await;
        assert_eq!(page.status, StatusCode::OK);
        assert!(page.body.contains("name=\"login\"") && page.body.contains("name=\"password\""));
        assert!(page.body.contains("<html lang=\"ja\">"));
        let pre = cookie_of(&page, "hyoka_login");
        let token = token_of(&page.body);
        assert_eq!(token.len(), 64);
        let pre_browser = Browser { cookie: pre.clone(), csrf: token.clone() };
        // Without the login cookie: refused.
        let a = call(&app, &anon, post("/ui/login", &[("login", "person"), ("password", "x"), ("csrf_token", &token)]))
            .await;
        assert_eq!(a.status, StatusCode::FORBIDDEN);
        // Wrong password, explained in Japanese; in English when asked.
        let a = call(
            &app,
            &pre_browser,
            post("/ui/login", &[("login", "person"), ("password", "wrong password"), ("csrf_token", &token)]),
        )
        .await;
        assert_eq!(a.status, StatusCode::UNAUTHORIZED);
        assert!(a.body.contains("ログイン名またはパスワードが違います"), "{}", a.body);
        let a = call(
            &app,
            &pre_browser,
            post("/ui/login", &[("login", "person"), ("password", "wrong password"), ("csrf_token", &token)])
                .insert_header(("accept-language", "en-US,en;q=0.9")),
        )
        .await;
        assert!(a.body.contains("Wrong login or password") && a.body.contains("<html lang=\"en\">"), "{}", a.body);
        // Right password: 303 with the session cookie.
        let a = call(
            &app,
            &pre_browser,
            post("/ui/login", &[("login", "person"), ("password", "correct horse battery"), ("csrf_token", &token)]),
        )
        .await;
        assert_eq!(a.status, StatusCode::SEE_OTHER);
        let set = a.headers.get_all("set-cookie").filter_map(|v| v.to_str().ok()).collect::<Vec<_>>().join("\n");
        assert!(
            set.contains("hyoka_session=hyoka_s_") && set.contains("HttpOnly") && set.contains("SameSite=Lax"),
            "{set}"
        );
        let session = Browser { cookie: cookie_of(&a, "hyoka_session"), csrf: String::new() };
        let q = call(&app, &session, TestRequest::get().uri("/ui/queue")).await;
        assert_eq!(q.status, StatusCode::OK);
        let session = Browser { csrf: token_of(&q.body), ..session };
        // The UI never accepts a bearer token in place of the cookie.
        let a =
            call(&app, &anon, TestRequest::get().uri("/ui/queue").insert_header(("authorization", "Bearer hyoka_x")))
                .await;
        assert_eq!(a.status, StatusCode::SEE_OTHER);
        // The language switch is kept by the session.
        let a = call(
            &app,
            &session,
            post("/ui/lang", &[("lang", "en"), ("back", "/ui/queue"), ("csrf_token", &session.csrf)]),
        )
        .await;
        assert_eq!(a.status, StatusCode::SEE_OTHER);
        let q = call(&app, &session, TestRequest::get().uri("/ui/queue")).await;
        assert!(q.body.contains("<html lang=\"en\">") && q.body.contains("Review queue"), "{}", q.body);
        // Changing one's own password: the current one is checked (a wrong
        // one is a failed sign-in, counted by the service the API's
        // `POST /me/password` shares); this browser gets a new session, the
        // old cookie stops working.
        let failures = || {
            let mut conn = ok(w.pool.get());
            ok(hyoka_model::db::logins::failures(&mut conn, "person"))
        };
        let before = failures();
        let a = call(
            &app,
            &session,
            post(
                "/ui/account/password",
                &[
                    ("current", "nope nope nope"),
                    ("new", "a new long password"),
                    ("again", "a new long password"),
                    ("csrf_token", &session.csrf),
                ],
            ),
        )
        .await;
        assert_eq!(a.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(a.body.contains("The current password is wrong."), "{}", a.body);
        assert_eq!(failures(), before + 1, "a wrong current password counts as a failed sign-in");
        let a = call(
            &app,
            &session,
            post(
                "/ui/account/password",
                &[
                    ("current", "correct horse battery"),
                    ("new", "a new long password"),
                    ("again", "a new long password"),
                    ("csrf_token", &session.csrf),
                ],
            ),
        )
        .await;
        assert_eq!(a.status, StatusCode::SEE_OTHER, "{}", a.body);
        assert_eq!(call(&app, &session, TestRequest::get().uri("/ui/queue")).await.status, StatusCode::SEE_OTHER);
        let session = Browser { cookie: cookie_of(&a, "hyoka_session"), csrf: String::new() };
        let q = call(&app, &session, TestRequest::get().uri("/ui/queue")).await;
        assert_eq!(q.status, StatusCode::OK);
        let session = Browser { csrf: token_of(&q.body), ..session };
        // Logout revokes.
        let a = call(&app, &session, post("/ui/logout", &[("csrf_token", &session.csrf)])).await;
        assert_eq!(a.status, StatusCode::SEE_OTHER);
        let q = call(&app, &session, TestRequest::get().uri("/ui/queue")).await;
        assert_eq!(q.status, StatusCode::SEE_OTHER);
        // A new password or disabling the user ends the sessions.
        let s1 = sign_in(&w, "reviewer");
        let mut conn = ok(w.pool.get());
        let hash = ok(hyoka_model::credentials::hash_password(&hyoka_model::credentials::Secret::new(
            "another long password",
        )));
        let reviewer = w.users.get("reviewer").map(|u| u.id).unwrap_or(0);
        ok(users::set_password(&mut conn, Actor::System, reviewer, &hash));
        drop(conn);
        assert_eq!(call(&app, &s1, TestRequest::get().uri("/ui/queue")).await.status, StatusCode::SEE_OTHER);
        let s2 = sign_in(&w, "auditor");
        assert_eq!(call(&app, &s2, TestRequest::get().uri("/ui/queue")).await.status, StatusCode::OK);
        let mut conn = ok(w.pool.get());
        let auditor = w.users.get("auditor").map(|u| u.id).unwrap_or(0);
        ok(users::update(&mut conn, Actor::System, auditor, None, None, Some(true)));
        drop(conn);
        assert_eq!(call(&app, &s2, TestRequest::get().uri("/ui/queue")).await.status, StatusCode::SEE_OTHER);
        // The lockout applies: five failures lock the name.
        for _ in 0..5 {
            call(
                &app,
                &pre_browser,
                post("/ui/login", &[("login", "person"), ("password", "wrong password"), ("csrf_token", &token)]),
            )
            .await;
        }
        let a = call(
            &app,
            &pre_browser,
            post("/ui/login", &[("login", "person"), ("password", "correct horse battery"), ("csrf_token", &token)]),
        )
        .await;
        assert_eq!(a.status, StatusCode::TOO_MANY_REQUESTS);
        assert!(a.body.contains("ロック"), "{}", a.body);
        let _ = u;
    });
}

fn multipart(token: &str, file_name: &str, bytes: &[u8], year: &str) -> TestRequest {
    let boundary = "hyokaBoundary7MA4YWxkTrZu0gW";
    let mut body = Vec::new();
    for (k, v) in [("csrf_token", token), ("fiscal_year", year)] {
        body.extend_from_slice(
            format!("--{boundary}\r\nContent-Disposition: form-data; name=\"{k}\"\r\n\r\n{v}\r\n").as_bytes(),
        );
    }
    body.extend_from_slice(
        format!("--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"{file_name}\"\r\nContent-Type: application/octet-stream\r\n\r\n")
            .as_bytes(),
    );
    body.extend_from_slice(bytes);
    body.extend_from_slice(format!("\r\n--{boundary}--\r\n").as_bytes());
    TestRequest::post()
        .insert_header(("content-type", format!("multipart/form-data; boundary={boundary}")))
        .set_payload(body)
}

fn sheet_json(code: &str, year: i32, not_done_but_2: &[u16]) -> Vec<u8> {
    let answers: Vec<serde_json::Value> = levels()
        .into_iter()
        .map(|(item, level)| {
            let evidence = if not_done_but_2.contains(&item) {
                "現状実施できていない。今年度中に導入予定".to_owned()
            } else {
                format!("{GOOD}（No.{item}）")
            };
            serde_json::json!({ "item": item, "level": level, "evaluation": 2, "evidence": evidence })
        })
        .collect();
    let sheet = serde_json::json!({
        "format": "hyoka-submission/1",
        "company": { "code": code },
        "fiscal_year": year,
        "employees": 40,
        "it_staff": 1,
        "answers": answers,
    });
    ok(serde_json::to_vec(&sheet))
}

fn count_submissions(w: &World) -> i64 {
    let mut conn = ok(w.pool.get());
    ok(hyoka_model::db::submissions::count(&mut conn))
}

fn uploads_and_self_check(db: &TestDb) {
    let w = world(db);
    rt(async {
        let app = app!(w);
        let b = sign_in(&w, "subsidiary");
        let before = count_submissions(&w);
        // A refused file: every problem in a table, nothing stored.
        let bad = br#"{"format":"hyoka-submission/1","company":{"code":"A01"},"fiscal_year":2026,"answers":[{"item":1,"level":1,"evaluation":7,"evidence":"x"}]}"#;
        let a = call(&app, &b, multipart(&b.csrf, "bad.json", bad, "2026").uri("/ui/upload")).await;
        assert_eq!(a.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", a.body);
        assert!(a.body.contains("このファイルは受け付けられませんでした。何も保存されていません。"), "{}", a.body);
        assert!(a.body.contains("id=\"problems\"") && a.body.matches("<tr class=\"g-").count() >= 2, "{}", a.body);
        assert_headers(&a, "refused upload");
        assert_eq!(count_submissions(&w), before);
        // Without the token: 403 and nothing stored.
        let good = sheet_json("A01", 2026, &[5, 9]);
        let a = call(&app, &b, multipart("", "good.json", &good, "2026").uri("/ui/upload")).await;
        assert_eq!(a.status, StatusCode::FORBIDDEN);
        assert_eq!(count_submissions(&w), before);
        // The self-check shows the rates and what would be flagged, and stores nothing.
        let a = call(&app, &b, multipart(&b.csrf, "good.json", &good, "2026").uri("/ui/check")).await;
        assert_eq!(a.status, StatusCode::OK, "{}", a.body);
        assert!(a.body.contains("id=\"check-result\"") && a.body.contains("id=\"check-flags\""), "{}", a.body);
        assert!(a.body.contains("このチェック結果は保存されていません"));
        assert_eq!(count_submissions(&w), before);
        // A good file is stored; the same file again says so.
        let a = call(&app, &b, multipart(&b.csrf, "good.json", &good, "2026").uri("/ui/upload")).await;
        assert_eq!(a.status, StatusCode::SEE_OTHER, "{}", a.body);
        assert_eq!(count_submissions(&w), before + 1);
        let to = a.headers.get("location").and_then(|v| v.to_str().ok()).unwrap_or("").to_owned();
        assert!(to.contains("flash=stored"), "{to}");
        // The reviewer sees last year's answer beside each flagged item.
        let r = sign_in(&w, "reviewer");
        let page = call(&app, &r, TestRequest::get().uri(&to)).await;
        assert!(page.body.contains("前年度の回答") && page.body.contains("id=\"item-5\""), "{}", page.body);
        // What changed against last year: items 5 and 9 (score kept, evidence changed).
        let id = to.trim_start_matches("/ui/submissions/").split('?').next().unwrap_or("").to_owned();
        let page =
            call(&app, &b, TestRequest::get().uri(&format!("/ui/submissions/{id}/compare?against=previous_year")))
                .await;
        assert_eq!(page.status, StatusCode::OK);
        assert!(page.body.contains("id=\"compare\"") && page.body.contains("根拠変更"), "{}", page.body);
        let a = call(&app, &b, multipart(&b.csrf, "good.json", &good, "2026").uri("/ui/upload")).await;
        let to = a.headers.get("location").and_then(|v| v.to_str().ok()).unwrap_or("").to_owned();
        let page = call(&app, &b, TestRequest::get().uri(&to)).await;
        assert!(page.body.contains("同じファイルが既に提出済みです"), "{}", page.body);
        assert_eq!(count_submissions(&w), before + 1);
        // An auditor may not upload.
        let au = sign_in(&w, "auditor");
        let a = call(&app, &au, multipart(&au.csrf, "good.json", &good, "2026").uri("/ui/upload")).await;
        assert_eq!(a.status, StatusCode::FORBIDDEN);
        // With collections in use, the subsidiary's upload for a year none
        // asks for is refused (the service's rule, as in the API), naming
        // the open years and storing nothing.
        let mut conn = ok(w.pool.get());
        ok(hyoka_model::db::writes::open_collection(
            &mut conn,
            Actor::System,
            &hyoka_model::db::collections::NewCollection {
                fiscal_year: ok(FiscalYear::new(2025)),
                title: "2025年度".into(),
                deadline: ok(chrono::NaiveDate::parse_from_str("2099-07-31", "%Y-%m-%d")),
                message: None,
                members: vec![(w.a.id, None)],
            },
        ));
        drop(conn);
        let other = sheet_json("A01", 2027, &[5]);
        let a = call(&app, &b, multipart(&b.csrf, "good.json", &other, "2027").uri("/ui/upload")).await;
        assert_eq!(a.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", a.body);
        assert!(a.body.contains("2027年度の提出依頼はありません。受付中: 2025年度"), "{}", a.body);
        assert_eq!(count_submissions(&w), before + 1);
    });
}

fn review_and_return(db: &TestDb) {
    let w = world(db);
    rt(async {
        let app = app!(w);
        let r = sign_in(&w, "reviewer");
        let s = w.sub.id;
        let sheet = format!("/ui/submissions/{s}");
        // Before release the subsidiary sees no findings.
        let sub = sign_in(&w, "subsidiary");
        let page = call(&app, &sub, TestRequest::get().uri(&sheet)).await;
        assert!(page.body.contains("id=\"under-review\"") && !page.body.contains("id=\"flag-"), "{}", page.body);
        // The reviewer: start, decide one, decide two at once, return.
        let a = call(&app, &r, post(&format!("{sheet}/start-review"), &[("csrf_token", &r.csrf)])).await;
        assert_eq!(a.status, StatusCode::SEE_OTHER);
        let page = call(&app, &r, TestRequest::get().uri(&sheet)).await;
        assert!(page.body.contains("id=\"bulk-form\"") && page.body.contains("0 / 3"), "{}", page.body);
        let f0 = w.flags[0].to_string();
        let a = call(
            &app,
            &r,
            post(
                &format!("/ui/flags/{f0}/decision"),
                &[("decision", "confirmed"), ("reviewed_score", "1"), ("comment", CORPUS[2]), ("csrf_token", &r.csrf)],
            ),
        )
        .await;
        assert_eq!(a.status, StatusCode::SEE_OTHER, "{}", a.body);
        // Accepting with an undecided medium flag asks first.
        let a = call(&app, &r, post(&format!("{sheet}/accept"), &[("csrf_token", &r.csrf)])).await;
        assert_eq!(a.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(a.body.contains("中以上の重要度の未判定の指摘があります") && a.body.contains(" 1"), "{}", a.body);
        let (f1, f2) = (w.flags[1].to_string(), w.flags[2].to_string());
        let a = call(
            &app,
            &r,
            post(
                &format!("{sheet}/decide"),
                &[
                    ("flag", f1.as_str()),
                    ("flag", f2.as_str()),
                    ("decision", "dismissed"),
                    ("comment", "一括"),
                    ("csrf_token", r.csrf.as_str()),
                ],
            ),
        )
        .await;
        assert_eq!(a.status, StatusCode::SEE_OTHER, "{}", a.body);
        let page = call(&app, &r, TestRequest::get().uri(&sheet)).await;
        assert!(page.body.contains("3 / 3"), "{}", page.body);
        // A return needs a message.
        let a = call(&app, &r, post(&format!("{sheet}/return"), &[("message", " "), ("csrf_token", &r.csrf)])).await;
        assert_eq!(a.status, StatusCode::UNPROCESSABLE_ENTITY);
        let msg = format!("項目1の根拠を見直してください {}", CORPUS[0]);
        let a = call(&app, &r, post(&format!("{sheet}/return"), &[("message", &msg), ("csrf_token", &r.csrf)])).await;
        assert_eq!(a.status, StatusCode::SEE_OTHER);
        // A second move of the same kind: the sheet moved meanwhile (409).
        let a = call(&app, &r, post(&format!("{sheet}/start-review"), &[("csrf_token", &r.csrf)])).await;
        assert_eq!(a.status, StatusCode::CONFLICT);
        assert!(a.body.contains("他のレビュアーがこのシートを更新しました"), "{}", a.body);
        // The subsidiary: home says 差し戻し with the message, the sheet shows the findings.
        let home = call(&app, &sub, TestRequest::get().uri("/ui/home")).await;
        assert!(home.body.contains("差し戻し") && home.body.contains("id=\"return-message\""), "{}", home.body);
        assert!(
            home.body.contains("項目1の根拠を見直してください &#60;script&#62;")
                || home.body.contains("項目1の根拠を見直してください &lt;script&gt;"),
            "{}",
            home.body
        );
        let page = call(&app, &sub, TestRequest::get().uri(&sheet)).await;
        assert!(
            page.body.contains(&format!("id=\"flag-{f0}\"")) && !page.body.contains("id=\"bulk-form\""),
            "{}",
            page.body
        );
        let a = call(
            &app,
            &sub,
            post(&format!("/ui/flags/{f0}/reply"), &[("body", "直しました"), ("csrf_token", &sub.csrf)]),
        )
        .await;
        assert_eq!(a.status, StatusCode::SEE_OTHER);
        let page = call(&app, &r, TestRequest::get().uri(&sheet)).await;
        assert!(page.body.contains("直しました"));
        // The auditor sees it all, with no action rendered.
        let au = sign_in(&w, "auditor");
        let page = call(&app, &au, TestRequest::get().uri(&sheet)).await;
        assert_eq!(page.status, StatusCode::OK);
        assert!(page.body.contains(&format!("id=\"flag-{f0}\"")));
        for action in ["/decision\"", "/start-review", "/release", "/return\"", "/accept", "bulk-form", "/reply"] {
            assert!(!page.body.contains(action), "auditor page shows {action}");
        }
    });
}

/// Every page that shows stored text, in both languages: the corpus comes
/// out escaped and adds no element or attribute.
fn corpus_is_shown_as_text(db: &TestDb) {
    let w = world(db);
    rt(async {
        let app = app!(w);
        let mut conn = ok(w.pool.get());
        ok(hyoka_model::db::review::release_flags(&mut conn, Actor::System, w.sub.id));
        drop(conn);
        let r = sign_in(&w, "reviewer");
        let f0 = w.flags[0].to_string();
        call(
            &app,
            &r,
            post(
                &format!("/ui/flags/{f0}/decision"),
                &[("decision", "dismissed"), ("comment", CORPUS[1]), ("csrf_token", &r.csrf)],
            ),
        )
        .await;
        for lang in ["ja", "en"] {
            for role in ["reviewer", "subsidiary", "auditor"] {
                let b = sign_in(&w, role);
                for path in [format!("/ui/submissions/{}", w.sub.id), "/ui/queue".into(), "/ui/home".into()] {
                    let a =
                        call(&app, &b, TestRequest::get().uri(&path).insert_header(("accept-language", lang))).await;
                    if a.status != StatusCode::OK {
                        continue;
                    }
                    assert!(a.body.contains(&format!("<html lang=\"{lang}\">")), "{path} {lang}");
                    let body = &a.body;
                    assert!(!body.contains("<script>alert"), "{path} as {role}: raw script");
                    assert!(!body.contains("<img"), "{path} as {role}: raw img");
                    assert!(!body.contains("onerror=alert(1)>"), "{path} as {role}: raw attribute");
                    assert!(!body.contains("' hx-get=/ui/queue"), "{path} as {role}: attribute breaker");
                    // Only our own scripts, with src.
                    assert_eq!(body.matches("<script").count(), 2, "{path} as {role}");
                    assert_eq!(body.matches("<script src=\"/ui/static/").count(), 2, "{path} as {role}");
                    assert!(
                        !body.contains(" style=") && !body.contains(" onclick=") && !body.contains("hx-on"),
                        "{path}"
                    );
                    if path.starts_with("/ui/submissions") {
                        assert!(
                            body.contains("{{7*7}}") && body.contains("=HYPERLINK(&#34;http://x&#34;)")
                                || body.contains("=HYPERLINK(&quot;http://x&quot;)"),
                            "{path}: {body}"
                        );
                        assert!(body.contains(&"長".repeat(10_000)), "{path}: the long line");
                        assert!(body.contains('\u{202E}'), "{path}: the bidi override is kept as text");
                    }
                }
            }
        }
    });
}

/// The workbook through the UI is the API's, byte for byte.
fn downloads_match_the_api(db: &TestDb) {
    let w = world(db);
    let secret = ok(hyoka_model::credentials::new_token());
    let mut conn = ok(w.pool.get());
    let sub_user = w.users.get("subsidiary").map(|u| u.id).unwrap_or(0);
    let new = hyoka_model::db::tokens::NewToken {
        user_id: sub_user,
        name: "test".into(),
        token_hash: secret.hash.clone(),
        prefix: secret.prefix.clone(),
        expires_at: hyoka_model::time::now() + chrono::Duration::hours(1),
    };
    ok(hyoka_model::db::tokens::create(&mut conn, Actor::System, &new));
    drop(conn);
    rt(async {
        let app = app!(w);
        let b = sign_in(&w, "subsidiary");
        let path = format!("/submissions/{}/feedback.xlsx", w.sub.id);
        let api = || {
            TestRequest::get()
                .uri(&format!("/api/v1{path}"))
                .insert_header(("authorization", format!("Bearer {}", secret.token.expose())))
                .to_request()
        };
        let before = test::call_and_read_body(&app, api()).await;
        let ui = test::call_service(
            &app,
            TestRequest::get()
                .uri(&format!("/ui{path}"))
                .insert_header(("cookie", b.cookie.clone().unwrap_or_default()))
                .to_request(),
        )
        .await;
        assert_eq!(ui.status(), StatusCode::OK);
        assert_eq!(ui.headers().get("cache-control").and_then(|v| v.to_str().ok()), Some("no-store"));
        assert!(
            ui.headers()
                .get("content-disposition")
                .and_then(|v| v.to_str().ok())
                .unwrap_or("")
                .starts_with("attachment")
        );
        let ui = test::read_body(ui).await;
        let after = test::call_and_read_body(&app, api()).await;
        // The workbook carries its creation time to the second: it equals the
        // API's answer made just before or just after.
        assert!(ui == before || ui == after, "the UI's workbook differs from the API's");
        assert!(ui.starts_with(b"PK"));
    });
}

/// A session unused longer than the idle timeout, or past its absolute
/// lifetime, no longer signs in.
fn sessions_expire(db: &TestDb) {
    use diesel::prelude::*;
    use hyoka_web::session::web_sessions;
    let w = world(db);
    rt(async {
        let app = app!(w);
        for column in ["last_seen_at", "expires_at"] {
            let b = sign_in(&w, "reviewer");
            assert_eq!(call(&app, &b, TestRequest::get().uri("/ui/queue")).await.status, StatusCode::OK);
            let mut conn = ok(w.pool.get());
            let past = (hyoka_model::time::now() - chrono::Duration::minutes(61)).naive_utc();
            let all = web_sessions::table;
            let n = match column {
                "last_seen_at" => diesel::update(all).set(web_sessions::last_seen_at.eq(past)).execute(&mut *conn),
                _ => diesel::update(all).set(web_sessions::expires_at.eq(past)).execute(&mut *conn),
            };
            assert!(ok(n) > 0);
            drop(conn);
            assert_eq!(
                call(&app, &b, TestRequest::get().uri("/ui/queue")).await.status,
                StatusCode::SEE_OTHER,
                "{column}"
            );
        }
    });
}

hyoka_model::both_backends!(
    sessions_expire,
    downloads_match_the_api,
    every_route_by_every_role,
    csrf_is_required,
    sign_in_and_sessions,
    uploads_and_self_check,
    review_and_return,
    corpus_is_shown_as_text,
);

#[test]
fn no_template_turns_escaping_off() {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("templates");
    for e in ok(std::fs::read_dir(dir)).flatten() {
        let text = ok(std::fs::read_to_string(e.path()));
        let name = e.path().display().to_string();
        assert!(name.ends_with(".html"), "{name}: templates are .html so they are escaped");
        for bad in [
            "|safe",
            "| safe",
            "escape = \"none\"",
            "autoescape false",
            " style=",
            " onclick",
            " onload",
            "hx-on",
            "<script>",
        ] {
            assert!(!text.contains(bad), "{name} contains {bad:?}");
        }
    }
    let _ = Method::GET;
}

/// Another process holding SQLite's write lock (here a second connection in
/// `BEGIN EXCLUSIVE`): writes answer 503 with `Retry-After` and store
/// nothing, reads go on, readiness says not ready; all is well once the lock
/// is gone. SQLite only: PostgreSQL has no database-wide write lock.
#[test]
fn a_database_held_by_another_writer_answers_503() {
    use diesel::connection::SimpleConnection;
    let db = TestDb::sqlite();
    let w = world(&db);
    {
        let mut conn = ok(w.pool.get());
        user(&mut conn, "pw-user", Account::Reviewer, Some("correct horse battery staple"));
    }
    // The app's one connection waits 0.3 s for the lock instead of 10 s.
    let pool = ok(hyoka_model::db::pool(&db.url, 1));
    ok(ok(pool.get()).batch_execute("PRAGMA busy_timeout = 300;"));
    let state = AppState::new(pool, hyoka_api::Settings::default());
    let mut holder = ok(db.url.connect());
    rt(async {
        let app = test::init_service(hyoka_api::app(state).configure(hyoka_web::configure(settings()))).await;
        let anon = Browser::default();
        let login = || {
            TestRequest::post()
                .uri("/api/v1/login")
                .insert_header(("content-type", "application/json"))
                .set_payload(r#"{"login":"pw-user","password":"correct horse battery staple"}"#)
        };
        let b = sign_in(&w, "subsidiary");
        let sheet = sheet_json("A01", 2026, &[]);
        let before = count_submissions(&w);
        assert_eq!(call(&app, &anon, TestRequest::get().uri("/readyz")).await.status, StatusCode::OK);

        ok(holder.batch_execute("BEGIN EXCLUSIVE;"));
        let a = call(&app, &anon, TestRequest::get().uri("/readyz")).await;
        assert_eq!(a.status, StatusCode::SERVICE_UNAVAILABLE, "{}", a.body);
        assert!(a.body.contains("not_ready"), "{}", a.body);
        let a = call(&app, &anon, login()).await;
        assert_eq!(a.status, StatusCode::SERVICE_UNAVAILABLE, "{}", a.body);
        assert_eq!(a.headers.get("retry-after").and_then(|v| v.to_str().ok()), Some("5"));
        assert!(a.body.contains("database_busy") && a.body.contains("使用中"), "{}", a.body);
        let a = call(&app, &b, multipart(&b.csrf, "good.json", &sheet, "2026").uri("/ui/upload")).await;
        assert_eq!(a.status, StatusCode::SERVICE_UNAVAILABLE, "{}", a.body);
        assert_eq!(a.headers.get("retry-after").and_then(|v| v.to_str().ok()), Some("5"));
        assert!(a.body.contains("何も変更されていません"), "{}", a.body);
        assert_headers(&a, "busy page");
        // Reads go on under the lock (WAL).
        let page = call(&app, &b, TestRequest::get().uri(&format!("/ui/submissions/{}", w.sub.id))).await;
        assert_eq!(page.status, StatusCode::OK);
        ok(holder.batch_execute("ROLLBACK;"));
        assert_eq!(count_submissions(&w), before);

        assert_eq!(call(&app, &anon, TestRequest::get().uri("/readyz")).await.status, StatusCode::OK);
        assert_eq!(call(&app, &anon, login()).await.status, StatusCode::OK);
        let a = call(&app, &b, multipart(&b.csrf, "good.json", &sheet, "2026").uri("/ui/upload")).await;
        assert_eq!(a.status, StatusCode::SEE_OTHER, "{}", a.body);
        assert_eq!(count_submissions(&w), before + 1);
    });
}
