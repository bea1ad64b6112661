//! Sending the outbox: a [`Transport`] (SMTP through lettre, or a folder of
//! `.eml` files for the demo and for trying things out), and one turn of the
//! mail worker ([`work_once`]) that `hyoka serve` runs in a thread of its
//! own, so a slow or failing mail server never holds a request.
//!
//! A mail is claimed ([`mail::claim`]), sent, then marked sent while the
//! claim holds; a failure is recorded and retried with backoff, then
//! `failed` with its error, never dropped. A worker that dies between the
//! server's acceptance and the mark leaves the mail claimed; after the stale
//! period another worker sends it again (at most once more per stale period —
//! SMTP offers no way to make the send and the mark one step).

use std::path::PathBuf;

use chrono::Duration;
use hyoka_model::db::mail::{self, Failure, Mail};
use hyoka_model::db::{DbConn, Pool};
use lettre::message::header::ContentType;

use crate::ServiceError;

/// How the SMTP connection is secured.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TlsMode {
    /// Plain SMTP (a relay on loopback or a trusted network only).
    None,
    /// Plain, then STARTTLS (required).
    StartTls,
    /// TLS from the first byte (SMTPS, usually port 465).
    Tls,
}

impl std::str::FromStr for TlsMode {
    type Err = String;
    fn from_str(s: &str) -> Result<TlsMode, String> {
        match s {
            "none" => Ok(TlsMode::None),
            "starttls" => Ok(TlsMode::StartTls),
            "tls" => Ok(TlsMode::Tls),
            other => Err(format!("unknown TLS mode {other:?}; use none, starttls or tls")),
        }
    }
}

/// The SMTP server.
#[derive(Clone)]
pub struct Smtp {
    /// Host name (also the TLS name).
    pub host: String,
    /// Port.
    pub port: u16,
    /// How the connection is secured.
    pub tls: TlsMode,
    /// User name and password (from the environment only).
    pub credentials: Option<(String, String)>,
    /// Seconds a connection and each command may take.
    pub timeout: std::time::Duration,
}

impl std::fmt::Debug for Smtp {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // Never the password.
        f.debug_struct("Smtp")
            .field("host", &self.host)
            .field("port", &self.port)
            .field("tls", &self.tls)
            .field("user", &self.credentials.as_ref().map(|c| c.0.as_str()))
            .finish()
    }
}

/// Where mails go.
#[derive(Debug, Clone)]
pub enum Transport {
    /// An SMTP server.
    Smtp(Smtp),
    /// A folder: each mail becomes `mail-{id}.eml`.
    Folder(PathBuf),
}

/// Checks a sender address (`hyoka <hyoka@example.co.jp>`).
pub fn check_from(from: &str) -> Result<(), String> {
    from.parse::<lettre::message::Mailbox>().map(|_| ()).map_err(|e| format!("mail.from {from:?}: {e}"))
}

/// The mail as it goes on the wire (RFC 5322, UTF-8 plain text).
pub fn message(m: &Mail, from: &str) -> Result<lettre::Message, String> {
    let from = from.parse().map_err(|e| format!("mail.from {from:?}: {e}"))?;
    let to = m.to.parse().map_err(|e| format!("address {:?}: {e}", m.to))?;
    lettre::Message::builder()
        .from(from)
        .to(to)
        .subject(m.subject.clone())
        .header(ContentType::TEXT_PLAIN)
        .body(m.body.clone())
        .map_err(|e| e.to_string())
}

impl Transport {
    /// Sends one mail; the error in words (no credential in it).
    pub fn send(&self, m: &Mail, from: &str) -> Result<(), String> {
        let msg = message(m, from)?;
        match self {
            Transport::Folder(dir) => {
                std::fs::create_dir_all(dir).map_err(|e| format!("{}: {e}", dir.display()))?;
                let file = dir.join(format!("mail-{}.eml", m.id));
                let tmp = dir.join(format!(".mail-{}.eml.tmp", m.id));
                std::fs::write(&tmp, msg.formatted()).map_err(|e| format!("{}: {e}", tmp.display()))?;
                std::fs::rename(&tmp, &file).map_err(|e| format!("{}: {e}", file.display()))
            }
            Transport::Smtp(s) => {
                use lettre::Transport as _;
                use lettre::transport::smtp::authentication::Credentials;
                let builder = match s.tls {
                    TlsMode::None => lettre::SmtpTransport::builder_dangerous(&s.host),
                    TlsMode::StartTls => lettre::SmtpTransport::starttls_relay(&s.host).map_err(|e| e.to_string())?,
                    TlsMode::Tls => lettre::SmtpTransport::relay(&s.host).map_err(|e| e.to_string())?,
                };
                let mut builder = builder.port(s.port).timeout(Some(s.timeout));
                if let Some((user, pass)) = &s.credentials {
                    builder = builder.credentials(Credentials::new(user.clone(), pass.clone()));
                }
                builder.build().send(&msg).map(|_| ()).map_err(|e| e.to_string())
            }
        }
    }
}

/// How the mail worker works.
#[derive(Debug, Clone)]
pub struct MailSettings {
    /// The sender address (`hyoka <hyoka@example.co.jp>`).
    pub from: String,
    /// Attempts per mail before it is marked failed.
    pub max_attempts: i32,
    /// Wait before the first retry (doubled for each further one, at most an hour).
    pub backoff: Duration,
    /// A claim older than this is taken over (its worker died).
    pub stale_after: Duration,
    /// Days before a deadline that the reminder goes out.
    pub days_before: i64,
}

/// What one turn of the mail worker did.
#[derive(Debug, PartialEq, Eq)]
pub enum Sent {
    /// Nothing was due.
    Idle,
    /// A mail was sent (its id).
    Sent(i64),
    /// A mail failed; recorded on it.
    Failed(i64, Failure),
    /// A mail was sent but another worker had taken it over meanwhile.
    Lost(i64),
}

/// One turn of the mail worker: claims one due mail, sends it, marks it.
pub fn work_once(pool: &Pool, worker: &str, transport: &Transport, s: &MailSettings) -> Result<Sent, ServiceError> {
    let mut conn = pool.get().map_err(|e| hyoka_model::db::DbError::Connect(e.to_string()))?;
    work_once_on(&mut conn, worker, transport, s)
}

/// [`work_once`] on a connection.
pub fn work_once_on(
    conn: &mut DbConn,
    worker: &str,
    transport: &Transport,
    s: &MailSettings,
) -> Result<Sent, ServiceError> {
    let Some(m) = mail::claim(conn, worker, s.stale_after)? else {
        return Ok(Sent::Idle);
    };
    match transport.send(&m, &s.from) {
        Ok(()) => {
            if mail::mark_sent(conn, m.id, worker)? {
                tracing::info!(mail = m.id, event = %m.event, "mail sent");
                Ok(Sent::Sent(m.id))
            } else {
                Ok(Sent::Lost(m.id))
            }
        }
        Err(error) => {
            let f = mail::mark_failed(conn, m.id, worker, &error, s.max_attempts, s.backoff)?;
            tracing::warn!(mail = m.id, event = %m.event, %error, outcome = ?f, "mail not sent");
            Ok(Sent::Failed(m.id, f))
        }
    }
}

/// The deadline sweep of today (Japan time), if no worker has run it yet
/// today; see [`crate::notify::deadline_sweep`].
pub fn sweep_today(conn: &mut DbConn, worker: &str, s: &MailSettings) -> Result<Option<usize>, ServiceError> {
    let today = hyoka_model::time::now().with_timezone(&hyoka_model::time::JST).date_naive();
    Ok(crate::notify::deadline_sweep(conn, worker, today, s.days_before)?)
}
