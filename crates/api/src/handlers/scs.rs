//! METI SCS ★3 / ★4 readiness: one company-year's on a basis (JSON and CSV
//! for auditors), and the group's view of a year. Who sees what is
//! `hyoka_service::access`'s rule, applied in `hyoka_service::scs`.

use actix_web::{HttpResponse, get, web};
use hyoka_model::scs::{Basis, Mapping};
use hyoka_service::scs;
use serde::Deserialize;
use utoipa::IntoParams;

use super::companies::year;
use super::flags::bad_query;
use super::{ANYONE, GROUP_READERS, db};
use crate::AppState;
use crate::auth::Caller;
use crate::dto::{ScsGroupDto, ScsReadinessDto, score};
use crate::error::{ApiError, ErrorBody};
use crate::export::{CSV_CONTENT_TYPE, csv_bytes, file_response};
use crate::pagination::PageRequest;

fn mapping() -> Result<&'static Mapping, ApiError> {
    scs::builtin_mapping().map_err(|e| {
        tracing::error!(error = %e, "SCS mapping");
        ApiError::Internal
    })
}

/// Query of `GET /api/v1/scs/readiness`.
#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
pub struct ReadinessQuery {
    /// Fiscal year (required).
    fiscal_year: i32,
    /// Company (required).
    company_id: i64,
    /// `self` (default), `estimated` or `reviewed`.
    basis: Option<String>,
}

fn basis(s: Option<&str>) -> Result<Basis, ApiError> {
    s.map_or(Ok(Basis::Claimed), |s| s.parse::<Basis>().map_err(bad_query))
}

async fn load(state: &AppState, caller: &Caller, q: &ReadinessQuery) -> Result<scs::CompanyReadiness, ApiError> {
    caller.require(ANYONE)?;
    let fy = year(q.fiscal_year)?;
    let b = basis(q.basis.as_deref())?;
    let m = mapping()?;
    let access = caller.access(&state.settings);
    let company_id = q.company_id;
    db(state, move |conn| Ok(scs::readiness(conn, &access, m, company_id, fy, b)?)).await
}

/// A company-year's SCS readiness on a basis: the ★3 and ★3+★4 counts and
/// the per-criterion rows with the JAMA items behind them. A subsidiary
/// sees its own company only, and the estimated and reviewed bases once its
/// flags are released (403 before).
#[utoipa::path(tag = "scs", security(("bearer" = [])), params(ReadinessQuery), responses((status = 200, body = ScsReadinessDto), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
#[get("/scs/readiness")]
pub async fn get_readiness(
    state: web::Data<AppState>,
    caller: Caller,
    q: web::Query<ReadinessQuery>,
) -> Result<web::Json<ScsReadinessDto>, ApiError> {
    let r = load(&state, &caller, &q).await?;
    Ok(web::Json((&r).into()))
}

/// The per-criterion rows as CSV for auditors, one line per cited item (a
/// criterion citing none has one line): UTF-8 with a BOM, every cell
/// neutralised against formulas, as the flag export.
#[utoipa::path(tag = "scs", security(("bearer" = [])), params(ReadinessQuery), responses((status = 200, content_type = "text/csv", body = String), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
#[get("/scs/readiness.csv")]
pub async fn get_readiness_csv(
    state: web::Data<AppState>,
    caller: Caller,
    q: web::Query<ReadinessQuery>,
) -> Result<HttpResponse, ApiError> {
    let r = load(&state, &caller, &q).await?;
    readiness_csv(&r)
}

/// A company's readiness as the auditors' CSV (the bytes of
/// `GET /api/v1/scs/readiness.csv`; the web UI answers the same).
pub fn readiness_csv(r: &scs::CompanyReadiness) -> Result<HttpResponse, ApiError> {
    let header = [
        "criterion",
        "requirement",
        "requirement_name_ja",
        "star",
        "status",
        "item",
        "level",
        "claimed",
        "estimated",
        "on_basis",
        "flags",
        "iso27001",
        "evidence",
    ];
    let mut records: Vec<Vec<String>> = Vec::new();
    for c in &r.criteria {
        let head = [
            c.id.clone(),
            c.requirement.clone(),
            c.requirement_name_ja.clone(),
            u8::from(c.star).to_string(),
            c.status.code().to_string(),
        ];
        let iso = c.iso27001.join(" ");
        if c.items.is_empty() {
            let mut row = head.to_vec();
            row.extend(["", "", "", "", "", ""].map(String::from));
            row.extend([iso.clone(), String::new()]);
            records.push(row);
        }
        for i in &c.items {
            let mut row = head.to_vec();
            let flags: Vec<String> =
                i.flags.iter().map(|f| format!("{}:{}:{}", f.rule, f.severity, f.decision.unwrap_or("open"))).collect();
            row.extend([
                i.item.to_string(),
                i.level.map(|l| l.to_string()).unwrap_or_default(),
                score(i.claimed).unwrap_or_default(),
                score(i.estimated).unwrap_or_default(),
                score(i.on_basis).unwrap_or_default(),
                flags.join(" "),
                iso.clone(),
                i.evidence.clone(),
            ]);
            records.push(row);
        }
    }
    let bytes = csv_bytes(Some(&header), records)?;
    let name = format!("scs-{}-{}-{}.csv", r.company.code, r.fiscal_year.get(), r.basis.code());
    Ok(file_response(CSV_CONTENT_TYPE, &name, bytes))
}

/// Query of `GET /api/v1/scs/group`.
#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
pub struct GroupQuery {
    /// Fiscal year (required).
    fiscal_year: i32,
    /// Page of the companies, from 1 (default 1).
    page: Option<u32>,
    /// Companies per page (default 50, at most 200).
    per_page: Option<u32>,
}

/// The group's SCS readiness of a year (estimated basis): a page of the
/// companies by ★3 readiness (`total` companies have a sheet), the criteria
/// most often not met, the 20 companies closest to ★3. From what the
/// summaries keep, so a page costs the same at any group size.
#[utoipa::path(tag = "scs", security(("bearer" = [])), params(GroupQuery), responses((status = 200, body = ScsGroupDto), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody)))]
#[get("/scs/group")]
pub async fn get_group(
    state: web::Data<AppState>,
    caller: Caller,
    q: web::Query<GroupQuery>,
) -> Result<web::Json<ScsGroupDto>, ApiError> {
    caller.require(GROUP_READERS)?;
    let fy = year(q.fiscal_year)?;
    let p = PageRequest::new(q.page, q.per_page)?;
    let m = mapping()?;
    let access = caller.access(&state.settings);
    let page = scs::GroupPage { offset: p.offset(), limit: p.limit(), closest: 20 };
    let g = db(&state, move |conn| Ok(scs::group(conn, &access, m, fy, page)?)).await?;
    Ok(web::Json(ScsGroupDto::of(&g, p)))
}
