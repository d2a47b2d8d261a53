//! The TUI's data from the local replica: every read a local SQLite query, every write applied
//! locally and queued in the outbox, so the screens never wait for the network.
//!
//! The replica answers lists by equality filters, one sort and offset/limit. What the screens
//! need beyond that is composed here from its public methods, within stated bounds:
//! - the funnel's sums, the ticket queue's SLA order and the calendar's date ranges read the
//!   matching records in pages and compute in Rust (the calendar and reminders are scoped to the
//!   signed-in user, whose activities are a bounded set);
//! - month filters on the funnel are applied in Rust after the stage and owner filters;
//! - a customer search without filters uses the replica's ranked `search_customers` (the
//!   per-keystroke path), so it lists the best 1,000 matches, best first.

use std::cell::RefCell;
use std::collections::{BTreeMap, HashMap, HashSet};

use chrono::{DateTime, Utc};
use crm_server::dedupe;
use crm_server::schema::Entity;
use serde_json::{Value, json};

use super::data::*;
use super::sla;
use crate::replica::{EntryState, Keep, LocalQuery, Replica, ReplicaError, SEARCH_CAP};

mod customer;
mod outbox;
mod queue;
mod ranges;
mod reads;

/// Records read per page when a screen needs all that match.
const PAGE: usize = 2000;
/// At most this many records are read for one computed view (funnel stage, calendar, queue).
const SCAN_CAP: usize = 50_000;

pub struct ReplicaSource {
    replica: Replica,
    /// Local writes through this source, so cached views know they are stale.
    writes: u64,
    /// The ticket queue sorted by urgency, for the query and data state it was built from.
    queue: RefCell<Option<Cached<TicketQuery, Vec<Record>>>>,
    /// The same queue filtered by a search, so moving through it does not search again.
    found: RefCell<Option<Cached<TicketQuery, Vec<Record>>>>,
    /// The server, for the reads only it answers (the duplicate queue over its whole table);
    /// asked on the reader threads, never the UI thread.
    server: Option<ServerReads>,
}

/// The signed-in client and the runtime its requests run on.
#[derive(Clone)]
pub struct ServerReads {
    pub client: crate::sync::ApiClient,
    pub runtime: tokio::runtime::Handle,
}

/// How long a screen's read waits for the server before falling back to the replica.
const SERVER_WAIT: std::time::Duration = std::time::Duration::from_secs(10);

/// The data state a cached view was computed in: sync position, outbox size, local writes.
type DataState = (i64, usize, u64);

/// A computed view, the query it answers and the data state it was computed in.
type Cached<Q, T> = (Q, DataState, T);

fn storage(e: ReplicaError) -> DataError {
    DataError::Storage(e.to_string())
}

fn write_error(e: ReplicaError) -> WriteError {
    match e {
        ReplicaError::Invalid { invalid, forbidden } => {
            let mut all: BTreeMap<String, String> = invalid;
            all.extend(forbidden);
            WriteError::Invalid(all)
        }
        ReplicaError::NotFound { entity, .. } => WriteError::NotFound(entity.noun()),
        ReplicaError::Forbidden(why) => WriteError::Forbidden(why),
        other => WriteError::Storage(other.to_string()),
    }
}

/// The replica's record as the screens use it: the fields, with the id always present.
fn fields(r: crate::replica::Record) -> Record {
    let mut m = r.fields;
    m.entry("id").or_insert_with(|| Value::String(r.id.clone()));
    if !m.contains_key("version") {
        m.insert("version".into(), json!(r.version));
    }
    m
}

fn query(
    filters: Vec<(&str, Value)>,
    sort: &str,
    descending: bool,
    offset: usize,
    limit: usize,
) -> LocalQuery {
    LocalQuery {
        filters: filters
            .into_iter()
            .map(|(k, v)| (k.to_string(), v))
            .collect(),
        search: None,
        conditions: Vec::new(),
        sort: Some(sort.to_string()),
        descending,
        limit: limit.max(1),
        offset,
    }
}

impl ReplicaSource {
    pub fn new(replica: Replica) -> ReplicaSource {
        ReplicaSource {
            replica,
            writes: 0,
            queue: RefCell::new(None),
            found: RefCell::new(None),
            server: None,
        }
    }

    /// The same source, asking `server` what only it knows; its readers do too.
    pub fn with_server(mut self, server: ServerReads) -> ReplicaSource {
        self.server = Some(server);
        self
    }

    pub fn replica(&self) -> &Replica {
        &self.replica
    }

    fn wrote(&mut self) {
        self.writes += 1;
    }
}

impl DataSource for ReplicaSource {
    fn wrote_elsewhere(&mut self) {
        self.wrote();
    }

    fn catalog(&self) -> crm_server::catalog::Catalog {
        // Unreadable, it is the empty catalog: the server still checks every write.
        self.replica
            .catalog()
            .unwrap_or_else(|_| crm_server::catalog::Catalog::default().open_when_empty())
    }

    fn customers(
        &self,
        q: &CustomerQuery,
        offset: usize,
        limit: usize,
    ) -> Result<Vec<Record>, DataError> {
        // Typing in the search: the replica's ranked search is the per-keystroke path (a sorted
        // list over every match of a common word would sort them all), the CLI's too.
        if limit == 0 {
            return Ok(Vec::new());
        }
        Ok(self
            .replica
            .find_customers(&self.customer_query(q, offset, limit))
            .map_err(storage)?
            .into_iter()
            .map(fields)
            .collect())
    }

    fn get(&self, entity: Entity, id: &str) -> Result<Option<Record>, DataError> {
        Ok(self.replica.get(entity, id).map_err(storage)?.map(fields))
    }

    fn records(
        &self,
        entity: Entity,
        query: &RecordQuery,
        offset: usize,
        limit: usize,
    ) -> Result<Vec<Record>, DataError> {
        if limit == 0 {
            return Ok(Vec::new());
        }
        let mut q = LocalQuery {
            filters: query.filters.clone(),
            search: None,
            conditions: Vec::new(),
            sort: query.sort.clone(),
            descending: query.descending,
            limit,
            offset,
        };
        self.search_or_query(entity, &query.search, &mut q);
        Ok(self
            .replica
            .list(entity, &q)
            .map_err(storage)?
            .into_iter()
            .map(fields)
            .collect())
    }

    fn by_number(&self, number: &str) -> Result<Option<(Entity, Record)>, DataError> {
        // Numbers are made in capitals (C000123, T-000123); people type them any way.
        let number = number.trim().to_uppercase();
        for entity in Entity::ALL {
            let Some(field) = entity.descriptor().number else {
                continue;
            };
            // A quote's revisions share its number: the newest is the one meant.
            let q = LocalQuery {
                filters: vec![(field.to_string(), json!(number))],
                sort: Some("created_at".into()),
                descending: true,
                limit: 1,
                ..LocalQuery::default()
            };
            if let Some(r) = self.replica.list(entity, &q).map_err(storage)?.pop() {
                return Ok(Some((entity, fields(r))));
            }
        }
        Ok(None)
    }

    fn count(&self, query: &CountQuery) -> Result<usize, DataError> {
        match query {
            // Typing in the search lists the best matches, capped (see `customers`): the count
            // stops there too, so a keystroke never counts a million matches.
            CountQuery::Customers(q) => self
                .replica
                .count_customers(&self.customer_query(q, 0, 0))
                .map_err(storage),
            CountQuery::Tickets(q) => Ok(self.tickets(q, 0, usize::MAX)?.len()),
            CountQuery::Records(entity, q) => {
                let mut lq = LocalQuery {
                    filters: q.filters.clone(),
                    ..LocalQuery::default()
                };
                self.search_or_query(*entity, &q.search, &mut lq);
                self.replica.count(*entity, &lq, None).map_err(storage)
            }
        }
    }

    fn query_problem(&self, entity: Entity, text: &str) -> Option<crm_server::query::QueryError> {
        if !crm_server::query::looks_like_query(text) {
            return None;
        }
        match self
            .replica
            .resolve_query(entity, text, self.replica.clock().now())
        {
            Ok(Err(e)) => Some(e),
            _ => None,
        }
    }

    fn reader(&self) -> Option<OpenReader> {
        let path = self.replica.path().to_path_buf();
        let server = self.server.clone();
        Some(Box::new(move || {
            let replica = Replica::open_reader(&path).map_err(storage)?;
            let mut source = ReplicaSource::new(replica);
            source.server = server;
            Ok(Box::new(source) as Box<dyn DataSource + Send>)
        }))
    }

    fn writer(&self) -> Option<OpenReader> {
        let (path, clock) = (self.replica.path().to_path_buf(), self.replica.clock());
        Some(Box::new(move || {
            let replica = Replica::open_writer(&path, clock).map_err(storage)?;
            Ok(Box::new(ReplicaSource::new(replica)) as Box<dyn DataSource + Send>)
        }))
    }

    fn customer_by_phone(&self, phone: &str) -> Result<Option<Record>, DataError> {
        Ok(self
            .replica
            .customer_by_phone(phone)
            .map_err(storage)?
            .into_iter()
            .next()
            .map(fields))
    }

    /// Candidates from the phone look-up and the search, kept when a normalized key matches.
    fn find_duplicates(&self, customer: &Record) -> Result<Vec<Record>, DataError> {
        let mine = dedupe::Keys::of(customer);
        let mut candidates = Vec::new();
        if let Some(phone) = opt_text(customer, "phone") {
            candidates.extend(self.replica.customer_by_phone(phone).map_err(storage)?);
        }
        for field in ["email", "name"] {
            if let Some(t) = opt_text(customer, field) {
                candidates.extend(self.replica.search_customers(t, 20).map_err(storage)?);
            }
        }
        let mut seen = HashSet::new();
        Ok(candidates
            .into_iter()
            .map(fields)
            .filter(|c| {
                text(c, "id") != text(customer, "id") && seen.insert(text(c, "id").to_string())
            })
            .filter(|c| mine.matches(&dedupe::Keys::of(c)).is_some())
            .collect())
    }

    fn contacts_of(&self, customer_id: &str) -> Result<Vec<Record>, DataError> {
        let mut rows = self.list(
            Entity::Contacts,
            &query(
                vec![("customer_id", json!(customer_id))],
                "name",
                false,
                0,
                500,
            ),
        )?;
        rows.sort_by_key(|k| !flag(k, "is_primary"));
        Ok(rows)
    }

    fn opportunities_of(&self, customer_id: &str) -> Result<Vec<Record>, DataError> {
        let mut rows = self.list(
            Entity::Opportunities,
            &query(
                vec![("customer_id", json!(customer_id))],
                "created_at",
                true,
                0,
                500,
            ),
        )?;
        rows.sort_by(|a, b| text(a, "expected_close").cmp(text(b, "expected_close")));
        Ok(rows)
    }

    fn competitors_of(&self, customer_id: &str) -> Result<Vec<CompetitorEntry>, DataError> {
        customer::competitors_of(self, customer_id)
    }

    fn timeline(&self, customer_id: &str, limit: usize) -> Result<Vec<TimelineEntry>, DataError> {
        customer::timeline(self, customer_id, limit)
    }

    fn stages(&self) -> Result<Vec<Record>, DataError> {
        self.list(Entity::Stages, &query(vec![], "position", false, 0, 200))
    }

    fn funnel(&self, filter: &FunnelFilter) -> Result<Vec<StageSummary>, DataError> {
        self.read_funnel(filter)
    }

    fn stage_opportunities(
        &self,
        stage_id: &str,
        filter: &FunnelFilter,
        offset: usize,
        limit: usize,
    ) -> Result<Vec<Record>, DataError> {
        self.read_stage_window(stage_id, filter, offset, limit)
    }

    fn stage_position(
        &self,
        stage_id: &str,
        filter: &FunnelFilter,
        opportunity: &str,
    ) -> Result<Option<usize>, DataError> {
        self.read_stage_position(stage_id, filter, opportunity)
    }

    fn activities_between(
        &self,
        from: DateTime<Utc>,
        to: DateTime<Utc>,
        owner: Option<&str>,
    ) -> Result<Vec<Record>, DataError> {
        self.read_activities_between(from, to, owner)
    }

    fn reminders(&self, q: &ReminderQuery) -> Result<Reminders, DataError> {
        self.read_reminders(q)
    }

    fn month_target(
        &self,
        whose: &crate::dashboard::attainment::Whose,
        month: (i32, u32),
    ) -> Result<Option<i64>, DataError> {
        let Some(first) = chrono::NaiveDate::from_ymd_opt(month.0, month.1, 1) else {
            return Ok(None);
        };
        crate::dashboard::attainment::month_target(&self.replica, whose, first).map_err(storage)
    }

    fn dashboard(
        &self,
        ask: &crate::tui::panes::dashboard::DashboardAsk,
    ) -> Result<crate::dashboard::figures::Figures, DataError> {
        crate::dashboard::figures::compute(
            &self.replica,
            &ask.scope,
            ask.period,
            &ask.zone,
            ask.now,
            ask.limits,
        )
        .map_err(storage)
    }

    fn server_duplicates(
        &self,
        subject: Entity,
        limit: usize,
    ) -> Option<Result<Vec<ServerPair>, String>> {
        let server = self.server.as_ref()?;
        let path = format!("/{}/duplicates?limit={limit}", subject.name());
        let answer = server.runtime.block_on(async {
            tokio::time::timeout(SERVER_WAIT, server.client.call(&path, None)).await
        });
        let page = match answer {
            Ok(Ok(page)) => page,
            Ok(Err(e)) => return Some(Err(e.to_string())),
            Err(_) => return Some(Err("the server did not answer in time".into())),
        };
        let pairs = page["pairs"]
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(|p| {
                let (Value::Object(a), Value::Object(b)) = (&p["a"], &p["b"]) else {
                    return None;
                };
                let reasons = p["reasons"]
                    .as_array()
                    .into_iter()
                    .flatten()
                    .filter_map(Value::as_str)
                    .map(String::from)
                    .collect();
                Some((a.clone(), b.clone(), reasons))
            })
            .collect();
        Some(Ok(pairs))
    }

    fn duplicate_pairs(
        &self,
        subject: Entity,
        limit: usize,
    ) -> Result<Vec<crm_server::dedupe::IdPair>, DataError> {
        self.replica
            .duplicate_pairs(subject, limit)
            .map_err(storage)
    }

    fn callbacks(&self, owner: &str, until: DateTime<Utc>) -> Result<Vec<Record>, DataError> {
        // A day's queue is tens of calls; a cap keeps a runaway list from costing a frame.
        const CALLBACKS_CAP: usize = 1_000;
        let until = crm_server::validate::format_time(until);
        Ok(self
            .replica
            .callbacks_due(owner, &until, CALLBACKS_CAP)
            .map_err(storage)?
            .into_iter()
            .map(fields)
            .collect())
    }

    fn tickets(
        &self,
        q: &TicketQuery,
        offset: usize,
        limit: usize,
    ) -> Result<Vec<Record>, DataError> {
        let base = TicketQuery {
            from_end: false,
            ..q.clone()
        };
        let mut queue = if base.search.trim().is_empty() {
            self.sorted_queue(&base)?
        } else {
            self.found_tickets(&base)?
        };
        if q.from_end {
            queue.reverse();
        }
        Ok(queue.into_iter().skip(offset).take(limit).collect())
    }

    fn ticket_queue(&self, q: &TicketQuery) -> Result<Vec<Record>, DataError> {
        // Read afresh, never from the caches: the reader thread's source is not told of the
        // writer's writes, and a second edit of one ticket leaves the outbox's size alone.
        let all = self.build_queue(q)?;
        if q.search.trim().is_empty() {
            Ok(all)
        } else {
            self.narrow_queue(q, all)
        }
    }

    fn comments(&self, ticket_id: &str) -> Result<Vec<Record>, DataError> {
        self.list(
            Entity::Comments,
            &query(
                vec![("ticket_id", json!(ticket_id))],
                "created_at",
                false,
                0,
                2000,
            ),
        )
    }

    fn users(&self) -> Result<Vec<Record>, DataError> {
        self.list(Entity::Users, &query(vec![], "username", false, 0, 5000))
    }

    fn create(&mut self, entity: Entity, record: Record) -> Result<Record, WriteError> {
        let r = self.replica.create(entity, record).map_err(write_error)?;
        self.wrote();
        Ok(fields(r))
    }

    /// The outbox entry of a create can be marked as "not a duplicate" before it is sent.
    fn allow_duplicate(&mut self, entity: Entity, id: &str) -> Result<(), WriteError> {
        self.replica
            .allow_duplicate(entity, id)
            .map_err(write_error)
    }

    fn customer_sorts(&self) -> &'static [CustomerSort] {
        &[
            CustomerSort::Name,
            CustomerSort::Code,
            CustomerSort::Updated,
        ]
    }

    fn update(&mut self, entity: Entity, id: &str, patch: Record) -> Result<Record, WriteError> {
        let r = self
            .replica
            .update(entity, id, patch)
            .map_err(write_error)?;
        self.wrote();
        Ok(fields(r))
    }

    fn delete(&mut self, entity: Entity, id: &str) -> Result<(), WriteError> {
        self.replica.delete(entity, id).map_err(write_error)?;
        self.wrote();
        Ok(())
    }

    fn refusals(&self) -> HashMap<String, String> {
        self.replica.refusals().unwrap_or_default()
    }

    fn pending_writes(&self) -> Result<Vec<PendingWrite>, DataError> {
        outbox::pending_writes(self)
    }

    fn retry_write(&mut self, seq: i64) -> Result<(), WriteError> {
        self.replica.retry(seq, false).map_err(write_error)?;
        self.wrote();
        Ok(())
    }

    fn discard_write(&mut self, seq: i64) -> Result<(), WriteError> {
        self.replica.discard(seq).map_err(write_error)?;
        self.wrote();
        Ok(())
    }

    fn undo(&mut self) -> Result<Option<UndoDone>, WriteError> {
        let done = self.replica.undo().map_err(write_error)?;
        self.wrote();
        Ok(done.map(|u| UndoDone {
            what: u.describe(),
            conflicted: u.conflicted,
        }))
    }

    fn may(&self, capability: Capability, entity: Entity) -> Option<bool> {
        self.replica.may(capability.name(), entity).ok().flatten()
    }

    fn status(&self) -> SourceStatus {
        match self.replica.status() {
            Ok(s) => SourceStatus {
                pending: s.pending_writes,
                refused: s.failed_writes,
                conflicts: s.conflicts,
                last_sync: s
                    .last_sync_at
                    .as_deref()
                    .and_then(|t| DateTime::parse_from_rfc3339(t).ok())
                    .map(|t| t.with_timezone(&Utc)),
                online: None,
            },
            Err(_) => SourceStatus::default(),
        }
    }

    fn conflicts(&self) -> Result<Vec<Conflict>, DataError> {
        outbox::conflicts(self)
    }

    fn resolve_conflict(&mut self, conflict_id: &str, chosen: Record) -> Result<(), WriteError> {
        outbox::resolve_conflict(self, conflict_id, chosen)
    }
}

#[cfg(test)]
mod tests;
