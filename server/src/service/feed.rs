//! The change feed, the first-sync snapshot and the audit trail as a user reads them.

use serde_json::Value;

use super::{TxLookup, viewer};
use crate::access::{self, Actor, Role};
use crate::catalog::Catalog;
use crate::error::ApiError;
use crate::schema::Entity;
use crate::store::{SnapshotShape, StorageError, Tx};
use crate::wire::{FeedEntry, FeedOp, FeedPage, SnapshotCursor, SnapshotPosition, snapshot_fields};

/// Bytes set aside per record of a snapshot page: more than most records take (about 600 in
/// the demo data) and at most `MAX_ROOM` in all.
const RECORD_ROOM: usize = 1024;
const MAX_ROOM: usize = 32 << 20;

/// One page of the snapshot, from `from` (the start when None), as the JSON text of a
/// [`SnapshotPage`](crate::wire::SnapshotPage) (`SnapshotShape::Objects`) or of a
/// [`SnapshotRows`](crate::wire::SnapshotRows) (`SnapshotShape::Rows`), byte for byte what
/// serde_json would write for it (its fields in order; the tests compare the two). Written by
/// hand because each record's JSON is made by the store: copied straight in, it is never parsed,
/// checked or serialized again, which was a third of the server's CPU for a page.
pub fn snapshot(
    tx: &dyn Tx,
    actor: &Actor,
    from: Option<SnapshotCursor>,
    limit: usize,
    shape: SnapshotShape,
) -> Result<(Vec<u8>, SnapshotPosition), ApiError> {
    let open: &[u8] = match shape {
        SnapshotShape::Objects => br#"{"records":["#,
        SnapshotShape::Rows => br#"{"groups":["#,
    };
    let viewer = viewer(actor);
    let viewer = viewer.as_deref();
    let head = tx.latest_seq()?;
    let total = match from {
        None => Some(
            Entity::ALL
                .iter()
                .map(|&e| tx.visible_count(e, viewer))
                .sum::<Result<u64, StorageError>>()?,
        ),
        Some(_) => None,
    };
    let (start, mut after) = match from {
        Some(c) => (c.entity, Some(c.after)),
        None => (Entity::ALL[0], None),
    };
    // Room for the page from the start: grown by doubling, a 3 MB page was copied and its new
    // memory faulted in a dozen times over. Unused room is address space, never touched.
    let mut body = Vec::with_capacity(limit.saturating_mul(RECORD_ROOM).min(MAX_ROOM));
    body.extend_from_slice(open);
    let (mut count, mut last) = (0, String::new());
    let mut next = None;
    // Custom values this user may not read: records of an entity with any are parsed and
    // stripped; the others copied as they are.
    let hidden = hidden_by_entity(tx, actor)?;
    let mut stripped = Vec::new();
    for entity in Entity::ALL.into_iter().skip_while(|e| *e != start) {
        let keys: Vec<&str> = hidden
            .iter()
            .find(|(e, _)| *e == entity)
            .map(|(_, k)| k.iter().map(String::as_str).collect())
            .unwrap_or_default();
        let want = limit - count;
        let name = serde_json::to_string(&entity)?;
        // Objects: each record is `{"entity":…,"record":{…}}`. Rows: a group opens before the
        // entity's first row and closes after its last.
        let opening = match shape {
            SnapshotShape::Objects => format!(r#"{{"entity":{name},"record":"#),
            SnapshotShape::Rows => {
                let fields: Vec<&str> = snapshot_fields(entity).collect();
                format!(
                    r#"{{"entity":{name},"fields":{},"rows":["#,
                    serde_json::to_string(&fields)?
                )
            }
        };
        // Where a row holds the custom map, whose unreadable keys are taken out.
        let custom_at = snapshot_fields(entity).position(|f| f == crate::schema::CUSTOM_FIELD);
        let mut first = true;
        let read = tx.snapshot(
            entity,
            after.take().as_deref(),
            want,
            viewer,
            shape,
            &mut |id, json| {
                match shape {
                    SnapshotShape::Objects => {
                        if body.len() > open.len() {
                            body.push(b',');
                        }
                        body.extend_from_slice(opening.as_bytes());
                        match strip_json(&keys, json, &mut stripped) {
                            true => body.extend_from_slice(&stripped),
                            false => body.extend_from_slice(json),
                        }
                        body.push(b'}');
                    }
                    SnapshotShape::Rows => {
                        if first {
                            if body.len() > open.len() {
                                body.push(b',');
                            }
                            body.extend_from_slice(opening.as_bytes());
                        } else {
                            body.push(b',');
                        }
                        match strip_row(&keys, custom_at, json, &mut stripped) {
                            true => body.extend_from_slice(&stripped),
                            false => body.extend_from_slice(json),
                        }
                    }
                }
                first = false;
                last.clear();
                last.push_str(id);
            },
        )?;
        if shape == SnapshotShape::Rows && read > 0 {
            body.extend_from_slice(b"]}");
        }
        count += read;
        if read == want {
            // The page is full: continue after its last record (a later page may find none).
            next = Some(SnapshotCursor {
                entity,
                after: std::mem::take(&mut last),
            });
            break;
        }
    }
    let position = SnapshotPosition { next, head, total };
    // The position's object, its opening brace turned into a comma after the records.
    body.extend_from_slice(b"]");
    let at = body.len();
    serde_json::to_writer(&mut body, &position)?;
    body[at] = b',';
    Ok((body, position))
}

/// The custom field keys this actor may not read, per entity that has any.
fn hidden_by_entity(tx: &dyn Tx, actor: &Actor) -> Result<Vec<(Entity, Vec<String>)>, ApiError> {
    if actor.is_admin() {
        return Ok(Vec::new());
    }
    Ok(hidden_in(&super::catalog::load_fields(tx)?, actor))
}

/// The custom field keys this actor may not read under these definitions, per entity that has
/// any.
pub(super) fn hidden_in(catalog: &Catalog, actor: &Actor) -> Vec<(Entity, Vec<String>)> {
    if actor.is_admin() {
        return Vec::new();
    }
    Entity::ALL
        .into_iter()
        .filter_map(|e| {
            let keys: Vec<String> = catalog
                .hidden_keys(e, actor.role)
                .into_iter()
                .map(String::from)
                .collect();
            (!keys.is_empty()).then_some((e, keys))
        })
        .collect()
}

/// A record's JSON without these custom keys, into `out`; false (and `out` untouched) when
/// there is nothing to remove.
fn strip_json(keys: &[&str], json: &[u8], out: &mut Vec<u8>) -> bool {
    if keys.is_empty() {
        return false;
    }
    let Ok(mut record) = serde_json::from_slice::<serde_json::Map<String, Value>>(json) else {
        return false;
    };
    if !crate::catalog::strip_keys(keys, &mut record) {
        return false;
    }
    out.clear();
    serde_json::to_writer(&mut *out, &record).is_ok()
}

/// A compact row's JSON (values by position) without these custom keys in its custom map at
/// `custom_at`, into `out`; false (and `out` untouched) when there is nothing to remove.
fn strip_row(keys: &[&str], custom_at: Option<usize>, json: &[u8], out: &mut Vec<u8>) -> bool {
    let Some(at) = custom_at.filter(|_| !keys.is_empty()) else {
        return false;
    };
    let Ok(mut row) = serde_json::from_slice::<Vec<Value>>(json) else {
        return false;
    };
    let Some(Value::Object(custom)) = row.get_mut(at) else {
        return false;
    };
    let mut any = false;
    for key in keys {
        any |= custom.remove(*key).is_some();
    }
    if !any {
        return false;
    }
    out.clear();
    serde_json::to_writer(&mut *out, &row).is_ok()
}

pub fn feed(tx: &dyn Tx, actor: &Actor, since: i64, limit: usize) -> Result<FeedPage, ApiError> {
    let rows = tx.changes(since, limit + 1, viewer(actor).as_deref())?;
    let hidden = hidden_by_entity(tx, actor)?;
    let more = rows.len() > limit;
    let mut changes = Vec::with_capacity(rows.len().min(limit));
    let mut next = since;
    for row in rows.into_iter().take(limit) {
        next = row.seq;
        changes.push(entry(
            row.seq,
            row.entity,
            &row.id,
            row.visible,
            row.deleted,
            row.record,
            &hidden,
        ));
    }
    Ok(FeedPage {
        changes,
        next,
        more,
        latest: tx.latest_seq()?,
    })
}

/// One entry of a user's page: the operation, and the record without the custom keys hidden
/// from them. The one shaping of the feed, whether read from the database or from the shared
/// recent changes (`service::recent`).
pub(super) fn entry(
    seq: i64,
    entity: Entity,
    id: &str,
    visible: bool,
    deleted: bool,
    mut record: Option<crate::store::Record>,
    hidden: &[(Entity, Vec<String>)],
) -> FeedEntry {
    let op = if visible {
        FeedOp::Upsert
    } else if deleted {
        FeedOp::Delete
    } else {
        FeedOp::Drop
    };
    if let (Some(r), Some((_, keys))) = (&mut record, hidden.iter().find(|(e, _)| *e == entity)) {
        let keys: Vec<&str> = keys.iter().map(String::as_str).collect();
        crate::catalog::strip_keys(&keys, r);
    }
    FeedEntry {
        seq,
        entity,
        id: id.to_string(),
        op,
        record,
    }
}

/// The audit trail of one record, for admins and for managers who may see the record.
pub fn audit_trail(
    tx: &dyn Tx,
    actor: &Actor,
    entity: Entity,
    id: &str,
) -> Result<Vec<Value>, ApiError> {
    match actor.role {
        Role::Admin => {}
        Role::Manager => {
            let stored = tx
                .get(entity, id)?
                .ok_or(ApiError::NotFound(entity.noun()))?;
            // A deleted record's read set is gone; its team still owns its history.
            let visible = actor.may_read(&tx.read_set(entity, id)?)
                || (stored.deleted
                    && actor.may_read(&access::read_set(entity, &stored.record, &TxLookup(tx))));
            // Every user and team may be read by all, but their trails (sign-ins included) are
            // for their own team's manager only.
            if !visible || !access::manager_may_audit(actor, entity, id, &stored.record) {
                return Err(ApiError::NotFound(entity.noun()));
            }
        }
        _ => {
            return Err(ApiError::forbidden(
                "only managers and admins may read the audit trail",
            ));
        }
    }
    Ok(tx.audit_trail(entity, id, 1000)?)
}
