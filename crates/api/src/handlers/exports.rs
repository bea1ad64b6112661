//! Exports: the flagged items for auditors (CSV for Excel, and the same rows
//! as JSON), the audit log as CSV, and a submission's feedback workbook
//! (xlsx) for its subsidiary. CSV conventions and the formula-injection rule
//! are in [`crate::export`].

use actix_web::{HttpResponse, get, web};
use hyoka_model::db::DbConn;
use hyoka_model::db::export::{self as model, FlagExportFilter, FlagKey, FlaggedItem};
use hyoka_model::db::review::{self, AuditFilter};
use hyoka_model::domain::{ItemNumber, Level, Role};
use serde::Deserialize;
use utoipa::IntoParams;

use super::audit::AUDIT_READERS;
use super::companies::year;
use super::flags::bad_query;
use super::{ANYONE, db};
use crate::AppState;
use crate::auth::Caller;
use crate::dto::{AUDIT_COLUMNS, FLAG_COLUMNS, FlaggedItemDto, XlsxFile, audit_record};
use crate::error::{ApiError, ErrorBody};
use crate::export::{Batch, CsvSource, Records, XLSX_CONTENT_TYPE, csv_download, feedback, file_response};
use crate::pagination::{Page, PageRequest};

/// Who reads the flagged-items export: parent-company IT and auditors.
const FLAG_READERS: &[Role] = &[Role::Admin, Role::Reviewer, Role::Auditor];

/// Query of the flagged-items exports. An unknown parameter is a 400, so a
/// misspelt filter never silently exports everything.
#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
pub struct FlagExportQuery {
    /// Page, from 1 (CSV: without `page` and `per_page`, every row).
    page: Option<u32>,
    /// Items per page (1–200, default 50).
    per_page: Option<u32>,
    /// JSON pages: start after this cursor (a page's `next`) instead of at `page`.
    after: Option<String>,
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
        let rows = model::flagged_rows(conn, &self.0, offset, limit)?;
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
    if q.after.is_some() {
        return Err(bad_query(
            "`after` is for the JSON pages (GET /exports/flags); the whole CSV is read in one download",
        ));
    }
    let filter = q.filter()?;
    let page = csv_page(q.page, q.per_page)?;
    flags_csv(state, filter, page).await
}

/// The flagged-items CSV of a filter (a page, or every row streamed), as
/// `GET /api/v1/exports/flags.csv` answers it; the web UI's download is this
/// too. The caller's role is checked by whoever calls it.
pub async fn flags_csv(
    state: web::Data<AppState>,
    filter: FlagExportFilter,
    page: Option<PageRequest>,
) -> Result<HttpResponse, ApiError> {
    let name =
        format!("hyoka-flags-{}.csv", filter.fiscal_year.map_or_else(|| "all".to_owned(), |y| y.get().to_string()));
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
    let start = page.start::<FlagKey>(q.after.as_deref())?;
    let (rows, total) = db(&state, move |conn| Ok(model::flagged_page(conn, &filter, start, page.limit())?)).await?;
    let last = rows.last().map(|r| r.key().to_string());
    Ok(web::Json(page.page_counted(rows.iter().map(FlaggedItemDto::from).collect(), total, last)))
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
    audit_csv(state, filter, page).await
}

/// The audit-log CSV of a filter, as `GET /api/v1/exports/audit.csv` answers
/// it; the web UI's download is this too. The caller's role is checked by
/// whoever calls it.
pub async fn audit_csv(
    state: web::Data<AppState>,
    filter: AuditFilter,
    page: Option<PageRequest>,
) -> Result<HttpResponse, ApiError> {
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
