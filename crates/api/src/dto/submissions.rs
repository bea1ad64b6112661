//! Submissions: the sheet, its answers, rates, moves and risk.

use hyoka_model::db::detection::RiskRecord;
use hyoka_model::db::review::Release;
use hyoka_model::db::submissions::{Submission, Transition};
use hyoka_model::domain::Level;
use hyoka_model::scoring::{Achievement, Rate, ThreeRates};
use hyoka_model::sheet::Answer;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::{CompanyDto, FlagDetail, t};

/// A submission (one revision of one sheet).
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct SubmissionDto {
    /// Id.
    pub id: i64,
    /// Company.
    pub company_id: i64,
    /// Fiscal year.
    pub fiscal_year: i32,
    /// Department, when the company submits per department.
    pub department_id: Option<i64>,
    /// Framework answered.
    pub framework_id: String,
    /// Revision number, from 1.
    pub revision: u32,
    /// File name as uploaded.
    pub source_filename: String,
    /// SHA-256 of the file.
    pub source_sha256: String,
    /// Uploading user.
    pub uploaded_by: Option<i64>,
    /// Uploaded (+09:00).
    pub uploaded_at: String,
    /// `submitted`, `in_review`, `returned`, `accepted` or `superseded`.
    pub status: String,
    /// Whether this is the current revision.
    pub is_current: bool,
    /// 回答日.
    pub answered_on: Option<String>,
    /// 回答者.
    pub respondent: Option<String>,
    /// Risk score 0–100 (only in lists).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub risk: Option<u8>,
}

impl From<&Submission> for SubmissionDto {
    fn from(s: &Submission) -> Self {
        SubmissionDto {
            id: s.id,
            company_id: s.company_id,
            fiscal_year: s.fiscal_year.get(),
            department_id: s.department_id,
            framework_id: s.framework_id.clone(),
            revision: s.revision,
            source_filename: s.source_filename.clone(),
            source_sha256: s.source_sha256.clone(),
            uploaded_by: s.uploaded_by,
            uploaded_at: t(s.uploaded_at),
            status: s.status.code().to_owned(),
            is_current: s.is_current,
            answered_on: s.answered_on.map(|d| d.to_string()),
            respondent: s.respondent.clone(),
            risk: None,
        }
    }
}

/// The counts behind one achievement rate.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct RateDto {
    /// Σ points / (2 × rated items), 0–1; null when nothing is rated.
    pub rate: Option<f64>,
    /// Σ points.
    pub points: u32,
    /// Items in the denominator.
    pub rated: u32,
    /// Of those, unanswered (counted as 0).
    pub unanswered: u32,
    /// Items answered 該当なし (left out).
    pub not_applicable: u32,
}

impl From<Rate> for RateDto {
    fn from(r: Rate) -> Self {
        RateDto {
            rate: r.rate,
            points: r.tally.points,
            rated: r.tally.rated,
            unanswered: r.tally.unanswered,
            not_applicable: r.tally.not_applicable,
        }
    }
}

/// The rates of one view of a sheet.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct AchievementDto {
    /// Lv1 items only.
    pub lv1: RateDto,
    /// Lv2 items only.
    pub lv2: RateDto,
    /// Lv3 items only.
    pub lv3: RateDto,
    /// Lv1 up to the target level together.
    pub target: RateDto,
    /// The target level.
    pub target_level: u8,
    /// Every item.
    pub overall: RateDto,
}

impl From<&Achievement> for AchievementDto {
    fn from(a: &Achievement) -> Self {
        AchievementDto {
            lv1: a.level(Level::Lv1).into(),
            lv2: a.level(Level::Lv2).into(),
            lv3: a.level(Level::Lv3).into(),
            target: a.target.into(),
            target_level: a.target_level.number(),
            overall: a.overall.into(),
        }
    }
}

/// The three achievement rates (達成率).
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct RatesDto {
    /// As submitted.
    #[serde(rename = "self")]
    pub self_rated: AchievementDto,
    /// As the flags suggest (null while the flags are hidden from the caller).
    pub suggested: Option<AchievementDto>,
    /// With confirmed reviews applied (null while the flags are hidden from the caller).
    pub reviewed: Option<AchievementDto>,
}

impl RatesDto {
    /// The rates; `with_flags` false hides the two views flags drive.
    pub fn new(r: &ThreeRates, with_flags: bool) -> RatesDto {
        RatesDto {
            self_rated: (&r.self_rated).into(),
            suggested: with_flags.then(|| (&r.suggested).into()),
            reviewed: with_flags.then(|| (&r.reviewed).into()),
        }
    }
}

/// One answer of a sheet.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct AnswerDto {
    /// Item number.
    pub item: u16,
    /// Level.
    pub level: u8,
    /// `2`, `1`, `0`, `na` (該当なし) or `unanswered`.
    pub evaluation: String,
    /// 評価の根拠.
    pub evidence: String,
    /// 担当領域.
    pub responsible_area: Option<String>,
    /// Where it was read.
    pub source_cell: Option<String>,
}

impl From<&Answer> for AnswerDto {
    fn from(a: &Answer) -> Self {
        AnswerDto {
            item: a.item.get(),
            level: a.level.number(),
            evaluation: a.evaluation.code().to_owned(),
            evidence: a.evidence.clone(),
            responsible_area: a.responsible_area.clone(),
            source_cell: a.source_cell.clone(),
        }
    }
}

/// A workflow move.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct TransitionDto {
    /// `start_review`, `return`, `accept` or `supersede`.
    pub action: String,
    /// Status before.
    pub from_status: String,
    /// Status after.
    pub to_status: String,
    /// Who.
    pub actor_id: Option<i64>,
    /// Message to the subsidiary.
    pub message: Option<String>,
    /// When (+09:00).
    pub at: String,
}

impl From<&Transition> for TransitionDto {
    fn from(x: &Transition) -> Self {
        TransitionDto {
            action: x.action.clone(),
            from_status: x.from_status.clone(),
            to_status: x.to_status.clone(),
            actor_id: x.actor_id,
            message: x.message.clone(),
            at: t(x.at),
        }
    }
}

/// A submission's risk score.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct RiskDto {
    /// 0–100: the detector's risk, as computed (a review does not change it).
    pub score: u8,
    /// 0–100: the residual risk after review — the same formula over the
    /// flags still standing (undecided and confirmed; dismissed ones drop
    /// out). Equal to `score` while no flag is dismissed; null for a risk stored
    /// without its weights.
    pub residual: Option<u8>,
    /// The strongest reasons (Japanese).
    pub top_reasons: Vec<String>,
    /// Detector version.
    pub detector_version: String,
    /// Computed (+09:00).
    pub computed_at: String,
}

impl From<&RiskRecord> for RiskDto {
    fn from(r: &RiskRecord) -> Self {
        RiskDto {
            score: r.score,
            residual: r.residual,
            top_reasons: r.top_reasons.clone(),
            detector_version: r.detector_version.clone(),
            computed_at: t(r.computed_at),
        }
    }
}

/// Everything about one submission.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct SubmissionDetail {
    /// The submission.
    pub submission: SubmissionDto,
    /// Its company.
    pub company: CompanyDto,
    /// The target level the rates use (the collection's, else the company's).
    pub target_level: u8,
    /// Self, suggested and reviewed achievement rates.
    pub rates: RatesDto,
    /// Whether the flags are released to the subsidiary.
    pub flags_released: bool,
    /// Flags with decisions and replies (null while hidden from the caller).
    pub flags: Option<Vec<FlagDetail>>,
    /// Risk score (null while hidden from the caller, or not computed).
    pub risk: Option<RiskDto>,
    /// Answers, by item.
    pub answers: Vec<AnswerDto>,
    /// Every revision of this sheet, oldest first.
    pub revisions: Vec<SubmissionDto>,
    /// Workflow moves, oldest first.
    pub transitions: Vec<TransitionDto>,
}

/// `POST /api/v1/submissions/{id}/return`.
#[derive(Debug, Deserialize, ToSchema)]
pub struct ReturnRequest {
    /// Message to the subsidiary (required).
    pub message: String,
}

/// Body of `POST /api/v1/submissions/{id}/accept` (optional).
#[derive(Debug, Clone, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AcceptRequest {
    /// What to do with undecided flags of medium severity or above: `dismiss` or `keep`.
    pub open_flags: Option<String>,
    /// Why they are dismissed (required with `dismiss`).
    pub comment: Option<String>,
}

/// A flag release.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ReleaseDto {
    /// Submission.
    pub submission_id: i64,
    /// Reviewer.
    pub released_by: Option<i64>,
    /// When (+09:00).
    pub released_at: String,
}

impl From<&Release> for ReleaseDto {
    fn from(r: &Release) -> Self {
        ReleaseDto { submission_id: r.submission_id, released_by: r.released_by, released_at: t(r.released_at) }
    }
}
