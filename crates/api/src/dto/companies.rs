//! Companies and their yearly size facts.

use hyoka_model::db::companies::{Company, CompanyYear};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::t;

/// A company.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct CompanyDto {
    /// Id.
    pub id: i64,
    /// 会社コード.
    pub code: String,
    /// 会社名.
    pub name: String,
    /// Industry.
    pub industry: Option<String>,
    /// Registered target level (1–3).
    pub target_level: u8,
    /// Business-impact tier (1 highest – 5).
    pub impact_tier: u8,
    /// Made by the demo.
    pub is_demo: bool,
    /// Registered (+09:00).
    pub created_at: String,
}

impl From<&Company> for CompanyDto {
    fn from(c: &Company) -> Self {
        CompanyDto {
            id: c.id,
            code: c.code.clone(),
            name: c.name.clone(),
            industry: c.industry.clone(),
            target_level: c.target_level.number(),
            impact_tier: c.impact_tier.get(),
            is_demo: c.is_demo,
            created_at: t(c.created_at),
        }
    }
}

/// A company's size in one fiscal year.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct CompanyYearDto {
    /// Fiscal year (年度, the year it starts in).
    pub fiscal_year: i32,
    /// 従業員数.
    pub employees: Option<u32>,
    /// 情報システム担当者数.
    pub it_staff: Option<u32>,
}

impl From<&CompanyYear> for CompanyYearDto {
    fn from(y: &CompanyYear) -> Self {
        CompanyYearDto { fiscal_year: y.fiscal_year.get(), employees: y.employees, it_staff: y.it_staff }
    }
}

/// A company with its size facts.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct CompanyDetail {
    /// The company.
    pub company: CompanyDto,
    /// Size per fiscal year, oldest first.
    pub years: Vec<CompanyYearDto>,
}

/// `POST /api/v1/companies`.
#[derive(Debug, Deserialize, ToSchema)]
pub struct CreateCompanyRequest {
    /// 会社コード (unique).
    pub code: String,
    /// 会社名.
    pub name: String,
    /// Industry.
    pub industry: Option<String>,
    /// Target level 1–3.
    pub target_level: u8,
    /// Business-impact tier 1–5 (default 3).
    pub impact_tier: Option<u8>,
}

/// `PATCH /api/v1/companies/{id}`; absent fields stay as they are.
#[derive(Debug, Deserialize, ToSchema)]
pub struct UpdateCompanyRequest {
    /// New name.
    pub name: Option<String>,
    /// New industry.
    pub industry: Option<String>,
    /// New target level.
    pub target_level: Option<u8>,
    /// New business-impact tier.
    pub impact_tier: Option<u8>,
}

/// `PUT /api/v1/companies/{id}/years/{fiscal_year}`.
#[derive(Debug, Deserialize, ToSchema)]
pub struct SetCompanyYearRequest {
    /// 従業員数.
    pub employees: Option<u32>,
    /// 情報システム担当者数.
    pub it_staff: Option<u32>,
}
