//! Orders and payments through the replica and the sync engine: an order, its line, its
//! confirmation and a payment plan written offline, sent, numbered, totalled and reserved by the
//! server, back in the replica; an agent's replica holds the customer's orders and instalments
//! but no cost; the customer's 360° shows the order and what is owed, the reminders the unpaid
//! instalment.

mod common;
mod support;

use chrono::Utc;
use common::{TestServer, obj, replica_for, sign_in};
use crm::replica::LocalQuery;
use crm::sync;
use crm::tui::data::DataSource;
use crm::tui::{App, ReplicaSource, TuiOptions};
use crm_server::schema::Entity;
use serde_json::json;
use support::{press, screen, type_text};

fn by(field: &str, value: &str) -> LocalQuery {
    LocalQuery {
        filters: vec![(field.into(), json!(value))],
        ..LocalQuery::default()
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_order_written_offline_comes_back_numbered_reserved_and_owed() {
    let server = TestServer::start();
    let east = server.add_team("east");
    server.add_user("alice", "sales", Some(&east));
    server.add_user("ada", "agent", None);
    let product = server.create_as_system(
        Entity::Products,
        json!({"code": "H-BOX", "name": "网关", "list_price": 100_000, "tax_rate_bp": 1_300, "kind": "stock"}),
    );
    let product_id = product["id"].as_str().unwrap().to_string();
    server.create_as_system(
        Entity::ProductCosts,
        json!({"product_id": product_id, "cost": 60_000}),
    );
    let warehouse = server.create_as_system(
        Entity::Warehouses,
        json!({"code": "WH-1", "name": "北京总仓"}),
    );
    let warehouse_id = warehouse["id"].as_str().unwrap().to_string();
    server.create_as_system(
        Entity::StockMovements,
        json!({"product_id": product_id, "warehouse_id": warehouse_id, "kind": "in", "quantity": 5}),
    );

    let alice = sign_in(&server, "alice").await;
    let (_, ra) = replica_for(&server, &alice, "alice").await;
    sync::pull(&ra, &alice, |_| {}).await.expect("pull");
    assert_eq!(
        ra.list(Entity::StockLevels, &LocalQuery::default())
            .unwrap()
            .len(),
        1
    );

    // Offline: a customer, an order with a line, then its payment plan and an instalment past due.
    let customer = ra
        .create(
            Entity::Customers,
            obj(json!({"name": "上海东华供应链", "level": "B"})),
        )
        .unwrap();
    let order = ra
        .create(
            Entity::Orders,
            obj(json!({"customer_id": customer.id, "warehouse_id": warehouse_id, "subject": "网关采购"})),
        )
        .unwrap();
    ra.create(
        Entity::OrderLines,
        obj(json!({"order_id": order.id, "product_id": product_id, "quantity": 2})),
    )
    .unwrap();
    let report = sync::push(&ra, &alice).await.expect("push");
    assert_eq!(report.sent, 3);
    sync::pull(&ra, &alice, |_| {}).await.expect("pull");
    let o = ra.get(Entity::Orders, &order.id).unwrap().unwrap();
    assert_eq!(o.text("number"), Some("O-000001"));
    // 2 × 1,000.00 = 2,000.00; 13 % tax 260.00.
    assert_eq!(o.fields["total"], 226_000);

    // Confirmed offline: the server reserves, the replica learns it.
    ra.update(
        Entity::Orders,
        &order.id,
        obj(json!({"status": "confirmed"})),
    )
    .unwrap();
    let plan = ra
        .create(Entity::PaymentPlans, obj(json!({"order_id": order.id})))
        .unwrap();
    let yesterday = (Utc::now().date_naive() - chrono::Duration::days(1)).to_string();
    ra.create(
        Entity::Instalments,
        obj(json!({"plan_id": plan.id, "due_date": yesterday, "amount": 226_000})),
    )
    .unwrap();
    let report = sync::push(&ra, &alice).await.expect("push");
    assert_eq!(report.sent, 3);
    sync::pull(&ra, &alice, |_| {}).await.expect("pull");
    let level = &ra
        .list(Entity::StockLevels, &LocalQuery::default())
        .unwrap()[0];
    assert_eq!(
        (
            level.fields["reserved"].as_i64(),
            level.fields["available"].as_i64()
        ),
        (Some(2), Some(3))
    );
    let p = ra.get(Entity::PaymentPlans, &plan.id).unwrap().unwrap();
    assert_eq!(p.fields["customer_id"], customer.id.as_str());
    assert_eq!(p.fields["total"], 226_000);
    let instalments = ra
        .list(Entity::Instalments, &by("plan_id", &plan.id))
        .unwrap();
    assert_eq!(instalments[0].fields["status"], "open");
    assert_eq!(instalments[0].fields["owner_id"], alice_id(&server));

    // The agent's replica: the order, its line and the instalment, no cost.
    let ada = sign_in(&server, "ada").await;
    let (_, rg) = replica_for(&server, &ada, "ada").await;
    sync::pull(&rg, &ada, |_| {}).await.expect("pull");
    assert!(rg.get(Entity::Orders, &order.id).unwrap().is_some());
    assert_eq!(
        rg.list(Entity::OrderLines, &by("order_id", &order.id))
            .unwrap()
            .len(),
        1
    );
    assert_eq!(
        rg.list(Entity::Instalments, &LocalQuery::default())
            .unwrap()
            .len(),
        1
    );
    assert!(
        rg.list(Entity::ProductCosts, &LocalQuery::default())
            .unwrap()
            .is_empty()
    );

    // The screens over Alice's replica: the 360° lists the order and what is owed; the
    // reminders hold the unpaid instalment.
    drop(ra);
    let (_, ra) = replica_for(&server, &alice, "alice").await;
    // A second handle answers the reminders, as the app's reading thread would.
    let (_, rb) = replica_for(&server, &alice, "alice").await;
    let reader = ReplicaSource::new(rb);
    let options = TuiOptions {
        profile: "work".into(),
        username: "alice".into(),
        ..TuiOptions::default()
    };
    let mut app = App::new(options, Box::new(ReplicaSource::new(ra)), Utc::now());
    app.update(crm::tui::Action::Resize(160, 48));
    press(&mut app, ":");
    let code = server.all(Entity::Customers)[0]["code"]
        .as_str()
        .unwrap()
        .to_string();
    type_text(&mut app, &format!("open {code}"));
    press(&mut app, "<Enter>");
    let view = app.customer_view().expect("the 360 is open");
    assert_eq!(view.orders.len(), 1);
    assert_eq!(view.receivables.overdue(), 226_000);
    let shown = screen(&app);
    assert!(shown.contains("O-000001"), "{shown}");
    assert!(shown.contains("owes 2,260.00"), "{shown}");
    press(&mut app, "<Esc>");
    let remind = |app: &mut App, effects: Vec<crm::tui::Effect>| {
        for e in effects {
            if let crm::tui::Effect::Reminders { request, query } = e {
                let reminders = Box::new(reader.reminders(&query).unwrap());
                app.update(crm::tui::Action::Reminded { request, reminders });
            }
        }
    };
    let effects = press(&mut app, "R");
    remind(&mut app, effects);
    let shown = screen(&app);
    assert!(shown.contains("1 unpaid"), "{shown}");
    assert!(shown.contains("上海东华供应链"), "{shown}");

    // `x` on it records a payment: the outstanding amount is offered; more than is owed is
    // refused in place by the server's rule, the text kept; a part leaves the rest owed; the
    // rest paid takes the reminder off the list at once, offline, before the server answers.
    let effects = press(&mut app, "G x");
    remind(&mut app, effects);
    let shown = screen(&app);
    assert!(shown.contains("Record a payment"), "{shown}");
    assert!(shown.contains("2260.00"), "{shown}");
    press(&mut app, "<C-u>");
    type_text(&mut app, "3,000");
    press(&mut app, "<Enter>");
    let shown = screen(&app);
    assert!(shown.contains("more than the 2260.00 still due"), "{shown}");
    press(&mut app, "<C-u>");
    type_text(&mut app, "1,000");
    let effects = press(&mut app, "<Enter>");
    remind(&mut app, effects);
    let shown = screen(&app);
    assert!(!shown.contains("Record a payment"), "{shown}");
    assert!(shown.contains("1 unpaid"), "{shown}");
    assert!(shown.contains("1,260.00"), "{shown}");
    let effects = press(&mut app, "G x <Enter>");
    remind(&mut app, effects);
    let shown = screen(&app);
    assert!(!shown.contains("unpaid"), "{shown}");

    // Sent: the server matches both payments to the instalment and marks it paid.
    let (_, rc) = replica_for(&server, &alice, "alice").await;
    let report = sync::push(&rc, &alice).await.expect("push");
    assert_eq!(report.sent, 2);
    sync::pull(&rc, &alice, |_| {}).await.expect("pull");
    let instalments = rc
        .list(Entity::Instalments, &by("plan_id", &plan.id))
        .unwrap();
    assert_eq!(instalments[0].fields["status"], "paid");
    assert_eq!(instalments[0].fields["received"], 226_000);
}

fn alice_id(server: &TestServer) -> String {
    server
        .all(Entity::Users)
        .into_iter()
        .find(|u| u["username"] == "alice")
        .and_then(|u| u["id"].as_str().map(String::from))
        .expect("alice")
}
