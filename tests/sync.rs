//! The replica and the sync engine against a real server on loopback.

mod common;

use std::time::Duration;

use common::{PASSWORD, field, obj, pull, push, replica_for, sign_in, team};
use crm::replica::{EntryState, Keep, Replica};
use crm::sync::{self, ApiClient, ClientError, LiveSettings, SyncError, SyncEvent};
use crm_server::schema::Entity;
use serde_json::json;

async fn next_event(
    rx: &mut tokio::sync::mpsc::Receiver<SyncEvent>,
    want: impl Fn(&SyncEvent) -> bool,
) -> SyncEvent {
    let deadline = tokio::time::Instant::now() + Duration::from_secs(10);
    loop {
        match tokio::time::timeout_at(deadline, rx.recv()).await {
            Ok(Some(event)) if want(&event) => return event,
            Ok(Some(_)) => continue,
            Ok(None) => panic!("the live task stopped"),
            Err(_) => panic!("no matching event within 10 s"),
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_edit_on_a_reaches_b_by_pull_and_by_the_live_task() {
    let t = team();
    let a = sign_in(&t.server, "alice").await;
    let b = sign_in(&t.server, "bob").await;
    let (a_path, ra) = replica_for(&t.server, &a, "a").await;
    let (b_path, rb) = replica_for(&t.server, &b, "b").await;
    pull(&ra, &a).await;
    pull(&rb, &b).await;

    // A local create shows at once, before any network.
    let made = ra
        .create(
            Entity::Customers,
            obj(json!({"name": "华为技术有限公司", "phone": "+86 755 2878 0808"})),
        )
        .expect("create");
    assert!(made.pending && made.version == 0);
    assert_eq!(
        ra.search_customers("华为技术", 10).expect("search")[0].id,
        made.id
    );
    assert_eq!(ra.status().expect("status").pending_writes, 1);

    let report = push(&ra, &a).await;
    assert_eq!(report.sent, 1);
    let mine = ra
        .get(Entity::Customers, &made.id)
        .expect("get")
        .expect("kept");
    assert!(!mine.pending && mine.version == 1);
    assert!(
        mine.text("code").is_some_and(|c| c.starts_with('C')),
        "the server's code arrives with the answer"
    );
    assert_eq!(mine.text("owner_id"), Some(t.alice_id.as_str()));

    pull(&rb, &b).await;
    assert_eq!(
        field(&rb, Entity::Customers, &made.id, "name"),
        json!("华为技术有限公司")
    );
    assert_eq!(
        rb.customer_by_phone("0755-28780808").expect("phone")[0].id,
        made.id
    );

    // Live: B's task long-polls; A's task pushes as soon as A writes.
    let (btx, mut brx) = tokio::sync::mpsc::channel(64);
    let b_live = sync::spawn_live(b_path.clone(), b.clone(), btx);
    let (atx, mut arx) = tokio::sync::mpsc::channel(64);
    let a_live = sync::spawn_live(a_path.clone(), a.clone(), atx);
    next_event(&mut brx, |e| *e == SyncEvent::Online).await;
    // Let B's long-poll get under way.
    tokio::time::sleep(Duration::from_millis(300)).await;

    let started = std::time::Instant::now();
    ra.update(Entity::Customers, &made.id, obj(json!({"level": "A"})))
        .expect("update");
    next_event(&mut arx, |e| matches!(e, SyncEvent::Pushed { .. })).await;
    next_event(
        &mut brx,
        |e| matches!(e, SyncEvent::Applied { count } if *count >= 1),
    )
    .await;
    let elapsed = started.elapsed();
    assert_eq!(field(&rb, Entity::Customers, &made.id, "level"), json!("A"));
    eprintln!("an edit on A was applied on B after {elapsed:?}");
    // Not a budget, a mechanism check: far below the 25 s poll, so B was woken by the write.
    assert!(elapsed < Duration::from_secs(5), "took {elapsed:?}");

    drop(arx);
    drop(brx);
    for task in [a_live, b_live] {
        tokio::time::timeout(Duration::from_secs(30), task)
            .await
            .expect("the live task ends")
            .expect("no panic");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn edits_made_while_the_server_is_down_arrive_exactly_once() {
    let mut t = team();
    let a = sign_in(&t.server, "alice").await;
    let b = sign_in(&t.server, "bob").await;
    let (_, ra) = replica_for(&t.server, &a, "a").await;
    let (_, rb) = replica_for(&t.server, &b, "b").await;
    let existing = ra
        .create(Entity::Customers, obj(json!({"name": "Acme Trading"})))
        .expect("create");
    push(&ra, &a).await;

    t.server.stop();
    let mut made = Vec::new();
    for name in ["北京离线一号", "Offline Two", "上海离线三号"] {
        made.push(
            ra.create(Entity::Customers, obj(json!({"name": name})))
                .expect("create offline")
                .id,
        );
    }
    ra.update(
        Entity::Customers,
        &existing.id,
        obj(json!({"region": "华东"})),
    )
    .expect("update");
    ra.update(
        Entity::Customers,
        &existing.id,
        obj(json!({"email": "sales@acme.example"})),
    )
    .expect("update");
    ra.update(Entity::Customers, &made[1], obj(json!({"level": "B"})))
        .expect("update new");
    let contact = ra
        .create(
            Entity::Contacts,
            obj(json!({"customer_id": made[0], "name": "王芳", "mobile": "139 1234 5678"})),
        )
        .expect("contact");

    let err = sync::push(&ra, &a).await.expect_err("the server is down");
    assert!(err.is_transient(), "{err}");
    assert!(err.to_string().contains("local changes are kept"), "{err}");
    // Pushing again at once does nothing: the entry waits out its backoff.
    assert_eq!(push(&ra, &a).await.sent, 0);
    let waiting = ra.outbox().expect("outbox");
    // Three creates, the two updates of Acme folded into one, the update of a new one, a contact.
    assert_eq!(waiting.len(), 6, "{waiting:#?}");
    assert!(waiting[0].attempts == 1 && waiting[0].last_error.is_some());

    t.server.restart();
    ra.retry_now().expect("retry now");
    let report = push(&ra, &a).await;
    assert_eq!(report.sent, 6);
    assert!(ra.outbox().expect("outbox").is_empty());
    // Pushing again sends nothing twice.
    assert_eq!(push(&ra, &a).await.sent, 0);

    let on_server = t.server.all(Entity::Customers);
    for name in [
        "北京离线一号",
        "Offline Two",
        "上海离线三号",
        "Acme Trading",
    ] {
        assert_eq!(
            on_server
                .iter()
                .filter(|c| c["name"] == json!(name))
                .count(),
            1,
            "{name}"
        );
    }
    let acme = on_server
        .iter()
        .find(|c| c["id"] == json!(existing.id))
        .expect("acme");
    assert_eq!(
        (acme["region"].clone(), acme["email"].clone()),
        (json!("华东"), json!("sales@acme.example"))
    );
    assert_eq!(t.server.all(Entity::Contacts).len(), 1);

    pull(&rb, &b).await;
    assert_eq!(field(&rb, Entity::Customers, &made[1], "level"), json!("B"));
    assert_eq!(
        field(&rb, Entity::Contacts, &contact.id, "name"),
        json!("王芳")
    );
    assert_eq!(
        rb.customer_by_phone("+86 139-1234-5678").expect("phone")[0].id,
        made[0]
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_same_field_changed_on_both_sides_is_a_conflict_resolvable_either_way() {
    let t = team();
    let a = sign_in(&t.server, "alice").await;
    let b = sign_in(&t.server, "bob").await;
    let (_, ra) = replica_for(&t.server, &a, "a").await;
    let (_, rb) = replica_for(&t.server, &b, "b").await;
    let bob = t
        .server
        .all(Entity::Users)
        .into_iter()
        .find(|u| u["username"] == "bob")
        .map(|u| u["id"].clone())
        .expect("bob");
    let c = ra
        .create(
            Entity::Customers,
            obj(json!({"name": "Conflict Co", "phone": "010-1"})),
        )
        .expect("create");
    push(&ra, &a).await;
    pull(&rb, &b).await;

    // Found by push (the server answers 412).
    ra.update(Entity::Customers, &c.id, obj(json!({"phone": "010-2"})))
        .expect("a edits");
    rb.update(Entity::Customers, &c.id, obj(json!({"phone": "010-3"})))
        .expect("b edits");
    push(&rb, &b).await;
    let report = push(&ra, &a).await;
    assert_eq!(report.sent, 0);
    assert_eq!(report.conflicts.len(), 1);
    let conflicts = ra.conflicts().expect("conflicts");
    assert_eq!(conflicts.len(), 1);
    let k = &conflicts[0];
    assert_eq!(
        (k.field.as_str(), &k.mine, &k.theirs, &k.base),
        ("phone", &json!("010-2"), &json!("010-3"), &json!("010-1"))
    );
    let shown = ra
        .get(Entity::Customers, &c.id)
        .expect("get")
        .expect("kept");
    assert!(shown.conflicted && shown.pending);
    // The view keeps the server's system fields: who changed its copy is B, not A.
    assert_eq!(shown.fields["updated_by"], json!(bob), "{shown:?}");
    assert_eq!(
        shown.fields["phone"],
        json!("010-2"),
        "mine is shown until resolved"
    );
    assert_eq!(ra.status().expect("status").conflicts, 1);
    assert_eq!(ra.outbox().expect("outbox")[0].state, EntryState::Conflict);

    ra.resolve(Entity::Customers, &c.id, Keep::Mine)
        .expect("resolve");
    assert_eq!(push(&ra, &a).await.sent, 1);
    pull(&rb, &b).await;
    assert_eq!(
        field(&rb, Entity::Customers, &c.id, "phone"),
        json!("010-2")
    );

    // Found by pull (before A pushes), resolved for theirs.
    pull(&ra, &a).await;
    ra.update(Entity::Customers, &c.id, obj(json!({"level": "C"})))
        .expect("a edits");
    rb.update(Entity::Customers, &c.id, obj(json!({"level": "A"})))
        .expect("b edits");
    push(&rb, &b).await;
    let pulled = pull(&ra, &a).await;
    assert_eq!(pulled.conflicts.len(), 1);
    assert_eq!(pulled.conflicts[0].theirs, json!("A"));
    let shown = ra
        .get(Entity::Customers, &c.id)
        .expect("get")
        .expect("kept");
    assert_eq!(shown.fields["updated_by"], json!(bob), "{shown:?}");
    // A parked entry is not sent.
    assert_eq!(push(&ra, &a).await.sent, 0);
    let after = ra
        .resolve(Entity::Customers, &c.id, Keep::Theirs)
        .expect("resolve");
    assert_eq!(after.fields["level"], json!("A"));
    assert!(!after.pending && !after.conflicted);
    assert!(ra.outbox().expect("outbox").is_empty());
    assert!(ra.conflicts().expect("conflicts").is_empty());
    assert_eq!(push(&ra, &a).await.sent, 0);
    let server = t.server.all(Entity::Customers);
    let row = server.iter().find(|r| r["id"] == json!(c.id)).expect("row");
    assert_eq!(
        (row["level"].clone(), row["phone"].clone()),
        (json!("A"), json!("010-2"))
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn different_fields_changed_on_both_sides_merge() {
    let t = team();
    let a = sign_in(&t.server, "alice").await;
    let b = sign_in(&t.server, "bob").await;
    let (_, ra) = replica_for(&t.server, &a, "a").await;
    let (_, rb) = replica_for(&t.server, &b, "b").await;
    let c = ra
        .create(Entity::Customers, obj(json!({"name": "Merge Ltd"})))
        .expect("create");
    push(&ra, &a).await;
    pull(&rb, &b).await;

    ra.update(
        Entity::Customers,
        &c.id,
        obj(json!({"phone": "021-5555", "level": "B"})),
    )
    .expect("a edits");
    rb.update(
        Entity::Customers,
        &c.id,
        obj(json!({"email": "x@merge.example", "level": "B"})),
    )
    .expect("b edits");
    push(&rb, &b).await;
    let report = push(&ra, &a).await;
    assert_eq!((report.sent, report.conflicts.len()), (1, 0));
    pull(&ra, &a).await;
    pull(&rb, &b).await;
    for r in [&ra, &rb] {
        let got = r.get(Entity::Customers, &c.id).expect("get").expect("kept");
        assert_eq!(got.fields["phone"], json!("021-5555"));
        assert_eq!(got.fields["email"], json!("x@merge.example"));
        assert_eq!(got.fields["level"], json!("B"));
        assert!(!got.pending && !got.conflicted);
        assert_eq!(got.version, 3);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_client_killed_mid_push_loses_nothing_and_duplicates_nothing() {
    let t = team();
    let a = sign_in(&t.server, "alice").await;
    let (path, ra) = replica_for(&t.server, &a, "a").await;
    let c = ra
        .create(Entity::Customers, obj(json!({"name": "Crash Test GmbH"})))
        .expect("create");

    // The process sends the create, then dies before recording the answer.
    let entry = ra.outbox().expect("outbox").remove(0);
    let mut body = entry.fields.clone();
    body.insert("id".into(), json!(entry.record_id));
    a.create(Entity::Customers, &body, &entry.idempotency_key, false)
        .await
        .expect("sent");
    drop(ra);

    let ra = Replica::open(&path).expect("reopen");
    assert!(ra.rebuilt().is_none());
    assert_eq!(ra.outbox().expect("outbox").len(), 1, "the entry survived");
    assert_eq!(push(&ra, &a).await.sent, 1);
    assert_eq!(
        t.server
            .all(Entity::Customers)
            .iter()
            .filter(|r| r["id"] == json!(c.id))
            .count(),
        1
    );

    // Same for an update: sent, killed, sent again — one new version only.
    ra.update(Entity::Customers, &c.id, obj(json!({"region": "西南"})))
        .expect("update");
    let entry = ra.outbox().expect("outbox").remove(0);
    a.patch(
        Entity::Customers,
        &c.id,
        &entry.fields,
        Some(entry.base_version),
        &entry.idempotency_key,
    )
    .await
    .expect("sent");
    drop(ra);
    let ra = Replica::open(&path).expect("reopen");
    let report = push(&ra, &a).await;
    assert_eq!((report.sent, report.conflicts.len()), (1, 0));
    let server = t.server.all(Entity::Customers);
    let row = server.iter().find(|r| r["id"] == json!(c.id)).expect("row");
    assert_eq!(
        (row["version"].clone(), row["region"].clone()),
        (json!(2), json!("西南"))
    );

    // Killed after sending but before the answer, with a pull in between: the pull brings the
    // record, the resend is answered from the first attempt.
    let d = ra
        .create(Entity::Customers, obj(json!({"name": "Second Crash"})))
        .expect("create");
    let entry = ra.outbox().expect("outbox").remove(0);
    let mut body = entry.fields.clone();
    body.insert("id".into(), json!(entry.record_id));
    a.create(Entity::Customers, &body, &entry.idempotency_key, false)
        .await
        .expect("sent");
    drop(ra);
    let ra = Replica::open(&path).expect("reopen");
    pull(&ra, &a).await;
    push(&ra, &a).await;
    assert!(ra.outbox().expect("outbox").is_empty());
    assert_eq!(
        t.server
            .all(Entity::Customers)
            .iter()
            .filter(|r| r["id"] == json!(d.id))
            .count(),
        1
    );
    let got = ra
        .get(Entity::Customers, &d.id)
        .expect("get")
        .expect("kept");
    assert!(!got.pending && got.version == 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_revoked_token_reports_unauthorized_with_the_sign_in_hint() {
    let t = team();
    let a = sign_in(&t.server, "alice").await;
    let (path, ra) = replica_for(&t.server, &a, "a").await;
    pull(&ra, &a).await;
    ra.create(
        Entity::Customers,
        obj(json!({"name": "Kept While Signed Out"})),
    )
    .expect("create");

    // Signed out elsewhere with the same token.
    let elsewhere = ApiClient::new(&t.server.url())
        .expect("client")
        .with_token(a.token().expect("token"));
    elsewhere.logout().await.expect("logout");

    let err = sync::pull(&ra, &a, |_| {}).await.expect_err("revoked");
    assert!(err.is_unauthorized(), "{err}");
    assert_eq!(
        err.to_string(),
        "your sign-in expired or was revoked; run `crm login`"
    );
    let err = sync::push(&ra, &a).await.expect_err("revoked");
    assert!(matches!(err, SyncError::Client(ClientError::Unauthorized)));
    assert_eq!(
        ra.outbox().expect("outbox").len(),
        1,
        "the write waits for the next sign-in"
    );

    let (tx, mut rx) = tokio::sync::mpsc::channel(16);
    let live = sync::spawn_live(path, a.clone(), tx);
    let event = next_event(&mut rx, |e| matches!(e, SyncEvent::SignedOut { .. })).await;
    assert_eq!(
        event,
        SyncEvent::SignedOut {
            message: "your sign-in expired or was revoked; run `crm login`".into()
        }
    );
    tokio::time::timeout(Duration::from_secs(5), live)
        .await
        .expect("stops")
        .expect("no panic");

    // A wrong password is told apart from a revoked token.
    let anon = ApiClient::new(&t.server.url()).expect("client");
    assert!(matches!(
        anon.login("alice", "not the password").await,
        Err(ClientError::BadCredentials)
    ));
    assert!(anon.login("alice", PASSWORD).await.is_ok());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_live_task_reconnects_after_the_server_comes_back() {
    let mut t = team();
    let a = sign_in(&t.server, "alice").await;
    let (path, ra) = replica_for(&t.server, &a, "a").await;
    let (tx, mut rx) = tokio::sync::mpsc::channel(64);
    let settings = LiveSettings {
        max_backoff: Duration::from_millis(800),
        ..LiveSettings::default()
    };
    let live = sync::spawn_live_with(path, a.clone(), tx, settings);
    next_event(&mut rx, |e| *e == SyncEvent::Online).await;

    t.server.stop();
    let c = ra
        .create(Entity::Customers, obj(json!({"name": "Written Offline"})))
        .expect("create");
    next_event(&mut rx, |e| matches!(e, SyncEvent::Offline { .. })).await;
    t.server.restart();
    next_event(&mut rx, |e| *e == SyncEvent::Online).await;
    next_event(&mut rx, |e| matches!(e, SyncEvent::Pushed { .. })).await;
    assert!(
        ra.get(Entity::Customers, &c.id)
            .expect("get")
            .is_some_and(|r| !r.pending)
    );
    assert_eq!(t.server.all(Entity::Customers).len(), 1);
    drop(rx);
    tokio::time::timeout(Duration::from_secs(30), live)
        .await
        .expect("ends")
        .expect("no panic");
}
