//! One error type for every use case.

use hyoka_ingest::Refusal;
use hyoka_model::db::import::ImportError;
use hyoka_model::db::{DbError, QueryError};
use hyoka_model::workflow::WorkflowError;

/// Why a use case did not happen. Nothing was stored in any case.
#[derive(Debug, thiserror::Error)]
pub enum ServiceError {
    /// The file was refused: every problem, with its place.
    #[error("{0}")]
    Refused(Refusal),
    /// The sheet names no registered company (the refusal says where it looked).
    #[error("{0}")]
    UnknownCompany(Refusal),
    /// The sheet's company name matches several companies.
    #[error("{0}")]
    AmbiguousCompany(Refusal),
    /// Neither the uploader nor the sheet says the fiscal year.
    #[error("{0}")]
    NoFiscalYear(Refusal),
    /// Collections are in use and none asks for the fiscal year of a
    /// subsidiary user's sheet (the message names the years that are open).
    #[error("{0}")]
    NoCollection(String),
    /// The caller may not do this (another company's sheet, a role without the right).
    #[error("forbidden: {0}")]
    Forbidden(String),
    /// The thing asked for does not exist (or the caller may not know it does).
    #[error("{0} not found")]
    NotFound(String),
    /// Values that break a rule (a message for the user, in Japanese and English).
    #[error("{0}")]
    Invalid(String),
    /// The workflow refuses the move now, or someone else changed it first.
    #[error("{message}")]
    Workflow {
        /// Stable code: `move_not_allowed` (the state table refuses), `upload_conflict` (the current
        /// revision cannot be replaced now), `conflict` (someone else changed it first).
        code: &'static str,
        /// What happened, in English and Japanese.
        message: String,
    },
    /// Accepting a sheet with undecided flags of medium severity or above,
    /// without saying what to do with them.
    #[error("{count} flag(s) of medium severity or above are undecided / 未判定の中以上の指摘が {count} 件あります")]
    OpenFlags {
        /// How many.
        count: usize,
    },
    /// The database failed; the detail is for the log, never for the user.
    #[error(transparent)]
    Db(DbError),
}

impl ServiceError {
    /// The refusal behind a refused sheet, for listing its problems.
    pub fn refusal(&self) -> Option<&Refusal> {
        match self {
            ServiceError::Refused(r)
            | ServiceError::UnknownCompany(r)
            | ServiceError::AmbiguousCompany(r)
            | ServiceError::NoFiscalYear(r) => Some(r),
            _ => None,
        }
    }
}

impl From<DbError> for ServiceError {
    fn from(e: DbError) -> Self {
        match e {
            DbError::NotFound(what) => ServiceError::NotFound(what),
            DbError::Invalid(m) => ServiceError::Invalid(m),
            DbError::Forbidden(m) => ServiceError::Forbidden(m),
            DbError::Conflict(message) => ServiceError::Workflow { code: "conflict", message },
            DbError::Workflow(w) => w.into(),
            other => ServiceError::Db(other),
        }
    }
}

impl From<WorkflowError> for ServiceError {
    fn from(e: WorkflowError) -> Self {
        match e {
            WorkflowError::Forbidden { .. } => ServiceError::Forbidden(e.to_string()),
            WorkflowError::MessageRequired => ServiceError::Invalid(e.to_string()),
            WorkflowError::NotAllowed { .. } => {
                ServiceError::Workflow { code: "move_not_allowed", message: e.to_string() }
            }
        }
    }
}

impl From<QueryError> for ServiceError {
    fn from(e: QueryError) -> Self {
        ServiceError::Db(DbError::Query(e))
    }
}

impl From<ImportError> for ServiceError {
    fn from(e: ImportError) -> Self {
        match e {
            ImportError::Db(e) => e.into(),
            // Matching errors are turned into refusals by the caller, which
            // knows the file and the cover cell; this is the fallback.
            other => ServiceError::Invalid(other.to_string()),
        }
    }
}
