//! Custom fields and the admin's lists through the sync engine and the screens: a field an
//! admin defines after a client's first sync reaches it with the next pull (no rebuild, no
//! resync: an unsent local edit survives it) and shows in the record's view, its form and the
//! list's columns; the client refuses a bad custom value or a code no longer in a list offline,
//! as the server would.

mod common;
mod support;

use chrono::Utc;
use common::{TestServer, obj, replica_for, sign_in};
use crm::replica::ReplicaError;
use crm::sync;
use crm::tui::{App, ReplicaSource, TuiOptions};
use crm_server::schema::Entity;
use serde_json::json;
use support::{press, screen, type_text};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_field_defined_after_the_first_sync_shows_after_the_next_without_a_resync() {
    let server = TestServer::start();
    let east = server.add_team("east");
    server.add_user("alice", "sales", Some(&east));
    let alice = sign_in(&server, "alice").await;
    let (_, ra) = replica_for(&server, &alice, "alice").await;
    let customer = ra
        .create(
            Entity::Customers,
            obj(json!({"name": "上海东华供应链", "level": "A"})),
        )
        .unwrap();
    sync::push(&ra, &alice).await.expect("push");
    sync::pull(&ra, &alice, |_| {}).await.expect("first pull");
    assert_eq!(
        ra.catalog()
            .unwrap()
            .custom_fields(Entity::Customers)
            .count(),
        0
    );
    // An edit not sent yet: a rebuilt replica would have lost it.
    ra.update(
        Entity::Customers,
        &customer.id,
        obj(json!({"phone": "021 5555 0101"})),
    )
    .unwrap();

    // The admin defines two fields and fills them in on the server.
    server.create_as_system(
        Entity::FieldDefinitions,
        json!({"entity": "customers", "key": "legal_rep", "label_zh": "法人代表", "label_en": "Legal representative", "kind": "text"}),
    );
    server.create_as_system(
        Entity::FieldDefinitions,
        json!({"entity": "customers", "key": "registered_capital", "label_zh": "注册资金", "label_en": "Registered capital",
               "kind": "money", "in_list": true}),
    );
    server.update_as_system(
        Entity::Customers,
        &customer.id,
        json!({"custom": {"legal_rep": "王建国", "registered_capital": 500_000_000}}),
    );
    let report = sync::pull(&ra, &alice, |_| {}).await.expect("second pull");
    assert!(report.upserts >= 3, "{report:?}");
    let catalog = ra.catalog().unwrap();
    let keys: Vec<&str> = catalog
        .custom_fields(Entity::Customers)
        .map(|c| c.key.as_str())
        .collect();
    assert_eq!(keys, ["legal_rep", "registered_capital"]);
    let local = ra.get(Entity::Customers, &customer.id).unwrap().unwrap();
    assert!(local.pending, "the unsent edit survived the pull");
    assert_eq!(local.fields["custom"]["legal_rep"], "王建国");
    assert_eq!(local.fields["phone"], "021 5555 0101");

    // The screens: the record view labels it, the list shows the column, the form offers it.
    let options = TuiOptions {
        profile: "work".into(),
        username: "alice".into(),
        language: Some("en".into()),
        ..TuiOptions::default()
    };
    let mut app = App::new(options, Box::new(ReplicaSource::new(ra)), Utc::now());
    app.update(crm::tui::Action::Resize(160, 45));
    press(&mut app, ":");
    type_text(&mut app, "list customers");
    press(&mut app, "<Enter>");
    let shown = screen(&app);
    assert!(shown.contains("Registered ca"), "the column: {shown}");
    assert!(shown.contains("5,000,000.00"), "its value: {shown}");
    press(&mut app, "<Enter>");
    let shown = screen(&app);
    // The customer's 360°: the details end with the custom fields, by their labels.
    assert!(shown.contains("Legal represent"), "{shown}");
    assert!(shown.contains("王建国"), "{shown}");
    press(&mut app, "E");
    let shown = screen(&app);
    assert!(shown.contains("Legal represen"), "the form: {shown}");
    assert!(shown.contains("5,000,000.00"), "the form's value: {shown}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bad_custom_values_and_retired_codes_are_refused_offline() {
    let server = TestServer::start();
    server.add_user("sam", "sales", None);
    server.create_as_system(
        Entity::FieldDefinitions,
        json!({"entity": "customers", "key": "taxpayer", "label_zh": "纳税人", "kind": "choice",
               "choices": ["一般纳税人", "小规模纳税人"]}),
    );
    let d = server
        .all(Entity::ListItems)
        .into_iter()
        .find(|i| i["list"] == "levels" && i["code"] == "D")
        .expect("level D");
    server.update_as_system(
        Entity::ListItems,
        d["id"].as_str().unwrap(),
        json!({"active": false}),
    );
    let sam = sign_in(&server, "sam").await;
    let (_, rs) = replica_for(&server, &sam, "sam").await;
    sync::pull(&rs, &sam, |_| {}).await.expect("pull");

    let refused = |result: Result<_, ReplicaError>, field: &str| match result {
        Err(ReplicaError::Invalid { invalid, .. }) => {
            assert!(invalid.contains_key(field), "{invalid:?}")
        }
        other => panic!("{field} was not refused: {other:?}"),
    };
    refused(
        rs.create(
            Entity::Customers,
            obj(json!({"name": "甲", "custom": {"taxpayer": "个体户"}})),
        ),
        "custom.taxpayer",
    );
    refused(
        rs.create(
            Entity::Customers,
            obj(json!({"name": "乙", "custom": {"nope": 1}})),
        ),
        "custom.nope",
    );
    refused(
        rs.create(Entity::Customers, obj(json!({"name": "丙", "level": "D"}))),
        "level",
    );
    assert!(rs.outbox().unwrap().is_empty(), "nothing was queued");
    // Good values pass, and a later edit of another key keeps the first.
    let made = rs
        .create(
            Entity::Customers,
            obj(json!({"name": "丁", "level": "b", "custom": {"taxpayer": "一般纳税人"}})),
        )
        .unwrap();
    assert_eq!(made.fields["level"], "B");
    sync::push(&rs, &sam).await.expect("push");
    sync::pull(&rs, &sam, |_| {}).await.expect("pull");
    let back = rs.get(Entity::Customers, &made.id).unwrap().unwrap();
    assert_eq!(back.fields["custom"], json!({"taxpayer": "一般纳税人"}));
    assert!(!back.pending);
}
