//! Duplicate customers from the command line (`service::merges` on the server):
//!
//! - `crm customers duplicates [--format table|json|csv]`: the server's review queue, each pair
//!   with why it looks like one customer (online).
//! - `crm customers merge C000001 C000002 [--keep phone=B …]`: C000002 merged into C000001 — its
//!   contacts, deals, activities, tickets, orders, quotes… moved, the values named with
//!   `FIELD=B` taken from it (the rest keep C000001's; an empty field of C000001 takes
//!   C000002's). A `merges` record through the outbox, so it works offline: the server merges
//!   when it arrives, or refuses with the reason (either customer changed since: look again).
//! - `crm customers unmerge C000002`: an admin undoes the merge that took C000002 away.

use clap::{Arg, ArgAction, ArgMatches, Command};
use crm_server::schema::Entity;
use serde_json::{Map, Value, json};

use super::output::{self, Format};
use super::records::Names;
use super::{CliError, Context};
use crate::replica::{LocalQuery, Replica};

/// The subcommands customers gain.
pub fn extend(entity: Entity, command: Command) -> Command {
    if entity != Entity::Customers {
        return command;
    }
    command
        .subcommand(
            Command::new("duplicates")
                .about("List likely duplicate customers in pairs, with why (same phone, email, name or its pinyin; online)")
                .arg(
                    Arg::new("format")
                        .long("format")
                        .value_parser(clap::builder::EnumValueParser::<Format>::new())
                        .default_value("table"),
                ),
        )
        .subcommand(
            Command::new("merge")
                .about("Merge customer B into customer A: B's contacts, deals, activities, tickets, orders… move to A, B is gone (an admin can undo it)")
                .arg(Arg::new("a").required(true).help("the customer that stays (code or id)"))
                .arg(Arg::new("b").required(true).help("the customer merged into it (code or id)"))
                .arg(
                    Arg::new("keep")
                        .long("keep")
                        .action(ArgAction::Append)
                        .help("FIELD=B takes B's value of FIELD (FIELD=A keeps A's, the default); repeat for several"),
                ),
        )
        .subcommand(
            Command::new("unmerge")
                .about("Undo the merge that took this customer away (admins): it comes back with exactly what was moved")
                .arg(Arg::new("key").required(true).help("the merged-away customer's code or id, or the merge's id")),
        )
}

/// Whether `name` is one of the subcommands `extend` adds.
pub fn handles(entity: Entity, name: &str) -> bool {
    entity == Entity::Customers && matches!(name, "duplicates" | "merge" | "unmerge")
}

pub fn run(
    ctx: &Context,
    replica: &Replica,
    names: &Names<'_>,
    name: &str,
    m: &ArgMatches,
) -> Result<(), CliError> {
    let arg = |n: &str| {
        m.get_one::<String>(n)
            .map(String::as_str)
            .unwrap_or_default()
    };
    match name {
        "duplicates" => duplicates(
            ctx,
            *m.get_one::<Format>("format").unwrap_or(&Format::Table),
        ),
        "merge" => {
            let keep: Vec<String> = m
                .get_many::<String>("keep")
                .map(|k| k.cloned().collect())
                .unwrap_or_default();
            merge(ctx, replica, names, arg("a"), arg("b"), &keep)
        }
        "unmerge" => unmerge(ctx, replica, arg("key")),
        _ => Err(CliError::Usage(format!("unknown command {name}"))),
    }
}

/// The fields `--keep FIELD=B` takes from B; `FIELD=A` is the default and takes nothing.
pub fn taken_fields(keep: &[String]) -> Result<Vec<String>, CliError> {
    let mut take = Vec::new();
    for k in keep {
        let (field, side) = k
            .split_once('=')
            .ok_or_else(|| CliError::Usage(format!("--keep {k}: write FIELD=A or FIELD=B")))?;
        if Entity::Customers.field(field.trim()).is_none() {
            return Err(CliError::Usage(format!(
                "--keep {k}: customers have no field {field}"
            )));
        }
        match side.trim() {
            "B" | "b" => take.push(field.trim().to_string()),
            "A" | "a" => {}
            other => {
                return Err(CliError::Usage(format!(
                    "--keep {k}: {other} is neither A nor B"
                )));
            }
        }
    }
    Ok(take)
}

fn merge(
    ctx: &Context,
    replica: &Replica,
    names: &Names<'_>,
    a: &str,
    b: &str,
    keep: &[String],
) -> Result<(), CliError> {
    let take = taken_fields(keep)?;
    let survivor = names.record(Entity::Customers, a)?;
    let merged = names.record(Entity::Customers, b)?;
    if survivor.id == merged.id {
        return Err(CliError::Usage("A and B are the same customer".into()));
    }
    let mut fields = Map::new();
    fields.insert("survivor_id".into(), json!(survivor.id));
    fields.insert("merged_id".into(), json!(merged.id));
    fields.insert("take".into(), json!(take));
    // The versions compared: a customer changed on the server since is not merged blindly.
    if survivor.version > 0 {
        fields.insert("survivor_version".into(), json!(survivor.version));
    }
    if merged.version > 0 {
        fields.insert("merged_version".into(), json!(merged.version));
    }
    replica.create(Entity::Merges, fields)?;
    let label =
        |r: &crate::replica::Record| crate::replica::record_label(Entity::Customers, &r.fields);
    ctx.after_write(
        replica,
        &format!("merging {} into {}", label(&merged), label(&survivor)),
    )?;
    refresh(ctx, replica)
}

fn unmerge(ctx: &Context, replica: &Replica, key: &str) -> Result<(), CliError> {
    let key = key.trim();
    let by = |field: &str, value: &str| -> Result<Vec<crate::replica::Record>, CliError> {
        let query = LocalQuery {
            filters: vec![(field.to_string(), Value::String(value.to_string()))],
            limit: 50,
            ..LocalQuery::default()
        };
        Ok(replica.list(Entity::Merges, &query)?)
    };
    let mut found = by("merged_code", &key.to_uppercase())?;
    found.extend(by("merged_id", key)?);
    found.extend(by("id", key)?);
    let merge = found
        .into_iter()
        .find(|m| m.text("status") == Some("done"))
        .ok_or_else(|| {
            CliError::Other(format!(
                "no merge in force took {key} away; `crm merges list` shows the merges you may see"
            ))
        })?;
    let mut changes = Map::new();
    changes.insert("status".into(), json!("undone"));
    replica.update(Entity::Merges, &merge.id, changes)?;
    ctx.after_write(
        replica,
        &format!(
            "undoing the merge of {} {}",
            merge.text("merged_code").unwrap_or_default(),
            merge.text("merged_name").unwrap_or_default()
        ),
    )?;
    refresh(ctx, replica)
}

/// Pulls what the merge changed, when the server answers.
fn refresh(ctx: &Context, replica: &Replica) -> Result<(), CliError> {
    if let Ok(client) = ctx.client() {
        let pulled = ctx.runtime.block_on(async {
            tokio::time::timeout(
                std::time::Duration::from_secs(30),
                crate::sync::pull(replica, &client, |_| {}),
            )
            .await
        });
        if let Ok(Err(e)) = pulled {
            say!("not refreshed ({e}); the next sync brings the changes");
        }
    }
    Ok(())
}

fn duplicates(ctx: &Context, format: Format) -> Result<(), CliError> {
    let client = ctx.client()?;
    let mut rows: Vec<Map<String, Value>> = Vec::new();
    let mut pairs: Vec<Value> = Vec::new();
    let mut after = String::new();
    loop {
        let path = format!("/customers/duplicates?limit=500&after={after}");
        let page = ctx.runtime.block_on(async {
            tokio::time::timeout(
                std::time::Duration::from_secs(120),
                client.call(&path, None),
            )
            .await
        });
        let page = match page {
            Ok(answer) => answer?,
            Err(_) => {
                return Err(CliError::Other(
                    "the server did not answer in two minutes; try again".into(),
                ));
            }
        };
        for pair in page["pairs"].as_array().into_iter().flatten() {
            let side = |p: &Value| {
                format!(
                    "{} {}",
                    p["code"].as_str().unwrap_or_default(),
                    p["name"].as_str().unwrap_or_default()
                )
            };
            let reasons: Vec<&str> = pair["reasons"]
                .as_array()
                .into_iter()
                .flatten()
                .filter_map(Value::as_str)
                .collect();
            let mut row = Map::new();
            row.insert("a".into(), json!(side(&pair["a"])));
            row.insert("b".into(), json!(side(&pair["b"])));
            row.insert("same".into(), json!(reasons.join(", ")));
            rows.push(row);
            pairs.push(pair.clone());
        }
        match page["next"].as_str() {
            Some(next) => after = next.to_string(),
            None => break,
        }
    }
    match format {
        Format::Json => {
            let text = output::json(&Value::Array(pairs), true)
                .map_err(|e| CliError::Other(e.to_string()))?;
            super::write_stdout(&format!("{text}\n"))
        }
        Format::Csv => super::write_stdout(&output::csv(&["a", "b", "same"], &rows)),
        Format::Table => {
            if rows.is_empty() {
                say!("no likely duplicates among the customers you may merge");
                return Ok(());
            }
            super::write_stdout(&output::table(&["a", "b", "same"], &rows, 60))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keep_takes_the_fields_named_b_and_refuses_the_rest() {
        let keep = |k: &[&str]| taken_fields(&k.iter().map(|s| s.to_string()).collect::<Vec<_>>());
        assert_eq!(
            keep(&["phone=B", "level=A", "email=b"]).unwrap(),
            ["phone", "email"]
        );
        assert!(keep(&[]).unwrap().is_empty());
        for bad in ["phone", "phone=C", "colour=B"] {
            assert!(matches!(keep(&[bad]), Err(CliError::Usage(_))), "{bad}");
        }
    }
}
