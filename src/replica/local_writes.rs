//! Local writes: applied to the replica at once and appended to the outbox in the same call, both
//! committed before it returns. Also what the user does with parked entries: resolve a conflict,
//! retry or discard a refused write.

use crm_server::schema::CUSTOM_FIELD;
use crm_server::schema::Entity;
use crm_server::validate::{self, Mode};
use serde_json::{Map, Value};
use uuid::Uuid;

use super::journal::{self, JournalEntry};
use super::outbox::{self, EntryState, Keep, Op, OutboxEntry};
use super::rows::version_of;
use super::{Record, Replica, ReplicaError, Tx};

impl Replica {
    /// Creates a record locally with a new id (UUID v7, or `fields.id` when given) and queues it
    /// for the server. Values are checked and normalized as the server would.
    pub fn create(
        &self,
        entity: Entity,
        fields: Map<String, Value>,
    ) -> Result<Record, ReplicaError> {
        self.create_journaled(entity, fields, true)
    }

    /// `create`, noted in the undo journal unless it is itself an undo.
    pub(super) fn create_journaled(
        &self,
        entity: Entity,
        mut fields: Map<String, Value>,
        journaled: bool,
    ) -> Result<Record, ReplicaError> {
        self.may_write(entity)?;
        let id = match fields.remove("id") {
            None | Some(Value::Null) => Uuid::now_v7().hyphenated().to_string(),
            Some(given) => match given.as_str().and_then(|s| Uuid::parse_str(s).ok()) {
                Some(id) => id.hyphenated().to_string(),
                None => {
                    return Err(ReplicaError::Invalid {
                        invalid: [("id".to_string(), "must be a UUID".to_string())].into(),
                        forbidden: Default::default(),
                    });
                }
            },
        };
        let catalog = self.catalog()?;
        let checked = validate::check_in(entity, &fields, Mode::Create, self.role()?, &catalog)?;
        // Send only what was given: defaults are the server's to fill, and a default sent for a
        // field this user may not set would be refused.
        let body: Map<String, Value> = checked
            .into_iter()
            .filter(|(k, _)| fields.contains_key(k))
            .collect();
        if self.server_copy(entity, &id)?.is_some()
            || !outbox::for_record(&self.outbox, entity, &id)?.is_empty()
        {
            return Err(ReplicaError::Exists { entity, id });
        }
        let entry = OutboxEntry {
            fields: body,
            ..self.new_entry(entity, &id, Op::Create)?
        };
        let tx = Tx::begin(&self.outbox)?;
        outbox::insert(&self.outbox, &entry)?;
        if journaled {
            self.journal(entity, &id, Op::Create, Map::new(), entry.fields.clone())?;
        }
        tx.commit()?;
        self.recompute_one(entity, &id)?;
        self.signal_write();
        self.get(entity, &id)?
            .ok_or(ReplicaError::NotFound { entity, id })
    }

    /// Changes fields of a record locally and queues the change. The entry remembers the server
    /// version and the values the change started from, to merge if the server moved meanwhile.
    pub fn update(
        &self,
        entity: Entity,
        id: &str,
        changes: Map<String, Value>,
    ) -> Result<Record, ReplicaError> {
        self.update_journaled(entity, id, changes, true)
    }

    /// `update`, noted in the undo journal unless it is itself an undo.
    pub(super) fn update_journaled(
        &self,
        entity: Entity,
        id: &str,
        changes: Map<String, Value>,
        journaled: bool,
    ) -> Result<Record, ReplicaError> {
        self.may_write(entity)?;
        let current = self
            .get(entity, id)?
            .ok_or_else(|| ReplicaError::NotFound {
                entity,
                id: id.to_string(),
            })?;
        let catalog = self.catalog()?;
        let mut checked =
            validate::check_in(entity, &changes, Mode::Patch, self.role()?, &catalog)?;
        // Custom values are a patch of their own: the keys sent laid on the map held, nulls kept
        // so the server clears them too (keys this user cannot see are not in the map and stay).
        if let Some(Value::Object(patch)) = checked.get_mut(CUSTOM_FIELD) {
            let mut full = current
                .fields
                .get(CUSTOM_FIELD)
                .and_then(Value::as_object)
                .cloned()
                .unwrap_or_default();
            full.extend(std::mem::take(patch));
            *patch = full;
        }
        let changed: Map<String, Value> = checked
            .into_iter()
            .filter(|(k, v)| current.fields.get(k).unwrap_or(&Value::Null) != v)
            .collect();
        if changed.is_empty() {
            return Ok(current);
        }
        let tx = Tx::begin(&self.outbox)?;
        if journaled {
            let before = changed
                .keys()
                .map(|k| {
                    let v = current.fields.get(k).cloned().unwrap_or(Value::Null);
                    (k.clone(), v)
                })
                .collect();
            self.journal(entity, id, Op::Update, before, changed.clone())?;
        }
        let refused = outbox::for_record(&self.outbox, entity, id)?
            .into_iter()
            .rev()
            .find(|e| e.state == EntryState::Failed && matches!(e.op, Op::Create | Op::Update));
        let last = outbox::last(&self.outbox)?;
        match (refused, last) {
            // The fix of a write the server refused: the change goes into that write, which is
            // sent again (a new request, so a new idempotency key).
            (Some(mut fix), _) => {
                for (field, value) in changed {
                    if fix.op == Op::Update && !fix.base.contains_key(&field) {
                        let before = current.fields.get(&field).cloned().unwrap_or(Value::Null);
                        fix.base.insert(field.clone(), before);
                    }
                    fix.fields.insert(field, value);
                }
                fix.state = EntryState::Pending;
                fix.next_attempt_at = 0;
                fix.last_error = None;
                fix.error_code = None;
                fix.idempotency_key = Uuid::new_v4().to_string();
                outbox::save(&self.outbox, &fix)?;
            }
            // The newest entry of the whole outbox, on this record, never sent: fold the change
            // into it. Only the newest, so no change overtakes a write it may depend on.
            (None, Some(mut last))
                if last.entity == entity
                    && last.record_id == id
                    && last.attempts == 0
                    && last.state == EntryState::Pending
                    && last.op != Op::Delete =>
            {
                for (field, value) in changed {
                    if last.op == Op::Update && !last.base.contains_key(&field) {
                        let before = current.fields.get(&field).cloned().unwrap_or(Value::Null);
                        last.base.insert(field.clone(), before);
                    }
                    last.fields.insert(field, value);
                }
                outbox::save(&self.outbox, &last)?;
            }
            _ => {
                let base = changed
                    .keys()
                    .map(|k| {
                        (
                            k.clone(),
                            current.fields.get(k).cloned().unwrap_or(Value::Null),
                        )
                    })
                    .collect();
                outbox::insert(
                    &self.outbox,
                    &OutboxEntry {
                        fields: changed,
                        base,
                        base_version: current.version,
                        ..self.new_entry(entity, id, Op::Update)?
                    },
                )?;
            }
        }
        tx.commit()?;
        self.recompute_one(entity, id)?;
        self.signal_write();
        self.get(entity, id)?.ok_or_else(|| ReplicaError::NotFound {
            entity,
            id: id.to_string(),
        })
    }

    /// Deletes a record locally and queues the delete. A record created here and never sent is
    /// simply forgotten.
    pub fn delete(&self, entity: Entity, id: &str) -> Result<(), ReplicaError> {
        self.delete_journaled(entity, id, true)
    }

    /// `delete`, noted in the undo journal unless it is itself an undo.
    pub(super) fn delete_journaled(
        &self,
        entity: Entity,
        id: &str,
        journaled: bool,
    ) -> Result<(), ReplicaError> {
        self.may_write(entity)?;
        let current = self
            .get(entity, id)?
            .ok_or_else(|| ReplicaError::NotFound {
                entity,
                id: id.to_string(),
            })?;
        let tx = Tx::begin(&self.outbox)?;
        if journaled {
            self.journal(entity, id, Op::Delete, current.fields.clone(), Map::new())?;
        }
        let entries = outbox::for_record(&self.outbox, entity, id)?;
        let never_sent = entries.first().is_some_and(|e| e.op == Op::Create)
            && entries.iter().all(|e| e.attempts == 0);
        if never_sent {
            for entry in &entries {
                outbox::remove(&self.outbox, entry.seq)?;
            }
        } else {
            outbox::insert(
                &self.outbox,
                &OutboxEntry {
                    // The server's copy rides along, to restore the record if the delete is
                    // discarded.
                    base: self.server_copy(entity, id)?.unwrap_or_default(),
                    base_version: current.version,
                    ..self.new_entry(entity, id, Op::Delete)?
                },
            )?;
        }
        tx.commit()?;
        self.recompute_one(entity, id)?;
        self.signal_write();
        Ok(())
    }

    /// Settles every conflicted field of a record one way.
    pub fn resolve(&self, entity: Entity, id: &str, keep: Keep) -> Result<Record, ReplicaError> {
        self.resolve_fields(entity, id, None, keep)
    }

    /// Settles one conflicted field of a record.
    pub fn resolve_field(
        &self,
        entity: Entity,
        id: &str,
        field: &str,
        keep: Keep,
    ) -> Result<Record, ReplicaError> {
        self.resolve_fields(entity, id, Some(field), keep)
    }

    fn resolve_fields(
        &self,
        entity: Entity,
        id: &str,
        only: Option<&str>,
        keep: Keep,
    ) -> Result<Record, ReplicaError> {
        let conflicts: Vec<_> = outbox::conflicts(&self.outbox, Some((entity, id)))?
            .into_iter()
            .filter(|c| only.is_none_or(|f| f == c.field))
            .collect();
        if conflicts.is_empty() {
            return Err(ReplicaError::NoConflict {
                entity,
                id: id.to_string(),
            });
        }
        let tx = Tx::begin(&self.outbox)?;
        for c in &conflicts {
            outbox::remove_conflict(&self.outbox, entity, id, &c.field)?;
        }
        let remaining = outbox::conflicts(&self.outbox, Some((entity, id)))?;
        for mut entry in outbox::for_record(&self.outbox, entity, id)? {
            if keep == Keep::Theirs {
                // Their value stands: stop sending mine (the entry's base is already theirs).
                for c in &conflicts {
                    entry.fields.remove(&c.field);
                    entry.base.remove(&c.field);
                }
                if entry.op == Op::Update && entry.fields.is_empty() {
                    outbox::remove(&self.outbox, entry.seq)?;
                    continue;
                }
            }
            if entry.state == EntryState::Conflict
                && !remaining
                    .iter()
                    .any(|c| entry.fields.contains_key(&c.field))
            {
                entry.state = EntryState::Pending;
                entry.next_attempt_at = 0;
            }
            outbox::save(&self.outbox, &entry)?;
        }
        tx.commit()?;
        self.recompute_one(entity, id)?;
        self.signal_write();
        self.get(entity, id)?.ok_or_else(|| ReplicaError::NotFound {
            entity,
            id: id.to_string(),
        })
    }

    /// Marks the unsent create of a record as "not a duplicate": the server creates it even when
    /// a customer with the same name, phone or email exists.
    pub fn allow_duplicate(&self, entity: Entity, id: &str) -> Result<(), ReplicaError> {
        let entry = outbox::for_record(&self.outbox, entity, id)?
            .into_iter()
            .find(|e| e.op == Op::Create)
            .ok_or_else(|| ReplicaError::NotFound {
                entity,
                id: id.to_string(),
            })?;
        self.retry(entry.seq, true)
    }

    /// Sends a refused entry again (after the cause was fixed elsewhere); a refused create may
    /// be confirmed as not a duplicate.
    pub fn retry(&self, seq: i64, allow_duplicate: bool) -> Result<(), ReplicaError> {
        let tx = Tx::begin(&self.outbox)?;
        let mut entry = outbox::entry(&self.outbox, seq)?.ok_or(ReplicaError::NoEntry(seq))?;
        if entry.state == EntryState::Failed {
            entry.state = EntryState::Pending;
            entry.error_code = None;
        }
        entry.next_attempt_at = 0;
        entry.allow_duplicate |= allow_duplicate && entry.op == Op::Create;
        outbox::save(&self.outbox, &entry)?;
        tx.commit()?;
        self.signal_write();
        Ok(())
    }

    /// Drops an outbox entry and shows the server's copy again. Dropping a create drops the
    /// record's later edits with it.
    pub fn discard(&self, seq: i64) -> Result<(), ReplicaError> {
        self.discard_with(seq, true)
    }

    /// `discard`; `forget`: the record's writes leave the undo journal too (not when an undo
    /// itself drops an unsent delete).
    pub(super) fn discard_with(&self, seq: i64, forget: bool) -> Result<(), ReplicaError> {
        let entry = outbox::entry(&self.outbox, seq)?.ok_or(ReplicaError::NoEntry(seq))?;
        let server = match entry.op {
            Op::Delete if entry.base.contains_key("id") => Some(entry.base.clone()),
            _ => self.server_copy(entry.entity, &entry.record_id)?,
        };
        let tx = Tx::begin(&self.outbox)?;
        if forget {
            journal::forget_record(&self.outbox, entry.entity, &entry.record_id)?;
        }
        for e in outbox::for_record(&self.outbox, entry.entity, &entry.record_id)? {
            if e.seq == seq || (entry.op == Op::Create && e.seq > seq) {
                outbox::remove(&self.outbox, e.seq)?;
                for field in e.fields.keys() {
                    outbox::remove_conflict(&self.outbox, e.entity, &e.record_id, field)?;
                }
            }
        }
        tx.commit()?;
        let tx = Tx::begin(&self.db)?;
        let mut dirty = self.dirty()?;
        let server = server.filter(|s| version_of(s) > 0);
        self.write_record(entry.entity, &entry.record_id, server.as_ref(), &mut dirty)?;
        self.finish(&mut dirty)?;
        tx.commit()
    }

    /// Refuses at once a write the user's role may never make (the server's rule,
    /// `access::role_may_write`), rather than leaving it for the server to refuse.
    fn may_write(&self, entity: Entity) -> Result<(), ReplicaError> {
        crm_server::access::role_may_write(self.role()?, entity).map_err(ReplicaError::Forbidden)
    }

    /// Notes a write of the signed-in user for undo. Call inside a transaction on the outbox.
    fn journal(
        &self,
        entity: Entity,
        id: &str,
        op: Op,
        before: Map<String, Value>,
        after: Map<String, Value>,
    ) -> Result<(), ReplicaError> {
        let entry = JournalEntry {
            seq: 0,
            entity,
            record_id: id.to_string(),
            op,
            before,
            after,
            user_id: self.user_id()?,
        };
        journal::record(&self.outbox, &entry, &self.now_text())
    }

    /// A new entry of the signed-in user, pending, never sent, with a fresh idempotency key;
    /// the caller fills in what it sends and what it started from.
    pub(super) fn new_entry(
        &self,
        entity: Entity,
        id: &str,
        op: Op,
    ) -> Result<OutboxEntry, ReplicaError> {
        Ok(OutboxEntry {
            seq: 0,
            entity,
            record_id: id.to_string(),
            op,
            fields: Map::new(),
            base: Map::new(),
            base_version: 0,
            idempotency_key: Uuid::new_v4().to_string(),
            state: EntryState::Pending,
            attempts: 0,
            next_attempt_at: 0,
            last_error: None,
            error_code: None,
            allow_duplicate: false,
            created_at: self.now_text(),
            user_id: self.user_id()?,
        })
    }

    /// Recomputes one row in its own transaction.
    pub(super) fn recompute_one(&self, entity: Entity, id: &str) -> Result<(), ReplicaError> {
        let tx = Tx::begin(&self.db)?;
        let mut dirty = self.dirty()?;
        self.recompute(entity, id, &mut dirty)?;
        self.finish(&mut dirty)?;
        tx.commit()
    }
}
