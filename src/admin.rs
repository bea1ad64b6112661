//! `hyoka admin`: accounts and tokens from the command line (the first admin
//! above all), the audit-chain check, and operations: `backup`, `restore`,
//! `doctor` (in [`ops`]). Acts as `system`; every change is in the audit log.
//!
//! Passwords are read from standard input (`--password-stdin`) or generated
//! and printed once; tokens are printed once. Neither is ever logged.

use std::io::BufRead;
use std::process::ExitCode;

use anyhow::{Context, bail};
use hyoka_model::credentials::{self as auth, Secret};
use hyoka_model::db::users::{self, Account, NewUser};
use hyoka_model::db::{self, DbConn, audit, companies, tokens};
use hyoka_model::domain::Role;
use hyoka_model::workflow::Actor;

use crate::config::Config;

mod ops;

/// `hyoka admin …`.
#[derive(Debug, clap::Subcommand)]
pub enum AdminCommand {
    /// Create an admin account (the first one, typically).
    CreateAdmin {
        /// Login name.
        #[arg(long)]
        login: String,
        /// Display name (default: the login).
        #[arg(long)]
        display_name: Option<String>,
        /// Read the password from the first line of standard input instead of generating one.
        #[arg(long)]
        password_stdin: bool,
    },
    /// Create an account of any role.
    CreateUser {
        /// Login name.
        #[arg(long)]
        login: String,
        /// admin, reviewer, subsidiary or auditor.
        #[arg(long)]
        role: String,
        /// Company code, for a subsidiary user.
        #[arg(long, value_name = "CODE")]
        company: Option<String>,
        /// Display name (default: the login).
        #[arg(long)]
        display_name: Option<String>,
        /// Read the password from the first line of standard input instead of generating one.
        #[arg(long)]
        password_stdin: bool,
        /// E-mail address for notifications (none: the user gets no mail).
        #[arg(long, value_name = "ADDRESS")]
        email: Option<String>,
        /// Language of the user's mail: ja (default) or en.
        #[arg(long, default_value = "ja")]
        language: String,
    },
    /// Set a user's e-mail address (empty: no mail) and mail language.
    SetContact {
        /// Login name.
        #[arg(long)]
        login: String,
        /// E-mail address; "" removes it.
        #[arg(long, value_name = "ADDRESS")]
        email: String,
        /// ja or en.
        #[arg(long, default_value = "ja")]
        language: String,
    },
    /// Set a user's password (revokes the user's tokens).
    SetPassword {
        /// Login name.
        #[arg(long)]
        login: String,
        /// Read the password from the first line of standard input instead of generating one.
        #[arg(long)]
        password_stdin: bool,
    },
    /// Make an API token for a user and print it (once).
    CreateToken {
        /// Login name of the owner.
        #[arg(long)]
        login: String,
        /// What it is for.
        #[arg(long, default_value = "cli")]
        name: String,
        /// Days until it expires (at most api.max_token_days).
        #[arg(long, default_value_t = 90)]
        days: u32,
    },
    /// Revoke one token by id, or every token of a user.
    RevokeToken {
        /// Token id.
        #[arg(long, conflicts_with = "login", required_unless_present = "login")]
        id: Option<i64>,
        /// Revoke every token of this login instead.
        #[arg(long)]
        login: Option<String>,
    },
    /// Lift a failed-login lock: of a login name (from every address), or of
    /// a client address (for every login name).
    Unlock {
        /// Login name.
        #[arg(long, conflicts_with = "address", required_unless_present = "address")]
        login: Option<String>,
        /// Client address (IPv4 or IPv6; IPv6 counts by its /64).
        #[arg(long)]
        address: Option<std::net::IpAddr>,
    },
    /// List the accounts.
    ListUsers,
    /// Walk the audit log's hash chain; report the first broken link (exit 1).
    AuditVerify,
    /// Recompute the dashboards' summaries and group totals from the sheets.
    RebuildSummaries,
    /// Compare the dashboards' summaries with a fresh computation; list differences (exit 1).
    CheckSummaries,
    /// Copy the database while it serves (SQLite: VACUUM INTO; PostgreSQL: pg_dump -Fc), check the
    /// copy and print its SHA-256.
    Backup {
        /// The new file to write.
        #[arg(long, value_name = "FILE")]
        to: std::path::PathBuf,
    },
    /// Restore a backup into an empty database (with --force, over one that holds data), then check it.
    Restore {
        /// The backup file.
        #[arg(long, value_name = "FILE")]
        from: std::path::PathBuf,
        /// Replace a database that holds data (stop every `hyoka serve` first).
        #[arg(long)]
        force: bool,
    },
    /// Print the configuration in force (secrets hidden), the schema, pending migrations, the size of the
    /// data, the last backup and every check (exit 1 when a check fails).
    Doctor,
}

/// Runs an admin command.
pub fn run(config: &Config, command: &AdminCommand) -> ExitCode {
    match execute(config, command) {
        Ok(code) => code,
        Err(e) => {
            eprintln!("hyoka admin: {e:#}");
            ExitCode::FAILURE
        }
    }
}

fn execute(config: &Config, command: &AdminCommand) -> anyhow::Result<ExitCode> {
    // These look at the database as it is: neither migrates it first.
    match command {
        AdminCommand::Backup { to } => return ops::backup(config, to),
        AdminCommand::Restore { from, force } => return ops::restore(config, from, *force),
        AdminCommand::Doctor => return ops::doctor(config),
        _ => {}
    }
    db::migrate(&config.database.url)?;
    let mut conn = config.database.url.connect()?;
    match command {
        AdminCommand::CreateAdmin { login, display_name, password_stdin } => {
            create_user(&mut conn, login, Account::Admin, display_name.as_deref(), *password_stdin)?;
        }
        AdminCommand::CreateUser { login, role, company, display_name, password_stdin, email, language } => {
            let language = hyoka_model::db::mail::Language::parse(language)?;
            if let Some(e) = email {
                hyoka_model::db::mail::check_address(e)?;
            }
            let role: Role = role.parse()?;
            let account = match (role, company) {
                (Role::Subsidiary, Some(code)) => {
                    let c = companies::by_code(&mut conn, code)?
                        .with_context(|| format!("no company with code {code} / 会社コード {code} はありません"))?;
                    Account::Subsidiary(c.id)
                }
                (Role::Subsidiary, None) => bail!("a subsidiary user needs --company CODE"),
                (_, Some(_)) => bail!("only subsidiary users belong to a company"),
                (Role::Admin, None) => Account::Admin,
                (Role::Reviewer, None) => Account::Reviewer,
                (Role::Auditor, None) => Account::Auditor,
            };
            create_user(&mut conn, login, account, display_name.as_deref(), *password_stdin)?;
            if email.is_some() || language != hyoka_model::db::mail::Language::Ja {
                let user = find(&mut conn, login)?;
                hyoka_model::db::mail::set_contact(&mut conn, Actor::System, user.id, email.as_deref(), language)?;
            }
        }
        AdminCommand::SetContact { login, email, language } => {
            let language = hyoka_model::db::mail::Language::parse(language)?;
            let user = find(&mut conn, login)?;
            hyoka_model::db::mail::set_contact(&mut conn, Actor::System, user.id, Some(email.as_str()), language)?;
            println!(
                "mail of {} set: {} ({})",
                user.login,
                if email.trim().is_empty() { "none" } else { email.trim() },
                language.code()
            );
        }
        AdminCommand::SetPassword { login, password_stdin } => {
            let user = find(&mut conn, login)?;
            let (password, generated) = password(*password_stdin)?;
            let hash = auth::hash_password(&password)?;
            users::set_password(&mut conn, Actor::System, user.id, &hash)?;
            let revoked = tokens::revoke_all_of(&mut conn, Actor::System, user.id)?;
            println!("password of {} set; {revoked} token(s) revoked", user.login);
            if generated {
                println!("password (shown once): {}", password.expose());
            }
        }
        AdminCommand::CreateToken { login, name, days } => {
            let user = find(&mut conn, login)?;
            let max = config.api.max_token_lifetime.num_days();
            if *days == 0 || i64::from(*days) > max {
                bail!("--days must be 1–{max} (api.max_token_days)");
            }
            let secret = auth::new_token()?;
            let new = tokens::NewToken {
                user_id: user.id,
                name: name.clone(),
                token_hash: secret.hash.clone(),
                prefix: secret.prefix.clone(),
                expires_at: hyoka_model::time::now() + chrono::Duration::days(i64::from(*days)),
            };
            let stored = tokens::create(&mut conn, Actor::System, &new)?;
            println!(
                "token {} for {} ({}), expires {}",
                stored.id,
                user.login,
                user.account.role(),
                hyoka_model::time::show(stored.expires_at)
            );
            println!("token (shown once): {}", secret.token.expose());
        }
        AdminCommand::RevokeToken { id, login } => match (id, login) {
            (Some(id), _) => {
                let t = tokens::revoke(&mut conn, Actor::System, *id)?;
                println!("token {} ({}) revoked", t.id, t.prefix);
            }
            (None, Some(login)) => {
                let user = find(&mut conn, login)?;
                let n = tokens::revoke_all_of(&mut conn, Actor::System, user.id)?;
                println!("{n} token(s) of {} revoked", user.login);
            }
            (None, None) => bail!("give --id or --login"),
        },
        AdminCommand::Unlock { login, address } => {
            let n = match (login, address) {
                (Some(login), _) => hyoka_model::db::logins::unlock(&mut conn, Actor::System, login)?,
                (None, Some(addr)) => hyoka_model::db::logins::unlock_address(&mut conn, Actor::System, *addr)?,
                (None, None) => bail!("give --login or --address"),
            };
            println!("{n} failed-login counter(s) removed / ログイン失敗の記録を {n} 件消しました");
        }
        AdminCommand::RebuildSummaries => {
            let n = hyoka_model::db::summaries::rebuild_all(&mut conn)?;
            println!("dashboard summaries rebuilt for {n} company-years");
        }
        AdminCommand::CheckSummaries => {
            let problems = hyoka_model::db::summaries::verify(&mut conn)?;
            if !problems.is_empty() {
                for p in &problems {
                    println!("{p}");
                }
                println!("{} difference(s); `hyoka admin rebuild-summaries` recomputes them", problems.len());
                return Ok(ExitCode::FAILURE);
            }
            println!("dashboard summaries agree with the sheets");
        }
        AdminCommand::ListUsers => {
            for u in users::list(&mut conn)? {
                let company = match u.account.company_id() {
                    Some(id) => companies::get(&mut conn, id).map(|c| format!(" {}", c.code)).unwrap_or_default(),
                    None => String::new(),
                };
                let disabled = if u.disabled { " (disabled)" } else { "" };
                println!("{:>5} {:<24} {}{company}{disabled}  {}", u.id, u.login, u.account.role(), u.display_name);
            }
        }
        AdminCommand::Backup { .. } | AdminCommand::Restore { .. } | AdminCommand::Doctor => {
            unreachable!("answered above")
        }
        AdminCommand::AuditVerify => match audit::verify(&mut conn)? {
            Ok(n) => println!("audit log intact: {n} entries checked / 監査ログは改ざんされていません"),
            Err(broken) => {
                println!(
                    "audit log BROKEN at entry {}: {} / 監査ログのエントリ {} が改ざんされています",
                    broken.id, broken.problem, broken.id
                );
                return Ok(ExitCode::FAILURE);
            }
        },
    }
    Ok(ExitCode::SUCCESS)
}

fn find(conn: &mut DbConn, login: &str) -> anyhow::Result<users::User> {
    users::by_login(conn, login)?.with_context(|| format!("no user {login} / ユーザー {login} はいません"))
}

/// The password from stdin, or a generated one (then `true`).
fn password(from_stdin: bool) -> anyhow::Result<(Secret, bool)> {
    if from_stdin {
        let mut line = String::new();
        std::io::stdin().lock().read_line(&mut line).context("reading the password from standard input")?;
        Ok((Secret::new(line.trim_end_matches(['\r', '\n'])), false))
    } else {
        Ok((auth::new_password()?, true))
    }
}

fn create_user(
    conn: &mut DbConn,
    login: &str,
    account: Account,
    display_name: Option<&str>,
    password_stdin: bool,
) -> anyhow::Result<()> {
    let (password, generated) = password(password_stdin)?;
    let hash = auth::hash_password(&password)?;
    let new = NewUser {
        login: login.to_owned(),
        display_name: display_name.unwrap_or(login).to_owned(),
        account,
        password_hash: Some(hash),
    };
    let user = users::create(conn, Actor::System, &new)?;
    println!("user {} created ({}, id {})", user.login, user.account.role(), user.id);
    if generated {
        println!("password (shown once): {}", password.expose());
    }
    Ok(())
}
