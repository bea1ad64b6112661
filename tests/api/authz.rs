//! The authorisation matrix: every operation of the OpenAPI document, as
//! every role, as a subsidiary user of another company, and without a token.
//! Each call gets fresh data where it changes something, so an allowed call
//! succeeds (2xx) and a refused one is 401, 403 or 404; anything else fails
//! the test, and so does an operation missing from the table. Every answer
//! is checked against what the document says of it: its status is
//! documented, and a JSON body fits the schema documented for that status
//! (`crate::schema`); each operation's 2xx JSON answer is checked at least
//! once.

use std::cell::Cell;
use std::collections::{BTreeMap, BTreeSet};

use hyoka_model::both_backends;
use hyoka_model::db::testing::TestDb;
use hyoka_model::db::users::Account;
use hyoka_model::db::{DbConn, review};
use hyoka_model::domain::Level;
use hyoka_model::workflow::{Action, Actor};
use serde_json::{Value, json};

use crate::client::{self, Api, Resp};
use crate::common::workdir;
use crate::fixtures::{collection, company, ok, sheet_json, submission, token, user, user_with_password};
use crate::schema;

/// Who calls.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Who {
    Admin,
    Reviewer,
    /// A subsidiary user of the company the data belongs to.
    SubOwn,
    /// A subsidiary user of another company.
    SubOther,
    Auditor,
    Nobody,
}

use Who::*;

const EVERYONE: &[Who] = &[Admin, Reviewer, SubOwn, SubOther, Auditor, Nobody];
const SIGNED_IN: &[Who] = &[Admin, Reviewer, SubOwn, SubOther, Auditor];
const SEES_OWN: &[Who] = &[Admin, Reviewer, SubOwn, Auditor];
const PARENT: &[Who] = &[Admin, Reviewer];
const ADMIN: &[Who] = &[Admin];
const GROUP: &[Who] = &[Admin, Reviewer, Auditor];

/// Who may call each operation. Every operation of the document must be here.
fn allowed() -> BTreeMap<&'static str, &'static [Who]> {
    BTreeMap::from([
        ("healthz", EVERYONE),
        ("readyz", EVERYONE),
        ("login", EVERYONE),
        ("logout", SIGNED_IN),
        ("get_me", SIGNED_IN),
        ("change_own_password", SIGNED_IN),
        ("list_tokens", SIGNED_IN),
        ("create_token", SIGNED_IN),
        ("revoke_token", &[Admin, SubOwn][..]),
        ("list_users", ADMIN),
        ("create_user", ADMIN),
        ("update_user", ADMIN),
        ("list_companies", SIGNED_IN),
        ("create_company", ADMIN),
        ("get_company", SEES_OWN),
        ("update_company", ADMIN),
        ("set_company_year", ADMIN),
        ("list_collections", SIGNED_IN),
        ("open_collection", PARENT),
        ("get_collection", SEES_OWN),
        ("update_collection", PARENT),
        ("upload_submission", &[Admin, Reviewer, SubOwn, SubOther][..]),
        ("upload_submission_json", &[Admin, Reviewer, SubOwn, SubOther][..]),
        ("list_submissions", SIGNED_IN),
        ("get_submission", SEES_OWN),
        ("start_review", PARENT),
        ("return_submission", PARENT),
        ("accept_submission", PARENT),
        ("release_flags", PARENT),
        ("list_flags", SIGNED_IN),
        ("get_flag", SEES_OWN),
        ("decide_flag", PARENT),
        ("reply_to_flag", &[Admin, SubOwn][..]),
        ("list_analysis_runs", GROUP),
        ("request_analysis_run", PARENT),
        ("list_audit_events", &[Admin, Auditor][..]),
        ("verify_audit_log", &[Admin, Auditor][..]),
        ("export_flags_csv", GROUP),
        ("export_flags", GROUP),
        ("export_audit_csv", &[Admin, Auditor][..]),
        ("feedback_workbook", SEES_OWN),
        ("compare_submission", SEES_OWN),
        ("get_overview", GROUP),
        ("get_review_queue", GROUP),
        ("get_trend", GROUP),
        ("get_item_dashboard", GROUP),
        ("get_readiness", SEES_OWN),
        ("get_readiness_csv", SEES_OWN),
        ("get_group", GROUP),
    ])
}

struct World {
    users: BTreeMap<Who, i64>,
    company_a: i64,
    company_b: i64,
    collection_a: i64,
    released_flag: i64,
    sub_a_user: i64,
    next_year: Cell<i32>,
    next_name: Cell<u32>,
}

impl World {
    fn year(&self) -> i32 {
        let y = self.next_year.get();
        self.next_year.set(y + 1);
        y
    }

    fn name(&self) -> u32 {
        let n = self.next_name.get();
        self.next_name.set(n + 1);
        n
    }
}

/// A request: method, path, body (JSON unless multipart).
enum Body {
    None,
    Json(Value),
    Multipart(Vec<u8>),
    RawJson(Vec<u8>),
}

/// Builds the request of an operation for one call, with fresh data where
/// the call changes something.
fn call(op: &str, w: &World, who: Who, conn: &mut DbConn) -> (&'static str, String, Body) {
    // A subsidiary uploads its own company's sheet (a cover naming another
    // company is refused, 422, which is not what this table is about).
    let (code, name) = if who == SubOther { ("B-1", "株式会社ビー") } else { ("A-1", "株式会社エー") };
    let a = w.company_a;
    let fresh = |conn: &mut DbConn| submission(conn, a, w.year());
    let in_review = |conn: &mut DbConn| {
        let s = fresh(conn);
        ok(hyoka_model::db::writes::transition(conn, Actor::System, s.id, Action::StartReview, None));
        s
    };
    match op {
        "healthz" => ("GET", "/healthz".into(), Body::None),
        "readyz" => ("GET", "/readyz".into(), Body::None),
        "login" => {
            ("POST", "/api/v1/login".into(), Body::Json(json!({"login": "pw-user", "password": "pw-user-password"})))
        }
        "logout" => ("POST", "/api/v1/logout".into(), Body::None),
        "get_me" => ("GET", "/api/v1/me".into(), Body::None),
        "change_own_password" => {
            // Each call knows the caller's current password: it is set here.
            if let Some(id) = w.users.get(&who) {
                let hash = ok(hyoka_api::auth::hash_password(&hyoka_api::auth::Secret::new("authz-current-pw")));
                ok(hyoka_model::db::users::set_password(conn, Actor::System, *id, &hash));
            }
            let body = json!({"current": "authz-current-pw", "new": format!("authz-new-pw-{}", w.name())});
            ("POST", "/api/v1/me/password".into(), Body::Json(body))
        }
        "list_tokens" => ("GET", "/api/v1/tokens".into(), Body::None),
        "create_token" => ("POST", "/api/v1/tokens".into(), Body::Json(json!({"name": "ci", "expires_in_days": 30}))),
        "revoke_token" => {
            let _ = token(conn, w.sub_a_user);
            let (list, _) = ok(hyoka_model::db::tokens::list(conn, Some(w.sub_a_user), 0, 1));
            ("DELETE", format!("/api/v1/tokens/{}", list[0].id), Body::None)
        }
        "list_users" => ("GET", "/api/v1/users".into(), Body::None),
        "create_user" => (
            "POST",
            "/api/v1/users".into(),
            Body::Json(
                json!({"login": format!("new{}", w.name()), "display_name": "x", "role": "auditor", "password": "a-long-password"}),
            ),
        ),
        "update_user" => {
            let u = user(conn, &format!("victim{}", w.name()), Account::Auditor);
            ("PATCH", format!("/api/v1/users/{}", u.id), Body::Json(json!({"display_name": "changed"})))
        }
        "list_companies" => ("GET", "/api/v1/companies".into(), Body::None),
        "create_company" => (
            "POST",
            "/api/v1/companies".into(),
            Body::Json(
                json!({"code": format!("N-{}", w.name()), "name": format!("新会社{}", w.name()), "target_level": 1}),
            ),
        ),
        "get_company" => ("GET", format!("/api/v1/companies/{a}"), Body::None),
        "update_company" => ("PATCH", format!("/api/v1/companies/{a}"), Body::Json(json!({"impact_tier": 1}))),
        "set_company_year" => {
            ("PUT", format!("/api/v1/companies/{a}/years/2024"), Body::Json(json!({"employees": 40, "it_staff": 1})))
        }
        "list_collections" => ("GET", "/api/v1/collections".into(), Body::None),
        "open_collection" => (
            "POST",
            "/api/v1/collections".into(),
            Body::Json(json!({"fiscal_year": w.year(), "deadline": "2099-07-31", "companies": [{"company_id": a}]})),
        ),
        "get_collection" => ("GET", format!("/api/v1/collections/{}", w.collection_a), Body::None),
        "update_collection" => {
            ("PATCH", format!("/api/v1/collections/{}", w.collection_a), Body::Json(json!({"deadline": "2099-08-31"})))
        }
        "upload_submission" => {
            let n = w.name();
            let sheet = sheet_json(code, name, 2099, |item, v| {
                if item == 1 {
                    v["evidence"] = json!(format!("規程を制定済み 版{n}"));
                }
            });
            ("POST", "/api/v1/submissions".into(), Body::Multipart(sheet))
        }
        "upload_submission_json" => {
            let n = w.name();
            let sheet = sheet_json(code, name, 2098, |item, v| {
                if item == 1 {
                    v["evidence"] = json!(format!("規程を制定済み 版{n}"));
                }
            });
            ("POST", "/api/v1/submissions/json".into(), Body::RawJson(sheet))
        }
        "list_submissions" => ("GET", "/api/v1/submissions".into(), Body::None),
        "get_submission" => ("GET", format!("/api/v1/submissions/{}", fresh(conn).id), Body::None),
        "start_review" => ("POST", format!("/api/v1/submissions/{}/start-review", fresh(conn).id), Body::None),
        "return_submission" => (
            "POST",
            format!("/api/v1/submissions/{}/return", in_review(conn).id),
            Body::Json(json!({"message": "見直してください"})),
        ),
        "accept_submission" => (
            "POST",
            format!("/api/v1/submissions/{}/accept", in_review(conn).id),
            Body::Json(json!({"open_flags": "keep"})),
        ),
        "release_flags" => ("POST", format!("/api/v1/submissions/{}/release-flags", fresh(conn).id), Body::None),
        "list_flags" => ("GET", "/api/v1/flags".into(), Body::None),
        "get_flag" => ("GET", format!("/api/v1/flags/{}", w.released_flag), Body::None),
        "decide_flag" => {
            let s = fresh(conn);
            let f = ok(hyoka_model::db::flags::of_submission(conn, s.id));
            (
                "POST",
                format!("/api/v1/flags/{}/decision", f[0].id),
                Body::Json(json!({"decision": "confirmed", "reviewed_score": 1, "comment": "対策中です"})),
            )
        }
        "reply_to_flag" => {
            ("POST", format!("/api/v1/flags/{}/replies", w.released_flag), Body::Json(json!({"body": "確認しました"})))
        }
        "list_analysis_runs" => ("GET", "/api/v1/analysis/runs?fiscal_year=2000".into(), Body::None),
        "request_analysis_run" => ("POST", "/api/v1/analysis/runs".into(), Body::Json(json!({"fiscal_year": 2000}))),
        "list_audit_events" => ("GET", "/api/v1/audit".into(), Body::None),
        "verify_audit_log" => ("GET", "/api/v1/audit/verify".into(), Body::None),
        "export_flags_csv" => ("GET", "/api/v1/exports/flags.csv".into(), Body::None),
        "export_flags" => ("GET", "/api/v1/exports/flags".into(), Body::None),
        "export_audit_csv" => ("GET", "/api/v1/exports/audit.csv".into(), Body::None),
        "feedback_workbook" => ("GET", format!("/api/v1/submissions/{}/feedback.xlsx", fresh(conn).id), Body::None),
        "compare_submission" => ("GET", format!("/api/v1/submissions/{}/compare", fresh(conn).id), Body::None),
        "get_overview" => ("GET", "/api/v1/dashboards/overview?fiscal_year=2000".into(), Body::None),
        "get_review_queue" => ("GET", "/api/v1/dashboards/review-queue?fiscal_year=2000".into(), Body::None),
        "get_trend" => ("GET", format!("/api/v1/dashboards/trend?company_id={a}"), Body::None),
        "get_item_dashboard" => ("GET", "/api/v1/dashboards/items?fiscal_year=2000".into(), Body::None),
        "get_readiness" | "get_readiness_csv" => {
            let s = fresh(conn);
            let path = if op == "get_readiness" { "readiness" } else { "readiness.csv" };
            ("GET", format!("/api/v1/scs/{path}?fiscal_year={}&company_id={a}", s.fiscal_year.get()), Body::None)
        }
        "get_group" => ("GET", "/api/v1/scs/group?fiscal_year=2000".into(), Body::None),
        other => panic!("operation {other} has no request in this test: add it to `call` and `allowed`"),
    }
}

/// Checks an answer against its operation in the document: the status is
/// documented, and a JSON body fits the schema documented for it. Whether a
/// JSON body was checked.
fn check_answer(doc: &Value, op: &str, r: &Resp) -> Result<bool, String> {
    let operation = schema::operation(doc, op).ok_or("not in the document")?;
    let documented = operation["responses"].get(r.status.to_string()).ok_or("the status is not documented")?;
    let is_json = r.header("content-type").is_some_and(|ct| ct.starts_with("application/json"));
    let json_schema = schema::response_schema(doc, op, r.status);
    match (is_json, json_schema) {
        (true, Some(s)) => schema::check(doc, s, &r.json()).map(|()| true).map_err(|e| e.join("\n    ")),
        (true, None) => Err(format!("answers JSON, documents {}", documented["content"])),
        (false, Some(_)) => Err(format!("documents JSON, answers {:?}", r.header("content-type"))),
        (false, None) => Ok(false),
    }
}

fn every_operation_allows_exactly_the_roles_in_the_table(db: &TestDb) {
    let dir = workdir();
    let mut conn = db.conn();
    let a = company(&mut conn, "A-1", "株式会社エー", Level::Lv2);
    let b = company(&mut conn, "B-1", "株式会社ビー", Level::Lv1);
    let mut users = BTreeMap::new();
    for (who, login, account) in [
        (Admin, "admin", Account::Admin),
        (Reviewer, "reviewer", Account::Reviewer),
        (SubOwn, "sub-a", Account::Subsidiary(a.id)),
        (SubOther, "sub-b", Account::Subsidiary(b.id)),
        (Auditor, "auditor", Account::Auditor),
    ] {
        users.insert(who, user(&mut conn, login, account).id);
    }
    user_with_password(&mut conn, "pw-user", Account::Auditor, "pw-user-password");
    // A year of size facts, so get_company's `years` has something to check.
    ok(hyoka_model::db::companies::set_year(
        &mut conn,
        Actor::System,
        &hyoka_model::db::companies::CompanyYear {
            company_id: a.id,
            fiscal_year: ok(hyoka_model::domain::FiscalYear::new(2023)),
            employees: Some(120),
            it_staff: None,
        },
    ));
    let collection_a = collection(&mut conn, 2024, &[a.id]);
    // The subsidiaries' uploads (2098, 2099) are for years a collection asks
    // for: with collections in use, other years are refused (422).
    for year in [2098, 2099] {
        collection(&mut conn, year, &[a.id, b.id]);
    }
    let released = submission(&mut conn, a.id, 2000);
    ok(review::release_flags(&mut conn, Actor::System, released.id));
    let released_flag = ok(hyoka_model::db::flags::of_submission(&mut conn, released.id))[0].id;
    let world = World {
        sub_a_user: users[&SubOwn],
        users,
        company_a: a.id,
        company_b: b.id,
        collection_a: collection_a.id,
        released_flag,
        next_year: Cell::new(2001),
        next_name: Cell::new(1),
    };
    let _ = world.company_b;

    let server = client::serve(&db.url_string(), dir.path(), &[]);
    let api: Api = server.api;
    let doc = api.get("/api/openapi.json", None).expect(200).json();
    let mut ops = BTreeSet::new();
    for (_, item) in doc["paths"].as_object().cloned().unwrap_or_default() {
        for (_, op) in item.as_object().cloned().unwrap_or_default() {
            if let Some(id) = op["operationId"].as_str() {
                ops.insert(id.to_owned());
            }
        }
    }
    let table = allowed();
    let documented: BTreeSet<String> = table.keys().map(|k| (*k).to_owned()).collect();
    assert_eq!(ops, documented, "the table and the OpenAPI document must list the same operations");

    let mut wrong = Vec::new();
    let mut misfits = Vec::new();
    let mut checked = BTreeSet::new();
    for (op, may) in &table {
        for who in EVERYONE {
            let tok = world.users.get(who).map(|id| token(&mut conn, *id));
            let (method, path, body) = call(op, &world, *who, &mut conn);
            let r = match body {
                Body::None => client::request(api.addr, method, &path, tok.as_deref(), None, b""),
                Body::Json(v) => api.send(method, &path, tok.as_deref(), &v),
                Body::RawJson(bytes) => {
                    client::request(api.addr, method, &path, tok.as_deref(), Some("application/json"), &bytes)
                }
                Body::Multipart(bytes) => api.upload(tok.as_deref(), "sheet.json", &bytes, &[]),
            };
            let got_allowed = match r.status {
                200..=299 => true,
                401 | 403 | 404 => false,
                s => panic!("{op} as {who:?}: unexpected {s}: {}", r.body),
            };
            // Refusals too: their status and ErrorBody are documented as well.
            match check_answer(&doc, op, &r) {
                Ok(true) if got_allowed => {
                    checked.insert(*op);
                }
                Ok(_) => {}
                Err(e) => misfits.push(format!("{op} as {who:?} ({}):\n    {e}", r.status)),
            }
            if r.status >= 400 {
                let j = r.json();
                assert!(j["error"].is_string(), "{op} as {who:?}: {}", r.body);
            }
            if *who == Nobody && !may.contains(&Nobody) {
                assert_eq!(r.status, 401, "{op} without a token: {}", r.body);
            }
            if got_allowed != may.contains(who) {
                wrong.push(format!("{op} as {who:?}: {} {}", r.status, r.body));
            }
        }
    }
    assert!(wrong.is_empty(), "calls that break the table:\n{}", wrong.join("\n"));
    assert!(misfits.is_empty(), "answers that do not fit the document:\n{}", misfits.join("\n"));
    let answering_json: BTreeSet<&str> = table
        .keys()
        .copied()
        .filter(|op| (200..300).any(|status| schema::response_schema(&doc, op, status).is_some()))
        .collect();
    let unchecked: Vec<&&str> = answering_json.difference(&checked).collect();
    assert!(unchecked.is_empty(), "operations whose JSON answer was never checked: {unchecked:?}");
}

both_backends!(every_operation_allows_exactly_the_roles_in_the_table);
