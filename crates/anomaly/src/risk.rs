//! A sheet's risk score (0–100) with its top reasons.
//!
//! S = Σ severity weights of the findings, each rule's total capped so one
//! noisy rule cannot dominate; risk = round(100 × (1 − e^(−S / scale))). A
//! sheet with one high finding scores about 33 with the shipped weights, one
//! with four high findings about 80.

use std::collections::BTreeMap;

use hyoka_model::domain::Severity;
use serde::Serialize;

use crate::Finding;
use crate::config::RiskWeights;

/// The risk of one sheet.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Risk {
    /// 0 (nothing found) – 100.
    pub score: u8,
    /// The strongest reasons, Japanese.
    pub top_reasons: Vec<String>,
    /// The same reasons, English.
    pub top_reasons_en: Vec<String>,
}

fn weight(s: Severity, w: &RiskWeights) -> f64 {
    match s {
        Severity::High => w.weight_high,
        Severity::Medium => w.weight_medium,
        Severity::Low => w.weight_low,
        Severity::Info => w.weight_info,
    }
}

/// Scores a sheet's findings.
pub fn score(findings: &[Finding], w: &RiskWeights) -> Risk {
    score_parts(findings.iter().map(|f| (f.rule, f.severity, f.reason_ja.as_str(), f.reason_en.as_str())), w)
}

/// Scores flags given as (rule, severity, reason_ja, reason_en): what the
/// risk of a stored submission is recomputed from once group rules add flags.
pub fn score_parts<'a>(
    flags: impl IntoIterator<Item = (&'a str, Severity, &'a str, &'a str)>,
    w: &RiskWeights,
) -> Risk {
    let flags: Vec<_> = flags.into_iter().collect();
    let mut per_rule: BTreeMap<&str, f64> = BTreeMap::new();
    for (rule, severity, _, _) in &flags {
        *per_rule.entry(rule).or_default() += weight(*severity, w);
    }
    let s: f64 = per_rule.values().map(|v| v.min(w.cap_per_rule)).sum();
    let score = (100.0 * (1.0 - (-s / w.scale).exp())).round().clamp(0.0, 100.0) as u8;
    let mut ranked: Vec<_> = flags.iter().filter(|f| f.1 > Severity::Info).collect();
    ranked.sort_by_key(|f| std::cmp::Reverse(f.1));
    Risk {
        score,
        top_reasons: ranked.iter().take(w.top_reasons).map(|f| f.2.to_owned()).collect(),
        top_reasons_en: ranked.iter().take(w.top_reasons).map(|f| f.3.to_owned()).collect(),
    }
}
