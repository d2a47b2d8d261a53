//! How a record's field values sit in SQLite columns, and back: shared by the server's store and
//! the client's replica, which keep records the same way.

use rusqlite::types::Value as SqlValue;
use serde_json::Value;

use crate::schema::Kind;

/// A field's value as its column stores it: booleans as 0 and 1, lists and objects as JSON
/// text.
pub fn to_sql(value: &Value) -> SqlValue {
    match value {
        Value::Null => SqlValue::Null,
        Value::Bool(b) => SqlValue::Integer(i64::from(*b)),
        Value::Number(n) => n.as_i64().map_or_else(
            || SqlValue::Real(n.as_f64().unwrap_or(0.0)),
            SqlValue::Integer,
        ),
        Value::String(s) => SqlValue::Text(s.clone()),
        Value::Array(_) | Value::Object(_) => SqlValue::Text(value.to_string()),
    }
}

/// A column's value as the field of a record, by the field's kind.
pub fn from_sql(kind: Kind, value: SqlValue) -> Value {
    match (kind, value) {
        (_, SqlValue::Null) => Value::Null,
        (Kind::Bool, SqlValue::Integer(i)) => Value::Bool(i != 0),
        (Kind::Tags | Kind::Refs(_) | Kind::Map, SqlValue::Text(s)) => {
            serde_json::from_str(&s).unwrap_or(Value::Null)
        }
        (_, SqlValue::Integer(i)) => Value::from(i),
        (_, SqlValue::Real(f)) => Value::from(f),
        (_, SqlValue::Text(s)) => Value::String(s),
        (_, SqlValue::Blob(_)) => Value::Null,
    }
}

/// The SQL expression of one column's value in a record's JSON (for `json_object`), as
/// `from_sql` reads it. `column` may be qualified (`c.name`).
pub fn json_value(column: &str, kind: Kind) -> String {
    match kind {
        Kind::Bool => format!(
            "json(CASE WHEN {column} IS NULL THEN NULL WHEN {column} THEN 'true' ELSE 'false' END)"
        ),
        // Stored as JSON text; unreadable text reads as null, as in `from_sql`.
        Kind::Tags | Kind::Refs(_) | Kind::Map => {
            format!("json(CASE WHEN json_valid({column}) THEN {column} END)")
        }
        _ => column.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn values_come_back_as_they_went_in() {
        let conn = rusqlite::Connection::open_in_memory().unwrap();
        let cases = [
            (Kind::Bool, json!(true)),
            (Kind::Bool, json!(false)),
            (Kind::Tags, json!(["vip", "渠道"])),
            (Kind::Map, json!({"k": 1})),
            (Kind::Money, json!(12345)),
            (Kind::Text(10), json!("华为")),
            (Kind::Text(10), Value::Null),
        ];
        for (kind, value) in cases {
            let stored = to_sql(&value);
            let back = from_sql(kind, stored.clone());
            assert_eq!(back, value, "{kind:?}");
            // And as SQLite writes it into a record's JSON.
            let sql = format!("SELECT json_object('v', {})", json_value("?1", kind));
            let text: String = conn.query_row(&sql, [&stored], |r| r.get(0)).unwrap();
            let parsed: Value = serde_json::from_str(&text).unwrap();
            assert_eq!(parsed["v"], value, "{kind:?} in JSON");
        }
    }
}
