//! The first sync: snapshot pages read in place, written in bulk, indexed for search at its
//! end (or rebuilt when stopped, resumed or written beside).

use super::*;
use crm_server::wire::SnapshotShape;

fn journal_mode(r: &Replica) -> String {
    r.db.query_row("PRAGMA journal_mode", [], |row| row.get(0))
        .unwrap()
}

#[test]
fn a_first_sync_builds_the_search_indexes_at_its_end() {
    let (_dir, r) = open();
    let first = FeedPage {
        changes: vec![
            upsert(
                1,
                Entity::Customers,
                customer(&id(1), 1, "华为技术有限公司", "C000001", None, None),
            ),
            upsert(
                2,
                Entity::Contacts,
                contact(&id(100), &id(1), "李娜", Some("13912345678")),
            ),
        ],
        next: 2,
        more: true,
        latest: 0,
    };
    r.apply_page(&first).unwrap();
    assert!(r.bulk_loading().unwrap());
    assert_eq!(
        journal_mode(&r),
        "truncate",
        "a first sync writes its pages once"
    );
    // While it runs, prefixes and scans still find what has arrived.
    assert_eq!(found(&r, "华为"), vec!["华为技术有限公司"]);
    assert_eq!(found(&r, "华为技术"), vec!["华为技术有限公司"]);
    // A local write during the first sync leaves the index to the build, too.
    r.update(
        Entity::Customers,
        &id(1),
        obj(json!({"email": "hw@example.cn"})),
    )
    .unwrap();
    let last = FeedPage {
        changes: vec![upsert(
            3,
            Entity::Customers,
            customer(
                &id(2),
                1,
                "Acme Trading",
                "C000002",
                Some("021-5555 0000"),
                None,
            ),
        )],
        next: 3,
        more: false,
        latest: 0,
    };
    r.apply_page(&last).unwrap();
    assert!(!r.bulk_loading().unwrap());
    assert_eq!(journal_mode(&r), "wal", "back to the WAL once it is over");
    check_index(&r);
    assert_eq!(found(&r, "hw@exa"), vec!["华为技术有限公司"]);
    assert_eq!(found(&r, "1391234"), vec!["华为技术有限公司"]);
    assert_eq!(found(&r, "李娜"), vec!["华为技术有限公司"]);
    assert_eq!(called(&r, "+86 139 1234 5678"), vec!["华为技术有限公司"]);
    assert_eq!(found(&r, "5555"), vec!["Acme Trading"]);
    // Words across a customer and its contact, in a list query.
    let q = LocalQuery {
        search: Some("华为 李娜".into()),
        ..LocalQuery::default()
    };
    assert_eq!(
        names(&r.list(Entity::Customers, &q).unwrap()),
        vec!["华为技术有限公司"]
    );
}

#[test]
fn a_row_read_in_place_from_the_wire_is_the_row_read_through_a_map() {
    let mut c = customer(
        &id(1),
        3,
        "华为\"技术\"\n有限公司",
        "C000001",
        Some("+86 139 1234 5678"),
        Some("hw@example.cn"),
    );
    c.insert("tags".into(), json!(["vip", "华东"]));
    c.insert("custom".into(), json!({"tier": 2, "ok": true}));
    let k = contact(&id(100), &id(1), "李娜", Some("13912345678"));
    for (entity, record) in [(Entity::Customers, c), (Entity::Contacts, k)] {
        let text = serde_json::to_string(&record).unwrap();
        let raw = serde_json::value::RawValue::from_string(text).unwrap();
        let fast = prepared_row::PreparedRow::from_raw(entity, &raw).unwrap();
        let slow =
            prepared_row::PreparedRow::new(entity, record["id"].as_str().unwrap().into(), &record);
        assert_eq!(fast.id(), slow.id());
        assert_eq!(fast.version, slow.version);
        assert_eq!(fast.columns(), slow.columns(), "{}", entity.name());
        assert_eq!(fast.search_text(), slow.search_text());
        // And the record comes back from the columns, every field in place.
        assert_eq!(Some(fast.record()), rows::load_record(entity, raw.get()));
    }
    let not_a_record = serde_json::value::RawValue::from_string("[1]".into()).unwrap();
    assert!(prepared_row::PreparedRow::from_raw(Entity::Customers, &not_a_record).is_none());
}

#[test]
fn a_snapshot_page_is_read_in_one_pass_or_record_by_record() {
    let c = customer(
        &id(1),
        3,
        "华为技术",
        "C000001",
        Some("+86 139 1234 5678"),
        None,
    );
    let k = contact(&id(100), &id(1), "李娜", Some("13912345678"));
    let page = |records: Vec<Value>| {
        serde_json::to_vec(&json!({"records": records, "next": null, "head": 7})).unwrap()
    };
    let body = page(vec![
        json!({"entity": "customers", "record": c}),
        json!({"entity": "contacts", "record": k}),
    ]);
    let rows = prepare_snapshot_page(&body).unwrap();
    assert_eq!(rows.len(), 2);
    let slow = prepared_row::PreparedRow::new(Entity::Customers, id(1), &c);
    assert_eq!(rows[0].columns(), slow.columns());
    assert_eq!(rows[0].search_text(), slow.search_text());
    assert_eq!(rows[1].entity, Entity::Contacts);
    // A key with an escape (`name`, as `n\u0061me`), and a record that is no object: read one
    // by one, the bad one left out.
    let body = format!(
        r#"{{"records":[{{"entity":"customers","record":{{"id":"{}","version":2,"n\u0061me":"华为"}}}},{{"entity":"contacts","record":[1]}}],"next":null,"head":7}}"#,
        id(1)
    );
    let rows = prepare_snapshot_page(body.as_bytes()).unwrap();
    assert_eq!(rows.len(), 1);
    assert_eq!(rows[0].id(), id(1));
    assert_eq!(rows[0].record()["name"], json!("华为"));
    assert!(prepare_snapshot_page(b"{\"records\": 1}").is_err());
}

/// A page of rows (the compact form) holding `records`, grouped by entity as the server
/// groups them, each row its record's values in `wire::snapshot_fields` order.
fn rows_page(records: &[(Entity, &Map<String, Value>)]) -> Vec<u8> {
    let mut groups: Vec<crm_server::wire::SnapshotGroup> = Vec::new();
    for (entity, record) in records {
        let fields: Vec<&str> = crm_server::wire::snapshot_fields(*entity).collect();
        let row = fields
            .iter()
            .map(|f| record.get(*f).cloned().unwrap_or(Value::Null))
            .collect();
        match groups.last_mut().filter(|g| g.entity == *entity) {
            Some(group) => group.rows.push(row),
            None => groups.push(crm_server::wire::SnapshotGroup {
                entity: *entity,
                fields: fields.iter().map(|f| f.to_string()).collect(),
                rows: vec![row],
            }),
        }
    }
    let page = crm_server::wire::SnapshotRows {
        groups,
        next: None,
        head: 7,
        total: Some(records.len() as u64),
    };
    serde_json::to_vec(&page).unwrap()
}

#[test]
fn a_page_of_rows_prepares_the_rows_its_page_of_objects_does() {
    let mut c = customer(
        &id(1),
        3,
        "华为技术 \"引号\"",
        "C000001",
        Some("+86 139 1234 5678"),
        Some("info@huawei.example"),
    );
    c.insert("tags".into(), json!(["vip", "华东"]));
    let c2 = customer(&id(2), 1, "Acme Trading", "C000002", None, None);
    let k = contact(&id(100), &id(1), "李娜", Some("13912345678"));
    let records = [
        (Entity::Customers, &c),
        (Entity::Customers, &c2),
        (Entity::Contacts, &k),
    ];
    let objects: Vec<Value> = records
        .iter()
        .map(|(e, r)| json!({"entity": e.name(), "record": r}))
        .collect();
    let objects =
        serde_json::to_vec(&json!({"records": objects, "next": null, "head": 7})).unwrap();
    let from_objects = prepare_snapshot(&objects, SnapshotShape::Objects).unwrap();
    let from_rows = prepare_snapshot(&rows_page(&records), SnapshotShape::Rows).unwrap();
    assert_eq!(from_rows.len(), 3);
    for (a, b) in from_rows.iter().zip(&from_objects) {
        assert_eq!((a.entity, a.id(), a.version), (b.entity, b.id(), b.version));
        assert_eq!(a.columns(), b.columns(), "{}", a.id());
        assert_eq!(a.search_text(), b.search_text());
        assert_eq!(a.record(), b.record());
    }
    assert_eq!(from_rows[0].record()["name"], json!("华为技术 \"引号\""));
    assert_eq!(from_rows[0].record()["tags"], json!(["vip", "华东"]));
    // An empty page is no error.
    let empty = br#"{"groups":[],"next":null,"head":7}"#;
    assert!(prepare_snapshot_rows(empty).unwrap().is_empty());
}

#[test]
fn a_page_of_rows_is_read_in_place_whatever_its_values_hold_and_however_it_is_spaced() {
    // Values whose text holds what ends a value or a row (commas, brackets, braces, quotes,
    // backslashes), nested lists and maps, negative numbers and exponents, and a page spaced
    // out as a pretty printer writes it: each value must come out whole, in its field.
    let mut c = customer(
        &id(1),
        12,
        r#"A "],["} \\ 公司, ]"#,
        "C000001",
        Some("+86 139 1234 5678"),
        None,
    );
    c.insert("notes".into(), json!("line one\n],[\"x\"]}{ \\"));
    c.insert("tags".into(), json!(["a]b", "c,d", "e\\\"f", "{g}"]));
    c.insert(
        "custom".into(),
        json!({"k]": {"nested": ["x", "]}"], "n": -1.5e3}, "v": "}"}),
    );
    let k = contact(&id(100), &id(1), "李 [娜]", Some("139-1234-5678"));
    let records = [(Entity::Customers, &c), (Entity::Contacts, &k)];
    let compact = rows_page(&records);
    let spaced = serde_json::to_vec_pretty(
        &serde_json::from_slice::<crm_server::wire::SnapshotRows>(&compact).unwrap(),
    )
    .unwrap();
    assert!(spaced.len() > compact.len() + 40, "the page is spaced out");
    let objects: Vec<Value> = records
        .iter()
        .map(|(e, r)| json!({"entity": e.name(), "record": r}))
        .collect();
    let objects =
        serde_json::to_vec(&json!({"records": objects, "next": null, "head": 7})).unwrap();
    let expected = prepare_snapshot(&objects, SnapshotShape::Objects).unwrap();
    for page in [&compact, &spaced] {
        let rows = prepare_snapshot_rows(page).unwrap();
        assert_eq!(rows.len(), 2);
        for (a, b) in rows.iter().zip(&expected) {
            assert_eq!((a.entity, a.id(), a.version), (b.entity, b.id(), b.version));
            // A list's or map's text is kept as sent (the server sends it compact).
            if page == &compact {
                assert_eq!(a.columns(), b.columns(), "{}", a.id());
            }
            assert_eq!(a.record(), b.record(), "{}", a.id());
            assert_eq!(a.search_text(), b.search_text());
        }
        let record = rows[0].record();
        assert_eq!(record["name"], c["name"]);
        assert_eq!(record["notes"], c["notes"]);
        assert_eq!(record["tags"], c["tags"]);
        assert_eq!(record["custom"], c["custom"]);
        assert_eq!(rows[1].record()["name"], json!("李 [娜]"));
    }
}

#[test]
fn a_page_of_rows_that_does_not_hold_together_is_refused_whole_with_its_reason() {
    let c = customer(&id(1), 1, "华为", "C000001", None, None);
    let good = String::from_utf8(rows_page(&[(Entity::Customers, &c)])).unwrap();
    let fields = crm_server::wire::snapshot_fields(Entity::Customers).count();
    let nulls = |n: usize| vec!["null"; n].join(",");
    let group = |fields_json: &str, rows: &str| {
        format!(
            r#"{{"groups":[{{"entity":"customers","fields":{fields_json},"rows":[{rows}]}}],"next":null,"head":7}}"#
        )
    };
    let names = serde_json::to_string(
        &crm_server::wire::snapshot_fields(Entity::Customers).collect::<Vec<_>>(),
    )
    .unwrap();
    let good_row = {
        let start = good.find(r#""rows":[["#).unwrap() + r#""rows":["#.len();
        let end = good.rfind("]]").unwrap() + 1;
        good[start..end].to_string()
    };
    let cases = [
        (
            "a short row",
            group(&names, &format!("{good_row},[{}]", nulls(fields - 1))),
            "values",
        ),
        (
            "a long row",
            group(&names, &format!("{good_row},[{}]", nulls(fields + 1))),
            "more values",
        ),
        (
            "a row without its id",
            group(&names, &format!("{good_row},[{}]", nulls(fields))),
            "no id",
        ),
        (
            "no id field",
            group(r#"["name"]"#, r#"["x"]"#),
            "no id field",
        ),
        (
            "rows before fields",
            r#"{"groups":[{"entity":"customers","rows":[],"fields":[]}],"next":null,"head":7}"#
                .to_string(),
            "before",
        ),
        (
            "an unknown entity",
            good.replace(r#""entity":"customers""#, r#""entity":"martians""#),
            "martians",
        ),
        (
            "no groups",
            r#"{"next":null,"head":7}"#.to_string(),
            "groups",
        ),
        ("cut short", good[..good.len() - 20].to_string(), "EOF"),
        ("text after it", format!("{good} x"), "trailing"),
    ];
    assert_eq!(prepare_snapshot_rows(good.as_bytes()).unwrap().len(), 1);
    for (what, body, reason) in cases {
        let error = prepare_snapshot_rows(body.as_bytes())
            .map(|rows| rows.len())
            .expect_err(what)
            .to_string();
        assert!(error.contains(reason), "{what}: {error}");
    }

    // A first sync that meets such a page writes nothing of it: the page before stays, and
    // the sync resumes after it.
    let (_dir, r) = open();
    let first = prepare_snapshot_rows(good.as_bytes()).unwrap();
    let step = SnapshotStep::At {
        head: 7,
        next: crm_server::wire::SnapshotCursor {
            entity: Entity::Customers,
            after: id(1),
        },
    };
    r.apply_snapshot(first, &step).unwrap();
    let bad = group(&names, &format!("[{}]", nulls(fields - 1)));
    assert!(prepare_snapshot(bad.as_bytes(), SnapshotShape::Rows).is_err());
    let resume = r
        .snapshot_resume()
        .unwrap()
        .expect("the snapshot is under way");
    assert_eq!(resume.next.map(|n| n.after), Some(id(1)));
    assert_eq!(
        r.count(Entity::Customers, &LocalQuery::default(), None)
            .unwrap(),
        1
    );
}

#[test]
fn a_first_sync_keeps_the_newest_copy_of_a_record_it_meets_twice() {
    let (_dir, r) = open();
    let more = |changes| FeedPage {
        more: true,
        ..page(changes)
    };
    let v2 = customer(&id(1), 2, "新名字", "C000001", None, None);
    let v1 = customer(&id(1), 1, "旧名字", "C000001", None, None);
    r.apply_page(&more(vec![upsert(1, Entity::Customers, v1.clone())]))
        .unwrap();
    assert!(r.bulk_loading().unwrap());
    // Met again while the tables fill: a newer copy replaces it, an older one does not.
    r.apply_page(&more(vec![upsert(2, Entity::Customers, v2)]))
        .unwrap();
    r.apply_page(&page(vec![upsert(3, Entity::Customers, v1)]))
        .unwrap();
    assert!(!r.bulk_loading().unwrap());
    let got = r.get(Entity::Customers, &id(1)).unwrap().unwrap();
    assert_eq!(got.text("name"), Some("新名字"));
    assert_eq!(found(&r, "新名"), vec!["新名字"]);
    assert!(r.search_customers("旧名", 10).unwrap().is_empty());
}

#[test]
fn a_first_sync_leaves_the_list_indexes_to_the_build_after_it() {
    let (_dir, r) = open();
    let customers = vec![
        row(
            Entity::Customers,
            customer(&id(1), 1, "华为技术有限公司", "C000001", None, None),
        ),
        row(
            Entity::Customers,
            customer(&id(2), 1, "Acme Trading", "C000002", None, None),
        ),
    ];
    r.apply_snapshot(customers, &before(Entity::Contacts))
        .unwrap();
    assert!(r.bulk_loading().unwrap());
    // While the tables fill they have no list indexes; a search scans the rows.
    assert!(list_indexes(&r).is_empty(), "{:?}", list_indexes(&r));
    assert_eq!(found(&r, "技术有限"), vec!["华为技术有限公司"]);
    r.update(
        Entity::Customers,
        &id(2),
        obj(json!({"name": "Zenith Shipping"})),
    )
    .unwrap();
    assert_eq!(found(&r, "zenith"), vec!["Zenith Shipping"]);
    r.apply_snapshot(
        vec![row(
            Entity::Contacts,
            contact(&id(100), &id(1), "李娜", Some("13912345678")),
        )],
        &SnapshotStep::Done { head: 5 },
    )
    .unwrap();
    assert!(!r.bulk_loading().unwrap());
    // The sync is over with its rows in and no index built: lists read the tables meanwhile.
    assert!(!r.lists_ready().unwrap());
    assert!(!r.search_ready().unwrap());
    assert!(list_indexes(&r).is_empty(), "{:?}", list_indexes(&r));
    assert!(
        !r.has_order_summary().unwrap(),
        "the summaries' triggers are not there to fire per row"
    );
    let by_name = LocalQuery {
        sort: Some("name".into()),
        ..LocalQuery::default()
    };
    let before = names(&r.list(Entity::Customers, &by_name).unwrap());
    assert_eq!(before, vec!["华为技术有限公司", "Zenith Shipping"]);
    // The first step builds one list index, and the build goes on to the search indexes.
    assert!(!r.index_search_step(1).unwrap());
    assert_eq!(list_indexes(&r).len(), 1, "{:?}", list_indexes(&r));
    check_index(&r);
    assert_eq!(names(&r.list(Entity::Customers, &by_name).unwrap()), before);
    assert_eq!(found(&r, "shipping"), vec!["Zenith Shipping"]);
    assert!(r.search_customers("trading", 10).unwrap().is_empty());
    assert_eq!(found(&r, "12345678"), vec!["华为技术有限公司"]);
    assert_eq!(r.meta("search").unwrap(), None);
}

#[test]
fn a_first_sync_resumed_in_a_new_process_indexes_the_rows_written_before() {
    use crm_server::wire::SnapshotCursor;
    let (_dir, r) = open();
    let next = SnapshotCursor {
        entity: Entity::Customers,
        after: id(1),
    };
    r.apply_snapshot(
        vec![row(
            Entity::Customers,
            customer(
                &id(1),
                1,
                "华为技术有限公司",
                "C000001",
                Some("13912345678"),
                None,
            ),
        )],
        &SnapshotStep::At { head: 5, next },
    )
    .unwrap();
    // The process stops.
    let path = r.path().to_path_buf();
    drop(r);
    let r = Replica::open(&path).unwrap();
    assert!(
        r.snapshot_resume()
            .unwrap()
            .is_some_and(|s| s.next.is_some())
    );
    r.apply_snapshot(
        vec![
            row(
                Entity::Customers,
                customer(&id(2), 1, "成都信禄有限公司", "C000002", None, None),
            ),
            row(
                Entity::Contacts,
                contact(&id(100), &id(2), "李娜", Some("13800138000")),
            ),
        ],
        &SnapshotStep::Done { head: 5 },
    )
    .unwrap();
    check_index(&r);
    assert_eq!(found(&r, "技术有限"), vec!["华为技术有限公司"]);
    assert_eq!(called(&r, "139 1234 5678"), vec!["华为技术有限公司"]);
    assert_eq!(found(&r, "李娜"), vec!["成都信禄有限公司"]);
}

#[test]
fn the_search_index_is_built_after_a_first_sync_in_steps_beside_writes() {
    let (_dir, r) = open();
    let customers: Vec<PreparedRow> = (1..=5)
        .map(|n| {
            let phone = format!("139{n:08}");
            row(
                Entity::Customers,
                customer(
                    &id(n),
                    1,
                    &format!("客户 {n:03}"),
                    &format!("C{n:06}"),
                    Some(phone.as_str()),
                    None,
                ),
            )
        })
        .collect();
    r.apply_snapshot(customers, &before(Entity::Contacts))
        .unwrap();
    r.apply_snapshot(
        vec![row(
            Entity::Contacts,
            contact(&id(100), &id(1), "李娜", Some("13912345678")),
        )],
        &SnapshotStep::Done { head: 5 },
    )
    .unwrap();
    // The sync is over and its rows are in; the search index is not built yet, and a search
    // scans the rows meanwhile.
    assert!(!r.bulk_loading().unwrap());
    assert!(!r.search_ready().unwrap());
    let indexed: i64 =
        r.db.query_row(
            "SELECT count(*) FROM customer_fts WHERE customer_fts MATCH '客户 '",
            [],
            |row| row.get(0),
        )
        .unwrap();
    assert_eq!(indexed, 0, "nothing indexed during the sync");
    assert_eq!(found(&r, "客户 004"), vec!["客户 004"]);
    assert_eq!(called(&r, "139 0000 0002"), vec!["客户 002"]);
    // The list indexes come first, one a step, then the summaries (lists are ready by then).
    while r.meta("lists").unwrap().is_some() {
        assert!(!r.index_search_step(2).unwrap());
    }
    assert!(r.lists_ready().unwrap());
    assert_eq!(r.meta("search").unwrap().as_deref(), Some("customer_fts 0"));
    // Two rows a step: after one step rows 1 and 2 are in, 3 to 5 are ahead of the build.
    assert!(!r.index_search_step(2).unwrap());
    assert_eq!(r.meta("search").unwrap().as_deref(), Some("customer_fts 2"));
    // A write to a row the build has passed is indexed at once; one to a row ahead is left to
    // the build, which reads it as it then stands; so is a row made meanwhile.
    for (n, name) in [(1, "Zenith Shipping"), (4, "Apex Logistics")] {
        r.update(Entity::Customers, &id(n), obj(json!({"name": name})))
            .unwrap();
    }
    r.create(Entity::Customers, obj(json!({"name": "Nova Trading"})))
        .unwrap();
    assert!(!r.search_ready().unwrap());
    assert_eq!(found(&r, "shipping"), vec!["Zenith Shipping"]);
    check_index(&r);
    assert_eq!(r.meta("search").unwrap(), None);
    assert_eq!(found(&r, "shipping"), vec!["Zenith Shipping"]);
    assert_eq!(found(&r, "logistics"), vec!["Apex Logistics"]);
    assert_eq!(found(&r, "nova tra"), vec!["Nova Trading"]);
    assert!(
        found(&r, "客户 001").is_empty(),
        "the old name is out of the index"
    );
    assert!(
        found(&r, "客户 004").is_empty(),
        "the old name is out of the index"
    );
    assert_eq!(found(&r, "客户 005"), vec!["客户 005"]);
    assert_eq!(found(&r, "李娜"), vec!["Zenith Shipping"]);
    assert_eq!(called(&r, "139 0000 0002"), vec!["客户 002"]);
    // Once built, a step has nothing to do.
    assert!(r.index_search_step(2).unwrap());
}

#[test]
fn the_search_index_build_runs_on_a_thread_of_its_own_to_the_end() {
    let (_dir, r) = open();
    let customers: Vec<PreparedRow> = (1..=50)
        .map(|n| {
            row(
                Entity::Customers,
                customer(
                    &id(n),
                    1,
                    &format!("客户 {n:03}"),
                    &format!("C{n:06}"),
                    None,
                    None,
                ),
            )
        })
        .collect();
    r.apply_snapshot(customers, &before(Entity::Contacts))
        .unwrap();
    r.apply_snapshot(Vec::new(), &SnapshotStep::Done { head: 5 })
        .unwrap();
    assert!(!r.search_ready().unwrap());
    spawn_search_indexer(r.path().to_path_buf())
        .unwrap()
        .join()
        .unwrap()
        .unwrap();
    assert!(r.search_ready().unwrap());
    check_index(&r);
    assert_eq!(found(&r, "客户 037"), vec!["客户 037"]);
}

#[test]
fn a_record_written_by_another_process_during_a_first_sync_is_in_its_search_index() {
    let (_dir, r) = open();
    r.apply_snapshot(
        vec![row(
            Entity::Customers,
            customer(&id(1), 1, "华为技术有限公司", "C000001", None, None),
        )],
        &before(Entity::Contacts),
    )
    .unwrap();
    // Meanwhile a command in another process adds a customer (its own connection, no builder).
    let other = Replica::open(r.path()).unwrap();
    other
        .create(Entity::Customers, obj(json!({"name": "Zenith Shipping"})))
        .unwrap();
    drop(other);
    r.apply_snapshot(
        vec![row(
            Entity::Contacts,
            contact(&id(100), &id(1), "李娜", Some("13912345678")),
        )],
        &SnapshotStep::Done { head: 5 },
    )
    .unwrap();
    check_index(&r);
    assert_eq!(found(&r, "shipping"), vec!["Zenith Shipping"]);
    assert_eq!(found(&r, "技术有限"), vec!["华为技术有限公司"]);
    assert_eq!(r.meta("search").unwrap(), None);
}

#[test]
fn a_first_sync_stopped_before_its_search_index_was_copied_rebuilds_it_on_open() {
    let (dir, r) = open();
    let more = |changes| FeedPage {
        more: true,
        ..page(changes)
    };
    r.apply_page(&more(vec![upsert(
        1,
        Entity::Customers,
        customer(
            &id(1),
            1,
            "华为技术有限公司",
            "C000001",
            Some("13912345678"),
            None,
        ),
    )]))
    .unwrap();
    r.apply_page(&page(vec![upsert(
        2,
        Entity::Contacts,
        contact(&id(100), &id(1), "李娜", Some("13800138000")),
    )]))
    .unwrap();
    check_index(&r);
    // As an older build left a first sync stopped between its last page's commit and the copy
    // of its search indexes: the flag set, the index empty. The search scans meanwhile.
    r.db.execute_batch(
        "INSERT OR REPLACE INTO meta (key, value) VALUES ('search', 'copy');
         INSERT INTO customer_fts(customer_fts) VALUES ('delete-all');
         INSERT INTO contact_fts(contact_fts) VALUES ('delete-all');",
    )
    .unwrap();
    assert!(!r.search_ready().unwrap());
    assert_eq!(found(&r, "技术有限"), vec!["华为技术有限公司"]);
    let path = r.path().to_path_buf();
    drop(r);
    // Opened again, the index is built anew in steps.
    let r = Replica::open(&path).unwrap();
    assert_eq!(r.meta("search").unwrap().as_deref(), Some("customer_fts 0"));
    check_index(&r);
    assert_eq!(r.meta("search").unwrap(), None);
    assert_eq!(found(&r, "技术有限"), vec!["华为技术有限公司"]);
    assert_eq!(r.customer_by_phone("138 0013 8000").unwrap().len(), 1);
    drop(dir);
}

#[test]
fn a_snapshot_page_of_many_rows_goes_in_whole_and_the_same_page_again_changes_nothing() {
    let (_dir, r) = open();
    // More than one statement's worth of rows, and some left over.
    let count = 300;
    let customers = || -> Vec<PreparedRow> {
        (1..=count)
            .map(|n| {
                let phone = format!("139{n:08}");
                let record = customer(
                    &id(n),
                    2,
                    &format!("客户 {n:03}"),
                    &format!("C{n:06}"),
                    Some(phone.as_str()),
                    None,
                );
                row(Entity::Customers, record)
            })
            .collect()
    };
    let step = before(Entity::Contacts);
    r.apply_snapshot(customers(), &step).unwrap();
    // As after a stop before the position was kept: the same page comes again.
    r.apply_snapshot(customers(), &step).unwrap();
    r.apply_snapshot(
        vec![row(
            Entity::Contacts,
            contact(&id(1000), &id(150), "李娜", Some("13800138000")),
        )],
        &SnapshotStep::Done { head: 5 },
    )
    .unwrap();
    check_index(&r);
    let held: i64 =
        r.db.query_row("SELECT count(*) FROM customers", [], |row| row.get(0))
            .unwrap();
    assert_eq!(held, i64::from(count));
    for n in [1, 128, 129, 256, 300] {
        let got = r.get(Entity::Customers, &id(n)).unwrap().unwrap();
        assert_eq!(got.text("name"), Some(format!("客户 {n:03}").as_str()));
        assert_eq!(got.text("code"), Some(format!("C{n:06}").as_str()));
    }
    assert_eq!(found(&r, "客户 257"), vec!["客户 257"]);
    assert_eq!(called(&r, &format!("139 {:08}", 129)), vec!["客户 129"]);
    assert_eq!(found(&r, "李娜"), vec!["客户 150"]);
}

#[test]
fn a_list_index_build_stopped_part_way_goes_on_in_a_new_process() {
    let (_dir, r) = open();
    r.apply_snapshot(
        vec![row(
            Entity::Customers,
            customer(&id(1), 1, "华为技术有限公司", "C000001", None, None),
        )],
        &before(Entity::Contacts),
    )
    .unwrap();
    r.apply_snapshot(
        vec![row(
            Entity::Contacts,
            contact(&id(100), &id(1), "李娜", Some("13912345678")),
        )],
        &SnapshotStep::Done { head: 5 },
    )
    .unwrap();
    assert!(!r.index_search_step(STEP_ROWS).unwrap());
    assert!(!r.index_search_step(STEP_ROWS).unwrap());
    let mark = r.meta("lists").unwrap();
    // The process stops; the next one opens a replica that says its lists are not all indexed.
    let path = r.path().to_path_buf();
    drop(r);
    let r = Replica::open(&path).unwrap();
    assert!(!r.lists_ready().unwrap());
    assert!(mark.is_some());
    assert_eq!(r.meta("lists").unwrap(), mark);
    assert_eq!(list_indexes(&r).len(), 2, "{:?}", list_indexes(&r));
    // A build from the mark (as `crm index-search` runs it) ends with every index there.
    crate::replica::index_search(&path).unwrap();
    check_index(&r);
    assert_eq!(found(&r, "李娜"), vec!["华为技术有限公司"]);
}
