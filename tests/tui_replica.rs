//! The TUI over the real local replica: keys in, outbox entries out, nothing waiting on a server.

use crm::replica::{Op, Replica};
use crm::tui::data::{DataSource, text};
use crm::tui::keymap::Key;
use crm::tui::{Action, App, ReplicaSource, SyncStatus, TuiOptions};
use crm_server::schema::Entity;
use crossterm::event::{KeyCode, KeyEvent, KeyEventKind, KeyEventState};
use serde_json::{Map, Value, json};

fn obj(v: Value) -> Map<String, Value> {
    v.as_object().cloned().unwrap_or_default()
}

fn press(app: &mut App, keys: &str) {
    for k in keys.split(' ').filter(|k| !k.is_empty()) {
        let key = Key::parse(k).unwrap_or_else(|| panic!("bad key {k}"));
        app.key(KeyEvent {
            code: key.code,
            modifiers: key.mods,
            kind: KeyEventKind::Press,
            state: KeyEventState::NONE,
        });
    }
}

fn type_text(app: &mut App, s: &str) {
    for c in s.chars() {
        app.key(KeyEvent::from(KeyCode::Char(c)));
    }
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
    assert_eq!(app.status.pending, 4);

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
