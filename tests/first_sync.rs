//! A replica made from nothing against a real server on loopback: the first sync from the
//! snapshot, a rebuilt replica equal to the server's view, a corrupt one rebuilt keeping its
//! unsent writes.

mod common;

use std::collections::BTreeMap;

use common::{field, obj, pull, push, replica_for, sign_in, team};
use crm::replica::{LocalQuery, Replica, SnapshotResume, SnapshotStep, prepare_snapshot};
use crm::sync::{self, ApiClient};
use crm_server::schema::Entity;
use crm_server::wire::SnapshotShape;
use serde_json::{Value, json};

/// The ids and versions of every record a user may see, through the list API.
async fn server_view(client: &ApiClient, base: &str) -> BTreeMap<(String, String), i64> {
    let http = reqwest::Client::new();
    let mut out = BTreeMap::new();
    for entity in Entity::ALL {
        let mut cursor: Option<String> = None;
        loop {
            let mut url = format!("{base}/api/v1/{}?limit=1000&sort=created_at", entity.name());
            if let Some(c) = &cursor {
                url.push_str(&format!("&cursor={c}"));
            }
            let page: Value = http
                .get(&url)
                .bearer_auth(client.token().expect("token"))
                .send()
                .await
                .expect("list")
                .json()
                .await
                .expect("json");
            for item in page["items"].as_array().expect("items") {
                out.insert(
                    (
                        entity.name().to_string(),
                        item["id"].as_str().expect("id").to_string(),
                    ),
                    item["version"].as_i64().expect("version"),
                );
            }
            match page["next_cursor"].as_str() {
                Some(c) => cursor = Some(c.to_string()),
                None => break,
            }
        }
    }
    out
}

fn replica_view(replica: &Replica) -> BTreeMap<(String, String), i64> {
    let mut out = BTreeMap::new();
    for entity in Entity::ALL {
        let mut offset = 0;
        loop {
            let page = replica
                .list(
                    entity,
                    &LocalQuery {
                        sort: Some("created_at".into()),
                        limit: 500,
                        offset,
                        ..LocalQuery::default()
                    },
                )
                .expect("list");
            for r in &page {
                out.insert((entity.name().to_string(), r.id.clone()), r.version);
            }
            if page.len() < 500 {
                break;
            }
            offset += page.len();
        }
    }
    out
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_rebuilt_replica_equals_the_servers_view_and_holds_no_one_elses_private_customers() {
    let t = team();
    let carol_id = t.server.add_user("carol", "sales", None);
    let a = sign_in(&t.server, "alice").await;
    let (path, ra) = replica_for(&t.server, &a, "a").await;

    // Alice's own work, through the replica.
    let mut mine = Vec::new();
    for i in 0..30 {
        let c = ra
            .create(
                Entity::Customers,
                obj(json!({"name": format!("Alice客户{i}"), "phone": format!("1380000{i:04}")})),
            )
            .expect("create");
        ra.create(
            Entity::Contacts,
            obj(json!({"customer_id": c.id, "name": format!("联系人{i}")})),
        )
        .expect("contact");
        mine.push(c.id);
    }
    ra.create(
        Entity::Opportunities,
        obj(json!({"customer_id": mine[0], "name": "Big deal", "amount": 1_000_000})),
    )
    .expect("opp");
    ra.create(Entity::Activities, obj(json!({"kind": "call", "subject": "first call", "customer_id": mine[1], "direction": "outbound"}))).expect("call");
    let ticket = ra
        .create(
            Entity::Tickets,
            obj(json!({"subject": "broken", "customer_id": mine[2]})),
        )
        .expect("ticket");
    ra.create(
        Entity::Comments,
        obj(json!({"ticket_id": ticket.id, "body": "looking into it"})),
    )
    .expect("comment");
    let forgotten = ra
        .create(Entity::Customers, obj(json!({"name": "Never sent"})))
        .expect("create");
    ra.delete(Entity::Customers, &forgotten.id)
        .expect("delete a never-sent customer");
    assert!(
        ra.get(Entity::Customers, &forgotten.id)
            .expect("get")
            .is_none()
    );
    push(&ra, &a).await;

    // Carol's private customers, and one of Alice's reassigned to Carol.
    let mut hers = Vec::new();
    for i in 0..20 {
        let c = t.server.create_as_system(
            Entity::Customers,
            json!({"name": format!("Carol private {i}"), "owner_id": carol_id}),
        );
        t.server.create_as_system(
            Entity::Contacts,
            json!({"customer_id": c["id"], "name": format!("Carol contact {i}")}),
        );
        hers.push(c["id"].as_str().expect("id").to_string());
    }
    pull(&ra, &a).await;
    assert!(
        ra.get(Entity::Contacts, &first_contact_of(&ra, &mine[3]))
            .expect("get")
            .is_some()
    );
    t.server
        .update_as_system(Entity::Customers, &mine[3], json!({"owner_id": carol_id}));
    hers.push(mine[3].clone());
    // A sent delete of one of hers goes through the feed too.
    ra.delete(Entity::Customers, &mine[4]).expect("delete");
    push(&ra, &a).await;
    pull(&ra, &a).await;

    let incremental = replica_view(&ra);
    let expected = server_view(&a, &t.server.url()).await;
    assert_eq!(incremental, expected);
    for id in &hers {
        assert!(
            ra.get(Entity::Customers, id).expect("get").is_none(),
            "{id} must not be in Alice's replica"
        );
        assert!(!incremental.contains_key(&("customers".to_string(), id.clone())));
    }
    assert!(
        ra.search_customers("Carol", 50).expect("search").is_empty(),
        "no trace of Carol's customers in the search index"
    );
    assert_eq!(
        ra.list(
            Entity::Contacts,
            &LocalQuery {
                limit: 1000,
                ..Default::default()
            }
        )
        .expect("contacts")
        .len(),
        28
    );

    // From scratch: delete the file, pull everything.
    drop(ra);
    std::fs::remove_file(&path).expect("delete replica");
    let fresh = Replica::open(&path).expect("open");
    let mut first_progress = None;
    let report = sync::pull(&fresh, &a, |p| {
        first_progress.get_or_insert(p);
    })
    .await
    .expect("full pull");
    assert!(first_progress.expect("progress reported").first_sync);
    assert!(report.upserts > 0);
    assert_eq!(replica_view(&fresh), expected);
    assert_eq!(t.alice_id.len(), 36);
}

fn first_contact_of(replica: &Replica, customer_id: &str) -> String {
    let q = LocalQuery {
        filters: vec![("customer_id".into(), json!(customer_id))],
        ..LocalQuery::default()
    };
    replica.list(Entity::Contacts, &q).expect("list")[0]
        .id
        .clone()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_corrupt_replica_is_rebuilt_and_keeps_its_unsent_writes() {
    let t = team();
    let a = sign_in(&t.server, "alice").await;
    let (path, ra) = replica_for(&t.server, &a, "a").await;
    let sent = ra
        .create(Entity::Customers, obj(json!({"name": "Synced Before"})))
        .expect("create");
    push(&ra, &a).await;
    let unsent = ra
        .create(Entity::Customers, obj(json!({"name": "未发送的客户"})))
        .expect("create");
    ra.update(Entity::Customers, &sent.id, obj(json!({"level": "D"})))
        .expect("update");
    drop(ra);

    std::fs::write(&path, b"this is not a database, just garbage ".repeat(500)).expect("garbage");
    let mut ra = Replica::open(&path).expect("opens by rebuilding");
    let note = ra.rebuilt().expect("says it rebuilt").to_string();
    assert!(note.contains("rebuilt"), "{note}");
    assert_eq!(ra.outbox().expect("outbox").len(), 2);
    // The local create shows at once; the update reappears once its record is pulled.
    assert!(
        ra.get(Entity::Customers, &unsent.id)
            .expect("get")
            .is_some_and(|r| r.pending)
    );
    assert_eq!(ra.status().expect("status").cursor, 0);
    let me = a.me().await.expect("me");
    ra.bind_user(
        me["id"].as_str().expect("id"),
        crm_server::access::Role::Sales,
        me["team_id"].as_str(),
    )
    .expect("bind");
    pull(&ra, &a).await;
    let shown = ra
        .get(Entity::Customers, &sent.id)
        .expect("get")
        .expect("pulled");
    assert_eq!(shown.fields["level"], json!("D"));
    assert!(shown.pending);
    assert_eq!(push(&ra, &a).await.sent, 2);
    let server = t.server.all(Entity::Customers);
    assert_eq!(
        server
            .iter()
            .filter(|r| r["name"] == json!("未发送的客户"))
            .count(),
        1
    );
    assert_eq!(
        server
            .iter()
            .find(|r| r["id"] == json!(sent.id))
            .expect("row")["level"],
        json!("D")
    );

    // A replica of another format is rebuilt the same way.
    drop(ra);
    let conn = rusqlite::Connection::open(&path).expect("open");
    conn.pragma_update(None, "user_version", 999)
        .expect("set version");
    drop(conn);
    let ra = Replica::open(&path).expect("reopen");
    assert!(ra.rebuilt().is_some_and(|n| n.contains("another format")));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_first_sync_from_the_snapshot_loses_no_write_made_while_it_runs() {
    let t = team();
    let carol_id = t.server.add_user("carol", "sales", None);
    let mut alices = Vec::new();
    for i in 0..12 {
        let c = t.server.create_as_system(
            Entity::Customers,
            json!({"name": format!("Alice客户{i}"), "phone": format!("1390000{i:04}"), "owner_id": t.alice_id}),
        );
        let id = c["id"].as_str().expect("id").to_string();
        t.server.create_as_system(
            Entity::Contacts,
            json!({"customer_id": id, "name": format!("联系人{i}")}),
        );
        alices.push(id);
    }
    let mut hers = Vec::new();
    for i in 0..5 {
        let c = t.server.create_as_system(
            Entity::Customers,
            json!({"name": format!("Carol private {i}"), "owner_id": carol_id}),
        );
        hers.push(c["id"].as_str().expect("id").to_string());
    }
    let a = sign_in(&t.server, "alice").await;
    let (_path, replica) = replica_for(&t.server, &a, "a").await;

    // The first sync starts: pages of 4 until some of Alice's customers are in and some not.
    assert_eq!(
        replica.snapshot_resume().expect("resume"),
        Some(SnapshotResume::default())
    );
    let mut head = None;
    let mut from = None;
    loop {
        let sent = a
            .snapshot_body(from.as_ref(), 4)
            .await
            .expect("snapshot page");
        let position = sent.position;
        let h = *head.get_or_insert(position.head);
        let next = position.next.clone().expect("more pages");
        // The server sends the compact form the client asks for.
        assert_eq!(sent.shape, SnapshotShape::Rows);
        let rows = prepare_snapshot(&sent.body, sent.shape).expect("rows");
        assert_eq!(rows.len(), 4, "a page of 4 before the last");
        replica
            .apply_snapshot(
                rows,
                &SnapshotStep::At {
                    head: h,
                    next: next.clone(),
                },
            )
            .expect("apply");
        from = Some(next);
        let held = alices
            .iter()
            .filter(|id| replica.get(Entity::Customers, id).expect("get").is_some())
            .count();
        if held >= 4 {
            break;
        }
    }
    let read: Vec<String> = alices
        .iter()
        .filter(|id| replica.get(Entity::Customers, id).expect("get").is_some())
        .cloned()
        .collect();
    let unread: Vec<String> = alices
        .iter()
        .filter(|id| !read.contains(id))
        .cloned()
        .collect();
    assert!(read.len() >= 4 && unread.len() >= 2, "read {read:?}");

    // Meanwhile, on the server: an edit and a delete of records already read, a delete of one
    // not read yet, a new one, one handed to Carol, and a new private one of hers.
    t.server.update_as_system(
        Entity::Customers,
        &read[0],
        json!({"name": "Renamed while syncing"}),
    );
    crm_server::store::write(t.server.db(), |tx| {
        crm_server::service::delete(
            tx,
            &crm_server::system_actor(),
            Entity::Customers,
            &read[1],
            None,
        )?;
        crm_server::service::delete(
            tx,
            &crm_server::system_actor(),
            Entity::Customers,
            &unread[0],
            None,
        )
    })
    .expect("delete");
    t.server
        .update_as_system(Entity::Customers, &read[2], json!({"owner_id": carol_id}));
    hers.push(read[2].clone());
    let new = t.server.create_as_system(
        Entity::Customers,
        json!({"name": "Created while syncing", "owner_id": t.alice_id}),
    );
    let new = new["id"].as_str().expect("id").to_string();
    let late = t.server.create_as_system(
        Entity::Customers,
        json!({"name": "Carol late", "owner_id": carol_id}),
    );
    hers.push(late["id"].as_str().expect("id").to_string());

    // The pull continues the snapshot where it stopped, then follows the feed from its head.
    let mut seen = Vec::new();
    let report = sync::pull(&replica, &a, |p| seen.push(p))
        .await
        .expect("pull");
    assert!(report.cursor >= head.expect("head"));
    assert!(seen.iter().all(|p| p.first_sync));
    let last = seen.last().expect("progress reported");
    assert_eq!(last.fraction(), Some(1.0));
    assert_eq!(replica.snapshot_resume().expect("resume"), None);

    assert_eq!(
        field(&replica, Entity::Customers, &read[0], "name"),
        json!("Renamed while syncing")
    );
    for gone in [&read[1], &unread[0]] {
        assert!(replica.get(Entity::Customers, gone).expect("get").is_none());
    }
    assert!(replica.get(Entity::Customers, &new).expect("get").is_some());
    for id in &hers {
        assert!(
            replica.get(Entity::Customers, id).expect("get").is_none(),
            "{id} must not be in Alice's replica"
        );
    }
    assert_eq!(
        replica_view(&replica),
        server_view(&a, &t.server.url()).await
    );
    // The indexes were built at the snapshot's end.
    assert_eq!(
        replica
            .search_customers("Renamed", 10)
            .expect("search")
            .len(),
        1
    );
    assert!(
        replica
            .search_customers("Carol", 10)
            .expect("search")
            .is_empty()
    );
    assert_eq!(
        replica
            .search_customers("13900000", 20)
            .expect("search")
            .len(),
        9
    );
}
