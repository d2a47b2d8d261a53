//! The ticket queue over the replica: sorted by urgency, cached for its query and data state,
//! and narrowed by a search.

use super::*;

impl ReplicaSource {
    pub(super) fn sorted_queue(&self, q: &TicketQuery) -> Result<Vec<Record>, DataError> {
        let key = self.state();
        if let Some((cq, ck, rows)) = self.queue.borrow().as_ref()
            && cq == q
            && *ck == key
        {
            return Ok(rows.clone());
        }
        let open = self.build_queue(q)?;
        *self.queue.borrow_mut() = Some((q.clone(), key, open.clone()));
        Ok(open)
    }

    /// The queue of `q` (its search ignored) sorted by urgency, read now.
    pub(super) fn build_queue(&self, q: &TicketQuery) -> Result<Vec<Record>, DataError> {
        let scope: Vec<(&str, Value)> = match q.scope {
            TicketScope::All => vec![],
            TicketScope::Unassigned => vec![("assignee_id", Value::Null)],
            TicketScope::Mine => match &q.me {
                Some(me) => vec![("assignee_id", json!(me))],
                None => return Ok(Vec::new()),
            },
        };
        let mut open = Vec::new();
        for status in ["new", "open", "pending"] {
            let mut f = scope.clone();
            f.push(("status", json!(status)));
            open.extend(self.all(Entity::Tickets, f, "created_at", false)?);
        }
        open.sort_by(sla::queue_order);
        if q.include_done {
            let mut done = Vec::new();
            for status in ["resolved", "closed"] {
                let mut f = scope.clone();
                f.push(("status", json!(status)));
                done.extend(self.list(Entity::Tickets, &query(f, "updated_at", true, 0, 500))?);
            }
            done.sort_by(sla::queue_order);
            open.extend(done);
        }
        Ok(open)
    }

    /// The queue of `q` (with a search) narrowed to the tickets whose number or subject has
    /// every word, or whose customer the customer search finds (its indexes, not a scan).
    pub(super) fn found_tickets(&self, q: &TicketQuery) -> Result<Vec<Record>, DataError> {
        let key = self.state();
        if let Some((cq, ck, rows)) = self.found.borrow().as_ref()
            && cq == q
            && *ck == key
        {
            return Ok(rows.clone());
        }
        let all = self.sorted_queue(&TicketQuery {
            search: String::new(),
            ..q.clone()
        })?;
        let found = self.narrow_queue(q, all)?;
        *self.found.borrow_mut() = Some((q.clone(), key, found.clone()));
        Ok(found)
    }

    /// `all` (the queue of `q` without its search) narrowed by `q`'s search.
    pub(super) fn narrow_queue(
        &self,
        q: &TicketQuery,
        all: Vec<Record>,
    ) -> Result<Vec<Record>, DataError> {
        let search = q.search.trim();
        let customers = |text: &str| -> Result<HashSet<String>, DataError> {
            Ok(self
                .replica
                .search_customers(text, SEARCH_CAP)
                .map_err(storage)?
                .into_iter()
                .map(|c| c.id)
                .collect())
        };
        // The whole text (a phone typed with spaces, a name of several words), and each word
        // on its own, so "acme login" finds Acme's ticket about logging in.
        let whole = customers(search)?;
        let words: Vec<&str> = search.split_whitespace().collect();
        let by_word: Vec<HashSet<String>> = if words.len() > 1 {
            words
                .iter()
                .map(|w| customers(w))
                .collect::<Result<_, _>>()?
        } else {
            Vec::new()
        };
        Ok(all
            .into_iter()
            .filter(|t| {
                let cid = text(t, "customer_id");
                let own = [text(t, "number"), text(t, "subject")];
                whole.contains(cid)
                    || crate::tui::list::passes(search, &own)
                    || (!by_word.is_empty()
                        && words
                            .iter()
                            .zip(&by_word)
                            .all(|(w, ids)| ids.contains(cid) || crate::tui::list::passes(w, &own)))
            })
            .collect())
    }
}
