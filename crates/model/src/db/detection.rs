//! What the detector needs and leaves in the database: its configuration
//! (seeded from `config/detector.toml` at migration time, so a parent company
//! can tune it without a rebuild) and each submission's risk score.

use std::collections::BTreeMap;

use chrono::{DateTime, NaiveDateTime, Utc};
use diesel::prelude::*;
use serde::Serialize;

use super::flags::{Flag, Review};
use super::schema::{detector_configs, submission_risk};
use super::{DbConn, DbError};
use crate::domain::Decision;
use crate::risk::RiskWeights;

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
#[derive(Debug, Clone, PartialEq, Serialize)]
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
    /// The weights it was computed with (`None` for a record older than
    /// kept weights that [`backfill_weights`] has not reached).
    pub weights: Option<RiskWeights>,
    /// The residual risk now: the same formula and weights over the flags
    /// still standing after review (undecided and confirmed).
    pub residual: Option<u8>,
}

/// What a risk was computed by: the detector's version, its configuration's
/// hash and the risk weights of that configuration.
#[derive(Debug, Clone, Copy)]
pub struct ComputedBy<'a> {
    /// Detector version.
    pub detector_version: &'a str,
    /// Configuration hash.
    pub config_hash: &'a str,
    /// The weights the risk was computed with (the residual risk after
    /// review uses the same ones).
    pub weights: &'a RiskWeights,
}

/// Records (or replaces) a submission's risk, in the caller's transaction.
pub fn set_risk_in_tx(
    conn: &mut DbConn,
    submission_id: i64,
    score: u8,
    top_reasons: &[String],
    by: ComputedBy<'_>,
) -> Result<(), DbError> {
    let ComputedBy { detector_version, config_hash, weights } = by;
    let reasons = serde_json::to_string(top_reasons).unwrap_or_else(|_| "[]".into());
    let weights = serde_json::to_string(weights).unwrap_or_default();
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
            submission_risk::weights_json.eq(weights),
        ))
        .execute(conn)?;
    Ok(())
}

/// A stored `submission_risk` row, in column order.
type RiskRow = (i64, i16, String, String, String, NaiveDateTime, String, Option<i16>);

/// A submission's risk, if computed, with its residual risk now.
pub fn risk_of(conn: &mut DbConn, submission_id: i64) -> Result<Option<RiskRecord>, DbError> {
    let row: Option<RiskRow> = submission_risk::table.find(submission_id).first(conn).optional()?;
    let Some((submission_id, score, reasons, detector_version, config_hash, at, weights, _kept)) = row else {
        return Ok(None);
    };
    let flags = super::flags::of_submission(conn, submission_id)?;
    let latest = super::flags::latest_reviews(conn, submission_id)?;
    Ok(Some(RiskRecord {
        submission_id,
        score: u8::try_from(score).unwrap_or(0),
        top_reasons: serde_json::from_str(&reasons).unwrap_or_default(),
        detector_version,
        config_hash,
        computed_at: crate::time::from_db(at),
        residual: residual(&flags, &latest, &weights),
        weights: parse_weights(&weights),
    }))
}

fn parse_weights(json: &str) -> Option<RiskWeights> {
    serde_json::from_str(json).ok()
}

/// The residual risk of a submission's flags: the risk formula over the
/// flags still standing (undecided or confirmed by their latest decision;
/// dismissed ones drop out), with the weights its risk was computed with.
/// `None` when it has no risk record with weights.
pub(crate) fn residual(flags: &[Flag], latest: &BTreeMap<i64, Review>, weights_json: &str) -> Option<u8> {
    let weights = parse_weights(weights_json)?;
    let standing = flags
        .iter()
        .filter(|f| !matches!(latest.get(&f.id).map(|r| r.decision), Some(Decision::Dismissed)))
        .map(|f| (f.flag.rule.as_str(), f.flag.severity));
    Some(crate::risk::score_of(standing, &weights))
}

/// Fills in the weights of risk records older than kept weights, from the
/// configuration in force (its `[risk]` table). Returns how many.
pub fn backfill_weights(conn: &mut DbConn) -> Result<usize, DbError> {
    let missing: i64 = submission_risk::table.filter(submission_risk::weights_json.eq("")).count().get_result(conn)?;
    if missing == 0 {
        return Ok(0);
    }
    #[derive(serde::Deserialize)]
    struct OnlyRisk {
        risk: RiskWeights,
    }
    let toml_text = active_config(conn)?;
    let weights = toml::from_str::<OnlyRisk>(&toml_text)
        .map_err(|e| DbError::Config(format!("the detector configuration's [risk] table: {e}")))?
        .risk;
    let json = serde_json::to_string(&weights).unwrap_or_default();
    let n = diesel::update(submission_risk::table.filter(submission_risk::weights_json.eq("")))
        .set(submission_risk::weights_json.eq(json))
        .execute(conn)?;
    Ok(n)
}
