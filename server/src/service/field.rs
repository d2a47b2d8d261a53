//! Field service (现场服务, 完成确认): a ticket's on-site visits. A visit names its ticket, an
//! engineer and an appointment; the server puts the appointment in the engineer's calendar (an
//! activity of kind `visit` the engineer owns, moved and marked done with the visit) and keeps
//! the visit's customer the ticket's. A visit is done only with its report (work done, time on
//! site); a ticket with a visit not called off closes only when every such visit is done and
//! confirmed by the customer (who and when) — [`close_problem`] says what is missing. A part
//! used from a named warehouse is taken out of its stock (`stock::take_out`).

use chrono::{DateTime, Duration, Utc};
use serde_json::{Value, json};

use super::marketing::{edit_as_server, insert_as_server};
use super::products::where_eq;
use super::quotes::{conflict, int, live};
use super::text;
use crate::access::Actor;
use crate::error::ApiError;
use crate::schema::Entity;
use crate::store::{Record, Tx};
use crate::validate::format_time;

/// Visits read per ticket: far more than any ticket has.
const VISITS_PER_TICKET: usize = 500;
/// An appointment with no end lasts an hour in the engineer's calendar.
const DEFAULT_MINUTES: i64 = 60;

fn time(record: &Record, field: &str) -> Option<DateTime<Utc>> {
    text(record, field)
        .and_then(|t| DateTime::parse_from_rfc3339(t).ok())
        .map(|t| t.with_timezone(&Utc))
}

fn changed(old: Option<&Record>, record: &Record, field: &str) -> bool {
    old.is_none_or(|o| o.get(field) != record.get(field))
}

fn empty(record: &Record, field: &str) -> bool {
    text(record, field).is_none_or(|t| t.trim().is_empty())
        && record.get(field).is_none_or(|v| !v.is_number())
}

/// What a visit's report lacks for it to count as done: the work done and the time on site.
pub fn report_missing(visit: &Record) -> Vec<&'static str> {
    let mut missing = Vec::new();
    if empty(visit, "work_done") {
        missing.push("the work done");
    }
    if empty(visit, "minutes_on_site") {
        missing.push("the time on site");
    }
    missing
}

/// What a visit lacks before its ticket may close: its report, and the customer's confirmation.
pub fn close_missing(visit: &Record) -> Vec<&'static str> {
    let mut missing = report_missing(visit);
    if text(visit, "status") != Some("done") {
        missing.insert(0, "marking it done");
    }
    if empty(visit, "confirmed_by") || empty(visit, "confirmed_at") {
        missing.push("the customer's confirmation (who and when)");
    }
    missing
}

/// Why a ticket with these visits may not close, or None: every visit not called off must be
/// done with its report and confirmed.
pub fn close_problem(visits: &[Record]) -> Option<String> {
    let open: Vec<String> = visits
        .iter()
        .filter(|v| text(v, "status") != Some("cancelled"))
        .filter_map(|v| {
            let missing = close_missing(v);
            (!missing.is_empty()).then(|| {
                let when = text(v, "starts_at").unwrap_or_default();
                let day = when.get(..16).unwrap_or(when).replace('T', " ");
                format!(
                    "the on-site visit of {day} UTC needs {}",
                    missing.join(", ")
                )
            })
        })
        .collect();
    (!open.is_empty()).then(|| {
        format!(
            "a field ticket closes after its on-site report and the customer's confirmation: {}",
            open.join("; ")
        )
    })
}

/// The live visits of a ticket.
pub fn visits_of(tx: &dyn Tx, ticket_id: &str) -> Result<Vec<Record>, ApiError> {
    where_eq(
        tx,
        Entity::FieldVisits,
        "ticket_id",
        ticket_id,
        VISITS_PER_TICKET,
    )
}

/// Called when a ticket moves to closed.
pub(super) fn check_close(tx: &dyn Tx, ticket: &Record) -> Result<(), ApiError> {
    let Some(id) = text(ticket, "id") else {
        return Ok(());
    };
    match close_problem(&visits_of(tx, id)?) {
        Some(problem) => Err(ApiError::invalid("status", problem)),
        None => Ok(()),
    }
}

pub(super) fn prepare(
    tx: &dyn Tx,
    actor: &Actor,
    entity: Entity,
    old: Option<&Record>,
    record: &mut Record,
) -> Result<(), ApiError> {
    match entity {
        Entity::FieldVisits => prepare_visit(tx, actor, old, record),
        Entity::VisitParts => prepare_part(tx, old, record),
        _ => Ok(()),
    }
}

fn prepare_visit(
    tx: &dyn Tx,
    actor: &Actor,
    old: Option<&Record>,
    record: &mut Record,
) -> Result<(), ApiError> {
    if old.is_some_and(|o| text(o, "ticket_id") != text(record, "ticket_id")) {
        return Err(ApiError::invalid(
            "ticket_id",
            "a visit stays with its ticket; cancel it and book one on the other ticket",
        ));
    }
    let ticket_id = text(record, "ticket_id").unwrap_or_default().to_string();
    let ticket = live(tx, Entity::Tickets, &ticket_id)?
        .ok_or_else(|| ApiError::invalid("ticket_id", "no such ticket"))?;
    if changed(old, record, "engineer_id") {
        let engineer = text(record, "engineer_id").unwrap_or_default();
        let user = live(tx, Entity::Users, engineer)?;
        if user.is_none_or(|u| u.get("active") == Some(&Value::Bool(false))) {
            return Err(ApiError::invalid(
                "engineer_id",
                "the engineer must be an active user",
            ));
        }
    }
    let starts = time(record, "starts_at");
    if let (Some(s), Some(e)) = (starts, time(record, "ends_at"))
        && e <= s
    {
        return Err(ApiError::invalid(
            "ends_at",
            "the appointment must end after it starts",
        ));
    }
    let status = text(record, "status").unwrap_or("scheduled");
    if status == "done" {
        let missing = report_missing(record);
        if !missing.is_empty() {
            let field = if empty(record, "work_done") {
                "work_done"
            } else {
                "minutes_on_site"
            };
            return Err(ApiError::invalid(
                field,
                format!(
                    "a visit is done with its report: {} missing",
                    missing.join(" and ")
                ),
            ));
        }
    }
    match (empty(record, "confirmed_by"), empty(record, "confirmed_at")) {
        (true, false) => {
            return Err(ApiError::invalid(
                "confirmed_by",
                "say who at the customer confirmed the work",
            ));
        }
        (false, true) => {
            return Err(ApiError::invalid(
                "confirmed_at",
                "say when the customer confirmed the work",
            ));
        }
        _ => {}
    }
    record.insert(
        "customer_id".into(),
        ticket.get("customer_id").cloned().unwrap_or(Value::Null),
    );
    appointment(tx, actor, old, record, &ticket)
}

/// The engineer's calendar item: made with the visit, moved, given to another engineer or
/// marked done with it (a cancelled visit's item is done, its subject saying so).
fn appointment(
    tx: &dyn Tx,
    actor: &Actor,
    old: Option<&Record>,
    record: &mut Record,
    ticket: &Record,
) -> Result<(), ApiError> {
    let status = text(record, "status").unwrap_or("scheduled");
    let starts = time(record, "starts_at").unwrap_or_else(Utc::now);
    let ends = time(record, "ends_at").unwrap_or(starts + Duration::minutes(DEFAULT_MINUTES));
    let number = text(ticket, "number").unwrap_or_default();
    let subject: String = format!(
        "{}On-site visit {number}: {}",
        if status == "cancelled" {
            "Cancelled: "
        } else {
            ""
        },
        text(ticket, "subject").unwrap_or_default()
    )
    .chars()
    .take(200)
    .collect();
    let fields = [
        ("subject", json!(subject)),
        (
            "owner_id",
            record.get("engineer_id").cloned().unwrap_or(Value::Null),
        ),
        ("starts_at", json!(format_time(starts))),
        ("ends_at", json!(format_time(ends))),
        ("done", json!(status != "scheduled")),
        (
            "customer_id",
            ticket.get("customer_id").cloned().unwrap_or(Value::Null),
        ),
        (
            "contact_id",
            ticket.get("contact_id").cloned().unwrap_or(Value::Null),
        ),
        ("ticket_id", json!(text(ticket, "id"))),
    ];
    let existing = match text(record, "activity_id") {
        Some(id) => live(tx, Entity::Activities, id)?,
        None => None,
    };
    match existing {
        Some(activity) => {
            let moved = ["engineer_id", "starts_at", "ends_at", "status"]
                .iter()
                .any(|f| changed(old, record, f));
            if moved {
                edit_as_server(tx, actor, Entity::Activities, activity, &fields)?;
            }
        }
        None => {
            let mut body = Record::new();
            body.insert("kind".into(), json!("visit"));
            for (k, v) in fields {
                body.insert(k.into(), v);
            }
            let made = insert_as_server(tx, actor, Entity::Activities, &body)?;
            record.insert("activity_id".into(), made["id"].clone());
        }
    }
    Ok(())
}

fn prepare_part(tx: &dyn Tx, old: Option<&Record>, record: &mut Record) -> Result<(), ApiError> {
    let visit_id = text(record, "visit_id").unwrap_or_default();
    let visit = live(tx, Entity::FieldVisits, visit_id)?
        .ok_or_else(|| ApiError::invalid("visit_id", "no such visit"))?;
    if text(&visit, "status") == Some("cancelled") {
        return Err(ApiError::invalid(
            "visit_id",
            "the visit was called off; record parts on the visit that took place",
        ));
    }
    if let Some(o) = old {
        let moved = ["visit_id", "product_id", "quantity", "warehouse_id"]
            .iter()
            .any(|f| changed(Some(o), record, f));
        if moved && text(o, "warehouse_id").is_some() {
            return Err(conflict(
                "this part was taken out of stock: delete it (the stock comes back) and add it again",
            ));
        }
        if text(o, "visit_id") != text(record, "visit_id") {
            return Err(ApiError::invalid("visit_id", "a part stays with its visit"));
        }
    }
    Ok(())
}

/// After a part is recorded: taken out of the warehouse it names.
pub(super) fn after_write(
    tx: &dyn Tx,
    actor: &Actor,
    entity: Entity,
    old: Option<&Record>,
    record: &Record,
) -> Result<(), ApiError> {
    if entity == Entity::VisitParts
        && old.is_none()
        && let Some(warehouse) = text(record, "warehouse_id")
    {
        let product = text(record, "product_id").unwrap_or_default();
        let reason = format!(
            "used on a field visit (part {})",
            text(record, "id").unwrap_or_default()
        );
        super::stock::take_out(
            tx,
            actor,
            product,
            warehouse,
            int(record, "quantity"),
            reason,
        )?;
    }
    Ok(())
}

/// Before a part is deleted: what it took out of stock goes back.
pub(super) fn before_delete(
    tx: &dyn Tx,
    actor: &Actor,
    entity: Entity,
    current: &Record,
) -> Result<(), ApiError> {
    if entity == Entity::VisitParts
        && let Some(warehouse) = text(current, "warehouse_id")
    {
        let product = text(current, "product_id").unwrap_or_default();
        let reason = format!(
            "part {} of a field visit deleted",
            text(current, "id").unwrap_or_default()
        );
        super::stock::put_back(
            tx,
            actor,
            product,
            warehouse,
            int(current, "quantity"),
            reason,
        )?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn visit(v: Value) -> Record {
        v.as_object().cloned().unwrap_or_default()
    }

    #[test]
    fn a_ticket_closes_only_when_every_visit_is_reported_and_confirmed() {
        let scheduled = visit(json!({"status": "scheduled", "starts_at": "2026-12-04T01:00:00Z"}));
        let problem = close_problem(std::slice::from_ref(&scheduled)).expect("refused");
        assert!(problem.contains("2026-12-04 01:00"), "{problem}");
        assert!(problem.contains("marking it done"), "{problem}");
        assert!(problem.contains("the work done"), "{problem}");
        assert!(problem.contains("confirmation"), "{problem}");
        let reported = visit(
            json!({"status": "done", "starts_at": "2026-12-04T01:00:00Z",
            "work_done": "Replaced the pump", "minutes_on_site": 90}),
        );
        let problem = close_problem(std::slice::from_ref(&reported)).expect("refused");
        assert!(!problem.contains("the work done"), "{problem}");
        assert!(problem.contains("confirmation"), "{problem}");
        let mut confirmed = reported.clone();
        confirmed.insert("confirmed_by".into(), json!("王经理"));
        confirmed.insert("confirmed_at".into(), json!("2026-12-04T03:00:00Z"));
        assert_eq!(close_problem(&[confirmed.clone()]), None);
        // A visit called off does not hold the ticket; one left open among done ones does.
        let cancelled = visit(json!({"status": "cancelled", "starts_at": "2026-12-01T01:00:00Z"}));
        assert_eq!(close_problem(&[confirmed.clone(), cancelled]), None);
        assert!(close_problem(&[confirmed, scheduled]).is_some());
        assert_eq!(close_problem(&[]), None);
    }
}
