//! What the API answers and accepts: JSON shapes with OpenAPI schemas,
//! converted from the model's types. Times are RFC 3339 with the Japan
//! offset (`2024-04-01T09:00:00+09:00`).
//!
//! One file per resource; every type is re-exported here, so it is named
//! `crate::dto::Name` whatever file holds it.

use chrono::{DateTime, Utc};
use hyoka_model::time::show;

mod audit;
mod collections;
mod companies;
mod flags;
mod session;
mod submissions;
mod uploads;
mod users;

pub use audit::*;
pub use collections::*;
pub use companies::*;
pub use flags::*;
pub use session::*;
pub use submissions::*;
pub use uploads::*;
pub use users::*;

fn t(at: DateTime<Utc>) -> String {
    show(at)
}
