//! How long one frame of the customer list costs at 200x50, with 1,000 and 1,000,000 customers
//! in a data source whose window fetch is O(window): the frame cost should be flat.
//!
//!     cargo run --release --example tui_frame_bench [-- --replica N | --open REPLICA_FILE]
//!
//! With `--replica N` it also builds a local replica of N synthetic customers (through the
//! replica's own `apply_page`, as a sync would) and measures the same over `ReplicaSource`,
//! where each window is an SQLite query.
//!
//! For each size it scrolls the list one row per frame (so every frame changes), first near the
//! top, then near the end (after jumping there with G), and reports the median and 95th
//! percentile of: `update` (the key, including any window fetch, whose cost the maximum shows)
//! and `frame` (building the frame and diffing it against the previous one, as
//! `Terminal::draw` does).

use std::path::PathBuf;
use std::time::{Duration, Instant};

// The allocator the `crm` binary uses.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

use crm::replica::Replica;
use crm::tui::fake::{FakeSource, fixture_now};
use crm::tui::{Action, App, DataSource, ReplicaSource, TuiOptions};
use crm_server::schema::Entity;
use crm_server::wire::{FeedEntry, FeedOp, FeedPage};
use crossterm::event::{KeyCode, KeyEvent};
use ratatui::Terminal;
use ratatui::backend::TestBackend;

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
    let mut app = App::new(options(), source, fixture_now());
    app.update(Action::Resize(WIDTH, HEIGHT));
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
    // Live search: each keystroke re-queries the window, and the frame is drawn. (The fake
    // searches by scanning; only the replica's search is worth timing.)
    let searches: &[&str] = if label.starts_with("replica") {
        &["0012345", "Trading", "客户 00123"]
    } else {
        &[]
    };
    for typed in searches {
        app.key(KeyEvent::from(KeyCode::Char('/')));
        let mut worst = Duration::ZERO;
        let mut total = Duration::ZERO;
        for c in typed.chars() {
            let t = Instant::now();
            app.key(KeyEvent::from(KeyCode::Char(c)));
            terminal.draw(|f| app.render(f)).expect("draw");
            let e = t.elapsed();
            worst = worst.max(e);
            total += e;
        }
        app.key(KeyEvent::from(KeyCode::Esc));
        println!(
            "| {label} | search \"{typed}\": a key and its frame | {:.0} (mean) | | {:.0} | | | |",
            total.as_secs_f64() * 1e6 / typed.chars().count() as f64,
            worst.as_secs_f64() * 1e6
        );
    }
}

/// A replica of `n` synthetic customers, filled page by page as a sync fills it.
fn build_replica(dir: &std::path::Path, n: usize) -> Replica {
    let replica = Replica::open(&dir.join("bench.db")).expect("replica");
    let started = Instant::now();
    let mut seq = 0i64;
    for chunk in (0..n).collect::<Vec<_>>().chunks(5_000) {
        let changes = chunk
            .iter()
            .map(|&i| {
                seq += 1;
                let record = FakeSource::synthetic_customer(i);
                FeedEntry {
                    seq,
                    entity: Entity::Customers,
                    id: record["id"].as_str().unwrap_or_default().to_string(),
                    op: FeedOp::Upsert,
                    record: Some(record),
                }
            })
            .collect();
        let more = chunk.last().is_some_and(|&i| i + 1 < n);
        replica
            .apply_page(&FeedPage {
                changes,
                next: seq,
                more,
                latest: 0,
            })
            .expect("apply page");
    }
    eprintln!(
        "built a replica of {n} customers in {:.1} s",
        started.elapsed().as_secs_f64()
    );
    replica
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
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "--replica" => {
                replica_rows = args
                    .next()
                    .and_then(|v| v.replace('_', "").parse::<usize>().ok())
            }
            "--open" => existing = args.next().map(PathBuf::from),
            other => {
                eprintln!(
                    "unknown argument {other}; usage: tui_frame_bench [--replica N | --open REPLICA_FILE]"
                );
                std::process::exit(2);
            }
        }
    }
    println!(
        "| source | where | update median µs | update p95 µs | update max µs | frame median µs | frame p95 µs | rows built |"
    );
    println!("|---|---|---:|---:|---:|---:|---:|---:|");
    if let Some(path) = existing {
        // A replica a sync filled (`replica_bench --sync N --dir D` leaves `D/sync.replica`),
        // opened by this process only: its memory is what a `crm` that opens it holds.
        let replica = Replica::open(&path).expect("replica");
        measure(
            &format!("replica {}", path.display()),
            Box::new(ReplicaSource::new(replica)),
            &|| None,
        );
        if let Some(rss) = resident_kib() {
            println!(
                "\nResident memory after the replica runs (scrolling, G, searches): {} MB.",
                rss / 1024
            );
        }
        return;
    }
    for n in [1_000usize, 1_000_000] {
        let source = FakeSource::with_synthetic(n);
        let counter = source.clone();
        measure(&format!("fake, {n} rows"), Box::new(source), &|| {
            Some(counter.rows_built())
        });
    }
    let mut after = Vec::new();
    if let Some(n) = replica_rows {
        let dir = tempfile::tempdir().expect("temp dir");
        drop(build_replica(dir.path(), n));
        // Cold start as `crm` does it: open the replica, build the app, draw the first frame.
        // The file is in the OS page cache (it was just written); a process start adds ≈1 ms.
        let t = Instant::now();
        let replica = Replica::open(&dir.path().join("bench.db")).expect("replica");
        let mut app = App::new(
            options(),
            Box::new(ReplicaSource::new(replica)),
            fixture_now(),
        );
        app.update(Action::Resize(WIDTH, HEIGHT));
        let mut terminal = Terminal::new(TestBackend::new(WIDTH, HEIGHT)).expect("terminal");
        terminal.draw(|f| app.render(f)).expect("draw");
        let cold = t.elapsed();
        drop(app);
        after.push(format!(
            "Cold start to the first frame over the {n}-row replica: {:.1} ms.",
            cold.as_secs_f64() * 1e3
        ));
        let replica = Replica::open(&dir.path().join("bench.db")).expect("replica");
        measure(
            &format!("replica, {n} rows"),
            Box::new(ReplicaSource::new(replica)),
            &|| None,
        );
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
        "{FRAMES} frames each at {WIDTH}x{HEIGHT}, one row moved per frame; \"rows built\" counts customer records the fake built."
    );
}
