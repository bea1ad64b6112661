//! The group analysis as database jobs: asked for by uploads (debounced) and
//! reviewers, run by the worker inside every `hyoka serve` process.
//!
//! [`request`] and [`runs`] are the use cases of the API; [`work_once`] is
//! one turn of a worker: claim a due job ([`hyoka_model::db::jobs::claim`]),
//! run [`crate::analysis`] on it while a second connection beats its heart,
//! and mark it done in the run's own transaction — or record the failure,
//! which is retried with backoff and never dropped.

use std::sync::atomic::{AtomicBool, Ordering};

use hyoka_model::db::audit::{self, Change};
use hyoka_model::db::jobs::{self, ClaimPolicy, Failure, Finished, Job, Trigger};
use hyoka_model::db::{DbConn, Pool, write_tx};
use hyoka_model::domain::FiscalYear;

use crate::ServiceError;
use crate::access::Access;
use crate::analysis::{self, Outcome};

/// How a worker works.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct WorkerSettings {
    /// Which jobs it claims.
    pub policy: ClaimPolicy,
    /// Wait before the first retry (doubled for each further one).
    pub backoff: chrono::Duration,
    /// How often a running job's heartbeat is written.
    pub heartbeat: std::time::Duration,
}

/// What one turn of a worker did.
#[derive(Debug)]
pub enum Worked {
    /// No job was due.
    Idle,
    /// A job ran and is done.
    Done {
        /// The job as claimed.
        job: Job,
        /// What the run did.
        outcome: Outcome,
    },
    /// A job ran and failed; the failure is recorded on it.
    Failed {
        /// The job as claimed.
        job: Job,
        /// Why.
        error: String,
        /// Retried or given up.
        failure: Failure,
    },
}

/// Asks for a run of the group analysis of a fiscal year now (reviewers and
/// admins): joins the queued job of that year or queues one, audited.
pub fn request(conn: &mut DbConn, access: &Access, framework: &str, year: FiscalYear) -> Result<Job, ServiceError> {
    if !access.may_run_analysis() {
        return Err(ServiceError::Forbidden(
            "only reviewers and admins ask for an analysis run / 分析の実行を依頼できるのはレビュー担当者と管理者です"
                .into(),
        ));
    }
    hyoka_model::db::catalog::load(conn, framework)?;
    let actor = access.actor();
    let id = write_tx(conn, |conn| -> Result<i64, ServiceError> {
        let id = jobs::enqueue_in_tx(conn, framework, year, Trigger::Manual, actor.user_id())?;
        let after = serde_json::json!({ "framework_id": framework, "fiscal_year": year.get(), "trigger": "manual" });
        audit::append(conn, actor, "analysis.request", Change::created("analysis_run", id, &after))?;
        Ok(id)
    })?;
    Ok(jobs::get(conn, id)?)
}

/// The runs of a fiscal year (or all), newest first, for those who see the
/// whole group.
pub fn runs(
    conn: &mut DbConn,
    access: &Access,
    year: Option<FiscalYear>,
    limit: i64,
) -> Result<Vec<Job>, ServiceError> {
    if !access.sees_group() {
        return Err(ServiceError::Forbidden(
            "analysis runs are the parent company's / 分析の実行履歴は親会社のみ参照できます".into(),
        ));
    }
    Ok(jobs::list(conn, year, limit)?)
}

/// The group analysis of a claimed job, marked done in the run's transaction
/// while the claim of `worker` holds (else the run is rolled back).
pub fn run_analysis(conn: &mut DbConn, job: &Job, worker: &str) -> Result<Outcome, ServiceError> {
    let detector = crate::pipeline::stored_detector(conn)?;
    analysis::analyze_then(conn, &detector, &job.framework_id, job.fiscal_year, |conn, o| {
        let done = Finished { run_id: o.run_id, sheets: o.sheets, new_flags: o.stored };
        if jobs::finish_in_tx(conn, job.id, worker, done)? {
            Ok(())
        } else {
            Err(ServiceError::Workflow {
                code: "conflict",
                message: format!(
                    "analysis run {} was taken over by another worker / 分析 {} は別のワーカーが引き継ぎました",
                    job.id, job.id
                ),
            })
        }
    })
}

/// One turn of a worker: the group analysis of one due job.
pub fn work_once(pool: &Pool, worker: &str, settings: &WorkerSettings) -> Result<Worked, ServiceError> {
    work_once_with(pool, worker, settings, run_analysis)
}

/// [`work_once`] with another way to run a job (tests use it to fail one);
/// `run` must mark the job done itself (as [`run_analysis`] does).
pub fn work_once_with(
    pool: &Pool,
    worker: &str,
    settings: &WorkerSettings,
    run: impl FnOnce(&mut DbConn, &Job, &str) -> Result<Outcome, ServiceError>,
) -> Result<Worked, ServiceError> {
    let mut conn = pool.get().map_err(|e| hyoka_model::db::DbError::Connect(e.to_string()))?;
    let Some(job) = jobs::claim(&mut conn, worker, &settings.policy)? else {
        return Ok(Worked::Idle);
    };
    tracing::info!(job = job.id, year = job.fiscal_year.get(), attempt = job.attempts, worker, "analysis run claimed");
    let stop = AtomicBool::new(false);
    let result = std::thread::scope(|scope| {
        scope.spawn(|| beat(pool, &job, worker, settings.heartbeat, &stop));
        let result = run(&mut conn, &job, worker);
        stop.store(true, Ordering::Relaxed);
        result
    });
    match result {
        Ok(outcome) => {
            tracing::info!(
                job = job.id,
                run = outcome.run_id,
                sheets = outcome.sheets,
                new_flags = outcome.stored,
                "analysis run done"
            );
            Ok(Worked::Done { job, outcome })
        }
        Err(e) => {
            let error = e.to_string();
            let failure =
                jobs::fail(&mut conn, job.id, worker, &error, settings.policy.max_attempts, settings.backoff)?;
            tracing::warn!(job = job.id, attempt = job.attempts, ?failure, error = %error, "analysis run failed");
            Ok(Worked::Failed { job, error, failure })
        }
    }
}

/// Writes the job's heartbeat every `every` until `stop`.
fn beat(pool: &Pool, job: &Job, worker: &str, every: std::time::Duration, stop: &AtomicBool) {
    let step = std::time::Duration::from_millis(50);
    let mut waited = std::time::Duration::ZERO;
    while !stop.load(Ordering::Relaxed) {
        std::thread::sleep(step);
        waited += step;
        if waited < every {
            continue;
        }
        waited = std::time::Duration::ZERO;
        match pool
            .get()
            .map_err(|e| hyoka_model::db::DbError::Connect(e.to_string()))
            .and_then(|mut c| jobs::heartbeat(&mut c, job.id, worker))
        {
            Ok(true) => {}
            Ok(false) => {
                tracing::warn!(job = job.id, worker, "analysis run claim lost");
                return;
            }
            Err(e) => tracing::warn!(job = job.id, error = %e, "analysis heartbeat not written"),
        }
    }
}
