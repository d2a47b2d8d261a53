//! `crm report NAME --period P --format csv|json|xlsx|table [--out FILE]`: a dashboard panel as
//! a table, for a cron job that mails the weekly report. The figures are the dashboard's
//! (`dashboard::figures`, over the local replica: run `crm sync` first for fresh ones), laid out
//! by `dashboard::report`; CSV defuses formulas as every export does (`output::csv`), XLSX is
//! the exports' sheet (`export::xlsx`: text never a formula, money in yuan).

use std::io::Write;

use clap::{Arg, ArgMatches, Command};
use serde_json::Value;

use std::io::IsTerminal;

use serde_json::Map;

use super::output;
use super::{CliError, Context};
use crate::dashboard::figures::{self, Limits, Scope};
use crate::dashboard::period::Period;
use crate::dashboard::report::{REPORTS, is_money, table};
use crate::dashboard::value;
use crate::export::xlsx::{self, Cell};

/// What a report is written as.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    Csv,
    Json,
    Xlsx,
    Table,
}

pub fn command() -> Command {
    let all = || REPORTS.iter().chain(value::VALUE_REPORTS);
    let names: Vec<&str> = all().map(|(n, _)| *n).collect();
    let about: String = all()
        .map(|(n, what)| format!("  {n:<11} {what}"))
        .collect::<Vec<_>>()
        .join("\n");
    Command::new("report")
        .about("A dashboard panel as a table (CSV, JSON or a table), from the local replica")
        .after_help(format!(
            "Reports:\n{about}\n\nAmounts are in minor units (fen) in CSV, JSON and tables, in yuan in XLSX. Your scope: a salesperson's own records, a manager's team by member, an admin's everyone by team."
        ))
        .arg(Arg::new("name").required(true).value_parser(names))
        .arg(
            Arg::new("period")
                .long("period")
                .default_value("month")
                .help("month, quarter, year, last-month, 2026-12, 2026-Q4, 2026, or 2026-11-01..2026-11-30"),
        )
        .arg(
            Arg::new("format")
                .long("format")
                .value_parser(clap::builder::EnumValueParser::<Format>::new())
                .default_value("csv"),
        )
        .arg(
            Arg::new("limit")
                .long("limit")
                .value_parser(clap::value_parser!(u32).range(1..=1_000_000))
                .default_value("100")
                .help("customers in the value and warnings reports, highest score first"),
        )
        .arg(
            Arg::new("out")
                .long("out")
                .help("write to this file (readable only by you) instead of standard output"),
        )
}

pub fn run(ctx: &Context, matches: &ArgMatches) -> Result<(), CliError> {
    let name = matches
        .get_one::<String>("name")
        .map(String::as_str)
        .unwrap_or_default();
    let format = *matches.get_one::<Format>("format").unwrap_or(&Format::Csv);
    let zone = ctx.zone()?;
    let now = chrono::Utc::now();
    let text = matches
        .get_one::<String>("period")
        .map_or("month", String::as_str);
    let period = Period::parse(text, zone.date(now)).map_err(|e| CliError::Usage(e.to_string()))?;
    let replica = ctx.open_replica()?;
    let me = replica
        .user_id()?
        .ok_or_else(|| CliError::NotSignedIn(ctx.profile_name.clone()))?;
    let scope = Scope {
        me,
        role: replica.role()?,
        team: None,
    };
    let limit = matches.get_one::<u32>("limit").copied().unwrap_or(100) as usize;
    let (columns, rows) = match value::table(name, &replica, &scope, limit) {
        Some(made) => made?,
        None => {
            let figures =
                figures::compute(&replica, &scope, period, &zone, now, Limits::default())?;
            table(name, &figures).ok_or_else(|| CliError::Usage(format!("no report {name}")))?
        }
    };
    let columns: Vec<&str> = columns.iter().map(String::as_str).collect();
    let out_path = matches.get_one::<String>("out").map(std::path::Path::new);
    if format == Format::Xlsx && out_path.is_none() && std::io::stdout().is_terminal() {
        return Err(CliError::Usage(format!(
            "an XLSX file is not for the terminal: add --out {name}.xlsx, or send it to a file"
        )));
    }
    let bytes = match format {
        Format::Xlsx => sheet(name, &columns, &rows)?,
        Format::Csv => output::csv(&columns, &rows).into_bytes(),
        Format::Json => {
            let rows: Vec<Value> = rows.into_iter().map(Value::Object).collect();
            let mut s = output::json(&rows, true).map_err(|e| CliError::Other(e.to_string()))?;
            s.push('\n');
            s.into_bytes()
        }
        Format::Table => output::table(&columns, &rows, 32).into_bytes(),
    };
    write(out_path, &bytes)
}

/// The report as an XLSX workbook: money columns in yuan, other numbers as numbers, text as
/// text (never a formula).
fn sheet(name: &str, columns: &[&str], rows: &[Map<String, Value>]) -> Result<Vec<u8>, CliError> {
    let error = |e: xlsx::XlsxError| CliError::Other(e.to_string());
    let mut bytes = Vec::new();
    let mut sheet = xlsx::Sheet::new(name, columns, &mut bytes).map_err(error)?;
    for row in rows {
        let cells: Vec<Cell<'_>> = columns
            .iter()
            .map(|c| match row.get(*c) {
                None | Some(Value::Null) => Cell::Empty,
                Some(Value::String(s)) => Cell::Text(s),
                Some(Value::Bool(b)) => Cell::Bool(*b),
                Some(Value::Number(n)) => match n.as_i64() {
                    Some(i) if is_money(c) => Cell::Money(i),
                    Some(i) => Cell::Integer(i),
                    None => Cell::Number(n.as_f64().unwrap_or(0.0)),
                },
                Some(_) => Cell::Empty,
            })
            .collect();
        sheet.row(&cells).map_err(error)?;
    }
    sheet.finish().map_err(error)?;
    Ok(bytes)
}

/// Writes to `--out` (a file only its owner reads: customer data), else to standard output.
fn write(path: Option<&std::path::Path>, bytes: &[u8]) -> Result<(), CliError> {
    match path {
        Some(path) => {
            let io = |e: std::io::Error| {
                CliError::Other(format!("cannot write {}: {e}", path.display()))
            };
            crate::private::file(path).map_err(io)?;
            std::fs::write(path, bytes).map_err(io)
        }
        None => {
            let mut out = std::io::stdout().lock();
            out.write_all(bytes)
                .and_then(|()| out.flush())
                .map_err(|e| CliError::Other(format!("cannot write: {e}")))
        }
    }
}
