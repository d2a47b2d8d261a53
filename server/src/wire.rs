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
