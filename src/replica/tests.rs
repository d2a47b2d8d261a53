//! The replica on its own: pages applied by hand, local writes, search.

use crm_server::schema::Entity;
use crm_server::wire::{FeedEntry, FeedOp, FeedPage};
use serde_json::{Map, Value, json};

use super::*;

mod first_sync;
mod pinyin;
mod undo;
mod value_summary;

fn obj(v: Value) -> Map<String, Value> {
    v.as_object().cloned().unwrap_or_default()
}

/// A server-shaped customer record.
fn customer(
    id: &str,
    version: i64,
    name: &str,
    code: &str,
    phone: Option<&str>,
    email: Option<&str>,
) -> Map<String, Value> {
    obj(json!({
        "id": id, "version": version, "created_at": "2026-01-01T00:00:00.000Z", "updated_at": "2026-01-01T00:00:00.000Z",
        "created_by": null, "code": code, "name": name, "kind": "company", "industry": null, "region": null, "level": null,
        "category": "prospect", "lifecycle": "potential", "source": null, "address": null, "postcode": null, "phone": phone,
        "fax": null, "website": null, "email": email, "owner_id": null, "team_id": null, "shared_with": [], "tags": [],
        "notes": null, "custom": {}
    }))
}

/// A level of the admin's list, as the server sends it.
fn level(n: u32, code: &str) -> Map<String, Value> {
    obj(json!({
        "id": id(900 + n), "version": 1, "created_at": "2026-01-01T00:00:00.000Z", "updated_at": "2026-01-01T00:00:00.000Z",
        "created_by": null, "list": "levels", "code": code, "name_zh": code, "name_en": code,
        "position": n, "colour": null, "active": true
    }))
}

fn contact(id: &str, customer_id: &str, name: &str, mobile: Option<&str>) -> Map<String, Value> {
    obj(json!({
        "id": id, "version": 1, "created_at": "2026-01-01T00:00:00.000Z", "updated_at": "2026-01-01T00:00:00.000Z",
        "created_by": null, "customer_id": customer_id, "name": name, "title": null, "department": null, "phone": null,
        "mobile": mobile, "email": null, "birthday": null, "is_primary": false, "preferred_channel": null, "notes": null
    }))
}

fn upsert(seq: i64, entity: Entity, record: Map<String, Value>) -> FeedEntry {
    FeedEntry {
        seq,
        entity,
        id: record["id"].as_str().unwrap_or_default().to_string(),
        op: FeedOp::Upsert,
        record: Some(record),
    }
}

fn page(changes: Vec<FeedEntry>) -> FeedPage {
    let next = changes.iter().map(|c| c.seq).max().unwrap_or(0);
    FeedPage {
        changes,
        next,
        more: false,
        latest: 0,
    }
}

fn id(n: u32) -> String {
    format!("00000000-0000-7000-8000-{n:012}")
}

fn open() -> (tempfile::TempDir, Replica) {
    let dir = tempfile::tempdir().unwrap();
    let replica = Replica::open(&dir.path().join("r.db")).unwrap();
    (dir, replica)
}

/// The list indexes the replica holds, by name.
fn list_indexes(r: &Replica) -> Vec<String> {
    let mut stmt = r
        .db
        .prepare("SELECT name FROM sqlite_master WHERE type = 'index' AND name LIKE '%\\_ix%' ESCAPE '\\'")
        .unwrap();
    stmt.query_map([], |row| row.get(0))
        .unwrap()
        .map(Result::unwrap)
        .collect()
}

/// FTS5's own check that the search index holds exactly the customers table's text.
/// Builds the search indexes to the end, one row a step (the build after a first sync, as the
/// screens run it), then checks they hold what their tables hold.
fn check_index(r: &Replica) {
    let mut steps = 0;
    while !r.index_search_step(1).unwrap() {
        steps += 1;
        assert!(steps < 100_000, "the search index build does not end");
    }
    assert!(r.search_ready().unwrap());
    assert!(r.lists_ready().unwrap());
    let missing: Vec<String> = Entity::ALL
        .iter()
        .flat_map(|e| {
            (0..schema::table(*e).secondary.len()).map(move |i| format!("{}_ix{i}", e.name()))
        })
        .filter(|name| !list_indexes(r).contains(name))
        .collect();
    assert!(missing.is_empty(), "list indexes not built: {missing:?}");
    assert!(
        r.has_order_summary().unwrap(),
        "the summaries are built after the list indexes"
    );
    for fts in ["customer_fts", "contact_fts"] {
        r.db.execute(
            &format!("INSERT INTO {fts}({fts}, rank) VALUES ('integrity-check', 1)"),
            [],
        )
        .unwrap_or_else(|e| panic!("{fts} does not match its table: {e}"));
    }
}

fn names(records: &[Record]) -> Vec<String> {
    records
        .iter()
        .map(|r| r.text("name").unwrap_or_default().to_string())
        .collect()
}

/// The names of the customers a search finds, best first.
fn found(r: &Replica, query: &str) -> Vec<String> {
    names(&r.search_customers(query, 10).unwrap())
}

/// The names of the customers a call from `phone` finds.
fn called(r: &Replica, phone: &str) -> Vec<String> {
    names(&r.customer_by_phone(phone).unwrap())
}

/// Where a snapshot stands after a page, with the next page at the start of `entity`.
fn before(entity: Entity) -> SnapshotStep {
    SnapshotStep::At {
        head: 5,
        next: crm_server::wire::SnapshotCursor {
            entity,
            after: String::new(),
        },
    }
}

/// A snapshot row made from a record.
fn row(entity: Entity, record: Map<String, Value>) -> PreparedRow {
    let id = record["id"].as_str().unwrap().to_string();
    PreparedRow::new(entity, id, &record)
}

fn filled() -> (tempfile::TempDir, Replica) {
    let (dir, r) = open();
    r.apply_page(&page(vec![
        upsert(
            1,
            Entity::Customers,
            customer(
                &id(1),
                1,
                "华为技术有限公司",
                "C000001",
                Some("+86 755 2878 0808"),
                None,
            ),
        ),
        upsert(
            2,
            Entity::Customers,
            customer(
                &id(2),
                1,
                "Acme Trading Ltd",
                "C000002",
                Some("010-6552 1234"),
                Some("Sales@Acme.example"),
            ),
        ),
        upsert(
            3,
            Entity::Customers,
            customer(&id(3), 1, "北京华为代理", "C000003", None, None),
        ),
        upsert(
            4,
            Entity::Customers,
            customer(&id(4), 1, "acme", "X-77", None, None),
        ),
        upsert(
            5,
            Entity::Contacts,
            contact(&id(100), &id(2), "张伟", Some("139 1234 5678")),
        ),
    ]))
    .unwrap();
    (dir, r)
}

#[test]
fn search_finds_names_codes_emails_contacts_and_phone_digits() {
    let (_dir, r) = filled();
    let find = |q: &str| names(&r.search_customers(q, 10).unwrap());
    assert_eq!(find("华为技"), vec!["华为技术有限公司"]);
    assert_eq!(
        find("为技术"),
        vec!["华为技术有限公司"],
        "substring, not only prefix"
    );
    assert_eq!(
        find("trading"),
        vec!["Acme Trading Ltd"],
        "case-insensitive"
    );
    assert_eq!(find("TRADING ltd"), vec!["Acme Trading Ltd"], "every word");
    assert_eq!(find("sales@acme"), vec!["Acme Trading Ltd"], "email");
    assert_eq!(
        find("张伟"),
        vec!["Acme Trading Ltd"],
        "a contact's name, two characters"
    );
    assert_eq!(find("c000003"), vec!["北京华为代理"], "code");
    assert_eq!(
        find("2878 08"),
        vec!["华为技术有限公司"],
        "a run of phone digits with a space"
    );
    assert_eq!(
        find("0755-2878"),
        vec!["华为技术有限公司"],
        "with the trunk 0"
    );
    assert_eq!(find("+86 755 28"), vec!["华为技术有限公司"], "with +86");
    assert_eq!(
        find("1234 5678"),
        vec!["Acme Trading Ltd"],
        "a contact's mobile"
    );
    assert!(find("nothing like it").is_empty());
    let mut two = find("华为");
    two.sort();
    assert_eq!(
        two,
        vec!["北京华为代理", "华为技术有限公司"],
        "two characters scan"
    );
    assert_eq!(
        find("技术"),
        vec!["华为技术有限公司"],
        "two characters, through the index"
    );
    assert_eq!(
        find("伟"),
        vec!["Acme Trading Ltd"],
        "one character, the end of a name"
    );
    assert_eq!(
        find("39"),
        vec!["Acme Trading Ltd"],
        "two digits of a mobile"
    );
    assert!(find("无此").is_empty());
    assert_eq!(
        find("华 代理"),
        vec!["北京华为代理"],
        "short words together"
    );
    assert_eq!(find("acme")[0], "acme", "an exact name ranks first");
    assert_eq!(find("Acme").len(), 2);
    assert_eq!(find("x-7"), vec!["acme"], "a code prefix");
    // Quotes and LIKE wildcards are plain text.
    assert!(find("\"%_").is_empty());
    assert_eq!(find("").len(), 4);
}

#[test]
fn phone_lookup_is_exact_over_customers_and_contacts() {
    let (_dir, r) = filled();
    let by = |p: &str| names(&r.customer_by_phone(p).unwrap());
    assert_eq!(by("075528780808"), vec!["华为技术有限公司"]);
    assert_eq!(by("+86 755 2878 0808"), vec!["华为技术有限公司"]);
    assert_eq!(by("13912345678"), vec!["Acme Trading Ltd"]);
    assert!(by("2878").is_empty(), "a fragment is not an exact number");
    assert!(by("").is_empty());
    assert_eq!(
        r.customer_by_code_or_id("c000002").unwrap().unwrap().id,
        id(2)
    );
    assert_eq!(r.customer_by_code_or_id(&id(3)).unwrap().unwrap().id, id(3));
    assert!(r.customer_by_code_or_id("C999").unwrap().is_none());
}

#[test]
fn contacts_moving_and_records_leaving_update_the_search() {
    let (_dir, r) = filled();
    let mut moved = contact(&id(100), &id(1), "张伟", Some("139 1234 5678"));
    moved.insert("version".into(), json!(2));
    r.apply_page(&page(vec![upsert(6, Entity::Contacts, moved)]))
        .unwrap();
    assert_eq!(found(&r, "张伟"), vec!["华为技术有限公司"]);
    r.apply_page(&page(vec![FeedEntry {
        seq: 7,
        entity: Entity::Customers,
        id: id(1),
        op: FeedOp::Drop,
        record: None,
    }]))
    .unwrap();
    assert!(r.search_customers("华为技术", 10).unwrap().is_empty());
    assert!(r.customer_by_phone("075528780808").unwrap().is_empty());
    assert_eq!(r.cursor().unwrap(), 7);
    // An older page does not move the cursor back, nor roll a record back.
    let mut old = customer(&id(2), 0, "Old Name", "C000002", None, None);
    old.insert("version".into(), json!(0));
    r.apply_page(&FeedPage {
        changes: vec![upsert(2, Entity::Customers, old)],
        next: 2,
        more: false,
        latest: 0,
    })
    .unwrap();
    assert_eq!(r.cursor().unwrap(), 7);
    assert_eq!(
        r.get(Entity::Customers, &id(2))
            .unwrap()
            .unwrap()
            .text("name"),
        Some("Acme Trading Ltd")
    );
    check_index(&r);
}

#[test]
fn lists_filter_sort_and_search() {
    let (_dir, r) = filled();
    let q = LocalQuery {
        sort: Some("name".into()),
        descending: true,
        ..LocalQuery::default()
    };
    assert_eq!(r.list(Entity::Customers, &q).unwrap().len(), 4);
    // A count has the list's conditions, and stops where it is told to.
    assert_eq!(r.count(Entity::Customers, &q, None).unwrap(), 4);
    assert_eq!(r.count(Entity::Customers, &q, Some(3)).unwrap(), 3);
    assert_eq!(r.count(Entity::Customers, &q, Some(10)).unwrap(), 4);
    let q = LocalQuery {
        filters: vec![
            ("lifecycle".into(), json!("POTENTIAL")),
            ("level".into(), Value::Null),
        ],
        search: Some("acme".into()),
        sort: Some("code".into()),
        limit: 1,
        offset: 1,
        ..LocalQuery::default()
    };
    assert_eq!(names(&r.list(Entity::Customers, &q).unwrap()), vec!["acme"]);
    let q = LocalQuery {
        filters: vec![("customer_id".into(), json!(id(2)))],
        search: Some("1234".into()),
        ..LocalQuery::default()
    };
    assert_eq!(r.list(Entity::Contacts, &q).unwrap().len(), 1);
    // Every field is a column and may be filtered by, locally; a name that is no field is an
    // error.
    let notes = LocalQuery {
        filters: vec![("notes".into(), Value::Null)],
        ..LocalQuery::default()
    };
    assert!(!r.list(Entity::Customers, &notes).unwrap().is_empty());
    let bad = LocalQuery {
        filters: vec![("no_such_field".into(), json!("x"))],
        ..LocalQuery::default()
    };
    assert!(matches!(
        r.list(Entity::Customers, &bad),
        Err(ReplicaError::BadQuery(_))
    ));
    let bad = LocalQuery {
        sort: Some("phone".into()),
        ..LocalQuery::default()
    };
    assert!(
        r.list(Entity::Customers, &bad)
            .unwrap_err()
            .to_string()
            .contains("sorted by phone")
    );
}

#[test]
fn updates_fold_into_the_last_unsent_entry_only() {
    let (_dir, r) = filled();
    // The admin's levels, as a sync brings them: local edits take their spelling.
    r.apply_page(&page(
        ["A", "B", "C", "D"]
            .iter()
            .zip(1..)
            .map(|(code, n)| upsert(5 + i64::from(n), Entity::ListItems, level(n, code)))
            .collect(),
    ))
    .unwrap();
    r.update(Entity::Customers, &id(1), obj(json!({"level": "a"})))
        .unwrap();
    let shown = r
        .update(Entity::Customers, &id(1), obj(json!({"region": " 深圳 "})))
        .unwrap();
    assert_eq!(
        (shown.text("level"), shown.text("region")),
        (Some("A"), Some("深圳")),
        "normalized as the server would"
    );
    let entries = r.outbox().unwrap();
    assert_eq!(entries.len(), 1);
    assert_eq!(
        entries[0].fields,
        obj(json!({"level": "A", "region": "深圳"}))
    );
    assert_eq!(entries[0].base, obj(json!({"level": null, "region": null})));
    assert_eq!(entries[0].base_version, 1);
    // Another record's edit in between: the next edit of the first gets its own entry.
    r.update(Entity::Customers, &id(2), obj(json!({"level": "B"})))
        .unwrap();
    r.update(Entity::Customers, &id(1), obj(json!({"level": "C"})))
        .unwrap();
    assert_eq!(r.outbox().unwrap().len(), 3);
    // An edit to the value it already has is no edit.
    r.update(Entity::Customers, &id(1), obj(json!({"level": "C"})))
        .unwrap();
    assert_eq!(r.outbox().unwrap().len(), 3);
    let err = r
        .update(
            Entity::Customers,
            &id(1),
            obj(json!({"level": "Z", "bogus": 1})),
        )
        .unwrap_err();
    assert!(
        err.to_string().contains("level") && err.to_string().contains("bogus"),
        "{err}"
    );
    // Formats are the server's own rule: a bad email is refused offline, nothing queued.
    let err = r
        .update(Entity::Customers, &id(1), obj(json!({"email": "zhou@"})))
        .unwrap_err();
    assert!(err.to_string().contains("email"), "{err}");
    assert!(
        r.create(
            Entity::Customers,
            obj(json!({"name": "新客户", "email": "wang@@example"}))
        )
        .is_err()
    );
    assert_eq!(r.outbox().unwrap().len(), 3);
    assert!(matches!(
        r.update(Entity::Customers, &id(999), Map::new()),
        Err(ReplicaError::NotFound { .. })
    ));
}

#[test]
fn a_never_sent_create_is_forgotten_when_deleted_and_a_delete_can_be_discarded() {
    let (_dir, r) = filled();
    let made = r
        .create(Entity::Customers, obj(json!({"name": "临时客户"})))
        .unwrap();
    r.update(Entity::Customers, &made.id, obj(json!({"level": "B"})))
        .unwrap();
    assert_eq!(r.outbox().unwrap().len(), 1, "folded into the create");
    r.delete(Entity::Customers, &made.id).unwrap();
    assert!(r.outbox().unwrap().is_empty());
    assert!(r.get(Entity::Customers, &made.id).unwrap().is_none());

    r.delete(Entity::Customers, &id(3)).unwrap();
    assert!(r.get(Entity::Customers, &id(3)).unwrap().is_none());
    assert!(r.search_customers("北京华为", 10).unwrap().is_empty());
    let seq = r.outbox().unwrap()[0].seq;
    r.discard(seq).unwrap();
    let back = r.get(Entity::Customers, &id(3)).unwrap().unwrap();
    assert!(!back.pending && back.version == 1);
    assert_eq!(found(&r, "北京华为"), vec!["北京华为代理"]);
    check_index(&r);
}

#[test]
fn a_pulled_version_under_a_local_edit_merges_or_conflicts() {
    let (_dir, r) = filled();
    r.update(
        Entity::Customers,
        &id(2),
        obj(json!({"level": "A", "region": "华北"})),
    )
    .unwrap();

    // The server changed another field: taken, and the local edit stays on top.
    let mut v2 = customer(
        &id(2),
        2,
        "Acme Trading Ltd",
        "C000002",
        Some("010-6552 1234"),
        Some("new@acme.example"),
    );
    v2.insert("region".into(), json!("华北"));
    let applied = r
        .apply_page(&page(vec![upsert(10, Entity::Customers, v2)]))
        .unwrap();
    assert!(applied.conflicts.is_empty());
    let shown = r.get(Entity::Customers, &id(2)).unwrap().unwrap();
    assert_eq!(
        (shown.text("email"), shown.text("level")),
        (Some("new@acme.example"), Some("A"))
    );
    assert!(shown.pending && shown.version == 2);
    let entry = &r.outbox().unwrap()[0];
    assert_eq!(
        entry.fields,
        obj(json!({"level": "A"})),
        "the server already holds the region"
    );
    assert_eq!(entry.base_version, 2);

    // The server changed the same field differently: a conflict, mine shown.
    let mut v3 = customer(&id(2), 3, "Acme Trading Ltd", "C000002", None, None);
    v3.insert("level".into(), json!("D"));
    let applied = r
        .apply_page(&page(vec![upsert(11, Entity::Customers, v3.clone())]))
        .unwrap();
    assert_eq!(applied.conflicts.len(), 1);
    // The same page again (a crash before the cursor was stored) adds nothing.
    let again = r
        .apply_page(&page(vec![upsert(11, Entity::Customers, v3)]))
        .unwrap();
    assert!(again.conflicts.is_empty());
    assert_eq!(r.conflicts().unwrap().len(), 1);
    let shown = r.get(Entity::Customers, &id(2)).unwrap().unwrap();
    assert!(shown.conflicted && shown.text("level") == Some("A"));
    let resolved = r
        .resolve_field(Entity::Customers, &id(2), "level", Keep::Theirs)
        .unwrap();
    assert_eq!(resolved.text("level"), Some("D"));
    assert!(!resolved.pending && !resolved.conflicted);
    assert!(matches!(
        r.resolve(Entity::Customers, &id(2), Keep::Mine),
        Err(ReplicaError::NoConflict { .. })
    ));
    assert_eq!(r.status().unwrap().pending_writes, 0);
    check_index(&r);
}

#[test]
fn another_user_empties_the_replica_unless_writes_are_unsent() {
    let (_dir, mut r) = filled();
    r.bind_user("u1", crm_server::access::Role::Sales, None)
        .unwrap();
    r.update(Entity::Customers, &id(1), obj(json!({"level": "B"})))
        .unwrap();
    assert!(matches!(
        r.bind_user("u2", crm_server::access::Role::Sales, None),
        Err(ReplicaError::OtherUsersWrites { count: 1 })
    ));
    let seq = r.outbox().unwrap()[0].seq;
    r.discard(seq).unwrap();
    r.bind_user("u2", crm_server::access::Role::Sales, None)
        .unwrap();
    assert!(r.get(Entity::Customers, &id(1)).unwrap().is_none());
    assert_eq!(r.cursor().unwrap(), 0);
    // The same user again keeps everything.
    r.apply_page(&page(vec![upsert(
        1,
        Entity::Customers,
        customer(&id(1), 1, "A", "C1", None, None),
    )]))
    .unwrap();
    r.bind_user("u2", crm_server::access::Role::Sales, None)
        .unwrap();
    assert!(r.get(Entity::Customers, &id(1)).unwrap().is_some());
}

#[test]
fn a_damaged_outbox_is_moved_aside_not_deleted() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("r.db");
    drop(Replica::open(&path).unwrap());
    std::fs::write(outbox_path(&path), b"garbage ".repeat(600)).unwrap();
    let r = Replica::open(&path).unwrap();
    let note = r.rebuilt().unwrap();
    assert!(note.contains("moved to"), "{note}");
    let kept = std::fs::read_dir(dir.path())
        .unwrap()
        .filter_map(|e| e.ok())
        .any(|e| e.file_name().to_string_lossy().contains(".outbox.damaged-"));
    assert!(kept);
}

#[test]
fn the_same_user_with_another_role_or_team_starts_afresh_keeping_unsent_writes() {
    let (_dir, mut r) = filled();
    let sales = crm_server::access::Role::Sales;
    assert!(!r.bind_user("u1", sales, Some("t1")).unwrap());
    r.update(Entity::Customers, &id(1), obj(json!({"level": "B"})))
        .unwrap();
    assert!(
        !r.bind_user("u1", sales, Some("t1")).unwrap(),
        "same access: kept"
    );
    assert!(r.get(Entity::Customers, &id(2)).unwrap().is_some());

    assert!(r.bind_user("u1", sales, Some("t2")).unwrap(), "team moved");
    assert!(r.get(Entity::Customers, &id(2)).unwrap().is_none());
    assert_eq!(r.cursor().unwrap(), 0);
    assert_eq!(r.outbox().unwrap().len(), 1, "the unsent edit survives");

    assert!(
        r.bind_user("u1", crm_server::access::Role::Agent, Some("t2"))
            .unwrap(),
        "role changed"
    );
}

#[test]
fn a_short_word_beside_a_long_one_filters_and_one_found_nowhere_finds_nothing() {
    let (_dir, r) = open();
    r.apply_page(&page(vec![
        upsert(
            1,
            Entity::Customers,
            customer(&id(1), 1, "华为技术有限公司", "C000001", None, None),
        ),
        upsert(
            2,
            Entity::Customers,
            customer(&id(2), 1, "成都信禄有限公司", "C000002", None, None),
        ),
    ]))
    .unwrap();
    assert_eq!(found(&r, "有限公司 华"), vec!["华为技术有限公司"]);
    assert_eq!(found(&r, "信禄 有限公"), vec!["成都信禄有限公司"]);
    assert!(r.search_customers("有限公司 客户", 10).unwrap().is_empty());
}

#[test]
fn a_call_from_a_number_finds_the_contact_whose_phone_has_an_extension() {
    let (_dir, r) = open();
    let mut k = contact(&id(100), &id(1), "杨颖军", None);
    k.insert("phone".into(), json!("0571-42498151 转 6218"));
    r.apply_page(&page(vec![
        upsert(
            1,
            Entity::Customers,
            customer(&id(1), 1, "杭州新捷电器股份有限公司", "C000001", None, None),
        ),
        upsert(2, Entity::Contacts, k),
    ]))
    .unwrap();
    assert_eq!(
        called(&r, "+86 571 4249 8151"),
        vec!["杭州新捷电器股份有限公司"]
    );
    assert_eq!(found(&r, "42498151"), vec!["杭州新捷电器股份有限公司"]);
}
