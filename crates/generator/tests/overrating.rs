//! Over-rated sheets with ground truth: determinism, scores that really go
//! up, untouched rest of the sheet, disjoint phrase families, and each
//! pattern's own conditions.

use std::collections::{BTreeMap, BTreeSet};

use hyoka_generator::{
    Generator, GroupSpec, InjectedItem, LabelledSheet, MAX_INFLATED_ITEMS, Pattern, SheetKind, TemplateSet,
    inflate_items, inflate_uniformly, labelled_group, phrase_templates, rng::Rng,
};
use hyoka_model::catalog::Catalog;
use hyoka_model::domain::{Evaluation, FiscalYear, Level, Points};
use hyoka_model::sheet::Sheet;
use hyoka_model::text::normalize;

fn catalog() -> Catalog {
    match Catalog::builtin() {
        Ok(c) => c,
        Err(e) => panic!("builtin catalog: {e}"),
    }
}

fn fy(y: i32) -> FiscalYear {
    match FiscalYear::new(y) {
        Ok(y) => y,
        Err(e) => panic!("{e}"),
    }
}

/// 100 companies, one year: the group size the brief measures coverage on.
fn spec100() -> GroupSpec {
    GroupSpec::consecutive(2024, 100, fy(2024), 1)
}

fn group(set: TemplateSet) -> (Catalog, Vec<LabelledSheet>) {
    let catalog = catalog();
    let sheets = labelled_group(&spec100(), &catalog, set, 0.3, 0.1);
    (catalog, sheets)
}

fn points(e: Evaluation) -> Option<u8> {
    match e {
        Evaluation::Rated(p) => Some(p.value()),
        _ => None,
    }
}

/// Every (year, month) written as 2025年3月, 2025/3, 令和7年3月 or 平成31年3月.
fn months(text: &str) -> Vec<(i32, u32)> {
    let t = normalize(text);
    let chars: Vec<char> = t.chars().collect();
    let mut out = Vec::new();
    let number = |from: usize| -> (Option<u32>, usize) {
        let digits: String = chars[from..].iter().take_while(|c| c.is_ascii_digit()).collect();
        (digits.parse().ok(), from + digits.chars().count())
    };
    let mut i = 0;
    while i < chars.len() {
        let era = ["令和", "平成"].iter().find(|e| t_starts(&chars, i, e)).map(|e| (*e, e.chars().count()));
        let (year, next) = if let Some((name, len)) = era {
            let offset = if name == "令和" { 2018 } else { 1988 };
            if chars.get(i + len) == Some(&'元') {
                (Some(offset + 1), i + len + 1)
            } else {
                let (n, next) = number(i + len);
                (n.map(|n| offset + n as i32), next)
            }
        } else if chars[i].is_ascii_digit() && (i == 0 || !chars[i - 1].is_ascii_digit()) {
            let (n, next) = number(i);
            (n.filter(|n| (1990..=2100).contains(n)).map(|n| n as i32), next)
        } else {
            (None, i + 1)
        };
        match (year, chars.get(next)) {
            (Some(y), Some('年' | '/')) => {
                let (m, after) = number(next + 1);
                if let Some(m) = m.filter(|m| (1..=12).contains(m))
                    && (chars.get(next) == Some(&'/') || chars.get(after) == Some(&'月'))
                {
                    out.push((y, m));
                }
                i = next + 1;
            }
            _ => i = next.max(i + 1),
        }
    }
    out
}

fn t_starts(chars: &[char], at: usize, word: &str) -> bool {
    word.chars().enumerate().all(|(k, c)| chars.get(at + k) == Some(&c))
}

#[test]
fn month_parser_reads_the_formats_used() {
    assert_eq!(months("2025年3月に導入済"), vec![(2025, 3)]);
    assert_eq!(months("令和7年12月付で開始"), vec![(2025, 12)]);
    assert_eq!(months("２０２６/１に取り交わし済"), vec![(2026, 1)]);
    assert_eq!(months("令和元年5月"), vec![(2019, 5)]);
    assert!(months("3拠点のうち1拠点").is_empty());
}

#[test]
fn labelled_groups_are_deterministic_and_sets_differ_only_in_wording() {
    let (_, tuning) = group(TemplateSet::Tuning);
    let (_, again) = group(TemplateSet::Tuning);
    assert_eq!(tuning, again);
    let (_, held_out) = group(TemplateSet::HeldOut);
    assert_eq!(tuning.len(), held_out.len());
    let mut worded_apart = 0;
    for (t, h) in tuning.iter().zip(&held_out) {
        assert_eq!((t.company_index, t.year, t.kind), (h.company_index, h.year, h.kind));
        assert_eq!(t.injected, h.injected, "same ground truth in both sets");
        for i in &t.injected {
            let text =
                |s: &LabelledSheet| s.sheet.answers.iter().find(|a| a.item == i.item).map(|a| a.evidence.clone());
            if text(t) != text(h) {
                worded_apart += 1;
            }
        }
    }
    assert!(worded_apart > 20, "{worded_apart}");
    let other = labelled_group(&GroupSpec { seed: 7, ..spec100() }, &catalog(), TemplateSet::Tuning, 0.3, 0.1);
    assert_ne!(tuning, other);
}

#[test]
fn shares_and_counts_match_the_scenario() {
    let (_, sheets) = group(TemplateSet::Tuning);
    assert_eq!(sheets.len(), 100);
    let count = |k: SheetKind| sheets.iter().filter(|s| s.kind == k).count();
    assert_eq!(count(SheetKind::ItemInflated), 30);
    assert_eq!(count(SheetKind::UniformlyInflated), 10);
    assert_eq!(count(SheetKind::Honest), 60);
    let mut sizes = BTreeSet::new();
    for s in &sheets {
        match s.kind {
            SheetKind::Honest => assert!(s.injected.is_empty()),
            SheetKind::ItemInflated => {
                assert!((1..=MAX_INFLATED_ITEMS).contains(&s.injected.len()), "{}", s.injected.len());
                sizes.insert(s.injected.len());
                let items: BTreeSet<_> = s.injected.iter().map(|i| i.item).collect();
                assert_eq!(items.len(), s.injected.len(), "one pattern per item");
            }
            SheetKind::UniformlyInflated => assert!(!s.injected.is_empty()),
        }
        assert_eq!(s.company_size.year, s.year);
        assert_eq!(s.sheet.cover.employees, Some(s.company_size.employees));
        assert_eq!(s.sheet.cover.it_staff, Some(s.company_size.it_staff));
    }
    assert_eq!(sizes, BTreeSet::from([1, 2, 3]), "bad sheets have 1, 2 or 3 items");
    let none = labelled_group(&spec100(), &catalog(), TemplateSet::Tuning, 0.0, f64::NAN);
    assert!(none.iter().all(|s| s.kind == SheetKind::Honest));
}

#[test]
fn every_pattern_occurs_in_a_group_of_100_companies() {
    for set in TemplateSet::ALL {
        let (_, sheets) = group(set);
        let mut seen: BTreeMap<Pattern, usize> = BTreeMap::new();
        for s in sheets.iter().filter(|s| s.kind == SheetKind::ItemInflated) {
            for i in &s.injected {
                *seen.entry(i.pattern).or_default() += 1;
            }
        }
        for p in Pattern::ALL {
            assert!(seen.get(&p).is_some_and(|&n| n > 0), "{set:?}: {p:?} never produced: {seen:?}");
        }
        let raised = seen.get(&Pattern::RaisedKeepingEvidence).copied().unwrap_or(0);
        assert!(seen.values().all(|&n| n <= raised), "raising a score is the commonest: {seen:?}");
    }
}

#[test]
fn claimed_is_higher_and_suggested_lower() {
    for set in TemplateSet::ALL {
        let (_, sheets) = group(set);
        for s in &sheets {
            for i in &s.injected {
                let why = format!("{set:?} company {} {i:?}", s.company_index);
                match i.claimed {
                    Evaluation::NotApplicable => {
                        assert_eq!(i.pattern, Pattern::NotApplicableWithoutReason, "{why}");
                        assert!(matches!(i.honest, Evaluation::Rated(Points::Zero | Points::One)), "{why}");
                    }
                    claimed => {
                        let (c, h) = (points(claimed), points(i.honest));
                        assert!(matches!(i.honest, Evaluation::Rated(_)), "{why}");
                        assert!(c > h, "{why}");
                    }
                }
                if let (Some(suggested), Some(claimed)) = (i.suggested, points(i.claimed)) {
                    assert!(suggested.value() < claimed, "{why}");
                }
                match i.pattern {
                    Pattern::RaisedKeepingEvidence | Pattern::OneWithNothing | Pattern::PlannedAsDone => {
                        assert_eq!(i.suggested.map(u8::from), points(i.honest), "{why}");
                    }
                    Pattern::PartialAsDone | Pattern::MissingPart | Pattern::FutureDate => {
                        assert_eq!(i.suggested, Some(Points::One), "{why}");
                    }
                    Pattern::GuessedAsDone
                    | Pattern::EmptyEvidence
                    | Pattern::NotApplicableWithoutReason
                    | Pattern::CapacityClaim => assert_eq!(i.suggested, None, "{why}"),
                }
            }
        }
    }
}

#[test]
fn the_rest_of_the_sheet_is_unchanged() {
    let catalog = catalog();
    let generator = Generator::new(spec100(), &catalog);
    for set in TemplateSet::ALL {
        let sheets = labelled_group(&spec100(), &catalog, set, 0.3, 0.1);
        for s in &sheets {
            let honest = match generator.sheet(s.company_index, s.year) {
                Ok(sheet) => sheet,
                Err(e) => panic!("{e}"),
            };
            assert_eq!(s.sheet.cover, honest.cover);
            assert_eq!(s.sheet.framework_id, honest.framework_id);
            assert_eq!(s.sheet.answers.len(), honest.answers.len());
            let injected: BTreeMap<_, &InjectedItem> = s.injected.iter().map(|i| (i.item, i)).collect();
            for (now, before) in s.sheet.answers.iter().zip(&honest.answers) {
                match injected.get(&now.item) {
                    None => assert_eq!(now, before),
                    Some(i) => {
                        assert_eq!(
                            (now.item, now.level, &now.responsible_area),
                            (before.item, before.level, &before.responsible_area)
                        );
                        assert_eq!(before.evaluation, i.honest);
                        assert_eq!(now.evaluation, i.claimed);
                        if i.pattern == Pattern::RaisedKeepingEvidence {
                            assert_eq!(now.evidence, before.evidence, "evidence kept");
                        } else {
                            assert_ne!(now.evidence, before.evidence, "{i:?}");
                        }
                        for bad in ["{", "}", "〇〇", "。。"] {
                            assert!(!now.evidence.contains(bad), "{bad} in {}", now.evidence);
                        }
                    }
                }
            }
        }
    }
}

#[test]
fn families_share_no_template_string() {
    for p in Pattern::ALL {
        let tuning = phrase_templates(p, TemplateSet::Tuning);
        let held_out = phrase_templates(p, TemplateSet::HeldOut);
        assert!(held_out.len() >= tuning.len(), "{p:?}");
        for t in &tuning {
            assert!(!held_out.contains(t), "{p:?} shares {t:?}");
        }
    }
    let all = |set| Pattern::ALL.iter().flat_map(|&p| phrase_templates(p, set)).collect::<BTreeSet<_>>();
    assert!(all(TemplateSet::Tuning).is_disjoint(&all(TemplateSet::HeldOut)));
}

#[test]
fn pattern_conditions_hold() {
    for set in TemplateSet::ALL {
        let (catalog, sheets) = group(set);
        for s in sheets.iter().filter(|s| s.kind == SheetKind::ItemInflated) {
            let answered = s.sheet.cover.answered_on.map(|d| (d.format("%Y").to_string(), d.format("%m").to_string()));
            let Some((y, m)) = answered else { panic!("no 回答日") };
            let answered: (i32, u32) = (y.parse().unwrap_or(0), m.parse().unwrap_or(0));
            for i in &s.injected {
                let Some(item) = catalog.item(i.item) else { panic!("{i:?}") };
                let Some(answer) = s.sheet.answers.iter().find(|a| a.item == i.item) else { panic!("{i:?}") };
                let text = normalize(&answer.evidence).to_lowercase();
                let why = format!("{set:?} {i:?}: {}", answer.evidence);
                match i.pattern {
                    Pattern::MissingPart => {
                        assert!(item.parts.len() >= 2, "{why}");
                        let mentioned = item
                            .parts
                            .iter()
                            .filter(|p| p.synonyms.iter().any(|w| text.contains(&normalize(w).to_lowercase())))
                            .count();
                        assert!(mentioned >= 1, "covers a part: {why}");
                    }
                    Pattern::FutureDate => {
                        let dates = months(&answer.evidence);
                        assert!(!dates.is_empty(), "{why}");
                        assert!(dates.iter().all(|&d| d > answered), "after 回答日 {answered:?}: {why}");
                    }
                    Pattern::CapacityClaim => {
                        assert_eq!(s.company_size.it_staff, 1, "{why}");
                        assert!(item.tags.iter().any(|t| t.starts_with("cap-")) || answer.level == Level::Lv3, "{why}");
                        for named in ["委託", "ベンダー", "親会社", "グループ"] {
                            assert!(!text.contains(named), "names who does it: {why}");
                        }
                    }
                    Pattern::OneWithNothing => {
                        assert_eq!((i.honest, i.claimed), (Evaluation::NOT_DONE, Evaluation::IN_PROGRESS), "{why}");
                    }
                    Pattern::NotApplicableWithoutReason => {
                        assert_eq!(answer.evaluation, Evaluation::NotApplicable, "{why}");
                    }
                    Pattern::EmptyEvidence => assert!(text.chars().count() <= 40, "{why}"),
                    Pattern::RaisedKeepingEvidence => assert!(!text.is_empty(), "{why}"),
                    Pattern::PlannedAsDone | Pattern::PartialAsDone | Pattern::GuessedAsDone => {
                        assert!(text.chars().count() >= 6, "{why}");
                    }
                }
            }
        }
    }
}

fn first_sheet_of(catalog: &Catalog, it_staff_one: bool) -> (Sheet, hyoka_generator::YearSize) {
    let generator = Generator::new(spec100(), catalog);
    let year = fy(2024);
    let Some(company) = generator.companies().iter().find(|c| (c.size(year).it_staff == 1) == it_staff_one) else {
        panic!("no such company")
    };
    match generator.sheet(company.index, year) {
        Ok(sheet) => (sheet, company.size(year)),
        Err(e) => panic!("{e}"),
    }
}

#[test]
fn inflate_items_is_deterministic_and_bounded() {
    let catalog = catalog();
    let (sheet, size) = first_sheet_of(&catalog, true);
    let run = |count, set, seed| inflate_items(&sheet, &catalog, size, count, set, &mut Rng::new(seed));
    assert_eq!(run(2, TemplateSet::Tuning, 5), run(2, TemplateSet::Tuning, 5));
    assert_eq!(run(2, TemplateSet::Tuning, 5).1, run(2, TemplateSet::HeldOut, 5).1);
    let (same, none) = run(0, TemplateSet::Tuning, 5);
    assert_eq!((same, none.len()), (sheet.clone(), 0));
    assert_eq!(run(50, TemplateSet::HeldOut, 9).1.len(), MAX_INFLATED_ITEMS);
    // A company with IT staff never gets a capacity claim.
    let (big, big_size) = first_sheet_of(&catalog, false);
    for seed in 0..200 {
        let (_, injected) = inflate_items(&big, &catalog, big_size, 3, TemplateSet::Tuning, &mut Rng::new(seed));
        assert!(injected.iter().all(|i| i.pattern != Pattern::CapacityClaim));
    }
    // A sheet with nothing below 2 cannot be over-rated.
    let mut perfect = sheet.clone();
    for a in &mut perfect.answers {
        a.evaluation = Evaluation::DONE;
    }
    let (unchanged, injected) = inflate_items(&perfect, &catalog, size, 3, TemplateSet::Tuning, &mut Rng::new(1));
    assert_eq!((unchanged, injected.len()), (perfect, 0));
}

#[test]
fn uniform_inflation_raises_exactly_the_zeros_and_ones() {
    let catalog = catalog();
    let (sheet, _) = first_sheet_of(&catalog, true);
    let (raised, injected) = inflate_uniformly(&sheet);
    let expected =
        sheet.answers.iter().filter(|a| matches!(a.evaluation, Evaluation::Rated(Points::Zero | Points::One))).count();
    assert!(expected > 0);
    assert_eq!(injected.len(), expected);
    assert_eq!(raised.cover, sheet.cover);
    for (now, before) in raised.answers.iter().zip(&sheet.answers) {
        assert_eq!(now.evidence, before.evidence);
        let want = match before.evaluation {
            Evaluation::Rated(Points::Zero) => Evaluation::IN_PROGRESS,
            Evaluation::Rated(Points::One) => Evaluation::DONE,
            other => other,
        };
        assert_eq!(now.evaluation, want, "No.{}", now.item.get());
    }
    assert!(
        injected.iter().all(
            |i| i.pattern == Pattern::RaisedKeepingEvidence && points(i.claimed) == points(i.honest).map(|p| p + 1)
        )
    );
    assert!(injected.iter().all(|i| i.suggested.map(u8::from) == points(i.honest)));
}
