//! Submissions (one uploaded sheet, one revision) and their answers.
//!
//! Revisions are numbered per (company, fiscal year, department). Storing a
//! sheet is one transaction: the previous current revision is superseded (the
//! workflow decides whether it may be), the new revision and all its answers
//! are inserted, and the audit entry is written, or nothing is. The identical
//! file uploaded again changes nothing and returns the current revision.

use chrono::{DateTime, NaiveDate, NaiveDateTime, Utc};
use diesel::prelude::*;
use serde::Serialize;

use super::audit::{self, Change};
use super::schema::{answers, companies, frameworks, submission_transitions, submissions};
use super::{DbConn, DbError, found};
use crate::domain::{Evaluation, FiscalYear, ItemNumber, Level};
use crate::sheet::Answer;
use crate::workflow::{Action, Actor, SubmissionStatus, check_move};

/// One stored revision of a sheet.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Submission {
    /// Id.
    pub id: i64,
    /// Company.
    pub company_id: i64,
    /// Fiscal year.
    pub fiscal_year: FiscalYear,
    /// Department, when the company submits per department.
    pub department_id: Option<i64>,
    /// Framework answered.
    pub framework_id: String,
    /// Revision number, from 1.
    pub revision: u32,
    /// Uploaded file name.
    pub source_filename: String,
    /// SHA-256 of the uploaded file, hex.
    pub source_sha256: String,
    /// Uploading user (none for the command line).
    pub uploaded_by: Option<i64>,
    /// Upload time.
    pub uploaded_at: DateTime<Utc>,
    /// Workflow status.
    pub status: SubmissionStatus,
    /// Whether this is the current revision of its key.
    pub is_current: bool,
    /// 回答日 from the cover sheet.
    pub answered_on: Option<NaiveDate>,
    /// 回答者 from the cover sheet.
    pub respondent: Option<String>,
}

/// A sheet to store.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewSubmission {
    /// Company.
    pub company_id: i64,
    /// Fiscal year.
    pub fiscal_year: FiscalYear,
    /// Department, if any.
    pub department_id: Option<i64>,
    /// Framework answered.
    pub framework_id: String,
    /// File name as uploaded.
    pub source_filename: String,
    /// SHA-256 of the file, hex (64 characters).
    pub source_sha256: String,
    /// 回答日.
    pub answered_on: Option<NaiveDate>,
    /// 回答者.
    pub respondent: Option<String>,
    /// One answer per item of the framework.
    pub answers: Vec<Answer>,
}

/// What storing a sheet did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Stored {
    /// A new revision; `superseded` is the revision it replaced.
    Created {
        /// The new revision.
        submission: Submission,
        /// The revision it replaced, if any.
        superseded: Option<i64>,
    },
    /// The identical file is already the current revision.
    Unchanged(Submission),
}

impl Stored {
    /// The submission stored or found.
    pub fn submission(&self) -> &Submission {
        match self {
            Stored::Created { submission, .. } | Stored::Unchanged(submission) => submission,
        }
    }
}

/// A `submissions` row, in the order of `submissions::all_columns`.
#[derive(Queryable)]
struct SubRow {
    id: i64,
    company_id: i64,
    fiscal_year: i32,
    department_id: Option<i64>,
    framework_id: String,
    revision: i32,
    source_filename: String,
    source_sha256: String,
    uploaded_by: Option<i64>,
    uploaded_at: NaiveDateTime,
    status: String,
    is_current: bool,
    answered_on: Option<NaiveDate>,
    respondent: Option<String>,
}

fn from_row(r: SubRow) -> Result<Submission, DbError> {
    Ok(Submission {
        id: r.id,
        company_id: r.company_id,
        fiscal_year: FiscalYear::new(r.fiscal_year)?,
        department_id: r.department_id,
        framework_id: r.framework_id,
        revision: u32::try_from(r.revision).map_err(|_| DbError::Invalid(format!("revision {}", r.revision)))?,
        source_filename: r.source_filename,
        source_sha256: r.source_sha256,
        uploaded_by: r.uploaded_by,
        uploaded_at: crate::time::from_db(r.uploaded_at),
        status: r.status.parse()?,
        is_current: r.is_current,
        answered_on: r.answered_on,
        respondent: r.respondent,
    })
}

/// Filters for [`list`].
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SubmissionFilter {
    /// Only this fiscal year.
    pub fiscal_year: Option<FiscalYear>,
    /// Only this company.
    pub company_id: Option<i64>,
    /// Only this status.
    pub status: Option<SubmissionStatus>,
    /// Only current revisions.
    pub current_only: bool,
}

/// The current revision for a key, if any.
pub fn current(
    conn: &mut DbConn,
    company_id: i64,
    fiscal_year: FiscalYear,
    department_id: Option<i64>,
) -> Result<Option<Submission>, DbError> {
    let mut q = submissions::table
        .filter(submissions::company_id.eq(company_id))
        .filter(submissions::fiscal_year.eq(fiscal_year.get()))
        .filter(submissions::is_current.eq(true))
        .into_boxed();
    q = match department_id {
        Some(d) => q.filter(submissions::department_id.eq(d)),
        None => q.filter(submissions::department_id.is_null()),
    };
    q.select(submissions::all_columns).first::<SubRow>(conn).optional()?.map(from_row).transpose()
}

/// Stores a sheet as a new revision inside the caller's write transaction,
/// or returns the current revision when it came from the identical file.
/// The dashboards' summary is the caller's
/// (`writes::store_submission`).
pub fn store_in_tx(conn: &mut DbConn, actor: Actor, new: &NewSubmission) -> Result<Stored, DbError> {
    if !actor.acts_for(new.company_id) {
        return Err(DbError::Forbidden(format!(
            "you may upload only for your own company / 自社以外の提出はできません (company {})",
            new.company_id
        )));
    }
    if new.source_sha256.len() != 64 || !new.source_sha256.bytes().all(|b| b.is_ascii_hexdigit()) {
        return Err(DbError::Invalid("source_sha256 must be 64 hex digits".into()));
    }
    // Serialise uploads for one company: on PostgreSQL lock its row; SQLite
    // writers are already serialised by BEGIN IMMEDIATE.
    match conn {
        DbConn::Pg(pg) => {
            found(companies::table.find(new.company_id).select(companies::id).for_update().first::<i64>(pg), || {
                format!("company {}", new.company_id)
            })?;
        }
        DbConn::Sqlite(_) => {
            super::companies::get(conn, new.company_id)?;
        }
    }
    let item_count: i32 =
        found(frameworks::table.find(&new.framework_id).select(frameworks::item_count).first(conn), || {
            format!("framework {}", new.framework_id)
        })?;
    check_answers(&new.answers, item_count)?;

    let previous = current(conn, new.company_id, new.fiscal_year, new.department_id)?;
    if let Some(prev) = &previous {
        if prev.source_sha256.eq_ignore_ascii_case(&new.source_sha256) {
            return Ok(Stored::Unchanged(prev.clone()));
        }
        transition_in_tx(conn, actor, prev, Action::Supersede, None)?;
    }
    let mut last = submissions::table
        .filter(submissions::company_id.eq(new.company_id))
        .filter(submissions::fiscal_year.eq(new.fiscal_year.get()))
        .into_boxed();
    last = match new.department_id {
        Some(d) => last.filter(submissions::department_id.eq(d)),
        None => last.filter(submissions::department_id.is_null()),
    };
    let last_revision: Option<i32> = last.select(diesel::dsl::max(submissions::revision)).first(conn)?;
    let revision = last_revision.unwrap_or(0) + 1;

    let row: SubRow = diesel::insert_into(submissions::table)
        .values((
            submissions::company_id.eq(new.company_id),
            submissions::fiscal_year.eq(new.fiscal_year.get()),
            submissions::department_id.eq(new.department_id),
            submissions::framework_id.eq(&new.framework_id),
            submissions::revision.eq(revision),
            submissions::source_filename.eq(crate::limits::base_name(&new.source_filename)),
            submissions::source_sha256.eq(new.source_sha256.to_ascii_lowercase()),
            submissions::uploaded_by.eq(actor.user_id()),
            submissions::uploaded_at.eq(crate::time::now().naive_utc()),
            submissions::status.eq(SubmissionStatus::Submitted.code()),
            submissions::is_current.eq(true),
            submissions::answered_on.eq(new.answered_on),
            submissions::respondent.eq(&new.respondent),
        ))
        .returning(submissions::all_columns)
        .get_result(conn)?;
    let submission = from_row(row)?;
    insert_answers(conn, submission.id, &new.answers)?;
    let mut after = audit::json(&submission);
    if let Some(obj) = after.as_object_mut() {
        obj.insert("answers".into(), new.answers.len().into());
    }
    let change =
        Change { entity: "submission", entity_id: Some(submission.id.to_string()), before: None, after: Some(after) };
    audit::append(conn, actor, "submission.create", change)?;
    Ok(Stored::Created { submission, superseded: previous.map(|p| p.id) })
}

fn check_answers(answers: &[Answer], item_count: i32) -> Result<(), DbError> {
    let mut seen = std::collections::BTreeSet::new();
    for a in answers {
        if i32::from(a.item.get()) > item_count {
            return Err(DbError::Invalid(format!("{} is not an item of this framework (1–{item_count})", a.item)));
        }
        if !seen.insert(a.item) {
            return Err(DbError::Invalid(format!("{} is answered twice", a.item)));
        }
    }
    if i32::try_from(seen.len()).ok() != Some(item_count) {
        return Err(DbError::Invalid(format!("{} answers for a framework of {item_count} items", seen.len())));
    }
    Ok(())
}

fn insert_answers(conn: &mut DbConn, submission_id: i64, list: &[Answer]) -> Result<(), DbError> {
    let rows: Vec<_> = list
        .iter()
        .map(|a| {
            (
                answers::submission_id.eq(submission_id),
                answers::item_number.eq(i32::from(a.item)),
                answers::level.eq(i16::from(a.level.number())),
                answers::evaluation.eq(a.evaluation.code()),
                answers::evidence.eq(a.evidence.as_str()),
                answers::responsible_area.eq(a.responsible_area.as_deref()),
                answers::source_cell.eq(a.source_cell.as_deref()),
            )
        })
        .collect();
    // Chunks keep SQLite under its bound-parameter limit.
    for chunk in rows.chunks(500) {
        on_each_backend!(conn, c => diesel::insert_into(answers::table).values(chunk).execute(c)?);
    }
    Ok(())
}

/// A submission by id.
pub fn get(conn: &mut DbConn, id: i64) -> Result<Submission, DbError> {
    from_row(found(submissions::table.find(id).first::<SubRow>(conn), || format!("submission {id}"))?)
}

/// Submissions matching a filter, newest key first, paged by `offset`/`limit`.
pub fn list(conn: &mut DbConn, filter: &SubmissionFilter, offset: i64, limit: i64) -> Result<Vec<Submission>, DbError> {
    let mut q = submissions::table.into_boxed();
    if let Some(y) = filter.fiscal_year {
        q = q.filter(submissions::fiscal_year.eq(y.get()));
    }
    if let Some(c) = filter.company_id {
        q = q.filter(submissions::company_id.eq(c));
    }
    if let Some(s) = filter.status {
        q = q.filter(submissions::status.eq(s.code()));
    }
    if filter.current_only {
        q = q.filter(submissions::is_current.eq(true));
    }
    q.order((submissions::fiscal_year.desc(), submissions::company_id, submissions::revision.desc()))
        .offset(offset)
        .limit(limit)
        .load::<SubRow>(conn)?
        .into_iter()
        .map(from_row)
        .collect()
}

/// How many submissions are stored.
pub fn count(conn: &mut DbConn) -> Result<i64, DbError> {
    Ok(submissions::table.count().get_result(conn)?)
}

/// Every revision of a key, oldest first.
pub fn revisions(
    conn: &mut DbConn,
    company_id: i64,
    fiscal_year: FiscalYear,
    department_id: Option<i64>,
) -> Result<Vec<Submission>, DbError> {
    let mut q = submissions::table
        .filter(submissions::company_id.eq(company_id))
        .filter(submissions::fiscal_year.eq(fiscal_year.get()))
        .into_boxed();
    q = match department_id {
        Some(d) => q.filter(submissions::department_id.eq(d)),
        None => q.filter(submissions::department_id.is_null()),
    };
    q.order(submissions::revision).load::<SubRow>(conn)?.into_iter().map(from_row).collect()
}

/// The answers of a submission, by item.
pub fn answers_of(conn: &mut DbConn, submission_id: i64) -> Result<Vec<Answer>, DbError> {
    type AnswerRow = (i32, i16, String, String, Option<String>, Option<String>);
    let rows: Vec<AnswerRow> = answers::table
        .filter(answers::submission_id.eq(submission_id))
        .order(answers::item_number)
        .select((
            answers::item_number,
            answers::level,
            answers::evaluation,
            answers::evidence,
            answers::responsible_area,
            answers::source_cell,
        ))
        .load(conn)?;
    rows.into_iter()
        .map(|(n, level, e, evidence, area, cell)| {
            Ok(Answer {
                item: ItemNumber::try_from(n)?,
                level: Level::try_from(i32::from(level))?,
                evaluation: Evaluation::from_code(&e)?,
                evidence,
                responsible_area: area,
                source_cell: cell,
            })
        })
        .collect()
}

/// One recorded move of a submission.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Transition {
    /// Id.
    pub id: i64,
    /// Submission.
    pub submission_id: i64,
    /// The move.
    pub action: String,
    /// Status before.
    pub from_status: String,
    /// Status after.
    pub to_status: String,
    /// Who moved it.
    pub actor_id: Option<i64>,
    /// Message (required when returning).
    pub message: Option<String>,
    /// When (UTC).
    pub at: DateTime<Utc>,
}

/// Moves a submission through the workflow inside the caller's write
/// transaction: checks the move against the state table, updates the status
/// only if nobody moved it meanwhile, records the transition and an audit
/// entry. The dashboards' summary is the caller's
/// (`writes::transition`).
pub fn transition_in_tx(
    conn: &mut DbConn,
    actor: Actor,
    sub: &Submission,
    action: Action,
    message: Option<&str>,
) -> Result<Submission, DbError> {
    if let Some(m) = message {
        crate::limits::check(crate::limits::Field::Message, m.trim())?;
    }
    let to = check_move(sub.status, action, actor, sub.company_id, message)?;
    let is_current = to != SubmissionStatus::Superseded && sub.is_current;
    // Compare-and-set on the status: a concurrent move of the same submission
    // makes this one fail instead of silently overwriting it.
    let n = diesel::update(
        submissions::table.filter(submissions::id.eq(sub.id)).filter(submissions::status.eq(sub.status.code())),
    )
    .set((submissions::status.eq(to.code()), submissions::is_current.eq(is_current)))
    .execute(conn)?;
    if n != 1 {
        return Err(DbError::Conflict(format!(
            "submission {} was changed by someone else; reload it / 提出物 {} は他のユーザーが更新しました。再読み込みしてください",
            sub.id, sub.id
        )));
    }
    let message = message.map(str::trim).filter(|m| !m.is_empty());
    let at = crate::time::now().naive_utc();
    diesel::insert_into(submission_transitions::table)
        .values((
            submission_transitions::submission_id.eq(sub.id),
            submission_transitions::action.eq(action.code()),
            submission_transitions::from_status.eq(sub.status.code()),
            submission_transitions::to_status.eq(to.code()),
            submission_transitions::actor_id.eq(actor.user_id()),
            submission_transitions::message.eq(message),
            submission_transitions::at.eq(at),
        ))
        .execute(conn)?;
    let after = get(conn, sub.id)?;
    let mut change = Change::updated("submission", sub.id, &sub.status, &after.status);
    if let (Some(m), Some(obj)) = (message, change.after.as_mut()) {
        *obj = serde_json::json!({ "status": obj.clone(), "message": m });
    }
    audit::append(conn, actor, &format!("submission.{}", action.code()), change)?;
    Ok(after)
}

/// A `submission_transitions` row, in the order of its columns.
#[derive(Queryable)]
struct TransitionRow {
    id: i64,
    submission_id: i64,
    action: String,
    from_status: String,
    to_status: String,
    actor_id: Option<i64>,
    message: Option<String>,
    at: NaiveDateTime,
}

/// The moves a submission went through, oldest first.
pub fn transitions_of(conn: &mut DbConn, submission_id: i64) -> Result<Vec<Transition>, DbError> {
    let rows: Vec<TransitionRow> = submission_transitions::table
        .filter(submission_transitions::submission_id.eq(submission_id))
        .order(submission_transitions::id)
        .load(conn)?;
    Ok(rows
        .into_iter()
        .map(|r| Transition {
            id: r.id,
            submission_id: r.submission_id,
            action: r.action,
            from_status: r.from_status,
            to_status: r.to_status,
            actor_id: r.actor_id,
            message: r.message,
            at: crate::time::from_db(r.at),
        })
        .collect())
}
