//! Imports in bulk (`POST /{entity}/import`): customers, contacts, leads and products, each row
//! through the one create (or update) rule of its entity — the same validation, numbers, owner
//! defaults, custom fields, links, permissions and duplicate check as a single `POST` — in a
//! savepoint of its own, so a refused row writes nothing and the others go. A request carries
//! at most [`MAX_IMPORT_ROWS`]; the client sends a file in parts, each part one write
//! transaction on the server (the writer's group commit), never a request per row.
//!
//! A row that names an existing record updates it instead of making a second one: by its
//! human key (a customer's or product's `code`, a lead's `number`), or by the duplicate check
//! (a customer with the same name, phone or email, `dedupe`; a contact of the same customer
//! with the same name). With `update: false` such a row is refused, naming the record it
//! matches. A dry run does all of it and rolls it back, answering what would have happened.

use serde::Serialize;
use serde_json::Value;

use super::products::{EVERY, where_eq};
use super::text;
use crate::access::{self, Actor};
use crate::catalog::Catalog;
use crate::dedupe;
use crate::error::ApiError;
use crate::schema::Entity;
use crate::store::{Record, StorageError, Tx};

/// Rows one import request carries at most.
pub const MAX_IMPORT_ROWS: usize = 5_000;

/// How a request's rows are taken.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Options {
    /// Write nothing: answer what would be created, updated and refused.
    pub dry_run: bool,
    /// A row matching an existing record updates it (true) or is refused naming it (false).
    pub update: bool,
}

/// What became of a row.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Outcome {
    Created,
    Updated,
    Refused,
}

/// One row's answer, by its position in the request. Created rows are only counted (a part's
/// answer is kept for a retry; 5,000 ids would only fill it).
#[derive(Debug, Clone, Serialize)]
pub struct RowAnswer {
    pub row: usize,
    pub outcome: Outcome,
    /// The record updated, or the one a refused row duplicates.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    /// Its human key (code or number), as people quote it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub key: Option<String>,
    /// How it was matched: `code`, `number`, or the fields a duplicate agrees on.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub matched_on: Vec<String>,
    /// Why a row was refused, as the API sends an error (`code`, `message`, `fields`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<Value>,
}

/// A request's answer.
#[derive(Debug, Clone, Default, Serialize)]
pub struct Imported {
    pub dry_run: bool,
    pub created: usize,
    pub updated: usize,
    pub refused: usize,
    /// Every row not simply created, in order.
    pub rows: Vec<RowAnswer>,
}

/// The field a row names its record by, when the entity has one.
pub fn key_field(entity: Entity) -> Option<&'static str> {
    match entity {
        Entity::Customers | Entity::Products => Some("code"),
        Entity::Leads => Some("number"),
        _ => None,
    }
}

/// The keys an import matches a row by, as `matching` looks them up: its key field (code,
/// number) alone when it has one; else a customer's duplicate keys (`name`, `phone`, `email`)
/// or a contact's customer and name (`name`). The client compares a file's rows with each
/// other by these, so a dry run sent in parts still sees a row repeating an earlier part's.
pub fn row_keys(entity: Entity, body: &Record) -> Vec<(&'static str, String)> {
    if let Some(field) = key_field(entity)
        && let Some(key) = text(body, field).map(str::trim).filter(|k| !k.is_empty())
    {
        let key = if entity == Entity::Leads {
            key.to_uppercase()
        } else {
            key.to_string()
        };
        return vec![(field, key)];
    }
    match entity {
        Entity::Customers => {
            let keys = dedupe::Keys::of(body);
            [
                ("name", keys.name),
                ("phone", keys.phone),
                ("email", keys.email),
            ]
            .into_iter()
            .filter_map(|(on, k)| k.map(|k| (on, k)))
            .collect()
        }
        Entity::Contacts => text(body, "customer_id")
            .zip(text(body, "name").and_then(dedupe::name_key))
            .map(|(c, n)| vec![("name", format!("{c}/{n}"))])
            .unwrap_or_default(),
        _ => Vec::new(),
    }
}

/// The rows of one file that an import would match with an earlier row of the same file:
/// `(row, earlier row, the keys they share)`, by position, each row with the first row it
/// repeats.
pub fn earlier_rows(entity: Entity, rows: &[&Record]) -> Vec<(usize, usize, Vec<&'static str>)> {
    let mut first: std::collections::HashMap<(&'static str, String), usize> = Default::default();
    let mut out = Vec::new();
    for (i, row) in rows.iter().enumerate() {
        let keys = row_keys(entity, row);
        let mut earlier: Option<(usize, Vec<&'static str>)> = None;
        for (on, key) in &keys {
            if let Some(&j) = first.get(&(*on, key.clone())) {
                match &mut earlier {
                    Some((e, list)) if *e == j => list.push(*on),
                    Some((e, list)) if j < *e => {
                        *e = j;
                        *list = vec![*on];
                    }
                    Some(_) => {}
                    None => earlier = Some((j, vec![*on])),
                }
            }
        }
        for (on, key) in keys {
            first.entry((on, key)).or_insert(i);
        }
        if let Some((j, on)) = earlier {
            out.push((i, j, on));
        }
    }
    out
}

/// The record a row matches, and on what.
struct Match {
    record: Record,
    on: Vec<String>,
}

fn error_body(e: &ApiError) -> Value {
    e.body()["error"].take()
}

/// Imports `rows` of `entity` as `actor`: each created or updated through the entity's rules,
/// or refused with its reason. The request fails as a whole only when it is malformed, too
/// large, or the role may not import this entity at all.
pub fn import(
    tx: &dyn Tx,
    actor: &Actor,
    entity: Entity,
    rows: &[Value],
    options: Options,
) -> Result<Imported, ApiError> {
    access::may_import(actor.role, entity).map_err(|message| ApiError::Forbidden {
        message,
        fields: Default::default(),
    })?;
    if rows.len() > MAX_IMPORT_ROWS {
        return Err(ApiError::invalid(
            "rows",
            format!("at most {MAX_IMPORT_ROWS} rows a request; send the file in parts"),
        ));
    }
    // The admin's lists and custom fields, read once for the part: no row of an import
    // changes them.
    let catalog = super::catalog_for(tx, entity)?;
    let mut answer = Imported {
        dry_run: options.dry_run,
        ..Imported::default()
    };
    let mut failure = None;
    let outcome = tx.nested(&mut |tx| {
        for (row, value) in rows.iter().enumerate() {
            match one_row(tx, actor, entity, &catalog, value, options.update) {
                Ok(mut done) => {
                    done.row = row;
                    match done.outcome {
                        Outcome::Created => answer.created += 1,
                        Outcome::Updated => answer.updated += 1,
                        Outcome::Refused => answer.refused += 1,
                    }
                    if done.outcome != Outcome::Created {
                        answer.rows.push(done);
                    }
                }
                Err(e) => {
                    failure = Some(e);
                    return Err(StorageError::RolledBack);
                }
            }
        }
        if options.dry_run {
            Err(StorageError::RolledBack)
        } else {
            Ok(())
        }
    })?;
    if let Some(e) = failure {
        return Err(e);
    }
    if !options.dry_run {
        outcome?;
    }
    Ok(answer)
}

/// One row in a savepoint of its own: its answer, or Err only when the storage failed (which
/// ends the request: nothing of it is kept).
fn one_row(
    tx: &dyn Tx,
    actor: &Actor,
    entity: Entity,
    catalog: &Catalog,
    value: &Value,
    update: bool,
) -> Result<RowAnswer, ApiError> {
    let refused = |error: ApiError| RowAnswer {
        row: 0,
        outcome: Outcome::Refused,
        id: None,
        key: None,
        matched_on: Vec::new(),
        error: Some(error_body(&error)),
    };
    let Value::Object(body) = value else {
        return Ok(refused(ApiError::invalid(
            "row",
            "must be an object of fields",
        )));
    };
    let mut answer = None;
    let saved = tx.nested(&mut |tx| {
        let done = write_row(tx, actor, entity, catalog, body, update);
        let failed = !matches!(&done, Ok(a) if a.outcome != Outcome::Refused);
        answer = Some(done);
        if failed {
            Err(StorageError::RolledBack)
        } else {
            Ok(())
        }
    })?;
    match answer {
        Some(Ok(a)) => Ok(a),
        // A storage failure other than the row's own refusal is the request's.
        Some(Err(e @ (ApiError::Internal(_) | ApiError::StorageBusy | ApiError::DiskFull))) => {
            Err(e)
        }
        Some(Err(e)) => Ok(refused(e)),
        None => Err(saved.err().map_or_else(
            || ApiError::Internal("a row was not written".into()),
            Into::into,
        )),
    }
}

fn write_row(
    tx: &dyn Tx,
    actor: &Actor,
    entity: Entity,
    catalog: &Catalog,
    body: &Record,
    update: bool,
) -> Result<RowAnswer, ApiError> {
    let found = matching(tx, entity, body)?;
    let Some(found) = found else {
        let mut body = body.clone();
        if entity == Entity::Leads {
            // A lead's number is the server's; a row naming one that does not exist is refused
            // rather than made under another number.
            if let Some(number) = text(&body, "number").filter(|n| !n.trim().is_empty()) {
                return Err(ApiError::invalid(
                    "number",
                    format!("no lead {number} exists; leave the number empty to make a new lead"),
                ));
            }
            body.remove("number");
        }
        let made = super::create_in(tx, actor, entity, &body, false, catalog)?;
        return Ok(RowAnswer {
            row: 0,
            outcome: Outcome::Created,
            id: text(&made.record, "id").map(String::from),
            key: key_field(entity).and_then(|k| text(&made.record, k).map(String::from)),
            matched_on: Vec::new(),
            error: None,
        });
    };
    let id = text(&found.record, "id").unwrap_or_default().to_string();
    let key = key_field(entity).and_then(|k| text(&found.record, k).map(String::from));
    let duplicate = || {
        let what = key
            .clone()
            .unwrap_or_else(|| text(&found.record, "name").unwrap_or_default().to_string());
        ApiError::Conflict {
            message: format!(
                "matches the existing {} {what} on {}; import with updates to change it",
                entity.noun(),
                found.on.join(" and ")
            ),
            existing: Some(serde_json::json!({"id": id, "key": key, "matched_on": found.on})),
        }
    };
    if !update {
        return Err(duplicate());
    }
    let mut patch = body.clone();
    if let Some(k) = key_field(entity) {
        patch.remove(k);
    }
    patch.remove("id");
    match super::update(tx, actor, entity, &id, &patch, None) {
        Ok(_) => Ok(RowAnswer {
            row: 0,
            outcome: Outcome::Updated,
            id: Some(id),
            key,
            matched_on: found.on,
            error: None,
        }),
        // A duplicate someone else owns is reported as the duplicate it is, as a create would.
        Err(ApiError::Forbidden { .. } | ApiError::NotFound(_))
            if !found
                .on
                .iter()
                .any(|o| Some(o.as_str()) == key_field(entity)) =>
        {
            Err(duplicate())
        }
        Err(e) => Err(e),
    }
}

/// The live record a row names: by its key field, else by the duplicate check.
fn matching(tx: &dyn Tx, entity: Entity, body: &Record) -> Result<Option<Match>, ApiError> {
    if let Some(field) = key_field(entity)
        && let Some(key) = text(body, field).map(str::trim).filter(|k| !k.is_empty())
    {
        let wanted = if entity == Entity::Leads {
            key.to_uppercase()
        } else {
            key.to_string()
        };
        if let Some(record) = where_eq(tx, entity, field, &wanted, 1)?.into_iter().next() {
            return Ok(Some(Match {
                record,
                on: vec![field.to_string()],
            }));
        }
        // A customer or product whose code is not taken is created with it: its code is
        // what it is known by from now on.
        return Ok(None);
    }
    match entity {
        Entity::Customers => {
            let keys = dedupe::Keys::of(body);
            let found = tx.find_duplicates(&keys.clone().columns(), None)?;
            Ok(found.into_iter().next().map(|record| {
                let on = keys
                    .matches(&dedupe::Keys::of(&record))
                    .map(|m| m.on.iter().map(|s| (*s).to_string()).collect())
                    .unwrap_or_default();
                Match { record, on }
            }))
        }
        Entity::Contacts => {
            let (Some(customer), Some(name)) = (
                text(body, "customer_id"),
                text(body, "name").and_then(dedupe::name_key),
            ) else {
                return Ok(None);
            };
            if uuid::Uuid::parse_str(customer).is_err() {
                return Ok(None);
            }
            Ok(
                where_eq(tx, Entity::Contacts, "customer_id", customer, EVERY)?
                    .into_iter()
                    .find(|c| text(c, "name").and_then(dedupe::name_key).as_deref() == Some(&name))
                    .map(|record| Match {
                        record,
                        on: vec!["customer_id".into(), "name".into()],
                    }),
            )
        }
        _ => Ok(None),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn rows(values: &[Value]) -> Vec<Record> {
        values
            .iter()
            .map(|v| v.as_object().unwrap().clone())
            .collect()
    }

    #[test]
    fn rows_repeating_an_earlier_row_of_the_file_are_found_by_the_imports_keys() {
        let customers = rows(&[
            json!({"name": "北辰科技", "phone": "010-6552 1234"}),
            json!({"name": "南山贸易", "email": "a@ns.cn"}),
            json!({"name": "北辰 科技"}),
            json!({"name": "东方物流", "phone": "+86 10 6552 1234", "email": "A@ns.cn"}),
            // A row with a code is matched by its code alone.
            json!({"code": "C000009", "name": "北辰科技"}),
            json!({"code": "C000009", "name": "另一个名字"}),
        ]);
        let refs: Vec<&Record> = customers.iter().collect();
        assert_eq!(
            earlier_rows(Entity::Customers, &refs),
            vec![
                (2, 0, vec!["name"]),
                (3, 0, vec!["phone"]),
                (5, 4, vec!["code"])
            ]
        );
        let contacts = rows(&[
            json!({"customer_id": "c1", "name": "王芳"}),
            json!({"customer_id": "c2", "name": "王芳"}),
            json!({"customer_id": "c1", "name": "王 芳"}),
        ]);
        let refs: Vec<&Record> = contacts.iter().collect();
        assert_eq!(
            earlier_rows(Entity::Contacts, &refs),
            vec![(2, 0, vec!["name"])]
        );
        let leads = rows(&[json!({"number": "l-000001"}), json!({"number": "L-000001"})]);
        let refs: Vec<&Record> = leads.iter().collect();
        assert_eq!(
            earlier_rows(Entity::Leads, &refs),
            vec![(1, 0, vec!["number"])]
        );
    }
}
