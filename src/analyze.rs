//! `hyoka analyze --year Y`: the group rules over one fiscal year's current
//! sheets and the year before, recorded as a versioned run. Also run by
//! `hyoka import` for every fiscal year an import batch touched.

use std::collections::BTreeMap;

use anyhow::Context;
use hyoka_anomaly::group::{self, GroupInput, GroupSheet};
use hyoka_anomaly::{CompanySize, Detector};
use hyoka_model::db::analysis::{self, LoadedSheet, NewRun};
use hyoka_model::db::flags::{self, NewFlag};
use hyoka_model::db::{DbConn, catalog as db_catalog, detection, write_tx};
use hyoka_model::domain::FiscalYear;

use crate::config::Config;

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
}

/// `hyoka analyze`.
pub fn run(config: &Config, year: FiscalYear, framework: &str) -> anyhow::Result<()> {
    hyoka_model::db::migrate(&config.database.url)?;
    let mut conn = config.database.url.connect()?;
    let detector = hyoka_ingest::detect::from_db(&mut conn).context("the stored detector configuration")?;
    let o = analyze(&mut conn, &detector, framework, year)?;
    hyoka_model::db::optimize(&mut conn)?;
    println!(
        "analysis run {} for {framework} {year}: {} sheets, {} findings, {} new flags stored ({} on sheets already reviewed)",
        o.run_id, o.sheets, o.findings, o.stored, o.new_on_reviewed
    );
    Ok(())
}

fn as_group<'a>(s: &'a LoadedSheet, year: FiscalYear, facts: &'a Uploads) -> GroupSheet<'a> {
    let (uploaded_on, name) = facts.get(&s.submission_id).map_or((None, ""), |(d, n)| (Some(*d), n.as_str()));
    let (assessed_on, date_source) = group::sheet_date(s.answered_on, uploaded_on, year.last_day());
    GroupSheet {
        company: s.company_id,
        size: CompanySize { employees: s.employees, it_staff: s.it_staff },
        answers: &s.answers,
        assessed_on,
        date_source,
        uploaded_on,
        name,
    }
}

/// Upload day (Japan time) and company name of each current company-level
/// submission of a year, by submission id: what the group rules need beyond
/// [`analysis::current_sheets`].
type Uploads = std::collections::HashMap<i64, (chrono::NaiveDate, String)>;

fn uploads(conn: &mut DbConn, year: FiscalYear) -> anyhow::Result<Uploads> {
    use hyoka_model::db::{companies, submissions};
    let names: std::collections::HashMap<i64, String> =
        companies::list(conn)?.into_iter().map(|c| (c.id, c.name)).collect();
    let filter = submissions::SubmissionFilter { fiscal_year: Some(year), current_only: true, ..Default::default() };
    let japan = chrono::FixedOffset::east_opt(9 * 3600);
    Ok(submissions::list(conn, &filter, 0, i64::MAX)?
        .into_iter()
        .map(|s| {
            let name = names.get(&s.company_id).cloned().unwrap_or_default();
            let day = japan.map_or(s.uploaded_at.date_naive(), |j| s.uploaded_at.with_timezone(&j).date_naive());
            (s.id, (day, name))
        })
        .collect())
}

/// Runs the group rules for one framework and fiscal year and stores the run.
pub fn analyze(conn: &mut DbConn, detector: &Detector, framework: &str, year: FiscalYear) -> anyhow::Result<Outcome> {
    let started_at = hyoka_model::time::now().naive_utc();
    let catalog = db_catalog::load(conn, framework)?;
    let current = analysis::current_sheets(conn, framework, year)?;
    let (previous, prev_year) = match FiscalYear::new(year.get() - 1) {
        Ok(prev) => (analysis::current_sheets(conn, framework, prev)?, prev),
        Err(_) => (Vec::new(), year),
    };
    let (cur_up, prev_up) = (uploads(conn, year)?, uploads(conn, prev_year)?);
    let cur: Vec<GroupSheet<'_>> = current.iter().map(|s| as_group(s, year, &cur_up)).collect();
    let prev: Vec<GroupSheet<'_>> = previous.iter().map(|s| as_group(s, prev_year, &prev_up)).collect();
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
    let (run_id, stored, new_on_reviewed) = write_tx(conn, |conn| -> anyhow::Result<_> {
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
            let fresh: Vec<NewFlag> = findings
                .iter()
                .filter(|f| !raised_before(f))
                .map(|f| hyoka_ingest::detect::to_flag(detector, f))
                .collect();
            if fresh.is_empty() {
                continue;
            }
            let is_new = reviewed.contains(&submission);
            for flag in flags::insert_in_tx(conn, submission, &fresh)? {
                analysis::link_flag_in_tx(conn, run_id, flag.id, is_new)?;
                stored += 1;
                new_on_reviewed += usize::from(is_new);
            }
            // The risk now combines the sheet's own flags and the group's.
            let all = flags::of_submission(conn, submission)?;
            let risk = hyoka_anomaly::risk::score_parts(
                all.iter().map(|f| {
                    (f.flag.rule.as_str(), f.flag.severity, f.flag.reason_ja.as_str(), f.flag.reason_en.as_str())
                }),
                &detector.config().risk,
            );
            detection::set_risk_in_tx(
                conn,
                submission,
                risk.score,
                &risk.top_reasons,
                hyoka_anomaly::DETECTOR_VERSION,
                detector.config_hash(),
            )?;
            hyoka_model::db::summaries::refresh_submission_in_tx(conn, submission)?;
        }
        Ok((run_id, stored, new_on_reviewed))
    })?;
    Ok(Outcome { run_id, sheets: current.len(), findings: found.len(), stored, new_on_reviewed })
}
