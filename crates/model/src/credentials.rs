//! Credentials: passwords (argon2id) and API tokens (`hyoka_` + 64 hex
//! digits from the OS random source; only their SHA-256 is stored). Every
//! door (the API, the web UI, the command line) makes and checks them here.
//!
//! Secrets travel in [`Secret`], whose `Debug` and `Display` never print them.

use std::fmt;
use std::sync::OnceLock;

use argon2::Argon2;
use argon2::password_hash::phc::PasswordHash as Phc;
use argon2::password_hash::{PasswordHasher, PasswordVerifier};
use serde::Deserialize;
use sha2::{Digest, Sha256};

/// An argon2id hash in PHC format, as stored. `Debug` shows `***`.
#[derive(Clone, PartialEq, Eq)]
pub struct PasswordHash(pub String);

impl fmt::Debug for PasswordHash {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("PasswordHash(***)")
    }
}

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
        return Err(SecretError(format!(
            "a password needs at least {MIN_PASSWORD_CHARS} characters / パスワードは{MIN_PASSWORD_CHARS}文字以上にしてください"
        )));
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
