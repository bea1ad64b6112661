//! Storing a sheet: read and validate it (`hyoka-ingest`), judge it
//! (`hyoka-anomaly`), and store it with its flags, risk, carried-over
//! decisions and dashboard summary in one transaction. Every path that stores
//! a sheet comes here: `hyoka import`, uploads through the API and the web
//! UI, the demo. A refused file stores nothing, and so does a subsidiary
//! user's sheet whose cover names another company, or (with
//! [`ImportOptions::need_collection`]) whose fiscal year no collection asks
//! for while collections are in use.

use std::path::Path;

use hyoka_anomaly::CompanySize;
use hyoka_ingest::{Fact, Ingested, Problem, ProblemKind, Refusal};
use hyoka_model::db::companies::Company;
use hyoka_model::db::import::{self as db_import, CompanyRef, ImportError, Imported, Upload};
use hyoka_model::db::submissions::{self, NewSubmission, Stored};
use hyoka_model::db::{DbConn, DbError, QueryError, collections, companies, flags, jobs, summaries, write_tx};
use hyoka_model::domain::FiscalYear;
use hyoka_model::workflow::Actor;

use crate::access::Access;
use crate::{Pipeline, ServiceError, detect};

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
    /// Refuse a subsidiary user's sheet for a fiscal year no collection asks
    /// for, while any collection exists (`api.uploads_need_collection`; the
    /// uploads of the API and the web UI set it, reviewers and admins are
    /// never refused).
    pub need_collection: bool,
    /// Queue a run of the group analysis for the sheet's year in the same
    /// transaction when a new revision is stored (debounced: joins the queued
    /// run of that year). The uploads of the API and the web UI set it;
    /// `hyoka import` runs the analysis itself.
    pub enqueue_analysis: bool,
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
pub fn store_path(
    conn: &mut DbConn,
    pipeline: &Pipeline,
    actor: Actor,
    path: &Path,
    options: &ImportOptions,
) -> Result<Report, ServiceError> {
    let bytes =
        hyoka_ingest::read_limited(path, &pipeline.limits).map_err(|p| ServiceError::Refused(Refusal::one(p)))?;
    store_bytes(conn, pipeline, actor, &hyoka_ingest::display_name(path), &bytes, options)
}

/// Reads `bytes` (named `file` in messages) and stores the sheet.
pub fn store_bytes(
    conn: &mut DbConn,
    pipeline: &Pipeline,
    actor: Actor,
    file: &str,
    bytes: &[u8],
    options: &ImportOptions,
) -> Result<Report, ServiceError> {
    let ingested =
        hyoka_ingest::read_bytes(file, bytes, &pipeline.catalog, &pipeline.limits).map_err(ServiceError::Refused)?;
    store_ingested(conn, pipeline, actor, ingested, options)
}

/// Stores a sheet already read, judged by the detector: the sheet, its flags
/// and risk, the decisions carried over from the revision it replaces, and
/// the dashboards' summary stand or fall together. On PostgreSQL a race with
/// another upload creating the same company or department is retried once.
pub fn store_ingested(
    conn: &mut DbConn,
    pipeline: &Pipeline,
    actor: Actor,
    ingested: Ingested,
    options: &ImportOptions,
) -> Result<Report, ServiceError> {
    let refusal = |p: Problem, ingested: &Ingested| {
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
        return Err(ServiceError::NoFiscalYear(refusal(p, &ingested)));
    };
    if let Some(own_id) = Access::new(actor, false).own_company() {
        if options.need_collection {
            collected(conn, fiscal_year)?;
        }
        let own = companies::get(conn, own_id)?;
        if let Some(given) = options.company.as_deref().map(str::trim).filter(|c| !c.is_empty())
            && companies::fold_code(given) != companies::fold_code(&own.code)
            && companies::name_key(given) != companies::name_key(&own.name)
        {
            return Err(ServiceError::Forbidden(format!(
                "you may upload only for your own company ({} {}) / 自社（{} {}）以外の提出はできません",
                own.code, own.name, own.code, own.name
            )));
        }
        if let Some((named, fact)) = cover_names_another(&ingested, &own) {
            let kind = ProblemKind::CoverNamesAnotherCompany { own: format!("{} {}", own.code, own.name) };
            let mut p = Problem::error(kind, &ingested.file).found(named);
            if let Some(place) = ingested.cover_sources.get(&fact) {
                p = p.at(place.clone());
            }
            return Err(ServiceError::Refused(refusal(p, &ingested)));
        }
    }
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
    let conditions = detect::conditions_of(&ingested);
    let attempt = |conn: &mut DbConn| {
        write_tx(conn, |conn| -> Result<Imported, ImportError> {
            let imported = db_import::store_upload_in_tx(conn, actor, &upload)?;
            let size = CompanySize { employees: upload.employees, it_staff: upload.it_staff };
            judge_in_tx(conn, pipeline, actor, &imported.stored, &upload.submission.answers, &conditions, size)?;
            if let Stored::Created { submission, .. } = &imported.stored
                && options.enqueue_analysis
            {
                jobs::enqueue_in_tx(
                    conn,
                    &submission.framework_id,
                    submission.fiscal_year,
                    jobs::Trigger::Upload,
                    actor.user_id(),
                )?;
            }
            Ok(imported)
        })
    };
    let stored = match attempt(conn) {
        Err(ImportError::Db(DbError::Query(QueryError::DatabaseError(
            hyoka_model::db::QueryErrorKind::UniqueViolation,
            _,
        )))) => attempt(conn),
        other => other,
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
    match stored {
        Ok(imported) => Ok(Report { ingested, imported }),
        Err(ImportError::UnknownCompany(searched)) => {
            let mut p = Problem::error(ProblemKind::UnknownCompany, &ingested.file).found(searched);
            if let Some(place) = company_place() {
                p = p.at(place);
            }
            Err(ServiceError::UnknownCompany(refusal(p, &ingested)))
        }
        Err(ImportError::AmbiguousCompany { searched, candidates }) => {
            let mut p = Problem::error(ProblemKind::AmbiguousCompany { candidates }, &ingested.file).found(searched);
            if let Some(place) = company_place() {
                p = p.at(place);
            }
            Err(ServiceError::AmbiguousCompany(refusal(p, &ingested)))
        }
        Err(ImportError::Db(DbError::Workflow(w))) => Err(ServiceError::Workflow {
            code: "upload_conflict",
            message: format!("the sheet cannot be stored now: {w} / 現在この提出物は登録できません"),
        }),
        Err(ImportError::Db(e)) => Err(e.into()),
    }
}

/// Whether a collection asks for `year`, when collections are in use (at
/// least one exists): refused with the years that are open otherwise.
fn collected(conn: &mut DbConn, year: FiscalYear) -> Result<(), ServiceError> {
    let open = collections::fiscal_years(conn)?;
    if open.is_empty() || open.contains(&year) {
        return Ok(());
    }
    let en: Vec<String> = open.iter().map(|y| y.get().to_string()).collect();
    let ja: Vec<String> = open.iter().map(|y| format!("{}年度", y.get())).collect();
    Err(ServiceError::NoCollection(format!(
        "no collection asks for {year}; open: {}; nothing was stored / {}年度の提出依頼はありません。受付中: {}。何も保存されていません",
        en.join(", "),
        year.get(),
        ja.join(", ")
    )))
}

/// The company a subsidiary user's cover names, when it is not the user's
/// own: by code (folded as codes are matched, `companies::fold_code`), else by name key (株式会社,
/// (株), spaces and width do not matter).
fn cover_names_another(ingested: &Ingested, own: &Company) -> Option<(String, Fact)> {
    let cover = &ingested.sheet.cover;
    let by_code = cover.company_code.as_deref().map(str::trim).filter(|c| !c.is_empty());
    let by_name = cover.company_name.as_deref().map(str::trim).filter(|c| !c.is_empty());
    match (by_code, by_name) {
        (Some(code), _) if companies::fold_code(code) != companies::fold_code(&own.code) => {
            Some((code.to_owned(), Fact::CompanyCode))
        }
        (None, Some(name)) if companies::name_key(name) != companies::name_key(&own.name) => {
            Some((name.to_owned(), Fact::CompanyName))
        }
        _ => None,
    }
}

/// Stores a new submission for a known company and judges it, inside the
/// caller's write transaction (the demo's path: its sheets come from the
/// generator, not from a file). Returns the stored revision.
pub fn store_new_in_tx(
    conn: &mut DbConn,
    pipeline: &Pipeline,
    actor: Actor,
    new: &NewSubmission,
    size: CompanySize,
) -> Result<Stored, ServiceError> {
    let stored = submissions::store_in_tx(conn, actor, new)?;
    judge_in_tx(conn, pipeline, actor, &stored, &new.answers, &[], size)?;
    Ok(stored)
}

/// For a new revision: the detector's flags and risk, the reviewers'
/// decisions carried over from the revision it replaces (for items whose
/// score and evidence did not change), and last the dashboards' summary. An
/// unchanged file changes nothing. `size` is what the upload says; the stored
/// size facts of the year fill what it does not.
fn judge_in_tx(
    conn: &mut DbConn,
    pipeline: &Pipeline,
    actor: Actor,
    stored: &Stored,
    answers: &[hyoka_model::sheet::Answer],
    conditions: &[(hyoka_model::domain::ItemNumber, &str)],
    size: CompanySize,
) -> Result<(), DbError> {
    let Stored::Created { submission, superseded } = stored else {
        return Ok(());
    };
    let facts = companies::year_of(conn, submission.company_id, submission.fiscal_year)?;
    let size = CompanySize {
        employees: size.employees.or(facts.and_then(|y| y.employees)),
        it_staff: size.it_staff.or(facts.and_then(|y| y.it_staff)),
    };
    detect::check_and_store_in_tx(conn, &pipeline.detector, &pipeline.catalog, submission, answers, conditions, size)?;
    if let Some(previous) = superseded {
        flags::carry_over_in_tx(conn, actor, *previous, submission.id)?;
        // A returned sheet come back: the reviewer who returned it is told.
        crate::notify::resubmitted_in_tx(conn, *previous, submission)?;
    }
    summaries::refresh_in_tx(conn, submission.company_id, submission.fiscal_year)
}
