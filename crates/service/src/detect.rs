//! Runs the over-rating detector on a sheet and stores what it found, in the
//! caller's transaction: the glue between `hyoka-anomaly` (pure) and storage,
//! used by every path that stores a sheet (imports, uploads, the demo).

use chrono::NaiveDate;
use hyoka_anomaly::{CompanySize, Detector, Report, SheetInput};
use hyoka_model::catalog::Catalog;
use hyoka_model::db::flags::NewFlag;
use hyoka_model::db::{DbConn, DbError, detection, flags};
use hyoka_model::domain::{FiscalYear, ItemNumber};
use hyoka_model::sheet::Answer;

/// The day a sheet speaks for: its 回答日, else the last day of its fiscal year.
pub fn assessed_on(answered_on: Option<NaiveDate>, year: FiscalYear) -> NaiveDate {
    answered_on.unwrap_or_else(|| year.last_day())
}

/// Checks one sheet. `conditions` are the sheet's own 達成条件 texts (an
/// official workbook carries them beside each item); where it has none, the
/// catalog's (a parent company's imported workbook) are used.
pub fn check(
    detector: &Detector,
    catalog: &Catalog,
    answers: &[Answer],
    conditions: &[(ItemNumber, &str)],
    company: CompanySize,
    assessed_on: NaiveDate,
) -> Report {
    detector.check_with_conditions(&SheetInput { answers, catalog, company, assessed_on }, conditions)
}

/// An upload's own 達成条件 texts, as [`check`] takes them.
pub fn conditions_of(ingested: &hyoka_ingest::Ingested) -> Vec<(ItemNumber, &str)> {
    ingested.conditions.iter().map(|(n, c)| (*n, c.as_str())).collect()
}

/// What scoring needs of a report's findings on items: the suggested rate of
/// a sheet that is only checked, not stored (`hyoka check`, the web UI's
/// self-check).
pub fn suggestions(report: &Report) -> Vec<hyoka_model::scoring::FlagSuggestion> {
    report
        .findings
        .iter()
        .filter_map(|f| {
            Some(hyoka_model::scoring::FlagSuggestion {
                item: f.target.item()?,
                severity: f.severity,
                suggested: f.suggested,
            })
        })
        .collect()
}

/// The findings as flags to store.
pub fn to_flags(detector: &Detector, report: &Report) -> Vec<NewFlag> {
    report.findings.iter().map(|f| to_flag(detector, f)).collect()
}

/// One finding as a flag to store, with the detector version and the hash of
/// the configuration it ran with.
pub fn to_flag(detector: &Detector, f: &hyoka_anomaly::Finding) -> NewFlag {
    NewFlag {
        target: f.target,
        rule: f.rule.to_owned(),
        severity: f.severity,
        claimed: f.claimed,
        suggested: f.suggested,
        reason_ja: f.reason_ja.clone(),
        reason_en: f.reason_en.clone(),
        detector_version: hyoka_anomaly::DETECTOR_VERSION.to_owned(),
        config_hash: detector.config_hash().to_owned(),
    }
}

/// Checks a stored submission's answers and stores the flags and risk with
/// it, in the caller's write transaction: what every path that stores a
/// sheet does. The sheet is judged as of its 回答日, else the end of its
/// fiscal year.
pub fn check_and_store_in_tx(
    conn: &mut DbConn,
    detector: &Detector,
    catalog: &Catalog,
    submission: &hyoka_model::db::submissions::Submission,
    answers: &[Answer],
    conditions: &[(ItemNumber, &str)],
    company: CompanySize,
) -> Result<Report, DbError> {
    let assessed_on = assessed_on(submission.answered_on, submission.fiscal_year);
    let report = check(detector, catalog, answers, conditions, company, assessed_on);
    store_in_tx(conn, detector, submission.id, &report)?;
    Ok(report)
}

/// Stores a report's flags and risk with a submission, in the caller's
/// write transaction.
pub fn store_in_tx(conn: &mut DbConn, detector: &Detector, submission_id: i64, report: &Report) -> Result<(), DbError> {
    flags::insert_in_tx(conn, submission_id, &to_flags(detector, report))?;
    detection::set_risk_in_tx(conn, submission_id, report.risk.score, &report.risk.top_reasons, computed_by(detector))
}

/// What a risk the detector computes is recorded as computed by: its
/// version, its configuration's hash and that configuration's risk weights
/// (which the residual risk after review reuses).
pub fn computed_by(detector: &Detector) -> detection::ComputedBy<'_> {
    detection::ComputedBy {
        detector_version: hyoka_anomaly::DETECTOR_VERSION,
        config_hash: detector.config_hash(),
        weights: &detector.config().risk,
    }
}
