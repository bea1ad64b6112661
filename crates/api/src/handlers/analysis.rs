//! Runs of the group analysis: listed for the parent company, asked for by
//! reviewers and admins. The worker of `hyoka serve` runs them
//! (`hyoka_service::jobs`).

use actix_web::{HttpResponse, get, post, web};
use serde::Deserialize;
use utoipa::IntoParams;

use super::companies::year;
use super::{ANYONE, db};
use crate::AppState;
use crate::auth::Caller;
use crate::dto::{AnalysisRunDto, AnalysisRunRequest};
use crate::error::{ApiError, ErrorBody};

/// Query of `GET /api/v1/analysis/runs`.
#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
pub struct RunQuery {
    /// Only this fiscal year's runs.
    fiscal_year: Option<i32>,
    /// At most this many (1–500, default 100).
    limit: Option<i64>,
}

fn framework() -> Result<String, ApiError> {
    Ok(hyoka_model::catalog::Catalog::builtin()
        .map_err(|e| {
            tracing::error!(error = %e, "the built-in catalog does not load");
            ApiError::Internal
        })?
        .framework
        .id)
}

/// Runs of the group analysis, newest first: what asked for each (`import`,
/// `upload`, `manual`), its state, attempts and last error, when it started
/// and finished, the sheets analysed and the flags it stored (admins,
/// reviewers, auditors).
#[utoipa::path(tag = "analysis", security(("bearer" = [])), params(RunQuery), responses((status = 200, body = Vec<AnalysisRunDto>), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody), (status = 422, body = ErrorBody)))]
#[get("/analysis/runs")]
pub async fn list_analysis_runs(
    state: web::Data<AppState>,
    caller: Caller,
    q: web::Query<RunQuery>,
) -> Result<web::Json<Vec<AnalysisRunDto>>, ApiError> {
    caller.require(ANYONE)?;
    let fy = q.fiscal_year.map(year).transpose()?;
    let limit = q.limit.unwrap_or(100);
    if !(1..=500).contains(&limit) {
        return Err(ApiError::Invalid(format!("limit {limit} is out of 1–500 / limit は 1〜500 で指定してください")));
    }
    let access = caller.access(&state.settings);
    let runs = db(&state, move |conn| Ok(hyoka_service::jobs::runs(conn, &access, fy, limit)?)).await?;
    Ok(web::Json(runs.iter().map(AnalysisRunDto::from).collect()))
}

/// Ask for a run of the group analysis of a fiscal year now (reviewers and
/// admins): it joins the run of that year already waiting, if any; the
/// worker of `hyoka serve` takes it up shortly (202).
#[utoipa::path(tag = "analysis", security(("bearer" = [])), request_body = AnalysisRunRequest, responses((status = 202, body = AnalysisRunDto), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody), (status = 422, body = ErrorBody)))]
#[post("/analysis/runs")]
pub async fn request_analysis_run(
    state: web::Data<AppState>,
    caller: Caller,
    body: web::Json<AnalysisRunRequest>,
) -> Result<HttpResponse, ApiError> {
    caller.require(ANYONE)?;
    let fy = year(body.fiscal_year)?;
    let framework = framework()?;
    let access = caller.access(&state.settings);
    let job = db(&state, move |conn| Ok(hyoka_service::jobs::request(conn, &access, &framework, fy)?)).await?;
    Ok(HttpResponse::Accepted().json(AnalysisRunDto::from(&job)))
}
