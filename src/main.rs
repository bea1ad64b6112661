//! `hyoka`: collect, check and aggregate the yearly JAMA/JAPIA cybersecurity
//! self-assessments of a group's subsidiaries.
//!
//! Subcommands: `serve` (the HTTP API), `migrate` (create or update the
//! database), `demo` (fill the database with a fixed demo group and serve it),
//! `admin` (accounts, tokens, the audit-log check).

mod admin;
mod analyze;
mod config;
mod demo;
mod eval;
mod import;
mod progress;
mod serve;

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand};

use crate::config::{Config, LogFormat};

/// hyoka (評価): group cybersecurity self-assessment checks.
#[derive(Debug, Parser)]
#[command(name = "hyoka", version, about, long_about = None)]
struct Cli {
    /// A configuration file overriding the built-in defaults (see docs/configuration.md).
    #[arg(long, global = true, env = "HYOKA_CONFIG", value_name = "FILE")]
    config: Option<PathBuf>,
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Serve the HTTP API.
    Serve {
        /// Listen address, e.g. 127.0.0.1:8080 (overrides server.bind).
        #[arg(long, value_name = "ADDR:PORT")]
        bind: Option<String>,
    },
    /// Create the database or bring it up to date (also done by serve and demo).
    Migrate,
    /// Add whatever part of the fixed demo group is missing, then serve it.
    Demo {
        /// Listen address, e.g. 127.0.0.1:8080 (overrides server.bind).
        #[arg(long, value_name = "ADDR:PORT")]
        bind: Option<String>,
        /// Only fill the database; do not serve.
        #[arg(long)]
        no_serve: bool,
        /// Add the demo group even though the database holds companies the demo did not create.
        #[arg(long)]
        allow_non_demo: bool,
        /// Companies in the demo group (a larger group makes a load-test data set; use a fresh database).
        #[arg(long, default_value_t = hyoka_generator::DEMO_COMPANIES as u32, value_parser = clap::value_parser!(u32).range(1..=100_000))]
        companies: u32,
    },
    /// Import check sheets (xlsx, CSV, JSON; files or folders) into the database.
    Import(import::ImportArgs),
    /// Read one check sheet and print what hyoka sees (no database).
    Check(import::CheckArgs),
    /// Run the group rules (size cohorts, year over year, copied evidence) for one fiscal year.
    Analyze {
        /// The fiscal year to analyse (2024, 令和6年度, R6).
        #[arg(long)]
        year: hyoka_model::domain::FiscalYear,
        /// The framework.
        #[arg(long, default_value = "jama-japia-2.3")]
        framework: String,
    },
    /// Measure the over-rating detector on the labelled set and on generated groups, next to baselines.
    Eval {
        /// Seed of the generated groups.
        #[arg(long, default_value_t = 20_241_130)]
        seed: u64,
        /// Companies per generated group.
        #[arg(long, default_value_t = 200)]
        companies: usize,
        /// Print JSON instead of text.
        #[arg(long)]
        json: bool,
        /// A detector configuration (TOML, as config/detector.toml) to judge
        /// with instead of the built-in one, for tuning without a rebuild.
        #[arg(long, value_name = "FILE")]
        detector: Option<std::path::PathBuf>,
    },
    /// Manage the framework catalog.
    Catalog {
        #[command(subcommand)]
        command: import::CatalogCommand,
    },
    /// Accounts and API tokens (the first admin above all), and the audit-log check.
    Admin {
        #[command(subcommand)]
        command: admin::AdminCommand,
    },
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let mut env: Vec<(String, String)> = std::env::vars().collect();
    if let Command::Serve { bind: Some(b) } | Command::Demo { bind: Some(b), .. } = &cli.command {
        env.push(("HYOKA_SERVER_BIND".into(), b.clone()));
    }
    let config = match Config::load(cli.config.as_deref(), &env) {
        Ok(c) => c,
        Err(e) => {
            eprintln!("hyoka: {e}");
            return ExitCode::from(2);
        }
    };
    init_logging(&config);
    let result = match cli.command {
        Command::Import(args) => return import::import(&config, &args),
        Command::Check(args) => return import::check(&config, &args),
        Command::Catalog { command } => return import::catalog(&config, &command),
        Command::Admin { command } => return admin::run(&config, &command),
        Command::Serve { .. } => serve::run(&config),
        Command::Migrate => migrate(&config),
        Command::Analyze { year, framework } => analyze::run(&config, year, &framework),
        Command::Eval { seed, companies, json, detector } => {
            eval::run(eval::Options { seed, companies, json, detector })
        }
        Command::Demo { no_serve, allow_non_demo, companies, .. } => {
            demo::run(&config, demo::Options { serve: !no_serve, allow_non_demo, companies: companies as usize })
        }
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            tracing::error!("{e:#}");
            eprintln!("hyoka: {e:#}");
            ExitCode::FAILURE
        }
    }
}

fn migrate(config: &Config) -> anyhow::Result<()> {
    let applied = hyoka_model::db::migrate(&config.database.url)?;
    tracing::info!(database = %config.database.url, applied = applied.len(), "database is up to date");
    println!("database {} is up to date ({} migrations applied now)", config.database.url, applied.len());
    Ok(())
}

fn init_logging(config: &Config) {
    let filter = tracing_subscriber::EnvFilter::try_from_env("RUST_LOG")
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new(&config.log.level));
    let ansi = std::io::IsTerminal::is_terminal(&std::io::stderr());
    let builder = tracing_subscriber::fmt().with_env_filter(filter).with_ansi(ansi).with_writer(progress::LogWriter);
    match config.log.format {
        LogFormat::Json => builder.json().init(),
        LogFormat::Text => builder.init(),
    }
}
