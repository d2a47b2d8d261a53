//! The change feed in this backend's SQL: recording a change, reading the feed and the shared feed,
//! the latest sequence and the first-sync snapshot. `SqliteTx`'s trait methods call these.

use super::*;

pub(super) fn record_change(
    tx: &SqliteTx<'_>,
    entity: Entity,
    id: &str,
    dropped: &BTreeSet<String>,
) -> Result<(), StorageError> {
    let old: Option<String> =
        tx.0.prepare_cached("SELECT dropped FROM changes WHERE entity = ?1 AND record_id = ?2")?
            .query_row(params![entity.name(), id], |r| r.get(0))
            .optional()?;
    let current = tx.read_set(entity, id)?;
    let mut all_dropped = old.as_deref().map(unpad).unwrap_or_default();
    all_dropped.extend(dropped.iter().cloned());
    all_dropped.retain(|p| !current.contains(p));
    tx.0.prepare_cached("DELETE FROM changes WHERE entity = ?1 AND record_id = ?2")?
        .execute(params![entity.name(), id])?;
    tx.0.prepare_cached("INSERT INTO changes (entity, record_id, dropped) VALUES (?1, ?2, ?3)")?
        .execute(params![entity.name(), id, pad(&all_dropped)])?;
    Ok(())
}

pub(super) fn changes(
    tx: &SqliteTx<'_>,
    since: i64,
    limit: usize,
    viewer: Option<&[String]>,
) -> Result<Vec<Change>, StorageError> {
    let mut args: Vec<SqlValue> = vec![SqlValue::Integer(since), SqlValue::Integer(limit as i64)];
    let (visible, filter) = match viewer {
        None => ("1".to_string(), String::new()),
        Some(principals) => {
            let mut marks = Vec::new();
            let mut dropped = Vec::new();
            for p in principals {
                args.push(SqlValue::Text(p.clone()));
                marks.push(format!("?{}", args.len()));
                args.push(SqlValue::Text(format!(" {p} ")));
                dropped.push(format!("instr(c.dropped, ?{}) > 0", args.len()));
            }
            let visible = format!(
                "EXISTS (SELECT 1 FROM acl a WHERE a.principal IN ({}) AND a.entity = c.entity AND a.record_id = c.record_id)",
                marks.join(", ")
            );
            let filter = format!(" AND ({visible} OR {})", dropped.join(" OR "));
            (visible, filter)
        }
    };
    let sql_text = format!(
        "SELECT c.seq, c.entity, c.record_id, {visible} FROM changes c WHERE c.seq > ?1{filter} ORDER BY c.seq LIMIT ?2"
    );
    let heads: Vec<(i64, String, String, bool)> = {
        let mut stmt = tx.0.prepare_cached(&sql_text)?;
        let rows = stmt.query_map(params_from_iter(args), |r| {
            Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?))
        })?;
        rows.collect::<Result<_, _>>()?
    };
    let mut out = Vec::with_capacity(heads.len());
    for (seq, entity_name, id, visible) in heads {
        let entity = Entity::from_name(&entity_name).ok_or_else(|| {
            StorageError::Other(format!("unknown entity {entity_name} in the change feed"))
        })?;
        let stored = tx.get(entity, &id)?;
        let deleted = stored.as_ref().is_none_or(|s| s.deleted);
        let visible = visible && !deleted;
        out.push(Change {
            seq,
            entity,
            id,
            visible,
            deleted,
            record: stored.filter(|_| visible).map(|s| s.record),
        });
    }
    Ok(out)
}

pub(super) fn shared_changes(
    tx: &SqliteTx<'_>,
    since: i64,
    limit: usize,
) -> Result<Vec<SharedChange>, StorageError> {
    let heads: Vec<(i64, String, String, String)> = {
        let mut stmt = tx.0.prepare_cached(
            "SELECT seq, entity, record_id, dropped FROM changes WHERE seq > ?1 ORDER BY seq LIMIT ?2",
        )?;
        let rows = stmt.query_map(params![since, limit as i64], |r| {
            Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?))
        })?;
        rows.collect::<Result<_, _>>()?
    };
    let mut out = Vec::with_capacity(heads.len());
    for (seq, entity_name, id, dropped) in heads {
        let entity = Entity::from_name(&entity_name).ok_or_else(|| {
            StorageError::Other(format!("unknown entity {entity_name} in the change feed"))
        })?;
        let stored = tx.get(entity, &id)?;
        let deleted = stored.as_ref().is_none_or(|s| s.deleted);
        out.push(SharedChange {
            seq,
            entity,
            read_set: tx.read_set(entity, &id)?,
            id,
            deleted,
            record: stored.filter(|_| !deleted).map(|s| s.record),
            dropped: unpad(&dropped),
        });
    }
    Ok(out)
}

pub(super) fn latest_seq(tx: &SqliteTx<'_>) -> Result<i64, StorageError> {
    Ok(tx
        .0
        .prepare_cached("SELECT COALESCE(MAX(seq), 0) FROM changes")?
        .query_row([], |r| r.get(0))?)
}

pub(super) fn snapshot(
    tx: &SqliteTx<'_>,
    entity: Entity,
    after: Option<&str>,
    limit: usize,
    viewer: Option<&[String]>,
    shape: SnapshotShape,
    each: &mut dyn FnMut(&str, &[u8]),
) -> Result<usize, StorageError> {
    let mut args: Vec<SqlValue> = Vec::new();
    let mut sql_text = match shape {
        SnapshotShape::Objects => sql(entity).snapshot.clone(),
        SnapshotShape::Rows => sql(entity).snapshot_rows.clone(),
    };
    if let Some(after) = after {
        args.push(SqlValue::Text(after.to_string()));
        sql_text.push_str(&format!(" AND id > ?{}", args.len()));
    }
    // Row by row rather than `id IN (...)`: the list form reads and sorts every visible id
    // for each page, which over all the pages of a large snapshot is quadratic. The unary
    // `+` keeps `principal` out of the index search: one seek to the record's few acl rows
    // instead of one seek per principal, which had cost as much as the rest of the row.
    if let Some(principals) = viewer {
        let (entity_arg, marks) = bind_acl_args(entity, principals, &mut args);
        sql_text.push_str(&format!(
            " AND EXISTS (SELECT 1 FROM acl a WHERE a.entity = ?{entity_arg} AND a.record_id = {}.id AND +a.principal IN ({marks}))",
            entity.name(),
        ));
    }
    args.push(SqlValue::Integer(limit as i64));
    sql_text.push_str(&format!(" ORDER BY id LIMIT ?{}", args.len()));
    let mut stmt = tx.0.prepare_cached(&sql_text)?;
    let mut rows = stmt.query(params_from_iter(args))?;
    let mut count = 0;
    while let Some(row) = rows.next()? {
        // The JSON is lent as SQLite's bytes, unchecked: it is made from text the store
        // wrote from Rust strings, so it is UTF-8, and checking megabytes a page again cost
        // more than a tenth of the page's time.
        let (ValueRef::Text(id), ValueRef::Text(json)) = (row.get_ref(0)?, row.get_ref(1)?) else {
            return Err(StorageError::Other(format!(
                "a row of {} reads without an id or JSON text",
                entity.name()
            )));
        };
        let id = std::str::from_utf8(id).map_err(|e| {
            StorageError::Other(format!("an id in {} is not UTF-8: {e}", entity.name()))
        })?;
        each(id, json);
        count += 1;
    }
    Ok(count)
}
