//! The flags explorer, collections, audit log, administration and own API
//! tokens over HTTP, on SQLite and PostgreSQL: every new route × every role,
//! CSRF on every new POST, the CSV downloads equal to the API's bytes, and
//! the administration's rules (last admin, duplicate code) in the page's
//! language.

use std::collections::BTreeMap;
use std::fmt::Display;

use actix_web::http::StatusCode;
use actix_web::test::{self, TestRequest};
use hyoka_api::AppState;
use hyoka_model::catalog::Catalog;
use hyoka_model::db::collections::NewCollection;
use hyoka_model::db::companies::Company;
use hyoka_model::db::flags::NewFlag;
use hyoka_model::db::submissions::{NewSubmission, Submission};
use hyoka_model::db::testing::TestDb;
use hyoka_model::db::testing::company;
use hyoka_model::db::tokens::{self, NewToken};
use hyoka_model::db::users::{self, Account, NewUser, User};
use hyoka_model::db::{DbConn, Pool};
use hyoka_model::domain::{Evaluation, FiscalYear, FlagTarget, ItemNumber, Level, Points, Severity};
use hyoka_model::sheet::Answer;
use hyoka_model::workflow::Actor;
use hyoka_web::session;

#[path = "support/web.rs"]
mod web;

use web::*;

#[track_caller]
fn ok<T, E: Display>(r: Result<T, E>) -> T {
    r.unwrap_or_else(|e| panic!("{e}"))
}

/// Roles in the order of every expectation array.
const ROLES: &[&str] = &["admin", "reviewer", "subsidiary", "other", "auditor", "anonymous"];

struct World {
    pool: Pool,
    a: Company,
    collection: i64,
    victim: i64,
    users: BTreeMap<&'static str, User>,
    /// An API token of the admin, to read the API's CSV.
    bearer: String,
    /// One token of each signed-in role's user, by role.
    tokens: BTreeMap<&'static str, i64>,
}

fn user(conn: &mut DbConn, login: &str, account: Account) -> User {
    let new = NewUser { login: login.into(), display_name: format!("{login} 担当"), account, password_hash: None };
    ok(users::create(conn, Actor::System, &new))
}

fn token(conn: &mut DbConn, u: &User) -> (i64, String) {
    let secret = ok(hyoka_model::credentials::new_token());
    let new = NewToken {
        user_id: u.id,
        name: "test".into(),
        token_hash: secret.hash.clone(),
        prefix: secret.prefix.clone(),
        expires_at: hyoka_model::time::now() + chrono::Duration::days(1),
    };
    (ok(tokens::create(conn, Actor::System, &new)).id, secret.token.expose().to_owned())
}

fn flag(item: u16, rule: &str, severity: Severity, reason: &str) -> NewFlag {
    NewFlag {
        target: FlagTarget::Item(ok(ItemNumber::new(item))),
        rule: rule.into(),
        severity,
        claimed: Evaluation::DONE,
        suggested: Some(Points::Zero),
        reason_ja: format!("根拠に未実施の記述 {reason}"),
        reason_en: format!("the evidence says not done {reason}"),
        detector_version: "test".into(),
        config_hash: "test".into(),
    }
}

fn sheet(conn: &mut DbConn, c: &Company) -> Submission {
    let catalog = ok(Catalog::builtin());
    let answers: Vec<Answer> = catalog
        .items
        .iter()
        .map(|i| Answer {
            item: i.number,
            level: i.level.unwrap_or(Level::Lv1),
            evaluation: Evaluation::DONE,
            evidence: if i.number.get() == 1 {
                "=HYPERLINK(\"http://x\") 現状実施できていない".into()
            } else {
                "「情報セキュリティ規則」を制定し、全従業員に年1回教育を実施済み".into()
            },
            responsible_area: None,
            source_cell: None,
        })
        .collect();
    let new = NewSubmission {
        company_id: c.id,
        fiscal_year: ok(FiscalYear::new(2025)),
        department_id: None,
        framework_id: catalog.framework.id,
        source_filename: "sheet.xlsx".into(),
        source_sha256: "cd".repeat(32),
        answered_on: None,
        respondent: None,
        answers,
    };
    ok(hyoka_model::db::writes::store_submission(conn, Actor::System, &new)).submission().clone()
}

fn world(db: &TestDb) -> World {
    let pool = ok(hyoka_model::db::pool(&db.url, 4));
    let mut conn = ok(pool.get());
    let a = company(&mut conn, "A01", "株式会社エー <b>");
    let b = company(&mut conn, "B01", "株式会社ビー");
    let sub = sheet(&mut conn, &a);
    ok(hyoka_model::db::writes::insert_flags(
        &mut conn,
        sub.id,
        &[
            flag(1, "not_done", Severity::High, "＝式"),
            flag(2, "not_done", Severity::Medium, ""),
            flag(3, "boilerplate", Severity::Low, ""),
        ],
    ));
    let today = hyoka_web::i18n::today_jst();
    let collection = ok(hyoka_model::db::writes::open_collection(
        &mut conn,
        Actor::System,
        &NewCollection {
            fiscal_year: ok(FiscalYear::new(2025)),
            title: "2025年度 自己評価の提出依頼".into(),
            deadline: today - chrono::Duration::days(3),
            message: None,
            members: vec![(a.id, None), (b.id, Some(Level::Lv1))],
        },
    ))
    .id;
    let mut users = BTreeMap::new();
    users.insert("admin", user(&mut conn, "admin", Account::Admin));
    users.insert("reviewer", user(&mut conn, "reviewer", Account::Reviewer));
    users.insert("subsidiary", user(&mut conn, "sub-a", Account::Subsidiary(a.id)));
    users.insert("other", user(&mut conn, "sub-b", Account::Subsidiary(b.id)));
    users.insert("auditor", user(&mut conn, "auditor", Account::Auditor));
    let victim = user(&mut conn, "victim", Account::Subsidiary(b.id)).id;
    let mut tokens = BTreeMap::new();
    for (role, u) in &users {
        tokens.insert(*role, token(&mut conn, u).0);
    }
    let bearer = token(&mut conn, &users["admin"]).1;
    drop(conn);
    World { pool, a, collection, victim, users, bearer, tokens }
}

fn sign_in(w: &World, role: &str) -> Browser {
    session_of(&w.pool, w.users.get(role))
}

macro_rules! app {
    ($w:expr) => {
        test::init_service(
            hyoka_api::app(AppState::new($w.pool.clone(), hyoka_api::Settings::default()))
                .configure(hyoka_web::configure(settings())),
        )
        .await
    };
}

/// A POST, its fields and the status expected per role.
type PostCase = (String, Vec<(&'static str, &'static str)>, [u16; 6]);

/// The new POST routes with their fields; `{role}` in a value becomes the
/// role's name, so each role's attempt is its own (a new login, code, year).
fn posts(w: &World) -> Vec<PostCase> {
    let (a, c, v) = (w.a.id, w.collection, w.victim);
    let only_admin = [303, 403, 403, 403, 403, 303];
    vec![
        (
            "/ui/collections".into(),
            vec![("fiscal_year", "{year}"), ("deadline", "2031-07-31"), ("company", "{a}"), ("title", "提出依頼")],
            [303, 303, 403, 403, 403, 303],
        ),
        (format!("/ui/collections/{c}/deadline"), vec![("deadline", "2026-08-31")], [303, 303, 403, 403, 403, 303]),
        (
            "/ui/admin/users".into(),
            vec![
                ("login", "new-{role}"),
                ("display_name", "新しい人"),
                ("role", "subsidiary"),
                ("company_id", "{a}"),
                ("password", "a-long-enough-password"),
            ],
            only_admin,
        ),
        (format!("/ui/admin/users/{v}/disable"), vec![], only_admin),
        (format!("/ui/admin/users/{v}/enable"), vec![], only_admin),
        (format!("/ui/admin/users/{v}/password"), vec![("password", "another-long-password")], only_admin),
        (format!("/ui/admin/users/{v}/company"), vec![("company_id", "{a}")], only_admin),
        (format!("/ui/admin/users/{v}/contact"), vec![("email", "victim@example.com"), ("language", "en")], only_admin),
        (
            "/ui/admin/companies".into(),
            vec![("code", "N-{role}"), ("name", "新会社 {role}"), ("target_level", "2"), ("impact_tier", "3")],
            only_admin,
        ),
        (
            format!("/ui/admin/companies/{a}"),
            vec![("name", "株式会社エー"), ("target_level", "3"), ("impact_tier", "1")],
            only_admin,
        ),
        (
            format!("/ui/admin/companies/{a}/years"),
            vec![("fiscal_year", "2025"), ("employees", "120"), ("it_staff", "2")],
            only_admin,
        ),
        (
            "/ui/account/tokens".into(),
            vec![("name", "script"), ("expires_in_days", "30")],
            [200, 200, 200, 200, 200, 303],
        ),
        ("/ui/account/tokens/{token}/revoke".into(), vec![], [303, 303, 303, 303, 303, 303]),
    ]
}

fn fill(w: &World, role: &str, i: usize, s: &str) -> String {
    s.replace("{role}", role)
        .replace("{year}", &(2030 + i + 10 * ROLES.iter().position(|r| *r == role).unwrap_or(0)).to_string())
        .replace("{a}", &w.a.id.to_string())
        .replace("{token}", &w.tokens.get(role).copied().unwrap_or(0).to_string())
}

fn every_route_by_every_role(db: &TestDb) {
    let w = world(db);
    rt(async {
        let app = app!(w);
        let (a, c) = (w.a.id, w.collection);
        let gets: Vec<(String, [u16; 6])> = vec![
            ("/ui/flags".into(), [200, 200, 403, 403, 200, 303]),
            (
                "/ui/flags?fiscal_year=2025&severity=high&decision=undecided&level=1&item=1&rule=not_done".into(),
                [200, 200, 403, 403, 200, 303],
            ),
            (format!("/ui/flags?company_id={a}&page=2"), [200, 200, 403, 403, 200, 303]),
            ("/ui/flags?severity=loud".into(), [422, 422, 403, 403, 422, 303]),
            ("/ui/flags.csv".into(), [200, 200, 403, 403, 200, 303]),
            ("/ui/collections".into(), [200, 200, 403, 403, 200, 303]),
            (format!("/ui/collections/{c}"), [200, 200, 403, 403, 200, 303]),
            (format!("/ui/collections/{c}?overdue=1"), [200, 200, 403, 403, 200, 303]),
            ("/ui/collections/999999".into(), [404, 404, 403, 403, 404, 303]),
            ("/ui/audit".into(), [200, 403, 403, 403, 200, 303]),
            ("/ui/audit?entity=collection&page=1".into(), [200, 403, 403, 403, 200, 303]),
            ("/ui/audit?verify=1".into(), [200, 403, 403, 403, 200, 303]),
            ("/ui/audit.csv".into(), [200, 403, 403, 403, 200, 303]),
            ("/ui/admin/users".into(), [200, 403, 403, 403, 403, 303]),
            ("/ui/admin/companies".into(), [200, 403, 403, 403, 403, 303]),
            (format!("/ui/admin/companies/{a}"), [200, 403, 403, 403, 403, 303]),
            ("/ui/admin/companies/999999".into(), [404, 403, 403, 403, 403, 303]),
            ("/ui/account/tokens".into(), [200, 200, 200, 200, 200, 303]),
        ];
        for (path, expected) in &gets {
            for (role, want) in ROLES.iter().zip(expected) {
                let b = sign_in(&w, role);
                let r = call(&app, &b, TestRequest::get().uri(path)).await;
                assert_eq!(r.status.as_u16(), *want, "GET {path} as {role}: {}", r.body);
                for (k, v) in hyoka_web::security::HEADERS {
                    assert_eq!(r.headers.get(*k).and_then(|x| x.to_str().ok()), Some(*v), "GET {path} as {role}: {k}");
                }
                if *want == 303 {
                    assert_eq!(r.headers.get("location").and_then(|l| l.to_str().ok()), Some("/ui/login"));
                }
            }
        }
        for (i, (path, fields, expected)) in posts(&w).iter().enumerate() {
            for (role, want) in ROLES.iter().zip(expected) {
                let b = sign_in(&w, role);
                let mut pairs: Vec<(&str, String)> = fields.iter().map(|(k, v)| (*k, fill(&w, role, i, v))).collect();
                pairs.push(("csrf_token", b.csrf.clone()));
                let path = fill(&w, role, i, path);
                let r = call(&app, &b, post(&path, &pairs)).await;
                assert_eq!(r.status.as_u16(), *want, "POST {path} as {role}: {}", r.body);
            }
        }
        // Another user's token is not found, and stays active.
        let b = sign_in(&w, "reviewer");
        let theirs = w.tokens["auditor"];
        let r = call(&app, &b, post(&format!("/ui/account/tokens/{theirs}/revoke"), &[("csrf_token", b.csrf.clone())]))
            .await;
        assert_eq!(r.status, StatusCode::NOT_FOUND);
    });
}

fn csrf_is_required_on_every_new_post(db: &TestDb) {
    let w = world(db);
    rt(async {
        let app = app!(w);
        let b = sign_in(&w, "admin");
        let other = sign_in(&w, "reviewer");
        for (i, (path, fields, _)) in posts(&w).iter().enumerate() {
            let path = fill(&w, "admin", i, path);
            let pairs: Vec<(&str, String)> = fields.iter().map(|(k, v)| (*k, fill(&w, "admin", i, v))).collect();
            let with = |t: &str| {
                let mut p = pairs.clone();
                p.push(("csrf_token", t.to_owned()));
                p
            };
            for (what, req) in [
                ("missing", post(&path, &pairs)),
                ("wrong", post(&path, &with(&"0".repeat(64)))),
                ("another session's", post(&path, &with(&other.csrf))),
                ("cross-site", post(&path, &with(&b.csrf)).insert_header(("sec-fetch-site", "cross-site"))),
                ("foreign origin", post(&path, &with(&b.csrf)).insert_header(("origin", "http://evil.example"))),
            ] {
                let r = call(&app, &b, req).await;
                assert_eq!(r.status, StatusCode::FORBIDDEN, "POST {path} with a {what} token: {}", r.body);
            }
        }
        // Nothing was made.
        let mut conn = ok(w.pool.get());
        assert!(ok(users::by_login(&mut conn, "new-admin")).is_none());
        assert!(ok(hyoka_model::db::companies::by_code(&mut conn, "N-admin")).is_none());
    });
}

fn the_csv_downloads_are_the_apis_bytes(db: &TestDb) {
    let w = world(db);
    rt(async {
        let app = app!(w);
        let api = Browser::default();
        for who in ["admin", "reviewer", "auditor"] {
            let b = sign_in(&w, who);
            for filters in [
                String::new(),
                "fiscal_year=2025".into(),
                format!("fiscal_year=2025&company_id={}&severity=high", w.a.id),
                "rule=not_done&decision=undecided&level=1".into(),
                "item=3".into(),
                "fiscal_year=2019".into(),
            ] {
                let ui = call(&app, &b, TestRequest::get().uri(&format!("/ui/flags.csv?{filters}"))).await;
                let theirs = call(
                    &app,
                    &api,
                    TestRequest::get()
                        .uri(&format!("/api/v1/exports/flags.csv?{filters}"))
                        .insert_header(("authorization", format!("Bearer {}", w.bearer))),
                )
                .await;
                assert_eq!(ui.status, StatusCode::OK, "{filters}: {}", ui.body);
                assert_eq!(theirs.status, StatusCode::OK, "{filters}: {}", theirs.body);
                assert!(ui.bytes.starts_with(b"\xEF\xBB\xBF"), "{filters}: no BOM");
                assert_eq!(ui.bytes, theirs.bytes, "{filters}");
                let ct = ui.headers.get("content-type").and_then(|v| v.to_str().ok()).unwrap_or("");
                assert!(ct.starts_with("text/csv"), "{ct}");
                assert_eq!(ui.headers.get("content-disposition"), theirs.headers.get("content-disposition"));
            }
            // Japanese intact, formulas neutralised, the filter applied.
            let ui = call(&app, &b, TestRequest::get().uri("/ui/flags.csv?severity=high")).await;
            assert!(ui.body.contains("株式会社エー"), "{}", ui.body);
            assert!(ui.body.contains("'=HYPERLINK"), "{}", ui.body);
            assert_eq!(ui.body.lines().count(), 2, "{}", ui.body);
        }
        let b = sign_in(&w, "auditor");
        for filters in ["", "entity=collection", "entity=company&entity_id=1"] {
            let ui = call(&app, &b, TestRequest::get().uri(&format!("/ui/audit.csv?{filters}"))).await;
            let theirs = call(
                &app,
                &api,
                TestRequest::get()
                    .uri(&format!("/api/v1/exports/audit.csv?{filters}"))
                    .insert_header(("authorization", format!("Bearer {}", w.bearer))),
            )
            .await;
            assert_eq!(ui.status, StatusCode::OK);
            assert!(ui.bytes.starts_with(b"\xEF\xBB\xBF"));
            assert_eq!(ui.bytes, theirs.bytes, "audit {filters}");
        }
        // The explorer links the same filters to the CSV and to the JSON.
        let page = call(&app, &b, TestRequest::get().uri("/ui/flags?fiscal_year=2025&severity=high&rule=")).await;
        assert!(page.body.contains("href=\"/ui/flags.csv?fiscal_year=2025&#38;severity=high\""), "{}", page.body);
        assert!(page.body.contains("href=\"/api/v1/exports/flags?fiscal_year=2025&#38;severity=high\""));
    });
}

fn the_explorer_filters_counts_and_pages(db: &TestDb) {
    let w = world(db);
    rt(async {
        let app = app!(w);
        let b = sign_in(&w, "auditor");
        let all = call(&app, &b, TestRequest::get().uri("/ui/flags")).await;
        assert!(all.body.contains("id=\"flag-total\">該当件数: 3"), "{}", all.body);
        // Counts by rule, most first, each a link that filters by it.
        let by_rule = &all.body[all.body.find("id=\"by-rule\"").unwrap_or(0)..];
        let (nd, bp) = (by_rule.find(">not_done<").unwrap_or(usize::MAX), by_rule.find(">boilerplate<").unwrap_or(0));
        assert!(nd < bp, "not_done (2) before boilerplate (1)");
        assert!(by_rule.contains("href=\"/ui/flags?rule=not_done\""));
        let high = call(&app, &b, TestRequest::get().uri("/ui/flags?severity=high")).await;
        assert!(high.body.contains("該当件数: 1"), "{}", high.body);
        assert!(high.body.contains("根拠に未実施の記述 ＝式"));
        let en =
            call(&app, &b, TestRequest::get().uri("/ui/flags?severity=high").insert_header(("accept-language", "en")))
                .await;
        assert!(en.body.contains("the evidence says not done"), "{}", en.body);
        // Escaped as text.
        assert!(
            all.body.contains("株式会社エー &lt;b&gt;") || all.body.contains("株式会社エー &#60;b&#62;"),
            "{}",
            all.body
        );
        assert!(!all.body.contains("株式会社エー <b>"));
        // A page past the end is empty, with a way back.
        let far = call(&app, &b, TestRequest::get().uri("/ui/flags?page=5")).await;
        assert_eq!(far.status, StatusCode::OK);
        assert!(far.body.contains("id=\"page-prev\""));
    });
}

fn collections_open_follow_and_move_the_deadline(db: &TestDb) {
    let w = world(db);
    rt(async {
        let app = app!(w);
        let b = sign_in(&w, "reviewer");
        let c = w.collection;
        // A submitted (after the deadline: late) and B overdue.
        let page = call(&app, &b, TestRequest::get().uri(&format!("/ui/collections/{c}"))).await;
        assert!(page.body.contains("id=\"count-overdue\">1<"), "{}", page.body);
        assert!(page.body.contains("id=\"status-submitted\">1<"), "{}", page.body);
        assert!(page.body.contains("id=\"status-not_submitted\">1<"), "{}", page.body);
        assert!(page.body.contains("株式会社ビー"));
        assert!(page.body.contains("3日超過"), "{}", page.body);
        assert!(page.body.contains("期限の3日後に提出"), "{}", page.body);
        let overdue = call(&app, &b, TestRequest::get().uri(&format!("/ui/collections/{c}?overdue=1"))).await;
        assert!(
            overdue.body.contains("株式会社ビー") && !overdue.body.contains("A01 株式会社エー"),
            "{}",
            overdue.body
        );
        // The deadline moves; a bad date is refused in the page's language.
        let r = call(
            &app,
            &b,
            post(
                &format!("/ui/collections/{c}/deadline"),
                &[("deadline", "2099-12-31".into()), ("csrf_token", b.csrf.clone())],
            ),
        )
        .await;
        assert_eq!(r.status, StatusCode::SEE_OTHER);
        let page = call(&app, &b, TestRequest::get().uri(&format!("/ui/collections/{c}"))).await;
        assert!(page.body.contains("2099年12月31日"), "{}", page.body);
        assert!(page.body.contains("id=\"count-overdue\">0<"));
        let r = call(
            &app,
            &b,
            post(
                &format!("/ui/collections/{c}/deadline"),
                &[("deadline", "31/12".into()), ("csrf_token", b.csrf.clone())],
            )
            .insert_header(("accept-language", "en")),
        )
        .await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(r.body.contains("Give the deadline as a date"), "{}", r.body);
        // The same year twice is refused with the model's rule, in Japanese.
        let r = call(
            &app,
            &b,
            post(
                "/ui/collections",
                &[
                    ("fiscal_year", "2025".into()),
                    ("deadline", "2026-07-31".into()),
                    ("company", w.a.id.to_string()),
                    ("csrf_token", b.csrf.clone()),
                ],
            ),
        )
        .await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(r.body.contains("2025年度の提出依頼は作成済みです"), "{}", r.body);
        // An auditor reads, without the forms.
        let a = sign_in(&w, "auditor");
        let page = call(&app, &a, TestRequest::get().uri(&format!("/ui/collections/{c}"))).await;
        assert!(!page.body.contains("id=\"new-deadline\""));
        let list = call(&app, &a, TestRequest::get().uri("/ui/collections")).await;
        assert!(!list.body.contains("id=\"open-collection\"") && list.body.contains("2025年度 自己評価の提出依頼"));
    });
}

fn administration_keeps_the_apis_rules(db: &TestDb) {
    let w = world(db);
    rt(async {
        let app = app!(w);
        let b = sign_in(&w, "admin");
        let me = w.users["admin"].id;
        // The last active admin cannot be disabled, said in each language.
        let r = call(&app, &b, post(&format!("/ui/admin/users/{me}/disable"), &[("csrf_token", b.csrf.clone())])).await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.body);
        assert!(r.body.contains("管理者"), "{}", r.body);
        let r = call(
            &app,
            &b,
            post(&format!("/ui/admin/users/{me}/disable"), &[("csrf_token", b.csrf.clone())])
                .insert_header(("accept-language", "en")),
        )
        .await;
        assert!(r.body.contains("no active admin"), "{}", r.body);
        // A duplicate company code, a subsidiary without company, a short password.
        let pairs = |v: &[(&'static str, &str)]| {
            let mut p: Vec<(&str, String)> = v.iter().map(|(k, v)| (*k, (*v).to_owned())).collect();
            p.push(("csrf_token", b.csrf.clone()));
            p
        };
        let r = call(
            &app,
            &b,
            post("/ui/admin/companies", &pairs(&[("code", "a01"), ("name", "重複"), ("target_level", "2")])),
        )
        .await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.body);
        let r = call(
            &app,
            &b,
            post(
                "/ui/admin/users",
                &pairs(&[
                    ("login", "x1"),
                    ("display_name", "x"),
                    ("role", "subsidiary"),
                    ("password", "a-long-enough-password"),
                ]),
            ),
        )
        .await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(r.body.contains("子会社ユーザーには company_id が必要です"), "{}", r.body);
        let r = call(
            &app,
            &b,
            post(
                "/ui/admin/users",
                &pairs(&[("login", "x2"), ("display_name", "x"), ("role", "reviewer"), ("password", "short")]),
            ),
        )
        .await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
        let r = call(
            &app,
            &b,
            post(
                "/ui/admin/users",
                &pairs(&[
                    ("login", "sub-a"),
                    ("display_name", "x"),
                    ("role", "auditor"),
                    ("password", "a-long-enough-password"),
                ]),
            ),
        )
        .await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(r.body.contains("使用済み"), "{}", r.body);
        let r =
            call(&app, &b, post("/ui/admin/users/999999/password", &pairs(&[("password", "a-long-enough-password")])))
                .await;
        assert_eq!(r.status, StatusCode::NOT_FOUND);
        // Binding a non-subsidiary to a company is refused.
        let rev = w.users["reviewer"].id;
        let r = call(
            &app,
            &b,
            post(&format!("/ui/admin/users/{rev}/company"), &pairs(&[("company_id", &w.a.id.to_string())])),
        )
        .await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
        // A subsidiary user made here signs in; a new password ends its sessions and tokens.
        let company = w.a.id.to_string();
        let r = call(
            &app,
            &b,
            post(
                "/ui/admin/users",
                &pairs(&[
                    ("login", "new-sub"),
                    ("display_name", "新しい担当"),
                    ("role", "subsidiary"),
                    ("company_id", &company),
                    ("password", "a-long-enough-password"),
                    ("email", "tanto@a.example.jp"),
                    ("language", "en"),
                ]),
            ),
        )
        .await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
        let mut conn = ok(w.pool.get());
        let made = ok(users::by_login(&mut conn, "new-sub")).unwrap_or_else(|| panic!("not made"));
        assert_eq!(made.account, Account::Subsidiary(w.a.id));
        assert_eq!((made.email.as_deref(), made.language), (Some("tanto@a.example.jp"), users::Language::En));
        let policy = hyoka_api::Settings::default().login_policy;
        let pw = hyoka_model::credentials::Secret::new("a-long-enough-password");
        let signed = ok(hyoka_service::login::authenticate(&mut conn, policy, "new-sub", &pw, None));
        let secret = ok(session::create(&mut conn, &signed, None, settings().lifetimes));
        let (tok, _) = token(&mut conn, &signed);
        drop(conn);
        let r = call(
            &app,
            &b,
            post(&format!("/ui/admin/users/{}/password", made.id), &pairs(&[("password", "a-new-long-password")])),
        )
        .await;
        assert_eq!(r.status, StatusCode::SEE_OTHER);
        let mut conn = ok(w.pool.get());
        assert!(ok(session::find(&mut conn, &secret, hyoka_model::time::now(), settings().lifetimes)).is_none());
        assert!(ok(tokens::get(&mut conn, tok)).revoked_at.is_some());
        drop(conn);
        // Disabled, then enabled again; the page lists it.
        for (action, disabled) in [("disable", true), ("enable", false)] {
            let r = call(&app, &b, post(&format!("/ui/admin/users/{}/{action}", made.id), &pairs(&[]))).await;
            assert_eq!(r.status, StatusCode::SEE_OTHER);
            let mut conn = ok(w.pool.get());
            assert_eq!(ok(users::get(&mut conn, made.id)).disabled, disabled);
        }
        // Its mail settings: a bad address is refused in the page's language and changes
        // nothing; a good one is kept, and (unlike a password) ends no session.
        let contact = format!("/ui/admin/users/{}/contact", made.id);
        let r = call(&app, &b, post(&contact, &pairs(&[("email", "not an address"), ("language", "ja")]))).await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.body);
        assert!(r.body.contains("メールアドレスではありません"), "{}", r.body);
        let r = call(&app, &b, post(&contact, &pairs(&[("email", "x@example.com"), ("language", "de")]))).await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.body);
        let mut conn = ok(w.pool.get());
        assert_eq!(ok(users::get(&mut conn, made.id)).email.as_deref(), Some("tanto@a.example.jp"));
        let signed = ok(users::get(&mut conn, made.id));
        let secret = ok(session::create(&mut conn, &signed, None, settings().lifetimes));
        drop(conn);
        let r = call(&app, &b, post(&contact, &pairs(&[("email", "it-desk@a.example.jp"), ("language", "ja")]))).await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
        let mut conn = ok(w.pool.get());
        let now = ok(users::get(&mut conn, made.id));
        assert_eq!((now.email.as_deref(), now.language), (Some("it-desk@a.example.jp"), users::Language::Ja));
        assert!(ok(session::find(&mut conn, &secret, hyoka_model::time::now(), settings().lifetimes)).is_some());
        drop(conn);
        let list = call(&app, &b, TestRequest::get().uri("/ui/admin/users")).await;
        assert!(list.body.contains("new-sub") && list.body.contains("新しい担当"));
        assert!(list.body.contains("it-desk@a.example.jp"), "the address is listed");
        // Blank: no more mail.
        let r = call(&app, &b, post(&contact, &pairs(&[("email", " "), ("language", "ja")]))).await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
        let mut conn = ok(w.pool.get());
        assert_eq!(ok(users::get(&mut conn, made.id)).email, None);
        drop(conn);
        // A company edited and its size recorded.
        let a = w.a.id;
        let r = call(
            &app,
            &b,
            post(
                &format!("/ui/admin/companies/{a}/years"),
                &pairs(&[("fiscal_year", "2024"), ("employees", "321"), ("it_staff", "4")]),
            ),
        )
        .await;
        assert_eq!(r.status, StatusCode::SEE_OTHER);
        let page = call(&app, &b, TestRequest::get().uri(&format!("/ui/admin/companies/{a}"))).await;
        assert!(page.body.contains(">321<") && page.body.contains(">4<"), "{}", page.body);
    });
}

fn a_token_is_shown_once(db: &TestDb) {
    let w = world(db);
    rt(async {
        let app = app!(w);
        let b = sign_in(&w, "subsidiary");
        let r = call(
            &app,
            &b,
            post(
                "/ui/account/tokens",
                &[("name", "夜間バッチ".into()), ("expires_in_days", "30".into()), ("csrf_token", b.csrf.clone())],
            ),
        )
        .await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.body);
        assert!(r.headers.get("location").is_none());
        let start = r.body.find("id=\"new-token\">").map(|i| i + "id=\"new-token\">".len()).unwrap_or(0);
        let tok: String = r.body[start..].chars().take_while(|c| *c != '<').collect();
        assert!(tok.starts_with("hyoka_") && tok.len() > 40, "{tok}");
        // It works on the API, and is never shown again.
        let me = call(
            &app,
            &Browser::default(),
            TestRequest::get().uri("/api/v1/me").insert_header(("authorization", format!("Bearer {tok}"))),
        )
        .await;
        assert_eq!(me.status, StatusCode::OK);
        let list = call(&app, &b, TestRequest::get().uri("/ui/account/tokens")).await;
        assert!(list.body.contains("夜間バッチ") && !list.body.contains(&tok));
        let r = call(
            &app,
            &b,
            post(
                "/ui/account/tokens",
                &[("name", "x".into()), ("expires_in_days", "100000".into()), ("csrf_token", b.csrf.clone())],
            ),
        )
        .await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
        // Revoked from the list, it no longer works.
        let id: String = list
            .body
            .split("夜間バッチ")
            .nth(1)
            .and_then(|row| row.split("/ui/account/tokens/").nth(1))
            .map(|r| r.chars().take_while(char::is_ascii_digit).collect())
            .unwrap_or_default();
        let r =
            call(&app, &b, post(&format!("/ui/account/tokens/{id}/revoke"), &[("csrf_token", b.csrf.clone())])).await;
        assert_eq!(r.status, StatusCode::SEE_OTHER);
        let list = call(&app, &b, TestRequest::get().uri("/ui/account/tokens?flash=revoked")).await;
        assert!(list.body.contains("トークンを失効させました"), "{}", list.body);
        let me = call(
            &app,
            &Browser::default(),
            TestRequest::get().uri("/api/v1/me").insert_header(("authorization", format!("Bearer {tok}"))),
        )
        .await;
        assert_eq!(me.status, StatusCode::UNAUTHORIZED, "a revoked token no longer works");
    });
}

fn the_audit_log_reads_filters_and_verifies(db: &TestDb) {
    let w = world(db);
    rt(async {
        let app = app!(w);
        let b = sign_in(&w, "auditor");
        let page = call(&app, &b, TestRequest::get().uri("/ui/audit?entity=collection")).await;
        assert!(page.body.contains("collection.open"), "{}", page.body);
        assert!(page.body.contains("+09:00"), "{}", page.body);
        assert!(page.body.contains("<details>"));
        assert!(!page.body.contains("company.create"));
        let v = call(&app, &b, TestRequest::get().uri("/ui/audit?verify=1")).await;
        assert!(v.body.contains("ハッシュチェーンは正常です"), "{}", v.body);
        let v =
            call(&app, &b, TestRequest::get().uri("/ui/audit?verify=1").insert_header(("accept-language", "en"))).await;
        assert!(v.body.contains("The hash chain is intact"), "{}", v.body);
    });
}

fn names_are_shown_as_text(db: &TestDb) {
    let w = world(db);
    rt(async {
        let app = app!(w);
        let b = sign_in(&w, "admin");
        let evil = "<script>alert(1)</script>\"><img src=x onerror=alert(1)>";
        let r = call(
            &app,
            &b,
            post(
                "/ui/admin/companies",
                &[
                    ("code", "X-1".into()),
                    ("name", evil.into()),
                    ("target_level", "1".into()),
                    ("csrf_token", b.csrf.clone()),
                ],
            ),
        )
        .await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
        let r = call(
            &app,
            &b,
            post(
                "/ui/admin/users",
                &[
                    ("login", "evil".into()),
                    ("display_name", evil.into()),
                    ("role", "auditor".into()),
                    ("password", "a-long-enough-password".into()),
                    ("csrf_token", b.csrf.clone()),
                ],
            ),
        )
        .await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
        for path in ["/ui/admin/companies", "/ui/admin/users", "/ui/audit", "/ui/collections", "/ui/flags"] {
            for lang in ["ja", "en"] {
                let r = call(&app, &b, TestRequest::get().uri(path).insert_header(("accept-language", lang))).await;
                assert_eq!(r.status, StatusCode::OK, "{path}");
                assert!(
                    !r.body.contains("<script>alert") && !r.body.contains("<img src=x"),
                    "{path} {lang}: {}",
                    r.body
                );
            }
        }
    });
}

hyoka_model::both_backends!(
    names_are_shown_as_text,
    every_route_by_every_role,
    csrf_is_required_on_every_new_post,
    the_csv_downloads_are_the_apis_bytes,
    the_explorer_filters_counts_and_pages,
    collections_open_follow_and_move_the_deadline,
    administration_keeps_the_apis_rules,
    a_token_is_shown_once,
    the_audit_log_reads_filters_and_verifies,
);
