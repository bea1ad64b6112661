//! Per-item wording plans (computed once per generator) and per
//! company-item timelines (when work started, when it was done).
//!
//! Scores follow from the timeline: an item is 対策完了 once its completion
//! month has passed at the answer date, 対策中 once work has started, else
//! 未実施. A company's timelines do not depend on the fiscal year asked
//! about, so answers improve monotonically over the years and a 1 that
//! says 「2025年3月までに導入予定」 becomes a 2 that says 「2025年3月に導入済」.

use chrono::{Datelike, NaiveDate};
use hyoka_model::catalog::{Catalog, Item};
use hyoka_model::domain::{ItemNumber, Level};

use crate::company::{ANCHOR_YEAR, SyntheticCompany, stream};
use crate::rng::Rng;
use crate::vocab::{self, Kind, Topic};

/// A calendar month, counted from year 0 (`year * 12 + month - 1`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub(crate) struct Ym(i32);

impl Ym {
    /// The month `month` (1–12) of `year`.
    pub(crate) fn new(year: i32, month: u32) -> Ym {
        Ym(year * 12 + month.clamp(1, 12) as i32 - 1)
    }

    /// The month of a date.
    pub(crate) fn of(date: NaiveDate) -> Ym {
        Ym::new(date.year(), date.month())
    }

    /// Calendar year.
    pub(crate) fn year(self) -> i32 {
        self.0.div_euclid(12)
    }

    /// Month, 1–12.
    pub(crate) fn month(self) -> i32 {
        self.0.rem_euclid(12) + 1
    }

    /// The fiscal year (April–March) the month falls in.
    pub(crate) fn fiscal_year(self) -> i32 {
        if self.month() >= 4 { self.year() } else { self.year() - 1 }
    }

    /// `months` later (earlier when negative).
    pub(crate) fn plus(self, months: i32) -> Ym {
        Ym(self.0 + months)
    }

    /// Months from `earlier` to `self`.
    pub(crate) fn since(self, earlier: Ym) -> i32 {
        self.0 - earlier.0
    }
}

/// One part of a multi-part condition, as the wording needs it.
#[derive(Debug, Clone)]
pub(crate) struct PartPlan {
    /// Catalog key (`rules`, `education`, `backup`…).
    pub key: String,
    /// Japanese label.
    pub label: String,
    /// Words that show the part is covered.
    pub synonyms: Vec<String>,
}

/// How texts for one item are worded, and how hard the item is.
#[derive(Debug, Clone)]
pub(crate) struct ItemPlan {
    /// Item number.
    pub number: ItemNumber,
    /// The level used on synthetic sheets.
    pub level: Level,
    /// Wording of the item's category (inferred for unknown items).
    pub topic: &'static Topic,
    /// Kind of control.
    pub kind: Kind,
    /// Nouns fitting `kind` (documents, systems, activities…).
    pub nouns: Vec<String>,
    /// Detail sentences for longer 2s.
    pub extras: &'static [&'static str],
    /// What a review checks / what the item is about, as a noun phrase.
    pub object: String,
    /// Checked monthly rather than yearly.
    pub monthly: bool,
    /// Parts of a multi-part condition.
    pub parts: Vec<PartPlan>,
    /// The 該当なし group (index into [`vocab::NA_GROUPS`]) and its
    /// reasons; `None` when the item always applies.
    pub na_group: Option<(usize, &'static [&'static str])>,
    /// Difficulty, roughly 0–1: Lv1 easy, Lv3 hard.
    pub difficulty: f64,
}

/// Fixed seed of item difficulties: the same items are hard in every group.
const ITEM_SEED: u64 = 0x0049_5445_4D53; // "ITEMS"

/// Suffixes that make a subject a review; the rest is what is reviewed.
const REVIEW_SUFFIXES: [&str; 6] =
    ["の定期点検", "の点検", "の定期見直し", "の見直し", "の月次モニタリング", "のモニタリング"];

/// Whether a subject is a real one (not the 「（未確認）」 placeholder).
pub(crate) fn known_subject(item: &Item) -> bool {
    !item.subject_ja.contains("未確認") && !item.subject_ja.trim().is_empty()
}

/// The item's category, or for items without one the category of the
/// nearest earlier item that has one (else the nearest later one): items
/// are grouped by subject in the guideline.
pub(crate) fn category_of(catalog: &Catalog, index: usize) -> Option<&str> {
    let items = &catalog.items;
    let own = items.get(index).and_then(|i| i.category.as_deref());
    own.or_else(|| items.get(..index)?.iter().rev().find_map(|i| i.category.as_deref()))
        .or_else(|| items.get(index + 1..)?.iter().find_map(|i| i.category.as_deref()))
}

/// Builds the plan of every catalog item, given one level per item.
pub(crate) fn item_plans(catalog: &Catalog, levels: &[Level]) -> Vec<ItemPlan> {
    catalog
        .items
        .iter()
        .enumerate()
        .map(|(index, item)| {
            let level = levels.get(index).copied().unwrap_or(Level::Lv2);
            item_plan(item, level, vocab::topic(category_of(catalog, index)))
        })
        .collect()
}

fn item_plan(item: &Item, level: Level, topic: &'static Topic) -> ItemPlan {
    let known = known_subject(item);
    let subject = item.subject_ja.as_str();
    let review_object = REVIEW_SUFFIXES
        .iter()
        .find_map(|suffix| subject.rfind(suffix).filter(|&at| at > 0).map(|at| subject[..at].to_owned()))
        .filter(|_| known);
    let concept = if known { vocab::concept(subject) } else { None };
    let (kind, nouns, extras) = match (&review_object, concept) {
        (Some(_), _) => (Kind::Review, owned(topic.docs), &[][..]),
        (None, Some(c)) => (c.kind, owned(c.nouns), c.extras),
        (None, None) if known => (topic.kind, owned(topic.nouns), &[][..]),
        (None, None) => {
            let nouns = vocab::generic_nouns(topic.kind).iter().map(|n| n.replace("{g}", topic.generic)).collect();
            (topic.kind, nouns, &[][..])
        }
    };
    let object = review_object.unwrap_or_else(|| if known { subject.to_owned() } else { topic.generic.to_owned() });
    let parts = item
        .parts
        .iter()
        .map(|p| PartPlan {
            key: p.key.clone(),
            label: p.label_ja.clone(),
            synonyms: p.synonyms.iter().filter(|s| !s.trim().is_empty()).cloned().collect(),
        })
        .collect();
    let mut rng = Rng::derive(ITEM_SEED, &[u64::from(item.number.get())]);
    let base = match level {
        Level::Lv1 => 0.2,
        Level::Lv2 => 0.38,
        Level::Lv3 => 0.55,
    };
    let capability = if item.tags.iter().any(|t| t.starts_with("cap-")) { 0.1 } else { 0.0 };
    let universal = if item.has_tag("universal") { 0.05 } else { 0.0 };
    let difficulty = base + capability - universal + (rng.unit() - 0.5) * 0.16;
    ItemPlan {
        number: item.number,
        level,
        topic,
        kind,
        nouns,
        extras,
        object,
        monthly: subject.contains("月次"),
        parts,
        na_group: na_group(item, known),
        difficulty,
    }
}

fn na_group(item: &Item, known: bool) -> Option<(usize, &'static [&'static str])> {
    if !known || item.has_tag("universal") {
        return None;
    }
    vocab::NA_GROUPS
        .iter()
        .enumerate()
        .find(|(_, g)| g.keywords.iter().any(|k| item.subject_ja.contains(k)))
        .map(|(i, g)| (i, g.reasons))
}

fn owned(words: &[&str]) -> Vec<String> {
    words.iter().map(|w| (*w).to_owned()).collect()
}

/// When a company started and finished work on one item.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Timeline {
    /// Work started (対策中 from here).
    pub start: Ym,
    /// Work done (対策完了 from here).
    pub done: Ym,
    /// A later revision of the rule or system, shown once it has passed.
    pub revised: Ym,
    /// The item does not apply to the company.
    pub not_applicable: bool,
}

/// The timeline of `company` on the item of `plan`.
pub(crate) fn timeline(seed: u64, company: &SyntheticCompany, plan: &ItemPlan) -> Timeline {
    let mut rng = Rng::derive(seed, &[stream::TIMELINE, company.index as u64, u64::from(plan.number.get())]);
    let p = &company.profile;
    let above = f64::from(plan.level.number().saturating_sub(company.target_level.number())) * 0.18;
    let noise = (rng.unit() + rng.unit() - 1.0) * 0.45;
    let gap = plan.difficulty + above - p.maturity + noise;
    let offset = (gap * p.pace_months).round() as i32;
    let done = Ym::new(ANCHOR_YEAR, 4).plus(offset).clamp(Ym::new(2005, 4), Ym::new(2060, 3));
    let start = done.plus(-(rng.range(4, 30) as i32));
    let revised = done.plus(rng.range(20, 60) as i32);
    let not_applicable = plan.na_group.is_some_and(|(group, _)| {
        Rng::derive(seed, &[stream::NOT_APPLICABLE, company.index as u64, group as u64]).chance(p.na_rate)
    });
    Timeline { start, done, revised, not_applicable }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn months_and_fiscal_years() {
        let m = Ym::new(2025, 3);
        assert_eq!((m.year(), m.month(), m.fiscal_year()), (2025, 3, 2024));
        let n = m.plus(1);
        assert_eq!((n.year(), n.month(), n.fiscal_year()), (2025, 4, 2025));
        assert_eq!(m.plus(-15), Ym::new(2023, 12));
        assert_eq!(n.since(m), 1);
    }

    #[test]
    fn unknown_items_borrow_a_neighbours_category() {
        let Ok(catalog) = Catalog::builtin() else { panic!("catalog") };
        for index in 0..catalog.items.len() {
            assert!(category_of(&catalog, index).is_some(), "item {}", index + 1);
        }
        // No.8 has no category; No.7 is 人的管理.
        assert_eq!(category_of(&catalog, 7), catalog.items[6].category.as_deref());
    }

    #[test]
    fn reviews_are_recognised_with_their_object() {
        let Ok(catalog) = Catalog::builtin() else { panic!("catalog") };
        let levels = crate::synthetic_levels(&catalog);
        let plans = item_plans(&catalog, &levels);
        let reviews: Vec<_> = plans.iter().filter(|p| p.kind == Kind::Review).collect();
        assert!(reviews.len() >= 10, "{}", reviews.len());
        assert!(reviews.iter().all(|p| !p.object.is_empty() && !p.object.ends_with('の')));
        assert!(plans.iter().any(|p| p.monthly));
    }
}
