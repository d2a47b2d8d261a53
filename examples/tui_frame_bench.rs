//! How long one frame of the customer list costs at 200x50, with 1,000 and 1,000,000 customers
//! in a data source whose window fetch is O(window): the frame cost should be flat.
//!
//!     cargo run --release --example tui_frame_bench
//!
//! For each size it scrolls the list one row per frame (so every frame changes), first near the
//! top, then near the end (after jumping there with G), and reports the median and 95th
//! percentile of: `update` (the key, including any window fetch) and `frame` (building the
//! frame and diffing it against the previous one, as `Terminal::draw` does).

use std::time::{Duration, Instant};

use crm::tui::fake::{FakeSource, fixture_now};
use crm::tui::{Action, App, TuiOptions};
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
        frame_median: percentile(&frames, 0.5),
        frame_p95: percentile(&frames, 0.95),
    }
}

fn main() {
    println!(
        "| rows | where | update median µs | update p95 µs | frame median µs | frame p95 µs | rows built |"
    );
    println!("|---:|---|---:|---:|---:|---:|---:|");
    for n in [1_000usize, 1_000_000] {
        let source = FakeSource::with_synthetic(n);
        let options = TuiOptions {
            profile: "bench".into(),
            username: "li".into(),
            ..TuiOptions::default()
        };
        let mut app = App::new(options, Box::new(source.clone()), fixture_now());
        app.update(Action::Resize(WIDTH, HEIGHT));
        let mut terminal = Terminal::new(TestBackend::new(WIDTH, HEIGHT)).expect("terminal");
        terminal.draw(|f| app.render(f)).expect("draw");

        let built = source.rows_built();
        // Near the top: scroll down.
        let top = run(&mut app, &mut terminal, KeyCode::Char('j'));
        let top_built = source.rows_built() - built;
        // Near the end: jump there (one count), then scroll up.
        app.key(KeyEvent::from(KeyCode::Char('G')));
        terminal.draw(|f| app.render(f)).expect("draw");
        let built = source.rows_built();
        let end = run(&mut app, &mut terminal, KeyCode::Char('k'));
        let end_built = source.rows_built() - built;

        for (label, f, built) in [("top", top, top_built), ("end", end, end_built)] {
            println!(
                "| {n} | {label} | {:.1} | {:.1} | {:.1} | {:.1} | {built} |",
                f.update_median, f.update_p95, f.frame_median, f.frame_p95
            );
        }
    }
    println!();
    println!(
        "{FRAMES} frames each at {WIDTH}x{HEIGHT}; \"rows built\" counts customer records the source built for them."
    );
}
