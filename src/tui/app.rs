//! The application state and its one entry for change, [`App::update`]. Panes get a [`Ctx`] to
//! read and write through and post [`Msg`]s for what is beyond them (open a dialog, show a
//! customer, tell everyone data changed); the app handles the messages, so panes never call
//! each other. Dialog answers are acted on here, by their purpose.

use std::path::PathBuf;

use chrono::{DateTime, Datelike, NaiveDate, NaiveTime, Utc};
use crm_server::access::Role;
use crm_server::dedupe;
use crm_server::schema::{Entity, Kind};
use crm_server::validate::{self, Mode as ValidateMode, format_time};
use crossterm::event::{
    Event, KeyCode, KeyEvent, KeyEventKind, KeyModifiers, MouseButton, MouseEvent, MouseEventKind,
};
use ratatui::Frame;
use ratatui::layout::Rect;
use serde_json::{Value, json};

use super::action::{Action, Effect, Pane};
use super::data::{CustomerQuery, DataError, DataSource, Record, SourceStatus, WriteError, text};
use super::dates;
use super::dialogs::command::{self, Command, CommandLine, LineOutcome};
use super::dialogs::{
    Choice, Confirm, ConflictChooser, Dialog, Form, Help, Outcome, Picker, Prompt, Purpose,
};
use super::keymap::{Key, Keymap, Mode, Resolved};
use super::panes::calendar::CalendarPane;
use super::panes::customers::CustomersPane;
use super::panes::funnel::FunnelPane;
use super::panes::tickets::TicketsPane;
use super::theme::Theme;
use super::{SyncStatus, TuiOptions, ui};

/// The users of the system, for names and pick-lists.
#[derive(Debug, Clone, Default)]
pub struct People {
    users: Vec<Record>,
}

impl People {
    pub fn new(users: Vec<Record>) -> People {
        People { users }
    }

    pub fn all(&self) -> &[Record] {
        &self.users
    }

    pub fn get(&self, id: &str) -> Option<&Record> {
        self.users.iter().find(|u| text(u, "id") == id)
    }

    /// A user's display name, else their username; "—" for nobody.
    pub fn name(&self, id: &str) -> String {
        if id.is_empty() {
            return "—".into();
        }
        match self.get(id) {
            Some(u) => {
                let n = text(u, "display_name");
                if n.is_empty() {
                    text(u, "username").to_string()
                } else {
                    n.to_string()
                }
            }
            None => "?".into(),
        }
    }

    /// Pick-list choices of active users.
    pub fn choices(&self) -> Vec<Choice> {
        self.users
            .iter()
            .filter(|u| u.get("active") != Some(&Value::Bool(false)))
            .map(|u| {
                Choice::new(
                    text(u, "id"),
                    self.name(text(u, "id")),
                    format!("{} · {}", text(u, "username"), text(u, "role")),
                )
            })
            .collect()
    }
}

/// The signed-in user.
#[derive(Debug, Clone)]
pub struct Me {
    pub id: Option<String>,
    pub username: String,
    pub role: Role,
}

/// What a pane asks of the app.
#[derive(Debug, Clone, PartialEq)]
pub enum Msg {
    Flash(String),
    Error(String),
    Open(Box<Dialog>),
    Effect(Effect),
    OpenCustomer(String),
    OpenTicket(String),
    /// Something was written: every pane reloads what it shows.
    Changed,
}

/// What a pane may use while handling an action.
pub struct Ctx<'a> {
    pub source: &'a mut dyn DataSource,
    pub now: DateTime<Utc>,
    pub me: &'a Me,
    pub people: &'a People,
    /// The pane's area on screen, for page sizes.
    pub area: Rect,
    pub out: &'a mut Vec<Msg>,
}

impl Ctx<'_> {
    pub fn flash(&mut self, s: impl Into<String>) {
        self.out.push(Msg::Flash(s.into()));
    }

    pub fn error(&mut self, e: impl std::fmt::Display) {
        self.out.push(Msg::Error(e.to_string()));
    }

    pub fn open(&mut self, d: Dialog) {
        self.out.push(Msg::Open(Box::new(d)));
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
        Form::new(
            title,
            entity,
            purpose,
            role,
            record,
            hidden,
            &mut |e, id| ref_label(source, people, e, id),
        )
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
}

fn ref_label(source: &dyn DataSource, people: &People, entity: Entity, id: &str) -> String {
    if entity == Entity::Users {
        return people.name(id);
    }
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

/// What drawing needs besides the panes' own state.
pub struct View<'a> {
    pub theme: &'a Theme,
    pub now: DateTime<Utc>,
    pub people: &'a People,
    pub me: &'a Me,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Flash {
    pub text: String,
    pub error: bool,
    pub at: DateTime<Utc>,
}

pub struct App {
    pub profile: String,
    pub now: DateTime<Utc>,
    pub size: Rect,
    source: Box<dyn DataSource + Send>,
    pub theme: Theme,
    theme_dir: Option<PathBuf>,
    no_color: bool,
    pub keymap: Keymap,
    pending: Vec<Key>,
    pub pane: Pane,
    pub me: Me,
    pub people: People,
    pub status: SourceStatus,
    /// What the sync engine last said, over what the source guesses.
    pub online: Option<bool>,
    pub synced_at: Option<DateTime<Utc>>,
    pub flash: Option<Flash>,
    pub customers: CustomersPane,
    pub funnel: FunnelPane,
    pub calendar: CalendarPane,
    pub tickets: TicketsPane,
    pub dialogs: Vec<Dialog>,
    pub command: Option<CommandLine>,
    /// Panes whose data changed while hidden: reloaded when shown, so a write costs one reload.
    stale: [bool; 4],
    effects: Vec<Effect>,
}

/// A `Ctx` over the app's fields, leaving the panes free to be borrowed beside it.
macro_rules! ctx {
    ($app:ident, $out:ident) => {
        Ctx {
            source: &mut *$app.source,
            now: $app.now,
            me: &$app.me,
            people: &$app.people,
            area: ui::content_area($app.size),
            out: &mut $out,
        }
    };
}

impl App {
    pub fn new(options: TuiOptions, source: Box<dyn DataSource + Send>, now: DateTime<Utc>) -> App {
        let mut startup_errors = Vec::new();
        let theme = Theme::load(
            &options.theme,
            options.theme_dir.as_deref(),
            options.no_color,
        )
        .unwrap_or_else(|e| {
            startup_errors.push(e.to_string());
            Theme::fallback(options.no_color)
        });
        let (keymap, key_errors) = Keymap::default_map().with_overrides(&options.keymap);
        startup_errors.extend(key_errors.iter().map(ToString::to_string));
        let users = source.users().unwrap_or_else(|e| {
            startup_errors.push(e.to_string());
            Vec::new()
        });
        let people = People::new(users);
        let me_record = people
            .all()
            .iter()
            .find(|u| text(u, "username") == options.username);
        let me = Me {
            id: me_record.map(|u| text(u, "id").to_string()),
            username: options.username.clone(),
            // Unknown until the first sync brings the users: let the server be the judge.
            role: me_record
                .and_then(|u| Role::parse(text(u, "role")))
                .unwrap_or(Role::Admin),
        };
        let status = source.status();
        let mut app = App {
            profile: options.profile.clone(),
            now,
            size: Rect::new(0, 0, 80, 24),
            source,
            theme,
            theme_dir: options.theme_dir.clone(),
            no_color: options.no_color,
            keymap,
            pending: Vec::new(),
            pane: options.initial_pane,
            tickets: TicketsPane::new(me.id.clone()),
            me,
            people,
            online: status.online,
            synced_at: None,
            status,
            flash: None,
            customers: CustomersPane::default(),
            funnel: FunnelPane::default(),
            calendar: CalendarPane::new(now.date_naive(), options.quiet_days.clone()),
            dialogs: Vec::new(),
            command: None,
            stale: [false; 4],
            effects: Vec::new(),
        };
        app.show(app.pane);
        if let Some(phone) = options.pop.as_deref().filter(|p| !p.trim().is_empty()) {
            app.pop(phone);
        }
        if !startup_errors.is_empty() {
            app.set_flash(startup_errors.join("; "), true);
        }
        app
    }

    /// The signed-in user among the users, once a sync has brought them.
    fn find_me(&mut self) {
        if self.me.id.is_some() {
            return;
        }
        let Some(u) = self
            .people
            .all()
            .iter()
            .find(|u| text(u, "username") == self.me.username)
        else {
            return;
        };
        self.me.id = Some(text(u, "id").to_string());
        self.me.role = Role::parse(text(u, "role")).unwrap_or(self.me.role);
        self.tickets.query.me = self.me.id.clone();
        self.stale = [true; 4];
    }

    /// Terminal events in, effects out.
    pub fn handle_event(&mut self, event: Event) -> Vec<Effect> {
        match event {
            Event::Key(key) if key.kind != KeyEventKind::Release => self.key(key),
            Event::Paste(text) => self.update(Action::Paste(text)),
            Event::Mouse(m) => self.update(Action::Mouse(m)),
            Event::Resize(w, h) => self.update(Action::Resize(w, h)),
            _ => Vec::new(),
        }
    }

    /// The keymap modes that apply now, first wins.
    pub fn modes(&self) -> Vec<Mode> {
        if self.command.is_some() {
            return vec![Mode::Dialog];
        }
        if let Some(d) = self.dialogs.last() {
            return vec![if d.types_text() {
                Mode::Dialog
            } else {
                Mode::Chooser
            }];
        }
        if self.pane == Pane::Customers && self.customers.search.is_some() {
            return vec![Mode::Dialog];
        }
        vec![self.pane_mode(), Mode::Global]
    }

    pub fn pane_mode(&self) -> Mode {
        match self.pane {
            Pane::Customers if self.customers.view.is_some() => Mode::Customer,
            Pane::Customers => Mode::Customers,
            Pane::Funnel => Mode::Funnel,
            Pane::Calendar => Mode::Calendar,
            Pane::Tickets if self.tickets.view.is_some() => Mode::Ticket,
            Pane::Tickets => Mode::Tickets,
        }
    }

    /// A key press: Ctrl-C quits from anywhere; the rest goes through the keymap.
    pub fn key(&mut self, key: KeyEvent) -> Vec<Effect> {
        if key.code == KeyCode::Char('c') && key.modifiers.contains(KeyModifiers::CONTROL) {
            self.pending.clear();
            return self.update(Action::Quit);
        }
        let modes = self.modes();
        self.pending.push(Key::from_event(&key));
        match self.keymap.resolve(&modes, &self.pending) {
            Resolved::Action(action) => {
                self.pending.clear();
                self.update(action)
            }
            Resolved::Pending => Vec::new(),
            Resolved::Unbound => {
                let was_sequence = self.pending.len() > 1;
                self.pending.clear();
                if was_sequence {
                    // "g x": the sequence failed; x may mean something on its own.
                    self.key(key)
                } else if modes == [Mode::Dialog] {
                    self.update(Action::Key(key))
                } else {
                    Vec::new()
                }
            }
        }
    }

    pub fn update(&mut self, action: Action) -> Vec<Effect> {
        match action {
            Action::Quit => self.effects.push(Effect::Quit),
            Action::Tick(now) => self.tick(now),
            Action::Resize(w, h) => {
                self.size = Rect::new(0, 0, w, h);
                self.reload_all();
            }
            Action::SyncStatus(s) => self.on_sync(s),
            Action::Mouse(m) => self.on_mouse(m),
            Action::Paste(text) => self.on_paste(&text),
            Action::Run(line) => self.run_command(&line),
            Action::Noop => {}
            other => {
                if self.command.is_some() {
                    self.command_action(other);
                } else if !self.dialogs.is_empty() {
                    self.dialog_action(other);
                } else {
                    self.pane_or_global(other);
                }
            }
        }
        std::mem::take(&mut self.effects)
    }

    pub fn render(&self, frame: &mut Frame) {
        ui::render(self, frame);
    }

    pub fn view(&self) -> View<'_> {
        View {
            theme: &self.theme,
            now: self.now,
            people: &self.people,
            me: &self.me,
        }
    }

    pub fn set_flash(&mut self, text: impl Into<String>, error: bool) {
        self.flash = Some(Flash {
            text: text.into(),
            error,
            at: self.now,
        });
    }

    /// The top dialog's kind, for tests and the footer.
    pub fn dialog_name(&self) -> Option<&'static str> {
        self.dialogs.last().map(Dialog::name)
    }

    fn tick(&mut self, now: DateTime<Utc>) {
        self.now = now;
        self.status = self.source.status();
        if self
            .flash
            .as_ref()
            .is_some_and(|f| (now - f.at).num_seconds() >= 8)
        {
            self.flash = None;
        }
    }

    fn on_sync(&mut self, status: SyncStatus) {
        match status {
            SyncStatus::Online => self.online = Some(true),
            SyncStatus::Offline { reason } => {
                self.online = Some(false);
                if !reason.is_empty() {
                    self.set_flash(
                        format!("offline: {reason}; writes wait in the outbox"),
                        false,
                    );
                }
            }
            SyncStatus::Synced { at, pulled, .. } => {
                self.online = Some(true);
                self.synced_at = Some(at);
                if pulled > 0 {
                    self.reload_all();
                }
            }
            SyncStatus::Conflicts { count } => {
                self.set_flash(
                    format!(
                        "{count} sync conflict{} — press ! to resolve",
                        if count == 1 { "" } else { "s" }
                    ),
                    true,
                );
            }
            SyncStatus::Rejected { message } => {
                self.set_flash(format!("the server refused a change: {message}"), true)
            }
            SyncStatus::Notice { message, error } => self.set_flash(message, error),
        }
        self.status = self.source.status();
    }

    fn on_paste(&mut self, text: &str) {
        if let Some(line) = self.command.as_mut() {
            line.paste(text);
        } else if let Some(d) = self.dialogs.last_mut() {
            d.paste(text);
        } else if self.pane == Pane::Customers {
            // Pasting a phone number or name into the list searches for it.
            let mut out = Vec::new();
            let mut ctx = ctx!(self, out);
            self.customers.paste(text, &mut ctx);
            self.process(out);
        }
    }

    fn on_mouse(&mut self, m: MouseEvent) {
        match m.kind {
            MouseEventKind::ScrollDown | MouseEventKind::ScrollUp => {
                let action = if m.kind == MouseEventKind::ScrollDown {
                    Action::Down
                } else {
                    Action::Up
                };
                for _ in 0..3 {
                    self.update(action.clone());
                }
            }
            MouseEventKind::Down(MouseButton::Left) => {
                if !self.dialogs.is_empty() || self.command.is_some() {
                    return;
                }
                if m.row == 0 {
                    if let Some(p) = ui::tab_at(m.column) {
                        self.show(p);
                    }
                    return;
                }
                // The status bar: a click there with conflicts waiting opens the chooser.
                if m.row + 2 == self.size.height {
                    if self.status.conflicts > 0 {
                        self.open_conflicts();
                    }
                    return;
                }
                let mut out = Vec::new();
                let mut ctx = ctx!(self, out);
                match self.pane {
                    Pane::Customers => self.customers.click(m.column, m.row, &mut ctx),
                    Pane::Funnel => self.funnel.click(m.column, m.row, &mut ctx),
                    Pane::Calendar => self.calendar.click(m.column, m.row, &mut ctx),
                    Pane::Tickets => self.tickets.click(m.column, m.row, &mut ctx),
                }
                self.process(out);
            }
            _ => {}
        }
    }

    /// Switches to a pane, loading it the first time.
    pub fn show(&mut self, pane: Pane) {
        self.pane = pane;
        let mut out = Vec::new();
        let mut ctx = ctx!(self, out);
        let was_loaded = match pane {
            Pane::Customers => self.customers.loaded,
            Pane::Funnel => self.funnel.loaded,
            Pane::Calendar => self.calendar.loaded,
            Pane::Tickets => self.tickets.loaded,
        };
        let stale = std::mem::take(&mut self.stale[pane.index()]) && was_loaded;
        match pane {
            Pane::Customers => self.customers.ensure_loaded(&mut ctx),
            Pane::Funnel => self.funnel.ensure_loaded(&mut ctx),
            Pane::Calendar => self.calendar.ensure_loaded(&mut ctx),
            Pane::Tickets => self.tickets.ensure_loaded(&mut ctx),
        }
        if stale {
            match pane {
                Pane::Customers => self.customers.reload(&mut ctx),
                Pane::Funnel => self.funnel.reload(&mut ctx),
                Pane::Calendar => self.calendar.reload(&mut ctx),
                Pane::Tickets => self.tickets.reload(&mut ctx),
            }
        }
        self.process(out);
    }

    /// Reloads what the pane in view shows (after a write, a sync, a resize); the others are
    /// reloaded when next shown.
    pub fn reload_all(&mut self) {
        self.status = self.source.status();
        if let Ok(users) = self.source.users() {
            self.people = People::new(users);
            self.find_me();
        }
        let mut out = Vec::new();
        let mut ctx = ctx!(self, out);
        match self.pane {
            Pane::Customers => self.customers.reload(&mut ctx),
            Pane::Funnel => self.funnel.reload(&mut ctx),
            Pane::Calendar => self.calendar.reload(&mut ctx),
            Pane::Tickets => self.tickets.reload(&mut ctx),
        }
        for p in Pane::ALL {
            if p != self.pane {
                self.stale[p.index()] = true;
            }
        }
        self.process(out);
    }

    fn pop(&mut self, phone: &str) {
        match self.source.customer_by_phone(phone) {
            Ok(Some(c)) => {
                self.customers.inbound = true;
                self.open_customer(text(&c, "id").to_string());
                self.set_flash(format!("Incoming call from {phone}"), false);
            }
            Ok(None) => {
                self.show(Pane::Customers);
                self.customers.inbound = true;
                let prefill = json!({"phone": phone})
                    .as_object()
                    .cloned()
                    .unwrap_or_default();
                let mut out = Vec::new();
                let mut ctx = ctx!(self, out);
                let form = ctx.form(
                    "New customer (caller not found)",
                    Entity::Customers,
                    Purpose::Create(Entity::Customers),
                    Some(&prefill),
                    Record::new(),
                );
                ctx.open(Dialog::Form(form));
                self.process(out);
                self.set_flash(
                    format!("No customer with phone {phone}: new customer"),
                    false,
                );
            }
            Err(e) => self.set_flash(e.to_string(), true),
        }
    }

    fn open_customer(&mut self, id: String) {
        self.show(Pane::Customers);
        let mut out = Vec::new();
        let mut ctx = ctx!(self, out);
        self.customers.open(&id, &mut ctx);
        self.process(out);
    }

    fn process(&mut self, mut msgs: Vec<Msg>) {
        let mut changed = false;
        while !msgs.is_empty() {
            for msg in std::mem::take(&mut msgs) {
                match msg {
                    Msg::Flash(s) => self.set_flash(s, false),
                    Msg::Error(s) => self.set_flash(s, true),
                    Msg::Open(d) => self.dialogs.push(*d),
                    Msg::Effect(e) => self.effects.push(e),
                    Msg::Changed => changed = true,
                    Msg::OpenCustomer(id) => self.open_customer(id),
                    Msg::OpenTicket(id) => {
                        self.show(Pane::Tickets);
                        let mut ctx = ctx!(self, msgs);
                        self.tickets.open(&id, &mut ctx);
                    }
                }
            }
        }
        if changed {
            self.reload_all();
        }
    }

    fn pane_or_global(&mut self, action: Action) {
        match action {
            Action::Pane(p) => self.show(p),
            Action::NextPane => self.show(Pane::ALL[(self.pane.index() + 1) % 4]),
            Action::PrevPane => self.show(Pane::ALL[(self.pane.index() + 3) % 4]),
            Action::Help => {
                let modes = [self.pane_mode(), Mode::Global, Mode::Dialog, Mode::Chooser];
                self.dialogs
                    .push(Dialog::Help(Help::new(&self.keymap, &modes)));
            }
            Action::CommandLine => {
                self.command = Some(CommandLine::new(Theme::names(self.theme_dir.as_deref())))
            }
            Action::Sync => {
                self.effects.push(Effect::SyncNow);
                self.set_flash("Sync requested", false);
            }
            Action::Conflicts => self.open_conflicts(),
            other => {
                let mut out = Vec::new();
                let mut ctx = ctx!(self, out);
                match self.pane {
                    Pane::Customers => self.customers.handle(other, &mut ctx),
                    Pane::Funnel => self.funnel.handle(other, &mut ctx),
                    Pane::Calendar => self.calendar.handle(other, &mut ctx),
                    Pane::Tickets => self.tickets.handle(other, &mut ctx),
                }
                self.process(out);
            }
        }
    }

    fn open_conflicts(&mut self) {
        match self.source.conflicts() {
            Ok(c) if c.is_empty() => self.set_flash("No sync conflicts", false),
            Ok(c) => self
                .dialogs
                .push(Dialog::Conflicts(ConflictChooser::new(c))),
            Err(e) => self.set_flash(e.to_string(), true),
        }
    }

    fn command_action(&mut self, action: Action) {
        let Some(line) = self.command.as_mut() else {
            return;
        };
        match line.handle(&action) {
            LineOutcome::Stay => {}
            LineOutcome::Cancel => self.command = None,
            LineOutcome::Run(text) => {
                self.command = None;
                self.run_command(&text);
            }
        }
    }

    /// Runs a `:` command.
    pub fn run_command(&mut self, line: &str) {
        let cmd = match command::parse(line) {
            Ok(c) => c,
            Err(e) => return self.set_flash(e, true),
        };
        match cmd {
            Command::Quit => self.effects.push(Effect::Quit),
            Command::Pane(p) => self.show(p),
            Command::Search(s) => {
                self.show(Pane::Customers);
                let mut out = Vec::new();
                let mut ctx = ctx!(self, out);
                self.customers.set_search(&s, &mut ctx);
                self.process(out);
            }
            Command::New(entity) => {
                let pane = match entity {
                    Entity::Opportunities => Pane::Funnel,
                    Entity::Activities => Pane::Calendar,
                    Entity::Tickets => Pane::Tickets,
                    _ => Pane::Customers,
                };
                self.show(pane);
                let mut out = Vec::new();
                let mut ctx = ctx!(self, out);
                match pane {
                    Pane::Customers => {
                        self.customers.view = None;
                        self.customers.handle(Action::New, &mut ctx);
                    }
                    Pane::Funnel => self.funnel.handle(Action::New, &mut ctx),
                    Pane::Calendar => self.calendar.handle(Action::New, &mut ctx),
                    Pane::Tickets => {
                        self.tickets.view = None;
                        self.tickets.handle(Action::New, &mut ctx);
                    }
                }
                self.process(out);
            }
            Command::Goto(s) => match dates::parse(&s, self.now.naive_utc()) {
                Ok(w) => self.goto(w.date),
                Err(e) => self.set_flash(e.to_string(), true),
            },
            Command::Theme(name) => {
                match Theme::load(&name, self.theme_dir.as_deref(), self.no_color) {
                    Ok(t) => {
                        self.theme = t;
                        self.set_flash(format!("Theme {name}"), false);
                    }
                    Err(e) => self.set_flash(e.to_string(), true),
                }
            }
            Command::Sync => self.pane_or_global(Action::Sync),
            Command::Conflicts => self.open_conflicts(),
            Command::Help => self.pane_or_global(Action::Help),
            Command::Sort(s) => {
                self.show(Pane::Customers);
                let mut out = Vec::new();
                let mut ctx = ctx!(self, out);
                self.customers.set_sort(s, &mut ctx);
                self.process(out);
            }
            Command::Scope(s) => {
                self.show(Pane::Tickets);
                self.pane_or_global(Action::Scope(s));
            }
            Command::View(v) => {
                self.show(Pane::Calendar);
                self.pane_or_global(Action::View(v));
            }
        }
    }

    fn goto(&mut self, date: NaiveDate) {
        self.show(Pane::Calendar);
        let mut out = Vec::new();
        let mut ctx = ctx!(self, out);
        self.calendar.goto(date, &mut ctx);
        self.process(out);
    }

    fn dialog_action(&mut self, action: Action) {
        let now = self.now;
        let Some(top) = self.dialogs.last_mut() else {
            return;
        };
        let outcome = top.handle(&action, now);
        self.on_outcome(outcome);
    }

    fn top_purpose(&self) -> Purpose {
        match self.dialogs.last() {
            Some(Dialog::Form(d)) => d.purpose.clone(),
            Some(Dialog::Picker(d)) => d.purpose.clone(),
            Some(Dialog::Prompt(d)) => d.purpose.clone(),
            Some(Dialog::Confirm(d)) => d.purpose.clone(),
            _ => Purpose::Info,
        }
    }

    fn on_outcome(&mut self, outcome: Outcome) {
        match outcome {
            Outcome::Stay => {}
            Outcome::Cancel | Outcome::No => {
                self.dialogs.pop();
            }
            Outcome::Save => self.save_form(),
            Outcome::OpenPicker { field, filter } => self.open_field_picker(field, &filter),
            Outcome::Query(filter) => self.query_picker(&filter),
            Outcome::Picked(choice) => {
                let purpose = self.top_purpose();
                self.dialogs.pop();
                self.picked(purpose, choice);
            }
            Outcome::Text(answer) => {
                let purpose = self.top_purpose();
                self.answered(purpose, answer);
            }
            Outcome::Yes => {
                let purpose = self.top_purpose();
                self.dialogs.pop();
                self.confirmed(purpose);
            }
            Outcome::LogCall {
                outcome,
                direction,
                note,
            } => self.log_call(outcome, direction, note),
            Outcome::Resolve {
                conflict_id,
                chosen,
            } => match self.source.resolve_conflict(&conflict_id, chosen) {
                Ok(()) => {
                    self.dialogs.pop();
                    self.set_flash(
                        "Conflict resolved; the chosen fields go to the server",
                        false,
                    );
                    self.reload_all();
                    if let Ok(rest) = self.source.conflicts()
                        && !rest.is_empty()
                    {
                        self.dialogs
                            .push(Dialog::Conflicts(ConflictChooser::new(rest)));
                    }
                }
                Err(e) => self.set_flash(e.to_string(), true),
            },
        }
    }

    fn save_form(&mut self) {
        let (role, now) = (self.me.role, self.now);
        let Some(Dialog::Form(form)) = self.dialogs.last_mut() else {
            return;
        };
        if form.purpose == Purpose::CustomerFilter {
            let pick = |name: &str| {
                form.field(name)
                    .map(|f| {
                        if f.kind == Kind::Ref(Entity::Users) {
                            f.ref_id.clone().unwrap_or_default()
                        } else {
                            f.input.value().trim().to_string()
                        }
                    })
                    .filter(|v| !v.is_empty())
            };
            let (level, owner, lifecycle, region) = (
                pick("level"),
                pick("owner_id"),
                pick("lifecycle"),
                pick("region"),
            );
            self.dialogs.pop();
            let mut out = Vec::new();
            let mut ctx = ctx!(self, out);
            self.customers
                .set_filters(level, owner, lifecycle, region, &mut ctx);
            self.process(out);
            return;
        }
        let Some(body) = form.collect(now, role) else {
            return;
        };
        match form.purpose.clone() {
            Purpose::Create(entity) => {
                if entity == Entity::Customers && !form.allow_duplicate {
                    match self.source.find_duplicates(&body) {
                        Ok(found) if !found.is_empty() => {
                            let lines = duplicate_lines(&body, &found[0], &self.people);
                            self.dialogs.push(Dialog::Confirm(Confirm::new(
                                "Possible duplicate",
                                lines,
                                Purpose::CreateAnyway,
                            )));
                            return;
                        }
                        Ok(_) => {}
                        Err(e) => return self.set_flash(e.to_string(), true),
                    }
                }
                let allow = form.allow_duplicate;
                let mut result = self.source.create(entity, body);
                if allow
                    && let Ok(record) = &result
                    && let Err(e) = self.source.allow_duplicate(entity, text(record, "id"))
                {
                    result = Err(e);
                }
                self.after_save(result, entity, true);
            }
            Purpose::Edit(entity, id) => {
                if body.is_empty() {
                    self.dialogs.pop();
                    return self.set_flash("Nothing changed", false);
                }
                let result = self.source.update(entity, &id, body);
                self.after_save(result, entity, false);
            }
            _ => {}
        }
    }

    fn after_save(&mut self, result: Result<Record, WriteError>, entity: Entity, created: bool) {
        match result {
            Ok(record) => {
                self.dialogs.pop();
                let verb = if created { "Created" } else { "Saved" };
                let name = ["name", "subject", "number"]
                    .iter()
                    .map(|f| text(&record, f))
                    .find(|s| !s.is_empty())
                    .unwrap_or("");
                self.set_flash(
                    format!("{verb} {} {}", entity.noun(), crate::text::sanitize(name)),
                    false,
                );
                self.reload_all();
                if created && entity == Entity::Customers {
                    self.open_customer(text(&record, "id").to_string());
                }
            }
            Err(WriteError::Invalid(fields)) => {
                if let Some(Dialog::Form(form)) = self.dialogs.last_mut() {
                    form.set_errors(&fields);
                }
            }
            Err(e) => {
                if let Some(Dialog::Form(form)) = self.dialogs.last_mut() {
                    form.error = Some(e.to_string());
                }
            }
        }
    }

    fn open_field_picker(&mut self, field: usize, filter: &str) {
        let Some(Dialog::Form(form)) = self.dialogs.last() else {
            return;
        };
        let Some(f) = form.fields.get(field) else {
            return;
        };
        let title = format!("Choose {}", f.label.to_lowercase());
        let purpose = Purpose::Field(field);
        let customer = form.ref_value("customer_id");
        let current = f.ref_id.clone().unwrap_or_else(|| f.input.value());
        let choices: Result<Vec<Choice>, String> = match f.kind {
            Kind::Enum(options) => Ok(options.iter().map(|o| Choice::word(o)).collect()),
            Kind::Bool => Ok(vec![Choice::word("yes"), Choice::word("no")]),
            Kind::Ref(Entity::Users) => Ok(self.people.choices()),
            Kind::Ref(Entity::Stages) => self
                .source
                .stages()
                .map(|s| {
                    s.iter()
                        .map(|s| {
                            Choice::new(
                                text(s, "id"),
                                text(s, "name"),
                                format!("{}%", s.get("probability").cloned().unwrap_or(json!(0))),
                            )
                        })
                        .collect()
                })
                .map_err(|e| e.to_string()),
            Kind::Ref(Entity::Customers) => {
                let picker = Picker::dynamic(title, purpose).with_filter(filter);
                self.dialogs.push(Dialog::Picker(picker));
                self.query_picker(filter);
                return;
            }
            Kind::Ref(Entity::Contacts) => match customer {
                Some(c) => self
                    .source
                    .contacts_of(&c)
                    .map(|ks| {
                        ks.iter()
                            .map(|k| Choice::new(text(k, "id"), text(k, "name"), text(k, "title")))
                            .collect()
                    })
                    .map_err(|e| e.to_string()),
                None => Err("choose the customer first".into()),
            },
            Kind::Ref(Entity::Opportunities) => match customer {
                Some(c) => self
                    .source
                    .opportunities_of(&c)
                    .map(|os| {
                        os.iter()
                            .map(|o| Choice::new(text(o, "id"), text(o, "name"), ""))
                            .collect()
                    })
                    .map_err(|e| e.to_string()),
                None => Err("choose the customer first".into()),
            },
            _ => Err("this field has no list; type its value".into()),
        };
        match choices {
            Ok(choices) => {
                let mut picker = Picker::new(title, purpose, choices).with_filter(filter);
                if filter.is_empty() {
                    picker.select_value(&current);
                }
                self.dialogs.push(Dialog::Picker(picker));
            }
            Err(e) => self.set_flash(e, true),
        }
    }

    fn query_picker(&mut self, filter: &str) {
        let query = CustomerQuery {
            search: filter.to_string(),
            ..CustomerQuery::default()
        };
        let found = if filter.trim().is_empty() {
            Ok(Vec::new())
        } else {
            self.source.customers(&query, 0, 30)
        };
        match found {
            Ok(rows) => {
                if let Some(Dialog::Picker(p)) = self.dialogs.last_mut() {
                    p.set_choices(
                        rows.iter()
                            .map(|c| {
                                Choice::new(
                                    text(c, "id"),
                                    text(c, "name"),
                                    format!("{} {}", text(c, "code"), text(c, "phone")),
                                )
                            })
                            .collect(),
                    );
                }
            }
            Err(e) => self.set_flash(e.to_string(), true),
        }
    }

    fn picked(&mut self, purpose: Purpose, choice: Choice) {
        let mut out = Vec::new();
        match purpose {
            Purpose::Field(i) => {
                if let Some(Dialog::Form(form)) = self.dialogs.last_mut() {
                    form.set_choice(i, &choice.value, &choice.label);
                }
            }
            Purpose::TicketStatus(id) => match choice.value.as_str() {
                "resolved" => self.dialogs.push(resolve_prompt(&id)),
                "closed" => self.dialogs.push(satisfaction_picker(&id)),
                status => {
                    let r =
                        self.source
                            .update(Entity::Tickets, &id, obj(json!({"status": status})));
                    ctx!(self, out).write(r, &format!("Status {status}"));
                }
            },
            Purpose::TicketPriority(id) => {
                let r = self.source.update(
                    Entity::Tickets,
                    &id,
                    obj(json!({"priority": choice.value})),
                );
                ctx!(self, out).write(
                    r,
                    &format!("Priority {}; SLA due times recomputed", choice.value),
                );
            }
            Purpose::TicketAssignee(id) => {
                let value = if choice.value.is_empty() {
                    Value::Null
                } else {
                    json!(choice.value)
                };
                let r =
                    self.source
                        .update(Entity::Tickets, &id, obj(json!({"assignee_id": value})));
                ctx!(self, out).write(r, &format!("Assigned to {}", choice.label));
            }
            Purpose::FunnelOwner => {
                let owner = (!choice.value.is_empty()).then_some(choice.value);
                let mut ctx = ctx!(self, out);
                self.funnel.set_owner(owner, &mut ctx);
            }
            Purpose::Satisfaction(id) => {
                let n: i64 = choice.value.parse().unwrap_or(3);
                let has_resolution = self
                    .source
                    .get(Entity::Tickets, &id)
                    .ok()
                    .flatten()
                    .is_some_and(|t| !text(&t, "resolution").is_empty());
                if has_resolution {
                    let r = self.source.update(
                        Entity::Tickets,
                        &id,
                        obj(json!({"status": "closed", "satisfaction": n})),
                    );
                    ctx!(self, out).write(r, &format!("Closed; satisfaction {n}/5"));
                } else {
                    let p = Prompt::new(
                        "Close ticket",
                        "How was it resolved? (required to close)",
                        Purpose::CloseNote {
                            ticket: id,
                            satisfaction: n,
                        },
                    )
                    .required("say how the request was resolved");
                    self.dialogs.push(Dialog::Prompt(p));
                }
            }
            _ => {}
        }
        self.process(out);
    }

    /// A prompt's answer. The prompt stays open, with the problem shown, until the answer works.
    fn answered(&mut self, purpose: Purpose, answer: String) {
        let mut out = Vec::new();
        let result: Result<String, String> = match purpose {
            Purpose::StageReason { opportunity, stage, kind } => self
                .source
                .update(Entity::Opportunities, &opportunity, obj(json!({"stage_id": stage, "close_reason": answer})))
                .map(|_| format!("Marked {kind}: {answer}"))
                .map_err(|e| e.to_string()),
            Purpose::ResolveNote(id) => self
                .source
                .update(Entity::Tickets, &id, obj(json!({"status": "resolved", "resolution": answer})))
                .map(|_| "Ticket resolved".to_string())
                .map_err(|e| e.to_string()),
            Purpose::CloseNote { ticket, satisfaction } => self
                .source
                .update(Entity::Tickets, &ticket, obj(json!({"status": "closed", "resolution": answer, "satisfaction": satisfaction})))
                .map(|_| format!("Closed; satisfaction {satisfaction}/5"))
                .map_err(|e| e.to_string()),
            Purpose::Comment { ticket, internal } => {
                if answer.is_empty() {
                    Err("write something first".into())
                } else {
                    let body = obj(json!({"ticket_id": ticket, "body": answer, "internal": internal}));
                    match validate::check(Entity::Comments, &body, ValidateMode::Create, self.me.role) {
                        Err(p) => Err(p.invalid.into_iter().chain(p.forbidden).map(|(k, v)| format!("{k} {v}")).collect::<Vec<_>>().join("; ")),
                        Ok(_) => self
                            .source
                            .create(Entity::Comments, body)
                            .map(|_| if internal { "Internal note added" } else { "Reply added" }.to_string())
                            .map_err(|e| e.to_string()),
                    }
                }
            }
            Purpose::Reschedule(id) => self.reschedule(&id, &answer),
            Purpose::Goto => match dates::parse(&answer, self.now.naive_utc()) {
                Ok(w) => {
                    self.dialogs.pop();
                    return self.goto(w.date);
                }
                Err(e) => Err(e.to_string()),
            },
            Purpose::FunnelMonth => match parse_month(&answer, self.now) {
                Some(month) => {
                    self.dialogs.pop();
                    let mut ctx = ctx!(self, out);
                    self.funnel.set_month(Some(month), &mut ctx);
                    return self.process(out);
                }
                None => Err("type a month like 2026-12, dec, or a date".into()),
            },
            _ => Ok(String::new()),
        };
        match result {
            Ok(done) => {
                self.dialogs.pop();
                if !done.is_empty() {
                    out.push(Msg::Flash(done));
                    out.push(Msg::Changed);
                }
            }
            Err(e) => {
                if let Some(Dialog::Prompt(p)) = self.dialogs.last_mut() {
                    p.error = Some(e);
                }
            }
        }
        self.process(out);
    }

    fn reschedule(&mut self, id: &str, answer: &str) -> Result<String, String> {
        let activity = self
            .source
            .get(Entity::Activities, id)
            .map_err(|e| e.to_string())?
            .ok_or("that activity is gone")?;
        let when = dates::parse(answer, self.now.naive_utc()).map_err(|e| e.to_string())?;
        let field = if activity.get("starts_at").is_some_and(|v| !v.is_null()) {
            "starts_at"
        } else {
            "due_at"
        };
        let old = super::data::time(&activity, field);
        let keep = old.map_or(NaiveTime::from_hms_opt(9, 0, 0).unwrap_or_default(), |t| {
            t.time()
        });
        let new = when.at(keep).and_utc();
        let mut patch = obj(json!({field: format_time(new)}));
        if let (Some(old), Some(end)) = (old, super::data::time(&activity, "ends_at")) {
            patch.insert("ends_at".into(), json!(format_time(end + (new - old))));
        }
        self.source
            .update(Entity::Activities, id, patch)
            .map(|_| format!("Moved to {}", super::format::datetime(new)))
            .map_err(|e| e.to_string())
    }

    fn confirmed(&mut self, purpose: Purpose) {
        match purpose {
            Purpose::Delete { entity, id } => match self.source.delete(entity, &id) {
                Ok(()) => {
                    if self.customers.view.as_ref().is_some_and(|v| v.id == id) {
                        self.customers.view = None;
                    }
                    if self
                        .tickets
                        .view
                        .as_ref()
                        .is_some_and(|v| text(&v.ticket, "id") == id)
                    {
                        self.tickets.view = None;
                    }
                    self.set_flash(format!("Deleted the {}", entity.noun()), false);
                    self.reload_all();
                }
                Err(e) => self.set_flash(e.to_string(), true),
            },
            Purpose::CreateAnyway => {
                if let Some(Dialog::Form(form)) = self.dialogs.last_mut() {
                    form.allow_duplicate = true;
                }
                self.save_form();
            }
            _ => {}
        }
    }

    fn log_call(&mut self, outcome: &str, direction: &str, note: String) {
        let Some(Dialog::LogCall(d)) = self.dialogs.last() else {
            return;
        };
        let mut body = obj(json!({
            "kind": "call",
            "subject": format!("{} call: {}", if direction == "inbound" { "Inbound" } else { "Outbound" }, outcome.replace('_', " ")),
            "customer_id": d.customer_id,
            "outcome": outcome,
            "direction": direction,
            "starts_at": format_time(self.now),
            "done": true,
        }));
        if !note.is_empty() {
            body.insert("notes".into(), json!(note));
        }
        if let Err(p) = validate::check(
            Entity::Activities,
            &body,
            ValidateMode::Create,
            self.me.role,
        ) {
            let all: Vec<String> = p
                .invalid
                .into_iter()
                .chain(p.forbidden)
                .map(|(k, v)| format!("{k} {v}"))
                .collect();
            return self.set_flash(all.join("; "), true);
        }
        let result = self.source.create(Entity::Activities, body);
        match result {
            Ok(_) => {
                self.dialogs.pop();
                self.set_flash(format!("Call logged: {}", outcome.replace('_', " ")), false);
                self.reload_all();
            }
            Err(e) => self.set_flash(e.to_string(), true),
        }
    }

    /// The help screen's lines, when open.
    pub fn help_text(&self) -> Option<Vec<String>> {
        match self.dialogs.last() {
            Some(Dialog::Help(h)) => Some(h.text()),
            _ => None,
        }
    }
}

fn obj(v: Value) -> Record {
    v.as_object().cloned().unwrap_or_default()
}

/// "same phone as C000123 华为技术 owned by 李娜 — create anyway? y/n"
fn duplicate_lines(new: &Record, existing: &Record, people: &People) -> Vec<String> {
    let mut matched = Vec::new();
    if dedupe::name_key(text(new, "name"))
        .is_some_and(|k| Some(k) == dedupe::name_key(text(existing, "name")))
    {
        matched.push("name");
    }
    if dedupe::phone_key(text(new, "phone"))
        .is_some_and(|k| Some(k) == dedupe::phone_key(text(existing, "phone")))
    {
        matched.push("phone");
    }
    if dedupe::email_key(text(new, "email"))
        .is_some_and(|k| Some(k) == dedupe::email_key(text(existing, "email")))
    {
        matched.push("email");
    }
    let what = if matched.is_empty() {
        "details".to_string()
    } else {
        matched.join(" and ")
    };
    vec![
        format!(
            "Same {what} as {} {} owned by {}.",
            text(existing, "code"),
            text(existing, "name"),
            people.name(text(existing, "owner_id"))
        ),
        "Create anyway? y/n (n goes back to the form)".into(),
    ]
}

/// Resolving a ticket asks how it was resolved.
pub(crate) fn resolve_prompt(ticket: &str) -> Dialog {
    Dialog::Prompt(
        Prompt::new(
            "Resolve ticket",
            "How was it resolved?",
            Purpose::ResolveNote(ticket.to_string()),
        )
        .required("say how the request was resolved")
        .hint("the customer sees this note"),
    )
}

/// Closing a ticket asks how satisfied the customer was.
pub(crate) fn satisfaction_picker(ticket: &str) -> Dialog {
    let choices = [
        ("5", "5 ★★★★★", "very satisfied"),
        ("4", "4 ★★★★", "satisfied"),
        ("3", "3 ★★★", "neutral"),
        ("2", "2 ★★", "unsatisfied"),
        ("1", "1 ★", "very unsatisfied"),
    ]
    .into_iter()
    .map(|(v, l, d)| Choice::new(v, l, d))
    .collect();
    Dialog::Picker(Picker::new(
        "Close ticket: satisfaction 1-5",
        Purpose::Satisfaction(ticket.to_string()),
        choices,
    ))
}

/// "2026-12", "dec", "12月", or any date: the month it falls in.
pub fn parse_month(s: &str, now: DateTime<Utc>) -> Option<(i32, u32)> {
    let t = s.trim();
    if let Some((y, m)) = t.split_once('-')
        && y.len() == 4
        && let (Ok(y), Ok(m)) = (y.parse::<i32>(), m.parse::<u32>())
        && (1..=12).contains(&m)
    {
        return Some((y, m));
    }
    let probe = format!("{t} 1");
    for candidate in [probe.as_str(), t] {
        if let Ok(w) = dates::parse(candidate, now.naive_utc()) {
            return Some((w.date.year(), w.date.month()));
        }
    }
    let cn = t.trim_end_matches('月');
    if let Ok(m) = cn.parse::<u32>()
        && (1..=12).contains(&m)
    {
        return Some((now.year(), m));
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn months_read_several_ways() {
        let now = DateTime::parse_from_rfc3339("2026-11-25T09:00:00Z")
            .unwrap()
            .with_timezone(&Utc);
        assert_eq!(parse_month("2026-12", now), Some((2026, 12)));
        assert_eq!(parse_month("dec", now), Some((2026, 12)));
        assert_eq!(parse_month("3月", now), Some((2026, 3)));
        assert_eq!(parse_month("next month", now), Some((2026, 12)));
        assert_eq!(parse_month("nope", now), None);
    }
}
