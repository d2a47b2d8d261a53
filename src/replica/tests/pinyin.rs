//! Chinese names found by their pinyin and initials, and lists sorted in pinyin order, whether
//! the rows came one by one (feed pages, local writes) or in bulk (a first sync).

use super::*;

/// Customers named `names`, ids from 1 on, through a feed page.
fn with_customers(names: &[&str]) -> (tempfile::TempDir, Replica) {
    let (dir, r) = open();
    let changes = names
        .iter()
        .zip(1..)
        .map(|(name, n)| {
            let code = format!("C{n:06}");
            upsert(
                i64::from(n),
                Entity::Customers,
                customer(&id(n), 1, name, &code, None, None),
            )
        })
        .collect();
    r.apply_page(&page(changes)).unwrap();
    (dir, r)
}

fn sorted(found: Vec<String>) -> Vec<String> {
    let mut found = found;
    found.sort();
    found
}

/// The names of the customers listed by name, ascending or descending.
fn by_name(r: &Replica, entity: Entity, descending: bool) -> Vec<String> {
    let q = LocalQuery {
        sort: Some("name".into()),
        descending,
        limit: 1000,
        ..LocalQuery::default()
    };
    names(&r.list(entity, &q).unwrap())
}

const UNRELATED: [&str; 4] = ["北京东方电子", "华为技术", "Acme Trading", "深圳贸易集团"];

#[test]
fn a_chinese_name_is_found_by_its_pinyin_its_initials_and_its_syllables() {
    let mut all = vec!["上海东华供应链"];
    all.extend(UNRELATED);
    let (_dir, r) = with_customers(&all);
    for query in [
        "dh",
        "donghua",
        "dong hua",
        "DongHua",
        "shdh",
        "gongyinglian",
    ] {
        assert_eq!(found(&r, query), ["上海东华供应链"], "{query}");
    }
    // Each unrelated name by its own pinyin, so the forms are there for every name.
    assert_eq!(found(&r, "dongfang"), ["北京东方电子"]);
    assert_eq!(found(&r, "hwjs"), ["华为技术"]);
    assert_eq!(found(&r, "szmy"), ["深圳贸易集团"]);
    assert_eq!(
        sorted(found(&r, "dong")),
        ["上海东华供应链", "北京东方电子"],
        "a syllable anywhere in the name"
    );
    assert!(found(&r, "donghuax").is_empty());
    // The name itself is still found as before.
    assert_eq!(found(&r, "东华"), ["上海东华供应链"]);
    // And the CLI's path finds the same, in the same order.
    let q = LocalQuery {
        search: Some("dh".into()),
        ..LocalQuery::default()
    };
    assert_eq!(names(&r.find_customers(&q).unwrap()), ["上海东华供应链"]);
    assert_eq!(r.count_customers(&q).unwrap(), 1);
    check_index(&r);
}

#[test]
fn a_contact_is_found_by_the_pinyin_of_their_name() {
    let (_dir, r) = with_customers(&["Acme Trading", "北京东方电子"]);
    r.apply_page(&page(vec![upsert(
        9,
        Entity::Contacts,
        contact(&id(100), &id(1), "王芳", None),
    )]))
    .unwrap();
    assert_eq!(found(&r, "wangfang"), ["Acme Trading"]);
    assert_eq!(found(&r, "wang fang"), ["Acme Trading"]);
    // A rename reaches the index: the old pinyin finds nothing.
    r.update(Entity::Contacts, &id(100), obj(json!({"name": "李娜"})))
        .unwrap();
    assert!(found(&r, "wangfang").is_empty());
    assert_eq!(found(&r, "lina"), ["Acme Trading"]);
    check_index(&r);
}

/// Chinese and Latin names in the order a Chinese reader expects; the order of code points
/// would put every Chinese name after every Latin one (and 长 before 东 before 阿).
const PINYIN_ORDER: [&str; 7] = [
    "阿里巴巴",
    "Apple",
    "Baidu",
    "长城",
    "东华",
    "Shanghai Trading",
    "zeta",
];

#[test]
fn names_sort_in_pinyin_order_with_latin_names_among_them() {
    let shuffled = [
        "zeta",
        "东华",
        "Shanghai Trading",
        "Baidu",
        "长城",
        "阿里巴巴",
        "Apple",
    ];
    let (_dir, r) = with_customers(&shuffled);
    assert_eq!(by_name(&r, Entity::Customers, false), PINYIN_ORDER);
    let mut reversed = PINYIN_ORDER.map(String::from).to_vec();
    reversed.reverse();
    assert_eq!(by_name(&r, Entity::Customers, true), reversed);
    // With no sort asked for, customers are listed by name: the same order, paged.
    let page2 = LocalQuery {
        limit: 3,
        offset: 3,
        ..LocalQuery::default()
    };
    assert_eq!(
        names(&r.find_customers(&page2).unwrap()),
        PINYIN_ORDER[3..6]
    );
    // A rename moves the record to its new place: zeta, renamed 安徽 (an hui), comes second.
    r.update(Entity::Customers, &id(1), obj(json!({"name": "安徽"})))
        .unwrap();
    assert_eq!(
        by_name(&r, Entity::Customers, false)[..3],
        ["阿里巴巴", "安徽", "Apple"]
    );
    // The list uses the key's index, not a sort of every row.
    let plan: String =
        r.db.query_row(
            "EXPLAIN QUERY PLAN SELECT id FROM customers c ORDER BY c.sort_name, c.rowid LIMIT 5",
            [],
            |row| row.get(3),
        )
        .unwrap();
    assert!(
        plan.contains("USING INDEX") && !plan.contains("TEMP B-TREE"),
        "{plan}"
    );
}

#[test]
fn a_first_sync_writes_sort_keys_and_pinyin_in_bulk() {
    let (_dir, r) = open();
    // More rows than one statement inserts, so the rows go in by the bulk path.
    let mut records: Vec<PreparedRow> = (1..=200)
        .map(|n| {
            let record = customer(
                &id(n),
                1,
                &format!("客户 {n:03}"),
                &format!("C{n:06}"),
                None,
                None,
            );
            row(Entity::Customers, record)
        })
        .collect();
    for (name, n) in PINYIN_ORDER.iter().zip(201..) {
        records.push(row(
            Entity::Customers,
            customer(&id(n), 1, name, &format!("C{n:06}"), None, None),
        ));
    }
    r.apply_snapshot(records, &before(Entity::Contacts))
        .unwrap();
    r.apply_snapshot(
        vec![row(
            Entity::Contacts,
            contact(&id(1000), &id(205), "王芳", None),
        )],
        &SnapshotStep::Done { head: 5 },
    )
    .unwrap();
    check_index(&r);
    assert_eq!(found(&r, "donghua"), ["东华"]);
    assert_eq!(found(&r, "changcheng"), ["长城"]);
    assert_eq!(found(&r, "wangfang"), ["东华"]);
    assert_eq!(found(&r, "kehu 123"), ["客户 123"]);
    let q = LocalQuery {
        filters: vec![("code".into(), Value::Null)],
        ..LocalQuery::default()
    };
    assert!(r.list(Entity::Customers, &q).unwrap().is_empty());
    let all = by_name(&r, Entity::Customers, false);
    let ours: Vec<&String> = all.iter().filter(|n| !n.starts_with("客户")).collect();
    assert_eq!(ours, PINYIN_ORDER.iter().collect::<Vec<_>>());
    // 客户 (ke hu) between 东华 (dong hua) and Shanghai.
    let at = |name: &str| all.iter().position(|n| n == name).unwrap();
    assert!(at("东华") < at("客户 001") && at("客户 200") < at("Shanghai Trading"));
}
