//! Storing an uploaded sheet: find its company, then in one transaction its
//! department, the submission and the company's size facts for the year;
//! and updating a catalog from the user's copy of the official workbook.
//!
//! # Company matching
//! 1. A company named by the uploader (`--company`): by code, else by
//!    [`name_key`](super::companies::name_key). When it matches nothing, the
//!    cover sheet is not consulted: an explicit choice that fails is an error.
//! 2. The cover sheet's 会社コード, by code.
//! 3. The cover sheet's 会社名, by name key (株式会社 / (株) / ㈱, spaces and
//!    width do not matter). Several matches are an error naming their codes.
//!
//! A company is created only when the caller asks (`create_company`), from
//! the cover's code and name (or the uploader's value); without a code one is
//! derived from the name key (`AUTO-` and 8 hex digits of its SHA-256).

use diesel::prelude::*;
use diesel::result::Error as DieselError;
use serde::Serialize;
use sha2::{Digest, Sha256};

use super::audit::{self, Change};
use super::companies::{self, Company, CompanyYear, NewCompany};
use super::schema::{companies as companies_table, frameworks, items};
use super::submissions::{self, NewSubmission, Stored};
use super::{DbConn, DbError, found, write_tx};
pub use crate::catalog::ItemWording;
use crate::domain::{ImpactTier, Level};
use crate::workflow::Actor;

/// How an upload names its company.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CompanyRef {
    /// Code or name given by the uploader; wins over the sheet.
    pub given: Option<String>,
    /// 会社コード on the cover sheet.
    pub code: Option<String>,
    /// 会社名 on the cover sheet.
    pub name: Option<String>,
}

impl CompanyRef {
    /// What was searched for, for messages.
    pub fn describe(&self) -> String {
        self.given
            .clone()
            .or_else(|| match (&self.code, &self.name) {
                (Some(c), Some(n)) => Some(format!("{c} {n}")),
                (Some(c), None) => Some(c.clone()),
                (None, Some(n)) => Some(n.clone()),
                (None, None) => None,
            })
            .unwrap_or_else(|| "(会社名・会社コードなし / no company name or code)".to_owned())
    }
}

/// The result of looking a company up.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CompanyMatch {
    /// Exactly one company.
    Found(Company),
    /// None.
    NotFound,
    /// Several companies share the name key.
    Ambiguous(Vec<Company>),
}

/// Finds the company an upload belongs to (see the module docs).
pub fn find_company(conn: &mut DbConn, r: &CompanyRef) -> Result<CompanyMatch, DbError> {
    let by_name = |conn: &mut DbConn, name: &str| -> Result<CompanyMatch, DbError> {
        let mut found = companies::by_name(conn, name)?;
        Ok(match found.len() {
            0 => CompanyMatch::NotFound,
            1 => CompanyMatch::Found(found.remove(0)),
            _ => CompanyMatch::Ambiguous(found),
        })
    };
    let present = |s: &Option<String>| s.as_deref().map(str::trim).filter(|s| !s.is_empty()).map(str::to_owned);
    if let Some(given) = present(&r.given) {
        if let Some(c) = companies::by_code(conn, &given)? {
            return Ok(CompanyMatch::Found(c));
        }
        return by_name(conn, &given);
    }
    if let Some(code) = present(&r.code)
        && let Some(c) = companies::by_code(conn, &code)?
    {
        return Ok(CompanyMatch::Found(c));
    }
    match present(&r.name) {
        Some(name) => by_name(conn, &name),
        None => Ok(CompanyMatch::NotFound),
    }
}

/// A sheet to store, with what the uploader and the cover sheet say about it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Upload {
    /// How to find the company.
    pub company: CompanyRef,
    /// Create the company when nothing matches.
    pub create_company: bool,
    /// Department name, when the company submits per department.
    pub department: Option<String>,
    /// 従業員数 for the fiscal year.
    pub employees: Option<u32>,
    /// 情報システム担当者数 for the fiscal year.
    pub it_staff: Option<u32>,
    /// The submission; `company_id` and `department_id` are filled in here.
    pub submission: NewSubmission,
}

/// What storing an upload did.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Imported {
    /// The company it was stored for.
    pub company: Company,
    /// Whether that company was created for this upload.
    pub created_company: bool,
    /// The revision created, or the unchanged current one.
    #[serde(skip)]
    pub stored: Stored,
}

/// Why an upload was not stored.
#[derive(Debug, thiserror::Error)]
pub enum ImportError {
    /// No company matches.
    #[error("会社「{0}」は登録されていません / company {0:?} is not registered")]
    UnknownCompany(String),
    /// Several companies match the name.
    #[error("会社名「{searched}」に該当する会社が複数あります / several companies match {searched:?}: {}", candidates.join(", "))]
    AmbiguousCompany {
        /// The name searched.
        searched: String,
        /// Codes of the companies that match.
        candidates: Vec<String>,
    },
    /// The database refused.
    #[error(transparent)]
    Db(#[from] DbError),
}

impl From<DieselError> for ImportError {
    fn from(e: DieselError) -> Self {
        ImportError::Db(DbError::Query(e))
    }
}

/// Stores an upload inside the caller's write transaction: company (created
/// if asked), department, the submission (a new revision, or the current one
/// when the identical file is uploaded again) and the size facts for the
/// fiscal year. Judging it and the dashboards' summary are the caller's
/// (`hyoka-service`).
pub fn store_upload_in_tx(conn: &mut DbConn, actor: Actor, upload: &Upload) -> Result<Imported, ImportError> {
    let (company, created_company) = match find_company(conn, &upload.company)? {
        CompanyMatch::Found(c) => (c, false),
        CompanyMatch::Ambiguous(list) => {
            return Err(ImportError::AmbiguousCompany {
                searched: upload.company.describe(),
                candidates: list.into_iter().map(|c| c.code).collect(),
            });
        }
        CompanyMatch::NotFound => {
            let name = upload.company.name.clone().or_else(|| upload.company.given.clone());
            match name.filter(|n| !n.trim().is_empty()).filter(|_| upload.create_company) {
                Some(name) => {
                    let code = upload
                        .company
                        .code
                        .clone()
                        .or_else(|| upload.company.given.clone())
                        .filter(|c| !c.trim().is_empty())
                        .unwrap_or_else(|| derived_code(&name));
                    let new = NewCompany {
                        code,
                        name,
                        industry: None,
                        target_level: Level::Lv1,
                        impact_tier: ImpactTier::new(3).map_err(DbError::from)?,
                        is_demo: false,
                    };
                    (super::writes::create_company_in_tx(conn, actor, &new)?, true)
                }
                None => return Err(ImportError::UnknownCompany(upload.company.describe())),
            }
        }
    };
    // Lock the company before anything writes to the audit log: store_in_tx
    // takes the same lock first, and the audit log's table lock must come
    // after it in every transaction, or two uploads could deadlock.
    if let DbConn::Pg(pg) = conn {
        found(
            companies_table::table.find(company.id).select(companies_table::id).for_update().first::<i64>(pg),
            || format!("company {}", company.id),
        )?;
    }
    let department_id = match upload.department.as_deref().map(str::trim).filter(|d| !d.is_empty()) {
        Some(name) => Some(companies::department_in_tx(conn, actor, company.id, name)?.id),
        None => None,
    };
    let new = NewSubmission { company_id: company.id, department_id, ..upload.submission.clone() };
    let stored = submissions::store_in_tx(conn, actor, &new)?;
    if matches!(stored, Stored::Created { .. }) && (upload.employees.is_some() || upload.it_staff.is_some()) {
        let before = companies::year_of(conn, company.id, new.fiscal_year)?;
        let year = CompanyYear {
            company_id: company.id,
            fiscal_year: new.fiscal_year,
            employees: upload.employees.or(before.and_then(|y| y.employees)),
            it_staff: upload.it_staff.or(before.and_then(|y| y.it_staff)),
        };
        companies::set_year_in_tx(conn, actor, &year)?;
    }
    Ok(Imported { company, created_company, stored })
}

/// `AUTO-` and the first 8 hex digits of the SHA-256 of the name key.
pub fn derived_code(name: &str) -> String {
    let digest = Sha256::digest(companies::name_key(name).as_bytes());
    format!("AUTO-{}", &hex::encode(digest)[..8])
}

/// Writes imported wording into a stored catalog: each field the workbook
/// gives replaces the stored one; fields it leaves empty are kept. One
/// transaction and one audit entry. Returns how many items changed.
pub fn import_catalog_wording(
    conn: &mut DbConn,
    actor: Actor,
    framework_id: &str,
    wording: &[ItemWording],
) -> Result<usize, DbError> {
    write_tx(conn, |conn| {
        let item_count: i32 =
            found(frameworks::table.find(framework_id).select(frameworks::item_count).first(conn), || {
                format!("framework {framework_id}")
            })?;
        let mut changed = 0;
        for w in wording {
            let number = i32::from(w.number);
            if number > item_count {
                return Err(DbError::Invalid(format!(
                    "{} is not an item of {framework_id} (1–{item_count}) / {} は {framework_id} の項目ではありません",
                    w.number, w.number
                )));
            }
            type Row = (Option<i16>, Option<String>, Option<String>, Option<String>, Option<String>);
            let before: Row = found(
                items::table
                    .find((framework_id, number))
                    .select((
                        items::level,
                        items::condition_text,
                        items::criteria_text,
                        items::responsible_area,
                        items::examples_text,
                    ))
                    .first(conn),
                || format!("{framework_id} {}", w.number),
            )?;
            let after: Row = (
                w.level.map(|l| i16::from(l.number())).or(before.0),
                w.condition.clone().or_else(|| before.1.clone()),
                w.criteria.clone().or_else(|| before.2.clone()),
                w.responsible_area.clone().or_else(|| before.3.clone()),
                w.examples.clone().or_else(|| before.4.clone()),
            );
            if after == before {
                continue;
            }
            diesel::update(items::table.find((framework_id, number)))
                .set((
                    items::level.eq(after.0),
                    items::condition_text.eq(&after.1),
                    items::criteria_text.eq(&after.2),
                    items::responsible_area.eq(&after.3),
                    items::examples_text.eq(&after.4),
                ))
                .execute(conn)?;
            changed += 1;
        }
        let change = Change {
            entity: "catalog",
            entity_id: Some(framework_id.to_owned()),
            before: None,
            after: Some(serde_json::json!({ "items_read": wording.len(), "items_changed": changed })),
        };
        audit::append(conn, actor, "catalog.import", change)?;
        Ok(changed)
    })
}
