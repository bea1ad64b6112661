//! The flags explorer, the collections, the audit log, the administration
//! (users, companies) and the caller's own API tokens. Every read and write is
//! the model or service call the JSON API's handler makes, with its rules;
//! the CSV downloads are the API's writers, so both doors give the same bytes.

use std::collections::BTreeMap;

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};
use askama::Template;
use chrono::NaiveDate;
use hyoka_api::dto::{AuditEventDto, CollectionDto, CompanyDto, CompanyYearDto, FlaggedItemDto, TokenDto, UserDto};
use hyoka_api::pagination::PageRequest;
use hyoka_model::credentials::Secret;
use hyoka_model::db::collections::{self, CollectionChanges, NewCollection, Standing};
use hyoka_model::db::companies::{self, CompanyChanges, CompanyYear, NewCompany};
use hyoka_model::db::export::{self as model_export, FlagExportFilter};
use hyoka_model::db::review::AuditFilter;
use hyoka_model::db::users::{self, Account, NewUser};
use hyoka_model::db::{Start, audit, tokens, writes};
use hyoka_model::domain::{FiscalYear, ImpactTier, ItemNumber, Level, Role};
use hyoka_service::ServiceError;

use super::{Chrome, PARENT, Viewer, html, score_words, severity_words, status_words};
use crate::i18n::{self, Lang};
use crate::{PageFailure, see_other};

/// Registers the routes of this module in the `/ui` scope.
pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.route("/flags", web::get().to(flags))
        .route("/flags.csv", web::get().to(flags_csv))
        .route("/collections", web::get().to(collection_list))
        .route("/collections", web::post().to(open_collection))
        .route("/collections/{id}", web::get().to(collection))
        .route("/collections/{id}/deadline", web::post().to(set_deadline))
        .route("/audit", web::get().to(audit_log))
        .route("/audit.csv", web::get().to(audit_csv))
        .route("/admin/users", web::get().to(user_list))
        .route("/admin/users", web::post().to(create_user))
        .route("/admin/users/{id}/{action}", web::post().to(change_user))
        .route("/admin/companies", web::get().to(company_list))
        .route("/admin/companies", web::post().to(create_company))
        .route("/admin/companies/{id}", web::get().to(company))
        .route("/admin/companies/{id}", web::post().to(update_company))
        .route("/admin/companies/{id}/years", web::post().to(set_company_year))
        .route("/account/tokens", web::get().to(token_list))
        .route("/account/tokens", web::post().to(create_token))
        .route("/account/tokens/{id}/revoke", web::post().to(revoke_token));
}

/// Who reads the flagged-items export (as the API: a subsidiary is refused).
const FLAG_READERS: &[Role] = &[Role::Admin, Role::Reviewer, Role::Auditor];
/// Who reads the audit log.
const AUDIT_READERS: &[Role] = &[Role::Admin, Role::Auditor];
/// Who reads the collections (a subsidiary has its home page).
const GROUP_READERS: &[Role] = &[Role::Admin, Role::Reviewer, Role::Auditor];
/// Administration.
const ADMIN: &[Role] = &[Role::Admin];
/// Rows per page.
const PER_PAGE: u32 = 50;

type Query = web::Query<BTreeMap<String, String>>;
type Fields = web::Form<Vec<(String, String)>>;
/// The non-blank filters of a list, as query parameters.
type Pairs = Vec<(&'static str, String)>;

// ---------------------------------------------------------------- helpers

/// The part of a bilingual `English / 日本語` message in the page's language.
fn in_lang(lang: Lang, message: &str) -> String {
    match message.split_once(" / ") {
        Some((en, ja)) => if lang == Lang::En { en } else { ja }.trim().to_owned(),
        None => message.to_owned(),
    }
}

/// A refusal of the service or model as a page in the user's language: a
/// broken rule (duplicate code, last admin, …) is shown with its message.
fn refused(lang: Lang) -> impl Fn(ServiceError) -> PageFailure {
    move |e| match e {
        ServiceError::Invalid(m) | ServiceError::Workflow { message: m, .. } => PageFailure::Invalid(in_lang(lang, &m)),
        other => other.into(),
    }
}

fn db_refused(lang: Lang) -> impl Fn(hyoka_model::db::DbError) -> PageFailure {
    move |e| refused(lang)(e.into())
}

fn api_failure(lang: Lang) -> impl Fn(hyoka_api::ApiError) -> PageFailure {
    move |e| match e {
        hyoka_api::ApiError::Invalid(m) | hyoka_api::ApiError::BadRequest(_, m) => {
            PageFailure::Invalid(in_lang(lang, &m))
        }
        hyoka_api::ApiError::Forbidden(_) => PageFailure::Forbidden,
        hyoka_api::ApiError::NotFound(_) => PageFailure::NotFound,
        other => {
            tracing::error!(error = %other, "a page failed");
            PageFailure::Internal
        }
    }
}

/// A non-blank value of a query or form.
fn given<'a>(q: &'a BTreeMap<String, String>, key: &str) -> Option<&'a str> {
    q.get(key).map(|v| v.trim()).filter(|v| !v.is_empty())
}

/// A non-blank value parsed; a bad one is a 422 naming the field.
fn parsed<T: std::str::FromStr>(q: &BTreeMap<String, String>, key: &str) -> Result<Option<T>, PageFailure>
where
    T::Err: std::fmt::Display,
{
    given(q, key).map(|v| v.parse::<T>().map_err(|e| PageFailure::Invalid(format!("{key}: {e}")))).transpose()
}

fn fields_map(fields: &[(String, String)]) -> BTreeMap<String, String> {
    fields.iter().cloned().collect()
}

fn csrf_of(q: &BTreeMap<String, String>) -> Option<&str> {
    q.get(crate::security::CSRF_FIELD).map(String::as_str)
}

/// `a=1&b=x` with every value percent-encoded.
fn query_string(pairs: &[(&str, String)]) -> String {
    pairs
        .iter()
        .map(|(k, v)| {
            let enc: String = v
                .bytes()
                .map(|b| {
                    if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b'~') {
                        (b as char).to_string()
                    } else {
                        format!("%{b:02X}")
                    }
                })
                .collect();
            format!("{k}={enc}")
        })
        .collect::<Vec<_>>()
        .join("&")
}

/// Paging links of a list: the page, the number of pages, and the query of
/// the previous and next page (with the filters).
pub struct Paging {
    /// This page, from 1.
    pub page: u32,
    /// Pages in all (at least 1).
    pub pages: u32,
    /// Rows in all (at least, with `more`).
    pub total: i64,
    /// The count stopped at its cap: more rows and pages than shown ("+").
    pub more: bool,
    /// Query string of the previous page.
    pub prev: Option<String>,
    /// Query string of the next page.
    pub next: Option<String>,
}

impl Paging {
    fn new(page: u32, total: i64, filters: &[(&str, String)]) -> Paging {
        Paging::counted(page, hyoka_model::db::Total::exact(total), filters, None)
    }

    /// With `next_after`, the next page's link starts after that cursor.
    fn counted(
        page: u32,
        counted: hyoka_model::db::Total,
        filters: &[(&str, String)],
        next_after: Option<String>,
    ) -> Paging {
        let total = counted.count;
        let pages = u32::try_from((total + i64::from(PER_PAGE) - 1) / i64::from(PER_PAGE)).unwrap_or(1).max(1);
        let link = |p: u32| {
            let mut pairs = filters.to_vec();
            pairs.push(("page", p.to_string()));
            query_string(&pairs)
        };
        Paging {
            page,
            pages,
            total,
            more: counted.capped,
            prev: (page > 1).then(|| link(page - 1)),
            next: (page < pages || counted.capped).then(|| match next_after {
                Some(after) => format!("{}&{}", link(page + 1), query_string(&[("after", after)])),
                None => link(page + 1),
            }),
        }
    }
}

fn page_of(q: &BTreeMap<String, String>) -> Result<(u32, PageRequest), PageFailure> {
    let page: u32 = parsed(q, "page")?.unwrap_or(1).max(1);
    Ok((page, PageRequest::new(Some(page), Some(PER_PAGE)).map_err(|_| PageFailure::Invalid("page".into()))?))
}

fn fiscal(y: i32) -> Result<FiscalYear, PageFailure> {
    FiscalYear::new(y).map_err(|e| PageFailure::Invalid(e.to_string()))
}

fn level(n: u8) -> Result<Level, PageFailure> {
    Level::try_from(n).map_err(|e| PageFailure::Invalid(e.to_string()))
}

fn tier(n: u8) -> Result<ImpactTier, PageFailure> {
    ImpactTier::new(n).map_err(|e| PageFailure::Invalid(e.to_string()))
}

fn companies_for_select(conn: &mut hyoka_model::db::DbConn) -> Result<Vec<(i64, String)>, PageFailure> {
    Ok(companies::list(conn)?.into_iter().map(|c| (c.id, format!("{} {}", c.code, c.name))).collect())
}

fn decision_words(t: &'static i18n::Texts, code: &str) -> &'static str {
    match code {
        "confirmed" => t.confirmed,
        "dismissed" => t.dismissed,
        _ => t.undecided,
    }
}

// ---------------------------------------------------------------- flags

/// The explorer's filters as given (kept to fill the form again).
#[derive(Default)]
pub struct FlagForm {
    /// Fiscal year.
    pub fiscal_year: String,
    /// Company id.
    pub company_id: String,
    /// Level 1–3.
    pub level: String,
    /// Item number.
    pub item: String,
    /// Rule code.
    pub rule: String,
    /// Severity code.
    pub severity: String,
    /// Decision code.
    pub decision: String,
}

const FLAG_FILTERS: &[&str] = &["fiscal_year", "company_id", "level", "item", "rule", "severity", "decision"];

/// The export's filter of a query, the same parameters as
/// `GET /api/v1/exports/flags.csv`, and those parameters (the non-blank ones).
fn flag_filter(q: &BTreeMap<String, String>) -> Result<(FlagExportFilter, Pairs), PageFailure> {
    let filter = FlagExportFilter {
        fiscal_year: parsed::<i32>(q, "fiscal_year")?.map(fiscal).transpose()?,
        company_id: parsed(q, "company_id")?,
        level: parsed::<u8>(q, "level")?.map(level).transpose()?,
        item: parsed::<u16>(q, "item")?
            .map(|i| ItemNumber::new(i).map_err(|e| PageFailure::Invalid(e.to_string())))
            .transpose()?,
        rule: given(q, "rule").map(str::to_owned),
        severity: parsed(q, "severity")?,
        decision: parsed(q, "decision")?,
        include_superseded: false,
    };
    let pairs = FLAG_FILTERS.iter().filter_map(|k| given(q, k).map(|v| (*k, v.to_owned()))).collect();
    Ok((filter, pairs))
}

/// One flagged item as a row.
pub struct FlagLine {
    /// The export's row.
    pub d: FlaggedItemDto,
    /// Severity in words.
    pub severity: &'static str,
    /// Claimed score in words.
    pub claimed: &'static str,
    /// Decision in words.
    pub decision: &'static str,
    /// Reason in the page's language.
    pub reason: String,
}

#[derive(Template)]
#[template(path = "flags.html")]
struct FlagsPage {
    c: Chrome,
    f: FlagForm,
    companies: Vec<(i64, String)>,
    by_rule: Vec<(String, i64, String)>,
    lines: Vec<FlagLine>,
    paging: Paging,
    query: String,
}

async fn flags(viewer: Viewer, q: Query) -> HttpResponse {
    page!(
        viewer,
        async {
            viewer.require(FLAG_READERS)?;
            let (filter, pairs) = flag_filter(&q)?;
            let (page, req) = page_of(&q)?;
            // "Next" carries the last row's cursor: a later page costs what the first does.
            let after: Option<model_export::FlagKey> = parsed(&q, "after")?;
            let lang = viewer.lang;
            let counts_filter = FlagExportFilter { rule: None, ..filter.clone() };
            let (rows, total, counts, companies) = viewer
                .db(move |conn| {
                    let start = after.map_or(Start::Offset(req.offset()), Start::After);
                    let (rows, total) = model_export::flagged_page(conn, &filter, start, req.limit())?;
                    let counts = model_export::flagged_counts_by_rule(conn, &counts_filter)?;
                    Ok((rows, total, counts, companies_for_select(conn)?))
                })
                .await?;
            let next_after =
                (rows.len() >= PER_PAGE as usize).then(|| rows.last().map(|r| r.key().to_string())).flatten();
            let t = lang.texts();
            let lines = rows
                .iter()
                .map(FlaggedItemDto::from)
                .map(|d| FlagLine {
                    severity: severity_words(t, &d.severity),
                    claimed: score_words(t, &d.claimed),
                    decision: decision_words(t, &d.decision),
                    reason: if lang == Lang::En { d.reason_en.clone() } else { d.reason_ja.clone() },
                    d,
                })
                .collect();
            let without_rule: Vec<(&str, String)> = pairs.iter().filter(|(k, _)| *k != "rule").cloned().collect();
            let by_rule = counts
                .into_iter()
                .map(|(rule, n)| {
                    let mut p = without_rule.clone();
                    p.push(("rule", rule.clone()));
                    (rule, n, query_string(&p))
                })
                .collect();
            let get = |k: &str| q.get(k).map(|v| v.trim().to_owned()).unwrap_or_default();
            let f = FlagForm {
                fiscal_year: get("fiscal_year"),
                company_id: get("company_id"),
                level: get("level"),
                item: get("item"),
                rule: get("rule"),
                severity: get("severity"),
                decision: get("decision"),
            };
            let body = FlagsPage {
                f,
                companies,
                by_rule,
                lines,
                paging: Paging::counted(page, total, &pairs, next_after),
                query: query_string(&pairs),
                c: viewer.chrome(),
            };
            Ok(html(StatusCode::OK, body.render()))
        }
        .await
    )
}

/// The same bytes as `GET /api/v1/exports/flags.csv` for the same filters
/// (the API's function): UTF-8 with a BOM, formulas neutralised.
async fn flags_csv(viewer: Viewer, q: Query) -> HttpResponse {
    page!(
        viewer,
        async {
            viewer.require(FLAG_READERS)?;
            let (filter, _) = flag_filter(&q)?;
            let page = match (parsed::<u32>(&q, "page")?, parsed::<u32>(&q, "per_page")?) {
                (None, None) => None,
                (p, n) => Some(PageRequest::new(p, n).map_err(api_failure(viewer.lang))?),
            };
            hyoka_api::export::flags_csv(viewer.state.clone(), filter, page).await.map_err(api_failure(viewer.lang))
        }
        .await
    )
}

// ---------------------------------------------------------------- collections

/// One collection in the list.
pub struct CollectionLine {
    /// The API's collection.
    pub d: CollectionDto,
    /// Fiscal year in words.
    pub year: String,
    /// The deadline with the days left.
    pub deadline: String,
}

/// A company offered in the form that opens a collection.
pub struct MemberChoice {
    /// Company id.
    pub id: i64,
    /// Code and name.
    pub name: String,
    /// Its registered target level.
    pub level: u8,
}

#[derive(Template)]
#[template(path = "collections.html")]
struct CollectionsPage {
    c: Chrome,
    lines: Vec<CollectionLine>,
    paging: Paging,
    can_open: bool,
    choices: Vec<MemberChoice>,
    next_year: i32,
}

async fn collection_list(viewer: Viewer, q: Query) -> HttpResponse {
    page!(
        viewer,
        async {
            viewer.require(GROUP_READERS)?;
            let (page, req) = page_of(&q)?;
            let can_open = PARENT.contains(&viewer.role());
            let ((list, total), choices) = viewer
                .db(move |conn| {
                    let list = collections::list(conn, None, req.offset(), req.limit())?;
                    let choices = if can_open {
                        companies::list(conn)?
                            .into_iter()
                            .map(|c| MemberChoice {
                                id: c.id,
                                name: format!("{} {}", c.code, c.name),
                                level: c.target_level.number(),
                            })
                            .collect()
                    } else {
                        Vec::new()
                    };
                    Ok((list, choices))
                })
                .await?;
            let lang = viewer.lang;
            let today = i18n::today_jst();
            let next_year = match list.first() {
                Some(c) => c.fiscal_year.get() + 1,
                None => super::current_fy()?.get(),
            };
            let lines = list
                .iter()
                .map(|c| CollectionLine {
                    year: i18n::fiscal_year(lang, c.fiscal_year.get()),
                    deadline: i18n::deadline(lang, c.deadline, today),
                    d: CollectionDto::from(c),
                })
                .collect();
            let body = CollectionsPage {
                lines,
                paging: Paging::new(page, total, &[]),
                can_open,
                choices,
                next_year,
                c: viewer.chrome(),
            };
            Ok(html(StatusCode::OK, body.render()))
        }
        .await
    )
}

fn deadline_of(v: Option<&str>, lang: Lang) -> Result<NaiveDate, PageFailure> {
    let t = lang.texts();
    v.and_then(|d| NaiveDate::parse_from_str(d.trim(), "%Y-%m-%d").ok())
        .ok_or_else(|| PageFailure::Invalid(t.deadline_invalid.to_owned()))
}

/// Opens a year's collection, as `POST /api/v1/collections`: the companies
/// ticked (each at the level chosen, else its registered one).
async fn open_collection(req: HttpRequest, viewer: Viewer, form: Fields) -> HttpResponse {
    let fields = form.into_inner();
    let q = fields_map(&fields);
    page!(
        viewer,
        async {
            viewer.csrf(&req, csrf_of(&q))?;
            viewer.require(PARENT)?;
            let lang = viewer.lang;
            let fiscal_year = fiscal(parsed(&q, "fiscal_year")?.ok_or(PageFailure::Invalid("fiscal_year".into()))?)?;
            let deadline = deadline_of(given(&q, "deadline"), lang)?;
            let mut members = Vec::new();
            for (_, v) in fields.iter().filter(|(k, _)| k == "company") {
                let id: i64 = v.parse().map_err(|_| PageFailure::Invalid("company".into()))?;
                let lv = parsed::<u8>(&q, &format!("level_{id}"))?.map(level).transpose()?;
                members.push((id, lv));
            }
            if members.is_empty() {
                return Err(PageFailure::Invalid(lang.texts().companies_required.to_owned()));
            }
            let title = given(&q, "title")
                .map(str::to_owned)
                .unwrap_or_else(|| format!("{}年度 自己評価の提出依頼", fiscal_year.get()));
            let new = NewCollection {
                fiscal_year,
                title,
                deadline,
                message: given(&q, "message").map(str::to_owned),
                members,
            };
            let actor = viewer.user.actor();
            let c = viewer
                .db(move |conn| hyoka_service::notify::open_collection(conn, actor, &new).map_err(db_refused(lang)))
                .await?;
            Ok(see_other(&format!("/ui/collections/{}", c.id)))
        }
        .await
    )
}

/// One company's line in a collection.
pub struct ProgressLine {
    /// Code and name.
    pub company: String,
    /// Target level.
    pub level: u8,
    /// Standing code (for the CSS class).
    pub standing_code: &'static str,
    /// Standing in words.
    pub standing: &'static str,
    /// Workflow status in words.
    pub status: &'static str,
    /// First upload (JST).
    pub submitted_at: String,
    /// Days before or after the deadline, in words.
    pub days: String,
    /// Its sheet.
    pub submission_id: Option<i64>,
}

#[derive(Template)]
#[template(path = "collection.html")]
struct CollectionPage {
    c: Chrome,
    d: CollectionDto,
    year: String,
    deadline: String,
    counts: Vec<(&'static str, &'static str, usize)>,
    by_status: Vec<(&'static str, &'static str, usize)>,
    lines: Vec<ProgressLine>,
    overdue_only: bool,
    can_edit: bool,
    flash: bool,
}

fn standing_code(s: Standing) -> &'static str {
    match s {
        Standing::Submitted => "submitted",
        Standing::SubmittedLate => "submitted_late",
        Standing::NotSubmitted => "not_submitted",
        Standing::Overdue => "overdue",
    }
}

fn standing_words(t: &'static i18n::Texts, s: Standing) -> &'static str {
    match s {
        Standing::Submitted => t.standing_submitted,
        Standing::SubmittedLate => t.standing_late,
        Standing::NotSubmitted => t.standing_not_submitted,
        Standing::Overdue => t.standing_overdue,
    }
}

/// Where a company stands against the deadline, in words: a sheet sent
/// `期限の3日前に提出` / `期限の2日後に提出`, none yet `あと5日` / `4日超過`.
fn days_words(lang: Lang, deadline: NaiveDate, day: NaiveDate, submitted: bool) -> String {
    let n = (deadline - day).num_days();
    match (lang, submitted, n) {
        (Lang::Ja, true, 0) => "期限当日に提出".into(),
        (Lang::Ja, true, n) if n > 0 => format!("期限の{n}日前に提出"),
        (Lang::Ja, true, n) => format!("期限の{}日後に提出", -n),
        (Lang::Ja, false, 0) => "本日締切".into(),
        (Lang::Ja, false, n) if n > 0 => format!("あと{n}日"),
        (Lang::Ja, false, n) => format!("{}日超過", -n),
        (Lang::En, true, 0) => "sent on the deadline".into(),
        (Lang::En, true, n) if n > 0 => format!("sent {n} days early"),
        (Lang::En, true, n) => format!("sent {} days late", -n),
        (Lang::En, false, 0) => "due today".into(),
        (Lang::En, false, n) if n > 0 => format!("{n} days left"),
        (Lang::En, false, n) => format!("{} days overdue", -n),
    }
}

async fn collection(viewer: Viewer, id: web::Path<i64>, q: Query) -> HttpResponse {
    let id = id.into_inner();
    page!(
        viewer,
        async {
            viewer.require(GROUP_READERS)?;
            let (c, progress) = viewer
                .db(move |conn| {
                    let c = collections::get(conn, id)?;
                    Ok((c, collections::progress(conn, id, hyoka_model::time::now())?))
                })
                .await?;
            let lang = viewer.lang;
            let t = lang.texts();
            let overdue_only = q.get("overdue").is_some_and(|v| v == "1");
            let today = i18n::today_jst();
            let all = [Standing::Submitted, Standing::SubmittedLate, Standing::NotSubmitted, Standing::Overdue];
            let counts = all
                .iter()
                .map(|s| {
                    (standing_code(*s), standing_words(t, *s), progress.iter().filter(|p| p.standing == *s).count())
                })
                .collect();
            let status_of = |p: &collections::Progress| p.current.as_ref().map_or("not_submitted", |s| s.status.code());
            let by_status = ["not_submitted", "submitted", "in_review", "returned", "accepted"]
                .into_iter()
                .map(|code| (code, status_words(t, code), progress.iter().filter(|p| status_of(p) == code).count()))
                .collect();
            let lines = progress
                .iter()
                .filter(|p| !overdue_only || p.standing == Standing::Overdue)
                .map(|p| {
                    let day =
                        p.first_uploaded_at.map_or(today, |at| at.with_timezone(&hyoka_model::time::JST).date_naive());
                    ProgressLine {
                        company: format!("{} {}", p.company.code, p.company.name),
                        level: p.target_level.number(),
                        standing_code: standing_code(p.standing),
                        standing: standing_words(t, p.standing),
                        status: status_words(t, status_of(p)),
                        submitted_at: p.first_uploaded_at.map(i18n::time_jst).unwrap_or_else(|| "—".into()),
                        days: days_words(lang, c.deadline, day, p.first_uploaded_at.is_some()),
                        submission_id: p.current.as_ref().map(|s| s.id),
                    }
                })
                .collect();
            let body = CollectionPage {
                year: i18n::fiscal_year(lang, c.fiscal_year.get()),
                deadline: i18n::deadline(lang, c.deadline, today),
                d: CollectionDto::from(&c),
                counts,
                by_status,
                lines,
                overdue_only,
                can_edit: PARENT.contains(&viewer.role()),
                flash: q.get("flash").is_some_and(|f| f == "saved"),
                c: viewer.chrome(),
            };
            Ok(html(StatusCode::OK, body.render()))
        }
        .await
    )
}

/// A new deadline, as `PATCH /api/v1/collections/{id}` with `deadline`.
async fn set_deadline(req: HttpRequest, viewer: Viewer, id: web::Path<i64>, form: Fields) -> HttpResponse {
    let id = id.into_inner();
    let q = fields_map(&form.into_inner());
    page!(
        viewer,
        async {
            viewer.csrf(&req, csrf_of(&q))?;
            viewer.require(PARENT)?;
            let lang = viewer.lang;
            let changes = CollectionChanges {
                deadline: Some(deadline_of(given(&q, "deadline"), lang)?),
                ..CollectionChanges::default()
            };
            let actor = viewer.user.actor();
            viewer
                .db(move |conn| writes::update_collection(conn, actor, id, &changes).map_err(db_refused(lang)))
                .await?;
            Ok(see_other(&format!("/ui/collections/{id}?flash=saved")))
        }
        .await
    )
}

// ---------------------------------------------------------------- audit

/// One audit entry as shown.
pub struct AuditLine {
    /// The API's entry.
    pub d: AuditEventDto,
    /// Before, as indented JSON.
    pub before: Option<String>,
    /// After, as indented JSON.
    pub after: Option<String>,
}

#[derive(Template)]
#[template(path = "audit.html")]
struct AuditPage {
    c: Chrome,
    entity: String,
    entity_id: String,
    actor_id: String,
    lines: Vec<AuditLine>,
    paging: Paging,
    query: String,
    verified: Option<(bool, String)>,
}

fn audit_filter(q: &BTreeMap<String, String>) -> Result<(AuditFilter, Pairs), PageFailure> {
    let filter = AuditFilter {
        entity: given(q, "entity").map(str::to_owned),
        entity_id: given(q, "entity_id").map(str::to_owned),
        actor_id: parsed(q, "actor_id")?,
    };
    let pairs =
        ["entity", "entity_id", "actor_id"].iter().filter_map(|k| given(q, k).map(|v| (*k, v.to_owned()))).collect();
    Ok((filter, pairs))
}

fn pretty(v: &Option<serde_json::Value>) -> Option<String> {
    v.as_ref().map(|v| serde_json::to_string_pretty(v).unwrap_or_else(|_| v.to_string()))
}

/// The audit log, newest first, filtered and paged like `GET /api/v1/audit`;
/// with `verify=1` the hash chain is walked (`GET /api/v1/audit/verify`).
async fn audit_log(viewer: Viewer, q: Query) -> HttpResponse {
    page!(
        viewer,
        async {
            viewer.require(AUDIT_READERS)?;
            let (filter, pairs) = audit_filter(&q)?;
            let (page, req) = page_of(&q)?;
            let verify = q.get("verify").is_some_and(|v| v == "1");
            let ((rows, total), verified) = viewer
                .db(move |conn| {
                    let rows = hyoka_model::db::review::audit_page(conn, &filter, req.offset(), req.limit())?;
                    let verified = if verify { Some(audit::verify(conn)?) } else { None };
                    Ok((rows, verified))
                })
                .await?;
            let t = viewer.lang.texts();
            let verified = verified.map(|r| match r {
                Ok(n) => (true, format!("{} {n}", t.audit_chain_ok)),
                Err(b) => (false, format!("{} {} ({})", t.audit_chain_broken, b.id, b.problem)),
            });
            let lines = rows
                .iter()
                .map(AuditEventDto::from)
                .map(|d| AuditLine { before: pretty(&d.before), after: pretty(&d.after), d })
                .collect();
            let get = |k: &str| q.get(k).map(|v| v.trim().to_owned()).unwrap_or_default();
            let body = AuditPage {
                entity: get("entity"),
                entity_id: get("entity_id"),
                actor_id: get("actor_id"),
                lines,
                paging: Paging::new(page, total, &pairs),
                query: query_string(&pairs),
                verified,
                c: viewer.chrome(),
            };
            Ok(html(StatusCode::OK, body.render()))
        }
        .await
    )
}

/// The same bytes as `GET /api/v1/exports/audit.csv` for the same filters.
async fn audit_csv(viewer: Viewer, q: Query) -> HttpResponse {
    page!(
        viewer,
        async {
            viewer.require(AUDIT_READERS)?;
            let (filter, _) = audit_filter(&q)?;
            hyoka_api::export::audit_csv(viewer.state.clone(), filter, None).await.map_err(api_failure(viewer.lang))
        }
        .await
    )
}

// ---------------------------------------------------------------- users

/// One account as shown.
pub struct UserLine {
    /// The API's account.
    pub d: UserDto,
    /// Role in words.
    pub role: &'static str,
    /// Its company (a subsidiary user).
    pub company: String,
}

#[derive(Template)]
#[template(path = "admin_users.html")]
struct UsersPage {
    c: Chrome,
    lines: Vec<UserLine>,
    companies: Vec<(i64, String)>,
    flash: Option<&'static str>,
}

fn role_words(t: &'static i18n::Texts, role: &str) -> &'static str {
    match role {
        "admin" => t.role_admin,
        "reviewer" => t.role_reviewer,
        "auditor" => t.role_auditor,
        _ => t.role_subsidiary,
    }
}

fn flash_words(t: &'static i18n::Texts, q: &BTreeMap<String, String>) -> Option<&'static str> {
    q.get("flash").map(|_| t.saved)
}

async fn user_list(viewer: Viewer, q: Query) -> HttpResponse {
    page!(
        viewer,
        async {
            viewer.require(ADMIN)?;
            let (all, companies) = viewer.db(move |conn| Ok((users::list(conn)?, companies_for_select(conn)?))).await?;
            let t = viewer.lang.texts();
            let names: BTreeMap<i64, &String> = companies.iter().map(|(id, n)| (*id, n)).collect();
            let lines = all
                .iter()
                .map(UserDto::from)
                .map(|d| UserLine {
                    role: role_words(t, &d.role),
                    company: d.company_id.and_then(|c| names.get(&c)).map(|n| (*n).clone()).unwrap_or_default(),
                    d,
                })
                .collect();
            let body = UsersPage { lines, flash: flash_words(t, &q), companies, c: viewer.chrome() };
            Ok(html(StatusCode::OK, body.render()))
        }
        .await
    )
}

fn hash(lang: Lang, password: &str) -> Result<hyoka_model::credentials::PasswordHash, PageFailure> {
    hyoka_model::credentials::hash_password(&Secret::new(password))
        .map_err(|e| PageFailure::Invalid(in_lang(lang, &e.to_string())))
}

/// Creates an account, as `POST /api/v1/users` (the same role and company check).
async fn create_user(req: HttpRequest, viewer: Viewer, form: Fields) -> HttpResponse {
    let q = fields_map(&form.into_inner());
    page!(
        viewer,
        async {
            viewer.csrf(&req, csrf_of(&q))?;
            viewer.require(ADMIN)?;
            let lang = viewer.lang;
            let company_id = parsed::<i64>(&q, "company_id")?;
            let account =
                hyoka_api::auth::account(given(&q, "role").unwrap_or(""), company_id).map_err(api_failure(lang))?;
            let password_hash = Some(hash(lang, q.get("password").map_or("", String::as_str))?);
            let new = NewUser {
                login: given(&q, "login").unwrap_or("").to_owned(),
                display_name: given(&q, "display_name").unwrap_or("").to_owned(),
                account,
                password_hash,
            };
            let email = given(&q, "email").map(str::to_owned);
            let language =
                hyoka_api::auth::mail_language(given(&q, "language")).map_err(api_failure(lang))?.unwrap_or_default();
            let actor = viewer.user.actor();
            viewer
                .db(move |conn| {
                    users::create_with_contact(conn, actor, &new, email.as_deref(), language).map_err(db_refused(lang))
                })
                .await?;
            Ok(see_other("/ui/admin/users?flash=saved"))
        }
        .await
    )
}

/// Disables, enables, sets the password of, moves or sets the mail address
/// and language of an account, as `PATCH /api/v1/users/{id}`: each revokes
/// the account's tokens but enabling and the mail settings; the last active
/// admin is never disabled.
async fn change_user(req: HttpRequest, viewer: Viewer, path: web::Path<(i64, String)>, form: Fields) -> HttpResponse {
    let (id, action) = path.into_inner();
    let q = fields_map(&form.into_inner());
    page!(
        viewer,
        async {
            viewer.csrf(&req, csrf_of(&q))?;
            viewer.require(ADMIN)?;
            let lang = viewer.lang;
            enum Change {
                Disabled(bool),
                Password(hyoka_model::credentials::PasswordHash),
                Company(i64),
                Contact(String, users::Language),
            }
            let change = match action.as_str() {
                "disable" => Change::Disabled(true),
                "enable" => Change::Disabled(false),
                "password" => Change::Password(hash(lang, q.get("password").map_or("", String::as_str))?),
                "company" => {
                    Change::Company(parsed(&q, "company_id")?.ok_or(PageFailure::Invalid("company_id".into()))?)
                }
                "contact" => Change::Contact(
                    q.get("email").cloned().unwrap_or_default(),
                    hyoka_api::auth::mail_language(given(&q, "language"))
                        .map_err(api_failure(lang))?
                        .unwrap_or_default(),
                ),
                _ => return Err(PageFailure::NotFound),
            };
            let actor = viewer.user.actor();
            let t = lang.texts();
            viewer
                .db(move |conn| {
                    let refuse = db_refused(lang);
                    let account = users::get(conn, id)?.account;
                    let revoke = !matches!(change, Change::Disabled(false) | Change::Contact(..));
                    match change {
                        Change::Disabled(d) => {
                            users::update(conn, actor, id, None, None, Some(d)).map_err(&refuse)?;
                        }
                        Change::Password(h) => users::set_password(conn, actor, id, &h).map_err(&refuse)?,
                        Change::Company(c) => {
                            if !matches!(account, Account::Subsidiary(_)) {
                                return Err(PageFailure::Invalid(t.company_only_subsidiary.to_owned()));
                            }
                            companies::get(conn, c)?;
                            users::update(conn, actor, id, None, Some(Account::Subsidiary(c)), None)
                                .map_err(&refuse)?;
                        }
                        Change::Contact(email, language) => {
                            hyoka_model::db::mail::set_contact(conn, actor, id, Some(&email), language)
                                .map_err(&refuse)?;
                        }
                    }
                    if revoke {
                        tokens::revoke_all_of(conn, actor, id)?;
                    }
                    Ok(())
                })
                .await?;
            Ok(see_other("/ui/admin/users?flash=saved"))
        }
        .await
    )
}

// ---------------------------------------------------------------- companies

#[derive(Template)]
#[template(path = "admin_companies.html")]
struct CompaniesPage {
    c: Chrome,
    lines: Vec<CompanyDto>,
    flash: Option<&'static str>,
}

async fn company_list(viewer: Viewer, q: Query) -> HttpResponse {
    page!(
        viewer,
        async {
            viewer.require(ADMIN)?;
            let all = viewer.db(move |conn| Ok(companies::list(conn)?)).await?;
            let t = viewer.lang.texts();
            let body = CompaniesPage {
                lines: all.iter().map(CompanyDto::from).collect(),
                flash: flash_words(t, &q),
                c: viewer.chrome(),
            };
            Ok(html(StatusCode::OK, body.render()))
        }
        .await
    )
}

/// Registers a company, as `POST /api/v1/companies` (a duplicate code is refused).
async fn create_company(req: HttpRequest, viewer: Viewer, form: Fields) -> HttpResponse {
    let q = fields_map(&form.into_inner());
    page!(
        viewer,
        async {
            viewer.csrf(&req, csrf_of(&q))?;
            viewer.require(ADMIN)?;
            let lang = viewer.lang;
            let new = NewCompany {
                code: given(&q, "code").unwrap_or("").to_owned(),
                name: given(&q, "name").unwrap_or("").to_owned(),
                industry: given(&q, "industry").map(str::to_owned),
                target_level: level(parsed(&q, "target_level")?.unwrap_or(2))?,
                impact_tier: tier(parsed(&q, "impact_tier")?.unwrap_or(3))?,
                is_demo: false,
            };
            let actor = viewer.user.actor();
            let c = viewer.db(move |conn| writes::create_company(conn, actor, &new).map_err(db_refused(lang))).await?;
            Ok(see_other(&format!("/ui/admin/companies/{}?flash=saved", c.id)))
        }
        .await
    )
}

#[derive(Template)]
#[template(path = "admin_company.html")]
struct CompanyPage {
    c: Chrome,
    d: CompanyDto,
    years: Vec<CompanyYearDto>,
    flash: Option<&'static str>,
    next_year: i32,
}

async fn company(viewer: Viewer, id: web::Path<i64>, q: Query) -> HttpResponse {
    let id = id.into_inner();
    page!(
        viewer,
        async {
            viewer.require(ADMIN)?;
            let (company, years) =
                viewer.db(move |conn| Ok((companies::get(conn, id)?, companies::years_of(conn, id)?))).await?;
            let t = viewer.lang.texts();
            let years: Vec<CompanyYearDto> = years.iter().map(CompanyYearDto::from).collect();
            let next_year = super::current_fy()?.get();
            let body = CompanyPage {
                d: CompanyDto::from(&company),
                years,
                flash: flash_words(t, &q),
                next_year,
                c: viewer.chrome(),
            };
            Ok(html(StatusCode::OK, body.render()))
        }
        .await
    )
}

/// Changes a company, as `PATCH /api/v1/companies/{id}`.
async fn update_company(req: HttpRequest, viewer: Viewer, id: web::Path<i64>, form: Fields) -> HttpResponse {
    let id = id.into_inner();
    let q = fields_map(&form.into_inner());
    page!(
        viewer,
        async {
            viewer.csrf(&req, csrf_of(&q))?;
            viewer.require(ADMIN)?;
            let lang = viewer.lang;
            let changes = CompanyChanges {
                name: given(&q, "name").map(str::to_owned),
                industry: q.get("industry").map(|i| Some(i.trim().to_owned()).filter(|i| !i.is_empty())),
                target_level: parsed::<u8>(&q, "target_level")?.map(level).transpose()?,
                impact_tier: parsed::<u8>(&q, "impact_tier")?.map(tier).transpose()?,
            };
            let actor = viewer.user.actor();
            viewer.db(move |conn| writes::update_company(conn, actor, id, &changes).map_err(db_refused(lang))).await?;
            Ok(see_other(&format!("/ui/admin/companies/{id}?flash=saved")))
        }
        .await
    )
}

/// Records a company's size for a year, as `PUT /api/v1/companies/{id}/years/{fy}`.
async fn set_company_year(req: HttpRequest, viewer: Viewer, id: web::Path<i64>, form: Fields) -> HttpResponse {
    let id = id.into_inner();
    let q = fields_map(&form.into_inner());
    page!(
        viewer,
        async {
            viewer.csrf(&req, csrf_of(&q))?;
            viewer.require(ADMIN)?;
            let lang = viewer.lang;
            let y = CompanyYear {
                company_id: id,
                fiscal_year: fiscal(parsed(&q, "fiscal_year")?.ok_or(PageFailure::Invalid("fiscal_year".into()))?)?,
                employees: parsed(&q, "employees")?,
                it_staff: parsed(&q, "it_staff")?,
            };
            let actor = viewer.user.actor();
            viewer
                .db(move |conn| {
                    companies::get(conn, id)?;
                    companies::set_year(conn, actor, &y).map_err(db_refused(lang))
                })
                .await?;
            Ok(see_other(&format!("/ui/admin/companies/{id}?flash=saved")))
        }
        .await
    )
}

// ---------------------------------------------------------------- tokens

#[derive(Template)]
#[template(path = "tokens.html")]
struct TokensPage {
    c: Chrome,
    lines: Vec<TokenDto>,
    issued: Option<String>,
    max_days: i64,
    flash: Option<&'static str>,
}

async fn tokens_page(
    viewer: &Viewer,
    issued: Option<String>,
    flash: Option<&'static str>,
) -> Result<HttpResponse, PageFailure> {
    let user = viewer.user.id;
    let (list, _) = viewer.db(move |conn| Ok(tokens::list(conn, Some(user), 0, 200)?)).await?;
    let status = StatusCode::OK;
    let body = TokensPage {
        lines: list
            .iter()
            .map(|k| {
                let mut d = TokenDto::from(k);
                d.created_at = i18n::shown_time(&d.created_at);
                d.expires_at = i18n::shown_time(&d.expires_at);
                d
            })
            .collect(),
        issued,
        max_days: viewer.state.settings.max_token_lifetime.num_days(),
        flash,
        c: viewer.chrome(),
    };
    Ok(html(status, body.render()))
}

async fn token_list(viewer: Viewer, q: Query) -> HttpResponse {
    let flash = q.get("flash").is_some_and(|f| f == "revoked").then_some(viewer.lang.texts().token_revoked);
    page!(viewer, tokens_page(&viewer, None, flash).await)
}

/// Makes an API token for oneself, as `POST /api/v1/tokens`; the token is
/// shown on this answer only (never in a URL, never logged).
async fn create_token(req: HttpRequest, viewer: Viewer, form: Fields) -> HttpResponse {
    let q = fields_map(&form.into_inner());
    page!(
        viewer,
        async {
            viewer.csrf(&req, csrf_of(&q))?;
            let lang = viewer.lang;
            let days: u32 = parsed(&q, "expires_in_days")?.unwrap_or(90);
            let max = viewer.state.settings.max_token_lifetime;
            let lifetime = chrono::Duration::days(i64::from(days));
            if days == 0 || lifetime > max {
                return Err(PageFailure::Invalid(format!("{} 1–{}", lang.texts().token_days_invalid, max.num_days())));
            }
            let name = given(&q, "name").unwrap_or("web").to_owned();
            let user = viewer.user.clone();
            let issued = viewer
                .db(move |conn| {
                    hyoka_api::auth::issue_token(conn, user.actor(), &user, &name, lifetime).map_err(api_failure(lang))
                })
                .await?;
            tokens_page(&viewer, Some(issued.token), None).await
        }
        .await
    )
}

/// Revokes one of one's own tokens, as `DELETE /api/v1/tokens/{id}`
/// (another user's is not found).
async fn revoke_token(req: HttpRequest, viewer: Viewer, id: web::Path<i64>, form: Fields) -> HttpResponse {
    let id = id.into_inner();
    let q = fields_map(&form.into_inner());
    page!(
        viewer,
        async {
            viewer.csrf(&req, csrf_of(&q))?;
            let user = viewer.user.clone();
            viewer
                .db(move |conn| {
                    if tokens::get(conn, id)?.user_id != user.id {
                        return Err(PageFailure::NotFound);
                    }
                    Ok(tokens::revoke(conn, user.actor(), id)?)
                })
                .await?;
            Ok(see_other("/ui/account/tokens?flash=revoked"))
        }
        .await
    )
}
