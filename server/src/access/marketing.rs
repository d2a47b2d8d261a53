//! Who reads and changes leads, campaigns and campaign members.
//!
//! - A lead with an owner is the owner's and their team's managers'; one without is the team's
//!   pool (`pool:<team>`, held by the team's salespeople, and `t:<team>`, its managers), so a
//!   salesperson sees their own leads and their team's unassigned ones, never another team's.
//!   A lead with neither owner nor team is the managers'.
//! - Campaigns are read by everyone (a lead or deal names its campaign); their owner and
//!   managers change them.
//! - A member is read by whoever reads the customer, contact or lead it names, and managers.

use std::collections::BTreeSet;

use serde_json::{Map, Value};

use super::{
    Actor, Denied, Lookup, MANAGERS, Role, owner_principals, parent, team_principal, text,
    user_principal, writers_of,
};
use crate::schema::Entity;

/// The principal a team's salespeople hold for the team's unassigned leads.
pub fn pool_principal(team: &str) -> String {
    format!("pool:{team}")
}

pub(super) fn read_set(
    entity: Entity,
    record: &Map<String, Value>,
    lookup: &dyn Lookup,
) -> BTreeSet<String> {
    let mut set = BTreeSet::new();
    match entity {
        Entity::Leads => {
            if text(record, "owner_id").is_some() {
                set.extend(owner_principals(record, "owner_id", lookup));
            } else if let Some(team) = text(record, "team_id") {
                set.insert(team_principal(team));
                set.insert(pool_principal(team));
            } else {
                set.insert(MANAGERS.to_string());
            }
        }
        Entity::Campaigns => {
            set.insert(super::ALL.to_string());
        }
        Entity::CampaignMembers => {
            set.extend(parent(record, "customer_id", Entity::Customers, lookup));
            set.extend(parent(record, "contact_id", Entity::Contacts, lookup));
            set.extend(parent(record, "lead_id", Entity::Leads, lookup));
            set.insert(MANAGERS.to_string());
        }
        _ => {}
    }
    set
}

pub(super) fn write_set(
    entity: Entity,
    record: &Map<String, Value>,
    lookup: &dyn Lookup,
) -> BTreeSet<String> {
    match entity {
        Entity::Campaigns => {
            let mut set = BTreeSet::from([MANAGERS.to_string()]);
            if let Some(owner) = text(record, "owner_id") {
                set.insert(user_principal(owner));
            }
            set
        }
        _ => writers_of(&read_set(entity, record, lookup)),
    }
}

pub(super) fn may_hold_from(
    actor: &Actor,
    entity: Entity,
    old: Option<&Map<String, Value>>,
    record: &Map<String, Value>,
    lookup: &dyn Lookup,
    need_read: &dyn Fn(&str, Entity) -> Result<(), Denied>,
) -> Result<(), Denied> {
    match entity {
        Entity::Leads => {
            need_read("campaign_id", Entity::Campaigns)?;
            need_read("customer_id", Entity::Customers)?;
            // A salesperson or agent takes a lead or hands it back; only managers give it to
            // someone else or move it to another team.
            if !actor.role.may_assign() {
                let owner = text(record, "owner_id");
                let was = old.and_then(|o| text(o, "owner_id"));
                if owner != was && owner.is_some_and(|o| o != actor.id) {
                    return Err(Denied::Forbidden(
                        "you may take a lead or hand it back; a manager assigns it to others"
                            .into(),
                    ));
                }
                let team = text(record, "team_id");
                let was_team = old.and_then(|o| text(o, "team_id"));
                if old.is_some() && team != was_team {
                    return Err(Denied::Forbidden(
                        "only a manager moves a lead to another team".into(),
                    ));
                }
            }
            // The new state must stay within the writer's sight (no lead put out of reach).
            if actor.may_read(&read_set(entity, record, lookup)) {
                Ok(())
            } else {
                Err(Denied::Forbidden(
                    "this lead would be out of your sight; leave it with you or your team".into(),
                ))
            }
        }
        Entity::Campaigns => {
            if actor.role == Role::Manager {
                return Ok(());
            }
            // Salespeople run their own campaigns.
            if text(record, "owner_id") == Some(actor.id.as_str()) {
                Ok(())
            } else {
                Err(Denied::Forbidden(
                    "you may run campaigns you own; a manager runs others".into(),
                ))
            }
        }
        Entity::CampaignMembers => {
            need_read("campaign_id", Entity::Campaigns)?;
            need_read("customer_id", Entity::Customers)?;
            need_read("contact_id", Entity::Contacts)?;
            need_read("lead_id", Entity::Leads)
        }
        _ => Ok(()),
    }
}

/// Agents take leads by phone but do not run campaigns.
pub(super) fn role_may_write(role: Role, entity: Entity) -> Result<(), String> {
    match entity {
        Entity::Campaigns | Entity::CampaignMembers if role == Role::Agent => {
            Err("call-centre agents work a campaign's calls but do not run campaigns".into())
        }
        _ => Ok(()),
    }
}
