//! Over-rating flags, decisions and replies.

use hyoka_model::db::flags::{Flag, Reply, Review};
use hyoka_model::db::review::FlagView;
use hyoka_model::domain::Decision;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::t;

/// A reviewer's decision.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ReviewDto {
    /// Id.
    pub id: i64,
    /// `confirmed` or `dismissed`.
    pub decision: String,
    /// The score the reviewer holds the item to be worth (confirmed only).
    pub reviewed_score: Option<u8>,
    /// Comment to the subsidiary.
    pub comment: String,
    /// Reviewer.
    pub reviewer_id: Option<i64>,
    /// When (+09:00).
    pub decided_at: String,
    /// The decision on the previous revision this one carries over.
    pub carried_from: Option<i64>,
}

impl From<&Review> for ReviewDto {
    fn from(r: &Review) -> Self {
        ReviewDto {
            id: r.id,
            decision: r.decision.code().to_owned(),
            reviewed_score: match r.decision {
                Decision::Confirmed { reviewed_score } => Some(reviewed_score.value()),
                Decision::Dismissed => None,
            },
            comment: r.comment.clone(),
            reviewer_id: r.reviewer_id,
            decided_at: t(r.decided_at),
            carried_from: r.carried_from,
        }
    }
}

/// A subsidiary's reply to a flag.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ReplyDto {
    /// Id.
    pub id: i64,
    /// The flag it was written on: this flag, or the earlier revision's flag
    /// its decision was carried over from.
    pub flag_id: i64,
    /// Author.
    pub author_id: Option<i64>,
    /// Text.
    pub body: String,
    /// When (+09:00).
    pub created_at: String,
}

impl From<&Reply> for ReplyDto {
    fn from(r: &Reply) -> Self {
        ReplyDto {
            id: r.id,
            flag_id: r.flag_id,
            author_id: r.author_id,
            body: r.body.clone(),
            created_at: t(r.created_at.0),
        }
    }
}

/// An over-rating flag with the decision in force.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct FlagDto {
    /// Id.
    pub id: i64,
    /// Submission.
    pub submission_id: i64,
    /// Item, or null for the whole sheet.
    pub item: Option<u16>,
    /// Rule id.
    pub rule: String,
    /// `info`, `low`, `medium` or `high`.
    pub severity: String,
    /// The score as submitted.
    pub claimed: String,
    /// The score the rule suggests.
    pub suggested: Option<u8>,
    /// Reason (Japanese).
    pub reason_ja: String,
    /// Reason (English).
    pub reason_en: String,
    /// Detector version.
    pub detector_version: String,
    /// Raised (+09:00).
    pub created_at: String,
    /// The decision in force, if any.
    pub decision: Option<ReviewDto>,
}

impl FlagDto {
    /// A flag with its latest decision.
    pub fn new(f: &Flag, latest: Option<&Review>) -> FlagDto {
        FlagDto {
            id: f.id,
            submission_id: f.submission_id,
            item: f.flag.target.item().map(|i| i.get()),
            rule: f.flag.rule.clone(),
            severity: f.flag.severity.code().to_owned(),
            claimed: f.flag.claimed.code().to_owned(),
            suggested: f.flag.suggested.map(|p| p.value()),
            reason_ja: f.flag.reason_ja.clone(),
            reason_en: f.flag.reason_en.clone(),
            detector_version: f.flag.detector_version.clone(),
            created_at: t(f.created_at),
            decision: latest.map(ReviewDto::from),
        }
    }
}

/// A flag with every decision and reply.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct FlagDetail {
    /// The flag and its decision in force.
    pub flag: FlagDto,
    /// Every decision, oldest first.
    pub reviews: Vec<ReviewDto>,
    /// Replies, oldest first.
    pub replies: Vec<ReplyDto>,
}

impl From<&FlagView> for FlagDetail {
    fn from(v: &FlagView) -> Self {
        FlagDetail {
            flag: FlagDto::new(&v.flag, v.latest.as_ref()),
            reviews: v.reviews.iter().map(ReviewDto::from).collect(),
            replies: v.replies.iter().map(ReplyDto::from).collect(),
        }
    }
}

/// `POST /api/v1/flags/{id}/decision`.
#[derive(Debug, Deserialize, ToSchema)]
pub struct DecideRequest {
    /// `confirmed` or `dismissed`.
    pub decision: String,
    /// For `confirmed`: the score the item is worth (0, 1 or 2).
    pub reviewed_score: Option<u8>,
    /// Comment to the subsidiary (required when confirming).
    #[serde(default)]
    pub comment: String,
}

/// `POST /api/v1/flags/{id}/replies`.
#[derive(Debug, Deserialize, ToSchema)]
pub struct ReplyRequest {
    /// The answer to the flag.
    pub body: String,
}
