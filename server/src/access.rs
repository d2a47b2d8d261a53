//! Who may read and who may change each record. Pure decisions; the storage layer supplies the
//! parent records' access lists through [`Lookup`].
//!
//! Access is expressed as sets of principals: `all`, `agent`, `sales`, `managers`, `u:<user id>` and
//! `t:<team id>`. A user holds a few principals (see [`Actor::principals`]); a record has a read
//! set, stored beside it so lists and the change feed can filter in SQL, and a write set, computed
//! when a change is asked for. Admins bypass both.

use std::collections::BTreeSet;

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use crate::schema::Entity;

mod holding;
mod marketing;
mod readers;
mod relations;
mod roles;
mod writers;
pub use holding::{may_hold, may_hold_from};
pub use marketing::pool_principal;
use readers::attached_to;
pub use readers::read_set;
pub use roles::{capabilities, may_import, role_may_write};
pub use writers::write_set;
use writers::{list_writers, target_team};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    Admin,
    Manager,
    Sales,
    Agent,
}

impl Role {
    pub fn parse(s: &str) -> Option<Role> {
        match s {
            "admin" => Some(Role::Admin),
            "manager" => Some(Role::Manager),
            "sales" => Some(Role::Sales),
            "agent" => Some(Role::Agent),
            _ => None,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Role::Admin => "admin",
            Role::Manager => "manager",
            Role::Sales => "sales",
            Role::Agent => "agent",
        }
    }

    /// May set owners and teams on records.
    pub fn may_assign(self) -> bool {
        matches!(self, Role::Admin | Role::Manager)
    }
}

/// The signed-in user a request acts for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Actor {
    pub id: String,
    pub username: String,
    pub role: Role,
    pub team_id: Option<String>,
}

pub const ALL: &str = "all";
pub const AGENT: &str = "agent";
pub const MANAGERS: &str = "managers";
/// Held by sales people: with `managers`, everyone but the call centre (articles not for agents).
pub const SALES: &str = "sales";

pub fn user_principal(id: &str) -> String {
    format!("u:{id}")
}

pub fn team_principal(id: &str) -> String {
    format!("t:{id}")
}

/// Everyone in a team, whatever their role (a team principal is its managers): what a saved
/// query or static list shared with the team is read by.
pub fn member_principal(team: &str) -> String {
    format!("m:{team}")
}

impl Actor {
    pub fn is_admin(&self) -> bool {
        self.role == Role::Admin
    }

    /// The principals this user holds; a record is visible when its read set shares one.
    pub fn principals(&self) -> Vec<String> {
        let mut p = vec![ALL.to_string(), user_principal(&self.id)];
        if let Some(team) = &self.team_id {
            p.push(member_principal(team));
        }
        match self.role {
            Role::Admin => {}
            Role::Manager => {
                p.push(MANAGERS.to_string());
                if let Some(team) = &self.team_id {
                    p.push(team_principal(team));
                }
            }
            Role::Sales => {
                p.push(SALES.to_string());
                // A team's salespeople see its unassigned leads (`access/marketing.rs`).
                if let Some(team) = &self.team_id {
                    p.push(pool_principal(team));
                }
            }
            Role::Agent => p.push(AGENT.to_string()),
        }
        p
    }

    fn holds_any(&self, set: &BTreeSet<String>) -> bool {
        self.is_admin() || self.principals().iter().any(|p| set.contains(p))
    }

    pub fn may_read(&self, read: &BTreeSet<String>) -> bool {
        self.holds_any(read)
    }
}

/// What the access decisions need to know about records other than the one in hand.
pub trait Lookup {
    /// The stored read set of a live record, or None when it does not exist.
    fn read_set(&self, entity: Entity, id: &str) -> Option<BTreeSet<String>>;
    /// The team a user belongs to.
    fn team_of(&self, user_id: &str) -> Option<String>;
}

fn text<'a>(record: &'a Map<String, Value>, field: &str) -> Option<&'a str> {
    record.get(field).and_then(Value::as_str)
}

fn owner_principals(record: &Map<String, Value>, field: &str, lookup: &dyn Lookup) -> Vec<String> {
    let mut out = Vec::new();
    if let Some(user) = text(record, field) {
        out.push(user_principal(user));
        if let Some(team) = lookup.team_of(user) {
            out.push(team_principal(&team));
        }
    }
    out
}

fn parent(
    record: &Map<String, Value>,
    field: &str,
    entity: Entity,
    lookup: &dyn Lookup,
) -> BTreeSet<String> {
    text(record, field)
        .and_then(|id| lookup.read_set(entity, id))
        .unwrap_or_default()
}

/// Those who may change a customer: everyone who may read it but the read-only crowds.
fn writers_of(read: &BTreeSet<String>) -> BTreeSet<String> {
    read.iter()
        .filter(|p| *p != ALL && *p != AGENT)
        .cloned()
        .collect()
}

/// Why an actor may not do what they asked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Denied {
    /// The record is invisible to them: answer as if it did not exist.
    Hidden,
    /// They may see it but not do this.
    Forbidden(String),
}

/// May this manager read the audit trail of this record they can see? Users and teams are
/// visible to everyone, but a user's trail (their sign-ins) and a team's belong to that team: a
/// manager reads those of their own team, and never an admin's.
pub fn manager_may_audit(
    actor: &Actor,
    entity: Entity,
    id: &str,
    record: &Map<String, Value>,
) -> bool {
    let own_team = |team: Option<&str>| team.is_some() && team == actor.team_id.as_deref();
    match entity {
        Entity::Users => {
            id == actor.id
                || (text(record, "role") != Some("admin") && own_team(text(record, "team_id")))
        }
        Entity::Teams => own_team(Some(id)),
        _ => true,
    }
}

/// Why this user may not own a deal on a customer with this read set, or None when they may:
/// an owner sells (sales, manager or admin), is active, and can see the customer (its read set
/// holds one of their principals), or the deal would be theirs on a customer hidden from them.
pub fn deal_owner_problem(
    owner: &Actor,
    active: bool,
    customer_read: &BTreeSet<String>,
) -> Option<String> {
    let who = &owner.username;
    if owner.role == Role::Agent {
        return Some(format!(
            "{who} is a call-centre agent; only sales people, managers and admins own deals"
        ));
    }
    if !active {
        return Some(format!("{who} is not active; choose someone who is"));
    }
    if !owner.may_read(customer_read) {
        return Some(format!(
            "{who} cannot see this customer; share the customer with them first, or choose someone who can"
        ));
    }
    None
}

/// May the actor merge these two customers (each given with its read set)? Admins always; a
/// manager who may change both; a salesperson only two customers they own. The duplicate review
/// queue lists only the pairs this allows.
pub fn may_merge(
    actor: &Actor,
    a: (&Map<String, Value>, &BTreeSet<String>),
    b: (&Map<String, Value>, &BTreeSet<String>),
) -> Result<(), Denied> {
    if actor.is_admin() {
        return Ok(());
    }
    if !actor.may_read(a.1) || !actor.may_read(b.1) {
        return Err(Denied::Hidden);
    }
    let owns = |r: &Map<String, Value>| text(r, "owner_id") == Some(actor.id.as_str());
    let allowed = match actor.role {
        Role::Admin => true,
        Role::Manager => actor.holds_any(&writers_of(a.1)) && actor.holds_any(&writers_of(b.1)),
        Role::Sales => owns(a.0) && owns(b.0),
        Role::Agent => false,
    };
    if allowed {
        Ok(())
    } else {
        Err(Denied::Forbidden(
            "only a manager, an admin or the owner of both customers may merge them".into(),
        ))
    }
}

/// May the actor merge these two contacts (each given with its read set)? Whoever may change
/// both — a contact is its customer's writers' — and delete the one merged away; admins always.
/// Agents never (`role_may_write`). The contacts' review queue lists only the pairs this allows.
pub fn may_merge_contacts(
    actor: &Actor,
    a: (&Map<String, Value>, &BTreeSet<String>),
    b: (&Map<String, Value>, &BTreeSet<String>),
    lookup: &dyn Lookup,
) -> Result<(), Denied> {
    if actor.is_admin() {
        return Ok(());
    }
    role_may_write(actor.role, Entity::ContactMerges).map_err(Denied::Forbidden)?;
    for (record, read) in [a, b] {
        may_delete(actor, Entity::Contacts, record, read, lookup).map_err(|d| match d {
            Denied::Hidden => Denied::Hidden,
            Denied::Forbidden(_) => Denied::Forbidden(
                "only who may change both contacts' customers (their owner, a manager, an admin) may merge them"
                    .into(),
            ),
        })?;
    }
    Ok(())
}

/// May the actor change or delete this existing record?
pub fn may_change(
    actor: &Actor,
    entity: Entity,
    current: &Map<String, Value>,
    read: &BTreeSet<String>,
    lookup: &dyn Lookup,
) -> Result<(), Denied> {
    if actor.is_admin() {
        return Ok(());
    }
    if !actor.may_read(read) {
        return Err(Denied::Hidden);
    }
    if actor.holds_any(&write_set(entity, current, lookup)) {
        Ok(())
    } else {
        Err(Denied::Forbidden(format!(
            "you may read this {} but not change it",
            entity.noun()
        )))
    }
}

/// May the actor delete this record? Shared users may edit a customer but only its owner, a
/// manager of its team or an admin may delete it.
pub fn may_delete(
    actor: &Actor,
    entity: Entity,
    current: &Map<String, Value>,
    read: &BTreeSet<String>,
    lookup: &dyn Lookup,
) -> Result<(), Denied> {
    may_change(actor, entity, current, read, lookup)?;
    if entity == Entity::Targets
        && !actor.is_admin()
        && text(current, "user_id") == Some(actor.id.as_str())
    {
        return Err(Denied::Forbidden(
            "your own target is set by an admin; ask one".into(),
        ));
    }
    if entity == Entity::Customers && actor.role != Role::Admin && actor.role != Role::Manager {
        let owner = text(current, "owner_id");
        if owner != Some(actor.id.as_str()) {
            return Err(Denied::Forbidden(
                "only the customer's owner or a manager may delete it".into(),
            ));
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests;
