//! How records are shown: table rows, custom values, the export's columns, `print`.

use super::*;

/// Rows for a table: ids shown as names, money as amounts, pending edits marked.
/// Whether a column holds a time (shown in the user's zone in tables).
fn is_time(entity: Entity, col: &str) -> bool {
    matches!(col, "created_at" | "updated_at")
        || entity
            .field(col)
            .is_some_and(|f| f.kind == crm_server::schema::Kind::Time)
}

pub(in crate::cli) fn display_rows(
    names: &Names<'_>,
    entity: Entity,
    records: &[Record],
    zone: Zone,
) -> (Vec<String>, Vec<Map<String, Value>>) {
    let cols = entity.descriptor().columns;
    let catalog = names.0.catalog().unwrap_or_default();
    let lang = crate::config::lang_of(None);
    // The custom fields an admin shows as list columns, after the built-in ones.
    let custom: Vec<&CustomField> = catalog
        .custom_fields(entity)
        .filter(|c| c.in_list)
        .collect();
    let mut cache = HashMap::new();
    let rows = records
        .iter()
        .map(|r| {
            let mut row = Map::new();
            for col in cols {
                let value = match (entity.field(col).map(|f| f.kind), r.get(col)) {
                    (Some(crm_server::schema::Kind::Ref(target)), Some(Value::String(id))) => {
                        Value::String(names.label(&mut cache, target, id))
                    }
                    (Some(crm_server::schema::Kind::Money), Some(Value::Number(n))) => {
                        Value::String(fields::format_money(n.as_i64().unwrap_or(0)))
                    }
                    (_, Some(v)) if is_time(entity, col) => {
                        output::local_time(v, zone).unwrap_or_else(|| v.clone())
                    }
                    (_, v) => v.cloned().unwrap_or(Value::Null),
                };
                row.insert(col.trim_end_matches("_id").to_string(), value);
            }
            for c in &custom {
                let value = custom_value(names, &mut cache, c, &r.fields);
                row.insert(c.label(lang).to_string(), value);
            }
            let state = if r.conflicted {
                "conflict"
            } else if r.pending {
                "pending"
            } else {
                ""
            };
            row.insert("sync".into(), Value::String(state.into()));
            row
        })
        .collect();
    let mut headers: Vec<String> = cols
        .iter()
        .map(|c| c.trim_end_matches("_id").to_string())
        .collect();
    headers.extend(custom.iter().map(|c| c.label(lang).to_string()));
    headers.push("sync".into());
    (headers, rows)
}

/// A custom field's value as a table shows it: money as an amount, a user or record by name,
/// several choices joined.
fn custom_value(
    names: &Names<'_>,
    cache: &mut HashMap<(Entity, String), String>,
    field: &CustomField,
    record: &Map<String, Value>,
) -> Value {
    let value = record
        .get(CUSTOM_FIELD)
        .and_then(|m| m.get(field.key.as_str()))
        .cloned()
        .unwrap_or(Value::Null);
    match (field.kind, value) {
        (CustomKind::Money, Value::Number(n)) => {
            Value::String(fields::format_money(n.as_i64().unwrap_or(0)))
        }
        (kind, Value::String(id)) if kind.target().is_some() => {
            Value::String(names.label(cache, kind.target().unwrap_or(Entity::Users), &id))
        }
        (_, Value::Array(items)) => Value::String(
            items
                .iter()
                .filter_map(Value::as_str)
                .collect::<Vec<_>>()
                .join(", "),
        ),
        (_, v) => v,
    }
}

/// Every field of a record, for JSON and CSV.
pub(in crate::cli) fn full(record: &Record) -> Map<String, Value> {
    let mut out = record.fields.clone();
    out.insert("id".into(), Value::String(record.id.clone()));
    out.insert("pending".into(), Value::Bool(record.pending));
    out.insert("conflicted".into(), Value::Bool(record.conflicted));
    out
}

pub(in crate::cli) fn all_columns(entity: Entity) -> Vec<&'static str> {
    let mut cols = vec!["id", "version", "created_at", "updated_at", "updated_by"];
    cols.extend(entity.fields().iter().map(|f| f.name));
    cols
}

/// The columns of an export: every field, a custom field each as `custom.<key>`.
pub(in crate::cli) fn export_columns(entity: Entity, catalog: &Catalog) -> Vec<String> {
    let mut cols: Vec<String> = all_columns(entity)
        .into_iter()
        .filter(|c| *c != CUSTOM_FIELD)
        .map(String::from)
        .collect();
    cols.extend(catalog.custom_fields(entity).map(CustomField::path));
    cols
}

/// A record for an export: `full`, its custom values each under `custom.<key>`.
pub(in crate::cli) fn flat(record: &Record) -> Map<String, Value> {
    let mut out = full(record);
    if let Some(Value::Object(custom)) = out.remove(CUSTOM_FIELD) {
        for (k, v) in custom {
            let v = match v {
                Value::Array(items) => Value::String(
                    items
                        .iter()
                        .filter_map(Value::as_str)
                        .collect::<Vec<_>>()
                        .join(", "),
                ),
                v => v,
            };
            out.insert(format!("{CUSTOM_FIELD}.{k}"), v);
        }
    }
    out
}

pub fn print(
    names: &Names<'_>,
    entity: Entity,
    records: &[Record],
    format: Format,
    zone: Zone,
) -> Result<(), CliError> {
    let text = match format {
        Format::Json => {
            let items: Vec<Value> = records.iter().map(|r| Value::Object(full(r))).collect();
            output::json(&items, true).map_err(|e| CliError::Other(e.to_string()))? + "\n"
        }
        Format::Csv => {
            let cols = export_columns(entity, &names.0.catalog()?);
            let cols: Vec<&str> = cols.iter().map(String::as_str).collect();
            output::csv(&cols, &records.iter().map(flat).collect::<Vec<_>>())
        }
        Format::Table => {
            let (headers, rows) = display_rows(names, entity, records, zone);
            let headers: Vec<&str> = headers.iter().map(String::as_str).collect();
            output::table(&headers, &rows, 32)
        }
    };
    crate::cli::write_stdout(&text)
}

pub(super) fn print_one(
    names: &Names<'_>,
    record: &Record,
    format: Format,
    zone: Zone,
) -> Result<(), CliError> {
    match format {
        Format::Table => {
            let mut rows = Vec::new();
            let mut cache = HashMap::new();
            for col in all_columns(record.entity) {
                let value = match (record.entity.field(col).map(|f| f.kind), record.get(col)) {
                    // Who last changed it, by name; nothing for a record written before the
                    // server kept it or by someone this copy does not know.
                    (_, found) if col == "updated_by" => {
                        let user = match found.and_then(Value::as_str) {
                            Some(id) => names.0.get(Entity::Users, id)?,
                            None => None,
                        };
                        match crate::replica::user_name(user.as_ref().map(|u| &u.fields)) {
                            Some(name) => Value::String(name),
                            None => continue,
                        }
                    }
                    (Some(crm_server::schema::Kind::Ref(target)), Some(Value::String(id))) => {
                        Value::String(names.label(&mut cache, target, id))
                    }
                    (Some(crm_server::schema::Kind::Money), Some(Value::Number(n))) => {
                        Value::String(fields::format_money(n.as_i64().unwrap_or(0)))
                    }
                    (_, Some(v)) if is_time(record.entity, col) => {
                        output::local_time(v, zone).unwrap_or_else(|| v.clone())
                    }
                    (_, Some(v)) => v.clone(),
                    (_, None) if col == "id" => Value::String(record.id.clone()),
                    (_, None) => continue,
                };
                let mut row = Map::new();
                row.insert("field".into(), Value::String(col.into()));
                row.insert("value".into(), value);
                rows.push(row);
            }
            crate::cli::write_stdout(&output::table(&["field", "value"], &rows, 80))
        }
        other => print(
            names,
            record.entity,
            std::slice::from_ref(record),
            other,
            zone,
        ),
    }
}
