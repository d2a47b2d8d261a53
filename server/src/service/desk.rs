//! The service desk's records: wrap-up codes, calendars, holidays, service levels, call scripts
//! and canned replies checked beyond their fields; a call's outcome checked against the live
//! wrap-up codes; the service level and calendar a ticket's due times count in.

use serde_json::Value;

use super::products::where_eq;
use super::text;
use crate::error::ApiError;
use crate::rules::business_time::Calendar;
use crate::rules::{scripts, sla};
use crate::schema::Entity;
use crate::store::{ListQuery, Record, Tx};

/// Holidays read to build a calendar: decades of public holidays.
const MAX_HOLIDAYS: usize = 10_000;
/// Service levels read to pick one: four priorities times five levels, with room.
const MAX_LEVELS: usize = 200;

fn changed(old: Option<&Record>, record: &Record, field: &str) -> bool {
    old.is_none_or(|o| o.get(field) != record.get(field))
}

fn conflict(message: String) -> ApiError {
    ApiError::Conflict {
        message,
        existing: None,
    }
}

fn all(
    tx: &dyn Tx,
    entity: Entity,
    sort: &'static str,
    limit: usize,
) -> Result<Vec<Record>, ApiError> {
    let query = ListQuery {
        sort,
        limit,
        ..ListQuery::default()
    };
    Ok(tx.list(entity, &query, None)?)
}

/// Checks a desk record about to be stored.
pub(super) fn prepare(
    tx: &dyn Tx,
    entity: Entity,
    old: Option<&Record>,
    record: &Record,
) -> Result<(), ApiError> {
    let id = text(record, "id");
    let others = |field: &'static str, value: &str| -> Result<Vec<Record>, ApiError> {
        Ok(where_eq(tx, entity, field, value, 50)?
            .into_iter()
            .filter(|r| text(r, "id") != id)
            .collect())
    };
    match entity {
        Entity::WrapUpCodes => {
            let code = text(record, "code").unwrap_or_default();
            let word = |c: char| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_';
            if !code.chars().all(word) || !code.starts_with(|c: char| c.is_ascii_lowercase()) {
                return Err(ApiError::invalid(
                    "code",
                    "use lowercase letters, digits and _ (starting with a letter), e.g. no_answer",
                ));
            }
            if let Some(old) = old
                && text(old, "code") != Some(code)
            {
                return Err(ApiError::invalid(
                    "code",
                    "calls already store this code; add a new wrap-up code and deactivate this one",
                ));
            }
            if changed(old, record, "code") && !others("code", code)?.is_empty() {
                return Err(conflict(format!(
                    "a wrap-up code {code} exists; choose another code"
                )));
            }
            let active = record.get("active") != Some(&Value::Bool(false));
            let digit = record.get("digit").and_then(Value::as_i64).unwrap_or(0);
            if active && (changed(old, record, "digit") || changed(old, record, "active")) {
                let digit_taken = all(tx, entity, "digit", 1_000)?.iter().any(|r| {
                    text(r, "id") != id
                        && r.get("active") != Some(&Value::Bool(false))
                        && r.get("digit").and_then(Value::as_i64) == Some(digit)
                });
                if digit_taken {
                    return Err(conflict(format!(
                        "digit {digit} already picks another active wrap-up code; choose another digit"
                    )));
                }
            }
            if record.get("follow_up_required") == Some(&Value::Bool(true))
                && text(record, "follow_up").unwrap_or("none") == "none"
            {
                return Err(ApiError::invalid(
                    "follow_up",
                    "a required follow-up must be a callback or a ticket",
                ));
            }
        }
        Entity::SlaCalendars => {
            let holidays: [Record; 0] = [];
            if let Err(e) = sla::calendar(record, &holidays) {
                let field = match e {
                    crate::rules::business_time::HoursError::Zone(_) => "time_zone",
                    crate::rules::business_time::HoursError::NeverOpen => "monday",
                    _ => day_with_problem(record),
                };
                return Err(ApiError::invalid(field, e.to_string()));
            }
        }
        Entity::Holidays => {
            let date = text(record, "date").unwrap_or_default();
            if changed(old, record, "date") && !others("date", date)?.is_empty() {
                return Err(conflict(format!(
                    "{date} is already in the holiday list; edit that entry"
                )));
            }
        }
        Entity::ServiceLevels => {
            let priority = text(record, "priority").unwrap_or_default();
            let level = text(record, "level");
            if (changed(old, record, "priority") || changed(old, record, "level"))
                && others("priority", priority)?
                    .iter()
                    .any(|r| text(r, "level") == level)
            {
                return Err(conflict(format!(
                    "a service level for {priority} priority and {} exists; edit that one",
                    level.map_or("every customer level".to_string(), |l| format!("level {l}"))
                )));
            }
            let minutes = |f: &str| record.get(f).and_then(Value::as_i64).unwrap_or(0);
            if minutes("resolution_minutes") < minutes("first_response_minutes") {
                return Err(ApiError::invalid(
                    "resolution_minutes",
                    "must not be less than first_response_minutes",
                ));
            }
        }
        Entity::CallScripts => {
            if let Err(e) = scripts::parse(text(record, "body").unwrap_or_default()) {
                return Err(ApiError::invalid("body", e.to_string()));
            }
        }
        Entity::CannedReplies => {
            if let Err(e) = scripts::placeholders(text(record, "body").unwrap_or_default()) {
                return Err(ApiError::invalid("body", e.to_string()));
            }
        }
        _ => {}
    }
    Ok(())
}

/// The weekday field whose hours do not read (the first, when the message names none).
fn day_with_problem(record: &Record) -> &'static str {
    [
        "monday",
        "tuesday",
        "wednesday",
        "thursday",
        "friday",
        "saturday",
        "sunday",
    ]
    .into_iter()
    .find(|d| {
        crate::rules::business_time::parse_hours(text(record, d).unwrap_or_default()).is_err()
    })
    .unwrap_or("monday")
}

/// A call's outcome, when it changes, must be a live, active wrap-up code.
pub(super) fn check_outcome(
    tx: &dyn Tx,
    old: Option<&Record>,
    record: &Record,
) -> Result<(), ApiError> {
    let Some(outcome) = text(record, "outcome") else {
        return Ok(());
    };
    if !changed(old, record, "outcome") {
        return Ok(());
    }
    let defined = where_eq(tx, Entity::WrapUpCodes, "code", outcome, 1)?;
    match defined.first() {
        Some(code) if code.get("active") != Some(&Value::Bool(false)) => Ok(()),
        Some(_) => Err(ApiError::invalid(
            "outcome",
            format!("wrap-up code {outcome} is no longer in use; pick an active one"),
        )),
        None => Err(ApiError::invalid(
            "outcome",
            format!("{outcome} is not a wrap-up code; an admin defines them (wrap_up_codes)"),
        )),
    }
}

/// The service level a ticket of this priority, for a customer of this level, is served at:
/// its minutes and the calendar they count in. The admin's `service_levels` first, else the
/// built-in minutes around the clock.
pub fn ticket_policy(
    tx: &dyn Tx,
    priority: &str,
    customer_level: Option<&str>,
) -> Result<(sla::Policy, Calendar), ApiError> {
    let (policy, calendar, _) = ticket_level(tx, priority, customer_level)?;
    Ok((policy, calendar))
}

/// A ticket's service level: its minutes, its calendar, and the admin's `service_levels`
/// record it came from (none for the built-in minutes), which says what a breach does.
pub type TicketLevel = (sla::Policy, Calendar, Option<Record>);

/// [`ticket_policy`] with the record it came from.
pub fn ticket_level(
    tx: &dyn Tx,
    priority: &str,
    customer_level: Option<&str>,
) -> Result<TicketLevel, ApiError> {
    let levels = where_eq(tx, Entity::ServiceLevels, "priority", priority, MAX_LEVELS)?;
    let Some(level) = sla::level_for(&levels, priority, customer_level) else {
        return Ok((
            sla::Policy::from(tx.sla(priority)?),
            Calendar::always(),
            None,
        ));
    };
    let policy = sla::Policy::of(level);
    let calendar = match text(level, "calendar_id") {
        Some(id) => match tx.get(Entity::SlaCalendars, id)?.filter(|c| !c.deleted) {
            Some(c) => {
                let holidays = all(tx, Entity::Holidays, "date", MAX_HOLIDAYS)?;
                // A calendar is checked when saved; one that no longer reads counts around
                // the clock rather than refusing the ticket.
                sla::calendar(&c.record, &holidays).unwrap_or_else(|_| Calendar::always())
            }
            None => Calendar::always(),
        },
        None => Calendar::always(),
    };
    Ok((policy, calendar, Some(level.clone())))
}
