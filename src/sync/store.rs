//! How the engine reaches the replica: directly on the calling thread (a command's `block_on`),
//! or, for the live task, on the blocking pool so SQLite never stalls the async threads
//! (a rusqlite connection is `Send` but not `Sync`, hence the mutex).

use std::future::Future;
use std::sync::{Arc, Mutex, PoisonError};

use super::SyncError;
use crate::replica::{Replica, ReplicaError};

pub trait ReplicaAccess {
    fn run<T, F>(&self, f: F) -> impl Future<Output = Result<T, SyncError>>
    where
        F: FnOnce(&Replica) -> Result<T, ReplicaError> + Send + 'static,
        T: Send + 'static;
}

impl ReplicaAccess for Replica {
    fn run<T, F>(&self, f: F) -> impl Future<Output = Result<T, SyncError>>
    where
        F: FnOnce(&Replica) -> Result<T, ReplicaError> + Send + 'static,
        T: Send + 'static,
    {
        std::future::ready(f(self).map_err(SyncError::from))
    }
}

/// A replica owned by a background task.
#[derive(Clone)]
pub struct Shared(Arc<Mutex<Replica>>);

impl Shared {
    pub fn new(replica: Replica) -> Shared {
        Shared(Arc::new(Mutex::new(replica)))
    }
}

impl ReplicaAccess for Shared {
    fn run<T, F>(&self, f: F) -> impl Future<Output = Result<T, SyncError>>
    where
        F: FnOnce(&Replica) -> Result<T, ReplicaError> + Send + 'static,
        T: Send + 'static,
    {
        let inner = self.0.clone();
        async move {
            tokio::task::spawn_blocking(move || {
                // A panic elsewhere cannot leave the replica half-written: its transactions roll
                // back on drop, so the data behind a poisoned lock is sound.
                let replica = inner.lock().unwrap_or_else(PoisonError::into_inner);
                f(&replica)
            })
            .await
            .map_err(|e| SyncError::Task(e.to_string()))?
            .map_err(SyncError::from)
        }
    }
}
