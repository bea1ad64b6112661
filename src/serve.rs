//! `hyoka serve`: the HTTP server.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use actix_web::HttpServer;
use anyhow::Context;
use hyoka_api::AppState;
use hyoka_model::db::Pool;
use hyoka_service::jobs::Worked;

use crate::config::{Analysis, Config};

/// Migrates, opens the pool and serves until SIGTERM or Ctrl-C.
pub fn run(config: &Config) -> anyhow::Result<()> {
    hyoka_model::db::migrate(&config.database.url)?;
    let pool = hyoka_model::db::pool(&config.database.url, config.database.pool_size)?;
    // SQLite's planner statistics live in the file and are cheap to refresh;
    // PostgreSQL's autovacuum keeps its own (and replicas should not all
    // vacuum at start-up).
    if config.database.url.backend() == hyoka_model::db::Backend::Sqlite {
        hyoka_model::db::optimize(&mut *pool.get()?)?;
    }
    serve(config, pool)
}

/// Serves an already migrated database until SIGTERM or Ctrl-C; in-flight
/// requests get `shutdown_timeout_secs` to finish.
pub fn serve(config: &Config, pool: Pool) -> anyhow::Result<()> {
    let state = AppState::new(pool.clone(), config.api.clone());
    let web = config.web.clone();
    if !web.cookie_secure {
        tracing::warn!("web.cookie_secure is off: the session cookie is sent over plain HTTP too");
    }
    let mut server = HttpServer::new(move || {
        // The log line holds the request line, status and time only: no
        // header (so no Authorization or Cookie), no body (so no password).
        // The web UI (/ui, and / → /ui/) sits beside the API in one App.
        hyoka_api::app(state.clone())
            .configure(hyoka_web::configure(web.clone()))
            .wrap(actix_web::middleware::Logger::new("%r %s %Dms"))
    })
    .shutdown_timeout(config.server.shutdown_timeout_secs)
    .client_request_timeout(Duration::from_secs(30));
    if config.server.workers > 0 {
        server = server.workers(config.server.workers);
    }
    let server = server.bind(config.server.bind).with_context(|| format!("cannot listen on {}", config.server.bind))?;
    for addr in server.addrs() {
        tracing::info!(%addr, database = %config.database.url, "hyoka is serving");
        println!("hyoka is serving on http://{addr} (database {})", config.database.url);
        println!("web UI: http://{addr}/ui/");
    }
    let stop = Arc::new(AtomicBool::new(false));
    if config.analysis.worker {
        spawn_worker(pool.clone(), config.analysis.clone(), Arc::clone(&stop))?;
    }
    let served = actix_web::rt::System::new().block_on(server.run());
    // A run in progress is left to its heartbeat: it goes stale and another
    // worker (or this one after a restart) takes it over.
    stop.store(true, Ordering::Relaxed);
    served?;
    tracing::info!("hyoka stopped");
    Ok(())
}

/// This process's name among the workers: host, process id and start time.
fn worker_name() -> String {
    let host = std::env::var("HOSTNAME").ok().filter(|h| !h.is_empty()).unwrap_or_else(|| "hyoka".to_owned());
    let started = hyoka_model::time::now().timestamp_micros();
    format!("{host}:{}:{started:x}", std::process::id())
}

/// The analysis worker: claims due runs through the database until `stop`.
/// A panic in a run is caught and logged; the job's heartbeat then stops
/// and the run is taken over once stale.
fn spawn_worker(pool: Pool, analysis: Analysis, stop: Arc<AtomicBool>) -> anyhow::Result<()> {
    let name = worker_name();
    tracing::info!(worker = %name, "analysis worker started");
    std::thread::Builder::new()
        .name("analysis-worker".into())
        .spawn(move || {
            while !stop.load(Ordering::Relaxed) {
                let turn = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
                    hyoka_service::jobs::work_once(&pool, &name, &analysis.settings)
                }));
                let idle = match turn {
                    Ok(Ok(Worked::Idle)) => true,
                    Ok(Ok(_)) => false,
                    Ok(Err(e)) => {
                        tracing::warn!(error = %e, "analysis worker: no job claimed");
                        true
                    }
                    Err(_) => {
                        tracing::error!("analysis worker: a run panicked");
                        true
                    }
                };
                if idle {
                    let until = std::time::Instant::now() + analysis.poll;
                    while !stop.load(Ordering::Relaxed) && std::time::Instant::now() < until {
                        std::thread::sleep(Duration::from_millis(100));
                    }
                }
            }
        })
        .context("cannot start the analysis worker")?;
    Ok(())
}
