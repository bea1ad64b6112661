//! Comparing a sheet with another of its company — the revision before it,
//! last fiscal year's, or a given one — item by item: score, evidence and
//! flags (seed: a score raised while the evidence stayed the same deserves a
//! question). Flags show on a side only where the caller sees them.

use std::collections::BTreeSet;

use hyoka_model::db::DbConn;
use hyoka_model::db::dashboards::{self, Against, Side};
use hyoka_model::db::review::DecisionFilter;
use hyoka_model::domain::{Level, Severity};

use crate::ServiceError;
use crate::access::Access;

/// Which items to list (counts are over every item).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CompareFilter {
    /// Only items of this level (on either side).
    pub level: Option<Level>,
    /// Only this item.
    pub item: Option<u16>,
    /// Only items with a shown flag of this rule (on either side).
    pub rule: Option<String>,
    /// Only items with a shown flag of this severity.
    pub severity: Option<Severity>,
    /// Only items with a shown flag whose latest decision is this.
    pub decision: Option<DecisionFilter>,
    /// Only items whose score or evidence changed.
    pub changed_only: bool,
}

/// Which way a score moved against the other side.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Direction {
    /// Higher now.
    Raised,
    /// Lower now.
    Lowered,
}

impl Direction {
    /// Its name in the API.
    pub fn code(self) -> &'static str {
        match self {
            Direction::Raised => "raised",
            Direction::Lowered => "lowered",
        }
    }
}

/// One item of a comparison.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ComparedItem {
    /// Item number.
    pub item: u16,
    /// Whether the score differs from the other side.
    pub score_changed: bool,
    /// Which way, when both sides are scored.
    pub direction: Option<Direction>,
    /// Whether the evidence differs (whitespace at the ends aside).
    pub evidence_changed: bool,
}

/// A sheet side by side with another.
#[derive(Debug, Clone)]
pub struct Comparison {
    /// The sheet asked for.
    pub base: Side,
    /// The sheet it is compared with, if there is one.
    pub other: Option<Side>,
    /// Whether the caller sees the base's flags.
    pub base_shown: bool,
    /// Whether the caller sees the other side's flags.
    pub other_shown: bool,
    /// The items the filter keeps.
    pub items: Vec<ComparedItem>,
    /// Items whose score changed (all items).
    pub scores_changed: usize,
    /// Of those, raised.
    pub raised: usize,
    /// Of those, lowered.
    pub lowered: usize,
    /// Items whose evidence changed.
    pub evidence_changed: usize,
}

/// Compares sheet `id` with its counterpart; another company's sheet is not
/// found.
pub fn compare(
    conn: &mut DbConn,
    access: &Access,
    id: i64,
    against: Against,
    filter: &CompareFilter,
) -> Result<Comparison, ServiceError> {
    let s = access.submission(conn, id)?;
    let other_id = dashboards::counterpart(conn, &s, against)?;
    let base_shown = access.sees_findings(conn, id)?;
    let base = dashboards::side(conn, id)?;
    let (other, other_shown) = match other_id {
        Some(o) => (Some(dashboards::side(conn, o)?), access.sees_findings(conn, o)?),
        None => (None, false),
    };
    let flag_matches = |side: &Side, shown: bool, item: u16| {
        shown
            && side.flags.get(&item).is_some_and(|v| {
                v.iter().any(|(f, r)| {
                    filter.rule.as_ref().is_none_or(|rule| &f.flag.rule == rule)
                        && filter.severity.is_none_or(|s| f.flag.severity == s)
                        && filter.decision.is_none_or(|d| {
                            matches!(
                                (d, r.as_ref().map(|r| r.decision.code())),
                                (DecisionFilter::Undecided, None)
                                    | (DecisionFilter::Confirmed, Some("confirmed"))
                                    | (DecisionFilter::Dismissed, Some("dismissed"))
                            )
                        })
                })
            })
    };
    let wants_flag = filter.rule.is_some() || filter.severity.is_some() || filter.decision.is_some();
    let numbers: BTreeSet<u16> =
        base.answers.keys().chain(other.iter().flat_map(|o| o.answers.keys())).copied().collect();
    let (mut scores_changed, mut raised, mut lowered, mut evidence_changed) = (0, 0, 0, 0);
    let mut items = Vec::new();
    for n in numbers {
        let b = base.answers.get(&n);
        let o = other.as_ref().and_then(|o| o.answers.get(&n));
        let score_changed = other.is_some() && b.map(|a| a.evaluation) != o.map(|a| a.evaluation);
        let direction = match (b.and_then(|a| a.evaluation.points()), o.and_then(|a| a.evaluation.points())) {
            (Some(now), Some(before)) if now > before => Some(Direction::Raised),
            (Some(now), Some(before)) if now < before => Some(Direction::Lowered),
            _ => None,
        };
        let ev_changed = other.is_some() && b.map(|a| a.evidence.trim()) != o.map(|a| a.evidence.trim());
        scores_changed += usize::from(score_changed);
        raised += usize::from(score_changed && direction == Some(Direction::Raised));
        lowered += usize::from(score_changed && direction == Some(Direction::Lowered));
        evidence_changed += usize::from(ev_changed);
        let lv = b.or(o).map(|a| a.level);
        if filter.level.is_some_and(|l| Some(l) != lv)
            || filter.item.is_some_and(|i| i != n)
            || (filter.changed_only && !score_changed && !ev_changed)
            || (wants_flag
                && !flag_matches(&base, base_shown, n)
                && !other.as_ref().is_some_and(|o| flag_matches(o, other_shown, n)))
        {
            continue;
        }
        items.push(ComparedItem { item: n, score_changed, direction, evidence_changed: ev_changed });
    }
    Ok(Comparison { base, other, base_shown, other_shown, items, scores_changed, raised, lowered, evidence_changed })
}
