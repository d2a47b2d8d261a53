//! The PostgreSQL migrations against the descriptors, as `store::sqlite`'s unit tests check the
//! SQLite ones: every field a column, NOT NULL where the descriptor says, nothing extra. Runs
//! when `CRM_TEST_PG` names a PostgreSQL server; says so on standard error when it does not.

mod common;

use std::io::Write;

use common::{Schema, TestServer, postgres_url};
use crm_server::schema::{Entity, SYSTEM_FIELDS};
use crm_server::store::postgres::MIGRATIONS;

#[test]
fn migrated_tables_hold_every_descriptor_column() {
    if postgres_url().is_none() {
        let _ = writeln!(
            std::io::stderr(),
            "note: CRM_TEST_PG is not set: the PostgreSQL schema check is skipped"
        );
        return;
    }
    let server = TestServer::start();
    for entity in Entity::ALL {
        let rows = server.query_text(&format!(
            "SELECT column_name, is_nullable FROM information_schema.columns WHERE table_schema = current_schema() AND table_name = '{}'",
            entity.name()
        ));
        let columns: Vec<(String, bool)> = rows
            .into_iter()
            .map(|r| {
                (
                    r[0].clone().unwrap_or_default(),
                    r[1].as_deref() == Some("NO"),
                )
            })
            .collect();
        assert!(!columns.is_empty(), "no table {}", entity.name());
        let hidden: &[&str] = match entity {
            Entity::Users => &["password_hash"],
            _ => crm_server::store::hidden_columns(entity),
        };
        let expected: Vec<&str> = SYSTEM_FIELDS
            .iter()
            .copied()
            .chain(["deleted"])
            .chain(entity.fields().iter().map(|f| f.name))
            .chain(hidden.iter().copied())
            .collect();
        for name in &expected {
            assert!(
                columns.iter().any(|(c, _)| c == name),
                "{}.{name} is in the descriptor but not the PostgreSQL schema",
                entity.name()
            );
        }
        for field in entity.fields() {
            let (_, not_null) = columns.iter().find(|(c, _)| c == field.name).unwrap();
            assert_eq!(
                *not_null,
                field.not_null(),
                "{}.{} NOT NULL differs",
                entity.name(),
                field.name
            );
        }
        for (column, _) in &columns {
            assert!(
                expected.contains(&column.as_str()),
                "{}.{column} is in the PostgreSQL schema but not the descriptor",
                entity.name()
            );
        }
    }
}

/// A database made before the pinyin sort key (migration 4), customers in it: migrating gives
/// each its key, as SQLite's migration does, so lists by name keep them in pinyin order.
#[test]
fn customers_stored_before_the_sort_key_get_theirs() {
    let Some(url) = postgres_url() else {
        let _ = writeln!(
            std::io::stderr(),
            "note: CRM_TEST_PG is not set: the PostgreSQL sort-key migration check is skipped"
        );
        return;
    };
    let schema = Schema::create(&url);
    let mut before = String::from(
        "CREATE TABLE schema_migrations (version BIGINT PRIMARY KEY, name TEXT NOT NULL, applied_at TEXT NOT NULL);",
    );
    let (earlier, _) = MIGRATIONS.split_at(
        MIGRATIONS
            .iter()
            .position(|m| m.1 == "0004_customer_sort_key")
            .expect("the sort-key migration"),
    );
    for (version, name, text) in earlier {
        before.push_str(text);
        before.push_str(&format!(
            "\nINSERT INTO schema_migrations VALUES ({version}, '{name}', '');"
        ));
    }
    before.push_str(
        "INSERT INTO customers (id, version, created_at, updated_at, code, name) VALUES
         ('a', 1, '', '', 'C000001', '长城'), ('b', 1, '', '', 'C000002', 'Baidu'),
         ('c', 1, '', '', 'C000003', '阿里巴巴'), ('d', 1, '', '', 'C000004', 'zeta');",
    );
    schema.sql(&before);
    drop(crm_server::open_postgres(&schema.database_url()).expect("migrate"));
    let rows = schema.sql("SELECT name, sort_name FROM customers ORDER BY code");
    for row in &rows {
        let name = row[0].as_deref().unwrap();
        assert_eq!(
            row[1].as_deref(),
            Some(crm_server::pinyin::sort_key(name).as_str()),
            "{name}"
        );
    }
    let order: Vec<String> = schema
        .sql("SELECT name FROM customers ORDER BY sort_name, id")
        .into_iter()
        .map(|r| r[0].clone().unwrap())
        .collect();
    assert_eq!(order, ["阿里巴巴", "Baidu", "长城", "zeta"]);
}

/// A database made before the admin's lists and custom fields (migration 10), customers with
/// an `extra` map in it: migrating makes the map `custom`, its keys text or number fields, and
/// lists holding the codes in use, every new record in the feed.
#[test]
fn customers_extra_map_becomes_custom_fields() {
    let Some(url) = postgres_url() else {
        let _ = writeln!(
            std::io::stderr(),
            "note: CRM_TEST_PG is not set: the PostgreSQL custom-fields migration check is skipped"
        );
        return;
    };
    let schema = Schema::create(&url);
    let mut before = String::from(
        "CREATE TABLE schema_migrations (version BIGINT PRIMARY KEY, name TEXT NOT NULL, applied_at TEXT NOT NULL);",
    );
    let (earlier, _) = MIGRATIONS.split_at(
        MIGRATIONS
            .iter()
            .position(|m| m.1 == "0009_lists_custom_fields")
            .expect("the lists migration"),
    );
    for (version, name, text) in earlier {
        before.push_str(text);
        before.push_str(&format!(
            "\nINSERT INTO schema_migrations VALUES ({version}, '{name}', '');"
        ));
    }
    before.push_str(
        r#"INSERT INTO customers (id, version, created_at, updated_at, code, name, sort_name, level, industry, extra) VALUES
         ('a', 1, '', '', 'C000001', 'A', 'a', 'A', '奇石加工', '{"年营业额": "1亿", "员工人数": 12, "vip": true}'),
         ('b', 1, '', '', 'C000002', 'B', 'b', 'B', '软件', '{"员工人数": 15.5, "vip": "yes"}');"#,
    );
    schema.sql(&before);
    drop(crm_server::open_postgres(&schema.database_url()).expect("migrate"));
    let text = |sql: &str| -> Vec<Vec<String>> {
        schema
            .sql(sql)
            .into_iter()
            .map(|r| r.into_iter().map(Option::unwrap_or_default).collect())
            .collect()
    };
    assert_eq!(
        text("SELECT key, kind FROM field_definitions ORDER BY key"),
        [
            ["vip", "text"],
            ["员工人数", "number"],
            ["年营业额", "text"]
        ]
    );
    let custom: Vec<serde_json::Value> = text("SELECT custom FROM customers ORDER BY code")
        .into_iter()
        .map(|r| serde_json::from_str(&r[0]).unwrap())
        .collect();
    assert_eq!(
        custom,
        [
            serde_json::json!({"vip": "true", "员工人数": 12, "年营业额": "1亿"}),
            serde_json::json!({"vip": "yes", "员工人数": 15.5}),
        ]
    );
    assert_eq!(
        text("SELECT code FROM list_items WHERE list = 'levels' ORDER BY position"),
        [["A"], ["B"], ["C"], ["D"]]
    );
    assert_eq!(
        text("SELECT count(*) FROM list_items WHERE list = 'industries' AND code = '奇石加工'"),
        [["1"]]
    );
    assert_eq!(
        text("SELECT count(*) FROM list_items"),
        text("SELECT count(*) FROM changes WHERE entity = 'list_items'")
    );
    assert_eq!(
        text("SELECT count(*) FROM acl WHERE entity = 'field_definitions' AND principal = 'all'"),
        [["3"]]
    );
}
