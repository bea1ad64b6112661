//! Synthetic levels for the items whose level the catalog does not know.
//!
//! The built-in catalog gives levels only where public data states them
//! (94 of 153 items); a real uploaded sheet supplies the rest. Synthetic
//! sheets need a level for every item, so the missing ones are filled in
//! with a fixed assignment that makes the per-level totals match the
//! framework's `level_counts` (50 / 74 / 29 for the JAMA/JAPIA guideline).

use hyoka_model::catalog::Catalog;
use hyoka_model::domain::Level;

use crate::rng::Rng;

/// Fixed seed of the assignment: it must never change, or stored demo
/// data would disagree with freshly generated sheets.
const LEVEL_SEED: u64 = 0x4C45_5645_4C53; // "LEVELS"

/// One level per catalog item, in item order: the catalog's level where it
/// has one, otherwise a fixed synthetic level chosen so the totals equal
/// the framework's `level_counts` exactly.
///
/// The assignment is a fixed pseudo-random permutation of the items without
/// a level; it depends only on the catalog. When the framework gives no
/// `level_counts`, or the counts cannot be met, the remaining items get Lv2.
pub fn synthetic_levels(catalog: &Catalog) -> Vec<Level> {
    let mut levels: Vec<Option<Level>> = catalog.items.iter().map(|i| i.level).collect();
    let mut missing: Vec<usize> = levels.iter().enumerate().filter(|(_, l)| l.is_none()).map(|(i, _)| i).collect();
    Rng::derive(LEVEL_SEED, &[]).shuffle(&mut missing);

    let mut need = [0usize; 3];
    if let Some(counts) = catalog.framework.level_counts {
        for level in Level::ALL {
            let known = levels.iter().filter(|l| **l == Some(level)).count();
            need[level.index()] = usize::from(counts[level.index()]).saturating_sub(known);
        }
    }
    let mut queue = Level::ALL.into_iter().flat_map(|level| std::iter::repeat_n(level, need[level.index()]));
    for index in missing {
        if let Some(slot) = levels.get_mut(index) {
            *slot = Some(queue.next().unwrap_or(Level::Lv2));
        }
    }
    levels.into_iter().map(|l| l.unwrap_or(Level::Lv2)).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn builtin_totals_are_exact_and_known_levels_kept() {
        let Ok(catalog) = Catalog::builtin() else { panic!("builtin catalog") };
        let levels = synthetic_levels(&catalog);
        assert_eq!(levels.len(), catalog.items.len());
        let count = |l: Level| levels.iter().filter(|x| **x == l).count();
        assert_eq!([count(Level::Lv1), count(Level::Lv2), count(Level::Lv3)], [50, 74, 29]);
        for (item, level) in catalog.items.iter().zip(&levels) {
            if let Some(known) = item.level {
                assert_eq!(known, *level, "{}", item.number);
            }
        }
        assert_eq!(levels, synthetic_levels(&catalog), "fixed assignment");
    }
}
