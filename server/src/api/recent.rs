//! The feed's shared recent changes (`service::recent`) as the long-polls use them: read again
//! by one poll when a write woke them (the others wait for that read and take their pages from
//! it), or when what is held is older than [`MAX_AGE`] (a write by another process that woke
//! nobody here, such as `crm-server user add` beside an SQLite server, still reaches a new poll
//! within that time).

use std::sync::{Mutex, MutexGuard};
use std::time::{Duration, Instant};

use super::AppState;
use crate::access::Actor;
use crate::error::ApiError;
use crate::schema::Entity;
use crate::service::recent::{Limits, Read, RecentChanges};
use crate::store::Tx;
use crate::wire::FeedPage;

/// How long what is held answers new polls without a wake-up.
pub const MAX_AGE: Duration = Duration::from_secs(1);

struct State {
    recent: RecentChanges,
    /// The long-polls' wake-up count seen before the last read began: that read saw every write
    /// whose wake-up was counted by then.
    version: u64,
    read_at: Option<Instant>,
}

pub struct SharedFeed {
    state: Mutex<State>,
    /// Held by the one poll reading for everyone.
    reading: tokio::sync::Mutex<()>,
}

impl SharedFeed {
    pub fn new(limits: Limits) -> SharedFeed {
        SharedFeed {
            state: Mutex::new(State {
                recent: RecentChanges::new(limits),
                version: 0,
                read_at: None,
            }),
            reading: tokio::sync::Mutex::new(()),
        }
    }

    fn lock(&self) -> MutexGuard<'_, State> {
        // Nothing panics while holding it (pure bookkeeping), so a poisoned lock guards a
        // consistent state.
        self.state
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// The page held for this poll if what is held has seen every write of wake-up `version`
    /// and is young enough: Some(None) when the cursor lies outside the held range.
    fn fresh_page(
        &self,
        version: u64,
        actor: &Actor,
        since: i64,
        limit: usize,
    ) -> Option<Option<FeedPage>> {
        let state = self.lock();
        let fresh =
            state.version >= version && state.read_at.is_some_and(|at| at.elapsed() < MAX_AGE);
        fresh.then(|| state.recent.page(actor, since, limit))
    }

    /// This poll's page as of wake-up `version` (the count it saw before asking), from what is
    /// held, read again first when it is older than that; None when the cursor lies outside the
    /// held range and the database must answer.
    pub async fn page(
        &self,
        app: &AppState,
        version: u64,
        actor: &Actor,
        since: i64,
        limit: usize,
    ) -> Result<Option<FeedPage>, ApiError> {
        if let Some(page) = self.fresh_page(version, actor, since, limit) {
            return Ok(page);
        }
        let _reading = self.reading.lock().await;
        // Another poll may have read while this one waited.
        if let Some(page) = self.fresh_page(version, actor, since, limit) {
            return Ok(page);
        }
        let from = self.lock().recent.next_read();
        let started = *app.0.writes.borrow();
        let read = app.read(move |tx| read_recent(tx, from)).await?;
        let mut state = self.lock();
        state.recent.advance(read);
        state.version = started;
        state.read_at = Some(Instant::now());
        Ok(state.recent.page(actor, since, limit))
    }
}

/// Changes taken per read: more than this since the last read (a bulk load, an import) starts
/// the held range afresh after them.
const READ_AT_MOST: usize = 2048;

/// The changes after `from` (after the head when nothing is held), in one transaction.
fn read_recent(tx: &dyn Tx, from: Option<i64>) -> Result<Read, ApiError> {
    let head = tx.latest_seq()?;
    let after = from.unwrap_or(head);
    let mut changes = if after < head {
        tx.shared_changes(after, READ_AT_MOST + 1)?
    } else {
        Vec::new()
    };
    let complete = changes.len() <= READ_AT_MOST;
    changes.truncate(READ_AT_MOST);
    // The definitions decide which custom keys each role reads: read with the changes they
    // apply to, at the first read and whenever one of them changed.
    let definitions_changed = changes.iter().any(|c| c.entity == Entity::FieldDefinitions);
    let catalog = if from.is_none() || definitions_changed || !complete {
        Some(crate::service::catalog::load_fields(tx)?)
    } else {
        None
    };
    Ok(Read {
        after,
        head,
        changes,
        complete,
        catalog,
    })
}
