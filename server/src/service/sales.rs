//! Sales rules: an opportunity's owner, stage, probability and close reason; stages in use.

use serde_json::{Value, json};

use super::text;
use crate::access::{self, Actor, Role};
use crate::error::ApiError;
use crate::rules::reasons;
use crate::schema::Entity;
use crate::store::{ListQuery, Record, Tx};

/// Opportunity rules applied to the full new state of a record before it is checked and stored.
pub(super) fn prepare_opportunity(
    tx: &dyn Tx,
    actor: &Actor,
    old: Option<&Record>,
    record: &mut Record,
) -> Result<(), ApiError> {
    if record.get("owner_id").is_none_or(Value::is_null) && old.is_none() {
        record.insert("owner_id".into(), Value::String(actor.id.clone()));
    }
    if text(record, "stage_id").is_none() {
        let first = tx.list(
            Entity::Stages,
            &ListQuery {
                filters: vec![("kind", json!("open"))],
                sort: "position",
                limit: 1,
                ..ListQuery::default()
            },
            None,
        )?;
        if let Some(stage) = first.first() {
            record.insert("stage_id".into(), stage["id"].clone());
        }
    }
    // With products on it, the deal is worth what its lines say (`quotes::opportunity_amount`).
    if let (Some(old), Some(id)) = (old, text(record, "id"))
        && let Some(amount) = super::quotes::opportunity_amount(tx, id)?
    {
        if old.get("amount") != record.get("amount") && record.get("amount") != Some(&json!(amount))
        {
            return Err(ApiError::invalid(
                "amount",
                "follows the opportunity's products; change its lines instead",
            ));
        }
        record.insert("amount".into(), json!(amount));
    }
    let stage_changed = old.is_none_or(|o| o.get("stage_id") != record.get("stage_id"));
    let stage = match text(record, "stage_id") {
        Some(s) => tx
            .get(Entity::Stages, s)?
            .filter(|s| !s.deleted)
            .map(|s| s.record),
        None => None,
    };
    if let Some(stage) = &stage {
        let probability_given = old
            .is_none_or(|o| o.get("probability") != record.get("probability"))
            && record.get("probability").is_some_and(|p| !p.is_null());
        if stage_changed && !probability_given {
            record.insert("probability".into(), stage["probability"].clone());
        }
        let kind = text(stage, "kind").unwrap_or("open");
        reasons::close_reason(kind, text(record, "close_reason"))?;
    }
    Ok(())
}

/// A deal's or a quote's owner must be able to own it: a seller, active, who sees its customer
/// (`access::deal_owner_problem`). Checked on create and whenever the owner or the customer
/// changes, after the links are known to be live; an owner set long ago is not judged again.
pub(super) fn check_owner(
    tx: &dyn Tx,
    old: Option<&Record>,
    record: &Record,
) -> Result<(), ApiError> {
    let (Some(owner_id), Some(customer_id)) =
        (text(record, "owner_id"), text(record, "customer_id"))
    else {
        return Ok(());
    };
    if old.is_some_and(|o| {
        text(o, "owner_id") == Some(owner_id) && text(o, "customer_id") == Some(customer_id)
    }) {
        return Ok(());
    }
    match deal_owner_problem(tx, owner_id, customer_id)? {
        Some(why) => Err(ApiError::invalid("owner_id", why)),
        None => Ok(()),
    }
}

/// Why this user may not own a deal on this customer (`access::deal_owner_problem`), or None
/// when they may. Also what the seeder's tests hold its opportunities to.
pub fn deal_owner_problem(
    tx: &dyn Tx,
    owner_id: &str,
    customer_id: &str,
) -> Result<Option<String>, ApiError> {
    let Some(user) = tx.get(Entity::Users, owner_id)?.filter(|u| !u.deleted) else {
        return Ok(Some(format!("no such user: {owner_id}")));
    };
    let user = user.record;
    let owner = Actor {
        id: owner_id.to_string(),
        username: text(&user, "username").unwrap_or(owner_id).to_string(),
        // An unknown role is treated as the one with the least reach.
        role: text(&user, "role")
            .and_then(Role::parse)
            .unwrap_or(Role::Agent),
        team_id: text(&user, "team_id").map(String::from),
    };
    let active = user.get("active") == Some(&Value::Bool(true));
    let read = tx.read_set(Entity::Customers, customer_id)?;
    Ok(access::deal_owner_problem(&owner, active, &read))
}

/// The opportunities in a stage (one is enough to refuse deleting it).
pub(super) fn stage_filter(stage_id: &str) -> ListQuery {
    ListQuery {
        filters: vec![("stage_id", Value::String(stage_id.into()))],
        sort: "created_at",
        limit: 1,
        ..ListQuery::default()
    }
}
