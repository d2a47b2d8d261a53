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

mod args;
mod display;

pub(crate) use args::add_where;
pub use args::command;
pub(super) use args::where_arg;
pub use display::print;
use display::print_one;
pub(super) use display::{display_rows, export_columns};

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
