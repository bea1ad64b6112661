//! Measuring the detector: the hand-labelled item set (`eval/labelled.jsonl`,
//! written before any rule by someone who had not read them), item- and
//! sheet-level metrics, and the baselines every figure is compared with.

use std::collections::BTreeMap;

use chrono::NaiveDate;
use hyoka_model::catalog::Catalog;
use hyoka_model::domain::{Evaluation, ItemNumber, Level};
use hyoka_model::sheet::Answer;
use serde::{Deserialize, Serialize};

use crate::{CompanySize, Detector, Finding, SheetInput};

/// The labelled set, built in.
pub const LABELLED_JSONL: &str = include_str!("../eval/labelled.jsonl");

/// Labelled set v2, the part to tune on (`eval/v2/tuning.jsonl`).
pub const V2_TUNING_JSONL: &str = include_str!("../eval/v2/tuning.jsonl");

/// Labelled set v2, the frozen held-out part (`eval/v2/heldout.jsonl`): only
/// ever scored in aggregate, never read case by case.
pub const V2_HELDOUT_JSONL: &str = include_str!("../eval/v2/heldout.jsonl");

/// One labelled case.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, Serialize)]
pub struct LabelledCase {
    /// Case id (`L001`).
    pub id: String,
    /// Item number.
    pub item: u16,
    /// Level.
    pub level: u8,
    /// Claimed score: `"2"`, `"1"`, `"0"`, `"na"`, `"unanswered"`.
    pub score: String,
    /// Evidence as typed.
    pub evidence: String,
    /// 従業員数.
    pub employees: Option<u32>,
    /// IT担当者数.
    pub it_staff: Option<u32>,
    /// 回答日.
    pub answered_on: NaiveDate,
    /// The label: a careful reviewer would call this over-rated.
    pub over_rated: bool,
    /// The score that reviewer would give.
    pub suggested: Option<u8>,
    /// Which pattern or trap the case exercises.
    pub pattern: String,
    /// Why.
    #[serde(default)]
    pub note: String,
    /// Language of the evidence (`ja`, `en`; set v2), `ja` when absent.
    #[serde(default)]
    pub lang: Option<String>,
    /// The sheet's own 達成条件 text, when the case carries it (set v2).
    #[serde(default)]
    pub condition: Option<String>,
    /// Why the label (set v2).
    #[serde(default)]
    pub reason: String,
}

impl LabelledCase {
    /// The case as an answer.
    pub fn answer(&self) -> Option<Answer> {
        Some(Answer {
            item: ItemNumber::new(self.item).ok()?,
            level: Level::try_from(self.level).ok()?,
            evaluation: Evaluation::from_code(&self.score).ok()?,
            evidence: self.evidence.clone(),
            responsible_area: None,
            source_cell: None,
        })
    }
}

/// Parses the built-in labelled set.
pub fn labelled_cases() -> Result<Vec<LabelledCase>, String> {
    parse_cases(LABELLED_JSONL, "labelled.jsonl")
}

/// A part of labelled set v2.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum V2Part {
    /// The part to tune on.
    Tuning,
    /// The frozen held-out part.
    HeldOut,
}

/// Parses a part of labelled set v2.
pub fn v2_cases(part: V2Part) -> Result<Vec<LabelledCase>, String> {
    match part {
        V2Part::Tuning => parse_cases(V2_TUNING_JSONL, "v2/tuning.jsonl"),
        V2Part::HeldOut => parse_cases(V2_HELDOUT_JSONL, "v2/heldout.jsonl"),
    }
}

fn parse_cases(text: &str, name: &str) -> Result<Vec<LabelledCase>, String> {
    text.lines()
        .filter(|l| !l.trim().is_empty())
        .enumerate()
        .map(|(i, l)| serde_json::from_str(l).map_err(|e| format!("{name} line {}: {e}", i + 1)))
        .collect()
}

/// The cases of one language (`ja` includes cases without a language).
pub fn in_language(cases: &[LabelledCase], lang: &str) -> Vec<LabelledCase> {
    cases.iter().filter(|c| c.lang.as_deref().unwrap_or("ja") == lang).cloned().collect::<Vec<_>>()
}

/// The held-out part's figures: counts only, per language, with no case
/// ids or texts (nothing about a single held-out case leaves this function).
pub fn evaluate_heldout(detector: &Detector, catalog: &Catalog) -> Result<Vec<(String, ItemReport)>, String> {
    let cases = v2_cases(V2Part::HeldOut)?;
    Ok(["ja", "en"]
        .iter()
        .map(|lang| {
            let mut r = evaluate_labelled(detector, catalog, &in_language(&cases, lang));
            r.errors.clear();
            ((*lang).to_owned(), r)
        })
        .collect())
}

/// Precision, recall and F1 from counts.
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize)]
pub struct Prf {
    /// Flagged and over-rated.
    pub tp: usize,
    /// Flagged but honest.
    pub fp: usize,
    /// Over-rated but not flagged.
    pub fn_: usize,
}

impl Prf {
    /// Adds one decision.
    pub fn add(&mut self, flagged: bool, truth: bool) {
        match (flagged, truth) {
            (true, true) => self.tp += 1,
            (true, false) => self.fp += 1,
            (false, true) => self.fn_ += 1,
            (false, false) => {}
        }
    }

    /// tp / (tp + fp); 1 when nothing was flagged.
    pub fn precision(&self) -> f64 {
        if self.tp + self.fp == 0 { 1.0 } else { self.tp as f64 / (self.tp + self.fp) as f64 }
    }

    /// tp / (tp + fn).
    pub fn recall(&self) -> f64 {
        if self.tp + self.fn_ == 0 { 0.0 } else { self.tp as f64 / (self.tp + self.fn_) as f64 }
    }

    /// Harmonic mean of precision and recall.
    pub fn f1(&self) -> f64 {
        let (p, r) = (self.precision(), self.recall());
        if p + r == 0.0 { 0.0 } else { 2.0 * p * r / (p + r) }
    }
}

/// The words of the keyword baseline.
pub const BASELINE_KEYWORDS: [&str; 8] = ["予定", "検討", "未", "ない", "一部", "中", "なし", "今後"];

/// Baseline "evidence present": flags an answer other than 0 whose evidence is empty.
pub fn baseline_empty(a: &Answer) -> bool {
    a.evaluation != Evaluation::NOT_DONE
        && a.evaluation != Evaluation::Unanswered
        && hyoka_model::text::normalize_compact(&a.evidence).is_empty()
}

/// Baseline "keywords": flags an answer other than 0 whose evidence is empty
/// or contains one of [`BASELINE_KEYWORDS`].
pub fn baseline_keywords(a: &Answer) -> bool {
    let t = hyoka_model::text::normalize_compact(&a.evidence);
    a.evaluation != Evaluation::NOT_DONE
        && a.evaluation != Evaluation::Unanswered
        && (t.is_empty() || BASELINE_KEYWORDS.iter().any(|k| t.contains(k)))
}

/// Item-level results on the labelled set.
#[derive(Debug, Clone, Default, Serialize)]
pub struct ItemReport {
    /// Cases evaluated.
    pub cases: usize,
    /// Of which over-rated.
    pub positives: usize,
    /// The detector.
    pub detector: Prf,
    /// Per rule: cases where the rule marked over-rating.
    pub per_rule: BTreeMap<String, Prf>,
    /// Baseline "evidence present".
    pub baseline_empty: Prf,
    /// Baseline "keywords".
    pub baseline_keywords: Prf,
    /// Cases the detector got wrong: (id, pattern, flagged, rules).
    pub errors: Vec<(String, String, bool, Vec<String>)>,
}

/// Whether findings mark an item as over-rated.
pub fn flagged(findings: &[Finding]) -> bool {
    findings.iter().any(Finding::marks_over_rating)
}

/// Runs the detector on every labelled case, each as a one-item sheet.
pub fn evaluate_labelled(detector: &Detector, catalog: &Catalog, cases: &[LabelledCase]) -> ItemReport {
    let mut report = ItemReport::default();
    for case in cases {
        let Some(answer) = case.answer() else { continue };
        let answers = [answer];
        let input = SheetInput {
            answers: &answers,
            catalog,
            company: CompanySize { employees: case.employees, it_staff: case.it_staff },
            assessed_on: case.answered_on,
        };
        let conditions: Vec<(ItemNumber, &str)> =
            case.condition.as_deref().map(|c| (answers[0].item, c)).into_iter().collect();
        let findings: Vec<Finding> = detector
            .check_with_conditions(&input, &conditions)
            .findings
            .into_iter()
            .filter(|f| f.target.item().is_some())
            .collect();
        let hit = flagged(&findings);
        report.cases += 1;
        report.positives += usize::from(case.over_rated);
        report.detector.add(hit, case.over_rated);
        let mut rules: Vec<String> =
            findings.iter().filter(|f| f.marks_over_rating()).map(|f| f.rule.to_owned()).collect();
        rules.dedup();
        for r in &rules {
            report.per_rule.entry(r.clone()).or_default().add(true, case.over_rated);
        }
        report.baseline_empty.add(baseline_empty(&answers[0]), case.over_rated);
        report.baseline_keywords.add(baseline_keywords(&answers[0]), case.over_rated);
        if hit != case.over_rated {
            let all: Vec<String> = findings.iter().map(|f| format!("{}:{}", f.rule, f.severity)).collect();
            report.errors.push((case.id.clone(), case.pattern.clone(), hit, all));
        }
    }
    // Per-rule recall is over all positives.
    for prf in report.per_rule.values_mut() {
        prf.fn_ = report.positives.saturating_sub(prf.tp);
    }
    report
}

/// Area under the ROC curve of `scores` for `labels` (ties count half).
pub fn roc_auc(scores: &[f64], labels: &[bool]) -> Option<f64> {
    let pos: Vec<f64> = scores.iter().zip(labels).filter(|(_, l)| **l).map(|(s, _)| *s).collect();
    let neg: Vec<f64> = scores.iter().zip(labels).filter(|(_, l)| !**l).map(|(s, _)| *s).collect();
    if pos.is_empty() || neg.is_empty() {
        return None;
    }
    let mut wins = 0.0;
    for p in &pos {
        for n in &neg {
            wins += if p > n {
                1.0
            } else if p == n {
                0.5
            } else {
                0.0
            };
        }
    }
    Some(wins / (pos.len() * neg.len()) as f64)
}

/// Share of true positives among the `k` highest scores.
pub fn precision_at_k(scores: &[f64], labels: &[bool], k: usize) -> f64 {
    let mut idx: Vec<usize> = (0..scores.len()).collect();
    idx.sort_by(|a, b| scores[*b].total_cmp(&scores[*a]));
    let k = k.min(idx.len()).max(1);
    idx.iter().take(k).filter(|i| labels[**i]).count() as f64 / k as f64
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn auc_and_precision_at_k_by_hand() {
        let scores = [0.9, 0.8, 0.3, 0.1];
        let labels = [true, false, true, false];
        assert_eq!(roc_auc(&scores, &labels), Some(0.75));
        assert_eq!(precision_at_k(&scores, &labels, 2), 0.5);
        assert_eq!(roc_auc(&[1.0, 1.0], &[true, false]), Some(0.5));
        assert_eq!(roc_auc(&[1.0], &[true]), None);
    }

    #[test]
    fn the_labelled_set_parses() {
        let cases = labelled_cases();
        assert!(cases.as_ref().is_ok_and(|c| c.len() >= 200), "{cases:?}");
        assert!(cases.unwrap_or_default().iter().all(|c| c.answer().is_some()));
    }
}
