//! The group analysis as database jobs, on SQLite and PostgreSQL: an upload
//! queues one debounced run of its year that a worker runs (flags appear);
//! two workers never claim the same run; a stale claim is taken over; a
//! failing run is recorded, retried with backoff and given up visibly.

use std::collections::BTreeSet;
use std::path::PathBuf;
use std::sync::{Arc, Barrier};

use hyoka_ingest::Limits;
use hyoka_model::both_backends;
use hyoka_model::db::jobs::{self, ClaimPolicy, Failure, JobState, Trigger};
use hyoka_model::db::testing::TestDb;
use hyoka_model::db::testing::company;
use hyoka_model::db::{DbConn, Pool, analysis, write_tx};
use hyoka_model::domain::FiscalYear;
use hyoka_model::workflow::Actor;
use hyoka_service::jobs::{Worked, WorkerSettings, work_once, work_once_with};
use hyoka_service::sheets::{ImportOptions, store_bytes};
use hyoka_service::{Pipeline, ServiceError};

const FRAMEWORK: &str = "jama-japia-2.3";

fn ok<T, E: std::fmt::Display>(r: Result<T, E>) -> T {
    r.unwrap_or_else(|e| panic!("{e}"))
}

fn fy(y: i32) -> FiscalYear {
    ok(FiscalYear::new(y))
}

fn fixture(name: &str) -> Vec<u8> {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../tests/fixtures").join(name);
    std::fs::read(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

fn pool(db: &TestDb) -> Pool {
    ok(hyoka_model::db::pool(&db.url, 6))
}

fn settings(quiet_secs: i64, max_attempts: i32, backoff_secs: i64) -> WorkerSettings {
    WorkerSettings {
        policy: ClaimPolicy {
            quiet: chrono::Duration::seconds(quiet_secs),
            longest_wait: chrono::Duration::seconds(quiet_secs.max(0) * 10),
            stale_after: chrono::Duration::hours(1),
            max_attempts,
        },
        backoff: chrono::Duration::seconds(backoff_secs),
        heartbeat: std::time::Duration::from_millis(200),
    }
}

/// The same sheet (the CSV fixture) uploaded for a company, as the API does.
fn upload(c: &mut DbConn, code: &str) {
    let pipeline = ok(Pipeline::load(c, Limits::default()));
    let options = ImportOptions {
        company: Some(code.into()),
        fiscal_year: Some(fy(2025)),
        enqueue_analysis: true,
        ..ImportOptions::default()
    };
    ok(store_bytes(c, &pipeline, Actor::System, "sheet.csv", &fixture("utf8_bom.csv"), &options));
}

fn uploads_queue_one_debounced_run_that_a_worker_runs(db: &TestDb) {
    let mut c = db.conn();
    let pool = pool(db);
    company(&mut c, "J-1", "第一部品株式会社");
    company(&mut c, "J-2", "第二部品株式会社");
    upload(&mut c, "J-1");
    upload(&mut c, "J-2");
    // Two uploads of one year: one queued run, asked for by an upload.
    let queued = ok(jobs::list(&mut c, Some(fy(2025)), 10));
    assert_eq!(queued.len(), 1, "{queued:?}");
    assert_eq!((queued[0].state, queued[0].trigger, queued[0].attempts), (JobState::Queued, Trigger::Upload, 0));
    assert!(queued[0].requested_at > queued[0].created_at, "the second upload joined it and moved it on");
    // Within the quiet period nobody claims it.
    assert!(matches!(ok(work_once(&pool, "w1", &settings(3600, 3, 1))), Worked::Idle));
    // After it, a worker runs it: the copied evidence of the two sheets is flagged.
    let Worked::Done { job, outcome } = ok(work_once(&pool, "w1", &settings(0, 3, 1))) else {
        panic!("the run was due")
    };
    assert_eq!(job.id, queued[0].id);
    assert_eq!(outcome.sheets, 2);
    assert!(outcome.stored > 0, "copied evidence across two companies raises group flags: {outcome:?}");
    let done = ok(jobs::get(&mut c, job.id));
    assert_eq!(done.state, JobState::Done);
    assert_eq!(
        (done.run_id, done.sheets, done.new_flags),
        (Some(outcome.run_id), Some(2), Some(outcome.stored as i32))
    );
    assert!(done.finished_at.is_some() && done.error.is_none() && done.claimed_by.as_deref() == Some("w1"));
    assert_eq!(ok(analysis::flags_of_run(&mut c, outcome.run_id)).len(), outcome.stored);
    // Nothing else is due; the same file again stores nothing and asks for nothing.
    assert!(matches!(ok(work_once(&pool, "w1", &settings(0, 3, 1))), Worked::Idle));
    upload(&mut c, "J-1");
    assert_eq!(ok(jobs::list(&mut c, None, 10)).len(), 1);
}

fn two_workers_never_claim_the_same_run_and_a_stale_claim_is_taken_over(db: &TestDb) {
    let mut c = db.conn();
    let years: Vec<i32> = (2011..2019).collect();
    for y in &years {
        ok(write_tx(&mut c, |c| jobs::enqueue_in_tx(c, FRAMEWORK, fy(*y), Trigger::Manual, None)));
    }
    let pool = pool(db);
    let policy = settings(0, 3, 1).policy;
    let start = Arc::new(Barrier::new(4));
    let handles: Vec<_> = (0..4)
        .map(|w| {
            let (pool, start) = (pool.clone(), Arc::clone(&start));
            std::thread::spawn(move || {
                let mut conn = ok(pool.get());
                let name = format!("worker-{w}");
                start.wait();
                let mut mine = Vec::new();
                while let Some(job) = ok(jobs::claim(&mut conn, &name, &policy)) {
                    assert_eq!(job.claimed_by.as_deref(), Some(name.as_str()));
                    mine.push(job.id);
                }
                mine
            })
        })
        .collect();
    let claimed: Vec<i64> =
        handles.into_iter().flat_map(|h| h.join().unwrap_or_else(|_| panic!("a worker panicked"))).collect();
    let distinct: BTreeSet<i64> = claimed.iter().copied().collect();
    assert_eq!(claimed.len(), years.len(), "every run claimed once: {claimed:?}");
    assert_eq!(distinct.len(), years.len(), "no run claimed twice: {claimed:?}");
    // A live claim is left alone; a stale one is taken over, and the first
    // worker's claim no longer holds.
    let owners: std::collections::BTreeMap<i64, String> =
        ok(jobs::list(&mut c, None, 100)).into_iter().map(|j| (j.id, j.claimed_by.unwrap_or_default())).collect();
    assert!(ok(jobs::claim(&mut c, "late", &policy)).is_none());
    let stale = ClaimPolicy { stale_after: chrono::Duration::zero(), ..policy };
    std::thread::sleep(std::time::Duration::from_millis(5));
    let taken = ok(jobs::claim(&mut c, "late", &stale)).unwrap_or_else(|| panic!("a stale run is taken over"));
    assert_eq!(taken.attempts, 2);
    assert_eq!(ok(jobs::get(&mut c, taken.id)).claimed_by.as_deref(), Some("late"));
    let old_owner = owners[&taken.id].clone();
    assert!(old_owner.starts_with("worker-"), "{owners:?}");
    assert!(!ok(jobs::heartbeat(&mut c, taken.id, &old_owner)));
    let done = jobs::Finished { run_id: 0, sheets: 0, new_flags: 0 };
    assert!(!ok(write_tx(&mut c, |c| jobs::finish_in_tx(c, taken.id, &old_owner, done))));
}

/// A stale run of a year and a queued run of the same year, claimed by two
/// workers at once: one takes the stale run over, the other gets nothing
/// (the queued run waits for the live one), never both runs of one year.
fn a_stale_takeover_and_a_queued_run_of_its_year_never_run_together(db: &TestDb) {
    use diesel::prelude::*;
    use hyoka_model::db::schema::analysis_jobs;
    let mut c = db.conn();
    let pool = pool(db);
    let policy = settings(0, 100, 1).policy;
    for round in 0..12 {
        let year = fy(2030 + round);
        let first = ok(write_tx(&mut c, |c| jobs::enqueue_in_tx(c, FRAMEWORK, year, Trigger::Manual, None)));
        let taken = ok(jobs::claim(&mut c, "gone", &policy)).unwrap_or_else(|| panic!("the first run is due"));
        assert_eq!(taken.id, first);
        // Its worker stopped beating two hours ago; meanwhile a second run was asked for.
        let ago = hyoka_model::time::now().naive_utc() - chrono::Duration::hours(2);
        ok(diesel::update(analysis_jobs::table.find(first)).set(analysis_jobs::heartbeat_at.eq(ago)).execute(&mut c));
        let second = ok(write_tx(&mut c, |c| jobs::enqueue_in_tx(c, FRAMEWORK, year, Trigger::Manual, None)));
        assert_ne!(second, first);
        let start = Arc::new(Barrier::new(2));
        let handles: Vec<_> = ["a", "b"]
            .into_iter()
            .map(|name| {
                let (pool, start) = (pool.clone(), Arc::clone(&start));
                std::thread::spawn(move || {
                    let mut conn = ok(pool.get());
                    start.wait();
                    ok(jobs::claim(&mut conn, name, &policy)).map(|j| j.id)
                })
            })
            .collect();
        let got: Vec<i64> =
            handles.into_iter().filter_map(|h| h.join().unwrap_or_else(|_| panic!("a worker panicked"))).collect();
        assert_eq!(got, vec![first], "round {round}: only the stale run is taken over, the queued one waits: {got:?}");
        // Earlier rounds' runs stay: the taken-over one is live again and
        // keeps its year's queued run waiting; other years are not blocked.
    }
}

fn a_failing_run_is_recorded_retried_and_given_up_visibly(db: &TestDb) {
    let mut c = db.conn();
    let pool = pool(db);
    company(&mut c, "F-1", "失敗部品株式会社");
    upload(&mut c, "F-1");
    let boom = |_: &mut DbConn, _: &jobs::Job, _: &str| -> Result<_, ServiceError> {
        Err(ServiceError::Invalid("boom: the analysis failed".into()))
    };
    // First failure: recorded, queued again after the backoff.
    let Worked::Failed { job, error, failure } = ok(work_once_with(&pool, "w1", &settings(0, 2, 3600), boom)) else {
        panic!("the run was due")
    };
    assert!(error.contains("boom"), "{error}");
    assert!(matches!(failure, Failure::Retry(_)), "{failure:?}");
    let j = ok(jobs::get(&mut c, job.id));
    assert_eq!((j.state, j.attempts), (JobState::Queued, 1));
    assert!(j.error.as_deref().is_some_and(|e| e.contains("boom")), "{j:?}");
    assert!(j.claimed_by.is_none() && j.run_after > j.requested_at);
    // Not before its backoff.
    assert!(matches!(ok(work_once(&pool, "w1", &settings(0, 2, 3600))), Worked::Idle));
    // A retry that succeeds clears the error.
    let rewind = |c: &mut DbConn| {
        use diesel::prelude::*;
        use hyoka_model::db::schema::analysis_jobs;
        let past = hyoka_model::time::now().naive_utc() - chrono::Duration::seconds(1);
        ok(diesel::update(analysis_jobs::table.find(job.id)).set(analysis_jobs::run_after.eq(past)).execute(c));
    };
    rewind(&mut c);
    let Worked::Done { outcome, .. } = ok(work_once(&pool, "w2", &settings(0, 2, 3600))) else {
        panic!("the retry was due")
    };
    let j = ok(jobs::get(&mut c, job.id));
    assert_eq!((j.state, j.attempts, j.error.as_deref(), j.run_id), (JobState::Done, 2, None, Some(outcome.run_id)));

    // A run that fails every attempt ends failed, with its error: never dropped.
    let id = ok(write_tx(&mut c, |c| jobs::enqueue_in_tx(c, FRAMEWORK, fy(2025), Trigger::Manual, None)));
    assert!(matches!(ok(work_once_with(&pool, "w1", &settings(0, 2, 0), boom)), Worked::Failed { .. }));
    let Worked::Failed { failure, .. } = ok(work_once_with(&pool, "w1", &settings(0, 2, 0), boom)) else {
        panic!("the retry was due")
    };
    assert_eq!(failure, Failure::GivenUp);
    let j = ok(jobs::get(&mut c, id));
    assert_eq!((j.state, j.attempts), (JobState::Failed, 2));
    assert!(j.error.as_deref().is_some_and(|e| e.contains("boom")) && j.finished_at.is_some(), "{j:?}");
    assert!(matches!(ok(work_once(&pool, "w1", &settings(0, 2, 0))), Worked::Idle));
}

both_backends!(
    uploads_queue_one_debounced_run_that_a_worker_runs,
    two_workers_never_claim_the_same_run_and_a_stale_claim_is_taken_over,
    a_stale_takeover_and_a_queued_run_of_its_year_never_run_together,
    a_failing_run_is_recorded_retried_and_given_up_visibly,
);
