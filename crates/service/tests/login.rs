//! Signing in (issue 17): the lockout counts per login from one address
//! (locked first), per login and per address; logins are compared after
//! NFKC and case folding; an admin lifts a lock.

use std::net::IpAddr;

use chrono::Duration;
use hyoka_model::both_backends;
use hyoka_model::credentials::{Secret, hash_password};
use hyoka_model::db::logins::{self, LoginPolicy};
use hyoka_model::db::testing::TestDb;
use hyoka_model::db::users::{self, Account, NewUser};
use hyoka_model::workflow::Actor;
use hyoka_service::login::{LoginError, authenticate};

const POLICY: LoginPolicy = LoginPolicy { max_failures: 3, lockout: Duration::minutes(15) };

fn ip(s: &str) -> Option<IpAddr> {
    Some(s.parse().unwrap_or_else(|e| panic!("{e}")))
}

fn setup(db: &TestDb) -> hyoka_model::db::DbConn {
    let mut conn = db.conn();
    let hash = hash_password(&Secret::new("right-password")).unwrap_or_else(|e| panic!("{e}"));
    let new = NewUser {
        login: "Demo-Admin".into(),
        display_name: "demo".into(),
        account: Account::Admin,
        password_hash: Some(hash),
    };
    users::create(&mut conn, Actor::System, &new).unwrap_or_else(|e| panic!("{e}"));
    conn
}

fn one_address_locks_itself_out_before_the_account(db: &TestDb) {
    let mut conn = setup(db);
    let wrong = Secret::new("wrong");
    let right = Secret::new("right-password");
    let attacker = ip("192.0.2.66");
    for _ in 0..2 {
        assert!(matches!(
            authenticate(&mut conn, POLICY, "demo-admin", &wrong, attacker),
            Err(LoginError::BadCredentials)
        ));
    }
    // The third failure locks the pair; the look-alike is the same login.
    assert!(matches!(authenticate(&mut conn, POLICY, "DEMO-ADMIN", &wrong, attacker), Err(LoginError::Locked(_))));
    assert!(matches!(authenticate(&mut conn, POLICY, "demo-admin", &right, attacker), Err(LoginError::Locked(_))));
    // The owner, from another address, still signs in.
    let user = authenticate(&mut conn, POLICY, "ｄｅｍｏ－ａｄｍｉｎ", &right, ip("198.51.100.7"));
    assert_eq!(user.map(|u| u.login).ok().as_deref(), Some("Demo-Admin"));
    // An admin lifts the lock from the command line's function.
    assert!(logins::unlock(&mut conn, Actor::System, "DEMO-admin").unwrap_or_else(|e| panic!("{e}")) >= 1);
    assert!(authenticate(&mut conn, POLICY, "demo-admin", &right, attacker).is_ok());
}

fn the_account_locks_for_everyone_after_many_addresses(db: &TestDb) {
    let mut conn = setup(db);
    let wrong = Secret::new("wrong");
    // 4 × 3 = 12 failures from addresses that each stay under their own limit.
    for i in 0..12 {
        let client = ip(&format!("203.0.113.{}", i / 2));
        let r = authenticate(&mut conn, POLICY, "demo-admin", &wrong, client);
        if i < 11 {
            assert!(matches!(r, Err(LoginError::BadCredentials)), "{i}: {r:?}");
        } else {
            assert!(matches!(r, Err(LoginError::Locked(_))), "{i}: {r:?}");
        }
    }
    let r = authenticate(&mut conn, POLICY, "demo-admin", &Secret::new("right-password"), ip("198.51.100.7"));
    assert!(matches!(r, Err(LoginError::Locked(_))), "{r:?}");
}

fn a_look_alike_login_cannot_be_created(db: &TestDb) {
    let mut conn = setup(db);
    for login in ["DEMO-ADMIN", "ＤＥＭＯ－ＡＤＭＩＮ", "demo-admin"] {
        let new =
            NewUser { login: login.into(), display_name: "x".into(), account: Account::Auditor, password_hash: None };
        let err = users::create(&mut conn, Actor::System, &new).err().map(|e| e.to_string()).unwrap_or_default();
        assert!(err.contains("is taken") && err.contains("使用済み"), "{login}: {err}");
    }
}

both_backends!(
    one_address_locks_itself_out_before_the_account,
    the_account_locks_for_everyone_after_many_addresses,
    a_look_alike_login_cannot_be_created
);
