//! Leads and campaigns against the real server over HTTP (SQLite, and PostgreSQL when
//! CRM_TEST_PG names one): who sees a lead, the conversion in one step, the import, campaign
//! members from a query, a call campaign's calls, and a campaign's results.

mod common;

use common::{Client, TestServer, id_of};
use serde_json::{Value, json};

struct World {
    server: TestServer,
    admin: Client,
    manager: Client,
    alice: Client,
    carol: Client,
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
        carol: server.user("carol", "sales", Some(&north)),
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

fn lead(client: &Client, body: Value) -> Value {
    client.create("/leads", body)
}

#[test]
fn a_salesperson_sees_their_own_leads_and_their_teams_pool_never_another_teams() {
    let w = world();
    let mine = lead(
        &w.alice,
        json!({"name": "王磊", "company": "北辰科技", "source": "web"}),
    );
    let number = mine["number"].as_str().unwrap();
    assert!(number.starts_with("L-") && number.len() == 8, "{number}");
    assert_eq!(
        mine["owner_id"],
        json!(w.alice.id()),
        "a salesperson's lead is theirs"
    );
    assert_eq!(mine["status"], "new");
    // The manager's lead without an owner is the team's pool.
    let pool = lead(&w.manager, json!({"name": "李娜", "company": "南山贸易"}));
    assert!(pool["owner_id"].is_null());
    let mine_path = format!("/leads/{}", id_of(&mine));
    let pool_path = format!("/leads/{}", id_of(&pool));

    // Carol (same team) sees the pool but not Alice's own lead; Bob (other team) neither.
    assert_eq!(w.carol.get(&pool_path).0, 200);
    assert_eq!(w.carol.get(&mine_path).0, 404);
    assert_eq!(w.bob.get(&pool_path).0, 404);
    assert_eq!(w.bob.get(&mine_path).0, 404);
    assert_eq!(w.agent.get(&pool_path).0, 404);
    assert_eq!(w.manager.get(&mine_path).0, 200, "the team's manager");
    let bobs = w.bob.list_all("/leads", "", 50);
    assert!(bobs.is_empty(), "{bobs:?}");

    // Carol takes the pool lead; then Alice no longer sees it, and may not give it to Bob.
    let (status, taken) = w.carol.patch(&pool_path, json!({"owner_id": w.carol.id()}));
    assert_eq!(status, 200, "{taken}");
    assert_eq!(w.alice.get(&pool_path).0, 404);
    let (status, _) = w.carol.patch(&pool_path, json!({"owner_id": w.bob.id()}));
    assert_eq!(status, 403);
    // Handed back, it is the team's again.
    let (status, back) = w.carol.patch(&pool_path, json!({"owner_id": null}));
    assert_eq!(status, 200, "{back}");
    assert_eq!(w.alice.get(&pool_path).0, 200);

    // The routes beyond CRUD are in the API's document.
    let (_, doc) = w.server.anonymous().get("/openapi.json");
    for path in [
        "/leads/{id}/convert",
        "/leads/import",
        "/campaigns/{id}/members",
    ] {
        assert!(doc["paths"][path]["post"].is_object(), "{path}");
    }
    assert!(doc["paths"]["/campaigns/{id}/results"]["get"].is_object());
    // Nobody unauthenticated grows the leads.
    let (status, _) = w.server.anonymous().post("/leads", json!({"name": "spam"}));
    assert_eq!(status, 401);
    // A disqualified lead says why.
    let (status, answer) = w.alice.patch(&mine_path, json!({"status": "disqualified"}));
    assert_eq!(status, 422, "{answer}");
    assert!(answer["error"]["fields"]["disqualify_reason"].is_string());
    let (status, _) = w.alice.patch(
        &mine_path,
        json!({"status": "disqualified", "disqualify_reason": "no budget this year"}),
    );
    assert_eq!(status, 200);
    let (status, _) = w.alice.post(&format!("{mine_path}/convert"), json!({}));
    assert_eq!(status, 409, "a disqualified lead is reopened first");
}

#[test]
fn converting_makes_one_customer_contact_and_opportunity_keeps_the_history_and_is_409_twice() {
    let w = world();
    let campaign = w.manager.create(
        "/campaigns",
        json!({"name": "春季展会", "campaign_type": "exhibition", "starts_on": "2026-03-01"}),
    );
    let l = lead(
        &w.alice,
        json!({"name": "赵敏", "company": "明远制造", "title": "采购经理",
               "phone": "+86 21 5555 0101", "email": "zhao@mingyuan.example",
               "source": "exhibition", "campaign_id": id_of(&campaign), "quality": "hot"}),
    );
    let id = id_of(&l);
    let call = w.alice.create(
        "/activities",
        json!({"kind": "call", "subject": "第一次电话", "lead_id": id, "done": true}),
    );
    let member = w.manager.create(
        "/campaign_members",
        json!({"campaign_id": id_of(&campaign), "lead_id": id}),
    );
    let customers_before = count(&w.server, "SELECT count(*) FROM customers");

    let (status, converted) = w.alice.post(
        &format!("/leads/{id}/convert"),
        json!({"opportunity_name": "明远 二期", "opportunity_amount": 12_000_000}),
    );
    assert_eq!(status, 200, "{converted}");
    assert_eq!(converted["status"], "converted");
    let customer = converted["customer_id"].as_str().unwrap().to_string();
    let contact = converted["contact_id"].as_str().unwrap().to_string();
    let deal = converted["opportunity_id"].as_str().unwrap().to_string();
    assert!(converted["converted_at"].is_string());
    assert_eq!(
        count(&w.server, "SELECT count(*) FROM customers"),
        customers_before + 1
    );
    let at = |sql: &str| count(&w.server, &sql.replace("?", &customer));
    assert_eq!(
        at("SELECT count(*) FROM contacts WHERE customer_id = '?'"),
        1
    );
    assert_eq!(
        at("SELECT count(*) FROM opportunities WHERE customer_id = '?'"),
        1
    );
    let (_, c) = w.alice.get(&format!("/customers/{customer}"));
    assert_eq!(c["name"], "明远制造");
    assert_eq!(c["owner_id"], json!(w.alice.id()));
    let (_, p) = w.alice.get(&format!("/contacts/{contact}"));
    assert_eq!(p["name"], "赵敏");
    assert_eq!(p["title"], "采购经理");
    let (_, o) = w.alice.get(&format!("/opportunities/{deal}"));
    assert_eq!(o["amount"], 12_000_000);
    assert_eq!(o["campaign_id"], json!(id_of(&campaign)));
    // The lead's call is now on the customer, still naming the lead.
    let (_, moved) = w.alice.get(&format!("/activities/{}", id_of(&call)));
    assert_eq!(moved["customer_id"], json!(customer));
    assert_eq!(moved["contact_id"], json!(contact));
    assert_eq!(moved["lead_id"], json!(id));
    let history = w
        .alice
        .list_all("/activities", &format!("customer_id={customer}"), 50);
    assert_eq!(history.len(), 1);
    // Its campaign membership counts as converted.
    let (_, m) = w
        .manager
        .get(&format!("/campaign_members/{}", id_of(&member)));
    assert_eq!(m["response"], "converted");

    // A second conversion, by either path, is a 409 and makes nothing.
    let (status, again) = w.alice.post(&format!("/leads/{id}/convert"), json!({}));
    assert_eq!(status, 409, "{again}");
    assert!(again["error"]["message"].as_str().unwrap().contains('C'));
    let (status, _) = w
        .alice
        .patch(&format!("/leads/{id}"), json!({"status": "converted"}));
    assert_eq!(status, 409);
    let (status, _) = w
        .alice
        .patch(&format!("/leads/{id}"), json!({"notes": "edit after"}));
    assert_eq!(status, 409, "a converted lead is kept as converted");
    assert_eq!(
        count(&w.server, "SELECT count(*) FROM customers"),
        customers_before + 1
    );
    assert_eq!(
        at("SELECT count(*) FROM contacts WHERE customer_id = '?'"),
        1
    );
}

#[test]
fn a_likely_duplicate_customer_is_caught_at_conversion_and_offered_to_attach_to() {
    let w = world();
    let existing = w.alice.create(
        "/customers",
        json!({"name": "华东重工", "phone": "021-5555 0199"}),
    );
    let code = existing["code"].as_str().unwrap().to_string();
    let l = lead(&w.alice, json!({"name": "钱峰", "company": "华东重工"}));
    let id = id_of(&l);
    let (status, refused) = w.alice.post(&format!("/leads/{id}/convert"), json!({}));
    assert_eq!(status, 409, "{refused}");
    let message = refused["error"]["message"].as_str().unwrap();
    assert!(message.contains(&code), "{message}");
    assert!(message.contains("attach"), "{message}");
    // Nothing of the refused conversion stayed.
    let (_, still) = w.alice.get(&format!("/leads/{id}"));
    assert_eq!(still["status"], "new");
    assert_eq!(
        count(&w.server, "SELECT count(*) FROM customers"),
        1,
        "no second customer"
    );
    assert_eq!(count(&w.server, "SELECT count(*) FROM contacts"), 0);

    // Attached to the existing customer: a contact there, no new customer.
    let (status, done) = w.alice.post(
        &format!("/leads/{id}/convert"),
        json!({"customer_id": id_of(&existing)}),
    );
    assert_eq!(status, 200, "{done}");
    assert_eq!(done["customer_id"], json!(id_of(&existing)));
    assert_eq!(count(&w.server, "SELECT count(*) FROM customers"), 1);
    assert_eq!(count(&w.server, "SELECT count(*) FROM contacts"), 1);

    // Or converted anyway, by choice: a second customer of that name.
    let other = lead(&w.alice, json!({"name": "孙丽", "company": "华东重工"}));
    let (status, forced) = w.alice.post(
        &format!("/leads/{}/convert", id_of(&other)),
        json!({"force": true}),
    );
    assert_eq!(status, 200, "{forced}");
    assert_ne!(forced["customer_id"], json!(id_of(&existing)));
    assert_eq!(count(&w.server, "SELECT count(*) FROM customers"), 2);
    // Someone who cannot see the lead cannot convert it.
    let hidden = lead(&w.alice, json!({"name": "周杰"}));
    let (status, _) = w
        .bob
        .post(&format!("/leads/{}/convert", id_of(&hidden)), json!({}));
    assert_eq!(status, 404);
}

#[test]
fn an_import_takes_each_row_through_the_rules_and_refuses_bad_ones_with_their_reason() {
    let w = world();
    let rows = json!({"rows": [
        {"name": "甲", "company": "一号公司", "email": "a@one.example", "source": "web"},
        {"name": "乙", "email": "not-an-email"},
        {"company": "no name"},
        {"name": "丙", "source": "no-such-source"},
        {"name": "丁", "quality": "cold", "phone": "010-6552 1234"},
        "not a row",
    ]});
    let (status, answer) = w.alice.post("/leads/import", rows);
    assert_eq!(status, 200, "{answer}");
    assert_eq!(answer["created"], 2);
    assert_eq!(answer["refused"], 4);
    // Only the rows not simply created are listed, by their place in the request.
    let rows = answer["rows"].as_array().unwrap();
    let at = |n: usize| rows.iter().find(|r| r["row"] == n).unwrap();
    assert!(rows.iter().all(|r| r["outcome"] == "refused"), "{answer}");
    assert!(at(1)["error"]["fields"]["email"].is_string(), "{}", at(1));
    assert!(at(2)["error"]["fields"]["name"].is_string(), "{}", at(2));
    assert!(at(3)["error"]["fields"]["source"].is_string(), "{}", at(3));
    assert!(at(5)["error"].is_object());
    let numbers: Vec<Value> = w
        .alice
        .list_all("/leads", "", 50)
        .iter()
        .map(|l| l["number"].clone())
        .collect();
    assert!(
        numbers
            .iter()
            .all(|n| n.as_str().unwrap().starts_with("L-"))
    );
    assert_eq!(count(&w.server, "SELECT count(*) FROM leads"), 2);
    let mine = w.alice.list_all("/leads", "", 50);
    assert_eq!(mine.len(), 2, "imported leads are the importer's");
}

#[test]
fn campaign_members_come_from_a_query_and_a_call_campaigns_members_are_its_agents_calls() {
    let w = world();
    for (name, level) in [("上海甲", "A"), ("上海乙", "A"), ("北京丙", "B")] {
        w.alice
            .create("/customers", json!({"name": name, "level": level}));
    }
    // Bob's customer is not Alice's to add.
    w.bob
        .create("/customers", json!({"name": "广州丁", "level": "A"}));
    let campaign = w.alice.create(
        "/campaigns",
        json!({"name": "A 级回访", "campaign_type": "call", "starts_on": "2026-01-05",
               "agent_ids": [w.agent.id()], "status": "active"}),
    );
    let path = format!("/campaigns/{}/members", id_of(&campaign));
    let (status, added) = w
        .alice
        .post(&path, json!({"entity": "customers", "q": "level:A"}));
    assert_eq!(status, 200, "{added}");
    assert_eq!(added["added"], 2);
    // Again: the same people are not added twice.
    let (_, again) = w
        .alice
        .post(&path, json!({"entity": "customers", "q": "level:A"}));
    assert_eq!(again["added"], 0);
    assert_eq!(again["present"], 2);
    let (status, bad) = w
        .alice
        .post(&path, json!({"entity": "customers", "q": "levl:A"}));
    assert_eq!(status, 400, "{bad}");
    // Bob may not fill Alice's campaign.
    let (status, _) = w.bob.post(&path, json!({"entity": "customers", "q": ""}));
    assert_eq!(status, 403);

    // Each member is a planned call for the agent: in the agent's callbacks.
    let calls = w
        .agent
        .list_all("/activities", &format!("owner_id={}", w.agent.id()), 50);
    assert_eq!(calls.len(), 2, "{calls:?}");
    for call in &calls {
        assert_eq!(call["kind"], "call");
        assert_eq!(call["direction"], "outbound");
        assert_eq!(call["done"], false);
        assert!(call["due_at"].is_string());
        assert!(call["starts_at"].is_null());
        assert_eq!(call["subject"], "A 级回访");
    }
    let members = w.alice.list_all(
        "/campaign_members",
        &format!("campaign_id={}", id_of(&campaign)),
        50,
    );
    assert_eq!(members.len(), 2);
    assert!(members.iter().all(|m| m["activity_id"].is_string()));
}

#[test]
fn a_campaigns_results_count_responses_leads_deals_and_won_amount_with_cost_per_lead_and_roi() {
    let w = world();
    let campaign = w.manager.create(
        "/campaigns",
        json!({"name": "秋季研讨会", "campaign_type": "event", "starts_on": "2026-09-10",
               "budget": 500_000, "actual_cost": 300_000}),
    );
    let cid = id_of(&campaign);
    // Four people invited: one responded, one attended, two silent.
    let mut members = Vec::new();
    for name in ["客户一", "客户二", "客户三", "客户四"] {
        let c = w.alice.create("/customers", json!({"name": name}));
        members.push(w.manager.create(
            "/campaign_members",
            json!({"campaign_id": cid, "customer_id": id_of(&c)}),
        ));
    }
    for (m, response) in members.iter().zip(["responded", "attended"]) {
        let (status, _) = w.manager.patch(
            &format!("/campaign_members/{}", id_of(m)),
            json!({"response": response}),
        );
        assert_eq!(status, 200);
    }
    // Three leads from it; two converted with deals of 1,000,000.00 and 250,000.00 (minor
    // units); the first won.
    let mut deals = Vec::new();
    for (i, amount) in [(0, Some(100_000_000)), (1, Some(25_000_000)), (2, None)] {
        let l = lead(
            &w.alice,
            json!({"name": format!("线索{i}"), "company": format!("研讨会公司{i}"), "campaign_id": cid}),
        );
        if let Some(amount) = amount {
            let (status, done) = w.alice.post(
                &format!("/leads/{}/convert", id_of(&l)),
                json!({"opportunity_name": "研讨会商机", "opportunity_amount": amount}),
            );
            assert_eq!(status, 200, "{done}");
            deals.push(done["opportunity_id"].as_str().unwrap().to_string());
        }
    }
    let won = w.admin.list_all("/stages", "kind=won", 10);
    let (status, answer) = w.alice.patch(
        &format!("/opportunities/{}", deals[0]),
        json!({"stage_id": id_of(&won[0]), "close_reason": "签约"}),
    );
    assert_eq!(status, 200, "{answer}");

    let (status, r) = w.bob.get(&format!("/campaigns/{cid}/results"));
    assert_eq!(status, 200, "{r}");
    assert_eq!(r["members"], 4);
    assert_eq!(r["responses"], 2);
    assert_eq!(r["attended"], 1);
    assert_eq!(r["leads"], 3);
    assert_eq!(r["converted_leads"], 2);
    assert_eq!(r["opportunities"], 2);
    assert_eq!(r["won"], 1);
    assert_eq!(r["won_amount"], 100_000_000);
    // 300,000 / 3 leads; (100,000,000 − 300,000) / 300,000 = 332.3333 → 3,323,333 bp.
    assert_eq!(r["cost_per_lead"], 100_000);
    assert_eq!(r["roi_bp"], 3_323_333);
    // A deleted lead no longer counts.
    let (_, leads) = w.alice.get(&format!("/leads?campaign_id={cid}&status=new"));
    let open = &leads["items"][0];
    assert_eq!(w.alice.delete(&format!("/leads/{}", id_of(open))).0, 200);
    let (_, r) = w.alice.get(&format!("/campaigns/{cid}/results"));
    assert_eq!(r["leads"], 2);
    assert_eq!(r["cost_per_lead"], 150_000);
}
