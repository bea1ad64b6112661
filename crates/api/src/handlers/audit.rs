//! The audit log (admins and auditors): read it, and verify its hash chain.

use actix_web::{get, web};
use hyoka_model::db::audit;
use hyoka_model::domain::Role;
use serde::Deserialize;
use utoipa::IntoParams;

use super::db;
use crate::AppState;
use crate::auth::Caller;
use crate::dto::{AuditEventDto, AuditVerification};
use crate::error::{ApiError, ErrorBody};
use crate::pagination::{Page, PageRequest};

/// Who reads the audit log.
pub(super) const AUDIT_READERS: &[Role] = &[Role::Admin, Role::Auditor];

/// Query of `GET /api/v1/audit`.
#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
pub struct AuditQuery {
    /// Page, from 1.
    page: Option<u32>,
    /// Items per page (1–200, default 50).
    per_page: Option<u32>,
    /// Only this kind of thing (`submission`, `review`, …).
    entity: Option<String>,
    /// Only this thing's id (with `entity`).
    entity_id: Option<String>,
    /// Only this acting user.
    actor_id: Option<i64>,
}

/// Audit entries, newest first; times in Japan time (+09:00).
#[utoipa::path(tag = "audit", security(("bearer" = [])), params(AuditQuery), responses((status = 200, body = Page<AuditEventDto>), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody)))]
#[get("/audit")]
pub async fn list_audit_events(
    state: web::Data<AppState>,
    caller: Caller,
    q: web::Query<AuditQuery>,
) -> Result<web::Json<Page<AuditEventDto>>, ApiError> {
    caller.require(AUDIT_READERS)?;
    let page = PageRequest::new(q.page, q.per_page)?;
    let filter = hyoka_model::db::review::AuditFilter {
        entity: q.entity.clone(),
        entity_id: q.entity_id.clone(),
        actor_id: q.actor_id,
    };
    let (items, total) =
        db(&state, move |conn| Ok(hyoka_model::db::review::audit_page(conn, &filter, page.offset(), page.limit())?))
            .await?;
    Ok(web::Json(page.page(items.iter().map(AuditEventDto::from).collect(), total)))
}

/// Walk the whole audit chain and report the first broken link (an entry
/// whose content does not match its hash, or whose predecessor's hash is not
/// the one it carries).
#[utoipa::path(tag = "audit", security(("bearer" = [])), responses((status = 200, body = AuditVerification), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody)))]
#[get("/audit/verify")]
pub async fn verify_audit_log(
    state: web::Data<AppState>,
    caller: Caller,
) -> Result<web::Json<AuditVerification>, ApiError> {
    caller.require(AUDIT_READERS)?;
    let result = db(&state, move |conn| Ok(audit::verify(conn)?)).await?;
    Ok(web::Json(match result {
        Ok(checked) => AuditVerification { ok: true, checked: Some(checked), broken_at: None, problem: None },
        Err(b) => AuditVerification { ok: false, checked: None, broken_at: Some(b.id), problem: Some(b.problem) },
    }))
}
