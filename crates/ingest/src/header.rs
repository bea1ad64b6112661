//! Finding the item table: which sheet, which header row (or pair of rows),
//! which column holds what, by the header labels alone.
//!
//! # Matching
//! Header text is compared after [`normalize_compact`] (NFKC, whitespace
//! removed, ASCII lower-cased). For each column and each column kind, the
//! best way a synonym matches the label is scored:
//!
//! 1. **exact**: the label is the synonym;
//! 2. **prefix**: the label starts with the synonym (a header cell with long
//!    guidance text after its title);
//! 3. **contained**: the synonym is somewhere in the label.
//!
//! Ties go to the longer synonym. Then the best (kind, column) pairs are
//! taken greedily, each kind and each column at most once. So 「達成条件評価」
//! is the evaluation column (an exact match) although it contains
//! 「達成条件」, and 「評価の根拠記入欄 ■対策完了(2点)：…」 is the evidence
//! column (prefix, 8 characters) although it contains 「評価」.
//! Short ASCII synonyms (`No`, `Lv`) only match exactly, so `Note` is not
//! `No`. The English edition's labels (`Achievement condition(s)`,
//! `Self-evaluation`, `Basis for evaluation`, …) sit beside the Japanese
//! ones in [`SYNONYMS`]; a sheet may mix both languages.
//!
//! # Two-row headers
//! A band of two rows is tried as well as single rows: each column takes the
//! lower row's label, or the upper's where the lower is empty (a group cell
//! such as 「評価結果」 merged over two columns is filled into both by the
//! grid, and a vertically merged 「No.」 reaches the lower row the same way).
//! The band that recognises the most columns wins.

use std::sync::LazyLock;

use hyoka_model::text::normalize_compact;

use crate::grid::Grid;
use crate::problem::Column;

/// How many rows from the top are searched for the header.
pub const HEADER_SEARCH_ROWS: u32 = 30;

/// Header labels of each column kind, as written in the Japanese sheet and
/// the English edition (compared after [`header_key`]). The official English
/// wording is not verified here: these are the expected synonyms, documented
/// in `docs/ingest.md`; a refusal lists them.
pub const SYNONYMS: &[(Column, &[&str])] = &[
    (Column::Item, &["No.", "No", "項番", "番号", "項目番号", "項目No.", "通番", "Item No.", "Item No", "Item number"]),
    (Column::Level, &["レベル", "対象レベル", "Lv", "Lv.", "Level", "Target level"]),
    (Column::Purpose, &["目的", "Purpose", "Objective"]),
    (Column::Requirement, &["要求事項", "Requirement", "Requirements"]),
    (Column::Condition, &["達成条件", "Achievement condition", "Achievement conditions", "Achievement condition(s)"]),
    (Column::Criteria, &["達成基準", "Achievement criteria", "Achievement criterion"]),
    (
        Column::Examples,
        &["他社事例", "参考事例", "Examples from other companies", "Other companies' examples", "Examples"],
    ),
    (Column::Category, &["ラベル", "カテゴリ", "カテゴリー", "分類", "Label", "Category", "Classification"]),
    (Column::Area, &["担当領域", "Area in charge", "Responsible area", "Area of responsibility"]),
    (
        Column::Evaluation,
        &["達成条件評価", "評価", "自己評価", "Evaluation", "Self-evaluation", "Self evaluation", "Self-assessment"],
    ),
    (
        Column::Evidence,
        &[
            "評価の根拠記入欄",
            "評価の根拠",
            "根拠",
            "評価根拠",
            "根拠記入欄",
            "Basis for evaluation",
            "Basis of evaluation",
            "Evaluation basis",
            "Evidence",
            "Rationale",
        ],
    ),
];

/// [`SYNONYMS`] as compared, computed once.
static KEYS: LazyLock<Vec<(Column, Vec<String>)>> = LazyLock::new(|| {
    SYNONYMS.iter().map(|(kind, labels)| (*kind, labels.iter().map(|l| header_key(l)).collect())).collect()
});

/// The labels looked for a column kind, as written (`No. · No · 項番 …`), for messages.
pub fn labels_looked_for(kind: Column) -> String {
    SYNONYMS.iter().find(|(k, _)| *k == kind).map(|(_, l)| l.join(" · ")).unwrap_or_default()
}

/// ASCII synonyms shorter than this match only exactly: `No` is not `Notes`,
/// `Lv` not `Lvalue`. Longer ones (`Evaluation`, `Evidence`) may start a
/// label with guidance text after it, like the Japanese ones.
const SHORT_ASCII: usize = 5;

/// How well a label matched, best last: (tier, synonym length in chars).
type Score = (u8, usize);

fn score(label: &str, synonym: &str) -> Option<Score> {
    let len = synonym.chars().count();
    if label == synonym {
        return Some((3, len));
    }
    if synonym.is_ascii() && len < SHORT_ASCII {
        return None;
    }
    if label.starts_with(synonym) {
        Some((2, len))
    } else if label.contains(synonym) {
        Some((1, len))
    } else {
        None
    }
}

/// Normalised header text: NFKC, no whitespace, ASCII lower case.
pub fn header_key(s: &str) -> String {
    let mut k = normalize_compact(s);
    k.make_ascii_lowercase();
    k
}

/// The columns of a found table.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Header {
    /// First header row (one-based).
    pub first_row: u32,
    /// Last header row: the data start below it.
    pub last_row: u32,
    /// Column of each recognised kind (zero-based), ordered by kind.
    pub columns: Vec<(Column, u32)>,
    /// The normalised label of the item column (to skip repeated headers).
    pub item_label: String,
    quality: (usize, usize),
}

impl Header {
    /// The column of a kind.
    pub fn col(&self, kind: Column) -> Option<u32> {
        self.columns.iter().find(|(k, _)| *k == kind).map(|(_, c)| *c)
    }
}

/// Assigns columns to kinds for one set of labels `(col, normalised label)`.
fn assign(labels: &[(u32, String)]) -> Vec<(Column, u32, Score)> {
    let mut candidates: Vec<(Score, Column, u32)> = Vec::new();
    for (col, label) in labels {
        if label.is_empty() {
            continue;
        }
        for (kind, synonyms) in KEYS.iter() {
            if let Some(best) = synonyms.iter().filter_map(|s| score(label, s)).max() {
                candidates.push((best, *kind, *col));
            }
        }
    }
    // Best score first; among equals the leftmost column, then the kind order.
    candidates.sort_by(|a, b| b.0.cmp(&a.0).then(a.2.cmp(&b.2)).then(a.1.cmp(&b.1)));
    let mut out: Vec<(Column, u32, Score)> = Vec::new();
    for (s, kind, col) in candidates {
        if out.iter().any(|(k, c, _)| *k == kind || *c == col) {
            continue;
        }
        out.push((kind, col, s));
    }
    out.sort_by_key(|(k, _, _)| *k);
    out
}

/// The best header of a sheet that has every `required` column, if any.
pub fn find(grid: &Grid, required: &[Column]) -> Option<Header> {
    // Normalised labels of the first rows.
    let rows: Vec<(u32, Vec<(u32, String)>)> = grid
        .rows
        .iter()
        .take_while(|r| r.index <= HEADER_SEARCH_ROWS)
        .filter(|r| r.cells.len() >= 2)
        .map(|r| (r.index, r.cells.iter().filter(|c| !c.numeric).map(|c| (c.col, header_key(&c.text))).collect()))
        .collect();
    let mut best: Option<Header> = None;
    let mut consider = |first_row: u32, last_row: u32, labels: &[(u32, String)]| {
        let found = assign(labels);
        if !required.iter().all(|k| found.iter().any(|(f, _, _)| f == k)) {
            return;
        }
        let quality = (found.len(), found.iter().map(|(_, _, s)| usize::from(s.0) * 100 + s.1).sum());
        if best.as_ref().is_some_and(|b| b.quality >= quality) {
            return;
        }
        let item_label = found
            .iter()
            .find(|(k, _, _)| *k == Column::Item)
            .and_then(|(_, c, _)| labels.iter().find(|(lc, _)| lc == c))
            .map(|(_, l)| l.clone())
            .unwrap_or_default();
        best = Some(Header {
            first_row,
            last_row,
            columns: found.iter().map(|(k, c, _)| (*k, *c)).collect(),
            item_label,
            quality,
        });
    };
    for (i, (index, labels)) in rows.iter().enumerate() {
        consider(*index, *index, labels);
        if let Some((next, lower)) = rows.get(i + 1).filter(|(n, _)| *n == index + 1) {
            let mut merged: Vec<(u32, String)> = lower.clone();
            for (col, label) in labels {
                if !lower.iter().any(|(c, l)| c == col && !l.is_empty()) {
                    merged.push((*col, label.clone()));
                }
            }
            merged.sort_by_key(|(c, _)| *c);
            consider(*index, *next, &merged);
        }
    }
    best
}

/// The sheet holding the item table and its header: the one whose header
/// recognises the most columns (the first such sheet on a tie).
pub fn find_in<'g>(grids: &'g [Grid], required: &[Column]) -> Option<(&'g Grid, Header)> {
    let mut best: Option<(&Grid, Header)> = None;
    for g in grids {
        if let Some(h) = find(g, required)
            && best.as_ref().is_none_or(|(_, b)| h.quality > b.quality)
        {
            best = Some((g, h));
        }
    }
    best
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use super::*;
    use crate::grid::GridBuilder;
    use crate::limits::Limits;

    fn grid(cells: &[(u32, u32, &str)], merges: &[(u32, u32, u32, u32)]) -> Grid {
        let limits = Limits::default();
        let mut b = GridBuilder::new("t", Some("s".into()), &limits);
        for (r, c, t) in cells {
            assert!(b.push(*r, *c, Arc::from(*t), false).is_ok());
        }
        b.finish(merges, false).unwrap_or_default()
    }

    fn labels(pairs: &[&str]) -> Vec<(u32, String)> {
        pairs.iter().enumerate().map(|(i, s)| (i as u32, header_key(s))).collect()
    }

    #[test]
    fn exact_beats_containment_and_columns_are_claimed_once() {
        let found = assign(&labels(&["No.", "達成条件", "達成条件評価", "評価の根拠記入欄"]));
        let kinds: Vec<(Column, u32)> = found.iter().map(|(k, c, _)| (*k, *c)).collect();
        assert_eq!(kinds, [(Column::Item, 0), (Column::Condition, 1), (Column::Evaluation, 2), (Column::Evidence, 3)]);
    }

    #[test]
    fn guidance_text_in_the_header_does_not_confuse_the_match() {
        let found = assign(&labels(&[
            "No",
            "評価の根拠記入欄\n■対策完了(2点)：規程名、導入システム/策定・改定・導入年 ■対策中(1点)：現状と完了予定 達成条件評価の根拠",
            "前年度評価",
            "自己評価",
            "Notes",
        ]));
        let kinds: Vec<(Column, u32)> = found.iter().map(|(k, c, _)| (*k, *c)).collect();
        assert_eq!(kinds, [(Column::Item, 0), (Column::Evaluation, 3), (Column::Evidence, 1)]);
    }

    #[test]
    fn a_two_row_header_under_a_merged_group_cell_is_found() {
        let g = grid(
            &[
                (1, 0, "自工会/部工会 サイバーセキュリティガイドライン チェックシート"),
                (7, 1, "No."),
                (7, 2, "レベル"),
                (7, 3, "達成条件"),
                (7, 4, "評価結果"),
                (8, 4, "達成条件評価"),
                (8, 5, "評価の根拠記入欄"),
                (9, 1, "1"),
                (9, 4, "対策完了(2点)"),
            ],
            &[(7, 4, 7, 5), (7, 1, 8, 1), (7, 2, 8, 2), (7, 3, 8, 3)],
        );
        let h = find(&g, &[Column::Item, Column::Evaluation]);
        let Some(h) = h else { panic!("no header") };
        assert_eq!((h.first_row, h.last_row), (7, 8));
        assert_eq!(h.col(Column::Evaluation), Some(4));
        assert_eq!(h.col(Column::Evidence), Some(5));
        assert_eq!(h.col(Column::Condition), Some(3));
        assert_eq!(h.col(Column::Level), Some(2));
    }

    #[test]
    fn a_sheet_without_the_required_columns_has_no_header() {
        let g = grid(&[(1, 0, "レベル"), (1, 1, "達成率"), (2, 0, "Lv1"), (2, 1, "0.5")], &[]);
        assert_eq!(find(&g, &[Column::Item, Column::Evaluation]), None);
    }
}
