//! Undo of a delete: `POST /{entity}/{id}/restore`, for whoever may delete the record, bringing
//! back what the same delete took along and nothing deleted on its own.

mod common;

use common::{Client, TestServer, id_of};
use serde_json::json;

/// An admin, a sales user and her team's manager, a salesperson of another team, an agent.
struct World {
    admin: Client,
    alice: Client,
    bob: Client,
    agent: Client,
    north_manager: Client,
    /// Kept alive for the test's length.
    _server: TestServer,
}

fn world() -> World {
    let server = TestServer::start();
    let north = server.add_team("north");
    let south = server.add_team("south");
    World {
        admin: server.user("root", "admin", None),
        north_manager: server.user("nina", "manager", Some(&north)),
        alice: server.user("alice", "sales", Some(&north)),
        bob: server.user("bob", "sales", Some(&south)),
        agent: server.user("ada", "agent", None),
        _server: server,
    }
}

#[test]
fn a_deleted_record_is_restored_by_who_may_delete_it() {
    let w = world();
    let customer = w.alice.create("/customers", json!({"name": "Undone Ltd"}));
    let id = id_of(&customer);
    let contact = w
        .alice
        .create("/contacts", json!({"name": "Li Lei", "customer_id": id}));
    let contact_id = id_of(&contact);
    let (status, _) = w.alice.delete(&format!("/contacts/{contact_id}"));
    assert_eq!(status, 200);
    // Not deleted: nothing to restore.
    let (status, body) = w.alice.post(&format!("/customers/{id}/restore"), json!({}));
    assert_eq!(status, 409, "{body}");
    // Bob (another team) cannot see the contact: it does not exist for him.
    let (status, _) = w
        .bob
        .post(&format!("/contacts/{contact_id}/restore"), json!({}));
    assert_eq!(status, 404);
    // The agent sees the customer but may not change its contacts.
    let (status, _) = w
        .agent
        .post(&format!("/contacts/{contact_id}/restore"), json!({}));
    assert_eq!(status, 403);
    let (_, before) = w.alice.feed(0, 1000);
    let (status, restored) = w
        .alice
        .post(&format!("/contacts/{contact_id}/restore"), json!({}));
    assert_eq!(status, 200, "{restored}");
    assert_eq!(restored["name"], "Li Lei");
    assert_eq!(restored["version"], json!(3), "create, delete, restore");
    let (status, got) = w.alice.get(&format!("/contacts/{contact_id}"));
    assert_eq!((status, got["name"].clone()), (200, json!("Li Lei")));
    // The restore reaches the feed as an upsert.
    let (changes, _) = w.alice.feed(before, 1000);
    assert!(
        changes
            .iter()
            .any(|c| c["id"] == json!(contact_id) && c["op"] == "upsert"),
        "{changes:?}"
    );
    // Its customer deleted, a contact cannot come back on its own: with the customer gone, no
    // one but an admin can see where it belonged.
    w.alice.delete(&format!("/contacts/{contact_id}"));
    let (status, _) = w.alice.delete(&format!("/customers/{id}"));
    assert_eq!(status, 200);
    let (status, body) = w
        .alice
        .post(&format!("/contacts/{contact_id}/restore"), json!({}));
    assert_eq!(status, 404, "{body}");
    let (status, body) = w
        .admin
        .post(&format!("/contacts/{contact_id}/restore"), json!({}));
    assert_eq!(status, 422, "a link to a deleted customer: {body}");
    // The customer itself comes back for its owner.
    let (status, body) = w.alice.post(&format!("/customers/{id}/restore"), json!({}));
    assert_eq!(status, 200, "{body}");
}

#[test]
fn restoring_a_customer_brings_back_what_its_delete_took_along() {
    let w = world();
    let alice = &w.alice;
    let customer = id_of(&alice.create("/customers", json!({"name": "Cascade Ltd"})));
    let kept = id_of(&alice.create(
        "/contacts",
        json!({"customer_id": customer, "name": "Li Lei"}),
    ));
    let gone_before = id_of(&alice.create(
        "/contacts",
        json!({"customer_id": customer, "name": "Han Meimei"}),
    ));
    let deal = id_of(&alice.create(
        "/opportunities",
        json!({"customer_id": customer, "name": "Cascade deal"}),
    ));
    let call = id_of(&alice.create(
        "/activities",
        json!({"customer_id": customer, "kind": "call", "subject": "First call", "contact_id": kept}),
    ));
    let ticket = id_of(&alice.create(
        "/tickets",
        json!({"customer_id": customer, "subject": "Broken"}),
    ));
    let comment =
        id_of(&alice.create("/comments", json!({"ticket_id": ticket, "body": "looking"})));
    let brought_back = [
        format!("/contacts/{kept}"),
        format!("/opportunities/{deal}"),
        format!("/activities/{call}"),
        format!("/tickets/{ticket}"),
        format!("/comments/{comment}"),
    ];
    // A contact deleted on its own, before the customer: not part of the customer's delete.
    assert_eq!(alice.delete(&format!("/contacts/{gone_before}")).0, 200);
    assert_eq!(alice.delete(&format!("/customers/{customer}")).0, 200);
    for path in &brought_back {
        assert_eq!(alice.get(path).0, 404, "{path} deleted with its customer");
    }
    // Who may not restore the customer brings nothing back.
    let (status, _) = w
        .bob
        .post(&format!("/customers/{customer}/restore"), json!({}));
    assert_eq!(status, 404, "bob never saw it");
    for path in &brought_back {
        assert_eq!(
            alice.get(path).0,
            404,
            "{path} still deleted after bob's try"
        );
    }

    let (_, before) = alice.feed(0, 1000);
    let (status, body) = alice.post(&format!("/customers/{customer}/restore"), json!({}));
    assert_eq!(status, 200, "{body}");
    for path in &brought_back {
        let (status, got) = alice.get(path);
        assert_eq!(status, 200, "{path} comes back with its customer: {got}");
        assert_eq!(got["updated_by"], json!(alice.id()), "{path}: {got}");
    }
    assert_eq!(
        alice.get(&format!("/contacts/{gone_before}")).0,
        404,
        "deleted on its own before: stays deleted"
    );
    // Everyone who sees the customer is told, through the feed.
    let (changes, _) = alice.feed(before, 1000);
    for id in [&kept, &deal, &call, &ticket, &comment] {
        assert!(
            changes
                .iter()
                .any(|c| c["id"] == json!(id) && c["op"] == "upsert"),
            "{id}: {changes:?}"
        );
    }
    assert!(
        !changes.iter().any(|c| c["id"] == json!(gone_before)),
        "{changes:?}"
    );
    // The same customer's colleague sees them again too.
    assert_eq!(w.north_manager.get(&format!("/tickets/{ticket}")).0, 200);

    // A second delete takes along only what is live now; its restore brings back only that.
    assert_eq!(alice.delete(&format!("/contacts/{kept}")).0, 200);
    assert_eq!(alice.delete(&format!("/customers/{customer}")).0, 200);
    let (status, body) = alice.post(&format!("/customers/{customer}/restore"), json!({}));
    assert_eq!(status, 200, "{body}");
    assert_eq!(
        alice.get(&format!("/contacts/{kept}")).0,
        404,
        "deleted on its own between the two deletes"
    );
    assert_eq!(alice.get(&format!("/opportunities/{deal}")).0, 200);
    assert_eq!(alice.get(&format!("/comments/{comment}")).0, 200);
}

#[test]
fn restoring_a_record_deleted_on_its_own_brings_back_only_what_it_took() {
    let w = world();
    let alice = &w.alice;
    let customer = id_of(&alice.create("/customers", json!({"name": "Ticketed Ltd"})));
    let ticket = id_of(&alice.create(
        "/tickets",
        json!({"customer_id": customer, "subject": "Slow"}),
    ));
    let comment = id_of(&alice.create("/comments", json!({"ticket_id": ticket, "body": "first"})));
    let other = id_of(&alice.create(
        "/tickets",
        json!({"customer_id": customer, "subject": "Other"}),
    ));
    assert_eq!(alice.delete(&format!("/tickets/{other}")).0, 200);
    assert_eq!(alice.delete(&format!("/tickets/{ticket}")).0, 200);
    assert_eq!(alice.get(&format!("/comments/{comment}")).0, 404);
    let (status, body) = alice.post(&format!("/tickets/{ticket}/restore"), json!({}));
    assert_eq!(status, 200, "{body}");
    assert_eq!(alice.get(&format!("/comments/{comment}")).0, 200);
    assert_eq!(alice.get(&format!("/tickets/{other}")).0, 404, "a sibling");
}
