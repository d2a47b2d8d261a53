//! The embedded SQLite backend: WAL, a busy timeout, one writer connection for immediate
//! transactions and a small pool of readers. Callers run it off the async threads.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::sync::{LazyLock, Mutex, mpsc};

use rusqlite::config::DbConfig;
use rusqlite::functions::FunctionFlags;
use rusqlite::types::{ToSqlOutput, Value as SqlValue, ValueRef};
use rusqlite::{Connection, OpenFlags, OptionalExtension, params, params_from_iter};
use serde_json::{Map, Value};

use super::columns::{from_sql, json_value, to_sql};
use super::{
    AuditEntry, Change, Credentials, Database, Hidden, IdempotentAnswer, ListQuery, NewRecord,
    Record, StorageError, Stored, Tx,
};
use crate::access::{Actor, Role};
use crate::dedupe;
use crate::schema::{Entity, SYSTEM_FIELDS};
use crate::validate::format_time;

/// Numbered migrations, embedded; applied in order, each once. Never edit a released one.
pub const MIGRATIONS: &[(i64, &str, &str)] = &[
    (
        1,
        "0001_init",
        include_str!("../../../migrations/0001_init.sql"),
    ),
    (
        2,
        "0002_idempotency_requests",
        include_str!("../../../migrations/0002_idempotency_requests.sql"),
    ),
    (
        3,
        "0003_phone_keys",
        include_str!("../../../migrations/0003_phone_keys.sql"),
    ),
    (
        4,
        "0004_competitors",
        include_str!("../../../migrations/0004_competitors.sql"),
    ),
];

/// How long a write's Idempotency-Key is remembered: long enough for any client's retries.
const IDEMPOTENCY_HOURS: i64 = 24;

/// Keys are forgotten in passing, once every this many remembered answers.
const IDEMPOTENCY_PRUNE_EVERY: u64 = 256;

static ANSWERS_REMEMBERED: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);

/// Columns beside an entity's fields that the store fills but never sends.
fn hidden_columns(entity: Entity) -> &'static [&'static str] {
    match entity {
        Entity::Customers => &["name_key", "phone_key", "email_key"],
        _ => &[],
    }
}

struct EntitySql {
    select: String,
    /// `select` of one row by id.
    select_one: String,
    insert: String,
    update: String,
    /// `SELECT id, <the wire record as JSON text> FROM <table> WHERE deleted = 0`: the same
    /// record `read_row` builds, but made by SQLite, so a snapshot page is never a Map per row.
    snapshot: String,
}

static SQL: LazyLock<Vec<EntitySql>> = LazyLock::new(|| {
    Entity::ALL
        .iter()
        .map(|&e| {
            let fields: Vec<&str> = e.fields().iter().map(|f| f.name).collect();
            let hidden = hidden_columns(e);
            let select = format!(
                "SELECT id, version, created_at, updated_at, created_by, deleted, {} FROM {}",
                fields.join(", "),
                e.name()
            );
            let mut cols: Vec<&str> = SYSTEM_FIELDS.to_vec();
            cols.push("deleted");
            cols.extend(&fields);
            cols.extend(hidden);
            let marks: Vec<String> = (1..=cols.len()).map(|i| format!("?{i}")).collect();
            let insert = format!(
                "INSERT INTO {} ({}) VALUES ({})",
                e.name(),
                cols.join(", "),
                marks.join(", ")
            );
            let sets: Vec<String> = cols
                .iter()
                .enumerate()
                .skip(1)
                .map(|(i, c)| format!("{c} = ?{}", i + 1))
                .collect();
            let update = format!("UPDATE {} SET {} WHERE id = ?1", e.name(), sets.join(", "));
            let mut pairs: Vec<String> = SYSTEM_FIELDS
                .iter()
                .map(|f| format!("'{f}', {f}"))
                .collect();
            pairs.extend(
                e.fields()
                    .iter()
                    .map(|f| format!("'{}', {}", f.name, json_value(f.name, f.kind))),
            );
            let snapshot = format!(
                "SELECT id, json_object({}) FROM {} WHERE deleted = 0",
                pairs.join(", "),
                e.name()
            );
            EntitySql {
                select_one: format!("{select} WHERE id = ?1"),
                select,
                insert,
                update,
                snapshot,
            }
        })
        .collect()
});

fn sql(entity: Entity) -> &'static EntitySql {
    let index = Entity::ALL.iter().position(|e| *e == entity).unwrap_or(0);
    &SQL[index]
}

/// Reads a row selected with [`EntitySql::select`] into (record, deleted).
fn read_row(entity: Entity, row: &rusqlite::Row<'_>) -> rusqlite::Result<Stored> {
    let mut record = Map::new();
    record.insert("id".into(), Value::String(row.get(0)?));
    record.insert("version".into(), Value::from(row.get::<_, i64>(1)?));
    record.insert("created_at".into(), Value::String(row.get(2)?));
    record.insert("updated_at".into(), Value::String(row.get(3)?));
    let created_by: Option<String> = row.get(4)?;
    record.insert(
        "created_by".into(),
        created_by.map_or(Value::Null, Value::String),
    );
    let deleted: bool = row.get(5)?;
    for (i, field) in entity.fields().iter().enumerate() {
        record.insert(field.name.into(), from_sql(field.kind, row.get(6 + i)?));
    }
    Ok(Stored { record, deleted })
}

fn row_params(entity: Entity, record: &Record, hidden: &Hidden, deleted: bool) -> Vec<SqlValue> {
    let mut out: Vec<SqlValue> = SYSTEM_FIELDS
        .iter()
        .map(|f| to_sql(record.get(*f).unwrap_or(&Value::Null)))
        .collect();
    out.push(SqlValue::Integer(i64::from(deleted)));
    out.extend(
        entity
            .fields()
            .iter()
            .map(|f| to_sql(record.get(f.name).unwrap_or(&Value::Null))),
    );
    for column in hidden_columns(entity) {
        let value = hidden
            .iter()
            .find(|(name, _)| name == column)
            .and_then(|(_, v)| v.clone());
        out.push(value.map_or(SqlValue::Null, SqlValue::Text));
    }
    out
}

fn pad(set: &BTreeSet<String>) -> String {
    if set.is_empty() {
        String::new()
    } else {
        format!(" {} ", set.iter().cloned().collect::<Vec<_>>().join(" "))
    }
}

fn unpad(s: &str) -> BTreeSet<String> {
    s.split_whitespace().map(String::from).collect()
}

/// The condition (` AND ...`, or nothing for an admin) that keeps the rows of `entity` a viewer
/// holding these principals may read, as `list` and the change feed filter; pushes its
/// parameters onto `args`.
fn visible_filter(entity: Entity, viewer: Option<&[String]>, args: &mut Vec<SqlValue>) -> String {
    let Some(principals) = viewer else {
        return String::new();
    };
    let (entity_arg, marks) = bind_acl_args(entity, principals, args);
    format!(
        " AND id IN (SELECT record_id FROM acl WHERE entity = ?{entity_arg} AND principal IN ({marks}))"
    )
}

/// Pushes the entity and the principals an `acl` condition compares with onto `args`: the
/// entity's parameter number, and the principals' placeholders (`?3, ?4`).
fn bind_acl_args(
    entity: Entity,
    principals: &[String],
    args: &mut Vec<SqlValue>,
) -> (usize, String) {
    args.push(SqlValue::Text(entity.name().into()));
    let entity_arg = args.len();
    let mut marks = Vec::new();
    for p in principals {
        args.push(SqlValue::Text(p.clone()));
        marks.push(format!("?{}", args.len()));
    }
    (entity_arg, marks.join(", "))
}

/// A transaction (or plain connection) on which the primitives run.
pub struct SqliteTx<'c>(pub &'c Connection);

/// The page cache for a bulk load, in KiB (negative, as `PRAGMA cache_size` takes it).
const BULK_CACHE_KIB: i64 = -1024 * 1024;
/// Rows per multi-row INSERT into `acl` and `changes` in a bulk load: a few statements to step
/// instead of one per row, and one AUTOINCREMENT bookkeeping write per statement.
const BULK_ROWS: usize = 64;

// Bulk inserts say OR FAIL: a statement that may abort half-way must keep a statement journal to
// undo its part, which costs a page copy per page touched; a failed bulk load rolls the whole
// transaction back anyway.
const BULK_ACL_ONE: &str =
    "INSERT OR FAIL INTO acl (principal, entity, record_id) VALUES (?1, ?2, ?3)";
const BULK_CHANGES_ONE: &str =
    "INSERT OR FAIL INTO changes (entity, record_id, dropped) VALUES (?1, ?2, '')";

fn multi_row_insert(head: &str, row: &str) -> String {
    format!("{head} VALUES {}", vec![row; BULK_ROWS].join(", "))
}

static BULK_ACL: LazyLock<String> = LazyLock::new(|| {
    multi_row_insert(
        "INSERT OR FAIL INTO acl (principal, entity, record_id)",
        "(?, ?, ?)",
    )
});
static BULK_CHANGES: LazyLock<String> = LazyLock::new(|| {
    multi_row_insert(
        "INSERT OR FAIL INTO changes (entity, record_id, dropped)",
        "(?, ?, '')",
    )
});
/// [`EntitySql::insert`] for bulk loads, in [`Entity::ALL`] order.
static BULK_INSERT: LazyLock<Vec<String>> = LazyLock::new(|| {
    Entity::ALL
        .iter()
        .map(|&e| {
            sql(e)
                .insert
                .replacen("INSERT INTO", "INSERT OR FAIL INTO", 1)
        })
        .collect()
});

/// A record's columns for [`EntitySql::insert`], borrowing its text rather than copying it.
fn borrowed_params<'a>(
    entity: Entity,
    record: &'a Record,
    hidden: &'a Hidden,
) -> Vec<ToSqlOutput<'a>> {
    fn value(v: Option<&Value>) -> ToSqlOutput<'_> {
        match v {
            Some(Value::String(s)) => ToSqlOutput::Borrowed(ValueRef::Text(s.as_bytes())),
            Some(other) => ToSqlOutput::Owned(to_sql(other)),
            None => ToSqlOutput::Owned(SqlValue::Null),
        }
    }
    let mut out: Vec<ToSqlOutput<'a>> = SYSTEM_FIELDS
        .iter()
        .map(|f| value(record.get(*f)))
        .collect();
    out.push(ToSqlOutput::Owned(SqlValue::Integer(0)));
    out.extend(entity.fields().iter().map(|f| value(record.get(f.name))));
    for column in hidden_columns(entity) {
        match hidden.iter().find(|(name, _)| name == column) {
            Some((_, Some(key))) => out.push(ToSqlOutput::Borrowed(ValueRef::Text(key.as_bytes()))),
            _ => out.push(ToSqlOutput::Owned(SqlValue::Null)),
        }
    }
    out
}

impl SqliteTx<'_> {
    /// [`Tx::insert_new`] without the look-ups a write of an existing record needs: no old
    /// read set to delete, no old change-feed row to merge. A record that is not new fails on
    /// the unique indexes rather than being overwritten.
    fn insert_new_rows(
        &self,
        records: &mut dyn Iterator<Item = Result<NewRecord, StorageError>>,
    ) -> Result<usize, StorageError> {
        let mut acl: Vec<(String, &'static str, String)> = Vec::with_capacity(BULK_ROWS);
        let mut changes: Vec<(&'static str, String)> = Vec::with_capacity(BULK_ROWS);
        let mut count = 0;
        for r in records {
            let r = r?;
            let id = super::new_id(&r)?.to_string();
            let entity = r.entity;
            let insert = Entity::ALL
                .iter()
                .position(|e| *e == entity)
                .and_then(|i| BULK_INSERT.get(i))
                .ok_or_else(|| {
                    StorageError::Other(format!("no bulk insert for {}", entity.name()))
                })?;
            self.0
                .prepare_cached(insert)?
                .execute(params_from_iter(borrowed_params(
                    entity, &r.record, &r.hidden,
                )))?;
            for principal in r.read_set {
                acl.push((principal, entity.name(), id.clone()));
                if acl.len() == BULK_ROWS {
                    self.flush_acl(&mut acl)?;
                }
            }
            changes.push((entity.name(), id));
            if changes.len() == BULK_ROWS {
                self.flush_changes(&mut changes)?;
            }
            count += 1;
        }
        self.flush_acl(&mut acl)?;
        self.flush_changes(&mut changes)?;
        Ok(count)
    }

    /// Writes the buffered read-set rows: a full buffer in one statement, a partial one row by
    /// row (a statement per length would crowd the statement cache).
    fn flush_acl(
        &self,
        rows: &mut Vec<(String, &'static str, String)>,
    ) -> Result<(), StorageError> {
        if rows.len() == BULK_ROWS {
            // In key order, successive rows land on the page the last one did.
            rows.sort_unstable();
            let args = rows
                .iter()
                .flat_map(|(p, e, id)| [p.as_str(), *e, id.as_str()]);
            self.0
                .prepare_cached(&BULK_ACL)?
                .execute(params_from_iter(args))?;
        } else {
            let mut one = self.0.prepare_cached(BULK_ACL_ONE)?;
            for (p, e, id) in rows.iter() {
                one.execute(params![p, e, id])?;
            }
        }
        rows.clear();
        Ok(())
    }

    /// Writes the buffered change-feed rows, in order, as [`SqliteTx::flush_acl`] does.
    fn flush_changes(&self, rows: &mut Vec<(&'static str, String)>) -> Result<(), StorageError> {
        if rows.len() == BULK_ROWS {
            let args = rows.iter().flat_map(|(e, id)| [*e, id.as_str()]);
            self.0
                .prepare_cached(&BULK_CHANGES)?
                .execute(params_from_iter(args))?;
        } else {
            let mut one = self.0.prepare_cached(BULK_CHANGES_ONE)?;
            for (e, id) in rows.iter() {
                one.execute(params![e, id])?;
            }
        }
        rows.clear();
        Ok(())
    }
}

impl Tx for SqliteTx<'_> {
    fn get(&self, entity: Entity, id: &str) -> Result<Option<Stored>, StorageError> {
        let mut stmt = self.0.prepare_cached(&sql(entity).select_one)?;
        Ok(stmt
            .query_row([id], |row| read_row(entity, row))
            .optional()?)
    }

    fn insert(&self, entity: Entity, record: &Record, hidden: &Hidden) -> Result<(), StorageError> {
        let mut stmt = self.0.prepare_cached(&sql(entity).insert)?;
        stmt.execute(params_from_iter(row_params(entity, record, hidden, false)))?;
        Ok(())
    }

    fn update(
        &self,
        entity: Entity,
        record: &Record,
        hidden: &Hidden,
        deleted: bool,
    ) -> Result<(), StorageError> {
        let mut stmt = self.0.prepare_cached(&sql(entity).update)?;
        stmt.execute(params_from_iter(row_params(
            entity, record, hidden, deleted,
        )))?;
        Ok(())
    }

    fn list(
        &self,
        entity: Entity,
        query: &ListQuery,
        viewer: Option<&[String]>,
    ) -> Result<Vec<Record>, StorageError> {
        let mut sql_text = format!("{} WHERE deleted = 0", sql(entity).select);
        let mut args: Vec<SqlValue> = Vec::new();
        for (field, value) in &query.filters {
            if value.is_null() {
                sql_text.push_str(&format!(" AND {field} IS NULL"));
            } else {
                args.push(to_sql(value));
                sql_text.push_str(&format!(" AND {field} = ?{}", args.len()));
            }
        }
        if let Some(search) = &query.search {
            let pattern = format!(
                "%{}%",
                search
                    .replace('\\', "\\\\")
                    .replace('%', "\\%")
                    .replace('_', "\\_")
            );
            args.push(SqlValue::Text(pattern));
            let n = args.len();
            let columns = entity.descriptor().search;
            let ors: Vec<String> = columns
                .iter()
                .map(|c| format!("{c} LIKE ?{n} ESCAPE '\\'"))
                .collect();
            sql_text.push_str(&format!(" AND ({})", ors.join(" OR ")));
        }
        let sort = query.sort;
        let (cmp, order) = if query.descending {
            ("<", "DESC")
        } else {
            (">", "ASC")
        };
        if let Some((value, id)) = &query.after {
            args.push(to_sql(value));
            args.push(SqlValue::Text(id.clone()));
            sql_text.push_str(&format!(
                " AND ({sort}, id) {cmp} (?{}, ?{})",
                args.len() - 1,
                args.len()
            ));
        }
        sql_text.push_str(&visible_filter(entity, viewer, &mut args));
        args.push(SqlValue::Integer(query.limit as i64));
        sql_text.push_str(&format!(
            " ORDER BY {sort} {order}, id {order} LIMIT ?{}",
            args.len()
        ));
        let mut stmt = self.0.prepare_cached(&sql_text)?;
        let rows = stmt.query_map(params_from_iter(args), |row| read_row(entity, row))?;
        let mut out = Vec::new();
        for row in rows {
            out.push(row?.record);
        }
        Ok(out)
    }

    fn read_set(&self, entity: Entity, id: &str) -> Result<BTreeSet<String>, StorageError> {
        let mut stmt = self
            .0
            .prepare_cached("SELECT principal FROM acl WHERE entity = ?1 AND record_id = ?2")?;
        let rows = stmt.query_map(params![entity.name(), id], |r| r.get::<_, String>(0))?;
        Ok(rows.collect::<Result<_, _>>()?)
    }

    fn set_read_set(
        &self,
        entity: Entity,
        id: &str,
        set: &BTreeSet<String>,
    ) -> Result<(), StorageError> {
        self.0
            .prepare_cached("DELETE FROM acl WHERE entity = ?1 AND record_id = ?2")?
            .execute(params![entity.name(), id])?;
        let mut insert = self
            .0
            .prepare_cached("INSERT INTO acl (principal, entity, record_id) VALUES (?1, ?2, ?3)")?;
        for principal in set {
            insert.execute(params![principal, entity.name(), id])?;
        }
        Ok(())
    }

    fn dependents(&self, entity: Entity, id: &str) -> Result<Vec<(Entity, String)>, StorageError> {
        let mut out = Vec::new();
        for (child, column) in entity.dependents() {
            let sql_text = format!(
                "SELECT id FROM {} WHERE {column} = ?1 AND deleted = 0",
                child.name()
            );
            let mut stmt = self.0.prepare_cached(&sql_text)?;
            let rows = stmt.query_map([id], |r| r.get::<_, String>(0))?;
            for row in rows {
                out.push((child, row?));
            }
        }
        Ok(out)
    }

    fn record_change(
        &self,
        entity: Entity,
        id: &str,
        dropped: &BTreeSet<String>,
    ) -> Result<i64, StorageError> {
        let old: Option<String> = self
            .0
            .prepare_cached("SELECT dropped FROM changes WHERE entity = ?1 AND record_id = ?2")?
            .query_row(params![entity.name(), id], |r| r.get(0))
            .optional()?;
        let current = self.read_set(entity, id)?;
        let mut all_dropped = old.as_deref().map(unpad).unwrap_or_default();
        all_dropped.extend(dropped.iter().cloned());
        all_dropped.retain(|p| !current.contains(p));
        self.0
            .prepare_cached("DELETE FROM changes WHERE entity = ?1 AND record_id = ?2")?
            .execute(params![entity.name(), id])?;
        self.0
            .prepare_cached("INSERT INTO changes (entity, record_id, dropped) VALUES (?1, ?2, ?3)")?
            .execute(params![entity.name(), id, pad(&all_dropped)])?;
        Ok(self.0.last_insert_rowid())
    }

    fn changes(
        &self,
        since: i64,
        limit: usize,
        viewer: Option<&[String]>,
    ) -> Result<Vec<Change>, StorageError> {
        let mut args: Vec<SqlValue> =
            vec![SqlValue::Integer(since), SqlValue::Integer(limit as i64)];
        let (visible, filter) = match viewer {
            None => ("1".to_string(), String::new()),
            Some(principals) => {
                let mut marks = Vec::new();
                let mut dropped = Vec::new();
                for p in principals {
                    args.push(SqlValue::Text(p.clone()));
                    marks.push(format!("?{}", args.len()));
                    args.push(SqlValue::Text(format!(" {p} ")));
                    dropped.push(format!("instr(c.dropped, ?{}) > 0", args.len()));
                }
                let visible = format!(
                    "EXISTS (SELECT 1 FROM acl a WHERE a.principal IN ({}) AND a.entity = c.entity AND a.record_id = c.record_id)",
                    marks.join(", ")
                );
                let filter = format!(" AND ({visible} OR {})", dropped.join(" OR "));
                (visible, filter)
            }
        };
        let sql_text = format!(
            "SELECT c.seq, c.entity, c.record_id, {visible} FROM changes c WHERE c.seq > ?1{filter} ORDER BY c.seq LIMIT ?2"
        );
        let heads: Vec<(i64, String, String, bool)> = {
            let mut stmt = self.0.prepare_cached(&sql_text)?;
            let rows = stmt.query_map(params_from_iter(args), |r| {
                Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?))
            })?;
            rows.collect::<Result<_, _>>()?
        };
        let mut out = Vec::with_capacity(heads.len());
        for (seq, entity_name, id, visible) in heads {
            let entity = Entity::from_name(&entity_name).ok_or_else(|| {
                StorageError::Other(format!("unknown entity {entity_name} in the change feed"))
            })?;
            let stored = self.get(entity, &id)?;
            let deleted = stored.as_ref().is_none_or(|s| s.deleted);
            let visible = visible && !deleted;
            out.push(Change {
                seq,
                entity,
                id,
                visible,
                deleted,
                record: stored.filter(|_| visible).map(|s| s.record),
            });
        }
        Ok(out)
    }

    fn latest_seq(&self) -> Result<i64, StorageError> {
        Ok(self
            .0
            .prepare_cached("SELECT COALESCE(MAX(seq), 0) FROM changes")?
            .query_row([], |r| r.get(0))?)
    }

    fn snapshot(
        &self,
        entity: Entity,
        after: Option<&str>,
        limit: usize,
        viewer: Option<&[String]>,
        each: &mut dyn FnMut(&str, &[u8]),
    ) -> Result<usize, StorageError> {
        let mut args: Vec<SqlValue> = Vec::new();
        let mut sql_text = sql(entity).snapshot.clone();
        if let Some(after) = after {
            args.push(SqlValue::Text(after.to_string()));
            sql_text.push_str(&format!(" AND id > ?{}", args.len()));
        }
        // Row by row rather than `id IN (...)`: the list form reads and sorts every visible id
        // for each page, which over all the pages of a large snapshot is quadratic. The unary
        // `+` keeps `principal` out of the index search: one seek to the record's few acl rows
        // instead of one seek per principal, which had cost as much as the rest of the row.
        if let Some(principals) = viewer {
            let (entity_arg, marks) = bind_acl_args(entity, principals, &mut args);
            sql_text.push_str(&format!(
                " AND EXISTS (SELECT 1 FROM acl a WHERE a.entity = ?{entity_arg} AND a.record_id = {}.id AND +a.principal IN ({marks}))",
                entity.name(),
            ));
        }
        args.push(SqlValue::Integer(limit as i64));
        sql_text.push_str(&format!(" ORDER BY id LIMIT ?{}", args.len()));
        let mut stmt = self.0.prepare_cached(&sql_text)?;
        let mut rows = stmt.query(params_from_iter(args))?;
        let mut count = 0;
        while let Some(row) = rows.next()? {
            // The JSON is lent as SQLite's bytes, unchecked: it is made from text the store
            // wrote from Rust strings, so it is UTF-8, and checking megabytes a page again cost
            // more than a tenth of the page's time.
            let (ValueRef::Text(id), ValueRef::Text(json)) = (row.get_ref(0)?, row.get_ref(1)?)
            else {
                return Err(StorageError::Other(format!(
                    "a row of {} reads without an id or JSON text",
                    entity.name()
                )));
            };
            let id = std::str::from_utf8(id).map_err(|e| {
                StorageError::Other(format!("an id in {} is not UTF-8: {e}", entity.name()))
            })?;
            each(id, json);
            count += 1;
        }
        Ok(count)
    }

    fn visible_count(
        &self,
        entity: Entity,
        viewer: Option<&[String]>,
    ) -> Result<u64, StorageError> {
        let mut args: Vec<SqlValue> = Vec::new();
        let filter = visible_filter(entity, viewer, &mut args);
        let sql_text = format!(
            "SELECT count(*) FROM {} WHERE deleted = 0{filter}",
            entity.name()
        );
        let count: i64 = self
            .0
            .prepare_cached(&sql_text)?
            .query_row(params_from_iter(args), |r| r.get(0))?;
        Ok(u64::try_from(count).unwrap_or(0))
    }

    fn insert_new(
        &self,
        records: &mut dyn Iterator<Item = Result<NewRecord, StorageError>>,
    ) -> Result<usize, StorageError> {
        // A bulk load touches far more index pages than the default cache holds; without room
        // SQLite spills dirty pages to the WAL mid-transaction and reads them back.
        let cache: i64 = self.0.query_row("PRAGMA cache_size", [], |r| r.get(0))?;
        self.0.pragma_update(None, "cache_size", BULK_CACHE_KIB)?;
        let result = self.insert_new_rows(records);
        self.0.pragma_update(None, "cache_size", cache)?;
        result
    }

    fn nested(
        &self,
        f: &mut dyn FnMut(&dyn Tx) -> Result<(), StorageError>,
    ) -> Result<Result<(), StorageError>, StorageError> {
        self.0.prepare_cached("SAVEPOINT nested")?.execute([])?;
        let result = f(self);
        if result.is_err() {
            self.0.prepare_cached("ROLLBACK TO nested")?.execute([])?;
        }
        self.0.prepare_cached("RELEASE nested")?.execute([])?;
        Ok(result)
    }

    fn audit(&self, entry: &AuditEntry) -> Result<(), StorageError> {
        self.0
            .prepare_cached(
                "INSERT INTO audit (at, actor_id, action, entity, record_id, changes) VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
            )?
            .execute(params![
                format_time(chrono::Utc::now()),
                entry.actor_id,
                entry.action,
                entry.entity.map(Entity::name),
                entry.record_id,
                entry.changes.as_ref().map(Value::to_string),
            ])?;
        Ok(())
    }

    fn audit_trail(
        &self,
        entity: Entity,
        id: &str,
        limit: usize,
    ) -> Result<Vec<Value>, StorageError> {
        let mut stmt = self.0.prepare_cached(
            "SELECT a.id, a.at, a.actor_id, u.username, a.action, a.changes FROM audit a LEFT JOIN users u ON u.id = a.actor_id
             WHERE a.entity = ?1 AND a.record_id = ?2 ORDER BY a.id LIMIT ?3",
        )?;
        let rows = stmt.query_map(params![entity.name(), id, limit as i64], |r| {
            let changes: Option<String> = r.get(5)?;
            Ok(serde_json::json!({
                "id": r.get::<_, i64>(0)?,
                "at": r.get::<_, String>(1)?,
                "actor_id": r.get::<_, Option<String>>(2)?,
                "actor": r.get::<_, Option<String>>(3)?,
                "action": r.get::<_, String>(4)?,
                "changes": changes.and_then(|c| serde_json::from_str::<Value>(&c).ok()),
            }))
        })?;
        Ok(rows.collect::<Result<_, _>>()?)
    }

    fn find_duplicates(
        &self,
        keys: &Hidden,
        except: Option<&str>,
    ) -> Result<Vec<Record>, StorageError> {
        let mut found: Vec<Record> = Vec::new();
        for (column, key) in keys {
            let Some(key) = key else { continue };
            if !hidden_columns(Entity::Customers).contains(column) {
                continue;
            }
            let sql_text = format!(
                "{} WHERE {column} = ?1 AND deleted = 0 AND id IS NOT ?2 LIMIT 5",
                sql(Entity::Customers).select
            );
            let mut stmt = self.0.prepare_cached(&sql_text)?;
            let rows =
                stmt.query_map(params![key, except], |row| read_row(Entity::Customers, row))?;
            for row in rows {
                let record = row?.record;
                if !found.iter().any(|r| r.get("id") == record.get("id")) {
                    found.push(record);
                }
            }
        }
        Ok(found)
    }

    fn code_taken(&self, code: &str, except: Option<&str>) -> Result<bool, StorageError> {
        Ok(self
            .0
            .prepare_cached("SELECT 1 FROM customers WHERE code = ?1 AND id IS NOT ?2")?
            .exists(params![code, except])?)
    }

    fn username_taken(&self, username: &str, except: Option<&str>) -> Result<bool, StorageError> {
        Ok(self
            .0
            .prepare_cached("SELECT 1 FROM users WHERE username = ?1 COLLATE NOCASE AND deleted = 0 AND id IS NOT ?2")?
            .exists(params![username, except])?)
    }

    fn name_taken(
        &self,
        entity: Entity,
        name: &str,
        except: Option<&str>,
    ) -> Result<bool, StorageError> {
        let sql_text = format!(
            "SELECT 1 FROM {} WHERE name = ?1 COLLATE NOCASE AND deleted = 0 AND id IS NOT ?2",
            entity.name()
        );
        Ok(self
            .0
            .prepare_cached(&sql_text)?
            .exists(params![name, except])?)
    }

    fn next_counter(&self, name: &str) -> Result<i64, StorageError> {
        Ok(self
            .0
            .prepare_cached(
                "INSERT INTO counters (name, value) VALUES (?1, 1)
                 ON CONFLICT (name) DO UPDATE SET value = value + 1 RETURNING value",
            )?
            .query_row([name], |r| r.get(0))?)
    }

    fn sla(&self, priority: &str) -> Result<(i64, i64), StorageError> {
        Ok(self
            .0
            .prepare_cached("SELECT first_response_minutes, resolution_minutes FROM sla_policies WHERE priority = ?1")?
            .query_row([priority], |r| Ok((r.get(0)?, r.get(1)?)))
            .optional()?
            .unwrap_or((240, 1440)))
    }

    fn team_of(&self, user_id: &str) -> Result<Option<String>, StorageError> {
        Ok(self
            .0
            .prepare_cached("SELECT team_id FROM users WHERE id = ?1")?
            .query_row([user_id], |r| r.get::<_, Option<String>>(0))
            .optional()?
            .flatten())
    }

    fn credentials(&self, username: &str) -> Result<Option<Credentials>, StorageError> {
        Ok(self
            .0
            .prepare_cached(
                "SELECT id, username, role, team_id, password_hash, active FROM users
                 WHERE username = ?1 COLLATE NOCASE AND deleted = 0",
            )?
            .query_row([username], |r| {
                let role: String = r.get(2)?;
                Ok(Credentials {
                    actor: Actor {
                        id: r.get(0)?,
                        username: r.get(1)?,
                        role: Role::parse(&role).unwrap_or(Role::Agent),
                        team_id: r.get(3)?,
                    },
                    password_hash: r.get(4)?,
                    active: r.get(5)?,
                })
            })
            .optional()?)
    }

    fn set_password_hash(&self, user_id: &str, hash: &str) -> Result<(), StorageError> {
        self.0
            .prepare_cached("UPDATE users SET password_hash = ?2 WHERE id = ?1")?
            .execute(params![user_id, hash])?;
        Ok(())
    }

    fn create_session(
        &self,
        token_hash: &str,
        user_id: &str,
        expires_at: &str,
    ) -> Result<(), StorageError> {
        self.0
            .prepare_cached("INSERT INTO sessions (token_hash, user_id, created_at, expires_at) VALUES (?1, ?2, ?3, ?4)")?
            .execute(params![token_hash, user_id, format_time(chrono::Utc::now()), expires_at])?;
        Ok(())
    }

    fn session_actor(&self, token_hash: &str, now: &str) -> Result<Option<Actor>, StorageError> {
        Ok(self
            .0
            .prepare_cached(
                "SELECT u.id, u.username, u.role, u.team_id FROM sessions s JOIN users u ON u.id = s.user_id
                 WHERE s.token_hash = ?1 AND s.expires_at > ?2 AND u.active = 1 AND u.deleted = 0",
            )?
            .query_row(params![token_hash, now], |r| {
                let role: String = r.get(2)?;
                Ok(Actor {
                    id: r.get(0)?,
                    username: r.get(1)?,
                    role: Role::parse(&role).unwrap_or(Role::Agent),
                    team_id: r.get(3)?,
                })
            })
            .optional()?)
    }

    fn delete_session(&self, token_hash: &str) -> Result<(), StorageError> {
        self.0
            .prepare_cached("DELETE FROM sessions WHERE token_hash = ?1")?
            .execute([token_hash])?;
        Ok(())
    }

    fn delete_sessions_of(&self, user_id: &str) -> Result<(), StorageError> {
        self.0
            .prepare_cached("DELETE FROM sessions WHERE user_id = ?1")?
            .execute([user_id])?;
        Ok(())
    }

    fn idempotent_answer(
        &self,
        user_id: &str,
        key: &str,
    ) -> Result<Option<IdempotentAnswer>, StorageError> {
        Ok(self
            .0
            .prepare_cached(
                "SELECT request, status, body FROM idempotency WHERE user_id = ?1 AND key = ?2",
            )?
            .query_row(params![user_id, key], |r| {
                Ok(IdempotentAnswer {
                    request: r.get(0)?,
                    status: r.get(1)?,
                    body: r.get(2)?,
                })
            })
            .optional()?)
    }

    fn remember_answer(
        &self,
        user_id: &str,
        key: &str,
        answer: &IdempotentAnswer,
    ) -> Result<(), StorageError> {
        let now = chrono::Utc::now();
        self.0
            .prepare_cached(
                "INSERT OR REPLACE INTO idempotency (user_id, key, request, status, body, created_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
            )?
            .execute(params![
                user_id,
                key,
                answer.request,
                answer.status,
                answer.body,
                format_time(now)
            ])?;
        let n = ANSWERS_REMEMBERED.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        if n.is_multiple_of(IDEMPOTENCY_PRUNE_EVERY) {
            self.forget_answers_before(now - chrono::Duration::hours(IDEMPOTENCY_HOURS))?;
        }
        Ok(())
    }
}

impl SqliteTx<'_> {
    /// Drops the remembered answers of keys first used before `cutoff`.
    fn forget_answers_before(
        &self,
        cutoff: chrono::DateTime<chrono::Utc>,
    ) -> Result<usize, StorageError> {
        Ok(self
            .0
            .prepare_cached("DELETE FROM idempotency WHERE created_at < ?1")?
            .execute([format_time(cutoff)])?)
    }
}

pub struct Sqlite {
    path: PathBuf,
    writer: Mutex<Connection>,
    readers: Mutex<Vec<Connection>>,
    /// Wakes the checkpoint thread; None once dropped.
    checkpoints: Option<mpsc::SyncSender<()>>,
    checkpointer: Option<std::thread::JoinHandle<()>>,
}

impl Drop for Sqlite {
    /// Ends the checkpoint thread and waits for it, and closes the idle readers, so every other
    /// connection closes before the writer's: a writer that closes last checkpoints and removes
    /// the WAL (after a seed it had grown as large as the database, and stayed so).
    fn drop(&mut self) {
        self.checkpoints = None;
        if let Some(thread) = self.checkpointer.take() {
            let _ = thread.join();
        }
        if let Ok(readers) = self.readers.get_mut() {
            readers.clear();
        }
    }
}

/// Least time between two checkpoints while writes go on.
const CHECKPOINT_EVERY: std::time::Duration = std::time::Duration::from_millis(100);

/// Checkpoints the WAL on a thread of its own, woken after commits. SQLite's automatic checkpoint
/// runs inside the COMMIT that crosses its threshold, so that one write waited for the copy into
/// the database and two fsyncs (creates' p99 went past 100 ms); a passive checkpoint from
/// another connection runs beside the writer instead. Ends when the sender is dropped.
fn start_checkpointer(
    path: &Path,
    synchronous: Synchronous,
) -> Result<(mpsc::SyncSender<()>, std::thread::JoinHandle<()>), StorageError> {
    let conn = Connection::open(path)?;
    conn.busy_timeout(std::time::Duration::from_secs(5))?;
    // A checkpoint syncs the database file at this connection's level.
    conn.pragma_update(None, "synchronous", synchronous.pragma())?;
    let (wake, woken) = mpsc::sync_channel::<()>(1);
    let thread = std::thread::Builder::new()
        .name("crm-checkpoint".into())
        .spawn(move || {
            let mut due = woken.recv().is_ok();
            while due {
                let done = conn.query_row("PRAGMA wal_checkpoint(PASSIVE)", [], |_| Ok(()));
                if let Err(e) = done {
                    tracing::warn!(error = %e, "WAL checkpoint failed");
                }
                // Commits during the pause are checkpointed right after it; a dropped sender
                // ends the thread at once.
                let mut committed = false;
                let pause = std::time::Instant::now() + CHECKPOINT_EVERY;
                while let Some(left) = pause.checked_duration_since(std::time::Instant::now()) {
                    match woken.recv_timeout(left) {
                        Ok(()) => committed = true,
                        Err(mpsc::RecvTimeoutError::Timeout) => break,
                        Err(mpsc::RecvTimeoutError::Disconnected) => return,
                    }
                }
                due = committed || woken.recv().is_ok();
            }
        })
        .map_err(|e| StorageError::Other(format!("cannot start the checkpoint thread: {e}")))?;
    Ok((wake, thread))
}

/// Reader connections kept open between transactions.
pub const MAX_IDLE_READERS: usize = 16;

/// How hard SQLite pushes each commit to the disk.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Synchronous {
    /// An acknowledged write survives a power cut: one fsync of the WAL per commit (the group
    /// commit makes that one per batch of writes).
    #[default]
    Full,
    /// No fsync per commit: a killed process loses nothing, but a power cut or OS crash can
    /// lose the last acknowledged commits. Faster; only when asked for.
    Normal,
}

impl Synchronous {
    fn pragma(self) -> &'static str {
        match self {
            Synchronous::Full => "FULL",
            Synchronous::Normal => "NORMAL",
        }
    }
}

/// How [`Sqlite::open_with`] opens a database.
#[derive(Debug, Clone, Copy, Default)]
pub struct OpenOptions {
    pub synchronous: Synchronous,
}

fn configure(conn: &Connection, synchronous: Synchronous) -> rusqlite::Result<()> {
    conn.busy_timeout(std::time::Duration::from_secs(5))?;
    // WAL survives a killed process without losing a committed transaction.
    conn.pragma_update(None, "journal_mode", "WAL")?;
    conn.pragma_update(None, "synchronous", synchronous.pragma())?;
    conn.pragma_update(None, "foreign_keys", "OFF")?;
    plan_once(conn)?;
    Ok(())
}

/// Why a database file is refused.
#[derive(Debug, thiserror::Error)]
pub enum FileError {
    #[error("no database at {0}")]
    Missing(PathBuf),
    #[error(
        "{0} is an empty file, not a crm database; move it away to start a fresh database there, or restore a backup onto it (crm-server restore FILE --force)"
    )]
    Empty(PathBuf),
    #[error(
        "{0} is not an SQLite database; give the path of a crm database, or a path where none exists yet"
    )]
    NotSqlite(PathBuf),
    #[error("{0} is an SQLite database but not a crm database (it has no schema_migrations)")]
    NotCrm(PathBuf),
    #[error(
        "{path} is at schema version {found}, newer than this crm-server knows ({known}); upgrade crm-server"
    )]
    TooNew {
        path: PathBuf,
        found: i64,
        known: i64,
    },
    #[error("{path} is damaged ({detail}); restore a backup (crm-server restore FILE --force)")]
    Damaged { path: PathBuf, detail: String },
    #[error("{path} is read-only: the server cannot write its database; make it writable")]
    ReadOnly { path: PathBuf },
    #[error("{0} exists; stop the server that uses it and add --force to replace it")]
    Exists(PathBuf),
    #[error("cannot read or write {path}: {detail}")]
    Io { path: PathBuf, detail: String },
}

/// A refused file is told to the admin as it is: its message says what to do.
impl From<FileError> for StorageError {
    fn from(e: FileError) -> Self {
        StorageError::Refused(e.to_string())
    }
}

fn io_error(path: &Path) -> impl Fn(std::io::Error) -> FileError + '_ {
    move |e| FileError::Io {
        path: path.to_path_buf(),
        detail: e.to_string(),
    }
}

fn sqlite_error(path: &Path) -> impl Fn(rusqlite::Error) -> FileError + '_ {
    move |e| match e.sqlite_error_code() {
        Some(rusqlite::ErrorCode::NotADatabase) => FileError::NotSqlite(path.to_path_buf()),
        Some(rusqlite::ErrorCode::DatabaseCorrupt) => FileError::Damaged {
            path: path.to_path_buf(),
            detail: e.to_string(),
        },
        _ => FileError::Io {
            path: path.to_path_buf(),
            detail: e.to_string(),
        },
    }
}

/// How thoroughly [`check_file`] looks.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Check {
    /// The header and the schema version only.
    Header,
    /// And `PRAGMA quick_check`: every page read, no index checked against its table.
    Quick,
    /// And `PRAGMA integrity_check`: everything.
    Full,
}

/// Refuses an existing file that cannot be a database: empty, or without SQLite's header. A
/// zero-length file is not quietly taken for a fresh database. Ok(false) when nothing is there.
pub fn check_header(path: &Path) -> Result<bool, FileError> {
    use std::io::Read;
    let mut file = match std::fs::File::open(path) {
        Ok(file) => file,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(false),
        Err(e) => return Err(io_error(path)(e)),
    };
    let mut header = [0u8; 16];
    let mut read = 0;
    while read < header.len() {
        match file.read(&mut header[read..]).map_err(io_error(path))? {
            0 => break,
            n => read += n,
        }
    }
    match read {
        0 => Err(FileError::Empty(path.to_path_buf())),
        16 if &header == b"SQLite format 3\0" => Ok(true),
        _ => Err(FileError::NotSqlite(path.to_path_buf())),
    }
}

/// The schema version of an open database; refuses one that is not a crm database or is newer
/// than this build knows. 0 for a database with no tables yet.
fn schema_version(conn: &Connection, path: &Path) -> Result<i64, FileError> {
    let tables: i64 = conn
        .query_row(
            "SELECT count(*) FROM sqlite_schema WHERE type = 'table'",
            [],
            |r| r.get(0),
        )
        .map_err(sqlite_error(path))?;
    let has_migrations: bool = conn
        .query_row(
            "SELECT count(*) > 0 FROM sqlite_schema WHERE type = 'table' AND name = 'schema_migrations'",
            [],
            |r| r.get(0),
        )
        .map_err(sqlite_error(path))?;
    if !has_migrations {
        return if tables == 0 {
            Ok(0)
        } else {
            Err(FileError::NotCrm(path.to_path_buf()))
        };
    }
    let found: i64 = conn
        .query_row(
            "SELECT COALESCE(MAX(version), 0) FROM schema_migrations",
            [],
            |r| r.get(0),
        )
        .map_err(sqlite_error(path))?;
    let known = MIGRATIONS.last().map_or(0, |m| m.0);
    if found > known {
        return Err(FileError::TooNew {
            path: path.to_path_buf(),
            found,
            known,
        });
    }
    Ok(found)
}

/// Checks an existing crm database without writing to it: the header, that it is a crm
/// database this build knows, and (Quick, Full) SQLite's own check of its pages. Returns the
/// schema version.
pub fn check_file(path: &Path, check: Check) -> Result<i64, FileError> {
    if !check_header(path)? {
        return Err(FileError::Missing(path.to_path_buf()));
    }
    let conn = Connection::open_with_flags(
        path,
        OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX,
    )
    .map_err(sqlite_error(path))?;
    conn.busy_timeout(std::time::Duration::from_secs(5))
        .map_err(sqlite_error(path))?;
    let version = schema_version(&conn, path)?;
    let pragma = match check {
        Check::Header => return Ok(version),
        Check::Quick => "PRAGMA quick_check(20)",
        Check::Full => "PRAGMA integrity_check(20)",
    };
    let problems: Vec<String> = conn
        .prepare(pragma)
        .and_then(|mut st| {
            st.query_map([], |r| r.get::<_, String>(0))?
                .collect::<rusqlite::Result<_>>()
        })
        .map_err(sqlite_error(path))?;
    if problems != ["ok"] {
        return Err(FileError::Damaged {
            path: path.to_path_buf(),
            detail: problems.join("; "),
        });
    }
    Ok(version)
}

/// The database file and its WAL are the server's alone: 0600 (SQLite gives the WAL and the
/// shared-memory file the database file's mode when it makes them).
#[cfg(unix)]
fn keep_private(path: &Path) -> Result<(), FileError> {
    use std::os::unix::fs::PermissionsExt;
    for suffix in ["", "-wal", "-shm"] {
        let mut name = path.as_os_str().to_owned();
        name.push(suffix);
        let file = PathBuf::from(name);
        match std::fs::metadata(&file) {
            Ok(meta) if meta.permissions().mode() & 0o077 != 0 => {
                std::fs::set_permissions(&file, std::fs::Permissions::from_mode(0o600))
                    .map_err(io_error(&file))?;
            }
            Ok(_) => {}
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
            Err(e) => return Err(io_error(&file)(e)),
        }
    }
    Ok(())
}

#[cfg(not(unix))]
fn keep_private(_: &Path) -> Result<(), FileError> {
    Ok(())
}

/// Makes `dir` (and its parents) when missing; the last one only its owner may enter.
fn create_private_dir(dir: &Path) -> Result<(), FileError> {
    if dir.as_os_str().is_empty() || dir.exists() {
        return Ok(());
    }
    let mut builder = std::fs::DirBuilder::new();
    builder.recursive(true);
    #[cfg(unix)]
    std::os::unix::fs::DirBuilderExt::mode(&mut builder, 0o700);
    builder.create(dir).map_err(io_error(dir))
}

/// Creates `path` empty, readable by its owner only; fails when it exists.
fn create_private_file(path: &Path) -> Result<std::fs::File, FileError> {
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    options.open(path).map_err(|e| {
        if e.kind() == std::io::ErrorKind::AlreadyExists {
            FileError::Exists(path.to_path_buf())
        } else {
            io_error(path)(e)
        }
    })
}

/// Writes a consistent copy of the database `conn` reads to `to` (new; 0600), synced to disk.
fn copy_into(conn: &Connection, from: &Path, to: &Path) -> Result<(), FileError> {
    let target = to.to_str().ok_or_else(|| FileError::Io {
        path: to.to_path_buf(),
        detail: "the path must be valid UTF-8".into(),
    })?;
    drop(create_private_file(to)?);
    // VACUUM INTO takes an empty file, so the copy keeps the mode made above.
    if let Err(e) = conn.execute("VACUUM INTO ?1", [target]) {
        let _ = std::fs::remove_file(to);
        return Err(sqlite_error(from)(e));
    }
    // VACUUM INTO does not sync what it wrote.
    std::fs::File::open(to)
        .and_then(|f| f.sync_all())
        .map_err(io_error(to))
}

/// `crm-server restore FROM`: replaces the database at `to` with a checked copy of `from`. The
/// copy is written beside `to` and renamed over it, so a failure leaves `to` as it was. An
/// existing `to` is replaced only with `force` (the server must be stopped: its WAL goes).
pub fn restore(from: &Path, to: &Path, force: bool) -> Result<i64, FileError> {
    let version = check_file(from, Check::Full)?;
    if version == 0 {
        return Err(FileError::NotCrm(from.to_path_buf()));
    }
    if to.exists() && !force {
        return Err(FileError::Exists(to.to_path_buf()));
    }
    if let Some(dir) = to.parent() {
        create_private_dir(dir)?;
    }
    let mut staged = to.as_os_str().to_owned();
    staged.push(".restoring");
    let staged = PathBuf::from(staged);
    match std::fs::remove_file(&staged) {
        Err(e) if e.kind() != std::io::ErrorKind::NotFound => return Err(io_error(&staged)(e)),
        _ => {}
    }
    let source = Connection::open_with_flags(
        from,
        OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX,
    )
    .map_err(sqlite_error(from))?;
    copy_into(&source, from, &staged)?;
    drop(source);
    if let Err(e) = check_file(&staged, Check::Quick) {
        let _ = std::fs::remove_file(&staged);
        return Err(e);
    }
    // The old database's WAL would be replayed onto the restored file.
    for suffix in ["-wal", "-shm"] {
        let mut name = to.as_os_str().to_owned();
        name.push(suffix);
        let file = PathBuf::from(name);
        match std::fs::remove_file(&file) {
            Err(e) if e.kind() != std::io::ErrorKind::NotFound => return Err(io_error(&file)(e)),
            _ => {}
        }
    }
    std::fs::rename(&staged, to).map_err(io_error(to))?;
    #[cfg(unix)]
    if let Some(dir) = to.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::File::open(dir)
            .and_then(|d| d.sync_all())
            .map_err(io_error(dir))?;
    }
    Ok(version)
}

/// Cached statements keep their plan. With STAT4 compiled in (the bundled SQLite has it), a
/// statement whose WHERE holds a bound parameter is re-planned on every run in case the value
/// changes the plan; nothing runs ANALYZE here, so there are no statistics to change it, and the
/// re-planning was 5% of a list request.
fn plan_once(conn: &Connection) -> rusqlite::Result<()> {
    conn.set_db_config(DbConfig::SQLITE_DBCONFIG_ENABLE_QPSG, true)?;
    conn.set_prepared_statement_cache_capacity(128);
    Ok(())
}

impl Sqlite {
    /// Opens (creating if needed) the database at `path` and applies pending migrations.
    pub fn open(path: &Path) -> Result<Sqlite, StorageError> {
        Sqlite::open_with(path, OpenOptions::default())
    }

    /// [`Sqlite::open`] with options. An existing file must be a crm database (an empty or
    /// foreign file is refused, not taken for a fresh one); a file SQLite can only read is
    /// refused too. [`check_file`] checks the pages; this does not.
    pub fn open_with(path: &Path, options: OpenOptions) -> Result<Sqlite, StorageError> {
        if let Some(dir) = path.parent() {
            create_private_dir(dir)?;
        }
        check_header(path)?;
        let writer = Connection::open(path)?;
        if writer.is_readonly(rusqlite::MAIN_DB)? {
            return Err(FileError::ReadOnly {
                path: path.to_path_buf(),
            }
            .into());
        }
        schema_version(&writer, path)?;
        configure(&writer, options.synchronous)?;
        migrate(&writer)?;
        keep_private(path)?;
        // The checkpoint thread does this connection's checkpoints (see start_checkpointer).
        writer.pragma_update(None, "wal_autocheckpoint", 0)?;
        // Savepoints (Tx::nested) copy each page they change to a sub-journal; past 64 KiB that
        // spilled to a temporary file, and its writes were a third of a create's time.
        writer.pragma_update(None, "temp_store", "MEMORY")?;
        let (checkpoints, checkpointer) = start_checkpointer(path, options.synchronous)?;
        Ok(Sqlite {
            path: path.to_path_buf(),
            writer: Mutex::new(writer),
            readers: Mutex::new(Vec::new()),
            checkpoints: Some(checkpoints),
            checkpointer: Some(checkpointer),
        })
    }

    fn reader(&self) -> Result<Connection, StorageError> {
        let idle = self.readers.lock().map_err(|_| poisoned())?.pop();
        match idle {
            Some(conn) => Ok(conn),
            None => {
                let conn = Connection::open_with_flags(
                    &self.path,
                    OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX,
                )?;
                conn.busy_timeout(std::time::Duration::from_secs(5))?;
                plan_once(&conn)?;
                Ok(conn)
            }
        }
    }
}

fn poisoned() -> StorageError {
    StorageError::Other("a database lock was poisoned by an earlier panic".into())
}

/// SQLite's failures in storage's words: the API layer maps them to answers (busy: try again;
/// a unique key taken: a conflict) instead of a bare 500.
impl From<rusqlite::Error> for StorageError {
    fn from(e: rusqlite::Error) -> Self {
        use rusqlite::ErrorCode;
        use rusqlite::ffi::{SQLITE_CONSTRAINT_PRIMARYKEY, SQLITE_CONSTRAINT_UNIQUE};
        let rusqlite::Error::SqliteFailure(failure, message) = &e else {
            return StorageError::Other(e.to_string());
        };
        match failure.code {
            ErrorCode::DatabaseBusy | ErrorCode::DatabaseLocked => StorageError::Busy,
            ErrorCode::DiskFull => StorageError::DiskFull,
            ErrorCode::DatabaseCorrupt | ErrorCode::NotADatabase => {
                StorageError::Corrupt(e.to_string())
            }
            ErrorCode::ConstraintViolation
                if matches!(
                    failure.extended_code,
                    SQLITE_CONSTRAINT_UNIQUE | SQLITE_CONSTRAINT_PRIMARYKEY
                ) =>
            {
                // "UNIQUE constraint failed: customers.code"
                let key = message
                    .as_deref()
                    .and_then(|m| m.rsplit_once(": "))
                    .map_or("key", |(_, key)| key);
                StorageError::Conflict {
                    key: key.to_string(),
                }
            }
            _ => StorageError::Other(e.to_string()),
        }
    }
}

/// Applies the migrations the database has not seen, each in its own transaction.
pub fn migrate(conn: &Connection) -> Result<Vec<&'static str>, StorageError> {
    // Keys the migrations make again as the server makes them now.
    conn.create_scalar_function(
        "crm_phone_key",
        1,
        FunctionFlags::SQLITE_UTF8 | FunctionFlags::SQLITE_DETERMINISTIC,
        |ctx| {
            Ok(ctx
                .get::<Option<String>>(0)?
                .as_deref()
                .and_then(dedupe::phone_key))
        },
    )?;
    conn.execute_batch(
        "CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at TEXT NOT NULL)",
    )?;
    let newest: i64 = conn.query_row(
        "SELECT COALESCE(MAX(version), 0) FROM schema_migrations",
        [],
        |r| r.get(0),
    )?;
    let known = MIGRATIONS.last().map_or(0, |m| m.0);
    if newest > known {
        return Err(StorageError::Other(format!(
            "the database is at schema version {newest}, newer than this crm-server knows ({known}); upgrade crm-server"
        )));
    }
    let mut applied = Vec::new();
    for (version, name, text) in MIGRATIONS.iter().filter(|m| m.0 > newest) {
        conn.execute_batch("BEGIN IMMEDIATE")?;
        let result = conn.execute_batch(text).and_then(|()| {
            conn.execute(
                "INSERT INTO schema_migrations (version, name, applied_at) VALUES (?1, ?2, ?3)",
                params![version, name, format_time(chrono::Utc::now())],
            )
        });
        match result {
            Ok(_) => conn.execute_batch("COMMIT")?,
            Err(e) => {
                conn.execute_batch("ROLLBACK")?;
                return Err(StorageError::Other(format!("migration {name} failed: {e}")));
            }
        }
        applied.push(*name);
    }
    Ok(applied)
}

impl Database for Sqlite {
    fn read_tx(
        &self,
        f: &mut dyn FnMut(&dyn Tx) -> Result<(), StorageError>,
    ) -> Result<(), StorageError> {
        let conn = self.reader()?;
        // Cached, not parsed anew for every request.
        conn.prepare_cached("BEGIN")?.execute([])?;
        let result = f(&SqliteTx(&conn));
        conn.prepare_cached("COMMIT")?.execute([])?;
        let mut idle = self.readers.lock().map_err(|_| poisoned())?;
        if idle.len() < MAX_IDLE_READERS {
            idle.push(conn);
        }
        result
    }

    fn write_tx(
        &self,
        f: &mut dyn FnMut(&dyn Tx) -> Result<(), StorageError>,
    ) -> Result<(), StorageError> {
        let conn = self.writer.lock().map_err(|_| poisoned())?;
        conn.prepare_cached("BEGIN IMMEDIATE")?.execute([])?;
        match f(&SqliteTx(&conn)) {
            Ok(()) => {
                if let Err(e) = conn
                    .prepare_cached("COMMIT")
                    .and_then(|mut c| c.execute([]))
                {
                    let _ = conn.execute_batch("ROLLBACK");
                    return Err(e.into());
                }
                // Full: a checkpoint is already due, and it covers this commit too.
                if let Some(checkpoints) = &self.checkpoints {
                    let _ = checkpoints.try_send(());
                }
                Ok(())
            }
            Err(e) => {
                conn.execute_batch("ROLLBACK")?;
                Err(e)
            }
        }
    }

    fn backup(&self, to: &Path) -> Result<(), StorageError> {
        if to.exists() {
            return Err(StorageError::Refused(format!(
                "{} already exists; choose a new file for the backup",
                to.display()
            )));
        }
        let conn = self.reader()?;
        copy_into(&conn, &self.path, to)?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn phone_keys_stored_before_migration_3_are_made_again() {
        let conn = Connection::open_in_memory().unwrap();
        // A database as a server before migration 3 left it, keys made the old way.
        conn.execute_batch(MIGRATIONS[0].2).unwrap();
        conn.execute_batch(MIGRATIONS[1].2).unwrap();
        conn.execute_batch(
            "CREATE TABLE schema_migrations (version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at TEXT NOT NULL);
             INSERT INTO schema_migrations VALUES (1, '0001_init', ''), (2, '0002_idempotency_requests', '');
             INSERT INTO customers (id, version, created_at, updated_at, code, name, phone, phone_key)
             VALUES ('a', 1, '', '', 'C000001', 'A', '(010) 6552-1234', '01065521234'),
                    ('b', 1, '', '', 'C000002', 'B', NULL, NULL),
                    ('c', 1, '', '', 'C000003', 'C', '12', NULL);",
        )
        .unwrap();
        assert_eq!(
            migrate(&conn).unwrap(),
            vec!["0003_phone_keys", "0004_competitors"]
        );
        let keys: Vec<Option<String>> = conn
            .prepare("SELECT phone_key FROM customers ORDER BY code")
            .unwrap()
            .query_map([], |r| r.get(0))
            .unwrap()
            .collect::<Result<_, _>>()
            .unwrap();
        assert_eq!(
            keys,
            vec![dedupe::phone_key("+86 10 6552 1234"), None, None]
        );
        assert_eq!(keys[0].as_deref(), Some("1065521234"));
    }

    #[test]
    fn migrated_tables_hold_every_descriptor_column() {
        let conn = Connection::open_in_memory().unwrap();
        migrate(&conn).unwrap();
        for entity in Entity::ALL {
            let mut stmt = conn
                .prepare(&format!(
                    "SELECT name, \"notnull\" FROM pragma_table_info('{}')",
                    entity.name()
                ))
                .unwrap();
            let columns: Vec<(String, bool)> = stmt
                .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))
                .unwrap()
                .collect::<Result<_, _>>()
                .unwrap();
            let expected: Vec<&str> = SYSTEM_FIELDS
                .iter()
                .copied()
                .chain(["deleted"])
                .chain(entity.fields().iter().map(|f| f.name))
                .chain(hidden_columns(entity).iter().copied())
                .collect();
            for name in &expected {
                assert!(
                    columns.iter().any(|(c, _)| c == name),
                    "{}.{name} is in the descriptor but not the schema",
                    entity.name()
                );
            }
            for field in entity.fields() {
                let (_, not_null) = columns.iter().find(|(c, _)| c == field.name).unwrap();
                assert_eq!(
                    *not_null,
                    field.not_null(),
                    "{}.{} NOT NULL differs",
                    entity.name(),
                    field.name
                );
            }
            for (column, _) in &columns {
                assert!(
                    expected.contains(&column.as_str())
                        || (entity == Entity::Users && column == "password_hash"),
                    "{}.{column} is in the schema but not the descriptor",
                    entity.name()
                );
            }
        }
    }

    #[test]
    fn remembered_answers_are_forgotten_after_their_day() {
        let conn = Connection::open_in_memory().unwrap();
        migrate(&conn).unwrap();
        let tx = SqliteTx(&conn);
        let answer = IdempotentAnswer {
            request: "digest".into(),
            status: 201,
            body: "{}".into(),
        };
        tx.remember_answer("u1", "old", &answer).unwrap();
        tx.remember_answer("u1", "new", &answer).unwrap();
        conn.execute(
            "UPDATE idempotency SET created_at = '2020-01-01T00:00:00.000Z' WHERE key = 'old'",
            [],
        )
        .unwrap();
        let cutoff = chrono::Utc::now() - chrono::Duration::hours(IDEMPOTENCY_HOURS);
        assert_eq!(tx.forget_answers_before(cutoff).unwrap(), 1);
        assert_eq!(tx.idempotent_answer("u1", "old").unwrap(), None);
        assert_eq!(tx.idempotent_answer("u1", "new").unwrap(), Some(answer));
    }

    fn synchronous_of(db: &Sqlite) -> i64 {
        let writer = db.writer.lock().unwrap();
        writer
            .query_row("PRAGMA synchronous", [], |r| r.get(0))
            .unwrap()
    }

    #[test]
    fn commits_are_synced_to_disk_unless_asked_otherwise() {
        let dir = tempfile::tempdir().unwrap();
        let db = Sqlite::open(&dir.path().join("a.db")).unwrap();
        assert_eq!(synchronous_of(&db), 2, "FULL by default");
        let options = OpenOptions {
            synchronous: Synchronous::Normal,
        };
        let db = Sqlite::open_with(&dir.path().join("b.db"), options).unwrap();
        assert_eq!(synchronous_of(&db), 1);
    }

    #[test]
    fn an_empty_or_foreign_file_is_not_taken_for_a_fresh_database() {
        let dir = tempfile::tempdir().unwrap();
        let empty = dir.path().join("empty.db");
        std::fs::write(&empty, b"").unwrap();
        assert!(matches!(check_header(&empty), Err(FileError::Empty(_))));
        assert!(Sqlite::open(&empty).is_err());
        assert_eq!(
            std::fs::metadata(&empty).unwrap().len(),
            0,
            "left as it was"
        );

        let text = dir.path().join("notes.db");
        std::fs::write(&text, "not a database, but long enough to have a header").unwrap();
        assert!(matches!(check_header(&text), Err(FileError::NotSqlite(_))));
        assert!(Sqlite::open(&text).is_err());

        let other = dir.path().join("other.db");
        Connection::open(&other)
            .unwrap()
            .execute_batch("CREATE TABLE t (x); INSERT INTO t VALUES (1)")
            .unwrap();
        assert!(matches!(
            check_file(&other, Check::Quick),
            Err(FileError::NotCrm(_))
        ));
        assert!(Sqlite::open(&other).is_err());
    }

    /// A database of `pages` pages or more, closed, with its WAL folded in.
    fn database_with_data(path: &Path) {
        let db = Sqlite::open(path).unwrap();
        crate::seed::demo(&db, 30).unwrap();
    }

    #[test]
    fn overwritten_pages_are_found_by_the_checks() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("server.db");
        database_with_data(&path);
        assert!(check_file(&path, Check::Quick).is_ok());
        assert!(check_file(&path, Check::Full).is_ok());
        // Overwrite pages in the middle of the file, past the schema.
        let mut bytes = std::fs::read(&path).unwrap();
        let page = 4096;
        assert!(bytes.len() > 8 * page);
        for b in &mut bytes[3 * page..6 * page] {
            *b = 0x5a;
        }
        std::fs::write(&path, &bytes).unwrap();
        assert!(matches!(
            check_file(&path, Check::Quick),
            Err(FileError::Damaged { .. })
        ));
        assert!(matches!(
            check_file(&path, Check::Full),
            Err(FileError::Damaged { .. })
        ));
    }

    #[cfg(unix)]
    fn mode(path: &Path) -> u32 {
        use std::os::unix::fs::PermissionsExt;
        std::fs::metadata(path).unwrap().permissions().mode() & 0o777
    }

    #[cfg(unix)]
    #[test]
    fn the_database_its_wal_and_backups_are_the_owners_alone() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("new").join("server.db");
        let db = Sqlite::open(&path).unwrap();
        db.write_tx(&mut |tx| tx.next_counter("x").map(|_| ()))
            .unwrap();
        assert_eq!(mode(path.parent().unwrap()), 0o700);
        assert_eq!(mode(&path), 0o600);
        assert_eq!(mode(&dir.path().join("new").join("server.db-wal")), 0o600);
        let backup = dir.path().join("copy.db");
        db.backup(&backup).unwrap();
        assert_eq!(mode(&backup), 0o600);
        drop(db);
        // An older database left readable by others is closed up when opened.
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o644)).unwrap();
        drop(Sqlite::open(&path).unwrap());
        assert_eq!(mode(&path), 0o600);
    }

    #[test]
    fn a_restore_is_checked_and_replaces_only_when_told() {
        let dir = tempfile::tempdir().unwrap();
        let live = dir.path().join("server.db");
        let backup = dir.path().join("backup.db");
        {
            let db = Sqlite::open(&live).unwrap();
            crate::seed::demo(&db, 10).unwrap();
            db.backup(&backup).unwrap();
            // A write after the backup, which the restore takes back.
            db.write_tx(&mut |tx| tx.next_counter("after").map(|_| ()))
                .unwrap();
        }
        assert!(matches!(
            restore(&backup, &live, false),
            Err(FileError::Exists(_))
        ));
        let version = restore(&backup, &live, true).unwrap();
        assert_eq!(version, MIGRATIONS.last().unwrap().0);
        let db = Sqlite::open(&live).unwrap();
        let mut after = 0;
        db.write_tx(&mut |tx| {
            after = tx.next_counter("after")?;
            Ok(())
        })
        .unwrap();
        assert_eq!(after, 1, "the restored database is the backup's");
        drop(db);

        // Neither a damaged file nor a foreign one is restored.
        let garbage = dir.path().join("garbage.db");
        std::fs::write(&garbage, vec![7u8; 8192]).unwrap();
        assert!(restore(&garbage, &dir.path().join("fresh.db"), false).is_err());
        let empty = dir.path().join("empty.db");
        Connection::open(&empty)
            .unwrap()
            .execute_batch("CREATE TABLE t (x)")
            .unwrap();
        assert!(matches!(
            restore(&empty, &dir.path().join("fresh.db"), false),
            Err(FileError::NotCrm(_))
        ));
        assert!(!dir.path().join("fresh.db").exists());
    }

    #[test]
    fn closing_the_database_removes_its_wal_even_after_reads() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("server.db");
        let wal = dir.path().join("server.db-wal");
        let db = Sqlite::open(&path).unwrap();
        crate::seed::demo(&db, 20).unwrap();
        db.read_tx(&mut |tx| tx.latest_seq().map(|_| ())).unwrap();
        assert!(wal.exists());
        drop(db);
        assert!(
            !wal.exists(),
            "the WAL outlived the database's last connection"
        );
        // And what was written is in the database itself.
        let db = Sqlite::open(&path).unwrap();
        let mut customers = 0;
        db.read_tx(&mut |tx| {
            customers = tx.visible_count(Entity::Customers, None)?;
            Ok(())
        })
        .unwrap();
        assert_eq!(customers, 20);
    }

    #[test]
    fn migrating_twice_applies_nothing_new() {
        let conn = Connection::open_in_memory().unwrap();
        let names: Vec<&str> = MIGRATIONS.iter().map(|m| m.1).collect();
        assert_eq!(migrate(&conn).unwrap(), names);
        assert!(migrate(&conn).unwrap().is_empty());
    }

    #[test]
    fn the_audit_log_is_append_only() {
        let conn = Connection::open_in_memory().unwrap();
        migrate(&conn).unwrap();
        conn.execute(
            "INSERT INTO audit (at, action) VALUES ('2026-01-01T00:00:00Z', 'login')",
            [],
        )
        .unwrap();
        assert!(conn.execute("UPDATE audit SET action = 'x'", []).is_err());
        assert!(conn.execute("DELETE FROM audit", []).is_err());
    }
}
