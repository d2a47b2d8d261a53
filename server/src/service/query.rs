//! A list's query in the query language (`?q=`), resolved as the asking user: the records a
//! link names (`owner:li`, `stage:proposal`) are looked for among those this user may read.

use serde_json::Value;

use super::{list, now};
use crate::access::Actor;
use crate::catalog::CustomField;
use crate::error::ApiError;
use crate::query::{self, Condition, Term, Test};
use crate::schema::{Entity, Kind};
use crate::store::{ListQuery, Tx};

/// How many users a name is looked for among (every user of any real company).
const USERS_READ: usize = 10_000;

struct AsActor<'a> {
    tx: &'a dyn Tx,
    actor: &'a Actor,
}

impl query::Lookup for AsActor<'_> {
    type Error = ApiError;

    fn ids(&self, target: Entity, text: &str) -> Result<Vec<String>, ApiError> {
        let wanted = text.to_lowercase();
        let id_of =
            |r: &crate::store::Record| r.get("id").and_then(Value::as_str).map(String::from);
        if target == Entity::Users {
            let all = list(
                self.tx,
                self.actor,
                Entity::Users,
                &ListQuery {
                    sort: "username",
                    limit: USERS_READ,
                    ..ListQuery::default()
                },
            )?;
            return Ok(all
                .iter()
                .filter(|u| {
                    ["username", "display_name"].iter().any(|f| {
                        u.get(*f)
                            .and_then(Value::as_str)
                            .is_some_and(|v| v.to_lowercase() == wanted)
                    })
                })
                .filter_map(id_of)
                .collect());
        }
        // By number, then by title: prefixes found by the index (case-insensitive), kept when
        // whole.
        let descriptor = target.descriptor();
        for column in descriptor.number.into_iter().chain([descriptor.title]) {
            let Some(field) = target.field(column) else {
                continue;
            };
            if !matches!(field.kind, Kind::Text(_)) {
                continue;
            }
            let found = list(
                self.tx,
                self.actor,
                target,
                &ListQuery {
                    sort: "id",
                    limit: 200,
                    conditions: vec![Condition {
                        column: column.to_string(),
                        kind: field.kind,
                        test: Test::Prefix(vec![text.to_string()]),
                        negated: false,
                    }],
                    ..ListQuery::default()
                },
            )?;
            let ids: Vec<String> = found
                .iter()
                .filter(|r| {
                    r.get(column)
                        .and_then(Value::as_str)
                        .is_some_and(|v| v.to_lowercase() == wanted)
                })
                .filter_map(id_of)
                .collect();
            if !ids.is_empty() {
                return Ok(ids);
            }
        }
        Ok(Vec::new())
    }

    fn me(&self) -> Option<String> {
        Some(self.actor.id.clone())
    }

    fn list_codes(&self, list: crate::schema::ListName) -> Result<Vec<String>, ApiError> {
        let catalog = super::catalog::load(self.tx)?;
        Ok(catalog.items(list).map(|i| i.code.clone()).collect())
    }

    fn list_members(&self, entity: Entity, name: &str) -> Result<Option<Vec<String>>, ApiError> {
        let Some(found) =
            super::lists::named(self.tx, self.actor, Entity::StaticLists, entity, name)?
        else {
            return Ok(None);
        };
        let id = found.get("id").and_then(Value::as_str).unwrap_or_default();
        super::lists::members(self.tx, self.actor, id, crate::schema::MAX_LIST_MEMBERS).map(Some)
    }

    fn custom_fields(&self, entity: Entity) -> Result<Vec<CustomField>, ApiError> {
        let catalog = super::catalog::load_fields(self.tx)?;
        Ok(catalog
            .custom_fields(entity)
            .filter(|f| f.may_read(self.actor.role))
            .cloned()
            .collect())
    }

    fn saved_query(&self, entity: Entity, name: &str) -> Result<Option<String>, ApiError> {
        let found = super::lists::named(self.tx, self.actor, Entity::SavedQueries, entity, name)?;
        Ok(found.and_then(|r| r.get("query").and_then(Value::as_str).map(String::from)))
    }
}

/// The conditions of `terms` on a list of `entity` for `actor` (search words among them).
pub fn conditions(
    tx: &dyn Tx,
    actor: &Actor,
    entity: Entity,
    terms: &[Term],
) -> Result<Vec<Condition>, ApiError> {
    let resolved =
        query::resolve(entity, terms, now(), &AsActor { tx, actor })?.map_err(ApiError::Query)?;
    Ok(resolved.all_conditions())
}
