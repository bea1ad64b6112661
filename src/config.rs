//! Configuration: the defaults in `config/hyoka.toml` (built in), an optional
//! file, then the environment, validated once at start.

use std::fmt;
use std::net::SocketAddr;
use std::path::Path;

use hyoka_model::db::DbUrl;
use serde::Deserialize;

/// The built-in defaults.
pub const DEFAULTS: &str = include_str!("../config/hyoka.toml");

/// Validated configuration.
#[derive(Debug, Clone)]
pub struct Config {
    /// Database settings.
    pub database: Database,
    /// HTTP server settings.
    pub server: Server,
    /// Logging settings.
    pub log: Log,
    /// Upload limits (`[limits]`).
    pub limits: hyoka_ingest::Limits,
    /// API settings (`[api]`), the upload limits included.
    pub api: hyoka_api::Settings,
    /// Web UI settings (`[web]`).
    pub web: hyoka_web::Settings,
    /// The analysis worker (`[analysis]`).
    pub analysis: Analysis,
    /// Notification mail (`[mail]`).
    pub mail: Mail,
}

/// `[mail]`: notification mail, sent by a worker of `hyoka serve` from the
/// outbox in the database.
#[derive(Debug, Clone)]
pub struct Mail {
    /// Where mails go; `None` when mail is off (mails are still queued, and
    /// sent once a process with mail on works the outbox).
    pub transport: Option<hyoka_service::mail::Transport>,
    /// `mail.folder`, whatever the mode (the demo writes its mail there
    /// when mail is off).
    pub folder: std::path::PathBuf,
    /// How often an idle worker looks for a due mail.
    pub poll: std::time::Duration,
    /// Sender, retries, reminders.
    pub settings: hyoka_service::mail::MailSettings,
}

/// `[analysis]`: the worker that runs the group analysis jobs.
#[derive(Debug, Clone)]
pub struct Analysis {
    /// Whether `hyoka serve` runs the worker.
    pub worker: bool,
    /// How often an idle worker looks for a due job.
    pub poll: std::time::Duration,
    /// Claims, heartbeat, retries.
    pub settings: hyoka_service::jobs::WorkerSettings,
}

/// `[database]`.
#[derive(Debug, Clone)]
pub struct Database {
    /// Parsed URL (its `Debug` and `Display` hide the password).
    pub url: DbUrl,
    /// Pool size.
    pub pool_size: u32,
}

/// `[server]`.
#[derive(Debug, Clone)]
pub struct Server {
    /// Listen address.
    pub bind: SocketAddr,
    /// Worker threads (0 = one per core).
    pub workers: usize,
    /// Grace period on shutdown.
    pub shutdown_timeout_secs: u64,
    /// Reverse proxies whose `X-Forwarded-For` / `-Proto` count.
    pub trusted_proxies: hyoka_api::client::TrustedProxies,
}

/// `[log]`.
#[derive(Debug, Clone)]
pub struct Log {
    /// Output format.
    pub format: LogFormat,
    /// tracing filter directives.
    pub level: String,
}

/// Log output format.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LogFormat {
    /// Human-readable lines.
    Text,
    /// One JSON object per line.
    Json,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Raw {
    database: RawDatabase,
    server: RawServer,
    log: RawLog,
    limits: RawLimits,
    api: RawApi,
    #[serde(default)]
    web: RawWeb,
    analysis: RawAnalysis,
    mail: RawMail,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawMail {
    mode: String,
    host: String,
    port: i64,
    tls: String,
    from: String,
    folder: String,
    days_before_deadline: i64,
    poll_secs: i64,
    max_attempts: i64,
    retry_secs: i64,
    stale_secs: i64,
    timeout_secs: i64,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawAnalysis {
    worker: bool,
    debounce_secs: i64,
    longest_wait_secs: i64,
    poll_secs: i64,
    heartbeat_secs: i64,
    stale_secs: i64,
    max_attempts: i64,
    retry_secs: i64,
}

/// `[web]`: optional; without it the cookie is `Secure` and sessions last
/// 12 hours, 60 minutes idle.
#[derive(Deserialize)]
#[serde(deny_unknown_fields, default)]
struct RawWeb {
    cookie_secure: bool,
    session_hours: i64,
    session_idle_minutes: i64,
}

impl Default for RawWeb {
    fn default() -> Self {
        RawWeb { cookie_secure: true, session_hours: 12, session_idle_minutes: 60 }
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawApi {
    upload_body_limit: i64,
    json_body_limit: i64,
    login_token_hours: i64,
    max_token_days: i64,
    login_max_failures: i64,
    login_lockout_secs: i64,
    subsidiary_sees_unreleased_flags: bool,
    uploads_need_collection: bool,
    max_concurrent_uploads: i64,
    upload_queue_secs: i64,
    body_timeout_secs: i64,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawLimits {
    max_file_bytes: i64,
    max_decompressed_bytes: i64,
    max_rows: i64,
    max_cell_chars: i64,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawDatabase {
    url: String,
    pool_size: i64,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawServer {
    bind: String,
    workers: i64,
    shutdown_timeout_secs: i64,
    #[serde(default)]
    trusted_proxies: Vec<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawLog {
    format: String,
    level: String,
}

/// A configuration problem, said so a person can fix it.
#[derive(Debug)]
pub struct ConfigError(pub String);

impl fmt::Display for ConfigError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "configuration error / 設定エラー: {}", self.0)
    }
}

impl std::error::Error for ConfigError {}

/// Environment variables that start with `HYOKA_` but are not settings.
/// The SMTP credentials are read from the environment only (never from a
/// file, never logged).
const NOT_SETTINGS: &[&str] = &["HYOKA_CONFIG", "HYOKA_SMTP_USER", "HYOKA_SMTP_PASSWORD"];

impl Config {
    /// Loads the defaults, then `file` (if any), then the environment.
    pub fn load(file: Option<&Path>, env: &[(String, String)]) -> Result<Config, ConfigError> {
        let mut table: toml::Table =
            toml::from_str(DEFAULTS).map_err(|e| ConfigError(format!("built-in defaults: {e}")))?;
        if let Some(path) = file {
            let text = std::fs::read_to_string(path)
                .map_err(|e| ConfigError(format!("cannot read {}: {e}", path.display())))?;
            let overrides: toml::Table =
                toml::from_str(&text).map_err(|e| ConfigError(format!("{}: {e}", path.display())))?;
            merge_file(&mut table, overrides, path)?;
        }
        apply_env(&mut table, env)?;
        let raw: Raw = toml::Value::Table(table).try_into().map_err(|e| ConfigError(format!("{e}")))?;
        let var = |k: &str| env.iter().find(|(n, _)| n == k).map(|(_, v)| v.clone()).filter(|v| !v.is_empty());
        let credentials = match (var("HYOKA_SMTP_USER"), var("HYOKA_SMTP_PASSWORD")) {
            (Some(u), Some(p)) => Some((u, p)),
            (None, None) => None,
            _ => return Err(ConfigError("set both HYOKA_SMTP_USER and HYOKA_SMTP_PASSWORD, or neither".into())),
        };
        let mail = validate_mail(&raw.mail, credentials)?;
        let mut config = Config::validate(raw)?;
        config.mail = mail;
        Ok(config)
    }

    fn validate(raw: Raw) -> Result<Config, ConfigError> {
        let url =
            DbUrl::parse(&raw.database.url).map_err(|e| ConfigError(format!("database.url (DATABASE_URL): {e}")))?;
        let pool_size = u32::try_from(raw.database.pool_size)
            .ok()
            .filter(|n| (1..=64).contains(n))
            .ok_or_else(|| ConfigError(format!("database.pool_size is {}; use 1–64", raw.database.pool_size)))?;
        let bind = raw.server.bind.parse::<SocketAddr>().map_err(|_| {
            ConfigError(format!(
                "server.bind (HYOKA_SERVER_BIND) is {:?}; write ADDRESS:PORT, e.g. 127.0.0.1:8080",
                raw.server.bind
            ))
        })?;
        let workers = usize::try_from(raw.server.workers).ok().filter(|n| *n <= 64).ok_or_else(|| {
            ConfigError(format!("server.workers is {}; use 0 (one per core) to 64", raw.server.workers))
        })?;
        let shutdown_timeout_secs =
            u64::try_from(raw.server.shutdown_timeout_secs).ok().filter(|n| *n <= 9).ok_or_else(|| {
                ConfigError(format!(
                    "server.shutdown_timeout_secs is {}; use 0–9 (hyoka promises to stop within 10 s)",
                    raw.server.shutdown_timeout_secs
                ))
            })?;
        let trusted_proxies = hyoka_api::client::TrustedProxies(
            raw.server
                .trusted_proxies
                .iter()
                .map(|c| {
                    c.parse::<hyoka_api::client::Cidr>().map_err(|e| {
                        ConfigError(format!(
                            "server.trusted_proxies (HYOKA_SERVER_TRUSTED_PROXIES): {e} / \
                             信頼するプロキシのアドレスの書き方が違います"
                        ))
                    })
                })
                .collect::<Result<Vec<_>, _>>()?,
        );
        let format = match raw.log.format.as_str() {
            "text" => LogFormat::Text,
            "json" => LogFormat::Json,
            other => {
                return Err(ConfigError(format!("log.format is {other:?}; use \"text\" or \"json\"")));
            }
        };
        let positive = |key: &str, v: i64| {
            u64::try_from(v)
                .ok()
                .filter(|n| *n > 0)
                .ok_or_else(|| ConfigError(format!("limits.{key} is {v}; use a whole number above 0")))
        };
        let small = |key: &str, v: i64| {
            positive(key, v).and_then(|n| {
                u32::try_from(n).map_err(|_| ConfigError(format!("limits.{key} is {v}; use at most {}", u32::MAX)))
            })
        };
        let limits = hyoka_ingest::Limits {
            max_file_bytes: positive("max_file_bytes", raw.limits.max_file_bytes)?,
            max_decompressed_bytes: positive("max_decompressed_bytes", raw.limits.max_decompressed_bytes)?,
            max_rows: small("max_rows", raw.limits.max_rows)?,
            max_cell_chars: small("max_cell_chars", raw.limits.max_cell_chars)?,
        };
        let mut api = validate_api(&raw.api, limits)?;
        api.trusted_proxies = trusted_proxies.clone();
        let web = validate_web(&raw.web)?;
        let analysis = validate_analysis(&raw.analysis)?;
        tracing_subscriber::EnvFilter::try_new(&raw.log.level)
            .map_err(|e| ConfigError(format!("log.level {:?}: {e}", raw.log.level)))?;
        Ok(Config {
            database: Database { url, pool_size },
            server: Server { bind, workers, shutdown_timeout_secs, trusted_proxies },
            log: Log { format, level: raw.log.level },
            limits,
            api,
            web,
            analysis,
            mail: validate_mail(&raw.mail, None)?,
        })
    }
}

fn validate_web(raw: &RawWeb) -> Result<hyoka_web::Settings, ConfigError> {
    let within = |key: &str, v: i64, min: i64, max: i64| {
        if (min..=max).contains(&v) { Ok(v) } else { Err(ConfigError(format!("web.{key} is {v}; use {min}–{max}"))) }
    };
    let hours = within("session_hours", raw.session_hours, 1, 24 * 31)?;
    let idle = within("session_idle_minutes", raw.session_idle_minutes, 1, 24 * 60 * 31)?;
    Ok(hyoka_web::Settings {
        cookie_secure: raw.cookie_secure,
        lifetimes: hyoka_web::session::Lifetimes {
            absolute: chrono::Duration::hours(hours),
            idle: chrono::Duration::minutes(idle),
        },
    })
}

fn validate_mail(raw: &RawMail, credentials: Option<(String, String)>) -> Result<Mail, ConfigError> {
    use hyoka_service::mail::{Smtp, Transport};
    let within = |key: &str, v: i64, min: i64, max: i64| {
        if (min..=max).contains(&v) { Ok(v) } else { Err(ConfigError(format!("mail.{key} is {v}; use {min}–{max}"))) }
    };
    let days = within("days_before_deadline", raw.days_before_deadline, 0, 60)?;
    let poll = within("poll_secs", raw.poll_secs, 1, 3600)?;
    let attempts = within("max_attempts", raw.max_attempts, 1, 100)?;
    let retry = within("retry_secs", raw.retry_secs, 0, 24 * 3600)?;
    let stale = within("stale_secs", raw.stale_secs, 10, 24 * 3600)?;
    let timeout = within("timeout_secs", raw.timeout_secs, 1, 600)?;
    let port = u16::try_from(within("port", raw.port, 1, 65535)?).unwrap_or(25);
    let secs = |n: i64| std::time::Duration::from_secs(u64::try_from(n).unwrap_or(0));
    let transport = match raw.mode.as_str() {
        "off" => None,
        "folder" => {
            if raw.folder.trim().is_empty() {
                return Err(ConfigError("mail.mode is \"folder\"; set mail.folder".into()));
            }
            Some(Transport::Folder(raw.folder.clone().into()))
        }
        "smtp" => {
            if raw.host.trim().is_empty() {
                return Err(ConfigError("mail.mode is \"smtp\"; set mail.host".into()));
            }
            let tls = raw.tls.parse().map_err(|e| ConfigError(format!("mail.tls: {e}")))?;
            Some(Transport::Smtp(Smtp { host: raw.host.clone(), port, tls, credentials, timeout: secs(timeout) }))
        }
        other => return Err(ConfigError(format!("mail.mode is {other:?}; use off, smtp or folder"))),
    };
    if transport.is_some() {
        hyoka_service::mail::check_from(&raw.from).map_err(ConfigError)?;
    }
    Ok(Mail {
        transport,
        folder: raw.folder.clone().into(),
        poll: secs(poll),
        settings: hyoka_service::mail::MailSettings {
            from: raw.from.clone(),
            max_attempts: i32::try_from(attempts).unwrap_or(5),
            backoff: chrono::Duration::seconds(retry),
            stale_after: chrono::Duration::seconds(stale),
            days_before: days,
        },
    })
}

fn validate_analysis(raw: &RawAnalysis) -> Result<Analysis, ConfigError> {
    let within = |key: &str, v: i64, min: i64, max: i64| {
        if (min..=max).contains(&v) {
            Ok(v)
        } else {
            Err(ConfigError(format!("analysis.{key} is {v}; use {min}–{max}")))
        }
    };
    let day = 24 * 3600;
    let debounce = within("debounce_secs", raw.debounce_secs, 0, day)?;
    let longest = within("longest_wait_secs", raw.longest_wait_secs, debounce, 7 * day)?;
    let poll = within("poll_secs", raw.poll_secs, 1, 3600)?;
    let heartbeat = within("heartbeat_secs", raw.heartbeat_secs, 1, 3600)?;
    let stale = within("stale_secs", raw.stale_secs, 2 * heartbeat, day)?;
    let attempts = within("max_attempts", raw.max_attempts, 1, 100)?;
    let retry = within("retry_secs", raw.retry_secs, 0, day)?;
    let secs = |n: i64| std::time::Duration::from_secs(u64::try_from(n).unwrap_or(0));
    Ok(Analysis {
        worker: raw.worker,
        poll: secs(poll),
        settings: hyoka_service::jobs::WorkerSettings {
            policy: hyoka_model::db::jobs::ClaimPolicy {
                quiet: chrono::Duration::seconds(debounce),
                longest_wait: chrono::Duration::seconds(longest),
                stale_after: chrono::Duration::seconds(stale),
                max_attempts: i32::try_from(attempts).unwrap_or(5),
            },
            backoff: chrono::Duration::seconds(retry),
            heartbeat: secs(heartbeat),
        },
    })
}

fn validate_api(raw: &RawApi, limits: hyoka_ingest::Limits) -> Result<hyoka_api::Settings, ConfigError> {
    let within = |key: &str, v: i64, min: i64, max: i64| {
        if (min..=max).contains(&v) { Ok(v) } else { Err(ConfigError(format!("api.{key} is {v}; use {min}–{max}"))) }
    };
    let upload = within("upload_body_limit", raw.upload_body_limit, 1024, 1 << 30)?;
    let json = within("json_body_limit", raw.json_body_limit, 1024, 16 << 20)?;
    let login_hours = within("login_token_hours", raw.login_token_hours, 1, 24 * 31)?;
    let max_days = within("max_token_days", raw.max_token_days, 1, 3660)?;
    let failures = within("login_max_failures", raw.login_max_failures, 1, 1000)?;
    let lockout = within("login_lockout_secs", raw.login_lockout_secs, 1, 7 * 24 * 3600)?;
    let parses = within("max_concurrent_uploads", raw.max_concurrent_uploads, 1, 256)?;
    let queue = within("upload_queue_secs", raw.upload_queue_secs, 0, 600)?;
    let body_timeout = within("body_timeout_secs", raw.body_timeout_secs, 1, 3600)?;
    Ok(hyoka_api::Settings {
        upload_body_limit: usize::try_from(upload).unwrap_or(usize::MAX),
        json_body_limit: usize::try_from(json).unwrap_or(usize::MAX),
        login_token_lifetime: chrono::Duration::hours(login_hours),
        max_token_lifetime: chrono::Duration::days(max_days),
        login_policy: hyoka_model::db::logins::LoginPolicy {
            max_failures: u32::try_from(failures).unwrap_or(u32::MAX),
            lockout: chrono::Duration::seconds(lockout),
        },
        subsidiary_sees_unreleased_flags: raw.subsidiary_sees_unreleased_flags,
        uploads_need_collection: raw.uploads_need_collection,
        limits,
        max_concurrent_uploads: usize::try_from(parses).unwrap_or(1),
        upload_queue_timeout: std::time::Duration::from_secs(u64::try_from(queue).unwrap_or(0)),
        body_timeout: std::time::Duration::from_secs(u64::try_from(body_timeout).unwrap_or(60)),
        trusted_proxies: hyoka_api::client::TrustedProxies::default(),
    })
}

fn merge_file(table: &mut toml::Table, overrides: toml::Table, path: &Path) -> Result<(), ConfigError> {
    for (section, value) in overrides {
        let Some(toml::Value::Table(target)) = table.get_mut(&section) else {
            return Err(ConfigError(format!("{}: unknown section [{section}]", path.display())));
        };
        let toml::Value::Table(values) = value else {
            return Err(ConfigError(format!("{}: {section} must be a [section]", path.display())));
        };
        for (key, v) in values {
            if !target.contains_key(&key) {
                return Err(ConfigError(format!("{}: unknown setting {section}.{key}", path.display())));
            }
            target.insert(key, v);
        }
    }
    Ok(())
}

/// Applies `DATABASE_URL` and `HYOKA_<SECTION>_<KEY>` variables. A value
/// takes the type of the default it replaces.
fn apply_env(table: &mut toml::Table, env: &[(String, String)]) -> Result<(), ConfigError> {
    let mut settings: Vec<(String, String)> = Vec::new();
    for (section, values) in table.iter() {
        if let toml::Value::Table(values) = values {
            for key in values.keys() {
                settings.push((section.clone(), key.clone()));
            }
        }
    }
    let mut pairs: Vec<(String, String, String)> = Vec::new();
    if let Some((_, v)) = env.iter().find(|(k, _)| k == "DATABASE_URL") {
        pairs.push(("database".into(), "url".into(), v.clone()));
    }
    for (name, value) in env {
        let Some(rest) = name.strip_prefix("HYOKA_") else {
            continue;
        };
        if NOT_SETTINGS.contains(&name.as_str()) || rest.starts_with("TEST_") {
            continue;
        }
        let found = settings.iter().find(|(s, k)| format!("{s}_{k}").eq_ignore_ascii_case(rest)).ok_or_else(|| {
            let known: Vec<String> = settings.iter().map(|(s, k)| format!("HYOKA_{s}_{k}").to_uppercase()).collect();
            ConfigError(format!("unknown setting {name}; known: {}", known.join(", ")))
        })?;
        pairs.push((found.0.clone(), found.1.clone(), value.clone()));
    }
    for (section, key, value) in pairs {
        let Some(toml::Value::Table(target)) = table.get_mut(&section) else {
            continue;
        };
        let typed = match target.get(&key) {
            Some(toml::Value::Boolean(_)) => match value.trim().to_ascii_lowercase().as_str() {
                "true" | "1" | "yes" => toml::Value::Boolean(true),
                "false" | "0" | "no" => toml::Value::Boolean(false),
                _ => {
                    return Err(ConfigError(format!(
                        "HYOKA_{}_{} must be true or false, not {value:?}",
                        section.to_uppercase(),
                        key.to_uppercase()
                    )));
                }
            },
            Some(toml::Value::Integer(_)) => value.trim().parse::<i64>().map(toml::Value::Integer).map_err(|_| {
                ConfigError(format!(
                    "HYOKA_{}_{} must be a whole number, not {value:?}",
                    section.to_uppercase(),
                    key.to_uppercase()
                ))
            })?,
            // A list from the environment: comma-separated.
            Some(toml::Value::Array(_)) => toml::Value::Array(
                value
                    .split(',')
                    .map(str::trim)
                    .filter(|v| !v.is_empty())
                    .map(|v| toml::Value::String(v.into()))
                    .collect(),
            ),
            _ => toml::Value::String(value),
        };
        target.insert(key, typed);
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn env(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
        pairs.iter().map(|(k, v)| ((*k).to_owned(), (*v).to_owned())).collect()
    }

    #[test]
    fn mail_is_off_by_default_and_smtp_takes_its_credentials_from_the_environment_only() {
        let c = Config::load(None, &[]).unwrap_or_else(|e| panic!("{e}"));
        assert!(c.mail.transport.is_none());
        assert_eq!(c.mail.settings.days_before, 3);
        let on = env(&[
            ("HYOKA_MAIL_MODE", "smtp"),
            ("HYOKA_MAIL_HOST", "127.0.0.1"),
            ("HYOKA_MAIL_PORT", "2525"),
            ("HYOKA_MAIL_TLS", "none"),
            ("HYOKA_SMTP_USER", "hyoka"),
            ("HYOKA_SMTP_PASSWORD", "s3cret-pass"),
        ]);
        let c = Config::load(None, &on).unwrap_or_else(|e| panic!("{e}"));
        let Some(hyoka_service::mail::Transport::Smtp(smtp)) = &c.mail.transport else { panic!("smtp") };
        assert_eq!((smtp.host.as_str(), smtp.port, smtp.tls), ("127.0.0.1", 2525, hyoka_service::mail::TlsMode::None));
        assert_eq!(smtp.credentials, Some(("hyoka".to_owned(), "s3cret-pass".to_owned())));
        assert!(!format!("{c:?}").contains("s3cret-pass"), "the password is never shown");
        for (bad, says) in [
            (vec![("HYOKA_MAIL_MODE", "smtp")], "set mail.host"),
            (vec![("HYOKA_MAIL_MODE", "pigeon")], "off, smtp or folder"),
            (vec![("HYOKA_MAIL_MODE", "folder"), ("HYOKA_MAIL_FROM", "not an address")], "mail.from"),
            (vec![("HYOKA_SMTP_USER", "only-user")], "HYOKA_SMTP_PASSWORD"),
            (vec![("HYOKA_MAIL_DAYS_BEFORE_DEADLINE", "99")], "0–60"),
        ] {
            let e = Config::load(None, &env(&bad)).err().unwrap_or_else(|| panic!("{bad:?} accepted"));
            assert!(e.to_string().contains(says), "{bad:?}: {e}");
        }
    }

    #[test]
    fn defaults_are_valid() {
        let c = Config::load(None, &[]).map_err(|e| e.to_string());
        assert!(c.is_ok(), "{c:?}");
        let Ok(c) = c else { return };
        assert_eq!(c.database.url.to_string(), "sqlite://data/hyoka.db");
        assert_eq!(c.server.bind.to_string(), "127.0.0.1:8080");
    }

    #[test]
    fn environment_overrides_with_types() {
        let c = Config::load(
            None,
            &env(&[
                ("DATABASE_URL", "postgres://app:pw@db/hyoka"),
                ("HYOKA_SERVER_BIND", "0.0.0.0:9000"),
                ("HYOKA_DATABASE_POOL_SIZE", "3"),
                ("HYOKA_LOG_FORMAT", "json"),
                ("HYOKA_TEST_POSTGRES", "ignored"),
                ("HYOKA_CONFIG", "ignored"),
            ]),
        );
        let Ok(c) = c else { panic!("{c:?}") };
        assert_eq!(c.server.bind.port(), 9000);
        assert_eq!(c.database.pool_size, 3);
        assert_eq!(c.log.format, LogFormat::Json);
        assert!(!format!("{c:?}").contains("pw@"), "passwords never show in Debug");
        let c =
            Config::load(None, &env(&[("DATABASE_URL", "postgres://a@b/c"), ("HYOKA_DATABASE_URL", "sqlite://x.db")]));
        assert_eq!(c.map(|c| c.database.url.to_string()).ok().as_deref(), Some("sqlite://x.db"));
    }

    #[test]
    fn mistakes_are_explained() {
        for (pairs, want) in [
            (vec![("HYOKA_SERVER_BIND", "localhost")], "ADDRESS:PORT"),
            (vec![("HYOKA_SERVER_PORT", "1")], "unknown setting HYOKA_SERVER_PORT"),
            (vec![("HYOKA_DATABASE_POOL_SIZE", "many")], "whole number"),
            (vec![("HYOKA_DATABASE_POOL_SIZE", "0")], "1–64"),
            (vec![("DATABASE_URL", "mysql://root:hunter2@x/y")], "unknown scheme"),
            (vec![("HYOKA_LOG_FORMAT", "xml")], "\"text\" or \"json\""),
            (vec![("HYOKA_SERVER_SHUTDOWN_TIMEOUT_SECS", "30")], "0–9"),
        ] {
            let err = Config::load(None, &env(&pairs)).err().map(|e| e.to_string()).unwrap_or_default();
            assert!(err.contains(want), "{pairs:?}: {err}");
            assert!(!err.contains("hunter2"), "{err}");
        }
    }

    #[test]
    fn a_file_overrides_defaults_and_unknown_keys_are_refused() {
        let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
        let path = dir.path().join("hyoka.toml");
        std::fs::write(&path, "[server]\nbind = \"127.0.0.1:9999\"\n").unwrap_or_else(|e| panic!("{e}"));
        let c = Config::load(Some(&path), &[]);
        assert_eq!(c.map(|c| c.server.bind.port()).ok(), Some(9999));
        std::fs::write(&path, "[server]\nport = 1\n").unwrap_or_else(|e| panic!("{e}"));
        let err = Config::load(Some(&path), &[]).err().map(|e| e.to_string()).unwrap_or_default();
        assert!(err.contains("unknown setting server.port"), "{err}");
    }

    #[test]
    fn trusted_proxies_are_ranges_from_a_file_or_the_environment() {
        let c = Config::load(None, &[]);
        assert_eq!(c.map(|c| c.server.trusted_proxies.0.len()).ok(), Some(0), "none by default");
        let c = Config::load(None, &env(&[("HYOKA_SERVER_TRUSTED_PROXIES", "127.0.0.1, 10.0.0.0/8")]));
        let Ok(c) = c else { panic!("{c:?}") };
        assert_eq!(c.api.trusted_proxies, c.server.trusted_proxies);
        let shown: Vec<String> = c.server.trusted_proxies.0.iter().map(ToString::to_string).collect();
        assert_eq!(shown, ["127.0.0.1/32", "10.0.0.0/8"]);
        let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
        let path = dir.path().join("hyoka.toml");
        std::fs::write(&path, "[server]\ntrusted_proxies = [\"::1\"]\n").unwrap_or_else(|e| panic!("{e}"));
        let c = Config::load(Some(&path), &[]);
        assert_eq!(c.map(|c| c.server.trusted_proxies.0.len()).ok(), Some(1));
        let err = Config::load(None, &env(&[("HYOKA_SERVER_TRUSTED_PROXIES", "proxy.local")]))
            .err()
            .map(|e| e.to_string())
            .unwrap_or_default();
        assert!(err.contains("server.trusted_proxies") && err.contains("proxy.local"), "{err}");
    }

    #[test]
    fn upload_limits_come_from_the_limits_section() {
        let c = Config::load(None, &env(&[("HYOKA_LIMITS_MAX_ROWS", "300")]));
        let Ok(c) = c else { panic!("{c:?}") };
        assert_eq!(c.limits.max_rows, 300);
        assert_eq!(c.limits.max_file_bytes, hyoka_ingest::Limits::default().max_file_bytes);
        for (key, value, want) in [
            ("HYOKA_LIMITS_MAX_FILE_BYTES", "0", "above 0"),
            ("HYOKA_LIMITS_MAX_CELL_CHARS", "-1", "above 0"),
            ("HYOKA_LIMITS_MAX_ROWS", "99999999999", "at most"),
        ] {
            let err = Config::load(None, &env(&[(key, value)])).err().map(|e| e.to_string()).unwrap_or_default();
            assert!(err.contains(want), "{key}={value}: {err}");
        }
    }

    #[test]
    fn api_settings_come_from_the_api_section() {
        let c = Config::load(None, &[]);
        let Ok(c) = c else { panic!("{c:?}") };
        assert!(!c.api.subsidiary_sees_unreleased_flags, "flags stay hidden until released by default");
        assert!(c.api.uploads_need_collection, "uploads need a collection by default");
        assert_eq!(c.api.login_policy.max_failures, 5);
        assert_eq!(c.api.upload_body_limit, 22_020_096);
        assert_eq!(c.api.limits, c.limits);
        let c = Config::load(
            None,
            &env(&[
                ("HYOKA_API_SUBSIDIARY_SEES_UNRELEASED_FLAGS", "true"),
                ("HYOKA_API_UPLOADS_NEED_COLLECTION", "false"),
                ("HYOKA_API_UPLOAD_BODY_LIMIT", "4096"),
                ("HYOKA_API_LOGIN_LOCKOUT_SECS", "60"),
            ]),
        );
        let Ok(c) = c else { panic!("{c:?}") };
        assert!(c.api.subsidiary_sees_unreleased_flags);
        assert!(!c.api.uploads_need_collection);
        assert_eq!(c.api.upload_body_limit, 4096);
        assert_eq!(c.api.login_policy.lockout, chrono::Duration::seconds(60));
        for (key, value, want) in [
            ("HYOKA_API_SUBSIDIARY_SEES_UNRELEASED_FLAGS", "maybe", "true or false"),
            ("HYOKA_API_JSON_BODY_LIMIT", "10", "api.json_body_limit is 10"),
            ("HYOKA_API_LOGIN_MAX_FAILURES", "0", "api.login_max_failures"),
            ("HYOKA_API_TOKEN_SECRET", "x", "unknown setting"),
        ] {
            let err = Config::load(None, &env(&[(key, value)])).err().map(|e| e.to_string()).unwrap_or_default();
            assert!(err.contains(want), "{key}={value}: {err}");
        }
    }
}
