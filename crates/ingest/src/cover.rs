//! Company facts from label–value pairs: a cell holding a label such as
//! 「会社名」 and the value in the first filled cell to its right, or both in
//! one cell (「会社名：東海精密工業株式会社」).

use std::collections::BTreeMap;

use chrono::{Datelike, NaiveDate};
use hyoka_model::domain::FiscalYear;
use hyoka_model::sheet::CoverFacts;
use hyoka_model::text::{normalize, normalize_compact, parse_year};

use crate::grid::{Grid, cell_name};
use crate::problem::{Fact, Problem, ProblemKind};

/// Rows and columns searched for labels on each sheet.
const SEARCH_ROWS: u32 = 60;
const SEARCH_COLS: u32 = 40;
/// How far right of a label its value may sit.
const VALUE_REACH: u32 = 8;

/// Label synonyms as compared (NFKC, no whitespace, ASCII lower case):
/// the Japanese sheet's and the English edition's. The official English
/// wording is not verified here; see `docs/ingest.md`.
pub const LABELS: &[(Fact, &[&str])] = &[
    (
        Fact::CompanyName,
        &["会社名", "企業名", "貴社名", "法人名", "会社名称", "事業者名", "companyname", "company", "nameofcompany"],
    ),
    (Fact::CompanyCode, &["会社コード", "企業コード", "取引先コード", "会社番号", "companycode", "suppliercode"]),
    (
        Fact::FiscalYear,
        &[
            "評価年度",
            "対象年度",
            "実施年度",
            "回答年度",
            "年度",
            "fiscalyear",
            "evaluationyear",
            "targetfiscalyear",
            "fy",
        ],
    ),
    (Fact::Employees, &["従業員数", "従業員", "社員数", "numberofemployees", "employees", "no.ofemployees"]),
    (
        Fact::ItStaff,
        &[
            "情報システム担当者数",
            "it担当者数",
            "情報システム担当者",
            "情報システム部門人数",
            "システム担当者数",
            "itstaff",
            "numberofitstaff",
            "no.ofitstaff",
            "itpersonnel",
        ],
    ),
    (
        Fact::Respondent,
        &["回答者", "回答部署", "記入者", "回答者名", "回答担当者", "respondent", "respondentname", "answeredby"],
    ),
    (
        Fact::AnsweredOn,
        &[
            "回答日",
            "記入日",
            "回答年月日",
            "提出日",
            "date",
            "answerdate",
            "dateofanswer",
            "responsedate",
            "dateofresponse",
        ],
    ),
];

/// Which fact a label names: the whole label, or the part before a bracket
/// (「従業員数（名）」), must be a synonym.
fn label_fact(key: &str) -> Option<Fact> {
    let key = key.trim_end_matches([':', '：']);
    let base = key.split(['(', '【', '[']).next().unwrap_or(key);
    let base = base.trim_start_matches(['■', '●', '・', '*', '※']);
    LABELS.iter().find(|(_, syns)| syns.contains(&base)).map(|(f, _)| *f)
}

/// Cover facts with the cell each came from (`表紙!C5`).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Cover {
    /// The facts.
    pub facts: CoverFacts,
    /// Where each fact was read.
    pub sources: BTreeMap<Fact, String>,
}

/// Reads the cover facts of `grids`, first found wins. `stop_rows` limits the
/// search on a sheet (the item sheet is searched only above its header).
pub fn read(file: &str, grids: &[(&Grid, u32)], warnings: &mut Vec<Problem>) -> Cover {
    let mut cover = Cover::default();
    for (grid, stop_row) in grids {
        for row in grid.rows.iter().take_while(|r| r.index < (*stop_row).min(SEARCH_ROWS + 1)) {
            for (i, cell) in row.cells.iter().enumerate() {
                if cell.col >= SEARCH_COLS || cell.numeric {
                    continue;
                }
                let key = normalize_compact(&cell.text).to_ascii_lowercase();
                if key.chars().count() > 24 {
                    continue;
                }
                // 「会社名：東海精密」 in one cell.
                let (fact, inline) = match label_fact(&key) {
                    Some(f) => (f, None),
                    None => match key.split_once([':', '：']) {
                        Some((l, v)) if !v.is_empty() => match label_fact(l) {
                            Some(f) => (f, Some(v.to_owned())),
                            None => continue,
                        },
                        _ => continue,
                    },
                };
                if cover.sources.contains_key(&fact) {
                    continue;
                }
                let (value, numeric, col) = match inline {
                    Some(v) => {
                        let raw = cell.text.split_once([':', '：']).map_or(v.as_str(), |(_, r)| r);
                        (raw.trim().to_owned(), false, cell.col)
                    }
                    None => {
                        let Some(v) = row.cells[i + 1..]
                            .iter()
                            .take_while(|c| c.col <= cell.col + VALUE_REACH)
                            .find(|c| c.text.trim() != cell.text.trim() && !c.text.trim().is_empty())
                        else {
                            continue;
                        };
                        // A neighbouring label is no value.
                        if !v.numeric && label_fact(&normalize_compact(&v.text).to_ascii_lowercase()).is_some() {
                            continue;
                        }
                        (v.text.trim().to_owned(), v.numeric, v.col)
                    }
                };
                let place = match &grid.sheet {
                    Some(s) => format!("{s}!{}", cell_name(row.index, col)),
                    None => cell_name(row.index, col),
                };
                let ok = set(&mut cover.facts, fact, &value, numeric, grid.date1904);
                if ok {
                    cover.sources.insert(fact, place);
                } else {
                    warnings.push(
                        Problem::warning(ProblemKind::InvalidFact { fact }, file)
                            .in_sheet(grid.sheet.as_deref())
                            .at(cell_name(row.index, col))
                            .found(value),
                    );
                    // Mark it seen so a later label does not override silently.
                    cover.sources.insert(fact, place);
                }
            }
        }
    }
    cover
}

fn set(facts: &mut CoverFacts, fact: Fact, value: &str, numeric: bool, date1904: bool) -> bool {
    match fact {
        // The name as written (matching uses its name key); codes NFKC-folded.
        Fact::CompanyName => facts.company_name = Some(value.trim().to_owned()).filter(|s| !s.is_empty()),
        Fact::CompanyCode => facts.company_code = Some(normalize(value)).filter(|s| !s.is_empty()),
        Fact::Respondent => facts.respondent = Some(value.trim().to_owned()),
        Fact::FiscalYear => match fiscal_year(value) {
            Some(y) => facts.fiscal_year = Some(y),
            None => return false,
        },
        Fact::Employees => match count(value) {
            Some(n) => facts.employees = Some(n),
            None => return false,
        },
        Fact::ItStaff => match count(value) {
            Some(n) => facts.it_staff = Some(n),
            None => return false,
        },
        Fact::AnsweredOn => match date(value, numeric, date1904) {
            Some(d) => facts.answered_on = Some(d),
            None => return false,
        },
    }
    true
}

/// A fiscal year: `2023`, `令和5年度`, `R5`, or such a year inside other
/// text (`2023年度（令和5年度）`).
pub fn fiscal_year(s: &str) -> Option<FiscalYear> {
    if let Ok(y) = s.parse::<FiscalYear>() {
        return Some(y);
    }
    let n = normalize_compact(s);
    // The first era year or four-digit year in the text.
    for (i, _) in n.char_indices() {
        let rest = &n[i..];
        let letter_era = (i == 0 || !n[..i].ends_with(|c: char| c.is_ascii_alphabetic()))
            .then(|| {
                rest.strip_prefix(['R', 'r'])
                    .map(|a| ("令和", a))
                    .or_else(|| rest.strip_prefix(['H', 'h']).map(|a| ("平成", a)))
            })
            .flatten();
        let kanji_era = ["令和", "平成"].into_iter().find_map(|era| rest.strip_prefix(era).map(|a| (era, a)));
        if let Some((era, after)) = kanji_era.or(letter_era) {
            {
                let digits: String = after.chars().take_while(|c| c.is_ascii_digit() || *c == '元').collect();
                if let Some(y) = parse_year(&format!("{era}{digits}")) {
                    return FiscalYear::new(y).ok();
                }
            }
        }
        let digits: String = rest.chars().take_while(char::is_ascii_digit).collect();
        if digits.len() == 4
            && (i == 0 || !n[..i].ends_with(|c: char| c.is_ascii_digit()))
            && let Ok(y) = digits.parse::<i32>()
        {
            return FiscalYear::new(y).ok();
        }
    }
    None
}

/// A head count: `35`, `35名`, `約1,200人`, `３５`.
pub fn count(s: &str) -> Option<u32> {
    let n = normalize_compact(s).replace(',', "").to_ascii_lowercase();
    let n = ["約", "approx.", "approximately", "about", "ca."].iter().fold(n.as_str(), |n, p| n.trim_start_matches(p));
    let digits: String = n.chars().take_while(char::is_ascii_digit).collect();
    if digits.is_empty() {
        return None;
    }
    let rest = &n[digits.len()..];
    let rest = rest.strip_suffix(".0").unwrap_or(rest);
    if !matches!(rest, "" | "名" | "人" | "人程度" | "名程度" | "people" | "persons" | "person" | "employees" | "staff")
    {
        return None;
    }
    digits.parse().ok()
}

/// A date: an Excel serial number (from a numeric cell), `2023/7/14`,
/// `2023-07-14`, `2023年7月14日`, `令和5年7月14日`, `R5.7.14`.
pub fn date(s: &str, numeric: bool, date1904: bool) -> Option<NaiveDate> {
    let n = normalize_compact(s);
    if numeric {
        let serial: f64 = n.parse().ok()?;
        let base = if date1904 {
            NaiveDate::from_ymd_opt(1904, 1, 1)?
        } else {
            // Excel's 1900 system counts a 29 February 1900 that never was.
            NaiveDate::from_ymd_opt(1899, 12, 30)?
        };
        if !(1.0..2_958_466.0).contains(&serial) {
            return None;
        }
        return base.checked_add_days(chrono::Days::new(serial.trunc() as u64));
    }
    if let Some(d) = english_date(&n.to_ascii_lowercase()) {
        return Some(d);
    }
    let n = n.trim_end_matches('日');
    let parts: Vec<&str> = n.split(['/', '-', '.', '年', '月']).filter(|p| !p.is_empty()).collect();
    let [y, m, d] = parts.as_slice() else {
        // 令和5年7月14日 splits into 令和5 7 14 too; anything else is no date.
        return None;
    };
    let year = parse_year(y)?;
    let date = NaiveDate::from_ymd_opt(year, m.parse().ok()?, d.parse().ok()?)?;
    (2000..=2100).contains(&date.year()).then_some(date)
}

/// `14July2023`, `July14,2023`, `14-Jul-2023` (whitespace already removed,
/// lower case): a month by name, so the order of day and month is never a
/// guess. Numeric `07/14/2023` stays unread (which is the month?).
fn english_date(n: &str) -> Option<NaiveDate> {
    const MONTHS: [&str; 12] = ["jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"];
    let start = n.find(|c: char| c.is_ascii_alphabetic())?;
    let letters: String = n[start..].chars().take_while(char::is_ascii_alphabetic).collect();
    let month = MONTHS.iter().position(|m| letters.starts_with(m))? as u32 + 1;
    let numbers: Vec<u32> =
        n.split(|c: char| !c.is_ascii_digit()).filter(|p| !p.is_empty()).filter_map(|p| p.parse().ok()).collect();
    let (day, year) = match numbers.as_slice() {
        [a, b] if *b >= 1000 => (*a, *b),
        [a, b] if *a >= 1000 => (*b, *a),
        _ => return None,
    };
    let date = NaiveDate::from_ymd_opt(i32::try_from(year).ok()?, month, day)?;
    (2000..=2100).contains(&date.year()).then_some(date)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn years_counts_and_dates_in_the_spellings_people_type() {
        assert_eq!(fiscal_year("令和5年度").map(FiscalYear::get), Some(2023));
        assert_eq!(fiscal_year("2023年度（令和5年度）").map(FiscalYear::get), Some(2023));
        assert_eq!(fiscal_year("対象：R6年度").map(FiscalYear::get), Some(2024));
        assert_eq!(fiscal_year("２０２４"), FiscalYear::new(2024).ok());
        assert_eq!(fiscal_year("未定"), None);
        assert_eq!(count("３５名"), Some(35));
        assert_eq!(count("約1,200人"), Some(1200));
        assert_eq!(count("1"), Some(1));
        assert_eq!(count("多数"), None);
        assert_eq!(count("35-40"), None);
        let d = NaiveDate::from_ymd_opt(2023, 7, 14);
        assert_eq!(date("45121", true, false), d);
        assert_eq!(date("2023/7/14", false, false), d);
        assert_eq!(date("2023-07-14", false, false), d);
        assert_eq!(date("2023年7月14日", false, false), d);
        assert_eq!(date("令和5年7月14日", false, false), d);
        assert_eq!(date("R5.7.14", false, false), d);
        assert_eq!(date("来週", false, false), None);
        assert_eq!(date("14 July 2023", false, false), d);
        assert_eq!(date("July 14, 2023", false, false), d);
        assert_eq!(date("14-Jul-2023", false, false), d);
        assert_eq!(date("07/14/2023", false, false), None, "month first or day first: not guessed");
        assert_eq!(count("35 people"), Some(35));
        assert_eq!(count("approx. 1,200 employees"), Some(1200));
        assert_eq!(fiscal_year("FY2023").map(FiscalYear::get), Some(2023));
        assert_eq!(date("2023/13/1", false, false), None);
    }

    #[test]
    fn labels_with_notes_and_colons_are_recognised() {
        assert_eq!(label_fact("会社名"), Some(Fact::CompanyName));
        assert_eq!(label_fact("従業員数(名)"), Some(Fact::Employees));
        assert_eq!(label_fact("■評価年度:"), Some(Fact::FiscalYear));
        assert_eq!(label_fact("it担当者数"), Some(Fact::ItStaff));
        assert_eq!(label_fact("会社名の書き方"), None);
        assert_eq!(label_fact("companyname"), Some(Fact::CompanyName));
        assert_eq!(label_fact("numberofemployees(persons)"), Some(Fact::Employees));
        assert_eq!(label_fact("itstaff"), Some(Fact::ItStaff));
        assert_eq!(label_fact("fiscalyear:"), Some(Fact::FiscalYear));
    }
}
