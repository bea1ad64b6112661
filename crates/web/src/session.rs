//! Sessions of the web UI: a row per signed-in browser in `web_sessions`
//! (migration `2026-12-01-000008_web`), so every `hyoka serve` replica shares
//! them; nothing is kept in process memory.
//!
//! - The cookie holds `hyoka_s_` + 64 hex digits from the OS random source;
//!   only its SHA-256 is stored. The prefix differs from the API's tokens
//!   (`hyoka_`… in `api_tokens`), and the two live in different tables: the
//!   API never accepts a session, and the UI never reads a bearer token.
//! - A session ends at its absolute lifetime, after the idle timeout, at
//!   logout (revoked), when its user is disabled, and when the user's
//!   password or account (role, company) changes (the row keeps a
//!   fingerprint of the password hash and account it was made with).
//! - The per-session CSRF token is a second random value in the same row.

use chrono::{DateTime, Duration, NaiveDateTime, Utc};
use diesel::prelude::*;
use hyoka_model::db::DbConn;
use hyoka_model::db::users::{self, User};
use sha2::{Digest, Sha256};

use crate::i18n::Lang;

diesel::table! {
    /// The UI's sessions.
    web_sessions (id) {
        /// Id.
        id -> BigInt,
        /// Who signed in.
        user_id -> BigInt,
        /// SHA-256 of the cookie's secret.
        secret_hash -> Text,
        /// The CSRF token of the session.
        csrf_token -> Text,
        /// Fingerprint of the password hash the session was made with.
        password_fp -> Text,
        /// The language the user chose.
        lang -> Nullable<Text>,
        /// When it began.
        created_at -> Timestamp,
        /// When it was last used (kept to 5 minutes).
        last_seen_at -> Timestamp,
        /// Absolute end.
        expires_at -> Timestamp,
        /// When it was ended by logout.
        revoked_at -> Nullable<Timestamp>,
    }
}

/// What the session cookie's value starts with.
pub const SESSION_PREFIX: &str = "hyoka_s_";

/// How long sessions last.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Lifetimes {
    /// From sign-in, whatever happens.
    pub absolute: Duration,
    /// Without a request.
    pub idle: Duration,
}

/// A session found for a cookie.
#[derive(Debug, Clone)]
pub struct Session {
    /// Row id.
    pub id: i64,
    /// The user.
    pub user: User,
    /// Its CSRF token.
    pub csrf: String,
    /// The language chosen, if one was.
    pub lang: Option<Lang>,
}

/// 32 random bytes as 64 hex digits.
pub fn random_hex() -> Result<String, getrandom::Error> {
    let mut buf = [0u8; 32];
    getrandom::fill(&mut buf)?;
    Ok(hex::encode(buf))
}

/// SHA-256 of a text, in hex.
pub fn sha256_hex(s: &str) -> String {
    hex::encode(Sha256::digest(s.as_bytes()))
}

/// What a session is bound to besides its user: the password hash and the
/// account (role and company). A change of either ends the session, as the
/// API revokes tokens then.
fn password_fp(conn: &mut DbConn, user: &User) -> Result<String, hyoka_model::db::DbError> {
    let hash = users::password_hash(conn, user.id)?;
    Ok(sha256_hex(&format!("hyoka-web-session:{:?}:{}", user.account, hash.map(|h| h.0).unwrap_or_default())))
}

/// Makes a session for a user who just signed in; returns the cookie value.
pub fn create(
    conn: &mut DbConn,
    user: &User,
    lang: Option<Lang>,
    life: Lifetimes,
) -> Result<String, crate::PageFailure> {
    let secret = format!("{SESSION_PREFIX}{}", random_hex().map_err(|_| crate::PageFailure::Internal)?);
    let csrf = random_hex().map_err(|_| crate::PageFailure::Internal)?;
    let now = hyoka_model::time::now();
    let fp = password_fp(conn, user)?;
    diesel::insert_into(web_sessions::table)
        .values((
            web_sessions::user_id.eq(user.id),
            web_sessions::secret_hash.eq(sha256_hex(&secret)),
            web_sessions::csrf_token.eq(csrf),
            web_sessions::password_fp.eq(fp),
            web_sessions::lang.eq(lang.map(Lang::code)),
            web_sessions::created_at.eq(now.naive_utc()),
            web_sessions::last_seen_at.eq(now.naive_utc()),
            web_sessions::expires_at.eq((now + life.absolute).naive_utc()),
            web_sessions::revoked_at.eq(None::<NaiveDateTime>),
        ))
        .execute(conn)
        .map_err(hyoka_model::db::DbError::from)?;
    Ok(secret)
}

type Row = (i64, i64, String, String, Option<String>, NaiveDateTime, NaiveDateTime, Option<NaiveDateTime>);

/// The live session of a cookie value at `now`, touching `last_seen_at` at
/// most every five minutes.
pub fn find(
    conn: &mut DbConn,
    secret: &str,
    now: DateTime<Utc>,
    life: Lifetimes,
) -> Result<Option<Session>, hyoka_model::db::DbError> {
    if !secret.starts_with(SESSION_PREFIX) {
        return Ok(None);
    }
    let row: Option<Row> = web_sessions::table
        .filter(web_sessions::secret_hash.eq(sha256_hex(secret)))
        .select((
            web_sessions::id,
            web_sessions::user_id,
            web_sessions::csrf_token,
            web_sessions::password_fp,
            web_sessions::lang,
            web_sessions::last_seen_at,
            web_sessions::expires_at,
            web_sessions::revoked_at,
        ))
        .first(conn)
        .optional()?;
    let Some((id, user_id, csrf, fp, lang, seen, expires, revoked)) = row else {
        return Ok(None);
    };
    let seen = seen.and_utc();
    if revoked.is_some() || expires.and_utc() <= now || seen + life.idle <= now {
        return Ok(None);
    }
    let user = users::get(conn, user_id)?;
    if user.disabled || password_fp(conn, &user)? != fp {
        return Ok(None);
    }
    if now - seen > Duration::minutes(5) {
        diesel::update(web_sessions::table.find(id))
            .set(web_sessions::last_seen_at.eq(now.naive_utc()))
            .execute(conn)?;
    }
    Ok(Some(Session { id, user, csrf, lang: lang.as_deref().and_then(Lang::from_code) }))
}

/// Ends a session (logout).
pub fn revoke(conn: &mut DbConn, id: i64) -> Result<(), hyoka_model::db::DbError> {
    diesel::update(web_sessions::table.find(id).filter(web_sessions::revoked_at.is_null()))
        .set(web_sessions::revoked_at.eq(Some(hyoka_model::time::now().naive_utc())))
        .execute(conn)?;
    Ok(())
}

/// Keeps the language a user chose with the switch.
pub fn set_lang(conn: &mut DbConn, id: i64, lang: Lang) -> Result<(), hyoka_model::db::DbError> {
    diesel::update(web_sessions::table.find(id)).set(web_sessions::lang.eq(Some(lang.code()))).execute(conn)?;
    Ok(())
}

/// Whether two secrets are equal, in time that does not depend on where
/// they differ.
pub fn same(a: &str, b: &str) -> bool {
    a.len() == b.len() && a.bytes().zip(b.bytes()).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}
