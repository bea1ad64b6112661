//! Companies (subsidiaries): admins manage them; parent-company IT and
//! auditors read them all, a subsidiary user its own.

use actix_web::{HttpResponse, get, patch, post, put, web};
use hyoka_model::db::companies::{self, CompanyChanges, CompanyYear, NewCompany};
use hyoka_model::db::writes;
use hyoka_model::domain::{FiscalYear, ImpactTier, Level, Role};
use serde::Deserialize;
use utoipa::IntoParams;

use super::{ANYONE, db};
use crate::AppState;
use crate::auth::Caller;
use crate::dto::{
    CompanyDetail, CompanyDto, CompanyYearDto, CreateCompanyRequest, SetCompanyYearRequest, UpdateCompanyRequest,
};
use crate::error::{ApiError, ErrorBody};
use crate::pagination::{Page, PageRequest};

/// Query of `GET /api/v1/companies`.
#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
pub struct CompanyQuery {
    /// Page, from 1.
    page: Option<u32>,
    /// Items per page (1–200, default 50).
    per_page: Option<u32>,
    /// Only this target level.
    target_level: Option<u8>,
    /// Only this business-impact tier.
    impact_tier: Option<u8>,
}

pub(crate) fn level(n: u8) -> Result<Level, ApiError> {
    Level::try_from(n).map_err(|e| ApiError::Invalid(e.to_string()))
}

pub(crate) fn tier(n: u8) -> Result<ImpactTier, ApiError> {
    ImpactTier::new(n).map_err(|e| ApiError::Invalid(e.to_string()))
}

pub(crate) fn year(n: i32) -> Result<FiscalYear, ApiError> {
    FiscalYear::new(n).map_err(|e| ApiError::Invalid(e.to_string()))
}

/// Companies by code (a subsidiary user: its own only).
#[utoipa::path(tag = "companies", security(("bearer" = [])), params(CompanyQuery), responses((status = 200, body = Page<CompanyDto>), (status = 401, body = ErrorBody)))]
#[get("/companies")]
pub async fn list_companies(
    state: web::Data<AppState>,
    caller: Caller,
    q: web::Query<CompanyQuery>,
) -> Result<web::Json<Page<CompanyDto>>, ApiError> {
    caller.require(ANYONE)?;
    let page = PageRequest::new(q.page, q.per_page)?;
    let (lv, t) = (q.target_level, q.impact_tier);
    let visible = caller.clone();
    let all = db(&state, move |conn| Ok(companies::list(conn)?)).await?;
    let filtered: Vec<CompanyDto> = all
        .iter()
        .filter(|c| visible.sees_company(c.id))
        .filter(|c| lv.is_none_or(|l| c.target_level.number() == l))
        .filter(|c| t.is_none_or(|t| c.impact_tier.get() == t))
        .map(CompanyDto::from)
        .collect();
    let (items, total) = page.slice(filtered);
    Ok(web::Json(page.page(items, total)))
}

/// Register a company.
#[utoipa::path(tag = "companies", security(("bearer" = [])), request_body = CreateCompanyRequest, responses((status = 201, body = CompanyDto), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody), (status = 422, body = ErrorBody)))]
#[post("/companies")]
pub async fn create_company(
    state: web::Data<AppState>,
    caller: Caller,
    body: web::Json<CreateCompanyRequest>,
) -> Result<HttpResponse, ApiError> {
    caller.require(&[Role::Admin])?;
    let req = body.into_inner();
    let new = NewCompany {
        code: req.code,
        name: req.name,
        industry: req.industry,
        target_level: level(req.target_level)?,
        impact_tier: tier(req.impact_tier.unwrap_or(3))?,
        is_demo: false,
    };
    let company = db(&state, move |conn| Ok(writes::create_company(conn, caller.actor(), &new)?)).await?;
    Ok(HttpResponse::Created().json(CompanyDto::from(&company)))
}

/// A company with its size per fiscal year.
#[utoipa::path(tag = "companies", security(("bearer" = [])), params(("id" = i64, Path, description = "company id")), responses((status = 200, body = CompanyDetail), (status = 401, body = ErrorBody), (status = 404, body = ErrorBody)))]
#[get("/companies/{id}")]
pub async fn get_company(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<i64>,
) -> Result<web::Json<CompanyDetail>, ApiError> {
    caller.require(ANYONE)?;
    let id = id.into_inner();
    let access = caller.access(&state.settings);
    let (company, years) =
        db(&state, move |conn| Ok((access.company(conn, id)?, companies::years_of(conn, id)?))).await?;
    Ok(web::Json(CompanyDetail { company: (&company).into(), years: years.iter().map(CompanyYearDto::from).collect() }))
}

/// Change a company's name, industry, target level or business-impact tier.
#[utoipa::path(tag = "companies", security(("bearer" = [])), params(("id" = i64, Path, description = "company id")), request_body = UpdateCompanyRequest, responses((status = 200, body = CompanyDto), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
#[patch("/companies/{id}")]
pub async fn update_company(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<i64>,
    body: web::Json<UpdateCompanyRequest>,
) -> Result<web::Json<CompanyDto>, ApiError> {
    caller.require(&[Role::Admin])?;
    let id = id.into_inner();
    let req = body.into_inner();
    let changes = CompanyChanges {
        name: req.name,
        industry: req.industry.map(Some),
        target_level: req.target_level.map(level).transpose()?,
        impact_tier: req.impact_tier.map(tier).transpose()?,
    };
    let company = db(&state, move |conn| Ok(writes::update_company(conn, caller.actor(), id, &changes)?)).await?;
    Ok(web::Json((&company).into()))
}

/// Record a company's size (従業員数, 情報システム担当者数) for a fiscal year.
#[utoipa::path(tag = "companies", security(("bearer" = [])), params(("id" = i64, Path, description = "company id"), ("fiscal_year" = i32, Path, description = "fiscal year")), request_body = SetCompanyYearRequest, responses((status = 200, body = CompanyYearDto), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
#[put("/companies/{id}/years/{fiscal_year}")]
pub async fn set_company_year(
    state: web::Data<AppState>,
    caller: Caller,
    path: web::Path<(i64, i32)>,
    body: web::Json<SetCompanyYearRequest>,
) -> Result<web::Json<CompanyYearDto>, ApiError> {
    caller.require(&[Role::Admin])?;
    let (id, fy) = path.into_inner();
    let y = CompanyYear { company_id: id, fiscal_year: year(fy)?, employees: body.employees, it_staff: body.it_staff };
    db(&state, move |conn| {
        companies::get(conn, id)?;
        Ok(companies::set_year(conn, caller.actor(), &y)?)
    })
    .await?;
    Ok(web::Json((&y).into()))
}
