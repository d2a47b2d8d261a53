//! What someone on the network can do to the server: sign-in floods, lockouts, hashing floods,
//! slow connections; and the health check on a database that cannot be written.

mod common;

use std::io::{Read, Write};
use std::net::TcpStream;
use std::sync::{Arc, Barrier};
use std::time::Duration;

use common::{PASSWORD, TestServer};
use crm_server::Settings;
use reqwest::Method;
use serde_json::{Value, json};

/// Signs in as `username` with `password`, as if from `forwarded` behind a proxy; the status and
/// the Retry-After header.
fn sign_in(
    server: &TestServer,
    username: &str,
    password: &str,
    forwarded: Option<&str>,
) -> (u16, Option<u64>) {
    let anonymous = server.anonymous();
    let mut request = anonymous
        .request(Method::POST, "/auth/login")
        .json(&json!({"username": username, "password": password}));
    if let Some(address) = forwarded {
        request = request.header("X-Forwarded-For", address);
    }
    let response = request.send().expect("sign-in request");
    let retry_after = response
        .headers()
        .get("retry-after")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse().ok());
    (response.status().as_u16(), retry_after)
}

fn failed_sign_ins_audited(server: &TestServer) -> i64 {
    let rows = server.query_text("SELECT count(*) FROM audit WHERE action = 'login_failed'");
    rows[0][0]
        .as_deref()
        .and_then(|n| n.parse().ok())
        .expect("count the audit rows")
}

#[test]
fn a_username_no_user_can_have_is_refused_before_anything_is_kept() {
    let server = TestServer::start();
    let huge = "x".repeat(1_000_000);
    for username in [
        huge.as_str(),
        "evil\n2026-01-01T00:00:00Z  INFO signed in username=admin",
        "evil\u{1b}]0;U\u{7}",
        "nul\u{0}",
    ] {
        let (status, body) = server.anonymous().post(
            "/auth/login",
            json!({"username": username, "password": "guess-guess"}),
        );
        assert_eq!(status, 400, "{body}");
        assert!(!body.to_string().contains("xxxxxxxx"), "echoed back");
    }
    assert_eq!(failed_sign_ins_audited(&server), 0);
    // A plausible unknown name is still answered 401 and audited.
    assert_eq!(sign_in(&server, "nobody", "guess-guess", None).0, 401);
    assert_eq!(failed_sign_ins_audited(&server), 1);
}

#[test]
fn a_stranger_cannot_lock_a_user_out_from_another_address() {
    let server = TestServer::start_with(Settings {
        login_attempts: 3,
        trusted_proxies: vec!["127.0.0.1".parse().unwrap()],
        ..Settings::default()
    });
    server.add_user("victim", "sales", None);
    let stranger = Some("203.0.113.9");
    let answers: Vec<(u16, Option<u64>)> = (0..5)
        .map(|_| sign_in(&server, "victim", "guess-guess", stranger))
        .collect();
    let statuses: Vec<u16> = answers.iter().map(|a| a.0).collect();
    assert_eq!(statuses, vec![401, 401, 401, 429, 429]);
    assert!(answers[3].1.is_some_and(|s| s > 0), "no Retry-After");
    // The stranger stays paused even with the right password...
    assert_eq!(sign_in(&server, "VICTIM", PASSWORD, stranger).0, 429);
    // ...but the victim, elsewhere, signs in.
    assert_eq!(
        sign_in(&server, "victim", PASSWORD, Some("198.51.100.7")).0,
        200
    );
}

#[test]
fn forwarded_for_counts_only_from_a_trusted_proxy() {
    let server = TestServer::start_with(Settings {
        login_attempts: 3,
        ..Settings::default()
    });
    server.add_user("victim", "sales", None);
    for _ in 0..3 {
        assert_eq!(
            sign_in(&server, "victim", "guess-guess", Some("203.0.113.9")).0,
            401
        );
    }
    // The header is the client's own claim: the address is still the same.
    assert_eq!(
        sign_in(&server, "victim", PASSWORD, Some("198.51.100.7")).0,
        429
    );
}

#[test]
fn parallel_guesses_are_counted_before_any_is_checked() {
    let server = Arc::new(TestServer::start_with(Settings {
        login_attempts: 5,
        hash_queue: 1000,
        ..Settings::default()
    }));
    server.add_user("victim", "sales", None);
    let start = Arc::new(Barrier::new(20));
    let guesses: Vec<_> = (0..20)
        .map(|_| {
            let (server, start) = (server.clone(), start.clone());
            std::thread::spawn(move || {
                start.wait();
                sign_in(&server, "victim", "guess-guess", None).0
            })
        })
        .collect();
    let mut statuses: Vec<u16> = guesses.into_iter().map(|g| g.join().unwrap()).collect();
    statuses.sort_unstable();
    let checked = statuses.iter().filter(|s| **s == 401).count();
    assert_eq!(checked, 5, "{statuses:?}");
    assert_eq!(statuses.iter().filter(|s| **s == 429).count(), 15);
}

#[test]
fn one_address_is_paused_across_usernames() {
    let server = TestServer::start_with(Settings {
        login_attempts_per_address: 5,
        ..Settings::default()
    });
    server.add_user("bystander", "sales", None);
    for i in 0..5 {
        assert_eq!(
            sign_in(&server, &format!("user{i}"), "guess-guess", None).0,
            401
        );
    }
    let (status, retry_after) = sign_in(&server, "user-next", "guess-guess", None);
    assert_eq!(status, 429);
    assert!(retry_after.is_some());
}

#[test]
fn sign_ins_past_the_hashing_queue_are_told_to_come_back() {
    let server = Arc::new(TestServer::start_with(Settings {
        hash_threads: 1,
        hash_queue: 1,
        ..Settings::default()
    }));
    server.add_user("regular", "sales", None);
    let start = Arc::new(Barrier::new(24));
    let tries: Vec<_> = (0..24)
        .map(|i| {
            let (server, start) = (server.clone(), start.clone());
            std::thread::spawn(move || {
                start.wait();
                sign_in(&server, &format!("unknown{i}"), "guess-guess", None)
            })
        })
        .collect();
    let answers: Vec<(u16, Option<u64>)> = tries.into_iter().map(|t| t.join().unwrap()).collect();
    assert!(
        answers.iter().all(|a| a.0 == 401 || a.0 == 503),
        "{answers:?}"
    );
    let busy: Vec<_> = answers.iter().filter(|a| a.0 == 503).collect();
    assert!(!busy.is_empty(), "{answers:?}");
    assert!(busy.iter().all(|a| a.1.is_some()), "no Retry-After");
    // Refused tries were not counted against the address: a real sign-in goes through.
    server.login("regular");
}

#[test]
fn a_connection_sending_half_a_header_is_closed() {
    let server = TestServer::start_with(Settings {
        header_timeout: Duration::from_millis(500),
        max_connections: 4,
        ..Settings::default()
    });
    let addr = server.base_url().trim_start_matches("http://").to_string();
    let mut slow: Vec<TcpStream> = (0..8)
        .map(|_| {
            let mut s = TcpStream::connect(&addr).expect("connect");
            s.write_all(b"GET /api/v1/health HTTP/1.1\r\nHost: x\r\nX-Slow: ")
                .expect("half a header");
            s
        })
        .collect();
    // Twice the connection limit: every one of them is closed by the server in the end.
    for s in &mut slow {
        s.set_read_timeout(Some(Duration::from_secs(60)))
            .expect("read timeout");
        let mut rest = Vec::new();
        match s.read_to_end(&mut rest) {
            Ok(_) => {}
            Err(e) => assert_eq!(e.kind(), std::io::ErrorKind::ConnectionReset, "{e}"),
        }
    }
    // And the server still answers.
    let (status, _) = server.anonymous().get("/health");
    assert_eq!(status, 200);
}

#[test]
fn health_is_not_ready_while_the_database_cannot_be_written() {
    // SQLite's write lock, taken by another process.
    let server = TestServer::start_sqlite();
    assert_eq!(server.anonymous().get("/health").0, 200);
    // Another process holds the write lock: no write can commit.
    let other = rusqlite::Connection::open(server.db_path()).expect("open the database");
    other
        .execute_batch("BEGIN IMMEDIATE")
        .expect("take the lock");
    let (status, body): (u16, Value) = server.anonymous().get("/health");
    assert_eq!(status, 503, "{body}");
    assert_eq!(body["status"], "not_ready");
    other.execute_batch("ROLLBACK").expect("release the lock");
    assert_eq!(server.anonymous().get("/health").0, 200);
}
