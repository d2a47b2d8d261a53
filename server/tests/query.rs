//! The query language on the API (`?q=`): the same conditions as the list filters, on both
//! backends, with the access rules unchanged and errors that name the wrong word's position.

mod common;

use std::collections::BTreeSet;

use common::{Client, TestServer, id_of};
use serde_json::{Value, json};

/// `?q=` with everything but the unreserved characters percent-encoded.
fn q(text: &str) -> String {
    let mut out = String::from("q=");
    for b in text.bytes() {
        if b.is_ascii_alphanumeric() || b"-_.~".contains(&b) {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

fn names(items: &[Value]) -> BTreeSet<String> {
    items
        .iter()
        .map(|i| i["name"].as_str().unwrap().to_string())
        .collect()
}

struct World {
    server: TestServer,
    admin: Client,
    alice: Client,
    bob: Client,
}

/// Alice (sales, north) and Bob (sales, south), each with customers and deals.
fn world() -> World {
    let server = TestServer::start();
    let north = server.add_team("north");
    let south = server.add_team("south");
    let admin = server.user("root", "admin", None);
    let alice = server.user("alice", "sales", Some(&north));
    let bob = server.user("bob", "sales", Some(&south));
    let stages = admin.list_all("/stages", "", 100);
    let stage = |name: &str| {
        id_of(
            stages
                .iter()
                .find(|s| s["name"] == name)
                .expect("default stage"),
        )
    };
    let customers = [
        ("上海华为", "A", "华东", json!(["vip"]), &alice, "active"),
        ("上海电气", "B", "华东", json!([]), &alice, "lost"),
        (
            "杭州阿里",
            "A",
            "华东",
            json!(["vip", "渠道"]),
            &alice,
            "active",
        ),
        ("深圳腾讯", "A", "华南", json!(["vip"]), &bob, "active"),
        ("广州网易", "C", "华南", json!([]), &bob, "potential"),
    ];
    for (name, level, region, tags, owner, lifecycle) in customers {
        let c = admin.create(
            "/customers",
            json!({"name": name, "level": level, "region": region, "tags": tags,
                   "owner_id": owner.id(), "lifecycle": lifecycle}),
        );
        for (i, (amount, st)) in [(5_000_000, "proposal"), (20_000_000, "negotiation")]
            .into_iter()
            .enumerate()
        {
            admin.create(
                "/opportunities",
                json!({"customer_id": id_of(&c), "name": format!("{name} deal {i}"),
                       "amount": amount, "stage_id": stage(st), "owner_id": owner.id()}),
            );
        }
    }
    World {
        server,
        admin,
        alice,
        bob,
    }
}

fn list(client: &Client, entity: &str, text: &str) -> BTreeSet<String> {
    names(&client.list_all(entity, &q(text), 2))
}

fn set(items: &[&str]) -> BTreeSet<String> {
    items.iter().map(|s| s.to_string()).collect()
}

#[test]
fn queries_select_what_they_say() {
    let w = world();
    let admin = &w.admin;
    assert_eq!(
        list(admin, "/customers", "level:A region:华东"),
        set(&["上海华为", "杭州阿里"])
    );
    assert_eq!(
        list(
            admin,
            "/customers",
            "region:华东 -lifecycle:lost tag:vip \"上海\""
        ),
        set(&["上海华为"])
    );
    assert_eq!(
        list(admin, "/customers", "owner:bob level:a,c"),
        set(&["深圳腾讯", "广州网易"])
    );
    // By display name too; `-tag:` keeps those with no tags.
    assert_eq!(
        list(admin, "/customers", "owner:\"alice (display)\" -tag:vip"),
        set(&["上海电气"])
    );
    assert_eq!(
        list(admin, "/customers", "updated<1d -华为 -阿里 -腾讯 -网易"),
        set(&["上海电气"])
    );
    assert!(list(admin, "/customers", "updated>1d").is_empty());
    // Money in yuan; stages by name.
    assert_eq!(
        list(
            admin,
            "/opportunities",
            "amount>100000 stage:negotiation owner:bob"
        ),
        set(&["深圳腾讯 deal 1", "广州网易 deal 1"])
    );
    assert_eq!(
        list(
            admin,
            "/opportunities",
            "amount<=50000 stage:proposal,negotiation"
        )
        .len(),
        5
    );
    // The older filters and the language together.
    let both = names(&admin.list_all("/customers", &format!("level=A&{}", q("深圳")), 10));
    assert_eq!(both, set(&["深圳腾讯"]));
}

#[test]
fn a_salespersons_query_never_returns_anothers_records() {
    let w = world();
    // Bob's customers are not Alice's to see, whatever she asks.
    assert!(list(&w.alice, "/customers", "owner:bob").is_empty());
    assert!(list(&w.alice, "/customers", "region:华南").is_empty());
    assert_eq!(
        list(&w.alice, "/customers", "level:A"),
        set(&["上海华为", "杭州阿里"])
    );
    assert_eq!(
        list(&w.bob, "/customers", "-owner:me"),
        BTreeSet::new(),
        "every record bob sees is his"
    );
    assert_eq!(list(&w.alice, "/opportunities", "amount>100000").len(), 3);
}

#[test]
fn errors_name_the_position_of_the_wrong_word() {
    let w = world();
    let (status, body) = w.admin.get(&format!("/customers?{}", q("level:A levl:B")));
    assert_eq!(status, 400, "{body}");
    assert_eq!(body["error"]["code"], "bad_query");
    assert_eq!(body["error"]["position"], 9);
    assert_eq!(
        body["error"]["message"],
        "unknown field \"levl\" of customers at 9: did you mean level?"
    );
    let (status, body) = w
        .admin
        .get(&format!("/opportunities?{}", q("stage:proposal,nope")));
    assert_eq!(
        (status, &body["error"]["position"]),
        (400, &json!(16)),
        "{body}"
    );
    let (status, body) = w.admin.get(&format!("/customers?{}", q("\"open")));
    assert_eq!(
        (status, &body["error"]["position"]),
        (400, &json!(1)),
        "{body}"
    );
    // Not before the token is checked.
    let (status, _) = w
        .server
        .anonymous()
        .get(&format!("/customers?{}", q("levl:A")));
    assert_eq!(status, 401);
}

/// Custom fields an admin defines: an amount, a date, a number, a choice, several choices,
/// and one only managers may read.
fn with_custom_fields(w: &World) {
    for def in [
        json!({"key": "budget", "label_zh": "预算", "kind": "money"}),
        json!({"key": "visit_on", "label_zh": "拜访日", "kind": "date"}),
        json!({"key": "staff", "label_zh": "员工数", "kind": "number"}),
        json!({"key": "source", "label_zh": "来源", "kind": "choice", "choices": ["展会", "Web"]}),
        json!({"key": "lines", "label_zh": "产品线", "kind": "multi_choice", "choices": ["steel", "glass"]}),
        json!({"key": "secret", "label_zh": "机密", "kind": "number", "read_roles": ["manager"]}),
    ] {
        let mut def = def;
        def["entity"] = json!("customers");
        w.admin.create("/field_definitions", def);
    }
    let today = chrono::Utc::now().date_naive();
    let days_ago = |n: i64| (today - chrono::Duration::days(n)).to_string();
    let values = [
        (
            "上海华为",
            json!({"budget": 20_000_000, "visit_on": days_ago(3), "staff": 12.5,
                           "source": "Web", "lines": ["steel", "glass"], "secret": 7}),
        ),
        (
            "杭州阿里",
            json!({"budget": 5_000_000, "visit_on": days_ago(90), "staff": 3,
                           "source": "展会", "lines": []}),
        ),
        (
            "深圳腾讯",
            json!({"budget": 30_000_000, "lines": ["glass"]}),
        ),
    ];
    let all = w.admin.list_all("/customers", "", 10);
    for (name, custom) in values {
        let c = all.iter().find(|c| c["name"] == name).unwrap();
        let (status, body) = w.admin.patch_if_match(
            &format!("/customers/{}", id_of(c)),
            json!({"custom": custom}),
            c["version"].as_i64().unwrap(),
        );
        assert_eq!(status, 200, "{body}");
    }
}

#[test]
fn custom_fields_are_queried_like_built_in_ones() {
    let w = world();
    with_custom_fields(&w);
    let admin = &w.admin;
    assert_eq!(
        list(admin, "/customers", "custom.budget>100000"),
        set(&["上海华为", "深圳腾讯"])
    );
    assert_eq!(
        list(admin, "/customers", "custom.budget>100000 region:华东"),
        set(&["上海华为"])
    );
    // Without the value counts as not matching: the negation keeps it.
    assert_eq!(
        list(admin, "/customers", "-custom.budget>100000"),
        set(&["上海电气", "杭州阿里", "广州网易"])
    );
    assert_eq!(
        list(admin, "/customers", "custom.visit_on<30d"),
        set(&["上海华为"])
    );
    assert_eq!(
        list(admin, "/customers", "custom.staff>=12.5"),
        set(&["上海华为"])
    );
    assert_eq!(list(admin, "/customers", "staff<5"), set(&["杭州阿里"]));
    assert_eq!(
        list(admin, "/customers", "custom.来源:web"),
        set(&["上海华为"])
    );
    assert_eq!(
        list(admin, "/customers", "custom.lines:glass"),
        set(&["上海华为", "深圳腾讯"])
    );
    assert_eq!(
        list(admin, "/customers", "custom.lines:none"),
        set(&["上海电气", "杭州阿里", "广州网易"])
    );
    // A salesperson's query reads only their records, custom or not.
    assert_eq!(
        list(&w.alice, "/customers", "custom.budget>1"),
        set(&["上海华为", "杭州阿里"])
    );
}

#[test]
fn custom_field_errors_name_the_known_keys_and_hide_the_unreadable() {
    let w = world();
    with_custom_fields(&w);
    let (status, body) = w
        .admin
        .get(&format!("/customers?{}", q("level:A custom.budgte>1")));
    assert_eq!(status, 400, "{body}");
    assert_eq!(body["error"]["position"], 9);
    let message = body["error"]["message"].as_str().unwrap();
    assert!(
        message.contains("its custom fields are custom.budget, custom.lines")
            && message.ends_with("did you mean custom.budget?"),
        "{message}"
    );
    // The admin may ask about the managers' field; a salesperson may not even name it.
    assert_eq!(
        list(&w.admin, "/customers", "custom.secret>1"),
        set(&["上海华为"])
    );
    let (status, body) = w.alice.get(&format!("/customers?{}", q("custom.secret>1")));
    assert_eq!(status, 400, "{body}");
    let message = body["error"]["message"].as_str().unwrap();
    assert!(
        message.contains("unknown custom field \"secret\"") && !message.contains("custom.secret"),
        "{message}"
    );
    let (status, body) = w
        .admin
        .get(&format!("/customers?{}", q("custom.source:fair")));
    assert_eq!(
        (status, &body["error"]["position"]),
        (400, &json!(15)),
        "{body}"
    );
}
