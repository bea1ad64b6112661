//! Exports: the flagged items for auditors (CSV for Excel, and the same rows
//! as JSON), the audit log as CSV, and a submission's feedback workbook
//! (xlsx) for its subsidiary. CSV conventions and the formula-injection rule
//! are in [`crate::export`].

use actix_web::{HttpResponse, get, web};
use hyoka_model::db::DbConn;
use hyoka_model::db::audit::AuditEvent;
use hyoka_model::db::export::{self as model, FlagExportFilter, FlagKey, FlaggedItem};
use hyoka_model::db::review::{self, AuditFilter};
use hyoka_model::domain::{Decision, ItemNumber, Level, Role};
use hyoka_model::time::show;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use super::audit::AUDIT_READERS;
use super::companies::year;
use super::flags::bad_query;
use super::{ANYONE, db};
use crate::AppState;
use crate::auth::Caller;
use crate::error::{ApiError, ErrorBody};
use crate::export::{Batch, CsvSource, Records, XLSX_CONTENT_TYPE, csv_download, feedback, file_response};
use crate::pagination::{Page, PageRequest};

/// Who reads the flagged-items export: parent-company IT and auditors.
const FLAG_READERS: &[Role] = &[Role::Admin, Role::Reviewer, Role::Auditor];

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
    "released",
];

/// The columns of `audit.csv`, in order.
pub const AUDIT_COLUMNS: &[&str] = &[
    "id",
    "occurred_at",
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
    /// Whether the flags are released to the subsidiary.
    pub released: bool,
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
            released: r.released,
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
            self.released.to_string(),
        ]
    }
}

/// The CSV record of an audit entry, in the order of [`AUDIT_COLUMNS`].
fn audit_record(e: &AuditEvent) -> Vec<String> {
    vec![
        e.id.to_string(),
        show(e.occurred_at.0),
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

/// Query of the flagged-items exports. An unknown parameter is a 400, so a
/// misspelt filter never silently exports everything.
#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
pub struct FlagExportQuery {
    /// Page, from 1 (CSV: without `page` and `per_page`, every row).
    page: Option<u32>,
    /// Items per page (1–200, default 50).
    per_page: Option<u32>,
    /// Only this fiscal year.
    fiscal_year: Option<i32>,
    /// Only this company.
    company_id: Option<i64>,
    /// Only items of this level (1–3).
    level: Option<u8>,
    /// Only this item number.
    item: Option<u16>,
    /// Only this rule.
    rule: Option<String>,
    /// Only this severity: `info`, `low`, `medium`, `high`.
    severity: Option<String>,
    /// Only this latest decision: `undecided`, `confirmed`, `dismissed`.
    decision: Option<String>,
    /// Also the flags of superseded revisions (default: current revisions only).
    #[serde(default)]
    include_superseded: bool,
}

impl FlagExportQuery {
    fn filter(&self) -> Result<FlagExportFilter, ApiError> {
        Ok(FlagExportFilter {
            fiscal_year: self.fiscal_year.map(year).transpose()?,
            company_id: self.company_id,
            level: self.level.map(Level::try_from).transpose().map_err(bad_query)?,
            item: self.item.map(ItemNumber::new).transpose().map_err(bad_query)?,
            rule: self.rule.clone(),
            severity: self.severity.as_deref().map(str::parse).transpose().map_err(bad_query)?,
            decision: self.decision.as_deref().map(str::parse).transpose().map_err(bad_query)?,
            include_superseded: self.include_superseded,
        })
    }
}

/// Query of `GET /api/v1/exports/audit.csv`.
#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
pub struct AuditExportQuery {
    /// Page, from 1 (without `page` and `per_page`, every entry).
    page: Option<u32>,
    /// Entries per page (1–200, default 50).
    per_page: Option<u32>,
    /// Only this kind of thing (`submission`, `review`, …).
    entity: Option<String>,
    /// Only this thing's id (with `entity`).
    entity_id: Option<String>,
    /// Only this acting user.
    actor_id: Option<i64>,
}

/// A page when either `page` or `per_page` is given; else the whole table.
fn csv_page(page: Option<u32>, per_page: Option<u32>) -> Result<Option<PageRequest>, ApiError> {
    if page.is_none() && per_page.is_none() { Ok(None) } else { PageRequest::new(page, per_page).map(Some) }
}

#[derive(Clone)]
struct FlagRows(FlagExportFilter);

impl CsvSource for FlagRows {
    type Key = FlagKey;
    const HEADER: &'static [&'static str] = FLAG_COLUMNS;

    fn page(&self, conn: &mut DbConn, offset: i64, limit: i64) -> Result<Records, ApiError> {
        let (rows, _) = model::flagged_page(conn, &self.0, offset, limit)?;
        Ok(rows.iter().map(|r| FlaggedItemDto::from(r).record()).collect())
    }

    fn batch(&self, conn: &mut DbConn, after: Option<&FlagKey>, limit: i64) -> Result<Batch<FlagKey>, ApiError> {
        let rows = model::flagged_after(conn, &self.0, after, limit)?;
        Ok((rows.iter().map(|r| FlaggedItemDto::from(r).record()).collect(), rows.last().map(FlaggedItem::key)))
    }
}

#[derive(Clone)]
struct AuditRows(AuditFilter);

impl CsvSource for AuditRows {
    type Key = i64;
    const HEADER: &'static [&'static str] = AUDIT_COLUMNS;

    fn page(&self, conn: &mut DbConn, offset: i64, limit: i64) -> Result<Records, ApiError> {
        let (rows, _) = review::audit_page(conn, &self.0, offset, limit)?;
        Ok(rows.iter().map(audit_record).collect())
    }

    fn batch(&self, conn: &mut DbConn, after: Option<&i64>, limit: i64) -> Result<Batch<i64>, ApiError> {
        let rows = model::audit_before(conn, &self.0, after.copied(), limit)?;
        Ok((rows.iter().map(audit_record).collect(), rows.last().map(|e| e.id)))
    }
}

/// The flagged items as CSV for Excel (UTF-8 with BOM, CRLF, a header row;
/// cells that Excel would read as a formula are prefixed with `'`). One row
/// per flag of current revisions (`include_superseded=true`: of every
/// revision), by fiscal year (newest first), company code, item and flag id.
/// Without `page` and `per_page` every matching row, streamed in batches.
#[utoipa::path(
    tag = "exports",
    security(("bearer" = [])),
    params(FlagExportQuery),
    responses(
        (status = 200, description = "`hyoka-flags-<year|all>.csv`; columns as `FlaggedItemDto`", content_type = "text/csv", body = String),
        (status = 400, body = ErrorBody), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody),
        (status = 422, body = ErrorBody),
    )
)]
#[get("/exports/flags.csv")]
pub async fn export_flags_csv(
    state: web::Data<AppState>,
    caller: Caller,
    q: web::Query<FlagExportQuery>,
) -> Result<HttpResponse, ApiError> {
    caller.require(FLAG_READERS)?;
    let filter = q.filter()?;
    let page = csv_page(q.page, q.per_page)?;
    let name = format!("hyoka-flags-{}.csv", q.fiscal_year.map_or_else(|| "all".to_owned(), |y| y.to_string()));
    csv_download(state, FlagRows(filter), &name, page).await
}

/// The same rows as `flags.csv`, as JSON pages.
#[utoipa::path(
    tag = "exports",
    security(("bearer" = [])),
    params(FlagExportQuery),
    responses(
        (status = 200, body = Page<FlaggedItemDto>),
        (status = 400, body = ErrorBody), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody),
        (status = 422, body = ErrorBody),
    )
)]
#[get("/exports/flags")]
pub async fn export_flags(
    state: web::Data<AppState>,
    caller: Caller,
    q: web::Query<FlagExportQuery>,
) -> Result<web::Json<Page<FlaggedItemDto>>, ApiError> {
    caller.require(FLAG_READERS)?;
    let filter = q.filter()?;
    let page = PageRequest::new(q.page, q.per_page)?;
    let (rows, total) =
        db(&state, move |conn| Ok(model::flagged_page(conn, &filter, page.offset(), page.limit())?)).await?;
    Ok(web::Json(page.page(rows.iter().map(FlaggedItemDto::from).collect(), total)))
}

/// The audit log as CSV (same conventions as `flags.csv`), newest first,
/// filtered like `GET /api/v1/audit`; times in +09:00. Without `page` and
/// `per_page` every entry, streamed in batches.
#[utoipa::path(
    tag = "exports",
    security(("bearer" = [])),
    params(AuditExportQuery),
    responses(
        (status = 200, description = "`hyoka-audit.csv`", content_type = "text/csv", body = String),
        (status = 400, body = ErrorBody), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody),
    )
)]
#[get("/exports/audit.csv")]
pub async fn export_audit_csv(
    state: web::Data<AppState>,
    caller: Caller,
    q: web::Query<AuditExportQuery>,
) -> Result<HttpResponse, ApiError> {
    caller.require(AUDIT_READERS)?;
    let page = csv_page(q.page, q.per_page)?;
    let q = q.into_inner();
    let filter = AuditFilter { entity: q.entity, entity_id: q.entity_id, actor_id: q.actor_id };
    csv_download(state, AuditRows(filter), "hyoka-audit.csv", page).await
}

/// A submission's feedback workbook for Excel: sheet 回答 (answers), 指摘
/// (flags with reasons and decisions, once released to the subsidiary) and
/// コメント (reviewers' comments and return messages), each under a cover
/// line. A subsidiary user gets only its own company's.
#[utoipa::path(
    tag = "exports",
    security(("bearer" = [])),
    params(("id" = i64, Path, description = "submission id")),
    responses(
        (status = 200, description = "`hyoka-feedback-<company>-<year>-r<revision>.xlsx`", content_type = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", body = XlsxFile),
        (status = 401, body = ErrorBody), (status = 404, body = ErrorBody),
    )
)]
#[get("/submissions/{id}/feedback.xlsx")]
pub async fn feedback_workbook(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<i64>,
) -> Result<HttpResponse, ApiError> {
    caller.require(ANYONE)?;
    let id = id.into_inner();
    let access = caller.access(&state.settings);
    let (name, bytes) = db(&state, move |conn| {
        access.submission(conn, id)?;
        let fb = model::feedback(conn, id)?;
        let shown = access.sees_findings_when(fb.detail.flags_released);
        Ok((feedback::file_name(&fb), feedback::workbook(&fb, shown)?))
    })
    .await?;
    Ok(file_response(XLSX_CONTENT_TYPE, &name, bytes))
}
