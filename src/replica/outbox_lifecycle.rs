//! The life of an outbox entry once it exists: due, sent (its attempt counted before the request
//! leaves), acknowledged, rebased onto a newer server version (after a 412, or when a pulled page
//! brings one), refused for good, or waiting out a backoff. The sync engine drives these steps;
//! the decisions about the outbox and the rows are made here.
//!
//! Two files, two transactions: the outbox is always committed first (see `apply`).

use serde_json::{Map, Value};
use uuid::Uuid;

use super::merge::merge;
use super::outbox::{self, Conflict, EntryState, Op, OutboxEntry};
use super::rows::version_of;
use super::{Replica, ReplicaError, Tx};
use crm_server::schema::Entity;

fn new_key() -> String {
    Uuid::new_v4().to_string()
}

impl Replica {
    /// Rebases the outbox entries of one record onto the server's version `theirs`. Call inside
    /// a transaction on the outbox. Returns the conflicts found.
    pub(super) fn rebase_entries(
        &self,
        entity: Entity,
        id: &str,
        theirs: &Map<String, Value>,
    ) -> Result<Vec<Conflict>, ReplicaError> {
        let theirs_version = version_of(theirs);
        let mut found = Vec::new();
        for mut entry in outbox::for_record(&self.outbox, entity, id)? {
            match entry.op {
                // The server holds the record, so a create that was sent has arrived; one never
                // sent is left for the server to refuse (an id clash), visibly.
                Op::Create if entry.attempts > 0 => outbox::remove(&self.outbox, entry.seq)?,
                Op::Create => {}
                Op::Update
                    if entry.state != EntryState::Failed && entry.base_version < theirs_version =>
                {
                    found.extend(self.rebase_update(&mut entry, theirs)?);
                }
                Op::Update => {}
                Op::Restore => {}
                Op::Delete => {
                    // Keep the newest server copy with the delete, in case it is discarded.
                    entry.base = theirs.clone();
                    entry.base_version = entry.base_version.max(theirs_version);
                    outbox::save(&self.outbox, &entry)?;
                }
            }
        }
        Ok(found)
    }

    /// Merges one update entry with the server's record: fields only changed here are kept to
    /// send against the new version, fields the server already holds are dropped, fields changed
    /// on both sides become conflicts and park the entry.
    fn rebase_update(
        &self,
        entry: &mut OutboxEntry,
        theirs: &Map<String, Value>,
    ) -> Result<Vec<Conflict>, ReplicaError> {
        let theirs_version = version_of(theirs);
        let m = merge(&entry.base, &entry.fields, theirs);
        let now = self.now_text();
        for field in &m.settled {
            entry.fields.remove(field);
            entry.base.remove(field);
            outbox::remove_conflict(&self.outbox, entry.entity, &entry.record_id, field)?;
        }
        for field in m.resend.keys() {
            entry.base.insert(
                field.clone(),
                theirs.get(field).cloned().unwrap_or(Value::Null),
            );
        }
        let mut found = Vec::new();
        for c in m.conflicts {
            let conflict = Conflict {
                entity: entry.entity,
                id: entry.record_id.clone(),
                field: c.field.clone(),
                mine: c.mine,
                theirs: c.theirs.clone(),
                base: c.base,
                base_version: entry.base_version,
                theirs_version,
            };
            outbox::put_conflict(&self.outbox, &conflict, &now)?;
            // Resolving for mine then sends against this version.
            entry.base.insert(c.field, c.theirs);
            found.push(conflict);
        }
        entry.base_version = theirs_version;
        if entry.fields.is_empty() {
            outbox::remove(&self.outbox, entry.seq)?;
            return Ok(found);
        }
        let conflicted = outbox::conflicts(&self.outbox, Some((entry.entity, &entry.record_id)))?
            .iter()
            .any(|c| entry.fields.contains_key(&c.field));
        entry.state = if conflicted {
            EntryState::Conflict
        } else {
            EntryState::Pending
        };
        // The request changed, so it is a new request as far as the server is concerned.
        entry.idempotency_key = new_key();
        outbox::save(&self.outbox, entry)?;
        Ok(found)
    }

    /// The next outbox entry to send now, if any (see `outbox::next_due`).
    pub(crate) fn next_due(&self) -> Result<Option<OutboxEntry>, ReplicaError> {
        outbox::next_due(&self.outbox, self.now_ms())
    }

    /// Counts a send attempt before the request leaves, so a crash mid-send is known to have
    /// possibly reached the server (such an entry is never coalesced with a later edit).
    pub(crate) fn begin_send(&self, seq: i64) -> Result<OutboxEntry, ReplicaError> {
        let tx = Tx::begin(&self.outbox)?;
        let mut entry = outbox::entry(&self.outbox, seq)?.ok_or(ReplicaError::NoEntry(seq))?;
        entry.attempts += 1;
        outbox::save(&self.outbox, &entry)?;
        tx.commit()?;
        Ok(entry)
    }

    /// The server accepted entry `seq` and answered with `record` (None for a delete).
    pub(crate) fn on_sent(
        &self,
        seq: i64,
        record: Option<&Map<String, Value>>,
    ) -> Result<(), ReplicaError> {
        let Some(entry) = outbox::entry(&self.outbox, seq)? else {
            return Ok(());
        };
        let tx = Tx::begin(&self.outbox)?;
        outbox::remove(&self.outbox, seq)?;
        if let Some(answer) = record {
            let version = version_of(answer);
            // Later edits of the record were based on the same server version as this one, with
            // this one's values: they are now based on the version this one made.
            for mut later in outbox::for_record(&self.outbox, entry.entity, &entry.record_id)? {
                if later.seq > seq
                    && later.base_version == entry.base_version
                    && version > later.base_version
                {
                    later.base_version = version;
                    for field in entry.fields.keys() {
                        if later.base.contains_key(field) {
                            later.base.insert(
                                field.clone(),
                                answer.get(field).cloned().unwrap_or(Value::Null),
                            );
                        }
                    }
                    outbox::save(&self.outbox, &later)?;
                }
            }
        }
        tx.commit()?;

        let tx = Tx::begin(&self.db)?;
        let mut dirty = self.dirty()?;
        match record {
            Some(answer) => match answer.get("id").and_then(Value::as_str) {
                // The server applied it to another record: a customer merged away since
                // redirects to its survivor. The survivor's copy goes under its own id, and the
                // merged-away row (gone on the server) goes.
                Some(other) if other != entry.record_id => {
                    self.take_server_copy(entry.entity, other, answer, &mut dirty)?;
                    self.write_record(entry.entity, &entry.record_id, None, &mut dirty)?;
                }
                _ => self.take_server_copy(entry.entity, &entry.record_id, answer, &mut dirty)?,
            },
            None => self.write_record(entry.entity, &entry.record_id, None, &mut dirty)?,
        }
        self.finish(&mut dirty)?;
        tx.commit()
    }

    /// The server answered 412 with its `current` record: rebase every entry of the record.
    pub(crate) fn on_stale(
        &self,
        seq: i64,
        current: &Map<String, Value>,
    ) -> Result<Vec<Conflict>, ReplicaError> {
        let Some(entry) = outbox::entry(&self.outbox, seq)? else {
            return Ok(Vec::new());
        };
        let tx = Tx::begin(&self.outbox)?;
        let found = self.rebase_entries(entry.entity, &entry.record_id, current)?;
        tx.commit()?;
        let tx = Tx::begin(&self.db)?;
        let mut dirty = self.dirty()?;
        self.take_server_copy(entry.entity, &entry.record_id, current, &mut dirty)?;
        self.finish(&mut dirty)?;
        tx.commit()?;
        Ok(found)
    }

    /// The server refused entry `seq` for good: park it with the server's words.
    pub(crate) fn on_refused(
        &self,
        seq: i64,
        code: &str,
        message: &str,
    ) -> Result<(), ReplicaError> {
        self.update_entry(seq, |e| {
            e.state = EntryState::Failed;
            e.error_code = Some(code.to_string());
            e.last_error = Some(message.to_string());
        })
    }

    /// Entry `seq` could not be sent (offline, server trouble): try again after a backoff that
    /// doubles with each attempt, up to five minutes.
    pub(crate) fn on_unsent(&self, seq: i64, message: &str) -> Result<(), ReplicaError> {
        self.update_entry(seq, |e| {
            let exp = e.attempts.clamp(1, 9) as u32 - 1;
            let delay = (500_i64 << exp).min(300_000);
            e.next_attempt_at = self.now_ms() + delay;
            e.last_error = Some(message.to_string());
        })
    }

    /// Makes every waiting entry due now (the server is known to be back, or the user asked).
    pub fn retry_now(&self) -> Result<(), ReplicaError> {
        self.outbox.execute(
            "UPDATE outbox SET next_attempt_at = 0 WHERE state = 'pending' AND next_attempt_at > 0",
            [],
        )?;
        Ok(())
    }

    fn update_entry(&self, seq: i64, f: impl FnOnce(&mut OutboxEntry)) -> Result<(), ReplicaError> {
        let tx = Tx::begin(&self.outbox)?;
        let mut entry = outbox::entry(&self.outbox, seq)?.ok_or(ReplicaError::NoEntry(seq))?;
        f(&mut entry);
        outbox::save(&self.outbox, &entry)?;
        tx.commit()
    }
}
