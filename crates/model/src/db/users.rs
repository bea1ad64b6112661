//! User accounts. A subsidiary user is bound to exactly one company; the
//! other roles to none ([`Account`] makes the other combinations unwritable,
//! and a CHECK constraint backs it).

use chrono::{DateTime, Utc};
use diesel::prelude::*;
use serde::Serialize;

use super::audit::{self, Change};
pub use super::mail::Language;
use super::schema::users;
use super::{DbConn, DbError, found, write_tx};
use crate::domain::Role;
use crate::limits::{self, Field};
use crate::workflow::Actor;

/// A role together with what it is bound to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(tag = "role", content = "company_id", rename_all = "snake_case")]
pub enum Account {
    /// Parent-company IT with every right.
    Admin,
    /// Parent-company IT reviewing sheets.
    Reviewer,
    /// A subsidiary's user, for one company.
    Subsidiary(i64),
    /// Read-only.
    Auditor,
}

impl Account {
    /// The plain role.
    pub fn role(self) -> Role {
        match self {
            Account::Admin => Role::Admin,
            Account::Reviewer => Role::Reviewer,
            Account::Subsidiary(_) => Role::Subsidiary,
            Account::Auditor => Role::Auditor,
        }
    }

    /// The company of a subsidiary account.
    pub fn company_id(self) -> Option<i64> {
        match self {
            Account::Subsidiary(c) => Some(c),
            _ => None,
        }
    }

    fn from_parts(role: &str, company_id: Option<i64>) -> Result<Account, DbError> {
        let role: Role = role.parse()?;
        match (role, company_id) {
            (Role::Admin, None) => Ok(Account::Admin),
            (Role::Reviewer, None) => Ok(Account::Reviewer),
            (Role::Auditor, None) => Ok(Account::Auditor),
            (Role::Subsidiary, Some(c)) => Ok(Account::Subsidiary(c)),
            _ => Err(DbError::Invalid(format!("role {role} with company {company_id:?}"))),
        }
    }
}

/// A user account (without its password hash).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct User {
    /// Id.
    pub id: i64,
    /// Login name, unique.
    pub login: String,
    /// Display name.
    pub display_name: String,
    /// Role and company.
    pub account: Account,
    /// Disabled accounts cannot log in.
    pub disabled: bool,
    /// When it was created.
    pub created_at: DateTime<Utc>,
    /// Where its mail goes (`None`: it gets none).
    pub email: Option<String>,
    /// The language of its mail.
    pub language: Language,
}

impl User {
    /// This user as the actor of a change.
    pub fn actor(&self) -> Actor {
        Actor::User { id: self.id, role: self.account.role(), company_id: self.account.company_id() }
    }
}

pub use crate::credentials::PasswordHash;

/// What it takes to create a user.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewUser {
    /// Login name.
    pub login: String,
    /// Display name.
    pub display_name: String,
    /// Role and company.
    pub account: Account,
    /// Password hash, if the user logs in with a password.
    pub password_hash: Option<PasswordHash>,
}

/// A `users` row as selected by `cols()`.
#[derive(Queryable)]
struct UserRow {
    id: i64,
    login: String,
    display_name: String,
    role: String,
    company_id: Option<i64>,
    disabled: bool,
    created_at: chrono::NaiveDateTime,
    email: Option<String>,
    language: String,
}

type Cols = (
    users::id,
    users::login,
    users::display_name,
    users::role,
    users::company_id,
    users::disabled,
    users::created_at,
    users::email,
    users::language,
);

fn cols() -> Cols {
    (
        users::id,
        users::login,
        users::display_name,
        users::role,
        users::company_id,
        users::disabled,
        users::created_at,
        users::email,
        users::language,
    )
}

fn from_row(r: UserRow) -> Result<User, DbError> {
    Ok(User {
        id: r.id,
        login: r.login,
        display_name: r.display_name,
        account: Account::from_parts(&r.role, r.company_id)?,
        disabled: r.disabled,
        created_at: crate::time::from_db(r.created_at),
        email: r.email,
        language: Language::parse(&r.language)?,
    })
}

/// A login as it is compared: NFKC, no whitespace, lower case (Unicode),
/// NFKC again (lower-casing can undo it). `ＤＥＭＯ－Admin` → `demo-admin`.
pub fn fold_login(login: &str) -> String {
    crate::text::normalize_compact(&crate::text::normalize_compact(login).to_lowercase())
}

/// Creates a user. Logins are unique and compared after NFKC and case
/// folding ([`fold_login`]); the login is kept as typed (after NFKC).
pub fn create(conn: &mut DbConn, actor: Actor, new: &NewUser) -> Result<User, DbError> {
    create_with_contact(conn, actor, new, None, Language::default())
}

/// Creates a user with the address and language of its mail (see
/// [`super::mail::set_contact`]), in one transaction and one audit entry.
pub fn create_with_contact(
    conn: &mut DbConn,
    actor: Actor,
    new: &NewUser,
    email: Option<&str>,
    language: Language,
) -> Result<User, DbError> {
    let email = super::mail::checked_contact(email)?;
    let login = crate::text::normalize_compact(&new.login);
    if login.is_empty() {
        return Err(DbError::Invalid("a user needs a login / ログイン名が必要です".into()));
    }
    limits::check(Field::Login, &login)?;
    limits::check(Field::DisplayName, new.display_name.trim())?;
    write_tx(conn, |conn| {
        if by_login(conn, &login)?.is_some() {
            return Err(DbError::Invalid(format!("login {login} is taken / ログイン名 {login} は使用済みです")));
        }
        if let Account::Subsidiary(company) = new.account {
            super::companies::get(conn, company)?;
        }
        let row: UserRow = diesel::insert_into(users::table)
            .values((
                users::login.eq(&login),
                users::login_key.eq(fold_login(&login)),
                users::display_name.eq(new.display_name.trim()),
                users::role.eq(new.account.role().code()),
                users::company_id.eq(new.account.company_id()),
                users::password_hash.eq(new.password_hash.as_ref().map(|h| h.0.as_str())),
                users::disabled.eq(false),
                users::created_at.eq(crate::time::now().naive_utc()),
                users::email.eq(email.as_deref()),
                users::language.eq(language.code()),
            ))
            .returning(cols())
            .get_result(conn)?;
        let user = from_row(row)?;
        audit::append(conn, actor, "user.create", Change::created("user", user.id, &user))?;
        Ok(user)
    })
}

/// A user by id.
pub fn get(conn: &mut DbConn, id: i64) -> Result<User, DbError> {
    from_row(found(users::table.find(id).select(cols()).first(conn), || format!("user {id}"))?)
}

/// A user by login, compared after NFKC and case folding.
pub fn by_login(conn: &mut DbConn, login: &str) -> Result<Option<User>, DbError> {
    let key = fold_login(login);
    users::table.filter(users::login_key.eq(key)).select(cols()).first(conn).optional()?.map(from_row).transpose()
}

/// Recomputes every user's folded login (after the migration that added it,
/// which could fold only ASCII). Returns how many changed.
pub fn refold_logins(conn: &mut DbConn) -> Result<usize, DbError> {
    let rows: Vec<(i64, String, Option<String>)> =
        users::table.select((users::id, users::login, users::login_key)).load(conn)?;
    let mut changed = 0;
    for (id, login, key) in rows {
        let folded = fold_login(&login);
        if key.as_deref() != Some(folded.as_str()) {
            diesel::update(users::table.find(id)).set(users::login_key.eq(&folded)).execute(conn)?;
            changed += 1;
        }
    }
    Ok(changed)
}

/// A user's password hash, for logging in.
pub fn password_hash(conn: &mut DbConn, id: i64) -> Result<Option<PasswordHash>, DbError> {
    let h: Option<String> =
        found(users::table.find(id).select(users::password_hash).first(conn), || format!("user {id}"))?;
    Ok(h.map(PasswordHash))
}

/// Every user, by login.
pub fn list(conn: &mut DbConn) -> Result<Vec<User>, DbError> {
    users::table.select(cols()).order(users::login).load(conn)?.into_iter().map(from_row).collect()
}

/// Changes a user's display name, account or disabled flag.
pub fn update(
    conn: &mut DbConn,
    actor: Actor,
    id: i64,
    display_name: Option<&str>,
    account: Option<Account>,
    disabled: Option<bool>,
) -> Result<User, DbError> {
    if let Some(name) = display_name {
        limits::check(Field::DisplayName, name.trim())?;
    }
    write_tx(conn, |conn| {
        // Lock the admins' rows first (PostgreSQL; SQLite's BEGIN IMMEDIATE
        // already serialises), so two admins demoting each other at once
        // cannot both pass the check below.
        if let DbConn::Pg(pg) = conn {
            let _: Vec<i64> = users::table.filter(users::role.eq("admin")).select(users::id).for_update().load(pg)?;
        }
        let before = get(conn, id)?;
        let account = account.unwrap_or(before.account);
        if let Account::Subsidiary(company) = account {
            super::companies::get(conn, company)?;
        }
        diesel::update(users::table.find(id))
            .set((
                users::display_name.eq(display_name.map(str::trim).unwrap_or(&before.display_name)),
                users::role.eq(account.role().code()),
                users::company_id.eq(account.company_id()),
                users::disabled.eq(disabled.unwrap_or(before.disabled)),
            ))
            .execute(conn)?;
        let after = get(conn, id)?;
        let active_admins: i64 =
            users::table.filter(users::role.eq("admin").and(users::disabled.eq(false))).count().get_result(conn)?;
        if active_admins == 0 {
            return Err(DbError::Conflict(
                "this change would leave no active admin; make another admin first / \
                 有効な管理者がいなくなるため変更できません。先に別の管理者を作成してください"
                    .into(),
            ));
        }
        audit::append(conn, actor, "user.update", Change::updated("user", id, &before, &after))?;
        Ok(after)
    })
}

/// Sets a user's password hash (the hash itself is never logged).
pub fn set_password(conn: &mut DbConn, actor: Actor, id: i64, hash: &PasswordHash) -> Result<(), DbError> {
    write_tx(conn, |conn| {
        get(conn, id)?;
        diesel::update(users::table.find(id)).set(users::password_hash.eq(&hash.0)).execute(conn)?;
        let change = Change { entity: "user", entity_id: Some(id.to_string()), before: None, after: None };
        audit::append(conn, actor, "user.set_password", change)?;
        Ok(())
    })
}
