//! Quotes through the replica and the sync engine: a quote and its lines written offline, sent,
//! priced and totalled by the server, back in the replica; costs never reach a salesperson's or
//! an agent's replica; the quote's record view and the customer's 360° show it over the real
//! replica a sync filled.

mod common;
mod support;

use chrono::Utc;
use common::{TestServer, obj, replica_for, sign_in};
use crm::replica::LocalQuery;
use crm::sync;
use crm::tui::{App, ReplicaSource, TuiOptions};
use crm_server::schema::Entity;
use serde_json::json;
use support::{press, screen, type_text};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_quote_written_offline_comes_back_totalled_and_shows_on_the_screens() {
    let server = TestServer::start();
    let east = server.add_team("east");
    server.add_user("alice", "sales", Some(&east));
    server.add_user("ada", "agent", None);
    server.add_user("nina", "manager", Some(&east));
    let product = server.create_as_system(
        Entity::Products,
        json!({"code": "S-IMPL", "name": "实施服务", "list_price": 250_000, "tax_rate_bp": 600, "kind": "service"}),
    );
    let product_id = product["id"].as_str().unwrap().to_string();
    server.create_as_system(
        Entity::ProductCosts,
        json!({"product_id": product_id, "cost": 120_000}),
    );
    server.create_as_system(
        Entity::Prices,
        json!({"product_id": product_id, "level": "A", "unit_price": 200_000,
               "valid_from": (Utc::now().date_naive() - chrono::Duration::days(1)).to_string()}),
    );

    let alice = sign_in(&server, "alice").await;
    let (_, ra) = replica_for(&server, &alice, "alice").await;
    sync::pull(&ra, &alice, |_| {}).await.expect("pull");
    assert!(ra.get(Entity::Products, &product_id).unwrap().is_some());
    assert!(
        ra.list(Entity::ProductCosts, &LocalQuery::default())
            .unwrap()
            .is_empty(),
        "a salesperson's replica holds no cost"
    );

    // Offline: a customer of level A, a quote, two lines (one priced by the rule, one typed).
    let customer = ra
        .create(
            Entity::Customers,
            obj(json!({"name": "上海东华供应链", "level": "A"})),
        )
        .unwrap();
    let quote = ra
        .create(
            Entity::Quotes,
            obj(json!({"customer_id": customer.id, "subject": "WMS 实施"})),
        )
        .unwrap();
    for body in [
        json!({"quote_id": quote.id, "product_id": product_id, "quantity": 3, "discount_bp": 500}),
        json!({"quote_id": quote.id, "product_id": product_id, "quantity": 1, "unit_price": 99_999}),
    ] {
        ra.create(Entity::QuoteLines, obj(body)).unwrap();
    }
    // The server's field rules refuse locally: a discount over 100 %.
    assert!(
        ra.create(
            Entity::QuoteLines,
            obj(json!({"quote_id": quote.id, "product_id": product_id, "discount_bp": 10_001}))
        )
        .is_err()
    );
    let report = sync::push(&ra, &alice).await.expect("push");
    assert_eq!(report.sent, 4);
    sync::pull(&ra, &alice, |_| {}).await.expect("pull");

    // Back from the server: numbered, priced by the level's list, totals by the rounding rule.
    let q = ra.get(Entity::Quotes, &quote.id).unwrap().unwrap();
    assert_eq!(q.text("number"), Some("Q-000001"));
    let lines = ra
        .list(
            Entity::QuoteLines,
            &LocalQuery {
                filters: vec![("quote_id".into(), json!(quote.id))],
                ..LocalQuery::default()
            },
        )
        .unwrap();
    assert_eq!(lines.len(), 2);
    let priced = lines
        .iter()
        .find(|l| l.fields["quantity"] == 3)
        .expect("the priced line");
    assert_eq!(priced.fields["unit_price"], 200_000);
    // 3 × 2000.00 × 0.95 = 5700.00; 6 % tax 342.00. 999.99 with 6 % = 59.9994 → 60.00.
    assert_eq!(priced.fields["net"], 570_000);
    assert_eq!(priced.fields["tax"], 34_200);
    assert_eq!(q.fields["subtotal"], 570_000 + 99_999);
    assert_eq!(q.fields["tax"], 34_200 + 6_000);
    assert_eq!(q.fields["total"], 570_000 + 99_999 + 34_200 + 6_000);

    // An agent's first sync brings the product, no cost and no quote.
    let ada = sign_in(&server, "ada").await;
    let (_, rg) = replica_for(&server, &ada, "ada").await;
    sync::pull(&rg, &ada, |_| {}).await.expect("pull");
    assert!(rg.get(Entity::Products, &product_id).unwrap().is_some());
    for hidden in [Entity::ProductCosts, Entity::Quotes, Entity::QuoteLines] {
        assert!(
            rg.list(hidden, &LocalQuery::default()).unwrap().is_empty(),
            "the agent's replica holds {}",
            hidden.name()
        );
    }
    // The manager's does hold the cost.
    let nina = sign_in(&server, "nina").await;
    let (_, rn) = replica_for(&server, &nina, "nina").await;
    sync::pull(&rn, &nina, |_| {}).await.expect("pull");
    assert_eq!(
        rn.list(Entity::ProductCosts, &LocalQuery::default())
            .unwrap()
            .len(),
        1
    );

    // The screens, over Alice's replica: the quote by its number, its totals and its lines.
    drop(ra);
    let (_, ra) = replica_for(&server, &alice, "alice").await;
    let options = TuiOptions {
        profile: "work".into(),
        username: "alice".into(),
        ..TuiOptions::default()
    };
    let mut app = App::new(options, Box::new(ReplicaSource::new(ra)), Utc::now());
    app.update(crm::tui::Action::Resize(140, 45));
    press(&mut app, ":");
    type_text(&mut app, "open q-000001");
    press(&mut app, "<Enter>");
    let shown = screen(&app);
    assert!(shown.contains("Q-000001"), "{shown}");
    // 6,699.99 + 402.00 = 7,101.99
    assert!(shown.contains("7,101.99"), "the total: {shown}");
    assert!(shown.contains("6,699.99"), "the subtotal: {shown}");
    assert!(shown.contains("5,700.00"), "a line's net: {shown}");
    // The customer's 360° lists it among its open quotes.
    press(&mut app, "<Esc>");
    press(&mut app, ":");
    let code = {
        let server_customer = server.all(Entity::Customers);
        server_customer[0]["code"].as_str().unwrap().to_string()
    };
    type_text(&mut app, &format!("open {code}"));
    press(&mut app, "<Enter>");
    let view = app.customer_view().expect("the 360 is open");
    assert_eq!(view.quotes.len(), 1);
    let shown = screen(&app);
    assert!(shown.contains("Open quotes (1)"), "{shown}");
    assert!(shown.contains("7,101.99"), "{shown}");
}
