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
//! - `crm contacts duplicates|merge A B [--keep title=B]|unmerge B`: the same for contacts (the
//!   same name at one customer, the same mobile or email anywhere), named by id — a contact has
//!   no code, and `duplicates` lists the ids —; a `contact_merges` record moves their deals,
//!   activities, tickets, campaign memberships, relations and list memberships.

use clap::{Arg, ArgAction, ArgMatches, Command};
use crm_server::schema::Entity;
use serde_json::{Map, Value, json};

use super::output::{self, Format};
use super::records::Names;
use super::{CliError, Context};
use crate::replica::{LocalQuery, Replica};

/// The entities that merge: customers (`merges` records) and contacts (`contact_merges`).
fn merges_of(entity: Entity) -> Option<Entity> {
    crm_server::service::merges::merges_of(entity)
}

/// The subcommands customers and contacts gain.
pub fn extend(entity: Entity, command: Command) -> Command {
    if merges_of(entity).is_none() {
        return command;
    }
    let contacts = entity == Entity::Contacts;
    let (duplicates, merge, a, b, unmerge, unmerge_key) = if contacts {
        (
            "List likely duplicate contacts in pairs, with why (the same name at one customer, the same mobile or email; online)",
            "Merge contact B into contact A: B's deals, activities, tickets, campaign memberships and relations move to A, B is gone (an admin can undo it)",
            "the contact that stays (its id, as `duplicates` lists it)",
            "the contact merged into it (its id)",
            "Undo the merge that took this contact away (admins): it comes back with exactly what was moved",
            "the merged-away contact's id or name, or the merge's id",
        )
    } else {
        (
            "List likely duplicate customers in pairs, with why (same phone, email, name or its pinyin; online)",
            "Merge customer B into customer A: B's contacts, deals, activities, tickets, orders… move to A, B is gone (an admin can undo it)",
            "the customer that stays (code or id)",
            "the customer merged into it (code or id)",
            "Undo the merge that took this customer away (admins): it comes back with exactly what was moved",
            "the merged-away customer's code or id, or the merge's id",
        )
    };
    command
        .subcommand(
            Command::new("duplicates")
                .about(duplicates)
                .arg(
                    Arg::new("format")
                        .long("format")
                        .value_parser(clap::builder::EnumValueParser::<Format>::new())
                        .default_value("table"),
                ),
        )
        .subcommand(
            Command::new("merge")
                .about(merge)
                .arg(Arg::new("a").required(true).help(a))
                .arg(Arg::new("b").required(true).help(b))
                .arg(
                    Arg::new("keep")
                        .long("keep")
                        .action(ArgAction::Append)
                        .help("FIELD=B takes B's value of FIELD (FIELD=A keeps A's, the default); repeat for several"),
                ),
        )
        .subcommand(
            Command::new("unmerge")
                .about(unmerge)
                .arg(Arg::new("key").required(true).help(unmerge_key)),
        )
}

/// Whether `name` is one of the subcommands `extend` adds.
pub fn handles(entity: Entity, name: &str) -> bool {
    merges_of(entity).is_some() && matches!(name, "duplicates" | "merge" | "unmerge")
}

pub fn run(
    ctx: &Context,
    entity: Entity,
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
            entity,
            replica,
            *m.get_one::<Format>("format").unwrap_or(&Format::Table),
        ),
        "merge" => {
            let keep: Vec<String> = m
                .get_many::<String>("keep")
                .map(|k| k.cloned().collect())
                .unwrap_or_default();
            merge(ctx, entity, replica, names, (arg("a"), arg("b")), &keep)
        }
        "unmerge" => unmerge(ctx, entity, replica, arg("key")),
        _ => Err(CliError::Usage(format!("unknown command {name}"))),
    }
}

/// The fields `--keep FIELD=B` takes from B; `FIELD=A` is the default and takes nothing.
pub fn taken_fields(entity: Entity, keep: &[String]) -> Result<Vec<String>, CliError> {
    let mut take = Vec::new();
    for k in keep {
        let (field, side) = k
            .split_once('=')
            .ok_or_else(|| CliError::Usage(format!("--keep {k}: write FIELD=A or FIELD=B")))?;
        if entity.field(field.trim()).is_none() {
            return Err(CliError::Usage(format!(
                "--keep {k}: {} have no field {field}",
                entity.name()
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
    entity: Entity,
    replica: &Replica,
    names: &Names<'_>,
    (a, b): (&str, &str),
    keep: &[String],
) -> Result<(), CliError> {
    let merges = merges_of(entity).ok_or_else(|| CliError::Usage("nothing to merge".into()))?;
    let take = taken_fields(entity, keep)?;
    let survivor = names.record(entity, a)?;
    let merged = names.record(entity, b)?;
    if survivor.id == merged.id {
        return Err(CliError::Usage(format!(
            "A and B are the same {}",
            entity.noun()
        )));
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
    replica.create(merges, fields)?;
    let label = |r: &crate::replica::Record| crate::replica::record_label(entity, &r.fields);
    ctx.after_write(
        replica,
        &format!("merging {} into {}", label(&merged), label(&survivor)),
    )?;
    refresh(ctx, replica)
}

fn unmerge(ctx: &Context, entity: Entity, replica: &Replica, key: &str) -> Result<(), CliError> {
    let merges = merges_of(entity).ok_or_else(|| CliError::Usage("nothing to unmerge".into()))?;
    let key = key.trim();
    let by = |field: &str, value: &str| -> Result<Vec<crate::replica::Record>, CliError> {
        let query = LocalQuery {
            filters: vec![(field.to_string(), Value::String(value.to_string()))],
            limit: 50,
            ..LocalQuery::default()
        };
        Ok(replica.list(merges, &query)?)
    };
    let mut found = if entity == Entity::Customers {
        by("merged_code", &key.to_uppercase())?
    } else {
        by("merged_name", key)?
    };
    found.extend(by("merged_id", key)?);
    found.extend(by("id", key)?);
    let merge = found
        .into_iter()
        .find(|m| m.text("status") == Some("done"))
        .ok_or_else(|| {
            CliError::Other(format!(
                "no merge in force took {key} away; `crm {} list` shows the merges you may see",
                merges.name()
            ))
        })?;
    let mut changes = Map::new();
    changes.insert("status".into(), json!("undone"));
    replica.update(merges, &merge.id, changes)?;
    let what = [merge.text("merged_code"), merge.text("merged_name")]
        .into_iter()
        .flatten()
        .collect::<Vec<_>>()
        .join(" ");
    ctx.after_write(replica, &format!("undoing the merge of {what}"))?;
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

fn duplicates(
    ctx: &Context,
    entity: Entity,
    replica: &Replica,
    format: Format,
) -> Result<(), CliError> {
    let client = ctx.client()?;
    let contacts = entity == Entity::Contacts;
    let mut rows: Vec<Map<String, Value>> = Vec::new();
    let mut pairs: Vec<Value> = Vec::new();
    let mut after = String::new();
    loop {
        let path = format!("/{}/duplicates?limit=500&after={after}", entity.name());
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
            // A contact by its name and its customer's, a customer by its code and name.
            let side = |p: &Value| {
                let first = if contacts {
                    p["customer_id"]
                        .as_str()
                        .and_then(|c| replica.get(Entity::Customers, c).ok().flatten())
                        .map(|c| crate::replica::record_label(Entity::Customers, &c.fields))
                        .unwrap_or_default()
                } else {
                    p["code"].as_str().unwrap_or_default().to_string()
                };
                let name = p["name"].as_str().unwrap_or_default();
                if contacts {
                    format!("{name} ({first})")
                } else {
                    format!("{first} {name}")
                }
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
            if contacts {
                row.insert("a_id".into(), pair["a"]["id"].clone());
                row.insert("b_id".into(), pair["b"]["id"].clone());
            }
            rows.push(row);
            pairs.push(pair.clone());
        }
        match page["next"].as_str() {
            Some(next) => after = next.to_string(),
            None => break,
        }
    }
    // Contacts have no code: their ids are what `merge` takes.
    let columns: &[&str] = if contacts {
        &["a", "b", "same", "a_id", "b_id"]
    } else {
        &["a", "b", "same"]
    };
    match format {
        Format::Json => {
            let text = output::json(&Value::Array(pairs), true)
                .map_err(|e| CliError::Other(e.to_string()))?;
            super::write_stdout(&format!("{text}\n"))
        }
        Format::Csv => super::write_stdout(&output::csv(columns, &rows)),
        Format::Table => {
            if rows.is_empty() {
                say!(
                    "no likely duplicates among the {} you may merge",
                    entity.name()
                );
                return Ok(());
            }
            super::write_stdout(&output::table(columns, &rows, 60))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keep_takes_the_fields_named_b_and_refuses_the_rest() {
        let keep = |k: &[&str]| {
            taken_fields(
                Entity::Customers,
                &k.iter().map(|s| s.to_string()).collect::<Vec<_>>(),
            )
        };
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
