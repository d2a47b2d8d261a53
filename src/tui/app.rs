//! The application: it routes. Keys resolve through the keymap of the screen in view into
//! [`Action`]s; [`App::update`] is the one way state changes. The app holds the dialog stack, the
//! navigation history and the sync status; everything else belongs to the screens. A dialog's
//! answer goes to the screen that opened it (the one in view: dialogs are modal), and that
//! screen makes the writes it leads to. Screens ask the app to navigate with [`Msg`]s.

use std::collections::HashMap;
use std::path::PathBuf;

use chrono::{DateTime, Utc};
use crm_server::access::Role;
use crm_server::rules::sla::Alert;
use crm_server::schema::Entity;
use crossterm::event::{
    Event, KeyCode, KeyEvent, KeyEventKind, KeyModifiers, MouseButton, MouseEvent, MouseEventKind,
};
use ratatui::layout::Rect;

use super::TuiOptions;
use super::action::{Action, Effect, Pane};
use super::colour::Depth;
use super::data::{Capability, DataSource, SourceStatus, denied, text};
use super::dialogs::command::CommandLine;
use super::dialogs::{Confirm, Dialog, Help, Purpose};
use super::keymap::{Key, Keymap, Mode, Resolved};
use super::layout;
use super::nav::{History, Opened};
use super::panes::calendar::CalendarPane;
use super::panes::customer360::Customer360;
use super::panes::customers::CustomersPane;
use super::panes::funnel::FunnelPane;
use super::panes::ticket::TicketView;
use super::panes::tickets::TicketsPane;
use super::screen::{Ctx, Msg, Place, Screen};
use super::theme::Theme;
use super::view::{Me, People, View};
use crate::zone::Zone;

/// A message in the status bar, gone when its moment has passed (`until`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Flash {
    pub text: String,
    pub error: bool,
    pub at: DateTime<Utc>,
    pub until: DateTime<Utc>,
    /// Says how the connection stands: a newer state (online, a finished sync) replaces it.
    pub connectivity: bool,
}

impl Flash {
    /// How long a message stays: an error long enough to read twice.
    pub const INFO_SECONDS: i64 = 5;
    pub const ERROR_SECONDS: i64 = 12;

    pub fn new(text: String, error: bool, now: DateTime<Utc>) -> Flash {
        let seconds = if error {
            Flash::ERROR_SECONDS
        } else {
            Flash::INFO_SECONDS
        };
        Flash {
            text,
            error,
            at: now,
            until: now + chrono::Duration::seconds(seconds),
            connectivity: false,
        }
    }

    /// Still to be shown at `now`.
    pub fn live(&self, now: DateTime<Utc>) -> bool {
        now < self.until
    }
}

pub struct App {
    pub profile: String,
    /// The call running: talk time, then after-call work; shown in the status bar.
    pub call: Option<crate::tui::call::CallTimer>,
    /// The profile's dial command, for the callbacks queue.
    dial_command: String,
    /// Ring the terminal's bell when something comes due (the profile's `bell`).
    bell: bool,
    /// When the e-secretary last looked for what came due (`app/secretary.rs`).
    secretary_since: Option<DateTime<Utc>>,
    /// The e-secretary's read on the loading thread, while unanswered: its request and window.
    secretary_asked: Option<(u64, DateTime<Utc>, DateTime<Utc>)>,
    pub now: DateTime<Utc>,
    /// The user's zone: every time shown or typed goes through it.
    pub zone: Zone,
    pub size: Rect,
    source: Box<dyn DataSource + Send>,
    pub theme: Theme,
    theme_dir: Option<PathBuf>,
    no_color: bool,
    depth: Depth,
    pub keymap: Keymap,
    pending: Vec<Key>,
    /// The pane whose tab is chosen.
    pub pane: Pane,
    pub me: Me,
    pub people: People,
    pub status: SourceStatus,
    /// Approvals waiting for this user's decision (the status bar's "2 to approve").
    pub to_approve: usize,
    /// Tickets whose service level is due soon or breached: mine, and every breached one for a
    /// manager (the status bar's "3 tickets at risk").
    pub at_risk: usize,
    /// Why the server refused a write, by record id (rows marked ⚠).
    pub refusals: HashMap<String, String>,
    /// What the sync engine last said, over what the source guesses.
    pub online: Option<bool>,
    pub synced_at: Option<DateTime<Utc>>,
    pub flash: Option<Flash>,
    pub customers: CustomersPane,
    pub funnel: FunnelPane,
    pub calendar: CalendarPane,
    pub tickets: TicketsPane,
    /// Per pane, the views opened on top of it: Esc goes back through them.
    history: History,
    pub dialogs: Vec<Dialog>,
    pub command: Option<CommandLine>,
    /// An incoming call that arrived while a dialog was open.
    waiting_call: Option<String>,
    /// Writes of the shared flows handed off, by request: what to do with each answer.
    awaiting: HashMap<u64, super::work::After>,
    /// Counts writes, syncs and resizes: a screen that read an older one reloads when shown, so
    /// a write costs one reload.
    generation: u64,
    effects: Vec<Effect>,
}

/// A `Ctx` over the app's fields, leaving the screens free to be borrowed beside it.
macro_rules! ctx {
    ($app:ident, $out:ident) => {
        Ctx {
            source: &mut *$app.source,
            now: $app.now,
            zone: $app.zone,
            me: &$app.me,
            people: &$app.people,
            area: layout::content_area($app.size),
            dialogs: &mut $app.dialogs,
            out: &mut $out,
            call: $app.call,
        }
    };
}

// After the macro, so they may use it.
mod answers;
mod commands;
mod counts;
mod dispatch;
mod input;
mod open;
mod secretary;
mod status;
mod written;

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
        })
        .fitted(options.depth);
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
            lang: options.lang(),
        };
        let status = source.status();
        let refusals = source.refusals();
        let mut app = App {
            profile: options.profile.clone(),
            now,
            zone: options.zone,
            size: Rect::new(0, 0, 80, 24),
            source,
            theme,
            theme_dir: options.theme_dir.clone(),
            no_color: options.no_color,
            depth: options.depth,
            keymap,
            pending: Vec::new(),
            pane: options.initial_pane,
            tickets: TicketsPane::new(me.id.clone()),
            me,
            people,
            online: status.online,
            synced_at: None,
            status,
            to_approve: 0,
            at_risk: 0,
            refusals,
            flash: None,
            customers: CustomersPane::default(),
            funnel: FunnelPane::default(),
            calendar: CalendarPane::new(options.zone.date(now)),
            history: Default::default(),
            dialogs: Vec::new(),
            command: None,
            waiting_call: None,
            awaiting: HashMap::new(),
            call: None,
            dial_command: options.dial_command.clone(),
            bell: options.bell,
            secretary_since: Some(now),
            secretary_asked: None,
            generation: 1,
            effects: Vec::new(),
        };
        app.count_inbox();
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
        match self.history.top(self.pane) {
            Some(opened) => opened.screen(),
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
        self.history.opened(self.pane)
    }

    /// The customer's 360° view, when it is the screen in view.
    pub fn customer_view(&self) -> Option<&Customer360> {
        match self.opened().last() {
            Some(Opened::Customer(v)) => Some(v),
            _ => None,
        }
    }

    /// A customer's decision map, when it is the screen in view.
    pub fn decision_map(&self) -> Option<&super::panes::decision_map::DecisionMap> {
        match self.opened().last() {
            Some(Opened::DecisionMap(v)) => Some(v),
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
            zone,
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
            call,
            ..
        } = self;
        let mut ctx = Ctx {
            source: &mut **source,
            now: *now,
            zone: *zone,
            me,
            people,
            area: layout::content_area(*size),
            dialogs,
            out: &mut out,
            call: *call,
        };
        let screen: &mut dyn Screen = match history.top_mut(*pane) {
            Some(opened) => opened.screen_mut(),
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

    /// Offers something to every screen, shown or not (an answer finds the one that asked);
    /// then acts on what they asked for.
    fn on_every_screen(&mut self, mut f: impl FnMut(&mut dyn Screen, &mut Ctx)) {
        let mut out = Vec::new();
        let App {
            source,
            now,
            zone,
            me,
            people,
            size,
            dialogs,
            customers,
            funnel,
            calendar,
            tickets,
            history,
            call,
            ..
        } = self;
        let mut ctx = Ctx {
            source: &mut **source,
            now: *now,
            zone: *zone,
            me,
            people,
            area: layout::content_area(*size),
            dialogs,
            out: &mut out,
            call: *call,
        };
        let panes: [&mut dyn Screen; 4] = [customers, funnel, calendar, tickets];
        for screen in panes {
            f(screen, &mut ctx);
        }
        for opened in history.all_mut() {
            f(opened.screen_mut(), &mut ctx);
        }
        self.process(out);
    }

    /// Runs the loads and writes among `effects` here, on the app's own source, and answers
    /// them, until none is left; returns the other effects. For tests and benchmarks that
    /// want the answers at once: the TUI's run loop hands these to its threads instead.
    pub fn settle(&mut self, effects: Vec<Effect>) -> Vec<Effect> {
        let mut rest = Vec::new();
        let mut todo = effects;
        while !todo.is_empty() {
            for effect in std::mem::take(&mut todo) {
                let answer = match effect {
                    Effect::Load { request, read } => Action::Loaded {
                        request,
                        data: super::work::read(&*self.source, &read),
                    },
                    Effect::Write { request, write } => Action::Written {
                        request,
                        result: super::work::write(&mut *self.source, &write),
                    },
                    other => {
                        rest.push(other);
                        continue;
                    }
                };
                todo.extend(self.update(answer));
            }
        }
        rest
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

    pub fn update(&mut self, action: Action) -> Vec<Effect> {
        match action {
            Action::Quit => self.effects.push(Effect::Quit),
            Action::Tick(now) => {
                self.tick(now);
                self.secretary(now);
            }
            Action::Pop(phone) => self.pop_call(phone),
            Action::Resize(w, h) => {
                self.size = Rect::new(0, 0, w, h);
                self.reload_all();
            }
            Action::SyncStatus(s) => self.on_sync(s),
            Action::Attached { name, result } => {
                let name = crate::text::sanitize(&name);
                match result {
                    // The file's record is in the replica (the upload pulled it): show it.
                    Ok(()) => {
                        self.set_flash(format!("Attached {name}"), false);
                        self.reload_all();
                    }
                    Err(why) => self.set_flash(
                        format!("Not attached {name}: {}", crate::text::sanitize(&why)),
                        true,
                    ),
                }
            }
            Action::Mouse(m) => self.on_mouse(m),
            Action::Paste(text) => self.on_paste(&text),
            Action::Run(line) => self.run_command(&line),
            Action::Counted { request, count } => self.counted(request, count),
            Action::Reminded { request, reminders } => {
                self.calendar.reminded(request, &reminders);
                for opened in self.history.all_mut() {
                    opened.screen_mut().reminded(request, &reminders);
                }
            }
            Action::Loaded { request, data } => {
                if !self.secretary_loaded(request, &data) {
                    self.on_every_screen(|s, ctx| s.loaded(request, &data, ctx));
                }
                // A view whose record the answer found gone closes, and the one it reveals
                // catches up with the data (its read, too, is handed off).
                self.history.drop_gone(self.pane);
                self.process(Vec::new());
            }
            Action::Written { request, result } => {
                if result.is_ok() {
                    self.source.wrote_elsewhere();
                }
                if let Some(after) = self.awaiting.remove(&request) {
                    self.after_write(request, after, result);
                } else {
                    self.on_every_screen(|s, ctx| s.written(request, &result, ctx));
                }
            }
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
        if self.dialogs.is_empty()
            && self.command.is_none()
            && let Some(phone) = self.waiting_call.take()
        {
            self.pop_call(phone);
        }
        std::mem::take(&mut self.effects)
    }

    pub fn view(&self) -> View<'_> {
        View {
            theme: &self.theme,
            now: self.now,
            zone: self.zone,
            people: &self.people,
            me: &self.me,
            refused: &self.refusals,
        }
    }

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

    /// What an action asks of the user's role, when it writes: the screens offer it only when
    /// the server said the role may (`DataSource::may`).
    pub fn needs(&self, action: &Action) -> Option<(Capability, Entity)> {
        let here = self.screen().entity();
        Some(match action {
            Action::New => (Capability::Create, here?),
            Action::Edit => (Capability::Edit, here?),
            Action::Delete => (Capability::Delete, here?),
            Action::NewOpportunity => (Capability::Create, Entity::Opportunities),
            Action::NewTicket => (Capability::Create, Entity::Tickets),
            Action::AddContact => (Capability::Create, Entity::Contacts),
            Action::AddCompetitor => (Capability::Create, Entity::OpportunityCompetitors),
            Action::LogCall | Action::FollowUp => (Capability::Create, Entity::Activities),
            Action::StagePrev | Action::StageNext => (Capability::Edit, Entity::Opportunities),
            _ => return None,
        })
    }

    /// The footer offers this action: it writes nothing, or the user's role may do it.
    pub fn offers(&self, action: &Action) -> bool {
        self.needs(action)
            .is_none_or(|(c, e)| self.source.may(c, e) != Some(false))
    }

    /// Undoes the user's latest write on the writer thread; its answer says what was undone
    /// (`After::Undo`).
    fn undo(&mut self) {
        self.on_screen(|_, ctx| {
            ctx.write_then(super::work::Write::Undo, super::work::After::Undo);
        });
    }

    /// A form on the stack holds typing that differs from what it opened with.
    fn form_changed(&self) -> bool {
        self.dialogs
            .iter()
            .any(|d| matches!(d, Dialog::Form(f) if f.is_changed()))
    }

    /// Asks before a changed form's typing is thrown away.
    fn ask_discard(&mut self, purpose: Purpose) {
        let question = if purpose == Purpose::DiscardAndQuit {
            "Quit and discard the changes typed in the form?"
        } else {
            "Discard changes?"
        };
        self.dialogs.push(Dialog::Confirm(Confirm::new(
            "Unsaved changes",
            vec![question.into()],
            purpose,
        )));
    }
}
