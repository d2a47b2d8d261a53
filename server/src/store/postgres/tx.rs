//! One transaction of the PostgreSQL backend: `PgTx`, the record-level primitives of `Tx` in
//! PostgreSQL's SQL, as `sqlite/tx.rs` holds them for SQLite: rows, read sets, the change feed
//! (kept aside and written at the end under the feed lock); audit, checks, sessions and
//! idempotent answers call into `tx/bookkeeping.rs`.

use std::cell::{Cell, RefCell};
use std::collections::{BTreeSet, HashMap};
use std::sync::LazyLock;

use serde_json::{Map, Value};
use tokio_postgres::Row;
use tokio_postgres::types::ToSql;

use super::{FEED_LOCK, wait};
use crate::access::Actor;
use crate::schema::{Entity, Kind, SYSTEM_FIELDS};
use crate::store::{
    AuditEntry, Change, Credentials, Hidden, IdempotentAnswer, ListQuery, Record, SORT_KEY,
    SharedChange, SnapshotShape, StorageError, Stored, Tx, hidden_columns,
};
use crate::validate::format_time;

mod bookkeeping;
mod feed;
mod reports;
mod rows;

use rows::*;

/// A feed entry kept for the end of the transaction: the record, the principals that lost
/// sight of it, and its read set when the change was made.
struct Pending {
    entity: Entity,
    id: String,
    dropped: BTreeSet<String>,
    current: BTreeSet<String>,
}

/// One transaction on one pooled connection.
pub struct PgTx<'c> {
    client: &'c deadpool_postgres::ClientWrapper,
    writable: bool,
    /// Feed entries not yet written (see the module's doc); a failed savepoint drops its own.
    pending: RefCell<Vec<Pending>>,
    /// This transaction holds the feed lock: entries are written at once.
    feed_locked: Cell<bool>,
    /// Savepoints open, so nested ones get names of their own.
    depth: Cell<usize>,
    /// Feed entries were written: other servers are told when this commits.
    fed: Cell<bool>,
}

impl<'c> PgTx<'c> {
    /// The records derived from this one, live or deleted.
    fn dependents_where(
        &self,
        entity: Entity,
        id: &str,
        deleted: bool,
    ) -> Result<Vec<(Entity, String)>, StorageError> {
        let mut out = Vec::new();
        for (child, column) in entity.dependents() {
            let text = format!(
                "SELECT id FROM {} WHERE {column} = $1 AND deleted = $2",
                child.name()
            );
            for row in self.query(&text, &[&id, &deleted])? {
                out.push((child, row.try_get(0)?));
            }
        }
        Ok(out)
    }

    pub(super) fn new(client: &'c deadpool_postgres::ClientWrapper, writable: bool) -> Self {
        PgTx {
            client,
            writable,
            pending: RefCell::new(Vec::new()),
            feed_locked: Cell::new(false),
            depth: Cell::new(0),
            fed: Cell::new(false),
        }
    }

    /// Whether this transaction wrote to the change feed.
    pub(super) fn fed(&self) -> bool {
        self.fed.get()
    }

    pub(super) fn batch(&self, sql_text: &str) -> Result<(), StorageError> {
        Ok(wait(self.client.batch_execute(sql_text))?)
    }

    fn query(
        &self,
        sql_text: &str,
        params: &[&(dyn ToSql + Sync)],
    ) -> Result<Vec<Row>, StorageError> {
        Ok(wait(async {
            let statement = self.client.prepare_cached(sql_text).await?;
            self.client.query(&statement, params).await
        })?)
    }

    fn query_opt(
        &self,
        sql_text: &str,
        params: &[&(dyn ToSql + Sync)],
    ) -> Result<Option<Row>, StorageError> {
        Ok(wait(async {
            let statement = self.client.prepare_cached(sql_text).await?;
            self.client.query_opt(&statement, params).await
        })?)
    }

    fn execute(&self, sql_text: &str, params: &[&(dyn ToSql + Sync)]) -> Result<u64, StorageError> {
        Ok(wait(async {
            let statement = self.client.prepare_cached(sql_text).await?;
            self.client.execute(&statement, params).await
        })?)
    }

    /// `query` with owned parameters (built while the SQL text is).
    fn query_boxed(&self, sql_text: &str, params: &[Param]) -> Result<Vec<Row>, StorageError> {
        let refs: Vec<&(dyn ToSql + Sync)> = params
            .iter()
            .map(|p| p.as_ref() as &(dyn ToSql + Sync))
            .collect();
        self.query(sql_text, &refs)
    }

    /// Waits for, and holds until the transaction ends, a lock on one key of a rule that must
    /// not race (a duplicate-check key, an idempotency key): a second transaction asking the
    /// same question waits for the first to commit and then sees its answer, as a unique key
    /// would make it. Read transactions change nothing, so they take none.
    fn lock_key(&self, key: &str) -> Result<(), StorageError> {
        if self.writable {
            self.query(
                "SELECT pg_advisory_xact_lock(hashtextextended($1, 0))",
                &[&key],
            )?;
        }
        Ok(())
    }

    /// Notifies `channel` with `payload` when this transaction commits (not at all if it rolls
    /// back).
    pub(super) fn notify(&self, channel: &str, payload: &str) -> Result<(), StorageError> {
        self.query("SELECT pg_notify($1, $2)", &[&channel, &payload])?;
        Ok(())
    }
}

/// The condition that keeps the rows of `entity` a viewer holding these principals may read
/// (nothing for an admin); pushes its parameters.
/// Days an instalment is overdue on the date in parameter 1.
const AGING_DAYS: &str = "($1::text::date - due_date::date)";

fn visible_filter(entity: Entity, viewer: Option<&[String]>, args: &mut Vec<Param>) -> String {
    let Some(principals) = viewer else {
        return String::new();
    };
    args.push(Box::new(entity.name()));
    args.push(Box::new(principals.to_vec()));
    format!(
        " AND id IN (SELECT record_id FROM acl WHERE entity = ${} AND principal = ANY(${}))",
        args.len() - 1,
        args.len()
    )
}

impl PgTx<'_> {
    /// The stored rows of these records, one query per entity among them instead of one per
    /// record (a feed page of 1,000 was 1,001 round trips).
    fn get_many(
        &self,
        wanted: &[(Entity, &str)],
    ) -> Result<HashMap<(Entity, String), Stored>, StorageError> {
        let mut by_entity: Vec<(Entity, Vec<String>)> = Vec::new();
        for &(entity, id) in wanted {
            match by_entity.iter_mut().find(|(e, _)| *e == entity) {
                Some((_, ids)) => ids.push(id.to_string()),
                None => by_entity.push((entity, vec![id.to_string()])),
            }
        }
        let mut found = HashMap::with_capacity(wanted.len());
        for (entity, ids) in by_entity {
            let text = format!("{} WHERE id = ANY($1)", sql(entity).select);
            for row in self.query(&text, &[&ids])? {
                let stored = read_row(entity, &row)?;
                let id = stored
                    .record
                    .get("id")
                    .and_then(Value::as_str)
                    .unwrap_or_default()
                    .to_string();
                found.insert((entity, id), stored);
            }
        }
        Ok(found)
    }
}

/// The entity a feed row names.
fn feed_entity(name: &str) -> Result<Entity, StorageError> {
    Entity::from_name(name)
        .ok_or_else(|| StorageError::Other(format!("unknown entity {name} in the change feed")))
}

impl Tx for PgTx<'_> {
    fn get(&self, entity: Entity, id: &str) -> Result<Option<Stored>, StorageError> {
        self.query_opt(&sql(entity).select_one, &[&id])?
            .map(|row| read_row(entity, &row))
            .transpose()
    }

    fn insert(&self, entity: Entity, record: &Record, hidden: &Hidden) -> Result<(), StorageError> {
        let params = row_params(entity, record, hidden, false)?;
        self.query_boxed(&sql(entity).insert, &params)?;
        Ok(())
    }

    fn update(
        &self,
        entity: Entity,
        record: &Record,
        hidden: &Hidden,
        deleted: bool,
    ) -> Result<(), StorageError> {
        let params = row_params(entity, record, hidden, deleted)?;
        self.query_boxed(&sql(entity).update, &params)?;
        Ok(())
    }

    fn list(
        &self,
        entity: Entity,
        query: &ListQuery,
        viewer: Option<&[String]>,
    ) -> Result<Vec<Record>, StorageError> {
        let mut text = format!("{} WHERE NOT deleted", sql(entity).select);
        let mut args: Vec<Param> = Vec::new();
        for (field, value) in &query.filters {
            if value.is_null() {
                text.push_str(&format!(" AND {field} IS NULL"));
            } else {
                args.push(param(column_named(entity, field), Some(value))?);
                text.push_str(&format!(" AND {field} = ${}", args.len()));
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
            args.push(Box::new(pattern));
            let n = args.len();
            // ILIKE: SQLite's LIKE ignores case too.
            let ors: Vec<String> = entity
                .descriptor()
                .search
                .iter()
                .map(|c| format!("{c}::text ILIKE ${n} ESCAPE '\\'"))
                .collect();
            text.push_str(&format!(" AND ({})", ors.join(" OR ")));
        }
        let mut bad = None;
        text.push_str(&crate::query::sql::render(
            &query.conditions,
            crate::query::sql::Dialect::Postgres,
            "",
            crate::query::sql::search_columns(entity),
            &mut |value, kind| {
                match param(column_of(kind), Some(&value)) {
                    Ok(p) => args.push(p),
                    Err(e) => {
                        bad = Some(e);
                        args.push(Box::new(None::<String>));
                    }
                }
                format!("${}", args.len())
            },
        ));
        if let Some(e) = bad {
            return Err(e);
        }
        // Names in pinyin order, through the key's index, as SQLite's `sort_column` does.
        let keyed = query.sort == "name" && hidden_columns(entity).contains(&SORT_KEY);
        let sort = if keyed { SORT_KEY } else { query.sort };
        // SQLite puts NULLs first in ascending order; so does this.
        let (cmp, order) = if query.descending {
            ("<", "DESC NULLS LAST")
        } else {
            (">", "ASC NULLS FIRST")
        };
        if let Some((value, id)) = &query.after {
            args.push(match value.as_str() {
                Some(name) if keyed => Box::new(crate::pinyin::sort_key(name)),
                _ => param(column_named(entity, sort), Some(value))?,
            });
            args.push(Box::new(id.clone()));
            text.push_str(&format!(
                " AND ({sort}, id) {cmp} (${}, ${})",
                args.len() - 1,
                args.len()
            ));
        }
        text.push_str(&visible_filter(entity, viewer, &mut args));
        args.push(Box::new(query.limit as i64));
        let id_order = if query.descending { "DESC" } else { "ASC" };
        text.push_str(&format!(
            " ORDER BY {sort} {order}, id {id_order} LIMIT ${}",
            args.len()
        ));
        self.query_boxed(&text, &args)?
            .iter()
            .map(|row| read_row(entity, row).map(|s| s.record))
            .collect()
    }

    fn read_set(&self, entity: Entity, id: &str) -> Result<BTreeSet<String>, StorageError> {
        self.query(
            "SELECT principal FROM acl WHERE entity = $1 AND record_id = $2",
            &[&entity.name(), &id],
        )?
        .iter()
        .map(|r| Ok(r.try_get::<_, String>(0)?))
        .collect()
    }

    fn set_read_set(
        &self,
        entity: Entity,
        id: &str,
        set: &BTreeSet<String>,
    ) -> Result<(), StorageError> {
        self.execute(
            "DELETE FROM acl WHERE entity = $1 AND record_id = $2",
            &[&entity.name(), &id],
        )?;
        if !set.is_empty() {
            let principals: Vec<&str> = set.iter().map(String::as_str).collect();
            self.execute(
                "INSERT INTO acl (principal, entity, record_id) SELECT p, $2, $3 FROM unnest($1::text[]) p",
                &[&principals, &entity.name(), &id],
            )?;
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
        let mut args: Vec<Param> = Vec::new();
        let filter = visible_filter(entity, viewer, &mut args);
        let text = format!(
            "SELECT count(*) FROM {} WHERE NOT deleted{filter}",
            entity.name()
        );
        let rows = self.query_boxed(&text, &args)?;
        let count: i64 = rows
            .first()
            .ok_or_else(|| StorageError::Other("count(*) returned no row".into()))?
            .try_get(0)?;
        Ok(u64::try_from(count).unwrap_or(0))
    }

    /// A bulk load takes the feed lock first and writes each entry at once: nothing of a large
    /// load is kept aside in memory until the end.
    fn insert_new(
        &self,
        records: &mut dyn Iterator<Item = Result<crate::store::NewRecord, StorageError>>,
    ) -> Result<usize, StorageError> {
        self.lock_feed()?;
        let mut count = 0;
        for r in records {
            let r = r?;
            let id = crate::store::new_id(&r)?;
            self.insert(r.entity, &r.record, &r.hidden)?;
            self.set_read_set(r.entity, id, &r.read_set)?;
            self.execute(
                "INSERT INTO changes (seq, entity, record_id, dropped) VALUES (nextval('changes_seq'), $1, $2, '')",
                &[&r.entity.name(), &id],
            )?;
            self.fed.set(true);
            count += 1;
        }
        Ok(count)
    }

    fn nested(
        &self,
        f: &mut dyn FnMut(&dyn Tx) -> Result<(), StorageError>,
    ) -> Result<Result<(), StorageError>, StorageError> {
        let depth = self.depth.get();
        let name = format!("nested_{depth}");
        let kept = self.pending.borrow().len();
        let locked = self.feed_locked.get();
        self.batch(&format!("SAVEPOINT {name}"))?;
        self.depth.set(depth + 1);
        let result = f(self);
        self.depth.set(depth);
        if result.is_err() {
            // Undone with its writes: its feed entries, and the feed lock if it took it (a
            // lock taken in a savepoint is released when the savepoint is rolled back).
            self.batch(&format!("ROLLBACK TO SAVEPOINT {name}"))?;
            self.pending.borrow_mut().truncate(kept);
            self.feed_locked.set(locked);
        }
        self.batch(&format!("RELEASE SAVEPOINT {name}"))?;
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

    fn file_digests(&self, deleted_since: &str) -> Result<BTreeSet<String>, StorageError> {
        Ok(self
            .query(
                "SELECT DISTINCT sha256 FROM files WHERE NOT deleted OR updated_at >= $1",
                &[&deleted_since],
            )?
            .iter()
            .map(|r| r.get::<_, String>(0))
            .collect())
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

    fn lock_rule(&self, key: &str) -> Result<(), StorageError> {
        self.lock_key(key)
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
            live: |t| format!("NOT {t}deleted"),
            custom_number: |key| {
                format!(
                    "(CASE WHEN jsonb_typeof(c.custom::jsonb -> '{key}') = 'number' \
                     THEN floor((c.custom::jsonb ->> '{key}')::numeric) ELSE 0 END)"
                )
            },
            after: "$1",
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

    fn session_actors(
        &self,
        token_hashes: &[String],
        now: &str,
    ) -> Result<Vec<Option<Actor>>, StorageError> {
        bookkeeping::session_actors(self, token_hashes, now)
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

    fn lock_named(&self, name: &str) -> Result<(), StorageError> {
        self.lock_key(&format!("named:{name}"))
    }

    fn sign_in_count(&self, key: &str) -> Result<Option<(u32, i64)>, StorageError> {
        bookkeeping::sign_in_count(self, key)
    }

    fn set_sign_in_count(
        &self,
        key: &str,
        count: Option<(u32, i64)>,
        forget_before: i64,
        keep: usize,
    ) -> Result<(), StorageError> {
        bookkeeping::set_sign_in_count(self, key, count, forget_before, keep)
    }
}

/// A record's wire JSON, its fields in the order SQLite's `json_object` writes them (the
/// system fields, then the descriptor's).
fn wire_json(
    entity: Entity,
    record: &Record,
    shape: SnapshotShape,
    out: &mut Vec<u8>,
) -> Result<(), StorageError> {
    let rows = shape == SnapshotShape::Rows;
    out.push(if rows { b'[' } else { b'{' });
    for (i, name) in crate::wire::snapshot_fields(entity).enumerate() {
        if i > 0 {
            out.push(b',');
        }
        if !rows {
            serde_json::to_writer(&mut *out, name)?;
            out.push(b':');
        }
        serde_json::to_writer(&mut *out, record.get(name).unwrap_or(&Value::Null))?;
    }
    out.push(if rows { b']' } else { b'}' });
    Ok(())
}
