//! Yearly collections (提出依頼): parent-company IT opens one per fiscal year
//! and follows who has submitted, who has not (未提出) and who is late.

use actix_web::{HttpResponse, get, patch, post, web};
use chrono::NaiveDate;
use hyoka_model::db::collections::{self, CollectionChanges, NewCollection, Standing};
use hyoka_model::db::{companies, writes};
use serde::Deserialize;
use utoipa::IntoParams;

use super::companies::{level, year};
use super::{ANYONE, PARENT, db};
use crate::AppState;
use crate::auth::Caller;
use crate::dto::{
    CollectionDetail, CollectionDto, MemberDto, OpenCollectionRequest, ProgressDto, ProgressSummary,
    UpdateCollectionRequest,
};
use crate::error::{ApiError, ErrorBody};
use crate::pagination::{Page, PageRequest};

/// Query of `GET /api/v1/collections`.
#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
pub struct CollectionQuery {
    /// Page, from 1.
    page: Option<u32>,
    /// Items per page (1–200, default 50).
    per_page: Option<u32>,
}

fn date(s: &str) -> Result<NaiveDate, ApiError> {
    NaiveDate::parse_from_str(s.trim(), "%Y-%m-%d").map_err(|_| {
        ApiError::Invalid(format!("deadline {s:?} is not YYYY-MM-DD / 期限は YYYY-MM-DD で指定してください"))
    })
}

fn members(list: &[MemberDto]) -> Result<Vec<(i64, Option<hyoka_model::domain::Level>)>, ApiError> {
    list.iter().map(|m| Ok((m.company_id, m.target_level.map(level).transpose()?))).collect()
}

/// Collections, newest year first (a subsidiary user: those asking its company).
#[utoipa::path(tag = "collections", security(("bearer" = [])), params(CollectionQuery), responses((status = 200, body = Page<CollectionDto>), (status = 401, body = ErrorBody)))]
#[get("/collections")]
pub async fn list_collections(
    state: web::Data<AppState>,
    caller: Caller,
    q: web::Query<CollectionQuery>,
) -> Result<web::Json<Page<CollectionDto>>, ApiError> {
    caller.require(ANYONE)?;
    let page = PageRequest::new(q.page, q.per_page)?;
    let own = caller.own_company();
    let (items, total) = db(&state, move |conn| Ok(collections::list(conn, own, page.offset(), page.limit())?)).await?;
    let items = items
        .iter()
        .map(|c| {
            let mut dto = CollectionDto::from(c);
            if let Some(own) = own {
                dto.members.retain(|m| m.company_id == own);
            }
            dto
        })
        .collect();
    Ok(web::Json(page.page(items, total)))
}

/// Open the collection of a fiscal year: which companies must submit, by
/// when, and at which target level (default: every company at its registered level).
#[utoipa::path(tag = "collections", security(("bearer" = [])), request_body = OpenCollectionRequest, responses((status = 201, body = CollectionDto), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody), (status = 422, body = ErrorBody)))]
#[post("/collections")]
pub async fn open_collection(
    state: web::Data<AppState>,
    caller: Caller,
    body: web::Json<OpenCollectionRequest>,
) -> Result<HttpResponse, ApiError> {
    caller.require(PARENT)?;
    let req = body.into_inner();
    let fiscal_year = year(req.fiscal_year)?;
    let deadline = date(&req.deadline)?;
    let given = req.companies.as_deref().map(members).transpose()?;
    let title = req.title.unwrap_or_else(|| format!("{}年度 自己評価の提出依頼", fiscal_year.get()));
    let c = db(&state, move |conn| {
        let members = match given {
            Some(m) => m,
            None => companies::list(conn)?.into_iter().map(|c| (c.id, None)).collect(),
        };
        let new = NewCollection { fiscal_year, title, deadline, message: req.message, members };
        Ok(hyoka_service::notify::open_collection(conn, caller.actor(), &new)?)
    })
    .await?;
    Ok(HttpResponse::Created().json(CollectionDto::from(&c)))
}

/// A collection with each company's standing: submitted, submitted late,
/// not submitted (未提出) or overdue (a subsidiary user: its own line only).
#[utoipa::path(tag = "collections", security(("bearer" = [])), params(("id" = i64, Path, description = "collection id")), responses((status = 200, body = CollectionDetail), (status = 401, body = ErrorBody), (status = 404, body = ErrorBody)))]
#[get("/collections/{id}")]
pub async fn get_collection(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<i64>,
) -> Result<web::Json<CollectionDetail>, ApiError> {
    caller.require(ANYONE)?;
    let id = id.into_inner();
    let own = caller.own_company();
    let (c, progress) = db(&state, move |conn| {
        let c = collections::get(conn, id)?;
        if own.is_some_and(|own| !c.members.iter().any(|m| m.company_id == own)) {
            return Err(ApiError::not_found(format!("collection {id}")));
        }
        Ok((c, collections::progress(conn, id, hyoka_model::time::now())?))
    })
    .await?;
    let mut summary = ProgressSummary::default();
    let mut lines = Vec::new();
    for p in &progress {
        if own.is_some_and(|own| own != p.company.id) {
            continue;
        }
        match p.standing {
            Standing::Submitted => summary.submitted += 1,
            Standing::SubmittedLate => summary.submitted_late += 1,
            Standing::NotSubmitted => summary.not_submitted += 1,
            Standing::Overdue => summary.overdue += 1,
        }
        lines.push(ProgressDto::from(p));
    }
    let mut dto = CollectionDto::from(&c);
    if let Some(own) = own {
        dto.members.retain(|m| m.company_id == own);
    }
    Ok(web::Json(CollectionDetail { collection: dto, summary, progress: lines }))
}

/// Change a collection: title, deadline, message, companies added (or their
/// target level changed) and removed.
#[utoipa::path(tag = "collections", security(("bearer" = [])), params(("id" = i64, Path, description = "collection id")), request_body = UpdateCollectionRequest, responses((status = 200, body = CollectionDto), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
#[patch("/collections/{id}")]
pub async fn update_collection(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<i64>,
    body: web::Json<UpdateCollectionRequest>,
) -> Result<web::Json<CollectionDto>, ApiError> {
    caller.require(PARENT)?;
    let id = id.into_inner();
    let req = body.into_inner();
    let changes = CollectionChanges {
        title: req.title,
        deadline: req.deadline.as_deref().map(date).transpose()?,
        message: req.message.map(Some),
        upsert_members: members(&req.add_companies)?,
        remove_members: req.remove_companies,
    };
    let c = db(&state, move |conn| Ok(writes::update_collection(conn, caller.actor(), id, &changes)?)).await?;
    Ok(web::Json((&c).into()))
}
