//! The change feed's recent past, held once per server for every long-poll. A write wakes every
//! waiting poll at once; each used to read the feed in a transaction of its own, so with a
//! thousand polls a write cost a thousand reads (on PostgreSQL, round trips through a pool of a
//! few dozen connections: seconds). Instead one read per wake-up takes the changes after what is
//! held, with each one's read set and dropped principals (`Tx::shared_changes`), and every poll
//! whose cursor lies inside the held range gets its page from memory, filtered for its user
//! exactly as `Tx::changes` filters in SQL. Pure: the API (`api/recent.rs`) does the reading.
//!
//! **What is held is what a read would return.** Every read is one transaction (one snapshot):
//! the changes after the held head up to that snapshot's head, so the held range is always a
//! whole stretch of the feed as one snapshot saw it, never past a position still in flight (the
//! backends' rule for `Tx::changes`). The feed is compacted (one row per record, at its latest
//! position), so a record's older entry is removed when a newer one arrives, as the table's row
//! is. Bounded: past [`Limits`] the oldest entries go and the held range starts later; a cursor
//! before it (or past the held head) is answered by the database as before.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::sync::Arc;

use crate::access::Actor;
use crate::catalog::Catalog;
use crate::schema::Entity;
use crate::store::SharedChange;
use crate::wire::FeedPage;

/// How much of the feed a server holds: at most this many entries and about this many bytes of
/// records.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    pub entries: usize,
    pub bytes: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            entries: 4096,
            bytes: 16 << 20,
        }
    }
}

/// One read of the feed's recent changes, made in one transaction.
#[derive(Debug, Clone)]
pub struct Read {
    /// The position the read continued from (the held head, or the snapshot's head when nothing
    /// was held).
    pub after: i64,
    /// The feed's head in the read's snapshot.
    pub head: i64,
    /// Every change after `after`, in order, unless `complete` is false (there were more than
    /// the read took).
    pub changes: Vec<SharedChange>,
    pub complete: bool,
    /// The custom field definitions in the same snapshot, when they were read again.
    pub catalog: Option<Catalog>,
}

struct Held {
    change: SharedChange,
    bytes: usize,
}

/// The held stretch of the feed: every change in `(base, head]`, as of one snapshot.
pub struct RecentChanges {
    limits: Limits,
    /// None until the first read.
    range: Option<(i64, i64)>,
    entries: BTreeMap<i64, Arc<Held>>,
    by_record: HashMap<(Entity, String), i64>,
    bytes: usize,
    catalog: Arc<Catalog>,
}

impl RecentChanges {
    pub fn new(limits: Limits) -> RecentChanges {
        RecentChanges {
            limits,
            range: None,
            entries: BTreeMap::new(),
            by_record: HashMap::new(),
            bytes: 0,
            catalog: Arc::new(Catalog::default()),
        }
    }

    /// Where the next read continues from (None: nothing held yet, start at the head).
    pub fn next_read(&self) -> Option<i64> {
        self.range.map(|(_, head)| head)
    }

    /// The held range `(base, head]`, None before the first read.
    pub fn range(&self) -> Option<(i64, i64)> {
        self.range
    }

    pub fn len(&self) -> usize {
        self.entries.len()
    }

    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// Takes in a read. One that does not continue from the held head, or did not get every
    /// change, starts the held range afresh, empty, at its snapshot's head.
    pub fn advance(&mut self, read: Read) {
        if let Some(catalog) = read.catalog {
            self.catalog = Arc::new(catalog);
        }
        let continues = self.range.is_some_and(|(_, head)| head == read.after);
        if !continues || !read.complete || read.head < read.after {
            self.entries.clear();
            self.by_record.clear();
            self.bytes = 0;
            self.range = Some((read.head, read.head));
            return;
        }
        let base = self.range.map_or(read.head, |(base, _)| base);
        for change in read.changes {
            let key = (change.entity, change.id.clone());
            if let Some(old) = self.by_record.remove(&key)
                && let Some(held) = self.entries.remove(&old)
            {
                self.bytes -= held.bytes;
            }
            let bytes = size_of(&change);
            self.bytes += bytes;
            self.by_record.insert(key, change.seq);
            self.entries
                .insert(change.seq, Arc::new(Held { change, bytes }));
        }
        self.range = Some((base, read.head));
        self.shed();
    }

    /// Drops the oldest entries past the limits; the held range then starts at the last dropped.
    fn shed(&mut self) {
        while self.entries.len() > self.limits.entries || self.bytes > self.limits.bytes {
            let Some((seq, held)) = self.entries.pop_first() else {
                break;
            };
            self.bytes -= held.bytes;
            self.by_record
                .remove(&(held.change.entity, held.change.id.clone()));
            if let Some((base, _)) = &mut self.range {
                *base = seq;
            }
        }
    }

    /// The page `GET /sync?since=…&limit=…` gives this actor, when `since` lies in the held
    /// range; None when only the database can answer.
    pub fn page(&self, actor: &Actor, since: i64, limit: usize) -> Option<FeedPage> {
        let (base, head) = self.range?;
        if since < base || since > head {
            return None;
        }
        let viewer = super::viewer(actor);
        let hidden = super::feed::hidden_in(&self.catalog, actor);
        let mut rows = Vec::new();
        let mut more = false;
        for held in self.entries.range(since + 1..).map(|(_, held)| held) {
            let Some(visible) = concerns(&held.change, viewer.as_deref()) else {
                continue;
            };
            if rows.len() == limit {
                more = true;
                break;
            }
            rows.push((held, visible));
        }
        let mut next = since;
        let changes = rows
            .into_iter()
            .map(|(held, visible)| {
                let c = &held.change;
                next = c.seq;
                let record = if visible { c.record.clone() } else { None };
                super::feed::entry(c.seq, c.entity, &c.id, visible, c.deleted, record, &hidden)
            })
            .collect();
        Some(FeedPage {
            changes,
            next,
            more,
            latest: head,
        })
    }
}

/// Whether a change reaches a viewer holding these principals (None: an admin), and if so
/// whether they may read the record: `Tx::changes`' filter. Some(true): the record; Some(false):
/// a deletion or a loss of sight.
fn concerns(change: &SharedChange, viewer: Option<&[String]>) -> Option<bool> {
    let holds = |set: &BTreeSet<String>| viewer.is_none_or(|v| v.iter().any(|p| set.contains(p)));
    let reads = holds(&change.read_set);
    (reads || holds(&change.dropped)).then_some(reads && !change.deleted)
}

/// About what an entry holds in memory: its record's JSON and its principals.
fn size_of(change: &SharedChange) -> usize {
    struct Count(usize);
    impl std::io::Write for Count {
        fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
            self.0 += buf.len();
            Ok(buf.len())
        }
        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }
    let mut count = Count(128 + change.id.len());
    if let Some(record) = &change.record {
        // Writing to a counter cannot fail; a record that could not be written counts as empty.
        let _ = serde_json::to_writer(&mut count, record);
    }
    let principals: usize = change
        .read_set
        .iter()
        .chain(&change.dropped)
        .map(|p| p.len() + 32)
        .sum();
    count.0 + principals
}

#[cfg(test)]
#[path = "recent_tests.rs"]
mod tests;
