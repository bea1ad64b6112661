//! # hyoka-ingest
//!
//! Turns an uploaded check sheet into domain values: the official xlsx
//! workbook and its variants (hyoka's own reader, [`xlsx`]), the same sheet
//! saved as `.xls`, `.xlsb` or `.ods` (calamine, behind hyoka's own size and
//! shape checks, [`book`]), CSV (UTF-8 with or without BOM, UTF-16, CP932;
//! comma or tab) and the API's JSON submission format. Japanese and English
//! (the guideline's English edition) headers, values and cover labels.
//!
//! - [`read_bytes`] / [`read_path`]: a file → an [`Ingested`] sheet, or a
//!   [`Refusal`] listing every problem found, each naming file, sheet, cell
//!   and item, in Japanese and English;
//! - [`catalog_import::read`]: the official wording of each item, from the
//!   user's own copy of the workbook;
//!
//! Reading only: storing and judging a sheet is `hyoka-service`'s.
//!
//! How it finds its way: [`header`] (columns by label, never by address),
//! [`cover`] (company facts from label–value pairs), [`validate`] (values).
//! What it accepts and refuses is documented in `docs/ingest.md`.

#![expect(
    clippy::result_large_err,
    reason = "a Problem (136 bytes) is returned once per refused file, never in a loop; boxing it would only make every caller noisier"
)]

pub mod book;
pub mod catalog_import;
pub mod cover;
pub mod csv;
pub mod grid;
pub mod header;
pub mod json;
pub mod limits;
pub mod ole;
pub mod problem;
pub mod table;
pub mod validate;
pub mod xlsx;

use std::collections::BTreeMap;
use std::io::Read;
use std::path::Path;

use hyoka_model::catalog::Catalog;
use hyoka_model::domain::ItemNumber;
use hyoka_model::sheet::Sheet;
use serde::Serialize;
use sha2::{Digest, Sha256};

pub use crate::csv::TextEncoding;
pub use crate::grid::Grid;
pub use crate::limits::Limits;
pub use crate::problem::{Audience, Column, Fact, Gravity, Problem, ProblemKind, Refusal};

/// The kind of file that was read.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum Format {
    /// An xlsx (or xlsm) workbook.
    Xlsx,
    /// An Excel 97–2003 (`.xls`, BIFF8) workbook.
    Xls,
    /// An Excel binary (`.xlsb`) workbook.
    Xlsb,
    /// An OpenDocument (`.ods`, LibreOffice) spreadsheet.
    Ods,
    /// CSV or tab-separated text.
    Csv {
        /// Its encoding.
        encoding: TextEncoding,
        /// `,` or tab.
        delimiter: char,
    },
    /// The JSON submission format.
    Json,
}

/// A sheet read and validated.
#[derive(Debug, Clone, PartialEq)]
pub struct Ingested {
    /// File name as uploaded.
    pub file: String,
    /// SHA-256 of the file's bytes, hex.
    pub sha256: String,
    /// What kind of file it was.
    pub format: Format,
    /// The worksheet that held the items (xlsx).
    pub item_sheet: Option<String>,
    /// Cover facts and one answer per item, ordered by item.
    pub sheet: Sheet,
    /// Where each cover fact was read (`表紙!C5`, `/company/name`).
    pub cover_sources: BTreeMap<Fact, String>,
    /// Department, when the file names one (JSON).
    pub department: Option<String>,
    /// Problems that do not refuse the file.
    pub warnings: Vec<Problem>,
    /// The sheet's own 達成条件 text per answered item, when the file has
    /// that column (the official workbook does): the detector reads a
    /// multi-part or contradicted condition from it.
    pub conditions: Vec<(ItemNumber, String)>,
}

/// OLE2 compound files: `.xls` workbooks and password-protected `.xlsx`.
fn looks_like_ole2(bytes: &[u8]) -> bool {
    bytes.starts_with(&[0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1])
}

fn looks_like_json(bytes: &[u8]) -> bool {
    let b = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    b.iter().find(|c| !c.is_ascii_whitespace()) == Some(&b'{')
}

/// The sheets of a workbook, or the one grid of a CSV file. The kind is
/// told by the bytes, never by the file name.
pub fn grids(file: &str, bytes: &[u8], limits: &Limits) -> Result<(Vec<Grid>, Format), Problem> {
    check_size(file, bytes.len() as u64, limits)?;
    if xlsx::looks_like_zip(bytes) {
        return match book::zip_kind(bytes) {
            Some(book::Kind::Ods) => Ok((book::read(file, bytes, book::Kind::Ods, limits)?, Format::Ods)),
            Some(book::Kind::Xlsb) => Ok((book::read(file, bytes, book::Kind::Xlsb, limits)?, Format::Xlsb)),
            _ => Ok((xlsx::read(file, bytes, limits)?, Format::Xlsx)),
        };
    }
    if looks_like_ole2(bytes) {
        // An .xls, or a password-protected xlsx (refused as encrypted).
        return Ok((book::read(file, bytes, book::Kind::Xls, limits)?, Format::Xls));
    }
    let (grid, encoding, delimiter) = csv::read(file, bytes, limits)?;
    Ok((vec![grid], Format::Csv { encoding, delimiter: char::from(delimiter) }))
}

fn check_size(file: &str, size: u64, limits: &Limits) -> Result<(), Problem> {
    if size == 0 {
        return Err(Problem::error(ProblemKind::EmptyFile, file));
    }
    if size > limits.max_file_bytes {
        return Err(Problem::error(ProblemKind::FileTooLarge { limit: limits.max_file_bytes, size }, file));
    }
    Ok(())
}

/// Reads and validates one file. `file` is the name shown in messages.
pub fn read_bytes(file: &str, bytes: &[u8], catalog: &Catalog, limits: &Limits) -> Result<Ingested, Refusal> {
    let mut problems: Vec<Problem> = Vec::new();
    let (table, cover, format, department) = if looks_like_json(bytes) && !xlsx::looks_like_zip(bytes) {
        check_size(file, bytes.len() as u64, limits).map_err(Refusal::one)?;
        let (text, _) = csv::decode(file, bytes).map_err(Refusal::one)?;
        let parsed = json::read(file, &text, &mut problems).map_err(Refusal::one)?;
        if let Some(f) = parsed.framework.as_deref().filter(|f| *f != catalog.framework.id) {
            return Err(Refusal::one(
                Problem::error(ProblemKind::WrongFramework { expected: catalog.framework.id.clone() }, file)
                    .at("/framework")
                    .found(f),
            ));
        }
        (parsed.table, parsed.cover, Format::Json, parsed.department)
    } else {
        let (grids, format) = grids(file, bytes, limits).map_err(Refusal::one)?;
        let found = header::find_in(&grids, &[Column::Item, Column::Evaluation]);
        problems.extend(long_cells(file, &grids, found.as_ref().map(|(g, h)| (*g, h)), limits));
        let Some((grid, header)) = found else {
            problems.insert(0, Problem::error(ProblemKind::NoItemTable, file));
            return Err(Refusal { file: file.to_owned(), problems });
        };
        let table = table::from_grid(grid, &header);
        // Cover facts: every other sheet, and the item sheet above its header.
        let sources: Vec<(&Grid, u32)> = grids
            .iter()
            .map(|g| {
                let item_sheet = std::ptr::eq(g, grid);
                (g, if item_sheet { header.first_row } else { u32::MAX })
            })
            .collect();
        let cover = cover::read(file, &sources, &mut problems);
        (table, cover, format, None)
    };
    let (answers, found) = validate::answers(file, &table, catalog);
    problems.extend(found);
    if problems.iter().any(Problem::is_error) {
        problems.sort_by_key(|p| !p.is_error());
        return Err(Refusal { file: file.to_owned(), problems });
    }
    let conditions = validate::conditions(&table, &answers);
    Ok(Ingested {
        file: file.to_owned(),
        sha256: hex::encode(Sha256::digest(bytes)),
        format,
        item_sheet: table.sheet.clone(),
        sheet: Sheet { framework_id: catalog.framework.id.clone(), cover: cover.facts, answers },
        cover_sources: cover.sources,
        department,
        warnings: problems,
        conditions,
    })
}

/// Errors for the cells over `limits.max_cell_chars`, each with its item
/// when it is on an item row of the item sheet.
pub fn long_cells(
    file: &str,
    grids: &[Grid],
    table: Option<(&Grid, &header::Header)>,
    limits: &Limits,
) -> Vec<Problem> {
    let mut out = Vec::new();
    for g in grids {
        for &(row, col, chars) in &g.too_long {
            let mut p = Problem::error(ProblemKind::CellTooLong { limit: limits.max_cell_chars, chars }, file)
                .in_sheet(g.sheet.as_deref())
                .at(grid::cell_name(row, col));
            let item = table
                .filter(|(tg, h)| std::ptr::eq(*tg, g) && row > h.last_row)
                .and_then(|(_, h)| h.col(Column::Item))
                .and_then(|c| g.text(row, c))
                .and_then(|t| t.parse::<hyoka_model::domain::ItemNumber>().ok());
            if let Some(item) = item {
                p = p.item(item);
            }
            out.push(p);
        }
    }
    out
}

/// Reads a file from disk: its size is checked before a byte is read.
pub fn read_path(path: &Path, catalog: &Catalog, limits: &Limits) -> Result<Ingested, Refusal> {
    let file = display_name(path);
    let bytes = read_limited(path, limits).map_err(Refusal::one)?;
    read_bytes(&file, &bytes, catalog, limits)
}

/// The name a path is shown by in messages: its file name.
pub fn display_name(path: &Path) -> String {
    path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_else(|| path.display().to_string())
}

/// A file's bytes, refusing it when it is larger than the limit (without
/// reading more than one byte past it).
pub fn read_limited(path: &Path, limits: &Limits) -> Result<Vec<u8>, Problem> {
    let file = display_name(path);
    let unreadable = |e: std::io::Error| {
        Problem::error(ProblemKind::NotReadable { detail: format!("cannot read {}: {e}", path.display()) }, &file)
    };
    let f = std::fs::File::open(path).map_err(unreadable)?;
    let declared = f.metadata().map(|m| m.len()).unwrap_or(0);
    if declared > limits.max_file_bytes {
        return Err(Problem::error(ProblemKind::FileTooLarge { limit: limits.max_file_bytes, size: declared }, &file));
    }
    let mut bytes = Vec::with_capacity(declared as usize);
    f.take(limits.max_file_bytes.saturating_add(1)).read_to_end(&mut bytes).map_err(unreadable)?;
    check_size(&file, bytes.len() as u64, limits)?;
    Ok(bytes)
}
