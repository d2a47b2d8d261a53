//! The data model an admin shapes, over HTTP on either backend: the value lists (levels,
//! categories, regions…) checked as they stand now, and custom fields validated by their
//! definitions, hidden from the roles that may not read them in every path a record leaves by
//! (get, list, the change feed, the snapshot), refused to those that may not write them.

mod common;

use common::{TestServer, id_of};
use serde_json::{Value, json};

fn item(server_admin: &common::Client, list: &str, code: &str) -> Value {
    let items = server_admin.list_all("/list_items", &format!("list={list}&code={code}"), 10);
    assert_eq!(items.len(), 1, "{list} {code}: {items:?}");
    items[0].clone()
}

#[test]
fn lists_are_edited_by_admins_and_checked_as_they_stand() {
    let server = TestServer::start();
    let admin = server.user("root", "admin", None);
    let sales = server.user("sam", "sales", None);

    // Everyone reads the lists the migration made, in their order.
    let levels: Vec<String> = sales
        .list_all("/list_items", "list=levels&sort=position", 10)
        .iter()
        .map(|i| i["code"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(levels, ["A", "B", "C", "D"]);
    let (status, body) = sales.post(
        "/list_items",
        json!({"list": "levels", "code": "E", "name_zh": "潜力", "name_en": "Rising"}),
    );
    assert_eq!(status, 403, "{body}");
    let (status, body) = admin.post(
        "/list_items",
        json!({"list": "levels", "code": "a", "name_zh": "重复", "name_en": "Again"}),
    );
    assert_eq!(status, 409, "{body}");

    // A value not in the list: 422 naming the field and listing what it may be.
    let (status, body) = sales.post("/customers", json!({"name": "上海某公司", "level": "E"}));
    assert_eq!(status, 422, "{body}");
    let message = body["error"]["fields"]["level"]
        .as_str()
        .unwrap_or_default();
    assert!(message.contains("A, B, C, D"), "{body}");

    // An admin adds E and retires D: E is taken (as the list spells it), D no longer.
    admin.create(
        "/list_items",
        json!({"list": "levels", "code": "E", "name_zh": "潜力", "name_en": "Rising", "position": 5}),
    );
    let d = item(&admin, "levels", "D");
    let (status, body) = admin.patch(
        &format!("/list_items/{}", id_of(&d)),
        json!({"active": false}),
    );
    assert_eq!(status, 200, "{body}");
    let made = sales.create(
        "/customers",
        json!({"name": "上海某公司", "level": "e", "region": "华东"}),
    );
    assert_eq!(made["level"], "E");
    let (status, body) = sales.post("/customers", json!({"name": "北京某公司", "level": "D"}));
    assert_eq!(status, 422, "{body}");
    assert!(
        body["error"]["fields"]["level"]
            .as_str()
            .unwrap()
            .contains("A, B, C, E"),
        "{body}"
    );
    // Records already holding a retired code stay valid: edits that leave it alone pass.
    admin.patch(
        &format!("/list_items/{}", id_of(&d)),
        json!({"active": true}),
    );
    let old = sales.create("/customers", json!({"name": "广州某公司", "level": "D"}));
    admin.patch(
        &format!("/list_items/{}", id_of(&d)),
        json!({"active": false}),
    );
    let (status, body) = sales.patch(
        &format!("/customers/{}", id_of(&old)),
        json!({"phone": "020 1234 5678"}),
    );
    assert_eq!(status, 200, "{body}");

    // Regions and ticket categories are lists too; a filter finds a code however it is typed.
    let (status, body) = sales.post("/customers", json!({"name": "某公司", "region": "火星"}));
    assert_eq!(status, 422, "{body}");
    assert!(body["error"]["fields"]["region"].is_string(), "{body}");
    let (status, body) = sales.post(
        "/tickets",
        json!({"subject": "坏了", "customer_id": id_of(&made), "category": "nonsense"}),
    );
    assert_eq!(status, 422, "{body}");
    assert!(body["error"]["fields"]["category"].is_string(), "{body}");
    let found = sales.list_all("/customers", "level=e", 10);
    assert_eq!(found.len(), 1, "{found:?}");
}

#[test]
fn custom_values_are_validated_by_their_definitions() {
    let server = TestServer::start();
    let admin = server.user("root", "admin", None);
    let sales = server.user("sam", "sales", None);

    let (status, body) = sales.post(
        "/field_definitions",
        json!({"entity": "customers", "key": "capital", "label_zh": "注册资金", "kind": "money"}),
    );
    assert_eq!(status, 403, "{body}");
    admin.create(
        "/field_definitions",
        json!({"entity": "customers", "key": "capital", "label_zh": "注册资金", "label_en": "Registered capital", "kind": "money"}),
    );
    admin.create(
        "/field_definitions",
        json!({"entity": "customers", "key": "taxpayer", "label_zh": "纳税人", "kind": "choice",
               "choices": ["一般纳税人", "小规模纳税人"], "required": true}),
    );
    // A definition's rules: a choice field needs choices; a key once per entity.
    let (status, body) = admin.post(
        "/field_definitions",
        json!({"entity": "customers", "key": "mood", "label_zh": "心情", "kind": "choice"}),
    );
    assert_eq!(status, 422, "{body}");
    let (status, body) = admin.post(
        "/field_definitions",
        json!({"entity": "customers", "key": "capital", "label_zh": "又一个", "kind": "text"}),
    );
    assert_eq!(status, 409, "{body}");
    let (status, body) = admin.post(
        "/field_definitions",
        json!({"entity": "stages", "key": "x", "label_zh": "x", "kind": "text"}),
    );
    assert_eq!(status, 422, "{body}");

    // Required on create; each value of its kind; unknown keys refused; all named.
    let (status, body) = sales.post("/customers", json!({"name": "甲公司"}));
    assert_eq!(status, 422, "{body}");
    assert_eq!(
        body["error"]["fields"]["custom.taxpayer"], "is required",
        "{body}"
    );
    let (status, body) = sales.post(
        "/customers",
        json!({"name": "甲公司", "custom": {"capital": "很多", "taxpayer": "其他", "colour": "red"}}),
    );
    assert_eq!(status, 422, "{body}");
    let fields = &body["error"]["fields"];
    assert!(
        fields["custom.capital"]
            .as_str()
            .unwrap()
            .contains("whole number"),
        "{body}"
    );
    assert!(
        fields["custom.taxpayer"]
            .as_str()
            .unwrap()
            .contains("一般纳税人"),
        "{body}"
    );
    assert!(fields["custom.colour"].is_string(), "{body}");
    let made = sales.create(
        "/customers",
        json!({"name": "甲公司", "custom": {"capital": 500_000_000, "taxpayer": "一般纳税人"}}),
    );
    assert_eq!(
        made["custom"],
        json!({"capital": 500_000_000, "taxpayer": "一般纳税人"})
    );
    // A patch sets the keys it sends, clears those sent as null, keeps the rest.
    let path = format!("/customers/{}", id_of(&made));
    let (status, body) = sales.patch(&path, json!({"custom": {"capital": null}}));
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["custom"], json!({"taxpayer": "一般纳税人"}));
    let (status, body) = sales.patch(&path, json!({"custom": {"taxpayer": null}}));
    assert_eq!(status, 422, "{body}");

    // The OpenAPI document of the moment lists them.
    let (status, doc) = server.anonymous().get("/openapi.json");
    assert_eq!(status, 200);
    let custom = &doc["components"]["schemas"]["customers_create"]["properties"]["custom"];
    assert_eq!(
        custom["properties"]["capital"]["title"], "注册资金",
        "{custom}"
    );
    assert_eq!(custom["required"], json!(["taxpayer"]), "{custom}");
    let level = &doc["components"]["schemas"]["customers_create"]["properties"]["level"];
    assert_eq!(level["enum"], json!(["A", "B", "C", "D", null]), "{level}");
}

#[test]
fn a_field_a_role_may_not_read_never_reaches_it_and_it_may_not_write_it() {
    let server = TestServer::start();
    let team = server.add_team("north");
    let admin = server.user("root", "admin", None);
    let manager = server.user("mia", "manager", Some(&team));
    let sales = server.user("sam", "sales", Some(&team));
    admin.create(
        "/field_definitions",
        json!({"entity": "customers", "key": "payment", "label_zh": "付款态度", "kind": "choice",
               "choices": ["爽快", "拖延"], "read_roles": ["manager"], "write_roles": ["manager"]}),
    );
    admin.create(
        "/field_definitions",
        json!({"entity": "customers", "key": "legal_rep", "label_zh": "法人代表", "kind": "text"}),
    );
    let made = sales.create(
        "/customers",
        json!({"name": "乙公司", "custom": {"legal_rep": "王五"}}),
    );
    let path = format!("/customers/{}", id_of(&made));
    let (status, body) = manager.patch(&path, json!({"custom": {"payment": "拖延"}}));
    assert_eq!(status, 200, "{body}");
    assert_eq!(
        body["custom"],
        json!({"legal_rep": "王五", "payment": "拖延"})
    );

    // Not in a get, a list, the change feed or the snapshot for sales.
    let (_, got) = sales.get(&path);
    assert_eq!(got["custom"], json!({"legal_rep": "王五"}), "{got}");
    let listed = sales.list_all("/customers", "", 10);
    assert_eq!(listed[0]["custom"], json!({"legal_rep": "王五"}));
    let (changes, _) = sales.feed(0, 500);
    let fed = changes
        .iter()
        .find(|c| c["entity"] == "customers")
        .expect("the customer in the feed");
    assert_eq!(
        fed["record"]["custom"],
        json!({"legal_rep": "王五"}),
        "{fed}"
    );
    let (status, page) = sales.get("/sync/snapshot?limit=1000");
    assert_eq!(status, 200, "{page}");
    let snap = page["records"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["entity"] == "customers")
        .expect("the customer in the snapshot");
    assert_eq!(
        snap["record"]["custom"],
        json!({"legal_rep": "王五"}),
        "{snap}"
    );
    // The compact snapshot (rows of values by position) leaves it out too.
    let (status, rows) = sales.send(
        sales
            .request(reqwest::Method::GET, "/sync/snapshot?limit=1000")
            .header("accept", crm_server::wire::SNAPSHOT_ROWS_TYPE),
    );
    assert_eq!(status, 200, "{rows}");
    let page = serde_json::from_value::<crm_server::wire::SnapshotRows>(rows)
        .expect("a compact page")
        .into_page()
        .expect("rows as long as their fields");
    let snap = page
        .records
        .iter()
        .find(|r| r.entity == crm_server::schema::Entity::Customers)
        .expect("the customer in the compact snapshot");
    assert_eq!(snap.record["custom"], json!({"legal_rep": "王五"}));
    // The manager reads it everywhere.
    let (_, got) = manager.get(&path);
    assert_eq!(got["custom"]["payment"], "拖延");
    let (status, page) = manager.get("/sync/snapshot?limit=1000");
    assert_eq!(status, 200);
    assert!(page.to_string().contains("拖延"));

    // Sales may not write it (403 naming it); their edits of other keys keep it.
    let (status, body) = sales.patch(&path, json!({"custom": {"payment": "爽快"}}));
    assert_eq!(status, 403, "{body}");
    assert!(
        body["error"]["fields"]["custom.payment"].is_string(),
        "{body}"
    );
    let (status, body) = sales.patch(&path, json!({"custom": {"legal_rep": "赵六"}}));
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["custom"], json!({"legal_rep": "赵六"}));
    let (_, got) = admin.get(&path);
    assert_eq!(
        got["custom"],
        json!({"legal_rep": "赵六", "payment": "拖延"})
    );
}
