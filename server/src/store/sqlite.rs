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
    (
        5,
        "0005_level_settings",
        include_str!("../../../migrations/0005_level_settings.sql"),
    ),
    (
        6,
        "0006_products_quotes",
        include_str!("../../../migrations/0006_products_quotes.sql"),
    ),
    (
        7,
        "0007_customer_sort_key",
        include_str!("../../../migrations/0007_customer_sort_key.sql"),
    ),
    (
        8,
        "0008_updated_by",
        include_str!("../../../migrations/0008_updated_by.sql"),
    ),
    (
        9,
        "0009_orders_stock_payments",
        include_str!("../../../migrations/0009_orders_stock_payments.sql"),
    ),
    (
        10,
        "0010_approvals_contracts",
        include_str!("../../../migrations/0010_approvals_contracts.sql"),
    ),
    (
        11,
        "0011_service_desk",
        include_str!("../../../migrations/0011_service_desk.sql"),
    ),
    (
        12,
        "0012_lists_custom_fields",
        include_str!("../../../migrations/0012_lists_custom_fields.sql"),
    ),
    (
        13,
        "0013_targets",
        include_str!("../../../migrations/0013_targets.sql"),
    ),
    (
        14,
        "0014_saved_queries_static_lists",
        include_str!("../../../migrations/0014_saved_queries_static_lists.sql"),
    ),
    (
        15,
        "0015_knowledge_surveys",
        include_str!("../../../migrations/0015_knowledge_surveys.sql"),
    ),
    (
        16,
        "0016_leads_campaigns",
        include_str!("../../../migrations/0016_leads_campaigns.sql"),
    ),
    (
        17,
        "0017_document_templates",
        include_str!("../../../migrations/0017_document_templates.sql"),
    ),
    (
        18,
        "0018_escalation",
        include_str!("../../../migrations/0018_escalation.sql"),
    ),
    (
        19,
        "0019_merges_bulk_actions",
        include_str!("../../../migrations/0019_merges_bulk_actions.sql"),
    ),
    (
        20,
        "0020_relations_dealers_territories",
        include_str!("../../../migrations/0020_relations_dealers_territories.sql"),
    ),
    (
        21,
        "0021_files",
        include_str!("../../../migrations/0021_files.sql"),
    ),
    (
        22,
        "0022_care",
        include_str!("../../../migrations/0022_care.sql"),
    ),
    (
        23,
        "0023_field_service",
        include_str!("../../../migrations/0023_field_service.sql"),
    ),
    (
        24,
        "0024_analysis",
        include_str!("../../../migrations/0024_analysis.sql"),
    ),
    (
        25,
        "0025_contact_merges",
        include_str!("../../../migrations/0025_contact_merges.sql"),
    ),
    (
        26,
        "0026_file_settings",
        include_str!("../../../migrations/0026_file_settings.sql"),
    ),
    (
        27,
        "0027_care_scan",
        include_str!("../../../migrations/0027_care_scan.sql"),
    ),
];

mod files;
mod tx;

pub use files::{Check, FileError, check_file, check_header, restore};
use files::{copy_into, create_private_dir, keep_private, schema_version};
pub use tx::SqliteTx;

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
    migrate_to(conn, i64::MAX)
}

/// `migrate` up to and with migration `last` (tests make a database as an older server left it).
fn migrate_to(conn: &Connection, last: i64) -> Result<Vec<&'static str>, StorageError> {
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
    for (name, key) in [
        (
            "crm_name_key",
            dedupe::name_key as fn(&str) -> Option<String>,
        ),
        ("crm_email_key", dedupe::email_key),
    ] {
        conn.create_scalar_function(
            name,
            1,
            FunctionFlags::SQLITE_UTF8 | FunctionFlags::SQLITE_DETERMINISTIC,
            move |ctx| Ok(ctx.get::<Option<String>>(0)?.as_deref().and_then(key)),
        )?;
    }
    conn.create_scalar_function(
        "crm_sort_key",
        1,
        FunctionFlags::SQLITE_UTF8 | FunctionFlags::SQLITE_DETERMINISTIC,
        |ctx| {
            Ok(ctx
                .get::<Option<String>>(0)?
                .as_deref()
                .map(crate::pinyin::sort_key))
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
    for (version, name, text) in MIGRATIONS.iter().filter(|m| m.0 > newest && m.0 <= last) {
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
    add_system_columns(conn)?;
    Ok(applied)
}

/// Adds `updated_by` to a record table made without it: one a migration numbered after 0006
/// but written before the column was kept creates. Idempotent, so migrations merged from
/// different branches may run in any order.
fn add_system_columns(conn: &Connection) -> Result<(), StorageError> {
    for entity in Entity::ALL {
        let (exists, has): (bool, bool) = conn.query_row(
            "SELECT count(*) > 0, coalesce(sum(name = 'updated_by'), 0) > 0 FROM pragma_table_info(?1)",
            [entity.name()],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )?;
        // A table a later migration makes (a database migrated part of the way) has it.
        if exists && !has {
            conn.execute_batch(&format!(
                "ALTER TABLE {} ADD COLUMN updated_by TEXT",
                entity.name()
            ))?;
        }
    }
    Ok(())
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

    /// One server serves an SQLite file: there is no other server to hear from.
    fn watch_other_servers(
        &self,
        _wake: std::sync::Weak<dyn Fn() + Send + Sync>,
    ) -> Result<(), StorageError> {
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::{IDEMPOTENCY_HOURS, hidden_columns};

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
        let later: Vec<&str> = MIGRATIONS[2..].iter().map(|m| m.1).collect();
        assert_eq!(migrate(&conn).unwrap(), later);
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
        // Migration 5 gives the customers stored before it their sort key.
        let sort: Vec<String> = conn
            .prepare("SELECT sort_name FROM customers ORDER BY code")
            .unwrap()
            .query_map([], |r| r.get(0))
            .unwrap()
            .collect::<Result<_, _>>()
            .unwrap();
        assert_eq!(sort, ["a", "b", "c"]);
    }

    #[test]
    fn a_record_table_made_without_updated_by_gets_it_on_the_next_start() {
        // As a table from a migration written before 0006 but merged after it would be.
        let conn = Connection::open_in_memory().unwrap();
        migrate(&conn).unwrap();
        conn.execute_batch("ALTER TABLE competitors DROP COLUMN updated_by")
            .unwrap();
        assert_eq!(migrate(&conn).unwrap(), Vec::<&str>::new());
        let has: bool = conn
            .query_row(
                "SELECT count(*) = 1 FROM pragma_table_info('competitors') WHERE name = 'updated_by'",
                [],
                |r| r.get(0),
            )
            .unwrap();
        assert!(has);
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

    /// A database's version is its last migration's number: both lists count up from 1 with
    /// no gap and no repeat, whatever order merged branches added them in.
    #[test]
    fn migrations_are_numbered_one_after_another() {
        for list in [MIGRATIONS, crate::store::postgres::MIGRATIONS] {
            let numbers: Vec<i64> = list.iter().map(|m| m.0).collect();
            let expected: Vec<i64> = (1..=list.len() as i64).collect();
            assert_eq!(numbers, expected);
            for m in list {
                assert!(m.1.starts_with(&format!("{:04}_", m.0)), "{}", m.1);
            }
        }
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

    #[test]
    fn customers_extra_map_becomes_custom_fields_and_lists_hold_the_codes_in_use() {
        let conn = Connection::open_in_memory().unwrap();
        migrate_to(&conn, 11).unwrap();
        conn.execute_batch(
            r#"INSERT INTO customers (id, version, created_at, updated_at, code, name, level, industry, extra)
             VALUES ('a', 1, '', '', 'C000001', 'A', 'A', '奇石加工', '{"年营业额": "1亿", "员工人数": 12, "vip": true}'),
                    ('b', 1, '', '', 'C000002', 'B', 'B', '软件', '{"员工人数": 15.5, "vip": "yes"}'),
                    ('c', 1, '', '', 'C000003', 'C', NULL, NULL, '{}');"#,
        )
        .unwrap();
        migrate(&conn).unwrap();
        let rows = |sql: &str| -> Vec<Vec<String>> {
            let mut stmt = conn.prepare(sql).unwrap();
            let n = stmt.column_count();
            stmt.query_map([], |r| {
                (0..n)
                    .map(|i| r.get::<_, Option<String>>(i).map(Option::unwrap_or_default))
                    .collect::<Result<Vec<_>, _>>()
            })
            .unwrap()
            .collect::<Result<_, _>>()
            .unwrap()
        };
        assert_eq!(
            rows("SELECT key, kind, CAST(searchable AS TEXT) FROM field_definitions ORDER BY key"),
            [
                ["vip", "text", "1"],
                ["员工人数", "number", "0"],
                ["年营业额", "text", "1"]
            ]
        );
        // Values stay under their keys; a value that was not text in a text field is text now.
        assert_eq!(
            rows("SELECT custom FROM customers ORDER BY code"),
            [
                [r#"{"vip":"true","员工人数":12,"年营业额":"1亿"}"#],
                // Left as it was: nothing in it needed rewriting.
                [r#"{"员工人数": 15.5, "vip": "yes"}"#],
                ["{}"],
            ]
        );
        // The lists hold the codes as they were, and the values found in the data.
        let levels = rows("SELECT code FROM list_items WHERE list = 'levels' ORDER BY position");
        assert_eq!(levels, [["A"], ["B"], ["C"], ["D"]]);
        assert_eq!(
            rows("SELECT name_zh FROM list_items WHERE list = 'industries' AND code = '奇石加工'"),
            [["奇石加工"]]
        );
        // Everyone reads them, and the feed carries them to every client.
        let items = rows("SELECT CAST(count(*) AS TEXT) FROM list_items");
        assert_eq!(
            rows(
                "SELECT CAST(count(*) AS TEXT) FROM acl WHERE entity = 'list_items' AND principal = 'all'"
            ),
            items
        );
        assert_eq!(
            rows("SELECT CAST(count(*) AS TEXT) FROM changes WHERE entity = 'list_items'"),
            items
        );
        assert_eq!(
            rows("SELECT CAST(count(*) AS TEXT) FROM changes WHERE entity = 'field_definitions'"),
            [["3"]]
        );
    }
}
