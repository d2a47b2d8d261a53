//! Approvals and the records that go through them: contracts (numbers `K-000123`), expense
//! claims and quotes with a discount above the sender's limit; licences; the approval settings.
//! The states and who decides are `rules::approvals`'; this file reads what those rules need
//! (the owner, their team's managers, the admins, the admin's limit) and moves the record an
//! approval is for along with it, each step in that record's audit trail too.

use serde_json::{Value, json};

use super::products::{self, where_eq};
use super::{now, quotes as quote_service, text};
use crate::access::{self, Actor, Role};
use crate::error::ApiError;
use crate::rules::approvals::{self, Candidates, Decider, Refusal};
use crate::rules::{numbers, quotes};
use crate::schema::Entity;
use crate::store::{AuditEntry, Record, Tx};
use crate::validate::format_time;

/// Approvals of one record read at once; more than any real record collects.
const MAX_APPROVALS: usize = 1_000;
/// Users read when choosing an approver.
const MAX_USERS: usize = 10_000;

fn conflict(message: impl Into<String>) -> ApiError {
    ApiError::Conflict {
        message: message.into(),
        existing: None,
    }
}

fn refused(r: Refusal) -> ApiError {
    match r {
        Refusal::State(m) => conflict(m),
        Refusal::Person(m) => ApiError::forbidden(m),
    }
}

fn int(record: &Record, field: &str) -> i64 {
    record.get(field).and_then(Value::as_i64).unwrap_or(0)
}

fn live(tx: &dyn Tx, entity: Entity, id: &str) -> Result<Option<Record>, ApiError> {
    Ok(tx.get(entity, id)?.filter(|s| !s.deleted).map(|s| s.record))
}

fn visible(tx: &dyn Tx, actor: &Actor, entity: Entity, id: &str) -> Result<bool, ApiError> {
    Ok(actor.is_admin() || actor.may_read(&tx.read_set(entity, id)?))
}

fn changed(old: Option<&Record>, record: &Record, field: &str) -> bool {
    old.is_none_or(|o| o.get(field) != record.get(field))
}

/// The entity of the record an approval is for, by the kind.
fn subject_entity(kind: &str) -> Entity {
    match kind {
        "contract" => Entity::Contracts,
        "discount" => Entity::Quotes,
        _ => Entity::ExpenseClaims,
    }
}

/// The kind and the subject's id of an approval: exactly one link is set.
fn subject_of(record: &Record) -> Result<(&'static str, String), ApiError> {
    let set: Vec<(&'static str, &str)> = approvals::SUBJECT_LINKS
        .iter()
        .filter_map(|(kind, field)| text(record, field).map(|id| (*kind, id)))
        .collect();
    match set.as_slice() {
        [(kind, id)] => Ok((kind, (*id).to_string())),
        _ => Err(ApiError::invalid(
            "contract_id",
            "an approval is for exactly one record: give one of contract_id, quote_id, expense_claim_id",
        )),
    }
}

/// Rules of contracts, expense claims, licences, approvals and their settings, applied to the
/// full new state before it is checked and stored.
pub(super) fn prepare(
    tx: &dyn Tx,
    actor: &Actor,
    entity: Entity,
    old: Option<&Record>,
    record: &mut Record,
) -> Result<(), ApiError> {
    match entity {
        Entity::Contracts | Entity::ExpenseClaims => {
            if let Some(old) = old {
                let status = text(old, "status").unwrap_or("draft");
                if !approvals::editable(status) {
                    return Err(conflict(approvals::locked_message(entity.noun(), status)));
                }
            } else {
                if record.get("owner_id").is_none_or(Value::is_null) {
                    record.insert("owner_id".into(), Value::String(actor.id.clone()));
                }
                if entity == Entity::Contracts {
                    let n = tx.next_counter(numbers::CONTRACT_COUNTER)?;
                    record.insert("number".into(), json!(numbers::contract_number(n)));
                }
            }
            if entity == Entity::Contracts {
                dates_in_order(record, "starts_on", "ends_on")?;
            }
            links_agree(tx, record)
        }
        Entity::Licences => {
            dates_in_order(record, "starts_on", "ends_on")?;
            let number = text(record, "licence_number")
                .unwrap_or_default()
                .to_string();
            let id = text(record, "id");
            if changed(old, record, "licence_number")
                && where_eq(tx, entity, "licence_number", &number, 2)?
                    .iter()
                    .any(|r| text(r, "id") != id)
            {
                return Err(conflict(format!(
                    "licence number {number} is taken; licence numbers are unique"
                )));
            }
            if let Some(contract) = text(record, "contract_id")
                && let Some(contract) = live(tx, Entity::Contracts, contract)?
                && text(&contract, "customer_id") != text(record, "customer_id")
            {
                return Err(ApiError::invalid(
                    "contract_id",
                    "this contract is not the licence's customer's",
                ));
            }
            Ok(())
        }
        Entity::ApprovalSettings => {
            let kind = text(record, "kind").unwrap_or_default().to_string();
            let id = text(record, "id");
            if actor.is_admin()
                && changed(old, record, "kind")
                && where_eq(tx, entity, "kind", &kind, 2)?
                    .iter()
                    .any(|r| text(r, "id") != id)
            {
                return Err(conflict(format!(
                    "the {kind} approvals have a setting already; edit that one"
                )));
            }
            Ok(())
        }
        Entity::Approvals => match old {
            None => prepare_submission(tx, actor, record),
            Some(old) => prepare_decision(actor, old, record),
        },
        _ => Ok(()),
    }
}

fn dates_in_order(record: &Record, from: &str, to: &str) -> Result<(), ApiError> {
    if let (Some(a), Some(b)) = (text(record, from), text(record, to))
        && b < a
    {
        return Err(ApiError::invalid(to, format!("must be on or after {from}")));
    }
    Ok(())
}

/// A contract's or claim's deal and quote are its customer's.
fn links_agree(tx: &dyn Tx, record: &Record) -> Result<(), ApiError> {
    let customer = text(record, "customer_id");
    for (field, entity) in [
        ("opportunity_id", Entity::Opportunities),
        ("quote_id", Entity::Quotes),
    ] {
        if let Some(linked) = text(record, field)
            && let Some(target) = live(tx, entity, linked)?
            && customer.is_some()
            && text(&target, "customer_id") != customer
        {
            return Err(ApiError::invalid(
                field,
                format!("this {} is not the customer's", entity.noun()),
            ));
        }
    }
    Ok(())
}

/// A submission: the record is one the submitter may change and may be submitted; the amount,
/// the subject's label and the approver are the server's.
fn prepare_submission(tx: &dyn Tx, actor: &Actor, record: &mut Record) -> Result<(), ApiError> {
    if text(record, "status") != Some("pending") {
        return Err(ApiError::invalid(
            "status",
            "an approval starts pending; it is decided afterwards",
        ));
    }
    for field in ["comment"] {
        if record.get(field).is_some_and(|v| !v.is_null()) {
            return Err(ApiError::invalid(
                field,
                "is the approver's; write your reasons in note",
            ));
        }
    }
    let (kind, subject_id) = subject_of(record)?;
    let entity = subject_entity(kind);
    // An unseen record is refused by the access check as a link to nothing.
    if !visible(tx, actor, entity, &subject_id)? {
        return Ok(());
    }
    let subject = live(tx, entity, &subject_id)?
        .ok_or_else(|| ApiError::invalid("contract_id", "no such record"))?;
    let read = tx.read_set(entity, &subject_id)?;
    access::may_change(actor, entity, &subject, &read, &super::TxLookup(tx)).map_err(|_| {
        ApiError::forbidden(format!(
            "you may not submit this {}; its owner or their manager may",
            entity.noun()
        ))
    })?;
    let (amount, label, discount) = match entity {
        Entity::Quotes => {
            let status = text(&subject, "status").unwrap_or("draft");
            if !quotes::editable(status) {
                return Err(conflict(format!(
                    "this quote is {status}; only a draft is submitted for a discount approval"
                )));
            }
            if pending_for(tx, "quote_id", &subject_id)? {
                return Err(refused(approvals::may_submit("pending").unwrap_err()));
            }
            let largest = largest_discount(tx, &subject_id)?;
            let limit = products::discount_limit(tx, actor.role)?;
            if quotes::discount_problem(largest, limit).is_none() {
                return Err(conflict(format!(
                    "this quote's discounts ({}) are within your limit of {}; send it",
                    quotes::percent(largest),
                    quotes::percent(limit)
                )));
            }
            let label = format!(
                "{} r{} · discount {}{}",
                text(&subject, "number").unwrap_or_default(),
                int(&subject, "revision"),
                quotes::percent(largest),
                text(&subject, "subject")
                    .map(|s| format!(" · {s}"))
                    .unwrap_or_default()
            );
            (int(&subject, "total"), label, Some(largest))
        }
        _ => {
            let status = text(&subject, "status").unwrap_or("draft");
            approvals::may_submit(status).map_err(refused)?;
            let label = match entity {
                Entity::Contracts => format!(
                    "{} {}",
                    text(&subject, "number").unwrap_or_default(),
                    text(&subject, "name").unwrap_or_default()
                ),
                _ => format!(
                    "{} · {}",
                    text(&subject, "subject").unwrap_or_default(),
                    text(&subject, "spent_on").unwrap_or_default()
                ),
            };
            (int(&subject, "amount"), label, None)
        }
    };
    let owner_id = text(&subject, "owner_id").unwrap_or(&actor.id).to_string();
    let owner = live(tx, Entity::Users, &owner_id)?;
    let owner_role = owner
        .as_ref()
        .and_then(|o| text(o, "role"))
        .and_then(Role::parse)
        .unwrap_or(Role::Sales);
    let owner_team = owner.as_ref().and_then(|o| text(o, "team_id"));
    let mut above = admin_limit(tx, kind)?.is_some_and(|limit| amount > limit);
    if let Some(largest) = discount {
        // Beyond what a manager may give, only an admin approves.
        above |= quotes::discount_problem(largest, products::discount_limit(tx, Role::Manager)?)
            .is_some();
    }
    let users = all_users(tx)?;
    let ids_where = |role: &str, team: Option<&str>| -> Vec<&str> {
        users
            .iter()
            .filter(|u| text(u, "role") == Some(role))
            .filter(|u| u.get("active") != Some(&Value::Bool(false)))
            .filter(|u| team.is_none() || text(u, "team_id") == team)
            .filter_map(|u| text(u, "id"))
            .collect()
    };
    let candidates = Candidates {
        managers: owner_team
            .map(|team| ids_where("manager", Some(team)))
            .unwrap_or_default(),
        admins: ids_where("admin", None),
    };
    let approver = approvals::route(owner_role, above, &actor.id, &candidates)
        .map_err(refused)?
        .to_string();
    record.insert("kind".into(), json!(kind));
    record.insert("subject".into(), json!(label));
    record.insert("amount".into(), json!(amount));
    record.insert(
        "discount_bp".into(),
        discount.map_or(Value::Null, |d| json!(d)),
    );
    record.insert("submitted_by".into(), json!(actor.id));
    record.insert("approver_id".into(), json!(approver));
    Ok(())
}

/// The users, oldest first (a stable order to choose an approver in).
fn all_users(tx: &dyn Tx) -> Result<Vec<Record>, ApiError> {
    let query = crate::store::ListQuery {
        sort: "created_at",
        limit: MAX_USERS,
        ..crate::store::ListQuery::default()
    };
    Ok(tx.list(Entity::Users, &query, None)?)
}

/// A decision: only `status` and `comment` move, by `rules::approvals::decide`.
fn prepare_decision(actor: &Actor, old: &Record, record: &mut Record) -> Result<(), ApiError> {
    let from = text(old, "status").unwrap_or("pending").to_string();
    let to = text(record, "status").unwrap_or("pending").to_string();
    if let Some((field, _)) = record.iter().find(|(k, v)| {
        !matches!(k.as_str(), "status" | "comment" | "version" | "updated_at")
            && old.get(k.as_str()) != Some(v)
    }) {
        return Err(ApiError::invalid(
            field,
            "an approval's record and note stay as submitted; withdraw it and submit again",
        ));
    }
    if from == to {
        if old.get("comment") != record.get("comment") && from != "pending" {
            return Err(conflict(format!(
                "this approval is {from}; its comment is kept as it was decided"
            )));
        }
        return Ok(());
    }
    approvals::decide(
        &from,
        &to,
        Decider {
            id: &actor.id,
            role: actor.role,
        },
        text(old, "submitted_by").unwrap_or_default(),
        text(old, "approver_id").unwrap_or_default(),
        text(record, "comment"),
    )
    .map_err(refused)?;
    record.insert("decided_by".into(), json!(actor.id));
    record.insert("decided_at".into(), json!(format_time(now())));
    Ok(())
}

/// The admin's limit for a kind, if set.
fn admin_limit(tx: &dyn Tx, kind: &str) -> Result<Option<i64>, ApiError> {
    Ok(where_eq(tx, Entity::ApprovalSettings, "kind", kind, 1)?
        .first()
        .and_then(|r| r.get("admin_above"))
        .and_then(Value::as_i64))
}

fn largest_discount(tx: &dyn Tx, quote_id: &str) -> Result<i64, ApiError> {
    Ok(where_eq(
        tx,
        Entity::QuoteLines,
        "quote_id",
        quote_id,
        quote_service::MAX_LINES + 1,
    )?
    .iter()
    .map(|l| int(l, "discount_bp"))
    .max()
    .unwrap_or(0))
}

/// Whether a record has an approval waiting (`field`: the approval's link to it).
fn pending_for(tx: &dyn Tx, field: &'static str, id: &str) -> Result<bool, ApiError> {
    Ok(where_eq(tx, Entity::Approvals, field, id, MAX_APPROVALS)?
        .iter()
        .any(|a| text(a, "status") == Some("pending")))
}

/// Refuses a change to a quote (or its lines) while its discount waits for approval.
pub(super) fn check_quote_unlocked(tx: &dyn Tx, quote_id: &str) -> Result<(), ApiError> {
    if pending_for(tx, "quote_id", quote_id)? {
        return Err(conflict(approvals::locked_message("quote", "pending")));
    }
    Ok(())
}

/// The largest discount approved for a quote by its newest approved approval.
pub(super) fn approved_discount(tx: &dyn Tx, quote_id: &str) -> Result<Option<i64>, ApiError> {
    Ok(crate::rules::quotes::approved_discount_of(&where_eq(
        tx,
        Entity::Approvals,
        "quote_id",
        quote_id,
        MAX_APPROVALS,
    )?))
}

/// A contract or claim is deleted only while it may be changed; an approval never (it is the
/// record of a decision: withdraw it instead).
pub(super) fn check_delete(tx: &dyn Tx, entity: Entity, current: &Record) -> Result<(), ApiError> {
    match entity {
        Entity::Contracts | Entity::ExpenseClaims => {
            let status = text(current, "status").unwrap_or("draft");
            if !approvals::editable(status) {
                return Err(conflict(approvals::locked_message(entity.noun(), status)));
            }
        }
        Entity::Approvals => {
            return Err(conflict(
                "an approval is kept as the record of a decision; a pending one is withdrawn instead",
            ));
        }
        Entity::Quotes | Entity::QuoteLines => {
            let quote = if entity == Entity::Quotes {
                text(current, "id")
            } else {
                text(current, "quote_id")
            };
            if let Some(quote) = quote {
                check_quote_unlocked(tx, quote)?;
            }
        }
        _ => {}
    }
    Ok(())
}

/// After an approval is submitted or decided: the record it is for moves with it (a contract's
/// or claim's `status`), and the step goes into that record's audit trail.
pub(super) fn after_write(
    tx: &dyn Tx,
    actor: &Actor,
    entity: Entity,
    old: Option<&Record>,
    record: &Record,
) -> Result<(), ApiError> {
    if entity != Entity::Approvals {
        return Ok(());
    }
    let from = old.and_then(|o| text(o, "status"));
    let to = text(record, "status").unwrap_or("pending");
    if from == Some(to) {
        return Ok(());
    }
    let (kind, subject_id) = subject_of(record)?;
    let subject = subject_entity(kind);
    if subject != Entity::Quotes {
        quote_service::touch(
            tx,
            actor,
            subject,
            &subject_id,
            &[("status", json!(approvals::subject_status_for(to)))],
        )?;
    }
    let action = match to {
        "pending" => "submit",
        "approved" => "approve",
        "rejected" => "reject",
        _ => "withdraw",
    };
    tx.audit(&AuditEntry {
        actor_id: Some(actor.id.clone()),
        action,
        entity: Some(subject),
        record_id: Some(subject_id),
        changes: Some(json!({
            "approval_id": record.get("id").cloned().unwrap_or(Value::Null),
            "approver_id": record.get("approver_id").cloned().unwrap_or(Value::Null),
            "comment": record.get("comment").cloned().unwrap_or(Value::Null),
            "note": record.get("note").cloned().unwrap_or(Value::Null),
        })),
    })?;
    Ok(())
}
