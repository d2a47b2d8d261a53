//! `crm-server migrate-to`: an SQLite database copied into an empty PostgreSQL one, every table
//! as it is stored — records and tombstones, read sets, the change feed at the same positions,
//! sessions, audit, counters, remembered idempotent answers — so clients keep their tokens and
//! their cursors, and their next sync is an ordinary incremental one.
//!
//! One PostgreSQL transaction: a copy that fails half-way leaves the target as empty as it was,
//! and can be run again. The rows go in batches by binary COPY, read from one SQLite read
//! transaction (one consistent snapshot of the file).

use std::collections::BTreeMap;

use rusqlite::types::ValueRef;
use tokio_postgres::binary_copy::BinaryCopyInWriter;
use tokio_postgres::types::{ToSql, Type};

use super::{OpenOptions, Postgres, wait};
use crate::store::sqlite::{self, Sqlite};
use crate::store::{Database, StorageError};

/// Rows sent per COPY, and between two progress reports.
pub const COPY_BATCH: usize = 5_000;

/// Tables that are the database's own bookkeeping, never copied: the migrations each database
/// applied for itself, and the sign-in counts (a short window, kept only on PostgreSQL).
const NOT_COPIED: &[&str] = &["schema_migrations", "sign_in_counts"];

/// Tables a fresh PostgreSQL database fills by migration, replaced by the SQLite file's rows:
/// the built-in SLA policies, the admin's lists (with their read sets and feed entries), and
/// the codes and definitions migrations make from existing data.
const REPLACED: &[&str] = &[
    "sla_policies",
    "list_items",
    "field_definitions",
    "wrap_up_codes",
    "acl",
    "changes",
];

/// How far the copy of one table is, for a progress line.
#[derive(Debug, Clone, Copy)]
pub struct Copied<'a> {
    pub table: &'a str,
    pub rows: u64,
    pub of: u64,
}

/// Why a copy was refused or failed; the target is left as it was.
#[derive(Debug, thiserror::Error)]
pub enum CopyError {
    #[error(
        "the PostgreSQL database is not empty (its {0} table holds rows); migrate into a new, empty database"
    )]
    NotEmpty(String),
    #[error(
        "the PostgreSQL database has no {0} table for the SQLite file's; upgrade crm-server on both sides to the same version"
    )]
    NoTable(String),
    #[error(
        "the PostgreSQL database has no column {table}.{column} for the SQLite file's; upgrade crm-server to the same version"
    )]
    NoColumn { table: String, column: String },
    #[error("cannot copy {table}.{column}: {detail}")]
    Value {
        table: String,
        column: String,
        detail: String,
    },
    #[error(
        "{table}: {copied} rows arrived in PostgreSQL of {read} read from SQLite; nothing was kept"
    )]
    Count {
        table: String,
        read: u64,
        copied: u64,
    },
    #[error("reading the SQLite file: {0}")]
    Sqlite(#[from] rusqlite::Error),
    #[error("{0}")]
    File(#[from] sqlite::FileError),
    #[error("writing to PostgreSQL: {0}")]
    Postgres(#[from] StorageError),
}

impl From<tokio_postgres::Error> for CopyError {
    fn from(e: tokio_postgres::Error) -> Self {
        CopyError::Postgres(e.into())
    }
}

/// A column's type on the PostgreSQL side: the three the migrations use.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Column {
    Bool,
    Int,
    Text,
}

impl Column {
    fn parse(data_type: &str) -> Option<Column> {
        match data_type {
            "boolean" => Some(Column::Bool),
            "bigint" => Some(Column::Int),
            "text" => Some(Column::Text),
            _ => None,
        }
    }

    fn pg_type(self) -> Type {
        match self {
            Column::Bool => Type::BOOL,
            Column::Int => Type::INT8,
            Column::Text => Type::TEXT,
        }
    }

    /// An SQLite value as this column takes it: SQLite's 0/1 booleans, its integers, its text.
    fn value(self, value: ValueRef<'_>) -> Result<Box<dyn ToSql + Sync + Send>, String> {
        let text = |bytes: &[u8]| {
            std::str::from_utf8(bytes)
                .map(String::from)
                .map_err(|_| "text that is not UTF-8".to_string())
        };
        Ok(match (self, value) {
            (Column::Bool, ValueRef::Null) => Box::new(None::<bool>),
            (Column::Bool, ValueRef::Integer(n)) => Box::new(Some(n != 0)),
            (Column::Int, ValueRef::Null) => Box::new(None::<i64>),
            (Column::Int, ValueRef::Integer(n)) => Box::new(Some(n)),
            (Column::Int, ValueRef::Text(t)) => {
                Box::new(Some(text(t)?.trim().parse::<i64>().map_err(|_| {
                    "a number stored as text that is not one".to_string()
                })?))
            }
            (Column::Text, ValueRef::Null) => Box::new(None::<String>),
            (Column::Text, ValueRef::Text(t) | ValueRef::Blob(t)) => Box::new(Some(text(t)?)),
            (Column::Text, ValueRef::Integer(n)) => Box::new(Some(n.to_string())),
            (Column::Text, ValueRef::Real(f)) => Box::new(Some(f.to_string())),
            (column, other) => {
                return Err(format!(
                    "a stored {:?} where PostgreSQL keeps a {column:?}",
                    other.data_type()
                ));
            }
        })
    }
}

/// What a migration copied: each table with its rows, and the feed's head.
#[derive(Debug, Clone)]
pub struct Migrated {
    pub tables: Vec<(String, u64)>,
    pub feed_head: i64,
}

/// `crm-server migrate-to`: the SQLite file at `from` (checked, brought to this version's
/// schema) copied into the empty PostgreSQL database at `url` (migrated to the same), with
/// `progress` told of each batch. The file is read in one read transaction; the server on it
/// should be stopped, or what it writes meanwhile is not copied.
pub fn migrate_sqlite_file(
    from: &std::path::Path,
    url: &str,
    options: &OpenOptions,
    progress: &mut dyn FnMut(Copied<'_>),
) -> Result<Migrated, CopyError> {
    sqlite::check_file(from, sqlite::Check::Quick)?;
    drop(Sqlite::open(from)?);
    let source = rusqlite::Connection::open_with_flags(
        from,
        rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY | rusqlite::OpenFlags::SQLITE_OPEN_NO_MUTEX,
    )?;
    // One snapshot of every table: a deferred transaction reads from its first statement on.
    source.execute_batch("BEGIN")?;
    let target = Postgres::open_with(url, options)?;
    let tables = target.copy_from_sqlite(&source, progress)?;
    target.refresh_statistics()?;
    let feed_head = source.query_row("SELECT COALESCE(MAX(seq), 0) FROM changes", [], |r| {
        r.get(0)
    })?;
    Ok(Migrated { tables, feed_head })
}

/// A name as an SQL identifier.
fn quoted(name: &str) -> String {
    format!("\"{}\"", name.replace('"', "\"\""))
}

impl Postgres {
    /// Copies every table of the SQLite database `from` (migrated to this crm-server's
    /// schema, read inside one read transaction the caller began) into this database, which
    /// must hold no records, in one transaction; reports each batch to `progress`. Returns
    /// each table with its rows.
    pub fn copy_from_sqlite(
        &self,
        from: &rusqlite::Connection,
        progress: &mut dyn FnMut(Copied<'_>),
    ) -> Result<Vec<(String, u64)>, CopyError> {
        let conn = self.connection()?;
        let client: &tokio_postgres::Client = &conn;
        wait(client.batch_execute("BEGIN"))?;
        match copy_all(client, from, progress) {
            Ok(copied) => {
                wait(client.batch_execute("COMMIT"))?;
                Ok(copied)
            }
            Err(e) => {
                let _ = wait(client.batch_execute("ROLLBACK"));
                Err(e)
            }
        }
    }
}

fn copy_all(
    client: &tokio_postgres::Client,
    from: &rusqlite::Connection,
    progress: &mut dyn FnMut(Copied<'_>),
) -> Result<Vec<(String, u64)>, CopyError> {
    // No server on this database writes to the feed while it is filled.
    wait(client.execute("SELECT pg_advisory_xact_lock($1)", &[&super::FEED_LOCK]))?;
    let mut target: BTreeMap<String, Vec<(String, String)>> = BTreeMap::new();
    for row in wait(client.query(
        "SELECT table_name::text, column_name::text, data_type::text FROM information_schema.columns
         WHERE table_schema = current_schema() ORDER BY table_name, ordinal_position",
        &[],
    ))? {
        target
            .entry(row.try_get(0)?)
            .or_default()
            .push((row.try_get(1)?, row.try_get(2)?));
    }
    for table in target.keys() {
        if NOT_COPIED.contains(&table.as_str()) || REPLACED.contains(&table.as_str()) {
            continue;
        }
        let sql = format!("SELECT EXISTS (SELECT 1 FROM {})", quoted(table));
        let any: bool = wait(client.query_one(&sql, &[]))?.try_get(0)?;
        if any {
            return Err(CopyError::NotEmpty(table.clone()));
        }
    }

    let tables: Vec<String> = from
        .prepare(
            "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite\\_%' ESCAPE '\\' ORDER BY name",
        )?
        .query_map([], |r| r.get(0))?
        .collect::<Result<_, _>>()?;
    let mut copied = Vec::new();
    for table in tables.iter().filter(|t| !NOT_COPIED.contains(&t.as_str())) {
        let columns = target
            .get(table)
            .ok_or_else(|| CopyError::NoTable(table.clone()))?;
        let n = copy_table(client, from, table, columns, progress)?;
        copied.push((table.clone(), n));
    }
    continue_numbering(client, from)?;
    Ok(copied)
}

/// Copies one table's rows; checks that as many arrived as were read.
fn copy_table(
    client: &tokio_postgres::Client,
    from: &rusqlite::Connection,
    table: &str,
    target: &[(String, String)],
    progress: &mut dyn FnMut(Copied<'_>),
) -> Result<u64, CopyError> {
    let names: Vec<String> = from
        .prepare(&format!(
            "SELECT name FROM pragma_table_info('{}')",
            table.replace('\'', "''")
        ))?
        .query_map([], |r| r.get(0))?
        .collect::<Result<_, _>>()?;
    let mut columns = Vec::with_capacity(names.len());
    for name in &names {
        let kind = target
            .iter()
            .find(|(c, _)| c == name)
            .ok_or_else(|| CopyError::NoColumn {
                table: table.into(),
                column: name.clone(),
            })?;
        let column = Column::parse(&kind.1).ok_or_else(|| CopyError::Value {
            table: table.into(),
            column: name.clone(),
            detail: format!(
                "PostgreSQL keeps it as {}, which this copy does not know",
                kind.1
            ),
        })?;
        columns.push(column);
    }
    if REPLACED.contains(&table) {
        wait(client.execute(&format!("DELETE FROM {}", quoted(table)), &[]))?;
    }
    let list = names
        .iter()
        .map(|n| quoted(n))
        .collect::<Vec<_>>()
        .join(", ");
    let of: u64 = from
        .query_row(
            &format!("SELECT count(*) FROM {}", quoted(table)),
            [],
            |r| r.get::<_, i64>(0),
        )?
        .try_into()
        .unwrap_or(0);
    let copy = format!("COPY {} ({list}) FROM STDIN BINARY", quoted(table));
    let types: Vec<Type> = columns.iter().map(|c| c.pg_type()).collect();
    let mut statement = from.prepare(&format!("SELECT {list} FROM {}", quoted(table)))?;
    let mut rows = statement.query([])?;
    let mut batch: Vec<Vec<Box<dyn ToSql + Sync + Send>>> = Vec::with_capacity(COPY_BATCH);
    let mut read = 0u64;
    progress(Copied { table, rows: 0, of });
    while let Some(row) = rows.next()? {
        let mut values = Vec::with_capacity(columns.len());
        for (i, column) in columns.iter().enumerate() {
            let value = column
                .value(row.get_ref(i)?)
                .map_err(|detail| CopyError::Value {
                    table: table.into(),
                    column: names[i].clone(),
                    detail,
                })?;
            values.push(value);
        }
        batch.push(values);
        read += 1;
        if batch.len() == COPY_BATCH {
            send(client, &copy, &types, &batch)?;
            batch.clear();
            progress(Copied {
                table,
                rows: read,
                of,
            });
        }
    }
    if !batch.is_empty() {
        send(client, &copy, &types, &batch)?;
        progress(Copied {
            table,
            rows: read,
            of,
        });
    }
    let arrived: i64 =
        wait(client.query_one(&format!("SELECT count(*) FROM {}", quoted(table)), &[]))?
            .try_get(0)?;
    let arrived = u64::try_from(arrived).unwrap_or(0);
    if arrived != read {
        return Err(CopyError::Count {
            table: table.into(),
            read,
            copied: arrived,
        });
    }
    Ok(read)
}

/// One batch by binary COPY.
fn send(
    client: &tokio_postgres::Client,
    copy: &str,
    types: &[Type],
    batch: &[Vec<Box<dyn ToSql + Sync + Send>>],
) -> Result<u64, CopyError> {
    Ok(wait(async {
        let sink = client.copy_in(copy).await?;
        let writer = BinaryCopyInWriter::new(sink, types);
        let mut writer = std::pin::pin!(writer);
        for row in batch {
            let values: Vec<&(dyn ToSql + Sync)> =
                row.iter().map(|v| &**v as &(dyn ToSql + Sync)).collect();
            writer.as_mut().write(&values).await?;
        }
        writer.finish().await
    })?)
}

/// The feed's next position and the audit's next id continue after the copied ones, so no
/// client's cursor is ever behind a position handed out again.
fn continue_numbering(
    client: &tokio_postgres::Client,
    from: &rusqlite::Connection,
) -> Result<(), CopyError> {
    // SQLite's AUTOINCREMENT never hands out a position again, even one compacted away.
    let handed_out: i64 = from
        .query_row(
            "SELECT COALESCE((SELECT seq FROM sqlite_sequence WHERE name = 'changes'), 0)",
            [],
            |r| r.get(0),
        )
        .unwrap_or(0);
    let stored: i64 =
        wait(client.query_one("SELECT COALESCE(MAX(seq), 0)::bigint FROM changes", &[]))?
            .try_get(0)?;
    let feed = handed_out.max(stored);
    if feed > 0 {
        wait(client.execute("SELECT setval('changes_seq', $1)", &[&feed]))?;
    }
    let audit: i64 = wait(client.query_one("SELECT COALESCE(MAX(id), 0)::bigint FROM audit", &[]))?
        .try_get(0)?;
    if audit > 0 {
        wait(client.execute(
            "SELECT setval(pg_get_serial_sequence('audit', 'id'), $1)",
            &[&audit],
        ))?;
    }
    Ok(())
}
