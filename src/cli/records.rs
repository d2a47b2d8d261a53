//! `crm <entity> list|show|add|edit|delete` and `crm export`, all from the local replica, so they
//! work offline; writes go to the outbox and are sent when the server answers.

use std::collections::HashMap;

use clap::{Arg, ArgAction, ArgMatches, Command};
use crm_server::catalog::{Catalog, CustomField, CustomKind};
use crm_server::schema::{CUSTOM_FIELD, Entity};
use serde_json::{Map, Value};

use super::fields::{self, Resolve};
use super::output::{self, Format};
use super::{CliError, Context};
use crate::replica::{LocalQuery, Record, Replica};
use crate::zone::Zone;

/// The entities the scripting CLI works on.
pub const ENTITIES: [Entity; 67] = [
    Entity::Customers,
    Entity::Contacts,
    Entity::Opportunities,
    Entity::Activities,
    Entity::Tickets,
    Entity::Competitors,
    Entity::CompetitorProducts,
    Entity::OpportunityCompetitors,
    // Admins set the reminders' days per level: `crm level_settings edit A --quiet-days 5`.
    Entity::LevelSettings,
    Entity::Products,
    Entity::ProductCosts,
    Entity::Prices,
    Entity::OpportunityLines,
    Entity::Quotes,
    Entity::QuoteLines,
    Entity::DiscountLimits,
    Entity::Orders,
    Entity::OrderLines,
    Entity::Warehouses,
    Entity::StockLevels,
    Entity::StockMovements,
    Entity::PaymentPlans,
    Entity::Instalments,
    Entity::Payments,
    Entity::Contracts,
    Entity::ExpenseClaims,
    Entity::Licences,
    // `crm approvals list --waiting`, `approve KEY`, `reject KEY --comment`; submitting is
    // `crm approvals add --contract K-000123`.
    Entity::Approvals,
    // Admins set the amount above which an admin approves: `crm approval_settings add …`.
    Entity::ApprovalSettings,
    // The service desk's settings: `crm holidays load cn-2026.json` reads a public-holiday file.
    Entity::WrapUpCodes,
    Entity::SlaCalendars,
    Entity::Holidays,
    Entity::ServiceLevels,
    Entity::CallScripts,
    Entity::CannedReplies,
    // Admins shape the data: `crm list_items add --list levels --code E …`,
    // `crm field_definitions add --entity customers --key … --kind money`.
    Entity::ListItems,
    Entity::FieldDefinitions,
    // Admins print quotes and contracts their way: `crm document_templates add --kind quote
    // --lang zh --format md --body "$(cat quote.md)"`.
    Entity::DocumentTemplates,
    // Managers and admins set quotas: `crm targets add --user li --month 2026-12-01 --amount 500000`.
    Entity::Targets,
    // Work plans and logs (`crm work_plans add --week 2026-11-30 --title …`), and the admin's
    // value model and analysis settings (`crm value_indicators add --indicator order_total
    // --weight 40 --full-at 50000000`).
    Entity::WorkPlans,
    Entity::WorkLogs,
    Entity::ValueIndicators,
    Entity::ValueLevels,
    Entity::AnalysisSettings,
    // The admin's limits on attached files: `crm file_settings add --max-size-mb 50 --types
    // pdf,image`.
    Entity::FileSettings,
    // Named filters and fixed sets of records, used as `--where 'saved:NAME'` or
    // `--where 'list:NAME'`: `crm saved_queries add --name 大客户 --entity customers --query
    // 'level:A' --shared`, `crm list_members add --list 春季活动 --record-id ID`.
    Entity::SavedQueries,
    Entity::StaticLists,
    Entity::ListMembers,
    // The knowledge base and surveys: `crm surveys results ID --format csv` counts the answers.
    Entity::Articles,
    Entity::ArticleVersions,
    Entity::Surveys,
    Entity::SurveyQuestions,
    Entity::ReturnVisits,
    // `crm leads convert L-000123`, `crm leads import FILE`; `crm campaigns members|results`
    // (`cli/marketing.rs`).
    Entity::Leads,
    Entity::Campaigns,
    Entity::CampaignMembers,
    // Field service and scheduled surveys: `crm field_visits add --ticket … --engineer …
    // --starts-at …`, `crm survey_schedules add --name … --survey … --query 'level:A'`.
    Entity::FieldVisits,
    Entity::VisitParts,
    Entity::SurveySchedules,
    // People and territories: `crm contact_relations add --contact-id … --kind reports_to
    // --related-id …`, `crm territories add --name 华东区 --regions 华东 --owner li` (admins),
    // `crm dealer_assessments add --customer C000123 --period 2026-10-01 --sales-score 80 …`.
    Entity::ContactRelations,
    Entity::Territories,
    Entity::DealerAssessments,
    // `crm customers duplicates|merge|unmerge` (`cli/merges.rs`) write merges; `crm merges
    // list` shows them, `crm bulk_actions add --kind tag --ids … --tag 展会` changes many.
    Entity::Merges,
    Entity::BulkActions,
    // `crm contacts duplicates|merge|unmerge` write these; `crm contact_merges list` shows them.
    Entity::ContactMerges,
    // Customer care: `crm care_rules add`, `crm letter_templates send NAME --where Q`
    // (`cli/letters.rs`).
    Entity::CareRules,
    Entity::LetterTemplates,
];

/// The largest holiday file read: a year's file is a few kilobytes.
const MAX_HOLIDAY_FILE: u64 = 1 << 20;

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
pub(super) fn where_arg(entity: Entity) -> Arg {
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
        command = command.subcommand(super::render::command(entity));
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
    let command = if super::import::importable(entity) {
        command.subcommand(super::import::command(entity))
    } else {
        command
    };
    let command = super::marketing::extend(entity, command);
    super::letters::extend(entity, super::merges::extend(entity, command))
}

/// Names ↔ ids through the replica: usernames, customer codes, stage and team names, numbers.
pub struct Names<'a>(pub &'a Replica);

impl Names<'_> {
    fn find_one(
        &self,
        entity: Entity,
        field: &str,
        value: &str,
    ) -> Result<Option<Record>, CliError> {
        let query = LocalQuery {
            filters: vec![(field.to_string(), Value::String(value.to_string()))],
            limit: 1,
            ..LocalQuery::default()
        };
        Ok(self.0.list(entity, &query)?.into_iter().next())
    }

    /// The record a user typed: an id, or the human key of its kind.
    pub fn record(&self, entity: Entity, key: &str) -> Result<Record, CliError> {
        let key = key.trim();
        let found = match entity {
            Entity::Customers => self.0.customer_by_code_or_id(key)?,
            Entity::Tickets | Entity::Orders if !is_uuid(key) => {
                self.find_one(entity, "number", &key.to_uppercase())?
            }
            Entity::Warehouses if !is_uuid(key) => self.find_one(entity, "code", key)?,
            Entity::Users if !is_uuid(key) => self.find_one(Entity::Users, "username", key)?,
            // A quote's revisions share its number: the newest is the one meant.
            Entity::Quotes if !is_uuid(key) => {
                let query = LocalQuery {
                    filters: vec![("number".into(), Value::String(key.to_uppercase()))],
                    sort: Some("created_at".into()),
                    descending: true,
                    limit: 1,
                    ..LocalQuery::default()
                };
                self.0.list(Entity::Quotes, &query)?.into_iter().next()
            }
            Entity::Products if !is_uuid(key) => self.find_one(Entity::Products, "code", key)?,
            Entity::Contracts | Entity::Leads if !is_uuid(key) => {
                self.find_one(entity, "number", &key.to_uppercase())?
            }
            Entity::Licences if !is_uuid(key) => self.find_one(entity, "licence_number", key)?,
            Entity::ApprovalSettings if !is_uuid(key) => {
                self.find_one(entity, "kind", &key.to_lowercase())?
            }
            Entity::DiscountLimits if !is_uuid(key) => {
                self.find_one(Entity::DiscountLimits, "role", key)?
            }
            // Names these are known by, unique among them.
            Entity::Stages
            | Entity::Teams
            | Entity::Competitors
            | Entity::Campaigns
            | Entity::Territories
            | Entity::LetterTemplates
            | Entity::CareRules
                if !is_uuid(key) =>
            {
                self.find_one(entity, "name", key)?
            }
            Entity::LevelSettings if !is_uuid(key) => {
                self.find_one(entity, "level", &key.to_uppercase())?
            }
            _ if is_uuid(key) => self.0.get(entity, key)?,
            _ => None,
        };
        found.ok_or_else(|| {
            CliError::NotFound(format!(
                "no {} {key} in the local replica; `crm sync` fetches new ones",
                entity.noun()
            ))
        })
    }

    /// A short name for a linked record, for tables.
    fn label(
        &self,
        cache: &mut HashMap<(Entity, String), String>,
        entity: Entity,
        id: &str,
    ) -> String {
        let key = (entity, id.to_string());
        if let Some(hit) = cache.get(&key) {
            return hit.clone();
        }
        let label = match self.0.get(entity, id) {
            Ok(Some(r)) => match entity {
                Entity::Users => r.text("username"),
                Entity::Customers => r.text("code"),
                Entity::Tickets
                | Entity::Quotes
                | Entity::Orders
                | Entity::Contracts
                | Entity::Leads => r.text("number"),
                Entity::Products | Entity::Warehouses => r.text("code"),
                Entity::Instalments => r.text("due_date"),
                Entity::Licences => r.text("licence_number"),
                Entity::ExpenseClaims | Entity::Approvals => r.text("subject"),
                _ => r.text("name"),
            }
            .unwrap_or(id)
            .to_string(),
            _ => id.chars().take(8).collect(),
        };
        cache.insert(key, label.clone());
        label
    }
}

fn is_uuid(s: &str) -> bool {
    uuid::Uuid::parse_str(s).is_ok()
}

impl Resolve for Names<'_> {
    fn resolve(&self, target: Entity, text: &str) -> Result<String, String> {
        self.record(target, text)
            .map(|r| r.id)
            .map_err(|e| e.to_string())
    }
}

/// Rows for a table: ids shown as names, money as amounts, pending edits marked.
/// Whether a column holds a time (shown in the user's zone in tables).
fn is_time(entity: Entity, col: &str) -> bool {
    matches!(col, "created_at" | "updated_at")
        || entity
            .field(col)
            .is_some_and(|f| f.kind == crm_server::schema::Kind::Time)
}

pub(super) fn display_rows(
    names: &Names<'_>,
    entity: Entity,
    records: &[Record],
    zone: Zone,
) -> (Vec<String>, Vec<Map<String, Value>>) {
    let cols = entity.descriptor().columns;
    let catalog = names.0.catalog().unwrap_or_default();
    let lang = crate::config::lang_of(None);
    // The custom fields an admin shows as list columns, after the built-in ones.
    let custom: Vec<&CustomField> = catalog
        .custom_fields(entity)
        .filter(|c| c.in_list)
        .collect();
    let mut cache = HashMap::new();
    let rows = records
        .iter()
        .map(|r| {
            let mut row = Map::new();
            for col in cols {
                let value = match (entity.field(col).map(|f| f.kind), r.get(col)) {
                    (Some(crm_server::schema::Kind::Ref(target)), Some(Value::String(id))) => {
                        Value::String(names.label(&mut cache, target, id))
                    }
                    (Some(crm_server::schema::Kind::Money), Some(Value::Number(n))) => {
                        Value::String(fields::format_money(n.as_i64().unwrap_or(0)))
                    }
                    (_, Some(v)) if is_time(entity, col) => {
                        output::local_time(v, zone).unwrap_or_else(|| v.clone())
                    }
                    (_, v) => v.cloned().unwrap_or(Value::Null),
                };
                row.insert(col.trim_end_matches("_id").to_string(), value);
            }
            for c in &custom {
                let value = custom_value(names, &mut cache, c, &r.fields);
                row.insert(c.label(lang).to_string(), value);
            }
            let state = if r.conflicted {
                "conflict"
            } else if r.pending {
                "pending"
            } else {
                ""
            };
            row.insert("sync".into(), Value::String(state.into()));
            row
        })
        .collect();
    let mut headers: Vec<String> = cols
        .iter()
        .map(|c| c.trim_end_matches("_id").to_string())
        .collect();
    headers.extend(custom.iter().map(|c| c.label(lang).to_string()));
    headers.push("sync".into());
    (headers, rows)
}

/// A custom field's value as a table shows it: money as an amount, a user or record by name,
/// several choices joined.
fn custom_value(
    names: &Names<'_>,
    cache: &mut HashMap<(Entity, String), String>,
    field: &CustomField,
    record: &Map<String, Value>,
) -> Value {
    let value = record
        .get(CUSTOM_FIELD)
        .and_then(|m| m.get(field.key.as_str()))
        .cloned()
        .unwrap_or(Value::Null);
    match (field.kind, value) {
        (CustomKind::Money, Value::Number(n)) => {
            Value::String(fields::format_money(n.as_i64().unwrap_or(0)))
        }
        (kind, Value::String(id)) if kind.target().is_some() => {
            Value::String(names.label(cache, kind.target().unwrap_or(Entity::Users), &id))
        }
        (_, Value::Array(items)) => Value::String(
            items
                .iter()
                .filter_map(Value::as_str)
                .collect::<Vec<_>>()
                .join(", "),
        ),
        (_, v) => v,
    }
}

/// Every field of a record, for JSON and CSV.
pub(super) fn full(record: &Record) -> Map<String, Value> {
    let mut out = record.fields.clone();
    out.insert("id".into(), Value::String(record.id.clone()));
    out.insert("pending".into(), Value::Bool(record.pending));
    out.insert("conflicted".into(), Value::Bool(record.conflicted));
    out
}

pub(super) fn all_columns(entity: Entity) -> Vec<&'static str> {
    let mut cols = vec!["id", "version", "created_at", "updated_at", "updated_by"];
    cols.extend(entity.fields().iter().map(|f| f.name));
    cols
}

/// The columns of an export: every field, a custom field each as `custom.<key>`.
pub(super) fn export_columns(entity: Entity, catalog: &Catalog) -> Vec<String> {
    let mut cols: Vec<String> = all_columns(entity)
        .into_iter()
        .filter(|c| *c != CUSTOM_FIELD)
        .map(String::from)
        .collect();
    cols.extend(catalog.custom_fields(entity).map(CustomField::path));
    cols
}

/// A record for an export: `full`, its custom values each under `custom.<key>`.
pub(super) fn flat(record: &Record) -> Map<String, Value> {
    let mut out = full(record);
    if let Some(Value::Object(custom)) = out.remove(CUSTOM_FIELD) {
        for (k, v) in custom {
            let v = match v {
                Value::Array(items) => Value::String(
                    items
                        .iter()
                        .filter_map(Value::as_str)
                        .collect::<Vec<_>>()
                        .join(", "),
                ),
                v => v,
            };
            out.insert(format!("{CUSTOM_FIELD}.{k}"), v);
        }
    }
    out
}

pub fn print(
    names: &Names<'_>,
    entity: Entity,
    records: &[Record],
    format: Format,
    zone: Zone,
) -> Result<(), CliError> {
    let text = match format {
        Format::Json => {
            let items: Vec<Value> = records.iter().map(|r| Value::Object(full(r))).collect();
            output::json(&items, true).map_err(|e| CliError::Other(e.to_string()))? + "\n"
        }
        Format::Csv => {
            let cols = export_columns(entity, &names.0.catalog()?);
            let cols: Vec<&str> = cols.iter().map(String::as_str).collect();
            output::csv(&cols, &records.iter().map(flat).collect::<Vec<_>>())
        }
        Format::Table => {
            let (headers, rows) = display_rows(names, entity, records, zone);
            let headers: Vec<&str> = headers.iter().map(String::as_str).collect();
            output::table(&headers, &rows, 32)
        }
    };
    super::write_stdout(&text)
}

fn print_one(
    names: &Names<'_>,
    record: &Record,
    format: Format,
    zone: Zone,
) -> Result<(), CliError> {
    match format {
        Format::Table => {
            let mut rows = Vec::new();
            let mut cache = HashMap::new();
            for col in all_columns(record.entity) {
                let value = match (record.entity.field(col).map(|f| f.kind), record.get(col)) {
                    // Who last changed it, by name; nothing for a record written before the
                    // server kept it or by someone this copy does not know.
                    (_, found) if col == "updated_by" => {
                        let user = match found.and_then(Value::as_str) {
                            Some(id) => names.0.get(Entity::Users, id)?,
                            None => None,
                        };
                        match crate::replica::user_name(user.as_ref().map(|u| &u.fields)) {
                            Some(name) => Value::String(name),
                            None => continue,
                        }
                    }
                    (Some(crm_server::schema::Kind::Ref(target)), Some(Value::String(id))) => {
                        Value::String(names.label(&mut cache, target, id))
                    }
                    (Some(crm_server::schema::Kind::Money), Some(Value::Number(n))) => {
                        Value::String(fields::format_money(n.as_i64().unwrap_or(0)))
                    }
                    (_, Some(v)) if is_time(record.entity, col) => {
                        output::local_time(v, zone).unwrap_or_else(|| v.clone())
                    }
                    (_, Some(v)) => v.clone(),
                    (_, None) if col == "id" => Value::String(record.id.clone()),
                    (_, None) => continue,
                };
                let mut row = Map::new();
                row.insert("field".into(), Value::String(col.into()));
                row.insert("value".into(), value);
                rows.push(row);
            }
            super::write_stdout(&output::table(&["field", "value"], &rows, 80))
        }
        other => print(
            names,
            record.entity,
            std::slice::from_ref(record),
            other,
            zone,
        ),
    }
}

pub fn run(ctx: &Context, entity: Entity, matches: &ArgMatches) -> Result<(), CliError> {
    let replica = ctx.open_replica()?;
    let names = Names(&replica);
    // Dates and times typed on the command line are read in the user's zone.
    let clock = fields::Clock {
        zone: ctx.zone()?,
        now: chrono::Utc::now(),
    };
    match matches.subcommand() {
        Some(("list", m)) => {
            let mut query = LocalQuery {
                search: m.get_one::<String>("search").cloned(),
                limit: *m.get_one::<usize>("limit").unwrap_or(&50),
                offset: *m.get_one::<usize>("offset").unwrap_or(&0),
                ..LocalQuery::default()
            };
            for field in entity.fields().iter().filter(|f| f.filter) {
                if let Some(raw) = m.get_one::<String>(field.name) {
                    let value = fields::parse_value(field, raw, &names, &clock).map_err(|e| {
                        CliError::Usage(format!("--{} {raw}: {e}", fields::flag_name(field)))
                    })?;
                    query.filters.push((field.name.to_string(), value));
                }
            }
            if entity == Entity::Approvals && m.get_flag("waiting") {
                let me = replica
                    .user_id()?
                    .ok_or_else(|| CliError::Usage("sign in first: `crm login`".into()))?;
                query
                    .filters
                    .push(("approver_id".into(), Value::String(me)));
                query
                    .filters
                    .push(("status".into(), Value::String("pending".into())));
            }
            if let Some(text) = m.get_one::<String>("where") {
                add_where(&replica, entity, text, &mut query)?;
            }
            if let Some(sort) = m.get_one::<String>("sort") {
                query.descending = sort.starts_with('-');
                query.sort = Some(sort.trim_start_matches('-').to_string());
            }
            // Customers through the screens' path: a search lists the best matches first
            // through the search index, never sorting every match.
            let records = if entity == Entity::Customers {
                replica.find_customers(&query)?
            } else {
                replica.list(entity, &query)?
            };
            print(
                &names,
                entity,
                &records,
                *m.get_one::<Format>("format").unwrap_or(&Format::Table),
                ctx.zone()?,
            )
        }
        Some(("show", m)) => {
            let key = m
                .get_one::<String>("key")
                .map(String::as_str)
                .unwrap_or_default();
            let record = names.record(entity, key)?;
            print_one(
                &names,
                &record,
                *m.get_one::<Format>("format").unwrap_or(&Format::Table),
                ctx.zone()?,
            )
        }
        Some(("add", m)) => {
            let body = fields::collect(entity, m, &names, &clock, &replica.catalog()?)
                .map_err(|p| CliError::Usage(p.join("\n")))?;
            if entity == Entity::Customers && !m.get_flag("allow_duplicate") {
                refuse_local_duplicate(&replica, &names, &body)?;
            }
            let record = replica.create(entity, body)?;
            if entity == Entity::Customers && m.get_flag("allow_duplicate") {
                replica.allow_duplicate(entity, &record.id)?;
            }
            let key = record
                .text("code")
                .or(record.text("number"))
                .unwrap_or(&record.id)
                .to_string();
            ctx.after_write(&replica, &format!("added {} {key}", entity.noun()))
        }
        Some(("edit", m)) => {
            let key = m
                .get_one::<String>("key")
                .map(String::as_str)
                .unwrap_or_default();
            let record = names.record(entity, key)?;
            let changes = fields::collect(entity, m, &names, &clock, &replica.catalog()?)
                .map_err(|p| CliError::Usage(p.join("\n")))?;
            if changes.is_empty() {
                return Err(CliError::Usage(
                    "say what to change, like --name or --level (see --help)".into(),
                ));
            }
            replica.update(entity, &record.id, changes)?;
            ctx.after_write(&replica, &format!("changed {} {key}", entity.noun()))
        }
        Some(("delete", m)) => {
            let key = m
                .get_one::<String>("key")
                .map(String::as_str)
                .unwrap_or_default();
            let record = names.record(entity, key)?;
            replica.delete(entity, &record.id)?;
            ctx.after_write(&replica, &format!("deleted {} {key}", entity.noun()))
        }
        Some((decision @ ("approve" | "reject"), m)) => {
            let key = m
                .get_one::<String>("key")
                .map(String::as_str)
                .unwrap_or_default();
            let record = names.record(entity, key)?;
            let status = if decision == "approve" {
                "approved"
            } else {
                "rejected"
            };
            let mut changes = Map::new();
            changes.insert("status".into(), Value::String(status.into()));
            if let Some(comment) = m.get_one::<String>("comment") {
                changes.insert("comment".into(), Value::String(comment.clone()));
            }
            replica.update(entity, &record.id, changes)?;
            let what = record.text("subject").unwrap_or(key).to_string();
            ctx.after_write(&replica, &format!("{status} {what}"))
        }
        Some(("render", m)) => super::render::run(ctx, &names, entity, m),
        Some(("results", m)) if entity == Entity::Surveys => {
            let key = m
                .get_one::<String>("key")
                .map(String::as_str)
                .unwrap_or_default();
            let format = m
                .get_one::<Format>("format")
                .copied()
                .unwrap_or(Format::Table);
            let results = super::surveys::results(&replica, key)?;
            super::write_stdout(&super::surveys::render(&results, format)?)
        }
        Some(("apply", m)) if entity == Entity::Territories => {
            let dry_run = m.get_flag("dry-run");
            let answer = super::marketing::online(
                ctx,
                "/territories/apply",
                Some(&serde_json::json!({"dry_run": dry_run})),
            )?;
            let count = |f: &str| answer.get(f).and_then(Value::as_u64).unwrap_or(0);
            let said = format!(
                "territories: {} of {} customers {}, {} to the territory's owner",
                count("moved"),
                count("customers"),
                if dry_run { "would move" } else { "moved" },
                count("owners")
            );
            if dry_run {
                say!("{said}");
                Ok(())
            } else {
                ctx.after_write(&replica, &said)
            }
        }
        Some(("load", m)) if entity == Entity::Holidays => {
            let path = m
                .get_one::<String>("file")
                .map(String::as_str)
                .unwrap_or_default();
            let (added, changed, same) = load_holidays(&replica, std::path::Path::new(path))?;
            ctx.after_write(
                &replica,
                &format!("holidays: {added} added, {changed} changed, {same} already so"),
            )
        }
        Some(("import", m)) if super::import::importable(entity) => {
            super::import::run(ctx, &replica, names, &clock, entity, m)
        }
        Some((name, m)) if super::merges::handles(entity, name) => {
            super::merges::run(ctx, entity, &replica, &names, name, m)
        }
        Some((name, m)) if super::letters::handles(entity, name) => {
            super::letters::run(ctx, &names, m)
        }
        Some((name, m)) if super::marketing::handles(entity, name) => {
            super::marketing::run(ctx, &replica, &names, &clock, name, m)
        }
        _ => Err(CliError::Usage(
            "say what to do: list, show, add, edit or delete".into(),
        )),
    }
}

/// Reads a public-holiday file and writes its days into the holiday list (through the outbox,
/// as any local write): a date not listed is added, a listed one changed when its name or kind
/// differs. Returns (added, changed, unchanged). Nothing is written when the file does not read.
pub fn load_holidays(
    replica: &crate::replica::Replica,
    path: &std::path::Path,
) -> Result<(usize, usize, usize), CliError> {
    use crm_server::rules::business_time::{DayKind, parse_holiday_file};
    use std::io::Read;
    let file = std::fs::File::open(path)
        .map_err(|e| CliError::Usage(format!("{}: {e}", path.display())))?;
    let mut text = String::new();
    file.take(MAX_HOLIDAY_FILE + 1)
        .read_to_string(&mut text)
        .map_err(|e| CliError::Usage(format!("{}: {e}", path.display())))?;
    if text.len() as u64 > MAX_HOLIDAY_FILE {
        return Err(CliError::Usage(format!(
            "{}: larger than a holiday file (1 MB)",
            path.display()
        )));
    }
    let days = parse_holiday_file(&text)
        .map_err(|e| CliError::Usage(format!("{}: {e}", path.display())))?;
    let (mut added, mut changed, mut same) = (0, 0, 0);
    for day in days {
        let date = day.date.format("%Y-%m-%d").to_string();
        let kind = match day.kind {
            DayKind::Holiday => "holiday",
            DayKind::Workday => "workday",
        };
        let query = LocalQuery {
            filters: vec![("date".into(), serde_json::json!(date))],
            limit: 1,
            ..LocalQuery::default()
        };
        let fields = serde_json::json!({"date": date, "name": day.name, "kind": kind});
        let Some(serde_json::Value::Object(fields)) = Some(fields) else {
            continue;
        };
        match replica.list(Entity::Holidays, &query)?.into_iter().next() {
            None => {
                replica.create(Entity::Holidays, fields)?;
                added += 1;
            }
            Some(r)
                if r.text("name") == Some(day.name.as_str()) && r.text("kind") == Some(kind) =>
            {
                same += 1;
            }
            Some(r) => {
                let mut change = fields;
                change.remove("date");
                replica.update(Entity::Holidays, &r.id, change)?;
                changed += 1;
            }
        }
    }
    Ok((added, changed, same))
}

/// The duplicate check the server will make, made first against the replica so the user hears
/// of it now, with the existing customer's code and owner.
fn refuse_local_duplicate(
    replica: &Replica,
    names: &Names<'_>,
    body: &Map<String, Value>,
) -> Result<(), CliError> {
    use crm_server::dedupe::Keys;
    let text = |f: &str| body.get(f).and_then(Value::as_str);
    let candidates = [
        text("name").map(|n| (n, "name")),
        text("phone").map(|p| (p, "phone")),
        text("email").map(|e| (e, "email")),
    ];
    let mine = Keys::new(text("name"), text("phone"), text("email"));
    for (value, field) in candidates.into_iter().flatten() {
        let matches = match field {
            "phone" => replica.customer_by_phone(value)?,
            _ => replica.search_customers(value, 20)?,
        };
        let same = |r: &Record| {
            mine.matches(&Keys::new(r.text("name"), r.text("phone"), r.text("email")))
                .is_some_and(|m| m.on.contains(&field))
        };
        if let Some(existing) = matches.iter().find(|r| same(r)) {
            let owner = existing
                .text("owner_id")
                .map(|id| names.label(&mut HashMap::new(), Entity::Users, id))
                .unwrap_or_else(|| "nobody".into());
            return Err(CliError::Duplicate(format!(
                "a customer with the same {field} exists: {}, owned by {owner}; add --allow-duplicate to create it anyway",
                existing.text("code").unwrap_or("(new)"),
            )));
        }
    }
    Ok(())
}
