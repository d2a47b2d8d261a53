//! Leads and campaigns beyond list/show/add/edit/delete:
//!
//! - `crm leads convert L-000123 [--customer C000123] [--opportunity NAME --amount 12000]`:
//!   the lead's status set to converted through the outbox (offline too: the server converts it
//!   when it arrives, and refuses it with the reason — a likely duplicate — if it must);
//!   `--force` makes a new customer despite a likely duplicate (online only).
//! - `crm leads import FILE.csv`: each row a lead, sent in parts to the server's bulk route,
//!   each row created or refused with its reason (online only: the server numbers them).
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
use super::{CliError, Context, csv_read};
use crate::replica::Replica;

/// Rows sent in one import request (the server takes up to 5,000).
const IMPORT_CHUNK: usize = 1_000;
/// The largest CSV file read.
const MAX_IMPORT_FILE: u64 = 64 << 20;

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
            )
            .subcommand(
                Command::new("import")
                    .about("Import leads from a CSV file (a header row of field names: name, company, phone, email, source…; 姓名, 公司, 电话, 邮箱, 来源 too); each row created or refused with its reason")
                    .arg(Arg::new("file").required(true)),
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
        (Entity::Leads, "convert" | "import") | (Entity::Campaigns, "members" | "results")
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
        "import" => import(ctx, replica, names, clock, arg("file").unwrap_or_default()),
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
fn online(ctx: &Context, path: &str, body: Option<&Value>) -> Result<Value, CliError> {
    online_as(ctx, path, body, uuid::Uuid::new_v4().to_string())
}

/// The same with the request's idempotency key given: a part of an import is keyed by its
/// content, so the same file imported again (after a stop, or by mistake) is answered with the
/// first answer and creates nothing twice.
fn online_as(
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

/// The field a CSV header names: a lead field's name or its usual Chinese label.
fn header_field(header: &str) -> Option<&'static str> {
    let h = header.trim().trim_start_matches('\u{feff}');
    let by_label = match h {
        "姓名" | "联系人" => Some("name"),
        "公司" | "单位" | "公司名称" => Some("company"),
        "职务" | "职位" => Some("title"),
        "电话" | "手机" => Some("phone"),
        "邮箱" | "电子邮件" | "email地址" => Some("email"),
        "来源" | "线索来源" => Some("source"),
        "质量" => Some("quality"),
        "评分" => Some("score"),
        "备注" => Some("notes"),
        _ => None,
    };
    by_label.or_else(|| {
        Entity::Leads
            .fields()
            .iter()
            .find(|f| f.name.eq_ignore_ascii_case(h))
            .map(|f| f.name)
    })
}

fn import(
    ctx: &Context,
    replica: &Replica,
    names: &Names<'_>,
    clock: &Clock,
    path: &str,
) -> Result<(), CliError> {
    use std::io::Read;
    let file = std::fs::File::open(path).map_err(|e| CliError::Usage(format!("{path}: {e}")))?;
    let mut text = String::new();
    file.take(MAX_IMPORT_FILE + 1)
        .read_to_string(&mut text)
        .map_err(|e| CliError::Usage(format!("{path}: {e} (a CSV file in UTF-8 is read)")))?;
    if text.len() as u64 > MAX_IMPORT_FILE {
        return Err(CliError::Usage(format!(
            "{path}: larger than 64 MB; split it"
        )));
    }
    let mut rows = csv_read::records(&text).map_err(|e| CliError::Usage(format!("{path}: {e}")))?;
    if rows.is_empty() {
        return Err(CliError::Usage(format!("{path}: no header row")));
    }
    let header = rows.remove(0);
    let columns: Vec<Option<&'static str>> = header.iter().map(|h| header_field(h)).collect();
    if !columns.contains(&Some("name")) {
        return Err(CliError::Usage(format!(
            "{path}: no name column (headers: {})",
            header.join(", ")
        )));
    }
    for (h, c) in header.iter().zip(&columns) {
        if c.is_none() {
            say!("column {h} is not a lead field; left out");
        }
    }
    // Rows as the server takes them; one that does not read is refused here, with its line.
    let mut refused = 0usize;
    let mut bodies: Vec<(usize, Value)> = Vec::with_capacity(rows.len());
    for (i, row) in rows.iter().enumerate() {
        let line = i + 2;
        let mut body = Map::new();
        let mut problem = None;
        for (value, column) in row.iter().zip(&columns) {
            let Some(field) = column.and_then(|c| Entity::Leads.field(c)) else {
                continue;
            };
            match fields::parse_value(field, value, names, clock) {
                Ok(Value::Null) => {}
                Ok(v) => {
                    body.insert(field.name.into(), v);
                }
                Err(e) => problem = Some(format!("{}: {e}", field.name)),
            }
        }
        match problem {
            Some(p) => {
                refused += 1;
                say!("line {line}: refused: {p}");
            }
            None => bodies.push((line, Value::Object(body))),
        }
    }
    let mut created = 0usize;
    for chunk in bodies.chunks(IMPORT_CHUNK) {
        let body = json!({"rows": chunk.iter().map(|(_, b)| b.clone()).collect::<Vec<_>>()});
        let key = format!(
            "import-{}",
            crm_server::auth::sha256_hex(&format!("leads/import {body}"))
        );
        let answer = online_as(ctx, "/leads/import", Some(&body), key)?;
        for row in answer["rows"].as_array().into_iter().flatten() {
            let at = row["row"].as_u64().unwrap_or(0) as usize;
            let line = chunk.get(at).map_or(0, |(l, _)| *l);
            if row["error"].is_object() {
                refused += 1;
                let error = &row["error"];
                let detail = error["fields"]
                    .as_object()
                    .map(|f| {
                        f.iter()
                            .map(|(k, v)| format!("{k}: {}", v.as_str().unwrap_or_default()))
                            .collect::<Vec<_>>()
                            .join("; ")
                    })
                    .filter(|d| !d.is_empty())
                    .unwrap_or_else(|| error["message"].as_str().unwrap_or_default().to_string());
                say!("line {line}: refused: {detail}");
            } else {
                created += 1;
            }
        }
    }
    say!("{created} leads imported, {refused} refused");
    refresh(ctx, replica)?;
    if refused > 0 && created == 0 {
        return Err(CliError::Other("no row was imported".into()));
    }
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
