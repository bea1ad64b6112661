//! Dashboards for parent-company IT and auditors: the group overview of a
//! fiscal year, the review queue, the trend over years, the items most
//! often flagged with the weakest company per item; and, per submission,
//! the side-by-side comparison with another revision or last year's sheet.
//!
//! They read the summaries kept at upload, analysis and review time
//! (`hyoka_model::db::summaries`), never every answer. Every query struct
//! refuses parameters it does not know, so a filter a view does not offer is
//! a 400, not silently ignored.

use actix_web::{get, web};
use hyoka_model::db::companies;
use hyoka_model::db::dashboards::{self, Against, CompanyFilter, GroupFigures, ItemFilter, Order};
use hyoka_model::db::review::DecisionFilter;
use hyoka_model::domain::{FiscalYear, ItemNumber, Level, Severity};
use hyoka_model::workflow::SubmissionStatus;
use hyoka_service::compare::{self, CompareFilter};
use serde::Deserialize;
use utoipa::IntoParams;

use super::companies::year;
use super::flags::bad_query;
use super::{ANYONE, GROUP_READERS, db};
use crate::AppState;
use crate::auth::Caller;
use crate::dto::{
    CompanyTrendDto, CompanyYearFigures, CompareDto, CompareItemDto, CompareSideDto, FlagDto, GroupFiguresDto,
    ItemFlagsDto, ItemLineDto, OverviewDto, OverviewLineDto, TrendDto, WeakestDto,
};
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
    let (lines, total) =
        db(&state, move |conn| Ok(dashboards::lines(conn, fy, &filter, Order::Priority, page.offset(), page.limit())?))
            .await?;
    Ok(web::Json(page.page(lines.iter().map(OverviewLineDto::from).collect(), total)))
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
    let filter = CompareFilter {
        level: level(q.level)?,
        item: q.item,
        rule: q.rule.clone(),
        severity: parse::<Severity>(q.severity.as_deref())?,
        decision: parse::<DecisionFilter>(q.decision.as_deref())?,
        changed_only: q.changed_only,
    };
    let access = caller.access(&state.settings);
    let c = db(&state, move |conn| Ok(compare::compare(conn, &access, id, against, &filter)?)).await?;
    let items = c
        .items
        .iter()
        .map(|i| CompareItemDto {
            item: i.item,
            base: side_dto(&c.base, i.item, c.base_shown),
            other: c.other.as_ref().and_then(|o| side_dto(o, i.item, c.other_shown)),
            score_changed: i.score_changed,
            direction: i.direction.map(|d| d.code().to_owned()),
            evidence_changed: i.evidence_changed,
        })
        .collect();
    Ok(web::Json(CompareDto {
        base: (&c.base.submission).into(),
        other: c.other.as_ref().map(|o| (&o.submission).into()),
        scores_changed: c.scores_changed,
        raised: c.raised,
        lowered: c.lowered,
        evidence_changed: c.evidence_changed,
        items,
    }))
}
