//! Two servers on one PostgreSQL database, as two instances behind a load balancer: a write
//! through one wakes a long-poll on the other (LISTEN/NOTIFY), and a session ended on one is
//! refused by both. Runs when `CRM_TEST_PG` names a PostgreSQL server (one server serves an
//! SQLite file); says so on standard error when it does not.

mod common;

use std::io::Write;
use std::time::Duration;

use common::{PASSWORD, Schema, TestServer, id_of, postgres_url};
use crm_server::Settings;
use serde_json::json;

/// The second server, or None (and a note) on SQLite.
fn beside(first: &TestServer) -> Option<TestServer> {
    let second = first.start_beside();
    if second.is_none() {
        let _ = writeln!(
            std::io::stderr(),
            "note: CRM_TEST_PG is not set: the tests of two servers on one database are skipped"
        );
    }
    second
}

#[test]
fn a_write_through_one_server_wakes_a_long_poll_on_the_other() {
    let first = TestServer::start();
    let Some(second) = beside(&first) else {
        return;
    };
    first.add_user("root", "admin", None);
    let writer = first.login("root");
    let reader = second.login("root");
    let (_, head) = reader.feed(0, 500);
    std::thread::scope(|s| {
        let poll = s.spawn(|| reader.get(&format!("/sync?since={head}&wait=20")));
        // Lets the poll start waiting first; the assertion does not depend on it: without a
        // wake-up from the other server the poll answers empty when its wait ends.
        std::thread::sleep(Duration::from_millis(300));
        let made = id_of(&writer.create("/teams", json!({"name": "north"})));
        let (status, page) = poll.join().expect("the long-poll");
        assert_eq!(status, 200, "{page}");
        let seen: Vec<String> = page["changes"]
            .as_array()
            .expect("changes")
            .iter()
            .map(|c| c["id"].as_str().unwrap_or_default().to_string())
            .collect();
        assert!(
            seen.contains(&made),
            "the other server's long-poll did not get the write: {page}"
        );
    });
    drop(second);
}

#[test]
fn a_session_ended_on_one_server_is_refused_by_the_other() {
    let first = TestServer::start();
    let Some(second) = beside(&first) else {
        return;
    };
    first.add_user("li", "sales", None);
    let on_first = first.login("li");
    let token = on_first.token().expect("a token").to_string();
    let on_second = reqwest::blocking::Client::new();
    let me = |base: String| {
        on_second
            .get(format!("{base}/api/v1/me"))
            .bearer_auth(&token)
            .send()
            .expect("GET me")
            .status()
            .as_u16()
    };
    assert_eq!(me(second.base_url()), 200);
    assert_eq!(on_first.post("/auth/logout", json!({})).0, 200);
    assert_eq!(me(second.base_url()), 401);
    drop(second);
}

#[test]
fn one_idempotency_key_sent_to_both_servers_at_once_writes_once() {
    let first = TestServer::start();
    let Some(second) = beside(&first) else {
        return;
    };
    first.add_user("root", "admin", None);
    let (one, two) = (first.login("root"), second.login("root"));
    let body = json!({"name": "east"});
    let (a, b) = std::thread::scope(|s| {
        let a = s.spawn(|| one.post_with_key("/teams", body.clone(), "same-key"));
        let b = s.spawn(|| two.post_with_key("/teams", body.clone(), "same-key"));
        (a.join().expect("first"), b.join().expect("second"))
    });
    // The same answer from both: the key's first answer, not a second team (or a 409 for
    // its taken name).
    assert_eq!(a.0, 201, "{}", a.1);
    assert_eq!(a, b);
    drop(second);
}

/// Signs in as `username` through `server`, as a client at `from` behind the trusted proxy.
fn sign_in(server: &TestServer, username: &str, password: &str, from: &str) -> u16 {
    reqwest::blocking::Client::new()
        .post(format!("{}/api/v1/auth/login", server.base_url()))
        .header("x-forwarded-for", from)
        .json(&json!({"username": username, "password": password}))
        .send()
        .expect("sign-in request")
        .status()
        .as_u16()
}

#[test]
fn a_lock_out_earned_on_one_server_holds_on_the_other() {
    let settings = || Settings {
        login_attempts: 3,
        login_attempts_per_address: 5,
        trusted_proxies: vec!["127.0.0.1".parse().expect("an address")],
        ..Settings::default()
    };
    let first = TestServer::start_with(settings());
    let Some(second) = first.start_beside_with(settings()) else {
        let _ = writeln!(std::io::stderr(), "note: CRM_TEST_PG is not set: skipped");
        return;
    };
    first.add_user("victim", "sales", None);
    let stranger = "203.0.113.9";
    // Guesses spread over both servers, as a load balancer spreads them: three in all spend
    // the username's tries from that address, wherever they landed.
    assert_eq!(sign_in(&first, "victim", "guess-one", stranger), 401);
    assert_eq!(sign_in(&second, "victim", "guess-two", stranger), 401);
    assert_eq!(sign_in(&first, "victim", "guess-three", stranger), 401);
    assert_eq!(sign_in(&second, "victim", PASSWORD, stranger), 429);
    assert_eq!(sign_in(&first, "VICTIM", PASSWORD, stranger), 429);
    // The address's own count is shared too: two more names from it reach its limit of five.
    assert_eq!(sign_in(&second, "someone", "guess-four", stranger), 401);
    assert_eq!(sign_in(&first, "another", "guess-five", stranger), 401);
    assert_eq!(sign_in(&second, "third", "guess-six", stranger), 429);
    // The victim, elsewhere, signs in on either server.
    assert_eq!(sign_in(&second, "victim", PASSWORD, "198.51.100.7"), 200);
    assert_eq!(sign_in(&first, "victim", PASSWORD, "198.51.100.7"), 200);
    // What the database keeps is bounded and names nobody: digests, never the username.
    let kept = first.query_text("SELECT key FROM sign_in_counts");
    assert!(!kept.is_empty(), "no counts in the database");
    assert!(
        kept.iter()
            .flatten()
            .flatten()
            .all(|k| k.len() == 64 && !k.contains("victim")),
        "{kept:?}"
    );
    drop(second);
}

#[test]
fn servers_starting_together_on_an_empty_database_make_the_default_stages_once() {
    let Some(url) = postgres_url() else {
        let _ = writeln!(std::io::stderr(), "note: CRM_TEST_PG is not set: skipped");
        return;
    };
    let schema = Schema::create(&url);
    let address = schema.database_url();
    // Migrated already, as after an upgrade: the servers meet at the stages, not at the
    // migration lock, which would space them out.
    drop(crm_server::store::postgres::Postgres::open(&address).expect("migrate"));
    let start = std::sync::Barrier::new(4);
    std::thread::scope(|s| {
        let opened: Vec<_> = (0..4)
            .map(|_| {
                s.spawn(|| {
                    start.wait();
                    crm_server::open_postgres(&address).map(|_| ())
                })
            })
            .collect();
        for one in opened {
            one.join().expect("a server starting").expect("open");
        }
    });
    let stages = schema.sql("SELECT name FROM stages ORDER BY position");
    assert_eq!(stages.len(), crm_server::DEFAULT_STAGES.len(), "{stages:?}");
}
