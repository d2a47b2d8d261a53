//! The local replica: every record this user may see, in a SQLite file per profile, so reads
//! never wait on the network; and the outbox of local writes, in a file beside it, so no write is
//! lost while offline or when the program is killed.
//!
//! Reads (`get`, `list`, `search_customers`, ...) are in `query`; local writes (`create`,
//! `update`, `delete`) and conflict resolution in `local_writes`; what the sync engine calls:
//! applying feed and snapshot pages in `apply`, an outbox entry's send, acknowledgement, rebase
//! (with the pure three-way `merge`) and refusal in `outbox_lifecycle`; the outbox file in
//! `outbox`; how a row is derived from the server copy and the outbox in `rows` (with the pure
//! `overlay`).

mod apply;
mod catalog;
mod clock;
mod duplicates;
mod error;
mod journal;
mod language;
mod list_indexes;
mod local_writes;
mod merge;
mod outbox;
mod outbox_lifecycle;
mod overlay;
mod prepared_row;
mod query;
mod ranges;
mod reminders;
mod rows;
pub mod schema;
pub mod search;
mod search_index;
mod signal;
mod snapshot_rows;
mod summaries;
mod undo;

use std::path::{Path, PathBuf};

use crm_server::access::Role;
use rusqlite::{Connection, ErrorCode, OptionalExtension};
use serde::Serialize;
use serde_json::{Map, Value};

pub use apply::{Applied, SnapshotResume, SnapshotStep, prepare_snapshot, prepare_snapshot_page};
pub use clock::Clock;
pub use error::ReplicaError;
pub use outbox::{Conflict, EntryState, Keep, Op, OutboxEntry};
pub use prepared_row::PreparedRow;
pub use query::{LocalQuery, SEARCH_CAP};
pub use ranges::{DealScope, StageSums};
pub use reminders::LastContact;
pub use signal::local_writes;
pub use snapshot_rows::prepare_snapshot_rows;
pub use undo::Undone;

use crm_server::schema::Entity;
pub use search_index::{STEP_ROWS, index_search, spawn_search_indexer};

/// One record as the screens see it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Record {
    pub entity: Entity,
    pub id: String,
    /// The server version this view is based on; 0 for a record not yet accepted by the server.
    pub version: i64,
    /// Local edits of this record are waiting in the outbox.
    pub pending: bool,
    /// A local edit conflicts with the server's; see `Replica::conflicts`.
    pub conflicted: bool,
    /// Every field, as the server sends it (with the local edits laid on).
    pub fields: Map<String, Value>,
}

impl Record {
    pub fn get(&self, field: &str) -> Option<&Value> {
        self.fields.get(field).filter(|v| !v.is_null())
    }

    pub fn text(&self, field: &str) -> Option<&str> {
        self.fields.get(field).and_then(Value::as_str)
    }
}

/// The words a record goes by for people: its human number (C000123, T-000123) and its title
/// (a name, a subject), as its descriptor names them; the noun when it has neither.
pub fn record_label(entity: Entity, fields: &Map<String, Value>) -> String {
    let d = entity.descriptor();
    let text = |f: &str| fields.get(f).and_then(Value::as_str).unwrap_or("").trim();
    let number = d.number.map(text).unwrap_or("");
    let title = text(d.title);
    // A title that is a link (a deal's competitor) is an id: no use to people.
    let title = if uuid::Uuid::parse_str(title).is_ok() {
        ""
    } else {
        title
    };
    let label = format!("{number} {title}");
    let label = label.trim();
    if label.is_empty() {
        entity.noun().to_string()
    } else {
        label.to_string()
    }
}

/// A user as people know them: their display name, else their username. None for no user, or
/// one this replica does not hold (a record written before `updated_by` was kept, say):
/// callers then say nothing rather than show an id.
pub fn user_name(user: Option<&Map<String, Value>>) -> Option<String> {
    let user = user?;
    let text = |f: &str| {
        user.get(f)
            .and_then(Value::as_str)
            .map(str::trim)
            .filter(|s| !s.is_empty())
    };
    text("display_name")
        .or_else(|| text("username"))
        .map(String::from)
}

/// Who last changed the server's copy of a record and when, as the conflict views say it:
/// "changed by 王芳 at 2026-12-03 14:05 +08"; either part left out when unknown, "" for neither.
/// `when` is already in the user's zone.
pub fn changed_by(who: Option<&str>, when: Option<&str>) -> String {
    match (who, when) {
        (Some(who), Some(when)) => format!("changed by {who} at {when}"),
        (Some(who), None) => format!("changed by {who}"),
        (None, Some(when)) => format!("changed at {when}"),
        (None, None) => String::new(),
    }
}

/// Where the replica stands, for a status line.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ReplicaStatus {
    /// The change-feed position synced up to; 0 before the first sync.
    pub cursor: i64,
    pub last_sync_at: Option<String>,
    /// Local writes not yet accepted by the server (including those parked in conflict).
    pub pending_writes: usize,
    /// Local writes the server refused; `Replica::outbox` says why.
    pub failed_writes: usize,
    /// Fields in conflict, waiting for `resolve`.
    pub conflicts: usize,
}

/// The replica of one profile: a cache file (`path`) and its outbox (`path` + `.outbox`).
pub struct Replica {
    path: PathBuf,
    db: Connection,
    outbox: Connection,
    rebuilt: Option<String>,
    clock: Clock,
}

/// The outbox file beside a replica file.
pub fn outbox_path(path: &Path) -> PathBuf {
    let mut name = path.as_os_str().to_owned();
    name.push(".outbox");
    PathBuf::from(name)
}

fn with_suffix(path: &Path, suffix: &str) -> PathBuf {
    let mut name = path.as_os_str().to_owned();
    name.push(suffix);
    PathBuf::from(name)
}

fn remove_file(path: &Path) -> Result<(), ReplicaError> {
    match std::fs::remove_file(path) {
        Ok(()) => Ok(()),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(()),
        Err(source) => Err(ReplicaError::Io {
            path: path.to_path_buf(),
            source,
        }),
    }
}

/// Removes a database file with its WAL and shared-memory files.
fn remove_database(path: &Path) -> Result<(), ReplicaError> {
    remove_file(&with_suffix(path, "-wal"))?;
    remove_file(&with_suffix(path, "-shm"))?;
    remove_file(path)
}

/// The page cache, in KiB (negative, as `PRAGMA cache_size` takes it): usually, and while a first
/// sync fills the replica. A first sync appends (the snapshot comes in id order) and its index
/// builds read the tables in order, so a larger cache saves little; it also sizes the index
/// builds' sort runs. It was 256 MB, which a 1M-customer first sync filled: most of a 300 MB
/// budget for the whole process.
const CACHE_KIB: i64 = -32_000;
const BULK_CACHE_KIB: i64 = -64 * 1024;

/// The page size of a new replica file, in bytes.
const PAGE_SIZE: i64 = 16 * 1024;

fn configure_replica(conn: &Connection) -> rusqlite::Result<()> {
    conn.busy_timeout(std::time::Duration::from_secs(10))?;
    // Takes effect only in a file not yet written, before the WAL is switched on. A first sync
    // writes the whole file page by page; four times fewer, larger pages halve what its commits
    // cost (one write call per page).
    conn.pragma_update(None, "page_size", PAGE_SIZE)?;
    conn.pragma_update(None, "journal_mode", "WAL")?;
    // A cache: a power cut may lose the last pages applied, which the next pull brings again
    // (the cursor is committed with them).
    conn.pragma_update(None, "synchronous", "NORMAL")?;
    conn.pragma_update(None, "cache_size", CACHE_KIB)?;
    conn.pragma_update(None, "temp_store", "MEMORY")?;
    conn.set_prepared_statement_cache_capacity(64);
    Ok(())
}

/// Opens the replica file as it is: Ok(None) when it must be rebuilt (wrong version, foreign).
fn open_existing(path: &Path) -> Result<Option<Connection>, ReplicaError> {
    let conn = Connection::open(path)?;
    configure_replica(&conn)?;
    let version: i64 = conn.query_row("PRAGMA user_version", [], |r| r.get(0))?;
    let tables: i64 = conn.query_row("SELECT COUNT(*) FROM sqlite_master", [], |r| r.get(0))?;
    if version == schema::replica_version() {
        // Reading the meta row touches a page beyond the header, which catches most damage.
        conn.query_row("SELECT COUNT(*) FROM meta", [], |r| r.get::<_, i64>(0))?;
        return Ok(Some(conn));
    }
    if version == 0 && tables == 0 {
        conn.execute_batch(&format!(
            "BEGIN IMMEDIATE; {} COMMIT;",
            schema::create_sql()
        ))?;
        return Ok(Some(conn));
    }
    Ok(None)
}

/// Customers' data: the file (and the WAL and shared-memory files SQLite makes beside it with
/// its mode) only its owner may read.
fn private_database(path: &Path) -> Result<(), ReplicaError> {
    crate::private::database(path).map_err(|source| ReplicaError::Io {
        path: path.to_path_buf(),
        source,
    })
}

fn create_fresh(path: &Path) -> Result<Connection, ReplicaError> {
    remove_database(path)?;
    private_database(path)?;
    let conn = Connection::open(path)?;
    configure_replica(&conn)?;
    conn.execute_batch(&format!(
        "BEGIN IMMEDIATE; {} COMMIT;",
        schema::create_sql()
    ))?;
    Ok(conn)
}

fn open_outbox(path: &Path, notes: &mut Vec<String>) -> Result<Connection, ReplicaError> {
    let outbox_file = outbox_path(path);
    match outbox::open(&outbox_file) {
        Ok(conn) => Ok(conn),
        Err(e) if e.is_damage() => {
            // Never delete unsent work: move the damaged file aside where it can be recovered.
            let stamp = chrono::Utc::now().format("%Y%m%dT%H%M%S");
            let aside = with_suffix(&outbox_file, &format!(".damaged-{stamp}"));
            std::fs::rename(&outbox_file, &aside).map_err(|source| ReplicaError::Io {
                path: outbox_file.clone(),
                source,
            })?;
            for suffix in ["-wal", "-shm"] {
                let from = with_suffix(&outbox_file, suffix);
                if from.exists() {
                    let _ = std::fs::rename(&from, with_suffix(&aside, suffix));
                }
            }
            notes.push(format!(
                "the outbox was damaged ({e}); it was moved to {} and a new one started",
                aside.display()
            ));
            outbox::open(&outbox_file)
        }
        Err(e) => Err(e),
    }
}

impl Replica {
    /// Opens the replica at `path` (creating it and its outbox if needed). A damaged replica or
    /// one of another format is rebuilt empty — `rebuilt()` then says so — and refilled by the
    /// next pull; the outbox is kept and its edits laid on again.
    pub fn open(path: &Path) -> Result<Replica, ReplicaError> {
        if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
            crate::private::dir(dir).map_err(|source| ReplicaError::Io {
                path: dir.to_path_buf(),
                source,
            })?;
        }
        private_database(path)?;
        let mut notes = Vec::new();
        let outbox = open_outbox(path, &mut notes)?;
        let db = match open_existing(path) {
            Ok(Some(conn)) => conn,
            Ok(None) => {
                notes.push("the local replica was of another format and was rebuilt; a full sync refills it".into());
                create_fresh(path)?
            }
            Err(e) if e.is_damage() => {
                notes.push(format!(
                    "the local replica was damaged ({e}) and was rebuilt; a full sync refills it"
                ));
                create_fresh(path)?
            }
            Err(e) => return Err(e),
        };
        let replica = Replica {
            path: path.to_path_buf(),
            db,
            outbox,
            rebuilt: (!notes.is_empty()).then(|| notes.join("; ")),
            clock: Clock::System,
        };
        // Search indexes an older build left half made are built again in steps; and the
        // scratch file its first syncs built them in goes.
        if !replica.bulk_loading()? {
            replica.restart_stale_search_index()?;
            replica.upgrade_summaries()?;
            remove_database(&with_suffix(path, ".search-build"))?;
        }
        replica.relay_outbox()?;
        Ok(replica)
    }

    /// A second way into a replica another `Replica` owns, for local writes on a thread of
    /// their own (the TUI's writer): like `open_reader`, it never creates, repairs, rebuilds or
    /// relays anything, and it stamps its writes with `clock`.
    pub fn open_writer(path: &Path, clock: Clock) -> Result<Replica, ReplicaError> {
        let flags =
            rusqlite::OpenFlags::SQLITE_OPEN_READ_WRITE | rusqlite::OpenFlags::SQLITE_OPEN_NO_MUTEX;
        let db = Connection::open_with_flags(path, flags)?;
        configure_replica(&db)?;
        let version: i64 = db.query_row("PRAGMA user_version", [], |r| r.get(0))?;
        if version != schema::replica_version() {
            return Err(ReplicaError::BadQuery(
                "the local replica is of another format; it is written once it is rebuilt".into(),
            ));
        }
        Ok(Replica {
            path: path.to_path_buf(),
            db,
            outbox: outbox::open(&outbox_path(path))?,
            rebuilt: None,
            clock,
        })
    }

    /// The clock local writes are stamped with.
    pub fn clock(&self) -> Clock {
        self.clock
    }

    /// Stamps local writes, applied pages and conflicts with `clock` from now on.
    pub fn set_clock(&mut self, clock: Clock) {
        self.clock = clock;
    }

    fn now_ms(&self) -> i64 {
        self.clock.now_ms()
    }

    fn now_text(&self) -> String {
        self.clock.now_text()
    }

    /// Why the replica was rebuilt on open, if it was.
    pub fn rebuilt(&self) -> Option<&str> {
        self.rebuilt.as_deref()
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Empties the replica (a full sync refills it); unsent local writes are kept.
    pub fn rebuild(&mut self) -> Result<(), ReplicaError> {
        self.db = Connection::open_in_memory()?;
        self.db = create_fresh(&self.path)?;
        self.relay_outbox()
    }

    /// Ties the replica to the signed-in user. When another user signs in to this profile the
    /// replica is emptied first, so no one's records stay on disk for the next user; refused
    /// while the previous user's writes are unsent. When the same user comes back with another
    /// role or team, what they may see changed: the replica is emptied (their unsent writes
    /// kept) and the next sync refills it. True when it was emptied.
    pub fn bind_user(
        &mut self,
        user_id: &str,
        role: Role,
        team: Option<&str>,
    ) -> Result<bool, ReplicaError> {
        let previous = self.meta("user_id")?;
        let rebuild = match previous.as_deref() {
            Some(p) if p != user_id => {
                let theirs: i64 = self.outbox.query_row(
                    "SELECT COUNT(*) FROM outbox WHERE user_id IS NOT ?1",
                    [user_id],
                    |r| r.get(0),
                )?;
                if theirs > 0 {
                    return Err(ReplicaError::OtherUsersWrites {
                        count: theirs as usize,
                    });
                }
                true
            }
            Some(_) => {
                self.meta("role")?.as_deref() != Some(role.as_str())
                    || self.meta("team_id")?.as_deref() != team
            }
            None => false,
        };
        if rebuild {
            self.rebuild()?;
        }
        self.set_meta("user_id", Some(user_id))?;
        self.set_meta("role", Some(role.as_str()))?;
        self.set_meta("team_id", team)?;
        Ok(rebuild)
    }

    /// Keeps what the server says the user's role may do per entity (`/me`'s `capabilities`),
    /// for the screens to offer only those actions.
    pub fn set_capabilities(&self, caps: &Map<String, Value>) -> Result<(), ReplicaError> {
        let text = serde_json::to_string(caps).unwrap_or_else(|_| "{}".into());
        self.set_meta("capabilities", Some(&text))
    }

    /// The server has said what the user's role may do (see `set_capabilities`).
    pub fn knows_capabilities(&self) -> Result<bool, ReplicaError> {
        Ok(self.meta("capabilities")?.is_some())
    }

    /// May the signed-in user's role do `action` (`create`, `edit`, `delete`) with records of
    /// `entity`, as the server last said; None when it has not said.
    pub fn may(&self, action: &str, entity: Entity) -> Result<Option<bool>, ReplicaError> {
        let Some(text) = self.meta("capabilities")? else {
            return Ok(None);
        };
        let caps: Value = serde_json::from_str(&text).unwrap_or(Value::Null);
        Ok(caps
            .get(entity.name())
            .and_then(|c| c.get(action))
            .and_then(Value::as_bool))
    }

    /// The signed-in user's id, when `bind_user` was called.
    pub fn user_id(&self) -> Result<Option<String>, ReplicaError> {
        self.meta("user_id")
    }

    /// Local writes are checked with the signed-in user's role; before sign-in, as an admin
    /// (the server still decides).
    pub fn role(&self) -> Result<Role, ReplicaError> {
        Ok(self
            .meta("role")?
            .as_deref()
            .and_then(Role::parse)
            .unwrap_or(Role::Admin))
    }

    pub fn status(&self) -> Result<ReplicaStatus, ReplicaError> {
        let (pending_writes, failed_writes, conflicts) = outbox::counts(&self.outbox)?;
        Ok(ReplicaStatus {
            cursor: self.cursor()?,
            last_sync_at: self.meta("last_sync_at")?,
            pending_writes,
            failed_writes,
            conflicts,
        })
    }

    /// The change-feed position synced up to.
    pub fn cursor(&self) -> Result<i64, ReplicaError> {
        Ok(self
            .meta("cursor")?
            .and_then(|c| c.parse().ok())
            .unwrap_or(0))
    }

    /// Every outbox entry in order, with its state and last error.
    pub fn outbox(&self) -> Result<Vec<OutboxEntry>, ReplicaError> {
        outbox::all(&self.outbox)
    }

    /// The writes the server refused, with their record named, oldest first.
    pub fn refused(&self) -> Result<Vec<OutboxEntry>, ReplicaError> {
        Ok(outbox::all(&self.outbox)?
            .into_iter()
            .filter(|e| e.state == EntryState::Failed)
            .collect())
    }

    /// Why the server refused a write on each record that has one, by record id: what a list
    /// marks with ⚠ and a record's view says.
    pub fn refusals(&self) -> Result<std::collections::HashMap<String, String>, ReplicaError> {
        Ok(self
            .refused()?
            .into_iter()
            .map(|e| (e.record_id, e.last_error.unwrap_or_default()))
            .collect())
    }

    /// How an outbox entry's record is known to people (its number and name), from the local
    /// view, else the copy the entry carries (a deleted record's), else its noun.
    pub fn entry_label(&self, entry: &OutboxEntry) -> Result<String, ReplicaError> {
        Ok(match self.get(entry.entity, &entry.record_id)? {
            Some(r) => record_label(entry.entity, &r.fields),
            None if !entry.base.is_empty() => record_label(entry.entity, &entry.base),
            None => record_label(entry.entity, &entry.fields),
        })
    }

    pub fn conflicts(&self) -> Result<Vec<Conflict>, ReplicaError> {
        outbox::conflicts(&self.outbox, None)
    }

    /// True when some outbox entry waits to be sent.
    pub fn has_pending(&self) -> Result<bool, ReplicaError> {
        outbox::pending_exists(&self.outbox)
    }

    /// A first sync is under way: the search indexes are built when it ends.
    fn bulk_loading(&self) -> Result<bool, ReplicaError> {
        Ok(self.meta("bulk")?.as_deref() == Some("1"))
    }

    /// Settings for a first sync filling an empty replica, or back to the usual ones. Without
    /// syncing the file holds nothing a crash can lose that the next pull would not bring
    /// again (the cursor is committed with each page); a larger cache keeps more of the tables'
    /// and index builds' pages in memory before spilling them mid-transaction. A rollback journal
    /// instead of the WAL writes the new pages once (a WAL writes every page twice, to itself and
    /// at the checkpoint) and still rolls a stopped page back; it needs the file to itself, so
    /// while another process has it open the WAL stays.
    fn tune_for_bulk(&self, on: bool) -> Result<(), ReplicaError> {
        let (synchronous, cache, journal) = if on {
            ("OFF", BULK_CACHE_KIB, "TRUNCATE")
        } else {
            ("NORMAL", CACHE_KIB, "WAL")
        };
        let mode: String = self.db.query_row("PRAGMA journal_mode", [], |r| r.get(0))?;
        if !mode.eq_ignore_ascii_case(journal) {
            match self.db.pragma_update(None, "journal_mode", journal) {
                Err(e) if e.sqlite_error_code() == Some(ErrorCode::DatabaseBusy) => {}
                other => other?,
            }
        }
        self.db.pragma_update(None, "synchronous", synchronous)?;
        self.db.pragma_update(None, "cache_size", cache)?;
        Ok(())
    }

    /// Any row holds a record from the server (rather than only ones created here).
    fn holds_server_rows(&self) -> Result<bool, ReplicaError> {
        for entity in Entity::ALL {
            let sql = format!(
                "SELECT EXISTS (SELECT 1 FROM {} WHERE version > 0)",
                entity.name()
            );
            if self.db.query_row(&sql, [], |r| r.get::<_, bool>(0))? {
                return Ok(true);
            }
        }
        Ok(false)
    }

    /// The replica's database, for the dashboard's aggregate statements (`crate::dashboard`).
    pub(crate) fn connection(&self) -> &Connection {
        &self.db
    }

    fn meta(&self, key: &str) -> Result<Option<String>, ReplicaError> {
        Ok(self
            .db
            .prepare_cached("SELECT value FROM meta WHERE key = ?1")?
            .query_row([key], |r| r.get(0))
            .optional()?
            .flatten())
    }

    fn set_meta(&self, key: &str, value: Option<&str>) -> Result<(), ReplicaError> {
        self.db
            .prepare_cached("INSERT INTO meta (key, value) VALUES (?1, ?2) ON CONFLICT(key) DO UPDATE SET value = excluded.value")?
            .execute(rusqlite::params![key, value])?;
        Ok(())
    }

    /// Lays every unsent edit on the replica again: after a rebuild, and in case the program
    /// stopped between committing an outbox entry and updating the record it changes.
    fn relay_outbox(&self) -> Result<(), ReplicaError> {
        let records = outbox::records(&self.outbox)?;
        let stale = rows::pending_rows(&self.db)?;
        if records.is_empty() && stale.is_empty() {
            return Ok(());
        }
        let tx = Tx::begin(&self.db)?;
        let mut dirty = self.dirty()?;
        for (entity, id) in records.iter().chain(stale.iter()) {
            self.recompute(entity.to_owned(), id, &mut dirty)?;
        }
        self.finish(&mut dirty)?;
        tx.commit()
    }

    /// Wakes a live sync task in this process after a local write.
    fn signal_write(&self) {
        signal::local_writes(&self.path).notify_one();
    }
}

/// An immediate transaction on a connection the replica shares by reference; rolls back unless
/// committed.
struct Tx<'c> {
    conn: &'c Connection,
    done: bool,
}

impl<'c> Tx<'c> {
    fn begin(conn: &'c Connection) -> Result<Tx<'c>, ReplicaError> {
        conn.execute_batch("BEGIN IMMEDIATE")?;
        Ok(Tx { conn, done: false })
    }

    fn commit(mut self) -> Result<(), ReplicaError> {
        self.conn.execute_batch("COMMIT")?;
        self.done = true;
        Ok(())
    }
}

impl Drop for Tx<'_> {
    fn drop(&mut self) {
        if !self.done {
            let _ = self.conn.execute_batch("ROLLBACK");
        }
    }
}

#[cfg(test)]
mod tests;
