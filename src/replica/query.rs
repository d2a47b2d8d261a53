//! Reads: one record, filtered and sorted lists, and the customer search behind every keystroke.

use std::collections::HashSet;
use std::path::Path;

use crm_server::schema::{Entity, Kind};
use rusqlite::types::Value as SqlValue;
use rusqlite::{Connection, OpenFlags, OptionalExtension, Row, params_from_iter};
use serde_json::Value;

use super::rows::{load_record, to_sql};
use super::schema::{self, search_fields};
use super::search::{
    Plan, fts_phrase, indexable, like_pattern, phone_digits, plan, prefix_end, trigrams,
};
use super::{Record, Replica, ReplicaError};

/// A list request against the replica.
#[derive(Debug, Clone, Default)]
pub struct LocalQuery {
    /// `field = value` (null: the field is empty). Any filterable field of the entity, the
    /// fields kept as columns, and `pending` / `conflicted`.
    pub filters: Vec<(String, Value)>,
    /// Text to find (customers: as `search_customers`; others: in their name-like fields).
    pub search: Option<String>,
    /// Conditions of a query in the query language (`add_query`).
    pub conditions: Vec<crm_server::query::Condition>,
    /// A sortable field, `created_at` or `updated_at`; the entity's default order when None.
    pub sort: Option<String>,
    pub descending: bool,
    /// At most this many records; 0 means 50.
    pub limit: usize,
    pub offset: usize,
}

pub const DEFAULT_LIMIT: usize = 50;

/// A customer search lists at most this many of its best matches, on the screens and in the CLI.
pub const SEARCH_CAP: usize = 1000;

impl LocalQuery {
    /// A customer list that is a search, best matches first (`Replica::find_customers`): text
    /// typed, no filter and no sort asked for. Sorting every match of a common word (`华` at a
    /// million customers) would read them all.
    pub fn ranked(&self) -> bool {
        self.search.as_deref().is_some_and(|s| !s.trim().is_empty())
            && self.filters.is_empty()
            && self.conditions.is_empty()
            && self.sort.is_none()
    }
}

/// The candidates a phone look-up verifies; numbers shared by more records than this are not
/// worth a screen pop.
const PHONE_CANDIDATES: usize = 500;

pub(super) fn read_record(entity: Entity, row: &Row<'_>) -> rusqlite::Result<Record> {
    let json: String = row.get(4)?;
    Ok(Record {
        entity,
        id: row.get(0)?,
        version: row.get(1)?,
        pending: row.get(2)?,
        conflicted: row.get(3)?,
        // A row that does not parse shows as empty rather than failing the whole list.
        fields: load_record(entity, &json).unwrap_or_default(),
    })
}

/// `SELECT <the record columns> FROM customers c`.
fn customers() -> &'static str {
    &schema::table(Entity::Customers).select
}

/// Trigrams one short word may stand for in a query; a word that starts more is scanned for.
const MAX_EXPANSION: usize = 300;

/// Rows a short word is first looked for in by a scan (a few milliseconds): enough to fill a
/// page when the word is common.
const PROBE_ROWS: i64 = 20_000;

/// What a short word stands for in the index.
enum Expanded {
    Terms(Vec<String>),
    Nothing,
    TooMany,
}

/// Collects records in rank order without repeats, up to a limit.
struct Ranked {
    limit: usize,
    seen: HashSet<String>,
    out: Vec<Record>,
}

impl Ranked {
    fn new(limit: usize) -> Ranked {
        Ranked {
            limit,
            seen: HashSet::new(),
            out: Vec::new(),
        }
    }
    fn full(&self) -> bool {
        self.out.len() >= self.limit
    }
    /// How many to ask a query for: `limit` always suffices, as at most `out.len()` of them
    /// can be repeats.
    fn ask(&self) -> i64 {
        self.limit as i64
    }
    fn extend(&mut self, records: Vec<Record>) {
        for r in records {
            if self.full() {
                break;
            }
            if self.seen.insert(r.id.clone()) {
                self.out.push(r);
            }
        }
    }
}

impl Replica {
    /// A second way into a replica another `Replica` owns, for reading only (a list's count on
    /// a thread of its own): it never creates, migrates, repairs, rebuilds or relays anything —
    /// the owner's open does that — and refuses a file of another format.
    pub fn open_reader(path: &Path) -> Result<Replica, ReplicaError> {
        let flags = OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX;
        let db = Connection::open_with_flags(path, flags)?;
        let outbox = Connection::open_with_flags(super::outbox_path(path), flags)?;
        for conn in [&db, &outbox] {
            conn.busy_timeout(std::time::Duration::from_secs(10))?;
            conn.set_prepared_statement_cache_capacity(64);
        }
        let version: i64 = db.query_row("PRAGMA user_version", [], |r| r.get(0))?;
        if version != schema::replica_version() {
            return Err(ReplicaError::BadQuery(
                "the local replica is of another format; it is read once it is rebuilt".into(),
            ));
        }
        Ok(Replica {
            path: path.to_path_buf(),
            db,
            outbox,
            rebuilt: None,
            clock: super::Clock::System,
        })
    }

    pub fn get(&self, entity: Entity, id: &str) -> Result<Option<Record>, ReplicaError> {
        let sql = format!("{} WHERE c.id = ?1", schema::table(entity).select);
        Ok(self
            .db
            .prepare_cached(&sql)?
            .query_row([id], |r| read_record(entity, r))
            .optional()?)
    }

    pub(super) fn query(
        &self,
        entity: Entity,
        sql: &str,
        args: Vec<SqlValue>,
    ) -> Result<Vec<Record>, ReplicaError> {
        let mut stmt = self.db.prepare_cached(sql)?;
        let rows = stmt.query_map(params_from_iter(args), |r| read_record(entity, r))?;
        Ok(rows.collect::<Result<_, _>>()?)
    }

    /// A filtered, sorted page of records.
    pub fn list(&self, entity: Entity, q: &LocalQuery) -> Result<Vec<Record>, ReplicaError> {
        let table = schema::table(entity);
        let mut sql = format!("{} WHERE 1", table.select);
        let mut args: Vec<SqlValue> = Vec::new();
        self.conditions(entity, q, &mut sql, &mut args)?;
        let sort = q.sort.as_deref().unwrap_or(entity.default_sort());
        let sortable = matches!(sort, "created_at" | "updated_at")
            || entity.field(sort).is_some_and(|f| f.sort) && table.column(sort).is_some();
        if !sortable {
            return Err(ReplicaError::BadQuery(format!(
                "{} cannot be sorted by {sort}",
                entity.name()
            )));
        }
        let dir = if q.descending { "DESC" } else { "ASC" };
        let limit = if q.limit == 0 { DEFAULT_LIMIT } else { q.limit };
        args.push(SqlValue::Integer(limit as i64));
        args.push(SqlValue::Integer(q.offset as i64));
        // Names in the order people read them (pinyin for Chinese), through their key's index.
        let sort = schema::sort_column(entity, sort);
        sql.push_str(&format!(
            " ORDER BY c.{sort} {dir}, c.rowid {dir} LIMIT ?{} OFFSET ?{}",
            args.len() - 1,
            args.len()
        ));
        self.query(entity, &sql, args)
    }

    /// Every record `q` matches (its filters, conditions and search; no sort, no limit), in
    /// storage order, handed to `f` `chunk` at a time: ONE statement read as it goes, so an
    /// export of a million rows costs one pass and a chunk of memory, never a page per OFFSET
    /// (each of which re-reads every row before it).
    pub fn each_chunk<E: From<ReplicaError>>(
        &self,
        entity: Entity,
        q: &LocalQuery,
        chunk: usize,
        mut f: impl FnMut(&[Record]) -> Result<(), E>,
    ) -> Result<(), E> {
        let table = schema::table(entity);
        let mut sql = format!("{} WHERE 1", table.select);
        let mut args: Vec<SqlValue> = Vec::new();
        self.conditions(entity, q, &mut sql, &mut args)?;
        sql.push_str(" ORDER BY c.rowid");
        let mut stmt = self.db.prepare(&sql).map_err(ReplicaError::from)?;
        let mut rows = stmt
            .query(params_from_iter(args))
            .map_err(ReplicaError::from)?;
        let chunk = chunk.max(1);
        let mut buf = Vec::with_capacity(chunk);
        while let Some(row) = rows.next().map_err(ReplicaError::from)? {
            buf.push(read_record(entity, row).map_err(ReplicaError::from)?);
            if buf.len() == chunk {
                f(&buf)?;
                buf.clear();
            }
        }
        if !buf.is_empty() {
            f(&buf)?;
        }
        Ok(())
    }

    /// Streams the rows `q` matches in storage order, each as the stored columns named (system
    /// columns and the entity's fields; a list or map column as its JSON text, null when it is
    /// not JSON), to `f`. One statement and no record made: what the exports read.
    pub fn each_row<E: From<ReplicaError>>(
        &self,
        entity: Entity,
        q: &LocalQuery,
        columns: &[&str],
        mut f: impl FnMut(&Row<'_>) -> Result<(), E>,
    ) -> Result<(), E> {
        let table = schema::table(entity);
        let mut select = Vec::with_capacity(columns.len());
        for name in columns {
            if let Some(column) = table.column(name) {
                select.push(crm_server::store::columns::json_value(
                    &format!("c.{}", column.name),
                    column.kind,
                ));
            } else if schema::SYSTEM_COLUMNS.contains(name) {
                select.push(format!("c.{name}"));
            } else {
                return Err(ReplicaError::BadQuery(format!(
                    "{} has no column {name}",
                    entity.name()
                ))
                .into());
            }
        }
        let mut sql = format!(
            "SELECT {} FROM {} c WHERE 1",
            select.join(", "),
            entity.name()
        );
        let mut args: Vec<SqlValue> = Vec::new();
        self.conditions(entity, q, &mut sql, &mut args)?;
        sql.push_str(" ORDER BY c.rowid");
        let mut stmt = self.db.prepare(&sql).map_err(ReplicaError::from)?;
        let mut rows = stmt
            .query(params_from_iter(args))
            .map_err(ReplicaError::from)?;
        while let Some(row) = rows.next().map_err(ReplicaError::from)? {
            f(row)?;
        }
        Ok(())
    }

    /// How many records `list` would list with no limit (its filters and search, no sort): the
    /// exact count a list's header shows. It reads the whole match, so it runs off the
    /// keystroke path (the TUI asks for it on a worker thread).
    /// How many records `q` matches, counting no further than `at_most` when given: a search
    /// that only shows its first matches is counted as far as it shows, not through a million.
    pub fn count(
        &self,
        entity: Entity,
        q: &LocalQuery,
        at_most: Option<usize>,
    ) -> Result<usize, ReplicaError> {
        let mut sql = format!("SELECT 1 FROM {} c WHERE 1", entity.name());
        let mut args: Vec<SqlValue> = Vec::new();
        self.conditions(entity, q, &mut sql, &mut args)?;
        if let Some(cap) = at_most {
            sql.push_str(&format!(" LIMIT {cap}"));
        }
        let sql = format!("SELECT count(*) FROM ({sql})");
        let n: i64 = self
            .db
            .prepare_cached(&sql)?
            .query_row(params_from_iter(args), |r| r.get(0))?;
        Ok(usize::try_from(n).unwrap_or(0))
    }

    /// The WHERE conditions of a list: its filters and its search.
    fn conditions(
        &self,
        entity: Entity,
        q: &LocalQuery,
        sql: &mut String,
        args: &mut Vec<SqlValue>,
    ) -> Result<(), ReplicaError> {
        let table = schema::table(entity);
        for (field, value) in &q.filters {
            let column = match field.as_str() {
                "pending" | "conflicted" | "id" | "created_by" | "updated_by" => None,
                name => Some(
                    table
                        .column(name)
                        .filter(|_| entity.field(name).is_some())
                        .ok_or_else(|| {
                            ReplicaError::BadQuery(format!(
                                "{} cannot be filtered by {field}",
                                entity.name()
                            ))
                        })?,
                ),
            };
            let name = column.map_or(field.as_str(), |c| c.name);
            if value.is_null() {
                sql.push_str(&format!(" AND c.{name} IS NULL"));
                continue;
            }
            args.push(to_sql(Some(value)));
            let collate = if column.is_some_and(|c| matches!(c.kind, Kind::Enum(_) | Kind::List(_)))
            {
                " COLLATE NOCASE"
            } else {
                ""
            };
            sql.push_str(&format!(" AND c.{name} = ?{}{collate}", args.len()));
        }
        sql.push_str(&super::language::render(entity, &q.conditions, args));
        if let Some(text) = q.search.as_deref().filter(|t| !t.trim().is_empty()) {
            let indexed = self.search_ready()?;
            search_clause(entity, text, indexed, sql, args);
        }
        Ok(())
    }
}

/// The conditions of a list's search: with `indexed`, long words through the search index
/// (not while a first sync builds it).
fn search_clause(
    entity: Entity,
    text: &str,
    indexed: bool,
    sql: &mut String,
    args: &mut Vec<SqlValue>,
) {
    if entity == Entity::Customers {
        // Every word must occur in the customer's own text or in one of its contacts'.
        let words = match plan(text) {
            Plan::All => return,
            Plan::Digits(d) => vec![d],
            Plan::Words(words) => words,
        };
        for word in words {
            args.push(SqlValue::Text(like_pattern(&word)));
            let n = args.len();
            if indexed && indexable(&word) {
                // The index yields rows with the word's trigrams; the text is checked.
                args.push(SqlValue::Text(trigrams(&word)));
                let m = args.len();
                sql.push_str(&format!(
                        " AND ((c.rowid IN (SELECT rowid FROM customer_fts WHERE customer_fts MATCH ?{m})
                                AND (c.search LIKE ?{n} ESCAPE '\\' OR c.digits LIKE ?{n} ESCAPE '\\'))
                           OR c.id IN (SELECT k.customer_id FROM contact_fts f JOIN contacts k ON k.rowid = f.rowid
                                WHERE contact_fts MATCH ?{m} AND (k.search LIKE ?{n} ESCAPE '\\' OR k.digits LIKE ?{n} ESCAPE '\\')))"
                    ));
            } else {
                sql.push_str(&format!(
                        " AND (c.search LIKE ?{n} ESCAPE '\\' OR c.digits LIKE ?{n} ESCAPE '\\'
                           OR c.id IN (SELECT customer_id FROM contacts WHERE search LIKE ?{n} ESCAPE '\\' OR digits LIKE ?{n} ESCAPE '\\'))"
                    ));
            }
        }
        return;
    }
    for word in text.split_whitespace() {
        args.push(SqlValue::Text(like_pattern(word)));
        let n = args.len();
        let any: Vec<String> = search_fields(entity)
            .iter()
            .map(|f| format!("c.{f} LIKE ?{n} ESCAPE '\\'"))
            .collect();
        sql.push_str(&format!(" AND ({})", any.join(" OR ")));
    }
}

impl Replica {
    /// Customers as the screens and the CLI list them, one path for both: a ranked query
    /// (`LocalQuery::ranked`) lists the best `SEARCH_CAP` matches of `search_customers`, best
    /// first (from the last when `descending`), paged by offset and limit; any other is `list`.
    pub fn find_customers(&self, q: &LocalQuery) -> Result<Vec<Record>, ReplicaError> {
        let Some(text) = q.search.as_deref().filter(|_| q.ranked()) else {
            return self.list(Entity::Customers, q);
        };
        let limit = if q.limit == 0 { DEFAULT_LIMIT } else { q.limit };
        if q.descending {
            let mut all = self.search_customers(text, SEARCH_CAP)?;
            all.reverse();
            return Ok(all.into_iter().skip(q.offset).take(limit).collect());
        }
        let want = q.offset.saturating_add(limit).min(SEARCH_CAP);
        if q.offset >= want {
            return Ok(Vec::new());
        }
        Ok(self
            .search_customers(text, want)?
            .into_iter()
            .skip(q.offset)
            .take(limit)
            .collect())
    }

    /// How many customers `find_customers` lists with no limit: a ranked query's matches
    /// counted no further than `SEARCH_CAP`, as it lists them.
    pub fn count_customers(&self, q: &LocalQuery) -> Result<usize, ReplicaError> {
        let cap = q.ranked().then_some(SEARCH_CAP);
        self.count(Entity::Customers, q, cap)
    }

    /// Customers matching what was typed, best first: names and codes starting with it, then
    /// any whose name, code or email contains every word, then any with a contact whose name
    /// does; for digits, any whose phones or contacts' phones contain them. Case-insensitive;
    /// Chinese and Latin alike.
    pub fn search_customers(&self, text: &str, limit: usize) -> Result<Vec<Record>, ReplicaError> {
        let limit = limit.max(1);
        let mut ranked = Ranked::new(limit);
        let (long, short): (Vec<String>, Vec<String>) = match plan(text) {
            Plan::All => {
                return self.list(
                    Entity::Customers,
                    &LocalQuery {
                        limit,
                        ..LocalQuery::default()
                    },
                );
            }
            Plan::Digits(d) if indexable(&d) => (vec![d], Vec::new()),
            Plan::Digits(d) => (Vec::new(), vec![d]),
            Plan::Words(words) => {
                // Prefixes of name and code first: index ranges, cheap at any size.
                let typed = text.trim();
                for column in ["name", "code"] {
                    let sql = format!(
                        "{} WHERE c.{column} >= ?1 AND c.{column} < ?2 ORDER BY c.{column} LIMIT ?3",
                        customers()
                    );
                    let args = vec![
                        SqlValue::Text(typed.to_string()),
                        SqlValue::Text(prefix_end(typed)),
                        SqlValue::Integer(ranked.ask()),
                    ];
                    ranked.extend(self.query(Entity::Customers, &sql, args)?);
                    if ranked.full() {
                        return Ok(ranked.out);
                    }
                }
                words.into_iter().partition(|w| indexable(w))
            }
        };
        for contacts in [false, true] {
            if ranked.full() {
                break;
            }
            let found = self.matching(contacts, &long, &short, ranked.ask())?;
            ranked.extend(found);
        }
        Ok(ranked.out)
    }

    /// Customers whose own search row (or, with `contacts`, a contact's) contains every word in
    /// `long` (found through the index) and in `short` (too short for the index: scanned,
    /// bounded by the limit).
    fn matching(
        &self,
        contacts: bool,
        long: &[String],
        short: &[String],
        limit: i64,
    ) -> Result<Vec<Record>, ReplicaError> {
        let fts = if contacts {
            "contact_fts"
        } else {
            "customer_fts"
        };
        if !self.search_ready()? {
            // The index is not built yet (a first sync, or the build after it): every word is
            // scanned for.
            let all: Vec<String> = long.iter().chain(short).cloned().collect();
            return self.matching_rows(contacts, &[], &all, None, limit);
        }
        if !long.is_empty() {
            // The index narrows by the long words' trigrams; every word filters what it yields.
            // A short word found nowhere ends the search at once: otherwise a common long word
            // (`001`) would have every row it is in checked for it.
            for word in short {
                if !self.occurs(contacts, fts, word)? {
                    return Ok(Vec::new());
                }
            }
            let terms: Vec<String> = long.iter().map(|w| trigrams(w)).collect();
            let all: Vec<String> = long.iter().chain(short).cloned().collect();
            return self.matching_rows(contacts, &terms, &all, None, limit);
        }
        // Only short words. A common one is found at once by a scan of the first rows; a rare
        // one through the index, as the trigrams it starts — cheap to list exactly because it
        // is rare (listing a common one's would walk hundreds of thousands of entries).
        let probe = self.matching_rows(contacts, &[], short, Some(PROBE_ROWS), limit)?;
        if probe.len() as i64 >= limit {
            return Ok(probe);
        }
        let mut terms = Vec::new();
        let mut scanned = Vec::new();
        for word in short {
            match self.expand(fts, word)? {
                Expanded::Terms(any) => terms.push(format!("({})", any.join(" OR "))),
                Expanded::Nothing => return Ok(Vec::new()),
                Expanded::TooMany => scanned.push(word.clone()),
            }
        }
        self.matching_rows(contacts, &terms, &scanned, None, limit)
    }

    /// Customers whose own rows (or contacts' rows) match every FTS5 term in `terms` and
    /// contain every word in `scanned`; with `first`, only among the first rows of the table.
    fn matching_rows(
        &self,
        contacts: bool,
        terms: &[String],
        scanned: &[String],
        first: Option<i64>,
        limit: i64,
    ) -> Result<Vec<Record>, ReplicaError> {
        let (fts, table) = if contacts {
            ("contact_fts", "contacts")
        } else {
            ("customer_fts", "customers")
        };
        let mut args = Vec::new();
        let mut sql = if terms.is_empty() {
            format!("SELECT r.rowid FROM {table} r WHERE 1")
        } else {
            args.push(SqlValue::Text(terms.join(" AND ")));
            format!(
                "SELECT r.rowid FROM {fts} f JOIN {table} r ON r.rowid = f.rowid WHERE {fts} MATCH ?1"
            )
        };
        if let Some(rows) = first {
            args.push(SqlValue::Integer(rows));
            sql.push_str(&format!(
                " AND r.rowid < (SELECT COALESCE(MIN(rowid), 0) FROM {table}) + ?{}",
                args.len()
            ));
        }
        for word in scanned {
            args.push(SqlValue::Text(like_pattern(word)));
            let n = args.len();
            sql.push_str(&format!(
                " AND (r.search LIKE ?{n} ESCAPE '\\' OR r.digits LIKE ?{n} ESCAPE '\\')"
            ));
        }
        args.push(SqlValue::Integer(limit));
        sql.push_str(&format!(" LIMIT ?{}", args.len()));
        let outer = if contacts {
            format!(
                "{} WHERE c.id IN (SELECT customer_id FROM contacts WHERE rowid IN ({sql}))",
                customers()
            )
        } else {
            format!("{} WHERE c.rowid IN ({sql})", customers())
        };
        self.query(Entity::Customers, &outer, args)
    }

    /// Whether a word too short for the index occurs in any search row of customers (or of
    /// contacts): a common word is met at once among the first rows; a rare or absent one is
    /// looked up among the index's terms (cheap for a rare word, whose entries are few).
    fn occurs(&self, contacts: bool, fts: &str, word: &str) -> Result<bool, ReplicaError> {
        let table = if contacts { "contacts" } else { "customers" };
        let sql = format!(
            "SELECT EXISTS (SELECT 1 FROM {table} r WHERE r.rowid < (SELECT COALESCE(MIN(rowid), 0) FROM {table}) + ?2
               AND (r.search LIKE ?1 ESCAPE '\\' OR r.digits LIKE ?1 ESCAPE '\\'))"
        );
        let common: bool = self
            .db
            .prepare_cached(&sql)?
            .query_row(rusqlite::params![like_pattern(word), PROBE_ROWS], |r| {
                r.get(0)
            })?;
        if common {
            return Ok(true);
        }
        let sql =
            format!("SELECT EXISTS (SELECT 1 FROM {fts}_terms WHERE term >= ?1 AND term < ?2)");
        Ok(self
            .db
            .prepare_cached(&sql)?
            .query_row(rusqlite::params![word, prefix_end(word)], |r| r.get(0))?)
    }

    /// A word too short for the trigram index, as the indexed trigrams it starts: every
    /// occurrence of the word is followed by at least one character
    /// (`search::push_search_text`), so "any trigram starting with it" finds exactly the rows
    /// containing it — through the index, where a scan of a million rows would take a quarter of
    /// a second.
    fn expand(&self, fts: &str, word: &str) -> Result<Expanded, ReplicaError> {
        // Until the index is built (after a first sync) it cannot list terms.
        if !self.search_ready()? {
            return Ok(Expanded::TooMany);
        }
        let sql = format!("SELECT term FROM {fts}_terms WHERE term >= ?1 AND term < ?2 LIMIT ?3");
        let mut stmt = self.db.prepare_cached(&sql)?;
        let rows = stmt.query_map(
            rusqlite::params![word, prefix_end(word), (MAX_EXPANSION + 1) as i64],
            |r| r.get::<_, String>(0),
        )?;
        let terms: Vec<String> = rows
            .map(|t| t.map(|t| fts_phrase(&t)))
            .collect::<Result<_, _>>()?;
        Ok(match terms.len() {
            0 => Expanded::Nothing,
            n if n > MAX_EXPANSION => Expanded::TooMany,
            _ => Expanded::Terms(terms),
        })
    }

    /// A customer by its code (any case) or its id.
    pub fn customer_by_code_or_id(&self, key: &str) -> Result<Option<Record>, ReplicaError> {
        let key = key.trim();
        if let Ok(id) = uuid::Uuid::parse_str(key) {
            return self.get(Entity::Customers, &id.hyphenated().to_string());
        }
        let sql = format!("{} WHERE c.code = ?1 LIMIT 1", customers());
        Ok(self
            .query(
                Entity::Customers,
                &sql,
                vec![SqlValue::Text(key.to_string())],
            )?
            .into_iter()
            .next())
    }

    /// Customers whose phone, or a contact's phone or mobile, is this number (however it is
    /// written: spaces, dashes, +86, a trunk 0). For the call-centre screen pop.
    pub fn customer_by_phone(&self, phone: &str) -> Result<Vec<Record>, ReplicaError> {
        let Some(key) = phone_digits(phone).filter(|k| k.len() >= 3) else {
            return Ok(Vec::new());
        };
        let expr = trigrams(&key);
        let pattern = like_pattern(&key);
        // While a first sync builds the index, the rows are scanned.
        let indexed = self.search_ready()?;
        let mut out: Vec<Record> = Vec::new();
        for (fts, table, customer) in [
            ("customer_fts", "customers", "r.id"),
            ("contact_fts", "contacts", "r.customer_id"),
        ] {
            // Candidates hold the digits somewhere; keep those with the exact number.
            let from = if indexed {
                format!("{fts} f JOIN {table} r ON r.rowid = f.rowid WHERE {fts} MATCH ?1")
            } else {
                format!("{table} r WHERE ?1 IS NOT NULL")
            };
            let sql = format!(
                "SELECT {customer}, r.digits FROM {from} AND r.digits LIKE ?3 ESCAPE '\\' LIMIT ?2"
            );
            let mut stmt = self.db.prepare_cached(&sql)?;
            let params = rusqlite::params![expr, PHONE_CANDIDATES as i64, pattern];
            let rows = stmt.query_map(params, |r| {
                Ok((r.get::<_, Option<String>>(0)?, r.get::<_, String>(1)?))
            })?;
            let mut ids = Vec::new();
            for row in rows {
                let (id, digits) = row?;
                if digits
                    .split(' ')
                    .any(|t| phone_digits(t).as_deref() == Some(key.as_str()))
                    && let Some(id) = id
                {
                    ids.push(id);
                }
            }
            for id in ids {
                if !out.iter().any(|r| r.id == id)
                    && let Some(record) = self.get(Entity::Customers, &id)?
                {
                    out.push(record);
                }
            }
        }
        Ok(out)
    }
}
