//! The search indexes of a replica a first sync filled, built after the sync, a step at a time.
//!
//! A first sync writes the rows and nothing more (its list indexes come first, `list_indexes`;
//! this build follows them): building the two FTS5
//! trigram indexes of a million customers and their contacts took as much of the two cores as
//! the rest of the sync, and holding their text for a builder thread was a third of its memory.
//! Its last page's transaction empties the search indexes and leaves `meta.search` saying where
//! a build stands (`<index> <rowid>`: the indexes before it are complete, and this one holds its
//! table's rows up to that rowid). `index_search_step` then indexes the next few thousand rows in
//! one short transaction and moves the mark, so the build can run in any process that has the
//! replica open (the screens start one on a thread of their own; `crm login` and `crm sync` leave
//! one running in the background), stop anywhere and continue, and never holds the replica's write
//! lock for long. Meanwhile a search scans the rows (`search_ready` is false), and a write to a
//! row the build has passed is indexed as usual while one to a row ahead of it is left to the
//! build, which reads the row as it then stands.

use std::path::{Path, PathBuf};
use std::time::Duration;

use crm_server::schema::Entity;
use rusqlite::OptionalExtension;

use super::{Clock, Replica, ReplicaError, Tx, schema};

/// Rows indexed per step (per transaction): a fraction of a second of work, so a local write
/// waiting for the replica's write lock waits at most that long.
pub const STEP_ROWS: i64 = 20_000;

/// The builder's nice value: it works on what the screens and the live sync leave.
#[cfg(target_os = "linux")]
const BUILDER_NICE: i32 = 10;

/// The search indexes, in the order a build goes through them, with their tables.
fn indexes() -> impl Iterator<Item = (Entity, &'static str)> {
    Entity::ALL
        .into_iter()
        .filter_map(|e| schema::indexed(e).map(|fts| (e, fts)))
}

/// Where a build of the search indexes stands: the index it is at (its place in `indexes`)
/// and the last rowid of that index's table it holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct Pending {
    index: usize,
    after: i64,
}

impl Pending {
    const START: Pending = Pending { index: 0, after: 0 };

    /// Read from `meta.search`; None for anything else (an older build's `copy` or `rebuild`).
    fn parse(text: &str) -> Option<Pending> {
        let (fts, after) = text.split_once(' ')?;
        let index = indexes().position(|(_, name)| name == fts)?;
        Some(Pending {
            index,
            after: after.parse().ok()?,
        })
    }

    fn text(self) -> Option<String> {
        let (_, fts) = indexes().nth(self.index)?;
        Some(format!("{fts} {}", self.after))
    }

    /// The build has passed row `rowid` of index `fts`: a change to it goes to the index now
    /// (a change to a row ahead is left to the build, which reads the row when it gets there).
    pub(super) fn covers(self, fts: &str, rowid: i64) -> bool {
        match indexes().position(|(_, name)| name == fts) {
            Some(i) => i < self.index || (i == self.index && rowid <= self.after),
            None => true,
        }
    }
}

impl Replica {
    /// The search indexes hold every row: no first sync is filling the replica and no build of
    /// the indexes is under way. Until then a search scans the rows.
    pub fn search_ready(&self) -> Result<bool, ReplicaError> {
        Ok(!self.bulk_loading()? && self.meta("search")?.is_none())
    }

    /// Where a build of the search indexes stands, when one is under way.
    pub(super) fn search_pending(&self) -> Result<Option<Pending>, ReplicaError> {
        Ok(self.meta("search")?.as_deref().and_then(Pending::parse))
    }

    /// Empties the search indexes and leaves them to be built from the rows in steps (inside
    /// the caller's transaction).
    pub(super) fn defer_search_index(&self) -> Result<(), ReplicaError> {
        for (_, fts) in indexes() {
            self.db.execute(
                &format!("INSERT INTO {fts}({fts}) VALUES ('delete-all')"),
                [],
            )?;
        }
        self.set_meta("search", Pending::START.text().as_deref())
    }

    /// A replica whose `meta.search` an older build left (`copy`, `rebuild`: its indexes not
    /// to be trusted) gets a build in steps instead.
    pub(super) fn restart_stale_search_index(&self) -> Result<(), ReplicaError> {
        if self.bulk_loading()? {
            return Ok(());
        }
        match self.meta("search")? {
            Some(text) if Pending::parse(&text).is_none() => {
                let tx = Tx::begin(&self.db)?;
                self.defer_search_index()?;
                tx.commit()
            }
            _ => Ok(()),
        }
    }

    /// The next step of building what a first sync left out, in one transaction: a list index
    /// while any is left (`list_indexes`), else up to `rows` more rows for search; true once
    /// every list and search index is complete (at once when no build is under way). While a
    /// first sync fills the replica nothing is done: its end starts the build over.
    pub fn index_search_step(&self, rows: i64) -> Result<bool, ReplicaError> {
        if self.meta("lists")?.is_some() {
            return self.list_step();
        }
        let tx = Tx::begin(&self.db)?;
        if self.bulk_loading()? {
            return Ok(false);
        }
        let Some(mut at) = self.search_pending()? else {
            // Nothing under way (or a value an older build left, which `open` restarts).
            return Ok(self.meta("search")?.is_none());
        };
        let Some((entity, fts)) = indexes().nth(at.index) else {
            self.set_meta("search", None)?;
            tx.commit()?;
            return Ok(true);
        };
        let table = entity.name();
        // The last rowid of this step, when the table holds more than `rows` rows after the mark.
        let end: Option<i64> = self
            .db
            .prepare_cached(&format!(
                "SELECT rowid FROM {table} WHERE rowid > ?1 ORDER BY rowid LIMIT 1 OFFSET ?2"
            ))?
            .query_row(rusqlite::params![at.after, rows.max(1) - 1], |r| r.get(0))
            .optional()?;
        self.db
            .prepare_cached(&format!(
                "INSERT INTO {fts}(rowid, search, digits) SELECT rowid, search, digits FROM {table} WHERE rowid > ?1 AND rowid <= ?2 ORDER BY rowid"
            ))?
            .execute(rusqlite::params![at.after, end.unwrap_or(i64::MAX)])?;
        match end {
            Some(end) => at.after = end,
            None => {
                at = Pending {
                    index: at.index + 1,
                    after: 0,
                };
            }
        }
        let next = at.text();
        self.set_meta("search", next.as_deref())?;
        tx.commit()?;
        Ok(next.is_none())
    }
}

impl Replica {
    /// One list index built (see `index_search_step`). Its sort runs in temporary files rather
    /// than in memory: SQLite then sorts runs of a cache's size in one block each and merges
    /// them, where in memory it kept every key of the table in an allocation of its own and
    /// sorted them as one list (at 1M customers a fifth more CPU and 50 MB more memory). The
    /// files are SQLite's own, 0600 and unlinked as they are made.
    fn list_step(&self) -> Result<bool, ReplicaError> {
        self.db.pragma_update(None, "temp_store", "FILE")?;
        let built = self.list_step_in_tx();
        self.db.pragma_update(None, "temp_store", "MEMORY")?;
        match built? {
            Some(false) => Ok(false),
            _ => Ok(!self.bulk_loading()? && self.meta("search")?.is_none()),
        }
    }

    fn list_step_in_tx(&self) -> Result<Option<bool>, ReplicaError> {
        let tx = Tx::begin(&self.db)?;
        if self.bulk_loading()? {
            return Ok(Some(false));
        }
        let built = self.list_index_step()?;
        tx.commit()?;
        Ok(built)
    }
}

/// Builds the list and search indexes of the replica at `path` to the end, a step at a time, at a low
/// priority, waiting out other writers. Nothing to do returns at once.
pub fn index_search(path: &Path) -> Result<(), ReplicaError> {
    give_way();
    let replica = Replica::open_writer(path, Clock::System)?;
    let mut busy = 0;
    loop {
        match replica.index_search_step(STEP_ROWS) {
            Ok(true) => return Ok(()),
            Ok(false) if replica.bulk_loading()? => return Ok(()),
            Ok(false) => busy = 0,
            // Another writer holds the replica (a page being applied, a local write): wait.
            Err(e) if e.is_busy() && busy < 30 => {
                busy += 1;
                std::thread::sleep(Duration::from_millis(100));
            }
            Err(e) => return Err(e),
        }
    }
}

/// `index_search` on a thread of its own; the thread's outcome from its handle.
pub fn spawn_search_indexer(
    path: PathBuf,
) -> std::io::Result<std::thread::JoinHandle<Result<(), ReplicaError>>> {
    std::thread::Builder::new()
        .name("crm-search-index".into())
        .spawn(move || index_search(&path))
}

/// Lowers the calling thread's priority: the build gives way to the screens and the sync.
/// Where this is not possible, it runs as it is.
fn give_way() {
    // On Linux a nice value belongs to a thread: PRIO_PROCESS of the caller is this thread.
    #[cfg(target_os = "linux")]
    let _ = rustix::process::setpriority_process(None, BUILDER_NICE);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_build_mark_reads_back_and_covers_the_rows_it_has_passed() {
        let at = Pending::parse("contact_fts 42").expect("a mark");
        assert_eq!(Pending::parse(&at.text().unwrap()), Some(at));
        assert!(at.covers("customer_fts", 1_000_000), "an index done before");
        assert!(at.covers("contact_fts", 42));
        assert!(
            !at.covers("contact_fts", 43),
            "a row ahead is left to the build"
        );
        for old in [
            "copy",
            "rebuild",
            "contact_fts",
            "nothing 1",
            "contact_fts x",
        ] {
            assert_eq!(Pending::parse(old), None, "{old}");
        }
    }
}
