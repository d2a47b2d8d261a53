//! The query language (`crm_server::query`) on the replica: a query's links looked up in the
//! replica's own tables, its conditions laid on a `LocalQuery` and rendered to SQL by the
//! server's renderer (`query::sql`), so the screens, the CLI and the API filter alike.

use chrono::{DateTime, Utc};
use crm_server::catalog::CustomField;
use crm_server::query::{self, Condition, QueryError, Resolved};
use crm_server::schema::{Entity, Kind};
use rusqlite::OptionalExtension;
use rusqlite::types::Value as SqlValue;
use serde_json::Value;

use super::query::LocalQuery;
use super::schema::{self, search_fields};
use super::{Replica, ReplicaError};

impl query::Lookup for Replica {
    type Error = ReplicaError;

    fn ids(&self, target: Entity, text: &str) -> Result<Vec<String>, ReplicaError> {
        let table = schema::table(target);
        let columns: Vec<&str> = if target == Entity::Users {
            vec!["username", "display_name"]
        } else {
            let d = target.descriptor();
            d.number.into_iter().chain([d.title]).collect()
        };
        for column in columns {
            if !table
                .column(column)
                .is_some_and(|c| matches!(c.kind, Kind::Text(_)))
            {
                continue;
            }
            let sql = format!(
                "SELECT id FROM {} WHERE {column} = ?1 COLLATE NOCASE LIMIT 200",
                target.name()
            );
            let mut stmt = self.db.prepare_cached(&sql)?;
            let ids: Vec<String> = stmt
                .query_map([text], |r| r.get(0))?
                .collect::<Result<_, _>>()?;
            if !ids.is_empty() {
                return Ok(ids);
            }
        }
        Ok(Vec::new())
    }

    fn me(&self) -> Option<String> {
        self.user_id().ok().flatten()
    }

    fn list_codes(&self, list: crm_server::schema::ListName) -> Result<Vec<String>, ReplicaError> {
        Ok(self
            .catalog()?
            .items(list)
            .map(|i| i.code.clone())
            .collect())
    }

    fn list_members(
        &self,
        entity: Entity,
        name: &str,
    ) -> Result<Option<Vec<String>>, ReplicaError> {
        let Some(id) = self.named(Entity::StaticLists, "id", entity, name)? else {
            return Ok(None);
        };
        let mut stmt = self.db.prepare_cached(&format!(
            "SELECT record_id FROM list_members WHERE list_id = ?1 ORDER BY rowid LIMIT {}",
            crm_server::schema::MAX_LIST_MEMBERS
        ))?;
        let ids = stmt
            .query_map([id], |r| r.get(0))?
            .collect::<Result<_, _>>()?;
        Ok(Some(ids))
    }

    fn custom_fields(&self, entity: Entity) -> Result<Vec<CustomField>, ReplicaError> {
        // The server sends no values of a field hidden from this role; its name is unknown
        // here as it is on the server.
        let role = self.role().ok();
        Ok(self
            .catalog()?
            .custom_fields(entity)
            .filter(|f| role.is_none_or(|r| f.may_read(r)))
            .cloned()
            .collect())
    }

    fn saved_query(&self, entity: Entity, name: &str) -> Result<Option<String>, ReplicaError> {
        self.named(Entity::SavedQueries, "query", entity, name)
    }
}

impl Replica {
    /// A column of the saved query or static list (`of`) of `entity` called `name`: the
    /// user's own first, else one shared with them (the replica holds only what they may read).
    fn named(
        &self,
        of: Entity,
        column: &str,
        entity: Entity,
        name: &str,
    ) -> Result<Option<String>, ReplicaError> {
        let me = self.user_id()?.unwrap_or_default();
        let sql = format!(
            "SELECT {column} FROM {} WHERE entity = ?1 AND name = ?2 COLLATE NOCASE \
             ORDER BY created_by IS NOT ?3, rowid LIMIT 1",
            of.name()
        );
        let found = self
            .db
            .prepare_cached(&sql)?
            .query_row(rusqlite::params![entity.name(), name, me], |r| r.get(0))
            .optional()?;
        Ok(found)
    }
}

impl Replica {
    /// Reads `text` in the query language for a list of `entity`: the outer error is the
    /// replica failing, the inner one the query (with the position of the wrong word).
    pub fn resolve_query(
        &self,
        entity: Entity,
        text: &str,
        now: DateTime<Utc>,
    ) -> Result<Result<Resolved, QueryError>, ReplicaError> {
        let terms = match query::parse(text) {
            Ok(t) => t,
            Err(e) => return Ok(Err(e)),
        };
        query::resolve(entity, &terms, now, self)
    }
}

impl LocalQuery {
    /// Adds a resolved query: its conditions, and its words to the search.
    pub fn add_query(&mut self, resolved: Resolved) {
        self.conditions.extend(resolved.conditions);
        if !resolved.search.is_empty() {
            let mut words: Vec<String> = self.search.take().into_iter().collect();
            words.extend(resolved.search);
            self.search = Some(words.join(" "));
        }
    }
}

/// The conditions of a query as SQL on the replica's table `c`; pushes their parameters.
pub(super) fn render(entity: Entity, conditions: &[Condition], args: &mut Vec<SqlValue>) -> String {
    // A search word left out: customers and contacts by the replica's search text (names with
    // their pinyin, codes, emails), others by their search fields.
    let search: &[&str] = if matches!(entity, Entity::Customers | Entity::Contacts) {
        &["search"]
    } else {
        search_fields(entity)
    };
    query::sql::render(
        conditions,
        query::sql::Dialect::Sqlite,
        "c.",
        search,
        &mut |value: Value, _| {
            args.push(crm_server::store::columns::to_sql(&value));
            format!("?{}", args.len())
        },
    )
}
