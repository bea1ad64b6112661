//! The dashboards' figures as pure computation: one company's summary for a
//! fiscal year from its current sheets ([`compute`]), and the group's sums
//! and counts per year ([`YearTotals`]), kept by difference as rows change.
//! Storage (`db::summaries`) loads the facts, calls these and writes the
//! rows; the property tests check without a database that totals kept by
//! difference always equal totals summed afresh.
//!
//! # What a row holds
//! - the current sheets (several departments' sheets merged item by item:
//!   the weakest answer wins, seed question 3), the latest of them, and the
//!   status needing most attention (returned, submitted, in review, accepted);
//! - the target level (the year's collection's, else the company's);
//! - self, suggested and reviewed rates (see [`crate::scoring`]) for Lv1,
//!   Lv2, Lv3, the target and overall, in basis points (0–10000);
//! - the highest risk of its sheets, the highest **residual** risk (the same
//!   formula over the flags still standing after review, [`crate::risk`]),
//!   and its flags: total, open (no decision yet), confirmed, dismissed;
//! - per item, four characters (see [`ItemCode`]): the self, suggested,
//!   reviewed and **estimated** score. The estimate is what hyoka believes
//!   an item is worth: the confirmed review's score if there is one, else the
//!   lowest score suggested by an undecided flag of medium severity or
//!   above, else the claim.

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use serde::Serialize;

use crate::domain::{Decision, Evaluation, FiscalYear, ItemNumber, Level, Points};
use crate::scoring::{self, Achievement, ConfirmedScore, FlagSuggestion, ScoredItem};
use crate::workflow::SubmissionStatus;

/// A view of a sheet's scores.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum View {
    /// As the subsidiary claimed (`self`).
    #[serde(rename = "self")]
    Claimed,
    /// With the detector's medium-or-higher suggestions applied.
    Suggested,
    /// With the reviewers' confirmed scores applied.
    Reviewed,
}

impl View {
    /// The views, in the order of [`CompanyYearSummary::rates`].
    pub const ALL: [View; 3] = [View::Claimed, View::Suggested, View::Reviewed];

    /// Its name in the API and in stored metrics.
    pub fn code(self) -> &'static str {
        match self {
            View::Claimed => "self",
            View::Suggested => "suggested",
            View::Reviewed => "reviewed",
        }
    }

    /// Its index in [`CompanyYearSummary::rates`].
    pub fn index(self) -> usize {
        self as usize
    }
}

impl std::str::FromStr for View {
    type Err = crate::error::ParseError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        View::ALL
            .into_iter()
            .find(|v| v.code() == s)
            .ok_or_else(|| crate::error::ParseError::new("view", s, "self, suggested or reviewed"))
    }
}

/// What a rate is computed over.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Scope {
    /// Lv1 items.
    Lv1,
    /// Lv2 items.
    Lv2,
    /// Lv3 items.
    Lv3,
    /// Items up to the company's target level.
    Target,
    /// Every item.
    Overall,
}

impl Scope {
    /// The scopes, in the order of a [`ViewRates`].
    pub const ALL: [Scope; 5] = [Scope::Lv1, Scope::Lv2, Scope::Lv3, Scope::Target, Scope::Overall];

    /// Its name in the API and in stored metrics.
    pub fn code(self) -> &'static str {
        match self {
            Scope::Lv1 => "lv1",
            Scope::Lv2 => "lv2",
            Scope::Lv3 => "lv3",
            Scope::Target => "target",
            Scope::Overall => "overall",
        }
    }

    /// Its index in a [`ViewRates`].
    pub fn index(self) -> usize {
        self as usize
    }

    /// The scope of one level's items.
    pub fn of_level(level: Level) -> Scope {
        match level {
            Level::Lv1 => Scope::Lv1,
            Level::Lv2 => Scope::Lv2,
            Level::Lv3 => Scope::Lv3,
        }
    }
}

impl std::str::FromStr for Scope {
    type Err = crate::error::ParseError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Scope::ALL
            .into_iter()
            .find(|v| v.code() == s)
            .ok_or_else(|| crate::error::ParseError::new("scope", s, "lv1, lv2, lv3, target or overall"))
    }
}

/// Which flags a flag count counts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum FlagCount {
    /// Every flag.
    Total,
    /// Without a decision yet.
    Open,
    /// Latest decision: confirmed.
    Confirmed,
    /// Latest decision: dismissed.
    Dismissed,
}

impl FlagCount {
    /// Every kind.
    pub const ALL: [FlagCount; 4] = [FlagCount::Total, FlagCount::Open, FlagCount::Confirmed, FlagCount::Dismissed];

    fn code(self) -> &'static str {
        match self {
            FlagCount::Total => "total",
            FlagCount::Open => "open",
            FlagCount::Confirmed => "confirmed",
            FlagCount::Dismissed => "dismissed",
        }
    }
}

/// One of a year's group figures, kept as a sum and a count.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Metric {
    /// Companies that submitted (sum = count).
    Submitted,
    /// Current sheets.
    Sheets,
    /// Companies whose status needing most attention is this one.
    Status(SubmissionStatus),
    /// Flags of one kind.
    Flags(FlagCount),
    /// The highest risk per company.
    Risk,
    /// A rate in basis points.
    Rate(View, Scope),
    /// Companies that miss this SCS criterion in full (partly or not met,
    /// estimated, built-in mapping; sum = count).
    ScsMissed(&'static str),
}

impl Metric {
    /// The key it is stored under in `year_totals.metric`.
    pub fn key(self) -> String {
        match self {
            Metric::Submitted => "submitted".to_owned(),
            Metric::Sheets => "sheets".to_owned(),
            Metric::Status(s) => format!("status:{}", s.code()),
            Metric::Flags(f) => format!("flags:{}", f.code()),
            Metric::Risk => "risk".to_owned(),
            Metric::Rate(v, s) => format!("rate:{}:{}", v.code(), s.code()),
            Metric::ScsMissed(id) => format!("scs_missed:{id}"),
        }
    }
}

/// Rates of one view in basis points: Lv1, Lv2, Lv3, target, overall.
pub type ViewRates = [Option<i32>; 5];

/// A company's flags on its current sheets.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct FlagCounts {
    /// Every flag.
    pub total: i32,
    /// Without a decision yet.
    pub open: i32,
    /// Latest decision: confirmed.
    pub confirmed: i32,
    /// Latest decision: dismissed.
    pub dismissed: i32,
}

impl FlagCounts {
    /// One count.
    pub fn get(&self, kind: FlagCount) -> i32 {
        match kind {
            FlagCount::Total => self.total,
            FlagCount::Open => self.open,
            FlagCount::Confirmed => self.confirmed,
            FlagCount::Dismissed => self.dismissed,
        }
    }
}

/// One company's figures for one fiscal year.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct CompanyYearSummary {
    /// Company.
    pub company_id: i64,
    /// Fiscal year.
    pub fiscal_year: FiscalYear,
    /// The latest current sheet.
    pub submission_id: i64,
    /// Current sheets (departments).
    pub sheets: i32,
    /// The status needing most attention among the current sheets.
    pub status: SubmissionStatus,
    /// Revision of the latest current sheet.
    pub revision: i32,
    /// When the latest current sheet was uploaded.
    pub uploaded_at: DateTime<Utc>,
    /// The target level the rates are computed for.
    pub target_level: Level,
    /// Highest risk score of the current sheets.
    pub risk: Option<u8>,
    /// Highest residual risk of the current sheets: the risk formula over
    /// the flags still standing after review (undecided and confirmed).
    pub residual: Option<u8>,
    /// Per [`View`] (in [`View::ALL`] order) × [`Scope`], basis points.
    pub rates: [ViewRates; 3],
    /// Flags.
    pub flags: FlagCounts,
    /// Four [`ItemCode`] characters per item number (item 1 first).
    pub item_codes: String,
}

/// How one score is written in [`CompanyYearSummary::item_codes`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ItemCode;

impl ItemCode {
    /// `2`, `1`, `0`, `n` (該当なし), `u` (unanswered).
    pub fn of(e: Evaluation) -> char {
        match e {
            Evaluation::Rated(p) => char::from(b'0' + p.value()),
            Evaluation::NotApplicable => 'n',
            Evaluation::Unanswered => 'u',
        }
    }

    /// The evaluation a character stands for; `None` for `.` (no such item).
    pub fn parse(c: char) -> Option<Evaluation> {
        match c {
            'n' => Some(Evaluation::NotApplicable),
            'u' => Some(Evaluation::Unanswered),
            d => d.to_digit(10).and_then(|v| Points::try_from(u8::try_from(v).ok()?).ok()).map(Evaluation::Rated),
        }
    }
}

/// The four scores of one item (self, suggested, reviewed, estimate) in
/// a summary's per-item codes, when the sheets have it.
pub fn item_of_codes(item_codes: &str, number: u16) -> Option<[Evaluation; 4]> {
    let start = (usize::from(number).checked_sub(1)?) * 4;
    // The codes are ASCII (`ItemCode::of`, `.`): read the bytes, allocate
    // nothing (a page reads every cited item of every row it shows).
    let codes = item_codes.as_bytes().get(start..start + 4)?;
    let mut out = [Evaluation::Unanswered; 4];
    for (slot, &b) in out.iter_mut().zip(codes) {
        *slot = ItemCode::parse(char::from(b))?;
    }
    Some(out)
}

impl CompanyYearSummary {
    /// The four scores of one item (self, suggested, reviewed, estimate),
    /// when the sheets have it.
    pub fn item(&self, number: u16) -> Option<[Evaluation; 4]> {
        item_of_codes(&self.item_codes, number)
    }

    /// A rate as a fraction.
    pub fn rate(&self, view: View, scope: Scope) -> Option<f64> {
        self.rates[view.index()][scope.index()].map(|bp| f64::from(bp) / 10_000.0)
    }

    /// What this row adds to its year's totals: (metric, sum, count).
    pub fn contributions(&self) -> Vec<(Metric, i64, i64)> {
        let mut out = vec![
            (Metric::Submitted, 1, 1),
            (Metric::Sheets, i64::from(self.sheets), 1),
            (Metric::Status(self.status), 1, 1),
        ];
        out.extend(FlagCount::ALL.map(|k| (Metric::Flags(k), i64::from(self.flags.get(k)), 1)));
        if let Some(r) = self.risk {
            out.push((Metric::Risk, i64::from(r), 1));
        }
        for view in View::ALL {
            for scope in Scope::ALL {
                if let Some(bp) = self.rates[view.index()][scope.index()] {
                    out.push((Metric::Rate(view, scope), i64::from(bp), 1));
                }
            }
        }
        if let Some((_, missed)) = crate::scs::kept_figures(self) {
            out.extend(missed.into_iter().map(|id| (Metric::ScsMissed(id), 1, 1)));
        }
        out
    }
}

/// A year's group figures: metric key → (sum, count).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct YearTotals(pub BTreeMap<String, (i64, i64)>);

impl YearTotals {
    /// Adds (or, with `sign` -1, takes away) one row's contributions.
    pub fn add(&mut self, row: &CompanyYearSummary, sign: i64) {
        for (metric, total, n) in row.contributions() {
            let e = self.0.entry(metric.key()).or_default();
            e.0 += sign * total;
            e.1 += sign * n;
        }
    }

    /// Sum and count of one metric (zeros when absent).
    pub fn get(&self, metric: Metric) -> (i64, i64) {
        self.0.get(&metric.key()).copied().unwrap_or_default()
    }

    /// Drops metrics whose sum and count are both zero.
    pub fn pruned(mut self) -> YearTotals {
        self.0.retain(|_, (t, n)| *t != 0 || *n != 0);
        self
    }

    /// The change that replacing `old` by `new` (either may be absent) makes.
    pub fn delta(old: Option<&CompanyYearSummary>, new: Option<&CompanyYearSummary>) -> YearTotals {
        let mut d = YearTotals::default();
        if let Some(o) = old {
            d.add(o, -1);
        }
        if let Some(n) = new {
            d.add(n, 1);
        }
        d.pruned()
    }

    /// These totals with a delta applied.
    pub fn apply(&mut self, delta: &YearTotals) {
        for (k, (t, n)) in &delta.0 {
            let e = self.0.entry(k.clone()).or_default();
            e.0 += t;
            e.1 += n;
        }
    }
}

/// Basis points of a fraction.
fn basis_points(rate: Option<f64>) -> Option<i32> {
    // A rate is within 0..=1, so this always fits.
    #[allow(clippy::cast_possible_truncation)]
    rate.map(|r| (r * 10_000.0).round() as i32)
}

fn view_rates(a: &Achievement) -> ViewRates {
    [
        basis_points(a.levels[0].rate),
        basis_points(a.levels[1].rate),
        basis_points(a.levels[2].rate),
        basis_points(a.target.rate),
        basis_points(a.overall.rate),
    ]
}

/// Which status needs most attention: returned, submitted, in review, accepted.
fn attention(s: SubmissionStatus) -> u8 {
    match s {
        SubmissionStatus::Returned => 0,
        SubmissionStatus::Submitted => 1,
        SubmissionStatus::InReview => 2,
        SubmissionStatus::Accepted => 3,
        SubmissionStatus::Superseded => 4,
    }
}

/// What a summary needs of one flag.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FlagFacts {
    /// The flagged item (none for a flag on the whole sheet).
    pub item: Option<ItemNumber>,
    /// What it suggests, for scoring.
    pub suggestion: Option<FlagSuggestion>,
    /// Its latest decision.
    pub decision: Option<Decision>,
}

/// What a summary needs of one current sheet.
#[derive(Debug, Clone, PartialEq)]
pub struct SheetFacts {
    /// The submission.
    pub id: i64,
    /// Its status.
    pub status: SubmissionStatus,
    /// Its revision.
    pub revision: i32,
    /// When it was uploaded.
    pub uploaded_at: DateTime<Utc>,
    /// Its answers.
    pub items: Vec<ScoredItem>,
    /// Its flags.
    pub flags: Vec<FlagFacts>,
    /// Its risk score.
    pub risk: Option<u8>,
    /// Its residual risk after review (see [`crate::risk`]).
    pub residual: Option<u8>,
}

/// Views of one sheet: self, suggested, reviewed, estimate; its flags counted.
fn sheet_views(sheet: &SheetFacts, counts: &mut FlagCounts) -> [Vec<ScoredItem>; 4] {
    let mut undecided: Vec<FlagSuggestion> = Vec::new();
    let mut confirmed: Vec<ConfirmedScore> = Vec::new();
    for f in &sheet.flags {
        counts.total += 1;
        match f.decision {
            None => {
                counts.open += 1;
                undecided.extend(f.suggestion);
            }
            Some(Decision::Confirmed { reviewed_score }) => {
                counts.confirmed += 1;
                confirmed.extend(f.item.map(|item| ConfirmedScore { item, score: reviewed_score }));
            }
            Some(Decision::Dismissed) => counts.dismissed += 1,
        }
    }
    let suggestions: Vec<FlagSuggestion> = sheet.flags.iter().filter_map(|f| f.suggestion).collect();
    let items = &sheet.items;
    let reviewed = scoring::reviewed_items(items, &confirmed);
    let estimate = scoring::suggested_items(&reviewed, &undecided);
    [items.clone(), scoring::suggested_items(items, &suggestions), reviewed, estimate]
}

/// A company-year's summary from its current sheets (`None` when it has
/// none), with the target level its rates are computed for.
pub fn compute(
    company_id: i64,
    year: FiscalYear,
    target_level: Level,
    sheets: &[SheetFacts],
) -> Option<CompanyYearSummary> {
    let latest = sheets.iter().max_by_key(|s| (s.uploaded_at, s.id))?;
    let mut counts = FlagCounts::default();
    let mut per_view: [Vec<Vec<ScoredItem>>; 4] = Default::default();
    let mut risk: Option<u8> = None;
    let mut residual: Option<u8> = None;
    for sheet in sheets {
        for (slot, items) in per_view.iter_mut().zip(sheet_views(sheet, &mut counts)) {
            slot.push(items);
        }
        if let Some(r) = sheet.risk {
            risk = Some(risk.map_or(r, |m| m.max(r)));
        }
        if let Some(r) = sheet.residual {
            residual = Some(residual.map_or(r, |m| m.max(r)));
        }
    }
    let merged: [Vec<ScoredItem>; 4] = per_view.map(|sheets| {
        if sheets.len() == 1 {
            sheets.into_iter().next().unwrap_or_default()
        } else {
            let refs: Vec<&[ScoredItem]> = sheets.iter().map(Vec::as_slice).collect();
            scoring::merge_departments(&refs)
        }
    });
    let rates = [
        view_rates(&scoring::achievement(&merged[0], target_level)),
        view_rates(&scoring::achievement(&merged[1], target_level)),
        view_rates(&scoring::achievement(&merged[2], target_level)),
    ];
    let max_item = merged[0].iter().map(|i| u16::from(i.number)).max().unwrap_or(0);
    let mut codes = vec!['.'; usize::from(max_item) * 4];
    for (v, items) in merged.iter().enumerate() {
        for i in items {
            let at = (usize::from(u16::from(i.number)) - 1) * 4 + v;
            if let Some(slot) = codes.get_mut(at) {
                *slot = ItemCode::of(i.evaluation);
            }
        }
    }
    let status = sheets.iter().map(|s| s.status).min_by_key(|s| attention(*s)).unwrap_or(latest.status);
    Some(CompanyYearSummary {
        company_id,
        fiscal_year: year,
        submission_id: latest.id,
        sheets: i32::try_from(sheets.len()).unwrap_or(i32::MAX),
        status,
        revision: latest.revision,
        uploaded_at: latest.uploaded_at,
        target_level,
        risk,
        residual,
        rates,
        flags: counts,
        item_codes: codes.into_iter().collect(),
    })
}

/// Business-impact weight of a tier: tier 1 (highest impact) weighs 5,
/// tier 5 weighs 1.
pub fn impact_weight(tier: u8) -> u32 {
    6u32.saturating_sub(u32::from(tier))
}

/// The review queue's order: risk × business-impact weight (seed question
/// 8: start where a weakness would hurt most).
pub fn priority(risk: Option<u8>, tier: u8) -> u32 {
    u32::from(risk.unwrap_or(0)) * impact_weight(tier)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn item_codes_give_four_scores_per_item_and_none_for_an_item_the_sheets_lack() {
        let codes = "2100nnnu....";
        let (done, part, not) = (Evaluation::DONE, Evaluation::IN_PROGRESS, Evaluation::NOT_DONE);
        assert_eq!(item_of_codes(codes, 1), Some([done, part, not, not]));
        let na = Evaluation::NotApplicable;
        assert_eq!(item_of_codes(codes, 2), Some([na, na, na, Evaluation::Unanswered]));
        assert_eq!(item_of_codes(codes, 3), None, "`.`: no such item on the sheets");
        assert_eq!(item_of_codes(codes, 4), None, "past the codes");
        assert_eq!(item_of_codes(codes, 0), None, "items count from 1");
    }
}
