//! How a stored row is derived: the server's copy of a record, the outbox entries laid on it,
//! the columns lists read, and for customers the search text (which includes their contacts).

use std::collections::HashSet;

use crm_server::schema::Entity;
use rusqlite::types::Value as SqlValue;
use rusqlite::{Connection, OptionalExtension, params_from_iter};
use serde_json::{Map, Value};

use super::outbox::{self, Op};
use super::overlay::local_view;
use super::schema::{self, SYSTEM_COLUMNS};
use super::search::{digits_text, search_text};
use super::{Replica, ReplicaError};

/// Customers whose search text must be recomputed because a contact of theirs changed.
#[derive(Default)]
pub struct Dirty {
    customers: HashSet<String>,
}

pub fn to_sql(value: Option<&Value>) -> SqlValue {
    match value {
        None | Some(Value::Null) => SqlValue::Null,
        Some(Value::Bool(b)) => SqlValue::Integer(i64::from(*b)),
        Some(Value::Number(n)) => n.as_i64().map_or_else(
            || SqlValue::Real(n.as_f64().unwrap_or(0.0)),
            SqlValue::Integer,
        ),
        Some(Value::String(s)) => SqlValue::Text(s.clone()),
        Some(other) => SqlValue::Text(other.to_string()),
    }
}

pub fn parse_map(text: &str) -> Option<Map<String, Value>> {
    match serde_json::from_str(text) {
        Ok(Value::Object(m)) => Some(m),
        _ => None,
    }
}

pub fn version_of(record: &Map<String, Value>) -> i64 {
    record.get("version").and_then(Value::as_i64).unwrap_or(0)
}

fn text_of<'a>(record: &'a Map<String, Value>, field: &str) -> Option<&'a str> {
    record.get(field).and_then(Value::as_str)
}

/// Records marked as having local edits, to check against the outbox on open.
pub fn pending_rows(db: &Connection) -> Result<Vec<(Entity, String)>, ReplicaError> {
    let mut out = Vec::new();
    for entity in Entity::ALL {
        let mut stmt = db.prepare_cached(&format!(
            "SELECT id FROM {} WHERE pending = 1",
            entity.name()
        ))?;
        let ids = stmt.query_map([], |r| r.get::<_, String>(0))?;
        for id in ids {
            out.push((entity, id?));
        }
    }
    Ok(out)
}

/// The stored state of one row.
struct Stored {
    version: i64,
    pending: bool,
    json: String,
    server: Option<String>,
}

impl Stored {
    /// The server's copy: the row itself when nothing is pending; else the kept copy, or none
    /// for a record created here that the server has not acknowledged.
    fn server_copy(&self) -> Option<Map<String, Value>> {
        if !self.pending {
            parse_map(&self.json)
        } else if self.version > 0 {
            self.server.as_deref().and_then(parse_map)
        } else {
            None
        }
    }
}

impl Replica {
    fn stored(&self, entity: Entity, id: &str) -> Result<Option<Stored>, ReplicaError> {
        let sql = format!(
            "SELECT version, pending, json, server FROM {} WHERE id = ?1",
            entity.name()
        );
        Ok(self
            .db
            .prepare_cached(&sql)?
            .query_row([id], |r| {
                Ok(Stored {
                    version: r.get(0)?,
                    pending: r.get(1)?,
                    json: r.get(2)?,
                    server: r.get(3)?,
                })
            })
            .optional()?)
    }

    /// The server's copy of a record as the replica holds it.
    pub(super) fn server_copy(
        &self,
        entity: Entity,
        id: &str,
    ) -> Result<Option<Map<String, Value>>, ReplicaError> {
        Ok(self.stored(entity, id)?.and_then(|s| s.server_copy()))
    }

    /// Rewrites one row from its server copy and its outbox entries. Call inside a transaction
    /// on the replica.
    pub(super) fn recompute(
        &self,
        entity: Entity,
        id: &str,
        dirty: &mut Dirty,
    ) -> Result<(), ReplicaError> {
        let server = self.server_copy(entity, id)?;
        self.write_record(entity, id, server.as_ref(), dirty)
    }

    /// Stores `server` as the server's copy of a record and rewrites its row with the outbox
    /// entries laid on.
    pub(super) fn write_record(
        &self,
        entity: Entity,
        id: &str,
        server: Option<&Map<String, Value>>,
        dirty: &mut Dirty,
    ) -> Result<(), ReplicaError> {
        let entries = outbox::for_record(&self.outbox, entity, id)?;
        // A locally deleted record's server copy rides in its delete entry, to come back if the
        // delete is discarded.
        let kept = if server.is_none() {
            entries
                .iter()
                .find(|e| e.op == Op::Delete && e.base.contains_key("id"))
                .map(|e| e.base.clone())
        } else {
            None
        };
        let server = server.or(kept.as_ref());
        let Some(view) = local_view(entity, server, &entries) else {
            return self.delete_row(entity, id, dirty);
        };
        let pending = !entries.is_empty();
        let conflicted = pending && outbox::has_conflicts(&self.outbox, entity, id)?;
        let version = server.map_or(0, version_of);
        let server_json = server
            .filter(|_| pending)
            .map(|s| Value::Object(s.clone()).to_string());
        self.put_row(
            entity,
            id,
            version,
            pending,
            conflicted,
            &view,
            server_json,
            false,
            dirty,
        )
    }

    /// Writes a row. With `only_newer`, an existing row of a higher version is left alone (a
    /// page fetched before a push was acknowledged must not roll the record back).
    #[allow(clippy::too_many_arguments)]
    pub(super) fn put_row(
        &self,
        entity: Entity,
        id: &str,
        version: i64,
        pending: bool,
        conflicted: bool,
        view: &Map<String, Value>,
        server_json: Option<String>,
        only_newer: bool,
        dirty: &mut Dirty,
    ) -> Result<(), ReplicaError> {
        let table = schema::table(entity);
        if entity == Entity::Contacts {
            // The contact may move between customers: both need new search text.
            let old: Option<Option<String>> = self
                .db
                .prepare_cached("SELECT customer_id FROM contacts WHERE id = ?1")?
                .query_row([id], |r| r.get(0))
                .optional()?;
            if let Some(Some(old)) = old {
                dirty.customers.insert(old);
            }
            if let Some(new) = text_of(view, "customer_id") {
                dirty.customers.insert(new.to_string());
            }
        }
        let mut args: Vec<SqlValue> =
            Vec::with_capacity(SYSTEM_COLUMNS.len() + table.columns.len() + 2);
        args.push(SqlValue::Text(id.to_string()));
        args.push(SqlValue::Integer(version));
        args.push(SqlValue::Integer(i64::from(pending)));
        args.push(SqlValue::Integer(i64::from(conflicted)));
        args.push(to_sql(view.get("created_at")));
        args.push(to_sql(view.get("updated_at")));
        args.push(SqlValue::Text(Value::Object(view.clone()).to_string()));
        args.push(server_json.map_or(SqlValue::Null, SqlValue::Text));
        for column in &table.columns {
            args.push(to_sql(view.get(column.name)));
        }
        if entity == Entity::Customers {
            let (search, digits) = self.customer_search(view)?;
            args.push(SqlValue::Text(search));
            args.push(SqlValue::Text(digits));
        }
        let sql = if only_newer {
            format!(
                "{} WHERE excluded.version >= {}.version",
                table.upsert,
                entity.name()
            )
        } else {
            table.upsert.clone()
        };
        self.db
            .prepare_cached(&sql)?
            .execute(params_from_iter(args))?;
        Ok(())
    }

    pub(super) fn delete_row(
        &self,
        entity: Entity,
        id: &str,
        dirty: &mut Dirty,
    ) -> Result<(), ReplicaError> {
        if entity == Entity::Contacts {
            let old: Option<Option<String>> = self
                .db
                .prepare_cached("SELECT customer_id FROM contacts WHERE id = ?1")?
                .query_row([id], |r| r.get(0))
                .optional()?;
            if let Some(Some(old)) = old {
                dirty.customers.insert(old);
            }
        }
        self.db
            .prepare_cached(&format!("DELETE FROM {} WHERE id = ?1", entity.name()))?
            .execute([id])?;
        Ok(())
    }

    /// A customer's search text (name, code, email, contact names) and phone digits (its phone
    /// and its contacts' phones and mobiles).
    fn customer_search(
        &self,
        customer: &Map<String, Value>,
    ) -> Result<(String, String), ReplicaError> {
        let mut names: Vec<String> = Vec::new();
        let mut phones: Vec<String> = Vec::new();
        if let Some(id) = text_of(customer, "id") {
            let mut stmt = self.db.prepare_cached(
                "SELECT name, phone, mobile FROM contacts WHERE customer_id = ?1",
            )?;
            let rows = stmt.query_map([id], |r| {
                Ok((
                    r.get::<_, Option<String>>(0)?,
                    r.get::<_, Option<String>>(1)?,
                    r.get::<_, Option<String>>(2)?,
                ))
            })?;
            for row in rows {
                let (name, phone, mobile) = row?;
                names.extend(name);
                phones.extend(phone);
                phones.extend(mobile);
            }
        }
        let own = ["name", "code", "email"]
            .into_iter()
            .filter_map(|f| text_of(customer, f));
        let search = search_text(own.chain(names.iter().map(String::as_str)));
        let digits = digits_text(
            text_of(customer, "phone")
                .into_iter()
                .chain(phones.iter().map(String::as_str)),
        );
        Ok((search, digits))
    }

    /// Recomputes the search text of customers whose contacts changed.
    pub(super) fn refresh_search(&self, dirty: &mut Dirty) -> Result<(), ReplicaError> {
        for id in std::mem::take(&mut dirty.customers) {
            let json: Option<String> = self
                .db
                .prepare_cached("SELECT json FROM customers WHERE id = ?1")?
                .query_row([&id], |r| r.get(0))
                .optional()?;
            let Some(customer) = json.as_deref().and_then(parse_map) else {
                continue;
            };
            let (search, digits) = self.customer_search(&customer)?;
            self.db
                .prepare_cached("UPDATE customers SET search = ?2, digits = ?3 WHERE id = ?1")?
                .execute(rusqlite::params![id, search, digits])?;
        }
        Ok(())
    }
}
