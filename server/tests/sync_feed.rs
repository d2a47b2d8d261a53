//! The change feed: every write once, at its latest state; drops when a record moves out of
//! sight; long-polls that wake on a relevant write.

mod common;

use std::collections::BTreeMap;
use std::time::{Duration, Instant};

use common::{Client, TestServer, id_of};
use serde_json::{Value, json};

/// The changes by record id; panics when an id appears twice.
fn by_id(changes: &[Value]) -> BTreeMap<String, Value> {
    let mut out = BTreeMap::new();
    for change in changes {
        let id = change["id"].as_str().expect("change id").to_string();
        assert!(
            out.insert(id.clone(), change.clone()).is_none(),
            "{id} appears twice in the feed"
        );
    }
    out
}

fn assert_upsert(changes: &BTreeMap<String, Value>, id: &str, entity: &str, version: i64) -> Value {
    let change = changes
        .get(id)
        .unwrap_or_else(|| panic!("{entity} {id} is not in the feed"));
    assert_eq!(change["op"], "upsert", "{change}");
    assert_eq!(change["entity"], entity, "{change}");
    assert_eq!(change["record"]["id"], id, "{change}");
    assert_eq!(change["record"]["version"], version, "{change}");
    change["record"].clone()
}

fn assert_op(changes: &BTreeMap<String, Value>, id: &str, entity: &str, op: &str) {
    let change = changes
        .get(id)
        .unwrap_or_else(|| panic!("{entity} {id} is not in the feed"));
    assert_eq!(
        (change["op"].as_str(), change["entity"].as_str()),
        (Some(op), Some(entity)),
        "{change}"
    );
    assert!(
        change.get("record").is_none(),
        "a {op} carries no record: {change}"
    );
}

#[test]
fn every_write_appears_once_at_its_latest_state() {
    let server = TestServer::start();
    let admin = server.user("root", "admin", None);
    let alice = server.user("alice", "sales", None);

    let customers: Vec<String> = (0..12)
        .map(|i| {
            id_of(&admin.create(
                "/customers",
                json!({"name": format!("Feed {i}"), "owner_id": alice.id()}),
            ))
        })
        .collect();
    let contacts: Vec<String> = (0..2)
        .map(|i| {
            id_of(&admin.create(
                "/contacts",
                json!({"customer_id": customers[0], "name": format!("C{i}")}),
            ))
        })
        .collect();
    let kept_contact = id_of(&admin.create(
        "/contacts",
        json!({"customer_id": customers[1], "name": "Kept"}),
    ));
    for (i, edits) in [(2, 1), (3, 1), (4, 2)] {
        for n in 0..edits {
            let (status, _) = alice.patch(
                &format!("/customers/{}", customers[i]),
                json!({"notes": format!("edit {n}")}),
            );
            assert_eq!(status, 200);
        }
    }
    assert_eq!(admin.delete(&format!("/customers/{}", customers[0])).0, 200);

    for (reader, page) in [(&admin, 4), (&alice, 3), (&alice, 1000)] {
        let (changes, next) = reader.feed(0, page);
        let changes = by_id(&changes);
        assert_op(&changes, &customers[0], "customers", "delete");
        for contact in &contacts {
            assert_op(&changes, contact, "contacts", "delete");
        }
        assert_upsert(&changes, &kept_contact, "contacts", 1);
        for (i, id) in customers.iter().enumerate().skip(1) {
            let version = match i {
                2 | 3 => 2,
                4 => 3,
                _ => 1,
            };
            let record = assert_upsert(&changes, id, "customers", version);
            let (status, current) = reader.get(&format!("/customers/{id}"));
            assert_eq!(
                (status, &current),
                (200, &record),
                "the feed's record is the stored one"
            );
        }
        // Nothing more after the end.
        let (status, rest) = reader.get(&format!("/sync?since={next}"));
        assert_eq!(status, 200);
        assert_eq!(
            (rest["changes"].as_array().unwrap().len(), &rest["more"]),
            (0, &json!(false))
        );
        assert_eq!(rest["next"], next);
    }

    // After the cursor, only what changed since, once, however often it changed.
    let (_, cursor) = alice.feed(0, 1000);
    for n in 0..3 {
        alice.patch(
            &format!("/customers/{}", customers[5]),
            json!({"notes": format!("again {n}")}),
        );
    }
    let (changes, _) = alice.feed(cursor, 2);
    assert_eq!(changes.len(), 1, "{changes:?}");
    assert_upsert(&by_id(&changes), &customers[5], "customers", 4);
}

#[test]
fn a_reassigned_customer_is_dropped_from_the_old_owners_feed() {
    let server = TestServer::start();
    let north = server.add_team("north");
    let south = server.add_team("south");
    let manager = server.user("nina", "manager", Some(&north));
    let alice = server.user("alice", "sales", Some(&north));
    let bob = server.user("bob", "sales", Some(&south));

    let customer = id_of(&alice.create("/customers", json!({"name": "Moving Co"})));
    let contact = id_of(&alice.create(
        "/contacts",
        json!({"customer_id": customer, "name": "Mover"}),
    ));
    let ticket = id_of(&alice.create(
        "/tickets",
        json!({"subject": "Move me", "customer_id": customer}),
    ));
    let staying = id_of(&alice.create("/customers", json!({"name": "Staying Co"})));

    let (before, alice_cursor) = alice.feed(0, 100);
    let before = by_id(&before);
    assert_upsert(&before, &customer, "customers", 1);
    assert_upsert(&before, &contact, "contacts", 1);
    let (_, bob_cursor) = bob.feed(0, 100);
    let (_, manager_cursor) = manager.feed(0, 100);

    let (status, moved) = manager.patch(
        &format!("/customers/{customer}"),
        json!({"owner_id": bob.id()}),
    );
    assert_eq!(status, 200, "{moved}");
    assert_eq!(
        moved["team_id"],
        json!(south),
        "the team follows the new owner"
    );

    let (changes, _) = alice.feed(alice_cursor, 100);
    let changes = by_id(&changes);
    assert_op(&changes, &customer, "customers", "drop");
    assert_op(&changes, &contact, "contacts", "drop");
    // Alice opened the ticket, so she still follows it.
    assert_upsert(&changes, &ticket, "tickets", 1);
    assert!(
        !changes.contains_key(&staying),
        "an untouched record came again"
    );
    assert_eq!(alice.get(&format!("/customers/{customer}")).0, 404);
    assert_eq!(alice.get(&format!("/tickets/{ticket}")).0, 200);

    let (changes, _) = manager.feed(manager_cursor, 100);
    let changes = by_id(&changes);
    assert_op(&changes, &customer, "customers", "drop");
    assert_op(&changes, &contact, "contacts", "drop");

    let (changes, _) = bob.feed(bob_cursor, 100);
    let changes = by_id(&changes);
    let record = assert_upsert(&changes, &customer, "customers", 2);
    assert_eq!(record["owner_id"], json!(bob.id()));
    assert_upsert(&changes, &contact, "contacts", 1);
    assert_upsert(&changes, &ticket, "tickets", 1);

    // Later writes reach the new owner as upserts.
    let (_, bob_cursor) = bob.feed(0, 100);
    bob.patch(
        &format!("/customers/{customer}"),
        json!({"notes": "mine now"}),
    );
    let (changes, _) = bob.feed(bob_cursor, 100);
    assert_upsert(&by_id(&changes), &customer, "customers", 3);
}

/// Sends `GET /sync` with a wait on its own thread and returns the page and how long it took.
fn long_poll(client: &Client, since: i64, wait: u64) -> (Value, Duration) {
    let started = Instant::now();
    let (status, page) = client.get(&format!("/sync?since={since}&wait={wait}"));
    assert_eq!(status, 200, "{page}");
    (page, started.elapsed())
}

#[test]
fn a_long_poll_wakes_on_a_write_it_may_see() {
    let server = TestServer::start();
    let admin = server.user("root", "admin", None);
    let alice = server.user("alice", "sales", None);
    let bob = server.user("bob", "sales", None);
    let (_, cursor) = alice.feed(0, 1000);

    // Someone else's write that alice cannot see does not end her wait.
    let (page, elapsed) = std::thread::scope(|s| {
        let writer = s.spawn(|| {
            std::thread::sleep(Duration::from_millis(200));
            bob.create("/customers", json!({"name": "Bob's own"}));
        });
        let result = long_poll(&alice, cursor, 1);
        writer.join().unwrap();
        result
    });
    assert_eq!(page["changes"].as_array().unwrap().len(), 0, "{page}");
    assert!(
        elapsed >= Duration::from_millis(900),
        "returned after {elapsed:?} without a change"
    );

    // One she can see wakes her.
    let (page, elapsed, made) = std::thread::scope(|s| {
        let writer = s.spawn(|| {
            std::thread::sleep(Duration::from_secs(1));
            id_of(&admin.create(
                "/customers",
                json!({"name": "For Alice", "owner_id": alice.id()}),
            ))
        });
        let (page, elapsed) = long_poll(&alice, cursor, 5);
        (page, elapsed, writer.join().unwrap())
    });
    let changes = page["changes"].as_array().unwrap();
    assert_eq!(changes.len(), 1, "{page}");
    assert_eq!(
        (changes[0]["id"].as_str(), changes[0]["op"].as_str()),
        (Some(made.as_str()), Some("upsert"))
    );
    assert!(
        elapsed >= Duration::from_millis(900),
        "returned before the write: {elapsed:?}"
    );
    assert!(
        elapsed < Duration::from_secs(4),
        "the long-poll did not wake: {elapsed:?}"
    );

    // With a change already waiting, it answers at once.
    let (page, elapsed) = long_poll(&alice, cursor, 5);
    assert_eq!(page["changes"].as_array().unwrap().len(), 1);
    assert!(elapsed < Duration::from_secs(2), "{elapsed:?}");
}

#[test]
fn stopping_the_server_answers_waiting_long_polls_at_once() {
    let server = TestServer::start();
    let alice = server.user("alice", "sales", None);
    let (_, cursor) = alice.feed(0, 1000);
    let poll = std::thread::spawn(move || {
        let started = Instant::now();
        let (status, page) = alice.get(&format!("/sync?since={cursor}&wait=60"));
        (status, page, started.elapsed())
    });
    std::thread::sleep(Duration::from_millis(300));
    // Stops the server: it gives requests in flight a 5 s grace, then drops them.
    drop(server);
    let (status, page, elapsed) = poll.join().expect("the poll thread");
    assert_eq!(
        status, 200,
        "the long-poll was cut off instead of answered: {page}"
    );
    assert_eq!(page["changes"], json!([]), "{page}");
    assert!(
        elapsed < Duration::from_secs(30),
        "the wait held the shutdown for {elapsed:?}"
    );
}
