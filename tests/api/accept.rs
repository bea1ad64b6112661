//! Accepting a sheet with undecided flags of medium severity or above asks
//! what to do with them; each choice is audited.

use hyoka_model::both_backends;
use hyoka_model::db::testing::TestDb;
use hyoka_model::db::users::Account;
use hyoka_model::db::{audit, flags, submissions, writes};
use hyoka_model::domain::Level;
use hyoka_model::workflow::{Action, Actor, SubmissionStatus};
use serde_json::json;

use crate::client;
use crate::common::workdir;
use crate::fixtures::{company, flag, ok, submission, token, user};

fn accepting_with_open_flags_asks_what_to_do_with_them(db: &TestDb) {
    let dir = workdir();
    let mut conn = db.conn();
    let c = company(&mut conn, "O-1", "株式会社オープン", Level::Lv1);
    let rev = user(&mut conn, "rev", Account::Reviewer);
    let rev = token(&mut conn, rev.id);
    // One sheet with two open high flags and a low one (which never blocks).
    let s = submission(&mut conn, c.id, 2025);
    let mut low = flag(3);
    low.severity = hyoka_model::domain::Severity::Low;
    ok(writes::insert_flags(&mut conn, s.id, &[flag(2), low]));
    ok(writes::transition(&mut conn, Actor::System, s.id, Action::StartReview, None));
    let server = client::serve(&db.url_string(), dir.path(), &[]);
    let api = &server.api;
    let path = format!("/api/v1/submissions/{}/accept", s.id);

    let r = api.post(&path, Some(&rev), &json!({})).expect(409).json();
    assert_eq!(r["error"], "open_flags", "{r}");
    assert!(r["message"].as_str().is_some_and(|m| m.contains("2 flag(s)") && m.contains("2 件")), "{r}");
    assert_eq!(ok(submissions::get(&mut conn, s.id)).status, SubmissionStatus::InReview, "nothing moved");
    // Dismissing needs a comment; a wrong choice is a 400.
    api.post(&path, Some(&rev), &json!({"open_flags": "dismiss"})).expect(422);
    api.post(&path, Some(&rev), &json!({"open_flags": "ignore"})).expect(400);

    let done = api.post(&path, Some(&rev), &json!({"open_flags": "dismiss", "comment": "現地確認で実施を確認"}));
    assert_eq!(done.expect(200).json()["status"], "accepted");
    let latest = ok(flags::latest_reviews(&mut conn, s.id));
    let all = ok(flags::of_submission(&mut conn, s.id));
    let high: Vec<_> = all.iter().filter(|f| f.flag.severity == hyoka_model::domain::Severity::High).collect();
    assert_eq!(high.len(), 2);
    for f in high {
        let r = latest.get(&f.id).unwrap_or_else(|| panic!("flag {} undecided", f.id));
        assert_eq!((r.decision.code(), r.comment.as_str()), ("dismissed", "現地確認で実施を確認"));
    }
    assert_eq!(latest.len(), 2, "the low flag stays undecided");
    let events = ok(audit::list(&mut conn, 0, 10_000));
    let choice = events.iter().find(|e| e.action == "submission.accept_open_flags");
    let choice = choice.unwrap_or_else(|| panic!("the choice is audited"));
    let after: serde_json::Value = ok(serde_json::from_str(choice.after_json.as_deref().unwrap_or("null")));
    assert_eq!((&after["open_flags"], &after["count"]), (&json!("dismiss"), &json!(2)), "{after}");

    // "keep" accepts with the flags left undecided.
    let s2 = submission(&mut conn, c.id, 2024);
    ok(writes::transition(&mut conn, Actor::System, s2.id, Action::StartReview, None));
    let path2 = format!("/api/v1/submissions/{}/accept", s2.id);
    api.post(&path2, Some(&rev), &json!({"open_flags": "keep"})).expect(200);
    assert!(ok(flags::latest_reviews(&mut conn, s2.id)).is_empty());
}

both_backends!(accepting_with_open_flags_asks_what_to_do_with_them);
