//! `POST /api/v1/me/password`: every user changes their own password; the
//! current one is checked as a login is (a wrong one counts toward the
//! lockout), and every other token of the user stops working.

use hyoka_model::both_backends;
use hyoka_model::db::testing::TestDb;
use hyoka_model::db::users::Account;
use hyoka_model::db::{audit, logins};
use hyoka_model::domain::Level;
use serde_json::json;

use crate::client;
use crate::common::workdir;
use crate::fixtures::{company, ok, user_with_password};

const PATH: &str = "/api/v1/me/password";

fn a_subsidiary_changes_its_password_and_only_the_calling_token_survives(db: &TestDb) {
    let dir = workdir();
    let mut conn = db.conn();
    let c = company(&mut conn, "P-1", "パスワード株式会社", Level::Lv1);
    let sub = user_with_password(&mut conn, "sub-pw", Account::Subsidiary(c.id), "old-password-1");
    let server = client::serve(&db.url_string(), dir.path(), &[]);
    let api = server.api;
    let calling = api.login("sub-pw", "old-password-1");
    let other = api.login("sub-pw", "old-password-1");

    // A wrong current password: 422, bilingual, counted as a failed login.
    let before = ok(logins::failures(&mut conn, "sub-pw"));
    let r = api
        .post(PATH, Some(&calling), &json!({"current": "not-my-password", "new": "new-password-1"}))
        .expect(422)
        .json();
    assert_eq!(r["error"], "invalid", "{r}");
    let m = r["message"].as_str().unwrap_or_default();
    assert!(m.contains("current password is wrong") && m.contains("現在のパスワードが違います"), "{r}");
    assert_eq!(ok(logins::failures(&mut conn, "sub-pw")), before + 1, "a wrong current password is a failed login");
    // A new password under 10 characters: 422, and not checked against the current one.
    let r = api.post(PATH, Some(&calling), &json!({"current": "old-password-1", "new": "short"})).expect(422).json();
    assert!(r["message"].as_str().is_some_and(|m| m.contains("10")), "{r}");
    assert_eq!(ok(logins::failures(&mut conn, "sub-pw")), before + 1);
    // Both tokens still work: nothing changed.
    api.get("/api/v1/me", Some(&other)).expect(200);

    api.post(PATH, Some(&calling), &json!({"current": "old-password-1", "new": "new-password-1"})).expect(204);
    let me = api.get("/api/v1/me", Some(&calling)).expect(200).json();
    assert_eq!(me["id"], sub.id, "{me}");
    api.get("/api/v1/me", Some(&other)).expect(401);
    let old = api.post("/api/v1/login", None, &json!({"login": "sub-pw", "password": "old-password-1"}));
    old.expect(401);
    let fresh = api.login("sub-pw", "new-password-1");
    api.get("/api/v1/me", Some(&fresh)).expect(200);
    // Audited as an admin's change is, with the user as the actor.
    let events = ok(audit::list(&mut conn, 0, 10_000));
    let by_user = |action: &str| events.iter().any(|e| e.action == action && e.actor_id == Some(sub.id));
    assert!(by_user("user.set_password") && by_user("token.revoke_all"), "{events:?}");
}

fn wrong_current_passwords_lock_the_login_name(db: &TestDb) {
    let dir = workdir();
    let mut conn = db.conn();
    user_with_password(&mut conn, "rev-pw", Account::Reviewer, "old-password-2");
    let server = client::serve(&db.url_string(), dir.path(), &[("HYOKA_API_LOGIN_MAX_FAILURES", "2")]);
    let api = server.api;
    let t = api.login("rev-pw", "old-password-2");
    let wrong = json!({"current": "not-my-password", "new": "new-password-2"});
    api.post(PATH, Some(&t), &wrong).expect(422);
    // The failure that reaches the limit locks the name: 429, and the right
    // password is refused too until the lock ends.
    let r = api.post(PATH, Some(&t), &wrong).expect(429).json();
    assert_eq!(r["error"], "too_many_failed_logins", "{r}");
    let right = json!({"current": "old-password-2", "new": "new-password-2"});
    api.post(PATH, Some(&t), &right).expect(429);
    api.post("/api/v1/login", None, &json!({"login": "rev-pw", "password": "old-password-2"})).expect(429);
}

both_backends!(
    a_subsidiary_changes_its_password_and_only_the_calling_token_survives,
    wrong_current_passwords_lock_the_login_name
);
