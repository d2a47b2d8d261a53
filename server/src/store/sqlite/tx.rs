//! One transaction of the SQLite backend: `SqliteTx`, the record-level primitives of `Tx` in
//! SQL (rows, read sets, the change feed; audit, checks, sessions and idempotent answers call
//! into `tx/bookkeeping.rs`), and the bulk insert a seed or a first load uses.

use super::*;
use crate::store::{SORT_KEY, SharedChange, SnapshotShape, hidden_columns};

mod bookkeeping;

/// The column a list sorted by `sort` is ordered by, and the value a cursor's sort value is
/// compared as there.
fn sort_column(
    entity: Entity,
    sort: &'static str,
    after: Option<&Value>,
) -> (&'static str, Option<SqlValue>) {
    let keyed = sort == "name" && hidden_columns(entity).contains(&SORT_KEY);
    let column = if keyed { SORT_KEY } else { sort };
    let value = after.map(|v| match v.as_str() {
        Some(name) if keyed => SqlValue::Text(crate::pinyin::sort_key(name)),
        _ => to_sql(v),
    });
    (column, value)
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
    /// The same with each record as the array of its values (`SnapshotShape::Rows`).
    snapshot_rows: String,
}

static SQL: LazyLock<Vec<EntitySql>> = LazyLock::new(|| {
    Entity::ALL
        .iter()
        .map(|&e| {
            let fields: Vec<&str> = e.fields().iter().map(|f| f.name).collect();
            let hidden = hidden_columns(e);
            let select = format!(
                "SELECT id, version, created_at, updated_at, created_by, updated_by, deleted, {} FROM {}",
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
            let values: Vec<String> = SYSTEM_FIELDS
                .iter()
                .map(|f| f.to_string())
                .chain(e.fields().iter().map(|f| json_value(f.name, f.kind)))
                .collect();
            let snapshot_rows = format!(
                "SELECT id, json_array({}) FROM {} WHERE deleted = 0",
                values.join(", "),
                e.name()
            );
            EntitySql {
                select_one: format!("{select} WHERE id = ?1"),
                select,
                insert,
                update,
                snapshot,
                snapshot_rows,
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
    for (i, name) in ["created_by", "updated_by"].into_iter().enumerate() {
        let by: Option<String> = row.get(4 + i)?;
        record.insert(name.into(), by.map_or(Value::Null, Value::String));
    }
    let deleted: bool = row.get(6)?;
    for (i, field) in entity.fields().iter().enumerate() {
        record.insert(field.name.into(), from_sql(field.kind, row.get(7 + i)?));
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

/// Days an instalment is overdue on the date in parameter 1.
const AGING_DAYS: &str = "CAST(julianday(?1) - julianday(due_date) AS INTEGER)";

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
    /// The records derived from this one, live or deleted.
    fn dependents_where(
        &self,
        entity: Entity,
        id: &str,
        deleted: bool,
    ) -> Result<Vec<(Entity, String)>, StorageError> {
        let mut out = Vec::new();
        for (child, column) in entity.dependents() {
            let sql_text = format!(
                "SELECT id FROM {} WHERE {column} = ?1 AND deleted = ?2",
                child.name()
            );
            let mut stmt = self.0.prepare_cached(&sql_text)?;
            let rows = stmt.query_map(params![id, deleted], |r| r.get::<_, String>(0))?;
            for row in rows {
                out.push((child, row?));
            }
        }
        Ok(out)
    }

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
            let id = crate::store::new_id(&r)?.to_string();
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
        sql_text.push_str(&crate::query::sql::render(
            &query.conditions,
            crate::query::sql::Dialect::Sqlite,
            "",
            crate::query::sql::search_columns(entity),
            &mut |value, _| {
                args.push(to_sql(&value));
                format!("?{}", args.len())
            },
        ));
        // Names in pinyin order, through the key's index.
        let (sort, after) = sort_column(entity, query.sort, query.after.as_ref().map(|a| &a.0));
        let (cmp, order) = if query.descending {
            ("<", "DESC")
        } else {
            (">", "ASC")
        };
        if let (Some((_, id)), Some(value)) = (&query.after, after) {
            args.push(value);
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
        self.dependents_where(entity, id, false)
    }

    fn deleted_dependents(
        &self,
        entity: Entity,
        id: &str,
    ) -> Result<Vec<(Entity, String)>, StorageError> {
        self.dependents_where(entity, id, true)
    }

    fn record_change(
        &self,
        entity: Entity,
        id: &str,
        dropped: &BTreeSet<String>,
    ) -> Result<(), StorageError> {
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
        Ok(())
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

    fn shared_changes(&self, since: i64, limit: usize) -> Result<Vec<SharedChange>, StorageError> {
        let heads: Vec<(i64, String, String, String)> = {
            let mut stmt = self.0.prepare_cached(
                "SELECT seq, entity, record_id, dropped FROM changes WHERE seq > ?1 ORDER BY seq LIMIT ?2",
            )?;
            let rows = stmt.query_map(params![since, limit as i64], |r| {
                Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?))
            })?;
            rows.collect::<Result<_, _>>()?
        };
        let mut out = Vec::with_capacity(heads.len());
        for (seq, entity_name, id, dropped) in heads {
            let entity = Entity::from_name(&entity_name).ok_or_else(|| {
                StorageError::Other(format!("unknown entity {entity_name} in the change feed"))
            })?;
            let stored = self.get(entity, &id)?;
            let deleted = stored.as_ref().is_none_or(|s| s.deleted);
            out.push(SharedChange {
                seq,
                entity,
                read_set: self.read_set(entity, &id)?,
                id,
                deleted,
                record: stored.filter(|_| !deleted).map(|s| s.record),
                dropped: unpad(&dropped),
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
        shape: SnapshotShape,
        each: &mut dyn FnMut(&str, &[u8]),
    ) -> Result<usize, StorageError> {
        let mut args: Vec<SqlValue> = Vec::new();
        let mut sql_text = match shape {
            SnapshotShape::Objects => sql(entity).snapshot.clone(),
            SnapshotShape::Rows => sql(entity).snapshot_rows.clone(),
        };
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
        bookkeeping::audit(self, entry)
    }

    fn audit_trail(
        &self,
        entity: Entity,
        id: &str,
        limit: usize,
    ) -> Result<Vec<Value>, StorageError> {
        bookkeeping::audit_trail(self, entity, id, limit)
    }

    fn last_audit(
        &self,
        entity: Entity,
        id: &str,
        action: &str,
    ) -> Result<Option<Value>, StorageError> {
        bookkeeping::last_audit(self, entity, id, action)
    }

    fn find_duplicates(
        &self,
        keys: &Hidden,
        except: Option<&str>,
    ) -> Result<Vec<Record>, StorageError> {
        bookkeeping::find_duplicates(self, keys, except)
    }

    fn shared_keys(
        &self,
        entity: Entity,
        column: &str,
        limit: usize,
    ) -> Result<Vec<(String, String)>, StorageError> {
        bookkeeping::shared_keys(self, entity, column, limit)
    }

    fn code_taken(&self, code: &str, except: Option<&str>) -> Result<bool, StorageError> {
        bookkeeping::code_taken(self, code, except)
    }

    fn username_taken(&self, username: &str, except: Option<&str>) -> Result<bool, StorageError> {
        bookkeeping::username_taken(self, username, except)
    }

    fn name_taken(
        &self,
        entity: Entity,
        name: &str,
        except: Option<&str>,
    ) -> Result<bool, StorageError> {
        bookkeeping::name_taken(self, entity, name, except)
    }

    fn lock_rule(&self, _key: &str) -> Result<(), StorageError> {
        // One writer connection, BEGIN IMMEDIATE: no other write runs meanwhile.
        Ok(())
    }

    fn aging(
        &self,
        today: &str,
        customer_id: Option<&str>,
        viewer: Option<&[String]>,
    ) -> Result<crate::store::Aging, StorageError> {
        let mut args: Vec<SqlValue> = vec![SqlValue::Text(today.into())];
        let mut condition = String::new();
        if let Some(customer) = customer_id {
            args.push(SqlValue::Text(customer.into()));
            condition = format!(" AND customer_id = ?{}", args.len());
        }
        condition.push_str(&visible_filter(Entity::Instalments, viewer, &mut args));
        let sql_text = format!(
            "SELECT {} FROM instalments WHERE deleted = 0 AND status != 'paid'{condition}",
            crate::store::aging_columns(AGING_DAYS, &|s| s)
        );
        let values = self
            .0
            .prepare_cached(&sql_text)?
            .query_row(params_from_iter(args), |r| {
                (0..6)
                    .map(|i| r.get::<_, i64>(i))
                    .collect::<Result<Vec<_>, _>>()
            })?;
        Ok(crate::store::aging_from(&values))
    }

    fn aging_by_customer(
        &self,
        today: &str,
        viewer: Option<&[String]>,
        limit: usize,
    ) -> Result<Vec<(String, crate::store::Aging)>, StorageError> {
        let mut args: Vec<SqlValue> = vec![SqlValue::Text(today.into())];
        let filter = visible_filter(Entity::Instalments, viewer, &mut args);
        args.push(SqlValue::Integer(i64::try_from(limit).unwrap_or(i64::MAX)));
        let sql_text = format!(
            "SELECT * FROM (SELECT customer_id, {} FROM instalments
             WHERE deleted = 0 AND status != 'paid'{filter} GROUP BY customer_id) t {} LIMIT ?{}",
            crate::store::aging_columns(AGING_DAYS, &|s| s),
            crate::store::AGING_ORDER,
            args.len()
        );
        let mut statement = self.0.prepare_cached(&sql_text)?;
        let rows = statement.query_map(params_from_iter(args), |r| {
            let customer: String = r.get(0)?;
            let values = (1..7)
                .map(|i| r.get::<_, i64>(i))
                .collect::<Result<Vec<_>, _>>()?;
            Ok((customer, crate::store::aging_from(&values)))
        })?;
        Ok(rows.collect::<Result<_, _>>()?)
    }

    fn campaign_sums(
        &self,
        campaign_id: &str,
    ) -> Result<crate::rules::marketing::CampaignSums, StorageError> {
        let sql_text = crate::store::campaign_sums_sql(&|t| format!("{t}deleted = 0"), "?1");
        let v = self
            .0
            .prepare_cached(&sql_text)?
            .query_row([campaign_id], |r| {
                (0..8)
                    .map(|i| r.get::<_, i64>(i))
                    .collect::<Result<Vec<_>, _>>()
            })?;
        Ok(crate::store::campaign_sums_from(&v))
    }

    fn analysis_rows(
        &self,
        sql: &str,
        after: &str,
        numbers: usize,
    ) -> Result<Vec<crate::store::analysis::AnalysisRow>, StorageError> {
        let texts = crate::store::analysis::LAST_CONTACT + 1;
        let mut statement = self.0.prepare_cached(sql)?;
        let rows = statement.query_map([after], |r| {
            Ok(crate::store::analysis::AnalysisRow {
                texts: (0..texts)
                    .map(|i| r.get::<_, Option<String>>(i))
                    .collect::<Result<_, _>>()?,
                numbers: (texts..texts + numbers)
                    .map(|i| r.get::<_, Option<i64>>(i).map(Option::unwrap_or_default))
                    .collect::<Result<_, _>>()?,
            })
        })?;
        Ok(rows.collect::<Result<_, _>>()?)
    }

    fn analysis_dialect(&self) -> crate::store::analysis::Dialect {
        crate::store::analysis::Dialect {
            live: |t| format!("{t}deleted = 0"),
            // A number stored as text, or any other value, counts as nothing.
            custom_number: |key| {
                format!(
                    "(CASE WHEN json_type(c.custom, '$.{key}') IN ('integer', 'real') \
                     THEN json_extract(c.custom, '$.{key}') ELSE 0 END)"
                )
            },
            after: "?1",
        }
    }

    fn next_counter(&self, name: &str) -> Result<i64, StorageError> {
        bookkeeping::next_counter(self, name)
    }

    fn sla(&self, priority: &str) -> Result<(i64, i64), StorageError> {
        bookkeeping::sla(self, priority)
    }

    fn team_of(&self, user_id: &str) -> Result<Option<String>, StorageError> {
        bookkeeping::team_of(self, user_id)
    }

    fn credentials(&self, username: &str) -> Result<Option<Credentials>, StorageError> {
        bookkeeping::credentials(self, username)
    }

    fn set_password_hash(&self, user_id: &str, hash: &str) -> Result<(), StorageError> {
        bookkeeping::set_password_hash(self, user_id, hash)
    }

    fn create_session(
        &self,
        token_hash: &str,
        user_id: &str,
        expires_at: &str,
    ) -> Result<(), StorageError> {
        bookkeeping::create_session(self, token_hash, user_id, expires_at)
    }

    fn session_actor(&self, token_hash: &str, now: &str) -> Result<Option<Actor>, StorageError> {
        bookkeeping::session_actor(self, token_hash, now)
    }

    fn file_digests(&self, deleted_since: &str) -> Result<BTreeSet<String>, StorageError> {
        let mut statement = self.0.prepare_cached(
            "SELECT DISTINCT sha256 FROM files WHERE deleted = 0 OR updated_at >= ?1",
        )?;
        let rows = statement.query_map(params![deleted_since], |r| r.get::<_, String>(0))?;
        Ok(rows.collect::<Result<_, _>>()?)
    }

    fn delete_session(&self, token_hash: &str) -> Result<(), StorageError> {
        bookkeeping::delete_session(self, token_hash)
    }

    fn delete_sessions_of(&self, user_id: &str) -> Result<(), StorageError> {
        bookkeeping::delete_sessions_of(self, user_id)
    }

    fn idempotent_answer(
        &self,
        user_id: &str,
        key: &str,
    ) -> Result<Option<IdempotentAnswer>, StorageError> {
        bookkeeping::idempotent_answer(self, user_id, key)
    }

    fn remember_answer(
        &self,
        user_id: &str,
        key: &str,
        answer: &IdempotentAnswer,
    ) -> Result<(), StorageError> {
        bookkeeping::remember_answer(self, user_id, key, answer)
    }
}
