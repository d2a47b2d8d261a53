//! The list indexes of a replica a first sync filled, built after the sync, one index a step.
//!
//! A first sync writes the rows and nothing more: building the list indexes (63 of them; at 1M
//! customers 8.5M index entries sorted) was half of its writer's CPU, about 10 s. Its last
//! page's transaction leaves `meta.lists` saying where a build stands (`<entity> <n>`: the
//! entities before it are done, and this one has its first `n` indexes); `list_index_step`
//! builds the next index in one transaction and moves the mark. It runs before the search
//! index's steps, in whatever process continues the build (`Replica::index_search_step`: the
//! hidden `crm index-search` that `crm login` and `crm sync` leave, or a thread of the screens).
//! Until an index is there, a list it serves reads the table instead: the same rows, slower.

use crm_server::schema::Entity;

use super::{Replica, ReplicaError, schema, summaries};

/// The mark's name for the last steps, the summaries (`summaries::STEPS`).
const SUMMARIES: &str = "summaries";

/// Where a build of the list indexes stands: the entity it is at (its place in `Entity::ALL`)
/// and how many of its indexes are built.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Mark {
    entity: usize,
    next: usize,
}

impl Mark {
    const START: Mark = Mark { entity: 0, next: 0 };

    fn parse(text: &str) -> Option<Mark> {
        let (name, next) = text.split_once(' ')?;
        let entity = if name == SUMMARIES {
            Entity::ALL.len()
        } else {
            let entity = Entity::from_name(name)?;
            Entity::ALL.iter().position(|e| *e == entity)?
        };
        Some(Mark {
            entity,
            next: next.parse().ok()?,
        })
    }

    fn text(self) -> Option<String> {
        match Entity::ALL.get(self.entity) {
            Some(entity) => Some(format!("{} {}", entity.name(), self.next)),
            None if self.entity == Entity::ALL.len() => Some(format!("{SUMMARIES} {}", self.next)),
            None => None,
        }
    }

    /// The next index to build from here and the mark after it; None when all are built.
    /// After every entity's indexes come the summaries, which read through them.
    fn next_index(mut self) -> Option<(&'static str, Mark)> {
        loop {
            let Some(entity) = Entity::ALL.get(self.entity) else {
                let step = summaries::STEPS
                    .get(self.next)
                    .filter(|_| self.entity == Entity::ALL.len())?;
                let after = Mark {
                    entity: self.entity,
                    next: self.next + 1,
                };
                return Some((step.as_str(), after));
            };
            match schema::table(*entity).secondary.get(self.next) {
                Some(sql) => {
                    let after = Mark {
                        entity: self.entity,
                        next: self.next + 1,
                    };
                    return Some((sql, after));
                }
                None => {
                    self = Mark {
                        entity: self.entity + 1,
                        next: 0,
                    };
                }
            }
        }
    }
}

impl Replica {
    /// Leaves the list indexes to be built after a first sync (inside its last transaction).
    pub(super) fn defer_list_indexes(&self) -> Result<(), ReplicaError> {
        self.set_meta("lists", Mark::START.text().as_deref())
    }

    /// Every list index is built (none is left from a first sync; the summaries, built after
    /// them, may be).
    pub fn lists_ready(&self) -> Result<bool, ReplicaError> {
        let mark = self.meta("lists")?;
        Ok(!self.bulk_loading()?
            && mark.is_none_or(|m| Mark::parse(&m).is_some_and(|m| m.entity >= Entity::ALL.len())))
    }

    /// Nothing is left to build: list indexes, summaries and search indexes all there. Until
    /// then `crm login`, `crm sync` and the screens leave a build running.
    pub fn indexes_ready(&self) -> Result<bool, ReplicaError> {
        Ok(self.search_ready()? && self.meta("lists")?.is_none())
    }

    /// Leaves the summaries to be built again, in steps, by whatever process continues a build
    /// (`Replica::upgrade_summaries`).
    pub(super) fn defer_summaries(&self) -> Result<(), ReplicaError> {
        let mark = Mark {
            entity: Entity::ALL.len(),
            next: 0,
        };
        self.set_meta("lists", mark.text().as_deref())
    }

    /// Builds the next list index a first sync left, in the caller's transaction, and moves the
    /// mark; Some(true) once none is left, Some(false) when more are, None when no build is under
    /// way. A mark that does not read (hand-edited, say) starts the build over: an index built
    /// already is passed over at once (`IF NOT EXISTS`).
    pub(super) fn list_index_step(&self) -> Result<Option<bool>, ReplicaError> {
        let Some(text) = self.meta("lists")? else {
            return Ok(None);
        };
        let at = Mark::parse(&text).unwrap_or(Mark::START);
        let Some((sql, after)) = at.next_index() else {
            self.set_meta("lists", None)?;
            return Ok(Some(true));
        };
        self.db.execute_batch(sql)?;
        let next = after.next_index().and(after.text());
        self.set_meta("lists", next.as_deref())?;
        Ok(Some(next.is_none()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_mark_reads_back_and_walks_every_index_once() {
        let mut at = Mark::START;
        let mut seen = Vec::new();
        while let Some((sql, after)) = at.next_index() {
            assert_eq!(Mark::parse(&after.text().unwrap()), Some(after));
            seen.push(sql);
            at = after;
        }
        let all: Vec<&str> = Entity::ALL
            .iter()
            .flat_map(|e| schema::table(*e).secondary.iter().map(String::as_str))
            .chain(summaries::STEPS.iter().map(String::as_str))
            .collect();
        assert_eq!(seen, all);
        assert!(all.len() > 10, "{}", all.len());
        assert_eq!(
            Mark::parse("summaries 0")
                .and_then(|m| m.next_index())
                .map(|n| n.0),
            Some(summaries::STEPS[0].as_str())
        );
        for bad in ["", "customers", "nothing 1", "customers x"] {
            assert_eq!(Mark::parse(bad), None, "{bad}");
        }
    }
}
