//! METI SCS ★3 / ★4 readiness (see `docs/scs.md`).

use crate::pagination::{Page, PageRequest};
use hyoka_model::domain::Evaluation;
use hyoka_model::scs::Counts;
use hyoka_model::summary::ItemCode;
use hyoka_service::scs::{CitedItem, CompanyReadiness, CriterionGap, CriterionRow, GroupLine, GroupReadiness};
use serde::Serialize;
use utoipa::ToSchema;

/// Criteria counts of one ★ (`star4`: ★3 and ★4 together).
#[derive(Debug, Serialize, ToSchema)]
pub struct ScsCountsDto {
    /// Every cited JAMA item at 2.
    pub met: u32,
    /// Some cited items at 2.
    pub partly: u32,
    /// No cited item at 2.
    pub not_met: u32,
    /// METI cites no JAMA item: to be assessed separately, never met.
    pub not_covered: u32,
    /// met / (met + partly + not_met); null when nothing is covered.
    pub readiness: Option<f64>,
}

impl From<Counts> for ScsCountsDto {
    fn from(c: Counts) -> Self {
        ScsCountsDto {
            met: c.met,
            partly: c.partly,
            not_met: c.not_met,
            not_covered: c.not_covered,
            readiness: c.readiness(),
        }
    }
}

/// A score as `2`, `1`, `0`, `n` (該当なし) or `u` (unanswered).
pub(crate) fn score(e: Option<Evaluation>) -> Option<String> {
    e.map(|e| ItemCode::of(e).to_string())
}

/// A flag on a cited item.
#[derive(Debug, Serialize, ToSchema)]
pub struct ScsFlagDto {
    /// Flag id.
    pub id: i64,
    /// The sheet (submission) it is on.
    pub submission_id: i64,
    /// Rule id.
    pub rule: String,
    /// Severity.
    pub severity: String,
    /// Latest decision (`confirmed`, `dismissed`), null when undecided.
    pub decision: Option<String>,
}

/// A JAMA item cited by a criterion.
#[derive(Debug, Serialize, ToSchema)]
pub struct ScsItemDto {
    /// Item number.
    pub item: u16,
    /// The level METI gives it.
    pub level: Option<u8>,
    /// Claimed score (`2`, `1`, `0`, `n`, `u`); null when the sheets lack it.
    pub claimed: Option<String>,
    /// Estimated score; null when the caller does not see findings yet.
    pub estimated: Option<String>,
    /// The score on the basis asked for.
    pub on_basis: Option<String>,
    /// Flags on the item the caller may see.
    pub flags: Vec<ScsFlagDto>,
    /// Evidence as written.
    pub evidence: String,
}

impl From<&CitedItem> for ScsItemDto {
    fn from(i: &CitedItem) -> Self {
        ScsItemDto {
            item: i.item,
            level: i.level,
            claimed: score(i.claimed),
            estimated: score(i.estimated),
            on_basis: score(i.on_basis),
            flags: i
                .flags
                .iter()
                .map(|f| ScsFlagDto {
                    id: f.id,
                    submission_id: f.submission_id,
                    rule: f.rule.clone(),
                    severity: f.severity.into(),
                    decision: f.decision.map(Into::into),
                })
                .collect(),
            evidence: i.evidence.clone(),
        }
    }
}

/// One criterion of a company's readiness.
#[derive(Debug, Serialize, ToSchema)]
pub struct ScsCriterionDto {
    /// Criterion id.
    pub id: String,
    /// Requirement id.
    pub requirement: String,
    /// Requirement short name.
    pub requirement_name_ja: String,
    /// 3 or 4.
    pub star: u8,
    /// `met`, `partly`, `not_met` or `not_covered`.
    pub status: String,
    /// ISO/IEC 27001:2022 references.
    pub iso27001: Vec<String>,
    /// The JAMA items METI cites.
    pub items: Vec<ScsItemDto>,
}

impl From<&CriterionRow> for ScsCriterionDto {
    fn from(r: &CriterionRow) -> Self {
        ScsCriterionDto {
            id: r.id.clone(),
            requirement: r.requirement.clone(),
            requirement_name_ja: r.requirement_name_ja.clone(),
            star: r.star.into(),
            status: r.status.code().into(),
            iso27001: r.iso27001.clone(),
            items: r.items.iter().map(ScsItemDto::from).collect(),
        }
    }
}

/// A company-year's SCS readiness on one basis.
#[derive(Debug, Serialize, ToSchema)]
pub struct ScsReadinessDto {
    /// Company id.
    pub company_id: i64,
    /// Company code.
    pub company_code: String,
    /// Fiscal year.
    pub fiscal_year: i32,
    /// `self`, `estimated` or `reviewed`.
    pub basis: String,
    /// Over the ★3 criteria.
    pub star3: ScsCountsDto,
    /// Over the ★3 and ★4 criteria.
    pub star4: ScsCountsDto,
    /// Per criterion.
    pub criteria: Vec<ScsCriterionDto>,
}

impl From<&CompanyReadiness> for ScsReadinessDto {
    fn from(r: &CompanyReadiness) -> Self {
        ScsReadinessDto {
            company_id: r.company.id,
            company_code: r.company.code.clone(),
            fiscal_year: r.fiscal_year.get(),
            basis: r.basis.code().into(),
            star3: r.readiness.star3.into(),
            star4: r.readiness.star4.into(),
            criteria: r.criteria.iter().map(ScsCriterionDto::from).collect(),
        }
    }
}

/// A company in the group view.
#[derive(Debug, Serialize, ToSchema)]
pub struct ScsCompanyLineDto {
    /// Company id.
    pub company_id: i64,
    /// Code.
    pub code: String,
    /// Name.
    pub name: String,
    /// ★3, estimated.
    pub star3: ScsCountsDto,
    /// ★3+★4, estimated.
    pub star4: ScsCountsDto,
    /// ★3 readiness as claimed.
    pub star3_claimed: Option<f64>,
}

impl From<&GroupLine> for ScsCompanyLineDto {
    fn from(l: &GroupLine) -> Self {
        ScsCompanyLineDto {
            company_id: l.company_id,
            code: l.code.clone(),
            name: l.name.clone(),
            star3: l.estimated.star3.into(),
            star4: l.estimated.star4.into(),
            star3_claimed: l.claimed.star3.readiness(),
        }
    }
}

/// A criterion the group misses.
#[derive(Debug, Serialize, ToSchema)]
pub struct ScsGapDto {
    /// Criterion id.
    pub id: String,
    /// 3 or 4.
    pub star: u8,
    /// Companies where it is partly or not met (estimated).
    pub companies: u32,
}

impl From<&CriterionGap> for ScsGapDto {
    fn from(g: &CriterionGap) -> Self {
        ScsGapDto { id: g.id.clone(), star: g.star.into(), companies: g.companies }
    }
}

/// The group's SCS readiness of a year.
#[derive(Debug, Serialize, ToSchema)]
pub struct ScsGroupDto {
    /// Fiscal year.
    pub fiscal_year: i32,
    /// A page of the companies with a sheet, by estimated ★3 readiness,
    /// highest first (ties by code); `total` counts them all.
    pub companies: Page<ScsCompanyLineDto>,
    /// Criteria most often not met in full, most first.
    pub most_missed: Vec<ScsGapDto>,
    /// Companies closest to ★3 (fewest ★3 criteria missing), at most 20.
    pub closest: Vec<ScsCompanyLineDto>,
}

impl ScsGroupDto {
    /// The group view with the page it lists.
    pub fn of(g: &GroupReadiness, page: PageRequest) -> Self {
        ScsGroupDto {
            fiscal_year: g.fiscal_year.get(),
            companies: page.page(g.companies.iter().map(ScsCompanyLineDto::from).collect(), g.total),
            most_missed: g.most_missed.iter().map(ScsGapDto::from).collect(),
            closest: g.closest.iter().map(ScsCompanyLineDto::from).collect(),
        }
    }
}
