//! Companies, their size facts per fiscal year, and their departments.

use chrono::{DateTime, Utc};
use diesel::prelude::*;
use serde::Serialize;

use super::audit::{self, Change};
use super::schema::{companies, company_years, departments};
use super::{DbConn, DbError, found, write_tx};
use crate::domain::{FiscalYear, ImpactTier, Level};
use crate::limits::{self, Field};
use crate::workflow::Actor;

/// A subsidiary (or the parent itself) that submits sheets.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Company {
    /// Id.
    pub id: i64,
    /// Company code, unique (会社コード).
    pub code: String,
    /// Name as registered (会社名).
    pub name: String,
    /// Industry.
    pub industry: Option<String>,
    /// The level the company must reach (対象レベル).
    pub target_level: Level,
    /// Business-impact tier, 1 highest.
    pub impact_tier: ImpactTier,
    /// Created by `hyoka demo`.
    pub is_demo: bool,
    /// When it was registered.
    pub created_at: DateTime<Utc>,
}

/// What it takes to register a company.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct NewCompany {
    /// Company code.
    pub code: String,
    /// Name.
    pub name: String,
    /// Industry.
    pub industry: Option<String>,
    /// Target level.
    pub target_level: Level,
    /// Business-impact tier.
    pub impact_tier: ImpactTier,
    /// Whether the demo made it.
    pub is_demo: bool,
}

/// Changes to a company; `None` leaves a field as it is.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct CompanyChanges {
    /// New name.
    pub name: Option<String>,
    /// New industry (`Some(None)` clears it).
    pub industry: Option<Option<String>>,
    /// New target level.
    pub target_level: Option<Level>,
    /// New business-impact tier.
    pub impact_tier: Option<ImpactTier>,
}

/// A company's size in one fiscal year.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct CompanyYear {
    /// Company.
    pub company_id: i64,
    /// Fiscal year.
    pub fiscal_year: FiscalYear,
    /// 従業員数.
    pub employees: Option<u32>,
    /// 情報システム担当者数.
    pub it_staff: Option<u32>,
}

/// A department of a company that submits its own sheet.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Queryable)]
pub struct Department {
    /// Id.
    pub id: i64,
    /// Company.
    pub company_id: i64,
    /// Name.
    pub name: String,
}

/// The key companies are matched by name with: NFKC, no spaces, and the
/// legal-form marks 株式会社 / (株) / ㈱ / 有限会社 / (有) removed.
pub fn name_key(name: &str) -> String {
    let mut key = crate::text::normalize_compact(name);
    for mark in ["株式会社", "(株)", "有限会社", "(有)", "合同会社", "(同)"] {
        key = key.replace(mark, "");
    }
    key.to_lowercase()
}

/// A `companies` row, in the order of `cols()`.
#[derive(Queryable)]
pub(crate) struct CompanyRow {
    pub(crate) id: i64,
    pub(crate) code: String,
    pub(crate) name: String,
    pub(crate) industry: Option<String>,
    pub(crate) target_level: i16,
    pub(crate) impact_tier: i16,
    pub(crate) is_demo: bool,
    pub(crate) created_at: chrono::NaiveDateTime,
}

pub(crate) fn cols() -> (
    companies::id,
    companies::code,
    companies::name,
    companies::industry,
    companies::target_level,
    companies::impact_tier,
    companies::is_demo,
    companies::created_at,
) {
    (
        companies::id,
        companies::code,
        companies::name,
        companies::industry,
        companies::target_level,
        companies::impact_tier,
        companies::is_demo,
        companies::created_at,
    )
}

pub(crate) fn from_row(r: CompanyRow) -> Result<Company, DbError> {
    Ok(Company {
        id: r.id,
        code: r.code,
        name: r.name,
        industry: r.industry,
        target_level: Level::try_from(i32::from(r.target_level))?,
        impact_tier: ImpactTier::new(u8::try_from(r.impact_tier).unwrap_or(0))?,
        is_demo: r.is_demo,
        created_at: crate::time::from_db(r.created_at),
    })
}

/// Inserts a company inside the caller's write transaction, with its audit
/// entry. The group's company counts are the caller's: the public way in is
/// `writes::create_company` / `writes::create_company_in_tx`.
pub(super) fn insert_in_tx(conn: &mut DbConn, actor: Actor, new: &NewCompany) -> Result<Company, DbError> {
    let code = new.code.trim();
    if code.is_empty() || new.name.trim().is_empty() {
        return Err(DbError::Invalid("a company needs a code and a name / 会社コードと会社名が必要です".into()));
    }
    limits::check(Field::CompanyCode, code)?;
    limits::check(Field::CompanyName, new.name.trim())?;
    if let Some(industry) = &new.industry {
        limits::check(Field::Industry, industry)?;
    }
    if by_code(conn, code)?.is_some() {
        return Err(DbError::Invalid(format!(
            "company code {code} is already registered / 会社コード {code} は登録済みです"
        )));
    }
    // The same name (after NFKC, spaces and case) twice is refused; names
    // that only share a key (東海部品株式会社, 東海部品(株)) stay possible, and
    // an upload naming them is ambiguous (409).
    let name = new.name.trim();
    let folded = fold_code(name);
    let same_key: Vec<String> =
        companies::table.filter(companies::name_key.eq(name_key(name))).select(companies::name).load(conn)?;
    if same_key.iter().any(|n| fold_code(n) == folded) {
        return Err(DbError::Invalid(format!(
            "company name {name} is already registered / 会社名 {name} は登録済みです"
        )));
    }
    let row: CompanyRow = diesel::insert_into(companies::table)
        .values((
            companies::code.eq(code),
            companies::code_key.eq(fold_code(code)),
            companies::name.eq(new.name.trim()),
            companies::name_key.eq(name_key(&new.name)),
            companies::industry.eq(&new.industry),
            companies::target_level.eq(i16::from(new.target_level.number())),
            companies::impact_tier.eq(i16::from(new.impact_tier.get())),
            companies::is_demo.eq(new.is_demo),
            companies::created_at.eq(crate::time::now().naive_utc()),
        ))
        .returning(cols())
        .get_result(conn)?;
    let company = from_row(row)?;
    audit::append(conn, actor, "company.create", Change::created("company", company.id, &company))?;
    Ok(company)
}

/// A company by id.
pub fn get(conn: &mut DbConn, id: i64) -> Result<Company, DbError> {
    let row = found(companies::table.find(id).select(cols()).first(conn), || format!("company {id}"))?;
    from_row(row)
}

/// A company code (or name) as compared: NFKC, dashes unified, no spaces,
/// lower case. `ＤＥＭＯ－００１` → `demo-001`.
pub fn fold_code(code: &str) -> String {
    crate::text::normalize_compact(&crate::text::normalize_compact(code).to_lowercase())
}

/// Recomputes every company's folded code (after the migration that added
/// it, which could fold only ASCII). Returns how many changed.
pub fn refold_codes(conn: &mut DbConn) -> Result<usize, DbError> {
    let rows: Vec<(i64, String, Option<String>)> =
        companies::table.select((companies::id, companies::code, companies::code_key)).load(conn)?;
    let mut changed = 0;
    for (id, code, key) in rows {
        let folded = fold_code(&code);
        if key.as_deref() != Some(folded.as_str()) {
            diesel::update(companies::table.find(id)).set(companies::code_key.eq(&folded)).execute(conn)?;
            changed += 1;
        }
    }
    Ok(changed)
}

/// A company by its code, compared after NFKC and case folding.
pub fn by_code(conn: &mut DbConn, code: &str) -> Result<Option<Company>, DbError> {
    companies::table
        .filter(companies::code_key.eq(fold_code(code)))
        .select(cols())
        .first(conn)
        .optional()?
        .map(from_row)
        .transpose()
}

/// Companies whose [`name_key`] equals that of `name`.
pub fn by_name(conn: &mut DbConn, name: &str) -> Result<Vec<Company>, DbError> {
    companies::table
        .filter(companies::name_key.eq(name_key(name)))
        .select(cols())
        .order(companies::id)
        .load(conn)?
        .into_iter()
        .map(from_row)
        .collect()
}

/// Every company, ordered by code.
pub fn list(conn: &mut DbConn) -> Result<Vec<Company>, DbError> {
    companies::table.select(cols()).order(companies::code).load(conn)?.into_iter().map(from_row).collect()
}

/// How many companies exist that the demo did not create.
pub fn count_non_demo(conn: &mut DbConn) -> Result<i64, DbError> {
    Ok(companies::table.filter(companies::is_demo.eq(false)).count().get_result(conn)?)
}

/// Updates a company inside the caller's write transaction; returns it before
/// and after. The dashboards' summaries are the caller's:
/// `writes::update_company`.
pub fn update_in_tx(
    conn: &mut DbConn,
    actor: Actor,
    id: i64,
    changes: &CompanyChanges,
) -> Result<(Company, Company), DbError> {
    {
        if let Some(name) = &changes.name {
            limits::check(Field::CompanyName, name.trim())?;
        }
        if let Some(Some(industry)) = &changes.industry {
            limits::check(Field::Industry, industry)?;
        }
        let before = get(conn, id)?;
        let name = changes.name.clone().unwrap_or_else(|| before.name.clone());
        let industry = changes.industry.clone().unwrap_or_else(|| before.industry.clone());
        let level = changes.target_level.unwrap_or(before.target_level);
        let tier = changes.impact_tier.unwrap_or(before.impact_tier);
        diesel::update(companies::table.find(id))
            .set((
                companies::name.eq(&name),
                companies::name_key.eq(name_key(&name)),
                companies::industry.eq(&industry),
                companies::target_level.eq(i16::from(level.number())),
                companies::impact_tier.eq(i16::from(tier.get())),
            ))
            .execute(conn)?;
        let after = get(conn, id)?;
        audit::append(conn, actor, "company.update", Change::updated("company", id, &before, &after))?;
        Ok((before, after))
    }
}

fn to_i32(n: Option<u32>) -> Option<i32> {
    n.map(|v| i32::try_from(v).unwrap_or(i32::MAX))
}

/// Records a company's size for a fiscal year, replacing what was there.
pub fn set_year_in_tx(conn: &mut DbConn, actor: Actor, year: &CompanyYear) -> Result<(), DbError> {
    let fy = year.fiscal_year.get();
    let key = (year.company_id, fy);
    let before = year_of(conn, year.company_id, year.fiscal_year)?;
    if before.as_ref() == Some(year) {
        return Ok(());
    }
    let n = diesel::update(company_years::table.find(key))
        .set((company_years::employees.eq(to_i32(year.employees)), company_years::it_staff.eq(to_i32(year.it_staff))))
        .execute(conn)?;
    if n == 0 {
        diesel::insert_into(company_years::table)
            .values((
                company_years::company_id.eq(year.company_id),
                company_years::fiscal_year.eq(fy),
                company_years::employees.eq(to_i32(year.employees)),
                company_years::it_staff.eq(to_i32(year.it_staff)),
            ))
            .execute(conn)?;
    }
    let change = Change {
        entity: "company_year",
        entity_id: Some(format!("{}/{fy}", year.company_id)),
        before: before.as_ref().map(audit::json),
        after: Some(audit::json(year)),
    };
    audit::append(conn, actor, "company_year.set", change)?;
    Ok(())
}

/// [`set_year_in_tx`] in its own transaction.
pub fn set_year(conn: &mut DbConn, actor: Actor, year: &CompanyYear) -> Result<(), DbError> {
    write_tx(conn, |conn| set_year_in_tx(conn, actor, year))
}

fn year_from_row(
    (company_id, fiscal_year, employees, it_staff): (i64, i32, Option<i32>, Option<i32>),
) -> Result<CompanyYear, DbError> {
    Ok(CompanyYear {
        company_id,
        fiscal_year: FiscalYear::new(fiscal_year)?,
        employees: employees.and_then(|v| u32::try_from(v).ok()),
        it_staff: it_staff.and_then(|v| u32::try_from(v).ok()),
    })
}

/// A company's size in one year, if recorded.
pub fn year_of(conn: &mut DbConn, company_id: i64, year: FiscalYear) -> Result<Option<CompanyYear>, DbError> {
    company_years::table
        .find((company_id, year.get()))
        .first::<(i64, i32, Option<i32>, Option<i32>)>(conn)
        .optional()?
        .map(year_from_row)
        .transpose()
}

/// Every recorded year of a company, oldest first.
pub fn years_of(conn: &mut DbConn, company_id: i64) -> Result<Vec<CompanyYear>, DbError> {
    company_years::table
        .filter(company_years::company_id.eq(company_id))
        .order(company_years::fiscal_year)
        .load::<(i64, i32, Option<i32>, Option<i32>)>(conn)?
        .into_iter()
        .map(year_from_row)
        .collect()
}

/// Finds a department by name, creating it when missing.
pub fn department_in_tx(conn: &mut DbConn, actor: Actor, company_id: i64, name: &str) -> Result<Department, DbError> {
    let name = crate::text::normalize(name);
    if name.is_empty() {
        return Err(DbError::Invalid("a department needs a name / 部署名が必要です".into()));
    }
    limits::check(Field::DepartmentName, &name)?;
    let existing = departments::table
        .filter(departments::company_id.eq(company_id).and(departments::name.eq(&name)))
        .first::<Department>(conn)
        .optional()?;
    if let Some(d) = existing {
        return Ok(d);
    }
    let d: Department = diesel::insert_into(departments::table)
        .values((departments::company_id.eq(company_id), departments::name.eq(&name)))
        .returning((departments::id, departments::company_id, departments::name))
        .get_result(conn)?;
    audit::append(conn, actor, "department.create", Change::created("department", d.id, &d))?;
    Ok(d)
}

/// [`department_in_tx`] in its own transaction.
pub fn department(conn: &mut DbConn, actor: Actor, company_id: i64, name: &str) -> Result<Department, DbError> {
    write_tx(conn, |conn| department_in_tx(conn, actor, company_id, name))
}

/// A company's departments, by name.
pub fn departments_of(conn: &mut DbConn, company_id: i64) -> Result<Vec<Department>, DbError> {
    Ok(departments::table.filter(departments::company_id.eq(company_id)).order(departments::name).load(conn)?)
}

#[cfg(test)]
mod tests {
    use super::name_key;

    #[test]
    fn legal_forms_width_and_spaces_do_not_matter() {
        let k = name_key("株式会社 東海精密");
        for variant in ["東海精密株式会社", "(株)東海精密", "㈱東海精密", "（株）東海精密", "東海精密　㈱"]
        {
            assert_eq!(name_key(variant), k, "{variant}");
        }
        assert_ne!(name_key("東海精密工業"), k);
    }
}
