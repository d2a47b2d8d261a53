//! How long one frame of the customer list costs at 200x50 over a local replica of synthetic
//! customers (filled through the replica's own `apply_page`, as a first sync fills it, by the TUI
//! tests' support module): 1,000 customers, and N more with `--replica N`. Each window is an
//! SQLite query; the frame cost should be flat whatever the list's length.
//!
//!     cargo run --release --example tui_frame_bench [-- --replica N | --open REPLICA_FILE]
//!
//! For each size it scrolls the list one row per frame (so every frame changes), first near the
//! top, then near the end (after jumping there with G), and reports the median and 95th
//! percentile of: `update` (the key, including any window fetch, whose cost the maximum shows)
//! and `frame` (building the frame and diffing it against the previous one, as
//! `Terminal::draw` does). The exact counts a list's header shows are asked of a counting
//! thread (`Effect::Count`); here they run in line after the key they follow, timed apart from
//! the key and its frame, and are answered to the app as the TUI's counting thread answers.

use std::path::PathBuf;
use std::time::{Duration, Instant};

// The allocator the `crm` binary uses.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

use crm::replica::Replica;
use crm::tui::{Action, App, DataSource, Effect, ReplicaSource, TuiOptions, work};
use crossterm::event::{KeyCode, KeyEvent};
use ratatui::Terminal;
use ratatui::backend::TestBackend;

#[path = "../tests/support/mod.rs"]
mod support;

use support::{Fixture, TestSource, now};

const WIDTH: u16 = 200;
const HEIGHT: u16 = 50;
const FRAMES: usize = 2_000;

fn percentile(sorted: &[Duration], p: f64) -> f64 {
    let i = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[i].as_secs_f64() * 1e6
}

struct Figures {
    update_median: f64,
    update_p95: f64,
    update_max: f64,
    frame_median: f64,
    frame_p95: f64,
}

fn run(app: &mut App, terminal: &mut Terminal<TestBackend>, key: KeyCode) -> Figures {
    let mut updates = Vec::with_capacity(FRAMES);
    let mut frames = Vec::with_capacity(FRAMES);
    for _ in 0..FRAMES {
        let t = Instant::now();
        app.key(KeyEvent::from(key));
        updates.push(t.elapsed());
        let t = Instant::now();
        terminal.draw(|f| app.render(f)).expect("draw");
        frames.push(t.elapsed());
    }
    updates.sort();
    frames.sort();
    Figures {
        update_median: percentile(&updates, 0.5),
        update_p95: percentile(&updates, 0.95),
        update_max: percentile(&updates, 1.0),
        frame_median: percentile(&frames, 0.5),
        frame_p95: percentile(&frames, 0.95),
    }
}

/// The counts among `effects`, run on `counter` (the reader the TUI's counting thread opens) and
/// answered to the app; returns how long each took and the last one's answer. The loads (a
/// search's first rows, read on the TUI's window thread) are answered on the same reader, in
/// line, their time not counted (the key's frame is what is timed).
fn answer_counts(
    app: &mut App,
    counter: Option<&dyn DataSource>,
    effects: Vec<Effect>,
    times: &mut Vec<Duration>,
) -> Option<usize> {
    let counter = counter?;
    let mut last = None;
    let mut effects = effects;
    while !effects.is_empty() {
        let mut next = Vec::new();
        for effect in effects {
            match effect {
                Effect::Count { request, query } => {
                    let t = Instant::now();
                    let count = counter.count(&query).expect("count");
                    times.push(t.elapsed());
                    next.extend(app.update(Action::Counted { request, count }));
                    last = Some(count);
                }
                Effect::Load { request, read } => {
                    let data = work::read(counter, &read);
                    next.extend(app.update(Action::Loaded { request, data }));
                }
                _ => {}
            }
        }
        effects = next;
    }
    last
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1e3
}

fn options() -> TuiOptions {
    TuiOptions {
        profile: "bench".into(),
        username: "li".into(),
        ..TuiOptions::default()
    }
}

/// Measures scrolling near the top and, after G, near the end; one table row for each.
fn measure(
    label: &str,
    source: Box<dyn DataSource + Send>,
    rows_built: &dyn Fn() -> Option<usize>,
) {
    // The counting thread's own reader, opened as the TUI opens it. CRM_BENCH_NO_COUNTS=1
    // leaves the counts out, to see what running them does to the keys measured after them.
    let counter = source
        .reader()
        .filter(|_| std::env::var_os("CRM_BENCH_NO_COUNTS").is_none())
        .map(|open| open().expect("a reader for counts"));
    let counter = counter.as_deref().map(|c| c as &dyn DataSource);
    let mut counts = Vec::new();
    let mut app = App::new(options(), source, now());
    let effects = app.update(Action::Resize(WIDTH, HEIGHT));
    if let Some(n) = answer_counts(&mut app, counter, effects, &mut counts) {
        println!(
            "| {label} | count of the whole list ({n}), on the counting thread | {:.1} ms | | | | | |",
            counts.last().map_or(0.0, |d| ms(*d))
        );
    }
    let mut terminal = Terminal::new(TestBackend::new(WIDTH, HEIGHT)).expect("terminal");
    terminal.draw(|f| app.render(f)).expect("draw");
    let built = rows_built();
    let top = run(&mut app, &mut terminal, KeyCode::Char('j'));
    let top_built = rows_built().zip(built).map(|(a, b)| a - b);
    let t = Instant::now();
    app.key(KeyEvent::from(KeyCode::Char('G')));
    let jump = t.elapsed();
    terminal.draw(|f| app.render(f)).expect("draw");
    let built = rows_built();
    let end = run(&mut app, &mut terminal, KeyCode::Char('k'));
    let end_built = rows_built().zip(built).map(|(a, b)| a - b);
    for (place, f, built) in [("top", top, top_built), ("end", end, end_built)] {
        let built = built.map_or("—".to_string(), |b| b.to_string());
        println!(
            "| {label} | {place} | {:.1} | {:.1} | {:.0} | {:.1} | {:.1} | {built} |",
            f.update_median, f.update_p95, f.update_max, f.frame_median, f.frame_p95
        );
    }
    println!(
        "| {label} | G (jump to the end) | {:.1} | | | | | |",
        jump.as_secs_f64() * 1e6
    );
    // Live search: each keystroke re-queries the window, and the frame is drawn.
    // Pinyin too: a name's syllables and its initials go through the same index.
    for typed in ["0012345", "Trading", "客户 00123", "shenzhen", "dh"] {
        app.key(KeyEvent::from(KeyCode::Char('/')));
        let mut worst = Duration::ZERO;
        let mut total = Duration::ZERO;
        let mut counts = Vec::new();
        let mut matched = None;
        for c in typed.chars() {
            let t = Instant::now();
            let effects = app.key(KeyEvent::from(KeyCode::Char(c)));
            terminal.draw(|f| app.render(f)).expect("draw");
            let e = t.elapsed();
            worst = worst.max(e);
            total += e;
            matched = answer_counts(&mut app, counter, effects, &mut counts).or(matched);
        }
        let effects = app.key(KeyEvent::from(KeyCode::Esc));
        answer_counts(&mut app, counter, effects, &mut Vec::new());
        println!(
            "| {label} | search \"{typed}\": a key and its frame | {:.0} (mean) | | {:.0} | | | |",
            total.as_secs_f64() * 1e6 / typed.chars().count() as f64,
            worst.as_secs_f64() * 1e6
        );
        if let (Some(n), Some(longest)) = (matched, counts.iter().max()) {
            println!(
                "| {label} | search \"{typed}\": the count after each key, on the counting thread ({n} at the end) | {:.1} ms (mean) | | {:.1} ms | | | |",
                ms(counts.iter().sum::<Duration>()) / counts.len() as f64,
                ms(*longest)
            );
        }
    }
}

/// Timings of one key, replayed several times.
#[derive(Default, Clone)]
struct KeyTimes {
    /// The key and the frame after it: what the user waits for (budget 16 ms).
    frames: Vec<Duration>,
    /// Each answer of the work it handed off, applied by the app, and the frame after it (on
    /// the UI thread too).
    answers: Vec<Duration>,
    /// The handed-off work itself, on the reader and writer threads' own sources.
    work: Vec<Duration>,
}

fn stats(times: &mut [Duration]) -> String {
    if times.is_empty() {
        return "| | |".into();
    }
    times.sort();
    format!(
        "{:.2} | {:.2} | {:.2}",
        percentile(times, 0.5) / 1e3,
        percentile(times, 0.99) / 1e3,
        percentile(times, 1.0) / 1e3
    )
}

/// The host's load average now (Linux), for the figures' conditions.
fn load_average() -> String {
    std::fs::read_to_string("/proc/loadavg")
        .map(|l| l.split_whitespace().take(3).collect::<Vec<_>>().join(" "))
        .unwrap_or_default()
}

/// The writer and reader a TUI hands its writes and loads to, each over its own source as the
/// run loop opens them; here they run in line after the frame, timed apart from it.
struct Threads {
    reader: Box<dyn DataSource + Send>,
    writer: Box<dyn DataSource + Send>,
}

impl Threads {
    /// Runs the writes, then the loads, counts and reminders, among `effects` and answers
    /// them to the app (the writer runs first, as it would have started first), each answer
    /// followed by a frame; until no more work is asked.
    fn answer(
        &mut self,
        app: &mut App,
        terminal: &mut Terminal<TestBackend>,
        mut effects: Vec<Effect>,
        t: &mut KeyTimes,
    ) {
        while !effects.is_empty() {
            let mut next = Vec::new();
            effects.sort_by_key(|e| !matches!(e, Effect::Write { .. }));
            for effect in effects {
                let started = Instant::now();
                let answer = match effect {
                    Effect::Write { request, write } => Action::Written {
                        request,
                        result: work::write(&mut *self.writer, &write),
                    },
                    Effect::Load { request, read } => Action::Loaded {
                        request,
                        data: work::read(&*self.reader, &read),
                    },
                    // The counting thread's questions, on the reader here.
                    Effect::Reminders { request, query } => Action::Reminded {
                        request,
                        reminders: Box::new(self.reader.reminders(&query).expect("reminders")),
                    },
                    Effect::Count { request, query } => Action::Counted {
                        request,
                        count: self.reader.count(&query).expect("count"),
                    },
                    _ => continue,
                };
                t.work.push(started.elapsed());
                let started = Instant::now();
                next.extend(app.update(answer));
                terminal.draw(|f| app.render(f)).expect("draw");
                t.answers.push(started.elapsed());
            }
            effects = next;
        }
    }
}

/// Presses `keys` (keymap notation) and draws; the last key's time with its frame is
/// recorded, and what it handed off is answered.
fn key(
    app: &mut App,
    terminal: &mut Terminal<TestBackend>,
    threads: &mut Threads,
    keys: &str,
    t: Option<&mut KeyTimes>,
) {
    let mut scratch = KeyTimes::default();
    let t = t.unwrap_or(&mut scratch);
    let keys: Vec<&str> = keys.split(' ').filter(|k| !k.is_empty()).collect();
    for (i, k) in keys.iter().enumerate() {
        let started = Instant::now();
        let effects = support::press_raw(app, k);
        terminal.draw(|f| app.render(f)).expect("draw");
        if i + 1 == keys.len() {
            t.frames.push(started.elapsed());
        }
        threads.answer(app, terminal, effects, t);
    }
}

/// The keys that write, sum or reload over a demo replica (opportunities, activities): the
/// funnel's moves and month filter, the calendar's done and reschedule, as the signed-in
/// sales rep "li" of the demo, at the real time (the demo's dates follow it).
fn measure_keys(path: &std::path::Path) {
    let source = ReplicaSource::new(Replica::open(path).expect("replica"));
    let mut threads = Threads {
        reader: source.reader().expect("a reader")().expect("the reader opens"),
        writer: source.writer().expect("a writer")().expect("the writer opens"),
    };
    let mut app = App::new(options(), Box::new(source), chrono::Utc::now());
    let mut terminal = Terminal::new(TestBackend::new(WIDTH, HEIGHT)).expect("terminal");
    let effects = app.update(Action::Resize(WIDTH, HEIGHT));
    threads.answer(&mut app, &mut terminal, effects, &mut KeyTimes::default());
    let mut rows: Vec<(&'static str, KeyTimes)> = Vec::new();
    println!(
        "\nLoad average at the start of the keys: {}",
        load_average()
    );
    screens(&mut app, &mut terminal, &mut threads, &mut rows);
    daily_keys(&mut app, &mut terminal, &mut threads, &mut rows);
    if !skipped("sales") {
        sales_keys(&mut app, &mut terminal, &mut threads, &mut rows);
    }
    if !skipped("record") {
        record_keys(&mut app, &mut terminal, &mut threads, &mut rows);
    }
    if !skipped("reminders") {
        reminders(&mut app, &mut terminal, &mut threads, &mut rows);
    }
    let mut show = KeyTimes::default();
    key(&mut app, &mut terminal, &mut threads, "2", Some(&mut show));
    push(&mut rows, ("funnel: 2 (show it, first load)", show));
    // A stage's last card and back: each leaves the cards held, its window read by amount.
    let (mut last, mut first) = (KeyTimes::default(), KeyTimes::default());
    for _ in 0..repeat() {
        key(&mut app, &mut terminal, &mut threads, "G", Some(&mut last));
        key(
            &mut app,
            &mut terminal,
            &mut threads,
            "g g",
            Some(&mut first),
        );
    }
    push(
        &mut rows,
        ("funnel: G (a stage's last card: its window)", last),
    );
    push(&mut rows, ("funnel: g g (back to its first card)", first));
    let (mut right, mut left) = (KeyTimes::default(), KeyTimes::default());
    for _ in 0..repeat() {
        key(&mut app, &mut terminal, &mut threads, "L", Some(&mut right));
        key(&mut app, &mut terminal, &mut threads, "H", Some(&mut left));
    }
    push(&mut rows, ("funnel: L (move the deal a stage on)", right));
    push(&mut rows, ("funnel: H (move it back)", left));
    let (mut month, mut clear) = (KeyTimes::default(), KeyTimes::default());
    for i in 0..repeat() {
        let m = if i % 2 == 0 { "next month" } else { "dec" };
        key(&mut app, &mut terminal, &mut threads, "m", None);
        support::type_text(&mut app, m);
        key(
            &mut app,
            &mut terminal,
            &mut threads,
            "<Enter>",
            Some(&mut month),
        );
        key(&mut app, &mut terminal, &mut threads, "F", Some(&mut clear));
    }
    push(
        &mut rows,
        ("funnel: month filter (Enter on m's prompt)", month),
    );
    push(&mut rows, ("funnel: F (clear the filters)", clear));
    if !skipped("calendar") {
        calendar_keys(&mut app, &mut terminal, &mut threads, &mut rows);
    }
    // Undo: each `u` undoes the write before (the moves and changes above).
    let mut undo = KeyTimes::default();
    key(&mut app, &mut terminal, &mut threads, "1", None);
    for _ in 0..repeat() {
        key(&mut app, &mut terminal, &mut threads, "u", Some(&mut undo));
    }
    push(&mut rows, ("undo: u (the last write undone)", undo));
    println!("Load average at the end of the keys: {}", load_average());
    println!(
        "\n| key ({}x unless shown once) | key + frame median ms | p99 | worst | answer + frame median ms | p99 | worst | handed-off work median ms | p99 | worst |",
        repeat()
    );
    println!("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|");
    for (what, mut t) in rows {
        println!(
            "| {what} | {} | {} | {} |",
            stats(&mut t.frames),
            stats(&mut t.answers),
            stats(&mut t.work)
        );
    }
    if let Some(f) = &app.flash {
        println!("\nLast message: {}", f.text);
    }
}

/// The Sales screen's lists (quotes, orders — about two a customer —, contracts, payments due,
/// expense claims): opened, each section shown (`l`), scrolled a row (`j`) and to its end
/// (`G`) and back (`g g`).
fn sales_keys(
    app: &mut App,
    terminal: &mut Terminal<TestBackend>,
    threads: &mut Threads,
    rows: &mut Vec<(&'static str, KeyTimes)>,
) {
    let (mut open, mut section, mut down, mut end, mut top) = Default::default();
    for _ in 0..repeat() {
        key(app, terminal, threads, "1", None);
        key(app, terminal, threads, "g s", Some(&mut open));
        for _ in 0..5 {
            for _ in 0..3 {
                key(app, terminal, threads, "j", Some(&mut down));
            }
            key(app, terminal, threads, "G", Some(&mut end));
            key(app, terminal, threads, "g g", Some(&mut top));
            key(app, terminal, threads, "l", Some(&mut section));
        }
        key(app, terminal, threads, "<Esc>", None);
    }
    key(app, terminal, threads, "1", None);
    push(rows, ("sales: g s (open the Sales screen)", open));
    push(rows, ("sales: l (the next section's list)", section));
    push(rows, ("sales: j (a row down)", down));
    push(rows, ("sales: G (the list's end)", end));
    push(rows, ("sales: g g (back to the top)", top));
}

/// A record's view (the generic one, over `:list opportunities`): Enter opens the chosen deal
/// with what refers to it (its activities, lines, quotes… a read per kind, on the reader
/// thread), `q` goes back and `j` chooses the next.
fn record_keys(
    app: &mut App,
    terminal: &mut Terminal<TestBackend>,
    threads: &mut Threads,
    rows: &mut Vec<(&'static str, KeyTimes)>,
) {
    key(app, terminal, threads, "1 :", None);
    support::type_text(app, "list opportunities");
    key(app, terminal, threads, "<Enter>", None);
    let mut open = KeyTimes::default();
    for _ in 0..repeat() {
        key(app, terminal, threads, "<Enter>", Some(&mut open));
        key(app, terminal, threads, "q j", None);
    }
    key(app, terminal, threads, "q 1", None);
    push(rows, ("record: Enter (a deal's view from :list)", open));
}

/// The calendar's keys: the agenda's first load, `x` (done / not done), `r` (reschedule) and
/// `j` in the month view.
fn calendar_keys(
    app: &mut App,
    terminal: &mut Terminal<TestBackend>,
    threads: &mut Threads,
    rows: &mut Vec<(&'static str, KeyTimes)>,
) {
    let mut show = KeyTimes::default();
    key(app, terminal, threads, "3 a", Some(&mut show));
    push(rows, ("calendar: 3 a (agenda, first load)", show));
    let (mut done, mut moved) = (KeyTimes::default(), KeyTimes::default());
    for i in 0..repeat() {
        key(app, terminal, threads, "x", Some(&mut done));
        key(app, terminal, threads, "r", None);
        support::type_text(app, if i % 2 == 0 { "+1d" } else { "-1d" });
        key(app, terminal, threads, "<Enter>", Some(&mut moved));
    }
    push(rows, ("calendar: x (done / not done)", done));
    push(
        rows,
        ("calendar: r (reschedule, Enter on the prompt)", moved),
    );
    let mut weeks = KeyTimes::default();
    key(app, terminal, threads, "m", None);
    for _ in 0..repeat() {
        key(app, terminal, threads, "j", Some(&mut weeks));
    }
    push(rows, ("calendar: j (a week on, month view)", weeks));
}

/// Showing each pane (its reload handed off where it reads more than a window), and the
/// reminders view opened.
fn screens(
    app: &mut App,
    terminal: &mut Terminal<TestBackend>,
    threads: &mut Threads,
    rows: &mut Vec<(&'static str, KeyTimes)>,
) {
    let mut shown: [KeyTimes; 4] = Default::default();
    for _ in 0..repeat() {
        for (i, pane) in ["2", "3", "4", "1"].into_iter().enumerate() {
            if pane == "3" && skipped("calendar") {
                continue;
            }
            key(app, terminal, threads, pane, Some(&mut shown[i]));
        }
    }
    let [funnel, calendar, tickets, customers] = shown;
    push(rows, ("screens: 2 (show the funnel)", funnel));
    push(rows, ("screens: 3 (show the calendar)", calendar));
    push(rows, ("screens: 4 (show the ticket queue)", tickets));
    push(rows, ("screens: 1 (show the customers)", customers));
}

/// The reminders view: opened (`R`), `x` (done: a follow-up marked done or a contact logged)
/// and `r` (moved: a date typed, Enter), each written on the writer thread.
fn reminders(
    app: &mut App,
    terminal: &mut Terminal<TestBackend>,
    threads: &mut Threads,
    rows: &mut Vec<(&'static str, KeyTimes)>,
) {
    let (mut open, mut done, mut moved) = (
        KeyTimes::default(),
        KeyTimes::default(),
        KeyTimes::default(),
    );
    key(app, terminal, threads, "1", None);
    for i in 0..repeat() {
        key(app, terminal, threads, "R", Some(&mut open));
        // The reminders arrive as `Effect::Reminders`, answered here as the counting thread
        // answers them.
        key(app, terminal, threads, "x", Some(&mut done));
        key(app, terminal, threads, "r", None);
        support::type_text(app, if i % 2 == 0 { "+3d" } else { "+4d" });
        key(app, terminal, threads, "<Enter>", Some(&mut moved));
        if app.dialog_name().is_some() {
            key(app, terminal, threads, "<Esc>", None);
        }
        key(app, terminal, threads, "<Esc>", None);
    }
    push(rows, ("reminders: R (open, read)", open));
    push(rows, ("reminders: x (done)", done));
    push(rows, ("reminders: r (move, Enter on the prompt)", moved));
    if let Some(f) = &app.flash {
        println!("\nMessage after the reminders: {}", f.text);
    }
}

/// Each character of `text` typed as a key of its own, each key and its frame recorded.
fn type_keys(
    app: &mut App,
    terminal: &mut Terminal<TestBackend>,
    threads: &mut Threads,
    text: &str,
    t: &mut KeyTimes,
) {
    for c in text.chars() {
        let k = if c == ' ' {
            "<Space>".to_string()
        } else {
            c.to_string()
        };
        key(app, terminal, threads, &k, Some(t));
    }
}

/// The keys of every hour's work before the funnel's and calendar's: the customer search typed
/// key by key (pinyin, Chinese, a code), a 360° opened, a call logged, a form saved (an edit
/// and a new contact), a delete, the ticket queue shown and a ticket's status changed (the
/// queue is read again after the write).
fn daily_keys(
    app: &mut App,
    terminal: &mut Terminal<TestBackend>,
    threads: &mut Threads,
    rows: &mut Vec<(&'static str, KeyTimes)>,
) {
    key(app, terminal, threads, "1", None);
    for (what, typed) in [
        ("search: each key of \"zhang\" (pinyin)", "zhang"),
        (
            "search: each key of \"dong hua\" (pinyin, two words)",
            "dong hua",
        ),
        ("search: each key of \"张\" and \"深圳\" (Chinese)", "张"),
        ("search: each key of \"C00012\" (a code)", "C00012"),
    ] {
        let mut t = KeyTimes::default();
        for _ in 0..(repeat() / 2).max(1) {
            key(app, terminal, threads, "/", None);
            type_keys(app, terminal, threads, typed, &mut t);
            if typed == "张" {
                key(app, terminal, threads, "<Esc>", None);
                key(app, terminal, threads, "<Esc>", None);
                key(app, terminal, threads, "/", None);
                type_keys(app, terminal, threads, "深圳", &mut t);
            }
            key(app, terminal, threads, "<Esc>", None);
            key(app, terminal, threads, "<Esc>", None);
        }
        push(rows, (what, t));
    }
    let (mut open, mut call, mut edit, mut create, mut delete) = (
        KeyTimes::default(),
        KeyTimes::default(),
        KeyTimes::default(),
        KeyTimes::default(),
        KeyTimes::default(),
    );
    for i in 0..repeat() {
        key(app, terminal, threads, "j", None);
        key(app, terminal, threads, "<Enter>", Some(&mut open));
        key(app, terminal, threads, "c", None);
        key(app, terminal, threads, "1", None);
        key(app, terminal, threads, "<Enter>", Some(&mut call));
        key(app, terminal, threads, "E", None);
        key(
            app,
            terminal,
            threads,
            if i % 2 == 0 { "!" } else { "<Backspace>" },
            None,
        );
        key(app, terminal, threads, "<Enter>", Some(&mut edit));
        key(app, terminal, threads, "a", None);
        type_keys(
            app,
            terminal,
            threads,
            "Bench Contact",
            &mut KeyTimes::default(),
        );
        key(app, terminal, threads, "<Enter>", Some(&mut create));
        key(app, terminal, threads, "d", None);
        key(app, terminal, threads, "y", Some(&mut delete));
        // Whatever is left open (a refusal's form) and the 360° itself.
        for _ in 0..3 {
            if app.dialog_name().is_some() {
                key(app, terminal, threads, "<Esc>", None);
                key(app, terminal, threads, "y", None);
            }
        }
        key(app, terminal, threads, "<Esc>", None);
    }
    push(
        rows,
        ("360°: Enter (open a customer, its sections read)", open),
    );
    push(rows, ("360°: c 1 Enter (log a call, Enter)", call));
    push(
        rows,
        ("360°: E, a change, Enter (save the customer's form)", edit),
    );
    push(
        rows,
        ("360°: a, a name, Enter (save a new contact)", create),
    );
    push(rows, ("360°: d y (delete the chosen item)", delete));
    let (mut queue, mut status) = (KeyTimes::default(), KeyTimes::default());
    key(app, terminal, threads, "4", Some(&mut queue));
    key(app, terminal, threads, "A", Some(&mut queue));
    for i in 0..repeat() {
        key(app, terminal, threads, "s", None);
        type_keys(
            app,
            terminal,
            threads,
            if i % 2 == 0 { "pend" } else { "open" },
            &mut KeyTimes::default(),
        );
        key(app, terminal, threads, "<Enter>", Some(&mut status));
    }
    push(
        rows,
        ("tickets: 4 and A (the queue, all open tickets)", queue),
    );
    push(
        rows,
        (
            "tickets: s, a status, Enter (the queue read again after the write)",
            status,
        ),
    );
    if let Some(f) = &app.flash {
        println!("\nMessage after the daily keys: {}", f.text);
    }
}

/// How often each key is replayed: 10, or `CRM_BENCH_REPEAT` (a 1M replica's reads take long).
fn repeat() -> usize {
    std::env::var("CRM_BENCH_REPEAT")
        .ok()
        .and_then(|v| v.parse().ok())
        .filter(|n| *n > 0)
        .unwrap_or(10)
}

/// Whether `CRM_BENCH_SKIP` (comma-separated: `sales`, `reminders`, `calendar`) leaves a section of
/// the keys out: at a million customers their reads take minutes on a loaded host.
fn skipped(section: &str) -> bool {
    std::env::var("CRM_BENCH_SKIP").is_ok_and(|v| v.split(',').any(|s| s.trim() == section))
}

/// Keeps a row of the keys' table and prints it at once on stderr (with the time and the
/// load), so a long run shows its figures as it goes.
fn push(rows: &mut Vec<(&'static str, KeyTimes)>, row: (&'static str, KeyTimes)) {
    let mut t = row.1.clone();
    eprintln!(
        "[{} load {}] | {} | {} | {} | {} |",
        chrono::Utc::now().format("%H:%M:%S"),
        load_average(),
        row.0,
        stats(&mut t.frames),
        stats(&mut t.answers),
        stats(&mut t.work)
    );
    rows.push(row);
}

/// A replica of `n` synthetic customers, filled page by page as a first sync fills it.
fn build_replica(n: usize) -> Fixture {
    let started = Instant::now();
    let fixture = Fixture::synthetic(n);
    eprintln!(
        "built a replica of {n} customers in {:.1} s",
        started.elapsed().as_secs_f64()
    );
    fixture
}

/// The replica's source, counting the customer rows it reads.
fn counted(
    fixture: &Fixture,
) -> (
    Box<dyn DataSource + Send>,
    impl Fn() -> Option<usize> + use<>,
) {
    let source = fixture.source();
    let rows = source.rows_read();
    (Box::new(source), move || {
        Some(rows.load(std::sync::atomic::Ordering::Relaxed))
    })
}

/// This process's resident set now (Linux), in KiB.
fn resident_kib() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmRSS:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
}

fn main() {
    let mut replica_rows = None;
    let mut existing: Option<PathBuf> = None;
    let mut keys_only = false;
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "--replica" => {
                replica_rows = args
                    .next()
                    .and_then(|v| v.replace('_', "").parse::<usize>().ok())
            }
            "--open" => existing = args.next().map(PathBuf::from),
            "--keys" => keys_only = true,
            other => {
                eprintln!(
                    "unknown argument {other}; usage: tui_frame_bench [--replica N | --open REPLICA_FILE [--keys]]"
                );
                std::process::exit(2);
            }
        }
    }
    println!(
        "| source | where | update median µs | update p95 µs | update max µs | frame median µs | frame p95 µs | rows built |"
    );
    println!("|---|---|---:|---:|---:|---:|---:|---:|");
    if let Some(path) = existing.as_ref().filter(|_| keys_only) {
        measure_keys(path);
        return;
    }
    if let Some(path) = existing {
        // A replica a sync filled (`replica_bench --sync N --dir D` leaves `D/sync.replica`),
        // opened by this process only: its memory is what a `crm` that opens it holds.
        let source = TestSource::new(ReplicaSource::new(Replica::open(&path).expect("replica")));
        let rows = source.rows_read();
        measure(
            &format!("replica {}", path.display()),
            Box::new(source),
            &|| Some(rows.load(std::sync::atomic::Ordering::Relaxed)),
        );
        if let Some(rss) = resident_kib() {
            println!(
                "\nResident memory after the replica runs (scrolling, G, searches): {} MB.",
                rss / 1024
            );
        }
        measure_keys(&path);
        return;
    }
    let small = build_replica(1_000);
    let (source, rows) = counted(&small);
    measure("replica, 1000 rows", source, &rows);
    drop(small);
    let mut after = Vec::new();
    if let Some(n) = replica_rows {
        let fixture = build_replica(n);
        // Cold start as `crm` does it: open the replica, build the app, draw the first frame.
        // The file is in the OS page cache (it was just written); a process start adds ≈1 ms.
        let t = Instant::now();
        let replica = Replica::open(fixture.path()).expect("replica");
        let mut app = App::new(options(), Box::new(ReplicaSource::new(replica)), now());
        app.update(Action::Resize(WIDTH, HEIGHT));
        let mut terminal = Terminal::new(TestBackend::new(WIDTH, HEIGHT)).expect("terminal");
        terminal.draw(|f| app.render(f)).expect("draw");
        let cold = t.elapsed();
        drop(app);
        after.push(format!(
            "Cold start to the first frame over the {n}-row replica: {:.1} ms.",
            cold.as_secs_f64() * 1e3
        ));
        let (source, rows) = counted(&fixture);
        measure(&format!("replica, {n} rows"), source, &rows);
        if let Some(rss) = resident_kib() {
            after.push(format!(
                "Resident memory after the replica runs (scrolling, G, searches): {} MB.",
                rss / 1024
            ));
        }
    }
    println!();
    for line in after {
        println!("{line}");
    }
    println!(
        "{FRAMES} frames each at {WIDTH}x{HEIGHT}, one row moved per frame; \"rows built\" counts the customer records read from the replica."
    );
}
