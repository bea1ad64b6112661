//! METI's supply-chain security evaluation scheme (SCS ★3 / ★4) as a
//! framework mapping onto the JAMA/JAPIA items, and a company's readiness
//! for it, as pure computation (see `docs/scs.md`).
//!
//! The mapping lives in `config/frameworks/meti-scs-*.toml` as data (a later
//! METI revision is a new file); the current one is built into the binary,
//! as the catalog is ([`crate::catalog`]).
//!
//! # The rules
//! A criterion is **met** when every JAMA item METI cites for it is at 2,
//! **partly** met when some are, **not met** when none are, and **not
//! covered** when METI cites no JAMA item (to be assessed separately, never
//! counted as met). An item that is 該当なし or unanswered is *not* at 2: the
//! JAMA sheet gives no evidence for the criterion through it. Readiness is
//! met / covered.

use std::collections::BTreeSet;
use std::sync::LazyLock;

use serde::{Deserialize, Serialize};

use crate::catalog::Catalog;
use crate::domain::{Evaluation, ItemNumber, Level, Points};

/// The mapping of the current scheme, as shipped in `config/`.
pub const BUILTIN_TOML: &str = include_str!("../../../config/frameworks/meti-scs-2026-03-27.toml");

/// The mapping's header.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MappingInfo {
    /// Stable id, e.g. `meti-scs-2026-03-27`.
    pub id: String,
    /// Name in Japanese.
    pub name_ja: String,
    /// Name in English.
    pub name_en: String,
    /// Publication date of the source (ISO 8601).
    pub published: String,
    /// The catalog it cites (framework id).
    pub maps_to: String,
    /// How many criteria the file must hold.
    pub criteria_count: usize,
}

/// A ★ of the scheme.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(try_from = "u8", into = "u8")]
pub enum Star {
    /// ★3: self-assessment confirmed by an expert.
    Three = 3,
    /// ★4: third-party assessment (comes on top of ★3).
    Four = 4,
}

impl TryFrom<u8> for Star {
    type Error = String;
    fn try_from(v: u8) -> Result<Self, Self::Error> {
        match v {
            3 => Ok(Star::Three),
            4 => Ok(Star::Four),
            _ => Err(format!("star {v}: must be 3 or 4")),
        }
    }
}

impl From<Star> for u8 {
    fn from(s: Star) -> u8 {
        s as u8
    }
}

/// One JAMA item METI cites for a criterion, with the level it gives.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Cited {
    /// The JAMA item.
    pub item: ItemNumber,
    /// The level METI gives the item, when it gives one.
    #[serde(default)]
    pub level: Option<Level>,
}

/// One criterion of the scheme.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Criterion {
    /// Criterion id, e.g. `1-1-1-1`.
    pub id: String,
    /// Requirement id, e.g. `1-1-1`.
    pub requirement: String,
    /// The requirement's short name (Japanese).
    pub requirement_name_ja: String,
    /// ★3 or ★4.
    pub star: Star,
    /// The JAMA items METI cites (empty: not covered).
    #[serde(default)]
    pub jama: Vec<Cited>,
    /// ISO/IEC 27001:2022 references.
    #[serde(default)]
    pub iso27001: Vec<String>,
    /// NIST CSF function.
    #[serde(default)]
    pub nist_csf: Option<String>,
}

impl Criterion {
    /// Whether METI cites any JAMA item for it.
    pub fn is_covered(&self) -> bool {
        !self.jama.is_empty()
    }
}

/// The scheme's criteria mapped onto a catalog, validated.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Mapping {
    /// The header.
    pub mapping: MappingInfo,
    /// The criteria, in the file's order.
    pub criteria: Vec<Criterion>,
}

/// Why a mapping file was refused.
#[derive(Debug, thiserror::Error)]
pub enum MappingError {
    /// Not valid TOML or not the expected shape.
    #[error("SCS mapping is not valid: {0}")]
    Syntax(String),
    /// Valid TOML that breaks a rule.
    #[error("SCS mapping {mapping}: {problem}")]
    Invalid {
        /// The mapping id.
        mapping: String,
        /// What is wrong.
        problem: String,
    },
}

impl Mapping {
    /// The built-in mapping, checked against `catalog`.
    pub fn builtin(catalog: &Catalog) -> Result<Mapping, MappingError> {
        Mapping::from_toml(BUILTIN_TOML, catalog)
    }

    /// Parses a mapping file and checks it against `catalog`: the criteria
    /// count, unique ids, and every cited item in the catalog it names.
    pub fn from_toml(text: &str, catalog: &Catalog) -> Result<Mapping, MappingError> {
        let m: Mapping = toml::from_str(text).map_err(|e| MappingError::Syntax(e.to_string()))?;
        let bad = |problem: String| MappingError::Invalid { mapping: m.mapping.id.clone(), problem };
        if m.mapping.maps_to != catalog.framework.id {
            return Err(bad(format!("maps to {}, not to the catalog {}", m.mapping.maps_to, catalog.framework.id)));
        }
        if m.criteria.len() != m.mapping.criteria_count {
            return Err(bad(format!(
                "{} criteria listed, criteria_count says {}",
                m.criteria.len(),
                m.mapping.criteria_count
            )));
        }
        let mut ids = BTreeSet::new();
        for c in &m.criteria {
            if !ids.insert(c.id.as_str()) {
                return Err(bad(format!("criterion {} is listed twice", c.id)));
            }
            let mut items = BTreeSet::new();
            for cited in &c.jama {
                if catalog.item(cited.item).is_none() {
                    return Err(bad(format!("criterion {} cites item {}, not in the catalog", c.id, cited.item)));
                }
                if !items.insert(cited.item) {
                    return Err(bad(format!("criterion {} cites item {} twice", c.id, cited.item)));
                }
            }
        }
        Ok(m)
    }

    /// The criterion with this id.
    pub fn criterion(&self, id: &str) -> Option<&Criterion> {
        self.criteria.iter().find(|c| c.id == id)
    }

    /// The distinct JAMA items the mapping cites.
    pub fn cited_items(&self) -> BTreeSet<ItemNumber> {
        self.criteria.iter().flat_map(|c| c.jama.iter().map(|j| j.item)).collect()
    }

    /// Each criterion's status given a lookup of item → score (`None`: the
    /// sheet does not have the item, taken as unanswered).
    pub fn statuses(&self, score: impl Fn(ItemNumber) -> Option<Evaluation>) -> Vec<Status> {
        self.criteria.iter().map(|c| status(c, &score)).collect()
    }

    /// The ★3 and ★3+★4 counts of `statuses` (one per criterion, in order).
    pub fn readiness(&self, statuses: &[Status]) -> Readiness {
        let mut star3 = Counts::default();
        let mut star4 = Counts::default();
        for (c, s) in self.criteria.iter().zip(statuses) {
            if c.star == Star::Three {
                star3.add(*s);
            }
            star4.add(*s);
        }
        Readiness { star3, star4 }
    }
}

/// The built-in mapping, checked against the built-in catalog once.
static BUILTIN: LazyLock<Result<Mapping, String>> = LazyLock::new(|| {
    let catalog = Catalog::builtin().map_err(|e| e.to_string())?;
    Mapping::builtin(&catalog).map_err(|e| e.to_string())
});

/// The built-in mapping, loaded and checked on first use: the one the kept
/// summaries' SCS figures ([`kept_figures`]) are computed with.
pub fn builtin_mapping() -> Result<&'static Mapping, &'static str> {
    BUILTIN.as_ref().map_err(String::as_str)
}

/// What a kept summary row keeps of SCS readiness, with the built-in
/// mapping on the estimated basis: the ★3 criteria met (the group view
/// orders companies by it; covered criteria are the same for every company,
/// so it orders them by readiness too) and the covered criteria partly or
/// not met (the year's totals count them, for the criteria most often
/// missed). `None` when the built-in mapping does not load.
pub fn kept_figures(summary: &crate::summary::CompanyYearSummary) -> Option<(u32, Vec<&'static str>)> {
    let m = builtin_mapping().ok()?;
    let statuses = statuses_of(m, summary, Basis::Estimated);
    let met = m.readiness(&statuses).star3.met;
    let missed = m
        .criteria
        .iter()
        .zip(&statuses)
        .filter(|(_, s)| matches!(s, Status::Partly | Status::NotMet))
        .map(|(c, _)| c.id.as_str())
        .collect();
    Some((met, missed))
}

/// Where a company stands on one criterion.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Status {
    /// Every cited item at 2.
    Met,
    /// Some cited items at 2, not all.
    Partly,
    /// No cited item at 2.
    NotMet,
    /// METI cites no JAMA item: to be assessed separately.
    NotCovered,
}

impl Status {
    /// Its name in the API and the CSV.
    pub fn code(self) -> &'static str {
        match self {
            Status::Met => "met",
            Status::Partly => "partly",
            Status::NotMet => "not_met",
            Status::NotCovered => "not_covered",
        }
    }
}

/// A criterion's status from its cited items' scores: only a 2 counts;
/// 該当なし, unanswered and a missing item do not.
pub fn status(c: &Criterion, score: impl Fn(ItemNumber) -> Option<Evaluation>) -> Status {
    if c.jama.is_empty() {
        return Status::NotCovered;
    }
    let at_two = c.jama.iter().filter(|j| score(j.item) == Some(Evaluation::Rated(Points::Two))).count();
    if at_two == c.jama.len() {
        Status::Met
    } else if at_two > 0 {
        Status::Partly
    } else {
        Status::NotMet
    }
}

/// How many criteria stand where, of one ★ (or of ★3+★4).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct Counts {
    /// Met.
    pub met: u32,
    /// Partly met.
    pub partly: u32,
    /// Not met.
    pub not_met: u32,
    /// Not covered by the JAMA items.
    pub not_covered: u32,
}

impl Counts {
    fn add(&mut self, s: Status) {
        match s {
            Status::Met => self.met += 1,
            Status::Partly => self.partly += 1,
            Status::NotMet => self.not_met += 1,
            Status::NotCovered => self.not_covered += 1,
        }
    }

    /// Criteria the JAMA items cover.
    pub fn covered(&self) -> u32 {
        self.met + self.partly + self.not_met
    }

    /// Covered criteria not met in full (partly or not met).
    pub fn missing(&self) -> u32 {
        self.partly + self.not_met
    }

    /// met / covered, `None` when nothing is covered.
    pub fn readiness(&self) -> Option<f64> {
        (self.covered() > 0).then(|| f64::from(self.met) / f64::from(self.covered()))
    }
}

/// A company's readiness on one basis.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct Readiness {
    /// Over the ★3 criteria.
    pub star3: Counts,
    /// Over the ★3 and ★4 criteria together.
    pub star4: Counts,
}

/// Which of a summary's scores readiness is computed on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Basis {
    /// As the subsidiary claimed.
    #[serde(rename = "self")]
    Claimed,
    /// As hyoka estimates: confirmed reviews, else undecided medium-or-higher
    /// suggestions, else the claim.
    Estimated,
    /// With the confirmed review decisions only.
    Reviewed,
}

impl Basis {
    /// Every basis.
    pub const ALL: [Basis; 3] = [Basis::Claimed, Basis::Estimated, Basis::Reviewed];

    /// Its name in the API.
    pub fn code(self) -> &'static str {
        match self {
            Basis::Claimed => "self",
            Basis::Estimated => "estimated",
            Basis::Reviewed => "reviewed",
        }
    }

    /// Its index in [`crate::summary::CompanyYearSummary::item`]'s four
    /// scores (self, suggested, reviewed, estimate).
    pub fn summary_index(self) -> usize {
        match self {
            Basis::Claimed => 0,
            Basis::Reviewed => 2,
            Basis::Estimated => 3,
        }
    }

    /// Whether it shows what hyoka found (the detector's or reviewers'
    /// work), which a subsidiary sees only once its flags are released.
    pub fn shows_findings(self) -> bool {
        self != Basis::Claimed
    }
}

impl std::str::FromStr for Basis {
    type Err = crate::error::ParseError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Basis::ALL
            .into_iter()
            .find(|b| b.code() == s)
            .ok_or_else(|| crate::error::ParseError::new("basis", s, "self, estimated or reviewed"))
    }
}

/// The statuses of a company-year's kept summary on `basis`.
pub fn statuses_of(mapping: &Mapping, summary: &crate::summary::CompanyYearSummary, basis: Basis) -> Vec<Status> {
    mapping.statuses(|n| summary.item(n.get()).map(|s| s[basis.summary_index()]))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn builtin() -> Mapping {
        Mapping::builtin(&Catalog::builtin().unwrap_or_else(|e| panic!("{e}"))).unwrap_or_else(|e| panic!("{e}"))
    }

    fn n(v: u16) -> ItemNumber {
        ItemNumber::try_from(v).unwrap_or_else(|e| panic!("{e}"))
    }

    #[test]
    fn the_builtin_mapping_has_meti_counts() {
        let m = builtin();
        assert_eq!(m.criteria.len(), 153);
        assert_eq!(m.criteria.iter().filter(|c| c.star == Star::Three).count(), 81);
        assert_eq!(m.criteria.iter().filter(|c| c.star == Star::Four).count(), 72);
        assert_eq!(m.criteria.iter().filter(|c| c.is_covered()).count(), 142);
        assert_eq!(m.cited_items().len(), 92);
        let c = m.criterion("1-1-1-1").unwrap_or_else(|| panic!("1-1-1-1"));
        assert_eq!(c.star, Star::Four);
        assert_eq!(
            c.jama,
            vec![Cited { item: n(9), level: Some(Level::Lv1) }, Cited { item: n(10), level: Some(Level::Lv2) }]
        );
        assert_eq!(c.iso27001, vec!["4.1", "4.2", "A.5.31"]);
    }

    #[test]
    fn a_mapping_citing_a_missing_item_or_repeating_an_id_is_refused() {
        let catalog = Catalog::builtin().unwrap_or_else(|e| panic!("{e}"));
        let head = "[mapping]\nid = \"t\"\nname_ja = \"t\"\nname_en = \"t\"\npublished = \"2026-03-27\"\nmaps_to = \"jama-japia-2.3\"\ncriteria_count = 2\n";
        let crit = |id: &str, item: u16| {
            format!(
                "[[criteria]]\nid = \"{id}\"\nrequirement = \"r\"\nrequirement_name_ja = \"r\"\nstar = 3\njama = [{{ item = {item}, level = 1 }}]\n"
            )
        };
        let ok = format!("{head}{}{}", crit("a", 1), crit("b", 153));
        assert!(Mapping::from_toml(&ok, &catalog).is_ok());
        let missing = format!("{head}{}{}", crit("a", 1), crit("b", 154));
        let e = Mapping::from_toml(&missing, &catalog).err().map(|e| e.to_string()).unwrap_or_default();
        assert!(e.contains("No.154"), "{e}");
        let twice = format!("{head}{}{}", crit("a", 1), crit("a", 2));
        let e = Mapping::from_toml(&twice, &catalog).err().map(|e| e.to_string()).unwrap_or_default();
        assert!(e.contains("listed twice"), "{e}");
        let short = format!("{head}{}", crit("a", 1));
        let e = Mapping::from_toml(&short, &catalog).err().map(|e| e.to_string()).unwrap_or_default();
        assert!(e.contains("1 criteria listed"), "{e}");
        let star5 = ok.replacen("star = 3", "star = 5", 1);
        assert!(matches!(Mapping::from_toml(&star5, &catalog), Err(MappingError::Syntax(_))));
    }

    #[test]
    fn status_rules() {
        let c = Criterion {
            id: "x".into(),
            requirement: "r".into(),
            requirement_name_ja: "r".into(),
            star: Star::Three,
            jama: vec![Cited { item: n(1), level: Some(Level::Lv1) }, Cited { item: n(2), level: None }],
            iso27001: vec![],
            nist_csf: None,
        };
        let two = Some(Evaluation::DONE);
        let at = |a: Option<Evaluation>, b: Option<Evaluation>| status(&c, |i| if i == n(1) { a } else { b });
        assert_eq!(at(two, two), Status::Met);
        assert_eq!(at(two, Some(Evaluation::IN_PROGRESS)), Status::Partly);
        assert_eq!(at(Some(Evaluation::NOT_DONE), Some(Evaluation::IN_PROGRESS)), Status::NotMet);
        // 該当なし, unanswered and a missing item are not at 2.
        assert_eq!(at(two, Some(Evaluation::NotApplicable)), Status::Partly);
        assert_eq!(at(Some(Evaluation::Unanswered), None), Status::NotMet);
        let uncovered = Criterion { jama: vec![], ..c.clone() };
        assert_eq!(status(&uncovered, |_| two), Status::NotCovered);
    }

    #[test]
    fn an_all_two_sheet_meets_every_covered_criterion() {
        let m = builtin();
        let r = m.readiness(&m.statuses(|_| Some(Evaluation::DONE)));
        // 81 ★3 criteria; the 11 uncovered ones split as the file says.
        let uncovered3 = m.criteria.iter().filter(|c| c.star == Star::Three && !c.is_covered()).count() as u32;
        assert_eq!(r.star3, Counts { met: 81 - uncovered3, partly: 0, not_met: 0, not_covered: uncovered3 });
        assert_eq!(r.star4, Counts { met: 142, partly: 0, not_met: 0, not_covered: 11 });
        assert_eq!(r.star3.readiness(), Some(1.0));
        assert_eq!(r.star4.readiness(), Some(1.0));
        let none = m.readiness(&m.statuses(|_| Some(Evaluation::NOT_DONE)));
        assert_eq!(none.star4, Counts { met: 0, partly: 0, not_met: 142, not_covered: 11 });
        assert_eq!(none.star4.readiness(), Some(0.0));
    }

    #[test]
    fn one_item_at_zero_lowers_exactly_its_criteria() {
        let m = builtin();
        let zero = n(10);
        let statuses = m.statuses(|i| Some(if i == zero { Evaluation::NOT_DONE } else { Evaluation::DONE }));
        for (c, s) in m.criteria.iter().zip(&statuses) {
            let cites = c.jama.iter().any(|j| j.item == zero);
            let want = match (c.is_covered(), cites, c.jama.len()) {
                (false, _, _) => Status::NotCovered,
                (true, false, _) => Status::Met,
                (true, true, 1) => Status::NotMet,
                (true, true, _) => Status::Partly,
            };
            assert_eq!(*s, want, "criterion {}", c.id);
        }
        // Item 10 is cited by 1-1-1-1 (with item 9: partly).
        assert_eq!(statuses[0], Status::Partly);
    }

    #[test]
    fn basis_parses_and_indexes_the_summary() {
        assert_eq!("self".parse::<Basis>().ok(), Some(Basis::Claimed));
        assert_eq!("estimated".parse::<Basis>().ok().map(Basis::summary_index), Some(3));
        assert_eq!("reviewed".parse::<Basis>().ok().map(Basis::summary_index), Some(2));
        assert!("suggested".parse::<Basis>().is_err());
    }
}
