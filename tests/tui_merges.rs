//! The duplicate review queue (`:duplicates`, `D`) and bulk actions on marked customers (`B`),
//! over a real replica: what the keys write to the outbox, which the server then carries out
//! (`server/tests/merges.rs`).

mod support;

use crm_server::schema::Entity;
use serde_json::{Value, json};
use support::{
    Fixture, app_over, apply_records, now, options, press, screen, server_record, type_text,
};

const A: &str = "00000020-0000-7000-8000-000000000001";
const B: &str = "00000020-0000-7000-8000-000000000002";

fn with_a_pair() -> Fixture {
    let fx = Fixture::load();
    let replica = fx.replica();
    let mut seq = 3_000_000;
    apply_records(
        &replica,
        Entity::Customers,
        vec![
            server_record(
                Entity::Customers,
                A,
                json!({"code": "C900001", "name": "华联超市", "phone": "021-5555 0001", "level": "B"}),
                now(),
            ),
            server_record(
                Entity::Customers,
                B,
                json!({"code": "C900002", "name": "华联超市有限公司", "phone": "+86 21 5555 0001", "level": "A", "email": "hq@hualian.cn"}),
                now(),
            ),
        ],
        &mut seq,
    );
    fx
}

#[test]
fn the_queue_shows_a_pair_side_by_side_and_m_writes_the_merge_chosen() {
    let fx = with_a_pair();
    let mut app = app_over(Box::new(fx.source()), options(), 120, 30);
    press(&mut app, "D");
    let mut s = screen(&app);
    for _ in 0..30 {
        if s.contains("华联超市有限公司") {
            break;
        }
        press(&mut app, "J");
        s = screen(&app);
    }
    assert!(s.contains("C900001") && s.contains("C900002"), "{s}");
    assert!(s.contains("same phone"), "{s}");
    assert!(
        s.contains("hq@hualian.cn"),
        "the other's email shown beside: {s}"
    );
    // The level: the right one's (the customer merged away).
    press(&mut app, "j j j j l m");
    let merge = fx.last_written();
    assert_eq!(merge.entity, Entity::Merges);
    assert_eq!(merge.fields["survivor_id"], json!(A));
    assert_eq!(merge.fields["merged_id"], json!(B));
    assert_eq!(merge.fields["take"], json!(["level"]));
    assert_eq!(merge.fields["survivor_version"], json!(1));
    let s = screen(&app);
    assert!(
        !s.contains("华联超市有限公司"),
        "the pair left the queue: {s}"
    );
    assert!(s.contains("Merging C900002 into C900001"), "{s}");
}

#[test]
fn s_swaps_which_customer_stays_and_the_command_opens_the_queue() {
    let fx = with_a_pair();
    let mut app = app_over(Box::new(fx.source()), options(), 120, 30);
    press(&mut app, ":");
    type_text(&mut app, "duplicates");
    press(&mut app, "<Enter>");
    for _ in 0..30 {
        if screen(&app).contains("华联超市有限公司") {
            break;
        }
        press(&mut app, "J");
    }
    press(&mut app, "s m");
    let merge = fx.last_written();
    assert_eq!(merge.fields["survivor_id"], json!(B));
    assert_eq!(merge.fields["merged_id"], json!(A));
    assert_eq!(merge.fields["take"], json!([]));
}

fn marked_two(app: &mut crm::tui::App) -> Vec<Value> {
    press(app, "<Space> <Space>");
    let s = screen(app);
    assert!(s.contains("2 marked"), "{s}");
    app.customers
        .list
        .chosen_ids()
        .into_iter()
        .map(Value::String)
        .collect()
}

#[test]
fn b_adds_a_tag_to_every_marked_customer_in_one_request() {
    let fx = Fixture::load();
    let mut app = app_over(Box::new(fx.source()), options(), 120, 30);
    let ids = marked_two(&mut app);
    press(&mut app, "B");
    assert!(screen(&app).contains("2 marked customers"));
    type_text(&mut app, "tag");
    press(&mut app, "<Enter>");
    type_text(&mut app, "展会");
    press(&mut app, "<Enter>");
    let bulk = fx.last_written();
    assert_eq!(bulk.entity, Entity::BulkActions);
    assert_eq!(bulk.fields["kind"], "tag");
    assert_eq!(bulk.fields["tag"], "展会");
    assert_eq!(bulk.fields["ids"], Value::Array(ids));
    assert!(!screen(&app).contains("marked"), "the marks did their work");
}

#[test]
fn b_reassigns_with_the_open_work_or_without_as_chosen() {
    for (filter, with_open) in [("with their open", true), ("only", false)] {
        let fx = Fixture::load();
        let mut app = app_over(Box::new(fx.source()), options(), 120, 30);
        let ids = marked_two(&mut app);
        press(&mut app, "B");
        type_text(&mut app, filter);
        press(&mut app, "<Enter>");
        // The first active user offered.
        press(&mut app, "<Enter>");
        let bulk = fx.last_written();
        assert_eq!(bulk.entity, Entity::BulkActions);
        assert_eq!(bulk.fields["kind"], "owner");
        assert_eq!(bulk.fields["with_open"], json!(with_open));
        assert!(
            bulk.fields["owner_id"]
                .as_str()
                .is_some_and(|o| !o.is_empty())
        );
        assert_eq!(bulk.fields["ids"], Value::Array(ids));
    }
    // Nothing marked: the customer under the cursor alone, as `d` does; Esc writes nothing.
    let fx = Fixture::load();
    let mut app = app_over(Box::new(fx.source()), options(), 120, 30);
    press(&mut app, "B");
    assert!(screen(&app).contains("The customer under the cursor"));
    press(&mut app, "<Esc>");
    assert!(fx.written().is_empty());
}

const P: &str = "00000021-0000-7000-8000-000000000001";
const Q: &str = "00000021-0000-7000-8000-000000000002";
const R: &str = "00000021-0000-7000-8000-000000000003";

/// Two contacts of one customer by one name, and a third of the same name at another customer.
fn with_contacts() -> Fixture {
    let fx = with_a_pair();
    let replica = fx.replica();
    let mut seq = 3_100_000;
    apply_records(
        &replica,
        Entity::Contacts,
        vec![
            server_record(
                Entity::Contacts,
                P,
                json!({"customer_id": A, "name": "钱多多", "title": "经理"}),
                now(),
            ),
            server_record(
                Entity::Contacts,
                Q,
                json!({"customer_id": A, "name": "钱 多多", "title": "采购主管", "email": "qdd@hualian.cn"}),
                now(),
            ),
            server_record(
                Entity::Contacts,
                R,
                json!({"customer_id": B, "name": "钱多多"}),
                now(),
            ),
        ],
        &mut seq,
    );
    fx
}

#[test]
fn the_contacts_queue_pairs_one_name_at_one_customer_and_m_writes_a_contact_merge() {
    let fx = with_contacts();
    let mut app = app_over(Box::new(fx.source()), options(), 120, 30);
    press(&mut app, ":");
    type_text(&mut app, "duplicates contacts");
    press(&mut app, "<Enter>");
    let mut s = screen(&app);
    for _ in 0..30 {
        if s.contains("钱 多多") {
            break;
        }
        press(&mut app, "J");
        s = screen(&app);
    }
    assert!(s.contains("Duplicate contacts"), "{s}");
    assert!(
        s.contains("stays 钱多多") && s.contains("merged 钱 多多"),
        "{s}"
    );
    assert!(s.contains("same name"), "{s}");
    // The contact's customer by its name, not its id.
    assert!(s.contains("● 华联超市 "), "{s}");
    assert!(!s.contains(A), "{s}");
    assert!(s.contains("qdd@hualian.cn"), "{s}");
    // 钱多多 at the other customer is another person: the one pair is P and Q.
    assert!(s.contains("pair 1 of 1"), "{s}");
    // The title: the one merged away.
    press(&mut app, "j j l m");
    let merge = fx.last_written();
    assert_eq!(merge.entity, Entity::ContactMerges);
    assert_eq!(merge.fields["survivor_id"], json!(P));
    assert_eq!(merge.fields["merged_id"], json!(Q));
    assert_eq!(merge.fields["take"], json!(["title"]));
    let s = screen(&app);
    assert!(s.contains("Merging 钱 多多 into 钱多多"), "{s}");
    assert!(!s.contains("采购主管"), "the pair left the queue: {s}");
}
