//! One error type and one JSON shape for every error the server answers,
//! actix's own included: extractor errors go through the `error_handler`s of
//! `JsonConfig`, `PathConfig` and `QueryConfig`; any other error response
//! that is not JSON yet (404 of the default service, 405, a panic's 500) is
//! rewritten by [`json_errors`].

use actix_web::body::BoxBody;
use actix_web::dev::ServiceResponse;
use actix_web::http::StatusCode;
use actix_web::http::header::{self, HeaderValue};
use actix_web::middleware::{ErrorHandlerResponse, ErrorHandlers};
use actix_web::{HttpRequest, HttpResponse, ResponseError};
use hyoka_model::db::DbError;
use hyoka_model::workflow::WorkflowError;
use hyoka_service::ServiceError;
use serde::Serialize;
use utoipa::ToSchema;

use crate::dto::ProblemDto;

/// The JSON shape of every error.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ErrorBody {
    /// Stable code, e.g. `not_found`, `sheet_refused`.
    pub error: &'static str,
    /// What went wrong, in English and Japanese.
    pub message: String,
    /// The problems of a refused sheet (`sheet_refused`, `unknown_company`,
    /// `ambiguous_company`): the first [`MAX_PROBLEMS_LISTED`], in order.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub problems: Option<Vec<ProblemDto>>,
    /// How many problems there are in all (listed or not).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub problems_total: Option<usize>,
    /// How many problems there are of each code, in all.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub problem_counts: Option<std::collections::BTreeMap<String, usize>>,
}

/// The most problems an error lists; `problems_total` and `problem_counts`
/// count them all.
pub const MAX_PROBLEMS_LISTED: usize = 200;

/// The body of an error with problems: the first [`MAX_PROBLEMS_LISTED`], the
/// total and the count per code.
fn with_problems(error: &'static str, message: &str, problems: &[ProblemDto]) -> ErrorBody {
    let mut counts = std::collections::BTreeMap::new();
    for p in problems {
        *counts.entry(p.code.clone()).or_insert(0) += 1;
    }
    ErrorBody {
        error,
        message: message.to_owned(),
        problems: Some(problems.iter().take(MAX_PROBLEMS_LISTED).cloned().collect()),
        problems_total: Some(problems.len()),
        problem_counts: Some(counts),
    }
}

impl ErrorBody {
    /// An error without problems.
    pub fn new(error: &'static str, message: String) -> ErrorBody {
        ErrorBody { error, message, problems: None, problems_total: None, problem_counts: None }
    }
}

/// An error a handler answers with.
#[derive(Debug)]
pub enum ApiError {
    /// No valid token.
    Unauthorized(String),
    /// Wrong login or password.
    BadCredentials,
    /// The login is locked after too many failures.
    Locked(String),
    /// The caller's role or company may not do this.
    Forbidden(String),
    /// Nothing there (or nothing the caller may see).
    NotFound(String),
    /// A malformed request (bad JSON, path or query).
    BadRequest(&'static str, String),
    /// A well-formed request with values that break a rule.
    Invalid(String),
    /// 422 with its own code (`no_collection`).
    Unprocessable(&'static str, String),
    /// Someone else changed it first, or the workflow refuses the move now.
    Conflict(&'static str, String),
    /// A sheet that cannot be stored, with every problem.
    Refused(String, Vec<ProblemDto>),
    /// 404 with the sheet's problems (the company a sheet names is unknown).
    NotFoundWith(&'static str, String, Vec<ProblemDto>),
    /// 409 with the sheet's problems (the company a sheet names is ambiguous).
    ConflictWith(&'static str, String, Vec<ProblemDto>),
    /// The body is larger than allowed.
    TooLarge(usize),
    /// The body's media type is not accepted.
    UnsupportedMediaType(String),
    /// Too busy now: try again after this many seconds (503, `Retry-After`).
    Busy(u64),
    /// The database is held by another writer: try again after this many
    /// seconds (503, `Retry-After`).
    DatabaseBusy(u64),
    /// The body did not arrive within this many seconds (408).
    BodyTimeout(u64),
    /// Something broke on our side (the detail is logged, not shown).
    Internal,
}

impl std::fmt::Display for ApiError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.body().message)
    }
}

impl ApiError {
    /// The status code.
    pub fn status(&self) -> StatusCode {
        match self {
            ApiError::Unauthorized(_) | ApiError::BadCredentials => StatusCode::UNAUTHORIZED,
            ApiError::Locked(_) => StatusCode::TOO_MANY_REQUESTS,
            ApiError::Forbidden(_) => StatusCode::FORBIDDEN,
            ApiError::NotFound(_) | ApiError::NotFoundWith(..) => StatusCode::NOT_FOUND,
            ApiError::BadRequest(..) => StatusCode::BAD_REQUEST,
            ApiError::Invalid(_) | ApiError::Unprocessable(..) | ApiError::Refused(..) => {
                StatusCode::UNPROCESSABLE_ENTITY
            }
            ApiError::Conflict(..) | ApiError::ConflictWith(..) => StatusCode::CONFLICT,
            ApiError::TooLarge(_) => StatusCode::PAYLOAD_TOO_LARGE,
            ApiError::UnsupportedMediaType(_) => StatusCode::UNSUPPORTED_MEDIA_TYPE,
            ApiError::Busy(_) | ApiError::DatabaseBusy(_) => StatusCode::SERVICE_UNAVAILABLE,
            ApiError::BodyTimeout(_) => StatusCode::REQUEST_TIMEOUT,
            ApiError::Internal => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    /// The JSON body.
    pub fn body(&self) -> ErrorBody {
        let e = |code, msg: &str| ErrorBody::new(code, msg.to_owned());
        match self {
            ApiError::Unauthorized(m) => e("unauthorized", m),
            ApiError::BadCredentials => {
                e("invalid_credentials", "wrong login or password / ログイン名またはパスワードが違います")
            }
            ApiError::Locked(m) => e("too_many_failed_logins", m),
            ApiError::Forbidden(m) => e("forbidden", m),
            ApiError::NotFound(m) => e("not_found", m),
            ApiError::BadRequest(code, m) => e(code, m),
            ApiError::Invalid(m) => e("invalid", m),
            ApiError::Conflict(code, m) | ApiError::Unprocessable(code, m) => e(code, m),
            ApiError::Refused(m, problems) => with_problems("sheet_refused", m, problems),
            ApiError::NotFoundWith(code, m, problems) | ApiError::ConflictWith(code, m, problems) => {
                with_problems(code, m, problems)
            }
            ApiError::TooLarge(limit) => ErrorBody::new(
                "payload_too_large",
                format!(
                    "the request body is larger than {limit} bytes / リクエストが上限 {limit} バイトを超えています"
                ),
            ),
            ApiError::UnsupportedMediaType(m) => e("unsupported_media_type", m),
            ApiError::BodyTimeout(secs) => ErrorBody::new(
                "body_timeout",
                format!(
                    "the request body did not arrive within {secs} s / \
                     リクエスト本文が {secs} 秒以内に届きませんでした"
                ),
            ),
            ApiError::Busy(secs) => ErrorBody::new(
                "busy",
                format!(
                    "the server is reading other uploads; try again in {secs} s / \
                     他のアップロードを処理中です。{secs} 秒後にやり直してください"
                ),
            ),
            ApiError::DatabaseBusy(secs) => ErrorBody::new(
                "database_busy",
                format!(
                    "the database is held by another writer; nothing was changed, try again in {secs} s / \
                     データベースが他の書き込みで使用中です。何も変更されていません。{secs} 秒後にやり直してください"
                ),
            ),
            ApiError::Internal => e(
                "internal",
                "something went wrong on the server; it has been logged / サーバーでエラーが発生しました（記録済み）",
            ),
        }
    }

    /// 403 with the usual message.
    pub fn forbidden() -> ApiError {
        ApiError::Forbidden("your role may not do this / この操作を行う権限がありません".into())
    }

    /// 404 for a thing (also used for things of another company, so their
    /// existence is not revealed).
    pub fn not_found(what: impl std::fmt::Display) -> ApiError {
        ApiError::NotFound(format!("{what} not found / {what} は見つかりません"))
    }
}

impl ResponseError for ApiError {
    fn status_code(&self) -> StatusCode {
        self.status()
    }

    fn error_response(&self) -> HttpResponse {
        let mut r = HttpResponse::build(self.status());
        if matches!(self, ApiError::Unauthorized(_)) {
            r.insert_header((header::WWW_AUTHENTICATE, HeaderValue::from_static("Bearer")));
        }
        if let ApiError::Busy(secs) | ApiError::DatabaseBusy(secs) = self {
            r.insert_header((header::RETRY_AFTER, secs.to_string()));
        }
        r.json(self.body())
    }
}

/// Seconds a client is asked to wait when the database is busy.
pub const DATABASE_BUSY_RETRY_SECS: u64 = 5;

impl From<DbError> for ApiError {
    fn from(e: DbError) -> Self {
        if e.is_busy() {
            tracing::warn!(error = %e, "the database is busy");
            return ApiError::DatabaseBusy(DATABASE_BUSY_RETRY_SECS);
        }
        match e {
            DbError::NotFound(what) => ApiError::not_found(what),
            DbError::Invalid(m) => ApiError::Invalid(m),
            DbError::Forbidden(m) => ApiError::Forbidden(m),
            DbError::Conflict(m) => ApiError::Conflict("conflict", m),
            DbError::Workflow(w) => w.into(),
            DbError::Query(diesel::result::Error::DatabaseError(
                diesel::result::DatabaseErrorKind::UniqueViolation,
                _,
            )) => ApiError::Conflict(
                "conflict",
                "someone else made the same change at the same moment; reload and retry / \
                 同時に同じ変更が行われました。再読み込みしてやり直してください"
                    .into(),
            ),
            other => {
                tracing::error!(error = %other, "database error");
                ApiError::Internal
            }
        }
    }
}

impl From<ServiceError> for ApiError {
    /// Refused 422, unknown company 404, ambiguous company 409, no fiscal
    /// year 422, no collection 422, forbidden 403, workflow 409, database 500 (the detail goes to
    /// the log, never to the caller).
    fn from(e: ServiceError) -> Self {
        let problems = |r: &hyoka_ingest::Refusal| r.problems.iter().map(ProblemDto::from).collect::<Vec<_>>();
        match e {
            ServiceError::Refused(r) | ServiceError::NoFiscalYear(r) => {
                let n = r.errors().count();
                ApiError::Refused(
                    format!(
                        "the sheet was refused: {n} problem(s); nothing was stored / \
                         シートを受け付けられませんでした（{n}件）。何も保存されていません"
                    ),
                    problems(&r),
                )
            }
            ServiceError::UnknownCompany(r) => ApiError::NotFoundWith(
                "unknown_company",
                "the company the sheet names is not registered; nothing was stored / \
                 シートの会社は登録されていません。何も保存されていません"
                    .into(),
                problems(&r),
            ),
            ServiceError::AmbiguousCompany(r) => ApiError::ConflictWith(
                "ambiguous_company",
                "several companies match the sheet's company name; name the company / \
                 シートの会社名に該当する会社が複数あります。会社を指定してください"
                    .into(),
                problems(&r),
            ),
            ServiceError::NoCollection(m) => ApiError::Unprocessable("no_collection", m),
            ServiceError::Forbidden(m) => ApiError::Forbidden(m),
            ServiceError::NotFound(what) => ApiError::not_found(what),
            ServiceError::Invalid(m) => ApiError::Invalid(m),
            ServiceError::Workflow { code, message } => ApiError::Conflict(code, message),
            ServiceError::OpenFlags { count } => ApiError::Conflict(
                "open_flags",
                format!(
                    "{count} flag(s) of medium severity or above are undecided; decide them, or accept with \
                     \"open_flags\": \"dismiss\" (and a comment) or \"keep\" / \
                     未判定の中以上の指摘が {count} 件あります。判定するか、open_flags に dismiss（コメント付き）または keep を指定してください"
                ),
            ),
            ServiceError::Db(e) => e.into(),
        }
    }
}

impl From<WorkflowError> for ApiError {
    fn from(e: WorkflowError) -> Self {
        match e {
            WorkflowError::NotAllowed { .. } => ApiError::Conflict("move_not_allowed", e.to_string()),
            WorkflowError::Forbidden { .. } => ApiError::Forbidden(e.to_string()),
            WorkflowError::MessageRequired => ApiError::Invalid(e.to_string()),
        }
    }
}

impl From<actix_web::error::BlockingError> for ApiError {
    fn from(e: actix_web::error::BlockingError) -> Self {
        tracing::error!(error = %e, "blocking task failed");
        ApiError::Internal
    }
}

impl From<diesel::r2d2::PoolError> for ApiError {
    fn from(e: diesel::r2d2::PoolError) -> Self {
        tracing::error!(error = %e, "no database connection");
        ApiError::Internal
    }
}

/// `JsonConfig` error handler.
pub fn json_error(err: actix_web::error::JsonPayloadError, req: &HttpRequest) -> actix_web::Error {
    use actix_web::error::JsonPayloadError as J;
    let api = match &err {
        J::OverflowKnownLength { limit, .. } | J::Overflow { limit } => ApiError::TooLarge(*limit),
        J::ContentType => ApiError::UnsupportedMediaType(
            "send the body as application/json / application/json で送信してください".into(),
        ),
        J::Payload(p) if crate::deadline::is_deadline(p) => ApiError::BodyTimeout(
            req.app_data::<actix_web::web::Data<crate::AppState>>().map_or(60, |s| s.settings.body_timeout.as_secs()),
        ),
        J::Deserialize(e) => ApiError::BadRequest(
            "invalid_json",
            format!("the JSON body does not fit: {e} / JSON の内容が正しくありません"),
        ),
        other => {
            ApiError::BadRequest("invalid_json", format!("cannot read the JSON body: {other} / JSON を読めません"))
        }
    };
    api.into()
}

/// `PathConfig` error handler.
pub fn path_error(err: actix_web::error::PathError, _req: &HttpRequest) -> actix_web::Error {
    ApiError::BadRequest(
        "invalid_path",
        format!("a path parameter is wrong: {err} / URL のパラメータが正しくありません"),
    )
    .into()
}

/// `QueryConfig` error handler.
pub fn query_error(err: actix_web::error::QueryPayloadError, _req: &HttpRequest) -> actix_web::Error {
    ApiError::BadRequest(
        "invalid_query",
        format!("a query parameter is wrong: {err} / クエリパラメータが正しくありません"),
    )
    .into()
}

/// The error code and message for a status actix answered by itself.
fn for_status(status: StatusCode) -> (&'static str, String) {
    let (code, ja) = match status {
        StatusCode::NOT_FOUND => ("not_found", "見つかりません"),
        StatusCode::METHOD_NOT_ALLOWED => ("method_not_allowed", "このメソッドは使えません"),
        StatusCode::PAYLOAD_TOO_LARGE => ("payload_too_large", "リクエストが大きすぎます"),
        StatusCode::UNSUPPORTED_MEDIA_TYPE => ("unsupported_media_type", "この形式は受け付けません"),
        StatusCode::REQUEST_TIMEOUT => ("request_timeout", "リクエストがタイムアウトしました"),
        s if s.is_server_error() => ("internal", "サーバーでエラーが発生しました"),
        _ => ("bad_request", "リクエストが正しくありません"),
    };
    let en = status.canonical_reason().unwrap_or("error").to_lowercase();
    (code, format!("{en} / {ja}"))
}

/// Rewrites every error response that is not JSON yet into [`ErrorBody`].
pub fn json_errors<B: 'static>() -> ErrorHandlers<B> {
    ErrorHandlers::new().default_handler(|res: ServiceResponse<B>| {
        let is_json = res
            .headers()
            .get(header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            // The web UI (crates/web) answers its errors as HTML pages.
            .is_some_and(|v| v.starts_with("application/json") || v.starts_with("text/html"));
        if is_json {
            return Ok(ErrorHandlerResponse::Response(res.map_into_left_body()));
        }
        let status = res.status();
        let allow = res.headers().get(header::ALLOW).cloned();
        let (code, message) = for_status(status);
        let (req, _) = res.into_parts();
        let mut builder = HttpResponse::build(status);
        if let Some(allow) = allow {
            builder.insert_header((header::ALLOW, allow));
        }
        let response: HttpResponse<BoxBody> = builder.json(ErrorBody::new(code, message));
        Ok(ErrorHandlerResponse::Response(ServiceResponse::new(req, response).map_into_right_body::<B>()))
    })
}
