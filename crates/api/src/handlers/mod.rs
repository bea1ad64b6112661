//! The handlers, one module per resource. Each parses the request, checks
//! the caller's role and company, runs one model function on a blocking
//! thread and answers a DTO.

pub mod analysis;
pub mod audit;
pub mod collections;
pub mod companies;
pub mod dashboards;
pub mod exports;
pub mod flags;
pub mod scs;
pub mod session;
pub mod submissions;
pub mod users;

use actix_web::web;
use hyoka_model::db::DbConn;
use hyoka_model::domain::Role;

use crate::AppState;
use crate::error::ApiError;

/// Parent-company IT.
pub(crate) const PARENT: &[Role] = &[Role::Admin, Role::Reviewer];
/// Everyone who may upload a sheet.
pub(crate) const UPLOADERS: &[Role] = &[Role::Admin, Role::Reviewer, Role::Subsidiary];
/// Everyone who reads the whole group (the dashboards).
pub(crate) const GROUP_READERS: &[Role] = &[Role::Admin, Role::Reviewer, Role::Auditor];
/// Every role.
pub(crate) const ANYONE: &[Role] = &Role::ALL;

/// Runs `f` with a pooled connection on a blocking thread.
pub(crate) async fn db<T, F>(state: &AppState, f: F) -> Result<T, ApiError>
where
    T: Send + 'static,
    F: FnOnce(&mut DbConn) -> Result<T, ApiError> + Send + 'static,
{
    let pool = state.pool.clone();
    web::block(move || {
        let mut conn = pool.get()?;
        f(&mut conn)
    })
    .await?
}
