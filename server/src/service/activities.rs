//! Activity rules: owner, times in order, call-only fields.

use serde_json::Value;

use super::text;
use crate::access::Actor;
use crate::error::ApiError;
use crate::store::Record;

/// Activity rules applied to the full new state of a record before it is checked and stored.
pub(super) fn prepare(
    actor: &Actor,
    old: Option<&Record>,
    record: &mut Record,
) -> Result<(), ApiError> {
    if record.get("owner_id").is_none_or(Value::is_null) && old.is_none() {
        record.insert("owner_id".into(), Value::String(actor.id.clone()));
    }
    if let (Some(start), Some(end)) = (text(record, "starts_at"), text(record, "ends_at"))
        && end < start
    {
        return Err(ApiError::invalid("ends_at", "must not be before starts_at"));
    }
    if text(record, "kind") != Some("call") {
        for field in [
            "direction",
            "duration_seconds",
            "wrap_up_seconds",
            "outcome",
        ] {
            if record.get(field).is_some_and(|v| !v.is_null()) {
                return Err(ApiError::invalid(field, "applies to calls only"));
            }
        }
    }
    Ok(())
}
