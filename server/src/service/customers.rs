//! Customer rules: the owner's team, generated codes, the duplicate check and the hidden
//! duplicate-key columns stored beside each customer.

use serde_json::{Value, json};

use super::text;
use crate::access::Actor;
use crate::dedupe;
use crate::error::ApiError;
use crate::rules::numbers;
use crate::schema::Entity;
use crate::store::{Hidden, Record, Tx};

/// Customer rules applied to the full new state of a record before it is checked and stored.
pub(super) fn prepare(
    tx: &dyn Tx,
    actor: &Actor,
    old: Option<&Record>,
    record: &mut Record,
) -> Result<(), ApiError> {
    let id = text(record, "id").map(String::from);
    if record.get("owner_id").is_none_or(Value::is_null) && old.is_none() {
        record.insert("owner_id".into(), Value::String(actor.id.clone()));
    }
    let owner_changed = old.is_none_or(|o| o.get("owner_id") != record.get("owner_id"));
    let team_given = old.is_none_or(|o| o.get("team_id") != record.get("team_id"))
        && record.get("team_id").is_some_and(|t| !t.is_null());
    if owner_changed && !team_given {
        let team = match text(record, "owner_id") {
            Some(owner) => tx.team_of(owner)?,
            None => None,
        };
        record.insert("team_id".into(), team.map_or(Value::Null, Value::String));
    }
    match text(record, "code") {
        None => {
            let code = loop {
                let code = numbers::customer_code(tx.next_counter(numbers::CUSTOMER_COUNTER)?);
                if !tx.code_taken(&code, None)? {
                    break code;
                }
            };
            record.insert("code".into(), Value::String(code));
        }
        Some(code) => {
            if tx.code_taken(code, id.as_deref())? {
                return Err(ApiError::Conflict {
                    message: format!(
                        "customer code {code} is taken; choose another or leave it empty"
                    ),
                    existing: None,
                });
            }
        }
    }
    Ok(())
}

/// The columns stored beside a record that are not its fields: a customer's duplicate keys
/// and the key its name sorts by. The seeder stores the same.
pub fn hidden_columns(entity: Entity, record: &Record) -> Hidden {
    match entity {
        Entity::Customers => {
            let mut hidden = dedupe::Keys::of(record).columns();
            let name = record.get("name").and_then(Value::as_str);
            hidden.push(("sort_name", name.map(crate::pinyin::sort_key)));
            hidden
        }
        Entity::Contacts => dedupe::Keys::of_contact(record).columns(),
        _ => Vec::new(),
    }
}

/// Answers 409 when a live customer has the same normalized name, phone or email.
pub(super) fn check_duplicates(
    tx: &dyn Tx,
    record: &Record,
    except: Option<&str>,
) -> Result<(), ApiError> {
    let keys = dedupe::Keys::of(record);
    let found = tx.find_duplicates(&keys.clone().columns(), except)?;
    let Some(existing) = found.first() else {
        return Ok(());
    };
    let matched = keys
        .matches(&dedupe::Keys::of(existing))
        .map(|m| m.on)
        .unwrap_or_default();
    let owner_id = text(existing, "owner_id");
    let owner = match owner_id {
        Some(id) => tx.get(Entity::Users, id)?.map(|u| u.record),
        None => None,
    };
    let owner_name = owner
        .as_ref()
        .and_then(|u| text(u, "display_name"))
        .unwrap_or("nobody");
    let code = text(existing, "code").unwrap_or_default();
    Err(ApiError::Conflict {
        message: format!(
            "a customer with the same {} exists: {code}, owned by {owner_name}; ask them, or create anyway",
            matched.join(" and "),
        ),
        existing: Some(json!({
            "code": code,
            "owner_id": owner_id,
            "owner_name": owner_name,
            "matched_on": matched,
        })),
    })
}
