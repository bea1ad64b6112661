//! The detector's configuration: word lists, thresholds and risk weights, as
//! data (`config/detector.toml`), so a parent company can tune them without a
//! rebuild. Every flag records the hash of the configuration it ran with.

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

/// The configuration shipped with hyoka.
pub const BUILTIN_TOML: &str = include_str!("../../../config/detector.toml");

/// Word lists. Every entry is matched on normalised text (see [`crate::text`]).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
#[allow(missing_docs, reason = "each list is documented in config/detector.toml")]
pub struct Cues {
    pub completion: Vec<String>,
    pub completion_nouns: Vec<String>,
    pub preparatory: Vec<String>,
    pub plan: Vec<String>,
    pub progress: Vec<String>,
    pub postponed: Vec<String>,
    pub draft: Vec<String>,
    pub draft_subjects: Vec<String>,
    pub guess: Vec<String>,
    pub plan_done: Vec<String>,
    pub forward: Vec<String>,
    pub not_done_words: Vec<String>,
    pub negation: Vec<String>,
    pub positive_phrases: Vec<String>,
    pub bad_practices: Vec<String>,
    pub partial: Vec<String>,
    pub partial_exceptions: Vec<String>,
    pub partial_scopes: Vec<String>,
    pub contentless: Vec<String>,
    pub artefacts: Vec<String>,
    pub outsourced: Vec<String>,
    pub na_reasons: Vec<String>,
    pub size_reasons: Vec<String>,
    pub placeholders: Vec<String>,
    pub past_state: Vec<String>,
    pub future_ok: Vec<String>,
    pub contradictions: Vec<String>,
    pub periodic_items: Vec<String>,
    pub recurring: Vec<String>,
    pub frequency: Vec<String>,
    pub capacity_claims: Vec<String>,
}

/// Numeric thresholds.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
#[allow(missing_docs, reason = "each threshold is documented in config/detector.toml")]
pub struct Thresholds {
    pub small_it_staff: u32,
    pub small_employees: u32,
    pub thin_evidence_chars: usize,
    pub pasted_min_items: usize,
    pub pasted_min_chars: usize,
    pub guttman_low_pairs: usize,
    pub guttman_medium_pairs: usize,
    pub all_two_share: f64,
    pub restate_containment: f64,
    pub stale_years: i32,
}

/// How flags add up to a sheet's risk score.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
#[allow(missing_docs, reason = "each weight is documented in config/detector.toml")]
pub struct RiskWeights {
    pub weight_high: f64,
    pub weight_medium: f64,
    pub weight_low: f64,
    pub weight_info: f64,
    pub cap_per_rule: f64,
    pub scale: f64,
    pub top_reasons: usize,
}

/// The whole configuration.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DetectorConfig {
    /// Version of the file's format.
    pub version: String,
    /// Word lists.
    pub cues: Cues,
    /// Thresholds.
    pub thresholds: Thresholds,
    /// Risk weights.
    pub risk: RiskWeights,
}

/// A configuration that cannot be used.
#[derive(Debug, thiserror::Error)]
#[error("detector configuration: {0}")]
pub struct ConfigError(pub String);

impl DetectorConfig {
    /// The configuration shipped with hyoka.
    pub fn builtin() -> Result<DetectorConfig, ConfigError> {
        DetectorConfig::from_toml(BUILTIN_TOML)
    }

    /// Parses and checks a configuration file.
    pub fn from_toml(text: &str) -> Result<DetectorConfig, ConfigError> {
        let mut config: DetectorConfig = toml::from_str(text).map_err(|e| ConfigError(e.to_string()))?;
        config.normalise();
        let t = &config.thresholds;
        if !(0.0..=1.0).contains(&t.all_two_share) || !(0.0..=1.0).contains(&t.restate_containment) {
            return Err(ConfigError("shares must lie in 0–1".into()));
        }
        if config.risk.scale <= 0.0 {
            return Err(ConfigError("risk.scale must be positive".into()));
        }
        Ok(config)
    }

    /// Cues are compared with normalised text: normalise them the same way
    /// once, here, and drop empty entries.
    fn normalise(&mut self) {
        let c = &mut self.cues;
        for list in [
            &mut c.completion,
            &mut c.completion_nouns,
            &mut c.preparatory,
            &mut c.plan,
            &mut c.progress,
            &mut c.postponed,
            &mut c.draft,
            &mut c.draft_subjects,
            &mut c.guess,
            &mut c.plan_done,
            &mut c.forward,
            &mut c.not_done_words,
            &mut c.negation,
            &mut c.positive_phrases,
            &mut c.bad_practices,
            &mut c.partial,
            &mut c.partial_exceptions,
            &mut c.partial_scopes,
            &mut c.contentless,
            &mut c.artefacts,
            &mut c.outsourced,
            &mut c.na_reasons,
            &mut c.size_reasons,
            &mut c.placeholders,
            &mut c.past_state,
            &mut c.future_ok,
            &mut c.contradictions,
            &mut c.periodic_items,
            &mut c.recurring,
            &mut c.frequency,
            &mut c.capacity_claims,
        ] {
            for w in list.iter_mut() {
                *w = crate::text::fold(w);
            }
            list.retain(|w| !w.is_empty());
            // Longest first, so the quoted cue is the most specific one.
            list.sort_by_key(|w| std::cmp::Reverse(w.chars().count()));
            list.dedup();
        }
    }

    /// SHA-256 of the configuration's content (hex), recorded with each flag.
    pub fn hash(&self) -> String {
        let json = serde_json::to_vec(self).unwrap_or_default();
        hex::encode(Sha256::digest(json))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_builtin_configuration_loads_and_hashes_stably() {
        let a = DetectorConfig::builtin().map_err(|e| e.to_string());
        let b = DetectorConfig::builtin().map_err(|e| e.to_string());
        assert!(a.is_ok(), "{a:?}");
        assert_eq!(a.as_ref().map(DetectorConfig::hash).ok(), b.as_ref().map(DetectorConfig::hash).ok());
        let changed = BUILTIN_TOML.replace("thin_evidence_chars = 30", "thin_evidence_chars = 31");
        let c = DetectorConfig::from_toml(&changed).map_err(|e| e.to_string());
        assert_ne!(a.map(|c| c.hash()).ok(), c.map(|c| c.hash()).ok());
    }

    #[test]
    fn unknown_keys_are_refused() {
        let bad = BUILTIN_TOML.replace("[risk]", "[risk]\nweight_extreme = 9");
        assert!(DetectorConfig::from_toml(&bad).is_err());
    }
}
