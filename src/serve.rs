//! `hyoka serve`: the HTTP server.

use std::time::Duration;

use actix_web::HttpServer;
use anyhow::Context;
use hyoka_api::AppState;
use hyoka_model::db::Pool;

use crate::config::Config;

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
    let state = AppState::new(pool, config.api.clone());
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
    actix_web::rt::System::new().block_on(server.run())?;
    tracing::info!("hyoka stopped");
    Ok(())
}
