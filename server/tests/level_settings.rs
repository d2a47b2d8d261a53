//! The reminders' days without contact per customer level: an admin's setting, read by every
//! user through the change feed, refused to everyone else.

mod common;

use common::{TestServer, id_of};
use serde_json::json;

#[test]
fn only_an_admin_sets_a_levels_days_and_every_user_receives_it() {
    let server = TestServer::start();
    let team = server.add_team("north");
    let admin = server.user("root", "admin", None);
    let manager = server.user("mia", "manager", Some(&team));
    let sales = server.user("sam", "sales", Some(&team));
    let agent = server.user("ann", "agent", None);

    for who in [&manager, &sales, &agent] {
        let (status, body) = who.post("/level_settings", json!({"level": "A", "quiet_days": 3}));
        assert_eq!(status, 403, "{body}");
    }
    let a = admin.create("/level_settings", json!({"level": "A", "quiet_days": 3}));
    // One setting per level.
    let (status, body) = admin.post("/level_settings", json!({"level": "A", "quiet_days": 5}));
    assert_eq!(status, 409, "{body}");
    let (status, body) = admin.post("/level_settings", json!({"level": "E", "quiet_days": 5}));
    assert_eq!(status, 422, "{body}");
    let (status, body) = admin.post("/level_settings", json!({"level": "B", "quiet_days": 0}));
    assert_eq!(status, 422, "{body}");

    let path = format!("/level_settings/{}", id_of(&a));
    let (status, body) = sales.patch(&path, json!({"quiet_days": 1}));
    assert_eq!(status, 403, "{body}");
    let (status, body) = admin.patch(&path, json!({"quiet_days": 4}));
    assert_eq!(status, 200, "{body}");

    // Every role reads it through the change feed, as the replica does.
    for who in [&manager, &sales, &agent] {
        let (changes, _) = who.feed(0, 100);
        let setting = changes
            .iter()
            .find(|c| c["entity"] == "level_settings")
            .unwrap_or_else(|| panic!("no level setting in the feed: {changes:?}"));
        assert_eq!(setting["record"]["quiet_days"], 4, "{setting}");
    }
}
