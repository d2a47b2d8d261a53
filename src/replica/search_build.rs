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
use std::sync::mpsc::{Receiver, SyncSender, sync_channel};
use std::thread::JoinHandle;

use crm_server::schema::Entity;
use rusqlite::Connection;

use super::rows::{IndexOp, rebuild_search};
use super::{Replica, ReplicaError, Tx, remove_database, schema, with_suffix};

/// Batches (a page's rows each, under 1 MB) the writer may run ahead of the builder. The builder
/// gives way to the rest of the sync (`give_way`) and catches up while the writer builds the
/// list indexes, so it falls far behind: a 1M-customer first sync peaks at about 80 MB more
/// (with 64 batches the writer waited for it, 2 s longer in all).
const BATCHES_AHEAD: usize = 512;

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
    sender: Option<SyncSender<Vec<IndexOp>>>,
    thread: Option<JoinHandle<rusqlite::Result<()>>>,
    /// Set when the build is abandoned, so the thread stops without finishing the backlog.
    cancel: Arc<AtomicBool>,
}

impl SearchBuild {
    /// Starts a builder in a new file beside `replica` (a leftover one is replaced).
    pub fn start(replica: &Path) -> Result<SearchBuild, ReplicaError> {
        let path = build_path(replica);
        remove_database(&path)?;
        super::private_database(&path)?;
        let conn = Connection::open(&path)?;
        // A scratch file: nothing in it outlives a crash (the copy is what counts).
        conn.pragma_update(None, "journal_mode", "OFF")?;
        conn.pragma_update(None, "synchronous", "OFF")?;
        conn.pragma_update(None, "cache_size", CACHE_KIB)?;
        conn.execute_batch(&schema::search_build_sql())?;
        let (sender, receiver) = sync_channel(BATCHES_AHEAD);
        let cancel = Arc::new(AtomicBool::new(false));
        let stop = cancel.clone();
        let thread = std::thread::Builder::new()
            .name("crm-search-build".into())
            .spawn(move || {
                give_way();
                grow(&conn, &receiver, &stop)
            })
            .map_err(|source| ReplicaError::Io {
                path: path.clone(),
                source,
            })?;
        Ok(SearchBuild {
            path,
            sender: Some(sender),
            thread: Some(thread),
            cancel,
        })
    }

    /// Hands a batch of index changes over. A builder that stopped takes nothing more; its
    /// error comes from `finish`.
    pub fn send(&self, ops: Vec<IndexOp>) {
        if let Some(sender) = self.sender.as_ref().filter(|_| !ops.is_empty()) {
            let _ = sender.send(ops);
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
    batches: &Receiver<Vec<IndexOp>>,
    cancel: &AtomicBool,
) -> rusqlite::Result<()> {
    conn.execute_batch("BEGIN")?;
    for ops in batches {
        if cancel.load(Ordering::Relaxed) {
            return Ok(());
        }
        for op in &ops {
            op.execute(conn)?;
        }
    }
    conn.execute_batch("COMMIT")
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
        let copied = match build.map(SearchBuild::finish) {
            Some(Ok(built)) => copy_into(&self.path, &built),
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
