//! From a [`RawTable`] to answers, collecting every problem on the way: an
//! invalid or unknown item number, a duplicate, a missing item, an invalid
//! evaluation or level, an item without any level (errors), and a level that
//! contradicts the catalog (a warning).

use std::collections::HashMap;

use hyoka_model::catalog::Catalog;
use hyoka_model::domain::{Evaluation, ItemNumber, Level};
use hyoka_model::sheet::Answer;
use hyoka_model::text::normalize_compact;

use crate::problem::{Column, Problem, ProblemKind};
use crate::table::{RawCell, RawRow, RawTable};

/// The answers of a table, ordered by item, and the problems found.
/// The answers are complete only when no problem is an error.
pub fn answers(file: &str, table: &RawTable, catalog: &Catalog) -> (Vec<Answer>, Vec<Problem>) {
    let sheet = table.sheet.as_deref();
    let at = |p: Problem, cell: &RawCell| p.in_sheet(sheet).at(cell.place.clone()).found(&*cell.text);
    let max = catalog.framework.item_count;
    let mut problems = Vec::new();
    let mut seen: HashMap<ItemNumber, String> = HashMap::new();
    let mut answers = Vec::with_capacity(usize::from(max));
    for row in &table.rows {
        let Some(item) = item_number(file, row, max, &mut problems, &at) else {
            continue;
        };
        let place = match sheet {
            Some(s) => format!("{s}!{}", row.item.place),
            None => row.item.place.clone(),
        };
        if let Some(first) = seen.get(&item) {
            problems.push(
                at(Problem::error(ProblemKind::DuplicateItem { first: first.clone() }, file), &row.item).item(item),
            );
            continue;
        }
        seen.insert(item, place);

        let mut ok = true;
        let evaluation = match &row.evaluation {
            Some(cell) => match Evaluation::parse_cell(&cell.text) {
                Ok(e) => e,
                Err(_) => {
                    problems.push(at(Problem::error(ProblemKind::InvalidEvaluation, file), cell).item(item));
                    ok = false;
                    Evaluation::Unanswered
                }
            },
            None => Evaluation::Unanswered,
        };
        let catalog_level = catalog.item(item).and_then(|i| i.level);
        let level = match row.level.as_ref().filter(|c| !c.is_blank()) {
            Some(cell) => match cell.text.parse::<Level>() {
                Ok(l) => {
                    if let Some(c) = catalog_level.filter(|c| *c != l) {
                        problems.push(
                            at(Problem::warning(ProblemKind::LevelDiffersFromCatalog { catalog: c }, file), cell)
                                .item(item),
                        );
                    }
                    Some(l)
                }
                Err(_) => {
                    problems.push(at(Problem::error(ProblemKind::InvalidLevel, file), cell).item(item));
                    ok = false;
                    None
                }
            },
            None => {
                if catalog_level.is_none() {
                    let p = Problem::error(ProblemKind::NoLevel, file).in_sheet(sheet).item(item);
                    problems.push(match &row.level {
                        Some(cell) => p.at(cell.place.clone()),
                        None => p.at(row.item.place.clone()),
                    });
                    ok = false;
                }
                catalog_level
            }
        };
        // NUL and other controls would reach flags.csv and the workbook raw.
        for cell in [&row.evidence, &row.area].into_iter().flatten() {
            if let Some(c) =
                cell.text.chars().find(|c| (*c < ' ' && !matches!(c, '\t' | '\n' | '\r')) || *c == '\u{7f}')
            {
                let character = format!("U+{:04X}", u32::from(c));
                problems.push(at(Problem::error(ProblemKind::ControlCharacter { character }, file), cell).item(item));
                ok = false;
            }
        }
        let (Some(level), true) = (level, ok) else {
            continue;
        };
        answers.push(Answer {
            item,
            level,
            evaluation,
            evidence: row.evidence.as_ref().map(|c| c.text.to_string()).unwrap_or_default(),
            responsible_area: row.area.as_ref().map(|c| c.text.trim().to_owned()).filter(|s| !s.is_empty()),
            source_cell: Some(row.evaluation.as_ref().map_or(&row.item.place, |c| &c.place).clone()).map(
                |c| match sheet {
                    Some(s) => format!("{s}!{c}"),
                    None => c,
                },
            ),
        });
    }
    for n in 1..=max {
        let Ok(item) = ItemNumber::new(n) else { continue };
        if !seen.contains_key(&item) {
            let mut p = Problem::error(ProblemKind::MissingItem, file).in_sheet(sheet).item(item);
            if let Some(range) = &table.item_range {
                p = p.at(range.clone());
            }
            problems.push(p);
        }
    }
    if !table.columns.contains(&Column::Evidence) && !table.rows.is_empty() {
        problems.push(Problem::warning(ProblemKind::MissingColumn { column: Column::Evidence }, file).in_sheet(sheet));
    }
    answers.sort_by_key(|a| a.item);
    (answers, problems)
}

/// The item number of a row; `None` (with a problem, or silently for a row
/// that is no item row) when there is none.
/// The 達成条件 text of each answered item, trimmed, where the table has
/// that column and the cell is not blank.
pub fn conditions(table: &RawTable, answers: &[Answer]) -> Vec<(ItemNumber, String)> {
    let mut out: Vec<(ItemNumber, String)> = table
        .rows
        .iter()
        .filter_map(|row| {
            let cell = row.condition.as_ref().filter(|c| !c.is_blank())?;
            let item = row.item.text.parse::<ItemNumber>().ok()?;
            answers.iter().any(|a| a.item == item).then(|| (item, cell.text.trim().to_owned()))
        })
        .collect();
    out.sort_by_key(|(n, _)| *n);
    out.dedup_by_key(|(n, _)| *n);
    out
}

fn item_number(
    file: &str,
    row: &RawRow,
    max: u16,
    problems: &mut Vec<Problem>,
    at: &impl Fn(Problem, &RawCell) -> Problem,
) -> Option<ItemNumber> {
    let unknown = || at(Problem::error(ProblemKind::UnknownItem { max }, file), &row.item);
    match row.item.text.parse::<ItemNumber>() {
        Ok(n) if n.get() <= max => Some(n),
        Ok(n) => {
            problems.push(unknown().item(n));
            None
        }
        Err(_) => {
            let norm = normalize_compact(&row.item.text);
            let digits = norm.trim_start_matches(|c: char| !c.is_ascii_digit() && c != '-');
            if !digits.is_empty() && digits.trim_start_matches('-').chars().all(|c| c.is_ascii_digit()) {
                // A whole number outside 1–999 (0, -3, 1000).
                problems.push(unknown());
            } else if row.evaluation.as_ref().is_some_and(|e| {
                matches!(Evaluation::parse_cell(&e.text), Ok(Evaluation::Rated(_) | Evaluation::NotApplicable))
            }) {
                // An answer without a number.

                problems.push(at(Problem::error(ProblemKind::InvalidItemNumber, file), &row.item));
            }
            // Otherwise a title or note row (perhaps merged across the
            // table, its title filling every column): not an item.
            None
        }
    }
}
