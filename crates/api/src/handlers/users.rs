//! Accounts (admins only).

use actix_web::{HttpResponse, get, patch, post, web};
use hyoka_model::db::users::{self, Account, NewUser};
use hyoka_model::db::{mail, tokens};
use hyoka_model::domain::Role;
use serde::Deserialize;
use utoipa::IntoParams;

use super::db;
use crate::AppState;
use crate::auth::{Caller, hash_password};
use crate::dto::{CreateUserRequest, UpdateUserRequest, UserDto};
use crate::error::{ApiError, ErrorBody};
use crate::pagination::{Page, PageRequest};

/// Query of `GET /api/v1/users`.
#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
pub struct UserQuery {
    /// Page, from 1.
    page: Option<u32>,
    /// Items per page (1–200, default 50).
    per_page: Option<u32>,
    /// Only this role.
    role: Option<String>,
    /// Only users of this company.
    company_id: Option<i64>,
}

/// Role and company as an account, checked.
pub fn account(role: &str, company_id: Option<i64>) -> Result<Account, ApiError> {
    let role: Role = role.parse().map_err(|e: hyoka_model::error::ParseError| ApiError::Invalid(e.to_string()))?;
    match (role, company_id) {
        (Role::Admin, None) => Ok(Account::Admin),
        (Role::Reviewer, None) => Ok(Account::Reviewer),
        (Role::Auditor, None) => Ok(Account::Auditor),
        (Role::Subsidiary, Some(c)) => Ok(Account::Subsidiary(c)),
        (Role::Subsidiary, None) => Err(ApiError::Invalid(
            "a subsidiary user needs company_id / 子会社ユーザーには company_id が必要です".into(),
        )),
        (_, Some(_)) => Err(ApiError::Invalid(
            "only subsidiary users belong to a company / company_id は子会社ユーザーにのみ指定できます".into(),
        )),
    }
}

/// A mail language as asked (`ja`, `en`), checked.
pub fn mail_language(asked: Option<&str>) -> Result<Option<users::Language>, ApiError> {
    asked.map(users::Language::parse).transpose().map_err(|e| ApiError::Invalid(e.to_string()))
}

/// Every account, by login.
#[utoipa::path(tag = "users", security(("bearer" = [])), params(UserQuery), responses((status = 200, body = Page<UserDto>), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody)))]
#[get("/users")]
pub async fn list_users(
    state: web::Data<AppState>,
    caller: Caller,
    q: web::Query<UserQuery>,
) -> Result<web::Json<Page<UserDto>>, ApiError> {
    caller.require(&[Role::Admin])?;
    let page = PageRequest::new(q.page, q.per_page)?;
    let role = q.role.clone();
    let company = q.company_id;
    let all = db(&state, move |conn| Ok(users::list(conn)?)).await?;
    let filtered: Vec<UserDto> = all
        .iter()
        .filter(|u| role.as_deref().is_none_or(|r| u.account.role().code() == r))
        .filter(|u| company.is_none_or(|c| u.account.company_id() == Some(c)))
        .map(UserDto::from)
        .collect();
    let (items, total) = page.slice(filtered);
    Ok(web::Json(page.page(items, total)))
}

/// Create an account.
#[utoipa::path(tag = "users", security(("bearer" = [])), request_body = CreateUserRequest, responses((status = 201, body = UserDto), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody), (status = 422, body = ErrorBody)))]
#[post("/users")]
pub async fn create_user(
    state: web::Data<AppState>,
    caller: Caller,
    body: web::Json<CreateUserRequest>,
) -> Result<HttpResponse, ApiError> {
    caller.require(&[Role::Admin])?;
    let req = body.into_inner();
    let account = account(&req.role, req.company_id)?;
    let language = mail_language(req.language.as_deref())?.unwrap_or_default();
    let user = db(&state, move |conn| {
        let hash = hash_password(&req.password).map_err(|e| ApiError::Invalid(e.to_string()))?;
        let new = NewUser { login: req.login, display_name: req.display_name, account, password_hash: Some(hash) };
        Ok(users::create_with_contact(conn, caller.actor(), &new, req.email.as_deref(), language)?)
    })
    .await?;
    Ok(HttpResponse::Created().json(UserDto::from(&user)))
}

/// Change an account: display name, role and company, disabled, password,
/// the address and language of its mail.
/// Disabling it or setting a password revokes its tokens. `company_id` alone
/// moves a subsidiary user (422 for another role); a change that leaves no
/// active admin is refused (409).
#[utoipa::path(tag = "users", security(("bearer" = [])), params(("id" = i64, Path, description = "user id")), request_body = UpdateUserRequest, responses((status = 200, body = UserDto), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 409, description = "the change would leave no active admin", body = ErrorBody), (status = 422, body = ErrorBody)))]
#[patch("/users/{id}")]
pub async fn update_user(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<i64>,
    body: web::Json<UpdateUserRequest>,
) -> Result<web::Json<UserDto>, ApiError> {
    caller.require(&[Role::Admin])?;
    let id = id.into_inner();
    let req = body.into_inner();
    let account = match &req.role {
        Some(r) => Some(account(r, req.company_id)?),
        None => None,
    };
    let hash = match &req.password {
        Some(p) => Some(hash_password(p).map_err(|e| ApiError::Invalid(e.to_string()))?),
        None => None,
    };
    let language = mail_language(req.language.as_deref())?;
    let actor = caller.actor();
    let user = db(&state, move |conn| {
        // `company_id` alone moves a subsidiary user to another company; for
        // any other role it is refused rather than ignored.
        let account = match (account, req.company_id) {
            (None, Some(company)) => match users::get(conn, id)?.account {
                Account::Subsidiary(_) => Some(Account::Subsidiary(company)),
                _ => {
                    return Err(ApiError::Invalid(
                        "company_id applies only to subsidiary users; send role too / \
                         company_id は子会社ユーザーにのみ指定できます。role も指定してください"
                            .into(),
                    ));
                }
            },
            (account, _) => account,
        };
        let mut user = users::update(conn, actor, id, req.display_name.as_deref(), account, req.disabled)?;
        if let Some(h) = &hash {
            users::set_password(conn, actor, id, h)?;
        }
        if hash.is_some() || req.disabled == Some(true) || account.is_some() {
            tokens::revoke_all_of(conn, actor, id)?;
        }
        if req.email.is_some() || language.is_some() {
            let email = req.email.as_deref().or(user.email.as_deref());
            mail::set_contact(conn, actor, id, email, language.unwrap_or(user.language))?;
            user = users::get(conn, id)?;
        }
        Ok(user)
    })
    .await?;
    Ok(web::Json((&user).into()))
}
