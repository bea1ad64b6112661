//! What the exports answer: the rows of the flagged-items export (JSON, and
//! the same fields as CSV records), the audit log's CSV records, and the
//! xlsx workbook's place in the OpenAPI document.

use hyoka_model::db::audit::AuditEvent;
use hyoka_model::db::export::FlaggedItem;
use hyoka_model::domain::{Decision, ItemNumber, Level};
use hyoka_model::time::show;
use serde::Serialize;
use utoipa::ToSchema;

/// The columns of `flags.csv`, in order (the fields of [`FlaggedItemDto`]).
pub const FLAG_COLUMNS: &[&str] = &[
    "flag_id",
    "company_id",
    "company_code",
    "company_name",
    "fiscal_year",
    "submission_id",
    "revision",
    "is_current",
    "item",
    "level",
    "subject_ja",
    "claimed",
    "suggested",
    "reviewed",
    "rule",
    "severity",
    "reason_ja",
    "reason_en",
    "evidence",
    "decision",
    "reviewer",
    "comment",
    "decided_at",
    "carried_from",
    "released",
    "sheet_risk",
    "sheet_residual_risk",
];

/// The columns of `audit.csv`, in order.
pub const AUDIT_COLUMNS: &[&str] = &[
    "id",
    "occurred_at",
    "hashed_at",
    "actor_id",
    "actor",
    "action",
    "entity",
    "entity_id",
    "before_json",
    "after_json",
    "prev_hash",
    "hash",
];

/// One flag with its company, answer and latest decision: a row of the
/// flagged-items export.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct FlaggedItemDto {
    /// Flag id.
    pub flag_id: i64,
    /// Company id.
    pub company_id: i64,
    /// 会社コード.
    pub company_code: String,
    /// 会社名.
    pub company_name: String,
    /// Fiscal year.
    pub fiscal_year: i32,
    /// Submission.
    pub submission_id: i64,
    /// Its revision number.
    pub revision: u32,
    /// Whether the submission is the current revision.
    pub is_current: bool,
    /// Item number; null for a flag on the whole sheet.
    pub item: Option<u16>,
    /// The answer's level (1–3).
    pub level: Option<u8>,
    /// The item's subject (Japanese), when the catalog has it.
    pub subject_ja: Option<String>,
    /// The score as submitted: `2`, `1`, `0`, `na` (該当なし) or `unanswered`.
    pub claimed: String,
    /// The score the rule suggests.
    pub suggested: Option<u8>,
    /// The score the latest decision confirmed.
    pub reviewed: Option<u8>,
    /// Rule id.
    pub rule: String,
    /// `info`, `low`, `medium` or `high`.
    pub severity: String,
    /// Reason (Japanese).
    pub reason_ja: String,
    /// Reason (English).
    pub reason_en: String,
    /// The answer's evidence text (評価の根拠).
    pub evidence: Option<String>,
    /// The latest decision: `confirmed`, `dismissed` or `undecided`.
    pub decision: String,
    /// The latest decision's reviewer (display name).
    pub reviewer: Option<String>,
    /// The latest decision's comment.
    pub comment: Option<String>,
    /// When the latest decision was taken (+09:00).
    pub decided_at: Option<String>,
    /// The decision the latest one was carried over from, on the previous
    /// revision (its item unchanged).
    pub carried_from: Option<i64>,
    /// Whether the flags are released to the subsidiary.
    pub released: bool,
    /// The sheet's risk (0–100) as the detector computed it.
    pub sheet_risk: Option<u8>,
    /// The sheet's residual risk (0–100) after review: the same formula over
    /// the flags still standing (undecided and confirmed).
    pub sheet_residual_risk: Option<u8>,
}

impl From<&FlaggedItem> for FlaggedItemDto {
    fn from(r: &FlaggedItem) -> Self {
        let latest = r.latest.as_ref();
        let f = &r.flag.flag;
        FlaggedItemDto {
            flag_id: r.flag.id,
            company_id: r.company_id,
            company_code: r.company_code.clone(),
            company_name: r.company_name.clone(),
            fiscal_year: r.fiscal_year,
            submission_id: r.flag.submission_id,
            revision: r.revision,
            is_current: r.is_current,
            item: f.target.item().map(ItemNumber::get),
            level: r.level.map(Level::number),
            subject_ja: r.subject_ja.clone(),
            claimed: f.claimed.code().to_owned(),
            suggested: f.suggested.map(|p| p.value()),
            reviewed: latest.and_then(|l| match l.decision {
                Decision::Confirmed { reviewed_score } => Some(reviewed_score.value()),
                Decision::Dismissed => None,
            }),
            rule: f.rule.clone(),
            severity: f.severity.code().to_owned(),
            reason_ja: f.reason_ja.clone(),
            reason_en: f.reason_en.clone(),
            evidence: r.evidence.clone(),
            decision: latest.map_or("undecided", |l| l.decision.code()).to_owned(),
            reviewer: latest.and_then(|l| l.reviewer.clone()),
            comment: latest.map(|l| l.comment.clone()),
            decided_at: latest.map(|l| show(l.decided_at)),
            carried_from: latest.and_then(|l| l.carried_from),
            released: r.released,
            sheet_risk: r.sheet_risk,
            sheet_residual_risk: r.sheet_residual_risk,
        }
    }
}

fn opt(v: Option<impl ToString>) -> String {
    v.map(|v| v.to_string()).unwrap_or_default()
}

impl FlaggedItemDto {
    /// The CSV record, in the order of [`FLAG_COLUMNS`].
    pub fn record(&self) -> Vec<String> {
        vec![
            self.flag_id.to_string(),
            self.company_id.to_string(),
            self.company_code.clone(),
            self.company_name.clone(),
            self.fiscal_year.to_string(),
            self.submission_id.to_string(),
            self.revision.to_string(),
            self.is_current.to_string(),
            opt(self.item),
            opt(self.level),
            opt(self.subject_ja.as_ref()),
            self.claimed.clone(),
            opt(self.suggested),
            opt(self.reviewed),
            self.rule.clone(),
            self.severity.clone(),
            self.reason_ja.clone(),
            self.reason_en.clone(),
            opt(self.evidence.as_ref()),
            self.decision.clone(),
            opt(self.reviewer.as_ref()),
            opt(self.comment.as_ref()),
            opt(self.decided_at.as_ref()),
            opt(self.carried_from),
            self.released.to_string(),
            opt(self.sheet_risk),
            opt(self.sheet_residual_risk),
        ]
    }
}

/// The CSV record of an audit entry, in the order of [`AUDIT_COLUMNS`].
pub(crate) fn audit_record(e: &AuditEvent) -> Vec<String> {
    vec![
        e.id.to_string(),
        show(e.occurred_at.0),
        hyoka_model::db::audit::hashed_time(e.occurred_at.0.naive_utc()),
        opt(e.actor_id),
        e.actor.clone(),
        e.action.clone(),
        e.entity.clone(),
        opt(e.entity_id.as_ref()),
        opt(e.before_json.as_ref()),
        opt(e.after_json.as_ref()),
        e.prev_hash.clone(),
        e.hash.clone(),
    ]
}

/// An xlsx workbook, for the OpenAPI document.
#[derive(ToSchema)]
#[schema(value_type = String, format = Binary)]
#[allow(dead_code, reason = "describes the answer for the OpenAPI document; the bytes are sent as they are")]
pub struct XlsxFile(Vec<u8>);
