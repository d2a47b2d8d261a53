//! The real `crm` binary in a real terminal (tmux) against its demo server, used as a person
//! would: search a customer, open it, log a call, move an opportunity, create and resolve a
//! ticket, quit. The screen is read after each step, and the demo server's database afterwards,
//! so what was done on screen is known to have reached the server.

use std::path::Path;
use std::process::Command;
use std::time::{Duration, Instant};

use rusqlite::{Connection, OpenFlags};

/// A tmux server of this test's own, so nothing else running tmux is disturbed.
struct Tmux {
    socket: String,
}

impl Tmux {
    fn run(&self, args: &[&str]) -> String {
        let out = Command::new("tmux")
            .arg("-L")
            .arg(&self.socket)
            .args(args)
            .output()
            .expect("tmux runs (apt-get install tmux)");
        String::from_utf8_lossy(&out.stdout).into_owned()
    }

    fn screen(&self) -> String {
        self.run(&["capture-pane", "-p", "-t", "e2e"])
    }

    /// Types keys: tmux key names (Enter, Tab, Escape) or literal text.
    fn keys(&self, keys: &[&str]) {
        for key in keys {
            self.run(&["send-keys", "-t", "e2e", key]);
            std::thread::sleep(Duration::from_millis(150));
        }
    }

    fn text(&self, text: &str) {
        self.run(&["send-keys", "-t", "e2e", "-l", text]);
        std::thread::sleep(Duration::from_millis(300));
    }

    /// Waits until `found` holds for the screen; the screen either way.
    fn wait(&self, what: &str, found: impl Fn(&str) -> bool) -> String {
        let start = Instant::now();
        loop {
            let screen = self.screen();
            if found(&screen) {
                return screen;
            }
            assert!(
                start.elapsed() < Duration::from_secs(60),
                "waited for {what}; the screen:\n{screen}"
            );
            std::thread::sleep(Duration::from_millis(100));
        }
    }

    fn wait_for(&self, needle: &str) -> String {
        self.wait(needle, |s| s.contains(needle))
    }
}

impl Drop for Tmux {
    fn drop(&mut self) {
        self.run(&["kill-server"]);
    }
}

/// The count a funnel column header shows, like `lead (35)`.
fn column_count(screen: &str, stage: &str) -> usize {
    let open = format!("{stage} (");
    let at = screen
        .find(&open)
        .unwrap_or_else(|| panic!("no {stage} column:\n{screen}"));
    screen[at + open.len()..]
        .split(')')
        .next()
        .and_then(|n| n.parse().ok())
        .unwrap_or_else(|| panic!("no count on the {stage} column:\n{screen}"))
}

fn server_db(data: &Path) -> Connection {
    Connection::open_with_flags(
        data.join("demo").join("server.db"),
        OpenFlags::SQLITE_OPEN_READ_ONLY,
    )
    .expect("the demo database opens")
}

#[test]
fn a_day_at_the_desk_in_the_real_binary() {
    let home = tempfile::tempdir().expect("temp dir");
    let config = home.path().join("config");
    let data = home.path().join("data");
    let tmux = Tmux {
        socket: format!("crm-e2e-{}", std::process::id()),
    };
    let command = format!(
        "env -u CRM_PROFILE -u CRM_TOKEN -u CRM_SERVER -u CRM_USER -u NO_COLOR \
         CRM_CONFIG_DIR={} CRM_DATA_DIR={} LANG=C.UTF-8 {} demo --customers 300; \
         echo EXITED $?; sleep 600",
        config.display(),
        data.display(),
        env!("CARGO_BIN_EXE_crm")
    );
    tmux.run(&[
        "new-session",
        "-d",
        "-s",
        "e2e",
        "-x",
        "100",
        "-y",
        "30",
        &command,
    ]);
    tmux.wait("the customer list, online", |s| {
        s.contains("1 Customers") && s.contains("online")
    });

    // A customer to look for, as the seed made it.
    let (code, name): (String, String) = server_db(&data)
        .query_row(
            "SELECT code, name FROM customers WHERE kind = 'company' AND name GLOB '*有限公司'
             ORDER BY code LIMIT 1",
            [],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .expect("a seeded Chinese company");
    let answered_calls = |db: &Connection| -> i64 {
        db.query_row(
            "SELECT COUNT(*) FROM activities a JOIN customers c ON c.id = a.customer_id
             WHERE c.code = ?1 AND a.kind = 'call' AND a.outcome = 'answered' AND a.deleted = 0",
            [&code],
            |r| r.get(0),
        )
        .expect("calls counted")
    };
    let calls_before = answered_calls(&server_db(&data));
    // Without the city it starts with: a substring search, not a prefix one.
    let part: String = name.chars().skip(2).collect();

    // Search, open the 360° view.
    tmux.keys(&["/"]);
    tmux.text(&part);
    tmux.wait(&format!("{code} in the results"), |s| {
        s.lines().nth(3).is_some_and(|l| l.contains(&code))
    });
    tmux.keys(&["Enter"]);
    let view = tmux.wait_for("Details");
    assert!(view.contains(&code), "the 360° view is {code}'s:\n{view}");

    // Log a call: c, an outcome, Enter.
    tmux.keys(&["c", "1", "Enter"]);
    tmux.wait_for("Call logged: Answered");

    // Move the first lead one stage on.
    tmux.keys(&["Escape", "2"]);
    let funnel = tmux.wait_for("lead (");
    let (leads, qualified) = (
        column_count(&funnel, "lead"),
        column_count(&funnel, "qualified"),
    );
    tmux.keys(&["L"]);
    let moved = tmux.wait("the lead moved", |s| {
        s.contains(&format!("lead ({})", leads - 1))
    });
    assert_eq!(column_count(&moved, "qualified"), qualified + 1, "{moved}");

    // A ticket for the customer, assigned to me, then resolved with a note.
    tmux.keys(&["4", "n"]);
    tmux.wait_for("New ticket");
    tmux.text("E2E 打印机卡纸");
    tmux.keys(&["Tab"]);
    tmux.text(&part);
    tmux.wait_for("Choose customer");
    tmux.keys(&["Enter", "Tab", "Tab", "Tab", "Tab"]);
    tmux.text("demo");
    tmux.wait_for("Choose assignee");
    tmux.keys(&["Enter", "Enter"]);
    tmux.wait_for("Created ticket E2E");
    tmux.keys(&["m"]);
    tmux.wait("my queue", |s| {
        s.lines()
            .nth(3)
            .is_some_and(|l| l.contains("E2E 打印机卡纸"))
    });
    tmux.keys(&["Enter", "r"]);
    tmux.wait_for("Resolve ticket");
    tmux.text("已更换硒鼓");
    tmux.keys(&["Enter"]);
    let resolved = tmux.wait_for("Ticket resolved");
    assert!(resolved.contains("status resolved"), "{resolved}");

    // Everything reaches the server before the user leaves.
    tmux.wait("nothing pending", |s| {
        let status = s.lines().rev().nth(1).unwrap_or("");
        status.contains("online") && !status.contains("pending")
    });
    // q backs out of the ticket to the queue, and quits from there.
    tmux.keys(&["q"]);
    tmux.wait_for("m mine");
    tmux.keys(&["q"]);
    tmux.wait_for("EXITED 0");

    let db = server_db(&data);
    let (status, resolution): (String, String) = db
        .query_row(
            "SELECT t.status, t.resolution FROM tickets t JOIN customers c ON c.id = t.customer_id
             WHERE t.subject = 'E2E 打印机卡纸' AND c.code = ?1",
            [&code],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .expect("the ticket is on the server");
    assert_eq!(
        (status.as_str(), resolution.as_str()),
        ("resolved", "已更换硒鼓")
    );
    assert_eq!(
        answered_calls(&db),
        calls_before + 1,
        "the call is on the server"
    );
    let stage_count = |stage: &str| -> usize {
        db.query_row(
            "SELECT COUNT(*) FROM opportunities o JOIN stages s ON s.id = o.stage_id
             WHERE s.name = ?1 AND o.deleted = 0",
            [stage],
            |r| r.get::<_, i64>(0),
        )
        .expect("opportunities counted") as usize
    };
    assert_eq!(
        (stage_count("lead"), stage_count("qualified")),
        (leads - 1, qualified + 1),
        "the move is on the server"
    );
}
