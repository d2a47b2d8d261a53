//! Writes the server refuses (parked, retried, fixed, discarded) and undo, through the sync
//! engine against a real server on loopback.

mod common;

use common::{obj, pull, push, replica_for, sign_in, team};
use crm::replica::{EntryState, Keep, LocalQuery};
use crm::sync;
use crm_server::schema::Entity;
use serde_json::{Value, json};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn refused_writes_are_parked_visibly_and_can_be_retried_or_discarded() {
    let t = team();
    let a = sign_in(&t.server, "alice").await;
    let (_, ra) = replica_for(&t.server, &a, "a").await;
    t.server.create_as_system(
        Entity::Customers,
        json!({"name": "Same Name Inc", "owner_id": t.bob_id}),
    );

    // The server's duplicate check refuses; the user confirms; it goes through.
    let dup = ra
        .create(Entity::Customers, obj(json!({"name": "Same Name Inc"})))
        .expect("create");
    // A contact of a customer that does not exist: refused as invalid.
    let ghost = uuid::Uuid::now_v7().to_string();
    ra.create(
        Entity::Contacts,
        obj(json!({"customer_id": ghost, "name": "Nobody"})),
    )
    .expect("create");
    let report = push(&ra, &a).await;
    assert_eq!(report.refused.len(), 2, "{report:#?}");
    assert!(
        report.refused[0].message.contains("same name"),
        "{}",
        report.refused[0].message
    );
    let status = ra.status().expect("status");
    assert_eq!((status.failed_writes, status.pending_writes), (2, 0));
    let entries = ra.outbox().expect("outbox");
    assert!(
        entries
            .iter()
            .all(|e| e.state == EntryState::Failed && e.last_error.is_some())
    );

    ra.retry(entries[0].seq, true).expect("retry");
    assert_eq!(push(&ra, &a).await.sent, 1);
    assert!(
        ra.get(Entity::Customers, &dup.id)
            .expect("get")
            .is_some_and(|r| !r.pending && r.version == 1)
    );
    ra.discard(entries[1].seq).expect("discard");
    assert!(ra.outbox().expect("outbox").is_empty());
    assert!(
        ra.list(Entity::Contacts, &LocalQuery::default())
            .expect("contacts")
            .is_empty()
    );

    // Checked locally before it reaches the outbox: a sales rep may not set the owner.
    let err = ra
        .create(
            Entity::Customers,
            obj(json!({"name": "X", "owner_id": t.bob_id})),
        )
        .expect_err("forbidden");
    assert!(err.to_string().contains("owner_id"), "{err}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_refused_create_keeps_its_reason_is_not_resent_and_a_fix_sends_it_again() {
    let t = team();
    let a = sign_in(&t.server, "alice").await;
    let (_, ra) = replica_for(&t.server, &a, "a").await;
    t.server.create_as_system(
        Entity::Customers,
        json!({"name": "Taken Name Ltd", "owner_id": t.bob_id}),
    );
    let made = ra
        .create(Entity::Customers, obj(json!({"name": "Taken Name Ltd"})))
        .expect("create");
    let report = push(&ra, &a).await;
    assert_eq!(report.refused.len(), 1, "{report:#?}");
    let refused = ra.refused().expect("refused");
    assert_eq!(refused.len(), 1);
    assert_eq!(refused[0].error_code.as_deref(), Some("duplicate"));
    assert!(
        refused[0]
            .last_error
            .as_deref()
            .is_some_and(|m| m.contains("same name")),
        "{refused:?}"
    );
    assert_eq!(
        ra.refusals().expect("refusals").get(&made.id),
        refused[0].last_error.as_ref(),
        "the record is marked with the reason"
    );
    assert_eq!(
        ra.entry_label(&refused[0]).expect("label"),
        "Taken Name Ltd"
    );
    // Not sent again by itself: the next push sends nothing and it stays refused.
    ra.retry_now().expect("retry now");
    assert_eq!(push(&ra, &a).await, sync::PushReport::default());
    assert_eq!(ra.status().expect("status").failed_writes, 1);

    // The fix: an edit of the refused record goes into the refused write, which is sent again.
    ra.update(
        Entity::Customers,
        &made.id,
        obj(json!({"name": "Untaken Name Ltd"})),
    )
    .expect("fix");
    assert_eq!(ra.outbox().expect("outbox").len(), 1, "one write, fixed");
    assert!(ra.refused().expect("refused").is_empty());
    let report = push(&ra, &a).await;
    assert_eq!((report.sent, report.refused.len()), (1, 0), "{report:#?}");
    let names: Vec<Value> = t
        .server
        .all(Entity::Customers)
        .into_iter()
        .filter_map(|c| c.get("name").cloned())
        .collect();
    assert!(names.contains(&json!("Untaken Name Ltd")), "{names:?}");

    // A refused edit discarded: the server's copy comes back.
    let ghost_contact = uuid::Uuid::now_v7().to_string();
    ra.update(
        Entity::Customers,
        &made.id,
        obj(json!({"owner_id": ghost_contact})),
    )
    .expect_err("a sales rep may not set an owner: refused before the outbox");
    t.server
        .update_as_system(Entity::Customers, &made.id, json!({"owner_id": t.bob_id}));
    ra.update(Entity::Customers, &made.id, obj(json!({"level": "B"})))
        .expect("edit");
    // Bob owns it now: alice's edit is refused (she no longer sees it).
    let report = push(&ra, &a).await;
    assert_eq!(report.refused.len(), 1, "{report:#?}");
    assert_eq!(
        ra.refused().expect("refused")[0].error_code.as_deref(),
        Some("not_found")
    );
    ra.discard(ra.refused().expect("refused")[0].seq)
        .expect("discard");
    assert!(ra.outbox().expect("outbox").is_empty());
    assert!(ra.refusals().expect("refusals").is_empty());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn undo_makes_the_inverse_of_each_write_on_the_server() {
    let t = team();
    let a = sign_in(&t.server, "alice").await;
    let (_, ra) = replica_for(&t.server, &a, "a").await;
    let on_server = |id: &str| {
        t.server
            .all(Entity::Customers)
            .into_iter()
            .find(|c| c.get("id") == Some(&json!(id)))
    };
    assert_eq!(ra.undo().expect("undo"), None, "nothing to undo yet");

    let made = ra
        .create(
            Entity::Customers,
            obj(json!({"name": "Undo Me Ltd", "level": "C"})),
        )
        .expect("create");
    push(&ra, &a).await;
    ra.update(Entity::Customers, &made.id, obj(json!({"level": "A"})))
        .expect("edit");
    push(&ra, &a).await;
    ra.delete(Entity::Customers, &made.id).expect("delete");
    push(&ra, &a).await;
    assert!(on_server(&made.id).is_none(), "deleted on the server");

    // Undo the delete: restored on the server as it was.
    let undone = ra.undo().expect("undo").expect("something undone");
    assert_eq!(undone.op, crm::replica::Op::Delete);
    assert!(
        undone.describe().contains("Undo Me Ltd"),
        "{}",
        undone.describe()
    );
    assert!(ra.get(Entity::Customers, &made.id).expect("get").is_some());
    let report = push(&ra, &a).await;
    assert_eq!(report.sent, 1, "{report:#?}");
    let restored = on_server(&made.id).expect("restored on the server");
    assert_eq!(restored["level"], json!("A"));

    // Undo the edit: the previous value goes back.
    let undone = ra.undo().expect("undo").expect("the edit");
    assert_eq!(undone.op, crm::replica::Op::Update);
    push(&ra, &a).await;
    assert_eq!(on_server(&made.id).expect("there")["level"], json!("C"));

    // Undo the create: deleted.
    let undone = ra.undo().expect("undo").expect("the create");
    assert_eq!(undone.op, crm::replica::Op::Create);
    push(&ra, &a).await;
    assert!(on_server(&made.id).is_none());
    assert_eq!(ra.undo().expect("undo"), None, "all walked back");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn undoing_a_customers_delete_brings_back_its_contacts_and_deals() {
    let t = team();
    let a = sign_in(&t.server, "alice").await;
    let (_, ra) = replica_for(&t.server, &a, "a").await;
    let customer = ra
        .create(Entity::Customers, obj(json!({"name": "Cascade Undo Ltd"})))
        .expect("create");
    let contact = ra
        .create(
            Entity::Contacts,
            obj(json!({"customer_id": customer.id, "name": "Wang Fang"})),
        )
        .expect("contact");
    let gone = ra
        .create(
            Entity::Contacts,
            obj(json!({"customer_id": customer.id, "name": "Zhou Jie"})),
        )
        .expect("contact");
    push(&ra, &a).await;
    // One contact deleted on its own, then the customer (the server takes the rest along).
    ra.delete(Entity::Contacts, &gone.id).expect("delete");
    push(&ra, &a).await;
    ra.delete(Entity::Customers, &customer.id).expect("delete");
    push(&ra, &a).await;
    pull(&ra, &a).await;
    assert!(
        ra.get(Entity::Contacts, &contact.id)
            .expect("get")
            .is_none()
    );

    let undone = ra.undo().expect("undo").expect("the delete");
    assert_eq!(undone.op, crm::replica::Op::Delete);
    assert_eq!(push(&ra, &a).await.sent, 1);
    pull(&ra, &a).await;
    assert!(
        ra.get(Entity::Customers, &customer.id)
            .expect("get")
            .is_some()
    );
    let back = ra
        .get(Entity::Contacts, &contact.id)
        .expect("get")
        .expect("the contact its delete took along is back");
    assert_eq!(back.fields["name"], json!("Wang Fang"));
    assert!(
        ra.get(Entity::Contacts, &gone.id).expect("get").is_none(),
        "deleted on its own before: stays deleted"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_undo_meeting_someone_elses_edit_is_a_conflict() {
    let t = team();
    let a = sign_in(&t.server, "alice").await;
    let (_, ra) = replica_for(&t.server, &a, "a").await;
    let made = ra
        .create(
            Entity::Customers,
            obj(json!({"name": "Contested Ltd", "level": "C"})),
        )
        .expect("create");
    push(&ra, &a).await;
    ra.update(Entity::Customers, &made.id, obj(json!({"level": "A"})))
        .expect("edit");
    push(&ra, &a).await;
    // The manager changes the same field before alice undoes her edit; she has not pulled.
    t.server
        .update_as_system(Entity::Customers, &made.id, json!({"level": "B"}));
    let undone = ra.undo().expect("undo").expect("the edit");
    assert!(!undone.conflicted, "not known yet");
    let report = push(&ra, &a).await;
    assert_eq!(report.conflicts.len(), 1, "{report:#?}");
    assert_eq!(report.conflicts[0].field, "level");
    assert_eq!(report.conflicts[0].mine, json!("C"));
    assert_eq!(report.conflicts[0].theirs, json!("B"));
    let level = t
        .server
        .all(Entity::Customers)
        .into_iter()
        .find(|c| c.get("id") == Some(&json!(made.id)))
        .expect("there")["level"]
        .clone();
    assert_eq!(level, json!("B"), "the other edit is not overwritten");

    // Known before the undo (pulled): parked as a conflict at once.
    ra.resolve(Entity::Customers, &made.id, Keep::Theirs)
        .expect("resolve");
    ra.update(Entity::Customers, &made.id, obj(json!({"level": "D"})))
        .expect("edit");
    push(&ra, &a).await;
    t.server
        .update_as_system(Entity::Customers, &made.id, json!({"level": "A"}));
    pull(&ra, &a).await;
    let undone = ra.undo().expect("undo").expect("the edit");
    assert!(undone.conflicted);
    let conflicts = ra.conflicts().expect("conflicts");
    assert_eq!(conflicts.len(), 1);
    assert_eq!(
        (conflicts[0].mine.clone(), conflicts[0].theirs.clone()),
        (json!("B"), json!("A"))
    );
    assert_eq!(push(&ra, &a).await.sent, 0, "parked until resolved");
}
