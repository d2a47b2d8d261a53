//! Dealers (经销商): a customer of category `dealer`. Its agency contract is one of its own
//! contracts; an order placed through a dealer names one; an assessment is of a dealer, one per
//! period, its total and grade the server's (`rules::dealers`).

use serde_json::{Value, json};

use super::products::where_eq;
use super::text;
use crate::error::ApiError;
use crate::rules::dealers::{DEALER_CATEGORY, grade, total};
use crate::schema::Entity;
use crate::store::{Record, Tx};

/// Assessments of one dealer a uniqueness check reads at most: a century of months.
const MAX_ASSESSMENTS: usize = 1_200;

/// Whether this customer id names a live dealer.
pub(super) fn is_dealer(tx: &dyn Tx, id: &str) -> Result<bool, ApiError> {
    Ok(tx
        .get(Entity::Customers, id)?
        .filter(|s| !s.deleted)
        .is_some_and(|s| text(&s.record, "category") == Some(DEALER_CATEGORY)))
}

/// A customer's agency contract: only a dealer has one, and it is one of its own contracts.
pub(super) fn check_customer(
    tx: &dyn Tx,
    old: Option<&Record>,
    record: &Record,
) -> Result<(), ApiError> {
    let Some(contract) = text(record, "agency_contract_id") else {
        return Ok(());
    };
    if text(record, "category") != Some(DEALER_CATEGORY) {
        return Err(ApiError::invalid(
            "agency_contract_id",
            "only a dealer (category dealer) has an agency contract; change the category first",
        ));
    }
    if old.is_some_and(|o| text(o, "agency_contract_id") == Some(contract)) {
        return Ok(());
    }
    let of = tx
        .get(Entity::Contracts, contract)?
        .and_then(|s| text(&s.record, "customer_id").map(String::from));
    if of.as_deref() != text(record, "id") {
        return Err(ApiError::invalid(
            "agency_contract_id",
            "choose one of this dealer's own contracts",
        ));
    }
    Ok(())
}

/// An order placed through a dealer names a dealer other than its customer.
pub(super) fn check_order(
    tx: &dyn Tx,
    old: Option<&Record>,
    record: &Record,
) -> Result<(), ApiError> {
    let Some(dealer) = text(record, "dealer_id") else {
        return Ok(());
    };
    if old.is_some_and(|o| text(o, "dealer_id") == Some(dealer)) {
        return Ok(());
    }
    if text(record, "customer_id") == Some(dealer) {
        return Err(ApiError::invalid(
            "dealer_id",
            "the customer is this dealer itself; leave the dealer empty for its own orders",
        ));
    }
    if !is_dealer(tx, dealer)? {
        return Err(ApiError::invalid(
            "dealer_id",
            "choose a customer of category dealer",
        ));
    }
    Ok(())
}

/// An assessment: of a dealer, for a period given by its first day, once per period; the total
/// and grade computed.
pub(super) fn prepare_assessment(tx: &dyn Tx, record: &mut Record) -> Result<(), ApiError> {
    let dealer = text(record, "customer_id").unwrap_or_default().to_string();
    if !is_dealer(tx, &dealer)? {
        return Err(ApiError::invalid(
            "customer_id",
            "only a dealer (a customer of category dealer) is assessed",
        ));
    }
    let period = text(record, "period").unwrap_or_default().to_string();
    if !period.ends_with("-01") {
        return Err(ApiError::invalid(
            "period",
            "give the period by its first day, e.g. 2026-10-01",
        ));
    }
    let id = text(record, "id");
    let taken = where_eq(
        tx,
        Entity::DealerAssessments,
        "customer_id",
        &dealer,
        MAX_ASSESSMENTS,
    )?
    .iter()
    .any(|r| text(r, "id") != id && text(r, "period") == Some(period.as_str()));
    if taken {
        return Err(ApiError::Conflict {
            message: format!("this dealer is already assessed for {period}; change that one"),
            existing: None,
        });
    }
    let score = |f: &str| record.get(f).and_then(Value::as_i64).unwrap_or(0);
    let sum = total([
        score("sales_score"),
        score("market_score"),
        score("service_score"),
        score("credit_score"),
    ]);
    record.insert("total".into(), json!(sum));
    record.insert("grade".into(), json!(grade(sum)));
    Ok(())
}
