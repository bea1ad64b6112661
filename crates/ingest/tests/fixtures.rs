//! The committed fixtures in `tests/fixtures/`, made by openpyxl and Python's
//! codecs (`make_fixtures.py`), never by hyoka's own writer. Expected values
//! are written out by hand (the script prints the tallies it intended).

use std::path::PathBuf;

use chrono::NaiveDate;
use hyoka_ingest::{Format, Ingested, Limits, TextEncoding, read_path};
use hyoka_model::catalog::Catalog;
use hyoka_model::domain::{Evaluation, ItemNumber, Level};
use hyoka_model::scoring::{Tally, achievement};
use hyoka_model::sheet::Answer;

fn fixture(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../tests/fixtures").join(name)
}

fn catalog() -> Catalog {
    Catalog::builtin().unwrap_or_else(|e| panic!("{e}"))
}

fn read(name: &str) -> Ingested {
    match read_path(&fixture(name), &catalog(), &Limits::default()) {
        Ok(i) => i,
        Err(r) => panic!("{r}"),
    }
}

fn answer(i: &Ingested, n: u16) -> &Answer {
    let item = ItemNumber::new(n).unwrap_or_else(|e| panic!("{e}"));
    i.sheet.answers.iter().find(|a| a.item == item).unwrap_or_else(|| panic!("no answer for No.{n}"))
}

/// (points, rated) for Lv1, Lv2, Lv3 and overall.
fn tallies(i: &Ingested) -> [(u32, u32); 4] {
    let a = achievement(&i.sheet.scored_items(), Level::Lv3);
    let t = |t: Tally| (t.points, t.rated);
    [t(a.levels[0].tally), t(a.levels[1].tally), t(a.levels[2].tally), t(a.overall.tally)]
}

fn assert_complete(i: &Ingested) {
    let numbers: Vec<u16> = i.sheet.answers.iter().map(|a| a.item.get()).collect();
    assert_eq!(numbers, (1..=153).collect::<Vec<_>>());
    let per_level = Level::ALL.map(|l| i.sheet.answers.iter().filter(|a| a.level == l).count());
    assert_eq!(per_level, [50, 74, 29], "levels read from the sheet");
}

#[test]
fn official_like_workbook_with_cover_two_row_header_and_shared_strings() {
    let i = read("official_like.xlsx");
    assert_eq!(i.format, Format::Xlsx);
    assert_eq!(i.item_sheet.as_deref(), Some("チェックシート"));
    assert_complete(&i);
    // Σ points / 2 × rated: Lv1 61/86, Lv2 107/138, Lv3 43/52, all 211/276.
    assert_eq!(tallies(&i), [(61, 43), (107, 69), (43, 26), (211, 138)]);
    let a = achievement(&i.sheet.scored_items(), Level::Lv3);
    assert!((a.overall.rate.unwrap_or(0.0) - 211.0 / 276.0).abs() < 1e-12);

    let c = &i.sheet.cover;
    assert_eq!(c.company_name.as_deref(), Some("株式会社 東海精密工業"), "furigana is not part of the name");
    assert_eq!(c.company_code.as_deref(), Some("T001"));
    assert_eq!(c.fiscal_year.map(|y| y.get()), Some(2023), "令和5年度");
    assert_eq!((c.employees, c.it_staff), (Some(85), Some(1)));
    assert_eq!(c.respondent.as_deref(), Some("情報システム課 山田太郎"));
    assert_eq!(c.answered_on, NaiveDate::from_ymd_opt(2023, 7, 14), "a date cell (serial number)");
    assert_eq!(i.cover_sources.get(&hyoka_ingest::Fact::CompanyName).map(String::as_str), Some("表紙!C3"));

    let n1 = answer(&i, 1);
    assert_eq!(n1.evaluation, Evaluation::DONE);
    assert_eq!(n1.evidence, "「情報セキュリティ規則」を2019年4月に制定済み。2023年4月改定。");
    assert_eq!(n1.responsible_area.as_deref(), Some("IT"));
    assert_eq!(n1.source_cell.as_deref(), Some("チェックシート!M9"));
    let n17 = answer(&i, 17);
    assert_eq!(n17.evaluation, Evaluation::NOT_DONE);
    assert_eq!(n17.evidence, "現状実施できていない。今年度中にSOCを設置し、予兆検知等を実施予定");
    assert_eq!(n17.level, Level::Lv2);
    assert_eq!(answer(&i, 40).evaluation, Evaluation::Unanswered, "the pulldown placeholder");
    assert_eq!(answer(&i, 40).source_cell.as_deref(), Some("チェックシート!M48"));
    assert_eq!(answer(&i, 41).evaluation, Evaluation::Unanswered, "an empty cell");
    assert_eq!(answer(&i, 49).evaluation, Evaluation::NotApplicable);
    assert_eq!(answer(&i, 85).evidence, "ICカードによる入退場認証システムを設置済（2020年導入）");
    assert!(i.warnings.is_empty(), "{:?}", i.warnings);
}

#[test]
fn inserted_and_removed_columns_and_title_rows() {
    let i = read("inserted_columns.xlsx");
    assert_eq!(i.item_sheet.as_deref(), Some("自己評価シート"));
    assert_complete(&i);
    // 「前年度評価」 (all 対策中) is not the evaluation column: 「自己評価」 is.
    assert_eq!(tallies(&i), [(55, 39), (99, 68), (38, 27), (192, 134)]);
    let c = &i.sheet.cover;
    assert_eq!(c.company_name.as_deref(), Some("北陸樹脂工業㈱"), "label and value in one cell");
    assert_eq!(c.fiscal_year.map(|y| y.get()), Some(2024), "R6");
    assert_eq!(c.company_code, None);
    // No.3 is numbered 「３」 and rated 「０」 (full width); No.4 is 「No.4」.
    assert_eq!(answer(&i, 3).evaluation, Evaluation::NOT_DONE);
    assert_eq!(answer(&i, 3).source_cell.as_deref(), Some("自己評価シート!H8"));
    assert_eq!(answer(&i, 3).evidence, "No.3 未着手。来年度に改善計画を策定する。");
    assert_eq!(answer(&i, 4).evaluation, Evaluation::NotApplicable);
    assert_eq!(answer(&i, 4).level, Level::Lv1, "レベル1");
    assert!(i.warnings.is_empty(), "{:?}", i.warnings);
}

#[test]
fn cp932_csv_with_full_width_numbers_and_windows_specials() {
    let i = read("cp932.csv");
    assert_eq!(i.format, Format::Csv { encoding: TextEncoding::Cp932, delimiter: ',' });
    assert_complete(&i);
    assert_eq!(tallies(&i), [(67, 43), (77, 59), (34, 26), (178, 128)]);
    let c = &i.sheet.cover;
    assert_eq!(c.company_name.as_deref(), Some("北陸樹脂工業㈱"));
    assert_eq!(c.company_code.as_deref(), Some("H002"));
    assert_eq!(c.fiscal_year.map(|y| y.get()), Some(2024));
    assert_eq!((c.employees, c.it_staff), (Some(120), Some(2)), "１２０名, ２");
    // ① ㈱ ～ － exactly as Windows shows them (0x8740, 0x878A, 0x8160, 0x817C).
    assert_eq!(
        answer(&i, 5).evidence,
        "①規程策定 ②教育実施（㈱セキュア研修所に委託）、期間：4月\u{ff5e}9月、担当：情報システム課\u{ff0d}山田"
    );
    assert_eq!(answer(&i, 6).evidence, "手順書を整備中。\n完了予定：2024年12月、担当部署：総務");
    assert_eq!(answer(&i, 2).evaluation, Evaluation::DONE, "full-width ２");
    assert_eq!(answer(&i, 5).evaluation, Evaluation::NotApplicable);
    assert_eq!(answer(&i, 3).evaluation, Evaluation::NOT_DONE, "full-width ０");
    assert_eq!(answer(&i, 3).source_cell.as_deref(), Some("D9"));
}

#[test]
fn utf8_bom_csv_with_numeric_scores_and_dashes() {
    let i = read("utf8_bom.csv");
    assert_eq!(i.format, Format::Csv { encoding: TextEncoding::Utf8Bom, delimiter: ',' });
    assert_complete(&i);
    assert_eq!(tallies(&i), [(63, 42), (93, 65), (38, 24), (194, 131)]);
    assert_eq!(i.sheet.cover, Default::default(), "the file says nothing about the company");
    assert_eq!(answer(&i, 2).evaluation, Evaluation::Unanswered);
    assert_eq!(answer(&i, 5).evaluation, Evaluation::NotApplicable, "-");
    assert_eq!(answer(&i, 4).evaluation, Evaluation::NOT_DONE, "0");
    assert_eq!(answer(&i, 1).evidence, "「情報セキュリティ規則」を2019年4月に制定済み。2023年4月改定。");
}

#[test]
fn excel_unicode_text_export_utf16_tab_separated() {
    let bytes = std::fs::read(fixture("utf8_bom.csv")).unwrap_or_default();
    let text = String::from_utf8(bytes[3..].to_vec()).unwrap_or_default().replace(',', "\t");
    let utf16: Vec<u8> = [0xFF, 0xFE].into_iter().chain(text.encode_utf16().flat_map(u16::to_le_bytes)).collect();
    let i = hyoka_ingest::read_bytes("unicode.txt", &utf16, &catalog(), &Limits::default())
        .unwrap_or_else(|r| panic!("{r}"));
    assert_eq!(i.format, Format::Csv { encoding: TextEncoding::Utf16, delimiter: '\t' });
    assert_eq!(tallies(&i), [(63, 42), (93, 65), (38, 24), (194, 131)], "the same sheet as utf8_bom.csv");
}

#[test]
fn every_problem_is_reported_at_once() {
    let bytes = std::fs::read(fixture("utf8_bom.csv")).unwrap_or_default();
    let text = String::from_utf8(bytes[3..].to_vec()).unwrap_or_default();
    let mut rows: Vec<Vec<String>> = text.split("\r\n").map(|l| l.split(',').map(str::to_owned).collect()).collect();
    rows[10][0] = "１０".into();
    rows[10][2] = "済".into(); // No.10: not an evaluation
    rows[20][0] = "No.19".into(); // a second No.19; No.20 missing
    rows[30][0] = "300".into(); // unknown; No.30 missing
    let lines: Vec<String> = rows.iter().map(|r| r.join(",")).collect();
    let refusal = hyoka_ingest::read_bytes("many.csv", lines.join("\r\n").as_bytes(), &catalog(), &Limits::default())
        .err()
        .unwrap_or_else(|| panic!("accepted"));
    let got: Vec<(String, Option<u16>, String)> = refusal
        .errors()
        .map(|p| (p.place().unwrap_or_default(), p.item.map(ItemNumber::get), format!("{:?}", p.kind)))
        .collect();
    let want = [
        ("C11", Some(10), "InvalidEvaluation"),
        ("A21", Some(19), "DuplicateItem { first: \"A20\" }"),
        ("A31", Some(300), "UnknownItem { max: 153 }"),
        ("A2:A154", Some(20), "MissingItem"),
        ("A2:A154", Some(30), "MissingItem"),
    ];
    let want: Vec<(String, Option<u16>, String)> =
        want.iter().map(|(p, i, k)| ((*p).to_owned(), *i, (*k).to_owned())).collect();
    assert_eq!(got, want);
}

/// The official-like workbook saved by LibreOffice Calc 7.4 (`make_libreoffice.sh`)
/// reads as the original does: the same answers, cover and places.
fn assert_official_like_as_saved_elsewhere(i: &Ingested) {
    assert_eq!(i.item_sheet.as_deref(), Some("チェックシート"));
    assert_complete(i);
    assert_eq!(tallies(i), [(61, 43), (107, 69), (43, 26), (211, 138)]);
    let c = &i.sheet.cover;
    assert_eq!(c.company_name.as_deref(), Some("株式会社 東海精密工業"));
    assert_eq!(c.company_code.as_deref(), Some("T001"));
    assert_eq!(c.fiscal_year.map(|y| y.get()), Some(2023), "令和5年度");
    assert_eq!((c.employees, c.it_staff), (Some(85), Some(1)));
    assert_eq!(c.respondent.as_deref(), Some("情報システム課 山田太郎"));
    assert_eq!(c.answered_on, NaiveDate::from_ymd_opt(2023, 7, 14));
    assert_eq!(i.cover_sources.get(&hyoka_ingest::Fact::CompanyName).map(String::as_str), Some("表紙!C3"));
    let n1 = answer(i, 1);
    assert_eq!(n1.evaluation, Evaluation::DONE);
    assert_eq!(n1.evidence, "「情報セキュリティ規則」を2019年4月に制定済み。2023年4月改定。");
    assert_eq!(n1.responsible_area.as_deref(), Some("IT"));
    assert_eq!(n1.source_cell.as_deref(), Some("チェックシート!M9"));
    let n17 = answer(i, 17);
    assert_eq!((n17.evaluation, n17.level), (Evaluation::NOT_DONE, Level::Lv2));
    assert_eq!(n17.evidence, "現状実施できていない。今年度中にSOCを設置し、予兆検知等を実施予定");
    assert_eq!(answer(i, 40).evaluation, Evaluation::Unanswered, "the pulldown placeholder");
    assert_eq!(answer(i, 41).evaluation, Evaluation::Unanswered, "an empty cell");
    assert_eq!(answer(i, 49).evaluation, Evaluation::NotApplicable);
    assert_eq!(answer(i, 85).evidence, "ICカードによる入退場認証システムを設置済（2020年導入）");
    assert!(i.warnings.is_empty(), "{:?}", i.warnings);
}

#[test]
fn official_like_saved_by_libreoffice_as_xls() {
    let i = read("libreoffice.xls");
    assert_eq!(i.format, Format::Xls);
    assert_official_like_as_saved_elsewhere(&i);
}

#[test]
fn official_like_saved_by_libreoffice_as_ods() {
    let i = read("libreoffice.ods");
    assert_eq!(i.format, Format::Ods);
    assert_official_like_as_saved_elsewhere(&i);
}

#[test]
fn official_like_saved_by_libreoffice_as_xlsx() {
    let i = read("libreoffice.xlsx");
    assert_eq!(i.format, Format::Xlsx);
    assert_official_like_as_saved_elsewhere(&i);
}

#[test]
fn english_edition_headers_values_and_cover() {
    let i = read("english_edition.xlsx");
    assert_eq!(i.item_sheet.as_deref(), Some("Check sheet"));
    assert_complete(&i);
    // Lv1 62/86, Lv2 85/136, Lv3 45/56, all 192/278 (make_english.py).
    assert_eq!(tallies(&i), [(62, 43), (85, 68), (45, 28), (192, 139)]);
    let c = &i.sheet.cover;
    assert_eq!(c.company_name.as_deref(), Some("Tokai Precision Mexico S.A. de C.V."));
    assert_eq!(c.fiscal_year.map(|y| y.get()), Some(2024), "FY2024");
    assert_eq!((c.employees, c.it_staff), (Some(420), Some(3)), "approx. 420 employees");
    assert_eq!(c.respondent.as_deref(), Some("IT Department, Maria Lopez"));
    assert_eq!(c.answered_on, NaiveDate::from_ymd_opt(2024, 8, 5));
    assert_eq!(i.cover_sources.get(&hyoka_ingest::Fact::FiscalYear).map(String::as_str), Some("Cover!C4"));
    let n1 = answer(&i, 1);
    assert_eq!(n1.evaluation, Evaluation::DONE, "Done");
    assert_eq!(n1.evidence, "Information Security Rules established in April 2019, revised April 2023.");
    assert_eq!(n1.source_cell.as_deref(), Some("Check sheet!J8"));
    assert_eq!(n1.responsible_area.as_deref(), Some("Legal"), "Area in charge");
    let n17 = answer(&i, 17);
    assert_eq!(n17.evaluation, Evaluation::IN_PROGRESS, "In progress, without the points");
    assert_eq!(n17.evidence, "Not yet in place. A SOC will be set up this fiscal year to detect signs of attacks.");
    assert_eq!(answer(&i, 23).evidence, "「情報セキュリティ規則」を2019年4月に制定済み。", "Japanese evidence");
    assert_eq!(answer(&i, 3).evaluation, Evaluation::NOT_DONE, "Not done");
    assert_eq!(answer(&i, 2).evaluation, Evaluation::IN_PROGRESS, "In progress (1 point)");
    assert_eq!(answer(&i, 5).evaluation, Evaluation::NotApplicable, "N/A");
    assert_eq!(answer(&i, 16).evaluation, Evaluation::NotApplicable, "Not applicable");
    assert_eq!(answer(&i, 12).evaluation, Evaluation::DONE, "Completed (2 points)");
    assert_eq!(answer(&i, 11).evaluation, Evaluation::DONE, "Completed");
    assert_eq!(answer(&i, 14).evaluation, Evaluation::NOT_DONE, "Not implemented (0 points)");
    assert_eq!(answer(&i, 30).evaluation, Evaluation::Unanswered);
    assert_eq!(answer(&i, 2).level, Level::Lv1, "a level as a bare number");
    assert!(i.warnings.is_empty(), "{:?}", i.warnings);
}

#[test]
fn japanese_headers_with_english_values_and_evidence() {
    let i = read("mixed_languages.xlsx");
    assert_complete(&i);
    assert_eq!(tallies(&i), [(65, 44), (91, 62), (40, 25), (196, 131)]);
    let c = &i.sheet.cover;
    assert_eq!(c.company_name.as_deref(), Some("Hokuriku Resin America Inc."));
    assert_eq!(c.fiscal_year.map(|y| y.get()), Some(2024));
    assert_eq!(answer(&i, 4).evaluation, Evaluation::NotApplicable);
    assert_eq!(answer(&i, 3).evaluation, Evaluation::NOT_DONE);
    assert_eq!(answer(&i, 3).evidence, "No.3: not started; an improvement plan will be made next year.");
    assert!(i.warnings.is_empty(), "{:?}", i.warnings);
}

/// An `.xlsb` saved by Excel (calamine's own test file `issues.xlsb`, MIT):
/// its cells reach the grid through calamine's streaming cell reader; having
/// no check-sheet table, it is refused naming the labels looked for.
#[test]
fn excel_binary_workbook_cells_and_a_refusal_naming_the_labels_looked_for() {
    let bytes = std::fs::read(fixture("calamine_issues.xlsb")).unwrap_or_default();
    let (grids, format) =
        hyoka_ingest::grids("issues.xlsb", &bytes, &Limits::default()).unwrap_or_else(|p| panic!("{p}"));
    assert_eq!(format, Format::Xlsb);
    let sheet =
        |name: &str| grids.iter().find(|g| g.sheet.as_deref() == Some(name)).unwrap_or_else(|| panic!("{name}"));
    let issue2 = sheet("issue2");
    let cells: Vec<(u32, Option<&str>, Option<&str>)> =
        issue2.rows.iter().map(|r| (r.index, r.text(0), r.text(1))).collect();
    assert_eq!(cells, [(1, Some("1"), Some("a")), (2, Some("2"), Some("b")), (3, Some("3"), Some("c"))]);
    assert_eq!(sheet("spc_chrs").text(8, 0), Some("àâéêèçöïî«»"));

    let refusal = hyoka_ingest::read_bytes("issues.xlsb", &bytes, &catalog(), &Limits::default())
        .err()
        .unwrap_or_else(|| panic!("accepted"));
    let p = &refusal.problems[0];
    assert!(matches!(p.kind, hyoka_ingest::ProblemKind::NoItemTable), "{p}");
    for label in ["項番", "Item No.", "達成条件評価", "Self-evaluation"] {
        assert!(p.message_ja().contains(label) && p.message_en().contains(label), "{label}: {p}");
    }
}
