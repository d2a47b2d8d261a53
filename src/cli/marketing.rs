//! Leads and campaigns beyond list/show/add/edit/delete:
//!
//! - `crm leads convert L-000123 [--customer C000123] [--opportunity NAME --amount 12000]`:
//!   the lead's status set to converted through the outbox (offline too: the server converts it
//!   when it arrives, and refuses it with the reason — a likely duplicate — if it must);
//!   `--force` makes a new customer despite a likely duplicate (online only).
//! - `crm campaigns members "秋季研讨会" --entity customers --where 'level:A'`: members from a
//!   query (online only).
//! - `crm campaigns results "秋季研讨会"`: members, responses, leads, deals, won amount, cost
//!   per lead and ROI, summed by the server.

use std::time::Duration;

use clap::{Arg, ArgAction, ArgMatches, Command};
use crm_server::schema::Entity;
use serde_json::{Map, Value, json};

use super::fields::{self, Clock};
use super::output::{self, Format};
use super::records::Names;
use super::{CliError, Context};
use crate::replica::Replica;

/// The subcommands these entities add to their generic ones.
pub fn extend(entity: Entity, command: Command) -> Command {
    let key = || Arg::new("key").required(true);
    match entity {
        Entity::Leads => command
            .subcommand(
                Command::new("convert")
                    .about("Convert a lead into a customer, a contact and (with --opportunity) an opportunity")
                    .arg(key().help("the lead's number (L-000123) or id"))
                    .arg(Arg::new("customer").long("customer").help(
                        "attach to this existing customer (code or id) instead of making one",
                    ))
                    .arg(Arg::new("opportunity").long("opportunity").help("make an opportunity of this name"))
                    .arg(Arg::new("amount").long("amount").help("the opportunity's amount, in yuan"))
                    .arg(
                        Arg::new("force")
                            .long("force")
                            .action(ArgAction::SetTrue)
                            .help("make a new customer even when a likely duplicate exists (online only)"),
                    ),
            ),
        Entity::Campaigns => command
            .subcommand(
                Command::new("members")
                    .about("Add to a campaign the customers, contacts or leads a query finds (online)")
                    .arg(key().help("the campaign's name or id"))
                    .arg(
                        Arg::new("entity")
                            .long("entity")
                            .default_value("customers")
                            .value_parser(["customers", "contacts", "leads"]),
                    )
                    .arg(Arg::new("where").long("where").default_value("").help(
                        "the query, as in `list --where` (level:A region:华东); empty: everyone you see",
                    )),
            )
            .subcommand(
                Command::new("results")
                    .about("A campaign's results: responses, leads, opportunities, won amount, cost per lead, ROI (online)")
                    .arg(key().help("the campaign's name or id"))
                    .arg(
                        Arg::new("format")
                            .long("format")
                            .value_parser(clap::builder::EnumValueParser::<Format>::new())
                            .default_value("table"),
                    ),
            ),
        _ => command,
    }
}

/// Whether `name` is one of the subcommands `extend` adds to `entity`.
pub fn handles(entity: Entity, name: &str) -> bool {
    matches!(
        (entity, name),
        (Entity::Leads, "convert") | (Entity::Campaigns, "members" | "results")
    )
}

pub fn run(
    ctx: &Context,
    replica: &Replica,
    names: &Names<'_>,
    clock: &Clock,
    name: &str,
    m: &ArgMatches,
) -> Result<(), CliError> {
    let arg = |n: &str| m.get_one::<String>(n).map(String::as_str);
    match name {
        "convert" => convert(ctx, replica, names, clock, m),
        "members" => {
            let campaign = names.record(Entity::Campaigns, arg("key").unwrap_or_default())?;
            let body = json!({"entity": arg("entity").unwrap_or("customers"), "q": arg("where").unwrap_or("")});
            let answer = online(
                ctx,
                &format!("/campaigns/{}/members", campaign.id),
                Some(&body),
            )?;
            say!(
                "{} added, {} already members, {} refused",
                answer["added"],
                answer["present"],
                answer["refused"]
            );
            refresh(ctx, replica)
        }
        "results" => {
            let campaign = names.record(Entity::Campaigns, arg("key").unwrap_or_default())?;
            let r = online(ctx, &format!("/campaigns/{}/results", campaign.id), None)?;
            print_results(&r, *m.get_one::<Format>("format").unwrap_or(&Format::Table))
        }
        _ => Err(CliError::Usage(format!("unknown command {name}"))),
    }
}

fn convert(
    ctx: &Context,
    replica: &Replica,
    names: &Names<'_>,
    clock: &Clock,
    m: &ArgMatches,
) -> Result<(), CliError> {
    let key = m
        .get_one::<String>("key")
        .map(String::as_str)
        .unwrap_or_default();
    let lead = names.record(Entity::Leads, key)?;
    // The rule the server applies, checked first: a converted lead's patch would change nothing.
    crm_server::rules::marketing::lead_move(
        lead.text("status").unwrap_or("new"),
        "converted",
        None,
    )
    .map_err(|m| CliError::Other(m.message()))?;
    let mut changes = Map::new();
    for (flag, field) in [
        ("customer", "customer_id"),
        ("opportunity", "opportunity_name"),
        ("amount", "opportunity_amount"),
    ] {
        if let (Some(raw), Some(f)) = (m.get_one::<String>(flag), Entity::Leads.field(field)) {
            let value = fields::parse_value(f, raw, names, clock)
                .map_err(|e| CliError::Usage(format!("--{flag} {raw}: {e}")))?;
            changes.insert(field.into(), value);
        }
    }
    let number = lead.text("number").unwrap_or(key).to_string();
    if m.get_flag("force") {
        let mut body = changes.clone();
        body.insert("force".into(), Value::Bool(true));
        let path = format!("/leads/{}/convert", lead.id);
        online(ctx, &path, Some(&Value::Object(body)))?;
        refresh(ctx, replica)?;
    } else {
        changes.insert("status".into(), Value::String("converted".into()));
        replica.update(Entity::Leads, &lead.id, changes)?;
        ctx.after_write(replica, &format!("converting lead {number}"))?;
        // What it became arrives with the next pull; fetch it now when the server answers.
        if ctx.client().is_ok() {
            refresh(ctx, replica)?;
        }
    }
    if let Some(done) = replica.get(Entity::Leads, &lead.id)?
        && let Some(customer) = done.text("customer_id")
        && let Some(c) = replica.get(Entity::Customers, customer)?
    {
        say!(
            "lead {number} is customer {} {}",
            c.text("code").unwrap_or_default(),
            c.text("name").unwrap_or_default()
        );
    }
    Ok(())
}

/// A route only the server answers, with a short wait: an import or a campaign's results.
pub(super) fn online(ctx: &Context, path: &str, body: Option<&Value>) -> Result<Value, CliError> {
    online_as(ctx, path, body, uuid::Uuid::new_v4().to_string())
}

/// The same with the request's idempotency key given: a part of an import is keyed by its
/// content, so the same file imported again (after a stop, or by mistake) is answered with the
/// first answer and creates nothing twice.
pub(super) fn online_as(
    ctx: &Context,
    path: &str,
    body: Option<&Value>,
    key: String,
) -> Result<Value, CliError> {
    let client = ctx.client()?;
    let answer = ctx.runtime.block_on(async {
        tokio::time::timeout(
            Duration::from_secs(120),
            client.call(path, body.map(|b| (b, key.as_str()))),
        )
        .await
    });
    match answer {
        Ok(answer) => Ok(answer?),
        Err(_) => Err(CliError::Other(
            "the server did not answer in two minutes; try again (the same file imported again creates nothing twice)".into(),
        )),
    }
}

/// Pulls what the server made (the customer of a conversion, imported leads, members).
fn refresh(ctx: &Context, replica: &Replica) -> Result<(), CliError> {
    let client = ctx.client()?;
    ctx.runtime
        .block_on(crate::sync::pull(replica, &client, |_| {}))?;
    Ok(())
}

fn print_results(r: &Value, format: Format) -> Result<(), CliError> {
    if format == Format::Json {
        return super::write_stdout(&format!("{r}\n"));
    }
    let money = |k: &str| {
        r[k].as_i64()
            .map_or_else(|| "—".to_string(), fields::format_money)
    };
    let count = |k: &str| r[k].as_i64().unwrap_or(0).to_string();
    let roi = r["roi_bp"].as_i64().map_or_else(
        || "—".to_string(),
        |bp| format!("{}.{:02}%", bp / 100, (bp % 100).abs()),
    );
    let lines = [
        ("members", count("members")),
        ("responses", count("responses")),
        ("attended", count("attended")),
        ("leads", count("leads")),
        ("converted leads", count("converted_leads")),
        ("opportunities", count("opportunities")),
        ("won", count("won")),
        ("won amount", money("won_amount")),
        ("budget", money("budget")),
        ("actual cost", money("actual_cost")),
        ("cost per lead", money("cost_per_lead")),
        ("ROI", roi),
    ];
    let rows: Vec<Map<String, Value>> = lines
        .iter()
        .map(|(k, v)| {
            let mut row = Map::new();
            row.insert("result".into(), Value::String((*k).into()));
            row.insert("value".into(), Value::String(v.clone()));
            row
        })
        .collect();
    if format == Format::Csv {
        return super::write_stdout(&output::csv(&["result", "value"], &rows));
    }
    super::write_stdout(&output::table(&["result", "value"], &rows, 80))
}
