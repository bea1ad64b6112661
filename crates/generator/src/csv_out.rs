//! Writes a sheet as CSV, the way Japanese Excel saves the item sheet:
//! CP932 (Shift_JIS, the default) or UTF-8 with a BOM; CRLF line ends.
//!
//! One header row with the item sheet's labels, then one row per item;
//! the evaluation is written as the pulldown shows it (「対策完了(2点)」…,
//! the placeholder when unanswered) and the level as 「Lv1」.

use hyoka_model::catalog::Catalog;
use hyoka_model::sheet::Sheet;

use crate::error::GeneratorError;
use crate::plan::category_of;

/// The CSV header row.
pub const CSV_HEADER: [&str; 9] =
    ["No.", "レベル", "ラベル", "要求事項", "達成条件", "達成基準", "担当領域", "達成条件評価", "評価の根拠記入欄"];

/// The sheet as CSV text.
fn csv_text(sheet: &Sheet, catalog: &Catalog) -> Result<String, GeneratorError> {
    let mut w = csv::WriterBuilder::new().terminator(csv::Terminator::CRLF).from_writer(Vec::new());
    let err = |e: csv::Error| GeneratorError::Csv(e.to_string());
    w.write_record(CSV_HEADER).map_err(err)?;
    for answer in &sheet.answers {
        let index = usize::from(answer.item.get()).saturating_sub(1);
        let subject = catalog.item(answer.item).map(|i| i.subject_ja.as_str()).unwrap_or("");
        let number = answer.item.get().to_string();
        let level = answer.level.to_string();
        w.write_record([
            number.as_str(),
            level.as_str(),
            category_of(catalog, index).unwrap_or(""),
            subject,
            subject,
            "",
            answer.responsible_area.as_deref().unwrap_or(""),
            answer.evaluation.label_ja(),
            answer.evidence.as_str(),
        ])
        .map_err(err)?;
    }
    let bytes = w.into_inner().map_err(|e| GeneratorError::Csv(e.to_string()))?;
    String::from_utf8(bytes).map_err(|e| GeneratorError::Csv(e.to_string()))
}

/// The sheet as CSV in UTF-8 with a byte-order mark.
pub fn write_csv_utf8_bom(sheet: &Sheet, catalog: &Catalog) -> Result<Vec<u8>, GeneratorError> {
    let text = csv_text(sheet, catalog)?;
    let mut out = Vec::with_capacity(text.len() + 3);
    out.extend_from_slice(&[0xEF, 0xBB, 0xBF]);
    out.extend_from_slice(text.as_bytes());
    Ok(out)
}

/// The sheet as CSV in CP932 (encoding_rs's Shift_JIS, which is the
/// WHATWG/Windows-31J mapping). Fails if a text holds a character CP932
/// cannot encode; generated texts never do.
pub fn write_csv_cp932(sheet: &Sheet, catalog: &Catalog) -> Result<Vec<u8>, GeneratorError> {
    let text = csv_text(sheet, catalog)?;
    encode_cp932(&text)
}

/// Encodes `text` in CP932, refusing characters it cannot hold (instead of
/// writing HTML escapes as encoding_rs would).
pub fn encode_cp932(text: &str) -> Result<Vec<u8>, GeneratorError> {
    let (bytes, _, had_errors) = encoding_rs::SHIFT_JIS.encode(text);
    if had_errors {
        let mut buf = [0u8; 4];
        let character = text
            .chars()
            .find(|c| encoding_rs::SHIFT_JIS.encode(c.encode_utf8(&mut buf)).2)
            .unwrap_or(char::REPLACEMENT_CHARACTER);
        let line = text.lines().find(|l| l.contains(character)).unwrap_or(text);
        return Err(GeneratorError::NotCp932 { character, text: line.to_owned() });
    }
    Ok(bytes.into_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cp932_refuses_what_it_cannot_hold() {
        assert!(encode_cp932("対策完了（２点）①～").is_ok());
        let err = encode_cp932("ok\n😀 no").err().map(|e| e.to_string()).unwrap_or_default();
        assert!(err.contains("😀"), "{err}");
    }
}
