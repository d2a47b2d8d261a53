//! `crm agenda --today` as a login shell runs it: the day's plan of the signed-in user from the
//! replica, in their time zone, without the server (it is stopped first).

mod common;

use chrono::{Duration, NaiveTime, TimeZone, Utc};
use chrono_tz::Asia::Shanghai;
use common::TestServer;
use common::cli::{Crm, ok};
use crm_server::schema::Entity;
use serde_json::json;

#[test]
fn the_agenda_lists_today_s_plan_in_the_user_s_zone_from_the_replica() {
    let server = TestServer::start();
    let li = server.add_user("li", "sales", None);
    let wang = server.add_user("wang", "sales", None);
    let customer =
        server.create_as_system(Entity::Customers, json!({"name": "华为", "owner_id": li}));
    let rule = server.create_as_system(
        Entity::CareRules,
        json!({"name": "生日", "occasion": "birthday", "wording": "生日快乐"}),
    );
    // Today and yesterday in Shanghai, whatever the machine's zone.
    let today = Utc::now().with_timezone(&Shanghai).date_naive();
    let local = |day: chrono::NaiveDate, h: u32, m: u32| {
        Shanghai
            .from_local_datetime(&day.and_time(NaiveTime::from_hms_opt(h, m, 0).unwrap()))
            .unwrap()
            .with_timezone(&Utc)
            .to_rfc3339()
    };
    let yesterday = today - Duration::days(1);
    let activity = |fields: serde_json::Value| {
        let mut body = json!({"customer_id": customer["id"], "owner_id": li});
        body.as_object_mut()
            .unwrap()
            .extend(fields.as_object().unwrap().clone());
        server.create_as_system(Entity::Activities, body);
    };
    activity(
        json!({"kind": "meeting", "subject": "方案评审", "starts_at": local(today, 14, 0), "ends_at": local(today, 15, 30)}),
    );
    activity(json!({"kind": "call", "subject": "回电：王经理", "due_at": local(today, 10, 30)}));
    activity(
        json!({"kind": "task", "subject": "生日关怀：王小明", "due_at": local(today, 9, 0), "care_rule_id": rule["id"]}),
    );
    activity(json!({"kind": "task", "subject": "寄送合同", "due_at": local(yesterday, 17, 0)}));
    activity(
        json!({"kind": "task", "subject": "已完成的事", "due_at": local(yesterday, 11, 0), "done": true}),
    );
    activity(
        json!({"kind": "call", "subject": "别人的电话", "due_at": local(today, 11, 0), "owner_id": wang}),
    );

    let crm = Crm::new();
    ok(&crm.login(&server, "li"));
    // No network from here on.
    drop(server);
    let out = ok(&crm
        .command(&["agenda", "--today"])
        .env("CRM_TIMEZONE", "Asia/Shanghai")
        .output()
        .unwrap());
    let lines: Vec<&str> = out.lines().collect();
    assert!(
        lines[0].starts_with(&format!("Agenda for {}", today.format("%A %Y-%m-%d"))),
        "{out}"
    );
    assert!(lines[0].contains("Asia/Shanghai"), "{out}");
    let find = |s: &str| {
        lines
            .iter()
            .position(|l| l.contains(s))
            .unwrap_or_else(|| panic!("no {s} in\n{out}"))
    };
    // Sections in order, each item under its own, times in Shanghai.
    let (overdue, appointments, callbacks, care) = (
        find("Overdue"),
        find("Appointments"),
        find("Callbacks"),
        find("Care"),
    );
    assert!(
        overdue < appointments && appointments < callbacks && callbacks < care,
        "{out}"
    );
    let contract = find("寄送合同");
    assert!(overdue < contract && contract < appointments, "{out}");
    assert!(
        lines[contract].contains(&format!("{} 17:00", yesterday.format("%m-%d"))),
        "{out}"
    );
    assert!(lines[find("方案评审")].contains("14:00-15:30"), "{out}");
    let call = find("回电：王经理");
    assert!(
        callbacks < call && call < care && lines[call].contains("10:30"),
        "{out}"
    );
    assert!(lines[call].contains("华为"), "{out}");
    assert!(
        care < find("生日关怀：王小明") && lines[find("生日关怀")].contains("09:00"),
        "{out}"
    );
    assert!(!out.contains("已完成的事"), "done is not overdue: {out}");
    assert!(!out.contains("别人的电话"), "only mine: {out}");

    // The same plan read in UTC shows UTC times.
    let utc = ok(&crm
        .command(&["agenda", "--date", &today.to_string()])
        .env("CRM_TIMEZONE", "UTC")
        .output()
        .unwrap());
    assert!(utc.contains("06:00-07:30"), "{utc}");
}
