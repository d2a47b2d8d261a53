//! `crm contacts duplicates|merge|unmerge` against a real server on loopback: the server's
//! pairs listed with the ids `merge` takes, a merge through the outbox moving what named the
//! contact, and an admin's undo.

mod common;

use common::TestServer;
use common::cli::{Crm, ok, text};
use crm_server::schema::Entity;
use serde_json::{Value, json};

fn id(r: &crm_server::store::Record) -> String {
    r["id"].as_str().unwrap().to_string()
}

fn live(server: &TestServer, entity: Entity, id: &str) -> Option<crm_server::store::Record> {
    server
        .all(entity)
        .into_iter()
        .find(|r| r.get("id").and_then(Value::as_str) == Some(id))
}

#[test]
fn contacts_are_listed_in_pairs_merged_by_id_and_unmerged_by_an_admin() {
    let server = TestServer::start();
    let root = server.add_user("root", "admin", None);
    let customer = id(&server.create_as_system(
        Entity::Customers,
        json!({"name": "上海华联", "code": "C000001", "owner_id": root}),
    ));
    let survivor = id(&server.create_as_system(
        Entity::Contacts,
        json!({"customer_id": customer, "name": "王芳", "title": "经理"}),
    ));
    let merged = id(&server.create_as_system(
        Entity::Contacts,
        json!({"customer_id": customer, "name": "王 芳", "title": "采购经理", "email": "wf@hualian.cn"}),
    ));
    server.create_as_system(
        Entity::Contacts,
        json!({"customer_id": customer, "name": "赵总"}),
    );
    let ticket = id(&server.create_as_system(
        Entity::Tickets,
        json!({"customer_id": customer, "contact_id": merged, "subject": "发票"}),
    ));
    let crm = Crm::new();
    ok(&crm.login(&server, "root"));

    let listed = ok(&crm.run(&["contacts", "duplicates", "--format", "csv"]));
    let lines: Vec<&str> = listed.lines().collect();
    assert_eq!(lines[0], "a,b,same,a_id,b_id", "{listed}");
    assert_eq!(lines.len(), 2, "one pair: {listed}");
    assert!(lines[1].contains("(C000001 上海华联)"), "{listed}");
    assert!(lines[1].contains(",name,"), "{listed}");
    assert!(
        lines[1].contains(&survivor) && lines[1].contains(&merged),
        "{listed}"
    );

    let same = crm.run(&["contacts", "merge", &survivor, &survivor]);
    assert!(!same.status.success());
    assert!(text(&same.stderr).contains("the same contact"));
    let bad = crm.run(&[
        "contacts", "merge", &survivor, &merged, "--keep", "colour=B",
    ]);
    assert!(!bad.status.success());
    assert!(text(&bad.stderr).contains("contacts have no field colour"));

    ok(&crm.run(&["contacts", "merge", &survivor, &merged, "--keep", "title=B"]));
    assert!(
        live(&server, Entity::Contacts, &merged).is_none(),
        "merged away"
    );
    let s = live(&server, Entity::Contacts, &survivor).unwrap();
    assert_eq!(s["title"], "采购经理");
    assert_eq!(s["email"], "wf@hualian.cn");
    assert_eq!(
        live(&server, Entity::Tickets, &ticket).unwrap()["contact_id"],
        json!(survivor)
    );
    assert!(
        ok(&crm.run(&["contacts", "duplicates"])).is_empty(),
        "the pair is gone"
    );

    ok(&crm.run(&["contacts", "unmerge", &merged]));
    assert!(live(&server, Entity::Contacts, &merged).is_some(), "back");
    assert_eq!(
        live(&server, Entity::Tickets, &ticket).unwrap()["contact_id"],
        json!(merged)
    );
    assert_eq!(
        live(&server, Entity::Contacts, &survivor).unwrap()["title"],
        "经理"
    );
    let again = crm.run(&["contacts", "unmerge", &merged]);
    assert!(!again.status.success(), "no merge in force any more");
}
