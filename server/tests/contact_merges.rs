//! Contact merges (`service::merges` over `contact_merges`) over HTTP, on SQLite and, when
//! CRM_TEST_PG names one, PostgreSQL: the contacts' duplicate queue, a merge moving every
//! record that names the merged-away contact, its redirect, its refusals and its undo.

mod common;

use common::{Client, TestServer, id_of};
use serde_json::{Value, json};

fn pairs(answer: &Value) -> Vec<(String, String, Vec<String>)> {
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

fn has_pair(list: &[(String, String, Vec<String>)], a: &Value, b: &Value) -> Option<Vec<String>> {
    let (a, b) = (id_of(a), id_of(b));
    let (a, b) = if a < b { (a, b) } else { (b, a) };
    list.iter()
        .find(|p| p.0 == a && p.1 == b)
        .map(|p| p.2.clone())
}

#[test]
fn contact_pairs_are_the_same_name_at_one_customer_or_the_same_number_or_email_anywhere() {
    let server = TestServer::start();
    let north = server.add_team("north");
    let admin = server.user("root", "admin", None);
    let alice = server.user("alice", "sales", Some(&north));
    let bob = server.user("bob", "sales", Some(&north));
    let c1 = id_of(&alice.create("/customers", json!({"name": "华东机械"})));
    let c2 = id_of(&alice.create("/customers", json!({"name": "西部电气"})));
    let c3 = id_of(&bob.create("/customers", json!({"name": "北方重工"})));
    let wang = alice.create(
        "/contacts",
        json!({"customer_id": c1, "name": "王 芳", "mobile": "138-0013-8000"}),
    );
    let wang2 = alice.create(
        "/contacts",
        json!({"customer_id": c1, "name": "王芳", "email": "wf@hd.cn"}),
    );
    // The same name at another company is another person; the same mobile is not.
    let other_wang = alice.create("/contacts", json!({"customer_id": c2, "name": "王芳"}));
    let same_mobile = alice.create(
        "/contacts",
        json!({"customer_id": c2, "name": "Fang Wang", "mobile": "+86 13800138000"}),
    );
    let same_email = alice.create(
        "/contacts",
        json!({"customer_id": c2, "name": "F. Wang", "email": " WF@hd.cn "}),
    );
    // Bob's customer's contact with the same mobile: a pair Alice may not merge.
    let bobs = bob.create(
        "/contacts",
        json!({"customer_id": c3, "name": "王工", "phone": "13800138000"}),
    );

    let (status, answer) = admin.get("/contacts/duplicates");
    assert_eq!(status, 200, "{answer}");
    let all = pairs(&answer);
    assert_eq!(has_pair(&all, &wang, &wang2).unwrap(), vec!["name"]);
    assert_eq!(has_pair(&all, &wang, &same_mobile).unwrap(), vec!["phone"]);
    assert_eq!(has_pair(&all, &wang2, &same_email).unwrap(), vec!["email"]);
    assert!(
        has_pair(&all, &wang, &bobs).is_some(),
        "a phone is a number too"
    );
    assert!(
        has_pair(&all, &wang2, &other_wang).is_none(),
        "another company's 王芳"
    );
    assert!(has_pair(&all, &wang, &other_wang).is_none());
    // wang-wang2, wang-mobile, wang-bobs, mobile-bobs, wang2-email.
    assert_eq!(all.len(), 5, "{all:?}");

    // Alice may change c1 and c2 but not Bob's c3.
    let (_, mine) = alice.get("/contacts/duplicates");
    let mine = pairs(&mine);
    assert_eq!(mine.len(), 3, "{mine:?}");
    assert!(has_pair(&mine, &wang, &bobs).is_none());
    // A contact's key follows an edit: a new mobile leaves the pair.
    alice.patch(
        &format!("/contacts/{}", id_of(&same_mobile)),
        json!({"mobile": "139 0000 0000"}),
    );
    let (_, mine) = alice.get("/contacts/duplicates");
    assert!(has_pair(&pairs(&mine), &wang, &same_mobile).is_none());
    // The agents do not merge.
    let agent = server.user("cc", "agent", None);
    let (_, theirs) = agent.get("/contacts/duplicates");
    assert!(pairs(&theirs).is_empty());
}

/// Two contacts of one customer, with something of every kind naming the one merged away.
struct World {
    server: TestServer,
    admin: Client,
    alice: Client,
    customer: String,
    survivor: Value,
    merged: Value,
    boss: Value,
    deal: Value,
    activity: Value,
    ticket: Value,
    member: Value,
    both_member: Value,
    superior: Value,
    mutual: Value,
    listed: Value,
}

fn world() -> World {
    let server = TestServer::start();
    let north = server.add_team("north");
    let admin = server.user("root", "admin", None);
    let alice = server.user("alice", "sales", Some(&north));
    let customer = id_of(&alice.create("/customers", json!({"name": "上海华联"})));
    let survivor = alice.create(
        "/contacts",
        json!({"customer_id": customer, "name": "王芳", "title": "经理", "mobile": "138 0000 0001"}),
    );
    let merged = alice.create(
        "/contacts",
        json!({"customer_id": customer, "name": "王 芳", "title": "采购经理", "email": "wf@hualian.cn", "department": "采购部"}),
    );
    let boss = alice.create(
        "/contacts",
        json!({"customer_id": customer, "name": "赵总"}),
    );
    let (sid, mid) = (id_of(&survivor), id_of(&merged));
    let deal = alice.create(
        "/opportunities",
        json!({"customer_id": customer, "contact_id": mid, "name": "门店系统", "amount": 500000}),
    );
    let activity = alice.create(
        "/activities",
        json!({"kind": "call", "subject": "回访", "customer_id": customer, "contact_id": mid}),
    );
    let ticket = alice.create(
        "/tickets",
        json!({"customer_id": customer, "contact_id": mid, "subject": "发票"}),
    );
    let campaign = id_of(&admin.create(
        "/campaigns",
        json!({"name": "春季展会", "campaign_type": "exhibition", "starts_on": "2026-03-01"}),
    ));
    let other = id_of(&admin.create(
        "/campaigns",
        json!({"name": "秋季展会", "campaign_type": "exhibition", "starts_on": "2026-09-01"}),
    ));
    let member = alice.create(
        "/campaign_members",
        json!({"campaign_id": other, "customer_id": customer, "contact_id": mid}),
    );
    // Both on the spring fair: the merged-away one's membership would say it twice.
    alice.create(
        "/campaign_members",
        json!({"campaign_id": campaign, "customer_id": customer, "contact_id": sid}),
    );
    let both_member = alice.create(
        "/campaign_members",
        json!({"campaign_id": campaign, "customer_id": customer, "contact_id": mid}),
    );
    // Both report to the boss: moved, the survivor would have two superiors.
    alice.create(
        "/contact_relations",
        json!({"contact_id": sid, "kind": "reports_to", "related_id": id_of(&boss)}),
    );
    let superior = alice.create(
        "/contact_relations",
        json!({"contact_id": mid, "kind": "reports_to", "related_id": id_of(&boss)}),
    );
    // One influences the other: moved, the survivor would influence itself.
    let mutual = alice.create(
        "/contact_relations",
        json!({"contact_id": mid, "kind": "influences", "related_id": sid, "reason": "同事"}),
    );
    let list = id_of(&alice.create(
        "/static_lists",
        json!({"name": "展会邀请", "entity": "contacts"}),
    ));
    let listed = alice.create("/list_members", json!({"list_id": list, "record_id": mid}));
    World {
        server,
        admin,
        alice,
        customer,
        survivor,
        merged,
        boss,
        deal,
        activity,
        ticket,
        member,
        both_member,
        superior,
        mutual,
        listed,
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

fn actions(admin: &Client, id: &str) -> Vec<String> {
    let (_, trail) = admin.get(&format!("/audit/contacts/{id}"));
    trail["items"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|e| e["action"].as_str().map(String::from))
        .collect()
}

#[test]
fn a_contact_merge_moves_every_record_naming_it_and_an_admin_undoes_it() {
    let w = world();
    let (sid, mid) = (id_of(&w.survivor), id_of(&w.merged));
    let (status, merge) = w.alice.post("/contact_merges", merge_body(&w, &["title"]));
    assert_eq!(status, 201, "{merge}");
    assert_eq!(merge["merged_name"], "王 芳");

    assert_eq!(w.alice.get(&format!("/contacts/{mid}")).0, 404);
    for (path, record) in [
        ("opportunities", &w.deal),
        ("activities", &w.activity),
        ("tickets", &w.ticket),
        ("campaign_members", &w.member),
    ] {
        let (status, now) = w.alice.get(&format!("/{path}/{}", id_of(record)));
        assert_eq!(status, 200, "{path}");
        assert_eq!(now["contact_id"], json!(sid), "{path}");
    }
    let (_, listed) = w.alice.get(&format!("/list_members/{}", id_of(&w.listed)));
    assert_eq!(listed["record_id"], json!(sid));
    // What would have said a thing twice, or of the survivor to itself, is gone.
    for (path, record) in [
        ("campaign_members", &w.both_member),
        ("contact_relations", &w.superior),
        ("contact_relations", &w.mutual),
    ] {
        assert_eq!(
            w.alice.get(&format!("/{path}/{}", id_of(record))).0,
            404,
            "{path} {record}"
        );
    }
    // Taken: the title chosen, and the email and department the survivor lacked; kept: its
    // mobile and its customer.
    let (_, s) = w.alice.get(&format!("/contacts/{sid}"));
    assert_eq!(s["title"], "采购经理");
    assert_eq!(s["email"], "wf@hualian.cn");
    assert_eq!(s["department"], "采购部");
    assert_eq!(s["mobile"], "138 0000 0001");
    assert_eq!(s["customer_id"], json!(w.customer));
    for id in [&sid, &mid] {
        assert!(actions(&w.admin, id).contains(&"merge".into()), "{id}");
    }

    // Only an admin undoes it.
    let path = format!("/contact_merges/{}", id_of(&merge));
    assert_eq!(w.alice.patch(&path, json!({"status": "undone"})).0, 403);
    let (status, undone) = w.admin.patch(&path, json!({"status": "undone"}));
    assert_eq!(status, 200, "{undone}");
    let (status, back) = w.alice.get(&format!("/contacts/{mid}"));
    assert_eq!(status, 200, "{back}");
    for (path, record) in [
        ("opportunities", &w.deal),
        ("activities", &w.activity),
        ("tickets", &w.ticket),
        ("campaign_members", &w.member),
        ("campaign_members", &w.both_member),
        ("contact_relations", &w.superior),
        ("contact_relations", &w.mutual),
    ] {
        let (status, now) = w.alice.get(&format!("/{path}/{}", id_of(record)));
        assert_eq!(status, 200, "{path} back");
        assert_eq!(now["contact_id"], json!(mid), "{path} moved back");
    }
    let (_, mutual) = w
        .alice
        .get(&format!("/contact_relations/{}", id_of(&w.mutual)));
    assert_eq!(mutual["related_id"], json!(sid));
    let (_, listed) = w.alice.get(&format!("/list_members/{}", id_of(&w.listed)));
    assert_eq!(listed["record_id"], json!(mid));
    let (_, s) = w.alice.get(&format!("/contacts/{sid}"));
    assert_eq!(s["title"], "经理", "the survivor's own title back");
    assert_eq!(s["email"], Value::Null);
    for id in [&sid, &mid] {
        assert!(actions(&w.admin, id).contains(&"unmerge".into()), "{id}");
    }
    let _ = &w.boss;
}

#[test]
fn an_offline_edit_of_a_merged_away_contact_lands_on_the_survivor() {
    let w = world();
    let (sid, mid) = (id_of(&w.survivor), id_of(&w.merged));
    assert_eq!(w.alice.post("/contact_merges", merge_body(&w, &[])).0, 201);
    let version = w.merged["version"].as_i64().unwrap();
    let (status, answer) = w.alice.patch_if_match(
        &format!("/contacts/{mid}"),
        json!({"notes": "离线时写的备注"}),
        version,
    );
    assert_eq!(status, 200, "{answer}");
    assert_eq!(answer["id"], json!(sid));
    let (_, s) = w.alice.get(&format!("/contacts/{sid}"));
    assert_eq!(s["notes"], "离线时写的备注");
    // A call logged offline with the merged-away contact is filed under the survivor.
    let call = w.alice.create(
        "/activities",
        json!({"kind": "call", "subject": "离线电话", "customer_id": w.customer, "contact_id": mid}),
    );
    assert_eq!(call["contact_id"], json!(sid));
    let (status, again) = w.alice.post("/contact_merges", merge_body(&w, &[]));
    assert_eq!(status, 409, "{again}");
    assert!(
        again["error"]["message"]
            .as_str()
            .unwrap()
            .contains("already merged")
    );
}

#[test]
fn a_contact_merge_is_refused_to_who_may_not_and_when_either_contact_changed() {
    let w = world();
    let south = w.server.add_team("south");
    let bob = w.server.user("bob", "sales", Some(&south));
    let agent = w.server.user("cc", "agent", None);
    assert_eq!(bob.post("/contact_merges", merge_body(&w, &[])).0, 404);
    assert_eq!(agent.post("/contact_merges", merge_body(&w, &[])).0, 403);
    // A contact of Bob's customer: Alice may not change it.
    let theirs = id_of(&bob.create("/customers", json!({"name": "别家"})));
    let his = bob.create("/contacts", json!({"customer_id": theirs, "name": "王芳"}));
    let body = json!({"survivor_id": id_of(&w.survivor), "merged_id": id_of(&his)});
    assert_eq!(w.alice.post("/contact_merges", body).0, 404);
    // A concurrent edit after the pair was compared: refused, nothing moved, the edit kept.
    w.alice.patch(
        &format!("/contacts/{}", id_of(&w.merged)),
        json!({"notes": "刚改的"}),
    );
    let (status, refused) = w.alice.post("/contact_merges", merge_body(&w, &[]));
    assert_eq!(status, 409, "{refused}");
    let (status, still) = w.alice.get(&format!("/contacts/{}", id_of(&w.merged)));
    assert_eq!(status, 200);
    assert_eq!(still["notes"], "刚改的");
    assert_eq!(
        w.alice.get(&format!("/tickets/{}", id_of(&w.ticket))).1["contact_id"],
        json!(id_of(&w.merged))
    );
    // Not a field a merge takes; itself as the other.
    let mut bad = merge_body(&w, &["custom"]);
    bad["merged_version"] = still["version"].clone();
    assert_eq!(w.alice.post("/contact_merges", bad).0, 422);
    let same = json!({"survivor_id": id_of(&w.survivor), "merged_id": id_of(&w.survivor)});
    assert_eq!(w.alice.post("/contact_merges", same).0, 422);
    // With the fresh version it goes; a ticket edit based on the version before the move is a
    // 412, not a lost edit.
    let mut body = merge_body(&w, &["notes"]);
    body["merged_version"] = still["version"].clone();
    assert_eq!(w.alice.post("/contact_merges", body).0, 201);
    let (_, s) = w.alice.get(&format!("/contacts/{}", id_of(&w.survivor)));
    assert_eq!(s["notes"], "刚改的");
    let (status, _) = w.alice.patch_if_match(
        &format!("/tickets/{}", id_of(&w.ticket)),
        json!({"subject": "发票（改）"}),
        w.ticket["version"].as_i64().unwrap(),
    );
    assert_eq!(status, 412);
}
