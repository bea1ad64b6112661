//! Ingest benchmarks (criterion; not run in CI, only compiled):
//!
//! - `parse_validate/*`: one 153-item sheet read and validated, from the
//!   generator's official-like xlsx, the committed openpyxl fixture, and
//!   CP932 / UTF-8 BOM CSV (sample size 100);
//! - `import_1000/{sqlite,postgres}`: 1,000 generated xlsx sheets (250
//!   companies × 4 fiscal years) imported through the real import path
//!   (`hyoka_ingest::import::import_bytes`, as `hyoka import` does) into a
//!   fresh database each sample (sample size 10). PostgreSQL is skipped when
//!   the server of `HYOKA_TEST_POSTGRES` cannot be reached.
//!
//! `cargo bench -p hyoka-ingest --bench ingest`; results in docs/performance.md.

#![expect(missing_docs, reason = "criterion_group! generates an undocumented function")]

use std::hint::black_box;
use std::path::PathBuf;
use std::time::{Duration, Instant};

use criterion::{Criterion, criterion_group, criterion_main};
use hyoka_generator::{Generator, GroupSpec, XlsxStyle, write_csv_cp932, write_csv_utf8_bom, write_xlsx};
use hyoka_ingest::import::{ImportOptions, import_bytes};
use hyoka_ingest::{Limits, read_bytes};
use hyoka_model::catalog::Catalog;
use hyoka_model::db::Backend;
use hyoka_model::db::testing::TestDb;
use hyoka_model::domain::FiscalYear;
use hyoka_model::workflow::Actor;

fn catalog() -> Catalog {
    Catalog::builtin().unwrap_or_else(|e| panic!("{e}"))
}

fn parse_validate(c: &mut Criterion) {
    let catalog = catalog();
    let limits = Limits::default();
    let year = FiscalYear::new(2024).unwrap_or_else(|e| panic!("{e}"));
    let generator = Generator::new(GroupSpec::new(1, 1, vec![year]), &catalog);
    let sheet = generator.sheet(0, year).unwrap_or_else(|e| panic!("{e}"));
    let fixture =
        std::fs::read(PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../tests/fixtures/official_like.xlsx"))
            .unwrap_or_else(|e| panic!("{e}"));
    let files = [
        ("xlsx_generated", write_xlsx(&sheet, &catalog, &XlsxStyle::default()).unwrap_or_default()),
        ("xlsx_openpyxl_fixture", fixture),
        ("csv_cp932", write_csv_cp932(&sheet, &catalog).unwrap_or_default()),
        ("csv_utf8_bom", write_csv_utf8_bom(&sheet, &catalog).unwrap_or_default()),
    ];
    let mut group = c.benchmark_group("parse_validate");
    group.sample_size(100);
    for (name, bytes) in &files {
        assert!(read_bytes(name, bytes, &catalog, &limits).is_ok(), "{name}");
        group.bench_function(*name, |b| b.iter(|| read_bytes(name, black_box(bytes), &catalog, &limits)));
    }
    group.finish();
}

const COMPANIES: usize = 250;
const YEARS: usize = 4;

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
    let detector = hyoka_anomaly::Detector::builtin().unwrap_or_else(|e| panic!("{e}"));
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
                        let r = import_bytes(
                            &mut conn,
                            Actor::System,
                            "sheet.xlsx",
                            bytes,
                            &catalog,
                            &detector,
                            &limits,
                            &options,
                        );
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

criterion_group!(benches, parse_validate, import_1000);
criterion_main!(benches);
