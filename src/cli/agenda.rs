//! `crm agenda --today`: the day's plan for a login shell (the e-secretary, 电子秘书) — what is
//! overdue, then today's appointments, callbacks, tasks and care tasks, in the user's zone. It
//! reads the replica only (no network), so it answers at once; what it shows is as fresh as
//! the last sync.

use chrono::{DateTime, NaiveDate, Utc};
use clap::{Arg, ArgAction, ArgMatches, Command};
use crm_server::rules::reminders;
use crm_server::schema::Entity;
use crm_server::validate::format_time;
use serde_json::{Map, Value, json};

use super::{CliError, Context};
use crate::replica::{LocalQuery, Replica};
use crate::text;
use crate::zone::Zone;

/// Most of a user's open activities read to find the overdue ones.
const OPEN_READ: usize = 100_000;
/// Most of the day's activities listed.
const DAY_READ: usize = 2_000;
/// Overdue items listed (the oldest first); the rest are counted.
const OVERDUE_SHOWN: usize = 20;

pub fn command() -> Command {
    Command::new("agenda")
        .about("Today's plan: overdue items, appointments, callbacks, tasks and care tasks (from the replica, no network)")
        .arg(
            Arg::new("today")
                .long("today")
                .action(ArgAction::SetTrue)
                .help("today's plan (the default)"),
        )
        .arg(
            Arg::new("date")
                .long("date")
                .conflicts_with("today")
                .help("another day's plan, YYYY-MM-DD in your time zone"),
        )
}

/// Which part of the day's plan an item belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Section {
    Overdue,
    Appointments,
    Callbacks,
    Tasks,
    Care,
}

impl Section {
    fn title(self) -> &'static str {
        match self {
            Section::Overdue => "Overdue",
            Section::Appointments => "Appointments",
            Section::Callbacks => "Callbacks",
            Section::Tasks => "Tasks",
            Section::Care => "Care",
        }
    }

    /// Where an activity of the day goes: care tasks by their rule, calls as callbacks,
    /// meetings and visits as appointments, everything else a task.
    pub fn of(activity: &Map<String, Value>) -> Section {
        let kind = activity.get("kind").and_then(Value::as_str).unwrap_or("");
        if activity.get("care_rule_id").is_some_and(|v| !v.is_null()) {
            Section::Care
        } else if kind == "call" {
            Section::Callbacks
        } else if matches!(kind, "meeting" | "visit") {
            Section::Appointments
        } else {
            Section::Tasks
        }
    }
}

/// One line of the plan.
#[derive(Debug, Clone)]
pub struct Item {
    pub section: Section,
    pub at: Option<DateTime<Utc>>,
    pub until: Option<DateTime<Utc>>,
    pub done: bool,
    pub kind: String,
    pub subject: String,
    /// The customer's name and code.
    pub customer: String,
}

/// A day's plan.
#[derive(Debug, Clone)]
pub struct Agenda {
    pub day: NaiveDate,
    pub items: Vec<Item>,
    /// Overdue items beyond those listed.
    pub more_overdue: usize,
}

fn time(record: &Map<String, Value>, field: &str) -> Option<DateTime<Utc>> {
    record
        .get(field)
        .and_then(Value::as_str)
        .and_then(|s| DateTime::parse_from_rfc3339(s).ok())
        .map(|t| t.with_timezone(&Utc))
}

fn customer_label(replica: &Replica, activity: &Map<String, Value>) -> Result<String, CliError> {
    let Some(id) = activity.get("customer_id").and_then(Value::as_str) else {
        return Ok(String::new());
    };
    Ok(match replica.get(Entity::Customers, id)? {
        Some(c) => {
            let field = |f: &str| {
                c.fields
                    .get(f)
                    .and_then(Value::as_str)
                    .unwrap_or("")
                    .to_string()
            };
            format!("{} {}", field("name"), field("code"))
                .trim()
                .to_string()
        }
        None => String::new(),
    })
}

fn item(replica: &Replica, a: &Map<String, Value>, section: Section) -> Result<Item, CliError> {
    let field = |f: &str| a.get(f).and_then(Value::as_str).unwrap_or("").to_string();
    Ok(Item {
        section,
        at: reminders::activity_time(a),
        until: time(a, "ends_at").filter(|_| a.get("starts_at").is_some_and(|v| !v.is_null())),
        done: a.get("done") == Some(&Value::Bool(true)),
        kind: field("kind"),
        subject: field("subject"),
        customer: customer_label(replica, a)?,
    })
}

/// The plan of `me` for `day` in `zone`, at `now` (what is overdue is overdue by the day's
/// start).
pub fn read(replica: &Replica, me: &str, zone: &Zone, day: NaiveDate) -> Result<Agenda, CliError> {
    let start = zone.day_start(day);
    let end = zone.day_start(day + chrono::Duration::days(1));
    let mut items = Vec::new();
    let open = LocalQuery {
        filters: vec![
            ("owner_id".into(), json!(me)),
            ("done".into(), json!(false)),
        ],
        limit: OPEN_READ,
        ..LocalQuery::default()
    };
    let mut overdue: Vec<_> = replica
        .list(Entity::Activities, &open)?
        .into_iter()
        .map(|r| r.fields)
        .filter(|a| reminders::is_overdue(a, start))
        .collect();
    overdue.sort_by(reminders::overdue_order);
    let more_overdue = overdue.len().saturating_sub(OVERDUE_SHOWN);
    for a in overdue.iter().take(OVERDUE_SHOWN) {
        items.push(item(replica, a, Section::Overdue)?);
    }
    let today =
        replica.activities_between(&format_time(start), &format_time(end), Some(me), DAY_READ)?;
    for a in &today {
        items.push(item(replica, &a.fields, Section::of(&a.fields))?);
    }
    items.sort_by_key(|a| (a.section, a.at));
    Ok(Agenda {
        day,
        items,
        more_overdue,
    })
}

/// The plan as text for a terminal: a heading, then each section with its items' times in
/// `zone`; every value stripped of control characters.
pub fn render(agenda: &Agenda, zone: &Zone, now: DateTime<Utc>) -> String {
    let mut out = format!(
        "Agenda for {} ({})\n",
        agenda.day.format("%A %Y-%m-%d"),
        zone.label(now)
    );
    if agenda.items.is_empty() {
        out.push_str("Nothing planned.\n");
        return out;
    }
    let mut section = None;
    for i in &agenda.items {
        if section != Some(i.section) {
            section = Some(i.section);
            out.push_str(&format!("\n{}\n", i.section.title()));
        }
        let when = match (i.section, i.at) {
            (Section::Overdue, Some(t)) => zone.format(t, "%m-%d %H:%M"),
            (_, Some(t)) => match i.until {
                Some(u) => format!("{}-{}", zone.format(t, "%H:%M"), zone.format(u, "%H:%M")),
                None => zone.format(t, "%H:%M"),
            },
            (_, None) => String::new(),
        };
        let mark = if i.done { "✓" } else { " " };
        let mut line = format!(
            "  {mark} {}  {}  {}",
            text::fit(&when, 11),
            text::fit(&text::sanitize(&i.kind), 7),
            text::sanitize(&i.subject)
        );
        if !i.customer.is_empty() {
            line.push_str(&format!(" — {}", text::sanitize(&i.customer)));
        }
        out.push_str(line.trim_end());
        out.push('\n');
    }
    if agenda.more_overdue > 0 {
        out.push_str(&format!("  … and {} more overdue\n", agenda.more_overdue));
    }
    out
}

pub fn run(ctx: &Context, m: &ArgMatches) -> Result<(), CliError> {
    let zone = ctx.zone()?;
    let now = Utc::now();
    let day = match m.get_one::<String>("date") {
        Some(d) => NaiveDate::parse_from_str(d.trim(), "%Y-%m-%d")
            .map_err(|_| CliError::Usage(format!("--date {d}: use YYYY-MM-DD")))?,
        None => zone.date(now),
    };
    let replica = ctx.open_replica()?;
    let me = replica
        .user_id()?
        .ok_or_else(|| CliError::NotSignedIn(ctx.profile_name.clone()))?;
    let agenda = read(&replica, &me, &zone, day)?;
    super::write_stdout(&render(&agenda, &zone, now))
}
