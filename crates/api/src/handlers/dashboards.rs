//! Dashboards for parent-company IT and auditors: the group overview of a
//! fiscal year, the review queue, the trend over years, the items most
//! often flagged with the weakest company per item; and, per submission,
//! the side-by-side comparison with another revision or last year's sheet.
//!
//! They read the summaries kept at upload, analysis and review time
//! (`hyoka_model::db::summaries`), never every answer. Every query struct
//! refuses parameters it does not know, so a filter a view does not offer is
//! a 400, not silently ignored.

use std::collections::BTreeSet;

use actix_web::{get, web};
use hyoka_model::db::dashboards::{self, Against, CompanyFilter, GroupFigures, ItemFilter, Order};
use hyoka_model::db::review::{self, DecisionFilter};
use hyoka_model::db::summaries::CompanyYearSummary;
use hyoka_model::db::{companies, submissions};
use hyoka_model::domain::{FiscalYear, ItemNumber, Level, Severity};
use hyoka_model::workflow::SubmissionStatus;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use super::companies::year;
use super::flags::bad_query;
use super::{ANYONE, GROUP_READERS, db};
use crate::AppState;
use crate::auth::Caller;
use crate::dto::{AnswerDto, CompanyDto, FlagDto, SubmissionDto};
use crate::error::{ApiError, ErrorBody};
use crate::pagination::{Page, PageRequest};

fn level(n: Option<u8>) -> Result<Option<Level>, ApiError> {
    n.map(|n| Level::try_from(i32::from(n)).map_err(bad_query)).transpose()
}

fn parse<T: std::str::FromStr>(s: Option<&str>) -> Result<Option<T>, ApiError>
where
    T::Err: std::fmt::Display,
{
    s.map(|s| s.parse::<T>().map_err(bad_query)).transpose()
}

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
        let view = |v: usize| RateSetDto::new([0, 1, 2, 3, 4].map(|i| s.rate(v, i)));
        ViewsDto { self_rated: view(0), suggested: view(1), reviewed: view(2) }
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
    /// Highest risk score (0–100) of its sheets.
    pub risk: Option<u8>,
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
        let view = |v: usize| RateSetDto::new(g.mean_rates[v]);
        GroupFiguresDto {
            fiscal_year: g.fiscal_year.get(),
            companies: g.companies,
            submitted: g.submitted,
            not_submitted: (g.companies - g.submitted).max(0),
            sheets: g.sheets,
            statuses: g.statuses.clone(),
            mean_rates: ViewsDto { self_rated: view(0), suggested: view(1), reviewed: view(2) },
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

/// Query of `GET /api/v1/dashboards/overview`.
#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
pub struct OverviewQuery {
    /// Fiscal year (required).
    fiscal_year: i32,
    /// Only this company.
    company_id: Option<i64>,
    /// Only companies whose registered target level is this (1–3).
    level: Option<u8>,
    /// Only companies whose sheets are in this status.
    status: Option<String>,
    /// Only companies that submitted (`true`) or did not (`false`).
    submitted: Option<bool>,
    /// Only risk scores at or above this.
    min_risk: Option<u8>,
    /// `code` (default), `risk` (highest first) or `priority` (risk × business impact).
    sort: Option<String>,
    /// Page, from 1.
    page: Option<u32>,
    /// Per page (1–200, default 50).
    per_page: Option<u32>,
}

fn company_filter(
    company_id: Option<i64>,
    level_n: Option<u8>,
    status: Option<&str>,
    submitted: Option<bool>,
    min_risk: Option<u8>,
) -> Result<CompanyFilter, ApiError> {
    Ok(CompanyFilter {
        company_id,
        level: level(level_n)?,
        statuses: parse::<SubmissionStatus>(status)?.into_iter().collect(),
        submitted,
        min_risk,
    })
}

/// The group overview of a fiscal year: each company with its self,
/// suggested and reviewed achievement per level and against its target
/// level, risk, open flags and status, or that it has not submitted; and
/// the group's figures for the companies the filter keeps.
#[utoipa::path(tag = "dashboards", security(("bearer" = [])), params(OverviewQuery), responses((status = 200, body = OverviewDto), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody)))]
#[get("/dashboards/overview")]
pub async fn get_overview(
    state: web::Data<AppState>,
    caller: Caller,
    q: web::Query<OverviewQuery>,
) -> Result<web::Json<OverviewDto>, ApiError> {
    caller.require(GROUP_READERS)?;
    let page = PageRequest::new(q.page, q.per_page)?;
    let fy = year(q.fiscal_year)?;
    let filter = company_filter(q.company_id, q.level, q.status.as_deref(), q.submitted, q.min_risk)?;
    let order = match q.sort.as_deref() {
        None | Some("code") => Order::Code,
        Some("risk") => Order::Risk,
        Some("priority") => Order::Priority,
        Some(other) => {
            return Err(bad_query(format!(
                "sort {other:?}: use code, risk or priority (sort は code / risk / priority)"
            )));
        }
    };
    let (lines, total, group) =
        db(&state, move |conn| Ok(dashboards::overview(conn, fy, &filter, order, page.offset(), page.limit())?))
            .await?;
    Ok(web::Json(OverviewDto {
        group: (&group).into(),
        companies: page.page(lines.iter().map(OverviewLineDto::from).collect(), total),
    }))
}

/// Query of `GET /api/v1/dashboards/review-queue`.
#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
pub struct QueueQuery {
    /// Fiscal year (required).
    fiscal_year: i32,
    /// Only this company.
    company_id: Option<i64>,
    /// Only companies whose registered target level is this (1–3).
    level: Option<u8>,
    /// Only this status (default: `submitted` and `in_review`).
    status: Option<String>,
    /// Only risk scores at or above this.
    min_risk: Option<u8>,
    /// Page, from 1.
    page: Option<u32>,
    /// Per page (1–200, default 50).
    per_page: Option<u32>,
}

/// The review queue of a fiscal year: sheets waiting for a reviewer
/// (submitted or in review), highest risk × business impact first (seed
/// question 8), ties by risk, then company code.
#[utoipa::path(tag = "dashboards", security(("bearer" = [])), params(QueueQuery), responses((status = 200, body = Page<OverviewLineDto>), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody)))]
#[get("/dashboards/review-queue")]
pub async fn get_review_queue(
    state: web::Data<AppState>,
    caller: Caller,
    q: web::Query<QueueQuery>,
) -> Result<web::Json<Page<OverviewLineDto>>, ApiError> {
    caller.require(GROUP_READERS)?;
    let page = PageRequest::new(q.page, q.per_page)?;
    let fy = year(q.fiscal_year)?;
    let mut filter = company_filter(q.company_id, q.level, q.status.as_deref(), Some(true), q.min_risk)?;
    if filter.statuses.is_empty() {
        filter.statuses = vec![SubmissionStatus::Submitted, SubmissionStatus::InReview];
    }
    let (lines, total, _) = db(&state, move |conn| {
        Ok(dashboards::overview(conn, fy, &filter, Order::Priority, page.offset(), page.limit())?)
    })
    .await?;
    Ok(web::Json(page.page(lines.iter().map(OverviewLineDto::from).collect(), total)))
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

/// Query of `GET /api/v1/dashboards/trend`.
#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
pub struct TrendQuery {
    /// Also this company's own figures per year.
    company_id: Option<i64>,
    /// Group figures over companies whose registered target level is this (1–3).
    level: Option<u8>,
    /// From this fiscal year.
    from: Option<i32>,
    /// Up to this fiscal year.
    to: Option<i32>,
}

/// The trend over fiscal years: the group's figures per year, and one
/// company's next to them.
#[utoipa::path(tag = "dashboards", security(("bearer" = [])), params(TrendQuery), responses((status = 200, body = TrendDto), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
#[get("/dashboards/trend")]
pub async fn get_trend(
    state: web::Data<AppState>,
    caller: Caller,
    q: web::Query<TrendQuery>,
) -> Result<web::Json<TrendDto>, ApiError> {
    caller.require(GROUP_READERS)?;
    let filter = CompanyFilter { level: level(q.level)?, ..CompanyFilter::default() };
    let (from, to) = (q.from.map(year).transpose()?, q.to.map(year).transpose()?);
    let in_range = move |y: FiscalYear| from.is_none_or(|f| y >= f) && to.is_none_or(|t| y <= t);
    let company_id = q.company_id;
    let (group, company) = db(&state, move |conn| {
        let group: Vec<GroupFigures> =
            dashboards::trend(conn, &filter)?.into_iter().filter(|g| in_range(g.fiscal_year)).collect();
        let company = match company_id {
            Some(id) => {
                let c = companies::get(conn, id)?;
                let years = hyoka_model::db::summaries::of_company(conn, id)?
                    .into_iter()
                    .filter(|s| in_range(s.fiscal_year))
                    .collect::<Vec<_>>();
                Some((c, years))
            }
            None => None,
        };
        Ok((group, company))
    })
    .await?;
    Ok(web::Json(TrendDto {
        group: group.iter().map(GroupFiguresDto::from).collect(),
        company: company.map(|(c, years)| CompanyTrendDto {
            company: (&c).into(),
            years: years.iter().map(CompanyYearFigures::from).collect(),
        }),
    }))
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

/// Query of `GET /api/v1/dashboards/items`.
#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
pub struct ItemsQuery {
    /// Fiscal year (required).
    fiscal_year: i32,
    /// Only this company's sheets.
    company_id: Option<i64>,
    /// Only items of this level (1–3).
    level: Option<u8>,
    /// Only this item.
    item: Option<u16>,
    /// Count only flags of this rule.
    rule: Option<String>,
    /// Count only flags of this severity (`info`, `low`, `medium`, `high`).
    severity: Option<String>,
    /// Count only flags whose latest decision is this (`undecided`, `confirmed`, `dismissed`).
    decision: Option<String>,
    /// Page, from 1.
    page: Option<u32>,
    /// Per page (1–200, default 50).
    per_page: Option<u32>,
}

/// The items of a fiscal year, most often flagged across the group first,
/// with how the companies score on each and the weakest company per item.
#[utoipa::path(tag = "dashboards", security(("bearer" = [])), params(ItemsQuery), responses((status = 200, body = Page<ItemLineDto>), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody)))]
#[get("/dashboards/items")]
pub async fn get_item_dashboard(
    state: web::Data<AppState>,
    caller: Caller,
    q: web::Query<ItemsQuery>,
) -> Result<web::Json<Page<ItemLineDto>>, ApiError> {
    caller.require(GROUP_READERS)?;
    let page = PageRequest::new(q.page, q.per_page)?;
    let fy = year(q.fiscal_year)?;
    let filter = ItemFilter {
        company_id: q.company_id,
        level: level(q.level)?,
        item: q.item.map(|i| ItemNumber::new(i).map_err(bad_query)).transpose()?,
        rule: q.rule.clone(),
        severity: parse::<Severity>(q.severity.as_deref())?,
        decision: parse::<DecisionFilter>(q.decision.as_deref())?,
    };
    let framework = hyoka_model::catalog::Catalog::builtin()
        .map_err(|e| {
            tracing::error!(error = %e, "the built-in catalog does not load");
            ApiError::Internal
        })?
        .framework
        .id;
    let lines = db(&state, move |conn| Ok(dashboards::items(conn, &framework, fy, &filter)?)).await?;
    let (lines, total) = page.slice(lines);
    let items = lines
        .iter()
        .map(|l| ItemLineDto {
            item: l.item,
            level: l.level.map(Level::number),
            subject_ja: l.subject_ja.clone(),
            flags: ItemFlagsDto {
                total: l.flags.total,
                sheets: l.flags.sheets,
                open: l.flags.open,
                confirmed: l.flags.confirmed,
                dismissed: l.flags.dismissed,
            },
            claimed: l.claimed.into(),
            estimated: l.estimated.into(),
            weakest: l.weakest.as_ref().map(|w| WeakestDto {
                company_id: w.company_id,
                code: w.code.clone(),
                name: w.name.clone(),
                score: w.score,
                risk: w.risk,
                companies_at_lowest: w.companies_at_lowest,
            }),
        })
        .collect();
    Ok(web::Json(page.page(items, total)))
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

/// Query of `GET /api/v1/submissions/{id}/compare`.
#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
pub struct CompareQuery {
    /// `previous_revision` (default), `previous_year`, or the id of another sheet of the same company.
    against: Option<String>,
    /// Only items of this level (on either side).
    level: Option<u8>,
    /// Only this item.
    item: Option<u16>,
    /// Only items with a flag of this rule (on either side).
    rule: Option<String>,
    /// Only items with a flag of this severity (on either side).
    severity: Option<String>,
    /// Only items with a flag whose latest decision is this (on either side).
    decision: Option<String>,
    /// Only items whose score or evidence changed.
    #[serde(default)]
    changed_only: bool,
}

fn side_dto(side: &dashboards::Side, item: u16, shown: bool) -> Option<CompareSideDto> {
    let answer = side.answers.get(&item)?;
    Some(CompareSideDto {
        answer: answer.into(),
        flags: shown.then(|| {
            side.flags
                .get(&item)
                .map(|v| v.iter().map(|(f, r)| FlagDto::new(f, r.as_ref())).collect())
                .unwrap_or_default()
        }),
    })
}

/// One sheet side by side with another, item by item: score, evidence and
/// flags. By default against the revision before it; `against=previous_year`
/// compares with last fiscal year's current sheet (seed: a score raised
/// while the evidence stayed the same deserves a question). A subsidiary
/// user compares its own company's sheets; flags show once released.
#[utoipa::path(tag = "submissions", security(("bearer" = [])), params(("id" = i64, Path, description = "submission id"), CompareQuery), responses((status = 200, body = CompareDto), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody), (status = 404, body = ErrorBody)))]
#[get("/submissions/{id}/compare")]
pub async fn compare_submission(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<i64>,
    q: web::Query<CompareQuery>,
) -> Result<web::Json<CompareDto>, ApiError> {
    caller.require(ANYONE)?;
    let id = id.into_inner();
    let against = match q.against.as_deref() {
        None | Some("previous_revision") => Against::PreviousRevision,
        Some("previous_year") => Against::PreviousYear,
        Some(other) => Against::Submission(other.parse().map_err(|_| {
            bad_query(format!(
                "against {other:?}: use previous_revision, previous_year or a submission id \
                 (against は previous_revision / previous_year / 提出物ID)"
            ))
        })?),
    };
    let level_f = level(q.level)?;
    let item_f = q.item;
    let rule_f = q.rule.clone();
    let severity_f = parse::<Severity>(q.severity.as_deref())?;
    let decision_f = parse::<DecisionFilter>(q.decision.as_deref())?;
    let changed_only = q.changed_only;
    let own = caller.own_company();
    let early = state.settings.subsidiary_sees_unreleased_flags;
    let (base, other, base_shown, other_shown) = db(&state, move |conn| {
        let s = submissions::get(conn, id)?;
        if own.is_some_and(|own| own != s.company_id) {
            return Err(ApiError::not_found(format!("submission {id}")));
        }
        let other_id = dashboards::counterpart(conn, &s, against)?;
        let shown = |conn: &mut hyoka_model::db::DbConn, sid: i64| -> Result<bool, ApiError> {
            Ok(own.is_none() || early || review::flags_released(conn, sid)?)
        };
        let base_shown = shown(conn, id)?;
        let base = dashboards::side(conn, id)?;
        let (other, other_shown) = match other_id {
            Some(o) => (Some(dashboards::side(conn, o)?), shown(conn, o)?),
            None => (None, false),
        };
        Ok((base, other, base_shown, other_shown))
    })
    .await?;
    let numbers: BTreeSet<u16> =
        base.answers.keys().chain(other.iter().flat_map(|o| o.answers.keys())).copied().collect();
    let flag_matches = |side: &dashboards::Side, shown: bool, item: u16| {
        shown
            && side.flags.get(&item).is_some_and(|v| {
                v.iter().any(|(f, r)| {
                    rule_f.as_ref().is_none_or(|rule| &f.flag.rule == rule)
                        && severity_f.is_none_or(|s| f.flag.severity == s)
                        && decision_f.is_none_or(|d| {
                            matches!(
                                (d, r.as_ref().map(|r| r.decision.code())),
                                (DecisionFilter::Undecided, None)
                                    | (DecisionFilter::Confirmed, Some("confirmed"))
                                    | (DecisionFilter::Dismissed, Some("dismissed"))
                            )
                        })
                })
            })
    };
    let wants_flag = rule_f.is_some() || severity_f.is_some() || decision_f.is_some();
    let (mut scores_changed, mut raised, mut lowered, mut evidence_changed) = (0, 0, 0, 0);
    let mut items = Vec::new();
    for n in numbers {
        let b = base.answers.get(&n);
        let o = other.as_ref().and_then(|o| o.answers.get(&n));
        let score_changed = other.is_some() && b.map(|a| a.evaluation) != o.map(|a| a.evaluation);
        let direction = match (b.and_then(|a| a.evaluation.points()), o.and_then(|a| a.evaluation.points())) {
            (Some(now), Some(before)) if now > before => Some("raised"),
            (Some(now), Some(before)) if now < before => Some("lowered"),
            _ => None,
        };
        let ev_changed = other.is_some() && b.map(|a| a.evidence.trim()) != o.map(|a| a.evidence.trim());
        scores_changed += usize::from(score_changed);
        raised += usize::from(score_changed && direction == Some("raised"));
        lowered += usize::from(score_changed && direction == Some("lowered"));
        evidence_changed += usize::from(ev_changed);
        let lv = b.or(o).map(|a| a.level);
        if level_f.is_some_and(|l| Some(l) != lv)
            || item_f.is_some_and(|i| i != n)
            || (changed_only && !score_changed && !ev_changed)
            || (wants_flag
                && !flag_matches(&base, base_shown, n)
                && !other.as_ref().is_some_and(|o| flag_matches(o, other_shown, n)))
        {
            continue;
        }
        items.push(CompareItemDto {
            item: n,
            base: side_dto(&base, n, base_shown),
            other: other.as_ref().and_then(|o| side_dto(o, n, other_shown)),
            score_changed,
            direction: direction.map(str::to_owned),
            evidence_changed: ev_changed,
        });
    }
    Ok(web::Json(CompareDto {
        base: (&base.submission).into(),
        other: other.as_ref().map(|o| (&o.submission).into()),
        scores_changed,
        raised,
        lowered,
        evidence_changed,
        items,
    }))
}
