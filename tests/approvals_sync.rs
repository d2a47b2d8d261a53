//! Approvals through the replica, the sync engine and the screens: a contract written and
//! submitted offline reaches the manager's inbox (the status bar's count, `g a`), is approved
//! there with `a` off the UI thread, and the salesperson's replica sees it approved; the
//! salesperson's own replica holds no inbox and their TUI refuses to decide their submission.

mod common;
mod support;

use chrono::Utc;
use common::{TestServer, obj, replica_for, sign_in};
use crm::sync;
use crm::tui::{App, ReplicaSource, TuiOptions};
use crm_server::schema::Entity;
use serde_json::json;
use support::{press, screen};

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
async fn a_contract_submitted_offline_is_approved_from_the_managers_inbox() {
    let server = TestServer::start();
    let east = server.add_team("east");
    server.add_user("alice", "sales", Some(&east));
    server.add_user("nina", "manager", Some(&east));

    let alice = sign_in(&server, "alice").await;
    let (_, ra) = replica_for(&server, &alice, "alice").await;
    sync::pull(&ra, &alice, |_| {}).await.expect("pull");
    // Offline: a customer, a contract, its submission.
    let customer = ra
        .create(Entity::Customers, obj(json!({"name": "上海东华供应链"})))
        .unwrap();
    let contract = ra
        .create(
            Entity::Contracts,
            obj(
                json!({"name": "WMS 实施合同", "customer_id": customer.id, "amount": 8_800_000,
                       "payment_terms": "30% 预付", "ends_on": "2027-06-30"}),
            ),
        )
        .unwrap();
    ra.create(
        Entity::Approvals,
        obj(json!({"contract_id": contract.id, "note": "请审批"})),
    )
    .unwrap();
    let report = sync::push(&ra, &alice).await.expect("push");
    assert_eq!(report.sent, 3);
    sync::pull(&ra, &alice, |_| {}).await.expect("pull");
    let k = ra.get(Entity::Contracts, &contract.id).unwrap().unwrap();
    assert_eq!(k.text("status"), Some("pending"));
    assert!(k.text("number").is_some_and(|n| n.starts_with("K-")));

    // Alice has nothing to approve, and may not decide her own submission from the screens.
    {
        let mut app = app_for(ra, "alice");
        assert_eq!(app.to_approve, 0);
        press(&mut app, ":");
        support::type_text(&mut app, "sales");
        press(&mut app, "<Enter>");
        let shown = screen(&app);
        assert!(shown.contains("[Quotes"), "{shown}");
        assert!(
            !shown.contains("To approve"),
            "a salesperson's Sales screen has no inbox: {shown}"
        );
    }

    // Nina's replica: the status bar counts it, the inbox lists it, `a` approves it.
    let nina = sign_in(&server, "nina").await;
    let (_, rn) = replica_for(&server, &nina, "nina").await;
    sync::pull(&rn, &nina, |_| {}).await.expect("pull");
    let mut app = app_for(rn, "nina");
    assert_eq!(app.to_approve, 1);
    assert!(screen(&app).contains("1 to approve"), "{}", screen(&app));
    press(&mut app, "g a");
    let shown = screen(&app);
    assert!(shown.contains("WMS 实施合同"), "the inbox: {shown}");
    assert!(shown.contains("88,000.00"), "its amount: {shown}");
    press(&mut app, "a");
    assert_eq!(app.to_approve, 0, "{}", screen(&app));
    let shown = screen(&app);
    assert!(shown.contains("Nothing here"), "left the inbox: {shown}");
    assert!(shown.contains("Approved K-"), "said so: {shown}");
    drop(app);
    let (_, rn) = replica_for(&server, &nina, "nina").await;
    let report = sync::push(&rn, &nina).await.expect("push");
    assert_eq!(report.sent, 1);

    // On the server, and back in Alice's replica: approved.
    let approved = server
        .all(Entity::Contracts)
        .into_iter()
        .find(|c| c["id"] == json!(contract.id))
        .unwrap();
    assert_eq!(approved["status"], "approved");
    let (_, ra) = replica_for(&server, &alice, "alice").await;
    sync::pull(&ra, &alice, |_| {}).await.expect("pull");
    let k = ra.get(Entity::Contracts, &contract.id).unwrap().unwrap();
    assert_eq!(k.text("status"), Some("approved"));
}
