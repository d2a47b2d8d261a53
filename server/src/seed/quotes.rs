//! Sales to cash in the demo: a product catalogue with costs, level and customer price lists,
//! discount limits, products on deals and quotes in every status. All of it goes through
//! `service::create` and `service::update` as the owners themselves (prices by the price rule,
//! amounts by the rounding rule, numbers, status moves and discount limits by the rules), so
//! it is few: a tenth of the deals, capped, which keeps a million-customer seed fast.

use chrono::Duration;
use serde_json::json;

use super::generator::Gen;
use super::rng::{QUOTES, Rng};
use super::setup::{id_of, object};
use super::users::DEMO_USERS;
use super::{MAX_QUOTES, SeedReport};
use crate::access::{Actor, Role};
use crate::error::ApiError;
use crate::schema::{Entity, LEVELS};
use crate::service;
use crate::store::Tx;

/// A product of the demo catalogue; prices in fen, the tax rate in basis points.
pub(super) struct Item {
    pub(super) code: &'static str,
    pub(super) name: &'static str,
    pub(super) kind: &'static str,
    pub(super) category: &'static str,
    pub(super) unit: &'static str,
    pub(super) price: i64,
    pub(super) tax: i64,
    pub(super) cost: i64,
}

/// The catalogue: software licences, services and stock-kept hardware, the last one no longer
/// sold (inactive).
pub(super) const CATALOGUE: &[Item] = &[
    Item {
        code: "P-CRM-STD",
        name: "CRM 标准版 (每用户/年)",
        kind: "licence",
        category: "软件",
        unit: "用户",
        price: 120_000,
        tax: 600,
        cost: 30_000,
    },
    Item {
        code: "P-CRM-ENT",
        name: "CRM 企业版 (每用户/年)",
        kind: "licence",
        category: "软件",
        unit: "用户",
        price: 240_000,
        tax: 600,
        cost: 50_000,
    },
    Item {
        code: "P-CC-SEAT",
        name: "呼叫中心座席",
        kind: "licence",
        category: "软件",
        unit: "座席",
        price: 360_000,
        tax: 600,
        cost: 90_000,
    },
    Item {
        code: "S-IMPL",
        name: "实施服务",
        kind: "service",
        category: "服务",
        unit: "人天",
        price: 250_000,
        tax: 600,
        cost: 120_000,
    },
    Item {
        code: "S-TRAIN",
        name: "培训",
        kind: "service",
        category: "服务",
        unit: "场",
        price: 800_000,
        tax: 600,
        cost: 300_000,
    },
    Item {
        code: "S-SUPPORT",
        name: "年度维保",
        kind: "service",
        category: "服务",
        unit: "年",
        price: 1_500_000,
        tax: 600,
        cost: 400_000,
    },
    Item {
        code: "H-SERVER",
        name: "应用服务器",
        kind: "stock",
        category: "硬件",
        unit: "台",
        price: 4_500_000,
        tax: 1_300,
        cost: 3_600_000,
    },
    Item {
        code: "H-HEADSET",
        name: "话务耳机",
        kind: "stock",
        category: "硬件",
        unit: "副",
        price: 45_000,
        tax: 1_300,
        cost: 21_000,
    },
    Item {
        code: "H-GATEWAY",
        name: "语音网关",
        kind: "stock",
        category: "硬件",
        unit: "台",
        price: 1_280_000,
        tax: 1_300,
        cost: 900_000,
    },
    Item {
        code: "H-OLD-PBX",
        name: "程控交换机 (停产)",
        kind: "stock",
        category: "硬件",
        unit: "台",
        price: 3_000_000,
        tax: 1_300,
        cost: 2_500_000,
    },
];

/// The share a level's price list takes off the list price (basis points), A to D.
const LEVEL_OFF_BP: [i64; 4] = [1_500, 1_000, 500, 0];

/// Whose role a demo owner acts with.
pub(super) fn actor(g: &Gen, owner: usize) -> Option<Actor> {
    let user = DEMO_USERS.get(owner)?;
    matches!(user.role, Role::Sales | Role::Manager).then(|| Actor {
        id: g.setup.users[owner].clone(),
        username: user.username.to_string(),
        role: user.role,
        team_id: g.setup.teams[owner].clone(),
    })
}

impl Gen {
    /// Products, price lists, discount limits, then quotes (with their lines and deals' lines)
    /// for customers of the pool.
    pub(super) fn sales(&mut self, tx: &dyn Tx, report: &mut SeedReport) -> Result<(), ApiError> {
        let system = crate::system_actor();
        let today = self.now.date_naive();
        let mut products = Vec::new();
        let mut kinds = Vec::new();
        for (i, item) in CATALOGUE.iter().enumerate() {
            let (price, cost) = (item.price, item.cost);
            let body = json!({"id": super::order_history::product_id(i),
                "code": item.code, "name": item.name, "kind": item.kind,
                "category": item.category, "unit": item.unit, "list_price": price,
                "tax_rate_bp": item.tax, "active": i + 1 < CATALOGUE.len()});
            let made = service::create(tx, &system, Entity::Products, &object(body), false)?;
            let id = id_of(&made.record)?;
            let body = json!({"product_id": id, "cost": cost});
            service::create(tx, &system, Entity::ProductCosts, &object(body), false)?;
            for (level, off) in LEVELS.iter().zip(LEVEL_OFF_BP) {
                if off == 0 {
                    continue;
                }
                // Last year's list, and this year's from the first of the year.
                for (from, to, extra) in [
                    (
                        today - Duration::days(400),
                        Some(today - Duration::days(60)),
                        500,
                    ),
                    (today - Duration::days(59), None, 0),
                ] {
                    let body = json!({"product_id": id, "level": level,
                        "unit_price": price * (10_000 - off - extra) / 10_000,
                        "valid_from": from.to_string(), "valid_to": to.map(|d| d.to_string())});
                    service::create(tx, &system, Entity::Prices, &object(body), false)?;
                    report.prices += 1;
                }
            }
            if i + 1 < CATALOGUE.len() {
                kinds.push((id.clone(), item.kind.to_string()));
                products.push(id);
            }
        }
        report.products = CATALOGUE.len();
        for (role, limit) in [("sales", 1_000), ("manager", 3_000)] {
            let body = json!({"role": role, "max_discount_bp": limit});
            service::create(tx, &system, Entity::DiscountLimits, &object(body), false)?;
        }
        if self.pool.is_empty() || products.is_empty() {
            return self.orders(tx, &kinds, report);
        }
        // A few of the pool's customers have prices of their own.
        for (n, c) in self.pool.iter().step_by(7).take(40).enumerate() {
            let product = &products[n % products.len()];
            let body = json!({"product_id": product, "customer_id": c.id,
                "unit_price": CATALOGUE[n % products.len()].price * 7 / 10,
                "valid_from": (today - Duration::days(30)).to_string(),
                "notes": "框架协议价"});
            service::create(tx, &system, Entity::Prices, &object(body), false)?;
            report.prices += 1;
        }
        let count = (self.opportunities / 10).clamp(12, MAX_QUOTES);
        for i in 0..count {
            self.rng = Rng::stream(QUOTES, i);
            self.quote(tx, i, &products, report)?;
        }
        self.orders(tx, &kinds, report)
    }

    /// One quote for a customer of the pool, by its owner, in a status taken in turn so every
    /// status is there: lines, then the moves that status took.
    fn quote(
        &mut self,
        tx: &dyn Tx,
        i: usize,
        products: &[String],
        report: &mut SeedReport,
    ) -> Result<(), ApiError> {
        let pick = self.rng.below(self.pool.len());
        let Some(owner) = actor(self, self.pool[pick].owner) else {
            return Ok(());
        };
        let c = &self.pool[pick];
        let (customer, zh) = (c.id.clone(), c.zh);
        let deal = (!c.opportunities.is_empty()).then(|| {
            c.opportunities[self.rng.below(c.opportunities.len())]
                .0
                .clone()
        });
        let contact = (!c.contacts.is_empty()).then(|| c.contacts[0].0.clone());
        let today = self.now.date_naive();
        // draft, sent, accepted, rejected, expired, revised (a rejected one and its revision),
        // and a draft whose discount is beyond its owner's limit.
        let plan = i % 7;
        let valid_until = if plan == 4 {
            today - Duration::days(3)
        } else {
            today + Duration::days(self.rng.between(10, 45))
        };
        let subject = if zh {
            "年度采购报价"
        } else {
            "Annual purchase quotation"
        };
        let body = json!({"customer_id": customer, "contact_id": contact,
            "opportunity_id": deal, "subject": subject,
            "valid_until": valid_until.to_string(),
            "terms": if zh { "报价含税；付款：合同签订后30天内。" } else { "Tax included; payment within 30 days." }});
        let quote = service::create(tx, &owner, Entity::Quotes, &object(body), false)?;
        let quote_id = id_of(&quote.record)?;
        report.quotes += 1;
        let lines = 1 + self.rng.below(4);
        for _ in 0..lines {
            let product = self.rng.pick(products).clone();
            let discount = if plan == 6 {
                2_000
            } else {
                *self.rng.weighted(&[(0i64, 5), (500, 3), (1_000, 2)])
            };
            let quantity = self.rng.between(1, 20);
            let body = json!({"quote_id": quote_id, "product_id": product,
                "quantity": quantity, "discount_bp": discount});
            service::create(tx, &owner, Entity::QuoteLines, &object(body), false)?;
            report.quote_lines += 1;
            if let Some(deal) = &deal {
                let body = json!({"opportunity_id": deal, "product_id": product,
                    "quantity": quantity, "discount_bp": discount});
                service::create(tx, &owner, Entity::OpportunityLines, &object(body), false)?;
                report.opportunity_lines += 1;
            }
        }
        let moves: &[&str] = match plan {
            1 => &["sent"],
            2 => &["sent", "accepted"],
            3 | 5 => &["sent", "rejected"],
            4 => &["sent", "expired"],
            _ => &[],
        };
        for status in moves {
            let body = object(json!({"status": status}));
            service::update(tx, &owner, Entity::Quotes, &quote_id, &body, None)?;
        }
        if plan == 5 {
            let body = json!({"customer_id": customer, "supersedes": quote_id,
                "subject": subject, "valid_until": (today + Duration::days(30)).to_string()});
            service::create(tx, &owner, Entity::Quotes, &object(body), false)?;
            report.quotes += 1;
            report.quote_lines += lines;
        }
        Ok(())
    }
}
