//! Orders, stock and payments in the demo: two warehouses stocked by movements (one item low),
//! the accepted quotes ordered, orders entered directly in every status (a partial delivery, a
//! return, a cancellation among them), and payment plans whose instalments are paid, partly
//! paid, due and overdue in every aging bucket. All through `service::create`/`update` as the
//! owners (numbers, totals, reservations, deliveries and payment matching by the rules), so it
//! is few, as the quotes are.

use chrono::Duration;
use serde_json::{Value, json};

use super::generator::Gen;
use super::quotes::actor;
use super::rng::{ORDERS, Rng};
use super::setup::{id_of, object};
use super::{MAX_ORDERS, SeedReport};
use crate::error::ApiError;
use crate::schema::Entity;
use crate::service;
use crate::store::{ListQuery, Record, Tx};

/// The walk of statuses an order of the demo takes, by its number in turn.
const WALKS: &[&[&str]] = &[
    &[],
    &["confirmed"],
    &["confirmed", "partly"],
    &["confirmed", "delivered"],
    &["confirmed", "delivered", "invoiced"],
    &["confirmed", "delivered", "invoiced", "closed"],
    &["confirmed", "delivered", "returned"],
    &["confirmed", "cancelled"],
    &["cancelled"],
];

/// Days overdue of a plan's first instalment, in turn: one per aging bucket, and one not due.
const OVERDUE_DAYS: [i64; 5] = [12, 45, 75, 130, -20];

fn list(
    tx: &dyn Tx,
    entity: Entity,
    field: &'static str,
    value: &str,
) -> Result<Vec<Record>, ApiError> {
    let query = ListQuery {
        filters: vec![(field, json!(value))],
        sort: "created_at",
        limit: 1_000,
        ..ListQuery::default()
    };
    Ok(tx.list(entity, &query, None)?)
}

fn text<'a>(r: &'a Record, field: &str) -> &'a str {
    r.get(field).and_then(Value::as_str).unwrap_or_default()
}

impl Gen {
    /// Warehouses and stock, orders from the accepted quotes and entered directly, payment plans.
    pub(super) fn orders(
        &mut self,
        tx: &dyn Tx,
        products: &[(String, String)],
        report: &mut SeedReport,
    ) -> Result<(), ApiError> {
        let system = crate::system_actor();
        let mut warehouses = Vec::new();
        for (code, name, address) in [
            ("WH-BJ", "北京总仓", "北京市大兴区物流园 8 号"),
            ("WH-SH", "上海仓", "上海市嘉定区仓储路 18 号"),
        ] {
            let body = json!({"code": code, "name": name, "address": address});
            let made = service::create(tx, &system, Entity::Warehouses, &object(body), false)?;
            warehouses.push(id_of(&made.record)?);
            report.warehouses += 1;
        }
        let stocked: Vec<&String> = products
            .iter()
            .filter(|(_, kind)| kind == "stock")
            .map(|(id, _)| id)
            .collect();
        for (n, product) in stocked.iter().enumerate() {
            for (w, warehouse) in warehouses.iter().enumerate() {
                // The second warehouse's first item runs low: 3 left, warned at 5.
                let low = w == 1 && n == 0;
                let quantity = if low { 3 } else { 20_000 };
                let body = json!({"product_id": product, "warehouse_id": warehouse,
                    "kind": "in", "quantity": quantity, "reason": "期初入库"});
                service::create(tx, &system, Entity::StockMovements, &object(body), false)?;
                report.stock_movements += 1;
                let level = list(tx, Entity::StockLevels, "product_id", product)?
                    .into_iter()
                    .find(|l| text(l, "warehouse_id") == warehouse.as_str());
                if let Some(level) = level {
                    let threshold = if low { 5 } else { 50 };
                    let body = object(json!({"low_threshold": threshold}));
                    service::update(
                        tx,
                        &system,
                        Entity::StockLevels,
                        text(&level, "id"),
                        &body,
                        None,
                    )?;
                }
            }
        }
        if let Some(product) = stocked.first() {
            let body = json!({"product_id": product, "warehouse_id": warehouses[0],
                "kind": "adjust", "quantity": -2, "reason": "盘点差异：包装破损"});
            service::create(tx, &system, Entity::StockMovements, &object(body), false)?;
            report.stock_movements += 1;
        }
        let sellable: Vec<String> = products.iter().map(|(id, _)| id.clone()).collect();
        if self.pool.is_empty() || sellable.is_empty() {
            return Ok(());
        }
        // The accepted quotes, ordered by their owners.
        let query = ListQuery {
            filters: vec![("status", json!("accepted"))],
            sort: "created_at",
            limit: MAX_ORDERS,
            ..ListQuery::default()
        };
        let mut n = 0;
        for quote in tx.list(Entity::Quotes, &query, None)? {
            // Every other one: the rest stay accepted, waiting to be ordered.
            n += 1;
            if n % 2 == 0 {
                continue;
            }
            let owner_id = text(&quote, "owner_id").to_string();
            let Some(owner) = self.owner_actor(&owner_id) else {
                continue;
            };
            let body = json!({"quote_id": quote["id"], "warehouse_id": warehouses[0]});
            let order = service::create(tx, &owner, Entity::Orders, &object(body), false)?;
            report.orders += 1;
            report.order_lines +=
                list(tx, Entity::OrderLines, "order_id", &id_of(&order.record)?)?.len();
        }
        let count = (self.opportunities / 10).clamp(WALKS.len() * 2, MAX_ORDERS);
        for i in 0..count {
            self.rng = Rng::stream(ORDERS, i);
            self.order(tx, i, &sellable, &warehouses, report)?;
        }
        Ok(())
    }

    fn owner_actor(&self, user_id: &str) -> Option<crate::access::Actor> {
        let index = self.setup.users.iter().position(|u| u == user_id)?;
        actor(self, index)
    }

    /// One order entered for a customer of the pool by its owner, walked to a status in turn;
    /// the delivered ones get a payment plan.
    fn order(
        &mut self,
        tx: &dyn Tx,
        i: usize,
        products: &[String],
        warehouses: &[String],
        report: &mut SeedReport,
    ) -> Result<(), ApiError> {
        let pick = self.rng.below(self.pool.len());
        let Some(owner) = actor(self, self.pool[pick].owner) else {
            return Ok(());
        };
        let c = &self.pool[pick];
        let (customer, zh) = (c.id.clone(), c.zh);
        let contact = c.contacts.first().map(|c| c.0.clone());
        let today = self.now.date_naive();
        let ordered_on = today - Duration::days(self.rng.between(5, 150));
        let subject = if zh {
            "设备与服务采购"
        } else {
            "Equipment and services"
        };
        let body = json!({"customer_id": customer, "contact_id": contact, "subject": subject,
            "warehouse_id": warehouses[0], "ordered_on": ordered_on.to_string(),
            "delivery_date": (ordered_on + Duration::days(14)).to_string()});
        let order = service::create(tx, &owner, Entity::Orders, &object(body), false)?;
        let order_id = id_of(&order.record)?;
        report.orders += 1;
        let mut first_line = None;
        for _ in 0..1 + self.rng.below(3) {
            let body = json!({"order_id": order_id, "product_id": self.rng.pick(products),
                "quantity": self.rng.between(1, 6),
                "discount_bp": *self.rng.weighted(&[(0i64, 6), (500, 3), (1_000, 1)])});
            let line = service::create(tx, &owner, Entity::OrderLines, &object(body), false)?;
            first_line.get_or_insert(line.record);
            report.order_lines += 1;
        }
        for step in WALKS[i % WALKS.len()] {
            if *step == "partly" {
                if let Some(line) = &first_line {
                    let body = object(json!({"delivered_quantity": 1}));
                    let quantity = line.get("quantity").and_then(Value::as_i64).unwrap_or(1);
                    let body = if quantity > 1 {
                        body
                    } else {
                        object(json!({"delivered_quantity": quantity}))
                    };
                    service::update(
                        tx,
                        &owner,
                        Entity::OrderLines,
                        text(line, "id"),
                        &body,
                        None,
                    )?;
                }
                continue;
            }
            let body = object(json!({"status": step}));
            service::update(tx, &owner, Entity::Orders, &order_id, &body, None)?;
        }
        let walk = WALKS[i % WALKS.len()];
        if walk.contains(&"delivered") && !walk.contains(&"returned") {
            self.plan(tx, &owner, &order_id, ordered_on, i, report)?;
        }
        Ok(())
    }

    /// A plan of three instalments for a delivered order: the first overdue by a bucket's days
    /// in turn (or not yet due), part of it paid for some.
    fn plan(
        &mut self,
        tx: &dyn Tx,
        owner: &crate::access::Actor,
        order_id: &str,
        ordered_on: chrono::NaiveDate,
        i: usize,
        report: &mut SeedReport,
    ) -> Result<(), ApiError> {
        let order = service::get(tx, owner, Entity::Orders, order_id)?;
        let total = order.get("total").and_then(Value::as_i64).unwrap_or(0);
        if total < 3 {
            return Ok(());
        }
        let body = json!({"order_id": order_id, "notes": "30% 预付，40% 到货，30% 验收"});
        let plan = service::create(tx, owner, Entity::PaymentPlans, &object(body), false)?;
        let plan_id = id_of(&plan.record)?;
        report.payment_plans += 1;
        let today = self.now.date_naive();
        let first_due = today - Duration::days(OVERDUE_DAYS[i % OVERDUE_DAYS.len()]);
        let shares = [total * 3 / 10, total * 4 / 10];
        let amounts = [shares[0], shares[1], total - shares[0] - shares[1]];
        let mut first = None;
        for (k, amount) in amounts.iter().enumerate() {
            let due = first_due + Duration::days(30 * k as i64);
            let body = json!({"plan_id": plan_id, "due_date": due.to_string(), "amount": amount});
            let made = service::create(tx, owner, Entity::Instalments, &object(body), false)?;
            first.get_or_insert(made.record);
            report.instalments += 1;
        }
        // Paid in full, in part or not at all, in turn.
        let paid = match i % 3 {
            0 => amounts[0],
            1 => amounts[0] / 2,
            _ => 0,
        };
        if paid > 0 {
            let on = ordered_on.max(first_due - Duration::days(2));
            let body = json!({"plan_id": plan_id, "amount": paid, "received_on": on.to_string(),
                "reference": format!("BANK-{:06}", i)});
            service::create(tx, owner, Entity::Payments, &object(body), false)?;
            report.payments += 1;
        }
        Ok(())
    }
}
