//! What the screens read and write, and nothing more. The TUI talks only to this trait, which the
//! local replica implements (`ReplicaSource`); the tests run the screens over a real replica
//! filled from fixtures (tests/support). Every call is local and quick; none waits for the
//! network.

use std::collections::{BTreeMap, HashMap};

use chrono::{DateTime, NaiveDate, Utc};
use crm_server::schema::Entity;
use serde_json::{Map, Value};

/// A record as the server sends it: its fields by name, plus `id`, `version` and timestamps.
pub type Record = Map<String, Value>;

/// A read that failed. Reads come from a local file, so this means the file is unusable.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DataError {
    #[error("the local data could not be read: {0}")]
    Storage(String),
}

/// A write that was refused before it reached the outbox.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum WriteError {
    /// Bad values, by field name; the form shows each beside its field.
    #[error("{}", describe_fields(.0))]
    Invalid(BTreeMap<String, String>),
    #[error("{0}")]
    Forbidden(String),
    #[error("that {0} no longer exists here; it may have been deleted or moved out of your view")]
    NotFound(&'static str),
    #[error("the local data could not be written: {0}")]
    Storage(String),
    /// Several writes asked at once stopped at a refusal after `done` of them.
    #[error("done {done} of {of}, then: {error}")]
    Stopped {
        done: usize,
        of: usize,
        error: Box<WriteError>,
    },
}

fn describe_fields(fields: &BTreeMap<String, String>) -> String {
    let parts: Vec<String> = fields.iter().map(|(k, v)| format!("{k} {v}")).collect();
    parts.join("; ")
}

impl From<DataError> for WriteError {
    fn from(e: DataError) -> Self {
        match e {
            DataError::Storage(m) => WriteError::Storage(m),
        }
    }
}

/// How the customer list is ordered.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum CustomerSort {
    #[default]
    Name,
    Code,
    Level,
    Updated,
}

impl CustomerSort {
    pub const ALL: [CustomerSort; 4] = [Self::Name, Self::Code, Self::Level, Self::Updated];

    pub fn name(self) -> &'static str {
        match self {
            Self::Name => "name",
            Self::Code => "code",
            Self::Level => "level",
            Self::Updated => "updated",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|v| v.name() == s)
    }
}

/// A search, filters and a sort over customers. The search matches name, code, phone, email
/// and the names of the customer's contacts.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CustomerQuery {
    pub search: String,
    pub level: Option<String>,
    pub owner_id: Option<String>,
    pub lifecycle: Option<String>,
    pub region: Option<String>,
    pub sort: CustomerSort,
    pub descending: bool,
}

impl CustomerQuery {
    pub fn has_filters(&self) -> bool {
        self.level.is_some()
            || self.owner_id.is_some()
            || self.lifecycle.is_some()
            || self.region.is_some()
    }
}

/// An activity or a ticket on a customer's timeline, newest first.
#[derive(Debug, Clone, PartialEq)]
pub struct TimelineEntry {
    pub entity: Entity,
    /// When it happened or is due, RFC 3339.
    pub at: String,
    pub record: Record,
}

/// A competitor in one of a customer's deals: the entry (an `opportunity_competitors` record),
/// named by the competitor and the deal.
#[derive(Debug, Clone, PartialEq)]
pub struct CompetitorEntry {
    pub entry: Record,
    /// The competitor's name ("" when this user cannot see it).
    pub competitor: String,
    /// The deal's (opportunity's) name.
    pub deal: String,
}

/// Which opportunities the funnel shows.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct FunnelFilter {
    pub owner_id: Option<String>,
    /// Expected close within this month: (year, month).
    pub close_month: Option<(i32, u32)>,
    /// Text each word of which a deal's name or its customer's name contains (Latin words
    /// also in the pinyin of Chinese names).
    pub search: String,
}

/// One funnel column: the stage and what is in it. Amounts are in minor units.
#[derive(Debug, Clone, PartialEq)]
pub struct StageSummary {
    pub stage: Record,
    pub count: usize,
    pub total: i64,
    /// Sum of amount × probability (the opportunity's, else the stage's) / 100.
    pub weighted: i64,
}

/// Which tickets the queue shows.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum TicketScope {
    #[default]
    Mine,
    Unassigned,
    All,
}

impl TicketScope {
    pub fn name(self) -> &'static str {
        match self {
            Self::Mine => "mine",
            Self::Unassigned => "unassigned",
            Self::All => "all",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        [Self::Mine, Self::Unassigned, Self::All]
            .into_iter()
            .find(|v| v.name() == s)
    }
}

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TicketQuery {
    pub scope: TicketScope,
    /// The signed-in user's id, for `Mine`.
    pub me: Option<String>,
    /// Resolved and closed tickets too, after the open ones.
    pub include_done: bool,
    /// Text every shown ticket matches: its number or subject, or its customer's name, code
    /// or phone (the customer search).
    pub search: String,
    /// Offsets count from the last ticket, and tickets come last first.
    pub from_end: bool,
}

/// What the calendar's reminder list asks for.
/// Customers not contacted that the reminders hold as rows (all are counted): a salesperson of
/// the 1M demo owns 350,000, which as records cost gigabytes and minutes.
pub const QUIET_ROWS: usize = 500;

#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct ReminderQuery {
    /// Birthdays falling in [from, to].
    pub from: NaiveDate,
    pub to: NaiveDate,
    pub now: DateTime<Utc>,
    /// Whose reminders: the signed-in user's customers and activities (None: all visible).
    pub owner: Option<String>,
    /// Low stock too (for managers and admins, who keep the stock).
    pub stock: bool,
    /// Every breached ticket and every customer the analysis warns about in view, not only
    /// the owner's (managers and admins are alerted).
    pub team_breaches: bool,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Birthday {
    pub contact: Record,
    pub customer_name: String,
    /// This year's (or next year's) date in the range.
    pub date: NaiveDate,
}

#[derive(Debug, Clone, PartialEq)]
pub struct QuietCustomer {
    pub customer: Record,
    /// The last activity, if any.
    pub last_contact: Option<DateTime<Utc>>,
}

#[derive(Debug, Clone, Default, PartialEq)]
pub struct Reminders {
    /// The first [`QUIET_ROWS`] birthdays in the range, soonest first; `birthdays_total`
    /// counts every one.
    pub birthdays: Vec<Birthday>,
    pub birthdays_total: usize,
    /// Activities whose due time has passed and that are not done.
    pub overdue: Vec<Record>,
    /// The first [`QUIET_ROWS`] customers not contacted, longest without contact first;
    /// `quiet_total` counts every one.
    pub quiet: Vec<QuietCustomer>,
    pub quiet_total: usize,
    /// Approved contracts within their renewal days of ending (`rules::reminders::renewal_due`),
    /// soonest first.
    pub renewals: Vec<Record>,
    /// The names of the overdue follow-ups', instalments' and renewals' customers, by id (read with
    /// them, off the UI thread).
    pub customer_names: std::collections::BTreeMap<String, String>,
    /// The owner's instalments past their due date and not paid (`rules::payments`), the
    /// longest overdue first.
    pub unpaid: Vec<Record>,
    /// Stock levels at or below their threshold, with their product's code and the
    /// warehouse's name (when asked for).
    pub low_stock: Vec<(Record, String)>,
    /// Open tickets whose service level is breached or due soon (the server's sweep says,
    /// `sla_alert`): the owner's, and every breached one for a manager; breached first.
    pub tickets: Vec<Record>,
    /// Customers the server's analysis warns about (`crm_server::rules::analysis`): no
    /// business for the admin's days, or a big customer's orders falling — the first
    /// [`QUIET_ROWS`], highest value first (their `id`, `code`, `name`, `value_score`,
    /// `warnings`); `warned_total` counts every one. No contact is the level's own reminder.
    pub warned: Vec<Record>,
    pub warned_total: usize,
}

/// How the local copy stands against the server.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SourceStatus {
    /// Local writes not yet accepted by the server.
    pub pending: usize,
    /// Local writes the server refused (they stay until fixed or discarded).
    pub refused: usize,
    pub conflicts: usize,
    pub last_sync: Option<DateTime<Utc>>,
    /// None when the source cannot tell; the sync engine's messages decide then.
    pub online: Option<bool>,
}

/// A write of this user not yet accepted by the server, as the outbox review lists it.
#[derive(Debug, Clone, PartialEq)]
pub struct PendingWrite {
    /// The outbox entry (for retry and discard; never shown).
    pub seq: i64,
    pub entity: Entity,
    pub record_id: String,
    /// What was done: create, update, delete, restore.
    pub action: &'static str,
    /// The record's number and name.
    pub label: String,
    /// Why the server refused it, when it did.
    pub refused: Option<String>,
    /// It waits for a conflict to be resolved.
    pub conflict: bool,
}

/// What an undo did, for the status bar.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UndoDone {
    /// "edit of customer C000123 上海东华".
    pub what: String,
    /// Someone changed the record since: the undo waits as a conflict.
    pub conflicted: bool,
}

/// What the signed-in user's role may do, per entity, as the server said at sign-in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Capability {
    Create,
    Edit,
    Delete,
}

/// What the screens say when a key asks for what the role may not do.
pub fn denied(capability: Capability, entity: Entity) -> String {
    format!(
        "Your role may not {} {} (the server refuses it)",
        capability.name(),
        entity.name().replace('_', " ")
    )
}

impl Capability {
    pub fn name(self) -> &'static str {
        match self {
            Capability::Create => "create",
            Capability::Edit => "edit",
            Capability::Delete => "delete",
        }
    }
}

/// A local change the server refused because the record changed there meanwhile.
#[derive(Debug, Clone, PartialEq)]
pub struct Conflict {
    pub id: String,
    pub entity: Entity,
    pub record_id: String,
    /// What this user wrote (the fields they changed or the whole record).
    pub mine: Record,
    /// The server's current record.
    pub theirs: Record,
    pub message: String,
    /// When the server's copy last changed (shown in the user's zone).
    pub changed_at: Option<DateTime<Utc>>,
    /// Who changed it (the server's `updated_by`, a user id): None for a record last written
    /// before the server kept it.
    pub changed_by: Option<String>,
}

/// A window of any entity's records, for the generic list (`:list ENTITY`).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RecordQuery {
    /// `field = value` pairs (a related record's list: its parent's id).
    pub filters: Vec<(String, Value)>,
    /// Text to find in the name-like fields.
    pub search: String,
    /// A sortable field; the entity's default order when None.
    pub sort: Option<String>,
    pub descending: bool,
}

/// A list whose exact length a header shows: the same query the list reads windows of.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CountQuery {
    Customers(CustomerQuery),
    Tickets(TicketQuery),
    Records(Entity, RecordQuery),
}

impl CountQuery {
    /// Which list asks: a newer question for the same list makes an older one moot.
    pub fn slot(&self) -> String {
        match self {
            CountQuery::Customers(_) => "customers".into(),
            CountQuery::Tickets(_) => "tickets".into(),
            CountQuery::Records(e, _) => format!("records:{}", e.name()),
        }
    }
}

/// Of the questions waiting, the newest for each list, oldest first: a worker that fell behind
/// the typing answers only what is still asked.
pub fn newest_per_slot(waiting: Vec<(u64, CountQuery)>) -> Vec<(u64, CountQuery)> {
    let mut out: Vec<(u64, CountQuery)> = Vec::new();
    for (id, q) in waiting {
        out.retain(|(_, o)| o.slot() != q.slot());
        out.push((id, q));
    }
    out
}

/// Opens a second way into the same data, on the thread that calls it (counts, reloads and
/// writes run there, off the UI thread): read-only from `DataSource::reader`, for writes from
/// `DataSource::writer`.
pub type OpenReader = Box<dyn FnOnce() -> Result<Box<dyn DataSource + Send>, DataError> + Send>;

/// A pair of the server's duplicate queue: the two records and the keys they share.
pub type ServerPair = (Record, Record, Vec<String>);

/// Everything the screens need. Reads return only what is asked for: lists are windows
/// (offset + limit) so a million rows cost what a screenful does.
pub trait DataSource {
    /// A window of customers. The screens never count them: the end of the list is reached by
    /// the same query in the opposite order. Sorts break ties by id so the two orders mirror.
    fn customers(
        &self,
        query: &CustomerQuery,
        offset: usize,
        limit: usize,
    ) -> Result<Vec<Record>, DataError>;
    fn get(&self, entity: Entity, id: &str) -> Result<Option<Record>, DataError>;
    /// A window of any entity's records (see [`DataSource::customers`] for the window).
    fn records(
        &self,
        entity: Entity,
        query: &RecordQuery,
        offset: usize,
        limit: usize,
    ) -> Result<Vec<Record>, DataError>;
    /// A record by its human number or code (C000123, T-001001): the server generates those.
    fn by_number(&self, number: &str) -> Result<Option<(Entity, Record)>, DataError>;
    /// How many rows a list has: a COUNT over the list's query, which reads every match, so
    /// the TUI asks it on a reader of its own ([`DataSource::reader`]), never in a frame.
    fn count(&self, query: &CountQuery) -> Result<usize, DataError>;
    /// Why `text`, typed after `/` on a list of `entity`, does not read as a query
    /// (`unknown field "levl" at 1: did you mean level?`); None when it does or is plain words.
    fn query_problem(&self, entity: Entity, text: &str) -> Option<crm_server::query::QueryError> {
        let _ = (entity, text);
        None
    }
    /// How to open a reader for counts on another thread; None when there is no such thing.
    fn reader(&self) -> Option<OpenReader>;
    /// How to open a second source for writes on another thread (the TUI's writer, so no
    /// write waits in a frame); None when there is no such thing.
    fn writer(&self) -> Option<OpenReader>;
    /// A write made through the source [`DataSource::writer`] opened was answered: views this
    /// source keeps (the ticket queue's order) are stale.
    fn wrote_elsewhere(&mut self) {}
    fn customer_by_phone(&self, phone: &str) -> Result<Option<Record>, DataError>;
    /// Live customers with the same normalized name, phone or email (crm_server::dedupe).
    fn find_duplicates(&self, customer: &Record) -> Result<Vec<Record>, DataError>;
    fn contacts_of(&self, customer_id: &str) -> Result<Vec<Record>, DataError>;
    fn opportunities_of(&self, customer_id: &str) -> Result<Vec<Record>, DataError>;
    /// The competitors in a customer's opportunities, deal by deal.
    fn competitors_of(&self, customer_id: &str) -> Result<Vec<CompetitorEntry>, DataError>;
    /// Activities and tickets of a customer, newest first.
    fn timeline(&self, customer_id: &str, limit: usize) -> Result<Vec<TimelineEntry>, DataError>;
    /// Pipeline stages by position.
    fn stages(&self) -> Result<Vec<Record>, DataError>;
    /// One summary per stage, in stage order.
    fn funnel(&self, filter: &FunnelFilter) -> Result<Vec<StageSummary>, DataError>;
    /// A window of one stage's opportunities, largest amount first.
    fn stage_opportunities(
        &self,
        stage_id: &str,
        filter: &FunnelFilter,
        offset: usize,
        limit: usize,
    ) -> Result<Vec<Record>, DataError>;
    /// Where an opportunity stands in its stage's window order (`stage_opportunities`), None
    /// when it is not in that stage under the filter: a moved card is found in its new column.
    fn stage_position(
        &self,
        stage_id: &str,
        filter: &FunnelFilter,
        opportunity: &str,
    ) -> Result<Option<usize>, DataError>;
    /// Activities starting or due in [from, to), by time; only `owner`'s when given.
    fn activities_between(
        &self,
        from: DateTime<Utc>,
        to: DateTime<Utc>,
        owner: Option<&str>,
    ) -> Result<Vec<Record>, DataError>;
    fn reminders(&self, query: &ReminderQuery) -> Result<Reminders, DataError>;
    /// Calls planned for `owner` or for nobody, due before `until`, by due time.
    fn callbacks(&self, owner: &str, until: DateTime<Utc>) -> Result<Vec<Record>, DataError>;
    /// The server's duplicate queue of customers or contacts (`GET /{subject}/duplicates`: its
    /// whole table, as this user may merge): `(a, b, reasons)`. None when this source has no
    /// server to ask (tests, a replica alone); Err with the reason when it did not answer.
    fn server_duplicates(
        &self,
        _subject: Entity,
        _limit: usize,
    ) -> Option<Result<Vec<ServerPair>, String>> {
        None
    }
    /// Likely duplicate customers or contacts in pairs (`crm_server::dedupe`), with the keys they share.
    fn duplicate_pairs(
        &self,
        subject: Entity,
        limit: usize,
    ) -> Result<Vec<crm_server::dedupe::IdPair>, DataError>;
    /// The target of `month` the funnel sets its won amount against
    /// (`crate::dashboard::attainment`): one user's, a team's or everyone's. None when no
    /// target is set or the source keeps none.
    fn month_target(
        &self,
        whose: &crate::dashboard::attainment::Whose,
        month: (i32, u32),
    ) -> Result<Option<i64>, DataError> {
        let _ = (whose, month);
        Ok(None)
    }
    /// The dashboard's figures (`crate::dashboard::figures`), computed by the replica.
    fn dashboard(
        &self,
        ask: &crate::tui::panes::dashboard::DashboardAsk,
    ) -> Result<crate::dashboard::figures::Figures, DataError>;
    /// A window of the ticket queue, most urgent first (see [`crate::tui::sla`]).
    fn tickets(
        &self,
        query: &TicketQuery,
        offset: usize,
        limit: usize,
    ) -> Result<Vec<Record>, DataError>;
    /// The whole ticket queue of `query` (its search applied, `from_end` ignored), most
    /// urgent first, read afresh: what the queue's reader-thread load reads.
    fn ticket_queue(&self, query: &TicketQuery) -> Result<Vec<Record>, DataError> {
        let query = TicketQuery {
            from_end: false,
            ..query.clone()
        };
        self.tickets(&query, 0, usize::MAX)
    }
    /// A ticket's comments, oldest first.
    fn comments(&self, ticket_id: &str) -> Result<Vec<Record>, DataError>;
    fn users(&self) -> Result<Vec<Record>, DataError>;
    /// The admin's lists and custom fields this source knows (`Replica::catalog`); none known
    /// leaves list fields open and custom fields out.
    fn catalog(&self) -> crm_server::catalog::Catalog;
    /// Applies locally and queues for the server; returns the record as now stored.
    fn create(&mut self, entity: Entity, record: Record) -> Result<Record, WriteError>;
    /// The user saw the duplicate warning for this new customer and chose to create it anyway:
    /// tell the server not to refuse it as a duplicate.
    fn allow_duplicate(&mut self, entity: Entity, id: &str) -> Result<(), WriteError> {
        let _ = (entity, id);
        Ok(())
    }
    /// The customer orders this source can list by.
    fn customer_sorts(&self) -> &'static [CustomerSort] {
        &CustomerSort::ALL
    }
    fn update(&mut self, entity: Entity, id: &str, patch: Record) -> Result<Record, WriteError>;
    fn delete(&mut self, entity: Entity, id: &str) -> Result<(), WriteError>;
    fn status(&self) -> SourceStatus;
    fn conflicts(&self) -> Result<Vec<Conflict>, DataError>;
    /// Why the server refused a write on a record, by record id (lists mark those rows).
    fn refusals(&self) -> HashMap<String, String> {
        HashMap::new()
    }
    /// This user's writes not yet accepted: pending, refused, in conflict.
    fn pending_writes(&self) -> Result<Vec<PendingWrite>, DataError> {
        Ok(Vec::new())
    }
    /// Sends a refused write again.
    fn retry_write(&mut self, _seq: i64) -> Result<(), WriteError> {
        Err(WriteError::Storage("this source keeps no outbox".into()))
    }
    /// Drops a write; the server's copy of its record comes back.
    fn discard_write(&mut self, _seq: i64) -> Result<(), WriteError> {
        Err(WriteError::Storage("this source keeps no outbox".into()))
    }
    /// Undoes this user's latest write not undone yet; None when there is none.
    fn undo(&mut self) -> Result<Option<UndoDone>, WriteError> {
        Ok(None)
    }
    /// What the user's role may do with records of `entity`, as the server said (None: not
    /// known, the server decides).
    fn may(&self, _capability: Capability, _entity: Entity) -> Option<bool> {
        None
    }
    /// Settles a conflict with the fields chosen (a full record or a patch).
    fn resolve_conflict(&mut self, conflict_id: &str, chosen: Record) -> Result<(), WriteError>;
}

/// A text field, or "" when missing or not text.
pub fn text<'a>(record: &'a Record, field: &str) -> &'a str {
    record.get(field).and_then(Value::as_str).unwrap_or("")
}

pub fn opt_text<'a>(record: &'a Record, field: &str) -> Option<&'a str> {
    record
        .get(field)
        .and_then(Value::as_str)
        .filter(|s| !s.is_empty())
}

pub fn int(record: &Record, field: &str) -> Option<i64> {
    record.get(field).and_then(Value::as_i64)
}

pub fn flag(record: &Record, field: &str) -> bool {
    record.get(field).and_then(Value::as_bool).unwrap_or(false)
}

pub fn time(record: &Record, field: &str) -> Option<DateTime<Utc>> {
    opt_text(record, field)
        .and_then(|s| DateTime::parse_from_rfc3339(s).ok())
        .map(|t| t.with_timezone(&Utc))
}

pub fn date(record: &Record, field: &str) -> Option<NaiveDate> {
    opt_text(record, field).and_then(|s| NaiveDate::parse_from_str(s, "%Y-%m-%d").ok())
}

pub fn id(record: &Record) -> &str {
    text(record, "id")
}

/// When an activity happens: its start, else its due time.
pub use crm_server::rules::reminders::activity_time;

/// Weighted amount of an opportunity: amount × probability / 100, the stage's probability
/// standing in when the opportunity has none.
pub fn weighted(opportunity: &Record, stage_probability: i64) -> i64 {
    let amount = int(opportunity, "amount").unwrap_or(0);
    let p = int(opportunity, "probability").unwrap_or(stage_probability);
    amount.saturating_mul(p) / 100
}
