//! Quotes, their lines and the products on opportunities: prices defaulted by the price rule,
//! amounts by the one rounding rule (`rules::money`), a quote's status moves and versions
//! (`rules::quotes`), the discount limit checked when a quote is sent, and the totals a
//! line's change brings to its quote or opportunity — computed here and nowhere else.

use std::collections::BTreeSet;

use chrono::Utc;
use serde_json::{Value, json};

use super::products::{self, where_eq};
use super::{now, text};
use crate::access::Actor;
use crate::error::ApiError;
use crate::rules::{money, numbers, quotes};
use crate::schema::Entity;
use crate::store::{Record, Tx};
use crate::validate::format_time;

pub use crate::rules::quotes::MAX_LINES;

pub(super) fn int(record: &Record, field: &str) -> i64 {
    record.get(field).and_then(Value::as_i64).unwrap_or(0)
}

pub(super) fn conflict(message: impl Into<String>) -> ApiError {
    ApiError::Conflict {
        message: message.into(),
        existing: None,
    }
}

pub(super) fn money_error(e: money::MoneyError) -> ApiError {
    ApiError::invalid("quantity", e.to_string())
}

pub(super) fn live(tx: &dyn Tx, entity: Entity, id: &str) -> Result<Option<Record>, ApiError> {
    Ok(tx.get(entity, id)?.filter(|s| !s.deleted).map(|s| s.record))
}

/// May the actor see this record? Rules that would describe a linked record (its status, its
/// revisions) first ask, and leave an unseen one to the access check's 403.
pub(super) fn visible(
    tx: &dyn Tx,
    actor: &Actor,
    entity: Entity,
    id: &str,
) -> Result<bool, ApiError> {
    Ok(actor.is_admin() || actor.may_read(&tx.read_set(entity, id)?))
}

pub(super) fn today() -> chrono::NaiveDate {
    Utc::now().date_naive()
}

/// Rules of a quote, quote line or opportunity line applied to its full new state.
pub(super) fn prepare(
    tx: &dyn Tx,
    actor: &Actor,
    entity: Entity,
    old: Option<&Record>,
    record: &mut Record,
) -> Result<(), ApiError> {
    match entity {
        Entity::Quotes => prepare_quote(tx, actor, old, record),
        Entity::QuoteLines => {
            let quote_id = text(record, "quote_id").unwrap_or_default().to_string();
            if old.is_some_and(|o| text(o, "quote_id") != Some(quote_id.as_str())) {
                return Err(ApiError::invalid(
                    "quote_id",
                    "a line stays on its quote; delete it and add it to the other",
                ));
            }
            if !visible(tx, actor, Entity::Quotes, &quote_id)? {
                return Ok(());
            }
            let quote = live(tx, Entity::Quotes, &quote_id)?
                .ok_or_else(|| ApiError::invalid("quote_id", "no such quote"))?;
            let status = text(&quote, "status").unwrap_or("draft");
            if !quotes::editable(status) {
                return Err(conflict(quotes::not_editable(status)));
            }
            super::approvals::check_quote_unlocked(tx, &quote_id)?;
            if old.is_none()
                && line_count(tx, Entity::QuoteLines, "quote_id", &quote_id)? >= MAX_LINES
            {
                return Err(conflict(format!(
                    "a quote holds at most {MAX_LINES} lines; start another quote"
                )));
            }
            let customer = text(&quote, "customer_id").unwrap_or_default().to_string();
            price_line(tx, old, record, &customer, true)
        }
        Entity::OpportunityLines => {
            let opportunity_id = text(record, "opportunity_id")
                .unwrap_or_default()
                .to_string();
            if old.is_some_and(|o| text(o, "opportunity_id") != Some(opportunity_id.as_str())) {
                return Err(ApiError::invalid(
                    "opportunity_id",
                    "a line stays on its opportunity; delete it and add it to the other",
                ));
            }
            if !visible(tx, actor, Entity::Opportunities, &opportunity_id)? {
                return Ok(());
            }
            let deal = live(tx, Entity::Opportunities, &opportunity_id)?
                .ok_or_else(|| ApiError::invalid("opportunity_id", "no such opportunity"))?;
            if old.is_none()
                && line_count(
                    tx,
                    Entity::OpportunityLines,
                    "opportunity_id",
                    &opportunity_id,
                )? >= MAX_LINES
            {
                return Err(conflict(format!(
                    "an opportunity holds at most {MAX_LINES} lines"
                )));
            }
            let customer = text(&deal, "customer_id").unwrap_or_default().to_string();
            price_line(tx, old, record, &customer, false)
        }
        _ => Ok(()),
    }
}

pub(super) fn line_count(
    tx: &dyn Tx,
    entity: Entity,
    field: &'static str,
    parent: &str,
) -> Result<usize, ApiError> {
    Ok(where_eq(tx, entity, field, parent, MAX_LINES + 1)?.len())
}

/// A line's unit price (the price rule's when left out or cleared), its tax rate (the
/// product's, on quote lines) and its amounts by the rounding rule.
pub(super) fn price_line(
    tx: &dyn Tx,
    old: Option<&Record>,
    record: &mut Record,
    customer_id: &str,
    taxed: bool,
) -> Result<(), ApiError> {
    let product_id = text(record, "product_id").unwrap_or_default().to_string();
    let product_changed = old.is_none_or(|o| text(o, "product_id") != Some(product_id.as_str()));
    let product = products::product(tx, &product_id, "product_id")?;
    if product_changed && product.get("active") == Some(&Value::Bool(false)) {
        return Err(ApiError::invalid(
            "product_id",
            "this product is no longer sold; choose an active one",
        ));
    }
    // A new product without a price given takes its price again, not the old product's.
    let price_given = record.get("unit_price").is_some_and(|v| !v.is_null())
        && !(product_changed
            && old.is_some_and(|o| o.get("unit_price") == record.get("unit_price")));
    if !price_given {
        let price = products::price_for(tx, &product, customer_id, today())?;
        record.insert("unit_price".into(), json!(price.unit_price));
    }
    let tax_rate = if taxed {
        let given = record.get("tax_rate_bp").is_some_and(|v| !v.is_null())
            && !(product_changed
                && old.is_some_and(|o| o.get("tax_rate_bp") == record.get("tax_rate_bp")));
        if !given {
            record.insert("tax_rate_bp".into(), json!(int(&product, "tax_rate_bp")));
        }
        int(record, "tax_rate_bp")
    } else {
        0
    };
    let amounts = money::line(money::LineInput {
        quantity: int(record, "quantity"),
        unit_price: int(record, "unit_price"),
        discount_bp: int(record, "discount_bp"),
        tax_rate_bp: tax_rate,
    })
    .map_err(money_error)?;
    record.insert("net".into(), json!(amounts.net));
    if taxed {
        record.insert("tax".into(), json!(amounts.tax));
    }
    Ok(())
}

/// The quote rules: number and revision, owner, the links agreeing with the customer, status
/// moves, edits only to drafts, the discount limit on sending, and the totals (the lines').
fn prepare_quote(
    tx: &dyn Tx,
    actor: &Actor,
    old: Option<&Record>,
    record: &mut Record,
) -> Result<(), ApiError> {
    let id = text(record, "id").unwrap_or_default().to_string();
    match old {
        None => {
            if text(record, "status") != Some("draft") {
                return Err(ApiError::invalid(
                    "status",
                    "a new quote starts as a draft; send it once its lines are in",
                ));
            }
            if record.get("owner_id").is_none_or(Value::is_null) {
                record.insert("owner_id".into(), Value::String(actor.id.clone()));
            }
            if let Some(earlier_id) = text(record, "supersedes").map(String::from) {
                if !visible(tx, actor, Entity::Quotes, &earlier_id)? {
                    return Ok(());
                }
                let earlier = live(tx, Entity::Quotes, &earlier_id)?
                    .ok_or_else(|| ApiError::invalid("supersedes", "no such quote"))?;
                let status = text(&earlier, "status").unwrap_or_default();
                if !quotes::revisable(status) {
                    return Err(conflict(format!(
                        "a {status} quote cannot be revised{}",
                        if status == "draft" {
                            "; edit the draft itself"
                        } else {
                            ""
                        }
                    )));
                }
                if !where_eq(tx, Entity::Quotes, "supersedes", &earlier_id, 1)?.is_empty() {
                    return Err(conflict(
                        "this quote has been revised already; revise the newest version",
                    ));
                }
                if text(&earlier, "customer_id") != text(record, "customer_id") {
                    return Err(ApiError::invalid(
                        "customer_id",
                        "a revision is for the same customer as the quote it revises",
                    ));
                }
                record.insert("number".into(), earlier["number"].clone());
                record.insert("revision".into(), json!(int(&earlier, "revision") + 1));
            } else {
                let number = numbers::quote_number(tx.next_counter(numbers::QUOTE_COUNTER)?);
                record.insert("number".into(), Value::String(number));
                record.insert("revision".into(), json!(1));
            }
            for field in ["subtotal", "tax", "total"] {
                record.insert(field.into(), json!(0));
            }
        }
        Some(old) => {
            super::approvals::check_quote_unlocked(tx, &id)?;
            if old.get("supersedes") != record.get("supersedes") {
                return Err(ApiError::invalid(
                    "supersedes",
                    "is set when a quote is revised and never changes",
                ));
            }
            if !where_eq(tx, Entity::Quotes, "supersedes", &id, 1)?.is_empty() {
                return Err(conflict(
                    "this quote has been revised and is kept as it was; work on the newest version",
                ));
            }
            let from = text(old, "status").unwrap_or("draft").to_string();
            let to = text(record, "status").unwrap_or("draft").to_string();
            if !quotes::editable(&from) {
                let others_changed = record.iter().any(|(k, v)| {
                    !matches!(k.as_str(), "status" | "version" | "updated_at")
                        && old.get(k) != Some(v)
                });
                if others_changed {
                    return Err(conflict(quotes::not_editable(&from)));
                }
            }
            if to == "ordered" && from != to {
                return Err(conflict(quotes::ORDERED_BY_ORDER));
            }
            quotes::transition(&from, &to).map_err(|r| conflict(r.message))?;
            if from != to {
                on_move(tx, actor, &id, &to, record)?;
            }
        }
    }
    check_quote_links(tx, record)
}

/// What a status move needs: lines and a discount within the sender's limit to send; a validity
/// not yet past to accept.
fn on_move(
    tx: &dyn Tx,
    actor: &Actor,
    id: &str,
    to: &str,
    record: &mut Record,
) -> Result<(), ApiError> {
    match to {
        "sent" => {
            let lines = where_eq(tx, Entity::QuoteLines, "quote_id", id, MAX_LINES + 1)?;
            if lines.is_empty() {
                return Err(ApiError::invalid(
                    "status",
                    "add a line before sending the quote",
                ));
            }
            let largest = lines
                .iter()
                .map(|l| int(l, "discount_bp"))
                .max()
                .unwrap_or(0);
            let limit = products::discount_limit(tx, actor.role)?;
            if let Some(why) =
                quotes::send_problem(largest, limit, super::approvals::approved_discount(tx, id)?)
            {
                return Err(ApiError::forbidden(why));
            }
            record.insert("sent_at".into(), Value::String(format_time(now())));
        }
        "accepted" => {
            if let Some(until) = text(record, "valid_until")
                && until < today().to_string().as_str()
            {
                return Err(conflict(format!(
                    "this quote was valid until {until}; mark it expired and revise it"
                )));
            }
        }
        _ => {}
    }
    Ok(())
}

/// A quote's contact and opportunity belong to its customer.
pub(super) fn check_quote_links(tx: &dyn Tx, record: &Record) -> Result<(), ApiError> {
    let customer = text(record, "customer_id");
    for (field, entity) in [
        ("contact_id", Entity::Contacts),
        ("opportunity_id", Entity::Opportunities),
    ] {
        if let Some(linked) = text(record, field)
            && let Some(target) = live(tx, entity, linked)?
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

/// A quote line's quote is a draft (or the line goes with its quote, which refuses on its own).
pub(super) fn check_delete(tx: &dyn Tx, entity: Entity, current: &Record) -> Result<(), ApiError> {
    let status = match entity {
        Entity::QuoteLines => text(current, "quote_id")
            .map(|q| live(tx, Entity::Quotes, q))
            .transpose()?
            .flatten()
            .and_then(|q| text(&q, "status").map(String::from)),
        Entity::Quotes => text(current, "status").map(String::from),
        _ => None,
    };
    match status {
        Some(s) if !quotes::editable(&s) => Err(conflict(format!(
            "{}; only a draft is deleted",
            quotes::not_editable(&s)
        ))),
        _ => Ok(()),
    }
}

/// After a write or a deletion of a line: its quote's totals or its opportunity's amount again.
/// After a revision is created: the earlier version's lines copied onto it.
pub(super) fn after_write(
    tx: &dyn Tx,
    actor: &Actor,
    entity: Entity,
    old: Option<&Record>,
    record: &Record,
) -> Result<(), ApiError> {
    match entity {
        Entity::QuoteLines => {
            if let Some(quote) = text(record, "quote_id") {
                refresh_quote(tx, actor, quote)?;
            }
        }
        Entity::OpportunityLines => {
            if let Some(deal) = text(record, "opportunity_id") {
                refresh_opportunity(tx, actor, deal)?;
            }
        }
        Entity::Quotes if old.is_none() => {
            if let (Some(earlier), Some(id)) = (text(record, "supersedes"), text(record, "id")) {
                copy_quote_lines(tx, actor, earlier, (Entity::QuoteLines, "quote_id", id))?;
            }
        }
        _ => {}
    }
    Ok(())
}

/// A quote's lines copied onto the lines of another record (`to`: the line entity, its link
/// field and the record's id: a revision's quote lines, an order's lines), each through
/// `create`, so the new line's own rules price and total it.
pub(super) fn copy_quote_lines(
    tx: &dyn Tx,
    actor: &Actor,
    quote: &str,
    to: (Entity, &'static str, &str),
) -> Result<(), ApiError> {
    let (entity, link, id) = to;
    for line in where_eq(tx, Entity::QuoteLines, "quote_id", quote, MAX_LINES)? {
        let mut body = Record::new();
        body.insert(link.into(), json!(id));
        for field in [
            "product_id",
            "quantity",
            "unit_price",
            "discount_bp",
            "tax_rate_bp",
            "notes",
        ] {
            body.insert(
                field.into(),
                line.get(field).cloned().unwrap_or(Value::Null),
            );
        }
        super::create(tx, actor, entity, &body, false)?;
    }
    Ok(())
}

/// A quote's totals from its lines, by `rules::money::totals`.
pub fn quote_totals(tx: &dyn Tx, quote_id: &str) -> Result<money::Totals, ApiError> {
    lines_totals(tx, Entity::QuoteLines, "quote_id", quote_id)
}

/// The totals of a record's lines (the `entity` rows whose `link` is `id`), by
/// `rules::money::totals`: the one sum of quotes and orders.
pub(super) fn lines_totals(
    tx: &dyn Tx,
    entity: Entity,
    link: &'static str,
    id: &str,
) -> Result<money::Totals, ApiError> {
    let lines = where_eq(tx, entity, link, id, MAX_LINES + 1)?;
    money::totals(lines.iter().map(|l| money::LineAmounts {
        net: int(l, "net"),
        tax: int(l, "tax"),
    }))
    .map_err(money_error)
}

/// The amount of an opportunity with lines: the sum of their nets; None without lines (its
/// amount is then typed in).
pub fn opportunity_amount(tx: &dyn Tx, opportunity_id: &str) -> Result<Option<i64>, ApiError> {
    let lines = where_eq(
        tx,
        Entity::OpportunityLines,
        "opportunity_id",
        opportunity_id,
        MAX_LINES + 1,
    )?;
    if lines.is_empty() {
        return Ok(None);
    }
    let totals = money::totals(lines.iter().map(|l| money::LineAmounts {
        net: int(l, "net"),
        tax: 0,
    }))
    .map_err(money_error)?;
    Ok(Some(totals.subtotal))
}

/// Writes `changes` onto a live record as the server's own edit: a new version at the head of
/// the feed. Nothing when they change nothing.
pub(super) fn touch(
    tx: &dyn Tx,
    actor: &Actor,
    entity: Entity,
    id: &str,
    changes: &[(&str, Value)],
) -> Result<(), ApiError> {
    let Some(mut record) = live(tx, entity, id)? else {
        return Ok(());
    };
    if changes.iter().all(|(k, v)| record.get(*k) == Some(v)) {
        return Ok(());
    }
    for (k, v) in changes {
        record.insert((*k).into(), v.clone());
    }
    let version = int(&record, "version");
    super::stamp_change(&mut record, actor, version);
    tx.update(entity, &record, &Vec::new(), false)?;
    tx.record_change(entity, id, &BTreeSet::new())?;
    Ok(())
}

pub(super) fn refresh_quote(tx: &dyn Tx, actor: &Actor, quote_id: &str) -> Result<(), ApiError> {
    let t = quote_totals(tx, quote_id)?;
    touch(
        tx,
        actor,
        Entity::Quotes,
        quote_id,
        &[
            ("subtotal", json!(t.subtotal)),
            ("tax", json!(t.tax)),
            ("total", json!(t.total)),
        ],
    )
}

pub(super) fn refresh_opportunity(
    tx: &dyn Tx,
    actor: &Actor,
    opportunity_id: &str,
) -> Result<(), ApiError> {
    match opportunity_amount(tx, opportunity_id)? {
        Some(amount) => touch(
            tx,
            actor,
            Entity::Opportunities,
            opportunity_id,
            &[("amount", json!(amount))],
        ),
        None => Ok(()),
    }
}
