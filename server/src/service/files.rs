//! Files attached to records (`schema/files.rs`): a file's record is made only by an upload
//! (`api/files.rs` receives, hashes and type-checks the bytes, then `attach` stores the record
//! with what the bytes are), never by a plain create; afterwards its name and notes change like
//! any field, and the record it hangs off never does.

use serde_json::{Value, json};

use super::{TxLookup, catalog_for, denied, knowledge, problems_to_error};
use crate::access::{self, Actor};
use crate::error::ApiError;
use crate::rules::file_types::{FileKind, Limits};
use crate::schema::{Entity, FILE_RECORD};
use crate::store::{ListQuery, Record, Tx};
use crate::validate::{self, Mode};

/// What the server learnt from an upload's bytes.
#[derive(Debug, Clone)]
pub struct Received {
    pub sha256: String,
    pub size: u64,
    pub content_type: String,
}

/// The record a file would hang off: its entity, when it is a live record this user may see.
/// Checked before an upload is read, so nobody stores bytes against nothing.
pub fn target(
    tx: &dyn Tx,
    actor: &Actor,
    entity: &str,
    record_id: &str,
) -> Result<Entity, ApiError> {
    let of = Entity::from_name(entity)
        .filter(|e| crate::schema::ATTACHABLE.contains(&e.name()))
        .ok_or_else(|| {
            ApiError::invalid(
                "entity",
                format!("files attach to {}", crate::schema::ATTACHABLE.join(", ")),
            )
        })?;
    super::get(tx, actor, of, record_id)?;
    Ok(of)
}

/// Stores the record of an uploaded file: `fields` as a client sends them (`entity`,
/// `record_id`, `name`, `notes`), checked as a create, with what the bytes are.
pub fn attach(
    tx: &dyn Tx,
    actor: &Actor,
    fields: &Record,
    received: &Received,
) -> Result<Record, ApiError> {
    let catalog = catalog_for(tx, Entity::Files)?;
    let mut record = validate::check_in(Entity::Files, fields, Mode::Create, actor.role, &catalog)
        .map_err(problems_to_error)?;
    let entity = record.get("entity").and_then(Value::as_str).unwrap_or("");
    let record_id = record
        .get(FILE_RECORD)
        .and_then(Value::as_str)
        .unwrap_or("");
    target(tx, actor, entity, record_id)?;
    access::may_hold(actor, Entity::Files, &record, &TxLookup(tx))
        .map_err(|d| denied(Entity::Files, d))?;
    record.remove("id");
    record.insert("sha256".into(), json!(received.sha256));
    record.insert("size".into(), json!(received.size));
    record.insert("content_type".into(), json!(received.content_type));
    knowledge::insert_made(tx, actor, Entity::Files, record)
}

/// A plain create is refused (the bytes must come with it); a change keeps the record the file
/// hangs off.
pub(super) fn prepare(old: Option<&Record>, record: &Record) -> Result<(), ApiError> {
    let Some(old) = old else {
        return Err(ApiError::invalid(
            "sha256",
            "a file is attached by uploading its bytes: POST /api/v1/files/upload (crm files attach RECORD FILE)",
        ));
    };
    for field in ["entity", FILE_RECORD] {
        if old.get(field) != record.get(field) {
            return Err(ApiError::invalid(
                field,
                "a file stays on the record it was attached to; attach it again to another",
            ));
        }
    }
    Ok(())
}

/// The admin's file settings are one record for the server; each kind is one the type check
/// knows, kept in the lowercase the upload compares.
pub(super) fn prepare_settings(tx: &dyn Tx, record: &mut Record) -> Result<(), ApiError> {
    // Two admins saving a first record at once make one (SQLite's writer runs them in turn).
    tx.lock_rule("file_settings")?;
    let id = record.get("id").and_then(Value::as_str);
    let others = settings_records(tx)?
        .iter()
        .any(|r| r.get("id").and_then(Value::as_str) != id);
    if others {
        return Err(ApiError::Conflict {
            message: "the file settings are one record; change that one (crm file_settings list)"
                .into(),
            existing: None,
        });
    }
    let mut kinds: Vec<Value> = Vec::new();
    for name in record
        .get("types")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
    {
        let kind = FileKind::parse(name.as_str().unwrap_or_default())
            .map_err(|m| ApiError::invalid("types", m))?;
        if !kinds.iter().any(|k| k.as_str() == Some(kind.name())) {
            kinds.push(json!(kind.name()));
        }
    }
    record.insert("types".into(), Value::Array(kinds));
    Ok(())
}

fn settings_records(tx: &dyn Tx) -> Result<Vec<Record>, ApiError> {
    let query = ListQuery {
        sort: "created_at",
        limit: 16,
        ..ListQuery::default()
    };
    Ok(tx.list(Entity::FileSettings, &query, None)?)
}

/// The limits an upload is held to now: the admin's record over the server's flags
/// (`default`). Read at each upload, so a change holds from the next one.
pub fn limits(tx: &dyn Tx, default: Limits) -> Result<Limits, ApiError> {
    Ok(Limits::of_record(settings_records(tx)?.first(), default))
}
