//! Leads and campaigns through the replica, the sync engine and the screens: a lead converted
//! with `C` on its record view goes through the outbox and comes back as a customer, contact
//! and opportunity holding the lead's call; a call campaign's members reach the agents'
//! callbacks queue.

mod common;
mod support;

use chrono::Utc;
use common::{TestServer, obj, replica_for, sign_in};
use crm::sync;
use crm::tui::{App, ReplicaSource, TuiOptions};
use crm_server::schema::Entity;
use serde_json::json;
use support::{press, screen, type_text};

fn app_for(replica: crm::replica::Replica, username: &str) -> App {
    let options = TuiOptions {
        profile: "work".into(),
        username: username.into(),
        ..TuiOptions::default()
    };
    let mut app = App::new(options, Box::new(ReplicaSource::new(replica)), Utc::now());
    let effects = app.update(crm::tui::Action::Resize(150, 40));
    app.settle(effects);
    app
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_lead_converted_on_its_screen_comes_back_as_a_customer_with_its_history() {
    let server = TestServer::start();
    let east = server.add_team("east");
    server.add_user("alice", "sales", Some(&east));
    let alice = sign_in(&server, "alice").await;
    let (_, replica) = replica_for(&server, &alice, "alice").await;
    sync::pull(&replica, &alice, |_| {}).await.expect("pull");
    let lead = replica
        .create(
            Entity::Leads,
            obj(
                json!({"name": "赵敏", "company": "明远精密制造", "phone": "021-5555 0101",
                       "source": "web"}),
            ),
        )
        .unwrap();
    let call = replica
        .create(
            Entity::Activities,
            obj(json!({"kind": "call", "subject": "第一次电话", "lead_id": lead.id, "done": true})),
        )
        .unwrap();
    sync::push(&replica, &alice).await.expect("push");
    sync::pull(&replica, &alice, |_| {}).await.expect("pull");
    let number = replica
        .get(Entity::Leads, &lead.id)
        .unwrap()
        .unwrap()
        .text("number")
        .unwrap()
        .to_string();
    assert!(number.starts_with("L-"), "{number}");

    let mut app = app_for(replica, "alice");
    press(&mut app, ":");
    type_text(&mut app, &format!("open {number}"));
    press(&mut app, "<Enter>");
    let shown = screen(&app);
    assert!(shown.contains("明远精密制造"), "{shown}");
    press(&mut app, "C");
    type_text(&mut app, "明远 二期");
    press(&mut app, "<Enter>");
    let shown = screen(&app);
    assert!(shown.contains("Converting"), "{shown}");

    drop(app);
    let (_, replica) = replica_for(&server, &alice, "alice").await;
    let replica = &replica;
    let report = sync::push(replica, &alice).await.expect("push");
    assert_eq!(report.sent, 1, "one patch of the lead");
    assert!(report.refused.is_empty(), "{:?}", report.refused);
    sync::pull(replica, &alice, |_| {}).await.expect("pull");
    let lead = replica.get(Entity::Leads, &lead.id).unwrap().unwrap();
    assert_eq!(lead.text("status"), Some("converted"));
    let customer = replica
        .get(Entity::Customers, lead.text("customer_id").unwrap())
        .unwrap()
        .expect("the customer reached the replica");
    assert_eq!(customer.text("name"), Some("明远精密制造"));
    let deal = replica
        .get(Entity::Opportunities, lead.text("opportunity_id").unwrap())
        .unwrap()
        .expect("the opportunity reached the replica");
    assert_eq!(deal.text("name"), Some("明远 二期"));
    let call = replica.get(Entity::Activities, &call.id).unwrap().unwrap();
    assert_eq!(call.text("customer_id"), Some(customer.id.as_str()));
    assert_eq!(call.text("lead_id"), Some(lead.id.as_str()));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_call_campaigns_members_are_in_the_agents_callbacks_queue() {
    let server = TestServer::start();
    let east = server.add_team("east");
    server.add_user("nina", "manager", Some(&east));
    let agent_id = server.add_user("ada", "agent", None);
    let nina = sign_in(&server, "nina").await;
    for name in ["华东一号客户", "华东二号客户"] {
        nina.create(
            Entity::Customers,
            &obj(json!({"name": name, "level": "A"})),
            &uuid::Uuid::new_v4().to_string(),
            false,
        )
        .await
        .expect("customer");
    }
    let campaign = nina
        .create(
            Entity::Campaigns,
            &obj(
                json!({"name": "A 级回访", "campaign_type": "call", "status": "active",
                        "starts_on": "2026-01-05", "agent_ids": [agent_id]}),
            ),
            &uuid::Uuid::new_v4().to_string(),
            false,
        )
        .await
        .expect("campaign");
    let id = campaign["id"].as_str().unwrap();
    let body = json!({"entity": "customers", "q": "level:A"});
    let added = nina
        .call(
            &format!("/campaigns/{id}/members"),
            Some((&body, &uuid::Uuid::new_v4().to_string())),
        )
        .await
        .expect("members");
    assert_eq!(added["added"], 2);

    let ada = sign_in(&server, "ada").await;
    let (_, replica) = replica_for(&server, &ada, "ada").await;
    sync::pull(&replica, &ada, |_| {}).await.expect("pull");
    let until = crm_server::validate::format_time(Utc::now() + chrono::Duration::days(1));
    let due = replica.callbacks_due(&agent_id, &until, 50).unwrap();
    assert_eq!(due.len(), 2, "{due:?}");
    assert!(due.iter().all(|c| c.text("subject") == Some("A 级回访")));
}
