//! The admin's lists and custom fields as this replica holds them: synced like any record, so a
//! field an admin defines is known after the next sync, with no rebuild and no resync.

use crm_server::catalog::Catalog;
use crm_server::schema::Entity;

use super::query::LocalQuery;
use super::{Replica, ReplicaError};

/// More than any admin defines.
const MAX_ROWS: usize = 10_000;

impl Replica {
    /// The lists and custom fields in force here. A list this copy holds no item of takes any
    /// value (before the first sync); the server checks it anyway.
    pub fn catalog(&self) -> Result<Catalog, ReplicaError> {
        let all = |entity: Entity| {
            self.list(
                entity,
                &LocalQuery {
                    sort: Some("position".into()),
                    limit: MAX_ROWS,
                    ..LocalQuery::default()
                },
            )
        };
        let items = all(Entity::ListItems)?;
        let fields = all(Entity::FieldDefinitions)?;
        Ok(Catalog::from_records(
            items.iter().map(|r| &r.fields),
            fields.iter().map(|r| &r.fields),
        )
        .open_when_empty())
    }
}
