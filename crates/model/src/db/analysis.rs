//! Group analysis runs: loading a fiscal year's current sheets in bulk, and
//! recording a run with the flags it raised. Earlier runs, their flags and
//! the decisions on them are kept; a flag raised again by a later run is not
//! stored twice.

use std::collections::{BTreeMap, HashMap, HashSet};

use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::schema::{analysis_flags, analysis_runs, answers, companies, company_years, flags, submissions};
use super::{DbConn, DbError};
use crate::domain::{Evaluation, FiscalYear, ItemNumber, Level};
use crate::sheet::Answer;

/// One company's current sheet for a fiscal year, as the group rules need it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LoadedSheet {
    /// Submission id.
    pub submission_id: i64,
    /// Company id.
    pub company_id: i64,
    /// How reasons name the company: its name.
    pub company_name: String,
    /// 回答日.
    pub answered_on: Option<chrono::NaiveDate>,
    /// The day it was uploaded, in Japan time.
    pub uploaded_on: chrono::NaiveDate,
    /// 従業員数 that year.
    pub employees: Option<u32>,
    /// IT担当者数 that year.
    pub it_staff: Option<u32>,
    /// Answers by item.
    pub answers: Vec<Answer>,
}

type AnswerRow = (i64, i32, i16, String, String);
type SheetRow = (i64, i64, String, Option<chrono::NaiveDate>, NaiveDateTime, Option<i32>, Option<i32>);

/// The current company-level sheets (no department) of a framework and year,
/// loaded with two queries however large the group.
pub fn current_sheets(conn: &mut DbConn, framework_id: &str, year: FiscalYear) -> Result<Vec<LoadedSheet>, DbError> {
    let subs: Vec<SheetRow> = submissions::table
        .inner_join(companies::table)
        .left_join(
            company_years::table.on(company_years::company_id
                .eq(submissions::company_id)
                .and(company_years::fiscal_year.eq(submissions::fiscal_year))),
        )
        .filter(submissions::framework_id.eq(framework_id))
        .filter(submissions::fiscal_year.eq(year.get()))
        .filter(submissions::is_current.eq(true))
        .filter(submissions::department_id.is_null())
        .order(submissions::id)
        .select((
            submissions::id,
            submissions::company_id,
            companies::name,
            submissions::answered_on,
            submissions::uploaded_at,
            company_years::employees.nullable(),
            company_years::it_staff.nullable(),
        ))
        .load(conn)?;
    let rows: Vec<AnswerRow> = answers::table
        .inner_join(submissions::table)
        .filter(submissions::framework_id.eq(framework_id))
        .filter(submissions::fiscal_year.eq(year.get()))
        .filter(submissions::is_current.eq(true))
        .filter(submissions::department_id.is_null())
        .order((answers::submission_id, answers::item_number))
        .select((answers::submission_id, answers::item_number, answers::level, answers::evaluation, answers::evidence))
        .load(conn)?;
    let mut by_sub: BTreeMap<i64, Vec<Answer>> = BTreeMap::new();
    for (sid, n, level, e, evidence) in rows {
        by_sub.entry(sid).or_default().push(Answer {
            item: ItemNumber::try_from(n)?,
            level: Level::try_from(i32::from(level))?,
            evaluation: Evaluation::from_code(&e)?,
            evidence,
            responsible_area: None,
            source_cell: None,
        });
    }
    Ok(subs
        .into_iter()
        .map(|(submission_id, company_id, company_name, answered_on, uploaded_at, employees, it_staff)| LoadedSheet {
            submission_id,
            company_id,
            company_name,
            answered_on,
            uploaded_on: crate::time::japan_date(crate::time::from_db(uploaded_at)),
            employees: employees.and_then(|v| u32::try_from(v).ok()),
            it_staff: it_staff.and_then(|v| u32::try_from(v).ok()),
            answers: by_sub.remove(&submission_id).unwrap_or_default(),
        })
        .collect())
}

/// What a run records about itself.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewRun {
    /// Framework.
    pub framework_id: String,
    /// Fiscal year analysed.
    pub fiscal_year: FiscalYear,
    /// Detector version.
    pub detector_version: String,
    /// Configuration hash.
    pub config_hash: String,
    /// Sheets analysed.
    pub sheets: usize,
    /// Findings raised (before de-duplication against earlier runs).
    pub findings: usize,
    /// When the run started (UTC).
    pub started_at: NaiveDateTime,
}

/// Records a run, in the caller's write transaction. Returns its id.
pub fn record_run_in_tx(conn: &mut DbConn, run: &NewRun) -> Result<i64, DbError> {
    let count = |n: usize| i32::try_from(n).unwrap_or(i32::MAX);
    Ok(diesel::insert_into(analysis_runs::table)
        .values((
            analysis_runs::framework_id.eq(&run.framework_id),
            analysis_runs::fiscal_year.eq(run.fiscal_year.get()),
            analysis_runs::detector_version.eq(&run.detector_version),
            analysis_runs::config_hash.eq(&run.config_hash),
            analysis_runs::sheets.eq(count(run.sheets)),
            analysis_runs::findings.eq(count(run.findings)),
            analysis_runs::started_at.eq(run.started_at),
            analysis_runs::finished_at.eq(crate::time::now().naive_utc()),
        ))
        .returning(analysis_runs::id)
        .get_result(conn)?)
}

/// (item number, rule) of a flag: what makes a group flag the same across runs.
pub type FlagKey = (Option<i32>, String);

/// (item, rule) of the flags earlier runs raised, per current submission of
/// a framework and year: one query for the whole group.
pub fn group_flags(
    conn: &mut DbConn,
    framework_id: &str,
    year: FiscalYear,
) -> Result<HashMap<i64, HashSet<FlagKey>>, DbError> {
    let rows: Vec<(i64, Option<i32>, String)> = flags::table
        .inner_join(analysis_flags::table)
        .inner_join(submissions::table)
        .filter(submissions::framework_id.eq(framework_id))
        .filter(submissions::fiscal_year.eq(year.get()))
        .filter(submissions::is_current.eq(true))
        .select((flags::submission_id, flags::item_number, flags::rule))
        .load(conn)?;
    let mut out: HashMap<i64, HashSet<FlagKey>> = HashMap::new();
    for (submission, item, rule) in rows {
        out.entry(submission).or_default().insert((item, rule));
    }
    Ok(out)
}

/// The current submissions of a framework and year on whose flags a reviewer
/// has decided: one query for the whole group.
pub fn reviewed_submissions(conn: &mut DbConn, framework_id: &str, year: FiscalYear) -> Result<HashSet<i64>, DbError> {
    let ids: Vec<i64> = flags::table
        .inner_join(submissions::table)
        .filter(flags::review_id.is_not_null())
        .filter(submissions::framework_id.eq(framework_id))
        .filter(submissions::fiscal_year.eq(year.get()))
        .filter(submissions::is_current.eq(true))
        .select(flags::submission_id)
        .distinct()
        .load(conn)?;
    Ok(ids.into_iter().collect())
}

/// Links flags a run raised to it (`is_new`: raised on a submission a
/// reviewer had already worked on), in one insert per 300 flags.
pub fn link_flags_in_tx(conn: &mut DbConn, run_id: i64, flag_ids: &[i64], is_new: bool) -> Result<(), DbError> {
    let rows: Vec<_> = flag_ids
        .iter()
        .map(|&id| {
            (analysis_flags::flag_id.eq(id), analysis_flags::run_id.eq(run_id), analysis_flags::is_new.eq(is_new))
        })
        .collect();
    for chunk in rows.chunks(300) {
        on_each_backend!(conn, c => diesel::insert_into(analysis_flags::table).values(chunk).execute(c)?);
    }
    Ok(())
}

/// A run as stored.
#[derive(Debug, Clone, PartialEq, Eq, Queryable, serde::Serialize)]
pub struct Run {
    /// Id.
    pub id: i64,
    /// Framework.
    pub framework_id: String,
    /// Fiscal year.
    pub fiscal_year: i32,
    /// Detector version.
    pub detector_version: String,
    /// Configuration hash.
    pub config_hash: String,
    /// Sheets analysed.
    pub sheets: i32,
    /// Findings raised.
    pub findings: i32,
    /// Start (UTC).
    pub started_at: NaiveDateTime,
    /// End (UTC).
    pub finished_at: NaiveDateTime,
}

/// Every run of a framework and year, oldest first.
pub fn runs(conn: &mut DbConn, framework_id: &str, year: FiscalYear) -> Result<Vec<Run>, DbError> {
    Ok(analysis_runs::table
        .filter(analysis_runs::framework_id.eq(framework_id))
        .filter(analysis_runs::fiscal_year.eq(year.get()))
        .order(analysis_runs::id)
        .load(conn)?)
}

/// Flags linked to a run: (flag id, is_new).
pub fn flags_of_run(conn: &mut DbConn, run_id: i64) -> Result<Vec<(i64, bool)>, DbError> {
    Ok(analysis_flags::table
        .filter(analysis_flags::run_id.eq(run_id))
        .order(analysis_flags::flag_id)
        .select((analysis_flags::flag_id, analysis_flags::is_new))
        .load(conn)?)
}
