//! Property tests of the achievement rates and the department merge.

use hyoka_model::domain::{Evaluation, ItemNumber, Level, Points, Severity};
use hyoka_model::scoring::{self, ConfirmedScore, FlagSuggestion, ScoredItem, merge, merge_departments};
use proptest::prelude::*;

fn evaluation() -> impl Strategy<Value = Evaluation> {
    prop_oneof![
        Just(Evaluation::DONE),
        Just(Evaluation::IN_PROGRESS),
        Just(Evaluation::NOT_DONE),
        Just(Evaluation::NotApplicable),
        Just(Evaluation::Unanswered),
    ]
}

fn level() -> impl Strategy<Value = Level> {
    prop_oneof![Just(Level::Lv1), Just(Level::Lv2), Just(Level::Lv3)]
}

fn points() -> impl Strategy<Value = Points> {
    prop_oneof![Just(Points::Zero), Just(Points::One), Just(Points::Two)]
}

fn severity() -> impl Strategy<Value = Severity> {
    prop_oneof![Just(Severity::Info), Just(Severity::Low), Just(Severity::Medium), Just(Severity::High)]
}

/// A sheet of up to 40 items numbered 1..=n.
fn sheet() -> impl Strategy<Value = Vec<ScoredItem>> {
    prop::collection::vec((level(), evaluation()), 0..40).prop_map(|v| {
        v.into_iter()
            .enumerate()
            .filter_map(|(i, (level, evaluation))| {
                let number = ItemNumber::new(u16::try_from(i + 1).ok()?).ok()?;
                Some(ScoredItem { number, level, evaluation })
            })
            .collect()
    })
}

fn flags(n: usize) -> impl Strategy<Value = Vec<FlagSuggestion>> {
    prop::collection::vec((1..=n.max(1), severity(), prop::option::of(points())), 0..20).prop_map(|v| {
        v.into_iter()
            .filter_map(|(i, severity, suggested)| {
                let item = ItemNumber::new(u16::try_from(i).ok()?).ok()?;
                Some(FlagSuggestion { item, severity, suggested })
            })
            .collect()
    })
}

fn all_rates(a: &scoring::Achievement) -> Vec<Option<f64>> {
    let mut v: Vec<_> = Level::ALL.iter().map(|l| a.level(*l).rate).collect();
    v.push(a.target.rate);
    v.push(a.overall.rate);
    v
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 512, ..ProptestConfig::default() })]

    #[test]
    fn rates_are_fractions(items in sheet(), target in level()) {
        for r in all_rates(&scoring::achievement(&items, target)).into_iter().flatten() {
            prop_assert!((0.0..=1.0).contains(&r), "{r}");
        }
    }

    #[test]
    fn suggested_never_exceeds_self((items, flags) in sheet().prop_flat_map(|s| { let n = s.len(); (Just(s), flags(n)) }), target in level()) {
        let r = scoring::three_rates(&items, &flags, &[], target);
        for (s, g) in all_rates(&r.self_rated).into_iter().zip(all_rates(&r.suggested)) {
            match (s, g) {
                (Some(s), Some(g)) => prop_assert!(g <= s + 1e-12, "suggested {g} > self {s}"),
                // a 該当なし turned into 0 can give a level a rate it lacked: 0
                (None, Some(g)) => prop_assert!(g == 0.0),
                (Some(_), None) => prop_assert!(false, "suggested lost a rate"),
                (None, None) => {}
            }
        }
    }

    #[test]
    fn reviewed_scores_replace_the_claim(items in sheet(), score in points()) {
        let Some(first) = items.first() else { return Ok(()) };
        let reviewed = scoring::reviewed_items(&items, &[ConfirmedScore { item: first.number, score }]);
        prop_assert_eq!(reviewed[0].evaluation, Evaluation::Rated(score));
        prop_assert_eq!(&reviewed[1..], &items[1..]);
    }

    #[test]
    fn merge_is_commutative(a in evaluation(), b in evaluation()) {
        prop_assert_eq!(merge(a, b), merge(b, a));
    }

    #[test]
    fn merge_is_associative(a in evaluation(), b in evaluation(), c in evaluation()) {
        prop_assert_eq!(merge(merge(a, b), c), merge(a, merge(b, c)));
    }

    #[test]
    fn merge_is_idempotent_and_na_is_neutral(a in evaluation()) {
        prop_assert_eq!(merge(a, a), a);
        prop_assert_eq!(merge(a, Evaluation::NotApplicable), a);
        prop_assert_eq!(merge(Evaluation::NotApplicable, a), a);
    }

    #[test]
    fn merged_points_never_exceed_any_department(a in sheet(), b in sheet()) {
        let m = merge_departments(&[&a, &b]);
        for item in &m {
            for dept in [&a, &b] {
                let theirs = dept.iter().find(|i| i.number == item.number).map(|i| i.evaluation);
                if let (Some(mine), Some(Some(t))) = (item.evaluation.points(), theirs.map(Evaluation::points)) {
                    prop_assert!(mine <= t);
                }
            }
        }
        // merging in the other order gives the same sheet
        prop_assert_eq!(m, merge_departments(&[&b, &a]));
    }
}
