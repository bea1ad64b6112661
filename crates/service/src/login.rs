//! Signing in: the one decision every door takes (the API's `POST /login`,
//! the web UI's sign-in form) — whether a login name and password are
//! accepted (and [`change_own_password`], which checks the current password
//! the same way), with the failed-login lockout kept in the database so every
//! `hyoka serve` replica shares it.
//!
//! The lockout decision is taken before the password is checked and
//! atomically with the count ([`logins::reserve`]), so parallel attempts on
//! any number of replicas never check more than `max_failures` passwords of
//! one login from one address per window (see [`hyoka_model::db::logins`]).

use std::net::IpAddr;

use chrono::{DateTime, Utc};
use hyoka_model::credentials::{Secret, burn_verification, hash_password, verify_password};
use hyoka_model::db::logins::{self, LoginPolicy};
use hyoka_model::db::tokens;
use hyoka_model::db::users::{self, User};
use hyoka_model::db::{DbConn, DbError};

/// Why a sign-in was refused.
#[derive(Debug, thiserror::Error)]
pub enum LoginError {
    /// Wrong login name or password (which one is not said), or a disabled account.
    #[error("wrong login or password / ログイン名またはパスワードが違います")]
    BadCredentials,
    /// Too many failures: locked until then.
    #[error("too many failed logins; locked until {0} / ログインの失敗が続いたため {0} までロックされています")]
    Locked(DateTime<Utc>),
    /// The database failed.
    #[error(transparent)]
    Db(#[from] DbError),
}

/// Checks a login name (compared after NFKC and case folding) and password.
/// A name that does not exist takes as long to refuse as a wrong password.
/// `client` is the caller's address: failures are counted per login from
/// that address (locked first), per login and per address (see
/// [`logins`]); `None` counts as one unknown address.
pub fn authenticate(
    conn: &mut DbConn,
    policy: LoginPolicy,
    login: &str,
    password: &Secret,
    client: Option<IpAddr>,
) -> Result<User, LoginError> {
    let now = hyoka_model::time::now();
    let reservation = match logins::reserve(conn, login, client, policy, now)? {
        Ok(r) => r,
        Err(until) => return Err(LoginError::Locked(until)),
    };
    let checked = check(conn, login, password);
    match checked {
        Ok(Some(user)) => {
            logins::release(conn, &reservation)?;
            Ok(user)
        }
        Ok(None) => {
            if let Some(until) = reservation.locks_until {
                tracing::warn!("a login name was locked after repeated failures");
                logins::record_lock(conn, login, &reservation)?;
                return Err(LoginError::Locked(until));
            }
            Err(LoginError::BadCredentials)
        }
        // The reservation stays counted: a failing database is no reason
        // to hand out more checks.
        Err(e) => Err(e.into()),
    }
}

/// The user if the password is right and the account active.
fn check(conn: &mut DbConn, login: &str, password: &Secret) -> Result<Option<User>, DbError> {
    let user = users::by_login(conn, login)?;
    let hash = match &user {
        Some(u) => users::password_hash(conn, u.id)?,
        None => None,
    };
    let ok = match (&user, &hash) {
        (Some(u), Some(h)) if !u.disabled => verify_password(password, h),
        _ => {
            burn_verification(password);
            false
        }
    };
    Ok(user.filter(|_| ok))
}

/// Why a user's change of their own password was refused. Nothing changed.
#[derive(Debug, thiserror::Error)]
pub enum PasswordChangeError {
    /// The new password breaks the rules of [`hyoka_model::credentials`] (too short).
    #[error("{0}")]
    Invalid(String),
    /// The current password is wrong (counted as a failed login).
    #[error("the current password is wrong / 現在のパスワードが違います")]
    WrongCurrent,
    /// Too many failures: locked until then.
    #[error("too many failed logins; locked until {0} / ログインの失敗が続いたため {0} までロックされています")]
    Locked(DateTime<Utc>),
    /// The database failed.
    #[error(transparent)]
    Db(#[from] DbError),
}

/// A signed-in user changes their own password (the web UI's password page,
/// the API's `POST /me/password`). The new password is held to
/// [`hyoka_model::credentials`]' rules first; the current one is checked as a
/// sign-in is ([`authenticate`]: a wrong one counts as a failed login of the
/// user's login name from `client`, and a locked name is refused unchecked).
/// Then the password is set (audited as `user.set_password`) and every API
/// token of the user is revoked except `keep` (the token of the request, for
/// the API); the web sessions end by themselves, being bound to the password
/// hash.
pub fn change_own_password(
    conn: &mut DbConn,
    policy: LoginPolicy,
    user: &User,
    current: &Secret,
    new: &Secret,
    client: Option<IpAddr>,
    keep: Option<i64>,
) -> Result<(), PasswordChangeError> {
    let hash = hash_password(new).map_err(|e| PasswordChangeError::Invalid(e.to_string()))?;
    match authenticate(conn, policy, &user.login, current, client) {
        Ok(checked) if checked.id == user.id => {}
        Ok(_) | Err(LoginError::BadCredentials) => return Err(PasswordChangeError::WrongCurrent),
        Err(LoginError::Locked(until)) => return Err(PasswordChangeError::Locked(until)),
        Err(LoginError::Db(e)) => return Err(e.into()),
    }
    users::set_password(conn, user.actor(), user.id, &hash)?;
    tokens::revoke_all_of_but(conn, user.actor(), user.id, keep)?;
    Ok(())
}
