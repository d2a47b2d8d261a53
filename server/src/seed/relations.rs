//! People and territories in the demo, all through the service: territories for the sales
//! teams' regions (华东 to 李娜 and the east team, 华北 to 张伟, 海外 to Emma, East China finance to
//! the east team's manager), decision maps on customers with three or more contacts (who reports
//! to whom, an assistant, an influencer and why, each contact's decision role), and four dealers
//! made as new customers — so the territories assign them — each with an agency contract, two
//! quarters' assessments, this month's and next month's target and orders placed through it.

use chrono::{Datelike, Months, NaiveDate};
use serde_json::json;

use super::approvals::actor_at;
use super::generator::Gen;
use super::order_history::product_id;
use super::setup::{id_of, object};
use super::users::{DEMO, EMMA, LI, WANG, ZHANG};
use crate::error::ApiError;
use crate::schema::Entity;
use crate::service;
use crate::store::Tx;

/// Customers whose contacts get a decision map.
const MAPPED: usize = 40;

/// Why someone influences the decision maker, in turn.
const INFLUENCE: [&str; 4] = [
    "技术选型由他把关",
    "老同学, 说话有分量",
    "掌管预算",
    "前任项目负责人",
];

/// Dealers: name, region, industry.
const DEALERS: [(&str, &str, &str); 4] = [
    ("杭州华东机电经销有限公司", "华东", "机械制造"),
    ("南京金陵工控代理有限公司", "华东", "制造业"),
    ("天津北方仪器经销有限公司", "华北", "仪器仪表"),
    ("Pacific Rim Distribution Ltd.", "International", "制造业"),
];

impl Gen {
    pub(super) fn relations(&mut self, tx: &dyn Tx) -> Result<(), ApiError> {
        let (Some(admin), Some(manager)) = (actor_at(self, DEMO), actor_at(self, WANG)) else {
            return Ok(());
        };
        let user = |n: usize| self.setup.users.get(n).cloned();
        let team = |n: usize| self.setup.teams.get(n).cloned().flatten();
        for (name, regions, industries, owner, team, priority) in [
            ("华东区", vec!["华东"], vec![], user(LI), team(LI), 100),
            (
                "华东金融",
                vec!["华东"],
                vec!["金融"],
                user(WANG),
                team(WANG),
                50,
            ),
            (
                "华北区",
                vec!["华北", "东北"],
                vec![],
                user(ZHANG),
                team(ZHANG),
                100,
            ),
            (
                "海外",
                vec!["International"],
                vec![],
                user(EMMA),
                team(EMMA),
                100,
            ),
        ] {
            let body = json!({"name": name, "regions": regions, "industries": industries,
                "owner_id": owner, "team_id": team, "priority": priority,
                "description": format!("{name}的新客户自动分配")});
            service::create(tx, &admin, Entity::Territories, &object(body), false)?;
        }

        // Decision maps: the first contact decides, the second reports to them and influences,
        // the third reports to the second, the fourth is the first's assistant.
        let mapped: Vec<Vec<String>> = self
            .pool
            .iter()
            .filter(|c| c.contacts.len() >= 3)
            .take(MAPPED)
            .map(|c| c.contacts.iter().map(|(id, _)| id.clone()).collect())
            .collect();
        for (i, people) in mapped.iter().enumerate() {
            let roles = ["decision_maker", "influencer", "user", "gatekeeper"];
            for (person, role) in people.iter().zip(roles) {
                let patch = object(json!({"decision_role": role}));
                service::update(tx, &admin, Entity::Contacts, person, &patch, None)?;
            }
            let relate = |from: &str, kind: &str, to: &str, reason: Option<&str>| {
                let body = json!({"contact_id": from, "kind": kind, "related_id": to,
                    "reason": reason});
                service::create(tx, &admin, Entity::ContactRelations, &object(body), false)
                    .map(|_| ())
            };
            relate(&people[1], "reports_to", &people[0], None)?;
            relate(&people[2], "reports_to", &people[1], None)?;
            let why = INFLUENCE[i % INFLUENCE.len()];
            relate(&people[2], "influences", &people[0], Some(why))?;
            if let Some(assistant) = people.get(3) {
                relate(assistant, "assistant_of", &people[0], None)?;
            }
        }

        // Dealers, entered by the manager: the territories give them their owners.
        let today = self.now.date_naive();
        let month = NaiveDate::from_ymd_opt(today.year(), today.month(), 1).unwrap_or(today);
        let quarter = |back: u32| {
            let first = NaiveDate::from_ymd_opt(today.year(), (today.month() - 1) / 3 * 3 + 1, 1)
                .unwrap_or(month);
            first
                .checked_sub_months(Months::new(3 * back))
                .unwrap_or(first)
                .to_string()
        };
        let ends = NaiveDate::from_ymd_opt(today.year() + 1, 12, 31).unwrap_or(today);
        let pool: Vec<String> = self.pool.iter().take(8).map(|c| c.id.clone()).collect();
        for (i, (name, region, industry)) in DEALERS.into_iter().enumerate() {
            let body = json!({"name": name, "category": "dealer", "region": region,
                "industry": industry, "level": "A", "tags": ["经销商"]});
            let dealer = service::create(tx, &manager, Entity::Customers, &object(body), true)?;
            let dealer = id_of(&dealer.record)?;
            let body = json!({"name": format!("{name} 代理合同"), "customer_id": dealer,
                "format": "standard", "contract_type": "framework", "amount": 0,
                "payment_terms": "月结 30 天", "key_clauses": "区域独家代理, 年度考核",
                "starts_on": format!("{}-01-01", today.year()), "ends_on": ends.to_string(),
                "renewal_days": 60});
            let contract = service::create(tx, &admin, Entity::Contracts, &object(body), false)?;
            let patch = object(json!({"agency_contract_id": id_of(&contract.record)?}));
            service::update(tx, &admin, Entity::Customers, &dealer, &patch, None)?;
            for back in [1, 0] {
                let base = 60 + (i as i64 * 7 + back as i64 * 5) % 35;
                let body = json!({"customer_id": dealer, "period": quarter(back),
                    "sales_score": base, "market_score": (base + 8).min(100),
                    "service_score": (base + 3).min(100), "credit_score": (base + 12).min(100),
                    "notes": "季度考察"});
                service::create(tx, &admin, Entity::DealerAssessments, &object(body), false)?;
            }
            for (m, amount) in [(0, 50_000_000), (1, 60_000_000)] {
                let target_month = month.checked_add_months(Months::new(m)).unwrap_or(month);
                let body = json!({"customer_id": dealer, "month": target_month.to_string(),
                    "amount": amount + i as i64 * 10_000_000});
                service::create(tx, &admin, Entity::Targets, &object(body), false)?;
            }
            // Two orders through the dealer for end customers.
            for k in 0..2 {
                let Some(end) = pool.get((i * 2 + k) % pool.len().max(1)) else {
                    break;
                };
                let body = json!({"customer_id": end, "dealer_id": dealer,
                    "subject": format!("经 {name} 下单")});
                let order = service::create(tx, &admin, Entity::Orders, &object(body), false)?;
                let body = json!({"order_id": id_of(&order.record)?,
                    "product_id": product_id(k + i), "quantity": 2 + k});
                service::create(tx, &admin, Entity::OrderLines, &object(body), false)?;
            }
        }
        Ok(())
    }
}
