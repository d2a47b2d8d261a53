//! The duplicate review queue over the replica: the customers (or contacts) this user holds
//! compared by the server's duplicate keys (`crm_server::dedupe`), in one pass over their name,
//! phone and email columns (no record is built for customers); the screens read it on their
//! loading thread.

use crm_server::dedupe::{self, Keys};
use crm_server::schema::Entity;

use super::{LocalQuery, Replica, ReplicaError};

impl Replica {
    /// Pairs of customers (or contacts, `subject`) that agree on a duplicate key, each with the
    /// keys it agrees on, ordered by ids, at most `limit`.
    pub fn duplicate_pairs(
        &self,
        subject: Entity,
        limit: usize,
    ) -> Result<Vec<crm_server::dedupe::IdPair>, ReplicaError> {
        let mut keyed = Vec::new();
        if subject == Entity::Contacts {
            const COLUMNS: [&str; 6] = ["id", "customer_id", "name", "phone", "mobile", "email"];
            self.each_row(
                Entity::Contacts,
                &LocalQuery::default(),
                &COLUMNS,
                |row| -> Result<(), ReplicaError> {
                    let mut record = serde_json::Map::new();
                    for (i, column) in COLUMNS.iter().enumerate() {
                        if let Ok(Some(v)) = row.get::<_, Option<String>>(i) {
                            record.insert((*column).into(), serde_json::Value::String(v));
                        }
                    }
                    let keys = Keys::of_contact(&record);
                    if let Some(serde_json::Value::String(id)) = record.remove("id")
                        && keys != Keys::default()
                    {
                        keyed.push((id, keys));
                    }
                    Ok(())
                },
            )?;
            return Ok(dedupe::pairs(keyed, limit));
        }
        self.each_row(
            Entity::Customers,
            &LocalQuery::default(),
            &["id", "name", "phone", "email"],
            |row| -> Result<(), ReplicaError> {
                let text = |i: usize| row.get::<_, Option<String>>(i).ok().flatten();
                if let Some(id) = text(0) {
                    let keys =
                        Keys::new(text(1).as_deref(), text(2).as_deref(), text(3).as_deref());
                    if keys != Keys::default() {
                        keyed.push((id, keys));
                    }
                }
                Ok(())
            },
        )?;
        Ok(dedupe::pairs(keyed, limit))
    }
}
