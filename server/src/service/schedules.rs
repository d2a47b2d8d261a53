//! Scheduled surveys: a schedule asks a survey of a customer list — a query in the query
//! language (`level:A`) or a static list, as the schedule's creator sees them — once a period
//! (month, quarter, year). The server's minute sweep (`api::escalation`) finds, on a reader
//! thread, each active schedule's customers without a return visit for the current period
//! ([`due`]), then makes those visits on the writer under the named lock `survey_schedules`,
//! each looked for again first ([`make_due`]); a unique index on `return_visits (schedule_id,
//! period, customer_id)` holds it too. So a sweep run twice, or by two servers, makes one visit
//! per customer per period. Periods are counted in UTC dates.

use std::collections::{BTreeMap, BTreeSet};

use chrono::{DateTime, Duration, Utc};
use serde_json::{Value, json};

use super::knowledge::insert_made;
use super::products::where_eq;
use super::quotes::{int, live};
use super::text;
use crate::access::{Actor, Role};
use crate::error::ApiError;
use crate::rules::surveys::period_of;
use crate::schema::Entity;
use crate::store::{ListQuery, Record, Tx};

/// Schedules looked at per sweep.
const MAX_SCHEDULES: usize = 200;
/// Customers one schedule reaches (a static list's most members).
const MAX_CUSTOMERS: usize = crate::schema::MAX_LIST_MEMBERS;
/// Visits made per sweep; the rest wait for the next minute.
const BATCH: usize = 2_000;
/// Visits read per schedule and period to know who has one: one per customer.
const MAX_VISITS: usize = MAX_CUSTOMERS;

/// A return visit a sweep is to make.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Planned {
    pub schedule_id: String,
    pub period: String,
    pub customer_id: String,
}

pub(super) fn prepare(tx: &dyn Tx, actor: &Actor, record: &mut Record) -> Result<(), ApiError> {
    let query = text(record, "query")
        .map(str::trim)
        .filter(|q| !q.is_empty());
    let list = text(record, "list_id");
    match (query, list) {
        (Some(_), Some(_)) => {
            return Err(ApiError::invalid(
                "list_id",
                "name a query or a static list, not both",
            ));
        }
        (None, None) => {
            return Err(ApiError::invalid(
                "query",
                "say which customers: a query such as level:A, or a static list",
            ));
        }
        (Some(q), None) => {
            let terms = crate::query::parse(q).map_err(ApiError::Query)?;
            super::query::conditions(tx, actor, Entity::Customers, &terms)?;
        }
        (None, Some(id)) => {
            let entity = live(tx, Entity::StaticLists, id)?
                .and_then(|l| text(&l, "entity").map(str::to_string));
            if entity.as_deref() != Some("customers") {
                return Err(ApiError::invalid("list_id", "a static list of customers"));
            }
        }
    }
    let survey = text(record, "survey_id").unwrap_or_default();
    if live(tx, Entity::Surveys, survey)?.is_none() {
        return Err(ApiError::invalid("survey_id", "no such survey"));
    }
    Ok(())
}

/// The user a schedule runs as: its creator, while active.
fn creator(tx: &dyn Tx, schedule: &Record) -> Result<Option<Actor>, ApiError> {
    let Some(id) = text(schedule, "created_by") else {
        return Ok(None);
    };
    let Some(user) = live(tx, Entity::Users, id)? else {
        return Ok(None);
    };
    if user.get("active") == Some(&Value::Bool(false)) {
        return Ok(None);
    }
    Ok(text(&user, "role").and_then(Role::parse).map(|role| Actor {
        id: id.to_string(),
        username: text(&user, "username").unwrap_or_default().to_string(),
        role,
        team_id: text(&user, "team_id").map(str::to_string),
    }))
}

/// The customers a schedule reaches, as its creator sees them.
fn customers(tx: &dyn Tx, actor: &Actor, schedule: &Record) -> Result<Vec<String>, ApiError> {
    if let Some(list) = text(schedule, "list_id") {
        let mut out = Vec::new();
        for member in where_eq(tx, Entity::ListMembers, "list_id", list, MAX_CUSTOMERS)? {
            let id = text(&member, "record_id").unwrap_or_default();
            if super::get(tx, actor, Entity::Customers, id).is_ok() {
                out.push(id.to_string());
            }
        }
        return Ok(out);
    }
    let q = text(schedule, "query").unwrap_or_default();
    let terms = crate::query::parse(q).map_err(ApiError::Query)?;
    let conditions = super::query::conditions(tx, actor, Entity::Customers, &terms)?;
    let found = super::list(
        tx,
        actor,
        Entity::Customers,
        &ListQuery {
            conditions,
            sort: "id",
            limit: MAX_CUSTOMERS,
            ..ListQuery::default()
        },
    )?;
    Ok(found
        .iter()
        .filter_map(|c| text(c, "id").map(str::to_string))
        .collect())
}

/// Who already has a visit of this schedule for this period.
fn visited(tx: &dyn Tx, schedule_id: &str, period: &str) -> Result<BTreeSet<String>, ApiError> {
    let query = ListQuery {
        filters: vec![
            ("schedule_id", json!(schedule_id)),
            ("period", json!(period)),
        ],
        sort: "created_at",
        limit: MAX_VISITS,
        ..ListQuery::default()
    };
    Ok(tx
        .list(Entity::ReturnVisits, &query, None)?
        .iter()
        .filter_map(|v| text(v, "customer_id").map(str::to_string))
        .collect())
}

/// The visits the active schedules lack at `now`: a read, run on a reader thread.
pub fn due(tx: &dyn Tx, now: DateTime<Utc>) -> Result<Vec<Planned>, ApiError> {
    let query = ListQuery {
        filters: vec![("active", json!(true))],
        sort: "name",
        limit: MAX_SCHEDULES,
        ..ListQuery::default()
    };
    let mut out = Vec::new();
    for schedule in tx.list(Entity::SurveySchedules, &query, None)? {
        let Some(actor) = creator(tx, &schedule)? else {
            continue;
        };
        let id = text(&schedule, "id").unwrap_or_default().to_string();
        let (period, _, _) = period_of(
            text(&schedule, "period").unwrap_or("quarter"),
            now.date_naive(),
        );
        let have = visited(tx, &id, &period)?;
        for customer in customers(tx, &actor, &schedule)? {
            if out.len() >= BATCH {
                return Ok(out);
            }
            if !have.contains(&customer) {
                out.push(Planned {
                    schedule_id: id.clone(),
                    period: period.clone(),
                    customer_id: customer,
                });
            }
        }
    }
    Ok(out)
}

/// Makes the visits [`due`] found, each schedule and customer looked at again in this write
/// (another server may have made it since, the schedule may be off or gone).
pub fn make_due(
    tx: &dyn Tx,
    planned: &[Planned],
    now: DateTime<Utc>,
) -> Result<Vec<Planned>, ApiError> {
    tx.lock_named("survey_schedules")?;
    let mut by_schedule: BTreeMap<&str, Vec<&Planned>> = BTreeMap::new();
    for p in planned {
        by_schedule
            .entry(p.schedule_id.as_str())
            .or_default()
            .push(p);
    }
    let today = now.date_naive();
    let mut made = Vec::new();
    for (schedule_id, wanted) in by_schedule {
        let Some(schedule) = live(tx, Entity::SurveySchedules, schedule_id)? else {
            continue;
        };
        if schedule.get("active") == Some(&Value::Bool(false)) {
            continue;
        }
        let Some(actor) = creator(tx, &schedule)? else {
            continue;
        };
        let (period, first, last) =
            period_of(text(&schedule, "period").unwrap_or("quarter"), today);
        let mut have = visited(tx, schedule_id, &period)?;
        // Due the schedule's days into the period, never before today, never after its end.
        let due_days = int(&schedule, "due_days").max(1);
        let due = (first + Duration::days(due_days - 1)).max(today).min(last);
        let subject: String = format!("{} {period}", text(&schedule, "name").unwrap_or_default())
            .chars()
            .take(200)
            .collect();
        for p in wanted {
            if p.period != period || have.contains(&p.customer_id) {
                continue;
            }
            if live(tx, Entity::Customers, &p.customer_id)?.is_none() {
                continue;
            }
            let mut visit = Record::new();
            visit.insert("subject".into(), json!(subject));
            visit.insert("survey_id".into(), schedule["survey_id"].clone());
            visit.insert("customer_id".into(), json!(p.customer_id));
            let assignee = schedule.get("assignee_id").cloned().unwrap_or(Value::Null);
            visit.insert("assignee_id".into(), assignee);
            visit.insert("due_on".into(), json!(due.format("%Y-%m-%d").to_string()));
            visit.insert("schedule_id".into(), json!(schedule_id));
            visit.insert("period".into(), json!(period));
            insert_made(tx, &actor, Entity::ReturnVisits, visit)?;
            have.insert(p.customer_id.clone());
            made.push(p.clone());
        }
    }
    Ok(made)
}

/// [`due`] then [`make_due`] in one transaction (tests, the seeder).
pub fn sweep(tx: &dyn Tx, now: DateTime<Utc>) -> Result<Vec<Planned>, ApiError> {
    let planned = due(tx, now)?;
    make_due(tx, &planned, now)
}
