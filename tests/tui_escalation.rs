//! Service-level alerts on screen, over the fixtures' replica: tickets the server's escalation
//! sweep marked due soon or breached (`sla_alert`) are counted in the status bar and listed
//! first in the reminders: the assignee's own, and for a manager every breached one; Enter opens
//! the ticket.

mod support;

use chrono::{DateTime, Utc};
use crm::tui::TuiOptions;
use crm::tui::data::{DataSource, Record};
use crm_server::schema::Entity;
use serde_json::{Value, json};
use support::{Fixture, app_over, apply_records, fixture_id, press, screen, server_record};

const WANG: &str = "00000002-0000-7000-8000-000000000002";
const LI: &str = "00000002-0000-7000-8000-000000000003";
const DEMO: &str = "00000002-0000-7000-8000-000000000001";

fn at(s: &str) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&Utc)
}

/// An open ticket as the server sends it after a sweep.
fn ticket(n: usize, assignee: &str, alert: &str, due: &str) -> Record {
    let customer = fixture_id(Entity::Customers, "name", "华为技术有限公司");
    let mut r = server_record(
        Entity::Tickets,
        &format!("0000000e-0000-7000-8000-00000000000{n}"),
        json!({"subject": format!("告警 {n}"), "customer_id": customer,
               "assignee_id": assignee, "priority": "urgent", "status": "new"}),
        at("2026-11-25T07:00:00Z"),
    );
    if let Value::Object(fields) = json!({"number": format!("T-90000{n}"), "sla_alert": alert,
        "first_response_due": due, "resolution_due": "2026-11-26T07:00:00.000Z"})
    {
        r.extend(fields);
    }
    r
}

/// li's ticket due soon and one breached; a breached one of the admin's; one of li's fine.
fn with_alerts(username: &str) -> (crm::tui::App, Fixture) {
    let fx = Fixture::load();
    let mut seq = 2_000_000;
    apply_records(
        &fx.replica(),
        Entity::Tickets,
        vec![
            ticket(1, LI, "due_soon", "2026-11-25T09:20:00.000Z"),
            ticket(2, LI, "breached", "2026-11-25T08:00:00.000Z"),
            ticket(3, DEMO, "breached", "2026-11-25T08:30:00.000Z"),
            ticket(4, LI, "none", "2026-11-25T15:00:00.000Z"),
        ],
        &mut seq,
    );
    let options = TuiOptions {
        username: username.into(),
        ..support::options()
    };
    let app = app_over(Box::new(fx.source()), options, 120, 30);
    (app, fx)
}

/// `R`, with the reminders read as the TUI's reader thread would.
fn open_reminders(app: &mut crm::tui::App, fx: &Fixture) {
    let source = fx.source();
    for e in press(app, "R") {
        if let crm::tui::Effect::Reminders { request, query } = e {
            let reminders = Box::new(source.reminders(&query).unwrap());
            app.update(crm::tui::Action::Reminded { request, reminders });
        }
    }
}

#[test]
fn the_assignee_sees_their_tickets_at_risk_breached_first() {
    let (mut app, fx) = with_alerts("li");
    assert_eq!(app.at_risk, 2, "li's two, not the admin's");
    assert!(
        screen(&app).contains("2 tickets at risk"),
        "{}",
        screen(&app)
    );
    open_reminders(&mut app, &fx);
    let shown = screen(&app);
    assert!(shown.contains("2 tickets at risk"), "{shown}");
    let breached = shown.find("T-900002").expect("the breached one");
    let soon = shown.find("T-900001").expect("the one due soon");
    assert!(breached < soon, "breached first: {shown}");
    assert!(
        shown.contains("breached") && shown.contains("due soon"),
        "{shown}"
    );
    assert!(
        !shown.contains("T-900003") && !shown.contains("T-900004"),
        "{shown}"
    );
    // Enter opens the ticket under the cursor.
    press(&mut app, "<Enter>");
    let shown = screen(&app);
    assert!(shown.contains("告警 2"), "{shown}");
}

#[test]
fn a_manager_is_alerted_to_every_breach_in_view() {
    let (mut app, fx) = with_alerts("wang");
    assert_eq!(app.at_risk, 2, "both breached ones, none of them his");
    open_reminders(&mut app, &fx);
    let shown = screen(&app);
    assert!(
        shown.contains("T-900002") && shown.contains("T-900003"),
        "{shown}"
    );
    assert!(
        !shown.contains("T-900001"),
        "li's due soon is li's: {shown}"
    );
    let _ = WANG;
}

/// On a narrow terminal a message is shown whole: the counts the user can read again a moment
/// later (tickets at risk, the sync's age) give way to it while it lasts, and come back.
#[test]
fn a_message_is_shown_whole_and_the_counts_give_way_to_it() {
    let (mut app, _fx) = with_alerts("li");
    app.update(crm::tui::Action::Resize(96, 30));
    assert!(
        screen(&app).contains("2 tickets at risk"),
        "{}",
        screen(&app)
    );
    app.set_flash("Call logged: Answered; call back planned", false);
    let shown = screen(&app);
    let bar = shown.lines().nth(28).unwrap_or_default();
    assert!(
        bar.contains("Call logged: Answered; call back planned"),
        "{shown}"
    );
    assert!(
        bar.contains("online") || bar.contains("local") || bar.contains("offline"),
        "{bar}"
    );
    assert!(!bar.contains("tickets at risk"), "{bar}");
    app.flash = None;
    assert!(
        screen(&app).contains("2 tickets at risk"),
        "{}",
        screen(&app)
    );
}
