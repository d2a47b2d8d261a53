//! What can go wrong in storage, in storage's own words: the backend classifies its failures
//! into these, and the API layer alone decides what a client is told (`ApiError: From`).

/// A failure of the storage layer.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum StorageError {
    /// A record the operation needs is not stored.
    #[error("no such {0}")]
    NotFound(&'static str),
    /// A write would give two records the same unique key (`table.column` as the backend names
    /// it).
    #[error("another record already holds this {key}")]
    Conflict { key: String },
    /// The database stayed locked by another writer past the busy timeout.
    #[error("the database is busy")]
    Busy,
    /// The disk holding the database is full.
    #[error("the disk holding the database is full")]
    DiskFull,
    /// The database file is damaged.
    #[error("the database is damaged: {0}")]
    Corrupt(String),
    /// The work inside a transaction failed, so the transaction was rolled back; the work's own
    /// error is with its caller (see `store::read` and `store::write`).
    #[error("the transaction was rolled back by the work inside it")]
    RolledBack,
    /// A request of the storage itself that cannot be done (a backup onto an existing file).
    #[error("{0}")]
    Refused(String),
    /// Anything else: logged, never sent.
    #[error("database: {0}")]
    Other(String),
}

impl From<serde_json::Error> for StorageError {
    fn from(e: serde_json::Error) -> Self {
        StorageError::Other(format!("json: {e}"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rusqlite::Connection;

    #[test]
    fn sqlite_failures_are_told_apart() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("t.db");
        let first = Connection::open(&path).unwrap();
        first
            .execute_batch("CREATE TABLE t (k TEXT UNIQUE); INSERT INTO t VALUES ('a');")
            .unwrap();
        let taken = first.execute("INSERT INTO t VALUES ('a')", []).unwrap_err();
        assert_eq!(
            StorageError::from(taken),
            StorageError::Conflict { key: "t.k".into() }
        );

        // A second writer while the first holds the write lock, with no time to wait.
        first.execute_batch("BEGIN IMMEDIATE").unwrap();
        let second = Connection::open(&path).unwrap();
        second.busy_timeout(std::time::Duration::ZERO).unwrap();
        let locked = second.execute_batch("BEGIN IMMEDIATE").unwrap_err();
        assert_eq!(StorageError::from(locked), StorageError::Busy);

        let missing = second
            .execute("INSERT INTO nowhere VALUES (1)", [])
            .unwrap_err();
        assert!(matches!(
            StorageError::from(missing),
            StorageError::Other(_)
        ));
    }
}
