//! Territories: their rules checked (regions and industries from the admin's lists, a unique
//! name), and applied on every customer create — the API's, the bulk import's and the demo's
//! all come through `service::create` — so a new customer in 华东 goes to that territory's
//! owner and team.

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

/// On a customer's create: the territory its region (and industry) falls in, unless one was
/// named; its owner when the create named none, and its team. Whoever entered a customer that
/// went to someone else keeps sight of it (`shared_with`), unless they see it anyway.
pub(super) fn assign_on_create(
    tx: &dyn Tx,
    actor: &Actor,
    record: &mut Record,
) -> Result<(), ApiError> {
    let territory = match text(record, "territory_id") {
        Some(id) => tx
            .get(Entity::Territories, id)?
            .filter(|s| !s.deleted)
            .map(|s| s.record),
        None => {
            let all = tx.list(
                Entity::Territories,
                &ListQuery {
                    filters: vec![("active", Value::Bool(true))],
                    sort: "name",
                    limit: MAX_TERRITORIES,
                    ..ListQuery::default()
                },
                None,
            )?;
            let rules: Vec<Territory> = all.iter().filter_map(Territory::of).collect();
            let chosen = assign(&rules, text(record, "region"), text(record, "industry"))
                .map(|t| t.id.to_string());
            chosen.and_then(|id| all.into_iter().find(|t| text(t, "id") == Some(id.as_str())))
        }
    };
    let Some(territory) = territory else {
        return Ok(());
    };
    record.insert(
        "territory_id".into(),
        territory.get("id").cloned().unwrap_or(Value::Null),
    );
    let owner_named = record.get("owner_id").is_some_and(|o| !o.is_null());
    if owner_named {
        return Ok(());
    }
    let owner = text(&territory, "owner_id").map(String::from);
    let team = text(&territory, "team_id").map(String::from);
    if let Some(owner) = &owner {
        let active = tx
            .get(Entity::Users, owner)?
            .filter(|s| !s.deleted)
            .is_some_and(|s| s.record.get("active") == Some(&Value::Bool(true)));
        if active {
            record.insert("owner_id".into(), Value::String(owner.clone()));
        }
    }
    if let Some(team) = team {
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
