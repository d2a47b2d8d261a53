//! Orders placed through the demo's dealers, and their targets: the first generated dealers
//! (the ones `relations` assesses) each have end customers of their owner ordering through
//! them this month and last, and a target for this month, so the dealer's line in the 360°
//! (sold this month against the target, `rules::dealers`) shows real figures. All through the
//! service as the owners (orders, lines priced by the price rule) and the admin (targets); new
//! records only, made without the generator's random numbers so the rest of the demo is as
//! before.

use chrono::{Datelike, Duration, NaiveDate};
use serde_json::{Value, json};

use super::SeedReport;
use super::approvals::actor_at;
use super::generator::Gen;
use super::quotes::actor;
use super::setup::{id_of, object};
use super::users::DEMO;
use crate::error::ApiError;
use crate::rules::dealers::DEALER_CATEGORY;
use crate::schema::Entity;
use crate::service;
use crate::store::{ListQuery, Record, Tx};

/// Dealers with orders through them (the assessed ones).
const DEALERS: usize = 8;
/// End customers ordering through each dealer.
const BUYERS: usize = 3;
/// What each dealer sold this month as a share of its target, in per cent (the target is made
/// from it): some behind, some ahead.
const ATTAINMENT_PCT: [i64; DEALERS] = [80, 125, 100, 150, 90, 200, 110, 70];

fn first(
    tx: &dyn Tx,
    entity: Entity,
    sort: &'static str,
    n: usize,
) -> Result<Vec<Record>, ApiError> {
    Ok(tx.list(
        entity,
        &ListQuery {
            sort,
            limit: n,
            ..ListQuery::default()
        },
        None,
    )?)
}

impl Gen {
    pub(super) fn dealer_orders(
        &mut self,
        tx: &dyn Tx,
        report: &mut SeedReport,
    ) -> Result<(), ApiError> {
        let Some(admin) = actor_at(self, DEMO) else {
            return Ok(());
        };
        let products: Vec<String> = first(tx, Entity::Products, "code", 64)?
            .iter()
            .filter(|p| p.get("active") != Some(&Value::Bool(false)))
            .take(8)
            .map(id_of)
            .collect::<Result<_, _>>()?;
        let warehouse = first(tx, Entity::Warehouses, "code", 1)?
            .first()
            .map(id_of)
            .transpose()?;
        if products.is_empty() {
            return Ok(());
        }
        let today = self.now.date_naive();
        let month = NaiveDate::from_ymd_opt(today.year(), today.month(), 1).unwrap_or(today);
        let last_month = (month - Duration::days(1)).with_day(1).unwrap_or(month);
        let dealers = tx.list(
            Entity::Customers,
            &ListQuery {
                filters: vec![("category", json!(DEALER_CATEGORY))],
                sort: "code",
                limit: DEALERS,
                ..ListQuery::default()
            },
            None,
        )?;
        for (i, dealer) in dealers.iter().enumerate() {
            let dealer_id = id_of(dealer)?;
            let owner_id = dealer.get("owner_id").and_then(Value::as_str);
            let Some(owner) = self
                .setup
                .users
                .iter()
                .position(|u| Some(u.as_str()) == owner_id)
            else {
                continue;
            };
            let Some(seller) = actor(self, owner) else {
                continue;
            };
            // The dealer's owner's other customers buy through it (the owner may read both).
            let buyers: Vec<(String, Option<String>)> = self
                .pool
                .iter()
                .filter(|c| c.owner == owner && c.id != dealer_id)
                .skip(i)
                .take(BUYERS * 2)
                .map(|c| (c.id.clone(), c.contacts.first().map(|(id, _)| id.clone())))
                .collect();
            let mut sold = 0;
            let mut made = 0;
            for (k, (buyer, contact)) in buyers.iter().enumerate() {
                if made == BUYERS {
                    break;
                }
                let is_dealer = tx
                    .get(Entity::Customers, buyer)?
                    .is_some_and(|s| s.record.get("category") == Some(&json!(DEALER_CATEGORY)));
                if is_dealer {
                    continue;
                }
                made += 1;
                // Two this month (never after today), one last month.
                let ordered_on = if made == BUYERS {
                    last_month + Duration::days((i * 3 + k) as i64 % 25)
                } else {
                    (today - Duration::days((i + 2 * k) as i64 % 9)).max(month)
                };
                let body = json!({"customer_id": buyer, "contact_id": contact,
                    "dealer_id": dealer_id, "subject": "经销商代理订货",
                    "warehouse_id": warehouse, "ordered_on": ordered_on.to_string(),
                    "delivery_date": (ordered_on + Duration::days(10)).to_string()});
                let order = service::create(tx, &seller, Entity::Orders, &object(body), false)?;
                let order_id = id_of(&order.record)?;
                report.orders += 1;
                for line in 0..1 + (i + k) % 2 {
                    let product = &products[(i + k + line) % products.len()];
                    let body = json!({"order_id": order_id, "product_id": product,
                        "quantity": 2 + ((i + k + line) % 5) as i64});
                    service::create(tx, &seller, Entity::OrderLines, &object(body), false)?;
                    report.order_lines += 1;
                }
                if ordered_on >= month {
                    let order = service::get(tx, &seller, Entity::Orders, &order_id)?;
                    sold += order.get("total").and_then(Value::as_i64).unwrap_or(0);
                }
            }
            if made == 0 {
                continue;
            }
            let amount = (sold * 100 / ATTAINMENT_PCT[i % DEALERS]).max(100_000);
            let body = json!({"customer_id": dealer_id, "month": month.to_string(),
                "amount": amount});
            service::create(tx, &admin, Entity::Targets, &object(body), false)?;
        }
        Ok(())
    }
}
