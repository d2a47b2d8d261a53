//! The undo journal without a server: what it keeps, how far it goes back, and undo of writes
//! never sent.

use super::*;
use crate::replica::journal::KEEP;

#[test]
fn undo_walks_back_unsent_writes_and_restores_an_unsent_delete() {
    let (_dir, mut r) = open();
    r.bind_user("u1", Role::Sales, None).unwrap();
    let made = r
        .create(
            Entity::Customers,
            obj(json!({"name": "Walk Back Ltd", "level": "C"})),
        )
        .unwrap();
    r.update(Entity::Customers, &made.id, obj(json!({"level": "A"})))
        .unwrap();
    r.delete(Entity::Customers, &made.id).unwrap();
    assert!(r.get(Entity::Customers, &made.id).unwrap().is_none());

    // The delete of a record never sent: it comes back as it was, edits included.
    let undone = r.undo().unwrap().expect("the delete");
    assert_eq!(undone.op, Op::Delete);
    let back = r.get(Entity::Customers, &made.id).unwrap().expect("back");
    assert_eq!(back.text("level"), Some("A"));
    assert_eq!(back.text("name"), Some("Walk Back Ltd"));

    let undone = r.undo().unwrap().expect("the edit");
    assert_eq!(undone.op, Op::Update);
    assert_eq!(
        r.get(Entity::Customers, &made.id)
            .unwrap()
            .unwrap()
            .text("level"),
        Some("C")
    );
    let undone = r.undo().unwrap().expect("the create");
    assert_eq!(undone.op, Op::Create);
    assert!(r.get(Entity::Customers, &made.id).unwrap().is_none());
    assert!(r.outbox().unwrap().is_empty(), "nothing left to send");
    assert_eq!(r.undo().unwrap(), None);
}

#[test]
fn the_journal_keeps_only_the_latest_writes() {
    let (_dir, mut r) = open();
    r.bind_user("u1", Role::Sales, None).unwrap();
    let made = r
        .create(Entity::Customers, obj(json!({"name": "Busy Ltd"})))
        .unwrap();
    for i in 0..KEEP + 5 {
        r.update(
            Entity::Customers,
            &made.id,
            obj(json!({"notes": format!("n{i}")})),
        )
        .unwrap();
    }
    let kept: i64 = r
        .outbox
        .query_row("SELECT COUNT(*) FROM journal", [], |row| row.get(0))
        .unwrap();
    assert_eq!(kept, KEEP, "bounded");
    for _ in 0..KEEP {
        assert!(r.undo().unwrap().is_some());
    }
    assert_eq!(
        r.undo().unwrap(),
        None,
        "the create fell out of the journal"
    );
    assert!(r.get(Entity::Customers, &made.id).unwrap().is_some());
}

#[test]
fn a_role_that_may_never_write_an_entity_is_refused_before_the_outbox() {
    let (_dir, mut r) = open();
    r.bind_user("agent1", Role::Agent, None).unwrap();
    let err = r
        .create(
            Entity::Opportunities,
            obj(json!({"name": "Nope", "customer_id": id(1)})),
        )
        .expect_err("agents do not work opportunities");
    assert!(matches!(err, ReplicaError::Forbidden(_)), "{err}");
    assert!(r.outbox().unwrap().is_empty());
}
