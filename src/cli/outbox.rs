//! `crm outbox` (the writes not yet accepted by the server: list, send again, drop) and
//! `crm undo` (the inverse of the latest write).

use clap::{Arg, ArgAction, ArgMatches, Command};
use serde_json::{Map, Value};

use super::output::{self, Format};
use super::{CliError, Context, write_stdout};
use crate::replica::{EntryState, OutboxEntry, Replica};

pub fn command() -> Command {
    let which = || {
        [
            Arg::new("id")
                .required_unless_present("all")
                .value_parser(clap::value_parser!(i64))
                .help("the entry's number, as `crm outbox list` shows it"),
            Arg::new("all")
                .long("all")
                .action(ArgAction::SetTrue)
                .conflicts_with("id")
                .help("every write the server refused"),
        ]
    };
    Command::new("outbox")
        .about("Your writes not yet accepted by the server: pending, refused, in conflict")
        .subcommand_required(true)
        .subcommand(
            Command::new("list")
                .about("List them, naming the record, with the server's reason for a refusal")
                .arg(
                    Arg::new("format")
                        .long("format")
                        .value_parser(clap::builder::EnumValueParser::<Format>::new())
                        .default_value("table")
                        .help("table for people; json or csv for programs"),
                ),
        )
        .subcommand(
            Command::new("retry")
                .about("Send a refused write again (after fixing the cause)")
                .args(which()),
        )
        .subcommand(
            Command::new("discard")
                .about("Drop a write: the server's copy of the record comes back")
                .args(which()),
        )
}

pub fn undo_command() -> Command {
    Command::new("undo").about(
        "Undo your latest write (again for the one before): a create is deleted, an edit's \
         fields get their previous values, a delete is restored",
    )
}

/// One entry as `crm outbox list` shows it.
fn row(replica: &Replica, e: &OutboxEntry) -> Result<Map<String, Value>, CliError> {
    let mut m = Map::new();
    let state = match e.state {
        EntryState::Failed => "refused",
        other => other.as_str(),
    };
    m.insert("id".into(), Value::from(e.seq));
    m.insert("state".into(), Value::from(state));
    m.insert("action".into(), Value::from(e.op.as_str()));
    m.insert("entity".into(), Value::from(e.entity.noun()));
    m.insert("record".into(), Value::from(replica.entry_label(e)?));
    m.insert("record_id".into(), Value::from(e.record_id.clone()));
    m.insert(
        "code".into(),
        e.error_code.clone().map_or(Value::Null, Value::from),
    );
    m.insert(
        "reason".into(),
        e.last_error.clone().map_or(Value::Null, Value::from),
    );
    m.insert("since".into(), Value::from(e.created_at.clone()));
    Ok(m)
}

/// The entries a retry or discard names: one by number, or every refused one.
fn chosen(replica: &Replica, m: &ArgMatches) -> Result<Vec<OutboxEntry>, CliError> {
    if m.get_flag("all") {
        return Ok(replica.refused()?);
    }
    let id = m.get_one::<i64>("id").copied().unwrap_or_default();
    replica
        .outbox()?
        .into_iter()
        .find(|e| e.seq == id)
        .map(|e| vec![e])
        .ok_or_else(|| {
            CliError::NotFound(format!(
                "no outbox entry {id}; `crm outbox list` shows them"
            ))
        })
}

pub fn run(ctx: &Context, m: &ArgMatches) -> Result<(), CliError> {
    let replica = ctx.open_replica()?;
    match m.subcommand() {
        Some(("retry", m)) => {
            let entries = chosen(&replica, m)?;
            if entries.is_empty() {
                say!("no refused writes");
                return Ok(());
            }
            for e in &entries {
                replica.retry(e.seq, false)?;
            }
            let what = describe(&replica, &entries)?;
            ctx.after_write(&replica, &format!("sending again: {what}"))
        }
        Some(("discard", m)) => {
            let entries = chosen(&replica, m)?;
            if entries.is_empty() {
                say!("no refused writes");
                return Ok(());
            }
            let what = describe(&replica, &entries)?;
            for e in &entries {
                // A discarded create takes the record's later entries with it.
                if replica.outbox()?.iter().any(|x| x.seq == e.seq) {
                    replica.discard(e.seq)?;
                }
            }
            say!("discarded: {what}; the server's copy stands");
            Ok(())
        }
        other => {
            let format = other
                .and_then(|(_, m)| m.get_one::<Format>("format"))
                .copied()
                .unwrap_or(Format::Table);
            let rows = replica
                .outbox()?
                .iter()
                .map(|e| row(&replica, e))
                .collect::<Result<Vec<_>, _>>()?;
            let columns = ["id", "state", "action", "entity", "record", "reason"];
            match format {
                Format::Json => write_stdout(
                    &(output::json(&rows, true).map_err(|e| CliError::Other(e.to_string()))?
                        + "\n"),
                ),
                Format::Csv => write_stdout(&output::csv(
                    &[
                        "id",
                        "state",
                        "action",
                        "entity",
                        "record",
                        "record_id",
                        "code",
                        "reason",
                        "since",
                    ],
                    &rows,
                )),
                Format::Table if rows.is_empty() => {
                    say!("the outbox is empty: everything is sent");
                    Ok(())
                }
                Format::Table => write_stdout(&output::table(&columns, &rows, 60)),
            }
        }
    }
}

/// "create of customer C000123 Acme; update of contact Li Lei".
fn describe(replica: &Replica, entries: &[OutboxEntry]) -> Result<String, CliError> {
    let parts = entries
        .iter()
        .map(|e| {
            Ok(format!(
                "{} of {} {}",
                e.op.as_str(),
                e.entity.noun(),
                replica.entry_label(e)?
            ))
        })
        .collect::<Result<Vec<_>, CliError>>()?;
    Ok(parts.join("; "))
}

pub fn undo(ctx: &Context) -> Result<(), CliError> {
    let replica = ctx.open_replica()?;
    match replica.undo()? {
        None => {
            say!("nothing to undo");
            Ok(())
        }
        Some(undone) if undone.conflicted => {
            say!(
                "undid the {}, but someone changed it since: it waits as a conflict (`crm conflicts list`)",
                undone.describe()
            );
            Ok(())
        }
        Some(undone) => ctx.after_write(&replica, &format!("undone: {}", undone.describe())),
    }
}
