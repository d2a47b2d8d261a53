//! The value pyramid's and the warnings' counts the replica keeps (`summaries`): built after a
//! first sync, kept by every later page of the feed, local write and delete, and built on open
//! for a replica an older build made. Each time the dashboard's figures are checked against
//! the customers as they are.

use super::*;
use crate::dashboard::figures::Scope;
use crate::dashboard::value::{self, LevelCount, WarningCounts};
use crm_server::access::Role;

/// A customer as the server sends it once its analysis has run.
fn valued(
    n: u32,
    owner: &str,
    level: Option<&str>,
    score: i64,
    warnings: &[&str],
) -> Map<String, Value> {
    let mut c = customer(
        &id(n),
        1,
        &format!("客户{n}"),
        &format!("C{n:06}"),
        None,
        None,
    );
    c.insert("owner_id".into(), json!(owner));
    c.insert("value_level".into(), json!(level));
    c.insert("value_score".into(), json!(score));
    c.insert("warnings".into(), json!(warnings));
    c
}

fn scope(me: &str, role: Role) -> Scope {
    Scope {
        me: me.into(),
        role,
        team: None,
    }
}

/// (level, customers, lowest, highest) of the pyramid.
fn pyramid(r: &Replica, scope: &Scope) -> Vec<(String, i64, i64, i64)> {
    value::levels(r, scope)
        .unwrap()
        .into_iter()
        .map(
            |LevelCount {
                 level,
                 customers,
                 min_score,
                 max_score,
             }| (level, customers, min_score, max_score),
        )
        .collect()
}

fn level(l: &str, n: i64, lo: i64, hi: i64) -> (String, i64, i64, i64) {
    (l.into(), n, lo, hi)
}

fn warned(no_contact: i64, no_business: i64, falling: i64) -> WarningCounts {
    WarningCounts {
        no_contact,
        no_business,
        falling,
    }
}

/// Runs the build a first sync leaves to its end.
fn build(r: &Replica) {
    let mut steps = 0;
    while !r.index_search_step(100).unwrap() {
        steps += 1;
        assert!(steps < 10_000, "the build does not end");
    }
    assert!(r.has_value_summary().unwrap());
}

#[test]
fn the_counts_are_built_after_a_first_sync_and_follow_the_feed_and_local_writes() {
    let (_dir, r) = open();
    let (li, zhao) = (id(501), id(502));
    let first = FeedPage {
        changes: vec![
            upsert(
                1,
                Entity::Customers,
                valued(1, &li, Some("A"), 90, &["falling"]),
            ),
            upsert(2, Entity::Customers, valued(2, &li, Some("A"), 80, &[])),
            upsert(
                3,
                Entity::Customers,
                valued(3, &li, Some("C"), 10, &["no_contact", "no_business"]),
            ),
        ],
        next: 3,
        more: true,
        latest: 0,
    };
    r.apply_page(&first).unwrap();
    r.apply_page(&page(vec![upsert(
        4,
        Entity::Customers,
        valued(4, &zhao, Some("A"), 95, &["no_contact"]),
    )]))
    .unwrap();
    assert!(!r.bulk_loading().unwrap());
    assert!(
        !r.has_value_summary().unwrap(),
        "not counted row by row in a first sync"
    );
    let admin = scope(&id(599), Role::Admin);
    let mine = scope(&li, Role::Sales);
    // Before the build the figures come from the rows; after it from the counts: the same.
    let before = (pyramid(&r, &admin), value::warnings(&r, &admin).unwrap());
    build(&r);
    assert_eq!(
        (pyramid(&r, &admin), value::warnings(&r, &admin).unwrap()),
        before
    );
    assert_eq!(
        pyramid(&r, &admin),
        vec![level("A", 3, 80, 95), level("C", 1, 10, 10)]
    );
    assert_eq!(
        pyramid(&r, &mine),
        vec![level("A", 2, 80, 90), level("C", 1, 10, 10)]
    );
    assert_eq!(value::warnings(&r, &admin).unwrap(), warned(2, 1, 1));
    assert_eq!(value::warnings(&r, &mine).unwrap(), warned(1, 1, 1));

    // The next sweep's changes arrive by the feed: a level and warnings changed, a customer
    // handed to zhao, one deleted.
    let mut handed = valued(2, &zhao, Some("B"), 60, &["no_contact"]);
    handed.insert("version".into(), json!(2));
    r.apply_page(&page(vec![
        upsert(5, Entity::Customers, handed),
        FeedEntry {
            seq: 6,
            entity: Entity::Customers,
            id: id(3),
            op: FeedOp::Delete,
            record: None,
        },
    ]))
    .unwrap();
    assert_eq!(pyramid(&r, &mine), vec![level("A", 1, 90, 90)]);
    assert_eq!(value::warnings(&r, &mine).unwrap(), warned(0, 0, 1));
    assert_eq!(
        pyramid(&r, &admin),
        vec![level("A", 2, 90, 95), level("B", 1, 60, 60)]
    );
    assert_eq!(value::warnings(&r, &admin).unwrap(), warned(2, 0, 1));

    // A local write (the owner changed here, not yet sent) moves the customer's counts at once.
    r.update(Entity::Customers, &id(4), obj(json!({"owner_id": li})))
        .unwrap();
    assert_eq!(pyramid(&r, &mine), vec![level("A", 2, 90, 95)]);
    assert_eq!(value::warnings(&r, &mine).unwrap(), warned(1, 0, 1));
    // And every figure still equals what the rows say.
    let kept = (pyramid(&r, &admin), value::warnings(&r, &admin).unwrap());
    r.db.execute_batch(&summaries_dropped()).unwrap();
    assert!(!r.has_value_summary().unwrap());
    assert_eq!(
        (pyramid(&r, &admin), value::warnings(&r, &admin).unwrap()),
        kept
    );
}

/// What a replica an older build made lacks: the value counts and the mark of this build.
fn summaries_dropped() -> String {
    "DROP TRIGGER customer_levels_ci; DROP TRIGGER customer_levels_cu; \
     DROP TRIGGER customer_warnings_cu; DROP TRIGGER customer_levels_cd; \
     DROP TABLE customer_levels; DROP TABLE customer_warnings; \
     DELETE FROM meta WHERE key = 'summaries';"
        .into()
}

#[test]
fn a_replica_an_older_build_made_gets_its_counts_built_when_opened() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("r.db");
    let li = id(501);
    {
        let r = Replica::open(&path).unwrap();
        r.apply_page(&page(vec![
            upsert(
                1,
                Entity::Customers,
                valued(1, &li, Some("A"), 90, &["falling"]),
            ),
            upsert(2, Entity::Customers, valued(2, &li, None, 0, &[])),
        ]))
        .unwrap();
        r.db.execute_batch(&summaries_dropped()).unwrap();
        // Written while it had no triggers: only a build from the rows counts it.
        r.apply_page(&page(vec![upsert(
            3,
            Entity::Customers,
            valued(3, &li, Some("A"), 70, &["no_contact"]),
        )]))
        .unwrap();
    }
    let r = Replica::open(&path).unwrap();
    assert!(!r.has_value_summary().unwrap());
    assert!(r.lists_ready().unwrap(), "its list indexes are there");
    assert!(
        !r.indexes_ready().unwrap(),
        "a build is left for the screens or index-search"
    );
    build(&r);
    assert!(r.indexes_ready().unwrap());
    let mine = scope(&li, Role::Sales);
    assert_eq!(
        pyramid(&r, &mine),
        vec![level("A", 2, 70, 90), level("", 1, 0, 0)]
    );
    assert_eq!(value::warnings(&r, &mine).unwrap(), warned(1, 0, 1));
}
