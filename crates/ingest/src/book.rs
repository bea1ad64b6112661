//! `.xls` (Excel 97–2003, BIFF8), `.xlsb` and `.ods` workbooks, read with
//! calamine — after hyoka's own checks, so the limits of the xlsx reader hold
//! for every format:
//!
//! - **sizes before parsing**: the zip's declared sizes, then the bytes
//!   actually inflated from every part calamine may parse, against
//!   `limits.max_decompressed_bytes` ([`check_inflation`]); an `.xls` is not
//!   compressed, so its file size bounds it;
//! - **rows and cells**: calamine holds a sheet as one dense rectangle from
//!   its first to its last value (and reserves what an `.xls` declares in its
//!   DIMENSIONS record). Before calamine sees the file, the item records of
//!   the `.xls` ([`crate::ole`]) and the rows and cells of the `.ods`
//!   (`content.xml`) are scanned: a value below `limits.max_rows` is refused
//!   as for xlsx, and so is a workbook whose rectangles together exceed
//!   [`DENSE_CELL_BUDGET`]; `.xlsb` cells are streamed one by one, never held
//!   as a rectangle;
//! - **no panic**: calamine is called inside `catch_unwind`; a panic on a
//!   malformed file becomes `not_readable`.
//!
//! The cells then go through the same [`GridBuilder`] as xlsx and CSV
//! (sparse, the cell-length and row limits, merged areas filled).

use std::io::{Cursor, Read};
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::sync::Arc;

use calamine::{Data, DataRef, Ods, Reader, Xls, Xlsb};
use quick_xml::events::{BytesStart, Event};
use quick_xml::reader::Reader as XmlReader;

use crate::grid::{Grid, GridBuilder, MAX_COLUMNS, cell_name};
use crate::limits::Limits;
use crate::problem::{Problem, ProblemKind};
use crate::xlsx::format_number;

/// How many cells the rectangles calamine builds may hold, over the whole
/// workbook (about 32 bytes each: 64 MB). The official sheet spans some
/// 160 × 20 cells per sheet; 5,000 rows of 400 columns still fit.
pub const DENSE_CELL_BUDGET: u64 = 2_000_000;

/// A merged area: first row, first column, last row, last column (rows
/// one-based, columns zero-based, as [`GridBuilder::finish`] takes them).
type Merge = (u32, u32, u32, u32);

/// Each sheet's name and merged areas.
type SheetMerges = Vec<(String, Vec<Merge>)>;

/// The kinds of workbook read here.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// Excel 97–2003.
    Xls,
    /// Excel binary workbook.
    Xlsb,
    /// OpenDocument spreadsheet (LibreOffice).
    Ods,
}

/// What a zip archive holds: an `.ods` (a `mimetype` of an OpenDocument
/// spreadsheet, or a `content.xml` without `xl/`), an `.xlsb`
/// (`workbook.bin`), else an xlsx.
pub fn zip_kind(bytes: &[u8]) -> Option<Kind> {
    let zip = zip::ZipArchive::new(Cursor::new(bytes)).ok()?;
    let names: Vec<String> = zip.file_names().filter_map(|n| n.ok().map(|n| n.into_owned())).collect();
    if names.iter().any(|n| n.ends_with("workbook.bin")) {
        return Some(Kind::Xlsb);
    }
    let xl = names.iter().any(|n| n.starts_with("xl/"));
    (!xl && names.iter().any(|n| n == "content.xml")).then_some(Kind::Ods)
}

fn unreadable(file: &str, detail: String) -> Problem {
    Problem::error(ProblemKind::NotReadable { detail }, file)
}

/// Parts calamine may parse: XML and binary records, not pictures.
fn parsed_part(name: &str) -> bool {
    let n = name.to_ascii_lowercase();
    n.ends_with(".xml") || n.ends_with(".bin") || n.ends_with(".rels") || n == "mimetype"
}

/// Checks the zip before anything parses it: the sizes its central directory
/// declares, then the bytes each part calamine may parse actually inflates
/// to (into a sink, counted), against `limits.max_decompressed_bytes`.
/// Returns the parts named in `keep`, inflated.
pub fn check_inflation(
    file: &str,
    bytes: &[u8],
    limits: &Limits,
    keep: &[&str],
) -> Result<Vec<(String, Vec<u8>)>, Problem> {
    let limit = limits.max_decompressed_bytes;
    let too_large = || Problem::error(ProblemKind::DecompressedTooLarge { limit }, file);
    let mut zip =
        zip::ZipArchive::new(Cursor::new(bytes)).map_err(|e| unreadable(file, format!("not a zip archive: {e}")))?;
    let mut declared: u64 = 0;
    for i in 0..zip.len() {
        let entry = zip.by_index_raw(i).map_err(|e| unreadable(file, format!("zip entry {i}: {e}")))?;
        if parsed_part(&entry.name().map(|n| n.into_owned()).unwrap_or_default()) {
            declared = declared.saturating_add(entry.size());
        }
    }
    if declared > limit {
        return Err(too_large());
    }
    let mut budget = limit;
    let mut kept = Vec::new();
    for i in 0..zip.len() {
        let entry = zip.by_index(i).map_err(|e| unreadable(file, format!("zip entry {i}: {e}")))?;
        let name = entry.name().map(|n| n.into_owned()).unwrap_or_default();
        if !parsed_part(&name) {
            continue;
        }
        let declared = entry.size();
        let mut limited = entry.take(budget.saturating_add(1));
        let used = if keep.contains(&name.as_str()) {
            let mut buf = Vec::with_capacity(declared.min(budget).min(1 << 20) as usize);
            limited.read_to_end(&mut buf).map_err(|e| unreadable(file, format!("{name}: {e}")))?;
            let n = buf.len() as u64;
            kept.push((name.clone(), buf));
            n
        } else {
            std::io::copy(&mut limited, &mut std::io::sink()).map_err(|e| unreadable(file, format!("{name}: {e}")))?
        };
        if used > budget {
            return Err(too_large());
        }
        if used > declared {
            return Err(unreadable(file, format!("{name} inflates past its declared size: a broken archive")));
        }
        budget -= used;
    }
    Ok(kept)
}

/// Reads every worksheet of an `.xls`, `.xlsb` or `.ods` workbook.
pub fn read(file: &str, bytes: &[u8], kind: Kind, limits: &Limits) -> Result<Vec<Grid>, Problem> {
    match kind {
        Kind::Xls => {
            let scan = crate::ole::scan(file, bytes, limits)?;
            guarded(file, || xls(file, bytes, limits, scan.date1904))
        }
        Kind::Ods => {
            let parts = check_inflation(file, bytes, limits, &["content.xml", "META-INF/manifest.xml"])?;
            let part = |n: &str| parts.iter().find(|(p, _)| p == n).map(|(_, d)| d.as_slice());
            if part("META-INF/manifest.xml")
                .is_some_and(|m| m.windows(b"encryption-data".len()).any(|w| w == b"encryption-data"))
            {
                return Err(Problem::error(ProblemKind::Encrypted, file));
            }
            let content = part("content.xml").ok_or_else(|| unreadable(file, "no content.xml: not an ods".into()))?;
            let merges = ods_scan(file, content, limits)?;
            guarded(file, || ods(file, bytes, limits, &merges))
        }
        Kind::Xlsb => {
            check_inflation(file, bytes, limits, &[])?;
            check_xlsb_records(file, bytes)?;
            guarded(file, || xlsb(file, bytes, limits))
        }
    }
}

/// Runs calamine so that a panic on a malformed file is a refusal.
fn guarded(file: &str, f: impl FnOnce() -> Result<Vec<Grid>, Problem>) -> Result<Vec<Grid>, Problem> {
    let grids = catch_unwind(AssertUnwindSafe(f))
        .unwrap_or_else(|_| Err(unreadable(file, "the workbook's structure is broken".into())))?;
    if grids.is_empty() {
        return Err(unreadable(file, "the workbook has no worksheet".into()));
    }
    Ok(grids)
}

/// A calamine value as the grid's text, and whether it is a number (dates
/// are serial numbers, as in xlsx); `None` for an empty cell.
pub fn text_of(value: &DataRef<'_>) -> Option<(Arc<str>, bool)> {
    Some(match value {
        DataRef::Empty => return None,
        DataRef::String(s) | DataRef::DateTimeIso(s) | DataRef::DurationIso(s) => (Arc::from(s.as_str()), false),
        DataRef::SharedString(s) => (Arc::from(*s), false),
        DataRef::Int(i) => (Arc::from(i.to_string()), true),
        DataRef::Float(f) => (Arc::from(format_number(&f.to_string()).as_ref()), true),
        DataRef::DateTime(d) => (Arc::from(format_number(&d.as_f64().to_string()).as_ref()), true),
        DataRef::Bool(b) => (Arc::from(if *b { "TRUE" } else { "FALSE" }), false),
        DataRef::Error(e) => (Arc::from(e.to_string()), false),
    })
}

fn data_ref(d: &Data) -> DataRef<'_> {
    match d {
        Data::Int(i) => DataRef::Int(*i),
        Data::Float(f) => DataRef::Float(*f),
        Data::String(s) => DataRef::SharedString(s),
        Data::Bool(b) => DataRef::Bool(*b),
        Data::DateTime(d) => DataRef::DateTime(*d),
        Data::DateTimeIso(s) => DataRef::SharedString(s),
        Data::DurationIso(s) => DataRef::SharedString(s),
        Data::Error(e) => DataRef::Error(e.clone()),
        Data::Empty => DataRef::Empty,
    }
}

/// One calamine range into a grid.
fn grid_of(
    file: &str,
    name: &str,
    range: &calamine::Range<Data>,
    merges: &[(u32, u32, u32, u32)],
    limits: &Limits,
    date1904: bool,
) -> Result<Grid, Problem> {
    let mut builder = GridBuilder::new(file, Some(name.to_owned()), limits);
    let (r0, c0) = range.start().unwrap_or((0, 0));
    for (r, c, value) in range.used_cells() {
        let (row, col) = (r0 as u64 + r as u64, c0 as u64 + c as u64);
        let (Ok(row), Ok(col)) = (u32::try_from(row + 1), u32::try_from(col)) else { continue };
        if let Some((text, numeric)) = text_of(&data_ref(value)) {
            builder.push(row, col, text, numeric)?;
        }
    }
    builder.finish(merges, date1904)
}

fn xls(file: &str, bytes: &[u8], limits: &Limits, date1904: bool) -> Result<Vec<Grid>, Problem> {
    let mut book: Xls<_> = Xls::new(Cursor::new(bytes)).map_err(|e| match e {
        calamine::XlsError::Password => Problem::error(ProblemKind::Encrypted, file),
        e => unreadable(file, format!("xls: {e}")),
    })?;
    let mut grids = Vec::new();
    for name in book.sheet_names() {
        let range = book.worksheet_range(&name).map_err(|e| unreadable(file, format!("xls {name}: {e}")))?;
        let merges: Vec<(u32, u32, u32, u32)> = book
            .merge_cells_by_sheet_name(&name)
            .unwrap_or_default()
            .iter()
            .map(|d| (d.start.0 + 1, d.start.1, d.end.0.saturating_add(1), d.end.1))
            .collect();
        grids.push(grid_of(file, &name, &range, &merges, limits, date1904 || book.has_1904_epoch())?);
    }
    Ok(grids)
}

fn ods(file: &str, bytes: &[u8], limits: &Limits, merges: &[(String, Vec<Merge>)]) -> Result<Vec<Grid>, Problem> {
    let mut book: Ods<_> = Ods::new(Cursor::new(bytes)).map_err(|e| unreadable(file, format!("ods: {e}")))?;
    let mut grids = Vec::new();
    for name in book.sheet_names() {
        let range = book.worksheet_range(&name).map_err(|e| unreadable(file, format!("ods {name}: {e}")))?;
        let m = merges.iter().find(|(n, _)| *n == name).map(|(_, m)| m.as_slice()).unwrap_or_default();
        grids.push(grid_of(file, &name, &range, m, limits, false)?);
    }
    Ok(grids)
}

fn xlsb(file: &str, bytes: &[u8], limits: &Limits) -> Result<Vec<Grid>, Problem> {
    let mut book: Xlsb<_> = Xlsb::new(Cursor::new(bytes)).map_err(|e| match e {
        calamine::XlsbError::Password => Problem::error(ProblemKind::Encrypted, file),
        e => unreadable(file, format!("xlsb: {e}")),
    })?;
    let date1904 = book.has_1904_epoch();
    let mut grids = Vec::new();
    for name in book.sheet_names() {
        let mut builder = GridBuilder::new(file, Some(name.clone()), limits);
        let mut cells =
            book.worksheet_cells_reader(&name).map_err(|e| unreadable(file, format!("xlsb {name}: {e}")))?;
        while let Some(cell) = cells.next_cell().map_err(|e| unreadable(file, format!("xlsb {name}: {e}")))? {
            let (r, c) = cell.get_position();
            if let Some((text, numeric)) = text_of(cell.get_value()) {
                builder.push(r.saturating_add(1), c, text, numeric)?;
            }
        }
        drop(cells);
        grids.push(builder.finish(&[], date1904)?);
    }
    Ok(grids)
}

/// Every record of every `.bin` part must fit in its part: calamine sizes
/// its buffer from a record's declared length (up to 256 MiB) before reading.
fn check_xlsb_records(file: &str, bytes: &[u8]) -> Result<(), Problem> {
    let mut zip =
        zip::ZipArchive::new(Cursor::new(bytes)).map_err(|e| unreadable(file, format!("not a zip archive: {e}")))?;
    for i in 0..zip.len() {
        let mut entry = zip.by_index(i).map_err(|e| unreadable(file, format!("zip entry {i}: {e}")))?;
        let name = entry.name().map(|n| n.into_owned()).unwrap_or_default();
        // The BIFF12 parts; a VBA project, printer settings and embedded
        // objects are binary of other kinds, and calamine parses none of them.
        let lower = name.to_ascii_lowercase();
        if !lower.ends_with(".bin") || ["vbaproject", "printersettings", "embeddings"].iter().any(|o| lower.contains(o))
        {
            continue;
        }
        // Already bounded by check_inflation.
        let mut data = Vec::new();
        entry.read_to_end(&mut data).map_err(|e| unreadable(file, format!("{name}: {e}")))?;
        let mut pos = 0usize;
        while pos < data.len() {
            let broken = || unreadable(file, format!("{name}: a record at byte {pos} runs past the part's end"));
            // Type: one or two bytes; length: up to four, seven bits each.
            let mut at = pos + if data[pos] & 0x80 != 0 { 2 } else { 1 };
            let mut len = 0usize;
            for i in 0..4 {
                let b = *data.get(at).ok_or_else(broken)?;
                at += 1;
                len |= usize::from(b & 0x7F) << (7 * i);
                if b & 0x80 == 0 {
                    break;
                }
            }
            pos = at.checked_add(len).filter(|end| *end <= data.len()).ok_or_else(broken)?;
        }
    }
    Ok(())
}

/// `table:…` attribute as a number (a repeat or span count).
fn count_attr(e: &BytesStart<'_>, name: &str) -> Result<u64, String> {
    for a in e.attributes() {
        let a = a.map_err(|e| format!("content.xml: bad attribute: {e}"))?;
        if a.key.as_ref() == name {
            let v = a.value.trim();
            return v.parse().map_err(|_| format!("content.xml: bad count {v:?}"));
        }
    }
    Ok(1)
}

fn has_attr(e: &BytesStart<'_>, name: &str) -> bool {
    e.attributes().flatten().any(|a| a.key.as_ref() == name)
}

/// A sheet's used rectangle while scanning.
#[derive(Default)]
struct Used {
    first_row: u64,
    last_row: u64,
    first_col: u64,
    last_col: u64,
    any: bool,
}

impl Used {
    fn add(&mut self, rows: (u64, u64), cols: (u64, u64)) {
        if !self.any {
            (self.first_row, self.last_row, self.first_col, self.last_col, self.any) =
                (rows.0, rows.1, cols.0, cols.1, true);
            return;
        }
        self.first_row = self.first_row.min(rows.0);
        self.last_row = self.last_row.max(rows.1);
        self.first_col = self.first_col.min(cols.0);
        self.last_col = self.last_col.max(cols.1);
    }

    fn area(&self) -> u64 {
        if !self.any {
            return 0;
        }
        (self.last_row - self.first_row + 1).saturating_mul(self.last_col - self.first_col + 1)
    }
}

/// Scans an `.ods`'s `content.xml` as calamine will read it — rows and cells
/// with their repeat counts — and refuses it when a value sits below
/// `limits.max_rows` or the used rectangles exceed [`DENSE_CELL_BUDGET`].
/// Returns each sheet's merged areas (`number-…-spanned`), which calamine
/// does not give.
fn ods_scan(file: &str, content: &[u8], limits: &Limits) -> Result<SheetMerges, Problem> {
    let bad = |d: String| unreadable(file, d);
    let mut reader = XmlReader::from_reader(content);
    let mut sheets: SheetMerges = Vec::new();
    let mut total: u64 = 0;
    let mut used = Used::default();
    let (mut row, mut row_repeat, mut col) = (0u64, 1u64, 0u64);
    let mut in_table = false;
    loop {
        let event = reader.read_event().map_err(|e| bad(format!("content.xml: {e}")))?;
        let (e, open) = match &event {
            Event::Start(e) => (e, true),
            Event::Empty(e) => (e, false),
            Event::End(e) => {
                match e.name().as_ref() {
                    "table:table" if in_table => {
                        in_table = false;
                        total = total.saturating_add(used.area());
                        if total > DENSE_CELL_BUDGET {
                            return Err(Problem::error(
                                ProblemKind::TooManyCells { limit: DENSE_CELL_BUDGET, cells: total },
                                file,
                            ));
                        }
                    }
                    "table:table-row" => row = row.saturating_add(row_repeat),
                    _ => {}
                }
                continue;
            }
            Event::Eof => break,
            _ => continue,
        };
        match e.name().as_ref() {
            "table:table" if open => {
                let name = e
                    .attributes()
                    .flatten()
                    .find(|a| a.key.as_ref() == "table:name")
                    .and_then(|a| a.normalized_value(quick_xml::XmlVersion::Implicit1_0).ok().map(|v| v.into_owned()))
                    .unwrap_or_default();
                sheets.push((name, Vec::new()));
                (in_table, used, row) = (true, Used::default(), 0);
            }
            // calamine counts a row only when it has cells (a start tag).
            "table:table-row" if open && in_table => {
                row_repeat = count_attr(e, "table:number-rows-repeated").map_err(bad)?.max(1);
                col = 0;
            }
            "table:table-cell" | "table:covered-table-cell" if in_table => {
                let repeat = count_attr(e, "table:number-columns-repeated").map_err(bad)?.max(1);
                let valued = open || has_attr(e, "office:value-type");
                if valued {
                    let rows = (row, row.saturating_add(row_repeat - 1));
                    let cols = (col, col.saturating_add(repeat - 1));
                    if rows.1 >= u64::from(limits.max_rows) {
                        let at = cell_name(u32::try_from(rows.1 + 1).unwrap_or(u32::MAX), col.min(16_383) as u32);
                        let sheet = sheets.last().map(|(n, _)| n.as_str());
                        return Err(Problem::error(ProblemKind::TooManyRows { limit: limits.max_rows }, file)
                            .in_sheet(sheet)
                            .at(at));
                    }
                    used.add(rows, cols);
                    let spans = (
                        count_attr(e, "table:number-rows-spanned").map_err(bad)?,
                        count_attr(e, "table:number-columns-spanned").map_err(bad)?,
                    );
                    if spans != (1, 1)
                        && col < u64::from(MAX_COLUMNS)
                        && e.name().as_ref() == "table:table-cell"
                        && let Some((_, merges)) = sheets.last_mut()
                    {
                        // Rows are below max_rows here, columns below MAX_COLUMNS.
                        let last_row = (row + spans.0.max(1)).min(u64::from(limits.max_rows)) as u32;
                        let last_col = (col + spans.1.max(1) - 1).min(u64::from(MAX_COLUMNS) - 1) as u32;
                        merges.push((row as u32 + 1, col as u32, last_row, last_col));
                    }
                }
                col = col.saturating_add(repeat);
            }
            _ => {}
        }
    }
    Ok(sheets)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn content(table: &str) -> Vec<u8> {
        format!(
            r#"<office:document-content xmlns:office="o" xmlns:table="t" xmlns:text="x"><office:body><office:spreadsheet><table:table table:name="S">{table}</table:table></office:spreadsheet></office:body></office:document-content>"#
        )
        .into_bytes()
    }

    #[test]
    fn ods_rows_repeated_past_the_limit_are_refused_before_calamine() {
        let limits = Limits::default();
        let deep = content(
            r#"<table:table-row table:number-rows-repeated="1000000"><table:table-cell office:value-type="string"><text:p>x</text:p></table:table-cell></table:table-row>"#,
        );
        let r = ods_scan("f.ods", &deep, &limits);
        assert!(matches!(r, Err(ref p) if matches!(p.kind, ProblemKind::TooManyRows { .. })), "{r:?}");
        // Empty repeated rows and cells (LibreOffice's tail) cost nothing.
        let tail = content(
            r#"<table:table-row><table:table-cell><text:p>No.</text:p></table:table-cell></table:table-row><table:table-row table:number-rows-repeated="1048575"><table:table-cell table:number-columns-repeated="16384"/></table:table-row>"#,
        );
        assert!(ods_scan("f.ods", &tail, &limits).is_ok());
    }

    #[test]
    fn ods_wide_rectangles_are_refused_and_spans_become_merges() {
        let limits = Limits::default();
        let wide = content(
            r#"<table:table-row table:number-rows-repeated="4000"><table:table-cell table:number-columns-repeated="16384" office:value-type="float" office:value="1"/></table:table-row>"#,
        );
        let r = ods_scan("f.ods", &wide, &limits);
        assert!(matches!(r, Err(ref p) if matches!(p.kind, ProblemKind::TooManyCells { .. })), "{r:?}");
        let merged = content(
            r#"<table:table-row><table:table-cell/><table:table-cell table:number-columns-spanned="2" table:number-rows-spanned="3"><text:p>評価結果</text:p></table:table-cell><table:covered-table-cell/></table:table-row>"#,
        );
        let sheets = ods_scan("f.ods", &merged, &limits).unwrap_or_default();
        assert_eq!(sheets, [("S".to_owned(), vec![(1, 1, 3, 2)])]);
    }
}
