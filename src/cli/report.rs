//! `crm report NAME --period P --format csv|json|table [--out FILE]`: a dashboard panel as a
//! table, for a cron job that mails the weekly report. The figures are the dashboard's
//! (`dashboard::figures`, over the local replica: run `crm sync` first for fresh ones), laid out
//! by `dashboard::report`; CSV defuses formulas as every export does (`output::csv`).

use std::io::Write;

use clap::{Arg, ArgMatches, Command};
use serde_json::Value;

use super::output::{self, Format};
use super::{CliError, Context};
use crate::dashboard::figures::{self, Limits, Scope};
use crate::dashboard::period::Period;
use crate::dashboard::report::{REPORTS, table};

pub fn command() -> Command {
    let names: Vec<&str> = REPORTS.iter().map(|(n, _)| *n).collect();
    let about: String = REPORTS
        .iter()
        .map(|(n, what)| format!("  {n:<11} {what}"))
        .collect::<Vec<_>>()
        .join("\n");
    Command::new("report")
        .about("A dashboard panel as a table (CSV, JSON or a table), from the local replica")
        .after_help(format!(
            "Reports:\n{about}\n\nAmounts are in minor units (fen). Your scope: a salesperson's own records, a manager's team by member, an admin's everyone by team."
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
    let figures = figures::compute(&replica, &scope, period, &zone, now, Limits::default())?;
    let (columns, rows) =
        table(name, &figures).ok_or_else(|| CliError::Usage(format!("no report {name}")))?;
    let columns: Vec<&str> = columns.iter().map(String::as_str).collect();
    let text = match format {
        Format::Csv => output::csv(&columns, &rows),
        Format::Json => {
            let rows: Vec<Value> = rows.into_iter().map(Value::Object).collect();
            let mut s = output::json(&rows, true).map_err(|e| CliError::Other(e.to_string()))?;
            s.push('\n');
            s
        }
        Format::Table => output::table(&columns, &rows, 32),
    };
    match matches.get_one::<String>("out") {
        Some(path) => {
            let path = std::path::Path::new(path);
            let io = |e: std::io::Error| {
                CliError::Other(format!("cannot write {}: {e}", path.display()))
            };
            // Customer data: the file is the user's alone.
            crate::private::file(path).map_err(io)?;
            std::fs::write(path, text).map_err(io)?;
        }
        None => {
            let mut out = std::io::stdout().lock();
            out.write_all(text.as_bytes())
                .and_then(|()| out.flush())
                .map_err(|e| CliError::Other(format!("cannot write: {e}")))?;
        }
    }
    Ok(())
}
