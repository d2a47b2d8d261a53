//! The admin's lists and custom fields read in a transaction, and the rules of writing them:
//! a list item's code unique in its list, a field definition's key unique in its entity and
//! naming an entity that has custom fields, its kind's choices or linked entity given, its
//! roles real ones.

use serde_json::Value;

use crate::catalog::Catalog;
use crate::error::ApiError;
use crate::schema::{CUSTOM_FIELD, Entity, FIELD_ROLES};
use crate::store::{ListQuery, Record, Tx};

/// More than any admin defines; a bound so a read never grows without one.
const MAX_ROWS: usize = 10_000;

/// The lists and custom fields in force, as this transaction sees them.
pub fn load(tx: &dyn Tx) -> Result<Catalog, ApiError> {
    let all = |entity: Entity| {
        tx.list(
            entity,
            &ListQuery {
                sort: "position",
                limit: MAX_ROWS,
                ..ListQuery::default()
            },
            None,
        )
    };
    let items = all(Entity::ListItems)?;
    let fields = all(Entity::FieldDefinitions)?;
    Ok(Catalog::from_records(&items, &fields))
}

/// Only the custom field definitions (the list items are not needed to strip a record).
pub fn load_fields(tx: &dyn Tx) -> Result<Catalog, ApiError> {
    let fields = tx.list(
        Entity::FieldDefinitions,
        &ListQuery {
            sort: "position",
            limit: MAX_ROWS,
            ..ListQuery::default()
        },
        None,
    )?;
    Ok(Catalog::from_records(std::iter::empty(), &fields))
}

fn text<'a>(record: &'a Record, field: &str) -> &'a str {
    record
        .get(field)
        .and_then(Value::as_str)
        .unwrap_or_default()
}

fn taken(
    tx: &dyn Tx,
    entity: Entity,
    filters: Vec<(&'static str, Value)>,
    id: &str,
) -> Result<bool, ApiError> {
    let same = tx.list(
        entity,
        &ListQuery {
            filters,
            sort: "created_at",
            limit: 2,
            ..ListQuery::default()
        },
        None,
    )?;
    Ok(same.iter().any(|r| text(r, "id") != id))
}

/// A list item: its code unique in its list (without regard to case).
pub(super) fn prepare_item(tx: &dyn Tx, record: &Record) -> Result<(), ApiError> {
    let code = text(record, "code");
    if let Some(message) = crate::validate::refused_character(code, false) {
        return Err(ApiError::invalid("code", message));
    }
    let list = text(record, "list");
    let same = tx.list(
        Entity::ListItems,
        &ListQuery {
            filters: vec![("list", Value::String(list.into()))],
            sort: "position",
            limit: MAX_ROWS,
            ..ListQuery::default()
        },
        None,
    )?;
    let id = text(record, "id");
    if same
        .iter()
        .any(|r| text(r, "id") != id && text(r, "code").to_lowercase() == code.to_lowercase())
    {
        return Err(ApiError::Conflict {
            message: format!("the list {list} already has the code {code}"),
            existing: None,
        });
    }
    Ok(())
}

/// A field definition: an entity with custom fields, a key of letters, digits and `_` (or
/// Chinese) unique in it, choices for the choice kinds, an entity to link to, real roles. Its
/// entity and key never change: values are stored under them.
pub(super) fn prepare_field(
    tx: &dyn Tx,
    old: Option<&Record>,
    record: &Record,
) -> Result<(), ApiError> {
    let entity_name = text(record, "entity");
    let entity = Entity::from_name(entity_name)
        .filter(|e| e.field(CUSTOM_FIELD).is_some())
        .ok_or_else(|| {
            let with: Vec<&str> = Entity::ALL
                .iter()
                .filter(|e| e.field(CUSTOM_FIELD).is_some())
                .map(|e| e.name())
                .collect();
            ApiError::invalid("entity", format!("must be one of: {}", with.join(", ")))
        })?;
    let key = text(record, "key");
    if key.is_empty()
        || key
            .chars()
            .any(|c| !(c.is_alphanumeric() || c == '_') || c.is_control())
    {
        return Err(ApiError::invalid(
            "key",
            "must be letters, digits and _ only (it names the value in the record's custom map)",
        ));
    }
    if let Some(old) = old {
        for fixed in ["entity", "key"] {
            if old.get(fixed) != record.get(fixed) {
                return Err(ApiError::invalid(
                    fixed,
                    "cannot change: values are stored under it; define a new field instead",
                ));
            }
        }
    }
    let kind = text(record, "kind");
    let choices = record
        .get("choices")
        .and_then(Value::as_array)
        .map_or(0, Vec::len);
    if matches!(kind, "choice" | "multi_choice") && choices == 0 {
        return Err(ApiError::invalid(
            "choices",
            "a choice field needs its choices",
        ));
    }
    if kind == "link" && Entity::from_name(text(record, "link")).is_none() {
        return Err(ApiError::invalid(
            "link",
            "must name the entity a link field points to (customers, contacts…)",
        ));
    }
    for roles in ["read_roles", "write_roles"] {
        if let Some(bad) = record
            .get(roles)
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .filter_map(Value::as_str)
            .find(|r| !FIELD_ROLES.contains(r))
        {
            return Err(ApiError::invalid(
                roles,
                format!("{bad} is not a role; roles are {}", FIELD_ROLES.join(", ")),
            ));
        }
    }
    if taken(
        tx,
        Entity::FieldDefinitions,
        vec![
            ("entity", Value::String(entity.name().into())),
            ("key", Value::String(key.into())),
        ],
        text(record, "id"),
    )? {
        return Err(ApiError::Conflict {
            message: format!("{entity_name} already has a custom field {key}"),
            existing: None,
        });
    }
    Ok(())
}
