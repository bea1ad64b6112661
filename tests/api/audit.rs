//! A stored audit entry edited behind hyoka's back is reported by the
//! verify endpoint and by `hyoka admin audit-verify`, at that entry.

use diesel::connection::SimpleConnection;
use hyoka_model::both_backends;
use hyoka_model::db::DbConn;
use hyoka_model::db::testing::TestDb;
use hyoka_model::db::users::Account;
use serde_json::json;

use crate::client;
use crate::common::{hyoka, workdir};
use crate::fixtures::{ok, token, user};

fn a_tampered_audit_entry_is_reported_by_the_api_and_the_cli(db: &TestDb) {
    let dir = workdir();
    let mut conn = db.conn();
    let admin = user(&mut conn, "admin", Account::Admin);
    let auditor = user(&mut conn, "auditor", Account::Auditor);
    let (admin, auditor) = (token(&mut conn, admin.id), token(&mut conn, auditor.id));
    let server = client::serve(&db.url_string(), dir.path(), &[]);
    let api = server.api;
    for code in ["C-1", "C-2", "C-3"] {
        api.post("/api/v1/companies", Some(&admin), &json!({"code": code, "name": code, "target_level": 1}))
            .expect(201);
    }
    let whole = api.get("/api/v1/audit/verify", Some(&auditor)).expect(200).json();
    assert_eq!(whole["ok"], true, "{whole}");
    let checked = whole["checked"].as_u64().unwrap_or_default();
    assert!(checked >= 7, "{whole}");
    let entries = api.get("/api/v1/audit?entity=company", Some(&auditor)).expect(200).json();
    assert_eq!(entries["total"], 3);
    // Newest first: [C-3, C-2, C-1]; tamper with C-2's entry.
    let target = entries["items"][1]["id"].as_i64().unwrap_or_default();
    assert_eq!(entries["items"][1]["after"]["code"], "C-2");
    let disable = match &conn {
        DbConn::Sqlite(_) => "DROP TRIGGER audit_events_immutable_update",
        DbConn::Pg(_) => "ALTER TABLE audit_events DISABLE TRIGGER audit_events_immutable_update",
    };
    ok(conn.batch_execute(disable));
    ok(conn.batch_execute(&format!(
        "UPDATE audit_events SET after_json = replace(after_json, 'C-2', 'C-9') WHERE id = {target}"
    )));

    let broken = api.get("/api/v1/audit/verify", Some(&auditor)).expect(200).json();
    assert_eq!((broken["ok"].as_bool(), broken["broken_at"].as_i64()), (Some(false), Some(target)), "{broken}");
    assert!(broken["problem"].as_str().is_some_and(|p| p.contains("hash")), "{broken}");
    // Reviewers may not read the log.
    let rev = user(&mut conn, "rev", Account::Reviewer);
    let rev = token(&mut conn, rev.id);
    api.get("/api/v1/audit/verify", Some(&rev)).expect(403);

    let out = ok(hyoka(&db.url_string(), dir.path()).args(["admin", "audit-verify"]).output());
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(1), "{stdout}");
    assert!(stdout.contains(&format!("BROKEN at entry {target}")), "{stdout}");
}

both_backends!(a_tampered_audit_entry_is_reported_by_the_api_and_the_cli);
