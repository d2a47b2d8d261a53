//! The background task that keeps a replica live: send the outbox, long-poll the change feed,
//! apply what arrives, report by message, and back off while the server is unreachable.

use std::path::PathBuf;
use std::time::Duration;

use crm_server::schema::Entity;
use tokio::sync::mpsc::Sender;
use tokio::task::JoinHandle;

use super::store::{ReplicaAccess, Shared};
use super::{ApiClient, ClientError, PAGE_SIZE, PushReport, SyncError, pull_with, push_with};
use crate::replica::{Conflict, Replica, local_writes};

/// What the live task tells the screens.
#[derive(Debug, Clone, PartialEq)]
pub enum SyncEvent {
    /// The server answered (after being unreachable, or for the first time).
    Online,
    /// The server cannot be reached; local edits wait in the outbox.
    Offline {
        reason: String,
    },
    /// Changes from the server were written to the replica: screens should re-read.
    Applied {
        count: usize,
    },
    /// Local writes the server accepted.
    Pushed {
        count: usize,
    },
    /// A local edit conflicts with the server's on these fields; see `Replica::conflicts`.
    Conflict {
        entity: Entity,
        id: String,
        fields: Vec<String>,
    },
    /// The server refused a local write; it is parked in the outbox with this message.
    Refused {
        seq: i64,
        entity: Entity,
        id: String,
        message: String,
    },
    /// The replica file had to be rebuilt on open.
    Rebuilt {
        message: String,
    },
    /// The token no longer works; the task has stopped. The message says to sign in again.
    SignedOut {
        message: String,
    },
    Error {
        message: String,
    },
}

#[derive(Debug, Clone)]
pub struct LiveSettings {
    /// How long one long-poll waits for a change.
    pub wait: Duration,
    /// First pause after the server proves unreachable; doubles up to `max_backoff`.
    pub min_backoff: Duration,
    pub max_backoff: Duration,
    /// How often to look for writes made by other processes on this replica.
    pub outbox_check: Duration,
}

impl Default for LiveSettings {
    fn default() -> Self {
        LiveSettings {
            wait: Duration::from_secs(25),
            min_backoff: Duration::from_millis(500),
            max_backoff: Duration::from_secs(60),
            outbox_check: Duration::from_secs(2),
        }
    }
}

/// Starts the live task on the current tokio runtime with default settings. It runs until
/// `events`' receiver is dropped or the sign-in stops working.
pub fn spawn_live(
    replica_path: PathBuf,
    client: ApiClient,
    events: Sender<SyncEvent>,
) -> JoinHandle<()> {
    spawn_live_with(replica_path, client, events, LiveSettings::default())
}

pub fn spawn_live_with(
    replica_path: PathBuf,
    client: ApiClient,
    events: Sender<SyncEvent>,
    settings: LiveSettings,
) -> JoinHandle<()> {
    tokio::spawn(async move {
        let task = Live {
            client,
            events,
            settings,
            online: None,
        };
        task.run(replica_path).await;
    })
}

struct Live {
    client: ApiClient,
    events: Sender<SyncEvent>,
    settings: LiveSettings,
    online: Option<bool>,
}

/// What to do after a failed step.
enum Next {
    Retry,
    Stop,
}

impl Live {
    /// Sends an event; false when no one listens any more (the task should end).
    async fn emit(&self, event: SyncEvent) -> bool {
        self.events.send(event).await.is_ok()
    }

    async fn run(mut self, path: PathBuf) {
        let opened = {
            let path = path.clone();
            tokio::task::spawn_blocking(move || Replica::open(&path)).await
        };
        let replica = match opened {
            Ok(Ok(replica)) => replica,
            Ok(Err(e)) => {
                self.emit(SyncEvent::Error {
                    message: e.to_string(),
                })
                .await;
                return;
            }
            Err(e) => {
                self.emit(SyncEvent::Error {
                    message: e.to_string(),
                })
                .await;
                return;
            }
        };
        if let Some(message) = replica.rebuilt().map(String::from)
            && !self.emit(SyncEvent::Rebuilt { message }).await
        {
            return;
        }
        let wake = local_writes(&path);
        let store = Shared::new(replica);
        // Starting up is a good moment to send everything that waited.
        if let Err(e) = store.run(|r| r.retry_now()).await {
            self.emit(SyncEvent::Error {
                message: e.to_string(),
            })
            .await;
        }
        let mut backoff = self.settings.min_backoff;
        loop {
            if self.events.is_closed() {
                return;
            }
            let step = self.step(&store, &wake).await;
            match step {
                Ok(true) => backoff = self.settings.min_backoff,
                Ok(false) => return,
                Err(e) => match self.failed(e).await {
                    Next::Stop => return,
                    Next::Retry => {
                        tokio::select! {
                            () = tokio::time::sleep(backoff) => {}
                            () = self.events.closed() => return,
                        }
                        backoff = (backoff * 2).min(self.settings.max_backoff);
                    }
                },
            }
        }
    }

    /// One round: push what is due, then wait for the next changes (or a local write) and apply
    /// them. Ok(false) when no one listens any more.
    async fn step(
        &mut self,
        store: &Shared,
        wake: &tokio::sync::Notify,
    ) -> Result<bool, SyncError> {
        let pushed = push_with(store, &self.client).await?;
        let answered =
            pushed.sent > 0 || !pushed.refused.is_empty() || !pushed.conflicts.is_empty();
        if answered && !self.reached(store).await? {
            return Ok(false);
        }
        if !self.report_push(pushed).await {
            return Ok(false);
        }
        if self.online != Some(true) {
            // Starting, or back after being unreachable: catch up without waiting, which also
            // proves the server answers.
            let report = pull_with(store, &self.client, |_| {}).await?;
            if !self.reached(store).await? {
                return Ok(false);
            }
            let count = report.upserts + report.removals;
            if count > 0 && !self.emit(SyncEvent::Applied { count }).await {
                return Ok(false);
            }
            return Ok(self.report_conflicts(report.conflicts).await);
        }
        let cursor = store.run(|r| r.cursor()).await?;
        let wait = self.settings.wait;
        let client = self.client.clone();
        let poll = client.feed(cursor, PAGE_SIZE, Some(wait));
        tokio::pin!(poll);
        let page = loop {
            tokio::select! {
                page = &mut poll => break Some(page),
                // A local write here: send it now rather than after the poll.
                () = wake.notified() => break None,
                () = tokio::time::sleep(self.settings.outbox_check) => {
                    // Writes by another process on this replica do not ring the bell.
                    if store.run(|r| r.next_due().map(|e| e.is_some())).await? {
                        break None;
                    }
                }
                () = self.events.closed() => return Ok(false),
            }
        };
        let Some(page) = page else {
            return Ok(true);
        };
        let page = page?;
        if !self.reached(store).await? {
            return Ok(false);
        }
        if page.changes.is_empty() {
            return Ok(true);
        }
        let more = page.more;
        let applied = store.run(move |r| r.apply_page(&page)).await?;
        let mut count = applied.upserts + applied.removals;
        let mut conflicts = applied.conflicts;
        if more {
            // A backlog (after a long time offline): drain it at full speed.
            let report = pull_with(store, &self.client, |_| {}).await?;
            count += report.upserts + report.removals;
            conflicts.extend(report.conflicts);
        }
        Ok(self.emit(SyncEvent::Applied { count }).await && self.report_conflicts(conflicts).await)
    }

    /// The server answered: say so once after it was unreachable, and make what waited out a
    /// backoff due at once. Ok(false) when no one listens any more.
    async fn reached(&mut self, store: &Shared) -> Result<bool, SyncError> {
        if self.online == Some(true) {
            return Ok(true);
        }
        if self.online == Some(false) {
            store.run(|r| r.retry_now()).await?;
        }
        self.online = Some(true);
        Ok(self.emit(SyncEvent::Online).await)
    }

    async fn report_push(&self, report: PushReport) -> bool {
        if report.sent > 0 && !self.emit(SyncEvent::Pushed { count: report.sent }).await {
            return false;
        }
        for r in report.refused {
            let event = SyncEvent::Refused {
                seq: r.seq,
                entity: r.entity,
                id: r.id,
                message: r.message,
            };
            if !self.emit(event).await {
                return false;
            }
        }
        self.report_conflicts(report.conflicts).await
    }

    /// One event per record, naming its conflicted fields.
    async fn report_conflicts(&self, conflicts: Vec<Conflict>) -> bool {
        let mut grouped: Vec<(Entity, String, Vec<String>)> = Vec::new();
        for c in conflicts {
            match grouped
                .iter_mut()
                .find(|(e, id, _)| *e == c.entity && *id == c.id)
            {
                Some((_, _, fields)) => fields.push(c.field),
                None => grouped.push((c.entity, c.id, vec![c.field])),
            }
        }
        for (entity, id, fields) in grouped {
            if !self.emit(SyncEvent::Conflict { entity, id, fields }).await {
                return false;
            }
        }
        true
    }

    async fn failed(&mut self, e: SyncError) -> Next {
        match e {
            SyncError::Client(ClientError::Unauthorized) => {
                self.emit(SyncEvent::SignedOut {
                    message: ClientError::Unauthorized.to_string(),
                })
                .await;
                Next::Stop
            }
            e if e.is_transient() => {
                let was_online = self.online != Some(false);
                self.online = Some(false);
                if was_online
                    && !self
                        .emit(SyncEvent::Offline {
                            reason: e.to_string(),
                        })
                        .await
                {
                    return Next::Stop;
                }
                Next::Retry
            }
            e => {
                if self
                    .emit(SyncEvent::Error {
                        message: e.to_string(),
                    })
                    .await
                {
                    Next::Retry
                } else {
                    Next::Stop
                }
            }
        }
    }
}
