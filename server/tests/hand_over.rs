//! `crm-server user disable NAME --reassign-to OTHER` (`service::hand_over`): a salesperson who
//! leaves hands their customers, open deals, planned activities, open leads and open tickets to
//! another, and is disabled, in one transaction (SQLite, and PostgreSQL when CRM_TEST_PG names
//! one).

mod common;

use common::{TestServer, id_of};
use crm_server::{service, store, system_actor};
use serde_json::json;

#[test]
fn a_leaver_hands_over_their_open_work_and_is_disabled() {
    let server = TestServer::start();
    let north = server.add_team("north");
    let south = server.add_team("south");
    let admin = server.user("root", "admin", None);
    let alice = server.user("alice", "sales", Some(&north));
    let bob = server.user("bob", "sales", Some(&south));
    let customer = alice.create("/customers", json!({"name": "甲公司"}));
    let cid = id_of(&customer);
    let open_deal = alice.create(
        "/opportunities",
        json!({"customer_id": cid, "name": "二期", "amount": 100}),
    );
    let won = admin.list_all("/stages", "kind=won", 10);
    let won_deal = alice.create(
        "/opportunities",
        json!({"customer_id": cid, "name": "一期", "stage_id": id_of(&won[0]), "close_reason": "签约"}),
    );
    let planned = alice.create(
        "/activities",
        json!({"kind": "task", "subject": "回访", "customer_id": cid}),
    );
    let done = alice.create(
        "/activities",
        json!({"kind": "task", "subject": "已完成", "customer_id": cid, "done": true}),
    );
    let lead = alice.create("/leads", json!({"name": "王磊"}));
    assert_eq!(bob.get(&format!("/customers/{cid}")).0, 404);

    let moved = store::write(server.db().as_ref(), |tx| {
        service::hand_over(tx, &system_actor(), &alice.id(), &bob.id())
    })
    .expect("hand over");
    assert_eq!(moved.customers, 1);
    assert_eq!(moved.opportunities, 1, "the won deal stays with who won it");
    assert_eq!(moved.activities, 1, "the done task stays");
    assert_eq!(moved.leads, 1);

    let owner = |path: String| bob.get(&path).1["owner_id"].clone();
    assert_eq!(owner(format!("/customers/{cid}")), json!(bob.id()));
    assert_eq!(
        owner(format!("/opportunities/{}", id_of(&open_deal))),
        json!(bob.id())
    );
    assert_eq!(
        owner(format!("/activities/{}", id_of(&planned))),
        json!(bob.id())
    );
    assert_eq!(owner(format!("/leads/{}", id_of(&lead))), json!(bob.id()));
    let (_, kept) = admin.get(&format!("/opportunities/{}", id_of(&won_deal)));
    assert_eq!(kept["owner_id"], json!(alice.id()));
    let (_, kept) = admin.get(&format!("/activities/{}", id_of(&done)));
    assert_eq!(kept["owner_id"], json!(alice.id()));
    // Alice is disabled: her session no longer works.
    assert_eq!(alice.get("/customers").0, 401);
    let (_, user) = admin.get(&format!("/users/{}", alice.id()));
    assert_eq!(user["active"], false);

    // Handing over to oneself, or to nobody active, is refused and changes nothing.
    let carol = server.user("carol", "sales", Some(&north));
    let c2 = carol.create("/customers", json!({"name": "乙公司"}));
    for to in [carol.id(), alice.id()] {
        let refused = store::write(server.db().as_ref(), |tx| {
            service::hand_over(tx, &system_actor(), &carol.id(), &to)
        });
        assert!(refused.is_err());
    }
    assert_eq!(carol.get(&format!("/customers/{}", id_of(&c2))).0, 200);
}
