//! API tokens. Only the SHA-256 of a token is stored (the token itself is
//! shown once, by whoever made it); a token expires and can be revoked.
//! Making the random token is the caller's business (`hyoka-api`), so this
//! module never sees a secret.

use chrono::{DateTime, NaiveDateTime, Utc};
use diesel::prelude::*;
use serde::Serialize;

use super::audit::{self, Change};
use super::schema::api_tokens;
use super::users::{self, User};
use super::{DbConn, DbError, found, write_tx};
use crate::workflow::Actor;

/// A stored token (without its hash).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ApiToken {
    /// Id.
    pub id: i64,
    /// Owner.
    pub user_id: i64,
    /// What it is for (`login`, `ci-upload`, …).
    pub name: String,
    /// The first characters of the token, to recognise it in a list.
    pub prefix: String,
    /// When it was made.
    pub created_at: DateTime<Utc>,
    /// When it stops working.
    pub expires_at: DateTime<Utc>,
    /// When it was revoked, if it was.
    pub revoked_at: Option<DateTime<Utc>>,
}

impl ApiToken {
    /// Whether it still lets its owner in at `now`.
    pub fn is_active(&self, now: DateTime<Utc>) -> bool {
        self.revoked_at.is_none() && self.expires_at > now
    }
}

/// A token to store.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewToken {
    /// Owner.
    pub user_id: i64,
    /// What it is for.
    pub name: String,
    /// SHA-256 of the token, 64 lowercase hex digits.
    pub token_hash: String,
    /// The token's first characters.
    pub prefix: String,
    /// When it stops working.
    pub expires_at: DateTime<Utc>,
}

/// An `api_tokens` row as selected here.
#[derive(Queryable)]
struct Row {
    id: i64,
    user_id: i64,
    name: String,
    prefix: String,
    created_at: NaiveDateTime,
    expires_at: NaiveDateTime,
    revoked_at: Option<NaiveDateTime>,
}

fn cols() -> (
    api_tokens::id,
    api_tokens::user_id,
    api_tokens::name,
    api_tokens::prefix,
    api_tokens::created_at,
    api_tokens::expires_at,
    api_tokens::revoked_at,
) {
    (
        api_tokens::id,
        api_tokens::user_id,
        api_tokens::name,
        api_tokens::prefix,
        api_tokens::created_at,
        api_tokens::expires_at,
        api_tokens::revoked_at,
    )
}

fn from_row(r: Row) -> ApiToken {
    ApiToken {
        id: r.id,
        user_id: r.user_id,
        name: r.name,
        prefix: r.prefix,
        created_at: crate::time::from_db(r.created_at),
        expires_at: crate::time::from_db(r.expires_at),
        revoked_at: r.revoked_at.map(crate::time::from_db),
    }
}

/// Stores a token for a user. The user must exist and not be disabled.
pub fn create(conn: &mut DbConn, actor: Actor, new: &NewToken) -> Result<ApiToken, DbError> {
    write_tx(conn, |conn| create_in_tx(conn, actor, new))
}

/// [`create`] inside the caller's write transaction.
pub fn create_in_tx(conn: &mut DbConn, actor: Actor, new: &NewToken) -> Result<ApiToken, DbError> {
    if new.token_hash.len() != 64 || !new.token_hash.bytes().all(|b| b.is_ascii_hexdigit()) {
        return Err(DbError::Invalid("token_hash must be 64 hex digits".into()));
    }
    let name = new.name.trim();
    if name.is_empty() || name.chars().count() > 100 {
        return Err(DbError::Invalid("a token needs a name of 1–100 characters / トークン名は1〜100文字です".into()));
    }
    crate::limits::check(crate::limits::Field::TokenName, name)?;
    let user = users::get(conn, new.user_id)?;
    if user.disabled {
        return Err(DbError::Invalid(format!(
            "user {} is disabled / ユーザー {} は無効化されています",
            user.login, user.login
        )));
    }
    let now = crate::time::now();
    if new.expires_at <= now {
        return Err(DbError::Invalid("a token must expire in the future / 有効期限は未来の日時にしてください".into()));
    }
    let row: Row = diesel::insert_into(api_tokens::table)
        .values((
            api_tokens::user_id.eq(new.user_id),
            api_tokens::name.eq(name),
            api_tokens::token_hash.eq(new.token_hash.to_ascii_lowercase()),
            api_tokens::prefix.eq(&new.prefix),
            api_tokens::created_at.eq(now.naive_utc()),
            api_tokens::expires_at.eq(chrono::SubsecRound::trunc_subsecs(new.expires_at, 6).naive_utc()),
            api_tokens::revoked_at.eq(None::<NaiveDateTime>),
        ))
        .returning(cols())
        .get_result(conn)?;
    let token = from_row(row);
    audit::append(conn, actor, "token.create", Change::created("api_token", token.id, &token))?;
    Ok(token)
}

/// The user and token a token hash belongs to, when the token is neither
/// revoked nor expired and its user is not disabled.
pub fn authenticate(
    conn: &mut DbConn,
    token_hash: &str,
    now: DateTime<Utc>,
) -> Result<Option<(User, ApiToken)>, DbError> {
    let row: Option<Row> = api_tokens::table
        .filter(api_tokens::token_hash.eq(token_hash.to_ascii_lowercase()))
        .select(cols())
        .first(conn)
        .optional()?;
    let Some(token) = row.map(from_row).filter(|t| t.is_active(now)) else {
        return Ok(None);
    };
    let user = users::get(conn, token.user_id)?;
    Ok((!user.disabled).then_some((user, token)))
}

/// A token by id.
pub fn get(conn: &mut DbConn, id: i64) -> Result<ApiToken, DbError> {
    Ok(from_row(found(api_tokens::table.find(id).select(cols()).first(conn), || format!("token {id}"))?))
}

/// Tokens, newest first, of one user or of everyone; with the total count.
pub fn list(conn: &mut DbConn, user_id: Option<i64>, offset: i64, limit: i64) -> Result<(Vec<ApiToken>, i64), DbError> {
    let filtered = || {
        let mut q = api_tokens::table.into_boxed();
        if let Some(u) = user_id {
            q = q.filter(api_tokens::user_id.eq(u));
        }
        q
    };
    let total: i64 = filtered().count().get_result(conn)?;
    let rows: Vec<Row> =
        filtered().select(cols()).order(api_tokens::id.desc()).offset(offset).limit(limit).load(conn)?;
    Ok((rows.into_iter().map(from_row).collect(), total))
}

/// Revokes a token (revoking it again changes nothing).
pub fn revoke(conn: &mut DbConn, actor: Actor, id: i64) -> Result<ApiToken, DbError> {
    write_tx(conn, |conn| {
        let before = get(conn, id)?;
        if before.revoked_at.is_some() {
            return Ok(before);
        }
        diesel::update(api_tokens::table.find(id))
            .set(api_tokens::revoked_at.eq(Some(crate::time::now().naive_utc())))
            .execute(conn)?;
        let after = get(conn, id)?;
        audit::append(conn, actor, "token.revoke", Change::updated("api_token", id, &before, &after))?;
        Ok(after)
    })
}

/// Revokes every active token of a user (when the user is disabled or the
/// password changes). Returns how many were revoked.
pub fn revoke_all_of(conn: &mut DbConn, actor: Actor, user_id: i64) -> Result<usize, DbError> {
    revoke_all_of_but(conn, actor, user_id, None)
}

/// Revokes every active token of a user except `keep` (the token a user
/// changing their own password over the API calls with). Returns how many
/// were revoked.
pub fn revoke_all_of_but(conn: &mut DbConn, actor: Actor, user_id: i64, keep: Option<i64>) -> Result<usize, DbError> {
    write_tx(conn, |conn| {
        let mut active = api_tokens::table
            .filter(api_tokens::user_id.eq(user_id))
            .filter(api_tokens::revoked_at.is_null())
            .into_boxed();
        if let Some(keep) = keep {
            active = active.filter(api_tokens::id.ne(keep));
        }
        let ids: Vec<i64> = active.select(api_tokens::id).load(conn)?;
        let n = diesel::update(api_tokens::table.filter(api_tokens::id.eq_any(&ids)))
            .set(api_tokens::revoked_at.eq(Some(crate::time::now().naive_utc())))
            .execute(conn)?;
        if n > 0 {
            let change = Change {
                entity: "user",
                entity_id: Some(user_id.to_string()),
                before: None,
                after: Some(serde_json::json!({ "tokens_revoked": n })),
            };
            audit::append(conn, actor, "token.revoke_all", change)?;
        }
        Ok(n)
    })
}
