//! Who may do what: tokens, sign-out, disabled users, the four roles, the sign-in throttle and
//! the audit trail.

mod common;

use std::collections::BTreeSet;

use common::{Client, PASSWORD, TestServer, id_of, ids};
use crm_server::Settings;
use crm_server::schema::Entity;
use crm_server::store;
use serde_json::{Value, json};

/// Two teams, a manager and a sales user in each, a second sales user in north, two agents and an
/// admin.
struct World {
    server: TestServer,
    admin: Client,
    north_manager: Client,
    south_manager: Client,
    /// Sales, north.
    alice: Client,
    /// Sales, south.
    bob: Client,
    /// Sales, north.
    carol: Client,
    agent: Client,
    other_agent: Client,
}

fn world() -> World {
    let server = TestServer::start();
    let north = server.add_team("north");
    let south = server.add_team("south");
    World {
        admin: server.user("root", "admin", None),
        north_manager: server.user("nina", "manager", Some(&north)),
        south_manager: server.user("sid", "manager", Some(&south)),
        alice: server.user("alice", "sales", Some(&north)),
        bob: server.user("bob", "sales", Some(&south)),
        carol: server.user("carol", "sales", Some(&north)),
        agent: server.user("ada", "agent", None),
        other_agent: server.user("otto", "agent", None),
        server,
    }
}

fn feed_ids(client: &Client) -> BTreeSet<String> {
    let (changes, _) = client.feed(0, 50);
    changes
        .iter()
        .map(|c| c["id"].as_str().unwrap().to_string())
        .collect()
}

#[test]
fn tokens_are_required_and_revocable() {
    let server = TestServer::start();
    let anonymous = server.anonymous();
    for path in ["/customers", "/me", "/sync", "/users"] {
        let (status, err) = anonymous.get(path);
        assert_eq!(
            (status, err["error"]["code"].as_str()),
            (401, Some("unauthorized")),
            "{path}"
        );
    }
    let (status, _) = anonymous.post("/customers", json!({"name": "x"}));
    assert_eq!(status, 401);
    let forged = anonymous
        .request(reqwest::Method::GET, "/me")
        .bearer_auth("crm_not-a-real-token");
    assert_eq!(anonymous.send(forged).0, 401);

    let (status, err) = anonymous.post(
        "/auth/login",
        json!({"username": "nobody", "password": PASSWORD}),
    );
    assert_eq!(
        (status, err["error"]["code"].as_str()),
        (401, Some("bad_credentials"))
    );

    // Sign-out ends that session only.
    let admin = server.user("root", "admin", None);
    let kept = server.login("root");
    let (status, me) = admin.get("/me");
    assert_eq!(
        (status, me["id"].as_str()),
        (200, Some(admin.id().as_str()))
    );
    assert!(me.get("password_hash").is_none() && me.get("password").is_none());
    assert_eq!(admin.post("/auth/logout", json!({})).0, 200);
    assert_eq!(
        admin.get("/me").0,
        401,
        "the token still works after sign-out"
    );
    assert_eq!(admin.get("/customers").0, 401);
    assert_eq!(
        kept.get("/me").0,
        200,
        "another session of the same user survives"
    );

    // Disabling a user ends their sessions at once and stops new ones.
    let sam = server.user("sam", "sales", None);
    assert_eq!(sam.get("/customers").0, 200);
    let (status, disabled) = kept.patch(&format!("/users/{}", sam.id()), json!({"active": false}));
    assert_eq!(
        (status, disabled["active"].as_bool()),
        (200, Some(false)),
        "{disabled}"
    );
    assert_eq!(
        sam.get("/customers").0,
        401,
        "a disabled user's token still works"
    );
    let (status, _) = anonymous.post(
        "/auth/login",
        json!({"username": "sam", "password": PASSWORD}),
    );
    assert_eq!(status, 401, "a disabled user signed in");

    // So does deleting them; nobody deletes themselves.
    let gone = server.user("gone", "sales", None);
    assert_eq!(kept.delete(&format!("/users/{}", gone.id())).0, 200);
    assert_eq!(gone.get("/me").0, 401, "a deleted user's token still works");
    let root_id = kept.get("/me").1["id"].as_str().unwrap().to_string();
    assert_eq!(kept.delete(&format!("/users/{root_id}")).0, 403);

    // A new password ends the old sessions too.
    let tom = server.user("tom", "sales", None);
    let (status, _) = kept.patch(
        &format!("/users/{}", tom.id()),
        json!({"password": "a new password"}),
    );
    assert_eq!(status, 200);
    assert_eq!(tom.get("/me").0, 401, "a token outlived a password change");

    // Another role or team changes what a user may see: their tokens end, and a new sign-in
    // starts from the new access.
    let team = server.add_team("moved");
    let ann = server.user("ann", "sales", None);
    let (status, _) = kept.patch(&format!("/users/{}", ann.id()), json!({"team_id": team}));
    assert_eq!(status, 200);
    assert_eq!(ann.get("/me").0, 401, "a token outlived a team change");
    let ann = server.login("ann");
    assert_eq!(ann.get("/me").1["team_id"].as_str(), Some(team.as_str()));
    let (status, _) = kept.patch(&format!("/users/{}", ann.id()), json!({"role": "agent"}));
    assert_eq!(status, 200);
    assert_eq!(ann.get("/me").0, 401, "a token outlived a role change");
    // Other edits keep the session.
    let ann = server.login("ann");
    let (status, _) = kept.patch(
        &format!("/users/{}", ann.id()),
        json!({"display_name": "Ann"}),
    );
    assert_eq!(status, 200);
    assert_eq!(
        ann.get("/me").0,
        200,
        "a display-name change signed the user out"
    );
}

#[test]
fn an_expired_token_is_refused() {
    let server = TestServer::start_with(Settings {
        token_ttl: chrono::Duration::zero(),
        ..Default::default()
    });
    let admin = server.user("root", "admin", None);
    assert!(admin.user["id"].is_string());
    assert_eq!(admin.get("/me").0, 401);
}

#[test]
fn sales_users_see_only_their_own_or_shared_customers() {
    let w = world();
    let (alice, bob) = (&w.alice, &w.bob);
    let customer = id_of(&alice.create("/customers", json!({"name": "Alice's secret account"})));
    let contact = id_of(&alice.create(
        "/contacts",
        json!({"customer_id": customer, "name": "Wang Fang"}),
    ));
    let opp = id_of(&alice.create(
        "/opportunities",
        json!({"customer_id": customer, "name": "Alice's deal"}),
    ));
    let own = id_of(&bob.create("/customers", json!({"name": "Bob's account"})));

    let path = format!("/customers/{customer}");
    // Invisible records answer 404 for every verb, as if they did not exist.
    assert_eq!(bob.get(&path).0, 404);
    assert_eq!(bob.patch(&path, json!({"name": "mine now"})).0, 404);
    assert_eq!(bob.delete(&path).0, 404);
    assert_eq!(bob.get(&format!("/contacts/{contact}")).0, 404);
    assert_eq!(
        bob.patch(&format!("/contacts/{contact}"), json!({"title": "x"}))
            .0,
        404
    );
    assert_eq!(bob.delete(&format!("/contacts/{contact}")).0, 404);
    assert_eq!(bob.get(&format!("/opportunities/{opp}")).0, 404);
    assert_eq!(ids(&bob.list_all("/customers", "", 100)), vec![own.clone()]);
    assert!(bob.list_all("/contacts", "", 100).is_empty());
    assert!(
        bob.list_all("/contacts", &format!("customer_id={customer}"), 100)
            .is_empty()
    );
    assert!(bob.list_all("/opportunities", "", 100).is_empty());
    let bobs_feed = feed_ids(bob);
    for hidden in [&customer, &contact, &opp] {
        assert!(!bobs_feed.contains(hidden), "bob's feed carries {hidden}");
    }
    assert!(bobs_feed.contains(&own));
    // Nor can he hang things off it.
    let (status, _) = bob.post(
        "/contacts",
        json!({"customer_id": customer, "name": "sneaky"}),
    );
    assert!(
        status == 403 || status == 422,
        "bob added a contact to alice's customer: {status}"
    );
    // Nor link his own records to what hangs off it.
    for (path, body) in [
        (
            "/opportunities",
            json!({"customer_id": own, "name": "deal", "contact_id": contact}),
        ),
        (
            "/tickets",
            json!({"customer_id": own, "subject": "help", "contact_id": contact}),
        ),
        (
            "/activities",
            json!({"kind": "task", "subject": "spy", "contact_id": contact}),
        ),
    ] {
        let (status, answer) = bob.post(path, body);
        assert_eq!(
            status, 403,
            "{path} linked to a contact bob cannot see: {answer}"
        );
    }
    // Nothing he tried changed it.
    let (_, stored) = alice.get(&path);
    assert_eq!(
        (stored["name"].as_str(), stored["version"].as_i64()),
        (Some("Alice's secret account"), Some(1))
    );

    // Shared: bob sees the customer and its contacts, and hears of them in the feed.
    let (status, shared) = alice.patch(&path, json!({"shared_with": [bob.id()]}));
    assert_eq!(status, 200, "{shared}");
    let (status, seen) = bob.get(&path);
    assert_eq!(status, 200);
    assert_eq!(seen["name"], "Alice's secret account");
    assert_eq!(bob.get(&format!("/contacts/{contact}")).0, 200);
    assert_eq!(
        ids(&bob.list_all("/contacts", "", 100)),
        vec![contact.clone()]
    );
    let bobs_feed = feed_ids(bob);
    assert!(bobs_feed.contains(&customer) && bobs_feed.contains(&contact));
    // A shared user may edit but not delete.
    assert_eq!(bob.patch(&path, json!({"notes": "met at the fair"})).0, 200);
    assert_eq!(bob.delete(&path).0, 403);
    // Carol, in alice's team but not shared, still sees nothing.
    assert_eq!(w.carol.get(&path).0, 404);

    // Unshared: bob loses sight and his feed tells him to drop the customer and its contacts.
    let (_, cursor) = bob.feed(0, 100);
    assert_eq!(alice.patch(&path, json!({"shared_with": []})).0, 200);
    assert_eq!(bob.get(&path).0, 404);
    let (changes, _) = bob.feed(cursor, 100);
    let ops: BTreeSet<(String, String)> = changes
        .iter()
        .map(|c| {
            (
                c["id"].as_str().unwrap().to_string(),
                c["op"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    let expected: BTreeSet<(String, String)> = [&customer, &contact, &opp]
        .into_iter()
        .map(|id| (id.clone(), "drop".to_string()))
        .collect();
    assert_eq!(ops, expected, "{changes:?}");
    assert_eq!(alice.delete(&path).0, 200);
}

#[test]
fn agents_read_customers_work_tickets_and_see_no_opportunities() {
    let w = world();
    let (agent, admin) = (&w.agent, &w.admin);
    let customer = id_of(&w.alice.create("/customers", json!({"name": "Caller Ltd"})));
    let opp = id_of(&w.alice.create(
        "/opportunities",
        json!({"customer_id": customer, "name": "Hidden deal"}),
    ));
    let contact = id_of(&w.alice.create(
        "/contacts",
        json!({"customer_id": customer, "name": "Zhang Wei"}),
    ));

    // Users are the admin's business.
    let (status, _) = agent.post(
        "/users",
        json!({"username": "evil", "display_name": "Evil", "role": "admin", "password": PASSWORD}),
    );
    assert_eq!(status, 403);
    assert_eq!(
        agent
            .patch(&format!("/users/{}", agent.id()), json!({"role": "admin"}))
            .0,
        403
    );
    assert_eq!(
        agent
            .patch(
                &format!("/users/{}", w.alice.id()),
                json!({"display_name": "x"})
            )
            .0,
        403
    );
    assert_eq!(agent.get("/me").1["role"], "agent");

    // Customers and contacts: all readable.
    assert_eq!(agent.get(&format!("/customers/{customer}")).0, 200);
    assert!(ids(&agent.list_all("/customers", "", 100)).contains(&customer));
    assert_eq!(agent.get(&format!("/contacts/{contact}")).0, 200);
    // But read-only.
    assert_eq!(
        agent
            .patch(&format!("/customers/{customer}"), json!({"name": "x"}))
            .0,
        403
    );
    // Opportunities: invisible.
    assert_eq!(agent.get(&format!("/opportunities/{opp}")).0, 404);
    assert!(agent.list_all("/opportunities", "", 100).is_empty());
    assert_eq!(
        agent
            .post(
                "/opportunities",
                json!({"customer_id": customer, "name": "x"})
            )
            .0,
        403
    );
    assert!(!feed_ids(agent).contains(&opp));

    // Tickets: agents create them, work unassigned ones and their own, not a colleague's.
    let mine = id_of(&agent.create(
        "/tickets",
        json!({"subject": "Phone dead", "customer_id": customer}),
    ));
    agent.create(
        "/activities",
        json!({"kind": "call", "subject": "Took the call", "customer_id": customer}),
    );
    let unassigned = id_of(&admin.create(
        "/tickets",
        json!({"subject": "Unassigned", "customer_id": customer}),
    ));
    let theirs = id_of(&admin.create(
        "/tickets",
        json!({"subject": "Otto's", "customer_id": customer, "assignee_id": w.other_agent.id()}),
    ));
    let (status, worked) =
        agent.patch(&format!("/tickets/{unassigned}"), json!({"status": "open"}));
    assert_eq!(
        (status, worked["status"].as_str()),
        (200, Some("open")),
        "{worked}"
    );
    assert_eq!(
        agent
            .patch(&format!("/tickets/{mine}"), json!({"priority": "high"}))
            .0,
        200
    );
    let (status, err) = agent.patch(&format!("/tickets/{theirs}"), json!({"status": "open"}));
    assert_eq!(status, 403, "{err}");
    assert_eq!(
        agent.get(&format!("/tickets/{theirs}")).0,
        200,
        "agents read every ticket"
    );
    assert_eq!(admin.get(&format!("/tickets/{theirs}")).1["status"], "new");
    assert_eq!(
        w.other_agent
            .patch(&format!("/tickets/{theirs}"), json!({"status": "open"}))
            .0,
        200
    );
}

#[test]
fn managers_see_their_team_and_reassign_owners() {
    let w = world();
    let north = id_of(
        &w.alice
            .create("/customers", json!({"name": "Northern Star"})),
    );
    let south = id_of(
        &w.bob
            .create("/customers", json!({"name": "Southern Cross"})),
    );
    let north_contact = id_of(
        &w.alice
            .create("/contacts", json!({"customer_id": north, "name": "N"})),
    );

    let manager = &w.north_manager;
    assert_eq!(manager.get(&format!("/customers/{north}")).0, 200);
    assert_eq!(manager.get(&format!("/contacts/{north_contact}")).0, 200);
    assert_eq!(manager.get(&format!("/customers/{south}")).0, 404);
    assert_eq!(
        manager
            .patch(&format!("/customers/{south}"), json!({"name": "x"}))
            .0,
        404
    );
    assert_eq!(
        ids(&manager.list_all("/customers", "", 100)),
        vec![north.clone()]
    );
    assert_eq!(
        ids(&w.south_manager.list_all("/customers", "", 100)),
        vec![south.clone()]
    );

    // Reassign within the team: carol now owns it and sees it; alice no longer does.
    let (status, moved) = manager.patch(
        &format!("/customers/{north}"),
        json!({"owner_id": w.carol.id()}),
    );
    assert_eq!(status, 200, "{moved}");
    assert_eq!(moved["owner_id"], json!(w.carol.id()));
    assert_eq!(w.carol.get(&format!("/customers/{north}")).0, 200);
    assert_eq!(w.carol.get(&format!("/contacts/{north_contact}")).0, 200);
    assert_eq!(w.alice.get(&format!("/customers/{north}")).0, 404);
    assert_eq!(w.alice.get(&format!("/contacts/{north_contact}")).0, 404);
    assert_eq!(
        manager.delete(&format!("/customers/{north}")).0,
        200,
        "managers delete their team's"
    );
    // Managers keep the pipeline; sales do not.
    assert_eq!(
        manager
            .post(
                "/stages",
                json!({"name": "pilot", "position": 15, "probability": 20})
            )
            .0,
        201
    );
    assert_eq!(
        w.alice
            .post(
                "/stages",
                json!({"name": "mine", "position": 16, "probability": 20})
            )
            .0,
        403
    );
}

#[test]
fn repeated_wrong_passwords_are_throttled() {
    let server = TestServer::start_with(Settings {
        login_attempts: 3,
        ..Default::default()
    });
    server.add_user("victim", "sales", None);
    let anonymous = server.anonymous();
    let statuses: Vec<u16> = (0..5)
        .map(|_| {
            anonymous
                .post(
                    "/auth/login",
                    json!({"username": "victim", "password": "guess-guess"}),
                )
                .0
        })
        .collect();
    assert_eq!(statuses, vec![401, 401, 401, 429, 429]);
    let (status, err) = anonymous.post(
        "/auth/login",
        json!({"username": "VICTIM", "password": PASSWORD}),
    );
    assert_eq!(
        (status, err["error"]["code"].as_str()),
        (429, Some("too_many_attempts")),
        "{err}"
    );
    // Other users are not locked out.
    server.add_user("bystander", "sales", None);
    server.login("bystander");
}

#[test]
fn the_audit_trail_records_writes_and_sign_ins() {
    let w = world();
    let customer = id_of(
        &w.alice
            .create("/customers", json!({"name": "Audited Co", "level": "B"})),
    );
    let path = format!("/customers/{customer}");
    w.alice
        .patch(&path, json!({"name": "Audited Company", "level": "A"}));
    w.alice.patch(&path, json!({"notes": "second edit"}));

    let (status, trail) = w.admin.get(&format!("/audit/customers/{customer}"));
    assert_eq!(status, 200, "{trail}");
    let items = trail["items"].as_array().unwrap();
    let actions: Vec<&str> = items
        .iter()
        .map(|e| e["action"].as_str().unwrap())
        .collect();
    assert_eq!(actions, vec!["create", "update", "update"]);
    assert!(items.iter().all(|e| e["actor_id"] == json!(w.alice.id())));
    assert_eq!(items[0]["changes"]["name"], "Audited Co");
    assert_eq!(
        items[1]["changes"]["name"],
        json!(["Audited Co", "Audited Company"])
    );
    assert_eq!(items[1]["changes"]["level"], json!(["B", "A"]));
    assert!(
        items[1]["changes"].get("notes").is_none(),
        "unchanged fields are not listed"
    );
    assert_eq!(items[2]["changes"]["notes"], json!([null, "second edit"]));

    let (status, err) = w.alice.get(&format!("/audit/customers/{customer}"));
    assert_eq!(
        (status, err["error"]["code"].as_str()),
        (403, Some("forbidden"))
    );
    assert_eq!(w.agent.get(&format!("/audit/customers/{customer}")).0, 403);
    assert_eq!(
        w.north_manager
            .get(&format!("/audit/customers/{customer}"))
            .0,
        200
    );
    assert_eq!(
        w.south_manager
            .get(&format!("/audit/customers/{customer}"))
            .0,
        404
    );
    // A deleted record's history stays readable.
    w.alice.delete(&path);
    let (_, trail) = w.admin.get(&format!("/audit/customers/{customer}"));
    assert_eq!(
        trail["items"].as_array().unwrap().last().unwrap()["action"],
        "delete"
    );
    assert_eq!(
        w.north_manager
            .get(&format!("/audit/customers/{customer}"))
            .0,
        200
    );

    // Sign-ins: a success lands in the user's own trail, visible over the API and in the store.
    let (_, trail) = w.admin.get(&format!("/audit/users/{}", w.bob.id()));
    let actions: Vec<&str> = trail["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["action"].as_str().unwrap())
        .collect();
    assert!(actions.contains(&"login"), "{trail}");
    assert!(
        !trail.to_string().contains(PASSWORD),
        "a password reached the audit trail"
    );
    let bob_id = w.bob.id();
    let stored = store::read(w.server.db().as_ref(), |tx| {
        tx.audit_trail(Entity::Users, &bob_id, 100)
    })
    .unwrap();
    assert!(
        stored
            .iter()
            .any(|e| e["action"] == "login" && e["actor_id"] == json!(bob_id))
    );
    w.bob.post("/auth/logout", json!({}));
    let stored = store::read(w.server.db().as_ref(), |tx| {
        tx.audit_trail(Entity::Users, &bob_id, 100)
    })
    .unwrap();
    assert_eq!(stored.last().unwrap()["action"], "logout");

    // A failed sign-in names no record, so only the raw log shows it.
    let (status, _) = w.server.anonymous().post(
        "/auth/login",
        json!({"username": "bob", "password": "not his password"}),
    );
    assert_eq!(status, 401);
    let failed: Vec<(Option<String>, String)> = w
        .server
        .query_text("SELECT actor_id, changes FROM audit WHERE action = 'login_failed'")
        .into_iter()
        .map(|row| (row[0].clone(), row[1].clone().unwrap_or_default()))
        .collect();
    assert_eq!(failed.len(), 1, "{failed:?}");
    assert_eq!(failed[0].0.as_deref(), Some(bob_id.as_str()));
    let changes: Value = serde_json::from_str(&failed[0].1).unwrap();
    assert_eq!(changes["username"], "bob");
}

#[test]
fn managers_read_only_their_own_teams_trails() {
    let w = world();
    let trail = |who: &Client, user: &Client| who.get(&format!("/audit/users/{}", user.id())).0;
    // alice is in nina's team; bob in sid's; root is an admin whose sign-ins are nobody's business.
    assert_eq!(trail(&w.north_manager, &w.alice), 200);
    assert_eq!(trail(&w.north_manager, &w.north_manager), 200);
    assert_eq!(trail(&w.north_manager, &w.bob), 404);
    assert_eq!(trail(&w.north_manager, &w.admin), 404);
    assert_eq!(trail(&w.south_manager, &w.bob), 200);
    assert_eq!(trail(&w.admin, &w.bob), 200);
    let team_of = |c: &Client| c.get("/me").1["team_id"].as_str().unwrap().to_string();
    let north = team_of(&w.alice);
    let south = team_of(&w.bob);
    assert_eq!(w.north_manager.get(&format!("/audit/teams/{north}")).0, 200);
    assert_eq!(w.north_manager.get(&format!("/audit/teams/{south}")).0, 404);
}

#[test]
fn the_last_active_admin_cannot_demote_or_disable_themselves() {
    let w = world();
    let me = format!("/users/{}", w.admin.id());
    for change in [json!({"role": "manager"}), json!({"active": false})] {
        let (status, err) = w.admin.patch(&me, change.clone());
        assert_eq!(status, 409, "{change}: {err}");
        assert!(
            err["error"]["message"]
                .as_str()
                .unwrap()
                .contains("last active admin"),
            "{err}"
        );
    }
    assert_eq!(w.admin.get("/me").1["role"], "admin");
    // With a second admin, stepping down is fine.
    let second = w.server.user("root2", "admin", None);
    let (status, err) = w.admin.patch(&me, json!({"role": "manager"}));
    assert_eq!(status, 200, "{err}");
    let (status, _) = second.patch(&format!("/users/{}", second.id()), json!({"active": false}));
    assert_eq!(status, 409, "root2 is now the last admin");
}

#[test]
fn a_user_a_customer_is_shared_with_cannot_share_it_on() {
    let w = world();
    let customer = id_of(&w.bob.create(
        "/customers",
        json!({"name": "Shared Co", "shared_with": [w.alice.id()]}),
    ));
    let path = format!("/customers/{customer}");
    // alice may work it...
    let (status, _) = w.alice.patch(&path, json!({"notes": "visited"}));
    assert_eq!(status, 200);
    // ...but not hand it on, nor take others off it.
    let (status, err) = w
        .alice
        .patch(&path, json!({"shared_with": [w.alice.id(), w.carol.id()]}));
    assert_eq!(status, 403, "{err}");
    let (status, _) = w.alice.patch(&path, json!({"shared_with": []}));
    assert_eq!(status, 403);
    assert_eq!(w.carol.get(&path).0, 404);
    // The owner and the owner's manager may.
    let (status, err) = w
        .bob
        .patch(&path, json!({"shared_with": [w.alice.id(), w.carol.id()]}));
    assert_eq!(status, 200, "{err}");
    let (status, err) = w.south_manager.patch(&path, json!({"shared_with": []}));
    assert_eq!(status, 200, "{err}");
}

#[test]
fn an_opportunity_owner_sells_and_sees_the_customer() {
    let w = world();
    let customer = id_of(&w.alice.create("/customers", json!({"name": "Owned Deals"})));
    let deal = id_of(&w.alice.create(
        "/opportunities",
        json!({"customer_id": customer, "name": "First"}),
    ));
    let owner_error = |status: u16, body: &Value, why: &str| {
        assert_eq!(status, 422, "{body}");
        let message = body["error"]["fields"]["owner_id"]
            .as_str()
            .unwrap_or_default();
        assert!(message.contains(why), "{body}");
    };

    // A call-centre agent sees the customer but owns no deals.
    let (status, body) = w.north_manager.post(
        "/opportunities",
        json!({"customer_id": customer, "name": "Agent's", "owner_id": w.agent.id()}),
    );
    owner_error(status, &body, "call-centre agent");
    // A salesperson of another team cannot see the customer.
    let (status, body) = w.admin.patch(
        &format!("/opportunities/{deal}"),
        json!({"owner_id": w.bob.id()}),
    );
    owner_error(status, &body, "cannot see this customer");
    // Nor can a colleague of the same team it is not shared with.
    let (status, body) = w.north_manager.patch(
        &format!("/opportunities/{deal}"),
        json!({"owner_id": w.carol.id()}),
    );
    owner_error(status, &body, "cannot see this customer");
    assert_eq!(
        w.alice.get(&format!("/opportunities/{deal}")).1["owner_id"],
        json!(w.alice.id()),
        "a refused owner changes nothing"
    );

    // Shared with bob, the customer is his to sell to as well; the team's manager may own it.
    let (status, shared) = w.alice.patch(
        &format!("/customers/{customer}"),
        json!({"shared_with": [w.bob.id()]}),
    );
    assert_eq!(status, 200, "{shared}");
    let (status, moved) = w.admin.patch(
        &format!("/opportunities/{deal}"),
        json!({"owner_id": w.bob.id()}),
    );
    assert_eq!(status, 200, "{moved}");
    assert_eq!(moved["owner_id"], json!(w.bob.id()));
    let (status, made) = w.north_manager.post(
        "/opportunities",
        json!({"customer_id": customer, "name": "Managed", "owner_id": w.north_manager.id()}),
    );
    assert_eq!(status, 201, "{made}");
}

#[test]
fn me_says_what_each_role_may_write() {
    let w = world();
    let caps = |client: &Client| client.get("/me").1["capabilities"].clone();
    let agent = caps(&w.agent);
    assert_eq!(agent["opportunities"]["create"], json!(false), "{agent}");
    assert_eq!(agent["competitors"]["create"], json!(false));
    assert_eq!(agent["tickets"]["create"], json!(true));
    assert_eq!(agent["customers"]["create"], json!(true));
    let sales = caps(&w.alice);
    assert_eq!(sales["opportunities"]["create"], json!(true), "{sales}");
    assert_eq!(sales["opportunities"]["delete"], json!(true));
    assert_eq!(sales["stages"]["edit"], json!(false));
    assert_eq!(caps(&w.north_manager)["stages"]["edit"], json!(true));
    assert_eq!(caps(&w.admin)["users"]["create"], json!(true));
    // What /me says an agent may not do, the server refuses.
    let customer = w.alice.create("/customers", json!({"name": "Capable Ltd"}));
    let (status, _) = w.agent.post(
        "/opportunities",
        json!({"name": "Nope", "customer_id": id_of(&customer)}),
    );
    assert_eq!(status, 403);
}
