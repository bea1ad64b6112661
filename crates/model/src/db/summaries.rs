//! Summaries for the dashboards: one row per company and fiscal year
//! ([`CompanyYearSummary`]) and the group's figures per fiscal year as sums
//! and counts ([`YearTotals`]), so that a dashboard reads a few rows instead
//! of scanning every answer.
//!
//! # Kept in step
//! Summaries are derived data. Every change that moves a figure calls
//! [`refresh_in_tx`] for the company-year it touches, last in its write
//! transaction: storing a sheet (with its flags and carried-over decisions),
//! an analysis run's new flags and risk, a decision on a flag, a workflow
//! move, a change of target level. [`refresh_in_tx`] recomputes that one
//! company-year from its current sheets (153 answers and their flags) and
//! adjusts the year's totals by the difference between the old row and the
//! new one. [`rebuild_all`] recomputes everything from scratch (`hyoka admin
//! rebuild-summaries`, and `hyoka migrate` when it finds sheets without a
//! summary); the tests check that the two ways always agree.
//!
//! On PostgreSQL a refresh takes the `year_totals` table lock (SHARE ROW
//! EXCLUSIVE, which conflicts with itself), so two refreshes never read the
//! same old row; it is taken last in a transaction, after the audit log's
//! lock, so the lock order is the same everywhere.
//!
//! # What a row holds
//! - the current sheets (several departments' sheets merged item by item:
//!   the weakest answer wins, seed question 3), the latest of them, and the
//!   status needing most attention (returned, submitted, in review, accepted);
//! - the target level (the year's collection's, else the company's);
//! - self, suggested and reviewed rates (see [`crate::scoring`]) for Lv1,
//!   Lv2, Lv3, the target and overall, in basis points (0–10000);
//! - the highest risk of its sheets, and its flags: total, open (no decision
//!   yet), confirmed, dismissed;
//! - per item, four characters (see [`ItemCode`]): the self, suggested,
//!   reviewed and **estimated** score. The estimate is what hyoka believes
//!   an item is worth: the confirmed review's score if there is one, else the
//!   lowest score suggested by an undecided flag of medium severity or
//!   above, else the claim.

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use diesel::prelude::*;
use serde::Serialize;

use super::schema::{
    company_year_summaries as cys, flags as flags_t, group_counts, submission_risk, submissions, year_totals,
};
use super::submissions::{self as subs, Submission};
use super::{DbConn, DbError, companies, write_tx};
use crate::domain::{Decision, Evaluation, FiscalYear, Level, Points};
use crate::scoring::{self, Achievement, FlagSuggestion, ScoredItem};
use crate::workflow::SubmissionStatus;

/// The three views, in the order of [`CompanyYearSummary::rates`].
pub const VIEWS: [&str; 3] = ["self", "suggested", "reviewed"];
/// The five scopes of a view, in order.
pub const SCOPES: [&str; 5] = ["lv1", "lv2", "lv3", "target", "overall"];

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
    /// Self, suggested, reviewed (see [`VIEWS`]) × [`SCOPES`], basis points.
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

impl CompanyYearSummary {
    /// The four scores of one item (self, suggested, reviewed, estimate),
    /// when the sheets have it.
    pub fn item(&self, number: u16) -> Option<[Evaluation; 4]> {
        let start = (usize::from(number).checked_sub(1)?) * 4;
        let codes: Vec<char> = self.item_codes.get(start..start + 4)?.chars().collect();
        let mut out = [Evaluation::Unanswered; 4];
        for (slot, c) in out.iter_mut().zip(codes) {
            *slot = ItemCode::parse(c)?;
        }
        Some(out)
    }

    /// A rate as a fraction.
    pub fn rate(&self, view: usize, scope: usize) -> Option<f64> {
        self.rates.get(view)?.get(scope).copied().flatten().map(|bp| f64::from(bp) / 10_000.0)
    }

    /// What this row adds to its year's totals.
    pub fn contributions(&self) -> Vec<(String, i64, i64)> {
        let mut out = vec![
            ("submitted".to_owned(), 1, 1),
            ("sheets".to_owned(), i64::from(self.sheets), 1),
            (format!("status:{}", self.status.code()), 1, 1),
            ("flags:total".to_owned(), i64::from(self.flags.total), 1),
            ("flags:open".to_owned(), i64::from(self.flags.open), 1),
            ("flags:confirmed".to_owned(), i64::from(self.flags.confirmed), 1),
            ("flags:dismissed".to_owned(), i64::from(self.flags.dismissed), 1),
        ];
        if let Some(r) = self.risk {
            out.push(("risk".to_owned(), i64::from(r), 1));
        }
        for (v, view) in VIEWS.iter().enumerate() {
            for (s, scope) in SCOPES.iter().enumerate() {
                if let Some(bp) = self.rates[v][s] {
                    out.push((format!("rate:{view}:{scope}"), i64::from(bp), 1));
                }
            }
        }
        out
    }
}

/// A year's group figures: metric → (sum, count).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct YearTotals(pub BTreeMap<String, (i64, i64)>);

impl YearTotals {
    /// Adds (or, with `sign` -1, takes away) one row's contributions.
    pub fn add(&mut self, row: &CompanyYearSummary, sign: i64) {
        for (metric, total, n) in row.contributions() {
            let e = self.0.entry(metric).or_default();
            e.0 += sign * total;
            e.1 += sign * n;
        }
    }

    /// Sum and count of one metric (zeros when absent).
    pub fn get(&self, metric: &str) -> (i64, i64) {
        self.0.get(metric).copied().unwrap_or_default()
    }

    /// Drops metrics whose sum and count are both zero.
    fn pruned(mut self) -> YearTotals {
        self.0.retain(|_, (t, n)| *t != 0 || *n != 0);
        self
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

/// The current sheets of a company-year.
fn current_sheets(conn: &mut DbConn, company_id: i64, year: FiscalYear) -> Result<Vec<Submission>, DbError> {
    let ids: Vec<i64> = submissions::table
        .filter(submissions::company_id.eq(company_id))
        .filter(submissions::fiscal_year.eq(year.get()))
        .filter(submissions::is_current.eq(true))
        .order(submissions::id)
        .select(submissions::id)
        .load(conn)?;
    ids.into_iter().map(|id| subs::get(conn, id)).collect()
}

/// Views of one sheet: self, suggested, reviewed, estimate.
fn sheet_views(
    conn: &mut DbConn,
    sheet: &Submission,
    counts: &mut FlagCounts,
) -> Result<[Vec<ScoredItem>; 4], DbError> {
    let answers = subs::answers_of(conn, sheet.id)?;
    let items: Vec<ScoredItem> =
        answers.iter().map(|a| ScoredItem { number: a.item, level: a.level, evaluation: a.evaluation }).collect();
    let flag_list = super::flags::of_submission(conn, sheet.id)?;
    let latest = super::flags::latest_reviews(conn, sheet.id)?;
    let mut undecided: Vec<FlagSuggestion> = Vec::new();
    for f in &flag_list {
        counts.total += 1;
        match latest.get(&f.id).map(|r| r.decision) {
            None => {
                counts.open += 1;
                undecided.extend(f.suggestion());
            }
            Some(Decision::Confirmed { .. }) => counts.confirmed += 1,
            Some(Decision::Dismissed) => counts.dismissed += 1,
        }
    }
    let suggestions: Vec<FlagSuggestion> = flag_list.iter().filter_map(|f| f.suggestion()).collect();
    let confirmed = super::flags::confirmed_scores(conn, sheet.id)?;
    let reviewed = scoring::reviewed_items(&items, &confirmed);
    let estimate = scoring::suggested_items(&reviewed, &undecided);
    Ok([items.clone(), scoring::suggested_items(&items, &suggestions), reviewed, estimate])
}

/// Computes a company-year's summary from its current sheets (`None` when
/// it has none).
pub fn compute(conn: &mut DbConn, company_id: i64, year: FiscalYear) -> Result<Option<CompanyYearSummary>, DbError> {
    let sheets = current_sheets(conn, company_id, year)?;
    let Some(latest) = sheets.iter().max_by_key(|s| (s.uploaded_at, s.id)).cloned() else {
        return Ok(None);
    };
    let company = companies::get(conn, company_id)?;
    let target_level = super::collections::target_level_for(conn, company_id, year)?.unwrap_or(company.target_level);
    let mut counts = FlagCounts::default();
    let mut per_view: [Vec<Vec<ScoredItem>>; 4] = Default::default();
    let mut risk: Option<u8> = None;
    for sheet in &sheets {
        let views = sheet_views(conn, sheet, &mut counts)?;
        for (slot, items) in per_view.iter_mut().zip(views) {
            slot.push(items);
        }
        let r: Option<i16> =
            submission_risk::table.find(sheet.id).select(submission_risk::score).first(conn).optional()?;
        if let Some(r) = r.and_then(|r| u8::try_from(r).ok()) {
            risk = Some(risk.map_or(r, |m| m.max(r)));
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
    Ok(Some(CompanyYearSummary {
        company_id,
        fiscal_year: year,
        submission_id: latest.id,
        sheets: i32::try_from(sheets.len()).unwrap_or(i32::MAX),
        status,
        revision: i32::try_from(latest.revision).unwrap_or(i32::MAX),
        uploaded_at: latest.uploaded_at,
        target_level,
        risk,
        rates,
        flags: counts,
        item_codes: codes.into_iter().collect(),
    }))
}

type Row =
    ((i64, i32, i64, i32, String, i32, chrono::NaiveDateTime, i16, Option<i16>), (String, i32, i32, i32, i32, String));

/// The columns of a summary row, in the order [`from_row`] reads them.
#[allow(clippy::type_complexity)]
pub(crate) fn columns() -> (
    (
        cys::company_id,
        cys::fiscal_year,
        cys::submission_id,
        cys::sheets,
        cys::status,
        cys::revision,
        cys::uploaded_at,
        cys::target_level,
        cys::risk,
    ),
    (cys::rates, cys::flags_total, cys::flags_open, cys::flags_confirmed, cys::flags_dismissed, cys::item_codes),
) {
    (
        (
            cys::company_id,
            cys::fiscal_year,
            cys::submission_id,
            cys::sheets,
            cys::status,
            cys::revision,
            cys::uploaded_at,
            cys::target_level,
            cys::risk,
        ),
        (cys::rates, cys::flags_total, cys::flags_open, cys::flags_confirmed, cys::flags_dismissed, cys::item_codes),
    )
}

/// The stored row type of [`columns`].
pub(crate) type SummaryRow = Row;

/// The 15 rates as stored: comma-separated basis points, empty for none.
fn rates_text(rates: &[ViewRates; 3]) -> String {
    let all: Vec<String> = rates.iter().flatten().map(|r| r.map(|bp| bp.to_string()).unwrap_or_default()).collect();
    all.join(",")
}

fn parse_rates(text: &str) -> Result<[ViewRates; 3], DbError> {
    let bad = || DbError::Invalid(format!("stored rates {text:?} are not 15 comma-separated numbers"));
    let parts: Vec<&str> = text.split(',').collect();
    if parts.len() != 15 {
        return Err(bad());
    }
    let mut out = [[None; 5]; 3];
    for (i, p) in parts.into_iter().enumerate() {
        out[i / 5][i % 5] = if p.is_empty() { None } else { Some(p.parse::<i32>().map_err(|_| bad())?) };
    }
    Ok(out)
}

/// A summary from its stored row.
pub(crate) fn from_row(r: Row) -> Result<CompanyYearSummary, DbError> {
    let (head, (rates, total, open, confirmed, dismissed, item_codes)) = r;
    let (company_id, fiscal_year, submission_id, sheets, status, revision, uploaded_at, target_level, risk) = head;
    Ok(CompanyYearSummary {
        company_id,
        fiscal_year: FiscalYear::new(fiscal_year)?,
        submission_id,
        sheets,
        status: status.parse()?,
        revision,
        uploaded_at: crate::time::from_db(uploaded_at),
        target_level: Level::try_from(i32::from(target_level))?,
        risk: risk.and_then(|r| u8::try_from(r).ok()),
        rates: parse_rates(&rates)?,
        flags: FlagCounts { total, open, confirmed, dismissed },
        item_codes,
    })
}

/// The stored summary of a company-year.
pub fn stored(conn: &mut DbConn, company_id: i64, year: FiscalYear) -> Result<Option<CompanyYearSummary>, DbError> {
    let row: Option<Row> = cys::table.find((company_id, year.get())).select(columns()).first(conn).optional()?;
    row.map(from_row).transpose()
}

/// Every stored summary of a fiscal year, by company id.
pub fn of_year(conn: &mut DbConn, year: FiscalYear) -> Result<Vec<CompanyYearSummary>, DbError> {
    let rows: Vec<Row> =
        cys::table.filter(cys::fiscal_year.eq(year.get())).order(cys::company_id).select(columns()).load(conn)?;
    rows.into_iter().map(from_row).collect()
}

/// Every stored summary of a company, oldest year first.
pub fn of_company(conn: &mut DbConn, company_id: i64) -> Result<Vec<CompanyYearSummary>, DbError> {
    let rows: Vec<Row> =
        cys::table.filter(cys::company_id.eq(company_id)).order(cys::fiscal_year).select(columns()).load(conn)?;
    rows.into_iter().map(from_row).collect()
}

fn insert(conn: &mut DbConn, s: &CompanyYearSummary) -> Result<(), DbError> {
    diesel::insert_into(cys::table)
        .values((
            (
                cys::company_id.eq(s.company_id),
                cys::fiscal_year.eq(s.fiscal_year.get()),
                cys::submission_id.eq(s.submission_id),
                cys::sheets.eq(s.sheets),
                cys::status.eq(s.status.code()),
                cys::revision.eq(s.revision),
                cys::uploaded_at.eq(s.uploaded_at.naive_utc()),
                cys::target_level.eq(i16::from(s.target_level.number())),
                cys::risk.eq(s.risk.map(i16::from)),
            ),
            (
                cys::rates.eq(rates_text(&s.rates)),
                cys::flags_total.eq(s.flags.total),
                cys::flags_open.eq(s.flags.open),
                cys::flags_confirmed.eq(s.flags.confirmed),
                cys::flags_dismissed.eq(s.flags.dismissed),
                cys::item_codes.eq(&s.item_codes),
                cys::updated_at.eq(crate::time::now().naive_utc()),
            ),
        ))
        .execute(conn)?;
    Ok(())
}

/// Adds a difference to a year's stored totals.
fn adjust_totals(conn: &mut DbConn, year: FiscalYear, delta: &YearTotals) -> Result<(), DbError> {
    for (metric, (total, n)) in &delta.0 {
        if *total == 0 && *n == 0 {
            continue;
        }
        let changed = diesel::update(year_totals::table.find((year.get(), metric)))
            .set((year_totals::total.eq(year_totals::total + *total), year_totals::n.eq(year_totals::n + *n)))
            .execute(conn)?;
        if changed == 0 {
            diesel::insert_into(year_totals::table)
                .values((
                    year_totals::fiscal_year.eq(year.get()),
                    year_totals::metric.eq(metric),
                    year_totals::total.eq(*total),
                    year_totals::n.eq(*n),
                ))
                .execute(conn)?;
        }
    }
    Ok(())
}

/// Serialises refreshes on PostgreSQL (SQLite's write transactions already are).
fn lock(conn: &mut DbConn) -> Result<(), DbError> {
    if let DbConn::Pg(pg) = conn {
        diesel::sql_query("LOCK TABLE year_totals IN SHARE ROW EXCLUSIVE MODE").execute(pg)?;
    }
    Ok(())
}

/// Recomputes one company-year's summary and adjusts its year's totals, in
/// the caller's write transaction (call it last there).
pub fn refresh_in_tx(conn: &mut DbConn, company_id: i64, year: FiscalYear) -> Result<(), DbError> {
    lock(conn)?;
    let old = stored(conn, company_id, year)?;
    let new = compute(conn, company_id, year)?;
    if old == new {
        return Ok(());
    }
    let mut delta = YearTotals::default();
    if let Some(old) = &old {
        delta.add(old, -1);
        diesel::delete(cys::table.find((company_id, year.get()))).execute(conn)?;
    }
    if let Some(new) = &new {
        delta.add(new, 1);
        insert(conn, new)?;
    }
    adjust_totals(conn, year, &delta)
}

/// [`refresh_in_tx`] for the company-year of a submission.
pub fn refresh_submission_in_tx(conn: &mut DbConn, submission_id: i64) -> Result<(), DbError> {
    let (company_id, year): (i64, i32) = submissions::table
        .find(submission_id)
        .select((submissions::company_id, submissions::fiscal_year))
        .first(conn)?;
    refresh_in_tx(conn, company_id, FiscalYear::new(year)?)
}

/// [`refresh_in_tx`] for the company-year of a flag's submission.
pub fn refresh_flag_in_tx(conn: &mut DbConn, flag_id: i64) -> Result<(), DbError> {
    let submission_id: i64 = flags_t::table.find(flag_id).select(flags_t::submission_id).first(conn)?;
    refresh_submission_in_tx(conn, submission_id)
}

/// [`refresh_in_tx`] for every year a company has sheets in (after its
/// target level changed).
pub fn refresh_company_in_tx(conn: &mut DbConn, company_id: i64) -> Result<(), DbError> {
    let years: Vec<i32> = submissions::table
        .filter(submissions::company_id.eq(company_id))
        .select(submissions::fiscal_year)
        .distinct()
        .load(conn)?;
    for y in years {
        refresh_in_tx(conn, company_id, FiscalYear::new(y)?)?;
    }
    Ok(())
}

/// The name of a company count in `group_counts`.
fn count_name(level: Option<Level>) -> String {
    level.map_or_else(|| "companies".to_owned(), |l| format!("companies:lv{}", l.number()))
}

/// Companies in the group (with `level`: whose registered target level it is),
/// from the kept count.
pub fn company_count(conn: &mut DbConn, level: Option<Level>) -> Result<i64, DbError> {
    Ok(group_counts::table.find(count_name(level)).select(group_counts::value).first(conn).optional()?.unwrap_or(0))
}

/// Adds `delta` companies of `level` to the kept counts (in the caller's
/// transaction: company creation, a change of target level).
pub(crate) fn count_companies_in_tx(conn: &mut DbConn, level: Level, delta: i64, all: bool) -> Result<(), DbError> {
    let names = if all { vec![count_name(None), count_name(Some(level))] } else { vec![count_name(Some(level))] };
    for name in names {
        let changed = diesel::update(group_counts::table.find(&name))
            .set(group_counts::value.eq(group_counts::value + delta))
            .execute(conn)?;
        if changed == 0 {
            diesel::insert_into(group_counts::table)
                .values((group_counts::name.eq(&name), group_counts::value.eq(delta)))
                .execute(conn)?;
        }
    }
    Ok(())
}

/// The counts as they should be, from the companies table.
fn counted(conn: &mut DbConn) -> Result<BTreeMap<String, i64>, DbError> {
    use super::schema::companies;
    let mut out = BTreeMap::from([(count_name(None), companies::table.count().get_result::<i64>(conn)?)]);
    for level in [Level::Lv1, Level::Lv2, Level::Lv3] {
        let n: i64 =
            companies::table.filter(companies::target_level.eq(i16::from(level.number()))).count().get_result(conn)?;
        out.insert(count_name(Some(level)), n);
    }
    Ok(out)
}

/// A year's stored totals.
pub fn totals(conn: &mut DbConn, year: FiscalYear) -> Result<YearTotals, DbError> {
    let rows: Vec<(String, i64, i64)> = year_totals::table
        .filter(year_totals::fiscal_year.eq(year.get()))
        .select((year_totals::metric, year_totals::total, year_totals::n))
        .load(conn)?;
    Ok(YearTotals(rows.into_iter().map(|(m, t, n)| (m, (t, n))).collect::<BTreeMap<_, _>>()).pruned())
}

/// Fiscal years with totals, oldest first.
pub fn years(conn: &mut DbConn) -> Result<Vec<FiscalYear>, DbError> {
    let ys: Vec<i32> = year_totals::table
        .filter(year_totals::metric.eq("submitted"))
        .filter(year_totals::n.gt(0))
        .select(year_totals::fiscal_year)
        .order(year_totals::fiscal_year)
        .load(conn)?;
    ys.into_iter().map(|y| Ok(FiscalYear::new(y)?)).collect()
}

/// Recomputes every summary and every total from the sheets, in one write
/// transaction. Returns the company-years summarised.
pub fn rebuild_all(conn: &mut DbConn) -> Result<usize, DbError> {
    write_tx(conn, |conn| {
        lock(conn)?;
        diesel::delete(cys::table).execute(conn)?;
        diesel::delete(year_totals::table).execute(conn)?;
        let keys: Vec<(i64, i32)> = submissions::table
            .filter(submissions::is_current.eq(true))
            .select((submissions::company_id, submissions::fiscal_year))
            .distinct()
            .order((submissions::fiscal_year, submissions::company_id))
            .load(conn)?;
        let mut per_year: BTreeMap<i32, YearTotals> = BTreeMap::new();
        for (company_id, y) in &keys {
            if let Some(s) = compute(conn, *company_id, FiscalYear::new(*y)?)? {
                per_year.entry(*y).or_default().add(&s, 1);
                insert(conn, &s)?;
            }
        }
        for (y, totals) in per_year {
            adjust_totals(conn, FiscalYear::new(y)?, &totals)?;
        }
        diesel::delete(group_counts::table).execute(conn)?;
        for (name, value) in counted(conn)? {
            diesel::insert_into(group_counts::table)
                .values((group_counts::name.eq(name), group_counts::value.eq(value)))
                .execute(conn)?;
        }
        Ok(keys.len())
    })
}

/// Company-years with a current sheet but no summary (a database from
/// before summaries existed).
pub fn missing(conn: &mut DbConn) -> Result<i64, DbError> {
    use diesel::dsl::{exists, not};
    let n: i64 = submissions::table
        .filter(submissions::is_current.eq(true))
        .filter(not(exists(
            cys::table
                .filter(cys::company_id.eq(submissions::company_id))
                .filter(cys::fiscal_year.eq(submissions::fiscal_year)),
        )))
        .count()
        .get_result(conn)?;
    Ok(n)
}

/// Differences between the stored summaries and totals and a fresh
/// computation, described one per line (empty: they agree).
pub fn verify(conn: &mut DbConn) -> Result<Vec<String>, DbError> {
    let mut problems = Vec::new();
    let keys: Vec<(i64, i32)> = submissions::table
        .select((submissions::company_id, submissions::fiscal_year))
        .distinct()
        .order((submissions::fiscal_year, submissions::company_id))
        .load(conn)?;
    let mut per_year: BTreeMap<i32, YearTotals> = BTreeMap::new();
    for (company_id, y) in keys {
        let year = FiscalYear::new(y)?;
        let fresh = compute(conn, company_id, year)?;
        if let Some(s) = &fresh {
            per_year.entry(y).or_default().add(s, 1);
        }
        let kept = stored(conn, company_id, year)?;
        if kept != fresh {
            problems.push(format!("company {company_id} FY{y}: stored {kept:?}, computed {fresh:?}"));
        }
    }
    let stored_years: Vec<i32> = year_totals::table.select(year_totals::fiscal_year).distinct().load(conn)?;
    for y in stored_years.into_iter().chain(per_year.keys().copied()).collect::<std::collections::BTreeSet<_>>() {
        let want = per_year.remove(&y).unwrap_or_default().pruned();
        let got = totals(conn, FiscalYear::new(y)?)?;
        if want != got {
            problems.push(format!("FY{y} totals: stored {got:?}, computed {want:?}"));
        }
    }
    for (name, want) in counted(conn)? {
        let got: Option<i64> = group_counts::table.find(&name).select(group_counts::value).first(conn).optional()?;
        if got.unwrap_or(0) != want {
            problems.push(format!("{name}: stored {got:?}, counted {want}"));
        }
    }
    Ok(problems)
}
