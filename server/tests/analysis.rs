//! The customer analysis over HTTP, on SQLite and (with CRM_TEST_PG) PostgreSQL: the admin's
//! value model scores customers and suggests their level, the lifecycle rules move them as
//! their business ages (each move in the audit trail), the warnings stand by the admin's days
//! and ratio; work plans and logs are their writer's and their team's managers'.

mod common;

use std::time::Duration;

use chrono::{DateTime, Utc};
use common::{Client, TestServer, id_of};
use crm_server::api::Settings;
use crm_server::service::analysis::{Swept, sweep};
use serde_json::{Value, json};

/// A server whose scheduled sweep leaves the test alone.
fn server() -> TestServer {
    TestServer::start_with(Settings {
        analyse_every: Duration::from_secs(24 * 3600),
        ..Settings::default()
    })
}

fn sweep_at(server: &TestServer, now: DateTime<Utc>) -> Swept {
    crm_server::store::write(server.db().as_ref(), |tx| sweep(tx, now)).expect("sweep")
}

fn days_from_today(days: i64) -> String {
    (Utc::now().date_naive() + chrono::Duration::days(days)).to_string()
}

/// An order of `amount` (a service line, no stock) for `customer`, placed `days` from today.
fn order(client: &Client, product: &str, customer: &str, amount: i64, days: i64) {
    let o = client.create(
        "/orders",
        json!({"customer_id": customer, "ordered_on": days_from_today(days)}),
    );
    client.create(
        "/order_lines",
        json!({"order_id": id_of(&o), "product_id": product, "quantity": amount, "unit_price": 1}),
    );
}

fn product(manager: &Client) -> String {
    id_of(&manager.create(
        "/products",
        json!({"code": "SVC", "name": "服务", "kind": "service", "list_price": 1, "tax_rate_bp": 0}),
    ))
}

fn customer(client: &Client, id: &str) -> Value {
    let (status, body) = client.get(&format!("/customers/{id}"));
    assert_eq!(status, 200, "{body}");
    body
}

#[test]
fn the_admin_s_model_scores_customers_and_suggests_their_level() {
    let server = server();
    let north = server.add_team("north");
    let admin = server.user("root", "admin", None);
    let boss = server.user("mia", "manager", Some(&north));
    let sales = server.user("sam", "sales", Some(&north));
    // Orders count three times as much as visits; full points at 100,000 and two visits.
    admin.create(
        "/value_indicators",
        json!({"indicator": "order_total", "weight": 3, "full_at": 100_000}),
    );
    admin.create(
        "/value_indicators",
        json!({"indicator": "visits", "weight": 1, "full_at": 2, "window_days": 90}),
    );
    for (level, min) in [("A", 80), ("B", 40), ("C", 0)] {
        admin.create("/value_levels", json!({"level": level, "min_score": min}));
    }
    let (status, body) = admin.post("/value_levels", json!({"level": "a", "min_score": 5}));
    assert_eq!(status, 409, "one threshold per level: {body}");
    let (status, body) = sales.post(
        "/value_indicators",
        json!({"indicator": "payments", "weight": 1, "full_at": 1}),
    );
    assert_eq!(status, 403, "{body}");
    let (status, body) = admin.post(
        "/value_indicators",
        json!({"indicator": "custom", "weight": 1, "full_at": 1, "custom_key": "nothing"}),
    );
    assert_eq!(
        status, 422,
        "a custom indicator names a number field: {body}"
    );

    let svc = product(&boss);
    let big = id_of(&sales.create("/customers", json!({"name": "大客户"})));
    let half = id_of(&sales.create("/customers", json!({"name": "中客户"})));
    let none = id_of(&sales.create("/customers", json!({"name": "新客户"})));
    order(&sales, &svc, &big, 150_000, 0);
    order(&sales, &svc, &half, 50_000, 0);
    // A cancelled order is no business.
    let cancelled = sales.create("/orders", json!({"customer_id": none}));
    sales.create(
        "/order_lines",
        json!({"order_id": id_of(&cancelled), "product_id": svc, "quantity": 90_000, "unit_price": 1}),
    );
    let (status, body) = sales.patch(
        &format!("/orders/{}", id_of(&cancelled)),
        json!({"status": "cancelled"}),
    );
    assert_eq!(status, 200, "{body}");
    for _ in 0..2 {
        sales.create(
            "/activities",
            json!({"kind": "visit", "subject": "拜访", "customer_id": big,
                   "starts_at": Utc::now().to_rfc3339(), "done": true}),
        );
    }

    let (status, body) = sales.post("/analysis/run", json!({}));
    assert_eq!(status, 403, "only an admin runs it: {body}");
    let (status, done) = admin.post("/analysis/run", json!({}));
    assert_eq!(status, 200, "{done}");
    assert_eq!(done["customers"], 3, "{done}");

    let big = customer(&sales, &big);
    assert_eq!(big["value_score"], 100, "{big}");
    assert_eq!(big["value_level"], "A");
    // (3 × 50 + 1 × 0) / 4 = 37.5 → 38: level C.
    let half = customer(&sales, &half);
    assert_eq!(half["value_score"], 38, "{half}");
    assert_eq!(half["value_level"], "C");
    let none = customer(&sales, &none);
    assert_eq!(none["value_score"], 0, "{none}");
    assert_eq!(
        none["lifecycle"], "potential",
        "a cancelled order is no first order"
    );

    // Nobody else sets them.
    let (status, body) = boss.patch(
        &format!("/customers/{}", id_of(&half)),
        json!({"value_score": 99}),
    );
    assert_eq!(status, 422, "the server's field: {body}");

    // Nothing changed since: a second sweep writes nothing.
    let (_, again) = admin.post("/analysis/run", json!({}));
    assert_eq!(again["changed"], 0, "{again}");
}

#[test]
fn lifecycle_moves_with_the_business_and_each_move_is_audited() {
    let server = server();
    let north = server.add_team("north");
    let admin = server.user("root", "admin", None);
    let boss = server.user("mia", "manager", Some(&north));
    let sales = server.user("sam", "sales", Some(&north));
    admin.create(
        "/analysis_settings",
        json!({"dormant_days": 30, "lost_days": 60, "no_business_days": 20, "no_contact_days": 10}),
    );
    let (status, body) = admin.post("/analysis_settings", json!({}));
    assert_eq!(status, 409, "one settings record: {body}");
    let svc = product(&boss);
    let buyer = id_of(&sales.create("/customers", json!({"name": "买家"})));
    let prospect = id_of(&sales.create("/customers", json!({"name": "潜在"})));
    order(&sales, &svc, &buyer, 1_000, 0);

    let now = Utc::now();
    let later = |days: i64| now + chrono::Duration::days(days);
    let stage = |id: &str| customer(&sales, id)["lifecycle"].clone();

    let done = sweep_at(&server, now);
    assert_eq!(done.moved, 1, "{done:?}");
    assert_eq!(stage(&buyer), "active", "trading after the first order");
    assert_eq!(stage(&prospect), "potential");
    assert_eq!(customer(&sales, &buyer)["warnings"], json!([]));

    assert_eq!(sweep_at(&server, later(29)).moved, 0);
    let b = customer(&sales, &buyer);
    assert_eq!(b["lifecycle"], "active");
    assert_eq!(b["warnings"], json!(["no_contact", "no_business"]), "{b}");
    assert_eq!(sweep_at(&server, later(30)).moved, 1);
    assert_eq!(stage(&buyer), "dormant");
    assert_eq!(sweep_at(&server, later(60)).moved, 1);
    assert_eq!(stage(&buyer), "lost");
    // The same day again: nothing to do.
    assert_eq!(sweep_at(&server, later(60)).changed, 0);
    assert_eq!(stage(&prospect), "potential", "no order, no move");

    // A new order brings it back.
    order(&sales, &svc, &buyer, 10, 0);
    sweep_at(&server, now);
    assert_eq!(stage(&buyer), "active");

    let (status, trail) = boss.get(&format!("/audit/customers/{buyer}"));
    assert_eq!(status, 200, "{trail}");
    let moves: Vec<Value> = trail["items"]
        .as_array()
        .or(trail.as_array())
        .expect("entries")
        .iter()
        .filter(|e| e["action"] == "lifecycle")
        .map(|e| e["changes"]["lifecycle"].clone())
        .collect();
    assert_eq!(
        moves.len(),
        4,
        "potential→active→dormant→lost→active: {trail}"
    );
    for step in [
        json!(["potential", "active"]),
        json!(["active", "dormant"]),
        json!(["dormant", "lost"]),
        json!(["lost", "active"]),
    ] {
        assert!(moves.contains(&step), "{step} in {moves:?}");
    }
}

#[test]
fn a_big_customer_whose_orders_fall_is_warned() {
    let server = server();
    let north = server.add_team("north");
    let admin = server.user("root", "admin", None);
    let boss = server.user("mia", "manager", Some(&north));
    let sales = server.user("sam", "sales", Some(&north));
    admin.create(
        "/value_indicators",
        json!({"indicator": "order_total", "weight": 1, "full_at": 1_000}),
    );
    admin.create(
        "/analysis_settings",
        json!({"big_min_score": 50, "falling_ratio_pct": 70, "no_contact_days": 3650}),
    );
    let svc = product(&boss);
    let falling = id_of(&sales.create("/customers", json!({"name": "下滑"})));
    let steady = id_of(&sales.create("/customers", json!({"name": "平稳"})));
    // The quarter before: 1,000 each; the last quarter: 600 (60 %) and 800 (80 %).
    order(&sales, &svc, &falling, 1_000, -120);
    order(&sales, &svc, &falling, 600, -10);
    order(&sales, &svc, &steady, 1_000, -120);
    order(&sales, &svc, &steady, 800, -10);
    sweep_at(&server, Utc::now());
    assert_eq!(customer(&sales, &falling)["warnings"], json!(["falling"]));
    assert_eq!(customer(&sales, &steady)["warnings"], json!([]));
}

#[test]
fn a_work_plan_is_its_writer_s_and_their_manager_reads_it() {
    let server = server();
    let north = server.add_team("north");
    let south = server.add_team("south");
    let boss = server.user("mia", "manager", Some(&north));
    let other_boss = server.user("max", "manager", Some(&south));
    let sales = server.user("sam", "sales", Some(&north));
    let peer = server.user("pat", "sales", Some(&north));
    let c = id_of(&sales.create("/customers", json!({"name": "东华"})));
    let hidden = id_of(&other_boss.create("/customers", json!({"name": "南方"})));

    let (status, body) = sales.post(
        "/work_plans",
        json!({"week": "2026-12-02", "title": "本周计划"}),
    );
    assert_eq!(status, 422, "a week is given by its Monday: {body}");
    let (status, body) = sales.post(
        "/work_plans",
        json!({"week": "2026-11-30", "title": "本周", "customer_ids": [hidden]}),
    );
    assert_eq!(status, 403, "a customer the writer cannot see: {body}");
    let plan = sales.create(
        "/work_plans",
        json!({"week": "2026-11-30", "title": "拜访东华", "customer_ids": [c]}),
    );
    assert_eq!(plan["owner_id"], sales.id());
    let path = format!("/work_plans/{}", id_of(&plan));
    let log = sales.create(
        "/work_logs",
        json!({"day": "2026-12-01", "summary": "见了采购", "plan_id": id_of(&plan), "customer_ids": [c]}),
    );

    let (status, body) = boss.get(&path);
    assert_eq!(status, 200, "the team's manager reads it: {body}");
    let (status, body) = boss.patch(&path, json!({"title": "改"}));
    assert_eq!(status, 403, "but does not write it: {body}");
    for outsider in [&other_boss, &peer] {
        let (status, body) = outsider.get(&path);
        assert_eq!(status, 404, "{body}");
        let (status, _) = outsider.get(&format!("/work_logs/{}", id_of(&log)));
        assert_eq!(status, 404);
    }
    let (status, body) = sales.post(
        "/work_plans",
        json!({"week": "2026-11-30", "title": "替人写", "owner_id": peer.id()}),
    );
    assert_eq!(status, 403, "{body}");
    // A log under someone else's plan is refused.
    let (status, body) = peer.post(
        "/work_logs",
        json!({"day": "2026-12-01", "summary": "x", "plan_id": id_of(&plan)}),
    );
    assert!(status == 403 || status == 422, "{status} {body}");
    let (status, body) = sales.patch(&path, json!({"status": "submitted", "review": "完成"}));
    assert_eq!(status, 200, "{body}");
}
