//! What can go wrong in the replica, in words that tell the user what to do.

use std::collections::BTreeMap;
use std::path::PathBuf;

use crm_server::schema::Entity;
use rusqlite::ErrorCode;

#[derive(Debug, thiserror::Error)]
pub enum ReplicaError {
    #[error(
        "the local replica failed: {0}; if this repeats, delete the replica file and sync again (unsent changes are kept in the .outbox file beside it)"
    )]
    Database(#[from] rusqlite::Error),
    #[error("the local data is damaged ({0})")]
    Damaged(String),
    #[error("cannot use {path}: {source}")]
    Io {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error(
        "the outbox {path} was written by a newer crm (format {found}; this crm knows {known}); upgrade crm: the file holds changes not yet sent"
    )]
    NewerOutbox {
        path: PathBuf,
        found: i64,
        known: i64,
    },
    #[error("no {noun} {id} in the local replica; run `crm sync` if it was made elsewhere", noun = .entity.noun())]
    NotFound { entity: Entity, id: String },
    #[error("a {noun} with id {id} already exists", noun = .entity.noun())]
    Exists { entity: Entity, id: String },
    #[error("{}", describe_problems(.invalid, .forbidden))]
    Invalid {
        invalid: BTreeMap<String, String>,
        forbidden: BTreeMap<String, String>,
    },
    #[error("{0}")]
    BadQuery(String),
    /// The signed-in user's role may not write records of this kind at all (the server's rule).
    #[error("{0}")]
    Forbidden(String),
    #[error("no outbox entry {0}; `crm status` lists them")]
    NoEntry(i64),
    #[error("no conflict to resolve on {noun} {id}", noun = .entity.noun())]
    NoConflict { entity: Entity, id: String },
    #[error(
        "{count} unsent changes in this profile belong to another user; sign in as them to send them, or discard them first"
    )]
    OtherUsersWrites { count: usize },
}

fn describe_problems(
    invalid: &BTreeMap<String, String>,
    forbidden: &BTreeMap<String, String>,
) -> String {
    let parts: Vec<String> = invalid
        .iter()
        .chain(forbidden.iter())
        .map(|(field, message)| format!("{field}: {message}"))
        .collect();
    format!("fix these fields and try again — {}", parts.join("; "))
}

impl From<crm_server::validate::Problems> for ReplicaError {
    fn from(p: crm_server::validate::Problems) -> Self {
        ReplicaError::Invalid {
            invalid: p.invalid,
            forbidden: p.forbidden,
        }
    }
}

impl ReplicaError {
    /// The file is not a database, or not a sound one: rebuild rather than fail.
    pub(super) fn is_damage(&self) -> bool {
        match self {
            ReplicaError::Damaged(_) => true,
            ReplicaError::Database(e) => matches!(
                e.sqlite_error_code(),
                Some(ErrorCode::NotADatabase | ErrorCode::DatabaseCorrupt)
            ),
            _ => false,
        }
    }

    /// Another connection held the file past the busy timeout.
    pub(super) fn is_busy(&self) -> bool {
        matches!(self, ReplicaError::Database(e)
            if matches!(e.sqlite_error_code(), Some(ErrorCode::DatabaseBusy | ErrorCode::DatabaseLocked)))
    }
}
