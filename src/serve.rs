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

/// Serves an already migrated database until SIGTERM or Ctrl-C, then stops
/// gracefully: `/readyz` answers 503 and new uploads 503 `shutting_down`
/// while the requests in flight (uploads above all) get up to
/// `shutdown_timeout_secs` to finish; then the server stops listening.
pub fn serve(config: &Config, pool: Pool) -> anyhow::Result<()> {
    let state = AppState::new(pool.clone(), config.api.clone());
    let drain = std::sync::Arc::clone(&state.drain);
    let web = config.web.clone();
    if !web.cookie_secure {
        tracing::warn!("web.cookie_secure is off: the session cookie is sent over plain HTTP too");
    }
    if !config.server.trusted_proxies.0.is_empty() {
        let list: Vec<String> = config.server.trusted_proxies.0.iter().map(ToString::to_string).collect();
        tracing::info!(proxies = %list.join(", "), "X-Forwarded-For and X-Forwarded-Proto count from these peers");
    }
    let mut server = HttpServer::new(move || {
        // The log line holds the client address (from a trusted proxy's
        // X-Forwarded-For, else the peer), the request line, status and time
        // only: no header (so no Authorization or Cookie), no body (so no
        // password). The web UI (/ui, and / → /ui/) sits beside the API in one App.
        hyoka_api::app(state.clone()).configure(hyoka_web::configure(web.clone())).wrap(
            actix_web::middleware::Logger::new("%{client}xi %r %s %Dms")
                .custom_request_replace("client", hyoka_api::client::log_address),
        )
    })
    // The signals are hyoka's own (below): the drain comes first. What is
    // still in flight when the drain ends gets one more second.
    .disable_signals()
    .shutdown_timeout(1)
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
    if config.mail.transport.is_some() {
        spawn_mail_worker(pool.clone(), config.mail.clone(), Arc::clone(&stop))?;
    }
    let grace = Duration::from_secs(config.server.shutdown_timeout_secs);
    let served = actix_web::rt::System::new().block_on(async move {
        let server = server.run();
        let handle = server.handle();
        actix_web::rt::spawn(async move {
            let signal = stop_signal().await;
            drain.start();
            tracing::info!(
                signal,
                in_flight = drain.in_flight(),
                "stopping: new uploads are refused (503), requests in flight finish"
            );
            let until = std::time::Instant::now() + grace;
            while drain.in_flight() > 0 && std::time::Instant::now() < until {
                actix_web::rt::time::sleep(Duration::from_millis(20)).await;
            }
            if drain.in_flight() > 0 {
                tracing::warn!(
                    in_flight = drain.in_flight(),
                    "stopping with requests still in flight (server.shutdown_timeout_secs)"
                );
            }
            handle.stop(true).await;
        });
        server.await
    });
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

/// The mail worker: runs the day's deadline sweep (once a day, whichever
/// process claims the day) and sends due mails from the outbox until `stop`.
/// A failing mail server only delays mail: every failure is recorded on the
/// mail and retried.
fn spawn_mail_worker(pool: Pool, mail: crate::config::Mail, stop: Arc<AtomicBool>) -> anyhow::Result<()> {
    let Some(transport) = mail.transport.clone() else { return Ok(()) };
    let name = worker_name();
    tracing::info!(worker = %name, transport = ?transport, "mail worker started");
    std::thread::Builder::new()
        .name("mail-worker".into())
        .spawn(move || {
            let mut swept: Option<chrono::NaiveDate> = None;
            while !stop.load(Ordering::Relaxed) {
                let today = hyoka_model::time::now().with_timezone(&hyoka_model::time::JST).date_naive();
                if swept != Some(today) {
                    match pool.get().map_err(|e| e.to_string()).and_then(|mut c| {
                        hyoka_service::mail::sweep_today(&mut c, &name, &mail.settings).map_err(|e| e.to_string())
                    }) {
                        Ok(queued) => {
                            if let Some(n) = queued {
                                tracing::info!(queued = n, "deadline reminders swept");
                            }
                            swept = Some(today);
                        }
                        Err(error) => tracing::warn!(%error, "mail worker: the deadline sweep failed; tried again"),
                    }
                }
                let turn = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
                    hyoka_service::mail::work_once(&pool, &name, &transport, &mail.settings)
                }));
                let idle = match turn {
                    Ok(Ok(hyoka_service::mail::Sent::Idle)) => true,
                    Ok(Ok(hyoka_service::mail::Sent::Failed(..))) => true,
                    Ok(Ok(_)) => false,
                    Ok(Err(e)) => {
                        tracing::warn!(error = %e, "mail worker: no mail claimed");
                        true
                    }
                    Err(_) => {
                        tracing::error!("mail worker: a send panicked");
                        true
                    }
                };
                if idle {
                    let until = std::time::Instant::now() + mail.poll;
                    while !stop.load(Ordering::Relaxed) && std::time::Instant::now() < until {
                        std::thread::sleep(Duration::from_millis(100));
                    }
                }
            }
        })
        .context("cannot start the mail worker")?;
    Ok(())
}

/// Waits for SIGTERM or SIGINT (Ctrl-C); names the one that came.
async fn stop_signal() -> &'static str {
    use tokio::signal::unix::{SignalKind, signal};
    match (signal(SignalKind::terminate()), signal(SignalKind::interrupt())) {
        (Ok(mut term), Ok(mut int)) => tokio::select! {
            _ = term.recv() => "SIGTERM",
            _ = int.recv() => "SIGINT",
        },
        _ => {
            tracing::warn!("cannot listen for SIGTERM; stopping on Ctrl-C only");
            let _ = tokio::signal::ctrl_c().await;
            "SIGINT"
        }
    }
}
