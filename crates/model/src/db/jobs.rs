//! Group-analysis jobs (`analysis_jobs`): runs of the group rules asked for
//! by an upload or a reviewer, or recorded by `hyoka import`, claimed by the
//! workers of every `hyoka serve` process through the database.
//!
//! - [`enqueue_in_tx`]: in the transaction of the event (an accepted upload,
//!   a reviewer's request). Debounced: at most one queued job per framework
//!   and fiscal year (a partial unique index); a request while one waits
//!   joins it and moves its `requested_at` on.
//! - [`claim`]: one due job, atomically (SQLite: one `UPDATE … WHERE id =
//!   (SELECT …) RETURNING` inside `BEGIN IMMEDIATE`; PostgreSQL: the same with
//!   `FOR UPDATE SKIP LOCKED`), so two workers never claim the same job. An
//!   upload job is due once no upload has joined it for the quiet period (or
//!   it has waited the longest wait); a manual job at once; a job whose
//!   worker stopped beating its heart is taken over; a job never runs while
//!   a live one of the same year runs.
//! - [`heartbeat`], [`finish_in_tx`] (in the run's own transaction, only if
//!   the claim still holds), [`fail`] (retried with backoff up to the
//!   attempts allowed, then `failed`; never dropped).

use chrono::{Duration, NaiveDateTime};
use diesel::prelude::*;
use diesel::sql_types::{BigInt, Text, Timestamp};

use super::conn::IdRow;
use super::schema::analysis_jobs;
use super::{DbConn, DbError};
use crate::domain::FiscalYear;

/// What asked for a run.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Trigger {
    /// `hyoka import` (recorded when it ran the analysis itself).
    Import,
    /// An accepted upload (API or web UI).
    Upload,
    /// A reviewer or admin (`POST /api/v1/analysis/runs`).
    Manual,
}

impl Trigger {
    /// The stored code.
    pub fn code(self) -> &'static str {
        match self {
            Trigger::Import => "import",
            Trigger::Upload => "upload",
            Trigger::Manual => "manual",
        }
    }

    fn parse(s: &str) -> Result<Trigger, DbError> {
        Ok(match s {
            "import" => Trigger::Import,
            "upload" => Trigger::Upload,
            "manual" => Trigger::Manual,
            other => return Err(DbError::Invalid(format!("unknown analysis trigger {other:?}"))),
        })
    }
}

/// Where a job stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum JobState {
    /// Waiting (its quiet period, its backoff, or a worker).
    Queued,
    /// Claimed by a worker.
    Running,
    /// Finished; its run is recorded.
    Done,
    /// Given up after the attempts allowed (or joined by a newer queued job);
    /// `error` says why.
    Failed,
}

impl JobState {
    /// The stored code.
    pub fn code(self) -> &'static str {
        match self {
            JobState::Queued => "queued",
            JobState::Running => "running",
            JobState::Done => "done",
            JobState::Failed => "failed",
        }
    }

    fn parse(s: &str) -> Result<JobState, DbError> {
        Ok(match s {
            "queued" => JobState::Queued,
            "running" => JobState::Running,
            "done" => JobState::Done,
            "failed" => JobState::Failed,
            other => return Err(DbError::Invalid(format!("unknown analysis job state {other:?}"))),
        })
    }
}

type JobRow = (
    i64,
    String,
    i32,
    String,
    String,
    i32,
    Option<i64>,
    NaiveDateTime,
    NaiveDateTime,
    NaiveDateTime,
    Option<String>,
    Option<NaiveDateTime>,
    Option<NaiveDateTime>,
    Option<NaiveDateTime>,
    Option<NaiveDateTime>,
    Option<String>,
    Option<i64>,
    Option<i32>,
    Option<i32>,
);

/// A job as stored (times UTC).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Job {
    /// Id.
    pub id: i64,
    /// Framework.
    pub framework_id: String,
    /// Fiscal year.
    pub fiscal_year: FiscalYear,
    /// What asked for it (the first request, when several joined).
    pub trigger: Trigger,
    /// Where it stands.
    pub state: JobState,
    /// Times a worker claimed it.
    pub attempts: i32,
    /// The user who asked (manual runs).
    pub requested_by: Option<i64>,
    /// First asked for.
    pub created_at: NaiveDateTime,
    /// Last asked for (the quiet period counts from here).
    pub requested_at: NaiveDateTime,
    /// Not before (the backoff after a failure).
    pub run_after: NaiveDateTime,
    /// The worker that claimed it last.
    pub claimed_by: Option<String>,
    /// When it was claimed last.
    pub claimed_at: Option<NaiveDateTime>,
    /// The claiming worker's last sign of life.
    pub heartbeat_at: Option<NaiveDateTime>,
    /// When the last attempt started.
    pub started_at: Option<NaiveDateTime>,
    /// When it finished or was given up.
    pub finished_at: Option<NaiveDateTime>,
    /// The last failure, in the worker's words.
    pub error: Option<String>,
    /// The recorded run (`analysis_runs`) once done.
    pub run_id: Option<i64>,
    /// Sheets analysed.
    pub sheets: Option<i32>,
    /// Flags the run stored.
    pub new_flags: Option<i32>,
}

fn from_row(r: JobRow) -> Result<Job, DbError> {
    Ok(Job {
        id: r.0,
        framework_id: r.1,
        fiscal_year: FiscalYear::new(r.2)?,
        trigger: Trigger::parse(&r.3)?,
        state: JobState::parse(&r.4)?,
        attempts: r.5,
        requested_by: r.6,
        created_at: r.7,
        requested_at: r.8,
        run_after: r.9,
        claimed_by: r.10,
        claimed_at: r.11,
        heartbeat_at: r.12,
        started_at: r.13,
        finished_at: r.14,
        error: r.15,
        run_id: r.16,
        sheets: r.17,
        new_flags: r.18,
    })
}

/// A job by id.
pub fn get(conn: &mut DbConn, id: i64) -> Result<Job, DbError> {
    from_row(super::found(analysis_jobs::table.find(id).first::<JobRow>(conn), || format!("analysis run {id}"))?)
}

/// Jobs, newest first, of one fiscal year or all; at most `limit`.
pub fn list(conn: &mut DbConn, year: Option<FiscalYear>, limit: i64) -> Result<Vec<Job>, DbError> {
    let mut q = analysis_jobs::table.into_boxed();
    if let Some(y) = year {
        q = q.filter(analysis_jobs::fiscal_year.eq(y.get()));
    }
    q.order(analysis_jobs::id.desc()).limit(limit).load::<JobRow>(conn)?.into_iter().map(from_row).collect()
}

/// Asks for a run of `framework` and `year`, in the caller's write
/// transaction. Joins the queued job of that year if there is one (its
/// `requested_at` moves to now, so the quiet period starts again; a manual
/// request makes it manual, so it runs at once), else queues a new one.
/// Returns the queued job's id.
pub fn enqueue_in_tx(
    conn: &mut DbConn,
    framework: &str,
    year: FiscalYear,
    trigger: Trigger,
    requested_by: Option<i64>,
) -> Result<i64, DbError> {
    let now = crate::time::now().naive_utc();
    // A new queued job, unless one is queued already (the partial unique
    // index); under concurrent uploads on PostgreSQL the second insert waits
    // for the first and then does nothing.
    let insert = "INSERT INTO analysis_jobs (framework_id, fiscal_year, kind, state, attempts, requested_by, \
                  created_at, requested_at, run_after) VALUES ($1, $2, $3, 'queued', 0, $4, $5, $5, $5) \
                  ON CONFLICT (framework_id, fiscal_year) WHERE state = 'queued' DO NOTHING RETURNING id";
    let inserted: Vec<IdRow> = match conn {
        DbConn::Pg(c) => diesel::sql_query(insert)
            .bind::<Text, _>(framework)
            .bind::<diesel::sql_types::Integer, _>(year.get())
            .bind::<Text, _>(trigger.code())
            .bind::<diesel::sql_types::Nullable<BigInt>, _>(requested_by)
            .bind::<Timestamp, _>(now)
            .load(c)?,
        DbConn::Sqlite(c) => diesel::sql_query(insert.replace('$', "?"))
            .bind::<Text, _>(framework)
            .bind::<diesel::sql_types::Integer, _>(year.get())
            .bind::<Text, _>(trigger.code())
            .bind::<diesel::sql_types::Nullable<BigInt>, _>(requested_by)
            .bind::<Timestamp, _>(now)
            .load(c)?,
    };
    if let Some(row) = inserted.first() {
        return Ok(row.id);
    }
    let queued = analysis_jobs::table
        .filter(analysis_jobs::framework_id.eq(framework))
        .filter(analysis_jobs::fiscal_year.eq(year.get()))
        .filter(analysis_jobs::state.eq(JobState::Queued.code()));
    let id: i64 = queued.select(analysis_jobs::id).first(conn)?;
    diesel::update(analysis_jobs::table.find(id)).set(analysis_jobs::requested_at.eq(now)).execute(conn)?;
    if trigger == Trigger::Manual {
        diesel::update(analysis_jobs::table.find(id))
            .set((analysis_jobs::kind.eq(Trigger::Manual.code()), analysis_jobs::requested_by.eq(requested_by)))
            .execute(conn)?;
    }
    Ok(id)
}

/// How a worker claims.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ClaimPolicy {
    /// An upload job waits until no upload has joined it for this long.
    pub quiet: Duration,
    /// … but never longer than this after it was first queued.
    pub longest_wait: Duration,
    /// A running job whose heartbeat is older than this is taken over.
    pub stale_after: Duration,
    /// Attempts allowed; a stale job that used them all is given up.
    pub max_attempts: i32,
}

/// The advisory lock key PostgreSQL claims take turns on ("hyoka-jb").
const CLAIM_LOCK: i64 = 0x6879_6f6b_612d_6a62;

/// Claims one due job for `worker`, or `None`. See the module's description.
pub fn claim(conn: &mut DbConn, worker: &str, policy: &ClaimPolicy) -> Result<Option<Job>, DbError> {
    let now = crate::time::now().naive_utc();
    let quiet_before = now - policy.quiet;
    let waited_before = now - policy.longest_wait;
    let stale_before = now - policy.stale_after;
    super::write_tx(conn, |conn| -> Result<Option<Job>, DbError> {
        // Claims take turns. SQLite's write transaction (BEGIN IMMEDIATE)
        // already does; on PostgreSQL two workers could otherwise each see
        // the other's pick as not yet made: one taking over a stale run of
        // a year while the other claims that year's queued run, which the
        // stale run no longer seemed to block. A transaction-scoped advisory
        // lock makes the second claim read after the first has committed
        // (READ COMMITTED takes its snapshot per statement). Claims are a few
        // a second at most, so the wait costs nothing.
        if let DbConn::Pg(c) = conn {
            diesel::sql_query("SELECT pg_advisory_xact_lock($1)").bind::<BigInt, _>(CLAIM_LOCK).execute(c)?;
        }
        // A worker that stopped after its last allowed attempt: given up, said so.
        diesel::update(
            analysis_jobs::table
                .filter(analysis_jobs::state.eq(JobState::Running.code()))
                .filter(analysis_jobs::heartbeat_at.lt(stale_before))
                .filter(analysis_jobs::attempts.ge(policy.max_attempts)),
        )
        .set((
            analysis_jobs::state.eq(JobState::Failed.code()),
            analysis_jobs::finished_at.eq(now),
            analysis_jobs::error.eq("the process running it stopped, and no attempt is left"),
        ))
        .execute(conn)?;
        let pick = "SELECT j.id FROM analysis_jobs j WHERE \
             (j.state = 'queued' AND j.run_after <= $2 \
               AND (j.kind = 'manual' OR j.attempts > 0 OR j.requested_at <= $3 OR j.created_at <= $4) \
               AND NOT EXISTS (SELECT 1 FROM analysis_jobs r WHERE r.framework_id = j.framework_id \
                   AND r.fiscal_year = j.fiscal_year AND r.state = 'running' AND r.heartbeat_at >= $5)) \
             OR (j.state = 'running' AND j.heartbeat_at < $5) \
             ORDER BY j.id LIMIT 1";
        let update = |lock: &str| {
            format!(
                "UPDATE analysis_jobs SET state = 'running', claimed_by = $1, claimed_at = $2, heartbeat_at = $2, \
                 started_at = $2, finished_at = NULL, attempts = attempts + 1 \
                 WHERE id = ({pick}{lock}) RETURNING id"
            )
        };
        let times = [now, quiet_before, waited_before, stale_before];
        match super::conn::claim_one(conn, update, worker, &times)? {
            Some(id) => Ok(Some(get(conn, id)?)),
            None => Ok(None),
        }
    })
}

/// The claiming worker is alive. `false` when the claim no longer holds
/// (another worker took the job over).
pub fn heartbeat(conn: &mut DbConn, id: i64, worker: &str) -> Result<bool, DbError> {
    let n = diesel::update(
        analysis_jobs::table
            .find(id)
            .filter(analysis_jobs::state.eq(JobState::Running.code()))
            .filter(analysis_jobs::claimed_by.eq(worker)),
    )
    .set(analysis_jobs::heartbeat_at.eq(crate::time::now().naive_utc()))
    .execute(conn)?;
    Ok(n == 1)
}

/// What a finished run reports.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Finished {
    /// The recorded run.
    pub run_id: i64,
    /// Sheets analysed.
    pub sheets: usize,
    /// Flags stored.
    pub new_flags: usize,
}

fn count(n: usize) -> i32 {
    i32::try_from(n).unwrap_or(i32::MAX)
}

/// Marks a claimed job done, in the run's own write transaction: `false`
/// (and nothing changed) when the claim no longer holds, so the caller rolls
/// the run back.
pub fn finish_in_tx(conn: &mut DbConn, id: i64, worker: &str, done: Finished) -> Result<bool, DbError> {
    let n = diesel::update(
        analysis_jobs::table
            .find(id)
            .filter(analysis_jobs::state.eq(JobState::Running.code()))
            .filter(analysis_jobs::claimed_by.eq(worker)),
    )
    .set((
        analysis_jobs::state.eq(JobState::Done.code()),
        analysis_jobs::finished_at.eq(crate::time::now().naive_utc()),
        analysis_jobs::run_id.eq(done.run_id),
        analysis_jobs::sheets.eq(count(done.sheets)),
        analysis_jobs::new_flags.eq(count(done.new_flags)),
        analysis_jobs::error.eq(None::<String>),
    ))
    .execute(conn)?;
    Ok(n == 1)
}

/// Records a run that was not queued (`hyoka import` runs the analysis
/// itself), done, in the run's own write transaction. Returns its id.
pub fn record_done_in_tx(
    conn: &mut DbConn,
    framework: &str,
    year: FiscalYear,
    trigger: Trigger,
    started_at: NaiveDateTime,
    done: Finished,
) -> Result<i64, DbError> {
    let now = crate::time::now().naive_utc();
    Ok(diesel::insert_into(analysis_jobs::table)
        .values((
            analysis_jobs::framework_id.eq(framework),
            analysis_jobs::fiscal_year.eq(year.get()),
            analysis_jobs::kind.eq(trigger.code()),
            analysis_jobs::state.eq(JobState::Done.code()),
            analysis_jobs::attempts.eq(1),
            analysis_jobs::created_at.eq(started_at),
            analysis_jobs::requested_at.eq(started_at),
            analysis_jobs::run_after.eq(started_at),
            analysis_jobs::started_at.eq(started_at),
            analysis_jobs::finished_at.eq(now),
            analysis_jobs::run_id.eq(done.run_id),
            analysis_jobs::sheets.eq(count(done.sheets)),
            analysis_jobs::new_flags.eq(count(done.new_flags)),
        ))
        .returning(analysis_jobs::id)
        .get_result(conn)?)
}

/// What became of a failed attempt.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Failure {
    /// Queued again, not before the time given.
    Retry(NaiveDateTime),
    /// Given up: no attempt left, or a newer queued job of the year takes over.
    GivenUp,
    /// The claim no longer held; nothing changed.
    NotClaimed,
}

/// Records a failed attempt of a claimed job: queued again after
/// `backoff × 2^(attempts − 1)` (at most an hour) while attempts are left and
/// no newer job of the year is queued; failed otherwise. The error is kept.
pub fn fail(
    conn: &mut DbConn,
    id: i64,
    worker: &str,
    error: &str,
    max_attempts: i32,
    backoff: Duration,
) -> Result<Failure, DbError> {
    let error: String = error.chars().take(2000).collect();
    super::write_tx(conn, |conn| -> Result<Failure, DbError> {
        let job = get(conn, id)?;
        if job.state != JobState::Running || job.claimed_by.as_deref() != Some(worker) {
            return Ok(Failure::NotClaimed);
        }
        let now = crate::time::now().naive_utc();
        let newer: Option<i64> = analysis_jobs::table
            .filter(analysis_jobs::framework_id.eq(&job.framework_id))
            .filter(analysis_jobs::fiscal_year.eq(job.fiscal_year.get()))
            .filter(analysis_jobs::state.eq(JobState::Queued.code()))
            .select(analysis_jobs::id)
            .first(conn)
            .optional()?;
        if job.attempts >= max_attempts || newer.is_some() {
            let why = match newer {
                Some(n) if job.attempts < max_attempts => format!("{error} (run {n}, queued since, takes over)"),
                _ => error,
            };
            diesel::update(analysis_jobs::table.find(id))
                .set((
                    analysis_jobs::state.eq(JobState::Failed.code()),
                    analysis_jobs::finished_at.eq(now),
                    analysis_jobs::error.eq(why),
                ))
                .execute(conn)?;
            return Ok(Failure::GivenUp);
        }
        let exp = u32::try_from(job.attempts.saturating_sub(1)).unwrap_or(0).min(12);
        let wait = (backoff * 2i32.pow(exp)).min(Duration::hours(1));
        let after = now + wait;
        diesel::update(analysis_jobs::table.find(id))
            .set((
                analysis_jobs::state.eq(JobState::Queued.code()),
                analysis_jobs::run_after.eq(after),
                analysis_jobs::claimed_by.eq(None::<String>),
                analysis_jobs::heartbeat_at.eq(None::<NaiveDateTime>),
                analysis_jobs::error.eq(error),
            ))
            .execute(conn)?;
        Ok(Failure::Retry(after))
    })
}
