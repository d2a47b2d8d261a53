//! Escalation: a sweep, run by the server every minute or so, that raises each open ticket's
//! `sla_alert` as its running clock nears its due time (due soon: the assignee is warned) and
//! passes it (breached: the team's manager is alerted; a level with `on_breach = reassign` gives
//! the ticket to `escalate_to`, or to the manager of the customer's team). Alerts only rise
//! here; `tickets::prepare` starts them afresh when the clock changes. Every change is a normal
//! record change: a new version, in the feed, in the audit trail as `escalate`.

use std::collections::{BTreeSet, HashMap};

use chrono::{DateTime, Duration, Utc};
use serde_json::{Value, json};

use super::desk::TicketLevel;
use super::{TxLookup, hidden_columns, text};
use crate::access;
use crate::error::ApiError;
use crate::query::{Condition, Op, Test};
use crate::rules::sla::{self, Alert};
use crate::schema::{Entity, Kind, SLA_ALERTS, TICKET_STATUSES};
use crate::store::{AuditEntry, ListQuery, Record, Tx};
use crate::validate::format_time;

/// Tickets looked at per clock per sweep, soonest due first; the rest wait for the next sweep.
const BATCH: usize = 500;
/// How far ahead in wall time a due time can be and still be "due soon": warning minutes count
/// open time, which a long holiday stretches over days.
const HORIZON_DAYS: i64 = 14;

/// What one sweep changed, per ticket.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Escalated {
    pub ticket_id: String,
    pub alert: Alert,
    /// The user the ticket was given to, when the level reassigns.
    pub reassigned_to: Option<String>,
}

/// The service levels met so far in a sweep, by (priority, customer level).
type Levels = HashMap<(String, Option<String>), TicketLevel>;

/// Raises the alerts that are due at `now` and reassigns what breached under a reassigning
/// level: [`due`] then [`raise_due`] in one transaction.
pub fn sweep(tx: &dyn Tx, now: DateTime<Utc>) -> Result<Vec<Escalated>, ApiError> {
    let found = due(tx, now)?;
    raise_due(tx, &found, now)
}

/// The tickets whose alert should rise at `now`, and to what: a read, which the server runs on
/// a reader thread so the minute's scan never holds the writer.
pub fn due(tx: &dyn Tx, now: DateTime<Utc>) -> Result<Vec<(String, Alert)>, ApiError> {
    let horizon = format_time(now + Duration::days(HORIZON_DAYS));
    let mut levels = Levels::new();
    let mut out = Vec::new();
    // The first response's clock runs until someone answered, then the resolution's.
    for (answered, due_field) in [(false, "first_response_due"), (true, "resolution_due")] {
        for ticket in candidates(tx, answered, due_field, &horizon)? {
            if let Some((alert, _)) = rising(tx, &ticket, now, &mut levels)? {
                out.push((text(&ticket, "id").unwrap_or_default().to_string(), alert));
            }
        }
    }
    Ok(out)
}

/// Raises what [`due`] found, each ticket read again and decided again in this write (it may
/// have been answered, or raised by another server, since). Several servers may sweep at once:
/// the named lock lets one at a time, and the second finds the work done.
pub fn raise_due(
    tx: &dyn Tx,
    found: &[(String, Alert)],
    now: DateTime<Utc>,
) -> Result<Vec<Escalated>, ApiError> {
    tx.lock_named("escalation")?;
    let mut levels = Levels::new();
    let mut out = Vec::new();
    for (id, _) in found {
        let Some(ticket) = tx.get(Entity::Tickets, id)?.filter(|t| !t.deleted) else {
            continue;
        };
        if let Some((alert, level)) = rising(tx, &ticket.record, now, &mut levels)? {
            out.push(raise(tx, ticket.record, alert, level.as_ref(), now)?);
        }
    }
    Ok(out)
}

/// The alert `ticket` should have at `now` when it is above the one it has, with the admin's
/// service level it counts by (what a breach does).
fn rising(
    tx: &dyn Tx,
    ticket: &Record,
    now: DateTime<Utc>,
    levels: &mut Levels,
) -> Result<Option<(Alert, Option<Record>)>, ApiError> {
    let priority = text(ticket, "priority")
        .unwrap_or(sla::DEFAULT_PRIORITY)
        .to_string();
    let customer_level = match text(ticket, "customer_id") {
        Some(id) => tx
            .get(Entity::Customers, id)?
            .filter(|c| !c.deleted)
            .and_then(|c| text(&c.record, "level").map(str::to_string)),
        None => None,
    };
    let key = (priority, customer_level);
    if !levels.contains_key(&key) {
        let level = super::desk::ticket_level(tx, &key.0, key.1.as_deref())?;
        levels.insert(key.clone(), level);
    }
    let Some((policy, calendar, level)) = levels.get(&key) else {
        return Ok(None);
    };
    let alert = Alert::at(now, sla::running_due(ticket), policy.warn_minutes, calendar);
    let stands = Alert::of_code(text(ticket, "sla_alert").unwrap_or("none"));
    Ok((alert > stands).then(|| (alert, level.clone())))
}

/// Open tickets whose clock of this kind runs, is not yet breached, and falls due before the
/// horizon.
fn candidates(
    tx: &dyn Tx,
    answered: bool,
    due_field: &str,
    horizon: &str,
) -> Result<Vec<Record>, ApiError> {
    let open: Vec<Value> = TICKET_STATUSES
        .iter()
        .filter(|s| !sla::is_finished(s))
        .map(|s| json!(s))
        .collect();
    let condition = |column: &str, kind: Kind, test: Test, negated: bool| Condition {
        column: column.into(),
        kind,
        test,
        negated,
    };
    let query = ListQuery {
        conditions: vec![
            condition(
                "status",
                Kind::Enum(TICKET_STATUSES),
                Test::AnyOf(open),
                false,
            ),
            condition(
                "sla_alert",
                Kind::Enum(SLA_ALERTS),
                Test::AnyOf(vec![json!(Alert::Breached.code())]),
                true,
            ),
            condition(
                "first_responded_at",
                Kind::Time,
                Test::AnyOf(vec![Value::Null]),
                answered,
            ),
            condition(
                due_field,
                Kind::Time,
                Test::Compare(Op::Lt, json!(horizon)),
                false,
            ),
        ],
        sort: if answered {
            "resolution_due"
        } else {
            "first_response_due"
        },
        limit: BATCH,
        ..ListQuery::default()
    };
    Ok(tx.list(Entity::Tickets, &query, None)?)
}

/// Stores the raised alert (and on a breach the escalation) as a change of the ticket.
fn raise(
    tx: &dyn Tx,
    current: Record,
    alert: Alert,
    level: Option<&Record>,
    now: DateTime<Utc>,
) -> Result<Escalated, ApiError> {
    let id = text(&current, "id").unwrap_or_default().to_string();
    let mut record = current.clone();
    record.insert("sla_alert".into(), json!(alert.code()));
    let mut reassigned_to = None;
    if alert == Alert::Breached {
        record.insert("escalated_at".into(), json!(format_time(now)));
        let reassigns = level.and_then(|l| text(l, "on_breach")) == Some("reassign");
        if reassigns {
            let named = level
                .and_then(|l| text(l, "escalate_to"))
                .map(str::to_string);
            let target = match named {
                Some(user) => Some(user),
                None => super::tickets::team_manager(tx, text(&current, "customer_id"))?,
            };
            if let Some(target) = target.filter(|t| text(&current, "assignee_id") != Some(t)) {
                record.insert(
                    "escalated_from".into(),
                    current.get("assignee_id").cloned().unwrap_or(Value::Null),
                );
                record.insert("assignee_id".into(), json!(target));
                reassigned_to = Some(target);
            }
        }
    }
    let version = current.get("version").and_then(Value::as_i64).unwrap_or(0);
    record.insert("version".into(), json!(version + 1));
    record.insert("updated_at".into(), json!(format_time(Utc::now())));
    // Nobody made this change: the server's sweep did.
    record.insert("updated_by".into(), Value::Null);
    tx.update(
        Entity::Tickets,
        &record,
        &hidden_columns(Entity::Tickets, &record),
        false,
    )?;
    let lookup = TxLookup(tx);
    let old_set = tx.read_set(Entity::Tickets, &id)?;
    let new_set = access::read_set(Entity::Tickets, &record, &lookup);
    let dropped: BTreeSet<String> = old_set.difference(&new_set).cloned().collect();
    if new_set != old_set {
        tx.set_read_set(Entity::Tickets, &id, &new_set)?;
    }
    tx.record_change(Entity::Tickets, &id, &dropped)?;
    let mut changes = serde_json::Map::new();
    for field in ["sla_alert", "assignee_id", "escalated_at", "escalated_from"] {
        let (before, after) = (current.get(field), record.get(field));
        if before != after {
            changes.insert(
                field.into(),
                json!([before.cloned().unwrap_or(Value::Null), after]),
            );
        }
    }
    tx.audit(&AuditEntry {
        actor_id: None,
        action: "escalate",
        entity: Some(Entity::Tickets),
        record_id: Some(id.clone()),
        changes: Some(Value::Object(changes)),
    })?;
    Ok(Escalated {
        ticket_id: id,
        alert,
        reassigned_to,
    })
}
