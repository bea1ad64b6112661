//! What the API answers and accepts: JSON shapes with OpenAPI schemas,
//! converted from the model's types. Times are RFC 3339 with the Japan
//! offset (`2024-04-01T09:00:00+09:00`).

use chrono::{DateTime, Utc};
use hyoka_ingest::Problem;
use hyoka_model::db::audit::AuditEvent;
use hyoka_model::db::collections::{Collection, Progress, Standing};
use hyoka_model::db::companies::{Company, CompanyYear};
use hyoka_model::db::detection::RiskRecord;
use hyoka_model::db::flags::{Flag, Reply, Review};
use hyoka_model::db::review::{FlagView, Release};
use hyoka_model::db::submissions::{Submission, Transition};
use hyoka_model::db::tokens::ApiToken;
use hyoka_model::db::users::User;
use hyoka_model::domain::{Decision, Level};
use hyoka_model::scoring::{Achievement, Rate, ThreeRates};
use hyoka_model::sheet::Answer;
use hyoka_model::time::show;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::auth::Secret;

fn t(at: DateTime<Utc>) -> String {
    show(at)
}

/// A user account.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct UserDto {
    /// Id.
    pub id: i64,
    /// Login name.
    pub login: String,
    /// Display name.
    pub display_name: String,
    /// `admin`, `reviewer`, `subsidiary` or `auditor`.
    pub role: String,
    /// The company of a subsidiary user.
    pub company_id: Option<i64>,
    /// Disabled users cannot log in.
    pub disabled: bool,
    /// Created (+09:00).
    pub created_at: String,
}

impl From<&User> for UserDto {
    fn from(u: &User) -> Self {
        UserDto {
            id: u.id,
            login: u.login.clone(),
            display_name: u.display_name.clone(),
            role: u.account.role().code().to_owned(),
            company_id: u.account.company_id(),
            disabled: u.disabled,
            created_at: t(u.created_at),
        }
    }
}

/// `POST /api/v1/login`.
#[derive(Debug, Deserialize, ToSchema)]
pub struct LoginRequest {
    /// Login name.
    pub login: String,
    /// Password.
    #[schema(value_type = String, format = Password)]
    pub password: Secret,
}

/// A new token, shown once.
#[derive(Debug, Serialize, ToSchema)]
pub struct IssuedToken {
    /// The token: send it as `Authorization: Bearer <token>`. It is shown only now.
    pub token: String,
    /// Always `Bearer`.
    pub token_type: &'static str,
    /// The stored token (without the secret).
    pub info: TokenDto,
    /// Its owner.
    pub user: UserDto,
}

/// A stored API token (never the secret).
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct TokenDto {
    /// Id.
    pub id: i64,
    /// Owner.
    pub user_id: i64,
    /// What it is for.
    pub name: String,
    /// First characters of the token.
    pub prefix: String,
    /// Created (+09:00).
    pub created_at: String,
    /// Expires (+09:00).
    pub expires_at: String,
    /// Revoked (+09:00), if it was.
    pub revoked_at: Option<String>,
    /// Whether it still works.
    pub active: bool,
}

impl From<&ApiToken> for TokenDto {
    fn from(k: &ApiToken) -> Self {
        TokenDto {
            id: k.id,
            user_id: k.user_id,
            name: k.name.clone(),
            prefix: k.prefix.clone(),
            created_at: t(k.created_at),
            expires_at: t(k.expires_at),
            revoked_at: k.revoked_at.map(t),
            active: k.is_active(hyoka_model::time::now()),
        }
    }
}

/// `POST /api/v1/tokens`.
#[derive(Debug, Deserialize, ToSchema)]
pub struct CreateTokenRequest {
    /// What it is for (`ci-upload`, …).
    pub name: String,
    /// Days until it expires (at most the configured maximum).
    pub expires_in_days: u32,
    /// For another user (admins only); default: the caller.
    pub user_id: Option<i64>,
}

/// `POST /api/v1/users`.
#[derive(Debug, Deserialize, ToSchema)]
pub struct CreateUserRequest {
    /// Login name.
    pub login: String,
    /// Display name.
    pub display_name: String,
    /// `admin`, `reviewer`, `subsidiary` or `auditor`.
    pub role: String,
    /// The company, for a subsidiary user (and only then).
    pub company_id: Option<i64>,
    /// Initial password (at least 10 characters).
    #[schema(value_type = String, format = Password)]
    pub password: Secret,
}

/// `PATCH /api/v1/users/{id}`; absent fields stay as they are.
#[derive(Debug, Deserialize, ToSchema)]
pub struct UpdateUserRequest {
    /// New display name.
    pub display_name: Option<String>,
    /// New role (with `company_id` for a subsidiary).
    pub role: Option<String>,
    /// Company of a subsidiary user.
    pub company_id: Option<i64>,
    /// Disable or enable (disabling revokes the user's tokens).
    pub disabled: Option<bool>,
    /// New password (revokes the user's tokens).
    #[schema(value_type = Option<String>, format = Password)]
    pub password: Option<Secret>,
}

/// A company.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct CompanyDto {
    /// Id.
    pub id: i64,
    /// 会社コード.
    pub code: String,
    /// 会社名.
    pub name: String,
    /// Industry.
    pub industry: Option<String>,
    /// Registered target level (1–3).
    pub target_level: u8,
    /// Business-impact tier (1 highest – 5).
    pub impact_tier: u8,
    /// Made by the demo.
    pub is_demo: bool,
    /// Registered (+09:00).
    pub created_at: String,
}

impl From<&Company> for CompanyDto {
    fn from(c: &Company) -> Self {
        CompanyDto {
            id: c.id,
            code: c.code.clone(),
            name: c.name.clone(),
            industry: c.industry.clone(),
            target_level: c.target_level.number(),
            impact_tier: c.impact_tier.get(),
            is_demo: c.is_demo,
            created_at: t(c.created_at),
        }
    }
}

/// A company's size in one fiscal year.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct CompanyYearDto {
    /// Fiscal year (年度, the year it starts in).
    pub fiscal_year: i32,
    /// 従業員数.
    pub employees: Option<u32>,
    /// 情報システム担当者数.
    pub it_staff: Option<u32>,
}

impl From<&CompanyYear> for CompanyYearDto {
    fn from(y: &CompanyYear) -> Self {
        CompanyYearDto { fiscal_year: y.fiscal_year.get(), employees: y.employees, it_staff: y.it_staff }
    }
}

/// A company with its size facts.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct CompanyDetail {
    /// The company.
    pub company: CompanyDto,
    /// Size per fiscal year, oldest first.
    pub years: Vec<CompanyYearDto>,
}

/// `POST /api/v1/companies`.
#[derive(Debug, Deserialize, ToSchema)]
pub struct CreateCompanyRequest {
    /// 会社コード (unique).
    pub code: String,
    /// 会社名.
    pub name: String,
    /// Industry.
    pub industry: Option<String>,
    /// Target level 1–3.
    pub target_level: u8,
    /// Business-impact tier 1–5 (default 3).
    pub impact_tier: Option<u8>,
}

/// `PATCH /api/v1/companies/{id}`; absent fields stay as they are.
#[derive(Debug, Deserialize, ToSchema)]
pub struct UpdateCompanyRequest {
    /// New name.
    pub name: Option<String>,
    /// New industry.
    pub industry: Option<String>,
    /// New target level.
    pub target_level: Option<u8>,
    /// New business-impact tier.
    pub impact_tier: Option<u8>,
}

/// `PUT /api/v1/companies/{id}/years/{fiscal_year}`.
#[derive(Debug, Deserialize, ToSchema)]
pub struct SetCompanyYearRequest {
    /// 従業員数.
    pub employees: Option<u32>,
    /// 情報システム担当者数.
    pub it_staff: Option<u32>,
}

/// A company asked to submit, with its target level.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct MemberDto {
    /// Company.
    pub company_id: i64,
    /// Target level that year (default: the company's registered level).
    pub target_level: Option<u8>,
}

/// A collection (提出依頼).
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct CollectionDto {
    /// Id.
    pub id: i64,
    /// Fiscal year collected.
    pub fiscal_year: i32,
    /// Title.
    pub title: String,
    /// Last day to submit, Japan time (`2024-07-31`).
    pub deadline: String,
    /// Message to the subsidiaries.
    pub message: Option<String>,
    /// Opened (+09:00).
    pub created_at: String,
    /// Companies asked to submit.
    pub members: Vec<MemberDto>,
}

impl From<&Collection> for CollectionDto {
    fn from(c: &Collection) -> Self {
        CollectionDto {
            id: c.id,
            fiscal_year: c.fiscal_year.get(),
            title: c.title.clone(),
            deadline: c.deadline.to_string(),
            message: c.message.clone(),
            created_at: t(c.created_at),
            members: c
                .members
                .iter()
                .map(|m| MemberDto { company_id: m.company_id, target_level: Some(m.target_level.number()) })
                .collect(),
        }
    }
}

/// One company's standing in a collection.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ProgressDto {
    /// The company.
    pub company: CompanyDto,
    /// Target level that year.
    pub target_level: u8,
    /// `submitted`, `submitted_late`, `not_submitted` (未提出) or `overdue` (未提出・期限超過).
    pub standing: String,
    /// First upload for the year (+09:00).
    pub first_uploaded_at: Option<String>,
    /// Current revision.
    pub submission_id: Option<i64>,
    /// Its status.
    pub status: Option<String>,
}

fn standing_code(s: Standing) -> &'static str {
    match s {
        Standing::Submitted => "submitted",
        Standing::SubmittedLate => "submitted_late",
        Standing::NotSubmitted => "not_submitted",
        Standing::Overdue => "overdue",
    }
}

impl From<&Progress> for ProgressDto {
    fn from(p: &Progress) -> Self {
        ProgressDto {
            company: (&p.company).into(),
            target_level: p.target_level.number(),
            standing: standing_code(p.standing).to_owned(),
            first_uploaded_at: p.first_uploaded_at.map(t),
            submission_id: p.current.as_ref().map(|s| s.id),
            status: p.current.as_ref().map(|s| s.status.code().to_owned()),
        }
    }
}

/// Counts of a collection's companies by standing.
#[derive(Debug, Clone, Default, Serialize, ToSchema)]
pub struct ProgressSummary {
    /// On time.
    pub submitted: u32,
    /// After the deadline.
    pub submitted_late: u32,
    /// 未提出, deadline not passed.
    pub not_submitted: u32,
    /// 未提出, deadline passed.
    pub overdue: u32,
}

/// A collection with every member's standing.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct CollectionDetail {
    /// The collection.
    pub collection: CollectionDto,
    /// Counts by standing.
    pub summary: ProgressSummary,
    /// Each company (a subsidiary user sees only its own), by company code.
    pub progress: Vec<ProgressDto>,
}

/// `POST /api/v1/collections`.
#[derive(Debug, Deserialize, ToSchema)]
pub struct OpenCollectionRequest {
    /// Fiscal year (2024 = 2024年度).
    pub fiscal_year: i32,
    /// Title; default `<year>年度 自己評価の提出依頼`.
    pub title: Option<String>,
    /// Last day to submit, `YYYY-MM-DD` (Japan time).
    pub deadline: String,
    /// Message to the subsidiaries.
    pub message: Option<String>,
    /// Companies and target levels; default: every registered company at its registered level.
    pub companies: Option<Vec<MemberDto>>,
}

/// `PATCH /api/v1/collections/{id}`.
#[derive(Debug, Default, Deserialize, ToSchema)]
pub struct UpdateCollectionRequest {
    /// New title.
    pub title: Option<String>,
    /// New deadline, `YYYY-MM-DD`.
    pub deadline: Option<String>,
    /// New message.
    pub message: Option<String>,
    /// Companies to add, or whose target level changes.
    #[serde(default)]
    pub add_companies: Vec<MemberDto>,
    /// Companies to remove.
    #[serde(default)]
    pub remove_companies: Vec<i64>,
}

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

/// One problem of an uploaded file, with its place.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ProblemDto {
    /// `error` (refuses the file) or `warning`.
    pub gravity: String,
    /// Stable code (`invalid_evaluation`, `missing_item`, …).
    pub code: String,
    /// File name.
    pub file: String,
    /// Worksheet.
    pub sheet: Option<String>,
    /// Cell, range or JSON pointer.
    pub cell: Option<String>,
    /// Item number.
    pub item: Option<u16>,
    /// The value found.
    pub found: Option<String>,
    /// What would be accepted.
    pub expected: Option<String>,
    /// In Japanese.
    pub message_ja: String,
    /// In English.
    pub message_en: String,
}

impl From<&Problem> for ProblemDto {
    fn from(p: &Problem) -> Self {
        let code = serde_json::to_value(&p.kind)
            .ok()
            .and_then(|v| v.get("code").and_then(|c| c.as_str()).map(str::to_owned))
            .unwrap_or_else(|| "problem".to_owned());
        ProblemDto {
            gravity: if p.is_error() { "error" } else { "warning" }.to_owned(),
            code,
            file: p.file.clone(),
            sheet: p.sheet.clone(),
            cell: p.cell.clone(),
            item: p.item.map(|i| i.get()),
            found: p.found.clone(),
            expected: p.expected(),
            message_ja: p.message_ja(),
            message_en: p.message_en(),
        }
    }
}

/// What an upload did.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct UploadResult {
    /// The new revision, or the current one when the identical file was sent again.
    pub submission: SubmissionDto,
    /// Whether the identical file was already the current revision (nothing changed).
    pub unchanged: bool,
    /// The revision this one replaced.
    pub superseded: Option<i64>,
    /// The company it was stored for.
    pub company: CompanyDto,
    /// Problems that did not refuse the file.
    pub warnings: Vec<ProblemDto>,
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
    /// 0–100.
    pub score: u8,
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
            top_reasons: r.top_reasons.clone(),
            detector_version: r.detector_version.clone(),
            computed_at: t(r.computed_at),
        }
    }
}

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
    /// Author.
    pub author_id: Option<i64>,
    /// Text.
    pub body: String,
    /// When (+09:00).
    pub created_at: String,
}

impl From<&Reply> for ReplyDto {
    fn from(r: &Reply) -> Self {
        ReplyDto { id: r.id, author_id: r.author_id, body: r.body.clone(), created_at: t(r.created_at.0) }
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

/// One audit entry.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct AuditEventDto {
    /// Position in the log.
    pub id: i64,
    /// When (+09:00; stored in UTC).
    pub occurred_at: String,
    /// Acting user.
    pub actor_id: Option<i64>,
    /// Acting user's login, or `system`.
    pub actor: String,
    /// What happened (`submission.return`, …).
    pub action: String,
    /// Kind of thing.
    pub entity: String,
    /// Its id.
    pub entity_id: Option<String>,
    /// State before.
    #[schema(value_type = Option<Object>)]
    pub before: Option<serde_json::Value>,
    /// State after.
    #[schema(value_type = Option<Object>)]
    pub after: Option<serde_json::Value>,
    /// Hash of the previous entry.
    pub prev_hash: String,
    /// Hash of this entry.
    pub hash: String,
}

impl From<&AuditEvent> for AuditEventDto {
    fn from(e: &AuditEvent) -> Self {
        let parse =
            |s: &Option<String>| s.as_deref().map(|s| serde_json::from_str(s).unwrap_or(serde_json::Value::Null));
        AuditEventDto {
            id: e.id,
            occurred_at: t(e.occurred_at.0),
            actor_id: e.actor_id,
            actor: e.actor.clone(),
            action: e.action.clone(),
            entity: e.entity.clone(),
            entity_id: e.entity_id.clone(),
            before: parse(&e.before_json),
            after: parse(&e.after_json),
            prev_hash: e.prev_hash.clone(),
            hash: e.hash.clone(),
        }
    }
}

/// The result of walking the audit chain.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct AuditVerification {
    /// Whether every link holds.
    pub ok: bool,
    /// Entries checked (when whole).
    pub checked: Option<u64>,
    /// The first broken entry.
    pub broken_at: Option<i64>,
    /// What is wrong with it.
    pub problem: Option<String>,
}
