//! A customer's order history in the bulk demo: about two orders a customer, long done (closed,
//! invoiced or delivered), of the catalogue's services and licences, which keep no stock. Made
//! as full stored records beside the customer's contacts and deals and written in the same
//! large transactions (the writer gives each its number, as it gives customers their codes);
//! amounts by the one rounding rule. The orders the demo shows in every status, with stock and
//! payment plans, are made through the service afterwards (`orders.rs`).

use chrono::{DateTime, Duration, Utc};

use super::generator::*;
use super::quotes::CATALOGUE;
use crate::access;
use crate::rules::money;
use crate::schema::Entity;
use crate::store::NewRecord;

/// The id the demo gives the `n`th product of the catalogue, known before it is made, so the
/// bulk orders can name it.
pub(super) fn product_id(n: usize) -> String {
    format!(
        "00000000-0000-7000-8000-{:012x}",
        0x00C0_FFEE_0000_u64 + n as u64
    )
}

impl Gen {
    /// Appends a customer's past orders and their lines (parents first).
    pub(super) fn order_history(
        &mut self,
        customer_id: &str,
        owner_id: &str,
        zh: bool,
        created: DateTime<Utc>,
        out: &mut Vec<NewRecord>,
    ) {
        let count = *self
            .rng
            .weighted(&[(0usize, 2), (1, 3), (2, 3), (3, 2), (4, 1)]);
        let sold: Vec<usize> = CATALOGUE
            .iter()
            .enumerate()
            .filter(|(i, item)| item.kind != "stock" && i + 1 < CATALOGUE.len())
            .map(|(i, _)| i)
            .collect();
        for _ in 0..count {
            let ordered = self.since(created.max(self.now - Duration::days(720)));
            let updated = self.since(ordered);
            let mut order = self.record(Entity::Orders, ordered, updated, owner_id);
            let order_id = text(&order, "id").unwrap_or_default().to_string();
            let day = ordered.date_naive();
            set(&mut order, "customer_id", customer_id);
            set(&mut order, "owner_id", owner_id);
            set(
                &mut order,
                "subject",
                if zh {
                    "软件与服务采购"
                } else {
                    "Software and services"
                },
            );
            let status = *self
                .rng
                .weighted(&[("closed", 7), ("invoiced", 2), ("delivered", 1)]);
            set(&mut order, "status", status);
            set(&mut order, "ordered_on", day.to_string());
            set(
                &mut order,
                "delivery_date",
                (day + Duration::days(14)).to_string(),
            );
            set(
                &mut order,
                "delivered_on",
                (day + Duration::days(self.rng.between(3, 20))).to_string(),
            );
            let mut lines = Vec::new();
            for _ in 0..1 + self.rng.below(2) {
                let n = *self.rng.pick(&sold);
                let item = &CATALOGUE[n];
                let quantity = self.rng.between(1, 10);
                let discount = *self.rng.weighted(&[(0i64, 6), (500, 3), (1_000, 1)]);
                let Ok(amounts) = money::line(money::LineInput {
                    quantity,
                    unit_price: item.price,
                    discount_bp: discount,
                    tax_rate_bp: item.tax,
                }) else {
                    continue;
                };
                let mut line = self.record(Entity::OrderLines, ordered, ordered, owner_id);
                set(&mut line, "order_id", order_id.as_str());
                set(&mut line, "product_id", product_id(n));
                set(&mut line, "quantity", quantity);
                set(&mut line, "unit_price", item.price);
                set(&mut line, "discount_bp", discount);
                set(&mut line, "tax_rate_bp", item.tax);
                set(&mut line, "net", amounts.net);
                set(&mut line, "tax", amounts.tax);
                set(&mut line, "delivered_quantity", quantity);
                lines.push((line, amounts));
            }
            let Ok(totals) = money::totals(lines.iter().map(|(_, a)| *a)) else {
                continue;
            };
            set(&mut order, "subtotal", totals.subtotal);
            set(&mut order, "tax", totals.tax);
            set(&mut order, "total", totals.total);
            // The writer numbers it; a placeholder keeps the record whole until then.
            set(&mut order, "number", "");
            let read_set = access::read_set(Entity::Orders, &order, &self.known);
            self.known
                .sets
                .insert((Entity::Orders, order_id.clone()), read_set.clone());
            out.push(NewRecord {
                entity: Entity::Orders,
                record: order,
                hidden: Vec::new(),
                read_set,
            });
            self.orders += 1;
            for (line, _) in lines {
                let read_set = access::read_set(Entity::OrderLines, &line, &self.known);
                out.push(NewRecord {
                    entity: Entity::OrderLines,
                    record: line,
                    hidden: Vec::new(),
                    read_set,
                });
                self.order_lines += 1;
            }
            self.known.sets.remove(&(Entity::Orders, order_id));
        }
    }
}
