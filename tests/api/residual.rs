//! The residual risk: the detector's risk stays as computed, and beside it
//! the same formula over the flags still standing after review (undecided
//! and confirmed; dismissed ones drop out) — on the submission, the
//! overview, the review queue and the flag export.

use diesel::connection::SimpleConnection;
use hyoka_model::both_backends;
use hyoka_model::db::testing::{SHIPPED_RISK_WEIGHTS, TestDb, computed_by_test};
use hyoka_model::db::users::Account;
use hyoka_model::db::{DbConn, detection, flags, summaries, write_tx, writes};
use hyoka_model::domain::{Level, Severity};
use hyoka_model::risk;
use serde_json::{Value, json};

use crate::client;
use crate::common::workdir;
use crate::fixtures::{company, flag, ok, submission, token, user};

/// The overview line of the one company, as JSON.
fn overview_year(api: &client::Api, tok: &str) -> Value {
    let r = api.get("/api/v1/dashboards/overview?fiscal_year=2025", Some(tok)).expect(200).json();
    r["companies"]["items"][0]["year"].clone()
}

/// `(sheet_risk, sheet_residual_risk)` of every row of `flags.csv`.
fn csv_risks(api: &client::Api, tok: &str) -> Vec<(String, String)> {
    let r = api.get("/api/v1/exports/flags.csv?fiscal_year=2025", Some(tok)).expect(200);
    let mut reader = csv::ReaderBuilder::new().from_reader(&r.bytes[3..]);
    let header: Vec<String> = ok(reader.headers()).iter().map(str::to_owned).collect();
    let at = |name: &str| header.iter().position(|h| h == name).unwrap_or_else(|| panic!("no column {name}"));
    let (risk, residual) = (at("sheet_risk"), at("sheet_residual_risk"));
    reader.records().map(|rec| ok(rec)).map(|rec| (rec[risk].to_owned(), rec[residual].to_owned())).collect()
}

fn residual_risk_follows_the_review(db: &TestDb) {
    let dir = workdir();
    let mut conn = db.conn();
    let c = company(&mut conn, "R-1", "株式会社残存", Level::Lv1);
    let rev = user(&mut conn, "rev", Account::Reviewer);
    let rev = token(&mut conn, rev.id);
    let s = submission(&mut conn, c.id, 2025);
    // The fixture's own high flag (`not_done`), three high flags of three
    // more rules and one low one: S = 8 + 8 + 8 + 8 + 1.
    let mut stored = Vec::new();
    for (item, rule, severity) in
        [(2, "a", Severity::High), (3, "b", Severity::High), (4, "c", Severity::High), (5, "d", Severity::Low)]
    {
        let mut f = flag(item);
        f.rule = rule.into();
        f.severity = severity;
        stored.push(f);
    }
    let ids: Vec<i64> = ok(writes::insert_flags(&mut conn, s.id, &stored)).iter().map(|f| f.id).collect();
    let w = &SHIPPED_RISK_WEIGHTS;
    let score = |flags: &[(&str, Severity)]| risk::score_of(flags.iter().copied(), w);
    let high = |rule| (rule, Severity::High);
    let all = score(&[high("not_done"), high("a"), high("b"), high("c"), ("d", Severity::Low)]);
    assert_eq!(all, 81, "100 × (1 − e^(−33/20))");
    ok(write_tx(&mut conn, |c| {
        detection::set_risk_in_tx(c, s.id, all, &["理由".to_owned()], computed_by_test())?;
        summaries::refresh_submission_in_tx(c, s.id)
    }));

    let server = client::serve(&db.url_string(), dir.path(), &[]);
    let api = &server.api;
    let detail = |api: &client::Api| api.get(&format!("/api/v1/submissions/{}", s.id), Some(&rev)).expect(200).json();
    let d = detail(api);
    assert_eq!((&d["risk"]["score"], &d["risk"]["residual"]), (&json!(all), &json!(all)), "no decision yet");
    let y = overview_year(api, &rev);
    assert_eq!((&y["risk"], &y["residual_risk"]), (&json!(all), &json!(all)), "{y}");

    // Dismiss one high flag and confirm another: the dismissed one drops out.
    let decide =
        |id: i64, body: Value| api.post(&format!("/api/v1/flags/{id}/decision"), Some(&rev), &body).expect(201);
    decide(ids[0], json!({"decision": "dismissed", "comment": "確認済み"}));
    decide(ids[1], json!({"decision": "confirmed", "reviewed_score": 0, "comment": "未実施"}));
    let left = score(&[high("not_done"), high("b"), high("c"), ("d", Severity::Low)]);
    assert_eq!(left, 71, "100 × (1 − e^(−25/20))");
    let d = detail(api);
    assert_eq!((&d["risk"]["score"], &d["risk"]["residual"]), (&json!(all), &json!(left)), "{}", d["risk"]);
    let y = overview_year(api, &rev);
    assert_eq!((&y["risk"], &y["residual_risk"]), (&json!(all), &json!(left)), "{y}");
    let q = api.get("/api/v1/dashboards/review-queue?fiscal_year=2025", Some(&rev)).expect(200).json();
    assert_eq!(q["items"][0]["year"]["residual_risk"], json!(left), "{q}");
    assert!(csv_risks(api, &rev).iter().all(|r| *r == (all.to_string(), left.to_string())));

    // Four of the five dismissed: only the fixture's flag stands; the
    // detector's risk is unchanged.
    for &id in &ids[1..] {
        decide(id, json!({"decision": "dismissed", "comment": "根拠を確認"}));
    }
    let one = score(&[high("not_done")]);
    assert_eq!(one, 33);
    let d = detail(api);
    assert_eq!((&d["risk"]["score"], &d["risk"]["residual"]), (&json!(all), &json!(one)));
    assert_eq!(overview_year(api, &rev)["residual_risk"], json!(one));
    assert!(csv_risks(api, &rev).iter().all(|r| *r == (all.to_string(), one.to_string())));
    // The kept figures agree with a fresh computation.
    assert_eq!(ok(summaries::verify(&mut conn)), Vec::<String>::new());
    assert_eq!(ok(flags::latest_reviews(&mut conn, s.id)).len(), 4);
}

/// A risk kept before the weights were: the migration's follow-up fills
/// them from the configuration in force and rebuilds the residuals.
fn older_risk_records_get_their_weights(db: &TestDb) {
    let mut conn = db.conn();
    let c = company(&mut conn, "R-2", "旧リスク株式会社", Level::Lv1);
    let s = submission(&mut conn, c.id, 2025);
    ok(writes::insert_flags(&mut conn, s.id, &[flag(2)]));
    ok(write_tx(&mut conn, |c| {
        detection::set_risk_in_tx(c, s.id, 33, &[], computed_by_test())?;
        summaries::refresh_submission_in_tx(c, s.id)
    }));
    // As a database from before: no weights, no residuals.
    let sql = "UPDATE submission_risk SET weights_json = '', residual = NULL; \
               UPDATE company_year_summaries SET residual = NULL;";
    match &mut conn {
        DbConn::Pg(pg) => ok(pg.batch_execute(sql)),
        DbConn::Sqlite(s) => ok(s.batch_execute(sql)),
    }
    assert_eq!(ok(summaries::without_residual(&mut conn)), 1);
    ok(hyoka_model::db::migrate(&db.url));
    let r = ok(detection::risk_of(&mut conn, s.id)).unwrap_or_else(|| panic!("risk kept"));
    assert_eq!(r.weights.as_ref(), Some(&SHIPPED_RISK_WEIGHTS), "the shipped configuration's [risk]");
    let standing = ok(flags::of_submission(&mut conn, s.id));
    let want = risk::score_of(standing.iter().map(|f| (f.flag.rule.as_str(), f.flag.severity)), &SHIPPED_RISK_WEIGHTS);
    assert!(want > 0);
    assert_eq!(r.residual, Some(want), "every flag of the sheet stands");
    assert_eq!(ok(summaries::without_residual(&mut conn)), 0);
    assert_eq!(ok(summaries::verify(&mut conn)), Vec::<String>::new());
}

both_backends!(residual_risk_follows_the_review, older_risk_records_get_their_weights);
