//! In-process wake-ups: a local write notifies the live sync task of the same replica at once,
//! so an edit goes out without waiting for the long-poll to return.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::{Arc, LazyLock, Mutex};

use tokio::sync::Notify;

static SIGNALS: LazyLock<Mutex<HashMap<PathBuf, Arc<Notify>>>> =
    LazyLock::new(|| Mutex::new(HashMap::new()));

/// The notifier for local writes to the replica at `path` (one per file in this process).
pub fn local_writes(path: &Path) -> Arc<Notify> {
    let key = std::path::absolute(path).unwrap_or_else(|_| path.to_path_buf());
    // A poisoned lock only means another thread panicked while inserting; the map is still sound.
    let mut map = SIGNALS
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner);
    map.entry(key).or_default().clone()
}
