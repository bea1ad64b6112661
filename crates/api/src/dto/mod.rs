//! What the API answers and accepts: JSON shapes with OpenAPI schemas,
//! converted from the model's types. Times are RFC 3339 with the Japan
//! offset (`2024-04-01T09:00:00+09:00`).
//!
//! One file per resource; every type is re-exported here, so it is named
//! `crate::dto::Name` whatever file holds it. Every type with an OpenAPI
//! schema (`ToSchema`) lives here; the query-parameter structs (`IntoParams`)
//! stay with their handlers, which turn them into the model's filters.
//! [`ErrorBody`](crate::error::ErrorBody) and
//! [`Page`](crate::pagination::Page) keep their own modules.
//!
//! utoipa names a schema after its type and keeps one schema per name, so
//! each name must be unique: two of one name here do not compile (the glob
//! re-exports are ambiguous), and `tests/openapi.rs` checks the workspace.

use chrono::{DateTime, Utc};
use hyoka_model::time::show;

mod analysis;
mod audit;
mod collections;
mod companies;
mod dashboards;
mod exports;
mod flags;
mod health;
mod scs;
mod session;
mod submissions;
mod uploads;
mod users;

pub use analysis::*;
pub use audit::*;
pub use collections::*;
pub use companies::*;
pub use dashboards::*;
pub use exports::*;
pub use flags::*;
pub(crate) use health::Status;
pub use scs::*;
pub use session::*;
pub use submissions::*;
pub use uploads::*;
pub use users::*;

fn t(at: DateTime<Utc>) -> String {
    show(at)
}
