//! The journal of this user's own writes, for undo: each write with what it replaced (a
//! create: nothing; an edit: the previous values of the fields it changed; a delete: the whole
//! record). It lives in the outbox file (private, never rebuilt) and keeps the latest
//! [`KEEP`] entries.

use crm_server::schema::Entity;
use rusqlite::{Connection, OptionalExtension, params};
use serde_json::{Map, Value};

use super::error::ReplicaError;
use super::outbox::Op;

/// Entries kept; older ones are dropped as new ones come.
pub const KEEP: i64 = 100;

/// One write as the journal keeps it.
#[derive(Debug, Clone, PartialEq)]
pub struct JournalEntry {
    pub seq: i64,
    pub entity: Entity,
    pub record_id: String,
    /// The write made (create, update or delete).
    pub op: Op,
    /// What it replaced: an edit's previous values, a delete's whole record; empty for a create.
    pub before: Map<String, Value>,
    /// What it wrote: an edit's new values, a create's fields; empty for a delete.
    pub after: Map<String, Value>,
    pub user_id: Option<String>,
}

fn text(map: &Map<String, Value>) -> String {
    serde_json::to_string(map).unwrap_or_else(|_| "{}".into())
}

fn map(text: &str) -> Map<String, Value> {
    match serde_json::from_str(text) {
        Ok(Value::Object(m)) => m,
        _ => Map::new(),
    }
}

/// Adds a write and drops the entries beyond [`KEEP`].
pub fn record(conn: &Connection, e: &JournalEntry, now: &str) -> Result<(), ReplicaError> {
    conn.prepare_cached(
        "INSERT INTO journal (entity, record_id, op, before, after, created_at, user_id)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
    )?
    .execute(params![
        e.entity.name(),
        e.record_id,
        e.op.as_str(),
        text(&e.before),
        text(&e.after),
        now,
        e.user_id
    ])?;
    let last = conn.last_insert_rowid();
    conn.prepare_cached("DELETE FROM journal WHERE seq <= ?1")?
        .execute([last - KEEP])?;
    Ok(())
}

/// The latest write of this user not undone yet.
pub fn latest(
    conn: &Connection,
    user_id: Option<&str>,
) -> Result<Option<JournalEntry>, ReplicaError> {
    let row = conn
        .prepare_cached(
            "SELECT seq, entity, record_id, op, before, after, user_id FROM journal
             WHERE undone = 0 AND user_id IS ?1 ORDER BY seq DESC LIMIT 1",
        )?
        .query_row([user_id], |r| {
            Ok((
                r.get::<_, i64>(0)?,
                r.get::<_, String>(1)?,
                r.get::<_, String>(2)?,
                r.get::<_, String>(3)?,
                r.get::<_, String>(4)?,
                r.get::<_, String>(5)?,
                r.get::<_, Option<String>>(6)?,
            ))
        })
        .optional()?;
    let Some((seq, entity, record_id, op, before, after, user_id)) = row else {
        return Ok(None);
    };
    match (Entity::from_name(&entity), Op::parse(&op)) {
        (Some(entity), Some(op)) => Ok(Some(JournalEntry {
            seq,
            entity,
            record_id,
            op,
            before: map(&before),
            after: map(&after),
            user_id,
        })),
        // Written by another build: not understood, so not undone; the one before is next.
        _ => {
            mark_undone(conn, seq)?;
            latest(conn, user_id.as_deref())
        }
    }
}

pub fn mark_undone(conn: &Connection, seq: i64) -> Result<(), ReplicaError> {
    conn.prepare_cached("UPDATE journal SET undone = 1 WHERE seq = ?1")?
        .execute([seq])?;
    Ok(())
}

/// A record's writes no longer to be undone: its unsent changes were discarded, so what they
/// did never happened.
pub fn forget_record(conn: &Connection, entity: Entity, id: &str) -> Result<(), ReplicaError> {
    conn.prepare_cached("UPDATE journal SET undone = 1 WHERE entity = ?1 AND record_id = ?2")?
        .execute(params![entity.name(), id])?;
    Ok(())
}
