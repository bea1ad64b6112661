//! From a file to a stored submission: read and validate it, then store it
//! with [`hyoka_model::db::import::store_upload`] in one transaction. This is
//! the path `hyoka import` takes for every file, and the one the benchmark
//! measures. A refused file stores nothing.

use std::path::Path;

use hyoka_anomaly::{CompanySize, Detector};
use hyoka_model::catalog::Catalog;
use hyoka_model::db::DbConn;
use hyoka_model::db::import::{self as db_import, CompanyRef, ImportError, Imported, Upload};
use hyoka_model::db::submissions::{NewSubmission, Stored};
use hyoka_model::domain::FiscalYear;
use hyoka_model::workflow::Actor;

use crate::problem::{Fact, Problem, ProblemKind, Refusal};
use crate::{Ingested, Limits};

/// What the uploader says about the files; each given value wins over the
/// cover sheet.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ImportOptions {
    /// Company code or name (`--company`).
    pub company: Option<String>,
    /// Fiscal year (`--year`).
    pub fiscal_year: Option<FiscalYear>,
    /// 従業員数 (`--employees`).
    pub employees: Option<u32>,
    /// 情報システム担当者数 (`--it-staff`).
    pub it_staff: Option<u32>,
    /// Department (`--department`).
    pub department: Option<String>,
    /// Create the company from the cover sheet when none matches
    /// (`--create-company`).
    pub create_company: bool,
}

/// One file read and stored.
#[derive(Debug, Clone)]
pub struct Report {
    /// The sheet as read, with its warnings.
    pub ingested: Ingested,
    /// What storing did (new revision or unchanged).
    pub imported: Imported,
}

/// Reads a file from disk and stores it.
pub fn import_path(
    conn: &mut DbConn,
    actor: Actor,
    path: &Path,
    catalog: &Catalog,
    detector: &Detector,
    limits: &Limits,
    options: &ImportOptions,
) -> Result<Report, Refusal> {
    let bytes = crate::read_limited(path, limits).map_err(Refusal::one)?;
    import_bytes(conn, actor, &crate::display_name(path), &bytes, catalog, detector, limits, options)
}

/// Reads `bytes` (named `file` in messages) and stores the sheet.
#[expect(clippy::too_many_arguments, reason = "the pipeline's inputs; grouping them would only rename them")]
pub fn import_bytes(
    conn: &mut DbConn,
    actor: Actor,
    file: &str,
    bytes: &[u8],
    catalog: &Catalog,
    detector: &Detector,
    limits: &Limits,
    options: &ImportOptions,
) -> Result<Report, Refusal> {
    let ingested = crate::read_bytes(file, bytes, catalog, limits)?;
    store(conn, actor, ingested, catalog, detector, options)
}

/// Stores a sheet already read, and runs the over-rating detector on it: its
/// flags and risk are stored in the same transaction as the sheet.
pub fn store(
    conn: &mut DbConn,
    actor: Actor,
    ingested: Ingested,
    catalog: &Catalog,
    detector: &Detector,
    options: &ImportOptions,
) -> Result<Report, Refusal> {
    let refuse = |p: Problem, ingested: &Ingested| {
        let mut problems = vec![p];
        problems.extend(ingested.warnings.iter().cloned());
        Refusal { file: ingested.file.clone(), problems }
    };
    let cover = &ingested.sheet.cover;
    let Some(fiscal_year) = options.fiscal_year.or(cover.fiscal_year) else {
        let mut p = Problem::error(ProblemKind::NoFiscalYear, &ingested.file);
        if let Some(place) = ingested.cover_sources.get(&Fact::FiscalYear) {
            p = p.at(place.clone());
        }
        return Err(refuse(p, &ingested));
    };
    let upload = Upload {
        company: CompanyRef {
            given: options.company.clone(),
            code: cover.company_code.clone(),
            name: cover.company_name.clone(),
        },
        create_company: options.create_company,
        department: options.department.clone().or_else(|| ingested.department.clone()),
        employees: options.employees.or(cover.employees),
        it_staff: options.it_staff.or(cover.it_staff),
        submission: NewSubmission {
            company_id: 0,
            fiscal_year,
            department_id: None,
            framework_id: ingested.sheet.framework_id.clone(),
            source_filename: ingested.file.clone(),
            source_sha256: ingested.sha256.clone(),
            answered_on: cover.answered_on,
            respondent: cover.respondent.clone(),
            answers: ingested.sheet.answers.clone(),
        },
    };
    let company_place = || {
        if options.company.is_some() {
            None
        } else {
            ingested
                .cover_sources
                .get(&Fact::CompanyCode)
                .or_else(|| ingested.cover_sources.get(&Fact::CompanyName))
                .cloned()
        }
    };
    let mut detect = |conn: &mut DbConn, imported: &Imported| -> Result<(), hyoka_model::db::DbError> {
        let submission = imported.stored.submission();
        let stored_size = hyoka_model::db::companies::year_of(conn, imported.company.id, fiscal_year)?;
        let size = CompanySize {
            employees: upload.employees.or(stored_size.and_then(|y| y.employees)),
            it_staff: upload.it_staff.or(stored_size.and_then(|y| y.it_staff)),
        };
        crate::detect::check_and_store_in_tx(conn, detector, catalog, submission, &upload.submission.answers, size)?;
        // Reviewers' decisions carry over from the revision this one replaces,
        // for items whose score and evidence did not change.
        if let Stored::Created { superseded: Some(previous), .. } = &imported.stored {
            hyoka_model::db::flags::carry_over_in_tx(conn, *previous, submission.id)?;
        }
        Ok(())
    };
    match db_import::store_upload_with(conn, actor, &upload, &mut detect) {
        Ok(imported) => Ok(Report { ingested, imported }),
        Err(ImportError::UnknownCompany(searched)) => {
            let mut p = Problem::error(ProblemKind::UnknownCompany, &ingested.file).found(searched);
            if let Some(place) = company_place() {
                p = p.at(place);
            }
            Err(refuse(p, &ingested))
        }
        Err(ImportError::AmbiguousCompany { searched, candidates }) => {
            let mut p = Problem::error(ProblemKind::AmbiguousCompany { candidates }, &ingested.file).found(searched);
            if let Some(place) = company_place() {
                p = p.at(place);
            }
            Err(refuse(p, &ingested))
        }
        Err(ImportError::Db(e)) => {
            Err(refuse(Problem::error(ProblemKind::Storage { detail: e.to_string() }, &ingested.file), &ingested))
        }
    }
}
