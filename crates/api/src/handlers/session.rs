//! Logging in and out, the caller's own account, API tokens.

use actix_web::{HttpRequest, HttpResponse, delete, get, post, web};
use hyoka_model::db::tokens::{self, NewToken};
use hyoka_model::db::users::{self, User};
use hyoka_model::domain::Role;
use serde::Deserialize;
use utoipa::IntoParams;

use super::{ANYONE, db};
use crate::AppState;
use hyoka_service::login::{LoginError, PasswordChangeError, authenticate, change_own_password as change_password};

use crate::auth::{self, Caller};
use crate::dto::{ChangePasswordRequest, CreateTokenRequest, IssuedToken, LoginRequest, TokenDto, UserDto};
use crate::error::{ApiError, ErrorBody};
use crate::pagination::{Page, PageRequest};

/// Stores a new token for `user` and returns it with its secret (shown once).
pub fn issue(
    conn: &mut hyoka_model::db::DbConn,
    actor: hyoka_model::workflow::Actor,
    user: &User,
    name: &str,
    lifetime: chrono::Duration,
) -> Result<IssuedToken, ApiError> {
    let secret = auth::new_token()?;
    let new = NewToken {
        user_id: user.id,
        name: name.to_owned(),
        token_hash: secret.hash.clone(),
        prefix: secret.prefix.clone(),
        expires_at: hyoka_model::time::now() + lifetime,
    };
    let stored = tokens::create(conn, actor, &new)?;
    Ok(IssuedToken {
        token: secret.token.expose().to_owned(),
        token_type: "Bearer",
        info: (&stored).into(),
        user: user.into(),
    })
}

/// Log in with a login name and password; answers a bearer token (shown
/// once) that expires after the configured lifetime. Too many failures lock
/// the login name for a while (429), counted in the database for every
/// server process.
#[utoipa::path(
    tag = "session",
    request_body = LoginRequest,
    responses(
        (status = 200, body = IssuedToken),
        (status = 401, description = "wrong login or password", body = ErrorBody),
        (status = 429, description = "too many failed logins", body = ErrorBody),
    )
)]
#[post("/login")]
pub async fn login(
    http: HttpRequest,
    state: web::Data<AppState>,
    body: web::Json<LoginRequest>,
) -> Result<HttpResponse, ApiError> {
    let req = body.into_inner();
    let req_addr = crate::client::of(&http).ip;
    let settings = state.settings.clone();
    let client = req_addr;
    let issued = db(&state, move |conn| {
        let user = match authenticate(conn, settings.login_policy, &req.login, &req.password, client) {
            Ok(user) => user,
            Err(LoginError::BadCredentials) => return Err(ApiError::BadCredentials),
            Err(LoginError::Locked(until)) => return Err(locked(until)),
            Err(LoginError::Db(e)) => return Err(e.into()),
        };
        issue(conn, user.actor(), &user, "login", settings.login_token_lifetime)
    })
    .await?;
    Ok(HttpResponse::Ok().json(issued))
}

fn locked(until: chrono::DateTime<chrono::Utc>) -> ApiError {
    let at = hyoka_model::time::show(until);
    ApiError::Locked(format!(
        "too many failed logins; try again after {at} / ログインの失敗が続いたため {at} まで利用できません"
    ))
}

/// Log out: revokes the token of this request.
#[utoipa::path(tag = "session", security(("bearer" = [])), responses((status = 204), (status = 401, body = ErrorBody)))]
#[post("/logout")]
pub async fn logout(state: web::Data<AppState>, caller: Caller) -> Result<HttpResponse, ApiError> {
    caller.require(ANYONE)?;
    db(&state, move |conn| Ok(tokens::revoke(conn, caller.actor(), caller.token_id)?)).await?;
    Ok(HttpResponse::NoContent().finish())
}

/// The caller's own account.
#[utoipa::path(tag = "session", security(("bearer" = [])), responses((status = 200, body = UserDto), (status = 401, body = ErrorBody)))]
#[get("/me")]
pub async fn get_me(caller: Caller) -> Result<web::Json<UserDto>, ApiError> {
    caller.require(ANYONE)?;
    Ok(web::Json((&caller.user).into()))
}

/// Change one's own password (every role). The current password is checked
/// as a login is: a wrong one is refused (422) and counts as a failed login,
/// and a locked login name is refused (429). The new one needs at least 10
/// characters (422). Then every API token of the caller is revoked except the
/// one of this request, and the caller's web sessions end.
#[utoipa::path(
    tag = "session",
    security(("bearer" = [])),
    request_body = ChangePasswordRequest,
    responses(
        (status = 204, description = "changed"),
        (status = 401, body = ErrorBody),
        (status = 422, description = "wrong current password, or a new one that breaks the rules", body = ErrorBody),
        (status = 429, description = "too many failed logins", body = ErrorBody),
    )
)]
#[post("/me/password")]
pub async fn change_own_password(
    http: HttpRequest,
    state: web::Data<AppState>,
    caller: Caller,
    body: web::Json<ChangePasswordRequest>,
) -> Result<HttpResponse, ApiError> {
    caller.require(ANYONE)?;
    let req = body.into_inner();
    let client = crate::client::of(&http).ip;
    let policy = state.settings.login_policy;
    db(&state, move |conn| {
        let keep = Some(caller.token_id);
        match change_password(conn, policy, &caller.user, &req.current, &req.new, client, keep) {
            Ok(()) => Ok(()),
            Err(PasswordChangeError::Invalid(m)) => Err(ApiError::Invalid(m)),
            Err(e @ PasswordChangeError::WrongCurrent) => Err(ApiError::Invalid(e.to_string())),
            Err(PasswordChangeError::Locked(until)) => Err(locked(until)),
            Err(PasswordChangeError::Db(e)) => Err(e.into()),
        }
    })
    .await?;
    Ok(HttpResponse::NoContent().finish())
}

/// Query of `GET /api/v1/tokens`.
#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
pub struct TokenQuery {
    /// Page, from 1.
    page: Option<u32>,
    /// Items per page (1–200, default 50).
    per_page: Option<u32>,
    /// Every user's tokens (admins only).
    #[serde(default)]
    all: bool,
}

/// The caller's API tokens (admins: everyone's with `all=true`). Secrets are
/// never shown again.
#[utoipa::path(tag = "session", security(("bearer" = [])), params(TokenQuery), responses((status = 200, body = Page<TokenDto>), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody)))]
#[get("/tokens")]
pub async fn list_tokens(
    state: web::Data<AppState>,
    caller: Caller,
    q: web::Query<TokenQuery>,
) -> Result<web::Json<Page<TokenDto>>, ApiError> {
    caller.require(ANYONE)?;
    let page = PageRequest::new(q.page, q.per_page)?;
    if q.all && caller.role() != Role::Admin {
        return Err(ApiError::forbidden());
    }
    let user = (!q.all).then_some(caller.user.id);
    let (items, total) = db(&state, move |conn| Ok(tokens::list(conn, user, page.offset(), page.limit())?)).await?;
    Ok(web::Json(page.page(items.iter().map(TokenDto::from).collect(), total)))
}

/// Make an API token (for scripts); the token is shown only in this answer.
/// Admins may make one for another user.
#[utoipa::path(tag = "session", security(("bearer" = [])), request_body = CreateTokenRequest, responses((status = 201, body = IssuedToken), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody), (status = 422, body = ErrorBody)))]
#[post("/tokens")]
pub async fn create_token(
    state: web::Data<AppState>,
    caller: Caller,
    body: web::Json<CreateTokenRequest>,
) -> Result<HttpResponse, ApiError> {
    caller.require(ANYONE)?;
    let req = body.into_inner();
    if req.user_id.is_some_and(|u| u != caller.user.id) && caller.role() != Role::Admin {
        return Err(ApiError::forbidden());
    }
    let lifetime = chrono::Duration::days(i64::from(req.expires_in_days));
    if req.expires_in_days == 0 || lifetime > state.settings.max_token_lifetime {
        return Err(ApiError::Invalid(format!(
            "expires_in_days must be 1–{} / 有効日数は 1〜{} 日です",
            state.settings.max_token_lifetime.num_days(),
            state.settings.max_token_lifetime.num_days()
        )));
    }
    let issued = db(&state, move |conn| {
        let user = match req.user_id {
            Some(id) => users::get(conn, id)?,
            None => caller.user.clone(),
        };
        issue(conn, caller.actor(), &user, &req.name, lifetime)
    })
    .await?;
    Ok(HttpResponse::Created().json(issued))
}

/// Revoke a token (one's own; admins any).
#[utoipa::path(tag = "session", security(("bearer" = [])), params(("id" = i64, Path, description = "token id")), responses((status = 200, body = TokenDto), (status = 401, body = ErrorBody), (status = 404, body = ErrorBody)))]
#[delete("/tokens/{id}")]
pub async fn revoke_token(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<i64>,
) -> Result<web::Json<TokenDto>, ApiError> {
    caller.require(ANYONE)?;
    let id = id.into_inner();
    let token = db(&state, move |conn| {
        let token = tokens::get(conn, id)?;
        if token.user_id != caller.user.id && caller.role() != Role::Admin {
            return Err(ApiError::not_found(format!("token {id}")));
        }
        Ok(tokens::revoke(conn, caller.actor(), id)?)
    })
    .await?;
    Ok(web::Json((&token).into()))
}
