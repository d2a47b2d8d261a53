//! The TUI over the real local replica: keys in, outbox entries out, nothing waiting on a server.

mod support;

use crm::replica::{Op, Replica};
use crm::tui::data::{DataSource, text};
use crm::tui::{Action, App, ReplicaSource, SyncStatus, TuiOptions};
use crm_server::schema::Entity;
use serde_json::{Map, Value, json};
use support::{press, type_text};

fn obj(v: Value) -> Map<String, Value> {
    v.as_object().cloned().unwrap_or_default()
}

#[test]
fn fixtures_are_records_as_the_server_sends_them() {
    support::check_fixtures();
}

#[test]
fn keys_become_outbox_entries_in_the_replica() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("replica.db");
    let mut source = ReplicaSource::new(Replica::open(&path).unwrap());
    for (name, phone) in [
        ("华为技术有限公司", "+86 755 2878 0808"),
        ("Acme Ltd.", "+44 20 7946 0958"),
    ] {
        source
            .create(
                Entity::Customers,
                obj(json!({"name": name, "phone": phone})),
            )
            .unwrap();
    }
    // The call dialog offers the admin's wrap-up codes.
    source
        .create(
            Entity::WrapUpCodes,
            obj(json!({"code": "answered", "label_en": "Answered", "label_zh": "已接通", "digit": 1})),
        )
        .unwrap();
    let options = TuiOptions {
        profile: "local".into(),
        username: "li".into(),
        ..TuiOptions::default()
    };
    let mut app = App::new(options, Box::new(source), chrono::Utc::now());
    app.update(Action::Resize(100, 30));
    assert_eq!(app.customers.list.rows.len(), 2);

    // Find the caller, open them, log a call.
    press(&mut app, "/");
    type_text(&mut app, "华为");
    assert_eq!(app.customers.list.rows.len(), 1);
    press(&mut app, "<Enter> c 1 <Enter>");
    assert!(
        app.flash
            .as_ref()
            .is_some_and(|f| f.text.contains("Call logged")),
        "{:?}",
        app.flash
    );
    // Open a ticket from the 360 view.
    press(&mut app, "t");
    type_text(&mut app, "发票抬头错误");
    press(&mut app, "<Enter>");
    assert_eq!(app.dialog_name(), None, "{:?}", app.flash);

    // Every one of those is in the outbox, waiting for the sync engine.
    let replica = Replica::open(&path).unwrap();
    let entries = replica.outbox().unwrap();
    let created: Vec<Entity> = entries
        .iter()
        .filter(|e| e.op == Op::Create)
        .map(|e| e.entity)
        .collect();
    assert_eq!(
        created,
        [
            Entity::Customers,
            Entity::Customers,
            Entity::WrapUpCodes,
            Entity::Activities,
            Entity::Tickets
        ]
    );
    let call = entries
        .iter()
        .find(|e| e.entity == Entity::Activities)
        .unwrap();
    assert_eq!(call.fields["kind"], json!("call"));
    assert_eq!(call.fields["outcome"], json!("answered"));
    assert_eq!(app.status.pending, 5);

    // The status bar follows the sync engine's messages.
    let status = SyncStatus::from_event(
        crm::sync::SyncEvent::Offline {
            reason: "no route".into(),
        },
        chrono::Utc::now(),
    );
    app.update(Action::SyncStatus(status));
    assert_eq!(app.online, Some(false));
    let view = app.customer_view().unwrap();
    assert_eq!(text(&view.customer, "name"), "华为技术有限公司");
    assert_eq!(view.timeline.len(), 2, "the call and the ticket");
}

/// What the screens' searches and look-ups find over the fixtures, through the same source the
/// app reads.
#[test]
fn the_source_finds_customers_by_name_code_phone_email_and_contact() {
    let fx = support::Fixture::load();
    let source = fx.source();
    let names = |s: &str| -> Vec<String> {
        let q = crm::tui::data::CustomerQuery {
            search: s.into(),
            ..Default::default()
        };
        source
            .customers(&q, 0, 50)
            .unwrap()
            .iter()
            .map(|c| text(c, "name").to_string())
            .collect()
    };
    assert_eq!(names("华为"), ["华为技术有限公司"]);
    assert_eq!(names("c000104"), ["Acme Ltd."], "a code, any case");
    assert_eq!(names("30 901820"), ["Globex Corporation"], "phone digits");
    assert_eq!(names("hello@acme"), ["Acme Ltd."], "an email");
    assert_eq!(names("王小明"), ["华为技术有限公司"], "a contact's name");
    assert_eq!(
        names("7946 0000"),
        ["Acme Ltd."],
        "an unsent local edit is searched as shown"
    );
    let all = crm::tui::data::CustomerQuery::default();
    assert_eq!(source.customers(&all, 10, 5).unwrap().len(), 2, "12 in all");

    let code = |r: Option<crm::tui::data::Record>| r.map(|c| text(&c, "code").to_string());
    let duplicate = source
        .find_duplicates(&obj(json!({"name": "x", "phone": "0086 755 28780808"})))
        .unwrap();
    assert_eq!(
        code(duplicate.into_iter().next()).as_deref(),
        Some("C000101"),
        "the same phone, written another way"
    );
    assert_eq!(
        code(source.customer_by_phone("+86 138-0013-8000").unwrap()).as_deref(),
        Some("C000101"),
        "found through a contact's mobile"
    );
}
