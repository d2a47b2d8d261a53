//! Work the UI thread hands off, so no frame waits for it: a screen's reload that reads more
//! than a window (the funnel's sums, the calendar's range and reminders) and every write a key
//! makes (the funnel's moves, the calendar's done and reschedule, a form's save, a delete, a
//! logged call: the last three answered by the app through [`After`]). A screen asks with `Effect::Load` / `Effect::Write`
//! and a request number; the run loop hands loads to a reader thread and writes, in order, to a
//! writer thread (each over its own source: `DataSource::reader` / `DataSource::writer`); the
//! answers come back as `Action::Loaded` / `Action::Written`. Meanwhile the screen shows what
//! it had (a load marked "…"), or the change it expects (a moved card), undone when the write
//! is refused.
//!
//! What is decided here is pure: what a job reads or writes ([`read`], [`write`]), which
//! waiting loads are still worth reading ([`newest_loads`]) and whether an answer is still the
//! one a screen waits for ([`Pending`]).

use std::collections::HashMap;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use crm_server::schema::Entity;

use super::data::{
    CustomerQuery, DataError, DataSource, Record, RecordQuery, TicketQuery, UndoDone, WriteError,
};
use super::panes::calendar::{CalendarAsk, CalendarData};
use super::panes::customer360::{Customer360Ask, Customer360Data};
use super::panes::funnel::{FunnelAsk, FunnelData};

/// A read a screen asks for off the UI thread.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Read {
    Funnel(FunnelAsk),
    Calendar(CalendarAsk),
    Callbacks(super::panes::callbacks::CallbacksAsk),
    /// The ticket queue in SLA order (every open ticket of the scope is read and sorted).
    Tickets(TicketQuery),
    /// A customer's 360°: the customer and every section.
    Customer360(Customer360Ask),
    Dashboard(Box<super::panes::dashboard::DashboardAsk>),
    /// A quote in its editor: its lines, products, limits and approvals.
    Quote(super::panes::quote_editor::QuoteAsk),
    /// The active products the quote editor's picker offers.
    QuoteCatalogue,
    /// The duplicate review queue's pairs of customers or contacts.
    Duplicates(Entity),
    /// The first rows of the customer list for a query (a search typed, a sort, a filter):
    /// at a million customers the search index's window costs more than a frame.
    Customers {
        query: CustomerQuery,
        limit: usize,
    },
    /// The first rows of a generic list (`:list`, the Sales screen's sections) for a query;
    /// `list` tells the lists apart (two may list one entity).
    Records {
        entity: Entity,
        query: RecordQuery,
        limit: usize,
        list: u64,
    },
    /// A record's view: the record, what refers to it and their names.
    Record(super::panes::record::RecordAsk),
    /// A funnel column's window of cards when the cursor leaves the cards held.
    FunnelColumn(super::panes::funnel::ColumnAsk),
    /// A generic list's window where it stands, read again after a write or sync.
    RecordsWindow {
        entity: Entity,
        query: RecordQuery,
        window: Box<super::list::Window>,
        height: usize,
        list: u64,
    },
    /// The e-secretary's look (`app/secretary.rs`): the user's activities that came due in
    /// `[since, until)`, a range read over the activities' time indexes.
    Due {
        since: chrono::DateTime<chrono::Utc>,
        until: chrono::DateTime<chrono::Utc>,
        owner: String,
    },
}

impl Read {
    /// A window of a list: read on a thread of its own, so a key's rows never wait behind a
    /// screen's sums (the funnel's, the dashboard's) on the loading thread.
    pub fn is_window(&self) -> bool {
        matches!(
            self,
            Read::Customers { .. }
                | Read::Records { .. }
                | Read::RecordsWindow { .. }
                | Read::FunnelColumn(_)
        )
    }

    /// Which screen asks: a newer load for the same screen makes an older one moot. Each
    /// customer's 360° is a screen of its own (several may be open, one on another pane).
    pub fn slot(&self) -> String {
        match self {
            Read::Funnel(_) => "funnel".into(),
            Read::Calendar(_) => "calendar".into(),
            Read::Callbacks(_) => "callbacks".into(),
            Read::Tickets(_) => "tickets".into(),
            Read::Dashboard(_) => "dashboard".into(),
            Read::Duplicates(subject) => format!("duplicates:{}", subject.name()),
            Read::Customers { .. } => "customers".into(),
            Read::Records { list, .. } | Read::RecordsWindow { list, .. } => {
                format!("records:{list}")
            }
            Read::Customer360(ask) => format!("customer360:{}", ask.id),
            Read::Quote(ask) => format!("quote:{}", ask.id),
            Read::QuoteCatalogue => "quote-catalogue".into(),
            Read::Record(ask) => format!("record:{}:{}", ask.entity.name(), ask.id),
            Read::FunnelColumn(_) => "funnel-column".into(),
            Read::Due { .. } => "secretary".into(),
        }
    }
}

/// What a [`Read`] found.
#[derive(Debug, Clone, PartialEq)]
pub enum Loaded {
    Funnel(Box<FunnelData>),
    Calendar(Box<CalendarData>),
    Callbacks(Box<Vec<super::panes::callbacks::Callback>>),
    /// Shared, so no screen copies thousands of tickets in a frame.
    Tickets(Arc<TicketsData>),
    Customer360(Box<Customer360Data>),
    Dashboard(Box<crate::dashboard::figures::Figures>),
    Quote(Box<super::panes::quote_editor::QuoteData>),
    QuoteCatalogue(Arc<Vec<Record>>),
    Duplicates(Box<super::panes::duplicates::Queue>),
    Customers(Vec<Record>),
    Records(Vec<Record>),
    Record(Box<super::panes::record::RecordData>),
    FunnelColumn(Box<super::panes::funnel::ColumnData>),
    /// The window as asked (where the cursor stood) and as read again.
    RecordsWindow {
        asked_from: Box<super::list::Window>,
        window: Box<super::list::Window>,
    },
    /// The activities a [`Read::Due`] found.
    Due(Vec<Record>),
}

/// The ticket queue read, and its customers' names and levels read with it (looked up one by
/// one on the UI thread, a window's names cost more than a frame at a million customers), and
/// the service levels' calendars its countdowns count open time in.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct TicketsData {
    pub queue: Vec<Record>,
    pub names: HashMap<String, String>,
    /// Each customer's level, which picks its tickets' service level.
    pub levels: HashMap<String, String>,
    pub calendars: super::sla::OpenCalendars,
}

impl TicketsData {
    /// The calendar a queued ticket's clock counts in (`sla::OpenCalendars::for_ticket`).
    pub fn calendar_of(
        &self,
        ticket: &Record,
    ) -> Option<&crm_server::rules::business_time::Calendar> {
        let level = self
            .levels
            .get(super::data::text(ticket, "customer_id"))
            .map(String::as_str);
        self.calendars.for_ticket(ticket, level)
    }
}

/// A write a screen asks for off the UI thread.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Write {
    Update {
        entity: Entity,
        id: String,
        patch: Record,
    },
    /// A new record; `allow_duplicate` when the user saw the duplicate warning and went on.
    Create {
        entity: Entity,
        body: Record,
        allow_duplicate: bool,
    },
    /// New records one after another (a call and the callback it plans), stopping at the
    /// first refusal; answers the first.
    Creates(Vec<(Entity, Record)>),
    /// Deletes one after another, stopping at the first refusal (`WriteError::Stopped` says
    /// how far it got); answers an empty record.
    Delete { entity: Entity, ids: Vec<String> },
    /// Undoes the user's latest write not undone yet (`DataSource::undo`); answers what was
    /// undone as [`undo_answer`] makes it.
    Undo,
    /// Sends a refused write of the outbox again.
    Retry(i64),
    /// Drops a write of the outbox; the server's copy of its record comes back.
    Discard(i64),
    /// A sync conflict settled with the fields chosen.
    Resolve { conflict_id: String, chosen: Record },
}

/// Runs a read (on the reader thread; in tests and benches, wherever they like).
pub fn read(source: &dyn DataSource, read: &Read) -> Result<Loaded, DataError> {
    Ok(match read {
        Read::Funnel(ask) => Loaded::Funnel(Box::new(super::panes::funnel::read(source, ask)?)),
        Read::Duplicates(subject) => {
            Loaded::Duplicates(Box::new(super::panes::duplicates::read(source, *subject)?))
        }
        Read::Callbacks(ask) => {
            Loaded::Callbacks(Box::new(super::panes::callbacks::read(source, ask)?))
        }
        Read::Calendar(ask) => {
            Loaded::Calendar(Box::new(super::panes::calendar::read(source, ask)?))
        }
        Read::Tickets(q) => {
            let queue = source.ticket_queue(q)?;
            let mut names = HashMap::new();
            let mut levels = HashMap::new();
            for t in &queue {
                let cid = super::data::text(t, "customer_id");
                if !cid.is_empty() && !names.contains_key(cid) {
                    let customer = source.get(Entity::Customers, cid)?;
                    let name = customer
                        .as_ref()
                        .map(|c| super::data::text(c, "name"))
                        .filter(|n| !n.is_empty())
                        .unwrap_or(cid);
                    names.insert(cid.to_string(), name.to_string());
                    if let Some(level) = customer
                        .as_ref()
                        .and_then(|c| super::data::opt_text(c, "level"))
                    {
                        levels.insert(cid.to_string(), level.to_string());
                    }
                }
            }
            let calendars = super::sla::OpenCalendars::read(source)?;
            Loaded::Tickets(Arc::new(TicketsData {
                queue,
                names,
                levels,
                calendars,
            }))
        }
        Read::Customer360(ask) => {
            Loaded::Customer360(Box::new(super::panes::customer360::read(source, ask)?))
        }
        Read::Dashboard(ask) => {
            Loaded::Dashboard(Box::new(super::panes::dashboard::read(source, ask)?))
        }
        Read::Quote(ask) => Loaded::Quote(Box::new(super::panes::quote_editor::read(source, ask)?)),
        Read::QuoteCatalogue => Loaded::QuoteCatalogue(Arc::new(
            super::panes::quote_editor::read_catalogue(source)?,
        )),
        Read::Customers { query, limit } => Loaded::Customers(source.customers(query, 0, *limit)?),
        Read::Records {
            entity,
            query,
            limit,
            ..
        } => Loaded::Records(source.records(*entity, query, 0, *limit)?),
        Read::Record(ask) => Loaded::Record(Box::new(super::panes::record::read(source, ask)?)),
        Read::RecordsWindow {
            entity,
            query,
            window,
            height,
            ..
        } => {
            let mut fresh = (**window).clone();
            fresh.invalidate();
            fresh.ensure(*height, &mut |o, l, from_end| {
                super::panes::records::page(source, *entity, query, o, l, from_end)
            })?;
            Loaded::RecordsWindow {
                asked_from: window.clone(),
                window: Box::new(fresh),
            }
        }
        Read::FunnelColumn(ask) => {
            Loaded::FunnelColumn(Box::new(super::panes::funnel::read_column(source, ask)?))
        }
        Read::Due {
            since,
            until,
            owner,
        } => Loaded::Due(source.activities_between(*since, *until, Some(owner.as_str()))?),
    })
}

/// Runs a write (on the writer thread; in tests and benches, wherever they like).
pub fn write(source: &mut dyn DataSource, write: &Write) -> Result<Record, WriteError> {
    match write {
        Write::Update { entity, id, patch } => source.update(*entity, id, patch.clone()),
        Write::Create {
            entity,
            body,
            allow_duplicate,
        } => {
            let record = source.create(*entity, body.clone())?;
            if *allow_duplicate {
                let id = record.get("id").and_then(|v| v.as_str()).unwrap_or("");
                source.allow_duplicate(*entity, id)?;
            }
            Ok(record)
        }
        Write::Creates(bodies) => {
            let mut first = None;
            for (done, (entity, body)) in bodies.iter().enumerate() {
                match source.create(*entity, body.clone()) {
                    Ok(r) => {
                        first.get_or_insert(r);
                    }
                    Err(e) if done == 0 => return Err(e),
                    Err(e) => {
                        return Err(WriteError::Stopped {
                            done,
                            of: bodies.len(),
                            error: Box::new(e),
                        });
                    }
                }
            }
            Ok(first.unwrap_or_default())
        }
        Write::Delete { entity, ids } => {
            for (done, id) in ids.iter().enumerate() {
                if let Err(e) = source.delete(*entity, id) {
                    if ids.len() == 1 {
                        return Err(e);
                    }
                    return Err(WriteError::Stopped {
                        done,
                        of: ids.len(),
                        error: Box::new(e),
                    });
                }
            }
            Ok(Record::new())
        }
        Write::Undo => Ok(undo_answer(source.undo()?)),
        Write::Retry(seq) => source.retry_write(*seq).map(|()| Record::new()),
        Write::Discard(seq) => source.discard_write(*seq).map(|()| Record::new()),
        Write::Resolve {
            conflict_id,
            chosen,
        } => source
            .resolve_conflict(conflict_id, chosen.clone())
            .map(|()| Record::new()),
    }
}

/// An undo's answer as a write's answer carries it: `{"what", "conflicted"}`, or nothing when
/// there was nothing to undo. [`undone`] reads it back; nothing else looks inside.
pub fn undo_answer(done: Option<UndoDone>) -> Record {
    let mut r = Record::new();
    if let Some(done) = done {
        r.insert("what".into(), done.what.into());
        r.insert("conflicted".into(), done.conflicted.into());
    }
    r
}

/// What an undo's answer says was undone (see [`undo_answer`]).
pub fn undone(answer: &Record) -> Option<UndoDone> {
    Some(UndoDone {
        what: answer.get("what")?.as_str()?.to_string(),
        conflicted: answer
            .get("conflicted")
            .and_then(|v| v.as_bool())
            .unwrap_or(false),
    })
}

/// Of the loads waiting, the newest for each screen, oldest first: a reader that fell behind
/// reads only what is still asked.
pub fn newest_loads(waiting: Vec<(u64, Read)>) -> Vec<(u64, Read)> {
    let mut out: Vec<(u64, Read)> = Vec::new();
    for (id, r) in waiting {
        out.retain(|(_, o)| o.slot() != r.slot());
        out.push((id, r));
    }
    out
}

/// What the app does with the answer to a write a shared flow handed off (`Ctx::write_then`):
/// the screen that asked need not be the one in view when it comes.
#[derive(Debug, Clone, PartialEq)]
pub enum After {
    /// A form's save: on success the form (marked `saving` with the request) closes, "`verb`
    /// noun name" is said and, when given, `open` is shown; a refusal goes back to the form's
    /// fields (or its footer, or the status bar when the form was closed meanwhile).
    Form {
        verb: &'static str,
        entity: Entity,
        open: Option<super::screen::Place>,
    },
    /// Says `done` on success, the refusal (after `refused`) otherwise; either way everyone
    /// reloads (a refusal part way through has written some).
    Say { done: String, refused: String },
    /// A prompt's answer written (a resolution, a comment, a reminder moved): the prompt
    /// (marked `saving` with the request) stays open until the answer; on success it closes
    /// and `done` is said, a refusal is shown in it (after `refused`) with the text kept.
    Prompt { done: String, refused: String },
    /// `u`: says what was undone, or that nothing was, or why not.
    Undo,
    /// A conflict settled: says so, and offers the conflicts left.
    Conflict,
}

static REQUESTS: AtomicU64 = AtomicU64::new(1);

/// A new request number: answers find their question by it.
pub fn request() -> u64 {
    REQUESTS.fetch_add(1, Ordering::Relaxed)
}

/// What one screen waits for: its last load, and its writes not yet answered.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Pending {
    /// The load asked last; answers to older ones are stale.
    pub load: Option<u64>,
    /// Writes asked and not yet answered, oldest first.
    pub writes: Vec<u64>,
}

impl Pending {
    /// Numbers a new load; it replaces any load asked before.
    pub fn ask_load(&mut self) -> u64 {
        let r = request();
        self.load = Some(r);
        r
    }

    /// Numbers a new write.
    pub fn ask_write(&mut self) -> u64 {
        let r = request();
        self.writes.push(r);
        r
    }

    /// Whether the screen waits for anything (it shows "…" meanwhile).
    pub fn busy(&self) -> bool {
        self.load.is_some() || !self.writes.is_empty()
    }

    /// A load answered: true when it is to be shown. Only the last load asked counts, and
    /// not while writes are still unanswered: it may have read the data from before them,
    /// which would move a card back until the next reload (each answered write asks one).
    pub fn take_load(&mut self, request: u64) -> bool {
        if self.load != Some(request) {
            return false;
        }
        self.load = None;
        self.writes.is_empty()
    }

    /// A write answered: true when it was one of this screen's.
    pub fn take_write(&mut self, request: u64) -> bool {
        let before = self.writes.len();
        self.writes.retain(|w| *w != request);
        self.writes.len() != before
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_undo_answer_reads_back() {
        let done = UndoDone {
            what: "edit of customer C000001 上海东华".into(),
            conflicted: true,
        };
        assert_eq!(undone(&undo_answer(Some(done.clone()))), Some(done));
        assert_eq!(undone(&undo_answer(None)), None, "nothing to undo");
    }

    #[test]
    fn only_the_last_load_is_shown() {
        let mut p = Pending::default();
        let old = p.ask_load();
        let new = p.ask_load();
        assert!(p.busy());
        assert!(!p.take_load(old), "an older load's answer is stale");
        assert!(p.busy(), "still waiting for the newer one");
        assert!(p.take_load(new));
        assert!(!p.busy());
        assert!(!p.take_load(new), "answered once");
    }

    #[test]
    fn a_load_answered_while_a_write_waits_is_dropped() {
        let mut p = Pending::default();
        let load = p.ask_load();
        let write = p.ask_write();
        assert!(
            !p.take_load(load),
            "it may hold the data from before the write"
        );
        assert!(p.busy());
        assert!(!p.take_write(write + 1000), "not this screen's write");
        assert!(p.take_write(write));
        assert!(!p.busy());
        let load = p.ask_load();
        assert!(p.take_load(load), "asked after the write: shown");
    }

    #[test]
    fn a_reader_behind_reads_each_screens_newest_load() {
        let funnel = |m: u32| {
            Read::Funnel(FunnelAsk {
                filter: super::super::data::FunnelFilter {
                    close_month: Some((2026, m)),
                    ..Default::default()
                },
                ..FunnelAsk::default()
            })
        };
        let cal = Read::Calendar(CalendarAsk::default());
        let picked = newest_loads(vec![(1, funnel(1)), (2, cal.clone()), (3, funnel(2))]);
        assert_eq!(picked, vec![(2, cal), (3, funnel(2))]);
    }
}
