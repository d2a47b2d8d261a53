//! The outbox and sync conflicts as the screens see them: pending writes (a conflicted one
//! marked), conflicts grouped per record, and resolving one.

use super::*;

pub(super) fn pending_writes(source: &ReplicaSource) -> Result<Vec<PendingWrite>, DataError> {
    let conflicted: HashSet<(Entity, String)> = source
        .replica
        .conflicts()
        .map_err(storage)?
        .into_iter()
        .map(|c| (c.entity, c.id))
        .collect();
    let mut out = Vec::new();
    for e in source.replica.outbox().map_err(storage)? {
        let label = source.replica.entry_label(&e).map_err(storage)?;
        out.push(PendingWrite {
            seq: e.seq,
            entity: e.entity,
            action: e.op.as_str(),
            label,
            refused: (e.state == EntryState::Failed)
                .then(|| e.last_error.clone().unwrap_or_default()),
            conflict: e.state == EntryState::Conflict
                || conflicted.contains(&(e.entity, e.record_id.clone())),
            record_id: e.record_id,
        });
    }
    Ok(out)
}

/// The replica keeps conflicts per field; the chooser shows them per record.
pub(super) fn conflicts(source: &ReplicaSource) -> Result<Vec<Conflict>, DataError> {
    let mut by_record: BTreeMap<(Entity, String), Conflict> = BTreeMap::new();
    for c in source.replica.conflicts().map_err(storage)? {
        let entry = by_record
            .entry((c.entity, c.id.clone()))
            .or_insert_with(|| {
                let mut theirs = Record::new();
                // The record's name, for the chooser's title.
                let current = source.replica.get(c.entity, &c.id).ok().flatten();
                if let Some(current) = &current {
                    for f in ["name", "subject", "number", "code"] {
                        if let Some(v) = current.fields.get(f) {
                            theirs.insert(f.to_string(), v.clone());
                        }
                    }
                }
                // The view keeps the server's system fields: when its copy last changed.
                let changed_at = current
                    .as_ref()
                    .and_then(|r| r.text("updated_at"))
                    .and_then(|t| DateTime::parse_from_rfc3339(t).ok())
                    .map(|t| t.with_timezone(&Utc));
                let changed_by = current
                    .as_ref()
                    .and_then(|r| r.text("updated_by"))
                    .map(String::from);
                Conflict {
                    id: format!("{}:{}", c.entity.name(), c.id),
                    entity: c.entity,
                    record_id: c.id.clone(),
                    mine: Record::new(),
                    theirs,
                    message: "changed on the server since you edited it".to_string(),
                    changed_at,
                    changed_by,
                }
            });
        entry.mine.insert(c.field.clone(), c.mine);
        entry.theirs.insert(c.field, c.theirs);
    }
    Ok(by_record.into_values().collect())
}

pub(super) fn resolve_conflict(
    source: &mut ReplicaSource,
    conflict_id: &str,
    chosen: Record,
) -> Result<(), WriteError> {
    let (entity, id) = conflict_id
        .split_once(':')
        .and_then(|(e, id)| Some((Entity::from_name(e)?, id)))
        .ok_or(WriteError::NotFound("conflict"))?;
    for c in source.replica.conflicts().map_err(write_error)? {
        if c.entity != entity || c.id != id {
            continue;
        }
        let keep = match chosen.get(&c.field) {
            Some(v) if *v == c.theirs && *v != c.mine => Keep::Theirs,
            _ => Keep::Mine,
        };
        source
            .replica
            .resolve_field(entity, id, &c.field, keep)
            .map_err(write_error)?;
    }
    source.wrote();
    Ok(())
}
