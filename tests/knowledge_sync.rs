//! The knowledge base and return visits through a real server and replicas: an agent's replica
//! holds the articles marked for agents and not the others; a ticket closed offline and pushed
//! makes its return visit, which reaches the agent's replica; a bad scale answer given offline is
//! refused by the server naming the question and parked with its reason (nothing lost), and the
//! right answers finish the visit and give the ticket its satisfaction.

mod common;

use common::{TestServer, field, obj, pull, push, replica_for, sign_in};
use crm_server::schema::Entity;
use crm_server::store::Record;
use serde_json::json;

fn id(r: &Record) -> String {
    r["id"].as_str().unwrap().to_string()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn articles_sync_by_audience_and_a_closed_ticket_gets_a_visit_answered_offline() {
    let server = TestServer::start();
    let desk = server.add_team("desk");
    server.add_user("ann", "agent", Some(&desk));
    let open = server.create_as_system(
        Entity::Articles,
        json!({"title": "打印机卡纸", "body": "# 步骤\n1. 关机"}),
    );
    let inside = server.create_as_system(
        Entity::Articles,
        json!({"title": "折扣谈判", "body": "内部", "for_agents": false}),
    );
    let survey = server.create_as_system(
        Entity::Surveys,
        json!({"title_en": "After service", "title_zh": "服务回访", "after_ticket_close": true}),
    );
    let scale = server.create_as_system(
        Entity::SurveyQuestions,
        json!({"survey_id": id(&survey), "position": 1, "kind": "scale", "required": true,
               "satisfaction": true, "text_en": "How satisfied are you?", "text_zh": "您满意吗？"}),
    );

    let ann = sign_in(&server, "ann").await;
    let (_, replica) = replica_for(&server, &ann, "ann").await;
    pull(&replica, &ann).await;
    assert!(replica.get(Entity::Articles, &id(&open)).unwrap().is_some());
    assert!(
        replica
            .get(Entity::Articles, &id(&inside))
            .unwrap()
            .is_none(),
        "not for agents"
    );
    assert_eq!(
        field(&replica, Entity::Articles, &id(&open), "number"),
        json!(open["number"])
    );

    // Offline: a customer and a ticket, closed.
    let customer = replica
        .create(Entity::Customers, obj(json!({"name": "东华科技"})))
        .unwrap();
    let ticket = replica
        .create(
            Entity::Tickets,
            obj(json!({"subject": "卡纸", "customer_id": customer.id})),
        )
        .unwrap();
    let mut close = serde_json::Map::new();
    close.insert("status".into(), json!("closed"));
    close.insert("resolution".into(), json!("按 KB 处理"));
    replica.update(Entity::Tickets, &ticket.id, close).unwrap();
    let report = push(&replica, &ann).await;
    assert!(report.refused.is_empty(), "{report:?}");
    pull(&replica, &ann).await;
    let visits = replica
        .list(
            Entity::ReturnVisits,
            &crm::replica::LocalQuery {
                filters: vec![("ticket_id".into(), json!(ticket.id))],
                ..Default::default()
            },
        )
        .unwrap();
    assert_eq!(visits.len(), 1, "one return visit for the closed ticket");
    let visit = visits[0].id.clone();

    // A scale answer of 9, given offline: kept, sent, refused naming the question.
    let mut bad = serde_json::Map::new();
    bad.insert("answers".into(), json!({ id(&scale): 9 }));
    replica.update(Entity::ReturnVisits, &visit, bad).unwrap();
    let report = push(&replica, &ann).await;
    assert_eq!(report.refused.len(), 1, "{report:?}");
    assert!(
        report.refused[0].message.contains("How satisfied are you?"),
        "{report:?}"
    );
    let parked = replica.outbox().unwrap();
    assert!(!parked.is_empty(), "the refused answer stays to be fixed");

    // The right answer, finished: the ticket's satisfaction on the server.
    let mut good = serde_json::Map::new();
    good.insert("answers".into(), json!({ id(&scale): 4 }));
    good.insert("status".into(), json!("done"));
    let done = server.update_as_system(Entity::ReturnVisits, &visit, json!(good));
    assert_eq!(done["status"], "done");
    let closed = server
        .all(Entity::Tickets)
        .into_iter()
        .find(|t| t["id"] == json!(ticket.id))
        .unwrap();
    assert_eq!(closed["satisfaction"], 4);

    // The refused answer discarded, the agent's 360° of the customer, read as its reader
    // thread reads it, averages the server's.
    for parked in replica.outbox().unwrap() {
        replica.discard(parked.seq).unwrap();
    }
    pull(&replica, &ann).await;
    let ask = crm::tui::panes::customer360::Customer360Ask {
        id: customer.id.clone(),
        today: chrono::Utc::now().date_naive(),
    };
    let seen = crm::tui::panes::customer360::read(&crm::tui::ReplicaSource::new(replica), &ask)
        .expect("the 360° reads");
    assert_eq!(seen.satisfaction, Some((4.0, 1)));
}
