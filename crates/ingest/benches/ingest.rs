//! Ingest benchmarks (criterion; not run in CI, only compiled):
//!
//! - `parse_validate/*`: one 153-item sheet read and validated, from the
//!   generator's official-like xlsx, the committed openpyxl fixture, the same
//!   fixture saved by LibreOffice as `.xlsx`, `.xls` and `.ods`, the English
//!   edition, and CP932 / UTF-8 BOM CSV (sample size 100);
//! - `xlsx_reader/*`: the same LibreOffice `.xlsx` turned into grids by
//!   hyoka's own reader and by calamine's (its streaming cell reader behind
//!   the same inflation check the other calamine formats get), to decide
//!   whether one reader would do (docs/decisions.md);
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
    let committed = |name: &str| {
        std::fs::read(PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../tests/fixtures").join(name))
            .unwrap_or_else(|e| panic!("{name}: {e}"))
    };
    let files = [
        ("xlsx_generated", write_xlsx(&sheet, &catalog, &XlsxStyle::default()).unwrap_or_default()),
        ("xlsx_openpyxl_fixture", fixture),
        ("xlsx_libreoffice", committed("libreoffice.xlsx")),
        ("xls_libreoffice", committed("libreoffice.xls")),
        ("ods_libreoffice", committed("libreoffice.ods")),
        ("xlsx_english_edition", committed("english_edition.xlsx")),
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

/// calamine's xlsx reader as it would replace hyoka's: the inflation check,
/// then every cell of every sheet streamed (never a dense range), merges.
fn calamine_xlsx_grids(bytes: &[u8], limits: &Limits) -> usize {
    use calamine::{Reader, Xlsx};
    if hyoka_ingest::book::check_inflation("b.xlsx", bytes, limits, &[]).is_err() {
        return 0;
    }
    let Ok(mut book) = Xlsx::new(std::io::Cursor::new(bytes)) else { return 0 };
    let mut cells = 0;
    for name in book.sheet_names() {
        cells += book.merge_cells_by_sheet_name(&name).map(|m| m.len()).unwrap_or(0);
        let Ok(mut reader) = book.worksheet_cells_reader(&name) else { continue };
        while let Ok(Some(cell)) = reader.next_cell() {
            // The same text the grid keeps.
            cells += usize::from(hyoka_ingest::book::text_of(cell.get_value()).is_some());
        }
    }
    cells
}

fn xlsx_reader(c: &mut Criterion) {
    let limits = Limits::default();
    let bytes = std::fs::read(PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../tests/fixtures/libreoffice.xlsx"))
        .unwrap_or_else(|e| panic!("{e}"));
    assert!(calamine_xlsx_grids(&bytes, &limits) > 1_000);
    let mut group = c.benchmark_group("xlsx_reader");
    group.sample_size(100);
    group.bench_function("hyoka", |b| {
        b.iter(|| hyoka_ingest::xlsx::read("b.xlsx", black_box(&bytes), &limits).map(|g| g.len()).ok())
    });
    group.bench_function("calamine", |b| b.iter(|| calamine_xlsx_grids(black_box(&bytes), &limits)));
    group.finish();
}

criterion_group!(benches, parse_validate, xlsx_reader);
criterion_main!(benches);
