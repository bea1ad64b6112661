//! Achievement rates (達成率): the one place they are computed.
//!
//! # The formula
//! For a set of items, **rate = Σ points / (2 × items rated other than 該当なし)**.
//! Points are 2 (対策完了), 1 (対策中), 0 (未実施); an unanswered item counts as 0
//! and stays in the denominator (its count is reported); 該当なし items are left
//! out of both sums. A set with no item other than 該当なし has no rate (`None`).
//! The official formula is not published; this natural reading is the one
//! `docs/domain.md` gives, and everything goes through [`Tally::rate`].
//!
//! # Which items
//! - a **level's** rate covers that level's items only (Lv2 is not Lv1+Lv2);
//! - the **target** rate covers Lv1 up to the company's target level together;
//! - **overall** covers every item.
//!
//! # Three views
//! - *self*: the answers as submitted;
//! - *suggested*: each item at the lowest score suggested by its flags of
//!   medium severity or above (never above the claim; a 該当なし with such a
//!   flag counts as 0, not shown to be done);
//! - *reviewed*: each item at the lowest score of its confirmed reviews.
//!
//! # Departments
//! [`merge_departments`] combines the sheets of several departments item by
//! item with [`merge`]: the weakest answer wins (seed question 3).

use std::collections::BTreeMap;

use serde::Serialize;

use crate::domain::{Evaluation, ItemNumber, Level, Points, Severity};

/// One answer as scoring sees it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct ScoredItem {
    /// Item number.
    pub number: ItemNumber,
    /// The level that scores this item (the sheet's, else the catalog's).
    pub level: Level,
    /// The answer.
    pub evaluation: Evaluation,
}

/// What scoring needs of a flag.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FlagSuggestion {
    /// The flagged item.
    pub item: ItemNumber,
    /// The flag's severity.
    pub severity: Severity,
    /// The score the flag suggests, if any.
    pub suggested: Option<Points>,
}

/// What scoring needs of a confirmed review.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ConfirmedScore {
    /// The reviewed item.
    pub item: ItemNumber,
    /// The score the reviewer holds it to be worth.
    pub score: Points,
}

/// Counts behind one rate.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct Tally {
    /// Σ points.
    pub points: u32,
    /// Items in the denominator: rated 2/1/0 or unanswered.
    pub rated: u32,
    /// Of `rated`, how many were unanswered (counted as 0).
    pub unanswered: u32,
    /// Items answered 該当なし (left out).
    pub not_applicable: u32,
}

impl Tally {
    /// Adds one answer.
    pub fn add(&mut self, e: Evaluation) {
        match e.points() {
            Some(p) => {
                self.points += u32::from(p);
                self.rated += 1;
                if e == Evaluation::Unanswered {
                    self.unanswered += 1;
                }
            }
            None => self.not_applicable += 1,
        }
    }

    /// Σ points / (2 × rated), or `None` when nothing is rated.
    pub fn rate(&self) -> Option<f64> {
        (self.rated > 0).then(|| f64::from(self.points) / (2.0 * f64::from(self.rated)))
    }
}

/// A rate with its counts.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Rate {
    /// The fraction 0–1, or `None` when no item is rated.
    pub rate: Option<f64>,
    /// The counts it comes from.
    #[serde(flatten)]
    pub tally: Tally,
}

impl From<Tally> for Rate {
    fn from(tally: Tally) -> Rate {
        Rate { rate: tally.rate(), tally }
    }
}

/// Rates of one view of a sheet.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Achievement {
    /// Lv1, Lv2, Lv3, each over that level's items only.
    pub levels: [Rate; 3],
    /// Lv1..=target together.
    pub target: Rate,
    /// The company's target level the `target` rate was computed for.
    pub target_level: Level,
    /// Every item.
    pub overall: Rate,
}

impl Achievement {
    /// The rate of one level.
    pub fn level(&self, level: Level) -> Rate {
        self.levels[level.index()]
    }
}

/// Computes every rate of one view.
pub fn achievement(items: &[ScoredItem], target_level: Level) -> Achievement {
    let mut levels = [Tally::default(); 3];
    let mut target = Tally::default();
    let mut overall = Tally::default();
    for item in items {
        levels[item.level.index()].add(item.evaluation);
        if item.level <= target_level {
            target.add(item.evaluation);
        }
        overall.add(item.evaluation);
    }
    Achievement { levels: levels.map(Rate::from), target: target.into(), target_level, overall: overall.into() }
}

/// The answers as the flags suggest them: each item at the lowest score
/// suggested by its flags of medium severity or above, never above the claim.
/// A 該当なし with such a flag counts as 0; an unanswered item stays unanswered.
pub fn suggested_items(items: &[ScoredItem], flags: &[FlagSuggestion]) -> Vec<ScoredItem> {
    let mut lowest: BTreeMap<ItemNumber, Points> = BTreeMap::new();
    for f in flags.iter().filter(|f| f.severity.may_suggest_lower()) {
        if let Some(s) = f.suggested {
            lowest.entry(f.item).and_modify(|p| *p = (*p).min(s)).or_insert(s);
        }
    }
    items
        .iter()
        .map(|item| {
            let evaluation = match (item.evaluation, lowest.get(&item.number)) {
                (Evaluation::Rated(claimed), Some(&s)) => Evaluation::Rated(claimed.min(s)),
                (Evaluation::NotApplicable, Some(_)) => Evaluation::NOT_DONE,
                (e, _) => e,
            };
            ScoredItem { evaluation, ..*item }
        })
        .collect()
}

/// The answers with confirmed reviews applied: each reviewed item at the
/// lowest score its confirmed reviews give.
pub fn reviewed_items(items: &[ScoredItem], confirmed: &[ConfirmedScore]) -> Vec<ScoredItem> {
    let mut lowest: BTreeMap<ItemNumber, Points> = BTreeMap::new();
    for c in confirmed {
        lowest.entry(c.item).and_modify(|p| *p = (*p).min(c.score)).or_insert(c.score);
    }
    items
        .iter()
        .map(|item| match lowest.get(&item.number) {
            Some(&s) => ScoredItem { evaluation: Evaluation::Rated(s), ..*item },
            None => *item,
        })
        .collect()
}

/// The three views of one sheet.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct ThreeRates {
    /// As submitted.
    #[serde(rename = "self")]
    pub self_rated: Achievement,
    /// As the flags suggest.
    pub suggested: Achievement,
    /// With confirmed reviews applied.
    pub reviewed: Achievement,
}

/// Computes the self, suggested and reviewed rates of one sheet.
pub fn three_rates(
    items: &[ScoredItem],
    flags: &[FlagSuggestion],
    confirmed: &[ConfirmedScore],
    target_level: Level,
) -> ThreeRates {
    ThreeRates {
        self_rated: achievement(items, target_level),
        suggested: achievement(&suggested_items(items, flags), target_level),
        reviewed: achievement(&reviewed_items(items, confirmed), target_level),
    }
}

/// Merges two departments' answers to one item: the weakest wins.
/// Order: unanswered < 0 < 1 < 2; 該当なし is neutral, so the merged item is
/// 該当なし only when every department says so. Commutative, associative,
/// idempotent.
pub fn merge(a: Evaluation, b: Evaluation) -> Evaluation {
    fn rank(e: Evaluation) -> Option<u8> {
        match e {
            Evaluation::NotApplicable => None,
            Evaluation::Unanswered => Some(0),
            Evaluation::Rated(p) => Some(p.value() + 1),
        }
    }
    match (rank(a), rank(b)) {
        (None, _) => b,
        (_, None) => a,
        (Some(ra), Some(rb)) => {
            if ra <= rb {
                a
            } else {
                b
            }
        }
    }
}

/// Merges several departments' sheets item by item with [`merge`]. An item
/// one department lacks counts as unanswered there. The level of an item is
/// the lowest any department gives it (they agree on a well-formed sheet).
pub fn merge_departments(sheets: &[&[ScoredItem]]) -> Vec<ScoredItem> {
    let mut merged: BTreeMap<ItemNumber, ScoredItem> = BTreeMap::new();
    for sheet in sheets {
        for item in *sheet {
            merged
                .entry(item.number)
                .and_modify(|m| {
                    m.evaluation = merge(m.evaluation, item.evaluation);
                    m.level = m.level.min(item.level);
                })
                .or_insert(*item);
        }
    }
    for sheet in sheets {
        for m in merged.values_mut() {
            if !sheet.iter().any(|i| i.number == m.number) {
                m.evaluation = merge(m.evaluation, Evaluation::Unanswered);
            }
        }
    }
    merged.into_values().collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn n(x: u16) -> ItemNumber {
        ItemNumber::new(x).unwrap_or_else(|e| panic!("{e}"))
    }

    fn item(number: u16, level: Level, e: Evaluation) -> ScoredItem {
        ScoredItem { number: n(number), level, evaluation: e }
    }

    #[test]
    fn seed_no9_rules_without_education_is_a_one() {
        // No.9: rules made but no education. Claimed 2, the flag suggests 1,
        // the reviewer confirms 1. Lv1 of this three-item sheet: 2+2+2 claimed.
        let items = [
            item(1, Level::Lv1, Evaluation::DONE),
            item(9, Level::Lv1, Evaluation::DONE),
            item(13, Level::Lv1, Evaluation::DONE),
        ];
        let flags = [FlagSuggestion { item: n(9), severity: Severity::Medium, suggested: Some(Points::One) }];
        let confirmed = [ConfirmedScore { item: n(9), score: Points::One }];
        let r = three_rates(&items, &flags, &confirmed, Level::Lv1);
        assert_eq!(r.self_rated.level(Level::Lv1).rate, Some(1.0));
        assert_eq!(r.suggested.level(Level::Lv1).rate, Some(5.0 / 6.0));
        assert_eq!(r.reviewed.level(Level::Lv1).rate, Some(5.0 / 6.0));
        assert_eq!(r.suggested.level(Level::Lv1).tally.points, 5);
    }

    #[test]
    fn not_applicable_is_left_out_and_unanswered_counts_as_zero() {
        let items = [
            item(1, Level::Lv1, Evaluation::DONE),          // 2
            item(2, Level::Lv1, Evaluation::NotApplicable), // out
            item(3, Level::Lv1, Evaluation::Unanswered),    // 0, in
            item(4, Level::Lv2, Evaluation::IN_PROGRESS),   // 1
            item(5, Level::Lv2, Evaluation::NotApplicable),
            item(6, Level::Lv3, Evaluation::NotApplicable),
        ];
        let a = achievement(&items, Level::Lv2);
        let lv1 = a.level(Level::Lv1);
        assert_eq!((lv1.tally.points, lv1.tally.rated, lv1.tally.unanswered, lv1.tally.not_applicable), (2, 2, 1, 1));
        assert_eq!(lv1.rate, Some(0.5));
        assert_eq!(a.level(Level::Lv2).rate, Some(0.5));
        assert_eq!(a.level(Level::Lv3).rate, None, "a level of only 該当なし has no rate");
        // target Lv2 = Lv1 + Lv2 items: (2 + 0 + 1) / (2 × 3)
        assert_eq!(a.target.rate, Some(0.5));
        assert_eq!(a.target.tally.rated, 3);
        assert_eq!(achievement(&items, Level::Lv1).target.rate, Some(0.5));
        assert_eq!(a.overall.tally.not_applicable, 3);
    }

    #[test]
    fn low_flags_never_lower_and_suggestions_never_raise() {
        let items = [item(1, Level::Lv1, Evaluation::IN_PROGRESS), item(2, Level::Lv1, Evaluation::DONE)];
        let flags = [
            FlagSuggestion { item: n(1), severity: Severity::High, suggested: Some(Points::Two) },
            FlagSuggestion { item: n(2), severity: Severity::Low, suggested: Some(Points::Zero) },
            FlagSuggestion { item: n(2), severity: Severity::Info, suggested: Some(Points::Zero) },
        ];
        let s = suggested_items(&items, &flags);
        assert_eq!(s[0].evaluation, Evaluation::IN_PROGRESS);
        assert_eq!(s[1].evaluation, Evaluation::DONE);
    }

    #[test]
    fn the_lowest_medium_or_high_suggestion_wins() {
        let items = [item(1, Level::Lv1, Evaluation::DONE), item(2, Level::Lv1, Evaluation::NotApplicable)];
        let flags = [
            FlagSuggestion { item: n(1), severity: Severity::Medium, suggested: Some(Points::One) },
            FlagSuggestion { item: n(1), severity: Severity::High, suggested: Some(Points::Zero) },
            FlagSuggestion { item: n(2), severity: Severity::Medium, suggested: Some(Points::Zero) },
        ];
        let s = suggested_items(&items, &flags);
        assert_eq!(s[0].evaluation, Evaluation::NOT_DONE);
        assert_eq!(s[1].evaluation, Evaluation::NOT_DONE, "該当なし without a reason counts as 0");
    }

    #[test]
    fn department_merge_takes_the_weakest_answer() {
        let sales = [
            item(1, Level::Lv1, Evaluation::DONE),
            item(2, Level::Lv1, Evaluation::NotApplicable),
            item(3, Level::Lv1, Evaluation::DONE),
            item(4, Level::Lv1, Evaluation::NotApplicable),
        ];
        let factory = [
            item(1, Level::Lv1, Evaluation::IN_PROGRESS),
            item(2, Level::Lv1, Evaluation::DONE),
            item(3, Level::Lv1, Evaluation::Unanswered),
            item(4, Level::Lv1, Evaluation::NotApplicable),
        ];
        let m = merge_departments(&[&sales, &factory]);
        let got: Vec<_> = m.iter().map(|i| i.evaluation).collect();
        assert_eq!(got, [Evaluation::IN_PROGRESS, Evaluation::DONE, Evaluation::Unanswered, Evaluation::NotApplicable]);
        assert_eq!(achievement(&m, Level::Lv1).level(Level::Lv1).rate, Some(3.0 / 6.0));
    }
}
