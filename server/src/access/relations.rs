//! Who reads and changes contact relations, territories, dealer assessments and dealers' targets.
//!
//! - A relation is read by whoever reads the contact it is about and changed by whoever may
//!   change that contact's customer; both of its contacts must be ones the writer can see.
//! - Territories are read by everyone (a customer names its territory) and kept by admins.
//! - A dealer's assessment follows the dealer: its people read and change it, the call centre
//!   does not see it.
//! - A dealer's target is read by the dealer's people and set by the managers of the teams that
//!   see the dealer (and admins), as a team's targets are.

use std::collections::BTreeSet;

use serde_json::{Map, Value};

use super::{AGENT, ALL, Actor, Denied, Lookup, Role, parent, writers_of};
use crate::schema::Entity;

pub(super) fn read_set(
    entity: Entity,
    record: &Map<String, Value>,
    lookup: &dyn Lookup,
) -> BTreeSet<String> {
    match entity {
        Entity::ContactRelations => parent(record, "contact_id", Entity::Contacts, lookup),
        Entity::Territories => BTreeSet::from([ALL.to_string()]),
        Entity::DealerAssessments => {
            let mut set = parent(record, "customer_id", Entity::Customers, lookup);
            set.remove(AGENT);
            set
        }
        _ => BTreeSet::new(),
    }
}

pub(super) fn write_set(
    entity: Entity,
    record: &Map<String, Value>,
    lookup: &dyn Lookup,
) -> BTreeSet<String> {
    match entity {
        Entity::Territories => BTreeSet::new(),
        _ => writers_of(&read_set(entity, record, lookup)),
    }
}

/// A dealer target's readers: the dealer's people, not the call centre.
pub(super) fn dealer_target_read(
    record: &Map<String, Value>,
    lookup: &dyn Lookup,
) -> BTreeSet<String> {
    let mut set = parent(record, "customer_id", Entity::Customers, lookup);
    set.remove(AGENT);
    set
}

/// Who sets a dealer's target: the managers of the teams that see the dealer.
pub(super) fn dealer_target_writers(
    record: &Map<String, Value>,
    lookup: &dyn Lookup,
) -> BTreeSet<String> {
    parent(record, "customer_id", Entity::Customers, lookup)
        .into_iter()
        .filter(|p| p.starts_with("t:"))
        .collect()
}

pub(super) fn may_hold_from(
    actor: &Actor,
    entity: Entity,
    record: &Map<String, Value>,
    lookup: &dyn Lookup,
    need_read: &dyn Fn(&str, Entity) -> Result<(), Denied>,
) -> Result<(), Denied> {
    match entity {
        Entity::ContactRelations => {
            need_read("contact_id", Entity::Contacts)?;
            need_read("related_id", Entity::Contacts)?;
            let contact = parent(record, "contact_id", Entity::Contacts, lookup);
            if actor.holds_any(&writers_of(&contact)) {
                Ok(())
            } else {
                Err(Denied::Forbidden(
                    "you may not change this contact's relations; ask the customer's owner or a manager"
                        .into(),
                ))
            }
        }
        Entity::Territories => Err(Denied::Forbidden(
            "only an admin may change territories".into(),
        )),
        Entity::DealerAssessments => {
            need_read("customer_id", Entity::Customers)?;
            let dealer = parent(record, "customer_id", Entity::Customers, lookup);
            if actor.holds_any(&writers_of(&dealer)) {
                Ok(())
            } else {
                Err(Denied::Forbidden(
                    "you may not assess this dealer; ask its owner or a manager".into(),
                ))
            }
        }
        _ => Ok(()),
    }
}

/// A dealer's target: set by a manager of a team that sees the dealer.
pub(super) fn may_set_dealer_target(
    actor: &Actor,
    record: &Map<String, Value>,
    lookup: &dyn Lookup,
    need_read: &dyn Fn(&str, Entity) -> Result<(), Denied>,
) -> Result<(), Denied> {
    need_read("customer_id", Entity::Customers)?;
    if actor.holds_any(&dealer_target_writers(record, lookup)) {
        Ok(())
    } else {
        Err(Denied::Forbidden(
            "you may set targets only for dealers your team sees".into(),
        ))
    }
}

/// The call centre reads relations but neither maps decisions nor assesses dealers; only
/// admins keep territories.
pub(super) fn role_may_write(role: Role, entity: Entity) -> Result<(), String> {
    match entity {
        Entity::Territories if role != Role::Admin => {
            Err("only an admin may change territories".into())
        }
        Entity::ContactRelations | Entity::DealerAssessments if role == Role::Agent => Err(
            "call-centre agents read contacts' relations and dealers but do not change them".into(),
        ),
        _ => Ok(()),
    }
}
