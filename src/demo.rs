//! `hyoka demo`: add whatever part of the fixed demo group is missing, one
//! submission per transaction, then serve it.
//!
//! Safe to interrupt at any moment: a killed demo leaves only whole
//! submissions behind, and the next run adds the rest. SIGTERM or Ctrl-C
//! during generation stops after the submission being written.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use anyhow::{Context, bail};
use hyoka_generator::{Generator, GroupSpec, SyntheticCompany, demo_group, write_csv_utf8_bom};
use hyoka_model::catalog::Catalog;
use hyoka_model::credentials;
use hyoka_model::db::users::{self, Account};
use hyoka_model::db::{self, DbConn, companies, submissions};
use hyoka_model::domain::{FiscalYear, Role};
use hyoka_model::workflow::Actor;
use hyoka_service::Pipeline;
use hyoka_service::sheets;
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
        "demo group: {} companies × {} fiscal years; {} submissions added now, {} were already there",
        filled.companies, filled.years, filled.added, filled.present
    );
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
    /// Submissions stored by this run.
    pub added: usize,
    /// Submissions that were there already.
    pub present: usize,
}

/// Adds every missing company, size record and submission of the demo group.
/// Each company-year is one transaction. Returns early (with what it did)
/// once `stop` is set.
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
    let generator = Generator::new(GroupSpec { companies: options.companies, ..demo_group() }, &catalog);
    let years = generator.spec().years.clone();
    let mut filled = Filled { companies: generator.companies().len(), years: years.len(), added: 0, present: 0 };
    for company in generator.companies() {
        for &year in &years {
            if stop.load(Ordering::SeqCst) {
                return Ok(filled);
            }
            let added = db::write_tx(conn, |conn| add_company_year(conn, &generator, &pipeline, company, year))?;
            if added {
                filled.added += 1;
                if filled.added.is_multiple_of(20) {
                    tracing::info!(added = filled.added, "demo submissions stored");
                }
            } else {
                filled.present += 1;
            }
        }
    }
    if let Some(first) = generator.companies().first() {
        demo_accounts(conn, &first.code)?;
    }
    db::optimize(conn)?;
    Ok(filled)
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
        "  curl -s -H \"Authorization: Bearer $TOKEN\" 'http://{addr}/api/v1/submissions?min_risk=20&current_only=true'"
    );
    println!("API documentation: http://{addr}/api/docs/ (OpenAPI: http://{addr}/api/openapi.json)");
}

/// One company-year in the caller's transaction: the company (if new), its
/// size that year, and its sheet (if missing). Returns whether a sheet was
/// stored.
fn add_company_year(
    conn: &mut DbConn,
    generator: &Generator,
    pipeline: &Pipeline,
    company: &SyntheticCompany,
    year: FiscalYear,
) -> anyhow::Result<bool> {
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
    if submissions::current(conn, company_id, year, None)?.is_some() {
        return Ok(false);
    }
    let sheet = generator.sheet(company.index, year)?;
    let file = write_csv_utf8_bom(&sheet, &pipeline.catalog)?;
    let new = submissions::NewSubmission {
        company_id,
        fiscal_year: year,
        department_id: None,
        framework_id: sheet.framework_id.clone(),
        source_filename: format!("{}_{}.csv", company.code, year.get()),
        source_sha256: hex::encode(Sha256::digest(&file)),
        answered_on: sheet.cover.answered_on,
        respondent: sheet.cover.respondent.clone(),
        answers: sheet.answers,
    };
    let company_size = hyoka_anomaly::CompanySize { employees: Some(size.employees), it_staff: Some(size.it_staff) };
    sheets::store_new_in_tx(conn, pipeline, Actor::System, &new, company_size)
        .with_context(|| format!("demo sheet {} {year}", company.code))?;
    Ok(true)
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
