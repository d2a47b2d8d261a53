//! Payment plans, instalments and payments (回款): a plan takes its customer and owner from its
//! order; an instalment its customer and owner from its plan (the aging read and the owner's
//! reminders go by them); a payment is matched to an instalment (the one named, else its plan's
//! earliest still owed) and never above what is still due on it. What was received, an
//! instalment's status and a plan's totals are the server's, recomputed after every payment or
//! instalment written or deleted.

use serde_json::{Value, json};

use super::products::where_eq;
use super::quotes::{MAX_LINES, conflict, int, live, touch, visible};
use super::text;
use crate::access::Actor;
use crate::error::ApiError;
use crate::rules::{money, payments};
use crate::schema::Entity;
use crate::store::{ListQuery, Record, Tx};

/// Instalments a plan may hold.
pub const MAX_INSTALMENTS: usize = 120;
/// Payments matched to one instalment at most (their sum is read back on every change).
const MAX_PAYMENTS: usize = 1_000;

pub(super) fn prepare(
    tx: &dyn Tx,
    actor: &Actor,
    entity: Entity,
    old: Option<&Record>,
    record: &mut Record,
) -> Result<(), ApiError> {
    match entity {
        Entity::PaymentPlans => prepare_plan(tx, actor, old, record),
        Entity::Instalments => prepare_instalment(tx, actor, old, record),
        Entity::Payments => prepare_payment(tx, actor, old, record),
        _ => Ok(()),
    }
}

fn same_or_fill(record: &mut Record, field: &str, value: Option<&Value>) -> Result<(), ApiError> {
    let Some(value) = value.filter(|v| !v.is_null()) else {
        return Ok(());
    };
    match record.get(field) {
        Some(v) if !v.is_null() && v != value => Err(ApiError::invalid(
            field,
            "differs from the one it belongs to; leave it out to take that one",
        )),
        _ => {
            record.insert(field.into(), value.clone());
            Ok(())
        }
    }
}

fn prepare_plan(
    tx: &dyn Tx,
    actor: &Actor,
    old: Option<&Record>,
    record: &mut Record,
) -> Result<(), ApiError> {
    if let Some(old) = old {
        for (field, what) in [("order_id", "order"), ("contract_id", "contract")] {
            if old.get(field) != record.get(field) {
                return Err(ApiError::invalid(
                    field,
                    format!("a plan stays with its {what}; make another plan"),
                ));
            }
        }
        if old.get("customer_id") != record.get("customer_id") {
            return Err(ApiError::invalid(
                "customer_id",
                "a plan stays with its customer; make another plan",
            ));
        }
        return Ok(());
    }
    let mut name = None;
    if let Some(order_id) = text(record, "order_id").map(String::from) {
        if !visible(tx, actor, Entity::Orders, &order_id)? {
            return Ok(());
        }
        let order = live(tx, Entity::Orders, &order_id)?
            .ok_or_else(|| ApiError::invalid("order_id", "no such order"))?;
        same_or_fill(record, "customer_id", order.get("customer_id"))?;
        if record.get("owner_id").is_none_or(Value::is_null) {
            record.insert("owner_id".into(), order["owner_id"].clone());
        }
        record.insert("currency".into(), order["currency"].clone());
        name = text(&order, "number").map(|n| format!("{n} payments"));
    } else if let Some(contract_id) = text(record, "contract_id").map(String::from) {
        if !visible(tx, actor, Entity::Contracts, &contract_id)? {
            return Ok(());
        }
        let contract = live(tx, Entity::Contracts, &contract_id)?
            .ok_or_else(|| ApiError::invalid("contract_id", "no such contract"))?;
        same_or_fill(record, "customer_id", contract.get("customer_id"))?;
        if record.get("owner_id").is_none_or(Value::is_null) {
            record.insert("owner_id".into(), contract["owner_id"].clone());
        }
        name = text(&contract, "number").map(|n| format!("{n} payments"));
    }
    if record.get("customer_id").is_none_or(Value::is_null) {
        return Err(ApiError::invalid(
            "customer_id",
            "is required (or name the order or contract the plan is for)",
        ));
    }
    if record.get("owner_id").is_none_or(Value::is_null) {
        record.insert("owner_id".into(), json!(actor.id));
    }
    if record.get("name").is_none_or(Value::is_null) {
        record.insert(
            "name".into(),
            json!(name.unwrap_or_else(|| "Payment plan".into())),
        );
    }
    record.insert("total".into(), json!(0));
    record.insert("received".into(), json!(0));
    Ok(())
}

fn prepare_instalment(
    tx: &dyn Tx,
    actor: &Actor,
    old: Option<&Record>,
    record: &mut Record,
) -> Result<(), ApiError> {
    let plan_id = text(record, "plan_id").unwrap_or_default().to_string();
    if old.is_some_and(|o| text(o, "plan_id") != Some(plan_id.as_str())) {
        return Err(ApiError::invalid(
            "plan_id",
            "an instalment stays on its plan",
        ));
    }
    if !visible(tx, actor, Entity::PaymentPlans, &plan_id)? {
        return Ok(());
    }
    let plan = live(tx, Entity::PaymentPlans, &plan_id)?
        .ok_or_else(|| ApiError::invalid("plan_id", "no such payment plan"))?;
    if old.is_none()
        && where_eq(
            tx,
            Entity::Instalments,
            "plan_id",
            &plan_id,
            MAX_INSTALMENTS,
        )?
        .len()
            >= MAX_INSTALMENTS
    {
        return Err(conflict(format!(
            "a plan holds at most {MAX_INSTALMENTS} instalments"
        )));
    }
    let received = old.map_or(0, |o| int(o, "received"));
    let amount = int(record, "amount");
    if amount < received {
        return Err(ApiError::invalid(
            "amount",
            format!(
                "{} was received against it already",
                money::format_minor(received)
            ),
        ));
    }
    record.insert("received".into(), json!(received));
    record.insert("status".into(), json!(payments::status(amount, received)));
    record.insert("customer_id".into(), plan["customer_id"].clone());
    record.insert("owner_id".into(), plan["owner_id"].clone());
    Ok(())
}

fn prepare_payment(
    tx: &dyn Tx,
    actor: &Actor,
    old: Option<&Record>,
    record: &mut Record,
) -> Result<(), ApiError> {
    // The instalment named, else the plan's earliest still owed.
    let mut instalment = match text(record, "instalment_id").map(String::from) {
        Some(id) => {
            if !visible(tx, actor, Entity::Instalments, &id)? {
                return Ok(());
            }
            Some(
                live(tx, Entity::Instalments, &id)?
                    .ok_or_else(|| ApiError::invalid("instalment_id", "no such instalment"))?,
            )
        }
        None => None,
    };
    if let Some(plan_id) = text(record, "plan_id").map(String::from) {
        if !visible(tx, actor, Entity::PaymentPlans, &plan_id)? {
            return Ok(());
        }
        let plan = live(tx, Entity::PaymentPlans, &plan_id)?
            .ok_or_else(|| ApiError::invalid("plan_id", "no such payment plan"))?;
        same_or_fill(record, "customer_id", plan.get("customer_id"))?;
        if instalment.is_none() {
            instalment = earliest_owed(tx, &plan_id)?;
            if instalment.is_none() {
                return Err(conflict(
                    "every instalment of this plan is paid; record the payment without a plan or add an instalment",
                ));
            }
        }
    }
    if let Some(inst) = &instalment {
        same_or_fill(record, "plan_id", inst.get("plan_id"))?;
        same_or_fill(record, "customer_id", inst.get("customer_id"))?;
        record.insert("instalment_id".into(), inst["id"].clone());
        let mut outstanding = int(inst, "amount") - int(inst, "received");
        if let Some(old) = old
            && old.get("instalment_id") == inst.get("id")
        {
            outstanding += int(old, "amount");
        }
        if let Some(why) = payments::overpayment(int(record, "amount"), outstanding) {
            return Err(ApiError::invalid("amount", why));
        }
    }
    if record.get("customer_id").is_none_or(Value::is_null) {
        return Err(ApiError::invalid(
            "customer_id",
            "is required (or name the plan or instalment it pays)",
        ));
    }
    if let Some(old) = old
        && old.get("customer_id") != record.get("customer_id")
    {
        return Err(ApiError::invalid(
            "customer_id",
            "a payment stays with the customer who paid it",
        ));
    }
    Ok(())
}

fn earliest_owed(tx: &dyn Tx, plan_id: &str) -> Result<Option<Record>, ApiError> {
    let query = ListQuery {
        filters: vec![("plan_id", json!(plan_id))],
        sort: "due_date",
        limit: MAX_INSTALMENTS,
        ..ListQuery::default()
    };
    Ok(tx
        .list(Entity::Instalments, &query, None)?
        .into_iter()
        .find(|i| payments::is_open(text(i, "status").unwrap_or("open"))))
}

/// After a write: what was received again for the instalments a payment touched, a plan's
/// totals after its instalments changed; a plan's owner carried to its instalments.
pub(super) fn after_write(
    tx: &dyn Tx,
    actor: &Actor,
    entity: Entity,
    old: Option<&Record>,
    record: &Record,
) -> Result<(), ApiError> {
    match entity {
        Entity::Payments => {
            let mut touched: Vec<&str> = Vec::new();
            for r in old.into_iter().chain(Some(record)) {
                if let Some(id) = text(r, "instalment_id")
                    && !touched.contains(&id)
                {
                    touched.push(id);
                }
            }
            for id in touched {
                refresh_instalment(tx, actor, id)?;
            }
        }
        Entity::Instalments => {
            if let Some(plan) = text(record, "plan_id") {
                refresh_plan(tx, actor, plan)?;
            }
        }
        Entity::PaymentPlans => {
            if let Some(old) = old
                && old.get("owner_id") != record.get("owner_id")
            {
                let id = text(record, "id").unwrap_or_default();
                for inst in where_eq(tx, Entity::Instalments, "plan_id", id, MAX_INSTALMENTS)? {
                    let inst_id = text(&inst, "id").unwrap_or_default().to_string();
                    touch(
                        tx,
                        actor,
                        Entity::Instalments,
                        &inst_id,
                        &[("owner_id", record["owner_id"].clone())],
                    )?;
                }
            }
        }
        _ => {}
    }
    Ok(())
}

/// An instalment with payments, or a plan with payments, is not deleted: the money came in.
pub(super) fn check_delete(tx: &dyn Tx, entity: Entity, current: &Record) -> Result<(), ApiError> {
    let id = text(current, "id").unwrap_or_default();
    let field = match entity {
        Entity::Instalments => "instalment_id",
        Entity::PaymentPlans => "plan_id",
        _ => return Ok(()),
    };
    if where_eq(tx, Entity::Payments, field, id, 1)?.is_empty() {
        Ok(())
    } else {
        Err(conflict(format!(
            "payments were received against this {}; delete those payments first",
            entity.noun()
        )))
    }
}

/// After a deletion: the instalment a payment paid, or the plan an instalment belonged to.
pub(super) fn after_delete(
    tx: &dyn Tx,
    actor: &Actor,
    entity: Entity,
    current: &Record,
) -> Result<(), ApiError> {
    match entity {
        Entity::Payments => match text(current, "instalment_id") {
            Some(id) => refresh_instalment(tx, actor, id),
            None => Ok(()),
        },
        Entity::Instalments => match text(current, "plan_id") {
            Some(id) => refresh_plan(tx, actor, id),
            None => Ok(()),
        },
        _ => Ok(()),
    }
}

fn refresh_instalment(tx: &dyn Tx, actor: &Actor, id: &str) -> Result<(), ApiError> {
    let Some(inst) = live(tx, Entity::Instalments, id)? else {
        return Ok(());
    };
    let received: i64 = where_eq(tx, Entity::Payments, "instalment_id", id, MAX_PAYMENTS)?
        .iter()
        .map(|p| int(p, "amount"))
        .sum();
    touch(
        tx,
        actor,
        Entity::Instalments,
        id,
        &[
            ("received", json!(received)),
            (
                "status",
                json!(payments::status(int(&inst, "amount"), received)),
            ),
        ],
    )?;
    match text(&inst, "plan_id") {
        Some(plan) => refresh_plan(tx, actor, plan),
        None => Ok(()),
    }
}

fn refresh_plan(tx: &dyn Tx, actor: &Actor, id: &str) -> Result<(), ApiError> {
    let instalments = where_eq(tx, Entity::Instalments, "plan_id", id, MAX_LINES)?;
    let total: i64 = instalments.iter().map(|i| int(i, "amount")).sum();
    let received: i64 = instalments.iter().map(|i| int(i, "received")).sum();
    touch(
        tx,
        actor,
        Entity::PaymentPlans,
        id,
        &[("total", json!(total)), ("received", json!(received))],
    )
}
