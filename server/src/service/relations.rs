//! Contact relations checked beyond their fields: two different contacts, at most one superior
//! per contact, and no circle of "reports to" (422 naming the chain). Who may write them, and
//! that both contacts are ones the writer can see, is `access`'s.

use std::collections::BTreeMap;

use super::products::where_eq;
use super::text;
use crate::error::ApiError;
use crate::rules::relations::{REPORTS_TO, reports_to_problem};
use crate::schema::Entity;
use crate::store::{Record, Tx};

/// How far up a chain of superiors the circle check walks: deeper than any organisation.
const MAX_CHAIN: usize = 1_000;
/// Relations of one contact a check reads at most.
const MAX_RELATIONS: usize = 1_000;

pub(super) fn prepare(tx: &dyn Tx, old: Option<&Record>, record: &Record) -> Result<(), ApiError> {
    let contact = text(record, "contact_id").unwrap_or_default().to_string();
    let related = text(record, "related_id").unwrap_or_default().to_string();
    if contact == related {
        return Err(ApiError::invalid(
            "related_id",
            "a relation joins two different contacts; choose the other person",
        ));
    }
    if text(record, "kind") != Some(REPORTS_TO) {
        return Ok(());
    }
    let unchanged = old.is_some_and(|o| {
        text(o, "kind") == Some(REPORTS_TO)
            && text(o, "contact_id") == Some(contact.as_str())
            && text(o, "related_id") == Some(related.as_str())
    });
    if unchanged {
        return Ok(());
    }
    // Two servers writing two halves of a circle at once: one waits for the other.
    tx.lock_rule("contact_relations:reports_to")?;
    let id = text(record, "id");
    if let Some(existing) = superior_of(tx, &contact, id)? {
        let name = contact_name(tx, &existing)?;
        return Err(ApiError::Conflict {
            message: format!(
                "this contact already reports to {name}; change that relation instead"
            ),
            existing: None,
        });
    }
    // The chain above the new superior, as stored now.
    let mut chain = BTreeMap::new();
    let mut at = related.clone();
    for _ in 0..MAX_CHAIN {
        let Some(up) = superior_of(tx, &at, id)? else {
            break;
        };
        let seen = chain.contains_key(&up) || up == contact;
        chain.insert(at.clone(), up.clone());
        if seen {
            break;
        }
        at = up;
    }
    let mut names = BTreeMap::new();
    for person in chain.keys().chain(chain.values()).chain([&contact]) {
        if !names.contains_key(person) {
            names.insert(person.clone(), contact_name(tx, person)?);
        }
    }
    let name = |id: &str| names.get(id).cloned().unwrap_or_else(|| id.to_string());
    match reports_to_problem(&contact, &related, &chain, &name) {
        Some(problem) => Err(ApiError::invalid("related_id", problem)),
        None => Ok(()),
    }
}

/// Who this contact reports to, by a live relation other than `except`.
fn superior_of(
    tx: &dyn Tx,
    contact: &str,
    except: Option<&str>,
) -> Result<Option<String>, ApiError> {
    Ok(where_eq(
        tx,
        Entity::ContactRelations,
        "contact_id",
        contact,
        MAX_RELATIONS,
    )?
    .iter()
    .filter(|r| text(r, "kind") == Some(REPORTS_TO) && text(r, "id") != except)
    .find_map(|r| text(r, "related_id").map(String::from)))
}

fn contact_name(tx: &dyn Tx, id: &str) -> Result<String, ApiError> {
    Ok(tx
        .get(Entity::Contacts, id)?
        .and_then(|s| text(&s.record, "name").map(String::from))
        .unwrap_or_else(|| id.to_string()))
}
