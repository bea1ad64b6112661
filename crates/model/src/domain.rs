//! Domain values: levels, evaluations, roles, severities and the other small
//! types every crate shares.
//!
//! Each type is parsed at the edge (`FromStr` / `TryFrom`) and carries its
//! guarantee inside: a [`Level`] is 1–3, an [`ItemNumber`] is 1–999, an
//! [`Evaluation`] is one of the five answers a sheet can hold.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

use crate::error::ParseError;

/// Guideline level (対象レベル). Lv1 applies to every company, Lv2 to companies
/// of reasonable size or handling important information, Lv3 to companies
/// that represent the industry.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(try_from = "u8", into = "u8")]
pub enum Level {
    /// Lv1.
    Lv1 = 1,
    /// Lv2.
    Lv2 = 2,
    /// Lv3.
    Lv3 = 3,
}

impl Level {
    /// All levels, lowest first.
    pub const ALL: [Level; 3] = [Level::Lv1, Level::Lv2, Level::Lv3];

    /// 1, 2 or 3.
    pub fn number(self) -> u8 {
        self as u8
    }

    /// Zero-based index (Lv1 → 0), for per-level arrays.
    pub fn index(self) -> usize {
        self as usize - 1
    }
}

impl TryFrom<u8> for Level {
    type Error = ParseError;
    fn try_from(v: u8) -> Result<Self, ParseError> {
        match v {
            1 => Ok(Level::Lv1),
            2 => Ok(Level::Lv2),
            3 => Ok(Level::Lv3),
            _ => Err(ParseError::new("level", v.to_string(), "1, 2 or 3")),
        }
    }
}

impl TryFrom<i32> for Level {
    type Error = ParseError;
    fn try_from(v: i32) -> Result<Self, ParseError> {
        u8::try_from(v).map_err(|_| ParseError::new("level", v.to_string(), "1, 2 or 3")).and_then(Level::try_from)
    }
}

impl From<Level> for u8 {
    fn from(l: Level) -> u8 {
        l.number()
    }
}

impl From<Level> for i32 {
    fn from(l: Level) -> i32 {
        i32::from(l.number())
    }
}

impl fmt::Display for Level {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Lv{}", self.number())
    }
}

impl FromStr for Level {
    type Err = ParseError;
    /// Accepts `1`, `Lv1`, `LV1`, `レベル1`, full-width digits (after NFKC).
    fn from_str(s: &str) -> Result<Self, ParseError> {
        let norm = crate::text::normalize_compact(s).to_ascii_lowercase();
        let digits = norm
            .trim_start_matches("lv")
            .trim_start_matches("level")
            .trim_start_matches("レベル")
            .trim_start_matches('.');
        match digits {
            "1" => Ok(Level::Lv1),
            "2" => Ok(Level::Lv2),
            "3" => Ok(Level::Lv3),
            _ => Err(ParseError::new("level", s, "1, 2 or 3 (Lv1 / レベル1)")),
        }
    }
}

/// An item number of a framework (No.1 – No.153 in the JAMA/JAPIA guideline).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(try_from = "u16", into = "u16")]
pub struct ItemNumber(u16);

impl ItemNumber {
    /// Largest number any framework may use.
    pub const MAX: u16 = 999;

    /// A number in 1..=999.
    pub fn new(n: u16) -> Result<Self, ParseError> {
        if (1..=Self::MAX).contains(&n) {
            Ok(ItemNumber(n))
        } else {
            Err(ParseError::new("item number", n.to_string(), "1–999"))
        }
    }

    /// The number.
    pub fn get(self) -> u16 {
        self.0
    }
}

impl TryFrom<u16> for ItemNumber {
    type Error = ParseError;
    fn try_from(n: u16) -> Result<Self, ParseError> {
        ItemNumber::new(n)
    }
}

impl TryFrom<i32> for ItemNumber {
    type Error = ParseError;
    fn try_from(n: i32) -> Result<Self, ParseError> {
        u16::try_from(n).map_err(|_| ParseError::new("item number", n.to_string(), "1–999")).and_then(ItemNumber::new)
    }
}

impl From<ItemNumber> for u16 {
    fn from(n: ItemNumber) -> u16 {
        n.0
    }
}

impl From<ItemNumber> for i32 {
    fn from(n: ItemNumber) -> i32 {
        i32::from(n.0)
    }
}

impl fmt::Display for ItemNumber {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "No.{}", self.0)
    }
}

impl FromStr for ItemNumber {
    type Err = ParseError;
    /// Accepts `17`, `１７`, `No.17`, `No17`, `NO.17`, `項番17`.
    fn from_str(s: &str) -> Result<Self, ParseError> {
        let norm = crate::text::normalize_compact(s).to_ascii_lowercase();
        let digits = norm.trim_start_matches("no").trim_start_matches("項番").trim_start_matches('.');
        // Excel hands numeric cells over as "17.0" sometimes.
        let digits = digits.strip_suffix(".0").unwrap_or(digits);
        digits
            .parse::<u16>()
            .ok()
            .and_then(|n| ItemNumber::new(n).ok())
            .ok_or_else(|| ParseError::new("item number", s, "a number 1–999 (17, １７, No.17)"))
    }
}

/// Points of a rated answer: 0 (未実施), 1 (対策中) or 2 (対策完了).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(try_from = "u8", into = "u8")]
pub enum Points {
    /// 未実施 (0点): not done.
    Zero = 0,
    /// 対策中 (1点): in progress.
    One = 1,
    /// 対策完了 (2点): done.
    Two = 2,
}

impl Points {
    /// 0, 1 or 2.
    pub fn value(self) -> u8 {
        self as u8
    }
}

impl TryFrom<u8> for Points {
    type Error = ParseError;
    fn try_from(v: u8) -> Result<Self, ParseError> {
        match v {
            0 => Ok(Points::Zero),
            1 => Ok(Points::One),
            2 => Ok(Points::Two),
            _ => Err(ParseError::new("points", v.to_string(), "0, 1 or 2")),
        }
    }
}

impl From<Points> for u8 {
    fn from(p: Points) -> u8 {
        p.value()
    }
}

/// The answer to one item: the pulldown value of the sheet.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Evaluation {
    /// 対策完了 / 対策中 / 未実施.
    Rated(Points),
    /// 該当なし: the item does not apply to this company.
    NotApplicable,
    /// Left at 「▽プルダウンで評価ください」 or empty. Counts as 0 in achievement rates.
    Unanswered,
}

impl Evaluation {
    /// 対策完了 (2).
    pub const DONE: Evaluation = Evaluation::Rated(Points::Two);
    /// 対策中 (1).
    pub const IN_PROGRESS: Evaluation = Evaluation::Rated(Points::One);
    /// 未実施 (0).
    pub const NOT_DONE: Evaluation = Evaluation::Rated(Points::Zero);

    /// Points this answer earns in an achievement rate: unanswered earns 0,
    /// 該当なし earns nothing and is left out of the denominator (`None`).
    pub fn points(self) -> Option<u8> {
        match self {
            Evaluation::Rated(p) => Some(p.value()),
            Evaluation::Unanswered => Some(0),
            Evaluation::NotApplicable => None,
        }
    }

    /// Stable storage code: `"2"`, `"1"`, `"0"`, `"na"`, `"unanswered"`.
    pub fn code(self) -> &'static str {
        match self {
            Evaluation::Rated(Points::Two) => "2",
            Evaluation::Rated(Points::One) => "1",
            Evaluation::Rated(Points::Zero) => "0",
            Evaluation::NotApplicable => "na",
            Evaluation::Unanswered => "unanswered",
        }
    }

    /// Parses a storage code written by [`Evaluation::code`].
    pub fn from_code(code: &str) -> Result<Self, ParseError> {
        match code {
            "2" => Ok(Evaluation::DONE),
            "1" => Ok(Evaluation::IN_PROGRESS),
            "0" => Ok(Evaluation::NOT_DONE),
            "na" => Ok(Evaluation::NotApplicable),
            "unanswered" => Ok(Evaluation::Unanswered),
            _ => Err(ParseError::new("evaluation code", code, "2, 1, 0, na or unanswered")),
        }
    }

    /// The label of the official pulldown (対策完了(2点) …).
    pub fn label_ja(self) -> &'static str {
        match self {
            Evaluation::Rated(Points::Two) => "対策完了(2点)",
            Evaluation::Rated(Points::One) => "対策中(1点)",
            Evaluation::Rated(Points::Zero) => "未実施(0点)",
            Evaluation::NotApplicable => "該当なし",
            Evaluation::Unanswered => PLACEHOLDER,
        }
    }

    /// Parses a cell value as a sheet holds it: a spelling of
    /// [`EVALUATION_SPELLINGS`] (対策完了, Completed, Done, 2, ２, …), with or
    /// without its points in brackets (対策完了(2点), Completed (2 points):
    /// points that contradict the word are refused); the placeholder
    /// 「▽プルダウンで評価ください」 and an empty cell are [`Evaluation::Unanswered`].
    pub fn parse_cell(raw: &str) -> Result<Self, ParseError> {
        let norm = crate::text::normalize_compact(raw);
        let lower = norm.to_ascii_lowercase();
        let placeholder = crate::text::normalize_compact(PLACEHOLDER);
        if lower.is_empty() || lower == placeholder || lower.contains("プルダウンで評価") {
            return Ok(Evaluation::Unanswered);
        }
        let refused = || ParseError::new("evaluation", raw, EVALUATION_EXPECTED);
        let spelled =
            |word: &str| EVALUATION_SPELLINGS.iter().find(|(_, spellings)| spellings.contains(&word)).map(|(e, _)| *e);
        if let Some(e) = spelled(&lower) {
            return Ok(e);
        }
        // 「対策完了(2点)」, 「Completed (2 points)」: the word and its points agree.
        let (word, points) = split_points(&lower).ok_or_else(refused)?;
        match spelled(word) {
            Some(e @ Evaluation::Rated(p)) if u32::from(p.value()) == points => Ok(e),
            _ => Err(refused()),
        }
    }
}

/// What [`Evaluation::parse_cell`] accepts, for messages.
pub const EVALUATION_EXPECTED: &str = "対策完了(2点) / 対策中(1点) / 未実施(0点) / 該当なし, Completed (2 points) / \
     In progress (1 point) / Not implemented (0 points) / Not applicable (2, 1, 0, -, N/A)";

/// Every spelling of an evaluation a sheet may hold, Japanese and English,
/// as compared: NFKC, whitespace removed, ASCII lower-cased. A spelling of a
/// rated answer may also carry its points in brackets (`(2点)`, `(2 points)`,
/// `(2pt)`). The official English edition's wording is not verified here:
/// these are the synonyms seen and expected, documented in `docs/ingest.md`.
pub const EVALUATION_SPELLINGS: &[(Evaluation, &[&str])] = &[
    (Evaluation::DONE, &["2", "2.0", "2点", "対策完了", "完了", "completed", "complete", "done", "implemented"]),
    (Evaluation::IN_PROGRESS, &["1", "1.0", "1点", "対策中", "inprogress", "partiallyimplemented"]),
    (Evaluation::NOT_DONE, &["0", "0.0", "0点", "未実施", "notimplemented", "notdone", "notstarted"]),
    (Evaluation::NotApplicable, &["該当なし", "該当無し", "対象外", "-", "ー", "―", "n/a", "na", "notapplicable"]),
];

/// `対策完了(2点)` → (`対策完了`, 2); `completed(2points)` → (`completed`, 2).
fn split_points(s: &str) -> Option<(&str, u32)> {
    let inner = s.strip_suffix(')')?;
    let open = inner.rfind('(')?;
    let (word, points) = (&inner[..open], &inner[open + 1..]);
    let digits = points.trim_end_matches(|c: char| !c.is_ascii_digit());
    let unit = &points[digits.len()..];
    if digits.is_empty() || word.is_empty() || !matches!(unit, "" | "点" | "point" | "points" | "pt" | "pts") {
        return None;
    }
    Some((word, digits.parse().ok()?))
}

/// The pulldown placeholder of an unanswered cell in the official sheet.
pub const PLACEHOLDER: &str = "▽プルダウンで評価ください";

impl fmt::Display for Evaluation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.code())
    }
}

/// A role of a user account.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    /// Parent-company IT with every right, including user management.
    Admin,
    /// Parent-company IT reviewing sheets.
    Reviewer,
    /// A subsidiary's user, bound to one company.
    Subsidiary,
    /// Read-only access to results and exports.
    Auditor,
}

impl Role {
    /// Every role.
    pub const ALL: [Role; 4] = [Role::Admin, Role::Reviewer, Role::Subsidiary, Role::Auditor];

    /// Storage code.
    pub fn code(self) -> &'static str {
        match self {
            Role::Admin => "admin",
            Role::Reviewer => "reviewer",
            Role::Subsidiary => "subsidiary",
            Role::Auditor => "auditor",
        }
    }
}

impl FromStr for Role {
    type Err = ParseError;
    fn from_str(s: &str) -> Result<Self, ParseError> {
        Role::ALL
            .into_iter()
            .find(|r| r.code() == s)
            .ok_or_else(|| ParseError::new("role", s, "admin, reviewer, subsidiary or auditor"))
    }
}

impl fmt::Display for Role {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.code())
    }
}

/// How strongly a flag suggests over-rating.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Severity {
    /// A remark; never lowers a score.
    Info,
    /// Weak signal; never lowers a score.
    Low,
    /// Likely over-rated.
    Medium,
    /// Almost certainly over-rated.
    High,
}

impl Severity {
    /// Every severity, weakest first.
    pub const ALL: [Severity; 4] = [Severity::Info, Severity::Low, Severity::Medium, Severity::High];

    /// Storage code.
    pub fn code(self) -> &'static str {
        match self {
            Severity::Info => "info",
            Severity::Low => "low",
            Severity::Medium => "medium",
            Severity::High => "high",
        }
    }

    /// Whether flags of this severity may lower the suggested score.
    pub fn may_suggest_lower(self) -> bool {
        self >= Severity::Medium
    }
}

impl FromStr for Severity {
    type Err = ParseError;
    fn from_str(s: &str) -> Result<Self, ParseError> {
        Severity::ALL
            .into_iter()
            .find(|r| r.code() == s)
            .ok_or_else(|| ParseError::new("severity", s, "info, low, medium or high"))
    }
}

impl fmt::Display for Severity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.code())
    }
}

/// A reviewer's decision on a flag.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(tag = "decision", rename_all = "snake_case")]
pub enum Decision {
    /// The flag is right; the item is worth `reviewed_score`.
    Confirmed {
        /// The score the reviewer holds the item to be worth.
        reviewed_score: Points,
    },
    /// The flag is wrong; the submitted score stands.
    Dismissed,
}

impl Decision {
    /// Storage code of the decision kind.
    pub fn code(self) -> &'static str {
        match self {
            Decision::Confirmed { .. } => "confirmed",
            Decision::Dismissed => "dismissed",
        }
    }

    /// Rebuilds a decision from its storage columns.
    pub fn from_parts(code: &str, reviewed_score: Option<i16>) -> Result<Self, ParseError> {
        match (code, reviewed_score) {
            ("dismissed", None) => Ok(Decision::Dismissed),
            ("confirmed", Some(s)) => u8::try_from(s)
                .map_err(|_| ParseError::new("reviewed score", s.to_string(), "0, 1 or 2"))
                .and_then(Points::try_from)
                .map(|reviewed_score| Decision::Confirmed { reviewed_score }),
            _ => Err(ParseError::new(
                "decision",
                format!("{code}/{reviewed_score:?}"),
                "confirmed with a score, or dismissed without one",
            )),
        }
    }
}

/// The fiscal year (年度, April–March) an assessment covers, as the calendar
/// year it starts in: 令和5年度 → 2023.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(try_from = "i32", into = "i32")]
pub struct FiscalYear(i32);

impl FiscalYear {
    /// A year in 2000..=2100.
    pub fn new(y: i32) -> Result<Self, ParseError> {
        if (2000..=2100).contains(&y) {
            Ok(FiscalYear(y))
        } else {
            Err(ParseError::new("fiscal year", y.to_string(), "2000–2100"))
        }
    }

    /// The year.
    pub fn get(self) -> i32 {
        self.0
    }

    /// The last day of this fiscal year (31 March of the next calendar year).
    pub fn last_day(self) -> chrono::NaiveDate {
        chrono::NaiveDate::from_ymd_opt(self.0 + 1, 3, 31).unwrap_or(chrono::NaiveDate::MAX)
    }
}

impl TryFrom<i32> for FiscalYear {
    type Error = ParseError;
    fn try_from(y: i32) -> Result<Self, ParseError> {
        FiscalYear::new(y)
    }
}

impl From<FiscalYear> for i32 {
    fn from(y: FiscalYear) -> i32 {
        y.0
    }
}

impl fmt::Display for FiscalYear {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "FY{}", self.0)
    }
}

impl FromStr for FiscalYear {
    type Err = ParseError;
    /// Accepts `2023`, `2023年度`, `令和5年度`, `R5`, `Ｒ５年度`, `令和元年`.
    fn from_str(s: &str) -> Result<Self, ParseError> {
        crate::text::parse_year(s)
            .ok_or_else(|| ParseError::new("fiscal year", s, "2023, 2023年度, 令和5年度 or R5"))
            .and_then(FiscalYear::new)
    }
}

/// Business-impact tier of a subsidiary for the parent (seed question 8:
/// start with the partners whose impact is largest). 1 is the highest.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(try_from = "u8", into = "u8")]
pub struct ImpactTier(u8);

impl ImpactTier {
    /// A tier in 1..=5.
    pub fn new(t: u8) -> Result<Self, ParseError> {
        if (1..=5).contains(&t) {
            Ok(ImpactTier(t))
        } else {
            Err(ParseError::new("business-impact tier", t.to_string(), "1 (highest) – 5"))
        }
    }

    /// The tier.
    pub fn get(self) -> u8 {
        self.0
    }
}

impl TryFrom<u8> for ImpactTier {
    type Error = ParseError;
    fn try_from(t: u8) -> Result<Self, ParseError> {
        ImpactTier::new(t)
    }
}

impl From<ImpactTier> for u8 {
    fn from(t: ImpactTier) -> u8 {
        t.0
    }
}

/// Whether a flag is about one answer or about the whole sheet.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "scope", content = "item")]
pub enum FlagTarget {
    /// One item's answer.
    Item(ItemNumber),
    /// The submission as a whole (e.g. straight-lining).
    Sheet,
}

impl FlagTarget {
    /// The item, if the flag is about one.
    pub fn item(self) -> Option<ItemNumber> {
        match self {
            FlagTarget::Item(n) => Some(n),
            FlagTarget::Sheet => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn evaluation_spellings_from_the_format_doc_parse() {
        for (raw, want) in [
            ("対策完了(2点)", Evaluation::DONE),
            ("対策完了（２点）", Evaluation::DONE),
            ("対策完了", Evaluation::DONE),
            ("2", Evaluation::DONE),
            ("２", Evaluation::DONE),
            ("対策中(1点)", Evaluation::IN_PROGRESS),
            ("1", Evaluation::IN_PROGRESS),
            ("未実施(0点)", Evaluation::NOT_DONE),
            ("0", Evaluation::NOT_DONE),
            ("該当なし", Evaluation::NotApplicable),
            ("-", Evaluation::NotApplicable),
            ("N/A", Evaluation::NotApplicable),
            ("NA", Evaluation::NotApplicable),
            ("▽プルダウンで評価ください", Evaluation::Unanswered),
            ("  ", Evaluation::Unanswered),
            // The English edition, with or without the points.
            ("Completed (2 points)", Evaluation::DONE),
            ("Completed", Evaluation::DONE),
            ("Done", Evaluation::DONE),
            ("In progress (1 point)", Evaluation::IN_PROGRESS),
            ("In Progress", Evaluation::IN_PROGRESS),
            ("Not implemented (0 points)", Evaluation::NOT_DONE),
            ("Not done", Evaluation::NOT_DONE),
            ("Not applicable", Evaluation::NotApplicable),
            ("n/a", Evaluation::NotApplicable),
            ("Done (2pt)", Evaluation::DONE),
            ("", Evaluation::Unanswered),
        ] {
            assert_eq!(Evaluation::parse_cell(raw).ok(), Some(want), "{raw}");
        }
        for bad in [
            "3",
            "済",
            "対策予定",
            "はい",
            "Completed (1 point)",
            "対策中(2点)",
            "Not applicable (0 points)",
            "(2点)",
            "Yes",
        ] {
            assert!(Evaluation::parse_cell(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn evaluation_codes_round_trip() {
        for e in [
            Evaluation::DONE,
            Evaluation::IN_PROGRESS,
            Evaluation::NOT_DONE,
            Evaluation::NotApplicable,
            Evaluation::Unanswered,
        ] {
            assert_eq!(Evaluation::from_code(e.code()).ok(), Some(e));
        }
    }

    #[test]
    fn item_numbers_in_every_spelling() {
        for raw in ["17", "１７", "No.17", "No17", "NO.17", "No．１７", "17.0", "項番17"] {
            assert_eq!(raw.parse::<ItemNumber>().ok().map(ItemNumber::get), Some(17), "{raw}");
        }
        for bad in ["0", "", "abc", "1000", "-3"] {
            assert!(bad.parse::<ItemNumber>().is_err(), "{bad}");
        }
    }

    #[test]
    fn levels_in_every_spelling() {
        for (raw, want) in [("1", Level::Lv1), ("Lv2", Level::Lv2), ("ＬＶ３", Level::Lv3), ("レベル１", Level::Lv1)]
        {
            assert_eq!(raw.parse::<Level>().ok(), Some(want), "{raw}");
        }
        assert!("4".parse::<Level>().is_err());
    }

    #[test]
    fn fiscal_years_in_era_and_western_form() {
        for (raw, want) in [
            ("2023", 2023),
            ("2023年度", 2023),
            ("令和5年度", 2023),
            ("令和５年度", 2023),
            ("R5", 2023),
            ("Ｒ６年度", 2024),
            ("令和元年度", 2019),
            ("平成31年度", 2019),
            ("H30", 2018),
        ] {
            assert_eq!(raw.parse::<FiscalYear>().ok().map(FiscalYear::get), Some(want), "{raw}");
        }
        assert!("昭和".parse::<FiscalYear>().is_err());
    }

    #[test]
    fn decisions_need_a_score_exactly_when_confirmed() {
        assert!(Decision::from_parts("confirmed", None).is_err());
        assert!(Decision::from_parts("dismissed", Some(1)).is_err());
        assert_eq!(
            Decision::from_parts("confirmed", Some(1)).ok(),
            Some(Decision::Confirmed { reviewed_score: Points::One })
        );
    }
}
