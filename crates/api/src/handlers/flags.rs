//! Flags: list and filter, one flag with its history, a reviewer's decision,
//! a subsidiary's reply.

use actix_web::{HttpResponse, get, post, web};
use hyoka_model::db::flags as model_flags;
use hyoka_model::db::review::{self, DecisionFilter, FlagFilter, FlagPosition};
use hyoka_model::domain::{Decision, ItemNumber, Level, Points, Role, Severity};
use serde::Deserialize;
use utoipa::IntoParams;

use super::companies::year;
use super::{ANYONE, PARENT, db};
use crate::AppState;
use crate::auth::Caller;
use crate::dto::{DecideRequest, FlagDetail, FlagDto, ReplyDto, ReplyRequest, ReviewDto};
use crate::error::{ApiError, ErrorBody};
use crate::pagination::{Page, PageRequest};

/// Query of `GET /api/v1/flags`.
#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
pub struct FlagQuery {
    /// Page, from 1.
    page: Option<u32>,
    /// Items per page (1–200, default 50).
    per_page: Option<u32>,
    /// Start after this cursor (a page's `next`) instead of at `page`.
    after: Option<String>,
    /// Only this submission.
    submission_id: Option<i64>,
    /// Only this company.
    company_id: Option<i64>,
    /// Only this fiscal year.
    fiscal_year: Option<i32>,
    /// Only this rule.
    rule: Option<String>,
    /// Only this severity: `info`, `low`, `medium`, `high`.
    severity: Option<String>,
    /// Only this item number.
    item: Option<u16>,
    /// Only flags on answers of this level (1–3).
    level: Option<u8>,
    /// Only this decision in force: `undecided`, `confirmed`, `dismissed`.
    decision: Option<String>,
    /// Only flags of current revisions.
    #[serde(default)]
    current_only: bool,
}

/// 400 `invalid_query` with the reason (in English, as parsers give it) and
/// a Japanese line for the person reading it.
pub(super) fn bad_query(e: impl std::fmt::Display) -> ApiError {
    ApiError::BadRequest("invalid_query", format!("{e} / クエリパラメータが正しくありません"))
}

/// Flags by submission (newest first) and item, filtered by rule, severity,
/// item and decision. A subsidiary user sees its own company's released flags.
#[utoipa::path(tag = "flags", security(("bearer" = [])), params(FlagQuery), responses((status = 200, body = Page<FlagDto>), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody)))]
#[get("/flags")]
pub async fn list_flags(
    state: web::Data<AppState>,
    caller: Caller,
    q: web::Query<FlagQuery>,
) -> Result<web::Json<Page<FlagDto>>, ApiError> {
    caller.require(ANYONE)?;
    let page = PageRequest::new(q.page, q.per_page)?;
    let own = caller.own_company();
    if let (Some(own), Some(asked)) = (own, q.company_id)
        && own != asked
    {
        return Ok(web::Json(page.page(Vec::new(), 0)));
    }
    let filter = FlagFilter {
        submission_id: q.submission_id,
        company_id: own.or(q.company_id),
        fiscal_year: q.fiscal_year.map(year).transpose()?,
        rule: q.rule.clone(),
        severity: q.severity.as_deref().map(str::parse::<Severity>).transpose().map_err(bad_query)?,
        item: q.item.map(ItemNumber::new).transpose().map_err(bad_query)?,
        level: q.level.map(|l| Level::try_from(i32::from(l))).transpose().map_err(bad_query)?,
        decision: q.decision.as_deref().map(str::parse::<DecisionFilter>).transpose().map_err(bad_query)?,
        current_only: q.current_only,
        released_only: !caller.access(&state.settings).sees_findings_when(false),
    };
    let start = page.start::<FlagPosition>(q.after.as_deref())?;
    let (items, total, last) = db(&state, move |conn| {
        let (flags, total) = review::search_flags(conn, &filter, start, page.limit())?;
        let ids: Vec<i64> = flags.iter().map(|f| f.id).collect();
        let latest = model_flags::latest_reviews_of(conn, &ids)?;
        let last = flags.last().map(|f| FlagPosition::of(f).to_string());
        Ok((flags.iter().map(|f| FlagDto::new(f, latest.get(&f.id))).collect::<Vec<_>>(), total, last))
    })
    .await?;
    Ok(web::Json(page.page_counted(items, total, last)))
}

/// One flag with every decision and reply.
#[utoipa::path(tag = "flags", security(("bearer" = [])), params(("id" = i64, Path, description = "flag id")), responses((status = 200, body = FlagDetail), (status = 401, body = ErrorBody), (status = 404, body = ErrorBody)))]
#[get("/flags/{id}")]
pub async fn get_flag(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<i64>,
) -> Result<web::Json<FlagDetail>, ApiError> {
    caller.require(ANYONE)?;
    let id = id.into_inner();
    let access = caller.access(&state.settings);
    let view = db(&state, move |conn| {
        access.flag(conn, id)?;
        Ok(review::flag_view(conn, id)?)
    })
    .await?;
    Ok(web::Json((&view).into()))
}

/// A reviewer's decision on a flag: `confirmed` with the score the item is
/// worth (and a comment), or `dismissed`. Only while the submission is
/// submitted or in review; a later decision replaces an earlier one.
#[utoipa::path(tag = "flags", security(("bearer" = [])), params(("id" = i64, Path, description = "flag id")), request_body = DecideRequest, responses((status = 201, body = ReviewDto), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
#[post("/flags/{id}/decision")]
pub async fn decide_flag(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<i64>,
    body: web::Json<DecideRequest>,
) -> Result<HttpResponse, ApiError> {
    caller.require(PARENT)?;
    let id = id.into_inner();
    let req = body.into_inner();
    let decision = match (req.decision.as_str(), req.reviewed_score) {
        ("confirmed", Some(s)) => {
            Decision::Confirmed { reviewed_score: Points::try_from(s).map_err(|e| ApiError::Invalid(e.to_string()))? }
        }
        ("dismissed", None) => Decision::Dismissed,
        _ => {
            return Err(ApiError::Invalid(
                "decision is `confirmed` with reviewed_score 0–2, or `dismissed` without one / \
                 confirmed（reviewed_score 0〜2 を指定）または dismissed を指定してください"
                    .into(),
            ));
        }
    };
    let r =
        db(&state, move |conn| Ok(hyoka_service::review::decide(conn, caller.actor(), id, decision, &req.comment)?))
            .await?;
    Ok(HttpResponse::Created().json(ReviewDto::from(&r)))
}

/// A subsidiary's reply to a flag on its own sheet (once the flag is visible
/// to it); admins may reply on a subsidiary's behalf.
#[utoipa::path(tag = "flags", security(("bearer" = [])), params(("id" = i64, Path, description = "flag id")), request_body = ReplyRequest, responses((status = 201, body = ReplyDto), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
#[post("/flags/{id}/replies")]
pub async fn reply_to_flag(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<i64>,
    body: web::Json<ReplyRequest>,
) -> Result<HttpResponse, ApiError> {
    caller.require(&[Role::Admin, Role::Subsidiary])?;
    let id = id.into_inner();
    let access = caller.access(&state.settings);
    let r = db(&state, move |conn| {
        access.flag(conn, id)?;
        Ok(model_flags::reply(conn, caller.actor(), id, &body.body)?)
    })
    .await?;
    Ok(HttpResponse::Created().json(ReplyDto::from(&r)))
}
