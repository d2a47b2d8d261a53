//! Competitors through the replica and the sync engine: written offline, sent, reaching a
//! colleague's first sync, found by a list search, and checked locally by the server's rules.

mod common;

use common::{TestServer, obj, replica_for, sign_in};
use crm::replica::LocalQuery;
use crm::sync;
use crm_server::schema::Entity;
use serde_json::json;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn competitors_written_offline_reach_the_team() {
    let server = TestServer::start();
    let east = server.add_team("east");
    server.add_user("alice", "sales", Some(&east));
    server.add_user("bob", "manager", Some(&east));
    let alice = sign_in(&server, "alice").await;
    let (_, ra) = replica_for(&server, &alice, "alice").await;
    sync::pull(&ra, &alice, |_| {}).await.expect("pull");

    // Offline: everything lands in the replica and the outbox at once.
    let customer = ra
        .create(Entity::Customers, obj(json!({"name": "上海东华供应链"})))
        .expect("customer");
    let deal = ra
        .create(
            Entity::Opportunities,
            obj(json!({"customer_id": customer.id, "name": "WMS 升级", "amount": 5_000_000})),
        )
        .expect("deal");
    let rival = ra
        .create(
            Entity::Competitors,
            obj(json!({"name": "金蝶软件", "threat": "high", "weaknesses": "实施周期长"})),
        )
        .expect("competitor");
    let entry = ra
        .create(
            Entity::OpportunityCompetitors,
            obj(json!({"opportunity_id": deal.id, "competitor_id": rival.id, "notes": "报价低"})),
        )
        .expect("entry");
    assert!(entry.pending);
    // The server's field rules run locally too.
    let refused = ra.create(
        Entity::Competitors,
        obj(json!({"name": "X", "threat": "extreme"})),
    );
    assert!(refused.is_err(), "a bad enum is refused before the outbox");

    let report = sync::push(&ra, &alice).await.expect("push");
    assert_eq!(report.sent, 4);
    let sent = ra
        .get(Entity::OpportunityCompetitors, &entry.id)
        .expect("get")
        .expect("kept");
    assert!(!sent.pending && sent.version == 1);
    assert_eq!(
        sent.text("status"),
        Some("competing"),
        "the server's default"
    );

    // Bob's first sync brings the competitor and the deal's entry.
    let bob = sign_in(&server, "bob").await;
    let (_, rb) = replica_for(&server, &bob, "bob").await;
    sync::pull(&rb, &bob, |_| {}).await.expect("pull");
    let seen = rb
        .get(Entity::OpportunityCompetitors, &entry.id)
        .expect("get")
        .expect("bob sees his team's deal's competitors");
    assert_eq!(seen.text("competitor_id"), Some(rival.id.as_str()));
    let found = rb
        .list(
            Entity::Competitors,
            &LocalQuery {
                search: Some("金蝶".into()),
                ..LocalQuery::default()
            },
        )
        .expect("search");
    assert_eq!(found.len(), 1);
    assert_eq!(found[0].id, rival.id);
    let of_deal = rb
        .list(
            Entity::OpportunityCompetitors,
            &LocalQuery {
                filters: vec![("opportunity_id".into(), json!(deal.id))],
                ..LocalQuery::default()
            },
        )
        .expect("by deal");
    assert_eq!(of_deal.len(), 1);
}
