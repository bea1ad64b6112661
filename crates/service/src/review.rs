//! The review workflow's use cases: decide a flag, move a sheet through the
//! workflow, release flags. Each is one transaction (see
//! [`hyoka_model::db::writes`]); the caller's role and company are checked
//! there and in the state table.

use hyoka_model::db::flags::Review;
use hyoka_model::db::review::Release;
use hyoka_model::db::submissions::Submission;
use hyoka_model::db::{DbConn, review, writes};
use hyoka_model::domain::Decision;
use hyoka_model::workflow::{Action, Actor};

use crate::ServiceError;

/// Records a reviewer's decision on a flag while its sheet is submitted or
/// in review; the dashboards follow.
pub fn decide(
    conn: &mut DbConn,
    actor: Actor,
    flag_id: i64,
    decision: Decision,
    comment: &str,
) -> Result<Review, ServiceError> {
    Ok(writes::decide(conn, actor, flag_id, decision, comment)?)
}

/// Moves a sheet through the workflow (start review, return, accept,
/// withdraw…); the dashboards follow.
pub fn transition(
    conn: &mut DbConn,
    actor: Actor,
    submission_id: i64,
    action: Action,
    message: Option<&str>,
) -> Result<Submission, ServiceError> {
    Ok(writes::transition(conn, actor, submission_id, action, message)?)
}

/// Releases a sheet's flags to its subsidiary.
pub fn release_flags(conn: &mut DbConn, actor: Actor, submission_id: i64) -> Result<Release, ServiceError> {
    Ok(review::release_flags(conn, actor, submission_id)?)
}
