//! The pages: every handler of the `/ui` scope.

use std::collections::BTreeMap;
use std::future::Future;
use std::pin::Pin;

use actix_web::dev::Payload;
use actix_web::http::{StatusCode, header};
use actix_web::{FromRequest, HttpRequest, HttpResponse, web};
use askama::Template;
use futures_util::StreamExt;
use hyoka_api::AppState;
use hyoka_api::dto::{AnswerDto, FlagDetail, ProblemDto, SubmissionDto, TransitionDto};
use hyoka_model::credentials::Secret;
use hyoka_model::db::users::User;
use hyoka_model::db::{DbConn, collections, companies, dashboards, review, submissions};
use hyoka_model::domain::{Decision, FiscalYear, Points, Role};
use hyoka_model::workflow::{Action, SubmissionStatus};
use hyoka_service::Pipeline;
use hyoka_service::access::Access;
use hyoka_service::login::{LoginError, PasswordChangeError};
use hyoka_service::sheets::ImportOptions;
use serde::Deserialize;

use crate::assets::{self, Link};
use crate::i18n::{self, Lang, Texts};
use crate::security::{self, CSRF_FIELD};
use crate::{PageFailure, Settings, see_other, session};

/// The `/ui` scope.
pub fn scope() -> actix_web::Scope {
    web::scope("/ui")
        .route("", web::get().to(|| async { see_other("/ui/") }))
        .route("/", web::get().to(start))
        .route("/static/{version}/{name}", web::get().to(assets::serve))
        .route("/login", web::get().to(login_form))
        .route("/login", web::post().to(login))
        .route("/logout", web::post().to(logout))
        .route("/lang", web::post().to(switch_lang))
        .route("/home", web::get().to(home))
        .route("/account/password", web::get().to(password_form))
        .route("/account/password", web::post().to(change_password))
        .route("/upload", web::get().to(upload_form))
        .route("/upload", web::post().to(upload))
        .route("/check", web::get().to(check_form))
        .route("/check", web::post().to(check))
        .route("/queue", web::get().to(queue))
        .route("/submissions/{id}", web::get().to(submission))
        .route("/submissions/{id}/feedback.xlsx", web::get().to(feedback_workbook))
        .route("/submissions/{id}/compare", web::get().to(compare))
        .route("/submissions/{id}/decide", web::post().to(decide_many))
        .route("/submissions/{id}/{action}", web::post().to(move_sheet))
        .route("/flags/{id}/decision", web::post().to(decide_one))
        .route("/flags/{id}/reply", web::post().to(reply))
        .configure(admin::routes)
        .configure(group::routes)
        .configure(scs::routes)
        .default_service(web::to(not_found))
}

// ---------------------------------------------------------------- chrome

/// What every page shows around its content.
pub struct Chrome {
    /// Language.
    pub lang: Lang,
    /// Texts.
    pub t: &'static Texts,
    /// The signed-in user's display name.
    pub user: Option<String>,
    /// The session's CSRF token (empty without a session).
    pub csrf: String,
    /// Admin or reviewer.
    pub is_parent: bool,
    /// Subsidiary user.
    pub is_subsidiary: bool,
    /// Auditor.
    pub is_auditor: bool,
    /// Admin.
    pub is_admin: bool,
    /// A subsidiary user's company (for the link to its page).
    pub own_company: Option<i64>,
    /// Stylesheet.
    pub css: Link,
    /// Our script.
    pub js: Link,
    /// htmx.
    pub htmx: Link,
}

impl Chrome {
    fn new(lang: Lang, viewer: Option<&Viewer>) -> Chrome {
        let role = viewer.map(|v| v.user.account.role());
        Chrome {
            lang,
            t: lang.texts(),
            user: viewer.map(|v| format!("{} ({})", v.user.display_name, v.user.login)),
            csrf: viewer.map(|v| v.csrf.clone()).unwrap_or_default(),
            is_parent: matches!(role, Some(Role::Admin | Role::Reviewer)),
            is_subsidiary: role == Some(Role::Subsidiary),
            is_auditor: role == Some(Role::Auditor),
            is_admin: role == Some(Role::Admin),
            own_company: viewer.and_then(|v| v.access().own_company()),
            css: assets::link("hyoka.css"),
            js: assets::link("hyoka.js"),
            htmx: assets::link("htmx.min.js"),
        }
    }

    /// `ja` / `en`.
    pub fn lang_code(&self) -> &'static str {
        self.lang.code()
    }

    /// The other language's code, for the switch.
    pub fn other_lang(&self) -> &'static str {
        self.lang.other().code()
    }

    /// The name of the CSRF field.
    pub fn csrf_field(&self) -> &'static str {
        CSRF_FIELD
    }
}

fn html(status: StatusCode, body: Result<String, askama::Error>) -> HttpResponse {
    match body {
        Ok(b) => HttpResponse::build(status).content_type("text/html; charset=utf-8").body(b),
        Err(e) => {
            tracing::error!(error = %e, "a template failed");
            HttpResponse::InternalServerError().content_type("text/plain; charset=utf-8").body("template error")
        }
    }
}

#[derive(Template)]
#[template(path = "error.html")]
struct ErrorPage {
    c: Chrome,
    title: &'static str,
    message: String,
}

/// The HTML page of a failure, in the user's language.
pub fn render_error(lang: Lang, failure: &PageFailure) -> HttpResponse {
    if let PageFailure::SignIn = failure {
        return see_other("/ui/login");
    }
    let t = lang.texts();
    let (title, message) = match failure {
        PageFailure::Csrf => (t.csrf_title, t.csrf_body.to_owned()),
        PageFailure::Forbidden => (t.forbidden_title, String::new()),
        PageFailure::NotFound => (t.not_found_title, String::new()),
        PageFailure::Conflict => (t.error_title, t.conflict.to_owned()),
        PageFailure::Invalid(m) => (t.error_title, m.clone()),
        PageFailure::Busy => (t.busy_title, t.busy_body.to_owned()),
        PageFailure::SignIn | PageFailure::Internal => (t.error_title, String::new()),
    };
    let mut res = html(failure.status(), ErrorPage { c: Chrome::new(lang, None), title, message }.render());
    if let PageFailure::Busy = failure {
        res.headers_mut()
            .insert(header::RETRY_AFTER, header::HeaderValue::from(hyoka_api::error::DATABASE_BUSY_RETRY_SECS));
    }
    res
}

async fn not_found(req: HttpRequest) -> HttpResponse {
    render_error(Lang::negotiate(&req), &PageFailure::NotFound)
}

// ---------------------------------------------------------------- viewer

/// The signed-in user of a `/ui` request, from the session cookie only (a
/// bearer token is never read here).
pub struct Viewer {
    /// The user.
    pub user: User,
    /// The session's row.
    pub session_id: i64,
    /// The session's CSRF token.
    pub csrf: String,
    /// The page language: the user's choice, else `Accept-Language`.
    pub lang: Lang,
    state: web::Data<AppState>,
}

impl Viewer {
    fn access(&self) -> Access {
        Access::new(self.user.actor(), self.state.settings.subsidiary_sees_unreleased_flags)
    }

    fn role(&self) -> Role {
        self.user.account.role()
    }

    fn chrome(&self) -> Chrome {
        Chrome::new(self.lang, Some(self))
    }

    fn fail(&self, f: PageFailure) -> HttpResponse {
        render_error(self.lang, &f)
    }

    fn require(&self, roles: &[Role]) -> Result<(), PageFailure> {
        if roles.contains(&self.role()) { Ok(()) } else { Err(PageFailure::Forbidden) }
    }

    fn csrf(&self, req: &HttpRequest, form: Option<&str>) -> Result<(), PageFailure> {
        if security::csrf_ok(req, form, &self.csrf) { Ok(()) } else { Err(PageFailure::Csrf) }
    }

    async fn db<T: Send + 'static>(
        &self,
        f: impl FnOnce(&mut DbConn) -> Result<T, PageFailure> + Send + 'static,
    ) -> Result<T, PageFailure> {
        db(&self.state, f).await
    }
}

async fn db<T: Send + 'static>(
    state: &AppState,
    f: impl FnOnce(&mut DbConn) -> Result<T, PageFailure> + Send + 'static,
) -> Result<T, PageFailure> {
    let pool = state.pool.clone();
    web::block(move || {
        let mut conn = pool.get()?;
        f(&mut conn)
    })
    .await?
}

/// A failure of the [`Viewer`] extractor, answered as a page.
#[derive(Debug)]
pub struct ViewerFailure(Lang, PageFailure);

impl std::fmt::Display for ViewerFailure {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{:?}", self.1)
    }
}

impl actix_web::ResponseError for ViewerFailure {
    fn status_code(&self) -> StatusCode {
        self.1.status()
    }
    fn error_response(&self) -> HttpResponse {
        render_error(self.0, &self.1)
    }
}

impl FromRequest for Viewer {
    type Error = ViewerFailure;
    type Future = Pin<Box<dyn Future<Output = Result<Viewer, ViewerFailure>>>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        let lang = Lang::negotiate(req);
        let state = req.app_data::<web::Data<AppState>>().cloned();
        let settings = req.app_data::<web::Data<Settings>>().cloned();
        let secret =
            settings.as_ref().and_then(|s| security::cookie(req, s.for_request(req).cookie_name())).map(str::to_owned);
        Box::pin(async move {
            let (Some(state), Some(settings)) = (state, settings) else {
                return Err(ViewerFailure(lang, PageFailure::Internal));
            };
            let Some(secret) = secret else {
                return Err(ViewerFailure(lang, PageFailure::SignIn));
            };
            let life = settings.lifetimes;
            let found = db(&state, move |conn| Ok(session::find(conn, &secret, hyoka_model::time::now(), life)?))
                .await
                .map_err(|e| ViewerFailure(lang, e))?;
            match found {
                Some(s) => {
                    Ok(Viewer { lang: s.lang.unwrap_or(lang), user: s.user, session_id: s.id, csrf: s.csrf, state })
                }
                None => Err(ViewerFailure(lang, PageFailure::SignIn)),
            }
        })
    }
}

macro_rules! page {
    ($viewer:expr, $body:expr) => {
        match $body {
            Ok(r) => r,
            Err(f) => $viewer.fail(f),
        }
    };
}

#[path = "group.rs"]
mod group;
#[path = "scs.rs"]
mod scs;

// ---------------------------------------------------------------- door

async fn start(viewer: Result<Viewer, ViewerFailure>) -> HttpResponse {
    match viewer {
        Ok(v) if v.role() == Role::Subsidiary => see_other("/ui/home"),
        Ok(_) => see_other("/ui/queue"),
        Err(_) => see_other("/ui/login"),
    }
}

#[derive(Template)]
#[template(path = "login.html")]
struct LoginPage {
    c: Chrome,
    error: Option<String>,
    notice: Option<&'static str>,
    login: String,
}

fn login_page(req: &HttpRequest, lang: Lang, status: StatusCode, error: Option<String>, login: String) -> HttpResponse {
    let settings = req.app_data::<web::Data<Settings>>().map_or_else(Settings::default, |s| s.for_request(req));
    let token = match session::random_hex() {
        Ok(t) => t,
        Err(_) => return render_error(lang, &PageFailure::Internal),
    };
    let mut c = Chrome::new(lang, None);
    c.csrf = token.clone();
    let notice = req.query_string().contains("out=1").then_some(c.t.logged_out);
    let mut res = html(status, LoginPage { c, error, notice, login }.render());
    if let Ok(v) = header::HeaderValue::from_str(&settings.cookie(settings.login_cookie_name(), &token, Some(3600))) {
        res.headers_mut().append(header::SET_COOKIE, v);
    }
    res
}

/// The language of a page without a session: `?lang=` (the switch), else
/// `Accept-Language`.
fn page_lang(req: &HttpRequest) -> Lang {
    let q = req.query_string();
    if q.split('&').any(|kv| kv == "lang=en") {
        Lang::En
    } else if q.split('&').any(|kv| kv == "lang=ja") {
        Lang::Ja
    } else {
        Lang::negotiate(req)
    }
}

async fn login_form(req: HttpRequest, viewer: Result<Viewer, ViewerFailure>) -> HttpResponse {
    if viewer.is_ok() {
        return see_other("/ui/");
    }
    login_page(&req, page_lang(&req), StatusCode::OK, None, String::new())
}

#[derive(Deserialize)]
struct LoginForm {
    #[serde(default)]
    login: String,
    #[serde(default)]
    password: String,
    #[serde(default)]
    csrf_token: String,
    lang: Option<String>,
}

async fn login(
    req: HttpRequest,
    state: web::Data<AppState>,
    settings: web::Data<Settings>,
    form: web::Form<LoginForm>,
) -> HttpResponse {
    let settings = settings.for_request(&req);
    let form = form.into_inner();
    let lang = form.lang.as_deref().and_then(Lang::from_code).unwrap_or_else(|| Lang::negotiate(&req));
    let cookie = security::cookie(&req, settings.login_cookie_name()).unwrap_or("");
    if !security::same_site(&req) || cookie.is_empty() || !session::same(cookie, &form.csrf_token) {
        return render_error(lang, &PageFailure::Csrf);
    }
    let policy = state.settings.login_policy;
    let client = hyoka_api::client::of(&req).ip;
    let life = settings.lifetimes;
    let login = form.login.clone();
    let chosen = form.lang.as_deref().and_then(Lang::from_code);
    let outcome = db(&state, move |conn| {
        let pw = Secret::new(form.password);
        match hyoka_service::login::authenticate(conn, policy, &login, &pw, client) {
            Ok(user) => Ok(Ok(session::create(conn, &user, chosen, life)?)),
            Err(LoginError::Db(e)) => Err(e.into()),
            Err(e) => Ok(Err(e)),
        }
    })
    .await;
    let t = lang.texts();
    match outcome {
        Ok(Ok(secret)) => {
            let mut res = see_other("/ui/");
            let max = settings.lifetimes.absolute.num_seconds();
            for c in [
                settings.cookie(settings.cookie_name(), &secret, Some(max)),
                settings.cookie(settings.login_cookie_name(), "", Some(0)),
            ] {
                if let Ok(v) = header::HeaderValue::from_str(&c) {
                    res.headers_mut().append(header::SET_COOKIE, v);
                }
            }
            res
        }
        Ok(Err(LoginError::Locked(until))) => login_page(
            &req,
            lang,
            StatusCode::TOO_MANY_REQUESTS,
            Some(format!("{} {}", t.login_locked, i18n::time_jst(until))),
            form.login,
        ),
        Ok(Err(_)) => login_page(&req, lang, StatusCode::UNAUTHORIZED, Some(t.login_bad.to_owned()), form.login),
        Err(f) => render_error(lang, &f),
    }
}

#[derive(Deserialize)]
struct CsrfOnly {
    csrf_token: Option<String>,
}

async fn logout(
    req: HttpRequest,
    viewer: Viewer,
    settings: web::Data<Settings>,
    form: web::Form<CsrfOnly>,
) -> HttpResponse {
    let settings = settings.for_request(&req);
    if let Err(f) = viewer.csrf(&req, form.csrf_token.as_deref()) {
        return viewer.fail(f);
    }
    let id = viewer.session_id;
    if let Err(f) = viewer.db(move |conn| Ok(session::revoke(conn, id)?)).await {
        return viewer.fail(f);
    }
    let mut res = see_other("/ui/login?out=1");
    if let Ok(v) = header::HeaderValue::from_str(&settings.cookie(settings.cookie_name(), "", Some(0))) {
        res.headers_mut().append(header::SET_COOKIE, v);
    }
    res
}

#[derive(Deserialize)]
struct LangForm {
    csrf_token: Option<String>,
    lang: String,
    back: Option<String>,
}

async fn switch_lang(req: HttpRequest, viewer: Viewer, form: web::Form<LangForm>) -> HttpResponse {
    let form = form.into_inner();
    page!(
        viewer,
        async {
            viewer.csrf(&req, form.csrf_token.as_deref())?;
            let lang = Lang::from_code(&form.lang).ok_or(PageFailure::Invalid("lang".into()))?;
            let id = viewer.session_id;
            viewer.db(move |conn| Ok(session::set_lang(conn, id, lang)?)).await?;
            // Back to a page of ours only.
            let back = form.back.filter(|b| b.starts_with("/ui/") && !b.starts_with("//")).unwrap_or("/ui/".into());
            Ok(see_other(&back))
        }
        .await
    )
}

#[derive(Template)]
#[template(path = "password.html")]
struct PasswordPage {
    c: Chrome,
    error: Option<String>,
    notice: Option<&'static str>,
}

async fn password_form(viewer: Viewer, q: web::Query<BTreeMap<String, String>>) -> HttpResponse {
    let notice = q.get("flash").is_some_and(|f| f == "changed").then_some(viewer.lang.texts().password_changed);
    html(StatusCode::OK, PasswordPage { c: viewer.chrome(), error: None, notice }.render())
}

#[derive(Deserialize)]
struct PasswordForm {
    csrf_token: Option<String>,
    #[serde(default)]
    current: String,
    #[serde(default)]
    new: String,
    #[serde(default)]
    again: String,
}

/// Changes one's own password through the service the API's
/// `POST /me/password` calls too: the current one is checked as a sign-in is
/// (a wrong one counts as a failed login), the API tokens are revoked and
/// every session ends (as when an admin sets a password); this browser gets a
/// new session.
async fn change_password(
    req: HttpRequest,
    viewer: Viewer,
    settings: web::Data<Settings>,
    form: web::Form<PasswordForm>,
) -> HttpResponse {
    let settings = settings.for_request(&req);
    let form = form.into_inner();
    if let Err(f) = viewer.csrf(&req, form.csrf_token.as_deref()) {
        return viewer.fail(f);
    }
    let t = viewer.lang.texts();
    let refuse = |viewer: &Viewer, status: StatusCode, e: String| {
        html(status, PasswordPage { c: viewer.chrome(), error: Some(e), notice: None }.render())
    };
    if form.new != form.again {
        return refuse(&viewer, StatusCode::UNPROCESSABLE_ENTITY, t.password_mismatch.to_owned());
    }
    let user = viewer.user.clone();
    let life = settings.lifetimes;
    let lang = viewer.lang;
    let policy = viewer.state.settings.login_policy;
    let client = hyoka_api::client::of(&req).ip;
    let (current, new) = (Secret::new(form.current), Secret::new(form.new));
    let outcome = viewer
        .db(move |conn| {
            match hyoka_service::login::change_own_password(conn, policy, &user, &current, &new, client, None) {
                Ok(()) => Ok(Ok(session::create(conn, &user, Some(lang), life)?)),
                Err(PasswordChangeError::Db(e)) => Err(e.into()),
                Err(e) => Ok(Err(e)),
            }
        })
        .await;
    match outcome {
        Ok(Ok(secret)) => {
            let mut res = see_other("/ui/account/password?flash=changed");
            let c = settings.cookie(settings.cookie_name(), &secret, Some(life.absolute.num_seconds()));
            if let Ok(v) = header::HeaderValue::from_str(&c) {
                res.headers_mut().append(header::SET_COOKIE, v);
            }
            res
        }
        Ok(Err(PasswordChangeError::WrongCurrent)) => {
            refuse(&viewer, StatusCode::UNPROCESSABLE_ENTITY, t.password_wrong.to_owned())
        }
        Ok(Err(PasswordChangeError::Locked(until))) => {
            refuse(&viewer, StatusCode::TOO_MANY_REQUESTS, format!("{} {}", t.login_locked, i18n::time_jst(until)))
        }
        Ok(Err(e)) => refuse(&viewer, StatusCode::UNPROCESSABLE_ENTITY, e.to_string()),
        Err(f) => viewer.fail(f),
    }
}

// ---------------------------------------------------------------- words

fn status_words(t: &'static Texts, status: &str) -> &'static str {
    match status {
        "submitted" => t.status_submitted,
        "in_review" => t.status_in_review,
        "returned" => t.status_returned,
        "accepted" => t.status_accepted,
        "withdrawn" => t.status_withdrawn,
        _ => t.status_not_submitted,
    }
}

fn score_words(t: &'static Texts, code: &str) -> &'static str {
    match code {
        "2" => t.score_2,
        "1" => t.score_1,
        "0" => t.score_0,
        "na" | "n/a" | "not_applicable" => t.score_na,
        _ => t.score_none,
    }
}

fn severity_words(t: &'static Texts, code: &str) -> &'static str {
    match code {
        "high" => t.high,
        "medium" => t.medium,
        _ => t.low,
    }
}

// ---------------------------------------------------------------- subsidiary

#[derive(Template)]
#[template(path = "home.html")]
struct HomePage {
    c: Chrome,
    company: String,
    year: Option<String>,
    deadline: Option<String>,
    target_level: Option<u8>,
    status: &'static str,
    status_code: String,
    return_message: Option<String>,
    submission_id: Option<i64>,
    collection_message: Option<String>,
}

async fn home(viewer: Viewer) -> HttpResponse {
    page!(
        viewer,
        async {
            viewer.require(&[Role::Subsidiary])?;
            let access = viewer.access();
            let company_id = access.own_company().ok_or(PageFailure::Forbidden)?;
            let lang = viewer.lang;
            let (company, latest, current, return_message) = viewer
                .db(move |conn| {
                    let company = access.company(conn, company_id)?;
                    let (list, _) = collections::list(conn, Some(company_id), 0, 1)?;
                    let latest = list.into_iter().next();
                    let current = match &latest {
                        Some(c) => submissions::current(conn, company_id, c.fiscal_year, None)?,
                        None => newest_sheet(conn, Some(company_id))?,
                    };
                    let message = match &current {
                        Some(s) if s.status == SubmissionStatus::Returned => submissions::transitions_of(conn, s.id)?
                            .into_iter()
                            .rev()
                            .find(|x| x.to_status == "returned")
                            .and_then(|x| x.message),
                        _ => None,
                    };
                    Ok((company, latest, current, message))
                })
                .await?;
            let t = lang.texts();
            let status_code = current.as_ref().map_or("not_submitted".to_owned(), |s| s.status.code().to_owned());
            let body = HomePage {
                company: format!("{} {}", company.code, company.name),
                year: latest
                    .as_ref()
                    .map(|c| c.fiscal_year)
                    .or(current.as_ref().map(|s| s.fiscal_year))
                    .map(|y| i18n::fiscal_year(lang, y.get())),
                deadline: latest.as_ref().map(|c| i18n::deadline(lang, c.deadline, i18n::today_jst())),
                target_level: latest.as_ref().and_then(|c| {
                    c.members.iter().find(|m| m.company_id == company_id).map(|m| m.target_level.number())
                }),
                status: status_words(t, &status_code),
                status_code,
                return_message,
                submission_id: current.as_ref().map(|s| s.id),
                collection_message: latest.and_then(|c| c.message),
                c: viewer.chrome(),
            }
            .render();
            Ok(html(StatusCode::OK, body))
        }
        .await
    )
}

/// One problem of a refused file, as a row.
pub struct ProblemRow {
    /// 1-based.
    pub no: usize,
    /// `sheet!cell`.
    pub place: String,
    /// Item number.
    pub item: String,
    /// Found.
    pub found: String,
    /// Accepted.
    pub expected: String,
    /// Message in the page's language.
    pub message: String,
    /// `error` or `warning`.
    pub gravity: String,
}

fn problem_rows(lang: Lang, problems: &[ProblemDto]) -> Vec<ProblemRow> {
    let mut ps: Vec<&ProblemDto> = problems.iter().collect();
    ps.sort_by(|a, b| (a.gravity != "error", &a.sheet, &a.cell).cmp(&(b.gravity != "error", &b.sheet, &b.cell)));
    ps.into_iter()
        .enumerate()
        .map(|(i, p)| ProblemRow {
            no: i + 1,
            place: match (&p.sheet, &p.cell) {
                (Some(s), Some(c)) => format!("{s}!{c}"),
                (Some(s), None) => s.clone(),
                (None, Some(c)) => c.clone(),
                (None, None) => p.file.clone(),
            },
            item: p.item.map(|i| i.to_string()).unwrap_or_default(),
            found: p.found.clone().unwrap_or_default(),
            expected: p.expected.clone().unwrap_or_default(),
            message: if lang == Lang::En { p.message_en.clone() } else { p.message_ja.clone() },
            gravity: p.gravity.clone(),
        })
        .collect()
}

/// What a self-check found.
pub struct CheckResult {
    /// The file's name.
    pub file: String,
    /// Self rates per level: (label, percent).
    pub rates: Vec<(String, String, String)>,
    /// The flags hyoka would raise.
    pub flags: Vec<CheckFlag>,
}

/// One flag a self-check would raise.
pub struct CheckFlag {
    /// Item, or the whole sheet.
    pub item: String,
    /// Severity in words.
    pub severity: &'static str,
    /// Severity code (for the CSS class).
    pub severity_code: &'static str,
    /// Claimed score in words.
    pub claimed: &'static str,
    /// Suggested score.
    pub suggested: String,
    /// Reason in the page's language.
    pub reason: String,
}

#[derive(Template)]
#[template(path = "upload.html")]
struct UploadPage {
    c: Chrome,
    checking: bool,
    limit_mib: usize,
    fiscal_year: String,
    problems: Vec<ProblemRow>,
    errors: usize,
    warnings: usize,
    file: String,
    result: Option<CheckResult>,
}

impl UploadPage {
    fn new(viewer: &Viewer, checking: bool) -> UploadPage {
        UploadPage {
            c: viewer.chrome(),
            checking,
            limit_mib: viewer.state.settings.upload_body_limit / (1024 * 1024),
            fiscal_year: String::new(),
            problems: Vec::new(),
            errors: 0,
            warnings: 0,
            file: String::new(),
            result: None,
        }
    }
}

const UPLOADERS: &[Role] = &[Role::Admin, Role::Reviewer, Role::Subsidiary];

async fn upload_form(viewer: Viewer, q: web::Query<BTreeMap<String, String>>) -> HttpResponse {
    page!(
        viewer,
        async {
            viewer.require(UPLOADERS)?;
            let mut p = UploadPage::new(&viewer, false);
            p.fiscal_year = q.get("fiscal_year").cloned().unwrap_or_default();
            Ok(html(StatusCode::OK, p.render()))
        }
        .await
    )
}

async fn check_form(viewer: Viewer) -> HttpResponse {
    page!(
        viewer,
        async {
            viewer.require(UPLOADERS)?;
            Ok(html(StatusCode::OK, UploadPage::new(&viewer, true).render()))
        }
        .await
    )
}

#[derive(Default)]
struct UploadFields {
    csrf: Option<String>,
    fiscal_year: Option<String>,
    department: Option<String>,
    file: Option<(String, Vec<u8>)>,
}

async fn read_upload(mut form: actix_multipart::Multipart, limit: usize) -> Result<UploadFields, PageFailure> {
    let mut out = UploadFields::default();
    let mut total = 0usize;
    while let Some(field) = form.next().await {
        let mut field = field.map_err(|e| PageFailure::Invalid(e.to_string()))?;
        let name = field.name().unwrap_or("").to_owned();
        let file_name = field.content_disposition().and_then(|d| d.get_filename()).map(str::to_owned);
        let mut bytes = Vec::new();
        while let Some(chunk) = field.next().await {
            let chunk = chunk.map_err(|e| PageFailure::Invalid(e.to_string()))?;
            total += chunk.len();
            if total > limit {
                return Err(PageFailure::Invalid(format!(
                    "the file is larger than {limit} bytes / ファイルが大きすぎます"
                )));
            }
            bytes.extend_from_slice(&chunk);
        }
        let text = || String::from_utf8_lossy(&bytes).trim().to_owned();
        match name.as_str() {
            "csrf_token" => out.csrf = Some(text()),
            "fiscal_year" => out.fiscal_year = Some(text()).filter(|s| !s.is_empty()),
            "department" => out.department = Some(text()).filter(|s| !s.is_empty()),
            "file" => out.file = Some((file_name.unwrap_or_else(|| "upload".into()), bytes)),
            _ => {}
        }
    }
    Ok(out)
}

fn fy(s: Option<&str>) -> Result<Option<FiscalYear>, PageFailure> {
    s.map(|y| y.parse::<FiscalYear>().map_err(|e| PageFailure::Invalid(e.to_string()))).transpose()
}

async fn upload(req: HttpRequest, viewer: Viewer, form: actix_multipart::Multipart) -> HttpResponse {
    page!(
        viewer,
        async {
            viewer.require(UPLOADERS)?;
            // The token is checked before anything of the file is looked at.
            let fields = read_upload(form, viewer.state.settings.upload_body_limit).await?;
            viewer.csrf(&req, fields.csrf.as_deref())?;
            let (file_name, bytes) = fields.file.ok_or(PageFailure::Invalid("file".into()))?;
            let fiscal_year = fy(fields.fiscal_year.as_deref())?;
            let limits = viewer.state.settings.limits;
            let need_collection = viewer.state.settings.uploads_need_collection;
            let actor = viewer.user.actor();
            let own = viewer.access().own_company();
            let department = fields.department;
            let name = file_name.clone();
            let outcome = viewer
                .db(move |conn| {
                    let pipeline = Pipeline::load(conn, limits)?;
                    let own = own.map(|id| companies::get(conn, id)).transpose()?;
                    let options = ImportOptions {
                        company: own.map(|c| c.code),
                        fiscal_year,
                        department,
                        need_collection,
                        enqueue_analysis: true,
                        ..ImportOptions::default()
                    };
                    match hyoka_service::sheets::store_bytes(conn, &pipeline, actor, &name, &bytes, &options) {
                        Ok(report) => Ok(Ok(report)),
                        Err(e) if e.refusal().is_some() => Ok(Err(e)),
                        Err(e) => Err(e.into()),
                    }
                })
                .await?;
            match outcome {
                Ok(report) => {
                    let id = report.imported.stored.submission().id;
                    let flash = match report.imported.stored {
                        hyoka_model::db::submissions::Stored::Unchanged(_) => "same",
                        _ => "stored",
                    };
                    Ok(redirect_after_post(&req, &format!("/ui/submissions/{id}?flash={flash}")))
                }
                Err(e) => {
                    let problems: Vec<ProblemDto> =
                        e.refusal().map(|r| r.problems.iter().map(ProblemDto::from).collect()).unwrap_or_default();
                    let mut p = UploadPage::new(&viewer, false);
                    p.errors = problems.iter().filter(|x| x.gravity == "error").count();
                    p.warnings = problems.len() - p.errors;
                    p.problems = problem_rows(viewer.lang, &problems);
                    p.file = file_name;
                    Ok(html(StatusCode::UNPROCESSABLE_ENTITY, p.render()))
                }
            }
        }
        .await
    )
}

/// The self-check: read and judge the file as an upload would, store nothing.
async fn check(req: HttpRequest, viewer: Viewer, form: actix_multipart::Multipart) -> HttpResponse {
    page!(
        viewer,
        async {
            viewer.require(UPLOADERS)?;
            let fields = read_upload(form, viewer.state.settings.upload_body_limit).await?;
            viewer.csrf(&req, fields.csrf.as_deref())?;
            let (file_name, bytes) = fields.file.ok_or(PageFailure::Invalid("file".into()))?;
            let fiscal_year = fy(fields.fiscal_year.as_deref())?;
            let limits = viewer.state.settings.limits;
            let own = viewer.access().own_company();
            let name = file_name.clone();
            let outcome = viewer
                .db(move |conn| {
                    let pipeline = Pipeline::load(conn, limits)?;
                    let ingested = match hyoka_ingest::read_bytes(&name, &bytes, &pipeline.catalog, &pipeline.limits) {
                        Ok(i) => i,
                        Err(r) => return Ok(Err(r.problems.iter().map(ProblemDto::from).collect::<Vec<_>>())),
                    };
                    let cover = &ingested.sheet.cover;
                    let year = fiscal_year.or(cover.fiscal_year);
                    let facts = match (own, year) {
                        (Some(c), Some(y)) => companies::year_of(conn, c, y)?,
                        _ => None,
                    };
                    let size = hyoka_anomaly::CompanySize {
                        employees: cover.employees.or(facts.and_then(|f| f.employees)),
                        it_staff: cover.it_staff.or(facts.and_then(|f| f.it_staff)),
                    };
                    let target = match (own, year) {
                        (Some(c), Some(y)) => collections::target_level_for(conn, c, y)?,
                        _ => None,
                    };
                    let target = match (target, own) {
                        (Some(l), _) => l,
                        (None, Some(c)) => companies::get(conn, c)?.target_level,
                        (None, None) => hyoka_model::domain::Level::Lv1,
                    };
                    let answers = &ingested.sheet.answers;
                    let on = hyoka_service::detect::assessed_on(
                        cover.answered_on,
                        match year {
                            Some(y) => y,
                            None => current_fy()?,
                        },
                    );
                    let conditions = hyoka_service::detect::conditions_of(&ingested);
                    let report = hyoka_service::detect::check(
                        &pipeline.detector,
                        &pipeline.catalog,
                        answers,
                        &conditions,
                        size,
                        on,
                    );
                    let items: Vec<hyoka_model::scoring::ScoredItem> = answers
                        .iter()
                        .map(|a| hyoka_model::scoring::ScoredItem {
                            number: a.item,
                            level: a.level,
                            evaluation: a.evaluation,
                        })
                        .collect();
                    let suggestions = hyoka_service::detect::suggestions(&report);
                    let rates = hyoka_model::scoring::three_rates(&items, &suggestions, &[], target);
                    Ok(Ok((rates, report)))
                })
                .await?;
            let lang = viewer.lang;
            let t = lang.texts();
            let mut p = UploadPage::new(&viewer, true);
            p.file = file_name.clone();
            match outcome {
                Err(problems) => {
                    p.errors = problems.iter().filter(|x| x.gravity == "error").count();
                    p.warnings = problems.len() - p.errors;
                    p.problems = problem_rows(lang, &problems);
                    Ok(html(StatusCode::UNPROCESSABLE_ENTITY, p.render()))
                }
                Ok((rates, report)) => {
                    use hyoka_model::domain::Level;
                    let row = |label: String, s: hyoka_model::scoring::Rate, g: hyoka_model::scoring::Rate| {
                        (label, i18n::percent(s.rate), i18n::percent(g.rate))
                    };
                    let (s, g) = (&rates.self_rated, &rates.suggested);
                    let mut rows: Vec<(String, String, String)> = [Level::Lv1, Level::Lv2, Level::Lv3]
                        .into_iter()
                        .map(|l| row(format!("Lv{}", l.number()), s.level(l), g.level(l)))
                        .collect();
                    rows.push(row(format!("{} (Lv{})", t.level_target, s.target_level.number()), s.target, g.target));
                    rows.push(row(t.level_overall.to_owned(), s.overall, g.overall));
                    let flags = report
                        .findings
                        .iter()
                        .map(|f| CheckFlag {
                            item: f.target.item().map_or_else(|| t.whole_sheet.to_owned(), |i| i.get().to_string()),
                            severity: severity_words(t, f.severity.code()),
                            severity_code: f.severity.code(),
                            claimed: score_words(t, f.claimed.code()),
                            suggested: f.suggested.map(|p| p.value().to_string()).unwrap_or_else(|| "—".into()),
                            reason: if lang == Lang::En { f.reason_en.clone() } else { f.reason_ja.clone() },
                        })
                        .collect();
                    p.result = Some(CheckResult { file: file_name, rates: rows, flags });
                    p.fiscal_year = fields.fiscal_year.unwrap_or_default();
                    Ok(html(StatusCode::OK, p.render()))
                }
            }
        }
        .await
    )
}

/// The current revision of the newest fiscal year, of one company or of any.
fn newest_sheet(
    conn: &mut DbConn,
    company_id: Option<i64>,
) -> Result<Option<hyoka_model::db::submissions::Submission>, PageFailure> {
    let search = review::SubmissionSearch { company_id, current_only: true, ..Default::default() };
    Ok(review::search_submissions(conn, &search, 0, 1)?.0.into_iter().next().map(|l| l.submission))
}

/// The year a group page shows unless asked: the newest collection's year,
/// else the newest year a sheet was sent for, else this fiscal year.
fn default_year(conn: &mut DbConn) -> Result<FiscalYear, PageFailure> {
    match collections::newest_year(conn)? {
        Some(y) => Ok(y),
        None => match newest_sheet(conn, None)? {
            Some(s) => Ok(s.fiscal_year),
            None => current_fy(),
        },
    }
}

/// The fiscal year today falls in (Japan time; April to March).
fn current_fy() -> Result<FiscalYear, PageFailure> {
    use chrono::Datelike;
    let d = i18n::today_jst();
    let y = if d.month() >= 4 { d.year() } else { d.year() - 1 };
    FiscalYear::new(y).map_err(|_| PageFailure::Internal)
}

/// 303 to `to`; for htmx, `HX-Redirect` so the whole page moves.
fn redirect_after_post(req: &HttpRequest, to: &str) -> HttpResponse {
    if req.headers().contains_key("hx-request") {
        HttpResponse::Ok().insert_header(("hx-redirect", to)).finish()
    } else {
        see_other(to)
    }
}

// ---------------------------------------------------------------- sheet

/// The flags of one item, with the answer.
pub struct ItemGroup {
    /// Item number, or none for the whole sheet.
    pub item: Option<u16>,
    /// The answer as submitted.
    pub answer: Option<AnswerDto>,
    /// Claimed score in words.
    pub claimed: &'static str,
    /// Its flags.
    pub flags: Vec<FlagCard>,
    /// Last year's answer: the score in words and the evidence.
    pub last_year: Option<(&'static str, String)>,
    /// Whether score or evidence changed against the previous revision.
    pub changed: bool,
}

/// One flag as shown.
pub struct FlagCard {
    /// The flag.
    pub d: FlagDetail,
    /// Severity in words.
    pub severity: &'static str,
    /// Decision in words.
    pub decision: &'static str,
    /// Whether it is decided.
    pub decided: bool,
    /// Time of the latest decision in JST.
    pub reviews: Vec<(String, &'static str, String, String)>,
    /// Replies: (time, body).
    pub replies: Vec<(String, String)>,
    /// Suggested score (0–2), for the default of the decision form.
    pub suggested: u8,
}

#[derive(Template)]
#[template(path = "submission.html")]
struct SubmissionPage {
    c: Chrome,
    s: SubmissionDto,
    company: String,
    year: String,
    status: &'static str,
    flash: Option<&'static str>,
    uploaded_at: String,
    shown: bool,
    released: bool,
    rates: Vec<(String, String, String, String)>,
    risk: Option<(u8, Option<u8>, Vec<String>)>,
    groups: Vec<ItemGroup>,
    decided: usize,
    total: usize,
    undecided_serious: usize,
    undecided_only: bool,
    transitions: Vec<(String, &'static str, String)>,
    answers: Vec<(AnswerDto, &'static str)>,
    can_review: bool,
    can_start: bool,
    can_decide: bool,
    can_finish: bool,
    can_reply: bool,
    can_resubmit: bool,
}

async fn submission(viewer: Viewer, id: web::Path<i64>, q: web::Query<BTreeMap<String, String>>) -> HttpResponse {
    let id = id.into_inner();
    page!(
        viewer,
        async {
            let access = viewer.access();
            let (d, last_year, previous) = viewer
                .db(move |conn| {
                    let base = access.submission(conn, id)?;
                    let detail = review::detail(conn, id)?;
                    let mut others = Vec::new();
                    for against in [dashboards::Against::PreviousYear, dashboards::Against::PreviousRevision] {
                        others.push(match dashboards::counterpart(conn, &base, against)? {
                            Some(other) => Some(submissions::answers_of(conn, other)?),
                            None => None,
                        });
                    }
                    let previous = others.pop().flatten();
                    let last_year = others.pop().flatten();
                    Ok((detail, last_year, previous))
                })
                .await?;
            let by_item = |answers: Option<Vec<hyoka_model::sheet::Answer>>| {
                answers
                    .unwrap_or_default()
                    .into_iter()
                    .map(|a| (a.item.get(), AnswerDto::from(&a)))
                    .collect::<BTreeMap<u16, AnswerDto>>()
            };
            let last_year = by_item(last_year);
            let has_previous = previous.is_some();
            let previous = by_item(previous);
            let lang = viewer.lang;
            let t = lang.texts();
            let shown = access.sees_findings_when(d.flags_released);
            let rates_dto = hyoka_api::dto::RatesDto::new(&d.rates, shown);
            let mut rates = Vec::new();
            let pick = |a: &hyoka_api::dto::AchievementDto, i: usize| {
                i18n::percent([&a.lv1, &a.lv2, &a.lv3, &a.target, &a.overall][i].rate)
            };
            let labels = [
                "Lv1".to_owned(),
                "Lv2".to_owned(),
                "Lv3".to_owned(),
                format!("{} (Lv{})", t.level_target, d.target_level.number()),
                t.level_overall.to_owned(),
            ];
            for (i, label) in labels.into_iter().enumerate() {
                let dash = || "—".to_owned();
                rates.push((
                    label,
                    pick(&rates_dto.self_rated, i),
                    rates_dto.suggested.as_ref().map_or_else(dash, |a| pick(a, i)),
                    rates_dto.reviewed.as_ref().map_or_else(dash, |a| pick(a, i)),
                ));
            }
            let answers: Vec<AnswerDto> = d.answers.iter().map(AnswerDto::from).collect();
            let undecided_only = q.get("undecided").is_some_and(|v| v == "1");
            let mut groups: BTreeMap<Option<u16>, ItemGroup> = BTreeMap::new();
            let (mut decided, mut total, mut serious) = (0, 0, 0);
            if shown {
                for v in &d.flags {
                    let fd = FlagDetail::from(v);
                    let is_decided = fd.flag.decision.is_some();
                    total += 1;
                    if is_decided {
                        decided += 1;
                    } else if fd.flag.severity != "low" {
                        serious += 1;
                    }
                    if undecided_only && is_decided {
                        continue;
                    }
                    let item = fd.flag.item;
                    let answer = item.and_then(|i| answers.iter().find(|a| a.item == i).cloned());
                    let claimed = score_words(t, &fd.flag.claimed);
                    let card = FlagCard {
                        severity: severity_words(t, &fd.flag.severity),
                        decision: match fd.flag.decision.as_ref().map(|r| r.decision.as_str()) {
                            Some("confirmed") => t.confirmed,
                            Some(_) => t.dismissed,
                            None => t.undecided,
                        },
                        decided: is_decided,
                        reviews: fd
                            .reviews
                            .iter()
                            .map(|r| {
                                (
                                    i18n::shown_time(&r.decided_at),
                                    if r.decision == "confirmed" { t.confirmed } else { t.dismissed },
                                    r.reviewed_score.map(|s| s.to_string()).unwrap_or_default(),
                                    r.comment.clone(),
                                )
                            })
                            .collect(),
                        replies: fd.replies.iter().map(|r| (i18n::shown_time(&r.created_at), r.body.clone())).collect(),
                        suggested: fd.flag.suggested.unwrap_or(0),
                        d: fd,
                    };
                    let last = item
                        .and_then(|i| last_year.get(&i))
                        .map(|a| (score_words(t, &a.evaluation), a.evidence.clone()));
                    let changed = has_previous
                        && match (item.and_then(|i| previous.get(&i)), &answer) {
                            (Some(p), Some(a)) => p.evaluation != a.evaluation || p.evidence != a.evidence,
                            (None, Some(_)) => true,
                            _ => false,
                        };
                    groups
                        .entry(item)
                        .or_insert_with(|| ItemGroup {
                            item,
                            answer,
                            claimed,
                            flags: Vec::new(),
                            last_year: last,
                            changed,
                        })
                        .flags
                        .push(card);
                }
            }
            let status = d.submission.status;
            let parent = matches!(viewer.role(), Role::Admin | Role::Reviewer);
            let s = SubmissionDto::from(&d.submission);
            let flash = match q.get("flash").map(String::as_str) {
                Some("stored") => Some(t.stored),
                Some("same") => Some(t.already_submitted),
                _ => None,
            };
            let transitions = d
                .transitions
                .iter()
                .map(TransitionDto::from)
                .map(|x| (i18n::shown_time(&x.at), status_words(t, &x.to_status), x.message.unwrap_or_default()))
                .collect();
            let page = SubmissionPage {
                company: format!("{} {}", d.company.code, d.company.name),
                year: i18n::fiscal_year(lang, d.submission.fiscal_year.get()),
                status: status_words(t, status.code()),
                flash,
                uploaded_at: i18n::time_jst(d.submission.uploaded_at),
                shown,
                released: d.flags_released,
                rates,
                risk: if shown { d.risk.as_ref().map(|r| (r.score, r.residual, r.top_reasons.clone())) } else { None },
                groups: groups.into_values().collect(),
                decided,
                total,
                undecided_serious: serious,
                undecided_only,
                transitions,
                answers: answers.iter().map(|a| (a.clone(), score_words(t, &a.evaluation))).collect(),
                can_review: parent,
                can_start: parent && status == SubmissionStatus::Submitted,
                can_decide: parent && matches!(status, SubmissionStatus::Submitted | SubmissionStatus::InReview),
                can_finish: parent && status == SubmissionStatus::InReview,
                can_reply: viewer.role() == Role::Subsidiary && shown,
                can_resubmit: viewer.role() == Role::Subsidiary && d.submission.is_current,
                s,
                c: viewer.chrome(),
            };
            Ok(html(StatusCode::OK, page.render()))
        }
        .await
    )
}

/// The feedback workbook, the same bytes as the API's
/// `GET /api/v1/submissions/{id}/feedback.xlsx` (the same writer).
async fn feedback_workbook(viewer: Viewer, id: web::Path<i64>) -> HttpResponse {
    let id = id.into_inner();
    page!(
        viewer,
        async {
            let access = viewer.access();
            let (name, bytes) = viewer
                .db(move |conn| {
                    access.submission(conn, id)?;
                    let fb = hyoka_model::db::export::feedback(conn, id)?;
                    let shown = access.sees_findings_when(fb.detail.flags_released);
                    let bytes = hyoka_api::export::feedback::workbook(&fb, shown).map_err(|_| PageFailure::Internal)?;
                    Ok((hyoka_api::export::feedback::file_name(&fb), bytes))
                })
                .await?;
            Ok(hyoka_api::export::file_response(hyoka_api::export::XLSX_CONTENT_TYPE, &name, bytes))
        }
        .await
    )
}

/// One item that differs between two sheets.
pub struct ChangedItem {
    /// Item number.
    pub item: u16,
    /// The other sheet's score in words.
    pub before: &'static str,
    /// This sheet's score in words.
    pub after: &'static str,
    /// ▲ raised, ▼ lowered, or the evidence changed.
    pub mark: &'static str,
    /// The other sheet's evidence.
    pub before_evidence: String,
    /// This sheet's evidence.
    pub after_evidence: String,
}

#[derive(Template)]
#[template(path = "compare.html")]
struct ComparePage {
    c: Chrome,
    id: i64,
    previous_year: bool,
    title: String,
    other: Option<i64>,
    items: Vec<ChangedItem>,
}

fn points_of(code: &str) -> Option<u8> {
    code.parse().ok()
}

/// What changed: this sheet against the previous revision (default) or the
/// previous year's sheet; the items whose score or evidence differ.
async fn compare(viewer: Viewer, id: web::Path<i64>, q: web::Query<BTreeMap<String, String>>) -> HttpResponse {
    let id = id.into_inner();
    let previous_year = q.get("against").is_some_and(|a| a == "previous_year");
    page!(
        viewer,
        async {
            let access = viewer.access();
            let against =
                if previous_year { dashboards::Against::PreviousYear } else { dashboards::Against::PreviousRevision };
            let (base, mine, other) = viewer
                .db(move |conn| {
                    let base = access.submission(conn, id)?;
                    let mine = submissions::answers_of(conn, id)?;
                    let other = match dashboards::counterpart(conn, &base, against)? {
                        Some(o) => Some((o, submissions::answers_of(conn, o)?)),
                        None => None,
                    };
                    Ok((base, mine, other))
                })
                .await?;
            let t = viewer.lang.texts();
            let mut items = Vec::new();
            if let Some((_, theirs)) = &other {
                let theirs: BTreeMap<u16, AnswerDto> =
                    theirs.iter().map(|a| (a.item.get(), AnswerDto::from(a))).collect();
                for a in mine.iter().map(AnswerDto::from) {
                    let Some(b) = theirs.get(&a.item) else { continue };
                    if a.evaluation == b.evaluation && a.evidence == b.evidence {
                        continue;
                    }
                    let mark = match (points_of(&b.evaluation), points_of(&a.evaluation)) {
                        (Some(x), Some(y)) if y > x => "▲",
                        (Some(x), Some(y)) if y < x => "▼",
                        _ => t.evidence_changed,
                    };
                    items.push(ChangedItem {
                        item: a.item,
                        before: score_words(t, &b.evaluation),
                        after: score_words(t, &a.evaluation),
                        mark,
                        before_evidence: b.evidence.clone(),
                        after_evidence: a.evidence,
                    });
                }
            }
            let page = ComparePage {
                id,
                previous_year,
                title: format!(
                    "{} {} {}",
                    i18n::fiscal_year(viewer.lang, base.fiscal_year.get()),
                    t.revision,
                    base.revision
                ),
                other: other.map(|(o, _)| o),
                items,
                c: viewer.chrome(),
            };
            Ok(html(StatusCode::OK, page.render()))
        }
        .await
    )
}

#[derive(Deserialize)]
struct MoveForm {
    csrf_token: Option<String>,
    message: Option<String>,
    accept_anyway: Option<String>,
}

const PARENT: &[Role] = &[Role::Admin, Role::Reviewer];

async fn move_sheet(
    req: HttpRequest,
    viewer: Viewer,
    path: web::Path<(i64, String)>,
    form: web::Form<MoveForm>,
) -> HttpResponse {
    let (id, action) = path.into_inner();
    let form = form.into_inner();
    page!(
        viewer,
        async {
            viewer.csrf(&req, form.csrf_token.as_deref())?;
            viewer.require(PARENT)?;
            let access = viewer.access();
            let actor = viewer.user.actor();
            let t = viewer.lang.texts();
            let anyway = form.accept_anyway.is_some();
            let message = form.message.filter(|m| !m.trim().is_empty());
            let act = match action.as_str() {
                "start-review" => Some(Action::StartReview),
                "return" => Some(Action::Return),
                "accept" => Some(Action::Accept),
                "release" => None,
                _ => return Err(PageFailure::NotFound),
            };
            if act == Some(Action::Return) && message.is_none() {
                return Err(PageFailure::Invalid(t.message_required.to_owned()));
            }
            let needs_confirmation = viewer
                .db(move |conn| {
                    access.submission(conn, id)?;
                    match act {
                        None => {
                            hyoka_service::review::release_flags(conn, actor, id)?;
                        }
                        Some(Action::Accept) => {
                            // "Accept anyway" keeps the undecided flags (audited);
                            // without it the service says how many there are.
                            let choice = anyway.then_some(hyoka_service::review::OpenFlags::Keep);
                            match hyoka_service::review::accept(conn, actor, id, choice) {
                                Err(hyoka_service::ServiceError::OpenFlags { count }) => return Ok(Some(count)),
                                other => {
                                    other?;
                                }
                            }
                        }
                        Some(a) => {
                            hyoka_service::review::transition(conn, actor, id, a, message.as_deref())?;
                        }
                    }
                    Ok(None)
                })
                .await?;
            if let Some(n) = needs_confirmation {
                return Err(PageFailure::Invalid(format!("{} {n}", t.accept_confirm)));
            }
            Ok(redirect_after_post(&req, &format!("/ui/submissions/{id}")))
        }
        .await
    )
}

fn points(score: Option<&str>) -> Result<Points, PageFailure> {
    let v: u8 = score.and_then(|s| s.parse().ok()).ok_or(PageFailure::Invalid("reviewed_score".into()))?;
    Points::try_from(v).map_err(|_| PageFailure::Invalid("reviewed_score".into()))
}

#[derive(Deserialize)]
struct DecideForm {
    csrf_token: Option<String>,
    decision: String,
    reviewed_score: Option<String>,
    #[serde(default)]
    comment: String,
}

async fn decide_one(req: HttpRequest, viewer: Viewer, id: web::Path<i64>, form: web::Form<DecideForm>) -> HttpResponse {
    let id = id.into_inner();
    let form = form.into_inner();
    page!(
        viewer,
        async {
            viewer.csrf(&req, form.csrf_token.as_deref())?;
            viewer.require(PARENT)?;
            let decision = match form.decision.as_str() {
                "confirmed" => Decision::Confirmed { reviewed_score: points(form.reviewed_score.as_deref())? },
                "dismissed" => Decision::Dismissed,
                _ => return Err(PageFailure::Invalid("decision".into())),
            };
            let access = viewer.access();
            let actor = viewer.user.actor();
            let sub = viewer
                .db(move |conn| {
                    let flag = access.flag(conn, id)?;
                    hyoka_service::review::decide(conn, actor, id, decision, &form.comment)?;
                    Ok(flag.submission_id)
                })
                .await?;
            Ok(see_other(&format!("/ui/submissions/{sub}#flag-{id}")))
        }
        .await
    )
}

async fn decide_many(
    req: HttpRequest,
    viewer: Viewer,
    id: web::Path<i64>,
    form: web::Form<Vec<(String, String)>>,
) -> HttpResponse {
    let sub = id.into_inner();
    let fields = form.into_inner();
    let get = |k: &str| fields.iter().find(|(n, _)| n == k).map(|(_, v)| v.clone());
    let ids: Vec<i64> = fields.iter().filter(|(n, _)| n == "flag").filter_map(|(_, v)| v.parse().ok()).collect();
    let decision = get("decision").unwrap_or_default();
    let comment = get("comment").unwrap_or_default();
    let token = get(CSRF_FIELD);
    page!(
        viewer,
        async {
            viewer.csrf(&req, token.as_deref())?;
            viewer.require(PARENT)?;
            let access = viewer.access();
            let actor = viewer.user.actor();
            let dismiss = match decision.as_str() {
                "dismissed" => true,
                "suggested" => false,
                _ => return Err(PageFailure::Invalid("decision".into())),
            };
            viewer
                .db(move |conn| {
                    access.submission(conn, sub)?;
                    for id in ids {
                        let flag = access.flag(conn, id)?;
                        if flag.submission_id != sub {
                            return Err(PageFailure::NotFound);
                        }
                        let decision = if dismiss {
                            Decision::Dismissed
                        } else {
                            match flag.flag.suggested {
                                Some(p) => Decision::Confirmed { reviewed_score: p },
                                None => continue,
                            }
                        };
                        hyoka_service::review::decide(conn, actor, id, decision, &comment)?;
                    }
                    Ok(())
                })
                .await?;
            Ok(see_other(&format!("/ui/submissions/{sub}")))
        }
        .await
    )
}

#[derive(Deserialize)]
struct ReplyForm {
    csrf_token: Option<String>,
    body: String,
}

async fn reply(req: HttpRequest, viewer: Viewer, id: web::Path<i64>, form: web::Form<ReplyForm>) -> HttpResponse {
    let id = id.into_inner();
    let form = form.into_inner();
    page!(
        viewer,
        async {
            viewer.csrf(&req, form.csrf_token.as_deref())?;
            viewer.require(&[Role::Subsidiary])?;
            let access = viewer.access();
            let actor = viewer.user.actor();
            let sub = viewer
                .db(move |conn| {
                    let flag = access.flag(conn, id)?;
                    hyoka_model::db::flags::reply(conn, actor, id, &form.body)?;
                    Ok(flag.submission_id)
                })
                .await?;
            Ok(see_other(&format!("/ui/submissions/{sub}#flag-{id}")))
        }
        .await
    )
}

// ---------------------------------------------------------------- queue

/// One line of the review queue.
pub struct QueueLine {
    /// Submission.
    pub submission_id: i64,
    /// Company.
    pub company: String,
    /// Status in words.
    pub status: &'static str,
    /// Revision.
    pub revision: i32,
    /// Risk.
    pub risk: String,
    /// Residual risk after review.
    pub residual: String,
    /// Impact tier.
    pub tier: u8,
    /// Priority.
    pub priority: u32,
    /// Open flags.
    pub open: i64,
    /// Age in days.
    pub age: i64,
}

#[derive(Template)]
#[template(path = "queue.html")]
struct QueuePage {
    c: Chrome,
    year: String,
    lines: Vec<QueueLine>,
}

async fn queue(viewer: Viewer, q: web::Query<BTreeMap<String, String>>) -> HttpResponse {
    page!(
        viewer,
        async {
            viewer.require(&[Role::Admin, Role::Reviewer, Role::Auditor])?;
            let asked = fy(q.get("fiscal_year").map(String::as_str))?;
            let (year, lines) = viewer
                .db(move |conn| {
                    let year = match asked {
                        Some(y) => y,
                        None => default_year(conn)?,
                    };
                    let filter = dashboards::CompanyFilter {
                        statuses: vec![SubmissionStatus::Submitted, SubmissionStatus::InReview],
                        submitted: Some(true),
                        ..Default::default()
                    };
                    let (lines, _) = dashboards::lines(conn, year, &filter, dashboards::Order::Priority, 0, 200)?;
                    Ok((year, lines))
                })
                .await?;
            let t = viewer.lang.texts();
            let now = hyoka_model::time::now();
            let lines = lines
                .iter()
                .map(hyoka_api::dto::OverviewLineDto::from)
                .filter_map(|l| {
                    let y = l.year?;
                    let age = chrono::DateTime::parse_from_rfc3339(&y.uploaded_at)
                        .map(|u| (now - u.with_timezone(&chrono::Utc)).num_days())
                        .unwrap_or(0);
                    Some(QueueLine {
                        submission_id: y.submission_id,
                        company: format!("{} {}", l.company.code, l.company.name),
                        status: status_words(t, &y.status),
                        revision: y.revision,
                        risk: y.risk.map(|r| r.to_string()).unwrap_or_else(|| "—".into()),
                        residual: y.residual_risk.map(|r| r.to_string()).unwrap_or_else(|| "—".into()),
                        tier: l.company.impact_tier,
                        priority: l.priority.unwrap_or(0),
                        open: y.flags.open,
                        age,
                    })
                })
                .collect();
            Ok(html(
                StatusCode::OK,
                QueuePage { year: i18n::fiscal_year(viewer.lang, year.get()), lines, c: viewer.chrome() }.render(),
            ))
        }
        .await
    )
}

#[path = "admin.rs"]
mod admin;
