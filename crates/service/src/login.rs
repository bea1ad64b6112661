//! Signing in: the one decision every door takes (the API's `POST /login`,
//! the web UI's sign-in form) — whether a login name and password are
//! accepted, with the failed-login lockout kept in the database so every
//! `hyoka serve` replica shares it.

use std::net::IpAddr;

use chrono::{DateTime, Utc};
use hyoka_model::credentials::{Secret, burn_verification, verify_password};
use hyoka_model::db::logins::{self, LoginPolicy};
use hyoka_model::db::users::{self, User};
use hyoka_model::db::{DbConn, DbError};

/// Why a sign-in was refused.
#[derive(Debug, thiserror::Error)]
pub enum LoginError {
    /// Wrong login name or password (which one is not said), or a disabled account.
    #[error("wrong login or password / ログイン名またはパスワードが違います")]
    BadCredentials,
    /// Too many failures: locked until then.
    #[error("too many failed logins; locked until {0}")]
    Locked(DateTime<Utc>),
    /// The database failed.
    #[error(transparent)]
    Db(#[from] DbError),
}

/// Checks a login name and password. A name that does not exist takes as
/// long to refuse as a wrong password. `client` is the caller's address (for
/// limits per address; not used yet).
pub fn authenticate(
    conn: &mut DbConn,
    policy: LoginPolicy,
    login: &str,
    password: &Secret,
    client: Option<IpAddr>,
) -> Result<User, LoginError> {
    let _ = client;
    let now = hyoka_model::time::now();
    if let Some(until) = logins::locked_until(conn, login, now)? {
        return Err(LoginError::Locked(until));
    }
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
    let Some(user) = user.filter(|_| ok) else {
        if let Some(until) = logins::record_failure(conn, login, policy, now)? {
            tracing::warn!("a login name was locked after repeated failures");
            return Err(LoginError::Locked(until));
        }
        return Err(LoginError::BadCredentials);
    };
    logins::clear(conn, login)?;
    Ok(user)
}
