//! A sheet's risk score (0–100) with its top reasons.
//!
//! S = Σ severity weights of the findings, each rule's total capped so one
//! noisy rule cannot dominate; risk = round(100 × (1 − e^(−S / scale))). A
//! sheet with one high finding scores about 33 with the shipped weights, one
//! with four high findings about 80. The formula is
//! [`hyoka_model::risk`]'s, which the residual risk after review shares.

use crate::Finding;
use crate::config::RiskWeights;

pub use hyoka_model::risk::{Risk, score_parts};

/// Scores a sheet's findings.
pub fn score(findings: &[Finding], w: &RiskWeights) -> Risk {
    score_parts(findings.iter().map(|f| (f.rule, f.severity, f.reason_ja.as_str(), f.reason_en.as_str())), w)
}
