//! The replica file's tables, generated from the server's entity descriptors so the two cannot
//! drift: one table per entity with a column per field, as the server keeps them, plus the
//! local state and the search text.

use std::sync::LazyLock;

use crm_server::schema::{Entity, Kind};
use crm_server::store::columns::json_value;

/// Bumped when what the rows mean changes while their SQL does not (the search text, say).
/// Changes to the tables themselves (a new entity or field, an index) change the version on
/// their own: see [`replica_version`].
const LAYOUT: i64 = 10;

/// The replica file's version: the layout and a fingerprint of every statement that creates
/// it. A replica of any other version is a cache of the wrong shape: it is deleted and refilled
/// by a full sync (the outbox lives in its own file).
pub fn replica_version() -> i64 {
    static VERSION: LazyLock<i64> = LazyLock::new(|| {
        let mut tables = String::new();
        for entity in Entity::ALL {
            tables.push_str(&table(entity).create);
        }
        // FNV-1a: stable across builds and platforms, unlike the std hasher.
        let hash = tables.bytes().fold(0xcbf2_9ce4_8422_2325_u64, |h, b| {
            (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3)
        });
        // user_version is a signed 32-bit number: the layout in the top bits, then the hash.
        (LAYOUT << 24) | (hash & 0x00ff_ffff) as i64
    });
    *VERSION
}

/// Columns every entity table starts with, before its field columns.
/// `version`: the server version the local view is based on (0 for a record only created here);
/// `pending`: local edits wait in the outbox; `conflicted`: one of them conflicts.
///
/// The row is the record as the screens see it (the server's copy with pending edits laid on).
/// Every table ends with `server`: the server's copy as JSON while local edits are pending (NULL
/// otherwise, and NULL for a record created here that the server has not acknowledged yet).
/// Records are stored once, as columns: a first sync writes each record as one row, and a
/// record's JSON is made by SQLite when it is read (`Table::record`).
pub const SYSTEM_COLUMNS: &[&str] = &[
    "id",
    "version",
    "pending",
    "conflicted",
    "created_at",
    "updated_at",
    "created_by",
    "updated_by",
];

/// Memory a search index may hold before it writes a segment (see `build`).
const FTS_HASH_BYTES: usize = 32 * 1024 * 1024;

/// Entities whose rows carry search text in a full-text index of their own: customers (name,
/// code, email; phone digits) and contacts (name; phone and mobile digits), found together by
/// the customer search.
pub fn indexed(entity: Entity) -> Option<&'static str> {
    match entity {
        Entity::Customers => Some("customer_fts"),
        Entity::Contacts => Some("contact_fts"),
        _ => None,
    }
}

/// The statements that add a row's text to a search index, and remove it (an external-content
/// or contentless index is told the text it held).
pub struct FtsSql {
    pub add: String,
    pub remove: String,
}

static FTS_SQL: LazyLock<Vec<(&'static str, FtsSql)>> = LazyLock::new(|| {
    Entity::ALL
        .into_iter()
        .filter_map(indexed)
        .map(|fts| {
            let sql = FtsSql {
                add: format!("INSERT INTO {fts}(rowid, search, digits) VALUES (?1, ?2, ?3)"),
                remove: format!(
                    "INSERT INTO {fts}({fts}, rowid, search, digits) VALUES ('delete', ?1, ?2, ?3)"
                ),
            };
            (fts, sql)
        })
        .collect()
});

/// The statements of the search index named `fts`.
pub fn fts_sql(fts: &str) -> Option<&'static FtsSql> {
    FTS_SQL
        .iter()
        .find(|(name, _)| *name == fts)
        .map(|(_, sql)| sql)
}

/// The column a list sorted by `name` is ordered by: the name's pinyin sort key
/// (`crm_server::pinyin::sort_key`), so Chinese and Latin names interleave alphabetically.
pub const SORT_KEY: &str = "sort_name";

/// Entities whose rows carry a `SORT_KEY` column: those sortable by a text `name`.
pub fn sorts_by_key(entity: Entity) -> bool {
    entity
        .field("name")
        .is_some_and(|f| f.sort && matches!(f.kind, Kind::Text(_)))
}

/// The column a list sorted by `field` is ordered by.
pub fn sort_column(entity: Entity, field: &str) -> &str {
    if field == "name" && sorts_by_key(entity) {
        SORT_KEY
    } else {
        field
    }
}

/// The columns of one of the descriptor's list indexes in the replica: `name` is sorted by its
/// key. The customers also keep an index on `name` itself, which the search's name prefixes
/// read (`Replica::search_customers`).
fn index_columns(entity: Entity) -> Vec<String> {
    let mut out: Vec<String> = entity
        .descriptor()
        .indexes
        .iter()
        .map(|cols| {
            cols.split(',')
                .map(|c| sort_column(entity, c.trim()))
                .collect::<Vec<_>>()
                .join(", ")
        })
        .collect();
    if entity == Entity::Customers {
        out.push("name".into());
    }
    out
}

/// Fields a list's search text is matched against (customers use the full-text index instead).
pub fn search_fields(entity: Entity) -> &'static [&'static str] {
    entity.descriptor().search
}

/// One stored column of an entity table that mirrors a field of the record.
#[derive(Debug, Clone, Copy)]
pub struct Column {
    pub name: &'static str,
    pub kind: Kind,
}

/// The generated SQL of one entity table.
pub struct Table {
    pub entity: Entity,
    /// A column per field of the entity, in the entity's order.
    pub columns: Vec<Column>,
    pub create: String,
    /// Inserts a row: parameters are SYSTEM_COLUMNS in order, then `columns`, then (entities
    /// sorted by a key only) `SORT_KEY`, then (indexed entities only) search and digits, then
    /// server. A plain insert or update rather than an
    /// upsert: an upsert opens a statement journal per row, which costs a bulk pull.
    pub insert: String,
    /// Rewrites a row: the same parameters, then the rowid.
    pub update: String,
    /// The columns `insert` writes, in order.
    pub inserted: Vec<&'static str>,
    /// The record columns of a row of this table aliased `c`: id, version, pending,
    /// conflicted, and the record as JSON text.
    pub record: String,
    /// `SELECT <record> FROM <table> c`.
    pub select: String,
    /// Creates the indexes lists order and filter by (if missing). A first sync drops them
    /// and they are built after it (`list_indexes`): sorting once beats a million random index
    /// inserts.
    pub create_secondary: String,
    /// The statements of `create_secondary`, one index each.
    pub secondary: Vec<String>,
    pub drop_secondary: String,
}

impl Table {
    pub fn column(&self, name: &str) -> Option<&Column> {
        self.columns.iter().find(|c| c.name == name)
    }

    /// Inserts `rows` rows in one statement: per row, its rowid and then `insert`'s parameters.
    pub fn insert_rows(&self, rows: usize) -> String {
        let row = format!("(?{})", ",?".repeat(self.inserted.len()));
        format!(
            "INSERT INTO {} (rowid, {}) VALUES {}",
            self.entity.name(),
            self.inserted.join(", "),
            vec![row; rows].join(",")
        )
    }
}

fn column_type(kind: Kind) -> &'static str {
    match kind {
        // Case-insensitive order and equality for text people type; the name index serves
        // prefix search as well as the alphabetical list.
        Kind::Text(_) => "TEXT COLLATE NOCASE",
        Kind::Int(..) | Kind::Money | Kind::Bool => "INTEGER",
        _ => "TEXT",
    }
}

fn build(entity: Entity) -> Table {
    let columns: Vec<Column> = entity
        .fields()
        .iter()
        .map(|f| Column {
            name: f.name,
            kind: f.kind,
        })
        .collect();
    let table = entity.name();
    let mut defs = vec![
        "rowid INTEGER PRIMARY KEY".to_string(),
        "id TEXT NOT NULL UNIQUE".to_string(),
        "version INTEGER NOT NULL".to_string(),
        "pending INTEGER NOT NULL DEFAULT 0".to_string(),
        "conflicted INTEGER NOT NULL DEFAULT 0".to_string(),
        "created_at TEXT".to_string(),
        "updated_at TEXT".to_string(),
        "created_by TEXT".to_string(),
        "updated_by TEXT".to_string(),
    ];
    defs.extend(
        columns
            .iter()
            .map(|c| format!("{} {}", c.name, column_type(c.kind))),
    );
    let mut all: Vec<&str> = SYSTEM_COLUMNS.to_vec();
    all.extend(columns.iter().map(|c| c.name));
    if sorts_by_key(entity) {
        defs.push(format!("{SORT_KEY} TEXT"));
        all.push(SORT_KEY);
    }
    let fts = indexed(entity);
    if fts.is_some() {
        defs.push("search TEXT NOT NULL DEFAULT ''".into());
        defs.push("digits TEXT NOT NULL DEFAULT ''".into());
        all.push("search");
        all.push("digits");
    }
    defs.push("server TEXT".into());
    all.push("server");
    let mut create = format!("CREATE TABLE {table} ({});\n", defs.join(", "));
    create.push_str(&format!(
        "CREATE INDEX {table}_pending ON {table}(pending) WHERE pending = 1;\n"
    ));
    let secondary: Vec<String> = index_columns(entity)
        .iter()
        .enumerate()
        .map(|(i, cols)| format!("CREATE INDEX IF NOT EXISTS {table}_ix{i} ON {table}({cols});\n"))
        .collect();
    let drop_secondary: Vec<String> = (0..secondary.len())
        .map(|i| format!("DROP INDEX IF EXISTS {table}_ix{i};\n"))
        .collect();
    create.push_str(&secondary.concat());
    if let Some(fts) = fts {
        // The index reads its text from the entity table (external content), so the text is
        // stored once. It is kept in step by `rows::Dirty`, not by triggers: FTS5 writes its
        // pending entries to disk at every statement savepoint, and a trigger makes every row
        // write open one, which turned bulk pulls into a stream of tiny segments to merge.
        create.push_str(&fts_create(
            fts,
            &format!("content='{table}', content_rowid='rowid'"),
        ));
        // The index's terms, for finding the trigrams a short word starts.
        create.push_str(&format!(
            "CREATE VIRTUAL TABLE {fts}_terms USING fts5vocab({fts}, 'row');\n"
        ));
    }
    let marks: Vec<String> = (1..=all.len()).map(|i| format!("?{i}")).collect();
    let insert = format!(
        "INSERT INTO {table} ({}) VALUES ({})",
        all.join(", "),
        marks.join(", ")
    );
    let sets: Vec<String> = all
        .iter()
        .enumerate()
        .map(|(i, c)| format!("{c} = ?{}", i + 1))
        .collect();
    let update = format!(
        "UPDATE {table} SET {} WHERE rowid = ?{}",
        sets.join(", "),
        all.len() + 1
    );
    let record = format!(
        "c.id, c.version, c.pending, c.conflicted, {}",
        record_json(&columns)
    );
    Table {
        entity,
        select: format!("SELECT {record} FROM {table} c"),
        record,
        columns,
        create,
        insert,
        update,
        inserted: all,
        create_secondary: secondary.concat(),
        secondary,
        drop_secondary: drop_secondary.concat(),
    }
}

/// The SQL expression of a row's record as JSON text, the system fields and then every field,
/// as the server sends it.
fn record_json(columns: &[Column]) -> String {
    let system = crm_server::schema::SYSTEM_FIELDS
        .iter()
        .map(|name| format!("'{name}', c.{name}"));
    let fields = columns.iter().map(|c| {
        format!(
            "'{}', {}",
            c.name,
            json_value(&format!("c.{}", c.name), c.kind)
        )
    });
    let pairs: Vec<String> = system.chain(fields).collect();
    format!("json_object({})", pairs.join(", "))
}

/// Creates a search index: its options, then where its text is (`content`).
fn fts_create(fts: &str, content: &str) -> String {
    // No per-row column sizes (`columnsize=0`): they serve only bm25 ranking, which the search
    // does not use, and writing them was a fifth of a first sync's index build. No positions or
    // columns either (`detail=none`): the index says which rows hold all the trigrams of a word,
    // and the search checks those rows' text (`search::trigrams`); a quarter less to build.
    // Index entries are held in memory up to FTS_HASH_BYTES before they are written as a new
    // segment: the default (1 MB) makes a first sync's build write and merge hundreds.
    format!(
        "CREATE VIRTUAL TABLE {fts} USING fts5(search, digits, {content}, tokenize='trigram', columnsize=0, detail=none);
        INSERT INTO {fts}({fts}, rank) VALUES ('hashsize', {FTS_HASH_BYTES});\n"
    )
}

static TABLES: LazyLock<Vec<Table>> =
    LazyLock::new(|| Entity::ALL.iter().map(|&e| build(e)).collect());

pub fn table(entity: Entity) -> &'static Table {
    let index = Entity::ALL.iter().position(|e| *e == entity).unwrap_or(0);
    &TABLES[index]
}

/// The whole schema of a new replica file.
pub fn create_sql() -> String {
    let mut sql = String::from("CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT);\n");
    for entity in Entity::ALL {
        sql.push_str(&table(entity).create);
    }
    sql.push_str(&super::summaries::CREATE);
    sql.push_str(&format!("PRAGMA user_version = {};\n", replica_version()));
    sql
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_field_has_a_column() {
        for entity in Entity::ALL {
            let t = table(entity);
            for field in entity.fields() {
                assert!(
                    t.column(field.name).is_some(),
                    "{}.{}",
                    entity.name(),
                    field.name
                );
            }
        }
    }

    #[test]
    fn names_sort_by_their_key_through_an_index() {
        for entity in [Entity::Customers, Entity::Contacts, Entity::Competitors] {
            assert!(sorts_by_key(entity), "{}", entity.name());
            assert_eq!(sort_column(entity, "name"), SORT_KEY);
            let t = table(entity);
            assert!(t.inserted.contains(&SORT_KEY));
            assert!(
                t.create_secondary.contains(&format!("({SORT_KEY})")),
                "{}",
                t.create_secondary
            );
        }
        assert!(!sorts_by_key(Entity::Tickets));
        assert_eq!(sort_column(Entity::Customers, "code"), "code");
        let customers = &table(Entity::Customers).create_secondary;
        assert!(customers.contains("(owner_id, sort_name)"), "{customers}");
        assert!(
            customers.contains("(name)"),
            "the search's prefixes: {customers}"
        );
    }

    #[test]
    fn schema_creates_in_sqlite() {
        let conn = rusqlite::Connection::open_in_memory().unwrap();
        conn.execute_batch(&create_sql()).unwrap();
        let v: i64 = conn
            .query_row("PRAGMA user_version", [], |r| r.get(0))
            .unwrap();
        assert_eq!(v, replica_version());
    }

    #[test]
    fn the_version_fits_in_sqlite_and_carries_the_layout() {
        let v = replica_version();
        assert!(v > 0 && v <= i64::from(i32::MAX), "{v}");
        assert_eq!(v >> 24, LAYOUT);
        assert_eq!(v, replica_version());
    }
}
