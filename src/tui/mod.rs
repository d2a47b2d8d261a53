//! The terminal UI: four panes (customers, funnel, calendar, tickets) over a [`DataSource`].
//!
//! Elm-like: [`App`] owns all state; a key is resolved through the keymap of the focused pane
//! into an [`Action`]; `App::update` changes state and returns [`Effect`]s for the runner;
//! `App::render` only draws. Panes never call each other: they post messages the app handles.
//! Every read comes from the local data source and every write goes to its outbox, so nothing on
//! screen waits for the network. Times are stored in UTC and shown and typed in the user's zone
//! (`TuiOptions::zone`, `crate::zone`).

pub mod action;
pub mod app;
pub mod attach;
pub mod bulk;
pub mod call;
pub mod colour;
pub mod data;
pub mod dates;
pub mod dialogs;
pub mod draw;
pub mod flows;
pub mod format;
pub mod fuzzy;
pub mod input;
pub mod keymap;
pub mod layout;
pub mod list;
pub mod markdown;
pub mod named_filters;
pub mod nav;
pub mod panes;
pub mod replica_source;
pub mod screen;
pub mod sla;
pub mod theme;
mod ui;
pub mod view;
pub mod work;

use std::io::{self, Write};
use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use chrono::{DateTime, Utc};
use crossterm::event::{
    self, DisableBracketedPaste, DisableMouseCapture, EnableBracketedPaste, EnableMouseCapture,
};
use crossterm::execute;
use crossterm::terminal::{self, EnterAlternateScreen, LeaveAlternateScreen};
use ratatui::Terminal;
use ratatui::backend::CrosstermBackend;

pub use action::{Action, Effect, Pane};
pub use app::App;
pub use data::DataSource;
use data::{
    CountQuery, DataError, OpenReader, Record, ReminderQuery, Reminders, WriteError,
    newest_per_slot,
};
pub use replica_source::{ReplicaSource, ServerReads};
use work::{Loaded, Read};

use crate::sync::SyncEvent;
use crate::zone::Zone;

/// What the sync engine tells the screen, as the TUI uses it (see [`SyncStatus::from_event`]).
/// The TUI only shows it; the engine runs elsewhere.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SyncStatus {
    /// The server answered; local changes flow.
    Online,
    /// The server cannot be reached; writes wait in the outbox.
    Offline { reason: String },
    /// A sync round finished at `at`: records pulled and writes pushed.
    Synced {
        at: DateTime<Utc>,
        pulled: usize,
        pushed: usize,
    },
    /// The server refused some writes because the records changed there.
    Conflicts { count: usize },
    /// A write was refused for good (e.g. a 409 duplicate or 422), with the server's message.
    Rejected { message: String },
    /// Something to tell the user (the replica was rebuilt, the sync task failed).
    Notice { message: String, error: bool },
}

impl SyncStatus {
    /// The sync engine's event as the screen needs it; `now` stamps a finished round.
    pub fn from_event(event: SyncEvent, now: DateTime<Utc>) -> SyncStatus {
        match event {
            SyncEvent::Online => SyncStatus::Online,
            SyncEvent::Offline { reason } => SyncStatus::Offline { reason },
            SyncEvent::Applied { count } => SyncStatus::Synced {
                at: now,
                pulled: count,
                pushed: 0,
            },
            SyncEvent::Pushed { count } => SyncStatus::Synced {
                at: now,
                pulled: 0,
                pushed: count,
            },
            SyncEvent::Conflict { fields, .. } => SyncStatus::Conflicts {
                count: fields.len(),
            },
            SyncEvent::Refused {
                entity, message, ..
            } => SyncStatus::Rejected {
                message: format!("{}: {message}", entity.noun()),
            },
            SyncEvent::Rebuilt { message } => SyncStatus::Notice {
                message,
                error: false,
            },
            SyncEvent::SignedOut { message } => SyncStatus::Offline { reason: message },
            SyncEvent::Error { message } => SyncStatus::Notice {
                message,
                error: true,
            },
        }
    }
}

/// Asks the sync engine for a round now (`:sync`, Ctrl-R).
pub type SyncTrigger = Arc<dyn Fn() + Send + Sync>;

/// How the TUI starts, as main.rs gathers it from the profile and the config file.
#[derive(Clone)]
pub struct TuiOptions {
    /// The profile name, shown in the status bar.
    pub profile: String,
    /// The signed-in user's username; their id and role come from the users in the data source.
    pub username: String,
    /// A shipped theme (dark, light, high-contrast, basic16) or a file in `theme_dir`.
    pub theme: String,
    /// Where user theme files live (`<name>.toml`, overriding only what they name).
    pub theme_dir: Option<PathBuf>,
    /// Keymap overrides from the config: mode → key sequence → action.
    pub keymap: keymap::Overrides,
    pub initial_pane: Pane,
    /// A caller's phone number: open that customer, or a new-customer form with the number.
    pub pop: Option<String>,
    /// The colours the terminal shows (the theme is brought down to them); `run` reads it from
    /// COLORTERM and TERM.
    pub depth: colour::Depth,
    /// The zone times are shown and typed in (UTC unless the caller resolves the user's).
    pub zone: Zone,
    /// The profile's `language` (`zh`, `en`); None: the locale's (LC_ALL, LC_MESSAGES, LANG).
    pub language: Option<String>,
    /// Where to listen for calls `crm pop` hands over (`crate::pop`); None: no listening.
    pub pop_socket: Option<PathBuf>,
    /// The profile's `dial_command` (the callbacks queue's `D`); empty: none.
    pub dial_command: String,
    /// The profile's `bell`: ring the terminal's bell when something comes due.
    pub bell: bool,
    /// No colours at all (also set when the NO_COLOR environment variable is non-empty).
    pub no_color: bool,
    pub sync_now: Option<SyncTrigger>,
}

impl std::fmt::Debug for TuiOptions {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TuiOptions")
            .field("profile", &self.profile)
            .field("username", &self.username)
            .field("theme", &self.theme)
            .field("theme_dir", &self.theme_dir)
            .field("keymap", &self.keymap)
            .field("initial_pane", &self.initial_pane)
            .field("pop", &self.pop)
            .field("zone", &self.zone.name())
            .field("depth", &self.depth)
            .field("language", &self.language)
            .field("pop_socket", &self.pop_socket)
            .field("dial_command", &self.dial_command)
            .field("bell", &self.bell)
            .field("no_color", &self.no_color)
            .field("sync_now", &self.sync_now.is_some())
            .finish()
    }
}

impl Default for TuiOptions {
    fn default() -> Self {
        TuiOptions {
            profile: "default".into(),
            username: String::new(),
            theme: theme::DEFAULT_THEME.into(),
            theme_dir: None,
            keymap: keymap::Overrides::new(),
            initial_pane: Pane::Customers,
            pop: None,
            zone: Zone::UTC,
            depth: colour::Depth::TrueColor,
            language: None,
            pop_socket: None,
            dial_command: String::new(),
            bell: false,
            no_color: false,
            sync_now: None,
        }
    }
}

impl TuiOptions {
    /// The language labels are shown in: the profile's, else the locale's.
    pub fn lang(&self) -> crm_server::rules::call_outcomes::Lang {
        crate::config::lang_of(self.language.as_deref())
    }
}

/// True when NO_COLOR is set to something (https://no-color.org).
pub fn no_color_from_env() -> bool {
    std::env::var_os("NO_COLOR").is_some_and(|v| !v.is_empty())
}

/// Runs the TUI until the user quits. The terminal is restored on return, on error and on panic.
pub fn run(
    mut options: TuiOptions,
    source: Box<dyn DataSource + Send>,
    mut sync_events: Option<tokio::sync::mpsc::Receiver<SyncEvent>>,
) -> anyhow::Result<()> {
    options.no_color |= no_color_from_env();
    options.depth = colour::Depth::from_env();
    let sync_now = options.sync_now.clone();
    let profile = options.profile.clone();
    let options_socket = options.pop_socket.clone();
    let mut open_reader = source.reader();
    let mut open_loader = source.reader();
    let mut open_writer = source.writer();
    let mut open_reminders = source.reader();
    let mut open_windows = source.reader();
    let mut counter: Option<Worker<CountQuery, usize>> = None;
    let mut loader: Option<Worker<Read, Result<Loaded, DataError>>> = None;
    let mut writer: Option<Worker<work::Write, Result<Record, WriteError>>> = None;
    let mut reminder: Option<Worker<ReminderQuery, Box<Reminders>>> = None;
    // Lists' windows (a search typed) on a reader of their own, never behind the loader's sums.
    let mut windows: Option<Worker<Read, Result<Loaded, DataError>>> = None;
    let mut app = App::new(options, source, Utc::now());

    // Calls handed over by `crm pop`: a listener thread posts them to this loop.
    let (pop_tx, pops) = std::sync::mpsc::channel::<String>();
    // Files being attached beside the screens answer here: the name, and why not.
    let (attached_tx, attached) = std::sync::mpsc::channel::<(String, Result<(), String>)>();
    let _listener = listen_for_calls(options_socket.as_deref(), pop_tx, &mut app);
    let _hook = PanicHook::install();
    let _guard = TerminalGuard::enter()?;
    let mut terminal = Terminal::new(CrosstermBackend::new(io::stdout()))?;
    let size = terminal.size()?;
    // What the first screens asked for (their counts) is done in the first turn of the loop.
    let mut first = app.update(Action::Resize(size.width, size.height));
    let mut last_tick = std::time::Instant::now();

    // Drawn when something happened: the loop wakes often while listening for calls.
    let mut redraw = true;
    // Questions the workers have not answered yet: while there are any (and for one turn
    // after, as the last answer may have come after this turn's look), the loop looks for
    // answers as often as for calls, so an answer is on screen within a frame or two.
    let busy = Arc::new(AtomicUsize::new(0));
    let mut was_busy = false;
    loop {
        if std::mem::take(&mut redraw) {
            terminal.draw(|frame| app.render(frame))?;
        }
        let mut effects = std::mem::take(&mut first);
        // Wake four times a second so SLA countdowns, sync ages and messages' lifetimes stay
        // current, typing or not; while listening for calls, often enough that a call is on
        // screen within a frame or three.
        let now_busy = busy.load(Ordering::Acquire) > 0;
        let wait = if _listener.is_some() || now_busy || was_busy {
            POP_POLL
        } else {
            TICK
        };
        was_busy = now_busy;
        if event::poll(wait)? {
            redraw = true;
            let ev = event::read()?;
            effects.extend(app.handle_event(ev));
            // Drain what is already queued (a paste, key repeat) before drawing again.
            while event::poll(Duration::ZERO)? {
                effects.extend(app.handle_event(event::read()?));
            }
        }
        if last_tick.elapsed() >= TICK {
            redraw = true;
            last_tick = std::time::Instant::now();
            effects.extend(app.update(Action::Tick(Utc::now())));
        }
        while let Ok((name, result)) = attached.try_recv() {
            redraw = true;
            effects.extend(app.update(Action::Attached { name, result }));
        }
        while let Ok(phone) = pops.try_recv() {
            redraw = true;
            // The wrap-up and the call's duration count from the clock as the call arrives.
            effects.extend(app.update(Action::Tick(Utc::now())));
            effects.extend(app.update(Action::Pop(phone)));
        }
        if let Some(rx) = sync_events.as_mut() {
            loop {
                match rx.try_recv() {
                    Ok(event) => {
                        redraw = true;
                        let status = SyncStatus::from_event(event, Utc::now());
                        effects.extend(app.update(Action::SyncStatus(status)));
                    }
                    Err(tokio::sync::mpsc::error::TryRecvError::Empty) => break,
                    Err(tokio::sync::mpsc::error::TryRecvError::Disconnected) => {
                        sync_events = None;
                        break;
                    }
                }
            }
        }
        if let Some(c) = &counter {
            while let Ok((request, count)) = c.answers.try_recv() {
                redraw = true;
                effects.extend(app.update(Action::Counted { request, count }));
            }
        }
        if let Some(r) = &reminder {
            while let Ok((request, reminders)) = r.answers.try_recv() {
                redraw = true;
                effects.extend(app.update(Action::Reminded { request, reminders }));
            }
        }
        if let Some(w) = &writer {
            while let Ok((request, result)) = w.answers.try_recv() {
                redraw = true;
                effects.extend(app.update(Action::Written { request, result }));
            }
        }
        for l in [&loader, &windows].into_iter().flatten() {
            while let Ok((request, data)) = l.answers.try_recv() {
                redraw = true;
                effects.extend(app.update(Action::Loaded { request, data }));
            }
        }
        for effect in effects {
            match effect {
                Effect::Quit => {
                    if let Some(w) = writer.take() {
                        w.finish();
                    }
                    return Ok(());
                }
                Effect::Clipboard(text) => {
                    let mut out = io::stdout();
                    out.write_all(osc52(&text).as_bytes())?;
                    out.flush()?;
                }
                Effect::Bell => {
                    let mut out = io::stdout();
                    out.write_all(b"\x07")?;
                    out.flush()?;
                }
                Effect::SyncNow => {
                    if let Some(trigger) = &sync_now {
                        trigger();
                    }
                }
                Effect::OpenFile(id) => open_file(&profile, &id),
                Effect::AttachFile {
                    record_id,
                    path,
                    name,
                    ..
                } => attach_file(&profile, &record_id, &path, name, attached_tx.clone()),
                Effect::Count { request, query } => {
                    if counter.is_none() {
                        counter = open_reader
                            .take()
                            .map(|open| Worker::start(open, newest_per_slot, count, &busy));
                    }
                    // Without a reader the header keeps showing what the window knows.
                    if let Some(c) = &counter {
                        c.ask(request, query);
                    }
                }
                Effect::Reminders { request, query } => {
                    if reminder.is_none() {
                        reminder = open_reminders
                            .take()
                            .map(|open| Worker::start(open, newest, remind, &busy));
                    }
                    if let Some(r) = &reminder {
                        r.ask(request, query);
                    }
                }
                Effect::Load { request, read } if read.is_window() => {
                    if windows.is_none() {
                        windows = Some(Worker::start(
                            opener(open_windows.take()),
                            work::newest_loads,
                            load,
                            &busy,
                        ));
                    }
                    if let Some(w) = &windows {
                        w.ask(request, read);
                    }
                }
                Effect::Load { request, read } => {
                    if loader.is_none() {
                        loader = Some(Worker::start(
                            opener(open_loader.take()),
                            work::newest_loads,
                            load,
                            &busy,
                        ));
                    }
                    if let Some(l) = &loader {
                        l.ask(request, read);
                    }
                }
                Effect::Write { request, write } => {
                    if writer.is_none() {
                        writer = Some(Worker::start(opener(open_writer.take()), all, store, &busy));
                    }
                    if let Some(w) = &writer {
                        w.ask(request, write);
                    }
                }
            }
        }
    }
}

/// How often the loop wakes when nothing happens.
const TICK: Duration = Duration::from_millis(250);
/// How often it looks for a call handed over by `crm pop` (the budget is 100 ms to the screen).
const POP_POLL: Duration = Duration::from_millis(10);

/// Listens at `socket` for calls handed over by `crm pop`; a failure is shown and the screens
/// run without it (`crm pop` then opens screens of its own).
#[cfg(unix)]
fn listen_for_calls(
    socket: Option<&std::path::Path>,
    calls: std::sync::mpsc::Sender<String>,
    app: &mut App,
) -> Option<crate::pop::Listener> {
    match crate::pop::Listener::start(socket?, move |phone| calls.send(phone).is_ok()) {
        Ok(l) => Some(l),
        Err(e) => {
            app.set_flash(
                format!("calls from `crm pop` do not reach these screens: {e}"),
                true,
            );
            None
        }
    }
}

#[cfg(not(unix))]
fn listen_for_calls(
    _socket: Option<&std::path::Path>,
    _calls: std::sync::mpsc::Sender<String>,
    _app: &mut App,
) -> Option<()> {
    None
}

/// Questions waiting for a worker, by request number, oldest first.
type Asked<Q> = Vec<(u64, Q)>;

/// A worker's own source, or why it could not be opened.
type WorkerSource<'a> = Result<&'a mut (dyn DataSource + Send + 'static), &'a DataError>;

/// Work on a thread of its own, over a source of its own, so the key that asked never waits
/// for it: counts (a COUNT at a million rows takes longer than a frame) and loads on readers,
/// writes on a writer. Questions go in numbered; answers come back with their numbers.
struct Worker<Q, A> {
    questions: std::sync::mpsc::Sender<(u64, Q)>,
    answers: std::sync::mpsc::Receiver<(u64, A)>,
    thread: std::thread::JoinHandle<()>,
    /// Questions asked of every worker and not yet answered (or dropped as stale).
    busy: Arc<AtomicUsize>,
}

impl<Q: Send + 'static, A: Send + 'static> Worker<Q, A> {
    /// `pick` chooses, of the questions waiting, those still worth answering; `serve` answers
    /// one (None: no answer to send, e.g. a count that failed).
    fn start(
        open: OpenReader,
        pick: fn(Asked<Q>) -> Asked<Q>,
        serve: fn(WorkerSource<'_>, Q) -> Option<A>,
        busy: &Arc<AtomicUsize>,
    ) -> Worker<Q, A> {
        let (questions, asked) = std::sync::mpsc::channel::<(u64, Q)>();
        let (answer, answers) = std::sync::mpsc::channel();
        let done = busy.clone();
        let thread = std::thread::spawn(move || {
            let mut source = open();
            while let Ok(first) = asked.recv() {
                let mut waiting = vec![first];
                waiting.extend(asked.try_iter());
                let taken = waiting.len();
                for (request, question) in pick(waiting) {
                    let to = match &mut source {
                        Ok(s) => Ok(&mut **s),
                        Err(e) => Err(&*e),
                    };
                    // Nobody listening any more: the work is still done (a write that was
                    // shown reaches the replica); the loop ends when the questions do.
                    if let Some(a) = serve(to, question) {
                        let _ = answer.send((request, a));
                    }
                }
                // After the answers are sent: the loop looks for them while this is above 0.
                done.fetch_sub(taken, Ordering::AcqRel);
            }
        });
        Worker {
            questions,
            answers,
            thread,
            busy: busy.clone(),
        }
    }

    /// Hands a question to the thread.
    fn ask(&self, request: u64, question: Q) {
        self.busy.fetch_add(1, Ordering::AcqRel);
        if self.questions.send((request, question)).is_err() {
            // The thread is gone (it panicked): nothing will answer.
            self.busy.fetch_sub(1, Ordering::AcqRel);
        }
    }

    /// Answers what was asked, then stops: the writes a user saw made reach the replica
    /// before the program ends.
    fn finish(self) {
        drop(self.questions);
        let _ = self.thread.join();
    }
}

/// The opener of a worker's source, or one that says there is none: its questions are then
/// answered with that error (a write is undone on screen, not lost in silence).
fn opener(open: Option<OpenReader>) -> OpenReader {
    open.unwrap_or_else(|| {
        Box::new(|| {
            Err(DataError::Storage(
                "no second connection to the local data".into(),
            ))
        })
    })
}

/// Every write waiting, in the order asked.
fn all<Q>(waiting: Vec<(u64, Q)>) -> Vec<(u64, Q)> {
    waiting
}

/// Only the newest question is worth answering (the reminders: the list shows the latest).
fn newest<Q>(mut waiting: Vec<(u64, Q)>) -> Vec<(u64, Q)> {
    waiting.drain(..waiting.len().saturating_sub(1));
    waiting
}

fn remind(source: WorkerSource<'_>, q: ReminderQuery) -> Option<Box<Reminders>> {
    // Failed reminders leave the list as it was.
    source.ok()?.reminders(&q).ok().map(Box::new)
}

fn count(source: WorkerSource<'_>, q: CountQuery) -> Option<usize> {
    // A failed count leaves the header as it was.
    source.ok()?.count(&q).ok()
}

fn load(source: WorkerSource<'_>, read: Read) -> Option<Result<Loaded, DataError>> {
    Some(match source {
        Ok(s) => work::read(&*s, &read),
        Err(e) => Err(e.clone()),
    })
}

fn store(source: WorkerSource<'_>, write: work::Write) -> Option<Result<Record, WriteError>> {
    Some(match source {
        Ok(s) => work::write(s, &write),
        Err(e) => Err(WriteError::from(e.clone())),
    })
}

/// The OSC 52 sequence that asks the terminal (local or across SSH) to set the clipboard.
pub fn osc52(text: &str) -> String {
    use base64::Engine;
    format!(
        "\x1b]52;c;{}\x07",
        base64::engine::general_purpose::STANDARD.encode(crate::text::sanitize(text))
    )
}

fn restore_terminal() {
    // Best effort: each step may fail on a terminal that is already gone.
    let _ = terminal::disable_raw_mode();
    let _ = execute!(
        io::stdout(),
        DisableMouseCapture,
        DisableBracketedPaste,
        LeaveAlternateScreen,
        crossterm::cursor::Show
    );
}

type Hook = Box<dyn Fn(&std::panic::PanicHookInfo<'_>) + Sync + Send + 'static>;

/// While the TUI runs, a panic first gives the terminal back, then reports as before; after
/// it, the previous hook alone is in place again.
struct PanicHook(Arc<Hook>);

impl PanicHook {
    fn install() -> PanicHook {
        let previous: Arc<Hook> = Arc::new(std::panic::take_hook());
        let inner = previous.clone();
        std::panic::set_hook(Box::new(move |info| {
            restore_terminal();
            inner(info);
        }));
        PanicHook(previous)
    }
}

impl Drop for PanicHook {
    fn drop(&mut self) {
        let previous = self.0.clone();
        let _ = std::panic::take_hook();
        std::panic::set_hook(Box::new(move |info| previous(info)));
    }
}

/// Puts the terminal in the TUI's mode and takes it back out when dropped, error or not.
struct TerminalGuard;

impl TerminalGuard {
    fn enter() -> io::Result<TerminalGuard> {
        terminal::enable_raw_mode()?;
        let guard = TerminalGuard;
        execute!(
            io::stdout(),
            EnterAlternateScreen,
            EnableBracketedPaste,
            EnableMouseCapture
        )?;
        Ok(guard)
    }
}

impl Drop for TerminalGuard {
    fn drop(&mut self) {
        restore_terminal();
    }
}

/// Runs `crm --profile PROFILE files open ID` on its own: it downloads the file when it is not
/// kept here and hands it to the system's opener, while the screens go on. Nothing of it
/// reaches the terminal (its output is discarded); a failure is in no flash, as the screen has
/// moved on, so it is logged.
fn open_file(profile: &str, id: &str) {
    let spawned = std::env::current_exe().and_then(|crm| {
        std::process::Command::new(crm)
            .args(["--profile", profile, "files", "open", id])
            .stdin(std::process::Stdio::null())
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .spawn()
    });
    if let Err(e) = spawned {
        tracing::warn!(error = %e, "cannot run crm files open");
    }
}

/// Runs `crm --profile PROFILE files attach RECORD PATH --name NAME` on a thread of its own:
/// the upload (the server checks the size and kind) and the pull that brings the file's record
/// into the replica, while the screens go on. How it went is sent to `done`: the CLI's own
/// message when it failed (offline, too large, a kind not allowed).
fn attach_file(
    profile: &str,
    record_id: &str,
    path: &std::path::Path,
    name: String,
    done: std::sync::mpsc::Sender<(String, Result<(), String>)>,
) {
    let mut command = match std::env::current_exe() {
        Ok(crm) => std::process::Command::new(crm),
        Err(e) => {
            let _ = done.send((name, Err(format!("cannot run crm files attach: {e}"))));
            return;
        }
    };
    command
        .args(["--profile", profile, "files", "attach", record_id])
        .arg(path)
        .args(["--name", name.as_str()])
        .stdin(std::process::Stdio::null());
    std::thread::spawn(move || {
        let result = match command.output() {
            Ok(out) if out.status.success() => Ok(()),
            Ok(out) => Err(failure_of(&out.stderr)),
            Err(e) => Err(format!("cannot run crm files attach: {e}")),
        };
        let _ = done.send((name, result));
    });
}

/// The message a failed `crm` command printed last, without its `error: `.
fn failure_of(stderr: &[u8]) -> String {
    let text = String::from_utf8_lossy(stderr);
    text.lines()
        .rev()
        .map(str::trim)
        .find(|l| !l.is_empty())
        .map(|l| l.strip_prefix("error: ").unwrap_or(l).to_string())
        .unwrap_or_else(|| "the upload failed".into())
}
