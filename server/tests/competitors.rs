//! Competitors, their products, and the competitors in each opportunity: the worked example of
//! an entity added by descriptor, access rules and migration alone.

mod common;

use common::{Client, TestServer, id_of, ids};
use serde_json::json;

struct World {
    _server: TestServer,
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
        manager: server.user("nina", "manager", Some(&north)),
        alice: server.user("alice", "sales", Some(&north)),
        bob: server.user("bob", "sales", Some(&south)),
        agent: server.user("ada", "agent", None),
        _server: server,
    }
}

#[test]
fn competitors_are_shared_knowledge_kept_by_their_authors() {
    let w = world();
    let rival = w.alice.create(
        "/competitors",
        json!({"name": "金蝶软件", "threat": "high", "strengths": "渠道广", "weaknesses": "实施慢"}),
    );
    assert_eq!(rival["threat"], "high");
    let rival = id_of(&rival);
    // Everyone reads it, the call centre included.
    for reader in [&w.bob, &w.agent, &w.manager] {
        assert_eq!(reader.get(&format!("/competitors/{rival}")).0, 200);
    }
    // Names are unique whatever their case.
    let (status, body) = w.bob.post("/competitors", json!({"name": "金蝶软件"}));
    assert_eq!(status, 409, "{body}");
    w.alice.create("/competitors", json!({"name": "Acme CRM"}));
    let (status, _) = w.bob.post("/competitors", json!({"name": "ACME crm"}));
    assert_eq!(status, 409);
    // The author and managers edit it; another salesperson and agents do not.
    assert_eq!(
        w.manager
            .patch(
                &format!("/competitors/{rival}"),
                json!({"notes": "上市公司"})
            )
            .0,
        200
    );
    assert_eq!(
        w.bob
            .patch(&format!("/competitors/{rival}"), json!({"notes": "x"}))
            .0,
        403
    );
    assert_eq!(w.agent.post("/competitors", json!({"name": "Z"})).0, 403);
    // Bad values are refused by field.
    let (status, body) = w
        .alice
        .post("/competitors", json!({"name": "Y", "threat": "extreme"}));
    assert_eq!(status, 422, "{body}");
    assert!(body.to_string().contains("threat"), "{body}");
    // Searchable in lists.
    let found = w.bob.list_all("/competitors", "q=金蝶", 10);
    assert_eq!(ids(&found), vec![rival]);
}

#[test]
fn a_deals_competitors_follow_the_deal() {
    let w = world();
    let customer = id_of(&w.alice.create("/customers", json!({"name": "东华供应链"})));
    let deal = id_of(&w.alice.create(
        "/opportunities",
        json!({"customer_id": customer, "name": "ERP 替换", "amount": 12_000_000}),
    ));
    let rival = id_of(&w.bob.create("/competitors", json!({"name": "用友"})));
    let product = id_of(&w.bob.create(
        "/competitor_products",
        json!({"competitor_id": rival, "name": "U8 Cloud", "price": 9_800_000}),
    ));
    let other = id_of(&w.bob.create("/competitors", json!({"name": "SAP"})));

    // A product of another competitor is refused, naming the field.
    let (status, body) = w.alice.post(
        "/opportunity_competitors",
        json!({"opportunity_id": deal, "competitor_id": other, "product_id": product}),
    );
    assert_eq!(status, 422, "{body}");
    assert!(body.to_string().contains("product_id"), "{body}");

    let entry = w.alice.create(
        "/opportunity_competitors",
        json!({"opportunity_id": deal, "competitor_id": rival, "product_id": product,
               "price_offered": 9_000_000, "threat": "high", "notes": "报价低 8%"}),
    );
    assert_eq!(entry["status"], "competing");
    let entry = id_of(&entry);
    // Once per deal.
    let (status, _) = w.alice.post(
        "/opportunity_competitors",
        json!({"opportunity_id": deal, "competitor_id": rival}),
    );
    assert_eq!(status, 409);
    // Listed by deal.
    let listed = w.alice.list_all(
        "/opportunity_competitors",
        &format!("opportunity_id={deal}"),
        10,
    );
    assert_eq!(ids(&listed), vec![entry.clone()]);

    // Only those who see the deal see who competes for it: not bob, not the call centre.
    assert_eq!(
        w.bob.get(&format!("/opportunity_competitors/{entry}")).0,
        404
    );
    assert_eq!(
        w.agent.get(&format!("/opportunity_competitors/{entry}")).0,
        404
    );
    let (status, _) = w.bob.post(
        "/opportunity_competitors",
        json!({"opportunity_id": deal, "competitor_id": other}),
    );
    assert_eq!(status, 403, "a deal bob cannot see reads like none");
    assert_eq!(
        w.manager
            .get(&format!("/opportunity_competitors/{entry}"))
            .0,
        200
    );

    // The customer moves to bob: the deal's competitors move with it.
    let (status, body) = w.manager.patch(
        &format!("/customers/{customer}"),
        json!({"owner_id": w.bob.id(), "team_id": null}),
    );
    assert_eq!(status, 200, "{body}");
    let (status, body) = w.manager.patch(
        &format!("/opportunities/{deal}"),
        json!({"owner_id": w.bob.id()}),
    );
    assert_eq!(status, 200, "{body}");
    assert_eq!(
        w.bob.get(&format!("/opportunity_competitors/{entry}")).0,
        200
    );
    assert_eq!(
        w.alice.get(&format!("/opportunity_competitors/{entry}")).0,
        404
    );
    let (changes, _) = w.alice.feed(0, 100);
    let told = changes
        .iter()
        .find(|c| c["id"] == json!(entry))
        .expect("alice is told about the entry she lost");
    assert_eq!(told["op"], "drop", "{told}");
}
