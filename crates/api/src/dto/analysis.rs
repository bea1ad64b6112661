//! Runs of the group analysis (`/api/v1/analysis/runs`).

use hyoka_model::db::jobs::{Job, JobState, Trigger};
use hyoka_model::time::from_db;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::t;

/// A run of the group analysis of a fiscal year: asked for by an upload
/// (debounced: uploads while it waits join it), a reviewer (`manual`), or
/// recorded by `hyoka import`.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct AnalysisRunDto {
    /// Id.
    pub id: i64,
    /// Framework.
    pub framework_id: String,
    /// Fiscal year analysed.
    pub fiscal_year: i32,
    /// What asked for it: `import`, `upload` or `manual` (the first request; a manual one wins).
    pub trigger: String,
    /// `queued`, `running`, `done` or `failed` (after its last attempt; `error` says why).
    pub state: String,
    /// Times a worker took it up.
    pub attempts: i32,
    /// The last failure, if any (cleared once a retry succeeds).
    pub error: Option<String>,
    /// First asked for (+09:00).
    pub requested_at: String,
    /// Not before (+09:00): the quiet period after the last upload, or the backoff after a failure.
    pub run_after: String,
    /// The worker (host:pid:start) that took it up last.
    pub claimed_by: Option<String>,
    /// When the last attempt started (+09:00).
    pub started_at: Option<String>,
    /// When it finished or was given up (+09:00).
    pub finished_at: Option<String>,
    /// Sheets analysed (done).
    pub sheets: Option<i32>,
    /// Flags the run stored (done).
    pub new_flags: Option<i32>,
}

fn state(s: JobState) -> &'static str {
    s.code()
}

fn trigger(k: Trigger) -> &'static str {
    k.code()
}

impl From<&Job> for AnalysisRunDto {
    fn from(j: &Job) -> Self {
        let at = |n: chrono::NaiveDateTime| t(from_db(n));
        AnalysisRunDto {
            id: j.id,
            framework_id: j.framework_id.clone(),
            fiscal_year: j.fiscal_year.get(),
            trigger: trigger(j.trigger).to_owned(),
            state: state(j.state).to_owned(),
            attempts: j.attempts,
            error: j.error.clone(),
            requested_at: at(j.created_at),
            run_after: at(j.run_after),
            claimed_by: j.claimed_by.clone(),
            started_at: j.started_at.map(at),
            finished_at: j.finished_at.map(at),
            sheets: j.sheets,
            new_flags: j.new_flags,
        }
    }
}

/// Ask for a run of the group analysis of a fiscal year.
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AnalysisRunRequest {
    /// Fiscal year to analyse.
    pub fiscal_year: i32,
}
