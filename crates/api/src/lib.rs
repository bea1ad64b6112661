//! # hyoka-api
//!
//! The HTTP layer of hyoka (actix-web). Handlers are thin: they take the
//! parsed request and the shared [`AppState`], call one domain function from
//! `hyoka-model` on a blocking thread, and answer JSON.
//!
//! This crate keeps no state in process memory that replicas would disagree
//! on: several `hyoka serve` processes share one PostgreSQL database.

use std::time::Duration;

use actix_web::{HttpResponse, web};
use hyoka_model::db::Pool;
use serde::Serialize;

/// What every handler shares.
#[derive(Clone)]
pub struct AppState {
    /// The database pool.
    pub pool: Pool,
}

/// Registers every route on an actix `App`.
pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.route("/healthz", web::get().to(healthz)).route("/readyz", web::get().to(readyz));
}

#[derive(Serialize)]
struct Status {
    status: &'static str,
}

/// The JSON shape of every error: a stable snake_case code and a message.
#[derive(Debug, Serialize)]
pub struct ErrorBody {
    /// Stable code, e.g. `not_ready`.
    pub error: &'static str,
    /// Human-readable message (Japanese and English).
    pub message: String,
}

/// Liveness: 200 while the process runs.
async fn healthz() -> HttpResponse {
    HttpResponse::Ok().json(Status { status: "ok" })
}

/// Readiness: 200 only when the database answers within two seconds.
async fn readyz(state: web::Data<AppState>) -> HttpResponse {
    let pool = state.pool.clone();
    let check = web::block(move || -> Result<(), String> {
        use diesel::connection::SimpleConnection;
        let mut conn = pool.get_timeout(Duration::from_secs(2)).map_err(|e| e.to_string())?;
        conn.batch_execute("SELECT 1").map_err(|e| e.to_string())
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
    HttpResponse::ServiceUnavailable().json(ErrorBody {
        error: "not_ready",
        message: "the database does not answer / データベースに接続できません".into(),
    })
}
