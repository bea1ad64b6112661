//! Yearly collections (提出依頼): for one fiscal year, which companies must
//! submit, by when, and each company's target level that year; and who has
//! submitted, who has not (未提出), and who is late.
//!
//! The deadline is a day in Japan time: a sheet first uploaded on the
//! deadline day (JST) is on time, one uploaded later is late.

use chrono::{DateTime, NaiveDate, NaiveDateTime, Utc};
use diesel::prelude::*;
use serde::Serialize;

use super::audit::{self, Change};
use super::companies::{self, Company};
use super::schema::{collection_companies, collections, submissions};
use super::submissions::Submission;
use super::{DbConn, DbError, found};
use crate::domain::{FiscalYear, Level};
use crate::limits::{self, Field};
use crate::workflow::Actor;

/// A company asked to submit, with its target level that year.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Member {
    /// Company.
    pub company_id: i64,
    /// Target level (対象レベル) for this fiscal year.
    pub target_level: Level,
}

/// A collection.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Collection {
    /// Id.
    pub id: i64,
    /// Fiscal year collected.
    pub fiscal_year: FiscalYear,
    /// Title (`2024年度 自己評価の提出依頼`).
    pub title: String,
    /// Last day to submit (Japan time).
    pub deadline: NaiveDate,
    /// Message to the subsidiaries.
    pub message: Option<String>,
    /// Who opened it.
    pub created_by: Option<i64>,
    /// When.
    pub created_at: DateTime<Utc>,
    /// The companies asked to submit, by company id.
    pub members: Vec<Member>,
}

/// What it takes to open a collection.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewCollection {
    /// Fiscal year.
    pub fiscal_year: FiscalYear,
    /// Title.
    pub title: String,
    /// Deadline.
    pub deadline: NaiveDate,
    /// Message.
    pub message: Option<String>,
    /// Companies and their target levels. `None` as level takes the
    /// company's registered target level.
    pub members: Vec<(i64, Option<Level>)>,
}

/// Changes to a collection; `None` leaves a field as it is.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CollectionChanges {
    /// New title.
    pub title: Option<String>,
    /// New deadline.
    pub deadline: Option<NaiveDate>,
    /// New message (`Some(None)` clears it).
    pub message: Option<Option<String>>,
    /// Companies to add, or whose target level changes.
    pub upsert_members: Vec<(i64, Option<Level>)>,
    /// Companies to remove.
    pub remove_members: Vec<i64>,
}

/// A `collections` row, in the order of its columns.
#[derive(Queryable)]
struct Row {
    id: i64,
    fiscal_year: i32,
    title: String,
    deadline: NaiveDate,
    message: Option<String>,
    created_by: Option<i64>,
    created_at: NaiveDateTime,
}

/// A collection's members; with `only`, that company's membership alone.
fn members_of(conn: &mut DbConn, id: i64, only: Option<i64>) -> Result<Vec<Member>, DbError> {
    let mut q = collection_companies::table
        .filter(collection_companies::collection_id.eq(id))
        .select((collection_companies::company_id, collection_companies::target_level))
        .order(collection_companies::company_id)
        .into_boxed();
    if let Some(company_id) = only {
        q = q.filter(collection_companies::company_id.eq(company_id));
    }
    let rows: Vec<(i64, i16)> = q.load(conn)?;
    rows.into_iter()
        .map(|(company_id, level)| Ok(Member { company_id, target_level: Level::try_from(i32::from(level))? }))
        .collect()
}

fn from_row(conn: &mut DbConn, r: Row, only: Option<i64>) -> Result<Collection, DbError> {
    Ok(Collection {
        id: r.id,
        fiscal_year: FiscalYear::new(r.fiscal_year)?,
        title: r.title,
        deadline: r.deadline,
        message: r.message,
        created_by: r.created_by,
        created_at: crate::time::from_db(r.created_at),
        members: members_of(conn, r.id, only)?,
    })
}

fn upsert_members(conn: &mut DbConn, id: i64, members: &[(i64, Option<Level>)]) -> Result<(), DbError> {
    for &(company_id, level) in members {
        let company = companies::get(conn, company_id)?;
        let level = i16::from(level.unwrap_or(company.target_level).number());
        let n = diesel::update(collection_companies::table.find((id, company_id)))
            .set(collection_companies::target_level.eq(level))
            .execute(conn)?;
        if n == 0 {
            diesel::insert_into(collection_companies::table)
                .values((
                    collection_companies::collection_id.eq(id),
                    collection_companies::company_id.eq(company_id),
                    collection_companies::target_level.eq(level),
                ))
                .execute(conn)?;
        }
    }
    Ok(())
}

/// Keeps the count of the companies a collection asks
/// (`summaries::asked_count`) in step with its members, as just read.
fn keep_asked_count(conn: &mut DbConn, c: &Collection) -> Result<(), DbError> {
    super::summaries::set_asked_in_tx(conn, c.fiscal_year, i64::try_from(c.members.len()).unwrap_or(i64::MAX))
}

fn clean_title(title: &str) -> Result<String, DbError> {
    let t = title.trim();
    if t.is_empty() {
        return Err(DbError::Invalid("a collection needs a title / 提出依頼の件名が必要です".into()));
    }
    limits::check(Field::CollectionTitle, t)?;
    Ok(t.to_owned())
}

/// Opens the collection of a fiscal year (one per year), inside the caller's
/// write transaction. The dashboards' summaries are the caller's
/// (`writes::open_collection`).
pub fn open_in_tx(conn: &mut DbConn, actor: Actor, new: &NewCollection) -> Result<Collection, DbError> {
    let title = clean_title(&new.title)?;
    {
        let exists = collections::table
            .filter(collections::fiscal_year.eq(new.fiscal_year.get()))
            .select(collections::id)
            .first::<i64>(conn)
            .optional()?;
        if let Some(id) = exists {
            return Err(DbError::Invalid(format!(
                "the collection of {} is already open (id {id}) / {}年度の提出依頼は作成済みです",
                new.fiscal_year,
                new.fiscal_year.get()
            )));
        }
        let id: i64 = diesel::insert_into(collections::table)
            .values((
                collections::fiscal_year.eq(new.fiscal_year.get()),
                collections::title.eq(&title),
                collections::deadline.eq(new.deadline),
                collections::message.eq(new.message.as_deref().map(str::trim).filter(|m| !m.is_empty())),
                collections::created_by.eq(actor.user_id()),
                collections::created_at.eq(crate::time::now().naive_utc()),
            ))
            .returning(collections::id)
            .get_result(conn)?;
        upsert_members(conn, id, &new.members)?;
        let c = get(conn, id)?;
        keep_asked_count(conn, &c)?;
        audit::append(conn, actor, "collection.open", Change::created("collection", id, &c))?;
        Ok(c)
    }
}

/// Changes a collection's title, deadline, message or companies, inside the
/// caller's write transaction. The dashboards' summaries are the caller's
/// (`writes::update_collection`).
pub fn update_in_tx(
    conn: &mut DbConn,
    actor: Actor,
    id: i64,
    changes: &CollectionChanges,
) -> Result<Collection, DbError> {
    {
        let before = get(conn, id)?;
        let title = match &changes.title {
            Some(t) => clean_title(t)?,
            None => before.title.clone(),
        };
        let message = match &changes.message {
            Some(m) => {
                let m = m.as_deref().map(str::trim).filter(|m| !m.is_empty());
                if let Some(m) = m {
                    limits::check(Field::CollectionMessage, m)?;
                }
                m.map(str::to_owned)
            }
            None => before.message.clone(),
        };
        diesel::update(collections::table.find(id))
            .set((
                collections::title.eq(&title),
                collections::deadline.eq(changes.deadline.unwrap_or(before.deadline)),
                collections::message.eq(&message),
            ))
            .execute(conn)?;
        upsert_members(conn, id, &changes.upsert_members)?;
        for company_id in &changes.remove_members {
            diesel::delete(collection_companies::table.find((id, *company_id))).execute(conn)?;
        }
        let after = get(conn, id)?;
        keep_asked_count(conn, &after)?;
        audit::append(conn, actor, "collection.update", Change::updated("collection", id, &before, &after))?;
        Ok(after)
    }
}

/// A collection by id.
pub fn get(conn: &mut DbConn, id: i64) -> Result<Collection, DbError> {
    let row: Row = found(collections::table.find(id).first(conn), || format!("collection {id}"))?;
    from_row(conn, row, None)
}

/// Collections, newest year first, optionally only those a company is asked
/// to submit to, each then with that company's membership alone (what a
/// subsidiary may see, and one row instead of the thousands a collection
/// of the whole group has); with the total count.
pub fn list(
    conn: &mut DbConn,
    company_id: Option<i64>,
    offset: i64,
    limit: i64,
) -> Result<(Vec<Collection>, i64), DbError> {
    let filtered = || {
        let mut q = collections::table.into_boxed();
        if let Some(c) = company_id {
            q = q.filter(
                collections::id.eq_any(
                    collection_companies::table
                        .filter(collection_companies::company_id.eq(c))
                        .select(collection_companies::collection_id),
                ),
            );
        }
        q
    };
    let total: i64 = filtered().count().get_result(conn)?;
    let rows: Vec<Row> = filtered().order(collections::fiscal_year.desc()).offset(offset).limit(limit).load(conn)?;
    let items = rows.into_iter().map(|r| from_row(conn, r, company_id)).collect::<Result<Vec<_>, _>>()?;
    Ok((items, total))
}

/// The newest fiscal year a collection exists for (`None` while
/// collections are not in use). Reads no members.
pub fn newest_year(conn: &mut DbConn) -> Result<Option<FiscalYear>, DbError> {
    let year: Option<i32> = collections::table.select(diesel::dsl::max(collections::fiscal_year)).first(conn)?;
    Ok(year.map(FiscalYear::new).transpose()?)
}

/// The latest deadline of a fiscal year's collections (`None` when none
/// is open for it). Reads no members: a page showing the deadline does not
/// load the thousands of companies a collection asks.
pub fn latest_deadline(conn: &mut DbConn, year: FiscalYear) -> Result<Option<NaiveDate>, DbError> {
    Ok(collections::table
        .filter(collections::fiscal_year.eq(year.get()))
        .select(diesel::dsl::max(collections::deadline))
        .first(conn)?)
}

/// The fiscal years a collection exists for, oldest first (empty while
/// collections are not in use).
pub fn fiscal_years(conn: &mut DbConn) -> Result<Vec<FiscalYear>, DbError> {
    let years: Vec<i32> =
        collections::table.select(collections::fiscal_year).distinct().order(collections::fiscal_year).load(conn)?;
    years.into_iter().map(|y| Ok(FiscalYear::new(y)?)).collect()
}

/// The target level a collection sets for a company in a fiscal year, if a
/// collection of that year asks the company to submit.
pub fn target_level_for(conn: &mut DbConn, company_id: i64, year: FiscalYear) -> Result<Option<Level>, DbError> {
    let level: Option<i16> = collection_companies::table
        .inner_join(collections::table)
        .filter(collections::fiscal_year.eq(year.get()))
        .filter(collection_companies::company_id.eq(company_id))
        .select(collection_companies::target_level)
        .first(conn)
        .optional()?;
    Ok(level.map(|l| Level::try_from(i32::from(l))).transpose()?)
}

/// Where a company stands in a collection.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Standing {
    /// Submitted on or before the deadline.
    Submitted,
    /// Submitted after the deadline.
    SubmittedLate,
    /// Nothing yet (未提出), and the deadline has not passed.
    NotSubmitted,
    /// Nothing yet, and the deadline has passed (未提出・期限超過).
    Overdue,
}

/// One company's line in a collection's progress.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Progress {
    /// The company.
    pub company: Company,
    /// Its target level this year.
    pub target_level: Level,
    /// Where it stands.
    pub standing: Standing,
    /// When its first sheet for the year arrived.
    pub first_uploaded_at: Option<DateTime<Utc>>,
    /// Its current revision (without department), if any.
    pub current: Option<Submission>,
}

/// Whether an upload at `at` is after the deadline day (Japan time).
pub fn is_late(deadline: NaiveDate, at: DateTime<Utc>) -> bool {
    at.with_timezone(&crate::time::JST).date_naive() > deadline
}

/// Every member's standing at `now`, by company code.
pub fn progress(conn: &mut DbConn, id: i64, now: DateTime<Utc>) -> Result<Vec<Progress>, DbError> {
    let c = get(conn, id)?;
    let mut out = Vec::with_capacity(c.members.len());
    for m in &c.members {
        let company = companies::get(conn, m.company_id)?;
        let first: Option<NaiveDateTime> = submissions::table
            .filter(submissions::company_id.eq(m.company_id))
            .filter(submissions::fiscal_year.eq(c.fiscal_year.get()))
            .select(diesel::dsl::min(submissions::uploaded_at))
            .first(conn)?;
        let first = first.map(crate::time::from_db);
        let standing = match first {
            Some(at) if is_late(c.deadline, at) => Standing::SubmittedLate,
            Some(_) => Standing::Submitted,
            None if is_late(c.deadline, now) => Standing::Overdue,
            None => Standing::NotSubmitted,
        };
        let current = super::submissions::current(conn, m.company_id, c.fiscal_year, None)?;
        out.push(Progress { company, target_level: m.target_level, standing, first_uploaded_at: first, current });
    }
    out.sort_by(|a, b| a.company.code.cmp(&b.company.code));
    Ok(out)
}
