//! `crm report value|levels|warnings` against a real server on loopback: the admin's value
//! model over a custom number field, the server's sweep, the ranked list and the pyramid from
//! the replica, each in the user's scope (a salesperson sees their own customers only).

mod common;

use common::TestServer;
use common::cli::{Crm, ok};
use crm_server::schema::Entity;
use serde_json::{Value, json};

#[test]
fn the_value_report_ranks_the_user_s_customers_by_the_server_s_scores() {
    let server = TestServer::start();
    let east = server.add_team("east");
    let li = server.add_user("li", "sales", Some(&east));
    let zhao = server.add_user("zhao", "sales", Some(&east));
    server.add_user("wang", "manager", Some(&east));
    server.create_as_system(
        Entity::FieldDefinitions,
        json!({"entity": "customers", "key": "potential", "label_zh": "潜力", "kind": "number"}),
    );
    server.create_as_system(
        Entity::ValueIndicators,
        json!({"indicator": "custom", "custom_key": "potential", "weight": 1, "full_at": 100}),
    );
    for (level, min) in [("A", 80), ("B", 40), ("C", 0)] {
        server.create_as_system(
            Entity::ValueLevels,
            json!({"level": level, "min_score": min}),
        );
    }
    for (name, owner, potential) in [
        ("甲公司", &li, 90),
        ("乙公司", &li, 50),
        ("丙公司", &li, 10),
        ("丁公司", &zhao, 95),
    ] {
        server.create_as_system(
            Entity::Customers,
            json!({"name": name, "owner_id": owner, "custom": {"potential": potential}}),
        );
    }
    let swept = crm_server::store::write(server.db(), |tx| {
        crm_server::service::analysis::sweep(tx, chrono::Utc::now())
    })
    .expect("sweep");
    assert_eq!(swept.customers, 4, "{swept:?}");

    let sales = Crm::new();
    ok(&sales.login(&server, "li"));
    ok(&sales.run(&["sync"]));
    let json_out = ok(&sales.run(&["report", "value", "--format", "json"]));
    let rows: Vec<Value> = serde_json::from_str(&json_out).expect("JSON");
    let ranked: Vec<(&str, i64, &str)> = rows
        .iter()
        .map(|r| {
            (
                r["name"].as_str().unwrap_or_default(),
                r["score"].as_i64().unwrap_or(-1),
                r["suggested_level"].as_str().unwrap_or_default(),
            )
        })
        .collect();
    assert_eq!(
        ranked,
        vec![
            ("甲公司", 90, "A"),
            ("乙公司", 50, "B"),
            ("丙公司", 10, "C")
        ],
        "li's own, highest first; zhao's 丁公司 is not li's"
    );
    let top = ok(&sales.run(&["report", "value", "--limit", "1", "--format", "csv"]));
    assert_eq!(top.lines().count(), 2, "{top}");

    // The manager's pyramid holds the team: one A of li's and zhao's 丁公司.
    let manager = Crm::new();
    ok(&manager.login(&server, "wang"));
    ok(&manager.run(&["sync"]));
    let levels = ok(&manager.run(&["report", "levels", "--format", "json"]));
    let levels: Vec<Value> = serde_json::from_str(&levels).expect("JSON");
    let count = |level: &str| {
        levels
            .iter()
            .find(|l| l["suggested_level"] == level)
            .map_or(0, |l| l["customers"].as_i64().unwrap_or(0))
    };
    assert_eq!(
        (count("A"), count("B"), count("C")),
        (2, 1, 1),
        "{levels:?}"
    );
    // Nobody is warned yet (new customers, nothing bought).
    let warned = ok(&manager.run(&["report", "warnings", "--format", "json"]));
    assert_eq!(
        serde_json::from_str::<Vec<Value>>(&warned).unwrap().len(),
        0
    );
}
