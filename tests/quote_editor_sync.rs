//! The quote editor offline against the real server: a quote's lines added, priced and totalled
//! in the editor with no connection, then pushed; the totals the server stores are the totals
//! the editor showed, to the fen (one rounding rule, one price rule, shared).

mod common;
mod support;

use chrono::Utc;
use common::{TestServer, obj, replica_for, sign_in};
use crm::sync;
use crm::tui::{App, ReplicaSource, TuiOptions};
use crm_server::schema::Entity;
use serde_json::json;
use support::{press, screen, type_text};

/// The money shown after `label` on the editor's totals line ("Total 7,101.99").
fn shown_after(screen: &str, label: &str) -> String {
    let screen = screen
        .lines()
        .find(|l| l.contains("Subtotal "))
        .expect("the totals line");
    let at = screen
        .find(&format!("{label} "))
        .unwrap_or_else(|| panic!("no {label} on screen: {screen}"));
    screen[at + label.len() + 1..]
        .split(|c: char| c.is_whitespace() || c == '│')
        .next()
        .unwrap_or_default()
        .to_string()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_totals_shown_offline_are_the_totals_the_server_stores() {
    let server = TestServer::start();
    let east = server.add_team("east");
    server.add_user("alice", "sales", Some(&east));
    let day_before = (Utc::now().date_naive() - chrono::Duration::days(1)).to_string();
    let service = server.create_as_system(
        Entity::Products,
        json!({"code": "S-IMPL", "name": "实施服务", "list_price": 250_000, "tax_rate_bp": 600, "kind": "service"}),
    );
    server.create_as_system(
        Entity::Prices,
        json!({"product_id": service["id"], "level": "A", "unit_price": 199_999, "valid_from": day_before}),
    );
    server.create_as_system(
        Entity::Products,
        json!({"code": "WMS-LIC", "name": "仓储管理系统许可", "list_price": 33_333, "tax_rate_bp": 1_300}),
    );
    let alice = sign_in(&server, "alice").await;
    let (_, replica) = replica_for(&server, &alice, "alice").await;
    sync::pull(&replica, &alice, |_| {}).await.expect("pull");
    // Offline from here: a customer and a draft quote.
    let customer = replica
        .create(
            Entity::Customers,
            obj(json!({"name": "上海东华供应链", "level": "A"})),
        )
        .unwrap();
    let quote = replica
        .create(
            Entity::Quotes,
            obj(json!({"customer_id": customer.id, "subject": "WMS 实施"})),
        )
        .unwrap();
    drop(replica);

    let (_, replica) = replica_for(&server, &alice, "alice").await;
    let options = TuiOptions {
        profile: "work".into(),
        username: "alice".into(),
        ..TuiOptions::default()
    };
    let mut app = App::new(options, Box::new(ReplicaSource::new(replica)), Utc::now());
    app.update(crm::tui::Action::Resize(140, 40));
    press(&mut app, "g s <Enter>");
    assert!(screen(&app).contains("New quote"), "{}", screen(&app));
    // 7 days of the service at the level's price, 7.5 % off; 3 licences at the list price.
    press(&mut app, "n");
    type_text(&mut app, "shishi");
    press(&mut app, "<Enter> <C-u>");
    type_text(&mut app, "7");
    press(&mut app, "<Tab> <C-u>");
    type_text(&mut app, "7.5");
    press(&mut app, "<Enter> n");
    type_text(&mut app, "WMS");
    press(&mut app, "<Enter> <C-u>");
    type_text(&mut app, "3");
    press(&mut app, "<Enter>");
    let offline = screen(&app);
    let (subtotal, tax, total) = (
        shown_after(&offline, "Subtotal"),
        shown_after(&offline, "Tax"),
        shown_after(&offline, "Total"),
    );
    drop(app);

    let (_, replica) = replica_for(&server, &alice, "alice").await;
    let report = sync::push(&replica, &alice).await.expect("push");
    assert!(report.sent >= 4, "the customer, the quote and two lines");
    assert!(report.refused.is_empty(), "{report:?}");
    let stored = server
        .all(Entity::Quotes)
        .into_iter()
        .find(|q| q["id"] == quote.id.as_str())
        .expect("the quote reached the server");
    let money = |field: &str| crm::tui::format::money(stored[field].as_i64().unwrap());
    assert_eq!(money("subtotal"), subtotal, "{offline}");
    assert_eq!(money("tax"), tax, "{offline}");
    assert_eq!(money("total"), total, "{offline}");
    // And by the rule, worked by hand: 7 × 1,999.99 = 13,999.93, 7.5 % off = 12,949.93525 →
    // 12,949.94, 6 % = 776.9964 → 777.00; 3 × 333.33 = 999.99, 13 % = 129.9987 → 130.00.
    assert_eq!(stored["subtotal"], 1_294_994 + 99_999);
    assert_eq!(stored["tax"], 77_700 + 13_000);
}
