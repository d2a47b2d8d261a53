//! The duplicate review queue over the replica: the customers this user holds compared by the
//! server's duplicate keys (`crm_server::dedupe`), in one pass over the customers' name, phone and
//! email columns (no record is built); the screens read it on their loading thread.

use crm_server::dedupe::{self, Keys};
use crm_server::schema::Entity;

use super::{LocalQuery, Replica, ReplicaError};

impl Replica {
    /// Pairs of customers that agree on a duplicate key, each with the keys it agrees on,
    /// ordered by ids, at most `limit`.
    pub fn duplicate_pairs(
        &self,
        limit: usize,
    ) -> Result<Vec<crm_server::dedupe::IdPair>, ReplicaError> {
        let mut keyed = Vec::new();
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
