//! What every screen is and what it may use. A screen (a pane, or a view opened from one) owns
//! its state and every flow it starts: it opens dialogs, answers them and makes the writes they
//! lead to. It reaches beyond itself only through [`Msg`]s the app acts on: show a message, run
//! an effect, tell everyone the data changed, or navigate. Screens never call each other.

use chrono::{DateTime, Utc};
use crm_server::schema::Entity;
use ratatui::buffer::Buffer;
use ratatui::layout::{Position, Rect};
use serde_json::Value;

use super::action::{Action, Effect, Pane};
use super::data::{Capability, DataError, DataSource, Record, WriteError, denied, text};
use super::dialogs::{Choice, Confirm, Dialog, Form, Purpose};
use super::keymap::Mode;
use super::view::{Me, People, View};
use crate::zone::Zone;

/// An incoming call: the number that rang and when the screen popped (the call's duration
/// runs from then to the wrap-up).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Pop {
    pub phone: String,
    pub at: DateTime<Utc>,
}
use super::work::{After, Loaded, Read, Write};

/// Where a screen asks the app to go.
#[derive(Debug, Clone, PartialEq)]
pub enum Place {
    Pane(Pane),
    /// A customer's 360° view; `inbound` when opened for an incoming call.
    Customer {
        id: String,
        inbound: bool,
    },
    /// A customer's 360° view opened by an incoming call.
    Call {
        id: String,
        pop: Pop,
    },
    Ticket(String),
    /// The reminders list.
    Reminders,
    /// The Sales screen, as this role sees it.
    Sales(crm_server::access::Role),
    /// The approvals waiting for this user.
    Approvals,
    /// The callbacks queue, with the profile's dial command.
    Callbacks(String),
    /// The duplicate review queue of customers or contacts.
    Duplicates(Entity),
    /// The dashboard, for the period typed (`:dash 2026-Q4`), else this month.
    Dashboard(Option<String>),
    /// The generic list of an entity filtered by a query (a dashboard figure's records).
    Query(Entity, String),
    /// The generic list of an entity.
    List(Entity),
    /// The customers by the value model's score, highest first (`:value`).
    Ranked,
    /// The generic view of a record.
    Record {
        entity: Entity,
        id: String,
    },
    /// The review of unsent and refused changes.
    Outbox,
    /// The quote editor on a quote (by id).
    QuoteEditor(String),
    /// The Knowledge screen: articles, return visits, surveys.
    Knowledge,
    /// An article read; opened from a ticket, `y` replies to it with the article's link.
    Article {
        id: String,
        ticket: Option<String>,
    },
    /// A return visit's questionnaire.
    Visit(String),
    /// A survey's results.
    Survey(String),
    /// A customer's decision map (by the customer's id).
    DecisionMap(String),
}

/// What a screen asks of the app.
#[derive(Debug, Clone, PartialEq)]
pub enum Msg {
    Flash(String),
    Error(String),
    Effect(Effect),
    /// Something was written: every screen reloads what it shows (the hidden ones when shown).
    Changed,
    /// Open this place on top of the current one; Esc comes back.
    Go(Place),
    /// Back to where this screen was opened from.
    Back,
    /// The write `request` was handed off; the app does `After` with its answer.
    Await {
        request: u64,
        after: After,
    },
    /// The running call was logged: its timer stops.
    CallEnded,
    /// A call was dialled: its timer starts.
    CallStarted,
}

/// A dialog's answer, given to the screen that opened it.
#[derive(Debug, Clone, PartialEq)]
pub enum Answer {
    /// A pick-list's choice; the pick-list is closed.
    Picked(Choice),
    /// A prompt's text; the prompt stays open until the screen closes it (or shows why not).
    Text(String),
    /// A confirmation said yes; it is closed.
    Yes,
    /// What is typed in a dynamic pick-list other than the customers' (it stays open).
    Query(String),
    /// The form on top asks to be saved; it stays open until the screen closes it.
    Save,
    /// The log-call dialog on top chose an outcome; it stays open until the call is written.
    LogCall {
        outcome: String,
        direction: &'static str,
        note: String,
    },
}

/// A pane or a view: loads, handles actions, answers its dialogs, draws.
pub trait Screen {
    /// Reads what it shows (the first time it is shown, and after a write, a sync or a resize),
    /// keeping the cursor and scroll where they were.
    fn reload(&mut self, ctx: &mut Ctx);
    fn handle(&mut self, action: Action, ctx: &mut Ctx);
    /// The answer of a dialog this screen opened, by the purpose it gave it.
    fn answer(&mut self, purpose: Purpose, answer: Answer, ctx: &mut Ctx);
    /// Draws from its own state only: no reads here.
    fn render(&self, buf: &mut Buffer, area: Rect, view: &View);
    /// Its keymap mode.
    fn mode(&self) -> Mode;
    /// Its step in the breadcrumb: "Customers", "C000676 上海东华…", "T-001002".
    fn crumb(&self) -> String;
    fn click(&mut self, _x: u16, _y: u16, _ctx: &mut Ctx) {}
    fn paste(&mut self, _text: &str, _ctx: &mut Ctx) {}
    /// A count it asked for answered (it checks the request is its latest).
    fn counted(&mut self, _request: u64, _count: usize) {}
    /// Reminders it asked for (`Ctx::remind`) answered.
    fn reminded(&mut self, _request: u64, _reminders: &super::data::Reminders) {}
    /// A load it may have asked for (`Ctx::load`) answered: it checks the request is its own
    /// and its latest.
    fn loaded(&mut self, _request: u64, _data: &Result<Loaded, DataError>, _ctx: &mut Ctx) {}
    /// A write it may have asked for (`Ctx::write_later`) answered: on success it reports
    /// and asks everyone to reload (`Msg::Changed`); on failure it undoes what it showed.
    fn written(&mut self, _request: u64, _result: &Result<Record, WriteError>, _ctx: &mut Ctx) {}
    /// Typing into the screen itself (a search line): keys resolve as in a dialog.
    fn typing(&self) -> bool {
        false
    }
    /// The text caret, while typing.
    fn cursor(&self, _area: Rect) -> Option<Position> {
        None
    }
    /// Its record was deleted or left this user's view: the app closes it.
    fn gone(&self) -> bool {
        false
    }
    /// The kind of record its new/edit/delete keys act on, when one kind: the app offers
    /// those keys only when the user's role may use them.
    fn entity(&self) -> Option<Entity> {
        None
    }
}

/// What a screen may use while handling an action.
pub struct Ctx<'a> {
    pub source: &'a mut dyn DataSource,
    pub now: DateTime<Utc>,
    /// The user's zone: local days, times shown and typed.
    pub zone: Zone,
    pub me: &'a Me,
    pub people: &'a People,
    /// The screen's area, for page sizes and clicks.
    pub area: Rect,
    /// The dialog stack: a screen opens dialogs on it and closes the ones it answered.
    pub dialogs: &'a mut Vec<Dialog>,
    pub out: &'a mut Vec<Msg>,
    /// The call running, if any (`call::CallTimer`): the call dialog records its times.
    pub call: Option<crate::tui::call::CallTimer>,
}

impl Ctx<'_> {
    /// The user's local day now.
    pub fn today(&self) -> chrono::NaiveDate {
        self.zone.date(self.now)
    }

    /// The user's wall-clock time now, which typed dates are read against.
    pub fn local_now(&self) -> chrono::NaiveDateTime {
        self.zone.naive(self.now)
    }

    pub fn flash(&mut self, s: impl Into<String>) {
        self.out.push(Msg::Flash(s.into()));
    }

    pub fn error(&mut self, e: impl std::fmt::Display) {
        self.out.push(Msg::Error(e.to_string()));
    }

    /// Opens a dialog; a create or edit form only when the user's role may do that (else the
    /// reason is shown).
    pub fn open(&mut self, d: Dialog) {
        if let Dialog::Form(form) = &d {
            let need = match &form.purpose {
                Purpose::Create(e) => Some((Capability::Create, *e)),
                Purpose::Edit(e, _) => Some((Capability::Edit, *e)),
                _ => None,
            };
            if let Some((capability, entity)) = need
                && !self.permits(capability, entity)
            {
                return;
            }
        }
        self.dialogs.push(d);
    }

    /// May the user's role do this, as the server said? When not, says so.
    pub fn permits(&mut self, capability: Capability, entity: Entity) -> bool {
        if self.source.may(capability, entity) == Some(false) {
            self.error(denied(capability, entity));
            return false;
        }
        true
    }

    /// Closes the dialog on top.
    pub fn close(&mut self) {
        self.dialogs.pop();
    }

    /// Asks for a read off the UI thread (see `work::Pending::ask_load`).
    pub fn load(&mut self, request: u64, read: Read) {
        self.out.push(Msg::Effect(Effect::Load { request, read }));
    }

    /// Asks for a write off the UI thread (see `work::Pending::ask_write`).
    pub fn write_later(&mut self, request: u64, write: Write) {
        self.out.push(Msg::Effect(Effect::Write { request, write }));
    }

    /// Hands a write of a shared flow to the writer thread; the app does `after` with its
    /// answer, whichever screen is in view then. Returns the request number.
    pub fn write_then(&mut self, write: Write, after: After) -> u64 {
        let request = super::work::request();
        self.out.push(Msg::Effect(Effect::Write { request, write }));
        self.out.push(Msg::Await { request, after });
        request
    }

    /// Writes the answer of the prompt on top on the writer thread: the prompt stays open,
    /// marked saving, until the answer closes it (saying `done`) or shows the refusal in it
    /// with the text kept (`After::Prompt`).
    pub fn write_from_prompt(&mut self, write: Write, done: impl Into<String>, refused: &str) {
        let request = self.write_then(
            write,
            After::Prompt {
                done: done.into(),
                refused: refused.into(),
            },
        );
        if let Some(Dialog::Prompt(p)) = self.dialogs.last_mut() {
            p.saving = Some(request);
            p.error = None;
        }
    }

    /// Asks for a list's exact length off the UI thread (see `ListView::recount`).
    pub fn count(&mut self, request: u64, query: super::data::CountQuery) {
        self.out.push(Msg::Effect(Effect::Count { request, query }));
    }

    /// Asks for the reminders off the UI thread; the answer reaches `Screen::reminded` with
    /// the number returned.
    pub fn remind(&mut self, query: super::data::ReminderQuery) -> u64 {
        let request = super::list::next_request();
        self.out
            .push(Msg::Effect(Effect::Reminders { request, query }));
        request
    }

    pub fn go(&mut self, place: Place) {
        self.out.push(Msg::Go(place));
    }

    pub fn back(&mut self) {
        self.out.push(Msg::Back);
    }

    /// A read's value, or its default with the error shown.
    pub fn ok<T: Default>(&mut self, r: Result<T, DataError>) -> T {
        r.unwrap_or_else(|e| {
            self.error(e);
            T::default()
        })
    }

    /// Applies a write; on success reports `done` and asks everyone to reload.
    pub fn write(&mut self, r: Result<Record, WriteError>, done: &str) -> Option<Record> {
        match r {
            Ok(record) => {
                self.flash(done);
                self.out.push(Msg::Changed);
                Some(record)
            }
            Err(e) => {
                self.error(e);
                None
            }
        }
    }

    /// The name of a referenced record, for forms and labels.
    pub fn label_of(&mut self, entity: Entity, id: &str) -> String {
        ref_label(&*self.source, self.people, entity, id)
    }

    /// Pick-list choices of the active users.
    pub fn user_choices(&self) -> Vec<Choice> {
        self.people
            .active()
            .map(|(id, name, about)| Choice::new(id, name, about))
            .collect()
    }

    /// A form for `entity`, its reference fields named.
    pub fn form(
        &mut self,
        title: &str,
        entity: Entity,
        purpose: Purpose,
        record: Option<&Record>,
        hidden: Record,
    ) -> Form {
        let role = self.me.role;
        let source = &*self.source;
        let people = self.people;
        let catalog = source.catalog();
        Form::new(
            title,
            entity,
            purpose,
            role,
            record,
            hidden,
            &mut |e, id| ref_label(source, people, e, id),
        )
        .in_zone(self.zone, record)
        .with_custom(&catalog, role, record, self.me.lang, &mut |e, id| {
            ref_label(source, people, e, id)
        })
    }

    pub fn copy_id(&mut self, id: &str) {
        if id.is_empty() {
            return;
        }
        self.out
            .push(Msg::Effect(Effect::Clipboard(id.to_string())));
        self.flash(format!("Copied id {id}"));
    }

    pub fn confirm_delete(&mut self, entity: Entity, id: &str, what: &str) {
        if !self.permits(Capability::Delete, entity) {
            return;
        }
        let c = Confirm::new(
            format!("Delete {}", entity.noun()),
            vec![
                format!("Delete {} {what}?", entity.noun()),
                "It goes from everyone's view once synced.".into(),
            ],
            Purpose::Delete {
                entity,
                id: id.to_string(),
            },
        )
        .danger();
        self.open(Dialog::Confirm(c));
    }

    pub fn confirm_delete_many(&mut self, entity: Entity, ids: Vec<String>) {
        if !self.permits(Capability::Delete, entity) {
            return;
        }
        let n = ids.len();
        let c = Confirm::new(
            format!("Delete {n} {}", entity.name()),
            vec![
                format!("Delete the {n} marked {}?", entity.name()),
                "They go from everyone's view once synced.".into(),
            ],
            Purpose::DeleteMany { entity, ids },
        )
        .danger();
        self.open(Dialog::Confirm(c));
    }

    /// Shows why the prompt on top cannot take its answer; it stays open.
    pub fn refuse(&mut self, why: impl Into<String>) {
        if let Some(Dialog::Prompt(p)) = self.dialogs.last_mut() {
            p.error = Some(why.into());
        }
    }
}

fn ref_label(source: &dyn DataSource, people: &People, entity: Entity, id: &str) -> String {
    if entity == Entity::Users {
        return people.name(id);
    }
    record_label(source, entity, id)
}

/// The name of a record that is not a user (those are named by `People`), else its id.
pub fn record_label(source: &dyn DataSource, entity: Entity, id: &str) -> String {
    match source.get(entity, id) {
        Ok(Some(r)) => ["name", "subject", "number", "username"]
            .iter()
            .map(|f| text(&r, f))
            .find(|s| !s.is_empty())
            .unwrap_or(id)
            .to_string(),
        _ => id.to_string(),
    }
}

/// A JSON object literal as a record.
pub fn obj(v: Value) -> Record {
    v.as_object().cloned().unwrap_or_default()
}
