//! Orders and their lines: numbers, an order made from an accepted quote (its lines copied, the
//! quote marked ordered, once), lines priced and computed as quote lines are, status moves by
//! `rules::orders` with what each does to stock (`stock.rs`), deliveries per line, and the
//! totals — the lines' sums by `rules::money`, computed here and nowhere else.

use std::collections::BTreeMap;

use serde_json::{Value, json};

use super::products::where_eq;
use super::quotes::{
    MAX_LINES, check_quote_links, conflict, copy_quote_lines, int, line_count, lines_totals, live,
    price_line, today, touch, visible,
};
use super::stock::{self, StockLine};
use super::text;
use crate::access::Actor;
use crate::error::ApiError;
use crate::rules::{money, numbers, orders, quotes};
use crate::schema::Entity;
use crate::store::{Record, Tx};

/// Fields of an order that change after it was entered.
const LATE_FIELDS: &[&str] = &[
    "status",
    "delivery_date",
    "notes",
    "owner_id",
    "subject",
    "version",
    "updated_at",
    "updated_by",
];
/// Fields of a line that change while its order is delivered.
const DELIVERY_FIELDS: &[&str] = &[
    "delivered_quantity",
    "delivery_date",
    "notes",
    "version",
    "updated_at",
    "updated_by",
];

fn others_changed(old: &Record, record: &Record, allowed: &[&str]) -> bool {
    record
        .iter()
        .any(|(k, v)| !allowed.contains(&k.as_str()) && old.get(k) != Some(v))
}

/// Rules of an order or an order line applied to its full new state.
pub(super) fn prepare(
    tx: &dyn Tx,
    actor: &Actor,
    entity: Entity,
    old: Option<&Record>,
    record: &mut Record,
) -> Result<(), ApiError> {
    match entity {
        Entity::Orders => prepare_order(tx, actor, old, record),
        Entity::OrderLines => prepare_line(tx, actor, old, record),
        _ => Ok(()),
    }
}

fn prepare_order(
    tx: &dyn Tx,
    actor: &Actor,
    old: Option<&Record>,
    record: &mut Record,
) -> Result<(), ApiError> {
    match old {
        None => {
            if text(record, "status") != Some("entered") {
                return Err(ApiError::invalid(
                    "status",
                    "a new order starts as entered; confirm it once its lines are in",
                ));
            }
            if record.get("owner_id").is_none_or(Value::is_null) {
                record.insert("owner_id".into(), json!(actor.id));
            }
            if record.get("ordered_on").is_none_or(Value::is_null) {
                record.insert("ordered_on".into(), json!(today().to_string()));
            }
            if let Some(quote_id) = text(record, "quote_id").map(String::from) {
                if !visible(tx, actor, Entity::Quotes, &quote_id)? {
                    return Ok(());
                }
                from_quote(tx, &quote_id, record)?;
            }
            if record.get("customer_id").is_none_or(Value::is_null) {
                return Err(ApiError::invalid(
                    "customer_id",
                    "is required (or name the accepted quote the order comes from)",
                ));
            }
            let number = numbers::order_number(tx.next_counter(numbers::ORDER_COUNTER)?);
            record.insert("number".into(), json!(number));
            for field in ["subtotal", "tax", "total"] {
                record.insert(field.into(), json!(0));
            }
        }
        Some(old) => {
            if old.get("quote_id") != record.get("quote_id") {
                return Err(ApiError::invalid(
                    "quote_id",
                    "is set when the order is made and never changes",
                ));
            }
            let from = text(old, "status").unwrap_or("entered").to_string();
            let to = text(record, "status").unwrap_or("entered").to_string();
            if !orders::editable(&from) && others_changed(old, record, LATE_FIELDS) {
                return Err(conflict(orders::not_editable(&from)));
            }
            orders::transition(&from, &to, false).map_err(|r| conflict(r.message))?;
            if from != to {
                on_move(tx, actor, &from, &to, record)?;
            }
        }
    }
    check_quote_links(tx, record)
}

/// An order made from a quote takes its customer, contact, deal, currency and subject (where
/// the order leaves them out) and must agree with its customer; the quote must be accepted and
/// not ordered yet.
fn from_quote(tx: &dyn Tx, quote_id: &str, record: &mut Record) -> Result<(), ApiError> {
    let quote = live(tx, Entity::Quotes, quote_id)?
        .ok_or_else(|| ApiError::invalid("quote_id", "no such quote"))?;
    let ordered_as = where_eq(tx, Entity::Orders, "quote_id", quote_id, 1)?
        .first()
        .and_then(|o| text(o, "number").map(String::from));
    let status = text(&quote, "status").unwrap_or_default();
    if let Some(why) = quotes::order_problem(status, ordered_as.as_deref()) {
        return Err(conflict(why));
    }
    for field in ["customer_id", "contact_id", "opportunity_id", "subject"] {
        if record.get(field).is_none_or(Value::is_null) {
            record.insert(
                field.into(),
                quote.get(field).cloned().unwrap_or(Value::Null),
            );
        }
    }
    if text(record, "customer_id") != text(&quote, "customer_id") {
        return Err(ApiError::invalid(
            "customer_id",
            "the quote is for another customer",
        ));
    }
    record.insert("currency".into(), quote["currency"].clone());
    Ok(())
}

/// The order's lines with their stock side, in product order (locks are taken in one order).
fn stock_lines(tx: &dyn Tx, order: &Record) -> Result<Vec<(Record, StockLine)>, ApiError> {
    let id = text(order, "id").unwrap_or_default();
    let mut out = Vec::new();
    for line in where_eq(tx, Entity::OrderLines, "order_id", id, MAX_LINES + 1)? {
        let product = text(&line, "product_id").unwrap_or_default().to_string();
        if let Some(s) = StockLine::of(tx, order, &product)? {
            out.push((line, s));
        }
    }
    out.sort_by(|a, b| a.1.product.cmp(&b.1.product));
    Ok(out)
}

/// What a status move does: confirming reserves, delivering takes out what is left, cancelling
/// releases, returning brings back what left and releases the rest.
fn on_move(
    tx: &dyn Tx,
    actor: &Actor,
    from: &str,
    to: &str,
    record: &mut Record,
) -> Result<(), ApiError> {
    let id = text(record, "id").unwrap_or_default().to_string();
    let number = text(record, "number").unwrap_or_default().to_string();
    let remaining = |l: &Record| int(l, "quantity") - int(l, "delivered_quantity");
    match to {
        "confirmed" => {
            if line_count(tx, Entity::OrderLines, "order_id", &id)? == 0 {
                return Err(ApiError::invalid(
                    "status",
                    "add a line before confirming the order",
                ));
            }
            // Several lines of one product reserve together, so the check sees their sum.
            let mut wanted: BTreeMap<String, (StockLine, i64)> = BTreeMap::new();
            for (line, s) in stock_lines(tx, record)? {
                let need = remaining(&line);
                wanted
                    .entry(s.product.clone())
                    .and_modify(|e| e.1 += need)
                    .or_insert((s, need));
            }
            for (s, need) in wanted.values() {
                stock::reserve(tx, actor, s, *need)?;
            }
        }
        "delivered" => {
            for (line, s) in stock_lines(tx, record)? {
                stock::deliver(tx, actor, &s, remaining(&line), &number)?;
            }
            for line in where_eq(tx, Entity::OrderLines, "order_id", &id, MAX_LINES + 1)? {
                let line_id = text(&line, "id").unwrap_or_default().to_string();
                touch(
                    tx,
                    actor,
                    Entity::OrderLines,
                    &line_id,
                    &[("delivered_quantity", line["quantity"].clone())],
                )?;
            }
            record.insert("delivered_on".into(), json!(today().to_string()));
        }
        "cancelled" if orders::reserves(from) => {
            for (line, s) in stock_lines(tx, record)? {
                stock::release(tx, actor, &s, remaining(&line))?;
            }
        }
        "returned" => {
            let reserved = orders::reserves(from);
            for (line, s) in stock_lines(tx, record)? {
                stock::take_back(tx, actor, &s, int(&line, "delivered_quantity"), &number)?;
                if reserved {
                    stock::release(tx, actor, &s, remaining(&line))?;
                }
            }
        }
        _ => {}
    }
    Ok(())
}

fn prepare_line(
    tx: &dyn Tx,
    actor: &Actor,
    old: Option<&Record>,
    record: &mut Record,
) -> Result<(), ApiError> {
    let order_id = text(record, "order_id").unwrap_or_default().to_string();
    if old.is_some_and(|o| text(o, "order_id") != Some(order_id.as_str())) {
        return Err(ApiError::invalid(
            "order_id",
            "a line stays on its order; delete it and add it to the other",
        ));
    }
    if !visible(tx, actor, Entity::Orders, &order_id)? {
        return Ok(());
    }
    let order = live(tx, Entity::Orders, &order_id)?
        .ok_or_else(|| ApiError::invalid("order_id", "no such order"))?;
    let status = text(&order, "status").unwrap_or("entered").to_string();
    match old {
        Some(old) if orders::delivering(&status) => {
            if others_changed(old, record, DELIVERY_FIELDS) {
                return Err(conflict(orders::not_editable(&status)));
            }
            let (before, after) = (
                int(old, "delivered_quantity"),
                int(record, "delivered_quantity"),
            );
            if let Some(why) = orders::delivery_problem(int(record, "quantity"), before, after) {
                return Err(ApiError::invalid("delivered_quantity", why));
            }
            let product = text(record, "product_id").unwrap_or_default().to_string();
            if let Some(s) = StockLine::of(tx, &order, &product)? {
                let number = text(&order, "number").unwrap_or_default();
                stock::deliver(tx, actor, &s, after - before, number)?;
            }
            Ok(())
        }
        _ if !orders::editable(&status) => Err(conflict(orders::not_editable(&status))),
        _ => {
            if int(record, "delivered_quantity") != 0 {
                return Err(ApiError::invalid(
                    "delivered_quantity",
                    "confirm the order before recording what was delivered",
                ));
            }
            if old.is_none()
                && line_count(tx, Entity::OrderLines, "order_id", &order_id)? >= MAX_LINES
            {
                return Err(conflict(format!(
                    "an order holds at most {MAX_LINES} lines; enter another order"
                )));
            }
            let customer = text(&order, "customer_id").unwrap_or_default().to_string();
            price_line(tx, old, record, &customer, true)
        }
    }
}

/// An entered or cancelled order may be deleted; a line only while its order is entered.
pub(super) fn check_delete(tx: &dyn Tx, entity: Entity, current: &Record) -> Result<(), ApiError> {
    let status = match entity {
        Entity::Orders => text(current, "status").map(String::from),
        Entity::OrderLines => text(current, "order_id")
            .map(|o| live(tx, Entity::Orders, o))
            .transpose()?
            .flatten()
            .and_then(|o| text(&o, "status").map(String::from)),
        _ => return Ok(()),
    };
    match (entity, status.as_deref()) {
        (Entity::Orders, Some("entered" | "cancelled")) => Ok(()),
        (Entity::OrderLines, Some(s)) if orders::editable(s) => Ok(()),
        (_, Some(s)) => Err(conflict(format!(
            "{}; only an entered order{} is deleted",
            orders::not_editable(s),
            if entity == Entity::Orders {
                " (or a cancelled one)"
            } else {
                "'s lines are"
            }
        ))),
        (_, None) => Ok(()),
    }
}

/// After a line's write or deletion: its order's totals and delivery status. After an order is
/// made from a quote: the quote's lines copied and the quote marked ordered.
pub(super) fn after_write(
    tx: &dyn Tx,
    actor: &Actor,
    entity: Entity,
    old: Option<&Record>,
    record: &Record,
) -> Result<(), ApiError> {
    match entity {
        Entity::OrderLines => {
            if let Some(order) = text(record, "order_id") {
                refresh_order(tx, actor, order)?;
            }
        }
        Entity::Orders if old.is_none() => {
            if let (Some(quote), Some(id)) = (text(record, "quote_id"), text(record, "id")) {
                copy_quote_lines(tx, actor, quote, (Entity::OrderLines, "order_id", id))?;
                touch(
                    tx,
                    actor,
                    Entity::Quotes,
                    quote,
                    &[("status", json!("ordered"))],
                )?;
            }
        }
        _ => {}
    }
    Ok(())
}

/// An order's totals from its lines, by `rules::money::totals`.
pub fn order_totals(tx: &dyn Tx, order_id: &str) -> Result<money::Totals, ApiError> {
    lines_totals(tx, Entity::OrderLines, "order_id", order_id)
}

/// Totals again, and, while goods leave, the status the lines' deliveries give.
pub(super) fn refresh_order(tx: &dyn Tx, actor: &Actor, order_id: &str) -> Result<(), ApiError> {
    let Some(order) = live(tx, Entity::Orders, order_id)? else {
        return Ok(());
    };
    let t = order_totals(tx, order_id)?;
    let mut changes = vec![
        ("subtotal", json!(t.subtotal)),
        ("tax", json!(t.tax)),
        ("total", json!(t.total)),
    ];
    let status = text(&order, "status").unwrap_or_default();
    if orders::delivering(status) {
        let lines = where_eq(tx, Entity::OrderLines, "order_id", order_id, MAX_LINES + 1)?;
        let pairs: Vec<(i64, i64)> = lines
            .iter()
            .map(|l| (int(l, "quantity"), int(l, "delivered_quantity")))
            .collect();
        let next = orders::delivery_status(&pairs);
        if next != status {
            orders::transition(status, next, true).map_err(|r| conflict(r.message))?;
            changes.push(("status", json!(next)));
            if next == "delivered" {
                changes.push(("delivered_on", json!(today().to_string())));
            }
        }
    }
    touch(tx, actor, Entity::Orders, order_id, &changes)
}
