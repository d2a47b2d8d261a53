//! `crm quotes render Q-000123 --format pdf|html|md [--out FILE]` and `crm contracts render
//! K-000123 …`: a printable document in the profile's language from the replica (offline too),
//! by `crate::documents`. Written to standard output, or to FILE made readable by its owner only
//! (a quote names a customer and its prices).

use std::io::Write;

use clap::{Arg, ArgMatches, Command};
use crm_server::schema::Entity;

use super::records::Names;
use super::{CliError, Context};
use crate::documents::{self, Format};

/// The `render` subcommand of quotes and contracts.
pub fn command(entity: Entity) -> Command {
    Command::new("render")
        .about(format!(
            "Write a {} as a printable document in your profile's language, from the admin's template (document_templates) or the built-in one",
            entity.noun()
        ))
        .arg(Arg::new("key").required(true).help(match entity {
            Entity::Quotes => "the quote's number (Q-000123, its newest revision) or id",
            _ => "the contract's number (K-000123) or id",
        }))
        .arg(
            Arg::new("format")
                .long("format")
                .value_parser(["md", "html", "pdf"])
                .default_value("md")
                .help("md (Markdown), html or pdf (A4, Chinese set in the embedded Noto Sans SC)"),
        )
        .arg(
            Arg::new("out")
                .long("out")
                .short('o')
                .help("the file to write (made 0600); standard output when left out"),
        )
}

pub fn run(ctx: &Context, names: &Names, entity: Entity, m: &ArgMatches) -> Result<(), CliError> {
    let key = m.get_one::<String>("key").map(String::as_str).unwrap_or("");
    let format = m
        .get_one::<String>("format")
        .and_then(|f| Format::parse(f))
        .unwrap_or(Format::Markdown);
    let record = names.record(entity, key)?;
    let lang = crate::config::lang_of(ctx.profile().ok().and_then(|p| p.language).as_deref());
    let today = ctx.zone()?.date(chrono::Utc::now());
    let mut fields = record.fields.clone();
    fields.insert("id".into(), serde_json::Value::String(record.id.clone()));
    let bytes = documents::render(names.0, entity, &fields, format, lang, today)
        .map_err(|e| CliError::Other(e.to_string()))?;
    match m.get_one::<String>("out") {
        Some(path) => write_private(std::path::Path::new(path), &bytes),
        None => {
            let mut out = std::io::stdout().lock();
            match out.write_all(&bytes).and_then(|()| out.flush()) {
                Err(e) if e.kind() != std::io::ErrorKind::BrokenPipe => Err(CliError::Other(
                    format!("cannot write to standard output: {e}"),
                )),
                _ => Ok(()),
            }
        }
    }
}

/// `bytes` into `path`, the file made (or tightened) to 0600 before anything is written.
fn write_private(path: &std::path::Path, bytes: &[u8]) -> Result<(), CliError> {
    let fail = |e: std::io::Error| CliError::Other(format!("cannot write {}: {e}", path.display()));
    crate::private::file(path).map_err(fail)?;
    std::fs::write(path, bytes).map_err(fail)
}
