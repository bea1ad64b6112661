//! Submissions: upload (multipart file or JSON), list and filter, the whole
//! picture of one, and the review workflow's moves.

use actix_web::http::header;
use actix_web::{HttpRequest, HttpResponse, get, post, web};
use futures_util::StreamExt;
use hyoka_model::db::companies;
use hyoka_model::db::review::{self, SubmissionSearch};
use hyoka_model::db::submissions::Stored;
use hyoka_model::workflow::{Action, SubmissionStatus};
use hyoka_service::Pipeline;
use hyoka_service::review::OpenFlags;
use hyoka_service::sheets::{self, ImportOptions};
use serde::Deserialize;
use utoipa::IntoParams;

use super::companies::year;
use super::{ANYONE, PARENT, UPLOADERS, db};
use crate::AppState;
use crate::auth::Caller;
use crate::dto::{
    AcceptRequest, AnswerDto, FlagDetail, ProblemDto, RatesDto, ReleaseDto, ReturnRequest, RiskDto, SubmissionDetail,
    SubmissionDto, TransitionDto, UploadForm, UploadResult,
};
use crate::error::{ApiError, ErrorBody};
use crate::pagination::{Page, PageRequest};

/// What the uploader says besides the file.
#[derive(Debug, Default, Clone, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
pub struct UploadFields {
    /// Company code or name (parent-company IT only).
    company: Option<String>,
    /// Fiscal year (`2024`, `令和6年度`); wins over the file.
    fiscal_year: Option<String>,
    /// Department.
    department: Option<String>,
    /// File name shown in messages (JSON uploads; default `submission.json`).
    file_name: Option<String>,
}

/// Reads an upload's body, at most `limit` bytes (a larger one is 413). The
/// body's deadline ([`crate::deadline`], `timeout` from the request's start)
/// answers 408, so a slow body cannot hold its upload turn for ever.
async fn read_body(
    req: &HttpRequest,
    mut payload: web::Payload,
    limit: usize,
    timeout: std::time::Duration,
) -> Result<web::Bytes, ApiError> {
    let declared =
        req.headers().get(header::CONTENT_LENGTH).and_then(|v| v.to_str().ok()).and_then(|v| v.parse::<usize>().ok());
    if declared.is_some_and(|n| n > limit) {
        return Err(ApiError::TooLarge(limit));
    }
    let mut body = web::BytesMut::new();
    while let Some(chunk) = payload.next().await {
        let chunk = chunk.map_err(|e| {
            if crate::deadline::is_deadline(&e) {
                ApiError::BodyTimeout(timeout.as_secs().max(1))
            } else {
                ApiError::BadRequest("invalid_body", format!("cannot read the body: {e} / 本文を読めません"))
            }
        })?;
        if body.len() + chunk.len() > limit {
            return Err(ApiError::TooLarge(limit));
        }
        body.extend_from_slice(&chunk);
    }
    Ok(body.freeze())
}

fn bad_form(e: impl std::fmt::Display) -> ApiError {
    ApiError::BadRequest(
        "invalid_multipart",
        format!("the multipart form cannot be read: {e} / フォームを読み取れません"),
    )
}

/// Upload a check sheet as a multipart form (field `file`). The sheet is
/// read and checked by ingest's rules and stored as a new revision with its
/// over-rating flags, in one transaction; a refused sheet stores nothing and
/// the answer lists every problem with its cell and item. A subsidiary user
/// uploads for its own company only: naming another one in `company` is 403,
/// and a sheet whose cover names another company is refused (422,
/// `cover_names_another_company`). The identical file again changes nothing
/// (200).
#[utoipa::path(
    tag = "submissions",
    security(("bearer" = [])),
    request_body(content = UploadForm, content_type = "multipart/form-data"),
    responses(
        (status = 201, description = "stored as a new revision", body = UploadResult),
        (status = 200, description = "the identical file is already the current revision", body = UploadResult),
        (status = 401, body = ErrorBody),
        (status = 403, description = "a subsidiary user naming another company", body = ErrorBody),
        (status = 404, description = "`unknown_company`: the company the sheet names is not registered; `problems` says where", body = ErrorBody),
        (status = 409, description = "`upload_conflict`: the current revision cannot be replaced now (in review or accepted); `ambiguous_company`: several companies match the sheet's name", body = ErrorBody),
        (status = 408, description = "`body_timeout`: the body did not arrive within `api.body_timeout_secs`", body = ErrorBody),
        (status = 413, body = ErrorBody),
        (status = 422, description = "the sheet is refused; `problems` lists every problem", body = ErrorBody),
        (status = 503, description = "`busy`: too many uploads are being read; try again after `Retry-After` seconds", body = ErrorBody),
        (status = 500, description = "`internal`: the database failed; nothing was stored", body = ErrorBody),
    )
)]
#[post("/submissions")]
pub async fn upload_submission(
    req: HttpRequest,
    state: web::Data<AppState>,
    caller: Caller,
    payload: web::Payload,
) -> Result<HttpResponse, ApiError> {
    caller.require(UPLOADERS)?;
    // A turn first: the body is read only with one, so the memory of the
    // uploads in progress is bounded (docs/ingest.md).
    let slot = state.upload_slot().await?;
    let body = read_body(&req, payload, state.settings.upload_body_limit, state.settings.body_timeout).await?;
    let stream = futures_util::stream::once(async move { Ok::<_, actix_web::error::PayloadError>(body) });
    let mut form = actix_multipart::Multipart::new(req.headers(), stream);
    let mut fields = UploadFields::default();
    let mut file: Option<(String, Vec<u8>)> = None;
    while let Some(field) = form.next().await {
        let mut field = field.map_err(bad_form)?;
        let name = field.name().unwrap_or_default().to_owned();
        let file_name = field.content_disposition().and_then(|cd| cd.get_filename()).map(str::to_owned);
        let mut value = Vec::new();
        while let Some(chunk) = field.next().await {
            value.extend_from_slice(&chunk.map_err(bad_form)?);
        }
        let text = || String::from_utf8(value.clone()).map_err(|_| bad_form(format!("field {name} is not UTF-8")));
        match name.as_str() {
            "file" if file.is_some() => {
                return Err(bad_form(
                    "the form has two `file` fields; send one / file フィールドが2つあります。1つにしてください",
                ));
            }
            "file" => file = Some((file_name.unwrap_or_else(|| "upload".to_owned()), value)),
            "company" => fields.company = Some(text()?),
            "fiscal_year" => fields.fiscal_year = Some(text()?),
            "department" => fields.department = Some(text()?),
            other => return Err(bad_form(format!("unknown field {other:?}"))),
        }
    }
    let Some((file_name, bytes)) = file else {
        return Err(bad_form("the field `file` is missing / file フィールドがありません"));
    };
    let stored = store(&state, caller, file_name, bytes, fields).await;
    drop(slot);
    stored
}

/// Upload a check sheet in hyoka's JSON format (see docs/ingest.md) as the
/// request body. Same rules and answers as the multipart upload.
#[utoipa::path(
    tag = "submissions",
    security(("bearer" = [])),
    params(UploadFields),
    request_body(content = Object, content_type = "application/json", description = "a sheet in hyoka's JSON submission format"),
    responses(
        (status = 201, body = UploadResult), (status = 200, body = UploadResult),
        (status = 401, body = ErrorBody), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody),
        (status = 408, body = ErrorBody), (status = 409, body = ErrorBody), (status = 413, body = ErrorBody), (status = 415, body = ErrorBody),
        (status = 422, body = ErrorBody), (status = 500, body = ErrorBody),
        (status = 503, description = "`busy`: too many uploads are being read", body = ErrorBody),
    )
)]
#[post("/submissions/json")]
pub async fn upload_submission_json(
    req: HttpRequest,
    state: web::Data<AppState>,
    caller: Caller,
    q: web::Query<UploadFields>,
    payload: web::Payload,
) -> Result<HttpResponse, ApiError> {
    caller.require(UPLOADERS)?;
    let is_json = req
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("application/json"));
    if !is_json {
        return Err(ApiError::UnsupportedMediaType(
            "send the sheet as application/json / application/json で送信してください".into(),
        ));
    }
    let slot = state.upload_slot().await?;
    let body = read_body(&req, payload, state.settings.upload_body_limit, state.settings.body_timeout).await?;
    let fields = q.into_inner();
    let file_name = fields.file_name.clone().unwrap_or_else(|| "submission.json".to_owned());
    let stored = store(&state, caller, file_name, body.to_vec(), fields).await;
    drop(slot);
    stored
}

/// Reads, checks and stores one sheet for the caller.
async fn store(
    state: &AppState,
    caller: Caller,
    file_name: String,
    bytes: Vec<u8>,
    fields: UploadFields,
) -> Result<HttpResponse, ApiError> {
    let fiscal_year = match fields.fiscal_year.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
        Some(s) => Some(s.parse().map_err(|e: hyoka_model::error::ParseError| ApiError::Invalid(e.to_string()))?),
        None => None,
    };
    let limits = state.settings.limits;
    let need_collection = state.settings.uploads_need_collection;
    let (status, result) = db(state, move |conn| {
        // Read per upload, not kept in memory: every replica judges with the
        // catalog and detector configuration in the database now.
        let pipeline = Pipeline::load(conn, limits)?;
        let own = caller.own_company().map(|id| companies::get(conn, id)).transpose()?;
        let options = ImportOptions {
            // A subsidiary user uploads for its own company; naming another
            // one is refused by the service (403).
            company: fields.company.filter(|c| !c.trim().is_empty()).or_else(|| own.as_ref().map(|c| c.code.clone())),
            fiscal_year,
            employees: None,
            it_staff: None,
            department: fields.department,
            create_company: false,
            need_collection,
            enqueue_analysis: true,
        };
        let report = sheets::store_bytes(conn, &pipeline, caller.actor(), &file_name, &bytes, &options)?;
        // The service has stored the flags and carried reviewers' decisions on
        // unchanged items over from the previous revision, in its transaction.
        let warnings: Vec<ProblemDto> = report.ingested.warnings.iter().map(ProblemDto::from).collect();
        let (unchanged, superseded) = match &report.imported.stored {
            Stored::Created { superseded, .. } => (false, *superseded),
            Stored::Unchanged(_) => (true, None),
        };
        let result = UploadResult {
            submission: report.imported.stored.submission().into(),
            unchanged,
            superseded,
            company: (&report.imported.company).into(),
            warnings,
        };
        Ok((if unchanged { actix_web::http::StatusCode::OK } else { actix_web::http::StatusCode::CREATED }, result))
    })
    .await?;
    Ok(HttpResponse::build(status).json(result))
}

/// Query of `GET /api/v1/submissions`.
#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
pub struct SubmissionQuery {
    /// Page, from 1.
    page: Option<u32>,
    /// Items per page (1–200, default 50).
    per_page: Option<u32>,
    /// Only this fiscal year.
    fiscal_year: Option<i32>,
    /// Only this company.
    company_id: Option<i64>,
    /// Only this status: `submitted`, `in_review`, `returned`, `accepted`, `superseded`.
    status: Option<String>,
    /// Only current revisions.
    #[serde(default)]
    current_only: bool,
    /// Only risk scores at or above this (not for subsidiary users).
    min_risk: Option<u8>,
    /// Only risk scores at or below this (not for subsidiary users).
    max_risk: Option<u8>,
}

/// Submissions, newest year first, filtered by year, company, status and
/// risk (a subsidiary user: its own company's, without risk).
#[utoipa::path(tag = "submissions", security(("bearer" = [])), params(SubmissionQuery), responses((status = 200, body = Page<SubmissionDto>), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody)))]
#[get("/submissions")]
pub async fn list_submissions(
    state: web::Data<AppState>,
    caller: Caller,
    q: web::Query<SubmissionQuery>,
) -> Result<web::Json<Page<SubmissionDto>>, ApiError> {
    caller.require(ANYONE)?;
    let page = PageRequest::new(q.page, q.per_page)?;
    let own = caller.own_company();
    if own.is_some() && (q.min_risk.is_some() || q.max_risk.is_some()) {
        return Err(ApiError::forbidden());
    }
    if let (Some(own), Some(asked)) = (own, q.company_id)
        && own != asked
    {
        return Ok(web::Json(page.page(Vec::new(), 0)));
    }
    let search = SubmissionSearch {
        fiscal_year: q.fiscal_year.map(year).transpose()?,
        company_id: own.or(q.company_id),
        status: q
            .status
            .as_deref()
            .map(|s| s.parse::<SubmissionStatus>())
            .transpose()
            .map_err(|e| ApiError::BadRequest("invalid_query", e.to_string()))?,
        current_only: q.current_only,
        min_risk: q.min_risk,
        max_risk: q.max_risk,
    };
    let (items, total) =
        db(&state, move |conn| Ok(review::search_submissions(conn, &search, page.offset(), page.limit())?)).await?;
    let items = items
        .iter()
        .map(|l| SubmissionDto {
            risk: if own.is_some() { None } else { l.risk },
            ..SubmissionDto::from(&l.submission)
        })
        .collect();
    Ok(web::Json(page.page(items, total)))
}

/// One submission: the three achievement rates (self, suggested by the
/// flags, reviewed), flags with their decisions and replies, answers,
/// revisions, moves and risk. A subsidiary user sees flags, the two
/// flag-driven rates and the risk only once they are released.
#[utoipa::path(tag = "submissions", security(("bearer" = [])), params(("id" = i64, Path, description = "submission id")), responses((status = 200, body = SubmissionDetail), (status = 401, body = ErrorBody), (status = 404, body = ErrorBody)))]
#[get("/submissions/{id}")]
pub async fn get_submission(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<i64>,
) -> Result<web::Json<SubmissionDetail>, ApiError> {
    caller.require(ANYONE)?;
    let id = id.into_inner();
    let access = caller.access(&state.settings);
    let d = db(&state, move |conn| {
        access.submission(conn, id)?;
        Ok(review::detail(conn, id)?)
    })
    .await?;
    let shown = access.sees_findings_when(d.flags_released);
    Ok(web::Json(SubmissionDetail {
        submission: (&d.submission).into(),
        company: (&d.company).into(),
        target_level: d.target_level.number(),
        rates: RatesDto::new(&d.rates, shown),
        flags_released: d.flags_released,
        flags: shown.then(|| d.flags.iter().map(FlagDetail::from).collect()),
        risk: if shown { d.risk.as_ref().map(RiskDto::from) } else { None },
        answers: d.answers.iter().map(AnswerDto::from).collect(),
        revisions: d.revisions.iter().map(SubmissionDto::from).collect(),
        transitions: d.transitions.iter().map(TransitionDto::from).collect(),
    }))
}

async fn step(
    state: &AppState,
    caller: Caller,
    id: i64,
    action: Action,
    message: Option<String>,
) -> Result<web::Json<SubmissionDto>, ApiError> {
    caller.require(PARENT)?;
    let s = db(state, move |conn| {
        Ok(hyoka_service::review::transition(conn, caller.actor(), id, action, message.as_deref())?)
    })
    .await?;
    Ok(web::Json((&s).into()))
}

/// Take a submitted sheet up for review (submitted → in_review).
#[utoipa::path(tag = "submissions", security(("bearer" = [])), params(("id" = i64, Path, description = "submission id")), responses((status = 200, body = SubmissionDto), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 409, description = "not allowed from its status, or someone else moved it first", body = ErrorBody)))]
#[post("/submissions/{id}/start-review")]
pub async fn start_review(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<i64>,
) -> Result<web::Json<SubmissionDto>, ApiError> {
    step(&state, caller, id.into_inner(), Action::StartReview, None).await
}

/// Return a sheet to its subsidiary with a message (in_review → returned).
/// The subsidiary then sees the flags, replies and uploads a new revision.
#[utoipa::path(tag = "submissions", security(("bearer" = [])), params(("id" = i64, Path, description = "submission id")), request_body = ReturnRequest, responses((status = 200, body = SubmissionDto), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
#[post("/submissions/{id}/return")]
pub async fn return_submission(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<i64>,
    body: web::Json<ReturnRequest>,
) -> Result<web::Json<SubmissionDto>, ApiError> {
    step(&state, caller, id.into_inner(), Action::Return, Some(body.into_inner().message)).await
}

/// Accept a sheet (in_review → accepted). A sheet with undecided flags of
/// medium severity or above is not accepted unless the body says what to do
/// with them: `{"open_flags": "dismiss", "comment": "…"}` dismisses each, or
/// `{"open_flags": "keep"}` leaves them undecided; either choice is audited.
/// Without one the answer is 409 `open_flags` with their count.
#[utoipa::path(tag = "submissions", security(("bearer" = [])), params(("id" = i64, Path, description = "submission id")), request_body(content = Option<AcceptRequest>, description = "optional: what to do with undecided medium-or-higher flags"), responses((status = 200, body = SubmissionDto), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 409, description = "`open_flags`: undecided flags and no choice; `move_not_allowed`: not in review", body = ErrorBody), (status = 422, body = ErrorBody)))]
#[post("/submissions/{id}/accept")]
pub async fn accept_submission(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<i64>,
    body: web::Bytes,
) -> Result<web::Json<SubmissionDto>, ApiError> {
    caller.require(PARENT)?;
    let req: AcceptRequest = if body.iter().all(u8::is_ascii_whitespace) {
        AcceptRequest::default()
    } else {
        serde_json::from_slice(&body).map_err(|e| {
            ApiError::BadRequest(
                "invalid_json",
                format!("the JSON body does not fit: {e} / JSON の内容が正しくありません"),
            )
        })?
    };
    let choice = match (req.open_flags.as_deref(), req.comment) {
        (None, _) => None,
        (Some("keep"), _) => Some(OpenFlags::Keep),
        (Some("dismiss"), comment) => Some(OpenFlags::Dismiss { comment: comment.unwrap_or_default() }),
        (Some(other), _) => {
            return Err(ApiError::BadRequest(
                "invalid_json",
                format!("open_flags {other:?}: use dismiss or keep / open_flags は dismiss か keep です"),
            ));
        }
    };
    let id = id.into_inner();
    let s = db(&state, move |conn| Ok(hyoka_service::review::accept(conn, caller.actor(), id, choice)?)).await?;
    Ok(web::Json((&s).into()))
}

/// Show a submission's flags to its subsidiary now (returning or accepting
/// it releases them too).
#[utoipa::path(tag = "submissions", security(("bearer" = [])), params(("id" = i64, Path, description = "submission id")), responses((status = 200, body = ReleaseDto), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
#[post("/submissions/{id}/release-flags")]
pub async fn release_flags(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<i64>,
) -> Result<web::Json<ReleaseDto>, ApiError> {
    caller.require(PARENT)?;
    let id = id.into_inner();
    let r = db(&state, move |conn| Ok(review::release_flags(conn, caller.actor(), id)?)).await?;
    Ok(web::Json((&r).into()))
}
