//! Failed-login counters, kept in the database so that several `hyoka serve`
//! processes share them (an attacker gains nothing by spreading guesses over
//! the processes behind a load balancer).
//!
//! A login name that fails [`LoginPolicy::max_failures`] times within
//! [`LoginPolicy::lockout`] is locked for [`LoginPolicy::lockout`]; while it
//! is locked no password is checked. A successful login clears the count.
//! Unknown login names are counted too, so a lock says nothing about whether
//! an account exists.

use chrono::{DateTime, Duration, NaiveDateTime, Utc};
use diesel::prelude::*;

use super::audit::{self, Change};
use super::schema::login_attempts;
use super::{DbConn, DbError, write_tx};
use crate::workflow::Actor;

/// How many failures lock a login name, and for how long.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LoginPolicy {
    /// Failures within [`LoginPolicy::lockout`] that lock the name.
    pub max_failures: u32,
    /// The counting window, and how long a lock lasts.
    pub lockout: Duration,
}

/// The key failures are counted under: the login as users are looked up
/// (NFKC, no spaces), lower-cased and cut to 200 characters.
pub fn login_key(login: &str) -> String {
    crate::text::normalize_compact(login).to_lowercase().chars().take(200).collect()
}

type Row = (String, i32, NaiveDateTime, Option<NaiveDateTime>);

fn row_of(conn: &mut DbConn, key: &str) -> Result<Option<Row>, DbError> {
    Ok(login_attempts::table.find(key).first::<Row>(conn).optional()?)
}

/// Until when a login name is locked, if it is locked at `now`.
pub fn locked_until(conn: &mut DbConn, login: &str, now: DateTime<Utc>) -> Result<Option<DateTime<Utc>>, DbError> {
    Ok(row_of(conn, &login_key(login))?.and_then(|r| r.3).map(crate::time::from_db).filter(|until| *until > now))
}

/// Counts one failed login. Returns the end of the lock when this failure
/// locks the name. The count and the lock are one transaction; on
/// PostgreSQL the row is locked, so concurrent failures from several
/// processes all count.
pub fn record_failure(
    conn: &mut DbConn,
    login: &str,
    policy: LoginPolicy,
    now: DateTime<Utc>,
) -> Result<Option<DateTime<Utc>>, DbError> {
    let key = login_key(login);
    let now_db = now.naive_utc();
    write_tx(conn, |conn| {
        // Make sure the row exists, then lock it (PostgreSQL) before reading.
        let fresh = (
            login_attempts::login_key.eq(&key),
            login_attempts::failures.eq(0),
            login_attempts::first_failed_at.eq(now_db),
            login_attempts::locked_until.eq(None::<NaiveDateTime>),
        );
        let row: Row = match conn {
            DbConn::Pg(pg) => {
                diesel::insert_into(login_attempts::table).values(fresh).on_conflict_do_nothing().execute(pg)?;
                login_attempts::table.find(&key).for_update().first(pg)?
            }
            DbConn::Sqlite(lite) => {
                diesel::insert_into(login_attempts::table).values(fresh).on_conflict_do_nothing().execute(lite)?;
                login_attempts::table.find(&key).first(lite)?
            }
        };
        let (_, failures, first, _) = row;
        let window_start = now - policy.lockout;
        let (failures, first) =
            if crate::time::from_db(first) < window_start { (1, now_db) } else { (failures.saturating_add(1), first) };
        let locks = u32::try_from(failures).unwrap_or(u32::MAX) >= policy.max_failures.max(1);
        let until = locks.then(|| now + policy.lockout);
        diesel::update(login_attempts::table.find(&key))
            .set((
                login_attempts::failures.eq(if locks { 0 } else { failures }),
                login_attempts::first_failed_at.eq(first),
                login_attempts::locked_until.eq(until.map(|u| u.naive_utc())),
            ))
            .execute(conn)?;
        if let Some(until) = until {
            let change = Change {
                entity: "login",
                entity_id: Some(key.clone()),
                before: None,
                after: Some(serde_json::json!({ "failures": failures, "locked_until": crate::time::show(until) })),
            };
            audit::append(conn, Actor::System, "login.lock", change)?;
        }
        Ok(until)
    })
}

/// Clears the count of a login name after a successful login.
pub fn clear(conn: &mut DbConn, login: &str) -> Result<(), DbError> {
    diesel::delete(login_attempts::table.find(login_key(login))).execute(conn)?;
    Ok(())
}
