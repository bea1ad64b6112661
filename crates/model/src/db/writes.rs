//! Every write that moves a dashboard figure, each in its own write
//! transaction that ends with exactly one summary refresh of what it touched.
//!
//! The row modules ([`submissions`], [`flags`], [`companies`],
//! [`collections`]) keep the reads and the `*_in_tx` pieces, which never
//! refresh; a caller that composes several of them in one transaction (the
//! service's upload and analysis) refreshes once at its end. Nothing else
//! calls [`summaries`]' refresh.

use std::collections::BTreeSet;

use super::collections::{self, Collection, CollectionChanges, NewCollection};
use super::companies::{self, Company, CompanyChanges, NewCompany};
use super::flags::{self, Flag, NewFlag, Review};
use super::schema::submissions as submissions_t;
use super::submissions::{self, NewSubmission, Stored, Submission};
use super::{DbConn, DbError, summaries, write_tx};
use crate::domain::Decision;
use crate::workflow::{Action, Actor, SubmissionStatus};

/// Registers a company; the group's company counts follow.
pub fn create_company(conn: &mut DbConn, actor: Actor, new: &NewCompany) -> Result<Company, DbError> {
    write_tx(conn, |conn| create_company_in_tx(conn, actor, new))
}

/// [`create_company`] inside the caller's write transaction (an upload that
/// registers its company, the demo).
pub fn create_company_in_tx(conn: &mut DbConn, actor: Actor, new: &NewCompany) -> Result<Company, DbError> {
    let company = companies::insert_in_tx(conn, actor, new)?;
    summaries::count_companies_in_tx(conn, company.target_level, 1, true)?;
    Ok(company)
}

/// Stores a sheet as a new revision, or returns the current revision when it
/// came from the identical file (no detector: the service's upload judges
/// the sheets it stores).
pub fn store_submission(conn: &mut DbConn, actor: Actor, new: &NewSubmission) -> Result<Stored, DbError> {
    write_tx(conn, |conn| {
        let stored = submissions::store_in_tx(conn, actor, new)?;
        summaries::refresh_in_tx(conn, new.company_id, new.fiscal_year)?;
        Ok(stored)
    })
}

/// Stores flags on a submission.
pub fn insert_flags(conn: &mut DbConn, submission_id: i64, new: &[NewFlag]) -> Result<Vec<Flag>, DbError> {
    write_tx(conn, |conn| {
        let stored = flags::insert_in_tx(conn, submission_id, new)?;
        summaries::refresh_submission_in_tx(conn, submission_id)?;
        Ok(stored)
    })
}

/// Records a reviewer's decision on a flag, only while its submission is
/// submitted or in review. The submission row is locked (PostgreSQL) so a
/// concurrent accept or return cannot slip in between the check and the
/// decision.
pub fn decide(
    conn: &mut DbConn,
    actor: Actor,
    flag_id: i64,
    decision: Decision,
    comment: &str,
) -> Result<Review, DbError> {
    use diesel::prelude::*;
    super::review::parent_only(actor, "decide on flags")?;
    crate::limits::check(crate::limits::Field::Comment, comment.trim())?;
    write_tx(conn, |conn| {
        let flag = flags::get(conn, flag_id)?;
        if let DbConn::Pg(pg) = conn {
            submissions_t::table.find(flag.submission_id).select(submissions_t::id).for_update().first::<i64>(pg)?;
        }
        let sub = submissions::get(conn, flag.submission_id)?;
        if !matches!(sub.status, SubmissionStatus::Submitted | SubmissionStatus::InReview) {
            return Err(DbError::Conflict(format!(
                "submission {} is {}: decisions are taken only while it is submitted or in review / \
                 提出物 {} は{}のため判定できません",
                sub.id,
                sub.status,
                sub.id,
                crate::workflow::status_ja(sub.status)
            )));
        }
        if matches!(decision, Decision::Confirmed { .. }) && comment.trim().is_empty() {
            return Err(DbError::Invalid(
                "confirming a flag needs a comment for the subsidiary / 確定にはコメントが必要です".into(),
            ));
        }
        let review = flags::decide_in_tx(conn, actor, flag_id, decision, comment)?;
        summaries::refresh_in_tx(conn, sub.company_id, sub.fiscal_year)?;
        Ok(review)
    })
}

/// Moves a submission through the workflow (see
/// [`submissions::transition_in_tx`]).
pub fn transition(
    conn: &mut DbConn,
    actor: Actor,
    submission_id: i64,
    action: Action,
    message: Option<&str>,
) -> Result<Submission, DbError> {
    write_tx(conn, |conn| {
        let sub = submissions::get(conn, submission_id)?;
        let after = submissions::transition_in_tx(conn, actor, &sub, action, message)?;
        summaries::refresh_in_tx(conn, after.company_id, after.fiscal_year)?;
        Ok(after)
    })
}

/// Updates a company; a new target level moves its target rates and the
/// group's company counts.
pub fn update_company(conn: &mut DbConn, actor: Actor, id: i64, changes: &CompanyChanges) -> Result<Company, DbError> {
    write_tx(conn, |conn| {
        let (before, after) = companies::update_in_tx(conn, actor, id, changes)?;
        if after.target_level != before.target_level {
            summaries::count_companies_in_tx(conn, before.target_level, -1, false)?;
            summaries::count_companies_in_tx(conn, after.target_level, 1, false)?;
            summaries::refresh_company_in_tx(conn, id)?;
        }
        if after.impact_tier != before.impact_tier {
            summaries::reprioritise_company_in_tx(conn, id, after.impact_tier.get())?;
        }
        Ok(after)
    })
}

/// Opens the collection of a fiscal year (one per year); its target levels
/// move its companies' target rates.
pub fn open_collection(conn: &mut DbConn, actor: Actor, new: &NewCollection) -> Result<Collection, DbError> {
    write_tx(conn, |conn| {
        let c = collections::open_in_tx(conn, actor, new)?;
        for m in &c.members {
            summaries::refresh_in_tx(conn, m.company_id, c.fiscal_year)?;
        }
        Ok(c)
    })
}

/// Changes a collection's title, deadline, message or companies; a target
/// level set, changed or dropped moves the target rate.
pub fn update_collection(
    conn: &mut DbConn,
    actor: Actor,
    id: i64,
    changes: &CollectionChanges,
) -> Result<Collection, DbError> {
    write_tx(conn, |conn| {
        let after = collections::update_in_tx(conn, actor, id, changes)?;
        let touched = changes.upsert_members.iter().map(|m| m.0).chain(changes.remove_members.iter().copied());
        for company_id in touched.collect::<BTreeSet<_>>() {
            summaries::refresh_in_tx(conn, company_id, after.fiscal_year)?;
        }
        Ok(after)
    })
}
