//! Authentication: passwords (argon2id), API tokens (`hyoka_` + 64 hex
//! digits from the OS random source; only their SHA-256 is stored), and the
//! [`Caller`] extractor every protected handler takes.
//!
//! Secrets travel in [`Secret`], whose `Debug` never prints them; the request
//! log line (`%r %s %Dms`) holds no header, so no `Authorization` value is
//! ever logged.

use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::sync::OnceLock;

use actix_web::{FromRequest, HttpRequest, dev::Payload, http::header, web};
use argon2::Argon2;
use argon2::password_hash::phc::PasswordHash as Phc;
use argon2::password_hash::{PasswordHasher, PasswordVerifier};
use hyoka_model::db::tokens;
use hyoka_model::db::users::{Account, PasswordHash, User};
use hyoka_model::domain::Role;
use hyoka_model::workflow::Actor;
use serde::Deserialize;
use sha2::{Digest, Sha256};

use crate::AppState;
use crate::error::ApiError;

/// What every token starts with, so a leaked one is easy to recognise (and
/// to search for in code and logs).
pub const TOKEN_PREFIX: &str = "hyoka_";

/// A secret (password or token). `Debug` and `Display` show `***`.
#[derive(Clone, PartialEq, Eq, Deserialize)]
#[serde(transparent)]
pub struct Secret(String);

impl Secret {
    /// Wraps a secret.
    pub fn new(s: impl Into<String>) -> Secret {
        Secret(s.into())
    }

    /// The secret itself: only to hash it, or to show a new token once.
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Secret(***)")
    }
}

impl fmt::Display for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("***")
    }
}

/// Why a secret could not be made.
#[derive(Debug)]
pub struct SecretError(String);

impl fmt::Display for SecretError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for SecretError {}

impl From<SecretError> for ApiError {
    fn from(e: SecretError) -> Self {
        tracing::error!(error = %e, "cannot make a secret");
        ApiError::Internal
    }
}

/// Random bytes from the operating system.
fn random_bytes<const N: usize>() -> Result<[u8; N], SecretError> {
    let mut buf = [0u8; N];
    getrandom::fill(&mut buf).map_err(|e| SecretError(format!("the OS random source failed: {e}")))?;
    Ok(buf)
}

/// A new token: the secret (show it once), its SHA-256 and its prefix.
#[derive(Debug, Clone)]
pub struct NewSecretToken {
    /// `hyoka_` and 64 hex digits.
    pub token: Secret,
    /// SHA-256 of the token, hex (what is stored).
    pub hash: String,
    /// The first 12 characters, to recognise it in a list.
    pub prefix: String,
}

/// Makes a token from 32 random bytes.
pub fn new_token() -> Result<NewSecretToken, SecretError> {
    let body = hex::encode(random_bytes::<32>()?);
    let token = format!("{TOKEN_PREFIX}{body}");
    let prefix = token.chars().take(12).collect();
    Ok(NewSecretToken { hash: token_hash(&token), prefix, token: Secret(token) })
}

/// The SHA-256 of a token, hex.
pub fn token_hash(token: &str) -> String {
    hex::encode(Sha256::digest(token.as_bytes()))
}

/// A random password of 20 characters (letters and digits without the
/// easily confused ones), for accounts made from the command line.
pub fn new_password() -> Result<Secret, SecretError> {
    const ALPHABET: &[u8] = b"abcdefghijkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789";
    let bytes = random_bytes::<20>()?;
    Ok(Secret(bytes.iter().map(|b| char::from(ALPHABET[usize::from(*b) % ALPHABET.len()])).collect()))
}

/// The shortest password accepted.
pub const MIN_PASSWORD_CHARS: usize = 10;

/// Hashes a password with argon2id (random salt, default parameters).
pub fn hash_password(password: &Secret) -> Result<PasswordHash, SecretError> {
    if password.0.chars().count() < MIN_PASSWORD_CHARS {
        return Err(SecretError(format!("a password needs at least {MIN_PASSWORD_CHARS} characters")));
    }
    Argon2::default()
        .hash_password(password.0.as_bytes())
        .map(|h: Phc| PasswordHash(h.to_string()))
        .map_err(|e| SecretError(format!("argon2: {e}")))
}

/// Whether a password matches a stored hash.
pub fn verify_password(password: &Secret, hash: &PasswordHash) -> bool {
    match Phc::new(&hash.0) {
        Ok(parsed) => Argon2::default().verify_password(password.0.as_bytes(), &parsed).is_ok(),
        Err(_) => false,
    }
}

/// Spends the time of one verification against a fixed hash, so a login
/// name that does not exist takes as long to refuse as a wrong password.
pub fn burn_verification(password: &Secret) {
    static DUMMY: OnceLock<Option<PasswordHash>> = OnceLock::new();
    if let Some(h) = DUMMY.get_or_init(|| hash_password(&Secret("not-a-real-password".into())).ok()) {
        let _ = verify_password(password, h);
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
        self.own_company().is_none_or(|own| own == company_id)
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
