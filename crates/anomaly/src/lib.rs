//! # hyoka-anomaly
//!
//! Over-rating (上振れ) detectors: pure functions over domain values, with no
//! I/O and no database, so they are easy to test and to benchmark.
//!
//! [`Detector::check`] reads one sheet — its answers, the catalog, the
//! company's size and the assessment date — and returns [`Finding`]s, each
//! with a rule id, a severity, the claimed score, a suggested score where one
//! follows, and a reason in Japanese and English that quotes the part of the
//! evidence that triggered it, plus a [`Risk`] score for the sheet.
//!
//! The rules (see `docs/detection.md` for each, with its measured precision
//! and recall):
//! - **evidence against score** ([`rules`]): a 2 whose evidence says not done,
//!   planned, in preparation, postponed, a draft, partial, guessed, or dated
//!   after the assessment; empty or contentless evidence; a multi-part
//!   condition with a part missing or denied; a 1 with nothing done or planned;
//!   該当なし without a reason, on an item every company must answer, or for
//!   reasons of size;
//! - **capacity**: a small company claiming what a one-person IT function
//!   rarely has, without saying who does it for them;
//! - **within the sheet**: Lv3 items at 2 while Lv1 items are 0 (polytomous
//!   Guttman errors), dependencies between items, pasted evidence.
//!
//! The submitted score is never changed: a finding only suggests. `low` and
//! `info` findings never suggest a score below the claim.

pub mod condition;
pub mod config;
pub mod english;
pub mod eval;
pub mod group;
pub mod risk;
pub mod rules;
pub mod size_prior;
pub mod text;

use chrono::NaiveDate;
use hyoka_model::catalog::Catalog;
use hyoka_model::domain::{Evaluation, FlagTarget, ItemNumber, Points, Severity};
use hyoka_model::sheet::Answer;
use serde::Serialize;

pub use config::{ConfigError, DetectorConfig};
pub use risk::Risk;

/// Version of the rules, recorded with every flag.
pub const DETECTOR_VERSION: &str = concat!("hyoka-anomaly/", env!("CARGO_PKG_VERSION"), "+rules.2");

/// What the detector knows of the company.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct CompanySize {
    /// 従業員数.
    pub employees: Option<u32>,
    /// 情報システム担当者数.
    pub it_staff: Option<u32>,
}

/// One sheet to check.
#[derive(Debug, Clone, Copy)]
pub struct SheetInput<'a> {
    /// The answers, one per item.
    pub answers: &'a [Answer],
    /// The framework's catalog (tags, parts, dependencies).
    pub catalog: &'a Catalog,
    /// The company's size that year.
    pub company: CompanySize,
    /// The day the sheet speaks for: its 回答日, else the end of its fiscal
    /// year. Never the clock.
    pub assessed_on: NaiveDate,
}

/// One over-rating signal.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Finding {
    /// The item, or the whole sheet.
    pub target: FlagTarget,
    /// Rule id (`plan_only`, `parts_missing`, …).
    pub rule: &'static str,
    /// Severity.
    pub severity: Severity,
    /// The score as submitted.
    pub claimed: Evaluation,
    /// The score the evidence supports, where one follows.
    pub suggested: Option<Points>,
    /// Reason in Japanese, quoting the evidence.
    pub reason_ja: String,
    /// Reason in English, quoting the evidence.
    pub reason_en: String,
}

impl Finding {
    /// A finding on one answer. The reasons get the item number in front;
    /// a `low` or `info` finding never suggests a score (it may not lower
    /// the claim), whatever the rule passed.
    pub fn on_item(
        answer: &Answer,
        rule: &'static str,
        severity: Severity,
        suggested: Option<Points>,
        reason_ja: &str,
        reason_en: &str,
    ) -> Finding {
        let n = answer.item;
        Finding {
            target: FlagTarget::Item(n),
            rule,
            severity,
            claimed: answer.evaluation,
            suggested: if severity.may_suggest_lower() { suggested } else { None },
            reason_ja: format!("{n}: {reason_ja}"),
            reason_en: format!("{n}: {reason_en}"),
        }
    }

    /// Whether this finding marks its item as over-rated: medium or high, or a
    /// suggestion below the claim.
    pub fn marks_over_rating(&self) -> bool {
        self.severity >= Severity::Medium
            || match (self.claimed.points(), self.suggested) {
                (Some(c), Some(s)) => s.value() < c,
                _ => false,
            }
    }
}

/// What the detector found on one sheet.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Report {
    /// Findings, item findings by item number first, then sheet findings.
    pub findings: Vec<Finding>,
    /// The sheet's risk score with its top reasons.
    pub risk: Risk,
}

/// A loaded configuration, ready to check sheets.
#[derive(Debug, Clone)]
pub struct Detector {
    config: DetectorConfig,
    hash: String,
}

impl Detector {
    /// A detector with the shipped configuration.
    pub fn builtin() -> Result<Detector, ConfigError> {
        Ok(Detector::new(DetectorConfig::builtin()?))
    }

    /// A detector with a given configuration.
    pub fn new(config: DetectorConfig) -> Detector {
        let hash = config.hash();
        Detector { config, hash }
    }

    /// The configuration.
    pub fn config(&self) -> &DetectorConfig {
        &self.config
    }

    /// The configuration's hash, recorded with each flag.
    pub fn config_hash(&self) -> &str {
        &self.hash
    }

    /// Checks one sheet.
    pub fn check(&self, input: &SheetInput<'_>) -> Report {
        self.check_with_conditions(input, &[])
    }

    /// Checks one sheet whose upload carries the items' own 達成条件 /
    /// 達成基準 / 要求事項 text: `(item, text)` pairs, read in place of the
    /// catalog's condition for those items (restated requirement, the parts
    /// of a multi-part condition).
    pub fn check_with_conditions(&self, input: &SheetInput<'_>, conditions: &[(ItemNumber, &str)]) -> Report {
        let mut findings = rules::item_findings(input, &self.config, conditions);
        findings.extend(rules::sheet_findings(input, &self.config));
        let risk = risk::score(&findings, &self.config.risk);
        Report { findings, risk }
    }
}
