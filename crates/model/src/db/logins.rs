//! Failed-login counters, kept in the database so that several `hyoka serve`
//! processes share them (an attacker gains nothing by spreading guesses over
//! the processes behind a load balancer).
//!
//! Failures are counted under three keys at once: the login name from one
//! client address (locked after [`LoginPolicy::max_failures`]), the login
//! name from anywhere and the client address for any login name (both locked
//! after [`LoginPolicy::wide_limit`], four times as many). So one address
//! locks itself out of an account long before it could lock the account for
//! everyone else.
//!
//! The decision is taken before the password is checked, atomically with the
//! count: [`reserve`] counts the attempt as a failure (in one write
//! transaction that locks the rows on PostgreSQL; SQLite's `BEGIN IMMEDIATE`
//! serialises) or refuses it because a key is locked. A password is checked
//! only with a reservation, so parallel requests on any number of processes
//! never evaluate more than the limit per window. A successful login gives
//! its reservation back ([`release`]); the failures of the window stay
//! counted until the window ends. Unknown login names are counted too, so a
//! lock says nothing about whether an account exists.

use std::net::IpAddr;

use chrono::{DateTime, Duration, NaiveDateTime, Utc};
use diesel::prelude::*;

use super::audit::{self, Change};
use super::schema::login_attempts;
use super::{DbConn, DbError, write_tx};
use crate::workflow::Actor;

/// How many failures lock a login name, and for how long.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LoginPolicy {
    /// Failures within [`LoginPolicy::lockout`] of one login name from one
    /// client address that lock that pair.
    pub max_failures: u32,
    /// The counting window, and how long a lock lasts.
    pub lockout: Duration,
}

impl LoginPolicy {
    /// Failures that lock a login name for every address, or an address for
    /// every login name: four times [`LoginPolicy::max_failures`].
    pub fn wide_limit(self) -> u32 {
        self.max_failures.max(1).saturating_mul(4)
    }
}

/// The key failures of a login name are counted under: the login as users
/// are looked up ([`super::users::fold_login`]), cut to 200 characters.
pub fn login_key(login: &str) -> String {
    super::users::fold_login(login).chars().take(200).collect()
}

/// An address as counted: IPv4 as is, IPv6 by its /64 network (one host
/// easily has a whole /64).
fn address_text(client: Option<IpAddr>) -> String {
    match client {
        Some(IpAddr::V4(v4)) => v4.to_string(),
        Some(IpAddr::V6(v6)) => match v6.to_ipv4_mapped() {
            Some(v4) => v4.to_string(),
            None => {
                let s = v6.segments();
                format!("{:x}:{:x}:{:x}:{:x}::/64", s[0], s[1], s[2], s[3])
            }
        },
        None => "unknown".to_owned(),
    }
}

/// The keys of one attempt with their limits. Login keys hold no spaces, so
/// the address keys (which do) never collide with them.
fn keys(login: &str, client: Option<IpAddr>, policy: LoginPolicy) -> Vec<(String, u32)> {
    let login = login_key(login);
    let addr = address_text(client);
    let mut keys = vec![
        (format!("{login} from {addr}"), policy.max_failures.max(1)),
        (format!("address {addr}"), policy.wide_limit()),
        (login, policy.wide_limit()),
    ];
    // Lock rows in one order everywhere, so two attempts never deadlock.
    keys.sort();
    keys
}

type Row = (String, i32, NaiveDateTime, Option<NaiveDateTime>);

fn row_of(conn: &mut DbConn, key: &str) -> Result<Option<Row>, DbError> {
    Ok(login_attempts::table.find(key).first::<Row>(conn).optional()?)
}

/// Until when a login name is locked for every address, if it is at `now`.
pub fn locked_until(conn: &mut DbConn, login: &str, now: DateTime<Utc>) -> Result<Option<DateTime<Utc>>, DbError> {
    Ok(row_of(conn, &login_key(login))?.and_then(|r| r.3).map(crate::time::from_db).filter(|until| *until > now))
}

/// The failures counted for a login name (from every address) in the
/// current window.
pub fn failures(conn: &mut DbConn, login: &str) -> Result<u32, DbError> {
    Ok(row_of(conn, &login_key(login))?.map_or(0, |r| u32::try_from(r.1).unwrap_or(0)))
}

/// The right to check one password, counted as a failure until
/// [`release`]d.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Reservation {
    keys: Vec<(String, u32)>,
    /// Set when this attempt used the last check of a key: if it fails, the
    /// key is locked until then.
    pub locks_until: Option<DateTime<Utc>>,
}

/// Decides whether a password may be checked for `login` from `client`, and
/// counts the attempt, in one write transaction. `Err(until)` in the `Ok`
/// when a key is locked (nothing is counted then).
pub fn reserve(
    conn: &mut DbConn,
    login: &str,
    client: Option<IpAddr>,
    policy: LoginPolicy,
    now: DateTime<Utc>,
) -> Result<Result<Reservation, DateTime<Utc>>, DbError> {
    let keys = keys(login, client, policy);
    let now_db = now.naive_utc();
    let window_start = now - policy.lockout;
    write_tx(conn, |conn| {
        let names: Vec<&str> = keys.iter().map(|(k, _)| k.as_str()).collect();
        let fresh: Vec<_> = names
            .iter()
            .map(|k| {
                (
                    login_attempts::login_key.eq(*k),
                    login_attempts::failures.eq(0),
                    login_attempts::first_failed_at.eq(now_db),
                    login_attempts::locked_until.eq(None::<NaiveDateTime>),
                )
            })
            .collect();
        let rows: Vec<Row> = match conn {
            DbConn::Pg(pg) => {
                diesel::insert_into(login_attempts::table).values(&fresh).on_conflict_do_nothing().execute(pg)?;
                login_attempts::table
                    .filter(login_attempts::login_key.eq_any(&names))
                    .order(login_attempts::login_key)
                    .for_update()
                    .load(pg)?
            }
            DbConn::Sqlite(lite) => {
                for row in &fresh {
                    diesel::insert_into(login_attempts::table).values(row).on_conflict_do_nothing().execute(lite)?;
                }
                login_attempts::table.filter(login_attempts::login_key.eq_any(&names)).load(lite)?
            }
        };
        let mut updates = Vec::with_capacity(keys.len());
        let mut locked: Option<DateTime<Utc>> = None;
        let mut locks_until = None;
        for (key, limit) in &keys {
            let Some((_, failures, first, until)) = rows.iter().find(|r| &r.0 == key).cloned() else {
                return Err(DbError::Invalid(format!("login attempt row {key} vanished")));
            };
            let until = until.map(crate::time::from_db);
            if let Some(until) = until.filter(|u| *u > now) {
                locked = locked.max(Some(until));
                continue;
            }
            // An expired lock or window starts afresh.
            let (failures, first) = if until.is_some() || crate::time::from_db(first) < window_start {
                (0, now_db)
            } else {
                (u32::try_from(failures).unwrap_or(0), first)
            };
            if failures >= *limit {
                locked = locked.max(Some(crate::time::from_db(first) + policy.lockout));
                continue;
            }
            let failures = failures + 1;
            let lock = (failures >= *limit).then(|| now + policy.lockout);
            if lock.is_some() {
                locks_until = lock.max(locks_until);
            }
            updates.push((key.clone(), failures, first, lock));
        }
        if let Some(until) = locked {
            return Ok(Err(until));
        }
        for (key, failures, first, lock) in updates {
            diesel::update(login_attempts::table.find(&key))
                .set((
                    login_attempts::failures.eq(i32::try_from(failures).unwrap_or(i32::MAX)),
                    login_attempts::first_failed_at.eq(first),
                    login_attempts::locked_until.eq(lock.map(|u| u.naive_utc())),
                ))
                .execute(conn)?;
        }
        Ok(Ok(Reservation { keys: keys.clone(), locks_until }))
    })
}

/// A failed check with a reservation that used the last check of a key:
/// the lock stands; it is written to the audit log.
pub fn record_lock(conn: &mut DbConn, login: &str, reservation: &Reservation) -> Result<(), DbError> {
    let Some(until) = reservation.locks_until else { return Ok(()) };
    let key = login_key(login);
    write_tx(conn, |conn| {
        let change = Change {
            entity: "login",
            entity_id: Some(key.clone()),
            before: None,
            after: Some(serde_json::json!({ "locked_until": crate::time::show(until) })),
        };
        audit::append(conn, Actor::System, "login.lock", change)?;
        Ok(())
    })
}

/// Gives a reservation back after a successful login: its count is taken
/// back, and a lock it set is lifted.
pub fn release(conn: &mut DbConn, reservation: &Reservation) -> Result<(), DbError> {
    write_tx(conn, |conn| {
        for (key, limit) in &reservation.keys {
            let Some((_, failures, _, until)) = (match conn {
                DbConn::Pg(pg) => login_attempts::table.find(key).for_update().first::<Row>(pg).optional()?,
                DbConn::Sqlite(lite) => login_attempts::table.find(key).first::<Row>(lite).optional()?,
            }) else {
                continue;
            };
            let failures = failures.saturating_sub(1).max(0);
            let until = if u32::try_from(failures).unwrap_or(0) < *limit { None } else { until };
            diesel::update(login_attempts::table.find(key))
                .set((login_attempts::failures.eq(failures), login_attempts::locked_until.eq(until)))
                .execute(conn)?;
        }
        Ok(())
    })
}

/// Lifts every lock and count of a login name (from every address); returns
/// how many counters were removed. For `hyoka admin unlock`.
pub fn unlock(conn: &mut DbConn, actor: Actor, login: &str) -> Result<usize, DbError> {
    let key = login_key(login);
    let pattern = format!("{} from %", key.replace('\\', "\\\\").replace('%', "\\%").replace('_', "\\_"));
    write_tx(conn, |conn| {
        let n = diesel::delete(
            login_attempts::table
                .filter(login_attempts::login_key.eq(&key).or(login_attempts::login_key.like(&pattern).escape('\\'))),
        )
        .execute(conn)?;
        let change = Change { entity: "login", entity_id: Some(key.clone()), before: None, after: None };
        audit::append(conn, actor, "login.unlock", change)?;
        Ok(n)
    })
}

/// Lifts the lock and count of a client address (for every login name).
pub fn unlock_address(conn: &mut DbConn, actor: Actor, client: IpAddr) -> Result<usize, DbError> {
    let addr = address_text(Some(client));
    let key = format!("address {addr}");
    let pattern = format!("% from {addr}");
    write_tx(conn, |conn| {
        let n = diesel::delete(
            login_attempts::table
                .filter(login_attempts::login_key.eq(&key).or(login_attempts::login_key.like(&pattern))),
        )
        .execute(conn)?;
        let change = Change { entity: "login", entity_id: Some(key.clone()), before: None, after: None };
        audit::append(conn, actor, "login.unlock", change)?;
        Ok(n)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_of_an_attempt_are_per_pair_login_and_address() {
        let policy = LoginPolicy { max_failures: 5, lockout: Duration::minutes(15) };
        let k = keys("ＤＥＭＯ-Admin", Some("192.0.2.7".parse().unwrap_or_else(|_| unreachable!())), policy);
        assert_eq!(
            k,
            vec![
                ("address 192.0.2.7".to_owned(), 20),
                ("demo-admin".to_owned(), 20),
                ("demo-admin from 192.0.2.7".to_owned(), 5),
            ]
        );
        let v6: IpAddr = "2001:db8:1:2:3:4:5:6".parse().unwrap_or_else(|_| unreachable!());
        assert_eq!(address_text(Some(v6)), "2001:db8:1:2::/64");
    }
}
