//! Pure: the record a screen shows is the server's copy with the unsent local edits laid on in
//! order. Keeping this a function of (server copy, outbox entries) means the view can always be
//! recomputed — after a pull, an acknowledgement, a resolution or a rebuilt replica.

use crm_server::schema::Entity;
use crm_server::validate::default_value;
use serde_json::{Map, Value, json};

use super::outbox::{Op, OutboxEntry};

/// The local view of one record, or None when it is deleted locally or not known at all.
pub fn local_view(
    entity: Entity,
    server: Option<&Map<String, Value>>,
    entries: &[OutboxEntry],
) -> Option<Map<String, Value>> {
    let mut view = server.cloned();
    for entry in entries {
        match entry.op {
            Op::Create => {
                let record = view.get_or_insert_with(|| new_record(entity, entry));
                lay_on(entity, record, &entry.fields);
            }
            Op::Update => {
                if let Some(record) = view.as_mut() {
                    lay_on(entity, record, &entry.fields);
                }
            }
            Op::Delete => view = None,
            // The record as it was deleted, until the server sends it back.
            Op::Restore => view = Some(entry.base.clone()),
        }
    }
    view
}

/// Copies the entity's fields only: write-only values (a user's password) never reach the view.
fn lay_on(entity: Entity, record: &mut Map<String, Value>, fields: &Map<String, Value>) {
    for (name, value) in fields {
        if entity.field(name).is_some() {
            record.insert(name.clone(), value.clone());
        }
    }
}

/// A record created here, before the server has seen it: every field at its default, the system
/// fields the server would set, version 0.
fn new_record(entity: Entity, entry: &OutboxEntry) -> Map<String, Value> {
    let mut record = Map::new();
    record.insert("id".into(), Value::String(entry.record_id.clone()));
    record.insert("version".into(), json!(0));
    record.insert("created_at".into(), Value::String(entry.created_at.clone()));
    record.insert("updated_at".into(), Value::String(entry.created_at.clone()));
    let by = entry.user_id.clone().map_or(Value::Null, Value::String);
    record.insert("created_by".into(), by.clone());
    record.insert("updated_by".into(), by);
    for field in entity.fields() {
        record.insert(field.name.into(), default_value(field));
    }
    record
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::replica::outbox::EntryState;

    fn entry(op: Op, fields: Value) -> OutboxEntry {
        OutboxEntry {
            seq: 1,
            entity: Entity::Customers,
            record_id: "r1".into(),
            op,
            fields: fields.as_object().cloned().unwrap_or_default(),
            base: Map::new(),
            base_version: 0,
            idempotency_key: "k".into(),
            state: EntryState::Pending,
            attempts: 0,
            next_attempt_at: 0,
            last_error: None,
            error_code: None,
            allow_duplicate: false,
            created_at: "2026-01-01T00:00:00.000Z".into(),
            user_id: Some("u1".into()),
        }
    }

    #[test]
    fn edits_lay_on_in_order() {
        let server = json!({"id": "r1", "version": 3, "name": "A", "phone": "1"});
        let server = server.as_object().unwrap();
        let entries = [
            entry(Op::Update, json!({"name": "B"})),
            entry(Op::Update, json!({"name": "C", "phone": "2"})),
        ];
        let view = local_view(Entity::Customers, Some(server), &entries).unwrap();
        assert_eq!(
            (
                view["name"].clone(),
                view["phone"].clone(),
                view["version"].clone()
            ),
            (json!("C"), json!("2"), json!(3))
        );
        assert!(
            local_view(
                Entity::Customers,
                Some(server),
                &[entry(Op::Delete, json!({}))]
            )
            .is_none()
        );
    }

    #[test]
    fn a_local_create_has_defaults_and_version_zero() {
        let view = local_view(
            Entity::Customers,
            None,
            &[entry(Op::Create, json!({"name": "新客户"}))],
        )
        .unwrap();
        assert_eq!(view["name"], json!("新客户"));
        assert_eq!(view["lifecycle"], json!("potential"));
        assert_eq!(view["version"], json!(0));
        assert_eq!(view["created_by"], json!("u1"));
        // An update to a record the replica does not hold yet has nothing to lay on.
        assert!(
            local_view(
                Entity::Customers,
                None,
                &[entry(Op::Update, json!({"name": "x"}))]
            )
            .is_none()
        );
    }
}
