//! `crm report` and `crm targets` as a script uses them, against a real server on loopback:
//! a manager sets a member's target from the CLI; the report's figures are the dashboard's,
//! CSV defuses formulas in names, JSON is parsed back, `--out` writes a file only its owner reads.

mod common;

use common::TestServer;
use common::cli::{Crm, ok, text};
use crm_server::schema::Entity;
use serde_json::{Value, json};

fn days(n: i64) -> String {
    (chrono::Utc::now().date_naive() + chrono::Duration::days(n))
        .format("%Y-%m-%d")
        .to_string()
}

#[test]
fn a_manager_sets_targets_from_the_cli_and_the_report_shows_won_against_them() {
    let server = TestServer::start();
    let east = server.add_team("east");
    let li = server.add_user("li", "sales", Some(&east));
    server.add_user("wang", "manager", Some(&east));
    // A display name a spreadsheet would run as a formula.
    server.update_as_system(Entity::Users, &li, json!({"display_name": "=SUM(A1)"}));
    let customer =
        server.create_as_system(Entity::Customers, json!({"name": "甲", "owner_id": li}));
    let won = server
        .all(Entity::Stages)
        .into_iter()
        .find(|s| s["kind"] == "won")
        .unwrap();
    server.create_as_system(
        Entity::Opportunities,
        json!({"name": "d", "customer_id": customer["id"], "owner_id": li, "stage_id": won["id"],
               "amount": 250_000, "expected_close": days(0), "close_reason": "ok"}),
    );

    let manager = Crm::new();
    ok(&manager.login(&server, "wang"));
    let month = chrono::Utc::now().format("%Y-%m-01").to_string();
    ok(&manager.run(&[
        "targets", "add", "--user", "li", "--month", &month, "--amount", "10000",
    ]));
    ok(&manager.run(&["sync"]));
    let targets = server.all(Entity::Targets);
    assert_eq!(targets.len(), 1, "{targets:?}");
    assert_eq!(targets[0]["amount"], 1_000_000, "yuan typed, fen stored");
    // A salesperson may not set their own.
    let sales = Crm::new();
    ok(&sales.login(&server, "li"));
    let id = targets[0]["id"].as_str().unwrap().to_string();
    ok(&sales.run(&["sync"]));
    let refused = sales.run(&["targets", "edit", &id, "--amount", "1"]);
    assert!(!refused.status.success(), "{}", text(&refused.stdout));

    let csv = ok(&manager.run(&["report", "sales", "--period", "month", "--format", "csv"]));
    let mut lines = csv.lines();
    assert!(
        lines
            .next()
            .unwrap()
            .starts_with("period,who,won,target,attainment_pct"),
        "{csv}"
    );
    let row = lines.next().unwrap();
    assert!(row.contains("'=SUM(A1)"), "the name defused: {row}");
    assert!(
        row.contains(",250000,1000000,25"),
        "won, target, 25%: {row}"
    );

    let json_text = ok(&manager.run(&["report", "sales", "--format", "json"]));
    let rows: Vec<Value> = serde_json::from_str(&json_text).expect("json");
    let total = rows.last().unwrap();
    assert_eq!(total["who"], "total");
    assert_eq!(total["won"], 250_000);
    assert_eq!(total["target"], 1_000_000);

    let out = manager.home.path().join("weekly.csv");
    ok(&manager.run(&["report", "pyramid", "--out", out.to_str().unwrap()]));
    let written = std::fs::read_to_string(&out).unwrap();
    assert!(
        written.starts_with("period,tier,customers,revenue,share_pct"),
        "{written}"
    );
    use std::os::unix::fs::PermissionsExt;
    assert_eq!(
        std::fs::metadata(&out).unwrap().permissions().mode() & 0o777,
        0o600
    );

    let sheet = manager.home.path().join("sales.xlsx");
    ok(&manager.run(&[
        "report",
        "sales",
        "--format",
        "xlsx",
        "--out",
        sheet.to_str().unwrap(),
    ]));
    let bytes = std::fs::read(&sheet).unwrap();
    assert!(bytes.starts_with(b"PK"), "an XLSX (zip) file");
    assert_eq!(
        std::fs::metadata(&sheet).unwrap().permissions().mode() & 0o777,
        0o600
    );

    let bad = manager.run(&["report", "sales", "--period", "fortnight"]);
    assert_eq!(bad.status.code(), Some(2), "{}", text(&bad.stderr));
    assert!(
        text(&bad.stderr).contains("no such period"),
        "{}",
        text(&bad.stderr)
    );
}
