//! The detector against its targets: the hand-labelled set (precision ≥ 0.90,
//! recall ≥ 0.85, recall above the keyword baseline at equal or better
//! precision) and honest generated sheets (at most 2 medium-or-higher flags
//! per sheet on average).

use hyoka_anomaly::eval::{evaluate_labelled, labelled_cases};
use hyoka_anomaly::{CompanySize, Detector, SheetInput};
use hyoka_generator::{Generator, GroupSpec};
use hyoka_model::catalog::Catalog;
use hyoka_model::domain::{FiscalYear, Severity};

fn setup() -> (Catalog, Detector) {
    let catalog = Catalog::builtin().unwrap_or_else(|e| panic!("{e}"));
    let detector = Detector::builtin().unwrap_or_else(|e| panic!("{e}"));
    (catalog, detector)
}

#[test]
fn labelled_set_meets_the_targets_and_beats_the_keyword_baseline() {
    let (catalog, detector) = setup();
    let cases = labelled_cases().unwrap_or_else(|e| panic!("{e}"));
    let r = evaluate_labelled(&detector, &catalog, &cases);
    let (p, rec) = (r.detector.precision(), r.detector.recall());
    assert!(p >= 0.90, "precision {p:.3}: {:?}", r.errors);
    assert!(rec >= 0.85, "recall {rec:.3}: {:?}", r.errors);
    assert!(rec > r.baseline_keywords.recall() && p >= r.baseline_keywords.precision());
}

#[test]
fn honest_generated_sheets_raise_few_flags() {
    let (catalog, detector) = setup();
    let first = FiscalYear::new(2023).unwrap_or_else(|e| panic!("{e}"));
    let generator = Generator::new(GroupSpec::consecutive(7, 60, first, 2), &catalog);
    let mut strong = 0usize;
    let mut sheets = 0usize;
    let mut worst = (0usize, String::new());
    for g in generator.sheets() {
        let company = generator.company(g.company_index).unwrap_or_else(|e| panic!("{e}"));
        let size = company.size(g.year);
        let assessed_on = g.sheet.cover.answered_on.unwrap_or_else(|| g.year.last_day());
        let input = SheetInput {
            answers: &g.sheet.answers,
            catalog: &catalog,
            company: CompanySize { employees: Some(size.employees), it_staff: Some(size.it_staff) },
            assessed_on,
        };
        let report = detector.check(&input);
        let n = report.findings.iter().filter(|f| f.severity >= Severity::Medium).count();
        if n > worst.0 {
            worst = (
                n,
                report
                    .findings
                    .iter()
                    .filter(|f| f.severity >= Severity::Medium)
                    .map(|f| f.reason_ja.clone())
                    .collect::<Vec<_>>()
                    .join("\n"),
            );
        }
        strong += n;
        sheets += 1;
    }
    let mean = strong as f64 / sheets as f64;
    assert!(mean <= 2.0, "{mean:.2} medium+ flags per honest sheet; worst sheet ({}):\n{}", worst.0, worst.1);
}
