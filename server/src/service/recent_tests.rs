use std::collections::BTreeSet;

use serde_json::json;

use super::*;
use crate::access::Role;
use crate::wire::FeedOp;

fn actor(id: &str, role: Role, team: Option<&str>) -> Actor {
    Actor {
        id: id.into(),
        username: id.into(),
        role,
        team_id: team.map(String::from),
    }
}

fn set(items: &[&str]) -> BTreeSet<String> {
    items.iter().map(|s| s.to_string()).collect()
}

/// A customer change seen by `read` (principals), dropped by `dropped`.
fn change(seq: i64, id: &str, read: &[&str], dropped: &[&str], deleted: bool) -> SharedChange {
    SharedChange {
        seq,
        entity: Entity::Customers,
        id: id.into(),
        deleted,
        record: (!deleted).then(|| {
            json!({"id": id, "name": format!("name of {id}")})
                .as_object()
                .cloned()
                .unwrap_or_default()
        }),
        read_set: set(read),
        dropped: set(dropped),
    }
}

fn read(after: i64, head: i64, changes: Vec<SharedChange>) -> Read {
    Read {
        after,
        head,
        changes,
        complete: true,
        catalog: None,
    }
}

/// Held from `start`, then these changes up to `head`.
fn held(start: i64, head: i64, changes: Vec<SharedChange>) -> RecentChanges {
    let mut recent = RecentChanges::new(Limits::default());
    recent.advance(read(start, start, Vec::new()));
    recent.advance(read(start, head, changes));
    recent
}

fn ids(page: &FeedPage) -> Vec<(&str, FeedOp)> {
    page.changes.iter().map(|c| (c.id.as_str(), c.op)).collect()
}

#[test]
fn each_user_gets_only_what_their_principals_read_or_lost() {
    let alice = actor("a", Role::Sales, Some("north"));
    let bob = actor("b", Role::Sales, Some("south"));
    let admin = actor("root", Role::Admin, None);
    let recent = held(
        10,
        14,
        vec![
            change(11, "c1", &["u:a"], &[], false),
            change(12, "c2", &["u:b"], &[], false),
            // Moved from alice to bob: bob reads it, alice is told to drop it.
            change(13, "c3", &["u:b"], &["u:a"], false),
            // Deleted: whoever could see it is told.
            change(14, "c4", &[], &["u:b"], true),
        ],
    );
    let page = recent.page(&alice, 10, 100).expect("held");
    assert_eq!(ids(&page), [("c1", FeedOp::Upsert), ("c3", FeedOp::Drop)]);
    assert!(
        page.changes[1].record.is_none(),
        "a dropped record is not sent"
    );
    assert_eq!((page.next, page.latest, page.more), (13, 14, false));
    let page = recent.page(&bob, 10, 100).expect("held");
    assert_eq!(
        ids(&page),
        [
            ("c2", FeedOp::Upsert),
            ("c3", FeedOp::Upsert),
            ("c4", FeedOp::Delete)
        ]
    );
    let page = recent.page(&admin, 10, 100).expect("held");
    assert_eq!(page.changes.len(), 4, "an admin receives every change");
    // Nothing for alice after her last change: the cursor stays, the head moves on.
    let page = recent.page(&alice, 13, 100).expect("held");
    assert!(page.changes.is_empty());
    assert_eq!((page.next, page.latest), (13, 14));
}

#[test]
fn a_page_stops_at_its_limit_and_says_more_follows() {
    let admin = actor("root", Role::Admin, None);
    let recent = held(
        0,
        3,
        (1..=3)
            .map(|i| change(i, &format!("c{i}"), &["all"], &[], false))
            .collect(),
    );
    let page = recent.page(&admin, 0, 2).expect("held");
    assert_eq!((page.changes.len(), page.next, page.more), (2, 2, true));
    let page = recent.page(&admin, 2, 2).expect("held");
    assert_eq!((page.changes.len(), page.next, page.more), (1, 3, false));
}

#[test]
fn a_record_changed_again_is_held_once_at_its_latest_position() {
    let admin = actor("root", Role::Admin, None);
    let mut recent = held(0, 2, vec![change(1, "c1", &["all"], &[], false)]);
    recent.advance(read(2, 5, vec![change(5, "c1", &["all"], &[], false)]));
    assert_eq!(recent.len(), 1);
    let page = recent.page(&admin, 0, 10).expect("held");
    assert_eq!(
        page.changes.iter().map(|c| c.seq).collect::<Vec<_>>(),
        [5],
        "as the compacted feed: one row per record"
    );
}

#[test]
fn a_cursor_outside_the_held_range_is_left_to_the_database() {
    let admin = actor("root", Role::Admin, None);
    let recent = held(10, 12, vec![change(11, "c1", &["all"], &[], false)]);
    assert!(
        recent.page(&admin, 9, 10).is_none(),
        "older than the held range"
    );
    assert!(recent.page(&admin, 13, 10).is_none(), "past the held head");
    assert!(recent.page(&admin, 10, 10).is_some());
    assert!(
        RecentChanges::new(Limits::default())
            .page(&admin, 0, 10)
            .is_none()
    );
}

#[test]
fn past_its_limits_the_oldest_go_and_the_held_range_starts_after_them() {
    let admin = actor("root", Role::Admin, None);
    let mut recent = RecentChanges::new(Limits {
        entries: 3,
        bytes: 1 << 20,
    });
    recent.advance(read(0, 0, Vec::new()));
    recent.advance(read(
        0,
        5,
        (1..=5)
            .map(|i| change(i, &format!("c{i}"), &["all"], &[], false))
            .collect(),
    ));
    assert_eq!(recent.len(), 3);
    assert_eq!(recent.range(), Some((2, 5)));
    assert!(recent.page(&admin, 1, 10).is_none(), "c2 is no longer held");
    let page = recent.page(&admin, 2, 10).expect("held");
    assert_eq!(page.changes.len(), 3);
    // Bytes bound it too: one large record pushes out the rest.
    let mut small = RecentChanges::new(Limits {
        entries: 100,
        bytes: 1800,
    });
    small.advance(read(0, 0, Vec::new()));
    let mut big = change(1, "big", &["all"], &[], false);
    if let Some(r) = big.record.as_mut() {
        r.insert("notes".into(), json!("x".repeat(1500)));
    }
    small.advance(read(0, 2, vec![big, change(2, "c2", &["all"], &[], false)]));
    assert_eq!(small.len(), 1);
    assert_eq!(small.range(), Some((1, 2)));
}

#[test]
fn a_read_that_does_not_continue_the_held_range_starts_it_afresh() {
    let admin = actor("root", Role::Admin, None);
    let mut recent = held(0, 2, vec![change(1, "c1", &["all"], &[], false)]);
    // Read from another position (a read raced a reset): nothing before its head is trusted.
    recent.advance(read(7, 9, vec![change(9, "c9", &["all"], &[], false)]));
    assert_eq!(recent.range(), Some((9, 9)));
    assert!(recent.is_empty());
    assert!(recent.page(&admin, 2, 10).is_none());
    // A read that did not take every change (a bulk load): the same.
    let mut recent = held(0, 2, vec![change(1, "c1", &["all"], &[], false)]);
    let mut partial = read(2, 900, vec![change(3, "c3", &["all"], &[], false)]);
    partial.complete = false;
    recent.advance(partial);
    assert_eq!(recent.range(), Some((900, 900)));
    assert!(recent.is_empty());
}
