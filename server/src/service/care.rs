//! Care plans applied (客户关怀): a scan, run by the server every so often, that makes each
//! active care rule's tasks for the day — an activity of kind `task` for the customer's owner,
//! due on the occasion at 09:00 in the rule's zone, its notes the rule's wording filled for
//! the contact or customer. The scan reads on a reader thread ([`due`]); the writer makes what
//! it found under the named lock `care` ([`make_due`]). A task's id is made from the rule, its
//! subject and the occasion's day (`rules::care::task_id`), so an occasion never makes two
//! tasks, whichever server or scan gets there first.

use std::collections::BTreeSet;
use std::str::FromStr;

use chrono::{DateTime, NaiveDate, TimeZone, Utc};
use chrono_tz::Tz;
use serde_json::{Value, json};

use super::{TxLookup, audit_fields, hidden_columns, text};
use crate::access;
use crate::error::ApiError;
use crate::query::{Condition, Test};
use crate::rules::care::{self, Occasion, Subject};
use crate::schema::{Entity, Kind};
use crate::store::{AuditEntry, ListQuery, Record, Tx};
use crate::validate::{self, Mode, format_time};

/// Tasks made per scan at most; the rest wait for the next scan (each is made once anyway).
pub const BATCH: usize = 2_000;
/// A contact's birthday as `MM-DD`: the expression the month-day index of SQLite migration
/// 0027 and PostgreSQL 0025 is made on, written the same way so both planners use it.
pub const BIRTHDAY_MONTH_DAY: &str = "substr(birthday, 6, 5)";
/// Records read per page while scanning.
const PAGE: usize = 5_000;

/// One care task to make.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Due {
    pub rule_id: String,
    pub customer_id: String,
    pub contact_id: Option<String>,
    /// The occasion's day (none for level A).
    pub date: Option<NaiveDate>,
}

impl Due {
    pub fn task_id(&self) -> String {
        let subject = self.contact_id.as_deref().unwrap_or(&self.customer_id);
        care::task_id(&self.rule_id, subject, self.date)
    }
}

/// A care rule's own checks: its wording reads, its zone is known.
pub(super) fn prepare(entity: Entity, record: &Record) -> Result<(), ApiError> {
    let fields: &[&str] = match entity {
        Entity::CareRules => &["wording"],
        _ => &["subject", "body"],
    };
    for field in fields {
        if let Err(e) = care::check(text(record, field).unwrap_or_default()) {
            return Err(ApiError::invalid(field, e.to_string()));
        }
    }
    if entity == Entity::CareRules {
        let zone = text(record, "time_zone").unwrap_or("Asia/Shanghai");
        if Tz::from_str(zone).is_err() {
            return Err(ApiError::invalid(
                "time_zone",
                format!("{zone} is not a time zone; use an IANA name such as Asia/Shanghai"),
            ));
        }
    }
    Ok(())
}

fn condition(column: &str, kind: Kind, test: Test, negated: bool) -> Condition {
    Condition {
        column: column.into(),
        kind,
        test,
        negated,
    }
}

/// Every live record of `entity` meeting `conditions`, a page at a time in id order, handed to
/// `each` until it says stop.
fn scan(
    tx: &dyn Tx,
    entity: Entity,
    conditions: Vec<Condition>,
    mut each: impl FnMut(&Record) -> Result<bool, ApiError>,
) -> Result<(), ApiError> {
    let mut after = None;
    loop {
        let query = ListQuery {
            conditions: conditions.clone(),
            sort: "id",
            after: after.clone(),
            limit: PAGE,
            ..ListQuery::default()
        };
        let page = tx.list(entity, &query, None)?;
        for record in &page {
            if !each(record)? {
                return Ok(());
            }
        }
        match page.last().and_then(|r| text(r, "id")) {
            Some(id) if page.len() == PAGE => after = Some((json!(id), id.to_string())),
            _ => return Ok(()),
        }
    }
}

fn date_of(record: &Record, field: &str) -> Option<NaiveDate> {
    text(record, field).and_then(|s| NaiveDate::parse_from_str(s.get(..10)?, "%Y-%m-%d").ok())
}

fn rule_today(rule: &Record, now: DateTime<Utc>) -> Option<NaiveDate> {
    let zone = Tz::from_str(text(rule, "time_zone").unwrap_or("Asia/Shanghai")).ok()?;
    Some(now.with_timezone(&zone).date_naive())
}

/// The care tasks the active rules call for at `now` and not yet made (at most [`BATCH`]): a
/// read, which the server runs on a reader thread.
pub fn due(tx: &dyn Tx, now: DateTime<Utc>) -> Result<Vec<Due>, ApiError> {
    let active = ListQuery {
        filters: vec![("active", json!(true))],
        sort: "id",
        limit: 1_000,
        ..ListQuery::default()
    };
    let mut out = Vec::new();
    for rule in tx.list(Entity::CareRules, &active, None)? {
        if out.len() >= BATCH {
            break;
        }
        rule_due(tx, &rule, now, &mut out)?;
    }
    Ok(out)
}

fn rule_due(
    tx: &dyn Tx,
    rule: &Record,
    now: DateTime<Utc>,
    out: &mut Vec<Due>,
) -> Result<(), ApiError> {
    let (Some(rule_id), Some(occasion), Some(today)) = (
        text(rule, "id"),
        text(rule, "occasion").and_then(Occasion::parse),
        rule_today(rule, now),
    ) else {
        return Ok(());
    };
    let days_before = rule.get("days_before").and_then(Value::as_i64).unwrap_or(0);
    let level = text(rule, "level").map(str::to_string);
    let mut customer_conditions = Vec::new();
    if let Some(level) = &level {
        customer_conditions.push(condition(
            "level",
            Kind::Text(40),
            Test::AnyOf(vec![json!(level)]),
            false,
        ));
    }
    let fresh = |out: &Vec<Due>, due: &Due| -> Result<bool, ApiError> {
        Ok(!out.contains(due) && tx.get(Entity::Activities, &due.task_id())?.is_none())
    };
    match occasion {
        Occasion::Birthday => {
            // Only the contacts born on the window's month-days, read from the month-day index
            // (`contacts_birthday_md`, whose expression this is), never every contact.
            let born = match care::month_days(today, days_before) {
                Some(days) => condition(
                    BIRTHDAY_MONTH_DAY,
                    Kind::Text(5),
                    Test::AnyOf(days.into_iter().map(Value::from).collect()),
                    false,
                ),
                None => condition("birthday", Kind::Date, Test::AnyOf(vec![Value::Null]), true),
            };
            scan(tx, Entity::Contacts, vec![born], |contact| {
                let Some(date) = care::next_date(occasion, date_of(contact, "birthday"), today)
                else {
                    return Ok(true);
                };
                if !care::fires(date, today, days_before) {
                    return Ok(true);
                }
                let Some(customer_id) = text(contact, "customer_id") else {
                    return Ok(true);
                };
                if let Some(level) = &level {
                    let customer = tx.get(Entity::Customers, customer_id)?;
                    if customer.and_then(|c| text(&c.record, "level").map(str::to_string))
                        != Some(level.clone())
                    {
                        return Ok(true);
                    }
                }
                let due = Due {
                    rule_id: rule_id.into(),
                    customer_id: customer_id.into(),
                    contact_id: text(contact, "id").map(str::to_string),
                    date: Some(date),
                };
                if fresh(out, &due)? {
                    out.push(due);
                }
                Ok(out.len() < BATCH)
            })
        }
        // Made by the write that moves a customer to level A (`after_write`), never scanned for.
        Occasion::LevelA => Ok(()),
        _ => {
            // A holiday is one day for every customer: nothing to read unless it fires today.
            let holiday = care::next_date(occasion, None, today);
            if occasion != Occasion::Anniversary
                && !holiday.is_some_and(|d| care::fires(d, today, days_before))
            {
                return Ok(());
            }
            if occasion == Occasion::Anniversary {
                customer_conditions.push(condition(
                    "founded_on",
                    Kind::Date,
                    Test::AnyOf(vec![Value::Null]),
                    true,
                ));
            }
            scan(tx, Entity::Customers, customer_conditions, |customer| {
                let date = match occasion {
                    Occasion::Anniversary => {
                        care::next_date(occasion, date_of(customer, "founded_on"), today)
                            .filter(|d| care::fires(*d, today, days_before))
                    }
                    _ => holiday,
                };
                let Some(date) = date else {
                    return Ok(true);
                };
                let due = Due {
                    rule_id: rule_id.into(),
                    customer_id: text(customer, "id").unwrap_or_default().into(),
                    contact_id: None,
                    date: Some(date),
                };
                if fresh(out, &due)? {
                    out.push(due);
                }
                Ok(out.len() < BATCH)
            })
        }
    }
}

/// A customer reaching level A — made at A, or its level changed to A — gets each active
/// `level_a` rule's task in the same write. The change itself is the event, so a customer
/// already at A whose other fields change makes nothing, and one that drops and comes back to A
/// on another day is greeted again (the task's id holds the day, in the rule's zone).
pub(super) fn after_write(
    tx: &dyn Tx,
    entity: Entity,
    old: Option<&Record>,
    record: &Record,
) -> Result<(), ApiError> {
    if entity != Entity::Customers || !reached_level_a(old, record) {
        return Ok(());
    }
    let Some(customer_id) = text(record, "id") else {
        return Ok(());
    };
    let rules = ListQuery {
        filters: vec![("active", json!(true)), ("occasion", json!("level_a"))],
        sort: "id",
        limit: 1_000,
        ..ListQuery::default()
    };
    let now = Utc::now();
    for rule in tx.list(Entity::CareRules, &rules, None)? {
        let (Some(rule_id), Some(today)) = (text(&rule, "id"), rule_today(&rule, now)) else {
            continue;
        };
        let due = Due {
            rule_id: rule_id.into(),
            customer_id: customer_id.into(),
            contact_id: None,
            date: Some(today),
        };
        let id = due.task_id();
        if tx.get(Entity::Activities, &id)?.is_some() {
            continue;
        }
        let task = task(tx, &rule, record, None, &due, now)?;
        insert_made(tx, Entity::Activities, &id, task)?;
    }
    Ok(())
}

/// Pure: whether this write moves a customer to level A (a new customer at A counts).
pub fn reached_level_a(old: Option<&Record>, record: &Record) -> bool {
    text(record, "level") == Some("A") && old.is_none_or(|o| text(o, "level") != Some("A"))
}

/// Makes the tasks [`due`] found, each looked for again in this write (another server, or an
/// earlier scan, may have made it since). The named lock lets one scan at a time.
pub fn make_due(tx: &dyn Tx, found: &[Due], now: DateTime<Utc>) -> Result<Vec<String>, ApiError> {
    tx.lock_named("care")?;
    let mut made = Vec::new();
    for due in found {
        let id = due.task_id();
        if tx.get(Entity::Activities, &id)?.is_some() {
            continue;
        }
        let Some(rule) = tx
            .get(Entity::CareRules, &due.rule_id)?
            .filter(|r| !r.deleted && r.record.get("active") == Some(&json!(true)))
        else {
            continue;
        };
        let Some(customer) = tx
            .get(Entity::Customers, &due.customer_id)?
            .filter(|c| !c.deleted)
        else {
            continue;
        };
        let contact = match &due.contact_id {
            Some(c) => match tx.get(Entity::Contacts, c)?.filter(|c| !c.deleted) {
                Some(c) => Some(c.record),
                None => continue,
            },
            None => None,
        };
        let task = task(
            tx,
            &rule.record,
            &customer.record,
            contact.as_ref(),
            due,
            now,
        )?;
        insert_made(tx, Entity::Activities, &id, task)?;
        made.push(id);
    }
    Ok(made)
}

/// What fills a wording or letter for a customer and, when one, a contact.
pub fn subject_of(
    tx: &dyn Tx,
    customer: &Record,
    contact: Option<&Record>,
    today: NaiveDate,
) -> Result<Subject, ApiError> {
    let owner = match text(customer, "owner_id") {
        Some(id) => tx
            .get(Entity::Users, id)?
            .and_then(|u| text(&u.record, "display_name").map(str::to_string))
            .unwrap_or_default(),
        None => String::new(),
    };
    let field = |r: Option<&Record>, f: &str| r.and_then(|r| text(r, f)).unwrap_or("").to_string();
    Ok(Subject {
        customer: field(Some(customer), "name"),
        code: field(Some(customer), "code"),
        contact: field(contact, "name"),
        title: field(contact, "title"),
        owner,
        today: today.to_string(),
        ..Subject::default()
    })
}

fn task(
    tx: &dyn Tx,
    rule: &Record,
    customer: &Record,
    contact: Option<&Record>,
    due: &Due,
    now: DateTime<Utc>,
) -> Result<Record, ApiError> {
    let occasion = text(rule, "occasion")
        .and_then(Occasion::parse)
        .unwrap_or(Occasion::LevelA);
    let zone = Tz::from_str(text(rule, "time_zone").unwrap_or("Asia/Shanghai")).unwrap_or(Tz::UTC);
    let today = now.with_timezone(&zone).date_naive();
    let mut subject = subject_of(tx, customer, contact, today)?;
    subject.occasion = occasion.label().into();
    subject.date = due.date.map(|d| d.to_string()).unwrap_or_default();
    let anchor = match occasion {
        Occasion::Birthday => contact.and_then(|c| date_of(c, "birthday")),
        Occasion::Anniversary => date_of(customer, "founded_on"),
        _ => None,
    };
    subject.years = due
        .date
        .and_then(|d| care::years_on(anchor, d))
        .map(|y| y.to_string())
        .unwrap_or_default();
    let notes = care::fill(text(rule, "wording").unwrap_or_default(), &subject)
        .unwrap_or_else(|_| text(rule, "wording").unwrap_or_default().to_string());
    // Due at 09:00 on the occasion's day in the rule's zone; level A at once.
    let due_at = due
        .date
        .filter(|_| occasion != Occasion::LevelA)
        .and_then(|d| d.and_hms_opt(9, 0, 0))
        .and_then(|t| zone.from_local_datetime(&t).earliest())
        .map(|t| t.with_timezone(&Utc))
        .unwrap_or(now);
    let who = if subject.contact.is_empty() {
        subject.customer.clone()
    } else {
        format!("{}（{}）", subject.contact, subject.customer)
    };
    let title: String = format!("{}：{}", occasion.label(), who)
        .chars()
        .take(200)
        .collect();
    let mut record = Record::new();
    record.insert("kind".into(), json!("task"));
    record.insert("subject".into(), json!(title));
    record.insert(
        "notes".into(),
        json!(notes.chars().take(10_000).collect::<String>()),
    );
    record.insert("due_at".into(), json!(format_time(due_at)));
    record.insert("customer_id".into(), json!(due.customer_id));
    if let Some(c) = &due.contact_id {
        record.insert("contact_id".into(), json!(c));
    }
    if let Some(owner) = text(customer, "owner_id") {
        record.insert("owner_id".into(), json!(owner));
    }
    record.insert("care_rule_id".into(), json!(due.rule_id));
    Ok(record)
}

/// Stores a record the server makes under the id given (made from what it is for, so making it
/// twice is seen): checked as an admin's would be, in the feed, audited as the server's.
pub(super) fn insert_made(
    tx: &dyn Tx,
    entity: Entity,
    id: &str,
    body: Record,
) -> Result<Record, ApiError> {
    let mut record = validate::check(entity, &body, Mode::Create, access::Role::Admin)
        .map_err(|p| ApiError::Invalid(p.invalid))?;
    let stamp = format_time(Utc::now());
    record.insert("id".into(), json!(id));
    record.insert("version".into(), json!(1));
    record.insert("created_at".into(), json!(stamp));
    record.insert("updated_at".into(), json!(stamp));
    record.insert("created_by".into(), Value::Null);
    record.insert("updated_by".into(), Value::Null);
    tx.insert(entity, &record, &hidden_columns(entity, &record))?;
    let lookup = TxLookup(tx);
    tx.set_read_set(entity, id, &access::read_set(entity, &record, &lookup))?;
    tx.record_change(entity, id, &BTreeSet::new())?;
    tx.audit(&AuditEntry {
        actor_id: None,
        action: "create",
        entity: Some(entity),
        record_id: Some(id.to_string()),
        changes: Some(Value::Object(audit_fields(entity, &record))),
    })?;
    Ok(record)
}
