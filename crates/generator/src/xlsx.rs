//! Writes a sheet as an official-like `.xlsx` workbook.
//!
//! Layout, as the importer expects to meet it in the wild:
//! - sheet 「表紙」: label–value pairs (会社名, 会社コード, 評価年度, 従業員数,
//!   情報システム担当者数, 回答者, 回答日) with the label in column B and the
//!   value in column C;
//! - sheet 「チェックシート」: two or three title/instruction rows, a blank
//!   row, then a two-row header — group headers (「チェック項目」, 「参考情報」,
//!   「評価結果」 merged over 達成条件評価 and 評価の根拠記入欄) above the
//!   column labels — and one row per item. As in the official sheet,
//!   担当領域 is column L, 達成条件評価 column M and 評価の根拠記入欄 column N;
//!   the evaluation column carries a data-validation list of the four
//!   answers, and unanswered cells hold 「▽プルダウンで評価ください」.
//!
//! No official wording is written: 要求事項 and 達成条件 hold the catalog's
//! own short subject. The workbook's creation date is fixed (the answer date),
//! so the same sheet always gives the same bytes.

use chrono::Datelike;
use hyoka_model::catalog::Catalog;
use hyoka_model::domain::Level;
use hyoka_model::sheet::Sheet;
use rust_xlsxwriter::{
    Color, DataValidation, DocProperties, ExcelDateTime, Format, FormatAlign, FormatBorder, Workbook, Worksheet,
};
use serde::Serialize;

use crate::error::GeneratorError;
use crate::plan::category_of;

/// Name of the cover sheet.
pub const COVER_SHEET: &str = "表紙";
/// Name of the item sheet.
pub const ITEM_SHEET: &str = "チェックシート";
/// The four pulldown values of the evaluation column.
pub const EVALUATION_CHOICES: [&str; 4] = ["対策完了(2点)", "対策中(1点)", "未実施(0点)", "該当なし"];
/// The evidence column's header: the label, then the guideline's guidance.
pub const EVIDENCE_HEADER: &str = "評価の根拠記入欄\n■対策完了(2点)：規程名、導入システム/策定・改定・導入年\n■対策中(1点)：現状と完了予定時期\n■未実施(0点)：今後の改善計画\n■該当なし：該当しないと判断した理由";

/// Column labels of the item sheet's second header row, columns A–N.
pub const ITEM_COLUMNS: [&str; 14] = [
    "No.",
    "レベル",
    "ラベル",
    "目的",
    "要求事項",
    "達成条件",
    "達成基準",
    "他社事例",
    "関連項目",
    "参考情報",
    "備考",
    "担当領域",
    "達成条件評価",
    EVIDENCE_HEADER,
];

/// Zero-based columns of the item sheet.
mod col {
    pub const NO: u16 = 0;
    pub const LEVEL: u16 = 1;
    pub const LABEL: u16 = 2;
    pub const REQUIREMENT: u16 = 4;
    pub const CONDITION: u16 = 5;
    pub const NOTE: u16 = 10;
    pub const AREA: u16 = 11; // L
    pub const EVALUATION: u16 = 12; // M
    pub const EVIDENCE: u16 = 13; // N
}

/// Layout choices that vary between companies' workbooks.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct XlsxStyle {
    /// 評価年度 written 「令和6年度」 rather than 「2024年度」.
    pub era_year: bool,
    /// レベル written as the number 1/2/3 rather than the text 「Lv1」.
    pub level_as_number: bool,
    /// 回答日 written as text 「2024年10月15日」 rather than a date cell.
    pub answered_on_as_text: bool,
    /// Three title rows (an extra company/year line) instead of two.
    pub extra_title_row: bool,
}

impl XlsxStyle {
    /// First (zero-based) row of the two-row header on the item sheet.
    pub fn header_row(&self) -> u32 {
        if self.extra_title_row { 4 } else { 3 }
    }

    /// First (zero-based) data row of the item sheet.
    pub fn first_data_row(&self) -> u32 {
        self.header_row() + 2
    }
}

/// 2024 → 「2024年度」 or 「令和6年度」.
pub fn fiscal_year_label(year: i32, era: bool) -> String {
    if era && year >= 2019 {
        match year - 2018 {
            1 => "令和元年度".to_owned(),
            n => format!("令和{n}年度"),
        }
    } else {
        format!("{year}年度")
    }
}

struct Formats {
    title: Format,
    text: Format,
    label: Format,
    group_header: Format,
    header: Format,
    cell: Format,
    center: Format,
    date: Format,
}

impl Formats {
    fn new() -> Formats {
        let border = |f: Format| f.set_border(FormatBorder::Thin);
        Formats {
            title: Format::new().set_bold().set_font_size(14),
            text: Format::new(),
            label: border(Format::new().set_bold().set_background_color(Color::RGB(0xDD_EB_F7))),
            group_header: border(
                Format::new().set_bold().set_align(FormatAlign::Center).set_background_color(Color::RGB(0xBD_D7_EE)),
            ),
            header: border(
                Format::new()
                    .set_bold()
                    .set_text_wrap()
                    .set_align(FormatAlign::Top)
                    .set_background_color(Color::RGB(0xDD_EB_F7)),
            ),
            cell: border(Format::new().set_text_wrap().set_align(FormatAlign::Top)),
            center: border(Format::new().set_align(FormatAlign::Center).set_align(FormatAlign::Top)),
            date: border(Format::new().set_num_format("yyyy/m/d")),
        }
    }
}

/// The sheet as an `.xlsx` workbook (cover sheet and item sheet).
pub fn write_xlsx(sheet: &Sheet, catalog: &Catalog, style: &XlsxStyle) -> Result<Vec<u8>, GeneratorError> {
    let mut workbook = Workbook::new();
    let created = match sheet.cover.answered_on {
        Some(d) => ExcelDateTime::from_ymd(
            u16::try_from(d.year()).unwrap_or(2000),
            u8::try_from(d.month()).unwrap_or(1),
            u8::try_from(d.day()).unwrap_or(1),
        )?,
        None => ExcelDateTime::from_ymd(2000, 1, 1)?,
    };
    workbook.set_properties(&DocProperties::new().set_creation_datetime(&created));
    let formats = Formats::new();
    write_cover(workbook.add_worksheet(), sheet, catalog, style, &formats)?;
    write_items(workbook.add_worksheet(), sheet, catalog, style, &formats)?;
    Ok(workbook.save_to_buffer()?)
}

fn write_cover(
    ws: &mut Worksheet,
    sheet: &Sheet,
    catalog: &Catalog,
    style: &XlsxStyle,
    f: &Formats,
) -> Result<(), GeneratorError> {
    ws.set_name(COVER_SHEET)?;
    ws.set_column_width(0, 3)?;
    ws.set_column_width(1, 24)?;
    ws.set_column_width(2, 40)?;
    ws.write_string_with_format(0, 1, format!("{} 自己評価チェックシート", catalog.framework.name), &f.title)?;
    ws.write_string(1, 1, format!("Ver.{}　基本情報", catalog.framework.version))?;
    let cover = &sheet.cover;
    let text = |v: &Option<String>| v.clone().unwrap_or_default();
    let year = cover.fiscal_year.map(|y| fiscal_year_label(y.get(), style.era_year)).unwrap_or_default();
    let rows: [(&str, Value); 7] = [
        ("会社名", Value::Text(text(&cover.company_name))),
        ("会社コード", Value::Text(text(&cover.company_code))),
        ("評価年度", Value::Text(year)),
        ("従業員数", cover.employees.map_or(Value::Blank, Value::Number)),
        ("情報システム担当者数", cover.it_staff.map_or(Value::Blank, Value::Number)),
        ("回答者", Value::Text(text(&cover.respondent))),
        ("回答日", Value::Blank),
    ];
    for (i, (label, value)) in rows.into_iter().enumerate() {
        let row = 3 + i as u32;
        ws.write_string_with_format(row, 1, label, &f.label)?;
        match value {
            Value::Text(s) => ws.write_string_with_format(row, 2, s, &f.cell)?,
            Value::Number(n) => ws.write_number_with_format(row, 2, f64::from(n), &f.cell)?,
            Value::Blank => ws.write_blank(row, 2, &f.cell)?,
        };
    }
    if let Some(d) = cover.answered_on {
        let row = 3 + 6;
        if style.answered_on_as_text {
            ws.write_string_with_format(row, 2, format!("{}年{}月{}日", d.year(), d.month(), d.day()), &f.cell)?;
        } else {
            let date = ExcelDateTime::from_ymd(
                u16::try_from(d.year()).unwrap_or(2000),
                u8::try_from(d.month()).unwrap_or(1),
                u8::try_from(d.day()).unwrap_or(1),
            )?;
            ws.write_datetime_with_format(row, 2, &date, &f.date)?;
        }
    }
    ws.write_string_with_format(11, 1, "※チェックシートの各項目を評価し、根拠を記入してください。", &f.text)?;
    Ok(())
}

enum Value {
    Text(String),
    Number(u32),
    Blank,
}

fn write_items(
    ws: &mut Worksheet,
    sheet: &Sheet,
    catalog: &Catalog,
    style: &XlsxStyle,
    f: &Formats,
) -> Result<(), GeneratorError> {
    ws.set_name(ITEM_SHEET)?;
    let widths: [f64; 14] = [6.0, 7.0, 12.0, 10.0, 34.0, 34.0, 14.0, 10.0, 8.0, 8.0, 8.0, 12.0, 16.0, 60.0];
    for (c, w) in widths.into_iter().enumerate() {
        ws.set_column_width(c as u16, w)?;
    }
    ws.write_string_with_format(0, 0, format!("{}　チェックシート", catalog.framework.name), &f.title)?;
    ws.write_string(
        1,
        0,
        "各項目の達成条件を確認し、「達成条件評価」欄をプルダウンで選択のうえ、「評価の根拠記入欄」に根拠を記入してください。",
    )?;
    if style.extra_title_row {
        let company = sheet.cover.company_name.clone().unwrap_or_default();
        let year = sheet.cover.fiscal_year.map(|y| fiscal_year_label(y.get(), style.era_year)).unwrap_or_default();
        ws.write_string(2, 0, format!("会社名：{company}　評価年度：{year}"))?;
    }

    let top = style.header_row();
    ws.merge_range(top, col::NO, top, col::NOTE, "チェック項目", &f.group_header)?;
    ws.write_string_with_format(top, col::AREA, "参考情報", &f.group_header)?;
    ws.merge_range(top, col::EVALUATION, top, col::EVIDENCE, "評価結果", &f.group_header)?;
    for (c, label) in ITEM_COLUMNS.iter().enumerate() {
        ws.write_string_with_format(top + 1, c as u16, *label, &f.header)?;
    }
    ws.set_row_height(top + 1, 96)?;

    let first = style.first_data_row();
    for (i, answer) in sheet.answers.iter().enumerate() {
        let row = first + i as u32;
        let index = usize::from(answer.item.get()).saturating_sub(1);
        let item = catalog.item(answer.item);
        ws.write_number_with_format(row, col::NO, f64::from(answer.item.get()), &f.center)?;
        write_level(ws, row, answer.level, style, f)?;
        ws.write_string_with_format(row, col::LABEL, category_of(catalog, index).unwrap_or(""), &f.cell)?;
        let subject = item.map(|i| i.subject_ja.as_str()).unwrap_or("");
        for c in 3..col::AREA {
            let text = if c == col::REQUIREMENT || c == col::CONDITION { subject } else { "" };
            ws.write_string_with_format(row, c, text, &f.cell)?;
        }
        ws.write_string_with_format(row, col::AREA, answer.responsible_area.as_deref().unwrap_or(""), &f.cell)?;
        ws.write_string_with_format(row, col::EVALUATION, answer.evaluation.label_ja(), &f.cell)?;
        ws.write_string_with_format(row, col::EVIDENCE, &answer.evidence, &f.cell)?;
    }
    if !sheet.answers.is_empty() {
        let last = first + sheet.answers.len() as u32 - 1;
        let validation = DataValidation::new()
            .allow_list_strings(&EVALUATION_CHOICES)?
            .set_input_title("達成条件評価")?
            .set_input_message("プルダウンから評価を選択してください")?;
        ws.add_data_validation(first, col::EVALUATION, last, col::EVALUATION, &validation)?;
    }
    ws.set_freeze_panes(first, col::REQUIREMENT)?;
    Ok(())
}

fn write_level(
    ws: &mut Worksheet,
    row: u32,
    level: Level,
    style: &XlsxStyle,
    f: &Formats,
) -> Result<(), GeneratorError> {
    if style.level_as_number {
        ws.write_number_with_format(row, col::LEVEL, f64::from(level.number()), &f.center)?;
    } else {
        ws.write_string_with_format(row, col::LEVEL, level.to_string(), &f.center)?;
    }
    Ok(())
}
