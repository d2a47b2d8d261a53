//! The PostgreSQL migrations against the descriptors, as `store::sqlite`'s unit tests check the
//! SQLite ones: every field a column, NOT NULL where the descriptor says, nothing extra. Runs
//! when `CRM_TEST_PG` names a PostgreSQL server; says so on standard error when it does not.

mod common;

use std::io::Write;

use common::{TestServer, postgres_url};
use crm_server::schema::{Entity, SYSTEM_FIELDS};

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
            Entity::Customers => &["name_key", "phone_key", "email_key", "sort_name"],
            Entity::Users => &["password_hash"],
            _ => &[],
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
