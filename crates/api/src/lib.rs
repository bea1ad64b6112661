//! # hyoka-api
//!
//! The HTTP layer of hyoka (actix-web). Handlers are thin: they take the
//! parsed request, the authenticated [`Caller`](auth::Caller) and the shared
//! [`AppState`], check the caller's role and company, call one domain
//! function from `hyoka-model` on a blocking thread (`web::block`), and answer
//! JSON.
//!
//! - Every route is registered through `utoipa-actix-web`, so the OpenAPI
//!   document at `/api/openapi.json` lists everything the server answers
//!   (besides that document and the browsable page at `/api/docs/`).
//! - Every error, actix's own included, has one JSON shape
//!   ([`error::ErrorBody`]): `{"error": "snake_code", "message": "English / 日本語"}`.
//! - Lists are paged (`?page=1&per_page=50`, at most [`pagination::MAX_PER_PAGE`]).
//!
//! This crate keeps no state in process memory that replicas would disagree
//! on: several `hyoka serve` processes share one PostgreSQL database (tokens
//! and failed-login counters included).

pub mod auth;
pub mod client;
mod deadline;
pub mod drain;
pub mod dto;
pub mod error;
pub mod export;
mod handlers;
pub mod pagination;
mod routes;

use std::sync::Arc;
use std::time::Duration;

use actix_web::body::MessageBody;
use actix_web::dev::{ServiceFactory, ServiceRequest, ServiceResponse};
use actix_web::{App, HttpResponse, get, web};
use hyoka_model::db::Pool;
use hyoka_model::db::logins::LoginPolicy;
use utoipa::OpenApi;
use utoipa_actix_web::AppExt;

use crate::dto::Status;
pub use crate::error::{ApiError, ErrorBody};

/// API settings (the `[api]` section of the configuration).
#[derive(Debug, Clone)]
pub struct Settings {
    /// Largest upload request body (multipart or JSON sheet), in bytes.
    pub upload_body_limit: usize,
    /// Largest body of every other JSON request, in bytes.
    pub json_body_limit: usize,
    /// How long a token made by `POST /api/v1/login` lives.
    pub login_token_lifetime: chrono::Duration,
    /// Longest lifetime a token made with `POST /api/v1/tokens` may ask for.
    pub max_token_lifetime: chrono::Duration,
    /// Failed-login lock.
    pub login_policy: LoginPolicy,
    /// Whether subsidiaries see flags before a reviewer releases them.
    pub subsidiary_sees_unreleased_flags: bool,
    /// Whether a subsidiary user's upload needs a collection of its fiscal
    /// year while collections are in use (reviewers and admins never do).
    pub uploads_need_collection: bool,
    /// What an uploaded sheet may cost to read.
    pub limits: hyoka_ingest::Limits,
    /// Uploads read and checked at once (each holds its body and what is
    /// read from it); the others queue.
    pub max_concurrent_uploads: usize,
    /// How long an upload waits for its turn before 503 with `Retry-After`.
    pub upload_queue_timeout: Duration,
    /// How long an upload's whole body may take to arrive (408 after).
    pub body_timeout: Duration,
    /// The reverse proxies whose `X-Forwarded-For` / `X-Forwarded-Proto`
    /// count (`server.trusted_proxies`; none by default).
    pub trusted_proxies: client::TrustedProxies,
}

impl Default for Settings {
    fn default() -> Self {
        Settings {
            upload_body_limit: 21 * 1024 * 1024,
            json_body_limit: 64 * 1024,
            login_token_lifetime: chrono::Duration::hours(12),
            max_token_lifetime: chrono::Duration::days(365),
            login_policy: LoginPolicy { max_failures: 5, lockout: chrono::Duration::minutes(15) },
            subsidiary_sees_unreleased_flags: false,
            uploads_need_collection: true,
            limits: hyoka_ingest::Limits::default(),
            max_concurrent_uploads: 2,
            upload_queue_timeout: Duration::from_secs(10),
            body_timeout: Duration::from_secs(60),
            trusted_proxies: client::TrustedProxies::default(),
        }
    }
}

/// What every handler shares.
#[derive(Clone)]
pub struct AppState {
    /// The database pool.
    pub pool: Pool,
    /// API settings.
    pub settings: Arc<Settings>,
    /// Turns for reading an upload ([`Settings::max_concurrent_uploads`]).
    pub upload_slots: Arc<tokio::sync::Semaphore>,
    /// Draining on SIGTERM, and the requests in flight ([`drain`]).
    pub drain: Arc<drain::Drain>,
}

impl AppState {
    /// The state of one process: the pool and the settings.
    pub fn new(pool: Pool, settings: Settings) -> AppState {
        let slots = tokio::sync::Semaphore::new(settings.max_concurrent_uploads.max(1));
        AppState {
            pool,
            settings: Arc::new(settings),
            upload_slots: Arc::new(slots),
            drain: Arc::new(drain::Drain::default()),
        }
    }

    /// Waits for a turn to read an upload: after
    /// [`Settings::upload_queue_timeout`], 503 with `Retry-After`.
    pub async fn upload_slot(&self) -> Result<tokio::sync::OwnedSemaphorePermit, ApiError> {
        let wait = self.settings.upload_queue_timeout;
        match tokio::time::timeout(wait, Arc::clone(&self.upload_slots).acquire_owned()).await {
            Ok(Ok(permit)) => Ok(permit),
            _ => Err(ApiError::Busy(wait.as_secs().max(1))),
        }
    }
}

/// The OpenAPI document's fixed parts; the paths come from the handlers.
#[derive(OpenApi)]
#[openapi(
    info(
        title = "hyoka API",
        description = "Collect and review the yearly JAMA/JAPIA cybersecurity self-assessment sheets of a group's \
                       subsidiaries. Authenticate with `Authorization: Bearer hyoka_…` (POST /api/v1/login). \
                       Every error is `{\"error\": \"snake_code\", \"message\": \"English / 日本語\"}`. \
                       Times are shown in Japan time (+09:00).",
        version = "1"
    ),
    modifiers(&BearerAuth),
    tags(
        (name = "health", description = "Liveness and readiness"),
        (name = "session", description = "Logging in and API tokens"),
        (name = "users", description = "Accounts (admins)"),
        (name = "companies", description = "Subsidiaries"),
        (name = "collections", description = "Yearly collections (提出依頼)"),
        (name = "submissions", description = "Uploaded sheets and the review workflow"),
        (name = "flags", description = "Over-rating flags, decisions and replies"),
        (name = "analysis", description = "Runs of the group analysis (after uploads, on request, by hyoka import)"),
        (name = "audit", description = "The tamper-evident audit log"),
        (name = "dashboards", description = "Group figures per year, the review queue, the trend, items across the group"),
        (name = "exports", description = "CSV and Excel files for auditors and subsidiaries"),
        (name = "scs", description = "METI SCS ★3 / ★4 readiness from the JAMA answers"),
    )
)]
struct ApiDoc;

struct BearerAuth;

impl utoipa::Modify for BearerAuth {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        use utoipa::openapi::security::{Http, HttpAuthScheme, SecurityScheme};
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "bearer",
            SecurityScheme::Http(Http::builder().scheme(HttpAuthScheme::Bearer).bearer_format("hyoka_…").build()),
        );
    }
}

/// The whole application: every route, the JSON error handling, the limits.
pub fn app(
    state: AppState,
) -> App<
    impl ServiceFactory<
        ServiceRequest,
        Config = (),
        Response = ServiceResponse<impl MessageBody>,
        Error = actix_web::Error,
        InitError = (),
    >,
> {
    let json_limit = state.settings.json_body_limit;
    let drain = Arc::clone(&state.drain);
    let (app, api) = App::new()
        .into_utoipa_app()
        .openapi(ApiDoc::openapi())
        .app_data(web::Data::new(state))
        .app_data(web::JsonConfig::default().limit(json_limit).error_handler(error::json_error))
        .app_data(web::PathConfig::default().error_handler(error::path_error))
        .app_data(web::QueryConfig::default().error_handler(error::query_error))
        .configure(routes::configure)
        .split_for_parts();
    let table = Arc::new(routes::RouteTable::from_openapi(&api));
    app.app_data(web::Data::from(Arc::clone(&table)))
        .service(
            utoipa_swagger_ui::SwaggerUi::new("/api/docs/{_:.*}")
                .url("/api/openapi.json", api)
                // No validator badge: it would call a server on the internet.
                // The token is not kept in the browser's localStorage.
                .config(utoipa_swagger_ui::Config::default().validator_url("none").persist_authorization(false)),
        )
        .default_service(web::to(routes::fallback))
        .wrap(error::json_errors())
        .wrap(actix_web::middleware::from_fn(deadline::body_deadline))
        .wrap_fn(move |req, srv| {
            use actix_web::dev::Service;
            use futures_util::future::{Either, ready};
            let api = req.path().starts_with("/api/v1/");
            if let Some(key) = table.unknown_query_parameter(req.method(), req.path(), req.query_string()) {
                let shown: String = key.chars().take(64).collect();
                let refusal = ApiError::BadRequest(
                    "invalid_query",
                    format!("unknown query parameter {shown:?} / クエリパラメータ {shown:?} はありません"),
                );
                let mut res = req.into_response(actix_web::ResponseError::error_response(&refusal));
                harden(res.headers_mut(), api);
                return Either::Left(ready(Ok(res.map_into_right_body())));
            }
            if drain::is_upload(req.method(), req.path()) && drain.is_draining() {
                let mut res = req.into_response(drain::refusal());
                harden(res.headers_mut(), api);
                return Either::Left(ready(Ok(res.map_into_right_body())));
            }
            let in_flight = drain.enter();
            let answer = srv.call(req);
            Either::Right(async move {
                let mut res = answer.await?;
                drop(in_flight);
                harden(res.headers_mut(), api);
                Ok(res.map_into_left_body())
            })
        })
}

/// Hardening headers on every answer, errors included: `nosniff` always;
/// `Cache-Control: no-store` on everything under `/api/v1/` (every
/// authenticated answer, and the login's token); on JSON a CSP that allows
/// nothing and no framing.
fn harden(headers: &mut actix_web::http::header::HeaderMap, api: bool) {
    use actix_web::http::header::{self, HeaderValue};
    headers.insert(header::X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff"));
    if api {
        headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    }
    let json = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("application/json") || v.starts_with("application/problem+json"));
    if json {
        headers.insert(
            header::CONTENT_SECURITY_POLICY,
            HeaderValue::from_static("default-src 'none'; frame-ancestors 'none'"),
        );
        headers.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    }
}

/// The OpenAPI document, as the server serves it.
pub fn openapi() -> utoipa::openapi::OpenApi {
    let (_, api) =
        App::new().into_utoipa_app().openapi(ApiDoc::openapi()).configure(routes::configure).split_for_parts();
    api
}

/// Liveness: 200 while the process runs.
#[utoipa::path(tag = "health", responses((status = 200, body = Status)))]
#[get("/healthz")]
async fn healthz() -> HttpResponse {
    HttpResponse::Ok().json(Status { status: "ok" })
}

/// Readiness: 200 only when the database answers and takes writes.
///
/// 503 while the server is stopping (SIGTERM), when no connection comes within two seconds, or the database cannot
/// take a write within a second (another process holding SQLite's write lock,
/// a PostgreSQL standby).
#[utoipa::path(tag = "health", responses((status = 200, body = Status), (status = 503, body = ErrorBody)))]
#[get("/readyz")]
async fn readyz(state: web::Data<AppState>) -> HttpResponse {
    if state.drain.is_draining() {
        return HttpResponse::ServiceUnavailable()
            .json(ErrorBody::new("not_ready", "this server is stopping / このサーバーは停止処理中です".into()));
    }
    let pool = state.pool.clone();
    let check = web::block(move || -> Result<(), String> {
        let mut conn = pool.get_timeout(Duration::from_secs(2)).map_err(|e| e.to_string())?;
        hyoka_model::db::check_writable(&mut conn).map_err(|e| e.to_string())
    })
    .await;
    match check {
        Ok(Ok(())) => HttpResponse::Ok().json(Status { status: "ready" }),
        Ok(Err(e)) => {
            tracing::warn!(error = %e, "readiness check failed");
            not_ready()
        }
        Err(e) => {
            tracing::warn!(error = %e, "readiness check could not run");
            not_ready()
        }
    }
}

fn not_ready() -> HttpResponse {
    HttpResponse::ServiceUnavailable().json(ErrorBody::new(
        "not_ready",
        "the database does not answer or cannot take writes / データベースが応答しないか、書き込みができません".into(),
    ))
}
