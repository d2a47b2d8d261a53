//! The command line of `crm <entity>`: its subcommands, flags and `--where`.

use super::*;

fn format_arg() -> Arg {
    Arg::new("format")
        .long("format")
        .value_parser(clap::builder::EnumValueParser::<Format>::new())
        .default_value("table")
        .help("table for people; json or csv for programs")
}

fn key_help(entity: Entity) -> &'static str {
    match entity {
        Entity::Customers => "the customer's code (C000123) or id",
        Entity::Tickets => "the ticket's number (T-000123) or id",
        Entity::LevelSettings => "the level (A, B, C, D) or the setting's id",
        Entity::Quotes => "the quote's number (Q-000123, its newest revision) or id",
        Entity::Orders => "the order's number (O-000123) or id",
        Entity::Warehouses => "the warehouse's code or id",
        Entity::Contracts => "the contract's number (K-000123) or id",
        Entity::Licences => "the licence number or id",
        Entity::ApprovalSettings => "the kind (contract, discount, expense) or the setting's id",
        _ => "the record's id",
    }
}

/// `--where QUERY`: the query language, as the screens' `/` and the API's `?q=` read it.
pub(in crate::cli) fn where_arg(entity: Entity) -> Arg {
    let example = match entity {
        Entity::Customers => {
            "level:A region:华东 owner:li updated<30d -lifecycle:lost \"上海\" tag:vip"
        }
        Entity::Opportunities => "amount>100000 stage:proposal,negotiation owner:me",
        Entity::Tickets => "status:new,open priority:high,urgent created<7d",
        _ => "field:value field>value -field:value words",
    };
    Arg::new("where")
        .long("where")
        .short('w')
        .value_name("QUERY")
        .allow_hyphen_values(true)
        .help(format!(
            "a query: field:value (a,b for any), > >= < <= on numbers, amounts and dates (2026-12-01, or ages 30d 12h), -term to leave out, words to search; e.g. '{example}'"
        ))
}

/// The query of `--where` laid on `query`; a query it cannot read is a usage error pointing
/// at the wrong word.
pub(crate) fn add_where(
    replica: &Replica,
    entity: Entity,
    text: &str,
    query: &mut LocalQuery,
) -> Result<(), CliError> {
    match replica.resolve_query(entity, text, chrono::Utc::now())? {
        Ok(resolved) => {
            query.add_query(resolved);
            Ok(())
        }
        Err(e) => Err(CliError::Usage(format!(
            "--where: {e}\n  {text}\n  {}",
            crate::text::caret(text, e.at)
        ))),
    }
}

pub fn command(entity: Entity) -> Command {
    let key = || Arg::new("key").required(true).help(key_help(entity));
    let mut add = Command::new("add")
        .about(format!(
            "Add a {} (offline too: sent at the next sync)",
            entity.noun()
        ))
        .args(fields::write_args(entity));
    if entity == Entity::Customers {
        add = add.arg(
            Arg::new("allow_duplicate")
                .long("allow-duplicate")
                .action(ArgAction::SetTrue)
                .help("create even when a customer with the same name, phone or email exists"),
        );
    }
    let mut list =
        Command::new("list").about(format!("List {} from the local replica", entity.name()));
    if entity == Entity::Approvals {
        list = list.arg(
            Arg::new("waiting")
                .long("waiting")
                .action(ArgAction::SetTrue)
                .help("only those waiting for your decision (your inbox)"),
        );
    }
    let mut command = Command::new(entity.name())
        .about(format!("List, show, add, edit or delete {}", entity.name()))
        .subcommand_required(true);
    if matches!(entity, Entity::Quotes | Entity::Contracts) {
        command = command.subcommand(crate::cli::render::command(entity));
    }
    if entity == Entity::Surveys {
        command = command.subcommand(
            Command::new("results")
                .about("A survey's results: per question how many answered, a scale's average, how often each point or choice was given (finished return visits)")
                .arg(Arg::new("key").required(true).help("the survey's id or English title"))
                .arg(format_arg()),
        );
    }
    if entity == Entity::Territories {
        command = command.subcommand(
            Command::new("apply")
                .about("Admins, after changing the territory rules: put every customer in the territory the rules now give its region and industry (the territory's owner and team with it when it names an owner), each move audited")
                .arg(
                    Arg::new("dry-run")
                        .long("dry-run")
                        .action(ArgAction::SetTrue)
                        .help("count what would move; change nothing"),
                ),
        );
    }
    if entity == Entity::Holidays {
        command = command.subcommand(
            Command::new("load")
                .about("Load a public-holiday file ({\"days\": [{\"name\", \"date\", \"isOffDay\"}]}, as published for China each year): each day added, or changed when listed already")
                .arg(Arg::new("file").required(true).help("the JSON file")),
        );
    }
    command = command
        .subcommand(
            list
                .arg(
                    Arg::new("search")
                        .long("search")
                        .short('s')
                        .help(if entity == Entity::Customers {
                            "text to find: name (or its pinyin: donghua, dh), code, email, phone, a contact's name; best matches first, as on the screens"
                        } else {
                            "text to find"
                        }),
                )
                .arg(where_arg(entity))
                .args(fields::filter_args(entity))
                .arg(
                    Arg::new("sort")
                        .long("sort")
                        .help("a field to sort by (names in pinyin order); prefix - for descending"),
                )
                .arg(
                    Arg::new("limit")
                        .long("limit")
                        .value_parser(clap::value_parser!(usize))
                        .default_value("50"),
                )
                .arg(
                    Arg::new("offset")
                        .long("offset")
                        .value_parser(clap::value_parser!(usize))
                        .default_value("0"),
                )
                .arg(format_arg()),
        )
        .subcommand(
            Command::new("show")
                .about(format!("Show one {}", entity.noun()))
                .arg(key())
                .arg(format_arg()),
        )
        .subcommand(add)
        .subcommand(
            Command::new("edit")
                .about(format!("Change fields of a {}", entity.noun()))
                .arg(key())
                .args(fields::write_args(entity)),
        )
        .subcommand(
            Command::new("delete")
                .about(format!("Delete a {}", entity.noun()))
                .arg(key())
                .arg(
                    Arg::new("yes")
                        .long("yes")
                        .action(ArgAction::SetTrue)
                        .required(true)
                        .help("yes, delete it"),
                ),
        );
    if entity == Entity::Approvals {
        let decide = |name: &'static str, about: &'static str, comment_required: bool| {
            Command::new(name)
                .about(about)
                .arg(Arg::new("key").required(true).help("the approval's id"))
                .arg(
                    Arg::new("comment")
                        .long("comment")
                        .short('m')
                        .required(comment_required)
                        .help("your reasons, kept with the decision"),
                )
        };
        command = command
            .subcommand(decide(
                "approve",
                "Approve what waits for you (never your own submission)",
                false,
            ))
            .subcommand(decide(
                "reject",
                "Reject what waits for you, saying why",
                true,
            ));
    }
    let command = if crate::cli::import::importable(entity) {
        command.subcommand(crate::cli::import::command(entity))
    } else {
        command
    };
    let command = crate::cli::marketing::extend(entity, command);
    crate::cli::letters::extend(entity, crate::cli::merges::extend(entity, command))
}
