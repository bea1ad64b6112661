//! Group scenarios with ground truth: determinism, truth in the last year
//! only, copied evidence that really overlaps its source, rollouts that are
//! shared and never in the truth, jumps that keep last year's 0 evidence,
//! uniform inflation of exactly the 0s and 1s, and speed.

use std::collections::{BTreeMap, BTreeSet};
use std::time::{Duration, Instant};

use hyoka_generator::{
    Generator, GroupScenario, GroupScenarioSpec, Pattern, SCENARIO_CODE_PREFIX, ScenarioSheet, TemplateSet,
    group_scenario,
};
use hyoka_model::catalog::Catalog;
use hyoka_model::domain::{Evaluation, FiscalYear, ItemNumber, Points};
use hyoka_model::sheet::{Answer, Sheet};
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

fn spec30(seed: u64) -> GroupScenarioSpec {
    GroupScenarioSpec::consecutive(seed, 30, fy(2023), 3)
}

/// Dice coefficient of the character bigrams of the normalised texts.
fn overlap(a: &str, b: &str) -> f64 {
    let grams = |s: &str| -> BTreeMap<(char, char), usize> {
        let chars: Vec<char> = normalize(s).chars().collect();
        let mut m = BTreeMap::new();
        for w in chars.windows(2) {
            *m.entry((w[0], w[1])).or_insert(0) += 1;
        }
        m
    };
    let (ga, gb) = (grams(a), grams(b));
    let (na, nb): (usize, usize) = (ga.values().sum(), gb.values().sum());
    if na + nb == 0 {
        return 1.0;
    }
    let common: usize = ga.iter().map(|(k, v)| (*v).min(gb.get(k).copied().unwrap_or(0))).sum();
    2.0 * common as f64 / (na + nb) as f64
}

fn answer(sheet: &Sheet, item: ItemNumber) -> &Answer {
    match sheet.answers.iter().find(|a| a.item == item) {
        Some(a) => a,
        None => panic!("No.{} missing", item.get()),
    }
}

fn scenario_sheet(s: &GroupScenario, company: usize, year: FiscalYear) -> &ScenarioSheet {
    match s.sheet(company, year) {
        Some(x) => x,
        None => panic!("no sheet for {company} {year:?}"),
    }
}

fn honest(generator: &Generator, company: usize, year: FiscalYear) -> Sheet {
    match generator.sheet(company, year) {
        Ok(s) => s,
        Err(e) => panic!("{e}"),
    }
}

/// Items a company carries from a rollout in `year`.
fn rollout_items(s: &GroupScenario, company: usize, year: FiscalYear) -> BTreeSet<ItemNumber> {
    s.rollouts
        .iter()
        .filter(|r| r.year <= year && r.adopted_by(company))
        .flat_map(|r| r.items.iter().map(|i| i.item))
        .collect()
}

fn last(s: &GroupScenario) -> FiscalYear {
    match s.spec.last_year() {
        Some(y) => y,
        None => panic!("no years"),
    }
}

#[test]
fn scenarios_are_deterministic_and_template_sets_differ_only_in_wording() {
    let catalog = catalog();
    let a = group_scenario(&spec30(11), &catalog);
    assert_eq!(a, group_scenario(&spec30(11), &catalog));
    assert_ne!(a.sheets, group_scenario(&spec30(12), &catalog).sheets);
    let mut reworded = 0;
    for seed in 11..15 {
        let t = group_scenario(&spec30(seed), &catalog);
        let h = group_scenario(&spec30(seed).with_templates(TemplateSet::HeldOut), &catalog);
        assert_eq!(t.rollouts, h.rollouts);
        for (x, y) in t.sheets.iter().zip(&h.sheets) {
            assert_eq!(x.truth, y.truth, "same ground truth in both sets");
            for (p, q) in x.sheet.answers.iter().zip(&y.sheet.answers) {
                assert_eq!(p.evaluation, q.evaluation);
                if p.evidence != q.evidence {
                    let touched = x
                        .truth
                        .injected
                        .iter()
                        .any(|i| i.item == p.item && i.pattern != Pattern::RaisedKeepingEvidence);
                    assert!(touched, "only touched-up texts differ: No.{}", p.item.get());
                    reworded += 1;
                }
            }
        }
    }
    assert!(reworded > 0);
}

#[test]
fn every_company_answers_every_year_and_truth_is_in_the_last_year_only() {
    let catalog = catalog();
    let s = group_scenario(&spec30(3), &catalog);
    let years = s.spec.sorted_years();
    assert_eq!(years.len(), 3);
    assert_eq!(s.companies.len(), 30);
    assert_eq!(s.sheets.len(), 90);
    assert!(s.companies.iter().all(|c| c.code.starts_with(SCENARIO_CODE_PREFIX)));
    for (i, sheet) in s.sheets.iter().enumerate() {
        assert_eq!((sheet.company_index, sheet.year), (i / 3, years[i % 3]));
        assert_eq!(sheet.sheet.answers.len(), 153);
        assert_eq!(sheet.company_size.year, sheet.year);
        assert_eq!(sheet.sheet.cover.employees, Some(sheet.company_size.employees));
        if sheet.year != last(&s) {
            assert!(sheet.truth.is_honest() && sheet.truth.injected.is_empty(), "{sheet:?}");
        }
    }
    let lasts: Vec<_> = s.last_year_sheets().collect();
    assert_eq!(lasts.len(), 30);
    let uniform = lasts.iter().filter(|x| x.truth.uniform_inflation).count();
    let copying = lasts.iter().filter(|x| !x.truth.copied_items.is_empty()).count();
    let jumping = lasts.iter().filter(|x| !x.truth.jumped_items.is_empty()).count();
    assert_eq!((uniform, copying), (3, 3));
    assert!((2..=3).contains(&jumping), "{jumping}");
    for x in &lasts {
        let kinds = [x.truth.uniform_inflation, !x.truth.copied_items.is_empty(), !x.truth.jumped_items.is_empty()];
        assert!(kinds.iter().filter(|k| **k).count() <= 1, "one kind per company");
    }
    // No over-rating at all.
    let clean = group_scenario(&spec30(3).with_shares(0.0, 0.0, 0.0), &catalog);
    assert!(clean.sheets.iter().all(|x| x.truth.is_honest() && x.truth.injected.is_empty()));
}

#[test]
fn honest_sheets_are_the_generators_apart_from_rollouts() {
    let catalog = catalog();
    let s = group_scenario(&spec30(5), &catalog);
    let generator = Generator::new(s.spec.group_spec(), &catalog);
    for x in &s.sheets {
        let touched: BTreeSet<ItemNumber> = x
            .truth
            .copied_items
            .iter()
            .chain(&x.truth.jumped_items)
            .copied()
            .chain(x.truth.injected.iter().map(|i| i.item))
            .collect();
        let rolled = rollout_items(&s, x.company_index, x.year);
        let base = honest(&generator, x.company_index, x.year);
        assert_eq!(x.sheet.cover, base.cover);
        for (now, before) in x.sheet.answers.iter().zip(&base.answers) {
            if !touched.contains(&now.item) && !rolled.contains(&now.item) {
                assert_eq!(now, before);
            }
        }
    }
}

#[test]
fn copied_evidence_overlaps_the_source() {
    let catalog = catalog();
    let (mut verbatim, mut near, mut raised) = (0, 0, 0);
    for seed in 0..4 {
        let s = group_scenario(&spec30(seed), &catalog);
        let year = last(&s);
        let generator = Generator::new(s.spec.group_spec(), &catalog);
        for x in s.last_year_sheets().filter(|x| !x.truth.copied_items.is_empty()) {
            assert!((5..=20).contains(&x.truth.copied_items.len()), "{}", x.truth.copied_items.len());
            let Some(from) = x.truth.copied_from else { panic!("no source") };
            assert_ne!(from, x.company_index);
            let source = scenario_sheet(&s, from, year);
            assert!(source.truth.is_honest(), "copied from an honest company");
            let own = honest(&generator, x.company_index, year);
            for &item in &x.truth.copied_items {
                let (mine, theirs) = (answer(&x.sheet, item), answer(&source.sheet, item));
                let o = overlap(&mine.evidence, &theirs.evidence);
                assert!(o >= 0.7, "{o}: {:?} vs {:?}", mine.evidence, theirs.evidence);
                assert_eq!(mine.evaluation, theirs.evaluation, "the score comes with the text");
                if mine.evidence == theirs.evidence {
                    verbatim += 1;
                } else {
                    near += 1;
                }
                if mine.evaluation == Evaluation::DONE && answer(&own, item).evaluation != Evaluation::DONE {
                    raised += 1;
                }
            }
        }
    }
    assert!(verbatim > 10 && near > 10, "{verbatim} verbatim, {near} nearly");
    assert!(raised > 20, "copying mostly raises scores: {raised}");
}

#[test]
fn rollouts_are_shared_and_never_in_the_truth() {
    let catalog = catalog();
    for seed in 0..4 {
        let s = group_scenario(&spec30(seed), &catalog);
        let n = s.companies.len();
        assert_eq!(s.rollouts.len(), GroupScenarioSpec::DEFAULT_ROLLOUTS);
        assert!(s.rollouts.iter().any(|r| r.year == last(&s)), "a rollout in the last year");
        let all_rolled: BTreeSet<ItemNumber> = s.rollouts.iter().flat_map(|r| r.items.iter().map(|i| i.item)).collect();
        for r in &s.rollouts {
            assert!(r.companies.len() * 10 >= n * 3, "{} of {n}", r.companies.len());
            assert!(!r.items.is_empty());
            for year in s.spec.sorted_years().into_iter().filter(|y| *y >= r.year) {
                for ri in &r.items {
                    let same = (0..n)
                        .filter(|&c| {
                            let a = answer(&scenario_sheet(&s, c, year).sheet, ri.item);
                            a.evaluation == Evaluation::DONE && a.evidence.trim_end_matches('。') == ri.evidence
                        })
                        .count();
                    assert!(same >= r.companies.len() && same * 10 >= n * 3, "No.{}: {same}", ri.item.get());
                }
            }
        }
        // Rollouts in the last year are honest 0→2 (and 1→2) jumps of many companies.
        let year = last(&s);
        let years = s.spec.sorted_years();
        let prev = years[years.len() - 2];
        let mut group_jumps = 0;
        for r in s.rollouts.iter().filter(|r| r.year == year) {
            for ri in &r.items {
                group_jumps += r
                    .companies
                    .iter()
                    .filter(|&&c| {
                        answer(&scenario_sheet(&s, c, prev).sheet, ri.item).evaluation == Evaluation::NOT_DONE
                    })
                    .count();
            }
        }
        assert!(group_jumps * 10 >= n, "seed {seed}: {group_jumps} 0→2 jumps by rollout");
        for x in s.last_year_sheets() {
            let mine = rollout_items(&s, x.company_index, year);
            for item in x.truth.copied_items.iter().chain(&x.truth.jumped_items) {
                assert!(!all_rolled.contains(item), "No.{} of a rollout in the truth", item.get());
            }
            for i in &x.truth.injected {
                assert!(!mine.contains(&i.item), "adopted No.{} in the truth", i.item.get());
            }
        }
    }
}

#[test]
fn jumps_keep_last_years_zero_evidence() {
    let catalog = catalog();
    let (mut verbatim, mut near) = (0, 0);
    for seed in 0..4 {
        let s = group_scenario(&spec30(seed), &catalog);
        let years = s.spec.sorted_years();
        let (prev, year) = (years[years.len() - 2], years[years.len() - 1]);
        for x in s.last_year_sheets().filter(|x| !x.truth.jumped_items.is_empty()) {
            assert!((1..=4).contains(&x.truth.jumped_items.len()));
            assert_eq!(x.year, year);
            let before = scenario_sheet(&s, x.company_index, prev);
            for &item in &x.truth.jumped_items {
                let (now, then) = (answer(&x.sheet, item), answer(&before.sheet, item));
                assert_eq!(then.evaluation, Evaluation::NOT_DONE);
                assert_eq!(now.evaluation, Evaluation::DONE);
                let o = overlap(&now.evidence, &then.evidence);
                assert!(o >= 0.75, "{o}: {:?} vs {:?}", now.evidence, then.evidence);
                if now.evidence == then.evidence {
                    verbatim += 1;
                } else {
                    near += 1;
                }
                let Some(i) = x.truth.injected.iter().find(|i| i.item == item) else { panic!("not injected") };
                assert_eq!(i.pattern, Pattern::RaisedKeepingEvidence);
                assert!(matches!(i.honest, Evaluation::Rated(Points::Zero | Points::One)));
                assert_eq!(i.claimed, Evaluation::DONE);
            }
            assert_eq!(x.truth.injected.len(), x.truth.jumped_items.len());
        }
    }
    assert!(verbatim > 3 && near > 1, "{verbatim} verbatim, {near} nearly");
    // One year only: no previous year, no jumps.
    let single = group_scenario(&GroupScenarioSpec::consecutive(1, 30, fy(2024), 1), &catalog);
    assert_eq!(single.sheets.len(), 30);
    assert!(single.sheets.iter().all(|x| x.truth.jumped_items.is_empty()));
}

#[test]
fn uniform_inflation_raises_exactly_the_zeros_and_ones() {
    let catalog = catalog();
    let mut touched_up = 0;
    for seed in 0..6 {
        let s = group_scenario(&spec30(seed), &catalog);
        let year = last(&s);
        let generator = Generator::new(s.spec.group_spec(), &catalog);
        for x in s.last_year_sheets().filter(|x| x.truth.uniform_inflation) {
            let base = honest(&generator, x.company_index, year);
            let rolled = rollout_items(&s, x.company_index, year);
            let injected: BTreeMap<ItemNumber, _> = x.truth.injected.iter().map(|i| (i.item, i)).collect();
            let mut unchanged = 0;
            for (now, before) in x.sheet.answers.iter().zip(&base.answers) {
                if rolled.contains(&now.item) {
                    assert_eq!(now.evaluation, Evaluation::DONE);
                    assert!(!injected.contains_key(&now.item));
                    continue;
                }
                let want = match before.evaluation {
                    Evaluation::Rated(Points::Zero) => Evaluation::IN_PROGRESS,
                    Evaluation::Rated(Points::One) => Evaluation::DONE,
                    other => other,
                };
                assert_eq!(now.evaluation, want, "No.{}", now.item.get());
                match injected.get(&now.item) {
                    Some(i) => {
                        assert_eq!((i.honest, i.claimed), (before.evaluation, want));
                        if i.pattern == Pattern::RaisedKeepingEvidence {
                            assert_eq!(now.evidence, before.evidence);
                            unchanged += 1;
                        } else {
                            assert_eq!(i.claimed, Evaluation::DONE);
                            assert_ne!(now.evidence, before.evidence);
                            touched_up += 1;
                        }
                    }
                    None => {
                        assert!(!matches!(before.evaluation, Evaluation::Rated(Points::Zero | Points::One)));
                        assert_eq!(now.evidence, before.evidence);
                    }
                }
            }
            let rewritten = x.truth.injected.len() - unchanged;
            assert!(rewritten <= 4 && unchanged > rewritten, "most texts unchanged");
        }
    }
    assert!(touched_up > 0, "some inflating companies rewrite a few texts");
}

#[test]
fn groups_of_30_and_1000_build_quickly() {
    let catalog = catalog();
    let start = Instant::now();
    let small = group_scenario(&spec30(99), &catalog);
    assert_eq!(small.sheets.len(), 90);
    let large = group_scenario(&GroupScenarioSpec::consecutive(99, 1_000, fy(2023), 3), &catalog);
    let elapsed = start.elapsed();
    assert_eq!(large.sheets.len(), 3_000);
    let lasts: Vec<_> = large.last_year_sheets().collect();
    assert_eq!(lasts.iter().filter(|x| x.truth.uniform_inflation).count(), 100);
    assert_eq!(lasts.iter().filter(|x| !x.truth.copied_items.is_empty()).count(), 100);
    assert!(lasts.iter().filter(|x| !x.truth.jumped_items.is_empty()).count() >= 80);
    // Unoptimised test builds are several times slower than release.
    let limit = if cfg!(debug_assertions) { Duration::from_secs(60) } else { Duration::from_secs(5) };
    println!("30 + 1,000 companies × 3 years: {elapsed:?}");
    assert!(elapsed < limit, "{elapsed:?}");
}
