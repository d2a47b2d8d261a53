//! Writers racing each other straight on the store, as several server instances (or an admin
//! command beside a server) do on one PostgreSQL: the change feed loses nothing to a reader,
//! and a rule that must not race (the customer duplicate check) holds. On SQLite the writers
//! take turns and these pass by construction; on PostgreSQL (`CRM_TEST_PG`) they commit
//! concurrently and in an order of their own.

mod common;

use std::collections::HashSet;
use std::io::Write;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use common::{TestServer, object, postgres_url};
use crm_server::schema::Entity;
use crm_server::{ApiError, service, store, system_actor};
use serde_json::json;

const WRITERS: usize = 6;
const WRITES_EACH: usize = 40;
const READERS: usize = 3;

/// Says, where a person running the tests sees it, when PostgreSQL is left out.
fn note_backend() {
    if postgres_url().is_none() {
        // Straight to the terminal: the test harness keeps `eprintln!` of a passing test.
        let _ = writeln!(
            std::io::stderr(),
            "note: CRM_TEST_PG is not set: the server tests ran on SQLite only (set it to postgres://USER@HOST:PORT/DB, or run .ci/run, to run them on PostgreSQL too)"
        );
    }
}

#[test]
fn no_reader_misses_a_change_while_writers_commit_out_of_order() {
    note_backend();
    let server = TestServer::start();
    let db = server.db();
    let done = AtomicBool::new(false);
    std::thread::scope(|s| {
        let writers: Vec<_> = (0..WRITERS)
            .map(|w| {
                let db = db.clone();
                s.spawn(move || {
                    let mut made = Vec::new();
                    for i in 0..WRITES_EACH {
                        let id = store::write(db.as_ref(), |tx| {
                            let body = object(json!({ "name": format!("team {w}-{i}") }));
                            let team =
                                service::create(tx, &system_actor(), Entity::Teams, &body, false)?;
                            // Held open a little, a different while each time, after the change
                            // is recorded: transactions that began in one order commit in
                            // another, as under real load.
                            let pause = ((w * 7 + i * 13) % 5) as u64 * 300;
                            std::thread::sleep(Duration::from_micros(pause));
                            Ok::<_, ApiError>(common::id_of(&serde_json::Value::Object(
                                team.record,
                            )))
                        })
                        .expect("a write");
                        made.push(id);
                    }
                    made
                })
            })
            .collect();
        let readers: Vec<_> = (0..READERS)
            .map(|_| {
                let (db, done) = (db.clone(), &done);
                s.spawn(move || {
                    let mut seen = HashSet::new();
                    let mut since = 0;
                    loop {
                        // Read before the page: a page read after every writer finished holds
                        // all that is left.
                        let finished = done.load(Ordering::SeqCst);
                        let page = store::read(db.as_ref(), |tx| tx.changes(since, 25, None))
                            .expect("a feed page");
                        for change in &page {
                            assert!(change.seq > since, "the feed went backwards");
                            since = change.seq;
                            seen.insert(change.id.clone());
                        }
                        if page.is_empty() && finished {
                            return seen;
                        }
                    }
                })
            })
            .collect();
        let written: Vec<String> = writers
            .into_iter()
            .flat_map(|w| w.join().expect("a writer"))
            .collect();
        assert_eq!(written.len(), WRITERS * WRITES_EACH);
        done.store(true, Ordering::SeqCst);
        for reader in readers {
            let seen = reader.join().expect("a reader");
            let missed: Vec<&String> = written.iter().filter(|id| !seen.contains(*id)).collect();
            assert!(
                missed.is_empty(),
                "a reader following the feed missed {} of {} changes",
                missed.len(),
                written.len()
            );
        }
    });
}

#[test]
fn concurrent_creates_of_one_customer_make_one() {
    note_backend();
    let server = TestServer::start();
    let owner = server.add_user("owner", "sales", None);
    let db = server.db();
    let outcomes: Vec<Result<(), ApiError>> = std::thread::scope(|s| {
        let tries: Vec<_> = (0..8)
            .map(|i| {
                let (db, owner) = (db.clone(), owner.clone());
                s.spawn(move || {
                    store::write(db.as_ref(), |tx| {
                        // The same company typed eight ways: the duplicate check folds them.
                        let name = if i % 2 == 0 {
                            "Acme 华为 Ltd"
                        } else {
                            "ACME  华为 ltd"
                        };
                        // Codes given, so no shared counter puts the creates in a queue.
                        let code = format!("C9{i:05}");
                        let body = object(json!({ "name": name, "owner_id": owner, "code": code }));
                        service::create(tx, &system_actor(), Entity::Customers, &body, false)?;
                        // Still uncommitted while the others look for a duplicate.
                        std::thread::sleep(Duration::from_millis(20));
                        Ok::<_, ApiError>(())
                    })
                })
            })
            .collect();
        tries
            .into_iter()
            .map(|t| t.join().expect("a create"))
            .collect()
    });
    let made = outcomes.iter().filter(|o| o.is_ok()).count();
    assert_eq!(made, 1, "{outcomes:?}");
    for outcome in outcomes.iter().filter(|o| o.is_err()) {
        assert!(
            matches!(outcome, Err(ApiError::Conflict { .. })),
            "{outcome:?}"
        );
    }
}
