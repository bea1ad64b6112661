//! A sheet's risk score (0–100) from its flags, and the weights it is
//! computed with.
//!
//! S = Σ severity weights of the flags, each rule's total capped so one
//! noisy rule cannot dominate; risk = round(100 × (1 − e^(−S / scale))). A
//! sheet with one high flag scores about 33 with the shipped weights, one
//! with four high flags about 80.
//!
//! The formula lives here, beside the summaries, because it is used twice:
//! by the detector for the risk it computes (`hyoka_anomaly::risk`), and by
//! the summaries for the **residual** risk — the same formula over the
//! flags still standing after review (undecided and confirmed; a dismissed
//! flag drops out), with the weights the detector used (kept on the
//! submission's risk record).

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::domain::Severity;

/// How flags add up to a sheet's risk score (the `[risk]` table of
/// `config/detector.toml`, where each weight is explained).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RiskWeights {
    /// Weight of a high-severity flag.
    pub weight_high: f64,
    /// Weight of a medium-severity flag.
    pub weight_medium: f64,
    /// Weight of a low-severity flag.
    pub weight_low: f64,
    /// Weight of an informational flag.
    pub weight_info: f64,
    /// Most one rule's flags add up to.
    pub cap_per_rule: f64,
    /// The sum that gives a risk of about 63.
    pub scale: f64,
    /// How many reasons a risk lists.
    pub top_reasons: usize,
}

impl RiskWeights {
    /// The weights `config/detector.toml` ships, for tests that record a
    /// risk by hand (a test of the migration checks the file agrees).
    #[cfg(any(test, feature = "testing"))]
    pub const SHIPPED: RiskWeights = RiskWeights {
        weight_high: 8.0,
        weight_medium: 3.0,
        weight_low: 1.0,
        weight_info: 0.0,
        cap_per_rule: 24.0,
        scale: 20.0,
        top_reasons: 5,
    };

    fn weight(&self, s: Severity) -> f64 {
        match s {
            Severity::High => self.weight_high,
            Severity::Medium => self.weight_medium,
            Severity::Low => self.weight_low,
            Severity::Info => self.weight_info,
        }
    }
}

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

/// The score alone of flags given as (rule, severity).
pub fn score_of<'a>(flags: impl IntoIterator<Item = (&'a str, Severity)>, w: &RiskWeights) -> u8 {
    let mut per_rule: BTreeMap<&str, f64> = BTreeMap::new();
    for (rule, severity) in flags {
        *per_rule.entry(rule).or_default() += w.weight(severity);
    }
    let s: f64 = per_rule.values().map(|v| v.min(w.cap_per_rule)).sum();
    (100.0 * (1.0 - (-s / w.scale).exp())).round().clamp(0.0, 100.0) as u8
}

/// Scores flags given as (rule, severity, reason_ja, reason_en), with the
/// strongest reasons.
pub fn score_parts<'a>(
    flags: impl IntoIterator<Item = (&'a str, Severity, &'a str, &'a str)>,
    w: &RiskWeights,
) -> Risk {
    let flags: Vec<_> = flags.into_iter().collect();
    let score = score_of(flags.iter().map(|f| (f.0, f.1)), w);
    let mut ranked: Vec<_> = flags.iter().filter(|f| f.1 > Severity::Info).collect();
    ranked.sort_by_key(|f| std::cmp::Reverse(f.1));
    Risk {
        score,
        top_reasons: ranked.iter().take(w.top_reasons).map(|f| f.2.to_owned()).collect(),
        top_reasons_en: ranked.iter().take(w.top_reasons).map(|f| f.3.to_owned()).collect(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn shipped() -> RiskWeights {
        RiskWeights::SHIPPED
    }

    #[test]
    fn one_high_flag_is_about_a_third_and_nothing_is_zero() {
        assert_eq!(score_of([("a", Severity::High)], &shipped()), 33);
        assert_eq!(score_of([], &shipped()), 0);
        assert_eq!(score_of([("a", Severity::Info), ("b", Severity::Info)], &shipped()), 0);
    }

    #[test]
    fn one_rule_is_capped() {
        let w = shipped();
        let many: Vec<_> = (0..10).map(|_| ("same", Severity::High)).collect();
        let capped = score_of(many, &w);
        // 10 × 8 = 80 capped at 24: 100 × (1 − e^(−24/20)) = 69.9.
        assert_eq!(capped, 70);
        let spread: Vec<_> = ["a", "b", "c", "d", "e", "f", "g", "h", "i", "j"].map(|r| (r, Severity::High)).into();
        assert!(score_of(spread, &w) > capped);
    }

    #[test]
    fn reasons_are_the_strongest_first_and_skip_info() {
        let w = RiskWeights { top_reasons: 2, ..shipped() };
        let r = score_parts(
            [
                ("a", Severity::Low, "低", "low"),
                ("b", Severity::Info, "参考", "info"),
                ("c", Severity::High, "高", "high"),
                ("d", Severity::Medium, "中", "medium"),
            ],
            &w,
        );
        assert_eq!(r.top_reasons, ["高", "中"]);
        assert_eq!(r.top_reasons_en, ["high", "medium"]);
    }
}
