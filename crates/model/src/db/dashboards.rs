//! The dashboards' queries, read from the summaries ([`super::summaries`]):
//! the group overview of a fiscal year, the review queue, the trend over
//! years, the items most often flagged with the weakest company per item,
//! and the side-by-side comparison of two sheets.
//!
//! The group figures of an unfiltered view come from the year's stored
//! totals (a few rows); a filtered view adds up the summaries of the
//! companies it keeps (one row per company, never the answers).

use std::collections::{BTreeMap, HashMap};

use diesel::dsl::sql;
use diesel::prelude::*;
use diesel::sql_types::BigInt;
use serde::Serialize;

use super::companies::{self, Company};
use super::flags::{self, Flag, Review};
use super::review::{DecisionFilter, decision_sql};
use super::schema::{
    collection_companies, collections, companies as companies_t, company_year_summaries as cys, flags as flags_t,
    items, submissions,
};
use super::submissions::{self as subs, Submission};
use super::summaries::{self, CompanyYearSummary, YearTotals};
use super::{DbConn, DbError};
use crate::domain::{Evaluation, FiscalYear, ItemNumber, Level, Severity};
use crate::sheet::Answer;
use crate::summary::{FlagCount, Metric, Scope, View};
use crate::workflow::SubmissionStatus;

/// Which companies an overview keeps.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CompanyFilter {
    /// Only this company.
    pub company_id: Option<i64>,
    /// Only companies whose registered target level is this.
    pub level: Option<Level>,
    /// Only companies whose sheets are in one of these statuses.
    pub statuses: Vec<SubmissionStatus>,
    /// Only companies that submitted (`true`) or did not (`false`).
    pub submitted: Option<bool>,
    /// Only risk scores at or above this.
    pub min_risk: Option<u8>,
}

impl CompanyFilter {
    /// Whether the filter keeps every company.
    pub fn is_empty(&self) -> bool {
        *self == CompanyFilter::default()
    }
}

/// How an overview is ordered.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum Order {
    /// By company code.
    #[default]
    Code,
    /// Highest risk first (no sheet last).
    Risk,
    /// Highest risk × business impact first (see [`priority`]).
    Priority,
}

pub use crate::summary::{impact_weight, priority};

/// The SQL of [`priority`], −1 without a sheet.
const PRIORITY_SQL: &str = "CASE WHEN company_year_summaries.company_id IS NULL THEN -1 \
     ELSE COALESCE(company_year_summaries.risk, 0) * (6 - companies.impact_tier) END";

/// One company in an overview.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct OverviewLine {
    /// The company.
    pub company: Company,
    /// Its figures, when it submitted.
    pub summary: Option<CompanyYearSummary>,
}

/// The group's figures for a fiscal year (or the part a filter keeps).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct GroupFigures {
    /// Fiscal year.
    pub fiscal_year: FiscalYear,
    /// Companies expected to submit (kept by the filter).
    pub companies: i64,
    /// Of those, how many submitted.
    pub submitted: i64,
    /// Current sheets (departments count one each).
    pub sheets: i64,
    /// Companies per status of their sheets.
    pub statuses: BTreeMap<String, i64>,
    /// Mean rate over companies with one, per [`View`] × [`Scope`] (in their `ALL` order).
    pub mean_rates: [[Option<f64>; 5]; 3],
    /// How many companies each mean is over.
    pub rated: [[i64; 5]; 3],
    /// Mean risk over companies with one.
    pub mean_risk: Option<f64>,
    /// Flags on current sheets: total, open, confirmed, dismissed.
    pub flags: [i64; 4],
}

impl GroupFigures {
    /// Figures from a year's sums and counts.
    pub fn from_totals(fiscal_year: FiscalYear, companies: i64, t: &YearTotals) -> GroupFigures {
        let mean = |(sum, n): (i64, i64)| (n > 0).then(|| sum as f64 / n as f64);
        let mut mean_rates = [[None; 5]; 3];
        let mut rated = [[0; 5]; 3];
        for view in View::ALL {
            for scope in Scope::ALL {
                let (sum, n) = t.get(Metric::Rate(view, scope));
                mean_rates[view.index()][scope.index()] = mean((sum, n)).map(|bp| bp / 10_000.0);
                rated[view.index()][scope.index()] = n;
            }
        }
        let statuses =
            t.0.iter()
                .filter_map(|(m, (_, n))| Some((m.strip_prefix("status:")?.to_owned(), *n)))
                .filter(|(_, n)| *n > 0)
                .collect();
        GroupFigures {
            fiscal_year,
            companies,
            submitted: t.get(Metric::Submitted).1,
            sheets: t.get(Metric::Sheets).0,
            statuses,
            mean_rates,
            rated,
            mean_risk: mean(t.get(Metric::Risk)),
            flags: FlagCount::ALL.map(|k| t.get(Metric::Flags(k)).0),
        }
    }
}

/// Whether a collection of the year names the companies expected to submit
/// and leaves some of the group out. A collection of every company keeps
/// them all, so the overview then takes the paths of a year without one
/// (paging the code index alone, the kept company count). A filter that
/// keeps only companies with a sheet is not narrowed by any collection.
fn expected_only(conn: &mut DbConn, year: FiscalYear, filter: &CompanyFilter) -> Result<bool, DbError> {
    if needs_summary(filter) {
        return Ok(false);
    }
    // One collection per year (`fiscal_year` is unique), a company once in
    // it; the kept count, not 10,000 members counted per request.
    Ok(match summaries::asked_count(conn, year)? {
        None => false,
        Some(asked) => asked < summaries::company_count(conn, None)?,
    })
}

/// The companies of a year's overview with their summaries (left join),
/// filtered. Built twice (count and page) by the caller.
macro_rules! overview_query {
    ($year:expr, $filter:expr, $expected_only:expr) => {{
        let y: i32 = $year.get();
        let f: &CompanyFilter = $filter;
        let mut q = companies_t::table
            .left_join(cys::table.on(cys::company_id.eq(companies_t::id).and(cys::fiscal_year.eq(y))))
            .into_boxed();
        if $expected_only {
            let asked = collection_companies::table
                .inner_join(collections::table)
                .filter(collections::fiscal_year.eq(y))
                .select(collection_companies::company_id);
            q = q.filter(cys::company_id.is_not_null().or(companies_t::id.eq_any(asked)));
        }
        q = kept_by!(q, f);
        match f.submitted {
            Some(true) => q = q.filter(cys::company_id.is_not_null()),
            Some(false) => q = q.filter(cys::company_id.is_null()),
            None => {}
        }
        q
    }};
}

/// A boxed query of companies and their summaries narrowed by a filter's
/// company, level, statuses and minimum risk (both the left join of the
/// overview and the summaries-first page).
macro_rules! kept_by {
    ($q:expr, $filter:expr) => {{
        let f: &CompanyFilter = $filter;
        let mut q = $q;
        if let Some(id) = f.company_id {
            q = q.filter(companies_t::id.eq(id));
        }
        if let Some(level) = f.level {
            q = q.filter(companies_t::target_level.eq(i16::from(level.number())));
        }
        if !f.statuses.is_empty() {
            q = q.filter(cys::status.eq_any(f.statuses.iter().map(|s| s.code()).collect::<Vec<_>>()));
        }
        if let Some(min) = f.min_risk {
            q = q.filter(cys::risk.ge(i16::from(min)));
        }
        q
    }};
}

/// One page of a year's overview, with the total and the group's figures
/// for what the filter keeps.
pub fn overview(
    conn: &mut DbConn,
    year: FiscalYear,
    filter: &CompanyFilter,
    order: Order,
    offset: i64,
    limit: i64,
) -> Result<(Vec<OverviewLine>, i64, GroupFigures), DbError> {
    let expected_only = expected_only(conn, year, filter)?;
    let (lines, total) = page(conn, year, filter, expected_only, order, offset, limit)?;
    let figures = figures(conn, year, filter, expected_only, total)?;
    Ok((lines, total, figures))
}

/// One page of a year's overview and its total, without the group's
/// figures (the review queue shows none, and adding up the summaries of
/// every kept company is most of an overview's work under a filter).
pub fn lines(
    conn: &mut DbConn,
    year: FiscalYear,
    filter: &CompanyFilter,
    order: Order,
    offset: i64,
    limit: i64,
) -> Result<(Vec<OverviewLine>, i64), DbError> {
    let expected_only = expected_only(conn, year, filter)?;
    page(conn, year, filter, expected_only, order, offset, limit)
}

fn page(
    conn: &mut DbConn,
    year: FiscalYear,
    filter: &CompanyFilter,
    expected_only: bool,
    order: Order,
    offset: i64,
    limit: i64,
) -> Result<(Vec<OverviewLine>, i64), DbError> {
    let total = count(conn, year, filter, expected_only)?;
    let rows: Vec<companies::CompanyRow> = if lists_every_company(filter, expected_only) && order == Order::Code {
        // Find the page's first code by skipping through the code index
        // alone (index-only), then read the page from there.
        let first: Option<String> = companies_only(filter)
            .select(companies_t::code)
            .order(companies_t::code)
            .offset(offset)
            .first(conn)
            .optional()?;
        match first {
            Some(code) => companies_only(filter)
                .filter(companies_t::code.ge(code))
                .select(companies::cols())
                .order(companies_t::code)
                .limit(limit)
                .load(conn)?,
            None => Vec::new(),
        }
    } else if needs_summary(filter) {
        page_of_summaries(conn, year, filter, order, offset, limit)?
    } else {
        page_joined(conn, year, filter, expected_only, order, offset, limit)?
    };
    let ids: Vec<i64> = rows.iter().map(|r| r.id).collect();
    let mut found: HashMap<i64, CompanyYearSummary> = summaries_of(conn, year, &ids)?;
    let lines = rows
        .into_iter()
        .map(|c| {
            let company = companies::from_row(c)?;
            Ok(OverviewLine { summary: found.remove(&company.id), company })
        })
        .collect::<Result<Vec<_>, DbError>>()?;
    Ok((lines, total))
}

/// Whether an overview lists every company its company filters keep, with
/// or without a sheet: then it counts and pages the companies alone (an
/// offset into the join would look up a summary for every skipped row).
fn lists_every_company(filter: &CompanyFilter, expected_only: bool) -> bool {
    !expected_only && filter.statuses.is_empty() && filter.submitted.is_none() && filter.min_risk.is_none()
}

/// Whether a filter keeps only companies with a summary for the year.
/// A filter asking for companies without a sheet *and* for a status or a
/// risk keeps none: the left join answers that.
fn needs_summary(filter: &CompanyFilter) -> bool {
    filter.submitted != Some(false)
        && (filter.submitted == Some(true) || !filter.statuses.is_empty() || filter.min_risk.is_some())
}

/// The companies a filter's company conditions keep.
fn companies_only(filter: &CompanyFilter) -> companies_t::BoxedQuery<'static, super::conn::Db> {
    let mut q = companies_t::table.into_boxed();
    if let Some(id) = filter.company_id {
        q = q.filter(companies_t::id.eq(id));
    }
    if let Some(level) = filter.level {
        q = q.filter(companies_t::target_level.eq(i16::from(level.number())));
    }
    q
}

/// How many companies an overview lists.
fn count(conn: &mut DbConn, year: FiscalYear, filter: &CompanyFilter, expected_only: bool) -> Result<i64, DbError> {
    Ok(if needs_summary(filter) && filter.company_id.is_none() && filter.level.is_none() {
        // Only summaries are kept, whatever the collection: count them alone
        // (through the `(fiscal_year, status)` index), and keep the count
        // until the year's summaries change (`counts`: the review queue
        // counts a year's thousands of sheets otherwise on every page).
        let mut statuses: Vec<&str> = filter.statuses.iter().map(|s| s.code()).collect();
        statuses.sort_unstable();
        let key = format!("overview:statuses={}:min_risk={:?}", statuses.join(","), filter.min_risk);
        super::counts::total(conn, Some(year), &key, |conn| {
            let mut q = cys::table.filter(cys::fiscal_year.eq(year.get())).into_boxed();
            if !statuses.is_empty() {
                q = q.filter(cys::status.eq_any(&statuses));
            }
            if let Some(min) = filter.min_risk {
                q = q.filter(cys::risk.ge(i16::from(min)));
            }
            Ok(super::Total::exact(q.count().get_result(conn)?))
        })?
        .count
    } else if lists_every_company(filter, expected_only) && filter.company_id.is_none() {
        summaries::company_count(conn, filter.level)?
    } else if lists_every_company(filter, expected_only) {
        companies_only(filter).count().get_result(conn)?
    } else {
        overview_query!(year, filter, expected_only).count().get_result(conn)?
    })
}

/// The group's figures over the companies a filter keeps: the year's kept
/// totals when it keeps every company, else the kept companies' summaries
/// added up.
fn figures(
    conn: &mut DbConn,
    year: FiscalYear,
    filter: &CompanyFilter,
    expected_only: bool,
    companies: i64,
) -> Result<GroupFigures, DbError> {
    if filter.is_empty() {
        return Ok(GroupFigures::from_totals(year, companies, &summaries::totals(conn, year)?));
    }
    let kept: Vec<i64> = overview_query!(year, filter, expected_only)
        .filter(cys::company_id.is_not_null())
        .select(companies_t::id)
        .load(conn)?;
    let mut t = YearTotals::default();
    for chunk in kept.chunks(5_000) {
        for s in summaries_of(conn, year, chunk)?.values() {
            t.add(s, 1);
        }
    }
    Ok(GroupFigures::from_totals(year, companies, &t))
}

/// One page of the companies with a summary for the year (a filter that
/// needs one): read from the summaries, so the priority order walks the
/// `(fiscal_year, priority)` index and stops at the page.
fn page_of_summaries(
    conn: &mut DbConn,
    year: FiscalYear,
    filter: &CompanyFilter,
    order: Order,
    offset: i64,
    limit: i64,
) -> Result<Vec<companies::CompanyRow>, DbError> {
    let q = cys::table
        .inner_join(companies_t::table)
        .filter(cys::fiscal_year.eq(year.get()))
        .select(companies::cols())
        .into_boxed();
    let mut q = kept_by!(q, filter);
    let risk = || sql::<BigInt>("COALESCE(company_year_summaries.risk, -1)").desc();
    q = match order {
        Order::Code => q.order(companies_t::code),
        Order::Risk => q.order((risk(), companies_t::code)),
        Order::Priority => q.order((cys::priority.desc(), risk(), companies_t::code)),
    };
    Ok(q.offset(offset).limit(limit).load(conn)?)
}

/// One page of the overview's companies through the join with the summaries.
fn page_joined(
    conn: &mut DbConn,
    year: FiscalYear,
    filter: &CompanyFilter,
    expected_only: bool,
    order: Order,
    offset: i64,
    limit: i64,
) -> Result<Vec<companies::CompanyRow>, DbError> {
    let mut q = overview_query!(year, filter, expected_only).select(companies::cols());
    q = match order {
        Order::Code => q.order(companies_t::code),
        Order::Risk => q.order((sql::<BigInt>("COALESCE(company_year_summaries.risk, -1)").desc(), companies_t::code)),
        Order::Priority => q.order((
            sql::<BigInt>(PRIORITY_SQL).desc(),
            sql::<BigInt>("COALESCE(company_year_summaries.risk, -1)").desc(),
            companies_t::code,
        )),
    };
    Ok(q.offset(offset).limit(limit).load(conn)?)
}

/// The summaries of some companies in a year, by company id.
fn summaries_of(
    conn: &mut DbConn,
    year: FiscalYear,
    company_ids: &[i64],
) -> Result<HashMap<i64, CompanyYearSummary>, DbError> {
    if company_ids.is_empty() {
        return Ok(HashMap::new());
    }
    let rows: Vec<summaries::SummaryRow> = cys::table
        .filter(cys::fiscal_year.eq(year.get()))
        .filter(cys::company_id.eq_any(company_ids))
        .select(summaries::columns())
        .load(conn)?;
    rows.into_iter().map(|r| summaries::from_row(r).map(|s| (s.company_id, s))).collect()
}

/// The group's figures for every year with sheets, oldest first.
pub fn trend(conn: &mut DbConn, filter: &CompanyFilter) -> Result<Vec<GroupFigures>, DbError> {
    let mut out = Vec::new();
    for year in summaries::years(conn)? {
        let expected_only = expected_only(conn, year, filter)?;
        let total = count(conn, year, filter, expected_only)?;
        out.push(figures(conn, year, filter, expected_only, total)?);
    }
    Ok(out)
}

/// Filters of the items dashboard.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ItemFilter {
    /// Only this company's sheets.
    pub company_id: Option<i64>,
    /// Only items of this level.
    pub level: Option<Level>,
    /// Only this item.
    pub item: Option<ItemNumber>,
    /// Count only flags of this rule.
    pub rule: Option<String>,
    /// Count only flags of this severity.
    pub severity: Option<Severity>,
    /// Count only flags whose latest decision is this.
    pub decision: Option<DecisionFilter>,
}

/// How many companies' estimates (or claims) stand at each score.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct Distribution {
    /// 2.
    pub done: i64,
    /// 1.
    pub in_progress: i64,
    /// 0.
    pub not_done: i64,
    /// Unanswered.
    pub unanswered: i64,
    /// 該当なし.
    pub not_applicable: i64,
}

impl Distribution {
    fn add(&mut self, e: Evaluation) {
        match e.points() {
            Some(_) if e == Evaluation::Unanswered => self.unanswered += 1,
            Some(2) => self.done += 1,
            Some(1) => self.in_progress += 1,
            Some(_) => self.not_done += 1,
            None => self.not_applicable += 1,
        }
    }
}

/// The weakest company on one item.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Weakest {
    /// The company.
    pub company_id: i64,
    /// Its code.
    pub code: String,
    /// Its name.
    pub name: String,
    /// Its estimated score (unanswered counts 0).
    pub score: u8,
    /// Its risk.
    pub risk: Option<u8>,
    /// How many companies share that lowest score.
    pub companies_at_lowest: i64,
    /// The companies that share it (the first [`LOWEST_LISTED`] by code).
    pub lowest: Vec<LowCompany>,
}

/// How many of the companies sharing an item's lowest score
/// [`Weakest::lowest`] names.
pub const LOWEST_LISTED: usize = 50;

/// A company at an item's lowest score.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize)]
pub struct LowCompany {
    /// Its code.
    pub code: String,
    /// Its name.
    pub name: String,
    /// The company.
    pub company_id: i64,
}

/// One item on the items dashboard.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ItemLine {
    /// Item number.
    pub item: u16,
    /// Its catalog level, when the catalog gives one.
    pub level: Option<Level>,
    /// Its subject (Japanese).
    pub subject_ja: String,
    /// Flags on it (kept by the filter): total, on how many sheets, open,
    /// confirmed, dismissed.
    pub flags: ItemFlags,
    /// Claims.
    pub claimed: Distribution,
    /// Estimates (see [`super::summaries`]).
    pub estimated: Distribution,
    /// The weakest company (lowest estimate; ties: highest risk, then code).
    pub weakest: Option<Weakest>,
}

/// Flag counts of one item.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct ItemFlags {
    /// Flags.
    pub total: i64,
    /// Sheets with at least one.
    pub sheets: i64,
    /// No decision yet.
    pub open: i64,
    /// Confirmed.
    pub confirmed: i64,
    /// Dismissed.
    pub dismissed: i64,
}

/// Every item of a framework for a fiscal year, most often flagged first
/// (ties by number), filtered; with the weakest company per item.
pub fn items(
    conn: &mut DbConn,
    framework_id: &str,
    year: FiscalYear,
    filter: &ItemFilter,
) -> Result<Vec<ItemLine>, DbError> {
    let catalog: Vec<(i32, Option<i16>, String)> = items::table
        .filter(items::framework_id.eq(framework_id))
        .order(items::number)
        .select((items::number, items::level, items::subject_ja))
        .load(conn)?;
    // Flags of current sheets, by item.
    let mut q = flags_t::table
        .inner_join(submissions::table)
        .filter(submissions::fiscal_year.eq(year.get()))
        .filter(submissions::is_current.eq(true))
        .filter(flags_t::item_number.is_not_null())
        .into_boxed();
    if let Some(c) = filter.company_id {
        q = q.filter(submissions::company_id.eq(c));
    }
    if let Some(i) = filter.item {
        q = q.filter(flags_t::item_number.eq(i32::from(i)));
    }
    if let Some(r) = &filter.rule {
        q = q.filter(flags_t::rule.eq(r.clone()));
    }
    if let Some(s) = filter.severity {
        q = q.filter(flags_t::severity.eq(s.code()));
    }
    if let Some(d) = filter.decision {
        q = q.filter(decision_sql(d));
    }
    let rows: Vec<(Option<i32>, i64, Option<String>)> =
        q.select((flags_t::item_number, flags_t::submission_id, flags_t::decision)).load(conn)?;
    let mut flag_counts: HashMap<i32, (ItemFlags, std::collections::HashSet<i64>)> = HashMap::new();
    for (item, submission, decision) in rows {
        let Some(item) = item else { continue };
        let (c, sheets) = flag_counts.entry(item).or_default();
        c.total += 1;
        sheets.insert(submission);
        match decision.as_deref() {
            None => c.open += 1,
            Some("confirmed") => c.confirmed += 1,
            Some(_) => c.dismissed += 1,
        }
    }
    // Scores from the summaries (one row per company).
    let mut sums: Vec<CompanyYearSummary> = summaries::of_year(conn, year)?;
    if let Some(c) = filter.company_id {
        sums.retain(|s| s.company_id == c);
    }
    let names: HashMap<i64, (String, String)> = {
        let ids: Vec<i64> = sums.iter().map(|s| s.company_id).collect();
        let mut m = HashMap::new();
        for chunk in ids.chunks(5_000) {
            let rows: Vec<(i64, String, String)> = companies_t::table
                .filter(companies_t::id.eq_any(chunk))
                .select((companies_t::id, companies_t::code, companies_t::name))
                .load(conn)?;
            m.extend(rows.into_iter().map(|(id, code, name)| (id, (code, name))));
        }
        m
    };
    let mut out = Vec::new();
    for (number, level, subject_ja) in catalog {
        let level = level.map(|l| Level::try_from(i32::from(l))).transpose()?;
        if filter.level.is_some() && level != filter.level {
            continue;
        }
        if filter.item.is_some_and(|i| i32::from(i) != number) {
            continue;
        }
        let n = u16::try_from(number).unwrap_or(0);
        let (mut claimed, mut estimated) = (Distribution::default(), Distribution::default());
        let mut weakest: Option<(u8, std::cmp::Reverse<u8>, String, &CompanyYearSummary)> = None;
        let mut at_lowest: BTreeMap<u8, i64> = BTreeMap::new();
        let mut lowest: (u8, Vec<LowCompany>) = (u8::MAX, Vec::new());
        for s in &sums {
            let Some([own, _, _, estimate]) = s.item(n) else { continue };
            claimed.add(own);
            estimated.add(estimate);
            let Some(points) = estimate.points() else { continue };
            *at_lowest.entry(points).or_default() += 1;
            let code = names.get(&s.company_id).map(|n| n.0.clone()).unwrap_or_default();
            if points < lowest.0 {
                lowest = (points, Vec::new());
            }
            if points == lowest.0 {
                let name = names.get(&s.company_id).map(|n| n.1.clone()).unwrap_or_default();
                lowest.1.push(LowCompany { code: code.clone(), name, company_id: s.company_id });
            }
            let key = (points, std::cmp::Reverse(s.risk.unwrap_or(0)), code);
            if weakest.as_ref().is_none_or(|w| key < (w.0, w.1, w.2.clone())) {
                weakest = Some((key.0, key.1, key.2, s));
            }
        }
        let weakest = weakest.map(|(score, _, code, s)| Weakest {
            company_id: s.company_id,
            code,
            name: names.get(&s.company_id).map(|n| n.1.clone()).unwrap_or_default(),
            score,
            risk: s.risk,
            companies_at_lowest: at_lowest.get(&score).copied().unwrap_or(0),
            lowest: {
                let mut l = std::mem::take(&mut lowest.1);
                l.sort();
                l.truncate(LOWEST_LISTED);
                l
            },
        });
        let flags = flag_counts.get(&number).map(|(c, sheets)| ItemFlags { sheets: sheets.len() as i64, ..*c });
        out.push(ItemLine {
            item: n,
            level,
            subject_ja,
            flags: flags.unwrap_or_default(),
            claimed,
            estimated,
            weakest,
        });
    }
    out.sort_by(|a, b| b.flags.total.cmp(&a.flags.total).then(a.item.cmp(&b.item)));
    Ok(out)
}

/// The responsible areas (担当領域, the sheet's column L) in the order the
/// dashboards list them; an area not named here follows, by name.
pub const KNOWN_AREAS: [&str; 7] = ["情報セキュリティ", "IT", "法務", "購買・調達", "人事", "リスク", "総務"];

/// One responsible area (担当領域) on the dashboards.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct AreaLine {
    /// The area; `None` for items no catalog or sheet gives one.
    pub area: Option<String>,
    /// Its items.
    pub items: Vec<u16>,
    /// Per [`View`] (self, suggested, reviewed): the mean over the companies
    /// with one of each company's rate on the area's items (Σ points / (2 ×
    /// rated items), as [`crate::scoring::achievement`] counts).
    pub mean_rates: [Option<f64>; 3],
    /// How many companies each mean is over.
    pub rated: [i64; 3],
    /// Flags on its items (as [`items()`] counts them); `sheets` adds up the
    /// items' sheets.
    pub flags: ItemFlags,
}

/// Achievement and flags per responsible area (担当領域) for a fiscal year,
/// over the group or one company (`company_id`). An item's area is the
/// catalog's, else the one its current sheets give most often. `lines` are
/// [`items()`] of the same year and company, unfiltered otherwise (the
/// flags are counted from them, so a page showing both reads them once).
pub fn areas(
    conn: &mut DbConn,
    framework_id: &str,
    year: FiscalYear,
    company_id: Option<i64>,
    lines: &[ItemLine],
) -> Result<Vec<AreaLine>, DbError> {
    use super::schema::answers;
    let catalog: Vec<(i32, Option<i16>, Option<String>)> = items::table
        .filter(items::framework_id.eq(framework_id))
        .select((items::number, items::level, items::responsible_area))
        .load(conn)?;
    let mut q = answers::table
        .inner_join(submissions::table)
        .filter(submissions::fiscal_year.eq(year.get()))
        .filter(submissions::is_current.eq(true))
        .filter(submissions::framework_id.eq(framework_id))
        .filter(answers::responsible_area.is_not_null())
        .group_by((answers::item_number, answers::responsible_area))
        .select((answers::item_number, answers::responsible_area, diesel::dsl::count_star()))
        .into_boxed();
    if let Some(c) = company_id {
        q = q.filter(submissions::company_id.eq(c));
    }
    let given: Vec<(i32, Option<String>, i64)> = q.load(conn)?;
    let mut from_sheets: HashMap<i32, (i64, String)> = HashMap::new();
    for (item, area, n) in given {
        let Some(area) = area.map(|a| a.trim().to_owned()).filter(|a| !a.is_empty()) else { continue };
        let e = from_sheets.entry(item).or_insert((0, String::new()));
        if n > e.0 || (n == e.0 && area < e.1) {
            *e = (n, area);
        }
    }
    // (rank, area) → its items with their levels.
    type Members = Vec<(u16, Level)>;
    let mut by_area: BTreeMap<(usize, Option<String>), Members> = BTreeMap::new();
    for (number, level, area) in catalog {
        let area = area.map(|a| a.trim().to_owned()).filter(|a| !a.is_empty());
        let area = area.or_else(|| from_sheets.get(&number).map(|(_, a)| a.clone()));
        let rank = match &area {
            Some(a) => KNOWN_AREAS.iter().position(|k| k == a).unwrap_or(KNOWN_AREAS.len()),
            None => KNOWN_AREAS.len() + 1,
        };
        let level = level.map(|l| Level::try_from(i32::from(l))).transpose()?.unwrap_or(Level::Lv1);
        by_area.entry((rank, area)).or_default().push((u16::try_from(number).unwrap_or(0), level));
    }
    let per_item: HashMap<u16, ItemFlags> = lines.iter().map(|l| (l.item, l.flags)).collect();
    let mut sums: Vec<CompanyYearSummary> = summaries::of_year(conn, year)?;
    if let Some(c) = company_id {
        sums.retain(|s| s.company_id == c);
    }
    let mut out = Vec::new();
    for ((_, area), mut members) in by_area {
        members.sort_unstable();
        let mut mean_rates = [None; 3];
        let mut rated = [0; 3];
        for view in View::ALL {
            let (mut total, mut n) = (0.0, 0i64);
            for s in &sums {
                let scored: Vec<crate::scoring::ScoredItem> = members
                    .iter()
                    .filter_map(|&(number, level)| {
                        let evaluation = s.item(number)?[view.index()];
                        Some(crate::scoring::ScoredItem { number: ItemNumber::new(number).ok()?, level, evaluation })
                    })
                    .collect();
                if let Some(r) = crate::scoring::achievement(&scored, s.target_level).overall.rate {
                    total += r;
                    n += 1;
                }
            }
            mean_rates[view.index()] = (n > 0).then(|| total / n as f64);
            rated[view.index()] = n;
        }
        let mut flags = ItemFlags::default();
        for (number, _) in &members {
            if let Some(f) = per_item.get(number) {
                flags.total += f.total;
                flags.sheets += f.sheets;
                flags.open += f.open;
                flags.confirmed += f.confirmed;
                flags.dismissed += f.dismissed;
            }
        }
        out.push(AreaLine { area, items: members.into_iter().map(|(n, _)| n).collect(), mean_rates, rated, flags });
    }
    Ok(out)
}

/// One side of a comparison: a sheet with its answers and flags.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Side {
    /// The sheet.
    pub submission: Submission,
    /// Its answers by item.
    pub answers: BTreeMap<u16, Answer>,
    /// Its flags by item, with their latest decisions.
    pub flags: BTreeMap<u16, Vec<(Flag, Option<Review>)>>,
}

/// Loads one side of a comparison.
pub fn side(conn: &mut DbConn, submission_id: i64) -> Result<Side, DbError> {
    let submission = subs::get(conn, submission_id)?;
    let answers = subs::answers_of(conn, submission_id)?.into_iter().map(|a| (u16::from(a.item), a)).collect();
    let latest = flags::latest_reviews(conn, submission_id)?;
    let mut by_item: BTreeMap<u16, Vec<(Flag, Option<Review>)>> = BTreeMap::new();
    for f in flags::of_submission(conn, submission_id)? {
        let key = f.flag.target.item().map_or(0, u16::from);
        let review = latest.get(&f.id).cloned();
        by_item.entry(key).or_default().push((f, review));
    }
    Ok(Side { submission, answers, flags: by_item })
}

/// What a sheet is compared with.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Against {
    /// The revision before it.
    PreviousRevision,
    /// The current sheet of the fiscal year before (same department).
    PreviousYear,
    /// Another sheet of the same company.
    Submission(i64),
}

/// The sheet `against` names for `base`, if there is one.
pub fn counterpart(conn: &mut DbConn, base: &Submission, against: Against) -> Result<Option<i64>, DbError> {
    match against {
        Against::Submission(id) => {
            let other = subs::get(conn, id)?;
            if other.company_id != base.company_id {
                return Err(DbError::NotFound(format!("submission {id}")));
            }
            Ok(Some(id))
        }
        Against::PreviousRevision => {
            let revisions = subs::revisions(conn, base.company_id, base.fiscal_year, base.department_id)?;
            Ok(revisions.iter().filter(|s| s.revision < base.revision).max_by_key(|s| s.revision).map(|s| s.id))
        }
        Against::PreviousYear => {
            let Ok(prev) = FiscalYear::new(base.fiscal_year.get() - 1) else { return Ok(None) };
            Ok(subs::current(conn, base.company_id, prev, base.department_id)?.map(|s| s.id))
        }
    }
}
