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
//! - the highest risk of its sheets, the highest residual risk after review
//!   (also kept on each sheet's risk record, for the exports), and its
//!   flags: total, open (no decision yet), confirmed, dismissed;
//! - per item, four characters (see [`ItemCode`]): the self, suggested,
//!   reviewed and **estimated** score. The estimate is what hyoka believes
//!   an item is worth: the confirmed review's score if there is one, else the
//!   lowest score suggested by an undecided flag of medium severity or
//!   above, else the claim.

use std::collections::{BTreeMap, HashMap};

use diesel::prelude::*;

use super::schema::{
    collection_companies, collections, companies as companies_t, company_year_summaries as cys, group_counts,
    submission_risk, submissions, year_totals,
};
use super::submissions::{self as subs, Submission};
use super::{DbConn, DbError, companies, write_tx};
use crate::domain::{FiscalYear, Level};
use crate::scoring::ScoredItem;
use crate::summary::{FlagFacts, SheetFacts};

pub use crate::summary::{CompanyYearSummary, FlagCounts, ItemCode, Metric, Scope, View, ViewRates, YearTotals};

/// The current sheets of a company-year.
pub fn current_sheets(conn: &mut DbConn, company_id: i64, year: FiscalYear) -> Result<Vec<Submission>, DbError> {
    let ids: Vec<i64> = submissions::table
        .filter(submissions::company_id.eq(company_id))
        .filter(submissions::fiscal_year.eq(year.get()))
        .filter(submissions::is_current.eq(true))
        .order(submissions::id)
        .select(submissions::id)
        .load(conn)?;
    ids.into_iter().map(|id| subs::get(conn, id)).collect()
}

/// What a summary needs of one stored sheet, with the residual risk kept on
/// its risk record (which [`refresh_in_tx`] brings up to date).
fn sheet_facts(conn: &mut DbConn, sheet: &Submission) -> Result<(SheetFacts, Option<i16>), DbError> {
    let items: Vec<ScoredItem> = subs::answers_of(conn, sheet.id)?
        .iter()
        .map(|a| ScoredItem { number: a.item, level: a.level, evaluation: a.evaluation })
        .collect();
    let latest = super::flags::latest_reviews(conn, sheet.id)?;
    let stored_flags = super::flags::of_submission(conn, sheet.id)?;
    let flags = stored_flags
        .iter()
        .map(|f| FlagFacts {
            item: f.flag.target.item(),
            suggestion: f.suggestion(),
            decision: latest.get(&f.id).map(|r| r.decision),
        })
        .collect();
    let kept: Option<(i16, String, Option<i16>)> = submission_risk::table
        .find(sheet.id)
        .select((submission_risk::score, submission_risk::weights_json, submission_risk::residual))
        .first(conn)
        .optional()?;
    let risk = kept.as_ref().map(|(score, _, _)| *score);
    let residual =
        kept.as_ref().and_then(|(_, weights, _)| super::detection::residual(&stored_flags, &latest, weights));
    let kept_residual = kept.and_then(|(_, _, r)| r);
    let facts = SheetFacts {
        id: sheet.id,
        status: sheet.status,
        revision: i32::try_from(sheet.revision).unwrap_or(i32::MAX),
        uploaded_at: sheet.uploaded_at,
        items,
        flags,
        risk: risk.and_then(|r| u8::try_from(r).ok()),
        residual,
    };
    Ok((facts, kept_residual))
}

/// Computes a company-year's summary from its stored current sheets (`None`
/// when it has none): the facts are loaded here, the figures computed by
/// [`crate::summary::compute`].
pub fn compute(conn: &mut DbConn, company_id: i64, year: FiscalYear) -> Result<Option<CompanyYearSummary>, DbError> {
    Ok(compute_with_residuals(conn, company_id, year)?.0)
}

/// [`compute`], with each current sheet's residual risk as computed and as
/// kept on its risk record: (submission, computed, kept).
type Residuals = Vec<(i64, Option<u8>, Option<i16>)>;

fn compute_with_residuals(
    conn: &mut DbConn,
    company_id: i64,
    year: FiscalYear,
) -> Result<(Option<CompanyYearSummary>, Residuals), DbError> {
    let sheets = current_sheets(conn, company_id, year)?;
    if sheets.is_empty() {
        return Ok((None, Vec::new()));
    }
    let company = companies::get(conn, company_id)?;
    let target_level = super::collections::target_level_for(conn, company_id, year)?.unwrap_or(company.target_level);
    let mut facts = Vec::with_capacity(sheets.len());
    let mut residuals = Vec::with_capacity(sheets.len());
    for sheet in &sheets {
        let (f, kept) = sheet_facts(conn, sheet)?;
        residuals.push((f.id, f.residual, kept));
        facts.push(f);
    }
    Ok((crate::summary::compute(company_id, year, target_level, &facts), residuals))
}

/// Keeps each sheet's residual risk on its risk record (for the exports).
fn keep_residuals(conn: &mut DbConn, residuals: &Residuals) -> Result<(), DbError> {
    for (submission_id, computed, kept) in residuals {
        let computed = computed.map(i16::from);
        if computed != *kept {
            diesel::update(submission_risk::table.find(submission_id))
                .set(submission_risk::residual.eq(computed))
                .execute(conn)?;
        }
    }
    Ok(())
}

type Row = (
    (i64, i32, i64, i32, String, i32, chrono::NaiveDateTime, i16, Option<i16>),
    (String, i32, i32, i32, i32, String, Option<i16>),
);

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
    (
        cys::rates,
        cys::flags_total,
        cys::flags_open,
        cys::flags_confirmed,
        cys::flags_dismissed,
        cys::item_codes,
        cys::residual,
    ),
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
        (
            cys::rates,
            cys::flags_total,
            cys::flags_open,
            cys::flags_confirmed,
            cys::flags_dismissed,
            cys::item_codes,
            cys::residual,
        ),
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
    let (head, (rates, total, open, confirmed, dismissed, item_codes, residual)) = r;
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
        residual: residual.and_then(|r| u8::try_from(r).ok()),
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
    let tier: i16 = companies_t::table.find(s.company_id).select(companies_t::impact_tier).first(conn)?;
    let priority = crate::summary::priority(s.risk, u8::try_from(tier).unwrap_or(u8::MAX));
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
                cys::priority.eq(i32::try_from(priority).unwrap_or(i32::MAX)),
                cys::residual.eq(s.residual.map(i16::from)),
                cys::scs3_met.eq(scs3_met(s)),
            ),
        ))
        .execute(conn)?;
    Ok(())
}

/// The SCS ★3 criteria met (estimated) a row keeps.
fn scs3_met(s: &CompanyYearSummary) -> Option<i16> {
    crate::scs::kept_figures(s).and_then(|(met, _)| i16::try_from(met).ok())
}

/// Adds a difference to a year's stored totals, in one statement (a sheet
/// moves some 90 metrics; one statement per metric was the bulk load's
/// most frequent round trip on PostgreSQL).
fn adjust_totals(conn: &mut DbConn, year: FiscalYear, delta: &YearTotals) -> Result<(), DbError> {
    use diesel::upsert::excluded;
    let rows: Vec<_> = delta
        .0
        .iter()
        .filter(|(_, (total, n))| *total != 0 || *n != 0)
        .map(|(metric, (total, n))| {
            (
                year_totals::fiscal_year.eq(year.get()),
                year_totals::metric.eq(metric),
                year_totals::total.eq(*total),
                year_totals::n.eq(*n),
            )
        })
        .collect();
    if rows.is_empty() {
        return Ok(());
    }
    on_each_backend!(conn, c => diesel::insert_into(year_totals::table)
        .values(&rows)
        .on_conflict((year_totals::fiscal_year, year_totals::metric))
        .do_update()
        .set((
            year_totals::total.eq(year_totals::total + excluded(year_totals::total)),
            year_totals::n.eq(year_totals::n + excluded(year_totals::n)),
        ))
        .execute(c))?;
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
    // Whatever this write changed, the year's kept list counts are stale
    // (a flag's decision or severity can change with the summary unchanged).
    super::counts::bump_in_tx(conn, year)?;
    let old = stored(conn, company_id, year)?;
    let (new, residuals) = compute_with_residuals(conn, company_id, year)?;
    keep_residuals(conn, &residuals)?;
    if old == new {
        return Ok(());
    }
    let delta = YearTotals::delta(old.as_ref(), new.as_ref());
    if old.is_some() {
        diesel::delete(cys::table.find((company_id, year.get()))).execute(conn)?;
    }
    if let Some(new) = &new {
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

/// Sets the review-queue priority of every summary of a company again
/// (after its business-impact tier changed; a refresh sets it otherwise).
pub fn reprioritise_company_in_tx(conn: &mut DbConn, company_id: i64, tier: u8) -> Result<(), DbError> {
    let rows: Vec<(i32, Option<i16>)> =
        cys::table.filter(cys::company_id.eq(company_id)).select((cys::fiscal_year, cys::risk)).load(conn)?;
    for (year, risk) in rows {
        let priority = crate::summary::priority(risk.and_then(|r| u8::try_from(r).ok()), tier);
        diesel::update(cys::table.find((company_id, year)))
            .set(cys::priority.eq(i32::try_from(priority).unwrap_or(i32::MAX)))
            .execute(conn)?;
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

/// The name of a year's asked-company count in `group_counts`.
fn asked_name(year: FiscalYear) -> String {
    format!("asked:{}", year.get())
}

/// How many companies the year's collection asks, from the kept count
/// (`None`: no collection for the year).
pub fn asked_count(conn: &mut DbConn, year: FiscalYear) -> Result<Option<i64>, DbError> {
    Ok(group_counts::table.find(asked_name(year)).select(group_counts::value).first(conn).optional()?)
}

/// Keeps how many companies the year's collection asks (in the caller's
/// transaction: opening a collection, a change of its members).
pub(crate) fn set_asked_in_tx(conn: &mut DbConn, year: FiscalYear, n: i64) -> Result<(), DbError> {
    use diesel::upsert::excluded;
    let row = (group_counts::name.eq(asked_name(year)), group_counts::value.eq(n));
    on_each_backend!(conn, c => diesel::insert_into(group_counts::table)
        .values(&row)
        .on_conflict(group_counts::name)
        .do_update()
        .set(group_counts::value.eq(excluded(group_counts::value)))
        .execute(c))?;
    Ok(())
}

/// Adds `delta` companies of `level` to the kept counts (in the caller's
/// transaction: company creation, a change of target level).
pub(crate) fn count_companies_in_tx(conn: &mut DbConn, level: Level, delta: i64, all: bool) -> Result<(), DbError> {
    use diesel::upsert::excluded;
    let names = if all { vec![count_name(None), count_name(Some(level))] } else { vec![count_name(Some(level))] };
    let rows: Vec<_> = names.iter().map(|name| (group_counts::name.eq(name), group_counts::value.eq(delta))).collect();
    on_each_backend!(conn, c => diesel::insert_into(group_counts::table)
        .values(&rows)
        .on_conflict(group_counts::name)
        .do_update()
        .set(group_counts::value.eq(group_counts::value + excluded(group_counts::value)))
        .execute(c))?;
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
    let opened: Vec<(i64, i32)> = collections::table.select((collections::id, collections::fiscal_year)).load(conn)?;
    for (id, year) in opened {
        let n: i64 =
            collection_companies::table.filter(collection_companies::collection_id.eq(id)).count().get_result(conn)?;
        out.insert(asked_name(FiscalYear::new(year)?), n);
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
            let (summary, residuals) = compute_with_residuals(conn, *company_id, FiscalYear::new(*y)?)?;
            keep_residuals(conn, &residuals)?;
            if let Some(s) = summary {
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

/// How many summaries have a risk but no residual risk (kept before the
/// residual existed): rebuilt after migrating.
pub fn without_residual(conn: &mut DbConn) -> Result<i64, DbError> {
    let n: i64 = cys::table.filter(cys::risk.is_not_null()).filter(cys::residual.is_null()).count().get_result(conn)?;
    Ok(n)
}

/// How many summaries lack their kept SCS figure (kept before it existed):
/// rebuilt after migrating.
pub fn without_scs(conn: &mut DbConn) -> Result<i64, DbError> {
    let n: i64 = cys::table.filter(cys::scs3_met.is_null()).count().get_result(conn)?;
    Ok(n)
}

/// Whether a year's summaries all keep their SCS figure.
pub fn scs_kept(conn: &mut DbConn, year: FiscalYear) -> Result<bool, DbError> {
    use diesel::dsl::exists;
    let any_missing: bool =
        diesel::select(exists(cys::table.filter(cys::fiscal_year.eq(year.get())).filter(cys::scs3_met.is_null())))
            .get_result(conn)?;
    Ok(!any_missing)
}

/// A company in the SCS group view, as kept.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ScsLine {
    /// Company id.
    pub company_id: i64,
    /// Company code.
    pub code: String,
    /// Company name.
    pub name: String,
    /// Its summary's per-item codes (see [`CompanyYearSummary::item`]).
    pub item_codes: String,
}

/// A year's companies by kept ★3 criteria met (estimated), most first, ties
/// by code; `below`: only those meeting fewer than that many.
pub fn by_scs3(
    conn: &mut DbConn,
    year: FiscalYear,
    below: Option<i16>,
    offset: i64,
    limit: i64,
) -> Result<Vec<ScsLine>, DbError> {
    let mut q = cys::table
        .inner_join(companies_t::table.on(companies_t::id.eq(cys::company_id)))
        .filter(cys::fiscal_year.eq(year.get()))
        .into_boxed();
    if let Some(b) = below {
        q = q.filter(cys::scs3_met.lt(b));
    }
    // The order on the ids alone first (the sort of a tie holds no item
    // codes), then the rows of the page.
    let ids: Vec<i64> = q
        .order((cys::scs3_met.desc(), companies_t::code.asc()))
        .select(cys::company_id)
        .offset(offset)
        .limit(limit)
        .load(conn)?;
    let mut rows: HashMap<i64, ScsLine> = cys::table
        .inner_join(companies_t::table.on(companies_t::id.eq(cys::company_id)))
        .filter(cys::fiscal_year.eq(year.get()))
        .filter(cys::company_id.eq_any(&ids))
        .select((cys::company_id, companies_t::code, companies_t::name, cys::item_codes))
        .load::<(i64, String, String, String)>(conn)?
        .into_iter()
        .map(|(company_id, code, name, item_codes)| (company_id, ScsLine { company_id, code, name, item_codes }))
        .collect();
    Ok(ids.iter().filter_map(|id| rows.remove(id)).collect())
}

/// Differences between the stored summaries and totals (and the decisions
/// kept on flag rows) and a fresh computation, described one per line
/// (empty: they agree).
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
        let (fresh, residuals) = compute_with_residuals(conn, company_id, year)?;
        for (submission_id, computed, kept) in &residuals {
            if computed.map(i16::from) != *kept {
                problems
                    .push(format!("submission {submission_id}: kept residual risk {kept:?}, computed {computed:?}"));
            }
        }
        if let Some(s) = &fresh {
            per_year.entry(y).or_default().add(s, 1);
        }
        let kept = stored(conn, company_id, year)?;
        if kept != fresh {
            problems.push(format!("company {company_id} FY{y}: stored {kept:?}, computed {fresh:?}"));
        }
        if let Some(s) = &fresh {
            let tier: i16 = companies_t::table.find(company_id).select(companies_t::impact_tier).first(conn)?;
            let want = crate::summary::priority(s.risk, u8::try_from(tier).unwrap_or(u8::MAX));
            let got: Option<i32> = cys::table.find((company_id, y)).select(cys::priority).first(conn).optional()?;
            if got.and_then(|g| u32::try_from(g).ok()) != Some(want) {
                problems.push(format!("company {company_id} FY{y}: stored priority {got:?}, computed {want}"));
            }
            let kept_scs: Option<Option<i16>> =
                cys::table.find((company_id, y)).select(cys::scs3_met).first(conn).optional()?;
            if kept_scs.flatten() != scs3_met(s) {
                problems.push(format!(
                    "company {company_id} FY{y}: stored SCS ★3 met {kept_scs:?}, computed {:?}",
                    scs3_met(s)
                ));
            }
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
    problems.extend(super::flags::verify_kept_decisions(conn, 100)?);
    Ok(problems)
}
