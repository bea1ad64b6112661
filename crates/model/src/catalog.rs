//! Framework catalogs as data: the items of a guideline, their levels, the
//! parts of multi-part conditions and the tags detectors use.
//!
//! Catalogs live in `config/frameworks/*.toml`; the current JAMA/JAPIA one is
//! built into the binary so a fresh install needs no files. Official wording
//! (condition, criteria) is not shipped: `hyoka catalog import` reads it from
//! the user's own copy of the workbook.

use std::collections::BTreeSet;

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::domain::{ItemNumber, Level};

/// The catalog of the current guideline, as shipped in `config/`.
pub const BUILTIN_TOML: &str = include_str!("../../../config/frameworks/jama-japia-2.3.toml");

/// A guideline version.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Framework {
    /// Stable id, e.g. `jama-japia-2.3`.
    pub id: String,
    /// Display name.
    pub name: String,
    /// Version string, e.g. `2.3`.
    pub version: String,
    /// Publication date (ISO 8601), when known.
    #[serde(default)]
    pub published: Option<String>,
    /// How many items the framework has (153).
    pub item_count: u16,
    /// How many items each level has (`[50, 74, 29]`), when known.
    #[serde(default)]
    pub level_counts: Option<[u16; 3]>,
}

/// One part of a multi-part achievement condition (seed question 7: No.9
/// needs rules AND education). A score of 2 needs every part.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Part {
    /// Stable key, e.g. `education`.
    pub key: String,
    /// Japanese label.
    pub label_ja: String,
    /// English label.
    pub label_en: String,
    /// Words whose presence in the evidence shows this part is covered.
    pub synonyms: Vec<String>,
}

/// One item of a framework.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Item {
    /// Item number.
    pub number: ItemNumber,
    /// Level, where public data gives it; an uploaded sheet's level wins.
    #[serde(default)]
    pub level: Option<Level>,
    /// Where the level comes from.
    #[serde(default)]
    pub level_source: Option<String>,
    /// Label / category (分類).
    #[serde(default)]
    pub category: Option<String>,
    /// Responsible area (担当領域).
    #[serde(default)]
    pub responsible_area: Option<String>,
    /// Short subject in our own words.
    pub subject_ja: String,
    /// English gloss of the subject.
    pub subject_en: String,
    /// 達成条件, only from a user-imported official workbook.
    #[serde(default)]
    pub condition: Option<String>,
    /// 達成基準, only from a user-imported official workbook.
    #[serde(default)]
    pub criteria: Option<String>,
    /// 他社事例 (example answers), only from a user-imported official workbook.
    #[serde(default)]
    pub examples: Option<String>,
    /// Tags detectors use (`universal`, `cap-24x7`, …).
    #[serde(default)]
    pub tags: Vec<String>,
    /// Parts of a multi-part condition.
    #[serde(default)]
    pub parts: Vec<Part>,
    /// Items this one presupposes (reviewing logs needs collecting them).
    #[serde(default)]
    pub depends_on: Vec<ItemNumber>,
    /// Free-text remark about the data (sources, uncertainty).
    #[serde(default)]
    pub note: Option<String>,
}

impl Item {
    /// Whether the item carries `tag`.
    pub fn has_tag(&self, tag: &str) -> bool {
        self.tags.iter().any(|t| t == tag)
    }
}

/// A framework with its items, validated.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Catalog {
    /// The framework.
    pub framework: Framework,
    /// Items ordered by number, numbered 1..=item_count without gaps.
    pub items: Vec<Item>,
}

/// Why a catalog file was refused.
#[derive(Debug, thiserror::Error)]
pub enum CatalogError {
    /// Not valid TOML or not the expected shape.
    #[error("catalog is not valid: {0}")]
    Syntax(String),
    /// Valid TOML that breaks a rule.
    #[error("catalog {framework}: {problem}")]
    Invalid {
        /// The framework id.
        framework: String,
        /// What is wrong.
        problem: String,
    },
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct CatalogFile {
    framework: Framework,
    items: Vec<Item>,
}

impl Catalog {
    /// The built-in JAMA/JAPIA catalog.
    pub fn builtin() -> Result<Catalog, CatalogError> {
        Catalog::from_toml(BUILTIN_TOML)
    }

    /// Parses and validates a catalog file.
    pub fn from_toml(text: &str) -> Result<Catalog, CatalogError> {
        let file: CatalogFile = toml::from_str(text).map_err(|e| CatalogError::Syntax(e.to_string()))?;
        let mut catalog = Catalog { framework: file.framework, items: file.items };
        catalog.items.sort_by_key(|i| i.number);
        catalog.validate()?;
        Ok(catalog)
    }

    fn validate(&self) -> Result<(), CatalogError> {
        let bad = |problem: String| CatalogError::Invalid { framework: self.framework.id.clone(), problem };
        let want = usize::from(self.framework.item_count);
        if self.items.len() != want {
            return Err(bad(format!("{} items listed, item_count says {want}", self.items.len())));
        }
        for (i, item) in self.items.iter().enumerate() {
            if usize::from(item.number.get()) != i + 1 {
                return Err(bad(format!(
                    "item numbers must run 1..={want} once each; {} is out of place",
                    item.number
                )));
            }
            if item.level.is_some() && item.level_source.is_none() {
                return Err(bad(format!("{} gives a level without level_source", item.number)));
            }
            let mut keys = BTreeSet::new();
            for part in &item.parts {
                if part.synonyms.iter().all(|s| s.trim().is_empty()) {
                    return Err(bad(format!("{} part {:?} has no synonyms", item.number, part.key)));
                }
                if !keys.insert(part.key.as_str()) {
                    return Err(bad(format!("{} repeats part {:?}", item.number, part.key)));
                }
            }
            for dep in &item.depends_on {
                if dep.get() == 0 || usize::from(dep.get()) > want || *dep == item.number {
                    return Err(bad(format!("{} depends on {dep}, which is not another item", item.number)));
                }
            }
        }
        if let Some(counts) = self.framework.level_counts {
            for level in Level::ALL {
                let n = self.items.iter().filter(|i| i.level == Some(level)).count();
                if n > usize::from(counts[level.index()]) {
                    return Err(bad(format!(
                        "{n} items at {level}, but the framework has only {}",
                        counts[level.index()]
                    )));
                }
            }
        }
        Ok(())
    }

    /// The item with this number.
    pub fn item(&self, number: ItemNumber) -> Option<&Item> {
        self.items.get(usize::from(number.get()).checked_sub(1)?).filter(|i| i.number == number)
    }

    /// A SHA-256 over the catalog's content, recorded with what was derived
    /// from it (detector runs, seeds).
    pub fn content_hash(&self) -> String {
        let json = serde_json::to_vec(self).unwrap_or_default();
        hex::encode(Sha256::digest(json))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn builtin_catalog_is_valid_and_complete() {
        let c = Catalog::builtin();
        assert!(c.is_ok(), "{c:?}");
        let Ok(c) = c else { return };
        assert_eq!(c.framework.id, "jama-japia-2.3");
        assert_eq!(c.items.len(), 153);
        let n9 = ItemNumber::new(9).ok().and_then(|n| c.item(n));
        assert_eq!(n9.and_then(|i| i.level), Some(Level::Lv1));
        assert!(n9.is_some_and(|i| i.parts.len() >= 2), "No.9 needs rules and education");
    }

    #[test]
    fn broken_catalogs_are_refused_with_the_reason() {
        let head = "[framework]\nid='x'\nname='x'\nversion='1'\nitem_count=2\nlevel_counts=[1,1,0]\n";
        let item = |n: u16, extra: &str| format!("[[items]]\nnumber={n}\nsubject_ja='s'\nsubject_en='s'\n{extra}\n");
        let cases = [
            (format!("{head}{}", item(1, "")), "item_count says 2"),
            (format!("{head}{}{}", item(1, ""), item(3, "")), "out of place"),
            (format!("{head}{}{}", item(1, "level=1"), item(2, "")), "level_source"),
            (
                format!("{head}{}{}", item(1, "level=1\nlevel_source='a'"), item(2, "level=1\nlevel_source='a'")),
                "only 1",
            ),
            (format!("{head}{}{}", item(1, "depends_on=[1]"), item(2, "")), "depends on"),
            (format!("{head}{}{}", item(1, "colour='red'"), item(2, "")), "unknown field"),
        ];
        for (text, want) in cases {
            let err = Catalog::from_toml(&text).err().map(|e| e.to_string()).unwrap_or_default();
            assert!(err.contains(want), "{want}: {err}");
        }
    }
}

/// The official wording of one item, read from the user's own workbook.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ItemWording {
    /// Item number.
    pub number: ItemNumber,
    /// レベル.
    pub level: Option<Level>,
    /// 達成条件.
    pub condition: Option<String>,
    /// 達成基準.
    pub criteria: Option<String>,
    /// 他社事例: the example answers of the official sheet.
    pub examples: Option<String>,
    /// 担当領域.
    pub responsible_area: Option<String>,
}
