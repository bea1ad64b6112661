//! Authentication: the [`Caller`] extractor every protected handler takes.
//! Passwords (argon2id) and API tokens (`hyoka_` + 64 hex digits from the OS
//! random source; only their SHA-256 is stored) are made and checked by
//! [`hyoka_model::credentials`], re-exported here.
//!
//! Secrets travel in [`Secret`], whose `Debug` never prints them; the request
//! log line (`%r %s %Dms`) holds no header, so no `Authorization` value is
//! ever logged.

use std::future::Future;
use std::pin::Pin;

use actix_web::{FromRequest, HttpRequest, dev::Payload, http::header, web};
use hyoka_model::db::tokens;
use hyoka_model::db::users::{Account, User};
use hyoka_model::domain::Role;
use hyoka_model::workflow::Actor;
use hyoka_service::access::Access;

use crate::AppState;
use crate::error::ApiError;

pub use crate::handlers::session::issue as issue_token;
pub use crate::handlers::users::{account, mail_language};

pub use hyoka_model::credentials::{
    MIN_PASSWORD_CHARS, NewSecretToken, Secret, SecretError, TOKEN_PREFIX, burn_verification, hash_password,
    new_password, new_token, token_hash, verify_password,
};

impl From<SecretError> for ApiError {
    fn from(e: SecretError) -> Self {
        tracing::error!(error = %e, "cannot make a secret");
        ApiError::Internal
    }
}

/// The authenticated caller: the user a valid bearer token belongs to.
#[derive(Debug, Clone)]
pub struct Caller {
    /// The user.
    pub user: User,
    /// The token used.
    pub token_id: i64,
}

impl Caller {
    /// The caller as the actor of a change.
    pub fn actor(&self) -> Actor {
        self.user.actor()
    }

    /// The caller's role.
    pub fn role(&self) -> Role {
        self.user.account.role()
    }

    /// 403 unless the caller has one of `roles`.
    pub fn require(&self, roles: &[Role]) -> Result<(), ApiError> {
        if roles.contains(&self.role()) { Ok(()) } else { Err(ApiError::forbidden()) }
    }

    /// The company a subsidiary user is bound to.
    pub fn own_company(&self) -> Option<i64> {
        match self.user.account {
            Account::Subsidiary(c) => Some(c),
            _ => None,
        }
    }

    /// Whether the caller may see a company's data: parent-company roles and
    /// auditors every company's, a subsidiary user only its own.
    pub fn sees_company(&self, company_id: i64) -> bool {
        Access::new(self.actor(), false).sees_company(company_id)
    }

    /// What the caller may see ([`hyoka_service::access`]): every handler asks
    /// it, as the web UI does.
    pub fn access(&self, settings: &crate::Settings) -> Access {
        Access::new(self.actor(), settings.subsidiary_sees_unreleased_flags)
    }

    /// Whether the caller is parent-company IT (admin or reviewer).
    pub fn is_parent(&self) -> bool {
        matches!(self.role(), Role::Admin | Role::Reviewer)
    }
}

/// The token of an `Authorization: Bearer …` header.
fn bearer(req: &HttpRequest) -> Result<String, ApiError> {
    let missing = || {
        ApiError::Unauthorized(
            "send a token: Authorization: Bearer hyoka_… (POST /api/v1/login) / トークンを送ってください".into(),
        )
    };
    let value = req.headers().get(header::AUTHORIZATION).ok_or_else(missing)?;
    let value = value.to_str().map_err(|_| missing())?.trim();
    let (scheme, token) = value.split_once(' ').ok_or_else(missing)?;
    let token = token.trim();
    if !scheme.eq_ignore_ascii_case("bearer") || !token.starts_with(TOKEN_PREFIX) {
        return Err(missing());
    }
    Ok(token.to_owned())
}

impl FromRequest for Caller {
    type Error = ApiError;
    type Future = Pin<Box<dyn Future<Output = Result<Caller, ApiError>>>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        let token = bearer(req);
        let state = req.app_data::<web::Data<AppState>>().cloned();
        Box::pin(async move {
            let hash = token_hash(&token?);
            let state = state.ok_or(ApiError::Internal)?;
            let pool = state.pool.clone();
            let found = web::block(move || -> Result<_, ApiError> {
                let mut conn = pool.get()?;
                Ok(tokens::authenticate(&mut conn, &hash, hyoka_model::time::now())?)
            })
            .await??;
            match found {
                Some((user, token)) => Ok(Caller { user, token_id: token.id }),
                None => Err(ApiError::Unauthorized(
                    "the token is unknown, expired or revoked; log in again / トークンが無効です。再ログインしてください"
                        .into(),
                )),
            }
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secrets_never_show_in_debug_or_display() {
        let s = Secret::new("hunter2-hunter2");
        assert_eq!(format!("{s:?} {s}"), "Secret(***) ***");
        let t = new_token().unwrap_or_else(|e| panic!("{e}"));
        assert!(!format!("{t:?}").contains(&t.token.expose()[6..]), "{t:?}");
    }

    #[test]
    fn tokens_are_prefixed_random_and_hashed() {
        let a = new_token().unwrap_or_else(|e| panic!("{e}"));
        let b = new_token().unwrap_or_else(|e| panic!("{e}"));
        assert!(a.token.expose().starts_with("hyoka_"));
        assert_eq!(a.token.expose().len(), 6 + 64);
        assert_ne!(a.token, b.token);
        assert_eq!(a.hash, token_hash(a.token.expose()));
        assert_eq!(a.hash.len(), 64);
        assert!(a.token.expose().starts_with(&a.prefix));
    }

    #[test]
    fn passwords_hash_with_argon2id_and_verify() {
        let pw = Secret::new("correct horse battery");
        let h = hash_password(&pw).unwrap_or_else(|e| panic!("{e}"));
        assert!(h.0.starts_with("$argon2id$"), "{}", h.0);
        assert!(verify_password(&pw, &h));
        assert!(!verify_password(&Secret::new("wrong horse battery"), &h));
        assert!(hash_password(&Secret::new("short")).is_err());
        let generated = new_password().unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(generated.expose().chars().count(), 20);
    }
}
