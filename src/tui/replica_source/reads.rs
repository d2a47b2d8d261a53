//! The replica reads the views build on: the data state, pages of a list up to the scan cap,
//! a customer query and a search folded into a query.

use super::*;

impl ReplicaSource {
    /// What cached views depend on: the sync position, the outbox, and writes made here.
    pub(super) fn state(&self) -> DataState {
        let status = self.replica.status().ok();
        (
            status.as_ref().map_or(0, |s| s.cursor),
            status.as_ref().map_or(0, |s| s.pending_writes),
            self.writes,
        )
    }

    pub(super) fn list(&self, entity: Entity, q: &LocalQuery) -> Result<Vec<Record>, DataError> {
        Ok(self
            .replica
            .list(entity, q)
            .map_err(storage)?
            .into_iter()
            .map(fields)
            .collect())
    }

    /// Every record matching `filters`, in pages, up to the scan cap.
    pub(super) fn all(
        &self,
        entity: Entity,
        filters: Vec<(&str, Value)>,
        sort: &str,
        descending: bool,
    ) -> Result<Vec<Record>, DataError> {
        let mut out = Vec::new();
        loop {
            let page = self.list(
                entity,
                &query(filters.clone(), sort, descending, out.len(), PAGE),
            )?;
            let n = page.len();
            out.extend(page);
            if n < PAGE || out.len() >= SCAN_CAP {
                return Ok(out);
            }
        }
    }

    pub(super) fn customer_query(
        &self,
        q: &CustomerQuery,
        offset: usize,
        limit: usize,
    ) -> LocalQuery {
        let mut filters: Vec<(&str, Value)> = Vec::new();
        if let Some(l) = &q.level {
            filters.push(("level", json!(l)));
        }
        if let Some(o) = &q.owner_id {
            filters.push(("owner_id", json!(o)));
        }
        if let Some(l) = &q.lifecycle {
            filters.push(("lifecycle", json!(l)));
        }
        if let Some(r) = &q.region {
            filters.push(("region", json!(r)));
        }
        let sort = match q.sort {
            CustomerSort::Code => "code",
            CustomerSort::Updated => "updated_at",
            // Level is not a sortable column of the replica; `customer_sorts` does not offer it.
            CustomerSort::Name | CustomerSort::Level => "name",
        };
        let mut lq = query(filters, sort, q.descending, offset, limit);
        self.search_or_query(Entity::Customers, &q.search, &mut lq);
        // Typing in the search without filters lists the best matches first, whatever the
        // list was sorted by (`Replica::find_customers`).
        if lq.search.is_some() && lq.filters.is_empty() && lq.conditions.is_empty() {
            lq.sort = None;
        }
        lq
    }

    /// What was typed after `/`: plain words are the list's search; text in the query language
    /// (`level:A -lifecycle:lost 深圳`, `crm_server::query::looks_like_query`) is resolved here
    /// into conditions and words. A query that does not read matches nothing (the screen shows
    /// why, `DataSource::query_problem`).
    pub(super) fn search_or_query(&self, entity: Entity, text: &str, lq: &mut LocalQuery) {
        let text = text.trim();
        if text.is_empty() {
            return;
        }
        if !crm_server::query::looks_like_query(text) {
            lq.search = Some(text.to_string());
            return;
        }
        match self
            .replica
            .resolve_query(entity, text, self.replica.clock().now())
        {
            Ok(Ok(resolved)) => lq.add_query(resolved),
            _ => lq.conditions.push(crm_server::query::Condition::nothing()),
        }
    }
}
