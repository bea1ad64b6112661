//! The group pages for parent-company IT and auditors: the overview of a
//! fiscal year with its company × level heat map, a company over the years,
//! and the items and responsible areas across the group.
//!
//! Every figure comes from the same model functions as the JSON dashboards
//! (`dashboards::overview`, `trend`, `items`, `areas`) and is shown through
//! the API's DTOs, so a page and `GET /api/v1/dashboards/…` agree. Who sees
//! what is `hyoka_service::access`, as for `GET /api/v1/companies/{id}`.
//! A child of `pages`, so it shares its viewer, chrome and `page!`.

use std::collections::BTreeMap;

use actix_web::http::StatusCode;
use actix_web::{HttpResponse, web};
use askama::Template;
use hyoka_api::dto::{CompanyYearFigures, DistributionDto, GroupFiguresDto, OverviewLineDto, RateSetDto};
use hyoka_model::db::{DbConn, collections, companies, dashboards, review, summaries};
use hyoka_model::domain::{FiscalYear, Level, Role};
use hyoka_model::summary::View;
use hyoka_model::workflow::SubmissionStatus;

use super::{Chrome, PageFailure, Viewer, default_year, fy, html, status_words};
use crate::i18n::{self, Lang, Texts};

/// Registers the group pages (called from `pages::scope`).
pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.route("/overview", web::get().to(overview))
        .route("/companies/{id}", web::get().to(company))
        .route("/items", web::get().to(items));
}

const GROUP_READERS: &[Role] = &[Role::Admin, Role::Reviewer, Role::Auditor];

/// Companies per page of the overview.
pub const PER_PAGE: i64 = 50;

type Query = web::Query<BTreeMap<String, String>>;

/// Refuses a query key a page does not know.
fn known(q: &BTreeMap<String, String>, keys: &[&str]) -> Result<(), PageFailure> {
    match q.keys().find(|k| !keys.contains(&k.as_str())) {
        Some(k) => {
            Err(PageFailure::Invalid(format!("{k}: not a filter of this page / このページの条件ではありません")))
        }
        None => Ok(()),
    }
}

/// A query value, empty counting as absent.
fn value<'a>(q: &'a BTreeMap<String, String>, key: &str) -> Option<&'a str> {
    q.get(key).map(|v| v.trim()).filter(|v| !v.is_empty())
}

fn number<T: std::str::FromStr>(q: &BTreeMap<String, String>, key: &str) -> Result<Option<T>, PageFailure> {
    value(q, key)
        .map(|v| {
            v.parse::<T>().map_err(|_| PageFailure::Invalid(format!("{key} {v:?} / {key} の値が正しくありません")))
        })
        .transpose()
}

fn level_of(q: &BTreeMap<String, String>) -> Result<Option<Level>, PageFailure> {
    number::<u8>(q, "level")?.map(|n| Level::try_from(n).map_err(|e| PageFailure::Invalid(e.to_string()))).transpose()
}

fn page_of(q: &BTreeMap<String, String>) -> Result<i64, PageFailure> {
    match number::<i64>(q, "page")? {
        None => Ok(1),
        Some(p) if (1..=100_000).contains(&p) => Ok(p),
        Some(p) => Err(PageFailure::Invalid(format!("page {p}"))),
    }
}

fn framework() -> Result<String, PageFailure> {
    Ok(hyoka_model::catalog::Catalog::builtin().map_err(|_| PageFailure::Internal)?.framework.id)
}

/// The year asked for, else the default (as the review queue's).
fn year_or_default(conn: &mut DbConn, asked: Option<FiscalYear>) -> Result<FiscalYear, PageFailure> {
    match asked {
        Some(y) => Ok(y),
        None => default_year(conn),
    }
}

/// A selectable value of a filter: (value, label, selected).
pub type Choice = (String, String, bool);

fn choices(current: &str, options: Vec<(String, String)>) -> Vec<Choice> {
    options.into_iter().map(|(v, l)| (v.clone(), l, v == current)).collect()
}

/// One cell of the heat map.
pub struct Cell {
    /// What it says: `85%`, `▲12`, `±0` or `—`.
    pub text: String,
    /// Its colour class (`heat-0` … `heat-9`, `gap-0` … `gap-4`, `none`).
    pub class: &'static str,
}

const HEAT: [&str; 10] =
    ["heat-0", "heat-1", "heat-2", "heat-3", "heat-4", "heat-5", "heat-6", "heat-7", "heat-8", "heat-9"];

/// A rate's cell: the percentage on a ten-step cividis scale.
pub fn rate_cell(rate: Option<f64>) -> Cell {
    match rate {
        Some(r) => {
            let bucket = ((r * 10.0).floor().max(0.0) as usize).min(9);
            Cell { text: i18n::percent(Some(r)), class: HEAT[bucket] }
        }
        None => Cell { text: "—".into(), class: "none" },
    }
}

/// The gap between self and suggested in percentage points, rounded: ▲ and
/// the number when the company rates itself higher than hyoka suggests.
pub fn gap_cell(own: Option<f64>, suggested: Option<f64>) -> Cell {
    let (Some(a), Some(b)) = (own, suggested) else { return Cell { text: "—".into(), class: "none" } };
    let pp = ((a - b) * 100.0).round() as i64;
    let class = match pp {
        i64::MIN..=0 => "gap-0",
        1..=5 => "gap-1",
        6..=15 => "gap-2",
        16..=30 => "gap-3",
        _ => "gap-4",
    };
    let text = match pp {
        0 => "±0".to_owned(),
        p if p > 0 => format!("▲{p}"),
        p => format!("▼{}", -p),
    };
    Cell { text, class }
}

fn rate_list(r: &RateSetDto) -> [Option<f64>; 5] {
    [r.lv1, r.lv2, r.lv3, r.target, r.overall]
}

// ---------------------------------------------------------------- overview

/// One company on the heat map.
pub struct HeatRow {
    /// Company id.
    pub id: i64,
    /// Code.
    pub code: String,
    /// Name.
    pub name: String,
    /// Status in words.
    pub status: &'static str,
    /// Status code (for the CSS class).
    pub status_code: String,
    /// Target level.
    pub target_level: u8,
    /// Risk or a dash.
    pub risk: String,
    /// Residual risk after review, or a dash.
    pub residual: String,
    /// Lv1, Lv2, Lv3, target, overall; empty when it has not submitted.
    pub cells: Vec<Cell>,
    /// SCS ★3 readiness on the estimated basis, or a dash.
    pub scs: String,
}

/// One figure of the year.
pub struct Figure {
    /// Its label.
    pub label: &'static str,
    /// Its value.
    pub value: String,
    /// Its id (for tests and links).
    pub id: &'static str,
}

#[derive(Template)]
#[template(path = "overview.html")]
struct OverviewPage {
    c: Chrome,
    year: String,
    fiscal_year: i32,
    figures: Vec<Figure>,
    rows: Vec<HeatRow>,
    view: String,
    views: Vec<Choice>,
    statuses: Vec<Choice>,
    levels: Vec<Choice>,
    sorts: Vec<Choice>,
    min_risk: String,
    page: i64,
    pages: i64,
    total: i64,
    prev: Option<String>,
    next: Option<String>,
    view_links: Vec<(String, String, bool)>,
    generated: String,
    filters: String,
}

/// The overview's filters, parsed and checked.
struct OverviewAsk {
    year: Option<FiscalYear>,
    status: String,
    level: Option<Level>,
    min_risk: Option<u8>,
    sort: String,
    view: String,
    page: i64,
}

const STATUS_VALUES: [&str; 6] = ["", "not_submitted", "submitted", "in_review", "returned", "accepted"];
const SORTS: [&str; 3] = ["code", "risk", "priority"];
const VIEWS: [&str; 4] = ["self", "suggested", "reviewed", "gap"];

impl OverviewAsk {
    fn parse(q: &BTreeMap<String, String>) -> Result<OverviewAsk, PageFailure> {
        known(q, &["fiscal_year", "status", "level", "min_risk", "sort", "view", "page"])?;
        let pick = |key: &str, allowed: &[&str], default: &str| -> Result<String, PageFailure> {
            let v = value(q, key).unwrap_or(default);
            if allowed.contains(&v) {
                Ok(v.to_owned())
            } else {
                Err(PageFailure::Invalid(format!("{key} {v:?}: {} / {key} の値が正しくありません", allowed.join(", "))))
            }
        };
        let min_risk = number::<u8>(q, "min_risk")?;
        if min_risk.is_some_and(|r| r > 100) {
            return Err(PageFailure::Invalid("min_risk: 0–100".into()));
        }
        Ok(OverviewAsk {
            year: fy(value(q, "fiscal_year"))?,
            status: pick("status", &STATUS_VALUES, "")?,
            level: level_of(q)?,
            min_risk,
            sort: pick("sort", &SORTS, "code")?,
            view: pick("view", &VIEWS, "self")?,
            page: page_of(q)?,
        })
    }

    fn filter(&self) -> dashboards::CompanyFilter {
        let mut f = dashboards::CompanyFilter { level: self.level, min_risk: self.min_risk, ..Default::default() };
        match self.status.as_str() {
            "" => {}
            "not_submitted" => f.submitted = Some(false),
            s => f.statuses = s.parse::<SubmissionStatus>().into_iter().collect(),
        }
        f
    }

    fn order(&self) -> dashboards::Order {
        match self.sort.as_str() {
            "risk" => dashboards::Order::Risk,
            "priority" => dashboards::Order::Priority,
            _ => dashboards::Order::Code,
        }
    }

    /// The page's address with these filters and another view or page.
    fn url(&self, year: FiscalYear, view: &str, page: i64) -> String {
        let mut parts = vec![format!("fiscal_year={}", year.get())];
        if !self.status.is_empty() {
            parts.push(format!("status={}", self.status));
        }
        if let Some(l) = self.level {
            parts.push(format!("level={}", l.number()));
        }
        if let Some(r) = self.min_risk {
            parts.push(format!("min_risk={r}"));
        }
        parts.push(format!("sort={}", self.sort));
        parts.push(format!("view={view}"));
        if page > 1 {
            parts.push(format!("page={page}"));
        }
        format!("/ui/overview?{}", parts.join("&"))
    }
}

fn view_label(t: &'static Texts, v: &str) -> &'static str {
    match v {
        "suggested" => t.rate_suggested,
        "reviewed" => t.rate_reviewed,
        "gap" => t.view_gap,
        _ => t.rate_self,
    }
}

fn sort_label(t: &'static Texts, v: &str) -> &'static str {
    match v {
        "risk" => t.risk,
        "priority" => t.priority,
        _ => t.company_code,
    }
}

fn status_label(t: &'static Texts, v: &str) -> &'static str {
    if v.is_empty() { t.any } else { status_words(t, v) }
}

/// The heat map's cells of one company in one view.
fn cells(y: &CompanyYearFigures, view: &str) -> Vec<Cell> {
    let own = rate_list(&y.rates.self_rated);
    match view {
        "gap" => {
            let sug = rate_list(&y.rates.suggested);
            own.iter().zip(sug).map(|(a, b)| gap_cell(*a, b)).collect()
        }
        "suggested" => rate_list(&y.rates.suggested).into_iter().map(rate_cell).collect(),
        "reviewed" => rate_list(&y.rates.reviewed).into_iter().map(rate_cell).collect(),
        _ => own.into_iter().map(rate_cell).collect(),
    }
}

fn mean(v: Option<f64>) -> String {
    v.map_or_else(|| "—".to_owned(), |m| format!("{m:.1}"))
}

async fn overview(viewer: Viewer, q: Query) -> HttpResponse {
    page!(
        viewer,
        async {
            viewer.require(GROUP_READERS)?;
            let ask = OverviewAsk::parse(&q)?;
            let (filter, order, offset, asked) = (ask.filter(), ask.order(), (ask.page - 1) * PER_PAGE, ask.year);
            let (year, lines, total, group, deadline) = viewer
                .db(move |conn| {
                    let year = year_or_default(conn, asked)?;
                    let (lines, total, group) = dashboards::overview(conn, year, &filter, order, offset, PER_PAGE)?;
                    let deadline = collections::latest_deadline(conn, year)?;
                    Ok((year, lines, total, group, deadline))
                })
                .await?;
            let lang = viewer.lang;
            let t = lang.texts();
            let g = GroupFiguresDto::from(&group);
            let overdue = match deadline {
                Some(d) if d < i18n::today_jst() => g.not_submitted,
                _ => 0,
            };
            let figures = vec![
                Figure { label: t.fig_companies, value: g.companies.to_string(), id: "fig-companies" },
                Figure { label: t.fig_submitted, value: g.submitted.to_string(), id: "fig-submitted" },
                Figure { label: t.status_not_submitted, value: g.not_submitted.to_string(), id: "fig-not-submitted" },
                Figure { label: t.fig_overdue, value: overdue.to_string(), id: "fig-overdue" },
                Figure {
                    label: t.fig_mean_self,
                    value: i18n::percent(g.mean_rates.self_rated.target),
                    id: "fig-mean-self",
                },
                Figure {
                    label: t.fig_mean_suggested,
                    value: i18n::percent(g.mean_rates.suggested.target),
                    id: "fig-mean-suggested",
                },
                Figure {
                    label: t.fig_mean_reviewed,
                    value: i18n::percent(g.mean_rates.reviewed.target),
                    id: "fig-mean-reviewed",
                },
                Figure { label: t.open_flags, value: g.flags.open.to_string(), id: "fig-open-flags" },
                Figure { label: t.fig_mean_risk, value: mean(g.mean_risk), id: "fig-mean-risk" },
            ];
            let scs_mapping = super::scs::mapping()?;
            let rows = lines
                .iter()
                .map(|l| (OverviewLineDto::from(l), super::scs::star3_estimated(scs_mapping, l.summary.as_ref())))
                .map(|(l, scs)| {
                    let status_code = l.year.as_ref().map_or("not_submitted".to_owned(), |y| y.status.clone());
                    HeatRow {
                        id: l.company.id,
                        status: status_words(t, &status_code),
                        status_code,
                        target_level: l.year.as_ref().map_or(l.company.target_level, |y| y.target_level),
                        risk: l.year.as_ref().and_then(|y| y.risk).map_or_else(|| "—".into(), |r| r.to_string()),
                        residual: l
                            .year
                            .as_ref()
                            .and_then(|y| y.residual_risk)
                            .map_or_else(|| "—".into(), |r| r.to_string()),
                        cells: l.year.as_ref().map(|y| cells(y, &ask.view)).unwrap_or_default(),
                        scs,
                        code: l.company.code,
                        name: l.company.name,
                    }
                })
                .collect();
            let pages = ((total + PER_PAGE - 1) / PER_PAGE).max(1);
            let filters = format!(
                "{}: {} / {}: {} / {}: {} / {}: {} / {}: {} / {}: {}",
                t.fiscal_year,
                i18n::fiscal_year(lang, year.get()),
                t.status_label,
                status_label(t, &ask.status),
                t.target_level,
                ask.level.map_or_else(|| t.any.to_owned(), |l| format!("Lv{}", l.number())),
                t.min_risk,
                ask.min_risk.map_or_else(|| t.any.to_owned(), |r| r.to_string()),
                t.sort_by,
                sort_label(t, &ask.sort),
                t.heat_view,
                view_label(t, &ask.view),
            );
            let page = OverviewPage {
                year: i18n::fiscal_year(lang, year.get()),
                fiscal_year: year.get(),
                figures,
                rows,
                views: choices(&ask.view, VIEWS.iter().map(|v| (v.to_string(), view_label(t, v).to_owned())).collect()),
                view_links: VIEWS
                    .iter()
                    .map(|v| (ask.url(year, v, 1), view_label(t, v).to_owned(), *v == ask.view))
                    .collect(),
                statuses: choices(
                    &ask.status,
                    STATUS_VALUES.iter().map(|v| (v.to_string(), status_label(t, v).to_owned())).collect(),
                ),
                levels: choices(
                    &ask.level.map(|l| l.number().to_string()).unwrap_or_default(),
                    std::iter::once((String::new(), t.any.to_owned()))
                        .chain((1..=3).map(|n| (n.to_string(), format!("Lv{n}"))))
                        .collect(),
                ),
                sorts: choices(&ask.sort, SORTS.iter().map(|v| (v.to_string(), sort_label(t, v).to_owned())).collect()),
                min_risk: ask.min_risk.map(|r| r.to_string()).unwrap_or_default(),
                page: ask.page,
                pages,
                total,
                prev: (ask.page > 1).then(|| ask.url(year, &ask.view, ask.page - 1)),
                next: (ask.page < pages).then(|| ask.url(year, &ask.view, ask.page + 1)),
                view: ask.view,
                generated: i18n::time_jst(hyoka_model::time::now()),
                filters,
                c: viewer.chrome(),
            };
            Ok(html(StatusCode::OK, page.render()))
        }
        .await
    )
}

// ---------------------------------------------------------------- company

/// One series of the trend chart.
pub struct Series {
    /// Its label.
    pub label: &'static str,
    /// CSS class (colour and dash pattern).
    pub class: &'static str,
    /// `x,y x,y …` of the polyline.
    pub points: String,
    /// The markers: (x, y, "FY2025: 85%").
    pub marks: Vec<(f64, f64, String)>,
}

/// The trend chart's geometry and content.
pub struct Chart {
    /// Width.
    pub width: f64,
    /// Height.
    pub height: f64,
    /// Left edge of the plot.
    pub left: f64,
    /// Right edge of the plot.
    pub right: f64,
    /// Top of the plot.
    pub top: f64,
    /// Bottom of the plot.
    pub bottom: f64,
    /// Y grid lines: (y, label).
    pub y_ticks: Vec<(f64, String)>,
    /// X labels: (x, label).
    pub x_ticks: Vec<(f64, String)>,
    /// The lines.
    pub series: Vec<Series>,
    /// Legend entries: (y, class, label).
    pub legend: Vec<(f64, &'static str, &'static str)>,
}

const CHART_W: f64 = 720.0;
const CHART_H: f64 = 300.0;
const PLOT: (f64, f64, f64, f64) = (68.0, 560.0, 20.0, 260.0); // left, right, top, bottom

/// The chart of some series (label, class, rate per year) over `years`.
pub fn chart(lang: Lang, years: &[i32], series: Vec<(&'static str, &'static str, Vec<Option<f64>>)>) -> Chart {
    let (left, right, top, bottom) = PLOT;
    let x = |i: usize| {
        if years.len() <= 1 {
            (left + right) / 2.0
        } else {
            left + (right - left) * i as f64 / (years.len() - 1) as f64
        }
    };
    let y = |r: f64| bottom - (bottom - top) * r.clamp(0.0, 1.0);
    let round = |v: f64| (v * 10.0).round() / 10.0;
    let short = |year: i32| match lang {
        Lang::Ja => format!("{year}年度"),
        Lang::En => format!("FY{year}"),
    };
    let mut legend = Vec::new();
    let series = series
        .into_iter()
        .enumerate()
        .map(|(n, (label, class, rates))| {
            legend.push((top + 14.0 + 24.0 * n as f64, class, label));
            let marks: Vec<(f64, f64, String)> = rates
                .iter()
                .enumerate()
                .filter_map(|(i, r)| {
                    let r = (*r)?;
                    Some((round(x(i)), round(y(r)), format!("{} {label}: {}", short(years[i]), i18n::percent(Some(r)))))
                })
                .collect();
            let points = marks.iter().map(|(px, py, _)| format!("{px},{py}")).collect::<Vec<_>>().join(" ");
            Series { label, class, points, marks }
        })
        .collect();
    Chart {
        width: CHART_W,
        height: CHART_H,
        left,
        right,
        top,
        bottom,
        y_ticks: (0..=4).map(|k| (round(y(f64::from(k) / 4.0)), format!("{}%", k * 25))).collect(),
        x_ticks: years.iter().enumerate().map(|(i, yr)| (round(x(i)), short(*yr))).collect(),
        series,
        legend,
    }
}

/// One year of the company's trend table.
pub struct TrendRow {
    /// Fiscal year in words.
    pub year: String,
    /// Self, suggested, reviewed, group mean (target level).
    pub rates: [String; 4],
    /// Risk.
    pub risk: String,
    /// Residual risk after review.
    pub residual: String,
    /// Status in words.
    pub status: &'static str,
    /// The latest current sheet.
    pub submission_id: Option<i64>,
}

/// One sheet of the company.
pub struct SheetRow {
    /// Submission id.
    pub id: i64,
    /// Fiscal year in words.
    pub year: String,
    /// Revision.
    pub revision: u32,
    /// Status in words.
    pub status: &'static str,
    /// Upload time (JST).
    pub uploaded_at: String,
    /// The file's name.
    pub file: String,
    /// Whether it is the current revision.
    pub current: bool,
}

/// One responsible area, as shown.
pub struct AreaRow {
    /// The area, or "not given".
    pub area: String,
    /// Its items (`No.1, No.5 …`).
    pub items: String,
    /// How many items.
    pub count: usize,
    /// Self, suggested, reviewed.
    pub rates: Vec<Cell>,
    /// Flags: total, open, confirmed, dismissed (dashes when hidden).
    pub flags: [String; 4],
}

fn area_rows(t: &'static Texts, lines: &[dashboards::AreaLine], findings: bool) -> Vec<AreaRow> {
    lines
        .iter()
        .map(|a| AreaRow {
            area: a.area.clone().unwrap_or_else(|| t.area_none.to_owned()),
            count: a.items.len(),
            items: {
                let listed: Vec<String> = a.items.iter().take(12).map(|n| format!("No.{n}")).collect();
                let more = a.items.len().saturating_sub(12);
                if more > 0 { format!("{} …(+{more})", listed.join(", ")) } else { listed.join(", ") }
            },
            rates: View::ALL
                .iter()
                .map(
                    |v| {
                        if *v == View::Claimed || findings {
                            rate_cell(a.mean_rates[v.index()])
                        } else {
                            rate_cell(None)
                        }
                    },
                )
                .collect(),
            flags: if findings {
                [a.flags.total, a.flags.open, a.flags.confirmed, a.flags.dismissed].map(|n| n.to_string())
            } else {
                ["—", "—", "—", "—"].map(str::to_owned)
            },
        })
        .collect()
}

#[derive(Template)]
#[template(path = "company.html")]
struct CompanyPage {
    c: Chrome,
    title: String,
    industry: String,
    target_level: u8,
    impact_tier: u8,
    chart: Option<Chart>,
    chart_title: String,
    trend: Vec<TrendRow>,
    show_group: bool,
    sheets: Vec<SheetRow>,
    sizes: Vec<(String, String, String)>,
    compare: Option<i64>,
    area_year: String,
    areas: Vec<AreaRow>,
    scs: Option<super::scs::Section>,
    generated: String,
}

async fn company(viewer: Viewer, id: web::Path<i64>, q: Query) -> HttpResponse {
    let id = id.into_inner();
    page!(
        viewer,
        async {
            known(&q, &["fiscal_year"])?;
            let asked = fy(value(&q, "fiscal_year"))?;
            let access = viewer.access();
            let fw = framework()?;
            let data = viewer
                .db(move |conn| {
                    let company = access.company(conn, id)?;
                    let sizes = companies::years_of(conn, id)?;
                    let years = summaries::of_company(conn, id)?;
                    // Suggested, reviewed, risk and flags only where the caller sees the findings.
                    let mut shown = Vec::new();
                    for s in &years {
                        shown.push(access.sees_findings(conn, s.submission_id)?);
                    }
                    let group = if access.sees_group() {
                        dashboards::trend(conn, &dashboards::CompanyFilter::default())?
                    } else {
                        Vec::new()
                    };
                    let search = review::SubmissionSearch { company_id: Some(id), ..Default::default() };
                    let (sheets, _) = review::search_submissions(conn, &search, 0, 500)?;
                    let area_year = asked.or(years.last().map(|s| s.fiscal_year));
                    let area_shown = match area_year.and_then(|y| years.iter().position(|s| s.fiscal_year == y)) {
                        Some(i) => shown[i],
                        None => access.sees_group(),
                    };
                    let areas = match area_year {
                        Some(y) => {
                            let filter = dashboards::ItemFilter { company_id: Some(id), ..Default::default() };
                            let lines = dashboards::items(conn, &fw, y, &filter)?;
                            dashboards::areas(conn, &fw, y, Some(id), &lines)?
                        }
                        None => Vec::new(),
                    };
                    let scs = match area_year {
                        Some(y) => super::scs::load(conn, &access, id, y, area_shown)?,
                        None => None,
                    };
                    Ok((company, sizes, years, shown, group, sheets, area_year, area_shown, areas, scs))
                })
                .await?;
            let (company, sizes, years, shown, group, sheets, area_year, area_shown, areas, scs) = data;
            let lang = viewer.lang;
            let t = lang.texts();
            let figures: Vec<CompanyYearFigures> = years.iter().map(CompanyYearFigures::from).collect();
            let groups: BTreeMap<i32, GroupFiguresDto> =
                group.iter().map(|g| (g.fiscal_year.get(), GroupFiguresDto::from(g))).collect();
            let mut all_years: Vec<i32> = figures.iter().map(|f| f.fiscal_year).collect();
            if let (Some(first), Some(last)) = (all_years.first().copied(), all_years.last().copied()) {
                all_years.extend(groups.keys().copied().filter(|y| (first..=last).contains(y)));
            }
            all_years.sort_unstable();
            all_years.dedup();
            let by_year: BTreeMap<i32, (&CompanyYearFigures, bool)> =
                figures.iter().zip(shown.iter().copied()).map(|(f, s)| (f.fiscal_year, (f, s))).collect();
            let pick = |y: &i32, v: View| -> Option<f64> {
                let (f, s) = by_year.get(y)?;
                match v {
                    View::Claimed => f.rates.self_rated.target,
                    View::Suggested => s.then_some(f.rates.suggested.target).flatten(),
                    View::Reviewed => s.then_some(f.rates.reviewed.target).flatten(),
                }
            };
            let group_mean = |y: &i32| groups.get(y).and_then(|g| g.mean_rates.self_rated.target);
            let mut series = vec![
                (t.rate_self, "s-self", all_years.iter().map(|y| pick(y, View::Claimed)).collect::<Vec<_>>()),
                (t.rate_suggested, "s-suggested", all_years.iter().map(|y| pick(y, View::Suggested)).collect()),
                (t.rate_reviewed, "s-reviewed", all_years.iter().map(|y| pick(y, View::Reviewed)).collect()),
            ];
            let show_group = access.sees_group();
            if show_group {
                series.push((t.group_mean, "s-group", all_years.iter().map(group_mean).collect()));
            }
            let trend = all_years
                .iter()
                .map(|y| {
                    let f = by_year.get(y);
                    TrendRow {
                        year: i18n::fiscal_year(lang, *y),
                        rates: [
                            i18n::percent(pick(y, View::Claimed)),
                            i18n::percent(pick(y, View::Suggested)),
                            i18n::percent(pick(y, View::Reviewed)),
                            i18n::percent(group_mean(y)),
                        ],
                        risk: f
                            .filter(|(_, s)| *s)
                            .and_then(|(f, _)| f.risk)
                            .map_or_else(|| "—".into(), |r| r.to_string()),
                        residual: f
                            .filter(|(_, s)| *s)
                            .and_then(|(f, _)| f.residual_risk)
                            .map_or_else(|| "—".into(), |r| r.to_string()),
                        status: f.map_or(t.status_not_submitted, |(f, _)| status_words(t, &f.status)),
                        submission_id: f.map(|(f, _)| f.submission_id),
                    }
                })
                .collect();
            let chart = (!all_years.is_empty()).then(|| chart(lang, &all_years, series));
            let page = CompanyPage {
                title: format!("{} {}", company.code, company.name),
                industry: company.industry.clone().unwrap_or_else(|| "—".into()),
                target_level: company.target_level.number(),
                impact_tier: company.impact_tier.get(),
                chart_title: format!("{} — {} {}", t.trend_title, company.code, company.name),
                chart,
                trend,
                show_group,
                sheets: sheets
                    .iter()
                    .map(|l| SheetRow {
                        id: l.submission.id,
                        year: i18n::fiscal_year(lang, l.submission.fiscal_year.get()),
                        revision: l.submission.revision,
                        status: status_words(t, l.submission.status.code()),
                        uploaded_at: i18n::time_jst(l.submission.uploaded_at),
                        file: l.submission.source_filename.clone(),
                        current: l.submission.is_current,
                    })
                    .collect(),
                sizes: sizes
                    .iter()
                    .map(|y| {
                        let n = |v: Option<u32>| v.map_or_else(|| "—".to_owned(), |v| v.to_string());
                        (i18n::fiscal_year(lang, y.fiscal_year.get()), n(y.employees), n(y.it_staff))
                    })
                    .collect(),
                compare: years.last().map(|s| s.submission_id),
                area_year: area_year.map(|y| i18n::fiscal_year(lang, y.get())).unwrap_or_default(),
                areas: area_rows(t, &areas, area_shown),
                scs: scs.as_ref().map(|l| super::scs::section(lang, id, l, area_shown)),
                generated: i18n::time_jst(hyoka_model::time::now()),
                c: viewer.chrome(),
            };
            Ok(html(StatusCode::OK, page.render()))
        }
        .await
    )
}

// ---------------------------------------------------------------- items

/// One item across the group.
pub struct ItemRow {
    /// Number.
    pub item: u16,
    /// Level or a dash.
    pub level: String,
    /// Subject (Japanese).
    pub subject: String,
    /// Flags: total, open, confirmed, dismissed.
    pub flags: [i64; 4],
    /// Claimed: 2, 1, 0, N/A, unanswered.
    pub claimed: [i64; 5],
    /// Estimated: 2, 1, 0, N/A, unanswered.
    pub estimated: [i64; 5],
    /// The lowest estimated score and the companies at it.
    pub lowest: Option<Lowest>,
}

/// The companies at an item's lowest estimated score.
pub struct Lowest {
    /// The score.
    pub score: u8,
    /// The first few: (id, "code name").
    pub first: Vec<(i64, String)>,
    /// The others named, shown folded.
    pub rest: Vec<(i64, String)>,
    /// How many more share it beyond those named.
    pub unnamed: i64,
}

/// How many of the weakest companies an item shows before folding the rest.
const WEAKEST_SHOWN: usize = 5;

fn spread(d: DistributionDto) -> [i64; 5] {
    [d.done, d.in_progress, d.not_done, d.not_applicable, d.unanswered]
}

#[derive(Template)]
#[template(path = "items.html")]
struct ItemsPage {
    c: Chrome,
    year: String,
    fiscal_year: i32,
    levels: Vec<Choice>,
    rows: Vec<ItemRow>,
    areas: Vec<AreaRow>,
    page: i64,
    pages: i64,
    prev: Option<String>,
    next: Option<String>,
    generated: String,
    filters: String,
}

async fn items(viewer: Viewer, q: Query) -> HttpResponse {
    page!(
        viewer,
        async {
            viewer.require(GROUP_READERS)?;
            known(&q, &["fiscal_year", "level", "page"])?;
            let asked = fy(value(&q, "fiscal_year"))?;
            let level = level_of(&q)?;
            let page = page_of(&q)?;
            let fw = framework()?;
            let (year, lines, areas) = viewer
                .db(move |conn| {
                    let year = year_or_default(conn, asked)?;
                    let mut lines = dashboards::items(conn, &fw, year, &dashboards::ItemFilter::default())?;
                    let areas = dashboards::areas(conn, &fw, year, None, &lines)?;
                    // The level filter only leaves lines out, as `ItemFilter::level` does.
                    if level.is_some() {
                        lines.retain(|l| l.level == level);
                    }
                    Ok((year, lines, areas))
                })
                .await?;
            let lang = viewer.lang;
            let t = lang.texts();
            let total = lines.len() as i64;
            let pages = ((total + PER_PAGE - 1) / PER_PAGE).max(1);
            let url = |p: i64| {
                let mut u = format!("/ui/items?fiscal_year={}", year.get());
                if let Some(l) = level {
                    u.push_str(&format!("&level={}", l.number()));
                }
                if p > 1 {
                    u.push_str(&format!("&page={p}"));
                }
                u
            };
            let skip = usize::try_from((page - 1) * PER_PAGE).unwrap_or(usize::MAX);
            let rows = lines
                .iter()
                .skip(skip)
                .take(PER_PAGE as usize)
                .map(|l| ItemRow {
                    item: l.item,
                    level: l.level.map_or_else(|| "—".into(), |l| format!("Lv{}", l.number())),
                    subject: l.subject_ja.clone(),
                    flags: [l.flags.total, l.flags.open, l.flags.confirmed, l.flags.dismissed],
                    claimed: spread(l.claimed.into()),
                    estimated: spread(l.estimated.into()),
                    lowest: l.weakest.as_ref().map(|w| {
                        let mut first: Vec<(i64, String)> =
                            w.lowest.iter().map(|c| (c.company_id, format!("{} {}", c.code, c.name))).collect();
                        let unnamed = (w.companies_at_lowest - first.len() as i64).max(0);
                        let rest = first.split_off(first.len().min(WEAKEST_SHOWN));
                        Lowest { score: w.score, first, rest, unnamed }
                    }),
                })
                .collect();
            let filters = format!(
                "{}: {} / {}: {}",
                t.fiscal_year,
                i18n::fiscal_year(lang, year.get()),
                t.col_level,
                level.map_or_else(|| t.any.to_owned(), |l| format!("Lv{}", l.number())),
            );
            let body = ItemsPage {
                year: i18n::fiscal_year(lang, year.get()),
                fiscal_year: year.get(),
                levels: choices(
                    &level.map(|l| l.number().to_string()).unwrap_or_default(),
                    std::iter::once((String::new(), t.any.to_owned()))
                        .chain((1..=3).map(|n| (n.to_string(), format!("Lv{n}"))))
                        .collect(),
                ),
                rows,
                areas: area_rows(t, &areas, true),
                page,
                pages,
                prev: (page > 1).then(|| url(page - 1)),
                next: (page < pages).then(|| url(page + 1)),
                generated: i18n::time_jst(hyoka_model::time::now()),
                filters,
                c: viewer.chrome(),
            };
            Ok(html(StatusCode::OK, body.render()))
        }
        .await
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cells_carry_the_number_not_only_the_colour() {
        assert_eq!(rate_cell(Some(0.85)).text, "85%");
        assert_eq!(rate_cell(Some(0.85)).class, "heat-8");
        assert_eq!(rate_cell(Some(1.0)).class, "heat-9");
        assert_eq!(rate_cell(Some(0.0)).class, "heat-0");
        assert_eq!(rate_cell(None).text, "—");
        let g = gap_cell(Some(0.9), Some(0.78));
        assert_eq!((g.text.as_str(), g.class), ("▲12", "gap-2"));
        assert_eq!(gap_cell(Some(0.5), Some(0.5)).text, "±0");
        assert_eq!(gap_cell(Some(0.5), None).class, "none");
    }

    #[test]
    fn the_chart_puts_rates_on_a_percent_axis() {
        let c = chart(Lang::En, &[2024, 2025], vec![("Self", "s-self", vec![Some(1.0), Some(0.5)])]);
        assert_eq!(c.series[0].points, "68,20 560,140");
        assert_eq!(c.x_ticks[1].1, "FY2025");
        assert_eq!(c.y_ticks.len(), 5);
        let one = chart(Lang::Ja, &[2025], vec![("自己評価", "s-self", vec![None])]);
        assert!(one.series[0].points.is_empty());
    }
}
