//! The real run loop in a real terminal (tmux): raw mode, the alternate screen, keys, and the
//! terminal handed back on quit. The test binary runs itself inside tmux as the TUI process.

use std::process::Command;
use std::time::{Duration, Instant};

mod support;

use crm::tui::TuiOptions;

const CHILD: &str = "CRM_TUI_TTY_CHILD";

/// Not a test on its own: the TUI process the test below starts inside tmux.
#[test]
fn tty_child() {
    if std::env::var_os(CHILD).is_none() {
        return;
    }
    let options = TuiOptions {
        profile: "tty".into(),
        ..support::options()
    };
    let fixture = support::Fixture::load();
    crm::tui::run(options, Box::new(fixture.source()), None).expect("the TUI ran");
}

/// Not a test on its own: a TUI over 500 customers, more than a window holds, for the count.
#[test]
fn tty_child_counts() {
    if std::env::var_os(CHILD).is_none() {
        return;
    }
    let fixture = support::Fixture::synthetic(500);
    crm::tui::run(support::options(), Box::new(fixture.source()), None).expect("the TUI ran");
}

fn tmux(args: &[&str]) -> String {
    let out = Command::new("tmux").args(args).output().expect("tmux runs");
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// Waits until the pane shows `needle`; the pane's text either way.
fn wait_for(session: &str, needle: &str) -> (bool, String) {
    wait_until(session, |screen| screen.contains(needle))
}

/// Waits until `found` holds for the pane's text; the text either way.
fn wait_until(session: &str, found: impl Fn(&str) -> bool) -> (bool, String) {
    let start = Instant::now();
    loop {
        let screen = tmux(&["capture-pane", "-p", "-t", session]);
        if found(&screen) {
            return (true, screen);
        }
        if start.elapsed() > Duration::from_secs(20) {
            return (false, screen);
        }
        std::thread::sleep(Duration::from_millis(100));
    }
}

struct Session(String);

impl Drop for Session {
    fn drop(&mut self) {
        tmux(&["kill-session", "-t", &self.0]);
    }
}

/// Starts the child test `child` in a tmux session of its own, 100x30.
fn start_child(child: &str, name: &str) -> Session {
    let exe = std::env::current_exe().expect("test binary path");
    let session = Session(format!("crm-{name}-{}", std::process::id()));
    let command = format!(
        "env {CHILD}=1 LANG=C.UTF-8 {} --exact {child} --nocapture --test-threads=1; echo EXITED $?; sleep 60",
        exe.display()
    );
    tmux(&[
        "new-session",
        "-d",
        "-s",
        &session.0,
        "-x",
        "100",
        "-y",
        "30",
        &command,
    ]);
    session
}

fn have_tmux() -> bool {
    if Command::new("tmux").arg("-V").output().is_err() {
        // CI installs tmux (.ci/run); a machine without it cannot run this check.
        eprintln!("tmux is not installed; skipping the terminal check");
        return false;
    }
    true
}

#[test]
fn the_run_loop_counts_a_list_beside_the_screen() {
    if !have_tmux() {
        return;
    }
    let session = start_child("tty_child_counts", "tui-counts");
    // A window holds a screenful and a page either side, so "500" comes only from the count,
    // asked by the list, run on the counting thread and applied by the loop.
    let (ok, screen) = wait_until(&session.0, |s| s.lines().any(|l| l.ends_with(" 1 / 500")));
    assert!(ok, "the exact count did not arrive:\n{screen}");
    tmux(&["send-keys", "-t", &session.0, "q"]);
    let (ok, screen) = wait_for(&session.0, "EXITED 0");
    assert!(ok, "the TUI did not quit cleanly:\n{screen}");
}

#[test]
fn runs_in_a_real_terminal_and_gives_it_back() {
    if !have_tmux() {
        return;
    }
    let exe = std::env::current_exe().expect("test binary path");
    let session = Session(format!("crm-tui-{}", std::process::id()));
    let command = format!(
        "env {CHILD}=1 LANG=C.UTF-8 {} --exact tty_child --nocapture --test-threads=1; echo EXITED $?; sleep 60",
        exe.display()
    );
    tmux(&[
        "new-session",
        "-d",
        "-s",
        &session.0,
        "-x",
        "100",
        "-y",
        "30",
        &command,
    ]);

    let (ok, screen) = wait_for(&session.0, "1 Customers");
    assert!(ok, "the TUI did not draw:\n{screen}");
    assert!(screen.contains("Acme Ltd."), "{screen}");

    tmux(&["send-keys", "-t", &session.0, "/"]);
    tmux(&["send-keys", "-t", &session.0, "-l", "Globex"]);
    // The counter ends its line: "1 / 1", not the "1 / 12" of the list before the search.
    let (ok, screen) = wait_until(&session.0, |s| s.lines().any(|l| l.ends_with(" 1 / 1")));
    assert!(ok, "the search did not narrow the list:\n{screen}");
    assert!(!screen.contains("Acme Ltd."), "{screen}");

    // A key right after Esc would read as Alt-key: wait for the search to clear first.
    tmux(&["send-keys", "-t", &session.0, "Escape"]);
    let (ok, screen) = wait_for(&session.0, "sort name");
    assert!(ok, "Esc did not clear the search:\n{screen}");
    tmux(&["send-keys", "-t", &session.0, "2"]);
    let (ok, screen) = wait_for(&session.0, "Forecast");
    assert!(ok, "the funnel did not show:\n{screen}");

    tmux(&["send-keys", "-t", &session.0, "q"]);
    let (ok, screen) = wait_for(&session.0, "EXITED 0");
    assert!(ok, "the TUI did not quit cleanly:\n{screen}");
    assert!(
        !screen.contains("Forecast"),
        "the alternate screen was left:\n{screen}"
    );
}
