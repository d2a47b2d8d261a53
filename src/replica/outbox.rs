//! The outbox file: local writes not yet accepted by the server, and the conflicts found while
//! sending them. It is the only copy of unsent work, so it lives apart from the replica (which is
//! a cache that can always be refilled from the server): a damaged or outdated replica is deleted
//! without touching it, and it is written with a full fsync per commit.

use std::path::Path;

use crm_server::schema::Entity;
use rusqlite::{Connection, OptionalExtension, Row, params};
use serde::Serialize;
use serde_json::{Map, Value};

use super::error::ReplicaError;

pub const OUTBOX_VERSION: i64 = 2;

const CREATE: &str = "
CREATE TABLE IF NOT EXISTS outbox (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    entity TEXT NOT NULL,
    record_id TEXT NOT NULL,
    op TEXT NOT NULL CHECK (op IN ('create', 'update', 'delete', 'restore')),
    fields TEXT NOT NULL,
    base TEXT NOT NULL,
    base_version INTEGER NOT NULL,
    idempotency_key TEXT NOT NULL,
    state TEXT NOT NULL DEFAULT 'pending' CHECK (state IN ('pending', 'conflict', 'failed')),
    attempts INTEGER NOT NULL DEFAULT 0,
    next_attempt_at INTEGER NOT NULL DEFAULT 0,
    last_error TEXT,
    allow_duplicate INTEGER NOT NULL DEFAULT 0,
    created_at TEXT NOT NULL,
    user_id TEXT,
    error_code TEXT
);
CREATE INDEX IF NOT EXISTS outbox_record ON outbox(entity, record_id, seq);
CREATE TABLE IF NOT EXISTS conflicts (
    entity TEXT NOT NULL,
    record_id TEXT NOT NULL,
    field TEXT NOT NULL,
    mine TEXT NOT NULL,
    theirs TEXT NOT NULL,
    base TEXT NOT NULL,
    base_version INTEGER NOT NULL,
    theirs_version INTEGER NOT NULL,
    detected_at TEXT NOT NULL,
    PRIMARY KEY (entity, record_id, field)
);
CREATE TABLE IF NOT EXISTS journal (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    entity TEXT NOT NULL,
    record_id TEXT NOT NULL,
    op TEXT NOT NULL,
    before TEXT NOT NULL,
    after TEXT NOT NULL,
    undone INTEGER NOT NULL DEFAULT 0,
    created_at TEXT NOT NULL,
    user_id TEXT
);
";

/// Version 1 to 2: a `restore` op and a refusal's code (the table is copied: SQLite cannot
/// change a CHECK in place), and the journal of the user's writes for undo.
const UPGRADE_1: &str = "
ALTER TABLE outbox RENAME TO outbox_v1;
DROP INDEX IF EXISTS outbox_record;
";
const COPY_1: &str = "
INSERT INTO outbox (seq, entity, record_id, op, fields, base, base_version, idempotency_key, state, attempts, next_attempt_at, last_error, allow_duplicate, created_at, user_id)
    SELECT seq, entity, record_id, op, fields, base, base_version, idempotency_key, state, attempts, next_attempt_at, last_error, allow_duplicate, created_at, user_id FROM outbox_v1;
DROP TABLE outbox_v1;
";

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Op {
    Create,
    Update,
    Delete,
    /// Bring back a record deleted on the server (the undo of a delete); `base` holds it.
    Restore,
}

impl Op {
    pub fn as_str(self) -> &'static str {
        match self {
            Op::Create => "create",
            Op::Update => "update",
            Op::Delete => "delete",
            Op::Restore => "restore",
        }
    }
    pub(super) fn parse(s: &str) -> Option<Op> {
        match s {
            "create" => Some(Op::Create),
            "update" => Some(Op::Update),
            "delete" => Some(Op::Delete),
            "restore" => Some(Op::Restore),
            _ => None,
        }
    }
}

/// Where an outbox entry stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum EntryState {
    /// Waiting to be sent (again).
    Pending,
    /// Parked: the same field was changed on the server; waits for `resolve`.
    Conflict,
    /// Parked: the server refused it (invalid, forbidden, gone); `last_error` says why.
    Failed,
}

impl EntryState {
    pub fn as_str(self) -> &'static str {
        match self {
            EntryState::Pending => "pending",
            EntryState::Conflict => "conflict",
            EntryState::Failed => "failed",
        }
    }
    fn parse(s: &str) -> Option<EntryState> {
        match s {
            "pending" => Some(EntryState::Pending),
            "conflict" => Some(EntryState::Conflict),
            "failed" => Some(EntryState::Failed),
            _ => None,
        }
    }
}

/// One local write waiting for the server.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct OutboxEntry {
    pub seq: i64,
    pub entity: Entity,
    pub record_id: String,
    pub op: Op,
    /// The fields to send: a create's given fields, an update's changed fields.
    pub fields: Map<String, Value>,
    /// The value each changed field had at `base_version`, to tell a concurrent change apart.
    pub base: Map<String, Value>,
    pub base_version: i64,
    pub idempotency_key: String,
    pub state: EntryState,
    /// Times a send was started; above zero the server may already have it.
    pub attempts: i64,
    /// Unix milliseconds before which a retry is not due.
    pub next_attempt_at: i64,
    pub last_error: Option<String>,
    /// The kind of refusal when the server refused it for good (`forbidden`, `invalid`,
    /// `duplicate`, `conflict`, `not_found`, `bad_request`), with `last_error` its words.
    pub error_code: Option<String>,
    /// A create the user confirmed despite a possible duplicate.
    pub allow_duplicate: bool,
    pub created_at: String,
    pub user_id: Option<String>,
}

/// Both sides of a field changed locally and on the server to different values.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Conflict {
    pub entity: Entity,
    pub id: String,
    pub field: String,
    pub mine: Value,
    pub theirs: Value,
    /// The value both sides started from.
    pub base: Value,
    pub base_version: i64,
    /// The server version holding `theirs`.
    pub theirs_version: i64,
}

/// Which side a resolution keeps.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Keep {
    Mine,
    Theirs,
}

pub fn configure(conn: &Connection) -> rusqlite::Result<()> {
    conn.busy_timeout(std::time::Duration::from_secs(10))?;
    conn.pragma_update(None, "journal_mode", "WAL")?;
    // Unsent work: every commit reaches the disk before the call returns.
    conn.pragma_update(None, "synchronous", "FULL")?;
    Ok(())
}

/// Opens (creating or upgrading) the outbox at `path`. Errors on a damaged file are returned
/// so the caller can move it aside; a newer schema is refused rather than touched.
pub fn open(path: &Path) -> Result<Connection, ReplicaError> {
    // The only copy of unsent work, customers' data in it: its owner's alone.
    super::private_database(path)?;
    let conn = Connection::open(path)?;
    configure(&conn)?;
    let version: i64 = conn.query_row("PRAGMA user_version", [], |r| r.get(0))?;
    if version > OUTBOX_VERSION {
        return Err(ReplicaError::NewerOutbox {
            path: path.to_path_buf(),
            found: version,
            known: OUTBOX_VERSION,
        });
    }
    // Check the file is readable throughout; it is small, so this is cheap.
    let check: String = conn.query_row("PRAGMA quick_check", [], |r| r.get(0))?;
    if check != "ok" {
        return Err(ReplicaError::Damaged(check));
    }
    if version == 1 {
        conn.execute_batch(&format!(
            "BEGIN IMMEDIATE; {UPGRADE_1} {CREATE} {COPY_1} PRAGMA user_version = {OUTBOX_VERSION}; COMMIT;"
        ))?;
    } else if version < OUTBOX_VERSION {
        conn.execute_batch(&format!(
            "BEGIN IMMEDIATE; {CREATE} PRAGMA user_version = {OUTBOX_VERSION}; COMMIT;"
        ))?;
    }
    Ok(conn)
}

/// A JSON object as text, without copying it first.
fn json_text(map: &Map<String, Value>) -> String {
    serde_json::to_string(map).unwrap_or_else(|_| "{}".into())
}

fn json_map(text: &str) -> Map<String, Value> {
    match serde_json::from_str(text) {
        Ok(Value::Object(m)) => m,
        _ => Map::new(),
    }
}

const ENTRY_COLUMNS: &str = "seq, entity, record_id, op, fields, base, base_version, idempotency_key, state, attempts, next_attempt_at, last_error, allow_duplicate, created_at, user_id, error_code";

fn read_entry(row: &Row<'_>) -> rusqlite::Result<Option<OutboxEntry>> {
    let entity: String = row.get(1)?;
    let op: String = row.get(3)?;
    let state: String = row.get(8)?;
    let fields: String = row.get(4)?;
    let base: String = row.get(5)?;
    // A row this build cannot read is skipped rather than sent half-understood.
    let (Some(entity), Some(op), Some(state)) = (
        Entity::from_name(&entity),
        Op::parse(&op),
        EntryState::parse(&state),
    ) else {
        return Ok(None);
    };
    Ok(Some(OutboxEntry {
        seq: row.get(0)?,
        entity,
        record_id: row.get(2)?,
        op,
        fields: json_map(&fields),
        base: json_map(&base),
        base_version: row.get(6)?,
        idempotency_key: row.get(7)?,
        state,
        attempts: row.get(9)?,
        next_attempt_at: row.get(10)?,
        last_error: row.get(11)?,
        allow_duplicate: row.get(12)?,
        created_at: row.get(13)?,
        user_id: row.get(14)?,
        error_code: row.get(15)?,
    }))
}

fn collect(
    conn: &Connection,
    sql: &str,
    args: impl rusqlite::Params,
) -> Result<Vec<OutboxEntry>, ReplicaError> {
    let mut stmt = conn.prepare_cached(sql)?;
    let rows = stmt.query_map(args, read_entry)?;
    let mut out = Vec::new();
    for row in rows {
        if let Some(entry) = row? {
            out.push(entry);
        }
    }
    Ok(out)
}

pub fn all(conn: &Connection) -> Result<Vec<OutboxEntry>, ReplicaError> {
    collect(
        conn,
        &format!("SELECT {ENTRY_COLUMNS} FROM outbox ORDER BY seq"),
        [],
    )
}

pub fn for_record(
    conn: &Connection,
    entity: Entity,
    id: &str,
) -> Result<Vec<OutboxEntry>, ReplicaError> {
    collect(
        conn,
        &format!(
            "SELECT {ENTRY_COLUMNS} FROM outbox WHERE entity = ?1 AND record_id = ?2 ORDER BY seq"
        ),
        params![entity.name(), id],
    )
}

pub fn entry(conn: &Connection, seq: i64) -> Result<Option<OutboxEntry>, ReplicaError> {
    Ok(collect(
        conn,
        &format!("SELECT {ENTRY_COLUMNS} FROM outbox WHERE seq = ?1"),
        [seq],
    )?
    .into_iter()
    .next())
}

/// The records that have entries, for re-laying local edits after a rebuild.
pub fn records(conn: &Connection) -> Result<Vec<(Entity, String)>, ReplicaError> {
    let mut stmt = conn.prepare_cached("SELECT DISTINCT entity, record_id FROM outbox")?;
    let rows = stmt.query_map([], |r| Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?)))?;
    let mut out = Vec::new();
    for row in rows {
        let (entity, id) = row?;
        if let Some(entity) = Entity::from_name(&entity) {
            out.push((entity, id));
        }
    }
    Ok(out)
}

pub fn insert(conn: &Connection, e: &OutboxEntry) -> Result<i64, ReplicaError> {
    conn.prepare_cached(
        "INSERT INTO outbox (entity, record_id, op, fields, base, base_version, idempotency_key, state, attempts, next_attempt_at, last_error, allow_duplicate, created_at, user_id, error_code)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15)",
    )?
    .execute(params![
        e.entity.name(),
        e.record_id,
        e.op.as_str(),
        json_text(&e.fields),
        json_text(&e.base),
        e.base_version,
        e.idempotency_key,
        e.state.as_str(),
        e.attempts,
        e.next_attempt_at,
        e.last_error,
        e.allow_duplicate,
        e.created_at,
        e.user_id,
        e.error_code,
    ])?;
    Ok(conn.last_insert_rowid())
}

/// Writes back every mutable column of an entry.
pub fn save(conn: &Connection, e: &OutboxEntry) -> Result<(), ReplicaError> {
    conn.prepare_cached(
        "UPDATE outbox SET fields = ?2, base = ?3, base_version = ?4, idempotency_key = ?5, state = ?6, attempts = ?7,
         next_attempt_at = ?8, last_error = ?9, allow_duplicate = ?10, error_code = ?11 WHERE seq = ?1",
    )?
    .execute(params![
        e.seq,
        json_text(&e.fields),
        json_text(&e.base),
        e.base_version,
        e.idempotency_key,
        e.state.as_str(),
        e.attempts,
        e.next_attempt_at,
        e.last_error,
        e.allow_duplicate,
        e.error_code,
    ])?;
    Ok(())
}

pub fn remove(conn: &Connection, seq: i64) -> Result<(), ReplicaError> {
    conn.prepare_cached("DELETE FROM outbox WHERE seq = ?1")?
        .execute([seq])?;
    Ok(())
}

/// The last entry of the whole outbox: only it may absorb a further edit (see `Replica::update`).
pub fn last(conn: &Connection) -> Result<Option<OutboxEntry>, ReplicaError> {
    Ok(collect(
        conn,
        &format!("SELECT {ENTRY_COLUMNS} FROM outbox ORDER BY seq DESC LIMIT 1"),
        [],
    )?
    .into_iter()
    .next())
}

/// The first entry to send now: the earliest pending entry whose record has no parked entry
/// before it. None when nothing is pending or the earliest is waiting out a backoff (entries go
/// in order, so a later one never overtakes it).
pub fn next_due(conn: &Connection, now_ms: i64) -> Result<Option<OutboxEntry>, ReplicaError> {
    let candidates = collect(
        conn,
        &format!(
            "SELECT {ENTRY_COLUMNS} FROM outbox o WHERE state = 'pending' AND NOT EXISTS (
                SELECT 1 FROM outbox p WHERE p.entity = o.entity AND p.record_id = o.record_id AND p.seq < o.seq AND p.state != 'pending')
             ORDER BY seq LIMIT 1"
        ),
        [],
    )?;
    Ok(candidates
        .into_iter()
        .next()
        .filter(|e| e.next_attempt_at <= now_ms))
}

pub fn pending_exists(conn: &Connection) -> Result<bool, ReplicaError> {
    Ok(conn
        .prepare_cached("SELECT 1 FROM outbox WHERE state = 'pending' LIMIT 1")?
        .query_row([], |_| Ok(()))
        .optional()?
        .is_some())
}

pub fn counts(conn: &Connection) -> Result<(usize, usize, usize), ReplicaError> {
    let (pending, failed): (i64, i64) = conn.query_row(
        "SELECT COALESCE(SUM(state != 'failed'), 0), COALESCE(SUM(state = 'failed'), 0) FROM outbox",
        [],
        |r| Ok((r.get(0)?, r.get(1)?)),
    )?;
    let conflicts: i64 = conn.query_row("SELECT COUNT(*) FROM conflicts", [], |r| r.get(0))?;
    Ok((pending as usize, failed as usize, conflicts as usize))
}

fn parse_value(text: &str) -> Value {
    serde_json::from_str(text).unwrap_or(Value::Null)
}

fn read_conflict(row: &Row<'_>) -> rusqlite::Result<Option<Conflict>> {
    let entity: String = row.get(0)?;
    let Some(entity) = Entity::from_name(&entity) else {
        return Ok(None);
    };
    Ok(Some(Conflict {
        entity,
        id: row.get(1)?,
        field: row.get(2)?,
        mine: parse_value(&row.get::<_, String>(3)?),
        theirs: parse_value(&row.get::<_, String>(4)?),
        base: parse_value(&row.get::<_, String>(5)?),
        base_version: row.get(6)?,
        theirs_version: row.get(7)?,
    }))
}

const CONFLICT_COLUMNS: &str =
    "entity, record_id, field, mine, theirs, base, base_version, theirs_version";

pub fn conflicts(
    conn: &Connection,
    record: Option<(Entity, &str)>,
) -> Result<Vec<Conflict>, ReplicaError> {
    let (sql, args): (String, Vec<String>) = match record {
        None => (
            format!(
                "SELECT {CONFLICT_COLUMNS} FROM conflicts ORDER BY detected_at, entity, record_id, field"
            ),
            vec![],
        ),
        Some((entity, id)) => (
            format!(
                "SELECT {CONFLICT_COLUMNS} FROM conflicts WHERE entity = ?1 AND record_id = ?2 ORDER BY field"
            ),
            vec![entity.name().to_string(), id.to_string()],
        ),
    };
    let mut stmt = conn.prepare_cached(&sql)?;
    let rows = stmt.query_map(rusqlite::params_from_iter(args), read_conflict)?;
    let mut out = Vec::new();
    for row in rows {
        if let Some(c) = row? {
            out.push(c);
        }
    }
    Ok(out)
}

pub fn put_conflict(conn: &Connection, c: &Conflict, now: &str) -> Result<(), ReplicaError> {
    conn.prepare_cached(
        "INSERT INTO conflicts (entity, record_id, field, mine, theirs, base, base_version, theirs_version, detected_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)
         ON CONFLICT (entity, record_id, field) DO UPDATE SET mine = excluded.mine, theirs = excluded.theirs, theirs_version = excluded.theirs_version",
    )?
    .execute(params![
        c.entity.name(),
        c.id,
        c.field,
        c.mine.to_string(),
        c.theirs.to_string(),
        c.base.to_string(),
        c.base_version,
        c.theirs_version,
        now
    ])?;
    Ok(())
}

pub fn remove_conflict(
    conn: &Connection,
    entity: Entity,
    id: &str,
    field: &str,
) -> Result<(), ReplicaError> {
    conn.prepare_cached(
        "DELETE FROM conflicts WHERE entity = ?1 AND record_id = ?2 AND field = ?3",
    )?
    .execute(params![entity.name(), id, field])?;
    Ok(())
}

pub fn has_conflicts(conn: &Connection, entity: Entity, id: &str) -> Result<bool, ReplicaError> {
    Ok(conn
        .prepare_cached("SELECT 1 FROM conflicts WHERE entity = ?1 AND record_id = ?2 LIMIT 1")?
        .query_row(params![entity.name(), id], |_| Ok(()))
        .optional()?
        .is_some())
}
