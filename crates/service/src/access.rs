//! Who may see what: the one place that answers it, for every door (the JSON
//! API and the web UI call these same functions).
//!
//! - Parent-company roles (admin, reviewer, auditor) see every company.
//! - A subsidiary user sees its own company only; another company's
//!   companies, sheets and flags are **not found** (404), so their existence
//!   is not revealed.
//! - A subsidiary sees what hyoka found on a sheet — its flags, the
//!   suggested and reviewed rates, the risk — only once the flags are
//!   released to it (by a reviewer, or by returning or accepting the sheet),
//!   unless the setting `api.subsidiary_sees_unreleased_flags` says
//!   otherwise.
//!
//! Which actions a role may take stays in the workflow's state table
//! ([`hyoka_model::workflow`]) and the write functions; this module answers
//! for reading.

use hyoka_model::db::companies::{self, Company};
use hyoka_model::db::flags::{self, Flag};
use hyoka_model::db::submissions::{self, Submission};
use hyoka_model::db::{DbConn, review};
use hyoka_model::domain::Role;
use hyoka_model::workflow::Actor;

use crate::ServiceError;

/// A caller's view of the group.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Access {
    actor: Actor,
    sees_unreleased: bool,
}

impl Access {
    /// The view of `actor`; `subsidiary_sees_unreleased_flags` is the setting
    /// of that name.
    pub fn new(actor: Actor, subsidiary_sees_unreleased_flags: bool) -> Access {
        Access { actor, sees_unreleased: subsidiary_sees_unreleased_flags }
    }

    /// Who acts.
    pub fn actor(&self) -> Actor {
        self.actor
    }

    /// The company a subsidiary user is confined to; `None` for the parent's
    /// roles, who see every company.
    pub fn own_company(&self) -> Option<i64> {
        match self.actor {
            Actor::User { role: Role::Subsidiary, company_id, .. } => Some(company_id.unwrap_or(-1)),
            _ => None,
        }
    }

    /// Whether the caller sees the whole group (the dashboards, every sheet).
    pub fn sees_group(&self) -> bool {
        self.own_company().is_none()
    }

    /// Whether the caller may see a company and what belongs to it.
    pub fn sees_company(&self, company_id: i64) -> bool {
        self.own_company().is_none_or(|own| own == company_id)
    }

    /// Whether the caller may ask for a run of the group analysis
    /// (reviewers, admins and the command line).
    pub fn may_run_analysis(&self) -> bool {
        matches!(self.actor, Actor::System | Actor::User { role: Role::Admin | Role::Reviewer, .. })
    }

    /// Whether the caller sees what hyoka found on a sheet (flags, suggested
    /// and reviewed rates, risk), given whether its flags are released.
    pub fn sees_findings_when(&self, released: bool) -> bool {
        self.sees_group() || self.sees_unreleased || released
    }

    /// [`Access::sees_findings_when`] for a stored sheet.
    pub fn sees_findings(&self, conn: &mut DbConn, submission_id: i64) -> Result<bool, ServiceError> {
        if self.sees_group() || self.sees_unreleased {
            return Ok(true);
        }
        Ok(review::flags_released(conn, submission_id)?)
    }

    /// A company the caller may see; another company's is not found.
    pub fn company(&self, conn: &mut DbConn, id: i64) -> Result<Company, ServiceError> {
        if !self.sees_company(id) {
            return Err(ServiceError::NotFound(format!("company {id}")));
        }
        Ok(companies::get(conn, id)?)
    }

    /// A sheet the caller may see; another company's is not found.
    pub fn submission(&self, conn: &mut DbConn, id: i64) -> Result<Submission, ServiceError> {
        let s = submissions::get(conn, id)?;
        if self.sees_company(s.company_id) { Ok(s) } else { Err(ServiceError::NotFound(format!("submission {id}"))) }
    }

    /// A flag the caller may see: its sheet is visible and its findings are
    /// shown to the caller; otherwise not found.
    pub fn flag(&self, conn: &mut DbConn, id: i64) -> Result<Flag, ServiceError> {
        let flag = flags::get(conn, id)?;
        let sub = submissions::get(conn, flag.submission_id)?;
        if self.sees_company(sub.company_id) && self.sees_findings(conn, sub.id)? {
            Ok(flag)
        } else {
            Err(ServiceError::NotFound(format!("flag {id}")))
        }
    }
}
