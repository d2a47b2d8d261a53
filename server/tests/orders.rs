//! Sales to cash after the quote: orders (from a quote once, status moves, deliveries, totals),
//! stock (reservations that never oversell, movements), payments and the aging of receivables,
//! and who sees what, against the real server over HTTP on either backend.

mod common;

use std::sync::{Arc, Barrier};

use common::{Client, TestServer, id_of};
use serde_json::{Value, json};

struct World {
    server: TestServer,
    admin: Client,
    manager: Client,
    alice: Client,
    bob: Client,
    agent: Client,
}

fn world() -> World {
    let server = TestServer::start();
    let north = server.add_team("north");
    let south = server.add_team("south");
    World {
        admin: server.user("root", "admin", None),
        manager: server.user("nina", "manager", Some(&north)),
        alice: server.user("alice", "sales", Some(&north)),
        bob: server.user("bob", "sales", Some(&south)),
        agent: server.user("ada", "agent", None),
        server,
    }
}

fn days_from_today(days: i64) -> String {
    (chrono::Utc::now().date_naive() + chrono::Duration::days(days)).to_string()
}

fn product(w: &World, code: &str, kind: &str, price: i64, tax_bp: i64) -> String {
    let p = w.manager.create(
        "/products",
        json!({"code": code, "name": format!("产品 {code}"), "kind": kind,
               "list_price": price, "tax_rate_bp": tax_bp}),
    );
    let id = id_of(&p);
    w.manager.create(
        "/product_costs",
        json!({"product_id": id, "cost": price / 2}),
    );
    id
}

fn warehouse(w: &World, code: &str) -> String {
    id_of(&w.manager.create(
        "/warehouses",
        json!({"code": code, "name": format!("仓库 {code}")}),
    ))
}

fn stock_in(w: &World, product: &str, warehouse: &str, quantity: i64) {
    w.manager.create(
        "/stock_movements",
        json!({"product_id": product, "warehouse_id": warehouse, "kind": "in",
               "quantity": quantity, "reason": "入库"}),
    );
}

fn level(client: &Client, product: &str, warehouse: &str) -> Value {
    let levels = client.list_all("/stock_levels", &format!("&product_id={product}"), 50);
    levels
        .into_iter()
        .find(|l| l["warehouse_id"] == warehouse)
        .expect("a stock level")
}

fn customer(client: &Client, name: &str) -> String {
    id_of(&client.create("/customers", json!({"name": name, "level": "B"})))
}

fn order(client: &Client, customer: &str, warehouse: &str) -> String {
    id_of(&client.create(
        "/orders",
        json!({"customer_id": customer, "warehouse_id": warehouse}),
    ))
}

fn line(client: &Client, order: &str, product: &str, quantity: i64) -> Value {
    client.create(
        "/order_lines",
        json!({"order_id": order, "product_id": product, "quantity": quantity}),
    )
}

fn status(client: &Client, order: &str, to: &str) -> (u16, Value) {
    client.patch(&format!("/orders/{order}"), json!({"status": to}))
}

fn message(body: &Value) -> String {
    body["error"]["message"]
        .as_str()
        .unwrap_or_default()
        .to_string()
}

#[test]
fn an_accepted_quote_becomes_an_order_once() {
    let w = world();
    let widget = product(&w, "W-1", "service", 35, 1_300);
    let c = customer(&w.alice, "甲公司");
    let q = w.alice.create(
        "/quotes",
        json!({"customer_id": c, "subject": "年度采购", "valid_until": days_from_today(30)}),
    );
    let q = id_of(&q);
    w.alice.create(
        "/quote_lines",
        json!({"quote_id": q, "product_id": widget, "quantity": 3, "discount_bp": 1_000}),
    );
    w.alice.create(
        "/quote_lines",
        json!({"quote_id": q, "product_id": widget, "quantity": 7, "unit_price": 1_999}),
    );
    // Not yet accepted: no order.
    let (s, body) = w.alice.post(&format!("/quotes/{q}/order"), json!({}));
    assert_eq!(s, 409, "{body}");
    assert!(message(&body).contains("accepted"), "{body}");
    for to in ["sent", "accepted"] {
        let (s, body) = w
            .alice
            .patch(&format!("/quotes/{q}"), json!({"status": to}));
        assert_eq!(s, 200, "{body}");
    }
    // Nobody marks a quote ordered by hand.
    let (s, body) = w
        .alice
        .patch(&format!("/quotes/{q}"), json!({"status": "ordered"}));
    assert_eq!(s, 409, "{body}");

    // No body at all: the order takes everything from the quote.
    let (s, o) = w.alice.send(
        w.alice
            .request(reqwest::Method::POST, &format!("/quotes/{q}/order")),
    );
    assert_eq!(s, 201, "{o}");
    let number = o["number"].as_str().unwrap().to_string();
    assert!(number.starts_with("O-") && number.len() == 8, "{number}");
    assert_eq!(o["customer_id"], c.as_str());
    assert_eq!(o["subject"], "年度采购");
    assert_eq!(o["status"], "entered");
    assert_eq!(o["owner_id"], w.alice.id());
    // The lines came over, and the totals are the quote's: 3 × 0.35 at 10 % off = 0.945 → 0.94
    // (half to even), its tax 0.1222 → 0.12; 7 × 19.99 = 139.93, its tax 18.1909 → 18.19.
    let order_id = id_of(&o);
    let (_, fresh) = w.alice.get(&format!("/orders/{order_id}"));
    let (_, quote) = w.alice.get(&format!("/quotes/{q}"));
    assert_eq!(quote["status"], "ordered");
    assert_eq!(fresh["subtotal"], 94 + 13_993);
    assert_eq!(fresh["tax"], 12 + 1_819);
    assert_eq!(fresh["total"], quote["total"]);
    let lines = w
        .alice
        .list_all("/order_lines", &format!("&order_id={order_id}"), 50);
    assert_eq!(lines.len(), 2);

    // Once only: by the route, and by an order naming the quote.
    let (s, body) = w.alice.post(&format!("/quotes/{q}/order"), json!({}));
    assert_eq!(s, 409, "{body}");
    assert!(message(&body).contains(&number), "{body}");
    let (s, _) = w
        .alice
        .post("/orders", json!({"quote_id": q, "customer_id": c}));
    assert_eq!(s, 409);
    // Someone who cannot see the quote learns nothing of it.
    let (s, _) = w.bob.post(&format!("/quotes/{q}/order"), json!({}));
    assert!(s == 403 || s == 404, "{s}");
}

#[test]
fn an_order_moves_through_its_statuses_and_its_stock_follows() {
    let w = world();
    let box_ = product(&w, "BOX", "stock", 10_000, 1_300);
    let setup = product(&w, "SETUP", "service", 50_000, 600);
    let wh = warehouse(&w, "WH-1");
    stock_in(&w, &box_, &wh, 10);
    let c = customer(&w.alice, "乙公司");

    let o = order(&w.alice, &c, &wh);
    let first = line(&w.alice, &o, &box_, 4);
    line(&w.alice, &o, &setup, 1);
    // Skipping ahead is refused.
    for to in [
        "delivered",
        "invoiced",
        "closed",
        "returned",
        "partly_delivered",
    ] {
        let (s, body) = status(&w.alice, &o, to);
        assert_eq!(s, 409, "entered → {to}: {body}");
    }
    let (s, body) = status(&w.alice, &o, "confirmed");
    assert_eq!(s, 200, "{body}");
    let l = level(&w.alice, &box_, &wh);
    assert_eq!(
        (
            l["on_hand"].as_i64(),
            l["reserved"].as_i64(),
            l["available"].as_i64()
        ),
        (Some(10), Some(4), Some(6))
    );
    // Services keep no stock.
    assert!(
        w.alice
            .list_all("/stock_levels", &format!("&product_id={setup}"), 50)
            .is_empty()
    );

    // A confirmed order's prices no longer change; its deliveries do, a line at a time.
    let first_id = id_of(&first);
    let (s, _) = w.alice.patch(
        &format!("/order_lines/{first_id}"),
        json!({"unit_price": 1}),
    );
    assert_eq!(s, 409);
    let (s, body) = w.alice.patch(
        &format!("/order_lines/{first_id}"),
        json!({"delivered_quantity": 5}),
    );
    assert_eq!(s, 422, "more than ordered: {body}");
    let (s, body) = w.alice.patch(
        &format!("/order_lines/{first_id}"),
        json!({"delivered_quantity": 1}),
    );
    assert_eq!(s, 200, "{body}");
    let (_, fresh) = w.alice.get(&format!("/orders/{o}"));
    assert_eq!(fresh["status"], "partly_delivered");
    let l = level(&w.alice, &box_, &wh);
    assert_eq!(
        (l["on_hand"].as_i64(), l["reserved"].as_i64()),
        (Some(9), Some(3))
    );
    let (s, body) = w.alice.patch(
        &format!("/order_lines/{first_id}"),
        json!({"delivered_quantity": 0}),
    );
    assert_eq!(s, 422, "{body}");
    assert!(
        body.to_string().contains("return"),
        "goods coming back are a return: {body}"
    );
    let (s, body) = status(&w.alice, &o, "cancelled");
    assert_eq!(s, 409, "{body}");
    assert!(message(&body).contains("return"));

    // The rest goes at once.
    let (s, body) = status(&w.alice, &o, "delivered");
    assert_eq!(s, 200, "{body}");
    assert_eq!(body["delivered_on"], days_from_today(0));
    let l = level(&w.alice, &box_, &wh);
    assert_eq!(
        (l["on_hand"].as_i64(), l["reserved"].as_i64()),
        (Some(6), Some(0))
    );
    let moves = w
        .alice
        .list_all("/stock_movements", &format!("&order_id={o}"), 50);
    assert_eq!(moves.len(), 2, "two deliveries: {moves:?}");
    assert!(
        moves
            .iter()
            .all(|m| m["kind"] == "out" && m["created_by"] == w.alice.id())
    );
    let mut delivered: Vec<i64> = moves
        .iter()
        .map(|m| m["quantity"].as_i64().unwrap())
        .collect();
    delivered.sort_unstable();
    assert_eq!(delivered, vec![1, 3]);
    for to in ["invoiced", "closed"] {
        let (s, body) = status(&w.alice, &o, to);
        assert_eq!(s, 200, "{body}");
    }
    let (s, _) = status(&w.alice, &o, "returned");
    assert_eq!(s, 409, "a closed order is done");
    let (s, _) = w.alice.delete(&format!("/orders/{o}"));
    assert_eq!(s, 409, "only entered or cancelled orders are deleted");

    // A cancellation releases; a return brings the goods back.
    let cancelled = order(&w.alice, &c, &wh);
    line(&w.alice, &cancelled, &box_, 2);
    assert_eq!(status(&w.alice, &cancelled, "confirmed").0, 200);
    assert_eq!(level(&w.alice, &box_, &wh)["reserved"], 2);
    assert_eq!(status(&w.alice, &cancelled, "cancelled").0, 200);
    assert_eq!(level(&w.alice, &box_, &wh)["reserved"], 0);
    let returned = order(&w.alice, &c, &wh);
    line(&w.alice, &returned, &box_, 5);
    assert_eq!(status(&w.alice, &returned, "confirmed").0, 200);
    assert_eq!(status(&w.alice, &returned, "delivered").0, 200);
    assert_eq!(level(&w.alice, &box_, &wh)["on_hand"], 1);
    assert_eq!(status(&w.alice, &returned, "returned").0, 200);
    let l = level(&w.alice, &box_, &wh);
    assert_eq!(
        (l["on_hand"].as_i64(), l["reserved"].as_i64()),
        (Some(6), Some(0))
    );

    // An order with goods names its warehouse before it is confirmed.
    let nowhere = id_of(&w.alice.create("/orders", json!({"customer_id": c})));
    line(&w.alice, &nowhere, &box_, 1);
    let (s, body) = status(&w.alice, &nowhere, "confirmed");
    assert_eq!(s, 422, "{body}");
    assert!(
        body["error"]["fields"]["warehouse_id"].is_string(),
        "{body}"
    );
    // Nor is an empty order confirmed.
    let empty = order(&w.alice, &c, &wh);
    assert_eq!(status(&w.alice, &empty, "confirmed").0, 422);
}

#[test]
fn stock_movements_say_who_and_why_and_stay_as_recorded() {
    let w = world();
    let box_ = product(&w, "BOX", "stock", 10_000, 1_300);
    let wh = warehouse(&w, "WH-1");
    stock_in(&w, &box_, &wh, 5);
    let (s, body) = w.manager.post(
        "/stock_movements",
        json!({"product_id": box_, "warehouse_id": wh, "kind": "adjust", "quantity": -2}),
    );
    assert_eq!(s, 422, "an adjustment says why: {body}");
    let m = w.manager.create(
        "/stock_movements",
        json!({"product_id": box_, "warehouse_id": wh, "kind": "adjust", "quantity": -2, "reason": "盘点"}),
    );
    assert_eq!(m["on_hand_after"], 3);
    assert_eq!(m["created_by"], w.manager.id());
    let (s, _) = w.manager.post(
        "/stock_movements",
        json!({"product_id": box_, "warehouse_id": wh, "kind": "out", "quantity": 4, "reason": "样品"}),
    );
    assert_eq!(s, 409, "only 3 on hand");
    let id = id_of(&m);
    assert_eq!(
        w.manager
            .patch(&format!("/stock_movements/{id}"), json!({"reason": "x"}))
            .0,
        409
    );
    assert_eq!(w.manager.delete(&format!("/stock_movements/{id}")).0, 409);
    // The low-stock flag follows the threshold.
    let l = level(&w.manager, &box_, &wh);
    assert_eq!(l["low"], false);
    let (s, l) = w.manager.patch(
        &format!("/stock_levels/{}", id_of(&l)),
        json!({"low_threshold": 3}),
    );
    assert_eq!(s, 200, "{l}");
    assert_eq!(l["low"], true);
    let lows = w.alice.list_all("/stock_levels", "&low=true", 50);
    assert_eq!(lows.len(), 1);
    // Stock is kept by managers: sales and agents read it, and may not move it.
    for client in [&w.alice, &w.agent] {
        let (s, _) = client.post(
            "/stock_movements",
            json!({"product_id": box_, "warehouse_id": wh, "kind": "in", "quantity": 1}),
        );
        assert_eq!(s, 403);
        let (s, _) = client.patch(
            &format!("/stock_levels/{}", id_of(&l)),
            json!({"low_threshold": 0}),
        );
        assert_eq!(s, 403);
    }
}

/// Orders race for the last unit: exactly one is confirmed, the others are told there is not
/// enough stock (409), and nothing is reserved beyond what is on hand. On PostgreSQL half of the
/// requests go to a second server on the same database.
#[test]
fn concurrent_reservations_never_oversell() {
    const RACERS: usize = 8;
    let w = world();
    let box_ = product(&w, "BOX", "stock", 10_000, 1_300);
    let wh = warehouse(&w, "WH-1");
    stock_in(&w, &box_, &wh, 1);
    let c = customer(&w.alice, "丙公司");
    let beside = w.server.start_beside();
    let orders: Vec<String> = (0..RACERS)
        .map(|_| {
            let o = order(&w.alice, &c, &wh);
            line(&w.alice, &o, &box_, 1);
            o
        })
        .collect();
    let clients: Vec<Client> = (0..RACERS)
        .map(|i| match (&beside, i % 2) {
            (Some(other), 1) => other.login("alice"),
            _ => w.server.login("alice"),
        })
        .collect();
    let barrier = Arc::new(Barrier::new(RACERS));
    let answers: Vec<(u16, Value)> = std::thread::scope(|scope| {
        let handles: Vec<_> = orders
            .iter()
            .zip(&clients)
            .map(|(o, client)| {
                let barrier = barrier.clone();
                scope.spawn(move || {
                    barrier.wait();
                    status(client, o, "confirmed")
                })
            })
            .collect();
        handles.into_iter().map(|h| h.join().unwrap()).collect()
    });
    let won = answers.iter().filter(|(s, _)| *s == 200).count();
    assert_eq!(won, 1, "{answers:?}");
    for (s, body) in answers.iter().filter(|(s, _)| *s != 200) {
        assert_eq!(*s, 409, "{body}");
        assert!(message(body).contains("not enough stock of BOX"), "{body}");
    }
    let l = level(&w.alice, &box_, &wh);
    assert_eq!(
        (l["on_hand"].as_i64(), l["reserved"].as_i64()),
        (Some(1), Some(1))
    );
    let confirmed = w.alice.list_all("/orders", "&status=confirmed", 50);
    assert_eq!(confirmed.len(), 1);
    drop(clients);
    drop(beside);
}

fn plan_with(
    w: &World,
    client: &Client,
    customer: &str,
    dues: &[(i64, i64)],
) -> (String, Vec<String>) {
    let plan = client.create(
        "/payment_plans",
        json!({"customer_id": customer, "name": "回款计划"}),
    );
    let plan_id = id_of(&plan);
    let ids = dues
        .iter()
        .map(|(days, amount)| {
            id_of(&client.create(
                "/instalments",
                json!({"plan_id": plan_id, "due_date": days_from_today(*days), "amount": amount}),
            ))
        })
        .collect();
    let _ = w;
    (plan_id, ids)
}

#[test]
fn receivables_age_in_their_buckets() {
    let w = world();
    let c = customer(&w.alice, "丁公司");
    let (plan, inst) = plan_with(
        &w,
        &w.alice,
        &c,
        &[
            (-10, 100),
            (-40, 200),
            (-70, 300),
            (-100, 400),
            (5, 500),
            (-20, 600),
            (-30, 1_000),
            (-31, 2_000),
            (-90, 4_000),
            (-91, 8_000),
        ],
    );
    // Paid in full (the one 20 days overdue), in part (half of the one 10 days overdue).
    let p = w.alice.create(
        "/payments",
        json!({"instalment_id": inst[5], "amount": 600, "received_on": days_from_today(0)}),
    );
    assert_eq!(p["customer_id"], c.as_str());
    assert_eq!(p["plan_id"], plan.as_str());
    let (s, body) = w.alice.post(
        "/payments",
        json!({"instalment_id": inst[0], "amount": 101, "received_on": days_from_today(0)}),
    );
    assert_eq!(s, 422, "more than is due: {body}");
    // Matched to the plan's earliest still owed: the one 100 days overdue.
    let p = w.alice.create(
        "/payments",
        json!({"plan_id": plan, "amount": 400, "received_on": days_from_today(0)}),
    );
    assert_eq!(p["instalment_id"], inst[3].as_str());
    w.alice.create(
        "/payments",
        json!({"instalment_id": inst[0], "amount": 50, "received_on": days_from_today(0)}),
    );
    let (_, i0) = w.alice.get(&format!("/instalments/{}", inst[0]));
    assert_eq!(
        (i0["received"].as_i64(), i0["status"].as_str()),
        (Some(50), Some("partly_paid"))
    );
    let (_, i5) = w.alice.get(&format!("/instalments/{}", inst[5]));
    assert_eq!(i5["status"], "paid");
    let (_, p) = w.alice.get(&format!("/payment_plans/{plan}"));
    assert_eq!(p["total"], 17_100);
    assert_eq!(p["received"], 1_050);

    let (s, a) = w.alice.get(&format!("/receivables?customer_id={c}"));
    assert_eq!(s, 200, "{a}");
    assert_eq!(
        a["outstanding"],
        50 + 200 + 300 + 500 + 1_000 + 2_000 + 4_000 + 8_000
    );
    assert_eq!(a["not_due"], 500);
    // The edges: 30 days in the first bucket, 31 in the second, 90 in the third, 91 beyond.
    assert_eq!(a["buckets"]["0-30"], 50 + 1_000);
    assert_eq!(a["buckets"]["31-60"], 200 + 2_000);
    assert_eq!(a["buckets"]["61-90"], 300 + 4_000);
    assert_eq!(a["buckets"]["90+"], 8_000);
    assert_eq!(a["overdue"], 15_550);
    // A month later everything moves on by 30 days.
    let (_, later) = w.alice.get(&format!(
        "/receivables?customer_id={c}&as_of={}",
        days_from_today(30)
    ));
    assert_eq!(later["not_due"], 0);
    assert_eq!(later["buckets"]["0-30"], 500);
    assert_eq!(later["buckets"]["31-60"], 50 + 1_000);
    assert_eq!(later["buckets"]["61-90"], 200 + 2_000);
    assert_eq!(later["buckets"]["90+"], 300 + 4_000 + 8_000);

    // Bob's customer owes too; Alice's totals know nothing of it, the admin's hold both.
    let d = customer(&w.bob, "戊公司");
    plan_with(&w, &w.bob, &d, &[(-5, 7)]);
    let (_, mine) = w.alice.get("/receivables");
    assert_eq!(mine["outstanding"], a["outstanding"]);
    let (_, all) = w.admin.get("/receivables");
    assert_eq!(all["outstanding"], a["outstanding"].as_i64().unwrap() + 7);
    let (s, _) = w.alice.get(&format!("/receivables?customer_id={d}"));
    assert_eq!(s, 404);
    let (_, rows) = w.admin.get("/receivables/customers");
    let rows = rows["items"].as_array().unwrap().clone();
    assert_eq!(rows.len(), 2);
    assert_eq!(rows[0]["customer_id"], c.as_str(), "the most overdue first");
    assert_eq!(rows[1]["overdue"], 7);
    assert_eq!(w.alice.get("/receivables?nope=1").0, 422);

    // An instalment with money against it stays.
    assert_eq!(w.alice.delete(&format!("/instalments/{}", inst[5])).0, 409);
    let (s, _) = w
        .alice
        .patch(&format!("/instalments/{}", inst[0]), json!({"amount": 10}));
    assert_eq!(s, 422, "below what was received");
}

#[test]
fn an_agent_sees_orders_and_payments_but_no_cost_and_writes_none() {
    let w = world();
    let box_ = product(&w, "BOX", "stock", 10_000, 1_300);
    let wh = warehouse(&w, "WH-1");
    stock_in(&w, &box_, &wh, 3);
    let c = customer(&w.alice, "己公司");
    let o = order(&w.alice, &c, &wh);
    line(&w.alice, &o, &box_, 2);
    let plan = w.alice.create("/payment_plans", json!({"order_id": o}));
    assert_eq!(plan["customer_id"], c.as_str());
    assert!(plan["name"].as_str().unwrap().starts_with("O-"));
    let (plan_id, _) = (id_of(&plan), ());
    w.alice.create(
        "/instalments",
        json!({"plan_id": plan_id, "due_date": days_from_today(-3), "amount": 1_000}),
    );

    let (s, seen) = w.agent.get(&format!("/orders/{o}"));
    assert_eq!(s, 200, "{seen}");
    let lines = w
        .agent
        .list_all("/order_lines", &format!("&order_id={o}"), 50);
    assert_eq!(lines.len(), 1);
    assert_eq!(w.agent.list_all("/payment_plans", "", 50).len(), 1);
    assert_eq!(w.agent.list_all("/instalments", "", 50).len(), 1);
    let (_, a) = w.agent.get(&format!("/receivables?customer_id={c}"));
    assert_eq!(a["overdue"], 1_000);
    // No cost or margin anywhere the agent reads.
    for record in std::iter::once(seen.clone()).chain(lines) {
        let text = record.to_string();
        assert!(!text.contains("cost") && !text.contains("margin"), "{text}");
    }
    assert!(w.agent.list_all("/product_costs", "", 50).is_empty());
    let (changes, _) = w.agent.feed(0, 1_000);
    assert!(changes.iter().all(|c| c["entity"] != "product_costs"));
    assert!(changes.iter().any(|c| c["entity"] == "orders"));
    // Nor do they write orders or payments.
    assert_eq!(w.agent.post("/orders", json!({"customer_id": c})).0, 403);
    assert_eq!(status(&w.agent, &o, "confirmed").0, 403);
    assert_eq!(
        w.agent
            .post(
                "/payments",
                json!({"customer_id": c, "amount": 1, "received_on": days_from_today(0)})
            )
            .0,
        403
    );
    // A salesperson of another team sees none of it.
    assert_eq!(w.bob.get(&format!("/orders/{o}")).0, 404);
    assert!(w.bob.list_all("/orders", "", 50).is_empty());
    assert!(w.bob.list_all("/instalments", "", 50).is_empty());
    let (_, b) = w.bob.get("/receivables");
    assert_eq!(b["outstanding"], 0);
    // The manager of the team does, and the cost too.
    assert_eq!(w.manager.get(&format!("/orders/{o}")).0, 200);
    assert_eq!(w.manager.list_all("/product_costs", "", 50).len(), 1);
}

#[test]
fn a_payment_deleted_and_restored_counts_again_in_its_instalment_and_plan() {
    let w = world();
    let c = customer(&w.alice, "己公司");
    let (plan, inst) = plan_with(&w, &w.alice, &c, &[(-5, 1_000)]);
    let paid = w.alice.create(
        "/payments",
        json!({"instalment_id": inst[0], "amount": 600, "received_on": days_from_today(0)}),
    );
    let payment = id_of(&paid);
    let received = |w: &World| {
        let (_, i) = w.alice.get(&format!("/instalments/{}", inst[0]));
        let (_, p) = w.alice.get(&format!("/payment_plans/{plan}"));
        (
            i["received"].as_i64(),
            i["status"].as_str().map(String::from),
            p["received"].as_i64(),
        )
    };
    assert_eq!(
        received(&w),
        (Some(600), Some("partly_paid".into()), Some(600))
    );
    assert_eq!(w.alice.delete(&format!("/payments/{payment}")).0, 200);
    assert_eq!(received(&w), (Some(0), Some("open".into()), Some(0)));
    let (s, body) = w
        .alice
        .post(&format!("/payments/{payment}/restore"), json!({}));
    assert_eq!(s, 200, "{body}");
    assert_eq!(
        received(&w),
        (Some(600), Some("partly_paid".into()), Some(600))
    );
}
