//! The service desk over HTTP, on SQLite and (with CRM_TEST_PG) PostgreSQL: wrap-up codes the
//! admin defines and calls are checked against, service levels counted in a calendar's open
//! hours with its holidays, call scripts and canned replies, and who may write each.

mod common;

use chrono::{DateTime, Utc};
use common::{TestServer, id_of};
use crm_server::rules::business_time::{Calendar, DayKind};
use serde_json::{Value, json};

fn at(v: &Value) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(v.as_str().unwrap_or_else(|| panic!("not a time: {v}")))
        .unwrap()
        .with_timezone(&Utc)
}

#[test]
fn calls_end_with_a_code_the_admin_defined() {
    let server = TestServer::start();
    let team = server.add_team("desk");
    let admin = server.user("root", "admin", None);
    let manager = server.user("mia", "manager", Some(&team));
    let agent = server.user("ann", "agent", Some(&team));

    let code =
        json!({"code": "answered", "label_en": "Answered", "label_zh": "已接通", "digit": 1});
    for who in [&manager, &agent] {
        let (status, body) = who.post("/wrap_up_codes", code.clone());
        assert_eq!(status, 403, "{body}");
    }
    let answered = admin.create("/wrap_up_codes", code.clone());
    // The code is what calls store: one of each, a word.
    let (status, body) = admin.post(
        "/wrap_up_codes",
        json!({"code": "answered", "label_en": "Again", "label_zh": "再", "digit": 2}),
    );
    assert_eq!(status, 409, "{body}");
    let (status, body) = admin.post(
        "/wrap_up_codes",
        json!({"code": "Not a Code", "label_en": "x", "label_zh": "x", "digit": 2}),
    );
    assert_eq!(status, 422, "{body}");
    assert!(body["error"]["fields"]["code"].is_string(), "{body}");
    // A digit picks one active code.
    let (status, body) = admin.post(
        "/wrap_up_codes",
        json!({"code": "busy", "label_en": "Busy", "label_zh": "占线", "digit": 1}),
    );
    assert_eq!(status, 409, "{body}");
    // A required follow-up must be something.
    let (status, body) = admin.post("/wrap_up_codes", json!({"code": "busy", "label_en": "Busy", "label_zh": "占线", "digit": 3, "follow_up_required": true}));
    assert_eq!(status, 422, "{body}");
    let busy = admin.create("/wrap_up_codes", json!({"code": "busy", "label_en": "Busy", "label_zh": "占线", "digit": 3, "follow_up": "callback"}));

    let customer = agent.create("/customers", json!({"name": "东华科技"}));
    let call = |outcome: &str| {
        json!({"kind": "call", "subject": "Inbound call", "customer_id": id_of(&customer),
               "outcome": outcome, "duration_seconds": 95, "wrap_up_seconds": 40, "done": true})
    };
    let (status, body) = agent.post("/activities", call("left_a_message"));
    assert_eq!(status, 422, "{body}");
    assert!(
        body["error"]["fields"]["outcome"]
            .as_str()
            .unwrap()
            .contains("not a wrap-up code"),
        "{body}"
    );
    let logged = agent.create("/activities", call("busy"));
    assert_eq!(logged["wrap_up_seconds"], 40);
    // After-call work is a call's only.
    let (status, body) = agent.post(
        "/activities",
        json!({"kind": "task", "subject": "x", "wrap_up_seconds": 3}),
    );
    assert_eq!(status, 422, "{body}");

    // A retired code: new calls may not use it, calls that hold it keep it.
    let (status, body) = admin.patch(
        &format!("/wrap_up_codes/{}", id_of(&busy)),
        json!({"active": false}),
    );
    assert_eq!(status, 200, "{body}");
    let (status, body) = agent.post("/activities", call("busy"));
    assert_eq!(status, 422, "{body}");
    let (status, body) = agent.patch(
        &format!("/activities/{}", id_of(&logged)),
        json!({"notes": "called back later"}),
    );
    assert_eq!(status, 200, "{body}");
    // Its code is never renamed under the calls that store it.
    let (status, body) = admin.patch(
        &format!("/wrap_up_codes/{}", id_of(&answered)),
        json!({"code": "picked_up"}),
    );
    assert_eq!(status, 422, "{body}");

    // Every role reads the codes through the feed, as the replica does.
    let (changes, _) = agent.feed(0, 100);
    assert!(
        changes
            .iter()
            .any(|c| c["entity"] == "wrap_up_codes" && c["record"]["code"] == "answered")
    );
}

#[test]
fn due_times_count_the_calendar_s_open_hours_and_skip_its_holidays() {
    let server = TestServer::start();
    let team = server.add_team("desk");
    let admin = server.user("root", "admin", None);
    let agent = server.user("ann", "agent", Some(&team));

    // Open one hour a week (Sunday 01:00–02:00 in Shanghai): a wall-clock due time and a
    // business one are days apart, whatever day the test runs.
    let week = ["", "", "", "", "", "", "01:00-02:00"];
    let (status, body) = admin.post(
        "/sla_calendars",
        json!({"name": "x", "time_zone": "Asia/Shanghai", "sunday": "02:00-01:00"}),
    );
    assert_eq!(status, 422, "{body}");
    assert!(body["error"]["fields"]["sunday"].is_string(), "{body}");
    let (status, body) = admin.post(
        "/sla_calendars",
        json!({"name": "x", "time_zone": "Moon/Base", "sunday": "01:00-02:00"}),
    );
    assert_eq!(status, 422, "{body}");
    assert!(body["error"]["fields"]["time_zone"].is_string(), "{body}");
    let calendar = admin.create(
        "/sla_calendars",
        json!({"name": "Sunday desk", "time_zone": "Asia/Shanghai", "sunday": week[6]}),
    );
    let level = json!({"priority": "high", "first_response_minutes": 30, "resolution_minutes": 90, "calendar_id": id_of(&calendar)});
    let (status, body) = agent.post("/service_levels", level.clone());
    assert_eq!(status, 403, "{body}");
    admin.create("/service_levels", level.clone());
    let (status, body) = admin.post("/service_levels", level);
    assert_eq!(status, 409, "{body}");
    // Level A customers are answered faster, in the same hours.
    admin.create("/service_levels", json!({"priority": "high", "level": "A", "first_response_minutes": 10, "resolution_minutes": 20, "calendar_id": id_of(&calendar)}));

    let plain = agent.create("/customers", json!({"name": "Plain Ltd"}));
    let ticket = agent.create(
        "/tickets",
        json!({"subject": "Broken", "customer_id": id_of(&plain), "priority": "high"}),
    );
    let opened = at(&ticket["created_at"]);
    let cal = Calendar::new("Asia/Shanghai", week).unwrap();
    assert_eq!(
        at(&ticket["first_response_due"]),
        cal.add(opened, 30).unwrap()
    );
    assert_eq!(at(&ticket["resolution_due"]), cal.add(opened, 90).unwrap());

    // The next open Sunday becomes a holiday: everything moves a week.
    let sunday = cal
        .add(opened, 0)
        .unwrap()
        .with_timezone(&chrono_tz::Asia::Shanghai)
        .date_naive();
    admin.create(
        "/holidays",
        json!({"date": sunday.to_string(), "name": "Closed"}),
    );
    let (status, body) = admin.post(
        "/holidays",
        json!({"date": sunday.to_string(), "name": "Twice"}),
    );
    assert_eq!(status, 409, "{body}");
    let later = agent.create(
        "/tickets",
        json!({"subject": "Broken again", "customer_id": id_of(&plain), "priority": "high"}),
    );
    let cal = cal.with_day(sunday, DayKind::Holiday);
    assert_eq!(
        at(&later["first_response_due"]),
        cal.add(at(&later["created_at"]), 30).unwrap()
    );
    assert!(
        at(&later["first_response_due"]) - at(&ticket["first_response_due"])
            >= chrono::Duration::days(6)
    );

    let vip = admin.create("/customers", json!({"name": "VIP Ltd", "level": "A"}));
    let fast = admin.create(
        "/tickets",
        json!({"subject": "Down", "customer_id": id_of(&vip), "priority": "high"}),
    );
    assert_eq!(
        at(&fast["resolution_due"]),
        cal.add(at(&fast["created_at"]), 20).unwrap()
    );

    // A priority without a service level keeps the built-in minutes around the clock.
    let low = agent.create(
        "/tickets",
        json!({"subject": "Question", "customer_id": id_of(&plain), "priority": "low"}),
    );
    let minutes = (at(&low["first_response_due"]) - at(&low["created_at"])).num_minutes();
    assert_eq!(minutes, 480);
}

#[test]
fn managers_write_scripts_and_replies_which_must_read() {
    let server = TestServer::start();
    let team = server.add_team("desk");
    let manager = server.user("mia", "manager", Some(&team));
    let agent = server.user("ann", "agent", Some(&team));

    let script = json!({"name": "Fault", "category": "fault", "body": "# start\nHello, {agent}.\n1 Broken -> fix\n# fix\nOpen a ticket."});
    let (status, body) = agent.post("/call_scripts", script.clone());
    assert_eq!(status, 403, "{body}");
    manager.create("/call_scripts", script);
    let (status, body) = manager.post(
        "/call_scripts",
        json!({"name": "Bad", "body": "# start\n1 Go -> nowhere"}),
    );
    assert_eq!(status, 422, "{body}");
    assert!(
        body["error"]["fields"]["body"]
            .as_str()
            .unwrap()
            .contains("nowhere"),
        "{body}"
    );

    let (status, body) = manager.post(
        "/canned_replies",
        json!({"title": "Hi", "body": "Dear {client}"}),
    );
    assert_eq!(status, 422, "{body}");
    manager.create(
        "/canned_replies",
        json!({"title": "Hi", "body": "Dear {customer}, about {ticket}. {agent}"}),
    );
    let (status, body) = agent.post("/canned_replies", json!({"title": "Mine", "body": "x"}));
    assert_eq!(status, 403, "{body}");
    let (status, body) = agent.get("/canned_replies");
    assert_eq!(status, 200, "{body}");
}
