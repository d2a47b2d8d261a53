//! Bulk actions over marked customers (issue 14): reassign the owner (with the old owner's open
//! deals and planned activities on them, or not), change the level, add a tag, add to a static
//! list. One `bulk_actions` record is one request: each customer is changed by the usual
//! `service::update` or `create` as the user — their permission, the rules, the audit — in a
//! savepoint of its own, so every refusal is found and named; one refusal and nothing is
//! changed (the whole write rolls back), the answer naming each refused customer and why.

use serde_json::{Value, json};

use super::hand_over::move_open;
use super::products::{EVERY, where_eq};
use super::text;
use crate::access::Actor;
use crate::error::ApiError;
use crate::schema::{Entity, MAX_BULK};
use crate::store::{Record, StorageError, Tx};

/// Refusals named in the answer at most; the rest are counted.
const NAMED: usize = 20;

/// A bulk action's request checked before it runs: what its kind needs, how many customers.
pub(super) fn prepare(old: Option<&Record>, record: &mut Record) -> Result<(), ApiError> {
    if old.is_some() {
        return Err(ApiError::Conflict {
            message: "a bulk action is done once; make another".into(),
            existing: None,
        });
    }
    let count = record
        .get("ids")
        .and_then(Value::as_array)
        .map_or(0, Vec::len);
    if count == 0 || count > MAX_BULK {
        return Err(ApiError::invalid(
            "ids",
            format!("must name 1 to {MAX_BULK} customers"),
        ));
    }
    let needs = match text(record, "kind") {
        Some("owner") => "owner_id",
        Some("level") => "level",
        Some("tag") => "tag",
        Some("list") => "list_id",
        _ => {
            return Err(ApiError::invalid(
                "kind",
                "must be owner, level, tag or list",
            ));
        }
    };
    if record
        .get(needs)
        .is_none_or(|v| v.is_null() || v.as_str() == Some(""))
    {
        return Err(ApiError::invalid(
            needs,
            "is required for this kind of bulk action",
        ));
    }
    Ok(())
}

/// What one customer's change moved along.
#[derive(Default)]
struct Moved {
    deals: usize,
    activities: usize,
}

/// Runs a bulk action just stored and writes its report onto it.
pub(super) fn after_write(
    tx: &dyn Tx,
    actor: &Actor,
    entity: Entity,
    old: Option<&Record>,
    record: &Record,
) -> Result<(), ApiError> {
    if entity != Entity::BulkActions || old.is_some() {
        return Ok(());
    }
    let ids: Vec<String> = record
        .get("ids")
        .and_then(Value::as_array)
        .map(|a| {
            a.iter()
                .filter_map(Value::as_str)
                .map(String::from)
                .collect()
        })
        .unwrap_or_default();
    let mut refused: Vec<(String, ApiError)> = Vec::new();
    let mut total = Moved::default();
    for id in &ids {
        let mut outcome: Option<Result<Moved, ApiError>> = None;
        let nested = tx.nested(&mut |tx| {
            let done = one(tx, actor, record, id);
            let failed = done.is_err();
            outcome = Some(done);
            if failed {
                // Undo this customer's savepoint; the refusal is kept in `outcome`.
                Err(StorageError::RolledBack)
            } else {
                Ok(())
            }
        })?;
        match (outcome, nested) {
            (Some(Ok(m)), Ok(())) => {
                total.deals += m.deals;
                total.activities += m.activities;
            }
            (Some(Err(e)), _) => refused.push((id.clone(), e)),
            (_, Err(e)) => refused.push((id.clone(), e.into())),
            (None, Ok(())) => {}
        }
    }
    if !refused.is_empty() {
        return Err(report(tx, ids.len(), refused));
    }
    super::quotes::touch(
        tx,
        actor,
        Entity::BulkActions,
        text(record, "id").unwrap_or_default(),
        &[
            ("changed", json!(ids.len())),
            ("deals", json!(total.deals)),
            ("activities", json!(total.activities)),
        ],
    )
}

/// One customer's change, as the user.
fn one(tx: &dyn Tx, actor: &Actor, action: &Record, id: &str) -> Result<Moved, ApiError> {
    let customer = super::get(tx, actor, Entity::Customers, id)?;
    let mut moved = Moved::default();
    let patch = |v: Value| v.as_object().cloned().unwrap_or_default();
    match text(action, "kind") {
        Some("owner") => {
            let to = text(action, "owner_id").unwrap_or_default();
            let from = text(&customer, "owner_id").map(String::from);
            super::update(
                tx,
                actor,
                Entity::Customers,
                id,
                &patch(json!({"owner_id": to})),
                None,
            )?;
            if action.get("with_open") == Some(&Value::Bool(true))
                && let Some(from) = from.filter(|f| f != to)
            {
                for (entity, count) in [
                    (Entity::Opportunities, &mut moved.deals),
                    (Entity::Activities, &mut moved.activities),
                ] {
                    let held: Vec<Record> = where_eq(tx, entity, "customer_id", id, EVERY)?
                        .into_iter()
                        .filter(|r| text(r, "owner_id") == Some(from.as_str()))
                        .collect();
                    *count += move_open(tx, actor, entity, "owner_id", held, to)?;
                }
            }
        }
        Some("level") => {
            let level = action.get("level").cloned().unwrap_or(Value::Null);
            super::update(
                tx,
                actor,
                Entity::Customers,
                id,
                &patch(json!({"level": level})),
                None,
            )?;
        }
        Some("tag") => {
            let tag = text(action, "tag").unwrap_or_default();
            let mut tags: Vec<Value> = customer
                .get("tags")
                .and_then(Value::as_array)
                .cloned()
                .unwrap_or_default();
            if !tags.iter().any(|t| t.as_str() == Some(tag)) {
                tags.push(json!(tag));
                super::update(
                    tx,
                    actor,
                    Entity::Customers,
                    id,
                    &patch(json!({"tags": tags})),
                    None,
                )?;
            }
        }
        Some("list") => {
            let list = text(action, "list_id").unwrap_or_default();
            let on = where_eq(tx, Entity::ListMembers, "record_id", id, EVERY)?
                .iter()
                .any(|m| text(m, "list_id") == Some(list));
            if !on {
                let body = patch(json!({"list_id": list, "record_id": id}));
                super::create(tx, actor, Entity::ListMembers, &body, false)?;
            }
        }
        _ => {}
    }
    Ok(moved)
}

/// The answer when any customer was refused: nothing changed, each refused one named (by its
/// code when the user may see it) with the reason.
fn report(tx: &dyn Tx, total: usize, refused: Vec<(String, ApiError)>) -> ApiError {
    let count = refused.len();
    let forbidden = refused
        .iter()
        .any(|(_, e)| matches!(e, ApiError::Forbidden { .. } | ApiError::NotFound(_)));
    let mut fields = std::collections::BTreeMap::new();
    for (id, e) in refused.into_iter().take(NAMED) {
        let name = match &e {
            ApiError::NotFound(_) => id.clone(),
            _ => tx
                .get(Entity::Customers, &id)
                .ok()
                .flatten()
                .and_then(|s| text(&s.record, "code").map(String::from))
                .unwrap_or(id.clone()),
        };
        let why = match &e {
            ApiError::Invalid(f) | ApiError::Forbidden { fields: f, .. } if !f.is_empty() => f
                .iter()
                .map(|(k, v)| format!("{k} {v}"))
                .collect::<Vec<_>>()
                .join("; "),
            other => other.to_string(),
        };
        fields.insert(name, why);
    }
    let message = format!(
        "nothing was changed: {count} of {total} customers refused ({}); unmark them or ask their owner or a manager",
        fields
            .iter()
            .map(|(k, v)| format!("{k}: {v}"))
            .collect::<Vec<_>>()
            .join(", ")
    );
    if forbidden {
        ApiError::Forbidden { message, fields }
    } else {
        ApiError::Invalid(
            fields
                .into_iter()
                .chain([("ids".to_string(), message)])
                .collect(),
        )
    }
}
