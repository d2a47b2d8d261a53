//! Create, read, list (filters, cursors, sorting), update and delete of every entity over HTTP,
//! ticket comments, and the rules that fill in defaults.

mod common;

use std::collections::BTreeSet;

use common::{Client, PASSWORD, TestServer, id_of, ids};
use serde_json::{Value, json};

/// One entity's trip through the API.
struct Case<'a> {
    /// `/customers` and the like.
    path: &'a str,
    /// The body of the i-th record.
    make: &'a dyn Fn(usize) -> Value,
    /// A list filter and the records it should find.
    filter: (&'a str, &'a str),
    matches: &'a dyn Fn(usize) -> bool,
    /// A change and the field it sets.
    patch: Value,
}

const RECORDS: usize = 7;

fn crud_cycle(client: &Client, case: &Case<'_>) {
    let path = case.path;
    // Create.
    let mut created = Vec::new();
    for i in 0..RECORDS {
        let body = (case.make)(i);
        let (status, record) = client.post(path, body.clone());
        assert_eq!(status, 201, "POST {path} #{i}: {record}");
        assert_eq!(record["version"], 1, "{record}");
        assert!(record["created_at"].is_string() && record["updated_at"].is_string());
        assert_eq!(record["created_by"], json!(client.id()));
        for (key, value) in body.as_object().unwrap() {
            if key != "password" {
                assert_eq!(&record[key], value, "{path}: {key} echoed");
            }
        }
        assert!(record.get("password").is_none() && record.get("password_hash").is_none());
        created.push(record);
    }
    let created_ids = ids(&created);

    // Read each back as created.
    for record in &created {
        let (status, got) = client.get(&format!("{path}/{}", id_of(record)));
        assert_eq!(status, 200, "{got}");
        assert_eq!(&got, record);
    }

    // A filtered list, in pages of 2: exactly the matching records, each once.
    let (field, value) = case.filter;
    let filtered = client.list_all(path, &format!("{field}={value}"), 2);
    for item in &filtered {
        assert_eq!(
            item[field].as_str(),
            Some(value),
            "{path}?{field}={value} returned {item}"
        );
    }
    let found: BTreeSet<String> = ids(&filtered)
        .into_iter()
        .filter(|id| created_ids.contains(id))
        .collect();
    let expected: BTreeSet<String> = (0..RECORDS)
        .filter(|i| (case.matches)(*i))
        .map(|i| created_ids[i].clone())
        .collect();
    assert!(
        !expected.is_empty() && expected.len() < RECORDS,
        "the filter must split the records"
    );
    assert_eq!(found, expected, "{path}?{field}={value}");

    // Paging in threes meets every record once, the same set as one big page, in the same order.
    let paged = client.list_all(path, "", 3);
    let (status, whole) = client.get(&format!("{path}?limit=1000"));
    assert_eq!(status, 200);
    assert_eq!(whole["next_cursor"], Value::Null);
    assert_eq!(
        ids(&paged),
        ids(whole["items"].as_array().unwrap()),
        "{path}: pages differ from one page"
    );
    for id in &created_ids {
        assert!(
            ids(&paged).contains(id),
            "{path}: {id} missing from the pages"
        );
    }

    // Update.
    let target = &created_ids[0];
    let (status, updated) = client.patch(&format!("{path}/{target}"), case.patch.clone());
    assert_eq!(status, 200, "PATCH {path}: {updated}");
    assert_eq!(updated["version"], 2);
    for (key, value) in case.patch.as_object().unwrap() {
        assert_eq!(&updated[key], value, "{path}: {key} after PATCH");
    }
    let (_, again) = client.get(&format!("{path}/{target}"));
    assert_eq!(again, updated, "GET after PATCH shows the change");

    // Delete.
    let doomed = &created_ids[1];
    let (status, answer) = client.delete(&format!("{path}/{doomed}"));
    assert_eq!(status, 200, "DELETE {path}: {answer}");
    assert_eq!(client.get(&format!("{path}/{doomed}")).0, 404);
    assert_eq!(
        client
            .patch(&format!("{path}/{doomed}"), case.patch.clone())
            .0,
        404
    );
    assert_eq!(client.delete(&format!("{path}/{doomed}")).0, 404);
    let remaining = ids(&client.list_all(path, "", 1000));
    assert!(
        !remaining.contains(doomed),
        "{path}: deleted record still listed"
    );
    assert!(remaining.contains(target));
}

#[test]
fn teams_users_and_stages_round_trip() {
    let server = TestServer::start();
    let admin = server.user("root", "admin", None);
    crud_cycle(
        &admin,
        &Case {
            path: "/teams",
            make: &|i| json!({"name": format!("team-{i}"), "description": format!("team number {i}")}),
            filter: ("name", "team-3"),
            matches: &|i| i == 3,
            patch: json!({"description": "renamed"}),
        },
    );
    crud_cycle(
        &admin,
        &Case {
            path: "/users",
            make: &|i| {
                let role = if i % 2 == 1 { "agent" } else { "sales" };
                json!({"username": format!("user{i}"), "display_name": format!("User {i}"), "role": role, "password": PASSWORD})
            },
            filter: ("role", "agent"),
            matches: &|i| i % 2 == 1,
            patch: json!({"display_name": "Someone Else"}),
        },
    );
    crud_cycle(
        &admin,
        &Case {
            path: "/stages",
            make: &|i| {
                let kind = if i.is_multiple_of(3) { "lost" } else { "open" };
                json!({"name": format!("stage-{i}"), "position": 200 + i, "probability": 30, "kind": kind})
            },
            filter: ("kind", "lost"),
            matches: &|i| i.is_multiple_of(3),
            patch: json!({"probability": 40}),
        },
    );
}

#[test]
fn customers_contacts_and_opportunities_round_trip() {
    let server = TestServer::start();
    let admin = server.user("root", "admin", None);
    crud_cycle(
        &admin,
        &Case {
            path: "/customers",
            make: &|i| {
                let level = if i % 2 == 1 { "A" } else { "B" };
                json!({"name": format!("Customer {i}"), "level": level, "region": "华东"})
            },
            filter: ("level", "A"),
            matches: &|i| i % 2 == 1,
            patch: json!({"name": "Customer Zero, renamed", "tags": ["vip"]}),
        },
    );
    let first = admin.create("/customers", json!({"name": "Parent One"}));
    let second = admin.create("/customers", json!({"name": "Parent Two"}));
    let (first, second) = (id_of(&first), id_of(&second));
    let parent = |i: usize| {
        if i.is_multiple_of(3) {
            first.clone()
        } else {
            second.clone()
        }
    };
    crud_cycle(
        &admin,
        &Case {
            path: "/contacts",
            make: &|i| json!({"customer_id": parent(i), "name": format!("Contact {i}"), "mobile": "13900000000"}),
            filter: ("customer_id", &first),
            matches: &|i| i.is_multiple_of(3),
            patch: json!({"title": "CFO"}),
        },
    );
    crud_cycle(
        &admin,
        &Case {
            path: "/opportunities",
            make: &|i| json!({"customer_id": parent(i), "name": format!("Deal {i}"), "amount": 100_000 * i}),
            filter: ("customer_id", &first),
            matches: &|i| i.is_multiple_of(3),
            patch: json!({"amount": 5, "next_step": "call back"}),
        },
    );
}

#[test]
fn activities_tickets_and_comments_round_trip() {
    let server = TestServer::start();
    let admin = server.user("root", "admin", None);
    let customer = id_of(&admin.create("/customers", json!({"name": "Ticketed"})));
    crud_cycle(
        &admin,
        &Case {
            path: "/activities",
            make: &|i| {
                let kind = if i.is_multiple_of(2) { "call" } else { "task" };
                json!({"kind": kind, "subject": format!("Activity {i}"), "customer_id": customer})
            },
            filter: ("kind", "call"),
            matches: &|i| i.is_multiple_of(2),
            patch: json!({"done": true}),
        },
    );
    crud_cycle(
        &admin,
        &Case {
            path: "/tickets",
            make: &|i| {
                let priority = if i % 2 == 1 { "high" } else { "low" };
                json!({"subject": format!("Ticket {i}"), "customer_id": customer, "priority": priority})
            },
            filter: ("priority", "high"),
            matches: &|i| i % 2 == 1,
            patch: json!({"status": "open", "category": "billing"}),
        },
    );
    let one = id_of(&admin.create(
        "/tickets",
        json!({"subject": "One", "customer_id": customer}),
    ));
    let two = id_of(&admin.create(
        "/tickets",
        json!({"subject": "Two", "customer_id": customer}),
    ));
    let ticket = |i: usize| if i < 2 { one.clone() } else { two.clone() };
    crud_cycle(
        &admin,
        &Case {
            path: "/comments",
            make: &|i| json!({"ticket_id": ticket(i), "body": format!("comment {i}")}),
            filter: ("ticket_id", &one),
            matches: &|i| i < 2,
            patch: json!({"body": "edited"}),
        },
    );
}

#[test]
fn ticket_comments_live_under_their_ticket() {
    let server = TestServer::start();
    let admin = server.user("root", "admin", None);
    let customer = id_of(&admin.create("/customers", json!({"name": "Commented"})));
    let ticket = id_of(&admin.create(
        "/tickets",
        json!({"subject": "Broken", "customer_id": customer}),
    ));
    let other = id_of(&admin.create(
        "/tickets",
        json!({"subject": "Other", "customer_id": customer}),
    ));
    let base = format!("/tickets/{ticket}/comments");

    let mut made = Vec::new();
    for i in 0..5u32 {
        let (status, comment) = admin.post(
            &base,
            json!({"body": format!("note {i}"), "internal": i.is_multiple_of(2)}),
        );
        assert_eq!(status, 201, "{comment}");
        assert_eq!(
            comment["ticket_id"],
            json!(ticket),
            "the path names the ticket"
        );
        made.push(id_of(&comment));
    }
    admin.create(
        &format!("/tickets/{other}/comments"),
        json!({"body": "elsewhere"}),
    );

    let listed = admin.list_all(&base, "", 2);
    assert_eq!(
        ids(&listed).into_iter().collect::<BTreeSet<_>>(),
        made.iter().cloned().collect()
    );

    // A ticket_id in the body must agree with the path.
    let (status, err) = admin.post(&base, json!({"body": "x", "ticket_id": other}));
    assert_eq!(status, 422, "{err}");
    assert!(err["error"]["fields"]["ticket_id"].is_string());

    let one = &made[0];
    let (status, got) = admin.get(&format!("{base}/{one}"));
    assert_eq!((status, got["body"].as_str()), (200, Some("note 0")));
    // A comment is only found under its own ticket.
    assert_eq!(
        admin.get(&format!("/tickets/{other}/comments/{one}")).0,
        404
    );

    let (status, edited) = admin.patch(&format!("{base}/{one}"), json!({"body": "note zero"}));
    assert_eq!(
        (status, edited["version"].as_i64()),
        (200, Some(2)),
        "{edited}"
    );
    assert_eq!(admin.get(&format!("{base}/{one}")).1["body"], "note zero");

    assert_eq!(admin.delete(&format!("{base}/{one}")).0, 200);
    assert_eq!(admin.get(&format!("{base}/{one}")).0, 404);
    assert!(!ids(&admin.list_all(&base, "", 100)).contains(one));

    // A comment without a body is refused, naming the field.
    let (status, err) = admin.post(&base, json!({"internal": true}));
    assert_eq!(status, 422);
    assert!(err["error"]["fields"]["body"].is_string(), "{err}");
}

#[test]
fn customers_sort_by_name_in_pinyin_order_across_pages() {
    let server = TestServer::start();
    let admin = server.user("root", "admin", None);
    // In code-point order every Latin name would come first, then 东 (U+4E1C) before 长 and 阿.
    let pinyin_order = [
        "阿里巴巴",
        "Apple",
        "Baidu",
        "长城汽车",
        "东华",
        "Shanghai Trading",
        "zeta",
    ];
    for name in [
        "zeta",
        "东华",
        "Shanghai Trading",
        "Baidu",
        "长城汽车",
        "阿里巴巴",
        "Apple",
    ] {
        admin.create("/customers", json!({"name": name}));
    }
    for page in [1, 2, 3, 100] {
        let listed = admin.list_all("/customers", "sort=name", page);
        let got: Vec<&str> = listed.iter().map(|c| c["name"].as_str().unwrap()).collect();
        assert_eq!(got, pinyin_order, "pages of {page}");
    }
    let listed = admin.list_all("/customers", "sort=-name", 2);
    let got: Vec<&str> = listed.iter().map(|c| c["name"].as_str().unwrap()).collect();
    let mut descending = pinyin_order.to_vec();
    descending.reverse();
    assert_eq!(got, descending);
    // A rename moves the customer to its new place: zeta, renamed 安徽 (an hui), comes second.
    let (_, all) = admin.get("/customers?limit=100");
    let zeta = all["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["name"] == "zeta")
        .unwrap()
        .clone();
    let (status, _) = admin.patch(
        &format!("/customers/{}", id_of(&zeta)),
        json!({"name": "安徽"}),
    );
    assert_eq!(status, 200);
    let listed = admin.list_all("/customers", "sort=name", 2);
    let got: Vec<&str> = listed.iter().map(|c| c["name"].as_str().unwrap()).collect();
    assert_eq!(got[..3], ["阿里巴巴", "安徽", "Apple"]);
}

#[test]
fn lists_sort_by_name_both_ways_across_pages() {
    let server = TestServer::start();
    let admin = server.user("root", "admin", None);
    let names = [
        "delta", "alpha", "echo", "charlie", "bravo", "foxtrot", "golf",
    ];
    for name in names {
        admin.create("/customers", json!({"name": name}));
    }
    let mut ascending: Vec<&str> = names.to_vec();
    ascending.sort_unstable();
    let mut descending = ascending.clone();
    descending.reverse();

    let listed = admin.list_all("/customers", "sort=-name", 2);
    let got: Vec<&str> = listed.iter().map(|c| c["name"].as_str().unwrap()).collect();
    assert_eq!(got, descending);
    let listed = admin.list_all("/customers", "sort=name", 3);
    let got: Vec<&str> = listed.iter().map(|c| c["name"].as_str().unwrap()).collect();
    assert_eq!(got, ascending);

    // Ties in the sort key are broken by id, so paging neither repeats nor skips them.
    let customer = id_of(&admin.create("/customers", json!({"name": "hotel"})));
    for i in 0..9 {
        let amount = [500, 100, 500, 0, 100, 500, 900, 0, 500][i];
        admin.create(
            "/opportunities",
            json!({"customer_id": customer, "name": format!("deal {i}"), "amount": amount}),
        );
    }
    let (_, whole) = admin.get("/opportunities?sort=-amount&limit=1000");
    for page in [1, 2, 4] {
        let listed = admin.list_all("/opportunities", "sort=-amount", page);
        assert_eq!(
            ids(&listed),
            ids(whole["items"].as_array().unwrap()),
            "pages of {page}"
        );
        let amounts: Vec<i64> = listed
            .iter()
            .map(|o| o["amount"].as_i64().unwrap())
            .collect();
        assert_eq!(amounts, vec![900, 500, 500, 500, 500, 100, 100, 0, 0]);
    }

    // Search narrows, unknown sorts and filters are refused by name.
    let (status, found) = admin.get("/customers?q=harl");
    assert_eq!(status, 200);
    assert_eq!(found["items"].as_array().unwrap().len(), 1);
    assert_eq!(found["items"][0]["name"], "charlie");
    let (status, err) = admin.get("/customers?sort=notes&colour=red");
    assert_eq!(status, 422);
    assert!(
        err["error"]["fields"]["sort"].is_string() && err["error"]["fields"]["colour"].is_string(),
        "{err}"
    );
    let (status, err) = admin.get("/customers?cursor=garbage!");
    assert_eq!(status, 422);
    assert!(err["error"]["fields"]["cursor"].is_string(), "{err}");
}

#[test]
fn the_server_fills_in_what_it_owns() {
    let server = TestServer::start();
    let admin = server.user("root", "admin", None);
    let customer = admin.create("/customers", json!({"name": "Defaults"}));
    assert!(
        customer["code"]
            .as_str()
            .is_some_and(|c| c.starts_with('C')),
        "{customer}"
    );
    assert_eq!(customer["owner_id"], json!(admin.id()));
    assert_eq!(
        (customer["category"].as_str(), customer["kind"].as_str()),
        (Some("prospect"), Some("company"))
    );
    let customer = id_of(&customer);

    // Opportunities start in the first open stage and take its probability.
    let stages = admin.list_all("/stages", "sort=position", 100);
    let lead = stages
        .iter()
        .find(|s| s["name"] == "lead")
        .expect("default stages");
    let won = stages.iter().find(|s| s["name"] == "won").unwrap();
    let opp = admin.create(
        "/opportunities",
        json!({"customer_id": customer, "name": "Big deal"}),
    );
    assert_eq!(
        (&opp["stage_id"], &opp["probability"]),
        (&lead["id"], &json!(10)),
        "{opp}"
    );
    let path = format!("/opportunities/{}", id_of(&opp));
    let (status, err) = admin.patch(&path, json!({"stage_id": won["id"]}));
    assert_eq!(status, 422);
    assert!(err["error"]["fields"]["close_reason"].is_string(), "{err}");
    let (status, closed) = admin.patch(
        &path,
        json!({"stage_id": won["id"], "close_reason": "best price"}),
    );
    assert_eq!(status, 200, "{closed}");
    assert_eq!(closed["probability"], 100);
    // A stage with opportunities in it stays.
    assert_eq!(admin.delete(&format!("/stages/{}", id_of(won))).0, 409);

    // Tickets get numbers and due times; resolving needs a resolution.
    let ticket = admin.create(
        "/tickets",
        json!({"subject": "Printer on fire", "customer_id": customer}),
    );
    assert!(
        ticket["number"]
            .as_str()
            .is_some_and(|n| n.starts_with("T-")),
        "{ticket}"
    );
    assert!(ticket["first_response_due"].is_string() && ticket["resolution_due"].is_string());
    assert_eq!(ticket["status"], "new");
    let path = format!("/tickets/{}", id_of(&ticket));
    let (status, err) = admin.patch(&path, json!({"status": "resolved"}));
    assert_eq!(status, 422);
    assert!(err["error"]["fields"]["resolution"].is_string(), "{err}");
    let (status, done) = admin.patch(
        &path,
        json!({"status": "resolved", "resolution": "extinguished"}),
    );
    assert_eq!(status, 200, "{done}");
    assert!(
        done["resolved_at"].is_string() && done["first_responded_at"].is_string(),
        "{done}"
    );

    // Deleting a customer takes what hangs off it along.
    let contact = admin.create(
        "/contacts",
        json!({"customer_id": customer, "name": "Li Lei"}),
    );
    assert_eq!(admin.delete(&format!("/customers/{customer}")).0, 200);
    assert_eq!(admin.get(&format!("/contacts/{}", id_of(&contact))).0, 404);
    assert_eq!(admin.get(&path).0, 404);
}

#[test]
fn health_openapi_and_unknown_routes() {
    let server = TestServer::start();
    let anonymous = server.anonymous();
    let (status, health) = anonymous.get("/health");
    assert_eq!((status, health["status"].as_str()), (200, Some("ok")));
    let (status, doc) = anonymous.get("/openapi.json");
    assert_eq!(status, 200);
    assert!(
        doc["paths"].as_object().is_some_and(|p| !p.is_empty()),
        "{doc}"
    );
    let admin = server.user("root", "admin", None);
    let (status, err) = admin.get("/widgets");
    assert_eq!(status, 404);
    assert_eq!(err["error"]["code"], "not_found");
    assert_eq!(admin.get("/customers/not-a-uuid").0, 404);
    let (status, me) = admin.get("/me");
    assert_eq!((status, me["username"].as_str()), (200, Some("root")));
}

#[test]
fn updated_by_is_the_acting_user_and_cannot_be_forged() {
    let server = TestServer::start();
    let admin = server.user("root", "admin", None);
    let other = server.user("second", "admin", None);
    let customer = admin.create("/customers", json!({"name": "Stamped"}));
    assert_eq!(customer["updated_by"], json!(admin.id()), "{customer}");
    let path = format!("/customers/{}", id_of(&customer));

    // Another user's edit names them, in the answer, a read and the change feed.
    let (status, edited) = other.patch(&path, json!({"phone": "010 6552 1234"}));
    assert_eq!(status, 200, "{edited}");
    assert_eq!(edited["updated_by"], json!(other.id()), "{edited}");
    assert_eq!(edited["created_by"], json!(admin.id()), "{edited}");
    assert_eq!(admin.get(&path).1["updated_by"], json!(other.id()));
    let (changes, _) = admin.feed(0, 500);
    let last = changes
        .iter()
        .rev()
        .find(|c| c["id"] == customer["id"])
        .expect("the edit is in the feed");
    assert_eq!(last["record"]["updated_by"], json!(other.id()), "{last}");

    // A client naming someone else is refused on create and on edit, and nothing changes.
    let (status, err) = other.post(
        "/customers",
        json!({"name": "Forged", "updated_by": admin.id()}),
    );
    assert_eq!(status, 422, "{err}");
    assert!(err.to_string().contains("updated_by"), "{err}");
    let (status, err) = admin.patch(&path, json!({"name": "Forged", "updated_by": other.id()}));
    assert_eq!(status, 422, "{err}");
    let (_, now) = admin.get(&path);
    assert_eq!(now["name"], "Stamped");
    assert_eq!(now["version"], edited["version"]);

    // A delete and a restore are changes too: each names who made it.
    let (status, _) = other.delete(&path);
    assert!(status == 200 || status == 204, "{status}");
    let (status, restored) = admin.post(&format!("{path}/restore"), json!({}));
    assert!(status == 200 || status == 201, "{status} {restored}");
    assert_eq!(restored["updated_by"], json!(admin.id()), "{restored}");
}
