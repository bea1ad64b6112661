//! What the exports read: the flagged items of many submissions (each flag
//! with its company, answer, item subject and latest decision) in **one
//! joined query** per page or batch, the audit log in batches, and everything
//! a subsidiary's feedback workbook shows.
//!
//! Large exports are read in bounded batches with a keyset (the position of
//! the last row read), not with growing offsets: each batch costs the same,
//! and a row added while an export runs neither repeats nor pushes another
//! row out.

use std::collections::{BTreeMap, BTreeSet};

use chrono::{DateTime, NaiveDateTime, Utc};
use diesel::prelude::*;
use serde::Serialize;

use super::audit::AuditEvent;
use super::flags::{Flag, FlagRow, flag_from_row};
use super::review::{self, AuditFilter, DecisionFilter, Detail, ITEM_KEY, RELEASED};
use super::schema::{answers, audit_events, companies, flags, items, reviews, submission_risk, submissions, users};
use super::{DbConn, DbError};
use crate::domain::{Decision, FiscalYear, ItemNumber, Level, Severity};

/// Filters of the flagged-items export; every one is optional.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct FlagExportFilter {
    /// Only this fiscal year.
    pub fiscal_year: Option<FiscalYear>,
    /// Only this company.
    pub company_id: Option<i64>,
    /// Only items of this level (the answer's level; leaves out flags on a whole sheet).
    pub level: Option<Level>,
    /// Only this item.
    pub item: Option<ItemNumber>,
    /// Only this rule.
    pub rule: Option<String>,
    /// Only this severity.
    pub severity: Option<Severity>,
    /// Only flags whose latest decision is this.
    pub decision: Option<DecisionFilter>,
    /// Flags of every revision, not only of current ones.
    pub include_superseded: bool,
}

/// The latest decision on a flag.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct LatestDecision {
    /// Confirmed (with the reviewed score) or dismissed.
    pub decision: Decision,
    /// The reviewer's comment.
    pub comment: String,
    /// The reviewer (none when the system carried the decision over).
    pub reviewer_id: Option<i64>,
    /// The reviewer's display name.
    pub reviewer: Option<String>,
    /// When.
    pub decided_at: DateTime<Utc>,
    /// The decision it was carried over from (on the previous revision's
    /// flag), when the item did not change.
    pub carried_from: Option<i64>,
}

/// One flag with what an auditor reads beside it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct FlaggedItem {
    /// The flag (its submission, item, rule, severity, claim, suggestion, reasons).
    pub flag: Flag,
    /// Company id.
    pub company_id: i64,
    /// 会社コード.
    pub company_code: String,
    /// 会社名.
    pub company_name: String,
    /// Fiscal year.
    pub fiscal_year: i32,
    /// The submission's revision number.
    pub revision: u32,
    /// The sheet's risk, as the detector computed it.
    pub sheet_risk: Option<u8>,
    /// The sheet's residual risk after review (the same formula over the
    /// flags still standing).
    pub sheet_residual_risk: Option<u8>,
    /// Whether the submission is the current revision.
    pub is_current: bool,
    /// The answer's level (none for a flag on the whole sheet).
    pub level: Option<Level>,
    /// The item's subject (Japanese), when the catalog has the item.
    pub subject_ja: Option<String>,
    /// The answer's evidence text (評価の根拠).
    pub evidence: Option<String>,
    /// The latest decision, if any.
    pub latest: Option<LatestDecision>,
    /// Whether the flags of the submission are released to its subsidiary.
    pub released: bool,
}

impl FlaggedItem {
    /// Its position in the export's order, to read the next batch after it.
    pub fn key(&self) -> FlagKey {
        FlagKey {
            fiscal_year: self.fiscal_year,
            company_code: self.company_code.clone(),
            item: self.flag.flag.target.item().map_or(0, i32::from),
            flag_id: self.flag.id,
        }
    }
}

/// A position in the export's order: fiscal year (newest first), company
/// code, item (a whole-sheet flag first), flag id.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FlagKey {
    fiscal_year: i32,
    company_code: String,
    item: i32,
    flag_id: i64,
}

/// As a cursor: `year.item.flag.` then the company code in hex (any text
/// a code holds stays URL-safe).
impl std::fmt::Display for FlagKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}.{}.{}.", self.fiscal_year, self.item, self.flag_id)?;
        self.company_code.bytes().try_for_each(|b| write!(f, "{b:02x}"))
    }
}

impl std::str::FromStr for FlagKey {
    type Err = crate::error::ParseError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let bad = || crate::error::ParseError::new("after", s, "a cursor from a page's `next`");
        let mut parts = s.splitn(4, '.');
        let mut next = || parts.next().ok_or_else(bad);
        let (year, item, flag, code) = (next()?, next()?, next()?, next()?);
        if code.len() % 2 != 0 || !code.is_ascii() {
            return Err(bad());
        }
        let bytes = (0..code.len())
            .step_by(2)
            .map(|i| u8::from_str_radix(&code[i..i + 2], 16))
            .collect::<Result<Vec<u8>, _>>()
            .map_err(|_| bad())?;
        Ok(FlagKey {
            fiscal_year: year.parse().map_err(|_| bad())?,
            company_code: String::from_utf8(bytes).map_err(|_| bad())?,
            item: item.parse().map_err(|_| bad())?,
            flag_id: flag.parse().map_err(|_| bad())?,
        })
    }
}

/// Where to start reading.
enum Window<'a> {
    /// Skip this many rows (a page).
    Offset(i64),
    /// Rows after this position (a batch).
    After(Option<&'a FlagKey>),
}

type WherePart = (i32, i32, bool, i64, String, String, Option<i16>, Option<i16>);
type AnswerPart = (Option<i16>, Option<String>, Option<String>);
type ReviewPart =
    (Option<String>, Option<i16>, Option<String>, Option<i64>, Option<NaiveDateTime>, Option<String>, Option<i64>);
type Row = (FlagRow, WherePart, AnswerPart, ReviewPart, bool);

/// The export's joined query with every filter of `$f` applied (boxed), for
/// the rows, their count and the counts per rule alike.
macro_rules! filtered_flags {
    ($f:expr) => {{
        let f: &FlagExportFilter = $f;
        let mut q = flags::table
            .inner_join(submissions::table.inner_join(companies::table))
            .left_join(
                answers::table.on(answers::submission_id
                    .eq(flags::submission_id)
                    .and(answers::item_number.nullable().eq(flags::item_number))),
            )
            .left_join(items::table.on(
                items::framework_id.eq(submissions::framework_id).and(items::number.nullable().eq(flags::item_number)),
            ))
            // The decision in force, kept on the flag row.
            .left_join(reviews::table.on(flags::review_id.eq(reviews::id.nullable())))
            .left_join(users::table.on(users::id.nullable().eq(reviews::reviewer_id)))
            .left_join(submission_risk::table.on(submission_risk::submission_id.eq(flags::submission_id)))
            .into_boxed();
        if let Some(y) = f.fiscal_year {
            q = q.filter(submissions::fiscal_year.eq(y.get()));
        }
        if let Some(c) = f.company_id {
            q = q.filter(submissions::company_id.eq(c));
        }
        if let Some(l) = f.level {
            q = q.filter(answers::level.eq(i16::from(l.number())));
        }
        if let Some(i) = f.item {
            q = q.filter(flags::item_number.eq(i32::from(i)));
        }
        if let Some(r) = &f.rule {
            q = q.filter(flags::rule.eq(r.clone()));
        }
        if let Some(s) = f.severity {
            q = q.filter(flags::severity.eq(s.code()));
        }
        q = match f.decision {
            None => q,
            Some(DecisionFilter::Undecided) => q.filter(flags::decision.is_null()),
            Some(DecisionFilter::Confirmed) => q.filter(flags::decision.eq("confirmed")),
            Some(DecisionFilter::Dismissed) => q.filter(flags::decision.eq("dismissed")),
        };
        if !f.include_superseded {
            q = q.filter(submissions::is_current.eq(true));
        }
        q
    }};
}

/// Reads flagged items in the export's order; with `count`, also the total.
fn fetch(
    conn: &mut DbConn,
    f: &FlagExportFilter,
    window: Window<'_>,
    limit: i64,
    count: bool,
) -> Result<(Vec<FlaggedItem>, Option<super::Total>), DbError> {
    let filtered = || filtered_flags!(f);
    let total = if count {
        let key = format!("export {:?}", FlagExportFilter { fiscal_year: None, ..f.clone() });
        Some(super::counts::total(conn, yearly(f), &key, |conn| {
            let read = filtered().select(flags::id).limit(super::COUNT_CAP + 1).load::<i64>(conn)?.len();
            Ok(super::Total::of_read(read))
        })?)
    } else {
        None
    };
    let mut q = filtered()
        .select((
            flags::all_columns,
            (
                submissions::fiscal_year,
                submissions::revision,
                submissions::is_current,
                companies::id,
                companies::code,
                companies::name,
                submission_risk::score.nullable(),
                submission_risk::residual.nullable(),
            ),
            (answers::level.nullable(), answers::evidence.nullable(), items::subject_ja.nullable()),
            (
                reviews::decision.nullable(),
                reviews::reviewed_score.nullable(),
                reviews::comment.nullable(),
                reviews::reviewer_id.nullable(),
                reviews::decided_at.nullable(),
                users::display_name.nullable(),
                reviews::carried_from.nullable(),
            ),
            RELEASED,
        ))
        .order((submissions::fiscal_year.desc(), companies::code.asc(), ITEM_KEY.asc(), flags::id.asc()))
        .limit(limit);
    match window {
        Window::Offset(n) => q = q.offset(n),
        Window::After(None) => {}
        Window::After(Some(k)) => {
            let same_year = || submissions::fiscal_year.eq(k.fiscal_year);
            let same_company = || companies::code.eq(k.company_code.clone());
            q = q.filter(
                submissions::fiscal_year
                    .lt(k.fiscal_year)
                    .or(same_year().and(companies::code.gt(k.company_code.clone())))
                    .or(same_year().and(same_company()).and(ITEM_KEY.gt(k.item)))
                    .or(same_year().and(same_company()).and(ITEM_KEY.eq(k.item)).and(flags::id.gt(k.flag_id))),
            );
        }
    }
    let rows: Vec<Row> = q.load(conn)?;
    let items = rows.into_iter().map(flagged_from_row).collect::<Result<Vec<_>, _>>()?;
    Ok((items, total))
}

fn flagged_from_row((fl, wh, an, rv, released): Row) -> Result<FlaggedItem, DbError> {
    let latest = match (rv.0, rv.2, rv.4) {
        (Some(code), Some(comment), Some(at)) => Some(LatestDecision {
            decision: Decision::from_parts(&code, rv.1)?,
            comment,
            reviewer_id: rv.3,
            reviewer: rv.5,
            decided_at: crate::time::from_db(at),
            carried_from: rv.6,
        }),
        _ => None,
    };
    Ok(FlaggedItem {
        flag: flag_from_row(fl)?,
        fiscal_year: wh.0,
        revision: u32::try_from(wh.1).unwrap_or_default(),
        is_current: wh.2,
        company_id: wh.3,
        company_code: wh.4,
        company_name: wh.5,
        sheet_risk: wh.6.and_then(|r| u8::try_from(r).ok()),
        sheet_residual_risk: wh.7.and_then(|r| u8::try_from(r).ok()),
        level: an.0.map(|l| Level::try_from(i32::from(l))).transpose()?,
        evidence: an.1,
        subject_ja: an.2,
        latest,
        released,
    })
}

/// One page of flagged items in the export's order (fiscal year newest
/// first, company code, item, flag id), with the total (counted up to
/// [`COUNT_CAP`](super::COUNT_CAP)).
pub fn flagged_page(
    conn: &mut DbConn,
    f: &FlagExportFilter,
    start: super::Start<FlagKey>,
    limit: i64,
) -> Result<(Vec<FlaggedItem>, super::Total), DbError> {
    let window = match &start {
        super::Start::Offset(n) => Window::Offset(*n),
        super::Start::After(k) => Window::After(Some(k)),
    };
    let (items, total) = fetch(conn, f, window, limit, true)?;
    Ok((items, total.unwrap_or(super::Total::exact(0))))
}

/// One page of flagged items in the export's order, without counting them
/// (a CSV page has no total).
pub fn flagged_rows(
    conn: &mut DbConn,
    f: &FlagExportFilter,
    offset: i64,
    limit: i64,
) -> Result<Vec<FlaggedItem>, DbError> {
    Ok(fetch(conn, f, Window::Offset(offset), limit, false)?.0)
}

/// At most `limit` flagged items after `after` (from the start without it),
/// in the export's order.
pub fn flagged_after(
    conn: &mut DbConn,
    f: &FlagExportFilter,
    after: Option<&FlagKey>,
    limit: i64,
) -> Result<Vec<FlaggedItem>, DbError> {
    Ok(fetch(conn, f, Window::After(after), limit, false)?.0)
}

/// How many flagged items each rule raised under the export's filter, by
/// count (most first), then rule: the rules found, then one count per rule
/// (a boxed query cannot be grouped, and the rules are few).
/// A year's counts are made once per change of that year (db::counts).
pub fn flagged_counts_by_rule(conn: &mut DbConn, f: &FlagExportFilter) -> Result<Vec<(String, i64)>, DbError> {
    let key = format!("by-rule {:?}", FlagExportFilter { fiscal_year: None, ..f.clone() });
    super::counts::by_rule(conn, yearly(f), &key, |conn| {
        let rules: Vec<String> = filtered_flags!(f).select(flags::rule).distinct().load(conn)?;
        let mut counts = Vec::with_capacity(rules.len());
        for rule in rules {
            let one = FlagExportFilter { rule: Some(rule.clone()), ..f.clone() };
            counts.push((rule, filtered_flags!(&one).count().get_result::<i64>(conn)?));
        }
        counts.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
        Ok(counts)
    })
}

/// The year whose kept counts serve a filter: a whole year's list, not one
/// company's (whose count is small and made each time).
fn yearly(f: &FlagExportFilter) -> Option<FiscalYear> {
    f.fiscal_year.filter(|_| f.company_id.is_none())
}

/// At most `limit` audit entries older than entry `before` (from the newest
/// without it), newest first.
pub fn audit_before(
    conn: &mut DbConn,
    f: &AuditFilter,
    before: Option<i64>,
    limit: i64,
) -> Result<Vec<AuditEvent>, DbError> {
    let mut q = review::audit_filtered(f);
    if let Some(id) = before {
        q = q.filter(audit_events::id.lt(id));
    }
    Ok(q.order(audit_events::id.desc()).limit(limit).load(conn)?)
}

/// What a subsidiary's feedback workbook shows of one submission.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Feedback {
    /// The submission with its company, answers, flags, decisions and moves.
    pub detail: Detail,
    /// Each answered item's subject (Japanese), when the catalog has it.
    pub subjects: BTreeMap<ItemNumber, String>,
    /// Display names of the reviewers and of whoever moved the submission.
    pub names: BTreeMap<i64, String>,
}

/// Everything the feedback workbook of a submission shows.
pub fn feedback(conn: &mut DbConn, submission_id: i64) -> Result<Feedback, DbError> {
    let detail = review::detail(conn, submission_id)?;
    let subjects: Vec<(i32, String)> = items::table
        .filter(items::framework_id.eq(&detail.submission.framework_id))
        .select((items::number, items::subject_ja))
        .load(conn)?;
    let subjects = subjects.into_iter().filter_map(|(n, s)| Some((ItemNumber::try_from(n).ok()?, s))).collect();
    let people: BTreeSet<i64> = detail
        .flags
        .iter()
        .flat_map(|f| f.reviews.iter().filter_map(|r| r.reviewer_id))
        .chain(detail.transitions.iter().filter_map(|t| t.actor_id))
        .collect();
    let names: Vec<(i64, String)> =
        users::table.filter(users::id.eq_any(people)).select((users::id, users::display_name)).load(conn)?;
    Ok(Feedback { detail, subjects, names: names.into_iter().collect() })
}
