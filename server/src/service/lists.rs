//! Saved queries and static lists: what names an entity names a real one and never changes,
//! a saved query reads in the query language, a member is a record of its list's entity that
//! the one adding it may see, and a list holds at most `MAX_LIST_MEMBERS`.

use serde_json::Value;

use super::{get, list};
use crate::access::Actor;
use crate::error::ApiError;
use crate::query::{self, Condition, Test};
use crate::schema::{Entity, Kind, MAX_LIST_MEMBERS};
use crate::store::{ListQuery, Record, Tx};

fn text<'a>(record: &'a Record, field: &str) -> Option<&'a str> {
    record.get(field).and_then(Value::as_str)
}

pub fn prepare(
    tx: &dyn Tx,
    actor: &Actor,
    entity: Entity,
    old: Option<&Record>,
    record: &mut Record,
) -> Result<(), ApiError> {
    match entity {
        Entity::SavedQueries | Entity::StaticLists => {
            let named = text(record, "entity").unwrap_or_default();
            if Entity::from_name(named).is_none() {
                return Err(ApiError::invalid(
                    "entity",
                    format!(
                        "no kind of record is called {named} (customers, contacts, opportunities…)"
                    ),
                ));
            }
            if let Some(old) = old
                && text(old, "entity") != Some(named)
            {
                return Err(ApiError::invalid(
                    "entity",
                    "what a saved query or list holds never changes: make a new one",
                ));
            }
            if entity == Entity::SavedQueries
                && let Err(e) = query::parse(text(record, "query").unwrap_or_default())
            {
                return Err(ApiError::invalid("query", e.to_string()));
            }
        }
        Entity::ListMembers => {
            let list_id = text(record, "list_id").unwrap_or_default().to_string();
            if let Some(old) = old
                && (text(old, "list_id") != Some(&list_id)
                    || text(old, "record_id") != text(record, "record_id"))
            {
                return Err(ApiError::invalid(
                    "record_id",
                    "a member is added or removed, never changed",
                ));
            }
            let list_record = get(tx, actor, Entity::StaticLists, &list_id).map_err(|_| {
                ApiError::invalid("list_id", "no such static list that you can see")
            })?;
            let of = text(&list_record, "entity")
                .and_then(Entity::from_name)
                .ok_or_else(|| ApiError::invalid("list_id", "the list names no kind of record"))?;
            let record_id = text(record, "record_id").unwrap_or_default();
            if get(tx, actor, of, record_id).is_err() {
                return Err(ApiError::invalid(
                    "record_id",
                    format!("no such {} that you can see", of.noun()),
                ));
            }
            if old.is_none()
                && members(tx, actor, &list_id, MAX_LIST_MEMBERS + 1)?.len() >= MAX_LIST_MEMBERS
            {
                return Err(ApiError::invalid(
                    "list_id",
                    format!("a list holds at most {MAX_LIST_MEMBERS} records: start another"),
                ));
            }
        }
        _ => {}
    }
    Ok(())
}

/// The record ids in a static list, at most `limit`.
pub fn members(
    tx: &dyn Tx,
    actor: &Actor,
    list_id: &str,
    limit: usize,
) -> Result<Vec<String>, ApiError> {
    let found = list(
        tx,
        actor,
        Entity::ListMembers,
        &ListQuery {
            sort: "id",
            limit,
            conditions: vec![Condition {
                column: "list_id".into(),
                kind: Kind::Ref(Entity::StaticLists),
                test: Test::AnyOf(vec![Value::String(list_id.to_string())]),
                negated: false,
            }],
            ..ListQuery::default()
        },
    )?;
    Ok(found
        .iter()
        .filter_map(|r| text(r, "record_id").map(String::from))
        .collect())
}

/// The saved query or static list (`of`) of `entity` called `name` (case-insensitive) that
/// `actor` may read: their own first, else one shared with them.
pub fn named(
    tx: &dyn Tx,
    actor: &Actor,
    of: Entity,
    entity: Entity,
    name: &str,
) -> Result<Option<Record>, ApiError> {
    let found = list(
        tx,
        actor,
        of,
        &ListQuery {
            sort: "id",
            limit: 200,
            conditions: vec![
                Condition {
                    column: "entity".into(),
                    kind: Kind::Text(50),
                    test: Test::AnyOf(vec![Value::String(entity.name().to_string())]),
                    negated: false,
                },
                Condition {
                    column: "name".into(),
                    kind: Kind::Text(100),
                    test: Test::Prefix(vec![name.to_string()]),
                    negated: false,
                },
            ],
            ..ListQuery::default()
        },
    )?;
    let wanted = name.to_lowercase();
    let mut same: Vec<Record> = found
        .into_iter()
        .filter(|r| text(r, "name").is_some_and(|n| n.to_lowercase() == wanted))
        .collect();
    same.sort_by_key(|r| text(r, "created_by") != Some(actor.id.as_str()));
    Ok(same.into_iter().next())
}
