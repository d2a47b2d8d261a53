//! Sales to cash, its foundation: products and their costs, price lists, products on deals and
//! quotes, against the real server over HTTP.

mod common;

use common::{Client, TestServer, id_of, ids};
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

/// A product (by the manager) with a cost, returning its id.
fn product(w: &World, code: &str, list_price: i64, tax_rate_bp: i64) -> String {
    let p = w.manager.create(
        "/products",
        json!({"code": code, "name": format!("产品 {code}"), "list_price": list_price,
               "tax_rate_bp": tax_rate_bp, "unit": "套"}),
    );
    let id = id_of(&p);
    w.manager.create(
        "/product_costs",
        json!({"product_id": id, "cost": list_price / 2}),
    );
    id
}

fn today() -> String {
    chrono::Utc::now().date_naive().to_string()
}

fn days_from_today(days: i64) -> String {
    (chrono::Utc::now().date_naive() + chrono::Duration::days(days)).to_string()
}

/// Every snapshot record of a user, all pages.
fn snapshot(client: &Client) -> Vec<(String, Value)> {
    let mut out = Vec::new();
    let mut query = String::new();
    loop {
        let (status, page) = client.get(&format!("/sync/snapshot?limit=50{query}"));
        assert_eq!(status, 200, "{page}");
        for item in page["records"].as_array().unwrap() {
            out.push((
                item["entity"].as_str().unwrap().to_string(),
                item["record"].clone(),
            ));
        }
        match &page["next"] {
            Value::Null => return out,
            next => {
                query = format!(
                    "&entity={}&after={}",
                    next["entity"].as_str().unwrap(),
                    next["after"].as_str().unwrap()
                );
            }
        }
    }
}

#[test]
fn cost_never_reaches_those_who_may_not_see_it() {
    let w = world();
    let widget = product(&w, "W-1", 10_000, 1_300);
    let (_, costs) = w.manager.get("/product_costs");
    let cost_id = id_of(&costs["items"][0]);
    // Managers and admins read it.
    for reader in [&w.manager, &w.admin] {
        let (status, body) = reader.get(&format!("/product_costs/{cost_id}"));
        assert_eq!(status, 200, "{body}");
        assert_eq!(body["cost"], 5_000);
    }
    for (who, client) in [("alice", &w.alice), ("agent", &w.agent)] {
        // The product, yes; its cost, nowhere: not by id, not in a list, not in the feed, not
        // in the snapshot, not in the product itself.
        let (status, p) = client.get(&format!("/products/{widget}"));
        assert_eq!(status, 200);
        assert!(p.get("cost").is_none(), "{who}: {p}");
        assert_eq!(
            client.get(&format!("/product_costs/{cost_id}")).0,
            404,
            "{who}"
        );
        assert!(
            client.list_all("/product_costs", "", 50).is_empty(),
            "{who}"
        );
        let (changes, _) = client.feed(0, 500);
        assert!(
            changes
                .iter()
                .all(|c| c["entity"] != "product_costs"
                    && !c["record"].to_string().contains("\"cost\"")),
            "{who}'s feed carries a cost"
        );
        assert!(
            changes.iter().any(|c| c["entity"] == "products"),
            "{who} sees products in the feed"
        );
        let snap = snapshot(client);
        assert!(snap.iter().any(|(e, _)| e == "products"));
        assert!(
            snap.iter()
                .all(|(e, r)| e != "product_costs" && r.get("cost").is_none()),
            "{who}'s snapshot carries a cost"
        );
        // Nor may they write one.
        assert_eq!(
            client
                .post("/product_costs", json!({"product_id": widget, "cost": 1}))
                .0,
            403,
            "{who}"
        );
    }
    let (changes, _) = w.manager.feed(0, 500);
    assert!(changes.iter().any(|c| c["entity"] == "product_costs"));
    assert!(
        snapshot(&w.manager)
            .iter()
            .any(|(e, _)| e == "product_costs")
    );
    // A cost per product; products are kept by managers.
    let (status, _) = w
        .manager
        .post("/product_costs", json!({"product_id": widget, "cost": 2}));
    assert_eq!(status, 409);
    assert_eq!(
        w.alice
            .post("/products", json!({"code": "X", "name": "x"}))
            .0,
        403
    );
    assert_eq!(
        w.manager
            .post("/products", json!({"code": "w-1", "name": "again"}))
            .0,
        409,
        "codes are unique whatever their case"
    );
}

#[test]
fn a_line_takes_the_price_that_applies_to_its_customer() {
    let w = world();
    let widget = product(&w, "W-1", 10_000, 1_300);
    let a = id_of(
        &w.alice
            .create("/customers", json!({"name": "甲公司", "level": "A"})),
    );
    let b = id_of(
        &w.alice
            .create("/customers", json!({"name": "乙公司", "level": "B"})),
    );
    let special = id_of(
        &w.alice
            .create("/customers", json!({"name": "丙公司", "level": "A"})),
    );
    w.manager.create(
        "/prices",
        json!({"product_id": widget, "level": "A", "unit_price": 9_000, "valid_from": days_from_today(-30)}),
    );
    // A later level price not yet valid, and one that ended.
    w.manager.create(
        "/prices",
        json!({"product_id": widget, "level": "A", "unit_price": 1, "valid_from": days_from_today(1)}),
    );
    w.manager.create(
        "/prices",
        json!({"product_id": widget, "level": "B", "unit_price": 2, "valid_from": days_from_today(-60), "valid_to": days_from_today(-1)}),
    );
    w.manager.create(
        "/prices",
        json!({"product_id": widget, "customer_id": special, "unit_price": 8_000, "valid_from": days_from_today(-400)}),
    );
    // Neither or both of level and customer: refused.
    let (status, body) = w.manager.post(
        "/prices",
        json!({"product_id": widget, "unit_price": 1, "valid_from": today()}),
    );
    assert_eq!(status, 422, "{body}");
    let (status, _) = w.manager.post(
        "/prices",
        json!({"product_id": widget, "level": "C", "unit_price": 1, "valid_from": today(), "valid_to": days_from_today(-1)}),
    );
    assert_eq!(status, 422, "valid_to before valid_from");

    let price_of = |customer: &str| {
        let q = w.alice.create("/quotes", json!({"customer_id": customer}));
        let line = w.alice.create(
            "/quote_lines",
            json!({"quote_id": id_of(&q), "product_id": widget, "quantity": 1}),
        );
        line["unit_price"].as_i64().unwrap()
    };
    assert_eq!(price_of(&a), 9_000, "level A");
    assert_eq!(price_of(&b), 10_000, "level B's price ended: list price");
    assert_eq!(
        price_of(&special),
        8_000,
        "the customer's own beats the level's"
    );
    // A customer-specific price is private to those who see the customer.
    let bobs = w.bob.list_all("/prices", "", 50);
    assert!(bobs.iter().all(|p| p["customer_id"].is_null()), "{bobs:?}");
    assert_eq!(w.alice.list_all("/prices", "", 50).len(), 4);
}

#[test]
fn quote_totals_follow_the_rounding_rule_line_by_line() {
    let w = world();
    let cheap = product(&w, "C-1", 35, 1_300);
    let exempt = product(&w, "E-1", 15, 0);
    let six = product(&w, "S-1", 125, 600);
    let customer = id_of(&w.alice.create("/customers", json!({"name": "丁公司"})));
    let quote = id_of(&w.alice.create(
        "/quotes",
        json!({"customer_id": customer, "subject": "年度采购"}),
    ));
    let add = |product: &str, quantity: i64, discount_bp: i64| {
        w.alice.create(
            "/quote_lines",
            json!({"quote_id": quote, "product_id": product, "quantity": quantity, "discount_bp": discount_bp}),
        )
    };
    // 3 × 0.35 at 5 % off = 0.9975 → 1.00 (100); 13 % of 100 = 13.
    let l1 = add(&cheap, 3, 500);
    assert_eq!(
        (l1["net"].clone(), l1["tax"].clone()),
        (json!(100), json!(13))
    );
    // 1 × 0.15 at 50 % off = 0.075 → 0.08 (half to even); no tax.
    let l2 = add(&exempt, 1, 5_000);
    assert_eq!((l2["net"].clone(), l2["tax"].clone()), (json!(8), json!(0)));
    // 1 × 1.25, 6 %: 0.075 → 0.08.
    let l3 = add(&six, 1, 0);
    assert_eq!(
        (l3["net"].clone(), l3["tax"].clone()),
        (json!(125), json!(8))
    );
    // Many lines more: the totals are the sums of the rounded lines.
    for i in 0..40 {
        add(&six, i % 7 + 1, (i * 250) % 1_000);
    }
    let lines = w
        .alice
        .list_all("/quote_lines", &format!("quote_id={quote}"), 100);
    assert_eq!(lines.len(), 43);
    let sum = |f: &str| lines.iter().map(|l| l[f].as_i64().unwrap()).sum::<i64>();
    let (_, q) = w.alice.get(&format!("/quotes/{quote}"));
    assert_eq!(q["subtotal"].as_i64(), Some(sum("net")));
    assert_eq!(q["tax"].as_i64(), Some(sum("tax")));
    assert_eq!(q["total"].as_i64(), Some(sum("net") + sum("tax")));
    assert!(q["number"].as_str().unwrap().starts_with("Q-"), "{q}");
    // A line's change and a line's deletion move the totals.
    let (status, changed) = w.alice.patch(
        &format!("/quote_lines/{}", id_of(&l1)),
        json!({"quantity": 30}),
    );
    assert_eq!(status, 200, "{changed}");
    assert_eq!(changed["net"], 998, "30 × 35 × 0.95 = 997.5 → 998");
    assert_eq!(
        w.alice.delete(&format!("/quote_lines/{}", id_of(&l2))).0,
        200
    );
    let lines = w
        .alice
        .list_all("/quote_lines", &format!("quote_id={quote}"), 100);
    let (_, q) = w.alice.get(&format!("/quotes/{quote}"));
    let sum = |f: &str| lines.iter().map(|l| l[f].as_i64().unwrap()).sum::<i64>();
    assert_eq!(q["total"].as_i64(), Some(sum("net") + sum("tax")));
    // The server's amounts cannot be typed in.
    let (status, _) = w
        .alice
        .patch(&format!("/quote_lines/{}", id_of(&l1)), json!({"net": 1}));
    assert_eq!(status, 422);
    let (status, _) = w
        .alice
        .patch(&format!("/quotes/{quote}"), json!({"total": 1}));
    assert_eq!(status, 422);
}

#[test]
fn status_moves_are_checked_and_only_drafts_change() {
    let w = world();
    let widget = product(&w, "W-1", 10_000, 1_300);
    let customer = id_of(&w.alice.create("/customers", json!({"name": "戊公司"})));
    let (status, _) = w.alice.post(
        "/quotes",
        json!({"customer_id": customer, "status": "sent"}),
    );
    assert_eq!(status, 422, "a new quote is a draft");
    let quote = id_of(&w.alice.create(
        "/quotes",
        json!({"customer_id": customer, "valid_until": days_from_today(30)}),
    ));
    let path = format!("/quotes/{quote}");
    let (status, body) = w.alice.patch(&path, json!({"status": "sent"}));
    assert_eq!(status, 422, "nothing to send: {body}");
    let line = id_of(&w.alice.create(
        "/quote_lines",
        json!({"quote_id": quote, "product_id": widget, "quantity": 2}),
    ));
    for illegal in ["accepted", "rejected", "expired"] {
        let (status, body) = w.alice.patch(&path, json!({"status": illegal}));
        assert_eq!(status, 409, "draft → {illegal}: {body}");
    }
    let (status, sent) = w.alice.patch(&path, json!({"status": "sent"}));
    assert_eq!(status, 200, "{sent}");
    assert!(sent["sent_at"].is_string());
    // Sent: fields and lines are frozen.
    assert_eq!(w.alice.patch(&path, json!({"subject": "x"})).0, 409);
    assert_eq!(
        w.alice
            .patch(&format!("/quote_lines/{line}"), json!({"quantity": 3}))
            .0,
        409
    );
    assert_eq!(
        w.alice
            .post(
                "/quote_lines",
                json!({"quote_id": quote, "product_id": widget})
            )
            .0,
        409
    );
    assert_eq!(w.alice.delete(&format!("/quote_lines/{line}")).0, 409);
    assert_eq!(w.alice.delete(&path).0, 409);
    assert_eq!(w.alice.patch(&path, json!({"status": "draft"})).0, 409);
    let (status, body) = w.alice.patch(&path, json!({"status": "accepted"}));
    assert_eq!(status, 200, "{body}");
    for illegal in ["draft", "sent", "rejected", "expired"] {
        assert_eq!(
            w.alice.patch(&path, json!({"status": illegal})).0,
            409,
            "accepted → {illegal}"
        );
    }
    // A quote past its validity cannot be accepted.
    let late = id_of(&w.alice.create(
        "/quotes",
        json!({"customer_id": customer, "valid_until": days_from_today(-1)}),
    ));
    w.alice.create(
        "/quote_lines",
        json!({"quote_id": late, "product_id": widget}),
    );
    assert_eq!(
        w.alice
            .patch(&format!("/quotes/{late}"), json!({"status": "sent"}))
            .0,
        200
    );
    let (status, body) = w
        .alice
        .patch(&format!("/quotes/{late}"), json!({"status": "accepted"}));
    assert_eq!(status, 409, "{body}");
    assert_eq!(
        w.alice
            .patch(&format!("/quotes/{late}"), json!({"status": "expired"}))
            .0,
        200
    );
}

#[test]
fn a_revision_keeps_the_earlier_version_as_it_was() {
    let w = world();
    let widget = product(&w, "W-1", 10_000, 1_300);
    let customer = id_of(&w.alice.create("/customers", json!({"name": "己公司"})));
    let first = w.alice.create("/quotes", json!({"customer_id": customer}));
    let first_id = id_of(&first);
    w.alice.create(
        "/quote_lines",
        json!({"quote_id": first_id, "product_id": widget, "quantity": 4, "discount_bp": 500}),
    );
    // A draft is edited, not revised.
    let (status, _) = w.alice.post(
        "/quotes",
        json!({"customer_id": customer, "supersedes": first_id}),
    );
    assert_eq!(status, 409);
    w.alice
        .patch(&format!("/quotes/{first_id}"), json!({"status": "sent"}));
    w.alice.patch(
        &format!("/quotes/{first_id}"),
        json!({"status": "rejected"}),
    );
    let (_, before) = w.alice.get(&format!("/quotes/{first_id}"));
    let second = w.alice.create(
        "/quotes",
        json!({"customer_id": customer, "supersedes": first_id}),
    );
    assert_eq!(second["number"], first["number"]);
    assert_eq!(second["revision"], 2);
    assert_eq!(second["status"], "draft");
    // Its lines came along, and so did its totals.
    let second_id = id_of(&second);
    let lines = w
        .alice
        .list_all("/quote_lines", &format!("quote_id={second_id}"), 10);
    assert_eq!(lines.len(), 1);
    assert_eq!(lines[0]["quantity"], 4);
    let (_, second) = w.alice.get(&format!("/quotes/{second_id}"));
    assert_eq!(second["total"], before["total"]);
    // The earlier one is read-only, even its status; revised once only.
    assert_eq!(
        w.alice
            .patch(&format!("/quotes/{first_id}"), json!({"status": "expired"}))
            .0,
        409
    );
    let (status, _) = w.alice.post(
        "/quotes",
        json!({"customer_id": customer, "supersedes": first_id}),
    );
    assert_eq!(status, 409);
    let (_, after) = w.alice.get(&format!("/quotes/{first_id}"));
    assert_eq!(after, before);
    // A revision is for the same customer.
    let other = id_of(&w.alice.create("/customers", json!({"name": "庚公司"})));
    w.alice
        .patch(&format!("/quotes/{second_id}"), json!({"status": "sent"}));
    let (status, _) = w.alice.post(
        "/quotes",
        json!({"customer_id": other, "supersedes": second_id}),
    );
    assert_eq!(status, 422);
}

#[test]
fn a_discount_above_the_senders_limit_is_not_sent() {
    let w = world();
    let widget = product(&w, "W-1", 10_000, 1_300);
    let customer = id_of(&w.alice.create("/customers", json!({"name": "辛公司"})));
    let quote = id_of(&w.alice.create("/quotes", json!({"customer_id": customer})));
    w.alice.create(
        "/quote_lines",
        json!({"quote_id": quote, "product_id": widget, "discount_bp": 1_000}),
    );
    let big = id_of(&w.alice.create(
        "/quote_lines",
        json!({"quote_id": quote, "product_id": widget, "discount_bp": 2_500}),
    ));
    let path = format!("/quotes/{quote}");
    // Sales may give 10 % by default: 25 % is refused, saying approval is needed.
    let (status, body) = w.alice.patch(&path, json!({"status": "sent"}));
    assert_eq!(status, 403, "{body}");
    assert!(body.to_string().contains("approval"), "{body}");
    let (_, q) = w.alice.get(&path);
    assert_eq!(q["status"], "draft");
    // The admin lowers the sales limit; only the admin may.
    assert_eq!(
        w.manager
            .post(
                "/discount_limits",
                json!({"role": "sales", "max_discount_bp": 3_000})
            )
            .0,
        403
    );
    let limit = w.admin.create(
        "/discount_limits",
        json!({"role": "sales", "max_discount_bp": 3_000}),
    );
    let (status, body) = w.alice.patch(&path, json!({"status": "sent"}));
    assert_eq!(status, 200, "within the new limit: {body}");
    // Down again: a new draft with 25 % is refused once more, and a manager (30 %) may send it.
    w.admin.patch(
        &format!("/discount_limits/{}", id_of(&limit)),
        json!({"max_discount_bp": 500}),
    );
    let again = id_of(&w.alice.create("/quotes", json!({"customer_id": customer})));
    w.alice.create(
        "/quote_lines",
        json!({"quote_id": again, "product_id": widget, "discount_bp": 2_500}),
    );
    assert_eq!(
        w.alice
            .patch(&format!("/quotes/{again}"), json!({"status": "sent"}))
            .0,
        403
    );
    assert_eq!(
        w.manager
            .patch(&format!("/quotes/{again}"), json!({"status": "sent"}))
            .0,
        200
    );
    let _ = big;
}

#[test]
fn quotes_are_seen_by_their_customers_team_and_owner_only() {
    let w = world();
    let widget = product(&w, "W-1", 10_000, 1_300);
    let customer = id_of(&w.alice.create("/customers", json!({"name": "壬公司"})));
    let quote = id_of(&w.alice.create("/quotes", json!({"customer_id": customer})));
    let line = id_of(&w.alice.create(
        "/quote_lines",
        json!({"quote_id": quote, "product_id": widget}),
    ));
    // Alice's manager sees it; Bob (another team) and the call centre do not.
    assert_eq!(w.manager.get(&format!("/quotes/{quote}")).0, 200);
    assert_eq!(w.manager.get(&format!("/quote_lines/{line}")).0, 200);
    for (who, client) in [("bob", &w.bob), ("agent", &w.agent)] {
        assert_eq!(client.get(&format!("/quotes/{quote}")).0, 404, "{who}");
        assert_eq!(client.get(&format!("/quote_lines/{line}")).0, 404, "{who}");
        assert!(client.list_all("/quotes", "", 50).is_empty(), "{who}");
        let (changes, _) = client.feed(0, 500);
        assert!(
            changes
                .iter()
                .all(|c| c["entity"] != "quotes" && c["entity"] != "quote_lines"),
            "{who}"
        );
        assert_eq!(
            client
                .post(
                    "/quote_lines",
                    json!({"quote_id": quote, "product_id": widget})
                )
                .0,
            403,
            "{who}"
        );
    }
    assert_eq!(
        w.agent.post("/quotes", json!({"customer_id": customer})).0,
        403
    );
    // Sent, it tells Bob nothing of its state: still 403, not "this quote is sent".
    assert_eq!(
        w.alice
            .patch(&format!("/quotes/{quote}"), json!({"status": "sent"}))
            .0,
        200
    );
    let (status, body) = w.bob.post(
        "/quote_lines",
        json!({"quote_id": quote, "product_id": widget}),
    );
    assert_eq!(status, 403, "{body}");
    assert!(!body.to_string().contains("sent"), "{body}");
    let (status, body) = w.bob.post(
        "/quotes",
        json!({"customer_id": customer, "supersedes": quote}),
    );
    assert_eq!(status, 403, "{body}");
    assert!(!body.to_string().contains("sent"), "{body}");
    // Bob may not quote for a customer he cannot see.
    assert_eq!(
        w.bob.post("/quotes", json!({"customer_id": customer})).0,
        403
    );
    // Sharing the customer with Bob lets him see its quotes.
    let bob_id = w.bob.id();
    let (status, body) = w.alice.patch(
        &format!("/customers/{customer}"),
        json!({"shared_with": [bob_id]}),
    );
    assert_eq!(status, 200, "{body}");
    assert_eq!(ids(&w.bob.list_all("/quotes", "", 50)), vec![quote.clone()]);
    assert_eq!(w.bob.get(&format!("/quote_lines/{line}")).0, 200);
    let _ = &w.server;
}

#[test]
fn an_opportunity_is_worth_what_its_lines_say() {
    let w = world();
    let widget = product(&w, "W-1", 10_000, 1_300);
    let customer = id_of(
        &w.alice
            .create("/customers", json!({"name": "癸公司", "level": "A"})),
    );
    w.manager.create(
        "/prices",
        json!({"product_id": widget, "level": "A", "unit_price": 9_000, "valid_from": days_from_today(-1)}),
    );
    let deal = id_of(&w.alice.create(
        "/opportunities",
        json!({"customer_id": customer, "name": "扩容", "amount": 123}),
    ));
    let path = format!("/opportunities/{deal}");
    // Without lines the amount is typed in.
    assert_eq!(w.alice.get(&path).1["amount"], 123);
    let l1 = w.alice.create(
        "/opportunity_lines",
        json!({"opportunity_id": deal, "product_id": widget, "quantity": 3, "discount_bp": 1_000}),
    );
    assert_eq!(l1["unit_price"], 9_000, "the level's price");
    assert_eq!(l1["net"], 24_300);
    w.alice.create(
        "/opportunity_lines",
        json!({"opportunity_id": deal, "product_id": widget, "unit_price": 5_000}),
    );
    assert_eq!(w.alice.get(&path).1["amount"], 29_300);
    // Typing another amount is refused while it has lines; other edits pass.
    assert_eq!(w.alice.patch(&path, json!({"amount": 1})).0, 422);
    assert_eq!(w.alice.patch(&path, json!({"next_step": "演示"})).0, 200);
    assert_eq!(
        w.alice
            .delete(&format!("/opportunity_lines/{}", id_of(&l1)))
            .0,
        200
    );
    assert_eq!(w.alice.get(&path).1["amount"], 5_000);
    // Bob sees neither the deal nor its lines.
    assert!(w.bob.list_all("/opportunity_lines", "", 50).is_empty());
}
