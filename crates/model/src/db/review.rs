//! What the review workflow needs beyond single rows: releasing a
//! submission's flags to its subsidiary, deciding on a flag only while its
//! submission is under review, searching submissions and flags, and the
//! whole picture of one submission (rates, flags with decisions and replies,
//! revisions, moves, risk).
//!
//! # When a subsidiary sees flags
//! A subsidiary sees the flags of a submission once a reviewer has released
//! them ([`release_flags`]), or once a reviewer has returned or accepted the
//! submission (a returned sheet comes with its reasons). The API may be
//! configured to show them earlier.

use std::collections::BTreeMap;

use chrono::{DateTime, NaiveDateTime, Utc};
use diesel::dsl::sql;
use diesel::prelude::*;
use diesel::sql_types::Bool;
use serde::Serialize;

use super::audit::{self, Change};
use super::companies::{self, Company};
use super::detection::{self, RiskRecord};
use super::fixed_sql::{Fixed, fixed};
use super::flags::{self, Flag, Reply, Review};
use super::schema::{flag_releases, flags as flags_t, submission_risk, submission_transitions, submissions};
use super::submissions::{self as subs, Submission, Transition};
use super::{DbConn, DbError, write_tx};
use crate::domain::{FiscalYear, ItemNumber, Level, Role, Severity};
use crate::scoring::{ScoredItem, ThreeRates, three_rates};
use crate::sheet::Answer;
use crate::workflow::{Actor, SubmissionStatus};

/// A reviewer released a submission's flags to its subsidiary.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Release {
    /// Submission.
    pub submission_id: i64,
    /// Reviewer.
    pub released_by: Option<i64>,
    /// When.
    pub released_at: DateTime<Utc>,
}

pub(crate) fn parent_only(actor: Actor, what: &str) -> Result<(), DbError> {
    if matches!(actor.role(), Role::Admin | Role::Reviewer) {
        Ok(())
    } else {
        Err(DbError::Forbidden(format!("only reviewers may {what} / この操作はレビュー担当者のみ行えます")))
    }
}

/// Releases a submission's flags to its subsidiary (again: nothing changes).
pub fn release_flags(conn: &mut DbConn, actor: Actor, submission_id: i64) -> Result<Release, DbError> {
    write_tx(conn, |conn| release_flags_in_tx(conn, actor, submission_id).map(|(r, _)| r))
}

/// [`release_flags`] in the caller's write transaction; `true` beside the
/// release when this call made it (`false`: it was released already).
pub fn release_flags_in_tx(conn: &mut DbConn, actor: Actor, submission_id: i64) -> Result<(Release, bool), DbError> {
    parent_only(actor, "release flags")?;
    let sub = subs::get(conn, submission_id)?;
    if let Some(r) = release_of(conn, submission_id)? {
        return Ok((r, false));
    }
    // The released-only lists of the year change (no summary figure does).
    super::counts::bump_in_tx(conn, sub.fiscal_year)?;
    let at = crate::time::now().naive_utc();
    diesel::insert_into(flag_releases::table)
        .values((
            flag_releases::submission_id.eq(submission_id),
            flag_releases::released_by.eq(actor.user_id()),
            flag_releases::released_at.eq(at),
        ))
        .execute(conn)?;
    let r = Release { submission_id, released_by: actor.user_id(), released_at: crate::time::from_db(at) };
    audit::append(conn, actor, "flags.release", Change::created("submission", submission_id, &r))?;
    Ok((r, true))
}

/// The release of a submission's flags, if any.
pub fn release_of(conn: &mut DbConn, submission_id: i64) -> Result<Option<Release>, DbError> {
    let row: Option<(i64, Option<i64>, NaiveDateTime)> =
        flag_releases::table.find(submission_id).first(conn).optional()?;
    Ok(row.map(|(submission_id, released_by, at)| Release {
        submission_id,
        released_by,
        released_at: crate::time::from_db(at),
    }))
}

/// SQL condition: the flags of the row's submission are released
/// (explicitly, or by a return or an accept).
pub(crate) const RELEASED: Fixed<Bool> = fixed(
    "(EXISTS (SELECT 1 FROM flag_releases fr WHERE fr.submission_id = submissions.id) \
     OR EXISTS (SELECT 1 FROM submission_transitions st WHERE st.submission_id = submissions.id \
     AND st.action IN ('return', 'accept')))",
);

/// The item number as the flag lists sort it: a whole-sheet flag as 0, so
/// both backends put it first (they disagree on where NULL sorts).
pub(crate) const ITEM_KEY: Fixed<diesel::sql_types::Integer> = fixed("COALESCE(flags.item_number, 0)");

/// Whether a submission's flags are released to its subsidiary.
pub fn flags_released(conn: &mut DbConn, submission_id: i64) -> Result<bool, DbError> {
    if release_of(conn, submission_id)?.is_some() {
        return Ok(true);
    }
    let n: i64 = submission_transitions::table
        .filter(submission_transitions::submission_id.eq(submission_id))
        .filter(submission_transitions::action.eq_any(["return", "accept"]))
        .count()
        .get_result(conn)?;
    Ok(n > 0)
}

/// Which decision a flag's latest review holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum DecisionFilter {
    /// No review yet.
    Undecided,
    /// Latest review confirmed the flag.
    Confirmed,
    /// Latest review dismissed it.
    Dismissed,
}

impl std::str::FromStr for DecisionFilter {
    type Err = crate::error::ParseError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "undecided" => Ok(DecisionFilter::Undecided),
            "confirmed" => Ok(DecisionFilter::Confirmed),
            "dismissed" => Ok(DecisionFilter::Dismissed),
            _ => Err(crate::error::ParseError::new("decision", s, "undecided, confirmed or dismissed")),
        }
    }
}

/// SQL condition: the row's flag (`flags`) holds decision `d` (the decision
/// in force, kept on the flag row by `flags::insert_review`).
pub(crate) fn decision_sql(d: DecisionFilter) -> Fixed<Bool> {
    fixed(match d {
        DecisionFilter::Undecided => "flags.decision IS NULL",
        DecisionFilter::Confirmed => "flags.decision = 'confirmed'",
        DecisionFilter::Dismissed => "flags.decision = 'dismissed'",
    })
}

/// Filters for [`search_flags`].
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct FlagFilter {
    /// Only this submission.
    pub submission_id: Option<i64>,
    /// Only this company's submissions.
    pub company_id: Option<i64>,
    /// Only this fiscal year.
    pub fiscal_year: Option<FiscalYear>,
    /// Only this rule.
    pub rule: Option<String>,
    /// Only this severity.
    pub severity: Option<Severity>,
    /// Only this item.
    pub item: Option<ItemNumber>,
    /// Only flags on answers of this level.
    pub level: Option<Level>,
    /// Only flags whose latest decision is this.
    pub decision: Option<DecisionFilter>,
    /// Only flags of current revisions.
    pub current_only: bool,
    /// Only flags released to the subsidiary.
    pub released_only: bool,
}

/// A flag's position in the flag list's order (newest sheet first, then
/// item — a whole-sheet flag as 0 — then id); as a cursor `s.i.f`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FlagPosition {
    submission_id: i64,
    item: i32,
    flag_id: i64,
}

impl FlagPosition {
    /// The position of a flag in the list.
    pub fn of(flag: &Flag) -> FlagPosition {
        FlagPosition {
            submission_id: flag.submission_id,
            item: flag.flag.target.item().map_or(0, i32::from),
            flag_id: flag.id,
        }
    }
}

impl std::fmt::Display for FlagPosition {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}.{}.{}", self.submission_id, self.item, self.flag_id)
    }
}

impl std::str::FromStr for FlagPosition {
    type Err = crate::error::ParseError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let bad = || crate::error::ParseError::new("after", s, "a cursor from a page's `next`");
        let mut parts = s.split('.');
        let mut next = || parts.next().ok_or_else(bad);
        let (sub, item, id) = (next()?, next()?, next()?);
        if parts.next().is_some() {
            return Err(bad());
        }
        Ok(FlagPosition {
            submission_id: sub.parse().map_err(|_| bad())?,
            item: item.parse().map_err(|_| bad())?,
            flag_id: id.parse().map_err(|_| bad())?,
        })
    }
}

/// Flags matching a filter, by submission (newest first), item and id,
/// from `start`; with the total (counted up to
/// [`COUNT_CAP`](super::COUNT_CAP)).
pub fn search_flags(
    conn: &mut DbConn,
    f: &FlagFilter,
    start: super::Start<FlagPosition>,
    limit: i64,
) -> Result<(Vec<Flag>, super::Total), DbError> {
    let filtered = || {
        let mut q = flags_t::table.inner_join(submissions::table).into_boxed();
        if let Some(s) = f.submission_id {
            q = q.filter(flags_t::submission_id.eq(s));
        }
        if let Some(c) = f.company_id {
            q = q.filter(submissions::company_id.eq(c));
        }
        if let Some(y) = f.fiscal_year {
            q = q.filter(submissions::fiscal_year.eq(y.get()));
        }
        if let Some(r) = &f.rule {
            q = q.filter(flags_t::rule.eq(r.clone()));
        }
        if let Some(s) = f.severity {
            q = q.filter(flags_t::severity.eq(s.code()));
        }
        if let Some(i) = f.item {
            q = q.filter(flags_t::item_number.eq(i32::from(i)));
        }
        if let Some(l) = f.level {
            q = q.filter(
                sql::<Bool>(
                    "EXISTS (SELECT 1 FROM answers a WHERE a.submission_id = flags.submission_id \
                     AND a.item_number = flags.item_number AND a.level = ",
                )
                .bind::<diesel::sql_types::SmallInt, _>(i16::from(l.number()))
                .sql(")"),
            );
        }
        if f.current_only {
            q = q.filter(submissions::is_current.eq(true));
        }
        if f.released_only {
            q = q.filter(RELEASED);
        }
        if let Some(d) = f.decision {
            q = q.filter(decision_sql(d));
        }
        q
    };
    // A year's list is counted once per change of that year (db::counts).
    let yearly = f.fiscal_year.filter(|_| f.submission_id.is_none() && f.company_id.is_none());
    let key = format!("flags {:?}", FlagFilter { fiscal_year: None, ..f.clone() });
    let total = super::counts::total(conn, yearly, &key, |conn| {
        let read = filtered().select(flags_t::id).limit(super::COUNT_CAP + 1).load::<i64>(conn)?.len();
        Ok(super::Total::of_read(read))
    })?;
    let mut q = filtered()
        .select(flags_t::all_columns)
        // submissions.id (= flags.submission_id): walks a year's sheets in
        // index order instead of sorting every flag of the year.
        .order((submissions::id.desc(), ITEM_KEY, flags_t::id))
        .limit(limit);
    q = match start {
        super::Start::Offset(n) => q.offset(n),
        super::Start::After(p) => q.filter(
            submissions::id
                .lt(p.submission_id)
                .or(submissions::id.eq(p.submission_id).and(ITEM_KEY.gt(p.item)))
                .or(submissions::id.eq(p.submission_id).and(ITEM_KEY.eq(p.item)).and(flags_t::id.gt(p.flag_id))),
        ),
    };
    let rows: Vec<flags::FlagRow> = q.load(conn)?;
    let items = rows.into_iter().map(flags::flag_from_row).collect::<Result<Vec<_>, _>>()?;
    Ok((items, total))
}

/// Filters for [`search_submissions`].
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SubmissionSearch {
    /// Only this fiscal year.
    pub fiscal_year: Option<FiscalYear>,
    /// Only this company.
    pub company_id: Option<i64>,
    /// Only this status.
    pub status: Option<SubmissionStatus>,
    /// Only current revisions.
    pub current_only: bool,
    /// Only risk scores at or above this.
    pub min_risk: Option<u8>,
    /// Only risk scores at or below this.
    pub max_risk: Option<u8>,
}

/// A submission in a list, with its risk score.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Listed {
    /// The submission.
    pub submission: Submission,
    /// Its risk score (0–100), when computed.
    pub risk: Option<u8>,
}

/// Submissions matching a search, newest year first; with the total.
pub fn search_submissions(
    conn: &mut DbConn,
    s: &SubmissionSearch,
    offset: i64,
    limit: i64,
) -> Result<(Vec<Listed>, i64), DbError> {
    let filtered = || {
        let mut q = submissions::table.left_join(submission_risk::table).into_boxed();
        if let Some(y) = s.fiscal_year {
            q = q.filter(submissions::fiscal_year.eq(y.get()));
        }
        if let Some(c) = s.company_id {
            q = q.filter(submissions::company_id.eq(c));
        }
        if let Some(st) = s.status {
            q = q.filter(submissions::status.eq(st.code()));
        }
        if s.current_only {
            q = q.filter(submissions::is_current.eq(true));
        }
        if let Some(min) = s.min_risk {
            q = q.filter(submission_risk::score.ge(i16::from(min)));
        }
        if let Some(max) = s.max_risk {
            q = q.filter(submission_risk::score.le(i16::from(max)));
        }
        q
    };
    let total: i64 = filtered().count().get_result(conn)?;
    let rows: Vec<(i64, Option<i16>)> = filtered()
        .select((submissions::id, submission_risk::score.nullable()))
        .order((submissions::fiscal_year.desc(), submissions::company_id, submissions::revision.desc()))
        .offset(offset)
        .limit(limit)
        .load(conn)?;
    let items = rows
        .into_iter()
        .map(|(id, risk)| {
            Ok(Listed { submission: subs::get(conn, id)?, risk: risk.and_then(|r| u8::try_from(r).ok()) })
        })
        .collect::<Result<Vec<_>, DbError>>()?;
    Ok((items, total))
}

/// A flag with its decisions and replies.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct FlagView {
    /// The flag.
    pub flag: Flag,
    /// The decision in force (the latest).
    pub latest: Option<Review>,
    /// Every decision, oldest first.
    pub reviews: Vec<Review>,
    /// The subsidiary's replies, oldest first, with those on the earlier
    /// revisions' flags its decision was carried over from.
    pub replies: Vec<Reply>,
}

/// A flag with its decisions and replies.
pub fn flag_view(conn: &mut DbConn, flag_id: i64) -> Result<FlagView, DbError> {
    let flag = flags::get(conn, flag_id)?;
    let reviews = flags::reviews_of(conn, flag_id)?;
    let replies = flags::thread_of(conn, flag_id)?;
    Ok(FlagView { flag, latest: reviews.last().cloned(), reviews, replies })
}

/// Everything about one submission.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Detail {
    /// The submission.
    pub submission: Submission,
    /// Its company.
    pub company: Company,
    /// The target level its rates are computed for: the collection's for
    /// that year, else the company's.
    pub target_level: Level,
    /// Self, suggested and reviewed achievement rates.
    pub rates: ThreeRates,
    /// Whether its flags are released to the subsidiary.
    pub flags_released: bool,
    /// Its flags with decisions and replies, by item.
    pub flags: Vec<FlagView>,
    /// Its answers, by item.
    pub answers: Vec<Answer>,
    /// Every revision of its key, oldest first.
    pub revisions: Vec<Submission>,
    /// Its workflow moves, oldest first.
    pub transitions: Vec<Transition>,
    /// Its risk score.
    pub risk: Option<RiskRecord>,
}

/// Everything about one submission.
pub fn detail(conn: &mut DbConn, id: i64) -> Result<Detail, DbError> {
    let submission = subs::get(conn, id)?;
    let company = companies::get(conn, submission.company_id)?;
    let target_level =
        super::collections::target_level_for(conn, company.id, submission.fiscal_year)?.unwrap_or(company.target_level);
    let answers = subs::answers_of(conn, id)?;
    let flag_list = flags::of_submission(conn, id)?;
    let latest: BTreeMap<i64, Review> = flags::latest_reviews(conn, id)?;
    let items: Vec<ScoredItem> =
        answers.iter().map(|a| ScoredItem { number: a.item, level: a.level, evaluation: a.evaluation }).collect();
    let suggestions: Vec<_> = flag_list.iter().filter_map(Flag::suggestion).collect();
    let confirmed = flags::confirmed_scores(conn, id)?;
    let rates = three_rates(&items, &suggestions, &confirmed, target_level);
    let mut views = Vec::with_capacity(flag_list.len());
    for flag in flag_list {
        let reviews = flags::reviews_of(conn, flag.id)?;
        let replies = flags::thread_of(conn, flag.id)?;
        views.push(FlagView { latest: latest.get(&flag.id).cloned(), flag, reviews, replies });
    }
    Ok(Detail {
        flags_released: flags_released(conn, id)?,
        revisions: subs::revisions(conn, submission.company_id, submission.fiscal_year, submission.department_id)?,
        transitions: subs::transitions_of(conn, id)?,
        risk: detection::risk_of(conn, id)?,
        target_level,
        rates,
        flags: views,
        answers,
        company,
        submission,
    })
}

/// Filters for [`audit_page`].
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AuditFilter {
    /// Only this kind of thing.
    pub entity: Option<String>,
    /// Only this thing's id.
    pub entity_id: Option<String>,
    /// Only this acting user.
    pub actor_id: Option<i64>,
}

/// Audit entries, newest first, one page; with the total.
pub fn audit_page(
    conn: &mut DbConn,
    f: &AuditFilter,
    offset: i64,
    limit: i64,
) -> Result<(Vec<audit::AuditEvent>, i64), DbError> {
    use super::schema::audit_events;
    let total: i64 = audit_filtered(f).count().get_result(conn)?;
    let items = audit_filtered(f).order(audit_events::id.desc()).offset(offset).limit(limit).load(conn)?;
    Ok((items, total))
}

/// The audit entries a filter lets through, unordered.
pub(crate) fn audit_filtered(f: &AuditFilter) -> super::schema::audit_events::BoxedQuery<'static, super::conn::Db> {
    use super::schema::audit_events;
    let mut q = audit_events::table.into_boxed();
    if let Some(e) = &f.entity {
        q = q.filter(audit_events::entity.eq(e.clone()));
    }
    if let Some(id) = &f.entity_id {
        q = q.filter(audit_events::entity_id.eq(id.clone()));
    }
    if let Some(a) = f.actor_id {
        q = q.filter(audit_events::actor_id.eq(a));
    }
    q
}
