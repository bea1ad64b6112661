//! Two `hyoka serve` processes on one database: concurrent reviews of the
//! same submission lose nothing and never break the state table, and the
//! failed-login counter is shared.

use std::sync::{Arc, Barrier};

use hyoka_model::both_backends;
use hyoka_model::db::testing::TestDb;
use hyoka_model::db::users::Account;
use hyoka_model::db::{flags, integrity, submissions};
use hyoka_model::domain::Level;
use hyoka_model::workflow::{Action, Actor};
use serde_json::json;

use crate::client::{self, Api};
use crate::common::workdir;
use crate::fixtures::{company, flag, ok, submission, token, user, user_with_password};

fn two_processes_take_concurrent_reviews_without_losing_any(db: &TestDb) {
    let dir = workdir();
    let mut conn = db.conn();
    let co = company(&mut conn, "C-1", "株式会社並行", Level::Lv1);
    let s = submission(&mut conn, co.id, 2025);
    let more: Vec<_> = (2..=20).map(flag).collect();
    ok(hyoka_model::db::writes::insert_flags(&mut conn, s.id, &more));
    let flag_ids: Vec<i64> = ok(flags::of_submission(&mut conn, s.id)).iter().map(|f| f.id).collect();
    assert_eq!(flag_ids.len(), 20);
    ok(hyoka_model::db::writes::transition(&mut conn, Actor::System, s.id, Action::StartReview, None));
    let r1 = user(&mut conn, "rev1", Account::Reviewer);
    let r2 = user(&mut conn, "rev2", Account::Reviewer);
    let tokens = [token(&mut conn, r1.id), token(&mut conn, r2.id)];
    let a = client::serve(&db.url_string(), dir.path(), &[]);
    let b = client::serve(&db.url_string(), dir.path(), &[]);
    let servers = [a.api, b.api];

    // Both reviewers decide every flag at once, each through its own process.
    let barrier = Arc::new(Barrier::new(2));
    let handles: Vec<_> = (0..2)
        .map(|i| {
            let (api, tok, ids, barrier) = (servers[i], tokens[i].clone(), flag_ids.clone(), Arc::clone(&barrier));
            std::thread::spawn(move || {
                barrier.wait();
                let mut created = 0;
                for id in ids {
                    let body =
                        json!({"decision": "confirmed", "reviewed_score": i, "comment": format!("reviewer {i}")});
                    api.post(&format!("/api/v1/flags/{id}/decision"), Some(&tok), &body).expect(201);
                    created += 1;
                }
                created
            })
        })
        .collect();
    let created: usize = handles.into_iter().map(|h| h.join().unwrap_or_else(|_| panic!("thread"))).sum();
    assert_eq!(created, 40);
    let stored: usize = flag_ids.iter().map(|id| ok(flags::reviews_of(&mut conn, *id)).len()).sum();
    assert_eq!(stored, 40, "no decision lost");

    // Then one accepts and the other returns, at once: exactly one wins.
    let barrier = Arc::new(Barrier::new(2));
    let moves: Vec<_> = (0..2)
        .map(|i| {
            let (api, tok, barrier) = (servers[i], tokens[i].clone(), Arc::clone(&barrier));
            let path = format!("/api/v1/submissions/{}", s.id);
            std::thread::spawn(move || {
                barrier.wait();
                if i == 0 {
                    api.post(&format!("{path}/accept"), Some(&tok), &json!({})).status
                } else {
                    api.post(&format!("{path}/return"), Some(&tok), &json!({"message": "見直し"})).status
                }
            })
        })
        .collect();
    let mut statuses: Vec<u16> = moves.into_iter().map(|h| h.join().unwrap_or_else(|_| panic!("thread"))).collect();
    statuses.sort_unstable();
    assert_eq!(statuses, [200, 409]);
    let moved = ok(submissions::transitions_of(&mut conn, s.id));
    let actions: Vec<&str> = moved.iter().map(|t| t.action.as_str()).collect();
    assert_eq!(actions.len(), 2, "{actions:?}");
    assert_eq!(actions[0], "start_review");
    assert_eq!(moved[1].from_status, "in_review");
    assert_eq!(ok(submissions::get(&mut conn, s.id)).status.code(), moved[1].to_status);
    // Decisions after the winner are refused, not stored.
    let late = servers[0].post(
        &format!("/api/v1/flags/{}/decision", flag_ids[0]),
        Some(&tokens[0]),
        &json!({"decision": "dismissed"}),
    );
    assert_eq!(late.expect(409).json()["error"], "conflict");
    let problems = ok(integrity::check(&mut conn));
    assert!(problems.is_empty(), "{problems:?}");
}

fn the_failed_login_count_is_shared_by_the_processes(db: &TestDb) {
    let dir = workdir();
    let mut conn = db.conn();
    user_with_password(&mut conn, "target", Account::Auditor, "the-right-password");
    let env = [("HYOKA_API_LOGIN_MAX_FAILURES", "4")];
    let a = client::serve(&db.url_string(), dir.path(), &env);
    let b = client::serve(&db.url_string(), dir.path(), &env);
    let servers: [Api; 2] = [a.api, b.api];
    let wrong = json!({"login": "target", "password": "wrong-password"});
    for i in 0..3 {
        servers[i % 2].post("/api/v1/login", None, &wrong).expect(401);
    }
    servers[1].post("/api/v1/login", None, &wrong).expect(429);
    for api in servers {
        let r = api.post("/api/v1/login", None, &json!({"login": "target", "password": "the-right-password"}));
        assert_eq!(r.expect(429).json()["error"], "too_many_failed_logins");
    }
}

/// Issue 17: 24 wrong passwords and the right one, all at once, through two
/// processes on one database: at most `login_max_failures` passwords are
/// evaluated (401, or 200 for the right one, or the 429 of the failure that
/// locks); everyone else is refused unevaluated with 429.
fn parallel_logins_evaluate_at_most_the_limit_across_processes(db: &TestDb) {
    let dir = workdir();
    let mut conn = db.conn();
    user_with_password(&mut conn, "target", Account::Auditor, "the-right-password");
    let env = [("HYOKA_API_LOGIN_MAX_FAILURES", "5")];
    let a = client::serve(&db.url_string(), dir.path(), &env);
    let b = client::serve(&db.url_string(), dir.path(), &env);
    let servers: [Api; 2] = [a.api, b.api];
    let n = 25;
    let barrier = Arc::new(Barrier::new(n));
    let handles: Vec<_> = (0..n)
        .map(|i| {
            let (api, barrier) = (servers[i % 2], Arc::clone(&barrier));
            std::thread::spawn(move || {
                let password = if i == 12 { "the-right-password" } else { "wrong-password" };
                barrier.wait();
                (i, api.post("/api/v1/login", None, &json!({"login": "target", "password": password})).status)
            })
        })
        .collect();
    let answers: Vec<(usize, u16)> =
        handles.into_iter().map(|h| h.join().unwrap_or_else(|_| panic!("thread"))).collect();
    let count = |s: u16| answers.iter().filter(|(_, st)| *st == s).count();
    assert_eq!(count(401) + count(200) + count(429), n, "{answers:?}");
    assert!(count(401) <= 4, "at most max_failures - 1 wrong passwords answer 401: {answers:?}");
    assert!(count(200) <= 1, "{answers:?}");
    let right_in = answers.iter().any(|(i, st)| *i == 12 && *st == 200);
    if !right_in {
        // The right password afterwards is refused too, on either process.
        for api in servers {
            let r = api.post("/api/v1/login", None, &json!({"login": "target", "password": "the-right-password"}));
            assert_eq!(r.expect(429).json()["error"], "too_many_failed_logins");
        }
    }
    let wrong_evaluated = ok(hyoka_model::db::logins::failures(&mut conn, "target"));
    assert!(wrong_evaluated <= 5, "{wrong_evaluated} wrong passwords were evaluated");
}

both_backends!(
    two_processes_take_concurrent_reviews_without_losing_any,
    the_failed_login_count_is_shared_by_the_processes,
    parallel_logins_evaluate_at_most_the_limit_across_processes
);
