//! The catalog, the detector and the limits a sheet is read and judged with,
//! loaded once.

use hyoka_anomaly::{Detector, DetectorConfig};
use hyoka_ingest::Limits;
use hyoka_model::catalog::Catalog;
use hyoka_model::db::{DbConn, DbError};

use crate::ServiceError;

/// What a sheet is read and judged with.
#[derive(Debug, Clone)]
pub struct Pipeline {
    /// The catalog sheets are read against.
    pub catalog: Catalog,
    /// The over-rating detector.
    pub detector: Detector,
    /// Upload limits.
    pub limits: Limits,
}

impl Pipeline {
    /// The built-in framework's catalog as stored (with any official wording
    /// imported into it) and the detector configuration in force (a parent
    /// company may have tuned it).
    pub fn load(conn: &mut DbConn, limits: Limits) -> Result<Pipeline, ServiceError> {
        let framework = builtin_catalog()?.framework.id;
        let catalog = hyoka_model::db::catalog::load(conn, &framework)?;
        Ok(Pipeline { catalog, detector: stored_detector(conn)?, limits })
    }

    /// The shipped catalog and detector, for checks without a database.
    pub fn builtin(limits: Limits) -> Result<Pipeline, ServiceError> {
        let detector = Detector::builtin().map_err(|e| internal(format!("the shipped detector configuration: {e}")))?;
        Ok(Pipeline { catalog: builtin_catalog()?, detector, limits })
    }
}

/// The detector with the configuration stored in the database, or the
/// shipped one if none is stored.
pub(crate) fn stored_detector(conn: &mut DbConn) -> Result<Detector, ServiceError> {
    let text = hyoka_model::db::detection::active_config(conn)?;
    let config = DetectorConfig::from_toml(&text)
        .map_err(|e| internal(format!("the stored detector configuration does not load: {e}")))?;
    Ok(Detector::new(config))
}

fn builtin_catalog() -> Result<Catalog, ServiceError> {
    Catalog::builtin().map_err(|e| internal(format!("the built-in catalog does not load: {e}")))
}

fn internal(detail: String) -> ServiceError {
    ServiceError::Db(DbError::Config(detail))
}
