//! A first sync's search indexes, grown on a thread of their own beside the writer.
//!
//! While a first sync fills an empty replica, the writer stores the rows and hands the search
//! text of customers and contacts to this builder, which grows the same FTS5 indexes in a file of
//! its own (`<replica>.search-build`) on the other core. When the sync ends, the built indexes are
//! copied into the replica's search tables in one transaction: FTS5 keeps an index in two plain
//! tables (`<name>_data`, `<name>_idx`) whose contents do not depend on where the indexed text is
//! kept, so an index built without content serves the replica's external-content table. The last
//! page's transaction leaves `meta.search = 'copy'`, cleared by the copy's; a stop in between is
//! found on open, and the search indexes are then rebuilt from the rows (`Replica::open`). Rows
//! another process writes meanwhile never reach this builder: such a write leaves
//! `meta.search = 'rebuild'`, and the sync's end rebuilds the indexes from the rows instead.

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::{Receiver, Sender, channel};
use std::sync::{Condvar, Mutex, PoisonError};
use std::thread::JoinHandle;

use crm_server::schema::Entity;
use rusqlite::Connection;

use super::rows::{IndexOp, rebuild_search};
use super::{Replica, ReplicaError, Tx, remove_database, schema, with_suffix};

/// The search text the writer may run ahead of the builder, in bytes. The builder gives way to
/// the rest of the sync (`give_way`) and catches up while the writer builds the list indexes, so
/// it falls behind; a bound by batches (512, each a page's text of 1–1.5 MB) let a 1M-customer
/// first sync hold hundreds of megabytes of it when the server took the other core. At 48 MB the
/// writer waited for the builder (1M at load 3–5: 71.5 s against 44.9 s unbounded).
const BACKLOG_BYTES: usize = 128 * 1024 * 1024;

/// The builder's nice value: it works on what the writer, the fetching and the server leave.
#[cfg(target_os = "linux")]
const BUILDER_NICE: i32 = 10;

/// The builder's page cache, in KiB (negative, as `PRAGMA cache_size` takes it): it only appends
/// (FTS5 holds its pending entries in a hash of its own).
const CACHE_KIB: i64 = -8 * 1024;

/// The file a first sync's search indexes are built in, beside the replica.
pub fn build_path(replica: &Path) -> PathBuf {
    with_suffix(replica, ".search-build")
}

/// A builder thread and the file it writes.
pub struct SearchBuild {
    path: PathBuf,
    sender: Option<Sender<(Vec<IndexOp>, usize)>>,
    /// The bytes of text sent and not yet indexed, bounded by `BACKLOG_BYTES`.
    backlog: Arc<Backlog>,
    thread: Option<JoinHandle<rusqlite::Result<()>>>,
    /// Set when the build is abandoned, so the thread stops without finishing the backlog.
    cancel: Arc<AtomicBool>,
}

impl SearchBuild {
    /// Starts a builder in a new file beside `replica` (a leftover one is replaced).
    pub fn start(replica: &Path) -> Result<SearchBuild, ReplicaError> {
        SearchBuild::start_bounded(replica, BACKLOG_BYTES)
    }

    /// `start`, the writer waiting while `limit` bytes of text wait for the builder.
    fn start_bounded(replica: &Path, limit: usize) -> Result<SearchBuild, ReplicaError> {
        let path = build_path(replica);
        remove_database(&path)?;
        super::private_database(&path)?;
        let conn = Connection::open(&path)?;
        // A scratch file: nothing in it outlives a crash (the copy is what counts).
        conn.pragma_update(None, "journal_mode", "OFF")?;
        conn.pragma_update(None, "synchronous", "OFF")?;
        conn.pragma_update(None, "cache_size", CACHE_KIB)?;
        conn.execute_batch(&schema::search_build_sql())?;
        let (sender, receiver) = channel();
        let cancel = Arc::new(AtomicBool::new(false));
        let stop = cancel.clone();
        let backlog = Arc::new(Backlog::new(limit));
        let done = backlog.clone();
        let thread = std::thread::Builder::new()
            .name("crm-search-build".into())
            .spawn(move || {
                give_way();
                let grown = grow(&conn, &receiver, &stop, &done);
                // A builder that stopped holds nothing back: the writer must not wait for it.
                done.close();
                grown
            })
            .map_err(|source| ReplicaError::Io {
                path: path.clone(),
                source,
            })?;
        Ok(SearchBuild {
            path,
            sender: Some(sender),
            backlog,
            thread: Some(thread),
            cancel,
        })
    }

    /// Hands a batch of index changes over, first waiting while the builder is `BACKLOG_BYTES`
    /// behind. A builder that stopped takes nothing more; its error comes from `finish`.
    pub fn send(&self, ops: Vec<IndexOp>) {
        if let Some(sender) = self.sender.as_ref().filter(|_| !ops.is_empty()) {
            let bytes = ops.iter().map(IndexOp::bytes).sum();
            let _span = tracing::debug_span!("search_backlog_wait").entered();
            if self.backlog.take(bytes) && sender.send((ops, bytes)).is_err() {
                self.backlog.give(bytes);
            }
        }
    }

    /// Waits until everything sent is indexed; the built file, to copy from.
    pub fn finish(mut self) -> Result<PathBuf, ReplicaError> {
        self.sender = None;
        let outcome = self.thread.take().map(JoinHandle::join);
        match outcome {
            Some(Ok(Ok(()))) => Ok(self.path.clone()),
            Some(Ok(Err(e))) => Err(e.into()),
            Some(Err(_)) | None => Err(ReplicaError::Damaged(
                "the search index builder stopped unexpectedly".into(),
            )),
        }
    }
}

impl Drop for SearchBuild {
    /// An abandoned build (the sync stopped, the replica was emptied) stops at once.
    fn drop(&mut self) {
        if let Some(thread) = self.thread.take() {
            self.cancel.store(true, Ordering::Relaxed);
            self.sender = None;
            let _ = thread.join();
            let _ = remove_database(&self.path);
        }
    }
}

/// Lowers the calling thread's priority. A first sync is bound by the processor: the pages are
/// fetched, prepared and written while the builder indexes them, and the writer ends by
/// building the list indexes alone. At equal priority the builder kept pace with the writer and
/// the end left a core idle; giving way, it does the same work in that gap (a 1M-customer first
/// sync: 20.6 s → 18.0–18.5 s). Where this is not possible, the builder runs as it is.
fn give_way() {
    // On Linux a nice value belongs to a thread: PRIO_PROCESS of the caller is this thread.
    #[cfg(target_os = "linux")]
    let _ = rustix::process::setpriority_process(None, BUILDER_NICE);
}

/// The builder's loop: every batch in one transaction, committed when the writer is done, so
/// FTS5 writes its segments as its memory fills rather than once per page.
fn grow(
    conn: &Connection,
    batches: &Receiver<(Vec<IndexOp>, usize)>,
    cancel: &AtomicBool,
    backlog: &Backlog,
) -> rusqlite::Result<()> {
    conn.execute_batch("BEGIN")?;
    for (ops, bytes) in batches {
        if cancel.load(Ordering::Relaxed) {
            return Ok(());
        }
        let _span = tracing::debug_span!("search_grow").entered();
        for op in &ops {
            op.execute(conn)?;
        }
        drop(ops);
        backlog.give(bytes);
    }
    conn.execute_batch("COMMIT")
}

/// The bytes handed to the builder and not yet indexed: the writer waits for room.
struct Backlog {
    state: Mutex<BacklogState>,
    room: Condvar,
    limit: usize,
}

#[derive(Default)]
struct BacklogState {
    held: usize,
    /// The builder stopped: nothing more is taken, nobody waits.
    closed: bool,
}

/// Whether a batch of `bytes` may be handed over while `held` bytes wait: within the limit, or
/// the builder has nothing (a batch larger than the limit alone must not wait forever).
fn has_room(held: usize, bytes: usize, limit: usize) -> bool {
    held == 0 || held.saturating_add(bytes) <= limit
}

impl Backlog {
    fn new(limit: usize) -> Backlog {
        Backlog {
            state: Mutex::new(BacklogState::default()),
            room: Condvar::new(),
            limit,
        }
    }

    /// Waits for room for `bytes` and counts them; false when the builder has stopped.
    fn take(&self, bytes: usize) -> bool {
        let state = self.state.lock().unwrap_or_else(PoisonError::into_inner);
        let mut state = self
            .room
            .wait_while(state, |s| !s.closed && !has_room(s.held, bytes, self.limit))
            .unwrap_or_else(PoisonError::into_inner);
        if state.closed {
            return false;
        }
        state.held += bytes;
        true
    }

    fn give(&self, bytes: usize) {
        let mut state = self.state.lock().unwrap_or_else(PoisonError::into_inner);
        state.held = state.held.saturating_sub(bytes);
        self.room.notify_all();
    }

    fn close(&self) {
        let mut state = self.state.lock().unwrap_or_else(PoisonError::into_inner);
        state.closed = true;
        self.room.notify_all();
    }
}

/// Replaces the replica's search indexes with the built ones and clears `meta.search`, in one
/// transaction of a connection of its own: the replica's connection sees a change made by
/// another, so FTS5 reads the new index rather than what it held in memory. Call with no
/// transaction open on the replica. The built file is removed.
pub fn copy_into(replica: &Path, built: &Path) -> Result<(), ReplicaError> {
    let conn = Connection::open(replica)?;
    conn.busy_timeout(std::time::Duration::from_secs(10))?;
    conn.pragma_update(None, "synchronous", "OFF")?;
    conn.execute(
        "ATTACH DATABASE ?1 AS built",
        [built.to_string_lossy().as_ref()],
    )?;
    let mut sql = String::from("BEGIN IMMEDIATE;\n");
    for fts in Entity::ALL.into_iter().filter_map(schema::indexed) {
        for part in ["data", "idx"] {
            sql.push_str(&format!(
                "DELETE FROM main.{fts}_{part};\nINSERT INTO main.{fts}_{part} SELECT * FROM built.{fts}_{part};\n"
            ));
        }
    }
    sql.push_str("DELETE FROM main.meta WHERE key = 'search';\nCOMMIT;\nDETACH DATABASE built;");
    conn.execute_batch(&sql)?;
    drop(conn);
    remove_database(built)
}

impl Replica {
    /// Starts a first sync's builder, if none runs, and gives it the rows already stored (those
    /// a stopped first sync wrote). Without one (it could not start) the indexes are built from
    /// the rows at the sync's end, as before.
    pub(super) fn start_search_build(&self) -> Result<(), ReplicaError> {
        if self.search_build.borrow().is_some() {
            return Ok(());
        }
        let Ok(build) = SearchBuild::start(&self.path) else {
            return Ok(());
        };
        for entity in Entity::ALL {
            let Some(fts) = schema::indexed(entity) else {
                continue;
            };
            let mut stmt = self.db.prepare(&format!(
                "SELECT rowid, search, digits FROM {}",
                entity.name()
            ))?;
            let rows = stmt.query_map([], |r| {
                Ok(IndexOp::add(fts, r.get(0)?, r.get(1)?, r.get(2)?))
            })?;
            build.send(rows.collect::<Result<_, _>>()?);
        }
        *self.search_build.borrow_mut() = Some(build);
        Ok(())
    }

    /// After the last page of a first sync is committed: puts the built search indexes in place
    /// (or, when the builder failed or is gone, or another process wrote rows it was not given,
    /// `meta.search = 'rebuild'`, rebuilds them from the rows).
    pub(super) fn finish_search(&self) -> Result<(), ReplicaError> {
        if self.bulk_loading()? {
            return Ok(());
        }
        let build = match self.meta("search")?.as_deref() {
            Some("copy") => self.search_build.borrow_mut().take(),
            Some(_) => {
                self.search_build.borrow_mut().take();
                return self.rebuild_search_indexes();
            }
            None => return Ok(()),
        };
        let finished =
            tracing::debug_span!("search_wait").in_scope(|| build.map(SearchBuild::finish));
        let copied = match finished {
            Some(Ok(built)) => {
                tracing::debug_span!("search_copy").in_scope(|| copy_into(&self.path, &built))
            }
            Some(Err(e)) => Err(e),
            None => Err(ReplicaError::Damaged("no search index was built".into())),
        };
        if copied.is_err() {
            self.rebuild_search_indexes()?;
        }
        Ok(())
    }

    /// Fills the search indexes anew from the rows, and clears `meta.search`.
    pub(super) fn rebuild_search_indexes(&self) -> Result<(), ReplicaError> {
        let tx = Tx::begin(&self.db)?;
        for fts in Entity::ALL.into_iter().filter_map(schema::indexed) {
            rebuild_search(&self.db, fts)?;
        }
        self.set_meta("search", None)?;
        tx.commit()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_batch_waits_only_while_the_backlog_is_full() {
        assert!(has_room(0, 10, 100));
        assert!(has_room(90, 10, 100));
        assert!(!has_room(91, 10, 100));
        // A batch larger than the whole bound goes when the builder has caught up.
        assert!(has_room(0, 500, 100));
        assert!(!has_room(1, 500, 100));
    }

    #[test]
    fn the_writer_waits_for_the_builder_and_never_for_a_stopped_one() {
        let backlog = Arc::new(Backlog::new(100));
        assert!(backlog.take(80));
        let waiting = {
            let backlog = backlog.clone();
            std::thread::spawn(move || backlog.take(50))
        };
        backlog.give(80);
        assert!(waiting.join().unwrap(), "room once the builder caught up");
        assert!(backlog.take(50));
        let blocked = {
            let backlog = backlog.clone();
            std::thread::spawn(move || backlog.take(50))
        };
        backlog.close();
        assert!(!blocked.join().unwrap(), "a stopped builder takes nothing");
        assert!(!backlog.take(1));
    }

    #[test]
    fn a_builder_kept_a_byte_behind_still_indexes_every_batch() {
        let dir = tempfile::tempdir().unwrap();
        let replica = dir.path().join("r.db");
        let build = SearchBuild::start_bounded(&replica, 1).unwrap();
        for batch in 0..20 {
            let ops = (0..3)
                .map(|i| {
                    let rowid = batch * 3 + i + 1;
                    IndexOp::add(
                        "customer_fts",
                        rowid,
                        format!("acme {rowid}"),
                        String::new(),
                    )
                })
                .collect();
            build.send(ops);
        }
        let built = build.finish().unwrap();
        let conn = Connection::open(&built).unwrap();
        let hits: i64 = conn
            .query_row(
                "SELECT count(*) FROM customer_fts WHERE customer_fts MATCH 'acm'",
                [],
                |r| r.get(0),
            )
            .unwrap();
        assert_eq!(hits, 60);
    }
}
