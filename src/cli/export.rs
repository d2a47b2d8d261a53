//! `crm export ENTITY`: every record of one kind the user may see, as CSV, JSON, XLSX or a
//! table, in one pass over the replica (`Replica::each_chunk`), with `--where` in the query
//! language.

use std::io::{IsTerminal, Write};

use chrono::{DateTime, NaiveDate};
use clap::{Arg, ArgMatches, Command};
use crm_server::catalog::{Catalog, CustomKind};
use crm_server::schema::{CUSTOM_FIELD, Entity, Kind, SYSTEM_FIELDS};
use rusqlite::Row;
use rusqlite::types::ValueRef;
use serde_json::{Map, Value};

use super::output;
use super::records::{ENTITIES, Names, add_where, display_rows, export_columns, where_arg};
use super::{CliError, Context};
use crate::export::xlsx::{self, Cell};
use crate::replica::LocalQuery;
use crate::zone::Zone;

/// What `crm export` writes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum ExportFormat {
    Csv,
    Json,
    /// A spreadsheet: typed cells (amounts in yuan, dates, times in your zone).
    Xlsx,
    Table,
}

pub fn export_command() -> Command {
    Command::new("export")
        .about(
            "Write every record of one kind that you may see, as CSV, JSON or XLSX, to standard output",
        )
        .arg(
            Arg::new("entity")
                .required(true)
                .value_parser(ENTITIES.map(|e| e.name()).to_vec()),
        )
        .arg(
            Arg::new("format")
                .long("format")
                .value_parser(clap::builder::EnumValueParser::<ExportFormat>::new())
                .default_value("csv"),
        )
        .arg(where_arg(Entity::Customers))
}

pub fn export(ctx: &Context, matches: &ArgMatches) -> Result<(), CliError> {
    let name = matches
        .get_one::<String>("entity")
        .map(String::as_str)
        .unwrap_or_default();
    let entity =
        Entity::from_name(name).ok_or_else(|| CliError::Usage(format!("cannot export {name}")))?;
    let format = *matches
        .get_one::<ExportFormat>("format")
        .unwrap_or(&ExportFormat::Csv);
    if format == ExportFormat::Xlsx && std::io::stdout().is_terminal() {
        return Err(CliError::Usage(format!(
            "an XLSX file is not for the terminal: send it to a file, e.g. crm export {name} --format xlsx > {name}.xlsx"
        )));
    }
    let replica = ctx.open_replica()?;
    let names = Names(&replica);
    let catalog = replica.catalog()?;
    let zone = ctx.zone()?;
    let mut query = LocalQuery::default();
    if let Some(text) = matches.get_one::<String>("where") {
        add_where(&replica, entity, text, &mut query)?;
    }
    let io = |e: std::io::Error| CliError::Other(format!("cannot write: {e}"));
    if format == ExportFormat::Table {
        // A table is for people: a page of records at a time, shown as the lists show them.
        let mut out = std::io::BufWriter::with_capacity(1 << 16, std::io::stdout().lock());
        replica.each_chunk(entity, &query, 1000, |page| -> Result<(), CliError> {
            let (headers, rows) = display_rows(&names, entity, page, zone);
            let headers: Vec<&str> = headers.iter().map(String::as_str).collect();
            out.write_all(output::table(&headers, &rows, 32).as_bytes())
                .map_err(io)
        })?;
        return out.flush().map_err(io);
    }
    let plan = Plan::new(entity, &catalog, format);
    let sql_columns: Vec<&str> = plan.stored.iter().map(|c| c.name).collect();
    // One statement read as it goes (`Replica::each_row`): one pass, the stored columns
    // written straight out (no record made, no JSON parsed but a custom field's map), memory
    // flat however many records there are.
    let mut line = String::with_capacity(4096);
    let mut custom = Map::new();
    match format {
        ExportFormat::Xlsx => {
            let sheet_error = |e: xlsx::XlsxError| CliError::Other(e.to_string());
            let headers: Vec<&str> = plan.columns.iter().map(|c| c.header.as_str()).collect();
            let out = std::io::BufWriter::with_capacity(1 << 16, std::io::stdout().lock());
            let mut sheet = xlsx::Sheet::new(entity.name(), &headers, out).map_err(sheet_error)?;
            let mut texts = vec![String::new(); plan.columns.len()];
            replica.each_row(
                entity,
                &query,
                &sql_columns,
                |row| -> Result<(), CliError> {
                    plan.read_custom(row, &mut custom);
                    for (text, column) in texts.iter_mut().zip(&plan.columns) {
                        text.clear();
                        plan.text_of(row, column, &custom, text);
                    }
                    let cells: Vec<Cell<'_>> = plan
                        .columns
                        .iter()
                        .zip(&texts)
                        .map(|(column, text)| plan.cell(row, column, &custom, text, zone))
                        .collect();
                    sheet.row(&cells).map_err(sheet_error)
                },
            )?;
            sheet.finish().map_err(sheet_error)?;
        }
        ExportFormat::Csv | ExportFormat::Json => {
            let mut out = std::io::BufWriter::with_capacity(1 << 16, std::io::stdout().lock());
            let csv = format == ExportFormat::Csv;
            if csv {
                for (i, c) in plan.columns.iter().enumerate() {
                    if i > 0 {
                        line.push(',');
                    }
                    output::push_csv_field(&mut line, &c.header);
                }
                line.push('\n');
            } else {
                line.push('[');
            }
            let mut first = true;
            let mut text = String::new();
            replica.each_row(
                entity,
                &query,
                &sql_columns,
                |row| -> Result<(), CliError> {
                    plan.read_custom(row, &mut custom);
                    if csv {
                        for (i, c) in plan.columns.iter().enumerate() {
                            if i > 0 {
                                line.push(',');
                            }
                            text.clear();
                            plan.text_of(row, c, &custom, &mut text);
                            output::push_csv_field(&mut line, &text);
                        }
                        line.push('\n');
                    } else {
                        line.push_str(if first { "\n{" } else { ",\n{" });
                        first = false;
                        plan.json_of(row, &mut line);
                        line.push('}');
                    }
                    if line.len() >= 1 << 16 {
                        out.write_all(line.as_bytes()).map_err(io)?;
                        line.clear();
                    }
                    Ok(())
                },
            )?;
            if !csv {
                line.push_str("\n]\n");
            }
            out.write_all(line.as_bytes()).map_err(io)?;
            out.flush().map_err(io)?;
        }
        ExportFormat::Table => {}
    }
    Ok(())
}

/// A stored column an export reads: its name and kind.
struct Stored {
    name: &'static str,
    kind: Kind,
}

/// Where an output column's value comes from: a stored column (by its place in the select)
/// or a key of the custom map.
enum Source {
    Stored(usize),
    Custom(String),
}

/// An output column: its header, where its value is and what it holds.
struct Column {
    header: String,
    source: Source,
    kind: ColumnKind,
}

/// What an export of one entity reads and writes: the stored columns selected, the output
/// columns (CSV and XLSX: `export_columns`, a custom field each) and, for JSON, the record's
/// keys (every system field and field, the custom map whole, `pending` and `conflicted`).
struct Plan {
    stored: Vec<Stored>,
    columns: Vec<Column>,
    /// JSON: the key of each stored column, in order (all of them).
    custom_at: Option<usize>,
}

impl Plan {
    fn new(entity: Entity, catalog: &Catalog, format: ExportFormat) -> Plan {
        let mut stored: Vec<Stored> = Vec::new();
        let place = |name: &'static str, kind: Kind, stored: &mut Vec<Stored>| -> usize {
            stored
                .iter()
                .position(|s| s.name == name)
                .unwrap_or_else(|| {
                    stored.push(Stored { name, kind });
                    stored.len() - 1
                })
        };
        let system_kind = |name: &str| match name {
            "version" => Kind::Int(0, i64::MAX),
            "pending" | "conflicted" => Kind::Bool,
            "created_at" | "updated_at" => Kind::Time,
            _ => Kind::Text(0),
        };
        let mut columns = Vec::new();
        if format == ExportFormat::Json {
            for name in SYSTEM_FIELDS {
                place(name, system_kind(name), &mut stored);
            }
            for f in entity.fields() {
                place(f.name, f.kind, &mut stored);
            }
            for name in ["pending", "conflicted"] {
                place(name, Kind::Bool, &mut stored);
            }
        } else {
            for header in export_columns(entity, catalog) {
                let kind = column_kind(entity, catalog, &header);
                let source = if let Some(key) = header
                    .strip_prefix(CUSTOM_FIELD)
                    .and_then(|k| k.strip_prefix('.'))
                {
                    place(CUSTOM_FIELD, Kind::Map, &mut stored);
                    Source::Custom(key.to_string())
                } else {
                    let name = SYSTEM_FIELDS
                        .iter()
                        .copied()
                        .chain(entity.fields().iter().map(|f| f.name))
                        .find(|n| *n == header)
                        .unwrap_or("id");
                    let kind = entity.field(name).map_or(system_kind(name), |f| f.kind);
                    Source::Stored(place(name, kind, &mut stored))
                };
                columns.push(Column {
                    header,
                    source,
                    kind,
                });
            }
        }
        let custom_at = match format {
            ExportFormat::Json => None,
            _ => stored.iter().position(|s| s.name == CUSTOM_FIELD),
        };
        Plan {
            stored,
            columns,
            custom_at,
        }
    }

    /// The row's custom map into `custom` (emptied first), when a column needs it.
    fn read_custom(&self, row: &Row<'_>, custom: &mut Map<String, Value>) {
        custom.clear();
        if let Some(i) = self.custom_at
            && let Some(text) = text_at(row, i)
            && let Ok(Value::Object(map)) = serde_json::from_str::<Value>(text)
        {
            *custom = map;
        }
    }

    /// A column's value as one line of text (as `output::cell` makes it), appended to `out`.
    fn text_of(
        &self,
        row: &Row<'_>,
        column: &Column,
        custom: &Map<String, Value>,
        out: &mut String,
    ) {
        use std::fmt::Write as _;
        match &column.source {
            Source::Custom(key) => {
                if let Some(v) = custom.get(key) {
                    out.push_str(&output::cell(Some(v)));
                }
            }
            Source::Stored(i) => match (row.get_ref(*i), self.stored[*i].kind) {
                (Ok(ValueRef::Integer(n)), Kind::Bool) => {
                    out.push_str(if n != 0 { "true" } else { "false" })
                }
                (Ok(ValueRef::Integer(n)), _) => {
                    let _ = write!(out, "{n}");
                }
                (Ok(ValueRef::Real(x)), _) => {
                    let _ = write!(out, "{}", Value::from(x));
                }
                (Ok(ValueRef::Text(t)), Kind::Tags | Kind::Refs(_)) => {
                    let text = String::from_utf8_lossy(t);
                    match serde_json::from_str::<Value>(&text) {
                        Ok(v) => out.push_str(&output::cell(Some(&v))),
                        Err(_) => out.push_str(&text),
                    }
                }
                (Ok(ValueRef::Text(t)), _) => out.push_str(&String::from_utf8_lossy(t)),
                _ => {}
            },
        }
    }

    /// A spreadsheet cell of a column; `text` is `text_of` it.
    fn cell<'a>(
        &self,
        row: &'a Row<'_>,
        column: &'a Column,
        custom: &'a Map<String, Value>,
        text: &'a str,
        zone: Zone,
    ) -> Cell<'a> {
        let value = match &column.source {
            Source::Custom(key) => match custom.get(key) {
                None | Some(Value::Null) => return Cell::Empty,
                Some(Value::Number(n)) => match column.kind {
                    ColumnKind::Money => return n.as_i64().map_or(Cell::Text(text), Cell::Money),
                    _ => return n.as_f64().map_or(Cell::Text(text), Cell::Number),
                },
                Some(_) => text,
            },
            Source::Stored(i) => match row.get_ref(*i) {
                Ok(ValueRef::Null) | Err(_) => return Cell::Empty,
                Ok(ValueRef::Integer(n)) => {
                    return match column.kind {
                        ColumnKind::Money => Cell::Money(n),
                        ColumnKind::Bool => Cell::Bool(n != 0),
                        _ => Cell::Integer(n),
                    };
                }
                Ok(ValueRef::Real(x)) => return Cell::Number(x),
                Ok(_) => text,
            },
        };
        match column.kind {
            ColumnKind::Date => {
                NaiveDate::parse_from_str(value, "%Y-%m-%d").map_or(Cell::Text(value), Cell::Date)
            }
            ColumnKind::Time => DateTime::parse_from_rfc3339(value)
                .map_or(Cell::Text(value), |t| {
                    Cell::DateTime(zone.naive(t.to_utc()))
                }),
            _ => Cell::Text(value),
        }
    }

    /// The record's keys and values as JSON, without the braces, appended to `out`.
    fn json_of(&self, row: &Row<'_>, out: &mut String) {
        use std::fmt::Write as _;
        for (i, s) in self.stored.iter().enumerate() {
            if i > 0 {
                out.push(',');
            }
            output::push_json_string(out, s.name);
            out.push(':');
            match (row.get_ref(i), s.kind) {
                (Ok(ValueRef::Integer(n)), Kind::Bool) => {
                    out.push_str(if n != 0 { "true" } else { "false" })
                }
                (Ok(ValueRef::Integer(n)), _) => {
                    let _ = write!(out, "{n}");
                }
                (Ok(ValueRef::Real(x)), _) => {
                    let _ = write!(out, "{}", Value::from(x));
                }
                (Ok(ValueRef::Text(t)), Kind::Tags | Kind::Refs(_) | Kind::Map) => {
                    output::push_json_text(out, &String::from_utf8_lossy(t));
                }
                (Ok(ValueRef::Text(t)), _) => {
                    output::push_json_string(out, &String::from_utf8_lossy(t));
                }
                _ => out.push_str("null"),
            }
        }
    }
}

fn text_at<'a>(row: &'a Row<'_>, i: usize) -> Option<&'a str> {
    match row.get_ref(i) {
        Ok(ValueRef::Text(t)) => std::str::from_utf8(t).ok(),
        _ => None,
    }
}

/// What a column holds, as far as a spreadsheet cares.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum ColumnKind {
    Text,
    Integer,
    Number,
    Money,
    Bool,
    Date,
    Time,
}

fn column_kind(entity: Entity, catalog: &Catalog, column: &str) -> ColumnKind {
    if let Some(key) = column
        .strip_prefix(CUSTOM_FIELD)
        .and_then(|k| k.strip_prefix('.'))
    {
        return match catalog.custom_field(entity, key).map(|f| f.kind) {
            Some(CustomKind::Number) => ColumnKind::Number,
            Some(CustomKind::Money) => ColumnKind::Money,
            Some(CustomKind::Date) => ColumnKind::Date,
            _ => ColumnKind::Text,
        };
    }
    match column {
        "version" => return ColumnKind::Integer,
        "created_at" | "updated_at" => return ColumnKind::Time,
        _ => {}
    }
    match entity.field(column).map(|f| f.kind) {
        Some(Kind::Int(..)) => ColumnKind::Integer,
        Some(Kind::Money) => ColumnKind::Money,
        Some(Kind::Bool) => ColumnKind::Bool,
        Some(Kind::Date) => ColumnKind::Date,
        Some(Kind::Time) => ColumnKind::Time,
        _ => ColumnKind::Text,
    }
}
