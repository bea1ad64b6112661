//! Reading the official wording of every item (達成条件, 達成基準, 他社事例,
//! レベル, 担当領域) from the user's own copy of the official workbook, for
//! `hyoka catalog import`. hyoka ships none of that text.

use std::collections::HashMap;

use hyoka_model::catalog::Catalog;
use hyoka_model::catalog::ItemWording;
use hyoka_model::domain::{ItemNumber, Level};

use crate::header;
use crate::problem::{Column, Problem, ProblemKind, Refusal};
use crate::table::{self, RawCell};
use crate::{Limits, grids};

/// The wording of every item the workbook lists, ordered by item. Refused
/// when no sheet has an item-number and a 達成条件 column, or when a row has
/// an unknown item number, a duplicate or an invalid level.
pub fn read(file: &str, bytes: &[u8], catalog: &Catalog, limits: &Limits) -> Result<Vec<ItemWording>, Refusal> {
    let (grids, _) = grids(file, bytes, limits).map_err(Refusal::one)?;
    let found = header::find_in(&grids, &[Column::Item, Column::Condition]);
    let mut problems = crate::long_cells(file, &grids, found.as_ref().map(|(g, h)| (*g, h)), limits);
    let Some((grid, header)) = found else {
        problems.insert(0, Problem::error(ProblemKind::MissingColumn { column: Column::Condition }, file));
        return Err(Refusal { file: file.to_owned(), problems });
    };
    let table = table::from_grid(grid, &header);
    let sheet = table.sheet.as_deref();
    let max = catalog.framework.item_count;
    let text = |c: &Option<RawCell>| c.as_ref().map(|c| c.text.trim().to_owned()).filter(|s| !s.is_empty());
    let mut seen: HashMap<ItemNumber, String> = HashMap::new();
    let mut out = Vec::new();
    for row in &table.rows {
        let at = |p: Problem, c: &RawCell| p.in_sheet(sheet).at(c.place.clone()).found(&*c.text);
        let item = match row.item.text.parse::<ItemNumber>() {
            Ok(n) if n.get() <= max => n,
            Ok(_) => {
                problems.push(at(Problem::error(ProblemKind::UnknownItem { max }, file), &row.item));
                continue;
            }
            // Section titles and notes in the item column.
            Err(_) => continue,
        };
        if let Some(first) = seen.insert(item, row.item.place.clone()) {
            problems.push(at(Problem::error(ProblemKind::DuplicateItem { first }, file), &row.item).item(item));
            continue;
        }
        let level = match row.level.as_ref().filter(|c| !c.is_blank()) {
            Some(c) => match c.text.parse::<Level>() {
                Ok(l) => Some(l),
                Err(_) => {
                    problems.push(at(Problem::error(ProblemKind::InvalidLevel, file), c).item(item));
                    continue;
                }
            },
            None => None,
        };
        out.push(ItemWording {
            number: item,
            level,
            condition: text(&row.condition),
            criteria: text(&row.criteria),
            examples: text(&row.examples),
            responsible_area: text(&row.area),
        });
    }
    if out.is_empty() && problems.is_empty() {
        problems.push(Problem::error(ProblemKind::NoItemTable, file).in_sheet(sheet));
    }
    if problems.is_empty() {
        out.sort_by_key(|w| w.number);
        Ok(out)
    } else {
        Err(Refusal { file: file.to_owned(), problems })
    }
}
