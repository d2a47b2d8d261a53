//! Field service and call scripts on the screens, over a real replica: a ticket shows its
//! on-site visit, `O` fills the visit's report and the customer's confirmation (written to the
//! outbox as the visit's update, times typed in the user's zone), `V` books one for the ticket;
//! `S` on a customer's 360° shows the call script for them beside them — the open ticket's
//! category's over the general one —, digits follow its branches and Backspace goes back.

mod support;

use chrono::{DateTime, Utc};
use crm::tui::dialogs::{Dialog, Purpose};
use crm::tui::keymap::Mode;
use crm_server::schema::Entity;
use serde_json::json;
use support::{
    Fixture, app_over, apply_records, fixture_id, press, screen, server_record, type_text,
};

const VISIT: &str = "00000030-0000-7000-8000-000000000001";

fn at(s: &str) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&Utc)
}

/// The fixtures with a visit booked for chen on T-000103, and two call scripts.
fn field() -> (crm::tui::App, Fixture) {
    let fx = Fixture::load();
    let replica = fx.replica();
    let mut seq = 4_000_000;
    let ticket = fixture_id(Entity::Tickets, "number", "T-000103");
    let mut visit = server_record(
        Entity::FieldVisits,
        VISIT,
        json!({"ticket_id": ticket, "engineer_id": fixture_id(Entity::Users, "username", "chen"),
               "starts_at": "2026-11-25T02:00:00Z"}),
        at("2026-11-24T08:00:00Z"),
    );
    visit.insert(
        "customer_id".into(),
        json!(fixture_id(Entity::Customers, "code", "C000104")),
    );
    apply_records(&replica, Entity::FieldVisits, vec![visit], &mut seq);
    let scripts = vec![
        server_record(
            Entity::CallScripts,
            "00000031-0000-7000-8000-000000000001",
            json!({"name": "General", "body": "# start\nGood morning."}),
            at("2026-11-24T08:00:00Z"),
        ),
        server_record(
            Entity::CallScripts,
            "00000031-0000-7000-8000-000000000002",
            json!({"name": "Technical fault", "category": "technical",
                   "body": "# start\n{customer}，您好，我是{agent}。\n1 Still down -> down\n2 Fixed -> thanks\n# down\nAsk for the alarm code on {ticket}.\n# thanks\nThank them and close."}),
            at("2026-11-24T08:00:00Z"),
        ),
    ];
    apply_records(&replica, Entity::CallScripts, scripts, &mut seq);
    drop(replica);
    let app = app_over(Box::new(fx.source()), support::options(), 120, 36);
    (app, fx)
}

fn open_ticket(app: &mut crm::tui::App, number: &str) {
    press(app, ":");
    type_text(app, &format!("open {number}"));
    press(app, "<Enter>");
    assert_eq!(app.pane_mode(), Mode::Ticket);
}

#[test]
fn o_fills_the_visit_s_report_and_the_customer_s_confirmation() {
    let (mut app, fx) = field();
    open_ticket(&mut app, "T-000103");
    let shown = screen(&app);
    assert!(shown.contains("On-site visits (1)"), "{shown}");
    assert!(shown.contains("Not yet confirmed"), "{shown}");
    press(&mut app, "O");
    let Some(Dialog::Form(form)) = app.dialogs.last() else {
        panic!("no report form: {}", screen(&app));
    };
    assert_eq!(
        form.purpose,
        Purpose::Edit(Entity::FieldVisits, VISIT.to_string())
    );
    let names: Vec<&str> = form.fields.iter().map(|f| f.name.as_str()).collect();
    assert_eq!(
        names,
        [
            "status",
            "work_done",
            "minutes_on_site",
            "confirmed_by",
            "confirmed_at"
        ]
    );
    // Status from its list, then the report, then who confirmed and when (in the user's zone).
    // A pick moves on to the next field.
    type_text(&mut app, "done");
    press(&mut app, "<Enter>");
    type_text(&mut app, "Replaced the seal");
    press(&mut app, "<Tab>");
    type_text(&mut app, "75");
    press(&mut app, "<Tab>");
    type_text(&mut app, "王经理");
    press(&mut app, "<Tab>");
    type_text(&mut app, "2026-11-25 11:30");
    press(&mut app, "<C-s>");
    assert!(app.dialogs.is_empty(), "{}", screen(&app));
    let w = fx.last_written();
    assert_eq!(w.entity, Entity::FieldVisits);
    assert_eq!(w.record_id, VISIT);
    assert_eq!(w.fields["status"], json!("done"));
    assert_eq!(w.fields["work_done"], json!("Replaced the seal"));
    assert_eq!(w.fields["minutes_on_site"], json!(75));
    assert_eq!(w.fields["confirmed_by"], json!("王经理"));
    // Typed in the user's zone (UTC here), stored as the instant.
    assert_eq!(
        at(w.fields["confirmed_at"].as_str().unwrap()),
        at("2026-11-25T11:30:00Z")
    );
    // The view shows the report from the replica.
    let shown = screen(&app);
    assert!(shown.contains("Confirmed by 王经理"), "{shown}");
    assert!(shown.contains("On site 1h 15m"), "{shown}");
}

#[test]
fn v_books_a_visit_for_the_ticket_and_o_without_one_says_so() {
    let (mut app, _fx) = field();
    open_ticket(&mut app, "T-000101");
    press(&mut app, "O");
    assert!(app.dialogs.is_empty());
    assert!(
        screen(&app).contains("V books an engineer"),
        "{}",
        screen(&app)
    );
    press(&mut app, "V");
    let Some(Dialog::Form(form)) = app.dialogs.last() else {
        panic!("no booking form: {}", screen(&app));
    };
    assert_eq!(form.purpose, Purpose::Create(Entity::FieldVisits));
    let names: Vec<&str> = form.fields.iter().map(|f| f.name.as_str()).collect();
    assert_eq!(names, ["engineer_id", "starts_at", "ends_at"]);
    assert_eq!(
        form.hidden.get("ticket_id"),
        Some(&json!(fixture_id(Entity::Tickets, "number", "T-000101")))
    );
}

#[test]
fn s_shows_the_script_beside_the_customer_and_digits_follow_its_branches() {
    let (mut app, _fx) = field();
    // 华为 has T-000101 open in the technical category.
    press(&mut app, "/");
    type_text(&mut app, "华为");
    press(&mut app, "<Enter>");
    assert!(app.customer_view().is_some());
    press(&mut app, "S");
    let Some(Dialog::Script(panel)) = app.dialogs.last() else {
        panic!("no script: {}", screen(&app));
    };
    assert_eq!(panel.name, "Technical fault");
    let shown = screen(&app);
    assert!(shown.contains("华为技术有限公司，您好，我是"), "{shown}");
    assert!(shown.contains("1  Still down"), "{shown}");
    // The customer stays in view beside it.
    assert!(shown.contains("T-000101"), "{shown}");
    press(&mut app, "1");
    let shown = screen(&app);
    assert!(
        shown.contains("Ask for the alarm code on T-000101."),
        "{shown}"
    );
    press(&mut app, "7");
    assert!(
        screen(&app).contains("7 is no branch here"),
        "{}",
        screen(&app)
    );
    press(&mut app, "<Backspace> 2");
    assert!(
        screen(&app).contains("Thank them and close."),
        "{}",
        screen(&app)
    );
    press(&mut app, "<Esc>");
    assert!(app.dialogs.is_empty());
    assert!(app.customer_view().is_some());
}
