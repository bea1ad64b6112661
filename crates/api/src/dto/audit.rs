//! The audit log.

use hyoka_model::db::audit::AuditEvent;
use serde::Serialize;
use utoipa::ToSchema;

use super::t;

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
