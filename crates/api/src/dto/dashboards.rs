//! The dashboards: a company's figures for a year, the group's, the overview,
//! the trend, the items across the group, and two sheets side by side.

use hyoka_model::db::dashboards::{self, GroupFigures};
use hyoka_model::db::summaries::CompanyYearSummary;
use hyoka_model::summary::{Scope, View};
use serde::Serialize;
use utoipa::ToSchema;

use super::{AnswerDto, CompanyDto, FlagDto, SubmissionDto};
use crate::pagination::Page;

/// Rates of one view, 0–1 (null when no item is rated).
#[derive(Debug, Clone, Copy, Serialize, ToSchema)]
pub struct RateSetDto {
    /// Lv1 items.
    pub lv1: Option<f64>,
    /// Lv2 items.
    pub lv2: Option<f64>,
    /// Lv3 items.
    pub lv3: Option<f64>,
    /// Lv1 up to the target level.
    pub target: Option<f64>,
    /// Every item.
    pub overall: Option<f64>,
}

impl RateSetDto {
    fn new(r: [Option<f64>; 5]) -> RateSetDto {
        RateSetDto { lv1: r[0], lv2: r[1], lv3: r[2], target: r[3], overall: r[4] }
    }
}

/// Self, suggested and reviewed rates.
#[derive(Debug, Clone, Copy, Serialize, ToSchema)]
pub struct ViewsDto {
    /// As submitted.
    #[serde(rename = "self")]
    pub self_rated: RateSetDto,
    /// As the flags suggest.
    pub suggested: RateSetDto,
    /// With confirmed reviews applied.
    pub reviewed: RateSetDto,
}

impl ViewsDto {
    fn of(s: &CompanyYearSummary) -> ViewsDto {
        let view = |v: View| RateSetDto::new(Scope::ALL.map(|scope| s.rate(v, scope)));
        ViewsDto { self_rated: view(View::Claimed), suggested: view(View::Suggested), reviewed: view(View::Reviewed) }
    }
}

/// Flag counts.
#[derive(Debug, Clone, Copy, Serialize, ToSchema)]
pub struct FlagCountsDto {
    /// Every flag on the current sheets.
    pub total: i64,
    /// Without a decision.
    pub open: i64,
    /// Confirmed.
    pub confirmed: i64,
    /// Dismissed.
    pub dismissed: i64,
}

/// One company's figures for a fiscal year.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct CompanyYearFigures {
    /// Fiscal year.
    pub fiscal_year: i32,
    /// The latest current sheet.
    pub submission_id: i64,
    /// Current sheets (one per department).
    pub sheets: i32,
    /// The status needing most attention: `returned`, `submitted`, `in_review`, `accepted`.
    pub status: String,
    /// Revision of the latest sheet.
    pub revision: i32,
    /// Uploaded (+09:00).
    pub uploaded_at: String,
    /// The target level the `target` rates are for (the year's collection's, else the company's).
    pub target_level: u8,
    /// Highest risk score (0–100) of its sheets, as the detector computed it.
    pub risk: Option<u8>,
    /// Highest residual risk (0–100) of its sheets: the same formula over the
    /// flags still standing after review (undecided and confirmed).
    pub residual_risk: Option<u8>,
    /// Achievement rates.
    pub rates: ViewsDto,
    /// Flags.
    pub flags: FlagCountsDto,
}

impl From<&CompanyYearSummary> for CompanyYearFigures {
    fn from(s: &CompanyYearSummary) -> Self {
        CompanyYearFigures {
            fiscal_year: s.fiscal_year.get(),
            submission_id: s.submission_id,
            sheets: s.sheets,
            status: s.status.code().to_owned(),
            revision: s.revision,
            uploaded_at: hyoka_model::time::show(s.uploaded_at),
            target_level: s.target_level.number(),
            risk: s.risk,
            residual_risk: s.residual,
            rates: ViewsDto::of(s),
            flags: FlagCountsDto {
                total: i64::from(s.flags.total),
                open: i64::from(s.flags.open),
                confirmed: i64::from(s.flags.confirmed),
                dismissed: i64::from(s.flags.dismissed),
            },
        }
    }
}

/// One company on the overview.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct OverviewLineDto {
    /// The company.
    pub company: CompanyDto,
    /// Whether it has a sheet for the year.
    pub submitted: bool,
    /// Review priority: risk × business-impact weight (tier 1 weighs 5 … tier 5 weighs 1).
    pub priority: Option<u32>,
    /// Its figures, when it submitted.
    pub year: Option<CompanyYearFigures>,
}

impl From<&dashboards::OverviewLine> for OverviewLineDto {
    fn from(l: &dashboards::OverviewLine) -> Self {
        OverviewLineDto {
            company: (&l.company).into(),
            submitted: l.summary.is_some(),
            priority: l.summary.as_ref().map(|s| dashboards::priority(s.risk, l.company.impact_tier.get())),
            year: l.summary.as_ref().map(CompanyYearFigures::from),
        }
    }
}

/// The group's figures for a fiscal year (the companies a filter keeps).
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct GroupFiguresDto {
    /// Fiscal year.
    pub fiscal_year: i32,
    /// Companies expected to submit: those of the year's collection (and any that submitted), else every company.
    pub companies: i64,
    /// Of those, how many submitted.
    pub submitted: i64,
    /// How many did not.
    pub not_submitted: i64,
    /// Current sheets (departments count one each).
    pub sheets: i64,
    /// Companies per status.
    #[schema(value_type = Object)]
    pub statuses: std::collections::BTreeMap<String, i64>,
    /// Mean achievement over the companies with a rate.
    pub mean_rates: ViewsDto,
    /// Mean risk.
    pub mean_risk: Option<f64>,
    /// Flags on current sheets.
    pub flags: FlagCountsDto,
}

impl From<&GroupFigures> for GroupFiguresDto {
    fn from(g: &GroupFigures) -> Self {
        let view = |v: View| RateSetDto::new(g.mean_rates[v.index()]);
        GroupFiguresDto {
            fiscal_year: g.fiscal_year.get(),
            companies: g.companies,
            submitted: g.submitted,
            not_submitted: (g.companies - g.submitted).max(0),
            sheets: g.sheets,
            statuses: g.statuses.clone(),
            mean_rates: ViewsDto {
                self_rated: view(View::Claimed),
                suggested: view(View::Suggested),
                reviewed: view(View::Reviewed),
            },
            mean_risk: g.mean_risk,
            flags: FlagCountsDto { total: g.flags[0], open: g.flags[1], confirmed: g.flags[2], dismissed: g.flags[3] },
        }
    }
}

/// The overview of a fiscal year.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct OverviewDto {
    /// The group's figures for the companies the filter keeps (every page).
    pub group: GroupFiguresDto,
    /// One page of companies.
    pub companies: Page<OverviewLineDto>,
}

/// The trend over years.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct TrendDto {
    /// The group's figures per fiscal year, oldest first.
    pub group: Vec<GroupFiguresDto>,
    /// The company's figures per fiscal year, when one was asked for.
    pub company: Option<CompanyTrendDto>,
}

/// One company over the years.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct CompanyTrendDto {
    /// The company.
    pub company: CompanyDto,
    /// Its figures per fiscal year with a sheet, oldest first.
    pub years: Vec<CompanyYearFigures>,
}

/// How many companies stand at each score.
#[derive(Debug, Clone, Copy, Serialize, ToSchema)]
pub struct DistributionDto {
    /// 2 (対策完了).
    pub done: i64,
    /// 1 (対策中).
    pub in_progress: i64,
    /// 0 (未実施).
    pub not_done: i64,
    /// Unanswered.
    pub unanswered: i64,
    /// 該当なし.
    pub not_applicable: i64,
}

impl From<dashboards::Distribution> for DistributionDto {
    fn from(d: dashboards::Distribution) -> Self {
        DistributionDto {
            done: d.done,
            in_progress: d.in_progress,
            not_done: d.not_done,
            unanswered: d.unanswered,
            not_applicable: d.not_applicable,
        }
    }
}

/// The weakest company on an item.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct WeakestDto {
    /// Company id.
    pub company_id: i64,
    /// Company code.
    pub code: String,
    /// Company name.
    pub name: String,
    /// Its estimated score (unanswered counts 0).
    pub score: u8,
    /// Its risk.
    pub risk: Option<u8>,
    /// How many companies share that lowest score.
    pub companies_at_lowest: i64,
}

/// Flag counts of an item.
#[derive(Debug, Clone, Copy, Serialize, ToSchema)]
pub struct ItemFlagsDto {
    /// Flags (kept by the filter).
    pub total: i64,
    /// Sheets with at least one.
    pub sheets: i64,
    /// Without a decision.
    pub open: i64,
    /// Confirmed.
    pub confirmed: i64,
    /// Dismissed.
    pub dismissed: i64,
}

/// One item across the group.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ItemLineDto {
    /// Item number.
    pub item: u16,
    /// Catalog level.
    pub level: Option<u8>,
    /// Subject (Japanese).
    pub subject_ja: String,
    /// Flags on current sheets.
    pub flags: ItemFlagsDto,
    /// Companies per claimed score.
    pub claimed: DistributionDto,
    /// Companies per estimated score: the confirmed review's, else the lowest an undecided flag of medium severity or above suggests, else the claim.
    pub estimated: DistributionDto,
    /// The weakest company: lowest estimate; ties by highest risk, then code (seed questions 3 and 14: the weakest place decides).
    pub weakest: Option<WeakestDto>,
}

/// One side of an item in a comparison.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct CompareSideDto {
    /// The answer.
    pub answer: AnswerDto,
    /// Its flags with their decisions (omitted when not released to the caller).
    pub flags: Option<Vec<FlagDto>>,
}

/// One item side by side.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct CompareItemDto {
    /// Item number.
    pub item: u16,
    /// This sheet's answer and flags.
    pub base: Option<CompareSideDto>,
    /// The other sheet's.
    pub other: Option<CompareSideDto>,
    /// The score differs (or the item is on one side only).
    pub score_changed: bool,
    /// `raised`, `lowered` or null (comparing points; 該当なし and unanswered count as no points).
    pub direction: Option<String>,
    /// The evidence text differs.
    pub evidence_changed: bool,
}

/// Two sheets side by side.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct CompareDto {
    /// This sheet.
    pub base: SubmissionDto,
    /// The sheet it is compared with (null when there is none).
    pub other: Option<SubmissionDto>,
    /// Items whose score changed.
    pub scores_changed: usize,
    /// Of those, raised.
    pub raised: usize,
    /// Of those, lowered.
    pub lowered: usize,
    /// Items whose evidence changed.
    pub evidence_changed: usize,
    /// The items, by number (filtered).
    pub items: Vec<CompareItemDto>,
}
