//! Field service and scheduled surveys over HTTP, on SQLite and (with CRM_TEST_PG) PostgreSQL:
//! a visit puts an appointment in the engineer's calendar and moves it with the visit, a field
//! ticket closes only with its report and the customer's confirmation (422 naming what is
//! missing), parts from a warehouse leave its stock and come back when deleted, who may touch
//! visits and schedules, a schedule makes one return visit per customer per period, and a call
//! script may belong to a campaign.

mod common;

use chrono::{DateTime, Utc};
use common::{TestServer, id_of};
use crm_server::service::schedules::sweep;
use serde_json::{Value, json};

fn at(s: &str) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&Utc)
}

#[test]
fn a_field_ticket_closes_with_its_report_and_the_customer_s_confirmation() {
    let server = TestServer::start();
    let north = server.add_team("north");
    let sales = server.user("sam", "sales", Some(&north));
    let agent = server.user("ann", "agent", None);
    let engineer = server.user("eli", "agent", None);
    let customer = sales.create("/customers", json!({"name": "东华科技"}));
    let ticket = agent.create("/tickets", json!({"subject": "Pump leaks", "customer_id": id_of(&customer), "resolution": "to be visited"}));
    let tid = id_of(&ticket);

    let visit = agent.create(
        "/field_visits",
        json!({"ticket_id": tid, "engineer_id": engineer.id(), "starts_at": "2026-12-08T01:00:00Z"}),
    );
    assert_eq!(visit["status"], json!("scheduled"), "{visit}");
    assert_eq!(visit["customer_id"], json!(id_of(&customer)), "{visit}");
    // The appointment is in the engineer's calendar: an activity of theirs, an hour long.
    let activity_id = visit["activity_id"]
        .as_str()
        .expect("an appointment")
        .to_string();
    let (status, activity) = engineer.get(&format!("/activities/{activity_id}"));
    assert_eq!(status, 200, "{activity}");
    assert_eq!(activity["owner_id"], json!(engineer.id()), "{activity}");
    assert_eq!(activity["kind"], json!("visit"));
    assert_eq!(
        at(activity["starts_at"].as_str().unwrap()),
        at("2026-12-08T01:00:00Z")
    );
    assert_eq!(
        at(activity["ends_at"].as_str().unwrap()),
        at("2026-12-08T02:00:00Z")
    );
    assert_eq!(activity["ticket_id"], json!(tid));
    // Moved: the calendar item moves with it.
    let (status, body) = agent.patch(
        &format!("/field_visits/{}", id_of(&visit)),
        json!({"starts_at": "2026-12-09T06:00:00Z", "ends_at": "2026-12-09T08:00:00Z"}),
    );
    assert_eq!(status, 200, "{body}");
    let (_, activity) = engineer.get(&format!("/activities/{activity_id}"));
    assert_eq!(
        at(activity["starts_at"].as_str().unwrap()),
        at("2026-12-09T06:00:00Z")
    );
    let (status, body) = agent.patch(
        &format!("/field_visits/{}", id_of(&visit)),
        json!({"ends_at": "2026-12-09T05:00:00Z"}),
    );
    assert_eq!(status, 422, "{body}");
    assert!(body["error"]["fields"]["ends_at"].is_string(), "{body}");

    // Closing now names everything the visit lacks.
    let (status, body) = agent.patch(&format!("/tickets/{tid}"), json!({"status": "closed"}));
    assert_eq!(status, 422, "{body}");
    let why = body["error"]["fields"]["status"]
        .as_str()
        .unwrap_or_default()
        .to_string();
    for needed in [
        "marking it done",
        "the work done",
        "the time on site",
        "confirmation",
    ] {
        assert!(why.contains(needed), "{needed} not named: {why}");
    }
    // Done needs the report.
    let (status, body) = engineer.patch(
        &format!("/field_visits/{}", id_of(&visit)),
        json!({"status": "done"}),
    );
    assert_eq!(status, 422, "{body}");
    assert!(body["error"]["fields"]["work_done"].is_string(), "{body}");
    // The engineer writes the report; a confirmation needs who and when.
    let (status, body) = engineer.patch(
        &format!("/field_visits/{}", id_of(&visit)),
        json!({"status": "done", "work_done": "Replaced the seal", "minutes_on_site": 75, "confirmed_by": "王经理"}),
    );
    assert_eq!(status, 422, "{body}");
    assert!(
        body["error"]["fields"]["confirmed_at"].is_string(),
        "{body}"
    );
    let (status, body) = engineer.patch(
        &format!("/field_visits/{}", id_of(&visit)),
        json!({"status": "done", "work_done": "Replaced the seal", "minutes_on_site": 75}),
    );
    assert_eq!(status, 200, "{body}");
    let (_, activity) = engineer.get(&format!("/activities/{activity_id}"));
    assert_eq!(activity["done"], json!(true), "{activity}");
    let (status, body) = agent.patch(&format!("/tickets/{tid}"), json!({"status": "closed"}));
    assert_eq!(status, 422, "{body}");
    let why = body["error"]["fields"]["status"]
        .as_str()
        .unwrap_or_default();
    assert!(
        why.contains("confirmation") && !why.contains("work done"),
        "{why}"
    );
    // 完成确认: who confirmed and when; then the ticket closes.
    let (status, body) = agent.patch(
        &format!("/field_visits/{}", id_of(&visit)),
        json!({"confirmed_by": "王经理", "confirmed_at": "2026-12-09T07:50:00Z"}),
    );
    assert_eq!(status, 200, "{body}");
    let (status, body) = agent.patch(&format!("/tickets/{tid}"), json!({"status": "closed"}));
    assert_eq!(status, 200, "{body}");

    // A ticket with no visit, or with its only visit called off, closes as before.
    let plain = agent.create(
        "/tickets",
        json!({"subject": "Invoice copy", "customer_id": id_of(&customer), "resolution": "sent"}),
    );
    let off = agent.create(
        "/field_visits",
        json!({"ticket_id": id_of(&plain), "engineer_id": engineer.id(), "starts_at": "2026-12-10T01:00:00Z"}),
    );
    let (status, body) = agent.patch(
        &format!("/field_visits/{}", id_of(&off)),
        json!({"status": "cancelled"}),
    );
    assert_eq!(status, 200, "{body}");
    let (_, activity) = engineer.get(&format!(
        "/activities/{}",
        off["activity_id"].as_str().unwrap()
    ));
    assert!(
        activity["subject"]
            .as_str()
            .unwrap()
            .starts_with("Cancelled"),
        "{activity}"
    );
    let (status, body) = agent.patch(
        &format!("/tickets/{}", id_of(&plain)),
        json!({"status": "closed"}),
    );
    assert_eq!(status, 200, "{body}");
}

#[test]
fn parts_leave_the_warehouse_and_come_back_when_deleted() {
    let server = TestServer::start();
    let team = server.add_team("north");
    let manager = server.user("mia", "manager", Some(&team));
    let agent = server.user("ann", "agent", None);
    let customer = manager.create("/customers", json!({"name": "东华科技"}));
    let ticket = agent.create(
        "/tickets",
        json!({"subject": "Pump leaks", "customer_id": id_of(&customer)}),
    );
    let visit = agent.create(
        "/field_visits",
        json!({"ticket_id": id_of(&ticket), "engineer_id": agent.id(), "starts_at": "2026-12-08T01:00:00Z"}),
    );
    let product = manager.create("/products", json!({"code": "SEAL-1", "name": "Seal"}));
    let van = manager.create("/warehouses", json!({"code": "VAN", "name": "Service van"}));
    manager.create(
        "/stock_movements",
        json!({"product_id": id_of(&product), "warehouse_id": id_of(&van), "kind": "in", "quantity": 5, "reason": "stocked"}),
    );
    let on_hand = || {
        let (_, levels) = manager.get(&format!("/stock_levels?product_id={}", id_of(&product)));
        levels["items"][0]["on_hand"].as_i64().unwrap()
    };
    assert_eq!(on_hand(), 5);

    let part = agent.create(
        "/visit_parts",
        json!({"visit_id": id_of(&visit), "product_id": id_of(&product), "quantity": 2, "warehouse_id": id_of(&van)}),
    );
    assert_eq!(on_hand(), 3);
    // Never more than is there; nothing is taken when refused.
    let (status, body) = agent.post(
        "/visit_parts",
        json!({"visit_id": id_of(&visit), "product_id": id_of(&product), "quantity": 4, "warehouse_id": id_of(&van)}),
    );
    assert_eq!(status, 409, "{body}");
    assert_eq!(on_hand(), 3);
    // Without a warehouse a part is only recorded.
    agent.create(
        "/visit_parts",
        json!({"visit_id": id_of(&visit), "product_id": id_of(&product), "quantity": 9}),
    );
    assert_eq!(on_hand(), 3);
    // A part taken from stock is not edited in place; deleted, its stock comes back.
    let (status, body) = agent.patch(
        &format!("/visit_parts/{}", id_of(&part)),
        json!({"quantity": 1}),
    );
    assert_eq!(status, 409, "{body}");
    let (status, body) = agent.delete(&format!("/visit_parts/{}", id_of(&part)));
    assert!(status == 200 || status == 204, "{status} {body}");
    assert_eq!(on_hand(), 5);
}

#[test]
fn visits_are_seen_by_the_ticket_s_people_and_the_engineer_only() {
    let server = TestServer::start();
    let north = server.add_team("north");
    let south = server.add_team("south");
    let owner = server.user("sam", "sales", Some(&north));
    let stranger = server.user("sue", "sales", Some(&south));
    let engineer = server.user("eli", "sales", Some(&south));
    let agent = server.user("ann", "agent", None);
    let customer = owner.create("/customers", json!({"name": "东华科技"}));
    let ticket = agent.create(
        "/tickets",
        json!({"subject": "Pump leaks", "customer_id": id_of(&customer)}),
    );
    // Someone who cannot see the ticket books no visit on it.
    let (status, body) = stranger.post(
        "/field_visits",
        json!({"ticket_id": id_of(&ticket), "engineer_id": stranger.id(), "starts_at": "2026-12-08T01:00:00Z"}),
    );
    assert!(status == 403 || status == 422, "{status} {body}");
    let visit = agent.create(
        "/field_visits",
        json!({"ticket_id": id_of(&ticket), "engineer_id": engineer.id(), "starts_at": "2026-12-08T01:00:00Z"}),
    );
    // The engineer, of another team, reads and reports it; their teammate does not see it.
    let (status, body) = engineer.get(&format!("/field_visits/{}", id_of(&visit)));
    assert_eq!(status, 200, "{body}");
    let (status, body) = engineer.patch(
        &format!("/field_visits/{}", id_of(&visit)),
        json!({"work_done": "Checked the pump"}),
    );
    assert_eq!(status, 200, "{body}");
    let (status, _) = stranger.get(&format!("/field_visits/{}", id_of(&visit)));
    assert_eq!(status, 404);
    let (status, body) = stranger.patch(
        &format!("/field_visits/{}", id_of(&visit)),
        json!({"work_done": "x"}),
    );
    assert!(status == 403 || status == 404, "{status} {body}");
    // An inactive or unknown engineer is refused.
    let (status, body) = agent.post(
        "/field_visits",
        json!({"ticket_id": id_of(&ticket), "engineer_id": "00000000-0000-7000-8000-000000000000", "starts_at": "2026-12-08T01:00:00Z"}),
    );
    assert_eq!(status, 422, "{body}");
}

/// A survey of one satisfaction question, made by this manager.
fn survey(manager: &common::Client) -> Value {
    let survey = manager.create(
        "/surveys",
        json!({"title_en": "Quarterly care", "title_zh": "季度回访"}),
    );
    manager.create(
        "/survey_questions",
        json!({"survey_id": id_of(&survey), "position": 1, "kind": "scale",
               "text_en": "How satisfied are you?", "text_zh": "您满意吗？",
               "required": true, "satisfaction": true}),
    );
    survey
}

#[test]
fn a_schedule_makes_one_return_visit_per_customer_per_period() {
    let server = TestServer::start();
    let team = server.add_team("north");
    let manager = server.user("mia", "manager", Some(&team));
    let agent = server.user("ann", "agent", None);
    let a1 = manager.create("/customers", json!({"name": "东华科技", "level": "A"}));
    let a2 = manager.create("/customers", json!({"name": "西湖贸易", "level": "A"}));
    let b = manager.create("/customers", json!({"name": "南山机械", "level": "B"}));
    let survey = survey(&manager);

    // Agents do not make schedules; a schedule names its customers one way, in a query that reads.
    let body = json!({"name": "A quarterly", "survey_id": id_of(&survey), "query": "level:A", "period": "quarter", "assignee_id": agent.id()});
    let (status, answer) = agent.post("/survey_schedules", body.clone());
    assert_eq!(status, 403, "{answer}");
    let (status, answer) = manager.post(
        "/survey_schedules",
        json!({"name": "Nobody", "survey_id": id_of(&survey)}),
    );
    assert_eq!(status, 422, "{answer}");
    assert!(answer["error"]["fields"]["query"].is_string(), "{answer}");
    let (status, answer) = manager.post(
        "/survey_schedules",
        json!({"name": "Bad", "survey_id": id_of(&survey), "query": "levle:A"}),
    );
    assert_eq!(status, 400, "{answer}");
    let schedule = manager.create("/survey_schedules", body);

    let run = |now: &str| {
        crm_server::store::write(server.db().as_ref(), |tx| sweep(tx, at(now))).expect("sweep")
    };
    let made = run("2026-12-04T02:00:00Z");
    assert_eq!(made.len(), 2, "{made:?}");
    assert!(made.iter().all(|p| p.period == "2026-Q4"));
    // The same period again, and again later in it: nothing more.
    assert!(run("2026-12-04T02:01:00Z").is_empty());
    assert!(run("2026-12-30T23:00:00Z").is_empty());
    let visits = agent.list_all(
        "/return_visits",
        &format!("schedule_id={}", id_of(&schedule)),
        50,
    );
    assert_eq!(visits.len(), 2, "{visits:?}");
    let mut customers: Vec<String> = visits
        .iter()
        .map(|v| v["customer_id"].as_str().unwrap().to_string())
        .collect();
    customers.sort();
    let mut want = vec![id_of(&a1), id_of(&a2)];
    want.sort();
    assert_eq!(customers, want);
    assert!(!customers.contains(&id_of(&b)));
    for v in &visits {
        assert_eq!(v["assignee_id"], json!(agent.id()), "{v}");
        assert_eq!(v["survey_id"], json!(id_of(&survey)), "{v}");
        assert_eq!(v["period"], json!("2026-Q4"), "{v}");
        assert_eq!(v["status"], json!("open"), "{v}");
        // Due 14 days into the quarter, but never before the day it was made.
        assert_eq!(v["due_on"], json!("2026-12-04"), "{v}");
    }
    // A customer reaching level A is asked in the same period; the next quarter asks everyone again.
    let (status, body) = manager.patch(&format!("/customers/{}", id_of(&b)), json!({"level": "A"}));
    assert_eq!(status, 200, "{body}");
    assert_eq!(run("2026-12-05T00:00:00Z").len(), 1);
    let next = run("2027-01-02T00:00:00Z");
    assert_eq!(next.len(), 3, "{next:?}");
    assert!(next.iter().all(|p| p.period == "2027-Q1"));
    let visits = agent.list_all("/return_visits", "period=2027-Q1", 50);
    assert!(
        visits.iter().all(|v| v["due_on"] == json!("2027-01-14")),
        "{visits:?}"
    );
    // Switched off: nothing.
    let (status, body) = manager.patch(
        &format!("/survey_schedules/{}", id_of(&schedule)),
        json!({"active": false}),
    );
    assert_eq!(status, 200, "{body}");
    assert!(run("2027-04-02T00:00:00Z").is_empty());
}

#[test]
fn a_schedule_over_a_static_list_asks_its_members() {
    let server = TestServer::start();
    let team = server.add_team("north");
    let manager = server.user("mia", "manager", Some(&team));
    let a = manager.create("/customers", json!({"name": "东华科技"}));
    manager.create("/customers", json!({"name": "西湖贸易"}));
    let list = manager.create(
        "/static_lists",
        json!({"name": "Key accounts", "entity": "customers"}),
    );
    manager.create(
        "/list_members",
        json!({"list_id": id_of(&list), "record_id": id_of(&a)}),
    );
    let contacts = manager.create(
        "/static_lists",
        json!({"name": "People", "entity": "contacts"}),
    );
    let survey = survey(&manager);
    let (status, body) = manager.post(
        "/survey_schedules",
        json!({"name": "Wrong", "survey_id": id_of(&survey), "list_id": id_of(&contacts)}),
    );
    assert_eq!(status, 422, "{body}");
    manager.create(
        "/survey_schedules",
        json!({"name": "Key yearly", "survey_id": id_of(&survey), "list_id": id_of(&list), "period": "year"}),
    );
    let made = crm_server::store::write(server.db().as_ref(), |tx| {
        sweep(tx, at("2026-06-01T00:00:00Z"))
    })
    .expect("sweep");
    assert_eq!(made.len(), 1, "{made:?}");
    assert_eq!(made[0].customer_id, id_of(&a));
    assert_eq!(made[0].period, "2026");
}

#[test]
fn a_call_script_may_belong_to_a_campaign() {
    let server = TestServer::start();
    let team = server.add_team("north");
    let manager = server.user("mia", "manager", Some(&team));
    let campaign = manager.create(
        "/campaigns",
        json!({"name": "Spring calls", "campaign_type": "call", "starts_on": "2026-12-01"}),
    );
    let script = manager.create(
        "/call_scripts",
        json!({"name": "Spring", "campaign_id": id_of(&campaign), "body": "# start\nHello {customer}.\n1 Interested -> yes\n# yes\nBook a visit."}),
    );
    assert_eq!(script["campaign_id"], json!(id_of(&campaign)));
    let (status, body) = manager.post(
        "/call_scripts",
        json!({"name": "Broken", "campaign_id": id_of(&campaign), "body": "# start\n1 Go -> nowhere"}),
    );
    assert_eq!(status, 422, "{body}");
}
