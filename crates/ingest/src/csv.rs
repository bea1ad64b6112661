//! CSV and tab-separated text: the encoding is detected (a BOM → UTF-8 or
//! UTF-16; valid UTF-8 → UTF-8; otherwise CP932, as Japanese Excel saves
//! CSV), the separator too (`,` or tab), and the rows become a [`Grid`]
//! whose cell names are those Excel shows when it opens the file.

use std::borrow::Cow;
use std::sync::Arc;

use serde::Serialize;

use crate::grid::{Grid, GridBuilder};
use crate::limits::Limits;
use crate::problem::{Problem, ProblemKind};

/// The text encoding a CSV file was read in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum TextEncoding {
    /// UTF-8 without a BOM.
    Utf8,
    /// UTF-8 with a BOM (Excel's 「CSV UTF-8」).
    Utf8Bom,
    /// UTF-16 with a BOM (Excel's 「Unicode テキスト」).
    Utf16,
    /// CP932 / Windows-31J (Excel's default 「CSV (コンマ区切り)」 in Japan).
    Cp932,
}

/// The refusal of a text that is neither UTF-8 nor CP932, naming the first
/// byte CP932 cannot read: its offset, row and column (issue 17).
fn where_cp932_breaks(file: &str, bytes: &[u8]) -> Problem {
    let mut decoder = encoding_rs::SHIFT_JIS.new_decoder_without_bom_handling();
    let mut good = String::with_capacity(
        decoder.max_utf8_buffer_length_without_replacement(bytes.len()).unwrap_or(bytes.len().saturating_mul(3)),
    );
    let (result, read) = decoder.decode_to_string_without_replacement(bytes, &mut good, true);
    let offset = match result {
        encoding_rs::DecoderResult::Malformed(bad, after) => read.saturating_sub(usize::from(bad) + usize::from(after)),
        _ => read,
    };
    let row = u32::try_from(good.matches('\n').count() + 1).unwrap_or(u32::MAX);
    let line = good.rsplit('\n').next().unwrap_or_default();
    let (mut quoted, mut col) = (false, 0u32);
    for c in line.chars() {
        match c {
            '"' => quoted = !quoted,
            ',' | '\t' if !quoted => col = col.saturating_add(1),
            _ => {}
        }
    }
    let cell = crate::grid::cell_name(row, col);
    let byte = bytes.get(offset).copied().unwrap_or(0);
    let detail = format!(
        "neither UTF-8 nor CP932 (Shift_JIS) text: byte 0x{byte:02X} at offset {offset}, row {row}, cell {cell} / \
         UTF-8 でも CP932 でもありません: {row} 行目のセル {cell}、{offset} バイト目 (0x{byte:02X})"
    );
    Problem::error(ProblemKind::NotReadable { detail }, file).at(cell)
}

/// Decodes the bytes of a text file.
pub fn decode<'a>(file: &str, bytes: &'a [u8]) -> Result<(Cow<'a, str>, TextEncoding), Problem> {
    let unreadable = |detail: &str| Problem::error(ProblemKind::NotReadable { detail: detail.to_owned() }, file);
    let (text, enc) = if let Some(rest) = bytes.strip_prefix(b"\xEF\xBB\xBF") {
        let s = std::str::from_utf8(rest).map_err(|_| unreadable("UTF-8 BOM but invalid UTF-8"))?;
        (Cow::Borrowed(s), TextEncoding::Utf8Bom)
    } else if bytes.starts_with(b"\xFF\xFE") || bytes.starts_with(b"\xFE\xFF") {
        let enc = if bytes[1] == 0xFE { encoding_rs::UTF_16LE } else { encoding_rs::UTF_16BE };
        let (s, had_errors) = enc.decode_with_bom_removal(bytes);
        if had_errors {
            return Err(unreadable("invalid UTF-16"));
        }
        (Cow::Owned(s.into_owned()), TextEncoding::Utf16)
    } else if let Ok(s) = std::str::from_utf8(bytes) {
        (Cow::Borrowed(s), TextEncoding::Utf8)
    } else {
        // encoding_rs's Shift_JIS is the WHATWG one: CP932 with the NEC and
        // IBM extensions (①, ㈱, ⅲ …) and Windows' own mappings (0x8160 〜 reads
        // as U+FF5E, 0x817C － as U+FF0D), exactly as Windows decodes CP932.
        let s = match encoding_rs::SHIFT_JIS.decode_without_bom_handling_and_without_replacement(bytes) {
            Some(s) => s,
            None => return Err(where_cp932_breaks(file, bytes)),
        };
        (s, TextEncoding::Cp932)
    };
    if text.contains('\0') {
        return Err(unreadable("binary data, not text"));
    }
    Ok((text, enc))
}

/// `,` or tab: whichever occurs more often in the first lines.
pub fn sniff_delimiter(text: &str) -> u8 {
    let head: String = text.lines().take(30).collect::<Vec<_>>().join("\n");
    let tabs = head.matches('\t').count();
    let commas = head.matches(',').count();
    if tabs > commas { b'\t' } else { b',' }
}

/// The most fields a CSV row may have: twice the columns a grid keeps.
pub const MAX_FIELDS: u32 = 2 * crate::grid::MAX_COLUMNS;

/// Refuses, in one pass over the bytes and before any record is built, a
/// row with more than [`MAX_FIELDS`] fields (a file of nothing but commas
/// would otherwise make one record of millions of fields). Quotes are
/// followed as the CSV reader does: a delimiter or line break inside them
/// counts for nothing.
fn check_shape(text: &str, delimiter: u8, file: &str) -> Result<(), Problem> {
    let (mut quoted, mut fields, mut row) = (false, 1u32, 1u32);
    for &b in text.as_bytes() {
        match b {
            b'"' => quoted = !quoted,
            _ if quoted => {}
            b'\n' => {
                row = row.saturating_add(1);
                fields = 1;
            }
            _ if b == delimiter => {
                fields += 1;
                if fields > MAX_FIELDS {
                    let detail = format!(
                        "CSV row {row} has more than {MAX_FIELDS} fields / CSV の {row} 行目の列が {MAX_FIELDS} を超えています"
                    );
                    return Err(Problem::error(ProblemKind::NotReadable { detail }, file).at(format!("A{row}")));
                }
            }
            _ => {}
        }
    }
    Ok(())
}

/// Reads a CSV or tab-separated file into one grid.
pub fn read(file: &str, bytes: &[u8], limits: &Limits) -> Result<(Grid, TextEncoding, u8), Problem> {
    let (text, enc) = decode(file, bytes)?;
    let delimiter = sniff_delimiter(&text);
    check_shape(&text, delimiter, file)?;
    let mut reader =
        ::csv::ReaderBuilder::new().has_headers(false).flexible(true).delimiter(delimiter).from_reader(text.as_bytes());
    let mut builder = GridBuilder::new(file, None, limits);
    let mut record = ::csv::StringRecord::new();
    let mut row: u32 = 0;
    loop {
        match reader.read_record(&mut record) {
            Ok(true) => {}
            Ok(false) => break,
            Err(e) => {
                return Err(Problem::error(ProblemKind::NotReadable { detail: format!("CSV: {e}") }, file));
            }
        }
        row = row.saturating_add(1);
        if row > limits.max_rows {
            if record.iter().all(str::is_empty) {
                continue;
            }
            return Err(Problem::error(ProblemKind::TooManyRows { limit: limits.max_rows }, file).at(format!("A{row}")));
        }
        for (col, field) in record.iter().enumerate() {
            let col = u32::try_from(col).unwrap_or(u32::MAX);
            builder.push(row, col, Arc::from(field), false)?;
        }
    }
    Ok((builder.finish(&[], false)?, enc, delimiter))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn encodings_are_detected() {
        let sjis = b"\x87\x40\x87\x8a\x81\x60\x81\x7c"; // ①㈱〜－ in CP932
        let (text, enc) = decode("f", sjis).unwrap_or((Cow::Borrowed(""), TextEncoding::Utf8));
        // 0x8160 is the wave dash Windows shows, U+FF5E (～), as Python's cp932 decodes it.
        assert_eq!((text.as_ref(), enc), ("①㈱\u{ff5e}\u{ff0d}", TextEncoding::Cp932));
        let (text, enc) = decode("f", "\u{feff}No.,評価".as_bytes()).unwrap_or((Cow::Borrowed(""), TextEncoding::Utf8));
        assert_eq!((text.as_ref(), enc), ("No.,評価", TextEncoding::Utf8Bom));
        let utf16: Vec<u8> =
            [0xFF, 0xFE].into_iter().chain("No.\t評価".encode_utf16().flat_map(u16::to_le_bytes)).collect();
        let (text, enc) = decode("f", &utf16).unwrap_or((Cow::Borrowed(""), TextEncoding::Utf8));
        assert_eq!((text.as_ref(), enc), ("No.\t評価", TextEncoding::Utf16));
        assert!(decode("f", b"\x80\x80\xff").is_err());
        assert!(decode("f", b"a,\0,b").is_err());
    }

    /// Issue 17: a broken CP932 byte was refused without saying where.
    #[test]
    fn a_broken_cp932_byte_is_named_by_row_cell_and_offset() {
        // 「評価」 in CP932, then a lead byte 0x81 followed by an invalid 0x20.
        let mut bytes = b"No.,\x95\x5D\x89\xBF\r\n1,2\r\n2,\"a,b\",".to_vec();
        let offset = bytes.len();
        bytes.extend_from_slice(b"\x81\x20x\r\n");
        let err = super::decode("bad.csv", &bytes).err().map(|p| format!("{p:?}")).unwrap_or_default();
        assert!(err.contains(&format!("offset {offset}")) && err.contains("row 3") && err.contains("C3"), "{err}");
        assert!(err.contains("3 行目") && err.contains("0x81"), "{err}");
    }

    /// Issue 17: 19 MB of commas took ~1 GB per upload; refused on shape now.
    #[test]
    fn a_row_of_too_many_fields_is_refused_before_it_is_built() {
        let limits = crate::Limits::default();
        let commas = ",".repeat(5_000_000);
        let err = super::read("c.csv", commas.as_bytes(), &limits).err().map(|p| format!("{p:?}")).unwrap_or_default();
        assert!(err.contains("more than 1024 fields") && err.contains("A1"), "{err}");
        let fine = format!("No.,評価\n1,\"{}\"\n", ",".repeat(5000));
        assert!(super::read("c.csv", fine.as_bytes(), &limits).is_ok());
    }

    #[test]
    fn the_delimiter_is_sniffed() {
        assert_eq!(sniff_delimiter("No.\t評価\t根拠\n1\t2\t規程, 2023年"), b'\t');
        assert_eq!(sniff_delimiter("No.,評価,根拠\n1,2,\"a\tb\""), b',');
    }
}
