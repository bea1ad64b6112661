//! Ingest benchmarks (criterion; not run in CI, only compiled):
//!
//! - `parse_validate/*`: one 153-item sheet read and validated, from the
//!   generator's official-like xlsx, the committed openpyxl fixture, and
//!   CP932 / UTF-8 BOM CSV (sample size 100);
//!
//! Storing sheets (`import_1000`) is measured in `crates/service/benches/store.rs`.
//!
//! `cargo bench -p hyoka-ingest --bench ingest`; results in docs/performance.md.

#![expect(missing_docs, reason = "criterion_group! generates an undocumented function")]

use std::hint::black_box;
use std::path::PathBuf;

use criterion::{Criterion, criterion_group, criterion_main};
use hyoka_generator::{Generator, GroupSpec, XlsxStyle, write_csv_cp932, write_csv_utf8_bom, write_xlsx};
use hyoka_ingest::{Limits, read_bytes};
use hyoka_model::catalog::Catalog;
use hyoka_model::domain::FiscalYear;

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

criterion_group!(benches, parse_validate);
criterion_main!(benches);
