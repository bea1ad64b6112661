//! Sheets written by the project's own generator, in every layout it writes,
//! read back: every answer, level, evidence text and cover fact survives.

use hyoka_generator::{Generator, GroupSpec, XlsxStyle, write_csv_cp932, write_csv_utf8_bom, write_xlsx};
use hyoka_ingest::json::Submission;
use hyoka_ingest::{Format, Ingested, Limits, TextEncoding, read_bytes};
use hyoka_model::catalog::Catalog;
use hyoka_model::domain::FiscalYear;
use hyoka_model::sheet::Sheet;

fn catalog() -> Catalog {
    Catalog::builtin().unwrap_or_else(|e| panic!("{e}"))
}

fn sheets(catalog: &Catalog, companies: usize) -> Vec<Sheet> {
    let year = FiscalYear::new(2024).unwrap_or_else(|e| panic!("{e}"));
    let spec = GroupSpec::new(7, companies, vec![year]);
    let generator = Generator::new(spec, catalog);
    (0..companies).map(|i| generator.sheet(i, year).unwrap_or_else(|e| panic!("{e}"))).collect()
}

fn read(name: &str, bytes: &[u8], catalog: &Catalog) -> Ingested {
    read_bytes(name, bytes, catalog, &Limits::default()).unwrap_or_else(|r| panic!("{r}"))
}

/// Everything an answer carries except where it came from.
fn same_answers(got: &Sheet, want: &Sheet, layout: &str) {
    assert_eq!(got.answers.len(), want.answers.len(), "{layout}");
    for (g, w) in got.answers.iter().zip(&want.answers) {
        assert_eq!(
            (g.item, g.level, g.evaluation, g.evidence.as_str(), g.responsible_area.as_deref()),
            (w.item, w.level, w.evaluation, w.evidence.as_str(), w.responsible_area.as_deref()),
            "{layout} {}",
            w.item
        );
    }
}

fn all_styles() -> Vec<XlsxStyle> {
    (0..16u8)
        .map(|bits| XlsxStyle {
            era_year: bits & 1 != 0,
            level_as_number: bits & 2 != 0,
            answered_on_as_text: bits & 4 != 0,
            extra_title_row: bits & 8 != 0,
        })
        .collect()
}

#[test]
fn xlsx_in_every_style_round_trips_with_its_cover() {
    let catalog = catalog();
    let sheets = sheets(&catalog, 4);
    for (i, style) in all_styles().into_iter().enumerate() {
        let want = &sheets[i % sheets.len()];
        let bytes = write_xlsx(want, &catalog, &style).unwrap_or_else(|e| panic!("{e}"));
        let got = read("generated.xlsx", &bytes, &catalog);
        let layout = format!("{style:?}");
        assert_eq!(got.format, Format::Xlsx);
        same_answers(&got.sheet, want, &layout);
        assert_eq!(got.sheet.cover, want.cover, "{layout}");
        assert!(got.warnings.is_empty(), "{layout}: {:?}", got.warnings);
    }
}

#[test]
fn csv_in_cp932_and_utf8_bom_round_trips() {
    let catalog = catalog();
    for want in sheets(&catalog, 3) {
        let cp932 = write_csv_cp932(&want, &catalog).unwrap_or_else(|e| panic!("{e}"));
        let got = read("generated.csv", &cp932, &catalog);
        assert_eq!(got.format, Format::Csv { encoding: TextEncoding::Cp932, delimiter: ',' });
        same_answers(&got.sheet, &want, "cp932");
        let utf8 = write_csv_utf8_bom(&want, &catalog).unwrap_or_else(|e| panic!("{e}"));
        let got = read("generated.csv", &utf8, &catalog);
        assert_eq!(got.format, Format::Csv { encoding: TextEncoding::Utf8Bom, delimiter: ',' });
        same_answers(&got.sheet, &want, "utf-8 bom");
    }
}

#[test]
fn json_submissions_round_trip() {
    let catalog = catalog();
    for want in sheets(&catalog, 3) {
        let json = serde_json::to_vec(&Submission::from_sheet(&want, Some("製造部"))).unwrap_or_default();
        let got = read("generated.json", &json, &catalog);
        assert_eq!(got.format, Format::Json);
        same_answers(&got.sheet, &want, "json");
        assert_eq!(got.sheet.cover, want.cover);
        assert_eq!(got.department.as_deref(), Some("製造部"));
    }
}

/// Issue 17: a NUL in evidence was accepted and written raw into flags.csv.
#[test]
fn control_characters_in_evidence_are_refused_where_they_are() {
    let catalog = catalog();
    let want = sheets(&catalog, 1).remove(0);
    let mut sub = Submission::from_sheet(&want, None);
    sub.answers[3].evidence = "手順書あり\u{0}".into();
    sub.answers[5].evidence = "改行\r\nとタブ\tは可".into();
    let json = serde_json::to_vec(&sub).unwrap_or_default();
    let refusal = read_bytes("nul.json", &json, &catalog, &Limits::default()).err();
    let problems = refusal.map(|r| r.problems).unwrap_or_default();
    assert_eq!(problems.len(), 1, "{problems:?}");
    let p = &problems[0];
    assert_eq!(p.cell.as_deref(), Some("/answers/3/evidence"));
    assert!(p.message_ja().contains("U+0000") && p.message_en().contains("control character"), "{p:?}");
}
