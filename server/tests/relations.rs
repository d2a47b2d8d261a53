//! People and territories over HTTP: contact relations (both contacts visible to the writer,
//! one superior each, no circle of "reports to"), decision roles from the admin's list,
//! territories assigning new customers on create, dealers' assessments, targets and the orders
//! placed through them.

mod common;

use common::{Client, TestServer, id_of};
use serde_json::{Value, json};

struct World {
    server: TestServer,
    east: String,
    south: String,
    admin: Client,
    /// Sales in the east team.
    sam: Client,
    /// Sales in the south team.
    sue: Client,
    /// The east team's manager.
    mia: Client,
    agent: Client,
}

fn world() -> World {
    let server = TestServer::start();
    let east = server.add_team("east");
    let south = server.add_team("south");
    World {
        admin: server.user("root", "admin", None),
        sam: server.user("sam", "sales", Some(&east)),
        sue: server.user("sue", "sales", Some(&south)),
        mia: server.user("mia", "manager", Some(&east)),
        agent: server.user("ada", "agent", None),
        server,
        east,
        south,
    }
}

fn customer(client: &Client, name: &str) -> String {
    id_of(&client.create("/customers", json!({"name": name})))
}

fn contact(client: &Client, customer: &str, name: &str) -> String {
    id_of(&client.create("/contacts", json!({"customer_id": customer, "name": name})))
}

fn relate(client: &Client, from: &str, kind: &str, to: &str) -> (u16, Value) {
    client.post(
        "/contact_relations",
        json!({"contact_id": from, "kind": kind, "related_id": to}),
    )
}

#[test]
fn a_circle_of_reports_to_is_refused_naming_the_chain() {
    let w = world();
    let c = customer(&w.sam, "华东精密机械");
    let boss = contact(&w.sam, &c, "张总");
    let cfo = contact(&w.sam, &c, "李财务");
    let clerk = contact(&w.sam, &c, "王会计");
    let (s, b) = relate(&w.sam, &cfo, "reports_to", &boss);
    assert_eq!(s, 201, "{b}");
    let (s, b) = relate(&w.sam, &clerk, "reports_to", &cfo);
    assert_eq!(s, 201, "{b}");
    // 张总 → 王会计 would close 王会计 → 李财务 → 张总.
    let (s, b) = relate(&w.sam, &boss, "reports_to", &clerk);
    assert_eq!(s, 422, "{b}");
    let message = b["error"]["fields"]["related_id"]
        .as_str()
        .unwrap_or_default();
    assert!(message.contains("张总 → 王会计 → 李财务 → 张总"), "{b}");
    // Oneself, too.
    let (s, b) = relate(&w.sam, &boss, "reports_to", &boss);
    assert_eq!(s, 422, "{b}");
    // Two superiors: the second is a conflict, the first stays.
    let (s, b) = relate(&w.sam, &clerk, "reports_to", &boss);
    assert_eq!(s, 409, "{b}");
    assert!(
        b["error"]["message"]
            .as_str()
            .unwrap_or_default()
            .contains("李财务"),
        "{b}"
    );
    // Other kinds may go any way round: the clerk influences the boss.
    let (s, b) = w.sam.post(
        "/contact_relations",
        json!({"contact_id": clerk, "kind": "influences", "related_id": boss,
               "reason": "管账二十年, 张总最信任"}),
    );
    assert_eq!(s, 201, "{b}");
    // Editing an edge into a circle is refused as its create would be.
    let (_, list) = w.sam.get(&format!("/contact_relations?contact_id={cfo}"));
    let cfo_up = list["items"]
        .as_array()
        .and_then(|a| a.first())
        .map(id_of)
        .expect("the cfo's relation");
    let (s, b) = w.sam.patch(
        &format!("/contact_relations/{cfo_up}"),
        json!({"related_id": clerk}),
    );
    assert_eq!(s, 422, "{b}");
}

#[test]
fn both_contacts_must_be_visible_and_the_writer_must_work_the_customer() {
    let w = world();
    let mine = customer(&w.sam, "华东精密机械");
    let theirs = customer(&w.sue, "南方电子");
    let a = contact(&w.sam, &mine, "张总");
    let b = contact(&w.sue, &theirs, "陈经理");
    // Sam cannot see Sue's contact: a link to it reads as a link to nothing.
    let (s, body) = relate(&w.sam, &a, "influences", &b);
    assert_eq!(s, 403, "{body}");
    assert!(
        body["error"]["message"]
            .as_str()
            .unwrap_or_default()
            .contains("related_id"),
        "{body}"
    );
    // Nor may Sue relate her contact to his.
    let (s, body) = relate(&w.sue, &b, "family_of", &a);
    assert_eq!(s, 403, "{body}");
    // The call centre reads relations, never writes them.
    let secretary = contact(&w.sam, &mine, "李秘书");
    let (s, body) = relate(&w.agent, &secretary, "assistant_of", &a);
    assert_eq!(s, 403, "{body}");
    // Once shared, Sam relates the two; Sue reads nothing of Sam's customer's relations.
    let (s, body) = w.sue.patch(
        &format!("/customers/{theirs}"),
        json!({"shared_with": [w.sam.id()]}),
    );
    assert_eq!(s, 200, "{body}");
    let (s, body) = relate(&w.sam, &a, "influences", &b);
    assert_eq!(s, 201, "{body}");
    let relation = id_of(&body);
    let (s, _) = w.sue.get(&format!("/contact_relations/{relation}"));
    assert_eq!(s, 404);
    let (s, _) = w.agent.get(&format!("/contact_relations/{relation}"));
    assert_eq!(s, 200);
}

#[test]
fn a_decision_role_comes_from_the_admins_list() {
    let w = world();
    let c = customer(&w.sam, "华东精密机械");
    let (s, body) = w.sam.post(
        "/contacts",
        json!({"customer_id": c, "name": "张总", "decision_role": "decision_maker"}),
    );
    assert_eq!(s, 201, "{body}");
    let (s, body) = w.sam.post(
        "/contacts",
        json!({"customer_id": c, "name": "某人", "decision_role": "kingmaker"}),
    );
    assert_eq!(s, 422, "{body}");
    assert!(
        body["error"]["fields"]["decision_role"].is_string(),
        "{body}"
    );
    // The admin adds one; it is taken at once.
    w.admin.create(
        "/list_items",
        json!({"list": "decision_roles", "code": "sponsor", "name_zh": "内部支持者",
               "name_en": "Sponsor", "position": 5}),
    );
    let (s, body) = w.sam.post(
        "/contacts",
        json!({"customer_id": c, "name": "某人", "decision_role": "sponsor"}),
    );
    assert_eq!(s, 201, "{body}");
}

#[test]
fn a_new_customer_in_a_territory_goes_to_its_owner_and_team() {
    let w = world();
    let east_owner = w.server.user("eve", "sales", Some(&w.east));
    let (s, body) = w.mia.post(
        "/territories",
        json!({"name": "华东区", "regions": ["华东"], "owner_id": east_owner.id()}),
    );
    assert_eq!(s, 403, "only admins keep territories: {body}");
    let east = id_of(&w.admin.create(
        "/territories",
        json!({"name": "华东区", "regions": ["华东"], "owner_id": east_owner.id(),
               "team_id": w.east}),
    ));
    let finance = id_of(&w.admin.create(
        "/territories",
        json!({"name": "华东金融", "regions": ["华东"], "industries": ["金融"],
               "team_id": w.south}),
    ));
    let (s, body) = w
        .admin
        .post("/territories", json!({"name": "火星", "regions": ["火星"]}));
    assert_eq!(s, 422, "an unknown region: {body}");

    // Sue (south) enters a customer in 华东: it is Eve's, in the east team, and Sue keeps
    // sight of what she entered.
    let made = w.sue.create(
        "/customers",
        json!({"name": "杭州新材料", "region": "华东"}),
    );
    assert_eq!(made["territory_id"], east);
    assert_eq!(made["owner_id"], east_owner.id());
    assert_eq!(made["team_id"], w.east);
    assert_eq!(made["shared_with"], json!([w.sue.id()]));
    let (s, _) = east_owner.get(&format!("/customers/{}", id_of(&made)));
    assert_eq!(s, 200);

    // The industry's territory is more specific; it names a team only, so the creator owns it.
    let bank = w.sam.create(
        "/customers",
        json!({"name": "宁波银行某支行", "region": "华东", "industry": "金融"}),
    );
    assert_eq!(bank["territory_id"], finance);
    assert_eq!(bank["owner_id"], w.sam.id());
    assert_eq!(bank["team_id"], w.south);

    // Outside every territory nothing changes; a manager naming an owner keeps that owner.
    let west = w
        .sam
        .create("/customers", json!({"name": "成都火锅", "region": "西南"}));
    assert!(west["territory_id"].is_null(), "{west}");
    assert_eq!(west["owner_id"], w.sam.id());
    let named = w.mia.create(
        "/customers",
        json!({"name": "苏州园林", "region": "华东", "owner_id": w.sam.id()}),
    );
    assert_eq!(named["territory_id"], east);
    assert_eq!(named["owner_id"], w.sam.id());

    // A territory switched off takes nobody.
    let (s, body) = w
        .admin
        .patch(&format!("/territories/{east}"), json!({"active": false}));
    assert_eq!(s, 200, "{body}");
    let later = w.sue.create(
        "/customers",
        json!({"name": "上海后来者", "region": "华东"}),
    );
    assert!(later["territory_id"].is_null(), "{later}");
    assert_eq!(later["owner_id"], w.sue.id());
}

#[test]
fn a_customer_follows_its_region_and_the_admin_reapplies_changed_rules() {
    let w = world();
    let eve = w.server.user("eve", "sales", Some(&w.east));
    let stu = w.server.user("stu", "sales", Some(&w.south));
    let east = id_of(&w.admin.create(
        "/territories",
        json!({"name": "华东区", "regions": ["华东"], "owner_id": eve.id(), "team_id": w.east}),
    ));
    let south = id_of(&w.admin.create(
        "/territories",
        json!({"name": "华南区", "regions": ["华南"], "owner_id": stu.id(), "team_id": w.south}),
    ));
    let made = w
        .sam
        .create("/customers", json!({"name": "温州鞋业", "region": "华北"}));
    let id = id_of(&made);
    assert!(made["territory_id"].is_null(), "{made}");
    assert_eq!(made["owner_id"], w.sam.id());

    // Sam moves it to 华东: it goes to that territory, to Eve and her team; Sam keeps sight.
    let (s, moved) = w
        .sam
        .patch(&format!("/customers/{id}"), json!({"region": "华东"}));
    assert_eq!(s, 200, "{moved}");
    assert_eq!(moved["territory_id"], east);
    assert_eq!(moved["owner_id"], eve.id());
    assert_eq!(moved["team_id"], w.east);
    assert!(
        moved["shared_with"]
            .as_array()
            .unwrap()
            .contains(&json!(w.sam.id())),
        "{moved}"
    );
    let (s, trail) = w.admin.get(&format!("/audit/customers/{id}"));
    assert_eq!(s, 200, "{trail}");
    let entries = trail["items"].as_array().or(trail.as_array()).unwrap();
    assert!(
        entries.iter().any(|e| e["action"] == "update"
            && e["changes"]["territory_id"] == json!([Value::Null, east])
            && e["changes"]["owner_id"] == json!([w.sam.id(), eve.id()])),
        "the move is in the audit trail: {trail}"
    );
    // An edit of another field, or of the region with an owner named, leaves the owner.
    let (s, same) = w.admin.patch(
        &format!("/customers/{id}"),
        json!({"phone": "0577-1234567"}),
    );
    assert_eq!(s, 200, "{same}");
    assert_eq!(
        (same["territory_id"].clone(), same["owner_id"].clone()),
        (json!(east), json!(eve.id()))
    );
    let (s, named) = w.admin.patch(
        &format!("/customers/{id}"),
        json!({"region": "华南", "owner_id": w.sue.id()}),
    );
    assert_eq!(s, 200, "{named}");
    assert_eq!(named["territory_id"], south);
    assert_eq!(named["owner_id"], w.sue.id());
    // Out of every territory: no territory, the owner stays.
    let (s, out) = w
        .admin
        .patch(&format!("/customers/{id}"), json!({"region": "西南"}));
    assert_eq!(s, 200, "{out}");
    assert!(out["territory_id"].is_null(), "{out}");
    assert_eq!(out["owner_id"], w.sue.id());

    // The admin widens 华南区 to 西南 and reapplies the rules: only an admin, a dry run writes
    // nothing, then the customer moves to Stu, audited.
    let (s, _) = w.admin.patch(
        &format!("/territories/{south}"),
        json!({"regions": ["华南", "西南"]}),
    );
    assert_eq!(s, 200);
    let (s, _) = w.mia.post("/territories/apply", json!({}));
    assert_eq!(s, 403);
    let (s, counted) = w.admin.post("/territories/apply", json!({"dry_run": true}));
    assert_eq!(s, 200, "{counted}");
    assert_eq!(
        (counted["moved"].as_i64(), counted["owners"].as_i64()),
        (Some(1), Some(1)),
        "{counted}"
    );
    let (_, still) = w.admin.get(&format!("/customers/{id}"));
    assert!(still["territory_id"].is_null(), "{still}");
    let (s, applied) = w.admin.post("/territories/apply", json!({}));
    assert_eq!(s, 200, "{applied}");
    assert_eq!(applied["moved"], 1, "{applied}");
    let (_, now) = w.admin.get(&format!("/customers/{id}"));
    assert_eq!(now["territory_id"], south);
    assert_eq!(now["owner_id"], stu.id());
    assert_eq!(now["team_id"], w.south);
    // Applied again, nothing moves.
    let (_, again) = w.admin.post("/territories/apply", json!({}));
    assert_eq!(again["moved"], 0, "{again}");
}

fn dealer(client: &Client, name: &str) -> String {
    id_of(&client.create("/customers", json!({"name": name, "category": "dealer"})))
}

#[test]
fn dealers_have_assessments_targets_contracts_and_orders_through_them() {
    let w = world();
    let d = dealer(&w.sam, "华东经销商");
    let plain = customer(&w.sam, "普通客户");
    let end = customer(&w.sam, "终端用户");

    // Assessments: of dealers only, once a period, total and grade the server's.
    let made = w.sam.create(
        "/dealer_assessments",
        json!({"customer_id": d, "period": "2026-10-01", "sales_score": 90,
               "market_score": 80, "service_score": 85, "credit_score": 84}),
    );
    assert_eq!(made["total"], 85);
    assert_eq!(made["grade"], "A");
    let (s, body) = w.sam.post(
        "/dealer_assessments",
        json!({"customer_id": d, "period": "2026-10-01", "sales_score": 1,
               "market_score": 1, "service_score": 1, "credit_score": 1}),
    );
    assert_eq!(s, 409, "{body}");
    let (s, body) = w.sam.post(
        "/dealer_assessments",
        json!({"customer_id": plain, "period": "2026-10-01", "sales_score": 1,
               "market_score": 1, "service_score": 1, "credit_score": 1}),
    );
    assert_eq!(s, 422, "{body}");
    let (s, body) = w.sam.post(
        "/dealer_assessments",
        json!({"customer_id": d, "period": "2026-11-01", "sales_score": 1,
               "market_score": 1, "service_score": 1, "credit_score": 1, "grade": "A"}),
    );
    assert_eq!(s, 422, "the grade is the server's: {body}");
    let (s, _) = w.sue.get(&format!("/dealer_assessments/{}", id_of(&made)));
    assert_eq!(s, 404, "another team's dealer's assessment is hidden");

    // Targets: the dealer's team's manager sets one; another team's may not; one a month.
    let (s, body) = w.mia.post(
        "/targets",
        json!({"customer_id": d, "month": "2026-12-01", "amount": 1_000_000}),
    );
    assert_eq!(s, 201, "{body}");
    let (s, body) = w.mia.post(
        "/targets",
        json!({"customer_id": d, "month": "2026-12-01", "amount": 5}),
    );
    assert_eq!(s, 409, "{body}");
    let (s, body) = w.mia.post(
        "/targets",
        json!({"customer_id": plain, "month": "2026-12-01", "amount": 5}),
    );
    assert_eq!(s, 422, "{body}");
    let south_manager = w.server.user("max", "manager", Some(&w.south));
    let (s, body) = south_manager.post(
        "/targets",
        json!({"customer_id": d, "month": "2027-01-01", "amount": 5}),
    );
    assert_eq!(s, 403, "{body}");
    let (s, body) = w.sam.get(&format!("/targets?customer_id={d}"));
    assert_eq!(s, 200, "{body}");
    assert_eq!(body["items"].as_array().map(Vec::len), Some(1), "{body}");

    // The agency contract is one of the dealer's own.
    let contract_for = |customer: &str| {
        id_of(&w.sam.create(
            "/contracts",
            json!({"name": "代理合同", "customer_id": customer, "amount": 100,
                   "format": "standard", "contract_type": "sales",
                   "starts_on": "2026-01-01", "ends_on": "2026-12-31"}),
        ))
    };
    let own = contract_for(&d);
    let foreign = contract_for(&plain);
    let (s, body) = w.sam.patch(
        &format!("/customers/{d}"),
        json!({"agency_contract_id": foreign}),
    );
    assert_eq!(s, 422, "{body}");
    let (s, body) = w.sam.patch(
        &format!("/customers/{d}"),
        json!({"agency_contract_id": own}),
    );
    assert_eq!(s, 200, "{body}");
    let (s, body) = w.sam.patch(
        &format!("/customers/{plain}"),
        json!({"agency_contract_id": foreign}),
    );
    assert_eq!(s, 422, "only dealers have agency contracts: {body}");

    // Orders through a dealer: a dealer, not the customer itself, one the writer can see.
    let (s, body) = w
        .sam
        .post("/orders", json!({"customer_id": end, "dealer_id": d}));
    assert_eq!(s, 201, "{body}");
    assert_eq!(body["dealer_id"], d);
    let (s, body) = w
        .sam
        .post("/orders", json!({"customer_id": end, "dealer_id": plain}));
    assert_eq!(s, 422, "{body}");
    let (s, body) = w
        .sam
        .post("/orders", json!({"customer_id": d, "dealer_id": d}));
    assert_eq!(s, 422, "{body}");
    let hidden_dealer = dealer(&w.sue, "华南经销商");
    let (s, body) = w.sam.post(
        "/orders",
        json!({"customer_id": end, "dealer_id": hidden_dealer}),
    );
    assert_eq!(s, 403, "{body}");
    let (s, body) = w.sam.get(&format!("/orders?dealer_id={d}"));
    assert_eq!(s, 200, "{body}");
    assert_eq!(body["items"].as_array().map(Vec::len), Some(1), "{body}");
}
