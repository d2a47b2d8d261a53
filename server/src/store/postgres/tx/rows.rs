//! How records meet PostgreSQL's rows: each field's column type, the SQL made once per entity,
//! a row read back into a record and a record bound as parameters, read sets as padded text.

use super::*;

/// A bound parameter: each column's value as its PostgreSQL type takes it.
pub(super) type Param = Box<dyn ToSql + Sync + Send>;

/// How a column is stored: the SQLite schema's affinities, made strict.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Column {
    Text,
    /// JSON text (tags, lists of ids, extension maps), read back as JSON.
    Json,
    Int,
    Bool,
}

pub(super) fn column_of(kind: Kind) -> Column {
    match kind {
        Kind::Bool => Column::Bool,
        Kind::Int(..) | Kind::Money => Column::Int,
        Kind::Tags | Kind::Refs(_) | Kind::Map => Column::Json,
        Kind::Text(_) | Kind::Enum(_) | Kind::List(_) | Kind::Ref(_) | Kind::Date | Kind::Time => {
            Column::Text
        }
    }
}

/// The column of a field or system field of `entity` (filters and sorts name either).
pub(super) fn column_named(entity: Entity, name: &str) -> Column {
    match (name, entity.field(name)) {
        (_, Some(field)) => column_of(field.kind),
        ("version", None) => Column::Int,
        ("deleted", None) => Column::Bool,
        _ => Column::Text,
    }
}

/// A record's value as its column takes it. Validation has already checked the value's shape,
/// so a mismatch here is a bug, told rather than stored as something else.
pub(super) fn param(column: Column, value: Option<&Value>) -> Result<Param, StorageError> {
    let value = value.unwrap_or(&Value::Null);
    let mismatch = || StorageError::Other(format!("{value} does not fit a {column:?} column"));
    Ok(match (column, value) {
        (Column::Bool, Value::Null) => Box::new(None::<bool>),
        (Column::Bool, Value::Bool(b)) => Box::new(Some(*b)),
        (Column::Bool, Value::Number(n)) => Box::new(Some(n.as_i64().ok_or_else(mismatch)? != 0)),
        (Column::Int, Value::Null) => Box::new(None::<i64>),
        (Column::Int, Value::Number(n)) => Box::new(Some(n.as_i64().ok_or_else(mismatch)?)),
        (Column::Int, Value::Bool(b)) => Box::new(Some(i64::from(*b))),
        (Column::Text | Column::Json, Value::Null) => Box::new(None::<String>),
        (Column::Text | Column::Json, Value::String(s)) => Box::new(Some(s.clone())),
        (Column::Text | Column::Json, other) => Box::new(Some(other.to_string())),
        _ => return Err(mismatch()),
    })
}

/// A column of a row as a record's field, as `columns::from_sql` reads SQLite's.
pub(super) fn read_value(row: &Row, i: usize, column: Column) -> Result<Value, StorageError> {
    Ok(match column {
        Column::Bool => row
            .try_get::<_, Option<bool>>(i)?
            .map_or(Value::Null, Value::Bool),
        Column::Int => row
            .try_get::<_, Option<i64>>(i)?
            .map_or(Value::Null, Value::from),
        Column::Text => row
            .try_get::<_, Option<String>>(i)?
            .map_or(Value::Null, Value::String),
        // Unreadable JSON text reads as null, as in SQLite.
        Column::Json => row
            .try_get::<_, Option<&str>>(i)?
            .and_then(|s| serde_json::from_str(s).ok())
            .unwrap_or(Value::Null),
    })
}

pub(super) struct EntitySql {
    /// `SELECT <system fields>, deleted, <fields> FROM <table>`.
    pub(super) select: String,
    pub(super) select_one: String,
    pub(super) insert: String,
    pub(super) update: String,
}

pub(super) static SQL: LazyLock<Vec<EntitySql>> = LazyLock::new(|| {
    Entity::ALL
        .iter()
        .map(|&e| {
            let fields: Vec<&str> = e.fields().iter().map(|f| f.name).collect();
            let select = format!(
                "SELECT {}, deleted, {} FROM {}",
                SYSTEM_FIELDS.join(", "),
                fields.join(", "),
                e.name()
            );
            let mut cols: Vec<&str> = SYSTEM_FIELDS.to_vec();
            cols.push("deleted");
            cols.extend(&fields);
            cols.extend(hidden_columns(e));
            let marks: Vec<String> = (1..=cols.len()).map(|i| format!("${i}")).collect();
            let insert = format!(
                "INSERT INTO {} ({}) VALUES ({})",
                e.name(),
                cols.join(", "),
                marks.join(", ")
            );
            let sets: Vec<String> = cols
                .iter()
                .enumerate()
                .skip(1)
                .map(|(i, c)| format!("{c} = ${}", i + 1))
                .collect();
            let update = format!("UPDATE {} SET {} WHERE id = $1", e.name(), sets.join(", "));
            EntitySql {
                select_one: format!("{select} WHERE id = $1"),
                select,
                insert,
                update,
            }
        })
        .collect()
});

pub(super) fn sql(entity: Entity) -> &'static EntitySql {
    let index = Entity::ALL.iter().position(|e| *e == entity).unwrap_or(0);
    &SQL[index]
}

/// Reads a row selected with [`EntitySql::select`].
pub(super) fn read_row(entity: Entity, row: &Row) -> Result<Stored, StorageError> {
    let mut record = Map::new();
    for (i, name) in SYSTEM_FIELDS.iter().enumerate() {
        let column = if *name == "version" {
            Column::Int
        } else {
            Column::Text
        };
        record.insert((*name).into(), read_value(row, i, column)?);
    }
    let deleted: bool = row.try_get(SYSTEM_FIELDS.len())?;
    let first = SYSTEM_FIELDS.len() + 1;
    for (i, field) in entity.fields().iter().enumerate() {
        record.insert(
            field.name.into(),
            read_value(row, first + i, column_of(field.kind))?,
        );
    }
    Ok(Stored { record, deleted })
}

/// Every column of a row, in [`EntitySql::insert`] order.
pub(super) fn row_params(
    entity: Entity,
    record: &Record,
    hidden: &Hidden,
    deleted: bool,
) -> Result<Vec<Param>, StorageError> {
    let mut out: Vec<Param> = Vec::new();
    for name in SYSTEM_FIELDS {
        out.push(param(column_named(entity, name), record.get(*name))?);
    }
    out.push(Box::new(deleted));
    for field in entity.fields() {
        out.push(param(column_of(field.kind), record.get(field.name))?);
    }
    for column in hidden_columns(entity) {
        let value = hidden
            .iter()
            .find(|(name, _)| name == column)
            .and_then(|(_, v)| v.clone());
        out.push(Box::new(value));
    }
    Ok(out)
}

pub(super) fn pad(set: &BTreeSet<String>) -> String {
    if set.is_empty() {
        String::new()
    } else {
        format!(" {} ", set.iter().cloned().collect::<Vec<_>>().join(" "))
    }
}

pub(super) fn unpad(s: &str) -> BTreeSet<String> {
    s.split_whitespace().map(String::from).collect()
}
