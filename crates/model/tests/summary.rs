//! The dashboards' pure computation, without a database: totals kept by
//! difference (what every refresh does) always equal totals summed afresh
//! over the final rows, whatever the order of the changes; and a summary's
//! figures follow its sheets.

use chrono::{TimeZone, Utc};
use hyoka_model::domain::{Decision, Evaluation, FiscalYear, ItemNumber, Level, Points, Severity};
use hyoka_model::scoring::{FlagSuggestion, ScoredItem};
use hyoka_model::summary::{self, FlagCount, FlagFacts, Metric, Scope, SheetFacts, View, YearTotals};
use hyoka_model::workflow::SubmissionStatus;
use proptest::prelude::*;

fn item(n: u16) -> ItemNumber {
    ItemNumber::new(n).unwrap_or_else(|e| panic!("{e}"))
}

fn points(v: u8) -> Points {
    Points::try_from(v).unwrap_or_else(|e| panic!("{e}"))
}

const STATUSES: [SubmissionStatus; 4] =
    [SubmissionStatus::Submitted, SubmissionStatus::InReview, SubmissionStatus::Returned, SubmissionStatus::Accepted];

/// A sheet of 12 items (levels 1–3 in turn) from generated scores, flags and decisions.
fn sheet(id: i64, scores: &[u8], flagged: &[(u16, u8, u8)], status: usize, risk: Option<u8>) -> SheetFacts {
    let levels = [Level::Lv1, Level::Lv2, Level::Lv3];
    let items = scores
        .iter()
        .enumerate()
        .map(|(i, s)| {
            let n = u16::try_from(i + 1).unwrap_or(1);
            let evaluation = match s {
                3 => Evaluation::NotApplicable,
                v => Evaluation::Rated(points(*v)),
            };
            ScoredItem { number: item(n), level: levels[i % 3], evaluation }
        })
        .collect();
    let flags = flagged
        .iter()
        .map(|&(n, suggested, decision)| FlagFacts {
            item: Some(item(n)),
            suggestion: Some(FlagSuggestion {
                item: item(n),
                severity: Severity::Medium,
                suggested: Some(points(suggested)),
            }),
            decision: match decision {
                0 => None,
                1 => Some(Decision::Dismissed),
                _ => Some(Decision::Confirmed { reviewed_score: points(suggested) }),
            },
        })
        .collect();
    SheetFacts {
        id,
        status: STATUSES[status % 4],
        revision: 1,
        uploaded_at: Utc.timestamp_opt(1_700_000_000 + id, 0).single().unwrap_or_default(),
        items,
        flags,
        risk,
        residual: risk,
    }
}

fn fy() -> FiscalYear {
    FiscalYear::new(2025).unwrap_or_else(|e| panic!("{e}"))
}

type SheetSpec = (Vec<u8>, Vec<(u16, u8, u8)>, usize, Option<u8>);

fn sheet_spec() -> impl Strategy<Value = SheetSpec> {
    (
        proptest::collection::vec(0u8..4, 12),
        proptest::collection::vec((1u16..=12, 0u8..3, 0u8..3), 0..5),
        0usize..4,
        proptest::option::of(0u8..=100),
    )
}

proptest! {
    /// Companies 0..5 each see a sequence of changes (a new summary, or
    /// none: the sheet withdrawn); the totals move by each change's delta.
    #[test]
    fn totals_kept_by_difference_equal_totals_summed_afresh(
        changes in proptest::collection::vec((0i64..5, proptest::option::of(sheet_spec())), 1..40)
    ) {
        let mut rows: std::collections::BTreeMap<i64, summary::CompanyYearSummary> = Default::default();
        let mut kept = YearTotals::default();
        for (n, (company, spec)) in changes.into_iter().enumerate() {
            let new = spec.and_then(|(scores, flags, status, risk)| {
                let id = i64::try_from(n).unwrap_or(0);
                summary::compute(company, fy(), Level::Lv2, &[sheet(id, &scores, &flags, status, risk)])
            });
            let delta = YearTotals::delta(rows.get(&company), new.as_ref());
            kept.apply(&delta);
            match new {
                Some(row) => { rows.insert(company, row); }
                None => { rows.remove(&company); }
            }
        }
        let mut fresh = YearTotals::default();
        for row in rows.values() {
            fresh.add(row, 1);
        }
        prop_assert_eq!(kept.pruned(), fresh.pruned());
    }

    /// The suggested rate never exceeds the claimed one (a suggestion only
    /// lowers; a reviewer may confirm any score), and the flag counts add up.
    #[test]
    fn suggestions_and_reviews_only_lower_and_counts_add_up(spec in sheet_spec()) {
        let (scores, flags, status, risk) = spec;
        let s = summary::compute(1, fy(), Level::Lv3, &[sheet(7, &scores, &flags, status, risk)]);
        let s = s.unwrap_or_else(|| panic!("one sheet gives a summary"));
        for scope in Scope::ALL {
            let claimed = s.rate(View::Claimed, scope);
            if let (Some(c), Some(v)) = (claimed, s.rate(View::Suggested, scope)) {
                prop_assert!(v <= c + 1e-9, "suggested {scope:?}: {v} > {c}");
            }
        }
        let f = s.flags;
        prop_assert_eq!(f.total, f.open + f.confirmed + f.dismissed);
        prop_assert_eq!(f.get(FlagCount::Total), i32::try_from(flags.len()).unwrap_or(0));
        prop_assert_eq!(s.risk, risk);
    }
}

#[test]
fn a_confirmed_review_lowers_the_reviewed_rate_and_departments_merge_to_the_weakest() {
    // Four Lv1 items at 2 (items 1, 4, 7, 10 are Lv1 in this layout).
    let scores = [2u8; 12];
    let one = summary::compute(1, fy(), Level::Lv3, &[sheet(1, &scores, &[(1, 0, 2)], 0, Some(40))]);
    let one = one.unwrap_or_else(|| panic!("a summary"));
    assert_eq!(one.rate(View::Claimed, Scope::Lv1), Some(1.0));
    assert_eq!(one.rate(View::Reviewed, Scope::Lv1), Some(0.75), "item 1 confirmed at 0");
    assert_eq!(
        one.item(1),
        Some([
            Evaluation::Rated(points(2)),
            Evaluation::Rated(points(0)),
            Evaluation::Rated(points(0)),
            Evaluation::Rated(points(0))
        ])
    );
    // A second department with item 4 at 0: the merged claim takes the weakest.
    let mut weak = scores;
    weak[3] = 0;
    let both = summary::compute(
        1,
        fy(),
        Level::Lv3,
        &[sheet(1, &scores, &[], 1, Some(10)), sheet(2, &weak, &[], 2, Some(60))],
    );
    let both = both.unwrap_or_else(|| panic!("a summary"));
    assert_eq!(both.rate(View::Claimed, Scope::Lv1), Some(0.75));
    assert_eq!((both.sheets, both.risk, both.submission_id), (2, Some(60), 2));
    assert_eq!(both.status, SubmissionStatus::Returned, "a returned department needs most attention");
    let mut totals = YearTotals::default();
    totals.add(&both, 1);
    assert_eq!(totals.get(Metric::Sheets), (2, 1));
    assert_eq!(totals.get(Metric::Status(SubmissionStatus::Returned)), (1, 1));
    assert_eq!(totals.get(Metric::Status(SubmissionStatus::InReview)), (0, 0));
}
