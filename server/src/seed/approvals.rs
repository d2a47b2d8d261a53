//! Approvals in the demo: the admin's amounts, contracts in every approval state (some ending
//! soon, for the renewal reminder), expense claims, licences of the software products, and the
//! over-limit quotes submitted for a discount approval. All through `service::create`/`update`
//! as the people themselves, so the routing, locks and audit trail are the rules'. Few: a few
//! dozen of each whatever the demo's size.

use chrono::Duration;
use serde_json::{Value, json};

use super::generator::Gen;
use super::rng::{APPROVALS, Rng};
use super::setup::{id_of, object};
use super::users::DEMO_USERS;
use crate::access::{Actor, Role};
use crate::error::ApiError;
use crate::schema::Entity;
use crate::service;
use crate::store::{ListQuery, Record, Tx};

/// Contracts made: every state in turn.
const CONTRACTS: usize = 24;
/// Licences made, for customers of the pool.
const LICENCES: usize = 40;
/// Draft quotes looked at for a discount beyond their owner's limit.
const QUOTES_LOOKED_AT: usize = 200;

/// The demo user whose id this is, as an actor.
fn actor_of(g: &Gen, id: &str) -> Option<Actor> {
    let n = g.setup.users.iter().position(|u| u == id)?;
    let user = DEMO_USERS.get(n)?;
    Some(Actor {
        id: id.to_string(),
        username: user.username.to_string(),
        role: user.role,
        team_id: g.setup.teams[n].clone(),
    })
}

pub(super) fn actor_at(g: &Gen, n: usize) -> Option<Actor> {
    actor_of(g, g.setup.users.get(n)?)
}

impl Gen {
    /// The approval settings, contracts, expense claims, licences and discount approvals.
    pub(super) fn approvals(&mut self, tx: &dyn Tx) -> Result<(), ApiError> {
        let system = crate::system_actor();
        for (kind, above) in [("contract", 50_000_000), ("expense", 500_000)] {
            let body = json!({"kind": kind, "admin_above": above});
            service::create(tx, &system, Entity::ApprovalSettings, &object(body), false)?;
        }
        if self.pool.is_empty() {
            return Ok(());
        }
        for i in 0..CONTRACTS {
            self.rng = Rng::stream(APPROVALS, i);
            self.contract(tx, i)?;
        }
        for (n, user) in DEMO_USERS.iter().enumerate() {
            if matches!(user.role, Role::Sales | Role::Manager)
                && let Some(actor) = actor_at(self, n)
            {
                self.rng = Rng::stream(APPROVALS, 1_000 + n);
                self.claims(tx, &actor)?;
            }
        }
        self.licences(tx)?;
        self.discount_approvals(tx)
    }

    /// One contract for a customer of the pool, by its owner: a draft, pending, approved (one
    /// ending within its renewal days) or rejected, in turn.
    fn contract(&mut self, tx: &dyn Tx, i: usize) -> Result<(), ApiError> {
        let c = &self.pool[self.rng.below(self.pool.len())];
        let Some(owner) = actor_at(self, c.owner).filter(|a| a.role != Role::Agent) else {
            return Ok(());
        };
        let today = self.now.date_naive();
        let starts = today - Duration::days(self.rng.between(30, 300));
        // Every fourth approved contract ends within a month: a renewal to remind of.
        let ends = if i % 8 == 2 {
            today + Duration::days(self.rng.between(3, 25))
        } else {
            starts + Duration::days(365)
        };
        let deal = c.opportunities.first().map(|(id, _)| id.clone());
        let (name, terms, standards, clauses) = if c.zh {
            (
                format!("{} 年度服务合同", c.short),
                "签约后预付 30%，验收后 30 天内付清余款",
                "GB/T 19001-2016；双方确认的技术规格书",
                "违约金为合同金额的 5%；保密期三年",
            )
        } else {
            (
                format!("{} annual service agreement", c.short),
                "30% on signing, the rest within 30 days of acceptance",
                "ISO 9001; the technical specification both parties signed",
                "Penalty 5% of the amount; confidentiality for three years",
            )
        };
        // Now and then above the admin's amount, so the admin's inbox has some too.
        let amount = if i % 5 == 4 {
            self.rng.between(50_000_001, 120_000_000)
        } else {
            self.rng.between(1_000_000, 40_000_000)
        };
        let format = ["standard", "customer", "negotiated"][i % 3];
        let kind = ["sales", "service", "licence", "framework"][i % 4];
        let body = json!({"name": name, "customer_id": c.id, "opportunity_id": deal,
            "format": format, "contract_type": kind,
            "amount": amount, "payment_terms": terms, "standards": standards,
            "key_clauses": clauses, "starts_on": starts.to_string(), "ends_on": ends.to_string(),
            "renewal_days": 30});
        let made = service::create(tx, &owner, Entity::Contracts, &object(body), false)?;
        let id = id_of(&made.record)?;
        let plan = i % 4;
        if plan == 0 {
            return Ok(());
        }
        let note = if c.zh { "请审批" } else { "Please approve" };
        let body = json!({"contract_id": id, "note": note});
        let approval = service::create(tx, &owner, Entity::Approvals, &object(body), false)?;
        decide(self, tx, &approval.record, plan, c.zh)
    }

    /// Three claims of one person: a draft, one waiting and one approved.
    fn claims(&mut self, tx: &dyn Tx, claimant: &Actor) -> Result<(), ApiError> {
        let today = self.now.date_naive();
        let items = [
            ("出租车 客户拜访", "transport", 8_600),
            ("客户午餐", "meals", 46_800),
            ("差旅 上海", "travel", 312_000),
        ];
        for (plan, (subject, category, amount)) in items.into_iter().enumerate() {
            let c = &self.pool[self.rng.below(self.pool.len())];
            let customer = (c.owner < self.setup.users.len()
                && self.setup.users[c.owner] == claimant.id)
                .then(|| c.id.clone());
            let spent = today - Duration::days(self.rng.between(1, 20));
            let body = json!({"subject": subject, "spent_on": spent.to_string(),
                "amount": amount, "category": category, "customer_id": customer,
                "receipt_note": format!("发票 {}", self.rng.fill("########"))});
            let made = service::create(tx, claimant, Entity::ExpenseClaims, &object(body), false)?;
            if plan == 0 {
                continue;
            }
            let body = json!({"expense_claim_id": id_of(&made.record)?});
            let approval = service::create(tx, claimant, Entity::Approvals, &object(body), false)?;
            if plan == 2 {
                decide(self, tx, &approval.record, 2, true)?;
            }
        }
        Ok(())
    }

    /// Licences of the software products for customers of the pool.
    fn licences(&mut self, tx: &dyn Tx) -> Result<(), ApiError> {
        let system = crate::system_actor();
        let query = ListQuery {
            filters: vec![("kind", json!("licence"))],
            sort: "code",
            limit: 10,
            ..ListQuery::default()
        };
        let products: Vec<String> = tx
            .list(Entity::Products, &query, None)?
            .iter()
            .filter_map(|p| p.get("id").and_then(Value::as_str).map(String::from))
            .collect();
        if products.is_empty() {
            return Ok(());
        }
        let today = self.now.date_naive();
        for (n, c) in self.pool.iter().step_by(3).take(LICENCES).enumerate() {
            let starts = today - Duration::days(30 * (n as i64 % 12));
            let body = json!({"licence_number": format!("LIC-{}-{:06}", today.format("%Y"), n + 1),
                "customer_id": c.id, "product_id": products[n % products.len()],
                "seats": 5 + (n % 10) * 5, "starts_on": starts.to_string(),
                "ends_on": (starts + Duration::days(365)).to_string()});
            service::create(tx, &system, Entity::Licences, &object(body), false)?;
        }
        Ok(())
    }

    /// The draft quotes whose discount is beyond their owner's limit, submitted for approval.
    fn discount_approvals(&mut self, tx: &dyn Tx) -> Result<(), ApiError> {
        let query = ListQuery {
            filters: vec![("status", json!("draft"))],
            sort: "created_at",
            limit: QUOTES_LOOKED_AT,
            ..ListQuery::default()
        };
        for quote in tx.list(Entity::Quotes, &query, None)? {
            let (Some(id), Some(owner)) = (
                quote.get("id").and_then(Value::as_str),
                quote.get("owner_id").and_then(Value::as_str),
            ) else {
                continue;
            };
            let Some(owner) = actor_of(self, owner) else {
                continue;
            };
            let body = object(json!({"quote_id": id, "note": "大客户，请批准折扣"}));
            // Within the limit: nothing to approve, and nothing was written.
            match service::create(tx, &owner, Entity::Approvals, &body, false) {
                Ok(_) | Err(ApiError::Conflict { .. }) => {}
                Err(other) => return Err(other),
            }
        }
        Ok(())
    }
}

/// The approver decides: plan 2 approves, 3 rejects with a reason; others leave it waiting.
fn decide(g: &Gen, tx: &dyn Tx, approval: &Record, plan: usize, zh: bool) -> Result<(), ApiError> {
    let (status, comment) = match plan {
        2 => ("approved", if zh { "同意" } else { "Approved" }),
        3 => (
            "rejected",
            if zh {
                "付款条件过松，请调整预付比例"
            } else {
                "Payment terms too loose; raise the advance"
            },
        ),
        _ => return Ok(()),
    };
    let Some(approver) = approval
        .get("approver_id")
        .and_then(Value::as_str)
        .and_then(|id| actor_of(g, id))
    else {
        return Ok(());
    };
    let id = id_of(approval)?;
    let body = object(json!({"status": status, "comment": comment}));
    service::update(tx, &approver, Entity::Approvals, &id, &body, None)?;
    Ok(())
}
