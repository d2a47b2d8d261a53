//! The bulk insert a seed or a first load uses: multi-row INSERTs into `acl` and `changes`,
//! and the rows' columns borrowed rather than copied.

use super::*;

/// Rows per multi-row INSERT into `acl` and `changes` in a bulk load: a few statements to step
/// instead of one per row, and one AUTOINCREMENT bookkeeping write per statement.
const BULK_ROWS: usize = 64;

// Bulk inserts say OR FAIL: a statement that may abort half-way must keep a statement journal to
// undo its part, which costs a page copy per page touched; a failed bulk load rolls the whole
// transaction back anyway.
const BULK_ACL_ONE: &str =
    "INSERT OR FAIL INTO acl (principal, entity, record_id) VALUES (?1, ?2, ?3)";
const BULK_CHANGES_ONE: &str =
    "INSERT OR FAIL INTO changes (entity, record_id, dropped) VALUES (?1, ?2, '')";

fn multi_row_insert(head: &str, row: &str) -> String {
    format!("{head} VALUES {}", vec![row; BULK_ROWS].join(", "))
}

static BULK_ACL: LazyLock<String> = LazyLock::new(|| {
    multi_row_insert(
        "INSERT OR FAIL INTO acl (principal, entity, record_id)",
        "(?, ?, ?)",
    )
});
static BULK_CHANGES: LazyLock<String> = LazyLock::new(|| {
    multi_row_insert(
        "INSERT OR FAIL INTO changes (entity, record_id, dropped)",
        "(?, ?, '')",
    )
});
/// [`EntitySql::insert`] for bulk loads, in [`Entity::ALL`] order.
static BULK_INSERT: LazyLock<Vec<String>> = LazyLock::new(|| {
    Entity::ALL
        .iter()
        .map(|&e| {
            sql(e)
                .insert
                .replacen("INSERT INTO", "INSERT OR FAIL INTO", 1)
        })
        .collect()
});

/// A record's columns for [`EntitySql::insert`], borrowing its text rather than copying it.
fn borrowed_params<'a>(
    entity: Entity,
    record: &'a Record,
    hidden: &'a Hidden,
) -> Vec<ToSqlOutput<'a>> {
    fn value(v: Option<&Value>) -> ToSqlOutput<'_> {
        match v {
            Some(Value::String(s)) => ToSqlOutput::Borrowed(ValueRef::Text(s.as_bytes())),
            Some(other) => ToSqlOutput::Owned(to_sql(other)),
            None => ToSqlOutput::Owned(SqlValue::Null),
        }
    }
    let mut out: Vec<ToSqlOutput<'a>> = SYSTEM_FIELDS
        .iter()
        .map(|f| value(record.get(*f)))
        .collect();
    out.push(ToSqlOutput::Owned(SqlValue::Integer(0)));
    out.extend(entity.fields().iter().map(|f| value(record.get(f.name))));
    for column in hidden_columns(entity) {
        match hidden.iter().find(|(name, _)| name == column) {
            Some((_, Some(key))) => out.push(ToSqlOutput::Borrowed(ValueRef::Text(key.as_bytes()))),
            _ => out.push(ToSqlOutput::Owned(SqlValue::Null)),
        }
    }
    out
}

impl SqliteTx<'_> {
    /// [`Tx::insert_new`] without the look-ups a write of an existing record needs: no old
    /// read set to delete, no old change-feed row to merge. A record that is not new fails on
    /// the unique indexes rather than being overwritten.
    pub(super) fn insert_new_rows(
        &self,
        records: &mut dyn Iterator<Item = Result<NewRecord, StorageError>>,
    ) -> Result<usize, StorageError> {
        let mut acl: Vec<(String, &'static str, String)> = Vec::with_capacity(BULK_ROWS);
        let mut changes: Vec<(&'static str, String)> = Vec::with_capacity(BULK_ROWS);
        let mut count = 0;
        for r in records {
            let r = r?;
            let id = crate::store::new_id(&r)?.to_string();
            let entity = r.entity;
            let insert = Entity::ALL
                .iter()
                .position(|e| *e == entity)
                .and_then(|i| BULK_INSERT.get(i))
                .ok_or_else(|| {
                    StorageError::Other(format!("no bulk insert for {}", entity.name()))
                })?;
            self.0
                .prepare_cached(insert)?
                .execute(params_from_iter(borrowed_params(
                    entity, &r.record, &r.hidden,
                )))?;
            for principal in r.read_set {
                acl.push((principal, entity.name(), id.clone()));
                if acl.len() == BULK_ROWS {
                    self.flush_acl(&mut acl)?;
                }
            }
            changes.push((entity.name(), id));
            if changes.len() == BULK_ROWS {
                self.flush_changes(&mut changes)?;
            }
            count += 1;
        }
        self.flush_acl(&mut acl)?;
        self.flush_changes(&mut changes)?;
        Ok(count)
    }

    /// Writes the buffered read-set rows: a full buffer in one statement, a partial one row by
    /// row (a statement per length would crowd the statement cache).
    fn flush_acl(
        &self,
        rows: &mut Vec<(String, &'static str, String)>,
    ) -> Result<(), StorageError> {
        if rows.len() == BULK_ROWS {
            // In key order, successive rows land on the page the last one did.
            rows.sort_unstable();
            let args = rows
                .iter()
                .flat_map(|(p, e, id)| [p.as_str(), *e, id.as_str()]);
            self.0
                .prepare_cached(&BULK_ACL)?
                .execute(params_from_iter(args))?;
        } else {
            let mut one = self.0.prepare_cached(BULK_ACL_ONE)?;
            for (p, e, id) in rows.iter() {
                one.execute(params![p, e, id])?;
            }
        }
        rows.clear();
        Ok(())
    }

    /// Writes the buffered change-feed rows, in order, as [`SqliteTx::flush_acl`] does.
    fn flush_changes(&self, rows: &mut Vec<(&'static str, String)>) -> Result<(), StorageError> {
        if rows.len() == BULK_ROWS {
            let args = rows.iter().flat_map(|(e, id)| [*e, id.as_str()]);
            self.0
                .prepare_cached(&BULK_CHANGES)?
                .execute(params_from_iter(args))?;
        } else {
            let mut one = self.0.prepare_cached(BULK_CHANGES_ONE)?;
            for (e, id) in rows.iter() {
                one.execute(params![e, id])?;
            }
        }
        rows.clear();
        Ok(())
    }
}
