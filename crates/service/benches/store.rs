//! Storing benchmark (criterion; not run in CI, only compiled):
//!
//! - `import_1000/{sqlite,postgres}`: 1,000 generated xlsx sheets (250
//!   companies × 4 fiscal years) stored through the real path
//!   ([`hyoka_service::sheets::store_bytes`], as `hyoka import` does) into a
//!   fresh database each sample (sample size 10). PostgreSQL is skipped when
//!   the server of `HYOKA_TEST_POSTGRES` cannot be reached.
//!
//! `cargo bench -p hyoka-service --bench store`; results in docs/performance.md.

#![expect(missing_docs, reason = "criterion_group! generates an undocumented function")]

use std::time::{Duration, Instant};

use criterion::{Criterion, criterion_group, criterion_main};
use hyoka_generator::{Generator, GroupSpec};
use hyoka_ingest::Limits;
use hyoka_model::catalog::Catalog;
use hyoka_model::db::Backend;
use hyoka_model::db::testing::TestDb;
use hyoka_model::domain::FiscalYear;
use hyoka_model::workflow::Actor;
use hyoka_service::Pipeline;
use hyoka_service::sheets::{ImportOptions, store_bytes};

const COMPANIES: usize = 250;
const YEARS: usize = 4;

fn catalog() -> Catalog {
    Catalog::builtin().unwrap_or_else(|e| panic!("{e}"))
}

fn import_1000(c: &mut Criterion) {
    let catalog = catalog();
    let limits = Limits::default();
    let first = FiscalYear::new(2022).unwrap_or_else(|e| panic!("{e}"));
    let generator = Generator::new(GroupSpec::consecutive(20_261_128, COMPANIES, first, YEARS), &catalog);
    let files: Vec<Vec<u8>> = (0..COMPANIES)
        .flat_map(|i| generator.spec().years.clone().into_iter().map(move |y| (i, y)))
        .map(|(i, y)| generator.xlsx(i, y).unwrap_or_else(|e| panic!("{e}")))
        .collect();
    assert_eq!(files.len(), 1_000);
    let options = ImportOptions { create_company: true, ..ImportOptions::default() };
    let mut group = c.benchmark_group("import_1000");
    group.sample_size(10);
    group.measurement_time(Duration::from_secs(120));
    let pipeline = Pipeline::builtin(limits).unwrap_or_else(|e| panic!("{e}"));
    for (name, backend) in [("sqlite", Backend::Sqlite), ("postgres", Backend::Postgres)] {
        if TestDb::new(backend).is_none() {
            eprintln!("import_1000/{name}: skipped, no database");
            continue;
        }
        group.bench_function(name, |b| {
            b.iter_custom(|iters| {
                let mut total = Duration::ZERO;
                for _ in 0..iters {
                    let Some(db) = TestDb::new(backend) else { return total };
                    let mut conn = db.conn();
                    let start = Instant::now();
                    for (i, bytes) in files.iter().enumerate() {
                        let r = store_bytes(&mut conn, &pipeline, Actor::System, "sheet.xlsx", bytes, &options);
                        assert!(r.is_ok(), "sheet {i}: {:?}", r.err().map(|e| e.to_string()));
                    }
                    total += start.elapsed();
                }
                total
            });
        });
    }
    group.finish();
}

criterion_group!(benches, import_1000);
criterion_main!(benches);
