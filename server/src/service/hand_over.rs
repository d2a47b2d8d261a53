//! A salesperson who leaves hands their work to another (000 §2, 客户资源流失): their customers,
//! open opportunities, planned activities, open leads and campaigns, and the open tickets
//! assigned to them, each moved by `service::update` — so read sets, the feed, the audit trail
//! and the deal-owner rule are the usual ones — then the user disabled, in one transaction.

use serde_json::{Value, json};

use super::products::{EVERY, where_eq};
use crate::access::Actor;
use crate::error::ApiError;
use crate::schema::Entity;
use crate::store::{Record, Tx};

/// How many records of each kind moved.
#[derive(Debug, Default, Clone, PartialEq, Eq, serde::Serialize)]
pub struct HandedOver {
    pub customers: usize,
    pub opportunities: usize,
    pub activities: usize,
    pub leads: usize,
    pub campaigns: usize,
    pub tickets: usize,
}

fn still_open(tx: &dyn Tx, entity: Entity, r: &Record) -> Result<bool, ApiError> {
    let text = |f: &str| r.get(f).and_then(Value::as_str);
    Ok(match entity {
        Entity::Opportunities => match text("stage_id") {
            Some(stage) => tx
                .get(Entity::Stages, stage)?
                .is_none_or(|s| s.record.get("kind").and_then(Value::as_str) == Some("open")),
            None => true,
        },
        Entity::Activities => r.get("done") != Some(&Value::Bool(true)),
        Entity::Leads => !matches!(text("status"), Some("converted" | "disqualified")),
        Entity::Campaigns => !matches!(text("status"), Some("completed" | "cancelled")),
        Entity::Tickets => !matches!(text("status"), Some("resolved" | "closed")),
        _ => true,
    })
}

/// Gives the open ones of these records to `to` (their `field`: owner or assignee), each by
/// `service::update` as `actor`; returns how many moved. A leaver's hand-over and a bulk
/// reassignment's "with their open deals and activities" both move work through it.
pub(super) fn move_open(
    tx: &dyn Tx,
    actor: &Actor,
    entity: Entity,
    field: &str,
    records: Vec<Record>,
    to: &str,
) -> Result<usize, ApiError> {
    let mut moved = 0;
    for record in records {
        if !still_open(tx, entity, &record)? {
            continue;
        }
        let Some(id) = record.get("id").and_then(Value::as_str) else {
            continue;
        };
        if record.get(field).and_then(Value::as_str) == Some(to) {
            continue;
        }
        let patch = json!({ field: to });
        super::update(
            tx,
            actor,
            entity,
            id,
            patch.as_object().unwrap_or(&Record::new()),
            None,
        )?;
        moved += 1;
    }
    Ok(moved)
}

/// Moves `from`'s work to `to` (an active user) as `actor` (an admin), then disables `from`.
pub fn hand_over(tx: &dyn Tx, actor: &Actor, from: &str, to: &str) -> Result<HandedOver, ApiError> {
    if from == to {
        return Err(ApiError::invalid(
            "reassign_to",
            "is the user being disabled; name another",
        ));
    }
    let target = tx
        .get(Entity::Users, to)?
        .filter(|u| !u.deleted && u.record.get("active") == Some(&Value::Bool(true)))
        .ok_or_else(|| ApiError::invalid("reassign_to", "no such active user"))?;
    if target.record.get("role").and_then(Value::as_str) == Some("agent") {
        return Err(ApiError::invalid(
            "reassign_to",
            "is a call-centre agent, who owns no customers; name a salesperson or manager",
        ));
    }
    let mut done = HandedOver::default();
    // Customers first: a deal's new owner must see its customer.
    for (entity, field) in [
        (Entity::Customers, "owner_id"),
        (Entity::Opportunities, "owner_id"),
        (Entity::Activities, "owner_id"),
        (Entity::Leads, "owner_id"),
        (Entity::Campaigns, "owner_id"),
        (Entity::Tickets, "assignee_id"),
    ] {
        let records = where_eq(tx, entity, field, from, EVERY)?;
        let moved = move_open(tx, actor, entity, field, records, to)?;
        let count = match entity {
            Entity::Customers => &mut done.customers,
            Entity::Opportunities => &mut done.opportunities,
            Entity::Activities => &mut done.activities,
            Entity::Leads => &mut done.leads,
            Entity::Campaigns => &mut done.campaigns,
            _ => &mut done.tickets,
        };
        *count += moved;
    }
    let off = json!({"active": false});
    super::update(
        tx,
        actor,
        Entity::Users,
        from,
        off.as_object().unwrap_or(&Record::new()),
        None,
    )?;
    Ok(done)
}
