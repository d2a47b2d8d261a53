//! The long-polls' shared read of the feed (`service::recent`): what it holds gives every user
//! the page the database gives them, access filtering and hidden custom fields included; every
//! long-poll on every server receives a write, each only what its user may read; a cursor older
//! than what is held still gets everything. On SQLite and, with `CRM_TEST_PG`, on PostgreSQL
//! (there with two servers on one database).

mod common;

use std::time::Duration;

use common::{Client, TestServer, id_of};
use crm_server::access::{Actor, Role};
use crm_server::service::recent::{Limits, Read, RecentChanges};
use crm_server::{ApiError, service, store};
use serde_json::{Value, json};

fn actor(id: &str, role: Role, team: Option<&str>) -> Actor {
    Actor {
        id: id.into(),
        username: id.into(),
        role,
        team_id: team.map(String::from),
    }
}

#[test]
fn the_held_changes_give_every_user_the_page_the_database_gives() {
    let server = TestServer::start();
    let north = server.add_team("north");
    let south = server.add_team("south");
    let admin = server.user("root", "admin", None);
    let mia = server.user("mia", "manager", Some(&north));
    let alice = server.user("alice", "sales", Some(&north));
    let bob = server.user("bob", "sales", Some(&south));
    let ada = server.user("ada", "agent", Some(&north));
    // Held before anything below, so every change is in the held range.
    let (_, start) = admin.feed(0, 500);

    admin.create(
        "/field_definitions",
        json!({"entity": "customers", "key": "payment", "label_zh": "付款态度", "kind": "choice",
               "choices": ["爽快", "拖延"], "read_roles": ["manager"], "write_roles": ["manager"]}),
    );
    let moving = id_of(&alice.create("/customers", json!({"name": "Moving Co"})));
    alice.create("/contacts", json!({"customer_id": moving, "name": "Mover"}));
    let kept = id_of(&alice.create("/customers", json!({"name": "Staying Co"})));
    let (status, body) = mia.patch(
        &format!("/customers/{kept}"),
        json!({"custom": {"payment": "拖延"}}),
    );
    assert_eq!(status, 200, "{body}");
    alice.create(
        "/tickets",
        json!({"subject": "Broken", "customer_id": kept}),
    );
    let gone = id_of(&bob.create("/customers", json!({"name": "Gone Co"})));
    bob.create("/customers", json!({"name": "South Co"}));
    let (status, body) = mia.patch(
        &format!("/customers/{moving}"),
        json!({"owner_id": bob.id()}),
    );
    assert_eq!(status, 200, "{body}");
    assert_eq!(bob.delete(&format!("/customers/{gone}")).0, 200);
    alice.patch(&format!("/customers/{kept}"), json!({"notes": "again"}));

    let actors = [
        actor(&admin.id(), Role::Admin, None),
        actor(&mia.id(), Role::Manager, Some(&north)),
        actor(&alice.id(), Role::Sales, Some(&north)),
        actor(&bob.id(), Role::Sales, Some(&south)),
        actor(&ada.id(), Role::Agent, Some(&north)),
    ];
    let compared = store::read(server.db().as_ref(), |tx| {
        let mut recent = RecentChanges::new(Limits::default());
        let head = tx.latest_seq()?;
        recent.advance(Read {
            after: start,
            head: start,
            changes: Vec::new(),
            complete: true,
            catalog: None,
        });
        recent.advance(Read {
            after: start,
            head,
            changes: tx.shared_changes(start, 10_000)?,
            complete: true,
            catalog: Some(service::catalog::load_fields(tx)?),
        });
        let mut compared = 0;
        for who in &actors {
            for since in start..=head {
                for limit in [1, 2, 500] {
                    let held = recent.page(who, since, limit).expect("held");
                    let read = service::feed(tx, who, since, limit)?;
                    assert_eq!(
                        held, read,
                        "{:?} since {since}, limit {limit}: held and read differ",
                        who.role
                    );
                    compared += usize::from(!read.changes.is_empty());
                }
            }
        }
        Ok::<_, ApiError>(compared)
    })
    .expect("the comparison");
    assert!(compared > 0, "no page had changes");
}

/// The ids of a page's changes, by operation.
fn ops(page: &Value) -> Vec<(String, String)> {
    page["changes"]
        .as_array()
        .map(|changes| {
            changes
                .iter()
                .map(|c| {
                    (
                        c["id"].as_str().unwrap_or_default().to_string(),
                        c["op"].as_str().unwrap_or_default().to_string(),
                    )
                })
                .collect()
        })
        .unwrap_or_default()
}

#[test]
fn every_long_poll_on_every_server_gets_a_write_and_only_what_its_user_reads() {
    let first = TestServer::start();
    let second = first.start_beside();
    let north = first.add_team("north");
    let south = first.add_team("south");
    first.add_user("alice", "sales", Some(&north));
    first.add_user("bob", "sales", Some(&south));
    let alices_on_first = first.login("alice");
    let bobs_on_first = first.login("bob");
    // Without a second server (SQLite) every poll waits on the first.
    let other = second.as_ref().unwrap_or(&first);
    let alices_on_other = other.login("alice");
    let bobs_on_other = other.login("bob");
    // Something before the polls' cursors, which an old cursor must still get.
    let early = id_of(&alices_on_first.create("/customers", json!({"name": "Early Co"})));
    let (_, head) = alices_on_first.feed(0, 500);

    const EACH: usize = 6;
    let polls: Vec<(&Client, &str)> = [
        (&alices_on_first, "alice"),
        (&alices_on_other, "alice"),
        (&bobs_on_first, "bob"),
        (&bobs_on_other, "bob"),
    ]
    .into_iter()
    .flat_map(|p| std::iter::repeat_n(p, EACH))
    .collect();
    let (mine, theirs) = std::thread::scope(|s| {
        let waiting: Vec<_> = polls
            .iter()
            .map(|&(client, who)| {
                s.spawn(move || (who, client.get(&format!("/sync?since={head}&wait=30"))))
            })
            .collect();
        // Lets the polls start waiting first; the assertions do not depend on it.
        std::thread::sleep(Duration::from_millis(300));
        let mine = id_of(&alices_on_first.create("/customers", json!({"name": "North Co"})));
        // Bob's polls do not wake for Alice's customer: his own write wakes them.
        let theirs = id_of(&bobs_on_first.create("/customers", json!({"name": "South Co"})));
        for poll in waiting {
            let (who, (status, page)) = poll.join().expect("a long-poll");
            assert_eq!(status, 200, "{page}");
            let got = ops(&page);
            let (own, other) = if who == "alice" {
                (&mine, &theirs)
            } else {
                (&theirs, &mine)
            };
            assert!(
                got.contains(&(own.clone(), "upsert".into())),
                "{who}'s long-poll did not get their write: {page}"
            );
            assert!(
                !got.iter().any(|(id, _)| id == other),
                "{who}'s long-poll got another team's customer: {page}"
            );
        }
        (mine, theirs)
    });

    // A cursor older than anything held: the whole feed, as the database reads it.
    for client in [&alices_on_first, &alices_on_other] {
        let (status, page) = client.get("/sync?since=0&limit=5000");
        assert_eq!(status, 200, "{page}");
        let got = ops(&page);
        for id in [&early, &mine] {
            assert!(
                got.contains(&(id.clone(), "upsert".into())),
                "an old cursor missed {id}: {page}"
            );
        }
        assert!(!got.iter().any(|(id, _)| *id == theirs), "{page}");
        let alice = actor(&client.id(), Role::Sales, Some(&north));
        let read = store::read(first.db().as_ref(), |tx| service::feed(tx, &alice, 0, 5000))
            .expect("the feed read");
        assert_eq!(
            page,
            serde_json::to_value(&read).expect("a page as JSON"),
            "an old cursor's page is the database's"
        );
    }
    drop(second);
}

#[test]
fn requests_checked_together_each_get_their_own_user_and_an_ended_session_none() {
    let server = TestServer::start();
    let north = server.add_team("north");
    server.add_user("alice", "sales", Some(&north));
    server.add_user("bob", "manager", Some(&north));
    let alice = server.login("alice");
    let bob = server.login("bob");
    let ended = server.login("alice");
    assert_eq!(ended.post("/auth/logout", json!({})).0, 200);
    let clients: Vec<(&Client, Option<&str>)> =
        [(&alice, Some("alice")), (&bob, Some("bob")), (&ended, None)]
            .into_iter()
            .flat_map(|c| std::iter::repeat_n(c, 20))
            .collect();
    std::thread::scope(|s| {
        let asked: Vec<_> = clients
            .iter()
            .map(|&(client, who)| s.spawn(move || (who, client.get("/me"))))
            .collect();
        for answer in asked {
            let (who, (status, me)) = answer.join().expect("a request");
            match who {
                Some(name) => {
                    assert_eq!(status, 200, "{me}");
                    assert_eq!(me["username"], json!(name), "{me}");
                }
                None => assert_eq!(status, 401, "an ended session was let in: {me}"),
            }
        }
    });
}
