//! The application: it routes. Keys resolve through the keymap of the screen in view into
//! [`Action`]s; [`App::update`] is the one way state changes. The app holds the dialog stack, the
//! navigation history and the sync status; everything else belongs to the screens. A dialog's
//! answer goes to the screen that opened it (the one in view: dialogs are modal), and that
//! screen makes the writes it leads to. Screens ask the app to navigate with [`Msg`]s.

use std::path::PathBuf;

use chrono::{DateTime, Utc};
use crm_server::access::Role;
use crm_server::schema::Entity;
use crossterm::event::{
    Event, KeyCode, KeyEvent, KeyEventKind, KeyModifiers, MouseButton, MouseEvent, MouseEventKind,
};
use ratatui::layout::Rect;

use super::action::{Action, Effect, Pane};
use super::data::{DataSource, SourceStatus, text};
use super::dates;
use super::dialogs::command::{self, Command, CommandLine, LineOutcome};
use super::dialogs::{ConflictChooser, Dialog, Help, Outcome, Purpose};
use super::flows;
use super::keymap::{Key, Keymap, Mode, Resolved};
use super::layout;
use super::panes::calendar::CalendarPane;
use super::panes::customer360::Customer360;
use super::panes::customers::CustomersPane;
use super::panes::funnel::FunnelPane;
use super::panes::ticket::TicketView;
use super::panes::tickets::TicketsPane;
use super::screen::{Answer, Ctx, Msg, Place, Screen};
use super::theme::Theme;
use super::view::{Me, People, View};
use super::{SyncStatus, TuiOptions};

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Flash {
    pub text: String,
    pub error: bool,
    pub at: DateTime<Utc>,
}

/// A view opened on top of a pane: a step of the navigation history.
#[derive(Debug, Clone, PartialEq)]
pub enum Opened {
    Customer(Customer360),
    Ticket(TicketView),
}

impl Opened {
    fn of(place: Place) -> Option<Opened> {
        match place {
            Place::Pane(_) => None,
            Place::Customer { id, inbound } => {
                Some(Opened::Customer(Customer360::new(&id, inbound)))
            }
            Place::Ticket(id) => Some(Opened::Ticket(TicketView::new(&id))),
        }
    }

    pub fn screen(&self) -> &dyn Screen {
        match self {
            Opened::Customer(s) => s,
            Opened::Ticket(s) => s,
        }
    }

    fn screen_mut(&mut self) -> &mut dyn Screen {
        match self {
            Opened::Customer(s) => s,
            Opened::Ticket(s) => s,
        }
    }
}

/// A step of the history and the data generation it last read.
#[derive(Debug, Clone)]
struct Step {
    opened: Opened,
    seen: u64,
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
    /// The pane whose tab is chosen.
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
    /// Per pane, the views opened on top of it, innermost last: Esc goes back through them.
    history: [Vec<Step>; 4],
    pub dialogs: Vec<Dialog>,
    pub command: Option<CommandLine>,
    /// Counts writes, syncs and resizes: a screen that read an older one reloads when shown, so
    /// a write costs one reload.
    generation: u64,
    /// The generation each pane last read.
    pane_seen: [u64; 4],
    effects: Vec<Effect>,
}

/// A `Ctx` over the app's fields, leaving the screens free to be borrowed beside it.
macro_rules! ctx {
    ($app:ident, $out:ident) => {
        Ctx {
            source: &mut *$app.source,
            now: $app.now,
            me: &$app.me,
            people: &$app.people,
            area: layout::content_area($app.size),
            dialogs: &mut $app.dialogs,
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
            history: Default::default(),
            dialogs: Vec::new(),
            command: None,
            generation: 1,
            pane_seen: [0; 4],
            effects: Vec::new(),
        };
        app.show(app.pane);
        if let Some(phone) = options.pop.as_deref().filter(|p| !p.trim().is_empty()) {
            app.show(Pane::Customers);
            let mut out = Vec::new();
            app.customers.pop(phone, &mut ctx!(app, out));
            app.process(out);
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

    /// The screen in view: the innermost view opened on the pane, else the pane.
    pub fn screen(&self) -> &dyn Screen {
        match self.history[self.pane.index()].last() {
            Some(step) => step.opened.screen(),
            None => match self.pane {
                Pane::Customers => &self.customers,
                Pane::Funnel => &self.funnel,
                Pane::Calendar => &self.calendar,
                Pane::Tickets => &self.tickets,
            },
        }
    }

    /// The views opened on the pane in view, outermost first.
    pub fn opened(&self) -> impl Iterator<Item = &Opened> {
        self.history[self.pane.index()].iter().map(|s| &s.opened)
    }

    /// The customer's 360° view, when it is the screen in view.
    pub fn customer_view(&self) -> Option<&Customer360> {
        match self.opened().last() {
            Some(Opened::Customer(v)) => Some(v),
            _ => None,
        }
    }

    /// The ticket, when it is the screen in view.
    pub fn ticket_view(&self) -> Option<&TicketView> {
        match self.opened().last() {
            Some(Opened::Ticket(v)) => Some(v),
            _ => None,
        }
    }

    /// Where the user is: the pane, then each view opened on it.
    pub fn breadcrumb(&self) -> Vec<String> {
        std::iter::once(self.pane.title().to_string())
            .chain(self.opened().map(|o| o.screen().crumb()))
            .collect()
    }

    /// Runs `f` on the screen in view with a `Ctx`; returns what the screen asked for.
    fn on_screen_raw(&mut self, f: impl FnOnce(&mut dyn Screen, &mut Ctx)) -> Vec<Msg> {
        let mut out = Vec::new();
        let App {
            source,
            now,
            me,
            people,
            size,
            dialogs,
            customers,
            funnel,
            calendar,
            tickets,
            history,
            pane,
            ..
        } = self;
        let mut ctx = Ctx {
            source: &mut **source,
            now: *now,
            me,
            people,
            area: layout::content_area(*size),
            dialogs,
            out: &mut out,
        };
        let screen: &mut dyn Screen = match history[pane.index()].last_mut() {
            Some(step) => step.opened.screen_mut(),
            None => match pane {
                Pane::Customers => customers,
                Pane::Funnel => funnel,
                Pane::Calendar => calendar,
                Pane::Tickets => tickets,
            },
        };
        f(screen, &mut ctx);
        out
    }

    fn on_screen(&mut self, f: impl FnOnce(&mut dyn Screen, &mut Ctx)) {
        let out = self.on_screen_raw(f);
        self.process(out);
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
        if self.screen().typing() {
            return vec![Mode::Dialog];
        }
        vec![self.pane_mode(), Mode::Global]
    }

    pub fn pane_mode(&self) -> Mode {
        self.screen().mode()
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
                    self.global_or_screen(other);
                }
            }
        }
        std::mem::take(&mut self.effects)
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

    /// The help screen's lines, when open.
    pub fn help_text(&self) -> Option<Vec<String>> {
        match self.dialogs.last() {
            Some(Dialog::Help(h)) => Some(h.text()),
            _ => None,
        }
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
        } else {
            self.on_screen(|s, ctx| s.paste(text, ctx));
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
                    let depth = self.history[self.pane.index()].len();
                    if depth == 0 {
                        if let Some(p) = layout::tab_at(m.column) {
                            self.show(p);
                        }
                    } else if let Some(i) =
                        layout::crumb_at(&self.breadcrumb(), self.size.width, m.column)
                    {
                        // A step of the breadcrumb: back to it.
                        self.history[self.pane.index()].truncate(i);
                        self.process(Vec::new());
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
                self.on_screen(|s, ctx| s.click(m.column, m.row, ctx));
            }
            _ => {}
        }
    }

    /// Switches to a pane, as it was left (its opened views too); loads it if it is behind.
    pub fn show(&mut self, pane: Pane) {
        self.pane = pane;
        self.process(Vec::new());
    }

    /// Shows a pane's own screen, closing the views opened on it.
    fn show_root(&mut self, pane: Pane) {
        self.history[pane.index()].clear();
        self.show(pane);
    }

    /// Everything shown may be out of date (a write, a sync, a resize): the users are read again
    /// and the screen in view reloads; the others do when next shown.
    pub fn reload_all(&mut self) {
        self.status = self.source.status();
        if let Ok(users) = self.source.users() {
            self.people = People::new(users);
            self.find_me();
        }
        self.generation += 1;
        self.process(Vec::new());
    }

    /// Acts on what screens asked for, then brings the screen in view up to date.
    fn process(&mut self, mut msgs: Vec<Msg>) {
        loop {
            let mut changed = false;
            for msg in std::mem::take(&mut msgs) {
                match msg {
                    Msg::Flash(s) => self.set_flash(s, false),
                    Msg::Error(s) => self.set_flash(s, true),
                    Msg::Effect(e) => self.effects.push(e),
                    Msg::Changed => changed = true,
                    Msg::Go(Place::Pane(p)) => self.pane = p,
                    Msg::Go(place) => {
                        if let Some(opened) = Opened::of(place) {
                            self.history[self.pane.index()].push(Step { opened, seen: 0 });
                        }
                    }
                    Msg::Back => {
                        self.history[self.pane.index()].pop();
                    }
                }
            }
            if changed {
                self.status = self.source.status();
                if let Ok(users) = self.source.users() {
                    self.people = People::new(users);
                    self.find_me();
                }
                self.generation += 1;
            }
            // The screen in view catches up with the data.
            let generation = self.generation;
            let p = self.pane.index();
            let seen = match self.history[p].last_mut() {
                Some(step) => &mut step.seen,
                None => &mut self.pane_seen[p],
            };
            if *seen < generation {
                *seen = generation;
                msgs = self.on_screen_raw(|s, ctx| s.reload(ctx));
                if self.history[p].last().is_some_and(|s| s.opened.screen().gone()) {
                    self.history[p].pop();
                }
                continue;
            }
            if msgs.is_empty() {
                break;
            }
        }
    }

    fn global_or_screen(&mut self, action: Action) {
        match action {
            Action::Pane(p) => self.show(p),
            Action::NextPane => self.show(Pane::ALL[(self.pane.index() + 1) % 4]),
            Action::PrevPane => self.show(Pane::ALL[(self.pane.index() + 3) % 4]),
            Action::Leave => {
                if self.history[self.pane.index()].pop().is_some() {
                    self.process(Vec::new());
                } else {
                    self.effects.push(Effect::Quit);
                }
            }
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
            other => self.on_screen(|s, ctx| s.handle(other, ctx)),
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
        let mut out = Vec::new();
        match cmd {
            Command::Quit => self.effects.push(Effect::Quit),
            Command::Pane(p) => self.show(p),
            Command::Search(s) => {
                self.show_root(Pane::Customers);
                self.customers.set_search(&s, &mut ctx!(self, out));
            }
            Command::New(entity) => {
                let pane = match entity {
                    Entity::Opportunities => Pane::Funnel,
                    Entity::Activities => Pane::Calendar,
                    Entity::Tickets => Pane::Tickets,
                    _ => Pane::Customers,
                };
                self.show_root(pane);
                self.global_or_screen(Action::New);
            }
            Command::Goto(s) => match dates::parse(&s, self.now.naive_utc()) {
                Ok(w) => {
                    self.show_root(Pane::Calendar);
                    self.calendar.goto(w.date, &mut ctx!(self, out));
                }
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
            Command::Sync => self.global_or_screen(Action::Sync),
            Command::Conflicts => self.open_conflicts(),
            Command::Help => self.global_or_screen(Action::Help),
            Command::Sort(s) => {
                self.show_root(Pane::Customers);
                self.customers.set_sort(s, &mut ctx!(self, out));
            }
            Command::Scope(s) => {
                self.show_root(Pane::Tickets);
                self.global_or_screen(Action::Scope(s));
            }
            Command::View(v) => {
                self.show_root(Pane::Calendar);
                self.global_or_screen(Action::View(v));
            }
        }
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

    /// A dialog's outcome: the stack's own mechanics here, the answers to the screen in view.
    fn on_outcome(&mut self, outcome: Outcome) {
        let purpose = self.top_purpose();
        let answer = match outcome {
            Outcome::Stay => return,
            Outcome::Cancel | Outcome::No => {
                self.dialogs.pop();
                return;
            }
            Outcome::OpenPicker { field, filter } => {
                return self.on_screen(|_, ctx| flows::open_field_picker(field, &filter, ctx));
            }
            Outcome::Query(filter) => {
                return self.on_screen(|_, ctx| flows::query_picker(&filter, ctx));
            }
            Outcome::Resolve {
                conflict_id,
                chosen,
            } => return self.resolve_conflict(&conflict_id, chosen),
            Outcome::Picked(choice) => {
                self.dialogs.pop();
                if let Purpose::Field(field) = purpose {
                    return self.on_screen(|_, ctx| flows::field_picked(field, &choice, ctx));
                }
                Answer::Picked(choice)
            }
            Outcome::Yes => {
                self.dialogs.pop();
                Answer::Yes
            }
            Outcome::Save => Answer::Save,
            Outcome::Text(text) => Answer::Text(text),
            Outcome::LogCall {
                outcome,
                direction,
                note,
            } => Answer::LogCall {
                outcome,
                direction,
                note,
            },
        };
        self.on_screen(|s, ctx| s.answer(purpose, answer, ctx));
    }

    fn resolve_conflict(&mut self, conflict_id: &str, chosen: super::data::Record) {
        match self.source.resolve_conflict(conflict_id, chosen) {
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
        }
    }
}
