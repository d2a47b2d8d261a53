//! `crm export ENTITY`: every record of one kind the user may see, as CSV, JSON or a table, in
//! one pass over the replica (`Replica::each_chunk`), with `--where` in the query language.

use clap::{Arg, ArgMatches, Command};
use crm_server::schema::Entity;
use serde_json::Value;

use super::output::{self, Format};
use super::records::{
    ENTITIES, Names, add_where, display_rows, export_columns, flat, full, where_arg,
};
use super::{CliError, Context};
use crate::replica::LocalQuery;

pub fn export_command() -> Command {
    Command::new("export")
        .about(
            "Write every record of one kind that you may see, as CSV or JSON, to standard output",
        )
        .arg(
            Arg::new("entity")
                .required(true)
                .value_parser(ENTITIES.map(|e| e.name()).to_vec()),
        )
        .arg(
            Arg::new("format")
                .long("format")
                .value_parser(clap::builder::EnumValueParser::<Format>::new())
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
    let format = *matches.get_one::<Format>("format").unwrap_or(&Format::Csv);
    let replica = ctx.open_replica()?;
    let names = Names(&replica);
    let catalog = replica.catalog()?;
    let zone = ctx.zone()?;
    let mut query = LocalQuery::default();
    if let Some(text) = matches.get_one::<String>("where") {
        add_where(&replica, entity, text, &mut query)?;
    }
    // One statement read as it goes (`Replica::each_chunk`): one pass, memory flat however
    // many records there are.
    const CHUNK: usize = 1000;
    let mut first = true;
    let mut out = std::io::BufWriter::with_capacity(1 << 16, std::io::stdout().lock());
    use std::io::Write;
    let io = |e: std::io::Error| CliError::Other(format!("cannot write: {e}"));
    if format == Format::Json {
        out.write_all(b"[").map_err(io)?;
    }
    let columns = export_columns(entity, &catalog);
    let columns: Vec<&str> = columns.iter().map(String::as_str).collect();
    replica.each_chunk(entity, &query, CHUNK, |page| -> Result<(), CliError> {
        match format {
            Format::Json => {
                for r in page {
                    let sep = if first { "\n" } else { ",\n" };
                    first = false;
                    let text = output::json(&Value::Object(full(r)), false)
                        .map_err(|e| CliError::Other(e.to_string()))?;
                    out.write_all(sep.as_bytes()).map_err(io)?;
                    out.write_all(text.as_bytes()).map_err(io)?;
                }
            }
            Format::Csv => {
                let text = output::csv(&columns, &page.iter().map(flat).collect::<Vec<_>>());
                let text = if first {
                    text.as_str()
                } else {
                    text.split_once('\n').map_or("", |(_, rest)| rest)
                };
                first = false;
                out.write_all(text.as_bytes()).map_err(io)?;
            }
            Format::Table => {
                let (headers, rows) = display_rows(&names, entity, page, zone);
                let headers: Vec<&str> = headers.iter().map(String::as_str).collect();
                out.write_all(output::table(&headers, &rows, 32).as_bytes())
                    .map_err(io)?;
            }
        }
        Ok(())
    })?;
    if format == Format::Json {
        out.write_all(b"\n]\n").map_err(io)?;
    }
    out.flush().map_err(io)?;
    Ok(())
}
