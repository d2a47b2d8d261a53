//! The duplicate review queue, merges and bulk actions (`service::merges`, `service::bulk`) over
//! HTTP, on SQLite and, when CRM_TEST_PG names one, PostgreSQL.

mod common;

use common::{Client, TestServer, id_of};
use serde_json::{Value, json};

fn force(client: &Client, body: Value) -> Value {
    let (status, record) = client.post("/customers?allow_duplicate=true", body);
    assert_eq!(status, 201, "{record}");
    record
}

fn pair_ids(answer: &Value) -> Vec<(String, String, Vec<String>)> {
    answer["pairs"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| {
            let mut ids = [id_of(&p["a"]), id_of(&p["b"])];
            ids.sort();
            let reasons = p["reasons"]
                .as_array()
                .unwrap()
                .iter()
                .map(|r| r.as_str().unwrap().to_string())
                .collect();
            (ids[0].clone(), ids[1].clone(), reasons)
        })
        .collect()
}

fn sorted(a: &str, b: &str) -> (String, String) {
    if a < b {
        (a.into(), b.into())
    } else {
        (b.into(), a.into())
    }
}

#[test]
fn pairs_are_found_by_phone_email_name_and_listed_for_who_may_merge_both() {
    let server = TestServer::start();
    let north = server.add_team("north");
    let admin = server.user("root", "admin", None);
    let alice = server.user("alice", "sales", Some(&north));
    let bob = server.user("bob", "sales", Some(&north));
    let a = alice.create(
        "/customers",
        json!({"name": "华东机械", "phone": "+86 10 6552 1234"}),
    );
    let b = force(
        &alice,
        json!({"name": "东方机械厂", "phone": "(010) 6552-1234"}),
    );
    let c = force(
        &alice,
        json!({"name": "Acme Ltd.", "email": "Info@acme.cn"}),
    );
    let d = force(&alice, json!({"name": "acme ltd", "email": "info@acme.cn"}));
    let e = alice.create("/customers", json!({"name": "无关公司"}));
    // Bob's own customer with the same phone as Alice's: a pair only an admin or a manager sees.
    let f = force(&bob, json!({"name": "另一家", "phone": "010 6552 1234"}));

    let (status, answer) = admin.get("/customers/duplicates");
    assert_eq!(status, 200, "{answer}");
    let pairs = pair_ids(&answer);
    let ab = sorted(&id_of(&a), &id_of(&b));
    let cd = sorted(&id_of(&c), &id_of(&d));
    let find = |p: &(String, String)| pairs.iter().find(|x| (&x.0, &x.1) == (&p.0, &p.1));
    assert_eq!(find(&ab).unwrap().2, vec!["phone"]);
    assert_eq!(find(&cd).unwrap().2, vec!["name", "email"]);
    assert!(find(&sorted(&id_of(&a), &id_of(&f))).is_some());
    assert!(pairs.iter().all(|p| p.0 != id_of(&e) && p.1 != id_of(&e)));
    assert_eq!(pairs.len(), 4, "a-b, b-f, a-f by phone and c-d: {pairs:?}");

    // Alice owns a, b, c, d but not f: her queue has no pair with f.
    let (_, mine) = alice.get("/customers/duplicates");
    let mine = pair_ids(&mine);
    assert_eq!(mine.len(), 2, "{mine:?}");
    assert!(mine.iter().all(|p| p.0 != id_of(&f) && p.1 != id_of(&f)));

    // Paged: one at a time, each page after the last, no pair twice.
    let mut seen = Vec::new();
    let mut after = String::new();
    loop {
        let (_, page) = admin.get(&format!("/customers/duplicates?limit=1&after={after}"));
        let ids = pair_ids(&page);
        seen.extend(ids);
        match page["next"].as_str() {
            Some(next) => after = next.to_string(),
            None => break,
        }
    }
    assert_eq!(seen.len(), 4);
    assert_eq!(admin.get("/customers/duplicates?limit=0").0, 400);
}

/// Two customers, with something of every kind naming the one merged away.
struct World {
    server: TestServer,
    admin: Client,
    alice: Client,
    survivor: Value,
    merged: Value,
    contact: Value,
    deal: Value,
    activity: Value,
    ticket: Value,
    list: String,
    member: Value,
}

fn world() -> World {
    let server = TestServer::start();
    let north = server.add_team("north");
    let admin = server.user("root", "admin", None);
    let alice = server.user("alice", "sales", Some(&north));
    let survivor = alice.create(
        "/customers",
        json!({"name": "上海华联", "phone": "021-5555 0001", "level": "B"}),
    );
    let merged = force(
        &alice,
        json!({"name": "上海华联有限公司", "phone": "+86 21 5555 0001", "email": "hq@hualian.cn", "level": "A", "address": "南京路 1 号"}),
    );
    let mid = id_of(&merged);
    let contact = alice.create("/contacts", json!({"customer_id": mid, "name": "王芳"}));
    let deal = alice.create(
        "/opportunities",
        json!({"customer_id": mid, "name": "门店系统", "amount": 500000}),
    );
    let activity = alice.create(
        "/activities",
        json!({"kind": "call", "subject": "回访", "customer_id": mid}),
    );
    let ticket = alice.create("/tickets", json!({"customer_id": mid, "subject": "发票"}));
    let list = id_of(&alice.create(
        "/static_lists",
        json!({"name": "重点", "entity": "customers"}),
    ));
    let member = alice.create("/list_members", json!({"list_id": list, "record_id": mid}));
    World {
        server,
        admin,
        alice,
        survivor,
        merged,
        contact,
        deal,
        activity,
        ticket,
        list,
        member,
    }
}

fn merge_body(w: &World, take: &[&str]) -> Value {
    json!({
        "survivor_id": id_of(&w.survivor),
        "merged_id": id_of(&w.merged),
        "take": take,
        "survivor_version": w.survivor["version"],
        "merged_version": w.merged["version"],
    })
}

#[test]
fn a_merge_moves_every_reference_takes_the_chosen_values_and_an_admin_undoes_it() {
    let w = world();
    let (sid, mid) = (id_of(&w.survivor), id_of(&w.merged));
    let (status, merge) = w.alice.post("/merges", merge_body(&w, &["level"]));
    assert_eq!(status, 201, "{merge}");
    assert_eq!(merge["merged_code"], w.merged["code"]);

    // The merged-away customer is gone; everything that named it names the survivor.
    assert_eq!(w.alice.get(&format!("/customers/{mid}")).0, 404);
    for (path, record) in [
        ("contacts", &w.contact),
        ("opportunities", &w.deal),
        ("activities", &w.activity),
        ("tickets", &w.ticket),
    ] {
        let (_, now) = w.alice.get(&format!("/{path}/{}", id_of(record)));
        assert_eq!(now["customer_id"], json!(sid), "{path}");
    }
    let (_, member) = w.alice.get(&format!("/list_members/{}", id_of(&w.member)));
    assert_eq!(member["record_id"], json!(sid));
    // Taken: the level chosen, and the email and address the survivor lacked; kept: its phone.
    let (_, s) = w.alice.get(&format!("/customers/{sid}"));
    assert_eq!(s["level"], "A");
    assert_eq!(s["email"], "hq@hualian.cn");
    assert_eq!(s["address"], "南京路 1 号");
    assert_eq!(s["phone"], "021-5555 0001");
    // The audit trail says so on both.
    for id in [&sid, &mid] {
        let (_, trail) = w.admin.get(&format!("/audit/customers/{id}"));
        let actions: Vec<&str> = trail["items"]
            .as_array()
            .unwrap()
            .iter()
            .filter_map(|e| e["action"].as_str())
            .collect();
        assert!(actions.contains(&"merge"), "{id}: {actions:?}");
    }
    // A new deal on the survivor after the merge is not moved back by the undo.
    let later = w.alice.create(
        "/opportunities",
        json!({"customer_id": sid, "name": "二期", "amount": 1}),
    );
    // A survivor's value changed since the merge is kept by the undo.
    w.alice
        .patch(&format!("/customers/{sid}"), json!({"address": "新地址"}));

    // Only an admin undoes it.
    let path = format!("/merges/{}", id_of(&merge));
    assert_eq!(w.alice.patch(&path, json!({"status": "undone"})).0, 403);
    let (status, undone) = w.admin.patch(&path, json!({"status": "undone"}));
    assert_eq!(status, 200, "{undone}");
    let (status, back) = w.alice.get(&format!("/customers/{mid}"));
    assert_eq!(status, 200);
    assert_eq!(back["name"], "上海华联有限公司");
    for (path, record) in [
        ("contacts", &w.contact),
        ("opportunities", &w.deal),
        ("activities", &w.activity),
        ("tickets", &w.ticket),
    ] {
        let (_, now) = w.alice.get(&format!("/{path}/{}", id_of(record)));
        assert_eq!(now["customer_id"], json!(mid), "{path} moved back");
    }
    let (_, member) = w.alice.get(&format!("/list_members/{}", id_of(&w.member)));
    assert_eq!(member["record_id"], json!(mid));
    let (_, l) = w.alice.get(&format!("/opportunities/{}", id_of(&later)));
    assert_eq!(l["customer_id"], json!(sid), "made after the merge: stays");
    let (_, s) = w.alice.get(&format!("/customers/{sid}"));
    assert_eq!(s["level"], "B", "the survivor's own level back");
    assert_eq!(s["email"], Value::Null);
    assert_eq!(s["address"], "新地址", "an edit made since is kept");
    // Undone stays undone; the list membership exists once.
    assert_eq!(w.admin.patch(&path, json!({"status": "done"})).0, 409);
    let _ = &w.list;
}

#[test]
fn an_offline_edit_of_the_merged_away_customer_lands_on_the_survivor() {
    let w = world();
    let (sid, mid) = (id_of(&w.survivor), id_of(&w.merged));
    assert_eq!(w.alice.post("/merges", merge_body(&w, &[])).0, 201);
    // An outbox sends an edit of the merged-away record with the version it knew.
    let version = w.merged["version"].as_i64().unwrap();
    let (status, answer) = w.alice.patch_if_match(
        &format!("/customers/{mid}"),
        json!({"notes": "离线时写的备注"}),
        version,
    );
    assert_eq!(status, 200, "{answer}");
    assert_eq!(answer["id"], json!(sid));
    let (_, s) = w.alice.get(&format!("/customers/{sid}"));
    assert_eq!(s["notes"], "离线时写的备注");
    // A contact created offline for the merged-away customer is filed under the survivor.
    let contact = w
        .alice
        .create("/contacts", json!({"customer_id": mid, "name": "李雷"}));
    assert_eq!(contact["customer_id"], json!(sid));
    // Merging it again is refused, naming where it went.
    let (status, again) = w.alice.post("/merges", merge_body(&w, &[]));
    assert_eq!(status, 409, "{again}");
    assert!(
        again["error"]["message"]
            .as_str()
            .unwrap()
            .contains("already merged")
    );
}

#[test]
fn a_merge_is_refused_to_who_may_not_and_when_either_customer_changed() {
    let w = world();
    let south = w.server.add_team("south");
    let bob = w.server.user("bob", "sales", Some(&south));
    let agent = w.server.user("cc", "agent", None);
    // Bob cannot see them; the agent may see but not merge.
    assert_eq!(bob.post("/merges", merge_body(&w, &[])).0, 404);
    assert_eq!(agent.post("/merges", merge_body(&w, &[])).0, 403);
    // Someone else's customer: Alice owns only one of the two.
    let theirs = force(&bob, json!({"name": "上海华联", "phone": "021 5555 0001"}));
    let body = json!({"survivor_id": id_of(&w.survivor), "merged_id": id_of(&theirs)});
    assert_eq!(w.alice.post("/merges", body.clone()).0, 404);
    // A concurrent edit after the user compared the pair: refused, the edit kept.
    w.alice.patch(
        &format!("/customers/{}", id_of(&w.merged)),
        json!({"notes": "刚改的"}),
    );
    let (status, refused) = w.alice.post("/merges", merge_body(&w, &[]));
    assert_eq!(status, 409, "{refused}");
    let (status, still) = w.alice.get(&format!("/customers/{}", id_of(&w.merged)));
    assert_eq!(status, 200, "nothing merged");
    assert_eq!(still["notes"], "刚改的");
    assert_eq!(
        w.alice.get(&format!("/contacts/{}", id_of(&w.contact))).1["customer_id"],
        json!(id_of(&w.merged))
    );
    // Taking a field a merge may not take.
    let mut bad = merge_body(&w, &["code"]);
    bad["merged_version"] = still["version"].clone();
    assert_eq!(w.alice.post("/merges", bad).0, 422);
    // With the fresh version, the merge goes and the concurrent note survives on the survivor
    // when taken.
    let mut body = merge_body(&w, &["notes"]);
    body["merged_version"] = still["version"].clone();
    assert_eq!(w.alice.post("/merges", body).0, 201);
    let (_, s) = w.alice.get(&format!("/customers/{}", id_of(&w.survivor)));
    assert_eq!(s["notes"], "刚改的");
    // A contact edit based on the version before the move is a 412, not a lost edit.
    let (status, _) = w.alice.patch_if_match(
        &format!("/contacts/{}", id_of(&w.contact)),
        json!({"title": "经理"}),
        w.contact["version"].as_i64().unwrap(),
    );
    assert_eq!(status, 412);
}

#[test]
fn the_merge_reaches_the_change_feed() {
    let w = world();
    let (_, before) = w.alice.feed(0, 1000);
    let _ = before;
    let (_, head) = w.alice.feed(0, 1000);
    assert_eq!(w.alice.post("/merges", merge_body(&w, &[])).0, 201);
    let (entries, _) = w.alice.feed(head, 1000);
    let of = |id: &str| entries.iter().find(|e| e["id"] == json!(id)).cloned();
    let gone = of(&id_of(&w.merged)).expect("the merged-away customer in the feed");
    assert_eq!(gone["op"], "delete", "{gone}");
    let moved = of(&id_of(&w.contact)).expect("the moved contact in the feed");
    assert_eq!(moved["record"]["customer_id"], json!(id_of(&w.survivor)));
}

#[test]
fn a_bulk_action_changes_all_or_nothing_and_reassigns_with_the_open_work_when_asked() {
    let server = TestServer::start();
    let north = server.add_team("north");
    let manager = server.user("mgr", "manager", Some(&north));
    let alice = server.user("alice", "sales", Some(&north));
    let bob = server.user("bob", "sales", Some(&north));
    let c1 = alice.create("/customers", json!({"name": "甲"}));
    let c2 = alice.create("/customers", json!({"name": "乙", "tags": ["老客户"]}));
    let deal = alice.create(
        "/opportunities",
        json!({"customer_id": id_of(&c1), "name": "一期", "amount": 10}),
    );
    let task = alice.create(
        "/activities",
        json!({"kind": "task", "subject": "报价", "customer_id": id_of(&c1)}),
    );
    let done = alice.create(
        "/activities",
        json!({"kind": "task", "subject": "已完成", "customer_id": id_of(&c1), "done": true}),
    );
    let ids = json!([id_of(&c1), id_of(&c2)]);

    // A tag and a level, by the owner.
    let (status, tag) = alice.post(
        "/bulk_actions",
        json!({"kind": "tag", "ids": ids, "tag": "展会"}),
    );
    assert_eq!(status, 201, "{tag}");
    let (_, t2) = alice.get(&format!("/customers/{}", id_of(&c2)));
    assert_eq!(t2["tags"], json!(["老客户", "展会"]));
    assert_eq!(
        alice
            .post(
                "/bulk_actions",
                json!({"kind": "level", "ids": ids, "level": "A"})
            )
            .0,
        201
    );
    assert_eq!(
        alice.get(&format!("/customers/{}", id_of(&c1))).1["level"],
        "A"
    );

    // A salesperson may not reassign: refused whole, naming each customer.
    let (status, refused) = alice.post(
        "/bulk_actions",
        json!({"kind": "owner", "ids": ids, "owner_id": bob.id(), "with_open": true}),
    );
    assert_eq!(status, 403, "{refused}");
    assert!(
        refused["error"]["fields"]
            .as_object()
            .unwrap()
            .contains_key(c1["code"].as_str().unwrap())
    );

    // One customer the manager may not change (another team's) and nothing changes.
    let south = server.add_team("south");
    let carol = server.user("carol", "sales", Some(&south));
    let other = carol.create("/customers", json!({"name": "丙"}));
    let (status, _) = manager.post(
        "/bulk_actions",
        json!({"kind": "owner", "ids": [id_of(&c1), id_of(&other)], "owner_id": bob.id()}),
    );
    assert_eq!(status, 403);
    assert_eq!(
        manager.get(&format!("/customers/{}", id_of(&c1))).1["owner_id"],
        json!(alice.id())
    );

    // The manager reassigns with the open work.
    let (status, report) = manager.post(
        "/bulk_actions",
        json!({"kind": "owner", "ids": ids, "owner_id": bob.id(), "with_open": true}),
    );
    assert_eq!(status, 201, "{report}");
    let (_, stored) = manager.get(&format!("/bulk_actions/{}", id_of(&report)));
    assert_eq!(stored["changed"], 2);
    assert_eq!(stored["deals"], 1);
    assert_eq!(stored["activities"], 1);
    let owner = |path: String| bob.get(&path).1["owner_id"].clone();
    assert_eq!(owner(format!("/customers/{}", id_of(&c1))), json!(bob.id()));
    assert_eq!(
        owner(format!("/opportunities/{}", id_of(&deal))),
        json!(bob.id())
    );
    assert_eq!(
        owner(format!("/activities/{}", id_of(&task))),
        json!(bob.id())
    );
    assert_eq!(
        owner(format!("/activities/{}", id_of(&done))),
        json!(alice.id())
    );

    // Without the open work: the deal stays with its owner.
    let c3 = bob.create("/customers", json!({"name": "丁"}));
    let d3 = bob.create(
        "/opportunities",
        json!({"customer_id": id_of(&c3), "name": "x", "amount": 1}),
    );
    assert_eq!(
        manager
            .post(
                "/bulk_actions",
                json!({"kind": "owner", "ids": [id_of(&c3)], "owner_id": alice.id()})
            )
            .0,
        201
    );
    assert_eq!(
        manager.get(&format!("/opportunities/{}", id_of(&d3))).1["owner_id"],
        json!(bob.id())
    );

    // Add to a static list: once each, a second time changes nothing.
    let list = id_of(&manager.create(
        "/static_lists",
        json!({"name": "回访", "entity": "customers"}),
    ));
    for _ in 0..2 {
        assert_eq!(
            manager
                .post(
                    "/bulk_actions",
                    json!({"kind": "list", "ids": ids, "list_id": list})
                )
                .0,
            201
        );
    }
    assert_eq!(
        manager
            .list_all("/list_members", &format!("list_id={list}"), 10)
            .len(),
        2
    );
    // A kind without what it needs.
    assert_eq!(
        manager
            .post("/bulk_actions", json!({"kind": "tag", "ids": ids}))
            .0,
        422
    );
}
