//! An admin sets where a user's mail goes and its language through the API;
//! the next mail of an event goes there, in that language.

use hyoka_model::both_backends;
use hyoka_model::db::testing::TestDb;
use hyoka_model::db::users::{Account, Language};
use hyoka_model::db::{audit, mail, users, writes};
use hyoka_model::domain::Level;
use hyoka_model::workflow::{Action, Actor};
use serde_json::json;

use crate::client;
use crate::common::workdir;
use crate::fixtures::{company, ok, submission, token, user};

fn admins_set_a_users_mail_address_and_language(db: &TestDb) {
    let dir = workdir();
    let mut conn = db.conn();
    let c = company(&mut conn, "M-1", "株式会社メール", Level::Lv1);
    let admin_user = user(&mut conn, "adm", Account::Admin);
    let admin = token(&mut conn, admin_user.id);
    let rev = user(&mut conn, "rev", Account::Reviewer);
    let rev = token(&mut conn, rev.id);
    let server = client::serve(&db.url_string(), dir.path(), &[]);
    let api = &server.api;

    // Created with an address (trimmed) and English mail.
    let body = json!({"login": "sub-en", "display_name": "Sub", "role": "subsidiary", "company_id": c.id,
        "password": "a-long-enough-password", "email": "  Sub.Owner@example.com ", "language": "en"});
    let created = api.post("/api/v1/users", Some(&admin), &body).expect(201).json();
    assert_eq!((&created["email"], &created["language"]), (&json!("Sub.Owner@example.com"), &json!("en")), "{created}");
    let id = created["id"].as_i64().unwrap_or_else(|| panic!("{created}"));
    let stored = ok(users::get(&mut conn, id));
    assert_eq!((stored.email.as_deref(), stored.language), (Some("Sub.Owner@example.com"), Language::En));
    // Without them: no address, Japanese.
    let plain = json!({"login": "sub-ja", "display_name": "Sub2", "role": "subsidiary", "company_id": c.id,
        "password": "a-long-enough-password"});
    let plain = api.post("/api/v1/users", Some(&admin), &plain).expect(201).json();
    assert_eq!((&plain["email"], &plain["language"]), (&json!(null), &json!("ja")), "{plain}");

    // Only admins; a bad address or language is refused in both languages and changes nothing.
    let path = format!("/api/v1/users/{id}");
    api.send("PATCH", &path, Some(&rev), &json!({"email": "x@example.com"})).expect(403);
    let bad = api.send("PATCH", &path, Some(&admin), &json!({"email": "no address"})).expect(422).json();
    let message = bad["message"].as_str().unwrap_or_default();
    assert!(message.contains("is not an e-mail address") && message.contains("メールアドレスではありません"), "{bad}");
    api.send("PATCH", &path, Some(&admin), &json!({"language": "fr"})).expect(422);
    let unchanged = ok(users::get(&mut conn, id));
    assert_eq!((unchanged.email.as_deref(), unchanged.language), (Some("Sub.Owner@example.com"), Language::En));
    // Created with a bad address: nothing stored.
    let refused = json!({"login": "sub-bad", "display_name": "Bad", "role": "subsidiary", "company_id": c.id,
        "password": "a-long-enough-password", "email": "a@b@c"});
    api.post("/api/v1/users", Some(&admin), &refused).expect(422);
    assert!(ok(users::by_login(&mut conn, "sub-bad")).is_none());

    // A new address; the language stays.
    let moved = api.send("PATCH", &path, Some(&admin), &json!({"email": "it@m1.example.jp"})).expect(200).json();
    assert_eq!((&moved["email"], &moved["language"]), (&json!("it@m1.example.jp"), &json!("en")), "{moved}");

    // The next event's mail goes there, in English.
    let s = submission(&mut conn, c.id, 2025);
    ok(writes::transition(&mut conn, Actor::System, s.id, Action::StartReview, None));
    let ret = format!("/api/v1/submissions/{}/return", s.id);
    api.post(&ret, Some(&rev), &json!({"message": "No.5 の根拠を追記してください"})).expect(200);
    let mails = ok(mail::list(&mut conn));
    let to_sub: Vec<_> = mails.iter().filter(|m| m.user_id == Some(id)).collect();
    assert_eq!(to_sub.len(), 1, "{mails:?}");
    assert_eq!((to_sub[0].to.as_str(), to_sub[0].language), ("it@m1.example.jp", Language::En));
    assert!(to_sub[0].subject.is_ascii(), "an English subject: {}", to_sub[0].subject);
    assert!(
        !mails.iter().any(|m| m.user_id == plain["id"].as_i64()),
        "a user without an address gets no mail: {mails:?}"
    );

    // A blank address stops the mail; Japanese from now on.
    let off = api.send("PATCH", &path, Some(&admin), &json!({"email": "", "language": "ja"})).expect(200).json();
    assert_eq!((&off["email"], &off["language"]), (&json!(null), &json!("ja")), "{off}");
    assert!(ok(mail::recipient(&mut conn, id)).is_none());

    // Each change is audited with what it set.
    let events = ok(audit::list(&mut conn, 0, 10_000));
    let contact: Vec<_> = events.iter().filter(|e| e.action == "user.contact").collect();
    assert_eq!(contact.len(), 2, "two contact changes: {contact:?}");
    assert!(contact.iter().all(|e| e.actor_id == Some(admin_user.id)), "{contact:?}");
    let created = events.iter().find(|e| e.action == "user.create" && e.entity_id.as_deref() == Some(&id.to_string()));
    let after = created.and_then(|e| e.after_json.clone()).unwrap_or_default();
    assert!(after.contains("Sub.Owner@example.com"), "the created user's address is in its audit entry: {after}");
}

both_backends!(admins_set_a_users_mail_address_and_language);
