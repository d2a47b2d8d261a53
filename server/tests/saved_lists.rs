//! Saved queries and static lists over HTTP on either backend: who reads and edits them (a
//! private one its owner alone, a shared one the owner's team, edited by the owner or that
//! team's managers), and `saved:NAME` / `list:NAME` in the query language.

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

fn names(client: &Client, query: &str) -> BTreeSet<String> {
    client
        .list_all("/customers", &q(query), 100)
        .iter()
        .map(|c| c["name"].as_str().unwrap().to_string())
        .collect()
}

fn set(items: &[&str]) -> BTreeSet<String> {
    items.iter().map(|s| s.to_string()).collect()
}

struct World {
    _server: TestServer,
    admin: Client,
    /// Sales, north.
    alice: Client,
    /// Sales, north.
    ann: Client,
    /// Manager, north.
    nick: Client,
    /// Sales, south.
    bob: Client,
    /// Manager, south.
    sid: Client,
}

fn world() -> World {
    let server = TestServer::start();
    let north = server.add_team("north");
    let south = server.add_team("south");
    let admin = server.user("root", "admin", None);
    let alice = server.user("alice", "sales", Some(&north));
    let ann = server.user("ann", "sales", Some(&north));
    let nick = server.user("nick", "manager", Some(&north));
    let bob = server.user("bob", "sales", Some(&south));
    let sid = server.user("sid", "manager", Some(&south));
    for (name, level, owner) in [
        ("上海华为", "A", &alice),
        ("上海电气", "B", &alice),
        ("杭州阿里", "A", &alice),
        ("北京百度", "A", &ann),
        ("深圳腾讯", "A", &bob),
    ] {
        admin.create(
            "/customers",
            json!({"name": name, "level": level, "owner_id": owner.id()}),
        );
    }
    World {
        _server: server,
        admin,
        alice,
        ann,
        nick,
        bob,
        sid,
    }
}

#[test]
fn a_private_query_is_its_owners_and_a_shared_one_the_teams() {
    let w = world();
    let made = w.alice.create(
        "/saved_queries",
        json!({"name": "Big ones", "entity": "customers", "query": "level:A"}),
    );
    let path = format!("/saved_queries/{}", id_of(&made));
    assert_eq!(made["shared"], false);
    assert_eq!(made["created_by"], Value::String(w.alice.id()));

    // Private: nobody but its owner (and admins) sees it or finds it by name.
    for other in [&w.ann, &w.nick, &w.bob] {
        assert_eq!(other.get(&path).0, 404);
        assert!(other.list_all("/saved_queries", "", 10).is_empty());
    }
    assert_eq!(w.admin.get(&path).0, 200);
    assert_eq!(
        names(&w.alice, "saved:\"big ones\""),
        set(&["上海华为", "杭州阿里"])
    );
    let (status, body) = w
        .ann
        .get(&format!("/customers?{}", q("saved:\"Big ones\"")));
    assert_eq!(status, 400, "{body}");
    assert!(body.to_string().contains("no saved query"), "{body}");

    // Shared: the owner's team reads it (each sees it over their own customers)…
    let (status, body) = w.alice.patch(&path, json!({"shared": true}));
    assert_eq!(status, 200, "{body}");
    assert_eq!(w.ann.get(&path).0, 200);
    assert_eq!(names(&w.ann, "saved:\"Big ones\""), set(&["北京百度"]));
    // …another team does not, its manager neither.
    assert_eq!(w.bob.get(&path).0, 404);
    assert_eq!(w.sid.get(&path).0, 404);
    assert!(w.sid.list_all("/saved_queries", "", 10).is_empty());

    // A teammate reads but does not edit; the team's manager and the owner do.
    let (status, body) = w.ann.patch(&path, json!({"query": "level:B"}));
    assert_eq!(status, 403, "{body}");
    let (status, body) = w.ann.delete(&path);
    assert_eq!(status, 403, "{body}");
    let (status, body) = w.nick.patch(&path, json!({"query": "level:A,B"}));
    assert_eq!(status, 200, "{body}");
    assert_eq!(
        names(&w.alice, "saved:\"Big ones\""),
        set(&["上海华为", "上海电气", "杭州阿里"])
    );

    // What it is over and what it says must read; the entity never changes.
    let (status, body) = w.alice.patch(&path, json!({"entity": "contacts"}));
    assert_eq!(status, 422, "{body}");
    let (status, body) = w.alice.post(
        "/saved_queries",
        json!({"name": "x", "entity": "nothing", "query": "level:A"}),
    );
    assert_eq!(status, 422, "{body}");
    let (status, body) = w.alice.post(
        "/saved_queries",
        json!({"name": "x", "entity": "customers", "query": "\"open"}),
    );
    assert_eq!(status, 422, "{body}");
    // One name per owner and entity, whatever its case.
    let (status, body) = w.alice.post(
        "/saved_queries",
        json!({"name": "BIG ONES", "entity": "customers", "query": "level:C"}),
    );
    assert_eq!(status, 409, "{body}");
}

#[test]
fn saved_queries_naming_each_other_end() {
    let w = world();
    w.alice.create(
        "/saved_queries",
        json!({"name": "a", "entity": "customers", "query": "saved:b"}),
    );
    w.alice.create(
        "/saved_queries",
        json!({"name": "b", "entity": "customers", "query": "saved:a"}),
    );
    let (status, body) = w.alice.get(&format!("/customers?{}", q("saved:a")));
    assert_eq!(status, 400, "{body}");
    // A saved query within a query: its terms join the others.
    w.alice.create(
        "/saved_queries",
        json!({"name": "top", "entity": "customers", "query": "level:A"}),
    );
    assert_eq!(names(&w.alice, "saved:top 杭州"), set(&["杭州阿里"]));
}

#[test]
fn a_list_filters_exactly_its_members() {
    let w = world();
    let customers = w.alice.list_all("/customers", "", 100);
    let id = |name: &str| {
        id_of(
            customers
                .iter()
                .find(|c| c["name"] == name)
                .expect("customer"),
        )
    };
    let list = w.alice.create(
        "/static_lists",
        json!({"name": "春季活动", "entity": "customers"}),
    );
    let list_id = id_of(&list);
    let member = |client: &Client, record: &str| {
        client.post(
            "/list_members",
            json!({"list_id": list_id, "record_id": record}),
        )
    };
    let (status, first) = member(&w.alice, &id("上海华为"));
    assert_eq!(status, 201, "{first}");
    let (status, body) = member(&w.alice, &id("杭州阿里"));
    assert_eq!(status, 201, "{body}");
    assert_eq!(
        names(&w.alice, "list:春季活动"),
        set(&["上海华为", "杭州阿里"])
    );
    assert_eq!(names(&w.alice, "-list:春季活动"), set(&["上海电气"]));
    assert_eq!(names(&w.alice, "list:春季活动 level:B"), set(&[]));

    // Once only; only records of its entity that the one adding them may see.
    let (status, body) = member(&w.alice, &id("上海华为"));
    assert_eq!(status, 409, "{body}");
    let bobs = id_of(&w.bob.list_all("/customers", "", 10)[0]);
    let (status, body) = member(&w.alice, &bobs);
    assert_eq!(status, 422, "{body}");
    // A private list is its owner's: a teammate neither sees nor fills it.
    let baidu = id_of(&w.admin.list_all("/customers", &q("北京百度"), 10)[0]);
    let (status, body) = member(&w.ann, &baidu);
    assert!(status == 403 || status == 422, "{status} {body}");
    let (status, body) = w.ann.get(&format!("/customers?{}", q("list:春季活动")));
    assert_eq!(status, 400, "{body}");

    // Shared: the team reads it (its members they may see), the team's manager adds to it.
    w.alice
        .patch(&format!("/static_lists/{list_id}"), json!({"shared": true}));
    assert_eq!(w.ann.list_all("/list_members", "", 10).len(), 2);
    let (status, body) = member(&w.ann, &baidu);
    assert_eq!(status, 403, "{body}");
    let (status, body) = member(&w.nick, &baidu);
    assert_eq!(status, 201, "{body}");
    assert_eq!(names(&w.nick, "list:春季活动").len(), 3);
    assert!(w.sid.list_all("/list_members", "", 10).is_empty());

    // The members stay what was put in: removing one takes it off.
    let (status, body) = w.alice.delete(&format!("/list_members/{}", id_of(&first)));
    assert_eq!(status, 200, "{body}");
    assert_eq!(names(&w.alice, "list:春季活动"), set(&["杭州阿里"]));
}
