//! A worksheet as text cells: sparse, ordered rows, merged areas filled in.
//!
//! xlsx sheets and CSV files both become a [`Grid`]; finding the header,
//! the item rows and the cover facts works on grids only.

use std::sync::Arc;

use crate::limits::Limits;
use crate::problem::{Problem, ProblemKind};

/// How many filled-in cells merged areas may add to one sheet. A merge over
/// a whole sheet is clipped to the cells in use first; this bounds what is
/// left.
const MERGE_FILL_BUDGET: usize = 1_000_000;

/// Cells beyond this column (`SR`) are ignored: no check sheet is that wide,
/// and the bound keeps a hostile file from making rows of millions of cells.
pub const MAX_COLUMNS: u32 = 512;

/// One cell's value as text.
#[derive(Debug, Clone, PartialEq)]
pub struct Cell {
    /// Zero-based column.
    pub col: u32,
    /// The text as written; numbers as Excel shows them without a format
    /// (`17`, `0.5`).
    pub text: Arc<str>,
    /// Whether the cell held a number (dates are numbers in xlsx).
    pub numeric: bool,
    /// Whether the value was copied from the top-left cell of a merged area.
    pub merged: bool,
}

/// One row.
#[derive(Debug, Clone, PartialEq)]
pub struct Row {
    /// One-based row number.
    pub index: u32,
    /// Cells ordered by column.
    pub cells: Vec<Cell>,
}

impl Row {
    /// The cell in a column.
    pub fn cell(&self, col: u32) -> Option<&Cell> {
        self.cells.binary_search_by_key(&col, |c| c.col).ok().and_then(|i| self.cells.get(i))
    }

    /// The text in a column, if any.
    pub fn text(&self, col: u32) -> Option<&str> {
        self.cell(col).map(|c| &*c.text)
    }
}

/// A sheet.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Grid {
    /// The worksheet name; `None` for a CSV file.
    pub sheet: Option<String>,
    /// Rows with at least one value, ordered.
    pub rows: Vec<Row>,
    /// Whether the workbook counts dates from 1904 (old Mac Excel).
    pub date1904: bool,
    /// Cells over `limits.max_cell_chars`, left out of `rows`: (row, column,
    /// characters). Reported once the item of their row is known.
    pub too_long: Vec<(u32, u32, usize)>,
}

impl Grid {
    /// The row with this number.
    pub fn row(&self, index: u32) -> Option<&Row> {
        self.rows.binary_search_by_key(&index, |r| r.index).ok().and_then(|i| self.rows.get(i))
    }

    /// The text of a cell.
    pub fn text(&self, row: u32, col: u32) -> Option<&str> {
        self.row(row).and_then(|r| r.text(col))
    }
}

/// Collects cells in any order and checks the limits as they come.
#[derive(Debug)]
pub struct GridBuilder<'a> {
    sheet: Option<String>,
    cells: Vec<(u32, Cell)>,
    too_long: Vec<(u32, u32, usize)>,
    limits: &'a Limits,
    file: &'a str,
}

impl<'a> GridBuilder<'a> {
    /// A builder for a sheet (`None` for CSV).
    pub fn new(file: &'a str, sheet: Option<String>, limits: &'a Limits) -> Self {
        GridBuilder { sheet, cells: Vec::new(), too_long: Vec::new(), limits, file }
    }

    /// Adds a cell; empty text is skipped. `row` is one-based, `col` zero-based.
    pub fn push(&mut self, row: u32, col: u32, text: Arc<str>, numeric: bool) -> Result<(), Problem> {
        if text.is_empty() || col >= MAX_COLUMNS {
            return Ok(());
        }
        if row > self.limits.max_rows {
            return Err(Problem::error(ProblemKind::TooManyRows { limit: self.limits.max_rows }, self.file)
                .in_sheet(self.sheet.as_deref())
                .at(cell_name(row, col)));
        }
        // Count characters only when the byte length could exceed the limit.
        let max = self.limits.max_cell_chars as usize;
        if text.len() > max {
            let chars = text.chars().count();
            if chars > max {
                self.too_long.push((row, col, chars));
                return Ok(());
            }
        }
        self.cells.push((row, Cell { col, text, numeric, merged: false }));
        Ok(())
    }

    /// Orders the cells, keeps the last value of a cell written twice and
    /// fills merged areas (`(first_row, first_col, last_row, last_col)`,
    /// inclusive, one-/zero-based like cells).
    pub fn finish(mut self, merges: &[(u32, u32, u32, u32)], date1904: bool) -> Result<Grid, Problem> {
        // Stable sort keeps the document order within a cell: last wins below.
        self.cells.sort_by_key(|(r, c)| (*r, c.col));
        let mut rows: Vec<Row> = Vec::new();
        for (r, cell) in self.cells {
            match rows.last_mut() {
                Some(last) if last.index == r => match last.cells.last_mut() {
                    Some(prev) if prev.col == cell.col => *prev = cell,
                    _ => last.cells.push(cell),
                },
                _ => rows.push(Row { index: r, cells: vec![cell] }),
            }
        }
        let mut grid = Grid { sheet: self.sheet, rows, date1904, too_long: self.too_long };
        fill_merges(&mut grid, merges, self.file)?;
        Ok(grid)
    }
}

fn fill_merges(grid: &mut Grid, merges: &[(u32, u32, u32, u32)], file: &str) -> Result<(), Problem> {
    if merges.is_empty() || grid.rows.is_empty() {
        return Ok(());
    }
    let last_row = grid.rows.last().map_or(0, |r| r.index);
    let last_col = grid.rows.iter().filter_map(|r| r.cells.last().map(|c| c.col)).max().unwrap_or(0);
    let mut budget = MERGE_FILL_BUDGET;
    let mut fills: Vec<(u32, Cell)> = Vec::new();
    for &(r1, c1, r2, c2) in merges {
        let Some(origin) = grid.row(r1).and_then(|r| r.cell(c1)) else {
            continue;
        };
        let (r2, c2) = (r2.min(last_row), c2.min(last_col).min(MAX_COLUMNS - 1));
        if r2 < r1 || c2 < c1 {
            continue;
        }
        let area = (r2 - r1 + 1) as usize * (c2 - c1 + 1) as usize;
        budget = budget.checked_sub(area).ok_or_else(|| {
            Problem::error(ProblemKind::NotReadable { detail: "too many merged cells".into() }, file)
                .in_sheet(grid.sheet.as_deref())
        })?;
        for r in r1..=r2 {
            for c in c1..=c2 {
                if (r, c) != (r1, c1) {
                    fills.push((r, Cell { merged: true, col: c, ..origin.clone() }));
                }
            }
        }
    }
    if fills.is_empty() {
        return Ok(());
    }
    // Merge the fills in, keeping any value a covered cell holds itself
    // (Excel hides those, but they are in the file).
    let mut all: Vec<(u32, Cell)> = std::mem::take(&mut grid.rows)
        .into_iter()
        .flat_map(|row| {
            let index = row.index;
            row.cells.into_iter().map(move |c| (index, c))
        })
        .collect();
    all.extend(fills);
    all.sort_by_key(|(r, c)| (*r, c.col, c.merged));
    for (r, cell) in all {
        match grid.rows.last_mut() {
            Some(last) if last.index == r => match last.cells.last() {
                Some(prev) if prev.col == cell.col => {}
                _ => last.cells.push(cell),
            },
            _ => grid.rows.push(Row { index: r, cells: vec![cell] }),
        }
    }
    Ok(())
}

/// `0` → `A`, `25` → `Z`, `26` → `AA`.
pub fn col_name(col: u32) -> String {
    let mut n = col + 1;
    let mut out = Vec::new();
    while n > 0 {
        let rem = (n - 1) % 26;
        out.push(b'A' + rem as u8);
        n = (n - 1) / 26;
    }
    out.reverse();
    String::from_utf8(out).unwrap_or_default()
}

/// `(44, 12)` → `M44`.
pub fn cell_name(row: u32, col: u32) -> String {
    format!("{}{row}", col_name(col))
}

/// Parses `M44` → `(44, 12)`; `$M$44` is accepted.
pub fn parse_cell_name(s: &str) -> Option<(u32, u32)> {
    let s = s.trim().trim_start_matches('$');
    let split = s.find(|c: char| !c.is_ascii_alphabetic())?;
    let (letters, digits) = s.split_at(split);
    let digits = digits.trim_start_matches('$');
    if letters.is_empty() || letters.len() > 3 {
        return None;
    }
    let mut col: u32 = 0;
    for b in letters.bytes() {
        col = col * 26 + u32::from(b.to_ascii_uppercase() - b'A') + 1;
    }
    let row: u32 = digits.parse().ok()?;
    (row > 0).then_some((row, col - 1))
}

/// Parses `A1:C3` → `(1, 0, 3, 2)`, ordered.
pub fn parse_range(s: &str) -> Option<(u32, u32, u32, u32)> {
    let (a, b) = s.split_once(':')?;
    let (r1, c1) = parse_cell_name(a)?;
    let (r2, c2) = parse_cell_name(b)?;
    Some((r1.min(r2), c1.min(c2), r1.max(r2), c1.max(c2)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cell_names_round_trip() {
        for (row, col, name) in
            [(1, 0, "A1"), (44, 12, "M44"), (9, 25, "Z9"), (3, 26, "AA3"), (2, 701, "ZZ2"), (1, 702, "AAA1")]
        {
            assert_eq!(cell_name(row, col), name);
            assert_eq!(parse_cell_name(name), Some((row, col)));
        }
        assert_eq!(parse_cell_name("$B$7"), Some((7, 1)));
        assert_eq!(parse_range("M7:N7"), Some((7, 12, 7, 13)));
        assert_eq!(parse_range("B8:B7"), Some((7, 1, 8, 1)));
        for bad in ["", "7", "B", "B0", "ABCD1", "B-1"] {
            assert_eq!(parse_cell_name(bad), None, "{bad}");
        }
    }

    #[test]
    fn merged_areas_are_filled_but_own_values_win() {
        let limits = Limits::default();
        let mut b = GridBuilder::new("f", Some("s".into()), &limits);
        for (r, c, t) in
            [(7, 12, "評価結果"), (8, 12, "達成条件評価"), (8, 13, "評価の根拠記入欄"), (7, 1, "No."), (20, 1, "x")]
        {
            assert!(b.push(r, c, Arc::from(t), false).is_ok());
        }
        let grid = b.finish(&[(7, 12, 7, 13), (7, 1, 8, 1), (1, 0, 1_048_576, 16_383)], false);
        let Ok(grid) = grid else { panic!("{grid:?}") };
        assert_eq!(grid.text(7, 13), Some("評価結果"));
        assert_eq!(grid.text(8, 1), Some("No."));
        assert_eq!(grid.text(8, 12), Some("達成条件評価"));
        assert!(grid.row(8).and_then(|r| r.cell(1)).is_some_and(|c| c.merged));
        // A merge with an empty origin fills nothing.
        assert_eq!(grid.text(2, 0), None);
    }

    #[test]
    fn limits_are_checked_per_cell() {
        let limits = Limits { max_rows: 10, max_cell_chars: 3, ..Limits::default() };
        let mut b = GridBuilder::new("f", None, &limits);
        assert!(b.push(10, 0, Arc::from("abc"), false).is_ok());
        assert!(b.push(10, 1, Arc::from("あいう"), false).is_ok(), "characters, not bytes");
        assert!(b.push(2, 0, Arc::from("abcd"), false).is_ok(), "recorded, reported later");
        let deep = b.push(11, 0, Arc::from("x"), false);
        assert!(matches!(deep, Err(ref p) if matches!(p.kind, ProblemKind::TooManyRows { limit: 10 })));
        // Empty cells cost nothing, however deep.
        assert!(b.push(1_000_000, 0, Arc::from(""), false).is_ok());
        let grid = b.finish(&[], false).unwrap_or_default();
        assert_eq!(grid.too_long, [(2, 0, 4)]);
        assert_eq!(grid.text(2, 0), None);
    }
}
