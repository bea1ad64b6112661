//! `hyoka demo`: add whatever part of the fixed demo group is missing, one
//! short transaction per step, then serve it: a group whose current year
//! has about a third of the companies over-rating, its group analysis run
//! for every year, and the current year caught mid-review.
//!
//! Safe to interrupt at any moment: a killed demo leaves only whole
//! submissions behind, and the next run adds the rest. SIGTERM or Ctrl-C
//! during generation stops after the submission being written.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use anyhow::{Context, bail};
use chrono::{DateTime, Utc};
use hyoka_generator::{DemoGroup, GroupSpec, SyntheticCompany, demo_group, write_csv_utf8_bom};
use hyoka_model::catalog::Catalog;
use hyoka_model::credentials;
use hyoka_model::db::users::{self, Account};
use hyoka_model::db::{self, DbConn, companies, flags, jobs, submissions};
use hyoka_model::domain::{Decision, FiscalYear, Points, Role};
use hyoka_model::sheet::Sheet;
use hyoka_model::workflow::{Action, Actor, SubmissionStatus};
use hyoka_service::Pipeline;
use hyoka_service::review::{self, OpenFlags};
use hyoka_service::{analysis, sheets};
use sha2::{Digest, Sha256};

use crate::config::Config;

/// Command-line options of `hyoka demo`.
#[derive(Debug, Clone, Copy)]
pub struct Options {
    /// Serve after filling the database.
    pub serve: bool,
    /// Fill even when the database holds companies the demo did not create.
    pub allow_non_demo: bool,
    /// Companies in the demo group.
    pub companies: usize,
}

/// Runs the demo.
pub fn run(config: &Config, options: Options) -> anyhow::Result<()> {
    db::migrate(&config.database.url)?;
    let pool = db::pool(&config.database.url, config.database.pool_size)?;
    let stop = watch_signals();
    let filled = {
        let mut conn = pool.get()?;
        fill(&mut conn, options, &stop)?
    };
    println!(
        "demo group: {} companies × {} fiscal years; {} submissions added now, {} were already there; \
         {} analysis runs and {} review steps now",
        filled.companies, filled.years, filled.added, filled.present, filled.analysed, filled.reviewed
    );
    let flagged = {
        let mut conn = pool.get()?;
        flagged(&mut conn, options)?
    };
    if let Some(f) = &flagged {
        println!(
            "{}: {} flags of medium severity or above on {} of {} companies; highest risk {}",
            f.year, f.flags, f.companies, filled.companies, f.highest_risk
        );
    }
    if stop.load(Ordering::SeqCst) {
        println!("stopped by a signal; run `hyoka demo` again to add the rest");
        return Ok(());
    }
    // The demo serves plain HTTP on its own address: on a loopback address
    // the session cookie goes without `Secure` (and so without the `__Host-`
    // prefix), which every browser then stores; anywhere else the setting
    // stays as configured.
    let mut config = config.clone();
    if config.server.bind.ip().is_loopback() {
        config.web.cookie_secure = false;
    }
    print_login_help(&config);
    if options.serve && config.mail.transport.is_none() && !config.mail.folder.as_os_str().is_empty() {
        // Mail is off: the demo shows its mails as files instead.
        println!(
            "mail: each mail is written as an .eml file to {}/ (mail.mode is off; set it to smtp to send)",
            config.mail.folder.display()
        );
        config.mail.transport = Some(hyoka_service::mail::Transport::Folder(config.mail.folder.clone()));
    }
    if options.serve {
        crate::serve::serve(&config, pool)?;
    }
    Ok(())
}

/// What [`fill`] did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Filled {
    /// Companies in the demo group.
    pub companies: usize,
    /// Fiscal years per company.
    pub years: usize,
    /// Submissions stored by this run (revisions included).
    pub added: usize,
    /// Company-years whose first sheet was there already.
    pub present: usize,
    /// Group analysis runs recorded by this run.
    pub analysed: usize,
    /// Review steps (start, decide, return, reply, resubmit, accept) taken
    /// by this run.
    pub reviewed: usize,
}

/// Where a demo sheet of the current year is to stand.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Target {
    /// As uploaded.
    Submitted,
    /// In review, with some flags decided.
    InReview,
    /// Returned with a message, one flag confirmed and the subsidiary's
    /// reply on it.
    Returned,
    /// Returned, replied to, corrected, resubmitted and accepted.
    Resubmitted,
    /// Reviewed and accepted.
    Accepted,
    /// No sheet yet.
    NotSubmitted,
}

/// What each company's sheet of each year is to go through: earlier years
/// accepted, the current year caught mid-review. Over-rating companies, in
/// company order, are returned, in review or resubmitted; three honest ones
/// are accepted, three have not submitted yet; one honest company never
/// sent last year's sheet (overdue in last year's collection).
struct Plan {
    current: Vec<Target>,
    overdue: Option<usize>,
}

/// Groups of at most this many companies have their earlier years
/// reviewed and accepted (two steps per sheet); larger ones (the load-test
/// group of `--companies 10000`) keep them as uploaded, so they fill fast.
const REVIEWED_HISTORY: usize = 200;

const OVER_RATING_TARGETS: [Target; 9] = [
    Target::Returned,
    Target::InReview,
    Target::Resubmitted,
    Target::InReview,
    Target::Returned,
    Target::InReview,
    Target::Resubmitted,
    Target::InReview,
    Target::Returned,
];

fn plan(group: &DemoGroup) -> Plan {
    let n = group.companies().len();
    let mut current = vec![Target::Submitted; n];
    let mut over = OVER_RATING_TARGETS.iter();
    let honest: Vec<usize> = (0..n).filter(|&i| group.kind(i).is_none()).collect();
    for (i, target) in current.iter_mut().enumerate() {
        if group.kind(i).is_some() {
            *target = over.next().copied().unwrap_or(Target::Submitted);
        }
    }
    // From the end of the honest companies: three not yet submitted, one
    // overdue last year, and from the start three accepted.
    let mut from_end = honest.iter().rev().copied().filter(|&i| i != 0);
    for _ in 0..3 {
        if let Some(i) = from_end.next() {
            current[i] = Target::NotSubmitted;
        }
    }
    let overdue = from_end.next();
    for &i in honest.iter().filter(|&&i| i != 0 && Some(i) != overdue).take(3) {
        if current[i] == Target::Submitted {
            current[i] = Target::Accepted;
        }
    }
    Plan { current, overdue }
}

/// Whether company `index` has a sheet for `year` in the demo.
fn submits(plan: &Plan, group: &DemoGroup, index: usize, year: FiscalYear) -> bool {
    if Some(year) == group.last_year() {
        return plan.current.get(index) != Some(&Target::NotSubmitted);
    }
    let last_but_one = group.years().len().checked_sub(2).and_then(|i| group.years().get(i)).copied();
    !(Some(year) == last_but_one && plan.overdue == Some(index))
}

/// Adds every missing part of the demo group, each step its own short
/// transaction, so a killed run leaves only whole steps behind and the next
/// one goes on from there. Year by year: the collection (the last two
/// years), the companies, their sizes and sheets (one company-year per
/// transaction), the demo accounts, the group analysis (recorded as a run)
/// and the review; earlier years as of their own dates ([`History`]), the
/// current year now, after every demo user has a (reserved `.invalid`) mail
/// address. Returns early (with what it did) once `stop` is set.
pub fn fill(conn: &mut DbConn, options: Options, stop: &AtomicBool) -> anyhow::Result<Filled> {
    let foreign = companies::count_non_demo(conn)?;
    if foreign > 0 && !options.allow_non_demo {
        bail!(
            "the database holds {foreign} companies that the demo did not create; the demo does not mix its \
             group into real data. Point DATABASE_URL at another database, or pass --allow-non-demo. / \
             このデータベースにはデモ以外の会社が {foreign} 社登録されています。別のデータベースを指定するか \
             --allow-non-demo を付けてください。"
        );
    }
    let catalog = Catalog::builtin().context("the built-in catalog")?;
    let pipeline = Pipeline { catalog: catalog.clone(), ..Pipeline::load(conn, hyoka_ingest::Limits::default())? };
    let group = DemoGroup::new(&GroupSpec { companies: options.companies, ..demo_group() }, &catalog);
    let plan = plan(&group);
    let years = group.years().to_vec();
    let mut filled = Filled {
        companies: group.companies().len(),
        years: years.len(),
        added: 0,
        present: 0,
        analysed: 0,
        reviewed: 0,
    };
    let progress = crate::progress::bar((group.companies().len() * years.len()) as u64, "demo company-years");
    let small = group.companies().len() <= REVIEWED_HISTORY;
    // Year by year, each written as of its own dates (`History`): last
    // year's collection opened in April, its sheets uploaded in May (before
    // its deadline), analysed and reviewed in July; the current year now.
    for &year in &years {
        let current = Some(year) == group.last_year();
        let dates = History::of(year, current);
        if current && small {
            // Everyone the current year's mail is for has an address first.
            contacts(conn, &group)?;
        }
        if current || (plan.overdue.is_some() && FiscalYear::new(year.get() + 1).ok() == group.last_year()) {
            dates.at(dates.opened, || open_collection(conn, &group, year, dates.deadline))?;
        }
        for company in group.companies() {
            if stop.load(Ordering::SeqCst) {
                progress.abandon();
                return Ok(filled);
            }
            let wanted = submits(&plan, &group, company.index, year);
            let added = dates.at(dates.uploaded, || {
                db::write_tx(conn, |conn| add_company_year(conn, &group, &pipeline, company, year, wanted))
            })?;
            match added {
                Some(true) => {
                    filled.added += 1;
                    if db::optimize_due(filled.added as u64) {
                        db::optimize(conn)?;
                    }
                }
                Some(false) => filled.present += 1,
                None => {}
            }
            progress.inc(1);
        }
        let Some(first) = group.companies().first() else {
            return Ok(filled);
        };
        dates.at(dates.uploaded, || demo_accounts(conn, &first.code))?;
        if stop.load(Ordering::SeqCst) {
            return Ok(filled);
        }
        if jobs::list(conn, Some(year), 1)?.is_empty() {
            dates
                .at(dates.analysed, || {
                    analysis::analyze_recorded(
                        conn,
                        &pipeline.detector,
                        &catalog.framework.id,
                        year,
                        jobs::Trigger::Import,
                    )
                })
                .with_context(|| format!("the demo's group analysis of {year}"))?;
            filled.analysed += 1;
        }
        let reviewer = user_actor(conn, "demo-reviewer")?;
        for company in group.companies() {
            if stop.load(Ordering::SeqCst) {
                return Ok(filled);
            }
            let target = match (current, small) {
                (true, _) => plan.current[company.index],
                (false, true) => Target::Accepted,
                // A load-test group keeps its earlier years as uploaded.
                (false, false) => Target::Submitted,
            };
            if target == Target::NotSubmitted || !submits(&plan, &group, company.index, year) {
                continue;
            }
            filled.reviewed +=
                dates.at(dates.reviewed, || review(conn, &group, &pipeline, reviewer, company, year, target))?;
        }
    }
    progress.finish_and_clear();
    db::optimize(conn)?;
    Ok(filled)
}

/// What the detector found in the demo's current year.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Flagged {
    /// The current year.
    pub year: FiscalYear,
    /// Flags of medium severity or above on its current sheets.
    pub flags: usize,
    /// Companies with at least one.
    pub companies: usize,
    /// The highest risk of its current sheets.
    pub highest_risk: u8,
}

/// Risk threshold of the `min_risk` example the demo prints; the demo
/// test checks that it returns sheets.
pub const EXAMPLE_MIN_RISK: u8 = 20;

/// What the detector found in the current year of the demo group.
pub fn flagged(conn: &mut DbConn, options: Options) -> anyhow::Result<Option<Flagged>> {
    let spec = GroupSpec { companies: options.companies, ..demo_group() };
    let Some(&year) = spec.years.iter().max() else { return Ok(None) };
    let mut out = Flagged { year, flags: 0, companies: 0, highest_risk: 0 };
    for company in hyoka_generator::Generator::new(spec, &Catalog::builtin()?).companies() {
        let Some(c) = companies::by_code(conn, &company.code)? else { continue };
        let Some(sub) = submissions::current(conn, c.id, year, None)? else { continue };
        let medium = flags::of_submission(conn, sub.id)?
            .iter()
            .filter(|f| f.flag.severity >= hyoka_model::domain::Severity::Medium)
            .count();
        out.flags += medium;
        out.companies += usize::from(medium > 0);
        if let Some(risk) = hyoka_model::db::detection::risk_of(conn, sub.id)? {
            out.highest_risk = out.highest_risk.max(risk.score);
        }
    }
    Ok(Some(out))
}

/// The demo's accounts: login, password, role. The passwords are public
/// (README, docs/api.md): the demo database is for trying hyoka out only.
pub const DEMO_ACCOUNTS: [(&str, &str, Role); 4] = [
    ("demo-admin", "hyoka-demo-admin", Role::Admin),
    ("demo-reviewer", "hyoka-demo-reviewer", Role::Reviewer),
    ("demo-subsidiary", "hyoka-demo-subsidiary", Role::Subsidiary),
    ("demo-auditor", "hyoka-demo-auditor", Role::Auditor),
];

/// Creates the demo accounts that are missing (the subsidiary user belongs
/// to the first demo company).
fn demo_accounts(conn: &mut DbConn, first_company: &str) -> anyhow::Result<()> {
    for (login, password, role) in DEMO_ACCOUNTS {
        if users::by_login(conn, login)?.is_some() {
            continue;
        }
        let account = match role {
            Role::Admin => Account::Admin,
            Role::Reviewer => Account::Reviewer,
            Role::Auditor => Account::Auditor,
            Role::Subsidiary => {
                let c = companies::by_code(conn, first_company)?
                    .with_context(|| format!("demo company {first_company} is missing"))?;
                Account::Subsidiary(c.id)
            }
        };
        let hash = credentials::hash_password(&credentials::Secret::new(password))?;
        let new = users::NewUser {
            login: login.to_owned(),
            display_name: format!("デモ {login}"),
            account,
            password_hash: Some(hash),
        };
        users::create(conn, Actor::System, &new)?;
    }
    Ok(())
}

/// How to log in to the demo, printed after filling it.
fn print_login_help(config: &Config) {
    let addr = config.server.bind;
    println!("web UI: http://{addr}/ui/ (sign in with an account below)");
    println!("demo accounts (login / password, role):");
    for (login, password, role) in DEMO_ACCOUNTS {
        println!("  {login:<16} / {password:<22} {role}");
    }
    println!("log in and list the submissions with the highest risk:");
    println!(
        "  TOKEN=$(curl -s -X POST http://{addr}/api/v1/login -H 'Content-Type: application/json' \\\n    -d '{{\"login\":\"demo-reviewer\",\"password\":\"hyoka-demo-reviewer\"}}' | sed 's/.*\"token\":\"\\([^\"]*\\)\".*/\\1/')"
    );
    println!(
        "  curl -s -H \"Authorization: Bearer $TOKEN\" 'http://{addr}/api/v1/submissions?min_risk={EXAMPLE_MIN_RISK}&current_only=true'"
    );
    println!("API documentation: http://{addr}/api/docs/ (OpenAPI: http://{addr}/api/openapi.json)");
}

/// One company-year in the caller's transaction: the company (if new), its
/// size that year, and its sheet (if `wanted` and missing). Returns whether
/// a sheet was stored (`None`: the company has none that year).
fn add_company_year(
    conn: &mut DbConn,
    group: &DemoGroup,
    pipeline: &Pipeline,
    company: &SyntheticCompany,
    year: FiscalYear,
    wanted: bool,
) -> anyhow::Result<Option<bool>> {
    let company_id = match companies::by_code(conn, &company.code)? {
        Some(existing) if !existing.is_demo => bail!(
            "company code {} is taken by a company the demo did not create / 会社コード {} はデモ以外の会社が使用しています",
            company.code,
            company.code
        ),
        Some(existing) => existing.id,
        None => {
            let new = companies::NewCompany {
                code: company.code.clone(),
                name: company.name.clone(),
                industry: Some(company.industry.label_ja().to_owned()),
                target_level: company.target_level,
                impact_tier: company.impact_tier,
                is_demo: true,
            };
            db::writes::create_company_in_tx(conn, Actor::System, &new)?.id
        }
    };
    let size = company.size(year);
    let facts = companies::CompanyYear {
        company_id,
        fiscal_year: year,
        employees: Some(size.employees),
        it_staff: Some(size.it_staff),
    };
    companies::set_year_in_tx(conn, Actor::System, &facts)?;
    if !wanted {
        return Ok(None);
    }
    if submissions::current(conn, company_id, year, None)?.is_some() {
        return Ok(Some(false));
    }
    let sheet = group.sheet(company.index, year).with_context(|| format!("demo sheet {} {year}", company.code))?;
    store_sheet(conn, pipeline, Actor::System, company_id, company, year, sheet, 1)?;
    Ok(Some(true))
}

/// Stores a generated sheet as the company's next revision, judged as an
/// upload is.
#[expect(clippy::too_many_arguments, reason = "one sheet's facts, spelled out for two callers")]
fn store_sheet(
    conn: &mut DbConn,
    pipeline: &Pipeline,
    actor: Actor,
    company_id: i64,
    company: &SyntheticCompany,
    year: FiscalYear,
    sheet: Sheet,
    revision: u32,
) -> anyhow::Result<()> {
    let file = write_csv_utf8_bom(&sheet, &pipeline.catalog)?;
    let suffix = if revision > 1 { format!("_r{revision}") } else { String::new() };
    let size = company.size(year);
    let new = submissions::NewSubmission {
        company_id,
        fiscal_year: year,
        department_id: None,
        framework_id: sheet.framework_id.clone(),
        source_filename: format!("{}_{}{suffix}.csv", company.code, year.get()),
        source_sha256: hex::encode(Sha256::digest(&file)),
        answered_on: sheet.cover.answered_on,
        respondent: sheet.cover.respondent.clone(),
        answers: sheet.answers,
    };
    let company_size = hyoka_anomaly::CompanySize { employees: Some(size.employees), it_staff: Some(size.it_staff) };
    sheets::store_new_in_tx(conn, pipeline, actor, &new, company_size)
        .with_context(|| format!("demo sheet {} {year}", company.code))?;
    Ok(())
}

/// When the demo writes each part of a year: an earlier year as of the
/// dates its history would have had, the current year now.
struct History {
    /// `None`: the current year (real time throughout).
    past: bool,
    /// Its collection opened.
    opened: DateTime<Utc>,
    /// Its sheets uploaded (before the deadline).
    uploaded: DateTime<Utc>,
    /// Its group analysis.
    analysed: DateTime<Utc>,
    /// Its review.
    reviewed: DateTime<Utc>,
    /// Its collection's deadline.
    deadline: chrono::NaiveDate,
}

impl History {
    fn of(year: FiscalYear, current: bool) -> History {
        let now = hyoka_model::time::now();
        if current {
            // Due three weeks after the demo was first filled, so the
            // companies without a sheet have not submitted yet.
            let deadline = hyoka_model::time::japan_date(now) + chrono::Days::new(21);
            return History { past: false, opened: now, uploaded: now, analysed: now, reviewed: now, deadline };
        }
        // Fiscal year Y ends on 31 March of Y + 1; its sheet is asked for in
        // April and due at the end of June (09:00 JST = 00:00 UTC).
        let day = |month, day| {
            chrono::NaiveDate::from_ymd_opt(year.get() + 1, month, day)
                .and_then(|d| d.and_hms_opt(0, 0, 0))
                .map_or(now, |t| t.and_utc())
        };
        let deadline = chrono::NaiveDate::from_ymd_opt(year.get() + 1, 6, 30).unwrap_or_else(|| year.last_day());
        History {
            past: true,
            opened: day(4, 1),
            uploaded: day(5, 15),
            analysed: day(7, 1),
            reviewed: day(7, 10),
            deadline,
        }
    }

    /// Runs `f` as of `at` for an earlier year, now for the current one.
    fn at<T>(&self, at: DateTime<Utc>, f: impl FnOnce() -> T) -> T {
        if self.past { hyoka_model::time::as_of(at, f) } else { f() }
    }
}

/// Opens `year`'s collection for every demo company, once.
fn open_collection(
    conn: &mut DbConn,
    group: &DemoGroup,
    year: FiscalYear,
    deadline: chrono::NaiveDate,
) -> anyhow::Result<()> {
    let (existing, _) = hyoka_model::db::collections::list(conn, None, 0, 100)?;
    if existing.iter().any(|c| c.fiscal_year == year) {
        return Ok(());
    }
    let mut members = Vec::new();
    for company in group.companies() {
        // The first year's pass creates the companies; later years find them.
        let Some(c) = companies::by_code(conn, &company.code)? else { continue };
        members.push((c.id, None));
    }
    let new = hyoka_model::db::collections::NewCollection {
        fiscal_year: year,
        title: format!("{}年度 自己評価の提出依頼", year.get()),
        deadline,
        message: Some("JAMA/JAPIA ガイドラインの自己評価シートを提出してください。".to_owned()),
        members,
    };
    // Through the service, so the companies' users are told (mail).
    hyoka_service::notify::open_collection(conn, Actor::System, &new)?;
    Ok(())
}

/// The demo's mail address of a login (`.invalid` is reserved: it reaches
/// no one, whatever the mail settings).
fn demo_address(login: &str) -> String {
    format!("{login}@example.invalid")
}

/// Gives every demo account and every company's subsidiary user an address
/// (where it has none), so the current year's events are mailed.
fn contacts(conn: &mut DbConn, group: &DemoGroup) -> anyhow::Result<()> {
    for company in group.companies() {
        let Some(c) = companies::by_code(conn, &company.code)? else { continue };
        subsidiary_actor(conn, company, c.id, true)?;
    }
    let mut logins: Vec<String> = DEMO_ACCOUNTS.iter().map(|(login, ..)| (*login).to_owned()).collect();
    logins.extend(group.companies().iter().map(company_login));
    for user in users::list(conn)? {
        if logins.contains(&user.login) && user.email.is_none() {
            hyoka_model::db::mail::set_contact(
                conn,
                Actor::System,
                user.id,
                Some(&demo_address(&user.login)),
                user.language,
            )?;
        }
    }
    Ok(())
}

/// The actor of an existing user.
fn user_actor(conn: &mut DbConn, login: &str) -> anyhow::Result<Actor> {
    let user = users::by_login(conn, login)?.with_context(|| format!("demo user {login} is missing"))?;
    Ok(actor_of(&user))
}

fn actor_of(user: &users::User) -> Actor {
    match user.account {
        Account::Admin => Actor::User { id: user.id, role: Role::Admin, company_id: None },
        Account::Reviewer => Actor::User { id: user.id, role: Role::Reviewer, company_id: None },
        Account::Auditor => Actor::User { id: user.id, role: Role::Auditor, company_id: None },
        Account::Subsidiary(c) => Actor::User { id: user.id, role: Role::Subsidiary, company_id: Some(c) },
    }
}

/// The login of the user who answers for a demo company (but the first).
fn company_login(company: &SyntheticCompany) -> String {
    format!("demo-{}", company.code.to_lowercase())
}

/// The subsidiary user who answers for a demo company: `demo-subsidiary`
/// for the first, a user without a password (it cannot log in) for the
/// others, made when first needed.
fn subsidiary_actor(
    conn: &mut DbConn,
    company: &SyntheticCompany,
    company_id: i64,
    with_mail: bool,
) -> anyhow::Result<Actor> {
    if company.index == 0 {
        return user_actor(conn, "demo-subsidiary");
    }
    let login = company_login(company);
    if let Some(user) = users::by_login(conn, &login)? {
        return Ok(actor_of(&user));
    }
    let new = users::NewUser {
        login,
        display_name: format!("{} 担当者", company.name),
        account: Account::Subsidiary(company_id),
        password_hash: None,
    };
    let email = with_mail.then(|| demo_address(&new.login));
    Ok(actor_of(&users::create_with_contact(conn, Actor::System, &new, email.as_deref(), users::Language::Ja)?))
}

const RETURN_MESSAGE: &str = "指摘事項を確認し、根拠を補足のうえ再提出してください。 / Please check the flags, \
     add evidence and resubmit.";
const REPLY: &str = "ご指摘のとおり計画段階でした。評価を見直して再提出します。 / It was only planned; we will \
     correct the score and resubmit.";
const CONFIRM_COMMENT: &str = "根拠が評価を裏付けていません。 / The evidence does not support the score.";
const DISMISS_COMMENT: &str = "根拠を確認し、評価は妥当と判断しました。 / Checked the evidence: the score stands.";

/// Moves a company-year's sheet one step at a time (each its own
/// transaction, through the review use cases) until it stands where
/// `target` says. Returns the steps taken; none once it is there, so a
/// second run takes none.
fn review(
    conn: &mut DbConn,
    group: &DemoGroup,
    pipeline: &Pipeline,
    reviewer: Actor,
    company: &SyntheticCompany,
    year: FiscalYear,
    target: Target,
) -> anyhow::Result<usize> {
    let company_id = companies::by_code(conn, &company.code)?
        .with_context(|| format!("demo company {} is missing", company.code))?
        .id;
    let mut steps = 0;
    // A handful of steps per sheet at most; the bound keeps a mistake from
    // looping.
    for _ in 0..12 {
        let sub = submissions::current(conn, company_id, year, None)?
            .with_context(|| format!("demo sheet {} {year} is missing", company.code))?;
        let open = review::open_flags(conn, sub.id)?;
        let decided = flags::latest_reviews(conn, sub.id)?;
        let first_open = open.first().copied();
        use SubmissionStatus as S;
        match (target, sub.status, sub.revision) {
            (Target::Submitted, ..) => return Ok(steps),
            (_, S::Submitted, _) => {
                review::transition(conn, reviewer, sub.id, Action::StartReview, None)?;
            }
            (Target::InReview, S::InReview, _) => {
                // Two decisions made, the rest still open.
                if decided.len() >= 2 || open.is_empty() {
                    return Ok(steps);
                }
                let flag = flags::get(conn, open[0])?;
                if decided.is_empty() {
                    let score = flag.flag.suggested.unwrap_or(Points::One);
                    review::decide(
                        conn,
                        reviewer,
                        flag.id,
                        Decision::Confirmed { reviewed_score: score },
                        CONFIRM_COMMENT,
                    )?;
                } else {
                    review::decide(conn, reviewer, flag.id, Decision::Dismissed, DISMISS_COMMENT)?;
                }
            }
            (Target::Returned | Target::Resubmitted, S::InReview, 1) => match first_open {
                Some(id) if decided.is_empty() => {
                    let flag = flags::get(conn, id)?;
                    let score = flag.flag.suggested.unwrap_or(Points::One);
                    review::decide(conn, reviewer, id, Decision::Confirmed { reviewed_score: score }, CONFIRM_COMMENT)?;
                }
                _ => {
                    review::transition(conn, reviewer, sub.id, Action::Return, Some(RETURN_MESSAGE))?;
                }
            },
            (Target::Returned | Target::Resubmitted, S::Returned, _) => {
                let confirmed = decided.keys().next().copied();
                let replied = match confirmed {
                    Some(id) => !flags::replies_of(conn, id)?.is_empty(),
                    None => true,
                };
                let subsidiary = subsidiary_actor(conn, company, company_id, false)?;
                if let (Some(id), false) = (confirmed, replied) {
                    flags::reply(conn, subsidiary, id, REPLY)?;
                } else if target == Target::Returned {
                    return Ok(steps);
                } else {
                    let sheet = group
                        .corrected_sheet(company.index, year)
                        .with_context(|| format!("demo sheet {} {year}", company.code))?;
                    db::write_tx(conn, |conn| {
                        store_sheet(conn, pipeline, subsidiary, company_id, company, year, sheet, sub.revision + 1)
                    })?;
                }
            }
            (Target::Accepted | Target::Resubmitted, S::InReview, _) => {
                let choice = (!open.is_empty()).then(|| OpenFlags::Dismiss { comment: DISMISS_COMMENT.to_owned() });
                review::accept(conn, reviewer, sub.id, choice)?;
            }
            _ => return Ok(steps),
        }
        steps += 1;
    }
    Ok(steps)
}

/// Sets the returned flag on SIGTERM or Ctrl-C. The watcher lives on its
/// own thread with a small runtime, so it works while generation blocks.
fn watch_signals() -> Arc<AtomicBool> {
    let stop = Arc::new(AtomicBool::new(false));
    let flag = Arc::clone(&stop);
    let spawned = std::thread::Builder::new().name("demo-signals".into()).spawn(move || {
        let runtime = match tokio::runtime::Builder::new_current_thread().enable_io().build() {
            Ok(rt) => rt,
            Err(e) => {
                tracing::warn!(error = %e, "cannot watch for signals");
                return;
            }
        };
        runtime.block_on(async {
            let Ok(mut term) = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) else {
                return;
            };
            tokio::select! {
                _ = term.recv() => {}
                _ = tokio::signal::ctrl_c() => {}
            }
            tracing::info!("signal received; stopping after the current submission");
            flag.store(true, Ordering::SeqCst);
        });
    });
    if let Err(e) = spawned {
        tracing::warn!(error = %e, "cannot watch for signals");
    }
    stop
}
