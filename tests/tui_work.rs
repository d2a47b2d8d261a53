//! Not losing work on the screens: a changed form asks before it is thrown away, `u` undoes,
//! refused writes are marked, counted and reviewed (fix, discard), and keys the user's role may
//! not use are neither offered nor accepted. Over a real replica filled from the fixtures.

mod support;

use crm::replica::{EntryState, Op, outbox_path};
use crm::tui::Effect;
use crm::tui::data::text;
use crm::tui::nav::Opened;
use crm_server::access::{Role, capabilities};
use crm_server::schema::Entity;
use serde_json::json;
use support::{Fixture, app_over, options, press, screen, start, type_text};

fn flash(app: &crm::tui::App) -> String {
    app.flash
        .as_ref()
        .map(|f| f.text.clone())
        .unwrap_or_default()
}

fn selected_customer(app: &crm::tui::App) -> (String, String, String) {
    let row = app
        .customers
        .list
        .selected_row()
        .expect("a customer is chosen");
    (
        text(row, "id").to_string(),
        text(row, "code").to_string(),
        text(row, "name").to_string(),
    )
}

#[test]
fn a_changed_form_asks_before_esc_or_ctrl_c_throw_it_away() {
    let (mut app, fx) = start();
    // Unchanged: Esc closes at once.
    press(&mut app, "e");
    assert_eq!(app.dialog_name(), Some("form"));
    press(&mut app, "<Esc>");
    assert_eq!(app.dialog_name(), None);

    press(&mut app, "e");
    type_text(&mut app, "X");
    press(&mut app, "<Esc>");
    assert_eq!(app.dialog_name(), Some("confirm"), "asks first");
    assert!(
        screen(&app).contains("Discard changes?"),
        "{}",
        screen(&app)
    );
    press(&mut app, "n");
    assert_eq!(app.dialog_name(), Some("form"), "no: back to the typing");
    press(&mut app, "<Esc> y");
    assert_eq!(app.dialog_name(), None, "yes: the form is gone");
    assert!(fx.written().is_empty(), "nothing was saved");

    // Ctrl-C with typing in a form asks too; a second Ctrl-C (or y) quits.
    press(&mut app, "e");
    type_text(&mut app, "Y");
    let effects = press(&mut app, "<C-c>");
    assert!(!effects.contains(&Effect::Quit), "{effects:?}");
    assert_eq!(app.dialog_name(), Some("confirm"));
    let effects = press(&mut app, "y");
    assert!(effects.contains(&Effect::Quit), "{effects:?}");
    // Without a changed form Ctrl-C quits at once.
    let (mut app, _fx) = start();
    assert!(press(&mut app, "<C-c>").contains(&Effect::Quit));
}

#[test]
fn u_undoes_the_last_edit_and_walks_back() {
    let (mut app, fx) = start();
    let (id, code, name) = selected_customer(&app);
    let replica = fx.replica();
    let now_name = |r: &crm::replica::Replica| {
        r.get(Entity::Customers, &id)
            .expect("get")
            .expect("there")
            .text("name")
            .unwrap_or_default()
            .to_string()
    };
    for suffix in [" 一", " 二"] {
        press(&mut app, "e");
        type_text(&mut app, suffix);
        press(&mut app, "<Enter>");
        assert_eq!(app.dialog_name(), None, "{}", flash(&app));
    }
    assert_eq!(now_name(&replica), format!("{name} 一 二"));

    press(&mut app, "u");
    assert_eq!(
        now_name(&replica),
        format!("{name} 一"),
        "the previous value is back"
    );
    let said = flash(&app);
    assert!(
        said.starts_with("Undone: edit of customer") && said.contains(&code),
        "{said}"
    );
    // The undo is a write like any other: it waits in the outbox to be sent.
    let last = fx.last_written();
    assert_eq!(last.op, Op::Update);
    assert_eq!(last.fields["name"], json!(format!("{name} 一")));

    press(&mut app, "u");
    assert_eq!(now_name(&replica), name, "again: the edit before");
    assert!(screen(&app).contains(&name));
}

/// A customer the app created, then refused by the server (as a sync records a 409).
fn refused_customer(fx: &Fixture) -> String {
    let replica = fx.replica();
    let made = replica
        .create(
            Entity::Customers,
            serde_json::from_value(json!({"name": "Refused Co"})).unwrap(),
        )
        .expect("create");
    let conn = rusqlite::Connection::open(outbox_path(fx.path())).expect("outbox");
    conn.execute(
        "UPDATE outbox SET state = 'failed', error_code = 'duplicate', last_error = 'a customer with the same name exists: C000101' WHERE record_id = ?1",
        [&made.id],
    )
    .expect("refuse it");
    made.id
}

#[test]
fn a_refused_write_is_marked_counted_reviewed_fixed_or_discarded() {
    let fx = Fixture::load();
    let id = refused_customer(&fx);
    let mut app = app_over(Box::new(fx.source()), options(), 120, 30);
    let s = screen(&app);
    assert!(s.contains("⚠ 1 refused"), "the status bar counts it:\n{s}");
    let row = s
        .lines()
        .find(|l| l.contains("Refused Co"))
        .unwrap_or_else(|| panic!("listed:\n{s}"));
    assert!(row.contains('⚠'), "the row is marked: {row}");

    // The review names the record, the action and the server's reason, refused first.
    press(&mut app, "g o");
    assert!(matches!(app.opened().last(), Some(Opened::Outbox(_))));
    let s = screen(&app);
    assert!(s.contains("create customer Refused Co"), "{s}");
    assert!(
        s.contains("refused: a customer with the same name exists"),
        "{s}"
    );
    assert!(!s.contains(&id), "no ids on screen:\n{s}");

    // Enter: the record's form; saving puts the fix into the refused write and sends it again.
    press(&mut app, "<Enter>");
    assert_eq!(app.dialog_name(), Some("form"));
    type_text(&mut app, " 2");
    press(&mut app, "<Enter>");
    assert_eq!(app.dialog_name(), None, "{}", flash(&app));
    let entry = fx
        .outbox()
        .into_iter()
        .find(|e| e.record_id == id)
        .expect("still one write");
    assert_eq!(entry.op, Op::Create);
    assert_eq!(entry.state, EntryState::Pending);
    assert_eq!(entry.fields["name"], json!("Refused Co 2"));
    assert!(!screen(&app).contains("⚠ 1 refused"));

    // Refused again, then discarded: the create goes, and the record with it.
    drop(app);
    let conn = rusqlite::Connection::open(outbox_path(fx.path())).expect("outbox");
    conn.execute(
        "UPDATE outbox SET state = 'failed', last_error = 'still a duplicate' WHERE record_id = ?1",
        [&id],
    )
    .expect("refuse it");
    let mut app = app_over(Box::new(fx.source()), options(), 120, 30);
    press(&mut app, ":");
    type_text(&mut app, "outbox");
    press(&mut app, "<Enter>");
    press(&mut app, "D");
    assert_eq!(app.dialog_name(), Some("confirm"), "asks first");
    press(&mut app, "y");
    assert!(fx.outbox().iter().all(|e| e.record_id != id));
    assert!(
        fx.replica()
            .get(Entity::Customers, &id)
            .expect("get")
            .is_none()
    );
    assert!(!screen(&app).contains("Refused Co"));
}

#[test]
fn an_agent_is_neither_offered_nor_allowed_what_the_server_forbids() {
    let for_role = |role: Role| {
        let fx = Fixture::load();
        fx.replica()
            .set_capabilities(&capabilities(role))
            .expect("capabilities");
        let app = app_over(Box::new(fx.source()), options(), 120, 30);
        (app, fx)
    };
    let (mut agent, fx) = for_role(Role::Agent);
    press(&mut agent, "2");
    let footer = screen(&agent)
        .lines()
        .last()
        .unwrap_or_default()
        .to_string();
    assert!(!footer.contains("new"), "not offered: {footer}");
    press(&mut agent, "n");
    assert_eq!(agent.dialog_name(), None, "not accepted");
    assert!(
        flash(&agent).contains("may not create opportunities"),
        "{}",
        flash(&agent)
    );
    assert!(fx.written().is_empty());
    // What an agent may do stays offered: a new customer.
    press(&mut agent, "1 n");
    assert_eq!(agent.dialog_name(), Some("form"));

    let (mut sales, _fx) = for_role(Role::Sales);
    press(&mut sales, "2");
    let footer = screen(&sales)
        .lines()
        .last()
        .unwrap_or_default()
        .to_string();
    assert!(footer.contains("new"), "offered: {footer}");
    press(&mut sales, "n");
    assert_eq!(sales.dialog_name(), Some("form"));
}
