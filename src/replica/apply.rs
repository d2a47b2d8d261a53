//! Applying what the server sends to the replica: a page of the change feed, or a page of a
//! first sync's snapshot (prepared off the writer by `prepare_snapshot_page`). Records with unsent
//! local edits are rebased (`outbox_lifecycle`) before their rows are rewritten.
//!
//! Two files, two transactions: the outbox is always committed first. Its entries are the truth
//! about local edits and every row can be recomputed from them (`Replica::open` does so), so a
//! stop between the two commits loses nothing: at worst a row shows a stale mix until reopened,
//! and a page whose replica commit was lost is pulled and merged again (the merge is idempotent).

use std::borrow::Cow;
use std::collections::HashSet;

use crm_server::schema::Entity;
use crm_server::wire::{FeedOp, FeedPage, SnapshotCursor, SnapshotPage, SnapshotShape};
use serde::{Deserialize, Serialize};
use serde_json::value::RawValue;
use serde_json::{Map, Value};

use super::outbox::{self, Conflict};
use super::prepared_row::{Fields, PreparedRow};
use super::rows::{Dirty, RowWrite, version_of};
use super::snapshot_rows::prepare_snapshot_rows;
use super::{Replica, ReplicaError, Tx};

/// What one page did to the replica.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct Applied {
    pub upserts: usize,
    pub removals: usize,
    /// Conflicts found between the page and unsent local edits.
    pub conflicts: Vec<Conflict>,
    pub cursor: i64,
}

/// A record as the server sent it, by kind and id.
type ServerRecord<'a> = (Entity, &'a str, Cow<'a, Map<String, Value>>);

/// What one transaction of `Replica::apply` writes.
enum Batch<'a> {
    Feed(&'a FeedPage),
    Snapshot(Vec<PreparedRow>, &'a SnapshotStep),
}

/// Rows ready to write from a page of the snapshot in the form it was sent in (`shape`, from
/// its `Content-Type`): `prepare_snapshot_rows` for the compact form, `prepare_snapshot_page`
/// for objects.
pub fn prepare_snapshot(
    body: &[u8],
    shape: SnapshotShape,
) -> Result<Vec<PreparedRow>, serde_json::Error> {
    match shape {
        SnapshotShape::Rows => prepare_snapshot_rows(body),
        SnapshotShape::Objects => prepare_snapshot_page(body),
    }
}

/// Rows ready to write from a page of the snapshot as sent (objects): the work that needs no database,
/// done off the writer while the page before is written. Each record is read in place from the
/// page's text, in one pass. A page with records that cannot be read so (keys with escapes,
/// say) is read record by record, leaving out records that are not objects with an id.
pub fn prepare_snapshot_page(body: &[u8]) -> Result<Vec<PreparedRow>, serde_json::Error> {
    #[derive(Deserialize)]
    struct Page<'a> {
        #[serde(borrow)]
        records: Vec<Item<'a>>,
    }
    #[derive(Deserialize)]
    struct Item<'a> {
        entity: Entity,
        #[serde(borrow)]
        record: Fields<'a>,
    }
    if let Ok(page) = serde_json::from_slice::<Page<'_>>(body) {
        let rows = page
            .records
            .into_iter()
            .map(|item| PreparedRow::from_fields(item.entity, &item.record.into()));
        if let Some(rows) = rows.collect::<Option<Vec<_>>>() {
            return Ok(rows);
        }
    }
    let page: SnapshotPage<Box<RawValue>> = serde_json::from_slice(body)?;
    Ok(page
        .records
        .iter()
        .filter_map(|r| PreparedRow::from_raw(r.entity, &r.record))
        .collect())
}

/// Where a first sync's snapshot stands: the feed head its first page was read at, and where
/// the next page starts (both None before it begins).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct SnapshotResume {
    pub head: Option<i64>,
    pub next: Option<SnapshotCursor>,
}

/// What a snapshot page leaves behind.
#[derive(Debug, Clone, PartialEq)]
pub enum SnapshotStep {
    /// More pages follow, from `next`.
    At { head: i64, next: SnapshotCursor },
    /// The last page: follow the change feed from `head`.
    Done { head: i64 },
}

impl SnapshotStep {
    pub fn head(&self) -> i64 {
        match self {
            SnapshotStep::At { head, .. } | SnapshotStep::Done { head } => *head,
        }
    }
}

impl Replica {
    /// Applies one page of the change feed in one transaction with the new cursor, so a crash
    /// never skips or double-applies a page. Records with unsent local edits keep those edits
    /// on top, rebased onto the server's new version (conflicts are recorded, never dropped).
    pub fn apply_page(&self, page: &FeedPage) -> Result<Applied, ReplicaError> {
        self.apply(Batch::Feed(page))
    }

    /// Where a first sync's snapshot (`GET /sync/snapshot`) stands: `Some` when one should be
    /// read, from the start or from where a stopped one left off; `None` when the replica
    /// follows the change feed. Only an empty replica starts one: rows a snapshot did not write
    /// could hold records deleted before its head, which the feed after the head never names.
    pub fn snapshot_resume(&self) -> Result<Option<SnapshotResume>, ReplicaError> {
        if let Some(text) = self.meta("snapshot")? {
            return serde_json::from_str(&text)
                .map(Some)
                .map_err(|e| ReplicaError::Damaged(format!("snapshot position {text:?}: {e}")));
        }
        if self.cursor()? != 0 || self.holds_server_rows()? {
            return Ok(None);
        }
        Ok(Some(SnapshotResume::default()))
    }

    /// Stores one page of the snapshot, prepared by `prepare_snapshot`, in one transaction with
    /// the position reached, so a stopped first sync continues where it was. `Done` ends the
    /// snapshot: the cursor moves to its head, where the change feed takes over, and the indexes
    /// are left to be built after it (`Replica::index_search_step`).
    pub fn apply_snapshot(
        &self,
        rows: Vec<PreparedRow>,
        step: &SnapshotStep,
    ) -> Result<Applied, ReplicaError> {
        self.apply(Batch::Snapshot(rows, step))
    }

    fn apply(&self, batch: Batch<'_>) -> Result<Applied, ReplicaError> {
        let edited: HashSet<(Entity, String)> =
            outbox::records(&self.outbox)?.into_iter().collect();
        // Checked for every row of a page: skip the key's copy when nothing is edited, as in a
        // first sync.
        let is_edited = |entity: Entity, id: &str| {
            !edited.is_empty() && edited.contains(&(entity, id.to_string()))
        };
        let mut applied = Applied::default();
        // The server's records of rows with local edits, to rebase those edits onto.
        let touched: Vec<ServerRecord<'_>> = match &batch {
            Batch::Feed(page) => page
                .changes
                .iter()
                .filter(|c| c.op == FeedOp::Upsert && is_edited(c.entity, &c.id))
                .filter_map(|c| Some((c.entity, c.id.as_str(), Cow::Borrowed(c.record.as_ref()?))))
                .collect(),
            Batch::Snapshot(rows, _) => rows
                .iter()
                .filter(|r| is_edited(r.entity, r.id()))
                .map(|r| (r.entity, r.id(), Cow::Owned(r.record())))
                .collect(),
        };
        if !touched.is_empty() {
            let tx = Tx::begin(&self.outbox)?;
            for (entity, id, record) in &touched {
                applied
                    .conflicts
                    .extend(self.rebase_entries(*entity, id, record)?);
            }
            tx.commit()?;
        }
        drop(touched);

        let (more, step) = match &batch {
            Batch::Feed(page) => (page.more, None),
            Batch::Snapshot(_, step) => (true, Some(*step)),
        };
        let starting = self.cursor()? == 0 && more;
        self.tune_for_bulk(starting || self.bulk_loading()?)?;
        let tx = Tx::begin(&self.db)?;
        // A first sync of more than one page fills the tables without their list and search
        // indexes, which are built from the rows after it.
        let bulk = self.bulk_loading()?;
        if !bulk && starting {
            self.set_meta("bulk", Some("1"))?;
            self.drop_indexes()?;
        }
        let mut dirty = self.dirty()?;
        let next = match batch {
            Batch::Feed(page) => {
                self.write_changes(page, &is_edited, &mut applied, &mut dirty)?;
                page.next
            }
            Batch::Snapshot(rows, _) => {
                applied.upserts += rows.len();
                let (edited, fresh): (Vec<PreparedRow>, Vec<PreparedRow>) = rows
                    .into_iter()
                    .partition(|row| is_edited(row.entity, row.id()));
                for row in edited {
                    let record = row.record();
                    self.take_server_copy(row.entity, row.id(), &record, &mut dirty)?;
                }
                let _span = tracing::debug_span!("write_rows").entered();
                self.write_new_rows(&fresh, &mut dirty)?;
                0
            }
        };
        self.finish(&mut dirty)?;
        let cursor = match step {
            None => next,
            Some(SnapshotStep::At { head, next }) => {
                let resume = SnapshotResume {
                    head: Some(*head),
                    next: Some(next.clone()),
                };
                let text = serde_json::to_string(&resume)
                    .map_err(|e| ReplicaError::Damaged(e.to_string()))?;
                self.set_meta("snapshot", Some(&text))?;
                0
            }
            Some(SnapshotStep::Done { head }) => {
                self.set_meta("snapshot", None)?;
                *head
            }
        };
        let done = match step {
            None => !more,
            Some(step) => matches!(step, SnapshotStep::Done { .. }),
        };
        if self.bulk_loading()? && done {
            // The rows are in: the list and search indexes are built from them after the sync,
            // in steps (`list_indexes`, `search_index`), so the sync ends here.
            self.defer_indexes()?;
            self.set_meta("bulk", None)?;
        }
        let cursor = self.cursor()?.max(cursor);
        self.set_meta("cursor", Some(&cursor.to_string()))?;
        self.set_meta("last_sync_at", Some(&self.now_text()))?;
        tracing::debug_span!("commit").in_scope(|| tx.commit())?;
        self.tune_for_bulk(self.bulk_loading()?)?;
        applied.cursor = cursor;
        Ok(applied)
    }

    /// Writes the changes of a feed page (inside the page's transaction).
    fn write_changes(
        &self,
        page: &FeedPage,
        is_edited: &impl Fn(Entity, &str) -> bool,
        applied: &mut Applied,
        dirty: &mut Dirty,
    ) -> Result<(), ReplicaError> {
        for change in &page.changes {
            match (change.op, &change.record) {
                (FeedOp::Upsert, Some(record)) => {
                    applied.upserts += 1;
                    if is_edited(change.entity, &change.id) {
                        self.take_server_copy(change.entity, &change.id, record, dirty)?;
                    } else {
                        let how = RowWrite::from_server(version_of(record));
                        self.put_row(change.entity, &change.id, record, &how, dirty)?;
                    }
                }
                // An upsert without its record is a server fault; the next pull corrects it.
                (FeedOp::Upsert, None) => {}
                (FeedOp::Delete | FeedOp::Drop, _) => {
                    applied.removals += 1;
                    self.delete_row(change.entity, &change.id, dirty)?;
                }
            }
        }
        Ok(())
    }
}
