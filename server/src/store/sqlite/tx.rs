//! One transaction of the SQLite backend: `SqliteTx`, the record-level primitives of `Tx` in
//! SQL (rows, read sets, the change feed; audit, checks, sessions and idempotent answers call
//! into `tx/bookkeeping.rs`), and the bulk insert a seed or a first load uses.

use super::*;
use crate::store::{SORT_KEY, SharedChange, SnapshotShape, hidden_columns};

mod bookkeeping;
mod bulk;
mod feed;
mod reports;

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
        feed::record_change(self, entity, id, dropped)
    }

    fn changes(
        &self,
        since: i64,
        limit: usize,
        viewer: Option<&[String]>,
    ) -> Result<Vec<Change>, StorageError> {
        feed::changes(self, since, limit, viewer)
    }

    fn shared_changes(&self, since: i64, limit: usize) -> Result<Vec<SharedChange>, StorageError> {
        feed::shared_changes(self, since, limit)
    }

    fn latest_seq(&self) -> Result<i64, StorageError> {
        feed::latest_seq(self)
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
        feed::snapshot(self, entity, after, limit, viewer, shape, each)
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
        reports::aging(self, today, customer_id, viewer)
    }

    fn aging_by_customer(
        &self,
        today: &str,
        viewer: Option<&[String]>,
        limit: usize,
    ) -> Result<Vec<(String, crate::store::Aging)>, StorageError> {
        reports::aging_by_customer(self, today, viewer, limit)
    }

    fn campaign_sums(
        &self,
        campaign_id: &str,
    ) -> Result<crate::rules::marketing::CampaignSums, StorageError> {
        reports::campaign_sums(self, campaign_id)
    }

    fn analysis_rows(
        &self,
        sql: &str,
        after: &str,
        numbers: usize,
    ) -> Result<Vec<crate::store::analysis::AnalysisRow>, StorageError> {
        reports::analysis_rows(self, sql, after, numbers)
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
