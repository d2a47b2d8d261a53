//! Escalation over HTTP, on SQLite and (with CRM_TEST_PG) PostgreSQL: the sweep raises a
//! ticket's service-level alert as its clock nears and passes its due time, a reassigning level
//! gives a breached ticket to the team's manager (or the user it names), an answer starts the
//! alert afresh, and the server sweeps on its own schedule.

mod common;

use std::time::{Duration, Instant};

use chrono::{DateTime, Utc};
use common::{TestServer, id_of};
use crm_server::api::Settings;
use crm_server::rules::sla::Alert;
use crm_server::service::escalation::{Escalated, due, raise_due, sweep};
use serde_json::{Value, json};

fn at(v: &Value) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(v.as_str().unwrap_or_else(|| panic!("not a time: {v}")))
        .unwrap()
        .with_timezone(&Utc)
}

/// One sweep as the server would run it at `now`.
fn sweep_at(server: &TestServer, now: DateTime<Utc>) -> Vec<Escalated> {
    crm_server::store::write(server.db().as_ref(), |tx| sweep(tx, now)).expect("sweep")
}

#[test]
fn a_ticket_is_warned_then_escalated_to_the_team_s_manager() {
    // The scheduled sweep is the test's to run, at chosen times.
    let server = TestServer::start_with(Settings {
        escalate_every: Duration::from_secs(3600),
        ..Settings::default()
    });
    let north = server.add_team("north");
    let admin = server.user("root", "admin", None);
    let boss = server.user("mia", "manager", Some(&north));
    let sales = server.user("sam", "sales", Some(&north));
    let agent = server.user("ann", "agent", None);
    admin.create("/service_levels", json!({"priority": "urgent", "first_response_minutes": 60, "resolution_minutes": 240, "warn_minutes": 30, "on_breach": "reassign"}));
    admin.create(
        "/service_levels",
        json!({"priority": "high", "first_response_minutes": 60, "resolution_minutes": 240}),
    );

    let customer = sales.create("/customers", json!({"name": "东华科技"}));
    let urgent = agent.create("/tickets", json!({"subject": "Line down", "customer_id": id_of(&customer), "priority": "urgent", "assignee_id": agent.id()}));
    let high = agent.create("/tickets", json!({"subject": "Slow", "customer_id": id_of(&customer), "priority": "high", "assignee_id": agent.id()}));
    assert_eq!(urgent["sla_alert"], json!("none"), "{urgent}");
    let opened = at(&urgent["created_at"]);
    let minutes = |m: i64| opened + chrono::Duration::minutes(m);
    let get = |t: &Value| agent.get(&format!("/tickets/{}", id_of(t))).1;

    // 50 minutes left of 60: nothing to say yet.
    assert!(sweep_at(&server, minutes(10)).is_empty());
    // 20 left, within the 30 warning minutes: the assignee is warned, nothing moves.
    let warned = sweep_at(&server, minutes(40));
    assert_eq!(warned.len(), 2, "{warned:?}");
    assert!(
        warned
            .iter()
            .all(|e| e.alert == Alert::DueSoon && e.reassigned_to.is_none())
    );
    let t = get(&urgent);
    assert_eq!(t["sla_alert"], json!("due_soon"), "{t}");
    assert_eq!(t["assignee_id"], json!(agent.id()));
    assert!(t["version"].as_i64() > urgent["version"].as_i64(), "{t}");
    // Said once: the same moment again changes nothing.
    assert!(sweep_at(&server, minutes(41)).is_empty());

    // Breached: the reassigning level gives the ticket to the manager of the customer's team;
    // the other level only alerts.
    let breached = sweep_at(&server, minutes(61));
    assert_eq!(breached.len(), 2, "{breached:?}");
    let t = get(&urgent);
    assert_eq!(t["sla_alert"], json!("breached"), "{t}");
    assert_eq!(t["assignee_id"], json!(boss.id()), "{t}");
    assert_eq!(t["escalated_from"], json!(agent.id()), "{t}");
    assert!(t["escalated_at"].is_string(), "{t}");
    let h = get(&high);
    assert_eq!(h["sla_alert"], json!("breached"), "{h}");
    assert_eq!(h["assignee_id"], json!(agent.id()), "{h}");
    // The manager now reads it as theirs; the audit trail says the sweep did it.
    let (status, body) = boss.get(&format!("/tickets/{}", id_of(&urgent)));
    assert_eq!(status, 200, "{body}");
    let (_, trail) = admin.get(&format!("/audit/tickets/{}", id_of(&urgent)));
    assert!(trail.to_string().contains("escalate"), "{trail}");
    assert!(sweep_at(&server, minutes(62)).is_empty());

    // Answered: the resolution's clock runs now, and its alert starts afresh.
    let (status, body) = boss.patch(
        &format!("/tickets/{}", id_of(&urgent)),
        json!({"status": "open"}),
    );
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["sla_alert"], json!("none"), "{body}");
    // 240 minutes from the opening: at 215 it is due soon again.
    let again = sweep_at(&server, minutes(215));
    assert!(
        again
            .iter()
            .any(|e| e.ticket_id == id_of(&urgent) && e.alert == Alert::DueSoon),
        "{again:?}"
    );
    // A finished ticket is left alone.
    let (status, body) = boss.patch(
        &format!("/tickets/{}", id_of(&urgent)),
        json!({"status": "resolved", "resolution": "Line replaced"}),
    );
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["sla_alert"], json!("none"), "{body}");
    assert!(
        sweep_at(&server, minutes(500))
            .iter()
            .all(|e| e.ticket_id != id_of(&urgent))
    );
}

#[test]
fn a_level_may_name_who_takes_its_breaches() {
    let server = TestServer::start_with(Settings {
        escalate_every: Duration::from_secs(3600),
        ..Settings::default()
    });
    let admin = server.user("root", "admin", None);
    let agent = server.user("ann", "agent", None);
    let lead = server.user("lee", "agent", None);
    admin.create("/service_levels", json!({"priority": "urgent", "first_response_minutes": 15, "resolution_minutes": 60, "on_breach": "reassign", "escalate_to": lead.id()}));
    let customer = agent.create("/customers", json!({"name": "Plain Ltd"}));
    let ticket = agent.create(
        "/tickets",
        json!({"subject": "Down", "customer_id": id_of(&customer), "priority": "urgent"}),
    );
    let later = at(&ticket["created_at"]) + chrono::Duration::minutes(16);
    let done = sweep_at(&server, later);
    assert_eq!(done.len(), 1, "{done:?}");
    assert_eq!(done[0].reassigned_to.as_deref(), Some(lead.id().as_str()));
    let (_, t) = lead.get(&format!("/tickets/{}", id_of(&ticket)));
    assert_eq!(t["assignee_id"], json!(lead.id()), "{t}");
    // Nobody had it: the escalation says so.
    assert!(t["escalated_from"].is_null(), "{t}");
    // Only an admin says what a breach does.
    let (status, body) = agent.post(
        "/service_levels",
        json!({"priority": "low", "first_response_minutes": 15, "resolution_minutes": 60}),
    );
    assert_eq!(status, 403, "{body}");
}

#[test]
fn the_server_sweeps_on_its_own() {
    let server = TestServer::start_with(Settings {
        escalate_every: Duration::from_millis(50),
        ..Settings::default()
    });
    let admin = server.user("root", "admin", None);
    let agent = server.user("ann", "agent", None);
    // Ten minutes to answer, warned thirty before: due soon from the start.
    admin.create("/service_levels", json!({"priority": "urgent", "first_response_minutes": 10, "resolution_minutes": 60, "warn_minutes": 30}));
    let customer = agent.create("/customers", json!({"name": "Plain Ltd"}));
    let ticket = agent.create("/tickets", json!({"subject": "Down", "customer_id": id_of(&customer), "priority": "urgent", "assignee_id": agent.id()}));
    let path = format!("/tickets/{}", id_of(&ticket));
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        let (_, t) = agent.get(&path);
        if t["sla_alert"] == json!("due_soon") {
            break;
        }
        assert!(Instant::now() < deadline, "never swept: {t}");
        std::thread::sleep(Duration::from_millis(50));
    }
    // And the change reached the feed, where clients see it.
    let (changes, _) = agent.feed(0, 1000);
    assert!(
        changes.iter().any(|c| c.to_string().contains("due_soon")),
        "{changes:?}"
    );
}

#[test]
fn a_ticket_answered_between_the_scan_and_the_write_is_left_alone() {
    let server = TestServer::start_with(Settings {
        escalate_every: Duration::from_secs(3600),
        ..Settings::default()
    });
    let admin = server.user("root", "admin", None);
    let agent = server.user("ann", "agent", None);
    admin.create("/service_levels", json!({"priority": "urgent", "first_response_minutes": 60, "resolution_minutes": 240, "on_breach": "reassign", "escalate_to": admin.id()}));
    let customer = agent.create("/customers", json!({"name": "Plain Ltd"}));
    let ticket = agent.create("/tickets", json!({"subject": "Down", "customer_id": id_of(&customer), "priority": "urgent", "assignee_id": agent.id()}));
    let later = at(&ticket["created_at"]) + chrono::Duration::minutes(61);
    // The scan (a read) finds the first response breached…
    let found = crm_server::store::read(server.db().as_ref(), |tx| due(tx, later)).expect("scan");
    assert_eq!(found, vec![(id_of(&ticket), Alert::Breached)]);
    // …then the agent answers before the write runs: the resolution's clock has hours left.
    let path = format!("/tickets/{}", id_of(&ticket));
    let (status, body) = agent.patch(&path, json!({"status": "open"}));
    assert_eq!(status, 200, "{body}");
    let raised = crm_server::store::write(server.db().as_ref(), |tx| raise_due(tx, &found, later))
        .expect("raise");
    assert!(raised.is_empty(), "{raised:?}");
    let (_, t) = agent.get(&path);
    assert_eq!(t["sla_alert"], json!("none"), "{t}");
    assert_eq!(t["assignee_id"], json!(agent.id()), "{t}");
}
