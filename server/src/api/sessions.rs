//! The session checks of requests that arrive together, made in one read transaction. Every
//! request is still checked against the database when it arrives (never a cache: `crm-server
//! user disable` revokes from another process), but after a write a thousand long-polls ask
//! again at once, and on PostgreSQL a check each was a transaction each through a pool of a few
//! dozen connections; now the checks waiting while one runs go together in the next
//! (`Tx::session_actors`).

use std::sync::{Mutex, MutexGuard};

use tokio::sync::oneshot;

use super::AppState;
use crate::access::Actor;
use crate::error::ApiError;

/// Most tokens looked up in one query.
const BATCH: usize = 1000;

type Answer = oneshot::Sender<Result<Option<Actor>, ApiError>>;

#[derive(Default)]
struct Waiting {
    checks: Vec<(String, Answer)>,
    /// A task is checking; it takes what waits when its check ends.
    running: bool,
}

#[derive(Default)]
pub struct SessionChecks(Mutex<Waiting>);

/// Ends the checking task's turn should it end early (a panic): the next request starts
/// another, and what still waits is answered (with an error) rather than left waiting.
struct Turn<'a>(&'a SessionChecks, bool);

impl Drop for Turn<'_> {
    fn drop(&mut self) {
        if self.1 {
            return;
        }
        let mut waiting = self.0.lock();
        waiting.running = false;
        for (_, answer) in waiting.checks.drain(..) {
            let _ = answer.send(Err(ApiError::StorageBusy));
        }
    }
}

impl SessionChecks {
    fn lock(&self) -> MutexGuard<'_, Waiting> {
        // Nothing panics while holding it, so a poisoned lock guards a consistent list.
        self.0
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// The user whose live session `token_hash` is; 401 when none.
    pub async fn check(&self, app: &AppState, token_hash: String) -> Result<Actor, ApiError> {
        let (answer, answered) = oneshot::channel();
        let start = {
            let mut waiting = self.lock();
            waiting.checks.push((token_hash, answer));
            !std::mem::replace(&mut waiting.running, true)
        };
        if start {
            // A task of its own: a request that goes away must not take the others' check with it.
            let app = app.clone();
            tokio::spawn(async move { app.0.sessions.run(&app).await });
        }
        match answered.await {
            Ok(found) => found?.ok_or(ApiError::Unauthorized),
            Err(_) => Err(ApiError::StorageBusy),
        }
    }

    /// Checks what waits, in batches, until nothing does.
    async fn run(&self, app: &AppState) {
        let mut turn = Turn(self, false);
        loop {
            let batch: Vec<(String, Answer)> = {
                let mut waiting = self.lock();
                if waiting.checks.is_empty() {
                    // Under the lock: a request arriving after this starts the next turn.
                    waiting.running = false;
                    turn.1 = true;
                    return;
                }
                let take = waiting.checks.len().min(BATCH);
                waiting.checks.drain(..take).collect()
            };
            let hashes: Vec<String> = batch.iter().map(|(hash, _)| hash.clone()).collect();
            let now = crate::validate::format_time(chrono::Utc::now());
            let found = app.read(move |tx| tx.session_actors(&hashes, &now)).await;
            match found {
                Ok(actors) => {
                    for ((_, answer), actor) in batch.into_iter().zip(actors) {
                        let _ = answer.send(Ok(actor));
                    }
                }
                Err(e) => {
                    for (_, answer) in batch {
                        let _ = answer.send(Err(again(&e)));
                    }
                }
            }
        }
    }
}

/// A failed check's error for each request that waited on it.
fn again(e: &ApiError) -> ApiError {
    match e {
        ApiError::StorageBusy => ApiError::StorageBusy,
        other => ApiError::Internal(other.to_string()),
    }
}
