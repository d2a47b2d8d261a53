//! What the server and the client exchange beside records, shared by both (the client imports
//! `crm_server::wire`): the pages of the change feed and of the first-sync snapshot, and the
//! names of the headers the sync protocol uses.

use serde::Serialize;
use serde_json::{Map, Value};

use crate::schema::Entity;

/// A record as sent: its fields by name (the same shape as `store::Record`).
pub type Record = Map<String, Value>;

/// One entry of the change feed as a user receives it.
#[derive(Debug, Clone, Serialize, serde::Deserialize, PartialEq)]
pub struct FeedEntry {
    pub seq: i64,
    pub entity: Entity,
    pub id: String,
    /// `upsert`: store this record; `delete`: it was deleted; `drop`: you may no longer see it.
    pub op: FeedOp,
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub record: Option<Record>,
}

#[derive(Debug, Clone, Copy, Serialize, serde::Deserialize, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
pub enum FeedOp {
    Upsert,
    Delete,
    Drop,
}

#[derive(Debug, Clone, Serialize, serde::Deserialize, PartialEq)]
pub struct FeedPage {
    pub changes: Vec<FeedEntry>,
    /// Pass as `since` to continue.
    pub next: i64,
    /// More changes are waiting beyond this page.
    pub more: bool,
    /// The head of the feed when the page was read (0 from a server that does not say), so a
    /// client can tell how far it has come.
    #[serde(default)]
    pub latest: i64,
}

/// Where a snapshot continues: after record `after` of `entity`, in id order.
#[derive(Debug, Clone, Serialize, serde::Deserialize, PartialEq, Eq)]
pub struct SnapshotCursor {
    pub entity: Entity,
    pub after: String,
}

/// One record of a snapshot page.
#[derive(Debug, Clone, Serialize, serde::Deserialize, PartialEq)]
pub struct SnapshotRecord<R = Record> {
    pub entity: Entity,
    pub record: R,
}

/// A page of `GET /sync/snapshot`: the live records a user may read, entity by entity in
/// `Entity::ALL` order and by id within each. A first sync reads every page, keeping the first
/// page's `head`, then follows the change feed from that head: anything written while the pages
/// were read, deletions and lost access included, is at a later position of the feed.
#[derive(Debug, Clone, Serialize, serde::Deserialize, PartialEq)]
pub struct SnapshotPage<R = Record> {
    pub records: Vec<SnapshotRecord<R>>,
    /// Pass back as `entity` and `after` to continue; None once every entity is read.
    pub next: Option<SnapshotCursor>,
    /// The head of the change feed when the page was read.
    pub head: i64,
    /// Records the user may read in all, on the first page (asked without a cursor).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub total: Option<u64>,
}

/// Where a snapshot page stands: its `SnapshotPage` without the records. Sent again in the
/// `Snapshot-Position` header (as this JSON), so a client can ask for the next page before it
/// reads the records.
#[derive(Debug, Clone, Serialize, serde::Deserialize, PartialEq)]
pub struct SnapshotPosition {
    pub next: Option<SnapshotCursor>,
    pub head: i64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub total: Option<u64>,
}

/// The name of the header that carries a snapshot page's `SnapshotPosition`.
pub const SNAPSHOT_POSITION: &str = "snapshot-position";

/// The header of a write's idempotency key: a retry with the same key is applied once.
pub const IDEMPOTENCY_KEY: &str = "idempotency-key";

/// The header holding the version an update or delete was based on (a stale one answers 412).
pub const IF_MATCH: &str = "if-match";

/// The media type of a snapshot page of rows ([`SnapshotRows`]), the compact form a first sync
/// asks for in `Accept` and a server names in `Content-Type` when it answers so. A server that
/// does not know it answers a [`SnapshotPage`] of objects as `application/json`, which clients
/// still read; a client that does not ask gets objects. Its version is in its name: a later
/// layout gets a new name, asked for beside this one.
pub const SNAPSHOT_ROWS_TYPE: &str = "application/vnd.crm.snapshot-rows.v1+json";

/// The two forms of a snapshot page: [`SnapshotPage`] (records as objects, `application/json`)
/// and [`SnapshotRows`] ([`SNAPSHOT_ROWS_TYPE`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SnapshotShape {
    Objects,
    Rows,
}

impl SnapshotShape {
    /// The form of an answer by its `Content-Type` (objects unless it names the rows' type).
    pub fn of_content_type(value: Option<&str>) -> SnapshotShape {
        let named = value
            .and_then(|v| v.split(';').next())
            .is_some_and(|kind| kind.trim().eq_ignore_ascii_case(SNAPSHOT_ROWS_TYPE));
        if named {
            SnapshotShape::Rows
        } else {
            SnapshotShape::Objects
        }
    }

    /// The `Content-Type` of a page of this form.
    pub fn content_type(self) -> &'static str {
        match self {
            SnapshotShape::Objects => "application/json",
            SnapshotShape::Rows => SNAPSHOT_ROWS_TYPE,
        }
    }
}

/// A page of `GET /sync/snapshot` in the compact form ([`SNAPSHOT_ROWS_TYPE`]): the same
/// records, in the same order, as a [`SnapshotPage`], but each entity's field names sent once
/// (`fields`, [`snapshot_fields`] order) and each record as an array of its values in that
/// order. Object keys were a third of a snapshot's bytes, and a reader of positions looks no
/// key up.
#[derive(Debug, Clone, Serialize, serde::Deserialize, PartialEq)]
pub struct SnapshotRows<V = Value> {
    /// One group per entity the page holds, in `Entity::ALL` order.
    pub groups: Vec<SnapshotGroup<V>>,
    pub next: Option<SnapshotCursor>,
    pub head: i64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub total: Option<u64>,
}

/// The records of one entity in a [`SnapshotRows`] page.
#[derive(Debug, Clone, Serialize, serde::Deserialize, PartialEq)]
pub struct SnapshotGroup<V = Value> {
    pub entity: Entity,
    /// The name of each position of a row.
    pub fields: Vec<String>,
    pub rows: Vec<Vec<V>>,
}

/// The fields of an entity's record in the order a snapshot sends them: the system fields,
/// then the descriptor's.
pub fn snapshot_fields(entity: Entity) -> impl Iterator<Item = &'static str> {
    crate::schema::SYSTEM_FIELDS
        .iter()
        .copied()
        .chain(entity.fields().iter().map(|f| f.name))
}

impl SnapshotRows {
    /// The same page as records by name (`SnapshotPage`); None when a row's length is not its
    /// group's number of fields.
    pub fn into_page(self) -> Option<SnapshotPage> {
        let mut records = Vec::new();
        for group in self.groups {
            for row in group.rows {
                if row.len() != group.fields.len() {
                    return None;
                }
                let record = group.fields.iter().cloned().zip(row).collect();
                records.push(SnapshotRecord {
                    entity: group.entity,
                    record,
                });
            }
        }
        Some(SnapshotPage {
            records,
            next: self.next,
            head: self.head,
            total: self.total,
        })
    }
}
