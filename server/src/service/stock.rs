//! Warehouses and stock: unique warehouse codes, one level per product and warehouse, movements
//! (in, out, adjust) applied to the level they move and never changed once recorded, and what
//! orders do to stock — reserve on confirmation, take out on delivery, release on cancellation,
//! bring back on return. Every change of a level first takes the lock of its product and
//! warehouse (`Tx::lock_rule`), so two orders racing for the last unit are decided one after the
//! other: the second reads what the first left and is refused (409).

use serde_json::{Value, json};

use super::products::{taken, where_eq};
use super::quotes::{conflict, int, live, touch};
use super::{now, text};
use crate::access::Actor;
use crate::error::ApiError;
use crate::rules::orders;
use crate::schema::Entity;
use crate::store::{AuditEntry, Record, Tx};
use crate::validate::format_time;

fn lock(tx: &dyn Tx, product: &str, warehouse: &str) -> Result<(), ApiError> {
    Ok(tx.lock_rule(&format!("stock:{product}:{warehouse}"))?)
}

/// The live level of a product in a warehouse, if it has one.
fn level(tx: &dyn Tx, product: &str, warehouse: &str) -> Result<Option<Record>, ApiError> {
    Ok(
        where_eq(tx, Entity::StockLevels, "product_id", product, 1_000)?
            .into_iter()
            .find(|l| text(l, "warehouse_id") == Some(warehouse)),
    )
}

/// The fields a level derives from its quantities.
fn derived(on_hand: i64, reserved: i64, threshold: i64) -> [(&'static str, Value); 4] {
    let available = on_hand - reserved;
    [
        ("on_hand", json!(on_hand)),
        ("reserved", json!(reserved)),
        ("available", json!(available)),
        ("low", json!(orders::is_low(available, threshold))),
    ]
}

/// Stores a record the server makes on its own account (a level a first movement needs, the
/// movement a delivery records): no access check, as the write that causes it was checked.
fn insert_own(
    tx: &dyn Tx,
    actor: &Actor,
    entity: Entity,
    mut record: Record,
) -> Result<(), ApiError> {
    let id = uuid::Uuid::now_v7().hyphenated().to_string();
    let stamp = format_time(now());
    record.insert("id".into(), json!(id));
    record.insert("version".into(), json!(1));
    record.insert("created_at".into(), json!(stamp));
    record.insert("updated_at".into(), json!(stamp));
    record.insert("created_by".into(), json!(actor.id));
    record.insert("updated_by".into(), json!(actor.id));
    tx.insert(entity, &record, &Vec::new())?;
    let set = crate::access::read_set(entity, &record, &super::TxLookup(tx));
    tx.set_read_set(entity, &id, &set)?;
    tx.record_change(entity, &id, &std::collections::BTreeSet::new())?;
    tx.audit(&AuditEntry {
        actor_id: Some(actor.id.clone()),
        action: "create",
        entity: Some(entity),
        record_id: Some(id),
        changes: Some(Value::Object(record)),
    })?;
    Ok(())
}

/// Moves a level by these amounts (made when missing), the lock already held.
fn shift(
    tx: &dyn Tx,
    actor: &Actor,
    product: &str,
    warehouse: &str,
    on_hand_by: i64,
    reserved_by: i64,
) -> Result<i64, ApiError> {
    match level(tx, product, warehouse)? {
        Some(l) => {
            let on_hand = int(&l, "on_hand") + on_hand_by;
            let reserved = (int(&l, "reserved") + reserved_by).max(0);
            let id = text(&l, "id").unwrap_or_default().to_string();
            touch(
                tx,
                actor,
                Entity::StockLevels,
                &id,
                &derived(on_hand, reserved, int(&l, "low_threshold")),
            )?;
            Ok(on_hand)
        }
        None => {
            let (on_hand, reserved) = (on_hand_by, reserved_by.max(0));
            let mut record = Record::new();
            record.insert("product_id".into(), json!(product));
            record.insert("warehouse_id".into(), json!(warehouse));
            record.insert("low_threshold".into(), json!(0));
            for (k, v) in derived(on_hand, reserved, 0) {
                record.insert(k.into(), v);
            }
            insert_own(tx, actor, Entity::StockLevels, record)?;
            Ok(on_hand)
        }
    }
}

/// Records a movement the server makes (a delivery, a return).
fn movement(
    tx: &dyn Tx,
    actor: &Actor,
    line: &StockLine,
    kind: &str,
    quantity: i64,
    on_hand_after: i64,
    reason: String,
) -> Result<(), ApiError> {
    let mut record = Record::new();
    record.insert("product_id".into(), json!(line.product));
    record.insert("warehouse_id".into(), json!(line.warehouse));
    record.insert("kind".into(), json!(kind));
    record.insert("quantity".into(), json!(quantity));
    record.insert("reason".into(), json!(reason));
    record.insert("order_id".into(), json!(line.order));
    record.insert("on_hand_after".into(), json!(on_hand_after));
    insert_own(tx, actor, Entity::StockMovements, record)
}

/// One product of an order as its stock sees it.
pub(super) struct StockLine {
    pub product: String,
    pub warehouse: String,
    pub order: String,
    /// The product's code and the warehouse's name, for messages.
    pub product_code: String,
    pub warehouse_name: String,
}

impl StockLine {
    /// The stock side of an order line: None for a service or licence, which keeps no stock.
    pub fn of(
        tx: &dyn Tx,
        order: &Record,
        product_id: &str,
    ) -> Result<Option<StockLine>, ApiError> {
        let Some(product) = live(tx, Entity::Products, product_id)? else {
            return Ok(None);
        };
        if text(&product, "kind") != Some("stock") {
            return Ok(None);
        }
        let warehouse = text(order, "warehouse_id").map(String::from).ok_or_else(|| {
            ApiError::invalid(
                "warehouse_id",
                "choose the warehouse the goods come from: the order has products kept in stock",
            )
        })?;
        let warehouse_name = live(tx, Entity::Warehouses, &warehouse)?
            .and_then(|w| text(&w, "name").map(String::from))
            .unwrap_or_else(|| warehouse.clone());
        Ok(Some(StockLine {
            product: product_id.to_string(),
            warehouse,
            order: text(order, "id").unwrap_or_default().to_string(),
            product_code: text(&product, "code").unwrap_or_default().to_string(),
            warehouse_name,
        }))
    }
}

/// Reserves `quantity` more of a line's product; refused (409) when less is free.
pub(super) fn reserve(
    tx: &dyn Tx,
    actor: &Actor,
    line: &StockLine,
    quantity: i64,
) -> Result<(), ApiError> {
    if quantity <= 0 {
        return Ok(());
    }
    lock(tx, &line.product, &line.warehouse)?;
    let available = level(tx, &line.product, &line.warehouse)?
        .map_or(0, |l| int(&l, "on_hand") - int(&l, "reserved"));
    if let Some(why) = orders::shortage(
        &line.product_code,
        &line.warehouse_name,
        available,
        quantity,
    ) {
        return Err(conflict(why));
    }
    shift(tx, actor, &line.product, &line.warehouse, 0, quantity)?;
    Ok(())
}

/// Gives back `quantity` of what a line had reserved.
pub(super) fn release(
    tx: &dyn Tx,
    actor: &Actor,
    line: &StockLine,
    quantity: i64,
) -> Result<(), ApiError> {
    if quantity <= 0 {
        return Ok(());
    }
    lock(tx, &line.product, &line.warehouse)?;
    shift(tx, actor, &line.product, &line.warehouse, 0, -quantity)?;
    Ok(())
}

/// Takes `quantity` delivered out of stock and out of the line's reservation.
pub(super) fn deliver(
    tx: &dyn Tx,
    actor: &Actor,
    line: &StockLine,
    quantity: i64,
    number: &str,
) -> Result<(), ApiError> {
    if quantity <= 0 {
        return Ok(());
    }
    lock(tx, &line.product, &line.warehouse)?;
    let on_hand = level(tx, &line.product, &line.warehouse)?.map_or(0, |l| int(&l, "on_hand"));
    if let Some(why) = orders::shortage(&line.product_code, &line.warehouse_name, on_hand, quantity)
    {
        return Err(conflict(why));
    }
    let after = shift(
        tx,
        actor,
        &line.product,
        &line.warehouse,
        -quantity,
        -quantity,
    )?;
    movement(
        tx,
        actor,
        line,
        "out",
        quantity,
        after,
        format!("delivery of {number}"),
    )
}

/// Brings `quantity` delivered back into stock.
pub(super) fn take_back(
    tx: &dyn Tx,
    actor: &Actor,
    line: &StockLine,
    quantity: i64,
    number: &str,
) -> Result<(), ApiError> {
    if quantity <= 0 {
        return Ok(());
    }
    lock(tx, &line.product, &line.warehouse)?;
    let after = shift(tx, actor, &line.product, &line.warehouse, quantity, 0)?;
    movement(
        tx,
        actor,
        line,
        "in",
        quantity,
        after,
        format!("return of {number}"),
    )
}

/// Rules of a warehouse, stock level or stock movement.
pub(super) fn prepare(
    tx: &dyn Tx,
    entity: Entity,
    old: Option<&Record>,
    record: &mut Record,
) -> Result<(), ApiError> {
    match entity {
        Entity::Warehouses => {
            let code = text(record, "code").unwrap_or_default().to_string();
            let id = text(record, "id").map(String::from);
            if taken(tx, Entity::Warehouses, "code", &code, id.as_deref())? {
                return Err(conflict(format!("a warehouse with code {code} exists")));
            }
            Ok(())
        }
        Entity::StockLevels => {
            let (product, warehouse) = keys(record);
            match old {
                None => {
                    lock(tx, &product, &warehouse)?;
                    if level(tx, &product, &warehouse)?.is_some() {
                        return Err(conflict(
                            "this product has a stock level in this warehouse already; change its threshold there",
                        ));
                    }
                    for (k, v) in derived(0, 0, int(record, "low_threshold")) {
                        record.insert(k.into(), v);
                    }
                }
                Some(old) => {
                    if keys(old) != (product, warehouse) {
                        return Err(ApiError::invalid(
                            "product_id",
                            "a stock level stays with its product and warehouse",
                        ));
                    }
                    let (on_hand, reserved) = (int(record, "on_hand"), int(record, "reserved"));
                    for (k, v) in derived(on_hand, reserved, int(record, "low_threshold")) {
                        record.insert(k.into(), v);
                    }
                }
            }
            Ok(())
        }
        Entity::StockMovements => {
            if old.is_some() {
                return Err(conflict(
                    "a stock movement is kept as recorded; record an adjustment to correct it",
                ));
            }
            let (product, warehouse) = keys(record);
            let kind = text(record, "kind").unwrap_or_default().to_string();
            let quantity = int(record, "quantity");
            let reason_given = text(record, "reason").is_some_and(|r| !r.trim().is_empty());
            let delta = match kind.as_str() {
                "in" | "out" if quantity <= 0 => {
                    return Err(ApiError::invalid(
                        "quantity",
                        "goods in or out are a positive quantity",
                    ));
                }
                "in" => quantity,
                "out" => -quantity,
                _ if quantity == 0 => {
                    return Err(ApiError::invalid(
                        "quantity",
                        "an adjustment adds (positive) or removes (negative) units",
                    ));
                }
                _ => quantity,
            };
            if kind != "in" && !reason_given {
                return Err(ApiError::invalid(
                    "reason",
                    "say why the goods left or the count changed",
                ));
            }
            lock(tx, &product, &warehouse)?;
            let current = level(tx, &product, &warehouse)?;
            let on_hand = current.as_ref().map_or(0, |l| int(l, "on_hand"));
            let reserved = current.as_ref().map_or(0, |l| int(l, "reserved"));
            if kind == "out" {
                let code = live(tx, Entity::Products, &product)?
                    .and_then(|p| text(&p, "code").map(String::from))
                    .unwrap_or_default();
                let name = live(tx, Entity::Warehouses, &warehouse)?
                    .and_then(|w| text(&w, "name").map(String::from))
                    .unwrap_or_default();
                if let Some(why) = orders::shortage(&code, &name, on_hand - reserved, quantity) {
                    return Err(conflict(format!(
                        "{why} (what is reserved for orders stays)"
                    )));
                }
            }
            if on_hand + delta < 0 {
                return Err(ApiError::invalid(
                    "quantity",
                    format!("only {on_hand} are on hand; a count cannot go below none"),
                ));
            }
            record.insert("on_hand_after".into(), json!(on_hand + delta));
            record.insert("order_id".into(), Value::Null);
            Ok(())
        }
        _ => Ok(()),
    }
}

fn keys(record: &Record) -> (String, String) {
    (
        text(record, "product_id").unwrap_or_default().to_string(),
        text(record, "warehouse_id").unwrap_or_default().to_string(),
    )
}

/// After a movement is recorded: its level moved by it (the lock taken in `prepare` is held).
pub(super) fn after_write(
    tx: &dyn Tx,
    actor: &Actor,
    entity: Entity,
    old: Option<&Record>,
    record: &Record,
) -> Result<(), ApiError> {
    if entity == Entity::StockMovements && old.is_none() {
        let (product, warehouse) = keys(record);
        let quantity = int(record, "quantity");
        let delta = if text(record, "kind") == Some("out") {
            -quantity
        } else {
            quantity
        };
        shift(tx, actor, &product, &warehouse, delta, 0)?;
    }
    Ok(())
}

/// A movement is never deleted; a level only while nothing is on hand or reserved.
pub(super) fn check_delete(entity: Entity, current: &Record) -> Result<(), ApiError> {
    match entity {
        Entity::StockMovements => Err(conflict(
            "a stock movement is kept as recorded; record an adjustment to correct it",
        )),
        Entity::StockLevels if int(current, "on_hand") != 0 || int(current, "reserved") != 0 => {
            Err(conflict(
                "goods are on hand or reserved here; move them out before removing the level",
            ))
        }
        _ => Ok(()),
    }
}

/// A movement the server records for a write elsewhere (a field visit's part), its level moved.
fn own_movement(
    tx: &dyn Tx,
    actor: &Actor,
    (product, warehouse): (&str, &str),
    kind: &str,
    quantity: i64,
    reason: String,
) -> Result<(), ApiError> {
    let delta = if kind == "out" { -quantity } else { quantity };
    let on_hand_after = shift(tx, actor, product, warehouse, delta, 0)?;
    let mut record = Record::new();
    record.insert("product_id".into(), json!(product));
    record.insert("warehouse_id".into(), json!(warehouse));
    record.insert("kind".into(), json!(kind));
    record.insert("quantity".into(), json!(quantity));
    record.insert("reason".into(), json!(reason));
    record.insert("on_hand_after".into(), json!(on_hand_after));
    insert_own(tx, actor, Entity::StockMovements, record)
}

/// Takes parts used on a field visit out of a warehouse: never more than is available there
/// (what is on hand and not reserved for orders), under the level's lock.
pub(super) fn take_out(
    tx: &dyn Tx,
    actor: &Actor,
    product: &str,
    warehouse: &str,
    quantity: i64,
    reason: String,
) -> Result<(), ApiError> {
    lock(tx, product, warehouse)?;
    let available =
        level(tx, product, warehouse)?.map_or(0, |l| int(&l, "on_hand") - int(&l, "reserved"));
    if quantity > available {
        return Err(conflict(format!(
            "only {available} of this product are available in that warehouse; record the part \
             without a warehouse, or book the stock in first"
        )));
    }
    own_movement(tx, actor, (product, warehouse), "out", quantity, reason)
}

/// Brings back parts a deleted field-visit part had taken out.
pub(super) fn put_back(
    tx: &dyn Tx,
    actor: &Actor,
    product: &str,
    warehouse: &str,
    quantity: i64,
    reason: String,
) -> Result<(), ApiError> {
    lock(tx, product, warehouse)?;
    own_movement(tx, actor, (product, warehouse), "in", quantity, reason)
}
