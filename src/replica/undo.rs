//! Undo: the inverse of this user's latest write not undone yet, made as a normal local write
//! (into the outbox, sent as any other): a create is deleted, an edit's fields get their
//! previous values back, a delete is restored. An edit whose fields someone else changed since
//! is not overwritten silently: the undo is parked as a conflict, as a sync would park it.

use crm_server::schema::Entity;
use serde::Serialize;
use serde_json::{Map, Value};

use super::journal::{self, JournalEntry};
use super::outbox::{self, Conflict, EntryState, Op, OutboxEntry};
use super::rows::version_of;
use super::{Replica, ReplicaError, Tx, record_label};

/// What an undo did.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Undone {
    pub entity: Entity,
    pub id: String,
    /// The write that was undone.
    pub op: Op,
    /// The record's number and name ("C000123 上海东华"), as people know it.
    pub label: String,
    /// The undo met a change made meanwhile by someone else: it waits as a conflict.
    pub conflicted: bool,
}

impl Undone {
    /// "edit of C000123 上海东华".
    pub fn describe(&self) -> String {
        let what = match self.op {
            Op::Create => "creation",
            Op::Update => "edit",
            Op::Delete | Op::Restore => "deletion",
        };
        format!("{what} of {} {}", self.entity.noun(), self.label)
    }
}

impl Replica {
    /// Undoes the latest write of the signed-in user not undone yet; None when there is none.
    /// A record gone since (deleted by someone else) is reported as not found, and that write
    /// counts as undone, so the next undo goes on to the one before.
    pub fn undo(&self) -> Result<Option<Undone>, ReplicaError> {
        let Some(entry) = journal::latest(&self.outbox, self.user_id()?.as_deref())? else {
            return Ok(None);
        };
        let result = match entry.op {
            Op::Create => self.undo_create(&entry),
            Op::Update => self.undo_update(&entry),
            Op::Delete => self.undo_delete(&entry),
            Op::Restore => Ok(false),
        };
        match result {
            Ok(conflicted) => {
                journal::mark_undone(&self.outbox, entry.seq)?;
                self.signal_write();
                let label = self
                    .get(entry.entity, &entry.record_id)?
                    .map(|r| record_label(entry.entity, &r.fields))
                    .unwrap_or_else(|| record_label(entry.entity, &entry.before));
                Ok(Some(Undone {
                    entity: entry.entity,
                    id: entry.record_id,
                    op: entry.op,
                    label,
                    conflicted,
                }))
            }
            Err(ReplicaError::NotFound { entity, id }) => {
                journal::mark_undone(&self.outbox, entry.seq)?;
                Err(ReplicaError::NotFound { entity, id })
            }
            Err(e) => Err(e),
        }
    }

    fn undo_create(&self, entry: &JournalEntry) -> Result<bool, ReplicaError> {
        self.delete_journaled(entry.entity, &entry.record_id, false)?;
        Ok(false)
    }

    /// Writes the previous values back. A field whose value is no longer the one this user
    /// wrote was changed by someone else since: the undo is parked as a conflict on it (mine:
    /// the previous value; theirs: the value now), as a sync would have found it.
    fn undo_update(&self, entry: &JournalEntry) -> Result<bool, ReplicaError> {
        let (entity, id) = (entry.entity, entry.record_id.as_str());
        let current = self
            .get(entity, id)?
            .ok_or_else(|| ReplicaError::NotFound {
                entity,
                id: id.to_string(),
            })?;
        let now_of = |field: &str| current.fields.get(field).cloned().unwrap_or(Value::Null);
        let moved: Vec<&String> = entry
            .after
            .iter()
            .filter(|(k, v)| entry.before.contains_key(*k) && now_of(k) != **v)
            .map(|(k, _)| k)
            .collect();
        if moved.is_empty() {
            self.update_journaled(entity, id, entry.before.clone(), false)?;
            return Ok(false);
        }
        let fields: Map<String, Value> = entry
            .before
            .iter()
            .filter(|(k, v)| now_of(k) != **v)
            .map(|(k, v)| (k.clone(), v.clone()))
            .collect();
        let base: Map<String, Value> = fields.keys().map(|k| (k.clone(), now_of(k))).collect();
        let now = self.now_text();
        let tx = Tx::begin(&self.outbox)?;
        for field in moved.iter().filter(|f| fields.contains_key(f.as_str())) {
            let conflict = Conflict {
                entity,
                id: id.to_string(),
                field: (*field).clone(),
                mine: entry.before.get(*field).cloned().unwrap_or(Value::Null),
                theirs: now_of(field),
                base: entry.after.get(*field).cloned().unwrap_or(Value::Null),
                base_version: current.version,
                theirs_version: current.version,
            };
            outbox::put_conflict(&self.outbox, &conflict, &now)?;
        }
        outbox::insert(
            &self.outbox,
            &OutboxEntry {
                fields,
                base,
                base_version: current.version,
                state: EntryState::Conflict,
                ..self.new_entry(entity, id, Op::Update)?
            },
        )?;
        tx.commit()?;
        self.recompute_one(entity, id)?;
        Ok(true)
    }

    /// Brings a deleted record back: an unsent delete is simply dropped; a record the server
    /// never had is created again; one the server deleted is restored there.
    fn undo_delete(&self, entry: &JournalEntry) -> Result<bool, ReplicaError> {
        let (entity, id) = (entry.entity, entry.record_id.as_str());
        if self.get(entity, id)?.is_some() {
            // Back already (restored by someone, or the delete was discarded).
            return Ok(false);
        }
        let entries = outbox::for_record(&self.outbox, entity, id)?;
        if let Some(delete) = entries
            .iter()
            .rev()
            .find(|e| e.op == Op::Delete && e.attempts == 0)
        {
            self.discard_with(delete.seq, false)?;
            return Ok(false);
        }
        if version_of(&entry.before) == 0 && entries.is_empty() {
            // Created here and deleted before it was ever sent: create it again, same id.
            let mut fields: Map<String, Value> = entity
                .descriptor()
                .form
                .iter()
                .filter_map(|f| {
                    let v = entry.before.get(*f).filter(|v| !v.is_null())?;
                    Some((f.to_string(), v.clone()))
                })
                .collect();
            fields.insert("id".into(), Value::String(id.to_string()));
            self.create_journaled(entity, fields, false)?;
            return Ok(false);
        }
        let tx = Tx::begin(&self.outbox)?;
        outbox::insert(
            &self.outbox,
            &OutboxEntry {
                base: entry.before.clone(),
                base_version: version_of(&entry.before),
                ..self.new_entry(entity, id, Op::Restore)?
            },
        )?;
        tx.commit()?;
        self.recompute_one(entity, id)?;
        Ok(false)
    }
}
