//! The group analysis after uploads, through `hyoka serve`'s own worker: two
//! uploads of a year queue one run (debounced), the worker runs it and the
//! group's flags appear; a reviewer asks for a run (202), a subsidiary may
//! not; runs are listed newest first.

use std::time::{Duration, Instant};

use hyoka_model::both_backends;
use hyoka_model::db::analysis;
use hyoka_model::db::testing::TestDb;
use hyoka_model::db::users::Account;
use hyoka_model::domain::{FiscalYear, Level};
use serde_json::{Value, json};

use crate::client::{self, Api};
use crate::common::workdir;
use crate::fixtures::{company, ok, sheet_json, token, user};

fn runs(api: &Api, token: &str) -> Vec<Value> {
    let body = api.get("/api/v1/analysis/runs?fiscal_year=2025", Some(token)).expect(200).json();
    body.as_array().cloned().unwrap_or_else(|| panic!("{body}"))
}

/// Waits until every run is done (the worker polls every second).
fn until_done(api: &Api, token: &str) -> Vec<Value> {
    let deadline = Instant::now() + Duration::from_secs(90);
    loop {
        let list = runs(api, token);
        if !list.is_empty() && list.iter().all(|r| r["state"] == "done") {
            return list;
        }
        assert!(Instant::now() < deadline, "the runs did not finish: {list:?}");
        assert!(list.iter().all(|r| r["state"] != "failed"), "{list:?}");
        std::thread::sleep(Duration::from_millis(250));
    }
}

fn uploads_are_analysed_by_the_worker_and_reviewers_ask_for_runs(db: &TestDb) {
    let dir = workdir();
    let mut conn = db.conn();
    let a = company(&mut conn, "G-1", "第一工業株式会社", Level::Lv1);
    company(&mut conn, "G-2", "第二工業株式会社", Level::Lv1);
    let rev = user(&mut conn, "rev-g", Account::Reviewer);
    let rev = token(&mut conn, rev.id);
    let sub = user(&mut conn, "sub-g1", Account::Subsidiary(a.id));
    let sub = token(&mut conn, sub.id);
    let server = client::serve(
        &db.url_string(),
        dir.path(),
        &[
            ("HYOKA_ANALYSIS_DEBOUNCE_SECS", "3"),
            ("HYOKA_ANALYSIS_POLL_SECS", "1"),
            ("HYOKA_ANALYSIS_HEARTBEAT_SECS", "1"),
            ("HYOKA_ANALYSIS_STALE_SECS", "30"),
        ],
    );
    let api = &server.api;
    assert_eq!(runs(api, &rev), Vec::<Value>::new());
    // Two companies hand in the same wording: the group rules see the copy.
    api.upload(Some(&rev), "g1.json", &sheet_json("G-1", "第一工業株式会社", 2025, |_, _| {}), &[]).expect(201);
    api.upload(Some(&rev), "g2.json", &sheet_json("G-2", "第二工業株式会社", 2025, |_, _| {}), &[]).expect(201);
    // One run for the year, however many uploads, unless the worker took the
    // first up before the second upload came (a loaded machine): then the
    // second waits for it and runs after.
    let list = runs(api, &rev);
    assert!(matches!(list.len(), 1 | 2) && list.iter().all(|r| r["trigger"] == "upload"), "{list:?}");
    let list = until_done(api, &rev);
    let run = &list[0];
    assert_eq!((run["sheets"].as_i64(), run["attempts"].as_i64()), (Some(2), Some(1)), "{run}");
    let new_flags: i64 = list.iter().map(|r| r["new_flags"].as_i64().unwrap_or(0)).sum();
    assert!(new_flags > 0, "the copied evidence is flagged: {list:?}");
    assert!(run["started_at"].as_str().is_some_and(|t| t.ends_with("+09:00")), "{run}");
    assert!(run["finished_at"].as_str().is_some_and(|t| t.ends_with("+09:00")), "{run}");
    assert!(run["claimed_by"].as_str().is_some_and(|w| !w.is_empty()), "{run}");
    let before = list.len();
    let stored = ok(analysis::runs(&mut conn, "jama-japia-2.3", ok(FiscalYear::new(2025))));
    assert_eq!(stored.len(), before);
    let linked: usize = stored.iter().map(|r| ok(analysis::flags_of_run(&mut conn, r.id)).len()).sum();
    assert_eq!(linked as i64, new_flags);
    let flags = api.get("/api/v1/flags?fiscal_year=2025&rule=copied_evidence", Some(&rev)).expect(200).json();
    assert!(flags["total"].as_i64().is_some_and(|n| n > 0), "{flags}");

    // A subsidiary neither lists runs nor asks for one.
    assert_eq!(api.get("/api/v1/analysis/runs", Some(&sub)).expect(403).json()["error"], "forbidden");
    api.post("/api/v1/analysis/runs", Some(&sub), &json!({"fiscal_year": 2025})).expect(403);
    // A reviewer asks for one: 202, run shortly; nothing new to store.
    let asked = api.post("/api/v1/analysis/runs", Some(&rev), &json!({"fiscal_year": 2025})).expect(202).json();
    assert_eq!((asked["trigger"].as_str(), asked["state"].as_str()), (Some("manual"), Some("queued")), "{asked}");
    let list = until_done(api, &rev);
    assert_eq!(list.len(), before + 1, "{list:?}");
    assert_eq!(list[0]["id"], asked["id"], "newest first");
    assert_eq!(list[0]["new_flags"].as_i64(), Some(0), "nothing is stored twice: {list:?}");
    let bad = api.post("/api/v1/analysis/runs", Some(&rev), &json!({"fiscal_year": 1900})).expect(422).json();
    assert_eq!(bad["error"], "invalid", "{bad}");
}

both_backends!(uploads_are_analysed_by_the_worker_and_reviewers_ask_for_runs);
