//! Deleting a record, what its delete takes along, and bringing it back (restore).

use std::collections::BTreeSet;

use serde_json::{Value, json};

use super::{
    TxLookup, approvals, check_links, denied, field, hidden_columns, orders, payments, quotes,
    sales, stamp_change, stock, text,
};
use crate::access::{self, Actor};
use crate::error::ApiError;
use crate::schema::Entity;
use crate::store::{AuditEntry, Record, Tx};

pub fn delete(
    tx: &dyn Tx,
    actor: &Actor,
    entity: Entity,
    id: &str,
    if_match: Option<i64>,
) -> Result<(), ApiError> {
    let current = tx
        .get(entity, id)?
        .filter(|s| !s.deleted)
        .ok_or(ApiError::NotFound(entity.noun()))?
        .record;
    let old_set = tx.read_set(entity, id)?;
    access::may_delete(actor, entity, &current, &old_set, &TxLookup(tx))
        .map_err(|d| denied(entity, d))?;
    let version = current.get("version").and_then(Value::as_i64).unwrap_or(0);
    if if_match.is_some_and(|v| v != version) {
        return Err(ApiError::Stale { current });
    }
    if entity == Entity::Users && id == actor.id {
        return Err(ApiError::forbidden(
            "you cannot delete yourself; ask another admin",
        ));
    }
    if entity == Entity::Stages
        && !tx
            .list(Entity::Opportunities, &sales::stage_filter(id), None)?
            .is_empty()
    {
        return Err(ApiError::Conflict {
            message: "opportunities are still in this stage; move them first".into(),
            existing: None,
        });
    }
    quotes::check_delete(tx, entity, &current)?;
    orders::check_delete(tx, entity, &current)?;
    stock::check_delete(entity, &current)?;
    payments::check_delete(tx, entity, &current)?;
    approvals::check_delete(tx, entity, &current)?;
    field::before_delete(tx, actor, entity, &current)?;
    let parent = match entity {
        Entity::QuoteLines => text(&current, "quote_id").map(String::from),
        Entity::OpportunityLines => text(&current, "opportunity_id").map(String::from),
        Entity::OrderLines => text(&current, "order_id").map(String::from),
        _ => None,
    };
    tombstone(tx, actor, entity, current.clone(), old_set, None)?;
    payments::after_delete(tx, actor, entity, &current)?;
    match (entity, parent) {
        (Entity::QuoteLines, Some(quote)) => quotes::refresh_quote(tx, actor, &quote),
        (Entity::OpportunityLines, Some(deal)) => quotes::refresh_opportunity(tx, actor, &deal),
        (Entity::OrderLines, Some(order)) => orders::refresh_order(tx, actor, &order),
        _ => Ok(()),
    }
}

/// Brings a deleted record back as it was when deleted (an undo of the delete): only someone who
/// may delete it in that state may restore it, and its links must still name live records. What
/// its delete removed along with it (a customer's contacts, deals and their lines, activities,
/// tickets and their comments) comes back with it; what was deleted before, on its own, stays
/// deleted.
pub fn restore(tx: &dyn Tx, actor: &Actor, entity: Entity, id: &str) -> Result<Record, ApiError> {
    let stored = tx
        .get(entity, id)?
        .ok_or(ApiError::NotFound(entity.noun()))?;
    let lookup = TxLookup(tx);
    let mut record = stored.record;
    let read = access::read_set(entity, &record, &lookup);
    // Someone who never saw it learns nothing of it: the same answer as for no record.
    access::may_delete(actor, entity, &record, &read, &lookup).map_err(|d| denied(entity, d))?;
    if !stored.deleted {
        return Err(ApiError::Conflict {
            message: format!("this {} is not deleted", entity.noun()),
            existing: None,
        });
    }
    check_links(tx, entity, &record, None)?;
    access::may_hold(actor, entity, &record, &lookup).map_err(|d| denied(entity, d))?;
    let version = record.get("version").and_then(Value::as_i64).unwrap_or(0);
    stamp_change(&mut record, actor, version);
    tx.update(entity, &record, &hidden_columns(entity, &record), false)?;
    tx.set_read_set(entity, id, &read)?;
    tx.record_change(entity, id, &BTreeSet::new())?;
    let cascade = cascade_id(entity, id, version);
    let mut seen = BTreeSet::new();
    let with_it = if entity == Entity::Users {
        0
    } else {
        restore_cascade(tx, actor, entity, id, &cascade, &mut seen)?
    };
    tx.audit(&AuditEntry {
        actor_id: Some(actor.id.clone()),
        action: "restore",
        entity: Some(entity),
        record_id: Some(id.to_string()),
        changes: (with_it > 0).then(|| json!({"restored_with_it": with_it})),
    })?;
    after_restore(tx, actor, entity, &record)?;
    Ok(record)
}

/// What a record back from the dead changes again, as its write did: a payment what its
/// instalment and plan received, a line its quote's totals or its deal's amount.
pub(super) fn after_restore(
    tx: &dyn Tx,
    actor: &Actor,
    entity: Entity,
    record: &Record,
) -> Result<(), ApiError> {
    match entity {
        Entity::Payments | Entity::Instalments => {
            payments::after_write(tx, actor, entity, None, record)
        }
        Entity::QuoteLines | Entity::OpportunityLines => {
            quotes::after_write(tx, actor, entity, None, record)
        }
        _ => Ok(()),
    }
}

/// What ties together the records one delete removed: the record deleted and its version as
/// deleted. Each record the delete took along notes it in its audit entry (`deleted_with`),
/// so a restore finds exactly those, not what was deleted before or after on its own.
pub(super) fn cascade_id(entity: Entity, id: &str, version: i64) -> String {
    format!("{}/{id}@{version}", entity.name())
}

/// Brings back the records under `entity`/`id` that the delete `cascade` removed, parents
/// before their children (a child's read set derives from its parent); returns how many.
pub(super) fn restore_cascade(
    tx: &dyn Tx,
    actor: &Actor,
    entity: Entity,
    id: &str,
    cascade: &str,
    seen: &mut BTreeSet<(Entity, String)>,
) -> Result<usize, ApiError> {
    let lookup = TxLookup(tx);
    let mut restored = 0;
    for (child, child_id) in tx.deleted_dependents(entity, id)? {
        if !seen.insert((child, child_id.clone())) {
            continue;
        }
        let deleted_with = tx.last_audit(child, &child_id, "delete")?;
        if deleted_with
            .as_ref()
            .and_then(|c| c.get("deleted_with"))
            .and_then(Value::as_str)
            != Some(cascade)
        {
            continue;
        }
        let Some(stored) = tx.get(child, &child_id)?.filter(|s| s.deleted) else {
            continue;
        };
        let mut record = stored.record;
        let version = record.get("version").and_then(Value::as_i64).unwrap_or(0);
        stamp_change(&mut record, actor, version);
        tx.update(child, &record, &hidden_columns(child, &record), false)?;
        let read = access::read_set(child, &record, &lookup);
        tx.set_read_set(child, &child_id, &read)?;
        tx.record_change(child, &child_id, &BTreeSet::new())?;
        tx.audit(&AuditEntry {
            actor_id: Some(actor.id.clone()),
            action: "restore",
            entity: Some(child),
            record_id: Some(child_id.clone()),
            changes: Some(json!({"restored_with": cascade})),
        })?;
        restored += 1 + restore_cascade(tx, actor, child, &child_id, cascade, seen)?;
    }
    Ok(restored)
}

/// Marks a record deleted, tells everyone who could see it, and does the same to what hangs off
/// it (a deleted customer takes its contacts, opportunities, activities and tickets along).
/// `with` is the delete it is part of (`cascade_id` of the record the user deleted), `None` for
/// that record itself.
pub(super) fn tombstone(
    tx: &dyn Tx,
    actor: &Actor,
    entity: Entity,
    mut record: Record,
    old_set: BTreeSet<String>,
    with: Option<&str>,
) -> Result<(), ApiError> {
    let id = text(&record, "id").unwrap_or_default().to_string();
    let version = record.get("version").and_then(Value::as_i64).unwrap_or(0);
    stamp_change(&mut record, actor, version);
    let cascade = match with {
        Some(c) => c.to_string(),
        None => cascade_id(entity, &id, version + 1),
    };
    tx.update(entity, &record, &hidden_columns(entity, &record), true)?;
    tx.set_read_set(entity, &id, &BTreeSet::new())?;
    tx.record_change(entity, &id, &old_set)?;
    if entity == Entity::Users {
        tx.delete_sessions_of(&id)?;
    } else {
        for (child, child_id) in tx.dependents(entity, &id)? {
            if let Some(stored) = tx.get(child, &child_id)?.filter(|s| !s.deleted) {
                let child_set = tx.read_set(child, &child_id)?;
                tombstone(tx, actor, child, stored.record, child_set, Some(&cascade))?;
            }
        }
    }
    Ok(tx.audit(&AuditEntry {
        actor_id: Some(actor.id.clone()),
        action: "delete",
        entity: Some(entity),
        record_id: Some(id),
        changes: with.map(|c| json!({"deleted_with": c})),
    })?)
}

/// Recomputes the read sets of records derived from this one, telling those who lost sight.
pub(super) fn refresh_dependents(tx: &dyn Tx, entity: Entity, id: &str) -> Result<(), ApiError> {
    let lookup = TxLookup(tx);
    for (child, child_id) in tx.dependents(entity, id)? {
        let Some(stored) = tx.get(child, &child_id)?.filter(|s| !s.deleted) else {
            continue;
        };
        let old_set = tx.read_set(child, &child_id)?;
        let new_set = access::read_set(child, &stored.record, &lookup);
        if new_set != old_set {
            tx.set_read_set(child, &child_id, &new_set)?;
            let dropped: BTreeSet<String> = old_set.difference(&new_set).cloned().collect();
            tx.record_change(child, &child_id, &dropped)?;
            refresh_dependents(tx, child, &child_id)?;
        }
    }
    Ok(())
}
