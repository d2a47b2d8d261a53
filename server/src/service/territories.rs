//! Territories: their rules checked (regions and industries from the admin's lists, a unique
//! name), and applied on every customer create — the API's, the bulk import's and the demo's
//! all come through `service::create` — so a new customer in 华东 goes to that territory's
//! owner and team; again when a customer's region or industry changes (`follow_region`), and
//! to every customer when an admin asks after changing the rules (`apply`).

use serde_json::Value;

use super::products::where_eq;
use super::text;
use crate::access::{Actor, Role};
use crate::error::ApiError;
use crate::rules::territories::{Territory, assign};
use crate::schema::{Entity, ListName};
use crate::store::{ListQuery, Record, Tx};

/// Territories the assignment reads at most: an organisation has tens.
const MAX_TERRITORIES: usize = 1_000;

pub(super) fn prepare(tx: &dyn Tx, record: &mut Record) -> Result<(), ApiError> {
    let catalog = super::catalog::load(tx)?;
    for (field, list) in [
        ("regions", ListName::Regions),
        ("industries", ListName::Industries),
    ] {
        let codes: Vec<String> = record
            .get(field)
            .and_then(Value::as_array)
            .map(|a| {
                a.iter()
                    .filter_map(Value::as_str)
                    .map(String::from)
                    .collect()
            })
            .unwrap_or_default();
        let mut checked = Vec::with_capacity(codes.len());
        for code in codes {
            let code = catalog
                .check_code(list, &code)
                .map_err(|m| ApiError::invalid(field, m))?;
            if !checked.contains(&code) {
                checked.push(code);
            }
        }
        if field == "regions" && checked.is_empty() {
            return Err(ApiError::invalid(
                "regions",
                "name at least one region whose new customers this territory takes",
            ));
        }
        record.insert(field.into(), Value::from(checked));
    }
    let name = text(record, "name").unwrap_or_default();
    let id = text(record, "id");
    let taken = where_eq(tx, Entity::Territories, "name", name, MAX_TERRITORIES)?
        .iter()
        .any(|t| text(t, "id") != id);
    if taken {
        return Err(ApiError::Conflict {
            message: format!("a territory named {name} exists; choose another name"),
            existing: None,
        });
    }
    Ok(())
}

/// The active territories, for the rule.
fn active(tx: &dyn Tx) -> Result<Vec<Record>, ApiError> {
    Ok(tx.list(
        Entity::Territories,
        &ListQuery {
            filters: vec![("active", Value::Bool(true))],
            sort: "name",
            limit: MAX_TERRITORIES,
            ..ListQuery::default()
        },
        None,
    )?)
}

/// The territory the rule gives a customer of this region and industry, among `all`.
fn chosen<'a>(all: &'a [Record], record: &Record) -> Option<&'a Record> {
    let rules: Vec<Territory> = all.iter().filter_map(Territory::of).collect();
    let id = assign(&rules, text(record, "region"), text(record, "industry"))?.id;
    all.iter().find(|t| text(t, "id") == Some(id))
}

/// The territory's owner, when it names one who is still active.
fn active_owner(tx: &dyn Tx, territory: &Record) -> Result<Option<String>, ApiError> {
    let Some(owner) = text(territory, "owner_id") else {
        return Ok(None);
    };
    let active = tx
        .get(Entity::Users, owner)?
        .filter(|s| !s.deleted)
        .is_some_and(|s| s.record.get("active") == Some(&Value::Bool(true)));
    Ok(active.then(|| owner.to_string()))
}

/// Puts the customer in `territory`: its id, and — when `take_owner` — its active owner and
/// its team. Whoever entered or edited a customer that went to someone else keeps sight of
/// it (`shared_with`), unless they see it anyway.
fn place(
    tx: &dyn Tx,
    actor: &Actor,
    record: &mut Record,
    territory: Option<&Record>,
    take_owner: bool,
) -> Result<(), ApiError> {
    record.insert(
        "territory_id".into(),
        territory
            .and_then(|t| t.get("id").cloned())
            .unwrap_or(Value::Null),
    );
    let Some(territory) = territory.filter(|_| take_owner) else {
        return Ok(());
    };
    if let Some(owner) = active_owner(tx, territory)? {
        record.insert("owner_id".into(), Value::String(owner));
    }
    if let Some(team) = text(territory, "team_id").map(String::from) {
        record.insert("team_id".into(), Value::String(team));
    }
    let given_away = text(record, "owner_id").is_some_and(|o| o != actor.id);
    if given_away && actor.role == Role::Sales {
        let mut shared: Vec<Value> = record
            .get("shared_with")
            .and_then(Value::as_array)
            .cloned()
            .unwrap_or_default();
        if !shared.iter().any(|v| v.as_str() == Some(actor.id.as_str())) {
            shared.push(Value::String(actor.id.clone()));
        }
        record.insert("shared_with".into(), Value::Array(shared));
    }
    Ok(())
}

/// On a customer's create: the territory its region (and industry) falls in, unless one was
/// named; its owner when the create named none, and its team.
pub(super) fn assign_on_create(
    tx: &dyn Tx,
    actor: &Actor,
    record: &mut Record,
) -> Result<(), ApiError> {
    let all;
    let territory = match text(record, "territory_id") {
        Some(id) => tx
            .get(Entity::Territories, id)?
            .filter(|s| !s.deleted)
            .map(|s| s.record),
        None => {
            all = active(tx)?;
            chosen(&all, record).cloned()
        }
    };
    if territory.is_none() {
        return Ok(());
    }
    let owner_named = record.get("owner_id").is_some_and(|o| !o.is_null());
    place(tx, actor, record, territory.as_ref(), !owner_named)
}

/// On a customer's change: when its region or industry moved (and the change names no
/// territory itself), the territory by the same rule as on create, and the new territory's
/// owner and team unless the change names an owner. A customer whose new region no territory
/// covers leaves its territory and keeps its owner. The update's audit entry records it.
pub(super) fn follow_region(
    tx: &dyn Tx,
    actor: &Actor,
    old: &Record,
    record: &mut Record,
) -> Result<(), ApiError> {
    let moved = ["region", "industry"]
        .iter()
        .any(|f| old.get(*f) != record.get(*f));
    if !moved || old.get("territory_id") != record.get("territory_id") {
        return Ok(());
    }
    let all = active(tx)?;
    let territory = chosen(&all, record);
    let now = territory.and_then(|t| text(t, "id"));
    if now == text(old, "territory_id") {
        return Ok(());
    }
    let owner_named = old.get("owner_id") != record.get("owner_id");
    place(tx, actor, record, territory, !owner_named)
}

/// What `apply` did, or would do when it is a dry run.
#[derive(Debug, Clone, Default, serde::Serialize)]
pub struct Applied {
    /// Customers read.
    pub customers: usize,
    /// Of them, put in another territory (or out of one).
    pub moved: usize,
    /// Of those, given to the territory's owner.
    pub owners: usize,
    /// The last customer read (`created_at`, `id`): where the next batch starts; None at the end.
    pub next: Option<(String, String)>,
}

/// Customers `apply` reads in one transaction.
pub const APPLY_BATCH: usize = 500;

/// The admin's bulk reassignment after the territory rules changed: one batch of customers
/// (after `after`, in creation order) each put where the rule now says, through
/// `service::update` — the same checks, the same audit entry (by the admin), the same feed —
/// with the territory's owner and team when the territory names an owner. Nothing is written
/// when `dry_run`.
pub fn apply(
    tx: &dyn Tx,
    actor: &Actor,
    after: Option<(String, String)>,
    dry_run: bool,
) -> Result<Applied, ApiError> {
    if actor.role != Role::Admin {
        return Err(ApiError::forbidden(
            "only an admin may reassign customers to territories",
        ));
    }
    let all = active(tx)?;
    let page = tx.list(
        Entity::Customers,
        &ListQuery {
            sort: "created_at",
            after: after.map(|(at, id)| (Value::String(at), id)),
            limit: APPLY_BATCH,
            ..ListQuery::default()
        },
        None,
    )?;
    let mut done = Applied {
        customers: page.len(),
        ..Applied::default()
    };
    for customer in &page {
        let territory = chosen(&all, customer);
        let now = territory.and_then(|t| text(t, "id"));
        if now == text(customer, "territory_id") {
            continue;
        }
        done.moved += 1;
        let mut patch = Record::new();
        patch.insert("territory_id".into(), now.map_or(Value::Null, Value::from));
        if let Some(owner) = territory
            .map(|t| active_owner(tx, t))
            .transpose()?
            .flatten()
            && text(customer, "owner_id") != Some(owner.as_str())
        {
            done.owners += 1;
            patch.insert("owner_id".into(), Value::String(owner));
            if let Some(team) = territory.and_then(|t| text(t, "team_id")) {
                patch.insert("team_id".into(), Value::from(team));
            }
        }
        if !dry_run {
            let id = text(customer, "id").unwrap_or_default();
            super::update(tx, actor, Entity::Customers, id, &patch, None)?;
        }
    }
    if page.len() == APPLY_BATCH {
        done.next = page.last().and_then(|c| {
            Some((
                text(c, "created_at")?.to_string(),
                text(c, "id")?.to_string(),
            ))
        });
    }
    Ok(done)
}
