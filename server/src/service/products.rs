//! Products, their costs, price-list entries and discount limits: the rules of their records
//! beyond fields and access, and the look-ups quotes and opportunity lines need (the price that
//! applies to a customer, a role's discount limit).

use chrono::NaiveDate;
use serde_json::json;

use super::text;
use crate::access::{Actor, Role};
use crate::error::ApiError;
use crate::rules::{pricing, quotes};
use crate::schema::Entity;
use crate::store::{ListQuery, Record, Tx};

/// Price-list entries read for one product when pricing a line: more than any real list holds.
const MAX_PRICE_ENTRIES: usize = 10_000;

fn changed(old: Option<&Record>, record: &Record, field: &str) -> bool {
    old.is_none_or(|o| o.get(field) != record.get(field))
}

/// Live records of `entity` whose `field` equals `value` (at most `limit`).
/// A limit for [`where_eq`] that reads every match (the records one user or lead holds).
pub(super) const EVERY: usize = usize::MAX >> 1;

pub(super) fn where_eq(
    tx: &dyn Tx,
    entity: Entity,
    field: &'static str,
    value: &str,
    limit: usize,
) -> Result<Vec<Record>, ApiError> {
    let query = ListQuery {
        filters: vec![(field, json!(value))],
        sort: "created_at",
        limit,
        ..ListQuery::default()
    };
    Ok(tx.list(entity, &query, None)?)
}

/// Another live record of `entity` has `field` = `value`.
pub(super) fn taken(
    tx: &dyn Tx,
    entity: Entity,
    field: &'static str,
    value: &str,
    id: Option<&str>,
) -> Result<bool, ApiError> {
    Ok(where_eq(tx, entity, field, value, 2)?
        .iter()
        .any(|r| text(r, "id") != id))
}

fn conflict(message: String) -> ApiError {
    ApiError::Conflict {
        message,
        existing: None,
    }
}

/// Checks a product, cost, price-list entry or discount limit about to be stored.
pub(super) fn prepare(
    tx: &dyn Tx,
    actor: &Actor,
    entity: Entity,
    old: Option<&Record>,
    record: &Record,
) -> Result<(), ApiError> {
    // Whoever may not write these is refused by the access check, before a uniqueness check
    // could tell them that a cost exists.
    if !actor.role.may_assign() {
        return Ok(());
    }
    let id = text(record, "id");
    match entity {
        Entity::Products => {
            let code = text(record, "code").unwrap_or_default();
            if changed(old, record, "code") && taken(tx, entity, "code", code, id)? {
                return Err(conflict(format!(
                    "a product with code {code} exists; choose another code"
                )));
            }
        }
        Entity::ProductCosts => {
            let product = text(record, "product_id").unwrap_or_default();
            if changed(old, record, "product_id") && taken(tx, entity, "product_id", product, id)? {
                return Err(conflict(
                    "this product has a cost already; edit that one".into(),
                ));
            }
        }
        Entity::Prices => {
            match (text(record, "customer_id"), text(record, "level")) {
                (Some(_), Some(_)) | (None, None) => {
                    return Err(ApiError::invalid(
                        "level",
                        "give either a customer level or a customer, not both or neither",
                    ));
                }
                _ => {}
            }
            if let (Some(from), Some(to)) = (date(record, "valid_from"), date(record, "valid_to"))
                && to < from
            {
                return Err(ApiError::invalid(
                    "valid_to",
                    "must be on or after valid_from",
                ));
            }
        }
        Entity::DiscountLimits => {
            let role = text(record, "role").unwrap_or_default();
            if changed(old, record, "role") && taken(tx, entity, "role", role, id)? {
                return Err(conflict(format!(
                    "the {role} role has a discount limit already; edit that one"
                )));
            }
        }
        _ => {}
    }
    Ok(())
}

fn date(record: &Record, field: &str) -> Option<NaiveDate> {
    text(record, field).and_then(|d| d.parse().ok())
}

/// A live product, or a 422 on `field`.
pub(super) fn product(tx: &dyn Tx, id: &str, field: &str) -> Result<Record, ApiError> {
    tx.get(Entity::Products, id)?
        .filter(|p| !p.deleted)
        .map(|p| p.record)
        .ok_or_else(|| ApiError::invalid(field, format!("no such product: {id}")))
}

/// The unit price of `product` for a customer on `on`, by `rules::pricing::price_for` over the
/// product's price-list entries.
pub fn price_for(
    tx: &dyn Tx,
    product: &Record,
    customer_id: &str,
    on: NaiveDate,
) -> Result<pricing::Price, ApiError> {
    let product_id = text(product, "id").unwrap_or_default();
    let level = tx
        .get(Entity::Customers, customer_id)?
        .and_then(|c| text(&c.record, "level").map(String::from));
    let rows = where_eq(
        tx,
        Entity::Prices,
        "product_id",
        product_id,
        MAX_PRICE_ENTRIES,
    )?;
    Ok(pricing::price_of_records(
        product,
        &rows,
        customer_id,
        level.as_deref(),
        on,
    ))
}

/// The largest line discount (basis points) a role may give without approval: the admin's
/// setting for it, or the rule's default.
pub fn discount_limit(tx: &dyn Tx, role: Role) -> Result<i64, ApiError> {
    let set = where_eq(tx, Entity::DiscountLimits, "role", role.as_str(), 1)?;
    Ok(quotes::limit_of_records(&set, role))
}
