//! Writes that race or repeat: optimistic concurrency with If-Match, Idempotency-Key and
//! client-chosen ids, and the customer duplicate check.

mod common;

use common::{TestServer, display_name, id_of};
use reqwest::Method;
use serde_json::json;

#[test]
fn a_stale_if_match_is_412_with_the_current_record() {
    let server = TestServer::start();
    let team = server.add_team("north");
    let admin = server.user("root", "admin", None);
    let a = server.user("alice", "sales", Some(&team));
    let b = server.user("bob", "sales", Some(&team));
    let customer = id_of(&admin.create(
        "/customers",
        json!({"name": "Contended", "owner_id": a.id(), "shared_with": [b.id()]}),
    ));
    let path = format!("/customers/{customer}");

    let (_, seen_by_a) = a.get(&path);
    let (_, seen_by_b) = b.get(&path);
    assert_eq!(
        (&seen_by_a["version"], &seen_by_b["version"]),
        (&json!(1), &json!(1))
    );

    let (status, after_a) = a.patch_if_match(&path, json!({"name": "Alice's name"}), 1);
    assert_eq!(
        (status, after_a["version"].as_i64()),
        (200, Some(2)),
        "{after_a}"
    );

    let (status, err) = b.patch_if_match(&path, json!({"name": "Bob's name"}), 1);
    assert_eq!(status, 412, "{err}");
    assert_eq!(err["error"]["code"], "stale");
    assert_eq!(err["error"]["current"]["name"], "Alice's name");
    assert_eq!(err["error"]["current"]["version"], 2);

    let (_, stored) = admin.get(&path);
    assert_eq!(
        (stored["name"].as_str(), stored["version"].as_i64()),
        (Some("Alice's name"), Some(2))
    );

    // The header may be quoted, as ETags are.
    let quoted = b
        .request(Method::PATCH, &path)
        .header("If-Match", "\"2\"")
        .json(&json!({"name": "Bob's name"}));
    let (status, after_b) = b.send(quoted);
    assert_eq!(
        (status, after_b["version"].as_i64()),
        (200, Some(3)),
        "{after_b}"
    );
    assert_eq!(admin.get(&path).1["name"], "Bob's name");

    // Deletes check it too.
    let stale_delete = a.request(Method::DELETE, &path).header("If-Match", "2");
    assert_eq!(a.send(stale_delete).0, 412);
    assert_eq!(admin.get(&path).0, 200);
    let delete = a.request(Method::DELETE, &path).header("If-Match", "3");
    assert_eq!(a.send(delete).0, 200);
    assert_eq!(admin.get(&path).0, 404);
}

#[test]
fn of_racing_writers_with_the_same_version_exactly_one_wins() {
    let server = TestServer::start();
    let admin = server.user("root", "admin", None);
    let clients: Vec<_> = (0..4).map(|_| server.login("root")).collect();
    let customer = id_of(&admin.create("/customers", json!({"name": "Raced"})));
    let path = format!("/customers/{customer}");
    let statuses: Vec<u16> = std::thread::scope(|s| {
        let handles: Vec<_> = clients
            .iter()
            .enumerate()
            .map(|(i, c)| {
                let path = &path;
                s.spawn(move || {
                    c.patch_if_match(path, json!({"notes": format!("writer {i}")}), 1)
                        .0
                })
            })
            .collect();
        handles.into_iter().map(|h| h.join().unwrap()).collect()
    });
    assert_eq!(
        statuses.iter().filter(|s| **s == 200).count(),
        1,
        "{statuses:?}"
    );
    assert_eq!(
        statuses.iter().filter(|s| **s == 412).count(),
        3,
        "{statuses:?}"
    );
    assert_eq!(admin.get(&path).1["version"], 2);

    // The same key sent by racing retries makes one record.
    let made: Vec<String> = std::thread::scope(|s| {
        let handles: Vec<_> = clients
            .iter()
            .map(|c| {
                s.spawn(move || {
                    id_of(
                        &c.post_with_key("/customers", json!({"name": "Raced Retry"}), "race")
                            .1,
                    )
                })
            })
            .collect();
        handles.into_iter().map(|h| h.join().unwrap()).collect()
    });
    assert!(made.iter().all(|id| *id == made[0]), "{made:?}");
    assert_eq!(
        admin.get("/customers?q=Raced%20Retry").1["items"]
            .as_array()
            .unwrap()
            .len(),
        1
    );
}

#[test]
fn an_idempotency_key_applies_a_write_once() {
    let server = TestServer::start();
    let alice = server.user("alice", "sales", None);
    let body = json!({"name": "Once Only Ltd"});
    let (first_status, first) = alice.post_with_key("/customers", body.clone(), "key-1");
    let (second_status, second) = alice.post_with_key("/customers", body.clone(), "key-1");
    assert_eq!(
        (first_status, second_status),
        (201, 201),
        "{first} / {second}"
    );
    assert_eq!(id_of(&first), id_of(&second));
    assert_eq!(first, second, "the retry gets the first answer");
    let (_, list) = alice.get("/customers?q=Once");
    assert_eq!(list["items"].as_array().unwrap().len(), 1, "{list}");

    // A patch retried with its key applies once: the version moves by one.
    let path = format!("/customers/{}", id_of(&first));
    let patch = || {
        alice.send(
            alice
                .request(Method::PATCH, &path)
                .header("Idempotency-Key", "key-2")
                .json(&json!({"notes": "called", "level": "A"})),
        )
    };
    let (s1, p1) = patch();
    let (s2, p2) = patch();
    assert_eq!((s1, s2), (200, 200));
    assert_eq!(p1, p2);
    assert_eq!(alice.get(&path).1["version"], 2);

    // Keys belong to their user: another user's same key is a new write.
    let bob = server.user("bob", "sales", None);
    let (status, bobs) = bob.post_with_key("/customers", json!({"name": "Bob Only"}), "key-1");
    assert_eq!(status, 201);
    assert_ne!(id_of(&bobs), id_of(&first));

    // A refused write is not remembered: fixing the body under the same key goes through.
    let (status, _) = alice.post_with_key(
        "/customers",
        json!({"name": "Fixed", "level": "Z"}),
        "key-3",
    );
    assert_eq!(status, 422);
    let (status, _) = alice.post_with_key(
        "/customers",
        json!({"name": "Fixed", "level": "B"}),
        "key-3",
    );
    assert_eq!(status, 201);

    // A key answers only the request it came with: sent again with another body it is refused
    // (naming the header), and what the first request wrote stands.
    let (status, err) = alice.post_with_key("/customers", json!({"name": "Other Co"}), "key-1");
    assert_eq!(
        (
            status,
            err["error"]["fields"]["Idempotency-Key"].is_string()
        ),
        (422, true),
        "{err}"
    );
    let (_, list) = alice.get("/customers?q=Other");
    assert!(list["items"].as_array().unwrap().is_empty(), "{list}");
    assert_eq!(alice.get(&path).1["notes"], "called");
}

#[test]
fn a_create_with_a_client_chosen_id_is_made_once() {
    let server = TestServer::start();
    let alice = server.user("alice", "sales", None);
    let customer = id_of(&alice.create("/customers", json!({"name": "Parent"})));
    let id = "0190c1d2-7a3b-7c4d-8e5f-000000000042";
    let body = json!({"id": id, "customer_id": customer, "name": "Retried Contact"});
    let (first_status, first) = alice.post_with_key("/contacts", body.clone(), "contact-1");
    assert_eq!(first_status, 201, "{first}");
    assert_eq!(first["id"], id);
    let (second_status, second) = alice.post_with_key("/contacts", body.clone(), "contact-1");
    assert_eq!(
        second_status, 201,
        "retry answered {second_status}: {second}"
    );
    assert_eq!(first, second, "the retry gets what the first made");
    // Without its key the id is simply taken: nothing of the record comes back.
    let (third_status, third) = alice.post("/contacts", body.clone());
    assert_eq!(third_status, 409, "{third}");
    assert!(!third.to_string().contains("Retried Contact"), "{third}");
    let (_, list) = alice.get(&format!("/contacts?customer_id={customer}"));
    assert_eq!(list["items"].as_array().unwrap().len(), 1, "{list}");

    // Someone else's record under that id is a conflict, not theirs to read.
    let bob = server.user("bob", "sales", None);
    let bob_customer = id_of(&bob.create("/customers", json!({"name": "Bob's"})));
    let (status, err) = bob.post(
        "/contacts",
        json!({"id": id, "customer_id": bob_customer, "name": "Mine"}),
    );
    assert_eq!(status, 409, "{err}");
    assert!(err["error"].get("existing").is_none(), "{err}");
    assert_eq!(
        alice.get(&format!("/contacts/{id}")).1["name"],
        "Retried Contact"
    );
}

#[test]
fn a_retried_create_tells_nothing_once_the_record_moved_out_of_sight() {
    let server = TestServer::start();
    let north = server.add_team("North");
    let south = server.add_team("South");
    let li = server.user("li", "sales", Some(&north));
    let wang = server.user("wang", "sales", Some(&south));
    let admin = server.user("root", "admin", None);
    let id = "0190c1d2-7a3b-7c4d-8e5f-0000000000aa";
    let body = json!({"id": id, "name": "Moving Co"});
    let (status, made) = li.post_with_key("/customers", body.clone(), "create-moving");
    assert_eq!(status, 201, "{made}");
    // While li may read it, her retry gets the first answer.
    let (status, _) = li.post_with_key("/customers", body.clone(), "create-moving");
    assert_eq!(status, 201);

    // Reassigned to another team, which writes its confidential notes.
    let (status, moved) = admin.patch(
        &format!("/customers/{id}"),
        json!({"owner_id": wang.id(), "team_id": south}),
    );
    assert_eq!(status, 200, "{moved}");
    let (status, _) = wang.patch(
        &format!("/customers/{id}"),
        json!({"notes": "south's secret"}),
    );
    assert_eq!(status, 200);
    assert_eq!(li.get(&format!("/customers/{id}")).0, 404);

    for (what, (status, answer)) in [
        (
            "with her key",
            li.post_with_key("/customers", body.clone(), "create-moving"),
        ),
        (
            "with a new key",
            li.post_with_key("/customers", body.clone(), "create-again"),
        ),
        ("without a key", li.post("/customers", body.clone())),
    ] {
        assert_eq!(status, 409, "{what}: {answer}");
        let told = answer.to_string();
        assert!(
            !told.contains("secret")
                && !told.contains("Moving Co")
                && answer["error"].get("existing").is_none(),
            "{what}: {answer}"
        );
    }
}

#[test]
fn near_duplicate_customers_are_refused_naming_the_owner() {
    let server = TestServer::start();
    let alice = server.user("alice", "sales", None);
    let bob = server.user("bob", "sales", None);
    let original = alice.create(
        "/customers",
        json!({"name": "Acme Trading Ltd.", "phone": "138 0013 8000", "email": "Sales@Acme.com"}),
    );
    let code = original["code"].as_str().unwrap();

    let attempts = [
        (json!({"name": "  acme   TRADING ltd "}), "name"),
        (
            json!({"name": "Totally Different", "phone": "+86 138-0013-8000"}),
            "phone",
        ),
        (
            json!({"name": "Also Different", "email": "sales@acme.COM "}),
            "email",
        ),
    ];
    for (body, matched) in &attempts {
        // Bob cannot see alice's customer, and is still told whose it is.
        let (status, err) = bob.post("/customers", body.clone());
        assert_eq!(status, 409, "{body}: {err}");
        let existing = &err["error"]["existing"];
        assert_eq!(err["error"]["code"], "duplicate");
        assert_eq!(existing["code"], code, "{err}");
        assert_eq!(existing["owner_name"], display_name("alice"), "{err}");
        assert_eq!(existing["owner_id"], json!(alice.id()));
        // Code and owner only: nothing of a customer bob may not see, its name least of all.
        let told = err.to_string().to_lowercase();
        assert!(!told.contains("acme trading"), "{err}");
        assert!(existing.get("name").is_none(), "{err}");
        assert!(
            existing["matched_on"]
                .as_array()
                .unwrap()
                .iter()
                .any(|m| m == matched),
            "{err}"
        );
    }
    assert_eq!(
        bob.get("/customers").1["items"].as_array().unwrap().len(),
        0
    );

    for (body, _) in &attempts {
        let (status, made) = bob.post("/customers?allow_duplicate=true", body.clone());
        assert_eq!(status, 201, "{made}");
        assert_ne!(made["code"], code);
    }
    assert_eq!(
        bob.get("/customers").1["items"].as_array().unwrap().len(),
        3
    );

    // A deleted customer is no longer in the way.
    alice.delete(&format!("/customers/{}", id_of(&original)));
    let (status, _) = alice.post("/customers", json!({"name": "ACME trading ltd"}));
    assert_eq!(status, 409, "bob's copies are still there");
    let (status, _) = alice.post(
        "/customers",
        json!({"name": "Brand New Name", "email": "new@acme.com"}),
    );
    assert_eq!(status, 201);
}

#[test]
fn a_landline_written_another_way_is_a_duplicate() {
    let server = TestServer::start();
    let alice = server.user("alice", "sales", None);
    alice.create(
        "/customers",
        json!({"name": "杭州新捷电器股份有限公司", "phone": "0571-42498151"}),
    );
    for phone in ["+86 571 4249 8151", "(0571) 4249 8151 转 6218"] {
        let (status, err) = alice.post(
            "/customers",
            json!({"name": "Another Name", "phone": phone}),
        );
        assert_eq!(status, 409, "{phone}: {err}");
        assert!(
            err["error"]["existing"]["matched_on"]
                .as_array()
                .unwrap()
                .iter()
                .any(|m| m == "phone"),
            "{err}"
        );
    }
    let (status, _) = alice.post(
        "/customers",
        json!({"name": "Another Name", "phone": "0571-42498152"}),
    );
    assert_eq!(status, 201);
}

#[test]
fn records_linking_a_departed_user_or_a_deleted_contact_stay_editable() {
    let server = TestServer::start();
    let team = server.add_team("north");
    let admin = server.user("root", "admin", None);
    let manager = server.user("nina", "manager", Some(&team));
    let alice = server.user("alice", "sales", Some(&team));
    let carol = server.user("carol", "sales", Some(&team));
    let agent = server.user("ada", "agent", None);
    let leaver = server.user("otto", "agent", None);
    let customer = id_of(&alice.create(
        "/customers",
        json!({"name": "Left Behind", "shared_with": [carol.id()]}),
    ));
    let contact = id_of(&alice.create(
        "/contacts",
        json!({"customer_id": customer, "name": "Gone"}),
    ));
    let activity = id_of(&alice.create(
        "/activities",
        json!({"kind": "task", "subject": "follow up", "customer_id": customer, "contact_id": contact}),
    ));
    let ticket = id_of(&agent.create(
        "/tickets",
        json!({"subject": "t", "customer_id": customer, "contact_id": contact}),
    ));
    let assigned = id_of(&admin.create(
        "/tickets",
        json!({"subject": "otto's", "customer_id": customer, "assignee_id": leaver.id()}),
    ));

    // The contact is deleted: what mentions it can still be worked on.
    assert_eq!(alice.delete(&format!("/contacts/{contact}")).0, 200);
    let (status, body) = alice.patch(&format!("/activities/{activity}"), json!({"done": true}));
    assert_eq!(status, 200, "{body}");
    let (status, body) = agent.patch(&format!("/tickets/{ticket}"), json!({"status": "open"}));
    assert_eq!(status, 200, "{body}");
    // But nothing new may point at it.
    let (status, body) = admin.patch(
        &format!("/tickets/{assigned}"),
        json!({"contact_id": contact}),
    );
    assert_eq!(status, 422, "{body}");

    // Alice and otto leave: their customer and tickets stay editable.
    assert_eq!(
        admin
            .patch(&format!("/users/{}", alice.id()), json!({"active": false}))
            .0,
        200
    );
    assert_eq!(
        admin
            .patch(&format!("/users/{}", leaver.id()), json!({"active": false}))
            .0,
        200
    );
    let (status, body) = manager.patch(
        &format!("/customers/{customer}"),
        json!({"notes": "alice left"}),
    );
    assert_eq!(status, 200, "{body}");
    let (status, body) = carol.patch(&format!("/customers/{customer}"), json!({"level": "A"}));
    assert_eq!(status, 200, "{body}");
    let (status, body) = admin.patch(&format!("/tickets/{assigned}"), json!({"priority": "high"}));
    assert_eq!(status, 200, "{body}");
    // Nobody may be newly given to a departed user.
    let (status, body) = admin.patch(
        &format!("/tickets/{ticket}"),
        json!({"assignee_id": leaver.id()}),
    );
    assert_eq!(status, 422, "{body}");
    let (status, body) = carol.patch(
        &format!("/customers/{customer}"),
        json!({"shared_with": [carol.id(), leaver.id()]}),
    );
    assert_eq!(status, 422, "{body}");
    let (status, body) = manager.patch(
        &format!("/customers/{customer}"),
        json!({"owner_id": carol.id()}),
    );
    assert_eq!(
        (status, body["owner_id"].as_str()),
        (200, Some(carol.id().as_str())),
        "{body}"
    );
}
