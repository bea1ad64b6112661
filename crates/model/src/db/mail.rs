//! The mail outbox (`mail_outbox`): e-mails queued in the transaction of the
//! event that causes them, sent by the mail worker of every `hyoka serve`
//! process through the database.
//!
//! - [`enqueue_in_tx`]: in the event's own write transaction. The dedupe key
//!   (event and recipient) is unique, so an event queues a mail to one person
//!   once (a second enqueue does nothing and says so).
//! - [`claim`]: one due mail, atomically (SQLite: one `UPDATE … WHERE id =
//!   (SELECT …) RETURNING` inside `BEGIN IMMEDIATE`; PostgreSQL: the same with
//!   `FOR UPDATE SKIP LOCKED`), so two workers never hold the same mail. A
//!   mail whose claim is older than the stale period (its worker died) is
//!   claimed again.
//! - [`mark_sent`] only while the claim holds; [`mark_failed`] queues it again
//!   after `backoff × 2^(attempts − 1)` (at most an hour) while attempts are
//!   left, else `failed` with the error kept (never dropped).
//! - [`sweep_once_in_tx`]: the daily deadline sweep's claim: the first process
//!   to insert a day's `mail_sweeps` row runs that day's sweep.

use chrono::{Duration, NaiveDate, NaiveDateTime};
use diesel::prelude::*;
use diesel::sql_types::{BigInt, Text, Timestamp};

use super::audit::{self, Change};
use super::conn::IdRow;
use super::schema::{mail_outbox, mail_sweeps, submission_transitions, users};
use super::{DbConn, DbError, write_tx};
use crate::workflow::Actor;

/// The language a user reads mail in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Language {
    /// 日本語 (the default).
    #[default]
    Ja,
    /// English.
    En,
}

impl Language {
    /// The stored code (`ja`, `en`).
    pub fn code(self) -> &'static str {
        match self {
            Language::Ja => "ja",
            Language::En => "en",
        }
    }

    /// From its code.
    pub fn parse(s: &str) -> Result<Language, DbError> {
        match s.trim().to_ascii_lowercase().as_str() {
            "ja" => Ok(Language::Ja),
            "en" => Ok(Language::En),
            other => Err(DbError::Invalid(format!(
                "unknown language {other:?}; use ja or en / 言語 {other:?} は不明です（ja か en）"
            ))),
        }
    }
}

/// Where a mail stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum MailState {
    /// Waiting for a worker (or its backoff).
    Queued,
    /// Claimed by a worker.
    Sending,
    /// Accepted by the mail server.
    Sent,
    /// Given up after the attempts allowed; `error` says why.
    Failed,
}

impl MailState {
    /// The stored code.
    pub fn code(self) -> &'static str {
        match self {
            MailState::Queued => "queued",
            MailState::Sending => "sending",
            MailState::Sent => "sent",
            MailState::Failed => "failed",
        }
    }

    fn parse(s: &str) -> Result<MailState, DbError> {
        Ok(match s {
            "queued" => MailState::Queued,
            "sending" => MailState::Sending,
            "sent" => MailState::Sent,
            "failed" => MailState::Failed,
            other => return Err(DbError::Invalid(format!("unknown mail state {other:?}"))),
        })
    }
}

/// A user's e-mail address and language.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Recipient {
    /// The user.
    pub user_id: i64,
    /// Display name.
    pub display_name: String,
    /// Address (only users with one get mail).
    pub email: String,
    /// Language of the mail.
    pub language: Language,
}

/// A mail to queue.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewMail {
    /// Unique per event and recipient (`return:17:4`).
    pub dedupe_key: String,
    /// What caused it (`collection_opened`, `returned`, …).
    pub event: &'static str,
    /// The recipient.
    pub user_id: Option<i64>,
    /// Address.
    pub to: String,
    /// Language it is written in.
    pub language: Language,
    /// Subject (plain text).
    pub subject: String,
    /// Body (plain text).
    pub body: String,
}

type MailRow = (
    i64,
    String,
    String,
    Option<i64>,
    String,
    String,
    String,
    String,
    String,
    i32,
    NaiveDateTime,
    NaiveDateTime,
    Option<String>,
    Option<NaiveDateTime>,
    Option<NaiveDateTime>,
    Option<String>,
);

/// A mail as stored (times UTC).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Mail {
    /// Id.
    pub id: i64,
    /// Event and recipient.
    pub dedupe_key: String,
    /// What caused it.
    pub event: String,
    /// Recipient user.
    pub user_id: Option<i64>,
    /// Address.
    pub to: String,
    /// Language.
    pub language: Language,
    /// Subject.
    pub subject: String,
    /// Body.
    pub body: String,
    /// Where it stands.
    pub state: MailState,
    /// Times a worker claimed it.
    pub attempts: i32,
    /// Queued.
    pub created_at: NaiveDateTime,
    /// Not before (the backoff after a failure).
    pub run_after: NaiveDateTime,
    /// The worker that claimed it last.
    pub claimed_by: Option<String>,
    /// When.
    pub claimed_at: Option<NaiveDateTime>,
    /// When the mail server accepted it.
    pub sent_at: Option<NaiveDateTime>,
    /// The last failure.
    pub error: Option<String>,
}

fn from_row(r: MailRow) -> Result<Mail, DbError> {
    Ok(Mail {
        id: r.0,
        dedupe_key: r.1,
        event: r.2,
        user_id: r.3,
        to: r.4,
        language: Language::parse(&r.5)?,
        subject: r.6,
        body: r.7,
        state: MailState::parse(&r.8)?,
        attempts: r.9,
        created_at: r.10,
        run_after: r.11,
        claimed_by: r.12,
        claimed_at: r.13,
        sent_at: r.14,
        error: r.15,
    })
}

/// A mail by id.
pub fn get(conn: &mut DbConn, id: i64) -> Result<Mail, DbError> {
    from_row(super::found(mail_outbox::table.find(id).first::<MailRow>(conn), || format!("mail {id}"))?)
}

/// Every mail, oldest first (operators and tests).
pub fn list(conn: &mut DbConn) -> Result<Vec<Mail>, DbError> {
    mail_outbox::table.order(mail_outbox::id.asc()).load::<MailRow>(conn)?.into_iter().map(from_row).collect()
}

/// A user's address and language; `None` without an address or when disabled.
pub fn recipient(conn: &mut DbConn, user_id: i64) -> Result<Option<Recipient>, DbError> {
    let row: Option<(i64, String, Option<String>, String)> = users::table
        .find(user_id)
        .filter(users::disabled.eq(false))
        .select((users::id, users::display_name, users::email, users::language))
        .first(conn)
        .optional()?;
    row.and_then(|(id, name, email, lang)| email.map(|e| (id, name, e, lang)))
        .map(|(user_id, display_name, email, lang)| {
            Ok(Recipient { user_id, display_name, email, language: Language::parse(&lang)? })
        })
        .transpose()
}

/// The enabled users of a subsidiary that have an address, by id.
pub fn company_recipients(conn: &mut DbConn, company_id: i64) -> Result<Vec<Recipient>, DbError> {
    let rows: Vec<(i64, String, Option<String>, String)> = users::table
        .filter(users::company_id.eq(company_id))
        .filter(users::disabled.eq(false))
        .filter(users::email.is_not_null())
        .order(users::id.asc())
        .select((users::id, users::display_name, users::email, users::language))
        .load(conn)?;
    rows.into_iter()
        .filter_map(|(id, name, email, lang)| email.map(|e| (id, name, e, lang)))
        .map(|(user_id, display_name, email, lang)| {
            Ok(Recipient { user_id, display_name, email, language: Language::parse(&lang)? })
        })
        .collect()
}

/// Checks an e-mail address as typed: one `@` with text on both sides, no
/// whitespace or control characters, at most 254 characters.
pub fn check_address(email: &str) -> Result<String, DbError> {
    let e = email.trim();
    let ok = e.chars().count() <= 254
        && !e.chars().any(|c| c.is_whitespace() || c.is_control() || matches!(c, '<' | '>' | ',' | ';' | '"'))
        && matches!(e.split_once('@'), Some((l, d)) if !l.is_empty() && !d.is_empty() && !d.contains('@'));
    if ok {
        Ok(e.to_owned())
    } else {
        Err(DbError::Invalid(format!("{e:?} is not an e-mail address / {e:?} はメールアドレスではありません")))
    }
}

/// An address as typed for a user's mail: blank is none, anything else must
/// pass [`check_address`].
pub fn checked_contact(email: Option<&str>) -> Result<Option<String>, DbError> {
    email.map(str::trim).filter(|e| !e.is_empty()).map(check_address).transpose()
}

/// Sets a user's e-mail address (`None`: no mail) and language, audited.
pub fn set_contact(
    conn: &mut DbConn,
    actor: Actor,
    user_id: i64,
    email: Option<&str>,
    language: Language,
) -> Result<(), DbError> {
    let email = checked_contact(email)?;
    write_tx(conn, |conn| {
        super::users::get(conn, user_id)?;
        diesel::update(users::table.find(user_id))
            .set((users::email.eq(email.as_deref()), users::language.eq(language.code())))
            .execute(conn)?;
        let after = serde_json::json!({ "email": email, "language": language.code() });
        let change = Change { entity: "user", entity_id: Some(user_id.to_string()), before: None, after: Some(after) };
        audit::append(conn, actor, "user.contact", change)?;
        Ok(())
    })
}

/// Queues a mail in the caller's write transaction. `false` (and nothing
/// changed) when a mail with its dedupe key is queued or sent already.
pub fn enqueue_in_tx(conn: &mut DbConn, mail: &NewMail) -> Result<bool, DbError> {
    let now = crate::time::now().naive_utc();
    let sql = "INSERT INTO mail_outbox (dedupe_key, event, user_id, to_address, language, subject, body, state, \
               attempts, created_at, run_after) VALUES ($1, $2, $3, $4, $5, $6, $7, 'queued', 0, $8, $8) \
               ON CONFLICT (dedupe_key) DO NOTHING RETURNING id";
    macro_rules! run {
        ($c:expr, $sql:expr) => {
            diesel::sql_query($sql)
                .bind::<Text, _>(&mail.dedupe_key)
                .bind::<Text, _>(mail.event)
                .bind::<diesel::sql_types::Nullable<BigInt>, _>(mail.user_id)
                .bind::<Text, _>(&mail.to)
                .bind::<Text, _>(mail.language.code())
                .bind::<Text, _>(&mail.subject)
                .bind::<Text, _>(&mail.body)
                .bind::<Timestamp, _>(now)
                .load::<IdRow>($c)?
        };
    }
    let inserted = match conn {
        DbConn::Pg(c) => run!(c, sql),
        DbConn::Sqlite(c) => run!(c, sql.replace('$', "?")),
    };
    Ok(!inserted.is_empty())
}

/// Claims one due mail for `worker`, or `None`: a queued one whose backoff
/// is over, or one whose claim is older than `stale_after` (its worker
/// stopped before it marked the mail).
pub fn claim(conn: &mut DbConn, worker: &str, stale_after: Duration) -> Result<Option<Mail>, DbError> {
    let now = crate::time::now().naive_utc();
    let stale_before = now - stale_after;
    write_tx(conn, |conn| -> Result<Option<Mail>, DbError> {
        let pick = "SELECT m.id FROM mail_outbox m WHERE (m.state = 'queued' AND m.run_after <= $2) \
                    OR (m.state = 'sending' AND m.claimed_at < $3) ORDER BY m.id LIMIT 1";
        let update = |lock: &str| {
            format!(
                "UPDATE mail_outbox SET state = 'sending', claimed_by = $1, claimed_at = $2, \
                 attempts = attempts + 1 WHERE id = ({pick}{lock}) RETURNING id"
            )
        };
        match super::conn::claim_one(conn, update, worker, &[now, stale_before])? {
            Some(id) => Ok(Some(get(conn, id)?)),
            None => Ok(None),
        }
    })
}

/// Marks a claimed mail sent; `false` (nothing changed) when the claim no
/// longer holds.
pub fn mark_sent(conn: &mut DbConn, id: i64, worker: &str) -> Result<bool, DbError> {
    let n = diesel::update(
        mail_outbox::table
            .find(id)
            .filter(mail_outbox::state.eq(MailState::Sending.code()))
            .filter(mail_outbox::claimed_by.eq(worker)),
    )
    .set((
        mail_outbox::state.eq(MailState::Sent.code()),
        mail_outbox::sent_at.eq(crate::time::now().naive_utc()),
        mail_outbox::error.eq(None::<String>),
    ))
    .execute(conn)?;
    Ok(n == 1)
}

/// What became of a failed attempt.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Failure {
    /// Queued again, not before the time given.
    Retry(NaiveDateTime),
    /// Given up: no attempt left.
    GivenUp,
    /// The claim no longer held; nothing changed.
    NotClaimed,
}

/// Records a failed attempt of a claimed mail: queued again after
/// `backoff × 2^(attempts − 1)` (at most an hour) while attempts are left,
/// `failed` otherwise. The error is kept either way.
pub fn mark_failed(
    conn: &mut DbConn,
    id: i64,
    worker: &str,
    error: &str,
    max_attempts: i32,
    backoff: Duration,
) -> Result<Failure, DbError> {
    let error: String = error.chars().take(2000).collect();
    write_tx(conn, |conn| -> Result<Failure, DbError> {
        let mail = get(conn, id)?;
        if mail.state != MailState::Sending || mail.claimed_by.as_deref() != Some(worker) {
            return Ok(Failure::NotClaimed);
        }
        let now = crate::time::now().naive_utc();
        if mail.attempts >= max_attempts {
            diesel::update(mail_outbox::table.find(id))
                .set((mail_outbox::state.eq(MailState::Failed.code()), mail_outbox::error.eq(error)))
                .execute(conn)?;
            return Ok(Failure::GivenUp);
        }
        let exp = u32::try_from(mail.attempts.saturating_sub(1)).unwrap_or(0).min(12);
        let after = now + (backoff * 2i32.pow(exp)).min(Duration::hours(1));
        diesel::update(mail_outbox::table.find(id))
            .set((
                mail_outbox::state.eq(MailState::Queued.code()),
                mail_outbox::run_after.eq(after),
                mail_outbox::error.eq(error),
            ))
            .execute(conn)?;
        Ok(Failure::Retry(after))
    })
}

/// Claims the deadline sweep of `day` (Japan time) for `worker` in the
/// caller's write transaction: `true` when this call inserted the day's row
/// (so it runs the sweep, in the same transaction), `false` when the day
/// was swept already.
pub fn sweep_once_in_tx(conn: &mut DbConn, day: NaiveDate, worker: &str) -> Result<bool, DbError> {
    let now = crate::time::now().naive_utc();
    let sql = "INSERT INTO mail_sweeps (day, swept_by, swept_at, queued) VALUES ($1, $2, $3, 0) \
               ON CONFLICT (day) DO NOTHING";
    let n = match conn {
        DbConn::Pg(c) => diesel::sql_query(sql)
            .bind::<diesel::sql_types::Date, _>(day)
            .bind::<Text, _>(worker)
            .bind::<Timestamp, _>(now)
            .execute(c)?,
        DbConn::Sqlite(c) => diesel::sql_query(sql.replace('$', "?"))
            .bind::<diesel::sql_types::Date, _>(day)
            .bind::<Text, _>(worker)
            .bind::<Timestamp, _>(now)
            .execute(c)?,
    };
    Ok(n == 1)
}

/// Records how many mails a day's sweep queued (in its transaction).
pub fn sweep_queued_in_tx(conn: &mut DbConn, day: NaiveDate, queued: usize) -> Result<(), DbError> {
    diesel::update(mail_sweeps::table.find(day))
        .set(mail_sweeps::queued.eq(i32::try_from(queued).unwrap_or(i32::MAX)))
        .execute(conn)?;
    Ok(())
}

/// The reviewer who returned `submission`, when it was still returned as a
/// newer revision superseded it (a resubmission); `None` otherwise.
pub fn returned_by(conn: &mut DbConn, submission: i64) -> Result<Option<i64>, DbError> {
    let from: Option<String> = submission_transitions::table
        .filter(submission_transitions::submission_id.eq(submission))
        .filter(submission_transitions::action.eq("supersede"))
        .order(submission_transitions::id.desc())
        .select(submission_transitions::from_status)
        .first(conn)
        .optional()?;
    if from.as_deref() != Some("returned") {
        return Ok(None);
    }
    let actor: Option<Option<i64>> = submission_transitions::table
        .filter(submission_transitions::submission_id.eq(submission))
        .filter(submission_transitions::action.eq("return"))
        .order(submission_transitions::id.desc())
        .select(submission_transitions::actor_id)
        .first(conn)
        .optional()?;
    Ok(actor.flatten())
}
