//! The snapshot a first sync starts from: every live record a user may read and nothing else,
//! record for record what the change feed would send, and a head to follow the feed from.

mod common;

use std::collections::BTreeMap;

use common::{Client, TestServer, id_of};
use crm_server::wire::{
    SNAPSHOT_POSITION, SNAPSHOT_ROWS_TYPE, SnapshotPage, SnapshotPosition, SnapshotRows,
    snapshot_fields,
};
use reqwest::Method;
use serde_json::value::RawValue;
use serde_json::{Value, json};

/// One page of the snapshot, as JSON (`rows`: asked for in the compact form, and turned into
/// records by name as the client reads them). The server writes the page's text by hand, so
/// the text itself is checked: it must be what serde_json writes for the page the client reads
/// it into, byte for byte (no stray or missing comma, every escape as serde_json makes it).
fn snapshot_page(client: &Client, query: &str, rows: bool) -> Value {
    let mut request = client.request(Method::GET, &format!("/sync/snapshot?{query}"));
    if rows {
        request = request.header("accept", format!("{SNAPSHOT_ROWS_TYPE}, application/json"));
    }
    let response = request.send().expect("GET /sync/snapshot");
    let status = response.status().as_u16();
    let content_type = response
        .headers()
        .get("content-type")
        .and_then(|v| v.to_str().ok())
        .map(str::to_string);
    let position = response
        .headers()
        .get(SNAPSHOT_POSITION)
        .map(|v| v.to_str().expect("an ASCII header").to_string());
    let text = response.text().expect("the snapshot's body");
    assert_eq!(status, 200, "GET /sync/snapshot?{query}: {text}");
    let page: SnapshotPage = if rows {
        assert_eq!(content_type.as_deref(), Some(SNAPSHOT_ROWS_TYPE));
        let typed: SnapshotRows<Box<RawValue>> = serde_json::from_str(&text)
            .unwrap_or_else(|e| panic!("the client cannot read the page ({e}): {text}"));
        assert_eq!(
            serde_json::to_string(&typed).expect("serialize"),
            text,
            "the page is not what serde_json would write"
        );
        for group in &typed.groups {
            let fields: Vec<&str> = snapshot_fields(group.entity).collect();
            assert_eq!(group.fields, fields, "{:?}'s fields", group.entity);
            assert!(!group.rows.is_empty(), "an empty group is sent");
        }
        let parsed: SnapshotRows = serde_json::from_str(&text).expect("JSON");
        parsed.into_page().expect("every row as long as its fields")
    } else {
        assert_eq!(content_type.as_deref(), Some("application/json"));
        let typed: SnapshotPage<Box<RawValue>> = serde_json::from_str(&text)
            .unwrap_or_else(|e| panic!("the client cannot read the page ({e}): {text}"));
        assert_eq!(
            serde_json::to_string(&typed).expect("serialize"),
            text,
            "the page is not what serde_json would write"
        );
        serde_json::from_str(&text).expect("JSON")
    };
    // The header says where the page stands, as its body does.
    let position: SnapshotPosition =
        serde_json::from_str(&position.expect("the Snapshot-Position header")).expect("JSON");
    assert_eq!(
        (&position.next, position.head, position.total),
        (&page.next, page.head, page.total)
    );
    serde_json::to_value(&page).expect("the page as JSON")
}

/// Reads the whole snapshot in pages of `limit`: the records by (entity, id), the first page's
/// head and total. Panics when a record comes twice or a page breaks the limit.
fn snapshot(
    client: &Client,
    limit: usize,
    rows: bool,
) -> (BTreeMap<(String, String), Value>, i64, u64) {
    let mut records = BTreeMap::new();
    let (mut head, mut total) = (None, None);
    let mut query = String::new();
    for _ in 0..10_000 {
        let page = snapshot_page(client, &format!("limit={limit}{query}"), rows);
        head.get_or_insert(page["head"].as_i64().expect("head"));
        if total.is_none() {
            total = Some(
                page["total"]
                    .as_u64()
                    .expect("the first page says the total"),
            );
        } else {
            assert!(page.get("total").is_none(), "only the first page counts");
        }
        let batch = page["records"].as_array().expect("records");
        assert!(batch.len() <= limit, "a page holds more than the limit");
        for item in batch {
            let entity = item["entity"].as_str().expect("entity").to_string();
            let id = item["record"]["id"].as_str().expect("id").to_string();
            let again = records.insert((entity.clone(), id.clone()), item["record"].clone());
            assert!(again.is_none(), "{entity} {id} sent twice");
        }
        match &page["next"] {
            Value::Null => {
                return (records, head.unwrap_or_default(), total.unwrap_or_default());
            }
            next => {
                query = format!(
                    "&entity={}&after={}",
                    next["entity"].as_str().expect("next.entity"),
                    next["after"].as_str().expect("next.after")
                );
            }
        }
    }
    panic!("the snapshot did not end");
}

/// The records the change feed from 0 holds for a user, by (entity, id), and its head.
fn feed_upserts(client: &Client) -> (BTreeMap<(String, String), Value>, i64) {
    let (changes, _) = client.feed(0, 1000);
    let (status, page) = client.get("/sync?since=0&limit=1");
    assert_eq!(status, 200, "{page}");
    let latest = page["latest"].as_i64().expect("latest");
    let records = changes
        .iter()
        .filter(|c| c["op"] == "upsert")
        .map(|c| {
            (
                (
                    c["entity"].as_str().expect("entity").to_string(),
                    c["id"].as_str().expect("id").to_string(),
                ),
                c["record"].clone(),
            )
        })
        .collect();
    (records, latest)
}

#[test]
fn the_snapshot_holds_what_the_feed_holds_and_no_one_elses_private_records() {
    let server = TestServer::start();
    let north = server.add_team("north");
    let south = server.add_team("south");
    let admin = server.user("root", "admin", None);
    let nina = server.user("nina", "manager", Some(&north));
    let alice = server.user("alice", "sales", Some(&north));
    let bob = server.user("bob", "sales", Some(&south));
    let agent = server.user("ann", "agent", None);

    let mut alices = Vec::new();
    for i in 0..7 {
        let c = id_of(&alice.create(
            "/customers",
            json!({"name": format!("Alice客户{i}"), "phone": format!("1380000{i:04}"), "tags": ["vip", "华东"]}),
        ));
        alice.create(
            "/contacts",
            json!({"customer_id": c, "name": format!("联系人{i}"), "is_primary": i % 2 == 0}),
        );
        alices.push(c);
    }
    alice.create(
        "/opportunities",
        json!({"customer_id": alices[0], "name": "Big deal", "amount": 1_000_000}),
    );
    let ticket = id_of(&alice.create(
        "/tickets",
        json!({"subject": "broken", "customer_id": alices[1]}),
    ));
    alice.create(
        &format!("/tickets/{ticket}/comments"),
        json!({"body": "looking into it", "internal": true}),
    );
    let mut bobs = Vec::new();
    for i in 0..4 {
        let c = id_of(&bob.create("/customers", json!({"name": format!("Bob private {i}")})));
        bob.create(
            "/contacts",
            json!({"customer_id": c, "name": "Bob's contact"}),
        );
        bobs.push(c);
    }
    // Text JSON must escape, in a record Alice sees and one she does not: the page's text is
    // written by hand, and must carry it exactly as the feed's serializer does.
    let awkward = "引号\"q\" 反斜杠\\ 换行\n制表\t控制\u{1}\u{1f}删除\u{7f} </script> 😀 \u{2028}\u{ffff} end";
    // Input refuses control characters now, but older data may hold them: written straight
    // into the store, as such data would be.
    let odd = id_of(&alice.create("/customers", json!({"name": "odd one"})));
    let stored = {
        let db = server.db();
        crm_server::store::write(db.as_ref(), |tx| {
            let mut record = tx
                .get(crm_server::schema::Entity::Customers, &odd)?
                .expect("the odd customer")
                .record;
            record.insert("name".into(), json!(awkward));
            record.insert("notes".into(), json!(awkward));
            record.insert("tags".into(), json!(["引号\"q\"", "\\", "换\n行"]));
            record.insert(
                "custom".into(),
                json!({"k\"ey\\": awkward, "数": 1.5, "neg": -2, "yes": true, "\u{1}": ""}),
            );
            tx.update(
                crm_server::schema::Entity::Customers,
                &record,
                &Vec::new(),
                false,
            )?;
            tx.record_change(
                crm_server::schema::Entity::Customers,
                &odd,
                &Default::default(),
            )
        })
    };
    stored.expect("store the odd customer");
    let odd_bob = id_of(&bob.create(
        "/customers",
        json!({"name": "Bob 引号\"q\" 反斜杠\\ </script> 😀 \u{2028}\u{ffff} end", "tags": ["\"]"]}),
    ));
    bobs.push(odd_bob);
    let (status, _) = alice.delete(&format!("/customers/{}", alices[6]));
    assert_eq!(status, 200);
    let (status, moved) = nina.patch(
        &format!("/customers/{}", alices[5]),
        json!({"owner_id": bob.id()}),
    );
    assert_eq!(status, 200, "{moved}");
    bobs.push(alices[5].clone());

    for (who, client) in [
        ("root", &admin),
        ("nina", &nina),
        ("alice", &alice),
        ("bob", &bob),
        ("ann", &agent),
    ] {
        let (expected, latest) = feed_upserts(client);
        for (limit, rows) in [
            (1, false),
            (3, false),
            (1000, false),
            (1, true),
            (3, true),
            (1000, true),
        ] {
            let (records, head, total) = snapshot(client, limit, rows);
            assert_eq!(
                records, expected,
                "{who}'s snapshot in pages of {limit} (rows: {rows}) is the feed's records"
            );
            assert_eq!(head, latest, "{who}: the head is the feed's");
            assert_eq!(total, records.len() as u64, "{who}: the total counts them");
        }
    }

    let (records, _, _) = snapshot(&alice, 2, false);
    let (compact, _, _) = snapshot(&alice, 2, true);
    assert_eq!(compact, records, "the compact form holds the same records");
    for id in &bobs {
        assert!(
            !records.contains_key(&("customers".to_string(), id.clone())),
            "Bob's customer {id} is in Alice's snapshot"
        );
    }
    assert!(
        !records.contains_key(&("customers".to_string(), alices[6].clone())),
        "a deleted customer is in the snapshot"
    );
    assert!(
        !records.values().any(|r| r["name"] == "Bob's contact"),
        "Bob's contacts are in Alice's snapshot"
    );
    let odd = &records[&("customers".to_string(), odd)];
    assert_eq!(odd["name"], awkward);
    assert_eq!(odd["tags"], json!(["引号\"q\"", "\\", "换\n行"]));
    assert_eq!(odd["custom"]["k\"ey\\"], awkward);
    let customer = &records[&("customers".to_string(), alices[0].clone())];
    assert_eq!(customer["tags"], json!(["vip", "华东"]));
    assert_eq!(customer["version"], 1);
    assert!(customer["notes"].is_null());
}

#[test]
fn the_snapshot_refuses_bad_parameters_and_strangers() {
    let server = TestServer::start();
    let alice = server.user("alice", "sales", None);
    for query in [
        "after=x",
        "entity=customers",
        "entity=nothing&after=x",
        "limit=0",
        "limit=20001",
        "limit=many",
        "since=0",
    ] {
        let (status, body) = alice.get(&format!("/sync/snapshot?{query}"));
        assert_eq!(status, 422, "{query}: {body}");
    }
    let (status, _) = server.anonymous().get("/sync/snapshot");
    assert_eq!(status, 401);
    let (status, doc) = server.anonymous().get("/openapi.json");
    assert_eq!(status, 200);
    assert!(doc["paths"]["/sync/snapshot"]["get"].is_object());
}
