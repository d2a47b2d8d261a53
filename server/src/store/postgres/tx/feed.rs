//! The change feed in this backend's SQL: recording a change, reading the feed and the shared feed,
//! the latest sequence and the first-sync snapshot; the entries kept aside and written under the
//! feed lock. `PgTx`'s trait methods call these.

use super::*;

impl PgTx<'_> {
    pub(super) fn lock_feed(&self) -> Result<(), StorageError> {
        if !self.feed_locked.get() {
            self.query("SELECT pg_advisory_xact_lock($1)", &[&FEED_LOCK])?;
            self.feed_locked.set(true);
        }
        Ok(())
    }

    /// Writes one feed entry: the record's old row goes, a new one takes the next position.
    fn write_change(&self, change: &Pending) -> Result<(), StorageError> {
        let entity = change.entity.name();
        let old = self.query_opt(
            "DELETE FROM changes WHERE entity = $1 AND record_id = $2 RETURNING dropped",
            &[&entity, &change.id],
        )?;
        let mut dropped = match &old {
            Some(row) => unpad(row.try_get::<_, &str>(0)?),
            None => BTreeSet::new(),
        };
        dropped.extend(change.dropped.iter().cloned());
        dropped.retain(|p| !change.current.contains(p));
        self.execute(
            "INSERT INTO changes (seq, entity, record_id, dropped) VALUES (nextval('changes_seq'), $1, $2, $3)",
            &[&entity, &change.id, &pad(&dropped)],
        )?;
        self.fed.set(true);
        Ok(())
    }

    /// The end of a write transaction, just before COMMIT: takes the feed lock (held until the
    /// commit is visible) and writes the entries kept aside, so positions follow commit order.
    pub(in crate::store::postgres) fn write_feed(&self) -> Result<(), StorageError> {
        let pending = std::mem::take(&mut *self.pending.borrow_mut());
        if pending.is_empty() {
            return Ok(());
        }
        self.lock_feed()?;
        for change in &pending {
            self.write_change(change)?;
        }
        Ok(())
    }
}

pub(super) fn record_change(
    tx: &PgTx<'_>,
    entity: Entity,
    id: &str,
    dropped: &BTreeSet<String>,
) -> Result<(), StorageError> {
    let change = Pending {
        entity,
        id: id.to_string(),
        dropped: dropped.clone(),
        current: tx.read_set(entity, id)?,
    };
    if tx.feed_locked.get() {
        tx.write_change(&change)
    } else {
        tx.pending.borrow_mut().push(change);
        Ok(())
    }
}

pub(super) fn changes(
    tx: &PgTx<'_>,
    since: i64,
    limit: usize,
    viewer: Option<&[String]>,
) -> Result<Vec<Change>, StorageError> {
    let mut args: Vec<Param> = vec![Box::new(since), Box::new(limit as i64)];
    let (visible, filter) = match viewer {
        None => ("TRUE".to_string(), String::new()),
        Some(principals) => {
            args.push(Box::new(principals.to_vec()));
            let padded: Vec<String> = principals.iter().map(|p| format!(" {p} ")).collect();
            args.push(Box::new(padded));
            let visible = "EXISTS (SELECT 1 FROM acl a WHERE a.principal = ANY($3) AND a.entity = c.entity AND a.record_id = c.record_id)".to_string();
            let filter = format!(
                " AND ({visible} OR EXISTS (SELECT 1 FROM unnest($4::text[]) p WHERE strpos(c.dropped, p) > 0))"
            );
            (visible, filter)
        }
    };
    let text = format!(
        "SELECT c.seq, c.entity, c.record_id, {visible} FROM changes c WHERE c.seq > $1{filter} ORDER BY c.seq LIMIT $2"
    );
    let heads = tx.query_boxed(&text, &args)?;
    let mut read = Vec::with_capacity(heads.len());
    for head in &heads {
        let (seq, entity, id, visible): (i64, &str, &str, bool) = (
            head.try_get(0)?,
            head.try_get(1)?,
            head.try_get(2)?,
            head.try_get(3)?,
        );
        read.push((seq, feed_entity(entity)?, id, visible));
    }
    let wanted: Vec<(Entity, &str)> = read.iter().map(|&(_, e, id, _)| (e, id)).collect();
    let mut stored = tx.get_many(&wanted)?;
    let mut out = Vec::with_capacity(read.len());
    for (seq, entity, id, visible) in read {
        let stored = stored.remove(&(entity, id.to_string()));
        let deleted = stored.as_ref().is_none_or(|s| s.deleted);
        let visible = visible && !deleted;
        out.push(Change {
            seq,
            entity,
            id: id.to_string(),
            visible,
            deleted,
            record: stored.filter(|_| visible).map(|s| s.record),
        });
    }
    Ok(out)
}

pub(super) fn shared_changes(
    tx: &PgTx<'_>,
    since: i64,
    limit: usize,
) -> Result<Vec<SharedChange>, StorageError> {
    let heads = tx.query(
        "SELECT c.seq, c.entity, c.record_id, c.dropped, \
         COALESCE((SELECT array_agg(a.principal) FROM acl a WHERE a.entity = c.entity AND a.record_id = c.record_id), '{}') \
         FROM changes c WHERE c.seq > $1 ORDER BY c.seq LIMIT $2",
        &[&since, &(limit as i64)],
    )?;
    let mut read = Vec::with_capacity(heads.len());
    for head in &heads {
        let (seq, entity, id, dropped, read_set): (i64, &str, &str, &str, Vec<String>) = (
            head.try_get(0)?,
            head.try_get(1)?,
            head.try_get(2)?,
            head.try_get(3)?,
            head.try_get(4)?,
        );
        read.push((seq, feed_entity(entity)?, id, unpad(dropped), read_set));
    }
    let wanted: Vec<(Entity, &str)> = read.iter().map(|(_, e, id, _, _)| (*e, *id)).collect();
    let mut stored = tx.get_many(&wanted)?;
    Ok(read
        .into_iter()
        .map(|(seq, entity, id, dropped, read_set)| {
            let stored = stored.remove(&(entity, id.to_string()));
            let deleted = stored.as_ref().is_none_or(|s| s.deleted);
            SharedChange {
                seq,
                entity,
                id: id.to_string(),
                deleted,
                record: stored.filter(|_| !deleted).map(|s| s.record),
                read_set: read_set.into_iter().collect(),
                dropped,
            }
        })
        .collect())
}

pub(super) fn latest_seq(tx: &PgTx<'_>) -> Result<i64, StorageError> {
    let rows = tx.query("SELECT COALESCE(MAX(seq), 0)::bigint FROM changes", &[])?;
    let row = rows
        .first()
        .ok_or_else(|| StorageError::Other("MAX(seq) returned no row".into()))?;
    Ok(row.try_get(0)?)
}

pub(super) fn snapshot(
    tx: &PgTx<'_>,
    entity: Entity,
    after: Option<&str>,
    limit: usize,
    viewer: Option<&[String]>,
    shape: SnapshotShape,
    each: &mut dyn FnMut(&str, &[u8]),
) -> Result<usize, StorageError> {
    let mut args: Vec<Param> = Vec::new();
    let mut text = format!("{} WHERE NOT deleted", sql(entity).select);
    if let Some(after) = after {
        args.push(Box::new(after.to_string()));
        text.push_str(&format!(" AND id > ${}", args.len()));
    }
    if let Some(principals) = viewer {
        args.push(Box::new(entity.name()));
        args.push(Box::new(principals.to_vec()));
        text.push_str(&format!(
            " AND EXISTS (SELECT 1 FROM acl a WHERE a.entity = ${} AND a.record_id = {}.id AND a.principal = ANY(${}))",
            args.len() - 1,
            entity.name(),
            args.len()
        ));
    }
    args.push(Box::new(limit as i64));
    text.push_str(&format!(" ORDER BY id LIMIT ${}", args.len()));
    let rows = tx.query_boxed(&text, &args)?;
    let mut json = Vec::new();
    for row in &rows {
        let stored = read_row(entity, row)?;
        json.clear();
        wire_json(entity, &stored.record, shape, &mut json)?;
        let id = stored
            .record
            .get("id")
            .and_then(Value::as_str)
            .unwrap_or("");
        each(id, &json);
    }
    Ok(rows.len())
}
