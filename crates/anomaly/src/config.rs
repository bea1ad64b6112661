//! The detector's configuration: word lists, thresholds and risk weights, as
//! data (`config/detector.toml`), so a parent company can tune them without a
//! rebuild. Every flag records the hash of the configuration it ran with.

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

/// The configuration shipped with hyoka.
pub const BUILTIN_TOML: &str = include_str!("../../../config/detector.toml");

/// A word list compiled for matching: one Aho-Corasick pass finds the
/// leftmost (then longest) entry in a text. Reads and writes as a plain
/// list of strings; entries are normalised like evidence text when loaded.
#[derive(Clone)]
pub struct Lexicon {
    words: Vec<String>,
    automaton: Option<aho_corasick::AhoCorasick>,
}

impl Lexicon {
    /// A lexicon of `words`, normalised (NFKC, lower case, no spaces),
    /// without empties or duplicates, longest first.
    pub fn new(words: impl IntoIterator<Item = String>) -> Lexicon {
        let mut words: Vec<String> =
            words.into_iter().map(|w| crate::text::fold(&w)).filter(|w| !w.is_empty()).collect();
        words.sort_by_key(|w| std::cmp::Reverse(w.chars().count()));
        let mut seen = std::collections::HashSet::new();
        words.retain(|w| seen.insert(w.clone()));
        let automaton = aho_corasick::AhoCorasick::builder()
            .match_kind(aho_corasick::MatchKind::LeftmostLongest)
            .start_kind(aho_corasick::StartKind::Both)
            .build(&words)
            .ok();
        Lexicon { words, automaton }
    }

    /// The entries.
    pub fn words(&self) -> &[String] {
        &self.words
    }

    /// The leftmost (then longest) entry found in `text`.
    pub fn find_in(&self, text: &str) -> Option<&str> {
        let m = self.automaton.as_ref()?.find(text)?;
        self.words.get(m.pattern().as_usize()).map(String::as_str)
    }

    /// Every non-overlapping match: (start byte, entry).
    pub fn matches<'a>(&'a self, text: &'a str) -> impl Iterator<Item = (usize, &'a str)> + 'a {
        self.automaton
            .iter()
            .flat_map(move |a| a.find_iter(text))
            .filter_map(|m| Some((m.start(), self.words.get(m.pattern().as_usize())?.as_str())))
    }

    /// Whether `text` starts with an entry.
    pub fn starts(&self, text: &str) -> bool {
        self.automaton.as_ref().is_some_and(|a| {
            a.try_find(aho_corasick::Input::new(text).anchored(aho_corasick::Anchored::Yes)).ok().flatten().is_some()
        })
    }

    /// Whether the entry is in the list.
    pub fn contains_word(&self, word: &str) -> bool {
        self.words.iter().any(|w| w == word)
    }
}

impl std::fmt::Debug for Lexicon {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_list().entries(&self.words).finish()
    }
}

impl PartialEq for Lexicon {
    fn eq(&self, other: &Self) -> bool {
        self.words == other.words
    }
}

impl Serialize for Lexicon {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        self.words.serialize(s)
    }
}

impl<'de> Deserialize<'de> for Lexicon {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        Ok(Lexicon::new(Vec::<String>::deserialize(d)?))
    }
}

/// Word lists. Every entry is matched on normalised text (see [`crate::text`]).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
#[allow(missing_docs, reason = "each list is documented in config/detector.toml")]
pub struct Cues {
    pub completion: Lexicon,
    pub completion_nouns: Lexicon,
    pub preparatory: Lexicon,
    pub plan: Lexicon,
    pub progress: Lexicon,
    pub postponed: Lexicon,
    pub draft: Lexicon,
    pub draft_subjects: Lexicon,
    pub guess: Lexicon,
    pub plan_done: Lexicon,
    pub forward: Lexicon,
    pub not_done_words: Lexicon,
    pub negation: Lexicon,
    pub positive_phrases: Lexicon,
    pub bad_practices: Lexicon,
    pub partial: Lexicon,
    pub partial_exceptions: Lexicon,
    pub partial_scopes: Lexicon,
    pub contentless: Lexicon,
    pub artefacts: Lexicon,
    pub outsourced: Lexicon,
    pub na_reasons: Lexicon,
    pub size_reasons: Lexicon,
    pub placeholders: Lexicon,
    pub past_state: Lexicon,
    pub future_ok: Lexicon,
    pub contradictions: Lexicon,
    pub periodic_items: Lexicon,
    pub recurring: Lexicon,
    pub frequency: Lexicon,
    pub capacity_claims: Lexicon,
    pub stopped: Lexicon,
    pub stages: Lexicon,
    pub ad_hoc: Lexicon,
    pub single_site: Lexicon,
    pub na_weak_reasons: Lexicon,
    /// English phrase lists (`[cues.en]`).
    pub en: crate::english::EnglishCues,
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

/// How flags add up to a sheet's risk score (the formula is the model's,
/// shared with the residual risk after review).
pub use hyoka_model::risk::RiskWeights;

/// Group rules: cohorts, year over year, copied evidence.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
#[allow(missing_docs, reason = "each setting is documented in config/detector.toml")]
pub struct GroupSettings {
    /// Settings of the cohort rule before part 4, no longer read; kept so
    /// that a stored configuration from before still loads.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub min_cohort: Option<usize>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub min_shown: Option<usize>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub robust_z: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub smoothing: Option<f64>,
    #[serde(default = "defaults::size_robust_z")]
    pub size_robust_z: f64,
    #[serde(default = "defaults::size_item_share")]
    pub size_item_share: f64,
    #[serde(default = "defaults::size_max_items")]
    pub size_max_items: usize,
    pub rare_share: f64,
    #[serde(default = "defaults::rare_max_items")]
    pub rare_max_items: usize,
    pub unchanged_similarity: f64,
    pub copy_similarity: f64,
    pub copy_min_chars: usize,
    pub common_share: f64,
    pub copy_min_distinct: usize,
    pub copy_min_items: usize,
    #[serde(default = "defaults::copy_pair_similarity")]
    pub copy_pair_similarity: f64,
    #[serde(default = "defaults::copy_pair_min_chars")]
    pub copy_pair_min_chars: usize,
    #[serde(default = "defaults::copy_chance")]
    pub copy_chance: f64,
    pub rollout_share: f64,
    pub rollout_min: usize,
    pub group_cues: Lexicon,
}

/// Defaults of settings added after configurations were first stored.
mod defaults {
    pub fn size_robust_z() -> f64 {
        3.5
    }
    pub fn size_item_share() -> f64 {
        0.2
    }
    pub fn size_max_items() -> usize {
        20
    }
    pub fn rare_max_items() -> usize {
        3
    }
    pub fn copy_pair_similarity() -> f64 {
        0.6
    }
    pub fn copy_pair_min_chars() -> usize {
        15
    }
    pub fn copy_chance() -> f64 {
        0.05
    }
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
    /// Group rules.
    pub group: GroupSettings,
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
        let config: DetectorConfig = toml::from_str(text).map_err(|e| ConfigError(e.to_string()))?;
        let t = &config.thresholds;
        if !(0.0..=1.0).contains(&t.all_two_share) || !(0.0..=1.0).contains(&t.restate_containment) {
            return Err(ConfigError("shares must lie in 0–1".into()));
        }
        if config.risk.scale <= 0.0 {
            return Err(ConfigError("risk.scale must be positive".into()));
        }
        Ok(config)
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
