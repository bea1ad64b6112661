//! Files for Excel: CSV (UTF-8 with a BOM, CRLF line ends, a header row) read
//! from the database in bounded batches and streamed, with every cell
//! neutralised against formula injection; and the feedback workbook
//! ([`feedback`]).
//!
//! # Formula injection
//! A spreadsheet treats a cell that begins with `=`, `+`, `-` or `@` as a
//! formula (`=HYPERLINK(…)` makes a link that leaks data, `=cmd|…` once ran
//! programs), and a leading tab or carriage return can hide such a start.
//! Japanese Excel also reads the full-width forms `＝ ＋ － ＠` typed through
//! an IME, and skips leading ASCII and ideographic (U+3000) spaces. Following
//! OWASP's advice, [`neutralize`] prefixes every such cell with a single quote
//! `'`, which Excel shows as text and a person can still read.

pub mod feedback;

pub use crate::handlers::exports::{audit_csv, flags_csv};
pub use crate::handlers::scs::readiness_csv as scs_readiness_csv;

use std::borrow::Cow;

use actix_web::http::header;
use actix_web::{HttpResponse, web};
use futures_util::StreamExt;
use hyoka_model::db::DbConn;

use crate::AppState;
use crate::error::ApiError;
use crate::handlers::db;
use crate::pagination::PageRequest;

/// `Content-Type` of every CSV answer.
pub const CSV_CONTENT_TYPE: &str = "text/csv; charset=utf-8";
/// `Content-Type` of an xlsx workbook.
pub const XLSX_CONTENT_TYPE: &str = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet";
/// The UTF-8 byte order mark: without it Japanese Excel reads a CSV as CP932.
pub const BOM: &[u8] = b"\xEF\xBB\xBF";
/// Rows read from the database at a time for a whole-table CSV.
pub const BATCH_ROWS: i64 = 2_000;

/// Characters that make a spreadsheet cell a formula (or hide one), in their
/// ASCII and full-width forms.
const TRIGGERS: &[char] = &['=', '+', '-', '@', '\t', '\r', '＝', '＋', '－', '＠'];
/// Whether a spreadsheet may skip this character before it looks for a
/// formula: every Unicode space (`char::is_whitespace`: U+00A0, U+3000, …)
/// and every format character (general category Cf: U+FEFF, U+200B–U+200F,
/// U+2060–U+2064, bidi controls, …), which show as nothing.
fn leading(c: char) -> bool {
    c.is_whitespace()
        || matches!(c,
            '\u{00AD}' | '\u{0600}'..='\u{0605}' | '\u{061C}' | '\u{06DD}' | '\u{070F}' | '\u{0890}'..='\u{0891}'
            | '\u{08E2}' | '\u{180E}' | '\u{200B}'..='\u{200F}' | '\u{202A}'..='\u{202E}' | '\u{2060}'..='\u{2064}'
            | '\u{2066}'..='\u{206F}' | '\u{FEFF}' | '\u{FFF9}'..='\u{FFFB}' | '\u{110BD}' | '\u{110CD}'
            | '\u{13430}'..='\u{1343F}' | '\u{1BCA0}'..='\u{1BCA3}' | '\u{1D173}'..='\u{1D17A}' | '\u{E0001}'
            | '\u{E0020}'..='\u{E007F}')
}

/// The cell as written to a CSV: prefixed with `'` when it begins with one of
/// `= + - @`, a tab or a carriage return, or their full-width forms `＝ ＋ －
/// ＠`, also after any leading Unicode spaces and format characters
/// (U+FEFF, U+00A0, U+200B, …: issue 17); otherwise unchanged.
///
/// Every cell goes through it, our own numeric columns included: they are
/// written as plain digits (ids, years, levels, scores are never negative)
/// and so pass untouched.
pub fn neutralize(cell: &str) -> Cow<'_, str> {
    let dangerous = cell.starts_with(TRIGGERS) || cell.trim_start_matches(leading).starts_with(TRIGGERS);
    if dangerous { Cow::Owned(format!("'{cell}")) } else { Cow::Borrowed(cell) }
}

/// CSV lines (CRLF, quoted where needed, every cell neutralised); with a
/// header, the BOM and the header line first.
pub fn csv_bytes<R, C>(header: Option<&[&str]>, records: R) -> Result<Vec<u8>, ApiError>
where
    R: IntoIterator,
    R::Item: IntoIterator<Item = C>,
    C: AsRef<str>,
{
    let mut out = Vec::new();
    if header.is_some() {
        out.extend_from_slice(BOM);
    }
    let mut w = csv::WriterBuilder::new().terminator(csv::Terminator::CRLF).from_writer(out);
    let fail = |e: &dyn std::fmt::Display| {
        tracing::error!(error = %e, "writing CSV");
        ApiError::Internal
    };
    if let Some(h) = header {
        w.write_record(h.iter().map(|c| neutralize(c).into_owned())).map_err(|e| fail(&e))?;
    }
    for record in records {
        w.write_record(record.into_iter().map(|c| neutralize(c.as_ref()).into_owned())).map_err(|e| fail(&e))?;
    }
    w.into_inner().map_err(|e| fail(&e))
}

/// A file name safe in a `Content-Disposition` header: ASCII letters,
/// digits, `-`, `_` and `.`; anything else becomes `_`.
pub fn ascii_file_name(name: &str) -> String {
    name.chars().map(|c| if c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.') { c } else { '_' }).collect()
}

/// `attachment; filename="…"` for an ASCII file name.
fn attachment(file_name: &str) -> (header::HeaderName, String) {
    (header::CONTENT_DISPOSITION, format!("attachment; filename=\"{}\"", ascii_file_name(file_name)))
}

/// A file download.
pub fn file_response(content_type: &str, file_name: &str, bytes: Vec<u8>) -> HttpResponse {
    HttpResponse::Ok().content_type(content_type).insert_header(attachment(file_name)).body(bytes)
}

/// CSV records, each a row of cells.
pub(crate) type Records = Vec<Vec<String>>;

/// A batch of records and the position of its last row.
pub(crate) type Batch<K> = (Records, Option<K>);

/// A table read for CSV: one page, or batch after batch in a fixed order.
pub(crate) trait CsvSource: Clone + Send + 'static {
    /// The position of a row, to read the next batch after it.
    type Key: Send + 'static;
    /// The header row.
    const HEADER: &'static [&'static str];
    /// One page of records.
    fn page(&self, conn: &mut DbConn, offset: i64, limit: i64) -> Result<Records, ApiError>;
    /// At most `limit` records after `after` (from the start without it),
    /// with the position of the last.
    fn batch(&self, conn: &mut DbConn, after: Option<&Self::Key>, limit: i64) -> Result<Batch<Self::Key>, ApiError>;
}

/// One batch as CSV bytes, and where the next starts (none: it was the last).
fn csv_batch<S: CsvSource>(
    source: &S,
    conn: &mut DbConn,
    after: Option<S::Key>,
) -> Result<(web::Bytes, Option<S::Key>), ApiError> {
    let first = after.is_none();
    let (records, last) = source.batch(conn, after.as_ref(), BATCH_ROWS)?;
    let full = i64::try_from(records.len()).unwrap_or(i64::MAX) >= BATCH_ROWS;
    let bytes = csv_bytes(first.then_some(S::HEADER), records)?;
    Ok((web::Bytes::from(bytes), if full { last } else { None }))
}

/// A CSV download: with `page`, that page; without, every row, read in
/// batches of [`BATCH_ROWS`] and streamed, so memory stays bounded however
/// large the table. The first batch is read before answering, so a failure
/// there is an ordinary JSON error; a later failure ends the body early (and
/// is logged).
pub(crate) async fn csv_download<S: CsvSource>(
    state: web::Data<AppState>,
    source: S,
    file_name: &str,
    page: Option<PageRequest>,
) -> Result<HttpResponse, ApiError> {
    if let Some(page) = page {
        let bytes =
            db(&state, move |conn| csv_bytes(Some(S::HEADER), source.page(conn, page.offset(), page.limit())?)).await?;
        return Ok(file_response(CSV_CONTENT_TYPE, file_name, bytes));
    }
    let s = source.clone();
    let (first, next) = db(&state, move |conn| csv_batch(&s, conn, None)).await?;
    let rest = futures_util::stream::unfold(next, move |after| {
        let (state, source) = (state.clone(), source.clone());
        async move {
            let after = after?;
            match db(&state, move |conn| csv_batch(&source, conn, Some(after))).await {
                Ok((bytes, next)) => Some((Ok(bytes), next)),
                Err(e) => {
                    tracing::error!(error = %e, "a CSV export failed part way; the body ends early");
                    Some((Err(std::io::Error::other("the export failed part way")), None))
                }
            }
        }
    });
    let body = futures_util::stream::once(async move { Ok::<_, std::io::Error>(first) }).chain(rest);
    Ok(HttpResponse::Ok().content_type(CSV_CONTENT_TYPE).insert_header(attachment(file_name)).streaming(body))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[track_caller]
    fn neutralised(cell: &str) {
        assert_eq!(neutralize(cell), format!("'{cell}"), "{cell:?}");
    }

    #[track_caller]
    fn untouched(cell: &str) {
        assert_eq!(neutralize(cell), cell, "{cell:?}");
        assert!(matches!(neutralize(cell), Cow::Borrowed(_)));
    }

    #[test]
    fn every_ascii_trigger_is_neutralised() {
        for cell in ["=1+1", "=HYPERLINK(\"http://evil\",\"x\")", "+1", "-1+2", "@SUM(A1)", "\t=1", "\r=1", "=", "-"] {
            neutralised(cell);
        }
    }

    #[test]
    fn full_width_triggers_are_neutralised() {
        for cell in ["＝１＋１", "＋", "－", "＠", "＋81-3-1234", "－５", "＠ＳＵＭ(A1)"] {
            neutralised(cell);
        }
    }

    /// Issue 17: an invisible character before `=` escaped the guard.
    #[test]
    fn triggers_after_invisible_characters_are_neutralised() {
        for cell in [
            "\u{FEFF}=1+1",
            "\u{00A0}=1",
            "\u{200B}+1",
            "\u{2060}@x",
            "\u{200E}\u{202E}-1",
            "\u{2003}=1",
            "\u{00AD}＝1",
        ] {
            neutralised(cell);
        }
        for cell in ["\u{FEFF}abc", "\u{200B}1", "a=1"] {
            untouched(cell);
        }
    }

    #[test]
    fn triggers_after_leading_spaces_and_tabs_are_neutralised() {
        for cell in ["  =1", " +1", "　＝1", "　=1", "　 　-1", "\t\t@x", " \t=1", "\n=1", " \r=1", "　＠"] {
            neutralised(cell);
        }
    }

    #[test]
    fn a_lone_tab_or_carriage_return_is_neutralised() {
        neutralised("\t");
        neutralised("\r");
        neutralised("\tテキスト");
    }

    #[test]
    fn ordinary_text_and_our_numbers_pass_untouched() {
        for cell in [
            "「情報セキュリティ規則」を2021年4月に制定し、全従業員に年1回教育を実施済み",
            "現状実施できていない。今年度中に導入予定",
            "A-1",
            "1+1=2",
            "メール: a@example.jp",
            "ー長音で始まる",
            "",
            "   ",
            "　",
            "0",
            "2",
            "153",
            "2025",
            "2025-07-14T10:30:00+09:00",
            "not_done",
            "{\"id\":1}",
        ] {
            untouched(cell);
        }
    }

    #[test]
    fn csv_has_bom_header_crlf_and_neutralised_cells() {
        let bytes = csv_bytes(Some(&["a", "b"]), [vec!["=1", "株式会社テスト"], vec!["x,y", "改行\nあり"]])
            .unwrap_or_else(|e| panic!("{e}"));
        let text = String::from_utf8(bytes).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(text, "\u{feff}a,b\r\n'=1,株式会社テスト\r\n\"x,y\",\"改行\nあり\"\r\n");
        let tail = csv_bytes(None, [["2"]]).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(tail, b"2\r\n");
    }

    /// The numbers `0..n` as a table, read in batches.
    #[derive(Clone)]
    struct Numbers(i64);

    impl CsvSource for Numbers {
        type Key = i64;
        const HEADER: &'static [&'static str] = &["n"];

        fn page(&self, _: &mut DbConn, offset: i64, limit: i64) -> Result<Records, ApiError> {
            Ok((offset..(offset + limit).min(self.0)).map(|n| vec![n.to_string()]).collect())
        }

        fn batch(&self, _: &mut DbConn, after: Option<&i64>, limit: i64) -> Result<Batch<i64>, ApiError> {
            let start = after.map_or(0, |a| a + 1);
            let rows: Vec<i64> = (start..(start + limit).min(self.0)).collect();
            Ok((rows.iter().map(|n| vec![n.to_string()]).collect(), rows.last().copied()))
        }
    }

    #[actix_web::test]
    async fn a_large_table_streams_in_batches_with_one_header() {
        let db = hyoka_model::db::testing::TestDb::sqlite();
        let pool = hyoka_model::db::pool(&db.url, 2).unwrap_or_else(|e| panic!("{e}"));
        let state = web::Data::new(AppState::new(pool, Default::default()));
        for n in [0, 1, BATCH_ROWS - 1, BATCH_ROWS, 2 * BATCH_ROWS, 2 * BATCH_ROWS + 501] {
            let r = csv_download(state.clone(), Numbers(n), "n.csv", None).await.unwrap_or_else(|e| panic!("{e}"));
            let body = actix_web::body::to_bytes(r.into_body()).await.unwrap_or_else(|e| panic!("{e}"));
            let text = std::str::from_utf8(&body).unwrap_or_else(|e| panic!("{e}"));
            let want: String = std::iter::once("\u{feff}n".to_owned())
                .chain((0..n).map(|i| i.to_string()))
                .collect::<Vec<_>>()
                .join("\r\n")
                + "\r\n";
            assert!(text == want, "{n} rows: {} bytes, want {}", text.len(), want.len());
        }
        let page = PageRequest::new(Some(3), Some(2)).unwrap_or_else(|e| panic!("{e}"));
        let r = csv_download(state, Numbers(10), "n.csv", Some(page)).await.unwrap_or_else(|e| panic!("{e}"));
        let body = actix_web::body::to_bytes(r.into_body()).await.unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(&body[..], "\u{feff}n\r\n4\r\n5\r\n".as_bytes());
    }

    #[test]
    fn file_names_are_ascii() {
        assert_eq!(ascii_file_name("hyoka-feedback-株式会社/A 1-2025-r1.xlsx"), "hyoka-feedback-_____A_1-2025-r1.xlsx");
    }
}
