//! The review workflow's use cases: decide a flag, move a sheet through the
//! workflow, release flags. Each is one transaction (see
//! [`hyoka_model::db::writes`]); the caller's role and company are checked
//! there and in the state table.

use hyoka_model::db::audit::{self, Change};
use hyoka_model::db::flags::{self, Review};
use hyoka_model::db::review::Release;
use hyoka_model::db::submissions::{self, Submission};
use hyoka_model::db::{DbConn, DbError, review, summaries, write_tx, writes};
use hyoka_model::domain::{Decision, Severity};
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

/// Moves a sheet through the workflow (start review, return, accept…); the
/// dashboards follow. Accepting goes through [`accept`] with no choice made
/// about open flags, so a sheet with undecided medium-or-higher flags is not
/// accepted without a word.
pub fn transition(
    conn: &mut DbConn,
    actor: Actor,
    submission_id: i64,
    action: Action,
    message: Option<&str>,
) -> Result<Submission, ServiceError> {
    if action == Action::Accept {
        return accept(conn, actor, submission_id, None);
    }
    if action == Action::Return {
        // The subsidiary's users are told, in the return's transaction.
        return Ok(write_tx(conn, |conn| -> Result<Submission, DbError> {
            let sub = submissions::get(conn, submission_id)?;
            let after = submissions::transition_in_tx(conn, actor, &sub, action, message)?;
            summaries::refresh_in_tx(conn, after.company_id, after.fiscal_year)?;
            crate::notify::returned_in_tx(conn, &after, message)?;
            Ok(after)
        })?);
    }
    Ok(writes::transition(conn, actor, submission_id, action, message)?)
}

/// What to do, when accepting a sheet, with its flags of medium severity or
/// above that nobody has decided yet.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum OpenFlags {
    /// Dismiss each with this comment (recorded as the reviewer's decision).
    Dismiss {
        /// Why (required).
        comment: String,
    },
    /// Accept the sheet and leave them undecided.
    Keep,
}

/// The flags of medium severity or above on a sheet that have no decision.
pub fn open_flags(conn: &mut DbConn, submission_id: i64) -> Result<Vec<i64>, ServiceError> {
    let latest = flags::latest_reviews(conn, submission_id)?;
    Ok(flags::of_submission(conn, submission_id)?
        .into_iter()
        .filter(|f| f.flag.severity >= Severity::Medium && !latest.contains_key(&f.id))
        .map(|f| f.id)
        .collect())
}

/// Accepts a sheet (in review → accepted). With undecided flags of medium
/// severity or above and no `choice`, nothing happens:
/// [`ServiceError::OpenFlags`] says how many. With a choice, it is carried
/// out and audited in the same transaction as the move.
pub fn accept(
    conn: &mut DbConn,
    actor: Actor,
    submission_id: i64,
    choice: Option<OpenFlags>,
) -> Result<Submission, ServiceError> {
    if let Some(OpenFlags::Dismiss { comment }) = &choice
        && comment.trim().is_empty()
    {
        return Err(ServiceError::Invalid(
            "dismissing the open flags needs a comment / 未判定の指摘を却下するにはコメントが必要です".into(),
        ));
    }
    write_tx(conn, |conn| -> Result<Submission, ServiceError> {
        let sub = submissions::get(conn, submission_id)?;
        let open = open_flags(conn, submission_id)?;
        match (&choice, open.len()) {
            (_, 0) => {}
            (None, count) => return Err(ServiceError::OpenFlags { count }),
            (Some(OpenFlags::Dismiss { comment }), count) => {
                for id in &open {
                    flags::decide_in_tx(conn, actor, *id, Decision::Dismissed, comment)?;
                }
                audit_choice(conn, actor, &sub, "dismiss", count)?;
            }
            (Some(OpenFlags::Keep), count) => audit_choice(conn, actor, &sub, "keep", count)?,
        }
        let after = submissions::transition_in_tx(conn, actor, &sub, Action::Accept, None)?;
        summaries::refresh_in_tx(conn, after.company_id, after.fiscal_year)?;
        // Accepting shows the subsidiary its findings: its users are told,
        // once (the same mail as an explicit release, by its dedupe key).
        crate::notify::released_in_tx(conn, &after)?;
        Ok(after)
    })
}

fn audit_choice(conn: &mut DbConn, actor: Actor, sub: &Submission, choice: &str, count: usize) -> Result<(), DbError> {
    let change = Change {
        entity: "submission",
        entity_id: Some(sub.id.to_string()),
        before: None,
        after: Some(serde_json::json!({ "open_flags": choice, "count": count })),
    };
    audit::append(conn, actor, "submission.accept_open_flags", change).map(|_| ())
}

/// Releases a sheet's flags to its subsidiary; its users are told (once, in
/// the release's transaction).
pub fn release_flags(conn: &mut DbConn, actor: Actor, submission_id: i64) -> Result<Release, ServiceError> {
    Ok(write_tx(conn, |conn| -> Result<Release, DbError> {
        let (release, new) = review::release_flags_in_tx(conn, actor, submission_id)?;
        if new {
            let sub = submissions::get(conn, submission_id)?;
            crate::notify::released_in_tx(conn, &sub)?;
        }
        Ok(release)
    })?)
}
