//! Analysing a fiscal year: the group rules over its current sheets and the
//! year before, recorded as a versioned run (`hyoka analyze`, and `hyoka
//! import` for every fiscal year an import batch touched).

use std::collections::BTreeMap;

use hyoka_anomaly::group::{self, GroupInput, GroupSheet};
use hyoka_anomaly::{CompanySize, Detector};
use hyoka_model::db::analysis::{self, LoadedSheet, NewRun};
use hyoka_model::db::flags::{self, NewFlag};
use hyoka_model::db::{DbConn, catalog as db_catalog, detection, jobs, write_tx};
use hyoka_model::domain::FiscalYear;

use crate::{ServiceError, detect};

/// What a run did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Outcome {
    /// The run's id.
    pub run_id: i64,
    /// Sheets analysed.
    pub sheets: usize,
    /// Findings raised.
    pub findings: usize,
    /// Flags stored (findings not already raised by an earlier run).
    pub stored: usize,
    /// Of those, on submissions a reviewer had already worked on.
    pub new_on_reviewed: usize,
    /// Where the run's time went.
    pub timings: Timings,
}

/// How long each part of a run took (`hyoka analyze` prints them).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Timings {
    /// Reading the year's and the year before's sheets.
    pub load: std::time::Duration,
    /// The group rules, in memory.
    pub rules: std::time::Duration,
    /// Storing the run, its flags, risks and summaries (one transaction).
    pub write: std::time::Duration,
}

fn as_group(s: &LoadedSheet, year: FiscalYear) -> GroupSheet<'_> {
    let (assessed_on, date_source) = group::sheet_date(s.answered_on, Some(s.uploaded_on), year.last_day());
    GroupSheet {
        company: s.company_id,
        size: CompanySize { employees: s.employees, it_staff: s.it_staff },
        answers: &s.answers,
        assessed_on,
        date_source,
        uploaded_on: Some(s.uploaded_on),
        name: &s.company_name,
    }
}

/// Runs the group rules for one framework and fiscal year and stores the run,
/// with the detector configuration in force.
pub fn analyze_stored(conn: &mut DbConn, framework: &str, year: FiscalYear) -> Result<Outcome, ServiceError> {
    let detector = crate::pipeline::stored_detector(conn)?;
    analyze(conn, &detector, framework, year)
}

/// Runs the group rules for one framework and fiscal year and stores the run.
pub fn analyze(
    conn: &mut DbConn,
    detector: &Detector,
    framework: &str,
    year: FiscalYear,
) -> Result<Outcome, ServiceError> {
    analyze_then(conn, detector, framework, year, |_, _| Ok(()))
}

/// Runs the group rules for one framework and fiscal year, records the run as
/// done by `trigger` in the jobs table (`hyoka import`: what it ran itself)
/// in the same transaction, and returns what the run did.
pub fn analyze_recorded(
    conn: &mut DbConn,
    detector: &Detector,
    framework: &str,
    year: FiscalYear,
    trigger: jobs::Trigger,
) -> Result<Outcome, ServiceError> {
    let started_at = hyoka_model::time::now().naive_utc();
    analyze_then(conn, detector, framework, year, |conn, o| {
        let done = jobs::Finished { run_id: o.run_id, sheets: o.sheets, new_flags: o.stored };
        jobs::record_done_in_tx(conn, framework, year, trigger, started_at, done)?;
        Ok(())
    })
}

/// [`analyze`], then `within` in the run's own write transaction, with what
/// the run did: an error there rolls the whole run back (the job worker
/// marks its job done there, only while its claim holds).
pub fn analyze_then(
    conn: &mut DbConn,
    detector: &Detector,
    framework: &str,
    year: FiscalYear,
    within: impl FnOnce(&mut DbConn, &Outcome) -> Result<(), ServiceError>,
) -> Result<Outcome, ServiceError> {
    let started_at = hyoka_model::time::now().naive_utc();
    let clock = std::time::Instant::now();
    let catalog = db_catalog::load(conn, framework)?;
    let current = analysis::current_sheets(conn, framework, year)?;
    let (previous, prev_year) = match FiscalYear::new(year.get() - 1) {
        Ok(prev) => (analysis::current_sheets(conn, framework, prev)?, prev),
        Err(_) => (Vec::new(), year),
    };
    let cur: Vec<GroupSheet<'_>> = current.iter().map(|s| as_group(s, year)).collect();
    let prev: Vec<GroupSheet<'_>> = previous.iter().map(|s| as_group(s, prev_year)).collect();
    let mut timings = Timings { load: clock.elapsed(), ..Timings::default() };
    let found = group::analyse(&GroupInput { catalog: &catalog, current: &cur, previous: &prev }, detector.config());
    let mut by_sheet: BTreeMap<usize, Vec<&hyoka_anomaly::Finding>> = BTreeMap::new();
    for f in &found {
        by_sheet.entry(f.sheet).or_default().push(&f.finding);
    }
    let run = NewRun {
        framework_id: framework.to_owned(),
        fiscal_year: year,
        detector_version: hyoka_anomaly::DETECTOR_VERSION.to_owned(),
        config_hash: detector.config_hash().to_owned(),
        sheets: current.len(),
        findings: found.len(),
        started_at,
    };
    let sheets = current.len();
    let findings = found.len();
    timings.rules = clock.elapsed() - timings.load;
    let mut outcome = write_tx(conn, |conn| -> Result<_, ServiceError> {
        let run_id = analysis::record_run_in_tx(conn, &run)?;
        let (mut stored, mut new_on_reviewed) = (0, 0);
        let earlier = analysis::group_flags(conn, framework, year)?;
        let reviewed = analysis::reviewed_submissions(conn, framework, year)?;
        for (sheet, findings) in &by_sheet {
            let submission = current[*sheet].submission_id;
            let raised_before = |f: &&&hyoka_anomaly::Finding| {
                earlier
                    .get(&submission)
                    .is_some_and(|e| e.contains(&(f.target.item().map(i32::from), f.rule.to_owned())))
            };
            let fresh: Vec<NewFlag> =
                findings.iter().filter(|f| !raised_before(f)).map(|f| detect::to_flag(detector, f)).collect();
            if fresh.is_empty() {
                continue;
            }
            let is_new = reviewed.contains(&submission);
            let ids: Vec<i64> = flags::insert_in_tx(conn, submission, &fresh)?.iter().map(|f| f.id).collect();
            analysis::link_flags_in_tx(conn, run_id, &ids, is_new)?;
            stored += ids.len();
            new_on_reviewed += if is_new { ids.len() } else { 0 };
            // The risk now combines the sheet's own flags and the group's.
            let all = flags::of_submission(conn, submission)?;
            let risk = hyoka_anomaly::risk::score_parts(
                all.iter().map(|f| {
                    (f.flag.rule.as_str(), f.flag.severity, f.flag.reason_ja.as_str(), f.flag.reason_en.as_str())
                }),
                &detector.config().risk,
            );
            detection::set_risk_in_tx(conn, submission, risk.score, &risk.top_reasons, detect::computed_by(detector))?;
            hyoka_model::db::summaries::refresh_submission_in_tx(conn, submission)?;
        }
        let outcome = Outcome { run_id, sheets, findings, stored, new_on_reviewed, timings };
        within(conn, &outcome)?;
        Ok(outcome)
    })?;
    outcome.timings.write = clock.elapsed() - timings.load - timings.rules;
    Ok(outcome)
}
