//! The sync engine: pull the change feed into the replica, push the outbox to the server, and a
//! live task doing both in the background. It talks HTTP and drives the replica; what a page or
//! an answer does to the replica and its outbox (merging, rebasing, parking) is the replica's.

pub mod client;
mod live;
mod store;

use crm_server::schema::Entity;
use serde::Serialize;

pub use client::{ApiClient, ClientError, Session};
pub use live::{LiveSettings, SyncEvent, spawn_live, spawn_live_with};

use crate::replica::{
    Conflict, Op, OutboxEntry, Replica, ReplicaError, SnapshotResume, SnapshotStep,
    prepare_snapshot,
};
use store::ReplicaAccess;
use tracing::Instrument;

/// Changes asked for per page of the feed: large pages amortize the round trip on a first sync.
pub const PAGE_SIZE: usize = 5000;

/// Records asked for per page of a first sync's snapshot.
pub const SNAPSHOT_PAGE_SIZE: usize = 5000;
/// Snapshot pages fetched ahead of the one being written (a page's prepared rows take a few
/// megabytes).
const SNAPSHOT_AHEAD: usize = 8;

/// How many times one push retries an entry the server keeps moving under it before backing off.
const STALE_ROUNDS: usize = 5;

#[derive(Debug, thiserror::Error)]
pub enum SyncError {
    #[error(transparent)]
    Client(#[from] ClientError),
    #[error(transparent)]
    Replica(#[from] ReplicaError),
    #[error("the sync task stopped unexpectedly ({0}); restart crm")]
    Task(String),
}

impl SyncError {
    /// The server could not be reached or could not answer now.
    pub fn is_transient(&self) -> bool {
        matches!(self, SyncError::Client(e) if e.is_transient())
    }

    pub fn is_unauthorized(&self) -> bool {
        matches!(self, SyncError::Client(ClientError::Unauthorized))
    }
}

/// How far a pull has come, after each page.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Progress {
    /// Changes (and a first sync's snapshot records) received so far in this pull.
    pub received: usize,
    pub cursor: i64,
    /// The cursor the pull started from.
    pub start: i64,
    /// The head of the change feed as last seen (0 when the server does not say).
    pub latest: i64,
    /// Records a first sync's snapshot holds in all, when the server said.
    pub expected: Option<usize>,
    /// The replica was empty when the pull began.
    pub first_sync: bool,
    /// More pages follow.
    pub more: bool,
}

impl Progress {
    /// How much of the pull is done, from 0 to 1, when it can be told.
    pub fn fraction(&self) -> Option<f64> {
        if !self.more {
            return Some(1.0);
        }
        if let Some(expected) = self.expected.filter(|n| *n > 0) {
            return Some((self.received as f64 / expected as f64).min(0.99));
        }
        (self.latest > self.start).then(|| {
            ((self.cursor - self.start) as f64 / (self.latest - self.start) as f64).clamp(0.0, 0.99)
        })
    }
}

#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct PullReport {
    pub pages: usize,
    pub upserts: usize,
    pub removals: usize,
    /// Conflicts between the server's changes and unsent local edits.
    pub conflicts: Vec<Conflict>,
    pub cursor: i64,
}

/// A write the server refused, parked in the outbox with its words.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Refused {
    pub seq: i64,
    pub entity: Entity,
    pub id: String,
    pub message: String,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct PushReport {
    /// Entries the server accepted.
    pub sent: usize,
    pub conflicts: Vec<Conflict>,
    pub refused: Vec<Refused>,
}

/// Pulls every change since the replica's cursor, page by page (each page and the new cursor in
/// one transaction), calling `progress` after each. Replica work runs on the calling thread: use
/// it from a command's `block_on`, or `spawn_live` for the background.
pub async fn pull(
    replica: &Replica,
    client: &ApiClient,
    progress: impl FnMut(Progress),
) -> Result<PullReport, SyncError> {
    pull_with(replica, client, progress).await
}

/// Sends the outbox in order until it is empty, an entry waits out a backoff, or the server is
/// unreachable (then `Err` with `is_transient`). Refused entries and conflicts are parked and
/// reported, never dropped. `Replica::retry_now` first makes waiting entries due at once.
pub async fn push(replica: &Replica, client: &ApiClient) -> Result<PushReport, SyncError> {
    push_with(replica, client).await
}

async fn pull_with<S: ReplicaAccess>(
    store: &S,
    client: &ApiClient,
    mut progress: impl FnMut(Progress),
) -> Result<PullReport, SyncError> {
    let start = store.run(|r| r.cursor()).await?;
    let mut report = PullReport {
        cursor: start,
        ..PullReport::default()
    };
    let mut state = Progress {
        received: 0,
        cursor: start,
        start,
        latest: 0,
        expected: None,
        first_sync: start == 0,
        more: true,
    };
    if let Some(resume) = store.run(|r| r.snapshot_resume()).await? {
        snapshot(
            store,
            client,
            resume,
            &mut report,
            &mut state,
            &mut progress,
        )
        .await?;
    }
    let fetch = |since: i64| {
        let client = client.clone();
        tokio::spawn(async move { client.feed(since, PAGE_SIZE, None).await })
    };
    let mut next = Some(fetch(report.cursor));
    while let Some(pending) = next.take() {
        let page = pending
            .await
            .map_err(|e| SyncError::Task(e.to_string()))??;
        // Fetch the following page while this one is written.
        let more = page.more && page.next > report.cursor;
        if more {
            next = Some(fetch(page.next));
        }
        state.received += page.changes.len();
        state.latest = state.latest.max(page.latest);
        let applied = store.run(move |r| r.apply_page(&page)).await?;
        report.pages += 1;
        report.upserts += applied.upserts;
        report.removals += applied.removals;
        report.conflicts.extend(applied.conflicts);
        report.cursor = applied.cursor;
        state.cursor = report.cursor;
        state.more = more;
        progress(state);
    }
    Ok(report)
}

/// A first sync: reads the snapshot of every record the user may see, page by page (each page
/// fetched while the one before is written), and leaves the replica's cursor at the feed head
/// the first page was read at, for `pull_with` to follow the feed from there. A server without
/// the snapshot leaves it to the feed alone.
async fn snapshot<S: ReplicaAccess>(
    store: &S,
    client: &ApiClient,
    resume: SnapshotResume,
    report: &mut PullReport,
    state: &mut Progress,
    progress: &mut impl FnMut(Progress),
) -> Result<(), SyncError> {
    // Pages are fetched by a task of their own, up to SNAPSHOT_AHEAD pages ahead of the writes:
    // the write thread's longer pauses (the index builds of the entities done so far) leave the
    // fetching going on meanwhile. Each page's rows are prepared on the blocking pool while the
    // next page is asked for, so the server, the preparing and the writing overlap.
    let (sender, mut pages) = tokio::sync::mpsc::channel(SNAPSHOT_AHEAD);
    let fetcher = {
        let client = client.clone();
        let mut from = resume.next;
        tokio::spawn(async move {
            loop {
                let fetched = client
                    .snapshot_body(from.as_ref(), SNAPSHOT_PAGE_SIZE)
                    .instrument(tracing::debug_span!("fetch"))
                    .await
                    .map(|sent| {
                        let (body, shape) = (sent.body, sent.shape);
                        let rows = tokio::task::spawn_blocking(move || {
                            tracing::debug_span!("prepare")
                                .in_scope(|| prepare_snapshot(&body, shape))
                        });
                        (sent.position, rows)
                    });
                from = fetched
                    .as_ref()
                    .ok()
                    .and_then(|(page, _)| page.next.clone());
                // Stops when the pull has stopped reading, after an error and after the last page.
                if sender.send(fetched).await.is_err() || from.is_none() {
                    return;
                }
            }
        })
    };
    let _fetcher = AbortOnDrop(fetcher);
    let mut head = resume.head;
    loop {
        let waited = tracing::debug_span!("wait_page");
        let Some(fetched) = pages.recv().instrument(waited.clone()).await else {
            return Err(SyncError::Task("the snapshot's fetching stopped".into()));
        };
        let (page, rows) = match fetched {
            Ok(page) => page,
            Err(ClientError::NotFound { .. }) if head.is_none() => return Ok(()),
            Err(e) => return Err(e.into()),
        };
        let rows = rows
            .instrument(waited)
            .await
            .map_err(|e| SyncError::Task(e.to_string()))?
            .map_err(|e| ClientError::Protocol(e.to_string()))?;
        let head = *head.get_or_insert(page.head);
        if let Some(total) = page.total {
            state.expected = usize::try_from(total).ok();
        }
        let step = match page.next {
            Some(cursor) => SnapshotStep::At { head, next: cursor },
            None => SnapshotStep::Done { head },
        };
        let done = matches!(step, SnapshotStep::Done { .. });
        state.received += rows.len();
        state.latest = state.latest.max(page.head);
        // A replica used from this thread does the work when `run` is called, the live task's
        // when its future is polled: the span covers both.
        let span = tracing::debug_span!("apply");
        let applying = span.in_scope(|| store.run(move |r| r.apply_snapshot(rows, &step)));
        let applied = applying.instrument(span).await?;
        report.pages += 1;
        report.upserts += applied.upserts;
        report.conflicts.extend(applied.conflicts);
        report.cursor = applied.cursor;
        state.cursor = report.cursor;
        progress(*state);
        if done {
            return Ok(());
        }
    }
}

/// Stops a task when the pull that started it ends, however it ends.
struct AbortOnDrop(tokio::task::JoinHandle<()>);

impl Drop for AbortOnDrop {
    fn drop(&mut self) {
        self.0.abort();
    }
}

/// Sends one entry. `Ok(Some(record))`: the server's record after the write; `Ok(None)`: deleted.
async fn send(
    client: &ApiClient,
    entry: &OutboxEntry,
) -> Result<Option<serde_json::Map<String, serde_json::Value>>, ClientError> {
    let key = &entry.idempotency_key;
    match entry.op {
        Op::Create => {
            // The client-made id makes a retry after a lost answer find the first attempt's row.
            let mut body = entry.fields.clone();
            body.insert(
                "id".into(),
                serde_json::Value::String(entry.record_id.clone()),
            );
            client
                .create(entry.entity, &body, key, entry.allow_duplicate)
                .await
                .map(Some)
        }
        Op::Update => {
            let if_match = (entry.base_version > 0).then_some(entry.base_version);
            client
                .patch(entry.entity, &entry.record_id, &entry.fields, if_match, key)
                .await
                .map(Some)
        }
        Op::Restore => client
            .restore(entry.entity, &entry.record_id, key)
            .await
            .map(Some),
        // A delete wins over edits made meanwhile: it is sent without If-Match.
        Op::Delete => match client
            .delete(entry.entity, &entry.record_id, None, key)
            .await
        {
            Ok(()) | Err(ClientError::NotFound { .. }) => Ok(None),
            Err(e) => Err(e),
        },
    }
}

async fn push_with<S: ReplicaAccess>(
    store: &S,
    client: &ApiClient,
) -> Result<PushReport, SyncError> {
    let mut report = PushReport::default();
    let mut stale_rounds: (i64, usize) = (0, 0);
    while let Some(due) = store.run(|r| r.next_due()).await? {
        let seq = due.seq;
        let entry = store.run(move |r| r.begin_send(seq)).await?;
        match send(client, &entry).await {
            Ok(answer) => {
                store.run(move |r| r.on_sent(seq, answer.as_ref())).await?;
                report.sent += 1;
            }
            Err(ClientError::Stale { current }) => {
                stale_rounds = if stale_rounds.0 == seq {
                    (seq, stale_rounds.1 + 1)
                } else {
                    (seq, 1)
                };
                let conflicts = store.run(move |r| r.on_stale(seq, &current)).await?;
                report.conflicts.extend(conflicts);
                if stale_rounds.1 >= STALE_ROUNDS {
                    let note = String::from(
                        "the record keeps changing on the server; will try again shortly",
                    );
                    store.run(move |r| r.on_unsent(seq, &note)).await?;
                    break;
                }
            }
            // Only an answer that sending again will not change refuses the write for good;
            // anything else (offline, the server failing, a sign-in to renew, an answer not
            // understood, a certificate to fix) leaves it waiting to be sent again.
            Err(e) if e.refusal_code().is_none() => {
                let message = e.to_string();
                store.run(move |r| r.on_unsent(seq, &message)).await?;
                return Err(e.into());
            }
            Err(e) => {
                let message = match (&e, entry.op) {
                    (ClientError::NotFound { .. }, _) => format!(
                        "the {} was deleted on the server or you may no longer see it; discard this change",
                        entry.entity.noun()
                    ),
                    _ => e.to_string(),
                };
                let note = message.clone();
                let code = e.refusal_code().unwrap_or_default().to_string();
                store.run(move |r| r.on_refused(seq, &code, &note)).await?;
                report.refused.push(Refused {
                    seq,
                    entity: entry.entity,
                    id: entry.record_id.clone(),
                    message,
                });
            }
        }
    }
    Ok(report)
}
