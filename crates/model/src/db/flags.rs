//! Flags raised on a submission, reviewers' decisions on them, and the
//! subsidiary's replies.

use std::collections::BTreeMap;

use chrono::{DateTime, NaiveDateTime, Utc};
use diesel::prelude::*;
use serde::Serialize;

use super::audit::{self, Change};
use super::schema::{flags, replies, reviews};
use super::{DbConn, DbError, found, write_tx};
use crate::domain::{Decision, Evaluation, FlagTarget, ItemNumber, Points, Severity};
use crate::limits::{self, Field};
use crate::scoring::{ConfirmedScore, FlagSuggestion};
use crate::workflow::{Actor, answer_unchanged};

/// A flag to store (what a detector produced).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct NewFlag {
    /// The item, or the whole sheet.
    pub target: FlagTarget,
    /// Rule id.
    pub rule: String,
    /// Severity.
    pub severity: Severity,
    /// The score as submitted.
    pub claimed: Evaluation,
    /// The score the rule suggests, if any.
    pub suggested: Option<Points>,
    /// Reason in Japanese.
    pub reason_ja: String,
    /// Reason in English.
    pub reason_en: String,
    /// Version of the detector that raised it.
    pub detector_version: String,
    /// Hash of the detector configuration it ran with.
    pub config_hash: String,
}

/// A stored flag.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Flag {
    /// Id.
    pub id: i64,
    /// Submission.
    pub submission_id: i64,
    /// What it is about.
    #[serde(flatten)]
    pub flag: NewFlag,
    /// When it was raised.
    pub created_at: DateTime<Utc>,
}

impl Flag {
    /// What scoring needs of this flag (sheet-level flags suggest nothing).
    pub fn suggestion(&self) -> Option<FlagSuggestion> {
        Some(FlagSuggestion {
            item: self.flag.target.item()?,
            severity: self.flag.severity,
            suggested: self.flag.suggested,
        })
    }
}

/// A `flags` row, in the order of `flags::all_columns`.
#[derive(Queryable)]
pub(crate) struct FlagRow {
    pub(crate) id: i64,
    pub(crate) submission_id: i64,
    pub(crate) item_number: Option<i32>,
    pub(crate) rule: String,
    pub(crate) severity: String,
    pub(crate) claimed: String,
    pub(crate) suggested: Option<i16>,
    pub(crate) reason_ja: String,
    pub(crate) reason_en: String,
    pub(crate) detector_version: String,
    pub(crate) config_hash: String,
    pub(crate) created_at: NaiveDateTime,
    /// The kept decision in force (its review), read through queries only.
    pub(crate) _review_id: Option<i64>,
    pub(crate) _decision: Option<String>,
}

/// A flag from its row.
pub(crate) fn flag_from_row(r: FlagRow) -> Result<Flag, DbError> {
    Ok(Flag {
        id: r.id,
        submission_id: r.submission_id,
        flag: NewFlag {
            target: match r.item_number {
                Some(n) => FlagTarget::Item(ItemNumber::try_from(n)?),
                None => FlagTarget::Sheet,
            },
            rule: r.rule,
            severity: r.severity.parse()?,
            claimed: Evaluation::from_code(&r.claimed)?,
            suggested: r.suggested.map(points_from_i16).transpose()?,
            reason_ja: r.reason_ja,
            reason_en: r.reason_en,
            detector_version: r.detector_version,
            config_hash: r.config_hash,
        },
        created_at: crate::time::from_db(r.created_at),
    })
}

fn points_from_i16(v: i16) -> Result<Points, DbError> {
    Ok(Points::try_from(u8::try_from(v).unwrap_or(u8::MAX))?)
}

/// Stores flags on a submission, inside the caller's write transaction: one
/// multi-row insert per 100 flags (a sheet rarely has more), returning the
/// rows in the order given.
pub fn insert_in_tx(conn: &mut DbConn, submission_id: i64, new: &[NewFlag]) -> Result<Vec<Flag>, DbError> {
    let now = crate::time::now().naive_utc();
    let rows: Vec<_> = new
        .iter()
        .map(|f| {
            (
                flags::submission_id.eq(submission_id),
                flags::item_number.eq(f.target.item().map(i32::from)),
                flags::rule.eq(&f.rule),
                flags::severity.eq(f.severity.code()),
                flags::claimed.eq(f.claimed.code()),
                flags::suggested.eq(f.suggested.map(|p| i16::from(p.value()))),
                flags::reason_ja.eq(&f.reason_ja),
                flags::reason_en.eq(&f.reason_en),
                flags::detector_version.eq(&f.detector_version),
                flags::config_hash.eq(&f.config_hash),
                flags::created_at.eq(now),
            )
        })
        .collect();
    let mut out = Vec::with_capacity(new.len());
    // 100 rows × 11 values stay under SQLite's bound-parameter limit.
    for chunk in rows.chunks(100) {
        let mut stored: Vec<FlagRow> = on_each_backend!(conn, c => {
            diesel::insert_into(flags::table).values(chunk).returning(flags::all_columns).get_results(c)?
        });
        // Ids grow in insertion order on both backends.
        stored.sort_by_key(|r| r.id);
        for row in stored {
            out.push(flag_from_row(row)?);
        }
    }
    Ok(out)
}

/// A flag by id.
pub fn get(conn: &mut DbConn, id: i64) -> Result<Flag, DbError> {
    flag_from_row(found(flags::table.find(id).first::<FlagRow>(conn), || format!("flag {id}"))?)
}

/// The flags of a submission, by item then id.
pub fn of_submission(conn: &mut DbConn, submission_id: i64) -> Result<Vec<Flag>, DbError> {
    flags::table
        .filter(flags::submission_id.eq(submission_id))
        .order((flags::item_number, flags::id))
        .load::<FlagRow>(conn)?
        .into_iter()
        .map(flag_from_row)
        .collect()
}

/// A reviewer's decision on a flag.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Review {
    /// Id.
    pub id: i64,
    /// Flag decided on.
    pub flag_id: i64,
    /// The decision.
    #[serde(flatten)]
    pub decision: Decision,
    /// The reviewer's comment.
    pub comment: String,
    /// Reviewer (none when carried over by the system).
    pub reviewer_id: Option<i64>,
    /// When.
    pub decided_at: DateTime<Utc>,
    /// The review of the previous revision this one carries over.
    pub carried_from: Option<i64>,
}

/// A `reviews` row, in the order of `reviews::all_columns`.
#[derive(Queryable)]
struct ReviewRow {
    id: i64,
    flag_id: i64,
    decision: String,
    reviewed_score: Option<i16>,
    comment: String,
    reviewer_id: Option<i64>,
    decided_at: NaiveDateTime,
    carried_from: Option<i64>,
}

fn review_from_row(r: ReviewRow) -> Result<Review, DbError> {
    Ok(Review {
        id: r.id,
        flag_id: r.flag_id,
        decision: Decision::from_parts(&r.decision, r.reviewed_score)?,
        comment: r.comment,
        reviewer_id: r.reviewer_id,
        decided_at: crate::time::from_db(r.decided_at),
        carried_from: r.carried_from,
    })
}

fn insert_review(
    conn: &mut DbConn,
    flag_id: i64,
    decision: Decision,
    comment: &str,
    reviewer_id: Option<i64>,
    carried_from: Option<i64>,
) -> Result<Review, DbError> {
    let score = match decision {
        Decision::Confirmed { reviewed_score } => Some(i16::from(reviewed_score.value())),
        Decision::Dismissed => None,
    };
    let row: ReviewRow = diesel::insert_into(reviews::table)
        .values((
            reviews::flag_id.eq(flag_id),
            reviews::decision.eq(decision.code()),
            reviews::reviewed_score.eq(score),
            reviews::comment.eq(comment.trim()),
            reviews::reviewer_id.eq(reviewer_id),
            reviews::decided_at.eq(crate::time::now().naive_utc()),
            reviews::carried_from.eq(carried_from),
        ))
        .returning(reviews::all_columns)
        .get_result(conn)?;
    // The decision in force, kept on the flag in the same transaction: a
    // review is never deleted, so the newest is the latest.
    diesel::update(flags::table.find(flag_id))
        .set((flags::review_id.eq(row.id), flags::decision.eq(decision.code())))
        .execute(conn)?;
    review_from_row(row)
}

/// Flags whose kept decision (`flags.review_id`, `flags.decision`) differs
/// from a fresh reading of their reviews; at most `limit`, for
/// `hyoka admin check-summaries`.
pub fn verify_kept_decisions(conn: &mut DbConn, limit: i64) -> Result<Vec<String>, DbError> {
    #[derive(QueryableByName)]
    struct Bad {
        #[diesel(sql_type = diesel::sql_types::BigInt)]
        id: i64,
        #[diesel(sql_type = diesel::sql_types::Nullable<diesel::sql_types::BigInt>)]
        kept_review: Option<i64>,
        #[diesel(sql_type = diesel::sql_types::Nullable<diesel::sql_types::Text>)]
        kept_decision: Option<String>,
        #[diesel(sql_type = diesel::sql_types::Nullable<diesel::sql_types::BigInt>)]
        latest_review: Option<i64>,
        #[diesel(sql_type = diesel::sql_types::Nullable<diesel::sql_types::Text>)]
        latest_decision: Option<String>,
    }
    let rows: Vec<Bad> = diesel::sql_query(format!(
        "SELECT f.id, f.review_id AS kept_review, f.decision AS kept_decision, \
                l.latest_review, rv.decision AS latest_decision \
         FROM flags f \
         LEFT JOIN (SELECT flag_id, MAX(id) AS latest_review FROM reviews GROUP BY flag_id) l ON l.flag_id = f.id \
         LEFT JOIN reviews rv ON rv.id = l.latest_review \
         WHERE COALESCE(f.review_id, 0) <> COALESCE(l.latest_review, 0) \
            OR COALESCE(f.decision, '') <> COALESCE(rv.decision, '') \
         ORDER BY f.id LIMIT {limit}"
    ))
    .load(conn)?;
    Ok(rows
        .into_iter()
        .map(|b| {
            format!(
                "flag {}: kept decision {:?} (review {:?}), latest {:?} (review {:?})",
                b.id, b.kept_decision, b.kept_review, b.latest_decision, b.latest_review
            )
        })
        .collect())
}

/// Records a decision on a flag inside the caller's write transaction. A
/// later decision on the same flag replaces the earlier one for scoring; both
/// stay in the history. The workflow guard and the dashboards' summary are
/// the caller's (`writes::decide`).
pub fn decide_in_tx(
    conn: &mut DbConn,
    actor: Actor,
    flag_id: i64,
    decision: Decision,
    comment: &str,
) -> Result<Review, DbError> {
    get(conn, flag_id)?;
    let review = insert_review(conn, flag_id, decision, comment, actor.user_id(), None)?;
    audit::append(conn, actor, "flag.decide", Change::created("review", review.id, &review))?;
    Ok(review)
}

/// Every decision on a flag, oldest first.
pub fn reviews_of(conn: &mut DbConn, flag_id: i64) -> Result<Vec<Review>, DbError> {
    reviews::table
        .filter(reviews::flag_id.eq(flag_id))
        .order(reviews::id)
        .load::<ReviewRow>(conn)?
        .into_iter()
        .map(review_from_row)
        .collect()
}

/// The latest decision on each of some flags, by flag id (one query).
pub fn latest_reviews_of(conn: &mut DbConn, flag_ids: &[i64]) -> Result<BTreeMap<i64, Review>, DbError> {
    let rows: Vec<ReviewRow> = reviews::table
        .inner_join(flags::table.on(flags::review_id.eq(reviews::id.nullable())))
        .filter(flags::id.eq_any(flag_ids))
        .select(reviews::all_columns)
        .load(conn)?;
    rows.into_iter().map(|r| review_from_row(r).map(|review| (review.flag_id, review))).collect()
}

/// The latest decision on each flag of a submission, by flag id.
pub fn latest_reviews(conn: &mut DbConn, submission_id: i64) -> Result<BTreeMap<i64, Review>, DbError> {
    let rows: Vec<ReviewRow> = reviews::table
        .inner_join(flags::table.on(flags::review_id.eq(reviews::id.nullable())))
        .filter(flags::submission_id.eq(submission_id))
        .select(reviews::all_columns)
        .load(conn)?;
    rows.into_iter().map(|r| review_from_row(r).map(|review| (review.flag_id, review))).collect()
}

/// The confirmed scores of a submission (latest decision per flag), for the
/// reviewed achievement rate.
pub fn confirmed_scores(conn: &mut DbConn, submission_id: i64) -> Result<Vec<ConfirmedScore>, DbError> {
    let flags_by_id: BTreeMap<i64, Flag> = of_submission(conn, submission_id)?.into_iter().map(|f| (f.id, f)).collect();
    Ok(latest_reviews(conn, submission_id)?
        .values()
        .filter_map(|r| match r.decision {
            Decision::Confirmed { reviewed_score } => {
                let item = flags_by_id.get(&r.flag_id)?.flag.target.item()?;
                Some(ConfirmedScore { item, score: reviewed_score })
            }
            Decision::Dismissed => None,
        })
        .collect())
}

/// Copies the latest decisions of the previous revision's flags to the new
/// revision's flags with the same item and rule, where that item's score and
/// evidence did not change. Returns how many decisions were carried over.
pub fn carry_over_in_tx(conn: &mut DbConn, actor: Actor, previous_id: i64, next_id: i64) -> Result<usize, DbError> {
    let prev_answers: BTreeMap<ItemNumber, _> =
        super::submissions::answers_of(conn, previous_id)?.into_iter().map(|a| (a.item, a)).collect();
    let next_answers: BTreeMap<ItemNumber, _> =
        super::submissions::answers_of(conn, next_id)?.into_iter().map(|a| (a.item, a)).collect();
    let prev_flags = of_submission(conn, previous_id)?;
    let prev_reviews = latest_reviews(conn, previous_id)?;
    let already = latest_reviews(conn, next_id)?;
    let mut carried = 0;
    for next_flag in of_submission(conn, next_id)? {
        if already.contains_key(&next_flag.id) {
            continue;
        }
        let Some(item) = next_flag.flag.target.item() else {
            continue;
        };
        let (Some(pa), Some(na)) = (prev_answers.get(&item), next_answers.get(&item)) else {
            continue;
        };
        if !answer_unchanged((pa.evaluation, &pa.evidence), (na.evaluation, &na.evidence)) {
            continue;
        }
        let source = prev_flags
            .iter()
            .filter(|f| f.flag.target == next_flag.flag.target && f.flag.rule == next_flag.flag.rule)
            .find_map(|f| prev_reviews.get(&f.id));
        if let Some(review) = source {
            let copy = insert_review(
                conn,
                next_flag.id,
                review.decision,
                &review.comment,
                review.reviewer_id,
                Some(review.id),
            )?;
            // Carried, not decided anew: the entry names the upload's actor
            // and the decision it copies (`carried_from`).
            audit::append(conn, actor, "flag.decision_carried", Change::created("review", copy.id, &copy))?;
            carried += 1;
        }
    }
    Ok(carried)
}

/// A subsidiary's answer to a flag.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Queryable)]
pub struct Reply {
    /// Id.
    pub id: i64,
    /// Flag answered.
    pub flag_id: i64,
    /// Author.
    pub author_id: Option<i64>,
    /// Text.
    pub body: String,
    /// When (UTC).
    #[diesel(deserialize_as = NaiveDateTime)]
    pub created_at: super::audit::UtcTime,
}

/// Records a reply to a flag. Subsidiary users may reply only on their own
/// company's sheets.
pub fn reply(conn: &mut DbConn, actor: Actor, flag_id: i64, body: &str) -> Result<Reply, DbError> {
    let body = body.trim();
    if body.is_empty() {
        return Err(DbError::Invalid("a reply needs text / 回答を入力してください".into()));
    }
    limits::check(Field::Reply, body)?;
    write_tx(conn, |conn| {
        let flag = get(conn, flag_id)?;
        let sub = super::submissions::get(conn, flag.submission_id)?;
        if !actor.acts_for(sub.company_id) {
            return Err(DbError::Forbidden(
                "you may reply only on your own company's sheets / 自社の提出物にのみ回答できます".into(),
            ));
        }
        let r: Reply = diesel::insert_into(replies::table)
            .values((
                replies::flag_id.eq(flag_id),
                replies::author_id.eq(actor.user_id()),
                replies::body.eq(body),
                replies::created_at.eq(crate::time::now().naive_utc()),
            ))
            .returning(replies::all_columns)
            .get_result(conn)?;
        audit::append(conn, actor, "flag.reply", Change::created("reply", r.id, &r))?;
        Ok(r)
    })
}

/// Replies to a flag, oldest first.
pub fn replies_of(conn: &mut DbConn, flag_id: i64) -> Result<Vec<Reply>, DbError> {
    Ok(replies::table.filter(replies::flag_id.eq(flag_id)).order(replies::id).load(conn)?)
}

/// A flag's whole thread: its replies and those on the earlier revisions'
/// flags its decisions were carried over from (the item unchanged), oldest
/// first. Each reply keeps the flag (so the revision) it was written on.
pub fn thread_of(conn: &mut DbConn, flag_id: i64) -> Result<Vec<Reply>, DbError> {
    let mut flags_in_thread = vec![flag_id];
    let mut at = flag_id;
    // Follow carried_from back: each step is one earlier revision.
    for _ in 0..64 {
        let from: Option<i64> = reviews::table
            .filter(reviews::flag_id.eq(at))
            .filter(reviews::carried_from.is_not_null())
            .order(reviews::id.desc())
            .select(reviews::carried_from)
            .first::<Option<i64>>(conn)
            .optional()?
            .flatten();
        let Some(review_id) = from else { break };
        let earlier: i64 = reviews::table.find(review_id).select(reviews::flag_id).first(conn)?;
        if flags_in_thread.contains(&earlier) {
            break;
        }
        flags_in_thread.push(earlier);
        at = earlier;
    }
    Ok(replies::table.filter(replies::flag_id.eq_any(&flags_in_thread)).order(replies::id).load(conn)?)
}
