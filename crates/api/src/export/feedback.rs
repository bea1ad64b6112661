//! The feedback workbook a subsidiary opens in Excel: one submission's
//! answers (回答), its released flags with reasons and decisions (指摘) and
//! the reviewers' comments (コメント). Each sheet starts with a cover line
//! (company, fiscal year, revision, status) and two header rows, Japanese
//! then English.
//!
//! Every text someone typed (evidence, comments, names) is written with
//! `write_string`, so a cell holding `=HYPERLINK(…)` stays a text cell and
//! is never evaluated.

use hyoka_model::db::export::Feedback;
use hyoka_model::db::flags::Review;
use hyoka_model::domain::{Decision, Evaluation, Points};
use hyoka_model::time::show;
use hyoka_model::workflow::status_ja;
use rust_xlsxwriter::{Format, Workbook, Worksheet, XlsxError};

use crate::error::ApiError;

/// Excel's longest cell text, in UTF-16 units.
const MAX_CELL: usize = 32_767;
/// The row shown instead of flags that are not released yet.
pub const NOT_RELEASED: &str = "まだ指摘は公開されていません / No feedback has been released yet";
/// Row of the first header line; data starts two rows below.
pub const HEADER_ROW: u32 = 2;

const ANSWER_HEADERS: [(&str, &str); 5] =
    [("No.", "Item"), ("レベル", "Level"), ("項目", "Subject"), ("評価", "Score"), ("評価の根拠", "Evidence")];
const FLAG_HEADERS: [(&str, &str); 10] = [
    ("No.", "Item"),
    ("ルール", "Rule"),
    ("重要度", "Severity"),
    ("指摘理由", "Reason (ja)"),
    ("指摘理由（英語）", "Reason (en)"),
    ("推奨評価", "Suggested score"),
    ("判定", "Decision"),
    ("レビュー後の評価", "Reviewed score"),
    ("レビューコメント", "Reviewer comment"),
    ("判定日時", "Decided at"),
];
const COMMENT_HEADERS: [(&str, &str); 5] =
    [("日時", "At"), ("種類", "Kind"), ("No.", "Item"), ("担当者", "By"), ("コメント", "Comment")];

fn xlsx_error(e: XlsxError) -> ApiError {
    tracing::error!(error = %e, "writing the feedback workbook");
    ApiError::Internal
}

/// A text cut to what one Excel cell holds.
fn cell_text(s: &str) -> &str {
    if s.len() <= MAX_CELL {
        return s;
    }
    let mut units = 0;
    for (i, c) in s.char_indices() {
        units += c.len_utf16();
        if units > MAX_CELL {
            return &s[..i];
        }
    }
    s
}

/// The score as the workbook shows it: 2, 1, 0, 該当なし or 未回答.
pub fn score_label(e: Evaluation) -> &'static str {
    match e {
        Evaluation::Rated(Points::Two) => "2",
        Evaluation::Rated(Points::One) => "1",
        Evaluation::Rated(Points::Zero) => "0",
        Evaluation::NotApplicable => "該当なし",
        Evaluation::Unanswered => "未回答",
    }
}

fn decision_label(d: Option<&Review>) -> &'static str {
    match d.map(|r| r.decision) {
        Some(Decision::Confirmed { .. }) => "確定 (confirmed)",
        Some(Decision::Dismissed) => "却下 (dismissed)",
        None => "未判定 (undecided)",
    }
}

/// A row of the comments sheet.
struct Comment<'a> {
    at: chrono::DateTime<chrono::Utc>,
    kind: &'a str,
    item: Option<u16>,
    by: String,
    text: &'a str,
}

/// A sheet being written row by row.
struct Sheet<'a> {
    ws: &'a mut Worksheet,
    row: u32,
    wrap: &'a Format,
}

impl Sheet<'_> {
    /// A text cell (never a formula).
    fn text(&mut self, col: u16, s: &str) -> Result<(), ApiError> {
        self.ws.write_string_with_format(self.row, col, cell_text(s), self.wrap).map_err(xlsx_error)?;
        Ok(())
    }

    fn number(&mut self, col: u16, n: impl Into<f64>) -> Result<(), ApiError> {
        self.ws.write_number(self.row, col, n).map_err(xlsx_error)?;
        Ok(())
    }

    /// An item number, or the whole sheet.
    fn item(&mut self, col: u16, item: Option<u16>) -> Result<(), ApiError> {
        match item {
            Some(n) => self.number(col, n),
            None => self.text(col, "シート全体 (whole sheet)"),
        }
    }

    fn next(&mut self) {
        self.row += 1;
    }
}

/// Adds a sheet with the cover line, the two header rows and column widths.
fn sheet<'a>(
    wb: &'a mut Workbook,
    name: &str,
    cover: &[String],
    headers: &[(&str, &str)],
    widths: &[f64],
    bold: &Format,
) -> Result<&'a mut Worksheet, ApiError> {
    let ws = wb.add_worksheet();
    ws.set_name(name).map_err(xlsx_error)?;
    for (col, text) in (0u16..).zip(cover) {
        ws.write_string_with_format(0, col, cell_text(text), bold).map_err(xlsx_error)?;
    }
    for (col, (ja, en)) in (0u16..).zip(headers) {
        ws.write_string_with_format(HEADER_ROW, col, *ja, bold).map_err(xlsx_error)?;
        ws.write_string_with_format(HEADER_ROW + 1, col, *en, bold).map_err(xlsx_error)?;
    }
    for (col, w) in (0u16..).zip(widths) {
        ws.set_column_width(col, *w).map_err(xlsx_error)?;
    }
    ws.set_freeze_panes(HEADER_ROW + 2, 0).map_err(xlsx_error)?;
    Ok(ws)
}

/// The workbook's bytes. `flags_shown` false (flags not released to the
/// subsidiary) shows one row saying so instead of the flags, and leaves the
/// decisions' comments out.
pub fn workbook(fb: &Feedback, flags_shown: bool) -> Result<Vec<u8>, ApiError> {
    let d = &fb.detail;
    let s = &d.submission;
    let cover = vec![
        "会社 Company".to_owned(),
        format!("{} {}", d.company.code, d.company.name),
        "年度 Fiscal year".to_owned(),
        s.fiscal_year.get().to_string(),
        "版 Revision".to_owned(),
        s.revision.to_string(),
        "状態 Status".to_owned(),
        format!("{} ({})", status_ja(s.status), s.status.code()),
    ];
    let name = |id: Option<i64>| id.and_then(|id| fb.names.get(&id).cloned()).unwrap_or_default();
    let bold = Format::new().set_bold();
    let wrap = Format::new().set_text_wrap();
    let mut wb = Workbook::new();

    let ws = sheet(&mut wb, "回答", &cover, &ANSWER_HEADERS, &[6.0, 7.0, 40.0, 10.0, 80.0], &bold)?;
    let mut out = Sheet { ws, row: HEADER_ROW + 2, wrap: &wrap };
    for a in &d.answers {
        out.number(0, a.item.get())?;
        out.number(1, a.level.number())?;
        out.text(2, fb.subjects.get(&a.item).map_or("", String::as_str))?;
        match a.evaluation {
            Evaluation::Rated(p) => out.number(3, p.value())?,
            other => out.text(3, score_label(other))?,
        }
        out.text(4, &a.evidence)?;
        out.next();
    }

    let widths = [10.0, 18.0, 9.0, 50.0, 50.0, 10.0, 18.0, 10.0, 50.0, 26.0];
    let ws = sheet(&mut wb, "指摘", &cover, &FLAG_HEADERS, &widths, &bold)?;
    let mut out = Sheet { ws, row: HEADER_ROW + 2, wrap: &wrap };
    if !flags_shown {
        out.text(0, NOT_RELEASED)?;
    }
    for v in d.flags.iter().filter(|_| flags_shown) {
        let f = &v.flag.flag;
        out.item(0, f.target.item().map(|i| i.get()))?;
        out.text(1, &f.rule)?;
        out.text(2, f.severity.code())?;
        out.text(3, &f.reason_ja)?;
        out.text(4, &f.reason_en)?;
        if let Some(p) = f.suggested {
            out.number(5, p.value())?;
        }
        out.text(6, decision_label(v.latest.as_ref()))?;
        if let Some(Decision::Confirmed { reviewed_score }) = v.latest.as_ref().map(|r| r.decision) {
            out.number(7, reviewed_score.value())?;
        }
        if let Some(r) = &v.latest {
            out.text(8, &r.comment)?;
            out.text(9, &show(r.decided_at))?;
        }
        out.next();
    }

    // Comments: the decisions' (once released) and the moves' messages, by time.
    let mut comments: Vec<Comment<'_>> = Vec::new();
    for v in d.flags.iter().filter(|_| flags_shown) {
        for r in v.reviews.iter().filter(|r| !r.comment.trim().is_empty()) {
            let item = v.flag.flag.target.item().map(|i| i.get());
            let kind = "指摘への判定 (decision)";
            comments.push(Comment { at: r.decided_at, kind, item, by: name(r.reviewer_id), text: &r.comment });
        }
    }
    for t in &d.transitions {
        if let Some(text) = t.message.as_deref().filter(|m| !m.trim().is_empty()) {
            let kind = if t.action == "return" { "差戻し (return)" } else { t.action.as_str() };
            comments.push(Comment { at: t.at, kind, item: None, by: name(t.actor_id), text });
        }
    }
    comments.sort_by_key(|c| c.at);
    let ws = sheet(&mut wb, "コメント", &cover, &COMMENT_HEADERS, &[26.0, 22.0, 6.0, 16.0, 80.0], &bold)?;
    let mut out = Sheet { ws, row: HEADER_ROW + 2, wrap: &wrap };
    for c in comments {
        out.text(0, &show(c.at))?;
        out.text(1, c.kind)?;
        if let Some(n) = c.item {
            out.number(2, n)?;
        }
        out.text(3, &c.by)?;
        out.text(4, c.text)?;
        out.next();
    }
    wb.save_to_buffer().map_err(xlsx_error)
}

/// `hyoka-feedback-<company code>-<year>-r<revision>.xlsx`, ASCII only.
pub fn file_name(fb: &Feedback) -> String {
    let s = &fb.detail.submission;
    let code = super::ascii_file_name(&fb.detail.company.code);
    let code = if code.trim_matches('_').is_empty() { "company".to_owned() } else { code };
    format!("hyoka-feedback-{code}-{}-r{}.xlsx", s.fiscal_year.get(), s.revision)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn long_texts_are_cut_to_one_cell() {
        let long = "あ".repeat(MAX_CELL + 10);
        assert_eq!(cell_text(&long).chars().count(), MAX_CELL);
        let emoji = "😀".repeat(MAX_CELL);
        assert_eq!(cell_text(&emoji).encode_utf16().count(), MAX_CELL - 1);
        assert_eq!(cell_text("=HYPERLINK(\"x\")"), "=HYPERLINK(\"x\")");
    }

    #[test]
    fn scores_show_as_the_sheet_does() {
        assert_eq!(score_label(Evaluation::DONE), "2");
        assert_eq!(score_label(Evaluation::NotApplicable), "該当なし");
        assert_eq!(score_label(Evaluation::Unanswered), "未回答");
    }
}
