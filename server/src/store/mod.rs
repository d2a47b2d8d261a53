//! The storage boundary. The domain rules (server/src/service.rs) are written against [`Tx`], a
//! narrow set of record-level primitives, and [`Database`] hands out read and write transactions.
//! SQLite implements both (the embedded default, `sqlite.rs`); PostgreSQL implements the same
//! traits (`postgres.rs`) without touching the routes or the rules.

pub mod analysis;
pub mod columns;
mod error;
pub mod postgres;
pub mod sqlite;

use std::collections::BTreeSet;
use std::path::Path;

use serde_json::{Map, Value};

use crate::access::Actor;
pub use crate::rules::payments::Aging;
use crate::schema::Entity;

pub use error::StorageError;

pub type Record = Map<String, Value>;

/// A stored record with what the store keeps beside it.
#[derive(Debug, Clone)]
pub struct Stored {
    pub record: Record,
    pub deleted: bool,
}

/// Columns that are not part of the wire record: password hashes, duplicate-check keys.
pub type Hidden = Vec<(&'static str, Option<String>)>;

/// Columns beside an entity's fields that the store fills but never sends.
pub fn hidden_columns(entity: Entity) -> &'static [&'static str] {
    match entity {
        Entity::Customers => &["name_key", "phone_key", "email_key", SORT_KEY],
        // A contact's duplicate keys (`dedupe::Keys::of_contact`), for the contacts' queue.
        Entity::Contacts => &["name_key", "phone_key", "email_key"],
        _ => &[],
    }
}

/// The hidden column a list sorted by `name` is ordered by, where an entity has one: the name's
/// pinyin sort key (`crate::pinyin::sort_key`), stored by the service and the seeder.
pub(crate) const SORT_KEY: &str = "sort_name";

/// How long a write's Idempotency-Key is remembered: long enough for any client's retries.
pub(crate) const IDEMPOTENCY_HOURS: i64 = 24;

/// Keys are forgotten in passing, once every this many remembered answers.
pub(crate) const IDEMPOTENCY_PRUNE_EVERY: u64 = 256;

/// A list request after parsing: equality filters, a text search, one sort key, a cursor.
#[derive(Debug, Clone, Default)]
pub struct ListQuery {
    pub filters: Vec<(&'static str, Value)>,
    pub search: Option<String>,
    /// The conditions of a query in the query language (`?q=`, `crate::query`).
    pub conditions: Vec<crate::query::Condition>,
    pub sort: &'static str,
    pub descending: bool,
    /// Continue after this (sort value, id).
    pub after: Option<(Value, String)>,
    pub limit: usize,
}

/// One row of the change feed as stored, before it is shaped for a user.
#[derive(Debug, Clone)]
pub struct Change {
    pub seq: i64,
    pub entity: Entity,
    pub id: String,
    /// The viewer may read the record now.
    pub visible: bool,
    /// The record is a tombstone.
    pub deleted: bool,
    /// The record is live when visible; None otherwise.
    pub record: Option<Record>,
}

/// One row of the change feed with what decides who receives it, for every viewer at once: the
/// feed's shared buffer (`service::recent`) filters it per user in memory as
/// [`Tx::changes`] filters in SQL.
#[derive(Debug, Clone)]
pub struct SharedChange {
    pub seq: i64,
    pub entity: Entity,
    pub id: String,
    /// The record is a tombstone (or gone).
    pub deleted: bool,
    /// The record when live; None when deleted.
    pub record: Option<Record>,
    /// Its read set now (the `acl` rows).
    pub read_set: BTreeSet<String>,
    /// The principals that lost sight of it.
    pub dropped: BTreeSet<String>,
}

#[derive(Debug, Clone)]
pub struct AuditEntry {
    pub actor_id: Option<String>,
    pub action: &'static str,
    pub entity: Option<Entity>,
    pub record_id: Option<String>,
    pub changes: Option<Value>,
}

/// A record for [`Tx::insert_new`]: the full row, its hidden columns and its read set.
#[derive(Debug, Clone)]
pub struct NewRecord {
    pub entity: Entity,
    pub record: Record,
    pub hidden: Hidden,
    pub read_set: BTreeSet<String>,
}

/// A user as the sign-in check needs it.
#[derive(Debug, Clone)]
pub struct Credentials {
    pub actor: Actor,
    pub password_hash: Option<String>,
    pub active: bool,
}

/// The first answer to a write sent with an Idempotency-Key, and which request it answered (a
/// digest), so the key cannot be replayed for another request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IdempotentAnswer {
    pub request: String,
    pub status: u16,
    pub body: String,
}

pub use crate::wire::SnapshotShape;

/// Record-level primitives inside one transaction.
pub trait Tx {
    fn get(&self, entity: Entity, id: &str) -> Result<Option<Stored>, StorageError>;
    fn insert(&self, entity: Entity, record: &Record, hidden: &Hidden) -> Result<(), StorageError>;
    /// Writes every column of an existing row.
    fn update(
        &self,
        entity: Entity,
        record: &Record,
        hidden: &Hidden,
        deleted: bool,
    ) -> Result<(), StorageError>;
    fn list(
        &self,
        entity: Entity,
        query: &ListQuery,
        viewer: Option<&[String]>,
    ) -> Result<Vec<Record>, StorageError>;

    /// The read set of a record (empty when unknown or deleted).
    fn read_set(&self, entity: Entity, id: &str) -> Result<BTreeSet<String>, StorageError>;
    fn set_read_set(
        &self,
        entity: Entity,
        id: &str,
        set: &BTreeSet<String>,
    ) -> Result<(), StorageError>;
    /// Records whose read set is derived from this one's.
    fn dependents(&self, entity: Entity, id: &str) -> Result<Vec<(Entity, String)>, StorageError>;
    /// The deleted records derived from this one (what a restore may bring back with it).
    fn deleted_dependents(
        &self,
        entity: Entity,
        id: &str,
    ) -> Result<Vec<(Entity, String)>, StorageError>;

    /// Moves the record to the head of the change feed; `dropped` lists principals that lost
    /// sight of it. The position is the backend's to choose, by the time the transaction
    /// commits: one a reader can never have passed (PostgreSQL assigns it at commit).
    fn record_change(
        &self,
        entity: Entity,
        id: &str,
        dropped: &BTreeSet<String>,
    ) -> Result<(), StorageError>;
    /// Changes after `since`, in order, that concern a viewer holding these principals (None: an
    /// admin, who sees everything).
    fn changes(
        &self,
        since: i64,
        limit: usize,
        viewer: Option<&[String]>,
    ) -> Result<Vec<Change>, StorageError>;
    /// Every change after `since`, in order, at most `limit`, each with its read set and dropped
    /// principals, so one read serves every viewer (`Tx::changes` for each viewer is the same
    /// filter applied in SQL).
    fn shared_changes(&self, since: i64, limit: usize) -> Result<Vec<SharedChange>, StorageError>;
    fn latest_seq(&self) -> Result<i64, StorageError>;
    /// Live records of `entity` a viewer holding these principals may read (None: an admin), in
    /// id order after `after`, at most `limit`, each handed to `each` as its id and its wire JSON
    /// text (UTF-8); returns how many. A first sync's snapshot, read straight from the entity table
    /// rather than a change and a record at a time, and lent rather than returned so a page of
    /// thousands of records is copied once, into the response, and never held twice.
    /// `shape` says whether each record's text is its object or the array of its values in
    /// `wire::snapshot_fields` order.
    fn snapshot(
        &self,
        entity: Entity,
        after: Option<&str>,
        limit: usize,
        viewer: Option<&[String]>,
        shape: SnapshotShape,
        each: &mut dyn FnMut(&str, &[u8]),
    ) -> Result<usize, StorageError>;
    /// How many live records of `entity` the viewer may read.
    fn visible_count(&self, entity: Entity, viewer: Option<&[String]>)
    -> Result<u64, StorageError>;

    /// Bulk load (demo seeding): stores records whose ids are new, each with its read set, at
    /// the head of the change feed in the order given; returns how many. The same as `insert`,
    /// `set_read_set` and `record_change` (nothing dropped) per record, but the records are
    /// streamed, so a large load need not be held in memory, and a backend may skip the look-ups
    /// a record with an earlier state needs. Stops at the first error, the source's included,
    /// leaving part of the load written: the caller rolls the transaction back.
    fn insert_new(
        &self,
        records: &mut dyn Iterator<Item = Result<NewRecord, StorageError>>,
    ) -> Result<usize, StorageError> {
        let mut count = 0;
        for r in records {
            let r = r?;
            let id = new_id(&r)?;
            self.insert(r.entity, &r.record, &r.hidden)?;
            self.set_read_set(r.entity, id, &r.read_set)?;
            self.record_change(r.entity, id, &BTreeSet::new())?;
            count += 1;
        }
        Ok(count)
    }

    /// Runs `f` in a nested transaction (a savepoint) and returns its result: when it fails its
    /// writes are undone and the enclosing transaction's are kept. Lets one transaction carry
    /// several independent writes (group commit) that each succeed or fail on their own. The
    /// outer Err means the savepoint itself failed, and the enclosing transaction must not commit.
    fn nested(
        &self,
        f: &mut dyn FnMut(&dyn Tx) -> Result<(), StorageError>,
    ) -> Result<Result<(), StorageError>, StorageError>;

    fn audit(&self, entry: &AuditEntry) -> Result<(), StorageError>;
    /// The changes noted by a record's latest audit entry of this action (`None` when it has
    /// none, or one without changes).
    fn last_audit(
        &self,
        entity: Entity,
        id: &str,
        action: &str,
    ) -> Result<Option<Value>, StorageError>;
    fn audit_trail(
        &self,
        entity: Entity,
        id: &str,
        limit: usize,
    ) -> Result<Vec<Value>, StorageError>;

    /// Live customers whose normalized name, phone or email equals one given.
    fn find_duplicates(
        &self,
        keys: &Hidden,
        except: Option<&str>,
    ) -> Result<Vec<Record>, StorageError>;
    /// The customers (or contacts) sharing a value of one hidden key column (`name_key`,
    /// `phone_key`, `email_key`, customers' `sort_name`) with another live one: `(key, id)` rows
    /// ordered by key then id, at most `limit`. The duplicate review queues pair them up.
    fn shared_keys(
        &self,
        entity: Entity,
        column: &str,
        limit: usize,
    ) -> Result<Vec<(String, String)>, StorageError>;
    fn code_taken(&self, code: &str, except: Option<&str>) -> Result<bool, StorageError>;
    fn username_taken(&self, username: &str, except: Option<&str>) -> Result<bool, StorageError>;
    fn name_taken(
        &self,
        entity: Entity,
        name: &str,
        except: Option<&str>,
    ) -> Result<bool, StorageError>;
    /// Holds, until the transaction ends, a lock on one key of a rule that must not race (a
    /// product's stock in a warehouse: two orders confirmed at once across servers). SQLite's
    /// one writer already runs writes one after another.
    fn lock_rule(&self, key: &str) -> Result<(), StorageError>;

    /// The digests the `files` rows name that may still be read: live rows' and those of rows
    /// deleted at or after `deleted_since` (an undo may bring them back). The bytes of any
    /// other digest are no row's any more (`api/files.rs` sweeps them).
    fn file_digests(&self, deleted_since: &str) -> Result<BTreeSet<String>, StorageError>;
    /// What is still owed on the instalments a viewer may read (None: an admin), on `today`
    /// (`YYYY-MM-DD`), in aging buckets: one customer's, or everyone's. Summed in SQL.
    fn aging(
        &self,
        today: &str,
        customer_id: Option<&str>,
        viewer: Option<&[String]>,
    ) -> Result<Aging, StorageError>;
    /// The same per customer, the most overdue first, at most `limit` customers.
    fn aging_by_customer(
        &self,
        today: &str,
        viewer: Option<&[String]>,
        limit: usize,
    ) -> Result<Vec<(String, Aging)>, StorageError>;
    /// A campaign's members, responses, leads, opportunities and won amount (`rules::marketing`),
    /// counted in SQL over the campaign's indexes.
    fn campaign_sums(
        &self,
        campaign_id: &str,
    ) -> Result<crate::rules::marketing::CampaignSums, StorageError>;
    /// A batch of the customer analysis' measures: `analysis::measures_sql`'s statement for
    /// this backend (built by the caller through [`Tx::analysis_dialect`]) run with the id the
    /// batch starts after.
    fn analysis_rows(
        &self,
        sql: &str,
        after: &str,
        numbers: usize,
    ) -> Result<Vec<analysis::AnalysisRow>, StorageError>;
    /// How this backend spells what the analysis statement needs.
    fn analysis_dialect(&self) -> analysis::Dialect;
    /// The next value of a named counter (customer codes, ticket numbers).
    fn next_counter(&self, name: &str) -> Result<i64, StorageError>;
    /// Minutes to first response and to resolution for a ticket priority.
    fn sla(&self, priority: &str) -> Result<(i64, i64), StorageError>;

    fn team_of(&self, user_id: &str) -> Result<Option<String>, StorageError>;
    fn credentials(&self, username: &str) -> Result<Option<Credentials>, StorageError>;
    fn set_password_hash(&self, user_id: &str, hash: &str) -> Result<(), StorageError>;
    fn create_session(
        &self,
        token_hash: &str,
        user_id: &str,
        expires_at: &str,
    ) -> Result<(), StorageError>;
    /// The active user a live session belongs to.
    fn session_actor(&self, token_hash: &str, now: &str) -> Result<Option<Actor>, StorageError>;
    /// [`Tx::session_actor`] of each of these tokens, in their order, in one look-up where the
    /// backend can (many requests arriving together are checked at once).
    fn session_actors(
        &self,
        token_hashes: &[String],
        now: &str,
    ) -> Result<Vec<Option<Actor>>, StorageError> {
        token_hashes
            .iter()
            .map(|hash| self.session_actor(hash, now))
            .collect()
    }
    fn delete_session(&self, token_hash: &str) -> Result<(), StorageError>;
    fn delete_sessions_of(&self, user_id: &str) -> Result<(), StorageError>;

    fn idempotent_answer(
        &self,
        user_id: &str,
        key: &str,
    ) -> Result<Option<IdempotentAnswer>, StorageError>;
    fn remember_answer(
        &self,
        user_id: &str,
        key: &str,
        answer: &IdempotentAnswer,
    ) -> Result<(), StorageError>;

    /// Holds a lock named `name` until the transaction ends, so a rule that looks before it
    /// writes (make the default stages when there are none) runs once when several servers
    /// run it at once. SQLite's write transactions are exclusive already: nothing to do.
    fn lock_named(&self, name: &str) -> Result<(), StorageError> {
        let _ = name;
        Ok(())
    }

    /// The sign-in tries counted under `key` (a digest) as (tries, since: ms since the epoch),
    /// the key locked until the transaction ends. Only a backend that several servers share
    /// keeps them ([`Database::shares_sign_in_counts`]); SQLite's server counts in memory.
    fn sign_in_count(&self, key: &str) -> Result<Option<(u32, i64)>, StorageError> {
        let _ = key;
        Err(StorageError::Other(
            "this database keeps no sign-in counts".into(),
        ))
    }
    /// Stores a key's count (None forgets it). Now and then forgets the counts begun before
    /// `forget_before` and, beyond the `keep` newest, the oldest: bounded storage.
    fn set_sign_in_count(
        &self,
        key: &str,
        count: Option<(u32, i64)>,
        forget_before: i64,
        keep: usize,
    ) -> Result<(), StorageError> {
        let _ = (key, count, forget_before, keep);
        Err(StorageError::Other(
            "this database keeps no sign-in counts".into(),
        ))
    }
}

/// The campaign results' statement, one row of `CampaignSums` in field order, for a backend
/// whose live rows are `live(table)` (`deleted = 0`, `NOT deleted`) and whose one parameter is
/// `param`.
/// Each count is a range of one of the campaign's indexes; written once so both backends agree.
pub(crate) fn campaign_sums_sql(live: &dyn Fn(&str) -> String, param: &str) -> String {
    let m = format!(
        "FROM campaign_members WHERE {} AND campaign_id = {param}",
        live("")
    );
    let l = format!("FROM leads WHERE {} AND campaign_id = {param}", live(""));
    let o = format!(
        "FROM opportunities o JOIN stages s ON s.id = o.stage_id \
         WHERE {} AND o.campaign_id = {param} AND s.kind = 'won'",
        live("o.")
    );
    format!(
        "SELECT \
         (SELECT count(*) {m}), \
         (SELECT count(*) {m} AND response IN ('responded', 'attended', 'converted')), \
         (SELECT count(*) {m} AND response IN ('attended', 'converted')), \
         (SELECT count(*) {l}), \
         (SELECT count(*) {l} AND status = 'converted'), \
         (SELECT count(*) FROM opportunities WHERE {} AND campaign_id = {param}), \
         (SELECT count(*) {o}), \
         CAST((SELECT coalesce(sum(o.amount), 0) {o}) AS BIGINT)",
        live("")
    )
}

/// `CampaignSums` from the values of `campaign_sums_sql`'s row.
pub(crate) fn campaign_sums_from(v: &[i64]) -> crate::rules::marketing::CampaignSums {
    let at = |i: usize| v.get(i).copied().unwrap_or(0);
    crate::rules::marketing::CampaignSums {
        members: at(0),
        responses: at(1),
        attended: at(2),
        leads: at(3),
        converted_leads: at(4),
        opportunities: at(5),
        won: at(6),
        won_amount: at(7),
    }
}

/// The aging read's columns over `instalments`: outstanding, not yet due, then one sum per
/// `rules::payments::BUCKETS`, with `days` the backend's days-overdue expression and `sum` its
/// wrapper of a sum (PostgreSQL casts its NUMERIC back to BIGINT). Made from the buckets, so the
/// SQL and the rule cannot disagree.
pub(crate) fn aging_columns(days: &str, sum: &dyn Fn(String) -> String) -> String {
    let unpaid = "(amount - received)";
    let mut columns = vec![
        format!(
            "{} AS outstanding",
            sum(format!("COALESCE(SUM({unpaid}), 0)"))
        ),
        format!(
            "{} AS not_due",
            sum(format!(
                "COALESCE(SUM(CASE WHEN {days} < 1 THEN {unpaid} ELSE 0 END), 0)"
            ))
        ),
    ];
    for (i, b) in crate::rules::payments::BUCKETS.iter().enumerate() {
        let upper = b
            .to_days
            .map_or(String::new(), |to| format!(" AND {days} <= {to}"));
        columns.push(format!(
            "{} AS b{i}",
            sum(format!(
                "COALESCE(SUM(CASE WHEN {days} >= {}{upper} THEN {unpaid} ELSE 0 END), 0)",
                b.from_days
            ))
        ));
    }
    columns.join(", ")
}

/// The order of the per-customer aging read, over the columns' names: the most overdue first.
pub(crate) const AGING_ORDER: &str =
    "ORDER BY b0 + b1 + b2 + b3 DESC, outstanding DESC, customer_id";

/// An aging row read back: the columns of [`aging_columns`] from `first` on.
pub(crate) fn aging_from(values: &[i64]) -> Aging {
    let mut aging = Aging {
        outstanding: values.first().copied().unwrap_or(0),
        not_due: values.get(1).copied().unwrap_or(0),
        ..Aging::default()
    };
    for (i, b) in aging.buckets.iter_mut().enumerate() {
        *b = values.get(2 + i).copied().unwrap_or(0);
    }
    aging
}

/// The id of a record to be inserted.
pub fn new_id(r: &NewRecord) -> Result<&str, StorageError> {
    r.record
        .get("id")
        .and_then(Value::as_str)
        .ok_or_else(|| StorageError::Other(format!("a new {} has no id", r.entity.noun())))
}

/// A database: read transactions from a pool, write transactions through one writer. The work
/// handed to a transaction returns `Err` to end it (a write's is rolled back);
/// `StorageError::RolledBack` says the work failed for a reason of its own, which `read` and
/// `write` hand back to their caller.
pub trait Database: Send + Sync + 'static {
    fn read_tx(
        &self,
        f: &mut dyn FnMut(&dyn Tx) -> Result<(), StorageError>,
    ) -> Result<(), StorageError>;
    /// Runs `f` in an immediate transaction; commits when it returns Ok, rolls back otherwise.
    fn write_tx(
        &self,
        f: &mut dyn FnMut(&dyn Tx) -> Result<(), StorageError>,
    ) -> Result<(), StorageError>;
    /// A consistent copy of the live database, taken while serving.
    fn backup(&self, to: &Path) -> Result<(), StorageError>;
    /// Calls `wake` after another server commits to the change feed of the same database, so
    /// this one's long-polls answer at once (the API wakes them for its own writes); `wake` is
    /// held weakly, for as long as the caller keeps it.
    fn watch_other_servers(
        &self,
        wake: std::sync::Weak<dyn Fn() + Send + Sync>,
    ) -> Result<(), StorageError>;
    /// Several servers may share this database, so the sign-in throttle counts in it
    /// ([`Tx::sign_in_count`]) rather than in each server's memory.
    fn shares_sign_in_counts(&self) -> bool {
        false
    }
    /// Tells the query planner what a bulk load (the demo seed, `migrate-to`) put in the
    /// tables. PostgreSQL plans from statistics that autovacuum gathers only later: a list page
    /// planned before them took a second. SQLite plans without any (`sqlite::plan_once`).
    fn refresh_statistics(&self) -> Result<(), StorageError> {
        Ok(())
    }
}

/// Runs `f` in a read transaction and returns its value, or its own error.
pub fn read<T, E: From<StorageError>>(
    db: &dyn Database,
    f: impl FnOnce(&dyn Tx) -> Result<T, E>,
) -> Result<T, E> {
    let mut work = Work::new(f);
    let done = db.read_tx(&mut |tx| work.run(tx));
    work.finish(done)
}

/// Runs `f` in a write transaction and returns its value once committed, or its own error
/// (the transaction rolled back).
pub fn write<T, E: From<StorageError>>(
    db: &dyn Database,
    f: impl FnOnce(&dyn Tx) -> Result<T, E>,
) -> Result<T, E> {
    let mut work = Work::new(f);
    let done = db.write_tx(&mut |tx| work.run(tx));
    work.finish(done)
}

/// The work of `read` or `write`: run once inside the transaction, its outcome kept for after.
struct Work<F, T, E> {
    f: Option<F>,
    out: Option<Result<T, E>>,
}

impl<F: FnOnce(&dyn Tx) -> Result<T, E>, T, E: From<StorageError>> Work<F, T, E> {
    fn new(f: F) -> Self {
        Work {
            f: Some(f),
            out: None,
        }
    }

    fn run(&mut self, tx: &dyn Tx) -> Result<(), StorageError> {
        let f = self
            .f
            .take()
            .ok_or_else(|| StorageError::Other("transaction retried".into()))?;
        let out = f(tx);
        let failed = out.is_err();
        self.out = Some(out);
        if failed {
            Err(StorageError::RolledBack)
        } else {
            Ok(())
        }
    }

    fn finish(self, done: Result<(), StorageError>) -> Result<T, E> {
        match (self.out, done) {
            // The work's own error, whatever ending the transaction then said.
            (Some(Err(e)), _) => Err(e),
            // Beginning or committing failed.
            (_, Err(e)) => Err(e.into()),
            (Some(Ok(value)), Ok(())) => Ok(value),
            (None, Ok(())) => {
                Err(StorageError::Other("transaction produced nothing".into()).into())
            }
        }
    }
}
