//! The bulk import (`POST /{entity}/import`) against the real server over HTTP (SQLite, and
//! PostgreSQL when CRM_TEST_PG names one): each row through its entity's create or update,
//! refusals with their reasons and nothing of them written, matches by code, number and the
//! duplicate check, dry runs that write nothing, a part sent again that creates nothing twice,
//! custom fields, and who may import what.

mod common;

use common::{Client, TestServer};
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

fn count(server: &TestServer, sql: &str) -> i64 {
    server.query_text(sql)[0][0]
        .as_deref()
        .unwrap_or("0")
        .parse()
        .unwrap()
}

fn row(answer: &Value, at: usize) -> &Value {
    answer["rows"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["row"] == at)
        .unwrap_or_else(|| panic!("no answer for row {at}: {answer}"))
}

#[test]
fn customers_go_through_the_create_rules_and_bad_rows_write_nothing() {
    let w = world();
    let rows = json!({"rows": [
        {"name": "北辰科技", "phone": "010-6552 1234", "level": "a"},
        {"name": "南山贸易", "email": "not-an-email"},
        {"phone": "021-1234 5678"},
        {"name": "东方物流", "level": "Z"},
        {"name": "西湖茶业", "owner_id": w.bob.id()},
        "not a row",
        {"name": "北辰科技有限公司", "phone": "(010) 6552-1234", "email": "x@beichen.example"},
        {"name": "长城电子", "email": "cw@greatwall.example", "code": "C900001"},
    ]});
    let (status, answer) = w.alice.post("/customers/import", rows);
    assert_eq!(status, 200, "{answer}");
    assert_eq!(answer["created"], 2, "{answer}");
    assert_eq!(answer["refused"], 5, "{answer}");
    assert_eq!(answer["updated"], 1, "{answer}");
    assert!(row(&answer, 1)["error"]["fields"]["email"].is_string());
    assert!(row(&answer, 2)["error"]["fields"]["name"].is_string());
    assert!(row(&answer, 3)["error"]["fields"]["level"].is_string());
    // A salesperson may not give a customer to someone else: 403, the field named.
    assert_eq!(row(&answer, 4)["error"]["code"], "forbidden", "{answer}");
    assert_eq!(row(&answer, 5)["outcome"], "refused");
    // Row 6 has the first row's phone: the duplicate check matched it, and it was updated.
    let dup = row(&answer, 6);
    assert_eq!(dup["outcome"], "updated", "{answer}");
    assert_eq!(dup["matched_on"], json!(["phone"]));
    assert!(dup["key"].as_str().unwrap().starts_with('C'));
    assert_eq!(
        count(&w.server, "SELECT count(*) FROM customers"),
        2,
        "refused rows wrote nothing"
    );
    // What a single create makes: codes, the importer as owner, the list's spelling.
    let mine = w.alice.list_all("/customers", "", 50);
    assert_eq!(mine.len(), 2);
    let beichen = mine.iter().find(|c| c["code"] == dup["key"]).unwrap();
    assert_eq!(
        beichen["phone"], "(010) 6552-1234",
        "the row's values were written"
    );
    assert_eq!(beichen["owner_id"], json!(w.alice.id()));
    assert_eq!(beichen["level"], "A");
    assert_eq!(beichen["email"], "x@beichen.example", "the update took");
    assert_eq!(beichen["name"], "北辰科技有限公司");
    assert!(mine.iter().any(|c| c["code"] == "C900001"));
    // Each created and updated record is in the audit trail and the feed as a single write.
    assert_eq!(
        count(
            &w.server,
            "SELECT count(*) FROM audit WHERE entity = 'customers' AND action = 'create'"
        ),
        2
    );
}

#[test]
fn a_row_naming_a_code_or_number_updates_that_record_and_no_update_refuses_it() {
    let w = world();
    let made = w
        .alice
        .create("/customers", json!({"name": "北辰科技", "code": "C100001"}));
    let rows = json!({"rows": [{"code": "C100001", "name": "北辰科技集团", "address": "北京"}], "update": false});
    let (status, answer) = w.alice.post("/customers/import", rows);
    assert_eq!(status, 200, "{answer}");
    assert_eq!(answer["refused"], 1);
    assert_eq!(row(&answer, 0)["error"]["code"], "duplicate", "{answer}");
    assert!(
        row(&answer, 0)["error"]["message"]
            .as_str()
            .unwrap()
            .contains("C100001")
    );
    let rows = json!({"rows": [{"code": "C100001", "name": "北辰科技集团", "address": "北京"}]});
    let (_, answer) = w.alice.post("/customers/import", rows);
    assert_eq!(answer["updated"], 1, "{answer}");
    let (_, now) = w
        .alice
        .get(&format!("/customers/{}", made["id"].as_str().unwrap()));
    assert_eq!(now["address"], "北京");
    assert_eq!(now["version"], 2);
    // Bob may not change Alice's customer by naming its code.
    let rows = json!({"rows": [{"code": "C100001", "name": "抢走"}]});
    let (_, answer) = w.bob.post("/customers/import", rows);
    assert_eq!(answer["refused"], 1, "{answer}");
    let (_, now) = w
        .alice
        .get(&format!("/customers/{}", made["id"].as_str().unwrap()));
    assert_eq!(now["name"], "北辰科技集团");

    // Leads by number; an unknown number is refused, not made under another.
    let lead = w.alice.create("/leads", json!({"name": "王磊"}));
    let number = lead["number"].as_str().unwrap().to_lowercase();
    let rows = json!({"rows": [
        {"number": number, "quality": "hot"},
        {"number": "L-999999", "name": "无"},
        {"name": "李娜", "company": "南山贸易"},
    ]});
    let (_, answer) = w.alice.post("/leads/import", rows);
    assert_eq!(
        (&answer["updated"], &answer["refused"], &answer["created"]),
        (&json!(1), &json!(1), &json!(1)),
        "{answer}"
    );
    assert!(row(&answer, 1)["error"]["fields"]["number"].is_string());
    assert_eq!(
        count(
            &w.server,
            "SELECT count(*) FROM leads WHERE quality = 'hot'"
        ),
        1
    );

    // Contacts: the same customer and name is the same person.
    let customer = made["id"].as_str().unwrap();
    let rows = json!({"rows": [
        {"customer_id": customer, "name": "赵敏", "mobile": "138 0013 8000"},
        {"customer_id": customer, "name": " 赵 敏", "title": "采购经理"},
        {"customer_id": "00000000-0000-7000-8000-000000000000", "name": "无主"},
    ]});
    let (_, answer) = w.alice.post("/contacts/import", rows);
    assert_eq!(answer["created"], 1, "{answer}");
    assert_eq!(answer["updated"], 1, "{answer}");
    assert!(row(&answer, 2)["error"].is_object());
    let contacts = w.alice.list_all("/contacts", "", 50);
    assert_eq!(contacts.len(), 1);
    assert_eq!(contacts[0]["title"], "采购经理");
    assert_eq!(contacts[0]["mobile"], "138 0013 8000");
}

#[test]
fn a_dry_run_answers_what_would_happen_and_writes_nothing() {
    let w = world();
    w.alice.create(
        "/customers",
        json!({"name": "北辰科技", "email": "info@beichen.example"}),
    );
    let before = count(&w.server, "SELECT count(*) FROM changes");
    let rows = json!({"dry_run": true, "rows": [
        {"name": "南山贸易"},
        {"name": "北辰 科技"},
        {"name": "东方", "email": "bad"},
    ]});
    let (status, answer) = w.alice.post("/customers/import", rows);
    assert_eq!(status, 200, "{answer}");
    assert_eq!(answer["dry_run"], true);
    assert_eq!(
        (&answer["created"], &answer["updated"], &answer["refused"]),
        (&json!(1), &json!(1), &json!(1)),
        "{answer}"
    );
    assert_eq!(row(&answer, 1)["matched_on"], json!(["name"]));
    assert_eq!(count(&w.server, "SELECT count(*) FROM customers"), 1);
    assert_eq!(count(&w.server, "SELECT count(*) FROM changes"), before);
    // The code counter was not moved either: the next customer gets the next code.
    let next = w.alice.create("/customers", json!({"name": "西湖茶业"}));
    assert_eq!(next["code"], "C000002", "{next}");
}

#[test]
fn a_part_sent_again_after_a_stop_creates_nothing_twice() {
    let w = world();
    let rows = json!({"rows": [
        {"name": "甲公司"}, {"name": "乙公司"}, {"name": "丙", "email": "bad"},
    ]});
    let (status, first) = w
        .alice
        .post_with_key("/customers/import", rows.clone(), "part-1");
    assert_eq!(status, 200, "{first}");
    assert_eq!(first["created"], 2);
    let (status, again) = w
        .alice
        .post_with_key("/customers/import", rows.clone(), "part-1");
    assert_eq!(status, 200);
    assert_eq!(again, first, "the first answer, given again");
    assert_eq!(count(&w.server, "SELECT count(*) FROM customers"), 2);
    // Without the key the rows are matched by the duplicate check and updated, not doubled.
    let (_, third) = w.alice.post("/customers/import", rows);
    assert_eq!(third["created"], 0, "{third}");
    assert_eq!(third["updated"], 2, "{third}");
    assert_eq!(count(&w.server, "SELECT count(*) FROM customers"), 2);
}

#[test]
fn custom_fields_are_checked_by_their_definitions() {
    let w = world();
    w.admin.create(
        "/field_definitions",
        json!({"entity": "customers", "key": "capital", "label_zh": "注册资金", "kind": "money"}),
    );
    w.admin.create(
        "/field_definitions",
        json!({"entity": "customers", "key": "taxpayer", "label_zh": "纳税人", "kind": "choice",
               "choices": ["一般纳税人", "小规模纳税人"]}),
    );
    let rows = json!({"rows": [
        {"name": "北辰科技", "custom": {"capital": 500_000_000, "taxpayer": "一般纳税人"}},
        {"name": "南山贸易", "custom": {"taxpayer": "个体户"}},
        {"name": "东方物流", "custom": {"nope": 1}},
    ]});
    let (_, answer) = w.alice.post("/customers/import", rows);
    assert_eq!(answer["created"], 1, "{answer}");
    assert!(
        row(&answer, 1)["error"]["fields"]["custom.taxpayer"].is_string(),
        "{answer}"
    );
    assert!(row(&answer, 2)["error"]["fields"].is_object(), "{answer}");
    let mine = w.alice.list_all("/customers", "", 50);
    assert_eq!(mine[0]["custom"]["capital"], 500_000_000);
}

#[test]
fn who_may_import_what() {
    let w = world();
    let product = json!({"rows": [{"code": "P-1", "name": "服务器", "list_price": 1_000_000}]});
    let (status, answer) = w.alice.post("/products/import", product.clone());
    assert_eq!(status, 403, "{answer}");
    let (status, answer) = w.manager.post("/products/import", product.clone());
    assert_eq!(status, 200, "{answer}");
    assert_eq!(answer["created"], 1);
    // The same code again is that product, updated.
    let (_, answer) = w.manager.post(
        "/products/import",
        json!({"rows": [{"code": "P-1", "name": "服务器", "list_price": 900_000}]}),
    );
    assert_eq!(answer["updated"], 1, "{answer}");
    let (status, _) = w
        .agent
        .post("/customers/import", json!({"rows": [{"name": "x"}]}));
    assert_eq!(status, 403);
    let (status, answer) = w
        .agent
        .post("/leads/import", json!({"rows": [{"name": "来电"}]}));
    assert_eq!(status, 200, "{answer}");
    assert_eq!(answer["created"], 1);
    let (status, _) = w
        .server
        .anonymous()
        .post("/customers/import", json!({"rows": [{"name": "x"}]}));
    assert_eq!(status, 401);
    // Too many rows in one request, and a body that is not rows, are refused whole.
    let many: Vec<Value> = (0..5_001)
        .map(|i| json!({"name": format!("n{i}")}))
        .collect();
    let (status, _) = w.alice.post("/leads/import", json!({"rows": many}));
    assert!(status == 422 || status == 413, "{status}");
    let (status, _) = w.alice.post("/leads/import", json!({"rows": "x"}));
    assert_eq!(status, 422);
    assert_eq!(count(&w.server, "SELECT count(*) FROM leads"), 1);
    // The routes are in the API's document.
    let (_, doc) = w.server.anonymous().get("/openapi.json");
    for entity in ["customers", "contacts", "leads", "products"] {
        assert!(doc["paths"][format!("/{entity}/import")]["post"].is_object());
    }
    let _ = &w.bob;
}
