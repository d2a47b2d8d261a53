//! `crm letter_templates send KEY`: a mail merge (online; the server renders, checks opt-outs,
//! sends by email or SMS, records each message as an activity on its customer):
//!
//! - `--where 'level:A region:华东'` (customers, as `list --where`) or `--customer C000123`
//!   (repeatable): each customer's primary contact; `--contact ID` names contacts;
//! - `--send-id UUID`: the send's id, printed when made; the same id again sends nothing twice
//!   (a send cut off, then retried);
//! - `--out DIR`: nothing sent, each letter written to DIR as a text file (0600 in a 0700
//!   folder), opted-out contacts skipped.

use std::path::Path;

use clap::{Arg, ArgAction, ArgMatches, Command};
use crm_server::schema::Entity;
use serde_json::{Value, json};

use super::records::Names;
use super::{CliError, Context};
use crate::text;

pub fn extend(entity: Entity, command: Command) -> Command {
    if entity != Entity::LetterTemplates {
        return command;
    }
    command.subcommand(
        Command::new("send")
            .about("Mail-merge a template to customers or contacts by email or SMS, or write the letters to files (online)")
            .arg(Arg::new("key").required(true).help("the template's name or id"))
            .arg(Arg::new("where").long("where").help("customers a query finds: level:A region:华东"))
            .arg(Arg::new("customer").long("customer").action(ArgAction::Append).help("a customer's code or id (repeatable)"))
            .arg(Arg::new("contact").long("contact").action(ArgAction::Append).help("a contact's id (repeatable)"))
            .arg(Arg::new("send-id").long("send-id").help("retry a send: its id, as printed"))
            .arg(Arg::new("out").long("out").help("write the letters into this folder instead of sending")),
    )
}

pub fn handles(entity: Entity, name: &str) -> bool {
    entity == Entity::LetterTemplates && name == "send"
}

pub fn run(ctx: &Context, names: &Names<'_>, m: &ArgMatches) -> Result<(), CliError> {
    let arg = |n: &str| m.get_one::<String>(n).map(String::as_str);
    let many = |n: &str| -> Vec<String> {
        m.get_many::<String>(n)
            .map(|v| v.cloned().collect())
            .unwrap_or_default()
    };
    let template = names.record(Entity::LetterTemplates, arg("key").unwrap_or_default())?;
    let mut customers = Vec::new();
    for key in many("customer") {
        customers.push(names.record(Entity::Customers, &key)?.id);
    }
    let send_id = match arg("send-id") {
        Some(id) => uuid::Uuid::parse_str(id.trim())
            .map_err(|_| CliError::Usage(format!("--send-id {id}: use the id a send printed")))?
            .hyphenated()
            .to_string(),
        None => uuid::Uuid::now_v7().hyphenated().to_string(),
    };
    let out = arg("out");
    let mut body = json!({"send_id": send_id, "customer_ids": customers, "contact_ids": many("contact"),
                          "write_only": out.is_some()});
    if let Some(q) = arg("where") {
        body["q"] = json!(q);
    }
    let path = format!("/letter_templates/{}/send", template.id);
    if out.is_none() {
        say!("send id {send_id} (give it as --send-id to retry: nothing goes twice)");
    }
    let client = ctx.client()?;
    let answer = ctx
        .runtime
        .block_on(client.call(&path, Some((&body, send_id.as_str()))))?;
    let recipients = answer["recipients"].as_array().cloned().unwrap_or_default();
    match out {
        Some(dir) => write_letters(Path::new(dir), &recipients),
        None => {
            for r in &recipients {
                let field = |f: &str| text::sanitize(r[f].as_str().unwrap_or(""));
                let mut line = format!(
                    "{}  {}  {}",
                    text::fit(&field("outcome"), 12),
                    field("contact"),
                    field("address")
                );
                if let Some(e) = r["error"].as_str() {
                    line.push_str(&format!("  ({})", text::sanitize(e)));
                }
                println!("{}", line.trim_end());
            }
            say!(
                "{} sent, {} failed, {} skipped",
                answer["sent"],
                answer["failed"],
                answer["skipped"]
            );
            Ok(())
        }
    }
}

/// One file per recipient who did not opt out: `001-<contact>.txt`, its subject on the first line.
fn write_letters(dir: &Path, recipients: &[Value]) -> Result<(), CliError> {
    let io = |e: std::io::Error| CliError::Other(format!("{}: {e}", dir.display()));
    std::fs::create_dir_all(dir).map_err(io)?;
    crate::private::dir(dir).map_err(io)?;
    let mut written = 0;
    for (n, r) in recipients.iter().enumerate() {
        if r["outcome"] == json!("opted_out") {
            continue;
        }
        let contact: String = r["contact"]
            .as_str()
            .unwrap_or("")
            .chars()
            .filter(|c| c.is_alphanumeric() || *c == '-')
            .take(40)
            .collect();
        let file = dir.join(format!("{:03}-{contact}.txt", n + 1));
        let subject = r["subject"].as_str().unwrap_or("");
        let body = r["text"].as_str().unwrap_or("");
        let letter = if subject.is_empty() {
            format!("{body}\n")
        } else {
            format!("{subject}\n\n{body}\n")
        };
        std::fs::write(&file, text::sanitize_lines(&letter)).map_err(io)?;
        crate::private::file(&file).map_err(io)?;
        written += 1;
    }
    say!("{written} letters written to {}", dir.display());
    Ok(())
}
