//! The group rules over 10,000 companies × 3 fiscal years (criterion, 10
//! samples): both later years analysed against the year before. The data
//! set is generated in memory first (not measured).
//!
//! `cargo bench -p hyoka-anomaly --bench group`
#![expect(missing_docs, reason = "criterion's macros generate undocumented functions")]

use std::time::Duration;

use criterion::{Criterion, criterion_group, criterion_main};
use hyoka_anomaly::group::{DateSource, GroupInput, GroupSheet, analyse};
use hyoka_anomaly::{CompanySize, DetectorConfig};
use hyoka_generator::{Generator, GroupSpec};
use hyoka_model::catalog::Catalog;
use hyoka_model::domain::FiscalYear;
use hyoka_model::sheet::Sheet;

fn bench(c: &mut Criterion) {
    let companies: usize = std::env::var("HYOKA_BENCH_COMPANIES").ok().and_then(|v| v.parse().ok()).unwrap_or(10_000);
    let catalog = Catalog::builtin().unwrap_or_else(|e| panic!("{e}"));
    let config = DetectorConfig::builtin().unwrap_or_else(|e| panic!("{e}"));
    let first = FiscalYear::new(2023).unwrap_or_else(|e| panic!("{e}"));
    let generator = Generator::new(GroupSpec::consecutive(11, companies, first, 3), &catalog);
    let years = generator.spec().years.clone();
    // (company, year index, size, sheet)
    let data: Vec<Vec<(i64, CompanySize, Sheet)>> = years
        .iter()
        .map(|&y| {
            (0..companies)
                .map(|i| {
                    let size = generator.companies()[i].size(y);
                    let sheet = generator.sheet(i, y).unwrap_or_else(|e| panic!("{e}"));
                    (i as i64, CompanySize { employees: Some(size.employees), it_staff: Some(size.it_staff) }, sheet)
                })
                .collect()
        })
        .collect();
    let view = |k: usize| -> Vec<GroupSheet<'_>> {
        data[k]
            .iter()
            .map(|(company, size, sheet)| GroupSheet {
                company: *company,
                size: *size,
                answers: &sheet.answers,
                assessed_on: sheet.cover.answered_on.unwrap_or_else(|| years[k].last_day()),
                date_source: DateSource::Sheet,
                uploaded_on: None,
                name: "",
            })
            .collect()
    };
    let views: Vec<Vec<GroupSheet<'_>>> = (0..years.len()).map(view).collect();
    let mut group = c.benchmark_group("group");
    group.sample_size(10).measurement_time(Duration::from_secs(60));
    group.bench_function(format!("{companies} companies × 3 years"), |b| {
        b.iter(|| {
            let mut n = 0;
            for k in 1..views.len() {
                n += analyse(&GroupInput { catalog: &catalog, current: &views[k], previous: &views[k - 1] }, &config)
                    .len();
            }
            n
        })
    });
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
