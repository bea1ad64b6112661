//! What the detector needs and leaves in the database: its configuration
//! (seeded from `config/detector.toml` at migration time, so a parent company
//! can tune it without a rebuild) and each submission's risk score.

use chrono::{DateTime, NaiveDateTime, Utc};
use diesel::prelude::*;
use serde::Serialize;

use super::schema::{detector_configs, submission_risk};
use super::{DbConn, DbError};

/// The detector configuration shipped with hyoka (validated by the detector).
pub const BUILTIN_DETECTOR_TOML: &str = include_str!("../../../../config/detector.toml");

/// The id of the configuration in force.
pub const ACTIVE: &str = "active";

/// Seeds the shipped configuration when none is stored. A configuration the
/// parent company changed is kept.
pub fn seed_builtin(conn: &mut DbConn) -> Result<(), DbError> {
    let exists = detector_configs::table.find(ACTIVE).select(detector_configs::id).first::<String>(conn).optional()?;
    if exists.is_none() {
        diesel::insert_into(detector_configs::table)
            .values((
                detector_configs::id.eq(ACTIVE),
                detector_configs::config_toml.eq(BUILTIN_DETECTOR_TOML),
                detector_configs::updated_at.eq(crate::time::now().naive_utc()),
            ))
            .execute(conn)?;
    }
    Ok(())
}

/// The configuration in force, as TOML text.
pub fn active_config(conn: &mut DbConn) -> Result<String, DbError> {
    Ok(detector_configs::table
        .find(ACTIVE)
        .select(detector_configs::config_toml)
        .first::<String>(conn)
        .optional()?
        .unwrap_or_else(|| BUILTIN_DETECTOR_TOML.to_owned()))
}

/// A submission's risk score.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RiskRecord {
    /// Submission.
    pub submission_id: i64,
    /// 0–100.
    pub score: u8,
    /// The strongest reasons (Japanese).
    pub top_reasons: Vec<String>,
    /// Detector version.
    pub detector_version: String,
    /// Configuration hash.
    pub config_hash: String,
    /// When it was computed.
    pub computed_at: DateTime<Utc>,
}

/// Records (or replaces) a submission's risk, in the caller's transaction.
pub fn set_risk_in_tx(
    conn: &mut DbConn,
    submission_id: i64,
    score: u8,
    top_reasons: &[String],
    detector_version: &str,
    config_hash: &str,
) -> Result<(), DbError> {
    let reasons = serde_json::to_string(top_reasons).unwrap_or_else(|_| "[]".into());
    let now = crate::time::now().naive_utc();
    diesel::delete(submission_risk::table.find(submission_id)).execute(conn)?;
    diesel::insert_into(submission_risk::table)
        .values((
            submission_risk::submission_id.eq(submission_id),
            submission_risk::score.eq(i16::from(score)),
            submission_risk::top_reasons_json.eq(reasons),
            submission_risk::detector_version.eq(detector_version),
            submission_risk::config_hash.eq(config_hash),
            submission_risk::computed_at.eq(now),
        ))
        .execute(conn)?;
    Ok(())
}

/// A submission's risk, if computed.
pub fn risk_of(conn: &mut DbConn, submission_id: i64) -> Result<Option<RiskRecord>, DbError> {
    let row: Option<(i64, i16, String, String, String, NaiveDateTime)> =
        submission_risk::table.find(submission_id).first(conn).optional()?;
    Ok(row.map(|(submission_id, score, reasons, detector_version, config_hash, at)| RiskRecord {
        submission_id,
        score: u8::try_from(score).unwrap_or(0),
        top_reasons: serde_json::from_str(&reasons).unwrap_or_default(),
        detector_version,
        config_hash,
        computed_at: crate::time::from_db(at),
    }))
}
