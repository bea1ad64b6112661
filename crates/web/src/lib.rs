//! # hyoka-web
//!
//! hyoka's web UI: server-rendered HTML pages under `/ui`, composed beside
//! the JSON API in `hyoka serve` ([`configure`]). It calls `hyoka-service`
//! for every write and for who sees what, and renders hyoka-api's DTOs.
//!
//! - Templates are askama files compiled with the crate and escaped by
//!   default (every template is `.html`; none uses `|safe`).
//! - Sessions are rows in the database ([`session`]); the cookie is
//!   `__Host-hyoka_session` (`Secure`), or `hyoka_session` without `Secure`
//!   when [`Settings::cookie_secure`] is off for a plain-HTTP intranet; behind
//!   a trusted reverse proxy the forwarded scheme decides
//!   ([`Settings::for_request`]).
//! - Every state-changing request carries the session's CSRF token and
//!   passes an `Origin` / `Sec-Fetch-Site` check ([`security`]).
//! - Every `/ui` response has a strict Content-Security-Policy and the other
//!   headers of [`security::HEADERS`].
//! - Japanese by default, English by `Accept-Language` or the switch
//!   ([`i18n`]).

pub mod assets;
pub mod i18n;
mod pages;
pub mod security;
pub mod session;

use actix_web::http::StatusCode;
use actix_web::{HttpResponse, web};

pub use pages::render_error;

/// Settings of the web UI (the `[web]` section of the configuration).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Settings {
    /// `Secure` and the `__Host-` prefix on the session cookie. Off only for
    /// plain HTTP (a loopback demo, an intranet without TLS).
    pub cookie_secure: bool,
    /// How long sessions last.
    pub lifetimes: session::Lifetimes,
}

impl Default for Settings {
    fn default() -> Self {
        Settings {
            cookie_secure: true,
            lifetimes: session::Lifetimes {
                absolute: chrono::Duration::hours(12),
                idle: chrono::Duration::minutes(60),
            },
        }
    }
}

impl Settings {
    /// These settings for one request: the cookie's `Secure` (and its
    /// `__Host-` name) follows the scheme a trusted reverse proxy forwarded
    /// (`X-Forwarded-Proto`, see `hyoka_api::client`); without one,
    /// [`Settings::cookie_secure`] decides.
    pub fn for_request(&self, req: &actix_web::HttpRequest) -> Settings {
        let mut s = self.clone();
        if let Some(https) = hyoka_api::client::of(req).https {
            s.cookie_secure = https;
        }
        s
    }

    /// The session cookie's name.
    pub fn cookie_name(&self) -> &'static str {
        if self.cookie_secure { "__Host-hyoka_session" } else { "hyoka_session" }
    }

    /// The login form's double-submit cookie's name.
    pub fn login_cookie_name(&self) -> &'static str {
        if self.cookie_secure { "__Host-hyoka_login" } else { "hyoka_login" }
    }

    /// A `Set-Cookie` value.
    pub fn cookie(&self, name: &str, value: &str, max_age: Option<i64>) -> String {
        let mut c = format!("{name}={value}; Path=/; HttpOnly; SameSite=Lax");
        if self.cookie_secure {
            c.push_str("; Secure");
        }
        if let Some(age) = max_age {
            c.push_str(&format!("; Max-Age={age}"));
        }
        c
    }
}

/// Why a page could not be shown; each becomes an HTML page.
#[derive(Debug)]
pub enum PageFailure {
    /// No live session: to the sign-in page.
    SignIn,
    /// A missing, wrong or cross-site CSRF proof.
    Csrf,
    /// The role may not do this.
    Forbidden,
    /// Not there, or not the caller's to see.
    NotFound,
    /// Moved by someone else meanwhile.
    Conflict,
    /// A form value the service refused, said in the message.
    Invalid(String),
    /// The database is held by another writer: try again (503, `Retry-After`).
    Busy,
    /// Anything else (logged).
    Internal,
}

impl PageFailure {
    /// The HTTP status.
    pub fn status(&self) -> StatusCode {
        match self {
            PageFailure::SignIn => StatusCode::SEE_OTHER,
            PageFailure::Csrf | PageFailure::Forbidden => StatusCode::FORBIDDEN,
            PageFailure::NotFound => StatusCode::NOT_FOUND,
            PageFailure::Conflict => StatusCode::CONFLICT,
            PageFailure::Invalid(_) => StatusCode::UNPROCESSABLE_ENTITY,
            PageFailure::Busy => StatusCode::SERVICE_UNAVAILABLE,
            PageFailure::Internal => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }
}

impl std::fmt::Display for PageFailure {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            PageFailure::Invalid(m) => write!(f, "invalid: {m}"),
            other => write!(f, "{other:?}"),
        }
    }
}

impl From<hyoka_model::db::DbError> for PageFailure {
    fn from(e: hyoka_model::db::DbError) -> Self {
        hyoka_service::ServiceError::from(e).into()
    }
}

impl From<hyoka_service::ServiceError> for PageFailure {
    fn from(e: hyoka_service::ServiceError) -> Self {
        use hyoka_service::ServiceError as E;
        match e {
            E::NotFound(_) => PageFailure::NotFound,
            E::Forbidden(_) => PageFailure::Forbidden,
            E::Workflow { .. } => PageFailure::Conflict,
            E::Invalid(m) | E::NoCollection(m) => PageFailure::Invalid(m),
            E::Db(e) if e.is_busy() => {
                tracing::warn!(error = %e, "the database is busy");
                PageFailure::Busy
            }
            other => {
                tracing::error!(error = %other, "a page failed");
                PageFailure::Internal
            }
        }
    }
}

impl From<diesel::r2d2::PoolError> for PageFailure {
    fn from(e: diesel::r2d2::PoolError) -> Self {
        tracing::error!(error = %e, "no database connection");
        PageFailure::Internal
    }
}

impl From<actix_web::error::BlockingError> for PageFailure {
    fn from(_: actix_web::error::BlockingError) -> Self {
        PageFailure::Internal
    }
}

/// Registers the UI: the `/ui` scope with its headers and HTML errors, and
/// `/` → `/ui/`. The app must hold `web::Data<hyoka_api::AppState>`.
pub fn configure(settings: Settings) -> impl FnOnce(&mut web::ServiceConfig) {
    move |cfg| {
        cfg.app_data(web::Data::new(settings))
            .route("/", web::get().to(|| async { see_other("/ui/") }))
            .service(pages::scope().wrap(security::headers()));
    }
}

/// A 303 to `to`.
pub fn see_other(to: &str) -> HttpResponse {
    HttpResponse::SeeOther().insert_header((actix_web::http::header::LOCATION, to)).finish()
}
