//! Collections (提出依頼) and each member's standing.

use hyoka_model::db::collections::{Collection, Progress, Standing};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::{CompanyDto, t};

/// A company asked to submit, with its target level.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct MemberDto {
    /// Company.
    pub company_id: i64,
    /// Target level that year (default: the company's registered level).
    pub target_level: Option<u8>,
}

/// A collection (提出依頼).
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct CollectionDto {
    /// Id.
    pub id: i64,
    /// Fiscal year collected.
    pub fiscal_year: i32,
    /// Title.
    pub title: String,
    /// Last day to submit, Japan time (`2024-07-31`).
    pub deadline: String,
    /// Message to the subsidiaries.
    pub message: Option<String>,
    /// Opened (+09:00).
    pub created_at: String,
    /// Companies asked to submit.
    pub members: Vec<MemberDto>,
}

impl From<&Collection> for CollectionDto {
    fn from(c: &Collection) -> Self {
        CollectionDto {
            id: c.id,
            fiscal_year: c.fiscal_year.get(),
            title: c.title.clone(),
            deadline: c.deadline.to_string(),
            message: c.message.clone(),
            created_at: t(c.created_at),
            members: c
                .members
                .iter()
                .map(|m| MemberDto { company_id: m.company_id, target_level: Some(m.target_level.number()) })
                .collect(),
        }
    }
}

/// One company's standing in a collection.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ProgressDto {
    /// The company.
    pub company: CompanyDto,
    /// Target level that year.
    pub target_level: u8,
    /// `submitted`, `submitted_late`, `not_submitted` (未提出) or `overdue` (未提出・期限超過).
    pub standing: String,
    /// First upload for the year (+09:00).
    pub first_uploaded_at: Option<String>,
    /// Current revision.
    pub submission_id: Option<i64>,
    /// Its status.
    pub status: Option<String>,
}

fn standing_code(s: Standing) -> &'static str {
    match s {
        Standing::Submitted => "submitted",
        Standing::SubmittedLate => "submitted_late",
        Standing::NotSubmitted => "not_submitted",
        Standing::Overdue => "overdue",
    }
}

impl From<&Progress> for ProgressDto {
    fn from(p: &Progress) -> Self {
        ProgressDto {
            company: (&p.company).into(),
            target_level: p.target_level.number(),
            standing: standing_code(p.standing).to_owned(),
            first_uploaded_at: p.first_uploaded_at.map(t),
            submission_id: p.current.as_ref().map(|s| s.id),
            status: p.current.as_ref().map(|s| s.status.code().to_owned()),
        }
    }
}

/// Counts of a collection's companies by standing.
#[derive(Debug, Clone, Default, Serialize, ToSchema)]
pub struct ProgressSummary {
    /// On time.
    pub submitted: u32,
    /// After the deadline.
    pub submitted_late: u32,
    /// 未提出, deadline not passed.
    pub not_submitted: u32,
    /// 未提出, deadline passed.
    pub overdue: u32,
}

/// A collection with every member's standing.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct CollectionDetail {
    /// The collection.
    pub collection: CollectionDto,
    /// Counts by standing.
    pub summary: ProgressSummary,
    /// Each company (a subsidiary user sees only its own), by company code.
    pub progress: Vec<ProgressDto>,
}

/// `POST /api/v1/collections`.
#[derive(Debug, Deserialize, ToSchema)]
pub struct OpenCollectionRequest {
    /// Fiscal year (2024 = 2024年度).
    pub fiscal_year: i32,
    /// Title; default `<year>年度 自己評価の提出依頼`.
    pub title: Option<String>,
    /// Last day to submit, `YYYY-MM-DD` (Japan time).
    pub deadline: String,
    /// Message to the subsidiaries.
    pub message: Option<String>,
    /// Companies and target levels; default: every registered company at its registered level.
    pub companies: Option<Vec<MemberDto>>,
}

/// `PATCH /api/v1/collections/{id}`.
#[derive(Debug, Default, Deserialize, ToSchema)]
pub struct UpdateCollectionRequest {
    /// New title.
    pub title: Option<String>,
    /// New deadline, `YYYY-MM-DD`.
    pub deadline: Option<String>,
    /// New message.
    pub message: Option<String>,
    /// Companies to add, or whose target level changes.
    #[serde(default)]
    pub add_companies: Vec<MemberDto>,
    /// Companies to remove.
    #[serde(default)]
    pub remove_companies: Vec<i64>,
}
