//! Ticket rules: numbers, SLA due times, first response, resolution and satisfaction; a
//! comment's effect on its ticket.

use std::collections::BTreeSet;

use chrono::{DateTime, Utc};
use serde_json::Value;

use super::{now, text};
use crate::access::Actor;
use crate::error::ApiError;
use crate::rules::{numbers, reasons, sla};
use crate::schema::Entity;
use crate::store::{ListQuery, Record, Tx};
use crate::validate::format_time;

pub(super) fn prepare(
    tx: &dyn Tx,
    old: Option<&Record>,
    record: &mut Record,
) -> Result<(), ApiError> {
    let now = now();
    if old.is_none() {
        let number = numbers::ticket_number(tx.next_counter(numbers::TICKET_COUNTER)?);
        record.insert("number".into(), Value::String(number));
    }
    let priority_changed = old.is_none_or(|o| o.get("priority") != record.get("priority"));
    if priority_changed {
        let opened = text(record, "created_at")
            .and_then(|t| DateTime::parse_from_rfc3339(t).ok())
            .map_or(now, |t| t.with_timezone(&Utc));
        let priority = text(record, "priority").unwrap_or(sla::DEFAULT_PRIORITY);
        let customer = match text(record, "customer_id") {
            Some(id) => tx.get(Entity::Customers, id)?.filter(|c| !c.deleted),
            None => None,
        };
        let level = customer.as_ref().and_then(|c| text(&c.record, "level"));
        let (policy, calendar) = super::desk::ticket_policy(tx, priority, level)?;
        let due = policy.due(opened, &calendar);
        record.insert(
            "first_response_due".into(),
            Value::String(format_time(due.first_response)),
        );
        record.insert(
            "resolution_due".into(),
            Value::String(format_time(due.resolution)),
        );
    }
    if old.is_none()
        && text(record, "category").is_some_and(|c| c.eq_ignore_ascii_case(sla::COMPLAINT))
        && text(record, "assignee_id").is_none()
        && let Some(manager) = team_manager(tx, text(record, "customer_id"))?
    {
        record.insert("assignee_id".into(), Value::String(manager));
    }
    let status = text(record, "status").unwrap_or("new").to_string();
    let old_status = old.and_then(|o| text(o, "status")).unwrap_or("new");
    if status != "new" && record.get("first_responded_at").is_none_or(Value::is_null) {
        record.insert("first_responded_at".into(), Value::String(format_time(now)));
    }
    if status == "closed" && old.is_some() && old_status != "closed" {
        super::field::check_close(tx, record)?;
    }
    let finished = sla::is_finished(&status);
    if finished {
        reasons::resolution(&status, text(record, "resolution"))?;
        if record.get("resolved_at").is_none_or(Value::is_null) {
            record.insert("resolved_at".into(), Value::String(format_time(now)));
        }
    } else if sla::is_finished(old_status) {
        // Reopened: the clock runs again.
        record.insert("resolved_at".into(), Value::Null);
    }
    // The escalation sweep raises the alert as the running clock nears and passes its due
    // time; a clock that changed (answered, re-prioritised, finished, reopened) starts afresh.
    if old.is_none_or(|o| sla::running_due(o) != sla::running_due(record)) {
        record.insert(
            "sla_alert".into(),
            Value::String(sla::Alert::None.code().into()),
        );
    }
    // The satisfaction comes from a return visit's answer (`surveys`), so it is checked when
    // it changes: a reopened ticket keeps the score it was given.
    if old.is_none_or(|o| o.get("satisfaction") != record.get("satisfaction")) {
        let rated = record.get("satisfaction").is_some_and(|s| !s.is_null());
        reasons::satisfaction(&status, rated)?;
    }
    Ok(())
}

/// Who a new complaint, or a breached ticket its level reassigns, goes to: an active manager
/// of the customer's team (the first by username), else any active manager; none when the
/// company has no manager.
pub(super) fn team_manager(
    tx: &dyn Tx,
    customer_id: Option<&str>,
) -> Result<Option<String>, ApiError> {
    let managers = |field: &'static str, value: &str| -> Result<Vec<Record>, ApiError> {
        let query = ListQuery {
            filters: vec![(field, Value::String(value.to_string()))],
            sort: "username",
            limit: 500,
            ..ListQuery::default()
        };
        Ok(tx
            .list(Entity::Users, &query, None)?
            .into_iter()
            .filter(|u| {
                text(u, "role") == Some("manager") && u.get("active") != Some(&Value::Bool(false))
            })
            .collect())
    };
    let team = match customer_id {
        Some(id) => tx
            .get(Entity::Customers, id)?
            .filter(|c| !c.deleted)
            .and_then(|c| text(&c.record, "team_id").map(str::to_string)),
        None => None,
    };
    let mut found = match team {
        Some(team) => managers("team_id", &team)?,
        None => Vec::new(),
    };
    if found.is_empty() {
        found = managers("role", "manager")?;
    }
    Ok(found
        .first()
        .and_then(|u| text(u, "id"))
        .map(str::to_string))
}

/// Side effects on other records: a customer-visible comment is the ticket's first response.
pub(super) fn after_write(
    tx: &dyn Tx,
    actor: &Actor,
    entity: Entity,
    old: Option<&Record>,
    record: &Record,
) -> Result<(), ApiError> {
    if entity == Entity::Comments
        && old.is_none()
        && record.get("internal") != Some(&Value::Bool(true))
    {
        let Some(ticket_id) = text(record, "ticket_id") else {
            return Ok(());
        };
        let Some(ticket) = tx.get(Entity::Tickets, ticket_id)?.filter(|t| !t.deleted) else {
            return Ok(());
        };
        let answered_by_staff = text(&ticket.record, "created_by") != Some(actor.id.as_str())
            || text(&ticket.record, "assignee_id") == Some(actor.id.as_str());
        if ticket
            .record
            .get("first_responded_at")
            .is_none_or(Value::is_null)
            && answered_by_staff
        {
            let mut t = ticket.record;
            let version = t.get("version").and_then(Value::as_i64).unwrap_or(0);
            super::stamp_change(&mut t, actor, version);
            let stamp = t.get("updated_at").cloned().unwrap_or(Value::Null);
            t.insert("first_responded_at".into(), stamp);
            tx.update(Entity::Tickets, &t, &Vec::new(), false)?;
            tx.record_change(Entity::Tickets, ticket_id, &BTreeSet::new())?;
        }
    }
    Ok(())
}
