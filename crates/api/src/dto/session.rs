//! Logging in and API tokens.

use hyoka_model::db::tokens::ApiToken;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::{UserDto, t};
use crate::auth::Secret;

/// `POST /api/v1/login`.
#[derive(Debug, Deserialize, ToSchema)]
pub struct LoginRequest {
    /// Login name.
    pub login: String,
    /// Password.
    #[schema(value_type = String, format = Password)]
    pub password: Secret,
}

/// A new token, shown once.
#[derive(Debug, Serialize, ToSchema)]
pub struct IssuedToken {
    /// The token: send it as `Authorization: Bearer <token>`. It is shown only now.
    pub token: String,
    /// Always `Bearer`.
    pub token_type: &'static str,
    /// The stored token (without the secret).
    pub info: TokenDto,
    /// Its owner.
    pub user: UserDto,
}

/// A stored API token (never the secret).
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct TokenDto {
    /// Id.
    pub id: i64,
    /// Owner.
    pub user_id: i64,
    /// What it is for.
    pub name: String,
    /// First characters of the token.
    pub prefix: String,
    /// Created (+09:00).
    pub created_at: String,
    /// Expires (+09:00).
    pub expires_at: String,
    /// Revoked (+09:00), if it was.
    pub revoked_at: Option<String>,
    /// Whether it still works.
    pub active: bool,
}

impl From<&ApiToken> for TokenDto {
    fn from(k: &ApiToken) -> Self {
        TokenDto {
            id: k.id,
            user_id: k.user_id,
            name: k.name.clone(),
            prefix: k.prefix.clone(),
            created_at: t(k.created_at),
            expires_at: t(k.expires_at),
            revoked_at: k.revoked_at.map(t),
            active: k.is_active(hyoka_model::time::now()),
        }
    }
}

/// `POST /api/v1/tokens`.
#[derive(Debug, Deserialize, ToSchema)]
pub struct CreateTokenRequest {
    /// What it is for (`ci-upload`, …).
    pub name: String,
    /// Days until it expires (at most the configured maximum).
    pub expires_in_days: u32,
    /// For another user (admins only); default: the caller.
    pub user_id: Option<i64>,
}
