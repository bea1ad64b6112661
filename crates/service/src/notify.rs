//! Who gets which e-mail, and what it says: the notifications of the review
//! workflow, queued in the outbox ([`hyoka_model::db::mail`]) in the same
//! transaction as the event that causes them, in the recipient's language.
//!
//! | event | to | dedupe key |
//! |---|---|---|
//! | a collection opened | every subsidiary user of each member company | `collection_opened:{collection}:{user}` |
//! | its deadline in N days | users of members with nothing submitted | `deadline_soon:{collection}:{user}` |
//! | its deadline passed | users of members with nothing submitted | `overdue:{collection}:{user}` |
//! | a sheet returned | the subsidiary's users | `returned:{submission}:{user}` |
//! | flags released | the subsidiary's users | `released:{submission}:{user}` |
//! | a returned sheet resubmitted | the reviewer who returned it | `resubmitted:{new submission}:{user}` |
//!
//! Mails are plain text: what a user typed (a return message, a collection's
//! message) is included as text, never as HTML. Only users with an address
//! who are not disabled get mail.

use chrono::NaiveDate;
use hyoka_model::db::collections::{self, Collection, NewCollection};
use hyoka_model::db::companies::{self, Company};
use hyoka_model::db::mail::{self, Language, NewMail, Recipient};
use hyoka_model::db::submissions::Submission;
use hyoka_model::db::{DbConn, DbError, summaries, write_tx};
use hyoka_model::workflow::Actor;

/// A mail's subject and body before it is addressed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Text {
    /// Subject.
    pub subject: String,
    /// Body.
    pub body: String,
}

const FOOTER_JA: &str = "\n\n詳細は hyoka の画面でご確認ください。\n（このメールは hyoka から自動送信されています）\n";
const FOOTER_EN: &str = "\n\nPlease see hyoka for the details.\n(This mail was sent by hyoka automatically.)\n";

fn text(lang: Language, ja: (String, String), en: (String, String)) -> Text {
    let ((subject, body), footer) = match lang {
        Language::Ja => (ja, FOOTER_JA),
        Language::En => (en, FOOTER_EN),
    };
    Text { subject: format!("[hyoka] {subject}"), body: format!("{body}{footer}") }
}

/// The texts of each event, by language (public so tests and operators can
/// see exactly what is sent).
pub mod texts {
    use super::*;

    /// A collection opened.
    pub fn collection_opened(lang: Language, c: &Collection, company: &Company) -> Text {
        let y = c.fiscal_year.get();
        let msg = c.message.as_deref().map(|m| format!("\n\n{m}")).unwrap_or_default();
        text(
            lang,
            (
                format!("{y}年度 自己評価の提出依頼: {}", c.title),
                format!(
                    "{} 御中\n\n{y}年度のサイバーセキュリティ自己評価の提出依頼が開始されました。\n提出期限: {}{msg}",
                    company.name,
                    c.deadline.format("%Y-%m-%d")
                ),
            ),
            (
                format!("FY{y} self-assessment requested: {}", c.title),
                format!(
                    "To {}\n\nThe cybersecurity self-assessment for fiscal year {y} has been requested.\nDeadline: {}{msg}",
                    company.name,
                    c.deadline.format("%Y-%m-%d")
                ),
            ),
        )
    }

    /// The deadline is `days` away (0: today) and nothing is submitted.
    pub fn deadline_soon(lang: Language, c: &Collection, company: &Company, days: i64) -> Text {
        let y = c.fiscal_year.get();
        let d = c.deadline.format("%Y-%m-%d");
        text(
            lang,
            (
                format!("{y}年度 自己評価の提出期限まで{days}日です"),
                format!("{} 御中\n\n{y}年度の自己評価がまだ提出されていません。提出期限は {d} です。", company.name),
            ),
            (
                format!("FY{y} self-assessment due in {days} day(s)"),
                format!(
                    "To {}\n\nYour self-assessment for fiscal year {y} is not submitted yet. It is due on {d}.",
                    company.name
                ),
            ),
        )
    }

    /// The deadline passed and nothing is submitted.
    pub fn overdue(lang: Language, c: &Collection, company: &Company) -> Text {
        let y = c.fiscal_year.get();
        let d = c.deadline.format("%Y-%m-%d");
        text(
            lang,
            (
                format!("{y}年度 自己評価の提出期限を過ぎています"),
                format!(
                    "{} 御中\n\n{y}年度の自己評価の提出期限（{d}）を過ぎましたが、まだ提出されていません。至急ご提出ください。",
                    company.name
                ),
            ),
            (
                format!("FY{y} self-assessment overdue"),
                format!(
                    "To {}\n\nYour self-assessment for fiscal year {y} was due on {d} and is not submitted yet. Please submit it now.",
                    company.name
                ),
            ),
        )
    }

    /// A sheet was returned, with the reviewer's message.
    pub fn returned(lang: Language, sub: &Submission, company: &Company, message: Option<&str>) -> Text {
        let y = sub.fiscal_year.get();
        let r = sub.revision;
        let msg_ja = message.map(|m| format!("\n\nレビュー担当者からのメッセージ:\n{m}")).unwrap_or_default();
        let msg_en = message.map(|m| format!("\n\nThe reviewer's message:\n{m}")).unwrap_or_default();
        text(
            lang,
            (
                format!("{y}年度 自己評価が差し戻されました"),
                format!(
                    "{} 御中\n\n{y}年度の自己評価（第{r}版）が差し戻されました。指摘を確認し、修正版を提出してください。{msg_ja}",
                    company.name
                ),
            ),
            (
                format!("FY{y} self-assessment returned"),
                format!(
                    "To {}\n\nYour self-assessment for fiscal year {y} (revision {r}) was returned. Please read the findings and submit a corrected revision.{msg_en}",
                    company.name
                ),
            ),
        )
    }

    /// A sheet's flags were released to its subsidiary.
    pub fn released(lang: Language, sub: &Submission, company: &Company) -> Text {
        let y = sub.fiscal_year.get();
        let r = sub.revision;
        text(
            lang,
            (
                format!("{y}年度 自己評価への指摘が公開されました"),
                format!("{} 御中\n\n{y}年度の自己評価（第{r}版）へのレビューの指摘が公開されました。", company.name),
            ),
            (
                format!("FY{y} self-assessment: findings released"),
                format!(
                    "To {}\n\nThe review findings on your self-assessment for fiscal year {y} (revision {r}) were released.",
                    company.name
                ),
            ),
        )
    }

    /// A returned sheet came back as a new revision.
    pub fn resubmitted(lang: Language, sub: &Submission, company: &Company) -> Text {
        let y = sub.fiscal_year.get();
        let r = sub.revision;
        text(
            lang,
            (
                format!("{} {y}年度 自己評価が再提出されました", company.code),
                format!(
                    "{} {} が、差し戻した{y}年度の自己評価を再提出しました（第{r}版）。",
                    company.code, company.name
                ),
            ),
            (
                format!("{} FY{y} self-assessment resubmitted", company.code),
                format!(
                    "{} {} resubmitted the fiscal year {y} self-assessment you returned (revision {r}).",
                    company.code, company.name
                ),
            ),
        )
    }
}

fn queue(conn: &mut DbConn, key: String, event: &'static str, to: &Recipient, t: Text) -> Result<bool, DbError> {
    mail::enqueue_in_tx(
        conn,
        &NewMail {
            dedupe_key: key,
            event,
            user_id: Some(to.user_id),
            to: to.email.clone(),
            language: to.language,
            subject: t.subject,
            body: t.body,
        },
    )
}

/// Queues the mails of a collection just opened (in its transaction).
/// Returns how many were queued.
pub fn collection_opened_in_tx(conn: &mut DbConn, c: &Collection) -> Result<usize, DbError> {
    let mut n = 0;
    for m in &c.members {
        let company = companies::get(conn, m.company_id)?;
        for r in mail::company_recipients(conn, m.company_id)? {
            let t = texts::collection_opened(r.language, c, &company);
            n += usize::from(queue(
                conn,
                format!("collection_opened:{}:{}", c.id, r.user_id),
                "collection_opened",
                &r,
                t,
            )?);
        }
    }
    Ok(n)
}

/// Opens a collection (see [`hyoka_model::db::writes::open_collection`]) and
/// queues its mails in the same transaction.
pub fn open_collection(conn: &mut DbConn, actor: Actor, new: &NewCollection) -> Result<Collection, DbError> {
    write_tx(conn, |conn| {
        let c = collections::open_in_tx(conn, actor, new)?;
        for m in &c.members {
            summaries::refresh_in_tx(conn, m.company_id, c.fiscal_year)?;
        }
        collection_opened_in_tx(conn, &c)?;
        Ok(c)
    })
}

/// Queues the mails of a returned sheet (in the return's transaction).
pub fn returned_in_tx(conn: &mut DbConn, sub: &Submission, message: Option<&str>) -> Result<usize, DbError> {
    let company = companies::get(conn, sub.company_id)?;
    let mut n = 0;
    for r in mail::company_recipients(conn, sub.company_id)? {
        let t = texts::returned(r.language, sub, &company, message.map(str::trim).filter(|m| !m.is_empty()));
        n += usize::from(queue(conn, format!("returned:{}:{}", sub.id, r.user_id), "returned", &r, t)?);
    }
    Ok(n)
}

/// Queues the mails of a release of flags (in the release's transaction).
pub fn released_in_tx(conn: &mut DbConn, sub: &Submission) -> Result<usize, DbError> {
    let company = companies::get(conn, sub.company_id)?;
    let mut n = 0;
    for r in mail::company_recipients(conn, sub.company_id)? {
        let t = texts::released(r.language, sub, &company);
        n += usize::from(queue(conn, format!("released:{}:{}", sub.id, r.user_id), "released", &r, t)?);
    }
    Ok(n)
}

/// Queues the mail to the reviewer who returned `previous`, when `new`
/// superseded it while it was returned (in the upload's transaction).
pub fn resubmitted_in_tx(conn: &mut DbConn, previous: i64, new: &Submission) -> Result<usize, DbError> {
    let reviewer = mail::returned_by(conn, previous)?;
    let Some(r) = reviewer.map(|id| mail::recipient(conn, id)).transpose()?.flatten() else {
        return Ok(0);
    };
    let company = companies::get(conn, new.company_id)?;
    let t = texts::resubmitted(r.language, new, &company);
    Ok(usize::from(queue(conn, format!("resubmitted:{}:{}", new.id, r.user_id), "resubmitted", &r, t)?))
}

/// The daily deadline sweep for `today` (Japan time), run once a day by
/// whichever worker claims the day first ([`mail::sweep_once_in_tx`]), in
/// one transaction: for every collection, the users of each member company
/// with nothing submitted get one mail when the deadline is at most
/// `days_before` days away and one once it has passed (each once: the
/// dedupe key). `None` when the day was swept already; else how many mails
/// were queued.
pub fn deadline_sweep(
    conn: &mut DbConn,
    worker: &str,
    today: NaiveDate,
    days_before: i64,
) -> Result<Option<usize>, DbError> {
    let now = hyoka_model::time::now();
    write_tx(conn, |conn| {
        if !mail::sweep_once_in_tx(conn, today, worker)? {
            return Ok(None);
        }
        let mut n = 0;
        for c in collections::list(conn, None, 0, i64::MAX)?.0 {
            let days = (c.deadline - today).num_days();
            for p in collections::progress(conn, c.id, now)? {
                if p.first_uploaded_at.is_some() {
                    continue;
                }
                // Nothing submitted: overdue once the deadline day is past
                // (Japan time), else a reminder within `days_before` days.
                let (event, text): (&'static str, Box<dyn Fn(Language) -> Text>) = if days < 0 {
                    ("overdue", Box::new(|l| texts::overdue(l, &c, &p.company)))
                } else if days <= days_before {
                    ("deadline_soon", Box::new(|l| texts::deadline_soon(l, &c, &p.company, days)))
                } else {
                    continue;
                };
                for r in mail::company_recipients(conn, p.company.id)? {
                    let key = format!("{event}:{}:{}", c.id, r.user_id);
                    n += usize::from(queue(conn, key, event, &r, text(r.language))?);
                }
            }
        }
        mail::sweep_queued_in_tx(conn, today, n)?;
        Ok(Some(n))
    })
}
