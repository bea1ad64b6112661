//! Liveness and readiness.

use serde::Serialize;
use utoipa::ToSchema;

// What `/healthz` and `/readyz` answer. No doc comment: it would become the
// schema's description, and the document describes the field only.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub(crate) struct Status {
    /// `ok` or `ready`.
    pub status: &'static str,
}
