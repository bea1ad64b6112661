//! The audit log: append-only (database triggers refuse UPDATE and DELETE)
//! and tamper-evident (each entry carries a SHA-256 over its content and the
//! previous entry's hash, so [`verify`] finds the first broken link).
//!
//! Entries are written in the same transaction as the change they record.

use chrono::{DateTime, NaiveDateTime, Utc};
use diesel::prelude::*;
use serde::Serialize;
use sha2::{Digest, Sha256};

use super::schema::audit_events;
use super::{DbConn, DbError};
use crate::workflow::Actor;

/// The `prev_hash` of the first entry.
pub const GENESIS: &str = "0000000000000000000000000000000000000000000000000000000000000000";

/// What changed, for an audit entry.
#[derive(Debug, Clone, PartialEq)]
pub struct Change {
    /// Kind of thing (`company`, `submission`, …).
    pub entity: &'static str,
    /// Its id.
    pub entity_id: Option<String>,
    /// State before, as JSON.
    pub before: Option<serde_json::Value>,
    /// State after, as JSON.
    pub after: Option<serde_json::Value>,
}

impl Change {
    /// A new thing.
    pub fn created(entity: &'static str, id: i64, after: &impl Serialize) -> Change {
        Change { entity, entity_id: Some(id.to_string()), before: None, after: Some(json(after)) }
    }

    /// A changed thing.
    pub fn updated(entity: &'static str, id: i64, before: &impl Serialize, after: &impl Serialize) -> Change {
        Change { entity, entity_id: Some(id.to_string()), before: Some(json(before)), after: Some(json(after)) }
    }
}

/// Serialises a value for the log (a value that cannot be serialised is
/// recorded as `null` rather than failing the change).
pub fn json(v: &impl Serialize) -> serde_json::Value {
    serde_json::to_value(v).unwrap_or(serde_json::Value::Null)
}

/// One entry.
#[derive(Debug, Clone, PartialEq, Serialize, Queryable)]
pub struct AuditEvent {
    /// Position in the log.
    pub id: i64,
    /// When (UTC).
    #[diesel(deserialize_as = NaiveDateTime)]
    pub occurred_at: UtcTime,
    /// Acting user, if any.
    pub actor_id: Option<i64>,
    /// Acting user's login, or `system`.
    pub actor: String,
    /// What happened (`submission.create`, …).
    pub action: String,
    /// Kind of thing.
    pub entity: String,
    /// Its id.
    pub entity_id: Option<String>,
    /// JSON before.
    pub before_json: Option<String>,
    /// JSON after.
    pub after_json: Option<String>,
    /// Hash of the previous entry.
    pub prev_hash: String,
    /// Hash of this entry.
    pub hash: String,
}

/// A UTC time read from a naive column.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(transparent)]
pub struct UtcTime(pub DateTime<Utc>);

impl From<NaiveDateTime> for UtcTime {
    fn from(t: NaiveDateTime) -> Self {
        UtcTime(t.and_utc())
    }
}

/// An entry's time as its hash covers it: UTC, to the microsecond
/// (`2026-12-01T03:04:05.123456`). The audit CSV exports it as `hashed_at`,
/// so the chain can be recomputed from the file alone (docs/api.md).
pub fn hashed_time(occurred_at: NaiveDateTime) -> String {
    occurred_at.format("%Y-%m-%dT%H:%M:%S%.6f").to_string()
}

/// The hash of an entry: SHA-256 over the previous hash and every field,
/// each length-prefixed so no two different entries hash alike.
#[expect(clippy::too_many_arguments, reason = "one argument per hashed column")]
fn entry_hash(
    prev_hash: &str,
    occurred_at: NaiveDateTime,
    actor_id: Option<i64>,
    actor: &str,
    action: &str,
    entity: &str,
    entity_id: Option<&str>,
    before: Option<&str>,
    after: Option<&str>,
) -> String {
    let mut h = Sha256::new();
    let at = hashed_time(occurred_at);
    let actor_id = actor_id.map(|i| i.to_string());
    for field in [
        Some(prev_hash),
        Some(at.as_str()),
        actor_id.as_deref(),
        Some(actor),
        Some(action),
        Some(entity),
        entity_id,
        before,
        after,
    ] {
        match field {
            Some(s) => {
                h.update((s.len() as u64).to_le_bytes());
                h.update(s.as_bytes());
            }
            None => h.update(u64::MAX.to_le_bytes()),
        }
    }
    hex::encode(h.finalize())
}

/// The login shown for an actor.
fn actor_label(conn: &mut DbConn, actor: Actor) -> Result<String, DbError> {
    match actor.user_id() {
        Some(id) => Ok(super::schema::users::table
            .find(id)
            .select(super::schema::users::login)
            .first::<String>(conn)
            .optional()?
            .unwrap_or_else(|| format!("user#{id}"))),
        None => Ok("system".to_owned()),
    }
}

/// Appends an entry. Must run inside the caller's write transaction, so the
/// entry and the change stand or fall together. On PostgreSQL the table is
/// locked for the rest of the transaction so concurrent writers chain one
/// after the other; SQLite's `BEGIN IMMEDIATE` already serialises writers.
pub fn append(conn: &mut DbConn, actor: Actor, action: &str, change: Change) -> Result<AuditEvent, DbError> {
    if let DbConn::Pg(pg) = conn {
        diesel::sql_query("LOCK TABLE audit_events IN SHARE ROW EXCLUSIVE MODE").execute(pg)?;
    }
    let prev_hash: String = audit_events::table
        .order(audit_events::id.desc())
        .select(audit_events::hash)
        .first(conn)
        .optional()?
        .unwrap_or_else(|| GENESIS.to_owned());
    let occurred_at = crate::time::now().naive_utc();
    let label = actor_label(conn, actor)?;
    let before = change.before.as_ref().map(ToString::to_string);
    let after = change.after.as_ref().map(ToString::to_string);
    let hash = entry_hash(
        &prev_hash,
        occurred_at,
        actor.user_id(),
        &label,
        action,
        change.entity,
        change.entity_id.as_deref(),
        before.as_deref(),
        after.as_deref(),
    );
    Ok(diesel::insert_into(audit_events::table)
        .values((
            audit_events::occurred_at.eq(occurred_at),
            audit_events::actor_id.eq(actor.user_id()),
            audit_events::actor.eq(&label),
            audit_events::action.eq(action),
            audit_events::entity.eq(change.entity),
            audit_events::entity_id.eq(&change.entity_id),
            audit_events::before_json.eq(&before),
            audit_events::after_json.eq(&after),
            audit_events::prev_hash.eq(&prev_hash),
            audit_events::hash.eq(&hash),
        ))
        .returning(audit_events::all_columns)
        .get_result(conn)?)
}

/// Entries with `id > after_id`, oldest first, at most `limit`.
pub fn list(conn: &mut DbConn, after_id: i64, limit: i64) -> Result<Vec<AuditEvent>, DbError> {
    Ok(audit_events::table.filter(audit_events::id.gt(after_id)).order(audit_events::id).limit(limit).load(conn)?)
}

/// The first entry that breaks the chain, and how.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct BrokenLink {
    /// The entry's id.
    pub id: i64,
    /// What is wrong.
    pub problem: String,
}

/// Walks the whole log and reports the first entry whose hash does not match
/// its content or whose `prev_hash` is not its predecessor's hash. Returns the
/// number of entries checked when the chain is whole.
pub fn verify(conn: &mut DbConn) -> Result<Result<u64, BrokenLink>, DbError> {
    const PAGE: i64 = 1000;
    let mut expected_prev = GENESIS.to_owned();
    let mut after_id = 0;
    let mut checked = 0;
    loop {
        let page = list(conn, after_id, PAGE)?;
        let Some(last) = page.last() else {
            return Ok(Ok(checked));
        };
        after_id = last.id;
        for e in page {
            if e.prev_hash != expected_prev {
                return Ok(Err(BrokenLink { id: e.id, problem: "prev_hash does not match the previous entry".into() }));
            }
            let want = entry_hash(
                &e.prev_hash,
                e.occurred_at.0.naive_utc(),
                e.actor_id,
                &e.actor,
                &e.action,
                &e.entity,
                e.entity_id.as_deref(),
                e.before_json.as_deref(),
                e.after_json.as_deref(),
            );
            if want != e.hash {
                return Ok(Err(BrokenLink { id: e.id, problem: "content does not match its hash".into() }));
            }
            expected_prev = e.hash;
            checked += 1;
        }
    }
}
