//! Uploads through the service layer: each kind of failure answers its own
//! status, and none of them stores anything or shows the database's words;
//! with collections in use, a subsidiary uploads only for their years.

use diesel::connection::SimpleConnection;
use hyoka_model::both_backends;
use hyoka_model::db::testing::TestDb;
use hyoka_model::db::users::Account;
use hyoka_model::db::{DbConn, submissions};
use hyoka_model::domain::Level;

use crate::client;
use crate::common::workdir;
use crate::fixtures::{collection, company, ok, sheet_json, token, user};

/// What the database says when the trigger below fires; it must never reach
/// a caller.
const SECRET_DETAIL: &str = "hyoka-test-internal-detail";

fn an_upload_while_the_database_fails_answers_500_and_stores_nothing(db: &TestDb) {
    let dir = workdir();
    let mut conn = db.conn();
    let c = company(&mut conn, "F-1", "故障テスト株式会社", Level::Lv1);
    let sub = user(&mut conn, "sub-f1", Account::Subsidiary(c.id));
    let sub = token(&mut conn, sub.id);
    // Every insert of an answer now fails inside the upload's transaction.
    let fail = match &conn {
        DbConn::Sqlite(_) => format!(
            "CREATE TRIGGER fail_answers BEFORE INSERT ON answers BEGIN SELECT RAISE(ABORT, '{SECRET_DETAIL}'); END;"
        ),
        DbConn::Pg(_) => format!(
            "CREATE FUNCTION fail_answers() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RAISE EXCEPTION '{SECRET_DETAIL}'; END $$; \
             CREATE TRIGGER fail_answers BEFORE INSERT ON answers FOR EACH ROW EXECUTE FUNCTION fail_answers();"
        ),
    };
    ok(conn.batch_execute(&fail));
    let server = client::serve(&db.url_string(), dir.path(), &[]);
    let r = server.api.upload(Some(&sub), "sheet.json", &sheet_json("F-1", "故障テスト株式会社", 2025, |_, _| {}), &[]);
    let r = r.expect(500);
    let body = r.json();
    assert_eq!(body["error"], "internal", "{body}");
    assert!(!body.to_string().contains(SECRET_DETAIL), "the database's message leaked: {body}");
    assert!(body["message"].as_str().is_some_and(|m| m.contains("サーバー")), "{body}");
    assert_eq!(ok(submissions::count(&mut conn)), 0);
}

fn a_subsidiary_naming_another_company_is_forbidden(db: &TestDb) {
    let dir = workdir();
    let mut conn = db.conn();
    let own = company(&mut conn, "S-1", "自社株式会社", Level::Lv1);
    company(&mut conn, "S-2", "他社株式会社", Level::Lv1);
    let sub = user(&mut conn, "sub-s1", Account::Subsidiary(own.id));
    let sub = token(&mut conn, sub.id);
    let server = client::serve(&db.url_string(), dir.path(), &[]);
    let sheet = sheet_json("S-2", "他社株式会社", 2025, |_, _| {});
    let r = server.api.upload(Some(&sub), "sheet.json", &sheet, &[("company", "S-2")]).expect(403);
    assert_eq!(r.json()["error"], "forbidden");
    assert_eq!(ok(submissions::count(&mut conn)), 0);
    // A cover naming another company is refused too (422), storing nothing;
    // the subsidiary's own sheet is stored.
    let r = server.api.upload(Some(&sub), "sheet.json", &sheet, &[]).expect(422).json();
    assert_eq!(r["problems"][0]["code"], "cover_names_another_company", "{r}");
    assert_eq!(ok(submissions::count(&mut conn)), 0);
    let own_sheet = sheet_json("S-1", "自社株式会社", 2025, |_, _| {});
    let stored = server.api.upload(Some(&sub), "sheet.json", &own_sheet, &[]).expect(201).json();
    assert_eq!(stored["company"]["code"], "S-1", "{stored}");
}

fn an_unknown_company_is_404_and_an_ambiguous_one_409_with_the_problems(db: &TestDb) {
    let dir = workdir();
    let mut conn = db.conn();
    company(&mut conn, "A-1", "東海部品株式会社", Level::Lv1);
    company(&mut conn, "A-2", "東海部品(株)", Level::Lv1);
    let rev = user(&mut conn, "rev", Account::Reviewer);
    let rev = token(&mut conn, rev.id);
    let server = client::serve(&db.url_string(), dir.path(), &[]);
    let unknown = sheet_json("Z-9", "未登録株式会社", 2025, |_, _| {});
    let body = server.api.upload(Some(&rev), "sheet.json", &unknown, &[]).expect(404).json();
    assert_eq!(body["error"], "unknown_company", "{body}");
    assert_eq!(body["problems"][0]["code"], "unknown_company", "{body}");
    // Over the API the advice names the upload's field, never a command-line flag.
    let says = |body: &serde_json::Value, lang: &str, what: &str| {
        body["problems"][0][lang].as_str().is_some_and(|m| m.contains(what) && !m.contains("--"))
    };
    assert!(says(&body, "message_ja", "company 欄") && says(&body, "message_en", "company field"), "{body}");
    let ambiguous = sheet_json("", "東海部品", 2025, |_, _| {});
    let body = server.api.upload(Some(&rev), "sheet.json", &ambiguous, &[]).expect(409).json();
    assert_eq!(body["error"], "ambiguous_company", "{body}");
    assert!(says(&body, "message_ja", "company 欄") && says(&body, "message_en", "company field"), "{body}");
    assert_eq!(ok(submissions::count(&mut conn)), 0);
}

fn a_subsidiary_upload_for_a_year_without_a_collection_is_refused_naming_the_open_ones(db: &TestDb) {
    let dir = workdir();
    let mut conn = db.conn();
    let c = company(&mut conn, "Y-1", "年度株式会社", Level::Lv1);
    let sub = user(&mut conn, "sub-y1", Account::Subsidiary(c.id));
    let sub = token(&mut conn, sub.id);
    let rev = user(&mut conn, "rev-y1", Account::Reviewer);
    let rev = token(&mut conn, rev.id);
    let server = client::serve(&db.url_string(), dir.path(), &[]);
    let api = server.api;
    // No collection at all: collections are not in use, nothing is refused.
    api.upload(Some(&sub), "sheet.json", &sheet_json("Y-1", "年度株式会社", 2024, |_, _| {}), &[]).expect(201);
    collection(&mut conn, 2026, &[c.id]);
    collection(&mut conn, 2025, &[c.id]);
    let sheet = sheet_json("Y-1", "年度株式会社", 2027, |_, _| {});
    let body = api.upload(Some(&sub), "sheet.json", &sheet, &[]).expect(422).json();
    assert_eq!(body["error"], "no_collection", "{body}");
    let m = body["message"].as_str().unwrap_or_default();
    assert!(m.contains("no collection asks for FY2027; open: 2025, 2026"), "{m}");
    assert!(m.contains("2027年度の提出依頼はありません。受付中: 2025年度, 2026年度"), "{m}");
    // The JSON door refuses it the same way; nothing of FY2027 was stored.
    let r = client::request(api.addr, "POST", "/api/v1/submissions/json", Some(&sub), Some("application/json"), &sheet);
    assert_eq!(r.expect(422).json()["error"], "no_collection");
    // The fiscal_year field is what counts when given.
    let r = api.upload(Some(&sub), "sheet.json", &sheet, &[("fiscal_year", "2026")]).expect(201).json();
    assert_eq!(r["submission"]["fiscal_year"], 2026, "{r}");
    assert_eq!(ok(submissions::count(&mut conn)), 2, "FY2024 before the collections, and FY2026");
    // An open year is accepted; a reviewer uploading on the subsidiary's
    // behalf is never refused.
    api.upload(Some(&sub), "sheet.json", &sheet_json("Y-1", "年度株式会社", 2025, |_, _| {}), &[]).expect(201);
    let r = api.upload(Some(&rev), "sheet.json", &sheet, &[]).expect(201).json();
    assert_eq!(r["submission"]["fiscal_year"], 2027, "{r}");
    assert_eq!(ok(submissions::count(&mut conn)), 4);
}

fn uploads_need_collection_off_keeps_accepting_every_year(db: &TestDb) {
    let dir = workdir();
    let mut conn = db.conn();
    let c = company(&mut conn, "Y-2", "設定株式会社", Level::Lv1);
    let sub = user(&mut conn, "sub-y2", Account::Subsidiary(c.id));
    let sub = token(&mut conn, sub.id);
    collection(&mut conn, 2025, &[c.id]);
    let server = client::serve(&db.url_string(), dir.path(), &[("HYOKA_API_UPLOADS_NEED_COLLECTION", "false")]);
    let sheet = sheet_json("Y-2", "設定株式会社", 2027, |_, _| {});
    server.api.upload(Some(&sub), "sheet.json", &sheet, &[]).expect(201);
    assert_eq!(ok(submissions::count(&mut conn)), 1);
}

both_backends!(
    a_subsidiary_upload_for_a_year_without_a_collection_is_refused_naming_the_open_ones,
    uploads_need_collection_off_keeps_accepting_every_year,
    an_upload_while_the_database_fails_answers_500_and_stores_nothing,
    a_subsidiary_naming_another_company_is_forbidden,
    an_unknown_company_is_404_and_an_ambiguous_one_409_with_the_problems
);
