//! All per-sheet rules on one 153-item sheet (criterion, 100 samples).
//!
//! `cargo bench -p hyoka-anomaly --bench detector`
#![expect(missing_docs, reason = "criterion's macros generate undocumented functions")]

use criterion::{Criterion, criterion_group, criterion_main};
use hyoka_anomaly::{CompanySize, Detector, SheetInput};
use hyoka_generator::{GroupSpec, TemplateSet, labelled_group};
use hyoka_model::catalog::Catalog;
use hyoka_model::domain::FiscalYear;

fn bench(c: &mut Criterion) {
    let catalog = Catalog::builtin().unwrap_or_else(|e| panic!("{e}"));
    let detector = Detector::builtin().unwrap_or_else(|e| panic!("{e}"));
    let year = FiscalYear::new(2024).unwrap_or_else(|e| panic!("{e}"));
    let group = labelled_group(&GroupSpec::new(3, 20, vec![year]), &catalog, TemplateSet::HeldOut, 0.3, 0.1);
    let sheets: Vec<_> = group
        .iter()
        .map(|s| {
            let size =
                CompanySize { employees: Some(s.company_size.employees), it_staff: Some(s.company_size.it_staff) };
            (s.sheet.answers.clone(), size, s.sheet.cover.answered_on.unwrap_or_else(|| year.last_day()))
        })
        .collect();
    let mut i = 0;
    c.bench_function("check one 153-item sheet", |b| {
        b.iter(|| {
            let (answers, company, assessed_on) = &sheets[i % sheets.len()];
            i += 1;
            detector.check(&SheetInput { answers, catalog: &catalog, company: *company, assessed_on: *assessed_on })
        })
    });
}

criterion_group!(benches, bench);
criterion_main!(benches);
