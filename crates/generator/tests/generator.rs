//! Behaviour of the synthetic group generator: determinism, levels,
//! evidence that fits the score, and the xlsx / CSV writers.

use std::collections::BTreeSet;
use std::io::{Cursor, Read};

use calamine::{Data, Reader, Xlsx, open_workbook_from_rs};
use hyoka_generator::{
    COVER_SHEET, CSV_HEADER, EVALUATION_CHOICES, Generator, GroupSpec, ITEM_SHEET, SizeClass, demo_group, generate,
    synthetic_levels, write_csv_cp932, write_csv_utf8_bom, write_xlsx,
};
use hyoka_model::catalog::Catalog;
use hyoka_model::domain::{Evaluation, FiscalYear, Level, PLACEHOLDER, Points};
use hyoka_model::sheet::Sheet;
use hyoka_model::text::normalize;

fn catalog() -> Catalog {
    match Catalog::builtin() {
        Ok(c) => c,
        Err(e) => panic!("builtin catalog: {e}"),
    }
}

fn fy(y: i32) -> FiscalYear {
    match FiscalYear::new(y) {
        Ok(y) => y,
        Err(e) => panic!("{e}"),
    }
}

fn ok<T, E: std::fmt::Display>(r: Result<T, E>) -> T {
    match r {
        Ok(v) => v,
        Err(e) => panic!("{e}"),
    }
}

/// A 4-digit year followed by 年 or /, or an era year.
fn has_date(text: &str) -> bool {
    let t = normalize(text);
    if t.contains("令和") || t.contains("平成") {
        return true;
    }
    let chars: Vec<char> = t.chars().collect();
    chars.windows(5).any(|w| w[..4].iter().all(char::is_ascii_digit) && (w[4] == '年' || w[4] == '/'))
}

fn demo() -> (Catalog, Generator) {
    let catalog = catalog();
    let generator = Generator::new(demo_group(), &catalog);
    (catalog, generator)
}

#[test]
fn same_seed_same_bytes_other_seed_other_sheets() {
    let catalog = catalog();
    let spec = GroupSpec::consecutive(7, 5, fy(2023), 2);
    let a = Generator::new(spec.clone(), &catalog);
    let b = Generator::new(spec.clone(), &catalog);
    assert_eq!(a.group(), b.group());
    for company in 0..5 {
        let year = fy(2024);
        assert_eq!(ok(a.xlsx(company, year)), ok(b.xlsx(company, year)), "xlsx bytes");
        let (sa, sb) = (ok(a.sheet(company, year)), ok(b.sheet(company, year)));
        assert_eq!(ok(write_csv_cp932(&sa, &catalog)), ok(write_csv_cp932(&sb, &catalog)));
        assert_eq!(ok(write_csv_utf8_bom(&sa, &catalog)), ok(write_csv_utf8_bom(&sb, &catalog)));
    }
    let other = Generator::new(GroupSpec { seed: 8, ..spec }, &catalog);
    assert_ne!(a.group().sheets, other.group().sheets);
    assert_ne!(a.companies()[0].name, other.companies()[0].name);
}

#[test]
fn one_sheet_does_not_depend_on_the_others() {
    let (_, g) = demo();
    let whole = g.group();
    let last = whole.sheets.last().map(|s| (s.company_index, s.year, s.sheet.clone()));
    let Some((company, year, sheet)) = last else { panic!("no sheets") };
    assert_eq!(ok(g.sheet(company, year)), sheet);
    // A generator for a different set of years gives the same sheet.
    let other = Generator::new(GroupSpec { years: vec![year], ..demo_group() }, &catalog());
    assert_eq!(ok(other.sheet(company, year)), sheet);
    assert!(g.sheet(10_000, year).is_err());
}

#[test]
fn every_sheet_has_153_answers_with_levels_50_74_29() {
    let (catalog, g) = demo();
    let levels = synthetic_levels(&catalog);
    let group = g.group();
    assert_eq!(group.sheets.len(), 40 * 3);
    for s in &group.sheets {
        let sheet = &s.sheet;
        assert_eq!(sheet.framework_id, catalog.framework.id);
        assert_eq!(sheet.answers.len(), 153);
        let count = |l: Level| sheet.answers.iter().filter(|a| a.level == l).count();
        assert_eq!([count(Level::Lv1), count(Level::Lv2), count(Level::Lv3)], [50, 74, 29]);
        for (i, a) in sheet.answers.iter().enumerate() {
            assert_eq!(usize::from(a.item.get()), i + 1);
            assert_eq!(a.level, levels[i]);
            assert!(a.responsible_area.as_deref().is_some_and(|r| !r.is_empty()));
        }
        let cover = &sheet.cover;
        assert_eq!(cover.fiscal_year, Some(s.year));
        assert!(cover.company_name.is_some() && cover.respondent.is_some());
        let answered = cover.answered_on.map(|d| d <= s.year.last_day() && d > fy(s.year.get() - 1).last_day());
        assert_eq!(answered, Some(true), "answered within the fiscal year");
    }
}

#[test]
fn evidence_fits_the_score() {
    let (_, g) = demo();
    let mut seen = [0usize; 5];
    for s in g.sheets() {
        for a in &s.sheet.answers {
            let text = &a.evidence;
            let n = normalize(text);
            for bad in ["〇〇", "○○", "{", "}", "XX", "TODO", "以降以降", "。。"] {
                assert!(!text.contains(bad), "placeholder {bad:?} in No.{}: {text}", a.item.get());
            }
            let why = format!("No.{} {:?}: {text}", a.item.get(), a.evaluation);
            match a.evaluation {
                Evaluation::Rated(Points::Two) => {
                    seen[0] += 1;
                    assert!(has_date(text), "2 without a date: {why}");
                }
                Evaluation::Rated(Points::One) => {
                    seen[1] += 1;
                    assert!(["予定", "目指", "までに"].iter().any(|w| n.contains(w)), "1 without a plan: {why}");
                }
                Evaluation::Rated(Points::Zero) => {
                    seen[2] += 1;
                    assert!(["予定", "検討", "計画", "着手"].iter().any(|w| n.contains(w)), "0 without a plan: {why}");
                }
                Evaluation::NotApplicable => {
                    seen[3] += 1;
                    assert!(n.contains("該当"), "該当なし without a reason: {why}");
                }
                Evaluation::Unanswered => {
                    seen[4] += 1;
                    assert!(text.is_empty(), "{why}");
                }
            }
            if a.evaluation != Evaluation::Unanswered {
                assert!(n.chars().count() >= 8, "too short: {why}");
            }
        }
    }
    assert!(seen.iter().all(|&n| n > 0), "every kind of answer occurs: {seen:?}");
    assert!(seen[4] * 200 < seen.iter().sum::<usize>(), "unanswered stays rare: {seen:?}");
}

#[test]
fn done_multi_part_items_mention_every_part() {
    let (catalog, g) = demo();
    let mut checked = 0;
    for s in g.sheets() {
        for a in &s.sheet.answers {
            let Some(item) = catalog.item(a.item) else { continue };
            if item.parts.is_empty() || a.evaluation != Evaluation::DONE {
                continue;
            }
            let text = normalize(&a.evidence).to_lowercase();
            for part in &item.parts {
                assert!(
                    part.synonyms.iter().any(|w| text.contains(&normalize(w).to_lowercase())),
                    "No.{} part {} missing: {}",
                    a.item.get(),
                    part.key,
                    a.evidence
                );
            }
            checked += 1;
        }
    }
    assert!(checked > 100, "{checked}");
}

#[test]
fn texts_vary_and_follow_the_company_over_the_years() {
    let (_, g) = demo();
    let group = g.group();
    let done: Vec<&str> = group
        .sheets
        .iter()
        .flat_map(|s| s.sheet.answers.iter())
        .filter(|a| a.evaluation == Evaluation::DONE)
        .map(|a| a.evidence.as_str())
        .collect();
    let distinct: BTreeSet<&str> = done.iter().copied().collect();
    assert!(distinct.len() * 3 > done.len(), "{} distinct of {}", distinct.len(), done.len());
    let lengths: Vec<usize> = done.iter().map(|t| t.chars().count()).collect();
    assert!(lengths.iter().any(|&l| l < 25) && lengths.iter().any(|&l| l > 60), "short and long texts");
    assert!(done.iter().any(|t| t.contains("令和")), "era years occur");
    assert!(done.iter().any(|t| t.chars().any(|c| ('０'..='９').contains(&c))), "full-width digits occur");

    // Scores never fall from one year to the next, and some items go 1 → 2
    // with a plan that becomes a completion date.
    let mut upgrades = 0;
    for c in g.companies() {
        let sheets: Vec<Sheet> = g.spec().years.iter().map(|&y| ok(g.sheet(c.index, y))).collect();
        for pair in sheets.windows(2) {
            for (before, after) in pair[0].answers.iter().zip(&pair[1].answers) {
                if let (Some(b), Some(a)) = (rank(before.evaluation), rank(after.evaluation)) {
                    assert!(a >= b, "{} No.{} fell", c.code, before.item.get());
                }
                if before.evaluation == Evaluation::IN_PROGRESS && after.evaluation == Evaluation::DONE {
                    assert!(has_date(&after.evidence));
                    upgrades += 1;
                }
            }
        }
    }
    assert!(upgrades >= 40, "{upgrades} upgrades 1 → 2");
}

fn rank(e: Evaluation) -> Option<u8> {
    match e {
        Evaluation::Rated(p) => Some(p.value()),
        _ => None,
    }
}

#[test]
fn bigger_companies_score_higher() {
    let (_, g) = demo();
    let year = fy(2024);
    let mut by_class: Vec<(SizeClass, f64)> = Vec::new();
    for c in g.companies() {
        let sheet = ok(g.sheet(c.index, year));
        let (p, n) = sheet
            .answers
            .iter()
            .filter_map(|a| a.evaluation.points())
            .fold((0u32, 0u32), |(p, n), x| (p + u32::from(x), n + 2));
        by_class.push((c.size_class, f64::from(p) / f64::from(n.max(1))));
    }
    let mean = |class| {
        let v: Vec<f64> = by_class.iter().filter(|(c, _)| *c == class).map(|(_, r)| *r).collect();
        v.iter().sum::<f64>() / v.len().max(1) as f64
    };
    let (small, mid, large) = (mean(SizeClass::Small), mean(SizeClass::Mid), mean(SizeClass::Large));
    assert!(small < mid && mid < large, "{small:.2} < {mid:.2} < {large:.2}");
}

#[test]
fn demo_group_has_realistic_companies() {
    let (_, g) = demo();
    assert_eq!(g.spec().years, vec![fy(2023), fy(2024), fy(2025)]);
    let cs = g.companies();
    assert_eq!(cs.len(), 40);
    assert_eq!(cs[0].code, "DEMO-001");
    assert_eq!(cs[39].code, "DEMO-040");
    let names: BTreeSet<&str> = cs.iter().map(|c| c.name.as_str()).collect();
    assert_eq!(names.len(), 40, "unique names");
    assert!(cs.iter().all(|c| c.name.contains("株式会社")));
    let year = fy(2025);
    assert!(cs.iter().any(|c| c.size(year).it_staff == 1), "a one-person IT company");
    assert!(cs.iter().any(|c| c.size(year).employees >= 1000), "a large company");
    for c in cs {
        for &y in &g.spec().years {
            let s = c.size(y);
            let (lo, hi) = c.size_class.employee_range();
            assert!((lo..=hi).contains(&s.employees), "{} {s:?}", c.code);
            let (lo, hi) = c.size_class.it_staff_range();
            assert!((lo..=hi).contains(&s.it_staff), "{} {s:?}", c.code);
        }
        let expected = match c.size_class {
            SizeClass::Small => [Level::Lv1, Level::Lv2],
            SizeClass::Mid => [Level::Lv2, Level::Lv1],
            SizeClass::Large => [Level::Lv3, Level::Lv2],
        };
        assert!(
            expected.contains(&c.target_level) || c.size_class == SizeClass::Mid,
            "{} {:?}",
            c.code,
            c.target_level
        );
    }
    let industries: BTreeSet<&str> = cs.iter().map(|c| c.industry.label_ja()).collect();
    assert!(industries.len() >= 5, "{industries:?}");
}

#[test]
fn cp932_csv_decodes_back_losslessly() {
    let (catalog, g) = demo();
    for s in g.sheets() {
        let utf8 = ok(write_csv_utf8_bom(&s.sheet, &catalog));
        assert_eq!(&utf8[..3], &[0xEF, 0xBB, 0xBF]);
        let text = ok(std::str::from_utf8(&utf8[3..]));
        let sjis = ok(write_csv_cp932(&s.sheet, &catalog));
        let (decoded, had_errors) = encoding_rs::SHIFT_JIS.decode_without_bom_handling(&sjis);
        assert!(!had_errors);
        assert_eq!(decoded, text);
    }
}

#[test]
fn csv_has_the_header_and_one_row_per_item() {
    let (catalog, g) = demo();
    let sheet = ok(g.sheet(3, fy(2024)));
    let bytes = ok(write_csv_utf8_bom(&sheet, &catalog));
    let mut reader = csv::ReaderBuilder::new().from_reader(&bytes[3..]);
    let header = ok(reader.headers()).clone();
    assert_eq!(header.iter().collect::<Vec<_>>(), CSV_HEADER);
    let rows: Vec<csv::StringRecord> = reader.records().map(ok).collect();
    assert_eq!(rows.len(), 153);
    for (row, answer) in rows.iter().zip(&sheet.answers) {
        assert_eq!(row.get(0), Some(answer.item.get().to_string().as_str()));
        assert_eq!(row.get(1).map(|l| l.parse::<Level>().ok()), Some(Some(answer.level)));
        assert_eq!(row.get(7).map(Evaluation::parse_cell).and_then(Result::ok), Some(answer.evaluation));
        assert_eq!(row.get(8), Some(answer.evidence.as_str()));
    }
    assert!(bytes.windows(2).any(|w| w == b"\r\n"), "CRLF line ends");
}

fn cell(range: &calamine::Range<Data>, row: u32, col: u32) -> String {
    match range.get_value((row, col)) {
        Some(Data::String(s)) => s.clone(),
        Some(Data::Float(f)) => f.to_string(),
        Some(Data::Int(i)) => i.to_string(),
        Some(other) => other.to_string(),
        None => String::new(),
    }
}

#[test]
fn xlsx_reads_back_with_the_official_like_layout() {
    let (catalog, g) = demo();
    let mut styles = BTreeSet::new();
    for company in [0usize, 3, 5, 11, 20] {
        let year = fy(2024);
        let sheet = ok(g.sheet(company, year));
        let style = g.companies()[company].xlsx_style();
        styles.insert((style.extra_title_row, style.level_as_number, style.era_year));
        let bytes = ok(write_xlsx(&sheet, &catalog, &style));
        assert_eq!(&bytes[..2], b"PK");
        assert_eq!(bytes, ok(g.xlsx(company, year)));

        let mut book: Xlsx<_> = ok(open_workbook_from_rs(Cursor::new(bytes.clone())));
        assert_eq!(book.sheet_names(), vec![COVER_SHEET.to_owned(), ITEM_SHEET.to_owned()]);

        let cover = ok(book.worksheet_range(COVER_SHEET));
        let value_of = |label: &str| {
            (0..20u32).find(|&r| cell(&cover, r, 1) == label).map(|r| cell(&cover, r, 2)).unwrap_or_default()
        };
        assert_eq!(Some(value_of("会社名")), sheet.cover.company_name);
        assert_eq!(Some(value_of("会社コード")), sheet.cover.company_code);
        assert_eq!(value_of("評価年度").parse::<FiscalYear>().ok(), Some(year));
        assert_eq!(value_of("従業員数"), sheet.cover.employees.map(|e| e.to_string()).unwrap_or_default());
        assert_eq!(value_of("情報システム担当者数"), sheet.cover.it_staff.map(|e| e.to_string()).unwrap_or_default());
        assert!(!value_of("回答日").is_empty());

        let items = ok(book.worksheet_range(ITEM_SHEET));
        let top = style.header_row();
        assert_eq!(cell(&items, top, 12), "評価結果");
        assert_eq!(cell(&items, top + 1, 0), "No.");
        assert_eq!(cell(&items, top + 1, 1), "レベル");
        assert_eq!(cell(&items, top + 1, 11), "担当領域", "担当領域 in column L");
        assert_eq!(cell(&items, top + 1, 12), "達成条件評価", "evaluation in column M");
        let evidence_header = cell(&items, top + 1, 13);
        assert!(evidence_header.starts_with("評価の根拠記入欄\n■対策完了(2点)"), "evidence in column N");
        for (i, answer) in sheet.answers.iter().enumerate() {
            let row = style.first_data_row() + i as u32;
            assert_eq!(cell(&items, row, 0), answer.item.get().to_string());
            assert_eq!(cell(&items, row, 1).parse::<Level>().ok(), Some(answer.level));
            assert_eq!(Evaluation::parse_cell(&cell(&items, row, 12)).ok(), Some(answer.evaluation));
            if answer.evaluation == Evaluation::Unanswered {
                assert_eq!(cell(&items, row, 12), PLACEHOLDER);
            }
            assert_eq!(cell(&items, row, 13), answer.evidence);
            assert_eq!(Some(cell(&items, row, 11)), answer.responsible_area);
        }
        let merged = ok(book.merge_cells_by_sheet_name(ITEM_SHEET));
        assert!(merged.iter().any(|d| d.start == (top, 12) && d.end == (top, 13)), "評価結果 spans M:N");

        // The pulldown: a list validation on column M with the four values.
        let mut zip = ok(zip::ZipArchive::new(Cursor::new(bytes)));
        let mut xml = String::new();
        ok(ok(zip.by_name("xl/worksheets/sheet2.xml")).read_to_string(&mut xml));
        assert!(xml.contains("<dataValidation type=\"list\""), "list validation");
        let first = style.first_data_row() + 1;
        assert!(xml.contains(&format!("sqref=\"M{first}:M{}\"", first + 152)), "on M");
        for choice in EVALUATION_CHOICES {
            assert!(xml.contains(choice), "{choice}");
        }
    }
    assert!(styles.len() >= 2, "layouts vary between companies");
}

#[test]
fn a_thousand_sheets_build_quickly_and_stay_encodable() {
    let catalog = catalog();
    let group = generate(GroupSpec::consecutive(99, 334, fy(2022), 3).with_code_prefix("BENCH-"), &catalog);
    assert_eq!(group.sheets.len(), 1002);
    assert_eq!(group.companies[0].code, "BENCH-001");
    let names: BTreeSet<&str> = group.companies.iter().map(|c| c.name.as_str()).collect();
    assert_eq!(names.len(), 334);
    for s in group.sheets.iter().step_by(50) {
        ok(write_csv_cp932(&s.sheet, &catalog));
    }
}

#[test]
fn the_demo_group_over_rates_a_third_of_its_companies_deterministically() {
    use hyoka_generator::{DemoGroup, DemoKind};
    let catalog = hyoka_model::catalog::Catalog::builtin().unwrap_or_else(|e| panic!("{e}"));
    let spec = hyoka_generator::demo_group();
    let group = DemoGroup::new(&spec, &catalog);
    let again = DemoGroup::new(&spec, &catalog);
    let kinds: Vec<Option<DemoKind>> = (0..40).map(|i| group.kind(i)).collect();
    // 2 uniform, 3 copying, 3 jumping, 2 cohort and 4 item by item.
    assert_eq!(kinds.iter().flatten().count(), 14, "{kinds:?}");
    assert_eq!(kinds[0], Some(DemoKind::Items), "the demo subsidiary's own company over-rates");
    assert!(kinds.iter().flatten().filter(|k| **k == DemoKind::Items).count() == 4, "{kinds:?}");
    let last = group.last_year().unwrap_or_else(|| panic!("years"));
    for i in 0..40 {
        for &y in group.years() {
            let sheet = group.sheet(i, y).unwrap_or_else(|| panic!("{i} {y}"));
            assert_eq!(Some(sheet.clone()), again.sheet(i, y));
            assert_eq!(sheet.cover.company_code.as_deref(), Some(group.companies()[i].code.as_str()));
        }
    }
    // The corrected sheet of the first company scores less than it claimed.
    let points = |s: &hyoka_model::sheet::Sheet| {
        s.answers.iter().filter_map(|a| a.evaluation.points()).map(u32::from).sum::<u32>()
    };
    let claimed = group.sheet(0, last).unwrap_or_else(|| panic!("sheet"));
    let corrected = group.corrected_sheet(0, last).unwrap_or_else(|| panic!("sheet"));
    assert!(points(&corrected) < points(&claimed), "{} vs {}", points(&corrected), points(&claimed));
}
