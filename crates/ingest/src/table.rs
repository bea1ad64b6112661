//! The item table as read, before validation: one [`RawRow`] per row that
//! has an item number, with each cell's text and place. xlsx and CSV tables
//! come from a [`Grid`] and its [`Header`]; JSON submissions build one
//! directly.

use std::sync::Arc;

use crate::grid::{Grid, cell_name, col_name};
use crate::header::{Header, header_key};
use crate::problem::Column;

/// A cell's text and where it is (`M44`, or a JSON pointer).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RawCell {
    /// Text as written.
    pub text: Arc<str>,
    /// `M44` or `/answers/3/evaluation`.
    pub place: String,
}

impl RawCell {
    /// Whether the cell is empty or only whitespace.
    pub fn is_blank(&self) -> bool {
        self.text.trim().is_empty()
    }
}

/// One row of the item table.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RawRow {
    /// The item-number cell.
    pub item: RawCell,
    /// The level cell.
    pub level: Option<RawCell>,
    /// The evaluation cell (or its place when empty).
    pub evaluation: Option<RawCell>,
    /// The evidence cell.
    pub evidence: Option<RawCell>,
    /// The responsible-area cell.
    pub area: Option<RawCell>,
    /// The condition (達成条件) cell.
    pub condition: Option<RawCell>,
    /// The criteria (達成基準) cell.
    pub criteria: Option<RawCell>,
    /// The examples (他社事例) cell.
    pub examples: Option<RawCell>,
}

/// The item table of one file.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct RawTable {
    /// Sheet name (xlsx).
    pub sheet: Option<String>,
    /// Rows with an item cell, in file order.
    pub rows: Vec<RawRow>,
    /// Where the item numbers are (`B9:B161`), to place a missing item.
    pub item_range: Option<String>,
    /// Columns the table has.
    pub columns: Vec<Column>,
}

/// Reads the rows below a header. Rows with an empty item cell are skipped
/// (section titles, notes, blank lines); so is a repeated header row. The
/// item column does not take values from merged areas: a number merged
/// over two rows belongs to the first.
pub fn from_grid(grid: &Grid, header: &Header) -> RawTable {
    let Some(item_col) = header.col(Column::Item) else {
        return RawTable::default();
    };
    let get = |row: &crate::grid::Row, kind: Column, keep_empty: bool| -> Option<RawCell> {
        let col = header.col(kind)?;
        match row.cell(col) {
            Some(c) => Some(RawCell { text: Arc::clone(&c.text), place: cell_name(row.index, col) }),
            None if keep_empty => Some(RawCell { text: Arc::from(""), place: cell_name(row.index, col) }),
            None => None,
        }
    };
    let mut rows = Vec::new();
    let mut last = header.last_row;
    for row in grid.rows.iter().filter(|r| r.index > header.last_row) {
        let Some(item) = row.cell(item_col).filter(|c| !c.merged && !c.text.trim().is_empty()) else {
            continue;
        };
        if header_key(&item.text) == header.item_label {
            continue;
        }
        last = row.index;
        rows.push(RawRow {
            item: RawCell { text: Arc::clone(&item.text), place: cell_name(row.index, item_col) },
            level: get(row, Column::Level, true),
            evaluation: get(row, Column::Evaluation, true),
            evidence: get(row, Column::Evidence, false),
            area: get(row, Column::Area, false),
            condition: get(row, Column::Condition, false),
            criteria: get(row, Column::Criteria, false),
            examples: get(row, Column::Examples, false),
        });
    }
    let col = col_name(item_col);
    RawTable {
        sheet: grid.sheet.clone(),
        rows,
        item_range: Some(format!("{col}{}:{col}{}", header.last_row + 1, last.max(header.last_row + 1))),
        columns: header.columns.iter().map(|(k, _)| *k).collect(),
    }
}
