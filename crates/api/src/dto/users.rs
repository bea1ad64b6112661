//! User accounts.

use hyoka_model::db::users::User;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::t;
use crate::auth::Secret;

/// A user account.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct UserDto {
    /// Id.
    pub id: i64,
    /// Login name.
    pub login: String,
    /// Display name.
    pub display_name: String,
    /// `admin`, `reviewer`, `subsidiary` or `auditor`.
    pub role: String,
    /// The company of a subsidiary user.
    pub company_id: Option<i64>,
    /// Disabled users cannot log in.
    pub disabled: bool,
    /// Created (+09:00).
    pub created_at: String,
    /// Where the user's mail goes (`null`: it gets none).
    pub email: Option<String>,
    /// The language of its mail: `ja` or `en`.
    pub language: String,
}

impl From<&User> for UserDto {
    fn from(u: &User) -> Self {
        UserDto {
            id: u.id,
            login: u.login.clone(),
            display_name: u.display_name.clone(),
            role: u.account.role().code().to_owned(),
            company_id: u.account.company_id(),
            disabled: u.disabled,
            created_at: t(u.created_at),
            email: u.email.clone(),
            language: u.language.code().to_owned(),
        }
    }
}

/// `POST /api/v1/users`.
#[derive(Debug, Deserialize, ToSchema)]
pub struct CreateUserRequest {
    /// Login name.
    pub login: String,
    /// Display name.
    pub display_name: String,
    /// `admin`, `reviewer`, `subsidiary` or `auditor`.
    pub role: String,
    /// The company, for a subsidiary user (and only then).
    pub company_id: Option<i64>,
    /// Initial password (at least 10 characters).
    #[schema(value_type = String, format = Password)]
    pub password: Secret,
    /// Where the user's mail goes (absent or blank: it gets none).
    pub email: Option<String>,
    /// The language of its mail: `ja` (the default) or `en`.
    pub language: Option<String>,
}

/// `PATCH /api/v1/users/{id}`; absent fields stay as they are.
#[derive(Debug, Deserialize, ToSchema)]
pub struct UpdateUserRequest {
    /// New display name.
    pub display_name: Option<String>,
    /// New role (with `company_id` for a subsidiary).
    pub role: Option<String>,
    /// Company of a subsidiary user.
    pub company_id: Option<i64>,
    /// Disable or enable (disabling revokes the user's tokens).
    pub disabled: Option<bool>,
    /// New password (revokes the user's tokens).
    #[schema(value_type = Option<String>, format = Password)]
    pub password: Option<Secret>,
    /// New address for the user's mail; blank removes it (no more mail).
    pub email: Option<String>,
    /// New language of its mail: `ja` or `en`.
    pub language: Option<String>,
}

/// `POST /api/v1/me/password`: the caller's own password.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ChangePasswordRequest {
    /// The password now (a wrong one counts as a failed login).
    #[schema(value_type = String, format = Password)]
    pub current: Secret,
    /// The new password (at least 10 characters).
    #[schema(value_type = String, format = Password)]
    pub new: Secret,
}
