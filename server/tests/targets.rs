//! Sales targets (quotas): managers set their own team's and its members', admins everyone's;
//! nobody but an admin sets their own; a manager never sees or touches another team's; each
//! user or team has one target a month.

mod common;

use common::{TestServer, id_of};
use serde_json::json;

struct World {
    server: TestServer,
    north: String,
    south: String,
}

fn world() -> World {
    let server = TestServer::start();
    let north = server.add_team("north");
    let south = server.add_team("south");
    World {
        server,
        north,
        south,
    }
}

#[test]
fn a_salesperson_or_agent_sets_no_target_not_even_their_own() {
    let w = world();
    let sales = w.server.user("sam", "sales", Some(&w.north));
    let agent = w.server.user("ann", "agent", Some(&w.north));
    for who in [&sales, &agent] {
        let own = json!({"user_id": who.id(), "month": "2026-12-01", "amount": 100});
        let (status, body) = who.post("/targets", own);
        assert_eq!(status, 403, "{body}");
        let team = json!({"team_id": w.north, "month": "2026-12-01", "amount": 100});
        let (status, body) = who.post("/targets", team);
        assert_eq!(status, 403, "{body}");
    }
    // Nor raise the one their manager set, though they read it.
    let manager = w.server.user("mia", "manager", Some(&w.north));
    let target = manager.create(
        "/targets",
        json!({"user_id": sales.id(), "month": "2026-12-01", "amount": 500_000}),
    );
    let path = format!("/targets/{}", id_of(&target));
    let (status, body) = sales.get(&path);
    assert_eq!(status, 200, "{body}");
    let (status, body) = sales.patch(&path, json!({"amount": 1}));
    assert_eq!(status, 403, "{body}");
    let (status, body) = sales.delete(&path);
    assert_eq!(status, 403, "{body}");
    let (_, body) = manager.get(&path);
    assert_eq!(body["amount"], 500_000);
}

#[test]
fn a_manager_sets_their_team_and_its_members_but_not_another_team_nor_themselves() {
    let w = world();
    let manager = w.server.user("mia", "manager", Some(&w.north));
    let own_member = w.server.user("sam", "sales", Some(&w.north));
    let other_member = w.server.user("sue", "sales", Some(&w.south));
    let other_manager = w.server.user("max", "manager", Some(&w.south));

    let member = manager.create(
        "/targets",
        json!({"user_id": own_member.id(), "month": "2026-12-01", "amount": 300_000}),
    );
    let team = manager.create(
        "/targets",
        json!({"team_id": w.north, "month": "2026-12-01", "amount": 900_000}),
    );
    for refused in [
        json!({"user_id": other_member.id(), "month": "2026-12-01", "amount": 1}),
        json!({"team_id": w.south, "month": "2026-12-01", "amount": 1}),
        json!({"user_id": manager.id(), "month": "2026-12-01", "amount": 1}),
    ] {
        let (status, body) = manager.post("/targets", refused.clone());
        assert_eq!(status, 403, "{refused}: {body}");
    }
    // Moving a member's target onto another team's member is refused too.
    let path = format!("/targets/{}", id_of(&member));
    let (status, body) = manager.patch(&path, json!({"user_id": other_member.id()}));
    assert_eq!(status, 403, "{body}");
    let (status, body) = manager.patch(&path, json!({"amount": 350_000}));
    assert_eq!(status, 200, "{body}");

    // The other team's manager neither sees nor changes them.
    for target in [&member, &team] {
        let path = format!("/targets/{}", id_of(target));
        let (status, body) = other_manager.get(&path);
        assert_eq!(status, 404, "{body}");
        let (status, body) = other_manager.patch(&path, json!({"amount": 1}));
        assert_eq!(status, 404, "{body}");
    }
    let seen = other_manager.list_all("/targets", "", 100);
    assert!(seen.is_empty(), "{seen:?}");
    // The member sees their own target and not the team's.
    let seen = own_member.list_all("/targets", "", 100);
    assert_eq!(seen.len(), 1, "{seen:?}");
    assert_eq!(seen[0]["id"], member["id"]);
    // A manager's own target is an admin's to set.
    let admin = w.server.user("root", "admin", None);
    let mine = admin.create(
        "/targets",
        json!({"user_id": manager.id(), "month": "2026-12-01", "amount": 200_000}),
    );
    let path = format!("/targets/{}", id_of(&mine));
    let (status, body) = manager.patch(&path, json!({"amount": 1}));
    assert_eq!(status, 403, "{body}");
    let (status, body) = manager.delete(&path);
    assert_eq!(status, 403, "{body}");
    let (status, body) = admin.patch(&path, json!({"amount": 250_000}));
    assert_eq!(status, 200, "{body}");
}

#[test]
fn a_target_is_one_users_or_one_teams_one_per_month_given_by_its_first_day() {
    let w = world();
    let admin = w.server.user("root", "admin", None);
    let sales = w.server.user("sam", "sales", Some(&w.north));
    let user = sales.id();
    let cases = [
        (json!({"month": "2026-12-01", "amount": 1}), "user_id"),
        (
            json!({"user_id": user, "team_id": w.north, "month": "2026-12-01", "amount": 1}),
            "team_id",
        ),
        (
            json!({"user_id": user, "month": "2026-12-15", "amount": 1}),
            "month",
        ),
        (
            json!({"user_id": user, "month": "2026-12-01", "amount": -5}),
            "amount",
        ),
    ];
    for (body, field) in cases {
        let (status, answer) = admin.post("/targets", body.clone());
        assert_eq!(status, 422, "{body}: {answer}");
        assert!(answer.to_string().contains(field), "{field}: {answer}");
    }
    admin.create(
        "/targets",
        json!({"user_id": user, "month": "2026-12-01", "amount": 1}),
    );
    let (status, body) = admin.post(
        "/targets",
        json!({"user_id": user, "month": "2026-12-01", "amount": 2}),
    );
    assert_eq!(status, 409, "{body}");
    // Another month, or the team in the same month, is another target.
    admin.create(
        "/targets",
        json!({"user_id": user, "month": "2027-01-01", "amount": 1}),
    );
    admin.create(
        "/targets",
        json!({"team_id": w.north, "month": "2026-12-01", "amount": 1}),
    );
    let (status, body) = admin.post(
        "/targets",
        json!({"team_id": w.north, "month": "2026-12-01", "amount": 2}),
    );
    assert_eq!(status, 409, "{body}");
    let _ = w.south;
}

#[test]
fn a_users_target_follows_them_to_their_new_team() {
    let w = world();
    let admin = w.server.user("root", "admin", None);
    let north_manager = w.server.user("mia", "manager", Some(&w.north));
    let south_manager = w.server.user("max", "manager", Some(&w.south));
    let sales = w.server.user("sam", "sales", Some(&w.north));
    let target = north_manager.create(
        "/targets",
        json!({"user_id": sales.id(), "month": "2026-12-01", "amount": 100}),
    );
    let path = format!("/targets/{}", id_of(&target));
    let (status, body) = admin.patch(
        &format!("/users/{}", sales.id()),
        json!({"team_id": w.south}),
    );
    assert_eq!(status, 200, "{body}");
    let (status, body) = north_manager.get(&path);
    assert_eq!(status, 404, "{body}");
    let (status, body) = south_manager.patch(&path, json!({"amount": 200}));
    assert_eq!(status, 200, "{body}");
}
